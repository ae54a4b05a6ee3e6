//! The fake's HTTP surface with a plain HTTP client: what every answer
//! carries, the refusals, cursors in both directions, determinism.

use std::time::Duration;

use fake_gocardless_pro::{FakeServer, Options};
use reqwest::blocking::{Client, Response};
use serde_json::Value;

struct Api {
    base: String,
    token: String,
    http: Client,
}

impl Api {
    fn new(server: &FakeServer) -> Api {
        Api {
            base: server.base_url(),
            token: server.access_token(),
            http: Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    fn get_with(&self, path: &str, token: Option<&str>, version: Option<&str>) -> (u16, Response) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(v) = version {
            req = req.header("GoCardless-Version", v);
        }
        let resp = req.send().unwrap();
        (resp.status().as_u16(), resp)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let (status, resp) = self.get_with(path, Some(&self.token), Some("2015-07-06"));
        (status, resp.json().unwrap())
    }
}

fn error_of(body: &Value) -> (&str, u64, &str) {
    let e = &body["error"];
    let first = e["errors"][0]["reason"]
        .as_str()
        .or(e["errors"][0]["field"].as_str())
        .unwrap();
    (
        e["type"].as_str().unwrap(),
        e["code"].as_u64().unwrap(),
        first,
    )
}

#[test]
fn every_answer_carries_the_date_and_the_rate_limit_headers() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    for (path, token) in [
        ("/payouts", Some(api.token.as_str())),
        ("/payouts", None),
        ("/nothing", Some(api.token.as_str())),
    ] {
        let (_, resp) = api.get_with(path, token, Some("2015-07-06"));
        let h = |n: &str| resp.headers()[n].to_str().unwrap().to_owned();
        assert_eq!(h("date"), "Fri, 20 Nov 2026 10:00:00 GMT");
        assert_eq!(h("ratelimit-limit"), "1000");
        assert!(h("ratelimit-remaining").parse::<u32>().unwrap() < 1000);
        let reset = chrono::DateTime::parse_from_rfc2822(&h("ratelimit-reset")).unwrap();
        let date = chrono::DateTime::parse_from_rfc2822(&h("date")).unwrap();
        assert!(reset > date && reset <= date + chrono::Duration::seconds(60));
    }
}

#[test]
fn requests_without_the_token_or_the_version_are_refused() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    let cases = [
        (None, Some("2015-07-06"), 401, "unauthorized"),
        (
            Some("sandbox_wrong"),
            Some("2015-07-06"),
            401,
            "unauthorized",
        ),
        (
            Some(api.token.as_str()),
            None,
            400,
            "missing_version_header",
        ),
        (
            Some(api.token.as_str()),
            Some("2099-01-01"),
            400,
            "version_not_found",
        ),
    ];
    for (token, version, status, reason) in cases {
        let (got, resp) = api.get_with("/payouts", token, version);
        let body: Value = resp.json().unwrap();
        assert_eq!(got, status);
        assert_eq!(
            error_of(&body),
            ("invalid_api_usage", u64::from(status), reason)
        );
        assert!(body["error"]["request_id"].is_string());
    }
    let resp = api
        .http
        .post(format!("{}/payouts", api.base))
        .bearer_auth(&api.token)
        .header("GoCardless-Version", "2015-07-06")
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(api.get("/mandates/MD00NOPE").0, 404);
    assert_eq!(api.get("/bank_details_lookups").0, 404);
}

#[test]
fn lists_page_with_cursors_both_ways_and_check_their_parameters() {
    let server = FakeServer::start(Options::default());
    let api = Api::new(&server);
    let ids = server.payout_ids();
    let (_, all) = api.get("/payouts");
    assert_eq!(
        all["payouts"].as_array().unwrap().len(),
        50,
        "the default limit"
    );
    assert_eq!(all["meta"]["limit"], 50);

    let (_, first) = api.get("/payouts?limit=3");
    let page_ids = |v: &Value| -> Vec<String> {
        v["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(page_ids(&first), ids[..3]);
    assert_eq!(first["meta"]["cursors"]["before"], Value::Null);
    let after = first["meta"]["cursors"]["after"].as_str().unwrap();
    let (_, second) = api.get(&format!("/payouts?limit=3&after={after}"));
    assert_eq!(page_ids(&second), ids[3..6]);
    let before = second["meta"]["cursors"]["before"].as_str().unwrap();
    let (_, back) = api.get(&format!("/payouts?limit=3&before={before}"));
    assert_eq!(page_ids(&back), ids[..3]);
    let last = ids.last().unwrap();
    let (_, end) = api.get(&format!("/payouts?after={}", ids[ids.len() - 2]));
    assert_eq!(page_ids(&end), std::slice::from_ref(last));
    assert_eq!(end["meta"]["cursors"]["after"], Value::Null);

    for (query, status, what) in [
        ("/payouts?limit=501", 422, "limit"),
        ("/payouts?limit=ten", 422, "limit"),
        ("/payouts?limit=0", 422, "limit"),
        ("/payouts?after=PO00UNKNOWN", 400, "invalid_cursor"),
        ("/payouts?after=a&before=b", 400, "invalid_cursors"),
        (
            "/payouts?created_at%5Bgte%5D=yesterday",
            422,
            "created_at[gte]",
        ),
        ("/payout_items", 422, "payout"),
    ] {
        let (got, body) = api.get(query);
        assert_eq!((got, error_of(&body).2), (status, what), "{query}");
    }
    assert_eq!(api.get("/payout_items?payout=PO00UNKNOWN").0, 404);
    let (got, body) = api.get(&format!("/payout_items?payout={}", ids[0]));
    assert_eq!(got, 200);
    assert!(
        body["payout_items"][0]["amount"]
            .as_str()
            .unwrap()
            .contains('.')
    );
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let a = FakeServer::start(Options::default());
    let b = FakeServer::start(Options::default());
    let c = FakeServer::start(Options {
        seed: 2,
        ..Options::default()
    });
    assert_eq!(a.access_token(), b.access_token());
    assert_eq!(a.payout_ids(), b.payout_ids());
    let (api_a, api_b) = (Api::new(&a), Api::new(&b));
    let id = &a.payout_ids()[10];
    assert_eq!(
        api_a.get(&format!("/payouts/{id}")).1,
        api_b.get(&format!("/payouts/{id}")).1
    );
    assert_ne!(a.access_token(), c.access_token());
    assert_ne!(a.payout_ids(), c.payout_ids());
}

#[test]
fn the_rate_limit_is_enforced_with_the_real_429() {
    let server = FakeServer::start(Options {
        rate_limit: 2,
        rate_window: Duration::from_secs(600),
        ..Options::default()
    });
    let api = Api::new(&server);
    assert_eq!(api.get("/creditors").0, 200);
    assert_eq!(api.get("/creditors").0, 200);
    let (status, resp) = api.get_with("/creditors", Some(&api.token), Some("2015-07-06"));
    assert_eq!(status, 429);
    assert_eq!(resp.headers()["ratelimit-remaining"], "0");
    let body: Value = resp.json().unwrap();
    assert_eq!(
        error_of(&body),
        ("invalid_api_usage", 429, "rate_limit_exceeded")
    );
    assert_eq!(body["error"]["message"], "Rate limit exceeded");
}
