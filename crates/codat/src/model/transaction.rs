//! Bank transactions pushed to a feed.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{date, number};
use source::open_enum;

/// The most transactions one push may carry.
pub const MAX_TRANSACTIONS_PER_PUSH: usize = 1000;

open_enum! {
    /// The kind of a bank statement line. Codat expects `Credit` for
    /// positive amounts and `Debit` for negative ones and warns otherwise.
    pub enum TransactionType {
        /// Unknown.
        Unknown = "Unknown",
        /// Money in.
        Credit = "Credit",
        /// Money out.
        Debit = "Debit",
        /// Interest.
        Int = "Int",
        /// Dividend.
        Div = "Div",
        /// A fee.
        Fee = "Fee",
        /// A service charge.
        SerChg = "SerChg",
        /// A deposit.
        Dep = "Dep",
        /// A cash machine withdrawal.
        Atm = "Atm",
        /// A point-of-sale payment.
        Pos = "Pos",
        /// A transfer.
        Xfer = "Xfer",
        /// A cheque.
        Check = "Check",
        /// An electronic payment.
        Payment = "Payment",
        /// A cash withdrawal.
        Cash = "Cash",
        /// A direct deposit.
        DirectDep = "DirectDep",
        /// A direct debit.
        DirectDebit = "DirectDebit",
        /// A standing order.
        RepeatPmt = "RepeatPmt",
        /// Codat's own "Other".
        OtherKind = "Other",
    }
}

impl TransactionType {
    /// `Credit` for an amount of zero or more, `Debit` below zero: the
    /// pairing Codat checks.
    pub fn for_amount(amount: Decimal) -> TransactionType {
        if amount.is_sign_negative() && !amount.is_zero() {
            TransactionType::Debit
        } else {
            TransactionType::Credit
        }
    }
}

/// One bank transaction to push (or as pushed, read back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankTransaction {
    /// Its id, unique on the target account and stable across runs: the
    /// feed has no update or delete, so a second push of the same
    /// transaction under another id would be a duplicate.
    pub id: String,
    /// Its local date-time (Codat ignores any offset).
    #[serde(with = "date::local")]
    pub date: NaiveDateTime,
    /// What the statement line says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who paid or was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<String>,
    /// A reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Whether it is already reconciled in the accounting software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<bool>,
    /// The amount: positive in, negative out.
    #[serde(with = "number")]
    pub amount: Decimal,
    /// The account's balance after it (required by Xero, Sage, NetSuite,
    /// Exact and FreeAgent; optional for QuickBooks Online).
    #[serde(default, with = "number::opt", skip_serializing_if = "Option::is_none")]
    pub balance: Option<Decimal>,
    /// Its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<TransactionType>,
}

impl BankTransaction {
    /// A transaction on `date` (at midnight) with its type set from the
    /// sign of `amount` and the balance after it.
    ///
    /// ```
    /// use codat::{BankTransaction, TransactionType};
    /// let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    /// let t = BankTransaction::new("tx-1", d, "-12.50".parse().unwrap(), Some("87.50".parse().unwrap()))
    ///     .description("Coffee beans");
    /// assert_eq!(t.transaction_type, Some(TransactionType::Debit));
    /// assert_eq!(
    ///     serde_json::to_string(&t).unwrap(),
    ///     r#"{"id":"tx-1","date":"2026-11-02T00:00:00","description":"Coffee beans","amount":-12.50,"balance":87.50,"transactionType":"Debit"}"#
    /// );
    /// ```
    pub fn new(
        id: impl Into<String>,
        date: NaiveDate,
        amount: Decimal,
        balance: Option<Decimal>,
    ) -> BankTransaction {
        BankTransaction {
            id: id.into(),
            date: date.and_time(chrono::NaiveTime::MIN),
            description: None,
            counterparty: None,
            reference: None,
            reconciled: None,
            amount,
            balance,
            transaction_type: Some(TransactionType::for_amount(amount)),
        }
    }

    /// The same transaction with a description.
    pub fn description(mut self, text: impl Into<String>) -> BankTransaction {
        self.description = Some(text.into());
        self
    }

    /// The same transaction with a counterparty.
    pub fn counterparty(mut self, name: impl Into<String>) -> BankTransaction {
        self.counterparty = Some(name.into());
        self
    }

    /// The same transaction with a reference.
    pub fn reference(mut self, text: impl Into<String>) -> BankTransaction {
        self.reference = Some(text.into());
        self
    }
}

/// The body of a push: the source account and its transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBankTransactions {
    /// The source account's id.
    pub account_id: String,
    /// The transactions, oldest first, at most
    /// [`MAX_TRANSACTIONS_PER_PUSH`].
    pub transactions: Vec<BankTransaction>,
}
