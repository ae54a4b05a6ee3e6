//! Balances: the response of `GET /accounts/{id}/balances/`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use importer::BalanceKind;
use serde::{Deserialize, Serialize};

use super::lenient;
use super::transaction::Amount;

/// The balances response.
///
/// ```
/// let json = r#"{"balances": [{"balanceAmount": {"amount": "12.30", "currency": "EUR"},
///     "balanceType": "closingBooked", "referenceDate": "2024-01-31"}]}"#;
/// let resp: gocardless::BalancesResponse = serde_json::from_str(json).unwrap();
/// assert_eq!(resp.balances[0].balance_type, importer::BalanceKind::ClosingBooked);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct BalancesResponse {
    /// Every balance the bank reports; which one is "the" balance depends on
    /// the bank.
    #[serde(default)]
    pub balances: Vec<Balance>,
}

super::object_only!(BalancesResponse, "a JSON object {\"balances\": […]}");

/// One balance of an account.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    /// The amount.
    #[serde(alias = "balance_amount")]
    pub balance_amount: Amount,
    /// Its kind.
    #[serde(default)]
    #[serde(alias = "balance_type")]
    pub balance_type: BalanceKind,
    /// Whether a credit line is included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "credit_limit_included")]
    pub credit_limit_included: Option<bool>,
    /// When it last changed.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "last_change_date_time")]
    pub last_change_date_time: Option<DateTime<FixedOffset>>,
    /// The day it refers to.
    #[serde(
        default,
        deserialize_with = "lenient::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "reference_date")]
    pub reference_date: Option<NaiveDate>,
    /// The id of the last transaction it counts.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "last_committed_transaction")]
    pub last_committed_transaction: Option<String>,
}
