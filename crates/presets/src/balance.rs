//! Which of the balances a bank reports is "the" balance of an account.

use std::fmt;

/// A preset's `balance:` section: which balance to assert, and how.
///
/// ```yaml
/// balance:
///   use: [balanceAfterTransaction, interimBooked]   # the first the bank gives
///   date: last_change                               # lastChangeDateTime, else referenceDate
/// ```
///
/// Card accounts whose transactions a preset flips may need the balance
/// flipped too (`negate: true`) and another balance added (`plus:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancePreference {
    pub(crate) order: Vec<BalanceKind>,
    pub(crate) date: BalanceDate,
    pub(crate) negate: bool,
    pub(crate) plus: Vec<BalanceKind>,
}

impl BalancePreference {
    /// The balances to try, best first; the first the bank reports (in the
    /// account's currency) is the one to assert.
    pub fn order(&self) -> &[BalanceKind] {
        &self.order
    }

    /// Which date the chosen balance is as of.
    pub fn date(&self) -> BalanceDate {
        self.date
    }

    /// Whether to flip the sign of the chosen balance: the asserted figure
    /// is `(negate ? -chosen : chosen) + sum(plus)`.
    pub fn negate(&self) -> bool {
        self.negate
    }

    /// Reported balances to add to the chosen one (each only when the bank
    /// reports it). Only reported balance types appear here.
    pub fn plus(&self) -> &[BalanceKind] {
        &self.plus
    }

    /// The preference in the importer's terms.
    pub(crate) fn choice(&self) -> importer::BalanceChoice {
        importer::BalanceChoice {
            order: self.order.iter().map(|k| k.pick()).collect(),
            last_change_first: self.date == BalanceDate::LastChange,
            negate: self.negate,
            plus: self
                .plus
                .iter()
                .map(|k| importer::BalanceKind::parse(k.name()))
                .collect(),
        }
    }
}

/// A balance a bank may report, by the GoCardless name of its type, plus
/// two ways of choosing that are not a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BalanceKind {
    /// `closingBooked`: booked balance at the end of a period.
    ClosingBooked,
    /// `interimBooked`: booked balance during the day.
    InterimBooked,
    /// `interimAvailable`: available balance during the day (usually with
    /// pending amounts, on cards often the remaining credit).
    InterimAvailable,
    /// `expected`: booked plus pending.
    Expected,
    /// `openingBooked`: booked balance at the start of a period.
    OpeningBooked,
    /// `forwardAvailable`: available balance at a future date.
    ForwardAvailable,
    /// `nonInvoiced`: card amounts not yet invoiced.
    NonInvoiced,
    /// `closingAvailable`: available balance at the end of a period.
    ClosingAvailable,
    /// `openingAvailable`: available balance at the start of a period.
    OpeningAvailable,
    /// `previouslyClosedBooked`: the closing booked balance of the previous
    /// period.
    PreviouslyClosedBooked,
    /// `information`: a balance for information only (American Express
    /// reports only this one).
    Information,
    /// `balanceAfterTransaction`: not a reported balance but the one the
    /// bank puts on each transaction (the last booked day's end).
    AfterTransaction,
    /// `any`: whichever balance the bank lists first.
    FirstListed,
}

const KINDS: [(BalanceKind, &str); 13] = [
    (BalanceKind::ClosingBooked, "closingBooked"),
    (BalanceKind::InterimBooked, "interimBooked"),
    (BalanceKind::InterimAvailable, "interimAvailable"),
    (BalanceKind::Expected, "expected"),
    (BalanceKind::OpeningBooked, "openingBooked"),
    (BalanceKind::ForwardAvailable, "forwardAvailable"),
    (BalanceKind::NonInvoiced, "nonInvoiced"),
    (BalanceKind::ClosingAvailable, "closingAvailable"),
    (BalanceKind::OpeningAvailable, "openingAvailable"),
    (
        BalanceKind::PreviouslyClosedBooked,
        "previouslyClosedBooked",
    ),
    (BalanceKind::Information, "information"),
    (BalanceKind::AfterTransaction, "balanceAfterTransaction"),
    (BalanceKind::FirstListed, "any"),
];

impl BalanceKind {
    /// The name as written in presets: for a reported balance, its
    /// GoCardless `balanceType` exactly (`gocardless::BalanceType::parse`
    /// reads it back).
    pub fn name(self) -> &'static str {
        // `KINDS` lists the variants in declaration order (tested).
        KINDS[self as usize].1
    }

    /// Whether it is a `balanceType` the bank reports (not
    /// `balanceAfterTransaction` or `any`).
    pub fn is_reported(self) -> bool {
        !matches!(
            self,
            BalanceKind::AfterTransaction | BalanceKind::FirstListed
        )
    }

    /// The way of choosing it in the importer's terms.
    fn pick(self) -> importer::BalancePick {
        match self {
            BalanceKind::AfterTransaction => importer::BalancePick::AfterTransaction,
            BalanceKind::FirstListed => importer::BalancePick::FirstListed,
            reported => {
                importer::BalancePick::Reported(importer::BalanceKind::parse(reported.name()))
            }
        }
    }

    pub(crate) fn parse(s: &str) -> Result<BalanceKind, String> {
        let t = s.trim();
        if let Some((k, _)) = KINDS.iter().find(|(_, n)| n.eq_ignore_ascii_case(t)) {
            return Ok(*k);
        }
        let names: Vec<&str> = KINDS.iter().map(|(_, n)| *n).collect();
        Err(crate::de::unknown("balance type", t, &names))
    }
}

impl fmt::Display for BalanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which date a reported balance is taken as of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BalanceDate {
    /// `reference_date`: the balance's `referenceDate`, else the date of
    /// its `lastChangeDateTime` (the default).
    #[default]
    ReferenceDate,
    /// `last_change`: the date of `lastChangeDateTime`, else
    /// `referenceDate`; for banks whose reference date is not the day the
    /// figure belongs to.
    LastChange,
}

impl BalanceDate {
    pub(crate) fn parse(s: &str) -> Result<BalanceDate, String> {
        match s.trim() {
            "reference_date" => Ok(BalanceDate::ReferenceDate),
            "last_change" => Ok(BalanceDate::LastChange),
            other => Err(crate::de::unknown(
                "balance date",
                other,
                &["reference_date", "last_change"],
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reported_kind_is_one_the_importer_knows() {
        for (k, n) in KINDS.into_iter().filter(|(k, _)| k.is_reported()) {
            match k.pick() {
                importer::BalancePick::Reported(kind) => assert!(
                    !matches!(
                        kind,
                        importer::BalanceKind::Other(_) | importer::BalanceKind::Unknown
                    ),
                    "{n}"
                ),
                other => panic!("{n}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_kind_has_one_name() {
        for (k, n) in KINDS {
            assert_eq!(k.name(), n);
            assert_eq!(BalanceKind::parse(n), Ok(k));
        }
        assert!(BalanceKind::parse("closingbooked").is_ok());
        let err = BalanceKind::parse("interimBoked").unwrap_err();
        assert!(err.contains("did you mean `interimBooked`"), "{err}");
    }
}
