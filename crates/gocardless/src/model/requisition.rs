//! Requisitions: a link between an agreement, a bank and its accounts.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;
use source::open_enum;

open_enum! {
    /// The state of a requisition. Only [`RequisitionStatus::Linked`] gives
    /// access to accounts.
    pub enum RequisitionStatus {
        /// Created, the user has not opened the link yet.
        Created = "CR",
        /// The user is giving consent.
        GivingConsent = "GC",
        /// The user is authenticating at the bank.
        UndergoingAuthentication = "UA",
        /// Rejected by the user or the bank.
        Rejected = "RJ",
        /// The user is selecting accounts.
        SelectingAccounts = "SA",
        /// The bank is granting access.
        GrantingAccess = "GA",
        /// Linked: its accounts can be read.
        Linked = "LN",
        /// Suspended after repeated errors.
        Suspended = "SU",
        /// The agreement expired; the user must connect again.
        Expired = "EX",
        /// Initiated (an older status).
        Initiated = "ID",
        /// Failed with an error.
        Error = "ER",
    }
}

impl RequisitionStatus {
    /// Whether the accounts of the requisition can be read.
    pub fn is_linked(&self) -> bool {
        *self == RequisitionStatus::Linked
    }

    /// A short English description, for `status` output.
    pub fn describe(&self) -> &str {
        match self {
            RequisitionStatus::Created => "created, waiting for the user",
            RequisitionStatus::GivingConsent => "giving consent",
            RequisitionStatus::UndergoingAuthentication => "authenticating at the bank",
            RequisitionStatus::Rejected => "rejected",
            RequisitionStatus::SelectingAccounts => "selecting accounts",
            RequisitionStatus::GrantingAccess => "granting access",
            RequisitionStatus::Linked => "linked",
            RequisitionStatus::Suspended => "suspended",
            RequisitionStatus::Expired => "expired",
            RequisitionStatus::Initiated => "initiated",
            RequisitionStatus::Error => "error",
            RequisitionStatus::Other(s) => s,
        }
    }
}

/// A requisition (`Requisition`, `SpectacularRequisition`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Requisition {
    /// Its id (a UUID).
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub id: String,
    /// When it was created.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<FixedOffset>>,
    /// Where the bank sends the user back.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect: Option<String>,
    /// Its state; `None` when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequisitionStatus>,
    /// The institution.
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub institution_id: String,
    /// The agreement id.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub agreement: Option<String>,
    /// The caller's own reference, unique per requisition.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub reference: Option<String>,
    /// The ids of the linked accounts (trimmed; blanks dropped).
    #[serde(default, deserialize_with = "lenient::ids")]
    pub accounts: Vec<String>,
    /// The language of the bank's pages.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_language: Option<String>,
    /// The link the user opens to connect the bank.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub link: Option<String>,
    /// A social security number to verify, where supported.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssn: Option<String>,
    /// Whether the user selects accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_selection: Option<bool>,
    /// Whether the user is redirected at once after the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_immediate: Option<bool>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `POST /requisitions/` (`RequisitionRequest`).
///
/// ```
/// let req = gocardless::model::RequisitionRequest::new("SANDBOXFINANCE_SFIN0000", "http://localhost/cb");
/// let json = serde_json::to_string(&req).unwrap();
/// assert_eq!(json, r#"{"redirect":"http://localhost/cb","institution_id":"SANDBOXFINANCE_SFIN0000"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct RequisitionRequest {
    /// Where the bank sends the user back.
    pub redirect: String,
    /// The institution.
    pub institution_id: String,
    /// An agreement id; without one, GoCardless' default (90 days, all
    /// scopes) applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
    /// A reference of the caller's own, unique per requisition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The language of the bank's pages (ISO 639-1, e.g. `EN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_language: Option<String>,
    /// A social security number to verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn: Option<String>,
    /// Whether the user selects accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_selection: Option<bool>,
    /// Whether to redirect at once after the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_immediate: Option<bool>,
}

impl RequisitionRequest {
    /// A request with only the required fields.
    pub fn new(
        institution_id: impl Into<String>,
        redirect: impl Into<String>,
    ) -> RequisitionRequest {
        RequisitionRequest {
            redirect: redirect.into(),
            institution_id: institution_id.into(),
            ..Default::default()
        }
    }
}
