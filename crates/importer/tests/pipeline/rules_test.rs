//! `rules test` on the example bank data (examples/nordlicht): the report
//! is snapshot-tested, and the entries it shows pass bean-check.

use std::path::{Path, PathBuf};

use gocardless::files::{self as extract};
use importer::config::{self, Config};
use importer::learn::Model;
use importer::ledger::{Ledger, LedgerOptions};
use importer::rules::Categorizer;
use importer::rules::report::{self, Counts};
use importer::transfer::OwnAccounts;
use test_support::gocardless_data::convert_all_with;

/// The worked example of docs/categorisation.md.
const CONFIG: &str = r#"
defaults:
  currency: EUR
accounts:
  - id: 3f1c2a9e-6d1b-4d7a-9c0e-5b8f2e7a1c01
    name: checking
    account: Assets:Nordlicht:Checking
    rules:
      - name: rent
        if: { payee: "(?i)hausverwaltung", narration: "Miete (\\w+ \\d{4})" }
        account: Expenses:Housing:Rent
        narration: "Rent $1"
  - id: 7b0d4e21-93aa-4f5c-8e62-1d9c0b3f4a02
    name: savings
    account: Assets:Nordlicht:Savings
    rules:
      - if: { payee: "^$", amount: "0..20" }
        account: Income:Interest
        narration: Interest
  - id: c5e8f3b7-2a41-4b9d-a0c6-6e7f1d2b9c03
    name: card
    account: Liabilities:Nordlicht:Visa
rules:
  - name: salary
    if: { iban: "DE02 1203 0000 0000 2020 51", amount: "> 1000" }
    account: Income:Salary
    payee: Acme Analytics
    tags: [salary]
  - name: card bill
    if: { text: "(?i)kreditkartenabrechnung (\\d\\d/\\d{4})", account: checking }
    account: Liabilities:Nordlicht:Visa
    narration: "Visa statement $1"
  - name: rail
    if: { mcc: "^4112$" }
    account: Expenses:Transport:Rail
  - name: fees
    if: { payee: "^$", amount: "-10..0" }
    account: Expenses:Bank:Fees
    metadata: { review: "no" }
learn: { min_confidence: 0.8, mark: true }
"#;

/// Some history to learn from: bakeries, books and coffee.
const HISTORY: &str = r#"
2025-01-01 open Assets:Nordlicht:Checking
2025-01-01 open Liabilities:Nordlicht:Visa
2025-01-01 open Expenses:Food:Groceries
2025-01-01 open Expenses:Food:Coffee
2025-01-01 open Expenses:Books
2025-06-02 * "REWE Markt GmbH" "Einkauf"
  Assets:Nordlicht:Checking  -51.20 EUR
  Expenses:Food:Groceries
2025-07-02 * "REWE Markt GmbH" "Einkauf"
  Assets:Nordlicht:Checking  -33.10 EUR
  Expenses:Food:Groceries
2025-08-02 * "REWE Markt GmbH" ""
  Assets:Nordlicht:Checking  -12.99 EUR
  Expenses:Food:Groceries
2025-09-14 * "Bluebird Coffee" "CARD 13.09 BLUEBIRD COFFEE BERLIN"
  Assets:Nordlicht:Checking  -4.20 EUR
  Expenses:Food:Coffee
2025-10-14 * "Bluebird Coffee" "CARD 13.10 BLUEBIRD COFFEE BERLIN"
  Assets:Nordlicht:Checking  -4.40 EUR
  Expenses:Food:Coffee
2025-11-14 * "Coffee Fellows" "CARD 13.11 COFFEE FELLOWS"
  Assets:Nordlicht:Checking  -3.90 EUR
  Expenses:Food:Coffee
2025-11-20 * "Waterstones" "books"
  Liabilities:Nordlicht:Visa  -18.00 EUR
  Expenses:Books
2025-12-20 * "Dussmann Bookshop" "books"
  Liabilities:Nordlicht:Visa  -21.00 EUR
  Expenses:Books
"#;

fn examples() -> PathBuf {
    test_support::paths::workspace().join("examples/nordlicht")
}

fn setup() -> (Config, Categorizer, Vec<extract::StoredResponses>) {
    let config = config::from_str(CONFIG, "categorisation.yaml").unwrap_or_else(|e| panic!("{e}"));
    let ledger = Ledger::from_source(
        Path::new("history.bean"),
        HISTORY,
        &LedgerOptions::default(),
    )
    .unwrap();
    let own: OwnAccounts = [
        ("DE89370400440532013000", "Assets:Nordlicht:Checking"),
        ("DE44500105175407324931", "Assets:Nordlicht:Savings"),
    ]
    .into_iter()
    .collect();
    let categorizer = Categorizer::new(&config)
        .with_model(Model::from_ledger(&ledger, &config))
        .with_own_accounts(own);
    let data = extract::load_files(&[examples()]).unwrap();
    (config, categorizer, data)
}

fn today() -> chrono::NaiveDate {
    "2026-04-01".parse().unwrap()
}

#[test]
fn rules_test_report_on_the_example_data() {
    let (config, categorizer, data) = setup();
    let mut run = importer::Run::new(&config, None, today());
    run.categorizer = categorizer;
    run.decisions = importer::Decisions::All;
    let prepared = extract::Prepared::new(&config, &data);
    let report = report::test(&run.convert(&prepared.inputs(|_| None)));
    let text = report.to_string();
    insta::assert_snapshot!("rules_test_nordlicht", text);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let c = report.counts();
    assert!(
        c.rule >= 8 && c.learned >= 2 && c.transfer >= 2 && c.fallback >= 1,
        "{c:?}"
    );
    assert_eq!(c, Counts { skipped: 0, ..c });
    // Every entry shown, together, is a valid ledger (transfers show on
    // both sides here, so check each account's entries on their own).
    for a in &report.accounts {
        let entries: String = a
            .items
            .iter()
            .filter_map(|i| i.entry.clone())
            .collect::<Vec<_>>()
            .join("\n");
        let opens: String = test_support::bean_check::accounts_in(&entries)
            .iter()
            .map(|a| format!("2000-01-01 open {a}\n"))
            .collect();
        test_support::bean_check::text(&format!("{opens}\n{entries}"));
    }
}

#[test]
fn the_example_imports_with_transfers_merged() {
    let (config, categorizer, data) = setup();
    let out = convert_all_with(&config, &data, today(), &categorizer);
    test_support::bean_check::text(&out.text);
    // The savings transfer and the card bill each come out once.
    assert_eq!(
        out.text.matches("Sparen Februar").count(),
        1,
        "{}",
        out.text
    );
    assert_eq!(
        out.text.matches("Visa statement 02/2026").count(),
        1,
        "{}",
        out.text
    );
}
