//! Plaid through `/transactions/sync`, one Item (one login at one
//! institution) at a time.
//!
//! What the store keeps in the source's part (named by its key under
//! `sources:`):
//! - the credential `item/ITEM_ID`: the Item's access token, written by
//!   `link` and never shown;
//! - under the subject `item/ITEM_ID`: its `accounts` (which configured
//!   account ids belong to the Item, written by `link`), the `balances`
//!   last read, and its `transactions` as of the sync cursor saved with
//!   them, in one write.
//!
//! A sync says what changed since the cursor; applied to the stored
//! transactions it gives the Item's transactions now, which each account
//! is read from like a statement: the days of its window, and whatever
//! this sync added or changed before them (institutions add late
//! transactions). So `import` leaves out by id what the ledger holds, and
//! `reconcile` sees a pending purchase gone and its posted transaction
//! under a new id whichever of the two runs first. The new transactions
//! and cursor are saved only in [`Source::commit`], once the output is
//! written; `reconcile` never commits, so it leaves the cursor where it
//! was.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use importer::{BankTransaction, Records, SourceConfig, Unreadable};
use plaid::{
    Account, Client, Cursor, ItemAccess, Narration, RetryPolicy, Settings, SyncResult,
    TransactionRecord,
};
use serde::{Deserialize, Serialize};
use store::{Keep, NewResponse, SourceStore, Window};

use super::{AccountData, AccountFailure, Fetched, Opening, Source};
use crate::exit::usage;
use crate::fetching::{self, Planned};
use crate::ui;

/// The store's scope of an Item's accounts.
const ACCOUNTS: &str = "accounts";
/// The store's scope of an Item's balances.
const BALANCES: &str = "balances";
/// The store's scope of an Item's transactions as of its cursor.
const TRANSACTIONS: &str = "transactions";

/// The key of an Item's access token among the source's credentials.
pub fn credential_key(item_id: &str) -> String {
    format!("item/{item_id}")
}

/// The store's subject of an Item's responses and cursor.
fn subject(item_id: &str) -> String {
    format!("item/{item_id}")
}

/// The Items whose access tokens the store holds, sorted.
///
/// # Errors
/// When the store cannot be read.
pub fn item_ids(store: &SourceStore) -> anyhow::Result<Vec<String>> {
    Ok(store
        .credential_keys()?
        .into_iter()
        .filter_map(|k| k.strip_prefix("item/").map(str::to_owned))
        .collect())
}

/// An Item's accounts as the store last had them.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredAccounts {
    /// The accounts (with the balances of that moment, unused).
    pub accounts: Vec<Account>,
}

/// Saves an Item's accounts: how a configured account id finds its Item.
///
/// # Errors
/// When the store cannot be written.
pub fn save_accounts(
    store: &SourceStore,
    item_id: &str,
    accounts: &[Account],
    fetched_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let body = serde_json::to_string(&StoredAccounts {
        accounts: accounts.to_vec(),
    })?;
    record(store, item_id, ACCOUNTS, &body, fetched_at, None)
}

/// An Item's accounts as the store holds them.
///
/// # Errors
/// When the store cannot be read or holds what this version cannot read.
pub fn stored_accounts(store: &SourceStore, item_id: &str) -> anyhow::Result<Option<Vec<Account>>> {
    match store.latest_response(&subject(item_id), ACCOUNTS)? {
        Some(r) => Ok(Some(
            serde_json::from_str::<StoredAccounts>(&r.body)?.accounts,
        )),
        None => Ok(None),
    }
}

fn record(
    store: &SourceStore,
    item_id: &str,
    scope: &str,
    body: &str,
    fetched_at: DateTime<Utc>,
    cursor: Option<&str>,
) -> anyhow::Result<()> {
    store.record_response(&NewResponse {
        subject: &subject(item_id),
        scope,
        window: Window::ALL,
        keep: Keep::Latest,
        records: &[],
        body,
        fetched_at,
        rate_limit: None,
        budget: None,
        cursor,
    })?;
    Ok(())
}

/// An Item's transactions as of the cursor stored with them.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StoredTransactions {
    transactions: Vec<TransactionRecord>,
}

/// An Item's balances as last read.
#[derive(Debug, Serialize, Deserialize)]
struct StoredBalances {
    /// The day the figures were read at the institution.
    as_of: NaiveDate,
    /// Asked of the institution (`/accounts/balance/get`), or Plaid's
    /// cached figures (`/accounts/get`).
    live: bool,
    accounts: Vec<Account>,
}

/// The Plaid source.
pub struct Plaid {
    name: String,
    settings: Settings,
    store: SourceStore,
    /// `None` offline.
    clients: Option<Clients>,
    /// What [`Source::commit`] saves, per Item.
    to_commit: Mutex<Vec<Synced>>,
}

struct Clients {
    client: Client,
    /// Without retries: past Plaid's 5 balance calls a minute the cached
    /// balances are taken at once rather than waited for.
    balances: Client,
}

/// An Item's transactions after a sync, to save with its cursor.
struct Synced {
    item_id: String,
    cursor: Cursor,
    body: String,
    fetched_at: DateTime<Utc>,
}

impl Plaid {
    /// The source of the configuration's `source`, with a client unless
    /// offline.
    ///
    /// # Errors
    /// A usage error when its settings are wrong.
    pub fn open(opening: &Opening<'_>, source: &SourceConfig) -> anyhow::Result<Plaid> {
        let settings = Settings::from_source(source)
            .map_err(|e| usage(format!("{}: {e}", opening.located.path.display())))?;
        let name = store::SourceName::new(source.name.as_str())
            .map_err(|e| usage(format!("source {}: {e}", source.name)))?;
        let clients = if opening.reach.offline {
            None
        } else {
            Some(clients(&settings)?)
        };
        Ok(Plaid {
            name: source.name.clone(),
            settings,
            store: opening.store.source(&name),
            clients,
            to_commit: Mutex::new(Vec::new()),
        })
    }

    /// The Item of each planned account id, from the accounts stored at
    /// link time; online, Items are asked again for ids not found (an
    /// account opened at the bank since).
    fn locate(
        &self,
        plan: &[Planned],
        now: DateTime<Utc>,
    ) -> anyhow::Result<HashMap<String, String>> {
        let items = item_ids(&self.store)?;
        let mut found = HashMap::new();
        for item in &items {
            for a in stored_accounts(&self.store, item)?.unwrap_or_default() {
                found.insert(a.account_id, item.clone());
            }
        }
        let missing = plan.iter().any(|p| !found.contains_key(&p.account.id));
        if let (true, Some(c)) = (missing, &self.clients) {
            for item in &items {
                let Some(access) = self.access(item)? else {
                    continue;
                };
                match c.client.accounts(&access) {
                    Ok(r) => {
                        save_accounts(&self.store, item, &r.accounts, now)?;
                        for a in r.accounts {
                            found.insert(a.account_id, item.clone());
                        }
                    }
                    Err(e) => tracing::info!("{e}"),
                }
            }
        }
        Ok(found)
    }

    fn access(&self, item_id: &str) -> anyhow::Result<Option<ItemAccess>> {
        Ok(self
            .store
            .credential(&credential_key(item_id))?
            .map(|token| ItemAccess::new(token).with_item_id(item_id)))
    }

    /// Every planned account of one Item, in plan order; an error says
    /// why none could be read and what to do.
    fn fetch_item(
        &self,
        item_id: &str,
        plan: &[&Planned],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Fetched>> {
        let Some(clients) = &self.clients else {
            return self.stored(item_id, plan);
        };
        let Some(access) = self.access(item_id)? else {
            anyhow::bail!(
                "the store holds no access token for item {item_id}; link it again with \
                 `gc-beancount link --source {}`",
                self.name
            );
        };
        let subject = subject(item_id);
        // The cursor and the transactions are saved together: one without
        // the other (a store from another version) starts over.
        let (cursor, mut state) = match (
            self.store.cursor(&subject)?,
            self.store.latest_response(&subject, TRANSACTIONS)?,
        ) {
            (Some(c), Some(r)) => match serde_json::from_str::<StoredTransactions>(&r.body) {
                Ok(state) => (Cursor::new(&c.value), state),
                // The ledger's ids keep a sync from the start from writing
                // anything twice.
                Err(e) => {
                    ui::warn(format!(
                        "item {item_id}: the stored transactions cannot be read ({e}); reading \
                         them from Plaid again"
                    ));
                    (None, StoredTransactions::default())
                }
            },
            _ => (None, StoredTransactions::default()),
        };
        let sync =
            match clients
                .client
                .sync(&access, cursor.as_ref(), &self.settings.sync_options())
            {
                Ok(s) => s,
                Err(e @ plaid::Error::NotReady { .. }) => {
                    ui::note(format!(
                        "source {}: {e}. Nothing to import from {} yet.",
                        self.name,
                        labels(plan)
                    ));
                    return Ok(plan.iter().map(|p| empty(p, now)).collect());
                }
                Err(e) => return Err(e.into()),
            };
        if sync.restarts > 0 {
            tracing::info!(
                "item {item_id}: the transactions changed while their pages were read; read again \
                 from the first page {} time(s)",
                sync.restarts
            );
        }
        let known: HashSet<String> = state
            .transactions
            .iter()
            .filter_map(TransactionRecord::transaction_id)
            .collect();
        let fresh = apply(&mut state.transactions, &sync);
        let unassigned = sync
            .added
            .iter()
            .filter(|r| r.account_id().is_none())
            .count();
        if unassigned > 0 {
            ui::warn(format!(
                "item {item_id}: {unassigned} transaction(s) from Plaid name no account: left out"
            ));
        }
        self.report_changes(&sync, &known, plan);
        let balances = self.balances(clients, &access, plan, now);
        let body = serde_json::to_string(&state)?;
        // Records without an id can be neither changed nor removed: they are
        // read this once (as comments), from the sync itself, and not kept.
        state.transactions.extend(
            sync.added
                .iter()
                .filter(|r| r.transaction_id().is_none())
                .cloned(),
        );
        self.to_commit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Synced {
                item_id: item_id.to_owned(),
                cursor: sync.next_cursor.clone(),
                body,
                fetched_at: now,
            });
        let today = fetching::local_day(now);
        Ok(plan
            .iter()
            .map(|p| {
                let listed = (
                    p.from.unwrap_or(today),
                    p.to.map_or(today, |t| t.min(today)),
                );
                Fetched {
                    account: p.account.clone(),
                    data: Box::new(Transactions {
                        records: select(&state.transactions, p, &fresh),
                        narration: self.settings.narration,
                    }),
                    balances: account_balances(balances.as_ref(), &p.account.id, now),
                    fetched_at: Some(now),
                    listed: Some(listed),
                }
            })
            .collect())
    }

    /// `--offline`: the transactions and balances last stored.
    fn stored(&self, item_id: &str, plan: &[&Planned]) -> anyhow::Result<Vec<Fetched>> {
        let subject = subject(item_id);
        let Some(stored) = self.store.latest_response(&subject, TRANSACTIONS)? else {
            anyhow::bail!(
                "the store holds no transactions of item {item_id} yet: run `gc-beancount import` \
                 once without --offline"
            );
        };
        let state: StoredTransactions = serde_json::from_str(&stored.body)?;
        let balances = match self.store.latest_response(&subject, BALANCES)? {
            Some(b) => match serde_json::from_str::<StoredBalances>(&b.body) {
                Ok(parsed) => Some((parsed.accounts, parsed.as_of, b.fetched_at)),
                Err(e) => {
                    ui::warn(format!(
                        "item {item_id}: the stored balances cannot be read ({e}): no balance \
                         assertion"
                    ));
                    None
                }
            },
            None => None,
        };
        tracing::info!(
            "item {item_id}: the transactions stored at {} (offline)",
            stored.fetched_at.format("%Y-%m-%d %H:%M UTC")
        );
        let none = HashSet::new();
        Ok(plan
            .iter()
            .map(|p| Fetched {
                account: p.account.clone(),
                data: Box::new(Transactions {
                    records: select(&state.transactions, p, &none),
                    narration: self.settings.narration,
                }),
                balances: balances
                    .as_ref()
                    .map(|(accounts, as_of, at)| {
                        account_balances(Some(&(accounts.clone(), *as_of)), &p.account.id, *at)
                    })
                    .unwrap_or_default(),
                fetched_at: Some(stored.fetched_at),
                listed: None,
            })
            .collect())
    }

    /// The balances of the planned accounts and the day they were read:
    /// asked of the institution, else the ones Plaid cached at its last
    /// update (with their age); stored for `--offline`.
    fn balances(
        &self,
        clients: &Clients,
        access: &ItemAccess,
        plan: &[&Planned],
        now: DateTime<Utc>,
    ) -> Option<(Vec<Account>, NaiveDate)> {
        let item_id = access.item_id.as_deref().unwrap_or_default();
        let ids: Vec<&str> = plan.iter().map(|p| p.account.id.as_str()).collect();
        let (accounts, as_of, live) = match clients.balances.balances(access, &ids) {
            Ok(r) => (r.accounts, fetching::local_day(now), true),
            Err(live) => {
                let cached = clients
                    .client
                    .accounts(access)
                    .and_then(|a| Ok((a, clients.client.item(access)?)));
                let updated = cached.as_ref().ok().and_then(|(_, i)| {
                    i.status
                        .as_ref()?
                        .transactions
                        .as_ref()?
                        .last_successful_update
                });
                match (cached, updated) {
                    (Ok((a, _)), Some(at)) => {
                        let at = at.with_timezone(&Utc);
                        ui::warn(format!(
                            "{}: no balances from the institution now ({live}); using those \
                             Plaid cached {} ago (at {})",
                            labels(plan),
                            fetching::human_duration(now - at),
                            at.format("%Y-%m-%d %H:%M UTC")
                        ));
                        (a.accounts, fetching::local_day(at), false)
                    }
                    (Ok(_), None) => {
                        ui::warn(format!(
                            "{}: no balances from the institution now ({live}), and Plaid does \
                             not say when it cached its own: no balance assertion",
                            labels(plan)
                        ));
                        return None;
                    }
                    (Err(e), _) => {
                        ui::warn(format!(
                            "{}: no balances, so no balance assertion ({live}; {e})",
                            labels(plan)
                        ));
                        return None;
                    }
                }
            }
        };
        let stored = StoredBalances {
            as_of,
            live,
            accounts,
        };
        match serde_json::to_string(&stored) {
            Ok(body) => {
                if let Err(e) = record(&self.store, item_id, BALANCES, &body, now, None) {
                    ui::warn(format!("{e:#}: the balances are not kept for --offline"));
                }
            }
            Err(e) => tracing::info!("balances not stored: {e}"),
        }
        Some((stored.accounts, as_of))
    }

    /// Says which transactions already delivered the bank changed: their
    /// entries stay as they are in the ledger.
    fn report_changes(&self, sync: &SyncResult, known: &HashSet<String>, plan: &[&Planned]) {
        let label = |account_id: &str| {
            plan.iter()
                .find(|p| p.account.id == account_id)
                .map(|p| p.account.label().to_owned())
        };
        for r in &sync.modified {
            let Some(id) = r.transaction_id() else {
                continue;
            };
            let Some(account) = r.account_id().as_deref().and_then(label) else {
                continue;
            };
            if known.contains(&id) {
                let what = r.parse().ok().map_or_else(String::new, |t| {
                    format!(
                        " (now {} {} {:?})",
                        t.date,
                        t.amount,
                        t.name.unwrap_or_default()
                    )
                });
                ui::note(format!(
                    "account {account}: Plaid changed transaction {id}{what}; the ledger's entry \
                     is left as it is"
                ));
            }
        }
    }
}

fn clients(settings: &Settings) -> anyhow::Result<Clients> {
    let build = |b: plaid::ClientBuilder| b.build().map_err(|e| usage(e.to_string()));
    Ok(Clients {
        client: build(settings.client())?,
        balances: build(settings.client().retry(RetryPolicy::none()))?,
    })
}

/// Applies a sync to an Item's transactions in Plaid's order (added,
/// modified, removed); returns the ids it added or changed.
fn apply(state: &mut Vec<TransactionRecord>, sync: &SyncResult) -> HashSet<String> {
    let mut all: Vec<Option<TransactionRecord>> = state.drain(..).map(Some).collect();
    let mut index: HashMap<String, usize> = all
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.as_ref()?.transaction_id()?, i)))
        .collect();
    let mut fresh = HashSet::new();
    for r in sync.added.iter().chain(&sync.modified) {
        let Some(id) = r.transaction_id() else {
            continue;
        };
        match index.get(&id) {
            Some(&i) => all[i] = Some(r.clone()),
            None => {
                index.insert(id.clone(), all.len());
                all.push(Some(r.clone()));
            }
        }
        fresh.insert(id);
    }
    for removed in &sync.removed {
        if let Some(i) = index.remove(&removed.transaction_id) {
            all[i] = None;
        }
        fresh.remove(&removed.transaction_id);
    }
    *state = all.into_iter().flatten().collect();
    fresh
}

/// An account's records: its transactions dated in the planned window,
/// and those the sync just added or changed whatever their date. Records
/// that cannot be read come only when fresh (or without an id).
fn select(
    all: &[TransactionRecord],
    p: &Planned,
    fresh: &HashSet<String>,
) -> Vec<TransactionRecord> {
    let id = p.account.id.as_str();
    all.iter()
        .filter(|r| r.account_id().as_deref() == Some(id))
        .filter(|r| match r.transaction_id() {
            None => true,
            Some(tid) if fresh.contains(&tid) => true,
            Some(_) => r.parse().is_ok_and(|t| {
                p.from.is_none_or(|f| f <= t.date) && p.to.is_none_or(|to| t.date <= to)
            }),
        })
        .cloned()
        .collect()
}

fn account_balances(
    balances: Option<&(Vec<Account>, NaiveDate)>,
    account_id: &str,
    fetched_at: DateTime<Utc>,
) -> Vec<importer::Balance> {
    let Some((accounts, as_of)) = balances else {
        return Vec::new();
    };
    let Some(a) = accounts.iter().find(|a| a.account_id == account_id) else {
        return Vec::new();
    };
    let mut out = plaid::statement::balances(a, *as_of);
    for b in &mut out {
        b.fetched_at = Some(fetched_at);
    }
    out
}

fn empty(p: &Planned, now: DateTime<Utc>) -> Fetched {
    Fetched {
        account: p.account.clone(),
        data: Box::new(Transactions {
            records: Vec::new(),
            narration: Narration::Name,
        }),
        balances: Vec::new(),
        fetched_at: Some(now),
        listed: None,
    }
}

fn labels(plan: &[&Planned]) -> String {
    plan.iter()
        .map(|p| p.account.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One account's transaction records, owned.
struct Transactions {
    records: Vec<TransactionRecord>,
    narration: Narration,
}

impl AccountData for Transactions {
    fn records(&self) -> Box<dyn Records + '_> {
        Box::new(Read(self))
    }
}

struct Read<'a>(&'a Transactions);

impl Records for Read<'_> {
    fn len(&self) -> usize {
        self.0.records.len()
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        plaid::statement::bank_transaction(&self.0.records[i], self.0.narration)
    }

    fn raw(&self, i: usize) -> &str {
        self.0.records[i].json()
    }
}

impl Source for Plaid {
    fn name(&self) -> &str {
        &self.name
    }

    fn label(&self) -> &'static str {
        plaid::statement::SOURCE_LABEL
    }

    fn id_key(&self) -> &'static str {
        plaid::statement::ID_KEY
    }

    fn fetch(&self, plan: &[Planned], now: DateTime<Utc>) -> Vec<Result<Fetched, AccountFailure>> {
        let fail = |p: &Planned| AccountFailure {
            label: p.account.label().to_owned(),
        };
        let located = match self.locate(plan, now) {
            Ok(l) => l,
            Err(e) => {
                ui::error_line(format!("source {}: {e:#}", self.name));
                return plan.iter().map(|p| Err(fail(p))).collect();
            }
        };
        let mut results: Vec<Option<Result<Fetched, AccountFailure>>> =
            plan.iter().map(|_| None).collect();
        let mut by_item: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, p) in plan.iter().enumerate() {
            match located.get(&p.account.id) {
                Some(item) => by_item.entry(item.as_str()).or_default().push(i),
                None => {
                    ui::error_line(format!(
                        "account {} ({}): no Item linked to source {} has the Plaid account id \
                         {:?}; `gc-beancount link --source {}` links the bank and prints its \
                         account ids",
                        p.account.label(),
                        p.account.account,
                        self.name,
                        p.account.id,
                        self.name
                    ));
                    results[i] = Some(Err(fail(p)));
                }
            }
        }
        for (item, indices) in by_item {
            let planned: Vec<&Planned> = indices.iter().map(|&i| &plan[i]).collect();
            match self.fetch_item(item, &planned, now) {
                Ok(fetched) => {
                    for (i, f) in indices.iter().zip(fetched) {
                        results[*i] = Some(Ok(f));
                    }
                }
                Err(e) => {
                    ui::error_line(format!(
                        "{} (source {}): {e:#}",
                        labels(&planned),
                        self.name
                    ));
                }
            }
        }
        results
            .into_iter()
            .zip(plan)
            .map(|(r, p)| r.unwrap_or_else(|| Err(fail(p))))
            .collect()
    }

    fn commit(&self) -> anyhow::Result<()> {
        let synced = std::mem::take(
            &mut *self
                .to_commit
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for s in synced {
            record(
                &self.store,
                &s.item_id,
                TRANSACTIONS,
                &s.body,
                s.fetched_at,
                Some(s.cursor.as_str()),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(id: &str, account: &str, date: &str, amount: &str) -> TransactionRecord {
        TransactionRecord::from_json(&format!(
            r#"{{"transaction_id": "{id}", "account_id": "{account}", "amount": {amount},
                "iso_currency_code": "USD", "date": "{date}", "name": "n {id}"}}"#
        ))
        .unwrap()
    }

    fn sync(
        added: Vec<TransactionRecord>,
        modified: Vec<TransactionRecord>,
        removed: &[&str],
    ) -> SyncResult {
        SyncResult {
            added,
            modified,
            removed: removed
                .iter()
                .map(|id| plaid::RemovedTransaction {
                    transaction_id: (*id).to_owned(),
                    account_id: "a".to_owned(),
                })
                .collect(),
            accounts: Vec::new(),
            next_cursor: Cursor::new("c").unwrap(),
            update_status: Default::default(),
            pages: 1,
            restarts: 0,
        }
    }

    fn ids(records: &[TransactionRecord]) -> Vec<String> {
        records
            .iter()
            .filter_map(TransactionRecord::transaction_id)
            .collect()
    }

    #[test]
    fn a_sync_applied_to_the_stored_transactions_gives_the_item_now() {
        let mut state = vec![
            tx("old", "a", "2026-10-01", "5"),
            tx("p1", "a", "2026-11-19", "10"),
            tx("b1", "b", "2026-11-19", "1"),
        ];
        let s = sync(
            vec![
                tx("t1", "a", "2026-11-20", "12"),
                tx("late", "a", "2026-09-01", "3"),
            ],
            vec![tx("old", "a", "2026-10-01", "6")],
            &["p1", "never-seen"],
        );
        let fresh = apply(&mut state, &s);
        assert_eq!(ids(&state), ["old", "b1", "t1", "late"]);
        let mut fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
        fresh.sort_unstable();
        assert_eq!(fresh, ["late", "old", "t1"]);

        // The window, and what the sync brought before it.
        let planned = |from: &str| Planned {
            account: importer::config::from_str(
                "accounts:\n  - { id: a, account: Assets:A }\n",
                "c.yaml",
            )
            .unwrap()
            .accounts
            .remove(0),
            from: Some(from.parse().unwrap()),
            to: None,
        };
        let fresh: HashSet<String> = ["late".to_owned()].into();
        assert_eq!(
            ids(&select(&state, &planned("2026-11-01"), &fresh)),
            ["t1", "late"]
        );
        assert_eq!(
            ids(&select(&state, &planned("2026-09-15"), &HashSet::new())),
            ["old", "t1"]
        );
    }
}
