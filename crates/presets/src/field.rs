//! The fields of a [`BankTransaction`] a preset can name: read in
//! templates and conditions, written by steps.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::NaiveDate;
use importer::{BankTransaction, Status};
use rust_decimal::Decimal;

/// A field of a bank transaction, by its name in a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// Read: the payee conversion will use (the override, else the
    /// counterparty's name). Written: the payee override.
    Payee,
    /// Read: the narration conversion will use (the override, else the
    /// remittance text and its fallbacks). Written: the narration override.
    Narration,
    CreditorName,
    UltimateCreditor,
    CreditorIban,
    DebtorName,
    UltimateDebtor,
    DebtorIban,
    Remittance,
    RemittanceArray,
    RemittanceStructured,
    RemittanceStructuredArray,
    AdditionalInformation,
    BankCode,
    ProprietaryCode,
    Mcc,
    TransactionId,
    InternalTransactionId,
    EntryReference,
    EndToEndId,
    Amount,
    Currency,
    Status,
    BookingDate,
    ValueDate,
    BookingDateTime,
    ValueDateTime,
}

/// Every field and its name, in declaration order.
const FIELDS: [(Field, &str); 27] = [
    (Field::Payee, "payee"),
    (Field::Narration, "narration"),
    (Field::CreditorName, "creditor_name"),
    (Field::UltimateCreditor, "ultimate_creditor"),
    (Field::CreditorIban, "creditor_iban"),
    (Field::DebtorName, "debtor_name"),
    (Field::UltimateDebtor, "ultimate_debtor"),
    (Field::DebtorIban, "debtor_iban"),
    (Field::Remittance, "remittance"),
    (Field::RemittanceArray, "remittance_array"),
    (Field::RemittanceStructured, "remittance_structured"),
    (
        Field::RemittanceStructuredArray,
        "remittance_structured_array",
    ),
    (Field::AdditionalInformation, "additional_information"),
    (Field::BankCode, "bank_code"),
    (Field::ProprietaryCode, "proprietary_code"),
    (Field::Mcc, "mcc"),
    (Field::TransactionId, "transaction_id"),
    (Field::InternalTransactionId, "internal_transaction_id"),
    (Field::EntryReference, "entry_reference"),
    (Field::EndToEndId, "end_to_end_id"),
    (Field::Amount, "amount"),
    (Field::Currency, "currency"),
    (Field::Status, "status"),
    (Field::BookingDate, "booking_date"),
    (Field::ValueDate, "value_date"),
    (Field::BookingDateTime, "booking_date_time"),
    (Field::ValueDateTime, "value_date_time"),
];

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One optional text.
    Text,
    /// A list of texts (the remittance arrays).
    Lines,
    /// A date.
    Date,
    /// Amount, currency, status: always there.
    Fixed,
}

impl Field {
    pub(crate) fn name(self) -> &'static str {
        // `FIELDS` lists the variants in declaration order (tested).
        FIELDS[self as usize].1
    }

    /// The field called `name`; on failure, a message listing the valid
    /// names (and the nearest one).
    pub(crate) fn parse(name: &str) -> Result<Field, String> {
        let name = name.trim();
        if let Some((f, _)) = FIELDS.iter().find(|(_, n)| *n == name) {
            return Ok(*f);
        }
        let names: Vec<&str> = FIELDS.iter().map(|(_, n)| *n).collect();
        Err(crate::de::unknown("field", name, &names))
    }

    pub(crate) fn kind(self) -> Kind {
        match self {
            Field::RemittanceArray | Field::RemittanceStructuredArray => Kind::Lines,
            Field::BookingDate
            | Field::ValueDate
            | Field::BookingDateTime
            | Field::ValueDateTime => Kind::Date,
            Field::Amount | Field::Currency | Field::Status => Kind::Fixed,
            _ => Kind::Text,
        }
    }

    /// Whether `set:` may write it.
    pub(crate) fn settable(self) -> bool {
        matches!(self.kind(), Kind::Text | Kind::Lines)
            || matches!(self, Field::Amount | Field::Currency)
    }

    /// Whether `clear:` may empty it: bank fields, not the derived payee
    /// and narration (clearing an override would bring the bank's text
    /// back, not remove it).
    pub(crate) fn clearable(self) -> bool {
        matches!(self.kind(), Kind::Text | Kind::Lines)
            && !matches!(self, Field::Payee | Field::Narration)
    }

    /// Whether `in:` may edit its text.
    pub(crate) fn editable(self) -> bool {
        matches!(self.kind(), Kind::Text | Kind::Lines)
    }

    /// The field's lines, for a list field.
    pub(crate) fn lines(self, t: &BankTransaction) -> &[String] {
        match self {
            Field::RemittanceArray => &t.remittance_array,
            Field::RemittanceStructuredArray => &t.remittance_structured_array,
            _ => &[],
        }
    }

    fn lines_mut(self, t: &mut BankTransaction) -> Option<&mut Vec<String>> {
        match self {
            Field::RemittanceArray => Some(&mut t.remittance_array),
            Field::RemittanceStructuredArray => Some(&mut t.remittance_structured_array),
            _ => None,
        }
    }

    /// The stored text of a text field (for payee and narration, the
    /// override).
    fn slot(self, t: &mut BankTransaction) -> Option<&mut Option<String>> {
        Some(match self {
            Field::Payee => &mut t.payee,
            Field::Narration => &mut t.narration,
            Field::CreditorName => &mut t.creditor_name,
            Field::UltimateCreditor => &mut t.ultimate_creditor,
            Field::CreditorIban => &mut t.creditor_iban,
            Field::DebtorName => &mut t.debtor_name,
            Field::UltimateDebtor => &mut t.ultimate_debtor,
            Field::DebtorIban => &mut t.debtor_iban,
            Field::Remittance => &mut t.remittance,
            Field::RemittanceStructured => &mut t.remittance_structured,
            Field::AdditionalInformation => &mut t.additional_information,
            Field::BankCode => &mut t.bank_code,
            Field::ProprietaryCode => &mut t.proprietary_code,
            Field::Mcc => &mut t.mcc,
            Field::TransactionId => &mut t.ids.transaction_id,
            Field::InternalTransactionId => &mut t.ids.internal_transaction_id,
            Field::EntryReference => &mut t.ids.entry_reference,
            Field::EndToEndId => &mut t.ids.end_to_end_id,
            _ => return None,
        })
    }

    /// The date of a date field.
    pub(crate) fn date(self, t: &BankTransaction) -> Option<NaiveDate> {
        match self {
            Field::BookingDate => t.booking_date,
            Field::ValueDate => t.value_date,
            Field::BookingDateTime => t.booking_date_time,
            Field::ValueDateTime => t.value_date_time,
            _ => None,
        }
    }

    /// The field as one text: a list's lines joined by `join`, a date as
    /// `YYYY-MM-DD`. `None` when absent, empty or blank.
    pub(crate) fn text<'t>(self, t: &'t BankTransaction, join: &str) -> Option<Cow<'t, str>> {
        let text: Cow<'t, str> = match self {
            Field::Payee => Cow::Borrowed(t.counterparty_name()?),
            Field::Narration => t.description()?,
            Field::Amount => Cow::Owned(t.amount.to_string()),
            Field::Currency => Cow::Borrowed(&t.currency),
            Field::Status => Cow::Borrowed(match t.status {
                Status::Booked => "booked",
                Status::Pending => "pending",
            }),
            Field::RemittanceArray | Field::RemittanceStructuredArray => {
                let lines = self.lines(t);
                if lines.is_empty() {
                    return None;
                }
                Cow::Owned(lines.join(join))
            }
            Field::BookingDate
            | Field::ValueDate
            | Field::BookingDateTime
            | Field::ValueDateTime => Cow::Owned(self.date(t)?.to_string()),
            Field::CreditorName => Cow::Borrowed(t.creditor_name.as_deref()?),
            Field::UltimateCreditor => Cow::Borrowed(t.ultimate_creditor.as_deref()?),
            Field::CreditorIban => Cow::Borrowed(t.creditor_iban.as_deref()?),
            Field::DebtorName => Cow::Borrowed(t.debtor_name.as_deref()?),
            Field::UltimateDebtor => Cow::Borrowed(t.ultimate_debtor.as_deref()?),
            Field::DebtorIban => Cow::Borrowed(t.debtor_iban.as_deref()?),
            Field::Remittance => Cow::Borrowed(t.remittance.as_deref()?),
            Field::RemittanceStructured => Cow::Borrowed(t.remittance_structured.as_deref()?),
            Field::AdditionalInformation => Cow::Borrowed(t.additional_information.as_deref()?),
            Field::BankCode => Cow::Borrowed(t.bank_code.as_deref()?),
            Field::ProprietaryCode => Cow::Borrowed(t.proprietary_code.as_deref()?),
            Field::Mcc => Cow::Borrowed(t.mcc.as_deref()?),
            Field::TransactionId => Cow::Borrowed(t.ids.transaction_id.as_deref()?),
            Field::InternalTransactionId => {
                Cow::Borrowed(t.ids.internal_transaction_id.as_deref()?)
            }
            Field::EntryReference => Cow::Borrowed(t.ids.entry_reference.as_deref()?),
            Field::EndToEndId => Cow::Borrowed(t.ids.end_to_end_id.as_deref()?),
        };
        (!text.trim().is_empty()).then_some(text)
    }

    /// Writes `value` (trimmed, not empty). A list field becomes one line.
    ///
    /// # Errors
    ///
    /// An amount that is not a number or a currency Beancount rejects.
    pub(crate) fn set(self, t: &mut BankTransaction, value: String) -> Result<(), String> {
        match self {
            Field::Amount => {
                t.amount = parse_amount(&value)?;
            }
            Field::Currency => {
                let c = value.trim().to_ascii_uppercase();
                importer::beancount::check_currency(&c)?;
                t.currency = c;
            }
            _ => {
                if let Some(lines) = self.lines_mut(t) {
                    *lines = vec![value];
                } else if let Some(slot) = self.slot(t) {
                    *slot = Some(value);
                }
            }
        }
        Ok(())
    }

    /// Adds a line to a list field.
    pub(crate) fn append(self, t: &mut BankTransaction, value: String) {
        if let Some(lines) = self.lines_mut(t) {
            lines.push(value);
        }
    }

    /// Empties a bank field.
    pub(crate) fn clear(self, t: &mut BankTransaction) {
        if let Some(lines) = self.lines_mut(t) {
            lines.clear();
        } else if let Some(slot) = self.slot(t) {
            *slot = None;
        }
    }

    /// Rewrites the field's text with `edit` (each line of a list field);
    /// a text that becomes blank is removed. Payee and narration are read
    /// as conversion would see them and written as overrides. Returns
    /// whether the field had any text.
    ///
    /// # Errors
    ///
    /// Whatever `edit` fails with.
    pub(crate) fn edit(
        self,
        t: &mut BankTransaction,
        mut edit: impl FnMut(&str) -> Result<String, String>,
    ) -> Result<bool, String> {
        if let Some(lines) = self.lines_mut(t) {
            if lines.is_empty() {
                return Ok(false);
            }
            let mut out = Vec::with_capacity(lines.len());
            for line in lines.iter() {
                let new = edit(line)?;
                let new = new.trim();
                if !new.is_empty() {
                    out.push(new.to_owned());
                }
            }
            *lines = out;
            return Ok(true);
        }
        let Some(current) = self.text(t, " ").map(Cow::into_owned) else {
            return Ok(false);
        };
        let new = edit(&current)?;
        let new = new.trim();
        if let Some(slot) = self.slot(t) {
            *slot = (!new.is_empty()).then(|| new.to_owned());
        }
        Ok(true)
    }
}

/// An amount as a bank writes it in text: `-12.50`, `12,50`, `+3`.
fn parse_amount(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let comma_decimal = t.matches(',').count() == 1 && !t.contains('.');
    let normal: Cow<'_, str> = if comma_decimal {
        Cow::Owned(t.replace(',', "."))
    } else {
        Cow::Borrowed(t)
    };
    Decimal::from_str(&normal).map_err(|_| format!("`{s}` is not an amount"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_one_name() {
        for (f, n) in FIELDS {
            assert_eq!(f.name(), n);
            assert_eq!(Field::parse(n), Ok(f));
        }
        let err = Field::parse("creditor").unwrap_err();
        assert!(err.contains("creditor_name"), "{err}");
    }

    #[test]
    fn amounts_in_text() {
        assert_eq!(parse_amount("-12.50").unwrap().to_string(), "-12.50");
        assert_eq!(parse_amount(" 12,5 ").unwrap().to_string(), "12.5");
        assert_eq!(parse_amount("+3").unwrap().to_string(), "3");
        assert!(parse_amount("1.234,56").is_err());
        assert!(parse_amount("twelve").is_err());
    }
}
