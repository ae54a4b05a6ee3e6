//! The provider-neutral core of gc-beancount: bank data in, Beancount out.
//!
//! The crate knows no provider, does no HTTP and keeps no store: each
//! source's crate (GoCardless, Enable Banking, …) fetches its data and
//! hands it over in the neutral types here. The parts, in the order data
//! flows through them:
//!
//! - [`config`]: the YAML configuration (which bank account goes to which
//!   Beancount account, and how; the sources and the exports, whose
//!   settings each source's or export's crate reads), checked against
//!   Beancount's rules when it is loaded.
//! - [`Statement`] ([`statement`]): one account's data from a source: its
//!   transaction records behind the [`Records`] trait, each read into a
//!   [`BankTransaction`] ([`transaction`]), and its [`Balance`]s
//!   ([`balance`]), with the metadata key of the source's ids.
//! - [`convert`]: the conversion rules, a statement in, [`Entry`] values
//!   out ([`entry`]). A record that cannot be converted becomes an
//!   [`entry::Entry::Invalid`] and a [`Problem`]; it never aborts the run.
//!   Categorisation picks each transaction's counter account
//!   ([`rules::Categorizer`]), in this order: [`rules`] from the
//!   configuration (the account's, then the global ones), a [`transfer`]
//!   to another own account (recognised by IBAN), the account [`learn`]ed
//!   from the ledger, then the account's fallback.
//! - [`ledger`]: a fast, lenient reader of the user's existing ledger
//!   (`-e`), indexed for matching.
//! - [`dedup`]: drops what the ledger already holds (by id, by content,
//!   within the batch), reports stale pending entries and adds missing
//!   `open` directives; it also owns the fetch window
//!   ([`dedup::fetch_window`]).
//! - [`complete`]: makes the output a complete ledger, or a complete
//!   addition to the ledger: `open` directives, exact opening balances,
//!   and only balance assertions that hold against what the ledger will
//!   hold.
//! - [`render`]: the printer: entries to Beancount text, deterministic to
//!   the byte, with bank text escaped so it can never break out of its
//!   string. It knows nothing but [`Entry`].
//! - [`reconcile`]: brings the pending entries of the user's ledger in
//!   line with what the bank says now (booked, cancelled), as edits that
//!   change only the lines they must.
//! - [`Run`] ([`pipeline`]): the one path through the above that
//!   `import`, `extract` and `rules test` take.
//! - [`beancount`]: Beancount's syntax rules (account names, currencies,
//!   metadata keys, amounts) shared by the parts above.
//!
//! `docs/adding-a-source.md` says how a new source plugs in.

pub mod balance;
pub mod beancount;
pub mod complete;
pub mod config;
pub mod convert;
pub mod dedup;
pub mod entry;
pub mod learn;
pub mod ledger;
pub mod pipeline;
pub mod reconcile;
pub mod render;
pub mod rules;
pub mod statement;
pub mod transaction;
pub mod transfer;

mod env;

pub use balance::{Balance, BalanceChoice, BalanceKind, BalancePick};
pub use config::{AccountConfig, Config, ConfigError, ExportConfig, SourceConfig};
pub use convert::{AccountOutput, Aliases, Decisions, Problem, convert_account};
pub use entry::Entry;
pub use pipeline::{Imported, Input, Run, print_outputs};
pub use statement::{Adjust, Adjusted, Records, Statement, Unreadable};
pub use transaction::{BankTransaction, ConversionError, Status};
