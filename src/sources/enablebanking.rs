//! Enable Banking through the store.
//!
//! `link` saves each bank's session in the source's part of the store (the
//! session id as a credential, what the session holds as a cursor beside
//! it). An import finds the session holding each configured account (by
//! its stable `identification_hash`, the account's `id:`), asks Enable
//! Banking for the account's current `uid` in it, and reads transactions
//! and balances by that uid. Every answer is recorded, so a run within
//! `cache_ttl` and `--offline` answer from the store. Unattended runs
//! count the bank's daily reads (about 4 per account and kind) and answer
//! from the store, with a warning, once they are spent or the bank says
//! so; a person at the terminal is announced with PSU headers and spends
//! none of them.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Days, NaiveDate, Utc};
use enablebanking::{
    AccountUid, AspspId, AuthorizedSession, Balance, Client, EnableBankingRecords, Error,
    IdentificationHash, PsuHeaders, SessionId, SessionInfo, Settings, TransactionRecord,
};
use gocardless::store::{Source as Origin, StaleReason};
use importer::{AccountConfig, Config, Records, SourceConfig};
use serde::{Deserialize, Serialize};
use source::Secret;
use store::{Budget, Keep, NewResponse, RecordPath, SourceName, SourceStore, Window};

use super::{AccountData, AccountFacts, AccountFailure, Fetched, Opening, Source};
use crate::config_path::Located;
use crate::context::Context;
use crate::exit::usage;
use crate::fetching::{self, Planned};
use crate::progress::Progress;
use crate::ui;

/// The days of history banks give: today and the 89 before (asking for
/// the 91st is refused).
const HISTORY_DAYS: u64 = 90;

/// Reads a bank allows per account, kind and day without the user (PSD2).
pub(crate) const DAILY_READS: i64 = 4;

/// The store's scope of transaction responses.
pub(crate) const TRANSACTIONS: &str = "transactions";

/// The store's scope of balance responses.
pub(crate) const BALANCES: &str = "balances";

/// Where a stored transactions body lists its records.
const TRANSACTION_LIST: [RecordPath; 1] = [RecordPath::new("transactions")];

/// The prefix of the keys sessions are saved under.
const SESSION_PREFIX: &str = "session:";

/// The Enable Banking source's settings, with the configuration named in
/// errors. A relative `private_key` is found beside the configuration file
/// (as `store` is), so cron finds it whatever its working directory; `~/`
/// is the home folder.
pub(crate) fn settings(
    located: &Located,
    config: &Config,
    source: &SourceConfig,
) -> anyhow::Result<Settings> {
    let mut settings =
        Settings::from_source(source).map_err(|e| usage(format!("{}: {e}", config.origin)))?;
    settings.private_key = beside(
        &settings.private_key,
        &located.path,
        std::env::var_os("HOME").map(PathBuf::from).as_deref(),
    );
    Ok(settings)
}

/// `path` as written in the configuration file `config`: `~/…` in `home`,
/// a relative path in the file's folder.
fn beside(path: &Path, config: &Path, home: Option<&Path>) -> PathBuf {
    if let (Ok(rest), Some(home)) = (path.strip_prefix("~"), home) {
        return home.join(rest);
    }
    if path.is_relative() {
        return config.parent().unwrap_or(Path::new(".")).join(path);
    }
    path.to_path_buf()
}

/// The source's part of the store file.
pub(crate) fn part(
    config: &Config,
    file: &store::Store,
    source: &str,
) -> anyhow::Result<SourceStore> {
    let name = SourceName::new(source)
        .map_err(|e| usage(format!("{}: source {source}: {e}", config.origin)))?;
    Ok(file.source(&name))
}

/// Whether a person runs this command: stdin and stderr are terminals
/// (never under cron or a script).
pub(crate) fn person_present() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A client for the source on the run's clock, with PSU headers when a
/// person is `present`.
pub(crate) fn client(ctx: &Context, settings: &Settings, present: bool) -> anyhow::Result<Client> {
    let refused = |e: Error| usage(format!("source {}: {e}", settings.name));
    let mut builder = settings
        .client_builder()
        .map_err(refused)?
        .clock(Arc::new(RunClock(ctx.clock.clone())));
    if present {
        match psu_headers(settings) {
            Some(h) => builder = builder.psu_present(h),
            None => tracing::info!("this machine's address is unknown: no PSU headers sent"),
        }
    }
    builder.build().map_err(refused)
}

/// The run's clock, as the client takes it.
struct RunClock(Arc<dyn gocardless::Clock>);

impl enablebanking::Clock for RunClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

/// The user's address as the API sees it from here (the local end of a
/// route to the API; connecting a UDP socket sends nothing) and this
/// program as the user agent.
fn psu_headers(settings: &Settings) -> Option<PsuHeaders> {
    let base = settings
        .base_url
        .as_deref()
        .unwrap_or(enablebanking::DEFAULT_BASE_URL);
    let api = url::Url::parse(base)
        .ok()?
        .socket_addrs(|| Some(443))
        .ok()?
        .into_iter()
        .next()?;
    let any = if api.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = std::net::UdpSocket::bind(any).ok()?;
    socket.connect(api).ok()?;
    Some(PsuHeaders {
        ip_address: socket.local_addr().ok()?.ip().to_string(),
        user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
    })
}

/// An account of a linked session, as `link` saved it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LinkedAccount {
    /// Its stable identification hash: the `id:` it is configured by.
    pub hash: String,
    /// Every hash of it.
    #[serde(default)]
    pub hashes: Vec<String>,
    /// Its uid in the session.
    #[serde(default)]
    pub uid: Option<String>,
    /// Its IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Its name for people.
    #[serde(default)]
    pub name: Option<String>,
    /// Its currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Its ISO 20022 cash account type (`CACC`, `CARD`…).
    #[serde(default)]
    pub kind: Option<String>,
}

impl LinkedAccount {
    /// Whether the account is the one configured by `hash`.
    pub fn is(&self, hash: &str) -> bool {
        self.hash == hash || self.hashes.iter().any(|h| h == hash)
    }
}

/// What is saved of a session beside its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Described {
    aspsp: AspspId,
    valid_until: Option<DateTime<Utc>>,
    linked_at: DateTime<Utc>,
    accounts: Vec<LinkedAccount>,
}

/// A bank's session as `link` saved it.
pub(crate) struct Linked {
    /// Its id.
    pub session_id: Secret,
    /// The bank.
    pub aspsp: AspspId,
    /// When the consent ends.
    pub valid_until: Option<DateTime<Utc>>,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
    /// Its accounts.
    pub accounts: Vec<LinkedAccount>,
}

/// The key a bank's session is saved under: one session per bank, a new
/// consent replacing the one before.
fn session_key(aspsp: &AspspId) -> String {
    format!(
        "{SESSION_PREFIX}{}:{}",
        aspsp.country.trim().to_ascii_uppercase(),
        aspsp.name.trim()
    )
}

/// Saves a new session of `aspsp`, replacing the bank's session before.
pub(crate) fn save_session(
    part: &SourceStore,
    aspsp: &AspspId,
    session: &AuthorizedSession,
    now: DateTime<Utc>,
) -> anyhow::Result<Linked> {
    let accounts = session
        .accounts
        .iter()
        .filter_map(|a| {
            Some(LinkedAccount {
                hash: a.identification_hash.as_ref()?.to_string(),
                hashes: a
                    .identification_hashes
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                uid: a.uid.as_ref().map(ToString::to_string),
                iban: a.iban().map(str::to_owned),
                name: a.display_name().map(str::to_owned),
                currency: a.currency.clone(),
                kind: a.cash_account_type.as_ref().map(|k| k.as_str().to_owned()),
            })
        })
        .collect();
    let described = Described {
        aspsp: aspsp.clone(),
        valid_until: session.access.valid_until.map(|d| d.with_timezone(&Utc)),
        linked_at: now,
        accounts,
    };
    let key = session_key(aspsp);
    let id = Secret::new(session.session_id.as_str());
    part.set_credential(&key, &id)?;
    part.set_cursor(&key, &serde_json::to_string(&described)?, now)?;
    Ok(Linked {
        session_id: id,
        aspsp: described.aspsp,
        valid_until: described.valid_until,
        linked_at: now,
        accounts: described.accounts,
    })
}

/// Every session saved, the newest first.
pub(crate) fn linked_sessions(part: &SourceStore) -> anyhow::Result<Vec<Linked>> {
    let mut out = Vec::new();
    for key in part.credential_keys()? {
        if !key.starts_with(SESSION_PREFIX) {
            continue;
        }
        let (Some(id), Some(cursor)) = (part.credential(&key)?, part.cursor(&key)?) else {
            continue;
        };
        match serde_json::from_str::<Described>(&cursor.value) {
            Ok(d) => out.push(Linked {
                session_id: id,
                aspsp: d.aspsp,
                valid_until: d.valid_until,
                linked_at: d.linked_at,
                accounts: d.accounts,
            }),
            Err(e) => ui::warn(format!(
                "{}: the session saved as {key:?} cannot be read ({e}); link that bank again",
                part.path().display()
            )),
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.linked_at));
    Ok(out)
}

/// The configuration's Enable Banking sources.
pub(crate) fn sources(config: &Config) -> Vec<&SourceConfig> {
    config
        .sources
        .iter()
        .filter(|s| s.provider == enablebanking::PROVIDER)
        .collect()
}

/// Whether `account` is read through an Enable Banking source.
pub(crate) fn reads(config: &Config, account: &AccountConfig) -> bool {
    config
        .source(&account.source)
        .is_some_and(|s| s.provider == enablebanking::PROVIDER)
}

/// When a consent ends, for people (`2027-05-18 (179 days left)`), and
/// whether it ends within two weeks (`Some(true)`) or has ended
/// (`None`).
pub(crate) fn access_text(until: DateTime<Utc>, now: DateTime<Utc>) -> (String, Option<bool>) {
    let left = (until - now).num_days();
    let day = until.format("%Y-%m-%d");
    if until <= now {
        (format!("{day} (ended {} days ago)", -left), None)
    } else {
        (format!("{day} ({left} days left)"), Some(left <= 14))
    }
}

/// The command that links `aspsp` again through `source`.
pub(crate) fn relink_command(source: &str, aspsp: &AspspId) -> String {
    format!(
        "gc-beancount link --source {} --country {} --bank {}",
        shell_word(source),
        shell_word(&aspsp.country.trim().to_ascii_uppercase()),
        shell_word(aspsp.name.trim())
    )
}

/// `text` as one shell word: as it is when plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The first day of the next UTC day: when banks reset their daily count.
fn next_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now.date_naive() + Days::new(1);
    tomorrow.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Today as the bank counts its window: the later of the user's day and
/// the UTC day, so that the window asked for is never a day too long.
fn bank_today(now: DateTime<Utc>) -> NaiveDate {
    fetching::local_day(now).max(now.date_naive())
}

/// A transactions response as stored: the records as received, pages
/// joined, and the period the bank listed.
#[derive(Serialize, Deserialize)]
struct TransactionsBody {
    transactions: Vec<TransactionRecord>,
    /// The first day listed (later than asked when the bank narrowed it).
    date_from: NaiveDate,
    /// The last day asked for (`None`: up to the day fetched).
    #[serde(default)]
    date_to: Option<NaiveDate>,
    /// Whether every page was read.
    #[serde(default)]
    complete: bool,
}

/// A balances response as stored.
#[derive(Deserialize)]
struct BalancesBody {
    #[serde(default)]
    balances: Vec<Balance>,
}

/// The balances as stored, in the API's own shape.
fn balances_body(balances: &[Balance]) -> String {
    let list: Vec<serde_json::Value> = balances
        .iter()
        .map(|b| {
            serde_json::json!({
                "name": b.name,
                "balance_amount": b.balance_amount,
                "balance_type": b.balance_type,
                "last_change_date_time": b.last_change_date_time.map(|d| d.to_rfc3339()),
                "reference_date": b.reference_date,
                "last_committed_transaction": b.last_committed_transaction,
            })
        })
        .collect();
    serde_json::json!({ "balances": list }).to_string()
}

/// Whether a record belongs in `window`: one of its dates in it, or no
/// readable date (nothing the bank sent is dropped unseen).
fn in_window(record: &TransactionRecord, window: &Window) -> bool {
    match record.parse() {
        Ok(t) => {
            let days: Vec<NaiveDate> = [t.booking_date, t.value_date, t.transaction_date]
                .into_iter()
                .flatten()
                .collect();
            days.is_empty() || days.iter().any(|d| window.contains(*d))
        }
        Err(_) => true,
    }
}

/// An answer, from the bank or the store.
struct Answer {
    body: String,
    window: Window,
    fetched_at: DateTime<Utc>,
    origin: Origin,
}

/// The Enable Banking source.
pub struct EnableBanking {
    name: String,
    part: SourceStore,
    /// `None` offline.
    client: Option<Client>,
    present: bool,
    cache_ttl: chrono::Duration,
    refresh: bool,
    sessions: Vec<Linked>,
    /// Each session's state, asked once a run; `Ok(None)` when Enable
    /// Banking could not say (a transient failure).
    checked: Mutex<HashMap<String, Result<Option<SessionInfo>, String>>>,
}

impl EnableBanking {
    /// The source over the store; its key file is read only online.
    pub fn open(opening: &Opening<'_>, source: &SourceConfig) -> anyhow::Result<EnableBanking> {
        let settings = settings(opening.located, opening.config, source)?;
        let part = part(opening.config, opening.store, &source.name)?;
        let present = person_present();
        let client = if opening.reach.offline {
            None
        } else {
            let client = client(opening.ctx, &settings, present)?;
            let now = opening.ctx.clock.now();
            part.prune(now - store::DEFAULT_RETENTION)?;
            Some(client)
        };
        let cache_ttl = crate::settings::app(opening.config)?
            .cache_ttl
            .and_then(|t| chrono::Duration::from_std(t).ok())
            .unwrap_or(gocardless::store::DEFAULT_CACHE_TTL);
        Ok(EnableBanking {
            name: source.name.clone(),
            sessions: linked_sessions(&part)?,
            part,
            client,
            present,
            cache_ttl,
            refresh: opening.reach.refresh,
            checked: Mutex::new(HashMap::new()),
        })
    }

    fn fetch_one(
        &self,
        p: &Planned,
        now: DateTime<Utc>,
        progress: &Progress,
    ) -> Result<(Fetched, usize, bool), String> {
        let account = &p.account;
        let hash = account.id.trim();
        let earliest = bank_today(now) - Days::new(HISTORY_DAYS - 1);
        let from = p.from.map_or(earliest, |f| f.max(earliest));
        if let Some(to) = p.to
            && to < from
        {
            return Err(format!(
                "the bank lists the last {HISTORY_DAYS} days only (from {earliest}); --until {to} \
                 is before"
            ));
        }
        let window = Window::new(Some(from), p.to);
        let answer = self.answer(hash, TRANSACTIONS, &window, now, |client, uid| {
            let t = client.transactions(uid, from, p.to)?;
            let body = TransactionsBody {
                complete: t.is_complete(),
                transactions: t.records,
                date_from: t.date_from,
                date_to: t.date_to,
            };
            let body = serde_json::to_string(&body).expect("records serialise");
            Ok((body, t.fetched_at))
        })?;
        let mut body: TransactionsBody = serde_json::from_str(&answer.body).map_err(|e| {
            format!(
                "the transactions stored {} cannot be read ({e}); fetch them again with --refresh",
                answer.fetched_at.format("%Y-%m-%d %H:%M UTC")
            )
        })?;
        if answer.window != window {
            body.transactions.retain(|r| in_window(r, &window));
        }
        if let Some(w) = fetching::stale_warning(
            account,
            TRANSACTIONS,
            &answer.origin,
            answer.fetched_at,
            now,
        ) {
            progress.suspend(|| ui::warn(w));
        }
        let listed = (!answer.origin.is_stale()).then(|| {
            let fetched_on = fetching::local_day(answer.fetched_at);
            (
                from.max(body.date_from),
                p.to.map_or(fetched_on, |t| t.min(fetched_on)),
            )
        });
        for l in EnableBankingRecords::new(&body.transactions).left_out() {
            tracing::info!("{}: left out: {l}", account.label());
        }

        let balances = match self.answer(hash, BALANCES, &Window::ALL, now, |client, uid| {
            Ok((balances_body(&client.account_balances(uid)?), now))
        }) {
            Ok(b) => {
                if let Some(w) =
                    fetching::stale_warning(account, BALANCES, &b.origin, b.fetched_at, now)
                {
                    progress.suspend(|| ui::warn(w));
                }
                match serde_json::from_str::<BalancesBody>(&b.body) {
                    Ok(stored) => {
                        let mut all = enablebanking::statement::balances(&stored.balances);
                        for x in &mut all {
                            x.fetched_at = Some(b.fetched_at);
                        }
                        all
                    }
                    Err(e) => {
                        progress.suspend(|| {
                            ui::warn(format!(
                                "account {}: the stored balances cannot be read ({e}), so no \
                                 balance assertion",
                                account.label()
                            ))
                        });
                        Vec::new()
                    }
                }
            }
            Err(why) => {
                progress.suspend(|| {
                    ui::warn(format!(
                        "account {}: no balances, so no balance assertion: {why}",
                        account.label()
                    ))
                });
                Vec::new()
            }
        };
        let count = body.transactions.len();
        let network = answer.origin == Origin::Network;
        Ok((
            Fetched {
                account: account.clone(),
                data: Box::new(Transactions(body.transactions)),
                balances,
                fetched_at: Some(answer.fetched_at),
                listed,
            },
            count,
            network,
        ))
    }

    /// An answer for `hash`'s `scope`: stored and fresh; offline, stored;
    /// with the day's reads spent, stored and flagged stale; else the
    /// bank's, recorded with the reads left (when nobody is present). The
    /// bank's daily-limit refusal falls back to the store too.
    fn answer(
        &self,
        hash: &str,
        scope: &'static str,
        window: &Window,
        now: DateTime<Utc>,
        fetch: impl FnOnce(&Client, &AccountUid) -> Result<(String, DateTime<Utc>), Error>,
    ) -> Result<Answer, String> {
        let part = &self.part;
        let store_error = |e: store::StoreError| e.to_string();
        if !self.refresh || self.client.is_none() {
            let since = now - self.cache_ttl;
            if let Some(r) = part
                .latest_covering(hash, scope, window, Some(since))
                .map_err(store_error)?
            {
                return Ok(Answer {
                    body: r.body,
                    window: r.window,
                    fetched_at: r.fetched_at,
                    origin: Origin::Fresh,
                });
            }
        }
        let Some(client) = &self.client else {
            return self
                .stale(hash, scope, window, now, StaleReason::Offline, None)?
                .ok_or_else(|| {
                    format!(
                        "offline mode: nothing is stored for its {scope}; run once online to \
                         fetch it"
                    )
                });
        };
        if !self.present
            && let Some(b) = part.budget(hash, scope).map_err(store_error)?
            && b.is_spent_at(now)
        {
            let reset = b.blocked_until();
            tracing::info!(
                account = hash,
                scope,
                ?reset,
                "daily reads spent; not asking the bank"
            );
            return self
                .stale(hash, scope, window, now, StaleReason::BudgetSpent, reset)?
                .ok_or_else(|| {
                    format!(
                        "its {scope} cannot be fetched: {}{}, and nothing is stored to use instead",
                        StaleReason::BudgetSpent,
                        reset.map_or(String::new(), |r| format!(
                            " until {}",
                            r.format("%Y-%m-%d %H:%M UTC")
                        ))
                    )
                });
        }
        let uid = self.uid(client, hash, now)?;
        match fetch(client, &uid) {
            Ok((body, fetched_at)) => {
                let budget = (!self.present).then(|| self.one_read_less(hash, scope, now));
                let (keep, records): (Keep, &[RecordPath]) = if scope == TRANSACTIONS {
                    (Keep::History, &TRANSACTION_LIST)
                } else {
                    (Keep::Latest, &[])
                };
                let recorded = part.record_response(&NewResponse {
                    subject: hash,
                    scope,
                    window: *window,
                    keep,
                    records,
                    body: &body,
                    fetched_at,
                    rate_limit: None,
                    budget: budget.as_ref(),
                    cursor: None,
                });
                // The bank's answer is worth more than the cache: losing it
                // would waste a read the day's budget paid for.
                if let Err(e) = recorded {
                    tracing::warn!(account = hash, scope, error = %e, "the answer could not be stored");
                }
                Ok(Answer {
                    body,
                    window: *window,
                    fetched_at,
                    origin: Origin::Network,
                })
            }
            Err(e) if e.is_bank_daily_limit() => {
                let spent = Budget {
                    remaining: Some(0),
                    limit: Some(DAILY_READS),
                    reset_at: Some(next_midnight(now)),
                    updated_at: now,
                };
                if let Err(err) = part.record_budget(hash, scope, &spent) {
                    tracing::warn!(account = hash, scope, error = %err, "the spent budget could not be stored");
                }
                self.stale(
                    hash,
                    scope,
                    window,
                    now,
                    StaleReason::DailyLimit,
                    spent.reset_at,
                )?
                .ok_or_else(|| e.to_string())
            }
            Err(e) if e.is_session_ended() => Err(format!(
                "{e}: `{}`; the configuration stays as it is",
                self.relink_for(hash)
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The newest stored answer, flagged stale: one covering the window if
    /// any, else the newest of any window.
    fn stale(
        &self,
        hash: &str,
        scope: &str,
        window: &Window,
        now: DateTime<Utc>,
        reason: StaleReason,
        reset_at: Option<DateTime<Utc>>,
    ) -> Result<Option<Answer>, String> {
        let stored = match self
            .part
            .latest_covering(hash, scope, window, None)
            .map_err(|e| e.to_string())?
        {
            Some(r) => Some(r),
            None => self
                .part
                .latest_response(hash, scope)
                .map_err(|e| e.to_string())?,
        };
        Ok(stored.map(|r| {
            let age = now - r.fetched_at;
            // Offline, an answer younger than the TTL is as good as any.
            let origin = if reason == StaleReason::Offline && age <= self.cache_ttl {
                Origin::Fresh
            } else {
                Origin::Stale {
                    age,
                    reset_at,
                    reason,
                }
            };
            Answer {
                body: r.body,
                window: r.window,
                fetched_at: r.fetched_at,
                origin,
            }
        }))
    }

    /// The budget after one more unattended read today.
    fn one_read_less(&self, hash: &str, scope: &str, now: DateTime<Utc>) -> Budget {
        let today = self
            .part
            .budget(hash, scope)
            .ok()
            .flatten()
            .filter(|b| b.reset_at.is_some_and(|r| r > now));
        let remaining = today.and_then(|b| b.remaining).unwrap_or(DAILY_READS) - 1;
        Budget {
            remaining: Some(remaining.max(0)),
            limit: Some(DAILY_READS),
            reset_at: Some(next_midnight(now)),
            updated_at: now,
        }
    }

    /// The newest saved session holding the account `hash`.
    fn session_of(&self, hash: &str) -> Option<&Linked> {
        self.sessions
            .iter()
            .find(|s| s.accounts.iter().any(|a| a.is(hash)))
    }

    /// The command that links the account's bank again.
    fn relink_for(&self, hash: &str) -> String {
        match self.session_of(hash) {
            Some(s) => relink_command(&self.name, &s.aspsp),
            None => format!(
                "gc-beancount link --source {} --country CC --bank NAME",
                shell_word(&self.name)
            ),
        }
    }

    /// The account's uid in its bank's session, which must still be
    /// authorised.
    fn uid(&self, client: &Client, hash: &str, now: DateTime<Utc>) -> Result<AccountUid, String> {
        let Some(linked) = self.session_of(hash) else {
            return Err(format!(
                "no bank linked through source {} holds an account with this id; link its bank \
                 with `{}` (`gc-beancount accounts` lists the linked accounts and their ids)",
                self.name,
                self.relink_for(hash)
            ));
        };
        let relink = relink_command(&self.name, &linked.aspsp);
        let bank = linked.aspsp.name.trim();
        if let Some(until) = linked.valid_until
            && until <= now
        {
            return Err(format!(
                "the consent at {bank} ended on {}: link the bank again with `{relink}`; the \
                 configuration stays as it is",
                until.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        let info = {
            let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
            checked
                .entry(session_key(&linked.aspsp))
                .or_insert_with(|| {
                    match client.session(&SessionId::new(linked.session_id.expose())) {
                        Ok(info) => Ok(Some(info)),
                        Err(e) if e.is_session_ended() => {
                            Err(format!("{e}: `{relink}`; the configuration stays as it is"))
                        }
                        Err(e) if e.is_transient() => {
                            tracing::info!("{e}; using the account uids saved by `link`");
                            Ok(None)
                        }
                        Err(e) => Err(e.to_string()),
                    }
                })
                .clone()?
        };
        // The uid `link` saved holds while the session does; the data
        // request says so if it no longer does.
        let Some(info) = info else {
            return linked
                .accounts
                .iter()
                .find(|a| a.is(hash))
                .and_then(|a| a.uid.as_deref())
                .map(AccountUid::new)
                .ok_or_else(|| {
                    format!(
                        "Enable Banking could not say where the session at {bank} stands; try                          again later"
                    )
                });
        };
        if !info.status.is_authorized() {
            return Err(format!(
                "the session at {bank} is {}: link the bank again with `{relink}`; the \
                 configuration stays as it is",
                info.status
            ));
        }
        info.uid_for(&IdentificationHash::new(hash))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the session at {bank} does not include this account (it was not chosen at \
                     the bank): link again with `{relink}` and choose it"
                )
            })
    }
}

/// An account's transactions, owned.
struct Transactions(Vec<TransactionRecord>);

impl AccountData for Transactions {
    fn records(&self) -> Box<dyn Records + '_> {
        Box::new(EnableBankingRecords::new(&self.0))
    }
}

impl Source for EnableBanking {
    fn name(&self) -> &str {
        &self.name
    }

    fn label(&self) -> &'static str {
        enablebanking::SOURCE_LABEL
    }

    fn id_key(&self) -> &'static str {
        enablebanking::ID_KEY
    }

    fn fetch(&self, plan: &[Planned], now: DateTime<Utc>) -> Vec<Result<Fetched, AccountFailure>> {
        let progress = Progress::new(plan.len(), "fetching");
        let results = crate::parallel::map(plan, crate::parallel::DEFAULT_THREADS, |p| {
            let account = &p.account;
            progress.start(account.label());
            let result = self.fetch_one(p, now, &progress);
            let summary = match &result {
                Ok((_, n, network)) => {
                    format!(
                        "{n} transactions{}",
                        if *network { "" } else { " (stored)" }
                    )
                }
                Err(_) => "failed".to_owned(),
            };
            progress.done(account.label(), &summary);
            result.map(|(f, _, _)| f).map_err(|why| {
                progress.suspend(|| {
                    ui::error_line(format!(
                        "account {} ({}): {why}",
                        account.label(),
                        account.account
                    ))
                });
                AccountFailure {
                    label: account.label().to_owned(),
                }
            })
        });
        progress.finish();
        results
    }

    fn facts(&self, account: &AccountConfig) -> AccountFacts {
        let hash = account.id.trim();
        AccountFacts {
            iban: self
                .session_of(hash)
                .and_then(|s| s.accounts.iter().find(|a| a.is(hash)))
                .and_then(|a| a.iban.clone()),
            institution: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relink_commands_paste_into_a_shell() {
        let cmd = relink_command("eb", &AspspId::new("Danske Bank", "fi"));
        assert_eq!(
            cmd,
            "gc-beancount link --source eb --country FI --bank 'Danske Bank'"
        );
        assert_eq!(shell_word("O'Hara"), r"'O'\''Hara'");
        assert_eq!(shell_word("S-Pankki"), "S-Pankki");
    }

    #[test]
    fn the_key_is_found_beside_the_configuration() {
        let config = Path::new("/home/me/.config/gc-beancount/config.yaml");
        let home = Some(Path::new("/home/me"));
        assert_eq!(
            beside(Path::new("eb.pem"), config, home),
            Path::new("/home/me/.config/gc-beancount/eb.pem")
        );
        assert_eq!(
            beside(Path::new("~/keys/eb.pem"), config, home),
            Path::new("/home/me/keys/eb.pem")
        );
        assert_eq!(
            beside(Path::new("/etc/eb.pem"), config, home),
            Path::new("/etc/eb.pem")
        );
    }

    #[test]
    fn the_window_never_reaches_a_91st_day() {
        let now: DateTime<Utc> = "2026-11-20T23:30:00Z".parse().unwrap();
        let today = bank_today(now);
        assert!(today >= now.date_naive());
        assert_eq!(
            next_midnight(now),
            "2026-11-21T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
