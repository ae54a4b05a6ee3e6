//! A step's `if:` and `unless:` conditions: the rules' vocabulary, plus
//! the status, presence of fields, and a regex on any bank field.

use importer::rules::AmountCondition;
use importer::{BankTransaction, Status};
use regex::Regex;

use crate::field::{Field, Kind};

/// One condition.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    /// `payee: REGEX`: the payee conversion would use; a missing payee is
    /// the empty text (as in rules).
    Payee(Regex),
    /// `narration: REGEX`: the narration conversion would use.
    Narration(Regex),
    /// `text: REGEX`: any bank text (names, remittance in all its forms,
    /// additional information).
    Text(Regex),
    /// `iban: IBAN`: the counterparty's IBAN, spaces and case ignored.
    Iban(String),
    /// `amount: "< 0"` and the other forms of rules.
    Amount(AmountCondition),
    /// `currency: EUR`, case ignored.
    Currency(String),
    /// `code: REGEX`: the ISO or the bank's own transaction code.
    Code(Regex),
    /// `field: { PATH: REGEX }`: the record's JSON as received.
    Json(String, Regex),
    /// `remittance: REGEX` and every other bank field by name; a list
    /// field holds when one of its lines matches.
    Field(Field, Regex),
    /// `status: booked|pending`.
    Status(Status),
    /// `missing: [fields]`: all of them absent.
    Missing(Vec<Field>),
    /// `present: [fields]`: all of them present.
    Present(Vec<Field>),
}

/// What the conditions of a step captured.
#[derive(Debug, Default)]
pub(crate) struct Matched {
    /// Per condition, its groups when it has a regex.
    groups: Vec<Option<Vec<Option<String>>>>,
    /// The list field and line the first list condition matched.
    pub(crate) line: Option<(Field, usize)>,
}

impl Matched {
    pub(crate) fn group(&self, condition: usize, group: usize) -> Option<&str> {
        self.groups.get(condition)?.as_ref()?.get(group)?.as_deref()
    }
}

impl Condition {
    /// The condition's regex, for capture references.
    pub(crate) fn regex(&self) -> Option<&Regex> {
        match self {
            Condition::Payee(r)
            | Condition::Narration(r)
            | Condition::Text(r)
            | Condition::Code(r)
            | Condition::Json(_, r)
            | Condition::Field(_, r) => Some(r),
            _ => None,
        }
    }

    /// Whether it matches the lines of a list field.
    pub(crate) fn on_lines(&self) -> bool {
        matches!(self, Condition::Field(f, _) if f.kind() == Kind::Lines)
    }
}

/// Whether all `conditions` hold, and what they captured.
pub(crate) fn check<'a>(
    conditions: &[Condition],
    tx: &BankTransaction,
    raw: &dyn Fn() -> Option<&'a serde_json::Value>,
) -> Option<Matched> {
    let mut m = Matched::default();
    for c in conditions {
        let got: Option<Vec<Option<String>>> = match c {
            Condition::Payee(r) => capture(r, tx.counterparty_name().unwrap_or("")),
            Condition::Narration(r) => capture(r, tx.description().as_deref().unwrap_or("")),
            Condition::Text(r) => texts(tx).find_map(|t| capture(r, t)),
            Condition::Code(r) => [&tx.bank_code, &tx.proprietary_code]
                .into_iter()
                .flatten()
                .find_map(|t| capture(r, t)),
            Condition::Json(path, r) => {
                let value = importer::transaction::field_of(raw()?, path)?;
                capture(r, &value)
            }
            Condition::Field(f, r) if f.kind() == Kind::Lines => {
                let (i, caps) = f
                    .lines(tx)
                    .iter()
                    .enumerate()
                    .find_map(|(i, l)| capture(r, l).map(|c| (i, c)))?;
                if m.line.is_none() {
                    m.line = Some((*f, i));
                }
                Some(caps)
            }
            Condition::Field(f, r) => capture(r, &f.text(tx, " ")?),
            Condition::Iban(want) => {
                let theirs = importer::rules::normalize_iban(tx.counterparty_iban()?);
                if theirs != *want {
                    return None;
                }
                m.groups.push(None);
                continue;
            }
            Condition::Amount(a) => {
                if !a.holds(tx.amount) {
                    return None;
                }
                m.groups.push(None);
                continue;
            }
            Condition::Currency(c) => {
                if !tx.currency.eq_ignore_ascii_case(c) {
                    return None;
                }
                m.groups.push(None);
                continue;
            }
            Condition::Status(s) => {
                if tx.status != *s {
                    return None;
                }
                m.groups.push(None);
                continue;
            }
            Condition::Missing(fields) => {
                if fields.iter().any(|f| f.text(tx, " ").is_some()) {
                    return None;
                }
                m.groups.push(None);
                continue;
            }
            Condition::Present(fields) => {
                if fields.iter().any(|f| f.text(tx, " ").is_none()) {
                    return None;
                }
                m.groups.push(None);
                continue;
            }
        };
        m.groups.push(Some(got?));
    }
    Some(m)
}

/// Every bank text, each on its own: what `text:` looks at.
fn texts(tx: &BankTransaction) -> impl Iterator<Item = &str> {
    [
        &tx.payee,
        &tx.narration,
        &tx.creditor_name,
        &tx.ultimate_creditor,
        &tx.debtor_name,
        &tx.ultimate_debtor,
        &tx.remittance,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .chain(tx.remittance_array.iter().map(String::as_str))
    .chain(tx.remittance_structured.as_deref())
    .chain(tx.remittance_structured_array.iter().map(String::as_str))
    .chain(tx.additional_information.as_deref())
}

fn capture(r: &Regex, text: &str) -> Option<Vec<Option<String>>> {
    let c = r.captures(text)?;
    Some(c.iter().map(|m| m.map(|m| m.as_str().to_owned())).collect())
}
