//! SimpleFIN end to end, against the fake SimpleFIN Bridge: a setup token
//! claimed by `link`, the `accounts:` block pasted, then the daily
//! `reconcile -e main.beancount && import -e main.beancount >>
//! main.beancount` from an empty ledger; the access URL never shown; an
//! account in trouble next to healthy ones; the Bridge's quota kept.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeDelta;
use common::{bean_check, bin, stderr, stdout};
use fake_simplefin::{FakeServer, Options, QuotaMode, Trouble};
use importer::ledger::{Ledger, LedgerOptions};
use simplefin::statement::ID_KEY;
use simplefin::{AccessUrl, AccountsQuery, Client, RetryPolicy};

/// A fake Bridge, and a folder with a configuration naming it (no accounts
/// yet), a store, and the user's ledger (just its options).
struct Bridge {
    server: FakeServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    ledger: PathBuf,
}

const GET_ACCOUNTS: &str = "/simplefin/accounts";

impl Bridge {
    fn new(opts: Options) -> Bridge {
        let server = FakeServer::start(opts);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gc-beancount.yaml");
        std::fs::write(
            &config,
            format!(
                "store: store.sqlite\nsources:\n  sfin: {{ provider: simplefin, base_url: '{}' }}\n",
                server.base_url()
            ),
        )
        .unwrap();
        let ledger = dir.path().join("main.beancount");
        std::fs::write(&ledger, "option \"operating_currency\" \"USD\"\n").unwrap();
        Bridge {
            server,
            dir,
            config,
            ledger,
        }
    }

    /// The binary in the folder, at the fake's time, in UTC.
    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.current_dir(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .env("GC_BEANCOUNT_NOW", self.server.now().to_rfc3339())
            .env("TZ", "UTC");
        cmd
    }

    fn append_config(&self, text: &str) {
        std::fs::OpenOptions::new()
            .append(true)
            .open(&self.config)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    /// `import -e main.beancount >> main.beancount` (with `extra`
    /// arguments), which must succeed; its stdout and stderr.
    fn import(&self, extra: &[&str]) -> (String, String) {
        let assert = self
            .cmd()
            .arg("import")
            .args(extra)
            .arg("-e")
            .arg(&self.ledger)
            .assert()
            .success();
        let out = stdout(&assert);
        append(&self.ledger, &out);
        (out, stderr(assert))
    }

    /// The secrets of the claimed access: the URL, its user and password.
    fn secrets(&self) -> Vec<String> {
        let access = self.server.latest_access_url();
        let url = reqwest::Url::parse(&access).unwrap();
        vec![
            access.clone(),
            url.username().to_owned(),
            url.password().unwrap().to_owned(),
        ]
    }

    /// What the Bridge lists now for the last `days` (asked as another
    /// client of the same access would).
    fn listed(&self, days: i64) -> simplefin::AccountSet {
        let client = Client::new(
            AccessUrl::parse(&self.server.latest_access_url()).unwrap(),
            simplefin::Config {
                retry: RetryPolicy {
                    max_attempts: 1,
                    base_delay: Duration::from_millis(1),
                    max_total: Duration::from_secs(5),
                    max_api_wait: Duration::from_secs(1),
                },
                ..simplefin::Config::default()
            },
        )
        .unwrap();
        let end = self.server.now();
        client
            .accounts(&AccountsQuery {
                pending: true,
                ..AccountsQuery::window(end - TimeDelta::days(days), end)
            })
            .unwrap()
    }
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

fn assert_no_secret(secrets: &[String], text: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "a secret was shown:\n{text}");
    }
}

/// The ledger's SimpleFIN postings by id, with whether they are pending;
/// panics when an id is there twice.
fn by_id(ledger: &Path) -> HashMap<String, bool> {
    let ledger = Ledger::load_with(
        &[ledger],
        &LedgerOptions {
            id_keys: vec![ID_KEY.to_owned()],
        },
    )
    .unwrap();
    let mut out = HashMap::new();
    for t in ledger.transactions() {
        for p in t.postings() {
            if let Some(id) = p.meta_value(ID_KEY) {
                let id = id.as_str().to_owned();
                assert!(
                    out.insert(id.clone(), t.is_pending()).is_none(),
                    "{id} twice"
                );
            }
        }
    }
    out
}

#[test]
fn from_a_setup_token_to_a_reconciled_ledger() {
    // Seed 2 has card purchases pending on the first evening.
    let b = Bridge::new(Options {
        seed: 2,
        ..Options::default()
    });
    let token = b.server.setup_token();

    // link: the token claimed once, the accounts listed.
    let assert = b
        .cmd()
        .args(["-vvv", "link", "--setup-token", &token])
        .assert()
        .success();
    let block = stdout(&assert);
    let said = stderr(assert);
    let secrets = b.secrets();
    assert_no_secret(&secrets, &block);
    assert_no_secret(&secrets, &said);
    // Nor the one-time claim URL the token holds.
    let claim_url = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &token).unwrap(),
    )
    .unwrap();
    for shown in [&block, &said] {
        assert!(
            !shown.contains(&token) && !shown.contains(&claim_url),
            "{shown}"
        );
    }
    assert_eq!(b.server.count("POST", "/simplefin/claim/"), 1);
    assert!(block.starts_with("accounts:\n"), "{block}");
    for id in b.server.account_ids() {
        assert!(block.contains(&format!("id: \"{id}\"")), "{id}: {block}");
    }
    assert!(block.contains("    source: \"sfin\"\n"), "{block}");
    assert!(block.contains("    currency: \"USD\"\n"), "{block}");
    assert!(block.contains("Liabilities:"), "a card: {block}");

    // The token again: refused, and the user told why it matters.
    let again = stderr(
        b.cmd()
            .args(["link", "--setup-token", &token])
            .assert()
            .failure(),
    );
    assert!(again.contains("compromised"), "{again}");
    // Without a token, the stored access lists the same accounts.
    let relisted = stdout(&b.cmd().arg("link").assert().success());
    assert_eq!(relisted, block);

    // Pasted, naming the air miles' commodity as the block asks.
    let pasted: String = block
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("# currency: COMMODITY") {
                "    currency: MILES\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(pasted.contains("currency: MILES"), "{block}");
    b.append_config(&pasted);

    // `fetch` keeps the answer in the store; the import then asks nothing.
    let before = b.server.count("GET", GET_ACCOUNTS);
    let fetched = stderr(b.cmd().arg("fetch").assert().success());
    assert!(fetched.contains(" transactions"), "{fetched}");
    assert!(b.server.count("GET", GET_ACCOUNTS) > before);

    // Day 1: from an empty ledger, the bank's history; the ledger passes.
    let before = b.server.count("GET", GET_ACCOUNTS);
    let (first, said) = b.import(&["-vvv"]);
    assert_no_secret(&secrets, &said);
    assert!(first.matches("simplefin_id:").count() > 50, "{first}");
    assert_eq!(b.server.count("GET", GET_ACCOUNTS), before, "{said}");
    // `status` tells what the store holds of the source.
    let status = stdout(&b.cmd().arg("status").assert().success());
    assert!(
        status.contains("source sfin (provider simplefin):")
            && status.contains("last answer stored")
            && status.contains(" of 24, until "),
        "{status}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(
        &b.cmd().args(["status", "--json"]).assert().success(),
    ))
    .unwrap();
    let sfin = &json["sources"][0];
    assert_eq!(sfin["source"], "sfin", "{json}");
    assert_eq!(sfin["provider"], "simplefin", "{json}");
    assert_eq!(sfin["daily_limit"], 24, "{json}");
    assert!(sfin["last_answer"].is_string(), "{json}");
    assert!(
        sfin["remaining_today"].as_i64().is_some_and(|n| n < 24),
        "{json}"
    );
    bean_check(&b.ledger);
    let day1 = by_id(&b.ledger);
    let pending: Vec<&String> = day1.iter().filter(|(_, p)| **p).map(|(id, _)| id).collect();
    assert!(!pending.is_empty());

    // Again, and offline: nothing new, and the Bridge is not asked.
    let asked = b.server.count("GET", GET_ACCOUNTS);
    assert_eq!(b.import(&[]).0, "");
    assert_eq!(b.import(&["--offline"]).0, "");
    assert_eq!(b.server.count("GET", GET_ACCOUNTS), asked);

    // Day 2: yesterday's pending purchases posted overnight under new ids,
    // some with a tip. `reconcile && import`: each once, booked.
    b.server.advance(TimeDelta::days(1));
    let assert = b
        .cmd()
        .arg("reconcile")
        .arg("-e")
        .arg(&b.ledger)
        .assert()
        .success();
    let reconciled = stderr(assert);
    assert!(reconciled.contains("reconciled"), "{reconciled}");
    b.import(&[]);
    bean_check(&b.ledger);
    let day2 = by_id(&b.ledger);
    for id in &pending {
        assert!(!day2.contains_key(*id), "{id} is still in the ledger");
    }
    let today = b.server.now().date_naive();
    let listed = b.listed(3);
    let mut posted_today = 0;
    for a in &listed.accounts {
        for r in &a.transactions {
            let t = r.parse().unwrap();
            if !t.is_pending() && t.posted.unwrap().date_naive() == today {
                assert_eq!(day2.get(&t.id), Some(&false), "{t:?}");
                posted_today += 1;
            }
        }
    }
    assert!(posted_today >= pending.len());
    let ids: HashSet<&String> = day2.keys().collect();
    assert!(ids.len() > day1.len() - pending.len());

    // And again that day: nothing.
    assert_eq!(b.import(&[]).0, "");
}

#[test]
fn an_account_in_trouble_does_not_stop_the_others() {
    let b = Bridge::new(Options::default());
    let block = stdout(
        &b.cmd()
            .args(["link", "--setup-token", &b.server.setup_token()])
            .assert()
            .success(),
    );
    b.append_config(&block);
    // An account SimpleFIN no longer lists (closed at the bank).
    b.append_config("  - { id: ACT-closed, source: sfin, account: Assets:Old:Checking }\n");
    let ids = b.server.account_ids();
    // The card cannot be read at the bank today.
    b.server.set_trouble(&ids[1], Some(Trouble::Account));
    b.server.advance(TimeDelta::hours(1));

    let assert = b
        .cmd()
        .arg("import")
        .arg("-e")
        .arg(&b.ledger)
        .assert()
        .code(3);
    let out = stdout(&assert);
    let said = stderr(assert);
    append(&b.ledger, &out);
    bean_check(&b.ledger);
    assert_no_secret(&b.secrets(), &said);

    // The card's trouble is said with it; its data as of then is written.
    assert!(
        said.lines()
            .any(|l| l.contains("[act.failed]") && l.contains(ids[1].as_str())),
        "{said}"
    );
    // The air miles need a commodity; the closed account is not listed.
    assert!(
        said.contains(&format!(
            "SimpleFIN account {} is in the custom currency",
            ids[3]
        )),
        "{said}"
    );
    assert!(
        said.contains("SimpleFIN account ACT-closed: not in the server's answer"),
        "{said}"
    );
    assert!(said.contains("2 of 5 accounts failed"), "{said}");
    let ledger = by_id(&b.ledger);
    let listed = b.listed(30);
    for (i, a) in listed.accounts.iter().enumerate().take(3) {
        let written = a
            .transactions
            .iter()
            .filter(|r| ledger.contains_key(&r.parse().unwrap().id))
            .count();
        assert!(written > 0, "account {i}: nothing written");
    }
    assert!(
        !out.contains("Miles") && !out.contains("Assets:Old"),
        "{out}"
    );
}

#[test]
fn past_the_bridges_quota_the_stored_answer_stands_in() {
    // A Bridge that answers 429 past two requests a day (until midnight).
    let b = Bridge::new(Options {
        daily_quota: 2,
        quota_mode: QuotaMode::TooManyRequests,
        custom_currency_accounts: 0,
        ..Options::default()
    });
    let block = stdout(
        &b.cmd()
            .args(["link", "--setup-token", &b.server.setup_token()])
            .assert()
            .success(),
    );
    b.append_config(&block);
    // `link` took one request; the first import (since September: one
    // request) takes the day's last.
    b.server.advance(TimeDelta::hours(1));
    let (first, _) = b.import(&["--since", "2026-09-01"]);
    assert!(first.contains("simplefin_id"), "{first}");
    bean_check(&b.ledger);

    // Asked again: refused, so the stored answer is used and said to be.
    let asked = b.server.count("GET", GET_ACCOUNTS);
    let (again, said) = b.import(&["--refresh"]);
    assert_eq!(again, "");
    assert_eq!(b.server.count("GET", GET_ACCOUNTS), asked + 1);
    assert!(
        said.contains("using the SimpleFIN answer stored")
            && said.contains("too many requests")
            && said.contains("the Bridge can be asked again at 2026-11-21 00:00 UTC"),
        "{said}"
    );
    // The quota is kept: the Bridge is not asked again today.
    let (_, said) = b.import(&["--refresh"]);
    assert_eq!(b.server.count("GET", GET_ACCOUNTS), asked + 1);
    assert!(
        said.contains("daily quota of 24 requests is used up"),
        "{said}"
    );

    // The next day, it is.
    b.server.advance(TimeDelta::days(1));
    let (next, said) = b.import(&[]);
    assert_eq!(b.server.count("GET", GET_ACCOUNTS), asked + 2);
    assert!(!said.contains("stored"), "{said}");
    assert!(
        next.contains("simplefin_id") || next.contains("balance"),
        "{next}"
    );
    bean_check(&b.ledger);
}
