//! What a `status` command shows of a subject: per scope, the last fetch
//! and how many responses are kept (the budget is
//! [`SourceStore::budgets`]).

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::db::from_millis;
use crate::{SourceStore, StoreError};

/// What the store holds of one subject and scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSummary {
    /// The scope.
    pub scope: String,
    /// When the newest stored response was fetched.
    pub last_fetch: DateTime<Utc>,
    /// How many responses are stored (a history keeps several).
    pub stored: u64,
}

impl SourceStore {
    /// What the store holds of `subject`: one summary per scope with
    /// stored responses, sorted by scope.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn summary(&self, subject: &str) -> Result<Vec<ScopeSummary>, StoreError> {
        self.settle(Some(subject), None);
        let source = self.key();
        self.store().read("read the account status", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT scope, max(fetched_at), count(*) FROM responses
                 WHERE source = ?1 AND subject = ?2 GROUP BY scope ORDER BY scope",
            )?;
            let rows = stmt.query_map(params![source, subject], |r| {
                Ok(ScopeSummary {
                    scope: r.get(0)?,
                    last_fetch: from_millis(r.get(1)?)?,
                    stored: r.get::<_, i64>(2)?.max(0).unsigned_abs(),
                })
            })?;
            rows.collect()
        })
    }
}
