//! End to end, the way `import` will run a SimpleFIN source: the fake
//! Bridge → the client (one `GET /accounts` answer, split into 90-day
//! requests) → `simplefin::statement` (one statement per configured
//! account) → `importer::Run` against the user's ledger → the output
//! appended to it → bean-check. Then again (nothing new), then a day later
//! (pending purchases posted overnight under new ids, restaurants with a
//! tip); and accounts in trouble next to healthy ones.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, TimeDelta};
use fake_simplefin::{FakeServer, Options, Trouble};
use importer::dedup::MatchKind;
use importer::entry::Entry;
use importer::ledger::{Ledger, LedgerOptions};
use importer::{Config, Imported, Input, Run};
use rust_decimal::Decimal;
use simplefin::statement::{AccountStatement, ID_KEY, StatementError};
use simplefin::{AccountSet, AccountsQuery, Client, RetryPolicy, Secret, Settings};

/// The Beancount accounts of the fake's accounts, in its order: checking,
/// credit card, savings, air miles.
const ACCOUNTS: [&str; 4] = [
    "Assets:US:First:Checking",
    "Liabilities:US:First:Visa",
    "Assets:US:Second:Savings",
    "Assets:Rewards:Miles",
];

struct Setup {
    server: FakeServer,
    config: Config,
    client: Client,
    _dir: tempfile::TempDir,
    ledger: PathBuf,
}

/// One import's results.
struct Import {
    set: AccountSet,
    errors: Vec<StatementError>,
    imported: Imported,
}

impl Setup {
    /// A linked source (its setup token claimed as `link` does), a
    /// configuration naming the accounts (the miles account with
    /// `currency: MILES` when `miles` says), and the user's ledger: the
    /// accounts opened, with an opening balance left to a `pad` for those
    /// in `padded` (the bank's history starts before the fetched window).
    fn new(miles: Option<&str>, padded: &[&str]) -> Setup {
        let server = FakeServer::start(Options {
            seed: 2,
            ..Options::default()
        });
        let ids = server.account_ids();
        let mut yaml = format!(
            "sources:\n  sfin: {{ provider: simplefin, base_url: '{}' }}\naccounts:\n",
            server.base_url()
        );
        for (i, (id, account)) in ids.iter().zip(ACCOUNTS).enumerate() {
            let currency = match (i, miles) {
                (3, Some(c)) => format!(", currency: {c}"),
                (3, None) => String::new(),
                _ => ", currency: USD".to_owned(),
            };
            yaml.push_str(&format!(
                "  - {{ id: {id}, source: sfin, account: {account}{currency} }}\n"
            ));
        }
        let config = importer::config::from_str(&yaml, "config.yaml").unwrap();
        let settings = Settings::from_source(config.source("sfin").unwrap()).unwrap();
        let client_config = simplefin::Config {
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(1),
                max_total: Duration::from_secs(20),
                max_api_wait: Duration::from_secs(2),
            },
            ..settings.config()
        };
        let access = simplefin::claim(&Secret::new(server.setup_token()), &client_config).unwrap();
        settings.check_access_url(&access).unwrap();
        let client = Client::new(access, client_config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("main.beancount");
        let mut text = String::from(
            "option \"operating_currency\" \"USD\"\n2020-01-01 open Equity:Opening-Balances\n",
        );
        for account in ACCOUNTS {
            let currency = if account.ends_with("Miles") {
                "MILES"
            } else {
                "USD"
            };
            text.push_str(&format!("2020-01-01 open {account} {currency}\n"));
            if padded.contains(&account) {
                text.push_str(&format!(
                    "2020-01-01 pad {account} Equity:Opening-Balances\n"
                ));
            }
        }
        std::fs::write(&ledger, text).unwrap();
        server.reset_counters();
        Setup {
            server,
            config,
            client,
            _dir: dir,
            ledger,
        }
    }

    fn today(&self) -> NaiveDate {
        self.server.now().date_naive()
    }

    fn load(&self) -> Ledger {
        let mut id_keys = self.config.dedup.id_keys.clone();
        id_keys.push(ID_KEY.to_owned());
        let ledger = Ledger::load_with(&[&self.ledger], &LedgerOptions { id_keys }).unwrap();
        assert_eq!(ledger.skipped_lines(), 0);
        ledger
    }

    /// `import -e main.beancount >> main.beancount` over the last `days`.
    fn import(&self, days: i64) -> Import {
        let end = self.server.now();
        let query = AccountsQuery {
            pending: true,
            ..AccountsQuery::window(end - TimeDelta::days(days), end)
        };
        let set = self.client.accounts(&query).unwrap();
        assert_eq!(set.requests as usize, query.request_count());
        let mut statements = Vec::new();
        let mut errors = Vec::new();
        for account in &self.config.accounts {
            match AccountStatement::new(&set, account, &query) {
                Ok(s) => statements.push((account, s)),
                Err(e) => errors.push(e),
            }
        }
        let inputs: Vec<Input<'_>> = statements
            .iter()
            .map(|(account, s)| Input {
                account,
                statement: s.statement(),
                adjust: None,
            })
            .collect();
        let ledger = self.load();
        let imported = Run::new(&self.config, Some(&ledger), self.today()).import(&inputs);
        let problems: Vec<String> = imported.problems().map(|p| p.to_string()).collect();
        assert!(problems.is_empty(), "{problems:#?}");
        if !imported.text().is_empty() {
            let mut text = std::fs::read_to_string(&self.ledger).unwrap();
            text.push('\n');
            text.push_str(&imported.text());
            std::fs::write(&self.ledger, text).unwrap();
        }
        drop(inputs);
        drop(statements);
        Import {
            set,
            errors,
            imported,
        }
    }
}

/// A posting of a configured account in the ledger.
#[derive(Debug, Clone, PartialEq)]
struct Booked {
    account: String,
    date: NaiveDate,
    pending: bool,
    number: Decimal,
}

/// The ledger's postings on the configured accounts, by SimpleFIN id;
/// panics when an id is there twice.
fn by_id(ledger: &Ledger) -> HashMap<String, Booked> {
    let mut out = HashMap::new();
    for t in ledger.transactions() {
        for p in t.postings() {
            let Some(id) = p.meta_value(ID_KEY) else {
                continue;
            };
            let booked = Booked {
                account: p.account().to_owned(),
                date: t.date(),
                pending: t.is_pending(),
                number: p.number().unwrap(),
            };
            let id = id.as_str().to_owned();
            assert!(out.insert(id.clone(), booked).is_none(), "{id} twice");
        }
    }
    out
}

/// bean-check's balance failures, by account: accumulated less expected.
/// Panics on any other complaint.
fn balance_failures(path: &Path) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    let Err(report) = test_support::bean_check::run(path) else {
        return out;
    };
    let re = regex::Regex::new(
        r"Balance failed for '([^']+)': expected [-0-9.]+ [A-Z]+ != accumulated [-0-9.]+ [A-Z]+ \(([0-9.]+) too (much|little)\)",
    )
    .unwrap();
    for line in report.lines().filter(|l| l.contains(".beancount:")) {
        let c = re
            .captures(line)
            .unwrap_or_else(|| panic!("not a balance failure: {line}\n{report}"));
        let mut diff: Decimal = c[2].parse().unwrap();
        if &c[3] == "little" {
            diff = -diff;
        }
        *out.entry(c[1].to_owned()).or_default() += diff;
    }
    out
}

/// The balance assertions an import wrote, by account.
fn asserted(imported: &Imported) -> BTreeMap<String, (NaiveDate, String)> {
    imported
        .outputs
        .iter()
        .flat_map(|o| &o.entries)
        .filter_map(|e| match e {
            Entry::Balance(b) => Some((b.account.clone(), (b.date, b.amount.currency.clone()))),
            _ => None,
        })
        .collect()
}

#[test]
fn a_200_day_first_import_is_a_clean_ledger_and_a_second_adds_nothing() {
    let s = Setup::new(Some("MILES"), &ACCOUNTS);
    let first = s.import(200);
    test_support::bean_check::file(&s.ledger);
    // Three requests of at most 90 days, each counted by the Bridge.
    assert_eq!(first.set.requests, 3);
    assert_eq!(s.server.count("GET", "/simplefin/accounts"), 3);
    assert!(first.errors.is_empty(), "{:?}", first.errors);

    // Every transaction of the answer is in the ledger once, under its id,
    // pending ones flagged.
    let ledger = by_id(&s.load());
    let mut pending = 0;
    for (account, name) in first.set.accounts.iter().zip(ACCOUNTS) {
        assert!(!account.transactions.is_empty(), "{name}");
        for r in &account.transactions {
            let t = r.parse().unwrap();
            let b = &ledger[&t.id];
            assert_eq!((b.account.as_str(), b.number), (name, t.amount));
            assert_eq!(b.pending, t.is_pending());
            pending += usize::from(b.pending);
        }
    }
    assert!(pending > 0);
    // The closing balance of yesterday, asserted this morning (today's
    // balance is of a day not over yet), in each account's commodity.
    let today = s.today();
    let balances = asserted(&first.imported);
    assert_eq!(balances.len(), 4, "{balances:?}");
    for name in ACCOUNTS {
        let currency = if name.ends_with("Miles") {
            "MILES"
        } else {
            "USD"
        };
        assert_eq!(balances[name], (today, currency.to_owned()), "{name}");
    }

    // The same day again, over a short window and over the whole one:
    // everything is in the ledger.
    for days in [3, 200] {
        let again = s.import(days);
        assert_eq!(again.imported.text(), "", "{days} days");
    }
    test_support::bean_check::file(&s.ledger);
}

#[test]
fn a_day_later_posted_purchases_come_under_new_ids() {
    let s = Setup::new(Some("MILES"), &ACCOUNTS);
    let first = s.import(30);
    test_support::bean_check::file(&s.ledger);
    let before = by_id(&s.load());
    let first_listed: HashMap<String, simplefin::Transaction> = first
        .set
        .accounts
        .iter()
        .flat_map(|a| &a.transactions)
        .map(|r| r.parse().unwrap())
        .map(|t| (t.id.clone(), t))
        .collect();

    s.server.advance(TimeDelta::days(1));
    let second = s.import(10);
    let after = by_id(&s.load());
    let listed: HashMap<String, (simplefin::Transaction, &str)> = second
        .set
        .accounts
        .iter()
        .zip(ACCOUNTS)
        .flat_map(|(a, name)| {
            a.transactions
                .iter()
                .map(move |r| (r.parse().unwrap(), name))
        })
        .map(|(t, name)| (t.id.clone(), (t, name)))
        .collect();

    // Every pending entry of yesterday posted overnight under a new id
    // (same description and moment of purchase), some with a tip added.
    // SimpleFIN links the two by nothing: the posted one is either written
    // anew (another amount) or taken for the pending entry by content
    // (same amount, within the window), and the pending entry stays until
    // `reconcile` (issue 10) rewrites it.
    let (mut tipped, mut same) = (0, 0);
    let mut stale: BTreeMap<String, Decimal> = BTreeMap::new();
    let yesterday = s.today().pred_opt().unwrap();
    for (id, pending) in before.iter().filter(|(_, b)| b.pending) {
        assert!(!listed.contains_key(id), "{id} is still pending");
        assert_eq!(pending.date, yesterday);
        let pending_record = &first_listed[id];
        let (posted, _) = listed
            .values()
            .find(|(t, name)| {
                *name == pending.account
                    && !t.is_pending()
                    && t.description == pending_record.description
                    && t.transacted_at == pending_record.transacted_at
            })
            .unwrap_or_else(|| panic!("no posted version of {id}"));
        assert_ne!(&posted.id, id);
        assert_eq!(posted.posted.unwrap().date_naive(), s.today());
        if posted.amount != pending.number {
            assert!(posted.amount < pending.number, "a tip is more money out");
            let b = &after[&posted.id];
            assert!(!b.pending);
            assert_eq!(b.date, s.today());
            tipped += 1;
        } else {
            assert!(!after.contains_key(&posted.id));
            let dup = second
                .imported
                .duplicates
                .iter()
                .find(|d| d.id.as_deref() == Some(posted.id.as_str()))
                .expect("left out as a duplicate");
            assert_eq!(dup.by, MatchKind::Content);
            same += 1;
        }
        // Still there, dated the day of the purchase, which the closing
        // balance of yesterday no longer counts: the bank booked it today.
        assert_eq!(after[id], *pending);
        *stale.entry(pending.account.clone()).or_default() += pending.number;
    }
    assert!(tipped > 0 && same > 0, "tipped {tipped}, same {same}");
    // Everything else listed is in the ledger once.
    for (id, (t, _)) in &listed {
        let known = after.contains_key(id)
            || second
                .imported
                .duplicates
                .iter()
                .any(|d| d.id.as_deref() == Some(id.as_str()));
        assert!(known, "{t:?}");
    }
    // Today's assertion would be off by exactly the pending entries
    // `reconcile` will rewrite: the importer leaves it out rather than
    // write one that fails.
    assert!(stale.values().any(|v| !v.is_zero()), "{stale:?}");
    assert!(balance_failures(&s.ledger).is_empty());

    let third = s.import(3);
    assert_eq!(third.imported.text(), "");
}

#[test]
fn accounts_in_trouble_do_not_stop_the_others() {
    // The miles account names no commodity: it cannot be written.
    let s = Setup::new(None, &ACCOUNTS[..3]);
    let ids = s.server.account_ids();
    s.server.set_trouble(&ids[1], Some(Trouble::Account));
    let first = s.import(30);
    test_support::bean_check::file(&s.ledger);

    assert_eq!(
        first.errors,
        [StatementError::CustomCurrency {
            account: ids[3].clone(),
            url: fake_simplefin::MILES_URL.to_owned(),
        }]
    );
    assert!(first.errors[0].to_string().contains("currency: MILES"));
    // The card's trouble is said with it; its data (as of when the
    // trouble began) is imported like the others'.
    let card = AccountStatement::new(&first.set, &s.config.accounts[1], &AccountsQuery::default())
        .unwrap();
    let said: Vec<String> = card.messages().iter().map(|m| m.to_string()).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].starts_with("[act.failed]"), "{said:?}");
    let written: Vec<&str> = first
        .imported
        .summaries
        .iter()
        .filter(|x| x.new > 0)
        .map(|x| x.account.as_str())
        .collect();
    assert_eq!(written, ACCOUNTS[..3]);
    assert!(asserted(&first.imported).values().all(|(_, c)| c == "USD"));
    assert!(!first.imported.text().contains("Miles"));

    // A day later the card's data still stands where the trouble began:
    // nothing new for it, the others go on.
    s.server.advance(TimeDelta::days(1));
    let second = s.import(5);
    let card_new = second
        .imported
        .summaries
        .iter()
        .find(|x| x.account == ACCOUNTS[1])
        .map_or(0, |x| x.new);
    assert_eq!(card_new, 0);
    assert!(second.imported.summaries.iter().any(|x| x.new > 0));
    let frozen = second.set.account(&ids[1]).unwrap().balance_date.unwrap();
    assert_eq!(frozen.date_naive(), s.today().pred_opt().unwrap());
    assert_eq!(second.errors.len(), 1);
}
