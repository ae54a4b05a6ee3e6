//! The plain data types a test hands to the server, and what it hands
//! back.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;

/// How the fake server is set up. `Options::default()` is what most tests
/// want.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of every generated id and of the API key.
    pub seed: u64,
    /// The fake clock's start.
    pub now: DateTime<Utc>,
    /// How many connections the company has (the first is
    /// [`crate::FakeServer::connection_id`]).
    pub connections: usize,
    /// The platform of the connections.
    pub platform_name: String,
    /// Its four-letter key (`gbol` is Xero).
    pub integration_key: String,
    /// How many polls of a push operation answer `Pending` before its
    /// outcome shows; 0 shows it in the push's own answer.
    pub polls_to_complete: u32,
    /// New source accounts start `connected` (as if the company mapped them
    /// at once) instead of `pending`.
    pub connect_new_accounts: bool,
    /// The feed start date of accounts connected by `connect_new_accounts`.
    pub feed_start_date: Option<NaiveDate>,
    /// The largest page a list answers, whatever `pageSize` asks.
    pub max_page_size: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            connections: 1,
            platform_name: "Xero".to_owned(),
            integration_key: "gbol".to_owned(),
            polls_to_complete: 2,
            connect_new_accounts: false,
            feed_start_date: None,
            max_page_size: 5000,
        }
    }
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
    /// Answer this status with Codat's body for it, without doing anything.
    Status(u16),
    /// Do the request (a push is stored), then answer this status instead:
    /// the answer was lost, the work was not.
    StatusAfterHandling(u16),
    /// Wait this long, then answer normally.
    Slow(std::time::Duration),
    /// Do the request, then answer 200 with its body cut in half.
    Malformed,
    /// Close the connection without answering, doing nothing.
    Drop,
    /// Do the request, then close the connection without answering.
    DropAfterHandling,
    /// 429 with `Retry-After: N` (no header for `None`), doing nothing.
    RateLimit {
        /// The `Retry-After` seconds.
        retry_after: Option<u64>,
    },
    /// Answer this status with a body that quotes the `Authorization`
    /// header and the API key it carries, as a careless server might.
    EchoCredentials(u16),
    /// The push is accepted but its operation ends `TimedOut`, storing
    /// nothing.
    PushTimesOut,
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The raw query string, empty when none.
    pub query: String,
    /// The `Idempotency-Key` header, if any.
    pub idempotency_key: Option<String>,
    /// The status answered; 0 when the connection was dropped.
    pub status: u16,
}

/// A transaction the fake accepted onto a source account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedTransaction {
    /// Its id.
    pub id: String,
    /// Its local date-time (an offset sent with it is dropped).
    pub date: NaiveDateTime,
    /// Its description.
    pub description: Option<String>,
    /// Its counterparty.
    pub counterparty: Option<String>,
    /// Its reference.
    pub reference: Option<String>,
    /// Its amount, every digit as sent.
    pub amount: Decimal,
    /// The balance after it, as sent.
    pub balance: Option<Decimal>,
    /// Its `transactionType`, as sent.
    pub transaction_type: Option<String>,
    /// The push operation that brought it.
    pub push_operation_key: String,
}

/// A source account as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSourceAccount {
    /// Its id.
    pub id: String,
    /// Its name.
    pub account_name: String,
    /// Its type, as sent.
    pub account_type: String,
    /// Its number.
    pub account_number: String,
    /// Its currency.
    pub currency: String,
    /// Its balance (set at creation, by PATCH, then by each successful
    /// push's last transaction).
    pub balance: Decimal,
    /// `pending`, `connected` or `disconnected`.
    pub status: String,
    /// The first date the target accepts, once connected.
    pub feed_start_date: Option<NaiveDate>,
}
