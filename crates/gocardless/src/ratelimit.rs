//! Rate-limit headers, as GoCardless sends them.
//!
//! Two budgets: the API's (`x_ratelimit_limit`, `_remaining`, `_reset`:
//! requests per minute, per endpoint) and, on account endpoints, the bank's
//! (`x_ratelimit_account_success_limit`, `_remaining`, `_reset`: successful
//! reads per day, per account and scope). Names arrive with underscores and
//! an `http_` prefix (`http_x_ratelimit_limit`) or with dashes
//! (`X-RateLimit-Limit`); both are read, case-insensitively.

use serde::{Deserialize, Serialize};

/// The rate-limit headers of one response. A header that is missing or not a
/// whole number is `None`. Resets are seconds from the response and may be
/// negative (seen in the wild): treat a negative reset as "already reset".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct RateLimit {
    /// API requests allowed per window.
    pub limit: Option<i64>,
    /// API requests left in this window.
    pub remaining: Option<i64>,
    /// Seconds until the API window resets.
    pub reset: Option<i64>,
    /// Successful bank reads allowed per day for this account and scope.
    pub account_success_limit: Option<i64>,
    /// Successful bank reads left today for this account and scope.
    pub account_success_remaining: Option<i64>,
    /// Seconds until the account's daily budget resets.
    pub account_success_reset: Option<i64>,
}

impl RateLimit {
    /// Reads the rate-limit headers from `(name, value)` pairs.
    ///
    /// ```
    /// let rl = gocardless::RateLimit::from_headers([
    ///     ("HTTP_X_RATELIMIT_REMAINING", "92"),
    ///     ("x-ratelimit-account-success-reset", "-3"),
    /// ]);
    /// assert_eq!(rl.remaining, Some(92));
    /// assert_eq!(rl.account_success_reset, Some(-3));
    /// ```
    pub fn from_headers<'a, I, N, V>(headers: I) -> RateLimit
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str> + 'a,
        V: AsRef<str> + 'a,
    {
        let mut rl = RateLimit::default();
        for (name, value) in headers {
            rl.set(name.as_ref(), value.as_ref());
        }
        rl
    }

    /// Reads one header; ignores names that are not rate-limit headers.
    pub fn set(&mut self, name: &str, value: &str) {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        let name = name.strip_prefix("http_").unwrap_or(&name);
        let Some(rest) = name.strip_prefix("x_ratelimit_") else {
            return;
        };
        let slot = match rest {
            "limit" => &mut self.limit,
            "remaining" => &mut self.remaining,
            "reset" => &mut self.reset,
            "account_success_limit" => &mut self.account_success_limit,
            "account_success_remaining" => &mut self.account_success_remaining,
            "account_success_reset" => &mut self.account_success_reset,
            _ => return,
        };
        *slot = parse_count(value);
    }

    /// Whether any rate-limit header was present.
    pub fn is_empty(&self) -> bool {
        *self == RateLimit::default()
    }

    /// Whether the account's daily budget for this scope is used up.
    pub fn account_exhausted(&self) -> bool {
        self.account_success_remaining.is_some_and(|r| r <= 0)
    }
}

/// A whole number, tolerating the decorations seen in logs: `["299"]`,
/// quotes, spaces, a fraction (`"59.0"`).
fn parse_count(value: &str) -> Option<i64> {
    let t = value.trim_matches(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '"' | '\''));
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| f.trunc() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observed_headers_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/api/ratelimit_headers_observed.txt"
        );
        let text = std::fs::read_to_string(path).expect("the shared fixtures beside the repo");
        let pairs: Vec<(&str, &str)> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(':'))
            .collect();
        assert_eq!(pairs.len(), 6);
        let rl = RateLimit::from_headers(pairs);
        assert_eq!(
            rl,
            RateLimit {
                limit: Some(100),
                remaining: Some(92),
                reset: Some(1),
                account_success_limit: Some(10),
                account_success_remaining: Some(5),
                account_success_reset: Some(5242),
            }
        );
    }

    #[test]
    fn both_spellings_any_case_and_odd_values() {
        let rl = RateLimit::from_headers([
            ("X-RateLimit-Limit", " 300 "),
            ("x-ratelimit-remaining", "[\"299\"]"),
            ("Http_X_Ratelimit_Reset", "-12"),
            ("http_x_ratelimit_account_success_remaining", "false"),
            ("X-RATELIMIT-ACCOUNT-SUCCESS-LIMIT", "4"),
            ("x-ratelimit-account-success-reset", "59.0"),
            ("content-type", "application/json"),
            ("x-ratelimit-unknown", "5"),
        ]);
        assert_eq!(rl.limit, Some(300));
        assert_eq!(rl.remaining, Some(299));
        assert_eq!(rl.reset, Some(-12));
        assert_eq!(rl.account_success_remaining, None);
        assert_eq!(rl.account_success_limit, Some(4));
        assert_eq!(rl.account_success_reset, Some(59));
        assert!(!rl.account_exhausted());
        assert!(
            RateLimit::from_headers([("x-ratelimit-account-success-remaining", "0")])
                .account_exhausted()
        );
        assert!(RateLimit::from_headers([("server", "x")]).is_empty());
    }
}
