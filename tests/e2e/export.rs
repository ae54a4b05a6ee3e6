//! `export`: a ledger pushed to the fake Codat as a bank feed, run by run,
//! with the store as the memory of what was pushed.

use std::path::PathBuf;

use fake_codat::{FakeServer, Fault, FaultKind, Options};

use crate::common::*;

const MAIN: &str = r#"2026-01-01 open Assets:Bank:Business GBP
2026-01-01 open Expenses:Food
2026-01-01 open Income:Sales
2026-01-01 open Equity:Opening-Balances

2026-10-01 * "Opening balance"
  Assets:Bank:Business  1000.00 GBP
  Equity:Opening-Balances

2026-11-02 * "Cafe Nero" "Coffee"
  Assets:Bank:Business  -3.50 GBP
  Expenses:Food

2026-11-03 * "Acme Ltd" "Invoice 12"
  gocardless_id: "tx-invoice-12"
  Assets:Bank:Business  250.00 GBP
  Income:Sales
"#;

/// The fake Codat, a folder with a configuration exporting
/// `Assets:Bank:Business` to it, and a ledger.
struct Books {
    server: FakeServer,
    dir: tempfile::TempDir,
}

impl Books {
    fn new() -> Books {
        let server = FakeServer::start(Options {
            connect_new_accounts: true,
            polls_to_complete: 0,
            ..Options::default()
        });
        let dir = tempfile::tempdir().unwrap();
        let yaml = format!(
            "store: store.sqlite
exports:
  codat:
    api_key: ${{CODAT_API_KEY}}
    company_id: {}
    connection_id: {}
    base_url: {}
    accounts:
      - account: Assets:Bank:Business
        source_account_id: business
        account_type: checking
        name: Business current
",
            server.company_id(),
            server.connection_id(),
            server.base_url()
        );
        std::fs::write(dir.path().join("gc-beancount.yaml"), yaml).unwrap();
        std::fs::write(dir.path().join("main.bean"), MAIN).unwrap();
        Books { server, dir }
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("main.bean")
    }

    fn append(&self, text: &str) {
        let mut all = std::fs::read_to_string(self.ledger()).unwrap();
        all.push_str(text);
        std::fs::write(self.ledger(), all).unwrap();
    }

    /// `main.bean:N` of the first line containing `needle`.
    fn line_of(&self, needle: &str) -> String {
        let text = std::fs::read_to_string(self.ledger()).unwrap();
        let n = text.lines().position(|l| l.contains(needle)).unwrap();
        format!("{}:{}", self.ledger().display(), n + 1)
    }

    /// `gc-beancount export -e main.bean ARGS…` at the fake's time.
    fn export(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.current_dir(self.dir.path())
            .arg("--config")
            .arg(self.dir.path().join("gc-beancount.yaml"))
            .env("CODAT_API_KEY", self.server.api_key())
            .env("GC_BEANCOUNT_NOW", self.server.now().to_rfc3339())
            .env("TZ", "UTC")
            .args(["export", "-e"])
            .arg(self.ledger())
            .args(args);
        cmd
    }

    fn pushed(&self) -> Vec<(String, String)> {
        self.server
            .transactions("business")
            .into_iter()
            .map(|t| (t.id, t.amount.to_string()))
            .collect()
    }
}

#[test]
fn dry_run_shows_the_plan_and_asks_nothing() {
    let books = Books::new();
    let out = books.export(&["--dry-run"]).assert().success();
    let text = stdout(&out);
    assert!(text.contains("Assets:Bank:Business → codat source account business (GBP)"));
    assert!(text.contains("balance before the first: 1000.00"), "{text}");
    assert!(text.contains("2026-11-02  -3.50"), "{text}");
    assert!(text.contains("Coffee"), "{text}");
    assert!(text.contains(&books.line_of("Invoice 12")), "{text}");
    assert!(text.contains("2 to push"), "{text}");
    assert_eq!(books.server.requests().len(), 0);

    let out = books.export(&["--dry-run", "--json"]).assert().success();
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let account = &json[0]["plan"]["accounts"][0];
    assert_eq!(json[0]["export"], "codat");
    assert_eq!(account["push"].as_array().unwrap().len(), 2);
    assert_eq!(account["push"][1]["id"], "tx-invoice-12");
    assert_eq!(account["push"][1]["balance"], "1246.50");
    assert_eq!(books.server.requests().len(), 0);
}

#[test]
fn export_pushes_once_then_only_what_was_added() {
    let books = Books::new();
    let out = books.export(&[]).assert().success();
    let err = stderr(out);
    assert!(err.contains("source account created"), "{err}");
    assert!(err.contains("up to date"), "{err}");
    let pushed = books.pushed();
    assert_eq!(pushed.len(), 2, "{err}");
    assert_eq!(pushed[0].1, "-3.50");
    assert_eq!(pushed[1], ("tx-invoice-12".into(), "250.00".into()));
    let account = books.server.source_account("business").unwrap();
    assert_eq!(account.balance.to_string(), "1246.50");

    // A second run, another process, pushes nothing.
    let pushes = books.server.push_operation_count();
    books.export(&[]).assert().success();
    assert_eq!(books.server.push_operation_count(), pushes);
    let out = books.export(&["--dry-run"]).assert().success();
    assert!(stdout(&out).contains("nothing to push"));

    // New transactions are pushed, once.
    books.append(
        r#"
2026-11-10 * "Tesco" "Groceries"
  Assets:Bank:Business  -42.10 GBP
  Expenses:Food
"#,
    );
    books.export(&[]).assert().success();
    books.export(&[]).assert().success();
    let pushed = books.pushed();
    assert_eq!(pushed.len(), 3);
    assert_eq!(pushed[2].1, "-42.10");
    assert_eq!(books.server.push_operation_count(), pushes + 1);
    let account = books.server.source_account("business").unwrap();
    assert_eq!(account.balance.to_string(), "1204.40");
}

#[test]
fn a_refused_push_names_the_ledger_line_and_fails() {
    let books = Books::new();
    books.export(&[]).assert().success();
    // With the store lost, everything is pushed again. Within 90 minutes
    // the same batch gets the same idempotency key, and Codat answers with
    // the first push; later it is a new push, and Codat refuses the ids it
    // has.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(books.dir.path().join(format!("store.sqlite{suffix}")));
    }
    let pushes = books.server.push_operation_count();
    books.export(&[]).assert().success();
    assert_eq!(books.server.push_operation_count(), pushes);
    assert_eq!(books.pushed().len(), 2);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(books.dir.path().join(format!("store.sqlite{suffix}")));
    }
    books.server.advance(chrono::Duration::hours(2));
    let out = books.export(&[]).assert().code(3);
    let err = stderr(out);
    assert!(err.contains("rejected"), "{err}");
    assert!(err.contains(&books.line_of("Invoice 12")), "{err}");
    assert!(err.contains("a push was refused"), "{err}");
    assert_eq!(books.pushed().len(), 2);
}

#[test]
fn usage_errors_exit_2() {
    let books = Books::new();
    books.export(&["--export", "xero"]).assert().code(2);
    let mut cmd = books.export(&[]);
    cmd.arg("--json");
    cmd.assert().code(2);
}

#[test]
fn the_api_key_never_reaches_stderr() {
    let books = Books::new();
    books.server.inject(Fault::next(
        "bankTransactions",
        1,
        FaultKind::EchoCredentials(400),
    ));
    let out = books.export(&["-vvv"]).assert().failure();
    let err = stderr(out);
    let key = books.server.api_key();
    assert!(err.contains("bankTransactions"), "{err}");
    assert!(!err.contains(&key), "the API key is on stderr");
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
    assert!(
        !err.contains(encoded.trim_end_matches('=')),
        "its base64 is on stderr"
    );
}

#[test]
fn an_edit_after_a_push_is_reported_with_what_to_do_and_not_pushed() {
    let books = Books::new();
    books.export(&[]).assert().success();
    let text = std::fs::read_to_string(books.ledger()).unwrap();
    std::fs::write(
        books.ledger(),
        text.replace(
            "Assets:Bank:Business  250.00 GBP",
            "Assets:Bank:Business  260.00 GBP",
        ),
    )
    .unwrap();
    let pushes = books.server.push_operation_count();
    let out = books.export(&[]).assert().code(3);
    let err = stderr(out);
    assert!(err.contains("was changed after it was pushed"), "{err}");
    assert!(err.contains("correct that statement line"), "{err}");
    assert!(err.contains(&books.line_of("Invoice 12")), "{err}");
    assert_eq!(books.server.push_operation_count(), pushes);
    assert_eq!(books.pushed()[1].1, "250.00");
}
