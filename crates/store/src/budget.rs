//! The request budget the bank reports, per subject (account) and scope.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::db::{from_millis, to_millis};
use crate::{SourceStore, StoreError};

/// How long a spent budget is assumed to stay spent when the bank did not
/// say when it resets: banks count an aggregator's reads per day (PSD2
/// allows four a day without the user).
pub const UNKNOWN_RESET: chrono::Duration = chrono::Duration::hours(24);

/// The last known budget of a subject (an account) for one scope, as the
/// source learnt it: GoCardless from its `account_success_*` rate-limit
/// headers or a daily-limit 429, another source from its own signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Successful requests left today.
    pub remaining: Option<i64>,
    /// Successful requests allowed a day.
    pub limit: Option<i64>,
    /// When the budget resets, if the bank said.
    pub reset_at: Option<DateTime<Utc>>,
    /// When this was learnt.
    pub updated_at: DateTime<Utc>,
}

impl Budget {
    /// Until when no request should be made: set when nothing remains,
    /// at the reset instant, or [`UNKNOWN_RESET`] after the budget was
    /// learnt when the reset is unknown.
    ///
    /// ```
    /// use store::Budget;
    /// let t = "2024-05-01T10:00:00Z".parse().unwrap();
    /// let spent = Budget { remaining: Some(0), limit: Some(4), reset_at: None, updated_at: t };
    /// assert_eq!(spent.blocked_until().unwrap().to_rfc3339(), "2024-05-02T10:00:00+00:00");
    /// assert_eq!(Budget { remaining: Some(1), ..spent }.blocked_until(), None);
    /// ```
    pub fn blocked_until(&self) -> Option<DateTime<Utc>> {
        match self.remaining {
            Some(n) if n <= 0 => Some(self.reset_at.unwrap_or(self.updated_at + UNKNOWN_RESET)),
            _ => None,
        }
    }

    /// Whether no request should be made at `now`.
    pub fn is_spent_at(&self, now: DateTime<Utc>) -> bool {
        self.blocked_until().is_some_and(|until| until > now)
    }
}

impl SourceStore {
    /// The last known budget of `subject` for `scope`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn budget(&self, subject: &str, scope: &str) -> Result<Option<Budget>, StoreError> {
        self.settle(Some(subject), Some(scope));
        let source = self.key();
        self.store().read("read the request budget", |c| {
            c.prepare_cached(
                "SELECT remaining, day_limit, reset_at, updated_at FROM budget
                 WHERE source = ?1 AND subject = ?2 AND scope = ?3",
            )?
            .query_row(params![source, subject, scope], |r| row_to_budget(r, 0))
            .optional()
        })
    }

    /// Every known budget of `subject`, by scope, sorted by scope.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn budgets(&self, subject: &str) -> Result<Vec<(String, Budget)>, StoreError> {
        self.settle(Some(subject), None);
        let source = self.key();
        self.store().read("read the request budget", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT scope, remaining, day_limit, reset_at, updated_at FROM budget
                 WHERE source = ?1 AND subject = ?2 ORDER BY scope",
            )?;
            let rows = stmt.query_map(params![source, subject], |r| {
                Ok((r.get(0)?, row_to_budget(r, 1)?))
            })?;
            rows.collect()
        })
    }

    /// Records what the bank said about the budget of `subject` for
    /// `scope`. An older report never replaces a newer one (threads and
    /// processes may finish out of order).
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn record_budget(
        &self,
        subject: &str,
        scope: &str,
        budget: &Budget,
    ) -> Result<(), StoreError> {
        let source = self.key();
        self.store().write("record the request budget", |tx| {
            upsert(tx, source, subject, scope, budget)
        })
    }
}

pub(crate) fn upsert(
    tx: &rusqlite::Transaction<'_>,
    source: &str,
    subject: &str,
    scope: &str,
    b: &Budget,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO budget (source, subject, scope, remaining, day_limit, reset_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (source, subject, scope) DO UPDATE SET
             remaining = excluded.remaining,
             day_limit = excluded.day_limit,
             reset_at = excluded.reset_at,
             updated_at = excluded.updated_at
         WHERE excluded.updated_at >= budget.updated_at",
    )?
    .execute(params![
        source,
        subject,
        scope,
        b.remaining,
        b.limit,
        b.reset_at.map(to_millis),
        to_millis(b.updated_at),
    ])
    .map(drop)
}

fn row_to_budget(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Budget> {
    Ok(Budget {
        remaining: r.get(at)?,
        limit: r.get(at + 1)?,
        reset_at: r
            .get::<_, Option<i64>>(at + 2)?
            .map(from_millis)
            .transpose()?,
        updated_at: from_millis(r.get(at + 3)?)?,
    })
}
