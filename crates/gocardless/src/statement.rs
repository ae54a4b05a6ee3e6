//! GoCardless data in the importer's neutral terms: each transaction record
//! read into an [`importer::BankTransaction`], each balance into an
//! [`importer::Balance`], a transactions and a balances response into an
//! [`importer::Statement`].

use bytestring::ByteString;
use importer::transaction::{CandidateIds, Exchange};
use importer::{Balance, BankTransaction, Records, Statement, Status, Unreadable};

use crate::{BalancesResponse, Transaction, TransactionRecord, TransactionsResponse};

/// The metadata key GoCardless transaction ids are written under. Ledgers
/// written by every earlier version carry it, so it never changes.
pub const ID_KEY: &str = "gocardless_id";

/// How the source is named in the output's headings.
pub const SOURCE_LABEL: &str = "GoCardless";

/// A transactions response's records, booked first, as the importer reads
/// them.
#[derive(Debug, Clone, Copy)]
pub struct GoCardlessRecords<'a> {
    booked: &'a [TransactionRecord],
    pending: &'a [TransactionRecord],
}

impl<'a> GoCardlessRecords<'a> {
    /// The records of `response`.
    pub fn new(response: &'a TransactionsResponse) -> GoCardlessRecords<'a> {
        GoCardlessRecords {
            booked: &response.transactions.booked,
            pending: &response.transactions.pending,
        }
    }

    fn get(&self, i: usize) -> (&'a TransactionRecord, Status) {
        match self.booked.get(i) {
            Some(r) => (r, Status::Booked),
            None => (&self.pending[i - self.booked.len()], Status::Pending),
        }
    }
}

impl Records for GoCardlessRecords<'_> {
    fn len(&self) -> usize {
        self.booked.len() + self.pending.len()
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        let (record, status) = self.get(i);
        bank_transaction(record, status)
    }

    fn raw(&self, i: usize) -> &str {
        self.get(i).0.json()
    }
}

/// An account's statement: its records and balances, with GoCardless' id
/// key. `balances` is empty when none were fetched. When the transactions
/// were fetched is not known here: set [`Statement::fetched_at`] when it
/// is.
pub fn statement<'a>(records: &'a GoCardlessRecords<'a>, balances: &'a [Balance]) -> Statement<'a> {
    Statement {
        source: SOURCE_LABEL,
        id_key: ID_KEY,
        records,
        balances,
        fetched_at: None,
    }
}

/// The balances of a response in neutral terms, fetched at an unknown
/// moment (set [`Balance::fetched_at`] when it is known).
pub fn balances(response: &BalancesResponse) -> Vec<Balance> {
    response
        .balances
        .iter()
        .map(|b| Balance {
            kind: b.balance_type.clone(),
            amount: b.balance_amount.amount,
            currency: b.balance_amount.currency.trim().to_owned(),
            reference_date: b.reference_date,
            last_change: b.last_change_date_time.map(|d| d.date_naive()),
            fetched_at: None,
        })
        .collect()
}

/// Reads one GoCardless record.
///
/// # Errors
/// When the record has no readable amount (or is not a transaction at
/// all); the error carries any date and id still found in it.
///
/// ```
/// use gocardless::TransactionRecord;
/// use gocardless::statement::bank_transaction;
/// use importer::Status;
/// let r = TransactionRecord::from_json(r#"{"transactionId": "NOTPROVIDED",
///   "bookingDate": "2024-01-02", "creditorName": " Shop  Ltd ",
///   "transactionAmount": {"amount": "-10.5000", "currency": "EUR"}}"#).unwrap();
/// let t = bank_transaction(&r, Status::Booked).unwrap();
/// assert_eq!(t.ids.transaction_id, None);
/// assert_eq!(t.creditor_name.as_deref(), Some("Shop  Ltd"));
/// assert_eq!(t.amount.to_string(), "-10.5000");
/// ```
pub fn bank_transaction(
    record: &TransactionRecord,
    status: Status,
) -> Result<BankTransaction, Unreadable> {
    let t = record.parse().map_err(|e| unreadable(record, &e))?;
    Ok(from_transaction(t, status, record.shared_json()))
}

/// Why a record is unreadable, with the id found in its JSON directly
/// (the typed parse failed). It has no date to sort by: its comment goes
/// after the dated entries.
fn unreadable(record: &TransactionRecord, e: &serde_json::Error) -> Unreadable {
    let v = record.value();
    let text = |k: &str| match v.get(k)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Unreadable {
        reason: format!("unreadable transaction: {e}"),
        date: None,
        id: text("transactionId").or_else(|| text("internalTransactionId")),
    }
}

fn from_transaction(t: Transaction, status: Status, raw: ByteString) -> BankTransaction {
    let exchange = t.currency_exchange.into_iter().next().map(|x| Exchange {
        source_currency: clean(x.source_currency),
        target_currency: clean(x.target_currency),
        unit_currency: clean(x.unit_currency),
        rate: x.exchange_rate,
        instructed: x.instructed_amount.map(|a| (a.amount, trimmed(a.currency))),
    });
    let not_provided = |id: Option<String>| id.filter(|s| !s.eq_ignore_ascii_case("NOTPROVIDED"));
    let mut b = BankTransaction::new(
        status,
        t.transaction_amount.amount,
        trimmed(t.transaction_amount.currency),
    );
    b.booking_date = t.booking_date;
    b.value_date = t.value_date;
    b.booking_date_time = t.booking_date_time.map(|d| d.date_naive());
    b.value_date_time = t.value_date_time.map(|d| d.date_naive());
    b.creditor_name = clean(t.creditor_name);
    b.ultimate_creditor = clean(t.ultimate_creditor);
    b.creditor_iban = t.creditor_account.and_then(|a| a.iban);
    b.debtor_name = clean(t.debtor_name);
    b.ultimate_debtor = clean(t.ultimate_debtor);
    b.debtor_iban = t.debtor_account.and_then(|a| a.iban);
    b.remittance = clean(t.remittance_information_unstructured);
    b.remittance_array = clean_list(t.remittance_information_unstructured_array);
    b.remittance_structured = clean(t.remittance_information_structured);
    b.remittance_structured_array = clean_list(t.remittance_information_structured_array);
    b.additional_information = clean(t.additional_information);
    b.bank_code = clean(t.bank_transaction_code);
    b.proprietary_code = clean(t.proprietary_bank_transaction_code);
    b.exchange = exchange;
    b.ids = CandidateIds {
        transaction_id: not_provided(t.transaction_id),
        internal_transaction_id: not_provided(t.internal_transaction_id),
        entry_reference: t.entry_reference,
        end_to_end_id: not_provided(t.end_to_end_id),
    };
    b.balance_after = t
        .balance_after_transaction
        .map(|b| (b.balance_amount.amount, trimmed(b.balance_amount.currency)));
    b.mcc = t.merchant_category_code;
    b.raw = raw;
    b
}

/// Trims without reallocating when there is nothing to trim.
fn trimmed(s: String) -> String {
    if s.len() == s.trim().len() {
        s
    } else {
        s.trim().to_owned()
    }
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(trimmed).filter(|s| !s.is_empty())
}

fn clean_list(v: Vec<String>) -> Vec<String> {
    v.into_iter()
        .map(trimmed)
        .filter(|s| !s.is_empty())
        .collect()
}
