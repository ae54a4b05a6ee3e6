//! Words of payees and narrations.

use std::hash::Hasher;

use fnv::FnvHasher;
use rust_decimal::Decimal;

/// The direction of the money, as pseudo-words (a word hashing to one of
/// these is as unlikely as two words colliding).
fn direction(amount: Decimal) -> u64 {
    if amount.is_sign_negative() && !amount.is_zero() {
        0x6f75_7400_0000_0001
    } else {
        0x696e_0000_0000_0002
    }
}

/// Whether `word` is one of the pseudo-words of [`direction`].
pub(crate) fn is_direction(word: u64) -> bool {
    word == direction(Decimal::NEGATIVE_ONE) || word == direction(Decimal::ONE)
}

/// Calls `f` with the hash of each word of `text`: runs of letters and
/// digits, lower case, at least two characters, holding no digit (dates,
/// card numbers and references say nothing about the category and would
/// swamp the vocabulary).
///
/// Words are identified by their 64-bit FNV-1a hash rather than stored.
/// Two words of a ledger colliding is vanishingly unlikely (about 10⁻¹⁰ for
/// 100,000 distinct words) and would only merge their counts. FNV-1a takes
/// a word a byte at a time as it is lowered: no word is copied.
fn each_word(text: &str, f: &mut impl FnMut(u64)) {
    let mut h = FnvHasher::default();
    let (mut chars, mut digit) = (0, false);
    // A space after the text ends its last word.
    for c in text.chars().chain([' ']) {
        if c.is_alphanumeric() {
            digit |= c.is_numeric();
            // `to_lowercase` builds an iterator for every character.
            if c.is_ascii() {
                h.write_u8(c.to_ascii_lowercase() as u8);
            } else {
                for lower in c.to_lowercase() {
                    h.write(lower.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
            chars += 1;
        } else if chars > 0 {
            if !digit && chars > 1 {
                f(h.finish());
            }
            h = FnvHasher::default();
            (chars, digit) = (0, false);
        }
    }
}

/// The hashes of the distinct words of payee and narration plus the
/// direction of the money, sorted, into `out`. Returns the normalised
/// payee's key: the hash of its words in order, so that `TESCO STORES 2345`
/// and `Tesco  Stores #17` agree; `None` when the payee has no words.
pub(crate) fn words(
    payee: Option<&str>,
    narration: &str,
    amount: Decimal,
    out: &mut Vec<u64>,
) -> Option<u64> {
    out.clear();
    let mut key = None;
    if let Some(p) = payee {
        let (mut h, mut any) = (FnvHasher::default(), false);
        each_word(p, &mut |w| {
            h.write_u64(w);
            any = true;
            out.push(w);
        });
        key = any.then(|| h.finish());
    }
    each_word(narration, &mut |w| out.push(w));
    out.push(direction(amount));
    out.sort_unstable();
    out.dedup();
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(text: &str) -> Vec<u64> {
        let mut seen = Vec::new();
        each_word(text, &mut |w| seen.push(w));
        seen
    }

    #[test]
    fn words_skip_numbers_and_single_letters_and_ignore_case() {
        assert_eq!(
            hashes("CARD 12/03 TESCO-Stores b2b x ÜNÏCODE"),
            hashes("card tesco stores ünïcode")
        );
        assert_eq!(hashes("card tesco stores ünïcode").len(), 4);
        assert_ne!(hashes("tesco"), hashes("tescp"));
    }

    #[test]
    fn payees_normalise() {
        let key = |p: &str| words(Some(p), "", Decimal::ONE, &mut Vec::new());
        assert_eq!(key("TESCO STORES 2345"), key("  Tesco\tStores #17 "));
        assert_ne!(key("TESCO STORES"), key("STORES TESCO"));
        assert_ne!(key("TESCO STORES"), key("TESCO"));
        assert_eq!(key("1234"), None);
    }
}
