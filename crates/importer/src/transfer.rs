//! Transfers between the user's own accounts.
//!
//! The IBANs of the configured accounts are known (from the account
//! details GoCardless gives). A transaction whose counterparty IBAN is
//! another configured account posts against that account ([`OwnAccounts`]).
//! When both sides of such a transfer are imported in one run, [`merge`]
//! makes them one entry with two postings, each carrying its own
//! `gocardless_id`, so the money is counted once. Across runs the second
//! side is found by the deduplication against the ledger (by id, or by
//! content against the counter posting written the first time).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::convert::AccountOutput;
use crate::entry::{Entry, TransactionEntry};
use crate::rules::{By, normalize_iban};

/// The user's own accounts by IBAN.
///
/// ```
/// use importer::transfer::OwnAccounts;
/// let own: OwnAccounts = [("DE89 3704 0044 0532 0130 00", "Assets:Bank:Checking"),
///                         ("DE02120300000000202051", "Assets:Bank:Savings")].into_iter().collect();
/// assert_eq!(own.counter("Assets:Bank:Checking", Some("de02 1203 0000 0000 2020 51")),
///            Some("Assets:Bank:Savings"));
/// // A transaction never transfers to its own account.
/// assert_eq!(own.counter("Assets:Bank:Savings", Some("DE02120300000000202051")), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnAccounts {
    by_iban: BTreeMap<String, String>,
    accounts: BTreeSet<String>,
}

impl OwnAccounts {
    /// No accounts.
    pub fn new() -> OwnAccounts {
        OwnAccounts::default()
    }

    /// Records that `iban` is the bank account booked to the Beancount
    /// `account`. Returns the account it was recorded for before, if any.
    pub fn insert(&mut self, iban: &str, account: &str) -> Option<String> {
        self.accounts.insert(account.to_owned());
        let iban = normalize_iban(iban);
        if iban.is_empty() {
            return None;
        }
        self.by_iban.insert(iban, account.to_owned())
    }

    /// Records `account` as the user's, its IBAN unknown: a transfer to it
    /// is then only recognised by a rule, but still written out in full.
    pub fn add_account(&mut self, account: &str) {
        self.accounts.insert(account.to_owned());
    }

    /// Adds everything `other` knows.
    pub fn extend(&mut self, other: OwnAccounts) {
        self.by_iban.extend(other.by_iban);
        self.accounts.extend(other.accounts);
    }

    /// The Beancount account of `iban`, when it is one of the user's.
    pub fn account(&self, iban: &str) -> Option<&str> {
        self.by_iban.get(&normalize_iban(iban)).map(String::as_str)
    }

    /// The counter account of a transaction on `account` whose counterparty
    /// has `iban`: another of the user's accounts, else `None`.
    pub fn counter(&self, account: &str, iban: Option<&str>) -> Option<&str> {
        self.account(iban?).filter(|other| *other != account)
    }

    /// Whether `account` is one of the user's (a Beancount account).
    pub fn is_own(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }

    /// How many IBANs are known.
    pub fn len(&self) -> usize {
        self.by_iban.len()
    }

    /// Whether no IBAN is known.
    pub fn is_empty(&self) -> bool {
        self.by_iban.is_empty()
    }
}

impl<I: AsRef<str>, A: AsRef<str>> FromIterator<(I, A)> for OwnAccounts {
    fn from_iter<T: IntoIterator<Item = (I, A)>>(iter: T) -> Self {
        let mut own = OwnAccounts::new();
        for (iban, account) in iter {
            own.insert(iban.as_ref(), account.as_ref());
        }
        own
    }
}

/// Two sides of a transfer joined into one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The entry's date (the side where the transfer was recognised).
    pub date: NaiveDate,
    /// The account the entry was kept under, and that side's id.
    pub from: (String, String),
    /// The other account, and the id of its side (now a posting of the
    /// kept entry).
    pub to: (String, String),
}

/// How many days apart the two banks may book the two sides of a transfer.
pub const MERGE_WINDOW_DAYS: i64 = 4;

/// Joins the two sides of transfers between the converted accounts.
///
/// An entry on account X whose counter posting is another converted
/// account Y is paired with an entry of Y's output for the opposite amount
/// (the counter posting's amount, for a conversion) within
/// [`MERGE_WINDOW_DAYS`], nearest date first, whose own counter posting is
/// X or was not set by a rule. The pair becomes one entry under X, dated as
/// X's side, with X's posting and Y's posting, each with its
/// id; Y's entry is removed. When the banks booked the sides
/// on different days, Y's balance assertions between the two dates would
/// not hold and are replaced by a comment saying why.
pub fn merge(outputs: &mut [AccountOutput]) -> Vec<Merged> {
    let mut pairs: Vec<((usize, usize), (usize, usize))> = Vec::new();
    let mut taken: Vec<Vec<bool>> = outputs
        .iter()
        .map(|o| vec![false; o.entries.len()])
        .collect();
    for i in 0..outputs.len() {
        for a in 0..outputs[i].entries.len() {
            if taken[i][a] {
                continue;
            }
            let Entry::Transaction(ta) = &outputs[i].entries[a] else {
                continue;
            };
            let Some(want) = other_side(ta) else {
                continue;
            };
            let Some(j) = outputs
                .iter()
                .position(|o| o.account.account == want.account)
                .filter(|&j| j != i)
            else {
                continue;
            };
            let x = outputs[i].account.account.as_str();
            let best = outputs[j]
                .entries
                .iter()
                .enumerate()
                .filter(|(b, _)| !taken[j][*b])
                .filter_map(|(b, e)| match e {
                    Entry::Transaction(tb) => Some((b, tb)),
                    _ => None,
                })
                .filter(|(_, tb)| {
                    own_amount(tb) == Some((want.number, want.currency))
                        && (tb.date - ta.date).num_days().abs() <= MERGE_WINDOW_DAYS
                        && counter_may_be(tb, x, by_rule(&outputs[j], tb, &outputs[j].id_key))
                })
                .min_by_key(|(b, tb)| ((tb.date - ta.date).num_days().abs(), *b))
                .map(|(b, _)| b);
            if let Some(b) = best {
                taken[i][a] = true;
                taken[j][b] = true;
                pairs.push(((i, a), (j, b)));
            }
        }
    }

    let mut merged = Vec::new();
    let mut remove: Vec<(usize, usize)> = Vec::new();
    for &((i, a), (j, b)) in &pairs {
        let (key_a, key_b) = (outputs[i].id_key.clone(), outputs[j].id_key.clone());
        let Entry::Transaction(tb) = outputs[j].entries[b].clone() else {
            unreachable!("paired entries are transactions");
        };
        let Entry::Transaction(ta) = &mut outputs[i].entries[a] else {
            unreachable!("paired entries are transactions");
        };
        let (lo, hi) = (ta.date.min(tb.date), ta.date.max(tb.date));
        merged.push(Merged {
            date: ta.date,
            from: (
                ta.postings[0].account.clone(),
                posting_id(ta, &key_a).unwrap_or_default(),
            ),
            to: (
                tb.postings[0].account.clone(),
                posting_id(&tb, &key_b).unwrap_or_default(),
            ),
        });
        join(ta, tb);
        remove.push((j, b));
        if lo != hi {
            let written = merged.last().expect("just pushed").date;
            for e in &mut outputs[j].entries {
                if let Entry::Balance(bal) = e
                    && lo < bal.date
                    && bal.date <= hi
                {
                    *e = Entry::Comment(format!(
                        "balance {} {} {} {} left out: a transfer the banks booked on {lo} and {hi} \
                         is written once, on {written}, so ledger and bank differ in between",
                        bal.date,
                        bal.account,
                        crate::beancount::format_number(bal.amount.number),
                        bal.amount.currency,
                    ));
                }
            }
        }
    }
    remove.sort_unstable();
    for (j, b) in remove.into_iter().rev() {
        outputs[j].entries.remove(b);
    }
    merged
}

/// What the other side of a transfer must look like: its account and the
/// amount it should show.
struct Want<'a> {
    account: &'a str,
    number: rust_decimal::Decimal,
    currency: &'a str,
}

fn other_side(t: &TransactionEntry) -> Option<Want<'_>> {
    let [own, counter] = t.postings.as_slice() else {
        return None;
    };
    let units = own.units.as_ref()?;
    let (number, currency) = match &counter.units {
        Some(u) => (u.number, u.currency.as_str()),
        None => (-units.number, units.currency.as_str()),
    };
    Some(Want {
        account: &counter.account,
        number,
        currency,
    })
}

fn own_amount(t: &TransactionEntry) -> Option<(rust_decimal::Decimal, &str)> {
    let u = t.postings.first()?.units.as_ref()?;
    Some((u.number, u.currency.as_str()))
}

/// Whether the other side's counter posting may be replaced: it already
/// is `x`, or there is none, or no rule chose it.
fn counter_may_be(t: &TransactionEntry, x: &str, by_rule: bool) -> bool {
    match t.postings.get(1) {
        None => true,
        Some(p) => p.account == x || !by_rule,
    }
}

fn by_rule(out: &AccountOutput, t: &TransactionEntry, id_key: &str) -> bool {
    let Some(id) = posting_id(t, id_key) else {
        return false;
    };
    out.categorized
        .iter()
        .find(|c| c.id == id)
        .is_some_and(|c| c.decision.by == By::Rule)
}

fn posting_id(t: &TransactionEntry, id_key: &str) -> Option<String> {
    t.postings
        .first()?
        .meta
        .iter()
        .find(|(k, _)| k == id_key)
        .map(|(_, v)| v.as_text())
}

/// Puts `b`'s side into `a`: `a`'s counter posting becomes `b`'s own
/// posting (keeping `a`'s price, for a conversion).
fn join(a: &mut TransactionEntry, b: TransactionEntry) {
    let mut b_postings = b.postings.into_iter();
    let mut theirs = b_postings.next().expect("an own posting");
    let counter = a.postings.pop().expect("a counter posting");
    theirs.price = counter.price;
    theirs.flag = None;
    a.postings.push(theirs);
    if a.flag != '!' && b.flag == '!' {
        a.flag = '!';
    }
    if a.payee.is_none() {
        a.payee = b.payee;
    }
    if a.narration.is_empty() {
        a.narration = b.narration;
    }
    for t in b.tags {
        if !a.tags.contains(&t) {
            a.tags.push(t);
        }
    }
    for l in b.links {
        if !a.links.contains(&l) {
            a.links.push(l);
        }
    }
    for (k, v) in b.meta {
        if !a.meta.iter().any(|(have, _)| *have == k) {
            a.meta.push((k, v));
        }
    }
}
