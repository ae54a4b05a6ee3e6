//! Accounts and their balances (`/accounts/get`, `/accounts/balance/get`,
//! and the `accounts` of `/transactions/sync`).

use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lenient;
use source::open_enum;

/// An account of an Item.
///
/// ```
/// let a: plaid::Account = serde_json::from_str(r#"{
///     "account_id": "dVzb", "mask": "3333", "name": "Plaid Credit Card",
///     "official_name": null, "type": "credit", "subtype": "credit card",
///     "balances": {"available": null, "current": 410, "limit": 2000,
///                  "iso_currency_code": "USD", "unofficial_currency_code": null}}"#).unwrap();
/// assert!(a.kind.is_liability());
/// assert_eq!(a.balances.current.unwrap().to_string(), "410"); // owed
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Account {
    /// Plaid's id of the account, stable while the Item lives (the id the
    /// configuration names).
    #[serde(deserialize_with = "lenient::id")]
    pub account_id: String,
    /// The balances. From `/accounts/get` and `/transactions/sync` they may
    /// be cached; `/accounts/balance/get` asks the bank.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub balances: Balances,
    /// The last 2–4 characters of the account number.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub mask: Option<String>,
    /// The name the user or the bank gave it.
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub name: String,
    /// The bank's official name of the product.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub official_name: Option<String>,
    /// Depository, credit, loan, investment, …
    #[serde(
        rename = "type",
        default = "AccountType::unknown",
        deserialize_with = "account_type"
    )]
    pub kind: AccountType,
    /// `checking`, `savings`, `credit card`, `mortgage`, `student`, … (an
    /// open list of some eighty values, kept as sent).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub subtype: Option<String>,
}

open_enum! {
    /// The type of an account.
    pub enum AccountType {
        /// A checking, savings, money-market … account.
        Depository = "depository",
        /// A credit card.
        Credit = "credit",
        /// A loan or mortgage.
        Loan = "loan",
        /// An investment account.
        Investment = "investment",
        /// An investment account, as API versions before 2018-05-22 call it.
        Brokerage = "brokerage",
    }
}

impl AccountType {
    /// Whether the balance is money owed (credit and loan accounts): a
    /// positive `current` is a debt, to be negated on a `Liabilities:`
    /// account.
    pub fn is_liability(&self) -> bool {
        matches!(self, AccountType::Credit | AccountType::Loan)
    }

    fn unknown() -> AccountType {
        AccountType::Other(String::new())
    }
}

/// An account type that may be `null` (unknown then).
fn account_type<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AccountType, D::Error> {
    Option::<AccountType>::deserialize(d).map(|t| t.unwrap_or_else(AccountType::unknown))
}

/// The balances of an account. Every amount may be `null`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Balances {
    /// What can be withdrawn (for credit: the limit less what is owed and
    /// pending).
    #[serde(
        default,
        deserialize_with = "lenient::opt_decimal",
        serialize_with = "lenient::ser_opt_decimal"
    )]
    pub available: Option<Decimal>,
    /// The total in the account; for credit and loan accounts what is
    /// owed (positive).
    #[serde(
        default,
        deserialize_with = "lenient::opt_decimal",
        serialize_with = "lenient::ser_opt_decimal"
    )]
    pub current: Option<Decimal>,
    /// The credit limit (or an overdraft limit).
    #[serde(
        default,
        deserialize_with = "lenient::opt_decimal",
        serialize_with = "lenient::ser_opt_decimal"
    )]
    pub limit: Option<Decimal>,
    /// ISO 4217 code; `None` when `unofficial_currency_code` is set.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub iso_currency_code: Option<String>,
    /// A currency without an ISO code.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub unofficial_currency_code: Option<String>,
    /// When the balance was last updated, at the institutions that say.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated_datetime: Option<DateTime<FixedOffset>>,
}

impl Balances {
    /// The currency: the ISO code, else the unofficial one.
    pub fn currency(&self) -> Option<&str> {
        self.iso_currency_code
            .as_deref()
            .or(self.unofficial_currency_code.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_round_trip_with_exact_amounts() {
        let json = r#"{"account_id":"a","balances":{"available":null,"current":23631.9805,"limit":null,"iso_currency_code":"USD","unofficial_currency_code":null},"mask":"6666","name":"Plaid 401k","official_name":null,"type":"investment","subtype":"401k"}"#;
        let a: Account = serde_json::from_str(json).unwrap();
        assert_eq!(a.kind, AccountType::Investment);
        assert!(!a.kind.is_liability());
        assert_eq!(serde_json::to_string(&a).unwrap(), json);
    }

    #[test]
    fn unknown_and_missing_types_are_kept() {
        let a: Account =
            serde_json::from_str(r#"{"account_id": "a", "type": "other", "balances": null}"#)
                .unwrap();
        assert_eq!(a.kind, AccountType::Other("other".into()));
        assert_eq!(a.balances, Balances::default());
        let b: Account = serde_json::from_str(r#"{"account_id": "b", "type": "Loan"}"#).unwrap();
        assert!(b.kind.is_liability());
        for json in [
            r#"{"account_id": "c"}"#,
            r#"{"account_id": "c", "type": null}"#,
        ] {
            let c: Account = serde_json::from_str(json).unwrap();
            assert_eq!(c.kind, AccountType::Other(String::new()));
        }
    }
}
