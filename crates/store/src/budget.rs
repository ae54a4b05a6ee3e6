//! The per-account, per-scope daily request budget the bank reports.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::responses::scope_column;
use super::{Scope, Store, StoreError, from_millis, to_millis};

/// How long a spent budget is assumed to stay spent when the bank did not
/// say when it resets: GoCardless counts requests per day.
pub const UNKNOWN_RESET: chrono::Duration = chrono::Duration::hours(24);

/// The last known budget of an account for one scope, from the
/// `account_success_*` rate-limit headers or a daily-limit 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Successful requests left today (`account_success_remaining`).
    pub remaining: Option<i64>,
    /// Successful requests allowed a day (`account_success_limit`).
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
    /// use gocardless::store::Budget;
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

impl Store {
    /// The last known budget of `account_id` for `scope`.
    pub fn budget(&self, account_id: &str, scope: Scope) -> Result<Option<Budget>, StoreError> {
        self.read("read the request budget", |c| {
            c.query_row(
                "SELECT remaining, day_limit, reset_at, updated_at FROM budget
                 WHERE account_id = ?1 AND scope = ?2",
                params![account_id, scope.as_str()],
                |r| row_to_budget(r, 0),
            )
            .optional()
        })
    }

    /// Every known budget of `account_id`, by scope.
    pub fn budgets(&self, account_id: &str) -> Result<Vec<(Scope, Budget)>, StoreError> {
        self.read("read the request budget", |c| {
            let mut stmt = c.prepare(
                "SELECT scope, remaining, day_limit, reset_at, updated_at FROM budget
                 WHERE account_id = ?1 ORDER BY scope",
            )?;
            let rows = stmt.query_map([account_id], |r| {
                Ok((scope_column(r, 0)?, row_to_budget(r, 1)?))
            })?;
            rows.collect()
        })
    }

    /// Records what the bank said about the budget. An older report never
    /// replaces a newer one (threads and processes may finish out of
    /// order).
    pub fn record_budget(
        &self,
        account_id: &str,
        scope: Scope,
        budget: &Budget,
    ) -> Result<(), StoreError> {
        self.write("record the request budget", |tx| {
            upsert(tx, account_id, scope, budget)
        })
    }
}

pub(super) fn upsert(
    tx: &rusqlite::Transaction<'_>,
    account_id: &str,
    scope: Scope,
    b: &Budget,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO budget (account_id, scope, remaining, day_limit, reset_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id, scope) DO UPDATE SET
             remaining = excluded.remaining,
             day_limit = excluded.day_limit,
             reset_at = excluded.reset_at,
             updated_at = excluded.updated_at
         WHERE excluded.updated_at >= budget.updated_at",
        params![
            account_id,
            scope.as_str(),
            b.remaining,
            b.limit,
            b.reset_at.map(to_millis),
            to_millis(b.updated_at),
        ],
    )
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
