//! Store timings: `cargo bench -p store --bench store`.
//!
//! - A year of runs for 5 accounts, twice a day, each transactions response
//!   about 80 KB (200 transactions over a sliding window, so that
//!   successive responses share all but a few), is what the store holds at
//!   its retention limit; the numbers say what one run pays for it.
//! - A cold import: 4 threads each recording a response of 5,000
//!   transactions (about 2.7 MB) at once into a fresh store, as the fetch
//!   threads of the binary do.
//!
//! `cargo bench -p store --bench store -- threads` runs only the second;
//! `STORE_BENCH_RUNS=1` runs it once (for `strace -f -c`).

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use source::Secret;
use store::{
    Budget, Keep, NewResponse, RecordPath, SourceName, SourceStore, Store, StoredTokens, Window,
};

const LISTS: [RecordPath; 2] = [
    RecordPath::new("transactions.booked"),
    RecordPath::new("transactions.pending"),
];

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
    println!("{name:<52} median {:>10.3?}  ({iters} runs)", median(runs));
}

/// A transactions response; the caller sets the subject.
fn transactions(window: Window, body: &str, at: DateTime<Utc>) -> NewResponse<'_> {
    NewResponse {
        subject: "",
        scope: "transactions",
        window,
        keep: Keep::History,
        records: &LISTS,
        body,
        fetched_at: at,
        rate_limit: None,
        budget: None,
        cursor: None,
    }
}

/// The transactions of a run: the window slides by one transaction a run.
fn body(account: usize, run: usize) -> String {
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

/// A cold import's response: `n` transactions of about 540 bytes, as a
/// bank with full remittance information and counterparty accounts sends.
fn large_body(account: usize, n: usize) -> String {
    let tx: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"transactionId":"{account}-{i:06}","bookingDate":"2024-03-{:02}","valueDate":"2024-03-{:02}","transactionAmount":{{"amount":"-{}.{:02}","currency":"EUR"}},"creditorName":"Shop number {i} of account {account}","creditorAccount":{{"iban":"DE89370400440532{:06}"}},"remittanceInformationUnstructured":"Card payment {i} {}","bankTransactionCode":"PMNT-CCRD-POSD","internalTransactionId":"{:032x}"}}"#,
                i % 28 + 1,
                i % 28 + 1,
                i % 500,
                i % 100,
                i,
                "x".repeat(150),
                (account * 1_000_000 + i) as u128 * 7919
            )
        })
        .collect();
    format!(
        r#"{{"transactions":{{"booked":[{}],"pending":[]}},"last_updated":"2024-03-30T00:00:00Z"}}"#,
        tx.join(",")
    )
}

fn year(t0: DateTime<Utc>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let window = Window::new(
        Some(NaiveDate::from_ymd_opt(2023, 10, 1).unwrap()),
        Some(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
    );
    let name = SourceName::GOCARDLESS;
    let source = Store::open(&path).unwrap().source(&name);
    let runs = 730;
    let start = Instant::now();
    for run in 0..runs {
        for account in 0..5 {
            let body = body(account, run);
            let subject = format!("account-{account}");
            let at = t0 + chrono::Duration::hours(12 * run as i64);
            source
                .record_response(&NewResponse {
                    subject: &subject,
                    ..transactions(window, &body, at)
                })
                .unwrap();
        }
    }
    let fill = start.elapsed();
    drop(source);
    let size = std::fs::metadata(&path).unwrap().len();
    let raw: usize = (0..5).map(|a| body(a, 0).len()).sum::<usize>() * runs;
    println!(
        "filled {} responses ({:.0} MB as received) in {fill:.2?}: store {:.1} MB",
        runs * 5,
        raw as f64 / 1e6,
        size as f64 / 1e6
    );

    time("open an existing store", 20, |_| {
        black_box(Store::open(&path).unwrap());
    });
    let source = Store::open(&path).unwrap().source(&name);
    let bodies: Vec<String> = (0..50).map(|i| body(9, i)).collect();
    time("record an 80 KB transactions response", 50, |i| {
        let at = t0 + chrono::Duration::seconds(i as i64);
        source
            .record_response(&NewResponse {
                subject: "account-bench",
                ..transactions(window, &bodies[i], at)
            })
            .unwrap();
    });
    time("find and rebuild the newest covering response", 200, |i| {
        let acc = format!("account-{}", i % 5);
        black_box(
            source
                .latest_covering(&acc, "transactions", &window, Some(t0))
                .unwrap(),
        );
    });
    let tokens = StoredTokens {
        access: Secret::new("a"),
        access_expires: t0,
        refresh: Secret::new("r"),
        refresh_expires: t0,
    };
    time("save and load tokens", 200, |_| {
        source.save_tokens("sid", &tokens, t0).unwrap();
        black_box(source.tokens("sid").unwrap());
    });
    time("status of an account", 200, |i| {
        let acc = format!("account-{}", i % 5);
        black_box(source.summary(&acc).unwrap());
        black_box(source.budgets(&acc).unwrap());
    });
}

/// One cold import's writes: each thread records its response (and the
/// budget that came with it) at the same moment, into a fresh store.
fn threads(t0: DateTime<Utc>, runs: usize) {
    let bodies: Vec<String> = (0..4).map(|a| large_body(a, 5000)).collect();
    let total: usize = bodies.iter().map(String::len).sum();
    let budget = Budget {
        remaining: Some(3),
        limit: Some(4),
        reset_at: None,
        updated_at: t0,
    };
    let mut walls = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let file = Store::open(dir.path().join("store.sqlite")).unwrap();
        let source: SourceStore = file.source(&SourceName::GOCARDLESS);
        let barrier = Barrier::new(bodies.len() + 1);
        let start = std::thread::scope(|s| {
            for (a, body) in bodies.iter().enumerate() {
                let (source, barrier, budget) = (&source, &barrier, &budget);
                s.spawn(move || {
                    let subject = format!("account-{a}");
                    barrier.wait();
                    source
                        .record_response(&NewResponse {
                            subject: &subject,
                            budget: Some(budget),
                            ..transactions(Window::ALL, body, t0)
                        })
                        .unwrap();
                });
            }
            barrier.wait();
            Instant::now()
        });
        walls.push(start.elapsed());
    }
    println!(
        "record 4 x 5,000 transactions ({:.1} MB) from 4 threads  median {:>10.3?}  ({runs} runs, fresh store each)",
        total as f64 / 1e6,
        median(walls)
    );
}

fn main() {
    let t0: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    let only_threads = std::env::args().skip(1).any(|a| a == "threads");
    let runs = std::env::var("STORE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    if !only_threads {
        year(t0);
    }
    threads(t0, runs);
}
