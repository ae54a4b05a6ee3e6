//! Hostile bank data that once broke a ledger: ids with control
//! characters (imported again on every run) and dates Beancount cannot
//! read (written anyway).

use chrono::NaiveDate;
use importer::ledger::{Ledger, LedgerOptions};
use importer::{
    Balance, BalanceKind, BankTransaction, Entry, Input, Run, Statement, Status, config,
};

const CONFIG: &str = "accounts:\n  - { id: a, account: Assets:Bank, currency: EUR }\n";

fn tx(id: &str, date: NaiveDate) -> BankTransaction {
    let mut t = BankTransaction::new(Status::Booked, "-1.00".parse().unwrap(), "EUR");
    t.booking_date = Some(date);
    t.ids.transaction_id = Some(id.to_owned());
    t.payee = Some("Kiosk".into());
    t
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn ids_with_control_characters_are_imported_once() {
    let config = config::from_str(CONFIG, "c.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.bean");
    std::fs::write(
        &path,
        "2020-01-01 open Assets:Bank EUR\n2020-01-01 open Expenses:Uncategorized\n",
    )
    .unwrap();
    let records = vec![
        tx("a\tb", day(2026, 3, 1)),
        tx("c\r\nd", day(2026, 3, 2)),
        tx("e\u{0}f\u{2028}g", day(2026, 3, 3)),
    ];
    for run_number in 0..3 {
        let ledger = Ledger::load_with(
            std::slice::from_ref(&path),
            &LedgerOptions {
                id_keys: vec!["bank_id".into()],
            },
        )
        .unwrap();
        let run = Run::new(&config, Some(&ledger), day(2026, 3, 10));
        let imported = run.import(&[Input {
            account: &config.accounts[0],
            statement: Statement {
                source: "Bank",
                id_key: "bank_id",
                records: &records,
                balances: &[],
                fetched_at: None,
            },
            adjust: None,
        }]);
        if run_number > 0 {
            assert_eq!(imported.text(), "", "run {run_number}: {}", imported.text());
        }
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&imported.text());
        std::fs::write(&path, text).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("bank_id:").count(), 3, "{text}");
    test_support::bean_check::file(&path);
}

#[test]
fn dates_beancount_cannot_read_are_bad_records() {
    let config = config::from_str(CONFIG, "c.yaml").unwrap();
    let records = vec![
        tx("ok", day(2026, 3, 1)),
        tx("year-0", day(0, 1, 1)),
        tx("year-10000", day(10000, 1, 1)),
        tx("year-minus-1", day(-1, 1, 1)),
    ];
    let balances = vec![Balance {
        kind: BalanceKind::ClosingBooked,
        amount: "5.00".parse().unwrap(),
        currency: "EUR".into(),
        reference_date: Some(day(9999, 12, 31)),
        last_change: None,
        fetched_at: None,
    }];
    let run = Run::new(&config, None, day(2026, 3, 10));
    let imported = run.import(&[Input {
        account: &config.accounts[0],
        statement: Statement {
            source: "Bank",
            id_key: "bank_id",
            records: &records,
            balances: &balances,
            fetched_at: None,
        },
        adjust: None,
    }]);
    let out = &imported.outputs[0];
    let invalid = out
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::Invalid(_)))
        .count();
    assert_eq!(invalid, 3, "{}", imported.text());
    assert_eq!(imported.problems().count(), 3);
    assert!(
        imported
            .problems()
            .all(|p| p.reason.contains("outside the years 1 to 9999")),
        "{:?}",
        out.problems
    );
    assert!(
        !imported.text().contains(" balance "),
        "{}",
        imported.text()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bean");
    std::fs::write(&path, imported.text()).unwrap();
    test_support::bean_check::file(&path);
}
