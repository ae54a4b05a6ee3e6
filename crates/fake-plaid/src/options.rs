//! The plain data types a test hands to the server (options, faults) and
//! what the server hands back (request logs).

use chrono::{DateTime, TimeZone, Utc};

/// How the fake server is set up. `Options::default()` is what most tests
/// want.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of all generated data (keys, ids, tokens, transactions). The
    /// same seed always gives the same data.
    pub seed: u64,
    /// The fake clock's start time.
    pub now: DateTime<Utc>,
    /// The accounts every new Item has, in order.
    pub accounts: Vec<AccountKind>,
    /// Days of history a new Item has before the day it is made, unless
    /// its creation asks for another number (`days_requested`).
    pub history_days: u32,
    /// A new Item answers `/transactions/sync` with `NOT_READY` (no data,
    /// an empty cursor) to this many calls before its data is ready.
    pub not_ready_calls: u32,
    /// The first time a client asks for a second (or later) page, the
    /// Item's data change and the answer is
    /// `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` (once; re-arm with
    /// [`crate::FakeServer::mutate_during_pagination`]).
    pub mutate_during_pagination: bool,
    /// `/accounts/balance/get` calls allowed per Item in a minute of the
    /// fake clock (Plaid: 5); more answer 429 `ACCOUNTS_BALANCE_GET_LIMIT`.
    pub balance_limit_per_minute: u32,
    /// Error answers quote the client id, secret and token they received,
    /// as a careless server might: for testing that clients redact them.
    pub echo_secrets: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            accounts: vec![
                AccountKind::Checking,
                AccountKind::Savings,
                AccountKind::CreditCard,
                AccountKind::StudentLoan,
            ],
            history_days: 30,
            not_ready_calls: 0,
            mutate_during_pagination: false,
            balance_limit_per_minute: 5,
            echo_secrets: false,
        }
    }
}

/// The kind of a generated account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// `depository`/`checking`: payroll, rent, a transfer to savings and
    /// card purchases (pending first).
    Checking,
    /// `depository`/`savings`: the monthly transfer in and interest.
    Savings,
    /// `credit`/`credit card`: purchases (pending first, some with a tip
    /// added when they post) and the monthly payment.
    CreditCard,
    /// `loan`/`student`: the monthly payment.
    StudentLoan,
}

/// A fault to inject into matching requests.
///
/// A request matches when its path (e.g. `/transactions/sync`) contains
/// `path_contains`. Counting from the moment of injection, the `nth`
/// matching request and the `times - 1` after it get the fault.
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
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and a body like Plaid's for it (500:
    /// `INTERNAL_SERVER_ERROR`, 503: `PLANNED_MAINTENANCE`, 502/504: a
    /// proxy's HTML page, 429: a rate limit, 400: `INSTITUTION_DOWN`).
    Status(u16),
    /// Answer this Plaid error.
    Error {
        /// The HTTP status.
        status: u16,
        /// `error_type`, e.g. `ITEM_ERROR`.
        error_type: String,
        /// `error_code`, e.g. `ITEM_LOCKED`.
        error_code: String,
    },
    /// Plaid's 429 with the endpoint's rate-limit code
    /// (`TRANSACTIONS_SYNC_LIMIT`, `ACCOUNTS_BALANCE_GET_LIMIT`, …).
    RateLimit,
    /// Wait this long, then answer normally.
    Slow(std::time::Duration),
    /// Answer 200 with a truncated JSON body.
    Malformed,
    /// Close the connection without answering.
    Drop,
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestLog {
    /// `POST`, …
    pub method: String,
    /// The path, e.g. `/transactions/sync`.
    pub path: String,
    /// The status answered; 0 when the connection was dropped.
    pub status: u16,
    /// The `Plaid-Version` header, when sent.
    pub plaid_version: Option<String>,
    /// The JSON body (`Null` when it was not JSON).
    pub body: serde_json::Value,
}
