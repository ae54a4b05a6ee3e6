//! A client of the SimpleFIN protocol, as served by SimpleFIN Bridge.
//!
//! SimpleFIN gives read-only access to a user's bank accounts through one
//! secret, the access URL. How the parts fit:
//!
//! - [`claim`] turns the user's setup token (base64 of a one-time claim
//!   URL) into an [`AccessUrl`], the secret to store. The claim works once;
//!   a second one is refused ([`Error::TokenClaimed`]).
//! - [`Client`] reads with an access URL: [`Client::info`] and
//!   [`Client::version`] (protocol 2 when the server lists it, else 1),
//!   and [`Client::accounts`], which asks `GET /accounts` for an
//!   [`AccountsQuery`], splitting windows longer than [`MAX_WINDOW`] (90
//!   days) and merging the answers.
//! - [`AccountSet`] is what comes back: [`Account`]s with their balance and
//!   its date, their [`TransactionRecord`]s (raw JSON, with the typed
//!   [`Transaction`] view), and the server's [`ServerMessage`]s, each
//!   naming the accounts it concerns.
//! - [`Error`] says what failed, quotes the server with secrets redacted,
//!   and says what to do.
//! - [`Config`] holds timeouts, the [`RetryPolicy`] and the source's name.
//! - [`Settings`]: a SimpleFIN source of the configuration, the client
//!   configuration it asks for and the check of an access URL against it.
//! - [`statement`]: the mapping of an [`AccountSet`] to the importer's
//!   neutral types, one [`statement::AccountStatement`] per configured
//!   account (transactions, balances, the server's messages about it).
//!
//! Secrets never print: the setup token is a [`Secret`], the access URL
//! shows no credentials, and server text quoted in errors or messages has
//! the credentials blanked out even when the server echoes them.
//!
//! The client knows nothing of Beancount; [`statement`] hands its data to
//! the importer.

pub mod statement;

mod access;
mod client;
mod error;
mod model;
mod query;
mod settings;
mod text;

pub use access::AccessUrl;
pub use client::{Client, Config, claim};
pub use error::{Answer, Error, Operation};
pub use model::{
    Account, AccountSet, Connection, Currency, ErrorClass, ErrorCode, Info, Org, ServerMessage,
    Transaction, TransactionRecord, UnreadableAccount, Version,
};
pub use query::{AccountsQuery, MAX_WINDOW};
pub use settings::{PROVIDER, Settings, SettingsError};
pub use source::{RetryPolicy, Secret};
