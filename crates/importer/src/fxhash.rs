//! A small, fast, non-cryptographic hasher for the crate's own tables.
//!
//! The ledger index and the learning model hash hundreds of thousands of
//! names and words per run; SipHash (std's default) would dominate both.
//! Keys come from the user's own ledger and bank, and a run is a one-shot
//! batch, so hash flooding is not a concern.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed through [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

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
        // Whole words, then the tail as one overlapping load: no byte-wise
        // copies (they stall on store forwarding).
        let n = bytes.len();
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap());
        if n >= 8 {
            let mut chunks = bytes.chunks_exact(8);
            for chunk in &mut chunks {
                self.add(word(chunk));
            }
            if !chunks.remainder().is_empty() {
                self.add(word(&bytes[n - 8..]));
            }
        } else if n >= 4 {
            let half = |b: &[u8]| u64::from(u32::from_le_bytes(b.try_into().unwrap()));
            self.add(half(&bytes[..4]) | (half(&bytes[n - 4..]) << 32));
        } else if n > 0 {
            let b = |i: usize| u64::from(bytes[i]);
            self.add(b(0) | (b(n / 2) << 8) | (b(n - 1) << 16));
        }
        self.add(n as u64);
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
