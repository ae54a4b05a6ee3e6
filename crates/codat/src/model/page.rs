//! Codat's paged lists.

use serde::{Deserialize, Serialize};

/// One page of a list: `{results, pageNumber, pageSize, totalResults}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    /// The page number (1 is the first).
    #[serde(default)]
    pub page_number: u32,
    /// The page size asked for.
    #[serde(default)]
    pub page_size: u32,
    /// How many items there are in all pages.
    #[serde(default)]
    pub total_results: u64,
}

impl<T> Page<T> {
    /// Whether a later page may hold more items (never for an empty page
    /// or a page size of zero, so a hostile answer cannot loop).
    pub fn has_more(&self) -> bool {
        if self.page_size == 0 {
            return false;
        }
        let seen = u64::from(self.page_number.max(1)) * u64::from(self.page_size);
        !self.results.is_empty() && seen < self.total_results
    }
}
