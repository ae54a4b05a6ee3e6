//! Words of payees and narrations.

use rust_decimal::Decimal;

/// FNV-1a, a byte at a time: words are identified by this 64-bit hash
/// rather than stored. Two words of a ledger colliding is vanishingly
/// unlikely (about 10⁻¹⁰ for 100,000 distinct words) and would only merge
/// their counts.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[inline]
fn fnv(h: u64, byte: u8) -> u64 {
    (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// The direction of the money, as pseudo-words no text can produce (a real
/// word's hash never starts from these seeds).
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
fn each_word(text: &str, f: &mut impl FnMut(u64)) {
    let mut h = FNV_OFFSET;
    let mut chars = 0usize;
    let mut digit = false;
    let mut flush = |h: &mut u64, chars: &mut usize, digit: &mut bool| {
        if !*digit && *chars > 1 {
            f(*h);
        }
        *h = FNV_OFFSET;
        *chars = 0;
        *digit = false;
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Bank text is nearly all ASCII: handle it a byte at a time.
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                digit |= b.is_ascii_digit();
                h = fnv(h, b.to_ascii_lowercase());
                chars += 1;
            } else {
                flush(&mut h, &mut chars, &mut digit);
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("a char starts here");
        if c.is_alphanumeric() {
            digit |= c.is_numeric();
            for lower in c.to_lowercase() {
                let mut utf8 = [0u8; 4];
                for &byte in lower.encode_utf8(&mut utf8).as_bytes() {
                    h = fnv(h, byte);
                }
            }
            chars += 1;
        } else {
            flush(&mut h, &mut chars, &mut digit);
        }
        i += c.len_utf8();
    }
    flush(&mut h, &mut chars, &mut digit);
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
        each_word(p, &mut |w| {
            let k = key.unwrap_or(FNV_OFFSET);
            key = Some(w.to_le_bytes().iter().fold(k, |h, &b| fnv(h, b)));
            out.push(w);
        });
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
