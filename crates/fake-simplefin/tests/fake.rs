//! The fake Bridge over raw HTTP: what a client of any make would see.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use fake_simplefin::{FakeServer, Fault, FaultKind, Options, Trouble, Versions};
use reqwest::blocking::{Client, Response};
use serde_json::Value;

struct Env {
    server: FakeServer,
    http: Client,
    user: String,
    password: String,
}

fn env(opts: Options) -> Env {
    let server = FakeServer::start(opts);
    let access = server.access_url();
    let url = reqwest::Url::parse(&access).unwrap();
    Env {
        user: url.username().to_owned(),
        password: url.password().unwrap().to_owned(),
        server,
        http: Client::new(),
    }
}

impl Env {
    fn get(&self, query: &str) -> Response {
        self.http
            .get(format!("{}/accounts?{query}", self.server.base_url()))
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .unwrap()
    }

    fn json(&self, query: &str) -> Value {
        let resp = self.get(query);
        assert_eq!(resp.status(), 200);
        resp.json().unwrap()
    }

    fn window(&self, days: i64, extra: &str) -> String {
        let end = self.server.now().timestamp();
        format!("start-date={}&end-date={end}{extra}", end - days * 86_400)
    }
}

#[test]
fn a_setup_token_claims_once() {
    let server = FakeServer::start(Options::default());
    let claim_url = String::from_utf8(STANDARD.decode(server.setup_token()).unwrap()).unwrap();
    assert!(claim_url.starts_with(&format!("{}/claim/", server.base_url())));
    let http = Client::new();
    let first = http.post(&claim_url).send().unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.text().unwrap(), server.latest_access_url());
    let second = http.post(&claim_url).send().unwrap();
    assert_eq!(second.status(), 403);
    assert!(second.text().unwrap().contains("already been claimed"));
    assert_eq!(http.get(&claim_url).send().unwrap().status(), 405);
}

#[test]
fn accounts_need_the_claimed_credentials() {
    let e = env(Options::default());
    let url = format!("{}/accounts", e.server.base_url());
    assert_eq!(e.http.get(&url).send().unwrap().status(), 403);
    let wrong = e
        .http
        .get(&url)
        .basic_auth(&e.user, Some("nope"))
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert!(wrong.text().unwrap().contains("<title>Forbidden"));
    assert_eq!(e.get("").status(), 200);
    // A token not claimed yet grants nothing.
    e.server.new_setup_token();
    let later = reqwest::Url::parse(&e.server.latest_access_url()).unwrap();
    let resp = e
        .http
        .get(&url)
        .basic_auth(later.username(), later.password())
        .send()
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[test]
fn info_and_the_two_shapes_of_answers() {
    let e = env(Options::default());
    let info: Value = e
        .http
        .get(format!("{}/info", e.server.base_url()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(info["versions"], serde_json::json!(["1", "2"]));
    let v1 = e.json("balances-only=1");
    assert!(v1.get("errlist").is_none() && v1["accounts"][0]["org"]["name"].is_string());
    let v2 = e.json("balances-only=1&version=2");
    assert!(v2["errlist"].is_array() && v2["connections"].is_array());
    assert!(v2["accounts"][0]["conn_id"].is_string() && v2["accounts"][0].get("org").is_none());

    let old = env(Options {
        versions: Versions::OneOnly,
        ..Options::default()
    });
    let answer = old.json("balances-only=1&version=2");
    assert!(answer.get("errlist").is_none(), "version=2 is ignored");
}

#[test]
fn windows_longer_than_90_days_are_capped_with_a_message() {
    let e = env(Options::default());
    let capped = e.json(&e.window(200, "&version=2"));
    assert_eq!(capped["errlist"][0]["code"], "gen.api");
    assert!(
        capped["errlist"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("90 days")
    );
    let full = e.json(&e.window(90, "&version=2"));
    assert_eq!(full["errlist"], serde_json::json!([]));
    // Capped to the last 90 days: the same transactions.
    assert_eq!(
        capped["accounts"][0]["transactions"],
        full["accounts"][0]["transactions"]
    );
}

#[test]
fn pending_transactions_post_the_next_day_with_new_ids() {
    let e = env(Options::default());
    let card = |v: &Value| v["accounts"][1]["transactions"].as_array().unwrap().clone();
    let mut found = false;
    for _ in 0..10 {
        let with = card(&e.json(&e.window(3, "&pending=1")));
        let without = card(&e.json(&e.window(3, "")));
        let pending: Vec<&Value> = with.iter().filter(|t| t["pending"] == true).collect();
        assert_eq!(with.len(), without.len() + pending.len());
        assert!(pending.iter().all(|t| t["posted"] == 0));
        e.server.advance(TimeDelta::days(1));
        let after = card(&e.json(&e.window(3, "&pending=1")));
        for p in &pending {
            assert!(after.iter().all(|t| t["id"] != p["id"]));
            assert!(
                after
                    .iter()
                    .any(|t| t["transacted_at"] == p["transacted_at"]
                        && t["description"] == p["description"]
                        && t["posted"].as_i64().unwrap() > 0)
            );
            found = true;
        }
        if found {
            break;
        }
    }
    assert!(found, "no pending transaction in ten days");
}

#[test]
fn troubles_freeze_the_data_and_are_reported() {
    let e = env(Options::default());
    let ids = e.server.account_ids();
    let before = e.json("balances-only=1");
    e.server.set_trouble(&ids[0], Some(Trouble::Connection));
    e.server.advance(TimeDelta::days(5));
    let v1 = e.json("balances-only=1");
    assert_eq!(
        v1["errors"][0],
        "Connection to First Fake Bank may need attention"
    );
    assert_eq!(
        v1["accounts"][0]["balance"],
        before["accounts"][0]["balance"]
    );
    assert_eq!(
        v1["accounts"][0]["balance-date"],
        before["accounts"][0]["balance-date"]
    );
    assert_ne!(
        v1["accounts"][2]["balance-date"],
        before["accounts"][2]["balance-date"]
    );
    let v2 = e.json("balances-only=1&version=2");
    assert_eq!(v2["errlist"][0]["code"], "con.auth");
    assert_eq!(v2["errlist"][0]["conn_id"], v2["accounts"][0]["conn_id"]);
    // Asking for another account only: no message about this one.
    let other = e.json(&format!("balances-only=1&account={}", ids[2]));
    assert_eq!(other["errors"], serde_json::json!([]));
}

#[test]
fn the_quota_is_counted_per_day_and_filter() {
    let e = env(Options {
        daily_quota: 1,
        ..Options::default()
    });
    assert_eq!(e.json("balances-only=1")["errors"], serde_json::json!([]));
    let warned = e.json("balances-only=1");
    assert!(
        warned["errors"][0]
            .as_str()
            .unwrap()
            .contains("2 requests today")
    );
    let id = &e.server.account_ids()[0];
    let own = e.json(&format!("balances-only=1&account={id}"));
    assert_eq!(own["errors"], serde_json::json!([]));
    assert_eq!(e.server.quota_used(), 2);
    e.server.advance(TimeDelta::days(1));
    assert_eq!(e.server.quota_used(), 0);
}

#[test]
fn faults_hit_the_requests_they_name() {
    let e = env(Options::default());
    e.server.inject(Fault {
        nth: 2,
        ..Fault::next("/accounts", 2, FaultKind::Status(502))
    });
    let statuses: Vec<u16> = (0..4)
        .map(|_| e.get("balances-only=1").status().as_u16())
        .collect();
    assert_eq!(statuses, [200, 502, 502, 200]);
    e.server
        .inject(Fault::next("/accounts", 1, FaultKind::Malformed));
    let cut = e.get("balances-only=1").text().unwrap();
    assert!(serde_json::from_str::<Value>(&cut).is_err());
    e.server
        .inject(Fault::next("/accounts", 1, FaultKind::Drop));
    assert!(e.get_result().is_err());
    let logged: Vec<u16> = e.server.requests().iter().map(|r| r.status).collect();
    assert_eq!(logged, [200, 502, 502, 200, 200, 0]);
}

#[test]
fn the_same_seed_gives_the_same_answer() {
    let a = env(Options::default());
    let b = env(Options::default());
    // Equal but for the port in the `sfin-url`s.
    let text = |e: &Env| {
        e.json(&e.window(60, "&pending=1"))
            .to_string()
            .replace(&e.server.base_url(), "ROOT")
    };
    assert_eq!(text(&a), text(&b));
    assert!(text(&a).contains("ROOT"));
}

impl Env {
    fn get_result(&self) -> reqwest::Result<Response> {
        self.http
            .get(format!("{}/accounts", self.server.base_url()))
            .basic_auth(&self.user, Some(&self.password))
            .send()
    }
}
