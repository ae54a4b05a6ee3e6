//! Leaves out what the existing ledger already holds, so that
//! `gc-beancount import -e ledger.bean >> ledger.bean` is safe to run daily.
//!
//! Per imported transaction, on the bank account's posting:
//!
//! 1. **Within the batch**: the same bank id twice in one run comes out once.
//! 2. **By id**: a ledger posting on the same account carrying the id (in
//!    any of the ledger's id keys: `gocardless_id` on postings, `nordref`
//!    of the Python importer on transactions) is the same transaction.
//! 3. **By content**: same account, same amount and currency, dates at most
//!    the window apart (±3 days by default), only against ledger postings
//!    without an importer id or pending ones (their status metadata, e.g.
//!    `gocardless_status: "pending"`; never the `!` flag, which rules may
//!    set for review). One-to-one and
//!    nearest date first, so two genuine identical payments need two ledger
//!    entries to be hidden. This catches hand-typed entries and a pending
//!    transaction that booked under a new id. A pending entry carrying the
//!    source's id key in its transaction metadata under another id (a
//!    GoCardless Pro payout, whose id never changes) is another record of
//!    the source and never matches.
//!
//! Balance assertions already in the ledger (same account and date) are not
//! repeated. Pending ledger entries inside the fetched window that nothing
//! matched are reported as stale. Accounts the output uses that the ledger
//! never opens get an `open` directive ([`crate::complete`] adds opening
//! balances and checks the assertions).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;

use chrono::{Days, NaiveDate};

use crate::config::{AccountConfig, DedupConfig};
use crate::convert::AccountOutput;
use crate::entry::{Entry, MetaValue, TransactionEntry};
use crate::ledger::{Ledger, Posting};
use crate::pipeline::print_outputs;
use crate::render::{Block, print, render_entry};

/// The number of days of history to ask for when the ledger holds none for
/// an account and the account sets no `days`.
pub const DEFAULT_DAYS: u32 = 90;

/// How deduplication behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DedupOptions {
    /// How many days apart an imported transaction and a ledger entry with
    /// the same amount may be and still match by content (default 3).
    pub window_days: u32,
    /// Days of history to fetch for an account without history in the
    /// ledger and without its own `days` (default 90).
    pub default_days: u32,
    /// Keep duplicates in the output, commented out under
    /// `; duplicate of FILE:LINE` (`--mark-duplicates`), instead of leaving
    /// them out.
    pub mark_duplicates: bool,
    /// Write `open` directives for accounts the ledger lacks (`--no-open`
    /// turns it off).
    pub write_opens: bool,
    /// The date range fetched per Beancount account, from the bank at the
    /// moment of the run, to find stale pending entries. Nothing is said
    /// about the pending entries of an account not listed (its data may be
    /// out of date, or its window unknown).
    pub fetched: HashMap<String, (NaiveDate, NaiveDate)>,
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions {
            window_days: 3,
            default_days: DEFAULT_DAYS,
            mark_duplicates: false,
            write_opens: true,
            fetched: HashMap::new(),
        }
    }
}

impl DedupOptions {
    /// The options of the configuration's `dedup:` section, other settings
    /// at their defaults. (Its `id_keys` are the ledger's: pass them to
    /// [`crate::ledger::LedgerOptions`].)
    pub fn from_config(config: &DedupConfig) -> DedupOptions {
        DedupOptions {
            window_days: config.window_days,
            ..DedupOptions::default()
        }
    }
}

/// Why an imported entry is a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// A ledger posting carries its bank id.
    Id,
    /// A ledger posting has its amount and a date within the window.
    Content,
    /// An entry earlier in this run has its bank id.
    Batch,
}

/// A line of the ledger. Displays as `file:line`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerLine {
    /// The ledger file.
    pub path: PathBuf,
    /// The 1-based line where the entry starts.
    pub line: u32,
}

impl fmt::Display for LedgerLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

impl LedgerLine {
    fn of(posting: &Posting<'_>) -> LedgerLine {
        let location = posting.transaction().location();
        LedgerLine {
            path: location.path.to_path_buf(),
            line: location.line,
        }
    }
}

/// An imported transaction left out (or commented out) as already known.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicate {
    /// The Beancount account it was imported for.
    pub account: String,
    /// The imported entry.
    pub entry: TransactionEntry,
    /// How it was recognised.
    pub by: MatchKind,
    /// The ledger entry it duplicates (`None` within the batch).
    pub ledger: Option<LedgerLine>,
    /// The bank id of the imported entry, when it has one.
    pub id: Option<String>,
    /// Whether it is dated after the ledger's last imported entry on the
    /// account: earlier runs did not see it, so it is news (an earlier one
    /// was reported when it was first seen).
    pub first_seen: bool,
}

impl fmt::Display for Duplicate {
    /// One line for stderr, e.g. `Assets:Bank: 2026-01-05 -3.20 EUR "Bakery"
    /// matches ledger.bean:12 by amount and date`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.entry;
        write!(f, "{}: {}", self.account, e.date)?;
        if let Some(units) = bank_posting(e, &self.account).and_then(|p| p.units.as_ref()) {
            write!(f, " {} {}", units.number, units.currency)?;
        }
        let text = e.payee.as_deref().unwrap_or(&e.narration);
        write!(f, " {:?}", crate::render::sanitize(text))?;
        match (&self.by, &self.ledger) {
            (MatchKind::Id, Some(l)) => write!(f, " is already in {l} (same bank id)"),
            (MatchKind::Content, Some(l)) => write!(f, " matches {l} by amount and date"),
            _ => write!(f, " came twice from the bank (same id); kept once"),
        }
    }
}

/// A pending entry of the ledger that the bank no longer lists and that no
/// booked transaction matched, although the fetched days cover every day it
/// could have booked on: its amount changed (a tip, a conversion) or the
/// payment was cancelled. `gc-beancount reconcile` brings it in line.
#[derive(Clone, Debug, PartialEq)]
pub struct StalePending {
    /// The Beancount account.
    pub account: String,
    /// The entry's date.
    pub date: NaiveDate,
    /// The amount on the account, when written.
    pub amount: Option<(rust_decimal::Decimal, String)>,
    /// The payee, else the narration.
    pub description: String,
    /// Where it is.
    pub ledger: LedgerLine,
}

impl fmt::Display for StalePending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: stale pending entry at {}: {}",
            self.account, self.ledger, self.date
        )?;
        if let Some((number, currency)) = &self.amount {
            write!(f, " {number} {currency}")?;
        }
        write!(
            f,
            " {:?} is no longer pending at the bank and no booked transaction has its amount; \
             `gc-beancount reconcile` books it with the bank's amount or comments it out",
            self.description
        )
    }
}

/// What happened to one account's entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountSummary {
    /// The Beancount account.
    pub account: String,
    /// The account's handle (`name`, else the GoCardless id).
    pub label: String,
    /// New transactions written.
    pub new: usize,
    /// Of the new ones, how many are pending at the bank.
    pub pending: usize,
    /// Left out: already in the ledger with the same bank id.
    pub dup_id: usize,
    /// Left out: matched a ledger entry by amount and date.
    pub dup_content: usize,
    /// Left out: delivered twice in this run.
    pub dup_batch: usize,
    /// Balance assertions left out because the ledger has them.
    pub balances_known: usize,
}

impl fmt::Display for AccountSummary {
    /// `Assets:Bank (checking): 3 new (1 pending), duplicates: 10 by id, 1 by content`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {} new ({} pending), duplicates: {} by id, {} by content",
            self.account, self.label, self.new, self.pending, self.dup_id, self.dup_content
        )?;
        if self.dup_batch > 0 {
            write!(f, ", {} repeated by the bank", self.dup_batch)?;
        }
        if self.balances_known > 0 {
            write!(f, ", {} balance already asserted", self.balances_known)?;
        }
        Ok(())
    }
}

/// The outcome of [`dedup`].
#[derive(Clone, Debug)]
pub struct DedupResult {
    /// The outputs without duplicates (or with them commented out, with
    /// `mark_duplicates`), in the same order.
    pub outputs: Vec<AccountOutput>,
    /// Every duplicate, in output order.
    pub duplicates: Vec<Duplicate>,
    /// Pending ledger entries that nothing matched.
    pub stale_pending: Vec<StalePending>,
    /// One per output, in output order.
    pub summaries: Vec<AccountSummary>,
    /// `open` directives ([`Entry::Open`]) for accounts the kept entries use
    /// and the ledger never opens, each dated on its first use, sorted by
    /// account.
    pub opens: Vec<Entry>,
}

impl DedupResult {
    /// The Beancount text: the `open` directives, then each account's
    /// block.
    pub fn render(&self) -> String {
        let mut out = print(&[Block {
            heading: None,
            entries: &self.opens,
        }]);
        if !self.opens.is_empty() && !self.outputs.is_empty() {
            out.push('\n');
        }
        out.push_str(&print_outputs(&self.outputs));
        out
    }
}

/// The bank account's posting: the first on the configured account, else
/// the first.
fn bank_posting<'e>(
    entry: &'e TransactionEntry,
    account: &str,
) -> Option<&'e crate::entry::Posting> {
    entry
        .postings
        .iter()
        .find(|p| p.account == account)
        .or(entry.postings.first())
}

/// The bank id of an imported entry: its source's id key (or another id
/// key of the ledger) on the bank posting, else in the transaction's
/// metadata.
fn entry_id(
    entry: &TransactionEntry,
    account: &str,
    id_key: &str,
    id_keys: &[String],
) -> Option<String> {
    let is_key = |k: &str| k == id_key || id_keys.iter().any(|i| i == k);
    let text = |meta: &crate::entry::Meta| {
        meta.iter().find(|(k, _)| is_key(k)).map(|(_, v)| match v {
            MetaValue::String(s) => s.clone(),
            other => other.as_text(),
        })
    };
    bank_posting(entry, account)
        .and_then(|p| text(&p.meta))
        .or_else(|| text(&entry.meta))
}

/// How an imported entry of one account fared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Keep,
    Duplicate(MatchKind, Option<usize>),
    KnownBalance,
}

/// Removes from `outputs` what `ledger` already holds, and reports.
///
/// Nothing is lost: every entry left out is in [`DedupResult::duplicates`]
/// (or was a balance assertion the ledger has), and comments and invalid
/// records always pass through.
pub fn dedup(outputs: Vec<AccountOutput>, ledger: &Ledger, opts: &DedupOptions) -> DedupResult {
    let mut result = DedupResult {
        outputs: Vec::with_capacity(outputs.len()),
        duplicates: Vec::new(),
        stale_pending: Vec::new(),
        summaries: Vec::new(),
        opens: Vec::new(),
    };
    for output in outputs {
        dedup_account(output, ledger, opts, &mut result);
    }
    if opts.write_opens {
        result.opens = crate::complete::missing_opens(&result.outputs, &[], Some(ledger));
    }
    result
}

fn dedup_account(
    output: AccountOutput,
    ledger: &Ledger,
    opts: &DedupOptions,
    result: &mut DedupResult,
) {
    let account = output.account.account.clone();
    let id_keys = ledger.id_keys();
    let mut fates = vec![Fate::Keep; output.entries.len()];
    // Ledger postings already claimed by an imported entry.
    let mut used: HashSet<usize> = HashSet::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut seen_balances: HashSet<NaiveDate> = HashSet::new();
    let mut ids: Vec<Option<String>> = vec![None; output.entries.len()];
    // Where each claimed ledger posting's entry is.
    let mut lines: HashMap<usize, LedgerLine> = HashMap::new();

    // Pass 1: within the batch, by id, balances.
    for (i, entry) in output.entries.iter().enumerate() {
        match entry {
            Entry::Transaction(t) => {
                let Some(id) = entry_id(t, &account, &output.id_key, id_keys) else {
                    continue;
                };
                // Under its id, or under another id the bank gave it that an
                // earlier run chose (seeing other records, it trusted other
                // ids); an id shared by two records is no proof, so the
                // amount must agree too.
                let units = bank_posting(t, &account)
                    .and_then(|p| p.units.as_ref())
                    .map(|u| u.number);
                let in_ledger = || {
                    ledger.postings_with_id(&account, &id).next().or_else(|| {
                        output
                            .aliases
                            .get(&id)
                            .into_iter()
                            .flatten()
                            .find_map(|alias| {
                                ledger
                                    .postings_with_id(&account, alias)
                                    .find(|p| p.number().is_some() && p.number() == units)
                            })
                    })
                };
                if !seen_ids.insert(id.clone()) {
                    fates[i] = Fate::Duplicate(MatchKind::Batch, None);
                } else if let Some(p) = in_ledger() {
                    used.insert(p.index());
                    lines.insert(p.index(), LedgerLine::of(&p));
                    fates[i] = Fate::Duplicate(MatchKind::Id, Some(p.index()));
                }
                ids[i] = Some(id);
            }
            Entry::Balance(b)
                if ledger.has_balance(&b.account, b.date) || !seen_balances.insert(b.date) =>
            {
                fates[i] = Fate::KnownBalance;
            }
            _ => {}
        }
    }

    // Pass 2: by content, one-to-one, nearest date first.
    let window = i64::from(opts.window_days);
    let mut pairs: Vec<(i64, usize, usize)> = Vec::new();
    let mut candidates: HashMap<usize, Posting<'_>> = HashMap::new();
    for (i, entry) in output.entries.iter().enumerate() {
        let (Entry::Transaction(t), Fate::Keep) = (entry, fates[i]) else {
            continue;
        };
        let Some(units) = bank_posting(t, &account).and_then(|p| p.units.as_ref()) else {
            continue;
        };
        for p in ledger.content_candidates(&account, units.number, &units.currency) {
            let distance = (p.transaction().date() - t.date).num_days().abs();
            // A ledger entry carrying this source's id key in its own
            // metadata, under another id, is another record of the source
            // (a GoCardless Pro payout still pending, whose id never
            // changes), not this one by content.
            let other_record = p
                .transaction()
                .meta_value(&output.id_key)
                .is_some_and(|v| ids[i].as_deref().is_some_and(|id| id != v.as_str()));
            if distance <= window && !used.contains(&p.index()) && !other_record {
                pairs.push((distance, i, p.index()));
                candidates.insert(p.index(), p);
            }
        }
    }
    // Ties: earlier imported entry first, then earlier ledger posting.
    pairs.sort_unstable();
    for (_, i, p) in pairs {
        if fates[i] == Fate::Keep && !used.contains(&p) {
            used.insert(p);
            lines.insert(p, LedgerLine::of(&candidates[&p]));
            fates[i] = Fate::Duplicate(MatchKind::Content, Some(p));
        }
    }

    // Stale pending: ledger pending entries nobody claimed, when the fetched
    // window covers every day they could have booked on (from the match
    // window before them to today). Otherwise nothing is known.
    if let Some(&(from, to)) = opts.fetched.get(&account) {
        for p in ledger.pending_postings(&account) {
            let date = p.transaction().date();
            let earliest = date
                .checked_sub_days(Days::new(u64::from(opts.window_days)))
                .unwrap_or(date);
            if from <= earliest && date <= to && !used.contains(&p.index()) {
                let t = p.transaction();
                result.stale_pending.push(StalePending {
                    account: account.clone(),
                    date,
                    amount: p.number().zip(p.currency().map(str::to_owned)),
                    description: t.payee().unwrap_or(t.narration()).to_owned(),
                    ledger: LedgerLine::of(&p),
                });
            }
        }
    }
    let last_imported = ledger.last_imported(&account);

    // Apply.
    let mut summary = AccountSummary {
        account: account.clone(),
        label: output.account.label().to_owned(),
        ..AccountSummary::default()
    };
    let AccountOutput {
        account: config,
        source,
        id_key,
        entries,
        problems,
        categorized,
        notes,
        aliases,
    } = output;
    let status_key = crate::statement::status_key(&id_key);
    let mut kept = Vec::with_capacity(entries.len());
    for ((entry, fate), id) in entries.into_iter().zip(fates).zip(ids) {
        match (entry, fate) {
            (Entry::Transaction(t), Fate::Duplicate(by, p)) => {
                match by {
                    MatchKind::Id => summary.dup_id += 1,
                    MatchKind::Content => summary.dup_content += 1,
                    MatchKind::Batch => summary.dup_batch += 1,
                }
                let duplicate = Duplicate {
                    account: account.clone(),
                    first_seen: last_imported.is_none_or(|l| t.date > l),
                    entry: t,
                    by,
                    ledger: p.and_then(|p| lines.get(&p).cloned()),
                    id,
                };
                if opts.mark_duplicates {
                    kept.push(Entry::Comment(marked(&duplicate)));
                }
                result.duplicates.push(duplicate);
            }
            (Entry::Balance(_), Fate::KnownBalance) => summary.balances_known += 1,
            (Entry::Transaction(t), _) => {
                summary.new += 1;
                if t.postings
                    .iter()
                    .any(|p| crate::convert::is_pending(p, &status_key))
                {
                    summary.pending += 1;
                }
                kept.push(Entry::Transaction(t));
            }
            (other, _) => kept.push(other),
        }
    }
    result.summaries.push(summary);
    result.outputs.push(AccountOutput {
        account: config,
        source,
        id_key,
        entries: kept,
        problems,
        categorized,
        notes,
        aliases,
    });
}

/// A duplicate as comment text, bean-extract style: the reason, then the
/// entry as it would have been written.
fn marked(d: &Duplicate) -> String {
    let mut text = match (&d.by, &d.ledger) {
        (_, Some(l)) => format!("duplicate of {l}"),
        (_, None) => "duplicate of an entry above (same bank id)".to_owned(),
    };
    for line in render_entry(&Entry::Transaction(d.entry.clone())).lines() {
        text.push('\n');
        text.push_str(line);
    }
    text
}

/// The dates to ask the bank for, for one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchWindow {
    /// The first day.
    pub from: NaiveDate,
    /// The last day (today).
    pub to: NaiveDate,
    /// The last imported date the window was derived from; `None` when the
    /// ledger has no history for the account (the `days` default applied).
    pub last_imported: Option<NaiveDate>,
}

/// The default window to fetch for `account`: from its last imported date
/// in the ledger minus the match window, so daily runs fetch little; with
/// no history, the account's `days` (else `opts.default_days`). Never more
/// than `max_days` back (what the institution allows), never after today.
pub fn fetch_window(
    account: &AccountConfig,
    ledger: Option<&Ledger>,
    today: NaiveDate,
    max_days: Option<u32>,
    opts: &DedupOptions,
) -> FetchWindow {
    let last_imported = ledger.and_then(|l| l.last_imported(&account.account));
    let days_back = |days: u32| {
        today
            .checked_sub_days(Days::new(u64::from(days)))
            .unwrap_or(today)
    };
    let mut from = match last_imported {
        Some(last) => last
            .checked_sub_days(Days::new(u64::from(opts.window_days)))
            .unwrap_or(last)
            .min(today),
        None => days_back(account.days.unwrap_or(opts.default_days)),
    };
    if let Some(max) = max_days {
        from = from.max(days_back(max));
    }
    FetchWindow {
        from,
        to: today,
        last_imported,
    }
}
