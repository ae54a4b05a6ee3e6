//! Balances: the response of `GET /accounts/{id}/balances/`.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::lenient;
use super::transaction::Amount;

/// The balances response.
///
/// ```
/// let json = r#"{"balances": [{"balanceAmount": {"amount": "12.30", "currency": "EUR"},
///     "balanceType": "closingBooked", "referenceDate": "2024-01-31"}]}"#;
/// let resp: gocardless::BalancesResponse = serde_json::from_str(json).unwrap();
/// assert_eq!(resp.balances[0].balance_type, gocardless::BalanceType::ClosingBooked);
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
    pub balance_type: BalanceType,
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

/// The kind of a balance (Berlin Group names). A value not listed here is
/// kept as [`BalanceType::Other`] instead of failing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum BalanceType {
    /// Booked balance at the end of a period.
    ClosingBooked,
    /// Booked balance during the day.
    InterimBooked,
    /// Available balance during the day; usually includes pending amounts.
    InterimAvailable,
    /// Booked plus pending; includes pending amounts.
    Expected,
    /// Booked balance at the start of a period.
    OpeningBooked,
    /// Available balance at a future date.
    ForwardAvailable,
    /// Card amounts not yet invoiced.
    NonInvoiced,
    /// Available balance at the end of a period.
    ClosingAvailable,
    /// Available balance at the start of a period.
    OpeningAvailable,
    /// The closing booked balance of the previous period.
    PreviouslyClosedBooked,
    /// A balance for information only.
    Information,
    /// Any other name, as sent; empty when the bank sent none.
    #[default]
    Unknown,
    /// A name this crate does not know.
    Other(String),
}

impl BalanceType {
    const NAMES: [(BalanceType, &'static str); 11] = [
        (BalanceType::ClosingBooked, "closingBooked"),
        (BalanceType::InterimBooked, "interimBooked"),
        (BalanceType::InterimAvailable, "interimAvailable"),
        (BalanceType::Expected, "expected"),
        (BalanceType::OpeningBooked, "openingBooked"),
        (BalanceType::ForwardAvailable, "forwardAvailable"),
        (BalanceType::NonInvoiced, "nonInvoiced"),
        (BalanceType::ClosingAvailable, "closingAvailable"),
        (BalanceType::OpeningAvailable, "openingAvailable"),
        (
            BalanceType::PreviouslyClosedBooked,
            "previouslyClosedBooked",
        ),
        (BalanceType::Information, "information"),
    ];

    /// The name as GoCardless writes it.
    pub fn as_str(&self) -> &str {
        match self {
            BalanceType::Other(s) => s,
            BalanceType::Unknown => "",
            known => Self::NAMES
                .iter()
                .find(|(t, _)| t == known)
                .map(|(_, n)| *n)
                .unwrap_or(""),
        }
    }

    /// Reads a name, case-insensitively; never fails.
    pub fn parse(s: &str) -> BalanceType {
        let t = s.trim();
        if t.is_empty() {
            return BalanceType::Unknown;
        }
        Self::NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(t))
            .map(|(b, _)| b.clone())
            .unwrap_or_else(|| BalanceType::Other(t.to_owned()))
    }

    /// Whether this kind usually counts pending transactions too.
    pub fn includes_pending(&self) -> bool {
        matches!(
            self,
            BalanceType::Expected
                | BalanceType::InterimAvailable
                | BalanceType::ForwardAvailable
                | BalanceType::ClosingAvailable
                | BalanceType::OpeningAvailable
        )
    }
}

impl fmt::Display for BalanceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BalanceType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        Ok(s.map(|s| BalanceType::parse(&s)).unwrap_or_default())
    }
}

impl Serialize for BalanceType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
