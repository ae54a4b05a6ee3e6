//! What the `status` command shows: per account and scope, the last fetch
//! and the budget; and whether the saved tokens are still usable.

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

/// The state of the tokens saved for a secret id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// None saved: the next run logs in with `token/new`.
    Missing,
    /// The access token is valid.
    Valid {
        /// When the access token expires.
        access_expires: DateTime<Utc>,
        /// When the refresh token expires.
        refresh_expires: DateTime<Utc>,
    },
    /// The access token expired; the next run refreshes it.
    Refreshable {
        /// When the refresh token expires.
        refresh_expires: DateTime<Utc>,
    },
    /// Both expired: the next run logs in with `token/new`.
    Expired {
        /// When the refresh token expired.
        refresh_expired: DateTime<Utc>,
    },
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

    /// The state of the tokens saved for `secret_id`, at the store's clock.
    pub fn token_state(&self, secret_id: &str) -> Result<TokenState, StoreError> {
        let now = self.now();
        Ok(match self.load_tokens(secret_id)? {
            None => TokenState::Missing,
            Some(t) if t.access_expires > now => TokenState::Valid {
                access_expires: t.access_expires,
                refresh_expires: t.refresh_expires,
            },
            Some(t) if t.refresh_expires > now => TokenState::Refreshable {
                refresh_expires: t.refresh_expires,
            },
            Some(t) => TokenState::Expired {
                refresh_expired: t.refresh_expires,
            },
        })
    }

    fn read_error(&self, e: rusqlite::Error) -> StoreError {
        super::map_error(self.path(), "read the account status", e)
    }
}
