//! Interning and the lookup tables used for matching.
//!
//! Lookups are sorted arrays of `(hash, posting)` pairs rather than hash
//! maps of vectors: one allocation each, 16 bytes per entry, built with one
//! sort. A hash hit is always confirmed against the record itself, so a
//! collision costs a comparison, never a wrong answer.

use std::hash::Hasher;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Ledger, NO_CURRENCY};

/// A small, fast, non-cryptographic hasher (the Fx hash of rustc). Keys
/// come from the user's own ledger, so flooding is not a concern.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // A final avalanche so that sorted-array lookups see well spread keys.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// Names (accounts, currencies, metadata keys) stored once, referred to by
/// a `u32`.
///
/// An open-addressing table looked up by bytes: a hit costs one hash and
/// one comparison, with no UTF-8 validation (stored names are valid, so
/// equal bytes are too).
#[derive(Debug, Default)]
pub(crate) struct Interner {
    /// Slots holding a name's id, or `EMPTY`; the length is a power of two.
    slots: Vec<u32>,
    hashes: Vec<u64>,
    names: Vec<Box<str>>,
}

const EMPTY: u32 = u32::MAX;

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

impl Interner {
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        self.intern_bytes(name.as_bytes())
    }

    /// Interns bytes from a ledger line, replacing invalid UTF-8.
    #[inline]
    pub(crate) fn intern_bytes(&mut self, name: &[u8]) -> u32 {
        let hash = hash_bytes(name);
        match self.find(name, hash) {
            Ok(id) => id,
            Err(slot) => match std::str::from_utf8(name) {
                Ok(valid) => self.insert(valid, hash, slot),
                Err(_) => self.intern(&String::from_utf8_lossy(name)),
            },
        }
    }

    /// The id of `name`, or the empty slot where it would go.
    #[inline]
    fn find(&self, name: &[u8], hash: u64) -> Result<u32, usize> {
        if self.slots.is_empty() {
            return Err(usize::MAX);
        }
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let id = self.slots[slot];
            if id == EMPTY {
                return Err(slot);
            }
            if self.hashes[id as usize] == hash && self.names[id as usize].as_bytes() == name {
                return Ok(id);
            }
            slot = (slot + 1) & mask;
        }
    }

    fn insert(&mut self, name: &str, hash: u64, slot: usize) -> u32 {
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.hashes.push(hash);
        if self.names.len() * 2 > self.slots.len() {
            // Keep the table at most half full: rebuild it twice as large.
            let size = (self.slots.len() * 2).max(64);
            self.slots = vec![EMPTY; size];
            for (i, &h) in self.hashes.iter().enumerate() {
                let mut s = h as usize & (size - 1);
                while self.slots[s] != EMPTY {
                    s = (s + 1) & (size - 1);
                }
                self.slots[s] = i as u32;
            }
        } else {
            self.slots[slot] = id;
        }
        id
    }

    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.find(name.as_bytes(), hash_bytes(name.as_bytes())).ok()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

pub(crate) fn hash_id(account: u32, id: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write_u32(account);
    h.write(id.as_bytes());
    h.finish()
}

pub(crate) fn hash_content(account: u32, currency: u32, number: Decimal) -> u64 {
    let n = number.normalize();
    let mut h = FxHasher::default();
    h.write_u32(account);
    h.write_u32(currency);
    let m = n.mantissa();
    h.write_u64(m as u64);
    h.write_u64((m >> 64) as u64);
    h.write_u32(n.scale());
    h.finish()
}

/// A multimap from a key's hash to postings: bucket heads and chained
/// entries, 8 bytes per entry. Buckets mix keys, so callers confirm each
/// posting against the key.
#[derive(Debug, Default)]
struct Table {
    heads: Vec<u32>,
    /// `(posting, next entry)`.
    entries: Vec<(u32, u32)>,
}

const END: u32 = u32::MAX;

impl Table {
    fn with_buckets(expected: usize) -> Table {
        Table {
            heads: vec![END; expected.max(16).next_power_of_two()],
            entries: Vec::with_capacity(expected),
        }
    }

    #[inline]
    fn insert(&mut self, hash: u64, posting: u32) {
        let bucket = hash as usize & (self.heads.len() - 1);
        self.entries.push((posting, self.heads[bucket]));
        self.heads[bucket] = (self.entries.len() - 1) as u32;
    }

    fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let mut next = match self.heads.len() {
            0 => END,
            n => self.heads[hash as usize & (n - 1)],
        };
        std::iter::from_fn(move || {
            if next == END {
                return None;
            }
            let (posting, after) = self.entries[next as usize];
            next = after;
            Some(posting)
        })
    }
}

/// The lookup tables, built once after reading.
#[derive(Debug, Default)]
pub(crate) struct Index {
    by_id: Table,
    by_content: Table,
    /// `(account, posting)` of postings in pending transactions, by account.
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
            by_id: Table::with_buckets(ledger.txns.len()),
            by_content: Table::with_buckets(ledger.postings.len()),
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
        for t in &ledger.txns {
            let txn_meta = ledger.meta_slice(t.meta_start, t.meta_len);
            let txn_has_id = txn_meta.iter().any(|m| is_id(m.key));
            let pending = t.flag == b'!';
            for p_index in t.post_start..t.post_start + u32::from(t.post_len) {
                let p = &ledger.postings[p_index as usize];
                let own_meta = ledger.meta_slice(p.meta_start, p.meta_len);
                let mut has_own_id = txn_has_id && p_index == t.post_start;
                for m in own_meta.iter().chain(txn_meta) {
                    if is_id(m.key) {
                        index
                            .by_id
                            .insert(hash_id(p.account, ledger.str(m.value)), p_index);
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
                    index
                        .by_content
                        .insert(hash_content(p.account, p.currency, p.number), p_index);
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
