//! Escaping is a security boundary: bank text (payee, narration, metadata,
//! ids) must come back from the file exactly as documented, whatever it
//! holds: quotes, backslashes, newlines, control characters, non-ASCII,
//! text that looks like directives.
//!
//! The documented replacements (see `importer::render::escape_string`):
//! every control character and U+2028/U+2029 become one space. Payee and
//! narration also have whitespace runs collapsed to one space and are
//! trimmed; ids are trimmed.

use std::process::Command;

use chrono::NaiveDate;
use gocardless::TransactionsResponse;
use importer::config::AccountConfig;
use importer::convert::{AccountOutput, collapse_whitespace};
use test_support::gocardless_data::convert_account;

/// The documented whitespace rule, written independently of the library.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
use importer::print_outputs;
use importer::render::sanitize;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::json;

/// Strings built from hostile pieces and arbitrary characters.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        "[a-zA-Z0-9 ]{1,8}",
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\\\"".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\t".to_owned()),
        Just("\0".to_owned()),
        Just("\u{1b}[31m".to_owned()),
        Just("\u{7f}".to_owned()),
        Just("\u{85}".to_owned()),
        Just("\u{2028}".to_owned()),
        Just("\u{2029}".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\u{a0}".to_owned()),
        Just("é日本🙂".to_owned()),
        Just("\n2024-01-01 open Assets:Evil\n".to_owned()),
        Just("\"\n2020-01-01 * \"pwned\"\n  Assets:Evil  1 EUR\n".to_owned()),
        Just("; comment".to_owned()),
        Just("include \"/etc/passwd\"".to_owned()),
        Just("option \"title\" \"x\"".to_owned()),
        Just("#tag ^link".to_owned()),
        Just("\\n\\t\\\\".to_owned()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

struct Case {
    payee: String,
    narration: String,
    extra: String,
    id: String,
}

fn record(c: &Case, n: usize) -> serde_json::Value {
    json!({
        "transactionId": format!("{}#{n}", c.id),
        "bookingDate": "2024-05-01",
        "transactionAmount": {"amount": "-1.00", "currency": "EUR"},
        "creditorName": c.payee,
        "remittanceInformationUnstructured": c.narration,
        "extra": {"list": [c.extra]},
    })
}

fn account(static_meta: &str) -> AccountConfig {
    let mut a = AccountConfig::new("acc", "Assets:Bank:Checking");
    a.metadata_fields = vec![("extra".into(), "extra.list.0".into())];
    a.metadata = vec![("note".into(), static_meta.to_owned())];
    a
}

fn render_cases(cases: &[Case], static_meta: &str) -> String {
    print_outputs(&[convert_cases(cases, static_meta)])
}

/// What a run without a ledger writes for the cases: a ledger of its own.
fn ledger_of_cases(cases: &[Case], static_meta: &str) -> String {
    let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    test_support::gocardless_data::as_ledger(&[convert_cases(cases, static_meta)], today)
}

fn convert_cases(cases: &[Case], static_meta: &str) -> AccountOutput {
    let booked: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(n, c)| record(c, n))
        .collect();
    let tx: TransactionsResponse =
        serde_json::from_value(json!({"transactions": {"booked": booked, "pending": []}})).unwrap();
    let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    convert_account(&account(static_meta), &tx, None, today)
}

/// What each text reads back as, per the documented replacements, in the
/// order the strings appear in an entry.
fn expected(c: &Case, n: usize, static_meta: &str) -> Vec<String> {
    let mut v = Vec::new();
    let payee = sanitize(&collapse(c.payee.trim()));
    // A blank name is no payee at all.
    if !c.payee.trim().is_empty() && !payee.is_empty() {
        v.push(payee);
    }
    let narration = if c.narration.trim().is_empty() {
        String::new()
    } else {
        sanitize(&collapse(c.narration.trim()))
    };
    v.push(narration);
    v.push(sanitize(&c.extra));
    v.push(sanitize(static_meta));
    v.push(sanitize(format!("{}#{n}", c.id).trim()));
    v
}

/// Reads every double-quoted string outside comments the way Beancount's
/// lexer does (`\x` reads as `x`).
fn read_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_comment = false;
    let mut at_line_start = true;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if at_line_start && c == ';' {
            in_comment = true;
        }
        at_line_start = c == '\n';
        if c == '\n' {
            in_comment = false;
            continue;
        }
        if in_comment || c != '"' {
            continue;
        }
        let mut s = String::new();
        loop {
            match chars.next() {
                Some('\\') => s.push(chars.next().expect("escape at end of file")),
                Some('"') => break,
                Some('\n') => panic!("a string spans lines: {s:?}"),
                Some(x) => s.push(x),
                None => panic!("unterminated string"),
            }
        }
        out.push(s);
    }
    out
}

/// Every line is a comment, a directive we write, an indented entry line,
/// or blank: no bank text starts a line of its own.
fn check_lines(text: &str) {
    for line in text.lines() {
        let ok = line.is_empty()
            || line.starts_with(';')
            || line.starts_with("  ")
            || (line.len() > 11
                && line.as_bytes()[..10].iter().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        *b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
                && (line[10..].starts_with(" * ")
                    || line[10..].starts_with(" ! ")
                    || line[10..].starts_with(" balance ")));
        assert!(ok, "unexpected line {line:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn whitespace_collapses_as_documented(s in hostile(), t in "[ a-z]{0,12}") {
        prop_assert_eq!(collapse_whitespace(&s), collapse(&s));
        prop_assert_eq!(collapse_whitespace(&t), collapse(&t));
    }

    #[test]
    fn strings_read_back_as_documented(
        payee in hostile(), narration in hostile(), extra in hostile(),
        id in hostile(), static_meta in hostile(),
    ) {
        let case = Case { payee, narration, extra, id };
        let text = render_cases(std::slice::from_ref(&case), &static_meta);
        check_lines(&text);
        let strings = read_strings(&text);
        // A blank id falls back to a content hash: compare what can be.
        let mut want = expected(&case, 0, &static_meta);
        if strings.len() == want.len() {
            prop_assert_eq!(&strings[..want.len() - 1], &want[..want.len() - 1]);
            prop_assert_eq!(&strings[want.len() - 1], &want.pop().unwrap());
        } else {
            prop_assert_eq!(strings, want);
        }
    }
}

/// A thousand hostile transactions in one file: Beancount itself must parse
/// it cleanly and read every string back as documented.
#[test]
fn thousand_hostile_transactions_pass_bean_check_and_read_back() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (hostile(), hostile(), hostile(), "[A-Za-z0-9]{4,10}");
    let cases: Vec<Case> = (0..1000)
        .map(|_| {
            let (payee, narration, extra, id) = strategy.new_tree(&mut runner).unwrap().current();
            Case {
                payee,
                narration,
                extra,
                id,
            }
        })
        .collect();
    let static_meta = "static \"quoted\" \\ value\n2024-01-01 open Assets:Evil";
    let text = render_cases(&cases, static_meta);
    check_lines(&text);
    let ledger = ledger_of_cases(&cases, static_meta);
    test_support::bean_check::text(&ledger);

    // Read the strings back with Beancount's own loader.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.bean");
    std::fs::write(&path, &ledger).unwrap();
    let python = test_support::bean_check::program()
        .parent()
        .map(|p| p.join("python"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| "python3".into());
    let script = r#"
import json, sys
from beancount import loader
from beancount.core import data
entries, errors, _ = loader.load_file(sys.argv[1])
assert not errors, errors
out = []
for e in entries:
    if isinstance(e, data.Transaction):
        v = []
        if e.payee is not None: v.append(e.payee)
        v.append(e.narration)
        v.append(e.meta["extra"]); v.append(e.meta["note"])
        v.append(e.postings[0].meta["gocardless_id"])
        out.append(v)
print(json.dumps(out))
"#;
    let res = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let read: Vec<Vec<String>> = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(read.len(), 1000);
    // Entries are sorted by date (all the same) and then kept in order.
    for (n, (c, got)) in cases.iter().zip(&read).enumerate() {
        assert_eq!(got, &expected(c, n, static_meta), "transaction {n}");
    }
}
