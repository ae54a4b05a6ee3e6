//! A typed client of Codat's Bank Feeds API: what an exporter needs to
//! put a ledger's bank and card transactions into accounting software
//! (Xero, QuickBooks Online, Sage, FreeAgent…) as a bank feed.
//!
//! How the parts fit:
//! - [`Client`] (configured with [`ClientBuilder`]) makes the calls: the
//!   company and its [`Connection`]s, the connection's [`SourceAccount`]s
//!   (create with [`NewSourceAccount`], change with
//!   [`SourceAccountUpdate`]), pushes of [`BankTransaction`]s, and the
//!   [`PushOperation`]s that say what became of them.
//! - A push is asynchronous: [`Client::push_transactions`] answers with a
//!   `Pending` operation, [`Client::wait_for_push`] polls it to `Success`,
//!   `Failed` or `TimedOut` within a [`PollPolicy`], and
//!   [`PushOperation::rejections`] ties each validation error to the
//!   transaction it is about.
//! - Every write carries an [`IdempotencyKey`]; a push's key is the
//!   caller's ([`IdempotencyKey::for_batch`]), so a retry, or a rerun
//!   within Codat's 90 minutes, cannot push a batch twice. Retries follow
//!   a [`RetryPolicy`] on what the API declares retryable (408, 429 with
//!   its `Retry-After`, 5xx, connection errors).
//! - [`Error`]: every failure, naming the operation, quoting Codat's
//!   message and saying what to do. The API key is a [`Secret`]: it never
//!   reaches `Debug`, a log or an error, even when a server echoes it.
//! - [`model`]: the API's data types. Amounts are `rust_decimal::Decimal`
//!   written as JSON numbers with their exact digits.
//!
//! This crate knows nothing of Beancount.

pub mod model;

mod client;
mod error;
mod idempotency;
mod operations;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, PollPolicy};
pub use error::{ApiMessage, Error, Operation, Subject};
pub use idempotency::IdempotencyKey;
pub use model::{
    AccountType, BankTransaction, Company, Connection, ConnectionStatus, MAX_TRANSACTIONS_PER_PUSH,
    NewSourceAccount, PushOperation, PushOperationKey, PushStatus, Rejection, SourceAccount,
    SourceAccountStatus, SourceAccountUpdate, TransactionType, Validation, ValidationItem,
};
pub use operations::ConnectionRef;
pub use source::{RetryPolicy, Secret};
