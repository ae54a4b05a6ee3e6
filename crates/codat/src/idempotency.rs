//! Idempotency keys: one per push, reused on every retry of it.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::{Error, Operation};
use crate::model::BankTransaction;

/// The `Idempotency-Key` of a POST or PATCH: a GUID. Codat answers a
/// request that repeats a key seen in the last 90 minutes with the first
/// answer instead of doing it again, so a retry after a lost answer cannot
/// push twice. A key reused for a different body is refused (422).
///
/// ```
/// use codat::{BankTransaction, IdempotencyKey};
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
/// let batch = [BankTransaction::new("tx-1", d, "5".parse().unwrap(), None)];
/// let a = IdempotencyKey::for_batch("acc-1", &batch);
/// assert_eq!(a, IdempotencyKey::for_batch("acc-1", &batch));
/// assert_ne!(a, IdempotencyKey::for_batch("acc-2", &batch));
/// assert_eq!(IdempotencyKey::parse(a.as_str()).unwrap(), a);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A key kept from an earlier run: a GUID (`8-4-4-4-12` hex digits).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when it is not a GUID.
    pub fn parse(s: &str) -> Result<IdempotencyKey, Error> {
        let t = s.trim();
        let groups: Vec<&str> = t.split('-').collect();
        let shape = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
        if !shape
            || !groups
                .iter()
                .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Error::InvalidArgument {
                op: Operation::new("Idempotency-Key"),
                message: format!(
                    "{t:?} is not a GUID (8-4-4-4-12 hexadecimal digits), which Codat requires"
                ),
            });
        }
        Ok(IdempotencyKey(t.to_ascii_lowercase()))
    }

    /// The key of pushing `transactions` to source account `account_id`:
    /// the same batch always gets the same key, so a run that stopped
    /// before learning the outcome of a push and sends it again within 90
    /// minutes gets the first push's operation back; a different batch
    /// gets a different key.
    pub fn for_batch(account_id: &str, transactions: &[BankTransaction]) -> IdempotencyKey {
        let mut hash = Sha256::new();
        hash.update(b"codat bankTransactions push\0");
        hash.update(account_id.as_bytes());
        hash.update(b"\0");
        // The JSON of the batch is what is sent: the same text, the same key.
        let body = serde_json::to_vec(transactions).expect("transactions serialise");
        hash.update(&body);
        let digest = hash.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        IdempotencyKey::from_bytes(bytes, 8)
    }

    /// A random key (version 4), for a request made once.
    pub(crate) fn random() -> IdempotencyKey {
        IdempotencyKey::from_bytes(fastrand::u128(..).to_be_bytes(), 4)
    }

    /// A GUID of `bytes` with the RFC 9562 version and variant bits set.
    fn from_bytes(mut bytes: [u8; 16], version: u8) -> IdempotencyKey {
        bytes[6] = (bytes[6] & 0x0f) | (version << 4);
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        IdempotencyKey(format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        ))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for IdempotencyKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Read back as [`IdempotencyKey::parse`] reads it: only a GUID.
impl<'de> serde::Deserialize<'de> for IdempotencyKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IdempotencyKey, D::Error> {
        let s = String::deserialize(d)?;
        IdempotencyKey::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_guids() {
        let r = IdempotencyKey::random();
        assert_eq!(IdempotencyKey::parse(r.as_str()).unwrap(), r);
        assert_eq!(&r.as_str()[14..15], "4");
        assert_ne!(r, IdempotencyKey::random());
        for bad in [
            "",
            "abc",
            "0000000-0000-0000-0000-000000000000x",
            "g0000000-0000-0000-0000-000000000000",
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<IdempotencyKey>(&json).unwrap(), r);
        assert!(serde_json::from_str::<IdempotencyKey>("\"nope\"").is_err());
        assert_eq!(
            IdempotencyKey::parse(" 6F9619FF-8B86-D011-B42D-00C04FC964FF ")
                .unwrap()
                .as_str(),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
    }
}
