//! GoCardless's part of the store (the [`store`] crate): tokens that last
//! across runs, a cache and archive of the bank's responses, and the
//! per-account request budget.
//!
//! Banks let GoCardless read an account only 4 times a day per scope, and
//! `token/new` is capped at 100 an hour. The store makes every run after
//! the first cheap and lets the tool work offline.
//!
//! - [`Store`]: a GoCardless source's part of the store file, in this
//!   crate's terms: [`Scope`]s, [`Tokens`] by secret id (it
//!   is a [`TokenStore`]), an [`AccountStatus`] for
//!   `status`, and the clock that judges tokens and retention.
//! - [`Scope`]: what a response is about; transactions are kept as a
//!   history for [`store::DEFAULT_RETENTION`] with each transaction stored
//!   once, the other scopes as their newest response.
//! - [`CachedClient`]: the client the binary uses, answering from the store
//!   when it can ([`Cached`], [`Source`]) and asking the bank only when it
//!   must and the daily budget allows.
//!
//! ```
//! use gocardless::store::{Scope, Store};
//! let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path().join("store.sqlite")).unwrap();
//! assert_eq!(store.latest_response("acc-1", Scope::Balances).unwrap(), None);
//! ```

mod cached;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use store::{Budget, Keep, RecordPath, SourceName, SourceStore, StoreError, StoredResponse};

use crate::{Clock, SystemClock, TokenState, TokenStore, Tokens};

pub use cached::{
    CacheError, CacheOptions, Cached, CachedClient, DEFAULT_CACHE_TTL, Mode, Source, StaleReason,
    filter_transactions,
};

/// What a response is about. GoCardless counts the daily budget per account
/// and per scope (details, balances, transactions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `GET /accounts/{id}/`: status, IBAN, institution.
    Metadata,
    /// `GET /accounts/{id}/details/`.
    Details,
    /// `GET /accounts/{id}/balances/`.
    Balances,
    /// `GET /accounts/{id}/transactions/`, for a date window.
    Transactions,
    /// `GET /institutions/`; the subject is the query (e.g. the country).
    Institutions,
}

/// Where a transactions body lists its transactions.
const TRANSACTION_LISTS: [RecordPath; 2] = [
    RecordPath::new("transactions.booked"),
    RecordPath::new("transactions.pending"),
];

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 5] = [
        Scope::Metadata,
        Scope::Details,
        Scope::Balances,
        Scope::Transactions,
        Scope::Institutions,
    ];

    /// The scopes of an account (all but institutions).
    pub const ACCOUNT: [Scope; 4] = [
        Scope::Metadata,
        Scope::Details,
        Scope::Balances,
        Scope::Transactions,
    ];

    /// The lowercase name stored in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Metadata => "metadata",
            Scope::Details => "details",
            Scope::Balances => "balances",
            Scope::Transactions => "transactions",
            Scope::Institutions => "institutions",
        }
    }

    /// Transactions are the archive; of the rest only the newest matters.
    fn keep(self) -> Keep {
        match self {
            Scope::Transactions => Keep::History,
            _ => Keep::Latest,
        }
    }

    fn records(self) -> &'static [RecordPath] {
        match self {
            Scope::Transactions => &TRANSACTION_LISTS,
            _ => &[],
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Scope, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}"))
    }
}

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

/// A GoCardless source's part of the store, with the clock that judges its
/// tokens, cache and retention. Cloning is cheap; clones share the file's
/// connections, and a `Store` can be used from several threads at once.
#[derive(Clone)]
pub struct Store {
    source: SourceStore,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The GoCardless source `source` of an open store file, judged by
    /// `clock`.
    pub fn new(source: SourceStore, clock: Arc<dyn Clock>) -> Store {
        Store { source, clock }
    }

    /// Opens the store file at `path` (see [`store::Store::open`]) for the
    /// source [`SourceName::GOCARDLESS`], the implicit source of a config
    /// without `sources:`.
    ///
    /// # Errors
    ///
    /// As [`store::Store::open`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with_clock(path, Arc::new(SystemClock))
    }

    /// [`Store::open`] with the clock that stamps saved tokens and decides
    /// what retention prunes.
    ///
    /// # Errors
    ///
    /// As [`store::Store::open`].
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        let file = store::Store::open(path)?;
        Ok(Store::new(file.source(&SourceName::GOCARDLESS), clock))
    }

    /// The source's part of the store, in the store's own terms.
    pub fn source(&self) -> &SourceStore {
        &self.source
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        self.source.path()
    }

    /// The store's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The newest response of `subject` for `scope`, whatever its window.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::latest_response`].
    pub fn latest_response(
        &self,
        subject: &str,
        scope: Scope,
    ) -> Result<Option<StoredResponse>, StoreError> {
        self.source.latest_response(subject, scope.as_str())
    }

    /// What the store knows of `account_id`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn status(&self, account_id: &str) -> Result<AccountStatus, StoreError> {
        let fetched = self.source.summary(account_id)?;
        let budgets = self.source.budgets(account_id)?;
        let scopes = Scope::ACCOUNT
            .into_iter()
            .map(|scope| {
                let fetch = fetched.iter().find(|f| f.scope == scope.as_str());
                ScopeStatus {
                    scope,
                    last_fetch: fetch.map(|f| f.last_fetch),
                    stored: fetch.map_or(0, |f| f.stored),
                    budget: budgets
                        .iter()
                        .find(|(s, _)| s == scope.as_str())
                        .map(|(_, b)| *b),
                }
            })
            .collect();
        Ok(AccountStatus {
            account_id: account_id.to_owned(),
            scopes,
        })
    }

    /// The tokens saved for `secret_id`, if any (expired ones included:
    /// the caller decides what is still usable).
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn load_tokens(&self, secret_id: &str) -> Result<Option<Tokens>, StoreError> {
        Ok(self.source.tokens(secret_id)?.map(|t| Tokens {
            access: t.access,
            access_expires: t.access_expires,
            refresh: t.refresh,
            refresh_expires: t.refresh_expires,
        }))
    }

    /// Saves the tokens of `secret_id`, replacing any saved before.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::save_tokens`].
    pub fn save_tokens(&self, secret_id: &str, tokens: &Tokens) -> Result<(), StoreError> {
        let stored = store::StoredTokens {
            access: tokens.access.clone(),
            access_expires: tokens.access_expires,
            refresh: tokens.refresh.clone(),
            refresh_expires: tokens.refresh_expires,
        };
        self.source
            .save_tokens(secret_id, &stored, self.clock.now())
    }

    /// Forgets the tokens of `secret_id` (the server rejected them).
    /// Returns whether there were any.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::clear_tokens`].
    pub fn clear_tokens(&self, secret_id: &str) -> Result<bool, StoreError> {
        self.source.clear_tokens(secret_id)
    }

    /// What the tokens saved for `secret_id` allow at the store's clock
    /// (no safety margin: this is for display).
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn token_state(&self, secret_id: &str) -> Result<TokenState, StoreError> {
        Ok(match self.load_tokens(secret_id)? {
            Some(t) => t.state(self.clock.now(), chrono::Duration::zero()),
            None => TokenState::Missing,
        })
    }
}

/// The client keeps its tokens here, so they last across runs. A failure
/// of the store is logged and otherwise ignored: it costs at most one more
/// `token/new`, while the run itself can go on.
impl TokenStore for Store {
    fn load(&self, secret_id: &str) -> Option<Tokens> {
        self.load_tokens(secret_id).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the saved tokens; logging in again");
            None
        })
    }

    fn save(&self, secret_id: &str, tokens: &Tokens) {
        if let Err(e) = self.save_tokens(secret_id, tokens) {
            tracing::warn!(error = %e, "cannot save the tokens; the next run logs in again");
        }
    }

    fn clear(&self, secret_id: &str) {
        if let Err(e) = self.clear_tokens(secret_id) {
            tracing::warn!(error = %e, "cannot drop the rejected tokens");
        }
    }
}
