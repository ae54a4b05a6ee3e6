//! Token responses of `POST /token/new/` and `POST /token/refresh/`.
//!
//! Deliberately not `Serialize`: tokens are written only by the token store,
//! through [`crate::Tokens`].

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Secret;

/// The response of `POST /token/new/` (`SpectacularJWTObtain`).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenPair {
    /// The access token, sent as `Authorization: Bearer …`.
    pub access: Secret,
    /// Its lifetime in seconds (24 hours by default).
    #[serde(default = "default_access_expires")]
    pub access_expires: i64,
    /// The refresh token, for `POST /token/refresh/`.
    pub refresh: Secret,
    /// Its lifetime in seconds (30 days by default).
    #[serde(default = "default_refresh_expires")]
    pub refresh_expires: i64,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The response of `POST /token/refresh/` (`SpectacularJWTRefresh`): a new
/// access token only.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessToken {
    /// The new access token.
    pub access: Secret,
    /// Its lifetime in seconds.
    #[serde(default = "default_access_expires")]
    pub access_expires: i64,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_access_expires() -> i64 {
    86_400
}

fn default_refresh_expires() -> i64 {
    2_592_000
}
