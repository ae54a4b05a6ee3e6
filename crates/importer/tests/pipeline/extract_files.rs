//! Reading stored responses from files and folders.

use std::path::PathBuf;

use chrono::NaiveDate;
use gocardless::files::{FilesError as ExtractError, load_files};
use importer::config;
use test_support::gocardless_data::extract;

const CONFIG: &str = "
accounts:
  - id: acc-1
    name: main
    account: Assets:Bank:Main
  - id: acc-2
    account: Assets:Bank:Other
";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

fn tx(id: &str) -> String {
    format!(
        r#"{{"transactions": {{"booked": [{{"transactionId": "{id}", "bookingDate": "2024-05-02",
        "transactionAmount": {{"amount": "-4.20", "currency": "EUR"}}}}], "pending": []}}}}"#
    )
}

#[test]
fn folders_files_and_problems() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("acc-1.transactions.json"), tx("A1")).unwrap();
    std::fs::write(
        d.join("acc-1.balances.json"),
        r#"{"balances": [{"balanceAmount": {"amount": "95.80", "currency": "EUR"},
            "balanceType": "closingBooked", "referenceDate": "2024-05-31"}]}"#,
    )
    .unwrap();
    std::fs::write(d.join("acc-2.transactions.json"), "not json").unwrap();
    std::fs::write(d.join("stranger.transactions.json"), tx("S1")).unwrap();
    std::fs::write(d.join("notes.txt"), "ignored in a folder").unwrap();

    let data = load_files(&[d.to_path_buf()]).unwrap();
    let ids: Vec<&str> = data.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(ids, ["acc-1", "acc-2", "stranger"]);
    assert!(data[0].balances.is_some());
    assert_eq!(data[1].unreadable.len(), 1);

    let config = config::from_str(CONFIG, "c.yaml").unwrap();
    let out = extract(&config, &[d.to_path_buf()], today()).unwrap();
    // acc-1 converted; acc-2's unreadable file and the unknown account reported.
    assert!(out.text.contains("gocardless_id: \"A1\""), "{}", out.text);
    assert!(
        out.text.contains("2024-06-01 balance Assets:Bank:Main"),
        "{}",
        out.text
    );
    let reasons: Vec<String> = out.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r
                .starts_with("account stranger: the account is not in the configuration c.yaml")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("account acc-2: ") && r.contains("not a transactions response")),
        "{reasons:?}"
    );
    test_support::bean_check::text(&out.text);
}

#[test]
fn files_by_name_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("main.transactions.json");
    std::fs::write(&f, tx("M1")).unwrap();
    let config = config::from_str(CONFIG, "c.yaml").unwrap();
    // The account's `name` works as the file name too.
    let out = extract(&config, std::slice::from_ref(&f), today()).unwrap();
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert!(out.text.contains("\"M1\""));

    let bad = dir.path().join("x.json");
    std::fs::write(&bad, "{}").unwrap();
    assert!(matches!(
        load_files(&[bad]),
        Err(ExtractError::BadName { .. })
    ));
    assert!(matches!(
        load_files(&[PathBuf::from("/nonexistent/x.transactions.json")]),
        Err(ExtractError::Io { .. })
    ));
    let empty = tempfile::tempdir().unwrap();
    let e = load_files(&[empty.path().to_path_buf()]).unwrap_err();
    assert!(
        e.to_string().contains("no <account-id>.transactions.json"),
        "{e}"
    );
}
