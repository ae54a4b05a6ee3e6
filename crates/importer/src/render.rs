//! Entries to Beancount text.
//!
//! The output is deterministic: the same entries give the same bytes.
//! Amounts are aligned on the decimal point within each account's block.
//!
//! Escaping is a security boundary. Text from the bank only ever appears
//! inside a double-quoted string (via [`escape_string`]) or after `; ` in a
//! comment line (via [`comment_lines`]), so no bank text can end a string,
//! start a directive or break the file.

use std::fmt::Write;

use crate::beancount::format_number;
use crate::convert::AccountOutput;
use crate::entry::{
    Amount, BalanceEntry, Entry, Meta, MetaValue, Posting, Price, TransactionEntry,
};

/// Renders every account's block, each under a comment naming the account
/// and how many entries follow.
pub fn render(outputs: &[AccountOutput]) -> String {
    let mut out = String::new();
    for (i, o) in outputs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let a = &o.account;
        let handle = match &a.name {
            Some(n) => format!("{n}, id {}", a.id),
            None => format!("id {}", a.id),
        };
        let n = o.entries.len();
        for line in comment_lines(&format!(
            "{} (GoCardless account {handle}): {n} entr{}",
            a.account,
            if n == 1 { "y" } else { "ies" }
        )) {
            out.push_str(&line);
            out.push('\n');
        }
        let layout = Layout::for_entries(&o.entries);
        for e in &o.entries {
            out.push('\n');
            layout.write_entry(&mut out, e);
        }
    }
    out
}

/// Renders one entry on its own (amounts aligned within the entry). Ends
/// with a newline.
pub fn render_entry(entry: &Entry) -> String {
    let mut out = String::new();
    Layout::for_entries(std::slice::from_ref(entry)).write_entry(&mut out, entry);
    out
}

/// Escapes text for the inside of a Beancount string (without the quotes).
///
/// The documented replacements: every control character (Unicode `Cc`:
/// newline, tab, carriage return, NUL, DEL, …) and the line and paragraph
/// separators U+2028 and U+2029 become one space each; then `\` is written
/// `\\` and `"` is written `\"`. Beancount reads the result back as the
/// text after the replacements.
///
/// ```
/// use importer::render::escape_string;
/// assert_eq!(escape_string("a \"b\"\\\nc"), "a \\\"b\\\"\\\\ c");
/// ```
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if is_breaking(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The text as Beancount reads it back from an [`escape_string`]: the
/// documented replacements alone.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if is_breaking(c) { ' ' } else { c })
        .collect()
}

fn is_breaking(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// `text` as comment lines: split at newlines, each line starting with
/// `; `, other control characters replaced by spaces.
pub fn comment_lines(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|l| {
            let l = sanitize(l);
            let l = l.trim_end();
            if l.is_empty() {
                ";".to_owned()
            } else {
                format!("; {l}")
            }
        })
        .collect()
}

/// How much longer "YYYY-MM-DD balance " is than a posting's indent.
const BALANCE_EXTRA: usize = 17;

/// Column widths for a block of entries.
struct Layout {
    /// Width of the flag and account before the amount.
    account: usize,
    /// Width of the integer part (with sign).
    int: usize,
    /// Width of the fraction (with the point).
    frac: usize,
}

impl Layout {
    fn for_entries(entries: &[Entry]) -> Layout {
        let mut l = Layout {
            account: 0,
            int: 0,
            frac: 0,
        };
        let mut see = |account_width: usize, a: &Amount| {
            l.account = l.account.max(account_width);
            let s = format_number(a.number);
            let (i, f) = split_number(&s);
            l.int = l.int.max(i.len());
            l.frac = l.frac.max(f.len());
        };
        for e in entries {
            match e {
                Entry::Transaction(t) => {
                    for p in &t.postings {
                        if let Some(u) = &p.units {
                            see(posting_prefix(p).chars().count(), u);
                        }
                    }
                }
                // "DATE balance " is 17 characters more than a posting's
                // indent: the account column widens to keep amounts aligned.
                Entry::Balance(b) => see(b.account.chars().count() + BALANCE_EXTRA, &b.amount),
                _ => {}
            }
        }
        // A minimum so small blocks still look like the rest.
        l.account = l.account.max(40);
        l
    }

    fn amount(&self, a: &Amount) -> String {
        let s = format_number(a.number);
        let (i, f) = split_number(&s);
        let mut out = format!("{i:>iw$}{f:<fw$}", iw = self.int, fw = self.frac);
        out.push(' ');
        out.push_str(&a.currency);
        out
    }

    fn write_entry(&self, out: &mut String, e: &Entry) {
        match e {
            Entry::Transaction(t) => self.write_transaction(out, t),
            Entry::Balance(b) => self.write_balance(out, b),
            Entry::Open(o) => {
                let _ = write!(out, "{} open {}", o.date, o.account);
                if !o.currencies.is_empty() {
                    out.push(' ');
                    out.push_str(&o.currencies.join(","));
                }
                out.push('\n');
            }
            Entry::Comment(c) => {
                for l in comment_lines(c) {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
            Entry::Invalid(i) => {
                let date = i.date.map(|d| format!(" dated {d}")).unwrap_or_default();
                for l in comment_lines(&format!(
                    "NOT IMPORTED: a bank record{date} could not be converted: {}",
                    i.reason
                )) {
                    out.push_str(&l);
                    out.push('\n');
                }
                // One line of compact JSON; the record as received if it
                // does not parse.
                let json = serde_json::from_str::<serde_json::Value>(&i.raw_json)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|_| i.raw_json.clone());
                for l in comment_lines(&json) {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
        }
    }

    fn write_transaction(&self, out: &mut String, t: &TransactionEntry) {
        let _ = write!(out, "{} {}", t.date, t.flag);
        if let Some(p) = &t.payee {
            let _ = write!(out, " \"{}\"", escape_string(p));
        }
        let _ = write!(out, " \"{}\"", escape_string(&t.narration));
        for tag in &t.tags {
            let _ = write!(out, " #{tag}");
        }
        for link in &t.links {
            let _ = write!(out, " ^{link}");
        }
        out.push('\n');
        write_meta(out, &t.meta, "  ");
        for p in &t.postings {
            self.write_posting(out, p);
        }
    }

    fn write_posting(&self, out: &mut String, p: &Posting) {
        let prefix = posting_prefix(p);
        out.push_str("  ");
        match &p.units {
            Some(u) => {
                let pad = self.account.saturating_sub(prefix.chars().count());
                out.push_str(&prefix);
                out.extend(std::iter::repeat_n(' ', pad + 2));
                out.push_str(&self.amount(u));
                match &p.price {
                    Some(Price::PerUnit(a)) => {
                        let _ = write!(out, " @ {} {}", format_number(a.number), a.currency);
                    }
                    Some(Price::Total(a)) => {
                        let _ = write!(out, " @@ {} {}", format_number(a.number), a.currency);
                    }
                    None => {}
                }
            }
            None => out.push_str(&prefix),
        }
        out.push('\n');
        write_meta(out, &p.meta, "    ");
    }

    fn write_balance(&self, out: &mut String, b: &BalanceEntry) {
        let head = format!("{} balance {}", b.date, b.account);
        let col = 2 + self.account + 2;
        let pad = col.saturating_sub(head.chars().count()).max(2);
        out.push_str(&head);
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str(&self.amount(&b.amount));
        out.push('\n');
        write_meta(out, &b.meta, "  ");
    }
}

fn posting_prefix(p: &Posting) -> String {
    match p.flag {
        Some(f) => format!("{f} {}", p.account),
        None => p.account.clone(),
    }
}

fn split_number(s: &str) -> (&str, &str) {
    match s.find('.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn write_meta(out: &mut String, meta: &Meta, indent: &str) {
    for (k, v) in meta {
        let _ = write!(out, "{indent}{k}: ");
        match v {
            MetaValue::String(s) => {
                let _ = write!(out, "\"{}\"", escape_string(s));
            }
            MetaValue::Number(n) => out.push_str(&n.to_string()),
            MetaValue::Date(d) => out.push_str(&d.to_string()),
        }
        out.push('\n');
    }
}
