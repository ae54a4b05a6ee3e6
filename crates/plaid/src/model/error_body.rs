//! Plaid's error object: the body of every unsuccessful answer, the
//! `error` of an Item, and the `error` of Item webhooks.

use serde::{Deserialize, Serialize};

use super::lenient;
use source::open_enum;

/// Plaid's error object. Every field is optional when read, so that any
/// error body parses.
///
/// ```
/// let e: plaid::PlaidError = serde_json::from_str(r#"{
///     "error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED",
///     "error_message": "the login details of this item have changed",
///     "display_message": null, "request_id": "HNTDNrA8F1shFEW"}"#).unwrap();
/// assert_eq!(e.error_type, plaid::ErrorType::ItemError);
/// assert_eq!(e.error_code, "ITEM_LOGIN_REQUIRED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PlaidError {
    /// The broad kind.
    #[serde(default = "ErrorType::unknown", deserialize_with = "error_type")]
    pub error_type: ErrorType,
    /// The precise code, e.g. `ITEM_LOGIN_REQUIRED` (empty when missing).
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub error_code: String,
    /// Why, for some OAuth Item errors (`OAUTH_INVALID_TOKEN`, …).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_code_reason: Option<String>,
    /// For developers; may change over time.
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub error_message: String,
    /// For the end user, when the error concerns them.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub display_message: Option<String>,
    /// Plaid's id of the request, for its support.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
    /// What Plaid suggests doing.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub suggested_action: Option<String>,
    /// A page of Plaid's documentation about this error.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub documentation_url: Option<String>,
    /// The HTTP status, sent in the body only inside webhooks and Items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

open_enum! {
    /// The broad kind of a Plaid error (`error_type`).
    pub enum ErrorType {
        /// The request was malformed.
        InvalidRequest = "INVALID_REQUEST",
        /// A value in the request was wrong (keys, tokens, ids).
        InvalidInput = "INVALID_INPUT",
        /// The request cannot give a valid result.
        InvalidResult = "INVALID_RESULT",
        /// The institution failed or is down.
        InstitutionError = "INSTITUTION_ERROR",
        /// A rate limit was hit.
        RateLimitExceeded = "RATE_LIMIT_EXCEEDED",
        /// Plaid failed.
        ApiError = "API_ERROR",
        /// The Item needs attention (login, consent, …).
        ItemError = "ITEM_ERROR",
        /// A Transactions product error.
        TransactionsError = "TRANSACTIONS_ERROR",
        /// An OAuth institution's error.
        OauthError = "OAUTH_ERROR",
        /// A sandbox-only error.
        SandboxError = "SANDBOX_ERROR",
    }
}

impl ErrorType {
    fn unknown() -> ErrorType {
        ErrorType::Other(String::new())
    }
}

/// An error type that may be `null` (unknown then).
fn error_type<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ErrorType, D::Error> {
    Option::<ErrorType>::deserialize(d).map(|t| t.unwrap_or_else(ErrorType::unknown))
}

impl PlaidError {
    /// Parses an error body; `None` when it is not a JSON object or names
    /// neither an error type nor a code.
    pub fn from_json(body: &str) -> Option<PlaidError> {
        let e: PlaidError = serde_json::from_str(body).ok()?;
        let known_type = e.error_type != ErrorType::unknown();
        (known_type || !e.error_code.is_empty()).then_some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_error_objects_are_error_bodies() {
        assert!(PlaidError::from_json("<html>502</html>").is_none());
        assert!(PlaidError::from_json(r#"{"accounts": []}"#).is_none());
        assert!(PlaidError::from_json("[]").is_none());
        let e = PlaidError::from_json(
            r#"{"error_type": null, "error_code": "X", "error_message": null}"#,
        )
        .unwrap();
        assert_eq!(e.error_type, ErrorType::Other(String::new()));
        assert_eq!(e.error_message, "");
        let e = PlaidError::from_json(
            r#"{"error_type": "NEW_KIND", "error_code": 7, "status": 400, "causes": []}"#,
        )
        .unwrap();
        assert_eq!(e.error_type, ErrorType::Other("NEW_KIND".into()));
        assert_eq!(e.error_code, "7");
        assert_eq!(e.status, Some(400));
    }
}
