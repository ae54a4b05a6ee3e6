//! [`Balance`]: what a bank says an account holds, in neutral terms.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One balance a bank reports for an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    /// What the figure counts (booked only, or pending too; closing or
    /// intraday).
    pub kind: BalanceKind,
    /// The figure, with every digit the bank sent.
    pub amount: Decimal,
    /// Its currency, as the bank wrote it (checked when it is asserted).
    pub currency: String,
    /// The day the figure is for, when the bank says.
    pub reference_date: Option<NaiveDate>,
    /// The day the figure last changed, when the bank says instead.
    pub last_change: Option<NaiveDate>,
    /// When it was fetched from the bank, when known: an interim balance is
    /// the balance of that moment, and it is asserted only together with
    /// transactions fetched at the same moment
    /// ([`Statement::fetched_at`](crate::Statement::fetched_at)).
    pub fetched_at: Option<DateTime<Utc>>,
}

/// Which of the balances a bank reports is "the" balance of an account,
/// as the bank's preset says ([`Adjust::balance`](crate::Adjust::balance)):
/// used when the account leaves `balance:` to `auto`.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceChoice {
    /// What to try, best first: the first the bank gives is asserted.
    pub order: Vec<BalancePick>,
    /// Whether the day a figure belongs to is its `last_change` before its
    /// `reference_date` (banks whose reference date is another day).
    pub last_change_first: bool,
    /// Whether the chosen figure's sign is flipped (cards whose
    /// transactions a preset flips).
    pub negate: bool,
    /// Reported balances added to the chosen one, each when reported in
    /// the same currency.
    pub plus: Vec<BalanceKind>,
}

/// One way of choosing a balance, in [`BalanceChoice::order`].
#[derive(Debug, Clone, PartialEq)]
pub enum BalancePick {
    /// A reported balance of this kind.
    Reported(BalanceKind),
    /// The balance the bank puts on each transaction, at the end of the
    /// last booked day.
    AfterTransaction,
    /// Whichever balance the bank lists first.
    FirstListed,
}

/// The kind of a balance, after ISO 20022's balance types (which PSD2
/// APIs use under Berlin Group names such as `closingBooked`, or under
/// their codes such as `CLBD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum BalanceKind {
    /// The booked balance at the end of a day (`CLBD`).
    ClosingBooked,
    /// The booked balance during a day (`ITBD`).
    InterimBooked,
    /// The available balance during a day (`ITAV`): pending counted.
    InterimAvailable,
    /// Booked plus pending (`XPCD`).
    Expected,
    /// The booked balance at the start of a day (`OPBD`).
    OpeningBooked,
    /// What will be available on a later day (`FWAV`).
    ForwardAvailable,
    /// Card spending not yet invoiced.
    NonInvoiced,
    /// The available balance at the end of a day (`CLAV`).
    ClosingAvailable,
    /// The available balance at the start of a day (`OPAV`).
    OpeningAvailable,
    /// The booked balance of the previous statement (`PRCD`).
    PreviouslyClosedBooked,
    /// For information only (`INFO`).
    Information,
    /// No kind given.
    #[default]
    Unknown,
    /// A kind this version does not know, as the bank wrote it.
    Other(String),
}

impl BalanceKind {
    const NAMES: [(BalanceKind, &'static str, &'static str); 11] = [
        (BalanceKind::ClosingBooked, "closingBooked", "CLBD"),
        (BalanceKind::InterimBooked, "interimBooked", "ITBD"),
        (BalanceKind::InterimAvailable, "interimAvailable", "ITAV"),
        (BalanceKind::Expected, "expected", "XPCD"),
        (BalanceKind::OpeningBooked, "openingBooked", "OPBD"),
        (BalanceKind::ForwardAvailable, "forwardAvailable", "FWAV"),
        (BalanceKind::NonInvoiced, "nonInvoiced", "NINV"),
        (BalanceKind::ClosingAvailable, "closingAvailable", "CLAV"),
        (BalanceKind::OpeningAvailable, "openingAvailable", "OPAV"),
        (
            BalanceKind::PreviouslyClosedBooked,
            "previouslyClosedBooked",
            "PRCD",
        ),
        (BalanceKind::Information, "information", "INFO"),
    ];

    /// The Berlin Group name (`closingBooked`), or the text of an unknown
    /// kind.
    pub fn as_str(&self) -> &str {
        match self {
            BalanceKind::Other(s) => s,
            BalanceKind::Unknown => "",
            known => Self::NAMES
                .iter()
                .find(|(t, _, _)| t == known)
                .map(|(_, n, _)| *n)
                .unwrap_or(""),
        }
    }

    /// Reads a Berlin Group name or an ISO 20022 code, in any case.
    ///
    /// ```
    /// use importer::BalanceKind;
    /// assert_eq!(BalanceKind::parse("closingBooked"), BalanceKind::ClosingBooked);
    /// assert_eq!(BalanceKind::parse("CLBD"), BalanceKind::ClosingBooked);
    /// assert_eq!(BalanceKind::parse("odd"), BalanceKind::Other("odd".into()));
    /// ```
    pub fn parse(s: &str) -> BalanceKind {
        let t = s.trim();
        if t.is_empty() {
            return BalanceKind::Unknown;
        }
        Self::NAMES
            .iter()
            .find(|(_, n, code)| n.eq_ignore_ascii_case(t) || code.eq_ignore_ascii_case(t))
            .map(|(b, _, _)| b.clone())
            .unwrap_or_else(|| BalanceKind::Other(t.to_owned()))
    }

    /// Whether the figure counts pending transactions too.
    pub fn includes_pending(&self) -> bool {
        matches!(
            self,
            BalanceKind::Expected
                | BalanceKind::InterimAvailable
                | BalanceKind::ForwardAvailable
                | BalanceKind::ClosingAvailable
                | BalanceKind::OpeningAvailable
        )
    }
}

impl fmt::Display for BalanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BalanceKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        Ok(s.map(|s| BalanceKind::parse(&s)).unwrap_or_default())
    }
}

impl Serialize for BalanceKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
