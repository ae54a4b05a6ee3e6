//! Entries to Beancount text.
//!
//! The output is deterministic: the same entries give the same bytes.
//! Amounts are aligned on the decimal point within each account's block.
//!
//! Escaping is a security boundary. Text from the bank only ever appears
//! inside a double-quoted string (via [`escape_string`]) or after `; ` in a
//! comment line (via [`comment_lines`]), so no bank text can end a string,
//! start a directive or break the file.

use std::convert::Infallible;
use std::fmt::Write;
use std::io;

use rust_decimal::Decimal;

use crate::beancount::{as_written, format_number};
use crate::entry::{
    Amount, BalanceEntry, Entry, Meta, MetaValue, Posting, Price, TransactionEntry,
};

/// Entries printed together, their amounts aligned. A block with a heading
/// (an account's entries) has it written as a comment and a blank line
/// before each entry; one without (the `open` and `pad` directives of a
/// run) is written line after line.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    /// The heading, when there is one.
    pub heading: Option<String>,
    /// The entries, in the order to print them.
    pub entries: &'a [Entry],
}

/// Writes the blocks to `out`, a blank line between two, in pieces of
/// about 64 KiB: a large output is never held whole in memory.
///
/// # Errors
/// The first error `out` gives.
///
/// ```
/// use importer::entry::{Entry, OpenEntry};
/// use importer::render::{Block, write};
/// let open = Entry::Open(OpenEntry {
///     date: chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
///     account: "Assets:Bank".to_owned(),
///     currencies: vec!["EUR".to_owned()],
/// });
/// let mut out = Vec::new();
/// write(&[Block { heading: None, entries: &[open] }], &mut out).unwrap();
/// assert_eq!(out, b"2024-01-02 open Assets:Bank EUR\n");
/// ```
pub fn write(blocks: &[Block<'_>], out: &mut dyn io::Write) -> io::Result<()> {
    render(blocks, |piece| out.write_all(piece.as_bytes()))
}

/// Prints the blocks into one string, as [`write`] writes them.
pub fn print(blocks: &[Block<'_>]) -> String {
    // Room for what most entries take (an entry is about 220 bytes): a
    // large output is written once, not copied as its buffer doubles.
    // Room not written to costs no memory.
    let entries: usize = blocks.iter().map(|b| b.entries.len()).sum();
    let mut out = String::with_capacity(entries * 320);
    let Ok(()) = render(blocks, |piece| {
        out.push_str(piece);
        Ok::<(), Infallible>(())
    });
    out
}

/// How much text is rendered before it is handed on.
const PIECE: usize = 64 * 1024;

/// Renders the blocks and hands `emit` the text in pieces of about
/// [`PIECE`] bytes, each ending after an entry.
fn render<E>(blocks: &[Block<'_>], mut emit: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    let mut out = String::with_capacity(PIECE + PIECE / 4);
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(h) = &b.heading {
            for line in comment_lines(h) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        let layout = Layout::for_entries(b.entries);
        for e in b.entries {
            if b.heading.is_some() {
                out.push('\n');
            }
            layout.write_entry(&mut out, e);
            if out.len() >= PIECE {
                emit(&out)?;
                out.clear();
            }
        }
    }
    emit(&out)
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
    push_escaped(&mut out, s);
    out
}

/// Appends `s` escaped as [`escape_string`] does, without a new string.
fn push_escaped(out: &mut String, s: &str) {
    // Copy runs of harmless characters at once; most bank text is one run.
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let replacement = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            c if is_breaking(c) => " ",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
}

/// The text as Beancount reads it back from an [`escape_string`]: the
/// documented replacements alone.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if is_breaking(c) { ' ' } else { c })
        .collect()
}

pub(crate) fn is_breaking(c: char) -> bool {
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
        let l = Layout::measure(entries);
        // The account column is at least 40 wide, so small blocks still
        // look like the rest.
        Layout {
            account: l.account.max(40),
            ..l
        }
    }

    fn measure(entries: &[Entry]) -> Layout {
        let mut l = Layout {
            account: 0,
            int: 0,
            frac: 0,
        };
        let mut see = |account_width: usize, a: &Amount| {
            l.account = l.account.max(account_width);
            let (int, frac) = widths(as_written(a.number));
            l.int = l.int.max(int);
            l.frac = l.frac.max(frac);
        };
        for e in entries {
            match e {
                Entry::Transaction(t) => {
                    for p in &t.postings {
                        if let Some(u) = &p.units {
                            see(
                                p.account.chars().count() + if p.flag.is_some() { 2 } else { 0 },
                                u,
                            );
                        }
                    }
                }
                // "DATE balance " is 17 characters more than a posting's
                // indent: the account column widens to keep amounts aligned.
                Entry::Balance(b) => see(b.account.chars().count() + BALANCE_EXTRA, &b.amount),
                _ => {}
            }
        }
        l
    }

    fn push_amount(&self, out: &mut String, a: &Amount) {
        let n = as_written(a.number);
        let (int, frac) = widths(n);
        out.extend(std::iter::repeat_n(' ', self.int.saturating_sub(int)));
        let _ = write!(out, "{n}");
        out.extend(std::iter::repeat_n(' ', self.frac.saturating_sub(frac)));
        out.push(' ');
        out.push_str(&a.currency);
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
            Entry::Pad(p) => {
                let _ = writeln!(out, "{} pad {} {}", p.date, p.account, p.source);
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
        let _ = write!(out, "{}", t.date);
        out.push(' ');
        out.push(t.flag);
        if let Some(p) = &t.payee {
            out.push_str(" \"");
            push_escaped(out, p);
            out.push('"');
        }
        out.push_str(" \"");
        push_escaped(out, &t.narration);
        out.push('"');
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
        out.push_str("  ");
        let start = out.len();
        if let Some(f) = p.flag {
            out.push(f);
            out.push(' ');
        }
        out.push_str(&p.account);
        if let Some(u) = &p.units {
            let written = out[start..].chars().count();
            let pad = self.account.saturating_sub(written);
            out.extend(std::iter::repeat_n(' ', pad + 2));
            self.push_amount(out, u);
            match p.price.as_deref() {
                Some(Price::Total(a)) => {
                    let _ = write!(out, " @@ {} {}", format_number(a.number), a.currency);
                }
                None => {}
            }
        }
        out.push('\n');
        write_meta(out, &p.meta, "    ");
    }

    fn write_balance(&self, out: &mut String, b: &BalanceEntry) {
        let mut head = String::new();
        let _ = write!(head, "{}", b.date);
        head.push_str(" balance ");
        head.push_str(&b.account);
        let col = 2 + self.account + 2;
        let pad = col.saturating_sub(head.chars().count()).max(2);
        out.push_str(&head);
        out.extend(std::iter::repeat_n(' ', pad));
        self.push_amount(out, &b.amount);
        out.push('\n');
        write_meta(out, &b.meta, "  ");
    }
}

/// How wide the text of `n` (as [`as_written`] gives it) is before its
/// point (the sign included) and from its point on: amounts are aligned on
/// their points without being written twice.
fn widths(n: Decimal) -> (usize, usize) {
    let scale = n.scale();
    let whole = n.mantissa().unsigned_abs() / 10u128.pow(scale);
    let digits = whole.checked_ilog10().map_or(1, |l| l as usize + 1);
    let point = if scale == 0 { 0 } else { scale as usize + 1 };
    (digits + usize::from(n.is_sign_negative()), point)
}

fn write_meta(out: &mut String, meta: &Meta, indent: &str) {
    for (k, v) in meta {
        out.push_str(indent);
        out.push_str(k);
        out.push_str(": ");
        match v {
            MetaValue::String(s) => {
                out.push('"');
                push_escaped(out, s);
                out.push('"');
            }
            MetaValue::Number(n) => {
                let _ = write!(out, "{n}");
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::{as_written, format_number, widths};

    proptest! {
        #[test]
        fn widths_are_those_of_the_written_text(mantissa in any::<i64>(), scale in 0u32..=12) {
            let d = Decimal::new(mantissa, scale);
            let text = format_number(d);
            let point = text.find('.').unwrap_or(text.len());
            prop_assert_eq!(widths(as_written(d)), (point, text.len() - point), "{}", text);
        }
    }
}
