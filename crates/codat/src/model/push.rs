//! Push operations: what became of a push.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::company::null_as_empty;
use super::date;
use super::transaction::{BankTransaction, CreateBankTransactions};
use source::open_enum;

open_enum! {
    /// Where a push operation stands.
    pub enum PushStatus {
        /// Accepted, still being written to the target.
        Pending = "Pending",
        /// Refused; see the validation errors.
        Failed = "Failed",
        /// Written (for QuickBooks Online: saved by Codat, pulled daily).
        Success = "Success",
        /// Not completed in time; what happened to it is unknown.
        TimedOut = "TimedOut",
    }
}

impl PushStatus {
    /// Whether the operation has ended (anything but `Pending` and values
    /// this crate does not know).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PushStatus::Failed | PushStatus::Success | PushStatus::TimedOut
        )
    }
}

/// Codat's key of a push operation, to ask for its status later.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PushOperationKey(String);

impl PushOperationKey {
    /// A key as Codat gave it (e.g. read back from where it was kept).
    pub fn new(key: impl Into<String>) -> PushOperationKey {
        PushOperationKey(key.into().trim().to_owned())
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PushOperationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One validation finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationItem {
    /// What it is about: for bank transactions the transaction's id, for
    /// other records often a field name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// What is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Which validator said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator_name: Option<String>,
}

impl fmt::Display for ValidationItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.item_id {
            write!(f, "{id}: ")?;
        }
        f.write_str(self.message.as_deref().unwrap_or("(no message)"))
    }
}

/// Validation errors (which make a push fail) and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// Errors.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub errors: Vec<ValidationItem>,
    /// Warnings (e.g. an amount whose sign disagrees with its type).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub warnings: Vec<ValidationItem>,
}

impl Validation {
    /// Whether there is neither error nor warning.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.warnings.is_empty()
    }
}

/// A record a push changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushChange {
    /// `Created`, `Modified`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_ref: Option<RecordRef>,
}

/// The record a [`PushChange`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordRef {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its data type (`bankTransactions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
}

/// A push operation: Codat's record of one push and its outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOperation {
    /// Its key: keep it to ask for its status later.
    pub push_operation_key: PushOperationKey,
    /// The company.
    pub company_id: String,
    /// The connection.
    #[serde(default)]
    pub data_connection_key: String,
    /// What was pushed (`bankTransactions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Where it stands.
    pub status: PushStatus,
    /// The status as an HTTP code (202 pending, 200 done, 400 failed…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// When it was asked for.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub requested_on_utc: Option<DateTime<Utc>>,
    /// When it ended.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_on_utc: Option<DateTime<Utc>>,
    /// The time it was given to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_in_minutes: Option<u32>,
    /// Why it failed, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What the validation found.
    #[serde(default, deserialize_with = "null_as_default")]
    pub validation: Validation,
    /// The records it changed.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub changes: Vec<PushChange>,
    /// What was pushed, as sent back (its shape depends on `data_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Box<RawValue>>,
}

fn null_as_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Validation, D::Error> {
    Ok(Option::<Validation>::deserialize(d)?.unwrap_or_default())
}

/// A validation error and the pushed transaction it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The id of the transaction at fault; `None` when the error is about
    /// the push as a whole (e.g. the account is not connected).
    pub transaction_id: Option<String>,
    /// The finding as Codat wrote it.
    pub item: ValidationItem,
}

impl PushOperation {
    /// The transactions it carried, when it is a bank-transaction push and
    /// Codat sent them back.
    ///
    /// # Errors
    /// When `data` is there but not a bank-transaction push.
    pub fn bank_transactions(&self) -> Result<Option<CreateBankTransactions>, serde_json::Error> {
        self.data
            .as_ref()
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
    }

    /// Each validation error with the id of the transaction of `batch` it
    /// is about: the one its `itemId` names, else the one its message
    /// quotes (the longest id quoted, so `tx-10` is not taken for `tx-1`).
    pub fn rejections(&self, batch: &[BankTransaction]) -> Vec<Rejection> {
        self.validation
            .errors
            .iter()
            .map(|item| Rejection {
                transaction_id: transaction_of(item, batch),
                item: item.clone(),
            })
            .collect()
    }
}

fn transaction_of(item: &ValidationItem, batch: &[BankTransaction]) -> Option<String> {
    if let Some(id) = item.item_id.as_deref().map(str::trim)
        && let Some(t) = batch.iter().find(|t| t.id == id)
    {
        return Some(t.id.clone());
    }
    let message = item.message.as_deref()?;
    batch
        .iter()
        .filter(|t| !t.id.is_empty() && message.contains(t.id.as_str()))
        .max_by_key(|t| t.id.len())
        .map(|t| t.id.clone())
}
