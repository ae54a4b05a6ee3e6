//! The store of gc-beancount: one private SQLite file that keeps, for each
//! configured source (GoCardless, Enable Banking, Plaid, SimpleFIN, ...),
//! what must last from one run to the next.
//!
//! Banks let an aggregator read an account only a few times a day, tokens
//! are rationed, and some APIs hand out a cursor or an access token once.
//! The store makes every run after the first cheap, lets the tool work
//! offline, and keeps the bank's answers as a raw archive from which
//! conversions can be re-run without the network.
//!
//! How the parts fit:
//! - [`Store`] is the file ([`default_path`] says where): created private
//!   (0600), migrated forward ([`SCHEMA_VERSION`]), shared by threads (one
//!   writer connection, so threads queue in the process instead of
//!   sleeping in SQLite's busy handler; readers work beside it) and by
//!   processes (WAL and a busy timeout).
//! - [`SourceStore`] is one source's part of it, named by a
//!   [`SourceName`] (the key of the config's `sources:`): nothing a source
//!   reads or writes reaches another's. Through it a source keeps
//!   - responses ([`NewResponse`] in, [`StoredResponse`] out) by subject
//!     (an account, an item, a query), scope (what was asked, in the
//!     source's own words) and date [`Window`]: the newest only
//!     ([`Keep::Latest`]) or a history pruned after a retention
//!     ([`Keep::History`]), in which the records listed by [`RecordPath`]s
//!     are stored once each however many responses repeat them; recorded
//!     at once, or handed over as a [`Recording`] to be recorded on the
//!     store's own thread while the caller goes on;
//!   - the request [`Budget`] the bank reports, per subject and scope;
//!   - [`StoredTokens`] (an access and a refresh token), a [`Cursor`]
//!     (where an incremental sync resumes) and credentials (secrets such
//!     as an access token or URL, handed back as [`source::Secret`]), by
//!     key;
//!   - a [`ScopeSummary`] of what it holds, for a `status` command.
//! - An export's push logs ([`Store::push_log`],
//!   [`Store::update_push_log`]): what it pushed to each target account,
//!   kept as the exporter serialised it and updated in one transaction.
//! - [`StoreError`]: every failure, naming the file and what to do.
//!
//! The store never asks the clock: every instant it records (when a
//! response was fetched, a budget learnt, a cursor or token saved) comes
//! from the caller, so that tests and the caller's clock agree.
//!
//! ```
//! use store::{Keep, NewResponse, SourceName, Store, Window};
//! let dir = tempfile::tempdir().unwrap();
//! let file = Store::open(dir.path().join("store.sqlite")).unwrap();
//! let bank = file.source(&SourceName::new("my-bank").unwrap());
//! bank.record_response(&NewResponse {
//!     subject: "acc-1",
//!     scope: "balances",
//!     window: Window::ALL,
//!     keep: Keep::Latest,
//!     records: &[],
//!     body: r#"{"balances": []}"#,
//!     fetched_at: "2024-05-01T10:00:00Z".parse().unwrap(),
//!     rate_limit: None,
//!     budget: None,
//!     cursor: None,
//! }).unwrap();
//! let back = bank.latest_response("acc-1", "balances").unwrap().unwrap();
//! assert_eq!(back.body, r#"{"balances": []}"#);
//! // Another source sees nothing of it.
//! let other = file.source(&SourceName::new("other").unwrap());
//! assert_eq!(other.latest_response("acc-1", "balances").unwrap(), None);
//! ```

mod archive;
mod budget;
mod db;
mod error;
mod file;
mod keyed;
mod path;
mod push_log;
mod responses;
mod schema;
mod source_name;
mod status;
mod tokens;

pub use archive::RecordPath;
pub use budget::{Budget, UNKNOWN_RESET};
pub use db::{BUSY_TIMEOUT, SourceStore, Store};
pub use error::StoreError;
pub use keyed::Cursor;
pub use path::{STORE_ENV, default_path};
pub use responses::{
    DEFAULT_RETENTION, Keep, NewResponse, Recording, ResponseInfo, StoredRecords, StoredResponse,
    Window,
};
pub use schema::SCHEMA_VERSION;
pub use source_name::SourceName;
pub use status::ScopeSummary;
pub use tokens::StoredTokens;
