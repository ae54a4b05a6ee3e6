//! Benchmarks of the client: reading a large transactions response into the
//! models, and requests per second against the fake server.
//!
//! `cargo bench -p gocardless --bench client`. Prints the median of several
//! runs; no assertion on time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fake_gocardless::{FakeServer, Options};
use gocardless::{Client, Secret, TransactionsResponse};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn transactions_json(n: usize) -> String {
    let mut booked = Vec::with_capacity(n);
    for i in 0..n {
        booked.push(serde_json::json!({
            "transactionId": format!("T{i:08}"),
            "internalTransactionId": format!("{i:032x}"),
            "bookingDate": "2024-03-05",
            "valueDateTime": "2024-03-05T10:11:12.123+01:00",
            "transactionAmount": {"amount": format!("-{}.{:02}", i % 500, i % 100), "currency": "EUR"},
            "currencyExchange": {"sourceCurrency": "USD", "exchangeRate": "1.0842", "targetCurrency": "EUR"},
            "creditorName": "Café \"Zur Post\" \\ Ünïcödé",
            "creditorAccount": {"iban": "DE89370400440532013000"},
            "remittanceInformationUnstructuredArray": ["PURCHASE 1234", "CARD ****1234"],
            "merchantCategoryCode": "5812",
        }));
    }
    serde_json::json!({"transactions": {"booked": booked, "pending": []}}).to_string()
}

fn main() {
    let n = 10_000;
    let json = transactions_json(n);
    let read = time(15, || {
        let r: TransactionsResponse = serde_json::from_str(black_box(&json)).unwrap();
        black_box(r);
    });
    let parsed: TransactionsResponse = serde_json::from_str(&json).unwrap();
    let typed = time(15, || {
        for r in &parsed.transactions.booked {
            black_box(r.parse().unwrap());
        }
    });
    println!(
        "read {n} transactions ({:.1} MB) into records: {:?} ({:.0} MB/s)",
        json.len() as f64 / 1e6,
        read,
        json.len() as f64 / 1e6 / read.as_secs_f64()
    );
    println!(
        "typed view of {n} records: {:?} ({:.2} µs each)",
        typed,
        typed.as_secs_f64() * 1e6 / n as f64
    );

    let server = FakeServer::start(Options {
        accounts: 1,
        ..Options::default()
    });
    let client = Client::builder(server.secret_id(), Secret::new(server.secret_key()))
        .base_url(&server.base_url())
        .build()
        .unwrap();
    let id = server.account_ids()[0].clone();
    client.account_metadata(&id).unwrap();
    let requests = 200;
    let t = time(5, || {
        for _ in 0..requests {
            black_box(client.account_metadata(&id).unwrap());
        }
    });
    println!(
        "GET account metadata against the local fake: {:.0} requests/s ({:?} each)",
        requests as f64 / t.as_secs_f64(),
        t / requests
    );
}
