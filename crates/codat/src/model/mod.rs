//! The API's data types, written from Codat's Bank Feeds OpenAPI.
//!
//! Amounts and balances are `rust_decimal::Decimal`, read from and written
//! as JSON numbers with every digit kept (see [`parse_json_decimal`]).
//! Values Codat may extend are open enums with an `Other(String)` variant;
//! informational timestamps that cannot be read are `None` rather than a
//! failed response.

mod company;
mod date;
mod error_body;
pub(crate) mod number;
mod page;
mod push;
mod source_account;
mod transaction;

pub use company::{
    Company, CompanyReference, Connection, ConnectionError, ConnectionStatus, SourceType,
};
pub use error_body::ErrorBody;
pub use number::parse_json_decimal;
pub use page::Page;
pub use push::{
    PushChange, PushOperation, PushOperationKey, PushStatus, RecordRef, Rejection, Validation,
    ValidationItem,
};
pub use source_account::{
    AccountInfo, AccountType, NewSourceAccount, RoutingInfo, RoutingType, SourceAccount,
    SourceAccountStatus, SourceAccountUpdate,
};
pub use transaction::{
    BankTransaction, CreateBankTransactions, MAX_TRANSACTIONS_PER_PUSH, TransactionType,
};
