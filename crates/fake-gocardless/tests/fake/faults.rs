//! Injected faults: statuses, slow answers, malformed bodies, dropped
//! connections, both kinds of 429; which requests they hit.

use crate::common;

use std::time::{Duration, Instant};

use common::{Api, fixture};
use fake_gocardless::{FakeServer, Fault, FaultKind, Options, Scope};

fn start() -> FakeServer {
    FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 30,
        ..Options::default()
    })
}

#[test]
fn status_on_the_nth_matching_request_for_times_requests() {
    let s = start();
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    s.inject(Fault {
        path_contains: "/transactions/".into(),
        nth: 2,
        times: 2,
        kind: FaultKind::Status(503),
    });
    let path = format!("/accounts/{id}/transactions/");
    // Requests elsewhere do not count.
    assert_eq!(api.get(&format!("/accounts/{id}/balances/")).status, 200);
    assert_eq!(api.get(&path).status, 200);
    let a = api.get(&path);
    assert_eq!(a.status, 503);
    let mut want = fixture("api/error_503_connection.json");
    want.as_object_mut().unwrap().remove("_source");
    assert_eq!(a.json, want);
    assert!(a.header("http_x_ratelimit_limit").is_some());
    assert_eq!(api.get(&path).status, 503);
    assert_eq!(api.get(&path).status, 200);
    // A failed read does not spend the budget.
    assert_eq!(s.remaining(id, Scope::Transactions), 2);
    let statuses: Vec<u16> = s.requests().iter().map(|r| r.status).collect();
    assert_eq!(&statuses[1..], &[200, 200, 503, 503, 200]);
}

#[test]
fn realistic_bodies_for_other_statuses() {
    let s = start();
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    for (status, summary) in [
        (500, "Couldn't update account balances"),
        (409, "Account suspended"),
        (402, "Payment Required"),
        (403, "IP address access denied"),
        (502, "Server Error"),
    ] {
        s.inject(Fault::next("/balances/", 1, FaultKind::Status(status)));
        let a = api.get(&format!("/accounts/{id}/balances/"));
        assert_eq!(a.status, status);
        assert_eq!(a.json["summary"], summary);
        assert_eq!(a.json["status_code"], status);
    }
}

#[test]
fn slow_answers_arrive_late_but_whole() {
    let s = start();
    let api = Api::login(&s);
    s.inject(Fault::next(
        "/institutions/",
        1,
        FaultKind::Slow(Duration::from_millis(300)),
    ));
    let t = Instant::now();
    let a = api.get("/institutions/");
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(a.status, 200);
    assert!(a.json.as_array().unwrap().len() > 3);
    // A client timeout shorter than the delay fails.
    s.inject(Fault::next(
        "/institutions/",
        1,
        FaultKind::Slow(Duration::from_millis(1500)),
    ));
    let quick = reqwest::blocking::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = quick
        .get(format!("{}/institutions/", s.base_url()))
        .bearer_auth(api.token.clone().unwrap())
        .send()
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[test]
fn malformed_bodies_are_truncated_json() {
    let s = start();
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    s.inject(Fault::next("/transactions/", 1, FaultKind::Malformed));
    let a = api.get(&format!("/accounts/{id}/transactions/"));
    assert_eq!(a.status, 200);
    assert!(a.text.starts_with('{'));
    assert!(serde_json::from_str::<serde_json::Value>(&a.text).is_err());
    assert_eq!(s.remaining(id, Scope::Transactions), 4);
    assert_eq!(
        api.get(&format!("/accounts/{id}/transactions/")).status,
        200
    );
}

#[test]
fn dropped_connections_close_without_an_answer() {
    let s = start();
    let api = Api::login(&s);
    s.inject(Fault::next("/requisitions/", 1, FaultKind::Drop));
    let t = Instant::now();
    let err = api.try_get("/requisitions/").unwrap_err();
    // Closed, not left hanging until the client's 20 s timeout.
    assert!(t.elapsed() < Duration::from_secs(10), "{err}");
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(s.requests().last().unwrap().status, 0);
    // The server goes on serving, also on a new connection.
    assert_eq!(api.get("/requisitions/").status, 200);
}

#[test]
fn api_rate_limit_says_how_long_to_wait() {
    let s = start();
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    s.inject(Fault::next(
        "/transactions/",
        1,
        FaultKind::ApiRateLimit { seconds: 85092 },
    ));
    let a = api.get(&format!("/accounts/{id}/transactions/"));
    assert_eq!(a.status, 429);
    assert_eq!(a.json, fixture("api/error_429_rate_limit_exceeded.json"));
    assert_eq!(a.header_i64("http_x_ratelimit_remaining"), 0);
    assert_eq!(a.header_i64("http_x_ratelimit_reset"), 85092);
    assert_eq!(
        a.header_i64("http_x_ratelimit_account_success_remaining"),
        0
    );
    s.inject(Fault::next(
        "/token/new/",
        1,
        FaultKind::ApiRateLimit { seconds: 7 },
    ));
    let a = api.post(
        "/token/new/",
        &serde_json::json!({"secret_id": s.secret_id(), "secret_key": s.secret_key()}),
    );
    assert_eq!(a.status, 429);
    assert!(
        a.json["detail"]
            .as_str()
            .unwrap()
            .ends_with("Please try again in 7 seconds")
    );
    assert!(
        a.header("http_x_ratelimit_account_success_remaining")
            .is_none()
    );
}

#[test]
fn bank_daily_limit_body() {
    let s = start();
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    s.inject(Fault::next("/details/", 1, FaultKind::BankDailyLimit));
    let a = api.get(&format!("/accounts/{id}/details/"));
    assert_eq!(a.status, 429);
    assert_eq!(a.json["type"], "RateLimitError");
    assert_eq!(
        a.json["detail"],
        "Daily request limit set by the Institution has been exceeded."
    );
    assert_eq!(a.json["summary"], "Couldn't update account details");
}

#[test]
fn faults_match_every_path_when_empty() {
    let s = start();
    let api = Api::login(&s);
    s.inject(Fault::next("", 3, FaultKind::Status(500)));
    let statuses: Vec<u16> = (0..5).map(|_| api.get("/institutions/").status).collect();
    assert_eq!(statuses, [500, 500, 500, 200, 200]);
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let s = start();
    let url = format!("{}/institutions/", s.base_url());
    drop(s);
    let err = reqwest::blocking::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .unwrap_err();
    // Refused, or (while the listener is being closed) accepted and closed.
    assert!(!err.is_timeout(), "{err}");
}

#[test]
fn many_clients_at_once() {
    let s = FakeServer::start(Options {
        accounts: 4,
        transactions_per_account: 100,
        daily_limit: 10_000,
        ..Options::default()
    });
    let api = Api::login(&s);
    let token = api.token.clone().unwrap();
    let ids = s.account_ids();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (base, token, id) = (s.base_url(), token.clone(), ids[t % 4].clone());
            scope.spawn(move || {
                let http = reqwest::blocking::Client::new();
                for _ in 0..10 {
                    let r = http
                        .get(format!("{base}/accounts/{id}/transactions/"))
                        .bearer_auth(&token)
                        .send()
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let v: serde_json::Value = r.json().unwrap();
                    assert!(v["transactions"]["booked"].is_array());
                }
            });
        }
    });
    assert_eq!(s.count("GET", "/api/v2/accounts/"), 80);
    assert_eq!(s.remaining(&ids[0], Scope::Transactions), 10_000 - 20);
}

#[test]
fn dropping_the_handle_closes_kept_alive_connections() {
    let s = start();
    let api = Api::login(&s);
    assert_eq!(api.get("/institutions/").status, 200);
    drop(s);
    // The client's pooled connection is closed rather than left unanswered.
    let t = Instant::now();
    let err = api.try_get("/institutions/").unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(10), "{err}");
}
