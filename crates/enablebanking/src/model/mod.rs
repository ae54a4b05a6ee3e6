//! Typed models of the Enable Banking API (account information).
//!
//! They follow the API reference but are tolerant where banks are not
//! consistent: a missing optional field, `null` where a list belongs, a
//! number where a string belongs, an unknown enum value (kept as
//! `Other(String)`). Transactions keep their raw JSON
//! ([`TransactionRecord`]), so fields not named here stay reachable.

mod account;
mod application;
mod aspsp;
mod auth;
mod balance;
mod common;
mod error_body;
pub(crate) mod lenient;
mod session;
mod transaction;

pub use account::{Account, CashAccountType};
pub use application::{Application, Environment};
pub(crate) use aspsp::AspspsResponse;
pub use aspsp::{Aspsp, AuthMethod};
pub use auth::{AuthRequest, AuthStart};
pub(crate) use balance::BalancesResponse;
pub use balance::{Balance, BalanceType};
pub use common::{
    AccountIdentification, AccountUid, Amount, AspspId, FinancialInstitution,
    GenericIdentification, IdentificationHash, Party, PsuType, SessionId,
};
pub use error_body::{ErrorBody, ErrorCode};
pub use session::{Access, AuthorizedSession, SessionAccount, SessionInfo, SessionStatus};
pub(crate) use transaction::TransactionsPage;
pub use transaction::{
    BankTransactionCode, CreditDebit, ExchangeRate, Transaction, TransactionRecord,
    TransactionStatus,
};
