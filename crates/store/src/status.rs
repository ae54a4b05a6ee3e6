//! What the `status` command shows: per account and scope, the last fetch
//! and the budget. The token state is [`Store::token_state`].

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::responses::scope_column;
use super::{Budget, Scope, Store, StoreError, from_millis};

/// What the store knows of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    /// The account id.
    pub account_id: String,
    /// One entry per account scope ([`Scope::ACCOUNT`]), in that order.
    pub scopes: Vec<ScopeStatus>,
}

/// What the store knows of one account and scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeStatus {
    /// The scope.
    pub scope: Scope,
    /// When the newest stored response was fetched.
    pub last_fetch: Option<DateTime<Utc>>,
    /// How many responses are stored (transactions keep their history).
    pub stored: u64,
    /// The last known budget.
    pub budget: Option<Budget>,
}

impl Store {
    /// What the store knows of `account_id`.
    pub fn status(&self, account_id: &str) -> Result<AccountStatus, StoreError> {
        let fetched: Vec<(Scope, i64, i64)> = self.read("read the account status", |c| {
            let mut stmt = c.prepare(
                "SELECT scope, max(fetched_at), count(*) FROM responses
                 WHERE subject = ?1 GROUP BY scope",
            )?;
            let rows = stmt.query_map(params![account_id], |r| {
                Ok((scope_column(r, 0)?, r.get(1)?, r.get(2)?))
            })?;
            rows.collect()
        })?;
        let budgets = self.budgets(account_id)?;
        let mut scopes = Vec::new();
        for scope in Scope::ACCOUNT {
            let (last_fetch, stored) = match fetched.iter().find(|f| f.0 == scope) {
                Some(&(_, at, n)) => (
                    Some(from_millis(at).map_err(|e| self.read_error(e))?),
                    n.max(0) as u64,
                ),
                None => (None, 0),
            };
            let budget = budgets.iter().find(|b| b.0 == scope).map(|b| b.1);
            scopes.push(ScopeStatus {
                scope,
                last_fetch,
                stored,
                budget,
            });
        }
        Ok(AccountStatus {
            account_id: account_id.to_owned(),
            scopes,
        })
    }

    fn read_error(&self, e: rusqlite::Error) -> StoreError {
        super::map_error(self.path(), "read the account status", e)
    }
}
