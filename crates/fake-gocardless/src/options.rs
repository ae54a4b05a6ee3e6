//! The plain data types a test hands to the server: options, faults,
//! account specs, and what the server hands back (request logs).

use chrono::{DateTime, Duration, TimeZone, Utc};

/// How the fake server is set up. `Options::default()` is what most tests want.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of all generated data (ids, credentials, transactions). The same
    /// seed always gives the same data.
    pub seed: u64,
    /// How many accounts to generate, all linked through one requisition.
    pub accounts: usize,
    /// How many transactions (booked and pending) each account has over the
    /// 90 days before `now`; more appear as the clock moves on.
    pub transactions_per_account: usize,
    /// Lifetime of an access token (the real API: 24 hours).
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token (the real API: 30 days).
    pub refresh_token_ttl: Duration,
    /// Successful reads per account, per scope and per day (the real API: 4).
    pub daily_limit: u32,
    /// The fake clock's start time.
    pub now: DateTime<Utc>,
    /// `None`: transactions come in one response. `Some(n)`: at most `n`
    /// booked transactions per response, with an absolute `next` URL.
    pub page_size: Option<usize>,
    /// How the rate-limit headers are spelled.
    pub header_style: HeaderStyle,
    /// Of a hundred generated transactions, how many book otherwise than
    /// they were shown while pending: with another amount, dated a day
    /// earlier or one or two days later (staying pending until then), both,
    /// or never (cancelled). 0 (the default): every one books the next day
    /// as it was shown, under a new id.
    pub pending_fates: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            accounts: 2,
            transactions_per_account: 120,
            access_token_ttl: Duration::hours(24),
            refresh_token_ttl: Duration::days(30),
            daily_limit: 4,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            page_size: None,
            header_style: HeaderStyle::Underscore,
            pending_fates: 0,
        }
    }
}

/// How the rate-limit headers are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderStyle {
    /// `http_x_ratelimit_limit`, … as seen in the wild (the default).
    #[default]
    Underscore,
    /// `x-ratelimit-limit`, `x-ratelimit-account-success-limit`, …
    Dashed,
}

/// A per-account budget: each has its own daily success limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `GET /accounts/{id}/details/`.
    Details,
    /// `GET /accounts/{id}/balances/`.
    Balances,
    /// `GET /accounts/{id}/transactions/`.
    Transactions,
}

impl Scope {
    /// The word the API uses for this scope ("details", "balances", "transactions").
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Details => "details",
            Scope::Balances => "balances",
            Scope::Transactions => "transactions",
        }
    }
}

/// A fault to inject into matching requests.
///
/// A request matches when its path (e.g. `/api/v2/accounts/…/transactions/`)
/// contains `path_contains`. Counting from the moment of injection, the
/// `nth` matching request and the `times - 1` after it get the fault.
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
            path_contains: path_contains.to_string(),
            nth: 1,
            times,
            kind,
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and a body like the real API's for it.
    Status(u16),
    /// Wait this long, then answer normally.
    Slow(std::time::Duration),
    /// Answer 200 with a truncated JSON body.
    Malformed,
    /// Close the connection without answering.
    Drop,
    /// The API's own 429 ("… Please try again in N seconds"), with headers.
    ApiRateLimit {
        /// The N of the message and of the reset header.
        seconds: u64,
    },
    /// The bank's 429 (`type: RateLimitError`, daily limit of the institution).
    BankDailyLimit,
    /// Answer with this status and a plain-text body quoting the request
    /// (its `Authorization` header and its body, line by line), as a
    /// careless server's error page does: a token or secret key a client
    /// shows from it has leaked.
    Echo(u16),
    /// Answer with exactly this status and body.
    Body {
        /// The status.
        status: u16,
        /// The body, sent as `application/json` whatever it holds.
        body: String,
    },
}

/// An account served from given payloads (e.g. fixtures) instead of
/// generated data. Missing parts are generated from the seed.
#[derive(Debug, Clone, Default)]
pub struct AccountSpec {
    /// A whole transactions response (`{"transactions": {"booked": […], "pending": […]}}`).
    /// `date_from`/`date_to` still filter its `booked` and `pending` lists.
    pub transactions: Option<serde_json::Value>,
    /// A whole balances response (`{"balances": […]}`). When missing and
    /// `transactions` is given, balances agreeing with it are served.
    pub balances: Option<serde_json::Value>,
    /// A whole details response (`{"account": {…}}`).
    pub details: Option<serde_json::Value>,
    /// The IBAN of the metadata (and of generated details).
    pub iban: Option<String>,
    /// The currency of generated details and balances.
    pub currency: Option<String>,
    /// The owner name of the metadata.
    pub owner_name: Option<String>,
    /// The institution of the metadata; default: [`crate::FakeServer::institution_id`].
    pub institution_id: Option<String>,
}

impl AccountSpec {
    /// Reads a whole transactions response from a file (e.g. one of
    /// `shared/fixtures/statements/`), and a balances response when given.
    /// Without one, balances agree with the transactions.
    pub fn from_files(
        transactions: &std::path::Path,
        balances: Option<&std::path::Path>,
    ) -> std::io::Result<AccountSpec> {
        let read = |p: &std::path::Path| -> std::io::Result<serde_json::Value> {
            let text = std::fs::read_to_string(p).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display()))
            })?;
            serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is not JSON: {e}", p.display()),
                )
            })
        };
        Ok(AccountSpec {
            transactions: Some(read(transactions)?),
            balances: balances.map(read).transpose()?,
            ..AccountSpec::default()
        })
    }

    /// An account serving these transactions and balances responses.
    pub fn payloads(transactions: serde_json::Value, balances: serde_json::Value) -> AccountSpec {
        AccountSpec {
            transactions: Some(transactions),
            balances: Some(balances),
            ..AccountSpec::default()
        }
    }
}

/// One request the server saw (admin requests under `/_fake/` excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query, e.g. `/api/v2/token/new/`.
    pub path: String,
    /// The raw query string (without `?`), empty when none.
    pub query: String,
    /// The status answered; 0 when the connection was dropped.
    pub status: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_real_apis() {
        let o = Options::default();
        assert_eq!(o.access_token_ttl, Duration::hours(24));
        assert_eq!(o.refresh_token_ttl, Duration::days(30));
        assert_eq!(o.daily_limit, 4);
        assert_eq!(o.now.to_rfc3339(), "2026-11-20T10:00:00+00:00");
        assert_eq!(o.page_size, None);
        assert_eq!(o.header_style, HeaderStyle::Underscore);
    }
}
