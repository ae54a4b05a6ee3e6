//! Interning and the lookup tables used for matching.
//!
//! Lookups are sorted arrays of `(hash, posting)` pairs rather than hash
//! maps of vectors: one allocation each, 16 bytes per entry, built with one
//! sort. A hash hit is always confirmed against the record itself, so a
//! collision costs a comparison, never a wrong answer.

use std::hash::{BuildHasher, Hasher};

use foldhash::quality::FixedState;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Ledger, NO_CURRENCY};

/// Names (accounts, currencies, metadata keys) stored once, referred to by
/// a `u32`.
///
/// An open-addressing table looked up by bytes: a hit costs one hash and
/// one comparison, with no UTF-8 validation (stored names are valid, so
/// equal bytes are too).
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    /// Slots holding a name's id, or `EMPTY`; the length is a power of two.
    slots: Vec<u32>,
    hashes: Vec<u64>,
    names: Vec<Box<str>>,
}

const EMPTY: u32 = u32::MAX;

/// Byte equality for short names, a word at a time (no call to `memcmp`).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap());
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// A fast hasher with a fixed seed (the same tables every run) and a final
/// avalanche: the interner takes a hash's low bits, the tables its high
/// bits.
fn hasher() -> impl Hasher {
    FixedState::default().build_hasher()
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = hasher();
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
            if self.hashes[id as usize] == hash
                && same_bytes(self.names[id as usize].as_bytes(), name)
            {
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
    let mut h = hasher();
    h.write_u32(account);
    h.write(id.as_bytes());
    h.finish()
}

/// The number without trailing fractional zeros, so that equal values
/// (`5`, `5.00`) hash alike. Cheaper than `Decimal::normalize` for the
/// amounts ledgers hold, which fit in 64 bits.
fn canonical(number: Decimal) -> (i128, u32) {
    let mut scale = number.scale();
    let mantissa = number.mantissa();
    if let Ok(mut small) = i64::try_from(mantissa) {
        while scale > 0 && small % 10 == 0 {
            small /= 10;
            scale -= 1;
        }
        return (i128::from(small), scale);
    }
    let mut m = mantissa;
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    (m, scale)
}

pub(crate) fn hash_content(account: u32, currency: u32, number: Decimal) -> u64 {
    let (m, scale) = canonical(number);
    let mut h = hasher();
    h.write_u32(account);
    h.write_u32(currency);
    h.write_u64(m as u64);
    h.write_u64((m >> 64) as u64);
    h.write_u32(scale);
    h.finish()
}

/// A multimap from a key's hash to postings, in compressed rows: bucket
/// `b` holds `items[offsets[b]..offsets[b + 1]]`. Buckets mix keys, so
/// callers confirm each posting against the key.
///
/// Built by radix partitioning (first on the top 8 bits of the hash, then
/// within each partition), so every pass writes to a few cache-resident
/// places instead of scattering over the whole table.
#[derive(Debug, Default)]
struct Table {
    /// log2 of the number of buckets.
    bits: u32,
    offsets: Vec<u32>,
    items: Vec<u32>,
}

const PARTITION_BITS: u32 = 8;

impl Table {
    fn build(keys: &[(u64, u32)]) -> Table {
        let bits = (keys.len().max(1 << PARTITION_BITS).next_power_of_two()).trailing_zeros();
        let buckets = 1usize << bits;
        let bucket = |h: u64| (h >> (64 - bits)) as usize;
        let partition = |h: u64| (h >> (64 - PARTITION_BITS)) as usize;

        // Pass 1: by partition.
        let mut starts = [0u32; (1 << PARTITION_BITS) + 1];
        for &(h, _) in keys {
            starts[partition(h) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut cursor = starts;
        let mut partitioned = vec![(0u64, 0u32); keys.len()];
        for &(h, p) in keys {
            let slot = &mut cursor[partition(h)];
            partitioned[*slot as usize] = (h, p);
            *slot += 1;
        }

        // Pass 2: a counting sort of each partition by bucket.
        let per_partition = buckets >> PARTITION_BITS;
        let mut offsets = vec![0u32; buckets + 1];
        let mut items = vec![0u32; keys.len()];
        for part in 0..1usize << PARTITION_BITS {
            let (lo, hi) = (starts[part] as usize, starts[part + 1] as usize);
            let first = part * per_partition;
            let counts = &mut offsets[first + 1..first + per_partition + 1];
            for &(h, _) in &partitioned[lo..hi] {
                counts[bucket(h) - first] += 1;
            }
            let mut running = lo as u32;
            for c in counts.iter_mut() {
                running += *c;
                *c = running;
            }
            // offsets[b + 1] is now the end of bucket b: fill backwards.
            for &(h, p) in partitioned[lo..hi].iter().rev() {
                let end = &mut offsets[bucket(h) + 1];
                *end -= 1;
                items[*end as usize] = p;
            }
            // offsets[b + 1] is now the start of bucket b; shift into place.
            for b in first..first + per_partition {
                offsets[b] = offsets[b + 1];
            }
            offsets[first + per_partition] = hi as u32;
        }
        offsets[buckets] = keys.len() as u32;
        Table {
            bits,
            offsets,
            items,
        }
    }

    fn get(&self, hash: u64) -> &[u32] {
        if self.offsets.is_empty() {
            return &[];
        }
        let b = (hash >> (64 - self.bits)) as usize;
        &self.items[self.offsets[b] as usize..self.offsets[b + 1] as usize]
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
        index.by_id = Table::build(&by_id);
        drop(by_id);
        index.by_content = Table::build(&by_content);
        drop(by_content);
        index.pending.sort_unstable();
        index.balances.sort_unstable();
        index
    }

    /// Postings that may carry `id` on `account` (to be confirmed).
    pub(crate) fn by_id(&self, account: u32, id: &str) -> impl Iterator<Item = u32> + '_ {
        self.by_id.get(hash_id(account, id)).iter().copied()
    }

    /// Postings that may have these units on `account` (to be confirmed).
    pub(crate) fn by_content(
        &self,
        account: u32,
        currency: u32,
        number: Decimal,
    ) -> impl Iterator<Item = u32> + '_ {
        self.by_content
            .get(hash_content(account, currency, number))
            .iter()
            .copied()
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
    fn same_bytes_is_equality() {
        let names = [
            "",
            "a",
            "EUR",
            "Assets:A",
            "Assets:Bank",
            "Assets:Bank:Checking",
            "Assets:Bank:Checkinh",
            "Assets:Bank:Checking:",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    same_bytes(a.as_bytes(), b.as_bytes()),
                    a == b,
                    "{a:?} {b:?}"
                );
            }
        }
    }

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
    fn table_finds_every_key_and_only_its_bucket() {
        for n in [0usize, 1, 255, 256, 1000, 70_000] {
            let keys: Vec<(u64, u32)> = (0..n as u32)
                .map(|i| (hash_id(i % 7, &i.to_string()), i))
                .collect();
            let table = Table::build(&keys);
            for &(h, p) in &keys {
                let bucket = table.get(h);
                assert!(bucket.contains(&p), "n={n}, posting {p}");
                assert!(bucket.len() < 16, "n={n}: bucket of {}", bucket.len());
            }
            assert_eq!(table.items.len(), n);
        }
    }
}
