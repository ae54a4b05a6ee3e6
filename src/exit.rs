//! Exit statuses, and which errors count as usage or configuration errors.
//!
//! | status | meaning |
//! | --- | --- |
//! | 0 | success |
//! | 1 | error |
//! | 2 | usage or configuration error (clap uses 2 for usage errors too) |
//! | 3 | partial failure: some accounts failed, the others were written |
//! | 4 | some transactions could not be converted (they were written as comments) |

use std::fmt;
use std::process::ExitCode;

/// How a command that did not fail outright ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything worked.
    Success,
    /// Some transactions could not be converted; they were written as
    /// comments holding their raw JSON.
    Unconverted,
    /// Some accounts failed; the others were written.
    Partial,
}

impl Outcome {
    /// The process exit code for this outcome.
    pub fn code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => 0,
            Outcome::Partial => PARTIAL,
            Outcome::Unconverted => UNCONVERTED,
        })
    }
}

/// A generic error.
pub const ERROR: u8 = 1;
/// A usage or configuration error.
pub const USAGE: u8 = 2;
/// Some accounts failed, the others were written.
pub const PARTIAL: u8 = 3;
/// Some transactions could not be converted.
pub const UNCONVERTED: u8 = 4;

/// An error in how the tool was called or configured (exit status 2).
///
/// Wrap a message in it (`anyhow::Error::new(UsageError(..))`) or add it as
/// context; [`code_for`] finds it anywhere in the error's chain.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Builds a usage error from a message.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// The exit status for an error: 2 for usage and configuration errors,
/// else 1.
pub fn code_for(err: &anyhow::Error) -> u8 {
    let is_usage = err
        .chain()
        .any(|e| e.is::<UsageError>() || crate::errors::is_config_error(e));
    if is_usage { USAGE } else { ERROR }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_are_found_under_context() {
        let err = usage("bad --account").context("while importing");
        assert_eq!(code_for(&err), USAGE);
        assert_eq!(code_for(&anyhow::anyhow!("boom")), ERROR);
    }

    #[test]
    fn worst_outcome_wins() {
        assert!(Outcome::Partial > Outcome::Unconverted);
        assert!(Outcome::Unconverted > Outcome::Success);
    }
}
