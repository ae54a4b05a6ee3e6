//! The seam a new source plugs into: transactions built by hand, as a
//! source's adapter builds them, through the whole pipeline (conversion
//! with rules, deduplication against a ledger, printing) with no
//! GoCardless type involved, and the output appended to the ledger passes
//! `bean-check`.

use chrono::NaiveDate;
use importer::ledger::{Ledger, LedgerOptions};
use importer::{Balance, BalanceKind, BankTransaction, Input, Run, Statement, Status, config};

const CONFIG: &str = r#"
sources:
  bank: { provider: examplebank }
accounts:
  - id: chk-1
    source: bank
    account: Assets:Example:Checking
    currency: USD
rules:
  - if: { payee: "(?i)grocer" }
    account: Expenses:Groceries
"#;

/// A ledger that opens the example account, with one imported entry and
/// one typed by hand (also used by the balance tests).
pub(crate) const LEDGER: &str = r#"option "operating_currency" "USD"

2026-01-01 open Equity:Opening-Balances
2026-01-01 open Assets:Example:Checking USD
2026-01-01 open Expenses:Food

2026-01-01 * "Opening balance"
  Assets:Example:Checking   100.00 USD
  Equity:Opening-Balances

2026-03-01 * "Diner" "Lunch"
  Assets:Example:Checking   -10.00 USD
    example_id: "t1"
  Expenses:Food

2026-03-03 * "Cafe" "typed by hand"
  Assets:Example:Checking    -5.00 USD
  Expenses:Food
"#;

pub(crate) fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The example bank's statement of the configuration's account.
fn example_bank<'a>(
    config: &'a config::Config,
    records: &'a Vec<BankTransaction>,
    balances: &'a [Balance],
) -> Input<'a> {
    Input {
        account: &config.accounts[0],
        statement: Statement {
            source: "Example Bank",
            id_key: "example_id",
            records,
            balances,
            fetched_at: None,
        },
        adjust: None,
    }
}

/// A USD card payment of the example bank.
pub(crate) fn tx(
    id: &str,
    status: Status,
    day: &str,
    amount: &str,
    payee: &str,
) -> BankTransaction {
    let mut t = BankTransaction::new(status, amount.parse().unwrap(), "USD");
    t.booking_date = Some(date(day));
    t.ids.transaction_id = Some(id.to_owned());
    t.payee = Some(payee.to_owned());
    t.narration = Some(format!("card payment {id}"));
    t.raw = format!(r#"{{"id": "{id}"}}"#).into();
    t
}

#[test]
fn hand_built_transactions_go_through_the_whole_pipeline() {
    let config = config::from_str(CONFIG, "c.yaml").unwrap();
    assert_eq!(config.accounts[0].source, "bank");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.beancount");
    std::fs::write(&path, LEDGER).unwrap();

    let records = vec![
        // Imported before: left out by its id.
        tx("t1", Status::Booked, "2026-03-01", "-10.00", "Diner"),
        tx(
            "t2",
            Status::Booked,
            "2026-03-02",
            "-20.00",
            "Corner Grocer",
        ),
        // Typed by hand a day earlier: left out by amount and date.
        tx("t3", Status::Booked, "2026-03-04", "-5.00", "Cafe"),
        tx("t4", Status::Pending, "2026-03-05", "-7.00", "Kiosk"),
    ];
    let balances = vec![Balance {
        kind: BalanceKind::ClosingBooked,
        amount: "65.00".parse().unwrap(),
        currency: "USD".into(),
        reference_date: Some(date("2026-03-04")),
        last_change: None,
        fetched_at: None,
    }];
    let import = || {
        let ledger = Ledger::load_with(
            std::slice::from_ref(&path),
            &LedgerOptions {
                id_keys: vec!["example_id".into()],
            },
        )
        .unwrap();
        let run = Run::new(&config, Some(&ledger), date("2026-03-05"));
        run.import(&[example_bank(&config, &records, &balances)])
    };

    let first = import();
    let text = &first.text();
    assert!(text.contains("(Example Bank account id chk-1)"), "{text}");
    assert!(text.contains("example_id: \"t2\""), "{text}");
    assert!(text.contains("  Expenses:Groceries"), "{text}");
    assert!(text.contains("example_id: \"t4\""), "{text}");
    assert!(
        !text.contains("\"t1\"") && !text.contains("\"t3\""),
        "{text}"
    );
    assert!(
        text.contains("2026-03-05 balance Assets:Example:Checking"),
        "{text}"
    );
    assert!(text.contains("open Expenses:Groceries"), "{text}");
    assert_eq!(first.duplicates.len(), 2);
    let mut ledger = std::fs::read_to_string(&path).unwrap();
    ledger.push('\n');
    ledger.push_str(text);
    std::fs::write(&path, ledger).unwrap();
    test_support::bean_check::file(&path);

    // The same data again: nothing new.
    let again = import();
    assert_eq!(again.text(), "", "{}", again.text());
}

/// A bank preset's balance choice ([`importer::Adjust::balance`]) decides
/// which reported balance is asserted when the account says `auto`:
/// here a card whose bank reports the credit used as `expected`, positive,
/// and what is not yet invoiced apart.
#[test]
fn a_preset_chooses_the_balance_to_assert() {
    struct Card;
    impl importer::Adjust for Card {
        fn adjust(&self, _: &mut BankTransaction) -> importer::Adjusted {
            importer::Adjusted::Kept
        }
        fn balance(&self) -> Option<importer::BalanceChoice> {
            Some(importer::BalanceChoice {
                order: vec![importer::BalancePick::Reported(BalanceKind::Expected)],
                last_change_first: false,
                negate: true,
                plus: vec![BalanceKind::NonInvoiced],
            })
        }
    }
    let config = config::from_str(
        "accounts:\n  - { id: card-1, account: Liabilities:Card, currency: USD }\n",
        "c.yaml",
    )
    .unwrap();
    let records = vec![
        tx("c1", Status::Booked, "2026-03-02", "-30.00", "Grocer"),
        tx("c2", Status::Booked, "2026-03-03", "-12.50", "Diner"),
    ];
    let balance = |kind, amount: &str| Balance {
        kind,
        amount: amount.parse().unwrap(),
        currency: "USD".into(),
        reference_date: Some(date("2026-03-04")),
        last_change: None,
        fetched_at: None,
    };
    // The bank's figures: 40.00 used and invoiced, 2.50 not yet invoiced
    // (reported negative), and a closing balance that means something else.
    let balances = vec![
        balance(BalanceKind::ClosingBooked, "5000.00"),
        balance(BalanceKind::Expected, "40.00"),
        balance(BalanceKind::NonInvoiced, "-2.50"),
    ];
    let run = Run::new(&config, None, date("2026-03-05"));
    let convert = |adjust: Option<&dyn importer::Adjust>| {
        run.import(&[Input {
            account: &config.accounts[0],
            statement: Statement {
                source: "Example Card",
                id_key: "example_id",
                records: &records,
                balances: &balances,
                fetched_at: None,
            },
            adjust,
        }])
        .text()
    };
    let text = convert(Some(&Card));
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("2026-03-04 balance Liabilities:Card -42.50 USD"),
        "{text}"
    );
    assert!(
        text.contains("expected 2026-03-04, negated + nonInvoiced -2.50"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.beancount");
    std::fs::write(&path, &text).unwrap();
    test_support::bean_check::file(&path);

    // Without the preset, the importer's own choice: the closing balance.
    let text = convert(None);
    assert!(text.contains("5000.00 USD"), "{text}");
}

/// Records the pieces it is given; fails from the `fail_at`th on.
struct Pieces {
    pieces: Vec<Vec<u8>>,
    fail_at: Option<usize>,
}

impl std::io::Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.fail_at == Some(self.pieces.len()) {
            return Err(std::io::Error::other("disk full"));
        }
        self.pieces.push(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_large_output_is_written_in_pieces_and_a_write_error_is_returned() {
    let config = config::from_str(CONFIG, "c.yaml").unwrap();
    let records: Vec<BankTransaction> = (0..2_000)
        .map(|i| {
            let day = format!("2026-03-{:02}", 1 + i % 28);
            tx(&format!("t{i}"), Status::Booked, &day, "-1.25", "Shop")
        })
        .collect();
    let run = Run::new(&config, None, date("2026-03-30"));
    let imported = run.import(&[example_bank(&config, &records, &[])]);
    let text = imported.text();
    assert!(text.len() > 200_000, "{}", text.len());

    let mut out = Pieces {
        pieces: Vec::new(),
        fail_at: None,
    };
    imported.write(&mut out).unwrap();
    assert_eq!(out.pieces.concat(), text.as_bytes());
    // Never the whole text at once: pieces of about 64 KiB, each ending
    // after an entry.
    assert!(out.pieces.len() >= 3, "{}", out.pieces.len());
    for p in &out.pieces {
        assert!(p.len() < 70 * 1024, "{}", p.len());
        assert!(p.ends_with(b"\n"));
    }

    let mut failing = Pieces {
        pieces: Vec::new(),
        fail_at: Some(1),
    };
    let err = imported.write(&mut failing).unwrap_err();
    assert_eq!(err.to_string(), "disk full");
    assert_eq!(failing.pieces.len(), 1);
}
