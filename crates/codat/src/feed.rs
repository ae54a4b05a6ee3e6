//! The feed: each exported account's bank statement as the ledger tells
//! it, with the account's running balance after every line.
//!
//! Balances follow Beancount: every posting on the account in its
//! currency, whatever its flag, plus what Beancount's `pad` inserts (the
//! difference to the next `balance` assertion, within its tolerance), in
//! Beancount's order (date, balance assertions first, then line number).
//! A posting whose amount is left out is computed as Beancount does when
//! the other postings of its transaction allow it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use importer::ledger::{Ledger, Pad, Posting, Transaction};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::plan::{Exclusion, Reason};
use crate::settings::ExportAccount;

/// Where something is in the ledger: a file and a 1-based line. Displays
/// (and serialises) as `file:line`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LedgerLocation {
    /// The file, as given or as reached through an `include`.
    pub file: PathBuf,
    /// The line where the directive starts.
    pub line: u32,
}

impl fmt::Display for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

impl Serialize for LedgerLocation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<importer::ledger::Location<'_>> for LedgerLocation {
    fn from(l: importer::ledger::Location<'_>) -> LedgerLocation {
        LedgerLocation {
            file: l.path.to_path_buf(),
            line: l.line,
        }
    }
}

/// Every exported account's feed, read from one ledger.
#[derive(Debug, Clone)]
pub struct Feed {
    /// One per exported account, in the order of the settings.
    pub accounts: Vec<AccountFeed>,
}

/// One exported account's feed.
#[derive(Debug, Clone)]
pub struct AccountFeed {
    /// The account's export settings.
    pub settings: ExportAccount,
    /// The account's currency: the configured one, else the only one its
    /// postings and balance assertions use. `None` when it cannot be told
    /// (see [`AccountFeed::problem`]).
    pub currency: Option<String>,
    /// Why the account cannot be exported at all, when it cannot.
    pub problem: Option<String>,
    /// What changes the account's balance, in Beancount's order.
    pub entries: Vec<FeedEntry>,
    /// Postings that are not part of the feed: in another currency, or
    /// whose amount cannot be computed (which ends the feed there, since
    /// no balance after it is known).
    pub left_out: Vec<Exclusion>,
}

/// One change of an exported account's balance.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Its date.
    pub date: NaiveDate,
    /// The amount, in the account's currency: positive in, negative out.
    pub amount: Decimal,
    /// The account's balance after it.
    pub balance: Decimal,
    /// Where it is in the ledger (the transaction's or `pad`'s first line).
    pub location: LedgerLocation,
    /// What it is.
    pub kind: EntryKind,
}

/// What a [`FeedEntry`] is.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    /// A posting of a transaction: a bank statement line, pushed once
    /// cleared.
    Posting(FeedPosting),
    /// What Beancount inserts for a `pad` directive (or a transaction
    /// flagged `P`): it sets the balance and is never pushed.
    Padding,
    /// An opening-balance transaction (every other posting on an
    /// `Equity:…Opening…` account): it sets the balance and is never
    /// pushed.
    Opening,
}

/// A posting that is a bank statement line.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPosting {
    /// Its id in the feed, stable across runs: the importer's id on the
    /// posting (any of the ledger's id keys; one in the transaction's
    /// metadata stands for its first posting), else `bc-` and a hash of
    /// its content (see [`FeedPosting::content_hash`]) and its position
    /// among identical postings.
    pub id: String,
    /// Whether [`FeedPosting::id`] is the importer's.
    pub importer_id: bool,
    /// A hash of date, account, amount, currency, payee and narration
    /// (whitespace runs folded, the amount without trailing zeros): what
    /// tells an edit of a transaction pushed under an importer id.
    pub content_hash: String,
    /// The posting's flag, else its transaction's: `*` is cleared.
    pub flag: char,
    /// The transaction's payee, whitespace folded: the counterparty.
    pub payee: Option<String>,
    /// The transaction's narration, whitespace folded.
    pub narration: String,
    /// What the statement line says: the narration, else the payee, else
    /// the other postings' accounts (the feed requires one).
    pub description: String,
}

impl FeedPosting {
    /// Whether it is cleared (`*`) and so may be pushed.
    pub fn is_cleared(&self) -> bool {
        self.flag == '*'
    }
}

impl Feed {
    /// Reads the feed of each of `accounts` from `ledger` (loaded with
    /// `include`s followed and the id keys of every importer in use).
    pub fn read(ledger: &Ledger, accounts: &[ExportAccount]) -> Feed {
        let files: HashMap<&Path, usize> = ledger
            .files()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.as_path(), i))
            .collect();
        let reader = Reader {
            ledger,
            files,
            pads: ledger.pads().collect(),
        };
        Feed {
            accounts: accounts.iter().map(|a| reader.account(a)).collect(),
        }
    }

    /// The feed of the source account `source_account_id`.
    pub fn account(&self, source_account_id: &str) -> Option<&AccountFeed> {
        self.accounts
            .iter()
            .find(|a| a.settings.source_account_id == source_account_id)
    }
}

/// Beancount's order of directives: date, balance assertions before the
/// rest, then line number (across files), then the order read.
type SortKey = (NaiveDate, i8, u32, usize, usize);

struct Reader<'l> {
    ledger: &'l Ledger,
    files: HashMap<&'l Path, usize>,
    pads: Vec<Pad<'l>>,
}

/// The units of a posting, per currency, or why they cannot be known.
type Units<'a> = Result<Vec<(Decimal, &'a str)>, &'static str>;

/// What changes a balance, in order.
enum Event<'l> {
    Posting(Posting<'l>),
    /// A pad's index among `ledger.pads()`, and the sign its amount takes
    /// (-1 for the pad's source account).
    Pad(usize, Decimal),
    /// A balance assertion: its number and tolerance.
    Balance(Decimal, Decimal),
}

impl<'l> Reader<'l> {
    fn key(
        &self,
        date: NaiveDate,
        order: i8,
        location: importer::ledger::Location<'_>,
        seq: usize,
    ) -> SortKey {
        let file = self.files.get(location.path).copied().unwrap_or(usize::MAX);
        (date, order, location.line, file, seq)
    }

    fn account(&self, settings: &ExportAccount) -> AccountFeed {
        let mut feed = AccountFeed {
            settings: settings.clone(),
            currency: None,
            problem: None,
            entries: Vec::new(),
            left_out: Vec::new(),
        };
        match self.currency(settings) {
            Ok(c) => feed.currency = Some(c),
            Err(problem) => {
                feed.problem = Some(problem);
                return feed;
            }
        }
        let currency = feed.currency.clone().unwrap_or_default();
        let account = settings.account.as_str();
        let mut events: Vec<(SortKey, Event<'l>)> = Vec::new();
        for t in self.ledger.transactions() {
            for (seq, p) in t.postings().enumerate() {
                if p.account() == account {
                    events.push((self.key(t.date(), 0, t.location(), seq), Event::Posting(p)));
                }
            }
        }
        for (i, pad) in self.pads.iter().enumerate() {
            let sign = if pad.account == account {
                Decimal::ONE
            } else if pad.source_account == account {
                Decimal::NEGATIVE_ONE
            } else {
                continue;
            };
            events.push((self.key(pad.date, 0, pad.location, 0), Event::Pad(i, sign)));
        }
        events.sort_by_key(|(k, _)| *k);
        let mut pads: HashMap<String, HashMap<usize, Result<Decimal, LedgerLocation>>> =
            HashMap::new();
        let mut balance = Decimal::ZERO;
        let mut identical: HashMap<[u8; 32], u32> = HashMap::new();
        let mut iter = events.into_iter();
        while let Some((_, event)) = iter.next() {
            match event {
                Event::Pad(i, sign) => {
                    let pad = self.pads[i];
                    let amounts = pads
                        .entry(pad.account.to_owned())
                        .or_insert_with(|| self.pad_amounts(pad.account, &currency));
                    let amount = match amounts.get(&i) {
                        None => continue,
                        Some(Ok(a)) => a * sign,
                        Some(Err(unknown)) => {
                            let later =
                                iter.filter(|(_, e)| matches!(e, Event::Posting(_))).count();
                            feed.left_out.push(Exclusion {
                                id: None,
                                date: pad.date,
                                amount: None,
                                currency: currency.clone(),
                                description: format!(
                                    "pad {} from {}",
                                    pad.account, pad.source_account
                                ),
                                location: pad.location.into(),
                                reason: Reason::UnknownPad {
                                    posting: unknown.clone(),
                                    later,
                                },
                            });
                            break;
                        }
                    };
                    balance += amount;
                    feed.entries.push(FeedEntry {
                        date: pad.date,
                        amount,
                        balance,
                        location: pad.location.into(),
                        kind: EntryKind::Padding,
                    });
                }
                Event::Balance(..) => {}
                Event::Posting(p) => {
                    let t = p.transaction();
                    let units = match units(&p) {
                        Ok(u) => u,
                        Err(why) => {
                            let later =
                                iter.filter(|(_, e)| matches!(e, Event::Posting(_))).count();
                            feed.left_out.push(Exclusion {
                                id: None,
                                date: t.date(),
                                amount: None,
                                currency: currency.clone(),
                                description: describe(&t, account),
                                location: t.location().into(),
                                reason: Reason::UnknownAmount {
                                    why: why.to_owned(),
                                    later,
                                },
                            });
                            break;
                        }
                    };
                    for (n, c) in units {
                        if c == currency {
                            balance += n;
                            let kind = self.kind(&t, &p, n, &currency, &mut identical);
                            feed.entries.push(FeedEntry {
                                date: t.date(),
                                amount: n,
                                balance,
                                location: t.location().into(),
                                kind,
                            });
                        } else {
                            feed.left_out.push(Exclusion {
                                id: None,
                                date: t.date(),
                                amount: Some(n),
                                currency: c.to_owned(),
                                description: describe(&t, account),
                                location: t.location().into(),
                                reason: Reason::OtherCurrency {
                                    account_currency: currency.clone(),
                                },
                            });
                        }
                    }
                }
            }
        }
        feed
    }

    /// The account's currency: configured, else the only one it uses.
    fn currency(&self, settings: &ExportAccount) -> Result<String, String> {
        if let Some(c) = &settings.currency {
            return Ok(c.clone());
        }
        let account = settings.account.as_str();
        let mut seen: Vec<&str> = Vec::new();
        let mut add = |c: &'l str| {
            if !seen.contains(&c) {
                seen.push(c);
            }
        };
        for t in self.ledger.transactions() {
            for p in t.postings().filter(|p| p.account() == account) {
                if let Some(c) = p.currency() {
                    add(c);
                }
            }
        }
        for b in self.ledger.balances().filter(|b| b.account == account) {
            add(b.currency);
        }
        match seen[..] {
            [one] => Ok(one.to_owned()),
            [] => Err(format!(
                "no posting or balance assertion of the ledger names a currency for {account}: \
                 check the account name, or set `currency:` for it in the export"
            )),
            _ => {
                seen.sort_unstable();
                Err(format!(
                    "{account} has postings in {}: a source account has one currency; set \
                     `currency:` for it in the export to the currency of the bank account",
                    seen.join(", ")
                ))
            }
        }
    }

    /// What a posting on the account in its currency is in the feed.
    fn kind(
        &self,
        t: &Transaction<'_>,
        p: &Posting<'_>,
        amount: Decimal,
        currency: &str,
        identical: &mut HashMap<[u8; 32], u32>,
    ) -> EntryKind {
        if t.flag() == 'P' {
            return EntryKind::Padding;
        }
        let account = p.account();
        let others: Vec<Posting<'_>> = t.postings().filter(|o| o.account() != account).collect();
        if !others.is_empty() && others.iter().all(|o| is_opening_account(o.account())) {
            return EntryKind::Opening;
        }
        let payee = t.payee().map(fold).filter(|s| !s.is_empty());
        let narration = fold(t.narration());
        let content = content_hash(
            t.date(),
            account,
            amount,
            currency,
            payee.as_deref(),
            &narration,
        );
        let seen = identical.entry(content).or_insert(0);
        let position = *seen;
        *seen += 1;
        let own_id = p.has_own_id().then(|| p.ids().next()).flatten();
        let (id, importer_id) = match own_id {
            Some(id) => (id.trim().to_owned(), true),
            None => {
                let mut h = Sha256::new();
                h.update(content);
                h.update(position.to_be_bytes());
                (format!("bc-{}", &hex(&h.finalize())[..32]), false)
            }
        };
        let description = if !narration.is_empty() {
            narration.clone()
        } else if let Some(p) = &payee {
            p.clone()
        } else {
            others
                .iter()
                .map(|o| o.account())
                .collect::<Vec<_>>()
                .join(", ")
        };
        EntryKind::Posting(FeedPosting {
            id,
            importer_id,
            content_hash: hex(&content),
            flag: p.flag().unwrap_or(t.flag()),
            payee,
            narration,
            description: if description.is_empty() {
                account.to_owned()
            } else {
                description
            },
        })
    }

    /// What each `pad` of `account` inserts in `currency`, as Beancount
    /// computes it: at the first `balance` of the account in that currency
    /// after the pad, the difference between the asserted amount and the
    /// balance of the account and its sub-accounts, when it exceeds the
    /// assertion's tolerance. The error is the posting whose amount could
    /// not be known before the assertion.
    fn pad_amounts(
        &self,
        account: &str,
        currency: &str,
    ) -> HashMap<usize, Result<Decimal, LedgerLocation>> {
        let child = format!("{account}:");
        let mut events: Vec<(SortKey, Event<'l>)> = Vec::new();
        for t in self.ledger.transactions() {
            for (seq, p) in t.postings().enumerate() {
                if p.account() == account || p.account().starts_with(&child) {
                    events.push((self.key(t.date(), 0, t.location(), seq), Event::Posting(p)));
                }
            }
        }
        for (i, pad) in self.pads.iter().enumerate() {
            if pad.account == account {
                events.push((
                    self.key(pad.date, 0, pad.location, 0),
                    Event::Pad(i, Decimal::ONE),
                ));
            }
        }
        for b in self.ledger.balances() {
            if b.account == account && b.currency == currency {
                let tolerance = b.tolerance.unwrap_or_else(|| inferred_tolerance(b.number));
                events.push((
                    self.key(b.date, -1, b.location, 0),
                    Event::Balance(b.number, tolerance),
                ));
            }
        }
        events.sort_by_key(|(k, _)| *k);
        let mut out = HashMap::new();
        let mut balance = Decimal::ZERO;
        let mut active: Option<usize> = None;
        let mut padded = false;
        let mut unknown: Option<LedgerLocation> = None;
        for (_, event) in events {
            match event {
                Event::Posting(p) => match units(&p) {
                    Ok(units) => {
                        balance += units
                            .iter()
                            .filter(|(_, c)| *c == currency)
                            .map(|(n, _)| n)
                            .sum::<Decimal>();
                    }
                    Err(_) => unknown = Some(p.transaction().location().into()),
                },
                Event::Pad(i, _) => {
                    active = Some(i);
                    padded = false;
                }
                Event::Balance(number, tolerance) => {
                    let diff = number - balance;
                    // An unknown amount before the assertion makes the
                    // difference unknown; the pad then fills it whatever
                    // it is, so the balance is known again after it.
                    if (unknown.is_some() || diff.abs() > tolerance)
                        && !padded
                        && let Some(pad) = active
                    {
                        match unknown.take() {
                            Some(at) => out.insert(pad, Err(at)),
                            None => out.insert(pad, Ok(diff)),
                        };
                        balance = number;
                    }
                    padded = true;
                }
            }
        }
        out
    }
}

/// The units of a posting; for one whose amount is left out, what
/// balances the transaction, as Beancount computes it (possible when the
/// other postings have amounts and neither cost nor price).
fn units<'a>(p: &Posting<'a>) -> Units<'a> {
    match (p.number(), p.currency()) {
        (Some(n), Some(c)) => return Ok(vec![(n, c)]),
        (Some(_), None) => return Err("its amount has no currency"),
        (None, _) => {}
    }
    let mut residual: Vec<(Decimal, &'a str)> = Vec::new();
    for o in p
        .transaction()
        .postings()
        .filter(|o| o.index() != p.index())
    {
        let (Some(n), Some(c)) = (o.number(), o.currency()) else {
            return Err("it has no amount, and neither has another posting of its transaction");
        };
        if o.has_cost_or_price() {
            return Err(
                "it has no amount, and another posting of its transaction has a cost or price",
            );
        }
        match residual.iter_mut().find(|(_, rc)| *rc == c) {
            Some((sum, _)) => *sum -= n,
            None => residual.push((-n, c)),
        }
    }
    residual.retain(|(n, _)| !n.is_zero());
    Ok(residual)
}

/// Beancount's tolerance of a balance assertion without `~`: one unit of
/// the last digit written (`tolerance_multiplier` 0.5, doubled for
/// balances), none for a whole number.
fn inferred_tolerance(number: Decimal) -> Decimal {
    if number.scale() == 0 {
        Decimal::ZERO
    } else {
        Decimal::new(1, number.scale())
    }
}

/// An `Equity:` account named for opening balances
/// (`Equity:Opening-Balances` and the like).
fn is_opening_account(account: &str) -> bool {
    let mut parts = account.split(':');
    parts.next() == Some("Equity") && parts.any(|c| c.to_ascii_lowercase().starts_with("opening"))
}

/// Text with whitespace runs folded to one space and trimmed.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A short description of a transaction for messages.
fn describe(t: &Transaction<'_>, account: &str) -> String {
    let narration = fold(t.narration());
    match t.payee().map(fold).filter(|p| !p.is_empty()) {
        Some(p) if narration.is_empty() => p,
        Some(p) => format!("{p}: {narration}"),
        None if narration.is_empty() => account.to_owned(),
        None => narration,
    }
}

fn content_hash(
    date: NaiveDate,
    account: &str,
    amount: Decimal,
    currency: &str,
    payee: Option<&str>,
    narration: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"gc-beancount codat feed v1\0");
    for part in [
        date.to_string().as_str(),
        account,
        &amount.normalize().to_string(),
        currency,
        payee.unwrap_or(""),
        narration,
    ] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountType;
    use importer::ledger::LedgerOptions;

    fn account(name: &str, id: &str) -> ExportAccount {
        ExportAccount {
            account: name.to_owned(),
            source_account_id: id.to_owned(),
            account_type: AccountType::Checking,
            name: id.to_owned(),
            account_number: id.to_owned(),
            currency: None,
        }
    }

    fn options() -> LedgerOptions {
        LedgerOptions {
            id_keys: vec!["gocardless_id".into(), "plaid_id".into()],
        }
    }

    fn eur(name: &str, id: &str) -> ExportAccount {
        ExportAccount {
            currency: Some("EUR".into()),
            ..account(name, id)
        }
    }

    fn read(text: &str, accounts: &[ExportAccount]) -> Feed {
        let ledger = Ledger::from_source(Path::new("main.bean"), text, &options()).unwrap();
        Feed::read(&ledger, accounts)
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn posting(e: &FeedEntry) -> &FeedPosting {
        match &e.kind {
            EntryKind::Posting(p) => p,
            other => panic!("{other:?}"),
        }
    }

    const LEDGER: &str = r#"
option "operating_currency" "EUR"
2025-01-01 open Assets:Bank:Business
2025-01-01 open Assets:Savings
2025-01-01 open Equity:Opening-Balances
2025-01-01 open Expenses:Office
2025-01-01 open Income:Sales

2025-01-02 * "Opening balance"
  Assets:Bank:Business   1000.00 EUR
  Equity:Opening-Balances

2025-02-01 * "Client A" "Invoice 1"
  Assets:Bank:Business   250.00 EUR
    gocardless_id: "gc-1"
  Income:Sales

2025-02-05 pad Assets:Bank:Business Equity:Opening-Balances

2025-02-06 * "Stationer" "Paper"
  Assets:Bank:Business  -20.00 EUR
  Expenses:Office

2025-02-10 balance Assets:Bank:Business  1300.00 EUR

2025-02-11 ! "Pending shop" "Card"
  plaid_id: "pl-9"
  Assets:Bank:Business  -5.00 EUR
  Expenses:Office

2025-02-12 * "Split"
  Assets:Bank:Business  -10.00 EUR
  Assets:Bank:Business  -10.00 EUR
  Expenses:Office        20.00 EUR

2025-02-13 * "Elided"
  Expenses:Office  7.50 EUR
  Assets:Bank:Business

2025-02-14 * "Dollar"
  Assets:Bank:Business  -3.00 USD
  Expenses:Office

2025-02-15 * "Move to savings"
  Assets:Savings  100 EUR
  Assets:Bank:Business

2025-02-16 pad Assets:Savings Assets:Bank:Business
2025-02-17 balance Assets:Savings 150 EUR
2025-02-17 balance Assets:Bank:Business 1117.50 EUR

2025-02-18 * "Sub-cent"
  Assets:Bank:Business  0.004 EUR
  Expenses:Office
"#;

    #[test]
    fn running_balances_follow_beancount() {
        let feed = read(
            LEDGER,
            &[
                eur("Assets:Bank:Business", "biz"),
                account("Assets:Savings", "sav"),
            ],
        );
        let biz = &feed.accounts[0];
        assert_eq!(biz.currency.as_deref(), Some("EUR"));
        assert_eq!(biz.problem, None);
        let got: Vec<(String, Decimal, Decimal, &str)> = biz
            .entries
            .iter()
            .map(|e| {
                let kind = match &e.kind {
                    EntryKind::Posting(p) if p.is_cleared() => "cleared",
                    EntryKind::Posting(_) => "pending",
                    EntryKind::Padding => "padding",
                    EntryKind::Opening => "opening",
                };
                (e.date.to_string(), e.amount, e.balance, kind)
            })
            .collect();
        let want = [
            ("2025-01-02", "1000.00", "1000.00", "opening"),
            ("2025-02-01", "250.00", "1250.00", "cleared"),
            ("2025-02-05", "70.00", "1320.00", "padding"),
            ("2025-02-06", "-20.00", "1300.00", "cleared"),
            ("2025-02-11", "-5.00", "1295.00", "pending"),
            ("2025-02-12", "-10.00", "1285.00", "cleared"),
            ("2025-02-12", "-10.00", "1275.00", "cleared"),
            ("2025-02-13", "-7.50", "1267.50", "cleared"),
            ("2025-02-15", "-100", "1167.50", "cleared"),
            ("2025-02-16", "-50", "1117.50", "padding"),
            ("2025-02-18", "0.004", "1117.504", "cleared"),
        ];
        let want: Vec<(String, Decimal, Decimal, &str)> = want
            .iter()
            .map(|(date, a, b, k)| (date.to_string(), d(a), d(b), *k))
            .collect();
        assert_eq!(got, want);
        // The dollars are not part of a euro feed.
        assert_eq!(biz.left_out.len(), 1);
        assert_eq!(
            biz.left_out[0].reason,
            Reason::OtherCurrency {
                account_currency: "EUR".into()
            }
        );
        assert_eq!(biz.left_out[0].location.to_string(), "main.bean:40");
        assert_eq!(biz.left_out[0].amount, Some(d("-3.00")));
        let sav = &feed.accounts[1];
        let balances: Vec<Decimal> = sav.entries.iter().map(|e| e.balance).collect();
        assert_eq!(balances, [d("100"), d("150")]);

        // Beancount itself agrees, day by day.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.bean");
        std::fs::write(&path, LEDGER).unwrap();
        let beancount =
            test_support::bean_check::daily_balances(&path, "Assets:Bank:Business", "EUR");
        let mut ours: Vec<(NaiveDate, Decimal)> = Vec::new();
        for e in &biz.entries {
            match ours.last_mut() {
                Some((date, b)) if *date == e.date => *b = e.balance,
                _ => ours.push((e.date, e.balance)),
            }
        }
        assert_eq!(ours, beancount);
    }

    #[test]
    fn postings_carry_ids_texts_and_flags() {
        let feed = read(LEDGER, &[eur("Assets:Bank:Business", "biz")]);
        let entries = &feed.accounts[0].entries;
        let invoice = posting(&entries[1]);
        assert_eq!((invoice.id.as_str(), invoice.importer_id), ("gc-1", true));
        assert_eq!(invoice.payee.as_deref(), Some("Client A"));
        assert_eq!(invoice.description, "Invoice 1");
        // An id in the transaction's metadata stands for its first posting.
        let pending = posting(&entries[4]);
        assert_eq!((pending.id.as_str(), pending.flag), ("pl-9", '!'));
        assert!(!pending.is_cleared());
        let (a, b) = (posting(&entries[5]), posting(&entries[6]));
        assert!(a.id.starts_with("bc-") && a.id.len() == 35, "{}", a.id);
        assert_ne!(a.id, b.id, "identical postings get their own ids");
        assert_eq!(a.content_hash, b.content_hash);
        assert_eq!(
            (a.payee.as_deref(), a.description.as_str()),
            (None, "Split")
        );
    }

    #[test]
    fn ids_are_stable_under_reformatting_and_change_with_content() {
        let original = "2025-03-01 * \"Shop\"  \"Milk  and\tbread\"\n  Assets:Bank  -3.50 EUR\n  Expenses:Food\n\n\
                        2025-03-01 * \"Shop\" \"Milk and bread\"\n  Assets:Bank  -3.50 EUR\n  Expenses:Food\n";
        // Other alignment, blank lines, comments, trailing zeros, moved
        // down the file: the same transactions.
        let reformatted = "; my ledger\n\n\n2025-03-01 * \"Shop\" \"Milk and bread\" ; lunch\n    Assets:Bank                -3.5 EUR\n    Expenses:Food               3.50 EUR\n\n\n\
                           2025-03-01 * \"Shop\"   \"Milk and bread \"\n    Assets:Bank       -3.500 EUR\n    Expenses:Food\n";
        let ids = |text: &str| -> Vec<String> {
            read(text, &[account("Assets:Bank", "b")]).accounts[0]
                .entries
                .iter()
                .map(|e| posting(e).id.clone())
                .collect()
        };
        let before = ids(original);
        assert_eq!(before.len(), 2);
        assert_ne!(before[0], before[1]);
        assert_eq!(ids(reformatted), before);
        // A change of narration, payee, amount or date is another transaction.
        for edited in [
            original.replacen("Milk  and", "Eggs and", 1),
            original.replacen("\"Shop\"", "\"Market\"", 1),
            original.replacen("-3.50", "-3.60", 1),
            original.replacen("2025-03-01", "2025-03-02", 1),
        ] {
            let after = ids(&edited);
            // The other keeps the first id: it is no longer one of two.
            assert!(after.contains(&before[0]), "{edited}");
            assert!(after.iter().all(|id| *id != before[1]), "{edited}");
        }
    }

    #[test]
    fn a_pad_within_the_tolerance_pads_nothing() {
        // Beancount reports such a pad as unused, and inserts nothing.
        let text = "2025-01-01 * \"a\"\n  Assets:Bank  10.004 EUR\n  Income:X\n\n\
                    2025-01-02 pad Assets:Bank Equity:Opening-Balances\n\
                    2025-01-03 balance Assets:Bank  10.01 EUR\n\
                    2025-01-04 pad Assets:Bank Equity:Opening-Balances\n\
                    2025-01-05 balance Assets:Bank  10.01 ~ 0.001 EUR\n\
                    2025-01-06 balance Assets:Bank  12.00 ~ 0.001 EUR\n";
        let feed = read(text, &[account("Assets:Bank", "b")]);
        let amounts: Vec<Decimal> = feed.accounts[0].entries.iter().map(|e| e.amount).collect();
        // The second pad fills the difference at its first assertion only.
        assert_eq!(amounts, [d("10.004"), d("0.006")]);
    }

    #[test]
    fn the_currency_is_configured_or_the_only_one() {
        let text = "2025-01-01 * \"x\"\n  Assets:Bank  1 EUR\n  Assets:Other\n\n\
                    2025-01-02 * \"y\"\n  Assets:Bank  1 USD\n  Assets:Other\n";
        let feed = read(
            text,
            &[account("Assets:Bank", "b"), account("Assets:Nothing", "n")],
        );
        let problem = feed.accounts[0].problem.as_deref().unwrap();
        assert!(
            problem.contains("has postings in EUR, USD") && problem.contains("`currency:`"),
            "{problem}"
        );
        assert!(feed.accounts[0].entries.is_empty());
        let problem = feed.accounts[1].problem.as_deref().unwrap();
        assert!(
            problem.contains("names a currency for Assets:Nothing"),
            "{problem}"
        );
        let mut usd = account("Assets:Bank", "b");
        usd.currency = Some("USD".into());
        let feed = read(text, &[usd]);
        assert_eq!(feed.accounts[0].entries.len(), 1);
        assert_eq!(feed.accounts[0].entries[0].balance, d("1"));
        assert_eq!(feed.accounts[0].left_out.len(), 1);
    }

    #[test]
    fn an_amount_that_cannot_be_computed_ends_the_feed() {
        let text = "2025-01-01 * \"a\"\n  Assets:Bank  10 EUR\n  Income:X\n\n\
                    2025-01-02 * \"card abroad\"\n  Expenses:Food  10 USD @ 0.9 EUR\n  Assets:Bank\n\n\
                    2025-01-03 * \"b\"\n  Assets:Bank  5 EUR\n  Income:X\n\n\
                    2025-01-04 * \"c\"\n  Assets:Bank  5 EUR\n  Income:X\n";
        let feed = read(text, &[account("Assets:Bank", "b")]);
        let a = &feed.accounts[0];
        assert_eq!(a.entries.len(), 1);
        assert_eq!(a.left_out.len(), 1);
        let e = &a.left_out[0];
        assert_eq!(e.location.to_string(), "main.bean:5");
        assert!(
            matches!(&e.reason, Reason::UnknownAmount { later: 2, why } if why.contains("cost or price")),
            "{e}"
        );
        assert!(e.to_string().contains("write the amount"), "{e}");
    }

    #[test]
    fn a_pad_after_an_unknown_amount_is_unknown_and_the_balance_after_it_known() {
        let text = "2025-01-01 * \"card abroad\"\n  Expenses:Food  10 USD @ 0.9 EUR\n  Assets:Savings\n\n\
                    2025-01-02 pad Assets:Savings Assets:Bank\n\
                    2025-01-03 balance Assets:Savings  50 EUR\n\n\
                    2025-01-04 * \"b\"\n  Assets:Bank  5 EUR\n  Income:X\n";
        let mut bank = account("Assets:Bank", "b");
        bank.currency = Some("EUR".into());
        let feed = read(text, &[bank]);
        let a = &feed.accounts[0];
        assert!(a.entries.is_empty());
        assert!(
            matches!(&a.left_out[0].reason, Reason::UnknownPad { posting, later: 1 } if posting.line == 1),
            "{:?}",
            a.left_out
        );
    }
}
