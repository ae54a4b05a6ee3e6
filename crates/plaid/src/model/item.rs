//! Items (one login at one institution) and the answers that describe
//! them: `/item/get` and `/accounts/get` (`/accounts/balance/get`).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::lenient;
use super::{Account, PlaidError};

/// An Item: the accounts of one login at one institution, reached with one
/// access token.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Item {
    /// Plaid's id of the Item (not a secret; the access token is).
    #[serde(deserialize_with = "lenient::id")]
    pub item_id: String,
    /// The institution, e.g. `ins_109508`.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub institution_id: Option<String>,
    /// The institution's name, when Plaid says.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub institution_name: Option<String>,
    /// What is wrong with the Item, as `/item/get` reports it (other
    /// endpoints answer with the error instead).
    #[serde(default)]
    pub error: Option<PlaidError>,
    /// Products the Item has been billed for (`transactions`, …).
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub billed_products: Vec<String>,
    /// Products the Item could use.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub available_products: Vec<String>,
    /// When the user's consent ends, for institutions that set one; the
    /// Item then needs the user (update mode) again.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub consent_expiration_time: Option<DateTime<FixedOffset>>,
    /// `background`, or `user_present_required` when every update needs
    /// the user (some two-factor logins).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub update_type: Option<String>,
}

impl Item {
    /// Whether the user must log in again through Link's update mode.
    pub fn login_required(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.error_code == "ITEM_LOGIN_REQUIRED")
    }
}

/// The answer of `/item/get`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ItemResponse {
    /// The Item.
    pub item: Item,
    /// When its data were last pulled, when Plaid says.
    #[serde(default)]
    pub status: Option<ItemStatus>,
}

/// The pull status of an Item.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ItemStatus {
    /// The Transactions product's pulls.
    #[serde(default)]
    pub transactions: Option<PullStatus>,
}

/// When a product's data were last pulled from the institution.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PullStatus {
    /// The last successful pull.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub last_successful_update: Option<DateTime<FixedOffset>>,
    /// The last failed pull.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub last_failed_update: Option<DateTime<FixedOffset>>,
}

/// The answer of `/accounts/get` and `/accounts/balance/get`: the Item's
/// accounts with their balances.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountsResponse {
    /// The accounts.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub accounts: Vec<Account>,
    /// Their Item.
    pub item: Item,
}
