//! The plain data types a test hands to the server (options, faults) and
//! what it hands back (request logs).

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

/// How the fake server is set up. `Options::default()` is what most tests
/// want.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of all generated data (application id, accounts, transactions,
    /// session ids). The same seed always gives the same data.
    pub seed: u64,
    /// The application's public key (PEM), which every JWT must be signed
    /// for. Default: [`crate::keys::APPLICATION_PUBLIC_KEY`].
    pub public_key_pem: String,
    /// The fake clock's start.
    pub now: DateTime<Utc>,
    /// The user's accounts at each bank (every second one a card account).
    pub accounts_per_bank: usize,
    /// At most this many transactions are made on an account per day.
    pub transactions_per_day: u32,
    /// How far back the banks serve transactions, today included (the
    /// real banks: 90 days).
    pub history_days: u32,
    /// Successful reads per account, per kind (details, balances,
    /// transactions) and per day without PSU headers (the real banks: 4).
    pub daily_limit: u32,
    /// Transactions per page.
    pub page_size: usize,
    /// A bank bug in paging to play.
    pub paging: PagingQuirk,
    /// Whether some card purchases book at another amount than they were
    /// pending with.
    pub pending_amount_changes: bool,
    /// The redirect URLs registered with the application.
    pub redirect_urls: Vec<String>,
    /// How long an authorisation code can be exchanged for a session.
    pub code_lifetime: chrono::Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            public_key_pem: crate::keys::APPLICATION_PUBLIC_KEY.to_owned(),
            now: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            accounts_per_bank: 2,
            transactions_per_day: 3,
            history_days: 90,
            daily_limit: 4,
            page_size: 20,
            paging: PagingQuirk::None,
            pending_amount_changes: true,
            redirect_urls: vec![
                "http://127.0.0.1:8765/callback".to_owned(),
                "https://example.org/callback".to_owned(),
            ],
            code_lifetime: chrono::Duration::minutes(10),
        }
    }
}

/// Paging bugs seen at real banks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PagingQuirk {
    /// Keys lead to the end, then `null`.
    #[default]
    None,
    /// Every follow-up page answers with the key it was asked with, so a
    /// client that trusts keys loops for ever.
    RepeatKey,
    /// After the last transaction, empty pages with fresh keys for ever.
    Endless,
}

/// Which daily budget a read spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `GET /accounts/{uid}/details`.
    Details,
    /// `GET /accounts/{uid}/balances`.
    Balances,
    /// `GET /accounts/{uid}/transactions` (its first page).
    Transactions,
}

/// A fault to inject into matching requests.
///
/// A request matches when its path contains `path_contains`. Counting
/// from the moment of injection, the `nth` matching request and the
/// `times - 1` after it get the fault.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Substring of the request path; `""` matches every request.
    pub path_contains: String,
    /// 1 = the next matching request.
    pub nth: u32,
    /// How many consecutive matching requests get the fault.
    pub times: u32,
    /// What happens to them.
    pub kind: FaultKind,
}

impl Fault {
    /// The next `times` requests whose path contains `path_contains` get `kind`.
    pub fn next(path_contains: &str, times: u32, kind: FaultKind) -> Fault {
        Fault {
            path_contains: path_contains.to_owned(),
            nth: 1,
            times,
            kind,
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and a body like the real API's for it (429:
    /// Enable Banking's own limit, not the bank's).
    Status(u16),
    /// Answer with this status and body.
    Body(u16, serde_json::Value),
    /// The bank's daily limit: 429 `ASPSP_RATE_LIMIT_EXCEEDED`.
    BankDailyLimit,
    /// Answer with this status and an error body that quotes the request's
    /// `Authorization` header, as careless servers do.
    EchoAuthorization(u16),
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// A 200 whose body is cut in the middle.
    Malformed,
    /// Close the connection without answering.
    Drop,
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The raw query (without `?`).
    pub query: String,
    /// The status answered; 0 when the connection was dropped.
    pub status: u16,
    /// Whether it carried PSU headers (`Psu-Ip-Address`, `Psu-User-Agent`).
    pub psu_headers: bool,
}
