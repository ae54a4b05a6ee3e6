//! `GET /accounts/{uid}/balances`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

use super::common::Amount;
use super::lenient;
use source::open_enum;

/// The answer of the balances endpoint (`HalBalances`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct BalancesResponse {
    #[serde(default, deserialize_with = "lenient::list")]
    pub(crate) balances: Vec<Balance>,
}

/// One balance of an account (`BalanceResource`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Balance {
    /// The bank's label (`"Booked balance"`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// The amount, signed.
    pub balance_amount: Amount,
    /// Which balance it is.
    #[serde(default = "BalanceType::unknown")]
    pub balance_type: BalanceType,
    /// When the amount last changed.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub last_change_date_time: Option<DateTime<FixedOffset>>,
    /// The day it is for.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub reference_date: Option<NaiveDate>,
    /// The entry reference of the last transaction it includes.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub last_committed_transaction: Option<String>,
}

open_enum! {
    /// ISO 20022 balance types (`BalanceStatus`).
    pub enum BalanceType {
        /// Closing available.
        ClosingAvailable = "CLAV",
        /// Closing booked: the booked balance at the end of a day.
        ClosingBooked = "CLBD",
        /// Forward available.
        ForwardAvailable = "FWAV",
        /// For information only.
        Information = "INFO",
        /// Interim available: available now, pending included.
        InterimAvailable = "ITAV",
        /// Interim booked: booked so far today.
        InterimBooked = "ITBD",
        /// Opening available.
        OpeningAvailable = "OPAV",
        /// Opening booked.
        OpeningBooked = "OPBD",
        /// Previously closed booked.
        PreviouslyClosedBooked = "PRCD",
        /// Another balance.
        OtherBalance = "OTHR",
        /// Value-date balance.
        ValueDate = "VALU",
        /// Expected (instant) balance.
        Expected = "XPCD",
    }
}

impl BalanceType {
    fn unknown() -> BalanceType {
        BalanceType::Other(String::new())
    }

    /// Whether it counts booked transactions only (`CLBD`, `ITBD`, `OPBD`,
    /// `PRCD`): the kind a ledger's balance assertion can check.
    pub fn is_booked(&self) -> bool {
        matches!(
            self,
            BalanceType::ClosingBooked
                | BalanceType::InterimBooked
                | BalanceType::OpeningBooked
                | BalanceType::PreviouslyClosedBooked
        )
    }
}
