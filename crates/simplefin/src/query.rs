//! What `GET /accounts` is asked, and how a long window is split.

use chrono::{DateTime, TimeDelta, Utc};

/// The longest window one `GET /accounts` may ask for: the Bridge caps
/// longer ones (silently, or with a `gen.api` message).
pub const MAX_WINDOW: TimeDelta = TimeDelta::days(90);

/// What to ask `GET /accounts` for.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use simplefin::AccountsQuery;
/// let end = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
/// let q = AccountsQuery {
///     pending: true,
///     ..AccountsQuery::window(end - chrono::Duration::days(200), end)
/// };
/// assert_eq!(q.request_count(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountsQuery {
    /// Transactions posted on or after this time (`start-date`).
    pub start: Option<DateTime<Utc>>,
    /// Transactions posted before this time (`end-date`; the server's
    /// default is now).
    pub end: Option<DateTime<Utc>>,
    /// Include pending transactions (`pending=1`).
    pub pending: bool,
    /// Balances only, no transactions (`balances-only=1`).
    pub balances_only: bool,
    /// Only these accounts (`account=`, repeated); all when empty. The
    /// Bridge keeps a separate quota per account filter.
    pub accounts: Vec<String>,
}

impl AccountsQuery {
    /// Every account's transactions in `[start, end)`, without pending ones.
    pub fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> AccountsQuery {
        AccountsQuery {
            start: Some(start),
            end: Some(end),
            ..AccountsQuery::default()
        }
    }

    /// Every account's balance, no transactions.
    pub fn balances() -> AccountsQuery {
        AccountsQuery {
            balances_only: true,
            ..AccountsQuery::default()
        }
    }

    /// The requests this query takes (before any retry): one per
    /// [`MAX_WINDOW`] of a window with both ends, else one. A quota guard
    /// can check it before [`crate::Client::accounts`] spends them.
    pub fn request_count(&self) -> usize {
        self.chunks().len()
    }

    /// The query split into windows of at most [`MAX_WINDOW`], in
    /// chronological order; itself when no split is needed (only balances,
    /// an open end, a short window).
    pub(crate) fn chunks(&self) -> Vec<AccountsQuery> {
        let (Some(start), Some(end)) = (self.start, self.end) else {
            return vec![self.clone()];
        };
        if self.balances_only || end - start <= MAX_WINDOW {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut from = start;
        while from < end {
            let to = (from + MAX_WINDOW).min(end);
            out.push(AccountsQuery {
                start: Some(from),
                end: Some(to),
                ..self.clone()
            });
            from = to;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn splits_long_windows_without_gaps_or_overlaps() {
        let end = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        for (days, want) in [
            (1, 1),
            (90, 1),
            (91, 2),
            (180, 2),
            (181, 3),
            (200, 3),
            (400, 5),
        ] {
            let q = AccountsQuery::window(end - TimeDelta::days(days), end);
            let chunks = q.chunks();
            assert_eq!(chunks.len(), want, "{days} days");
            assert_eq!(chunks[0].start, q.start);
            assert_eq!(chunks.last().unwrap().end, q.end);
            for pair in chunks.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
            }
            assert!(
                chunks
                    .iter()
                    .all(|c| c.end.unwrap() - c.start.unwrap() <= MAX_WINDOW)
            );
        }
        let open = AccountsQuery {
            start: Some(end - TimeDelta::days(400)),
            ..AccountsQuery::default()
        };
        assert_eq!(open.request_count(), 1);
        let balances = AccountsQuery {
            balances_only: true,
            ..AccountsQuery::window(end - TimeDelta::days(400), end)
        };
        assert_eq!(balances.request_count(), 1);
    }
}
