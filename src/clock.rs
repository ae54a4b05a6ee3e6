//! The binary's clock: the system's, or a fixed instant for tests.
//!
//! `GC_BEANCOUNT_NOW` (an RFC 3339 instant) is for tests only: it makes the
//! binary believe it is that time, so end-to-end tests can move days forward
//! (token expiry, the bank's daily limit) without waiting.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gocardless::{Clock, ManualClock, SystemClock};

/// The environment variable that fixes the clock (tests only).
pub const ENV: &str = "GC_BEANCOUNT_NOW";

/// The clock to use for this run.
pub fn from_env() -> anyhow::Result<Arc<dyn Clock>> {
    match std::env::var(ENV) {
        Ok(s) if !s.trim().is_empty() => {
            let now: DateTime<Utc> = DateTime::parse_from_rfc3339(s.trim())
                .map_err(|e| {
                    crate::exit::usage(format!("${ENV} is not an RFC 3339 instant ({e}): {s:?}"))
                })?
                .with_timezone(&Utc);
            Ok(Arc::new(ManualClock::new(now)))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}
