//! Cutting known secrets out of what a server sends back, since a server
//! (or a proxy) may echo the client id, the secret or a token in an error.

use std::borrow::Cow;

use crate::Secret;
use crate::model::PlaidError;

/// What replaces a secret.
const MARK: &str = "[redacted]";

/// The secrets of one request, to cut out of the texts of its answer.
pub(crate) struct Redactor<'a> {
    /// Each secret as sent, and as JSON writes it escaped, longest first
    /// so that a secret containing another goes whole.
    needles: Vec<Cow<'a, str>>,
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(secrets: impl IntoIterator<Item = &'a Secret>) -> Redactor<'a> {
        let mut needles: Vec<Cow<'a, str>> = Vec::new();
        for s in secrets {
            let plain = s.expose();
            if plain.is_empty() {
                continue;
            }
            let escaped = serde_json::to_string(plain).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            if escaped != plain && !escaped.is_empty() {
                needles.push(escaped.to_owned().into());
            }
            needles.push(plain.into());
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Redactor { needles }
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_ref()) {
                out = out.replace(n.as_ref(), MARK);
            }
        }
        out
    }

    fn clean_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.clean(&t))
    }

    /// The error object with every text field cleaned.
    pub(crate) fn clean_error(&self, e: PlaidError) -> PlaidError {
        PlaidError {
            error_type: e.error_type,
            error_code: self.clean(&e.error_code),
            error_code_reason: self.clean_opt(e.error_code_reason),
            error_message: self.clean(&e.error_message),
            display_message: self.clean_opt(e.display_message),
            request_id: self.clean_opt(e.request_id),
            suggested_action: self.clean_opt(e.suggested_action),
            documentation_url: self.clean_opt(e.documentation_url),
            status: e.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_goes_in_every_form() {
        let secrets = [
            Secret::new("abc"),
            Secret::new("abcdef"),
            Secret::new("a\"b/c"),
            Secret::new(""),
        ];
        let r = Redactor::new(secrets.iter());
        assert_eq!(r.clean("x abcdef y abc z"), "x [redacted] y [redacted] z");
        assert_eq!(r.clean(r#"{"m": "a\"b/c"}"#), r#"{"m": "[redacted]"}"#);
        assert_eq!(r.clean("nothing here"), "nothing here");
    }
}
