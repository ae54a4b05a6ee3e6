//! The conversion rules: one account's bank data in, Beancount entries out.
//!
//! Nothing is dropped: a record that cannot be converted becomes an
//! [`Entry::Invalid`] (written as a comment holding its JSON) and a
//! [`Problem`] for the caller to report.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
// Bank ids are hashed once per transaction: a seeded fast hash, not SipHash.
use foldhash::{HashMap as FoldMap, HashMapExt, HashSet as FoldSet, HashSetExt};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::balance::{Balance, BalanceChoice, BalanceKind, BalancePick};
use crate::beancount::format_number;
use crate::config::{AccountConfig, BalanceMode, DateMode, FallbackAccount, PendingMode};
use crate::entry::{
    Amount, BalanceEntry, Entry, InvalidEntry, Meta, MetaValue, Posting, Price, TransactionEntry,
};
use crate::pipeline::Input;
use crate::render::Block;
use crate::rules::{By, Categorized, Categorizer, Decision};
use crate::statement::{Adjust, Adjusted, Statement, Unreadable};
use crate::transaction::{BankTransaction, ConversionError, Status, field_of};
use crate::transfer::OwnAccounts;

/// The result of converting one account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountOutput {
    /// The account's configuration.
    pub account: AccountConfig,
    /// Who the data came from ([`Statement::source`]).
    pub source: String,
    /// The metadata key of its transaction ids ([`Statement::id_key`]).
    pub id_key: String,
    /// The entries, sorted by date, stable in bank order within a day.
    pub entries: Vec<Entry>,
    /// What could not be converted, one per record.
    pub problems: Vec<Problem>,
    /// How converted transactions were categorised (rule, learned,
    /// transfer or fallback; skipped by a rule), in bank order: every one
    /// with [`Decisions::All`], else only those a rule decided.
    pub categorized: Vec<Categorized>,
    /// What the user may want to know at `-v`: why no balance assertion
    /// was written when the reason is not worth a line in the ledger.
    pub notes: Vec<String>,
    /// The ids each transaction carries besides the one chosen for it: an
    /// earlier run, seeing other records, may have trusted another and
    /// written it under that one. Chosen id → other ids. Empty unless asked
    /// for ([`Aliases::Keep`]).
    pub aliases: HashMap<String, Vec<String>>,
}

impl AccountOutput {
    /// The account's block for the printer: its entries under a heading
    /// naming the account, its source and how many entries follow.
    pub fn block(&self) -> Block<'_> {
        let a = &self.account;
        let handle = match &a.name {
            Some(n) => format!("{n}, id {}", a.id),
            None => format!("id {}", a.id),
        };
        let n = self.entries.len();
        Block {
            heading: Some(format!(
                "{} ({} account {handle}): {n} entr{}",
                a.account,
                self.source,
                if n == 1 { "y" } else { "ies" }
            )),
            entries: &self.entries,
        }
    }
}

/// Which decisions [`AccountOutput::categorized`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decisions {
    /// Every transaction's: what `rules test` reports.
    All,
    /// Only those a rule took: all that joining own transfers asks. A
    /// decision and the texts it was taken on are some 400 bytes a
    /// transaction, a fifth of a large import's memory.
    ByRule,
}

impl Decisions {
    fn keep(self, decision: &Decision) -> bool {
        self == Decisions::All || decision.by == By::Rule
    }
}

/// Whether [`AccountOutput::aliases`] is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aliases {
    /// Filled in: deduplication against a ledger reads them.
    Keep,
    /// Left empty: nothing else reads them, and they take about 150 bytes
    /// a transaction at a bank that gives two ids.
    Leave,
}

/// A record that could not be converted, or a balance that could not be
/// asserted for a reason the user should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The account's name or id.
    pub account: String,
    /// The transaction's id, when it has one.
    pub transaction_id: Option<String>,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "account {}", self.account)?;
        if let Some(id) = &self.transaction_id {
            write!(f, ", transaction {id}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The counter posting's account when nothing more specific decides it:
/// the configured fallback, or `Expenses:Uncategorized` for money out and
/// `Income:Uncategorized` for money in. `None` for single-posting entries.
///
/// This is the one place that picks the counter account, so rules, learned
/// predictions and transfers can be put in front of it.
pub fn counter_account(tx: &BankTransaction, account: &AccountConfig) -> Option<String> {
    match &account.fallback_account {
        FallbackAccount::None => None,
        FallbackAccount::Account(a) => Some(a.clone()),
        FallbackAccount::Uncategorized => Some(if tx.is_outflow() {
            "Expenses:Uncategorized".to_owned()
        } else {
            "Income:Uncategorized".to_owned()
        }),
    }
}

/// Converts one account's statement: its transactions, then a balance
/// assertion from its balances when they allow one. Categorises with
/// `categorizer` (global rules, learned model, own accounts); the
/// account's own rules always apply. A transaction a rule skips gives no
/// entry.
///
/// `today` dates pending transactions from the future and decides which
/// balances belong to a completed day; `decisions` says which
/// categorisation decisions the output keeps, `aliases` whether it keeps
/// the other ids of each transaction.
pub fn convert_account(
    input: &Input<'_>,
    today: NaiveDate,
    categorizer: &Categorizer,
    decisions: Decisions,
    aliases: Aliases,
) -> AccountOutput {
    let (account, statement) = (input.account, &input.statement);
    let mut categorized = Vec::new();
    let own = &categorizer.own;
    let mut problems = Vec::new();
    let records = statement.records;
    let read_all: Vec<_> = (0..records.len())
        .map(|i| read(records.read(i), account, input.adjust))
        .collect();

    // Each item: the entry (or the invalid record) in bank order.
    let mut items: Vec<Item> = Vec::with_capacity(records.len());
    // References, not moves: the transactions are large.
    let mut converted: Vec<&BankTransaction> = Vec::with_capacity(records.len());
    // What the bank counts as pending, left out or not: its "available"
    // balances include it.
    let mut pending_total = Decimal::ZERO;
    for (i, result) in read_all.iter().enumerate() {
        match result {
            Ok(Read::Tx(tx, warning)) => {
                if let Some(w) = warning {
                    problems.push(Problem {
                        account: account.label().to_owned(),
                        transaction_id: tx.ids.transaction_id.clone(),
                        reason: w.clone(),
                    });
                }
                if tx.status == Status::Pending {
                    pending_total += tx.amount;
                }
                items.push(Item::Tx(converted.len()));
                converted.push(tx);
            }
            // Pending, and the account leaves pending out.
            Ok(Read::SkippedPending(amount)) => pending_total += *amount,
            // Left out by the account's preset.
            Ok(Read::Dropped) => {}
            Err(e) => {
                problems.push(Problem {
                    account: account.label().to_owned(),
                    transaction_id: e.id.clone(),
                    reason: e.reason.clone(),
                });
                items.push(Item::Invalid(InvalidEntry {
                    date: e.date,
                    reason: e.reason.clone(),
                    raw_json: records.raw(i).to_owned(),
                }));
            }
        }
    }

    let ids = assign_ids(&converted);
    let aliases = match aliases {
        Aliases::Keep => other_ids(&converted, &ids),
        Aliases::Leave => HashMap::new(),
    };
    let id_key = statement.id_key;
    let status_key = crate::statement::status_key(id_key);
    // Each item gives its entry (none when a rule skips it) and, for a
    // transaction, how it was categorised.
    let one = |item: &Item| match item {
        Item::Tx(i) => {
            let tx = &converted[*i];
            let texts = Texts::of(tx);
            let decision = categorizer.decide(tx, &texts, account);
            let skip = decision.skip;
            let mut entry = transaction_entry(
                tx,
                texts,
                (&ids[*i], id_key, &status_key),
                account,
                today,
                &decision,
                own,
            );
            // Recorded before the decision changes the entry's texts: they
            // are the bank's.
            let cat = if decisions.keep(&decision) {
                let cat = Categorized::new(&ids[*i], tx, &entry, decision);
                cat.decision.apply(&mut entry);
                Some(cat)
            } else {
                decision.apply(&mut entry);
                None
            };
            let dated = (!skip).then_some((Some(entry.date), 1, Entry::Transaction(entry)));
            (dated, cat)
        }
        Item::Invalid(inv) => (Some((inv.date, 1, Entry::Invalid(inv.clone()))), None),
    };
    let mut dated: Vec<(Option<NaiveDate>, u8, Entry)> = Vec::with_capacity(items.len() + 1);
    // Only the decisions a rule took are kept by default: a few.
    if decisions == Decisions::All {
        categorized.reserve(items.len());
    }
    for (entry, cat) in items.iter().map(one) {
        dated.extend(entry);
        categorized.extend(cat);
    }

    let mut notes = Vec::new();
    let facts = Facts {
        txs: &converted,
        entries: &dated,
        statement,
        today,
        status_key: &status_key,
        pending_total,
        unreadable: problems.len(),
        choice: input.adjust.and_then(Adjust::balance),
    };
    match balance_entry(account, &facts) {
        // Skipped transactions are in the bank's balance, not the ledger's.
        Ok(Some(b)) if categorizer.may_skip_money(account) => dated.push((
            None,
            2,
            Entry::Comment(format!(
                "balance {} {} {} {} left out: rules with `skip: true` apply to this account, \
                 so the ledger leaves out money the bank counts",
                b.date,
                b.account,
                crate::beancount::format_number(b.amount.number),
                b.amount.currency
            )),
        )),
        Ok(Some(b)) => dated.push((Some(b.date), 0, Entry::Balance(b))),
        Ok(None) => {}
        Err(Skip::Comment(why)) => dated.push((None, 2, Entry::Comment(why))),
        Err(Skip::Note(why)) => notes.push(why),
    }

    // Stable: bank order is kept within a day; balances first in their
    // day (they hold at its start); undated records last. Indices are
    // sorted, not the entries, which are large.
    let key = |(d, rank, _): &(Option<NaiveDate>, u8, Entry)| (d.is_none(), *d, *rank);
    if !dated.is_sorted_by_key(key) {
        let mut order: Vec<usize> = (0..dated.len()).collect();
        order.sort_by_key(|&i| key(&dated[i]));
        permute(&mut dated, order);
    }
    // Converted in place: no copy of the entries.
    let entries: Vec<Entry> = dated.into_iter().map(|(_, _, e)| e).collect();
    drop(converted);
    drop(read_all);
    AccountOutput {
        account: account.clone(),
        source: statement.source.to_owned(),
        id_key: id_key.to_owned(),
        entries,
        problems,
        categorized,
        notes,
        aliases,
    }
}

/// The ids each transaction carries besides the one chosen for it.
fn other_ids(txs: &[&BankTransaction], ids: &[Cow<'_, str>]) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for (t, id) in txs.iter().zip(ids) {
        let others: Vec<String> = [&t.ids.transaction_id, &t.ids.internal_transaction_id]
            .into_iter()
            .flatten()
            .filter(|o| o.as_str() != id.as_ref())
            .cloned()
            .collect();
        if !others.is_empty() {
            out.insert(id.to_string(), others);
        }
    }
    out
}

/// Reorders `v` so that `v[k]` becomes the old `v[order[k]]`, by swaps
/// along the permutation's cycles: no second copy of the (large) items.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        if order[start] == usize::MAX {
            continue;
        }
        // Follow the cycle through `start`, pulling each item into place.
        let mut k = start;
        loop {
            let from = order[k];
            order[k] = usize::MAX;
            if from == start {
                break;
            }
            v.swap(k, from);
            k = from;
        }
    }
}

enum Item {
    Tx(usize),
    Invalid(InvalidEntry),
}

/// A record read and checked.
// Almost every record is a transaction: boxing it would cost an allocation
// per record for nothing.
#[allow(clippy::large_enum_variant)]
enum Read {
    /// A transaction, with the preset's warning when it could not adjust
    /// it.
    Tx(BankTransaction, Option<String>),
    /// Pending, and the account leaves pending out: only its amount counts
    /// (the bank's available balances include it).
    SkippedPending(Decimal),
    /// Left out by the account's preset.
    Dropped,
}

/// Adjusts (with the account's preset) and checks one record read by the
/// source.
fn read(
    tx: Result<BankTransaction, Unreadable>,
    account: &AccountConfig,
    adjust: Option<&dyn Adjust>,
) -> Result<Read, Unreadable> {
    let mut tx = tx?;
    let mut warning = None;
    match adjust.map(|a| a.adjust(&mut tx)) {
        None | Some(Adjusted::Kept) => {}
        Some(Adjusted::Dropped) => return Ok(Read::Dropped),
        Some(Adjusted::Failed(w)) => warning = Some(w),
    }
    if tx.status == Status::Pending && account.pending == PendingMode::Skip {
        return Ok(Read::SkippedPending(tx.amount));
    }
    // The ids as the ledger will read them back (a control character is
    // written as a space), so that later runs find them.
    for id in [
        &mut tx.ids.transaction_id,
        &mut tx.ids.internal_transaction_id,
        &mut tx.ids.entry_reference,
        &mut tx.ids.end_to_end_id,
    ]
    .into_iter()
    .flatten()
    {
        if id.chars().any(crate::render::is_breaking) {
            *id = crate::render::sanitize(id);
        }
    }
    let date = tx.date(account.date);
    if let Some(d) = date
        && !in_beancount_range(d)
    {
        return Err(Unreadable {
            reason: ConversionError::DateOutOfRange(d.to_string()).to_string(),
            date: None,
            id: tx.ids.transaction_id.clone(),
        });
    }
    let fail = |e: ConversionError| Unreadable {
        reason: e.to_string(),
        date,
        id: tx.ids.transaction_id.clone(),
    };
    crate::beancount::check_currency(&tx.currency)
        .map_err(|e| fail(ConversionError::InvalidCurrency(e)))?;
    if let Some(expected) = &account.currency
        && &tx.currency != expected
    {
        return Err(fail(ConversionError::CurrencyMismatch {
            expected: expected.clone(),
            found: tx.currency.clone(),
        }));
    }
    if date.is_none() {
        return Err(fail(ConversionError::NoDate));
    }
    Ok(Read::Tx(tx, warning))
}

/// Chooses every transaction's id: the bank's transaction id, else its
/// internal id, else a content hash with an occurrence counter.
/// An id carried by two different records in one response is not trusted.
fn assign_ids<'a>(txs: &[&'a BankTransaction]) -> Vec<Cow<'a, str>> {
    let untrusted = |get: fn(&BankTransaction) -> Option<&String>| {
        let mut first: FoldMap<&str, &str> = FoldMap::with_capacity(txs.len());
        let mut bad: FoldSet<&str> = FoldSet::new();
        for t in txs {
            if let Some(id) = get(t) {
                match first.get(id.as_str()) {
                    Some(raw) if *raw != &*t.raw => {
                        bad.insert(id.as_str());
                    }
                    Some(_) => {}
                    None => {
                        first.insert(id, &t.raw);
                    }
                }
            }
        }
        bad
    };
    let bad_tid = untrusted(|t| t.ids.transaction_id.as_ref());
    // Needed only when some transaction falls back to it.
    let bad_iid = if txs.iter().any(|t| {
        t.ids
            .transaction_id
            .as_ref()
            .is_none_or(|i| bad_tid.contains(i.as_str()))
    }) {
        untrusted(|t| t.ids.internal_transaction_id.as_ref())
    } else {
        FoldSet::new()
    };
    let mut seen: FoldMap<String, usize> = FoldMap::new();
    txs.iter()
        .map(|t| {
            if let Some(id) = t
                .ids
                .transaction_id
                .as_ref()
                .filter(|i| !bad_tid.contains(i.as_str()))
            {
                return Cow::Borrowed(id.as_str());
            }
            if let Some(id) = t
                .ids
                .internal_transaction_id
                .as_ref()
                .filter(|i| !bad_iid.contains(i.as_str()))
            {
                return Cow::Borrowed(id.as_str());
            }
            let h = content_hash(t);
            let n = seen.entry(h.clone()).or_insert(0);
            *n += 1;
            Cow::Owned(if *n == 1 { h } else { format!("{h}-{n}") })
        })
        .collect()
}

/// A stable id from what identifies a transaction's content. The same
/// transaction fetched on another day hashes the same.
fn content_hash(t: &BankTransaction) -> String {
    let mut h = Sha256::new();
    let status = match t.status {
        Status::Booked => "booked",
        Status::Pending => "pending",
    };
    let parts: [Option<String>; 12] = [
        Some(status.to_owned()),
        t.booking_date.map(|d| d.to_string()),
        t.value_date.map(|d| d.to_string()),
        Some(t.amount.normalize().to_string()),
        Some(t.currency.clone()),
        t.creditor_name.clone(),
        t.debtor_name.clone(),
        t.counterparty_iban().map(str::to_owned),
        t.description().map(Cow::into_owned),
        t.ids.entry_reference.clone(),
        t.ids.end_to_end_id.clone(),
        t.booking_date_time
            .or(t.value_date_time)
            .map(|d| d.to_string()),
    ];
    for p in parts {
        h.update(p.unwrap_or_default().as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let mut s = String::from("sha256:");
    for b in &digest[..10] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Collapses runs of whitespace (newlines included) to one space and trims.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The payee and narration of a transaction's entry: the bank's name and
/// text with runs of whitespace collapsed, a blank payee left out. Rules
/// and learning read them before the entry takes them, so they are made
/// once.
#[derive(Debug, Clone, PartialEq)]
pub struct Texts {
    /// The counterparty's name, when there is one.
    pub payee: Option<String>,
    /// What the transaction was for (empty when the bank says nothing).
    pub narration: String,
}

impl Texts {
    /// The texts of `tx`.
    ///
    /// ```
    /// use importer::{BankTransaction, Status};
    /// use importer::convert::Texts;
    /// let mut tx = BankTransaction::new(Status::Booked, "-5".parse().unwrap(), "EUR");
    /// tx.creditor_name = Some("  ".into());
    /// tx.remittance = Some("Coffee\n  and cake".into());
    /// let t = Texts::of(&tx);
    /// assert_eq!(t.payee, None);
    /// assert_eq!(t.narration, "Coffee and cake");
    /// ```
    pub fn of(tx: &BankTransaction) -> Texts {
        Texts {
            payee: tx
                .counterparty_name()
                .map(collapse_whitespace)
                .filter(|s| !s.is_empty()),
            narration: tx
                .description()
                .map(|d| collapse_whitespace(&d))
                .unwrap_or_default(),
        }
    }
}

/// Builds one transaction's entry. `(id, id_key, status_key)`: its id, the
/// key it is written under, and the key marking it pending.
fn transaction_entry(
    tx: &BankTransaction,
    texts: Texts,
    (id, id_key, status_key): (&str, &str, &str),
    account: &AccountConfig,
    today: NaiveDate,
    decision: &Decision,
    own_accounts: &OwnAccounts,
) -> TransactionEntry {
    let mut date = tx.date(account.date).expect("checked by read()");
    if tx.status == Status::Pending && date > today {
        date = today;
    }
    let mut meta: Meta = Vec::new();
    if !account.metadata_fields.is_empty() {
        let root: serde_json::Value = serde_json::from_str(&tx.raw).unwrap_or_default();
        for (key, path) in &account.metadata_fields {
            if let Some(v) = field_of(&root, path) {
                push_meta(&mut meta, key, MetaValue::String(v));
            }
        }
    }
    for (key, value) in &account.metadata {
        push_meta(&mut meta, key, MetaValue::String(value.clone()));
    }

    let mut own = Posting::new(account.account.clone());
    own.units = Some(Amount::new(tx.amount, tx.currency.clone()));
    // Sized to what it gets: a list grown from empty takes room for four.
    let pending = usize::from(tx.status == Status::Pending);
    own.meta = Vec::with_capacity(1 + tx.meta.len() + pending);
    own.meta
        .push((id_key.to_owned(), MetaValue::String(id.to_owned())));
    for (key, value) in &tx.meta {
        push_meta(&mut own.meta, key, MetaValue::String(value.clone()));
    }
    if tx.status == Status::Pending {
        own.meta.push((
            status_key.to_owned(),
            MetaValue::String(crate::statement::PENDING.to_owned()),
        ));
    }
    // The bank's side and at most one counter posting.
    let mut postings = Vec::with_capacity(2);
    postings.push(own);

    let original = tx.exchange.as_ref().and_then(|x| original_amount(tx, x));
    if let Some(counter) = &decision.account {
        let mut p = Posting::new(counter.clone());
        p.flag = decision.posting_flag;
        if let Some((number, currency)) = &original {
            // The counter posting in the original currency, priced at
            // exactly what left the account: it balances to the digit.
            let sign = if tx.amount.is_sign_negative() {
                Decimal::ONE
            } else {
                Decimal::NEGATIVE_ONE
            };
            p.units = Some(Amount::new(number.abs() * sign, currency.clone()));
            p.price = Some(Box::new(Price::Total(Amount::new(
                tx.amount.abs(),
                tx.currency.clone(),
            ))));
        } else if own_accounts.is_own(counter) {
            // A transfer to another own account: its side written out, so
            // that importing that account later finds it by content.
            p.units = Some(Amount::new(-tx.amount, tx.currency.clone()));
        }
        postings.push(p);
    }
    let priced = postings.iter().any(|p| p.price.is_some());
    if let (Some(x), false) = (&tx.exchange, priced) {
        // Only a rate (or no counter posting to price): keep what is known.
        if let Some(r) = x.rate {
            push_meta(&mut meta, "exchange_rate", MetaValue::Number(r));
        }
        if let Some(c) = &x.source_currency {
            push_meta(&mut meta, "source_currency", MetaValue::String(c.clone()));
        }
        if let Some(c) = &x.target_currency {
            push_meta(&mut meta, "target_currency", MetaValue::String(c.clone()));
        }
        if let Some((n, c)) = &original {
            push_meta(
                &mut meta,
                "original_amount",
                MetaValue::String(format!("{} {c}", format_number(*n))),
            );
        }
    }

    TransactionEntry {
        date,
        flag: match tx.status {
            Status::Booked => '*',
            Status::Pending => '!',
        },
        payee: texts.payee,
        narration: texts.narration,
        tags: account
            .tags
            .iter()
            .map(|t| t.trim_start_matches('#').to_owned())
            .collect(),
        links: Vec::new(),
        meta,
        postings,
    }
}

fn push_meta(meta: &mut Meta, key: &str, value: MetaValue) {
    // Beancount rejects a key given twice; the first one set wins.
    if !meta.iter().any(|(k, _)| k == key) {
        meta.push((key.to_owned(), value));
    }
}

/// The amount in the other currency, when the conversion carries it.
///
/// Banks label `instructedAmount` inconsistently: it may be the original
/// amount in the foreign currency, or just the account amount again. An
/// instructed amount equal to the account amount is the latter. One labelled
/// with the account's currency but of another size is taken as the foreign
/// amount only when the rate confirms it (within 1%).
fn original_amount(
    tx: &BankTransaction,
    x: &crate::transaction::Exchange,
) -> Option<(Decimal, String)> {
    let (n, c) = x.instructed.as_ref()?;
    if n.is_zero() || tx.amount.is_zero() {
        return None;
    }
    if c != &tx.currency && crate::beancount::check_currency(c).is_ok() {
        return Some((*n, c.clone()));
    }
    if n.abs() == tx.amount.abs() {
        return None;
    }
    let foreign = [&x.source_currency, &x.target_currency]
        .into_iter()
        .flatten()
        .find(|c| **c != tx.currency && crate::beancount::check_currency(c).is_ok())?;
    let rate = x.rate.filter(|r| !r.is_zero())?;
    let a = tx.amount.abs();
    let close = |expect: Option<Decimal>| {
        expect.is_some_and(|e| !e.is_zero() && ((n.abs() - e).abs() / e) <= Decimal::new(1, 2))
    };
    if close(a.checked_mul(rate)) || close(a.checked_div(rate)) {
        Some((*n, foreign.clone()))
    } else {
        None
    }
}

/// Why no balance assertion is written, when the user should be told.
enum Skip {
    /// In the ledger, as a comment where the assertion would be.
    Comment(String),
    /// On stderr at `-v` ([`AccountOutput::notes`]).
    Note(String),
}

/// What the balance assertion is computed from.
struct Facts<'a> {
    /// The transactions converted (pending ones the account keeps too).
    txs: &'a [&'a BankTransaction],
    /// Their entries, dated.
    entries: &'a [(Option<NaiveDate>, u8, Entry)],
    statement: &'a Statement<'a>,
    today: NaiveDate,
    status_key: &'a str,
    /// The sum of every pending record, kept or left out.
    pending_total: Decimal,
    /// How many records could not be read.
    unreadable: usize,
    /// The bank preset's choice of balance, if any.
    choice: Option<BalanceChoice>,
}

/// How far apart the transactions and the balances may have been fetched
/// and still be taken as one moment's data.
const SAME_MOMENT: chrono::Duration = chrono::Duration::minutes(15);

/// The day a fetch happened on, in the user's time zone (as `today` is).
fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono::Local).date_naive()
}

/// The balance assertion, `Ok(None)` when none is wanted or possible
/// without a reason worth telling, `Err` when it is left out for a reason
/// the user should read.
///
/// A balance type's meaning is respected: a closing balance is the end of
/// its reference day, asserted on the next; an opening balance the start of
/// its day; an interim or expected balance is the balance at the moment it
/// was fetched, so the bookings of that day the fetched transactions show
/// are taken off and it is asserted at the start of that day. Balances that
/// count pending amounts have the pending records of the same moment taken
/// off. Then the pending entries the ledger will hold before the assertion
/// are added, since Beancount counts them.
fn balance_entry(account: &AccountConfig, f: &Facts<'_>) -> Result<Option<BalanceEntry>, Skip> {
    let txs = f.txs;
    let currency_ok = |c: &str| match &account.currency {
        Some(want) => c == want,
        None => txs.first().is_none_or(|t| t.currency == c),
    };
    let fetch_day = |b: &Balance| {
        b.fetched_at
            .or(f.statement.fetched_at)
            .map_or(f.today, local_day)
    };
    let pick: Option<Pick<'_>> = match &account.balance {
        BalanceMode::None => return Ok(None),
        BalanceMode::Type(ty) => {
            let found = f
                .statement
                .balances
                .iter()
                .filter(|b| &b.kind == ty && currency_ok(b.currency.trim()))
                .max_by_key(|b| b.reference_date);
            if found.is_none() {
                if f.statement.balances.is_empty() {
                    return Ok(None);
                }
                return Err(Skip::Comment(format!(
                    "no balance assertion: the bank reported no {ty} balance for {}",
                    account.account
                )));
            }
            found.map(|b| Pick::Reported(Cow::Borrowed(b), String::new()))
        }
        BalanceMode::Auto => match &f.choice {
            Some(choice) => preferred(choice, f.statement.balances, &currency_ok, || {
                balance_after_last_day(account, txs, f.today)
            }),
            None => {
                // Only a balance whose moment is known: a closing balance
                // of a completed day, an interim one with a date or fetched
                // at a known time.
                let pick = |ty: BalanceKind, closing: bool| {
                    f.statement
                        .balances
                        .iter()
                        .filter(|b| {
                            b.kind == ty
                                && currency_ok(b.currency.trim())
                                && if closing {
                                    b.reference_date.is_some_and(|d| d < fetch_day(b))
                                } else {
                                    b.reference_date.is_some()
                                        || b.last_change.is_some()
                                        || b.fetched_at.is_some()
                                }
                        })
                        .max_by_key(|b| b.reference_date)
                };
                match pick(BalanceKind::ClosingBooked, true)
                    .or_else(|| pick(BalanceKind::InterimBooked, false))
                {
                    Some(b) => Some(Pick::Reported(Cow::Borrowed(b), String::new())),
                    None => {
                        balance_after_last_day(account, txs, f.today).map(Pick::AfterTransaction)
                    }
                }
            }
        },
    };
    // (figure without pending, the day it holds at the start of, source)
    let (figure, currency, date, source) = match pick {
        None => return Ok(None),
        Some(Pick::Reported(b, how)) => {
            if let (Some(at), Some(tx_at)) = (b.fetched_at, f.statement.fetched_at)
                && (at - tx_at).abs() > SAME_MOMENT
            {
                return Err(Skip::Note(format!(
                    "{}: no balance assertion: the balances were fetched at {} and the \
                     transactions at {}, so they do not describe the same moment",
                    account.account,
                    at.format("%Y-%m-%d %H:%M UTC"),
                    tx_at.format("%Y-%m-%d %H:%M UTC"),
                )));
            }
            let (figure, currency, date, source) = at_start_of_day(account, &b, fetch_day(&b), f)?;
            (figure, currency, date, format!("{source}{how}"))
        }
        Some(Pick::AfterTransaction((figure, currency, last))) => (
            figure,
            currency,
            last.checked_add_days(Days::new(1)).ok_or_else(|| {
                Skip::Comment("no balance assertion: the date is out of range".into())
            })?,
            format!("balanceAfterTransaction {last}"),
        ),
    };
    if !currency_ok(&currency) || crate::beancount::check_currency(&currency).is_err() {
        return Err(Skip::Comment(format!(
            "no balance assertion: the balance is in {currency:?}, not the account's currency"
        )));
    }
    if f.unreadable > 0 {
        return Err(Skip::Comment(format!(
            "no balance assertion for {}: {} record{} could not be read, so the ledger cannot \
             hold what the bank counts",
            account.account,
            f.unreadable,
            if f.unreadable == 1 { "" } else { "s" }
        )));
    }
    // The bank counts by booking date; if an entry's date falls on the
    // other side of the assertion's day, the figure cannot hold.
    let crosses = txs.iter().filter(|t| t.status == Status::Booked).any(|t| {
        let entry = t.date(account.date);
        let booked = t.booking_date.or(t.booking_date_time);
        matches!((entry, booked), (Some(e), Some(b)) if (e < date) != (b < date))
    });
    if crosses {
        return Err(Skip::Comment(format!(
            "no balance assertion for {}: with `date: {}` some entries fall on the other \
             side of {date} than the bank booked them",
            account.account,
            match account.date {
                DateMode::Transaction => "transaction",
                _ => "value",
            }
        )));
    }
    let mut meta: Meta = vec![("source".to_owned(), MetaValue::String(source))];
    // Beancount counts pending entries too: add those dated before the
    // assertion's day so it holds for the ledger. Pending is the bank's
    // status, never the flag a rule may set.
    let mut pending_sum = Decimal::ZERO;
    let mut count = 0;
    for (d, _, e) in f.entries {
        if let (Some(d), Entry::Transaction(t)) = (d, e)
            && *d < date
        {
            for p in t.postings.iter().filter(|p| is_pending(p, f.status_key)) {
                if let Some(u) = &p.units {
                    pending_sum += u.number;
                    count += 1;
                }
            }
        }
    }
    let mut number = figure;
    if count > 0 {
        number += pending_sum;
        meta.push((
            "pending_included".to_owned(),
            MetaValue::String(format!(
                "{} {currency} from {count} pending entr{} dated before {date}; booked balance \
                 {} {currency}",
                format_number(pending_sum),
                if count == 1 { "y" } else { "ies" },
                format_number(figure),
            )),
        ));
    }
    Ok(Some(BalanceEntry {
        date,
        account: account.account.clone(),
        amount: Amount::new(number, currency),
        meta,
    }))
}

/// Whether Beancount can read the date: years 1 to 9999.
fn in_beancount_range(d: NaiveDate) -> bool {
    (1..=9999).contains(&chrono::Datelike::year(&d))
}

/// The balance to assert: a reported one (as the preset adjusts it, with
/// what it did for the `source` metadata), or the one the bank puts on
/// each transaction ([`balance_after_last_day`]'s figure, currency and day).
enum Pick<'b> {
    Reported(Cow<'b, Balance>, String),
    AfterTransaction((Decimal, String, NaiveDate)),
}

/// The first balance of the preset's `order` the bank gives, adjusted as
/// the preset says: dated by its last change, negated, other balances
/// added.
fn preferred<'b>(
    choice: &BalanceChoice,
    balances: &'b [Balance],
    currency_ok: &dyn Fn(&str) -> bool,
    after_transaction: impl Fn() -> Option<(Decimal, String, NaiveDate)>,
) -> Option<Pick<'b>> {
    for way in &choice.order {
        let found = match way {
            BalancePick::AfterTransaction => {
                if let Some(after) = after_transaction() {
                    return Some(Pick::AfterTransaction(after));
                }
                None
            }
            BalancePick::FirstListed => balances.iter().find(|b| currency_ok(b.currency.trim())),
            BalancePick::Reported(kind) => balances
                .iter()
                .filter(|b| &b.kind == kind && currency_ok(b.currency.trim()))
                .max_by_key(|b| b.reference_date),
        };
        let Some(found) = found else { continue };
        let mut how = String::new();
        let mut b = Cow::Borrowed(found);
        if choice.last_change_first && found.last_change.is_some() {
            b.to_mut().reference_date = found.last_change;
        }
        if choice.negate {
            let b = b.to_mut();
            b.amount = -b.amount;
            how.push_str(", negated");
        }
        for kind in &choice.plus {
            if let Some(p) = balances
                .iter()
                .find(|p| &p.kind == kind && p.currency.trim() == found.currency.trim())
            {
                b.to_mut().amount += p.amount;
                how.push_str(&format!(" + {kind} {}", p.amount));
            }
        }
        return Some(Pick::Reported(b, how));
    }
    None
}

/// A bank balance as the booked balance at the start of a day: the
/// figure, its currency, the day and a description of where it came from.
fn at_start_of_day(
    account: &AccountConfig,
    b: &Balance,
    fetch_day: NaiveDate,
    f: &Facts<'_>,
) -> Result<(Decimal, String, NaiveDate, String), Skip> {
    let currency = b.currency.trim().to_owned();
    let out_of_range = || Skip::Comment("no balance assertion: the date is out of range".into());
    let reference = b.reference_date.or(b.last_change);
    let mut figure = b.amount;
    let mut source = match reference {
        Some(r) => format!("{} {r}", b.kind),
        None => b.kind.to_string(),
    };
    let closing = matches!(
        b.kind,
        BalanceKind::ClosingBooked | BalanceKind::PreviouslyClosedBooked
    );
    let date = match &b.kind {
        BalanceKind::ForwardAvailable
        | BalanceKind::NonInvoiced
        | BalanceKind::ClosingAvailable
        | BalanceKind::OpeningAvailable => {
            return Err(Skip::Comment(format!(
                "no balance assertion for {}: a {} balance cannot be told from the \
                 transactions (use closingBooked, interimBooked or expected)",
                account.account, b.kind
            )));
        }
        BalanceKind::OpeningBooked => reference.unwrap_or(fetch_day),
        _ if closing && reference.is_some_and(|r| r < fetch_day) => reference
            .and_then(|r| r.checked_add_days(Days::new(1)))
            .ok_or_else(out_of_range)?,
        kind => {
            // The balance at the moment it was fetched: the day's bookings
            // the transactions of that moment show are taken off, and
            // pending amounts for the kinds that count them.
            let day = reference.map_or(fetch_day, |r| r.min(fetch_day));
            if kind.includes_pending() {
                figure -= f.pending_total;
            }
            let since: Decimal = f
                .txs
                .iter()
                .filter(|t| t.status == Status::Booked)
                .filter(|t| {
                    t.booking_date
                        .or(t.booking_date_time)
                        .or(t.date(account.date))
                        .is_some_and(|d| d >= day)
                })
                .map(|t| t.amount)
                .sum();
            figure -= since;
            if kind.includes_pending() && !f.pending_total.is_zero() {
                source.push_str(&format!(
                    ", less {} {currency} pending",
                    format_number(f.pending_total)
                ));
            }
            if !since.is_zero() {
                source.push_str(&format!(
                    ", less {} {currency} booked on or after {day}",
                    format_number(since)
                ));
            }
            day
        }
    };
    Ok((figure, currency, date, source))
}

/// Whether a posting carries the importer's pending status
/// ([`crate::statement::status_key`]).
pub(crate) fn is_pending(p: &Posting, status_key: &str) -> bool {
    p.meta.iter().any(|(k, v)| {
        k == status_key && matches!(v, MetaValue::String(s) if s == crate::statement::PENDING)
    })
}

/// The end-of-day balance of the last day before `today` with booked
/// transactions carrying `balanceAfterTransaction`.
///
/// Banks list a day's transactions in no reliable order, so with several
/// on that day the end-of-day figure is the one `b` for which some
/// transaction `j` started the day: `b - sum(day) == b_j - amount_j`.
fn balance_after_last_day(
    account: &AccountConfig,
    txs: &[&BankTransaction],
    today: NaiveDate,
) -> Option<(Decimal, String, NaiveDate)> {
    let booked: Vec<(&BankTransaction, NaiveDate)> = txs
        .iter()
        .copied()
        .filter(|t| t.status == Status::Booked)
        .filter_map(|t| t.booking_date.or(t.date(account.date)).map(|d| (t, d)))
        .filter(|(_, d)| *d < today)
        .collect();
    let last = booked
        .iter()
        .filter(|(t, _)| t.balance_after.is_some())
        .map(|(_, d)| *d)
        .max()?;
    let day: Vec<&BankTransaction> = booked
        .iter()
        .filter(|(_, d)| *d == last)
        .map(|(t, _)| *t)
        .collect();
    // Every transaction of the day must carry the balance to know the order.
    if day.iter().any(|t| t.balance_after.is_none()) {
        return None;
    }
    let currency = day[0].balance_after.as_ref()?.1.clone();
    if day
        .iter()
        .any(|t| t.balance_after.as_ref().map(|b| &b.1) != Some(&currency))
    {
        return None;
    }
    let sum: Decimal = day.iter().map(|t| t.amount).sum();
    let starts: Vec<Decimal> = day
        .iter()
        .map(|t| t.balance_after.as_ref().expect("checked").0 - t.amount)
        .collect();
    let mut ends: Vec<Decimal> = day
        .iter()
        .map(|t| t.balance_after.as_ref().expect("checked").0)
        .filter(|b| starts.contains(&(*b - sum)))
        .collect();
    ends.sort();
    ends.dedup();
    match ends.as_slice() {
        [one] => Some((*one, currency, last)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn permute_applies_the_order() {
        for order in [
            vec![],
            vec![0],
            vec![2, 0, 1],
            vec![3, 2, 1, 0],
            vec![1, 0, 3, 2, 4],
        ] {
            let mut v: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            let want: Vec<usize> = order.iter().map(|&i| i * 10).collect();
            super::permute(&mut v, order);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn a_source_s_metadata_follows_the_id_on_the_bank_posting() {
        use crate::config::AccountConfig;
        use crate::entry::{Entry, MetaValue};
        use crate::rules::Categorizer;
        use crate::statement::Statement;
        use crate::transaction::{BankTransaction, Status};

        let mut t = BankTransaction::new(Status::Booked, "-12.50".parse().unwrap(), "USD");
        t.booking_date = "2026-11-20".parse().ok();
        t.ids.transaction_id = Some("posted-1".into());
        t.meta = vec![
            ("plaid_pending_id".into(), "pending-1".into()),
            ("plaid_id".into(), "not the id".into()),
            ("plaid_pending_id".into(), "again".into()),
        ];
        let records = vec![t];
        let account = AccountConfig::new("a", "Assets:Bank");
        let input = crate::Input {
            account: &account,
            statement: Statement {
                source: "Plaid",
                id_key: "plaid_id",
                records: &records,
                balances: &[],
                fetched_at: None,
            },
            adjust: None,
        };
        let out = super::convert_account(
            &input,
            "2026-11-21".parse().unwrap(),
            &Categorizer::default(),
            super::Decisions::ByRule,
            super::Aliases::Leave,
        );
        let Entry::Transaction(e) = &out.entries[0] else {
            panic!("{:?}", out.entries)
        };
        assert_eq!(
            e.postings[0].meta,
            vec![
                ("plaid_id".to_owned(), MetaValue::String("posted-1".into())),
                (
                    "plaid_pending_id".to_owned(),
                    MetaValue::String("pending-1".into())
                ),
            ]
        );
    }
}
