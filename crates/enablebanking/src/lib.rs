//! A typed, tolerant client of the Enable Banking API (account
//! information), the PSD2 aggregator that individuals can use for free on
//! their own accounts ("restricted mode").
//!
//! How the parts fit:
//!
//! - [`PrivateKey`] is the application's RSA key, read from a file only its
//!   owner may read. [`Client`] (configured with [`ClientBuilder`]) signs a
//!   short-lived RS256 JWT with it (`kid` = the application id), caches it
//!   and signs a new one before it expires; every request carries it.
//! - Linking a bank: [`Client::aspsps`] lists banks with the longest
//!   consent each grants; [`Client::start_authorization`] with an
//!   [`AuthRequest`] gives the URL to send the user to; the bank redirects
//!   to the registered redirect URL with `?code=…&state=…`, and
//!   [`Client::create_session`] turns the code into an
//!   [`AuthorizedSession`] with its [`Account`]s.
//! - Accounts are recognised across sessions by their stable
//!   [`IdentificationHash`]; data requests name their session-scoped
//!   [`AccountUid`]. [`Client::session`] says where a session stands and
//!   maps uids to hashes ([`SessionInfo::uid_for`]).
//! - Data: [`Client::account_balances`], [`Client::account_details`] and
//!   [`Client::transactions`], which follows continuation keys (guarded
//!   against a repeated key and capped), and narrows the period once when
//!   the bank names the earliest day it allows. Each transaction is a
//!   [`TransactionRecord`], its raw JSON, with a typed view
//!   ([`Transaction`]).
//! - [`Error`] classifies failures by Enable Banking's error code and says
//!   what to do; reads are retried per [`RetryPolicy`] on 5xx, 429 (but
//!   the bank's daily limit, [`Error::BankDailyLimit`]) and connection
//!   failures; `POST`s only when the request never left.
//! - [`Clock`] dates the JWTs, replaceable in tests ([`ManualClock`]).
//! - [`Settings`] reads an Enable Banking source of the configuration
//!   (`provider: enablebanking`) and starts its client
//!   ([`Settings::client_builder`]).
//! - [`statement`] hands the data to the importer: an account's records
//!   as [`EnableBankingRecords`] (booked and pending ones; the others are
//!   set aside as [`LeftOut`] for the caller to report), its balances as
//!   [`importer::Balance`]s, both in an [`importer::Statement`] whose ids
//!   are written under [`ID_KEY`].
//!
//! PSU headers (the user is present) are sent only when configured with
//! [`ClientBuilder::psu_present`]. Secrets (the key, the JWT, the
//! authorisation code) never reach `Debug`, logs or errors: they are held
//! as [`source::Secret`]s, and cut out of any server text an error quotes.
//!
//! The client knows nothing of Beancount: it fetches bank data; only
//! [`statement`] speaks the importer's terms.

mod client;
mod clock;
mod error;
mod key;
mod model;
mod operations;
mod remittance;
mod settings;
pub mod statement;

pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_JWT_LIFETIME, DEFAULT_MAX_PAGES, PsuHeaders,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiMessage, Error, Operation, Subject};
pub use key::{JWT_AUDIENCE, JWT_ISSUER, MAX_JWT_LIFETIME, PrivateKey};
pub use model::{
    Access, Account, AccountIdentification, AccountUid, Amount, Application, Aspsp, AspspId,
    AuthMethod, AuthRequest, AuthStart, AuthorizedSession, Balance, BalanceType,
    BankTransactionCode, CashAccountType, CreditDebit, Environment, ErrorBody, ErrorCode,
    ExchangeRate, FinancialInstitution, GenericIdentification, IdentificationHash, Party, PsuType,
    SessionAccount, SessionId, SessionInfo, SessionStatus, Transaction, TransactionRecord,
    TransactionStatus,
};
pub use operations::{PagingStop, Transactions};
pub use settings::{DEFAULT_REDIRECT_URL, PROVIDER, Settings, SettingsError};
pub use source::RetryPolicy;
pub use statement::{EnableBankingRecords, ID_KEY, LeftOut, SOURCE_LABEL};
