//! Transactions: `GET /accounts/{uid}/transactions`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::common::{
    AccountIdentification, Amount, FinancialInstitution, GenericIdentification, Party,
};
use super::lenient;
use source::open_enum;

/// One page of the transactions endpoint (`HalTransactions`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct TransactionsPage {
    #[serde(default, deserialize_with = "records")]
    pub(crate) transactions: Vec<TransactionRecord>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub(crate) continuation_key: Option<String>,
}

/// A list of raw records, `null` read as empty. (Not [`lenient::list`]:
/// raw values cannot pass through serde's buffering of untagged enums.)
fn records<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TransactionRecord>, D::Error> {
    Ok(Option::<Vec<TransactionRecord>>::deserialize(d)?.unwrap_or_default())
}

/// One transaction exactly as the bank sent it.
///
/// The raw JSON is kept so that nothing is lost: fields this crate does not
/// name (`postal_address`, `contact_details`, …) stay reachable, and a
/// record that cannot be read can still be shown. [`TransactionRecord::parse`]
/// gives the typed view; it fails only when `transaction_amount` is missing
/// or unreadable, so one bad record never spoils a page.
///
/// ```
/// let page = r#"[{"transaction_amount": {"amount": "5.20", "currency": "EUR"},
///                 "credit_debit_indicator": "DBIT", "status": "BOOK",
///                 "booking_date": "2024-02-02"},
///                {"status": "BOOK"}]"#;
/// let records: Vec<enablebanking::TransactionRecord> = serde_json::from_str(page).unwrap();
/// let t = records[0].parse().unwrap();
/// assert_eq!(t.signed_amount().to_string(), "-5.20");
/// assert!(records[1].parse().is_err());
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct TransactionRecord(Box<RawValue>);

impl TransactionRecord {
    /// Wraps raw JSON text. Fails when the text is not JSON.
    ///
    /// # Errors
    /// When `json` is not a JSON value.
    pub fn from_json(json: &str) -> Result<TransactionRecord, serde_json::Error> {
        RawValue::from_string(json.to_owned()).map(TransactionRecord)
    }

    /// The JSON text as received.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The JSON as a tree, for reaching fields this crate does not name.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    /// The typed view.
    ///
    /// # Errors
    /// When the record is not an object or its `transaction_amount` is
    /// missing or unreadable.
    pub fn parse(&self) -> Result<Transaction, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

/// The typed view of a transaction (`Transaction`). Every field but the
/// amount is optional, because real banks leave any of them out; a date
/// that cannot be read is `None` (the raw JSON keeps it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Transaction {
    /// The bank's reference: "unique and immutable for accounts with the
    /// same identification hashes", so the id to match a transaction across
    /// sessions. Missing at some banks; changes when a pending transaction
    /// books.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub entry_reference: Option<String>,
    /// An id for the single-transaction endpoint. Not stable: it may change
    /// when the list is fetched again, and is session-scoped at some banks.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub transaction_id: Option<String>,
    /// The amount, in the account's currency. Usually unsigned, but some
    /// banks sign debits: see [`Transaction::signed_amount`].
    pub transaction_amount: Amount,
    /// Credit (money in) or debit (money out).
    #[serde(default)]
    pub credit_debit_indicator: Option<CreditDebit>,
    /// Booked, pending, …
    #[serde(default = "TransactionStatus::unknown")]
    pub status: TransactionStatus,
    /// The day the bank booked it.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub booking_date: Option<NaiveDate>,
    /// The day the money moved.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub value_date: Option<NaiveDate>,
    /// The day it was made (for a card: the purchase).
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub transaction_date: Option<NaiveDate>,
    /// Who was paid.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub creditor: Option<Party>,
    /// The payee's account.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub creditor_account: Option<AccountIdentification>,
    /// The payee's bank.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub creditor_agent: Option<FinancialInstitution>,
    /// Who paid.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub debtor: Option<Party>,
    /// The payer's account.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub debtor_account: Option<AccountIdentification>,
    /// The payer's bank.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub debtor_agent: Option<FinancialInstitution>,
    /// Free-text lines (SEPA prefixes such as `EREF+` included, as sent).
    #[serde(default, deserialize_with = "lenient::texts")]
    pub remittance_information: Vec<String>,
    /// A structured payment reference.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub reference_number: Option<String>,
    /// Its scheme (`SEBG`, `NORF`, `FIRF`, `INTL`, `BERF`, `SDDM`).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub reference_number_schema: Option<String>,
    /// The bank's classification.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub bank_transaction_code: Option<BankTransactionCode>,
    /// The card merchant's category code.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub merchant_category_code: Option<String>,
    /// The balance after it, at some banks.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub balance_after_transaction: Option<Amount>,
    /// A currency conversion, with the original amount.
    #[serde(default, deserialize_with = "lenient::lax")]
    pub exchange_rate: Option<ExchangeRate>,
    /// More numbers of the payer's account (card number, BBAN).
    #[serde(default, deserialize_with = "lenient::list")]
    pub debtor_account_additional_identification: Vec<GenericIdentification>,
    /// More numbers of the payee's account.
    #[serde(default, deserialize_with = "lenient::list")]
    pub creditor_account_additional_identification: Vec<GenericIdentification>,
    /// The user's own note.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub note: Option<String>,
}

impl Transaction {
    /// The amount with its sign from `credit_debit_indicator`: a debit is
    /// negative and a credit positive whatever sign the bank wrote (some
    /// send `"-25.99"` with `DBIT`); without an indicator the bank's sign
    /// is kept.
    pub fn signed_amount(&self) -> Decimal {
        let a = self.transaction_amount.amount;
        match self.credit_debit_indicator {
            Some(CreditDebit::Debit) => -a.abs(),
            Some(CreditDebit::Credit) => a.abs(),
            _ => a,
        }
    }

    /// The counterparty by direction: the creditor of a debit, the debtor
    /// of a credit.
    pub fn counterparty(&self) -> Option<&Party> {
        match self.credit_debit_indicator {
            Some(CreditDebit::Debit) => self.creditor.as_ref(),
            Some(CreditDebit::Credit) => self.debtor.as_ref(),
            _ => None,
        }
    }

    /// The counterparty's account by direction, as [`Transaction::counterparty`].
    pub fn counterparty_account(&self) -> Option<&AccountIdentification> {
        match self.credit_debit_indicator {
            Some(CreditDebit::Debit) => self.creditor_account.as_ref(),
            Some(CreditDebit::Credit) => self.debtor_account.as_ref(),
            _ => None,
        }
    }
}

/// The bank's classification of a transaction (`BankTransactionCode`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BankTransactionCode {
    /// Free text (`"PKORTTIMAKSU"`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub description: Option<String>,
    /// The family code.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub code: Option<String>,
    /// The sub-family code.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub sub_code: Option<String>,
}

/// A currency conversion (`ExchangeRate`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExchangeRate {
    /// The currency the rate is quoted per unit of (1 `unit_currency` =
    /// `exchange_rate` of the other).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub unit_currency: Option<String>,
    /// The rate.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub exchange_rate: Option<Decimal>,
    /// `SPOT`, `SALE` or `AGRD`.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub rate_type: Option<String>,
    /// The foreign-exchange contract.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub contract_identification: Option<String>,
    /// The original amount (a card purchase abroad in its own currency).
    #[serde(default)]
    pub instructed_amount: Option<Amount>,
}

open_enum! {
    /// The direction of a transaction (`CreditDebitIndicator`).
    pub enum CreditDebit {
        /// Money in.
        Credit = "CRDT",
        /// Money out.
        Debit = "DBIT",
    }
}

open_enum! {
    /// Where a transaction stands (`TransactionStatus`).
    pub enum TransactionStatus {
        /// Booked.
        Booked = "BOOK",
        /// Pending: may change amount, reference or vanish.
        Pending = "PDNG",
        /// An authorisation hold (card).
        Hold = "HOLD",
        /// Scheduled.
        Scheduled = "SCHD",
        /// Cancelled.
        Cancelled = "CNCL",
        /// Rejected.
        Rejected = "RJCT",
        /// Another status.
        OtherStatus = "OTHR",
    }
}

impl TransactionStatus {
    fn unknown() -> TransactionStatus {
        TransactionStatus::Other(String::new())
    }

    /// Whether it is booked.
    pub fn is_booked(&self) -> bool {
        *self == TransactionStatus::Booked
    }

    /// Whether it may still book (pending or held).
    pub fn is_pending(&self) -> bool {
        matches!(self, TransactionStatus::Pending | TransactionStatus::Hold)
    }

    /// Whether it will never book (cancelled or rejected).
    pub fn is_void(&self) -> bool {
        matches!(
            self,
            TransactionStatus::Cancelled | TransactionStatus::Rejected
        )
    }
}
