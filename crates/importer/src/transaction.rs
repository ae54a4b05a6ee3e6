//! [`BankTransaction`]: the importer's own view of one bank transaction.
//!
//! Conversion works on this type, not on any provider's model: each source
//! builds these (through [`Records`](crate::Records)). The fields follow
//! PSD2's transaction (creditor, debtor, remittance, the bank's ids), the
//! common ground of bank APIs; a source fills what it has and may set the
//! payee and narration outright. It keeps the record as received so that
//! `metadata_fields` and presets can reach fields no source maps.

use std::borrow::Cow;
use std::fmt;

use bytestring::ByteString;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize as _;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::config::DateMode;

/// Whether the bank has booked a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Booked: final.
    Booked,
    /// Pending: may still change amount, date or id, or disappear.
    Pending,
}

/// One bank transaction, with text fields trimmed and blank ones absent.
#[derive(Debug, Clone, PartialEq)]
pub struct BankTransaction {
    /// Booked or pending.
    pub status: Status,
    /// The day the bank booked it.
    pub booking_date: Option<NaiveDate>,
    /// The day the money moved.
    pub value_date: Option<NaiveDate>,
    /// The date part of `bookingDateTime`, as the bank wrote it.
    pub booking_date_time: Option<NaiveDate>,
    /// The date part of `valueDateTime`, as the bank wrote it.
    pub value_date_time: Option<NaiveDate>,
    /// The day the transaction was made (for a card: the purchase), when
    /// the source gives it apart from the booking and value dates.
    pub transaction_date: Option<NaiveDate>,
    /// The signed amount with every digit the bank sent.
    pub amount: Decimal,
    /// The payee, when the source (or a bank preset) knows it outright;
    /// otherwise [`BankTransaction::counterparty_name`] derives it from the
    /// creditor and debtor fields.
    pub payee: Option<String>,
    /// The narration, when the source (or a bank preset) knows it
    /// outright; otherwise [`BankTransaction::description`] derives it
    /// from the remittance fields.
    pub narration: Option<String>,
    /// The amount's currency, a valid Beancount currency.
    pub currency: String,
    /// Who was paid (money out).
    pub creditor_name: Option<String>,
    /// The party finally paid, when not the creditor.
    pub ultimate_creditor: Option<String>,
    /// The creditor's IBAN.
    pub creditor_iban: Option<String>,
    /// Who paid (money in).
    pub debtor_name: Option<String>,
    /// The party that finally paid, when not the debtor.
    pub ultimate_debtor: Option<String>,
    /// The debtor's IBAN.
    pub debtor_iban: Option<String>,
    /// `remittanceInformationUnstructured`.
    pub remittance: Option<String>,
    /// `remittanceInformationUnstructuredArray`.
    pub remittance_array: Vec<String>,
    /// `remittanceInformationStructured`.
    pub remittance_structured: Option<String>,
    /// `remittanceInformationStructuredArray`.
    pub remittance_structured_array: Vec<String>,
    /// `additionalInformation`.
    pub additional_information: Option<String>,
    /// The ISO 20022 bank transaction code.
    pub bank_code: Option<String>,
    /// The bank's own transaction code.
    pub proprietary_code: Option<String>,
    /// The merchant category code (`merchantCategoryCode`, not in the spec).
    pub mcc: Option<String>,
    /// The first currency conversion, when there is one.
    pub exchange: Option<Exchange>,
    /// The ids the bank gave, in the order they are trusted.
    pub ids: CandidateIds,
    /// The balance after this transaction, when the bank gives it.
    pub balance_after: Option<(Decimal, String)>,
    /// Metadata the source puts on the bank account's posting, after the
    /// id (`plaid_pending_id`: the pending transaction a booked one
    /// replaces). Keys are valid Beancount metadata keys; the id key and
    /// a key given twice keep their first value.
    pub meta: Vec<(String, String)>,
    /// The transaction's JSON as received: shared, often with the whole
    /// response it came in, never a copy of it.
    pub raw: ByteString,
}

/// A currency conversion.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exchange {
    /// The currency converted from.
    pub source_currency: Option<String>,
    /// The currency converted to.
    pub target_currency: Option<String>,
    /// The currency the rate is quoted per unit of.
    pub unit_currency: Option<String>,
    /// The rate.
    pub rate: Option<Decimal>,
    /// The amount as instructed, in the source or the target currency
    /// depending on the bank.
    pub instructed: Option<(Decimal, String)>,
}

/// The ids a bank may give a transaction. None of them is trusted blindly:
/// see `convert` for how `gocardless_id` is chosen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CandidateIds {
    /// `transactionId`; `NOTPROVIDED` is treated as absent.
    pub transaction_id: Option<String>,
    /// `internalTransactionId`, GoCardless' own (booked only).
    pub internal_transaction_id: Option<String>,
    /// `entryReference`: sometimes an id, sometimes not.
    pub entry_reference: Option<String>,
    /// `endToEndId`.
    pub end_to_end_id: Option<String>,
}

/// Why a bank record cannot become a [`BankTransaction`] or an entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConversionError {
    /// The currency is not one Beancount accepts.
    #[error("{0}")]
    InvalidCurrency(String),
    /// The currency is not the one configured for the account.
    #[error("currency {found} but the account is configured for {expected}")]
    CurrencyMismatch {
        /// The configured currency.
        expected: String,
        /// The transaction's.
        found: String,
    },
    /// A date Beancount cannot read (its years are 1 to 9999).
    #[error("date {0} is outside the years 1 to 9999 that Beancount reads")]
    DateOutOfRange(String),
    /// No date at all.
    #[error("no date: none of bookingDate, valueDate, bookingDateTime, valueDateTime is readable")]
    NoDate,
}

impl BankTransaction {
    /// A transaction with this status, amount and currency, dated by
    /// `booking_date`, and nothing else known: what a source fills in.
    ///
    /// ```
    /// use importer::{BankTransaction, Status};
    /// let mut t = BankTransaction::new(Status::Booked, "-10.50".parse().unwrap(), "EUR");
    /// t.booking_date = "2024-01-02".parse().ok();
    /// t.payee = Some("Shop Ltd".into());
    /// assert_eq!(t.counterparty_name(), Some("Shop Ltd"));
    /// ```
    pub fn new(status: Status, amount: Decimal, currency: impl Into<String>) -> BankTransaction {
        BankTransaction {
            status,
            booking_date: None,
            value_date: None,
            booking_date_time: None,
            value_date_time: None,
            transaction_date: None,
            amount,
            payee: None,
            narration: None,
            currency: currency.into(),
            creditor_name: None,
            ultimate_creditor: None,
            creditor_iban: None,
            debtor_name: None,
            ultimate_debtor: None,
            debtor_iban: None,
            remittance: None,
            remittance_array: Vec::new(),
            remittance_structured: None,
            remittance_structured_array: Vec::new(),
            additional_information: None,
            bank_code: None,
            proprietary_code: None,
            mcc: None,
            exchange: None,
            ids: CandidateIds::default(),
            balance_after: None,
            meta: Vec::new(),
            raw: ByteString::from("{}"),
        }
    }

    /// The entry date per `mode`: booking date, else value date (value
    /// date first with [`DateMode::Value`]; the transaction date first
    /// with [`DateMode::Transaction`]), then the date parts of the
    /// date-times, then the transaction date.
    ///
    /// ```
    /// use importer::config::DateMode;
    /// use importer::{BankTransaction, Status};
    /// let mut t = BankTransaction::new(Status::Booked, 1.into(), "EUR");
    /// t.booking_date = "2026-11-21".parse().ok();
    /// t.transaction_date = "2026-11-20".parse().ok();
    /// assert_eq!(t.date(DateMode::Booking), t.booking_date);
    /// assert_eq!(t.date(DateMode::Transaction), t.transaction_date);
    /// t.booking_date = None;
    /// assert_eq!(t.date(DateMode::Value), t.transaction_date);
    /// ```
    pub fn date(&self, mode: DateMode) -> Option<NaiveDate> {
        let (a, b, c, d) = match mode {
            DateMode::Booking | DateMode::Transaction => (
                self.booking_date,
                self.value_date,
                self.booking_date_time,
                self.value_date_time,
            ),
            DateMode::Value => (
                self.value_date,
                self.booking_date,
                self.value_date_time,
                self.booking_date_time,
            ),
        };
        let first = match mode {
            DateMode::Transaction => self.transaction_date,
            DateMode::Booking | DateMode::Value => None,
        };
        first.or(a).or(b).or(c).or(d).or(self.transaction_date)
    }

    /// Whether money left the account.
    pub fn is_outflow(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// The counterparty's name: [`BankTransaction::payee`] when set, else
    /// the creditor (else ultimate creditor) for money out, the debtor
    /// (else ultimate debtor) for money in.
    pub fn counterparty_name(&self) -> Option<&str> {
        if let Some(p) = &self.payee {
            return Some(p);
        }
        if self.is_outflow() {
            self.creditor_name
                .as_deref()
                .or(self.ultimate_creditor.as_deref())
        } else {
            self.debtor_name
                .as_deref()
                .or(self.ultimate_debtor.as_deref())
        }
    }

    /// The counterparty's IBAN, on the same side as [`Self::counterparty_name`].
    pub fn counterparty_iban(&self) -> Option<&str> {
        if self.is_outflow() {
            self.creditor_iban.as_deref()
        } else {
            self.debtor_iban.as_deref()
        }
    }

    /// The transaction's description, before whitespace is collapsed:
    /// [`BankTransaction::narration`] when set, else the unstructured
    /// remittance, else its array joined with spaces, else the structured
    /// text or array, else additional information, else the bank codes.
    pub fn description(&self) -> Option<Cow<'_, str>> {
        if let Some(n) = &self.narration {
            return Some(Cow::Borrowed(n));
        }
        if let Some(r) = &self.remittance {
            return Some(Cow::Borrowed(r));
        }
        if !self.remittance_array.is_empty() {
            return Some(Cow::Owned(self.remittance_array.join(" ")));
        }
        if let Some(r) = &self.remittance_structured {
            return Some(Cow::Borrowed(r));
        }
        if !self.remittance_structured_array.is_empty() {
            return Some(Cow::Owned(self.remittance_structured_array.join(" ")));
        }
        self.additional_information
            .as_deref()
            .or(self.bank_code.as_deref())
            .or(self.proprietary_code.as_deref())
            .map(Cow::Borrowed)
    }

    /// Every text of the transaction (names, remittance, additional
    /// information), joined by spaces: what rules match with `text`.
    pub fn all_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for s in [
            &self.payee,
            &self.narration,
            &self.creditor_name,
            &self.ultimate_creditor,
            &self.debtor_name,
            &self.ultimate_debtor,
            &self.remittance,
        ] {
            parts.extend(s.as_deref());
        }
        parts.extend(self.remittance_array.iter().map(String::as_str));
        parts.extend(self.remittance_structured.as_deref());
        parts.extend(self.remittance_structured_array.iter().map(String::as_str));
        parts.extend(self.additional_information.as_deref());
        parts.join(" ")
    }

    /// The JSON value at a dotted path (`a.b.0.c`; a number indexes a
    /// list), as text: strings as they are, numbers and booleans as
    /// written, objects and lists as compact JSON. `None` when absent or
    /// null.
    ///
    /// ```
    /// use importer::{BankTransaction, Status};
    /// let mut t = BankTransaction::new(Status::Booked, 1.into(), "EUR");
    /// t.raw = r#"{"transactionAmount": {"amount": "1", "currency": "EUR"},
    ///   "extra": {"items": [{"name": "x"}, {"name": "y"}]}}"#.into();
    /// assert_eq!(t.field("extra.items.1.name").as_deref(), Some("y"));
    /// assert_eq!(t.field("transactionAmount.amount").as_deref(), Some("1"));
    /// assert_eq!(t.field("extra.items.7"), None);
    /// ```
    pub fn field(&self, path: &str) -> Option<String> {
        // Only the values along the path are read into a tree: a record's
        // other fields are skipped, not built and dropped (a tree of the
        // whole record per transaction was a tenth of an import's CPU).
        let parts: Vec<&str> = path.split('.').collect();
        let mut de = serde_json::Deserializer::from_str(&self.raw);
        let found = PathSeed(&parts).deserialize(&mut de).ok()?;
        de.end().ok()?;
        text_of(&found?)
    }
}

/// Whether an object's key is this one (compared unescaped, without
/// allocating).
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// Reads a JSON value, keeping only the value at the path (the last of
/// them when a key is repeated, as a tree of the whole value would).
struct PathSeed<'p, 'a>(&'p [&'a str]);

impl<'de> DeserializeSeed<'de> for PathSeed<'_, '_> {
    type Value = Option<serde_json::Value>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        if self.0.is_empty() {
            return serde_json::Value::deserialize(de).map(Some);
        }
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PathSeed<'_, '_> {
    type Value = Option<serde_json::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (key, rest) = self.0.split_first().expect("a path step");
        let mut found = None;
        while let Some(same) = map.next_key_seed(KeyIs(key))? {
            if same {
                found = map.next_value_seed(PathSeed(rest))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let (index, rest) = self.0.split_first().expect("a path step");
        let index = index.parse::<usize>().ok();
        let mut found = None;
        let mut i = 0;
        loop {
            let more = if Some(i) == index {
                match seq.next_element_seed(PathSeed(rest))? {
                    Some(v) => {
                        found = v;
                        true
                    }
                    None => false,
                }
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(found);
            }
            i += 1;
        }
    }

    // A path that goes on into a string, number, boolean or null leads
    // nowhere.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The value at a dotted path in a JSON tree, as text (see
/// [`BankTransaction::field`]).
pub fn field_of(root: &serde_json::Value, path: &str) -> Option<String> {
    let mut v = root;
    for part in path.split('.') {
        v = match v {
            serde_json::Value::Object(m) => m.get(part)?,
            serde_json::Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    text_of(v)
}

/// A value as [`BankTransaction::field`] gives it.
fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_what_the_whole_tree_gives() {
        let json = r#"{"a": {"b": [1, 2.50, {"c": "x\u0041"}], "n": null, "t": true},
            "k\u0065y": "escaped", "dup": 1, "dup": {"in": 2}, "big": 18446744073709551616,
            "list": [[0, 1], []], "s": "not an object"}"#;
        let mut t = BankTransaction::new(Status::Booked, Decimal::ONE, "EUR");
        t.raw = json.into();
        let tree: serde_json::Value = serde_json::from_str(json).unwrap();
        for path in [
            "a", "a.b", "a.b.0", "a.b.1", "a.b.2", "a.b.2.c", "a.b.3", "a.b.x", "a.n", "a.t",
            "a.t.x", "key", "dup", "dup.in", "big", "list.0.1", "list.1", "list.1.0", "s", "s.0",
            "missing", "", "a..b",
        ] {
            assert_eq!(t.field(path), field_of(&tree, path), "{path}");
        }
        t.raw = r#"{"a": 1} trailing"#.into();
        assert_eq!(t.field("a"), None);
        t.raw = r#"{"a": 1, "b": [}"#.into();
        assert_eq!(t.field("a"), None);
    }

    #[test]
    fn each_date_mode_has_its_date_first_and_falls_back() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d);
        let mut t = BankTransaction::new(Status::Booked, Decimal::ONE, "USD");
        t.booking_date = day(20);
        t.value_date = day(19);
        t.transaction_date = day(18);
        assert_eq!(t.date(DateMode::Booking), day(20));
        assert_eq!(t.date(DateMode::Value), day(19));
        assert_eq!(t.date(DateMode::Transaction), day(18));
        t.transaction_date = None;
        assert_eq!(t.date(DateMode::Transaction), day(20));
        // A pending card payment known only by the day it happened.
        let mut p = BankTransaction::new(Status::Pending, Decimal::ONE, "USD");
        p.transaction_date = day(21);
        for mode in [DateMode::Booking, DateMode::Value, DateMode::Transaction] {
            assert_eq!(p.date(mode), day(21), "{mode:?}");
        }
    }
}
