//! Errors a caller can act on, classified as GoCardless' official clients
//! classify them: by status for authentication (401), permissions (403),
//! the rate limit (429) and expired payout items (410), else by the body's
//! `error.type`.
//!
//! Every variant names the operation (`list items of payout PO…`), quotes
//! what GoCardless said, and says what to do. Server text is redacted of
//! the access token before it is kept, since a server (or a proxy) may
//! echo the request's headers back.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::{RateLimit, Secret};

/// An API operation, as named in errors: `get payment PM123`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    name: &'static str,
    id: Option<String>,
}

impl Operation {
    pub(crate) fn new(name: &'static str) -> Operation {
        Operation { name, id: None }
    }

    pub(crate) fn on(name: &'static str, id: &str) -> Operation {
        Operation {
            name,
            id: Some(id.to_owned()),
        }
    }

    /// What was done, e.g. `list items of payout`, `get payment`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The id of the resource it was about, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} {id}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// One entry of the body's `errors` list: a field and what is wrong with
/// it, or a reason code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldError {
    /// The field concerned (`branch_code`).
    pub field: Option<String>,
    /// What is wrong (`must be a number`).
    pub message: Option<String>,
    /// A machine-readable reason (`insufficient_permissions`).
    pub reason: Option<String>,
    /// Where in the request (`/customer_bank_accounts/branch_code`).
    pub request_pointer: Option<String>,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self
            .message
            .as_deref()
            .or(self.reason.as_deref())
            .unwrap_or("invalid");
        match &self.field {
            Some(field) => write!(f, "{field} {what}"),
            None => f.write_str(what),
        }
    }
}

/// What GoCardless said: the status and the body's `error` object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// `error.type`: `invalid_api_usage`, `invalid_state`,
    /// `validation_failed` or `gocardless`.
    pub kind: Option<String>,
    /// `error.message`, or the start of a body that was not GoCardless'
    /// error JSON (a proxy's page).
    pub message: Option<String>,
    /// `error.documentation_url`.
    pub documentation_url: Option<String>,
    /// `error.request_id`, to quote to GoCardless' support.
    pub request_id: Option<String>,
    /// `error.errors`.
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// Reads an error body, redacting `secret` from every text; `None` when
    /// the body is not GoCardless' `{"error": {…}}`.
    fn parse(status: u16, body: &str, secret: &Secret) -> Option<ApiError> {
        let value: Value = serde_json::from_str(body).ok()?;
        let e = value.get("error")?.as_object()?;
        let text = |v: Option<&Value>| -> Option<String> {
            let s = match v? {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!s.is_empty()).then(|| redact(&s, secret))
        };
        let errors = e
            .get("errors")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_object)
                    .map(|fe| FieldError {
                        field: text(fe.get("field")),
                        message: text(fe.get("message")),
                        reason: text(fe.get("reason")),
                        request_pointer: text(fe.get("request_pointer")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(ApiError {
            status,
            kind: text(e.get("type")),
            message: text(e.get("message")),
            documentation_url: text(e.get("documentation_url")),
            request_id: text(e.get("request_id")),
            errors,
        })
    }

    /// An answer without GoCardless' error body: its start is the message.
    fn plain(status: u16, body: &str, secret: &Secret) -> ApiError {
        let start = body_start(body.trim(), secret);
        ApiError {
            status,
            message: (!start.is_empty()).then_some(start),
            ..ApiError::default()
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(kind) = &self.kind {
            write!(f, " {kind}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message:?}")?;
        }
        let details: Vec<String> = self
            .errors
            .iter()
            .map(FieldError::to_string)
            .filter(|d| Some(d) != self.message.as_ref())
            .collect();
        if !details.is_empty() {
            write!(f, " ({})", details.join("; "))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// Every way a GoCardless Pro call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly; nothing was sent.
    #[error("invalid GoCardless Pro client configuration: {message}")]
    InvalidConfig {
        /// What is wrong and what to do.
        message: String,
    },

    /// An argument was unusable (an id with characters no GoCardless id
    /// has); nothing was sent.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation.
        op: Operation,
        /// What is wrong.
        message: String,
    },

    /// 401: the access token was refused.
    #[error(
        "{op}: GoCardless refused the access token ({api}); check that access_token is a current \
         token of this account (Developers → Create → Access token in the dashboard) and that it \
         matches the environment: sandbox tokens work only on the sandbox, live ones only live"
    )]
    Authentication {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        api: Box<ApiError>,
    },

    /// 403: the token may not do this.
    #[error(
        "{op}: the access token is not allowed to do this ({api}); use a token with read access \
         (read-only or read-write) to this creditor"
    )]
    Permissions {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        api: Box<ApiError>,
    },

    /// 429: the API's rate limit (per minute, per account) was hit, and
    /// the wait was too long to wait out or the retries were spent.
    #[error("{op}: GoCardless' rate limit was hit ({api}){}", wait_hint(*.retry_after))]
    RateLimited {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        api: Box<ApiError>,
        /// How long until the limit resets, from `ratelimit-reset`.
        retry_after: Option<Duration>,
        /// The rate-limit headers of the refusal.
        rate_limit: RateLimit,
    },

    /// 410: the resource is no longer served; payout items of payouts
    /// older than six months.
    #[error(
        "{op}: GoCardless no longer serves this ({api}); payout items are kept for six months \
         only: use the copy archived when the payout was first imported"
    )]
    Gone {
        /// The operation (it names the payout).
        op: Operation,
        /// What GoCardless said.
        api: Box<ApiError>,
    },

    /// `validation_failed`: GoCardless refused the request's parameters.
    #[error(
        "{op}: GoCardless refused the request's parameters ({api}); check the configured filters \
         (creditor id, dates), else report this as a bug of gc-beancount"
    )]
    ValidationFailed {
        /// The operation.
        op: Operation,
        /// What GoCardless said, with the field errors.
        api: Box<ApiError>,
    },

    /// `invalid_api_usage`: an unknown id (404), an unknown filter, a
    /// missing header.
    #[error(
        "{op}: GoCardless refused the request ({api}); if an id is named, check that it belongs \
         to this account and environment, else report this as a bug of gc-beancount"
    )]
    InvalidApiUsage {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        api: Box<ApiError>,
    },

    /// `invalid_state`: the resource is not in a state that allows this.
    #[error("{op}: not possible in the resource's current state ({api}); try again later")]
    InvalidState {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        api: Box<ApiError>,
    },

    /// `gocardless` (or any 5xx): GoCardless failed, after the retries
    /// allowed.
    #[error(
        "{op}: GoCardless failed ({api}); try again later, and if it persists tell GoCardless' \
         support the request id"
    )]
    Internal {
        /// The operation.
        op: Operation,
        /// What GoCardless (or a proxy before it) said.
        api: Box<ApiError>,
    },

    /// The answer could not be read, after the retries allowed.
    #[error(
        "{op}: unreadable answer (HTTP {status}): {reason}; the body starts with {body_start:?}; \
         try again later"
    )]
    Malformed {
        /// The operation.
        op: Operation,
        /// The HTTP status.
        status: u16,
        /// Why it could not be read.
        reason: String,
        /// The first characters of the body.
        body_start: String,
    },

    /// The connection failed, after the retries allowed.
    #[error("{op}: could not reach GoCardless ({reason}); check the network and the base URL")]
    Connection {
        /// The operation.
        op: Operation,
        /// The underlying failure.
        reason: String,
    },

    /// No complete answer in time, after the retries allowed.
    #[error("{op}: GoCardless did not answer in time ({reason}); try again later")]
    Timeout {
        /// The operation.
        op: Operation,
        /// Which timeout.
        reason: String,
    },
}

fn wait_hint(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("; try again in {} s", d.as_secs().max(1)),
        None => "; try again in a minute".to_owned(),
    }
}

/// The number of characters of a body quoted in errors.
const BODY_START: usize = 200;

/// The first characters of `body`, redacted.
pub(crate) fn body_start(body: &str, secret: &Secret) -> String {
    // Redact before cutting, so that a token cut in two is not half shown.
    redact(body, secret).chars().take(BODY_START).collect()
}

/// `text` without any occurrence of the secret.
pub(crate) fn redact(text: &str, secret: &Secret) -> String {
    let s = secret.expose();
    if s.is_empty() || !text.contains(s) {
        return text.to_owned();
    }
    text.replace(s, "[redacted]")
}

impl Error {
    /// Classifies an unsuccessful answer from its status, body and headers.
    pub(crate) fn from_response(
        op: Operation,
        status: u16,
        body: &str,
        rate_limit: RateLimit,
        secret: &Secret,
    ) -> Error {
        let parsed = ApiError::parse(status, body, secret);
        let json = parsed.is_some();
        let api = Box::new(parsed.unwrap_or_else(|| ApiError::plain(status, body, secret)));
        match status {
            401 => return Error::Authentication { op, api },
            403 => return Error::Permissions { op, api },
            410 => return Error::Gone { op, api },
            429 => {
                return Error::RateLimited {
                    op,
                    api,
                    retry_after: rate_limit.wait(),
                    rate_limit,
                };
            }
            _ => {}
        }
        if !json {
            if status >= 500 {
                return Error::Internal { op, api };
            }
            return Error::Malformed {
                op,
                status,
                reason: "an error answer without GoCardless' error body".to_owned(),
                body_start: body_start(body, secret),
            };
        }
        match api.kind.as_deref() {
            Some("validation_failed") => Error::ValidationFailed { op, api },
            Some("invalid_state") => Error::InvalidState { op, api },
            Some("gocardless") => Error::Internal { op, api },
            Some("invalid_api_usage") => Error::InvalidApiUsage { op, api },
            _ if status >= 500 => Error::Internal { op, api },
            _ => Error::InvalidApiUsage { op, api },
        }
    }

    /// The operation that failed (none for [`Error::InvalidConfig`]).
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::InvalidConfig { .. } => None,
            Error::InvalidArgument { op, .. }
            | Error::Authentication { op, .. }
            | Error::Permissions { op, .. }
            | Error::RateLimited { op, .. }
            | Error::Gone { op, .. }
            | Error::ValidationFailed { op, .. }
            | Error::InvalidApiUsage { op, .. }
            | Error::InvalidState { op, .. }
            | Error::Internal { op, .. }
            | Error::Malformed { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. } => Some(op),
        }
    }

    /// What GoCardless said, when it answered with an error.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Authentication { api, .. }
            | Error::Permissions { api, .. }
            | Error::RateLimited { api, .. }
            | Error::Gone { api, .. }
            | Error::ValidationFailed { api, .. }
            | Error::InvalidApiUsage { api, .. }
            | Error::InvalidState { api, .. }
            | Error::Internal { api, .. } => Some(api),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Malformed { status, .. } => Some(*status),
            _ => self.api().map(|a| a.status),
        }
    }

    /// Whether the resource is gone (410): a payout's items after six months.
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Gone { .. })
    }

    /// Whether the id named does not exist (404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::InvalidApiUsage { api, .. } if api.status == 404)
    }

    /// How long to wait before trying again, when GoCardless said (429).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether trying again later may succeed without any change on the
    /// user's side (connection, timeout, unreadable answer, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Connection { .. }
            | Error::Timeout { .. }
            | Error::Malformed { .. }
            | Error::RateLimited { .. } => true,
            Error::Internal { api, .. } => api.status >= 500,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(status: u16, body: &str) -> Error {
        Error::from_response(
            Operation::on("get payment", "PM1"),
            status,
            body,
            RateLimit::default(),
            &Secret::new("sandbox_TOKEN123"),
        )
    }

    #[test]
    fn by_status_first_then_by_type() {
        let typed = |t: &str, code: u16| {
            format!(
                r#"{{"error": {{"type": "{t}", "code": {code}, "message": "m", "errors": []}}}}"#
            )
        };
        assert!(matches!(
            classify(401, &typed("invalid_api_usage", 401)),
            Error::Authentication { .. }
        ));
        assert!(matches!(
            classify(403, &typed("invalid_api_usage", 403)),
            Error::Permissions { .. }
        ));
        assert!(matches!(
            classify(429, &typed("invalid_api_usage", 429)),
            Error::RateLimited { .. }
        ));
        assert!(matches!(classify(410, "gone"), Error::Gone { .. }));
        assert!(matches!(
            classify(422, &typed("validation_failed", 422)),
            Error::ValidationFailed { .. }
        ));
        assert!(matches!(
            classify(422, &typed("invalid_state", 422)),
            Error::InvalidState { .. }
        ));
        assert!(matches!(
            classify(500, &typed("gocardless", 500)),
            Error::Internal { .. }
        ));
        assert!(matches!(classify(503, "<html>"), Error::Internal { .. }));
        assert!(matches!(
            classify(418, &typed("teapot", 418)),
            Error::InvalidApiUsage { .. }
        ));
        assert!(matches!(classify(400, "<html>"), Error::Malformed { .. }));
        let e = classify(404, &typed("invalid_api_usage", 404));
        assert!(e.is_not_found() && !e.is_transient(), "{e}");
    }

    #[test]
    fn the_token_is_redacted_from_every_server_text() {
        let body = r#"{"error": {"type": "invalid_api_usage", "code": 400,
            "message": "bad header Authorization: Bearer sandbox_TOKEN123",
            "request_id": "sandbox_TOKEN123",
            "errors": [{"field": "sandbox_TOKEN123", "message": "is sandbox_TOKEN123"}]}}"#;
        let e = classify(400, body);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("TOKEN123"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        let e = classify(400, "echo: sandbox_TOKEN123 <html>");
        assert!(!format!("{e} {e:?}").contains("TOKEN123"));
    }

    /// Small enough that callers' `Result`s pass clippy's `result_large_err`.
    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
