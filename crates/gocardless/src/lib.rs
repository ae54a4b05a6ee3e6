//! A typed, tolerant client for the GoCardless Bank Account Data API
//! (formerly Nordigen).
//!
//! - [`Client`] (configured with [`ClientBuilder`]): every operation of the
//!   API, with authentication that spends as few `token/new` calls as
//!   possible, retries with back-off, and the rate-limit headers of every
//!   answer ([`RateLimit`], on [`Fetched`]).
//! - [`TokenStore`]: where tokens are kept ([`MemoryTokenStore`] by default;
//!   [`store::Store`] keeps them across runs).
//! - [`Error`]: every failure, classified so a caller can act on it.
//! - [`model`]: the API's data types, tolerant of what real banks send.
//! - [`Secret`]: the secret key and tokens, never printed.
//! - [`Clock`]: the time source, replaceable in tests.
//! - [`store`]: GoCardless's part of the store file of the `store` crate
//!   (tokens, responses and the request budget, across runs), and
//!   [`store::CachedClient`], the client the binary uses: it answers from
//!   the store when it can and asks the bank only when it must and the
//!   daily budget allows.
//!
//! - [`statement`]: the mapping of GoCardless data to the importer's
//!   neutral types ([`importer::Statement`]), and [`files`], stored
//!   responses read from files.
//! - [`Settings`]: a GoCardless source of the configuration.

pub mod files;
pub mod model;
pub mod statement;
pub mod store;

mod client;
mod clock;
mod error;
mod operations;
mod ratelimit;
mod settings;
mod tokens;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, Fetched};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiMessage, Error, Operation, Subject};
pub use model::{
    AccountReference, AccountTransactions, Amount, Balance, BalanceAfterTransaction,
    BalancesResponse, CurrencyExchange, Transaction, TransactionRecord, TransactionsResponse,
};
pub use operations::{LinkedAccount, MAX_TRANSACTION_PAGES, REQUISITION_PAGE_SIZE};
pub use ratelimit::RateLimit;
pub use settings::{PROVIDER, Settings, SettingsError};
pub use source::{RetryPolicy, Secret};
pub use tokens::{MemoryTokenStore, TokenState, TokenStore, Tokens};
