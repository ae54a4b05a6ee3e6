//! Response bodies stored as a skeleton plus their records, so that the
//! year-long archive keeps each record (a transaction, as a rule) once
//! however many responses repeated it.
//!
//! Successive responses of an account repeat almost all their records. A
//! body is split into its records (each stored once, by hash) and a
//! skeleton: the body with each list named by a [`RecordPath`] replaced by
//! the list of its records' hashes. Joining puts the records' raw text
//! back, so every byte of every record, and every other field of the body,
//! comes back as received (only whitespace between the parts around the
//! lists may differ).

use std::fmt;

use serde::Deserializer;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// Where a body holds a list of records: keys of nested JSON objects,
/// joined by `.`; a key followed by `[]` names a list of objects, each of
/// which is followed. The last key names the list of records.
///
/// Keys are ASCII letters, digits, `_` and `-`. A path is checked when it is
/// made, at compile time when it is a constant:
///
/// ```
/// use store::RecordPath;
/// // GoCardless: {"transactions": {"booked": [...], "pending": [...]}}
/// const BOOKED: RecordPath = RecordPath::new("transactions.booked");
/// // SimpleFIN: {"accounts": [{"transactions": [...]}, ...]}
/// const EACH_ACCOUNT: RecordPath = RecordPath::new("accounts[].transactions");
/// assert_eq!(EACH_ACCOUNT.as_str(), "accounts[].transactions");
/// ```
///
/// A body in which a path leads to something other than objects and a list
/// (or to nothing at all in one of several paths: that list is simply
/// absent) is stored whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordPath(&'static str);

impl RecordPath {
    /// The path `path`.
    ///
    /// # Panics
    ///
    /// When `path` is not keys joined by `.` as described above (at compile
    /// time in a constant).
    pub const fn new(path: &'static str) -> RecordPath {
        assert!(
            is_valid(path.as_bytes()),
            "a record path is keys of [A-Za-z0-9_-] joined by `.`, any but the last followed by `[]`"
        );
        RecordPath(path)
    }

    /// The path as written.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for RecordPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

const fn is_valid(b: &[u8]) -> bool {
    let mut i = 0;
    let mut key_len = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'.' {
            if key_len == 0 {
                return false;
            }
            key_len = 0;
            i += 1;
        } else if c == b'[' {
            // `[]` ends a key, and a key must follow it.
            if key_len == 0 || i + 2 >= b.len() || b[i + 1] != b']' || b[i + 2] != b'.' {
                return false;
            }
            key_len = 0;
            i += 3;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            key_len += 1;
            i += 1;
        } else {
            return false;
        }
    }
    key_len > 0
}

/// What to do at a key of an object on the way to the records.
enum Step<'p> {
    /// The value is a list of records.
    Records,
    /// The value is an object to go into.
    Into(Node<'p>),
    /// The value is a list of objects to go into, each.
    Each(Node<'p>),
}

/// The keys of one object that lead to records.
#[derive(Default)]
struct Node<'p> {
    keys: Vec<(&'p str, Step<'p>)>,
}

impl<'p> Node<'p> {
    /// The tree of `paths`; `None` when a path is malformed or one path
    /// ends where another goes on.
    fn of(paths: impl IntoIterator<Item = &'p str>) -> Option<Node<'p>> {
        let mut root = Node::default();
        for path in paths {
            if !is_valid(path.as_bytes()) {
                return None;
            }
            root.insert(path.split('.'))?;
        }
        Some(root)
    }

    fn insert(&mut self, mut keys: impl Iterator<Item = &'p str>) -> Option<()> {
        let key = keys.next()?;
        let (name, each) = match key.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (key, false),
        };
        let rest: Vec<&'p str> = keys.collect();
        let at = self.keys.iter().position(|(k, _)| *k == name);
        match (at, rest.is_empty()) {
            (None, true) => self.keys.push((name, Step::Records)),
            // A path given twice.
            (Some(i), true) => return matches!(self.keys[i].1, Step::Records).then_some(()),
            (None, false) => {
                let mut child = Node::default();
                child.insert(rest.into_iter())?;
                self.keys.push((
                    name,
                    if each {
                        Step::Each(child)
                    } else {
                        Step::Into(child)
                    },
                ));
            }
            (Some(i), false) => match (&mut self.keys[i].1, each) {
                (Step::Into(child), false) | (Step::Each(child), true) => {
                    child.insert(rest.into_iter())?;
                }
                _ => return None,
            },
        }
        Some(())
    }

    fn step(&self, key: &str) -> Option<&Step<'p>> {
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }
}

/// A JSON object as its entries in order, values left as raw text.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'a> Entries<'a> {
    fn parse(json: &'a str) -> Option<Entries<'a>> {
        let mut de = serde_json::Deserializer::from_str(json);
        let entries = (&mut de).deserialize_map(EntriesVisitor).ok()?;
        de.end().ok()?;
        Some(entries)
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

/// Appends `"key":` to `out`.
fn push_key(out: &mut String, key: &str) {
    out.push_str(&serde_json::to_string(key).expect("a string serialises"));
    out.push(':');
}

/// The key of a record: 128 bits of its SHA-256, in hex.
pub(crate) fn record_hash(json: &str) -> String {
    hex(&Sha256::digest(json.as_bytes())[..16])
}

/// The key of a body: its SHA-256, in hex.
pub(crate) fn body_hash(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// A body split into its skeleton and its records `(hash, raw json)`.
pub(crate) struct Split<'a> {
    pub(crate) skeleton: String,
    /// In the order of the body, repeats included.
    pub(crate) records: Vec<(String, &'a str)>,
}

/// Splits `body` at `paths`; `None` when it does not have the shape they
/// describe, or holds no record (it is then stored whole, byte for byte).
pub(crate) fn split<'a>(body: &'a str, paths: &[RecordPath]) -> Option<Split<'a>> {
    let tree = Node::of(paths.iter().map(|p| p.as_str()))?;
    let mut records = Vec::new();
    let mut skeleton = String::with_capacity(body.len() / 8);
    split_object(body, &tree, &mut records, &mut skeleton)?;
    (!records.is_empty()).then_some(Split { skeleton, records })
}

fn split_object<'a>(
    json: &'a str,
    node: &Node<'_>,
    records: &mut Vec<(String, &'a str)>,
    out: &mut String,
) -> Option<()> {
    let entries = Entries::parse(json)?;
    out.push('{');
    for (i, (key, raw)) in entries.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_key(out, key);
        match node.step(key) {
            None => out.push_str(raw.get()),
            Some(Step::Records) => {
                let items: Vec<&'a RawValue> = serde_json::from_str(raw.get()).ok()?;
                out.push('[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    let hash = record_hash(item.get());
                    out.push('"');
                    out.push_str(&hash);
                    out.push('"');
                    records.push((hash, item.get()));
                }
                out.push(']');
            }
            Some(Step::Into(child)) => split_object(raw.get(), child, records, out)?,
            Some(Step::Each(child)) => {
                let items: Vec<&'a RawValue> = serde_json::from_str(raw.get()).ok()?;
                out.push('[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    split_object(item.get(), child, records, out)?;
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    Some(())
}

/// Puts the records back into a skeleton split at `paths` (as stored:
/// checked again, the file may have been altered); `lookup` gives a
/// record's raw JSON by hash.
pub(crate) fn join<'p>(
    skeleton: &str,
    paths: impl IntoIterator<Item = &'p str>,
    mut lookup: impl FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    let tree = Node::of(paths).ok_or("its record paths are malformed")?;
    let mut out = String::with_capacity(skeleton.len() * 8);
    join_object(skeleton, &tree, &mut lookup, &mut out)?;
    Ok(out)
}

fn join_object(
    json: &str,
    node: &Node<'_>,
    lookup: &mut impl FnMut(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), String> {
    let entries = Entries::parse(json).ok_or("the stored skeleton is not as it was split")?;
    out.push('{');
    for (i, (key, raw)) in entries.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_key(out, key);
        match node.step(key) {
            None => out.push_str(raw.get()),
            Some(Step::Records) => {
                let hashes: Vec<&str> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("the record list at {key:?} is unreadable: {e}"))?;
                out.push('[');
                for (j, h) in hashes.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(&lookup(h).ok_or_else(|| format!("record {h} is missing"))?);
                }
                out.push(']');
            }
            Some(Step::Into(child)) => join_object(raw.get(), child, lookup, out)?,
            Some(Step::Each(child)) => {
                let items: Vec<&RawValue> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("the list at {key:?} is unreadable: {e}"))?;
                out.push('[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    join_object(item.get(), child, lookup, out)?;
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const GOCARDLESS: [RecordPath; 2] = [
        RecordPath::new("transactions.booked"),
        RecordPath::new("transactions.pending"),
    ];

    fn round_trip(body: &str, paths: &[RecordPath]) -> Split<'static> {
        let body: &'static str = Box::leak(body.to_owned().into_boxed_str());
        let s = split(body, paths).unwrap();
        let map: HashMap<String, String> = s
            .records
            .iter()
            .map(|(h, j)| (h.clone(), j.to_string()))
            .collect();
        let back = join(&s.skeleton, paths.iter().map(|p| p.as_str()), |h| {
            map.get(h).cloned()
        })
        .unwrap();
        assert_eq!(back, body);
        assert!(join(&s.skeleton, paths.iter().map(|p| p.as_str()), |_| None).is_err());
        s
    }

    #[test]
    fn split_and_join_give_back_the_body() {
        let body = r#"{"transactions":{"booked":[{"transactionId":"a","transactionAmount":{"amount":-10.5000,"currency":"EUR"}},{"x":"ü\n\"q\""}],"pending":[],"next":null},"last_updated":"2024-01-01T00:00:00Z","unknown":{"n":1.50}}"#;
        let s = round_trip(body, &GOCARDLESS);
        assert_eq!(s.records.len(), 2);
        assert!(!s.skeleton.contains("transactionId"));
    }

    #[test]
    fn lists_inside_each_element_of_a_list() {
        let body = r#"{"errors":[],"accounts":[{"id":"a1","transactions":[{"id":"t1"},{"id":"t2"}]},{"id":"a2","transactions":[{"id":"t1"}],"holdings":[]}]}"#;
        let s = round_trip(body, &[RecordPath::new("accounts[].transactions")]);
        assert_eq!(s.records.len(), 3);
        assert_eq!(s.records[0].0, s.records[2].0, "the same record, same hash");
        assert!(s.skeleton.contains(r#""id":"a2""#));
        assert!(!s.skeleton.contains("t2"));
    }

    #[test]
    fn top_level_lists() {
        let body = r#"{"added":[{"transaction_id":"1"}],"modified":[],"removed":[{"transaction_id":"0"}],"next_cursor":"c","has_more":false}"#;
        let paths = [
            RecordPath::new("added"),
            RecordPath::new("modified"),
            RecordPath::new("removed"),
        ];
        assert_eq!(round_trip(body, &paths).records.len(), 2);
    }

    #[test]
    fn other_shapes_are_not_split() {
        let p = &GOCARDLESS;
        assert!(split("[1,2]", p).is_none());
        assert!(split(r#"{"transactions":{"booked":"not a list"}}"#, p).is_none());
        assert!(split(r#"{"transactions":{"booked":null}}"#, p).is_none());
        assert!(split(r#"{"transactions":[]}"#, p).is_none());
        assert!(split("{not json", p).is_none());
        let each = &[RecordPath::new("accounts[].transactions")];
        assert!(split(r#"{"accounts":[null]}"#, each).is_none());
        assert!(split(r#"{"accounts":{"transactions":[]}}"#, each).is_none());
        // One path ending where another goes on.
        let clash = &[RecordPath::new("a"), RecordPath::new("a.b")];
        assert!(split(r#"{"a":[]}"#, clash).is_none());
        // No record to take out: kept whole.
        assert!(split(r#"{"no":"transactions"}"#, p).is_none());
        assert!(split(r#"{"transactions":{"booked":[],"pending":[]}}"#, p).is_none());
        // One list absent, the other there.
        let s = split(r#"{"transactions":{"booked":[{"a":1}]}}"#, p).unwrap();
        assert_eq!(s.records.len(), 1);
    }

    #[test]
    fn paths_are_checked() {
        for ok in ["a", "a.b", "a[].b", "a_1-x[].b.c", "a[].b[].c"] {
            assert!(is_valid(ok.as_bytes()), "{ok}");
        }
        for bad in ["", ".", "a.", ".a", "a..b", "a[]", "a[", "a[].", "[].a", "a b", "a.*"] {
            assert!(!is_valid(bad.as_bytes()), "{bad}");
        }
        assert!(Node::of(["a", "a"]).is_some(), "a path given twice");
        assert!(Node::of(["a[].b", "a.c"]).is_none(), "a list and an object");
        assert!(Node::of(["x y"]).is_none());
    }

    #[test]
    fn hashes_are_the_stored_ones() {
        // The first 128 bits of SHA-256("abc"): what schema 2 stored.
        assert_eq!(record_hash("abc"), "ba7816bf8f01cfea414140de5dae2223");
        assert_eq!(
            body_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
