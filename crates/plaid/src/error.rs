//! Errors a caller can act on.
//!
//! Plaid says what went wrong in the body (`error_type`, `error_code`), not
//! in the HTTP status, so the classification reads the code first. Every
//! message names the operation and the Item when known, quotes Plaid's
//! message (with every known secret cut out of it) and says what to do.

use std::fmt;
use std::time::Duration;

use crate::model::{ErrorType, PlaidError};
use crate::redact::Redactor;

/// An API operation, as named in errors: `POST /transactions/sync for
/// item M5eV…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The endpoint, e.g. `/transactions/sync`.
    pub endpoint: &'static str,
    /// The Item, when the operation is about one and its id is known.
    pub item_id: Option<String>,
}

impl Operation {
    /// An operation on `endpoint`, about the Item `item_id` if any.
    pub fn new(endpoint: &'static str, item_id: Option<&str>) -> Operation {
        Operation {
            endpoint,
            item_id: item_id.map(str::to_owned),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "POST {}", self.endpoint)?;
        match &self.item_id {
            Some(id) => write!(f, " for item {id}"),
            None => Ok(()),
        }
    }
}

/// What Plaid answered: the HTTP status and its error object, with known
/// secrets cut out of every text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiMessage {
    /// The HTTP status.
    pub status: u16,
    /// The error object (for a body that was not one: its start as the
    /// `error_message`).
    pub error: PlaidError,
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.error;
        write!(f, "HTTP {}", self.status)?;
        let kind = e.error_type.as_str();
        match (kind.is_empty(), e.error_code.is_empty()) {
            (false, false) => write!(f, " {kind} {}", e.error_code)?,
            (false, true) => write!(f, " {kind}")?,
            (true, false) => write!(f, " {}", e.error_code)?,
            (true, true) => {}
        }
        let message = e.error_message.trim();
        if !message.is_empty() {
            write!(f, ": \"{message}\"")?;
        }
        if let Some(action) = e.suggested_action.as_deref().map(str::trim)
            && !action.is_empty()
        {
            write!(f, "; Plaid suggests: \"{action}\"")?;
        }
        if let Some(id) = &e.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Every way a Plaid call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (bad base URL, empty keys, …).
    #[error("invalid Plaid client configuration: {message}")]
    InvalidConfig {
        /// What is wrong and what to do.
        message: String,
    },

    /// An argument was unusable; nothing was sent.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation.
        op: Operation,
        /// What is wrong.
        message: String,
    },

    /// Plaid rejected the client id and secret (`INVALID_API_KEYS`).
    #[error(
        "{op}: Plaid rejected the client id and secret ({message}); check `client_id` and `secret` \
         of this source in the configuration, and that they are the keys of its `environment` \
         (sandbox keys do not work in production)"
    )]
    InvalidApiKeys {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// Plaid does not know the Item's access token
    /// (`INVALID_ACCESS_TOKEN`): the Item was removed, or the token belongs
    /// to another environment.
    #[error(
        "{op}: Plaid does not know this Item's access token ({message}); the Item was removed or \
         belongs to another environment: link it again with `gc-beancount link --source {source_name}`"
    )]
    InvalidAccessToken {
        /// The operation.
        op: Operation,
        /// The source's name in the configuration.
        source_name: String,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// The institution needs the user to log in again
    /// (`ITEM_LOGIN_REQUIRED`): Link's update mode repairs the Item and
    /// keeps its access token and account ids.
    #[error(
        "{op}: the institution needs the user to log in again ({message}); repair the Item with \
         `gc-beancount link --source {source_name} --item {}` (its accounts keep their ids)",
        .op.item_id.as_deref().unwrap_or("ITEM_ID")
    )]
    ItemLoginRequired {
        /// The operation (with the Item's id when known).
        op: Operation,
        /// The source's name in the configuration.
        source_name: String,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// Any other Item error (`ITEM_ERROR`: locked, permission revoked, no
    /// accounts, …): the user must act at the institution or link again.
    #[error("{op}: the Item needs attention ({message})")]
    Item {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// Plaid has not finished its first pull of the Item's transactions
    /// (`PRODUCT_NOT_READY`, or `/transactions/sync` answering `NOT_READY`
    /// with no cursor). Nothing is wrong; try again in a few minutes.
    #[error(
        "{op}: Plaid has not finished its first pull of this Item's transactions{}; try again in a few minutes",
        .message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default()
    )]
    NotReady {
        /// The operation.
        op: Operation,
        /// What Plaid said, when it answered with an error.
        message: Option<Box<ApiMessage>>,
    },

    /// The transactions kept changing while their pages were read
    /// (`TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`), even after
    /// `restarts` restarts from the first page's cursor.
    #[error(
        "{op}: the transactions kept changing while their pages were read ({message}); \
         restarted {restarts} times from the first page; try again in a few minutes"
    )]
    SyncMutation {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
        /// How many times the whole sync was restarted.
        restarts: u32,
    },

    /// A rate limit was hit (`RATE_LIMIT_EXCEEDED`: per Item and minute,
    /// e.g. `ACCOUNTS_BALANCE_GET_LIMIT` at 5 a minute,
    /// `TRANSACTIONS_SYNC_LIMIT`), after the retries allowed.
    #[error("{op}: Plaid's rate limit was hit ({message}); wait a minute and try again")]
    RateLimited {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
        /// How long to wait, when the answer said (`Retry-After`).
        retry_after: Option<Duration>,
    },

    /// The institution is down or not answering Plaid
    /// (`INSTITUTION_ERROR`).
    #[error("{op}: the institution is not answering Plaid ({message}); try again later")]
    Institution {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// Plaid failed (`API_ERROR`, `INTERNAL_SERVER_ERROR`,
    /// `PLANNED_MAINTENANCE`, any 5xx), after the retries allowed.
    #[error("{op}: Plaid failed ({message}); try again later")]
    Server {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// Plaid refused the request for another reason (an invalid field, an
    /// expired public token, …).
    #[error("{op}: Plaid refused the request ({message})")]
    Rejected {
        /// The operation.
        op: Operation,
        /// What Plaid said.
        message: Box<ApiMessage>,
    },

    /// The connection failed, after the retries allowed.
    #[error("{op}: could not reach Plaid: {reason}")]
    Connection {
        /// The operation.
        op: Operation,
        /// The underlying failure.
        reason: String,
    },

    /// No complete answer within the timeout, after the retries allowed.
    #[error("{op}: Plaid did not answer in time ({reason})")]
    Timeout {
        /// The operation.
        op: Operation,
        /// Which timeout.
        reason: String,
    },

    /// A successful answer could not be read.
    #[error(
        "{op}: unreadable answer (HTTP {status}): {reason}; the body starts with: {body_start:?}"
    )]
    Malformed {
        /// The operation.
        op: Operation,
        /// The HTTP status.
        status: u16,
        /// Why it could not be read.
        reason: String,
        /// The first characters of the body, secrets cut out (empty for
        /// answers that carry a token).
        body_start: String,
    },
}

/// The number of characters of a body quoted in errors.
pub(crate) const BODY_START: usize = 200;

/// The first characters of `body`, with every known secret cut out.
pub(crate) fn body_start(body: &str, redactor: &Redactor<'_>) -> String {
    // Redact first: a secret cut in two by the limit would escape.
    redactor
        .clean(body.trim())
        .chars()
        .take(BODY_START)
        .collect()
}

/// What the classification needs beside the answer.
pub(crate) struct Context<'a> {
    /// The source's name, for the advice in messages.
    pub source_name: &'a str,
    /// The secrets to cut out of Plaid's texts.
    pub redactor: &'a Redactor<'a>,
}

impl Error {
    /// Classifies an unsuccessful answer by its error code, type and
    /// status.
    pub(crate) fn from_answer(
        op: Operation,
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
        cx: &Context<'_>,
    ) -> Error {
        let error = match PlaidError::from_json(body) {
            Some(e) => cx.redactor.clean_error(e),
            // A proxy's page or an empty body: keep its start as the message.
            None => PlaidError {
                error_type: ErrorType::Other(String::new()),
                error_code: String::new(),
                error_code_reason: None,
                error_message: body_start(body, cx.redactor),
                display_message: None,
                request_id: None,
                suggested_action: None,
                documentation_url: None,
                status: None,
            },
        };
        let code = error.error_code.clone();
        let kind = error.error_type.clone();
        let message = Box::new(ApiMessage { status, error });
        let source_name = cx.source_name.to_owned();
        match code.as_str() {
            "ITEM_LOGIN_REQUIRED" => {
                return Error::ItemLoginRequired {
                    op,
                    source_name,
                    message,
                };
            }
            "INVALID_API_KEYS" => return Error::InvalidApiKeys { op, message },
            "INVALID_ACCESS_TOKEN" => {
                return Error::InvalidAccessToken {
                    op,
                    source_name,
                    message,
                };
            }
            "PRODUCT_NOT_READY" => {
                return Error::NotReady {
                    op,
                    message: Some(message),
                };
            }
            "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION" => {
                return Error::SyncMutation {
                    op,
                    message,
                    restarts: 0,
                };
            }
            _ => {}
        }
        match kind {
            ErrorType::RateLimitExceeded => Error::RateLimited {
                op,
                message,
                retry_after,
            },
            _ if status == 429 => Error::RateLimited {
                op,
                message,
                retry_after,
            },
            ErrorType::ItemError => Error::Item { op, message },
            ErrorType::InstitutionError => Error::Institution { op, message },
            ErrorType::ApiError => Error::Server { op, message },
            _ if status >= 500 => Error::Server { op, message },
            _ => Error::Rejected { op, message },
        }
    }

    /// The operation that failed (none for [`Error::InvalidConfig`]).
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::InvalidConfig { .. } => None,
            Error::InvalidArgument { op, .. }
            | Error::InvalidApiKeys { op, .. }
            | Error::InvalidAccessToken { op, .. }
            | Error::ItemLoginRequired { op, .. }
            | Error::Item { op, .. }
            | Error::NotReady { op, .. }
            | Error::SyncMutation { op, .. }
            | Error::RateLimited { op, .. }
            | Error::Institution { op, .. }
            | Error::Server { op, .. }
            | Error::Rejected { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. }
            | Error::Malformed { op, .. } => Some(op),
        }
    }

    /// The Item the failed operation was about, when known.
    pub fn item_id(&self) -> Option<&str> {
        self.operation().and_then(|op| op.item_id.as_deref())
    }

    /// What Plaid answered, when it answered with an error.
    pub fn api_message(&self) -> Option<&ApiMessage> {
        match self {
            Error::InvalidApiKeys { message, .. }
            | Error::InvalidAccessToken { message, .. }
            | Error::ItemLoginRequired { message, .. }
            | Error::Item { message, .. }
            | Error::SyncMutation { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Institution { message, .. }
            | Error::Server { message, .. }
            | Error::Rejected { message, .. } => Some(message),
            Error::NotReady { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// Plaid's error code (`ITEM_LOGIN_REQUIRED`, …), when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        self.api_message()
            .map(|m| m.error.error_code.as_str())
            .filter(|c| !c.is_empty())
    }

    /// Plaid's request id, for its support.
    pub fn request_id(&self) -> Option<&str> {
        self.api_message()
            .and_then(|m| m.error.request_id.as_deref())
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Malformed { status, .. } => Some(*status),
            _ => self.api_message().map(|m| m.status),
        }
    }

    /// Whether the user must log in again (Link's update mode).
    pub fn is_login_required(&self) -> bool {
        matches!(self, Error::ItemLoginRequired { .. })
    }

    /// Whether Plaid has no transactions for the Item yet.
    pub fn is_not_ready(&self) -> bool {
        matches!(self, Error::NotReady { .. })
    }

    /// Whether a rate limit was hit.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
    }

    /// Whether trying again later may succeed with no change on the user's
    /// side (connection, timeout, Plaid or the institution failing, a rate
    /// limit, data not ready or changing).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Connection { .. }
                | Error::Timeout { .. }
                | Error::Server { .. }
                | Error::Institution { .. }
                | Error::RateLimited { .. }
                | Error::NotReady { .. }
                | Error::SyncMutation { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    fn classify(status: u16, body: &str) -> Error {
        let secrets = [Secret::new("client-123456"), Secret::new("s3cr3t-abcdef")];
        let redactor = Redactor::new(secrets.iter());
        let cx = Context {
            source_name: "bank",
            redactor: &redactor,
        };
        Error::from_answer(
            Operation::new("/transactions/sync", Some("item-1")),
            status,
            body,
            None,
            &cx,
        )
    }

    fn body(kind: &str, code: &str) -> String {
        format!(
            r#"{{"error_type": "{kind}", "error_code": "{code}", "error_message": "m",
                "display_message": null, "request_id": "r1"}}"#
        )
    }

    #[test]
    fn codes_before_types_before_statuses() {
        type Case = (u16, &'static str, &'static str, fn(&Error) -> bool);
        let cases: &[Case] = &[
            (400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", |e| {
                matches!(e, Error::ItemLoginRequired { .. })
            }),
            (400, "INVALID_INPUT", "INVALID_API_KEYS", |e| {
                matches!(e, Error::InvalidApiKeys { .. })
            }),
            (400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", |e| {
                matches!(e, Error::InvalidAccessToken { .. })
            }),
            (400, "ITEM_ERROR", "PRODUCT_NOT_READY", |e| {
                matches!(e, Error::NotReady { .. })
            }),
            (
                400,
                "TRANSACTIONS_ERROR",
                "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                |e| matches!(e, Error::SyncMutation { .. }),
            ),
            (
                429,
                "RATE_LIMIT_EXCEEDED",
                "ACCOUNTS_BALANCE_GET_LIMIT",
                |e| matches!(e, Error::RateLimited { .. }),
            ),
            (429, "SOMETHING_NEW", "X", |e| {
                matches!(e, Error::RateLimited { .. })
            }),
            (400, "ITEM_ERROR", "ITEM_LOCKED", |e| {
                matches!(e, Error::Item { .. })
            }),
            (400, "INSTITUTION_ERROR", "INSTITUTION_DOWN", |e| {
                matches!(e, Error::Institution { .. })
            }),
            (500, "API_ERROR", "INTERNAL_SERVER_ERROR", |e| {
                matches!(e, Error::Server { .. })
            }),
            (503, "SOMETHING_NEW", "X", |e| {
                matches!(e, Error::Server { .. })
            }),
            (400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", |e| {
                matches!(e, Error::Rejected { .. })
            }),
        ];
        for (status, kind, code, check) in cases {
            let e = classify(*status, &body(kind, code));
            assert!(check(&e), "{status} {kind} {code}: {e:?}");
            assert_eq!(e.error_code(), Some(*code));
            assert_eq!(e.request_id(), Some("r1"));
            assert_eq!(e.item_id(), Some("item-1"));
            let msg = e.to_string();
            assert!(
                msg.starts_with("POST /transactions/sync for item item-1: "),
                "{msg}"
            );
            assert!(msg.contains(code), "{msg}");
        }
    }

    #[test]
    fn login_required_says_the_update_mode_command() {
        let e = classify(400, &body("ITEM_ERROR", "ITEM_LOGIN_REQUIRED"));
        assert!(e.is_login_required());
        assert!(
            e.to_string()
                .contains("`gc-beancount link --source bank --item item-1`"),
            "{e}"
        );
    }

    #[test]
    fn bodies_that_are_not_errors_keep_their_start_without_secrets() {
        let e = classify(
            502,
            "<html>bad gateway for client-123456 / s3cr3t-abcdef</html>",
        );
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains("bad gateway"), "{msg}");
        assert!(
            !msg.contains("client-123456") && !msg.contains("s3cr3t"),
            "{msg}"
        );
        let e = classify(400, "");
        assert!(matches!(e, Error::Rejected { .. }), "{e:?}");
        assert_eq!(e.error_code(), None);
    }

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
