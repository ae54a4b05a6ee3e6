//! A typed, tolerant client for the GoCardless Bank Account Data API
//! (formerly Nordigen).
//!
//! - [`model`]: the API's data types, tolerant of what real banks send.
//! - [`Secret`]: the secret key and tokens, never printed.
//! - [`Clock`]: the time source, replaceable in tests.
//! - [`store`]: the SQLite file that keeps tokens, responses and the
//!   request budget across runs.
//!
//! This crate knows nothing of Beancount: it fetches and stores bank data.

pub mod model;
pub mod store;

mod clock;
mod secret;

pub use clock::{Clock, ManualClock, SystemClock};
pub use model::{
    AccountReference, AccountTransactions, Amount, Balance, BalanceAfterTransaction, BalanceType,
    BalancesResponse, CurrencyExchange, Transaction, TransactionRecord, TransactionsResponse,
};
pub use secret::Secret;
