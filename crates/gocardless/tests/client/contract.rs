//! The contract test: every response example of GoCardless' OpenAPI spec and
//! every real payload in the shared fixtures deserialises into the models,
//! and no field present in the JSON is lost on the way.
//!
//! "Lost" is checked by walking the input JSON beside the model written back
//! as JSON: every non-blank key of the input must be there. Values may be
//! normalised (trimmed ids, dates, decimals, one object → a list of one).
//! Transactions keep their raw JSON, so they lose nothing by construction;
//! for them the test also checks that the typed view parses.

use std::path::{Path, PathBuf};

use gocardless::model::lenient;
use gocardless::model::{
    AccessToken, AccountDetails, AccountDetailsResponse, AccountMetadata, Balance,
    BalancesResponse, Deleted, EndUserAgreement, ErrorBody, Institution, Page, Reconfirmation,
    Requisition, TokenPair, TransactionRecord, TransactionsResponse,
};
use gocardless::{Amount, Error, Operation, RateLimit};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The models a payload can be checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    AccountMetadata,
    AccountDetailsResponse,
    AccountDetails,
    AccountDetailsList,
    Balances,
    Balance,
    BalanceList,
    Transactions,
    Transaction,
    TransactionList,
    Amount,
    Agreement,
    Agreements,
    Reconfirmation,
    Institution,
    Institutions,
    Requisition,
    Requisitions,
    Deleted,
    TokenPair,
    AccessToken,
    ErrorBody,
}

/// Deserialises `v` as `model` and writes it back as JSON.
fn through(model: Model, v: &Value) -> Result<Value, String> {
    fn t<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
        // Through text, since transaction records keep their raw JSON.
        let x: T = serde_json::from_str(&v.to_string()).map_err(|e| e.to_string())?;
        serde_json::to_value(&x).map_err(|e| e.to_string())
    }
    match model {
        Model::AccountMetadata => t::<AccountMetadata>(v),
        Model::AccountDetailsResponse => t::<AccountDetailsResponse>(v),
        Model::AccountDetails => t::<AccountDetails>(v),
        Model::AccountDetailsList => t::<Vec<AccountDetails>>(v),
        Model::Balances => t::<BalancesResponse>(v),
        Model::Balance => t::<Balance>(v),
        Model::BalanceList => t::<Vec<Balance>>(v),
        Model::Transactions => {
            let out = t::<TransactionsResponse>(v)?;
            let r: TransactionsResponse = serde_json::from_str(&v.to_string()).unwrap();
            let records = r.transactions.booked.iter().chain(&r.transactions.pending);
            for record in records {
                typed_transaction(record)?;
            }
            Ok(out)
        }
        Model::Transaction => {
            let out = t::<TransactionRecord>(v)?;
            typed_transaction(&TransactionRecord::from_json(&v.to_string()).unwrap())?;
            Ok(out)
        }
        Model::TransactionList => {
            let out = t::<Vec<TransactionRecord>>(v)?;
            for item in v.as_array().unwrap() {
                typed_transaction(&TransactionRecord::from_json(&item.to_string()).unwrap())?;
            }
            Ok(out)
        }
        Model::Amount => t::<Amount>(v),
        Model::Agreement => t::<EndUserAgreement>(v),
        Model::Agreements => t::<Page<EndUserAgreement>>(v),
        Model::Reconfirmation => t::<Reconfirmation>(v),
        Model::Institution => t::<Institution>(v),
        Model::Institutions => t::<Vec<Institution>>(v),
        Model::Requisition => t::<Requisition>(v),
        Model::Requisitions => t::<Page<Requisition>>(v),
        Model::Deleted => t::<Deleted>(v),
        Model::ErrorBody => t::<ErrorBody>(v),
        // Token models are deliberately not `Serialize`; write their fields.
        Model::TokenPair => {
            let p: TokenPair = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
            let mut m = p.extra.clone();
            m.insert("access".into(), json!(p.access.expose()));
            m.insert("access_expires".into(), json!(p.access_expires));
            m.insert("refresh".into(), json!(p.refresh.expose()));
            m.insert("refresh_expires".into(), json!(p.refresh_expires));
            Ok(Value::Object(m))
        }
        Model::AccessToken => {
            let p: AccessToken = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
            let mut m = p.extra.clone();
            m.insert("access".into(), json!(p.access.expose()));
            m.insert("access_expires".into(), json!(p.access_expires));
            Ok(Value::Object(m))
        }
    }
}

/// The typed view of a record must parse whenever the amount is there,
/// and its amount must be the one sent.
fn typed_transaction(record: &TransactionRecord) -> Result<(), String> {
    let raw = record.value();
    let amount = raw
        .get("transactionAmount")
        .or_else(|| raw.get("transaction_amount"));
    match (amount, record.parse()) {
        (None, _) => Ok(()),
        (Some(_), Ok(t)) => {
            // The typed view keeps every field the spec names; the others
            // stay in the raw JSON. (snake_case records are read through
            // aliases and written back in camelCase, so skip the names.)
            let camel = raw
                .as_object()
                .is_some_and(|o| o.keys().all(|k| !k.contains('_')));
            if camel {
                let typed = serde_json::to_value(&t).map_err(|e| e.to_string())?;
                let mut lost = Vec::new();
                lost_keys(&raw, &typed, "", &mut lost);
                let spec = spec_transaction_fields();
                lost.retain(|p| spec.iter().any(|f| p.split('/').nth(1) == Some(f.as_str())));
                // An unreadable date is `None` by design (the raw JSON keeps it).
                lost.retain(|p| {
                    let v = raw.pointer(p).and_then(Value::as_str);
                    !(p.contains("Date") && v.is_some_and(|s| lenient::parse_date(s).is_none()))
                });
                if !lost.is_empty() {
                    return Err(format!(
                        "typed view lost spec fields {lost:?} of {}",
                        record.json()
                    ));
                }
            }
            let sent = amount.unwrap()["amount"].to_string();
            let sent = sent.trim_matches('"').trim().trim_start_matches('+');
            let got = t.transaction_amount.amount.to_string();
            if sent.parse::<f64>().ok() == got.parse::<f64>().ok() {
                Ok(())
            } else {
                Err(format!("amount {sent} read as {got}"))
            }
        }
        (Some(_), Err(e)) => Err(format!("typed view of {}: {e}", record.json())),
    }
}

/// The property names of the spec's `TransactionSchema`.
fn spec_transaction_fields() -> &'static Vec<String> {
    static FIELDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let spec = load(&shared().join("gocardless/openapi.json"));
        let props = spec["components"]["schemas"]["TransactionSchema"]["properties"]
            .as_object()
            .expect("TransactionSchema in the spec");
        props.keys().cloned().collect()
    })
}

fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.iter().all(blank),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The paths of keys present in `input` but missing from `output`.
fn lost_keys(input: &Value, output: &Value, path: &str, lost: &mut Vec<String>) {
    match input {
        Value::Object(m) => {
            let out: Option<&Map<String, Value>> = match output {
                Value::Object(o) => Some(o),
                // A single object read as a list of one (currencyExchange).
                Value::Array(a) if a.len() == 1 => a[0].as_object(),
                _ => None,
            };
            for (k, v) in m {
                if blank(v) {
                    continue;
                }
                let p = format!("{path}/{k}");
                match out.and_then(|o| o.get(k)) {
                    Some(ov) => lost_keys(v, ov, &p, lost),
                    None => lost.push(p),
                }
            }
        }
        Value::Array(items) => match output {
            Value::Array(o) => {
                for (i, v) in items.iter().enumerate() {
                    if blank(v) {
                        continue;
                    }
                    let p = format!("{path}/{i}");
                    match o.get(i) {
                        Some(ov) => lost_keys(v, ov, &p, lost),
                        None => lost.push(p),
                    }
                }
            }
            _ if items.len() == 1 => lost_keys(&items[0], output, path, lost),
            _ => lost.push(path.to_owned()),
        },
        _ => {}
    }
}

/// Checks one payload; returns a failure description.
fn check(name: &str, model: Model, v: &Value) -> Option<String> {
    // Fixture annotations, not API data.
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        m.retain(|k, _| !k.starts_with('_'));
    }
    match through(model, &v) {
        Err(e) => Some(format!("{name} as {model:?}: {e}")),
        Ok(out) => {
            let mut lost = Vec::new();
            lost_keys(&v, &out, "", &mut lost);
            (!lost.is_empty()).then(|| format!("{name} as {model:?} lost {lost:?}"))
        }
    }
}

fn assert_all(results: Vec<Option<String>>, at_least: usize) {
    let checked = results.len();
    let failures: Vec<String> = results.into_iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= at_least, "only {checked} payloads checked");
}

/// The model of a successful answer of an operation of the spec.
fn success_model(method: &str, path: &str) -> Model {
    let p = path.trim_start_matches("/api/v2");
    match (method, p) {
        ("get", "/accounts/{id}/") => Model::AccountMetadata,
        ("get", "/accounts/{id}/balances/") => Model::Balances,
        ("get", "/accounts/{id}/details/") => Model::AccountDetailsResponse,
        ("get", "/accounts/{id}/transactions/") => Model::Transactions,
        ("get", "/agreements/enduser/") => Model::Agreements,
        ("post", "/agreements/enduser/") => Model::Agreement,
        ("get", "/agreements/enduser/{id}/") => Model::Agreement,
        ("delete", "/agreements/enduser/{id}/") => Model::Deleted,
        ("put", "/agreements/enduser/{id}/accept/") => Model::Agreement,
        (_, "/agreements/enduser/{id}/reconfirm/") => Model::Reconfirmation,
        ("get", "/institutions/") => Model::Institutions,
        ("get", "/institutions/{id}/") => Model::Institution,
        ("get", "/requisitions/") => Model::Requisitions,
        ("post", "/requisitions/") => Model::Requisition,
        ("get", "/requisitions/{id}/") => Model::Requisition,
        ("delete", "/requisitions/{id}/") => Model::Deleted,
        ("post", "/token/new/") => Model::TokenPair,
        ("post", "/token/refresh/") => Model::AccessToken,
        _ => panic!("an operation the client does not know: {method} {path}"),
    }
}

/// Every example of every response of the spec, as `(name, status, model, value)`.
fn spec_examples() -> Vec<(String, u16, Model, Value)> {
    let spec = load(&shared().join("gocardless/openapi.json"));
    let mut out = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(responses) = op["responses"].as_object() else {
                continue;
            };
            // Every operation must map to a model, examples or not.
            let ok_model = success_model(method, path);
            for (status, response) in responses {
                let status: u16 = status.parse().unwrap();
                let Some(content) = response["content"].as_object() else {
                    continue;
                };
                for (ctype, c) in content {
                    let mut examples: Vec<(String, Value)> = Vec::new();
                    if let Some(e) = c.get("example") {
                        examples.push(("example".into(), e.clone()));
                    }
                    if let Some(map) = c.get("examples").and_then(Value::as_object) {
                        for (n, e) in map {
                            examples.push((n.clone(), e["value"].clone()));
                        }
                    }
                    for (n, value) in examples {
                        let model = if (200..300).contains(&status) {
                            ok_model
                        } else if status == 409 && value.get("id").is_some() {
                            Model::AccountMetadata
                        } else {
                            Model::ErrorBody
                        };
                        let name = format!("{} {path} {status} {ctype} {n}", method.to_uppercase());
                        out.push((name, status, model, value));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_spec_example_deserialises_without_loss() {
    let examples = spec_examples();
    let results = examples
        .iter()
        .map(|(name, _, model, v)| check(name, *model, v))
        .collect();
    assert_all(results, 160);
}

#[test]
fn every_spec_error_example_is_classified_by_its_status() {
    for (name, status, _, v) in spec_examples() {
        if (200..300).contains(&status) {
            continue;
        }
        let e = Error::from_response(
            Operation::new("GET x"),
            status,
            &v.to_string(),
            RateLimit::default(),
        );
        let ok = match status {
            400 => matches!(e, Error::Validation { .. } | Error::AccessExpired { .. }),
            401 => matches!(
                e,
                Error::TokenRejected { .. }
                    | Error::BadCredentials { .. }
                    | Error::AccessExpired { .. }
            ),
            402 | 403 => matches!(e, Error::Forbidden { .. } | Error::AccessExpired { .. }),
            404 => matches!(e, Error::NotFound { .. }),
            409 => matches!(e, Error::AccountState { .. }),
            429 => e.is_rate_limited(),
            500..=599 => matches!(e, Error::Server { .. }),
            _ => matches!(e, Error::Http { .. }),
        };
        assert!(ok, "{name}: {e:?}");
        let kind = v["type"].as_str().unwrap_or("");
        if kind == "RateLimitError" {
            assert!(e.is_daily_limit(), "{name}");
        }
        if matches!(kind, "AccessExpiredError" | "AccountInactiveError")
            || name.contains("EUAExpired")
        {
            assert!(e.is_access_expired(), "{name}");
        }
    }
}

/// The model of a file of `fixtures/api`, by its name.
fn api_fixture_model(file: &str) -> Option<Model> {
    let m = |p: &str| file.starts_with(p);
    Some(if m("account_details") {
        Model::AccountDetailsResponse
    } else if m("account_metadata") || m("error_409_account_state") {
        Model::AccountMetadata
    } else if m("agreement_deleted") || m("requisition_deleted") {
        Model::Deleted
    } else if m("agreements_list") {
        Model::Agreements
    } else if m("agreement") {
        Model::Agreement
    } else if m("balances") {
        Model::Balances
    } else if m("error_") {
        Model::ErrorBody
    } else if m("institution_get") {
        Model::Institution
    } else if m("institutions_list") {
        Model::Institutions
    } else if m("requisitions_list") {
        Model::Requisitions
    } else if m("requisition") {
        Model::Requisition
    } else if m("token_new") {
        Model::TokenPair
    } else if m("token_refresh") {
        Model::AccessToken
    } else if m("transactions_") {
        Model::Transactions
    } else if m("transaction_") {
        Model::Transaction
    } else {
        return None;
    })
}

/// The model of an entry of the .NET client's mock set (`responses.json`).
fn mock_model(group: &str, key: &str) -> Model {
    let errorish = [
        "Invalid",
        "DoesNotExist",
        "InFuture",
        "NotCovered",
        "NonExisting",
        "Error",
    ];
    if group == "CredentialMockData" || errorish.iter().any(|e| key.contains(e)) {
        return Model::ErrorBody;
    }
    match key {
        "GetAccount" => Model::AccountMetadata,
        "GetBalances" => Model::Balances,
        "GetAccountDetails" => Model::AccountDetailsResponse,
        "GetTransactions" | "GetTransactionRange" => Model::Transactions,
        "GetAgreements" => Model::Agreements,
        "GetAgreement" | "CreateAgreement" | "AcceptAgreement" => Model::Agreement,
        "DeleteAgreement" | "DeleteRequisition" => Model::Deleted,
        "GetInstitutions" => Model::Institutions,
        "GetInstitution" => Model::Institution,
        "GetRequisitions" => Model::Requisitions,
        "GetRequisition" | "CreateRequisition" => Model::Requisition,
        "GetNewToken" => Model::TokenPair,
        "RefreshAccessToken" => Model::AccessToken,
        other => panic!("responses.json: unmapped {group}.{other}"),
    }
}

/// The `.json` files of a folder with their names, sorted so that failures
/// are reported in a stable order.
fn json_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (p, name)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_api_fixture_deserialises_without_loss() {
    let dir = shared().join("fixtures/api");
    let mut results = Vec::new();
    for (path, file) in json_files(&dir) {
        let v = load(&path);
        if file == "responses.json" {
            for (group, entries) in v.as_object().unwrap() {
                for (key, value) in entries.as_object().unwrap() {
                    let name = format!("responses.json {group}.{key}");
                    results.push(check(&name, mock_model(group, key), value));
                }
            }
            continue;
        }
        if file == "currency_exchange_object_vs_array.json" {
            results.push(check(&file, Model::TransactionList, &v["items"]));
            continue;
        }
        let model = api_fixture_model(&file).unwrap_or_else(|| panic!("unmapped fixture {file}"));
        results.push(check(&file, model, &v));
    }
    // The spec examples extracted one per file agree with the spec.
    for (path, file) in json_files(&dir.join("spec-examples")) {
        let rest = file
            .strip_suffix(".json")
            .expect("json_files lists .json files");
        let model = if rest.contains("_balances_") {
            Model::Balances
        } else if rest.contains("_details_") {
            Model::AccountDetailsResponse
        } else if rest.contains("_transactions_") {
            Model::Transactions
        } else if rest.starts_with("get_api_v2_institutions_id_") {
            Model::Institution
        } else if rest.starts_with("get_api_v2_institutions_") {
            Model::Institutions
        } else if rest.starts_with("delete_") {
            Model::Deleted
        } else {
            continue;
        };
        results.push(check(&file, model, &load(&path)));
    }
    assert_all(results, 60);
}

#[test]
fn every_bank_payload_deserialises_without_loss() {
    let dir = shared().join("fixtures/banks");
    let mut results = Vec::new();
    for (path, file) in json_files(&dir) {
        let v = load(&path);
        if let Some(items) = v.get("items").and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                let model = match item["kind"].as_str() {
                    Some("balance") => Model::Balance,
                    Some("transaction") | None => Model::Transaction,
                    Some(other) => panic!("{file}: unknown kind {other}"),
                };
                results.push(check(&format!("{file} item {i}"), model, &item["value"]));
            }
            continue;
        }
        for (key, value) in v.as_object().unwrap() {
            if key.starts_with('_') {
                continue;
            }
            let model = match key.as_str() {
                "account"
                | "mockDetailedAccount"
                | "mockDetailedAccountExample1"
                | "mockDetailedAccountExample2" => Model::AccountDetails,
                "transaction" => Model::Transaction,
                "balances" => Model::BalanceList,
                "mockedBalances" => Model::Balances,
                "mockTransactions" => Model::Transactions,
                "mockUnknownError" => Model::ErrorBody,
                "mockAccountDetails" => Model::AccountDetailsResponse,
                "mockAccountMetaData" => Model::AccountMetadata,
                "mockInstitution" => Model::Institution,
                "mockRequisition"
                | "mockCreateRequisition"
                | "mockRequisitionWithExampleAccounts" => Model::Requisition,
                "mockDeleteRequisition" => Model::Deleted,
                "mockExtendAccountsAboutInstitutions" => Model::AccountDetailsList,
                "mockTransactionAmount" => Model::Amount,
                other => panic!("{file}: unmapped key {other}"),
            };
            results.push(check(&format!("{file} {key}"), model, value));
        }
    }
    assert_all(results, 100);
}

#[test]
fn every_statement_deserialises_without_loss() {
    let dir = shared().join("fixtures/statements");
    let mut results = Vec::new();
    for (path, name) in json_files(&dir) {
        results.push(check(&name, Model::Transactions, &load(&path)));
    }
    assert_all(results, 5);
}

#[test]
fn the_walker_catches_a_lost_key() {
    let input = json!({"a": {"b": 1, "c": [ {"d": 2} ], "blank": " "}, "n": null});
    let mut lost = Vec::new();
    lost_keys(&input, &json!({"a": {"b": 1, "c": [ {} ]}}), "", &mut lost);
    assert_eq!(lost, ["/a/c/0/d"]);
    // An institution with a field the model does not name keeps it.
    let v = json!({"id": "X", "name": "Y", "brand_new_field": {"k": 1}});
    assert_eq!(check("inline", Model::Institution, &v), None);
    // A balance has no catch-all: an unknown key is reported.
    let v = json!({"balanceAmount": {"amount": "1", "currency": "EUR"}, "balanceType": "expected", "surprise": 1});
    assert!(
        check("inline", Model::Balance, &v)
            .unwrap()
            .contains("/surprise")
    );
}

/// A response read by serde, or why not, in terms both readers give.
fn outline(r: Result<TransactionsResponse, serde_json::Error>) -> Result<String, String> {
    r.map(|t| {
        let list = |l: &[TransactionRecord]| l.iter().map(|r| r.json().to_owned()).collect();
        let lists: [Vec<String>; 2] = [list(&t.transactions.booked), list(&t.transactions.pending)];
        format!(
            "{lists:?} next {:?} {:?} updated {:?}",
            t.transactions.next, t.next, t.last_updated
        )
    })
    .map_err(|e| e.to_string())
}

#[test]
fn a_response_read_sharing_its_body_reads_as_serde_reads_it() {
    let dir = shared().join("fixtures/statements");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    texts.push(
        std::fs::read_to_string(shared().join("fixtures/issues/transactions_from_issues.json"))
            .unwrap(),
    );
    assert!(texts.len() >= 6);
    // Shapes a hostile or broken server may send.
    texts.extend(
        [
            "{}",
            "[]",
            "null",
            "{\"transactions\": []}",
            "{\"transactions\": null}",
            "{\"transactions\": {\"booked\": null}}",
            "{\"transactions\": {\"booked\": {}}}",
            "{\"transactions\": {\"booked\": [1, \"x\", null, {\"a\": [\"\\u2028\\\"\"]}]}}",
            "{\"transactions\": {\"booked\": [], \"pending\": [{}], \"next\": \"p2\"}, \"next\": 3}",
            "{\"transactions\": {\"booked\": []}, \"last_updated\": \"2026-01-01\", \"x\": [1]}",
            "{\"transactions\": {\"booked\": []}} trailing",
            "{\"transactions\": {\"booked\": [{}]",
            " \n{\"transactions\":{\"pending\":[ {\"id\" : 1} ]}}\n ",
        ]
        .map(str::to_owned),
    );
    for text in &texts {
        let body = bytestring::ByteString::from(text.as_str());
        let shared = TransactionsResponse::from_shared(&body);
        if let Ok(r) = &shared {
            for record in r.transactions.booked.iter().chain(&r.transactions.pending) {
                // A piece of the body, not a copy of it.
                let text = record.shared_json();
                let within = body.as_bytes().as_ptr_range();
                assert!(within.contains(&text.as_ptr()), "{text}");
                assert!(text.as_ptr() as usize + text.len() <= within.end as usize);
            }
        }
        assert_eq!(
            outline(shared),
            outline(serde_json::from_str(text)),
            "{}",
            &text[..text.len().min(200)]
        );
    }
}
