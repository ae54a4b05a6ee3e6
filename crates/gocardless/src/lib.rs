//! A typed, tolerant client for the GoCardless Bank Account Data API
//! (formerly Nordigen).
//!
//! - [`model`]: the API's data types, tolerant of what real banks send.
//!
//! This crate knows nothing of Beancount: it fetches and stores bank data.

pub mod model;

pub use model::{
    AccountReference, AccountTransactions, Amount, Balance, BalanceAfterTransaction, BalanceType,
    BalancesResponse, CurrencyExchange, Transaction, TransactionRecord, TransactionsResponse,
};
