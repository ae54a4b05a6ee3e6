//! Transactions, as `/transactions/sync` sends them in `added` and
//! `modified`, and the ids of `removed` ones.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::lenient;
use source::open_enum;

/// One transaction exactly as Plaid sent it.
///
/// The raw JSON is kept so that nothing is lost (counterparties, location,
/// payment metadata, fields newer than this crate) and so that a record
/// that cannot be read spoils only itself, never its page:
/// [`TransactionRecord::parse`] gives the typed view and fails only for
/// this record.
///
/// ```
/// let r = plaid::TransactionRecord::from_json(
///     r#"{"transaction_id": "t1", "account_id": "a1", "amount": 72.1,
///         "iso_currency_code": "USD", "date": "2023-09-24", "pending": false,
///         "name": "PURCHASE WM SUPERCENTER #1700", "merchant_name": "Walmart"}"#,
/// ).unwrap();
/// let t = r.parse().unwrap();
/// assert_eq!(t.amount.to_string(), "72.1"); // positive: money went out
/// assert_eq!(t.payee(), Some("Walmart"));
/// assert_eq!(r.transaction_id().as_deref(), Some("t1"));
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct TransactionRecord(Box<RawValue>);

impl TransactionRecord {
    /// Wraps raw JSON text. Fails when the text is not JSON.
    ///
    /// # Errors
    /// When `json` is not a JSON value.
    pub fn from_json(json: &str) -> Result<TransactionRecord, serde_json::Error> {
        RawValue::from_string(json.to_owned()).map(TransactionRecord)
    }

    /// The JSON text as received.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The JSON as a tree, for reaching fields by path (`Null` if the
    /// record is not an object).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    /// The typed view.
    ///
    /// # Errors
    /// When the id, the account id, the amount or the date is missing or
    /// unreadable, or a field has a type no Plaid version sends.
    pub fn parse(&self) -> Result<Transaction, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The `transaction_id`, read even when the rest of the record is not
    /// (to report or drop a bad record by its id).
    pub fn transaction_id(&self) -> Option<String> {
        self.id_field("transaction_id")
    }

    /// The `account_id`, read even when the rest of the record is not (to
    /// tell which account a bad record belongs to).
    pub fn account_id(&self) -> Option<String> {
        self.id_field("account_id")
    }

    fn id_field(&self, key: &str) -> Option<String> {
        let v = self.value().get(key)?.clone();
        lenient::opt_id(v).ok().flatten()
    }
}

/// The typed view of a Plaid transaction.
///
/// `amount` is positive when money left the account (a purchase, also on
/// a credit card) and negative when it came in (a deposit, a refund, a
/// card payment): the opposite of a Beancount posting on the account.
/// Ids are trimmed; blank optional texts are `None`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transaction {
    /// Plaid's id of the transaction. A pending transaction and the posted
    /// one that replaces it have different ids.
    #[serde(deserialize_with = "lenient::id")]
    pub transaction_id: String,
    /// The account it belongs to.
    #[serde(deserialize_with = "lenient::id")]
    pub account_id: String,
    /// Positive: money out; negative: money in. Every digit sent is kept.
    #[serde(deserialize_with = "lenient::decimal")]
    pub amount: Decimal,
    /// ISO 4217 code; `None` when `unofficial_currency_code` is set.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub iso_currency_code: Option<String>,
    /// A currency without an ISO code (crypto, say).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub unofficial_currency_code: Option<String>,
    /// The posted date; while pending, the day it occurred.
    #[serde(deserialize_with = "lenient::date")]
    pub date: NaiveDate,
    /// When the transaction was authorized (often earlier than `date`).
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub authorized_date: Option<NaiveDate>,
    /// When it posted, with time, at the institutions that say.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub datetime: Option<DateTime<FixedOffset>>,
    /// When it was authorized, with time, at the institutions that say.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub authorized_datetime: Option<DateTime<FixedOffset>>,
    /// Not settled yet: its details may change, and a posted transaction
    /// with another id replaces it.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub pending: bool,
    /// On a posted transaction: the id of the pending one it replaces.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub pending_transaction_id: Option<String>,
    /// The merchant name or the bank's description, as Plaid cleaned it.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// The merchant, as Plaid enriched it.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub merchant_name: Option<String>,
    /// The bank's own description; only sent when asked for
    /// (`include_original_description`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub original_description: Option<String>,
    /// Plaid's category of the transaction.
    #[serde(default)]
    pub personal_finance_category: Option<PersonalFinanceCategory>,
    /// How the payment was made.
    #[serde(default)]
    pub payment_channel: Option<PaymentChannel>,
    /// The check number, for checks.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub check_number: Option<String>,
}

impl Transaction {
    /// The currency: the ISO code, else the unofficial one.
    pub fn currency(&self) -> Option<&str> {
        self.iso_currency_code
            .as_deref()
            .or(self.unofficial_currency_code.as_deref())
    }

    /// Who was paid or paid: `merchant_name`, else `name`.
    pub fn payee(&self) -> Option<&str> {
        self.merchant_name.as_deref().or(self.name.as_deref())
    }
}

/// Plaid's personal finance category.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PersonalFinanceCategory {
    /// The broad category, e.g. `FOOD_AND_DRINK`.
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub primary: String,
    /// The precise one, e.g. `FOOD_AND_DRINK_FAST_FOOD`.
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub detailed: String,
    /// How sure Plaid is.
    #[serde(default)]
    pub confidence_level: Option<ConfidenceLevel>,
}

open_enum! {
    /// How sure Plaid is of a category.
    pub enum ConfidenceLevel {
        /// More than 98 %.
        VeryHigh = "VERY_HIGH",
        /// More than 90 %.
        High = "HIGH",
        /// Moderately.
        Medium = "MEDIUM",
        /// Other categories may fit better.
        Low = "LOW",
        /// Plaid does not know.
        Unknown = "UNKNOWN",
    }
}

open_enum! {
    /// How a payment was made.
    pub enum PaymentChannel {
        /// Online.
        Online = "online",
        /// At a physical location.
        InStore = "in store",
    }
}

/// A transaction that `/transactions/sync` reports removed: its ids only.
/// A pending transaction that posted is removed under its pending id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct RemovedTransaction {
    /// The removed transaction's id.
    #[serde(deserialize_with = "lenient::id")]
    pub transaction_id: String,
    /// Its account (empty when Plaid does not say).
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub account_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_record_fails_alone_and_keeps_its_id() {
        let r = TransactionRecord::from_json(
            r#"{"transaction_id": " t9 ", "account_id": "a", "amount": "lots", "date": "2024-01-02"}"#,
        )
        .unwrap();
        let e = r.parse().unwrap_err().to_string();
        assert!(e.contains("invalid amount"), "{e}");
        assert_eq!(r.transaction_id().as_deref(), Some("t9"));
        assert_eq!(r.account_id().as_deref(), Some("a"));
        for bad in [
            r#"{"account_id": "a", "amount": 1, "date": "2024-01-02"}"#,
            r#"{"transaction_id": "t", "account_id": "a", "amount": 1}"#,
            r#"{"transaction_id": "t", "account_id": "a", "amount": 1, "date": "02.01.2024"}"#,
            r#"{"transaction_id": "  ", "account_id": "a", "amount": 1, "date": "2024-01-02"}"#,
        ] {
            assert!(
                TransactionRecord::from_json(bad).unwrap().parse().is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn optional_fields_tolerate_nulls_blanks_and_new_values() {
        let t = TransactionRecord::from_json(
            r#"{"transaction_id": "t", "account_id": "a", "amount": -5, "date": "2024-01-02",
                "iso_currency_code": null, "unofficial_currency_code": "BTC",
                "authorized_date": "not a date", "datetime": null, "pending": null,
                "pending_transaction_id": "", "name": "  ", "merchant_name": null,
                "payment_channel": "by pigeon",
                "personal_finance_category": {"primary": "INCOME", "detailed": "INCOME_WAGES",
                    "confidence_level": "SOMEWHAT"},
                "brand_new_field": {"x": 1}}"#,
        )
        .unwrap()
        .parse()
        .unwrap();
        assert_eq!(t.currency(), Some("BTC"));
        assert_eq!(t.authorized_date, None);
        assert!(!t.pending);
        assert_eq!(t.pending_transaction_id, None);
        assert_eq!(t.payee(), None);
        assert_eq!(
            t.payment_channel,
            Some(PaymentChannel::Other("by pigeon".into()))
        );
        let pfc = t.personal_finance_category.unwrap();
        assert_eq!(pfc.detailed, "INCOME_WAGES");
        assert_eq!(
            pfc.confidence_level,
            Some(ConfidenceLevel::Other("SOMEWHAT".into()))
        );
    }
}
