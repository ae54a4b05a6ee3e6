//! The two secrets of the protocol: the setup token (base64 of a one-time
//! claim URL) and the access URL it is exchanged for (a URL with HTTP Basic
//! credentials in it).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use percent_encoding::percent_decode_str;
use url::Url;

use crate::error::Error;
use crate::text::Redactor;
use source::Secret;

/// The access URL of a claimed setup token:
/// `https://user:password@host/path`. Whoever has it can read the user's
/// accounts, so it is kept like a password.
///
/// `Debug` and `Display` show it without its credentials;
/// [`AccessUrl::expose`] gives it whole, for the one place that stores it.
/// Requests send the credentials as HTTP Basic authentication to the URL
/// without them.
///
/// ```
/// let url = simplefin::AccessUrl::parse("https://demo:s3cr3t@bridge.simplefin.org/simplefin").unwrap();
/// assert_eq!(url.to_string(), "https://[redacted]@bridge.simplefin.org/simplefin");
/// assert_eq!(url.expose(), "https://demo:s3cr3t@bridge.simplefin.org/simplefin");
/// assert!(simplefin::AccessUrl::parse("https://bridge.simplefin.org/simplefin").is_err());
/// assert!(simplefin::AccessUrl::parse("http://u:p@bridge.simplefin.org/simplefin").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessUrl {
    full: Secret,
    /// Without credentials, ending with `/`.
    base: Url,
    user: Secret,
    password: Secret,
}

impl AccessUrl {
    /// Reads and checks an access URL.
    ///
    /// # Errors
    /// When it is not a URL, carries no user name, is not https (plain
    /// http is allowed to loopback only, for local fakes), or has a query
    /// or fragment. The message never quotes the credentials.
    pub fn parse(text: &str) -> Result<AccessUrl, Error> {
        let text = text.trim();
        let bad = |reason: String| Error::AccessUrl { reason };
        let mut url = Url::parse(text).map_err(|e| bad(format!("it is not a URL ({e})")))?;
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = decode(url.username());
        let password = decode(url.password().unwrap_or(""));
        if user.is_empty() {
            return Err(bad(
                "it carries no credentials (an access URL looks like https://user:password@host/path)"
                    .to_owned(),
            ));
        }
        // Cannot fail on a URL that has a host, which one with a user has.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let base = source::base_url(url.as_str()).map_err(|e| bad(e.to_string()))?;
        Ok(AccessUrl {
            full: Secret::new(text),
            base,
            user: Secret::new(user),
            password: Secret::new(password),
        })
    }

    /// The whole URL, credentials included: for storing it, nowhere else.
    pub fn expose(&self) -> &str {
        self.full.expose()
    }

    /// The URL without credentials, ending with `/`.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn user(&self) -> &str {
        self.user.expose()
    }

    pub(crate) fn password(&self) -> &str {
        self.password.expose()
    }

    /// Adds the URL's secrets to a redactor.
    pub(crate) fn redact_into(&self, r: &mut Redactor) {
        r.add(self.full.expose());
        r.add_basic(self.user(), self.password());
        // As written in the URL, in case they were percent-encoded there.
        if let Ok(u) = Url::parse(self.full.expose()) {
            r.add(u.username());
            r.add(u.password().unwrap_or(""));
        }
    }
}

impl fmt::Display for AccessUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.base.as_str();
        let shown = base.strip_suffix('/').unwrap_or(base);
        match shown.split_once("://") {
            Some((scheme, rest)) => write!(f, "{scheme}://[redacted]@{rest}"),
            None => f.write_str("[redacted]"),
        }
    }
}

impl fmt::Debug for AccessUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessUrl({self})")
    }
}

/// A decoded setup token: the claim URL, secret as the token itself.
pub(crate) struct ClaimUrl {
    pub(crate) url: Url,
    pub(crate) redactor: Redactor,
}

/// Decodes a setup token into its claim URL.
///
/// Whitespace (a token pasted across lines) and missing padding are
/// tolerated, in either base64 alphabet.
pub(crate) fn decode_setup_token(token: &Secret) -> Result<ClaimUrl, Error> {
    let bad = |reason: &str| Error::SetupToken {
        reason: reason.to_owned(),
    };
    let compact: String = token
        .expose()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(bad("it is empty"));
    }
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(&compact).ok())
        .ok_or_else(|| bad("it is not base64"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| bad("it does not decode to text (a setup token is the base64 of a URL)"))?;
    let text = text.trim();
    let mut redactor = Redactor::default();
    redactor.add(&compact);
    redactor.add(token.expose().trim());
    redactor.add(text);
    let url = Url::parse(text).map_err(|_| {
        bad("it does not decode to a URL (did you paste the access URL or something else?)")
    })?;
    let host = url.host_str().unwrap_or("").to_owned();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::SetupToken {
                reason: format!(
                    "its claim URL on {host} uses plain http, which would send the token unencrypted; only https is accepted"
                ),
            });
        }
        other => {
            return Err(Error::SetupToken {
                reason: format!("its claim URL has the scheme {other:?}; only https is accepted"),
            });
        }
    }
    if url.cannot_be_a_base() || host.is_empty() {
        return Err(bad("its claim URL has no host"));
    }
    // The path ends with the one-time token, which an error page may echo
    // on its own.
    if let Some(token) = url
        .path_segments()
        .and_then(|mut s| s.rfind(|s| !s.is_empty()))
    {
        redactor.add(token);
        redactor.add(&percent_decode_str(token).decode_utf8_lossy());
    }
    redactor.add(url.as_str());
    redactor.add(url.path());
    Ok(ClaimUrl { url, redactor })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Secret {
        Secret::new(STANDARD.encode(s))
    }

    #[test]
    fn decodes_the_protocols_demo_token() {
        let token =
            Secret::new("aHR0cHM6Ly9icmlkZ2Uuc2ltcGxlZmluLm9yZy9zaW1wbGVmaW4vY2xhaW0vZGVtbw==");
        let claim = decode_setup_token(&token).unwrap();
        assert_eq!(
            claim.url.as_str(),
            "https://bridge.simplefin.org/simplefin/claim/demo"
        );
        // Pasted across lines, without padding, URL-safe: the same URL.
        let wrapped =
            Secret::new("aHR0cHM6Ly9icmlkZ2Uuc2ltcGxlZmlu\n  Lm9yZy9zaW1wbGVmaW4vY2xhaW0vZGVtbw");
        assert_eq!(decode_setup_token(&wrapped).unwrap().url, claim.url);
    }

    #[test]
    fn refuses_what_is_not_a_claim_url_without_quoting_it() {
        for (token, why) in [
            (Secret::new(""), "empty"),
            (Secret::new("not base64 at all!"), "not base64"),
            (
                Secret::new(STANDARD.encode([0xff, 0xfe, 0x00])),
                "does not decode to text",
            ),
            (b64("just-some-secret-words"), "does not decode to a URL"),
            (
                b64("http://bridge.example.com/claim/SECRETTOKEN"),
                "plain http",
            ),
            (b64("ftp://bridge.example.com/claim/SECRETTOKEN"), "scheme"),
        ] {
            let e = decode_setup_token(&token).err().unwrap().to_string();
            assert!(e.contains(why), "{why}: {e}");
            assert!(
                !e.contains("SECRETTOKEN") && !e.contains("secret-words"),
                "{e}"
            );
        }
        assert!(decode_setup_token(&b64("http://127.0.0.1:9/simplefin/claim/x")).is_ok());
        assert!(decode_setup_token(&b64("http://localhost:9/claim/x")).is_ok());
    }

    #[test]
    fn the_access_url_never_prints_its_credentials() {
        let url =
            AccessUrl::parse(" https://us%40er:p%3Ass@bridge.example.com/simplefin ").unwrap();
        assert_eq!(url.user(), "us@er");
        assert_eq!(url.password(), "p:ss");
        assert_eq!(url.base().as_str(), "https://bridge.example.com/simplefin/");
        let shown = format!("{url} {url:?}");
        assert_eq!(
            shown,
            "https://[redacted]@bridge.example.com/simplefin \
             AccessUrl(https://[redacted]@bridge.example.com/simplefin)"
        );
        for bad in [
            "not a url",
            "https://bridge.example.com/simplefin",
            "http://u:p@bridge.example.com/simplefin",
            "https://u:p@bridge.example.com/simplefin?x=1",
        ] {
            let e = AccessUrl::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("u:p@"), "{e}");
        }
        assert!(AccessUrl::parse("http://u:p@127.0.0.1:8080/simplefin").is_ok());
    }
}
