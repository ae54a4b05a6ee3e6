//! Property tests at scale for what reads hostile input: the ledger
//! reader, the configuration loader, and GoCardless' transactions parser
//! with the conversion behind it. No input may panic or hang. The number
//! of cases is `FUZZ_CASES` (default 256; the closing note of issue 11
//! gives the figures of a long run).

use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Text that looks like a ledger often enough to reach deep into the
/// reader: directives, postings, strings, metadata, broken bits.
fn ledgerish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("2026-01-01 open Assets:Bank EUR\n".to_owned()),
        Just("2026-01-02 * \"Payee\" \"Narr\" #tag ^link\n".to_owned()),
        Just("  Assets:Bank  -1.00 EUR\n".to_owned()),
        Just("  gocardless_id: \"x\"\n".to_owned()),
        Just("  Expenses:Food\n".to_owned()),
        Just("2026-01-03 balance Assets:Bank 5 EUR\n".to_owned()),
        Just("2026-01-03 pad Assets:Bank Equity:Opening-Balances\n".to_owned()),
        Just("include \"nowhere.bean\"\n".to_owned()),
        Just("option \"title\" \"t\"\n".to_owned()),
        Just("\"unterminated\n".to_owned()),
        Just("  ! Assets:Bank  1 EUR @@ 2 USD\n".to_owned()),
        "[ -~]{0,40}\n",
        "\\PC{0,20}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_reader_never_panics(text in ledgerish()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.bean");
        std::fs::write(&path, &text).unwrap();
        // Errors are fine (a missing include); a panic is not.
        let _ = importer::ledger::Ledger::load(&[&path]);
    }

    #[test]
    fn the_configuration_loader_never_panics(text in prop_oneof![
        any::<String>(),
        "(accounts:\n  - id: [a-z]{1,3}\n    account: [A-Za-z:]{0,20}\n){0,3}",
        "(sources:\n  [a-z]{1,3}: \\{ provider: [a-z]{0,8} \\}\n|defaults:\n  days: [0-9]{0,9}\n|dedup: \\{ window_days: -?[0-9]{0,4} \\}\n){0,4}",
    ]) {
        let _ = importer::config::from_str(&text, "fuzz.yaml");
    }

    #[test]
    fn transactions_parse_and_convert_without_panic(records in prop::collection::vec(
        prop_oneof![
            any::<String>().prop_map(serde_json::Value::String),
            (any::<i64>(), "[A-Z]{0,4}", "-?[0-9]{0,12}-[0-9]{1,2}-[0-9]{1,2}", any::<String>()).prop_map(
                |(n, c, d, t)| serde_json::json!({
                    "transactionId": t, "bookingDate": d,
                    "transactionAmount": {"amount": format!("{n}.{}", n.rem_euclid(100)), "currency": c},
                    "remittanceInformationUnstructured": t,
                })
            ),
        ],
        0..20,
    )) {
        let body = serde_json::json!({"transactions": {"booked": records, "pending": []}}).to_string();
        if let Ok(resp) = serde_json::from_str::<gocardless::TransactionsResponse>(&body) {
            let account = importer::AccountConfig::new("a", "Assets:Bank");
            let out = test_support::gocardless_data::convert_account(
                &account, &resp, None, "2026-06-30".parse().unwrap(),
            );
            let _ = importer::print_outputs(&[out]);
        }
    }
}
