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

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
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
    /// The value is a list of records; the path that names it.
    Records(&'p str),
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
            root.insert(path, path.split('.'))?;
        }
        Some(root)
    }

    fn insert(&mut self, path: &'p str, mut keys: impl Iterator<Item = &'p str>) -> Option<()> {
        let key = keys.next()?;
        let (name, each) = match key.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (key, false),
        };
        let rest: Vec<&'p str> = keys.collect();
        let at = self.keys.iter().position(|(k, _)| *k == name);
        match (at, rest.is_empty()) {
            (None, true) => self.keys.push((name, Step::Records(path))),
            // A path given twice.
            (Some(i), true) => return matches!(self.keys[i].1, Step::Records(_)).then_some(()),
            (None, false) => {
                let mut child = Node::default();
                child.insert(path, rest.into_iter())?;
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
                    child.insert(path, rest.into_iter())?;
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

/// The key of a record: the first 128 bits of its SHA-256.
pub(crate) type RecordHash = [u8; 16];

pub(crate) fn record_hash(json: &str) -> RecordHash {
    let digest = Sha256::digest(json.as_bytes());
    let mut hash = [0; 16];
    hash.copy_from_slice(&digest[..16]);
    hash
}

/// The key of a body stored whole: its SHA-256, in hex.
pub(crate) fn body_hash(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes()))
}

/// The key of a body stored as records: the SHA-256 of its record paths
/// and skeleton (which names every record by hash, so it stands for the
/// whole body at a seventh of the bytes to hash). The prefix keeps it
/// apart from the key of any body stored whole.
pub(crate) fn skeleton_hash(lists: &str, skeleton: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"records\0");
    h.update(lists.as_bytes());
    h.update(b"\0");
    h.update(skeleton.as_bytes());
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// The record hash written as `hex`, if it is one.
pub(crate) fn parse_record_hash(hex: &str) -> Option<RecordHash> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let bytes = hex.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut hash = [0; 16];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        hash[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(hash)
}

/// A body split into its skeleton and its records.
pub(crate) struct Split<'a> {
    pub(crate) skeleton: String,
    /// `(hash, raw json)` in the order of the body, repeats included.
    pub(crate) records: Vec<(RecordHash, &'a str)>,
}

/// Splits `body` at `paths`, in one pass over it; `None` when it does not
/// have the shape they describe, or holds no record (it is then stored
/// whole, byte for byte).
pub(crate) fn split<'a>(body: &'a str, paths: &[RecordPath]) -> Option<Split<'a>> {
    let tree = Node::of(paths.iter().map(|p| p.as_str()))?;
    let mut split = Split {
        skeleton: String::with_capacity(body.len() / 8),
        records: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_str(body);
    ObjectSeed {
        node: &tree,
        split: &mut split,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    (!split.records.is_empty()).then_some(split)
}

/// An object on the way to records: copied to the skeleton, its keys
/// that lead to records followed.
struct ObjectSeed<'s, 'p, 'a> {
    node: &'s Node<'p>,
    split: &'s mut Split<'a>,
}

impl<'a> DeserializeSeed<'a> for ObjectSeed<'_, '_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'a>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }
}

impl<'a> Visitor<'a> for ObjectSeed<'_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<(), A::Error> {
        self.split.skeleton.push('{');
        let mut first = true;
        while let Some(key) = map.next_key::<Cow<'a, str>>()? {
            if !first {
                self.split.skeleton.push(',');
            }
            first = false;
            push_key(&mut self.split.skeleton, &key);
            let split = &mut *self.split;
            match self.node.step(&key) {
                None => {
                    let raw: &'a RawValue = map.next_value()?;
                    split.skeleton.push_str(raw.get());
                }
                Some(Step::Records(_)) => map.next_value_seed(ListSeed { node: None, split })?,
                Some(Step::Into(node)) => map.next_value_seed(ObjectSeed { node, split })?,
                Some(Step::Each(node)) => map.next_value_seed(ListSeed {
                    node: Some(node),
                    split,
                })?,
            }
        }
        self.split.skeleton.push('}');
        Ok(())
    }
}

/// A list: of records (`node` is `None`), replaced by their hashes; or of
/// objects on the way to records.
struct ListSeed<'s, 'p, 'a> {
    node: Option<&'s Node<'p>>,
    split: &'s mut Split<'a>,
}

impl<'a> DeserializeSeed<'a> for ListSeed<'_, '_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'a>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'a> Visitor<'a> for ListSeed<'_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON list")
    }

    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<(), A::Error> {
        self.split.skeleton.push('[');
        let mut first = true;
        loop {
            let split = &mut *self.split;
            if !first {
                split.skeleton.push(',');
            }
            let more = match self.node {
                None => match seq.next_element::<&'a RawValue>()? {
                    Some(record) => {
                        let hash = record_hash(record.get());
                        split.skeleton.push('"');
                        split.skeleton.push_str(&hex(&hash));
                        split.skeleton.push('"');
                        split.records.push((hash, record.get()));
                        true
                    }
                    None => false,
                },
                Some(node) => seq.next_element_seed(ObjectSeed { node, split })?.is_some(),
            };
            if !more {
                if !first {
                    // The comma pushed for an element that did not come.
                    self.split.skeleton.pop();
                }
                break;
            }
            first = false;
        }
        self.split.skeleton.push(']');
        Ok(())
    }
}

/// The record hashes a skeleton split at `paths` names, in order.
///
/// # Errors
///
/// What is wrong with the skeleton (the file may have been altered).
pub(crate) fn hashes<'p>(
    skeleton: &str,
    paths: impl IntoIterator<Item = &'p str>,
) -> Result<Vec<RecordHash>, String> {
    let tree = Node::of(paths).ok_or("its record paths are malformed")?;
    let mut hashes = Vec::new();
    walk(skeleton, &tree, &mut |list| {
        for h in list {
            hashes.push(parse_record_hash(h).ok_or_else(|| format!("{h:?} is not a record hash"))?);
        }
        Ok(())
    })?;
    Ok(hashes)
}

/// Calls `on_list` with each list of record hashes of a skeleton.
fn walk(
    json: &str,
    node: &Node<'_>,
    on_list: &mut impl FnMut(Vec<&str>) -> Result<(), String>,
) -> Result<(), String> {
    let entries = Entries::parse(json).ok_or("the stored skeleton is not as it was split")?;
    for (key, raw) in &entries.0 {
        match node.step(key) {
            None => {}
            Some(Step::Records(_)) => on_list(
                serde_json::from_str(raw.get())
                    .map_err(|e| format!("the record list at {key:?} is unreadable: {e}"))?,
            )?,
            Some(Step::Into(child)) => walk(raw.get(), child, on_list)?,
            Some(Step::Each(child)) => {
                let items: Vec<&RawValue> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("the list at {key:?} is unreadable: {e}"))?;
                for item in items {
                    walk(item.get(), child, on_list)?;
                }
            }
        }
    }
    Ok(())
}

/// Puts the records back into a skeleton split at `paths` (as stored:
/// checked again, the file may have been altered); `lookup` gives a
/// record's raw JSON by hash. `size` is what the body will take, about.
pub(crate) fn join<'p, 'r>(
    skeleton: &str,
    paths: impl IntoIterator<Item = &'p str>,
    size: usize,
    mut lookup: impl FnMut(&RecordHash) -> Option<&'r str>,
) -> Result<String, String> {
    let tree = Node::of(paths).ok_or("its record paths are malformed")?;
    let mut out = String::with_capacity(size);
    join_object(
        skeleton,
        &tree,
        &mut lookup,
        &mut out,
        &mut |out, _, records| {
            out.push('[');
            for (j, record) in records.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(record);
            }
            out.push(']');
        },
    )?;
    Ok(out)
}

/// A record list of a body: the path that names it and its records.
pub(crate) type List<'p, R> = (&'p str, Vec<R>);

/// The body of a skeleton split at `paths` with each list of records left
/// empty (`[]`), and those lists, in the order the body holds them.
pub(crate) fn join_apart<'p, R>(
    skeleton: &str,
    paths: impl IntoIterator<Item = &'p str>,
    mut lookup: impl FnMut(&RecordHash) -> Option<R>,
) -> Result<(String, Vec<List<'p, R>>), String> {
    let tree = Node::of(paths).ok_or("its record paths are malformed")?;
    let mut out = String::with_capacity(skeleton.len());
    let mut lists = Vec::new();
    join_object(
        skeleton,
        &tree,
        &mut lookup,
        &mut out,
        &mut |out, path, records| {
            lists.push((path, records));
            out.push_str("[]");
        },
    )?;
    Ok((out, lists))
}

/// Writes `json` to `out` with each list of records `node` names looked up
/// and handed to `place`, which writes what stands for it.
fn join_object<'p, R>(
    json: &str,
    node: &Node<'p>,
    lookup: &mut impl FnMut(&RecordHash) -> Option<R>,
    out: &mut String,
    place: &mut impl FnMut(&mut String, &'p str, Vec<R>),
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
            Some(Step::Records(path)) => {
                let hashes: Vec<&str> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("the record list at {key:?} is unreadable: {e}"))?;
                let records = hashes
                    .iter()
                    .map(|h| {
                        parse_record_hash(h)
                            .and_then(|hash| lookup(&hash))
                            .ok_or_else(|| format!("record {h} is missing"))
                    })
                    .collect::<Result<_, _>>()?;
                place(out, path, records);
            }
            Some(Step::Into(child)) => {
                join_object(raw.get(), child, lookup, out, place)?;
            }
            Some(Step::Each(child)) => {
                let items: Vec<&RawValue> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("the list at {key:?} is unreadable: {e}"))?;
                out.push('[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    join_object(item.get(), child, lookup, out, place)?;
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
        let map: HashMap<RecordHash, &str> = s.records.iter().copied().collect();
        let names = || paths.iter().map(|p| p.as_str());
        let back = join(&s.skeleton, names(), 0, |h| map.get(h).copied()).unwrap();
        assert_eq!(back, body);
        assert!(join(&s.skeleton, names(), 0, |_| None).is_err());
        let named = hashes(&s.skeleton, names()).unwrap();
        assert_eq!(named, s.records.iter().map(|r| r.0).collect::<Vec<_>>());
        // Apart: the same records in the same order, each list named by its
        // path, and the rest of the body with every list of them empty.
        let (rest, lists) = join_apart(&s.skeleton, names(), |h| map.get(h).copied()).unwrap();
        let apart: Vec<&str> = lists.iter().flat_map(|(_, r)| r.iter().copied()).collect();
        assert_eq!(apart, s.records.iter().map(|r| r.1).collect::<Vec<_>>());
        assert!(lists.iter().all(|(p, _)| names().any(|n| n == *p)));
        serde_json::from_str::<serde_json::Value>(&rest).unwrap();
        assert!(apart.iter().all(|r| !rest.contains(r)), "{rest}");
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
        for bad in [
            "", ".", "a.", ".a", "a..b", "a[]", "a[", "a[].", "[].a", "a b", "a.*",
        ] {
            assert!(!is_valid(bad.as_bytes()), "{bad}");
        }
        assert!(Node::of(["a", "a"]).is_some(), "a path given twice");
        assert!(Node::of(["a[].b", "a.c"]).is_none(), "a list and an object");
        assert!(Node::of(["x y"]).is_none());
    }

    #[test]
    fn hashes_are_the_stored_ones() {
        // The first 128 bits of SHA-256("abc"): what schema 2 stored, hex.
        let abc = "ba7816bf8f01cfea414140de5dae2223";
        assert_eq!(hex(&record_hash("abc")), abc);
        assert_eq!(parse_record_hash(abc), Some(record_hash("abc")));
        assert_eq!(parse_record_hash("BA7816BF8F01CFEA414140DE5DAE2223"), None);
        assert_eq!(parse_record_hash("ba78"), None);
        assert_eq!(
            body_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(skeleton_hash("[]", "abc"), body_hash("abc"));
    }

    #[test]
    fn whitespace_and_escapes_around_the_lists() {
        let body = "{ \"transactions\" : { \"booked\" : [ {\"a\": 1} , {\"b\":\"\\u00fc\"} ] } ,\n \"k\\\"ey\": [1, 2] }";
        let s = split(body, &GOCARDLESS).unwrap();
        let map: HashMap<RecordHash, &str> = s.records.iter().copied().collect();
        let names = GOCARDLESS.iter().map(|p| p.as_str());
        let back = join(&s.skeleton, names, 0, |h| map.get(h).copied()).unwrap();
        assert_eq!(
            back,
            "{\"transactions\":{\"booked\":[{\"a\": 1},{\"b\":\"\\u00fc\"}]},\"k\\\"ey\":[1, 2]}"
        );
    }
}
