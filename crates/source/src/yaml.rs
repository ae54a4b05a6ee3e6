//! Untrusted text written into a YAML file the user keeps (the `accounts:`
//! block a `link` command prints to be appended to the configuration).
//!
//! YAML 1.1 (which the configuration loader reads) ends a line not only at
//! `\n` and `\r` but also at NEL (U+0085), LINE SEPARATOR (U+2028) and
//! PARAGRAPH SEPARATOR (U+2029). A bank's account name carrying one of
//! them in a comment would start a line of its own, such as a `base_url:`
//! key sending the secret key elsewhere. So bank text reaches YAML only
//! through these two functions.

use std::fmt::Write as _;

use crate::terminal::{is_unsafe, push_escape};

/// Untrusted text for a YAML comment (after `# `): one line, every line
/// break, control, bidi or format character written as a visible escape
/// (`\n`, `\u{2028}`, …).
///
/// ```
/// let c = source::yaml::comment("Main\u{2028}base_url: http://evil/");
/// assert_eq!(c, r"Main\u{2028}base_url: http://evil/");
/// let yaml = format!("a: 1 # {c}\n");
/// assert_eq!(yaml.lines().count(), 1);
/// ```
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Untrusted text as a YAML double-quoted scalar that reads back as
/// exactly `text`, in YAML 1.1 and 1.2: `"` and `\` escaped, every line
/// break, control, bidi or format character written as `\uXXXX` (or
/// `\UXXXXXXXX`), so the scalar is one line of printable characters.
///
/// ```
/// assert_eq!(source::yaml::scalar("7e9e-41"), r#""7e9e-41""#);
/// assert_eq!(source::yaml::scalar("a\"b\\c\u{2028}d"), r#""a\"b\\c\u2028d""#);
/// ```
pub fn scalar(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe(c) && (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const HOSTILE: &[&str] = &[
        "Main\u{2028}base_url: http://127.0.0.1:9/steal #",
        "Main\u{2029}base_url: x",
        "Main\u{85}base_url: x",
        "Main\nbase_url: x",
        "Main\rbase_url: x",
        "Main\r\nbase_url: x",
        "quote \" and backslash \\ and tab\t",
        "bidi \u{202e}txet\u{202c} and \u{feff}bom and \u{e0041}tag",
        "nul \0 esc \x1b c1 \u{9b}",
        "# not a comment: [ ] { } , & * ! | > ' % @ `",
        "",
    ];

    /// Each hostile text, written as a comment and as a scalar into a
    /// document, leaves that document with exactly the keys it was meant to
    /// have, and the scalar reads back unchanged.
    #[test]
    fn hostile_text_can_neither_add_a_key_nor_change_a_value() {
        for text in HOSTILE {
            let doc = format!(
                "# {}\nname: {}\nother: 1 # {}\n",
                comment(text),
                scalar(text),
                comment(text)
            );
            let map: BTreeMap<String, serde_norway::Value> =
                serde_norway::from_str(&doc).unwrap_or_else(|e| panic!("{text:?}: {e}\n{doc}"));
            assert_eq!(
                map.keys().collect::<Vec<_>>(),
                ["name", "other"],
                "{text:?}\n{doc}"
            );
            assert_eq!(map["name"].as_str(), Some(*text), "{doc}");
            assert_eq!(doc.lines().count(), 3, "{doc:?}");
        }
    }

    #[test]
    fn every_character_round_trips_through_a_scalar() {
        let all: String = (0u32..0x3000)
            .chain(0xE000..0x10000)
            .chain([0x1D173, 0xE0001, 0xE0041, 0x1F4B6])
            .filter_map(char::from_u32)
            .collect();
        for chunk in all.chars().collect::<Vec<_>>().chunks(97) {
            let text: String = chunk.iter().collect();
            let doc = format!("k: {}\n", scalar(&text));
            let map: BTreeMap<String, String> =
                serde_norway::from_str(&doc).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(map["k"], text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
            ..Default::default()
        })]

        /// Whatever the bank sends, the block stays two keys: the scalar
        /// reads back as sent and the comment adds nothing.
        #[test]
        fn any_text_stays_a_value_and_a_comment(text in proptest::prelude::any::<String>()) {
            let doc = format!("name: {} # {}\nother: 1\n", scalar(&text), comment(&text));
            let map: BTreeMap<String, serde_norway::Value> =
                serde_norway::from_str(&doc).unwrap_or_else(|e| panic!("{text:?}: {e}\n{doc}"));
            proptest::prop_assert_eq!(map.len(), 2);
            proptest::prop_assert_eq!(map["name"].as_str(), Some(text.as_str()));
        }
    }
}
