//! Codat's error body.

use serde::Deserialize;

use super::push::Validation;

/// `{statusCode, service, error, correlationId, validation, canBeRetried,
/// detailedErrorCode}`, every field optional: an error body is read
/// whatever shape it has.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The HTTP status, as Codat repeats it.
    #[serde(default)]
    pub status_code: Option<i64>,
    /// The Codat service that failed.
    #[serde(default)]
    pub service: Option<String>,
    /// What went wrong.
    #[serde(default)]
    pub error: Option<String>,
    /// The id Codat's support asks for.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Validation errors and warnings.
    #[serde(default)]
    pub validation: Option<Validation>,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub can_be_retried: Option<String>,
    /// A machine-readable code.
    #[serde(default)]
    pub detailed_error_code: Option<i64>,
}

impl ErrorBody {
    /// Reads an error body; `None` when it is not a JSON object.
    pub fn from_json(body: &str) -> Option<ErrorBody> {
        let v: serde_json::Value = serde_json::from_str(body).ok()?;
        if !v.is_object() {
            return None;
        }
        // Field by field, so one field of an unexpected type loses only itself.
        let field = |k: &str| v.get(k).filter(|x| !x.is_null());
        let text = |k: &str| {
            field(k).map(|x| match x {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        Some(ErrorBody {
            status_code: field("statusCode").and_then(serde_json::Value::as_i64),
            service: text("service"),
            error: text("error"),
            correlation_id: text("correlationId"),
            validation: field("validation").and_then(|x| serde_json::from_value(x.clone()).ok()),
            can_be_retried: text("canBeRetried"),
            detailed_error_code: field("detailedErrorCode").and_then(serde_json::Value::as_i64),
        })
    }
}
