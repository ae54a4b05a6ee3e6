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
//! This crate knows nothing of Beancount.

pub mod model;

mod client;
mod error;
mod operations;
mod ratelimit;

pub use client::{API_VERSION, Client, ClientBuilder, Environment, MAX_PAGE_SIZE};
pub use error::{ApiError, Error, FieldError, Operation};
pub use operations::{MAX_PAGES, Pages, PayoutFilter};
pub use ratelimit::RateLimit;
pub use source::{RetryPolicy, Secret};
