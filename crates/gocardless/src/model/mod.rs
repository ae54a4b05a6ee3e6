//! Typed models of the GoCardless Bank Account Data API.
//!
//! They follow the OpenAPI spec but are tolerant where banks are not
//! consistent: see [`lenient`] for what is accepted beyond the spec. Every
//! struct keeps the fields the spec does not name (in `extra`, or, for
//! transactions, in the raw JSON of [`TransactionRecord`]), and every enum
//! keeps values it does not know (`Other(String)`), so a new field or value
//! at GoCardless never breaks a run.

pub mod lenient;

mod account;
mod agreement;
mod balance;
mod error_body;
mod institution;
mod open_enum;
mod page;
mod requisition;
mod token;
mod transaction;

pub use account::{
    AccountDetails, AccountDetailsResponse, AccountMetadata, AccountStatus, AdditionalAccountData,
    OwnerAddress,
};
pub use agreement::{
    AcceptanceRequest, EndUserAgreement, EndUserAgreementRequest, Reconfirmation,
    ReconfirmationRequest,
};
pub use balance::{Balance, BalancesResponse};
pub use error_body::{ErrorBody, FieldError};
pub use institution::{Institution, InstitutionFilter};
pub use page::{Deleted, Page};
pub use requisition::{Requisition, RequisitionRequest, RequisitionStatus};
pub use token::{AccessToken, TokenPair};
pub use transaction::{
    AccountReference, AccountTransactions, Amount, BalanceAfterTransaction, CurrencyExchange,
    Transaction, TransactionRecord, TransactionsResponse,
};
