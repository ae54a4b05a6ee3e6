//! Settings for categories learned from the ledger (`learn:` in the
//! configuration).
//!
//! Placeholder until the learning module lands: the settings are accepted
//! and kept as written.

use serde::Deserialize;

/// The `learn:` settings, kept as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct LearnConfig {
    /// The settings' YAML (`Null` when absent).
    pub raw: serde_norway::Value,
}
