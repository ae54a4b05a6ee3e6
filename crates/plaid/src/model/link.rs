//! Linking an Item: the Link token that opens Plaid Link, the sandbox's
//! shortcut to a public token, and what the public token is exchanged for.

use chrono::{DateTime, FixedOffset};

use crate::Secret;

/// What `/link/token/create` is asked for. [`LinkTokenRequest::new`] has
/// the defaults an importer wants: English, US institutions, the
/// Transactions product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTokenRequest {
    /// The application's name as Link shows it (Link cuts it at 30
    /// characters).
    pub client_name: String,
    /// A stable id of the end user in this application; not personal data.
    pub client_user_id: String,
    /// The language of Link, e.g. `en`.
    pub language: String,
    /// ISO 3166-1 alpha-2 codes of the institutions' countries, e.g. `US`,
    /// `CA`.
    pub country_codes: Vec<String>,
    /// The products the Item must support, e.g. `transactions`. Not sent in
    /// update mode.
    pub products: Vec<String>,
    /// Days of transaction history to ask for (1 to 730; Plaid's default
    /// is 90). Only a new Item's first pull honours it.
    pub days_requested: Option<u32>,
    /// The OAuth redirect URI registered in Plaid's dashboard, needed for
    /// institutions that log in through OAuth.
    pub redirect_uri: Option<String>,
}

impl LinkTokenRequest {
    /// A request with the defaults: language `en`, country `US`, product
    /// `transactions`.
    pub fn new(client_name: &str, client_user_id: &str) -> LinkTokenRequest {
        LinkTokenRequest {
            client_name: client_name.to_owned(),
            client_user_id: client_user_id.to_owned(),
            language: "en".to_owned(),
            country_codes: vec!["US".to_owned()],
            products: vec!["transactions".to_owned()],
            days_requested: None,
            redirect_uri: None,
        }
    }
}

/// A Link token: what a page needs to open Plaid Link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkToken {
    /// The token, for `Plaid.create({ token })`.
    pub link_token: Secret,
    /// When it expires (4 hours for a new Item, 30 minutes in update
    /// mode), when Plaid says.
    pub expiration: Option<DateTime<FixedOffset>>,
}

/// What `/sandbox/public_token/create` is asked for: an Item made without
/// Link, in the sandbox only (for tests and scripts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxItemRequest {
    /// A sandbox institution, e.g. `ins_109508` (First Platypus Bank).
    pub institution_id: String,
    /// The products to pull at once, e.g. `transactions`.
    pub initial_products: Vec<String>,
    /// Days of transaction history to pull.
    pub days_requested: Option<u32>,
    /// A sandbox test user, e.g. `user_transactions_dynamic` (whose
    /// transactions change as the sandbox is refreshed).
    pub override_username: Option<String>,
    /// Its password, when the test user needs one.
    pub override_password: Option<String>,
}

impl SandboxItemRequest {
    /// An Item at `institution_id` with the Transactions product.
    pub fn new(institution_id: &str) -> SandboxItemRequest {
        SandboxItemRequest {
            institution_id: institution_id.to_owned(),
            initial_products: vec!["transactions".to_owned()],
            days_requested: None,
            override_username: None,
            override_password: None,
        }
    }
}

/// An Item's access: its access token and, when known, its id. The access
/// token never expires by itself; keep it secret (it reads the accounts).
///
/// ```
/// let item = plaid::ItemAccess::new(plaid::Secret::new("access-sandbox-x"))
///     .with_item_id("M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op");
/// assert!(!format!("{item:?}").contains("access-sandbox"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemAccess {
    /// The access token.
    pub access_token: Secret,
    /// The Item's id, named in errors (and in the update-mode advice of
    /// [`crate::Error::ItemLoginRequired`]).
    pub item_id: Option<String>,
}

impl ItemAccess {
    /// An Item known by its access token only.
    pub fn new(access_token: Secret) -> ItemAccess {
        ItemAccess {
            access_token,
            item_id: None,
        }
    }

    /// The same, with the Item's id.
    pub fn with_item_id(mut self, item_id: &str) -> ItemAccess {
        let t = item_id.trim();
        self.item_id = (!t.is_empty()).then(|| t.to_owned());
        self
    }
}
