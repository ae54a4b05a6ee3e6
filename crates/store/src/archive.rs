//! Transaction responses stored as a skeleton plus their records, so that
//! the year-long archive keeps each transaction once however many runs saw
//! it.
//!
//! Successive transaction responses of an account repeat almost all their
//! records. A body is split into its records (each stored once, by hash)
//! and a skeleton: the body with `transactions.booked` and
//! `transactions.pending` replaced by arrays of record hashes. Joining puts
//! the records' raw text back, so every byte of every record, and every
//! other field in the body, comes back as received (only whitespace between
//! the top-level parts may differ).

use std::fmt;

use serde::Deserializer;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The lists of a transactions response that hold records.
const LISTS: [&str; 2] = ["booked", "pending"];

/// A JSON object as its entries in order, values left as raw text.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'a> Entries<'a> {
    fn parse(json: &'a str) -> Option<Entries<'a>> {
        let mut de = serde_json::Deserializer::from_str(json);
        let entries = (&mut de).deserialize_map(EntriesVisitor).ok()?;
        de.end().ok()?;
        Some(entries)
    }

    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
            entries.push((k, v));
        }
        Ok(Entries(entries))
    }
}

/// Writes `{"key":value,...}` with the values as given.
fn write_object<'a>(out: &mut String, entries: impl Iterator<Item = (&'a str, String)>) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(k).expect("a string serialises"));
        out.push(':');
        out.push_str(&v);
    }
    out.push('}');
}

/// The key of a record: 128 bits of its SHA-256, in hex.
pub(super) fn record_hash(json: &str) -> String {
    Sha256::digest(json.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A body split into its skeleton and its records `(hash, raw json)`.
pub(super) struct Split<'a> {
    pub(super) skeleton: String,
    pub(super) records: Vec<(String, &'a str)>,
}

/// Splits a transactions body; `None` when it does not have the expected
/// shape (it is then stored whole).
pub(super) fn split(body: &str) -> Option<Split<'_>> {
    let top = Entries::parse(body)?;
    let tx = Entries::parse(top.get("transactions")?.get())?;
    let mut records = Vec::new();
    let mut lists: Vec<(&str, String)> = Vec::new();
    for (key, raw) in &tx.0 {
        if LISTS.contains(&key.as_str()) {
            let items: Vec<&RawValue> = serde_json::from_str(raw.get()).ok()?;
            let hashes: Vec<String> = items
                .iter()
                .map(|r| {
                    let h = record_hash(r.get());
                    records.push((h.clone(), r.get()));
                    h
                })
                .collect();
            lists.push((key, serde_json::to_string(&hashes).ok()?));
        }
    }
    let mut tx_text = String::new();
    write_object(
        &mut tx_text,
        tx.0.iter().map(|(k, v)| {
            let replaced = lists.iter().find(|(lk, _)| lk == k).map(|(_, h)| h.clone());
            (k.as_str(), replaced.unwrap_or_else(|| v.get().to_owned()))
        }),
    );
    let mut skeleton = String::new();
    write_object(
        &mut skeleton,
        top.0.iter().map(|(k, v)| {
            let text = if k == "transactions" {
                tx_text.clone()
            } else {
                v.get().to_owned()
            };
            (k.as_str(), text)
        }),
    );
    Some(Split { skeleton, records })
}

/// Puts the records back into a skeleton; `lookup` gives a record's raw
/// JSON by hash.
pub(super) fn join(
    skeleton: &str,
    mut lookup: impl FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    let top = Entries::parse(skeleton).ok_or("the stored skeleton is not a JSON object")?;
    let tx = top
        .get("transactions")
        .and_then(|t| Entries::parse(t.get()))
        .ok_or("the stored skeleton has no transactions object")?;
    let mut tx_parts = Vec::new();
    for (k, v) in &tx.0 {
        let text = if LISTS.contains(&k.as_str()) {
            let list: Vec<String> = serde_json::from_str(v.get()).map_err(|e| e.to_string())?;
            let mut arr = String::from("[");
            for (i, h) in list.iter().enumerate() {
                if i > 0 {
                    arr.push(',');
                }
                arr.push_str(&lookup(h).ok_or_else(|| format!("record {h} is missing"))?);
            }
            arr.push(']');
            arr
        } else {
            v.get().to_owned()
        };
        tx_parts.push((k.as_str(), text));
    }
    let mut tx_text = String::new();
    write_object(&mut tx_text, tx_parts.into_iter());
    let mut out = String::new();
    write_object(
        &mut out,
        top.0.iter().map(|(k, v)| {
            let text = if k == "transactions" {
                tx_text.clone()
            } else {
                v.get().to_owned()
            };
            (k.as_str(), text)
        }),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn split_and_join_give_back_the_body() {
        let body = r#"{"transactions":{"booked":[{"transactionId":"a","transactionAmount":{"amount":-10.5000,"currency":"EUR"}},{"x":"ü\n\"q\""}],"pending":[],"next":null},"last_updated":"2024-01-01T00:00:00Z","unknown":{"n":1.50}}"#;
        let s = split(body).unwrap();
        assert_eq!(s.records.len(), 2);
        assert!(!s.skeleton.contains("transactionId"));
        let map: HashMap<String, String> = s
            .records
            .iter()
            .map(|(h, j)| (h.clone(), j.to_string()))
            .collect();
        let back = join(&s.skeleton, |h| map.get(h).cloned()).unwrap();
        assert_eq!(back, body);
        assert!(join(&s.skeleton, |_| None).is_err());
    }

    #[test]
    fn other_shapes_are_not_split() {
        assert!(split("[1,2]").is_none());
        assert!(split(r#"{"no":"transactions"}"#).is_none());
        assert!(split(r#"{"transactions":{"booked":"not a list"}}"#).is_none());
        assert!(split("{not json").is_none());
    }
}
