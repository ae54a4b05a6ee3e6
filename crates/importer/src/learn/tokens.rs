//! Words of payees and narrations, and a fast map for counting them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rust_decimal::Decimal;

/// A `HashMap` with a small multiplicative hasher: the keys are our own
/// words and ids, not attacker-chosen in a way that matters for a one-shot
/// batch, and SipHash would dominate training time.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The rustc/Firefox "Fx" hash.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
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
        self.0
    }
}

/// Words ↔ small ids.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: FastMap<Box<str>, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(word.into(), id);
        id
    }

    pub(crate) fn get(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }
}

/// The direction of the money, as a pseudo-word no text can produce.
fn direction(amount: Decimal) -> &'static str {
    if amount.is_sign_negative() && !amount.is_zero() {
        "\u{0}out"
    } else {
        "\u{0}in"
    }
}

/// Calls `f` with each word of `text`: runs of letters and digits, lower
/// case, at least two characters, holding no digit (dates, card numbers and
/// references say nothing about the category and would swamp the
/// vocabulary).
fn each_word(text: &str, f: &mut impl FnMut(&str)) {
    let mut word = String::new();
    let mut digit = false;
    let mut flush = |word: &mut String, digit: &mut bool| {
        if !*digit && word.chars().nth(1).is_some() {
            f(word);
        }
        word.clear();
        *digit = false;
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            digit |= c.is_numeric();
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut digit);
        }
    }
    flush(&mut word, &mut digit);
}

/// The ids of the distinct words of payee and narration plus the direction
/// of the money, sorted. `lookup` maps a word to its id (interning it when
/// training; `None` for unknown words when predicting).
pub(crate) fn words(
    payee: Option<&str>,
    narration: &str,
    amount: Decimal,
    mut lookup: impl FnMut(&str) -> Option<u32>,
    out: &mut Vec<u32>,
) {
    let mut push = |w: &str| {
        if let Some(id) = lookup(w) {
            out.push(id);
        }
    };
    if let Some(p) = payee {
        each_word(p, &mut push);
    }
    each_word(narration, &mut push);
    push(direction(amount));
    out.sort_unstable();
    out.dedup();
}

/// A payee as compared across transactions: its words (see above) joined by
/// single spaces, so `TESCO STORES 2345` and `Tesco  Stores 17` agree.
pub(crate) fn normalize_payee(payee: &str) -> String {
    let mut out = String::new();
    each_word(payee, &mut |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_numbers_and_single_letters() {
        let mut seen = Vec::new();
        each_word("CARD 12/03 TESCO-Stores b2b x Ünïcode", &mut |w| {
            seen.push(w.to_owned())
        });
        assert_eq!(seen, ["card", "tesco", "stores", "ünïcode"]);
    }

    #[test]
    fn payees_normalise() {
        assert_eq!(normalize_payee("TESCO STORES 2345"), "tesco stores");
        assert_eq!(normalize_payee("  Tesco\tStores #17 "), "tesco stores");
        assert_eq!(normalize_payee("1234"), "");
    }
}
