//! The conversion rules, one by one, each output checked by bean-check.

use chrono::NaiveDate;
use gocardless::{BalancesResponse, TransactionsResponse};
use importer::Status;
use importer::config::{AccountConfig, BalanceMode, DateMode, FallbackAccount, PendingMode};
use importer::convert::{AccountOutput, counter_account};
use importer::entry::{Entry, MetaValue, Price, TransactionEntry};
use importer::print_outputs;
use test_support::gocardless_data::convert_account;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    d("2024-03-10")
}

fn account() -> AccountConfig {
    AccountConfig::new("acc-1", "Assets:Bank:Checking")
}

fn response(booked: &str, pending: &str) -> TransactionsResponse {
    serde_json::from_str(&format!(
        r#"{{"transactions": {{"booked": [{booked}], "pending": [{pending}]}}}}"#
    ))
    .unwrap()
}

fn balances(json: &str) -> BalancesResponse {
    serde_json::from_str(&format!(r#"{{"balances": [{json}]}}"#)).unwrap()
}

/// Converts, renders, runs bean-check, and returns the output.
fn run(
    account: &AccountConfig,
    tx: &TransactionsResponse,
    bal: Option<&BalancesResponse>,
) -> (AccountOutput, String) {
    let out = convert_account(account, tx, bal, today());
    let text = print_outputs(std::slice::from_ref(&out));
    test_support::bean_check::text(&test_support::gocardless_data::as_ledger(
        std::slice::from_ref(&out),
        today(),
    ));
    (out, text)
}

fn transactions(out: &AccountOutput) -> Vec<&TransactionEntry> {
    out.entries
        .iter()
        .filter_map(|e| match e {
            Entry::Transaction(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn id_of(t: &TransactionEntry) -> String {
    t.postings[0]
        .meta
        .iter()
        .find(|(k, _)| k == "gocardless_id")
        .map(|(_, v)| v.as_text())
        .unwrap()
}

const T1: &str = r#"{"transactionId": "T1", "bookingDate": "2024-03-01", "valueDate": "2024-02-29",
    "transactionAmount": {"amount": "-12.5", "currency": "EUR"},
    "creditorName": "  Corner\n Shop ", "debtorName": "Me",
    "remittanceInformationUnstructured": "Card  payment\n12345"}"#;

#[test]
fn basic_fields() {
    let (out, text) = run(&account(), &response(T1, ""), None);
    let t = transactions(&out)[0];
    assert_eq!(t.date, d("2024-03-01"));
    assert_eq!(t.flag, '*');
    assert_eq!(t.payee.as_deref(), Some("Corner Shop"));
    assert_eq!(t.narration, "Card payment 12345");
    assert_eq!(t.postings[1].account, "Expenses:Uncategorized");
    assert!(text.contains("  Assets:Bank:Checking                      -12.50 EUR\n    gocardless_id: \"T1\"\n  Expenses:Uncategorized\n"), "{text}");
}

#[test]
fn value_date_mode_and_income_side() {
    let mut a = account();
    a.date = DateMode::Value;
    let tx = r#"{"bookingDate": "2024-03-02", "valueDate": "2024-03-01",
        "transactionAmount": {"amount": "100", "currency": "EUR"},
        "debtorName": "Employer", "creditorName": "Me", "internalTransactionId": "I9"}"#;
    let (out, text) = run(&a, &response(tx, ""), None);
    let t = transactions(&out)[0];
    assert_eq!(t.date, d("2024-03-01"));
    assert_eq!(t.payee.as_deref(), Some("Employer"));
    assert_eq!(t.postings[1].account, "Income:Uncategorized");
    assert_eq!(id_of(t), "I9");
    assert!(text.contains("100.00 EUR"), "{text}");
}

#[test]
fn date_falls_back_to_date_times() {
    let tx = r#"{"bookingDateTime": "2024-03-03T23:30:00+01:00",
        "transactionAmount": {"amount": "1", "currency": "EUR"}}"#;
    let (out, _) = run(&account(), &response(tx, ""), None);
    assert_eq!(transactions(&out)[0].date, d("2024-03-03"));
}

#[test]
fn pending_flag_future_date_and_skip() {
    let p = r#"{"valueDate": "2024-03-15", "transactionAmount": {"amount": "-3.00", "currency": "EUR"},
        "remittanceInformationUnstructured": "pending one"}"#;
    let (out, text) = run(&account(), &response(T1, p), None);
    let ts = transactions(&out);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[1].flag, '!');
    assert_eq!(
        ts[1].date,
        today(),
        "a pending transaction from the future is dated today"
    );
    assert!(text.contains("2024-03-10 ! \"pending one\""), "{text}");

    let mut a = account();
    a.pending = PendingMode::Skip;
    let (out, _) = run(&a, &response(T1, p), None);
    assert_eq!(transactions(&out).len(), 1);
}

#[test]
fn amounts_keep_scale_and_sign() {
    let tx = |id: &str, amount: &str| {
        format!(
            r#"{{"transactionId": "{id}", "bookingDate": "2024-03-01",
            "transactionAmount": {{"amount": "{amount}", "currency": "GBP"}}}}"#
        )
    };
    let all = [
        tx("a", "-9"),
        tx("b", "-12.0"),
        tx("c", "-10.5000"),
        tx("d", "0"),
        tx("e", "1.2345"),
    ]
    .join(",");
    let (_, text) = run(&account(), &response(&all, ""), None);
    for want in [
        "-9.00   GBP",
        "-12.00   GBP",
        "-10.50   GBP",
        "0.00   GBP",
        "1.2345 GBP",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

#[test]
fn narration_fallbacks() {
    let cases = [
        (
            r#""remittanceInformationUnstructuredArray": ["a  b", "c"]"#,
            "a b c",
        ),
        (
            r#""remittanceInformationStructured": "RF18 5390""#,
            "RF18 5390",
        ),
        (
            r#""remittanceInformationStructuredArray": ["x", "y"]"#,
            "x y",
        ),
        (r#""additionalInformation": "only\ninfo""#, "only info"),
        (
            r#""bankTransactionCode": "PMNT-ICDT-STDO""#,
            "PMNT-ICDT-STDO",
        ),
        (r#""proprietaryBankTransactionCode": "CARD""#, "CARD"),
        (r#""creditorName": "x""#, ""),
    ];
    for (field, want) in cases {
        let tx = format!(
            r#"{{"bookingDate": "2024-03-01", "transactionAmount": {{"amount": "-1", "currency": "EUR"}}, {field}}}"#
        );
        let (out, _) = run(&account(), &response(&tx, ""), None);
        assert_eq!(transactions(&out)[0].narration, want, "{field}");
    }
}

#[test]
fn ultimate_parties_when_names_missing() {
    let tx = r#"{"bookingDate": "2024-03-01", "transactionAmount": {"amount": "-1", "currency": "EUR"},
        "ultimateCreditor": "Real Shop", "debtorName": "Me"}"#;
    let (out, _) = run(&account(), &response(tx, ""), None);
    assert_eq!(transactions(&out)[0].payee.as_deref(), Some("Real Shop"));
}

#[test]
fn ids_shared_by_different_transactions_are_not_trusted() {
    let a = r#"{"transactionId": "DUP", "internalTransactionId": "i1", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-1", "currency": "EUR"}}"#;
    let b = r#"{"transactionId": "DUP", "internalTransactionId": "i2", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-2", "currency": "EUR"}}"#;
    let c = r#"{"transactionId": "NOTPROVIDED", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-5", "currency": "EUR"}}"#;
    let (out, _) = run(&account(), &response(&[a, b, c, c].join(","), ""), None);
    let ids: Vec<String> = transactions(&out).iter().map(|t| id_of(t)).collect();
    assert_eq!(ids[0], "i1");
    assert_eq!(ids[1], "i2");
    // Two genuinely identical payments: distinct ids from a counter.
    assert!(ids[2].starts_with("sha256:"), "{ids:?}");
    assert_eq!(ids[3], format!("{}-2", ids[2]));
    // The same transaction delivered twice keeps its id (dedup merges it).
    let (out, _) = run(&account(), &response(&[a, a].join(","), ""), None);
    let ids: Vec<String> = transactions(&out).iter().map(|t| id_of(t)).collect();
    assert_eq!(ids, ["DUP", "DUP"]);
}

#[test]
fn content_hash_is_stable() {
    let c = r#"{"bookingDate": "2024-03-01", "transactionAmount": {"amount": "-5.0", "currency": "EUR"}}"#;
    let c2 = r#"{"transactionAmount": {"currency": "EUR", "amount": "-5.00"}, "bookingDate": "2024-03-01"}"#;
    let (o1, _) = run(&account(), &response(c, ""), None);
    let (o2, _) = run(&account(), &response(c2, ""), None);
    assert_eq!(id_of(transactions(&o1)[0]), id_of(transactions(&o2)[0]));
}

#[test]
fn exchange_with_instructed_foreign_amount_gets_total_price() {
    let tx = r#"{"transactionId": "X1", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-8.70", "currency": "EUR"},
        "currencyExchange": {"sourceCurrency": "USD", "targetCurrency": "EUR", "exchangeRate": "0.87",
            "instructedAmount": {"amount": "10.00", "currency": "USD"}}}"#;
    let (out, text) = run(&account(), &response(tx, ""), None);
    let t = transactions(&out)[0];
    assert_eq!(
        t.postings[1]
            .units
            .as_ref()
            .map(|u| (u.number.to_string(), u.currency.as_str())),
        Some(("10.00".into(), "USD"))
    );
    assert!(
        matches!(t.postings[1].price.as_deref(), Some(Price::Total(a)) if a.number.to_string() == "8.70")
    );
    assert!(
        text.contains("  Expenses:Uncategorized                    10.00 USD @@ 8.70 EUR"),
        "{text}"
    );
}

#[test]
fn exchange_instructed_in_account_currency_is_checked_with_the_rate() {
    // Labelled EUR but 10.00 is the USD amount: the rate says so.
    let mislabelled = r#"{"transactionId": "X2", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "8.70", "currency": "EUR"},
        "currencyExchange": [{"sourceCurrency": "USD", "targetCurrency": "EUR", "exchangeRate": "1.1494",
            "instructedAmount": {"amount": "10.00", "currency": "EUR"}}]}"#;
    // Just the account amount again: only the rate is known.
    let same = r#"{"transactionId": "X3", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-33.06", "currency": "GBP"},
        "currencyExchange": {"sourceCurrency": "USD", "exchangeRate": "1.20961887", "unitCurrency": "USD",
            "targetCurrency": "GBP", "instructedAmount": {"amount": "-33.06", "currency": "GBP"}}}"#;
    // Labelled EUR, of another size, and the rate does not confirm it.
    let unknown = r#"{"transactionId": "X4", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-8.70", "currency": "EUR"},
        "currencyExchange": {"sourceCurrency": "USD", "exchangeRate": "3",
            "instructedAmount": {"amount": "10.00", "currency": "EUR"}}}"#;
    let (out, text) = run(
        &account(),
        &response(&[mislabelled, same, unknown].join(","), ""),
        None,
    );
    let ts = transactions(&out);
    assert!(text.contains("-10.00 USD @@ 8.70 EUR"), "{text}");
    assert!(ts[1].postings[1].price.is_none());
    assert!(ts[1].meta.contains(&(
        "exchange_rate".into(),
        MetaValue::Number("1.20961887".parse().unwrap())
    )));
    assert!(
        ts[1]
            .meta
            .contains(&("source_currency".into(), MetaValue::String("USD".into())))
    );
    assert!(ts[2].postings[1].price.is_none());
}

#[test]
fn fallback_account_settings() {
    let mut a = account();
    a.fallback_account = FallbackAccount::Account("Expenses:Todo".into());
    let (out, _) = run(&a, &response(T1, ""), None);
    assert_eq!(transactions(&out)[0].postings[1].account, "Expenses:Todo");
    a.fallback_account = FallbackAccount::None;
    let out = convert_account(&a, &response(T1, ""), None, today());
    assert_eq!(transactions(&out)[0].postings.len(), 1);
    let tx = gocardless::statement::bank_transaction(
        &response(T1, "").transactions.booked[0],
        Status::Booked,
    )
    .unwrap();
    assert_eq!(counter_account(&tx, &a), None);
}

#[test]
fn metadata_fields_static_metadata_and_tags() {
    let mut a = account();
    a.metadata_fields = vec![
        ("card".into(), "extra.cards.1.scheme".into()),
        ("mcc".into(), "merchantCategoryCode".into()),
        ("missing".into(), "nope.nothing".into()),
    ];
    a.metadata = vec![
        ("source".into(), "bank \"A\"".into()),
        ("card".into(), "ignored".into()),
    ];
    a.tags = vec!["bank".into()];
    let tx = r#"{"transactionId": "M1", "bookingDate": "2024-03-01",
        "transactionAmount": {"amount": "-1", "currency": "EUR"}, "merchantCategoryCode": 5411,
        "extra": {"cards": [{"scheme": "VISA"}, {"scheme": "MASTERCARD"}]}}"#;
    let (out, text) = run(&a, &response(tx, ""), None);
    let t = transactions(&out)[0];
    assert_eq!(
        t.meta,
        vec![
            ("card".into(), MetaValue::String("MASTERCARD".into())),
            ("mcc".into(), MetaValue::String("5411".into())),
            ("source".into(), MetaValue::String("bank \"A\"".into())),
        ]
    );
    assert!(text.contains("2024-03-01 * \"\" #bank\n  card: \"MASTERCARD\"\n  mcc: \"5411\"\n  source: \"bank \\\"A\\\"\"\n"), "{text}");
}

#[test]
fn bad_records_become_comments_and_problems() {
    let no_date =
        r#"{"transactionId": "ND", "transactionAmount": {"amount": "-1", "currency": "EUR"}}"#;
    let bad_amount = r#"{"transactionId": "BA", "bookingDate": "2024-03-02", "transactionAmount": {"amount": "1,5", "currency": "EUR"}}"#;
    let bad_currency = r#"{"transactionId": "BC", "bookingDate": "2024-03-02", "transactionAmount": {"amount": "1", "currency": "eu r"}}"#;
    let other_currency = r#"{"transactionId": "OC", "bookingDate": "2024-03-02", "transactionAmount": {"amount": "1", "currency": "USD"}}"#;
    let mut a = account();
    a.currency = Some("EUR".into());
    let all = [T1, no_date, bad_amount, bad_currency, other_currency].join(",");
    let (out, text) = run(&a, &response(&all, ""), None);
    assert_eq!(transactions(&out).len(), 1);
    let ids: Vec<_> = out
        .problems
        .iter()
        .map(|p| p.transaction_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["ND", "BA", "BC", "OC"]);
    assert!(out.problems.iter().all(|p| p.account == "acc-1"));
    assert!(text.contains("; NOT IMPORTED: a bank record dated 2024-03-02 could not be converted: currency USD but the account is configured for EUR\n; {\"transactionId\":\"OC\""), "{text}");
    assert!(
        text.contains("; NOT IMPORTED: a bank record could not be converted: no date"),
        "{text}"
    );
}

#[test]
fn sorted_by_date_stable_within_a_day() {
    let tx = |id: &str, date: &str| {
        format!(
            r#"{{"transactionId": "{id}", "bookingDate": "{date}", "transactionAmount": {{"amount": "-1", "currency": "EUR"}}}}"#
        )
    };
    let all = [
        tx("c", "2024-03-03"),
        tx("a1", "2024-03-01"),
        tx("b", "2024-03-02"),
        tx("a2", "2024-03-01"),
    ]
    .join(",");
    let (out, _) = run(&account(), &response(&all, ""), None);
    let ids: Vec<String> = transactions(&out).iter().map(|t| id_of(t)).collect();
    assert_eq!(ids, ["a1", "a2", "b", "c"]);
}

#[test]
fn balance_auto_uses_closing_booked_on_the_next_day() {
    let b = balances(
        r#"{"balanceAmount": {"amount": "100.00", "currency": "EUR"}, "balanceType": "expected", "referenceDate": "2024-03-09"},
           {"balanceAmount": {"amount": "87.50", "currency": "EUR"}, "balanceType": "closingBooked", "referenceDate": "2024-03-08"},
           {"balanceAmount": {"amount": "80.00", "currency": "EUR"}, "balanceType": "closingBooked", "referenceDate": "2024-03-10"}"#,
    );
    let (out, text) = run(&account(), &response(T1, ""), Some(&b));
    let bal = out.entries.iter().find_map(|e| match e {
        Entry::Balance(b) => Some(b),
        _ => None,
    });
    let bal = bal.expect("a balance");
    assert_eq!(bal.date, d("2024-03-09"));
    assert_eq!(bal.amount.number.to_string(), "87.50");
    assert!(
        text.contains("2024-03-09 balance Assets:Bank:Checking"),
        "{text}"
    );
}

#[test]
fn balance_counts_pending_entries_beancount_will_see() {
    let b = balances(
        r#"{"balanceAmount": {"amount": "87.50", "currency": "EUR"}, "balanceType": "interimBooked", "referenceDate": "2024-03-08"}"#,
    );
    let p = r#"{"valueDate": "2024-03-05", "transactionAmount": {"amount": "-2.50", "currency": "EUR"}}"#;
    let late = r#"{"valueDate": "2024-03-09", "transactionAmount": {"amount": "-4.00", "currency": "EUR"}}"#;
    let (out, text) = run(&account(), &response(T1, &[p, late].join(",")), Some(&b));
    let bal = out
        .entries
        .iter()
        .find_map(|e| match e {
            Entry::Balance(b) => Some(b),
            _ => None,
        })
        .unwrap();
    // An interim balance is the balance of its moment: asserted at the
    // start of its day, with the pending entry dated before it.
    assert_eq!(bal.date, d("2024-03-08"));
    assert_eq!(bal.amount.number.to_string(), "85.00");
    assert!(text.contains("pending_included: \"-2.50 EUR from 1 pending entry dated before 2024-03-08; booked balance 87.50 EUR\""), "{text}");
}

#[test]
fn balance_after_transaction_of_the_last_day_in_any_order() {
    // Listed newest first; the day's last balance is found whatever the order.
    let tx = |id: &str, date: &str, amount: &str, after: &str| {
        format!(
            r#"{{"transactionId": "{id}", "bookingDate": "{date}", "transactionAmount": {{"amount": "{amount}", "currency": "EUR"}},
            "balanceAfterTransaction": {{"balanceAmount": {{"amount": "{after}", "currency": "EUR"}}}}}}"#
        )
    };
    let all = [
        tx("today", "2024-03-10", "-1", "106"),
        tx("x2", "2024-03-07", "-3", "107"),
        tx("x1", "2024-03-07", "10", "110"),
        tx("x0", "2024-03-06", "100", "100"),
    ]
    .join(",");
    let (out, text) = run(&account(), &response(&all, ""), None);
    let bal = out
        .entries
        .iter()
        .find_map(|e| match e {
            Entry::Balance(b) => Some(b),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (bal.date, bal.amount.number.to_string()),
        (d("2024-03-08"), "107".into())
    );
    assert!(
        text.contains("source: \"balanceAfterTransaction 2024-03-07\""),
        "{text}"
    );
}

#[test]
fn balance_none_and_explicit_type() {
    let b = balances(
        r#"{"balanceAmount": {"amount": "87.50", "currency": "EUR"}, "balanceType": "closingBooked", "referenceDate": "2024-03-08"},
           {"balanceAmount": {"amount": "85.00", "currency": "EUR"}, "balanceType": "expected", "referenceDate": "2024-03-09"}"#,
    );
    let mut a = account();
    a.balance = BalanceMode::None;
    let (out, _) = run(&a, &response(T1, ""), Some(&b));
    assert!(!out.entries.iter().any(|e| matches!(e, Entry::Balance(_))));
    a.balance = BalanceMode::Type(importer::BalanceKind::Expected);
    let (out, text) = run(&a, &response(T1, ""), Some(&b));
    assert!(
        out.entries
            .iter()
            .any(|e| matches!(e, Entry::Balance(b) if b.date == d("2024-03-09")))
    );
    assert!(text.contains("source: \"expected 2024-03-09\""), "{text}");
    a.balance = BalanceMode::Type(importer::BalanceKind::InterimBooked);
    let (_, text) = run(&a, &response(T1, ""), Some(&b));
    assert!(
        text.contains("; no balance assertion: the bank reported no interimBooked balance"),
        "{text}"
    );
}

#[test]
fn deterministic_bytes() {
    let all = [T1, r#"{"bookingDate": "2024-03-01", "transactionAmount": {"amount": "-1", "currency": "EUR"}}"#].join(",");
    let a = print_outputs(&[convert_account(
        &account(),
        &response(&all, ""),
        None,
        today(),
    )]);
    let b = print_outputs(&[convert_account(
        &account(),
        &response(&all, ""),
        None,
        today(),
    )]);
    assert_eq!(a, b);
}

#[test]
fn large_inputs_keep_bank_order() {
    // Enough records for the conversion and rendering to run on several
    // threads: the order and the bytes must not depend on it.
    let all: Vec<String> = (0..9000)
        .map(|i| {
            format!(
                r#"{{"transactionId": "T{i:05}", "bookingDate": "2024-0{}-01", "transactionAmount": {{"amount": "-{i}.5", "currency": "EUR"}}}}"#,
                1 + i % 3
            )
        })
        .collect();
    let tx = response(&all.join(","), "");
    let out = convert_account(&account(), &tx, None, today());
    let ids: Vec<String> = transactions(&out).iter().map(|t| id_of(t)).collect();
    let mut want: Vec<(usize, String)> = (0..9000).map(|i| (i % 3, format!("T{i:05}"))).collect();
    want.sort_by_key(|(m, _)| *m);
    assert_eq!(ids, want.into_iter().map(|(_, id)| id).collect::<Vec<_>>());
    let text = print_outputs(std::slice::from_ref(&out));
    let mut single = String::new();
    for e in &out.entries {
        single.push('\n');
        single.push_str(&importer::render::render_entry(e));
    }
    assert_eq!(text.matches("gocardless_id").count(), 9000);
    assert!(text.ends_with(&single[single.len() - 200..]));
}
