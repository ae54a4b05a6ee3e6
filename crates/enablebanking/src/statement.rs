//! Enable Banking data in the importer's neutral terms: each transaction
//! record read into an [`importer::BankTransaction`], each balance into an
//! [`importer::Balance`], and an account's transactions and balances into
//! an [`importer::Statement`].
//!
//! Only booked (`BOOK`) and pending (`PDNG`, `HOLD`) transactions become
//! entries. The others (cancelled, rejected, scheduled, …) never moved
//! money; they are left out, and listed in
//! [`EnableBankingRecords::left_out`] for the caller to report.

use std::fmt;

use bytestring::ByteString;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use importer::transaction::{CandidateIds, Exchange};
use importer::{BalanceKind, BankTransaction, Records, Statement, Status, Unreadable};

use crate::model::lenient;
use crate::remittance::{Remittance, first_text};
use crate::{Balance, Transaction, TransactionRecord, TransactionStatus};

/// The metadata key Enable Banking transaction ids are written under, on
/// the bank account's posting. Ledgers keep it, so it never changes.
pub const ID_KEY: &str = "enablebanking_id";

/// How the source is named in the output's headings.
pub const SOURCE_LABEL: &str = "Enable Banking";

/// An account's transaction records as the importer reads them: booked and
/// pending ones, in the bank's order; the others set aside.
///
/// ```
/// use enablebanking::{EnableBankingRecords, TransactionRecord};
/// use importer::{Records, Status};
/// let records: Vec<TransactionRecord> = serde_json::from_str(r#"[
///   {"entry_reference": "20261120A1", "status": "BOOK", "booking_date": "2026-11-20",
///    "credit_debit_indicator": "DBIT", "creditor": {"name": " Alepa "},
///    "transaction_amount": {"amount": "4.20", "currency": "EUR"}},
///   {"entry_reference": "X9", "status": "CNCL", "booking_date": "2026-11-19",
///    "credit_debit_indicator": "DBIT",
///    "transaction_amount": {"amount": "9.99", "currency": "EUR"}}
/// ]"#).unwrap();
/// let r = EnableBankingRecords::new(&records);
/// assert_eq!(r.len(), 1);
/// let t = r.read(0).unwrap();
/// assert_eq!((t.status, t.amount.to_string()), (Status::Booked, "-4.20".to_owned()));
/// assert_eq!(t.ids.transaction_id.as_deref(), Some("20261120A1"));
/// assert_eq!(t.counterparty_name(), Some("Alepa"));
/// assert_eq!(r.left_out()[0].to_string(),
///     "2026-11-19 -9.99 EUR, entry reference X9: cancelled (CNCL): it never booked");
/// ```
#[derive(Debug, Clone)]
pub struct EnableBankingRecords<'a> {
    records: &'a [TransactionRecord],
    /// Indexes into `records` of what the importer reads.
    kept: Vec<usize>,
    left_out: Vec<LeftOut>,
}

/// A transaction left out because it is neither booked nor pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Its status (`Other("")` when it had none).
    pub status: TransactionStatus,
    /// The bank's reference, when it gave one.
    pub entry_reference: Option<String>,
    /// Its booking, else value, else transaction date.
    pub date: Option<NaiveDate>,
    /// Its signed amount and currency, when readable.
    pub amount: Option<(Decimal, String)>,
    /// The record as received.
    pub raw: String,
}

impl LeftOut {
    /// Why it was left out, for people.
    pub fn reason(&self) -> String {
        match &self.status {
            TransactionStatus::Cancelled => "cancelled (CNCL): it never booked".to_owned(),
            TransactionStatus::Rejected => "rejected (RJCT): it never booked".to_owned(),
            TransactionStatus::Scheduled => {
                "scheduled (SCHD): not made yet; it comes when it books".to_owned()
            }
            TransactionStatus::Other(s) if s.is_empty() => {
                "no status: neither booked nor pending".to_owned()
            }
            other => format!("status {other}: neither booked nor pending"),
        }
    }
}

impl fmt::Display for LeftOut {
    /// `2026-11-19 -9.99 EUR, entry reference X9: cancelled (CNCL): it never booked`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(d) = self.date {
            write!(f, "{d}")?;
            sep = " ";
        }
        if let Some((n, c)) = &self.amount {
            write!(f, "{sep}{n} {c}")?;
            sep = ", ";
        }
        if let Some(r) = &self.entry_reference {
            write!(f, "{sep}entry reference {r}")?;
        }
        write!(f, ": {}", self.reason())
    }
}

impl<'a> EnableBankingRecords<'a> {
    /// The records of an account (what [`crate::Transactions::records`]
    /// holds), sorted into those the importer reads and those left out.
    pub fn new(records: &'a [TransactionRecord]) -> EnableBankingRecords<'a> {
        /// Just the status: the full reading is done in parallel later.
        #[derive(Deserialize)]
        struct Peek {
            #[serde(default, deserialize_with = "lenient::opt_id")]
            status: Option<String>,
        }
        let mut kept = Vec::with_capacity(records.len());
        let mut left_out = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let status = match serde_json::from_str::<Peek>(r.json()) {
                Ok(p) => TransactionStatus::parse(p.status.as_deref().unwrap_or("")),
                // Not even an object: the importer reports it, with its JSON.
                Err(_) => {
                    kept.push(i);
                    continue;
                }
            };
            if status.is_booked() || status.is_pending() {
                kept.push(i);
            } else {
                left_out.push(left_out_record(r, status));
            }
        }
        EnableBankingRecords {
            records,
            kept,
            left_out,
        }
    }

    /// The records left out (cancelled, rejected, scheduled, another
    /// status or none), in the bank's order: the caller says how many and
    /// why, so that nothing disappears silently.
    pub fn left_out(&self) -> &[LeftOut] {
        &self.left_out
    }
}

impl Records for EnableBankingRecords<'_> {
    fn len(&self) -> usize {
        self.kept.len()
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        bank_transaction(&self.records[self.kept[i]])
    }

    fn raw(&self, i: usize) -> &str {
        self.records[self.kept[i]].json()
    }
}

/// An account's statement: its records and balances, with Enable Banking's
/// id key. `balances` is empty when none were fetched.
pub fn statement<'a>(
    records: &'a EnableBankingRecords<'a>,
    balances: &'a [importer::Balance],
) -> Statement<'a> {
    Statement {
        source: SOURCE_LABEL,
        id_key: ID_KEY,
        records,
        balances,
        fetched_at: None,
    }
}

/// The balances of an account in neutral terms: the kind read from its
/// ISO 20022 code (`CLBD` → closing booked; a code the importer does not
/// know, such as `VALU`, is kept as [`BalanceKind::Other`]), the reference
/// date, and the day of its last change.
pub fn balances(balances: &[Balance]) -> Vec<importer::Balance> {
    balances
        .iter()
        .map(|b| importer::Balance {
            kind: BalanceKind::parse(b.balance_type.as_str()),
            amount: b.balance_amount.amount,
            currency: b.balance_amount.currency.trim().to_owned(),
            reference_date: b.reference_date,
            last_change: b.last_change_date_time.map(|d| d.date_naive()),
            fetched_at: None,
        })
        .collect()
}

/// Reads one booked or pending record.
fn bank_transaction(record: &TransactionRecord) -> Result<BankTransaction, Unreadable> {
    let t = record.parse().map_err(|e| unreadable(record, &e))?;
    let date = t.booking_date.or(t.value_date).or(t.transaction_date);
    if date.is_none() {
        return Err(Unreadable {
            reason: "no date: none of booking_date, value_date, transaction_date is readable"
                .to_owned(),
            date: None,
            id: t.entry_reference,
        });
    }
    Ok(from_transaction(t, ByteString::from(record.json())))
}

fn from_transaction(t: Transaction, raw: ByteString) -> BankTransaction {
    let status = if t.status.is_booked() {
        Status::Booked
    } else {
        Status::Pending
    };
    let remittance = Remittance::parse(&t.remittance_information);
    let mut b = BankTransaction::new(
        status,
        t.signed_amount(),
        t.transaction_amount.currency.trim(),
    );
    // By the bank's direction, not the amount's sign (a zero amount has
    // none): the creditor of a debit, the debtor of a credit.
    b.payee = t.counterparty().and_then(|p| clean(p.name.clone()));
    b.booking_date = t.booking_date;
    b.value_date = t.value_date;
    b.transaction_date = t.transaction_date;
    b.creditor_name = t.creditor.and_then(|p| clean(p.name));
    b.creditor_iban = t.creditor_account.and_then(|a| a.iban);
    b.debtor_name = t.debtor.and_then(|p| clean(p.name));
    b.debtor_iban = t.debtor_account.and_then(|a| a.iban);
    // The deviating parties of a SEPA payment, where the bank left them in
    // the text: the payee when the named party is missing.
    b.ultimate_creditor = remittance.get("ABWE").map(str::to_owned);
    b.ultimate_debtor = remittance.get("ABWA").map(str::to_owned);
    b.remittance_array = t
        .remittance_information
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if remittance.is_structured() {
        b.narration = remittance.text();
    }
    if b.counterparty_name().is_none() {
        b.payee = first_text(&b.remittance_array);
    }
    b.remittance_structured = t.reference_number;
    b.additional_information = clean(t.note);
    if let Some(code) = t.bank_transaction_code {
        b.bank_code = code.code.map(|c| match code.sub_code {
            Some(s) => format!("{c}-{s}"),
            None => c,
        });
        b.proprietary_code = clean(code.description);
    }
    // With no text at all, the code's description ("PALVELUMAKSU") reads
    // better than its number, which the importer would take first.
    if b.narration.is_none()
        && b.remittance_array.is_empty()
        && b.remittance_structured.is_none()
        && b.additional_information.is_none()
    {
        b.narration = b.proprietary_code.clone();
    }
    b.mcc = t.merchant_category_code;
    b.exchange = t.exchange_rate.map(|x| Exchange {
        source_currency: None,
        target_currency: None,
        unit_currency: x.unit_currency,
        rate: x.exchange_rate,
        instructed: x
            .instructed_amount
            .map(|a| (a.amount, a.currency.trim().to_owned())),
    });
    // `entry_reference` is the bank's id, stable across sessions. The
    // `transaction_id` is not (it changes when the list is fetched again,
    // and with each session at some banks), so it is never an id here nor
    // part of the content hash that stands in when there is no reference.
    b.ids = CandidateIds {
        transaction_id: t.entry_reference.clone(),
        internal_transaction_id: None,
        entry_reference: t.entry_reference,
        end_to_end_id: remittance.get("EREF").map(str::to_owned),
    };
    b.balance_after = t
        .balance_after_transaction
        .map(|a| (a.amount, a.currency.trim().to_owned()));
    b.raw = raw;
    b
}

/// What a left-out record says of itself, as far as it can be read.
fn left_out_record(record: &TransactionRecord, status: TransactionStatus) -> LeftOut {
    let t = record.parse().ok();
    LeftOut {
        status,
        entry_reference: t.as_ref().and_then(|t| t.entry_reference.clone()),
        date: t
            .as_ref()
            .and_then(|t| t.booking_date.or(t.value_date).or(t.transaction_date)),
        amount: t.as_ref().map(|t| {
            (
                t.signed_amount(),
                t.transaction_amount.currency.trim().to_owned(),
            )
        }),
        raw: record.json().to_owned(),
    }
}

/// Why a record is unreadable, with the date and reference found in its
/// JSON directly (the typed reading failed).
fn unreadable(record: &TransactionRecord, e: &serde_json::Error) -> Unreadable {
    let v = record.value();
    let text = |k: &str| match v.get(k)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Unreadable {
        reason: format!("unreadable transaction: {e}"),
        date: ["booking_date", "value_date", "transaction_date"]
            .iter()
            .find_map(|k| text(k).and_then(|s| lenient::parse_date(&s))),
        id: text("entry_reference"),
    }
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use importer::config::DateMode;

    fn read(json: &str) -> Result<BankTransaction, Unreadable> {
        bank_transaction(&TransactionRecord::from_json(json).unwrap())
    }

    fn tx(fields: &str) -> BankTransaction {
        read(&format!(
            r#"{{"transaction_amount": {{"amount": "25.99", "currency": "EUR"}},
                "status": "BOOK", "booking_date": "2026-11-19", {fields}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn the_indicator_signs_the_amount() {
        let amount = |indicator: &str, amount: &str| {
            read(&format!(
                r#"{{"transaction_amount": {{"amount": "{amount}", "currency": "EUR"}},
                    "credit_debit_indicator": "{indicator}", "status": "BOOK",
                    "booking_date": "2026-11-19"}}"#
            ))
            .unwrap()
            .amount
            .to_string()
        };
        assert_eq!(amount("DBIT", "25.990"), "-25.990");
        // Some banks write debits negative; still one debit.
        assert_eq!(amount("DBIT", "-25.99"), "-25.99");
        assert_eq!(amount("CRDT", "-5.00"), "5.00");
        // No indicator: the bank's sign.
        assert_eq!(amount("", "-1.5"), "-1.5");
    }

    #[test]
    fn payee_by_direction() {
        let parties = r#""creditor": {"name": "Shop Oy"}, "debtor": {"name": " Me "}"#;
        let debit = tx(&format!(r#""credit_debit_indicator": "DBIT", {parties}"#));
        assert_eq!(debit.counterparty_name(), Some("Shop Oy"));
        let credit = tx(&format!(r#""credit_debit_indicator": "CRDT", {parties}"#));
        assert_eq!(credit.counterparty_name(), Some("Me"));
        // A zero amount has no sign; the indicator still says who.
        let zero = read(&format!(
            r#"{{"transaction_amount": {{"amount": "0.00", "currency": "EUR"}},
                "credit_debit_indicator": "DBIT", "status": "BOOK",
                "booking_date": "2026-11-19", {parties}}}"#
        ))
        .unwrap();
        assert_eq!(zero.counterparty_name(), Some("Shop Oy"));
    }

    #[test]
    fn sepa_text_gives_narration_and_payee() {
        let t = tx(r#""credit_debit_indicator": "DBIT",
            "remittance_information": ["EREF+E2E-42 MREF+M-7 CRED+DE98ZZZ09999999999", "SVWZ+Rent March"]"#);
        assert_eq!(t.payee.as_deref(), Some("Rent March"));
        assert_eq!(t.narration.as_deref(), Some("Rent March"));
        assert_eq!(t.ids.end_to_end_id.as_deref(), Some("E2E-42"));
        // Every line stays for rules and metadata.
        assert_eq!(t.remittance_array.len(), 2);

        let t = tx(r#""credit_debit_indicator": "CRDT",
            "remittance_information": ["SVWZ+Refund 17 ABWA+Shop GmbH"]"#);
        assert_eq!(t.counterparty_name(), Some("Shop GmbH"));
        assert_eq!(t.narration.as_deref(), Some("Refund 17"));

        // Plain text: left for the importer to join.
        let t = tx(
            r#""credit_debit_indicator": "DBIT", "remittance_information": ["Gift", " for Alex "]"#,
        );
        assert_eq!(t.narration, None);
        assert_eq!(t.description().as_deref(), Some("Gift for Alex"));
        assert_eq!(t.payee.as_deref(), Some("Gift"));
    }

    #[test]
    fn the_session_scoped_transaction_id_is_no_part_of_it() {
        let at = |id: &str| {
            let mut t = tx(&format!(
                r#""transaction_id": "{id}", "credit_debit_indicator": "DBIT",
                   "creditor": {{"name": "Shop"}}"#
            ));
            t.raw = ByteString::from("{}");
            t
        };
        // What conversion reads (and hashes when there is no reference) is
        // the same whatever the session's id.
        assert_eq!(at("session-1-0007"), at("session-2-0193"));
        assert_eq!(at("x").ids, CandidateIds::default());
    }

    #[test]
    fn codes_references_and_conversions() {
        let t = tx(
            r#""credit_debit_indicator": "DBIT", "entry_reference": "R-1",
            "bank_transaction_code": {"description": " PKORTTIMAKSU ", "code": "12", "sub_code": "32"},
            "reference_number": "RF18539007547034", "note": "lunch",
            "merchant_category_code": "5812",
            "balance_after_transaction": {"amount": "-100.01", "currency": "EUR"},
            "exchange_rate": {"unit_currency": "USD", "exchange_rate": "0.9200",
                              "instructed_amount": {"amount": "28.25", "currency": " USD"}}"#,
        );
        assert_eq!(t.ids.transaction_id.as_deref(), Some("R-1"));
        assert_eq!(t.ids.entry_reference.as_deref(), Some("R-1"));
        assert_eq!(t.bank_code.as_deref(), Some("12-32"));
        assert_eq!(t.proprietary_code.as_deref(), Some("PKORTTIMAKSU"));
        assert_eq!(t.remittance_structured.as_deref(), Some("RF18539007547034"));
        assert_eq!(t.additional_information.as_deref(), Some("lunch"));
        assert_eq!(t.mcc.as_deref(), Some("5812"));
        assert_eq!(
            t.balance_after,
            Some(("-100.01".parse().unwrap(), "EUR".into()))
        );
        let x = t.exchange.unwrap();
        assert_eq!(x.instructed, Some(("28.25".parse().unwrap(), "USD".into())));
        assert_eq!(x.rate, Some("0.9200".parse().unwrap()));
        assert_eq!(x.unit_currency.as_deref(), Some("USD"));

        let code = r#""bank_transaction_code": {"description": "Service fee", "code": "PMNT"}"#;
        let t = tx(code);
        assert_eq!(t.description().as_deref(), Some("Service fee"));
        assert_eq!(t.bank_code.as_deref(), Some("PMNT"));
        let t = tx(&format!(r#"{code}, "note": "mine""#));
        assert_eq!(t.description().as_deref(), Some("mine"));
    }

    #[test]
    fn dates_and_what_is_unreadable() {
        let t = read(
            r#"{"transaction_amount": {"amount": "3", "currency": "EUR"}, "status": "PDNG",
                "transaction_date": "2026-11-20"}"#,
        )
        .unwrap();
        assert_eq!(t.status, Status::Pending);
        let day = "2026-11-20".parse().ok();
        for mode in [DateMode::Booking, DateMode::Value, DateMode::Transaction] {
            assert_eq!(t.date(mode), day);
        }
        let e = read(r#"{"transaction_amount": {"amount": "3", "currency": "EUR"}, "status": "BOOK", "entry_reference": "Q"}"#)
            .unwrap_err();
        assert_eq!(e.id.as_deref(), Some("Q"));
        assert!(e.reason.starts_with("no date"), "{}", e.reason);
        let e = read(
            r#"{"transaction_amount": {"amount": "1,5", "currency": "EUR"}, "status": "BOOK",
                "booking_date": "2026-11-19", "entry_reference": 77}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.id.as_deref(), e.date),
            (Some("77"), "2026-11-19".parse().ok())
        );
        assert!(e.reason.contains("invalid amount"), "{}", e.reason);
    }
}
