//! Benchmark: 100,000 transactions from JSON text to Beancount text
//! (parse the response, convert, render). Prints the median of several runs.
//!
//! Run with `cargo bench -p importer --bench convert`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use gocardless::TransactionsResponse;
use importer::config::AccountConfig;
use importer::print_outputs as render;
use test_support::gocardless_data::convert_account;

const N: usize = 100_000;
const RUNS: usize = 9;

/// A realistic response: names, remittance text, ids on most records, some
/// without, a few currency conversions, some pending.
fn response_json(n: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(7);
    let payees = [
        "REWE Markt GmbH",
        "Hausverwaltung Weber",
        "Deutsche Bahn",
        "Café Ümlaut",
        "Acme Analytics GmbH",
    ];
    let mut booked = Vec::with_capacity(n);
    let mut pending = Vec::new();
    for i in 0..n {
        let day = 1 + (i * 730 / n) as u64;
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day);
        let cents = rng.i64(-200_000..200_000);
        let amount = format!(
            "{}{}.{:02}",
            if cents < 0 { "-" } else { "" },
            cents.abs() / 100,
            cents.abs() % 100
        );
        let payee = payees[rng.usize(..payees.len())];
        let name_key = if cents < 0 {
            "creditorName"
        } else {
            "debtorName"
        };
        let id = if i % 10 == 0 {
            String::new()
        } else {
            format!(r#""transactionId": "TX{i:08}", "#)
        };
        let fx = if i % 50 == 0 {
            r#", "currencyExchange": {"sourceCurrency": "USD", "targetCurrency": "EUR", "exchangeRate": "0.9158", "instructedAmount": {"amount": "10.00", "currency": "USD"}}"#
        } else {
            ""
        };
        let rec = format!(
            r#"{{{id}"bookingDate": "{date}", "valueDate": "{date}", "transactionAmount": {{"amount": "{amount}", "currency": "EUR"}}, "{name_key}": "{payee}", "remittanceInformationUnstructured": "Payment {i} for invoice {}/2024 \"ref\"", "internalTransactionId": "int{i}"{fx}}}"#,
            rng.u32(1000..9999)
        );
        if i % 100 == 0 {
            pending.push(rec)
        } else {
            booked.push(rec)
        }
    }
    format!(
        r#"{{"transactions": {{"booked": [{}], "pending": [{}]}}}}"#,
        booked.join(",\n"),
        pending.join(",\n")
    )
}

// The allocator of the `gc-beancount` binary, so the figure is the one
// users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let json = response_json(N);
    let account = AccountConfig::new("bench", "Assets:Bank:Checking");
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut cpu: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut process_cpu: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        let cpu_start = thread_cpu_time();
        let process_start = process_cpu_time();
        let start = Instant::now();
        let tx: TransactionsResponse = serde_json::from_str(black_box(&json)).unwrap();
        let out = convert_account(&account, &tx, None, today);
        assert!(out.problems.is_empty());
        let text = render(std::slice::from_ref(&out));
        times.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_time()) {
            cpu.push(b - a);
        }
        if let (Some(a), Some(b)) = (process_start, process_cpu_time()) {
            process_cpu.push(b - a);
        }
        bytes = black_box(text).len();
    }
    if std::env::var_os("BENCH_PHASES").is_some() {
        for _ in 0..3 {
            let c = || thread_cpu_time().unwrap_or_default();
            let t0 = c();
            let tx: TransactionsResponse = serde_json::from_str(&json).unwrap();
            let t1 = c();
            let recs: Vec<_> = tx
                .transactions
                .booked
                .iter()
                .map(|r| r.parse().unwrap())
                .collect();
            let t2 = c();
            let bts: Vec<_> = tx
                .transactions
                .booked
                .iter()
                .map(|r| {
                    gocardless::statement::bank_transaction(r, importer::Status::Booked).unwrap()
                })
                .collect();
            let t3 = c();
            let out = convert_account(&account, &tx, None, today);
            let t4 = c();
            let text = render(std::slice::from_ref(&out));
            let t5 = c();
            drop(black_box((recs, bts, text, out, tx)));
            let t6 = c();
            println!(
                "CPU: envelope {:?}, typed parse {:?}, from_record {:?}, convert_account {:?}, render {:?}, drop {:?}",
                t1 - t0,
                t2 - t1,
                t3 - t2,
                t4 - t3,
                t5 - t4,
                t6 - t5
            );
        }
    }
    times.sort();
    cpu.sort();
    process_cpu.sort();
    let median = times[RUNS / 2];
    println!(
        "convert {N} transactions ({:.1} MB JSON -> {:.1} MB Beancount): median {:.1} ms, min {:.1} ms, max {:.1} ms over {RUNS} runs",
        json.len() as f64 / 1e6,
        bytes as f64 / 1e6,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
    if !cpu.is_empty() {
        // On a machine shared with other work, the time this thread spent
        // on a CPU is the steadier figure.
        println!(
            "  CPU time of the calling thread: median {:.1} ms, min {:.1} ms",
            cpu[cpu.len() / 2].as_secs_f64() * 1e3,
            cpu[0].as_secs_f64() * 1e3
        );
    }
    if !process_cpu.is_empty() {
        println!(
            "  CPU time of all threads: median {:.0} ms, min {:.0} ms (10 ms resolution)",
            process_cpu[process_cpu.len() / 2].as_secs_f64() * 1e3,
            process_cpu[0].as_secs_f64() * 1e3
        );
    }
}

/// The CPU time of the whole process, user and system (Linux: /proc).
fn process_cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// The time the current thread has run on a CPU (Linux: /proc), if known.
fn thread_cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}
