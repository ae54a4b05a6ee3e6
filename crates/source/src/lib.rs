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

mod retry;
mod secret;
mod url;

pub use retry::RetryPolicy;
pub use secret::Secret;
pub use url::{BaseUrlError, base_url};
