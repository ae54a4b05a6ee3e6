//! Token issue, refresh, expiry on the fake clock, revocation.

use crate::common;

use chrono::Duration;
use common::{Api, fixture};
use fake_gocardless::{FakeServer, Options};
use serde_json::json;

#[test]
fn new_token_has_the_real_shape() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    let a = api.post(
        "/token/new/",
        &json!({"secret_id": server.secret_id(), "secret_key": server.secret_key()}),
    );
    assert_eq!(a.status, 200);
    let real = fixture("api/token_new.json");
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&a.json), keys(&real));
    assert_eq!(a.json["access_expires"], 86400);
    assert_eq!(a.json["refresh_expires"], 2592000);
    assert!(a.json["access"].as_str().unwrap().starts_with("eyJ"));
    assert_ne!(a.json["access"], a.json["refresh"]);
    assert_eq!(server.count("POST", "/api/v2/token/new/"), 1);
}

#[test]
fn form_encoded_credentials_work_too() {
    let server = FakeServer::start(Options::default());
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/token/new/", server.base_url()))
        .form(&[
            ("secret_id", server.secret_id()),
            ("secret_key", server.secret_key()),
        ])
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[test]
fn wrong_credentials_answer_the_real_401() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    let a = api.post(
        "/token/new/",
        &json!({"secret_id": server.secret_id(), "secret_key": "nope"}),
    );
    assert_eq!(a.status, 401);
    assert_eq!(a.json, fixture("api/error_401_authentication_failed.json"));
    let a = api.post("/token/new/", &json!({"secret_id": server.secret_id()}));
    assert_eq!(a.status, 400);
    assert_eq!(a.json["secret_key"], json!(["This field is required."]));
}

#[test]
fn refresh_gives_a_new_access_token_only() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    let t = api.post(
        "/token/new/",
        &json!({"secret_id": server.secret_id(), "secret_key": server.secret_key()}),
    );
    let r = api.post("/token/refresh/", &json!({"refresh": t.json["refresh"]}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json.as_object().unwrap().len(), 2);
    assert_eq!(r.json["access_expires"], 86400);
    assert_ne!(r.json["access"], t.json["access"]);
    // An access token is no refresh token.
    let bad = api.post("/token/refresh/", &json!({"refresh": t.json["access"]}));
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json, fixture("api/error_401_invalid_token.json"));
}

#[test]
fn tokens_expire_on_the_fake_clock() {
    let server = FakeServer::start(Options {
        access_token_ttl: Duration::hours(1),
        refresh_token_ttl: Duration::hours(2),
        ..Options::default()
    });
    let mut api = Api::new(&server);
    let t = api.post(
        "/token/new/",
        &json!({"secret_id": server.secret_id(), "secret_key": server.secret_key()}),
    );
    assert_eq!(t.json["access_expires"], 3600);
    api.token = Some(t.json["access"].as_str().unwrap().into());
    assert_eq!(api.get("/institutions/").status, 200);

    server.advance(Duration::minutes(61));
    let a = api.get("/institutions/");
    assert_eq!(a.status, 401);
    assert_eq!(a.json, fixture("api/error_401_invalid_token.json"));

    // The refresh token still works, and its new access token too.
    let r = api.post("/token/refresh/", &json!({"refresh": t.json["refresh"]}));
    assert_eq!(r.status, 200);
    api.token = Some(r.json["access"].as_str().unwrap().into());
    assert_eq!(api.get("/institutions/").status, 200);

    server.advance(Duration::hours(1));
    let r = api.post("/token/refresh/", &json!({"refresh": t.json["refresh"]}));
    assert_eq!(r.status, 401);
}

#[test]
fn missing_unknown_and_revoked_tokens_are_401() {
    let server = FakeServer::start(Options::default());
    let mut api = Api::new(&server);
    let a = api.get("/requisitions/");
    assert_eq!(a.status, 401);
    assert_eq!(
        a.json["summary"],
        "Authentication credentials were not provided."
    );
    api.token = Some("eyJnope".into());
    assert_eq!(api.get("/requisitions/").status, 401);

    let api = Api::login(&server);
    assert_eq!(api.get("/requisitions/").status, 200);
    server.revoke_tokens();
    let a = api.get("/requisitions/");
    assert_eq!(a.status, 401);
    assert_eq!(a.json["summary"], "Invalid token");
}
