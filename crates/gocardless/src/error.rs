//! Errors a caller can act on.
//!
//! Every variant says which operation failed (`GET balances for account …`)
//! and, when GoCardless answered, quotes its summary and detail. The
//! classification reads the status *and* the text, because GoCardless
//! reports an expired agreement as 400, 401 or 403, and two different
//! limits as 429.
//!
//! A server's text is hostile: it may echo a token or the secret key, or
//! carry terminal escapes and newlines that would forge lines of output.
//! So a body is stripped of every known secret as soon as it arrives
//! ([`source::redact`]), and every piece of server text is shown through
//! [`shown`]: secrets masked again, and made one safe terminal line.

use std::fmt;
use std::time::Duration;

use crate::RateLimit;
use crate::model::{AccountMetadata, ErrorBody, FieldError};

/// What an operation was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An account id.
    Account(String),
    /// A requisition id.
    Requisition(String),
    /// An end-user agreement id.
    Agreement(String),
    /// An institution id.
    Institution(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids come from the configuration, the command line or a server.
        match self {
            Subject::Account(id) => write!(f, "account {}", shown(id)),
            Subject::Requisition(id) => write!(f, "requisition {}", shown(id)),
            Subject::Agreement(id) => write!(f, "agreement {}", shown(id)),
            Subject::Institution(id) => write!(f, "institution {}", shown(id)),
        }
    }
}

/// An API operation, as named in errors: `GET balances for account 7e9…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The method and endpoint, e.g. `GET balances`, `POST token/new`.
    pub name: &'static str,
    /// The account, requisition, agreement or institution, if any.
    pub subject: Option<Subject>,
}

impl Operation {
    /// An operation about nothing in particular.
    pub fn new(name: &'static str) -> Operation {
        Operation {
            name,
            subject: None,
        }
    }

    /// An operation about `subject`.
    pub fn on(name: &'static str, subject: Subject) -> Operation {
        Operation {
            name,
            subject: Some(subject),
        }
    }

    /// The account id, when the operation is about an account.
    pub fn account_id(&self) -> Option<&str> {
        match &self.subject {
            Some(Subject::Account(id)) => Some(id),
            _ => None,
        }
    }

    /// The requisition id, when the operation is about a requisition.
    pub fn requisition_id(&self) -> Option<&str> {
        match &self.subject {
            Some(Subject::Requisition(id)) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(s) => write!(f, "{} for {s}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// What GoCardless said: the HTTP status and the body's summary and detail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiMessage {
    /// The HTTP status.
    pub status: u16,
    /// The body's `summary`.
    pub summary: Option<String>,
    /// The body's `detail`.
    pub detail: Option<String>,
    /// The body's `type` (`RateLimitError`, `AccessExpiredError`, …).
    pub kind: Option<String>,
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        let summary = self
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(shown);
        let detail = self
            .detail
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(shown);
        match (summary, detail) {
            (Some(s), Some(d)) if s != d => write!(f, ": \"{s}\": \"{d}\""),
            (Some(s), _) => write!(f, ": \"{s}\""),
            (None, Some(d)) => write!(f, ": \"{d}\""),
            (None, None) => Ok(()),
        }
    }
}

/// Every way a GoCardless call can fail.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (bad base URL, plain `http` to a
    /// host that is not loopback, …).
    #[error("invalid GoCardless client configuration: {}", shown(.message))]
    InvalidConfig {
        /// What is wrong and what to do.
        message: String,
    },

    /// An argument was unusable (a blank id, say); nothing was sent.
    #[error("{op}: {}", shown(.message))]
    InvalidArgument {
        /// The operation.
        op: Operation,
        /// What is wrong.
        message: String,
    },

    /// GoCardless rejected the secret id and key.
    #[error(
        "{op}: GoCardless rejected the secret id and key ({message}); check `secret_id` and `secret_key` (user secrets at bankaccountdata.gocardless.com)"
    )]
    BadCredentials {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// GoCardless kept rejecting the access token after one refresh and one
    /// retry.
    #[error("{op}: GoCardless rejected the access token even after renewing it ({message})")]
    TokenRejected {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// The end-user agreement or the bank's access has expired or was
    /// revoked: the user must connect the account again (a new agreement and
    /// requisition). Seen as 400, 401 and 403.
    #[error(
        "{op}: access to the bank has expired or was revoked ({message}); connect the account again"
    )]
    AccessExpired {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// Not allowed: 402 (plan limit), 403 (IP not whitelisted, an agreement
    /// without this scope).
    #[error("{op}: not allowed ({message})")]
    Forbidden {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// The API's own rate limit (per endpoint, per minute) was hit.
    #[error("{op}: GoCardless API rate limit hit ({message}){}", wait_hint(*.retry_after))]
    RateLimited {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
        /// How long to wait, when the body or headers say.
        retry_after: Option<Duration>,
        /// The rate-limit headers of the refusal.
        rate_limit: Box<RateLimit>,
    },

    /// The daily limit of successful reads of this account and scope (set
    /// by the bank; 4 a day at most banks) was hit. Never retried: waiting
    /// means waiting until tomorrow.
    #[error("{op}: the bank's daily request limit for this account is used up ({message}){}", wait_hint(*.retry_after))]
    DailyLimit {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
        /// How long until the budget resets, when the body or headers say.
        retry_after: Option<Duration>,
        /// The rate-limit headers of the refusal.
        rate_limit: Box<RateLimit>,
    },

    /// No such account, requisition, agreement or institution.
    #[error("{op}: not found ({message})")]
    NotFound {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// The request was refused as invalid (400), with its field errors.
    #[error("{op}: invalid request ({message}){}", field_list(.fields))]
    Validation {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
        /// The errors keyed by field, in every shape GoCardless sends.
        fields: Vec<FieldError>,
    },

    /// The account cannot be read in its current state (409: suspended
    /// after repeated errors, in error, processing).
    #[error("{op}: the account is {} ({message}); if it stays so, connect it again", .status.as_deref().map_or("in a conflicting state".into(), shown))]
    AccountState {
        /// The account's status, when the body says (`ERROR`, `SUSPENDED`).
        status: Option<String>,
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
        /// The account object the 409 body carries, when it does.
        account: Option<Box<AccountMetadata>>,
    },

    /// GoCardless or the bank failed (5xx), after the retries allowed.
    #[error("{op}: GoCardless or the bank failed ({message}); try again later")]
    Server {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// Any other unsuccessful status (405, …).
    #[error("{op}: unexpected answer ({message})")]
    Http {
        /// The operation.
        op: Operation,
        /// What GoCardless said.
        message: Box<ApiMessage>,
    },

    /// The connection failed, after the retries allowed.
    #[error("{op}: could not reach GoCardless: {}", shown(.reason))]
    Connection {
        /// The operation.
        op: Operation,
        /// The underlying failure.
        reason: String,
    },

    /// No complete answer within the timeout, after the retries allowed.
    #[error("{op}: GoCardless did not answer in time ({})", shown(.reason))]
    Timeout {
        /// The operation.
        op: Operation,
        /// Which timeout.
        reason: String,
    },

    /// The answer could not be read.
    #[error(
        "{op}: unreadable answer (HTTP {status}): {}; the body starts with: \"{}\"",
        shown(.reason),
        shown(.body_start)
    )]
    Malformed {
        /// The operation.
        op: Operation,
        /// The HTTP status.
        status: u16,
        /// Why it could not be read.
        reason: String,
        /// The first characters of the body (empty for token responses,
        /// which carry secrets).
        body_start: String,
    },
}

fn wait_hint(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("; retry in {} s", d.as_secs()),
        None => String::new(),
    }
}

fn field_list(fields: &[FieldError]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = fields.iter().map(|f| shown(&f.message())).collect();
    format!(": {}", lines.join("; "))
}

/// Text from a server (or any text that may hold some) as it is shown in
/// a message: every secret of the run masked, and one terminal line with
/// no escape sequence, newline or bidi control left as it came.
pub(crate) fn shown(text: &str) -> String {
    source::terminal::line(&source::redact::text(text)).into_owned()
}

/// The number of characters of a body quoted in [`Error::Malformed`].
pub(crate) const BODY_START: usize = 200;

/// The first characters of `body`, on a character boundary.
pub(crate) fn body_start(body: &str) -> String {
    body.chars().take(BODY_START).collect()
}

impl Error {
    /// Classifies an unsuccessful answer from its status, body and headers.
    ///
    /// ```
    /// use gocardless::{Error, Operation, RateLimit};
    /// let body = r#"{"summary": "Couldn't update account transactions",
    ///     "detail": "Daily request limit set by the Institution has been exceeded.",
    ///     "type": "RateLimitError", "status_code": 429}"#;
    /// let e = Error::from_response(Operation::new("GET transactions"), 429, body, RateLimit::default());
    /// assert!(e.is_daily_limit());
    /// ```
    pub fn from_response(op: Operation, status: u16, body: &str, rate_limit: RateLimit) -> Error {
        // A server may echo a token or the secret key: nothing of it is kept.
        let body = &*source::redact::text(body);
        let parsed = ErrorBody::from_json(body);
        let text = match &parsed {
            Some(b) => {
                let t = b.text_lower();
                if t.trim().is_empty() {
                    body.to_lowercase()
                } else {
                    t
                }
            }
            // Not JSON (or truncated): recognise the error by its words.
            None => body.to_lowercase(),
        };
        let b = parsed.unwrap_or_default();
        let message = Box::new(ApiMessage {
            status,
            summary: b.summary.clone().or_else(|| {
                (!body.trim_start().starts_with(['{', '[']))
                    .then(|| body_start(body.trim()))
                    .filter(|s| !s.is_empty())
            }),
            detail: b.detail.clone(),
            kind: b.kind.clone(),
        });
        let kind = b.kind.as_deref().unwrap_or("").to_ascii_lowercase();

        if matches!(status, 400 | 401 | 403) && access_expired(&kind, &text) {
            return Error::AccessExpired { op, message };
        }
        match status {
            429 => {
                let daily = kind == "ratelimiterror"
                    || text.contains("daily request limit")
                    || text.contains("/day")
                    || rate_limit.account_exhausted();
                let from_text = seconds_in(&text);
                if daily {
                    let from_headers = rate_limit.account_success_reset.filter(|&s| s > 0);
                    Error::DailyLimit {
                        op,
                        message,
                        retry_after: from_text.or(from_headers).map(secs),
                        rate_limit: Box::new(rate_limit),
                    }
                } else {
                    let from_headers = rate_limit.reset.filter(|&s| s >= 0);
                    Error::RateLimited {
                        op,
                        message,
                        retry_after: from_text.or(from_headers).map(secs),
                        rate_limit: Box::new(rate_limit),
                    }
                }
            }
            401 if text.contains("authentication failed")
                || text.contains("no active account")
                || text.contains("credentials") =>
            {
                Error::BadCredentials { op, message }
            }
            401 if text.contains("token") || text.trim().is_empty() => {
                Error::TokenRejected { op, message }
            }
            // Any other 401 is about the account, not the token
            // ("Account has been deactivated or it no longer exists").
            401 => Error::AccessExpired { op, message },
            400 => Error::Validation {
                op,
                message,
                fields: b.fields,
            },
            402 | 403 => Error::Forbidden { op, message },
            404 => Error::NotFound { op, message },
            409 => {
                let value: Option<serde_json::Value> = serde_json::from_str(body).ok();
                let account = value
                    .as_ref()
                    .filter(|v| v.get("id").is_some() || v.get("status").is_some())
                    .and_then(|v| serde_json::from_value::<AccountMetadata>(v.clone()).ok());
                let status = account
                    .as_ref()
                    .and_then(|a| a.status.as_ref().map(|s| s.to_string()))
                    .or_else(|| text.contains("suspended").then(|| "SUSPENDED".to_owned()));
                Error::AccountState {
                    status,
                    op,
                    message,
                    account: account.map(Box::new),
                }
            }
            500..=599 => Error::Server { op, message },
            _ => Error::Http { op, message },
        }
    }

    /// The operation that failed (none for [`Error::InvalidConfig`]).
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::InvalidConfig { .. } => None,
            Error::InvalidArgument { op, .. }
            | Error::BadCredentials { op, .. }
            | Error::TokenRejected { op, .. }
            | Error::AccessExpired { op, .. }
            | Error::Forbidden { op, .. }
            | Error::RateLimited { op, .. }
            | Error::DailyLimit { op, .. }
            | Error::NotFound { op, .. }
            | Error::Validation { op, .. }
            | Error::AccountState { op, .. }
            | Error::Server { op, .. }
            | Error::Http { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. }
            | Error::Malformed { op, .. } => Some(op),
        }
    }

    /// The same failure, named after `subject` (another thread's account
    /// that waited for the same token request).
    pub(crate) fn about(mut self, subject: Option<Subject>) -> Error {
        let op = match &mut self {
            Error::InvalidConfig { .. } => return self,
            Error::InvalidArgument { op, .. }
            | Error::BadCredentials { op, .. }
            | Error::TokenRejected { op, .. }
            | Error::AccessExpired { op, .. }
            | Error::Forbidden { op, .. }
            | Error::RateLimited { op, .. }
            | Error::DailyLimit { op, .. }
            | Error::NotFound { op, .. }
            | Error::Validation { op, .. }
            | Error::AccountState { op, .. }
            | Error::Server { op, .. }
            | Error::Http { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. }
            | Error::Malformed { op, .. } => op,
        };
        op.subject = subject;
        self
    }

    /// The account the failed operation was about, if any.
    pub fn account_id(&self) -> Option<&str> {
        self.operation().and_then(Operation::account_id)
    }

    /// What GoCardless said, when it answered with an error.
    pub fn api_message(&self) -> Option<&ApiMessage> {
        match self {
            Error::BadCredentials { message, .. }
            | Error::TokenRejected { message, .. }
            | Error::AccessExpired { message, .. }
            | Error::Forbidden { message, .. }
            | Error::RateLimited { message, .. }
            | Error::DailyLimit { message, .. }
            | Error::NotFound { message, .. }
            | Error::Validation { message, .. }
            | Error::AccountState { message, .. }
            | Error::Server { message, .. }
            | Error::Http { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Malformed { status, .. } => Some(*status),
            _ => self.api_message().map(|m| m.status),
        }
    }

    /// Whether the user must connect the account again (agreement or
    /// access expired).
    pub fn is_access_expired(&self) -> bool {
        matches!(self, Error::AccessExpired { .. })
    }

    /// Whether the bank's daily limit for the account was hit.
    pub fn is_daily_limit(&self) -> bool {
        matches!(self, Error::DailyLimit { .. })
    }

    /// Whether any rate limit (the API's or the bank's) was hit.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. } | Error::DailyLimit { .. })
    }

    /// How long to wait before trying again, when GoCardless said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::DailyLimit { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The rate-limit headers of the refusal, for a 429.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::RateLimited { rate_limit, .. } | Error::DailyLimit { rate_limit, .. } => {
                Some(rate_limit)
            }
            _ => None,
        }
    }

    /// Whether trying again later may succeed without any change on the
    /// user's side (connection, timeout, 5xx, the API's rate limit).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Connection { .. }
                | Error::Timeout { .. }
                | Error::Server { .. }
                | Error::RateLimited { .. }
        )
    }
}

fn secs(s: i64) -> Duration {
    Duration::from_secs(s.max(0) as u64)
}

/// Whether the text says the agreement or the access has expired.
fn access_expired(kind: &str, text: &str) -> bool {
    kind == "accessexpirederror"
        || kind == "accountinactiveerror"
        || text.contains("access has expired")
        || text.contains("no valid end user agreement")
        || text.contains("has been revoked")
        || ((text.contains("eua")
            || text.contains("end user agreement")
            || text.contains("agreement"))
            && text.contains("expired"))
}

/// `N` in "Please try again in N seconds".
fn seconds_in(text: &str) -> Option<i64> {
    let i = text.find("try again in")?;
    let rest = text[i + "try again in".len()..].trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    /// Small enough that callers' `Result`s pass clippy's `result_large_err`.
    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<super::Error>() <= 128);
    }
}
