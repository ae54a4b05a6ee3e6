//! Source accounts: the exported accounts as Codat knows them.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{date, number};
use source::open_enum;

open_enum! {
    /// The kind of a source account (the v2 values; v1 accounts say
    /// `Credit` or `Debit`, kept as `Other`).
    pub enum AccountType {
        /// A current (checking) account.
        Checking = "checking",
        /// A savings account.
        Savings = "savings",
        /// A loan.
        Loan = "loan",
        /// A credit card.
        CreditCard = "creditCard",
        /// A prepaid card.
        PrepaidCard = "prepaidCard",
    }
}

open_enum! {
    /// Whether the company has connected a source account to a target
    /// account in its accounting software.
    pub enum SourceAccountStatus {
        /// Created, not yet mapped by the company: pushes are refused.
        Pending = "pending",
        /// Mapped: transactions can be pushed.
        Connected = "connected",
        /// Being connected.
        Connecting = "connecting",
        /// Disconnected by the company or through the API.
        Disconnected = "disconnected",
        /// Not known to Codat.
        Unknown = "unknown",
    }
}

open_enum! {
    /// The kind of routing number in [`RoutingInfo`].
    pub enum RoutingType {
        /// US routing transit number.
        Rtn = "rtn",
        /// ABA number.
        Aba = "aba",
        /// SWIFT/BIC.
        Swift = "swift",
        /// Australian BSB.
        Bsb = "bsb",
        /// IBAN.
        Iban = "iban",
        /// New Zealand bank and branch.
        Nz2 = "nz2",
        /// Transit number.
        Trno = "trno",
        /// UK sort code.
        Sortcode = "sortcode",
        /// German Bankleitzahl.
        Blz = "blz",
        /// Indian IFSC.
        Ifsc = "ifsc",
        /// Any other bank code.
        Bankcode = "bankcode",
        /// Australian APCA.
        Apca = "apca",
        /// Mexican CLABE.
        Clabe = "clabe",
    }
}

/// The bank's routing information (not the account number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingInfo {
    /// The code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_code: Option<String>,
    /// What kind of code it is.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RoutingType>,
}

/// More about a source account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The user's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// When it was opened.
    #[serde(
        default,
        with = "date::date_part",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_open_date: Option<NaiveDate>,
    /// The balance available, pending activity included.
    #[serde(default, with = "number::opt", skip_serializing_if = "Option::is_none")]
    pub available_balance: Option<Decimal>,
}

/// A source account as Codat returns it (v2, and tolerant of v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccount {
    /// The id the account was created with (ours, not Codat's).
    pub id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// Its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// Its sort code (v1, UK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_code: Option<String>,
    /// Its routing information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_info: Option<RoutingInfo>,
    /// Its currency (ISO 4217).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Its latest balance.
    #[serde(default, with = "number::opt", skip_serializing_if = "Option::is_none")]
    pub balance: Option<Decimal>,
    /// More about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_info: Option<AccountInfo>,
    /// When it was last changed.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_date: Option<DateTime<Utc>>,
    /// Whether the company has connected it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SourceAccountStatus>,
    /// The first date the target accepts (set when the company connects
    /// the account): nothing dated before it can be pushed.
    #[serde(
        default,
        with = "date::date_part",
        skip_serializing_if = "Option::is_none"
    )]
    pub feed_start_date: Option<NaiveDate>,
}

impl SourceAccount {
    /// Whether transactions can be pushed to it now.
    pub fn is_connected(&self) -> bool {
        self.status == Some(SourceAccountStatus::Connected)
    }
}

/// The body that creates a source account (v2, required by Codat for
/// integrations made after August 2024).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSourceAccount {
    /// The id to create it with: ours, stable, used in every later call.
    pub id: String,
    /// Its name as the company will see it.
    pub account_name: String,
    /// Its kind.
    pub account_type: AccountType,
    /// Its number (may be masked, e.g. the last four digits).
    pub account_number: String,
    /// Its currency (ISO 4217).
    pub currency: String,
    /// Its current balance.
    #[serde(with = "number")]
    pub balance: Decimal,
    /// Its sort code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_code: Option<String>,
    /// Its routing information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_info: Option<RoutingInfo>,
    /// More about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_info: Option<AccountInfo>,
    /// When it was last changed.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_date: Option<DateTime<Utc>>,
}

impl NewSourceAccount {
    /// A source account with the required fields.
    pub fn new(
        id: impl Into<String>,
        account_name: impl Into<String>,
        account_type: AccountType,
        account_number: impl Into<String>,
        currency: impl Into<String>,
        balance: Decimal,
    ) -> NewSourceAccount {
        NewSourceAccount {
            id: id.into(),
            account_name: account_name.into(),
            account_type,
            account_number: account_number.into(),
            currency: currency.into(),
            balance,
            sort_code: None,
            routing_info: None,
            account_info: None,
            modified_date: None,
        }
    }
}

/// What [`crate::Client::update_source_account`] changes; `None` leaves a
/// field as it is.
///
/// Codat lets the balance change only while the account is not yet
/// `connected`; afterwards the balance of the last pushed transaction sets
/// it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceAccountUpdate {
    /// A new name.
    pub account_name: Option<String>,
    /// A new balance.
    pub balance: Option<Decimal>,
    /// `Disconnected` disconnects the feed (the only change Codat allows).
    pub status: Option<SourceAccountStatus>,
}
