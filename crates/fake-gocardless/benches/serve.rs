//! How fast the fake serves: a benchmark of other crates' benchmarks
//! should measure them, not the fake. `cargo bench -p fake-gocardless`.

use std::time::{Duration, Instant};

use fake_gocardless::{FakeServer, Options};

/// Runs `f` `runs` times and returns the median duration.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let server = FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 1000,
        daily_limit: u32::MAX,
        access_token_ttl: chrono::Duration::days(3650),
        refresh_token_ttl: chrono::Duration::days(3650),
        ..Options::default()
    });
    let http = reqwest::blocking::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/token/new/", server.base_url()))
        .json(&serde_json::json!({"secret_id": server.secret_id(), "secret_key": server.secret_key()}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = token["access"].as_str().unwrap().to_string();
    let id = server.account_ids()[0].clone();
    let get = |path: &str| {
        let r = http
            .get(format!("{}{path}", server.base_url()))
            .bearer_auth(&token)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().unwrap().len()
    };

    // The first read of a day generates the account's ledger.
    let mut day = 0;
    let cold = median(15, || {
        day += 1;
        server.advance(chrono::Duration::days(1));
        get(&format!("/accounts/{id}/transactions/"));
    });
    let mut bytes = 0;
    let warm = median(51, || {
        bytes = get(&format!("/accounts/{id}/transactions/"));
    });
    let small = median(201, || {
        get(&format!("/accounts/{id}/"));
    });
    println!("transactions, 1000+ per account, first read of a day: {cold:?}");
    println!("transactions, 1000+ per account, cached ({bytes} bytes): {warm:?}");
    println!("account metadata round trip: {small:?}");
}
