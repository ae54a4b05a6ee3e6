//! Turns GoCardless bank data into Beancount directives.
//!
//! The crate does no HTTP: it converts data it is given. Its parts, in the
//! order data flows through them:
//!
//! - [`config`]: the YAML configuration (which bank account goes to which
//!   Beancount account, and how), checked against Beancount's rules when it
//!   is loaded.
//! - [`BankTransaction`] ([`transaction`]): the importer's own small view of
//!   one bank transaction, built from the GoCardless model and keeping the
//!   raw JSON. Conversion works on it, so another data source only needs to
//!   build these.
//! - [`convert`]: the conversion rules, bank transactions and balances in,
//!   [`entry::Entry`] values out. A transaction that cannot be converted
//!   becomes an [`entry::Entry::Invalid`] and a [`convert::Problem`]; it
//!   never aborts the run.
//! - [`render`]: entries to Beancount text, deterministic to the byte, with
//!   bank text escaped so it can never break out of its string.
//! - [`extract`](mod@extract): reads stored API responses from files and runs the above
//!   for every configured account.
//! - [`ledger`]: a fast, lenient reader of the user's existing ledger
//!   (`-e`), indexed for matching.
//! - [`dedup`]: drops what the ledger already holds (by id, by content,
//!   within the batch), reports stale pending entries and adds missing
//!   `open` directives.
//! - [`beancount`]: Beancount's syntax rules (account names, currencies,
//!   metadata keys, amounts) shared by the parts above.
//!
//! Categorisation picks each transaction's counter account during
//! conversion ([`rules::Categorizer`]), in this order: [`rules`] from the
//! configuration (the account's, then the global ones), a [`transfer`] to
//! another own account (recognised by IBAN; the two sides of a transfer
//! converted in one run are merged into one entry), the account
//! [`learn`]ed from the ledger, then the account's fallback.
//! [`rules::report`] is `rules test`: which rule matched each transaction.

pub mod beancount;
pub mod config;
pub mod convert;
pub mod dedup;
pub mod entry;
pub mod extract;
pub mod learn;
pub mod ledger;
pub mod render;
pub mod rules;
pub mod transaction;
pub mod transfer;

mod env;
mod fxhash;
mod parallel;

pub use config::{AccountConfig, Config, ConfigError};
pub use convert::{AccountOutput, Problem, convert_account};
pub use entry::Entry;
pub use extract::{AccountData, ExtractError, Extracted, extract};
pub use transaction::{BankTransaction, ConversionError, Status};
