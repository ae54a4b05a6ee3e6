//! Plaid's data types, written from its OpenAPI description (version
//! 2020-09-14), tolerant of what real answers hold: unknown fields are
//! ignored, unknown enum values kept as `Other(String)`, `null` wherever a
//! value may be missing, and amounts read as decimals through their JSON
//! text. Transactions keep their raw JSON ([`TransactionRecord`]).

mod account;
mod error_body;
mod item;
mod lenient;
mod link;
mod sync;
mod transaction;

pub use account::{Account, AccountType, Balances};
pub use error_body::{ErrorType, PlaidError};
pub use item::{AccountsResponse, Item, ItemResponse, ItemStatus, PullStatus};
pub use link::{ItemAccess, LinkToken, LinkTokenRequest, SandboxItemRequest};
pub use sync::{Cursor, SyncPage, UpdateStatus};
pub use transaction::{
    ConfidenceLevel, PaymentChannel, PersonalFinanceCategory, RemovedTransaction, Transaction,
    TransactionRecord,
};
