//! The plain data types a test hands to the server (options, faults) and
//! what the server hands back (request logs).

use chrono::{DateTime, TimeZone, Utc};

/// How the fake server is set up. `Options::default()` is what most tests
/// want.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of all generated data (token, ids, names, amounts). The same
    /// seed always gives the same data.
    pub seed: u64,
    /// The fake clock's start time (default: Friday 2026-11-20 10:00 UTC,
    /// so that the day's payouts are pending over the weekend).
    pub now: DateTime<Utc>,
    /// How many days of payouts exist before `now`. The default, 240, is
    /// more than six months: the oldest payouts' items answer 410 Gone.
    pub history_days: u32,
    /// Requests allowed per rate-limit window (the real API: 1000 a minute).
    pub rate_limit: u32,
    /// The rate-limit window, in real time (not on the fake clock, which
    /// stands still while a client waits for the reset).
    pub rate_window: std::time::Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            history_days: 240,
            rate_limit: 1000,
            rate_window: std::time::Duration::from_secs(60),
        }
    }
}

/// A fault to inject into matching requests.
///
/// A request matches when its path (e.g. `/payout_items`) contains
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
    /// The next `times` requests whose path contains `path_contains` get `kind`.
    pub fn next(path_contains: &str, times: u32, kind: FaultKind) -> Fault {
        Fault {
            path_contains: path_contains.to_owned(),
            nth: 1,
            times,
            kind,
        }
    }

    /// Only the `nth` matching request (1 = the next) gets `kind`.
    pub fn nth(path_contains: &str, nth: u32, kind: FaultKind) -> Fault {
        Fault {
            path_contains: path_contains.to_owned(),
            nth,
            times: 1,
            kind,
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and GoCardless' error body for it (400
    /// invalid_api_usage, 401, 403, 404, 409 invalid_state, 410, 422
    /// validation_failed, 429, 5xx gocardless).
    Status(u16),
    /// Wait this long (real time), then answer normally.
    Slow(std::time::Duration),
    /// Answer 200 with the normal body cut in half.
    Malformed,
    /// Answer this status with an HTML page, as a proxy in front of the
    /// API would.
    Html(u16),
    /// Close the connection without answering.
    Drop,
    /// The real 429, with `ratelimit-remaining: 0` and a reset this many
    /// seconds ahead.
    RateLimited {
        /// Seconds until `ratelimit-reset`.
        seconds: u64,
    },
    /// An error with this status whose body quotes the bearer token the
    /// request carried, as a careless server or proxy might.
    EchoToken(u16),
    /// Answer exactly this (a fixture, say).
    Respond {
        /// The status.
        status: u16,
        /// The JSON body.
        body: String,
    },
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// `GET`, …
    pub method: String,
    /// The path without the query, e.g. `/payouts`.
    pub path: String,
    /// The raw query string (without `?`), empty when none.
    pub query: String,
    /// The status answered; 0 while not yet answered, and when the
    /// connection was dropped.
    pub status: u16,
}
