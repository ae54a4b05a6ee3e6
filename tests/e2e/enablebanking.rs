//! Enable Banking end to end, as a user runs it against the fake server:
//! `link` (a listener catching the bank's redirect, or the address pasted
//! back with `--callback`) → `import -e ledger >> ledger` → the same again
//! prints nothing → a day later `reconcile` and `import` bring the new and
//! the booked pending transactions in exactly once → a new consent (new
//! uids) with the same configuration brings no duplicate. Every ledger is
//! judged by bean-check.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::Days;
use enablebanking::{Client, PsuHeaders, TransactionStatus};
use fake_enablebanking::{FakeServer, Fault, FaultKind, Options, keys};
use importer::ledger::{Ledger, LedgerOptions};

use crate::common::{bean_check, bin, stderr, stdout};

/// How the bank sends the browser back.
enum Redirect {
    /// To a listener of `link` on this port of 127.0.0.1.
    Loopback(u16),
    /// To a site of the user's; the address is pasted back.
    Elsewhere,
}

const ELSEWHERE: &str = "https://example.org/callback";

/// A user with an Enable Banking application, its key, a configuration
/// and a ledger, and the fake bank.
struct User {
    server: FakeServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    ledger: PathBuf,
}

impl User {
    fn new(redirect: Redirect) -> User {
        let redirect_url = match redirect {
            Redirect::Loopback(port) => format!("http://127.0.0.1:{port}/callback"),
            Redirect::Elsewhere => ELSEWHERE.to_owned(),
        };
        let server = FakeServer::start(Options {
            // Pending card purchases book at the amount they were pending with.
            pending_amount_changes: false,
            redirect_urls: vec![redirect_url.clone(), ELSEWHERE.to_owned()],
            ..Options::default()
        });
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("eb.pem");
        std::fs::write(&key, keys::APPLICATION_PRIVATE_KEY).unwrap();
        set_mode(&key, 0o600);
        let config = dir.path().join("gc-beancount.yaml");
        std::fs::write(
            &config,
            format!(
                "store: store.sqlite\nsources:\n  eb:\n    provider: enablebanking\n    \
                 application_id: {}\n    private_key: eb.pem\n    redirect_url: {redirect_url}\n    \
                 base_url: {}\n",
                server.application_id(),
                server.base_url()
            ),
        )
        .unwrap();
        let ledger = dir.path().join("main.beancount");
        std::fs::write(&ledger, "option \"title\" \"Mine\"\n").unwrap();
        User {
            server,
            dir,
            config,
            ledger,
        }
    }

    /// The binary, on the bank's clock, run from elsewhere than the
    /// configuration's folder (as cron does: the key and the store are
    /// found beside the configuration).
    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.current_dir("/")
            .arg("--config")
            .arg(&self.config)
            .env("GC_BEANCOUNT_NOW", self.server.now().to_rfc3339());
        cmd
    }

    /// The same as a process the test talks to while it runs.
    fn process(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("gc-beancount"));
        for var in ["GC_BEANCOUNT_CONFIG", "GC_BEANCOUNT_STORE", "RUST_LOG"] {
            cmd.env_remove(var);
        }
        cmd.current_dir("/")
            .env("XDG_CONFIG_HOME", "/nonexistent-gc-beancount-test")
            .env("XDG_CACHE_HOME", "/nonexistent-gc-beancount-test")
            .env("GC_BEANCOUNT_NOW", self.server.now().to_rfc3339())
            .arg("--config")
            .arg(&self.config);
        cmd
    }

    /// Adds the block `link` printed to the configuration.
    fn configure(&self, block: &str) {
        let mut yaml = std::fs::read_to_string(&self.config).unwrap();
        yaml.push_str(block);
        std::fs::write(&self.config, yaml).unwrap();
    }

    /// `link` with the address pasted back: the first run prints the
    /// bank's link and stops; the user consents; `--callback` finishes.
    /// Returns the second run's stdout.
    fn link_pasting_back(&self) -> String {
        let started = self
            .cmd()
            .args([
                "link",
                "--source",
                "eb",
                "--country",
                "fi",
                "--bank",
                "nordea",
            ])
            .assert()
            .success();
        assert_eq!(stdout(&started), "");
        let err = stderr(started);
        assert!(err.contains("--callback 'URL'"), "{err}");
        let back = self.consent(&auth_url(&err, &self.server));
        assert!(back.starts_with(ELSEWHERE), "{back}");
        let done = self
            .cmd()
            .args(["link", "--source", "eb", "--callback", &back])
            .assert()
            .success();
        stdout(&done)
    }

    /// The user at the bank: the address the bank sends the browser to.
    fn consent(&self, auth_url: &str) -> String {
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = http.get(auth_url).send().unwrap();
        assert_eq!(resp.status(), 302);
        resp.headers()["location"].to_str().unwrap().to_owned()
    }

    /// `import -e ledger >> ledger`, then bean-check on the ledger; its
    /// stdout and stderr.
    fn import(&self, extra: &[&str]) -> (String, String) {
        let assert = self
            .cmd()
            .arg("import")
            .arg("-e")
            .arg(&self.ledger)
            .args(extra)
            .assert()
            .success();
        let out = stdout(&assert);
        if !out.is_empty() {
            let mut all = std::fs::read_to_string(&self.ledger).unwrap();
            all.push('\n');
            all.push_str(&out);
            std::fs::write(&self.ledger, all).unwrap();
        }
        bean_check(&self.ledger);
        (out, stderr(assert))
    }

    /// `reconcile -e ledger`, then bean-check.
    fn reconcile(&self) -> String {
        let assert = self
            .cmd()
            .arg("reconcile")
            .arg("-e")
            .arg(&self.ledger)
            .assert()
            .success();
        bean_check(&self.ledger);
        stderr(assert)
    }

    /// The `enablebanking_id`s in the ledger with their entries' flags.
    fn ids(&self) -> Vec<(String, char)> {
        let ledger = Ledger::load_with(
            &[self.ledger.as_path()],
            &LedgerOptions {
                id_keys: vec![enablebanking::ID_KEY.to_owned()],
            },
        )
        .unwrap();
        ledger
            .transactions()
            .flat_map(|t| {
                let flag = t.flag();
                t.postings()
                    .flat_map(|p| p.ids().map(str::to_owned).collect::<Vec<_>>())
                    .map(move |id| (id, flag))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Each bank reference in the ledger once; returns them with flags.
    fn ids_once(&self) -> HashMap<String, char> {
        let ids = self.ids();
        let mut seen = HashMap::new();
        for (id, flag) in ids {
            assert!(seen.insert(id.clone(), flag).is_none(), "{id} twice");
        }
        seen
    }

    /// What the bank lists now for every account since `from`, read with
    /// the user present (which spends none of the day's reads).
    fn bank_lists(&self, from: chrono::NaiveDate) -> Vec<enablebanking::Transaction> {
        let key = self.dir.path().join("eb.pem");
        let client = Client::builder(
            self.server.application_id(),
            enablebanking::PrivateKey::from_file(&key).unwrap(),
        )
        .base_url(&self.server.base_url())
        .clock(std::sync::Arc::new(enablebanking::ManualClock::new(
            self.server.now(),
        )))
        .psu_present(PsuHeaders {
            ip_address: "127.0.0.1".into(),
            user_agent: "test".into(),
        })
        .build()
        .unwrap();
        // The newest session, as the log of the binary's requests names it.
        let session = self
            .server
            .requests()
            .iter()
            .rev()
            .find_map(|r| r.path.strip_prefix("/sessions/").map(str::to_owned))
            .unwrap();
        let info = client
            .session(&enablebanking::SessionId::new(&session))
            .unwrap();
        info.accounts
            .iter()
            .flat_map(|uid| client.transactions(uid, from, None).unwrap().records)
            .map(|r| r.parse().unwrap())
            .collect()
    }
}

/// The bank's link among what `link` said on stderr.
fn auth_url(stderr: &str, server: &FakeServer) -> String {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&server.base_url()))
        .unwrap_or_else(|| panic!("no link in {stderr}"))
        .to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[test]
fn link_with_a_listener_then_daily_imports_hold_each_transaction_once() {
    let port = free_port();
    let user = User::new(Redirect::Loopback(port));

    // Without a bank: the country's banks.
    let banks = user
        .cmd()
        .args(["link", "--source", "eb", "--country", "FI"])
        .assert()
        .success();
    let list = stdout(&banks);
    assert!(
        list.contains("Nordea") && list.contains("180 days"),
        "{list}"
    );

    // With one: the link on stderr, the listener catches the redirect.
    let mut child = user
        .process()
        .args([
            "link",
            "--source",
            "eb",
            "--country",
            "FI",
            "--bank",
            "Nordea",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let url = loop {
        let mut l = String::new();
        assert!(err.read_line(&mut l).unwrap() > 0, "link ended: {said}");
        said.push_str(&l);
        if l.trim().starts_with(&user.server.base_url()) {
            break l.trim().to_owned();
        }
    };
    let back = user.consent(&url);
    assert!(
        back.starts_with(&format!("http://127.0.0.1:{port}/callback?")),
        "{back}"
    );
    // A stray request first: not the redirect, and the listener goes on.
    let stray = reqwest::blocking::get(format!("http://127.0.0.1:{port}/favicon.ico")).unwrap();
    assert_eq!(stray.status(), 404);
    let page = reqwest::blocking::get(&back).unwrap();
    assert_eq!(page.status(), 200);
    let output = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(output.status.success(), "{said}{rest}");
    let block = String::from_utf8(output.stdout).unwrap();
    assert!(block.starts_with("accounts:\n  - id: \""), "{block}");
    assert_eq!(block.matches("    source: \"eb\"\n").count(), 2, "{block}");
    assert!(block.contains("    # ") && block.contains("FI"), "{block}");
    assert!(block.contains("    date: transaction\n"), "{block}");
    user.configure(&block);

    // Day 1: the bank's whole window.
    let (first, _) = user.import(&[]);
    assert!(first.contains("enablebanking_id: \""), "{first}");
    assert!(first.contains(" balance "), "{first}");
    let day1 = user.ids_once();
    assert!(day1.values().any(|f| *f == '!'), "no pending entry");
    let reads = user.server.count("GET", "/accounts/");

    // The same day again: nothing printed, the bank not asked.
    let (again, _) = user.import(&[]);
    assert_eq!(again, "");
    assert_eq!(user.server.count("GET", "/accounts/"), reads);

    // A day later: yesterday's pending transactions booked under new
    // references, and new ones.
    user.server.advance(chrono::Duration::days(1));
    let reconciled = user.reconcile();
    assert!(reconciled.contains("booked"), "{reconciled}");
    let (second, _) = user.import(&[]);
    assert!(!second.is_empty());
    // Never a day beyond the bank's window, never a person claimed present.
    for r in user.server.requests() {
        assert_ne!(r.status, 422, "{r:?}");
        assert!(!r.psu_headers, "{r:?}");
    }
    let now = user.ids_once();
    let since = user.server.now().date_naive() - Days::new(3);
    let listed = user.bank_lists(since);
    assert!(!listed.is_empty());
    for t in &listed {
        let id = t.entry_reference.clone().unwrap();
        let flag = now.get(&id).copied();
        let want = if t.status == TransactionStatus::Booked {
            '*'
        } else {
            '!'
        };
        assert_eq!(flag, Some(want), "{id} {:?}", t.status);
    }
    // What is pending is what the bank lists as pending now, no more.
    let pending_now = listed.iter().filter(|t| t.status.is_pending()).count();
    assert_eq!(now.values().filter(|f| **f == '!').count(), pending_now);
    assert_eq!(user.import(&[]).0, "");

    // When the consent ends and how to renew it, from the store.
    let relink = "gc-beancount link --source eb --country FI --bank Nordea";
    let accounts = stdout(&user.cmd().arg("accounts").assert().success());
    for want in [
        "session Nordea (FI), source eb\n",
        "  access until: 2027-05-",
        &format!("  re-link with: {relink}\n"),
        "Liabilities:Nordea:EUR",
    ] {
        assert!(accounts.contains(want), "{want:?} not in\n{accounts}");
    }
    let status = stdout(&user.cmd().arg("status").assert().success());
    assert_eq!(
        status.matches("  access: until 2027-05-").count(),
        2,
        "{status}"
    );
    assert!(
        status.contains(&format!("re-link with `{relink}`")),
        "{status}"
    );
    assert!(
        status.contains("transactions") && status.contains(" of 4"),
        "{status}"
    );
    let json = stdout(&user.cmd().args(["status", "--json"]).assert().success());
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["accounts"][0]["relink"], relink);

    // A day when Enable Banking cannot say where the session stands: the
    // uids `link` saved still read the accounts.
    user.server.advance(chrono::Duration::days(1));
    user.server
        .inject(Fault::next("/sessions/", 8, FaultKind::Status(503)));
    user.reconcile();
    let (third, _) = user.import(&[]);
    assert!(!third.is_empty());
    user.ids_once();
    assert_eq!(
        user.server
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/sessions/") && r.status == 503)
            .count(),
        8
    );
}

#[test]
fn pasted_back_link_daily_limits_and_a_new_consent_without_duplicates() {
    let user = User::new(Redirect::Elsewhere);
    // A key others may read is refused, with how to fix it.
    let key = user.dir.path().join("eb.pem");
    set_mode(&key, 0o644);
    let refused = user
        .cmd()
        .args(["link", "--source", "eb", "--country", "FI"])
        .assert()
        .code(2);
    let err = stderr(refused);
    assert!(
        err.contains(&format!("chmod 600 {}", key.display())),
        "{err}"
    );
    set_mode(&key, 0o600);

    let block = user.link_pasting_back();
    assert!(block.starts_with("accounts:\n"), "{block}");
    user.configure(&block);
    // `config check` opens the source as import does: the key is checked.
    let out = stdout(&user.cmd().args(["config", "check"]).assert().success());
    assert!(out.contains("eb (provider enablebanking)"), "{out}");
    set_mode(&key, 0o644);
    let err = stderr(user.cmd().args(["config", "check"]).assert().code(2));
    assert!(
        err.contains("source eb") && err.contains(&format!("chmod 600 {}", key.display())),
        "{err}"
    );
    set_mode(&key, 0o600);
    let config = std::fs::read_to_string(&user.config).unwrap();

    let (first, _) = user.import(&[]);
    assert!(!first.is_empty());
    let before = user.ids_once();
    let old_uids: HashSet<String> = uids(&user.server);

    // Offline: the store answers, the bank is not asked.
    let asked = user.server.requests().len();
    let offline = user.cmd().args(["import", "--offline"]).assert().success();
    assert!(stdout(&offline).contains("enablebanking_id"));
    assert_eq!(user.server.requests().len(), asked);

    // Three more reads the same day (--refresh) spend the bank's four; the
    // next run is answered from the store, with a warning, unasked.
    for _ in 0..3 {
        user.cmd().args(["import", "--refresh"]).assert().success();
    }
    let reads = first_pages(&user.server);
    assert_eq!(reads, 2 * 4);
    let spent = user.cmd().args(["import", "--refresh"]).assert().success();
    assert_eq!(first_pages(&user.server), reads);
    let err = stderr(spent);
    assert!(
        err.contains("using the transactions stored")
            && err.contains("daily request budget for it is used up"),
        "{err}"
    );

    // The next day the bank refuses with its daily limit all the same: the
    // stored transactions are used, with a warning.
    user.server.advance(chrono::Duration::days(1));
    user.server
        .inject(Fault::next("/transactions", 2, FaultKind::BankDailyLimit));
    let (_, err) = user.import(&[]);
    assert!(
        err.contains("the bank refused: daily request limit reached"),
        "{err}"
    );

    // The user withdraws consent at the bank; the next day's import says
    // how to link again.
    let session = user
        .server
        .requests()
        .iter()
        .find_map(|r| r.path.strip_prefix("/sessions/").map(str::to_owned))
        .unwrap();
    user.server.revoke_session(&session);
    user.server.advance(chrono::Duration::days(1));
    let failed = user
        .cmd()
        .arg("import")
        .arg("-e")
        .arg(&user.ledger)
        .assert()
        .failure();
    let err = stderr(failed);
    assert!(
        err.contains("gc-beancount link --source eb --country FI --bank Nordea"),
        "{err}"
    );

    // A new consent: new uids, the same hashes, so nothing to add.
    let relinked = user.link_pasting_back();
    assert_eq!(relinked, "");
    assert_eq!(std::fs::read_to_string(&user.config).unwrap(), config);
    user.reconcile();
    let (next, _) = user.import(&[]);
    assert!(!next.is_empty());
    let after = user.ids_once();
    assert!(
        before
            .keys()
            .all(|id| after.contains_key(id) || before[id] == '!')
    );
    let new_uids = uids(&user.server);
    assert!(
        new_uids.iter().any(|u| !old_uids.contains(u)),
        "{new_uids:?}"
    );
    assert_eq!(user.import(&[]).0, "");
}

/// The transaction requests answered that start a listing (the ones a
/// bank counts).
fn first_pages(server: &FakeServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| {
            r.path.ends_with("/transactions")
                && r.status == 200
                && !r.query.contains("continuation_key")
        })
        .count()
}

/// The account uids the binary has read so far.
fn uids(server: &FakeServer) -> HashSet<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| {
            let rest = r.path.strip_prefix("/accounts/")?;
            Some(rest.split('/').next()?.to_owned())
        })
        .collect()
}
