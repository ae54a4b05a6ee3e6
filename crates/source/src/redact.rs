//! The secrets of the run, masked in any text about to be shown.
//!
//! A server may echo what it was sent (the bearer token in a 401 body, the
//! secret key in a 400 that quotes the request). [`Secret`] keeps a secret
//! out of `Debug` and `Display`, but such an echo arrives as ordinary text.
//! So every [`Secret`] made in the process is also recorded here, and
//! [`text`] masks them all: clients apply it where a server's text enters
//! an error, and a program applies it again to every line it prints.
//!
//! [`Secret`]: crate::Secret

use std::borrow::Cow;
use std::sync::RwLock;

/// What a masked secret is replaced with.
pub const MASK: &str = "[redacted]";

/// Secrets shorter than this are not masked in text: masking every `a` or
/// `42` would garble messages, and no real credential is that short.
const MIN_LEN: usize = 6;

/// The secrets of the process, longest first, so that a secret that
/// contains another is masked whole.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Records a secret to be masked by [`text`]; `Secret`'s constructors call
/// it, so no secret value is ever missing.
pub(crate) fn register(secret: &str) {
    if secret.len() < MIN_LEN {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    if secrets.iter().any(|s| s == secret) {
        return;
    }
    let at = secrets.partition_point(|s| s.len() >= secret.len());
    secrets.insert(at, secret.to_owned());
}

/// `text` with every secret of the process (secret keys, access and refresh
/// tokens, access URLs, private keys: every [`Secret`](crate::Secret) made
/// so far) replaced by [`MASK`]. Borrows when there is nothing to mask.
///
/// ```
/// let token = source::Secret::new("eyJhbGciOi.token.value");
/// let echoed = r#"{"detail": "token eyJhbGciOi.token.value is invalid"}"#;
/// assert_eq!(
///     source::redact::text(echoed),
///     r#"{"detail": "token [redacted] is invalid"}"#
/// );
/// # drop(token);
/// ```
pub fn text(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[test]
    fn every_secret_is_masked_the_longer_first() {
        let _short = Secret::new("abcdef-1");
        let _long = Secret::new("abcdef-1-and-more");
        let _tiny = Secret::new("abc");
        assert_eq!(
            text("x abcdef-1-and-more y abcdef-1 z abc"),
            "x [redacted] y [redacted] z abc"
        );
        assert!(matches!(text("nothing secret here"), Cow::Borrowed(_)));
    }

    #[test]
    fn secrets_from_json_are_masked_too() {
        #[derive(serde::Deserialize)]
        struct Token {
            access: Secret,
        }
        let t: Token = serde_json::from_str(r#"{"access": "deserialised-token-1"}"#).unwrap();
        assert_eq!(
            text("Bearer deserialised-token-1"),
            format!("Bearer {MASK}")
        );
        drop(t.access);
    }
}
