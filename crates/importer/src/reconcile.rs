//! `reconcile`: brings the pending entries the importer wrote into the
//! user's ledger in line with what the bank says now, in place.
//!
//! A pending entry is one whose bank posting carries the importer's status
//! `"pending"` ([`crate::statement::status_key`]). Against the account's
//! current data (converted as `import` converts it), each one is:
//!
//! - **still pending** (its id is among the pending transactions): left
//!   as it is, or given the bank's new amount and date when they changed;
//! - **booked**: its id is now booked, or a booked transaction under a new
//!   id matches it (same account, dates at most
//!   [`ReconcileOptions::window_days`] apart, the same amount, or one
//!   within [`ReconcileOptions::tolerance`] with the payee agreeing, as
//!   card pre-authorisations book), one to one and nearest first. The entry
//!   is rewritten: the booked date, amount and id, the flag the booked
//!   entry gets (`*` unless a rule flags it), the status removed. What the
//!   user changed (counter account, narration, tags, links, other
//!   postings, comments) is kept; a counter posting with an amount of its
//!   own follows the bank's amount when it mirrored it, otherwise the
//!   entry is refused ([`Refused`]) for the user to edit;
//! - **a duplicate**: the booked transaction is already in the ledger
//!   (appended by `import` before `reconcile` ran): the pending entry goes;
//! - **cancelled**: nothing matches and the fetched data covers every day
//!   it could have booked on: it goes (commented out by default, see
//!   [`CancelledMode`]);
//! - **unknown** otherwise ([`Unresolved`]): left as it is.
//!
//! Balance assertions of the ledger that counted a changed entry differently
//! are adjusted by the difference (a `pad` before them absorbs it), so the
//! ledger still passes `bean-check`.
//!
//! [`plan`] decides from the ledger's records; [`edit`] applies a plan to
//! one file's text and changes only the lines it must, byte for byte.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::beancount::format_number;
use crate::config::{CancelledMode, ReconcileConfig, Tolerance};
use crate::convert::AccountOutput;
use crate::dedup::LedgerLine;
use crate::entry::{Entry, MetaValue, TransactionEntry};
use crate::ledger::{Ledger, Location, Posting, Transaction};
use crate::statement::{PENDING, status_key};

/// How [`plan`] matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconcileOptions {
    /// How many days apart a pending entry and its booked transaction may
    /// be.
    pub window_days: u32,
    /// How far the booked amount may be from the pending one when the
    /// payee agrees.
    pub tolerance: Tolerance,
    /// The days the current data covers, per Beancount account, from the
    /// bank at the moment of the run. A pending entry nothing matches is
    /// taken as cancelled only when they cover every day it could have
    /// booked on; an account not listed has none taken as cancelled.
    pub covered: HashMap<String, (NaiveDate, NaiveDate)>,
}

impl ReconcileOptions {
    /// The options of the configuration's `reconcile:` section, nothing
    /// covered yet.
    pub fn from_config(config: &ReconcileConfig) -> ReconcileOptions {
        ReconcileOptions {
            window_days: config.window_days,
            tolerance: config.tolerance,
            covered: HashMap::new(),
        }
    }
}

/// What [`plan`] decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The pending entries to change, in ledger order.
    pub changes: Vec<Change>,
    /// The balance assertions to adjust.
    pub balances: Vec<BalanceChange>,
    /// Pending entries whose fate cannot be told from the data at hand.
    pub unresolved: Vec<Unresolved>,
    /// Pending entries reconcile does not edit, and why.
    pub refused: Vec<Refused>,
}

impl Plan {
    /// Whether nothing is to be written.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.balances.is_empty()
    }

    /// The files with something to change, in the order first met.
    pub fn files(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        let all = self
            .changes
            .iter()
            .map(|c| c.entry.path.as_path())
            .chain(self.balances.iter().map(|b| b.location.path.as_path()));
        for p in all {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// One pending entry changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The bank account's Beancount account.
    pub account: String,
    /// Where the entry starts.
    pub entry: LedgerLine,
    /// Its date, as it was.
    pub date: NaiveDate,
    /// Its amount on the account, as it was.
    pub amount: (Decimal, String),
    /// Its payee, else its narration.
    pub description: String,
    /// What happens to it.
    pub outcome: Outcome,
    rewrite: Option<Rewrite>,
}

/// What happens to a pending entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The bank booked it: rewritten as the booked transaction.
    Booked {
        /// The booking date.
        date: NaiveDate,
        /// The booked amount.
        amount: Decimal,
        /// The booked transaction's id.
        id: String,
    },
    /// Still pending, with another amount or date at the bank.
    Updated {
        /// The date now.
        date: NaiveDate,
        /// The amount now.
        amount: Decimal,
    },
    /// The bank no longer lists it and nothing booked matches it.
    Cancelled,
    /// It booked as a transaction the ledger already holds.
    Duplicate {
        /// Where the booked transaction is.
        of: LedgerLine,
    },
}

impl Outcome {
    /// Whether the entry leaves the ledger (commented out or removed).
    pub fn removes(&self) -> bool {
        matches!(self, Outcome::Cancelled | Outcome::Duplicate { .. })
    }
}

impl fmt::Display for Change {
    /// `main.beancount:12: Assets:Bank 2026-04-01 -23.50 EUR "Shell": booked
    /// on 2026-04-02 as -27.00 EUR (id b-1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} {} {} {:?}: ",
            self.entry,
            self.account,
            self.date,
            format_number(self.amount.0),
            self.amount.1,
            crate::render::sanitize(&self.description)
        )?;
        let currency = &self.amount.1;
        match &self.outcome {
            Outcome::Booked { date, amount, id } => write!(
                f,
                "booked on {date} as {} {currency} (id {id})",
                format_number(*amount)
            ),
            Outcome::Updated { date, amount } => write!(
                f,
                "still pending, now {date} {} {currency}",
                format_number(*amount)
            ),
            Outcome::Cancelled => f.write_str(
                "cancelled: the bank no longer lists it and no booked transaction matches it",
            ),
            Outcome::Duplicate { of } => write!(f, "booked as {of}, already in the ledger"),
        }
    }
}

/// A balance assertion adjusted because an entry before it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceChange {
    /// Where it is.
    pub location: LedgerLine,
    /// The account.
    pub account: String,
    /// Its date.
    pub date: NaiveDate,
    /// The figure written.
    pub old: Decimal,
    /// The figure it becomes.
    pub new: Decimal,
    /// The currency.
    pub currency: String,
}

impl fmt::Display for BalanceChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: balance {} {} {} {cur} becomes {} {cur}",
            self.location,
            self.date,
            self.account,
            format_number(self.old),
            format_number(self.new),
            cur = self.currency,
        )
    }
}

/// A pending entry left as it is because the data at hand cannot tell
/// whether it booked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The account.
    pub account: String,
    /// Where it is.
    pub entry: LedgerLine,
    /// Its date.
    pub date: NaiveDate,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} pending entry of {}: the bank no longer lists it, and the data at hand does \
             not reach back to every day it could have booked on; left as it is",
            self.entry, self.account, self.date
        )
    }
}

/// A pending entry reconcile does not edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Where it is.
    pub entry: LedgerLine,
    /// Why, and what the bank says, for the user to edit it.
    pub why: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: not reconciled: {}", self.entry, self.why)
    }
}

/// How an entry's text changes.
#[derive(Clone, Debug, PartialEq)]
struct Rewrite {
    date: Option<NaiveDate>,
    flag: Option<char>,
    /// `(key, old id, new id)`.
    id: Option<(String, String, String)>,
    /// The status key whose `"pending"` goes.
    remove_status: Option<String>,
    /// `(posting number in the entry, old number, new number)`.
    numbers: Vec<(usize, Decimal, Decimal)>,
    /// `(posting number, old total price, new total price)`.
    totals: Vec<(usize, Decimal, Decimal)>,
}

/// A posting's part in its account's balance before and after a change:
/// `(account, currency, before, after)` with `(date, amount)`.
type Contribution = (
    String,
    String,
    Option<(NaiveDate, Decimal)>,
    Option<(NaiveDate, Decimal)>,
);

/// The bank's current view of one entry: the entry, its id, whether it is
/// pending.
struct Current<'a> {
    entry: &'a TransactionEntry,
    id: String,
    pending: bool,
    units: (Decimal, &'a str),
}

/// Decides what happens to every pending entry of the accounts in
/// `current` (the bank's data now, converted as `import` converts it, one
/// output per account, transfers not joined).
pub fn plan(ledger: &Ledger, current: &[AccountOutput], opts: &ReconcileOptions) -> Plan {
    let mut plan = Plan::default();
    let mut contributions: Vec<Contribution> = Vec::new();
    for output in current {
        plan_account(ledger, output, opts, &mut plan, &mut contributions);
    }
    plan.changes
        .sort_by(|a, b| (&a.entry.path, a.entry.line).cmp(&(&b.entry.path, b.entry.line)));
    plan.balances = adjusted_balances(ledger, &contributions);
    plan
}

fn plan_account(
    ledger: &Ledger,
    output: &AccountOutput,
    opts: &ReconcileOptions,
    plan: &mut Plan,
    contributions: &mut Vec<Contribution>,
) {
    let account = output.account.account.as_str();
    let status = status_key(&output.id_key);
    let id_keys = ledger.id_keys();
    let current: Vec<Current<'_>> = output
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Transaction(t) => {
                let p = t.postings.iter().find(|p| p.account == account)?;
                let units = p.units.as_ref()?;
                let id = p.meta.iter().find_map(|(k, v)| {
                    (k == &output.id_key || id_keys.contains(k)).then(|| v.as_text())
                })?;
                let pending = p.meta.iter().any(|(k, v)| {
                    *k == status && matches!(v, MetaValue::String(s) if s == PENDING)
                });
                Some(Current {
                    entry: t,
                    id,
                    pending,
                    units: (units.number, units.currency.as_str()),
                })
            }
            _ => None,
        })
        .collect();
    let by_id: HashMap<&str, usize> = current
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();

    let pendings: Vec<Posting<'_>> = ledger.pending_postings(account).collect();
    // Booked transactions claimed by a pending entry.
    let mut claimed: HashSet<usize> = HashSet::new();
    let mut open: Vec<Posting<'_>> = Vec::new();
    // Pass 1: by id.
    for p in &pendings {
        let Some(i) = own_id(p).and_then(|id| by_id.get(id)).copied() else {
            open.push(*p);
            continue;
        };
        claimed.insert(i);
        let c = &current[i];
        let (number, _) = match amount_of(p) {
            Some(a) => a,
            None => continue,
        };
        let t = p.transaction();
        if c.pending && c.units.0 == number && c.entry.date == t.date() {
            continue;
        }
        let outcome = if c.pending {
            Outcome::Updated {
                date: c.entry.date,
                amount: c.units.0,
            }
        } else {
            Outcome::Booked {
                date: c.entry.date,
                amount: c.units.0,
                id: c.id.clone(),
            }
        };
        rewrite(ledger, p, c, outcome, &output.id_key, plan, contributions);
    }

    // Pass 2: booked under a new id, one to one, nearest first.
    let window = i64::from(opts.window_days);
    let mut pairs: Vec<(bool, i64, Decimal, usize, usize)> = Vec::new();
    for (k, p) in open.iter().enumerate() {
        let Some((number, currency)) = amount_of(p) else {
            continue;
        };
        let t = p.transaction();
        for (i, c) in current.iter().enumerate() {
            if c.pending || claimed.contains(&i) || c.units.1 != currency {
                continue;
            }
            let distance = (c.entry.date - t.date()).num_days().abs();
            if distance > window {
                continue;
            }
            let in_ledger = ledger.postings_with_id(account, &c.id).next().is_some();
            let equal = c.units.0 == number;
            let agrees = payees_agree(&t, c.entry);
            // An equal amount already in the ledger is a transaction of its
            // own: had it been this one, `import` would have matched it.
            let fits = if equal {
                !in_ledger && agrees != Some(false)
            } else {
                agrees == Some(true) && opts.tolerance.allows(number, c.units.0)
            };
            if fits {
                pairs.push((!equal, distance, (c.units.0 - number).abs(), k, i));
            }
        }
    }
    pairs.sort();
    let mut resolved: HashSet<usize> = HashSet::new();
    for (_, _, _, k, i) in pairs {
        if resolved.contains(&k) || claimed.contains(&i) {
            continue;
        }
        resolved.insert(k);
        claimed.insert(i);
        let c = &current[i];
        let p = &open[k];
        match ledger.postings_with_id(account, &c.id).next() {
            Some(there) => remove(
                p,
                Outcome::Duplicate {
                    of: line_of(&there),
                },
                plan,
                contributions,
            ),
            None => {
                let outcome = Outcome::Booked {
                    date: c.entry.date,
                    amount: c.units.0,
                    id: c.id.clone(),
                };
                rewrite(ledger, p, c, outcome, &output.id_key, plan, contributions);
            }
        }
    }

    // Pass 3: nothing matched.
    for (k, p) in open.iter().enumerate() {
        if resolved.contains(&k) {
            continue;
        }
        let date = p.transaction().date();
        let earliest = date
            .checked_sub_days(chrono::Days::new(u64::from(opts.window_days)))
            .unwrap_or(date);
        let covered = opts
            .covered
            .get(account)
            .is_some_and(|&(from, to)| from <= earliest && date <= to);
        if covered {
            remove(p, Outcome::Cancelled, plan, contributions);
        } else {
            plan.unresolved.push(Unresolved {
                account: account.to_owned(),
                entry: line_of(p),
                date,
            });
        }
    }
}

/// The id on the posting itself, else on its transaction.
fn own_id<'a>(p: &Posting<'a>) -> Option<&'a str> {
    p.ids().next()
}

fn amount_of<'a>(p: &Posting<'a>) -> Option<(Decimal, &'a str)> {
    Some((p.number()?, p.currency()?))
}

fn line_of(p: &Posting<'_>) -> LedgerLine {
    location_line(p.transaction().location())
}

fn location_line(l: Location<'_>) -> LedgerLine {
    LedgerLine {
        path: l.path.to_path_buf(),
        line: l.line,
    }
}

/// Whether the payees (else narrations) of a ledger entry and a bank entry
/// agree: `None` when one has no text to compare.
fn payees_agree(t: &Transaction<'_>, e: &TransactionEntry) -> Option<bool> {
    let ours = t.payee().unwrap_or(t.narration());
    let theirs = e.payee.as_deref().unwrap_or(&e.narration);
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(ours), words(theirs));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let joined = |v: &[String]| v.concat();
    let (ja, jb) = (joined(&a), joined(&b));
    Some(ja.contains(&jb) || jb.contains(&ja) || a.iter().any(|w| b.contains(w)))
}

fn describe(t: &Transaction<'_>) -> String {
    t.payee().unwrap_or(t.narration()).to_owned()
}

/// The change and contributions of an entry that leaves the ledger.
fn remove(
    p: &Posting<'_>,
    outcome: Outcome,
    plan: &mut Plan,
    contributions: &mut Vec<Contribution>,
) {
    let t = p.transaction();
    let Some((number, currency)) = amount_of(p) else {
        return;
    };
    if let Some(why) = several_bank_postings(&t) {
        plan.refused.push(Refused {
            entry: line_of(p),
            why,
        });
        return;
    }
    for (account, currency, amount) in amounts(&t) {
        contributions.push((account, currency, Some((t.date(), amount)), None));
    }
    plan.changes.push(Change {
        account: p.account().to_owned(),
        entry: line_of(p),
        date: t.date(),
        amount: (number, currency.to_owned()),
        description: describe(&t),
        outcome,
        rewrite: None,
    });
}

/// Why an entry with more than one imported posting is not edited: the
/// two sides of a transfer joined in one entry change together or not at
/// all, which a user must decide.
fn several_bank_postings(t: &Transaction<'_>) -> Option<String> {
    let imported = t.postings().filter(|p| p.has_own_id()).count();
    (imported > 1).then(|| {
        "it holds the postings of several bank accounts (a transfer between them): \
         edit it by hand"
            .to_owned()
    })
}

/// Every posting's amount in the transaction: written, or for the one left
/// out, what Beancount fills in (when the others share one currency).
fn amounts(t: &Transaction<'_>) -> Vec<(String, String, Decimal)> {
    let postings: Vec<Posting<'_>> = t.postings().collect();
    let written: Vec<(String, String, Decimal)> = postings
        .iter()
        .filter_map(|p| {
            Some((
                p.account().to_owned(),
                p.currency()?.to_owned(),
                p.number()?,
            ))
        })
        .collect();
    let mut out = written.clone();
    let currencies: HashSet<&str> = written.iter().map(|(_, c, _)| c.as_str()).collect();
    if let ([only], [elided]) = (
        currencies.iter().copied().collect::<Vec<_>>().as_slice(),
        postings
            .iter()
            .filter(|p| p.number().is_none())
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        let sum: Decimal = written.iter().map(|(_, _, n)| *n).sum();
        out.push((elided.account().to_owned(), (*only).to_owned(), -sum));
    }
    out
}

/// Plans the rewrite of pending entry `p` as `c` says.
fn rewrite(
    ledger: &Ledger,
    p: &Posting<'_>,
    c: &Current<'_>,
    outcome: Outcome,
    id_key: &str,
    plan: &mut Plan,
    contributions: &mut Vec<Contribution>,
) {
    let t = p.transaction();
    let Some((old, currency)) = amount_of(p) else {
        return;
    };
    let refuse = |plan: &mut Plan, why: String| {
        plan.refused.push(Refused {
            entry: line_of(p),
            why,
        })
    };
    if let Some(why) = several_bank_postings(&t) {
        return refuse(plan, why);
    }
    let new = c.units.0;
    let booked = matches!(outcome, Outcome::Booked { .. });
    let bank_says = format!(
        "the bank {} it on {} as {} {currency}",
        if booked { "booked" } else { "lists" },
        c.entry.date,
        format_number(new)
    );
    let postings: Vec<Posting<'_>> = t.postings().collect();
    let index = postings
        .iter()
        .position(|q| q.index() == p.index())
        .expect("a posting of its transaction");
    let mut numbers = Vec::new();
    let mut totals = Vec::new();
    if old != new {
        numbers.push((index, old, new));
        let others: Vec<(usize, &Posting<'_>)> = postings
            .iter()
            .enumerate()
            .filter(|(i, q)| *i != index && q.number().is_some())
            .collect();
        match others.as_slice() {
            [] => {}
            [(i, q)] if q.currency() == Some(currency) && q.number() == Some(-old) => {
                numbers.push((*i, -old, -new));
            }
            // Another currency: a conversion priced at the total that left
            // the account (`10.00 USD @@ 9.21 EUR`); the bank's entry gives
            // the units now.
            [(i, q)] if q.currency() != Some(currency) => {
                totals.push((*i, old.abs(), new.abs()));
                let units = c
                    .entry
                    .postings
                    .iter()
                    .skip(1)
                    .find_map(|x| x.units.as_ref())
                    .filter(|u| Some(u.currency.as_str()) == q.currency());
                if let (Some(u), Some(n)) = (units, q.number())
                    && u.number != n
                {
                    numbers.push((*i, n, u.number));
                }
            }
            _ => {
                return refuse(
                    plan,
                    format!(
                        "its other postings have amounts of their own, which cannot follow the \
                         bank's new amount; {bank_says}: edit it by hand"
                    ),
                );
            }
        }
    }
    let was = t.date();
    let date = (c.entry.date != was).then_some(c.entry.date);
    // The booked entry's flag (a rule may flag it for review), unless the
    // user set a flag of their own.
    let flag = (booked && t.flag() == '!' && c.entry.flag != '!').then_some(c.entry.flag);
    let own_id = own_id(p).unwrap_or_default();
    // The key the id is written under: on the posting, else on the
    // transaction (as the Python importer wrote `nordref`).
    let is_id = |k: &str| ledger.id_keys().iter().any(|i| i == k);
    let key = p
        .meta()
        .find(|(k, _)| is_id(k))
        .or_else(|| t.meta().find(|(k, _)| is_id(k)))
        .map_or_else(|| id_key.to_owned(), |(k, _)| k.to_owned());
    let id = (booked && own_id != c.id).then(|| (key.clone(), own_id.to_owned(), c.id.clone()));
    let remove_status = booked.then(|| status_key(&key));

    // What each posting counts before and after.
    let before = amounts(&t);
    let mut after = before.clone();
    for (i, old_n, new_n) in &numbers {
        let account = postings[*i].account();
        if let Some(a) = after.iter_mut().find(|(acc, cur, n)| {
            acc == account && Some(cur.as_str()) == postings[*i].currency() && n == old_n
        }) {
            a.2 = *new_n;
        }
    }
    // The amount Beancount fills in follows the others.
    if postings.iter().any(|q| q.number().is_none()) && !numbers.is_empty() {
        let n_written = postings.iter().filter(|q| q.number().is_some()).count();
        if after.len() > n_written {
            let sum: Decimal = after[..n_written].iter().map(|(_, _, n)| *n).sum();
            after[n_written].2 = -sum;
        }
    }
    let new_date = c.entry.date;
    for ((account, cur, b), (_, _, a)) in before.into_iter().zip(after) {
        contributions.push((account, cur, Some((was, b)), Some((new_date, a))));
    }
    plan.changes.push(Change {
        account: p.account().to_owned(),
        entry: line_of(p),
        date: was,
        amount: (old, currency.to_owned()),
        description: describe(&t),
        outcome,
        rewrite: Some(Rewrite {
            date,
            flag,
            id,
            remove_status,
            numbers,
            totals,
        }),
    });
}

/// The balance assertions whose figure changes with `contributions`.
fn adjusted_balances(ledger: &Ledger, contributions: &[Contribution]) -> Vec<BalanceChange> {
    let mut out = Vec::new();
    let pads: Vec<_> = ledger.pads().collect();
    let balances: Vec<_> = ledger.balances().collect();
    for b in &balances {
        // A pad before the assertion fills the account up to the first
        // assertion after it: what changed before that one is absorbed.
        let cutoff = pads
            .iter()
            .filter(|p| p.account == b.account && p.date < b.date)
            .map(|p| p.date)
            .max()
            .and_then(|pad| {
                balances
                    .iter()
                    .filter(|x| x.account == b.account && x.date > pad)
                    .map(|x| x.date)
                    .min()
            });
        if cutoff == Some(b.date) {
            continue;
        }
        let counts = |at: Option<(NaiveDate, Decimal)>| match at {
            Some((d, n)) if d < b.date && cutoff.is_none_or(|c| d >= c) => n,
            _ => Decimal::ZERO,
        };
        let delta: Decimal = contributions
            .iter()
            .filter(|(a, c, _, _)| a == b.account && c == b.currency)
            .map(|(_, _, before, after)| counts(*after) - counts(*before))
            .sum();
        if !delta.is_zero() {
            out.push(BalanceChange {
                location: location_line(b.location),
                account: b.account.to_owned(),
                date: b.date,
                old: b.number,
                new: b.number + delta,
                currency: b.currency.to_owned(),
            });
        }
    }
    out
}

/// Why a file's text does not match the ledger that was read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// A line is not what the ledger said was there: the file changed
    /// since it was read, or the entry is written in a way reconcile does
    /// not edit.
    #[error(
        "{}:{line}: {what} not found where the ledger has it; the file changed since it was \
         read, or the entry is written in a way reconcile does not edit: nothing was written, \
         run reconcile again or edit the entry by hand",
        path.display()
    )]
    Unexpected {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u32,
        /// What was looked for.
        what: String,
    },
}

/// The text of the file at `path` with `plan`'s changes made: entries
/// rewritten or (per `cancelled`) commented out or removed, balance
/// figures adjusted. Every other byte is kept.
///
/// # Errors
/// When a line to change is not what the ledger read there.
pub fn edit(
    text: &str,
    path: &Path,
    plan: &Plan,
    cancelled: CancelledMode,
    today: NaiveDate,
) -> Result<String, ReconcileError> {
    // Lines with their endings, so untouched ones are copied exactly.
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    // What replaces a range of lines, by the range's first line.
    let mut replaced: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let unexpected = |line: usize, what: &str| ReconcileError::Unexpected {
        path: path.to_path_buf(),
        line: line as u32 + 1,
        what: what.to_owned(),
    };
    for b in plan.balances.iter().filter(|b| b.location.path == path) {
        let i = b.location.line as usize - 1;
        let line = lines.get(i).ok_or_else(|| unexpected(i, "the balance"))?;
        let new = balance_line(line, &b.account, b.old, b.new)
            .ok_or_else(|| unexpected(i, &format!("balance {} {}", b.account, b.old)))?;
        lines[i] = new;
    }
    for c in plan.changes.iter().filter(|c| c.entry.path == path) {
        let start = c.entry.line as usize - 1;
        let end = entry_end(&lines, start)
            .ok_or_else(|| unexpected(start, &format!("the entry of {}", c.date)))?;
        match &c.rewrite {
            Some(r) => {
                let new = rewrite_lines(&lines[start..end], c, r)
                    .map_err(|what| unexpected(start, &what))?;
                replaced.push((start, end, new));
            }
            None => {
                let new = match cancelled {
                    CancelledMode::Comment => {
                        let mut v = vec![format!(
                            "; gc-beancount reconcile {today}: {}\n",
                            match &c.outcome {
                                Outcome::Duplicate { of } =>
                                    format!("booked as {of}, already in the ledger"),
                                _ => "cancelled: the bank no longer lists this pending \
                                      transaction and no booked transaction matches it"
                                    .to_owned(),
                            }
                        )];
                        for l in &lines[start..end] {
                            v.push(format!("; {l}"));
                        }
                        v
                    }
                    CancelledMode::Remove => Vec::new(),
                };
                // Removed: take one blank line with it, so no gap of two
                // (or a blank line at the end) is left.
                let (mut start, mut end) = (start, end);
                let blank = |l: &String| l.trim().is_empty();
                let blank_before = start == 0 || lines.get(start - 1).is_some_and(blank);
                if new.is_empty() && blank_before {
                    if lines.get(end).is_some_and(blank) {
                        end += 1;
                    } else if end == lines.len() && start > 0 {
                        start -= 1;
                    }
                }
                replaced.push((start, end, new));
            }
        }
    }
    replaced.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
    for (start, end, new) in replaced {
        lines.splice(start..end, new);
    }
    Ok(lines.concat())
}

/// The end (exclusive) of the entry starting at `start`: its indented
/// lines, and comment lines between them. `None` when `start` is not a
/// dated line.
fn entry_end(lines: &[String], start: usize) -> Option<usize> {
    let first = lines.get(start)?;
    if !first.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut end = start + 1;
    let mut i = start + 1;
    while let Some(l) = lines.get(i) {
        let body = l.trim_end_matches(['\n', '\r']);
        match body.as_bytes().first() {
            Some(b' ' | b'\t') if !body.trim().is_empty() => end = i + 1,
            Some(b' ' | b'\t' | b';') => {}
            _ => break,
        }
        i += 1;
    }
    Some(end)
}

/// The entry's lines rewritten, or what was not found.
fn rewrite_lines(lines: &[String], c: &Change, r: &Rewrite) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = lines.to_vec();
    if out
        .iter()
        .any(|l| l.matches('"').count() % 2 == 1 && !l.contains("\\\""))
    {
        return Err("an entry without strings across lines".to_owned());
    }
    // The header: date and flag.
    let header = &mut out[0];
    let date = c.date.to_string();
    if !header.starts_with(&date) {
        return Err(format!("the entry dated {date}"));
    }
    if let Some(d) = r.date {
        header.replace_range(..10, &d.to_string());
    }
    if let Some(flag) = r.flag {
        let rest = &header[10..];
        let at = 10 + rest.len() - rest.trim_start().len();
        if header[at..].starts_with('!') {
            header.replace_range(at..at + 1, &flag.to_string());
        }
    }
    // The postings, in order.
    let posting_lines: Vec<usize> = (1..out.len()).filter(|&i| is_posting(&out[i])).collect();
    for &(n, old, new) in &r.numbers {
        let i = *posting_lines
            .get(n)
            .ok_or_else(|| format!("posting {} of the entry", n + 1))?;
        out[i] = with_number(&out[i], old, new)
            .ok_or_else(|| format!("the amount {} of posting {}", format_number(old), n + 1))?;
    }
    for &(n, old, new) in &r.totals {
        let i = *posting_lines
            .get(n)
            .ok_or_else(|| format!("posting {} of the entry", n + 1))?;
        out[i] = with_total(&out[i], old, new).ok_or_else(|| {
            format!(
                "the total price {} of posting {}",
                format_number(old),
                n + 1
            )
        })?;
    }
    if let Some((key, old, new)) = &r.id {
        let want = format!("{key}: \"{}\"", crate::render::escape_string(old));
        let i = (1..out.len())
            .find(|&i| out[i].trim_start().starts_with(&want))
            .ok_or_else(|| format!("{key}: \"{old}\""))?;
        let at = out[i].find(&want).expect("found above");
        out[i].replace_range(
            at..at + want.len(),
            &format!("{key}: \"{}\"", crate::render::escape_string(new)),
        );
    }
    if let Some(key) = &r.remove_status {
        let want = format!("{key}: \"{PENDING}\"");
        if let Some(i) = (1..out.len()).find(|&i| out[i].trim_start().starts_with(&want)) {
            out.remove(i);
        }
    }
    Ok(out)
}

/// Whether an entry's line is a posting: an account, after an optional
/// flag.
fn is_posting(line: &str) -> bool {
    let body = line.trim_start();
    if !line.starts_with([' ', '\t']) || body.starts_with(';') {
        return false;
    }
    let body = match body.as_bytes() {
        [f, b' ' | b'\t', ..] if !f.is_ascii_alphanumeric() => body[1..].trim_start(),
        _ => body,
    };
    body.chars().next().is_some_and(|c| c.is_uppercase()) && {
        let word = body.split_whitespace().next().unwrap_or_default();
        word.contains(':') && !word.ends_with(':')
    }
}

/// Where the number after the account (or after `@@`) starts and ends in
/// `line`, from byte `from`: `(start of the spaces before, start, end)`.
fn number_at(line: &str, from: usize) -> Option<(usize, usize, usize, Decimal)> {
    let bytes = line.as_bytes();
    let gap = from;
    let mut start = from;
    while bytes.get(start).is_some_and(|b| *b == b' ' || *b == b'\t') {
        start += 1;
    }
    let (value, used) = crate::ledger::parse_literal(&bytes[start..])?;
    Some((gap, start, start + used, value))
}

/// The posting line with its number `old` replaced by `new`, keeping the
/// currency where it was when the new number fits.
fn with_number(line: &str, old: Decimal, new: Decimal) -> Option<String> {
    let body_start = line.len() - line.trim_start().len();
    let mut i = body_start;
    let bytes = line.as_bytes();
    // A flag, then the account.
    if bytes.get(i + 1).is_some_and(|b| *b == b' ' || *b == b'\t')
        && !bytes[i].is_ascii_alphanumeric()
    {
        i += 1;
        while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
    }
    while bytes.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
        i += 1;
    }
    let (gap, start, end, value) = number_at(line, i)?;
    if value != old {
        return None;
    }
    Some(replace_number(line, gap, start, end, new))
}

/// The line with the total price after `@@` replaced.
fn with_total(line: &str, old: Decimal, new: Decimal) -> Option<String> {
    let at = line.find("@@")? + 2;
    let (gap, start, end, value) = number_at(line, at)?;
    if value != old {
        return None;
    }
    Some(replace_number(line, gap, start, end, new))
}

/// `line` with `line[start..end]` (after the spaces from `gap`) replaced by
/// `new`, right-aligned in the same width when it fits.
fn replace_number(line: &str, gap: usize, start: usize, end: usize, new: Decimal) -> String {
    let text = format_number(new);
    let width = end - gap;
    let spaces = start - gap;
    let room = if spaces >= 2 {
        width.saturating_sub(2)
    } else {
        width.saturating_sub(spaces)
    };
    let field = if text.len() <= room {
        format!("{text:>width$}", width = width)
    } else {
        format!("{}{text}", " ".repeat(spaces.clamp(1, 2)))
    };
    format!("{}{field}{}", &line[..gap], &line[end..])
}

/// The balance line with its figure `old` of `account` replaced by `new`.
fn balance_line(line: &str, account: &str, old: Decimal, new: Decimal) -> Option<String> {
    let rest = line.get(10..)?;
    let after_keyword = rest.trim_start().strip_prefix("balance")?;
    let offset = line.len() - after_keyword.len();
    let acc = after_keyword.trim_start();
    if !acc.starts_with(account) {
        return None;
    }
    let acc_end = offset + (after_keyword.len() - acc.len()) + account.len();
    let (gap, start, end, value) = number_at(line, acc_end)?;
    if value != old {
        return None;
    }
    Some(replace_number(line, gap, start, end, new))
}
