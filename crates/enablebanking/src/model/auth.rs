//! `POST /auth`: starting a user's authorisation at a bank.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use super::common::{AspspId, PsuType};
use super::lenient;

/// What `POST /auth` asks for: a consent to read balances and transactions
/// of a user's accounts at one bank until `valid_until`.
///
/// ```
/// use enablebanking::{AspspId, AuthRequest, PsuType};
/// let req = AuthRequest::new(
///     AspspId::new("Nordea", "FI"),
///     "2026-05-01T00:00:00Z".parse().unwrap(),
///     "http://127.0.0.1:8765/callback".parse().unwrap(),
///     "3a57e2d3",
/// );
/// assert_eq!(req.psu_type, PsuType::Personal);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// The bank.
    pub aspsp: AspspId,
    /// When the session ends. At most now + the bank's
    /// `maximum_consent_validity`; the session ends exactly then.
    pub valid_until: DateTime<Utc>,
    /// Where the bank sends the user back, with `?code=…&state=…`. Must be
    /// registered with the application.
    pub redirect_url: Url,
    /// An opaque value echoed back in the redirect, to check it is ours.
    pub state: String,
    /// Personal or business (default personal).
    pub psu_type: PsuType,
    /// The bank's authentication method, when it has several.
    pub auth_method: Option<String>,
    /// The language of the bank's pages (two lowercase letters).
    pub language: Option<String>,
}

impl AuthRequest {
    /// A personal consent to balances and transactions.
    pub fn new(
        aspsp: AspspId,
        valid_until: DateTime<Utc>,
        redirect_url: Url,
        state: impl Into<String>,
    ) -> AuthRequest {
        AuthRequest {
            aspsp,
            valid_until,
            redirect_url,
            state: state.into(),
            psu_type: PsuType::Personal,
            auth_method: None,
            language: None,
        }
    }

    /// The JSON body of `POST /auth`.
    pub(crate) fn body(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Access {
            valid_until: String,
            balances: bool,
            transactions: bool,
        }
        #[derive(Serialize)]
        struct Body<'a> {
            access: Access,
            aspsp: &'a AspspId,
            state: &'a str,
            redirect_url: &'a str,
            psu_type: &'a PsuType,
            #[serde(skip_serializing_if = "Option::is_none")]
            auth_method: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            language: Option<&'a str>,
        }
        let body = Body {
            access: Access {
                // RFC 3339 with an explicit offset, as the API asks.
                valid_until: self
                    .valid_until
                    .to_rfc3339_opts(SecondsFormat::Micros, false),
                balances: true,
                transactions: true,
            },
            aspsp: &self.aspsp,
            state: &self.state,
            redirect_url: self.redirect_url.as_str(),
            psu_type: &self.psu_type,
            auth_method: self.auth_method.as_deref(),
            language: self.language.as_deref(),
        };
        serde_json::to_value(body).expect("the auth request serialises")
    }
}

/// The answer of `POST /auth` (`StartAuthorizationResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthStart {
    /// Where to send the user: the bank's consent pages, through Enable
    /// Banking's.
    pub url: Url,
    /// The authorisation's id.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub authorization_id: Option<String>,
    /// A hash of the user's id as the application gave it (or of a random one).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub psu_id_hash: Option<String>,
}
