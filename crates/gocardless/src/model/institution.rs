//! Institutions (banks): `GET /institutions/` and `GET /institutions/{id}/`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// A bank GoCardless can connect to (the spec's `Integration` and
/// `IntegrationRetrieve`: the list gives fewer fields than the single get).
///
/// ```
/// let json = r#"{"id": "N26_NTSBDEB1", "name": "N26 Bank", "bic": "NTSBDEB1",
///     "transaction_total_days": "730", "countries": ["DE"], "logo": "x"}"#;
/// let i: gocardless::model::Institution = serde_json::from_str(json).unwrap();
/// assert_eq!(i.transaction_total_days, Some(730));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Institution {
    /// The institution id, e.g. `SANDBOXFINANCE_SFIN0000`.
    #[serde(default, deserialize_with = "lenient::id_or_empty")]
    pub id: String,
    /// Its display name.
    #[serde(default)]
    pub name: String,
    /// Its BIC, when known.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub bic: Option<String>,
    /// How many days of history it gives (sent as a string like `"90"`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub transaction_total_days: Option<u32>,
    /// The longest an agreement may last, in days.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_access_valid_for_days: Option<u32>,
    /// The longest a reconfirmed agreement may last, in days.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_access_valid_for_days_reconfirmation: Option<u32>,
    /// ISO 3166 country codes it serves.
    #[serde(default, deserialize_with = "lenient::one_or_many")]
    pub countries: Vec<String>,
    /// URL of its logo.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub logo: Option<String>,
    /// Features it supports (`account_selection`, `card_accounts`, …);
    /// only in the single get.
    #[serde(
        default,
        deserialize_with = "lenient::one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_features: Vec<String>,
    /// Other codes identifying it; only in the single get.
    #[serde(
        default,
        deserialize_with = "lenient::one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identification_codes: Vec<Value>,
    /// Fields the spec does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Institution {
    /// Whether it lists `feature` among its supported features.
    pub fn supports(&self, feature: &str) -> bool {
        self.supported_features
            .iter()
            .any(|f| f.eq_ignore_ascii_case(feature))
    }
}

/// The filters of `GET /institutions/`. `None` leaves a filter out; the
/// flags select institutions that support (`Some(true)`) or do not support
/// (`Some(false)`) a feature.
///
/// ```
/// let f = gocardless::model::InstitutionFilter {
///     country: Some("DE".into()),
///     card_accounts_supported: Some(true),
///     ..Default::default()
/// };
/// assert_eq!(f.query(), vec![("country", "DE".to_string()), ("card_accounts_supported", "true".to_string())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstitutionFilter {
    /// An ISO 3166 two-letter country code.
    pub country: Option<String>,
    /// Supports choosing the access scope.
    pub access_scopes_supported: Option<bool>,
    /// Supports letting the user select accounts.
    pub account_selection_supported: Option<bool>,
    /// Supports business accounts.
    pub business_accounts_supported: Option<bool>,
    /// Supports card accounts.
    pub card_accounts_supported: Option<bool>,
    /// Supports corporate accounts.
    pub corporate_accounts_supported: Option<bool>,
    /// Reports pending transactions.
    pub pending_transactions_supported: Option<bool>,
    /// Supports private accounts.
    pub private_accounts_supported: Option<bool>,
    /// Gives the debtor account.
    pub read_debtor_account_supported: Option<bool>,
    /// Gives the refund account.
    pub read_refund_account_supported: Option<bool>,
    /// Supports a separate consent for continuous history.
    pub separate_continuous_history_consent_supported: Option<bool>,
    /// Supports SSN verification.
    pub ssn_verification_supported: Option<bool>,
}

impl InstitutionFilter {
    /// Only the institutions of `country`.
    pub fn country(country: impl Into<String>) -> InstitutionFilter {
        InstitutionFilter {
            country: Some(country.into()),
            ..Default::default()
        }
    }

    /// The query parameters, in the order of the spec.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(c) = &self.country {
            q.push(("country", c.trim().to_owned()));
        }
        let flags = [
            ("access_scopes_supported", self.access_scopes_supported),
            (
                "account_selection_supported",
                self.account_selection_supported,
            ),
            (
                "business_accounts_supported",
                self.business_accounts_supported,
            ),
            ("card_accounts_supported", self.card_accounts_supported),
            (
                "corporate_accounts_supported",
                self.corporate_accounts_supported,
            ),
            (
                "pending_transactions_supported",
                self.pending_transactions_supported,
            ),
            (
                "private_accounts_supported",
                self.private_accounts_supported,
            ),
            (
                "read_debtor_account_supported",
                self.read_debtor_account_supported,
            ),
            (
                "read_refund_account_supported",
                self.read_refund_account_supported,
            ),
            (
                "separate_continuous_history_consent_supported",
                self.separate_continuous_history_consent_supported,
            ),
            (
                "ssn_verification_supported",
                self.ssn_verification_supported,
            ),
        ];
        for (name, flag) in flags {
            if let Some(b) = flag {
                q.push((name, b.to_string()));
            }
        }
        q
    }
}
