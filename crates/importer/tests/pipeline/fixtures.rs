//! Snapshot tests: every real payload in the shared fixtures converted,
//! rendered and checked by `bean-check`.

use std::path::Path;

use chrono::NaiveDate;
use gocardless::{BalancesResponse, TransactionRecord, TransactionsResponse};
use importer::config::AccountConfig;
use importer::print_outputs;
use serde_json::Value;
use test_support::gocardless_data::convert_account;

const TODAY: (i32, u32, u32) = (2026, 6, 30);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

/// Converts, checks with bean-check and returns the snapshot text: the
/// output and the problems reported.
fn convert_and_check(
    account: &AccountConfig,
    tx: &TransactionsResponse,
    balances: Option<&BalancesResponse>,
) -> String {
    let out = convert_account(account, tx, balances, today());
    let text = print_outputs(std::slice::from_ref(&out));
    test_support::bean_check::text(&test_support::gocardless_data::as_ledger(
        std::slice::from_ref(&out),
        today(),
    ));
    // Deterministic: converting again gives the same bytes.
    let again = print_outputs(&[convert_account(account, tx, balances, today())]);
    assert_eq!(text, again);
    let mut snap = text;
    snap.push_str("\n==== problems ====\n");
    for p in &out.problems {
        snap.push_str(&format!("{p}\n"));
    }
    snap
}

fn account() -> AccountConfig {
    let mut a = AccountConfig::new("fixture", "Assets:Bank:Checking");
    a.metadata_fields = vec![("mcc".into(), "merchantCategoryCode".into())];
    a
}

/// A `banks/` file: `items[].value` objects, transactions and balances.
fn bank_file(path: &Path) -> (TransactionsResponse, Option<BalancesResponse>) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut tx = TransactionsResponse::default();
    let mut balances: Vec<Value> = Vec::new();
    let add_tx = |list: &mut Vec<TransactionRecord>, v: &Value| {
        list.push(TransactionRecord::from_json(&serde_json::to_string_pretty(v).unwrap()).unwrap())
    };
    if let Some(items) = v.get("items").and_then(Value::as_array) {
        for item in items {
            let value = &item["value"];
            if !value.is_object() {
                continue; // built at run time in the source; nothing to convert
            }
            if item["kind"] == "balance" || value.get("balanceAmount").is_some() {
                balances.push(value.clone());
            } else {
                add_tx(&mut tx.transactions.booked, value);
            }
        }
    } else {
        // service_fixtures.json / readme_mbank_sample.json
        for key in ["mockTransactions"] {
            if let Some(t) = v.get(key) {
                let r: TransactionsResponse = serde_json::from_value(t.clone()).unwrap();
                tx.transactions.booked.extend(r.transactions.booked);
                tx.transactions.pending.extend(r.transactions.pending);
            }
        }
        if let Some(t) = v.get("transaction") {
            add_tx(&mut tx.transactions.booked, t);
        }
        for key in ["mockedBalances", "balances"] {
            if let Some(b) = v.get(key) {
                let b = if b.is_array() {
                    serde_json::json!({ "balances": b })
                } else {
                    b.clone()
                };
                let r: BalancesResponse = serde_json::from_value(b).unwrap();
                balances.extend(r.balances.iter().map(|b| serde_json::to_value(b).unwrap()));
            }
        }
    }
    let balances = (!balances.is_empty())
        .then(|| serde_json::from_value(serde_json::json!({ "balances": balances })).unwrap());
    (tx, balances)
}

fn json_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(test_support::paths::fixtures().join(dir))
        .unwrap_or_else(|e| {
            panic!("fixtures/{dir}: {e} (the shared fixtures must be beside the clone)")
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn banks() {
    let files = json_files("banks");
    assert!(files.len() >= 20);
    for f in files {
        let name = f.file_stem().unwrap().to_str().unwrap().to_owned();
        let (tx, balances) = bank_file(&f);
        let snap = convert_and_check(&account(), &tx, balances.as_ref());
        insta::assert_snapshot!(format!("banks__{name}"), snap);
    }
}

#[test]
fn statements() {
    for f in json_files("statements") {
        let name = f.file_stem().unwrap().to_str().unwrap().to_owned();
        let tx: TransactionsResponse =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let snap = convert_and_check(&account(), &tx, None);
        insta::assert_snapshot!(format!("statements__{name}"), snap);
    }
}

#[test]
fn api_transactions() {
    for f in json_files("api") {
        let name = f.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let tx: TransactionsResponse = if name.starts_with("transactions_") {
            serde_json::from_str(&text).unwrap()
        } else if name.starts_with("transaction_") {
            let mut r = TransactionsResponse::default();
            let v: Value = serde_json::from_str(&text).unwrap();
            r.transactions
                .booked
                .push(TransactionRecord::from_json(&v.to_string()).unwrap());
            r
        } else if name == "currency_exchange_object_vs_array" {
            let v: Value = serde_json::from_str(&text).unwrap();
            let mut r = TransactionsResponse::default();
            collect_transactions(&v, &mut r.transactions.booked);
            r
        } else {
            continue;
        };
        let snap = convert_and_check(&account(), &tx, None);
        insta::assert_snapshot!(format!("api__{name}"), snap);
    }
}

fn collect_transactions(v: &Value, out: &mut Vec<TransactionRecord>) {
    match v {
        Value::Object(m) if m.contains_key("transactionAmount") => {
            out.push(TransactionRecord::from_json(&v.to_string()).unwrap())
        }
        Value::Object(m) => m.values().for_each(|x| collect_transactions(x, out)),
        Value::Array(a) => a.iter().for_each(|x| collect_transactions(x, out)),
        _ => {}
    }
}
