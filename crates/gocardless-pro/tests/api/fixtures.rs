//! Every fixture of the official clients (shared/providers/gocardless-pro/
//! fixtures, MIT, Copyright (c) 2017 GoCardless), served by the fake as
//! they are and read by the client; the error bodies classified. A fixture
//! of a resource the client does not read is at least checked to be JSON,
//! and a new fixture fails the test until it is placed here.

use std::path::PathBuf;

use fake_gocardless_pro::{FakeServer, Fault, FaultKind};
use gocardless_pro::model::{
    Creditor, CreditorId, Customer, CustomerId, Mandate, MandateId, Payment, PaymentId, Payout,
    PayoutId, PayoutItem, PayoutItemType, Refund, RefundId, Resource,
};
use gocardless_pro::{Client, Error, PayoutFilter};
use serde_json::Value;

use crate::common::{client, server};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/providers/gocardless-pro/fixtures"
    ))
}

/// Fixtures of resources this client has no use for.
const NOT_READ: &[&str] = &[
    "balances.list.GET_balances.json",
    "creditor_bank_accounts.get.GET_creditor_bank_accounts_identity.json",
    "creditor_bank_accounts.list.GET_creditor_bank_accounts.json",
    "docs.payments.create.request.idempotency_key.json",
    "events.get.GET_events_identity.json",
    "events.list.GET_events.json",
    "tax_rates.get.GET_tax_rates_identity.json",
    "tax_rates.list.GET_tax_rates.json",
    "webhook_body.json",
    "webhook_body.raw.json",
    "webhook_signature.test_vector.json",
    "webhooks.get.GET_webhooks_identity.json",
    "webhooks.list.GET_webhooks.json",
];

/// Serves `body` once on paths containing `path`.
fn serve(server: &FakeServer, path: &str, status: u16, body: &Value, times: u32) {
    server.inject(Fault::next(
        path,
        times,
        FaultKind::Respond {
            status,
            body: body.to_string(),
        },
    ));
}

fn get_one(client: &Client, key: &str, id: &str) -> Result<String, Error> {
    Ok(match key {
        "payouts" => client.payout(&PayoutId::new(id))?.raw().to_string(),
        "payments" => client.payment(&PaymentId::new(id))?.raw().to_string(),
        "refunds" => client.refund(&RefundId::new(id))?.raw().to_string(),
        "mandates" => client.mandate(&MandateId::new(id))?.raw().to_string(),
        "customers" => client.customer(&CustomerId::new(id))?.raw().to_string(),
        "creditors" => client.creditor(&CreditorId::new(id))?.raw().to_string(),
        other => panic!("no get for {other}"),
    })
}

/// Reads every record of a list body with the model's parser.
fn parse_all(key: &str, list: &Value) -> usize {
    let records = list.as_array().unwrap();
    for r in records {
        let json = r.to_string();
        let ok = match key {
            "payouts" => Payout::from_json(&json).map(|_| ()),
            "payout_items" => PayoutItem::from_json(&json).map(|_| ()),
            "payments" => Payment::from_json(&json).map(|_| ()),
            "refunds" => Refund::from_json(&json).map(|_| ()),
            "mandates" => Mandate::from_json(&json).map(|_| ()),
            "customers" => Customer::from_json(&json).map(|_| ()),
            "creditors" => Creditor::from_json(&json).map(|_| ()),
            other => panic!("no model for {other}"),
        };
        ok.unwrap_or_else(|e| panic!("{key}: {e}: {json}"));
    }
    records.len()
}

fn error_class(e: &Error) -> &'static str {
    match e {
        Error::Authentication { .. } => "authentication",
        Error::Permissions { .. } => "permissions",
        Error::RateLimited { .. } => "rate limit",
        Error::ValidationFailed { .. } => "validation failed",
        Error::InvalidApiUsage { .. } => "invalid api usage",
        Error::InvalidState { .. } => "invalid state",
        Error::Internal { .. } => "internal",
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn every_fixture_is_read() {
    let server = server();
    let client = client(&server);
    let mut files: Vec<_> = std::fs::read_dir(dir())
        .expect("the shared fixtures beside the repository")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert!(files.len() >= 35, "{files:?}");
    let mut read = 0;
    for name in &files {
        let text = std::fs::read_to_string(dir().join(name)).unwrap();
        let fixture: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if NOT_READ.contains(&name.as_str()) {
            continue;
        }
        assert!(
            fixture.get("_source").is_some(),
            "{name} says where it comes from"
        );
        let body = &fixture["body"];
        let parts: Vec<&str> = name.split('.').collect();
        server.reset_counters();
        server.clear_faults();
        match parts.as_slice() {
            ["error", kind, "json"] => {
                let status = body["error"]["code"].as_u64().unwrap() as u16;
                serve(&server, "/payments/", status, body, 100);
                let e = client.payment(&PaymentId::new("PM123")).unwrap_err();
                let expected = match *kind {
                    "gocardless_error" => "internal",
                    "idempotent_creation_conflict_error" | "invalid_state_error" => "invalid state",
                    "insufficient_permission" => "permissions",
                    "invalid_api_usage_error" => "invalid api usage",
                    "rate_limit_exceeded" => "rate limit",
                    "unauthorized_error" => "authentication",
                    "validation_failed_error" => "validation failed",
                    other => panic!("unclassified error fixture {other}"),
                };
                assert_eq!(error_class(&e), expected, "{name}");
                let message = body["error"]["message"].as_str().unwrap();
                assert!(
                    e.to_string().contains(&format!("{message:?}")),
                    "{name}: {e}"
                );
                let api = e.api().unwrap();
                assert_eq!(
                    api.errors.len(),
                    body["error"]["errors"].as_array().map_or(0, Vec::len)
                );
                assert_eq!(
                    api.request_id.as_deref(),
                    body["error"]["request_id"].as_str()
                );
                // Internal errors were retried; the rest were not.
                let tries = if expected == "internal" { 4 } else { 1 };
                assert_eq!(server.count("GET", "/payments/"), tries, "{name}");
            }
            [key, "get", _, "json"] => {
                let record = &body[*key];
                let id = record["id"].as_str().unwrap();
                serve(&server, &format!("/{key}/"), 200, body, 1);
                let raw = get_one(&client, key, id).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    serde_json::from_str::<Value>(&raw).unwrap(),
                    *record,
                    "{name}"
                );
            }
            [
                key @ ("payouts" | "creditors" | "payout_items"),
                "list",
                _,
                "json",
            ] => {
                let end = serde_json::json!({ *key: [], "meta": {"cursors": {"before": null, "after": null}, "limit": 50} });
                serve(&server, &format!("/{key}"), 200, body, 1);
                server.inject(Fault::nth(
                    &format!("/{key}"),
                    2,
                    FaultKind::Respond {
                        status: 200,
                        body: end.to_string(),
                    },
                ));
                let n = match *key {
                    "payouts" => client
                        .payouts(&PayoutFilter::default())
                        .map(|r| r.map(|_| ()))
                        .collect::<Result<Vec<_>, _>>(),
                    "creditors" => client
                        .creditors()
                        .map(|r| r.map(|_| ()))
                        .collect::<Result<Vec<_>, _>>(),
                    _ => {
                        let items: Result<Vec<_>, _> =
                            client.payout_items(&PayoutId::new("PO123")).collect();
                        if let Ok(items) = &items {
                            assert!(
                                items
                                    .iter()
                                    .all(|i| i.kind == PayoutItemType::PaymentPaidOut)
                            );
                            assert_eq!(items[0].amount.to_string(), "45.0");
                            assert_eq!(items[0].taxes[0].tax_rate_id.as_deref(), Some("GB_VAT_1"));
                        }
                        items.map(|v| v.into_iter().map(|_| ()).collect())
                    }
                }
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .len();
                assert_eq!(n, body[*key].as_array().unwrap().len(), "{name}");
                let second = &server.requests()[1].query;
                assert!(
                    second.contains("after=example+after+101"),
                    "{name}: {second}"
                );
            }
            [key, "list", _, "json"] | ["docs", key, "list", _, _, "json"] => {
                assert!(parse_all(key, &body[*key]) > 0, "{name}");
            }
            _ => panic!("fixture {name} is neither read nor listed in NOT_READ"),
        }
        read += 1;
    }
    assert_eq!(read + NOT_READ.len(), files.len());
}
