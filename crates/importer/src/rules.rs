//! Categorisation rules (`rules:` in the configuration).
//!
//! Placeholder until the rules module lands: a rule is accepted and kept as
//! written, and not applied.

use serde::Deserialize;

/// One rule, kept as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Rule {
    /// The rule's YAML.
    pub raw: serde_norway::Value,
}
