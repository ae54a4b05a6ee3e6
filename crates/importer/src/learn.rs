//! Counter accounts learned from the user's own ledger.
//!
//! Every ledger transaction that posts to a configured account and exactly
//! one other account is an example: "from this account, this payee and these
//! words went to that account". To predict, an exact normalised payee seen
//! before is tried first; then a multinomial naive Bayes classifier over the
//! words of payee and narration (and the direction of the money). A
//! prediction carries a confidence in `0..=1`; the importer uses it only at
//! or above [`LearnConfig::min_confidence`] and flags the posting `!` so the
//! user reviews it (unless `mark: false`).
//!
//! ```
//! use importer::learn::{Example, Model};
//! use rust_decimal::Decimal;
//!
//! let out = Decimal::new(-1250, 2);
//! let examples = (0..3).map(|_| Example {
//!     account: "Assets:Bank",
//!     counter: "Expenses:Food",
//!     payee: Some("TESCO STORES 2345"),
//!     narration: "Card payment",
//!     amount: out,
//! });
//! let model = Model::train(examples, &[]);
//! let p = model.predict("Assets:Bank", Some("Tesco Stores 9876"), "", out).unwrap();
//! assert_eq!(p.account, "Expenses:Food");
//! assert!(p.confidence >= 0.8);
//! ```

mod de;
mod tokens;

use std::fmt;

use foldhash::HashMap;
use rust_decimal::Decimal;

use crate::config::{Config, FallbackAccount};
use crate::ledger::Ledger;

/// The `learn:` config: `learn: { min_confidence: 0.8, mark: true }`.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnConfig {
    /// Whether to learn at all when ledgers are given (`learn: false`, or
    /// `enabled: false`, turns it off).
    pub enabled: bool,
    /// The least confidence (0 to 1) a prediction needs to be used.
    pub min_confidence: f64,
    /// Flag the predicted posting `!` so the user reviews it.
    pub mark: bool,
}

impl Default for LearnConfig {
    fn default() -> Self {
        LearnConfig {
            enabled: true,
            min_confidence: 0.8,
            mark: true,
        }
    }
}

/// One transaction of the ledger to learn from.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    /// The configured account it posts to.
    pub account: &'a str,
    /// The one other account (the answer).
    pub counter: &'a str,
    /// The entry's payee.
    pub payee: Option<&'a str>,
    /// The entry's narration.
    pub narration: &'a str,
    /// The amount posted to `account` (only its sign is used).
    pub amount: Decimal,
}

/// How a prediction was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The same normalised payee was seen before.
    Payee,
    /// The words of payee and narration (naive Bayes).
    Words,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Payee => "payee",
            Method::Words => "words",
        })
    }
}

/// A predicted counter account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction<'m> {
    /// The account.
    pub account: &'m str,
    /// How sure the model is, from 0 to 1.
    pub confidence: f64,
    /// Which part of the model made it.
    pub method: Method,
}

/// What was learned, per configured account.
#[derive(Debug, Clone, Default)]
pub struct Model {
    accounts: HashMap<Box<str>, AccountModel>,
}

/// The evidence for one configured account.
#[derive(Debug, Clone, Default)]
struct AccountModel {
    /// Counter accounts seen; indexes below refer to this list.
    classes: Vec<String>,
    class_index: HashMap<Box<str>, u32>,
    /// Examples per class.
    docs: Vec<u32>,
    /// Word occurrences per class.
    word_total: Vec<u32>,
    /// Normalised payee → (class, count).
    payees: HashMap<u64, Vec<(u32, u32)>>,
    /// Word hash → (class, count).
    words: HashMap<u64, Vec<(u32, u32)>>,
    /// Distinct words seen for this account.
    vocabulary: u32,
}

/// Additive smoothing of word counts. Small, because many classes have few
/// examples and a large value would drown them.
const ALPHA: f64 = 0.1;

/// Pseudo-count added to a payee's total: one unanimous sighting gives
/// 0.67, two 0.8, four 0.89.
const PAYEE_DOUBT: f64 = 0.5;

/// The prior weight of the naive Bayes background class ("an account not
/// seen, or words that say nothing").
const BACKGROUND: f64 = 0.2;

impl Model {
    /// Learns from `examples`. Examples whose counter account is in
    /// `ignore` (the fallback accounts such as `Expenses:Uncategorized`)
    /// teach nothing and are skipped.
    pub fn train<'a>(examples: impl IntoIterator<Item = Example<'a>>, ignore: &[&str]) -> Model {
        let mut model = Model::default();
        let mut buf = Vec::new();
        for ex in examples {
            if ignore.contains(&ex.counter) || ex.account == ex.counter {
                continue;
            }
            let payee = tokens::words(ex.payee, ex.narration, ex.amount, &mut buf);
            let am = match model.accounts.get_mut(ex.account) {
                Some(am) => am,
                None => model.accounts.entry(ex.account.into()).or_default(),
            };
            let class = am.class(ex.counter);
            am.docs[class as usize] += 1;
            if let Some(payee) = payee {
                bump(am.payees.entry(payee).or_default(), class);
            }
            for &w in &buf {
                let counts = am.words.entry(w).or_default();
                if counts.is_empty() {
                    am.vocabulary += 1;
                }
                bump(counts, class);
                am.word_total[class as usize] += 1;
            }
        }
        model
    }

    /// Learns from a ledger ([`ledger_examples`]), for the accounts of
    /// `config`, skipping their fallback accounts
    /// ([`fallback_accounts`]).
    pub fn from_ledger(ledger: &Ledger, config: &Config) -> Model {
        let configured: Vec<&str> = config.accounts.iter().map(|a| a.account.as_str()).collect();
        let ignore = fallback_accounts(config);
        let ignore: Vec<&str> = ignore.iter().map(String::as_str).collect();
        Model::train(ledger_examples(ledger, &configured), &ignore)
    }

    /// How many examples were learned for `account`.
    pub fn examples(&self, account: &str) -> usize {
        self.accounts
            .get(account)
            .map_or(0, |am| am.docs.iter().map(|&d| d as usize).sum())
    }

    /// The most likely counter account for a transaction on `account`, with
    /// its confidence, whatever that is; `None` when nothing was learned for
    /// `account`.
    pub fn predict(
        &self,
        account: &str,
        payee: Option<&str>,
        narration: &str,
        amount: Decimal,
    ) -> Option<Prediction<'_>> {
        let am = self.accounts.get(account)?;
        let mut buf = Vec::new();
        let key = tokens::words(payee, narration, amount, &mut buf);
        let by_payee = key.and_then(|k| am.payees.get(&k)).map(|counts| {
            let total: u32 = counts.iter().map(|c| c.1).sum();
            let (class, top) = counts
                .iter()
                .copied()
                .max_by_key(|&(class, n)| (n, std::cmp::Reverse(class)))
                .expect("a payee entry has a count");
            Prediction {
                account: &am.classes[class as usize],
                confidence: f64::from(top) / (f64::from(total) + PAYEE_DOUBT),
                method: Method::Payee,
            }
        });
        let by_words = am.bayes(&buf);
        match (by_payee, by_words) {
            (Some(p), Some(w)) if w.confidence > p.confidence && w.account != p.account => Some(w),
            (Some(p), _) => Some(p),
            (None, w) => w,
        }
    }

    /// The prediction when its confidence reaches `min_confidence`.
    pub fn suggest(
        &self,
        account: &str,
        payee: Option<&str>,
        narration: &str,
        amount: Decimal,
        min_confidence: f64,
    ) -> Option<Prediction<'_>> {
        self.predict(account, payee, narration, amount)
            .filter(|p| p.confidence >= min_confidence)
    }
}

/// The examples a ledger teaches: every transaction that posts to one of
/// `configured` (Beancount accounts) and exactly one other account. Both
/// accounts may be configured (a transfer): then it teaches both. Skipped:
/// transactions whose counter posting is flagged `!` (a prediction not yet
/// reviewed must not teach itself), and the rest (splits, single postings).
pub fn ledger_examples<'a>(
    ledger: &'a Ledger,
    configured: &'a [&'a str],
) -> impl Iterator<Item = Example<'a>> + 'a {
    ledger.transactions().flat_map(move |t| {
        let mut out: [Option<Example<'a>>; 2] = [None, None];
        let mut postings = t.postings();
        let (Some(first), second) = (postings.next(), postings.next()) else {
            return out.into_iter().flatten();
        };
        let Some(second) = second else {
            return out.into_iter().flatten();
        };
        // More postings are fine when they all repeat the two accounts.
        let two =
            postings.all(|p| p.account() == first.account() || p.account() == second.account());
        if !two || first.account() == second.account() {
            return out.into_iter().flatten();
        }
        for (slot, (own, other)) in out.iter_mut().zip([(first, second), (second, first)]) {
            if !configured.contains(&own.account()) || other.flag() == Some('!') {
                continue;
            }
            let amount = own
                .number()
                .or_else(|| other.number().map(|n| -n))
                .unwrap_or_default();
            *slot = Some(Example {
                account: own.account(),
                counter: other.account(),
                payee: t.payee(),
                narration: t.narration(),
                amount,
            });
        }
        out.into_iter().flatten()
    })
}

/// The counter accounts that teach nothing: each configured account's
/// fallback (`Expenses:Uncategorized` and `Income:Uncategorized` by
/// default).
pub fn fallback_accounts(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &config.accounts {
        let names = match &a.fallback_account {
            FallbackAccount::Uncategorized => vec![
                "Expenses:Uncategorized".to_owned(),
                "Income:Uncategorized".to_owned(),
            ],
            FallbackAccount::Account(x) => vec![x.clone()],
            FallbackAccount::None => Vec::new(),
        };
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn bump(counts: &mut Vec<(u32, u32)>, class: u32) {
    match counts.iter_mut().find(|c| c.0 == class) {
        Some(c) => c.1 += 1,
        None => counts.push((class, 1)),
    }
}

impl AccountModel {
    fn class(&mut self, counter: &str) -> u32 {
        if let Some(&c) = self.class_index.get(counter) {
            return c;
        }
        let c = self.classes.len() as u32;
        self.classes.push(counter.to_owned());
        self.class_index.insert(counter.into(), c);
        self.docs.push(0);
        self.word_total.push(0);
        c
    }

    /// Multinomial naive Bayes over the known words of the query.
    ///
    /// Besides the counter accounts seen, a background class stands for
    /// "none of these": its words follow the account's overall word
    /// frequencies. Words that occur everywhere (`card`, `payment`) then
    /// favour no account, and an account with a single counter account seen
    /// cannot be more than `1 - BACKGROUND` sure; only words typical of an
    /// account make a confident prediction. At least one real word (not
    /// just the direction of the money) must be known.
    fn bayes(&self, words: &[u64]) -> Option<Prediction<'_>> {
        let known: Vec<&Vec<(u32, u32)>> = words.iter().filter_map(|w| self.words.get(w)).collect();
        let real = words
            .iter()
            .any(|w| !tokens::is_direction(*w) && self.words.contains_key(w));
        if !real || self.classes.is_empty() {
            return None;
        }
        let total_docs: f64 = self.docs.iter().map(|&d| f64::from(d)).sum();
        let v = f64::from(self.vocabulary);
        let n = known.len() as f64;
        let mut scores: Vec<f64> = (0..self.classes.len())
            .map(|c| {
                let denom = f64::from(self.word_total[c]) + ALPHA * v;
                ((1.0 - BACKGROUND) * f64::from(self.docs[c]) / total_docs).ln()
                    + n * (ALPHA / denom).ln()
            })
            .collect();
        let all_words: f64 = self.word_total.iter().map(|&t| f64::from(t)).sum();
        let mut background = BACKGROUND.ln();
        for counts in known {
            let mut everywhere = 0.0;
            for &(c, k) in counts {
                scores[c as usize] += ((f64::from(k) + ALPHA) / ALPHA).ln();
                everywhere += f64::from(k);
            }
            background += ((everywhere + ALPHA) / (all_words + ALPHA * v)).ln();
        }
        let best = (0..scores.len())
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
            .expect("at least one class");
        let top = scores[best];
        let sum: f64 = scores
            .iter()
            .chain([&background])
            .map(|s| (s - top).exp())
            .sum();
        Some(Prediction {
            account: &self.classes[best],
            confidence: 1.0 / sum,
            method: Method::Words,
        })
    }
}

#[cfg(test)]
mod tests;
