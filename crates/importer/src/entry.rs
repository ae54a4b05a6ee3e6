//! The Beancount directives the importer writes, as plain data.
//!
//! Strings here hold the text as it should read back from the file; the
//! renderer escapes them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One thing written to the output.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A transaction.
    Transaction(TransactionEntry),
    /// A balance assertion.
    Balance(BalanceEntry),
    /// An `open` directive.
    Open(OpenEntry),
    /// A `pad` directive.
    Pad(PadEntry),
    /// A comment: each line is written after `; `.
    Comment(String),
    /// A bank record that could not be converted: written as a comment
    /// block holding the raw JSON under one line saying why.
    Invalid(InvalidEntry),
}

impl Entry {
    /// The entry's date, when it has one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Entry::Transaction(t) => Some(t.date),
            Entry::Balance(b) => Some(b.date),
            Entry::Open(o) => Some(o.date),
            Entry::Pad(p) => Some(p.date),
            Entry::Comment(_) => None,
            Entry::Invalid(i) => i.date,
        }
    }
}

/// A metadata value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetaValue {
    /// A quoted string.
    String(String),
    /// A number.
    Number(Decimal),
}

impl MetaValue {
    /// The value as text (a string's content, a number's digits, a date).
    pub fn as_text(&self) -> String {
        match self {
            MetaValue::String(s) => s.clone(),
            MetaValue::Number(n) => n.to_string(),
        }
    }
}

/// Metadata: key → value pairs, written in this order.
pub type Meta = Vec<(String, MetaValue)>;

/// An amount: number and currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Amount {
    /// The number, exactly.
    pub number: Decimal,
    /// The currency.
    pub currency: String,
}

impl Amount {
    /// An amount of `number` `currency`.
    pub fn new(number: Decimal, currency: impl Into<String>) -> Amount {
        Amount {
            number,
            currency: currency.into(),
        }
    }
}

/// The price of a posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Price {
    /// `@@ X CUR`: for the whole posting.
    Total(Amount),
}

/// A transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionEntry {
    /// Its date.
    pub date: NaiveDate,
    /// `*` (booked) or `!` (pending).
    pub flag: char,
    /// The counterparty, when known.
    pub payee: Option<String>,
    /// The description (may be empty).
    pub narration: String,
    /// Tags, without `#`.
    pub tags: Vec<String>,
    /// Links, without `^`.
    pub links: Vec<String>,
    /// Transaction metadata.
    pub meta: Meta,
    /// Postings: the bank account's first.
    pub postings: Vec<Posting>,
}

/// A posting.
#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    /// The account.
    pub account: String,
    /// The amount; `None` lets Beancount fill it in.
    pub units: Option<Amount>,
    /// The price, for a conversion. Boxed: few postings have one, and
    /// every posting would otherwise hold room for it (a third of its
    /// size).
    pub price: Option<Box<Price>>,
    /// A posting flag (`!` marks a guessed account).
    pub flag: Option<char>,
    /// Posting metadata (`gocardless_id` goes here).
    pub meta: Meta,
}

impl Posting {
    /// A posting on `account` with no amount, price, flag or metadata.
    pub fn new(account: impl Into<String>) -> Posting {
        Posting {
            account: account.into(),
            units: None,
            price: None,
            flag: None,
            meta: Vec::new(),
        }
    }
}

/// A balance assertion: the balance at the *start* of `date`.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceEntry {
    /// The day it holds at the start of.
    pub date: NaiveDate,
    /// The account.
    pub account: String,
    /// The asserted balance.
    pub amount: Amount,
    /// Metadata (where the figure came from).
    pub meta: Meta,
}

/// An `open` directive.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEntry {
    /// The day the account opens.
    pub date: NaiveDate,
    /// The account.
    pub account: String,
    /// The currencies it may hold (empty: any).
    pub currencies: Vec<String>,
}

/// A `pad` directive: Beancount fills `account` from `source` so that the
/// next balance assertion on `account` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PadEntry {
    /// The day the padding is booked.
    pub date: NaiveDate,
    /// The account padded.
    pub account: String,
    /// Where the difference comes from (`Equity:Opening-Balances`).
    pub source: String,
}

/// A bank record that could not be converted.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidEntry {
    /// The date to sort it by, when one was readable.
    pub date: Option<NaiveDate>,
    /// Why it could not be converted.
    pub reason: String,
    /// The record's JSON as received.
    pub raw_json: String,
}
