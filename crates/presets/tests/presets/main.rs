//! The presets crate's only test binary: the language (`language`), the
//! catalogue (`catalogue`) and one before/after snapshot per shipped
//! preset (`banks`).

mod banks;
mod catalogue;
mod language;

use std::fmt::Write;
use std::sync::LazyLock;

use gocardless::TransactionRecord;
use importer::{BankTransaction, Status};
use presets::{Applied, Preset, Presets};

/// The shipped presets, read once for all tests.
pub fn builtin() -> &'static Presets {
    static BUILTIN: LazyLock<Presets> = LazyLock::new(Presets::builtin);
    &BUILTIN
}

/// A bank transaction from a record's JSON.
pub fn tx(json: &str, status: Status) -> BankTransaction {
    let record = TransactionRecord::from_json(json).expect("valid JSON");
    gocardless::statement::bank_transaction(&record, status).expect("a readable record")
}

/// Each field of a transaction, as a snapshot shows it.
fn fields(t: &BankTransaction) -> Vec<(&'static str, String)> {
    fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
        v.as_ref()
            .map_or_else(|| "-".to_owned(), |v| format!("{:?}", v.to_string()))
    }
    vec![
        ("status", format!("{:?}", t.status)),
        ("booking_date", opt(&t.booking_date)),
        ("value_date", opt(&t.value_date)),
        ("booking_date_time", opt(&t.booking_date_time)),
        ("value_date_time", opt(&t.value_date_time)),
        ("amount", t.amount.to_string()),
        ("currency", t.currency.clone()),
        ("payee", opt(&t.payee)),
        ("narration", opt(&t.narration)),
        ("creditor_name", opt(&t.creditor_name)),
        ("ultimate_creditor", opt(&t.ultimate_creditor)),
        ("creditor_iban", opt(&t.creditor_iban)),
        ("debtor_name", opt(&t.debtor_name)),
        ("ultimate_debtor", opt(&t.ultimate_debtor)),
        ("debtor_iban", opt(&t.debtor_iban)),
        ("remittance", opt(&t.remittance)),
        ("remittance_array", format!("{:?}", t.remittance_array)),
        ("remittance_structured", opt(&t.remittance_structured)),
        (
            "remittance_structured_array",
            format!("{:?}", t.remittance_structured_array),
        ),
        ("additional_information", opt(&t.additional_information)),
        ("bank_code", opt(&t.bank_code)),
        ("proprietary_code", opt(&t.proprietary_code)),
        ("mcc", opt(&t.mcc)),
        ("exchange", format!("{:?}", t.exchange)),
        ("transaction_id", opt(&t.ids.transaction_id)),
        (
            "internal_transaction_id",
            opt(&t.ids.internal_transaction_id),
        ),
        ("entry_reference", opt(&t.ids.entry_reference)),
        ("end_to_end_id", opt(&t.ids.end_to_end_id)),
        ("balance_after", format!("{:?}", t.balance_after)),
    ]
}

/// What applying `preset` to `t` changed, one line per changed field.
pub fn changes(preset: &Preset, mut t: BankTransaction) -> String {
    let before = fields(&t);
    let applied = preset.apply(&mut t);
    let after = fields(&t);
    let mut out = String::new();
    match &applied {
        Applied::Dropped => out.push_str("dropped\n"),
        Applied::Failed(w) => writeln!(out, "warning: {w}").unwrap(),
        Applied::Kept => {}
    }
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        if b != a {
            writeln!(out, "{name}: {b} -> {a}").unwrap();
        }
    }
    if out.is_empty() {
        out.push_str("unchanged\n");
    }
    out
}
