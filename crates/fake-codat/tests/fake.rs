//! The fake's own behaviour, through raw HTTP: what the `codat` client
//! never sends (it refuses it first) and the set-up options.

use base64::Engine;
use chrono::NaiveDate;
use fake_codat::{FakeServer, Fault, FaultKind, Options};
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{Value, json};

struct Api<'a> {
    server: &'a FakeServer,
    http: Client,
}

impl Api<'_> {
    fn new(server: &FakeServer) -> Api<'_> {
        Api {
            server,
            http: Client::new(),
        }
    }

    fn auth(&self, b: RequestBuilder) -> RequestBuilder {
        let key = base64::engine::general_purpose::STANDARD.encode(self.server.api_key());
        b.header("Authorization", format!("Basic {key}"))
    }

    fn url(&self, rest: &str) -> String {
        format!(
            "{}/companies/{}{rest}",
            self.server.base_url(),
            self.server.company_id()
        )
    }

    fn conn(&self, rest: &str) -> String {
        self.url(&format!(
            "/connections/{}{rest}",
            self.server.connection_id()
        ))
    }

    fn send(&self, b: RequestBuilder) -> (u16, Value) {
        let r = self.auth(b).send().unwrap();
        let status = r.status().as_u16();
        let text = r.text().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn create_account(&self, id: &str) {
        let (s, _) = self.send(
            self.http
                .post(self.conn("/connectionInfo/bankFeedAccounts"))
                .json(&json!({
                    "id": id, "accountName": "Current", "accountType": "checking",
                    "accountNumber": "1234", "currency": "GBP", "balance": 10.5,
                })),
        );
        assert_eq!(s, 200);
    }

    fn push(&self, id: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
        let mut b = self
            .http
            .post(self.conn(&format!("/push/bankAccounts/{id}/bankTransactions")))
            .json(body);
        if let Some(k) = key {
            b = b.header("Idempotency-Key", k);
        }
        self.send(b)
    }
}

fn tx(id: &str, date: &str) -> Value {
    json!({"id": id, "date": date, "description": "d", "amount": 1, "balance": 1, "transactionType": "Credit"})
}

#[test]
fn credentials_routes_and_methods() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    let r = api.http.get(api.url("")).send().unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "Unauthorized");
    assert_eq!(api.send(api.http.get(api.url(""))).0, 200);
    assert_eq!(api.send(api.http.delete(api.url(""))).0, 405);
    assert_eq!(api.send(api.http.get(api.url("/nothing"))).0, 404);
    let (s, b) = api.send(api.http.get(format!("{}/companies/x", server.base_url())));
    assert_eq!(
        (s, b["error"].as_str().unwrap()),
        (404, "No company was found with ID x")
    );
    let (s, b) = api.send(api.http.get(api.url("/connections?page=0")));
    assert_eq!(
        (s, b["error"].as_str().unwrap()),
        (400, "Error parsing query - Malformed query.")
    );
    let (s, b) = api.send(api.http.get(api.url("/connections?page=1&pageSize=10")));
    assert_eq!(s, 200);
    assert_eq!(b["totalResults"], 1);
    assert_eq!(
        b["_links"]["current"]["href"],
        format!(
            "/companies/{}/connections?page=1&pageSize=10",
            server.company_id()
        )
    );
}

#[test]
fn the_same_seed_gives_the_same_server() {
    let a = FakeServer::start(Options::default());
    let b = FakeServer::start(Options::default());
    let c = FakeServer::start(Options {
        seed: 2,
        ..Options::default()
    });
    assert_eq!(
        (a.api_key(), a.company_id(), a.connection_id()),
        (b.api_key(), b.company_id(), b.connection_id())
    );
    assert_ne!(a.api_key(), c.api_key());
    assert_ne!(a.company_id(), c.company_id());
}

#[test]
fn pushes_are_checked_before_any_operation_is_made() {
    let server = FakeServer::start(Options {
        connect_new_accounts: true,
        ..Options::default()
    });
    let api = Api::new(&server);
    api.create_account("acc-1");
    let many: Vec<Value> = (0..1001)
        .map(|i| tx(&format!("t{i}"), "2026-11-01"))
        .collect();
    let (s, b) = api.push(
        "acc-1",
        None,
        &json!({"accountId": "acc-1", "transactions": many}),
    );
    assert_eq!(s, 400);
    assert!(
        b["validation"]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("maximum of 1000")
    );
    let (s, _) = api.push(
        "acc-1",
        None,
        &json!({"accountId": "acc-2", "transactions": [tx("t", "2026-11-01")]}),
    );
    assert_eq!(s, 400);
    let (s, _) = api.push("acc-1", None, &json!({"accountId": "acc-1"}));
    assert_eq!(s, 400);
    let (s, _) = api.push(
        "nope",
        None,
        &json!({"accountId": "nope", "transactions": []}),
    );
    assert_eq!(s, 404);
    assert_eq!(server.push_operation_count(), 0);
}

#[test]
fn idempotency_replays_refuses_a_changed_body_and_expires() {
    let server = FakeServer::start(Options {
        connect_new_accounts: true,
        ..Options::default()
    });
    let api = Api::new(&server);
    api.create_account("acc-1");
    let body = json!({"accountId": "acc-1", "transactions": [tx("t1", "2026-11-01")]});
    let key = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    let (s1, a) = api.push("acc-1", Some(key), &body);
    let (s2, b) = api.push("acc-1", Some(key), &body);
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(a, b);
    assert_eq!(server.push_operation_count(), 1);
    let other = json!({"accountId": "acc-1", "transactions": [tx("t2", "2026-11-02")]});
    assert_eq!(api.push("acc-1", Some(key), &other).0, 422);

    // A 429 is not kept: the same key goes through afterwards.
    let key2 = "6f9619ff-8b86-d011-b42d-00c04fc964f0";
    server.inject(Fault::next(
        "/bankTransactions",
        1,
        FaultKind::RateLimit {
            retry_after: Some(3),
        },
    ));
    let r = api
        .auth(
            api.http
                .post(api.conn("/push/bankAccounts/acc-1/bankTransactions"))
                .json(&other)
                .header("Idempotency-Key", key2),
        )
        .send()
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(api.push("acc-1", Some(key2), &other).0, 202);
    assert_eq!(server.push_operation_count(), 2);

    // Without a key the same body makes a new operation (which then fails:
    // the ids are on the account already).
    let (_, c) = api.push("acc-1", None, &body);
    assert_ne!(c["pushOperationKey"], a["pushOperationKey"]);
    server.advance(chrono::Duration::minutes(91));
    let (_, d) = api.push("acc-1", Some(key), &body);
    assert_ne!(
        d["pushOperationKey"], a["pushOperationKey"],
        "the key expired"
    );
    let logged = server.requests();
    assert_eq!(logged.last().unwrap().idempotency_key.as_deref(), Some(key));
}

#[test]
fn operations_show_their_outcome_after_the_polls_set() {
    let server = FakeServer::start(Options {
        connect_new_accounts: true,
        feed_start_date: Some(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
        polls_to_complete: 0,
        ..Options::default()
    });
    let api = Api::new(&server);
    api.create_account("acc-1");
    let held = server.source_account("acc-1").unwrap();
    assert_eq!(
        (held.status.as_str(), held.balance.to_string()),
        ("connected", "10.5".to_owned())
    );
    // An offset is dropped, not applied: 23:30 at -05:00 stays on the 1st.
    let (s, op) = api.push("acc-1", None, &json!({"accountId": "acc-1", "transactions": [
        tx("before-start", "2026-05-31"),
        {"id": "ok", "date": "2026-07-01T23:30:00-05:00", "description": "x", "amount": 12.30, "balance": 22.80},
    ]}));
    assert_eq!(s, 202);
    assert_eq!(
        op["status"], "Failed",
        "shown at once with polls_to_complete 0"
    );
    assert_eq!(op["statusCode"], 400);
    let errors = op["validation"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["itemId"], "before-start");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("feed start date 2026-06-01")
    );

    // As text: `json!` would make 12.30 a float and send 12.3.
    let text = r#"{"accountId": "acc-1", "transactions": [
        {"id": "ok", "date": "2026-07-01T23:30:00-05:00", "description": "x", "amount": 12.30, "balance": 22.80}]}"#;
    let (_, ok) = api.send(
        api.http
            .post(api.conn("/push/bankAccounts/acc-1/bankTransactions"))
            .header("Content-Type", "application/json")
            .body(text),
    );
    assert_eq!(ok["status"], "Success");
    let stored = server.transactions("acc-1");
    assert_eq!(stored[0].date.to_string(), "2026-07-01 23:30:00");
    assert_eq!(stored[0].amount.to_string(), "12.30", "digits as sent");
    assert_eq!(
        server.source_account("acc-1").unwrap().balance.to_string(),
        "22.80"
    );
    let key = ok["pushOperationKey"].as_str().unwrap();
    let (s, again) = api.send(api.http.get(api.url(&format!("/push/{key}"))));
    assert_eq!((s, again["status"].as_str().unwrap()), (200, "Success"));
    let (s, list) = api.send(api.http.get(api.url("/push?pageSize=1&page=2")));
    assert_eq!(s, 200);
    assert_eq!(list["results"][0]["pushOperationKey"], key);
    assert_eq!(list["totalResults"], 2);
}

#[test]
fn faults_after_handling_keep_the_work() {
    let server = FakeServer::start(Options {
        connect_new_accounts: true,
        ..Options::default()
    });
    let api = Api::new(&server);
    api.create_account("acc-1");
    server.inject(Fault::next(
        "/bankTransactions",
        1,
        FaultKind::StatusAfterHandling(503),
    ));
    let (s, b) = api.push(
        "acc-1",
        None,
        &json!({"accountId": "acc-1", "transactions": [tx("t1", "2026-11-01")]}),
    );
    assert_eq!((s, b["statusCode"].as_i64()), (503, Some(503)));
    assert_eq!(server.transactions("acc-1").len(), 1);
    server.inject(Fault::next("/bankTransactions", 1, FaultKind::Drop));
    let r = api
        .auth(
            api.http
                .post(api.conn("/push/bankAccounts/acc-1/bankTransactions"))
                .json(&json!({"accountId": "acc-1", "transactions": [tx("t2", "2026-11-02")]})),
        )
        .send();
    assert!(r.is_err());
    assert_eq!(
        server.transactions("acc-1").len(),
        1,
        "a drop before handling keeps nothing"
    );
    assert_eq!(server.requests().last().unwrap().status, 0);
}
