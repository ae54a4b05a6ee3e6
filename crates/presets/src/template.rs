//! Texts a step writes: literal text with `{field}` values and `$1`
//! captures.
//!
//! - `{creditor_name}`: a field; `{ultimate_creditor|creditor_name}`: the
//!   first of them that is present; `{json:entryReference}`: a field of the
//!   record's JSON by dotted path; `{other_lines}`: the lines of the matched
//!   remittance list other than the one the `if:` matched. A value that is
//!   absent makes the whole text absent, unless marked optional with a
//!   trailing `?` (`{additional_information?}`), which inserts nothing.
//! - `$1`, `${1}`, `${name}`: capture groups of the step's `if:` regexes,
//!   as in rules; `$$` is a `$`, `{{` and `}}` are braces.
//!
//! The text is parsed on its own when the preset loads; the captures it
//! names are resolved against the step's conditions once the whole step
//! is read ([`Template::resolve`]), so rendering cannot fail.

use std::fmt;

use importer::BankTransaction;

use crate::condition::Matched;
use crate::field::Field;

/// A checked template.
#[derive(Clone)]
pub(crate) struct Template {
    source: String,
    parts: Vec<Part>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.source, f)
    }
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    /// Alternatives, the first present wins; `optional` inserts nothing
    /// when none is.
    Value {
        sources: Vec<Source>,
        optional: bool,
    },
    /// A capture, before resolution.
    Unresolved(GroupRef),
    /// A capture of condition `condition`, group `group`.
    Group {
        condition: usize,
        group: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum GroupRef {
    Number(usize),
    Name(String),
}

#[derive(Debug, Clone)]
enum Source {
    Field(Field),
    Json(String),
    OtherLines,
}

/// What a step's conditions offer its templates.
pub(crate) struct Offer<'a> {
    /// The regex of each condition, by index (`None` for conditions
    /// without one).
    pub(crate) regexes: Vec<Option<&'a regex::Regex>>,
    /// Whether a list condition exists (for `{other_lines}`).
    pub(crate) has_lines: bool,
}

/// What a template reads while rendering.
pub(crate) struct Context<'c, 'r> {
    pub(crate) tx: &'c BankTransaction,
    pub(crate) captured: &'c Matched,
    pub(crate) raw: &'c dyn Fn() -> Option<&'r serde_json::Value>,
    pub(crate) join: &'c str,
}

impl Template {
    /// Parses the text's syntax and field names.
    pub(crate) fn parse(source: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(format!(
                        "`}}` without `{{` in `{source}` (write `}}}}` for a brace)"
                    ));
                }
                '{' => {
                    let rest = &source[at + 1..];
                    let end = rest.find('}').ok_or_else(|| {
                        format!("unclosed `{{` in `{source}` (write `{{{{` for a brace)")
                    })?;
                    let inner = &rest[..end];
                    for _ in 0..inner.chars().count() + 1 {
                        chars.next();
                    }
                    flush(&mut text, &mut parts);
                    parts.push(value(inner, source)?);
                }
                '$' => {
                    let rest = &source[at + 1..];
                    if rest.starts_with('$') {
                        chars.next();
                        text.push('$');
                        continue;
                    }
                    let (group, used) = if let Some(r) = rest.strip_prefix('{') {
                        let end = r
                            .find('}')
                            .ok_or_else(|| format!("unclosed `${{` in `{source}`"))?;
                        let name = &r[..end];
                        let g = match name.parse::<usize>() {
                            Ok(n) => GroupRef::Number(n),
                            Err(_) if !name.is_empty() => GroupRef::Name(name.to_owned()),
                            Err(_) => return Err(format!("empty `${{}}` in `{source}`")),
                        };
                        (g, name.chars().count() + 2)
                    } else {
                        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                        if digits == 0 {
                            return Err(format!(
                                "`$` in `{source}` must be followed by a group number or `{{name}}` (write `$$` for a `$`)"
                            ));
                        }
                        let n = rest[..digits]
                            .parse()
                            .map_err(|_| format!("group number too large in `{source}`"))?;
                        (GroupRef::Number(n), digits)
                    };
                    for _ in 0..used {
                        chars.next();
                    }
                    flush(&mut text, &mut parts);
                    parts.push(Part::Unresolved(group));
                }
                c => text.push(c),
            }
        }
        flush(&mut text, &mut parts);
        Ok(Template {
            source: source.to_owned(),
            parts,
        })
    }

    /// Ties `$1` and `${name}` to the step's conditions and checks that
    /// `{other_lines}` has a list condition to come from. Numbered groups
    /// come from the first regex condition with capture groups (else the
    /// first regex condition), a named group from the condition defining
    /// it, as in rules.
    pub(crate) fn resolve(&mut self, offer: &Offer<'_>) -> Result<(), String> {
        let source = &self.source;
        for part in &mut self.parts {
            match part {
                Part::Unresolved(g) => {
                    let (condition, group) = match g {
                        GroupRef::Number(n) => {
                            let pick = offer
                                .regexes
                                .iter()
                                .enumerate()
                                .find(|(_, r)| r.is_some_and(|r| r.captures_len() > 1))
                                .or_else(|| {
                                    offer.regexes.iter().enumerate().find(|(_, r)| r.is_some())
                                });
                            let Some((i, Some(re))) = pick else {
                                return Err(format!(
                                    "`${n}` in `{source}`, but the step's `if:` has no regex to capture from"
                                ));
                            };
                            if *n >= re.captures_len() {
                                return Err(format!(
                                    "`${n}` in `{source}`, but `{}` has {} capture group(s)",
                                    re.as_str(),
                                    re.captures_len() - 1
                                ));
                            }
                            (i, *n)
                        }
                        GroupRef::Name(name) => {
                            let found = offer.regexes.iter().enumerate().find_map(|(i, r)| {
                                let r = (*r)?;
                                r.capture_names()
                                    .position(|n| n == Some(name.as_str()))
                                    .map(|g| (i, g))
                            });
                            found.ok_or_else(|| {
                                format!(
                                    "`${{{name}}}` in `{source}`, but no regex of the step's `if:` has a group `(?P<{name}>…)`"
                                )
                            })?
                        }
                    };
                    *part = Part::Group { condition, group };
                }
                Part::Value { sources, .. }
                    if sources.iter().any(|s| matches!(s, Source::OtherLines))
                        && !offer.has_lines =>
                {
                    return Err(format!(
                        "`{{other_lines}}` in `{source}` needs an `if:` on `remittance_array` or `remittance_structured_array`"
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The text for one record, trimmed; `None` when a required value is
    /// absent or the text is blank.
    pub(crate) fn render(&self, cx: &Context<'_, '_>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Group { condition, group } => {
                    if let Some(s) = cx.captured.group(*condition, *group) {
                        out.push_str(s);
                    }
                }
                Part::Value { sources, optional } => {
                    match sources.iter().find_map(|s| read(s, cx)) {
                        Some(v) => out.push_str(&v),
                        None if *optional => {}
                        None => return None,
                    }
                }
                // `resolve` runs on every template before a preset is built.
                Part::Unresolved(_) => return None,
            }
        }
        let t = out.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }
}

fn read(s: &Source, cx: &Context<'_, '_>) -> Option<String> {
    let v = match s {
        Source::Field(f) => f.text(cx.tx, cx.join)?.into_owned(),
        Source::Json(path) => importer::transaction::field_of((cx.raw)()?, path)?,
        Source::OtherLines => {
            let (field, line) = cx.captured.line?;
            let others: Vec<&str> = field
                .lines(cx.tx)
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != line)
                .map(|(_, l)| l.as_str())
                .collect();
            others.join(cx.join)
        }
    };
    (!v.trim().is_empty()).then_some(v)
}

fn flush(text: &mut String, parts: &mut Vec<Part>) {
    if !text.is_empty() {
        parts.push(Part::Text(std::mem::take(text)));
    }
}

/// `{a|json:b|other_lines?}`.
fn value(inner: &str, source: &str) -> Result<Part, String> {
    let inner = inner.trim();
    let (inner, optional) = match inner.strip_suffix('?') {
        Some(i) => (i.trim_end(), true),
        None => (inner, false),
    };
    if inner.is_empty() {
        return Err(format!(
            "empty `{{}}` in `{source}`: name a field, e.g. `{{remittance}}`"
        ));
    }
    let mut sources = Vec::new();
    for alt in inner.split('|') {
        let alt = alt.trim();
        let s = if let Some(path) = alt.strip_prefix("json:") {
            let path = path.trim();
            if path.is_empty() || path.split('.').any(str::is_empty) {
                return Err(format!(
                    "`{{json:{path}}}` in `{source}`: give a dotted path such as `json:currencyExchange.0.sourceCurrency`"
                ));
            }
            Source::Json(path.to_owned())
        } else if alt == "other_lines" {
            Source::OtherLines
        } else {
            Source::Field(Field::parse(alt).map_err(|e| format!("in `{source}`: {e}"))?)
        };
        sources.push(s);
    }
    Ok(Part::Value { sources, optional })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_say_what_to_write() {
        for (bad, want) in [
            ("{payee", "unclosed `{`"),
            ("payee}", "`}` without `{`"),
            ("{}", "empty `{}`"),
            ("{creditor}", "did you mean `creditor_name`"),
            ("cost $", "write `$$`"),
            ("${}", "empty `${}`"),
            ("{json:}", "dotted path"),
        ] {
            let err = Template::parse(bad).unwrap_err();
            assert!(err.contains(want), "{bad}: {err}");
        }
        assert!(Template::parse("{{literal}} $$ {payee?} ${1} $2").is_ok());
    }

    #[test]
    fn captures_resolve_against_the_conditions() {
        let plain = regex::Regex::new("^x").unwrap();
        let groups = regex::Regex::new("(?P<shop>a)(b)").unwrap();
        let offer = Offer {
            regexes: vec![None, Some(&plain), Some(&groups)],
            has_lines: false,
        };
        let mut t = Template::parse("$2 ${shop}").unwrap();
        t.resolve(&offer).unwrap();
        assert!(
            matches!(
                t.parts[0],
                Part::Group {
                    condition: 2,
                    group: 2
                }
            ),
            "{:?}",
            t.parts
        );
        let mut t = Template::parse("$3").unwrap();
        assert!(
            t.resolve(&offer)
                .unwrap_err()
                .contains("has 2 capture group(s)")
        );
        let mut t = Template::parse("${nope}").unwrap();
        assert!(t.resolve(&offer).unwrap_err().contains("(?P<nope>"));
        let mut t = Template::parse("{other_lines}").unwrap();
        assert!(t.resolve(&offer).unwrap_err().contains("remittance_array"));
        let none = Offer {
            regexes: vec![None],
            has_lines: false,
        };
        let mut t = Template::parse("$1").unwrap();
        assert!(t.resolve(&none).unwrap_err().contains("no regex"));
    }
}
