//! Errors a caller can act on.
//!
//! Every variant names the operation, quotes what the server said (its
//! `errors`/`errlist` messages, an HTML page's title, or the start of the
//! text), and says what to do. Quoted text never holds a secret: the
//! access URL's credentials, the setup token and the claim URL are
//! redacted before anything is quoted, even when a server echoes them.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::text::{Redactor, clean, quote_body};

/// A request of the protocol, as named in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `POST` to the claim URL of a setup token.
    Claim,
    /// `GET /info`.
    Info,
    /// `GET /accounts` for a window (`start` on or after, `end` before).
    Accounts {
        /// The window's start, when one was given.
        start: Option<DateTime<Utc>>,
        /// The window's end, when one was given.
        end: Option<DateTime<Utc>>,
    },
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::Claim => f.write_str("claiming the SimpleFIN setup token"),
            Operation::Info => f.write_str("SimpleFIN GET /info"),
            Operation::Accounts { start, end } => {
                f.write_str("SimpleFIN GET /accounts")?;
                let day = |d: &DateTime<Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
                match (start, end) {
                    (Some(s), Some(e)) => write!(f, " for {} to {}", day(s), day(e)),
                    (Some(s), None) => write!(f, " from {}", day(s)),
                    (None, Some(e)) => write!(f, " before {}", day(e)),
                    (None, None) => Ok(()),
                }
            }
        }
    }
}

/// What the server answered: the status and the quoted text, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// What the body says, display-safe and with secrets redacted.
    pub text: Option<String>,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match &self.text {
            Some(t) => write!(f, ": \"{t}\""),
            None => Ok(()),
        }
    }
}

/// Every way a SimpleFIN call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The setup token could not be decoded into a claim URL. Nothing was
    /// sent.
    #[error(
        "the SimpleFIN setup token is not usable: {reason}; copy the whole token from SimpleFIN Bridge (a long base64 text) and try again"
    )]
    SetupToken {
        /// What is wrong (never the token itself).
        reason: String,
    },

    /// An access URL (claimed, or read from the store) is not usable.
    #[error(
        "the SimpleFIN access URL is not usable: {reason}; make a new setup token at SimpleFIN Bridge and link the source again"
    )]
    AccessUrl {
        /// What is wrong (never the credentials).
        reason: String,
    },

    /// The client could not be set up (the HTTP client could not be built).
    #[error("invalid SimpleFIN client configuration: {message}")]
    InvalidConfig {
        /// What is wrong.
        message: String,
    },

    /// A request argument was unusable (a window that ends before it
    /// starts); nothing was sent.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation.
        op: Operation,
        /// What is wrong.
        message: String,
    },

    /// The claim URL answered 403: the token was claimed already (or never
    /// existed).
    #[error(
        "{op}: the setup token was already claimed or does not exist ({answer}); if you did not claim it yourself, it may be compromised: disable it at SimpleFIN Bridge and create a new setup token"
    )]
    TokenClaimed {
        /// The operation.
        op: Operation,
        /// What the server said.
        answer: Box<Answer>,
    },

    /// `/accounts` answered 403: the access was revoked by the user,
    /// disabled by the Bridge (quota abuse), or the credentials are wrong.
    #[error(
        "{op}: SimpleFIN refused the access URL ({answer}): the access was revoked or disabled; make a new setup token at SimpleFIN Bridge and run `gc-beancount link --source {source_name} --setup-token TOKEN`"
    )]
    AccessRevoked {
        /// The operation.
        op: Operation,
        /// What the server said.
        answer: Box<Answer>,
        /// The configured source, for the command to suggest.
        source_name: String,
    },

    /// 402: the SimpleFIN Bridge subscription needs paying.
    #[error(
        "{op}: SimpleFIN asks for payment ({answer}); renew the SimpleFIN Bridge subscription, then try again"
    )]
    PaymentRequired {
        /// The operation.
        op: Operation,
        /// What the server said.
        answer: Box<Answer>,
    },

    /// 429: too many requests (the Bridge allows about 24 a day), after the
    /// retries allowed.
    #[error(
        "{op}: SimpleFIN says too many requests ({answer}){}; the Bridge allows about 24 requests a day: import less often",
        wait_hint(*.retry_after)
    )]
    RateLimited {
        /// The operation.
        op: Operation,
        /// What the server said.
        answer: Box<Answer>,
        /// How long to wait, when the server said (`Retry-After`).
        retry_after: Option<Duration>,
    },

    /// 5xx, after the retries allowed.
    #[error("{op}: SimpleFIN failed ({answer}); try again later")]
    Server {
        /// The operation.
        op: Operation,
        /// What the server said.
        answer: Box<Answer>,
    },

    /// Any other unsuccessful status (404, a redirect, …).
    #[error("{op}: unexpected answer ({answer}); check the access URL or link the source again")]
    Http {
        /// The operation.
        op: Operation,
        /// What the server said.
        answer: Box<Answer>,
    },

    /// The connection failed, after the retries allowed.
    #[error("{op}: could not reach SimpleFIN: {reason}; check the network and try again")]
    Connection {
        /// The operation.
        op: Operation,
        /// The underlying failure.
        reason: String,
    },

    /// No complete answer within the timeout, after the retries allowed.
    #[error("{op}: SimpleFIN did not answer in time ({reason}); try again later")]
    Timeout {
        /// The operation.
        op: Operation,
        /// Which timeout.
        reason: String,
    },

    /// A successful answer that could not be read.
    #[error(
        "{op}: unreadable answer (HTTP {status}): {reason}; the body starts with: {body_start:?}; try again later, and report it if it persists"
    )]
    Malformed {
        /// The operation.
        op: Operation,
        /// The HTTP status.
        status: u16,
        /// Why it could not be read.
        reason: String,
        /// The first characters of the body (empty for a claim, whose
        /// answer is a secret).
        body_start: String,
    },
}

fn wait_hint(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("; retry in {} s", d.as_secs()),
        None => String::new(),
    }
}

impl Error {
    /// Classifies an unsuccessful answer; `body` is redacted before any of
    /// it is quoted.
    pub(crate) fn from_response(
        op: Operation,
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
        redactor: &Redactor,
        source_name: &str,
    ) -> Error {
        let answer = Box::new(Answer {
            status,
            text: quote_body(body, redactor),
        });
        match (status, &op) {
            (403, Operation::Claim) => Error::TokenClaimed { op, answer },
            (403 | 401, _) => Error::AccessRevoked {
                op,
                answer,
                source_name: source_name.to_owned(),
            },
            (402, _) => Error::PaymentRequired { op, answer },
            (429, _) => Error::RateLimited {
                op,
                answer,
                retry_after,
            },
            (500..=599, _) => Error::Server { op, answer },
            _ => Error::Http { op, answer },
        }
    }

    /// A body that could not be read; the body is quoted only when it can
    /// hold no secret of the protocol.
    pub(crate) fn malformed(
        op: Operation,
        status: u16,
        reason: &str,
        body: &str,
        redactor: &Redactor,
    ) -> Error {
        let body_start = if op == Operation::Claim {
            String::new()
        } else {
            clean(&redactor.redact(body)).chars().take(200).collect()
        };
        Error::Malformed {
            reason: clean(&redactor.redact(reason)),
            op,
            status,
            body_start,
        }
    }

    /// The operation that failed, when a request was involved.
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::SetupToken { .. } | Error::AccessUrl { .. } | Error::InvalidConfig { .. } => {
                None
            }
            Error::InvalidArgument { op, .. }
            | Error::TokenClaimed { op, .. }
            | Error::AccessRevoked { op, .. }
            | Error::PaymentRequired { op, .. }
            | Error::RateLimited { op, .. }
            | Error::Server { op, .. }
            | Error::Http { op, .. }
            | Error::Connection { op, .. }
            | Error::Timeout { op, .. }
            | Error::Malformed { op, .. } => Some(op),
        }
    }

    /// What the server answered, when it answered with an error status.
    pub fn answer(&self) -> Option<&Answer> {
        match self {
            Error::TokenClaimed { answer, .. }
            | Error::AccessRevoked { answer, .. }
            | Error::PaymentRequired { answer, .. }
            | Error::RateLimited { answer, .. }
            | Error::Server { answer, .. }
            | Error::Http { answer, .. } => Some(answer),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Malformed { status, .. } => Some(*status),
            _ => self.answer().map(|a| a.status),
        }
    }

    /// Whether the source must be linked again with a new setup token
    /// (access revoked or disabled, a claimed token, an unusable access
    /// URL).
    pub fn needs_new_setup_token(&self) -> bool {
        matches!(
            self,
            Error::AccessRevoked { .. }
                | Error::TokenClaimed { .. }
                | Error::SetupToken { .. }
                | Error::AccessUrl { .. }
        )
    }

    /// Whether trying again later may succeed with no change on the user's
    /// side (connection, timeout, 5xx, 429).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(name: &str) -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/providers/simplefin/examples/simplefin4py-fixtures/"
        );
        std::fs::read_to_string(format!("{path}{name}")).unwrap()
    }

    fn accounts() -> Operation {
        Operation::Accounts {
            start: None,
            end: None,
        }
    }

    #[test]
    fn the_bridge_403_page_is_quoted_by_its_title() {
        let e = Error::from_response(
            accounts(),
            403,
            &shared("403.txt"),
            None,
            &Redactor::default(),
            "my-bank",
        );
        let msg = e.to_string();
        assert!(e.needs_new_setup_token());
        assert!(
            msg.contains("HTTP 403: \"Forbidden - SimpleFIN Bridge\""),
            "{msg}"
        );
        assert!(
            msg.contains("gc-beancount link --source my-bank --setup-token TOKEN"),
            "{msg}"
        );
        assert!(!msg.contains('<'), "{msg}");
    }

    #[test]
    fn the_bridge_402_body_is_quoted_by_its_message() {
        let e = Error::from_response(
            accounts(),
            402,
            &shared("402.json"),
            None,
            &Redactor::default(),
            "s",
        );
        assert!(matches!(e, Error::PaymentRequired { .. }));
        assert!(e.to_string().contains("\"Payment required.\""), "{e}");
    }

    #[test]
    fn a_403_on_claim_says_the_token_may_be_compromised() {
        let e = Error::from_response(Operation::Claim, 403, "", None, &Redactor::default(), "s");
        let msg = e.to_string();
        assert!(
            msg.contains("compromised") && msg.contains("disable it"),
            "{msg}"
        );
    }

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
