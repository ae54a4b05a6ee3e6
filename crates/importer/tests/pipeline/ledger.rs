//! The ledger reader on real Beancount syntax: everything valid is read,
//! what matching needs is extracted with its location, nothing is fatal
//! but a missing include.

use std::path::Path;

use chrono::NaiveDate;
use importer::ledger::{Ledger, LedgerError, LedgerOptions, MetaValue};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A ledger using every feature the reader does not need, valid for
/// Beancount 3 (checked below with bean-check).
const FEATURES: &str = r#";; -*- mode: org; -*-
option "title" "Feature test"
option "operating_currency" "EUR"
plugin "beancount.plugins.implicit_prices"

* Accounts
** Bank
2020-01-01 open Assets:Bank:Girokonto EUR
2020-01-01 open Assets:Bank:Épargne EUR "STRICT"
  description: "savings"
2020-01-01 open Assets:Broker:Stocks HOOL "FIFO"
2020-01-01 open Expenses:Food
2020-01-01 open Expenses:Café:Öl
2020-01-01 open Income:Salary
2020-01-01 open Equity:Opening-Balances
2020-01-01 commodity HOOL
  name: "Hooli Inc."
2020-01-01 custom "budget" Expenses:Food "monthly" 300.00 EUR

* Transactions
pushtag #trip-2020
pushmeta source: "bank"

2020-01-02 * "Opening"
  Assets:Bank:Girokonto   1,000.00 EUR
  Equity:Opening-Balances

2020-01-03 txn "Café \"Zur Post\"" "Frühstück\nmit \\ Freunden" #food ^rcpt-1
  #extra ^link-2
  category: "food"
  date2: 2020-01-04 ; a date
  amount2: 10.00 EUR
  flagged: TRUE
  Assets:Bank:Girokonto   (-10 - 2.50) EUR ; an expression
    gocardless_id: "gc-1"
  ! Expenses:Café:Öl        12.50 EUR
  Expenses:Food  0 EUR

popmeta source:
poptag #trip-2020

2020-01-04 ! "Only narration"
  Assets:Bank:Girokonto  -5 EUR
    gocardless_status: "pending"
  Expenses:Food

2020-01-05 * "Buy stock"
  Assets:Broker:Stocks    2 HOOL {100.00 EUR}
  Assets:Bank:Girokonto  -200.00 EUR

2020-01-06 * "Sell"
  Assets:Broker:Stocks   -1 HOOL {100.00 EUR} @ 110.00 EUR
  Assets:Bank:Girokonto   110.00 EUR
  Income:Salary          -10.00 EUR

2020-01-07 price HOOL 111.00 EUR
2020-01-07 note Assets:Bank:Girokonto "A note
2020-01-07 * \"that looks like a transaction\""
2020-01-07 event "location" "Paris"
2020-01-07 query "cash" "SELECT account, sum(position) WHERE account ~ 'Bank'"
2020-01-08 pad Assets:Bank:Épargne Equity:Opening-Balances
2020-01-09 balance Assets:Bank:Épargne  50.00 EUR
2020-01-09 balance Assets:Bank:Girokonto  892.50 ~ 0.01 EUR
2020-01-10 close Assets:Bank:Épargne

2020-01-11 * "Foreign" "Card payment in USD"
  Assets:Bank:Girokonto   -8.70 EUR
  Expenses:Food            10.00 USD @@ 8.70 EUR

2020-01-12 * "Multi
line payee" "narration"
  nordref: "py-1"
  Assets:Bank:Girokonto   -1 EUR
  Expenses:Food
"#;

fn features() -> Ledger {
    Ledger::from_source(
        Path::new("features.bean"),
        FEATURES,
        &LedgerOptions::default(),
    )
    .unwrap()
}

#[test]
fn feature_ledger_is_valid_beancount() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("features.bean");
    std::fs::write(&path, FEATURES).unwrap();
    test_support::bean_check::file(&path);
}

#[test]
fn reads_a_ledger_full_of_features_without_skipping_anything() {
    let ledger = features();
    let skipped: Vec<String> = ledger.skipped_locations().map(|l| l.to_string()).collect();
    assert_eq!(ledger.skipped_lines(), 0, "skipped: {skipped:?}");
    let narrations: Vec<&str> = ledger.transactions().map(|t| t.narration()).collect();
    assert_eq!(
        narrations,
        [
            "Opening",
            "Frühstück\nmit \\ Freunden",
            "Only narration",
            "Buy stock",
            "Sell",
            "Card payment in USD",
            "narration"
        ]
    );
    assert_eq!(ledger.opens().len(), 7);
    let close = ledger.closes().next().unwrap();
    assert_eq!(close.account, "Assets:Bank:Épargne");
    assert_eq!(close.location.to_string(), "features.bean:64");
    assert_eq!(
        ledger.open_date("Expenses:Café:Öl"),
        Some(date("2020-01-01"))
    );
    assert_eq!(ledger.open_date("Expenses:Unknown"), None);
}

#[test]
fn extracts_a_transaction_completely() {
    let ledger = features();
    let t = ledger.transactions().nth(1).unwrap();
    assert_eq!(t.location().to_string(), "features.bean:28");
    assert_eq!(t.date(), date("2020-01-03"));
    assert_eq!(t.flag(), '*');
    assert_eq!(t.payee(), Some("Café \"Zur Post\""));
    let mut tags: Vec<&str> = t.tags().collect();
    tags.sort();
    assert_eq!(tags, ["extra", "food", "trip-2020"]);
    assert_eq!(t.links().collect::<Vec<_>>(), ["rcpt-1", "link-2"]);
    let meta: Vec<_> = t.meta().collect();
    assert_eq!(
        meta,
        [
            ("category", MetaValue::String("food")),
            ("date2", MetaValue::Raw("2020-01-04")),
            ("amount2", MetaValue::Raw("10.00 EUR")),
            ("flagged", MetaValue::Raw("TRUE")),
            ("source", MetaValue::String("bank")),
        ]
    );
    let postings: Vec<_> = t.postings().collect();
    assert_eq!(postings.len(), 3);
    assert_eq!(postings[0].account(), "Assets:Bank:Girokonto");
    assert_eq!(postings[0].number(), Some(d("-12.50")));
    assert_eq!(postings[0].currency(), Some("EUR"));
    assert_eq!(postings[0].flag(), None);
    assert_eq!(
        postings[0].meta_value("gocardless_id"),
        Some(MetaValue::String("gc-1"))
    );
    assert!(postings[0].has_own_id());
    assert_eq!(postings[1].account(), "Expenses:Café:Öl");
    assert_eq!(postings[1].flag(), Some('!'));
    assert_eq!(postings[1].meta().count(), 0);
    assert_eq!(postings[2].number(), Some(Decimal::ZERO));
}

#[test]
fn push_and_pop_apply_between_them_only() {
    let ledger = features();
    let opening = ledger.transactions().next().unwrap();
    assert_eq!(opening.tags().collect::<Vec<_>>(), ["trip-2020"]);
    assert_eq!(
        opening.meta_value("source"),
        Some(MetaValue::String("bank"))
    );
    let after = ledger.transactions().nth(2).unwrap();
    assert_eq!(after.tags().count(), 0);
    assert_eq!(after.meta().count(), 0);
    assert!(after.is_pending());
    assert_eq!(after.payee(), None);
    assert_eq!(after.postings().nth(1).unwrap().number(), None);
}

#[test]
fn costs_prices_and_multi_line_strings() {
    let ledger = features();
    let buy = ledger.transactions().nth(3).unwrap();
    let stock = buy.postings().next().unwrap();
    assert_eq!(
        (stock.number(), stock.currency()),
        (Some(d("2")), Some("HOOL"))
    );
    let foreign = ledger.transactions().nth(5).unwrap();
    let usd = foreign.postings().nth(1).unwrap();
    assert_eq!(
        (usd.number(), usd.currency()),
        (Some(d("10.00")), Some("USD"))
    );
    let multi = ledger.transactions().nth(6).unwrap();
    assert_eq!(multi.payee(), Some("Multi\nline payee"));
    assert_eq!(multi.location().to_string(), "features.bean:70");
    // The note's string swallowed a line that looks like a transaction.
    assert_eq!(ledger.transactions().len(), 7);
}

#[test]
fn balances_and_ids() {
    let ledger = features();
    let balances: Vec<_> = ledger.balances().collect();
    assert_eq!(balances.len(), 2);
    assert_eq!(balances[1].account, "Assets:Bank:Girokonto");
    assert_eq!(balances[1].number, d("892.50"));
    assert_eq!(balances[1].currency, "EUR");
    assert_eq!(balances[1].location.line, 63);
    assert!(ledger.has_balance("Assets:Bank:Girokonto", date("2020-01-09")));
    assert!(!ledger.has_balance("Assets:Bank:Girokonto", date("2020-01-10")));

    let by_id: Vec<_> = ledger
        .postings_with_id("Assets:Bank:Girokonto", "gc-1")
        .collect();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].transaction().location().line, 28);
    assert_eq!(
        ledger.postings_with_id("Expenses:Café:Öl", "gc-1").count(),
        0
    );
    // nordref on the transaction stands for its postings.
    let nordref: Vec<_> = ledger
        .postings_with_id("Assets:Bank:Girokonto", "py-1")
        .collect();
    assert_eq!(nordref.len(), 1);
    assert!(nordref[0].has_own_id());
    assert_eq!(
        ledger.last_imported("Assets:Bank:Girokonto"),
        Some(date("2020-01-12"))
    );
    assert_eq!(ledger.last_imported("Expenses:Food"), None);
}

#[test]
fn pads_tolerances_and_priced_postings() {
    let ledger = features();
    let pads: Vec<_> = ledger.pads().collect();
    assert_eq!(pads.len(), 1);
    assert_eq!(pads[0].date, date("2020-01-08"));
    assert_eq!(pads[0].account, "Assets:Bank:Épargne");
    assert_eq!(pads[0].source_account, "Equity:Opening-Balances");
    assert_eq!(pads[0].location.to_string(), "features.bean:61");
    let balances: Vec<_> = ledger.balances().collect();
    assert_eq!(balances[0].tolerance, None);
    assert_eq!(balances[1].tolerance, Some(d("0.01")));
    // Costs and prices are seen; a plain posting, or `@` in a comment, is not.
    let priced: Vec<Vec<bool>> = ledger
        .transactions()
        .map(|t| t.postings().map(|p| p.has_cost_or_price()).collect())
        .collect();
    assert_eq!(priced[3], [true, false]);
    assert_eq!(priced[4], [true, false, false]);
    assert_eq!(priced[5], [false, true]);
    assert_eq!(priced[0], [false, false]);
    let text = "2020-01-01 * \"x\"\n  Assets:A  1 EUR ; paid @ the shop {x}\n  Assets:B\n\n\
                2020-01-02 pad Assets:A\n2020-01-02 pad Assets:A Equity:X ; why\n";
    let ledger = Ledger::from_source(Path::new("p.bean"), text, &LedgerOptions::default()).unwrap();
    let first = ledger.transactions().next().unwrap();
    assert!(!first.postings().next().unwrap().has_cost_or_price());
    // A pad without its source account is not understood, and skipped.
    assert_eq!(ledger.pads().len(), 1);
    assert_eq!(ledger.pads().next().unwrap().location.line, 6);
    assert_eq!(ledger.skipped_lines(), 1);
}

#[test]
fn content_candidates_leave_out_imported_postings_unless_pending() {
    let ledger = features();
    let girokonto = "Assets:Bank:Girokonto";
    // Typed by hand: a candidate.
    let hand: Vec<_> = ledger
        .content_candidates(girokonto, d("-200"), "EUR")
        .collect();
    assert_eq!(hand.len(), 1);
    assert_eq!(hand[0].transaction().narration(), "Buy stock");
    // Imported (gocardless_id): not a candidate.
    assert_eq!(
        ledger
            .content_candidates(girokonto, d("-12.5"), "EUR")
            .count(),
        0
    );
    // Pending: a candidate even though the number is written `-5`.
    assert_eq!(
        ledger
            .content_candidates(girokonto, d("-5.00"), "EUR")
            .count(),
        1
    );
    assert_eq!(ledger.pending_postings(girokonto).count(), 1);
    assert_eq!(
        ledger
            .content_candidates(girokonto, d("-5.00"), "USD")
            .count(),
        0
    );
}

#[test]
fn pending_is_the_status_never_the_flag() {
    let text = "2020-01-01 ! \"Review\" \"flagged by a rule\"\n  Assets:A  -7 EUR\n    gocardless_id: \"b-1\"\n  Assets:B\n\n\
                2020-01-02 * \"Card\" \"pending, flagged * by a rule\"\n  Assets:A  -3 EUR\n    gocardless_id: \"p-1\"\n    gocardless_status: \"pending\"\n  Assets:B\n\n\
                2020-01-03 * \"Python\" \"status on the transaction\"\n  nordref: \"n-1\"\n  nordref_status: \"pending\"\n  Assets:A  -4 EUR\n  Assets:B\n";
    let ledger = Ledger::from_source(Path::new("l.bean"), text, &LedgerOptions::default()).unwrap();
    let pending: Vec<bool> = ledger.transactions().map(|t| t.is_pending()).collect();
    assert_eq!(pending, [false, true, true]);
    let on_a: Vec<Option<Decimal>> = ledger
        .pending_postings("Assets:A")
        .map(|p| p.number())
        .collect();
    assert_eq!(on_a, [Some(d("-3")), Some(d("-4"))]);
    // The status on a transaction stands for its first posting only.
    assert_eq!(ledger.pending_postings("Assets:B").count(), 0);
    // The booked entry flagged for review is not a content candidate.
    assert_eq!(
        ledger
            .content_candidates("Assets:A", d("-7"), "EUR")
            .count(),
        0
    );
    assert_eq!(
        ledger
            .content_candidates("Assets:A", d("-3"), "EUR")
            .count(),
        1
    );
}

#[test]
fn configurable_id_keys() {
    let text = "2020-01-01 * \"x\"\n  Assets:A  1 EUR\n    bank_ref: \"r-1\"\n  Assets:B\n";
    let options = LedgerOptions {
        id_keys: vec!["bank_ref".into()],
    };
    let ledger = Ledger::from_source(Path::new("a.bean"), text, &options).unwrap();
    assert_eq!(ledger.postings_with_id("Assets:A", "r-1").count(), 1);
    let default =
        Ledger::from_source(Path::new("a.bean"), text, &LedgerOptions::default()).unwrap();
    assert_eq!(default.postings_with_id("Assets:A", "r-1").count(), 0);
}

#[test]
fn unknown_lines_are_skipped_not_fatal() {
    let text = "this is not beancount\n\
                2020-13-45 * \"bad date\"\n  Assets:A  1 EUR\n\n\
                  stray indented line\n\
                2020-01-01 * \"ok\"\n  not a posting\n  Assets:A  1 EUR\n  Assets:B\n\
                2020-01-02 * \"unterminated\n";
    let ledger =
        Ledger::from_source(Path::new("bad.bean"), text, &LedgerOptions::default()).unwrap();
    assert_eq!(ledger.transactions().len(), 1);
    let t = ledger.transactions().next().unwrap();
    assert_eq!(t.narration(), "ok");
    assert_eq!(t.postings().len(), 2);
    let skipped: Vec<u32> = ledger.skipped_locations().map(|l| l.line).collect();
    assert_eq!(skipped, [1, 2, 3, 5, 7, 10]);
}

#[test]
fn crlf_and_bom() {
    let text = "\u{feff}2020-01-01 * \"a\" \"b\"\r\n  Assets:A  1.5 EUR\r\n  Assets:B\r\n";
    let ledger = Ledger::from_source(Path::new("w.bean"), text, &LedgerOptions::default()).unwrap();
    assert_eq!(ledger.skipped_lines(), 0);
    let t = ledger.transactions().next().unwrap();
    assert_eq!((t.payee(), t.narration()), (Some("a"), "b"));
    assert_eq!(t.postings().next().unwrap().currency(), Some("EUR"));
}

#[test]
fn follows_includes_with_globs_relative_to_the_including_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("books/2024")).unwrap();
    std::fs::write(
        root.join("main.bean"),
        "include \"books/accounts.bean\"\ninclude \"books/2024/*.bean\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("books/accounts.bean"),
        "2024-01-01 open Assets:Bank EUR\n2024-01-01 open Expenses:Food\n",
    )
    .unwrap();
    for (name, day) in [("01.bean", "2024-01-05"), ("02.bean", "2024-02-05")] {
        std::fs::write(
            root.join("books/2024").join(name),
            format!("{day} * \"Shop\"\n  Assets:Bank  -1 EUR\n    gocardless_id: \"{name}\"\n  Expenses:Food\n"),
        )
        .unwrap();
    }
    let ledger = Ledger::load(&[root.join("main.bean")]).unwrap();
    assert_eq!(ledger.files().len(), 4, "{:?}", ledger.files());
    assert_eq!(ledger.transactions().len(), 2);
    let found: Vec<_> = ledger.postings_with_id("Assets:Bank", "02.bean").collect();
    let location = found[0].transaction().location();
    assert!(location.path.ends_with("books/2024/02.bean"), "{location}");
    assert_eq!(location.line, 1);
    test_support::bean_check::file(&root.join("main.bean"));

    // A file included twice (here a cycle) is read once.
    let accounts = root.join("books/accounts.bean");
    let mut text = std::fs::read_to_string(&accounts).unwrap();
    text.push_str("include \"../main.bean\"\ninclude \"2024/01.bean\"\n");
    std::fs::write(&accounts, text).unwrap();
    let again = Ledger::load(&[root.join("main.bean")]).unwrap();
    assert_eq!(again.files().len(), 4);
    assert_eq!(again.transactions().len(), 2);

    // The files alone, without loading, are the same list; an `include`
    // inside a multi-line string is text, not a directive.
    let mut text = std::fs::read_to_string(&accounts).unwrap();
    text.push_str("2024-01-02 * \"note\" \"a string\ninclude \"absent.bean\"\"\n");
    std::fs::write(&accounts, text).unwrap();
    assert_eq!(
        Ledger::files_of(&[root.join("main.bean")]).unwrap(),
        Ledger::load(&[root.join("main.bean")]).unwrap().files()
    );
}

#[test]
fn a_missing_include_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.bean");
    std::fs::write(&main, "; header\ninclude \"missing.bean\"\n").unwrap();
    let error = Ledger::load(&[&main]).unwrap_err();
    assert!(matches!(error, LedgerError::Include { line: 2, .. }));
    let message = error.to_string();
    assert!(message.contains("main.bean:2"), "{message}");
    assert!(message.contains("missing.bean"), "{message}");

    std::fs::write(&main, "include \"nothing/*.bean\"\n").unwrap();
    let message = Ledger::load(&[&main]).unwrap_err().to_string();
    assert!(message.contains("matches no file"), "{message}");

    let message = Ledger::load(&[dir.path().join("absent.bean")])
        .unwrap_err()
        .to_string();
    assert!(message.contains("absent.bean"), "{message}");
}

#[test]
fn reads_files_larger_than_a_chunk_with_strings_across_chunks() {
    let mut text = test_support::ledger_gen::synthetic_ledger(6000, 3);
    text.push_str(
        "2030-01-01 * \"multi\nline\" \"x\"\n  Assets:Bank:Checking  1 EUR\n  Income:Salary\n",
    );
    assert!(text.len() > 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bean");
    std::fs::write(&path, &text).unwrap();
    let ledger = Ledger::load(&[&path]).unwrap();
    assert_eq!(ledger.skipped_lines(), 0);
    assert_eq!(ledger.transactions().len(), 6001);
    let from_memory = Ledger::from_source(&path, &text, &LedgerOptions::default()).unwrap();
    let a: Vec<_> = ledger
        .transactions()
        .map(|t| (t.location().line, t.narration().to_owned()))
        .collect();
    let b: Vec<_> = from_memory
        .transactions()
        .map(|t| (t.location().line, t.narration().to_owned()))
        .collect();
    assert_eq!(a, b);
}

#[test]
fn synthetic_ledger_is_valid_beancount() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.bean");
    std::fs::write(&path, test_support::ledger_gen::synthetic_ledger(3000, 5)).unwrap();
    test_support::bean_check::file(&path);
    let ledger = Ledger::load(&[&path]).unwrap();
    assert_eq!(ledger.skipped_lines(), 0);
    assert_eq!(ledger.transactions().len(), 3000);
}

/// Everything the reader extracted, as comparable text.
fn dump(ledger: &Ledger) -> Vec<String> {
    let mut out: Vec<String> = ledger
        .transactions()
        .map(|t| {
            let postings: Vec<String> = t
                .postings()
                .map(|p| {
                    format!(
                        "{} {:?} {:?} {:?}",
                        p.account(),
                        p.number(),
                        p.currency(),
                        p.meta().collect::<Vec<_>>()
                    )
                })
                .collect();
            format!(
                "{} {} {:?} {:?} {:?} {:?} {:?} {postings:?}",
                t.location().line,
                t.date(),
                t.payee(),
                t.narration(),
                t.tags().collect::<Vec<_>>(),
                t.links().collect::<Vec<_>>(),
                t.meta().collect::<Vec<_>>(),
            )
        })
        .collect();
    out.extend(ledger.balances().map(|b| format!("{b:?}")));
    out.extend(ledger.pads().map(|p| format!("{p:?}")));
    out.extend(ledger.opens().map(|o| format!("{o:?}")));
    out
}

#[test]
fn large_files_read_in_two_halves_give_the_same_result() {
    let text = test_support::ledger_gen::synthetic_ledger(25_000, 9);
    assert!(text.len() > 5 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.bean");
    std::fs::write(&path, &text).unwrap();
    let parallel = Ledger::load(&[&path]).unwrap();
    let sequential = Ledger::from_source(&path, &text, &LedgerOptions::default()).unwrap();
    assert_eq!(parallel.skipped_lines(), 0);
    assert_eq!(dump(&parallel), dump(&sequential));
    // The indexes agree too: every id of the second half is found.
    let last = sequential.transactions().last().unwrap();
    let p = last.postings().next().unwrap();
    let id = p.ids().next().unwrap();
    assert_eq!(parallel.postings_with_id(p.account(), id).count(), 1);
    assert_eq!(
        parallel.last_imported("Assets:Bank:Checking"),
        sequential.last_imported("Assets:Bank:Checking")
    );
}

#[test]
fn a_split_inside_a_pushtag_section_falls_back_to_reading_in_order() {
    let body = test_support::ledger_gen::synthetic_ledger(25_000, 4);
    let text = format!("pushtag #everywhere\n{body}poptag #everywhere\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagged.bean");
    std::fs::write(&path, &text).unwrap();
    let parallel = Ledger::load(&[&path]).unwrap();
    assert!(
        parallel
            .transactions()
            .all(|t| t.tags().any(|tag| tag == "everywhere"))
    );
    let sequential = Ledger::from_source(&path, &text, &LedgerOptions::default()).unwrap();
    assert_eq!(dump(&parallel), dump(&sequential));
}

mod read_back {
    use super::*;
    use chrono::NaiveDate;
    use importer::entry::{Amount, Entry, MetaValue as Value, Posting, TransactionEntry};
    use importer::render::{render_entry, sanitize};
    use proptest::prelude::*;

    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\"\\\\\\n\\t a-zé€;#^*!:]{0,40}",
            Just("\"; 2020-01-01 * \\\"fake\\\"\n  Assets:X 1 EUR".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the importer writes, the reader reads back as Beancount
        /// does: the text after the renderer's documented replacements.
        #[test]
        fn rendered_strings_read_back(payee in hostile(), narration in hostile(), note in hostile(), id in hostile()) {
            let mut bank = Posting::new("Assets:Bank");
            bank.units = Some(Amount::new("-1.50".parse().unwrap(), "EUR"));
            bank.meta.push(("gocardless_id".into(), Value::String(id.clone())));
            let entry = TransactionEntry {
                date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                flag: '*',
                payee: Some(payee.clone()),
                narration: narration.clone(),
                tags: vec![],
                links: vec![],
                meta: vec![("note".into(), Value::String(note.clone()))],
                postings: vec![bank, Posting::new("Expenses:Food")],
            };
            let text = render_entry(&Entry::Transaction(entry));
            let ledger = Ledger::from_source(Path::new("p.bean"), &text, &LedgerOptions::default()).unwrap();
            prop_assert_eq!(ledger.skipped_lines(), 0, "{}", text);
            prop_assert_eq!(ledger.transactions().len(), 1, "{}", text);
            let t = ledger.transactions().next().unwrap();
            let payee = sanitize(&payee);
            prop_assert_eq!(t.payee(), Some(payee.as_str()));
            prop_assert_eq!(t.narration(), sanitize(&narration));
            prop_assert_eq!(t.meta_value("note").map(|v| v.as_str().to_owned()), Some(sanitize(&note)));
            let id = sanitize(&id);
            prop_assert_eq!(ledger.postings_with_id("Assets:Bank", &id).count(), 1);
        }
    }
}
