//! `reconcile` on a hand-written ledger: comments, odd spacing, an
//! include, entries the user edited or moved to another file. Only the
//! lines of the pending entries that booked or vanished change, and the
//! balance assertion that counted one of them; everything else stays byte
//! for byte, and the result passes bean-check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use importer::config::{CancelledMode, Tolerance};
use importer::ledger::Ledger;
use importer::reconcile::{Outcome, ReconcileOptions, edit, plan};
use importer::{AccountOutput, BankTransaction, Input, Records, Run, Statement, Status, config};

const ACCOUNT: &str = "Assets:Bank:Checking";

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pipeline/reconcile_data")
}

fn tx(id: &str, status: Status, day: &str, amount: &str, payee: &str) -> BankTransaction {
    let mut t = BankTransaction::new(status, amount.parse().unwrap(), "EUR");
    t.booking_date = Some(date(day));
    t.ids.transaction_id = Some(id.to_owned());
    t.payee = Some(payee.to_owned());
    t.narration = Some(format!("Card payment {payee}"));
    t.raw = format!(r#"{{"id": "{id}"}}"#).into();
    t
}

fn config() -> importer::Config {
    config::from_str(
        &format!("accounts:\n  - id: chk\n    account: {ACCOUNT}\n    currency: EUR\n"),
        "c.yaml",
    )
    .unwrap()
}

/// A copy of the ledger files in a temporary folder.
fn copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["main.beancount", "cards.beancount"] {
        std::fs::copy(data().join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// The bank on 2026-04-05: the fuel and hotel pre-authorisations booked
/// under new ids, with other amounts and a day later; the bakery's is gone.
fn bank_now() -> Vec<BankTransaction> {
    vec![
        tx("B1", Status::Booked, "2026-04-02", "-27.00", "Shell"),
        tx("B2", Status::Booked, "2026-04-03", "-43.21", "Hotel Adler"),
    ]
}

/// The bank's `records` of the checking account, converted on 2026-04-05
/// against `ledger`.
fn converted(
    config: &importer::Config,
    ledger: &Ledger,
    records: &dyn Records,
) -> Vec<AccountOutput> {
    let run = Run::new(config, Some(ledger), date("2026-04-05"));
    run.convert(&[Input {
        account: &config.accounts[0],
        statement: Statement {
            source: "GoCardless",
            id_key: "gocardless_id",
            records,
            balances: &[],
            fetched_at: None,
        },
        adjust: None,
    }])
}

fn reconcile(dir: &Path, records: &[BankTransaction], cancelled: CancelledMode) -> Vec<String> {
    let config = config();
    let main = dir.join("main.beancount");
    let ledger = Ledger::load(&[&main]).unwrap();
    let records = records.to_vec();
    let outputs = converted(&config, &ledger, &records);
    let mut opts = ReconcileOptions::from_config(&config.reconcile);
    opts.covered = HashMap::from([(ACCOUNT.to_owned(), (date("2026-03-25"), date("2026-04-05")))]);
    let plan = plan(&ledger, &outputs, &opts);
    assert!(plan.refused.is_empty(), "{:?}", plan.refused);
    for file in plan.files() {
        let text = std::fs::read_to_string(file).unwrap();
        let new = edit(&text, file, &plan, cancelled, date("2026-04-05")).unwrap();
        std::fs::write(file, new).unwrap();
    }
    plan.changes
        .iter()
        .map(|c| c.to_string())
        .chain(plan.balances.iter().map(|b| b.to_string()))
        .collect()
}

#[test]
fn booked_and_cancelled_pending_entries_change_and_nothing_else() {
    let dir = copy();
    let said = reconcile(dir.path(), &bank_now(), CancelledMode::Comment);
    assert_eq!(said.len(), 4, "{said:#?}");
    assert!(
        said[0].contains("booked on 2026-04-03 as -43.21 EUR (id B2)"),
        "{said:#?}"
    );

    let main = std::fs::read_to_string(dir.path().join("main.beancount")).unwrap();
    let before = std::fs::read_to_string(data().join("main.beancount")).unwrap();
    let expected = before
        .replace(
            "2026-04-01 ! \"Shell\" \"Card payment Shell\"   ; fuel, pre-authorised\n  \
             Assets:Bank:Checking        -23.50 EUR\n    gocardless_id: \"PND1\"\n    \
             gocardless_status: \"pending\"\n  ; my own comment\n  Expenses:Fuel     23.50 EUR\n",
            "2026-04-02 * \"Shell\" \"Card payment Shell\"   ; fuel, pre-authorised\n  \
             Assets:Bank:Checking        -27.00 EUR\n    gocardless_id: \"B1\"\n  \
             ; my own comment\n  Expenses:Fuel     27.00 EUR\n",
        )
        .replace(
            "2026-04-02 balance Assets:Bank:Checking   976.50 EUR",
            "2026-04-02 balance Assets:Bank:Checking  1000.00 EUR",
        )
        .replace(
            "2026-04-02 ! \"Bakery\"   \"Card payment Bakery\"\n  Assets:Bank:Checking  -4.20 EUR\n    \
             gocardless_id: \"PND3\"\n    gocardless_status: \"pending\"\n  Expenses:Uncategorized\n",
            "; gc-beancount reconcile 2026-04-05: cancelled: the bank no longer lists this pending \
             transaction and no booked transaction matches it\n; 2026-04-02 ! \"Bakery\"   \
             \"Card payment Bakery\"\n;   Assets:Bank:Checking  -4.20 EUR\n;     gocardless_id: \
             \"PND3\"\n;     gocardless_status: \"pending\"\n;   Expenses:Uncategorized\n",
        );
    assert_ne!(before, expected, "the replacements apply");
    assert_eq!(main, expected);

    let cards = std::fs::read_to_string(dir.path().join("cards.beancount")).unwrap();
    assert_eq!(
        cards,
        "; Moved here by hand.\n2026-04-03 * \"Hotel Adler\" \"Card payment Hotel Adler\" #trip\n  \
         Assets:Bank:Checking  -43.21 EUR\n    gocardless_id: \"B2\"\n  Expenses:Travel\n"
    );
    test_support::bean_check::file(&dir.path().join("main.beancount"));

    // Again: nothing left to do.
    let said = reconcile(dir.path(), &bank_now(), CancelledMode::Comment);
    assert!(said.is_empty(), "{said:#?}");
}

#[test]
fn cancelled_entries_can_be_removed() {
    let dir = copy();
    reconcile(dir.path(), &bank_now(), CancelledMode::Remove);
    let main = std::fs::read_to_string(dir.path().join("main.beancount")).unwrap();
    assert!(!main.contains("Bakery"), "{main}");
    assert!(
        main.ends_with("  source: \"closingBooked 2026-04-01\"\n"),
        "{main:?}"
    );
    test_support::bean_check::file(&dir.path().join("main.beancount"));
}

#[test]
fn still_pending_unknown_and_duplicates() {
    let dir = copy();
    let config = config();
    let main = dir.path().join("main.beancount");
    // The hotel's booking is already in the ledger (imported before
    // reconcile ran); the fuel is still pending, now for more; the
    // bakery's window is not covered.
    let mut text = std::fs::read_to_string(&main).unwrap();
    text.push_str(
        "\n2026-04-03 * \"Hotel Adler\" \"Card payment Hotel Adler\"\n  Assets:Bank:Checking  -43.21 EUR\n    \
         gocardless_id: \"B2\"\n  Expenses:Travel\n",
    );
    std::fs::write(&main, &text).unwrap();
    let ledger = Ledger::load(&[&main]).unwrap();
    let records = vec![
        tx("PND1", Status::Pending, "2026-04-01", "-25.00", "Shell"),
        tx("B2", Status::Booked, "2026-04-03", "-43.21", "Hotel Adler"),
    ];
    let outputs = converted(&config, &ledger, &records);
    let mut opts = ReconcileOptions::from_config(&config.reconcile);
    opts.tolerance = Tolerance::Percent(30.into());
    let plan = plan(&ledger, &outputs, &opts);
    let outcomes: Vec<&Outcome> = plan.changes.iter().map(|c| &c.outcome).collect();
    assert_eq!(outcomes.len(), 2, "{:#?}", plan.changes);
    assert!(
        matches!(outcomes[0], Outcome::Duplicate { of } if of.line == 31),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[1], Outcome::Updated { amount, .. } if amount.to_string() == "-25.00"),
        "{outcomes:?}"
    );
    assert_eq!(plan.unresolved.len(), 1, "{:?}", plan.unresolved);
    for file in plan.files() {
        let text = std::fs::read_to_string(file).unwrap();
        let new = edit(
            &text,
            file,
            &plan,
            CancelledMode::Comment,
            date("2026-04-05"),
        )
        .unwrap();
        std::fs::write(file, new).unwrap();
    }
    let text = std::fs::read_to_string(&main).unwrap();
    assert!(
        text.contains("  Assets:Bank:Checking        -25.00 EUR\n    gocardless_id: \"PND1\"\n    gocardless_status: \"pending\"\n  ; my own comment\n  Expenses:Fuel     25.00 EUR\n"),
        "{text}"
    );
    assert!(
        text.contains("2026-04-02 balance Assets:Bank:Checking   975.00 EUR"),
        "{text}"
    );
    assert!(text.contains("2026-04-02 ! \"Bakery\""), "{text}");
    test_support::bean_check::file(&main);
}

#[test]
fn a_file_changed_since_it_was_read_is_refused() {
    let dir = copy();
    let config = config();
    let main = dir.path().join("main.beancount");
    let ledger = Ledger::load(&[&main]).unwrap();
    let records = bank_now();
    let plan = plan(
        &ledger,
        &converted(&config, &ledger, &records),
        &ReconcileOptions::from_config(&config.reconcile),
    );
    // The user added a line at the top meanwhile: lines moved.
    let text = format!("; new\n{}", std::fs::read_to_string(&main).unwrap());
    let err = edit(
        &text,
        &main,
        &plan,
        CancelledMode::Comment,
        date("2026-04-05"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("run reconcile again"), "{err}");
}

#[test]
fn an_entry_whose_postings_cannot_follow_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.beancount");
    let text = "2026-01-01 open Assets:Bank:Checking EUR\n2026-01-01 open Expenses:Fuel\n\
                2026-01-01 open Expenses:Snacks\n\n\
                2026-04-01 ! \"Shell\" \"split by hand\"\n  Assets:Bank:Checking  -23.50 EUR\n    \
                gocardless_id: \"PND1\"\n    gocardless_status: \"pending\"\n  Expenses:Fuel  20.00 EUR\n  \
                Expenses:Snacks  3.50 EUR\n";
    std::fs::write(&main, text).unwrap();
    let config = config();
    let ledger = Ledger::load(&[&main]).unwrap();
    let records = vec![tx("B1", Status::Booked, "2026-04-02", "-27.00", "Shell")];
    let plan = plan(
        &ledger,
        &converted(&config, &ledger, &records),
        &ReconcileOptions::from_config(&config.reconcile),
    );
    assert!(plan.is_empty(), "{:?}", plan.changes);
    let refused: Vec<String> = plan.refused.iter().map(|r| r.to_string()).collect();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].contains("main.beancount:5: not reconciled")
            && refused[0]
                .contains("the bank booked it on 2026-04-02 as -27.00 EUR: edit it by hand"),
        "{refused:?}"
    );
}
