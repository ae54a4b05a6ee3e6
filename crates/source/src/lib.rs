//! What every bank-data source crate of gc-beancount shares, so that each
//! provider's client (GoCardless, Enable Banking, Plaid, SimpleFIN,
//! GoCardless Pro, Codat) treats secrets, retries and base URLs alike:
//!
//! - [`Secret`]: a credential or token that never reaches `Debug`,
//!   `Display`, a log or an error message.
//! - [`RetryPolicy`]: how many attempts, and the exponential back-off with
//!   jitter between them, bounded in count and in total time.
//! - [`base_url`]: the one check of a configured API base URL (https, or
//!   plain http to loopback only; no user info, query or fragment).
//!
//! - [`open_enum!`]: a string enum that keeps a value it does not know as
//!   `Other(String)`, so a server adding a value fails no response.
//!
//! And what every part that shows untrusted text needs:
//!
//! - [`redact`]: every secret of the run, masked in any text (a server may
//!   echo a token back); [`Secret`] records each one it holds.
//! - [`terminal`]: bank or server text made safe for a terminal line (no
//!   escape sequences, no forged lines, no bidi tricks).
//! - [`yaml`]: bank text made safe for a YAML comment or scalar (no line
//!   break of YAML 1.1 or 1.2 can start a key of its own).

pub mod redact;
pub mod terminal;
pub mod yaml;

mod open_enum;
mod retry;
mod secret;
mod url;

pub use retry::RetryPolicy;
pub use secret::Secret;
pub use url::{BaseUrlError, base_url};
