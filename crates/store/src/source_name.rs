//! The name a source's data is kept under.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::StoreError;

/// The name of a configured source (the key of the config's `sources:`,
/// such as `gocardless`, `eb` or `plaid`): every row of the store belongs
/// to one. 1 to 64 ASCII letters, digits, `-`, `_` or `.`; case matters.
///
/// Renaming a source in the config leaves its data under the old name: the
/// store cannot tell a rename from a new source.
///
/// ```
/// use store::SourceName;
/// assert_eq!(SourceName::new("plaid-us").unwrap().as_str(), "plaid-us");
/// assert!(SourceName::new("").is_err());
/// assert!(SourceName::new("two words").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceName(Cow<'static, str>);

/// The longest name accepted.
const MAX_LEN: usize = 64;

impl SourceName {
    /// `gocardless`: the implicit source of a config that has no
    /// `sources:` (its top-level `secret_id`/`secret_key`), and the owner
    /// of everything a store held before it kept data per source (schema
    /// version 2 and older).
    pub const GOCARDLESS: SourceName = SourceName(Cow::Borrowed("gocardless"));

    /// A source name, checked.
    ///
    /// # Errors
    ///
    /// [`StoreError::SourceName`] when `name` is empty, longer than 64
    /// bytes or holds anything but ASCII letters, digits, `-`, `_` and `.`.
    pub fn new(name: impl Into<String>) -> Result<SourceName, StoreError> {
        let name = name.into();
        let problem = if name.is_empty() {
            Some("it is empty")
        } else if name.len() > MAX_LEN {
            Some("it is longer than 64 characters")
        } else if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            Some("only ASCII letters, digits, `-`, `_` and `.` may be used")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(StoreError::SourceName {
                name: name.escape_debug().to_string(),
                problem,
            }),
            None => Ok(SourceName(Cow::Owned(name))),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SourceName {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<SourceName, StoreError> {
        SourceName::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for ok in ["gocardless", "eb", "plaid_US-2", "a.b", &"x".repeat(64)] {
            assert_eq!(SourceName::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "a b", "é", "a/b", "a\nb", &"x".repeat(65)] {
            let err = SourceName::new(bad).unwrap_err();
            assert!(matches!(err, StoreError::SourceName { .. }), "{bad:?}");
        }
        assert_eq!(
            "gocardless".parse::<SourceName>().unwrap(),
            SourceName::GOCARDLESS
        );
    }
}
