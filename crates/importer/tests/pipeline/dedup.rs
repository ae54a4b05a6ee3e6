//! Deduplication against an existing ledger: what the issue says must show.

use std::path::Path;

use chrono::NaiveDate;
use gocardless::TransactionsResponse;
use importer::config::AccountConfig;
use importer::convert::AccountOutput;
use importer::dedup::{DedupOptions, MatchKind, dedup, fetch_window};
use importer::entry::Entry;
use importer::ledger::{Ledger, LedgerOptions};
use serde_json::{Value, json};
use test_support::gocardless_data::convert_account;

const BANK: &str = "Assets:Bank:Checking";

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn account() -> AccountConfig {
    AccountConfig::new("acc-1", BANK)
}

fn tx(id: Option<&str>, day: &str, amount: &str, creditor: &str) -> Value {
    let mut t = json!({
        "bookingDate": day,
        "valueDate": day,
        "transactionAmount": {"amount": amount, "currency": "EUR"},
        "creditorName": creditor,
        "remittanceInformationUnstructured": format!("Card payment {creditor}"),
    });
    if let Some(id) = id {
        t["transactionId"] = json!(id);
    }
    t
}

fn response(booked: Vec<Value>, pending: Vec<Value>) -> TransactionsResponse {
    serde_json::from_value(json!({"transactions": {"booked": booked, "pending": pending}})).unwrap()
}

fn convert(booked: Vec<Value>, pending: Vec<Value>, today: &str) -> Vec<AccountOutput> {
    vec![convert_account(
        &account(),
        &response(booked, pending),
        None,
        date(today),
    )]
}

fn ledger(text: &str) -> Ledger {
    Ledger::from_source(Path::new("ledger.bean"), text, &LedgerOptions::default()).unwrap()
}

fn transactions(outputs: &[AccountOutput]) -> Vec<&importer::entry::TransactionEntry> {
    outputs
        .iter()
        .flat_map(|o| &o.entries)
        .filter_map(|e| match e {
            Entry::Transaction(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// Appends a run's output to a ledger file, the way `>> ledger.bean` does.
fn append(path: &Path, text: &str) {
    let mut all = std::fs::read_to_string(path).unwrap_or_default();
    all.push('\n');
    all.push_str(text);
    std::fs::write(path, all).unwrap();
}

#[test]
fn importing_the_same_data_twice_gives_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.bean");
    std::fs::write(&path, "").unwrap();
    let data = || {
        convert(
            vec![
                tx(Some("t1"), "2026-03-01", "-12.50", "Bakery"),
                tx(None, "2026-03-02", "-40.00", "Fuel"),
                tx(Some("t3"), "2026-03-03", "2500.00", "Employer"),
            ],
            vec![tx(Some("p1"), "2026-03-04", "-9.99", "Streaming")],
            "2026-03-04",
        )
    };
    let first = dedup(
        data(),
        &Ledger::load(&[&path]).unwrap(),
        &DedupOptions::default(),
    );
    assert_eq!(first.summaries[0].new, 4);
    assert_eq!(first.summaries[0].pending, 1);
    assert!(first.duplicates.is_empty());
    assert!(!first.opens.is_empty());
    append(&path, &first.render());
    test_support::bean_check::file(&path);

    let second = dedup(
        data(),
        &Ledger::load(&[&path]).unwrap(),
        &DedupOptions::default(),
    );
    let s = &second.summaries[0];
    assert_eq!((s.new, s.dup_id, s.dup_content), (0, 4, 0), "{s}");
    assert!(transactions(&second.outputs).is_empty());
    assert!(second.opens.is_empty());
    assert!(second.stale_pending.is_empty());
    append(&path, &second.render());
    test_support::bean_check::file(&path);
    let ledger = Ledger::load(&[&path]).unwrap();
    assert_eq!(ledger.transactions().len(), 4);
}

#[test]
fn pending_booked_under_a_new_id_is_recognised() {
    // Yesterday's run wrote the pending transaction with its pending id.
    let yesterday = convert(
        vec![],
        vec![tx(Some("pending-7"), "2026-03-04", "-23.10", "Restaurant")],
        "2026-03-04",
    );
    let text = dedup(yesterday, &ledger(""), &DedupOptions::default()).render();
    assert!(text.contains("! \"Restaurant\""), "{text}");
    let ledger = ledger(&text);

    // Today the bank lists it booked, a day later, under another id.
    let today = convert(
        vec![tx(Some("booked-9"), "2026-03-05", "-23.10", "Restaurant")],
        vec![],
        "2026-03-05",
    );
    let result = dedup(today, &ledger, &DedupOptions::default());
    assert_eq!(
        result.summaries[0].dup_content, 1,
        "{}",
        result.summaries[0]
    );
    assert_eq!(result.summaries[0].new, 0);
    let d = &result.duplicates[0];
    assert_eq!(d.by, MatchKind::Content);
    assert_eq!(d.id.as_deref(), Some("booked-9"));
    let line = d.ledger.as_ref().unwrap();
    assert_eq!(line.path, Path::new("ledger.bean"));
    assert_eq!(
        ledger.transactions().next().unwrap().location().line,
        line.line
    );
    assert!(d.to_string().contains("by amount and date"), "{d}");
    // It was matched, so it is not stale.
    assert!(result.stale_pending.is_empty());
}

#[test]
fn a_booked_imported_entry_is_not_a_content_candidate() {
    // The ledger holds one payment imported with its id; the bank now shows a
    // second identical one the same day: it is new, not a duplicate.
    let ledger = ledger(
        "2026-03-01 * \"Coffee\" \"\"\n  Assets:Bank:Checking  -3.00 EUR\n    gocardless_id: \"c1\"\n  Expenses:Food\n",
    );
    let outputs = convert(
        vec![
            tx(Some("c1"), "2026-03-01", "-3.00", "Coffee"),
            tx(Some("c2"), "2026-03-01", "-3.00", "Coffee"),
        ],
        vec![],
        "2026-03-02",
    );
    let result = dedup(outputs, &ledger, &DedupOptions::default());
    let s = &result.summaries[0];
    assert_eq!((s.new, s.dup_id, s.dup_content), (1, 1, 0), "{s}");
    assert_eq!(result.duplicates[0].id.as_deref(), Some("c1"));
}

#[test]
fn two_identical_payments_on_one_day_both_come_through_when_the_ledger_has_one() {
    // Typed by hand: one coffee. The bank has two (no ids: content hashes).
    let ledger =
        ledger("2026-03-01 * \"Coffee\"\n  Assets:Bank:Checking  -3.00 EUR\n  Expenses:Food\n");
    let outputs = convert(
        vec![
            tx(None, "2026-03-01", "-3.00", "Coffee"),
            tx(None, "2026-03-01", "-3.00", "Coffee"),
        ],
        vec![],
        "2026-03-02",
    );
    let result = dedup(outputs, &ledger, &DedupOptions::default());
    let s = &result.summaries[0];
    assert_eq!((s.new, s.dup_content), (1, 1), "{s}");
    assert_eq!(transactions(&result.outputs).len(), 1);
}

#[test]
fn content_matching_is_nearest_date_first_and_within_the_window() {
    let ledger = ledger(
        "2026-03-01 * \"a\"\n  Assets:Bank:Checking  -5 EUR\n  Expenses:Food\n\n\
         2026-03-06 * \"b\"\n  Assets:Bank:Checking  -5 EUR\n  Expenses:Food\n",
    );
    // 03-04 is 3 days from both; 03-05 is nearer to the 03-06 entry, which
    // it takes, leaving the 03-01 one for 03-04. 03-10 is out of the window.
    let outputs = convert(
        vec![
            tx(Some("x"), "2026-03-04", "-5.00", "Shop"),
            tx(Some("y"), "2026-03-05", "-5.00", "Shop"),
            tx(Some("z"), "2026-03-10", "-5.00", "Shop"),
        ],
        vec![],
        "2026-03-11",
    );
    let result = dedup(outputs, &ledger, &DedupOptions::default());
    let matched: Vec<(Option<&str>, u32)> = result
        .duplicates
        .iter()
        .map(|d| (d.id.as_deref(), d.ledger.as_ref().unwrap().line))
        .collect();
    assert_eq!(matched, [(Some("x"), 1), (Some("y"), 5)]);
    assert_eq!(result.summaries[0].new, 1);

    let narrow = DedupOptions {
        window_days: 0,
        ..DedupOptions::default()
    };
    let outputs = convert(
        vec![tx(Some("x"), "2026-03-02", "-5.00", "Shop")],
        vec![],
        "2026-03-11",
    );
    assert_eq!(dedup(outputs, &ledger, &narrow).summaries[0].new, 1);
}

#[test]
fn ids_written_by_the_python_importer_are_recognised() {
    // beancount-gocardless writes `nordref` in the transaction metadata of a
    // single-posting entry; users complete the counter posting themselves.
    let ledger = ledger(
        "2026-02-27 * \"Bakery\" \"Card payment Bakery\"\n  nordref: \"t1\"\n  Assets:Bank:Checking  -12.50 EUR\n  Expenses:Food\n",
    );
    let outputs = convert(
        vec![
            tx(Some("t1"), "2026-03-01", "-12.50", "Bakery"),
            tx(Some("t2"), "2026-03-01", "-12.50", "Bakery"),
        ],
        vec![],
        "2026-03-02",
    );
    let result = dedup(outputs, &ledger, &DedupOptions::default());
    let s = &result.summaries[0];
    // t2 is not swallowed by content: the nordref entry is an imported one.
    assert_eq!((s.new, s.dup_id, s.dup_content), (1, 1, 0), "{s}");
    assert_eq!(result.duplicates[0].by, MatchKind::Id);
    assert_eq!(result.duplicates[0].ledger.as_ref().unwrap().line, 1);
}

#[test]
fn a_pending_entry_of_the_same_source_under_another_id_in_its_metadata_never_matches() {
    // A source that writes its ids in the entry's metadata (GoCardless Pro
    // payouts: `gocardless_payout_id`, the same id pending and paid).
    let options = LedgerOptions {
        id_keys: vec!["payout_id".to_owned()],
    };
    let ledger = Ledger::from_source(
        Path::new("ledger.bean"),
        "2026-03-02 ! \"Payout 1\"\n  payout_id: \"P1\"\n  Assets:Transfers  9.80 EUR\n  Income:Sales\n\n\
         2026-03-02 ! \"Typed by hand, pending\"\n  Assets:Transfers  5.00 EUR\n  Income:Sales\n",
        &options,
    )
    .unwrap();
    let entry = |id: &str, amount: &str| {
        Entry::Transaction(importer::entry::TransactionEntry {
            date: date("2026-03-03"),
            flag: '*',
            payee: None,
            narration: format!("Payout {id}"),
            tags: Vec::new(),
            links: Vec::new(),
            meta: vec![(
                "payout_id".to_owned(),
                importer::entry::MetaValue::String(id.to_owned()),
            )],
            postings: vec![
                importer::entry::Posting {
                    units: Some(importer::entry::Amount::new(amount.parse().unwrap(), "EUR")),
                    ..importer::entry::Posting::new("Assets:Transfers")
                },
                importer::entry::Posting::new("Income:Sales"),
            ],
        })
    };
    let output = AccountOutput {
        account: AccountConfig::new("payouts", "Assets:Transfers"),
        source: "Payouts".to_owned(),
        id_key: "payout_id".to_owned(),
        entries: vec![entry("P2", "9.80"), entry("P3", "5.00")],
        problems: Vec::new(),
        categorized: Vec::new(),
        notes: Vec::new(),
        aliases: Default::default(),
    };
    let result = dedup(vec![output], &ledger, &DedupOptions::default());
    let s = &result.summaries[0];
    // P2, of P1's amount, is another payout; P3 matches the pending entry
    // typed by hand, which carries no id.
    assert_eq!((s.new, s.dup_id, s.dup_content), (1, 0, 1), "{s}");
    assert_eq!(result.duplicates[0].id.as_deref(), Some("P3"));
    assert_eq!(result.duplicates[0].by, MatchKind::Content);
    assert_eq!(result.duplicates[0].ledger.as_ref().unwrap().line, 6);
}

#[test]
fn the_same_transaction_twice_in_a_batch_comes_out_once() {
    let t = tx(Some("dup"), "2026-03-01", "-1.00", "Kiosk");
    let outputs = convert(vec![t.clone(), t], vec![], "2026-03-02");
    let result = dedup(outputs, &ledger(""), &DedupOptions::default());
    let s = &result.summaries[0];
    assert_eq!((s.new, s.dup_batch), (1, 1), "{s}");
    assert_eq!(result.duplicates[0].by, MatchKind::Batch);
    assert!(result.duplicates[0].ledger.is_none());
}

#[test]
fn balance_assertions_are_not_repeated() {
    let balances: gocardless::BalancesResponse = serde_json::from_value(json!({
        "balances": [{
            "balanceAmount": {"amount": "100.00", "currency": "EUR"},
            "balanceType": "closingBooked",
            "referenceDate": "2026-03-04"
        }]
    }))
    .unwrap();
    let run = || {
        vec![convert_account(
            &account(),
            &response(vec![tx(Some("t1"), "2026-03-01", "-1.00", "Kiosk")], vec![]),
            Some(&balances),
            date("2026-03-05"),
        )]
    };
    let first = dedup(run(), &ledger(""), &DedupOptions::default());
    let text = first.render();
    assert!(
        text.contains("2026-03-05 balance Assets:Bank:Checking"),
        "{text}"
    );
    let ledger = ledger(&text);
    assert!(ledger.has_balance(BANK, date("2026-03-05")));
    let second = dedup(run(), &ledger, &DedupOptions::default());
    assert_eq!(second.summaries[0].balances_known, 1);
    assert!(
        !second.render().contains(" balance "),
        "{}",
        second.render()
    );
}

#[test]
fn stale_pending_entries_are_reported_with_their_location() {
    let ledger = ledger(
        "2026-03-03 ! \"Taxi\" \"Card payment Taxi\"\n  Assets:Bank:Checking  -18.00 EUR\n    gocardless_id: \"p-taxi\"\n    gocardless_status: \"pending\"\n  Expenses:Transport\n\n\
         2026-01-03 ! \"Old\" \"outside the window\"\n  Assets:Bank:Checking  -1.00 EUR\n    gocardless_status: \"pending\"\n  Expenses:Transport\n\n\
         2026-03-04 ! \"Review\" \"flagged by a rule, booked\"\n  Assets:Bank:Checking  -2.00 EUR\n    gocardless_id: \"b-review\"\n  Expenses:Transport\n",
    );
    // The taxi booked with a tip: another amount, another id.
    let outputs = convert(
        vec![tx(Some("b-taxi"), "2026-03-04", "-21.00", "Taxi")],
        vec![],
        "2026-03-05",
    );
    let mut opts = DedupOptions::default();
    opts.fetched
        .insert(BANK.to_owned(), (date("2026-02-28"), date("2026-03-05")));
    let result = dedup(outputs, &ledger, &opts);
    assert_eq!(result.summaries[0].new, 1);
    assert_eq!(result.stale_pending.len(), 1);
    let stale = &result.stale_pending[0];
    assert_eq!(stale.ledger.to_string(), "ledger.bean:1");
    assert_eq!(stale.description, "Taxi");
    assert!(stale.to_string().contains("stale pending"), "{stale}");
    assert!(stale.to_string().contains("reconcile"), "{stale}");
    assert!(!stale.to_string().contains("delete"), "{stale}");

    // The window does not reach back to every day the taxi could have
    // booked on (the match window before it): nothing is said.
    let outputs = convert(
        vec![tx(Some("b-taxi"), "2026-03-04", "-21.00", "Taxi")],
        vec![],
        "2026-03-05",
    );
    let mut opts = DedupOptions::default();
    opts.fetched
        .insert(BANK.to_owned(), (date("2026-03-01"), date("2026-03-05")));
    assert!(
        dedup(outputs.clone(), &ledger, &opts)
            .stale_pending
            .is_empty()
    );
    // Nor when the fetched window is not known (data from the store).
    let result = dedup(outputs, &ledger, &DedupOptions::default());
    assert!(result.stale_pending.is_empty());
}

#[test]
fn mark_duplicates_comments_them_out_under_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.bean");
    let data = || {
        convert(
            vec![tx(
                Some("t1"),
                "2026-03-01",
                "-12.50",
                "Bakery \"Zum Korn\"",
            )],
            vec![],
            "2026-03-02",
        )
    };
    std::fs::write(
        &path,
        dedup(data(), &ledger(""), &DedupOptions::default()).render(),
    )
    .unwrap();
    let opts = DedupOptions {
        mark_duplicates: true,
        ..DedupOptions::default()
    };
    let ledger = Ledger::load(&[&path]).unwrap();
    let line = ledger.transactions().next().unwrap().location().line;
    let text = dedup(data(), &ledger, &opts).render();
    let expected = format!(
        "; duplicate of {}:{line}\n; 2026-03-01 * \"Bakery \\\"Zum Korn\\\"\"",
        path.display()
    );
    assert!(text.contains(&expected), "{text}");
    assert!(text.contains(";     gocardless_id: \"t1\""), "{text}");
    append(&path, &text);
    test_support::bean_check::file(&path);
    assert_eq!(Ledger::load(&[&path]).unwrap().transactions().len(), 1);
}

#[test]
fn open_directives_for_accounts_the_ledger_lacks() {
    let ledger = ledger("2020-01-01 open Assets:Bank:Checking EUR\n");
    let outputs = convert(
        vec![
            tx(Some("a"), "2026-03-02", "-1.00", "Kiosk"),
            tx(Some("b"), "2026-03-01", "5.00", "Friend"),
        ],
        vec![],
        "2026-03-03",
    );
    let result = dedup(outputs.clone(), &ledger, &DedupOptions::default());
    let opens: Vec<(String, NaiveDate)> = result
        .opens
        .iter()
        .map(|e| match e {
            Entry::Open(o) => (o.account.clone(), o.date),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        opens,
        [
            ("Expenses:Uncategorized".to_owned(), date("2026-03-02")),
            ("Income:Uncategorized".to_owned(), date("2026-03-01")),
        ]
    );
    let off = DedupOptions {
        write_opens: false,
        ..DedupOptions::default()
    };
    assert!(dedup(outputs, &ledger, &off).opens.is_empty());
}

#[test]
fn the_fetch_window_starts_at_the_last_imported_date_minus_the_match_window() {
    let ledger = ledger(
        "2026-03-01 * \"x\"\n  Assets:Bank:Checking  -1 EUR\n    gocardless_id: \"a\"\n  Expenses:Food\n\n\
         2026-03-09 * \"typed by hand, not imported\"\n  Assets:Bank:Checking  -1 EUR\n  Expenses:Food\n",
    );
    let opts = DedupOptions::default();
    let today = date("2026-03-10");
    let w = fetch_window(&account(), Some(&ledger), today, None, &opts);
    assert_eq!((w.from, w.to), (date("2026-02-26"), today));
    assert_eq!(w.last_imported, Some(date("2026-03-01")));

    let mut fresh = account();
    fresh.account = "Assets:Other".into();
    let w = fetch_window(&fresh, Some(&ledger), today, None, &opts);
    assert_eq!(w.from, date("2025-12-10"));
    fresh.days = Some(30);
    assert_eq!(
        fetch_window(&fresh, None, today, None, &opts).from,
        date("2026-02-08")
    );
    // Capped by what the institution allows.
    assert_eq!(
        fetch_window(&fresh, None, today, Some(7), &opts).from,
        date("2026-03-03")
    );
}

#[test]
fn marked_batch_duplicates_say_so_and_the_output_stays_valid() {
    let t = tx(Some("twice"), "2026-03-01", "-1.00", "Kiosk");
    let outputs = convert(vec![t.clone(), t], vec![], "2026-03-02");
    let opts = DedupOptions {
        mark_duplicates: true,
        ..DedupOptions::default()
    };
    let result = dedup(outputs, &ledger(""), &opts);
    let text = result.render();
    assert!(
        text.contains("; duplicate of an entry above (same bank id)\n; 2026-03-01 * \"Kiosk\""),
        "{text}"
    );
    assert_eq!(
        text.matches("\n2026-03-01 * \"Kiosk\"").count(),
        1,
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bean");
    std::fs::write(&path, &text).unwrap();
    test_support::bean_check::file(&path);
}

#[test]
fn nothing_is_lost_comments_and_invalid_records_pass_through() {
    let mut bad = tx(Some("bad"), "2026-03-01", "not a number", "Kiosk");
    bad["transactionAmount"]["currency"] = json!("EUR");
    let outputs = convert(
        vec![tx(Some("ok"), "2026-03-01", "-1.00", "Kiosk"), bad],
        vec![],
        "2026-03-02",
    );
    let invalid_before = outputs[0]
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::Invalid(_)))
        .count();
    assert_eq!(invalid_before, 1);
    let ledger = ledger(
        "2026-03-01 * \"Kiosk\"\n  Assets:Bank:Checking  -1.00 EUR\n    gocardless_id: \"ok\"\n  Expenses:Food\n",
    );
    let result = dedup(outputs, &ledger, &DedupOptions::default());
    let entries = &result.outputs[0].entries;
    assert_eq!(
        entries
            .iter()
            .filter(|e| matches!(e, Entry::Invalid(_)))
            .count(),
        1
    );
    assert_eq!(result.outputs[0].problems.len(), 1);
    assert_eq!(result.summaries[0].dup_id, 1);
}

#[test]
fn a_first_import_writes_the_exact_opening_balance() {
    // The bank's balance includes years before the fetched window.
    let balances = serde_json::from_value(json!({"balances": [{
        "balanceAmount": {"amount": "1234.56", "currency": "EUR"},
        "balanceType": "closingBooked",
        "referenceDate": "2026-03-03",
    }]}))
    .unwrap();
    let outputs = vec![convert_account(
        &account(),
        &response(
            vec![
                tx(Some("t1"), "2026-03-01", "-12.50", "Bakery"),
                tx(Some("t2"), "2026-03-03", "-40.00", "Fuel"),
            ],
            vec![],
        ),
        Some(&balances),
        date("2026-03-04"),
    )];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.bean");
    std::fs::write(&path, "option \"operating_currency\" \"EUR\"\n").unwrap();
    let ledger = Ledger::load(&[&path]).unwrap();
    let config = importer::Config::default();
    let run = importer::Run::new(&config, Some(&ledger), date("2026-03-04"));
    let text = run.import_outputs(outputs).text();
    assert!(
        text.contains("2026-02-28 open Assets:Bank:Checking EUR\n")
            && text.contains("2026-02-28 open Equity:Opening-Balances\n")
            && text.contains("2026-02-28 * \"Opening balance\"\n")
            && text.contains("1287.06 EUR")
            && text.contains(
                "opening_balance: \"1234.56 EUR asserted on 2026-03-04 (closingBooked 2026-03-03), \
                 less -52.50 EUR of the 2 entries dated 2026-03-01 to 2026-03-03\""
            )
            && !text.contains(" pad ")
            && text.contains("2026-03-04 balance Assets:Bank:Checking"),
        "{text}"
    );
    append(&path, &text);
    test_support::bean_check::file(&path);

    // The next day the ledger has the history: no second opening.
    let ledger = Ledger::load(&[&path]).unwrap();
    let run = importer::Run::new(&config, Some(&ledger), date("2026-03-06"));
    let balances = serde_json::from_value(json!({"balances": [{
        "balanceAmount": {"amount": "1233.56", "currency": "EUR"},
        "balanceType": "closingBooked",
        "referenceDate": "2026-03-05",
    }]}))
    .unwrap();
    let again = run
        .import_outputs(vec![convert_account(
            &account(),
            &response(vec![tx(Some("t9"), "2026-03-05", "-1.00", "Kiosk")], vec![]),
            Some(&balances),
            date("2026-03-06"),
        )])
        .text();
    assert!(
        !again.contains("Opening") && !again.contains(" pad "),
        "{again}"
    );
    assert!(
        again.contains("2026-03-06 balance Assets:Bank:Checking"),
        "{again}"
    );
    append(&path, &again);
    test_support::bean_check::file(&path);
}

#[test]
fn history_starting_at_zero_needs_no_opening_and_pad_mode_pads() {
    let balances = |amount: &str| -> gocardless::BalancesResponse {
        serde_json::from_value(json!({"balances": [{
            "balanceAmount": {"amount": amount, "currency": "EUR"},
            "balanceType": "closingBooked",
            "referenceDate": "2026-03-03",
        }]}))
        .unwrap()
    };
    let outputs = |amount: &str| {
        vec![convert_account(
            &account(),
            &response(
                vec![
                    tx(Some("t1"), "2026-03-01", "100.00", "Salary"),
                    tx(Some("t2"), "2026-03-03", "-40.00", "Fuel"),
                ],
                vec![],
            ),
            Some(&balances(amount)),
            date("2026-03-04"),
        )]
    };
    let mut config = importer::Config::default();
    let run = importer::Run::new(&config, None, date("2026-03-04"));
    let text = run.import_outputs(outputs("60.00")).text();
    assert!(
        !text.contains("Opening") && !text.contains("Equity"),
        "{text}"
    );
    assert!(
        text.starts_with("2026-03-01 open Assets:Bank:Checking EUR\n"),
        "{text}"
    );
    test_support::bean_check::text(&text);

    config.opening.mode = importer::config::OpeningMode::Pad;
    config.opening.account = "Equity:Start".to_owned();
    let run = importer::Run::new(&config, None, date("2026-03-04"));
    assert!(
        !run.import_outputs(outputs("60.00"))
            .text()
            .contains(" pad ")
    );
    let text = run.import_outputs(outputs("70.00")).text();
    assert!(
        text.contains("2026-02-28 pad Assets:Bank:Checking Equity:Start\n"),
        "{text}"
    );
    test_support::bean_check::text(&text);
}

#[test]
fn an_id_not_trusted_before_is_found_under_the_id_chosen_then() {
    // Yesterday two records shared a transactionId, so both were written
    // under their internalTransactionId; today only one of them is in the
    // window, and its transactionId is trusted.
    let ledger = shop_ledger("internal-shop");
    let mut shop = tx(Some("shared"), "2026-03-02", "-76.45", "Shop");
    shop["internalTransactionId"] = json!("internal-shop");
    let mut salary = tx(Some("shared-2"), "2026-03-03", "2000.00", "Employer");
    salary["internalTransactionId"] = json!("internal-salary");
    let result = dedup(
        convert(vec![shop, salary], vec![], "2026-03-04"),
        &ledger,
        &DedupOptions::default(),
    );
    assert_eq!(result.summaries[0].dup_id, 1);
    assert_eq!(result.summaries[0].new, 1);
    // Another record carrying the id the ledger has, for another amount, is
    // not taken for it.
    let mut other = tx(Some("x"), "2026-03-02", "-10.00", "Shop");
    other["internalTransactionId"] = json!("internal-other");
    let mut twin = tx(Some("x"), "2026-03-02", "-12.00", "Shop");
    twin["internalTransactionId"] = json!("internal-shop-2");
    let ledger = shop_ledger("x");
    let result = dedup(
        convert(vec![other, twin], vec![], "2026-03-04"),
        &ledger,
        &DedupOptions::default(),
    );
    assert_eq!(result.summaries[0].new, 2, "{:?}", result.duplicates);
}

#[test]
fn a_run_keeps_the_other_ids_only_to_deduplicate_against_a_ledger() {
    // Written yesterday under its internalTransactionId; today its
    // transactionId is trusted.
    let ledger = shop_ledger("internal-shop");
    let mut shop = tx(Some("shop"), "2026-03-02", "-76.45", "Shop");
    shop["internalTransactionId"] = json!("internal-shop");
    let response = response(vec![shop], vec![]);
    let records = gocardless::statement::GoCardlessRecords::new(&response);
    let account = account();
    let inputs = [importer::Input {
        account: &account,
        statement: gocardless::statement::statement(&records, &[]),
        adjust: None,
    }];
    let config = importer::Config::default();
    let today = date("2026-03-04");

    let with_ledger = importer::Run::new(&config, Some(&ledger), today);
    let converted = with_ledger.convert(&inputs);
    assert_eq!(converted[0].aliases["shop"], ["internal-shop"]);
    let imported = with_ledger.import(&inputs);
    assert_eq!(imported.summaries[0].dup_id, 1, "{:?}", imported.summaries);
    assert_eq!(imported.summaries[0].new, 0);
    assert_eq!(imported.text(), "");

    // Without a ledger nothing reads them: they are not kept.
    let alone = importer::Run::new(&config, None, today);
    assert!(alone.convert(&inputs)[0].aliases.is_empty());
    assert!(
        alone
            .import(&inputs)
            .text()
            .contains("gocardless_id: \"shop\"")
    );
}

/// The shop's payment, written under the id `id`.
fn shop_ledger(id: &str) -> Ledger {
    ledger(&format!(
        "2026-03-02 * \"Shop\" \"Card payment Shop\"\n  Assets:Bank:Checking  -76.45 EUR\n    \
         gocardless_id: \"{id}\"\n  Expenses:Food\n",
    ))
}
