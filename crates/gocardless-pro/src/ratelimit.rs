//! The rate-limit headers GoCardless sends on every answer.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The rate-limit headers of one answer: `ratelimit-limit` (requests per
/// minute), `ratelimit-remaining`, and `ratelimit-reset` (an HTTP date:
/// when the window starts again), with the answer's `Date` (the server's
/// clock). A header that is missing or unreadable is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u32>,
    /// Requests left in this window.
    pub remaining: Option<u32>,
    /// When the window starts again.
    pub reset: Option<DateTime<Utc>>,
    /// The server's time when it answered (`Date`).
    pub date: Option<DateTime<Utc>>,
}

impl RateLimit {
    /// Reads the rate-limit headers (and `Date`) from `(name, value)`
    /// pairs; names are case-insensitive, other headers ignored.
    ///
    /// ```
    /// let rl = gocardless_pro::RateLimit::from_headers([
    ///     ("RateLimit-Remaining", "0"),
    ///     ("ratelimit-reset", "Thu, 06 Feb 2020 17:58:00 GMT"),
    ///     ("date", "Thu, 06 Feb 2020 17:57:40 GMT"),
    /// ]);
    /// assert_eq!(rl.remaining, Some(0));
    /// assert_eq!(rl.wait(), Some(std::time::Duration::from_secs(20)));
    /// ```
    pub fn from_headers<I, N, V>(headers: I) -> RateLimit
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let pairs: Vec<(String, String)> = headers
            .into_iter()
            .map(|(n, v)| {
                (
                    n.as_ref().trim().to_ascii_lowercase(),
                    v.as_ref().trim().to_owned(),
                )
            })
            .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let date = get("date").and_then(http_date);
        let reset = get("ratelimit-reset").and_then(|v| {
            // An HTTP date as GoCardless sends; seconds from now tolerated.
            http_date(v).or_else(|| {
                let secs: i64 = v.parse().ok()?;
                date.unwrap_or_else(Utc::now)
                    .checked_add_signed(chrono::Duration::seconds(secs.max(0)))
            })
        });
        RateLimit {
            limit: get("ratelimit-limit").and_then(|v| v.parse().ok()),
            remaining: get("ratelimit-remaining").and_then(|v| v.parse().ok()),
            reset,
            date,
        }
    }

    /// How long until the window starts again, measured on the server's
    /// clock (`reset` − `Date`) so that a skewed local clock does not
    /// matter; from the local clock when the answer had no `Date`. `None`
    /// without a `ratelimit-reset`; zero when it has passed.
    pub fn wait(&self) -> Option<Duration> {
        let reset = self.reset?;
        let now = self.date.unwrap_or_else(Utc::now);
        Some((reset - now).to_std().unwrap_or(Duration::ZERO))
    }
}

fn http_date(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(v)
        .or_else(|_| DateTime::parse_from_rfc3339(v))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_as_http_date_or_seconds_and_odd_values() {
        let rl = RateLimit::from_headers([
            ("RateLimit-Limit", "1000"),
            ("ratelimit-remaining", "lots"),
            ("ratelimit-reset", "30"),
            ("Date", "Thu, 06 Feb 2020 17:57:40 GMT"),
            ("content-type", "application/json"),
        ]);
        assert_eq!(rl.limit, Some(1000));
        assert_eq!(rl.remaining, None);
        assert_eq!(rl.wait(), Some(Duration::from_secs(30)));
        let past = RateLimit::from_headers([
            ("ratelimit-reset", "Thu, 06 Feb 2020 17:57:00 GMT"),
            ("date", "Thu, 06 Feb 2020 17:57:40 GMT"),
        ]);
        assert_eq!(past.wait(), Some(Duration::ZERO));
        assert_eq!(
            RateLimit::from_headers([("ratelimit-reset", "soon")]).wait(),
            None
        );
        assert_eq!(
            RateLimit::from_headers([("server", "x")]),
            RateLimit::default()
        );
    }
}
