//! [`BankTransaction`]: the importer's own view of one bank transaction.
//!
//! Conversion works on this type, not on the GoCardless model, so another
//! data source only has to build these. It keeps the raw JSON so that
//! `metadata_fields` can reach fields no model names.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::NaiveDate;
use gocardless::{Transaction, TransactionRecord};
use rust_decimal::Decimal;

use crate::beancount;
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
    /// The transaction's JSON as received.
    pub raw: Arc<str>,
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
    /// The JSON has no readable `transactionAmount`.
    #[error("unreadable transaction: {0}")]
    Unreadable(String),
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
    /// No date at all.
    #[error("no date: none of bookingDate, valueDate, bookingDateTime, valueDateTime is readable")]
    NoDate,
}

impl BankTransaction {
    /// Builds the importer's view of a GoCardless record.
    ///
    /// ```
    /// use gocardless::TransactionRecord;
    /// use importer::{BankTransaction, Status};
    /// let r = TransactionRecord::from_json(r#"{"transactionId": "NOTPROVIDED",
    ///   "bookingDate": "2024-01-02", "creditorName": " Shop  Ltd ",
    ///   "transactionAmount": {"amount": "-10.5000", "currency": "EUR"}}"#).unwrap();
    /// let t = BankTransaction::from_record(&r, Status::Booked).unwrap();
    /// assert_eq!(t.ids.transaction_id, None);
    /// assert_eq!(t.creditor_name.as_deref(), Some("Shop  Ltd"));
    /// assert_eq!(t.amount.to_string(), "-10.5000");
    /// ```
    pub fn from_record(
        record: &TransactionRecord,
        status: Status,
    ) -> Result<BankTransaction, ConversionError> {
        let t = match record.parse() {
            Ok(t) => t,
            // Some tools store transactions with snake_case keys.
            Err(e) => match snake_to_camel(record.json()) {
                Some(t) => t,
                None => return Err(ConversionError::Unreadable(e.to_string())),
            },
        };
        let mut b = BankTransaction::from_transaction(t, status, Arc::from(record.json()))?;
        // The merchant category code is not in the spec, so not in the model.
        if memchr::memmem::find(record.json().as_bytes(), b"merchantCategoryCode").is_some() {
            b.mcc = b.field("merchantCategoryCode");
        }
        Ok(b)
    }

    /// Builds the view from a typed transaction; `raw` is its JSON.
    pub fn from_transaction(
        t: Transaction,
        status: Status,
        raw: Arc<str>,
    ) -> Result<BankTransaction, ConversionError> {
        let currency = trimmed(t.transaction_amount.currency);
        beancount::check_currency(&currency).map_err(ConversionError::InvalidCurrency)?;
        let exchange = t.currency_exchange.into_iter().next().map(|x| Exchange {
            source_currency: clean(x.source_currency),
            target_currency: clean(x.target_currency),
            unit_currency: clean(x.unit_currency),
            rate: x.exchange_rate,
            instructed: x.instructed_amount.map(|a| (a.amount, trimmed(a.currency))),
        });
        let not_provided =
            |id: Option<String>| id.filter(|s| !s.eq_ignore_ascii_case("NOTPROVIDED"));
        Ok(BankTransaction {
            status,
            booking_date: t.booking_date,
            value_date: t.value_date,
            booking_date_time: t.booking_date_time.map(|d| d.date_naive()),
            value_date_time: t.value_date_time.map(|d| d.date_naive()),
            amount: t.transaction_amount.amount,
            payee: None,
            narration: None,
            currency,
            creditor_name: clean(t.creditor_name),
            ultimate_creditor: clean(t.ultimate_creditor),
            creditor_iban: t.creditor_account.and_then(|a| a.iban),
            debtor_name: clean(t.debtor_name),
            ultimate_debtor: clean(t.ultimate_debtor),
            debtor_iban: t.debtor_account.and_then(|a| a.iban),
            remittance: clean(t.remittance_information_unstructured),
            remittance_array: clean_list(t.remittance_information_unstructured_array),
            remittance_structured: clean(t.remittance_information_structured),
            remittance_structured_array: clean_list(t.remittance_information_structured_array),
            additional_information: clean(t.additional_information),
            bank_code: clean(t.bank_transaction_code),
            proprietary_code: clean(t.proprietary_bank_transaction_code),
            mcc: None,
            exchange,
            ids: CandidateIds {
                transaction_id: not_provided(t.transaction_id),
                internal_transaction_id: not_provided(t.internal_transaction_id),
                entry_reference: t.entry_reference,
                end_to_end_id: not_provided(t.end_to_end_id),
            },
            balance_after: t
                .balance_after_transaction
                .map(|b| (b.balance_amount.amount, trimmed(b.balance_amount.currency))),
            raw,
        })
    }

    /// The entry date per `mode`: booking date (or value date first with
    /// [`DateMode::Value`]), then the date parts of the date-times.
    pub fn date(&self, mode: DateMode) -> Option<NaiveDate> {
        let (a, b, c, d) = match mode {
            DateMode::Booking => (
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
        a.or(b).or(c).or(d)
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
    /// use gocardless::TransactionRecord;
    /// use importer::{BankTransaction, Status};
    /// let r = TransactionRecord::from_json(r#"{"transactionAmount": {"amount": "1", "currency": "EUR"},
    ///   "extra": {"items": [{"name": "x"}, {"name": "y"}]}}"#).unwrap();
    /// let t = BankTransaction::from_record(&r, Status::Booked).unwrap();
    /// assert_eq!(t.field("extra.items.1.name").as_deref(), Some("y"));
    /// assert_eq!(t.field("transactionAmount.amount").as_deref(), Some("1"));
    /// assert_eq!(t.field("extra.items.7"), None);
    /// ```
    pub fn field(&self, path: &str) -> Option<String> {
        let root: serde_json::Value = serde_json::from_str(&self.raw).ok()?;
        field_of(&root, path)
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
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Reads a record written with snake_case keys (`transaction_amount`), as
/// some tools store them. `None` when it is not one or still unreadable.
fn snake_to_camel(json: &str) -> Option<Transaction> {
    if !json.contains("\"transaction_amount\"") {
        return None;
    }
    fn camel(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => m
                .into_iter()
                .map(|(k, v)| {
                    let mut out = String::with_capacity(k.len());
                    let mut up = false;
                    for c in k.chars() {
                        if c == '_' {
                            up = true;
                        } else if up {
                            out.extend(c.to_uppercase());
                            up = false;
                        } else {
                            out.push(c);
                        }
                    }
                    (out, camel(v))
                })
                .collect(),
            serde_json::Value::Array(a) => a.into_iter().map(camel).collect(),
            other => other,
        }
    }
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    serde_json::from_value(camel(v)).ok()
}

/// Trims without reallocating when there is nothing to trim.
fn trimmed(s: String) -> String {
    if s.len() == s.trim().len() {
        s
    } else {
        s.trim().to_owned()
    }
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(trimmed).filter(|s| !s.is_empty())
}

fn clean_list(v: Vec<String>) -> Vec<String> {
    v.into_iter()
        .map(trimmed)
        .filter(|s| !s.is_empty())
        .collect()
}
