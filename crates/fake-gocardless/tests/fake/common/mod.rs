//! A small HTTP client for the tests: real requests to the fake server.
#![allow(dead_code)]

use std::path::PathBuf;

use fake_gocardless::FakeServer;
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// One answer: status, headers (lowercase names) and the body as JSON
/// (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header_i64(&self, name: &str) -> i64 {
        self.header(name)
            .unwrap_or_else(|| panic!("no header {name} in {:?}", self.headers))
            .parse()
            .unwrap()
    }
}

pub struct Api {
    pub base: String,
    pub http: Client,
    pub token: Option<String>,
}

impl Api {
    pub fn new(server: &FakeServer) -> Api {
        Api {
            base: server.base_url(),
            http: Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .unwrap(),
            token: None,
        }
    }

    /// A client with a fresh access token.
    pub fn login(server: &FakeServer) -> Api {
        let mut api = Api::new(server);
        let a = api.post(
            "/token/new/",
            &json!({"secret_id": server.secret_id(), "secret_key": server.secret_key()}),
        );
        assert_eq!(a.status, 200, "{}", a.text);
        api.token = Some(a.json["access"].as_str().unwrap().to_string());
        api
    }

    fn finish(&self, rb: reqwest::blocking::RequestBuilder) -> Answer {
        let rb = match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        let resp = rb.send().expect("the fake server answers");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let text = resp.text().unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.finish(self.http.get(self.url(path)))
    }

    pub fn try_get(&self, path: &str) -> reqwest::Result<reqwest::blocking::Response> {
        let rb = self.http.get(self.url(path));
        let rb = match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        rb.send()
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        self.finish(self.http.post(self.url(path)).json(body))
    }

    pub fn put(&self, path: &str, body: &Value) -> Answer {
        self.finish(self.http.put(self.url(path)).json(body))
    }

    pub fn delete(&self, path: &str) -> Answer {
        self.finish(self.http.delete(self.url(path)))
    }

    /// Posts to an admin route (`/_fake/...`), which lives beside `/api/v2`.
    pub fn admin_post(&self, path: &str, body: &Value) -> Answer {
        let root = self.base.trim_end_matches("/api/v2");
        self.finish(self.http.post(format!("{root}{path}")).json(body))
    }

    pub fn admin_get(&self, path: &str) -> Answer {
        let root = self.base.trim_end_matches("/api/v2");
        self.finish(self.http.get(format!("{root}{path}")))
    }
}

/// `../shared/fixtures/<rel>` beside the repository.
pub fn fixture(rel: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The decimal value of an amount string, in 1/10000 units.
pub fn units(amount: &str) -> i64 {
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let neg = int.starts_with('-');
    let int: i64 = int.trim_start_matches('-').parse().unwrap();
    let mut frac = frac.to_string();
    assert!(frac.len() <= 4, "scale above 4 in {amount}");
    while frac.len() < 4 {
        frac.push('0');
    }
    let v = int * 10_000 + frac.parse::<i64>().unwrap();
    if neg { -v } else { v }
}
