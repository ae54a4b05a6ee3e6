//! Errors a caller can act on.
//!
//! Every variant names the operation (`POST bankTransactions for source
//! account acc-1`), quotes what Codat said (its `error`, `service` and
//! `correlationId`, which Codat's support asks for) and says what to do.
//! Server text is redacted of the API key, plain or base64, before it gets
//! here.

use std::fmt;
use std::time::Duration;

use crate::model::{PushOperationKey, PushStatus, Validation, ValidationItem};

/// What an operation was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A company id.
    Company(String),
    /// A connection id.
    Connection(String),
    /// A source account id.
    SourceAccount(String),
    /// A push operation key.
    PushOperation(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Company(id) => write!(f, "company {id}"),
            Subject::Connection(id) => write!(f, "connection {id}"),
            Subject::SourceAccount(id) => write!(f, "source account {id}"),
            Subject::PushOperation(key) => write!(f, "push operation {key}"),
        }
    }
}

/// An API operation, as named in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The method and endpoint, e.g. `POST bankTransactions`.
    pub name: &'static str,
    /// What it was about.
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
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(s) => write!(f, "{} for {s}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// What Codat said, redacted of the API key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiMessage {
    /// The HTTP status.
    pub status: u16,
    /// The body's `error` (or the start of a body that is not Codat's
    /// JSON).
    pub error: Option<String>,
    /// The Codat service that answered.
    pub service: Option<String>,
    /// The id Codat's support asks for.
    pub correlation_id: Option<String>,
    /// `True`, `False` or `Unknown`, as sent.
    pub can_be_retried: Option<String>,
    /// Codat's machine-readable code.
    pub detailed_error_code: Option<i64>,
    /// Validation errors and warnings, when the body has them.
    pub validation: Validation,
}

impl ApiMessage {
    /// Whether Codat said the request must not be retried.
    pub fn retry_refused(&self) -> bool {
        self.can_be_retried
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("false"))
    }
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(e) = self
            .error
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            write!(f, ": \"{e}\"")?;
        }
        let mut extra = Vec::new();
        if let Some(s) = &self.service {
            extra.push(format!("service {s}"));
        }
        if let Some(c) = &self.correlation_id {
            extra.push(format!("correlation id {c}"));
        }
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

/// Every failure of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client cannot be built as configured.
    #[error("Codat client configuration: {message}")]
    InvalidConfig {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A call was refused before anything was sent.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation.
        op: Operation,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// 401: the API key was not accepted.
    #[error(
        "{op}: Codat did not accept the API key ({message}); check the key in the Codat Portal \
         (Developers → API keys) and in the configuration"
    )]
    Unauthorized {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// 402: a limit of the Codat plan was reached.
    #[error(
        "{op}: a limit of the Codat plan was reached ({message}); see the message, then Codat's billing"
    )]
    PaymentRequired {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// 403: the key may not do this.
    #[error(
        "{op}: not allowed ({message}); the API key is outdated or not one of the Codat \
         instance that holds this company: use a current key of that instance"
    )]
    Forbidden {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// 404: no such company, connection, source account or push operation.
    #[error(
        "{op}: not found ({message}); check the company, connection and source account ids \
         in the configuration"
    )]
    NotFound {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// 400: the request was refused as invalid.
    #[error("{op}: refused as invalid ({message}){}", item_list(&.message.validation.errors))]
    Validation {
        /// The operation.
        op: Operation,
        /// What Codat said, with its validation errors.
        message: Box<ApiMessage>,
    },

    /// 409: conflicts with what exists (e.g. a source account with this
    /// id), or a push with this idempotency key is still in progress.
    #[error("{op}: conflict ({message}); {}", conflict_hint(.op))]
    Conflict {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// 422: the idempotency key was used in the last 90 minutes for a
    /// different body.
    #[error(
        "{op}: the Idempotency-Key {key} was already used for a different body ({message}); \
         the batch changed since its first push: check the push operations to see whether \
         that push went through before sending the new batch under a new key"
    )]
    IdempotencyKeyReused {
        /// The operation.
        op: Operation,
        /// The key.
        key: String,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// 429: too many requests.
    #[error("{op}: Codat's rate limit was hit ({message}){}", wait_hint(*.retry_after))]
    RateLimited {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
        /// How long Codat asked to wait (`Retry-After`).
        retry_after: Option<Duration>,
    },

    /// 408 or 5xx, after the retries allowed.
    #[error("{op}: Codat failed ({message}); try again later{}", server_hint(.op))]
    Server {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// Another unsuccessful status.
    #[error("{op}: unexpected answer ({message})")]
    Http {
        /// The operation.
        op: Operation,
        /// What Codat said.
        message: Box<ApiMessage>,
    },

    /// The connection failed, after the retries allowed.
    #[error("{op}: could not reach Codat: {reason}")]
    Connection {
        /// The operation.
        op: Operation,
        /// The underlying failure.
        reason: String,
    },

    /// No complete answer in time, after the retries allowed.
    #[error("{op}: Codat did not answer in time ({reason})")]
    Timeout {
        /// The operation.
        op: Operation,
        /// Which timeout.
        reason: String,
    },

    /// The answer could not be read.
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
        /// The first characters of the body.
        body_start: String,
    },

    /// The company's connection to its accounting software is not
    /// authorised, so nothing can be pushed.
    #[error(
        "connection {connection_id} is {status}, not Linked: nothing can be pushed; have the \
         company authorise its accounting software again in Codat (Portal → Companies → the \
         company → Connections), then export again"
    )]
    ConnectionNotLinked {
        /// The connection.
        connection_id: String,
        /// Its status.
        status: crate::ConnectionStatus,
    },

    /// The log of what was pushed could not be read or written.
    #[error(
        "the record of what was pushed to source account {account} could not be read or \
         written: {source}; nothing more is pushed to it until it can"
    )]
    Store {
        /// The source account.
        account: String,
        /// What the store said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The push operation had not ended when the poll policy ran out.
    #[error(
        "{op}: the push is still {status} after {polls} polls; it may yet complete: ask for \
         push operation {key} again later, and do not push the batch again under another key"
    )]
    PushNotFinished {
        /// The operation.
        op: Operation,
        /// The push operation.
        key: PushOperationKey,
        /// Its last status.
        status: PushStatus,
        /// How many times it was asked for.
        polls: u32,
    },
}

fn wait_hint(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("; retry in {} s", d.as_secs()),
        None => "; wait a minute and try again".to_owned(),
    }
}

fn item_list(items: &[ValidationItem]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!(": {}", lines.join("; "))
}

fn conflict_hint(op: &Operation) -> &'static str {
    if op.name == crate::operations::PUSH {
        "a push with this Idempotency-Key is still being processed: wait and ask again with the same key"
    } else {
        "it already exists: list it and update it instead of creating it"
    }
}

fn server_hint(op: &Operation) -> &'static str {
    if op.name == crate::operations::PUSH {
        " with the same Idempotency-Key (within 90 minutes a retry cannot push twice)"
    } else {
        ""
    }
}

/// The number of characters of a body quoted in [`Error::Malformed`].
pub(crate) const BODY_START: usize = 200;

/// The first characters of `body`, on a character boundary.
pub(crate) fn body_start(body: &str) -> String {
    body.chars().take(BODY_START).collect()
}

impl Error {
    /// The API operation that failed (none for [`Error::InvalidConfig`],
    /// [`Error::ConnectionNotLinked`] and [`Error::Store`]).
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::InvalidConfig { .. }
            | Error::ConnectionNotLinked { .. }
            | Error::Store { .. } => None,
            Error::InvalidArgument { op, .. }
            | Error::Unauthorized { op, .. }
            | Error::PaymentRequired { op, .. }
            | Error::Forbidden { op, .. }
            | Error::NotFound { op, .. }
            | Error::Validation { op, .. }
            | Error::Conflict { op, .. }
            | Error::IdempotencyKeyReused { op, .. }
            | Error::RateLimited { op, .. }
            | Error::Server { op, .. }
            | Error::Http { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. }
            | Error::Malformed { op, .. }
            | Error::PushNotFinished { op, .. } => Some(op),
        }
    }

    /// A [`Error::Store`] for source account `account`.
    pub(crate) fn store(
        account: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Store {
            account: account.to_owned(),
            source: Box::new(source),
        }
    }

    /// What Codat said, when it answered with an error.
    pub fn api_message(&self) -> Option<&ApiMessage> {
        match self {
            Error::Unauthorized { message, .. }
            | Error::PaymentRequired { message, .. }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message, .. }
            | Error::Validation { message, .. }
            | Error::Conflict { message, .. }
            | Error::IdempotencyKeyReused { message, .. }
            | Error::RateLimited { message, .. }
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

    /// How long Codat asked to wait, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether trying again later may succeed with no change on the
    /// caller's side.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Connection { .. }
                | Error::Timeout { .. }
                | Error::Server { .. }
                | Error::RateLimited { .. }
                | Error::PushNotFinished { .. }
        )
    }

    /// Classifies an unsuccessful answer. `key` is the request's
    /// Idempotency-Key, if it had one.
    pub(crate) fn from_response(
        op: Operation,
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
        key: Option<&str>,
        redact: &dyn Fn(&str) -> String,
    ) -> Error {
        let parsed = crate::model::ErrorBody::from_json(body);
        let is_json = parsed.is_some();
        let b = parsed.unwrap_or_default();
        let clean = |s: Option<String>| s.map(|s| redact(&s)).filter(|s| !s.trim().is_empty());
        let mut validation = b.validation.unwrap_or_default();
        for item in validation
            .errors
            .iter_mut()
            .chain(validation.warnings.iter_mut())
        {
            item.item_id = item.item_id.take().map(|s| redact(&s));
            item.message = item.message.take().map(|s| redact(&s));
            item.validator_name = item.validator_name.take().map(|s| redact(&s));
        }
        let error = clean(b.error).or_else(|| {
            (!is_json)
                .then(|| redact(&body_start(body.trim())))
                .filter(|s| !s.is_empty())
        });
        let message = Box::new(ApiMessage {
            status,
            error,
            service: clean(b.service),
            correlation_id: clean(b.correlation_id),
            can_be_retried: clean(b.can_be_retried),
            detailed_error_code: b.detailed_error_code,
            validation,
        });
        match status {
            400 => Error::Validation { op, message },
            401 => Error::Unauthorized { op, message },
            402 => Error::PaymentRequired { op, message },
            403 => Error::Forbidden { op, message },
            404 => Error::NotFound { op, message },
            409 => Error::Conflict { op, message },
            422 if key.is_some() => Error::IdempotencyKeyReused {
                op,
                key: key.unwrap_or_default().to_owned(),
                message,
            },
            429 => Error::RateLimited {
                op,
                message,
                retry_after,
            },
            408 | 500..=599 => Error::Server { op, message },
            _ => Error::Http { op, message },
        }
    }
}

#[cfg(test)]
mod tests {
    /// Small enough that callers' `Result`s pass clippy's `result_large_err`.
    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<super::Error>() <= 128);
    }
}
