//! Store timings: `cargo bench -p gocardless --bench store`.
//!
//! A year of runs for 5 accounts, twice a day, each transactions response
//! about 80 KB (200 transactions over a sliding window, so that successive
//! responses share all but a few), is what the store holds at its retention
//! limit; the numbers say what one run pays for it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use gocardless::store::{NewResponse, Scope, Store, Window};
use gocardless::{Secret, Tokens};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(name: &str, iters: usize, mut f: impl FnMut(usize)) {
    let runs: Vec<Duration> = (0..iters)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed()
        })
        .collect();
    println!("{name:<48} median {:>10.3?}  ({iters} runs)", median(runs));
}

fn body(account: usize, run: usize) -> String {
    // The window slides by one transaction a run.
    let tx: Vec<String> = (run..run + 200)
        .map(|i| {
            format!(
                r#"{{"transactionId":"{account}-{i}","bookingDate":"2024-03-{:02}","transactionAmount":{{"amount":"-{i}.50","currency":"EUR"}},"creditorName":"Shop {i}","remittanceInformationUnstructured":"{}"}}"#,
                i % 28 + 1,
                "x".repeat(200)
            )
        })
        .collect();
    format!(
        r#"{{"transactions":{{"booked":[{}],"pending":[]}}}}"#,
        tx.join(",")
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let t0: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    let window = Window::new(
        Some(NaiveDate::from_ymd_opt(2023, 10, 1).unwrap()),
        Some(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
    );
    let store = Store::open(&path).unwrap();
    let runs = 730;
    let start = Instant::now();
    for run in 0..runs {
        for account in 0..5 {
            let body = body(account, run);
            store
                .record_response(
                    &NewResponse {
                        subject: &format!("account-{account}"),
                        scope: Scope::Transactions,
                        window,
                        body: &body,
                        fetched_at: t0 + chrono::Duration::hours(12 * run as i64),
                        rate_limit: None,
                    },
                    None,
                )
                .unwrap();
        }
    }
    let fill = start.elapsed();
    let size = std::fs::metadata(&path).unwrap().len();
    let raw: usize = (0..5).map(|a| body(a, 0).len()).sum::<usize>() * runs;
    println!(
        "filled {} responses ({:.0} MB as received) in {fill:.2?}: store {:.1} MB",
        runs * 5,
        raw as f64 / 1e6,
        size as f64 / 1e6
    );
    drop(store);

    time("open an existing store", 20, |_| {
        black_box(Store::open(&path).unwrap());
    });
    let store = Store::open(&path).unwrap();
    let bodies: Vec<String> = (0..50).map(|i| body(9, i)).collect();
    time("record an 80 KB transactions response", 50, |i| {
        store
            .record_response(
                &NewResponse {
                    subject: "account-bench",
                    scope: Scope::Transactions,
                    window,
                    body: &bodies[i],
                    fetched_at: t0 + chrono::Duration::seconds(i as i64),
                    rate_limit: None,
                },
                None,
            )
            .unwrap();
    });
    time("find and rebuild the newest covering response", 200, |i| {
        let acc = format!("account-{}", i % 5);
        black_box(
            store
                .latest_covering(&acc, Scope::Transactions, &window, Some(t0))
                .unwrap(),
        );
    });
    let tokens = Tokens {
        access: Secret::new("a"),
        access_expires: t0,
        refresh: Secret::new("r"),
        refresh_expires: t0,
    };
    time("save and load tokens", 200, |_| {
        store.save_tokens("sid", &tokens).unwrap();
        black_box(store.load_tokens("sid").unwrap());
    });
    time("status of an account", 200, |i| {
        black_box(store.status(&format!("account-{}", i % 5)).unwrap());
    });
}
