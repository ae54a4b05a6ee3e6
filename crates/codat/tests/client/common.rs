//! Helpers shared by the test modules.

use std::time::Duration;

use chrono::NaiveDate;
use codat::{
    AccountType, BankTransaction, Client, ConnectionRef, NewSourceAccount, PollPolicy, RetryPolicy,
    Secret,
};
use fake_codat::{FakeServer, Options};
use rust_decimal::Decimal;

/// Retries without waiting, so tests never sleep on back-off.
pub fn quick_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::ZERO,
        max_total: Duration::from_secs(30),
        max_api_wait: Duration::from_secs(5),
    }
}

/// Polls without waiting, up to `max_polls` times.
pub fn quick_poll(max_polls: u32) -> PollPolicy {
    PollPolicy {
        first_interval: Duration::ZERO,
        max_interval: Duration::ZERO,
        max_polls,
        max_total: Duration::from_secs(30),
    }
}

pub fn client(server: &FakeServer) -> Client {
    client_with(server, quick_retry(4))
}

pub fn client_with(server: &FakeServer, retry: RetryPolicy) -> Client {
    Client::builder(Secret::new(server.api_key()))
        .base_url(&server.base_url())
        .retry(retry)
        .poll(quick_poll(10))
        .timeouts(Duration::from_secs(5), Duration::from_secs(10))
        .build()
        .unwrap()
}

pub fn feed(server: &FakeServer) -> ConnectionRef {
    ConnectionRef::new(server.company_id(), server.connection_id())
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A server whose new accounts are connected at once.
pub fn connected_server() -> FakeServer {
    FakeServer::start(Options {
        connect_new_accounts: true,
        ..Options::default()
    })
}

/// Creates source account `id` (checking, GBP, balance 100.00).
pub fn create_account(client: &Client, feed: &ConnectionRef, id: &str) {
    let account = NewSourceAccount::new(
        id,
        "Business current",
        AccountType::Checking,
        "1234",
        "GBP",
        dec("100.00"),
    );
    client.create_source_account(feed, &account).unwrap();
}

/// `n` transactions from `start`, one a day, each of `amount`, with
/// running balances from `opening`.
pub fn batch(
    prefix: &str,
    start: NaiveDate,
    n: usize,
    amount: &str,
    opening: &str,
) -> Vec<BankTransaction> {
    let mut balance = dec(opening);
    (0..n)
        .map(|i| {
            let a = dec(amount);
            balance += a;
            BankTransaction::new(
                format!("{prefix}-{i}"),
                start + chrono::Days::new(i as u64),
                a,
                Some(balance),
            )
            .description(format!("Transaction {i}"))
        })
        .collect()
}
