//! The institutions list, with its country and feature filters, and get.

use serde_json::Value;

use super::State;
use crate::errors;
use fake_http::{Req, Resp};

impl State {
    pub(super) fn institutions_list(&self, req: &Req) -> Resp {
        let country = req.param("country");
        if let Some(c) = &country {
            let c = c.to_uppercase();
            if !COUNTRIES.contains(&c.as_str()) {
                return Resp::json(
                    400,
                    &errors::fields(&[(
                        "country",
                        errors::field(
                            "Invalid country choice.",
                            &format!("{c} is not a valid choice."),
                        ),
                    )]),
                );
            }
        }
        let filters: Vec<(&str, bool)> = FEATURE_FILTERS
            .iter()
            .filter_map(|(param, feature)| {
                req.param(param)
                    .map(|v| (*feature, v.eq_ignore_ascii_case("true") || v == "1"))
            })
            .collect();
        let list: Vec<Value> = self
            .institutions
            .iter()
            .filter(|i| match &country {
                Some(c) => i["countries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x.as_str().unwrap().eq_ignore_ascii_case(c)),
                None => true,
            })
            .filter(|i| {
                let features = i["supported_features"].as_array().unwrap();
                filters
                    .iter()
                    .all(|(f, want)| features.iter().any(|x| x.as_str() == Some(f)) == *want)
            })
            .cloned()
            .collect();
        Resp::json(200, &Value::Array(list))
    }

    pub(super) fn institution_get(&self, id: &str) -> Resp {
        match self.institutions.iter().find(|i| i["id"] == id) {
            Some(i) => Resp::json(200, i),
            None => Resp::json(404, &errors::not_found()),
        }
    }

    pub(super) fn institution(&self, id: &str) -> Option<&Value> {
        self.institutions.iter().find(|i| i["id"] == id)
    }
}

const FEATURE_FILTERS: &[(&str, &str)] = &[
    ("access_scopes_supported", "access_scopes"),
    ("account_selection_supported", "account_selection"),
    ("business_accounts_supported", "business_accounts"),
    ("card_accounts_supported", "card_accounts"),
    ("corporate_accounts_supported", "corporate_accounts"),
    ("pending_transactions_supported", "pending_transactions"),
    ("private_accounts_supported", "private_accounts"),
    ("read_debtor_account_supported", "read_debtor_account"),
    ("read_refund_account_supported", "read_refund_account"),
    (
        "separate_continuous_history_consent_supported",
        "separate_continuous_history_consent",
    ),
    ("ssn_verification_supported", "ssn_verification"),
];

const COUNTRIES: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE", "IT",
    "LV", "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "XX",
];
