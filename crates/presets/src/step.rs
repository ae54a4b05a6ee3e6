//! One step of a preset and what running it on a record does.

use chrono::NaiveDate;
use importer::BankTransaction;
use regex::Regex;

use crate::condition::{self, Condition};
use crate::field::Field;
use crate::template::{Context, Template};

/// One step: conditions and one action.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// An optional label, shown in warnings.
    pub(crate) name: Option<String>,
    /// `if:`: all must hold.
    pub(crate) when: Vec<Condition>,
    /// `unless:`: the step is skipped when all of these hold.
    pub(crate) unless: Vec<Condition>,
    /// What it does.
    pub(crate) action: Action,
    /// `stop: true`: once this step has applied, skip the rest.
    pub(crate) stop: bool,
    /// `join_with:`: how list fields read as one text (default a space).
    pub(crate) join: String,
}

/// What a step does.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// `set: { field: template or [templates] }`: the first template that
    /// renders wins.
    Set(Vec<(Field, Vec<Template>)>),
    /// `append: { list_field: template }`.
    Append(Vec<(Field, Vec<Template>)>),
    /// `clear: fields`.
    Clear(Vec<Field>),
    /// `in: fields` + `replace: { regex: replacement }`, in order.
    Replace(Vec<Field>, Vec<(Regex, String)>),
    /// `in: fields` + `remove: template`: the rendered text is cut out,
    /// case ignored, its spaces also matching slashes.
    Remove(Vec<Field>, Template),
    /// `in: fields` + `unescape: true`: `\UXXXX` escapes become characters.
    Unescape(Vec<Field>),
    /// `flip_sign: true`.
    FlipSign,
    /// `date: ...`: the entry date.
    Date(DateSource),
    /// `drop: true`.
    Drop,
}

/// Where a `date:` step takes the date from.
#[derive(Debug, Clone)]
pub(crate) enum DateSource {
    /// The first of these date fields that is present.
    Fields(Vec<Field>),
    /// A text parsed with a `strftime` format.
    Parse(Template, String),
}

/// What a step did to a record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its conditions did not hold, or it found nothing to work on.
    Skipped,
    /// It ran.
    Applied,
    /// The record is to be left out.
    Drop,
}

impl Step {
    /// Runs the step on `tx`.
    ///
    /// # Errors
    ///
    /// A value the step cannot use (a date or amount that does not read,
    /// a currency Beancount rejects, a broken escape); `tx` may then be
    /// half changed, and the caller restores it.
    pub(crate) fn run<'a>(
        &self,
        tx: &mut BankTransaction,
        raw: &dyn Fn() -> Option<&'a serde_json::Value>,
    ) -> Result<Outcome, String> {
        let Some(matched) = condition::check(&self.when, tx, raw) else {
            return Ok(Outcome::Skipped);
        };
        if !self.unless.is_empty() && condition::check(&self.unless, tx, raw).is_some() {
            return Ok(Outcome::Skipped);
        }
        let render = |tx: &BankTransaction, templates: &[Template]| {
            let cx = Context {
                tx,
                captured: &matched,
                raw,
                join: &self.join,
            };
            templates.iter().find_map(|t| t.render(&cx))
        };
        let applied = match &self.action {
            Action::Set(targets) | Action::Append(targets) => {
                // Every value is read before any is written, so a step
                // that swaps two fields reads both as they were.
                let values: Vec<(Field, String)> = targets
                    .iter()
                    .filter_map(|(f, ts)| render(tx, ts).map(|v| (*f, v)))
                    .collect();
                let any = !values.is_empty();
                for (f, v) in values {
                    if matches!(self.action, Action::Append(_)) {
                        f.append(tx, v);
                    } else {
                        f.set(tx, v)
                            .map_err(|e| format!("cannot set `{}`: {e}", f.name()))?;
                    }
                }
                any
            }
            Action::Clear(fields) => {
                for f in fields {
                    f.clear(tx);
                }
                true
            }
            Action::Replace(fields, pairs) => {
                let mut any = false;
                for f in fields {
                    any |= f.edit(tx, |text| {
                        let mut s = text.to_owned();
                        for (re, with) in pairs {
                            s = re.replace_all(&s, with.as_str()).trim().to_owned();
                        }
                        Ok(s)
                    })?;
                }
                any
            }
            Action::Remove(fields, what) => {
                let Some(what) = render(tx, std::slice::from_ref(what)) else {
                    return Ok(Outcome::Skipped);
                };
                let loose = loose_pattern(&what)?;
                let mut any = false;
                for f in fields {
                    any |= f.edit(tx, |text| Ok(loose.replace_all(text, " ").into_owned()))?;
                }
                any
            }
            Action::Unescape(fields) => {
                let mut any = false;
                for f in fields {
                    any |= f.edit(tx, unescape)?;
                }
                any
            }
            Action::FlipSign => {
                tx.amount = -tx.amount;
                true
            }
            Action::Date(source) => {
                let date = match source {
                    DateSource::Fields(fields) => fields.iter().find_map(|f| f.date(tx)),
                    DateSource::Parse(t, format) => match render(tx, std::slice::from_ref(t)) {
                        Some(text) => Some(parse_date(&text, format)?),
                        None => None,
                    },
                };
                // Conversion dates an entry by its booking date first.
                if let Some(d) = date {
                    tx.booking_date = Some(d);
                }
                date.is_some()
            }
            Action::Drop => return Ok(Outcome::Drop),
        };
        Ok(if applied {
            Outcome::Applied
        } else {
            Outcome::Skipped
        })
    }

    /// The regexes of `if:` by condition index and whether one matches a
    /// list field: what templates may refer to.
    pub(crate) fn offer(when: &[Condition]) -> crate::template::Offer<'_> {
        crate::template::Offer {
            regexes: when.iter().map(Condition::regex).collect(),
            has_lines: when.iter().any(Condition::on_lines),
        }
    }
}

fn parse_date(text: &str, format: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, format)
        .map_err(|e| format!("cannot read `{text}` as a date in the format `{format}`: {e}"))
}

/// `text` as a case-insensitive pattern whose spaces match any run of
/// spaces and slashes (banks write `SHOP NAME//CITY` for `SHOP NAME CITY`),
/// and that matches whole words only (a payee `X` leaves `Taxi` alone).
fn loose_pattern(text: &str) -> Result<Regex, String> {
    let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
    let edge = |c: Option<char>| {
        if c.is_some_and(char::is_alphanumeric) {
            r"\b"
        } else {
            ""
        }
    };
    let pattern = format!(
        "{}{}{}",
        edge(text.trim().chars().next()),
        words.join(r"[\s/]+"),
        edge(text.trim().chars().next_back())
    );
    regex::RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("cannot search for `{text}`: {e}"))
}

/// Turns `\UXXXX` escapes (UTF-16 units, as some banks send them) into
/// characters.
///
/// # Errors
///
/// An escape sequence that is not valid UTF-16 (a lone surrogate).
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\U") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let mut units = Vec::new();
        while let Some(hex) = rest.strip_prefix("\\U").and_then(|r| r.get(..4))
            && let Ok(u) = u16::from_str_radix(hex, 16)
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            units.push(u);
            rest = &rest[6..];
        }
        if units.is_empty() {
            // Not an escape: keep the backslash and go on.
            out.push_str("\\U");
            rest = &rest[2..];
            continue;
        }
        for c in char::decode_utf16(units.iter().copied()) {
            out.push(c.map_err(|e| {
                format!(
                    "`\\U{:04X}` is half of a character (UTF-16 surrogate) without its other half",
                    e.unpaired_surrogate()
                )
            })?);
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_escapes() {
        assert_eq!(unescape("caff\\U00E8").unwrap(), "caffè");
        assert_eq!(unescape("\\UD83D\\UDE00 ok").unwrap(), "😀 ok");
        assert_eq!(unescape("C:\\Users \\U12").unwrap(), "C:\\Users \\U12");
        assert!(unescape("\\UD83D alone").unwrap_err().contains("D83D"));
    }

    #[test]
    fn loose_names() {
        let p = loose_pattern("Shop  Name City").unwrap();
        assert_eq!(p.replace_all("SHOP NAME//CITY/DE x", " "), " /DE x");
        assert_eq!(
            p.replace_all("SHOP NAME CITYWIDE", " "),
            "SHOP NAME CITYWIDE"
        );
        let x = loose_pattern("X").unwrap();
        assert_eq!(x.replace_all("Taxi X, x.", "_"), "Taxi _, _.");
        let odd = loose_pattern("Halle (Saale").unwrap();
        assert_eq!(odd.replace_all("in Halle (Saale)", "_"), "in _)");
    }
}
