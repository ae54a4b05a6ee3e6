//! The contract test: every payload under the shared Codat fixtures is
//! read, each one the client models into its model (and, for what the
//! client sends, written back unchanged); the rest are listed with the
//! reason they are not modelled, so a new fixture fails until it is
//! classified.

use std::path::PathBuf;

use codat::model::{
    Company, Connection, CreateBankTransactions, ErrorBody, NewSourceAccount, Page, PushOperation,
    PushStatus,
};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/providers/codat/fixtures"
    ))
}

/// The fixture's `body`, as its exact text.
#[derive(Deserialize)]
struct Fixture {
    body: Box<RawValue>,
}

/// What the client does with a payload.
#[derive(Debug, Clone, Copy)]
enum Kind {
    PushRequest,
    NewSourceAccount,
    PushOperation,
    Company,
    Companies,
    Connection,
    Connections,
    Error,
    /// Not something this client sends or reads; why.
    NotModelled(&'static str),
}

fn kind(name: &str) -> Kind {
    let starts = |p: &str| name.starts_with(p);
    if starts("create-bank-transactions.request.")
        || starts("docs.create-bank-transactions.request.")
    {
        Kind::PushRequest
    } else if starts("create-source-account.request.") {
        Kind::NewSourceAccount
    } else if starts("docs.create-bank-transactions.response.")
        || starts("docs.get-create-operation.response.")
    {
        Kind::PushOperation
    } else if starts("get-company.response") || starts("create-company.response") {
        Kind::Company
    } else if starts("list-companies.response") {
        Kind::Companies
    } else if starts("get-connection.response") || starts("create-connection.response") {
        Kind::Connection
    } else if starts("list-connections.response") {
        Kind::Connections
    } else if starts("error.") {
        Kind::Error
    } else if starts("webhook.") || starts("docs.webhook.") {
        Kind::NotModelled(
            "webhooks: the exporter polls push operations instead of receiving webhooks",
        )
    } else if starts("list-bank-accounts.") || starts("get-create-bankAccounts-model.") {
        Kind::NotModelled(
            "the accounting package's own bank accounts, not the feed's source accounts",
        )
    } else if name.contains("bank-account-mapping") {
        Kind::NotModelled("account mapping is done by the company in Codat's or the platform's UI")
    } else if starts("get-company-access-token.") {
        Kind::NotModelled("a company access token: a secret this client never asks for")
    } else if starts("create-company.request.")
        || starts("replace-company.")
        || starts("update-company.")
        || starts("unlink-connection.")
    {
        Kind::NotModelled(
            "companies and connections are set up in the Codat Portal, not by the exporter",
        )
    } else {
        panic!("fixture {name} is not classified: model it or say why not")
    }
}

/// Every key of `input` is in `output` (values may be normalised), unless
/// `input`'s value is null. A page's `_links` are left out on purpose: the
/// client pages by number.
fn keys_kept(input: &Value, output: &Value, path: &str) {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if v.is_null() || k == "_links" {
                    continue;
                }
                let Some(w) = b.get(k) else {
                    panic!("{path}.{k} was lost")
                };
                keys_kept(v, w, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}");
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                keys_kept(v, w, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

/// Reads `text` as `T`, writes it back, and checks that nothing was lost
/// and that reading the output gives the same value.
fn round_trip<T>(name: &str, text: &str) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let typed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = serde_json::to_string(&typed).unwrap();
    let again: T = serde_json::from_str(&out).unwrap();
    assert_eq!(typed, again, "{name}");
    let input: Value = serde_json::from_str(text).unwrap();
    let output: Value = serde_json::from_str(&out).unwrap();
    keys_kept(&input, &output, name);
    typed
}

#[test]
fn every_fixture_is_read_by_its_model() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("the shared Codat fixtures")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 70, "{} fixtures", names.len());
    let mut modelled = 0;
    for name in &names {
        let text = std::fs::read_to_string(fixtures().join(name)).unwrap();
        let f: Fixture = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let body = f.body.get();
        match kind(name) {
            Kind::PushRequest => {
                let push: CreateBankTransactions = round_trip(name, body);
                assert!(!push.transactions.is_empty(), "{name}");
                // Amounts keep the digits of the text.
                let input: Value = serde_json::from_str(body).unwrap();
                for (t, v) in push
                    .transactions
                    .iter()
                    .zip(input["transactions"].as_array().unwrap())
                {
                    assert_eq!(t.amount, v["amount"].to_string().parse().unwrap(), "{name}");
                }
            }
            Kind::NewSourceAccount => {
                let a: NewSourceAccount = round_trip(name, body);
                assert_eq!(a.balance.to_string(), "99.99", "{name}");
            }
            Kind::PushOperation => {
                let op: PushOperation =
                    serde_json::from_str(body).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!op.push_operation_key.as_str().is_empty(), "{name}");
                match op.status {
                    PushStatus::Pending => {
                        let data = op.bank_transactions().unwrap().unwrap();
                        assert_eq!(data.transactions.len(), 6, "{name}");
                        assert_eq!(data.transactions[3].amount.to_string(), "-17.54");
                        assert_eq!(
                            data.transactions[5].balance.unwrap().to_string(),
                            "-1457.54"
                        );
                    }
                    PushStatus::Failed => {
                        assert_eq!(op.validation.errors.len(), 1, "{name}");
                        assert!(op.error_message.is_some(), "{name}");
                        // Not a bank-transaction push: its data is no batch
                        // and its error is about no transaction.
                        assert!(op.bank_transactions().is_err(), "{name}");
                        assert_eq!(op.rejections(&[])[0].transaction_id, None);
                    }
                    other => panic!("{name}: {other}"),
                }
            }
            Kind::Company => {
                let c: Company = round_trip(name, body);
                assert!(!c.id.is_empty() && !c.name.is_empty(), "{name}");
            }
            Kind::Companies => {
                let p: Page<Company> = round_trip(name, body);
                assert!(!p.results.is_empty(), "{name}");
            }
            Kind::Connection => {
                let c: Connection = round_trip(name, body);
                assert!(c.created.is_some(), "{name}");
            }
            Kind::Connections => {
                let p: Page<Connection> = round_trip(name, body);
                assert_eq!(p.results.len(), 1, "{name}");
            }
            Kind::Error => {
                let e = ErrorBody::from_json(body).unwrap_or_else(|| panic!("{name}"));
                assert!(e.error.as_deref().is_some_and(|s| !s.is_empty()), "{name}");
                assert!(e.correlation_id.is_some() && e.service.is_some(), "{name}");
                assert_eq!(e.can_be_retried.as_deref(), Some("Unknown"), "{name}");
            }
            Kind::NotModelled(why) => {
                assert!(!why.is_empty());
                let _: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{name}: {e}"));
                continue;
            }
        }
        modelled += 1;
    }
    assert!(modelled >= 25, "{modelled} fixtures modelled");
}
