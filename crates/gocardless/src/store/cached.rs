//! The client the binary uses: answers from the store when it can, asks
//! the bank only when it must and the budget allows, and records every
//! answer.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;

use store::{Budget, Recording, StoreError, StoredResponse, Window};

use super::{Scope, Store};
use crate::model::{AccountDetailsResponse, AccountMetadata, Institution, InstitutionFilter};
use crate::{
    BalancesResponse, Client, Clock, Error, Fetched, RateLimit, TransactionRecord,
    TransactionsResponse,
};

/// How long a stored answer is used without asking again, by default.
pub const DEFAULT_CACHE_TTL: chrono::Duration = chrono::Duration::hours(6);

/// Whether the network may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Ask the bank when the store has no fresh answer.
    #[default]
    Online,
    /// Never touch the network: answer from the store only.
    Offline,
}

/// How a [`CachedClient`] decides between the store and the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheOptions {
    /// Online or offline.
    pub mode: Mode,
    /// Stored answers younger than this are used without a network call.
    pub cache_ttl: chrono::Duration,
    /// Ask the bank even when a fresh answer is stored (`--force`). The
    /// budget guard still applies.
    pub force: bool,
    /// Ask the bank even when its daily budget is known to be spent. Only
    /// an explicit user choice should set this.
    pub ignore_budget: bool,
    /// How long transaction responses are kept (see
    /// [`SourceStore::prune`](store::SourceStore::prune)).
    pub retention: chrono::Duration,
    /// Hand each answer's JSON text back ([`Cached::body`]) besides its
    /// typed value: what `fetch --archive` writes. Off, the text is
    /// dropped once read and stored, which saves a copy of every response
    /// while a run converts.
    pub keep_bodies: bool,
}

impl Default for CacheOptions {
    fn default() -> CacheOptions {
        CacheOptions {
            mode: Mode::Online,
            cache_ttl: DEFAULT_CACHE_TTL,
            force: false,
            ignore_budget: false,
            retention: store::DEFAULT_RETENTION,
            keep_bodies: false,
        }
    }
}

/// An answer, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<T> {
    /// The typed value.
    pub value: T,
    /// Its JSON text, when [`CacheOptions::keep_bodies`] asks for it: as
    /// received, or for a transactions window answered from a wider stored
    /// one, the stored response filtered to the window.
    pub body: Option<String>,
    /// When the bank sent it.
    pub fetched_at: DateTime<Utc>,
    /// Where it came from.
    pub source: Source,
}

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The bank, just now.
    Network,
    /// The store, younger than the cache TTL.
    Fresh,
    /// The store, because the bank could not or should not be asked: the
    /// data may be out of date, and the user should be told.
    Stale {
        /// How old the answer is.
        age: chrono::Duration,
        /// When the bank's budget resets, when known.
        reset_at: Option<DateTime<Utc>>,
        /// Why the bank was not asked.
        reason: StaleReason,
    },
}

impl Source {
    /// Whether the answer may be out of date.
    pub fn is_stale(&self) -> bool {
        matches!(self, Source::Stale { .. })
    }
}

/// Why a stored answer was used although it is older than the TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleReason {
    /// The last known budget of the account for this scope is 0.
    BudgetSpent,
    /// The bank answered with its daily-limit 429.
    DailyLimit,
    /// Offline mode.
    Offline,
}

impl fmt::Display for StaleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StaleReason::BudgetSpent => "the bank's daily request budget for it is used up",
            StaleReason::DailyLimit => "the bank refused: daily request limit reached",
            StaleReason::Offline => "offline mode",
        })
    }
}

/// An error of a [`CachedClient`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The bank or GoCardless refused or failed, and nothing stored could
    /// stand in (or the failure was not about the budget).
    #[error(transparent)]
    Api(#[from] Error),

    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),

    /// Nothing is stored to answer with, and the bank must not be asked.
    #[error("{}", not_stored_message(subject, *scope, *reason, *reset_at))]
    NotStored {
        /// The account id, or the institutions query.
        subject: String,
        /// What was asked.
        scope: Scope,
        /// Why the bank was not asked.
        reason: StaleReason,
        /// When the budget resets, when known.
        reset_at: Option<DateTime<Utc>>,
    },

    /// A stored response cannot be read as what it should be.
    #[error(
        "the stored {scope} response of {} (fetched {fetched_at}) in {} cannot be read: \
         {}. Fetch it again with --force, or move the store aside",
        crate::error::shown(.subject),
        path.display(),
        crate::error::shown(.detail)
    )]
    StoredBody {
        /// The store file.
        path: std::path::PathBuf,
        /// The account id, or the institutions query.
        subject: String,
        /// What was asked.
        scope: Scope,
        /// When it was fetched.
        fetched_at: DateTime<Utc>,
        /// Why it cannot be read.
        detail: String,
    },
}

fn not_stored_message(
    subject: &str,
    scope: Scope,
    reason: StaleReason,
    reset_at: Option<DateTime<Utc>>,
) -> String {
    let subject = crate::error::shown(subject);
    let what = if scope == Scope::Institutions {
        format!("institutions ({subject})")
    } else {
        format!("the {scope} of account {subject}")
    };
    match reason {
        StaleReason::Offline => {
            format!("offline mode: nothing is stored for {what}; run once online to fetch it")
        }
        StaleReason::BudgetSpent | StaleReason::DailyLimit => format!(
            "{what} cannot be fetched: {reason}{}, and nothing is stored to use instead",
            match reset_at {
                Some(at) => format!(" until {}", at.format("%Y-%m-%d %H:%M UTC")),
                None => String::new(),
            }
        ),
    }
}

/// The client the binary uses: the API [`Client`] behind the [`Store`].
///
/// Build the client with the store as its token store, so that tokens last
/// across runs too:
///
/// ```no_run
/// use std::sync::Arc;
/// use gocardless::store::{CacheOptions, CachedClient, Store};
/// use gocardless::{Client, Secret};
/// let store = Store::open(store::default_path(None))?;
/// let client = Client::builder("secret-id", Secret::new("secret-key"))
///     .token_store(Arc::new(store.clone()))
///     .build()?;
/// let cached = CachedClient::new(client, store, CacheOptions::default())?;
/// let tx = cached.transactions("account-id", None, None)?;
/// if tx.source.is_stale() {
///     eprintln!("using stored data: {:?}", tx.source);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Each call answers, in order of preference: from a stored answer younger
/// than the TTL (unless `force`); offline, from the newest stored answer;
/// when the bank's budget is known to be spent, from the newest stored
/// answer flagged stale (unless `ignore_budget`); otherwise from the bank,
/// recording the answer and the budget it reports. A daily-limit 429 falls
/// back to the store the same way. Usable from several threads at once.
#[derive(Clone)]
pub struct CachedClient {
    client: Option<Client>,
    store: Store,
    clock: Arc<dyn Clock>,
    options: CacheOptions,
}

impl fmt::Debug for CachedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedClient")
            .field("client", &self.client)
            .field("store", &self.store)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl CachedClient {
    /// A cached client over `client` and `store`, using the store's clock.
    /// Prunes transaction responses older than `options.retention`.
    pub fn new(
        client: Client,
        store: Store,
        options: CacheOptions,
    ) -> Result<CachedClient, StoreError> {
        CachedClient::build(Some(client), store, options)
    }

    /// A client that only reads the store ([`Mode::Offline`]); it needs no
    /// credentials.
    pub fn offline(store: Store, options: CacheOptions) -> Result<CachedClient, StoreError> {
        let options = CacheOptions {
            mode: Mode::Offline,
            ..options
        };
        CachedClient::build(None, store, options)
    }

    fn build(
        client: Option<Client>,
        store: Store,
        options: CacheOptions,
    ) -> Result<CachedClient, StoreError> {
        let options = match client {
            None => CacheOptions {
                mode: Mode::Offline,
                ..options
            },
            Some(_) => options,
        };
        if options.mode == Mode::Online {
            store
                .source()
                .prune(store.clock().now() - options.retention)?;
        }
        Ok(CachedClient {
            client,
            clock: store.clock().clone(),
            store,
            options,
        })
    }

    /// The same client, handing each answer's JSON text back (see
    /// [`CacheOptions::keep_bodies`]).
    pub fn keeping_bodies(mut self) -> CachedClient {
        self.options.keep_bodies = true;
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The API client, when online.
    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    /// The options.
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }

    /// `GET /accounts/{id}/`: status, IBAN, institution.
    pub fn metadata(&self, account_id: &str) -> Result<Cached<AccountMetadata>, CacheError> {
        self.answer(account_id, Scope::Metadata, Window::ALL, |c| {
            c.account_metadata(account_id)
        })
    }

    /// `GET /accounts/{id}/details/`.
    pub fn details(&self, account_id: &str) -> Result<Cached<AccountDetailsResponse>, CacheError> {
        self.answer(account_id, Scope::Details, Window::ALL, |c| {
            c.account_details(account_id)
        })
    }

    /// `GET /accounts/{id}/balances/`.
    pub fn balances(&self, account_id: &str) -> Result<Cached<BalancesResponse>, CacheError> {
        self.answer(account_id, Scope::Balances, Window::ALL, |c| {
            c.account_balances(account_id)
        })
    }

    /// `GET /accounts/{id}/transactions/` for `from..=to` (open ends
    /// allowed). A stored response for a window that covers this one
    /// answers it, filtered to the window.
    pub fn transactions(
        &self,
        account_id: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Cached<TransactionsResponse>, CacheError> {
        self.answer_reading(
            account_id,
            Scope::Transactions,
            Window::new(from, to),
            Self::fresh_transactions,
            |c| c.account_transactions(account_id, from, to),
        )
    }

    /// `GET /institutions/` with `filter`.
    pub fn institutions(
        &self,
        filter: &InstitutionFilter,
    ) -> Result<Cached<Vec<Institution>>, CacheError> {
        let subject = institutions_subject(filter);
        self.answer(&subject, Scope::Institutions, Window::ALL, |c| {
            c.institutions(filter)
        })
    }

    fn answer<T: DeserializeOwned>(
        &self,
        subject: &str,
        scope: Scope,
        window: Window,
        fetch: impl FnOnce(&Client) -> Result<Fetched<T>, Error>,
    ) -> Result<Cached<T>, CacheError> {
        self.answer_reading(subject, scope, window, Self::fresh_body, fetch)
    }

    /// [`CachedClient::answer`], reading a fresh stored answer with `fresh`.
    fn answer_reading<T: DeserializeOwned>(
        &self,
        subject: &str,
        scope: Scope,
        window: Window,
        fresh: impl FnOnce(&Self, &str, Scope, &Window, DateTime<Utc>) -> FreshAnswer<T>,
        fetch: impl FnOnce(&Client) -> Result<Fetched<T>, Error>,
    ) -> Result<Cached<T>, CacheError> {
        let now = self.clock.now();
        let opts = &self.options;

        if !opts.force || opts.mode == Mode::Offline {
            let since = now - opts.cache_ttl;
            if let Some(answer) = fresh(self, subject, scope, &window, since)? {
                return Ok(answer);
            }
        }
        let client = match (&self.client, opts.mode) {
            (Some(client), Mode::Online) => client,
            _ => return self.stale(subject, scope, &window, now, StaleReason::Offline, None),
        };
        if counts_against_budget(scope)
            && !opts.ignore_budget
            && let Some(budget) = self.store.source().budget(subject, scope.as_str())?
            && budget.is_spent_at(now)
        {
            let reset_at = budget.blocked_until();
            tracing::info!(account = subject, %scope, ?reset_at, "daily budget spent; not asking the bank");
            return self.stale(
                subject,
                scope,
                &window,
                now,
                StaleReason::BudgetSpent,
                reset_at,
            );
        }

        match fetch(client) {
            Ok(fetched) => {
                let rate_limit = (!fetched.rate_limit.is_empty())
                    .then(|| serde_json::to_string(&fetched.rate_limit).ok())
                    .flatten();
                let budget = counts_against_budget(scope)
                    .then(|| budget_from(&fetched.rate_limit, fetched.fetched_at))
                    .flatten();
                // Recorded on the store's thread while the run goes on.
                // The bank's answer is worth more than the cache: a store
                // that cannot record it costs the next run a request (the
                // failure is logged), while failing here would lose a read
                // the budget has paid for.
                let body = if self.options.keep_bodies {
                    Some(fetched.body.to_string())
                } else {
                    None
                };
                self.store.source().record_soon(Recording {
                    subject: subject.to_owned(),
                    scope: scope.as_str(),
                    window,
                    keep: scope.keep(),
                    records: scope.records(),
                    body: fetched.body,
                    fetched_at: fetched.fetched_at,
                    rate_limit,
                    budget,
                });
                Ok(Cached {
                    value: fetched.value,
                    body,
                    fetched_at: fetched.fetched_at,
                    source: Source::Network,
                })
            }
            Err(e) if e.is_daily_limit() => {
                let rl = e.rate_limit().copied().unwrap_or_default();
                let wait = e
                    .retry_after()
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .or_else(|| {
                        rl.account_success_reset
                            .map(|s| chrono::Duration::seconds(s.max(0)))
                    });
                let budget = Budget {
                    remaining: Some(0),
                    limit: rl.account_success_limit,
                    reset_at: wait.map(|w| now + w),
                    updated_at: now,
                };
                if let Err(err) =
                    self.store
                        .source()
                        .record_budget(subject, scope.as_str(), &budget)
                {
                    tracing::warn!(account = subject, %scope, error = %err, "the spent budget could not be stored");
                }
                let reset_at = budget.blocked_until();
                match self.stale(
                    subject,
                    scope,
                    &window,
                    now,
                    StaleReason::DailyLimit,
                    reset_at,
                ) {
                    Err(CacheError::NotStored { .. }) => Err(CacheError::Api(e)),
                    other => other,
                }
            }
            Err(e) => Err(CacheError::Api(e)),
        }
    }

    /// The newest stored answer, flagged stale: one covering the window if
    /// any, else the newest of any window.
    fn stale<T: DeserializeOwned>(
        &self,
        subject: &str,
        scope: Scope,
        window: &Window,
        now: DateTime<Utc>,
        reason: StaleReason,
        reset_at: Option<DateTime<Utc>>,
    ) -> Result<Cached<T>, CacheError> {
        let source = self.store.source();
        let stored = match source.latest_covering(subject, scope.as_str(), window, None)? {
            Some(r) => Some(r),
            None => source.latest_response(subject, scope.as_str())?,
        };
        let Some(r) = stored else {
            return Err(CacheError::NotStored {
                subject: subject.to_owned(),
                scope,
                reason,
                reset_at,
            });
        };
        let age = now - r.fetched_at;
        // Offline, an answer younger than the TTL is as good as any.
        let source = if reason == StaleReason::Offline && age <= self.options.cache_ttl {
            Source::Fresh
        } else {
            Source::Stale {
                age,
                reset_at,
                reason,
            }
        };
        self.stored_answer(r, scope, window, source)
    }

    /// The newest stored answer fetched at or after `since` whose window
    /// covers `window`, parsed from its body.
    fn fresh_body<T: DeserializeOwned>(
        &self,
        subject: &str,
        scope: Scope,
        window: &Window,
        since: DateTime<Utc>,
    ) -> FreshAnswer<T> {
        let stored =
            self.store
                .source()
                .latest_covering(subject, scope.as_str(), window, Some(since))?;
        stored
            .map(|r| self.stored_answer(r, scope, window, Source::Fresh))
            .transpose()
    }

    /// [`CachedClient::fresh_body`] for transactions: the store hands the
    /// records back as they are, and they become the response's records
    /// without a body put back together and parsed again (about 15 % of a
    /// warm import's CPU). Only `fetch --archive`, which keeps the text,
    /// reads the body.
    fn fresh_transactions(
        &self,
        subject: &str,
        scope: Scope,
        window: &Window,
        since: DateTime<Utc>,
    ) -> FreshAnswer<TransactionsResponse> {
        if self.options.keep_bodies {
            return self.fresh_body(subject, scope, window, since);
        }
        let Some(stored) = self.store.source().latest_covering_records(
            subject,
            scope.as_str(),
            window,
            Some(since),
        )?
        else {
            return Ok(None);
        };
        let r = &stored.response;
        let unreadable = |detail: String| self.unreadable(r, scope, detail);
        let mut value: TransactionsResponse =
            serde_json::from_str(&r.body).map_err(|e| unreadable(e.to_string()))?;
        for (path, records) in stored.lists {
            let [booked, pending] = &super::TRANSACTION_LISTS;
            let list = if path == booked.as_str() {
                &mut value.transactions.booked
            } else if path == pending.as_str() {
                &mut value.transactions.pending
            } else {
                return Err(unreadable(format!(
                    "a list of records at {path}, which transactions are not stored at"
                )));
            };
            list.extend(records.into_iter().map(TransactionRecord::stored));
        }
        if r.window != *window {
            keep_window(&mut value, window);
        }
        Ok(Some(Cached {
            value,
            body: None,
            fetched_at: r.fetched_at,
            source: Source::Fresh,
        }))
    }

    /// Why the stored response `r` cannot be read as `scope`'s answer.
    fn unreadable(&self, r: &StoredResponse, scope: Scope, detail: String) -> CacheError {
        CacheError::StoredBody {
            path: self.store.path().to_path_buf(),
            subject: r.subject.clone(),
            scope,
            fetched_at: r.fetched_at,
            detail,
        }
    }

    fn stored_answer<T: DeserializeOwned>(
        &self,
        r: StoredResponse,
        scope: Scope,
        window: &Window,
        source: Source,
    ) -> Result<Cached<T>, CacheError> {
        let unreadable = |detail: String| self.unreadable(&r, scope, detail);
        let filtered = if scope == Scope::Transactions && r.window != *window {
            Some(filter_transactions(&r.body, window).map_err(|e| unreadable(e.to_string()))?)
        } else {
            None
        };
        let body = filtered.as_deref().unwrap_or(&r.body);
        let value = serde_json::from_str(body).map_err(|e| unreadable(e.to_string()))?;
        Ok(Cached {
            value,
            body: self.options.keep_bodies.then(|| filtered.unwrap_or(r.body)),
            fetched_at: r.fetched_at,
            source,
        })
    }
}

/// A fresh answer from the store, if it has one.
type FreshAnswer<T> = Result<Option<Cached<T>>, CacheError>;

/// Metadata and institutions do not reach the bank, so the bank's daily
/// budget does not apply to them.
fn counts_against_budget(scope: Scope) -> bool {
    matches!(
        scope,
        Scope::Details | Scope::Balances | Scope::Transactions
    )
}

/// The budget the `account_success_*` headers report, if they do. A
/// negative reset (seen in the wild) means it has already reset.
fn budget_from(rl: &RateLimit, at: DateTime<Utc>) -> Option<Budget> {
    if rl.account_success_remaining.is_none() && rl.account_success_limit.is_none() {
        return None;
    }
    Some(Budget {
        remaining: rl.account_success_remaining,
        limit: rl.account_success_limit,
        reset_at: rl
            .account_success_reset
            .map(|s| at + chrono::Duration::seconds(s.max(0))),
        updated_at: at,
    })
}

/// The store's key for an institutions query: its query string.
fn institutions_subject(filter: &InstitutionFilter) -> String {
    let query: Vec<String> = filter
        .query()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("institutions?{}", query.join("&"))
}

/// A transactions response with only the transactions of `window`: those
/// with their booking or value date in it, and those without any date
/// (nothing the bank sent is dropped unseen). Records keep their raw JSON;
/// when every record is kept, the body is returned as it was.
pub fn filter_transactions(body: &str, window: &Window) -> Result<String, serde_json::Error> {
    let mut resp: TransactionsResponse = serde_json::from_str(body)?;
    if !keep_window(&mut resp, window) {
        return Ok(body.to_owned());
    }
    serde_json::to_string(&resp)
}

/// Keeps the records of `resp` that [`filter_transactions`] keeps; whether
/// any was left out.
fn keep_window(resp: &mut TransactionsResponse, window: &Window) -> bool {
    let keep = |rec: &TransactionRecord| match rec.parse() {
        Ok(t) => {
            let days: Vec<NaiveDate> = [
                t.booking_date,
                t.booking_date_time.map(|d| d.date_naive()),
                t.value_date,
                t.value_date_time.map(|d| d.date_naive()),
            ]
            .into_iter()
            .flatten()
            .collect();
            days.is_empty() || days.iter().any(|d| window.contains(*d))
        }
        Err(_) => true,
    };
    let before = resp.transactions.booked.len() + resp.transactions.pending.len();
    resp.transactions.booked.retain(keep);
    resp.transactions.pending.retain(keep);
    resp.transactions.booked.len() + resp.transactions.pending.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn filter_keeps_the_window_and_what_has_no_date() {
        let body = r#"{"transactions": {"booked": [
            {"transactionId": "in", "bookingDate": "2024-02-10", "transactionAmount": {"amount": "1", "currency": "EUR"}},
            {"transactionId": "value-in", "bookingDate": "2024-01-31", "valueDate": "2024-02-01", "transactionAmount": {"amount": "1", "currency": "EUR"}},
            {"transactionId": "out", "bookingDate": "2024-03-10", "transactionAmount": {"amount": "1", "currency": "EUR"}},
            {"transactionId": "no-date", "transactionAmount": {"amount": "1", "currency": "EUR"}},
            {"transactionId": "unreadable", "bookingDate": "2024-03-10"}
        ], "pending": [
            {"valueDateTime": "2024-01-05T10:00:00+01:00", "transactionAmount": {"amount": "1", "currency": "EUR"}}
        ]}}"#;
        let window = Window::new(d("2024-02-01"), d("2024-02-29"));
        let out: TransactionsResponse =
            serde_json::from_str(&filter_transactions(body, &window).unwrap()).unwrap();
        let ids: Vec<String> = out
            .transactions
            .booked
            .iter()
            .map(|r| r.value()["transactionId"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["in", "value-in", "no-date", "unreadable"]);
        assert!(out.transactions.pending.is_empty());

        // Nothing to drop: the body comes back byte for byte.
        assert_eq!(filter_transactions(body, &Window::ALL).unwrap(), body);
    }

    #[test]
    fn budget_from_headers() {
        let at: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        assert_eq!(budget_from(&RateLimit::default(), at), None);
        let rl = RateLimit {
            account_success_limit: Some(4),
            account_success_remaining: Some(0),
            account_success_reset: Some(3600),
            ..RateLimit::default()
        };
        let b = budget_from(&rl, at).unwrap();
        assert_eq!(b.reset_at, Some(at + chrono::Duration::hours(1)));
        assert!(b.is_spent_at(at));
        // A negative reset: already reset.
        let past = RateLimit {
            account_success_reset: Some(-5),
            ..rl
        };
        assert!(!budget_from(&past, at).unwrap().is_spent_at(at));
    }
}
