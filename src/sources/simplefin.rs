//! SimpleFIN (SimpleFIN Bridge) through the store.
//!
//! One secret, the access URL that `link` claimed, lives in the source's
//! part of the store as a credential. One `GET /accounts` (split into
//! windows of 90 days by the client) answers every account of the source
//! at once; the answer is kept in the store, so a run within `cache_ttl`
//! asks nothing and `--offline` answers from the store. The Bridge allows
//! about [`DAILY_QUOTA`] requests a day per access URL: the store's budget
//! counts them, and once spent the stored answer stands in (said on
//! stderr, with when the Bridge can be asked again).
//!
//! Responses and the budget are kept under the access URL's fingerprint,
//! never the URL itself: a new setup token is a new access with a new
//! quota, and nothing but the credential holds the secret.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use importer::{BankTransaction, Records, SourceConfig, Unreadable};
use sha2::{Digest, Sha256};
use simplefin::statement::{AccountStatement, bank_transaction};
use simplefin::{AccessUrl, AccountSet, AccountsQuery, Client, Settings};
use store::{
    Budget, Keep, NewResponse, RecordPath, SourceName, SourceStore, StoredResponse, Window,
};

use super::{AccountData, AccountFailure, Fetched, Opening, Source};
use crate::exit::usage;
use crate::fetching::{self, Planned};
use crate::ui;

/// The credential key the access URL is stored under.
const ACCESS_URL_KEY: &str = "access_url";

/// The requests `GET /accounts` may take a day per access URL: the
/// Bridge's guidance (it warns past it and disables the access past four
/// times as many).
pub const DAILY_QUOTA: i64 = 24;

/// The budget's scope: every `GET /accounts` of an access URL counts
/// against one quota.
const BUDGET_SCOPE: &str = "accounts";

/// Stored answers with transactions, by date window.
const TRANSACTIONS_SCOPE: &str = "accounts";

/// Stored balances-only answers (what `link` lists).
const BALANCES_SCOPE: &str = "balances";

/// Where an answer lists its records: each stored once however many
/// answers repeat it.
const RECORDS: [RecordPath; 1] = [RecordPath::new("accounts[].transactions")];

/// Where users make a setup token.
pub const CREATE_URL: &str = "https://beta-bridge.simplefin.org/";

/// A SimpleFIN source.
pub struct SimpleFin {
    name: String,
    part: SourceStore,
    subject: String,
    /// `None` offline.
    client: Option<Client>,
    refresh: bool,
    ttl: chrono::Duration,
}

impl SimpleFin {
    /// The source with its stored access URL (a usage error saying how to
    /// link it when there is none). Offline, no client is made.
    pub fn open(opening: &Opening<'_>, source: &SourceConfig) -> anyhow::Result<SimpleFin> {
        let settings = Settings::from_source(source).map_err(|e| usage(e.to_string()))?;
        let part = part(opening.store, source)?;
        let Some(access) = stored_access(&part)? else {
            return Err(usage(not_linked(&source.name)));
        };
        settings
            .check_access_url(&access)
            .map_err(|e| usage(e.to_string()))?;
        let ttl = crate::settings::app(opening.config)?
            .cache_ttl
            .and_then(|t| chrono::Duration::from_std(t).ok())
            .unwrap_or(gocardless::store::DEFAULT_CACHE_TTL);
        let client = if opening.reach.offline {
            None
        } else {
            let now = opening.ctx.clock.now();
            part.prune(now - store::DEFAULT_RETENTION)?;
            Some(Client::new(access.clone(), settings.config())?)
        };
        Ok(SimpleFin {
            name: source.name.clone(),
            subject: subject(&access),
            part,
            client,
            refresh: opening.reach.refresh,
            ttl,
        })
    }

    /// The answer for `query` (whose days are `window`): a fresh stored
    /// one, else the Bridge's when the quota allows, else the newest
    /// stored one flagged stale. The error says why nothing can be had.
    fn answer(
        &self,
        query: &AccountsQuery,
        window: &Window,
        now: DateTime<Utc>,
    ) -> Result<Answer, String> {
        let store_error = |e: store::StoreError| e.to_string();
        if !self.refresh || self.client.is_none() {
            let since = now - self.ttl;
            if let Some(r) = self
                .part
                .latest_covering(&self.subject, TRANSACTIONS_SCOPE, window, Some(since))
                .map_err(store_error)?
            {
                return self.stored(r, None);
            }
        }
        let Some(client) = &self.client else {
            return self.stale(window, now, Stale::Offline, None);
        };
        let budget = self
            .part
            .budget(&self.subject, BUDGET_SCOPE)
            .map_err(store_error)?;
        match guarded(
            client,
            &self.part,
            &self.subject,
            budget.as_ref(),
            query,
            now,
        ) {
            Ok(set) => {
                let body = set.to_json();
                let recorded = self.part.record_response(&NewResponse {
                    subject: &self.subject,
                    scope: TRANSACTIONS_SCOPE,
                    window: *window,
                    keep: Keep::History,
                    records: &RECORDS,
                    body: &body,
                    fetched_at: now,
                    rate_limit: None,
                    budget: None,
                    cursor: None,
                });
                // The answer has cost a request of the quota: losing it
                // here for a store that cannot record would cost another.
                if let Err(e) = recorded {
                    tracing::warn!(source = %self.name, error = %e, "the answer could not be stored");
                }
                Ok(Answer {
                    set: Arc::new(set),
                    query: query.clone(),
                    fetched_at: now,
                    stale: None,
                    network: true,
                })
            }
            Err(Refused::Quota { reset_at }) => {
                self.stale(window, now, Stale::Quota, Some(reset_at))
            }
            Err(Refused::Api(e @ simplefin::Error::RateLimited { .. })) => {
                let reset_at = self
                    .part
                    .budget(&self.subject, BUDGET_SCOPE)
                    .ok()
                    .flatten()
                    .and_then(|b| b.reset_at);
                self.stale(window, now, Stale::Refused(e.to_string()), reset_at)
                    .map_err(|_| e.to_string())
            }
            Err(Refused::Api(e)) => Err(e.to_string()),
        }
    }

    /// The newest stored answer (one covering `window` if any), flagged
    /// stale for `reason`.
    fn stale(
        &self,
        window: &Window,
        now: DateTime<Utc>,
        reason: Stale,
        reset_at: Option<DateTime<Utc>>,
    ) -> Result<Answer, String> {
        let store_error = |e: store::StoreError| e.to_string();
        let stored = match self
            .part
            .latest_covering(&self.subject, TRANSACTIONS_SCOPE, window, None)
            .map_err(store_error)?
        {
            Some(r) => Some(r),
            None => self
                .part
                .latest_response(&self.subject, TRANSACTIONS_SCOPE)
                .map_err(store_error)?,
        };
        let Some(r) = stored else {
            let when = reset_at.map_or(String::new(), |at| {
                format!(" until {}", at.format("%Y-%m-%d %H:%M UTC"))
            });
            let then = match reason {
                Stale::Offline => "; run once online",
                Stale::Quota | Stale::Refused(_) => "",
            };
            return Err(format!(
                "{reason}{when}, and nothing is stored to use instead{then}"
            ));
        };
        let age = now - r.fetched_at;
        // Offline, an answer younger than the TTL is as good as any.
        if matches!(reason, Stale::Offline) && age <= self.ttl {
            return self.stored(r, None);
        }
        let mut why = format!(
            "using the SimpleFIN answer stored {} ago (fetched {}): {reason}",
            fetching::human_duration(age),
            r.fetched_at.format("%Y-%m-%d %H:%M UTC")
        );
        if let Some(at) = reset_at {
            if at > now {
                why.push_str(&format!(
                    "; the Bridge can be asked again at {} (in {})",
                    at.format("%Y-%m-%d %H:%M UTC"),
                    fetching::human_duration(at - now)
                ));
            } else {
                why.push_str("; the Bridge can be asked again now");
            }
        }
        self.stored(r, Some(why))
    }

    fn stored(&self, r: StoredResponse, stale: Option<String>) -> Result<Answer, String> {
        let set = AccountSet::from_json(&r.body).map_err(|e| {
            format!(
                "the stored SimpleFIN answer (fetched {}) in {} cannot be read ({e}); fetch it \
                 again with --refresh",
                r.fetched_at.format("%Y-%m-%d %H:%M UTC"),
                self.part.path().display()
            )
        })?;
        Ok(Answer {
            set: Arc::new(set),
            query: stored_query(&r.window, r.fetched_at),
            fetched_at: r.fetched_at,
            stale,
            network: false,
        })
    }
}

/// Why a stored answer stands in although it may be out of date.
enum Stale {
    Offline,
    Quota,
    /// The Bridge refused (a 429), saying this.
    Refused(String),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Offline => f.write_str("offline mode"),
            Stale::Quota => write!(
                f,
                "the SimpleFIN Bridge's daily quota of {DAILY_QUOTA} requests is used up"
            ),
            Stale::Refused(why) => f.write_str(why),
        }
    }
}

/// An Account Set for a fetch, with where it came from.
struct Answer {
    set: Arc<AccountSet>,
    /// What it answers (for a stored one, as it was asked).
    query: AccountsQuery,
    fetched_at: DateTime<Utc>,
    /// Why a stored answer stands in although it may be out of date.
    stale: Option<String>,
    /// Whether the Bridge was asked just now.
    network: bool,
}

impl Source for SimpleFin {
    fn name(&self) -> &str {
        &self.name
    }

    fn label(&self) -> &'static str {
        simplefin::statement::SOURCE_LABEL
    }

    fn id_key(&self) -> &'static str {
        simplefin::statement::ID_KEY
    }

    fn fetch(&self, plan: &[Planned], now: DateTime<Utc>) -> Vec<Result<Fetched, AccountFailure>> {
        let Some((query, window)) = query_for(plan, now) else {
            return Vec::new();
        };
        let answer = match self.answer(&query, &window, now) {
            Ok(a) => a,
            Err(why) => {
                ui::error_line(format!("source {}: {why}", self.name));
                return plan
                    .iter()
                    .map(|p| {
                        Err(AccountFailure {
                            label: p.account.label().to_owned(),
                        })
                    })
                    .collect();
            }
        };
        if let Some(why) = &answer.stale {
            ui::warn(format!("source {}: {why}", self.name));
        }
        // Said when asked; an answer reused from the store was said then.
        let say = |text: String| {
            if answer.network {
                ui::warn(text);
            } else {
                tracing::info!("{text} (stored answer)");
            }
        };
        for m in answer.set.general_messages() {
            say(format!("source {}: SimpleFIN says: {m}", self.name));
        }
        let fetched_on = fetching::local_day(answer.fetched_at);
        plan.iter()
            .map(|p| {
                let account = &p.account;
                let st =
                    AccountStatement::new(&answer.set, account, &answer.query).map_err(|e| {
                        ui::error_line(format!(
                            "account {} ({}): {e}",
                            account.label(),
                            account.account
                        ));
                        AccountFailure {
                            label: account.label().to_owned(),
                        }
                    })?;
                for m in st.messages() {
                    say(format!(
                        "account {} ({}): SimpleFIN says: {m}; its data may be out of date",
                        account.label(),
                        account.account
                    ));
                }
                let index = answer
                    .set
                    .accounts
                    .iter()
                    .position(|a| a.id == st.account().id)
                    .expect("the statement's account is one of the set's");
                let from = p.from.unwrap_or(fetched_on);
                let kept = st
                    .account()
                    .transactions
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| within(r, from, p.to))
                    .map(|(i, _)| i)
                    .collect();
                let mut balances = st.balances().to_vec();
                for b in &mut balances {
                    b.fetched_at = Some(answer.fetched_at);
                }
                // The days listed in full just now: not when the answer is
                // stale, nor when the Bridge says the account's data is.
                let listed = (answer.stale.is_none() && st.messages().is_empty())
                    .then(|| (from, p.to.map_or(fetched_on, |t| t.min(fetched_on))));
                let data = Transactions {
                    set: answer.set.clone(),
                    account: index,
                    currency: st.records().currency().to_owned(),
                    kept,
                };
                Ok(Fetched {
                    account: account.clone(),
                    data: Box::new(data),
                    balances,
                    fetched_at: Some(answer.fetched_at),
                    listed,
                })
            })
            .collect()
    }
}

/// One account's transactions of a shared answer: those of its window.
struct Transactions {
    set: Arc<AccountSet>,
    account: usize,
    currency: String,
    /// The indices of the records in the account's window.
    kept: Vec<usize>,
}

impl AccountData for Transactions {
    fn records(&self) -> Box<dyn Records + '_> {
        Box::new(View(self))
    }
}

struct View<'a>(&'a Transactions);

impl View<'_> {
    fn record(&self, i: usize) -> &simplefin::TransactionRecord {
        &self.0.set.accounts[self.0.account].transactions[self.0.kept[i]]
    }
}

impl Records for View<'_> {
    fn len(&self) -> usize {
        self.0.kept.len()
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        bank_transaction(self.record(i), &self.0.currency)
    }

    fn raw(&self, i: usize) -> &str {
        self.record(i).json()
    }
}

/// Whether a record falls in `from..=to`: by its posting day, a pending one
/// by its transaction day; one without a readable day is kept (it is never
/// dropped unseen).
fn within(r: &simplefin::TransactionRecord, from: NaiveDate, to: Option<NaiveDate>) -> bool {
    let Ok(t) = r.parse() else {
        return true;
    };
    let at = if t.is_pending() {
        t.transacted_at
    } else {
        t.posted.or(t.transacted_at)
    };
    let Some(day) = at.map(|d| d.date_naive()) else {
        return true;
    };
    from <= day && to.is_none_or(|to| day <= to)
}

/// The one query for every planned account: from the earliest first day
/// (its start, UTC, as SimpleFIN's days are) to the day after the latest
/// last day, or now when one is open; pending transactions included. And
/// the days it covers, as the store keeps them. `None` for no plan.
fn query_for(plan: &[Planned], now: DateTime<Utc>) -> Option<(AccountsQuery, Window)> {
    let today = fetching::local_day(now);
    let from = plan.iter().map(|p| p.from.unwrap_or(today)).min()?;
    let to = if plan.iter().any(|p| p.to.is_none()) {
        None
    } else {
        plan.iter().filter_map(|p| p.to).max()
    };
    let window = Window::new(Some(from), to);
    Some((stored_query(&window, now), window))
}

/// The query for a window of days asked at `at`: from the first day's
/// start to the end of the last day, or to `at` when open or later.
fn stored_query(window: &Window, at: DateTime<Utc>) -> AccountsQuery {
    let midnight =
        |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    let end = window
        .to
        .and_then(|t| t.checked_add_days(Days::new(1)))
        .map_or(at, |t| midnight(t).min(at));
    AccountsQuery {
        start: window.from.map(midnight),
        end: Some(end),
        pending: true,
        ..AccountsQuery::default()
    }
}

/// Why the Bridge was not, or could not be, asked.
pub enum Refused {
    /// The day's quota is spent until `reset_at`.
    Quota {
        /// When it is replenished.
        reset_at: DateTime<Utc>,
    },
    /// The Bridge refused or failed.
    Api(simplefin::Error),
}

/// Asks `GET /accounts` for `query` when the day's quota (`budget`, as
/// last recorded) has room for the requests it takes, and records what
/// they cost; a 429 or a quota warning from the Bridge spends the rest of
/// the day's quota.
pub fn guarded(
    client: &Client,
    part: &SourceStore,
    subject: &str,
    budget: Option<&Budget>,
    query: &AccountsQuery,
    now: DateTime<Utc>,
) -> Result<AccountSet, Refused> {
    let needed = i64::try_from(query.request_count()).unwrap_or(i64::MAX);
    let left = quota_left(budget, now);
    if left < needed {
        tracing::info!(left, needed, "SimpleFIN quota spent; not asking the Bridge");
        return Err(Refused::Quota {
            reset_at: budget
                .and_then(|b| b.reset_at)
                .unwrap_or_else(|| next_utc_midnight(now)),
        });
    }
    let result = client.accounts(query);
    let after = match &result {
        Ok(set) if warns_of_quota(set) => spent_until(now, next_utc_midnight(now)),
        Ok(set) => quota_after(budget, now, i64::from(set.requests)),
        Err(simplefin::Error::RateLimited { retry_after, .. }) => {
            let wait = retry_after.and_then(|w| chrono::Duration::from_std(w).ok());
            spent_until(
                now,
                wait.map_or_else(|| next_utc_midnight(now), |w| now + w),
            )
        }
        // What failed was asked all the same.
        Err(_) => quota_after(budget, now, needed),
    };
    // The answer is worth more than the count: a store that cannot record
    // it loses this run's requests from the day's count, not the answer.
    if let Err(e) = part.record_budget(subject, BUDGET_SCOPE, &after) {
        tracing::warn!(error = %e, "the SimpleFIN request count could not be stored");
    }
    result.map_err(Refused::Api)
}

/// The requests left today: the day's quota when the budget is of an
/// earlier day (it resets at midnight UTC, as the Bridge counts).
fn quota_left(budget: Option<&Budget>, now: DateTime<Utc>) -> i64 {
    match budget {
        Some(b) if b.reset_at.is_some_and(|r| r > now) => b.remaining.unwrap_or(DAILY_QUOTA),
        _ => DAILY_QUOTA,
    }
}

/// The budget after `spent` more requests today.
fn quota_after(budget: Option<&Budget>, now: DateTime<Utc>, spent: i64) -> Budget {
    Budget {
        remaining: Some((quota_left(budget, now) - spent).max(0)),
        limit: Some(DAILY_QUOTA),
        reset_at: Some(next_utc_midnight(now)),
        updated_at: now,
    }
}

/// A budget with nothing left until `until`.
fn spent_until(now: DateTime<Utc>, until: DateTime<Utc>) -> Budget {
    Budget {
        remaining: Some(0),
        limit: Some(DAILY_QUOTA),
        reset_at: Some(until),
        updated_at: now,
    }
}

fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    Utc.from_utc_datetime(&tomorrow.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Whether the Bridge says the quota is exceeded (a developer message,
/// `gen.api` or version 1's plain text, that speaks of it): the next
/// requests would put the access at risk.
fn warns_of_quota(set: &AccountSet) -> bool {
    set.general_messages()
        .any(|m| m.text.to_ascii_lowercase().contains("quota"))
}

/// The source's part of the store.
///
/// # Errors
/// When the source's name cannot name a part of the store.
pub fn part(file: &store::Store, source: &SourceConfig) -> anyhow::Result<SourceStore> {
    let name = SourceName::new(source.name.clone())
        .map_err(|e| usage(format!("source {}: {e}", source.name)))?;
    Ok(file.source(&name))
}

/// The stored access URL, if the source was linked.
///
/// # Errors
/// When the store cannot be read, or holds something that is not an
/// access URL.
pub fn stored_access(part: &SourceStore) -> anyhow::Result<Option<AccessUrl>> {
    let Some(secret) = part.credential(ACCESS_URL_KEY)? else {
        return Ok(None);
    };
    let access = AccessUrl::parse(secret.expose()).with_context(|| {
        format!(
            "source {}: the access URL stored in {}",
            part.name(),
            part.path().display()
        )
    })?;
    Ok(Some(access))
}

/// Stores the access URL (the store file is private, 0600).
///
/// # Errors
/// When the store cannot be written.
pub fn save_access(part: &SourceStore, access: &AccessUrl) -> anyhow::Result<()> {
    part.set_credential(ACCESS_URL_KEY, &simplefin::Secret::new(access.expose()))?;
    Ok(())
}

/// The access URL's name in the store: a fingerprint that says nothing of
/// its credentials.
pub fn subject(access: &AccessUrl) -> String {
    let digest = Sha256::digest(access.expose().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("access-{hex}")
}

/// What to do when a source has no access URL.
pub fn not_linked(source: &str) -> String {
    format!(
        "source {source} is not linked: make a setup token at SimpleFIN Bridge ({CREATE_URL}) and \
         run `gc-beancount link --source {source} --setup-token TOKEN`"
    )
}

/// Every account with its balance (no transactions), for `link`: the
/// Bridge's answer when the quota allows (stored for next time), else the
/// newest stored one, with a warning.
///
/// # Errors
/// When the Bridge fails, or the quota is spent and nothing is stored.
pub fn list_accounts(
    client: &Client,
    part: &SourceStore,
    access: &AccessUrl,
    now: DateTime<Utc>,
) -> anyhow::Result<AccountSet> {
    let subject = subject(access);
    let budget = part.budget(&subject, BUDGET_SCOPE)?;
    match guarded(
        client,
        part,
        &subject,
        budget.as_ref(),
        &AccountsQuery::balances(),
        now,
    ) {
        Ok(set) => {
            let recorded = part.record_response(&NewResponse {
                subject: &subject,
                scope: BALANCES_SCOPE,
                window: Window::ALL,
                keep: Keep::Latest,
                records: &[],
                body: &set.to_json(),
                fetched_at: now,
                rate_limit: None,
                budget: None,
                cursor: None,
            });
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "the account list could not be stored");
            }
            Ok(set)
        }
        Err(Refused::Quota { reset_at }) => {
            let newest = [BALANCES_SCOPE, TRANSACTIONS_SCOPE]
                .iter()
                .filter_map(|scope| part.latest_response(&subject, scope).transpose())
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .max_by_key(|r| r.fetched_at);
            let Some(r) = newest else {
                anyhow::bail!(
                    "the SimpleFIN Bridge's daily quota of {DAILY_QUOTA} requests is used up \
                     until {}, and no account list is stored; run `link` again then",
                    reset_at.format("%Y-%m-%d %H:%M UTC")
                );
            };
            ui::warn(format!(
                "the SimpleFIN Bridge's daily quota of {DAILY_QUOTA} requests is used up until \
                 {}: the accounts as stored {} ago",
                reset_at.format("%Y-%m-%d %H:%M UTC"),
                fetching::human_duration(now - r.fetched_at)
            ));
            Ok(AccountSet::from_json(&r.body)?)
        }
        Err(Refused::Api(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use importer::AccountConfig;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_quota_is_counted_per_utc_day() {
        let now = at("2026-11-20T20:00:00Z");
        assert_eq!(quota_left(None, now), DAILY_QUOTA);
        let b = quota_after(None, now, 3);
        assert_eq!(b.remaining, Some(21));
        assert_eq!(b.reset_at, Some(at("2026-11-21T00:00:00Z")));
        let later = at("2026-11-20T23:59:00Z");
        assert_eq!(quota_left(Some(&b), later), 21);
        let spent = quota_after(Some(&b), later, 30);
        assert_eq!(spent.remaining, Some(0));
        assert!(spent.is_spent_at(later));
        // A new day, a new quota.
        assert_eq!(quota_left(Some(&spent), at("2026-11-21T00:00:00Z")), 24);
        let limited = spent_until(now, now + chrono::Duration::hours(1));
        assert_eq!(quota_left(Some(&limited), now), 0);
        assert_eq!(
            quota_left(Some(&limited), now + chrono::Duration::hours(1)),
            24
        );
    }

    #[test]
    fn one_query_covers_every_planned_account() {
        let account = |id: &str| AccountConfig::new(id, "Assets:Bank");
        let day = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        let now = at("2026-11-20T20:00:00Z");
        let plan = [
            Planned {
                account: account("a"),
                from: day("2026-11-01"),
                to: None,
            },
            Planned {
                account: account("b"),
                from: day("2026-08-01"),
                to: day("2026-11-10"),
            },
        ];
        let (q, w) = query_for(&plan, now).unwrap();
        assert_eq!(w, Window::new(day("2026-08-01"), None));
        assert_eq!(q.start, Some(at("2026-08-01T00:00:00Z")));
        assert_eq!(q.end, Some(now));
        assert!(q.pending);
        assert_eq!(q.request_count(), 2);
        let (q, w) = query_for(&plan[1..], now).unwrap();
        assert_eq!(w, Window::new(day("2026-08-01"), day("2026-11-10")));
        assert_eq!(q.end, Some(at("2026-11-11T00:00:00Z")));
        // The same query again from what the store keeps.
        assert_eq!(stored_query(&w, now), q);
        assert!(query_for(&[], now).is_none());
    }

    #[test]
    fn records_are_kept_by_their_day() {
        let r = |json: &str| simplefin::TransactionRecord::from_json(json).unwrap();
        let from = "2026-11-10".parse().unwrap();
        let to = Some("2026-11-12".parse().unwrap());
        // 2026-11-09 12:00 and 2026-11-11 12:00 UTC.
        let before = r(r#"{"id":"a","posted":1794225600,"amount":"1"}"#);
        let inside = r(r#"{"id":"b","posted":1794398400,"amount":"1"}"#);
        let pending = r(r#"{"id":"c","posted":0,"transacted_at":1794398400,"amount":"1"}"#);
        let unreadable = r(r#"{"id":"d","posted":1794225600,"amount":"lots"}"#);
        assert!(!within(&before, from, to));
        assert!(within(&inside, from, to));
        assert!(within(&pending, from, to));
        assert!(within(&unreadable, from, to));
        assert!(!within(&inside, from, Some("2026-11-10".parse().unwrap())));
    }

    #[test]
    fn the_subject_tells_nothing_of_the_credentials() {
        let a = AccessUrl::parse("https://user1:secretpass@bridge.example/simplefin").unwrap();
        let b = AccessUrl::parse("https://user2:secretpass@bridge.example/simplefin").unwrap();
        let s = subject(&a);
        assert!(s.starts_with("access-") && s.len() == 23, "{s}");
        assert!(!s.contains("user1") && !s.contains("secret"));
        assert_ne!(s, subject(&b));
        assert_eq!(s, subject(&a.clone()));
    }
}
