//! Remittance text as German and Austrian banks structure it: SEPA fields
//! behind prefixes such as `EREF+` (the end-to-end reference) and `SVWZ+`
//! (the purpose, "Verwendungszweck"), in the lines Enable Banking relays
//! as `remittance_information`.

/// The SEPA field prefixes of the DK remittance format, without the `+`.
const TAGS: [&str; 12] = [
    "EREF", "KREF", "MREF", "CRED", "DEBT", "COAM", "OAMT", "SVWZ", "ABWA", "ABWE", "IBAN", "BIC",
];

/// A transaction's remittance lines, read for their SEPA fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Remittance {
    /// Each field as `(tag, value)`, in order; text before the first tag
    /// has the tag `""`.
    fields: Vec<(&'static str, String)>,
}

impl Remittance {
    /// Reads `lines`, joined with spaces (banks cut a field across lines).
    pub(crate) fn parse(lines: &[String]) -> Remittance {
        Remittance {
            fields: fields(&lines.join(" ")),
        }
    }

    /// Whether any SEPA field was found.
    pub(crate) fn is_structured(&self) -> bool {
        self.fields.iter().any(|(tag, _)| !tag.is_empty())
    }

    /// The value of the first field `tag`, unless it is `NOTPROVIDED`.
    pub(crate) fn get(&self, tag: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NOTPROVIDED"))
    }

    /// The text for people: the untagged text and the purpose (`SVWZ+`),
    /// prefixes stripped and references left out; when that is empty, every
    /// value with its prefix stripped. `None` when there is no text.
    pub(crate) fn text(&self) -> Option<String> {
        join(&self.fields, is_prose).or_else(|| join(&self.fields, |_| true))
    }
}

/// The first of `lines` with text for people (untagged text or a purpose),
/// prefixes stripped; references and deviating parties are not such text.
pub(crate) fn first_text(lines: &[String]) -> Option<String> {
    lines.iter().find_map(|line| join(&fields(line), is_prose))
}

/// Untagged text and the purpose: what says what a payment was for.
fn is_prose(tag: &str) -> bool {
    tag.is_empty() || tag == "SVWZ"
}

/// The values of the fields whose tag `keep` accepts, joined by spaces.
fn join(fields: &[(&'static str, String)], keep: fn(&str) -> bool) -> Option<String> {
    let parts: Vec<&str> = fields
        .iter()
        .filter(|(t, v)| keep(t) && !v.is_empty() && !v.eq_ignore_ascii_case("NOTPROVIDED"))
        .map(|(_, v)| v.as_str())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Splits `text` at each known tag that starts it or follows whitespace.
fn fields(text: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut tag: &'static str = "";
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let found = at_boundary
            .then(|| {
                TAGS.iter().find(|t| {
                    bytes[i..].starts_with(t.as_bytes()) && bytes.get(i + t.len()) == Some(&b'+')
                })
            })
            .flatten();
        match found {
            Some(t) => {
                push(&mut out, tag, &text[start..i]);
                tag = t;
                i += t.len() + 1;
                start = i;
            }
            None => i += 1,
        }
    }
    push(&mut out, tag, &text[start..]);
    out
}

fn push(out: &mut Vec<(&'static str, String)>, tag: &'static str, value: &str) {
    let v = value.trim();
    if !tag.is_empty() || !v.is_empty() {
        out.push((tag, v.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn purpose_without_references() {
        let r = Remittance::parse(&lines(&["EREF+0f3a9c", "SVWZ+Insurance premium"]));
        assert!(r.is_structured());
        assert_eq!(r.get("EREF"), Some("0f3a9c"));
        assert_eq!(r.text().as_deref(), Some("Insurance premium"));

        let r = Remittance::parse(&lines(&[
            "EREF+NOTPROVIDED MREF+M-1 CRED+DE98ZZZ09999999999 SVWZ+Rechnung 4711 ABWA+Shop GmbH",
        ]));
        assert_eq!(r.get("EREF"), None);
        assert_eq!(r.get("ABWA"), Some("Shop GmbH"));
        assert_eq!(r.text().as_deref(), Some("Rechnung 4711"));
    }

    #[test]
    fn references_only_keep_their_values() {
        let r = Remittance::parse(&lines(&["EREF+123 KREF+456"]));
        assert_eq!(r.text().as_deref(), Some("123 456"));
        assert_eq!(Remittance::parse(&[]).text(), None);
    }

    #[test]
    fn plain_text_is_kept_as_it_is() {
        let text = "5299 ****1234    OSTOPVM  261120";
        let r = Remittance::parse(&lines(&[text, "ref: XEREF+1"]));
        assert!(!r.is_structured());
        assert_eq!(
            r.text().as_deref(),
            Some(format!("{text} ref: XEREF+1").as_str())
        );
    }

    #[test]
    fn first_line_with_text() {
        let l = lines(&["EREF+0f3a9c", "SVWZ+Insurance premium", "Other"]);
        assert_eq!(first_text(&l).as_deref(), Some("Insurance premium"));
        assert_eq!(first_text(&lines(&["MREF+1", "ABWA+X"])), None);
        assert_eq!(
            first_text(&lines(&["Gift for Alex"])).as_deref(),
            Some("Gift for Alex")
        );
    }
}
