//! Accounts (`AccountResource`): in a new session and from
//! `GET /accounts/{uid}/details`.

use serde::Deserialize;

use super::common::{
    AccountIdentification, AccountUid, Amount, FinancialInstitution, GenericIdentification,
    IdentificationHash,
};
use super::lenient;
use source::open_enum;

/// An account of the user at the bank.
///
/// Configure and recognise it by [`Account::identification_hash`], which
/// stays the same across sessions; read its data by [`Account::uid`],
/// which changes with every session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// The uid data requests name; `None` when the bank says the account
    /// cannot be read (blocked, closed).
    #[serde(default)]
    pub uid: Option<AccountUid>,
    /// The stable hash of its primary identification.
    #[serde(default)]
    pub identification_hash: Option<IdentificationHash>,
    /// Every hash of its identifications (the primary one included).
    #[serde(default, deserialize_with = "lenient::list")]
    pub identification_hashes: Vec<IdentificationHash>,
    /// Its primary number (IBAN or other).
    #[serde(default)]
    pub account_id: Option<AccountIdentification>,
    /// All its numbers.
    #[serde(default, deserialize_with = "lenient::list")]
    pub all_account_ids: Vec<GenericIdentification>,
    /// The bank servicing it.
    #[serde(default)]
    pub account_servicer: Option<FinancialInstitution>,
    /// The holder's name.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// The account's nickname or description.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub details: Option<String>,
    /// `PRIV` or `ORGA`.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub usage: Option<String>,
    /// Current, card, savings, loan, …
    #[serde(default)]
    pub cash_account_type: Option<CashAccountType>,
    /// The bank's product name.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub product: Option<String>,
    /// Its currency (ISO 4217).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub currency: Option<String>,
    /// The credit or overdraft limit.
    #[serde(default)]
    pub credit_limit: Option<Amount>,
}

impl Account {
    /// The IBAN, when the bank gives one.
    pub fn iban(&self) -> Option<&str> {
        self.account_id.as_ref()?.iban.as_deref()
    }

    /// A name for people: the nickname, else the product, else the holder.
    pub fn display_name(&self) -> Option<&str> {
        self.details
            .as_deref()
            .or(self.product.as_deref())
            .or(self.name.as_deref())
    }
}

open_enum! {
    /// What kind of account (`CashAccountType`).
    pub enum CashAccountType {
        /// A current account.
        Current = "CACC",
        /// A card account (its transactions' purchase date is
        /// `transaction_date`).
        Card = "CARD",
        /// A cash account.
        Cash = "CASH",
        /// A loan.
        Loan = "LOAN",
        /// Savings.
        Savings = "SVGS",
        /// Another kind.
        OtherKind = "OTHR",
    }
}
