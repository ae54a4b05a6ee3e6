//! The `amount:` condition: `< 0`, `>= 100`, `10..20`, or an exact value.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// A test on a transaction's signed amount (money out is negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountCondition {
    /// `< x`
    Less(Decimal),
    /// `<= x`
    AtMost(Decimal),
    /// `> x`
    Greater(Decimal),
    /// `>= x`
    AtLeast(Decimal),
    /// `x` or `= x`: the same value, whatever the scale (`10` = `10.00`).
    Equal(Decimal),
    /// `a..b`: from `a` to `b`, both included.
    Between(Decimal, Decimal),
}

impl AmountCondition {
    /// Whether `amount` satisfies the condition.
    pub fn holds(&self, amount: Decimal) -> bool {
        match *self {
            AmountCondition::Less(x) => amount < x,
            AmountCondition::AtMost(x) => amount <= x,
            AmountCondition::Greater(x) => amount > x,
            AmountCondition::AtLeast(x) => amount >= x,
            AmountCondition::Equal(x) => amount == x,
            AmountCondition::Between(a, b) => a <= amount && amount <= b,
        }
    }
}

/// Why an `amount:` condition could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid amount condition `{0}`: expected `< 0`, `<= 0`, `> 1000`, `>= 100`, `10..20` (both ends included) or an exact amount such as `-12.50`"
)]
pub struct AmountConditionError(pub String);

impl FromStr for AmountCondition {
    type Err = AmountConditionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || AmountConditionError(s.to_owned());
        let num = |t: &str| Decimal::from_str(t.trim()).map_err(|_| err());
        let t = s.trim();
        let cond = if let Some(r) = t.strip_prefix("<=") {
            AmountCondition::AtMost(num(r)?)
        } else if let Some(r) = t.strip_prefix(">=") {
            AmountCondition::AtLeast(num(r)?)
        } else if let Some(r) = t.strip_prefix('<') {
            AmountCondition::Less(num(r)?)
        } else if let Some(r) = t.strip_prefix('>') {
            AmountCondition::Greater(num(r)?)
        } else if let Some(r) = t.strip_prefix("==").or_else(|| t.strip_prefix('=')) {
            AmountCondition::Equal(num(r)?)
        } else if let Some((a, b)) = t.split_once("..") {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(err());
            }
            AmountCondition::Between(a, b)
        } else {
            AmountCondition::Equal(num(t)?)
        };
        Ok(cond)
    }
}

impl fmt::Display for AmountCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountCondition::Less(x) => write!(f, "< {x}"),
            AmountCondition::AtMost(x) => write!(f, "<= {x}"),
            AmountCondition::Greater(x) => write!(f, "> {x}"),
            AmountCondition::AtLeast(x) => write!(f, ">= {x}"),
            AmountCondition::Equal(x) => write!(f, "{x}"),
            AmountCondition::Between(a, b) => write!(f, "{a}..{b}"),
        }
    }
}
