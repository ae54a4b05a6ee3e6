//! `gc-beancount reconcile` on a hand-written ledger with an include, from
//! response files: `--dry-run` prints a unified diff and writes nothing; a
//! real run rewrites only the pending entries (and the balance that
//! counted one), keeps backups, passes bean-check, and a second run finds
//! nothing to do and says nothing.

use crate::common;

use std::path::Path;

use common::{bean_check, bin, stderr, stdout};
use serde_json::json;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = common::root().join("crates/importer/tests/pipeline/reconcile_data");
    for f in ["main.beancount", "cards.beancount"] {
        std::fs::copy(data.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("c.yaml"),
        "accounts:\n  - id: chk\n    account: Assets:Bank:Checking\n    currency: EUR\n",
    )
    .unwrap();
    let tx = |id: &str, day: &str, amount: &str, who: &str| {
        json!({"transactionId": id, "bookingDate": day,
               "transactionAmount": {"amount": amount, "currency": "EUR"},
               "creditorName": who, "remittanceInformationUnstructured": format!("Card payment {who}")})
    };
    let response = json!({"transactions": {
        "booked": [
            tx("B0", "2026-03-26", "-1.00", "Kiosk"),
            tx("B1", "2026-04-02", "-27.00", "Shell"),
            tx("B2", "2026-04-03", "-43.21", "Hotel Adler"),
        ],
        "pending": []}});
    std::fs::create_dir(dir.path().join("day2")).unwrap();
    std::fs::write(
        dir.path().join("day2/chk.transactions.json"),
        response.to_string(),
    )
    .unwrap();
    dir
}

fn reconcile(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bin()
        .current_dir(dir)
        .env("GC_BEANCOUNT_NOW", "2026-04-05T10:00:00Z")
        .args(["--config", "c.yaml", "reconcile", "-e", "main.beancount"])
        .args(extra)
        .arg("day2")
        .assert()
}

#[test]
fn dry_run_then_in_place_with_backups() {
    let dir = setup();
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let (main, cards) = (read("main.beancount"), read("cards.beancount"));

    let assert = reconcile(dir.path(), &["--dry-run"]).success();
    let diff = stdout(&assert);
    for want in [
        "--- main.beancount\n+++ main.beancount\n",
        "-2026-04-01 ! \"Shell\" \"Card payment Shell\"   ; fuel, pre-authorised\n",
        "+2026-04-02 * \"Shell\" \"Card payment Shell\"   ; fuel, pre-authorised\n",
        "-    gocardless_status: \"pending\"\n",
        "+; gc-beancount reconcile 2026-04-05: cancelled:",
        "--- cards.beancount\n+++ cards.beancount\n",
        "+  Assets:Bank:Checking  -43.21 EUR\n",
    ] {
        assert!(diff.contains(want), "{want:?} not in\n{diff}");
    }
    assert_eq!(read("main.beancount"), main);
    assert_eq!(read("cards.beancount"), cards);
    assert!(!dir.path().join(".main.beancount.bak").exists());

    let err = stderr(reconcile(dir.path(), &[]).success());
    assert!(
        err.contains("booked on 2026-04-02 as -27.00 EUR (id B1)")
            && err.contains("cancelled")
            && err
                .contains("balance 2026-04-02 Assets:Bank:Checking 976.50 EUR becomes 1000.00 EUR"),
        "{err}"
    );
    assert_eq!(read(".main.beancount.bak"), main);
    assert_eq!(read(".cards.beancount.bak"), cards);
    assert!(read("cards.beancount").contains("gocardless_id: \"B2\""));
    // The lines around the entries are as they were.
    assert!(read("main.beancount").starts_with(
        "option \"operating_currency\" \"EUR\"\n; My ledger.   Trailing spaces stay:   \n"
    ));
    bean_check(&dir.path().join("main.beancount"));

    // Again: nothing to do, nothing said.
    let assert = reconcile(dir.path(), &[]).success();
    assert_eq!(stdout(&assert), "");
    assert_eq!(stderr(assert), "");
}

#[test]
fn reconcile_needs_a_ledger() {
    let dir = setup();
    let err = stderr(
        bin()
            .current_dir(dir.path())
            .args(["--config", "c.yaml", "reconcile", "day2"])
            .assert()
            .code(2),
    );
    assert!(err.contains("--existing"), "{err}");
}

/// The daily workflow through the fake server, as cron runs it:
/// `gc-beancount reconcile -e main.beancount && gc-beancount import -e
/// main.beancount >> main.beancount`, with pending transactions that book
/// with another amount, another date, both, or never.
mod daily {
    use std::collections::HashMap;
    use std::io::Write;
    use std::path::Path;

    use super::common::{Env, bean_check, stderr, stdout};
    use chrono::NaiveDate;
    use gocardless::statement::{GoCardlessRecords, statement};
    use importer::entry::Entry;
    use importer::ledger::Ledger;

    /// One day's `reconcile && import >> ledger`; the ledger must pass
    /// bean-check after it. Returns both stderrs.
    pub fn run_day(env: &Env, ledger: &Path) -> (String, String) {
        let r = env.cmd().arg("reconcile").arg("-e").arg(ledger).assert();
        let reconciled = String::from_utf8_lossy(&r.get_output().stderr).into_owned();
        assert!(
            r.get_output().status.success(),
            "reconcile failed on {}: {reconciled}",
            env.server.now()
        );
        let i = env.cmd().arg("import").arg("-e").arg(ledger).assert();
        let out = stdout(&i);
        let imported = String::from_utf8_lossy(&i.get_output().stderr).into_owned();
        let code = i.get_output().status.code();
        assert!(
            matches!(code, Some(0) | Some(3)),
            "import failed on {}: {imported}",
            env.server.now()
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(ledger)
            .unwrap()
            .write_all(out.as_bytes())
            .unwrap();
        bean_check(ledger);
        (reconciled, imported)
    }

    /// Every transaction the bank lists is in the ledger exactly once (the
    /// booked ones booked, the pending ones pending), and the ledger holds
    /// no imported entry the bank does not list, but those older than what
    /// the bank still shows.
    pub fn exactly_once(env: &Env, ledger_path: &Path, accounts: &[(String, String)]) {
        let client = gocardless::Client::builder(
            env.server.secret_id(),
            gocardless::Secret::new(env.server.secret_key()),
        )
        .base_url(&env.server.base_url())
        .build()
        .unwrap();
        let ledger = Ledger::load(&[ledger_path]).unwrap();
        let today = env.server.now().date_naive();
        for (id, account) in accounts {
            let response = client.account_transactions(id, None, None).unwrap().value;
            let records = GoCardlessRecords::new(&response);
            let config = importer::AccountConfig::new(id.clone(), account.clone());
            let input = importer::Input {
                account: &config,
                statement: statement(&records, &[]),
                adjust: None,
            };
            let out = importer::convert_account(
                &input,
                today,
                &importer::rules::Categorizer::default(),
                importer::Decisions::ByRule,
                importer::Aliases::Leave,
            );
            // The bank's ids: pending or not.
            let mut bank: HashMap<String, bool> = HashMap::new();
            let mut earliest: Option<NaiveDate> = None;
            for e in &out.entries {
                if let Entry::Transaction(t) = e {
                    let p = &t.postings[0];
                    let id = p
                        .meta
                        .iter()
                        .find(|(k, _)| k == "gocardless_id")
                        .map(|(_, v)| v.as_text())
                        .unwrap();
                    let pending = p.meta.iter().any(|(k, _)| k == "gocardless_status");
                    assert!(bank.insert(id, pending).is_none());
                    earliest = Some(earliest.map_or(t.date, |d: NaiveDate| d.min(t.date)));
                }
            }
            let mut seen: HashMap<String, usize> = HashMap::new();
            for t in ledger.transactions() {
                for p in t.postings().filter(|p| p.account() == account) {
                    let Some(id) = p.ids().next() else { continue };
                    *seen.entry(id.to_owned()).or_default() += 1;
                    match bank.get(id) {
                        Some(pending) => assert_eq!(
                            *pending,
                            p.is_pending(),
                            "{}: {id} pending at the bank: {pending}",
                            t.location()
                        ),
                        // The bank lists 90 days; one with a date near
                        // that edge may have dropped off.
                        None => assert!(
                            earliest.is_some_and(|e| t.date() < e + chrono::Days::new(2)),
                            "{}: {id} is not what the bank lists (on {})",
                            t.location(),
                            env.server.now()
                        ),
                    }
                }
            }
            for id in bank.keys() {
                assert_eq!(
                    seen.get(id).copied().unwrap_or(0),
                    1,
                    "{account}: {id} is not in the ledger exactly once"
                );
            }
        }
    }

    pub fn accounts(env: &Env) -> Vec<(String, String)> {
        env.server
            .account_ids()
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let account = if i == 0 {
                    "Assets:Bank:Current".to_owned()
                } else {
                    format!("Assets:Bank:Account{i}")
                };
                (id.clone(), account)
            })
            .collect()
    }

    #[test]
    fn pending_entries_that_book_otherwise_are_reconciled_day_after_day() {
        let env = Env::with(fake_gocardless::Options {
            accounts: 2,
            transactions_per_account: 150,
            daily_limit: 1000,
            pending_fates: 50,
            ..fake_gocardless::Options::default()
        });
        let accounts = accounts(&env);
        let ledger = env.dir.path().join("main.beancount");
        std::fs::write(&ledger, "").unwrap();
        run_day(&env, &ledger);
        let first = std::fs::read_to_string(&ledger).unwrap();
        assert!(first.contains("* \"Opening balance\""), "{first}");
        assert!(!first.contains(" pad "), "{first}");
        exactly_once(&env, &ledger, &accounts);
        let mut reconciled = String::new();
        for _ in 0..8 {
            env.server.advance(chrono::Duration::days(1));
            let (r, i) = run_day(&env, &ledger);
            reconciled.push_str(&r);
            assert!(!i.contains("warning"), "{i}");
            exactly_once(&env, &ledger, &accounts);
        }
        // Each way of booking otherwise happened, and was reconciled.
        let mut kinds = std::collections::HashSet::new();
        for (id, _) in &accounts {
            let (changed, vanished) = env.server.bookings(id);
            for b in changed.iter().chain(&vanished) {
                kinds.insert(match b.fate {
                    fake_gocardless::Fate::Amount(_) => "amount",
                    fake_gocardless::Fate::Date(d) if d < 0 => "earlier",
                    fake_gocardless::Fate::Date(_) => "later",
                    fake_gocardless::Fate::AmountAndDate(..) => "both",
                    fake_gocardless::Fate::Vanish => "cancelled",
                    fake_gocardless::Fate::Same => "same",
                });
            }
        }
        for kind in ["amount", "earlier", "later", "both", "cancelled"] {
            assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
        }
        for want in ["booked on", "cancelled", "adjusted"] {
            assert!(reconciled.contains(want), "no {want:?} in {reconciled}");
        }
        let text = std::fs::read_to_string(&ledger).unwrap();
        assert!(text.contains("; gc-beancount reconcile "), "{text}");
        // A balance assertion for each account each day.
        let balances = text
            .lines()
            .filter(|l| l.get(10..).is_some_and(|r| r.starts_with(" balance ")))
            .count();
        assert_eq!(balances, 9 * accounts.len(), "{text}");

        // Again the same day: nothing to do, nothing said.
        let r = env
            .cmd()
            .arg("reconcile")
            .arg("-e")
            .arg(&ledger)
            .assert()
            .success();
        assert_eq!(stderr(r), "");
        let i = env
            .cmd()
            .arg("import")
            .arg("-e")
            .arg(&ledger)
            .assert()
            .success();
        assert_eq!(stdout(&i), "");
        assert_eq!(stderr(i), "");
    }

    /// The configuration of `env` with a `balance:` per account and a
    /// rule flagging every entry with a payee for review.
    fn write_config(env: &Env, balances: &[&str], extra: &str) {
        let mut yaml = format!(
            "secret_id: {}\nsecret_key: ${{TEST_SECRET_KEY}}\nbase_url: {}\nstore: store.sqlite\n{extra}accounts:\n",
            env.server.secret_id(),
            env.server.base_url()
        );
        for ((id, account), balance) in accounts(env).iter().zip(balances) {
            yaml.push_str(&format!(
                "  - id: {id}\n    account: {account}\n    balance: {balance}\n"
            ));
        }
        std::fs::write(&env.config, yaml).unwrap();
    }

    fn balance_lines(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|l| l.get(10..).is_some_and(|r| r.starts_with(" balance ")))
            .collect()
    }

    #[test]
    fn a_review_flag_with_every_balance_type_passes_bean_check() {
        let env = Env::with(fake_gocardless::Options {
            accounts: 5,
            transactions_per_account: 60,
            daily_limit: 1000,
            ..fake_gocardless::Options::default()
        });
        let kinds = [
            "auto",
            "closingBooked",
            "interimBooked",
            "interimAvailable",
            "expected",
        ];
        write_config(
            &env,
            &kinds,
            "rules:\n  - { if: { text: \".\" }, flag: \"!\" }\n",
        );
        let ledger = env.dir.path().join("main.beancount");
        std::fs::write(&ledger, "").unwrap();
        let accounts = accounts(&env);
        for day in 0..3 {
            if day > 0 {
                env.server.advance(chrono::Duration::days(1));
            }
            let (_, imported) = run_day(&env, &ledger);
            assert!(!imported.contains("warning"), "{imported}");
            exactly_once(&env, &ledger, &accounts);
        }
        let text = std::fs::read_to_string(&ledger).unwrap();
        // Every entry is flagged for review, and only the pending ones are
        // pending.
        let flagged = text
            .lines()
            .filter(|l| l.get(10..).is_some_and(|r| r.starts_with(" ! ")))
            .count();
        let pending = text.matches("gocardless_status: \"pending\"").count();
        assert!(
            flagged > 10 * pending.max(1),
            "{flagged} flagged, {pending} pending"
        );
        assert_eq!(balance_lines(&text).len(), 3 * kinds.len(), "{text}");
    }

    #[test]
    fn first_import_into_a_ledger_that_opens_the_accounts_or_from_zero() {
        let env = Env::with(fake_gocardless::Options {
            accounts: 1,
            transactions_per_account: 40,
            daily_limit: 1000,
            ..fake_gocardless::Options::default()
        });
        // A second account whose history starts at zero: its balance is
        // what its transactions add up to.
        let tx = |id: &str, day: &str, amount: &str| {
            serde_json::json!({"transactionId": id, "bookingDate": day,
                "transactionAmount": {"amount": amount, "currency": "EUR"},
                "debtorName": "Employer", "remittanceInformationUnstructured": "Salary"})
        };
        let zero = env.server.add_account(fake_gocardless::AccountSpec::payloads(
            serde_json::json!({"transactions": {"booked": [
                tx("z1", "2026-11-02", "1500.00"), tx("z2", "2026-11-16", "-200.00")],
                "pending": []}}),
            serde_json::json!({"balances": [{"balanceAmount": {"amount": "1300.00", "currency": "EUR"},
                "balanceType": "closingBooked", "referenceDate": "2026-11-19"}]}),
        ));
        assert!(env.server.account_ids().contains(&zero));
        write_config(&env, &["auto", "auto"], "");
        for opened in [false, true] {
            let ledger = env.dir.path().join(format!("main-{opened}.beancount"));
            let start = if opened {
                "option \"operating_currency\" \"EUR\"\n2020-01-01 open Assets:Bank:Current EUR\n\
                 2020-01-01 open Assets:Bank:Account1 EUR\n2020-01-01 open Equity:Opening-Balances\n"
            } else {
                ""
            };
            std::fs::write(&ledger, start).unwrap();
            let (_, imported) = run_day(&env, &ledger);
            assert!(!imported.contains("warning"), "{imported}");
            let text = std::fs::read_to_string(&ledger).unwrap();
            // The generated account's history does not start at zero: one
            // exact opening; the other's does: none.
            assert_eq!(text.matches("* \"Opening balance\"").count(), 1, "{text}");
            assert!(text.contains("  Assets:Bank:Current "), "{text}");
            assert!(!text.contains(" pad "), "{text}");
            assert_eq!(
                text.matches(" open Assets:Bank:Current").count(),
                1,
                "opened once: {text}"
            );
            assert!(
                balance_lines(&text).iter().any(|l| l
                    .starts_with("2026-11-20 balance Assets:Bank:Account1 ")
                    && l.ends_with(" 1300.00 EUR")),
                "{text}"
            );
        }
    }

    /// Each account's imported ids in the ledger appear at most once.
    fn at_most_once(ledger_path: &Path) {
        let ledger = Ledger::load(&[ledger_path]).unwrap();
        let mut seen: HashMap<(String, String), String> = HashMap::new();
        for t in ledger.transactions() {
            for p in t.postings() {
                if let Some(id) = p.ids().next() {
                    let here = t.location().to_string();
                    if let Some(before) =
                        seen.insert((p.account().to_owned(), id.to_owned()), here.clone())
                    {
                        panic!("{id} twice: {before} and {here}");
                    }
                }
            }
        }
    }

    /// Thirty days of `reconcile && import >> ledger`, one fault a day:
    /// the ledger passes bean-check every day, never holds a transaction
    /// twice, and in the end holds every one exactly once; no stale-pending
    /// warning is ever given.
    #[test]
    fn thirty_days_with_a_fault_a_day() {
        use fake_gocardless::{Fault, FaultKind, Scope};
        let env = Env::with(fake_gocardless::Options {
            accounts: 2,
            transactions_per_account: 120,
            pending_fates: 30,
            ..fake_gocardless::Options::default()
        });
        let accounts = accounts(&env);
        let (first, second) = (accounts[0].0.clone(), accounts[1].0.clone());
        let ledger = env.dir.path().join("main.beancount");
        std::fs::write(&ledger, "").unwrap();
        run_day(&env, &ledger);
        let mut said = String::new();
        let mut expired_until = None;
        for day in 1..=30u32 {
            env.server.advance(chrono::Duration::days(1));
            if expired_until == Some(day) {
                env.server.restore_access(&second);
                expired_until = None;
            }
            let next = |path: &str, times: u32, kind: FaultKind| {
                env.server.inject(Fault::next(path, times, kind));
            };
            let mut killed = false;
            match day % 10 {
                1 => next("/transactions", 1, FaultKind::Status(503)),
                2 => next("/balances", 1, FaultKind::Drop),
                3 => next("/transactions", 1, FaultKind::Malformed),
                4 => next("/transactions", 1, FaultKind::ApiRateLimit { seconds: 1 }),
                // The bank's daily limit spent for transactions, not for
                // balances: stored transactions, fresh balances.
                5 => env.server.set_remaining(&first, Scope::Transactions, 0),
                6 => {
                    env.server.expire_access(&second);
                    expired_until = Some(day + 3);
                }
                7 => next(
                    "/balances",
                    1,
                    FaultKind::Slow(std::time::Duration::from_millis(200)),
                ),
                8 => killed = true,
                9 => next("/transactions", 8, FaultKind::Status(500)),
                _ => {}
            }
            if killed {
                // A run killed while it waits for the bank: nothing is
                // appended, nothing is broken.
                next(
                    "/balances",
                    1,
                    FaultKind::Slow(std::time::Duration::from_secs(5)),
                );
                let mut child = env
                    .process()
                    .arg("import")
                    .arg("-e")
                    .arg(&ledger)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                std::thread::sleep(std::time::Duration::from_millis(300));
                child.kill().unwrap();
                let out = child.wait_with_output().unwrap();
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&ledger)
                    .unwrap()
                    .write_all(&out.stdout)
                    .unwrap();
                bean_check(&ledger);
            }
            // `reconcile && import >> ledger`.
            let r = env.cmd().arg("reconcile").arg("-e").arg(&ledger).assert();
            let r_err = String::from_utf8_lossy(&r.get_output().stderr).into_owned();
            said.push_str(&r_err);
            if r.get_output().status.success() {
                let i = env.cmd().arg("import").arg("-e").arg(&ledger).assert();
                let out = stdout(&i);
                let i_err = String::from_utf8_lossy(&i.get_output().stderr).into_owned();
                assert!(
                    !i_err.contains("stale pending"),
                    "day {day}: a stale-pending warning after reconcile: {i_err}"
                );
                assert!(!i_err.contains("would hold"), "day {day}: {i_err}");
                said.push_str(&i_err);
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&ledger)
                    .unwrap()
                    .write_all(out.as_bytes())
                    .unwrap();
            } else {
                assert_eq!(r.get_output().status.code(), Some(3), "day {day}: {r_err}");
            }
            bean_check(&ledger);
            at_most_once(&ledger);
        }
        // A clean day: everything the bank lists is there exactly once.
        env.server.advance(chrono::Duration::days(1));
        if expired_until.is_some() {
            env.server.restore_access(&second);
        }
        run_day(&env, &ledger);
        for (id, _) in &accounts {
            env.server.set_remaining(id, Scope::Transactions, 4);
        }
        exactly_once(&env, &ledger, &accounts);
        assert!(said.contains("expired"), "{said}");
    }
}

/// The booked entry is converted as `import` converts it: with the
/// account's preset.
#[test]
fn the_account_preset_applies() {
    let dir = setup();
    std::fs::write(
        dir.path().join("c.yaml"),
        "presets: [fuel.yaml]\naccounts:\n  - id: chk\n    account: Assets:Bank:Checking\n    currency: EUR\n    preset: fuel\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fuel.yaml"),
        "name: fuel\ndescription: The bank's fuel ids are its card ids.\nsteps:\n  - name: card id\n    if: { remittance: '^Card payment Shell$' }\n    set: { transaction_id: \"card-{transaction_id}\" }\n",
    )
    .unwrap();
    let diff = stdout(&reconcile(dir.path(), &["--dry-run"]).success());
    assert!(
        diff.contains("+2026-04-02 * \"Shell\" \"Card payment Shell\"   ; fuel, pre-authorised\n+  Assets:Bank:Checking        -27.00 EUR\n+    gocardless_id: \"card-B1\"\n"),
        "{diff}"
    );
}
