//! Interning and the lookup tables used for matching.
//!
//! Lookups are sorted arrays of `(hash, posting)` pairs rather than hash
//! maps of vectors: one allocation each, 16 bytes per entry, built with one
//! sort. A hash hit is always confirmed against the record itself, so a
//! collision costs a comparison, never a wrong answer.

use std::hash::{BuildHasher, Hash, Hasher};

use foldhash::HashMap;
use foldhash::quality::FixedState;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Ledger, NO_CURRENCY};

/// Names (accounts, currencies, metadata keys) stored once, referred to by
/// a `u32`.
///
/// Looked up by bytes, as the scanner reads them: a name already seen is
/// found without checking its UTF-8 again (stored names are valid, so
/// equal bytes are too).
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<str>>,
}

/// A hasher with a fixed seed: the same tables every run.
fn hasher() -> impl Hasher {
    FixedState::default().build_hasher()
}

impl Interner {
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        self.intern_bytes(name.as_bytes())
    }

    /// Interns bytes from a ledger line, replacing invalid UTF-8.
    pub(crate) fn intern_bytes(&mut self, name: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        match std::str::from_utf8(name) {
            Ok(valid) => {
                let id = self.names.len() as u32;
                self.names.push(valid.into());
                self.ids.insert(name.into(), id);
                id
            }
            Err(_) => self.intern(&String::from_utf8_lossy(name)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name.as_bytes()).copied()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

pub(crate) fn hash_id(account: u32, id: &str) -> u64 {
    let mut h = hasher();
    h.write_u32(account);
    h.write(id.as_bytes());
    h.finish()
}

pub(crate) fn hash_content(account: u32, currency: u32, number: Decimal) -> u64 {
    let mut h = hasher();
    h.write_u32(account);
    h.write_u32(currency);
    // Equal values (`5`, `5.00`) hash alike.
    number.hash(&mut h);
    h.finish()
}

/// A multimap from a key's hash to postings: `(hash, posting)` pairs
/// sorted by hash.
#[derive(Debug, Default)]
struct Table(Vec<(u64, u32)>);

impl Table {
    fn build(mut keys: Vec<(u64, u32)>) -> Table {
        keys.sort_unstable();
        Table(keys)
    }

    /// The postings under `hash`, in ledger order.
    fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let start = self.0.partition_point(|&(h, _)| h < hash);
        self.0[start..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, p)| p)
    }
}

/// The lookup tables, built once after reading.
#[derive(Debug, Default)]
pub(crate) struct Index {
    by_id: Table,
    by_content: Table,
    /// `(account, posting)` of pending postings, by account.
    pending: Vec<(u32, u32)>,
    /// `(account, date)` of balance assertions, sorted.
    balances: Vec<(u32, NaiveDate)>,
    last_imported: Vec<Option<NaiveDate>>,
    open_dates: Vec<Option<NaiveDate>>,
}

impl Index {
    pub(crate) fn build(ledger: &Ledger) -> Index {
        let accounts = ledger.accounts.len();
        let mut index = Index {
            by_id: Table::default(),
            by_content: Table::default(),
            pending: Vec::new(),
            balances: ledger
                .balances
                .iter()
                .map(|b| (b.account, b.date))
                .collect(),
            last_imported: vec![None; accounts],
            open_dates: vec![None; accounts],
        };
        let is_id = |key: u32| ledger.id_key_ids.contains(&key);
        let mut by_id: Vec<(u64, u32)> = Vec::with_capacity(ledger.txns.len());
        let mut by_content: Vec<(u64, u32)> = Vec::with_capacity(ledger.postings.len());
        for t in &ledger.txns {
            let txn_meta = ledger.meta_slice(t.meta_start, t.meta_len);
            let txn_has_id = txn_meta.iter().any(|m| is_id(m.key));
            let txn_pending = ledger.pending_in(txn_meta);
            for p_index in t.post_start..t.post_start + u32::from(t.post_len) {
                let p = &ledger.postings[p_index as usize];
                let own_meta = ledger.meta_slice(p.meta_start, p.meta_len);
                let pending =
                    ledger.pending_in(own_meta) || (txn_pending && p_index == t.post_start);
                let mut has_own_id = txn_has_id && p_index == t.post_start;
                for m in own_meta.iter().chain(txn_meta) {
                    if is_id(m.key) {
                        by_id.push((hash_id(p.account, ledger.str(m.value)), p_index));
                    }
                }
                if own_meta.iter().any(|m| is_id(m.key)) {
                    has_own_id = true;
                }
                if has_own_id {
                    let last = &mut index.last_imported[p.account as usize];
                    if last.is_none_or(|d| d < t.date) {
                        *last = Some(t.date);
                    }
                }
                if p.has_number && p.currency != NO_CURRENCY && (!has_own_id || pending) {
                    by_content.push((hash_content(p.account, p.currency, p.number), p_index));
                }
                if pending {
                    index.pending.push((p.account, p_index));
                }
            }
        }
        for o in &ledger.opens {
            let d = &mut index.open_dates[o.account as usize];
            if d.is_none_or(|d| d > o.date) {
                *d = Some(o.date);
            }
        }
        index.by_id = Table::build(by_id);
        index.by_content = Table::build(by_content);
        index.pending.sort_unstable();
        index.balances.sort_unstable();
        index
    }

    /// Postings that may carry `id` on `account` (to be confirmed).
    pub(crate) fn by_id(&self, account: u32, id: &str) -> impl Iterator<Item = u32> + '_ {
        self.by_id.get(hash_id(account, id))
    }

    /// Postings that may have these units on `account` (to be confirmed).
    pub(crate) fn by_content(
        &self,
        account: u32,
        currency: u32,
        number: Decimal,
    ) -> impl Iterator<Item = u32> + '_ {
        self.by_content.get(hash_content(account, currency, number))
    }

    pub(crate) fn pending(&self, account: u32) -> &[(u32, u32)] {
        let start = self.pending.partition_point(|&(a, _)| a < account);
        let len = self.pending[start..].partition_point(|&(a, _)| a == account);
        &self.pending[start..start + len]
    }

    pub(crate) fn has_balance(&self, account: u32, date: NaiveDate) -> bool {
        self.balances.binary_search(&(account, date)).is_ok()
    }

    pub(crate) fn last_imported(&self, account: u32) -> Option<NaiveDate> {
        self.last_imported.get(account as usize).copied().flatten()
    }

    pub(crate) fn open_date(&self, account: u32) -> Option<NaiveDate> {
        self.open_dates.get(account as usize).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_numbers_hash_alike() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (a, b) in [
            ("5", "5.00"),
            ("-23.4", "-23.40"),
            ("0", "0.000"),
            ("100", "100.0"),
        ] {
            assert_eq!(
                hash_content(1, 2, d(a)),
                hash_content(1, 2, d(b)),
                "{a} {b}"
            );
        }
        assert_ne!(hash_content(1, 2, d("5")), hash_content(1, 2, d("50")));
        assert_ne!(hash_content(1, 2, d("5")), hash_content(1, 2, d("-5")));
        let big = d("12345678901234567890123.4500");
        assert_eq!(
            hash_content(1, 2, big),
            hash_content(1, 2, d("12345678901234567890123.45"))
        );
    }

    #[test]
    fn table_finds_every_posting_of_a_hash_in_order() {
        for n in [0u32, 1, 255, 256, 1000, 70_000] {
            // Each key three times, postings out of order.
            let keys: Vec<(u64, u32)> = (0..n)
                .rev()
                .map(|i| (hash_id(i / 3 % 7, &(i / 3).to_string()), i))
                .collect();
            let mut want: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
            for &(h, p) in &keys {
                want.entry(h).or_default().push(p);
            }
            assert_eq!(want.len(), n.div_ceil(3) as usize);
            let table = Table::build(keys);
            for (h, mut postings) in want {
                postings.sort_unstable();
                assert_eq!(table.get(h).collect::<Vec<_>>(), postings, "n={n}");
            }
            assert_eq!(table.get(0).count(), 0);
        }
    }
}
