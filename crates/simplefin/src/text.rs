//! Server text made safe to show: secrets redacted, control characters
//! removed, length capped, an HTML page reduced to its title.

use base64::Engine;

/// The longest server text quoted, in characters.
const MAX_QUOTE: usize = 300;

/// What replaces a secret in quoted text.
pub(crate) const REDACTED: &str = "[redacted]";

/// The secret strings to blank out of anything quoted.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// Longest first, so that a secret containing another is replaced whole.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

/// Secrets shorter than this are redacted only as part of a longer form
/// (`user:pass`, its base64): blanking every `ab` of a text would garble it
/// without protecting anything.
const MIN_ALONE: usize = 4;

impl Redactor {
    /// Adds a secret on its own (if long enough to be recognisable).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.chars().count() >= MIN_ALONE {
            self.add_always(secret);
        }
    }

    /// Adds a secret whatever its length.
    pub(crate) fn add_always(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_owned());
        self.secrets
            .sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    }

    /// Adds the user and password of HTTP Basic authentication, in every
    /// form they could be echoed in.
    pub(crate) fn add_basic(&mut self, user: &str, password: &str) {
        let pair = format!("{user}:{password}");
        self.add_always(&base64::engine::general_purpose::STANDARD.encode(&pair));
        self.add_always(&pair);
        self.add(user);
        self.add(password);
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }
}

/// One line of display-safe text: control characters (escape sequences,
/// newlines) become spaces, runs of spaces one, at most [`MAX_QUOTE`]
/// characters.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_QUOTE * 4));
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if count == MAX_QUOTE {
            out.truncate(out.trim_end().len());
            out.push('…');
            return out;
        }
        out.push(c);
        count += 1;
    }
    out.trim_end().to_owned()
}

/// What to quote of an error body: the protocol's `errors`/`errlist`
/// messages when it is an Account Set, the title of an HTML page, else the
/// start of the text. Secrets are redacted before anything is cut.
pub(crate) fn quote_body(body: &str, redactor: &Redactor) -> Option<String> {
    let body = redactor.redact(body);
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.starts_with('{')
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed)
    {
        let messages = json_messages(&value);
        if !messages.is_empty() {
            return Some(clean(&messages.join("; ")));
        }
    }
    if looks_like_html(trimmed) {
        return html_title(trimmed)
            .map(|t| clean(&t))
            .filter(|t| !t.is_empty())
            .or_else(|| Some(clean(&strip_tags(trimmed))));
    }
    Some(clean(trimmed))
}

/// The human messages of a JSON error body: `errlist[].msg`, `errors[]`,
/// or a lone `error`/`message`.
fn json_messages(value: &serde_json::Value) -> Vec<String> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let mut out: Vec<String> = Vec::new();
    if let Some(list) = value.get("errlist").and_then(|v| v.as_array()) {
        for e in list {
            let msg = e.get("msg").or_else(|| e.get("message")).and_then(text);
            let code = e.get("code").and_then(text);
            match (code, msg) {
                (Some(c), Some(m)) => out.push(format!("{c}: {m}")),
                (None, Some(m)) => out.push(m),
                (Some(c), None) => out.push(c),
                (None, None) => {}
            }
        }
    }
    if out.is_empty()
        && let Some(list) = value.get("errors").and_then(|v| v.as_array())
    {
        out.extend(list.iter().filter_map(text));
    }
    if out.is_empty() {
        out.extend(
            ["error", "message", "detail"]
                .iter()
                .filter_map(|k| value.get(*k).and_then(text)),
        );
    }
    out.retain(|m| !m.trim().is_empty());
    out
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(100)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<head")
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = lower[start..].find('>')? + start + 1;
    let end = lower[open_end..].find("</title")? + open_end;
    Some(html[open_end..end].to_owned())
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_form_of_the_credentials() {
        let mut r = Redactor::default();
        r.add_basic("ab", "s3cretpass");
        r.add("https://ab:s3cretpass@host/simplefin");
        let text = "url https://ab:s3cretpass@host/simplefin header Basic YWI6czNjcmV0cGFzcw== pass s3cretpass, ab stays";
        let out = r.redact(text);
        assert!(!out.contains("s3cret") && !out.contains("YWI6"), "{out}");
        assert!(out.contains("ab stays"), "{out}");
    }

    #[test]
    fn cleans_control_characters_and_caps_length() {
        assert_eq!(clean("  a\n\tb\u{1b}[31mred  "), "a b [31mred");
        let long = "x".repeat(1000);
        let c = clean(&long);
        assert_eq!(c.chars().count(), MAX_QUOTE + 1);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn quotes_the_useful_part_of_a_body() {
        let r = Redactor::default();
        assert_eq!(
            quote_body(r#"{"errors":["Payment required."],"accounts":[]}"#, &r).as_deref(),
            Some("Payment required.")
        );
        assert_eq!(
            quote_body(
                r#"{"errlist":[{"code":"gen.auth","msg":"No credentials provided"}]}"#,
                &r
            )
            .as_deref(),
            Some("gen.auth: No credentials provided")
        );
        let html = "<!doctype html>\n<html><head><title>Forbidden - SimpleFIN Bridge</title></head><body><h1>Forbidden</h1></body></html>";
        assert_eq!(
            quote_body(html, &r).as_deref(),
            Some("Forbidden - SimpleFIN Bridge")
        );
        assert_eq!(
            quote_body("<html><body><p>Bad\ngateway</p></body></html>", &r).as_deref(),
            Some("Bad gateway")
        );
        assert_eq!(quote_body("  ", &r), None);
        assert_eq!(quote_body("plain text", &r).as_deref(), Some("plain text"));
    }
}
