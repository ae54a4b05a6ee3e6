//! One page of `/transactions/sync`, and its cursor.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::lenient;
use super::{Account, RemovedTransaction, TransactionRecord};
use source::open_enum;

/// Where a `/transactions/sync` left off: opaque text (at most 256
/// characters of base64) to keep per Item and send back next time. Plaid
/// keeps a final cursor valid for at least a year.
///
/// ```
/// assert!(plaid::Cursor::new("  ").is_none());
/// let c = plaid::Cursor::new("tVUUL15lYQN5rBnf").unwrap();
/// assert_eq!(c.as_str(), "tVUUL15lYQN5rBnf");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor from its text; `None` when blank (which means "from the
    /// beginning" to Plaid).
    pub fn new(text: &str) -> Option<Cursor> {
        let t = text.trim();
        (!t.is_empty()).then(|| Cursor(t.to_owned()))
    }

    /// The text to store and send.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long and meaningless to a reader: its start is enough to compare.
        let head: String = self.0.chars().take(12).collect();
        if head.len() < self.0.len() {
            write!(f, "Cursor({head}…)")
        } else {
            write!(f, "Cursor({head})")
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

open_enum! {
    /// How far Plaid's pulls of an Item's transactions are
    /// (`transactions_update_status`).
    pub enum UpdateStatus {
        /// Plaid cannot tell.
        Unknown = "TRANSACTIONS_UPDATE_STATUS_UNKNOWN",
        /// The first pull has not finished: nothing to read yet.
        NotReady = "NOT_READY",
        /// Recent transactions are in; older history is still coming.
        InitialUpdateComplete = "INITIAL_UPDATE_COMPLETE",
        /// All history is in.
        HistoricalUpdateComplete = "HISTORICAL_UPDATE_COMPLETE",
    }
}

impl Default for UpdateStatus {
    fn default() -> UpdateStatus {
        UpdateStatus::Other(String::new())
    }
}

/// One page of `/transactions/sync`, as sent. [`crate::Client::sync`]
/// reads pages to the end and merges them; this is for a caller that
/// pages itself.
#[derive(Debug, Clone, Deserialize)]
pub struct SyncPage {
    /// Accounts with transactions in this page, with their (possibly
    /// cached) balances.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub accounts: Vec<Account>,
    /// New transactions, oldest change first.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub added: Vec<TransactionRecord>,
    /// Changed transactions (the whole new version).
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub modified: Vec<TransactionRecord>,
    /// Removed transactions, ids only.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub removed: Vec<RemovedTransaction>,
    /// The cursor after this page; `None` when Plaid sent `""` (no data
    /// yet). Required in the answer.
    #[serde(deserialize_with = "cursor")]
    pub next_cursor: Option<Cursor>,
    /// More pages follow. Required in the answer.
    pub has_more: bool,
    /// How far Plaid's pulls are.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub transactions_update_status: UpdateStatus,
    /// Plaid's id of the request.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub request_id: Option<String>,
}

fn cursor<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cursor>, D::Error> {
    match Option::<String>::deserialize(d) {
        Ok(s) => Ok(s.as_deref().and_then(Cursor::new)),
        Err(e) => Err(de::Error::custom(format!("next_cursor: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_and_has_more_are_required() {
        let ok: SyncPage = serde_json::from_str(
            r#"{"added": null, "next_cursor": "", "has_more": false,
                "transactions_update_status": "NOT_READY"}"#,
        )
        .unwrap();
        assert_eq!(ok.next_cursor, None);
        assert_eq!(ok.transactions_update_status, UpdateStatus::NotReady);
        assert!(ok.added.is_empty());
        for bad in [
            r#"{"has_more": false}"#,
            r#"{"next_cursor": "c"}"#,
            r#"{"next_cursor": 5, "has_more": false}"#,
        ] {
            assert!(serde_json::from_str::<SyncPage>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cursors_debug_short() {
        let c = Cursor::new(&"x".repeat(200)).unwrap();
        assert_eq!(format!("{c:?}"), "Cursor(xxxxxxxxxxxx…)");
        assert_eq!(c.to_string().len(), 200);
    }
}
