//! Makes a run's output a complete ledger on its own, or a complete
//! addition to the ledger it is appended to: `open` directives for every
//! account it uses that is not opened yet, an exact opening balance for each
//! bank account whose history starts here, and only balance assertions that
//! hold.
//!
//! Every balance assertion is checked against what the ledger will hold
//! once the output is appended: the ledger's own balance of the account on
//! that day (from its latest balance assertion before it, or its first
//! entry) plus the output's entries before that day. Where they agree the
//! assertion is kept. Where they disagree and the ledger holds nothing yet
//! for the account, the difference is what the account held before its
//! first imported entry: one opening transaction, dated the day before,
//! against the opening-balances account ([`OpeningConfig`]), with metadata
//! saying how it was computed (or a `pad`, with `opening: pad`). Where they
//! agree without one, nothing is written. Anywhere else the assertion is
//! left out and [`LeftOut`] says why: an assertion that does not hold would
//! make the whole ledger fail `bean-check`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{Days, NaiveDate};
use foldhash::HashMap as FoldMap;
use rust_decimal::Decimal;

use crate::beancount::format_number;
use crate::config::{OpeningConfig, OpeningMode};
use crate::convert::AccountOutput;
use crate::entry::{
    Amount, BalanceEntry, Entry, MetaValue, OpenEntry, PadEntry, Posting, TransactionEntry,
};
use crate::ledger::Ledger;

/// A balance assertion the run left out because it would not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeftOut {
    /// The ledger and its new entries add up to another figure than the
    /// bank's: something is missing or counted twice (a pending entry that
    /// booked differently, an entry edited by hand).
    Disagrees {
        /// The account.
        account: String,
        /// The day the assertion was for.
        date: NaiveDate,
        /// What the ledger will hold at the start of that day.
        ledger: Decimal,
        /// What the bank says.
        bank: Decimal,
        /// The currency.
        currency: String,
    },
    /// The ledger's balance cannot be computed (an amount left for
    /// Beancount to fill in, a `pad` from the account).
    Unknown {
        /// The account.
        account: String,
        /// The day the assertion was for.
        date: NaiveDate,
        /// Why, with the ledger's file and line.
        why: String,
    },
    /// The ledger already asserts the account's balance on a later day.
    Superseded {
        /// The account.
        account: String,
        /// The day the assertion was for.
        date: NaiveDate,
        /// The day of the ledger's later assertion.
        later: NaiveDate,
    },
}

impl LeftOut {
    /// Whether the user should act (the ledger disagrees with the bank),
    /// rather than only be told at `-v`.
    pub fn needs_attention(&self) -> bool {
        matches!(self, LeftOut::Disagrees { .. })
    }
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftOut::Disagrees {
                account,
                date,
                ledger,
                bank,
                currency,
            } => write!(
                f,
                "{account}: no balance assertion on {date}: the ledger would hold {} {currency} \
                 but the bank says {} {currency} (a difference of {} {currency}); if pending \
                 entries booked differently, `gc-beancount reconcile` brings them in line",
                format_number(*ledger),
                format_number(*bank),
                format_number(*bank - *ledger),
            ),
            LeftOut::Unknown { account, date, why } => write!(
                f,
                "{account}: no balance assertion on {date}: the ledger's balance cannot be \
                 computed: {why}"
            ),
            LeftOut::Superseded {
                account,
                date,
                later,
            } => write!(
                f,
                "{account}: no balance assertion on {date}: the ledger already asserts the \
                 balance of {later}"
            ),
        }
    }
}

/// What [`complete`] adds to a run's output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Completion {
    /// `open` directives for the accounts used and not opened, sorted by
    /// account (bank accounts with their currency).
    pub opens: Vec<Entry>,
    /// Opening balances: transactions (or `pad`s), one per bank account
    /// whose history starts in this output and did not start at zero.
    pub openings: Vec<Entry>,
    /// Balance assertions removed from the outputs, and why.
    pub left_out: Vec<LeftOut>,
}

/// Checks every balance assertion of `outputs` against `ledger` (when
/// given) and the outputs' own entries, removes those that cannot hold,
/// and returns what the output needs besides: opening balances and, with
/// `write_opens`, `open` directives.
pub fn complete(
    outputs: &mut [AccountOutput],
    ledger: Option<&Ledger>,
    opening: &OpeningConfig,
    write_opens: bool,
) -> Completion {
    let mut completion = Completion::default();
    let new = NewPostings::of(outputs);

    // Assertions in date order per account, so the first decides the
    // opening and the later ones are checked with it.
    let mut order: Vec<(String, NaiveDate, usize, usize)> = Vec::new();
    for (o, output) in outputs.iter().enumerate() {
        for (e, entry) in output.entries.iter().enumerate() {
            if let Entry::Balance(b) = entry {
                order.push((b.account.clone(), b.date, o, e));
            }
        }
    }
    order.sort();
    let mut opened: HashMap<(String, String), Decimal> = HashMap::new();
    let mut remove: Vec<(usize, usize)> = Vec::new();
    for (_, _, o, e) in order {
        let Entry::Balance(b) = &outputs[o].entries[e] else {
            unreachable!("indexed as a balance");
        };
        match check(b, ledger, &new, &mut opened, opening) {
            Checked::Holds => {}
            Checked::Opening(entry) => completion.openings.push(entry),
            Checked::LeftOut(why) => {
                completion.left_out.push(why);
                remove.push((o, e));
            }
        }
    }
    remove.sort_unstable();
    for (o, e) in remove.into_iter().rev() {
        outputs[o].entries.remove(e);
    }
    if write_opens {
        completion.opens = missing_opens(outputs, &completion.openings, ledger);
    }
    completion
}

enum Checked {
    Holds,
    Opening(Entry),
    LeftOut(LeftOut),
}

fn check(
    b: &BalanceEntry,
    ledger: Option<&Ledger>,
    new: &NewPostings<'_>,
    opened: &mut HashMap<(String, String), Decimal>,
    opening: &OpeningConfig,
) -> Checked {
    let (account, currency, date) = (&b.account, &b.amount.currency, b.date);
    let key = (account.clone(), currency.clone());
    let (before, history) = match ledger {
        Some(l) => {
            if let Some(later) = l
                .balances()
                .filter(|x| x.account == account && x.currency == currency && x.date > date)
                .map(|x| x.date)
                .max()
            {
                return Checked::LeftOut(LeftOut::Superseded {
                    account: account.clone(),
                    date,
                    later,
                });
            }
            match ledger_total(l, account, currency, date) {
                Total::Known(t, history) => (t, history),
                Total::Padded => return Checked::Holds,
                Total::Unknown(why) => {
                    return Checked::LeftOut(LeftOut::Unknown {
                        account: account.clone(),
                        date,
                        why,
                    });
                }
            }
        }
        None => (Decimal::ZERO, false),
    };
    let (added, entries) = new.before(account, currency, date);
    let opening_so_far = opened.get(&key).copied();
    let total = before + added + opening_so_far.unwrap_or_default();
    let difference = b.amount.number - total;
    if difference.is_zero() {
        return Checked::Holds;
    }
    if history || opening_so_far.is_some() {
        return Checked::LeftOut(LeftOut::Disagrees {
            account: account.clone(),
            date,
            ledger: total,
            bank: b.amount.number,
            currency: currency.clone(),
        });
    }
    // The history starts in this output: the difference is what the account
    // held before it.
    opened.insert(key, difference);
    let first = new.first_date(account).map_or(date, |d| d.min(date));
    let on = first.checked_sub_days(Days::new(1)).unwrap_or(first);
    let entry = match opening.mode {
        OpeningMode::Pad => Entry::Pad(PadEntry {
            date: on,
            account: account.clone(),
            source: opening.account.clone(),
        }),
        OpeningMode::Exact => {
            let source = b
                .meta
                .iter()
                .find(|(k, _)| k == "source")
                .map(|(_, v)| format!(" ({})", v.as_text()))
                .unwrap_or_default();
            let how = match entries {
                (0, _) => format!(
                    "{} {currency} asserted on {date}{source}; no entry before it",
                    format_number(b.amount.number)
                ),
                (n, (from, to)) => format!(
                    "{} {currency} asserted on {date}{source}, less {} {currency} of the {n} \
                     entr{} dated {from} to {to}",
                    format_number(b.amount.number),
                    format_number(added),
                    if n == 1 { "y" } else { "ies" },
                ),
            };
            let mut own = Posting::new(account.clone());
            own.units = Some(Amount::new(difference, currency.clone()));
            let mut other = Posting::new(opening.account.clone());
            other.units = Some(Amount::new(-difference, currency.clone()));
            Entry::Transaction(TransactionEntry {
                date: on,
                flag: '*',
                payee: None,
                narration: "Opening balance".to_owned(),
                tags: Vec::new(),
                links: Vec::new(),
                meta: vec![("opening_balance".to_owned(), MetaValue::String(how))],
                postings: vec![own, other],
            })
        }
    };
    Checked::Opening(entry)
}

/// The postings the outputs add, by account and currency, sorted by date.
struct NewPostings<'a> {
    by_account: FoldMap<&'a str, ByCurrency<'a>>,
}

/// An account's new postings by currency: their dates and amounts.
type ByCurrency<'a> = BTreeMap<&'a str, Vec<(NaiveDate, Decimal)>>;

impl<'a> NewPostings<'a> {
    fn of(outputs: &'a [AccountOutput]) -> NewPostings<'a> {
        let mut by_account: FoldMap<&str, ByCurrency<'_>> = FoldMap::default();
        for entry in outputs.iter().flat_map(|o| &o.entries) {
            if let Entry::Transaction(t) = entry {
                for p in &t.postings {
                    if let Some(u) = &p.units {
                        by_account
                            .entry(p.account.as_str())
                            .or_default()
                            .entry(u.currency.as_str())
                            .or_default()
                            .push((t.date, u.number));
                    }
                }
            }
        }
        for list in by_account.values_mut().flat_map(|c| c.values_mut()) {
            list.sort_by_key(|(d, _)| *d);
        }
        NewPostings { by_account }
    }

    /// The sum of the postings dated before `date`, how many there are and
    /// their first and last dates.
    fn before(
        &self,
        account: &str,
        currency: &str,
        date: NaiveDate,
    ) -> (Decimal, (usize, (NaiveDate, NaiveDate))) {
        let list = self
            .by_account
            .get(account)
            .and_then(|c| c.get(currency))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let end = list.partition_point(|(d, _)| *d < date);
        let sum = list[..end].iter().map(|(_, n)| *n).sum();
        let span = match (list.first(), end.checked_sub(1).map(|i| list[i])) {
            (Some(first), Some(last)) => (first.0, last.0),
            _ => (date, date),
        };
        (sum, (end, span))
    }

    /// The first date of a posting on `account`, in any currency.
    fn first_date(&self, account: &str) -> Option<NaiveDate> {
        self.by_account
            .get(account)?
            .values()
            .filter_map(|l| l.first().map(|(d, _)| *d))
            .min()
    }

    fn currencies(&self, account: &str) -> Vec<&str> {
        self.by_account
            .get(account)
            .map(|c| c.keys().copied().collect())
            .unwrap_or_default()
    }
}

/// The ledger's balance of an account in one currency at the start of a
/// day.
enum Total {
    /// This figure; `true` when the ledger holds anything for the account
    /// (a posting, an assertion, a pad).
    Known(Decimal, bool),
    /// A `pad` fills the account up to the next assertion: any figure holds.
    Padded,
    /// It cannot be told, and why.
    Unknown(String),
}

/// The balance of `account` in `currency` that `ledger` holds at the start
/// of `date`, counted from its latest balance assertion before (which holds,
/// the ledger passing bean-check), else from its first entry.
fn ledger_total(ledger: &Ledger, account: &str, currency: &str, date: NaiveDate) -> Total {
    let anchor = ledger
        .balances()
        .filter(|b| b.account == account && b.currency == currency && b.date <= date)
        .max_by_key(|b| b.date);
    let from = anchor.map(|b| b.date);
    let mut history = ledger.balances().any(|b| b.account == account);
    for pad in ledger.pads() {
        if pad.account != account && pad.source_account != account {
            continue;
        }
        history = true;
        if pad.date < date && from.is_none_or(|f| pad.date >= f) {
            if pad.source_account == account {
                return Total::Unknown(format!(
                    "{}: a pad takes the difference from it",
                    pad.location
                ));
            }
            return Total::Padded;
        }
    }
    let mut total = anchor.map_or(Decimal::ZERO, |b| b.number);
    for t in ledger.transactions() {
        let on = t.date();
        for p in t.postings().filter(|p| p.account() == account) {
            history = true;
            if on >= date || from.is_some_and(|f| on < f) {
                continue;
            }
            match (p.number(), p.currency()) {
                (Some(n), Some(c)) if c == currency => total += n,
                (Some(_), Some(_)) => {}
                _ => {
                    // Left for Beancount to fill in: the other postings'
                    // sum, when they are all plain amounts in this currency.
                    let others = t.postings().filter(|o| o.index() != p.index());
                    let mut sum = Decimal::ZERO;
                    for o in others {
                        match (o.number(), o.currency()) {
                            (Some(n), Some(c)) if c == currency => sum += n,
                            _ => {
                                return Total::Unknown(format!(
                                    "{}: its amount is left for Beancount to compute",
                                    t.location()
                                ));
                            }
                        }
                    }
                    total -= sum;
                }
            }
        }
    }
    Total::Known(total, history)
}

/// `open` directives for the accounts the entries use and neither the
/// ledger nor the output opens, dated on their first use, sorted by
/// account. A bank account is opened with its currency when it has one.
pub(crate) fn missing_opens<'a>(
    outputs: &'a [AccountOutput],
    openings: &'a [Entry],
    ledger: Option<&Ledger>,
) -> Vec<Entry> {
    let mut first_use: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    let mut opened_here: Vec<&str> = Vec::new();
    let mut used = |account: &'a str, date: NaiveDate| {
        first_use
            .entry(account)
            .and_modify(|d| *d = (*d).min(date))
            .or_insert(date);
    };
    for entry in outputs.iter().flat_map(|o| &o.entries).chain(openings) {
        match entry {
            Entry::Transaction(t) => t.postings.iter().for_each(|p| used(&p.account, t.date)),
            Entry::Balance(b) => used(&b.account, b.date),
            Entry::Pad(p) => {
                used(&p.account, p.date);
                used(&p.source, p.date);
            }
            Entry::Open(o) => opened_here.push(&o.account),
            _ => {}
        }
    }
    let new = NewPostings::of(outputs);
    first_use
        .into_iter()
        // An account the ledger opens after its first use is the user's to
        // fix: a second `open` would be an error too.
        .filter(|(a, _)| {
            !opened_here.contains(a) && ledger.is_none_or(|l| l.open_date(a).is_none())
        })
        .map(|(a, date)| {
            let bank = outputs.iter().find(|o| o.account.account == a);
            let currencies = match bank {
                Some(o) => bank_currency(o, &new).into_iter().collect(),
                None => Vec::new(),
            };
            Entry::Open(OpenEntry {
                date,
                account: a.to_owned(),
                currencies,
            })
        })
        .collect()
}

/// The one currency of a bank account: the configured one, else the only
/// one its entries and balance use.
fn bank_currency(output: &AccountOutput, new: &NewPostings<'_>) -> Option<String> {
    if let Some(c) = &output.account.currency {
        return Some(c.clone());
    }
    let account = &output.account.account;
    let mut seen: Vec<&str> = new.currencies(account);
    for e in &output.entries {
        if let Entry::Balance(b) = e
            && !seen.contains(&b.amount.currency.as_str())
        {
            seen.push(&b.amount.currency);
        }
    }
    match seen.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}
