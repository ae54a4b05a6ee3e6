//! The plain data types a test hands to the server (options, faults,
//! troubles) and what it hands back (request logs).

use chrono::{DateTime, TimeZone, Utc};

/// How the fake server is set up. `Options::default()` is what most tests
/// want.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of all generated data (credentials, ids, transactions). The same
    /// seed always gives the same data.
    pub seed: u64,
    /// Ordinary accounts, in turn checking, credit card and savings; two to
    /// a connection (a login at one bank).
    pub accounts: usize,
    /// Accounts in a custom currency (air miles: `currency` is a URL), on a
    /// connection of their own.
    pub custom_currency_accounts: usize,
    /// At most this many card purchases per account and day.
    pub daily_transactions: u32,
    /// Days of history before the start clock; nothing exists before.
    pub history_days: u32,
    /// The fake clock's start time (default 2026-11-20 20:00 UTC: most of
    /// the day's card purchases are pending, and a day later they have
    /// posted).
    pub now: DateTime<Utc>,
    /// What `/info` lists.
    pub versions: Versions,
    /// `GET /accounts` requests per day and account filter that are
    /// answered without complaint (the Bridge: 24).
    pub daily_quota: u32,
    /// What happens past the quota.
    pub quota_mode: QuotaMode,
    /// Whether a pending transaction posts with another amount (a tip
    /// added) as well as another id.
    pub pending_amount_changes: bool,
    /// Whether error bodies and quota warnings quote the request's secrets
    /// (the claim token, the credentials, the access URL), as a careless
    /// server could: for tests that a client redacts them.
    pub echo_secrets: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            accounts: 3,
            custom_currency_accounts: 1,
            daily_transactions: 3,
            history_days: 400,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 20, 0, 0).unwrap(),
            versions: Versions::OneAndTwo,
            daily_quota: 24,
            quota_mode: QuotaMode::WarnThenDisable { disable_after: 96 },
            pending_amount_changes: true,
            echo_secrets: false,
        }
    }
}

/// The protocol versions `/info` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Versions {
    /// `["1", "2"]`: `version=2` gets version 2 answers (`errlist`,
    /// `connections`); without it, version 1.
    #[default]
    OneAndTwo,
    /// `["1.0"]`: the `version` parameter is ignored.
    OneOnly,
}

/// What happens past the daily quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaMode {
    /// 429 with a `Retry-After` until the next day (UTC, fake clock).
    TooManyRequests,
    /// As SimpleFIN Bridge does: answers go on, with a warning among the
    /// messages; past `disable_after` requests in a day the access is
    /// disabled for good (403).
    WarnThenDisable {
        /// The request count of a day past which access is disabled.
        disable_after: u32,
    },
}

/// A problem of the bank behind an account, reported in the answer's
/// messages. The account's data stays as it was when the problem started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The connection (the login at the bank) needs attention: every
    /// account of the connection. Version 1: "Connection to BANK may need
    /// attention"; version 2: `con.auth` naming the connection.
    Connection,
    /// This account could not be read. Version 1: a message quoting its
    /// id; version 2: `act.failed` naming the account.
    Account,
}

/// A fault to inject into matching requests.
///
/// A request matches when its path contains `path_contains`. Counting from
/// the moment of injection, the `nth` matching request and the `times - 1`
/// after it get the fault.
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
    /// The next `times` requests whose path contains `path_contains` get
    /// `kind`.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and a body like the Bridge's for it.
    Status(u16),
    /// 429 with this `Retry-After` (seconds), or none.
    TooManyRequests {
        /// The `Retry-After` header, if any.
        retry_after: Option<u64>,
    },
    /// Wait this long, then answer normally.
    Slow(std::time::Duration),
    /// Answer 200 with the real answer cut in half.
    Malformed,
    /// Close the connection without answering.
    Drop,
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query, e.g. `/simplefin/accounts`.
    pub path: String,
    /// The raw query string (without `?`), empty when none.
    pub query: String,
    /// The status answered; 0 when the connection was dropped.
    pub status: u16,
}

impl RequestLog {
    /// The first value of a query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        fake_http::Req {
            query: self.query.clone(),
            ..fake_http::Req::default()
        }
        .param(name)
    }
}
