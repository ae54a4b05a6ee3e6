//! Categorisation rules from the YAML config: `if:` conditions on a bank
//! transaction, actions that set the counter account, payee, narration,
//! tags, links, metadata and flag, or skip the transaction.
//!
//! ```yaml
//! rules:
//!   - if: { payee: "(?i)tesco|lidl|aldi", amount: "< 0" }
//!     account: Expenses:Food:Groceries
//!     payee: Groceries
//!   - if: { text: "(?i)invoice (\\d+)" }
//!     narration: "Invoice $1"
//! ```
//!
//! Everything is checked when the config loads (regexes, amounts, account
//! names, tags, `$1` references), so matching itself cannot fail. Errors
//! raised while deserialising carry the YAML line and column of the
//! offending value, and an unknown key names the nearest valid one.
//!
//! Values are taken as written: `${VAR}` is not interpolated in rules, since
//! `$` already means a regex anchor and `$1` a capture.
//!
//! A rule matches a [`Subject`], a borrowed view of one bank transaction;
//! [`first_match`] tries the account's own rules, then the global ones, and
//! the first rule whose conditions all hold wins.

mod amount;
mod categorize;
pub(crate) mod de;
pub mod report;
mod template;

use std::fmt;

use regex::Regex;
use rust_decimal::Decimal;

pub use amount::{AmountCondition, AmountConditionError};
pub use categorize::{By, Categorized, Categorizer, Decision, RuleRef};
pub use de::{OneOrMany, Ordered, scalar};
pub use template::Template;

/// One rule: conditions that must all hold, and what to do when they do.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// An optional label, shown by `rules test`.
    pub name: Option<String>,
    /// The `if:` conditions in the order written. Empty matches everything.
    pub conditions: Vec<Condition>,
    /// What the rule does.
    pub actions: Actions,
}

/// One condition of a rule's `if:` map.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `payee: REGEX`: the counterparty's name.
    Payee(Pattern),
    /// `narration: REGEX`: the narration the importer derived.
    Narration(Pattern),
    /// `text: REGEX`: any bank text (names, remittance, additional
    /// information); holds when one of them matches.
    Text(Pattern),
    /// `iban: IBAN`: the counterparty's IBAN, compared without spaces and
    /// case.
    Iban(String),
    /// `amount: "< 0"`, `">= 100"`, `"10..20"` or an exact amount (signed).
    Amount(AmountCondition),
    /// `currency: USD`: the transaction's currency, case-insensitive.
    Currency(String),
    /// `account: NAME`: the configured account, by its `name` or its
    /// Beancount account.
    Account(String),
    /// `code: REGEX`: the bank transaction code or the bank's own code.
    Code(Pattern),
    /// `mcc: REGEX`: the merchant category code.
    Mcc(Pattern),
    /// `field: { PATH: REGEX }`: any field of the transaction's JSON by
    /// dotted path (`currencyExchange.0.sourceCurrency`). One condition per
    /// path.
    Field(String, Pattern),
}

/// A regex checked at load time. It matches anywhere in the text (like
/// hledger's rules): anchor it with `^…$` for a whole-text match.
#[derive(Clone)]
pub struct Pattern(pub Regex);

/// Two patterns are equal when written the same.
impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.0.as_str())
    }
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actions {
    /// The counter posting's account.
    pub account: Option<String>,
    /// A new payee; may use `$1`, `${name}` captures.
    pub payee: Option<Template>,
    /// A new narration; may use captures.
    pub narration: Option<Template>,
    /// Tags added to the entry (without `#`).
    pub tags: Vec<String>,
    /// Links added to the entry (without `^`).
    pub links: Vec<String>,
    /// Metadata added to the entry; values may use captures.
    pub metadata: Vec<(String, Template)>,
    /// The entry's flag (`*`, `!`, or another Beancount flag letter).
    pub flag: Option<char>,
    /// Leave the transaction out of the output.
    pub skip: bool,
}

/// The borrowed facts about one bank transaction that rules look at. The
/// importer fills it from its own transaction type.
#[derive(Debug, Clone, Default)]
pub struct Subject<'a> {
    /// The counterparty's name, as the importer derived the payee.
    pub payee: Option<&'a str>,
    /// The narration the importer derived.
    pub narration: &'a str,
    /// Every bank text: names, remittance, additional information.
    pub texts: Vec<&'a str>,
    /// The counterparty's IBAN.
    pub iban: Option<&'a str>,
    /// The signed amount in the account's currency.
    pub amount: Decimal,
    /// The transaction's currency.
    pub currency: &'a str,
    /// The configured account's `name`, when it has one.
    pub account_name: Option<&'a str>,
    /// The configured account's Beancount account.
    pub account: &'a str,
    /// Bank transaction codes (ISO and proprietary).
    pub codes: Vec<&'a str>,
    /// The merchant category code.
    pub mcc: Option<&'a str>,
    /// The transaction's JSON, for `field:` conditions.
    pub raw: Option<&'a serde_json::Value>,
}

/// Where a matching rule was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// In the account's own `rules:`.
    Account,
    /// In the top-level `rules:`.
    Global,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Account => "account",
            Scope::Global => "global",
        })
    }
}

/// The rule that matched and its actions with captures filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'r> {
    /// Where the rule was configured.
    pub scope: Scope,
    /// Its index (0-based) within that `rules:` list.
    pub index: usize,
    /// Its `name`, if any.
    pub name: Option<&'r str>,
    /// The counter account it sets.
    pub account: Option<&'r str>,
    /// The payee it sets, captures expanded.
    pub payee: Option<String>,
    /// The narration it sets, captures expanded.
    pub narration: Option<String>,
    /// Tags to add.
    pub tags: &'r [String],
    /// Links to add.
    pub links: &'r [String],
    /// Metadata to add, captures expanded.
    pub metadata: Vec<(&'r str, String)>,
    /// The entry flag it sets.
    pub flag: Option<char>,
    /// Whether to leave the transaction out.
    pub skip: bool,
}

impl Match<'_> {
    /// A short label for reports: `account rule 2 "groceries"` (1-based).
    pub fn label(&self) -> String {
        match self.name {
            Some(name) => format!("{} rule {} \"{}\"", self.scope, self.index + 1, name),
            None => format!("{} rule {}", self.scope, self.index + 1),
        }
    }
}

/// Tries `account_rules` then `global_rules`; the first rule whose
/// conditions all hold wins.
pub fn first_match<'r>(
    account_rules: &'r [Rule],
    global_rules: &'r [Rule],
    subject: &Subject<'_>,
) -> Option<Match<'r>> {
    let scoped = account_rules
        .iter()
        .enumerate()
        .map(|(i, r)| (Scope::Account, i, r))
        .chain(
            global_rules
                .iter()
                .enumerate()
                .map(|(i, r)| (Scope::Global, i, r)),
        );
    for (scope, index, rule) in scoped {
        if let Some(m) = rule.apply(subject) {
            return Some(Match { scope, index, ..m });
        }
    }
    None
}

/// The captures of the conditions a rule's templates refer to: one entry
/// per condition, `None` when not needed.
type Captured = Vec<Option<Vec<Option<String>>>>;

impl Rule {
    /// Whether every condition holds for `subject`.
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        self.check(subject, false).is_some()
    }

    /// The rule's actions for `subject` when it matches (scope and index
    /// are filled in by [`first_match`]; here `Global`, 0).
    pub fn apply<'r>(&'r self, subject: &Subject<'_>) -> Option<Match<'r>> {
        let caps = self.check(subject, true)?;
        let a = &self.actions;
        Some(Match {
            scope: Scope::Global,
            index: 0,
            name: self.name.as_deref(),
            account: a.account.as_deref(),
            payee: a.payee.as_ref().map(|t| t.expand(&caps)),
            narration: a.narration.as_ref().map(|t| t.expand(&caps)),
            tags: &a.tags,
            links: &a.links,
            metadata: a
                .metadata
                .iter()
                .map(|(k, t)| (k.as_str(), t.expand(&caps)))
                .collect(),
            flag: a.flag,
            skip: a.skip,
        })
    }

    /// Whether the rule reads `field:` paths (the caller then supplies
    /// [`Subject::raw`]).
    pub fn needs_raw(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| matches!(c, Condition::Field(..)))
    }

    /// The `account:` condition's value, to check it names a configured
    /// account.
    pub fn account_condition(&self) -> Option<&str> {
        self.conditions.iter().find_map(|c| match c {
            Condition::Account(a) => Some(a.as_str()),
            _ => None,
        })
    }

    fn check(&self, s: &Subject<'_>, capture: bool) -> Option<Captured> {
        let mut caps: Captured = Vec::new();
        for (i, cond) in self.conditions.iter().enumerate() {
            let want = capture && self.actions.uses_condition(i);
            let got = match cond {
                Condition::Payee(p) => p.test(s.payee.unwrap_or(""), want),
                Condition::Narration(p) => p.test(s.narration, want),
                Condition::Text(p) => s.texts.iter().find_map(|t| p.test(t, want)),
                Condition::Code(p) => s.codes.iter().find_map(|t| p.test(t, want)),
                Condition::Mcc(p) => s.mcc.and_then(|m| p.test(m, want)),
                Condition::Field(path, p) => {
                    let value = s
                        .raw
                        .and_then(|raw| crate::transaction::field_of(raw, path))?;
                    p.test(&value, want)
                }
                Condition::Iban(iban) => {
                    let theirs = s.iban.map(normalize_iban)?;
                    (theirs == *iban).then_some(None)
                }
                Condition::Amount(a) => a.holds(s.amount).then_some(None),
                Condition::Currency(c) => s.currency.eq_ignore_ascii_case(c).then_some(None),
                Condition::Account(a) => {
                    (s.account == a || s.account_name == Some(a.as_str())).then_some(None)
                }
            };
            caps.push(got?);
        }
        Some(caps)
    }
}

impl Pattern {
    /// `Some(captures)` when the regex matches `text`: the groups when
    /// `want`, else `None` inside.
    fn test(&self, text: &str, want: bool) -> Option<Option<Vec<Option<String>>>> {
        if !want {
            return self.0.is_match(text).then_some(None);
        }
        let c = self.0.captures(text)?;
        Some(Some(
            c.iter().map(|m| m.map(|m| m.as_str().to_owned())).collect(),
        ))
    }
}

impl Actions {
    fn templates(&self) -> impl Iterator<Item = &Template> {
        self.payee
            .iter()
            .chain(self.narration.iter())
            .chain(self.metadata.iter().map(|(_, t)| t))
    }

    fn uses_condition(&self, index: usize) -> bool {
        self.templates().any(|t| t.uses_condition(index))
    }
}

/// Checks that every `account:` condition of `rules` names a configured
/// account (its `name` or its Beancount account), so that a typo does not
/// silently make a rule never match. On failure: the value and a message
/// naming the nearest configured account.
pub fn check_account_conditions(
    rules: &[Rule],
    accounts: &[crate::config::AccountConfig],
) -> Result<(), (String, String)> {
    let known: Vec<&str> = accounts
        .iter()
        .flat_map(|a| a.name.as_deref().into_iter().chain([a.account.as_str()]))
        .collect();
    for (i, rule) in rules.iter().enumerate() {
        let Some(value) = rule.account_condition() else {
            continue;
        };
        if known.contains(&value) {
            continue;
        }
        let hint = match de::suggest(value, &known) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        return Err((
            value.to_owned(),
            format!(
                "rule {}: `account: {value}` names no configured account: {hint}(configured: {})",
                i + 1,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    Ok(())
}

/// An IBAN without spaces, upper case: the form rules and transfers
/// compare.
pub fn normalize_iban(iban: &str) -> String {
    iban.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests;
