//! Accounts: metadata (`GET /accounts/{id}/`) and details
//! (`GET /accounts/{id}/details/`).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;
use source::open_enum;

open_enum! {
    /// The state of an account at GoCardless.
    pub enum AccountStatus {
        /// Found at the bank, not yet processed.
        Discovered = "DISCOVERED",
        /// Being processed.
        Processing = "PROCESSING",
        /// Ready to be read.
        Ready = "READY",
        /// An error occurred while reading it.
        Error = "ERROR",
        /// Suspended after repeated errors; the user must connect again.
        Suspended = "SUSPENDED",
        /// Access expired; the user must connect again.
        Expired = "EXPIRED",
        /// Deleted.
        Deleted = "DELETED",
    }
}

/// Account metadata (`Account`): what GoCardless knows of an account
/// without asking the bank; it costs none of the daily bank budget.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct AccountMetadata {
    /// The account id (a UUID).
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub id: String,
    /// When GoCardless first saw it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<FixedOffset>>,
    /// When GoCardless last read it at the bank.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_accessed: Option<DateTime<FixedOffset>>,
    /// IBAN.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub iban: Option<String>,
    /// BBAN.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub bban: Option<String>,
    /// Its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountStatus>,
    /// The institution.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub institution_id: Option<String>,
    /// The holder's name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_name: Option<String>,
    /// The account's name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// Fields the spec does not name (`aspsp_identifier`, …), kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The details response: `{"account": {...}}` (`AccountDetail`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct AccountDetailsResponse {
    /// The details.
    #[serde(default)]
    pub account: AccountDetails,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What the bank says about an account (`DetailSchema`, Berlin Group names).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDetails {
    /// The bank's id of the account.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_id: Option<String>,
    /// IBAN.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub iban: Option<String>,
    /// BBAN.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub bban: Option<String>,
    /// UK sort code and account number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub scan: Option<String>,
    /// Phone number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub msisdn: Option<String>,
    /// The account currency (ISO 4217).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<String>,
    /// The holder's name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_name: Option<String>,
    /// The account's name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// A name for display.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    /// The bank's product name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub product: Option<String>,
    /// ISO 20022 cash account type (`CACC`, `CARD`, `SVGS`, …).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub cash_account_type: Option<String>,
    /// The bank's status of the account (`enabled`, …).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// BIC.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub bic: Option<String>,
    /// Linked accounts, as the bank writes them.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub linked_accounts: Option<String>,
    /// Masked card number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub masked_pan: Option<String>,
    /// `PRIV` or `ORGA`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub usage: Option<String>,
    /// Free text from the bank.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub details: Option<String>,
    /// The holder's address as lines.
    #[serde(
        default,
        deserialize_with = "lenient::one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub owner_address_unstructured: Vec<String>,
    /// The holder's address in parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_address_structured: Option<OwnerAddress>,
    /// More identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_account_data: Option<AdditionalAccountData>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A structured postal address (`OwnerAddressStructuredSchema`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerAddress {
    /// Street.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub street_name: Option<String>,
    /// Building number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub building_number: Option<String>,
    /// Town.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub town_name: Option<String>,
    /// Post code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub post_code: Option<String>,
    /// Country code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub country: Option<String>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// More identification of an account (`AdditionalAccountDataSchema`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalAccountData {
    /// A secondary identification (a building-society roll number, say).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub secondary_identification: Option<String>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
