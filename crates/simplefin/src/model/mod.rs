//! The protocol's data types, tolerant of what servers really send.
//!
//! Amounts are `Decimal`s read from their text (never through `f64`),
//! timestamps UTC `DateTime`s (`0` is absent), and text is trimmed. Each
//! transaction keeps its raw JSON ([`TransactionRecord`]) and each
//! unreadable account is set aside ([`UnreadableAccount`]), so one bad
//! record never spoils a response.

mod account;
mod info;
mod lenient;
mod message;
mod transaction;

pub use account::{Account, AccountSet, Connection, Currency, Org, UnreadableAccount};
pub use info::{Info, Version};
pub use message::{ErrorClass, ErrorCode, ServerMessage};
pub use transaction::{Transaction, TransactionRecord};
