//! The plan: what to push to each source account now, what not and why,
//! and what changed in the ledger after it was pushed.
//!
//! The targets' rules (Xero's, which Codat applies to every platform):
//! transactions go in date order, none dated before the newest one
//! already on the account, none in the future, none more than a year old,
//! none before the feed start date the company chose. A transaction not
//! yet cleared waits, and so does every one after it, since pushing them
//! first would leave it behind the newest pushed date for good.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Error;
use crate::feed::{AccountFeed, EntryKind, Feed, FeedEntry, FeedPosting, LedgerLocation};
use crate::log::{PushLog, PushState, PushedRecord};
use crate::model::{BankTransaction, MAX_TRANSACTIONS_PER_PUSH, SourceAccount};

/// The day an export runs for, and how far back it may go.
///
/// ```
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let rules = codat::Rules::new(d("2026-11-20")).since(d("2026-10-01"));
/// assert_eq!(rules.since, Some(d("2026-10-01")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Today, in the user's time zone: later transactions wait, and the
    /// year the targets accept ends here.
    pub today: NaiveDate,
    /// Nothing dated before it is pushed (`--since`): earlier
    /// transactions make up the opening balance. Applies on top of the
    /// targets' rules.
    pub since: Option<NaiveDate>,
}

impl Rules {
    /// The targets' rules as of `today`.
    pub fn new(today: NaiveDate) -> Rules {
        Rules { today, since: None }
    }

    /// The same rules, pushing nothing dated before `date`.
    pub fn since(self, date: NaiveDate) -> Rules {
        Rules {
            since: Some(date),
            ..self
        }
    }
}

/// What an export would do now, for every exported account. Serialises to
/// the JSON `--dry-run --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The rules applied.
    pub rules: Rules,
    /// One per exported account, in the order of the settings.
    pub accounts: Vec<AccountPlan>,
}

impl Plan {
    /// The plan of every account of `feed`, given what `log` says was
    /// pushed and the source accounts Codat has (empty when not asked,
    /// e.g. offline: then no feed start date applies).
    ///
    /// # Errors
    /// [`Error::Store`] when the log cannot be read.
    pub fn build<L: PushLog>(
        feed: &Feed,
        log: &L,
        rules: Rules,
        targets: &[SourceAccount],
    ) -> Result<Plan, Error> {
        let mut accounts = Vec::new();
        for a in &feed.accounts {
            let id = &a.settings.source_account_id;
            let state = log.state(id).map_err(|e| Error::store(id, e))?;
            let target = targets.iter().find(|t| &t.id == id);
            accounts.push(AccountPlan::build(a, &state, rules, target));
        }
        Ok(Plan { rules, accounts })
    }

    /// Whether nothing needs the user: no exclusion but those the rules
    /// make or that wait, no change after a push, no account that cannot
    /// be exported.
    pub fn is_clean(&self) -> bool {
        self.accounts.iter().all(AccountPlan::is_clean)
    }
}

/// What to do for one exported account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountPlan {
    /// The Beancount account.
    pub account: String,
    /// Its source account in Codat.
    pub source_account_id: String,
    /// Its currency, when known.
    pub currency: Option<String>,
    /// Why it cannot be exported at all, when it cannot.
    pub problem: Option<String>,
    /// What to push, oldest first, with the balance after each.
    pub push: Vec<PlannedTransaction>,
    /// The balance before the first transaction to push: what a new
    /// source account is created with.
    pub opening_balance: Option<Decimal>,
    /// The balance after the last entry dated today or earlier.
    pub balance: Decimal,
    /// Ledger transactions already pushed.
    pub already_pushed: usize,
    /// Ledger transactions pushed whose outcome is not known yet.
    pub in_flight: usize,
    /// Transactions before the first one pushed that the rules leave out:
    /// they are in the opening balance.
    pub history: Option<History>,
    /// Transactions not pushed now, each with its reason, in ledger order.
    pub excluded: Vec<Exclusion>,
    /// Transactions changed or deleted in the ledger after they were
    /// pushed.
    pub changed: Vec<Changed>,
    /// What else the user should know.
    pub notices: Vec<Notice>,
}

/// A transaction to push.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedTransaction {
    /// Its id in the feed.
    pub id: String,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount: positive in, negative out.
    pub amount: Decimal,
    /// The account's balance after it.
    pub balance: Decimal,
    /// What the statement line says.
    pub description: String,
    /// The payee.
    pub counterparty: Option<String>,
    /// Where it is in the ledger.
    pub location: LedgerLocation,
    /// The hash of its content, kept to tell later edits.
    pub content_hash: String,
}

impl PlannedTransaction {
    fn new(entry: &FeedEntry, posting: &FeedPosting) -> PlannedTransaction {
        PlannedTransaction {
            id: posting.id.clone(),
            date: entry.date,
            amount: entry.amount,
            balance: entry.balance,
            description: posting.description.clone(),
            counterparty: posting.payee.clone(),
            location: entry.location.clone(),
            content_hash: posting.content_hash.clone(),
        }
    }

    /// The transaction as pushed.
    pub fn bank_transaction(&self) -> BankTransaction {
        let t = BankTransaction::new(&*self.id, self.date, self.amount, Some(self.balance))
            .description(&*self.description);
        match &self.counterparty {
            Some(c) => t.counterparty(&**c),
            None => t,
        }
    }

    /// What the log keeps of it once pushed.
    pub fn record(&self) -> PushedRecord {
        PushedRecord {
            id: self.id.clone(),
            content_hash: self.content_hash.clone(),
            date: self.date,
            amount: self.amount,
            balance: self.balance,
            description: self.description.clone(),
            counterparty: self.counterparty.clone(),
            location: self.location.to_string(),
        }
    }
}

/// Transactions before the first one pushed that the rules leave out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// How many.
    pub transactions: usize,
    /// The date of the first.
    pub from: NaiveDate,
    /// The date of the last.
    pub through: NaiveDate,
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} earlier transactions ({} to {}) are not pushed: they are more than a year old, \
             before the feed start date, before the first transaction pushed or in another \
             currency; those in the account's currency make up the opening balance",
            self.transactions, self.from, self.through
        )
    }
}

/// A ledger transaction not pushed now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    /// Its id in the feed, when it has one.
    pub id: Option<String>,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount, when known.
    pub amount: Option<Decimal>,
    /// The currency of the amount.
    pub currency: String,
    /// What it is (payee and narration).
    pub description: String,
    /// Where it is in the ledger.
    pub location: LedgerLocation,
    /// Why it is not pushed.
    pub reason: Reason,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {:?}", self.location, self.date, self.description)?;
        if let Some(a) = self.amount {
            write!(f, " {a} {}", self.currency)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a transaction is not pushed now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Not cleared (`!` or another flag than `*`): it waits.
    Pending {
        /// Its flag.
        flag: char,
    },
    /// After a transaction that is not cleared: it waits for that one.
    HeldBack {
        /// The transaction waited for.
        pending: LedgerLocation,
    },
    /// Dated after today: it waits for its date.
    Future,
    /// More than a year old: the targets refuse it.
    TooOld {
        /// The oldest date accepted.
        limit: NaiveDate,
    },
    /// Before the feed start date the company chose: the target refuses
    /// it.
    BeforeFeedStart {
        /// The feed start date.
        feed_start: NaiveDate,
    },
    /// Before the date the export was asked to start from (`--since`).
    BeforeSince {
        /// That date.
        since: NaiveDate,
    },
    /// Dated before the newest transaction already pushed: the target
    /// refuses it.
    Backdated {
        /// The date of the newest pushed transaction.
        newest_pushed: NaiveDate,
    },
    /// In another currency than the account's.
    OtherCurrency {
        /// The account's currency.
        account_currency: String,
    },
    /// Its id is that of an earlier posting of the account.
    DuplicateId {
        /// The earlier posting.
        first: LedgerLocation,
    },
    /// Its amount is not written and cannot be computed, so no balance
    /// after it is known: it and everything after it wait.
    UnknownAmount {
        /// Why it cannot be computed.
        why: String,
        /// How many later postings of the account wait with it.
        later: usize,
    },
    /// A `pad` whose amount depends on a posting whose amount cannot be
    /// computed: it and everything after it wait.
    UnknownPad {
        /// The posting without an amount.
        posting: LedgerLocation,
        /// How many later postings of the account wait with it.
        later: usize,
    },
}

/// What an [`Exclusion`] asks of the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionKind {
    /// Nothing: it is pushed by a later run.
    Waiting,
    /// Nothing the feed can do: the targets' rules leave it out; enter it
    /// by hand in the accounting package if it belongs there.
    Rule,
    /// A fix in the ledger.
    Problem,
}

impl Reason {
    /// What it asks of the user.
    pub fn kind(&self) -> ExclusionKind {
        match self {
            Reason::Pending { .. } | Reason::HeldBack { .. } | Reason::Future => {
                ExclusionKind::Waiting
            }
            Reason::TooOld { .. }
            | Reason::BeforeFeedStart { .. }
            | Reason::BeforeSince { .. }
            | Reason::Backdated { .. }
            | Reason::OtherCurrency { .. } => ExclusionKind::Rule,
            Reason::DuplicateId { .. }
            | Reason::UnknownAmount { .. }
            | Reason::UnknownPad { .. } => ExclusionKind::Problem,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Pending { flag } => write!(
                f,
                "not cleared (flag {flag}): it is pushed once it is marked `*`"
            ),
            Reason::HeldBack { pending } => write!(
                f,
                "waits for the transaction at {pending}, which is not cleared: the feed goes in \
                 date order and cannot go back to it"
            ),
            Reason::Future => {
                f.write_str("dated in the future: it is pushed once its date has come")
            }
            Reason::TooOld { limit } => write!(
                f,
                "more than a year old (before {limit}): the accounting packages refuse it; \
                 enter it by hand there if it belongs in the books"
            ),
            Reason::BeforeFeedStart { feed_start } => write!(
                f,
                "before the feed start date {feed_start} chosen when the feed was connected: the \
                 accounting package refuses it; enter it by hand there if it belongs in the books"
            ),
            Reason::BeforeSince { since } => write!(
                f,
                "before {since}, the date the export starts from: it is in the opening balance"
            ),
            Reason::Backdated { newest_pushed } => write!(
                f,
                "dated before {newest_pushed}, the newest transaction already pushed: the feed \
                 cannot go back; enter it by hand in the accounting package (its balance there \
                 is off by its amount until then)"
            ),
            Reason::OtherCurrency { account_currency } => write!(
                f,
                "not in {account_currency}, the account's currency: a source account has one \
                 currency; enter it by hand in the accounting package if it belongs there"
            ),
            Reason::DuplicateId { first } => write!(
                f,
                "its importer id is also on the posting at {first}: a feed needs one id per \
                 transaction; remove the duplicate from the ledger"
            ),
            Reason::UnknownAmount { why, later } => write!(
                f,
                "its amount on this account is not written and cannot be computed ({why}), so \
                 no balance after it is known: write the amount; until then it and the {later} \
                 later postings of the account wait"
            ),
            Reason::UnknownPad { posting, later } => write!(
                f,
                "the pad's amount depends on the posting at {posting}, whose amount is not \
                 written and cannot be computed: write it; until then the {later} later \
                 postings of the account wait"
            ),
        }
    }
}

/// A transaction changed or deleted in the ledger after it was pushed.
/// The feed has no update or delete: it is never pushed again, and the
/// accounting package keeps what was pushed until the user corrects it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    /// What was pushed.
    pub pushed: PushedRecord,
    /// What the ledger says now; `None` when it is gone.
    pub now: Option<PlannedTransaction>,
}

impl Changed {
    /// Whether only the text changed (date and amount as pushed).
    pub fn text_only(&self) -> bool {
        self.now
            .as_ref()
            .is_some_and(|n| n.date == self.pushed.date && n.amount == self.pushed.amount)
    }
}

impl fmt::Display for Changed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.pushed;
        let was = format!("{} {} {:?}", p.date, p.amount, p.description);
        match &self.now {
            None => write!(
                f,
                "transaction {} ({was}), pushed from {}, is no longer in the ledger: a bank feed \
                 cannot delete it; delete that statement line in the accounting package (or \
                 reverse it there if it is reconciled)",
                p.id, p.location
            ),
            Some(n) if self.text_only() => write!(
                f,
                "{}: transaction {} ({was}) was changed after it was pushed (now {:?}): the \
                 accounting package keeps the text pushed; change it there if it matters",
                n.location, p.id, n.description
            ),
            Some(n) => write!(
                f,
                "{}: transaction {} ({was}) was changed after it was pushed (now {} {} {:?}): \
                 a bank feed cannot change it and it is not pushed again; correct that \
                 statement line in the accounting package, or delete it there and enter the \
                 transaction by hand",
                n.location, p.id, n.date, n.amount, n.description
            ),
        }
    }
}

/// Something else the user should know about an account's feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// A `pad` or an opening entry changes the balance between pushed
    /// transactions: the statement balance in the accounting package
    /// differs from the sum of its lines by that much.
    BalanceJump {
        /// Its date.
        date: NaiveDate,
        /// The change.
        amount: Decimal,
        /// Where it is.
        location: LedgerLocation,
    },
    /// The ledger's balance after the newest pushed transaction is not the
    /// one pushed: something before it was added, changed or deleted
    /// since.
    BalanceDiffers {
        /// The transaction.
        id: String,
        /// Its date.
        date: NaiveDate,
        /// The balance pushed with it.
        pushed: Decimal,
        /// The balance the ledger gives now.
        ledger: Decimal,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::BalanceJump {
                date,
                amount,
                location,
            } => write!(
                f,
                "{location}: the balance changes by {amount} on {date} without a transaction \
                 to push (a pad or opening entry): the accounting package's statement balance \
                 will differ from the sum of its lines by that; record an adjustment there"
            ),
            Notice::BalanceDiffers {
                id,
                date,
                pushed,
                ledger,
            } => write!(
                f,
                "transaction {id} of {date} was pushed with the balance {pushed}, the ledger \
                 now gives {ledger}: something before it was added, changed or deleted since; \
                 the accounting package's statement balance differs by {}",
                ledger - pushed
            ),
        }
    }
}

impl AccountPlan {
    /// The plan of one account: `feed` checked against what was pushed
    /// (`state`) and `rules`, with the feed start date of `target` when
    /// Codat was asked.
    pub fn build(
        feed: &AccountFeed,
        state: &PushState,
        rules: Rules,
        target: Option<&SourceAccount>,
    ) -> AccountPlan {
        Builder::new(feed, state, rules, target).build()
    }

    /// The batches to push, oldest first, each at most
    /// [`MAX_TRANSACTIONS_PER_PUSH`].
    pub fn batches(&self) -> impl Iterator<Item = &[PlannedTransaction]> {
        self.push.chunks(MAX_TRANSACTIONS_PER_PUSH)
    }

    /// Whether nothing needs the user (see [`Plan::is_clean`]).
    pub fn is_clean(&self) -> bool {
        self.problem.is_none()
            && self.changed.is_empty()
            && self
                .excluded
                .iter()
                .all(|e| e.reason.kind() != ExclusionKind::Problem)
    }
}

struct Builder<'a> {
    feed: &'a AccountFeed,
    today: NaiveDate,
    year_ago: NaiveDate,
    feed_start: Option<NaiveDate>,
    since: Option<NaiveDate>,
    /// Pushed and in-flight records by id, with whether in flight.
    pushed: HashMap<&'a str, (&'a PushedRecord, bool)>,
    newest_pushed: Option<NaiveDate>,
}

/// What became of an entry.
enum Fate {
    Pushed,
    Planned,
    Excluded,
    Changed,
    Balance,
}

impl<'a> Builder<'a> {
    fn new(
        feed: &'a AccountFeed,
        state: &'a PushState,
        rules: Rules,
        target: Option<&SourceAccount>,
    ) -> Builder<'a> {
        let today = rules.today;
        let mut pushed = HashMap::new();
        for r in &state.pushed {
            pushed.insert(r.id.as_str(), (r, false));
        }
        for batch in &state.in_flight {
            for r in &batch.records {
                pushed.insert(r.id.as_str(), (r, true));
            }
        }
        let newest_pushed = pushed.values().map(|(r, _)| r.date).max();
        Builder {
            feed,
            today,
            year_ago: today.checked_sub_months(Months::new(12)).unwrap_or(today),
            feed_start: target.and_then(|t| t.feed_start_date),
            since: rules.since,
            pushed,
            newest_pushed,
        }
    }

    fn build(self) -> AccountPlan {
        let feed = self.feed;
        let mut plan = AccountPlan {
            account: feed.settings.account.clone(),
            source_account_id: feed.settings.source_account_id.clone(),
            currency: feed.currency.clone(),
            problem: feed.problem.clone(),
            push: Vec::new(),
            opening_balance: None,
            balance: feed
                .entries
                .iter()
                .rev()
                .find(|e| e.date <= self.today)
                .map_or(Decimal::ZERO, |e| e.balance),
            already_pushed: 0,
            in_flight: 0,
            history: None,
            excluded: Vec::new(),
            changed: Vec::new(),
            notices: Vec::new(),
        };
        let present: HashSet<&str> = feed
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Posting(p) => Some(p.id.as_str()),
                _ => None,
            })
            .collect();
        // Pushed records gone from the ledger, some of which an edit
        // explains (a new id: its content hash changed).
        let mut gone: Vec<&PushedRecord> = self
            .pushed
            .values()
            .filter(|(r, _)| !present.contains(r.id.as_str()))
            .map(|(r, _)| *r)
            .collect();
        gone.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let mut paired = vec![false; gone.len()];
        let mut first_of: HashMap<&str, &LedgerLocation> = HashMap::new();
        let mut held_by: Option<&LedgerLocation> = None;
        let mut fates = Vec::with_capacity(feed.entries.len());
        let mut newest_present: Option<(&FeedEntry, &PushedRecord)> = None;
        for entry in &feed.entries {
            let EntryKind::Posting(posting) = &entry.kind else {
                fates.push(Fate::Balance);
                continue;
            };
            if let Some(first) = first_of.get(posting.id.as_str()) {
                plan.excluded.push(exclusion(
                    entry,
                    posting,
                    feed,
                    Reason::DuplicateId {
                        first: (*first).clone(),
                    },
                ));
                fates.push(Fate::Excluded);
                continue;
            }
            first_of.insert(&posting.id, &entry.location);
            if let Some((record, in_flight)) = self.pushed.get(posting.id.as_str()) {
                if *in_flight {
                    plan.in_flight += 1;
                } else {
                    plan.already_pushed += 1;
                }
                if posting.importer_id && record.content_hash != posting.content_hash {
                    plan.changed.push(Changed {
                        pushed: (*record).clone(),
                        now: Some(PlannedTransaction::new(entry, posting)),
                    });
                }
                newest_present = Some((entry, record));
                fates.push(Fate::Pushed);
                continue;
            }
            let planned = PlannedTransaction::new(entry, posting);
            if self.newest_pushed.is_some_and(|n| entry.date <= n)
                && let Some(i) = gone
                    .iter()
                    .zip(&paired)
                    .position(|(g, p)| !p && same_transaction(g, &planned))
            {
                paired[i] = true;
                plan.changed.push(Changed {
                    pushed: gone[i].clone(),
                    now: Some(planned),
                });
                fates.push(Fate::Changed);
                continue;
            }
            let reason = if posting.is_cleared() {
                self.rule(entry.date).or_else(|| {
                    held_by.map(|pending| Reason::HeldBack {
                        pending: pending.clone(),
                    })
                })
            } else {
                let rule = self.rule(entry.date);
                if rule.as_ref().is_none_or(|r| *r == Reason::Future) {
                    held_by.get_or_insert(&entry.location);
                }
                match rule {
                    Some(r) if r != Reason::Future => Some(r),
                    _ => Some(Reason::Pending { flag: posting.flag }),
                }
            };
            match reason {
                Some(reason) => {
                    plan.excluded.push(exclusion(entry, posting, feed, reason));
                    fates.push(Fate::Excluded);
                }
                None => {
                    plan.push.push(planned);
                    fates.push(Fate::Planned);
                }
            }
        }
        for (g, p) in gone.into_iter().zip(paired) {
            if !p {
                plan.changed.push(Changed {
                    pushed: g.clone(),
                    now: None,
                });
            }
        }
        if let Some((entry, record)) = newest_present
            && entry.balance != record.balance
        {
            plan.notices.push(Notice::BalanceDiffers {
                id: record.id.clone(),
                date: record.date,
                pushed: record.balance,
                ledger: entry.balance,
            });
        }
        self.balance_jumps(&mut plan, &fates);
        plan.excluded.extend(feed.left_out.iter().cloned());
        self.history(&mut plan, &fates);
        plan.excluded
            .sort_by(|a, b| (a.date, &a.location).cmp(&(b.date, &b.location)));
        plan.opening_balance = plan.push.first().map(|t| t.balance - t.amount);
        plan
    }

    /// The rule of the targets that leaves out a transaction of `date`.
    fn rule(&self, date: NaiveDate) -> Option<Reason> {
        if date > self.today {
            Some(Reason::Future)
        } else if date < self.year_ago {
            Some(Reason::TooOld {
                limit: self.year_ago,
            })
        } else if let Some(start) = self.feed_start.filter(|s| date < *s) {
            Some(Reason::BeforeFeedStart { feed_start: start })
        } else if let Some(since) = self.since.filter(|s| date < *s) {
            Some(Reason::BeforeSince { since })
        } else {
            self.newest_pushed
                .filter(|n| date < *n)
                .map(|n| Reason::Backdated { newest_pushed: n })
        }
    }

    /// Pads and opening entries between what was pushed (or is planned
    /// first) and the last planned transaction.
    fn balance_jumps(&self, plan: &mut AccountPlan, fates: &[Fate]) {
        let Some(last) = fates.iter().rposition(|f| matches!(f, Fate::Planned)) else {
            return;
        };
        let anchor = fates
            .iter()
            .rposition(|f| matches!(f, Fate::Pushed))
            .filter(|&p| p < last)
            .or_else(|| fates.iter().position(|f| matches!(f, Fate::Planned)))
            .unwrap_or(last);
        for (entry, fate) in self
            .feed
            .entries
            .iter()
            .zip(fates)
            .take(last)
            .skip(anchor + 1)
        {
            if matches!(fate, Fate::Balance) && !entry.amount.is_zero() {
                plan.notices.push(Notice::BalanceJump {
                    date: entry.date,
                    amount: entry.amount,
                    location: entry.location.clone(),
                });
            }
        }
    }

    /// Folds the rule exclusions dated before the first pushed or planned
    /// transaction into [`History`].
    fn history(&self, plan: &mut AccountPlan, fates: &[Fate]) {
        let Some(start) = self
            .feed
            .entries
            .iter()
            .zip(fates)
            .find(|(_, f)| matches!(f, Fate::Pushed | Fate::Planned))
            .map(|(e, _)| e.date)
        else {
            return;
        };
        let (before, after): (Vec<Exclusion>, Vec<Exclusion>) = std::mem::take(&mut plan.excluded)
            .into_iter()
            .partition(|e| {
                e.date < start
                    && matches!(
                        e.reason,
                        Reason::TooOld { .. }
                            | Reason::BeforeFeedStart { .. }
                            | Reason::BeforeSince { .. }
                            | Reason::Backdated { .. }
                            | Reason::OtherCurrency { .. }
                    )
            });
        plan.excluded = after;
        let dates = before.iter().map(|e| e.date);
        if let (Some(from), Some(through)) = (dates.clone().min(), dates.max()) {
            plan.history = Some(History {
                transactions: before.len(),
                from,
                through,
            });
        }
    }
}

/// Whether a pushed record gone from the ledger and a new transaction are
/// the same one edited: two of date, amount and description agree.
fn same_transaction(pushed: &PushedRecord, now: &PlannedTransaction) -> bool {
    let agree = [
        pushed.date == now.date,
        pushed.amount == now.amount,
        pushed.description == now.description,
    ];
    agree.iter().filter(|a| **a).count() >= 2
}

fn exclusion(
    entry: &FeedEntry,
    posting: &FeedPosting,
    feed: &AccountFeed,
    reason: Reason,
) -> Exclusion {
    Exclusion {
        id: Some(posting.id.clone()),
        date: entry.date,
        amount: Some(entry.amount),
        currency: feed.currency.clone().unwrap_or_default(),
        description: posting.description.clone(),
        location: entry.location.clone(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use importer::ledger::{Ledger, LedgerOptions};

    use super::*;
    use crate::log::InFlight;
    use crate::settings::ExportAccount;
    use crate::{AccountType, IdempotencyKey};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const TODAY: &str = "2026-11-20";

    fn feed(text: &str) -> AccountFeed {
        let ledger = Ledger::from_source(
            Path::new("main.bean"),
            text,
            &LedgerOptions {
                id_keys: vec!["gocardless_id".into()],
            },
        )
        .unwrap();
        let account = ExportAccount {
            account: "Assets:Bank".into(),
            source_account_id: "bank".into(),
            account_type: AccountType::Checking,
            name: "Bank".into(),
            account_number: "1234".into(),
            currency: Some("EUR".into()),
        };
        Feed::read(&ledger, &[account]).accounts.remove(0)
    }

    fn plan(text: &str, state: &PushState) -> AccountPlan {
        AccountPlan::build(&feed(text), state, Rules::new(date(TODAY)), None)
    }

    fn target(feed_start: &str) -> SourceAccount {
        serde_json::from_value(serde_json::json!({
            "id": "bank", "status": "connected", "feedStartDate": format!("{feed_start}T00:00:00")
        }))
        .unwrap()
    }

    /// The state after pushing all of `plan`.
    fn pushed(plan: &AccountPlan, mut state: PushState) -> PushState {
        state
            .pushed
            .extend(plan.push.iter().map(PlannedTransaction::record));
        state
    }

    fn tx(date: &str, flag: &str, narration: &str, amount: &str) -> String {
        format!("{date} {flag} \"{narration}\"\n  Assets:Bank  {amount} EUR\n  Expenses:X\n\n")
    }

    fn narrations(push: &[PlannedTransaction]) -> Vec<&str> {
        push.iter().map(|t| t.description.as_str()).collect()
    }

    fn reasons(plan: &AccountPlan) -> Vec<(&str, &Reason)> {
        plan.excluded
            .iter()
            .map(|e| (e.description.as_str(), &e.reason))
            .collect()
    }

    fn ledger() -> String {
        [
            tx("2025-06-01", "*", "old", "100.00"),
            tx("2025-11-19", "*", "old2", "-10.00"),
            tx("2025-11-20", "*", "first", "-1.00"),
            tx("2026-03-01", "*", "second", "-2.00"),
            tx("2026-05-01", "!", "pending", "-3.00"),
            tx("2026-05-02", "*", "held", "-4.00"),
            tx("2026-12-01", "*", "future", "-5.00"),
        ]
        .concat()
    }

    #[test]
    fn the_rules_decide_what_goes_and_a_pending_one_holds_back_the_rest() {
        let p = plan(&ledger(), &PushState::default());
        assert_eq!(narrations(&p.push), ["first", "second"]);
        assert_eq!(p.opening_balance, Some(d("90.00")));
        assert_eq!(p.push[1].balance, d("87.00"));
        assert_eq!(p.balance, d("80.00"));
        let pending = LedgerLocation {
            file: "main.bean".into(),
            line: 17,
        };
        assert_eq!(
            reasons(&p),
            [
                ("pending", &Reason::Pending { flag: '!' }),
                ("held", &Reason::HeldBack { pending }),
                ("future", &Reason::Future),
            ]
        );
        assert_eq!(
            p.history,
            Some(History {
                transactions: 2,
                from: date("2025-06-01"),
                through: date("2025-11-19"),
            })
        );
        assert!(p.is_clean());
        let held = p.excluded[1].to_string();
        assert!(held.starts_with("main.bean:21: 2026-05-02 \"held\" -4.00 EUR: waits for the transaction at main.bean:17"), "{held}");

        // The feed start date chosen in the accounting package applies.
        let p = AccountPlan::build(
            &feed(&ledger()),
            &PushState::default(),
            Rules::new(date(TODAY)),
            Some(&target("2026-01-01")),
        );
        assert_eq!(narrations(&p.push), ["second"]);
        assert_eq!(p.history.as_ref().map(|h| h.transactions), Some(3));
        assert_eq!(p.opening_balance, Some(d("89.00")));

        // So does a date the export is asked to start from.
        let rules = Rules::new(date(TODAY)).since(date("2026-02-01"));
        let p = AccountPlan::build(&feed(&ledger()), &PushState::default(), rules, None);
        assert_eq!(narrations(&p.push), ["second"]);
        assert_eq!(p.history.as_ref().map(|h| h.transactions), Some(3));
        let p = AccountPlan::build(
            &feed(&ledger()),
            &PushState::default(),
            Rules::new(date(TODAY)).since(date("2026-04-01")),
            None,
        );
        // Nothing pushed or to push: no history to fold into, all listed.
        assert!(p.push.is_empty() && p.history.is_none());
        assert!(reasons(&p).contains(&(
            "second",
            &Reason::BeforeSince {
                since: date("2026-04-01")
            }
        )));
    }

    #[test]
    fn what_was_pushed_is_not_pushed_again_and_cleared_ones_follow() {
        let first = plan(&ledger(), &PushState::default());
        let state = pushed(&first, PushState::default());
        let again = plan(&ledger(), &state);
        assert!(again.push.is_empty());
        assert_eq!(again.already_pushed, 2);
        assert_eq!(again.excluded.len(), 3);
        assert_eq!(again.opening_balance, None);

        let cleared = ledger().replace("2026-05-01 !", "2026-05-01 *");
        let next = plan(&cleared, &state);
        assert_eq!(narrations(&next.push), ["pending", "held"]);
        assert_eq!(next.push[0].balance, d("84.00"));
        assert_eq!(next.opening_balance, Some(d("87.00")));
        assert_eq!(reasons(&next), [("future", &Reason::Future)]);
        assert!(next.changed.is_empty() && next.notices.is_empty());
    }

    #[test]
    fn a_transaction_added_behind_the_newest_pushed_is_left_out_with_its_reason() {
        let first = plan(&ledger(), &PushState::default());
        let state = pushed(&first, PushState::default());
        let late = format!("{}{}", ledger(), tx("2026-02-01", "*", "late", "-7.00"));
        let p = plan(&late, &state);
        assert!(p.push.is_empty());
        assert_eq!(
            reasons(&p)[0],
            (
                "late",
                &Reason::Backdated {
                    newest_pushed: date("2026-03-01")
                }
            )
        );
        assert_eq!(p.excluded[0].reason.kind(), ExclusionKind::Rule);
        // The balance pushed with "second" no longer holds.
        assert_eq!(
            p.notices,
            [Notice::BalanceDiffers {
                id: first.push[1].id.clone(),
                date: date("2026-03-01"),
                pushed: d("87.00"),
                ledger: d("80.00"),
            }]
        );
    }

    #[test]
    fn edits_and_deletions_after_a_push_are_reported_never_pushed() {
        let text = format!(
            "{}2026-04-01 * \"Shop\" \"With id\"\n  Assets:Bank  -9.00 EUR\n    gocardless_id: \"gc-1\"\n  Expenses:X\n\n{}{}",
            tx("2026-03-01", "*", "plain", "-2.00"),
            tx("2026-04-02", "*", "to delete", "-3.00"),
            tx("2026-04-03", "*", "to retype", "-4.00"),
        );
        let first = plan(&text, &PushState::default());
        assert_eq!(first.push.len(), 4);
        let state = pushed(&first, PushState::default());
        let edited = text
            .replace(
                "-9.00 EUR\n    gocardless_id",
                "-9.50 EUR\n    gocardless_id",
            )
            .replace(
                "2026-04-02 * \"to delete\"\n  Assets:Bank  -3.00 EUR\n  Expenses:X\n",
                "",
            )
            .replace("to retype", "retyped");
        let p = plan(&edited, &state);
        assert!(p.push.is_empty(), "{:?}", p.push);
        assert!(!p.is_clean());
        let changed: Vec<(String, bool, bool)> = p
            .changed
            .iter()
            .map(|c| (c.pushed.description.clone(), c.now.is_some(), c.text_only()))
            .collect();
        assert_eq!(
            changed,
            [
                ("With id".to_owned(), true, false),
                ("to retype".to_owned(), true, true),
                ("to delete".to_owned(), false, false),
            ]
        );
        let shown: Vec<String> = p.changed.iter().map(ToString::to_string).collect();
        assert!(shown[0].starts_with("main.bean:5: transaction gc-1 (2026-04-01 -9.00 \"With id\") was changed after it was pushed (now 2026-04-01 -9.50 \"With id\")"), "{}", shown[0]);
        assert!(
            shown[0].contains("correct that statement line in the accounting package"),
            "{}",
            shown[0]
        );
        assert!(shown[1].contains("keeps the text pushed"), "{}", shown[1]);
        assert!(
            shown[2].contains("is no longer in the ledger")
                && shown[2].contains("pushed from main.bean:10"),
            "{}",
            shown[2]
        );

        // An edit that moves a transaction past the newest pushed date
        // looks new: it is pushed, and the old one reported gone.
        let moved = text.replace(
            "2026-04-03 * \"to retype\"",
            "2026-04-05 * \"to retype later\"",
        );
        let p = plan(&moved, &state);
        assert_eq!(narrations(&p.push), ["to retype later"]);
        assert_eq!(p.changed.len(), 1);
        assert!(p.changed[0].now.is_none());
    }

    #[test]
    fn a_pad_between_pushed_transactions_is_a_notice_and_duplicate_ids_a_problem() {
        let text = format!(
            "{}{}",
            tx("2026-03-01", "*", "a", "10.00"),
            tx("2026-03-02", "*", "b", "-1.00")
        );
        let state = pushed(&plan(&text, &PushState::default()), PushState::default());
        let more = format!(
            "{text}2026-03-03 pad Assets:Bank Equity:Opening-Balances\n2026-03-04 balance Assets:Bank 20.00 EUR\n\n{}\
             2026-03-05 * \"x\"\n  Assets:Bank  1 EUR\n    gocardless_id: \"dup\"\n  Income:X\n\n\
             2026-03-06 * \"y\"\n  Assets:Bank  2 EUR\n    gocardless_id: \"dup\"\n  Income:X\n",
            tx("2026-03-04", "*", "c", "-2.00")
        );
        let p = plan(&more, &state);
        assert_eq!(narrations(&p.push), ["c", "x"]);
        assert_eq!(p.push[0].balance, d("18.00"));
        assert_eq!(
            p.notices,
            [Notice::BalanceJump {
                date: date("2026-03-03"),
                amount: d("11.00"),
                location: LedgerLocation {
                    file: "main.bean".into(),
                    line: 9
                },
            }]
        );
        assert!(matches!(&p.excluded[0].reason, Reason::DuplicateId { first } if first.line == 16));
        assert!(!p.is_clean());
    }

    #[test]
    fn pushes_in_flight_count_as_pushed_and_batches_hold_a_thousand() {
        let text: String = (0..2500)
            .map(|i| {
                let day = date("2026-01-01") + chrono::Days::new(i / 10);
                tx(&day.to_string(), "*", &format!("t{i}"), "1.00")
            })
            .collect();
        let p = plan(&text, &PushState::default());
        let sizes: Vec<usize> = p.batches().map(<[_]>::len).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
        assert_eq!(p.push[2499].balance, d("2500.00"));
        let first: Vec<PlannedTransaction> = p.batches().next().unwrap().to_vec();
        let transactions: Vec<_> = first
            .iter()
            .map(PlannedTransaction::bank_transaction)
            .collect();
        let state = PushState {
            pushed: Vec::new(),
            in_flight: vec![InFlight {
                idempotency_key: IdempotencyKey::for_batch("bank", &transactions),
                operation_key: None,
                transactions,
                records: first.iter().map(PlannedTransaction::record).collect(),
            }],
        };
        let p = plan(&text, &state);
        assert_eq!((p.in_flight, p.push.len()), (1000, 1500));
        assert_eq!(p.push[0].description, "t1000");
    }

    #[test]
    fn a_plan_serialises_for_dry_runs() {
        let p = plan(&ledger(), &PushState::default());
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["push"][0]["location"], "main.bean:9");
        assert_eq!(json["push"][0]["amount"], "-1.00");
        assert_eq!(json["push"][0]["balance"], "89.00");
        assert_eq!(json["excluded"][1]["reason"]["reason"], "held_back");
        assert_eq!(json["excluded"][1]["reason"]["pending"], "main.bean:17");
        assert_eq!(json["history"]["transactions"], 2);
        let t = p.push[0].bank_transaction();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            format!(
                r#"{{"id":"{}","date":"2025-11-20T00:00:00","description":"first","amount":-1.00,"balance":89.00,"transactionType":"Debit"}}"#,
                p.push[0].id
            )
        );
    }
}
