//! End-user agreements (EUA): what the user consents to, for how long.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// An end-user agreement (`EndUserAgreement`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct EndUserAgreement {
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
    /// The institution it is for.
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub institution_id: String,
    /// Days of history it gives access to.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_historical_days: Option<u32>,
    /// Days the access lasts from acceptance.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub access_valid_for_days: Option<u32>,
    /// The scopes: `balances`, `details`, `transactions`.
    #[serde(default, deserialize_with = "lenient::one_or_many")]
    pub access_scope: Vec<String>,
    /// When the user accepted it; `None` until then.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub accepted: Option<DateTime<FixedOffset>>,
    /// Whether it can be reconfirmed to extend it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconfirmation: Option<bool>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `POST /agreements/enduser/` (`EndUserAgreementRequest`).
/// Unset fields take GoCardless' defaults (90 days, every scope).
///
/// ```
/// let req = gocardless::model::EndUserAgreementRequest::new("SANDBOXFINANCE_SFIN0000");
/// assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"institution_id":"SANDBOXFINANCE_SFIN0000"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct EndUserAgreementRequest {
    /// The institution the agreement is for.
    pub institution_id: String,
    /// Days of history to ask for (1–730, at most the bank's
    /// `transaction_total_days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_historical_days: Option<u32>,
    /// Days the access lasts (1–730, at most the bank's
    /// `max_access_valid_for_days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_valid_for_days: Option<u32>,
    /// Scopes to ask for; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_scope: Vec<String>,
    /// Whether the agreement may be reconfirmed later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconfirmation: Option<bool>,
}

impl EndUserAgreementRequest {
    /// A request with GoCardless' defaults for `institution_id`.
    pub fn new(institution_id: impl Into<String>) -> EndUserAgreementRequest {
        EndUserAgreementRequest {
            institution_id: institution_id.into(),
            ..Default::default()
        }
    }
}

/// The body of `PUT /agreements/enduser/{id}/accept/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AcceptanceRequest {
    /// The end user's browser user agent.
    pub user_agent: String,
    /// The end user's IP address.
    pub ip_address: String,
}

/// A reconfirmation of an agreement (`ReconfirmationRetrieve`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Reconfirmation {
    /// The link the user follows to reconfirm.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub reconfirmation_url: Option<String>,
    /// When it was created.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<FixedOffset>>,
    /// The link is valid from…
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub url_valid_from: Option<DateTime<FixedOffset>>,
    /// …until.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub url_valid_to: Option<DateTime<FixedOffset>>,
    /// Where the user is sent afterwards.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect: Option<String>,
    /// When the user last opened the link.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_accessed: Option<DateTime<FixedOffset>>,
    /// When the user last submitted it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_submitted: Option<DateTime<FixedOffset>>,
    /// Per-account reconfirmation state, as sent (its shape is not specified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Value>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `POST /agreements/enduser/{id}/reconfirm/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ReconfirmationRequest {
    /// Where to send the user afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
}
