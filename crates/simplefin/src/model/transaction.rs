//! Transactions: the raw record as received and its typed view.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::lenient;

/// One transaction exactly as the server sent it.
///
/// The raw JSON is kept so that one record a server got wrong never spoils
/// the response: [`TransactionRecord::parse`] gives the typed view or says
/// what is wrong with this record alone, and fields the protocol does not
/// name (`mcc`, what `extra` holds) stay reachable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TransactionRecord(Box<RawValue>);

impl PartialEq for TransactionRecord {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl TransactionRecord {
    /// Wraps raw JSON text.
    ///
    /// # Errors
    /// When the text is not JSON.
    pub fn from_json(json: &str) -> Result<TransactionRecord, serde_json::Error> {
        RawValue::from_string(json.to_owned()).map(TransactionRecord)
    }

    /// The JSON text as received.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The typed view.
    ///
    /// # Errors
    /// When the record is not an object, or its `id` or `amount` is missing
    /// or unreadable, or a timestamp is not one.
    pub fn parse(&self) -> Result<Transaction, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The record's `id` when it has a readable one, even if the rest of
    /// the record cannot be read.
    pub fn id(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct IdOnly {
            #[serde(default, deserialize_with = "lenient::opt_text")]
            id: Option<String>,
        }
        serde_json::from_str::<IdOnly>(self.0.get()).ok()?.id
    }
}

/// The typed view of a transaction.
///
/// `id` and `amount` are required; every other field has been seen missing
/// and reads as absent. Timestamps are UTC; `posted` is `None` for a
/// pending transaction (the protocol sends `0`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transaction {
    /// Unique within the account and never reused (the protocol's promise).
    /// A pending transaction usually posts under another id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// When it posted to the account; `None` while pending.
    #[serde(default, deserialize_with = "lenient::epoch")]
    pub posted: Option<DateTime<Utc>>,
    /// Positive for money into the account.
    #[serde(deserialize_with = "lenient::decimal")]
    pub amount: Decimal,
    /// What the bank says the transaction was for; empty when missing.
    #[serde(default, deserialize_with = "lenient::text")]
    pub description: String,
    /// A cleaned-up merchant name (the Bridge sends it; the protocol does not
    /// define it).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub payee: Option<String>,
    /// A memo (the Bridge sends it, often empty).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub memo: Option<String>,
    /// When the transaction happened (the purchase, not the posting).
    #[serde(default, deserialize_with = "lenient::epoch")]
    pub transacted_at: Option<DateTime<Utc>>,
    /// Whether the server flagged it pending. See [`Transaction::is_pending`].
    #[serde(default, deserialize_with = "lenient::flag")]
    pub pending: bool,
    /// Server-specific data (`category`, …), when it is an object.
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub extra: Option<Map<String, Value>>,
}

impl Transaction {
    /// Pending when flagged so, or when it has not posted (`posted: 0`).
    pub fn is_pending(&self) -> bool {
        self.pending || self.posted.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bridge_fields_and_pending() {
        let r = TransactionRecord::from_json(
            r#"{"id":"TRN-1","posted":0,"amount":"-22.11","description":"CURSOR, AI POWERED IDE",
                "payee":"Cursor","memo":"","transacted_at":1770552000,"pending":true,
                "extra":{"category":"software"},"mcc":"5734"}"#,
        )
        .unwrap();
        let t = r.parse().unwrap();
        assert_eq!(t.id, "TRN-1");
        assert!(t.is_pending() && t.posted.is_none());
        assert_eq!(t.amount.to_string(), "-22.11");
        assert_eq!(t.payee.as_deref(), Some("Cursor"));
        assert_eq!(t.memo, None);
        assert_eq!(t.transacted_at.unwrap().timestamp(), 1770552000);
        assert_eq!(t.extra.unwrap()["category"], "software");
        assert!(r.json().contains("\"mcc\""));
    }

    #[test]
    fn one_bad_field_fails_only_its_record_and_keeps_the_id() {
        let r =
            TransactionRecord::from_json(r#"{"id":"TRN-2","posted":1,"amount":"twelve"}"#).unwrap();
        let e = r.parse().unwrap_err().to_string();
        assert!(e.contains("twelve"), "{e}");
        assert_eq!(r.id().as_deref(), Some("TRN-2"));
        let no_id = TransactionRecord::from_json(r#"{"posted":1,"amount":"1"}"#).unwrap();
        assert!(no_id.parse().is_err() && no_id.id().is_none());
        let posted = TransactionRecord::from_json(r#"{"id":7,"posted":"5","amount":1}"#)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(posted.id, "7");
        assert!(!posted.is_pending());
    }
}
