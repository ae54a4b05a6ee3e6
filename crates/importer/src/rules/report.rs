//! `gc-beancount rules test`: for each transaction of some bank data, which
//! rule matched (or none), what chose the counter account, and the entry
//! that would be written, so rules can be tried without importing.

use std::fmt;

use crate::convert::{AccountOutput, Problem};
use crate::entry::Entry;
use crate::render::render_entry;

use super::{By, Categorized};

/// What `rules test` found, account by account.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One section per configured account that has data, in config order.
    pub accounts: Vec<AccountReport>,
    /// Records that could not be converted, and data for unknown accounts.
    pub problems: Vec<Problem>,
}

/// The transactions of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountReport {
    /// The account's `name`, else its id.
    pub label: String,
    /// Its Beancount account.
    pub account: String,
    /// Its transactions in bank order.
    pub items: Vec<Item>,
}

/// One transaction: the decision and the entry it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The bank's side and the decision.
    pub categorized: Categorized,
    /// The entry as it would be written; `None` when skipped.
    pub entry: Option<String>,
}

/// How many transactions each stage decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// A rule set the account.
    pub rule: usize,
    /// Learned from the ledger.
    pub learned: usize,
    /// A transfer to another own account.
    pub transfer: usize,
    /// The fallback account.
    pub fallback: usize,
    /// Left out by a rule.
    pub skipped: usize,
}

/// The report of converted accounts ([`crate::Run::convert`]: transfers
/// not joined, so that every bank transaction shows on its own), with
/// every decision kept ([`crate::Decisions::All`]): a transaction whose
/// decision was not kept is not in the report.
pub fn test(outputs: &[AccountOutput]) -> Report {
    let mut problems = Vec::new();
    let mut accounts = Vec::new();
    for out in outputs {
        problems.extend(out.problems.iter().cloned());
        let items = out
            .categorized
            .iter()
            .map(|c| Item {
                categorized: c.clone(),
                entry: out
                    .entries
                    .iter()
                    .find(|e| has_id(e, &out.id_key, &c.id))
                    .map(render_entry),
            })
            .collect();
        accounts.push(AccountReport {
            label: out.account.label().to_owned(),
            account: out.account.account.clone(),
            items,
        });
    }
    Report { accounts, problems }
}

fn has_id(e: &Entry, id_key: &str, id: &str) -> bool {
    let Entry::Transaction(t) = e else {
        return false;
    };
    t.postings
        .first()
        .is_some_and(|p| p.meta.iter().any(|(k, v)| k == id_key && v.as_text() == id))
}

impl Report {
    /// How many transactions each stage decided, over all accounts.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for item in self.accounts.iter().flat_map(|a| &a.items) {
            let d = &item.categorized.decision;
            if d.skip {
                c.skipped += 1;
                continue;
            }
            match d.by {
                By::Rule => c.rule += 1,
                By::Learned { .. } => c.learned += 1,
                By::Transfer => c.transfer += 1,
                By::Fallback => c.fallback += 1,
            }
        }
        c
    }
}

/// The report as `rules test` prints it: per transaction, the bank's side,
/// the rule that matched, what chose the account, and the entry.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.accounts {
            writeln!(
                f,
                "== {} ({}): {} transaction(s)",
                a.label,
                a.account,
                a.items.len()
            )?;
            for item in &a.items {
                let c = &item.categorized;
                let d = &c.decision;
                writeln!(f)?;
                write!(
                    f,
                    "{} {} {}",
                    c.date,
                    crate::beancount::format_number(c.amount),
                    c.currency
                )?;
                if let Some(p) = &c.payee {
                    write!(f, " | {}", crate::render::sanitize(p))?;
                }
                if !c.narration.is_empty() {
                    write!(f, " | {}", crate::render::sanitize(&c.narration))?;
                }
                writeln!(f)?;
                match &d.rule {
                    Some(r) => writeln!(f, "  rule: {r}")?,
                    None => writeln!(f, "  rule: none")?,
                }
                if d.skip {
                    writeln!(f, "  skipped")?;
                    continue;
                }
                let account = d.account.as_deref().unwrap_or("(no counter posting)");
                match d.by {
                    By::Rule => writeln!(f, "  account: {account} (rule)")?,
                    By::Learned { confidence, method } => writeln!(
                        f,
                        "  account: {account} (learned from the ledger by {method}, confidence {confidence:.2})"
                    )?,
                    By::Transfer => {
                        writeln!(f, "  account: {account} (transfer between own accounts)")?
                    }
                    By::Fallback => writeln!(f, "  account: {account} (fallback)")?,
                }
                if let Some(e) = &item.entry {
                    for line in e.lines() {
                        writeln!(f, "    {line}")?;
                    }
                }
            }
            writeln!(f)?;
        }
        for p in &self.problems {
            writeln!(f, "problem: {p}")?;
        }
        let c = self.counts();
        writeln!(
            f,
            "{} by rule, {} learned, {} transfer, {} fallback, {} skipped",
            c.rule, c.learned, c.transfer, c.fallback, c.skipped
        )
    }
}
