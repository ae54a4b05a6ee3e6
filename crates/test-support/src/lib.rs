//! What the workspace's tests and benchmarks share, so that no library
//! carries test code:
//!
//! - [`bean_check`](mod@bean_check): Beancount's own `bean-check`, found
//!   once and run on files.
//! - [`paths`]: the workspace and `../shared` beside it.
//! - [`gocardless_data`]: GoCardless payloads through the importer's
//!   pipeline, as `extract` runs them.
//! - [`ledger_gen`]: a large, realistic generated ledger (benchmarks).
//! - [`synthetic`]: a synthetic categorised history, for measuring what
//!   the learner learns.

pub mod bean_check;
pub mod gocardless_data;
pub mod ledger_gen;
pub mod paths;
pub mod synthetic;
