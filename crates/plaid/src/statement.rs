//! Plaid data in the importer's neutral terms: a [`SyncResult`] sorted out
//! by account ([`Changes`]), each account's transactions read into
//! [`importer::BankTransaction`]s ([`PlaidRecords`]), and an account's
//! balance into an [`importer::Balance`] ([`balances`]).
//!
//! A sync is a list of changes, not a statement: what it `added` is new,
//! what it `modified` or `removed` may already be in the ledger. The
//! changes are applied to each other first, in Plaid's order (added, then
//! modified, then removed), so a transaction added and changed within one
//! sync is imported in its last version and one added and removed (a
//! pending purchase that posted since) is not imported at all. What is
//! left over, changes to transactions of earlier syncs, is handed back for
//! the caller to report ([`Changes::modified`], [`Changes::removed`]).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use importer::{Balance, BalanceKind, BankTransaction, Records, Statement, Status, Unreadable};
use rust_decimal::Decimal;

use crate::settings::Narration;
use crate::{Account, AccountType, RemovedTransaction, SyncResult, TransactionRecord};

/// The metadata key Plaid transaction ids are written under, on the bank
/// account's posting.
pub const ID_KEY: &str = "plaid_id";

/// The metadata key, next to [`ID_KEY`], of the pending transaction a
/// posted one replaces (Plaid's `pending_transaction_id`): how the pending
/// entry already in the ledger is found again.
pub const PENDING_ID_KEY: &str = "plaid_pending_id";

/// How the source is named in the output's headings.
pub const SOURCE_LABEL: &str = "Plaid";

/// A [`SyncResult`] sorted out by account, its changes applied to each
/// other.
///
/// ```
/// # fn sync() -> plaid::SyncResult { unimplemented!() }
/// # fn run(config: &importer::Config, sync: plaid::SyncResult) {
/// use plaid::statement::{Changes, statement};
/// let changes = Changes::new(&sync);
/// for account in &config.accounts {
///     let records = changes.records(&account.id, plaid::Narration::Name);
///     let statement = statement(&records, &[]);
///     // importer::Input { account, statement } …
///     for removed in changes.removed_for(&account.id) {
///         eprintln!("{}: Plaid removed {}", account.account, removed.transaction_id);
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Changes<'a> {
    accounts: BTreeMap<String, Vec<&'a TransactionRecord>>,
    modified: Vec<&'a TransactionRecord>,
    removed: Vec<&'a RemovedTransaction>,
    unassigned: Vec<&'a TransactionRecord>,
}

impl<'a> Changes<'a> {
    /// Applies `sync`'s modified and removed transactions to its added
    /// ones and sorts what is left by account.
    pub fn new(sync: &'a SyncResult) -> Changes<'a> {
        // The transactions this sync added, in Plaid's order; `None` once
        // removed again.
        let mut added: Vec<Option<&'a TransactionRecord>> = Vec::with_capacity(sync.added.len());
        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(sync.added.len());
        for record in &sync.added {
            match record.transaction_id() {
                // The same id twice: the later version stands.
                Some(id) => match by_id.get(&id) {
                    Some(&i) => added[i] = Some(record),
                    None => {
                        by_id.insert(id, added.len());
                        added.push(Some(record));
                    }
                },
                // Unreadable without an id: still imported, as a comment.
                None => added.push(Some(record)),
            }
        }
        let mut changes = Changes::default();
        for record in &sync.modified {
            match record.transaction_id().and_then(|id| by_id.get(&id)) {
                Some(&i) => added[i] = Some(record),
                None => changes.modified.push(record),
            }
        }
        for removed in &sync.removed {
            match by_id.get(&removed.transaction_id) {
                Some(&i) => added[i] = None,
                None => changes.removed.push(removed),
            }
        }
        for record in added.into_iter().flatten() {
            match record.account_id() {
                Some(account) => changes.accounts.entry(account).or_default().push(record),
                None => changes.unassigned.push(record),
            }
        }
        changes
    }

    /// The transactions of one account to import, in Plaid's order, read
    /// with `narration`.
    pub fn records(&self, account_id: &str, narration: Narration) -> PlaidRecords<'a> {
        PlaidRecords {
            records: self.accounts.get(account_id).cloned().unwrap_or_default(),
            narration,
        }
    }

    /// The accounts with transactions to import, by id: an account the
    /// configuration does not name is one the user has not mapped yet.
    pub fn account_ids(&self) -> impl Iterator<Item = &str> {
        self.accounts.keys().map(String::as_str)
    }

    /// New versions of transactions an earlier sync delivered (their
    /// entries may be in the ledger), in Plaid's order.
    pub fn modified(&self) -> &[&'a TransactionRecord] {
        &self.modified
    }

    /// [`Changes::modified`] of one account.
    pub fn modified_for<'s>(
        &'s self,
        account_id: &'s str,
    ) -> impl Iterator<Item = &'a TransactionRecord> + 's {
        self.modified
            .iter()
            .copied()
            .filter(move |r| r.account_id().as_deref() == Some(account_id))
    }

    /// Transactions an earlier sync delivered that Plaid removed: a
    /// pending one that posted (under another id, which names this one in
    /// `pending_transaction_id`) or was cancelled, or one the institution
    /// withdrew. Their entries may be in the ledger, under [`ID_KEY`].
    pub fn removed(&self) -> &[&'a RemovedTransaction] {
        &self.removed
    }

    /// [`Changes::removed`] of one account.
    pub fn removed_for<'s>(
        &'s self,
        account_id: &'s str,
    ) -> impl Iterator<Item = &'a RemovedTransaction> + 's {
        self.removed
            .iter()
            .copied()
            .filter(move |r| r.account_id == account_id)
    }

    /// Added records without a readable `account_id`: they belong to no
    /// account, so no statement holds them; report them.
    pub fn unassigned(&self) -> &[&'a TransactionRecord] {
        &self.unassigned
    }
}

/// One account's transactions from a sync, as the importer reads them.
#[derive(Debug, Clone)]
pub struct PlaidRecords<'a> {
    records: Vec<&'a TransactionRecord>,
    narration: Narration,
}

impl Records for PlaidRecords<'_> {
    fn len(&self) -> usize {
        self.records.len()
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        bank_transaction(self.records[i], self.narration)
    }

    fn raw(&self, i: usize) -> &str {
        self.records[i].json()
    }
}

/// An account's statement: its records and balances, with Plaid's id key.
/// `balances` is empty when none are known.
pub fn statement<'a>(records: &'a PlaidRecords<'a>, balances: &'a [Balance]) -> Statement<'a> {
    Statement {
        source: SOURCE_LABEL,
        id_key: ID_KEY,
        records,
        balances,
        fetched_at: None,
    }
}

/// An account's balance in neutral terms: `balances.current` as an
/// [`BalanceKind::InterimBooked`] balance (Plaid's current balance leaves
/// pending transactions out; the available balance counts them, and holds),
/// negated for credit and loan accounts, whose current balance is what is
/// owed and which live under `Liabilities:`. It is dated by Plaid's
/// `last_updated_datetime` when the institution gives one, else by
/// `as_of`: the day the figure was read at the bank (today for
/// [`crate::Client::balances`]; the day of the Item's last successful
/// update for the cached balances of [`crate::Client::accounts`] and
/// [`SyncResult::accounts`]).
///
/// Empty without a current balance or a currency, and for investment and
/// other accounts, whose balance is not the sum of their transactions.
///
/// ```
/// let card: plaid::Account = serde_json::from_str(r#"{"account_id": "c", "type": "credit",
///     "balances": {"current": 410.5, "available": 1589.5, "iso_currency_code": "USD"}}"#).unwrap();
/// let b = plaid::statement::balances(&card, "2026-11-20".parse().unwrap());
/// assert_eq!(b[0].amount.to_string(), "-410.5");
/// assert_eq!(b[0].kind, importer::BalanceKind::InterimBooked);
/// assert_eq!(b[0].reference_date, "2026-11-20".parse().ok());
/// ```
pub fn balances(account: &Account, as_of: NaiveDate) -> Vec<Balance> {
    let b = &account.balances;
    let (Some(current), Some(currency)) = (b.current, b.currency()) else {
        return Vec::new();
    };
    let amount = match account.kind {
        AccountType::Depository => current,
        AccountType::Credit | AccountType::Loan => negate(current),
        _ => return Vec::new(),
    };
    vec![Balance {
        kind: BalanceKind::InterimBooked,
        amount,
        currency: currency.to_owned(),
        reference_date: Some(
            b.last_updated_datetime
                .map(|d| d.date_naive())
                .unwrap_or(as_of),
        ),
        last_change: None,
        fetched_at: None,
    }]
}

/// Reads one Plaid record: the amount negated (Plaid's is positive for
/// money out), dated by `date` with `authorized_date` as the transaction
/// date, payee `merchant_name` else `name`, narration per `narration`, the
/// id `transaction_id` and, on a posted transaction, the pending one it
/// replaces under [`PENDING_ID_KEY`].
///
/// # Errors
/// When the record cannot be read or has no currency; the error carries
/// any date and id still found in it.
///
/// ```
/// use plaid::{Narration, TransactionRecord};
/// let r = TransactionRecord::from_json(r#"{"transaction_id": "t2", "account_id": "a",
///   "amount": 72.10, "iso_currency_code": "USD", "date": "2026-11-20",
///   "authorized_date": "2026-11-19", "pending": false, "pending_transaction_id": "t1",
///   "name": "PURCHASE WM SUPERCENTER", "merchant_name": "Walmart"}"#).unwrap();
/// let t = plaid::statement::bank_transaction(&r, Narration::Name).unwrap();
/// assert_eq!(t.amount.to_string(), "-72.10");
/// assert_eq!(t.payee.as_deref(), Some("Walmart"));
/// assert_eq!(t.meta, [("plaid_pending_id".to_owned(), "t1".to_owned())]);
/// ```
pub fn bank_transaction(
    record: &TransactionRecord,
    narration: Narration,
) -> Result<BankTransaction, Unreadable> {
    let t = record.parse().map_err(|e| Unreadable {
        reason: format!("unreadable transaction: {e}"),
        date: None,
        id: record.transaction_id(),
    })?;
    let Some(currency) = t.currency() else {
        return Err(Unreadable {
            reason: "no currency: neither iso_currency_code nor unofficial_currency_code is set"
                .to_owned(),
            date: Some(t.date),
            id: Some(t.transaction_id),
        });
    };
    let status = if t.pending {
        Status::Pending
    } else {
        Status::Booked
    };
    let mut b = BankTransaction::new(status, negate(t.amount), currency);
    b.booking_date = Some(t.date);
    b.transaction_date = t.authorized_date;
    b.payee = t.payee().and_then(trimmed);
    b.narration = match narration {
        Narration::Name => t.name.as_deref().and_then(trimmed),
        Narration::OriginalDescription => t
            .original_description
            .as_deref()
            .and_then(trimmed)
            .or_else(|| t.name.as_deref().and_then(trimmed)),
    };
    b.ids.transaction_id = Some(t.transaction_id);
    // Only a posted transaction replaces a pending one.
    if let (Some(pending), false) = (t.pending_transaction_id, t.pending) {
        b.meta.push((PENDING_ID_KEY.to_owned(), pending));
    }
    b.raw = record.json().into();
    Ok(b)
}

/// `s` trimmed, `None` when blank (as [`BankTransaction`] keeps text).
fn trimmed(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `-d`, without a negative zero.
fn negate(d: Decimal) -> Decimal {
    if d.is_zero() { d.abs() } else { -d }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cursor;

    fn record(json: &str) -> TransactionRecord {
        TransactionRecord::from_json(json).unwrap()
    }

    fn tx(id: &str, account: &str, amount: &str, extra: &str) -> TransactionRecord {
        record(&format!(
            r#"{{"transaction_id": "{id}", "account_id": "{account}", "amount": {amount},
                "iso_currency_code": "USD", "date": "2026-11-20", "name": "n {id}"{extra}}}"#
        ))
    }

    fn sync(
        added: Vec<TransactionRecord>,
        modified: Vec<TransactionRecord>,
        removed: &[(&str, &str)],
    ) -> SyncResult {
        SyncResult {
            added,
            modified,
            removed: removed
                .iter()
                .map(|(id, account)| RemovedTransaction {
                    transaction_id: (*id).to_owned(),
                    account_id: (*account).to_owned(),
                })
                .collect(),
            accounts: Vec::new(),
            next_cursor: Cursor::new("c").unwrap(),
            update_status: Default::default(),
            pages: 1,
            restarts: 0,
        }
    }

    fn ids(records: &PlaidRecords<'_>) -> Vec<String> {
        (0..records.len())
            .map(|i| records.read(i).unwrap().ids.transaction_id.unwrap())
            .collect()
    }

    #[test]
    fn changes_within_one_sync_are_applied_before_import() {
        let s = sync(
            vec![
                tx("p1", "a", "10", r#", "pending": true"#),
                tx("t1", "a", "5", ""),
                tx("t2", "b", "-7", ""),
                record(r#"{"transaction_id": "x", "amount": 1}"#),
                record(r#"{"account_id": "b", "amount": "lots"}"#),
            ],
            vec![tx("t1", "a", "6", ""), tx("old", "b", "3", "")],
            &[("p1", "a"), ("gone", "a"), ("gone2", "b")],
        );
        let c = Changes::new(&s);
        let a = c.records("a", Narration::Name);
        assert_eq!(ids(&a), ["t1"]);
        assert_eq!(a.read(0).unwrap().amount.to_string(), "-6");
        let b = c.records("b", Narration::Name);
        assert_eq!(b.len(), 2);
        assert_eq!(b.read(0).unwrap().amount.to_string(), "7");
        let bad = b.read(1).unwrap_err();
        assert!(bad.reason.contains("unreadable transaction"), "{bad:?}");
        assert!(b.raw(1).contains("lots"));
        assert_eq!(c.records("nobody", Narration::Name).len(), 0);
        assert_eq!(c.account_ids().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(c.unassigned().len(), 1);
        assert_eq!(c.unassigned()[0].transaction_id().as_deref(), Some("x"));
        assert_eq!(c.modified().len(), 1);
        assert_eq!(c.modified_for("b").count(), 1);
        assert_eq!(c.modified_for("a").count(), 0);
        let removed: Vec<_> = c.removed().iter().map(|r| &r.transaction_id).collect();
        assert_eq!(removed, ["gone", "gone2"]);
        assert_eq!(c.removed_for("a").count(), 1);
    }

    #[test]
    fn transactions_read_with_plaid_s_meaning() {
        let pending = tx(
            "p1",
            "a",
            "12.3400",
            r#", "pending": true, "authorized_date": "2026-11-19",
                "merchant_name": " Starbucks ", "original_description": "SBUX 123""#,
        );
        let t = bank_transaction(&pending, Narration::Name).unwrap();
        assert_eq!(t.status, Status::Pending);
        assert_eq!(t.amount.to_string(), "-12.3400");
        assert_eq!(t.booking_date, "2026-11-20".parse().ok());
        assert_eq!(t.transaction_date, "2026-11-19".parse().ok());
        assert_eq!(t.payee.as_deref(), Some("Starbucks"));
        assert_eq!(t.narration.as_deref(), Some("n p1"));
        assert!(t.meta.is_empty());
        let t = bank_transaction(&pending, Narration::OriginalDescription).unwrap();
        assert_eq!(t.narration.as_deref(), Some("SBUX 123"));

        let refund = tx("r", "a", "-0.5", r#", "pending_transaction_id": "p0""#);
        let t = bank_transaction(&refund, Narration::OriginalDescription).unwrap();
        assert_eq!(t.status, Status::Booked);
        assert_eq!(t.amount.to_string(), "0.5");
        assert_eq!(t.payee.as_deref(), Some("n r"));
        assert_eq!(t.narration.as_deref(), Some("n r"));
        assert_eq!(t.meta, [(PENDING_ID_KEY.to_owned(), "p0".to_owned())]);
        let zero = bank_transaction(&tx("z", "a", "0.00", ""), Narration::Name).unwrap();
        assert!(!zero.amount.is_sign_negative(), "{}", zero.amount);

        let crypto = record(
            r#"{"transaction_id": "c", "account_id": "a", "amount": 1, "date": "2026-11-20",
                "iso_currency_code": null, "unofficial_currency_code": "BTC"}"#,
        );
        assert_eq!(
            bank_transaction(&crypto, Narration::Name).unwrap().currency,
            "BTC"
        );
        let none = record(
            r#"{"transaction_id": "n", "account_id": "a", "amount": 1, "date": "2026-11-20"}"#,
        );
        let e = bank_transaction(&none, Narration::Name).unwrap_err();
        assert!(e.reason.starts_with("no currency"), "{e:?}");
        assert_eq!(e.id.as_deref(), Some("n"));
        assert_eq!(e.date, "2026-11-20".parse().ok());
    }

    #[test]
    fn balances_are_the_ledger_s_sign_and_day() {
        let account = |kind: &str, balances: &str| -> Account {
            serde_json::from_str(&format!(
                r#"{{"account_id": "x", "type": "{kind}", "balances": {balances}}}"#
            ))
            .unwrap()
        };
        let day: NaiveDate = "2026-11-20".parse().unwrap();
        let usd = r#"{"current": 100.25, "available": 90, "iso_currency_code": "USD"}"#;
        let b = balances(&account("depository", usd), day);
        assert_eq!(b.len(), 1);
        assert_eq!(
            (b[0].amount.to_string(), b[0].currency.as_str()),
            ("100.25".into(), "USD")
        );
        assert!(!b[0].kind.includes_pending());
        assert_eq!(
            balances(&account("loan", usd), day)[0].amount.to_string(),
            "-100.25"
        );
        let dated = r#"{"current": 1, "iso_currency_code": "USD",
                        "last_updated_datetime": "2026-11-18T23:10:00Z"}"#;
        assert_eq!(
            balances(&account("credit", dated), day)[0].reference_date,
            "2026-11-18".parse().ok()
        );
        for (kind, b) in [
            ("investment", usd),
            ("other", usd),
            (
                "depository",
                r#"{"current": null, "iso_currency_code": "USD"}"#,
            ),
            ("depository", r#"{"current": 5}"#),
        ] {
            assert!(balances(&account(kind, b), day).is_empty(), "{kind} {b}");
        }
    }
}
