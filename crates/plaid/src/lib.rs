//! A typed, tolerant client of Plaid's API, version 2020-09-14: what an
//! importer of bank transactions needs, and nothing of Beancount.
//!
//! How the parts fit:
//! - [`Client`], configured with [`ClientBuilder`] for an [`Environment`]
//!   (or a checked base URL), sends every request with the keys in the
//!   `PLAID-CLIENT-ID`/`PLAID-SECRET` headers and `Plaid-Version:
//!   2020-09-14`, retries what is safe to retry ([`RetryPolicy`]), and
//!   classifies every failure as an [`Error`] that says what to do.
//! - Linking an Item: [`Client::create_link_token`] (and
//!   [`Client::create_update_link_token`] to repair one) for Plaid Link,
//!   then [`Client::exchange_public_token`] turns Link's public token into
//!   an [`ItemAccess`]: the access token and the Item's id, to store.
//!   [`Client::create_sandbox_public_token`] skips Link in the sandbox.
//! - Reading an Item: [`Client::sync`] gives everything that changed since
//!   a stored [`Cursor`] (added, modified, removed transactions and the
//!   accounts' balances) with the cursor to store next, reading every page
//!   and restarting when Plaid's data move under it;
//!   [`Client::balances`] asks the institution for balances now (5 calls a
//!   minute per Item), [`Client::accounts`] gives the cached ones and
//!   [`Client::item`] the Item's state.
//! - The data: [`TransactionRecord`] keeps each transaction's JSON as sent
//!   and [`TransactionRecord::parse`] gives the typed [`Transaction`], so
//!   one bad record never spoils a page. Amounts are [`rust_decimal`]
//!   decimals read through their JSON text, never through a float; Plaid's
//!   amount is positive when money leaves the account.
//! - Secrets (keys, access, public and Link tokens) are [`Secret`]s: never
//!   in `Debug`, logs or errors, and cut out of any server text an error
//!   quotes.
//! - [`Settings`]: a Plaid source of the configuration (keys, environment,
//!   which text is the narration), and the client and sync options it
//!   asks for.
//! - [`statement`]: the mapping of a sync to the importer's neutral types:
//!   its changes applied to each other and sorted by account
//!   ([`statement::Changes`]), each account's transactions as
//!   [`importer::Records`], its balance as an [`importer::Balance`].

pub mod statement;

mod client;
mod error;
mod model;
mod operations;
mod redact;
mod settings;
mod sync;

pub use client::{API_VERSION, Client, ClientBuilder, Environment};
pub use error::{ApiMessage, Error, Operation};
pub use model::{
    Account, AccountType, AccountsResponse, Balances, ConfidenceLevel, Cursor, ErrorType, Item,
    ItemAccess, ItemResponse, ItemStatus, LinkToken, LinkTokenRequest, PaymentChannel,
    PersonalFinanceCategory, PlaidError, PullStatus, RemovedTransaction, SandboxItemRequest,
    SyncPage, Transaction, TransactionRecord, UpdateStatus,
};
pub use settings::{Narration, PROVIDER, Settings, SettingsError};
pub use source::{RetryPolicy, Secret};
pub use sync::{MAX_SYNC_PAGES, SyncOptions, SyncResult};
