//! The exporter end to end: a ledger on disk (with includes), its feed
//! and plan, pushed to the fake Codat over HTTP; balances checked against
//! Beancount's own loader.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;
use codat::{
    AccountOutcome, Client, Error, ExportReport, ExportSettings, Feed, MemoryPushLog, Notice,
    PushLog, PushStatus, Reason, Rules,
};
use fake_codat::{FakeServer, Fault, FaultKind, Options};
use importer::ledger::{Ledger, LedgerOptions};
use rust_decimal::Decimal;

use crate::common::*;

const ACCOUNT: &str = "Assets:Bank:Business";

/// A ledger in a temporary folder, the fake Codat, the export's settings
/// read from a configuration, and the memory of what was pushed.
struct Books {
    dir: tempfile::TempDir,
    server: FakeServer,
    settings: ExportSettings,
    log: MemoryPushLog,
}

impl Books {
    fn new(options: Options) -> Books {
        let server = FakeServer::start(options);
        let yaml = format!(
            "exports:
  codat:
    api_key: ${{CODAT_API_KEY}}
    company_id: {}
    connection_id: {}
    base_url: {}
    accounts:
      - account: {ACCOUNT}
        source_account_id: biz
        account_type: checking
        name: Business current
        account_number: '****1234'
        currency: GBP
",
            server.company_id(),
            server.connection_id(),
            server.base_url()
        );
        let key = server.api_key();
        let config = importer::config::from_str_with_env(&yaml, "config.yaml", move |v| {
            (v == "CODAT_API_KEY").then(|| key.clone())
        })
        .unwrap();
        let settings = ExportSettings::from_export(config.export("codat").unwrap()).unwrap();
        let books = Books {
            dir: tempfile::tempdir().unwrap(),
            server,
            settings,
            log: MemoryPushLog::new(),
        };
        books.write("main.bean", MAIN);
        books.write("opening.bean", OPENING);
        books
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// The `file:line` of the first line of `name` containing `needle`.
    fn line_of(&self, name: &str, needle: &str) -> String {
        let n = self
            .read(name)
            .lines()
            .position(|l| l.contains(needle))
            .unwrap();
        format!("{}:{}", self.path(name).display(), n + 1)
    }

    fn client(&self) -> Client {
        self.client_with(quick_retry(4), 10)
    }

    fn client_with(&self, retry: codat::RetryPolicy, max_polls: u32) -> Client {
        self.settings
            .client_builder()
            .retry(retry)
            .poll(quick_poll(max_polls))
            .build()
            .unwrap()
    }

    fn export(&mut self, today: NaiveDate) -> ExportReport {
        let client = self.client();
        self.export_with(&client, today).unwrap()
    }

    fn export_with(&mut self, client: &Client, today: NaiveDate) -> Result<ExportReport, Error> {
        let ledger = Ledger::load_with(
            &[self.path("main.bean")],
            &LedgerOptions {
                id_keys: vec!["gocardless_id".into()],
            },
        )
        .unwrap();
        let feed = Feed::read(&ledger, &self.settings.accounts);
        codat::export(
            client,
            &self.settings,
            &feed,
            &mut self.log,
            Rules::new(today),
        )
    }

    fn pushes(&self) -> usize {
        self.server.count("POST", "/bankTransactions")
    }

    /// What Beancount computes for the account, day by day.
    fn beancount(&self) -> Vec<(NaiveDate, Decimal)> {
        test_support::bean_check::daily_balances(&self.path("main.bean"), ACCOUNT, "GBP")
    }
}

/// Beancount's balance of the account at the end of `day`.
fn balance_on(daily: &[(NaiveDate, Decimal)], day: NaiveDate) -> Decimal {
    daily
        .iter()
        .rev()
        .find(|(d, _)| *d <= day)
        .map_or(Decimal::ZERO, |(_, b)| *b)
}

const TODAY: (i32, u32, u32) = (2026, 11, 20);

fn today() -> NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

const MAIN: &str = r#"option "title" "Business books"
option "operating_currency" "GBP"

2024-01-01 open Assets:Bank:Business
2024-01-01 open Assets:Bank:Savings GBP
2024-01-01 open Equity:Opening-Balances
2024-01-01 open Expenses:Office
2024-01-01 open Expenses:Travel
2024-01-01 open Expenses:Bank-Fees
2024-01-01 open Income:Sales

include "opening.bean"
include "txns/*.bean"
"#;

const OPENING: &str = "2024-01-01 pad Assets:Bank:Business Equity:Opening-Balances
2024-01-02 balance Assets:Bank:Business 5000.00 GBP
";

const Y2025: &str = r#"2025-03-10 * "Old client" "Invoice 1"
  Assets:Bank:Business   1200.00 GBP
  Income:Sales

2025-09-30 * "Landlord" "Rent"
  Assets:Bank:Business   -800.00 GBP
  Expenses:Office

2025-11-19 * "Cafe" "Coffee"
  Assets:Bank:Business     -3.20 GBP
  Expenses:Office

2025-11-20 * "Client B" "Invoice 2"
  Assets:Bank:Business    450.00 GBP
    gocardless_id: "gc-first"
  Income:Sales

2025-12-01 * "Train"   "Fare to   Leeds"
  Expenses:Travel          54.30 GBP
  Assets:Bank:Business
"#;

const Y2026: &str = r#"2026-01-15 * "Bank" "Monthly fee"
  Assets:Bank:Business     -5.00 GBP
  Expenses:Bank-Fees

2026-01-15 * "Bank" "Monthly fee"
  Assets:Bank:Business     -5.00 GBP
  Expenses:Bank-Fees

2026-02-03 * "Client C" "Invoice 3"
  Assets:Bank:Business   2000.00 GBP
    gocardless_id: "gc-77"
  Income:Sales

2026-03-01 * "Airline" "Flight paid in dollars"
  Assets:Bank:Business   -120.00 USD @ 0.80 GBP
  Expenses:Travel          96.00 GBP

2026-04-01 pad Assets:Bank:Business Equity:Opening-Balances
2026-04-02 balance Assets:Bank:Business 12345.67 GBP

2026-06-01 * "Transfer to savings"
  Assets:Bank:Business  -1000.00 GBP
  Assets:Bank:Savings

2026-11-15 ! "Client D" "Invoice 4"
  Assets:Bank:Business    300.00 GBP
  Income:Sales

2026-11-16 * "Cafe" "Team lunch"
  Assets:Bank:Business    -45.60 GBP
  Expenses:Office

2026-11-25 * "Software Ltd" "Subscription"
  Assets:Bank:Business     -9.99 GBP
  Expenses:Office
"#;

/// Over a thousand transactions between 2025-12-02 and 2026-10-31, some
/// with importer ids: the first push takes two batches.
fn bulk() -> String {
    let mut text = String::new();
    let start = date(2025, 12, 2);
    for i in 0..1100u64 {
        let day = start + chrono::Days::new(i * 333 / 1100);
        let amount = Decimal::new(((i * 3779) % 50000) as i64 - 20000, 2);
        let _ = write!(
            text,
            "{day} * \"Customer {}\" \"Order {i}\"\n  Assets:Bank:Business  {amount} GBP\n",
            i % 13
        );
        if i % 3 == 0 {
            let _ = writeln!(text, "    gocardless_id: \"bulk-{i}\"");
        }
        text.push_str("  Income:Sales\n\n");
    }
    text
}

/// The full story: the account created and connected, pushed in batches,
/// a second run pushing nothing, the next day's transactions pushed once,
/// every balance the one Beancount computes.
#[test]
fn a_ledger_is_exported_once_and_what_comes_next_once_more() {
    let mut books = Books::new(Options::default());
    books.write("txns/2025.bean", Y2025);
    books.write("txns/2026.bean", Y2026);
    books.write("txns/bulk.bean", &bulk());

    // 1. The source account is created with the balance the feed starts
    //    from, and waits for the company to connect it.
    let report = books.export(today());
    let account = &report.accounts[0];
    assert!(account.created);
    assert_eq!(
        account.outcome,
        AccountOutcome::AwaitingConnection {
            feed_start_by: Some(date(2025, 11, 20))
        }
    );
    assert_eq!(books.pushes(), 0);
    let daily = books.beancount();
    let opening = balance_on(&daily, date(2025, 11, 19));
    assert_eq!(account.plan.opening_balance, Some(opening));
    let fake = books.server.source_account("biz").unwrap();
    assert_eq!(
        (fake.balance, fake.status.as_str(), fake.currency.as_str()),
        (opening, "pending", "GBP")
    );
    assert_eq!(
        (fake.account_name.as_str(), fake.account_number.as_str()),
        ("Business current", "****1234")
    );
    let plan = &account.plan;
    assert_eq!(plan.push.len(), 1 + 1 + 2 + 1 + 1 + 1100);
    assert_eq!(plan.history.as_ref().map(|h| h.transactions), Some(3));
    assert!(account.plan.is_clean());
    let excluded: Vec<(&str, String)> = plan
        .excluded
        .iter()
        .map(|e| (e.description.as_str(), e.location.to_string()))
        .collect();
    assert_eq!(
        excluded,
        [
            (
                "Airline: Flight paid in dollars",
                books.line_of("txns/2026.bean", "Airline")
            ),
            ("Invoice 4", books.line_of("txns/2026.bean", "Client D")),
            ("Team lunch", books.line_of("txns/2026.bean", "Team lunch")),
            ("Subscription", books.line_of("txns/2026.bean", "Software")),
        ]
    );
    assert!(matches!(
        plan.excluded[1].reason,
        Reason::Pending { flag: '!' }
    ));
    assert!(matches!(plan.excluded[2].reason, Reason::HeldBack { .. }));
    assert_eq!(plan.excluded[3].reason, Reason::Future);
    // The pad in the middle of the year moves the balance without a line.
    assert!(matches!(
        &plan.notices[..],
        [Notice::BalanceJump { date: d, .. }] if *d == date(2026, 4, 1)
    ));

    // While it waits, its balance follows the ledger.
    books.export(today());
    assert_eq!(books.server.count("PATCH", "/bankFeedAccounts/"), 0);
    let mut y2025 = books.read("txns/2025.bean");
    y2025.push_str(
        "\n2025-10-01 * \"Late entry\"\n  Assets:Bank:Business  -100.00 GBP\n  Expenses:Office\n",
    );
    books.write("txns/2025.bean", &y2025);
    let report = books.export(today());
    assert!(!report.accounts[0].created);
    assert_eq!(books.server.count("PATCH", "/bankFeedAccounts/"), 1);
    let opening = balance_on(&books.beancount(), date(2025, 11, 19));
    assert_eq!(report.accounts[0].plan.opening_balance, Some(opening));
    assert_eq!(books.server.source_account("biz").unwrap().balance, opening);
    assert_eq!(books.pushes(), 0);

    // 2. Connected: everything planned goes, in two batches.
    books
        .server
        .connect_source_account("biz", Some(date(2025, 11, 20)));
    let report = books.export(today());
    let account = &report.accounts[0];
    assert_eq!(account.outcome, AccountOutcome::UpToDate, "{account:?}");
    assert_eq!(account.pushes.len(), 2);
    assert!(
        account
            .pushes
            .iter()
            .all(|p| p.status == PushStatus::Success)
    );
    assert_eq!(account.pushes[0].transactions, 1000);
    assert_ne!(
        account.pushes[0].idempotency_key,
        account.pushes[1].idempotency_key
    );
    let first_run = account.plan.push.len();
    assert_eq!(books.server.transactions("biz").len(), first_run);
    assert_eq!(books.pushes(), 2);

    // 3. Again: nothing to push.
    let report = books.export(today());
    let account = &report.accounts[0];
    assert!(account.plan.push.is_empty() && account.pushes.is_empty());
    assert_eq!(account.plan.already_pushed, first_run);
    assert_eq!(account.outcome, AccountOutcome::UpToDate);
    assert_eq!(books.pushes(), 2);

    // 4. The next day: the pending invoice is cleared, two transactions
    //    are added; those and the lunch held back go, once.
    books.server.advance(chrono::Duration::days(1));
    let tomorrow = today().succ_opt().unwrap();
    let mut y2026 = books
        .read("txns/2026.bean")
        .replace("2026-11-15 !", "2026-11-15 *");
    y2026.push_str(
        "\n2026-11-21 * \"Stationer\" \"Paper\"\n  Assets:Bank:Business  -12.00 GBP\n  Expenses:Office\n\n\
         2026-11-21 * \"Client E\" \"Invoice 5\"\n  Assets:Bank:Business  640.00 GBP\n    gocardless_id: \"gc-new\"\n  Income:Sales\n",
    );
    books.write("txns/2026.bean", &y2026);
    let report = books.export(tomorrow);
    let account = &report.accounts[0];
    let pushed: Vec<&str> = account
        .plan
        .push
        .iter()
        .map(|t| t.description.as_str())
        .collect();
    assert_eq!(pushed, ["Invoice 4", "Team lunch", "Paper", "Invoice 5"]);
    assert_eq!(account.outcome, AccountOutcome::UpToDate);
    assert_eq!(books.pushes(), 3);
    let again = books.export(tomorrow);
    assert!(again.accounts[0].plan.push.is_empty());
    assert_eq!(books.pushes(), 3);
    // Left out: the dollars (a rule) and the future subscription (waits).
    assert!(again.is_clean());

    // Every transaction is on the feed once, and every balance pushed is
    // what Beancount computes for that day.
    let on_feed = books.server.transactions("biz");
    assert_eq!(on_feed.len(), first_run + 4);
    let mut ids: Vec<&str> = on_feed.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), on_feed.len(), "no id twice");
    let daily = books.beancount();
    let mut end_of_day: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for t in &on_feed {
        end_of_day.insert(t.date.date(), t.balance.unwrap());
    }
    assert!(end_of_day.len() > 300);
    for (day, balance) in &end_of_day {
        assert_eq!(*balance, balance_on(&daily, *day), "balance on {day}");
    }
    assert_eq!(
        books.server.source_account("biz").unwrap().balance,
        balance_on(&daily, tomorrow)
    );
    let invoice = on_feed.iter().find(|t| t.id == "gc-77").unwrap();
    assert_eq!(invoice.description.as_deref(), Some("Invoice 3"));
    assert_eq!(invoice.counterparty.as_deref(), Some("Client C"));
    assert_eq!(invoice.amount.to_string(), "2000.00");
    let train = on_feed.iter().find(|t| t.amount == dec("-54.30")).unwrap();
    assert_eq!(train.description.as_deref(), Some("Fare to Leeds"));
    assert!(train.id.starts_with("bc-"));
}

const SMALL: &str = r#"2025-12-01 * "Client B" "Invoice 2"
  Assets:Bank:Business    450.00 GBP
  Income:Sales

2026-01-15 * "Bank" "Monthly fee"
  Assets:Bank:Business     -5.00 GBP
  Expenses:Bank-Fees

2026-02-03 * "Client C" "Invoice 3"
  Assets:Bank:Business   2000.00 GBP
    gocardless_id: "gc-77"
  Income:Sales

2026-03-04 * "Stationer" "Paper"
  Assets:Bank:Business    -12.00 GBP
  Expenses:Office
"#;

fn small(options: Options) -> Books {
    let books = Books::new(Options {
        connect_new_accounts: true,
        ..options
    });
    books.write("txns/2026.bean", SMALL);
    books
}

#[test]
fn a_refused_push_names_the_ledger_line_of_each_transaction_at_fault() {
    let mut books = small(Options::default());
    // Another tool already pushed a transaction with the id of ours.
    let client = books.client();
    let feed = books.settings.connection();
    client
        .create_source_account(
            &feed,
            &codat::NewSourceAccount::new(
                "biz",
                "Business current",
                codat::AccountType::Checking,
                "1234",
                "GBP",
                dec("0"),
            ),
        )
        .unwrap();
    let theirs = vec![
        codat::BankTransaction::new("gc-77", date(2025, 11, 30), dec("1"), Some(dec("1")))
            .description("pushed by hand"),
    ];
    let key = codat::IdempotencyKey::for_batch("biz", &theirs);
    let op = client
        .push_transactions(&feed, "biz", &theirs, &key)
        .unwrap();
    client
        .wait_for_push(&feed.company_id, &op.push_operation_key)
        .unwrap();

    let report = books.export(today());
    let account = &report.accounts[0];
    assert!(!account.created);
    assert_eq!(account.outcome, AccountOutcome::PushFailed);
    let push = &account.pushes[0];
    assert_eq!(push.status, PushStatus::Failed);
    let at_fault: Vec<String> = push.rejections.iter().map(ToString::to_string).collect();
    let line = books.line_of("txns/2026.bean", "Client C");
    assert_eq!(at_fault.len(), 1, "{at_fault:?}");
    assert!(
        at_fault[0].starts_with(&format!("{line}: transaction gc-77: ")),
        "{}",
        at_fault[0]
    );
    assert!(at_fault[0].contains("duplicate id"), "{}", at_fault[0]);
    assert!(!report.is_clean());
    // Nothing is taken for pushed.
    let state = books.log.state("biz").unwrap();
    assert!(state.pushed.is_empty() && state.in_flight.is_empty());
    assert_eq!(books.server.transactions("biz").len(), 1);
}

#[test]
fn a_503_in_the_middle_of_a_push_does_not_duplicate_it() {
    let mut books = small(Options::default());
    // The push is stored, its answer lost: the client sends it again
    // under the same key and gets the first answer.
    books.server.inject(Fault::next(
        "/bankTransactions",
        1,
        FaultKind::StatusAfterHandling(503),
    ));
    let report = books.export(today());
    assert_eq!(report.accounts[0].outcome, AccountOutcome::UpToDate);
    let posts: Vec<_> = books
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/bankTransactions"))
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].status, 503);
    assert_eq!(posts[0].idempotency_key, posts[1].idempotency_key);
    assert_eq!(books.server.push_operation_count(), 1);
    assert_eq!(books.server.transactions("biz").len(), 4);
    assert!(report.is_clean());
}

#[test]
fn a_run_stopped_mid_push_is_resumed_never_pushed_twice() {
    // The operation outlasts the polls allowed: it stays in flight.
    let mut books = small(Options {
        polls_to_complete: 5,
        ..Options::default()
    });
    let impatient = books.client_with(quick_retry(4), 2);
    let report = books.export_with(&impatient, today()).unwrap();
    assert_eq!(report.accounts[0].outcome, AccountOutcome::InFlight);
    let state = books.log.state("biz").unwrap();
    assert_eq!(state.in_flight.len(), 1);
    assert!(state.in_flight[0].operation_key.is_some());
    // A dry run meanwhile plans nothing more.
    let ledger = Ledger::load(&[books.path("main.bean")]).unwrap();
    let feed = Feed::read(&ledger, &books.settings.accounts);
    let plan = codat::Plan::build(&feed, &books.log, Rules::new(today()), &[]).unwrap();
    assert_eq!(
        (plan.accounts[0].in_flight, plan.accounts[0].push.len()),
        (4, 0)
    );

    let report = books.export(today());
    let account = &report.accounts[0];
    assert_eq!(account.outcome, AccountOutcome::UpToDate);
    assert_eq!(account.pushes.len(), 1);
    assert!(account.pushes[0].resumed);
    assert_eq!(account.plan.already_pushed, 4);
    assert_eq!(books.pushes(), 1, "waited for, not pushed again");
    assert_eq!(books.server.transactions("biz").len(), 4);

    // The answer to the push itself is lost, and the run ends there: the
    // next one sends the same batch under the same key.
    let mut books = small(Options::default());
    books.server.inject(Fault::next(
        "/bankTransactions",
        1,
        FaultKind::StatusAfterHandling(503),
    ));
    let once = books.client_with(quick_retry(1), 10);
    let error = books.export_with(&once, today()).unwrap_err();
    assert!(matches!(error, Error::Server { .. }), "{error}");
    let state = books.log.state("biz").unwrap();
    assert_eq!(state.in_flight.len(), 1);
    assert!(state.in_flight[0].operation_key.is_none());
    let report = books.export(today());
    assert!(report.accounts[0].pushes[0].resumed);
    assert_eq!(report.accounts[0].outcome, AccountOutcome::UpToDate);
    assert_eq!(books.pushes(), 2);
    assert_eq!(books.server.push_operation_count(), 1);
    assert_eq!(books.server.transactions("biz").len(), 4);
}

#[test]
fn edits_after_a_push_are_reported_with_what_to_do_and_never_pushed() {
    let mut books = small(Options::default());
    books.export(today());
    assert_eq!(books.server.transactions("biz").len(), 4);
    let edited = books
        .read("txns/2026.bean")
        .replace("2000.00 GBP\n    gocardless_id", "2100.00 GBP\n    gocardless_id")
        .replace(
            "2026-01-15 * \"Bank\" \"Monthly fee\"\n  Assets:Bank:Business     -5.00 GBP\n  Expenses:Bank-Fees\n",
            "",
        );
    books.write("txns/2026.bean", &edited);
    let report = books.export(today());
    let account = &report.accounts[0];
    assert!(account.plan.push.is_empty());
    assert_eq!(books.pushes(), 1);
    let changed: Vec<String> = account
        .plan
        .changed
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    let line = books.line_of("txns/2026.bean", "Client C");
    assert!(
        changed[0].starts_with(&format!(
            "{line}: transaction gc-77 (2026-02-03 2000.00 \"Invoice 3\")"
        )),
        "{}",
        changed[0]
    );
    assert!(changed[0].contains("not pushed again"), "{}", changed[0]);
    assert!(
        changed[1].contains("\"Monthly fee\"") && changed[1].contains("delete that statement line"),
        "{}",
        changed[1]
    );
    assert!(!report.is_clean());
    assert_eq!(books.server.transactions("biz").len(), 4);
}

#[test]
fn a_dry_run_needs_no_server_and_prints_as_json() {
    let books = small(Options::default());
    let ledger = Ledger::load(&[books.path("main.bean")]).unwrap();
    let feed = Feed::read(&ledger, &books.settings.accounts);
    let plan = codat::Plan::build(&feed, &books.log, Rules::new(today()), &[]).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    let push = json["accounts"][0]["push"].as_array().unwrap();
    assert_eq!(push.len(), 4);
    assert!(push[0]["id"].as_str().unwrap().starts_with("bc-"));
    assert_eq!(push[2]["id"], "gc-77");
    assert_eq!(push[2]["counterparty"], "Client C");
    assert_eq!(push[3]["balance"], "7433.00");
    assert_eq!(
        push[3]["location"],
        books.line_of("txns/2026.bean", "Stationer")
    );
    assert_eq!(books.server.requests().len(), 0);
}
