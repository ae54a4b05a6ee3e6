//! Errors a caller can act on.
//!
//! Every variant names the operation (`GET balances of account 9fd5…`)
//! and, when Enable Banking answered, quotes its message, code and detail,
//! with every secret the client knows of (the JWT, an authorisation code)
//! cut out, because some servers echo the request back. The
//! classification reads the error code first and the status second:
//! Enable Banking's codes say what to do, its statuses do not.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::model::{ErrorBody, ErrorCode, lenient};

/// What an operation was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An account, by uid.
    Account(String),
    /// A session.
    Session(String),
    /// A bank.
    Aspsp(String),
    /// A country's banks.
    Country(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Account(id) => write!(f, "account {id}"),
            Subject::Session(id) => write!(f, "session {id}"),
            Subject::Aspsp(name) => write!(f, "bank {name}"),
            Subject::Country(c) => write!(f, "country {c}"),
        }
    }
}

/// An API operation, as named in errors: `GET transactions of account 9fd5…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The method and endpoint, e.g. `GET transactions`.
    pub name: &'static str,
    /// What it was about, if anything.
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

    /// The account uid, when the operation is about an account.
    pub fn account_uid(&self) -> Option<&str> {
        match &self.subject {
            Some(Subject::Account(id)) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(s) => write!(f, "{} of {s}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// What Enable Banking said: the HTTP status and the error body, secrets
/// removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiMessage {
    /// The HTTP status.
    pub status: u16,
    /// The error code, when the body has one.
    pub code: Option<ErrorCode>,
    /// The message (or the start of a body that is not JSON).
    pub message: Option<String>,
    /// The detail, as text (an object as compact JSON).
    pub detail: Option<String>,
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        let message = self
            .message
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let detail = self
            .detail
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match (message, detail) {
            (Some(m), Some(d)) if m != d => write!(f, ": \"{m}\" ({d})"),
            (Some(m), _) => write!(f, ": \"{m}\""),
            (None, Some(d)) => write!(f, ": ({d})"),
            (None, None) => Ok(()),
        }
    }
}

/// Every way an Enable Banking call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (base URL, application id, JWT
    /// lifetime).
    #[error("invalid Enable Banking client configuration: {message}")]
    InvalidConfig {
        /// What is wrong and what to do.
        message: String,
    },

    /// The private key file can be read by others than its owner.
    #[error(
        "the Enable Banking private key {} can be read by other users (mode {mode:04o}); \
         restrict it to its owner: chmod 600 {}", .path.display(), .path.display()
    )]
    KeyPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// The private key could not be read or is not an RSA private key.
    #[error("the Enable Banking private key{}: {reason}", .path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    Key {
        /// The file, when the key was read from one.
        path: Option<PathBuf>,
        /// What is wrong (never the key's content).
        reason: String,
    },

    /// An argument was unusable; nothing was sent.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation.
        op: Operation,
        /// What is wrong.
        message: String,
    },

    /// The JWT was refused (401): a key that is not the application's, a
    /// wrong application id, or a clock far off.
    #[error(
        "{op}: Enable Banking refused the application's signature ({message}); check that \
         `application_id` is the application's id and `private_key` its key (the .pem \
         downloaded when the application was registered), and that this computer's clock is right"
    )]
    Unauthorized {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The application is not active (no accounts linked to it yet) or may
    /// not use this service.
    #[error(
        "{op}: the Enable Banking application is not active or lacks this service ({message}); \
         in the Enable Banking control panel, link your accounts to the application to \
         activate it (restricted mode)"
    )]
    ApplicationInactive {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The session has expired, was revoked or closed, or the bank needs
    /// the user again: link the bank again (a new consent).
    #[error("{op}: the consent is no longer valid ({message}); link the bank again")]
    SessionEnded {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The authorisation code from the redirect was refused (unknown,
    /// expired, already used).
    #[error("{op}: the authorisation code was refused ({message}); start linking the bank again")]
    CodeRejected {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The redirect URL is not one registered with the application.
    #[error(
        "{op}: the redirect URL is not registered with the application ({message}); add it to \
         the application's redirect URLs in the Enable Banking control panel, or configure one \
         that is"
    )]
    RedirectNotAllowed {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The bank allows history back to `date_from` only, and asking from
    /// there failed too (or the answer named no date).
    #[error(
        "{op}: the bank refuses this period ({message}){}",
        .date_from.map(|d| format!("; ask from {d} on")).unwrap_or_else(|| "; ask for a shorter period (90 days at most banks)".into())
    )]
    WrongPeriod {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
        /// The earliest day the bank allows, when the detail names it.
        date_from: Option<NaiveDate>,
    },

    /// The bank's daily limit of requests without the user (about 4 per
    /// account) is used up. Never retried: waiting means waiting until
    /// tomorrow, or running the command in person.
    #[error(
        "{op}: the bank's daily request limit for this account is used up ({message}); use the \
         data already fetched and try again tomorrow"
    )]
    BankDailyLimit {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// Enable Banking's own rate limit (429), after the retries allowed.
    #[error("{op}: too many requests ({message}); try again in a few minutes")]
    RateLimited {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The bank answers only when a person is present, with PSU headers.
    #[error(
        "{op}: the bank answers only when you are present ({message}); run the command yourself \
         rather than from a scheduler"
    )]
    PsuHeadersRequired {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// Not allowed for another reason (403).
    #[error("{op}: not allowed ({message})")]
    Forbidden {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// No such account, bank or transaction.
    #[error(
        "{op}: not found ({message}); if the bank was linked again since, use the new session's accounts"
    )]
    NotFound {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The request was refused as invalid (400, 422).
    #[error("{op}: invalid request ({message})")]
    Invalid {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// Enable Banking or the bank failed (5xx, `ASPSP_ERROR`,
    /// `ASPSP_TIMEOUT`), after the retries allowed.
    #[error("{op}: Enable Banking or the bank failed ({message}); try again later")]
    Server {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// Any other unsuccessful status.
    #[error("{op}: unexpected answer ({message})")]
    Http {
        /// The operation.
        op: Operation,
        /// What Enable Banking said.
        message: Box<ApiMessage>,
    },

    /// The connection failed, after the retries allowed.
    #[error("{op}: could not reach Enable Banking: {reason}; check the network and try again")]
    Connection {
        /// The operation.
        op: Operation,
        /// The underlying failure.
        reason: String,
    },

    /// No complete answer in time, after the retries allowed.
    #[error("{op}: Enable Banking did not answer in time ({reason}); try again later")]
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
        /// The first characters of the body, secrets removed.
        body_start: String,
    },
}

/// The number of characters of a body quoted in errors.
const QUOTE: usize = 300;

/// What replaces a secret in quoted text.
const REDACTED: &str = "[redacted]";

/// `text` with every known secret, and anything shaped like a JWT, cut
/// out, and shortened to [`QUOTE`] characters.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s, REDACTED);
    }
    let out = redact_jwts(&out);
    let mut chars = out.chars();
    let mut short: String = chars.by_ref().take(QUOTE).collect();
    if chars.next().is_some() {
        short.push('…');
    }
    short
}

/// Cuts out words that look like a JWT (`eyJ…` with two dots): a server
/// may echo the `Authorization` header, and a token from an earlier
/// request is no longer one the client knows.
fn redact_jwts(text: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(|c: char| !token_char(c)).unwrap_or(tail.len());
        let word = &tail[..end];
        if word.matches('.').count() == 2 {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

impl Error {
    /// Classifies an unsuccessful answer from its status and body;
    /// `secrets` are cut out of whatever is quoted.
    ///
    /// ```
    /// use enablebanking::{Error, Operation};
    /// let body = r#"{"code":429,"message":"limit for SE4550000000058398257466","error":"ASPSP_RATE_LIMIT_EXCEEDED"}"#;
    /// let e = Error::from_response(Operation::new("GET transactions"), 429, body, &[]);
    /// assert!(e.is_bank_daily_limit());
    /// let body = r#"{"code":403,"message":"Application is not active"}"#;
    /// let e = Error::from_response(Operation::new("GET /aspsps"), 403, body, &[]);
    /// assert!(matches!(e, Error::ApplicationInactive { .. }));
    /// ```
    pub fn from_response(op: Operation, status: u16, body: &str, secrets: &[&str]) -> Error {
        let parsed = ErrorBody::from_json(body);
        let b = parsed.clone().unwrap_or_default();
        let detail_text = b.detail.as_ref().and_then(|d| match d {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(redact(s, secrets)),
            other => Some(redact(&other.to_string(), secrets)),
        });
        let message = Box::new(ApiMessage {
            status,
            code: b.error.clone(),
            message: match &parsed {
                Some(b) => b.message.as_deref().map(|m| redact(m, secrets)),
                None => Some(redact(body.trim(), secrets)).filter(|s| !s.is_empty()),
            },
            detail: detail_text,
        });
        let text = format!(
            "{} {}",
            message.message.as_deref().unwrap_or(""),
            message.detail.as_deref().unwrap_or("")
        )
        .to_lowercase();

        use ErrorCode as C;
        match b.error {
            Some(C::AspspRateLimitExceeded) => return Error::BankDailyLimit { op, message },
            Some(
                C::ExpiredSession
                | C::ClosedSession
                | C::RevokedSession
                | C::SessionDoesNotExist
                | C::AspspPsuActionRequired,
            ) => return Error::SessionEnded { op, message },
            Some(C::WrongTransactionsPeriod) => {
                let date_from = detail_date(b.detail.as_ref(), "date_from");
                return Error::WrongPeriod {
                    op,
                    message,
                    date_from,
                };
            }
            Some(C::NoAccountsAdded | C::AccessDenied) => {
                return Error::ApplicationInactive { op, message };
            }
            Some(C::RedirectUriNotAllowed) => return Error::RedirectNotAllowed { op, message },
            Some(C::PsuHeaderNotProvided | C::PsuHeaderInvalid) => {
                return Error::PsuHeadersRequired { op, message };
            }
            Some(
                C::ExpiredAuthorizationCode | C::WrongAuthorizationCode | C::AlreadyAuthorized,
            ) => return Error::CodeRejected { op, message },
            Some(C::AspspError | C::AspspTimeout) => return Error::Server { op, message },
            Some(C::UnauthorizedAccess | C::AuthorizationNotProvided) => {
                return Error::Unauthorized { op, message };
            }
            Some(C::AccountDoesNotExist | C::TransactionDoesNotExist) => {
                return Error::NotFound { op, message };
            }
            _ => {}
        }
        if text.contains("not active") {
            return Error::ApplicationInactive { op, message };
        }
        match status {
            401 => Error::Unauthorized { op, message },
            403 => Error::Forbidden { op, message },
            404 => Error::NotFound { op, message },
            429 => Error::RateLimited { op, message },
            400 | 422 => Error::Invalid { op, message },
            408 | 500..=599 => Error::Server { op, message },
            _ => Error::Http { op, message },
        }
    }

    /// The operation that failed (none for configuration and key errors).
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::InvalidConfig { .. } | Error::KeyPermissions { .. } | Error::Key { .. } => None,
            Error::InvalidArgument { op, .. }
            | Error::Unauthorized { op, .. }
            | Error::ApplicationInactive { op, .. }
            | Error::SessionEnded { op, .. }
            | Error::CodeRejected { op, .. }
            | Error::RedirectNotAllowed { op, .. }
            | Error::WrongPeriod { op, .. }
            | Error::BankDailyLimit { op, .. }
            | Error::RateLimited { op, .. }
            | Error::PsuHeadersRequired { op, .. }
            | Error::Forbidden { op, .. }
            | Error::NotFound { op, .. }
            | Error::Invalid { op, .. }
            | Error::Server { op, .. }
            | Error::Http { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. }
            | Error::Malformed { op, .. } => Some(op),
        }
    }

    /// What Enable Banking said, when it answered with an error.
    pub fn api_message(&self) -> Option<&ApiMessage> {
        match self {
            Error::Unauthorized { message, .. }
            | Error::ApplicationInactive { message, .. }
            | Error::SessionEnded { message, .. }
            | Error::CodeRejected { message, .. }
            | Error::RedirectNotAllowed { message, .. }
            | Error::WrongPeriod { message, .. }
            | Error::BankDailyLimit { message, .. }
            | Error::RateLimited { message, .. }
            | Error::PsuHeadersRequired { message, .. }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message, .. }
            | Error::Invalid { message, .. }
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

    /// Enable Banking's error code, when the body had one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api_message()?.code.as_ref()
    }

    /// Whether the user must link the bank again (a new consent).
    pub fn is_session_ended(&self) -> bool {
        matches!(self, Error::SessionEnded { .. })
    }

    /// Whether the bank's daily limit for the account was hit.
    pub fn is_bank_daily_limit(&self) -> bool {
        matches!(self, Error::BankDailyLimit { .. })
    }

    /// Whether trying again later may succeed with no change on the user's
    /// side (connection, timeout, 5xx, Enable Banking's rate limit).
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

/// A date field of an object `detail` (`{"date_from": "2025-11-17"}`).
fn detail_date(detail: Option<&serde_json::Value>, key: &str) -> Option<NaiveDate> {
    lenient::parse_date(detail?.get(key)?.as_str()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small enough that callers' `Result`s pass clippy's `result_large_err`.
    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 128);
    }

    #[test]
    fn redacts_secrets_and_jwt_shapes() {
        let text =
            "token eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln and code abcd1234 and eyJonly.one";
        let out = redact(text, &["abcd1234"]);
        assert_eq!(out, "token [redacted] and code [redacted] and eyJonly.one");
    }
}
