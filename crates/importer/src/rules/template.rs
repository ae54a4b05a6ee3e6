//! Action texts with `$1`-style references to what a condition captured.

use std::fmt;

use regex::Regex;

/// A text with references to capture groups: `$1`, `${1}`, `${name}`;
/// `$$` is a literal `$`. Numbered groups come from the capturing
/// condition (the first regex condition with capture groups, else the first
/// regex condition); a named group from whichever condition defines it.
/// References are resolved when the config loads, so expanding cannot fail;
/// a group that did not take part in the match expands to nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Group { condition: usize, group: usize },
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.source, f)
    }
}

impl Template {
    /// Parses `source` against the rule's regex conditions, given as
    /// (condition index, regex) in the order written.
    pub(crate) fn parse(source: &str, regexes: &[(usize, &Regex)]) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(at) = rest.find('$') {
            text.push_str(&rest[..at]);
            rest = &rest[at + 1..];
            let (name, after) = if let Some(r) = rest.strip_prefix('$') {
                text.push('$');
                rest = r;
                continue;
            } else if let Some(r) = rest.strip_prefix('{') {
                let end = r
                    .find('}')
                    .ok_or_else(|| format!("unclosed `${{` in `{source}`"))?;
                (&r[..end], &r[end + 1..])
            } else {
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!(
                        "`$` in `{source}` must be followed by a group number or `{{name}}` (write `$$` for a literal `$`)"
                    ));
                }
                (&rest[..end], &rest[end..])
            };
            let (condition, group) = resolve(name, source, regexes)?;
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Group { condition, group });
            rest = after;
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: source.to_owned(),
            parts,
        })
    }

    /// The text as written in the config.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub(crate) fn uses_condition(&self, index: usize) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Group { condition, .. } if *condition == index))
    }

    /// Fills in the groups; `captured[i]` holds condition `i`'s groups.
    pub(crate) fn expand(&self, captured: &[Option<Vec<Option<String>>>]) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Group { condition, group } => {
                    let value = captured
                        .get(*condition)
                        .and_then(|c| c.as_ref())
                        .and_then(|groups| groups.get(*group))
                        .and_then(|g| g.as_deref());
                    out.push_str(value.unwrap_or(""));
                }
            }
        }
        out
    }
}

fn resolve(
    name: &str,
    source: &str,
    regexes: &[(usize, &Regex)],
) -> Result<(usize, usize), String> {
    if let Ok(group) = name.parse::<usize>() {
        let Some(&(condition, re)) = regexes
            .iter()
            .find(|(_, re)| re.captures_len() > 1)
            .or_else(|| regexes.first())
        else {
            return Err(format!(
                "`${name}` in `{source}` refers to a capture group, but the rule has no regex condition"
            ));
        };
        if group >= re.captures_len() {
            return Err(format!(
                "`${name}` in `{source}`: the regex `{}` has only {} capture group(s)",
                re.as_str(),
                re.captures_len() - 1
            ));
        }
        return Ok((condition, group));
    }
    for &(condition, re) in regexes {
        if let Some(group) = re.capture_names().position(|n| n == Some(name)) {
            return Ok((condition, group));
        }
    }
    Err(format!(
        "`${{{name}}}` in `{source}`: no condition of the rule has a capture group named `{name}`"
    ))
}
