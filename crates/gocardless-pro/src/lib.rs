//! A typed, tolerant client for the GoCardless Pro payments API: the
//! Direct Debit side of GoCardless (not Bank Account Data, which is the
//! `gocardless` crate).
//!
//! An importer reads payouts (one bank credit each), the items each is
//! made of (payments collected, failures, charge-backs, refunds, fees and
//! the VAT on them), and the payments, refunds, mandates and customers the
//! items name. How the parts fit:
//!
//! - [`Client`] (configured with [`ClientBuilder`] for an [`Environment`]):
//!   every operation, with the headers GoCardless requires, retries with
//!   back-off and the rate limit waited out when short.
//! - [`Pages`]: a listing followed to its end through its cursors;
//!   [`PayoutFilter`] says which payouts.
//! - [`model`]: the resources, each keeping the JSON it was read from.
//!   Amounts are minor units (integers for payouts and payments, decimals
//!   to a tenth for payout items and taxes); [`model::Currency::to_major`]
//!   converts them, [`model::Payout::rounding`] says what GoCardless
//!   rounded away.
//! - [`Error`]: every failure, classified as the official clients do
//!   ([`ApiError`] is what GoCardless said); [`RateLimit`] the headers.
//! - [`Secret`]: the access token, which reaches no `Debug`, log or error.
//!
//! On top of the client, the source of the importer (`importer`):
//!
//! - [`Settings`]: a `provider: gocardless-pro` source of the
//!   configuration (token, environment, the Beancount accounts, which
//!   creditor, pending payouts flagged or skipped).
//! - [`fetch()`]: the payouts to book since a time, their items (through an
//!   [`ItemSource`]: live from the [`Client`], or from a store's archive
//!   once GoCardless no longer serves them) and the [`Parties`] the items
//!   name (through a [`PartySource`]), asked for once each;
//!   [`fetch_listed`] does the same with payouts listed elsewhere (a
//!   store, offline); [`known_in`] says which payouts the ledger already
//!   has, so they cost no request.
//! - [`mapping`]: one multi-posting Beancount entry per payout, balanced
//!   to the last tenth of a penny, as an [`importer::AccountOutput`] for
//!   [`importer::Run::import_outputs`]; deduplicated against the ledger by
//!   [`mapping::PAYOUT_ID_KEY`] (the ledger must read [`mapping::ID_KEYS`]
//!   as ids).

pub mod mapping;
pub mod model;

mod client;
mod error;
mod fetch;
mod operations;
mod ratelimit;
mod settings;

pub use client::{API_VERSION, Client, ClientBuilder, Environment, MAX_PAGE_SIZE};
pub use error::{ApiError, Error, FieldError, Operation};
pub use fetch::{
    Fetched, ItemSource, Parties, PartySource, PayoutRecord, Skipped, fetch, fetch_listed, known_in,
};
pub use operations::{MAX_PAGES, Pages, PayoutFilter};
pub use ratelimit::RateLimit;
pub use settings::{Accounts, PROVIDER, Settings, SettingsError};
pub use source::{RetryPolicy, Secret};
