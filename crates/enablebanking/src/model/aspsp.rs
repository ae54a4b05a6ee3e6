//! `GET /aspsps`: the banks an application can reach.

use std::time::Duration;

use serde::Deserialize;

use super::common::PsuType;
use super::lenient;

/// The answer of `GET /aspsps`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AspspsResponse {
    #[serde(default, deserialize_with = "lenient::list")]
    pub(crate) aspsps: Vec<Aspsp>,
}

/// A bank (`ASPSPData`), as listed by `GET /aspsps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Aspsp {
    /// Its name, as `POST /auth` wants it.
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub name: String,
    /// Its country.
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub country: String,
    /// Its BIC.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub bic: Option<String>,
    /// The URL of its logo.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub logo: Option<String>,
    /// Whom it serves (personal, business).
    #[serde(default, deserialize_with = "lenient::list")]
    pub psu_types: Vec<PsuType>,
    /// How its users authenticate.
    #[serde(default, deserialize_with = "lenient::list")]
    pub auth_methods: Vec<AuthMethod>,
    /// The longest consent it grants, in seconds (90 or 180 days at most
    /// banks; an hour at a few).
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub maximum_consent_validity: Option<u64>,
    /// Whether Enable Banking's integration with it is in beta.
    #[serde(default, deserialize_with = "lenient::flag")]
    pub beta: bool,
    /// PSU headers it requires on data requests when a person is present
    /// (all of them or none).
    #[serde(default, deserialize_with = "lenient::texts")]
    pub required_psu_headers: Vec<String>,
}

impl Aspsp {
    /// The longest consent the bank grants, when it says.
    pub fn max_consent(&self) -> Option<Duration> {
        self.maximum_consent_validity.map(Duration::from_secs)
    }

    /// Whether the bank serves this kind of user; a bank that lists none
    /// is assumed to serve all.
    pub fn serves(&self, psu_type: &PsuType) -> bool {
        self.psu_types.is_empty() || self.psu_types.contains(psu_type)
    }
}

/// A way to authenticate at a bank (`AuthMethod`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuthMethod {
    /// Its internal name (what `auth_method` of `POST /auth` takes).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// Its title for people.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub title: Option<String>,
    /// Whom it is for.
    #[serde(default)]
    pub psu_type: Option<PsuType>,
    /// `REDIRECT`, `DECOUPLED` or `EMBEDDED`.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub approach: Option<String>,
    /// Whether the bank's own page hides it (selectable through the API only).
    #[serde(default, deserialize_with = "lenient::flag")]
    pub hidden_method: bool,
}
