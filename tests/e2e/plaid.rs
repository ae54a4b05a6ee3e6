//! A Plaid source through the fake Plaid server, as a user runs it:
//! `link --public-token` prints the `accounts:` block to paste; `import`
//! appends to the ledger, and again prints nothing; a day later, when
//! yesterday's pending purchases post under new ids (some with a tip), the
//! daily `reconcile && import` leaves each purchase once, booked. Every
//! ledger passes bean-check; no secret reaches stderr at `-vvv`; an Item
//! whose user must log in again names the command that repairs it, and
//! that command's Link page repairs it.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::Stdio;

use chrono::Duration;
use importer::ledger::{Ledger, LedgerOptions};
use rust_decimal::Decimal;

use crate::common::{bean_check, bin, stderr, stdout};

struct Env {
    fake: fake_plaid::FakeServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    ledger: PathBuf,
    /// The configuration without its accounts.
    head: String,
}

impl Env {
    fn new() -> Env {
        Env::with(fake_plaid::Options::default())
    }

    /// With the fake's options, on a seed whose first day has pending
    /// purchases on the checking account and the card, and whose second
    /// day posts some of them with a tip and some without.
    fn with(opts: fake_plaid::Options) -> Env {
        let fake = fake_plaid::FakeServer::start(fake_plaid::Options { seed: 3, ..opts });
        let dir = tempfile::tempdir().unwrap();
        let head = format!(
            "store: store.sqlite\nsources:\n  bank:\n    provider: plaid\n    client_id: {}\n    \
             secret: ${{TEST_PLAID_SECRET}}\n    environment: sandbox\n    base_url: {}\n",
            fake.client_id(),
            fake.base_url()
        );
        let config = dir.path().join("gc-beancount.yaml");
        std::fs::write(&config, &head).unwrap();
        let ledger = dir.path().join("main.beancount");
        std::fs::write(&ledger, "option \"operating_currency\" \"USD\"\n").unwrap();
        Env {
            fake,
            dir,
            config,
            ledger,
            head,
        }
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.current_dir(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .env("TEST_PLAID_SECRET", self.fake.secret())
            .env("GC_BEANCOUNT_NOW", self.fake.now().to_rfc3339());
        cmd
    }

    /// `link --public-token` for a new Item; the configuration gets the
    /// printed block as it is. Returns the Item's id.
    fn link(&self) -> String {
        let public = self.fake.new_public_token();
        let assert = self
            .cmd()
            .args([
                "-vvv",
                "link",
                "--source",
                "bank",
                "--public-token",
                &public,
            ])
            .assert()
            .success();
        let block = stdout(&assert);
        let err = stderr(assert);
        let item = self.fake.item_ids().pop().unwrap();
        self.no_secrets(&err, &item);
        self.no_secrets(&block, &item);
        assert!(!err.contains(&public), "the public token in:\n{err}");
        assert!(err.contains(&format!("linked item {item}")), "{err}");
        std::fs::write(&self.config, format!("{}{block}", self.head)).unwrap();
        item
    }

    /// `import -e main.beancount -vvv >> main.beancount`, then bean-check;
    /// returns what was appended.
    fn import(&self) -> String {
        let assert = self
            .cmd()
            .args(["-vvv", "import", "-e", "main.beancount"])
            .assert()
            .success();
        let out = stdout(&assert);
        let err = stderr(assert);
        for item in self.fake.item_ids() {
            self.no_secrets(&err, &item);
        }
        let mut text = std::fs::read_to_string(&self.ledger).unwrap();
        text.push_str(&out);
        std::fs::write(&self.ledger, text).unwrap();
        bean_check(&self.ledger);
        out
    }

    fn reconcile(&self) -> String {
        let err = stderr(
            self.cmd()
                .args(["-vvv", "reconcile", "-e", "main.beancount"])
                .assert()
                .success(),
        );
        for item in self.fake.item_ids() {
            self.no_secrets(&err, &item);
        }
        bean_check(&self.ledger);
        err
    }

    fn no_secrets(&self, text: &str, item: &str) {
        let token = self.fake.access_token(item).unwrap();
        for secret in [self.fake.secret(), token] {
            assert!(!text.contains(&secret), "a secret in:\n{text}");
        }
    }

    fn load(&self) -> Ledger {
        Ledger::load_with(
            &[&self.ledger],
            &LedgerOptions {
                id_keys: vec!["plaid_id".to_owned()],
            },
        )
        .unwrap()
    }
}

/// A bank posting of the ledger by its Plaid id.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    pending: bool,
    number: Decimal,
}

/// The ledger's bank postings by Plaid id; panics when an id is there
/// twice.
fn by_id(ledger: &Ledger) -> HashMap<String, Entry> {
    let mut out = HashMap::new();
    for t in ledger.transactions() {
        for p in t.postings() {
            let Some(id) = p.meta_value("plaid_id") else {
                continue;
            };
            let entry = Entry {
                pending: t.is_pending(),
                number: p.number().unwrap(),
            };
            let id = id.as_str().to_owned();
            assert!(out.insert(id.clone(), entry).is_none(), "{id} twice");
        }
    }
    out
}

#[test]
fn link_import_again_and_a_day_later_reconcile_then_import() {
    let env = Env::new();
    let item = env.link();
    let config = std::fs::read_to_string(&env.config).unwrap();
    let ids = env.fake.account_ids(&item);
    assert_eq!(ids.len(), 4);
    for id in &ids {
        assert!(config.contains(&format!("id: \"{id}\"")), "{config}");
    }
    // Checking and savings are assets; the card and the loan are owed.
    assert_eq!(config.matches("account: Assets:").count(), 2, "{config}");
    assert_eq!(
        config.matches("account: Liabilities:").count(),
        2,
        "{config}"
    );
    assert_eq!(config.matches("source: \"bank\"").count(), 4, "{config}");

    // `fetch` moves the cursor past the first transactions and keeps them:
    // the import still writes them all.
    let fetched = String::from_utf8(
        env.cmd()
            .arg("fetch")
            .assert()
            .success()
            .get_output()
            .stderr
            .clone(),
    )
    .unwrap();
    assert!(fetched.contains(" transactions"), "{fetched}");
    let first = env.import();
    assert!(first.contains("plaid_id:"), "{first}");
    assert!(first.contains("plaid_status: \"pending\""), "{first}");
    // Each account's balance is asserted.
    assert_eq!(first.matches(" balance ").count(), 4, "{first}");
    let day1 = by_id(&env.load());
    let pending: HashSet<&String> = day1
        .iter()
        .filter(|(_, e)| e.pending)
        .map(|(id, _)| id)
        .collect();
    assert!(!pending.is_empty());

    // Nothing changed: nothing to write, and only the sync and the
    // balances were asked for.
    let syncs = env.fake.count("POST", "/transactions/sync");
    assert_eq!(env.import(), "");
    assert_eq!(env.fake.count("POST", "/transactions/sync"), syncs + 1);
    // It synced from the cursor the first import saved.
    let last_sync = env
        .fake
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/transactions/sync")
        .unwrap();
    assert!(
        last_sync.body["cursor"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "the second import sent no cursor"
    );

    // A day later: reconcile, then import, as the README's daily flow.
    env.fake.advance(Duration::days(1));
    let now: HashMap<String, serde_json::Value> = env
        .fake
        .transactions(&item)
        .into_iter()
        .map(|t| (t["transaction_id"].as_str().unwrap().to_owned(), t))
        .collect();
    // What posted under a new id with another amount (a tip).
    let tipped: Vec<(&String, &serde_json::Value)> = now
        .iter()
        .filter(|(_, t)| {
            t["pending_transaction_id"]
                .as_str()
                .and_then(|p| day1.get(p))
                .is_some_and(|p| {
                    let posted: Decimal = t["amount"].to_string().parse().unwrap();
                    p.number != -posted
                })
        })
        .collect();
    assert!(!tipped.is_empty(), "the seed has tipped purchases");

    // The bank renames a transaction imported yesterday: said, not
    // rewritten. (One of an account with pending entries, the accounts
    // `reconcile` asks Plaid about; the first in the ledger, so that every
    // run renames the same.)
    let ledger = env.load();
    let plaid_posting = |t: &importer::ledger::Transaction<'_>| {
        t.postings().find_map(|p| {
            p.meta_value("plaid_id")
                .map(|id| (p.account().to_owned(), id.as_str().to_owned()))
        })
    };
    let with_pending: HashSet<String> = ledger
        .transactions()
        .filter(|t| t.is_pending())
        .filter_map(|t| plaid_posting(&t).map(|(account, _)| account))
        .collect();
    let renamed = ledger
        .transactions()
        .filter(|t| !t.is_pending())
        .filter_map(|t| plaid_posting(&t))
        .find(|(account, _)| with_pending.contains(account))
        .map(|(_, id)| id)
        .unwrap();
    assert!(!day1[&renamed].pending);
    assert!(
        env.fake
            .modify_transaction(&item, &renamed, "Renamed by the bank")
    );

    let said = env.reconcile();
    assert!(said.contains("reconciled"), "{said}");
    assert!(
        said.contains(&format!("Plaid changed transaction {renamed}"))
            && said.contains("Renamed by the bank"),
        "{said}"
    );
    let second = env.import();
    let day2 = by_id(&env.load());
    // Every pending entry of yesterday is gone under its own id: booked
    // under its posted id, with the posted amount.
    for id in &pending {
        assert!(!day2.contains_key(*id), "{id} still in the ledger");
    }
    for (id, t) in &tipped {
        let posted: Decimal = t["amount"].to_string().parse().unwrap();
        let entry = &day2[*id];
        assert_eq!(entry.number, -posted, "{id}");
        assert!(!entry.pending, "{id}");
    }
    // The ledger holds exactly what Plaid lists now.
    let listed: HashSet<&String> = now.keys().collect();
    let held: HashSet<&String> = day2.keys().collect();
    assert_eq!(held, listed, "appended:\n{second}");
    for (id, t) in &now {
        assert_eq!(day2[id].pending, t["pending"].as_bool().unwrap(), "{id}");
    }
    assert_eq!(day2[&renamed], day1[&renamed]);

    // The same day again: nothing new; reconcile has nothing to do.
    assert_eq!(env.import(), "");
    // Offline, from the store: what is stored is in the ledger already.
    let assert = env
        .cmd()
        .args(["import", "--offline", "-e", "main.beancount"])
        .assert()
        .success();
    assert_eq!(stdout(&assert), "");
}

#[test]
fn not_ready_then_an_item_needing_its_user_names_the_command_whose_page_repairs_it() {
    let env = Env::with(fake_plaid::Options {
        not_ready_calls: 1,
        ..fake_plaid::Options::default()
    });
    let item = env.link();
    // Plaid's first pull is not done: said, nothing written, no failure.
    let assert = env
        .cmd()
        .args(["import", "-e", "main.beancount"])
        .assert()
        .success();
    assert_eq!(stdout(&assert), "");
    let err = stderr(assert);
    assert!(
        err.contains("has not finished its first pull")
            && err.contains("try again in a few minutes"),
        "{err}"
    );

    env.fake.require_login(&item);
    env.fake.require_login(&item);
    let assert = env
        .cmd()
        .args(["-vvv", "import", "-e", "main.beancount"])
        .assert()
        .failure();
    assert_eq!(stdout(&assert), "");
    let err = stderr(assert);
    env.no_secrets(&err, &item);
    assert!(
        err.contains(&format!("gc-beancount link --source bank --item {item}")),
        "{err}"
    );

    // The command it names serves Plaid Link in update mode on 127.0.0.1;
    // the user logs in again there and the page posts the result back.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("gc-beancount"))
        .current_dir(env.dir.path())
        .arg("--config")
        .arg(&env.config)
        .args([
            "link",
            "--source",
            "bank",
            "--item",
            &item,
            "--timeout",
            "120",
        ])
        .env_remove("GC_BEANCOUNT_STORE")
        .env_remove("RUST_LOG")
        .env("XDG_CACHE_HOME", "/nonexistent-gc-beancount-test")
        .env("TEST_PLAID_SECRET", env.fake.secret())
        .env("GC_BEANCOUNT_NOW", env.fake.now().to_rfc3339())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(lines.read_line(&mut line).unwrap() > 0, "no page announced");
        if let Some(at) = line.find("http://127.0.0.1:") {
            let rest = &line[at..];
            break rest[..rest.find(char::is_whitespace).unwrap()].to_owned();
        }
    };
    let http = reqwest::blocking::Client::new();
    let page = http.get(&url).send().unwrap().text().unwrap();
    assert!(page.contains("link-initialize.js"), "{page}");
    let quoted = |key: &str| {
        let at = page.find(&format!("{key}: \"")).unwrap() + key.len() + 3;
        page[at..at + page[at..].find('"').unwrap()].to_owned()
    };
    let (link_token, nonce) = (quoted("token"), quoted("nonce"));
    // What Plaid Link does when the user logs in again.
    let public = env.fake.complete_link(&link_token).unwrap();
    // Another page cannot post a token: it does not know the nonce.
    let refused = http
        .post(format!("{url}done"))
        .json(&serde_json::json!({"nonce": "guess", "public_token": "public-x"}))
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let ok = http
        .post(format!("{url}done"))
        .json(&serde_json::json!({"nonce": nonce, "public_token": public}))
        .send()
        .unwrap();
    assert!(ok.status().is_success());
    assert!(child.wait().unwrap().success());
    let mut rest = String::new();
    lines.read_to_string(&mut rest).unwrap();
    assert!(rest.contains(&format!("item {item} is repaired")), "{rest}");
    env.no_secrets(&rest, &item);

    // The Item reads again.
    let first = env.import();
    assert!(first.contains("plaid_id:"), "{first}");
}
