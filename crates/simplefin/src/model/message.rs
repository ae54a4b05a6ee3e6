//! The messages an Account Set carries for the user: version 1's `errors`
//! (strings) and version 2's `errlist` (objects with a code).

use std::fmt;

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

use crate::text::{Redactor, clean};

/// An error code of protocol version 2 (`con.auth`, `act.failed`, …), kept
/// as sent; [`ErrorCode::class`] says what it means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorCode(String);

impl ErrorCode {
    /// Wraps a code as sent.
    pub fn new(code: impl Into<String>) -> ErrorCode {
        ErrorCode(code.into())
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the code means. A sub-code this crate does not know reads as
    /// its prefix (`con.newthing` is a connection error), as the protocol
    /// asks.
    ///
    /// ```
    /// use simplefin::{ErrorClass, ErrorCode};
    /// assert_eq!(ErrorCode::new("act.failed").class(), ErrorClass::AccountFailed);
    /// assert_eq!(ErrorCode::new("con.newthing").class(), ErrorClass::Connection);
    /// assert_eq!(ErrorCode::new("xyz").class(), ErrorClass::Other);
    /// ```
    pub fn class(&self) -> ErrorClass {
        let code = self.0.trim().to_ascii_lowercase();
        match code.as_str() {
            "gen.api" => return ErrorClass::GeneralApi,
            "gen.auth" => return ErrorClass::GeneralAuth,
            "con.auth" => return ErrorClass::ConnectionAuth,
            "act.failed" => return ErrorClass::AccountFailed,
            "act.missingdata" => return ErrorClass::AccountMissingData,
            _ => {}
        }
        match code.split('.').next().unwrap_or("") {
            "gen" => ErrorClass::General,
            "con" => ErrorClass::Connection,
            "act" => ErrorClass::Account,
            _ => ErrorClass::Other,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The meaning of an [`ErrorCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// `gen.`: a general error.
    General,
    /// `gen.api`: meant for the developer (a capped date range, a quota
    /// warning), not for the user.
    GeneralApi,
    /// `gen.auth`: the request's credentials were refused.
    GeneralAuth,
    /// `con.`: a connection (a login at one bank) has a problem.
    Connection,
    /// `con.auth`: the bank needs the user to sign in again at SimpleFIN
    /// Bridge.
    ConnectionAuth,
    /// `act.`: one account has a problem.
    Account,
    /// `act.failed`: the account could not be read; try again later.
    AccountFailed,
    /// `act.missingdata`: the transaction listing is incomplete.
    AccountMissingData,
    /// A code of no known family.
    Other,
}

impl ErrorClass {
    /// What the user can do about it, when there is something.
    pub fn advice(self) -> Option<&'static str> {
        match self {
            ErrorClass::ConnectionAuth | ErrorClass::Connection => Some(
                "sign in to SimpleFIN Bridge and fix the bank connection; the account's data is stale until then",
            ),
            ErrorClass::AccountFailed | ErrorClass::Account => {
                Some("the account could not be read this time; try again later")
            }
            ErrorClass::AccountMissingData => {
                Some("the transaction listing may be incomplete; import again later")
            }
            ErrorClass::GeneralAuth => Some("link the source again with a new setup token"),
            ErrorClass::General | ErrorClass::GeneralApi | ErrorClass::Other => None,
        }
    }
}

/// A message of the server for the user, with the accounts it concerns.
///
/// The text is display-safe: control characters removed, at most 300
/// characters, and (when it came through [`crate::Client`]) the access
/// URL's credentials redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    /// The code (version 2 only).
    pub code: Option<ErrorCode>,
    /// The message.
    pub text: String,
    /// The connection it names (version 2).
    pub conn_id: Option<String>,
    /// The account it names explicitly (version 2).
    pub account_id: Option<String>,
    /// Every account it concerns: the one it names, the accounts of the
    /// connection it names, or (version 1, which names nothing) the accounts
    /// of the bank in "Connection to BANK may need attention" and any account
    /// whose id the text quotes. Empty for a message about no account.
    pub accounts: Vec<String>,
}

impl ServerMessage {
    /// A message about nothing in particular.
    fn plain(text: &str) -> ServerMessage {
        ServerMessage {
            code: None,
            text: text.trim().to_owned(),
            conn_id: None,
            account_id: None,
            accounts: Vec::new(),
        }
    }

    /// Makes the text and code display-safe, blanking secrets out before
    /// anything is cut.
    pub(crate) fn sanitize(&mut self, redactor: &Redactor) {
        self.text = clean(&redactor.redact(&self.text));
        if let Some(code) = &mut self.code {
            code.0 = clean(&redactor.redact(&code.0));
        }
    }

    /// Whether it concerns the account `id`.
    pub fn concerns(&self, id: &str) -> bool {
        self.accounts.iter().any(|a| a == id)
    }
}

impl fmt::Display for ServerMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "[{code}] ")?;
        }
        f.write_str(&self.text)?;
        match self.accounts.as_slice() {
            [] => {}
            [one] => write!(f, " (account {one})")?,
            many => write!(f, " (accounts {})", many.join(", "))?,
        }
        if let Some(advice) = self.code.as_ref().and_then(|c| c.class().advice()) {
            write!(f, "; {advice}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for ServerMessage {
    /// A version 1 string, or a version 2 object `{code, msg, conn_id?,
    /// account_id?}` (`message` is read for `msg`, as one example of the
    /// draft spells it).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = |v: Option<&Value>| -> Option<String> {
            match v? {
                Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        match Value::deserialize(d)? {
            Value::String(s) => Ok(ServerMessage::plain(&s)),
            Value::Object(m) => {
                let code = text(m.get("code")).map(ErrorCode);
                let msg = text(m.get("msg"))
                    .or_else(|| text(m.get("message")))
                    .unwrap_or_default();
                Ok(ServerMessage {
                    code,
                    text: msg,
                    conn_id: text(m.get("conn_id")),
                    account_id: text(m.get("account_id")),
                    accounts: Vec::new(),
                })
            }
            other => Ok(ServerMessage::plain(&other.to_string())),
        }
    }
}
