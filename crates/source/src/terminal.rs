//! Untrusted text (a bank's names, a server's messages) made safe to show
//! on a terminal line.
//!
//! A terminal obeys what it is sent: ESC starts a command (set the title,
//! clear the screen, move the cursor), a newline starts what looks like a
//! line of the tool's own, and bidi overrides make text read differently
//! from what it is. So every character that is not plain visible text is
//! shown as an escape instead: `\n`, `\r`, `\t`, else `\u{…}`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal, a YAML file or any other text
/// read by a machine as it is: control characters (C0, DEL, C1 with NEL),
/// the Unicode line and paragraph separators (line breaks for YAML 1.1 and
/// JavaScript), bidi controls and every other invisible format character
/// (Unicode category Cf), and the non-characters U+FFFE and U+FFFF.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{FFFE}'..='\u{FFFF}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
}

/// Untrusted text as one safe terminal line: every control, bidi or
/// format character (newlines included) is written as a visible escape,
/// `\n`, `\r`, `\t` or `\u{…}`. Borrows when there is nothing to escape.
///
/// ```
/// use source::terminal;
/// assert_eq!(terminal::line("Bäckerei Müller"), "Bäckerei Müller");
/// assert_eq!(
///     terminal::line("ok\nerror: forged\x1b]0;title\x07\u{202e}"),
///     r"ok\nerror: forged\u{1b}]0;title\u{7}\u{202e}"
/// );
/// ```
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// Text of several lines, each made safe as [`line`] does, keeping the
/// newlines themselves: for a message of the tool's own, which may hold
/// untrusted parts, as a last defence before it is printed.
///
/// ```
/// assert_eq!(
///     source::terminal::lines("error: x\n  caused by: \x1b[2J"),
///     "error: x\n  caused by: \\u{1b}[2J"
/// );
/// ```
pub fn lines(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n')
}

/// Like [`lines`], but keeping colour and style sequences (`ESC [ … m`,
/// SGR), for text whose colours are the program's own. Any other escape
/// sequence is shown, not obeyed.
///
/// ```
/// assert_eq!(
///     source::terminal::styled_lines("\x1b[1;31merror\x1b[0m: \x1b]0;title\x07"),
///     "\x1b[1;31merror\x1b[0m: \\u{1b}]0;title\\u{7}"
/// );
/// ```
pub fn styled_lines(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b') {
        return lines(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&lines(&rest[..at]));
        let after = &rest[at + 1..];
        let sgr_len = after.strip_prefix('[').and_then(|p| {
            let params = p.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
            p[params..].starts_with('m').then_some(params + 2)
        });
        match sgr_len {
            Some(len) => {
                out.push_str(&rest[at..at + 1 + len]);
                rest = &after[len..];
            }
            None => {
                push_escape(&mut out, '\x1b');
                rest = after;
            }
        }
    }
    out.push_str(&lines(rest));
    Cow::Owned(out)
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_at = |c: char| is_unsafe(c) && !keep(c);
    let Some(first) = text.find(unsafe_at) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if unsafe_at(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `c` as Rust writes it in a string literal: `\n`, `\r`, `\t`, `\u{…}`.
pub(crate) fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_unsafe_character_is_escaped() {
        for c in [
            '\0',
            '\x07',
            '\x08',
            '\t',
            '\n',
            '\x0b',
            '\x0c',
            '\r',
            '\x1b',
            '\x7f',
            '\u{80}',
            '\u{85}',
            '\u{9b}',
            '\u{2028}',
            '\u{2029}',
            '\u{200e}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{200b}',
            '\u{e0041}',
            '\u{fffe}',
        ] {
            let text = format!("a{c}b");
            let shown = line(&text);
            assert!(!shown.contains(c), "{c:?} -> {shown:?}");
            assert!(shown.starts_with('a') && shown.ends_with('b'), "{shown:?}");
            assert!(shown.is_ascii(), "{c:?} -> {shown:?}");
        }
    }

    #[test]
    fn visible_text_of_any_script_is_kept() {
        for text in [
            "Crédit Agricole",
            "日本の銀行",
            "Ελληνική",
            "💶 Kasse",
            "a\\nb",
        ] {
            assert!(matches!(line(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn styled_lines_keeps_colours_only() {
        assert_eq!(styled_lines("\x1b[32mok\x1b[0m"), "\x1b[32mok\x1b[0m");
        assert_eq!(styled_lines("\x1b[2J\x1b[H"), "\\u{1b}[2J\\u{1b}[H");
        assert_eq!(styled_lines("a\x1b"), "a\\u{1b}");
        assert_eq!(styled_lines("\x1b[m\r\n"), "\x1b[m\\r\n");
    }

    #[test]
    fn lines_keeps_newlines_only() {
        assert_eq!(lines("a\nb\r\n\x1b"), "a\nb\\r\n\\u{1b}");
    }
}
