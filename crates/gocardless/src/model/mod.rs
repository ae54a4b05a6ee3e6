//! Typed models of the GoCardless Bank Account Data API.
//!
//! They follow the OpenAPI spec but are tolerant where banks are not
//! consistent: see [`lenient`] for what is accepted beyond the spec.

pub mod lenient;

mod balance;
mod transaction;

pub use balance::{Balance, BalanceType, BalancesResponse};
pub use transaction::{
    AccountReference, AccountTransactions, Amount, BalanceAfterTransaction, CurrencyExchange,
    Transaction, TransactionRecord, TransactionsResponse,
};
