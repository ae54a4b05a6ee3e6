//! A typed client of Codat's Bank Feeds API, and the exporter that puts a
//! Beancount ledger's bank and card accounts into accounting software
//! (Xero, QuickBooks Online, Sage, FreeAgent…) as bank feeds through it.
//!
//! How the client's parts fit:
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
//! The exporter, in the order an export runs:
//! - [`ExportSettings`] ([`ExportSettings::from_export`]): an `exports:`
//!   entry of the configuration, checked: the API key, company,
//!   connection and the [`ExportAccount`]s.
//! - [`Feed::read`]: each exported account's statement from a
//!   [`Ledger`](importer::ledger::Ledger): its postings in Beancount's
//!   order with the account's running balance after each (pads and
//!   opening entries included), each with a stable id ([`FeedEntry`],
//!   [`FeedPosting`]).
//! - [`Plan::build`] / [`AccountPlan::build`]: the feed against what was
//!   pushed ([`PushLog`]) and the targets' rules: what to push now
//!   ([`PlannedTransaction`]), what not and why ([`Exclusion`],
//!   [`Reason`]), what changed after it was pushed ([`Changed`]). A plan
//!   serialises to JSON for `--dry-run`.
//! - [`export()`]: the plan pushed, the source account created when
//!   missing, pushes in flight resumed; an [`ExportReport`] says what
//!   happened, with the ledger `file:line` of each rejected transaction.
//! - [`PushLog`]: the memory of what was pushed (the application's store;
//!   [`MemoryPushLog`] in memory).

pub mod model;

mod client;
mod error;
mod export;
mod feed;
mod idempotency;
mod log;
mod operations;
mod plan;
mod settings;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, PollPolicy};
pub use error::{ApiMessage, Error, Operation, Subject};
pub use export::{
    AccountOutcome, AccountReport, ExportReport, PushReport, RejectedTransaction, export,
};
pub use feed::{AccountFeed, EntryKind, Feed, FeedEntry, FeedPosting, LedgerLocation};
pub use idempotency::IdempotencyKey;
pub use log::{InFlight, MemoryPushLog, PushLog, PushOutcome, PushState, PushedRecord};
pub use model::{
    AccountType, BankTransaction, Company, Connection, ConnectionStatus, MAX_TRANSACTIONS_PER_PUSH,
    NewSourceAccount, PushOperation, PushOperationKey, PushStatus, Rejection, SourceAccount,
    SourceAccountStatus, SourceAccountUpdate, TransactionType, Validation, ValidationItem,
};
pub use operations::ConnectionRef;
pub use plan::{
    AccountPlan, Changed, Exclusion, ExclusionKind, History, Notice, Plan, PlannedTransaction,
    Reason, Rules,
};
pub use settings::{ExportAccount, ExportSettings, PROVIDER, SettingsError};
pub use source::{RetryPolicy, Secret};
