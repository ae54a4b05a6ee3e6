//! Choosing a transaction's counter account and rule actions, in order of
//! precedence: the account's rules, the global rules, a transfer to another
//! own account (an IBAN match is certain), the account learned from the
//! ledger (a guess), the fallback.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::{AccountConfig, Config};
use crate::convert::{Texts, collapse_whitespace, counter_account};
use crate::entry::{MetaValue, TransactionEntry};
use crate::learn::{LearnConfig, Method, Model};
use crate::transaction::BankTransaction;
use crate::transfer::OwnAccounts;

use super::{AmountCondition, Condition, Scope, Subject, first_match};

/// Everything that categorises: the global rules (each account brings its
/// own), what was learned from the ledger, and the user's own accounts.
#[derive(Debug, Clone, Default)]
pub struct Categorizer {
    /// The top-level `rules:`.
    pub rules: Vec<super::Rule>,
    /// The model learned from the ledger, when ledgers were given.
    pub model: Option<Model>,
    /// The `learn:` settings.
    pub learn: LearnConfig,
    /// The configured accounts' IBANs.
    pub own: OwnAccounts,
}

/// What chose the counter account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum By {
    /// A rule's `account:`.
    Rule,
    /// The model learned from the ledger.
    Learned {
        /// Its confidence, 0 to 1.
        confidence: f64,
        /// How it predicted.
        method: Method,
    },
    /// The counterparty's IBAN is another own account.
    Transfer,
    /// Nothing did: the account's `fallback_account`.
    Fallback,
}

/// The rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// Where it is configured.
    pub scope: Scope,
    /// Its index in that `rules:` list (0-based).
    pub index: usize,
    /// Its `name`, if any.
    pub name: Option<String>,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rule {}", self.scope, self.index + 1)?;
        if let Some(n) = &self.name {
            write!(f, " \"{n}\"")?;
        }
        Ok(())
    }
}

/// The outcome for one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The rule that matched, if any (it may set texts but no account).
    pub rule: Option<RuleRef>,
    /// What chose [`Decision::account`].
    pub by: By,
    /// The counter posting's account; `None` for a single-posting entry
    /// (`fallback_account: none`).
    pub account: Option<String>,
    /// The counter posting's flag: `!` on a learned account (unless
    /// `learn: { mark: false }`).
    pub posting_flag: Option<char>,
    /// Leave the transaction out (a rule's `skip: true`).
    pub skip: bool,
    /// A rule's new payee.
    pub payee: Option<String>,
    /// A rule's new narration.
    pub narration: Option<String>,
    /// A rule's tags.
    pub tags: Vec<String>,
    /// A rule's links.
    pub links: Vec<String>,
    /// A rule's metadata.
    pub metadata: Vec<(String, String)>,
    /// A rule's entry flag.
    pub flag: Option<char>,
}

/// The decision taken for one converted transaction, with what the bank
/// said, by its `gocardless_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Categorized {
    /// The transaction's `gocardless_id`.
    pub id: String,
    /// The entry's date.
    pub date: NaiveDate,
    /// The amount on the bank account.
    pub amount: Decimal,
    /// Its currency.
    pub currency: String,
    /// The bank's payee (the counterparty), whitespace collapsed.
    pub payee: Option<String>,
    /// The bank's narration, whitespace collapsed.
    pub narration: String,
    /// What was decided.
    pub decision: Decision,
}

impl Categorized {
    /// The record of `decision` for `tx`, converted to `entry` under `id`.
    /// Call it before applying the decision's texts to `entry`: its payee
    /// and narration are taken as the bank's.
    pub fn new(
        id: &str,
        tx: &BankTransaction,
        entry: &TransactionEntry,
        decision: Decision,
    ) -> Self {
        Categorized {
            id: id.to_owned(),
            date: entry.date,
            amount: tx.amount,
            currency: tx.currency.clone(),
            payee: entry.payee.clone(),
            narration: entry.narration.clone(),
            decision,
        }
    }
}

impl Categorizer {
    /// The global rules and `learn:` settings of `config`, its accounts as
    /// the user's own (IBANs not known yet); no model.
    pub fn new(config: &Config) -> Categorizer {
        let mut own = OwnAccounts::new();
        for a in &config.accounts {
            own.add_account(&a.account);
        }
        Categorizer {
            rules: config.rules.clone(),
            model: None,
            learn: config.learn.clone(),
            own,
        }
    }

    /// With a model learned from the ledger.
    pub fn with_model(mut self, model: Model) -> Categorizer {
        self.model = Some(model);
        self
    }

    /// With the user's own accounts by IBAN (added to those known).
    pub fn with_own_accounts(mut self, own: OwnAccounts) -> Categorizer {
        self.own.extend(own);
        self
    }

    /// Whether a rule of `account` (its own or global) may skip a
    /// transaction that moves money: then the ledger cannot agree with the
    /// bank's balance. A skip rule whose `amount` condition is exactly 0
    /// moves none.
    pub fn may_skip_money(&self, account: &AccountConfig) -> bool {
        account.rules.iter().chain(&self.rules).any(|r| {
            r.actions.skip
                && !r.conditions.iter().any(
                    |c| matches!(c, Condition::Amount(AmountCondition::Equal(x)) if x.is_zero()),
                )
        })
    }

    /// Decides for `tx`, a transaction of `account`, whose entry's payee and
    /// narration are `texts`.
    pub fn decide(&self, tx: &BankTransaction, texts: &Texts, account: &AccountConfig) -> Decision {
        let mut d = Decision {
            rule: None,
            by: By::Fallback,
            account: None,
            posting_flag: None,
            skip: false,
            payee: None,
            narration: None,
            tags: Vec::new(),
            links: Vec::new(),
            metadata: Vec::new(),
            flag: None,
        };
        let has_rules = !account.rules.is_empty() || !self.rules.is_empty();
        let (payee, narration) = (texts.payee.as_deref(), texts.narration.as_str());
        if has_rules && self.apply_rules(tx, account, payee, narration, &mut d) {
            return d;
        }
        // A counterparty IBAN that is one of the user's own accounts is a
        // fact; a learned category is a guess. So transfers come first.
        if let Some(a) = self.own.counter(&account.account, tx.counterparty_iban()) {
            d.account = Some(a.to_owned());
            d.by = By::Transfer;
            return d;
        }
        if let Some(model) = self.model.as_ref().filter(|_| self.learn.enabled) {
            let payee = d.payee.as_deref().or(payee);
            let narration = d.narration.as_deref().unwrap_or(narration);
            let guess = model.suggest(
                &account.account,
                payee,
                narration,
                tx.amount,
                self.learn.min_confidence,
            );
            if let Some(p) = guess {
                d.account = Some(p.account.to_owned());
                d.by = By::Learned {
                    confidence: p.confidence,
                    method: p.method,
                };
                d.posting_flag = self.learn.mark.then_some('!');
                return d;
            }
        }
        d.account = counter_account(tx, account);
        d
    }

    /// Applies the first matching rule (the account's, then the global
    /// ones) to `d`; true when it set the account, which then is final.
    fn apply_rules(
        &self,
        tx: &BankTransaction,
        account: &AccountConfig,
        payee: Option<&str>,
        narration: &str,
        d: &mut Decision,
    ) -> bool {
        let needs_raw = account
            .rules
            .iter()
            .chain(&self.rules)
            .any(|r| r.needs_raw());
        let raw: Option<serde_json::Value> = needs_raw
            .then(|| serde_json::from_str(&tx.raw).ok())
            .flatten();
        let texts: Vec<&str> = [
            &tx.creditor_name,
            &tx.ultimate_creditor,
            &tx.debtor_name,
            &tx.ultimate_debtor,
            &tx.remittance,
        ]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .chain(tx.remittance_array.iter().map(String::as_str))
        .chain(tx.remittance_structured.as_deref())
        .chain(tx.remittance_structured_array.iter().map(String::as_str))
        .chain(tx.additional_information.as_deref())
        .collect();
        let subject = Subject {
            payee,
            narration,
            texts,
            iban: tx.counterparty_iban(),
            amount: tx.amount,
            currency: &tx.currency,
            account_name: account.name.as_deref(),
            account: &account.account,
            codes: tx
                .bank_code
                .iter()
                .chain(&tx.proprietary_code)
                .map(String::as_str)
                .collect(),
            mcc: tx.mcc.as_deref(),
            raw: raw.as_ref(),
        };
        let Some(m) = first_match(&account.rules, &self.rules, &subject) else {
            return false;
        };
        d.rule = Some(RuleRef {
            scope: m.scope,
            index: m.index,
            name: m.name.map(str::to_owned),
        });
        d.skip = m.skip;
        d.payee = m.payee;
        d.narration = m.narration;
        d.tags = m.tags.to_vec();
        d.links = m.links.to_vec();
        d.metadata = m
            .metadata
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        d.flag = m.flag;
        match m.account {
            Some(a) => {
                d.account = Some(a.to_owned());
                d.by = By::Rule;
                true
            }
            None => false,
        }
    }
}

impl Decision {
    /// Applies the rule's texts to `entry`: payee, narration, tags, links,
    /// metadata (a rule's key replaces the same key set by the account) and
    /// flag. The counter posting is the converter's business.
    pub fn apply(&self, entry: &mut TransactionEntry) {
        if let Some(p) = &self.payee {
            let p = collapse_whitespace(p);
            entry.payee = (!p.is_empty()).then_some(p);
        }
        if let Some(n) = &self.narration {
            entry.narration = collapse_whitespace(n);
        }
        for t in &self.tags {
            if !entry.tags.contains(t) {
                entry.tags.push(t.clone());
            }
        }
        for l in &self.links {
            if !entry.links.contains(l) {
                entry.links.push(l.clone());
            }
        }
        for (k, v) in &self.metadata {
            let value = MetaValue::String(v.clone());
            match entry.meta.iter_mut().find(|(have, _)| have == k) {
                Some(slot) => slot.1 = value,
                None => entry.meta.push((k.clone(), value)),
            }
        }
        if let Some(f) = self.flag {
            entry.flag = f;
        }
    }
}
