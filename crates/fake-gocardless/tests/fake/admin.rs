//! The `/_fake/` admin routes, and the binary driven through them.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Api, fixture};
use fake_gocardless::{FakeServer, Options};
use serde_json::json;

#[test]
fn admin_routes_drive_the_server() {
    let s = FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 20,
        ..Options::default()
    });
    let api = Api::login(&s);
    let state = api.admin_get("/_fake/state").json;
    assert_eq!(state["base_url"], s.base_url());
    assert_eq!(state["secret_id"], s.secret_id());
    assert_eq!(state["account_ids"], json!(s.account_ids()));
    let id = s.account_ids()[0].clone();

    let t0 = s.now();
    let a = api.admin_post("/_fake/advance?days=1&hours=2", &json!({}));
    assert_eq!(a.status, 200);
    assert_eq!(s.now(), t0 + chrono::Duration::hours(26));
    api.admin_post("/_fake/now?t=2026-11-20T10:00:00Z", &json!({}));
    assert_eq!(s.now(), t0);
    assert_eq!(
        api.admin_post("/_fake/advance?days=x", &json!({})).status,
        400
    );

    api.get(&format!("/accounts/{id}/transactions/"));
    let c = api
        .admin_get("/_fake/counters?method=GET&prefix=/api/v2/accounts/")
        .json;
    assert_eq!(c["count"], 1);
    assert_eq!(
        c["total"], 2,
        "token + transactions; admin calls are not logged"
    );
    api.admin_post("/_fake/reset-counters", &json!({}));
    assert_eq!(s.requests().len(), 0);

    api.admin_post(
        "/_fake/faults",
        &json!({"path_contains": "/balances/", "kind": "status", "status": 500}),
    );
    assert_eq!(api.get(&format!("/accounts/{id}/balances/")).status, 500);
    assert_eq!(api.get(&format!("/accounts/{id}/balances/")).status, 200);
    let bad = api.admin_post("/_fake/faults", &json!({"kind": "explode"}));
    assert_eq!(bad.status, 400);

    api.admin_post(
        &format!("/_fake/accounts/{id}/remaining?scope=details&remaining=0"),
        &json!({}),
    );
    assert_eq!(api.get(&format!("/accounts/{id}/details/")).status, 429);

    let added = api.admin_post(
        "/_fake/accounts",
        &json!({"transactions": fixture("api/transactions_mixed.json"), "balances": fixture("api/balances.json")}),
    );
    let new_id = added.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.get(&format!("/accounts/{new_id}/balances/")).json,
        fixture("api/balances.json")
    );

    let r = api.post(
        "/requisitions/",
        &json!({"redirect": "https://example.org", "institution_id": "FAKEBANK_FAKEDEB1"}),
    );
    let rid = r.json["id"].as_str().unwrap();
    let linked = api.admin_post(
        &format!("/_fake/requisitions/{rid}/link?accounts=3"),
        &json!({}),
    );
    assert_eq!(linked.json["accounts"].as_array().unwrap().len(), 3);
    api.admin_post(
        &format!("/_fake/requisitions/{rid}/status?status=EX"),
        &json!({}),
    );
    assert_eq!(
        api.get(&format!("/requisitions/{rid}/")).json["status"],
        "EX"
    );

    api.admin_post(
        &format!("/_fake/accounts/{id}/expire?status=400"),
        &json!({}),
    );
    assert_eq!(
        api.get(&format!("/accounts/{id}/transactions/")).status,
        400
    );

    api.admin_post(&format!("/_fake/accounts/{new_id}/suspend"), &json!({}));
    assert_eq!(
        api.get(&format!("/accounts/{new_id}/balances/")).status,
        409
    );

    api.admin_post("/_fake/revoke-tokens", &json!({}));
    assert_eq!(api.get("/institutions/").status, 401);
    assert_eq!(api.admin_get("/_fake/nothing").status, 404);
}

/// Kills the server process when the test ends, passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_prints_what_a_client_needs_and_serves() {
    let child = Command::new(env!("CARGO_BIN_EXE_fake-gocardless"))
        .args([
            "--port",
            "0",
            "--accounts",
            "3",
            "--seed",
            "9",
            "--transactions",
            "15",
        ])
        .arg("--serve-transactions")
        .arg(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
            "../../../shared/fixtures/statements/CAISSEDEPARGNE_ILE_DE_FRANCE_CEPAFRPP751.json",
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("admin:");
        printed.push(line);
        if done {
            break;
        }
    }
    let value = |key: &str| -> Vec<String> {
        printed
            .iter()
            .filter_map(|l| l.strip_prefix(&format!("{key}:")))
            .map(|v| v.trim().to_string())
            .collect()
    };
    let base = value("base_url")[0].clone();
    let accounts = value("account");
    assert_eq!(accounts.len(), 4);
    assert!(accounts[3].contains("(serving "), "{printed:?}");
    let accounts: Vec<String> = accounts[..3].to_vec();
    let http = reqwest::blocking::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/token/new/"))
        .json(&json!({"secret_id": value("secret_id")[0], "secret_key": value("secret_key")[0]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let tx: serde_json::Value = http
        .get(format!("{base}/accounts/{}/transactions/", accounts[2]))
        .bearer_auth(token["access"].as_str().unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let n = tx["transactions"]["booked"].as_array().unwrap().len()
        + tx["transactions"]["pending"].as_array().unwrap().len();
    assert_eq!(n, 15);
    // The same seed in-process gives the same accounts.
    let same = FakeServer::start(Options {
        seed: 9,
        accounts: 3,
        ..Options::default()
    });
    assert_eq!(same.account_ids(), accounts);
}
