//! `gc-beancount reconcile` on a hand-written ledger with an include, from
//! response files: `--dry-run` prints a unified diff and writes nothing; a
//! real run rewrites only the pending entries (and the balance that
//! counted one), keeps backups, passes bean-check, and a second run finds
//! nothing to do and says nothing.

mod common;

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
