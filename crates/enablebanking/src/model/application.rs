//! `GET /application`: the application the JWT is signed for.

use serde::Deserialize;

use super::lenient;
use source::open_enum;

/// The application behind the credentials (`GetApplicationResponse`): a
/// cheap check that the key and the application id match, and whether the
/// application may fetch data yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Application {
    /// Its name.
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub name: String,
    /// Its description.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub description: Option<String>,
    /// The application id (the JWT's `kid`).
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub kid: String,
    /// Sandbox or production.
    #[serde(default, deserialize_with = "opt_environment")]
    pub environment: Option<Environment>,
    /// The redirect URLs registered: `redirect_url` of an authorisation
    /// must be one of them.
    #[serde(default, deserialize_with = "lenient::texts")]
    pub redirect_urls: Vec<String>,
    /// Whether it is active. A production application becomes active (in
    /// restricted mode) once accounts are linked to it in the control panel.
    #[serde(default, deserialize_with = "lenient::flag")]
    pub active: bool,
    /// Countries it may use.
    #[serde(default, deserialize_with = "lenient::texts")]
    pub countries: Vec<String>,
    /// Services it may use (`AIS` is account information).
    #[serde(default, deserialize_with = "lenient::texts")]
    pub services: Vec<String>,
}

impl Application {
    /// Whether `url` is one of the registered redirect URLs (compared
    /// exactly but for a trailing `/`).
    pub fn allows_redirect(&self, url: &str) -> bool {
        let want = url.trim().trim_end_matches('/');
        self.redirect_urls
            .iter()
            .any(|u| u.trim().trim_end_matches('/') == want)
    }
}

open_enum! {
    /// Where an application is registered.
    pub enum Environment {
        /// Enable Banking's mock banks.
        Sandbox = "SANDBOX",
        /// Real banks.
        Production = "PRODUCTION",
    }
}

fn opt_environment<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Environment>, D::Error> {
    Ok(lenient::opt_id(d)?.map(|s| Environment::parse(&s)))
}
