//! Paginated lists (`limit`/`offset`), and the body of a successful delete.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One page of a list (the spec's `Paginated…List`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Page<T> {
    /// The total number of items, across pages.
    #[serde(default)]
    pub count: u64,
    /// The URL of the next page, if any.
    #[serde(default)]
    pub next: Option<String>,
    /// The URL of the previous page, if any.
    #[serde(default)]
    pub previous: Option<String>,
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
}

/// The body of a successful `DELETE` (`SuccessfulDeleteResponse`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Deleted {
    /// E.g. "Requisition deleted".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// E.g. "Requisition … deleted with all its End User Agreements".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
