//! GoCardless Pro payouts through the binary: `import` against the fake
//! GoCardless Pro server (and, beside it, the fake bank-data server for
//! the bank's side of each payout), the output appended to the user's
//! books and judged by bean-check after every step.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use fake_gocardless_pro::{FakeServer, Options};
use gocardless_pro::model::{Payout, PayoutStatus};
use gocardless_pro::{Client, Environment, PayoutFilter, Secret};
use rust_decimal::Decimal;

use crate::common::{self, stderr, stdout};

/// What the user opens before the first import: the bank account and the
/// GoCardless Pro source's accounts at their defaults.
const OPENS: &str = "\
option \"title\" \"Acme's books\"
option \"operating_currency\" \"GBP\"

2020-01-01 open Assets:Bank:Checking
2020-01-01 open Assets:Transfers:GoCardless
2020-01-01 open Income:GoCardless
2020-01-01 open Expenses:Fees:GoCardless
2020-01-01 open Expenses:Fees:GoCardless:VAT
";

const TRANSFER: &str = "Assets:Transfers:GoCardless";

/// A business's books, the fake GoCardless Pro server, and a configuration
/// naming it as the source `gcpro` (the token given through the
/// environment, as a user would).
struct Books {
    pro: FakeServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    ledger: PathBuf,
}

impl Books {
    fn new() -> Books {
        Books::with(Options {
            // Ninety days of payouts, their items and parties: more than a
            // minute's worth of the real limit, which is not tested here.
            rate_limit: 1_000_000,
            ..Options::default()
        })
    }

    fn with(options: Options) -> Books {
        let pro = FakeServer::start(options);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gc-beancount.yaml");
        let ledger = dir.path().join("books.beancount");
        std::fs::write(&ledger, OPENS).unwrap();
        let books = Books {
            pro,
            dir,
            config,
            ledger,
        };
        books.configure("", "");
        books
    }

    /// Writes the configuration: the GoCardless Pro source with `extra`
    /// settings, then `more` (other sources and accounts).
    fn configure(&self, extra: &str, more: &str) {
        let yaml = format!(
            "store: store.sqlite\nsources:\n  gcpro:\n    provider: gocardless-pro\n    \
             access_token: ${{GC_PRO_TOKEN}}\n    base_url: {}\n{extra}{more}",
            self.pro.base_url()
        );
        std::fs::write(&self.config, yaml).unwrap();
    }

    /// The binary in the books' folder, on the server's clock.
    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = common::bin();
        cmd.current_dir(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .env("GC_PRO_TOKEN", self.pro.access_token())
            .env("GC_BEANCOUNT_NOW", self.pro.now().to_rfc3339());
        cmd
    }

    /// `import -e books.beancount` with `args`: its stdout, appended to
    /// the books, which bean-check then accepts.
    fn import(&self, args: &[&str]) -> String {
        let out = stdout(
            &self
                .cmd()
                .arg("import")
                .arg("-e")
                .arg(&self.ledger)
                .args(args)
                .assert()
                .success(),
        );
        append(&self.ledger, &out);
        out
    }

    fn client(&self) -> Client {
        Client::builder(Secret::new(self.pro.access_token()), Environment::Sandbox)
            .base_url(&self.pro.base_url())
            .build()
            .unwrap()
    }

    /// The payouts GoCardless lists created since the import's default
    /// history (90 days before today).
    /// The query of each listing of payouts the server was asked for.
    fn listings(&self) -> Vec<String> {
        self.pro
            .requests()
            .into_iter()
            .filter(|r| r.path == "/payouts")
            .map(|r| r.query)
            .collect()
    }

    fn listed(&self) -> Vec<Payout> {
        let client = self.client();
        let since = (self.pro.now() - Duration::days(90))
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        client
            .payouts(&PayoutFilter::created_since(since))
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

fn append(ledger: &Path, text: &str) {
    if !text.is_empty() {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(ledger)
            .unwrap();
        write!(f, "\n{text}").unwrap();
    }
    common::bean_check(ledger);
}

/// One posting as written: account, units, and the total price (`@@`).
struct Line {
    account: String,
    units: Option<(Decimal, String)>,
    total: Option<(Decimal, String)>,
}

/// Every transaction of a Beancount text: its header and its postings.
fn transactions(text: &str) -> Vec<(String, Vec<Line>)> {
    let mut out: Vec<(String, Vec<Line>)> = Vec::new();
    for line in text.lines() {
        let starts_with_date = line.len() > 11
            && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && line.as_bytes()[4] == b'-';
        if starts_with_date {
            let kind = line.split_whitespace().nth(1).unwrap_or("");
            if kind == "*" || kind == "!" || kind == "txn" {
                out.push((line.to_owned(), Vec::new()));
            } else {
                out.push((String::new(), Vec::new()));
            }
            continue;
        }
        let Some(rest) = line.strip_prefix("  ") else {
            continue;
        };
        // Metadata (deeper, or `key: value`) and comments are not postings.
        if rest.starts_with(' ')
            || rest.starts_with(';')
            || rest
                .split_whitespace()
                .next()
                .is_some_and(|w| w.ends_with(':'))
        {
            continue;
        }
        let Some((header, postings)) = out.last_mut() else {
            continue;
        };
        if header.is_empty() {
            continue;
        }
        let mut words = rest.split_whitespace();
        let account = words.next().unwrap().to_owned();
        let amount = |n: Option<&str>, c: Option<&str>| {
            Some((n?.parse::<Decimal>().unwrap(), c?.to_owned()))
        };
        let units = amount(words.next(), words.next());
        let total = match words.next() {
            Some("@@") => amount(words.next(), words.next()),
            Some(other) => panic!("unexpected {other:?} in {line:?}"),
            None => None,
        };
        postings.push(Line {
            account,
            units,
            total,
        });
    }
    out.retain(|(h, _)| !h.is_empty());
    out
}

/// Each currency's weight in a transaction, with a posting left without
/// an amount taking what the others leave (one currency then).
fn weights(postings: &[Line]) -> BTreeMap<String, Decimal> {
    let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
    for p in postings {
        match (&p.units, &p.total) {
            (Some((n, _)), Some((t, c))) => {
                *sums.entry(c.clone()).or_default() += if n.is_sign_negative() { -*t } else { *t }
            }
            (Some((n, c)), None) => *sums.entry(c.clone()).or_default() += *n,
            (None, _) => {}
        }
    }
    sums
}

/// What each payout id of `text` is written with: how many entries carry
/// it, and their flag.
fn payout_ids(text: &str) -> BTreeMap<String, (usize, char)> {
    let mut ids = BTreeMap::new();
    let mut flag = '*';
    for line in text.lines() {
        if let Some(f) = line.split_whitespace().nth(1)
            && line.as_bytes().first().is_some_and(u8::is_ascii_digit)
        {
            flag = f.chars().next().unwrap_or('*');
        }
        if let Some(id) = line.trim().strip_prefix("gocardless_payout_id: ") {
            let e = ids
                .entry(id.trim_matches('"').to_owned())
                .or_insert((0, flag));
            e.0 += 1;
        }
    }
    ids
}

#[test]
fn payouts_are_imported_once_balanced_and_offline_from_the_store() {
    let books = Books::new();
    // Offline before any import: nothing to answer from, and no request.
    let assert = books
        .cmd()
        .args(["import", "--offline", "-e"])
        .arg(&books.ledger)
        .assert()
        .code(3);
    assert!(stderr(assert).contains("nothing is stored for this source yet"));
    assert_eq!(books.pro.requests().len(), 0);

    let first = books.import(&[]);

    // Every payout of the window but the bounced ones, once; today's
    // (pending) flagged.
    let written = payout_ids(&first);
    let listed: Vec<Payout> = books
        .listed()
        .into_iter()
        .filter(|p| p.status != Some(PayoutStatus::Bounced))
        .collect();
    assert!(listed.len() > 20, "{}", listed.len());
    assert_eq!(written.len(), listed.len(), "{written:?}");
    for p in &listed {
        let flag = if p.is_paid() { '*' } else { '!' };
        assert_eq!(written.get(p.id.as_str()), Some(&(1, flag)), "{}", p.id);
    }
    assert!(listed.iter().any(|p| !p.is_paid()));
    // Every entry balances to the last tenth of a penny (bean-check alone
    // would let a tolerance pass), priced FX payouts included.
    let entries = transactions(&first);
    assert_eq!(entries.len(), listed.len());
    assert!(first.contains(" @@ "), "no FX payout");
    for (header, postings) in &entries {
        assert!(postings.iter().all(|p| p.units.is_some()), "{header}");
        for (currency, sum) in weights(postings) {
            assert!(sum.is_zero(), "{header}: {sum} {currency} left");
        }
    }

    // Offline, the store answers exactly what GoCardless did, without a
    // request.
    let fresh = books.dir.path().join("fresh.beancount");
    std::fs::write(&fresh, OPENS).unwrap();
    books.pro.reset_counters();
    let offline = stdout(
        &books
            .cmd()
            .args(["import", "--offline", "-e"])
            .arg(&fresh)
            .assert()
            .success(),
    );
    assert_eq!(books.pro.requests().len(), 0);
    assert_eq!(offline, first);
    // Into an empty ledger, the output opens what it uses.
    let empty = books.dir.path().join("empty.beancount");
    std::fs::write(&empty, "").unwrap();
    let opened = stdout(
        &books
            .cmd()
            .args(["import", "--offline", "-e"])
            .arg(&empty)
            .assert()
            .success(),
    );
    assert!(opened.contains(&format!(" open {TRANSFER}")), "{opened}");
    append(&empty, &opened);

    // `--since` and `--until` choose the payouts by the day they were
    // created, offline as online; GoCardless is asked for just those days.
    let (since, until) = (
        (books.pro.now() - Duration::days(20)).date_naive(),
        (books.pro.now() - Duration::days(10)).date_naive(),
    );
    let between: BTreeMap<String, (usize, char)> = listed
        .iter()
        .filter(|p| {
            p.created_at
                .is_some_and(|t| (since..=until).contains(&t.date_naive()))
        })
        .map(|p| (p.id.as_str().to_owned(), (1, '*')))
        .collect();
    assert!(!between.is_empty() && between.len() < listed.len());
    let window = ["--since", &since.to_string(), "--until", &until.to_string()];
    for offline in [true, false] {
        let part = books.dir.path().join("part.beancount");
        std::fs::write(&part, OPENS).unwrap();
        books.pro.reset_counters();
        let mut cmd = books.cmd();
        cmd.arg("import").args(window);
        if offline {
            cmd.arg("--offline");
        }
        let out = stdout(&cmd.arg("-e").arg(&part).assert().success());
        assert_eq!(payout_ids(&out), between, "offline: {offline}\n{out}");
        let listings = books.listings();
        if offline {
            assert!(listings.is_empty(), "{listings:?}");
        } else {
            let after = until.succ_opt().unwrap();
            assert!(
                listings.iter().all(|q| {
                    q.contains(&format!("created_at%5Bgte%5D={since}T00%3A00%3A00"))
                        && q.contains(&format!("created_at%5Blt%5D={after}T00%3A00%3A00"))
                }),
                "{listings:?}"
            );
        }
    }
    books.pro.reset_counters();

    // A pending payout GoCardless no longer lists (it bounced, say) is
    // reported as stale: nothing claims it.
    let yesterday = (books.pro.now() - Duration::days(1)).date_naive();
    append(
        &books.ledger,
        &format!(
            "{yesterday} ! \"GoCardless\" \"Payout gone\"\n  gocardless_payout_id: \"PO00GONE\"\n  \
             payout_status: \"pending\"\n  {TRANSFER}  12.34 GBP\n    \
             gocardless_payout_status: \"pending\"\n  Income:GoCardless  -12.34 GBP\n"
        ),
    );

    // Again: nothing new, nothing printed, and the token nowhere on stderr
    // however verbose.
    let assert = books
        .cmd()
        .args(["-vvv", "import", "-e"])
        .arg(&books.ledger)
        .assert()
        .success();
    assert_eq!(stdout(&assert), "");
    let err = stderr(assert);
    assert!(err.contains("gcpro"), "{err}");
    let stale: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("stale pending entry"))
        .collect();
    assert_eq!(stale.len(), 1, "{err}");
    assert!(stale[0].contains("12.34 GBP"), "{err}");
    assert!(!err.contains(&books.pro.access_token()), "{err}");
    // Payouts were listed from a fortnight before the last one in the
    // books (today's), and only today's pending payouts had their items
    // asked for again.
    let listings = books.listings();
    let fortnight = (books.pro.now() - Duration::days(14)).date_naive();
    assert_eq!(listings.len(), 1, "{listings:?}");
    assert!(
        listings[0].contains(&format!("created_at%5Bgte%5D={fortnight}T00%3A00%3A00")),
        "{listings:?}"
    );
    let pending = listed.iter().filter(|p| !p.is_paid()).count();
    assert_eq!(books.pro.count("GET", "/payout_items"), pending);

    // Monday: Friday's payouts are paid (their pending entries claim
    // them), Monday's are new, once.
    books.pro.advance(Duration::days(3));
    let monday = books.import(&[]);
    let new = payout_ids(&monday);
    assert!(!new.is_empty());
    assert!(new.keys().all(|id| !written.contains_key(id)), "{monday}");
    let all = payout_ids(&std::fs::read_to_string(&books.ledger).unwrap());
    assert_eq!(all.len(), written.len() + new.len() + 1);
    assert!(all.values().all(|(n, _)| *n == 1), "{all:?}");
    assert_eq!(books.import(&[]), "");

    // `link`: nothing to link; the token is checked, its creditors listed.
    let assert = books
        .cmd()
        .args(["link", "--source", "gcpro"])
        .assert()
        .success();
    let out = stdout(&assert);
    for id in books.pro.creditor_ids() {
        assert!(out.contains(&format!("#   creditor: {id}  # ")), "{out}");
    }
    assert!(out.lines().all(|l| l.starts_with('#')), "{out}");
    assert!(stderr(assert).contains("nothing to link"));
}

/// The bank's line of a paid payout, as GoCardless Bank Account Data lists
/// it: what reached the account (after the exchange, for an FX payout),
/// with the payout's reference.
fn bank_line(p: &Payout) -> serde_json::Value {
    let (minor, currency) = match p
        .fx
        .as_ref()
        .and_then(|f| Some((f.fx_amount?, f.fx_currency.clone()?)))
    {
        Some((amount, currency)) if currency != p.currency => (amount, currency),
        _ => (p.amount, p.currency.clone()),
    };
    let amount = currency.to_major(minor.into()).unwrap();
    let day = p.arrival_date.unwrap().to_string();
    serde_json::json!({
        "transactionId": format!("bank-{}", p.id),
        "bookingDate": day,
        "valueDate": day,
        "transactionAmount": {"amount": amount.to_string(), "currency": currency.as_str()},
        "debtorName": "GoCardless Ltd",
        "remittanceInformationUnstructured": format!("GOCARDLESS LTD {}", p.reference.as_deref().unwrap()),
    })
}

#[test]
fn the_transfer_account_nets_to_zero_with_the_banks_lines() {
    let books = Books::new();
    let now: DateTime<Utc> = books.pro.now();
    let paid: Vec<Payout> = books.listed().into_iter().filter(|p| p.is_paid()).collect();
    assert!(paid.len() > 20);
    // The bank account at GoCardless Bank Account Data lists each paid
    // payout's credit.
    let bank = fake_gocardless::FakeServer::start(fake_gocardless::Options {
        accounts: 1,
        now,
        ..fake_gocardless::Options::default()
    });
    let lines: Vec<serde_json::Value> = paid.iter().map(bank_line).collect();
    let account = bank.add_account(fake_gocardless::AccountSpec {
        transactions: Some(serde_json::json!({"transactions": {"booked": lines, "pending": []}})),
        balances: Some(serde_json::json!({"balances": []})),
        ..fake_gocardless::AccountSpec::default()
    });
    // Both sources side by side; a rule books the bank's line of a payout
    // against the transfer account, keeping its reference.
    books.configure(
        "    pending: skip\n",
        &format!(
            "  bank:\n    provider: gocardless\n    secret_id: {}\n    secret_key: ${{TEST_SECRET_KEY}}\n    \
             base_url: {}\naccounts:\n  - id: {account}\n    source: bank\n    account: Assets:Bank:Checking\n    \
             rules:\n      - if: {{ narration: \"GOCARDLESS LTD ((?:ACMELT|AMIVEL|NWIND)-[0-9A-Z]{{8}})\" }}\n        \
             account: {TRANSFER}\n        metadata: {{ payout_reference: \"$1\" }}\n",
            bank.secret_id(),
            bank.base_url()
        ),
    );
    let run = |ledger: &Path| {
        stdout(
            &books
                .cmd()
                .env("TEST_SECRET_KEY", bank.secret_key())
                .arg("import")
                .arg("-e")
                .arg(ledger)
                .assert()
                .success(),
        )
    };
    let out = run(&books.ledger);
    append(&books.ledger, &out);
    assert_eq!(payout_ids(&out).len(), paid.len(), "{out}");
    assert_eq!(out.matches("gocardless_id: \"bank-").count(), paid.len());

    let books_text = std::fs::read_to_string(&books.ledger).unwrap();
    let mut transfer: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut bank_side = 0;
    for (header, postings) in transactions(&books_text) {
        let on_transfer: Vec<&Line> = postings.iter().filter(|p| p.account == TRANSFER).collect();
        if postings.iter().any(|p| p.account == "Assets:Bank:Checking") {
            bank_side += 1;
            assert_eq!(on_transfer.len(), 1, "{header}");
        }
        for p in on_transfer {
            let (n, c) = match &p.units {
                Some(u) => u.clone(),
                // Left for Beancount to fill in: what the others leave.
                None => {
                    let w = weights(&postings);
                    assert_eq!(w.len(), 1, "{header}");
                    let (c, sum) = w.into_iter().next().unwrap();
                    (-sum, c)
                }
            };
            *transfer.entry(c).or_default() += n;
        }
    }
    assert_eq!(bank_side, paid.len());
    assert_eq!(transfer.len(), 3, "{transfer:?}");
    for (currency, sum) in &transfer {
        assert!(
            sum.is_zero(),
            "{sum} {currency} left on the transfer account"
        );
    }
    // And both sources again: nothing new.
    assert_eq!(run(&books.ledger), "");
}

#[test]
fn items_gocardless_no_longer_serves_come_from_the_store() {
    // First imported 190 days before Friday 2026-11-20, then not again
    // until that Friday: by then GoCardless answers 410 for the items of
    // every payout created before 2026-05-24.
    let end = Options::default().now;
    let books = Books::with(Options {
        now: end - Duration::days(190),
        history_days: 30,
        rate_limit: 1_000_000,
        ..Options::default()
    });
    let first = stdout(
        &books
            .cmd()
            .arg("import")
            .arg("-e")
            .arg(&books.ledger)
            .assert()
            .success(),
    );
    // The last week's paid payouts do not reach the books (the output
    // went elsewhere, say): only the store has their items.
    let cutoff = (books.pro.now() - Duration::days(7)).date_naive();
    let mut held = Vec::new();
    let kept: Vec<&str> = first
        .split("\n\n")
        .filter(|block| {
            let ids = payout_ids(block);
            let late_and_paid = block
                .get(..10)
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
                .is_some_and(|d| d >= cutoff)
                && ids.values().all(|(_, flag)| *flag == '*');
            let hold = late_and_paid && !ids.is_empty();
            if hold {
                held.extend(ids.into_keys());
            }
            !hold
        })
        .collect();
    assert!(held.len() >= 5, "{}", held.len());
    append(&books.ledger, &kept.join("\n\n"));

    books.pro.set_now(end);
    let client = books.client();
    let gone = gocardless_pro::model::PayoutId::new(held[0].as_str());
    assert!(
        client
            .payout_items(&gone)
            .collect::<Result<Vec<_>, _>>()
            .is_err_and(|e| e.is_gone())
    );
    books.pro.reset_counters();
    // The payouts never seen before they went are written as comments
    // holding their JSON, reported (exit 4); the held ones are booked from
    // the store, without asking GoCardless for their items.
    let assert = books
        .cmd()
        .arg("import")
        .arg("-e")
        .arg(&books.ledger)
        .assert()
        .code(4);
    let later = stdout(&assert);
    let err = stderr(assert);
    append(&books.ledger, &later);
    let booked = payout_ids(&later);
    for id in &held {
        assert_eq!(booked.get(id), Some(&(1, '*')), "{id}: {later}");
        assert!(
            !books
                .pro
                .requests()
                .iter()
                .any(|r| r.path == "/payout_items" && r.query.contains(id.as_str())),
            "{id} asked for"
        );
    }
    assert!(err.contains("items are gone"), "{err}");
    let invalid = later.matches("items are gone").count();
    assert!(invalid > 5, "{invalid}");
    assert!(
        err.lines()
            .filter(|l| l.contains("items are gone"))
            .all(|l| !held.iter().any(|id| l.contains(id.as_str()))),
        "{err}"
    );
}
