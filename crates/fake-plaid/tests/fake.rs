//! The fake's own rules over raw HTTP: keys, bodies, routes, sync
//! arguments, the log; the rest is exercised through the Plaid client's
//! tests.

use fake_plaid::{FakeServer, Options};
use serde_json::{Value, json};

struct Call {
    status: u16,
    body: Value,
}

fn post(server: &FakeServer, path: &str, headers: &[(&str, &str)], body: &str) -> Call {
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{}{path}", server.base_url()))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().unwrap();
    let status = resp.status().as_u16();
    Call {
        status,
        body: resp.json().unwrap_or(Value::Null),
    }
}

fn keyed(server: &FakeServer, path: &str, body: &Value) -> Call {
    let (id, secret) = (server.client_id(), server.secret());
    post(
        server,
        path,
        &[
            ("PLAID-CLIENT-ID", &id),
            ("PLAID-SECRET", &secret),
            ("Plaid-Version", "2020-09-14"),
        ],
        &body.to_string(),
    )
}

fn code(c: &Call) -> &str {
    c.body["error_code"].as_str().unwrap_or("")
}

#[test]
fn keys_are_required_in_headers_or_body() {
    let server = FakeServer::start(Options::default());
    let missing = post(&server, "/item/get", &[], "{}");
    assert_eq!((missing.status, code(&missing)), (400, "MISSING_FIELDS"));
    assert!(missing.body["request_id"].is_string());
    let wrong = post(
        &server,
        "/item/get",
        &[("PLAID-CLIENT-ID", "x"), ("PLAID-SECRET", "y")],
        "{}",
    );
    assert_eq!((wrong.status, code(&wrong)), (400, "INVALID_API_KEYS"));
    assert_eq!(wrong.body["error_type"], "INVALID_INPUT");
    // The keys may travel in the body too, as older clients send them.
    let token = server.new_public_token();
    let in_body = post(
        &server,
        "/item/public_token/exchange",
        &[],
        &json!({"client_id": server.client_id(), "secret": server.secret(),
                "public_token": token})
        .to_string(),
    );
    assert_eq!(in_body.status, 200, "{:?}", in_body.body);
    assert!(in_body.body["item_id"].is_string());
}

#[test]
fn bodies_and_routes_are_checked() {
    let server = FakeServer::start(Options::default());
    let broken = keyed_raw(&server, "/item/get", "{\"access_token\": ");
    assert_eq!((broken.status, code(&broken)), (400, "INVALID_BODY"));
    let unknown = keyed(&server, "/no/such/endpoint", &json!({}));
    assert_eq!((unknown.status, code(&unknown)), (404, "NOT_FOUND"));
    let no_token = keyed(&server, "/accounts/get", &json!({}));
    assert_eq!((no_token.status, code(&no_token)), (400, "MISSING_FIELDS"));
    let get = reqwest::blocking::get(format!("{}/item/get", server.base_url())).unwrap();
    assert_eq!(get.status().as_u16(), 404);
    let link = keyed(
        &server,
        "/link/token/create",
        &json!({"client_name": "x", "language": "en", "country_codes": ["US"]}),
    );
    assert_eq!((link.status, code(&link)), (400, "MISSING_FIELDS"));
    assert!(
        link.body["error_message"]
            .as_str()
            .unwrap()
            .contains("user.client_user_id")
    );
    let versions: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.plaid_version.clone())
        .collect();
    assert_eq!(versions[1].as_deref(), Some("2020-09-14"));
    assert_eq!(versions[0], None);
    assert_eq!(versions[3], None, "the plain GET sent none");
}

fn keyed_raw(server: &FakeServer, path: &str, body: &str) -> Call {
    let (id, secret) = (server.client_id(), server.secret());
    post(
        server,
        path,
        &[("PLAID-CLIENT-ID", &id), ("PLAID-SECRET", &secret)],
        body,
    )
}

#[test]
fn sync_arguments_are_checked_and_cursors_cannot_be_forged() {
    let server = FakeServer::start(Options::default());
    let token = server.new_public_token();
    let exchanged = keyed(
        &server,
        "/item/public_token/exchange",
        &json!({"public_token": token}),
    );
    let access = exchanged.body["access_token"].as_str().unwrap().to_owned();
    for count in [json!(0), json!(501), json!("ten")] {
        let c = keyed(
            &server,
            "/transactions/sync",
            &json!({"access_token": access, "count": count}),
        );
        assert_eq!((c.status, code(&c)), (400, "INVALID_FIELD"), "{count}");
    }
    let first = keyed(
        &server,
        "/transactions/sync",
        &json!({"access_token": access, "count": 2}),
    );
    assert_eq!(first.status, 200);
    assert_eq!(first.body["has_more"], true);
    assert_eq!(first.body["added"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let mut forged = cursor.clone();
    forged.replace_range(20..21, if &cursor[20..21] == "f" { "e" } else { "f" });
    let c = keyed(
        &server,
        "/transactions/sync",
        &json!({"access_token": access, "cursor": forged}),
    );
    assert_eq!((c.status, code(&c)), (400, "INVALID_FIELD"));
    // Another Item's cursor is refused too.
    let other = server.new_public_token();
    let other = keyed(
        &server,
        "/item/public_token/exchange",
        &json!({"public_token": other}),
    );
    let c = keyed(
        &server,
        "/transactions/sync",
        &json!({"access_token": other.body["access_token"], "cursor": cursor}),
    );
    assert_eq!((c.status, code(&c)), (400, "INVALID_FIELD"));
    // "now" skips the history.
    let now = keyed(
        &server,
        "/transactions/sync",
        &json!({"access_token": access, "cursor": "now"}),
    );
    assert_eq!(now.body["added"].as_array().unwrap().len(), 0);
    assert_eq!(now.body["has_more"], false);
}

#[test]
fn the_clock_and_the_log_are_the_tests() {
    let server = FakeServer::start(Options::default());
    let start = server.now();
    server.advance(chrono::Duration::hours(30));
    assert_eq!(server.now() - start, chrono::Duration::hours(30));
    let item = {
        server.new_public_token();
        server.item_ids()[0].clone()
    };
    assert_eq!(server.account_ids(&item).len(), 4);
    assert!(!server.transactions(&item).is_empty());
    assert!(!server.modify_transaction(&item, "no-such-id", "x"));
    assert!(server.transactions("no-such-item").is_empty());
    keyed(
        &server,
        "/item/get",
        &json!({"access_token": "access-sandbox-x"}),
    );
    assert_eq!(server.count("POST", "/item/get"), 1);
    server.reset_counters();
    assert!(server.requests().is_empty());
}
