//! The check of a configured API base URL.

use url::Url;

/// Why a base URL was refused. The message quotes the URL without any
/// user info it carried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL at all.
    #[error("base URL {url:?} is not a URL: {reason}")]
    NotAUrl {
        /// The URL as given (it has no user info, or it would have parsed).
        url: String,
        /// What the URL parser said.
        reason: String,
    },
    /// Plain http to a host that is not this machine.
    #[error(
        "base URL {url:?} uses plain http, which would send credentials unencrypted; \
         use https (plain http is allowed only to localhost)"
    )]
    PlainHttp {
        /// The URL.
        url: String,
    },
    /// Neither https nor http.
    #[error("base URL {url:?} has scheme {scheme:?}; use https")]
    Scheme {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// A user name or password in the URL: it would be sent as a second
    /// `Authorization` and printed wherever the URL is.
    #[error(
        "base URL {url:?} carries a user name or password; remove it (credentials belong in \
         their own keys of the configuration)"
    )]
    UserInfo {
        /// The URL with its user info removed.
        url: String,
    },
    /// A query, a fragment, or no path to join to.
    #[error("base URL {url:?} must be a plain URL without query or fragment")]
    NotPlain {
        /// The URL.
        url: String,
    },
}

/// Parses and checks an API base URL, and makes it end with `/` so that
/// joining a relative path keeps its last segment.
///
/// # Errors
/// When it is not a URL, not https (plain http is allowed to loopback
/// only, for tests and local fakes), carries a user name or password, or
/// has a query or fragment.
///
/// # Example
/// ```
/// let url = source::base_url("https://api.example.com/v2").unwrap();
/// assert_eq!(url.join("accounts").unwrap().as_str(), "https://api.example.com/v2/accounts");
/// assert!(source::base_url("http://api.example.com").is_err());
/// assert!(source::base_url("http://127.0.0.1:8080/api").is_ok());
/// assert!(source::base_url("https://u:p@api.example.com").unwrap_err().to_string().contains("\"https://api.example.com/\""));
/// ```
pub fn base_url(s: &str) -> Result<Url, BaseUrlError> {
    let mut url = Url::parse(s).map_err(|e| BaseUrlError::NotAUrl {
        url: s.to_owned(),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return Err(BaseUrlError::UserInfo {
            url: url.to_string(),
        });
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(BaseUrlError::PlainHttp { url: s.to_owned() }),
        other => {
            return Err(BaseUrlError::Scheme {
                url: s.to_owned(),
                scheme: other.to_owned(),
            });
        }
    }
    if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
        return Err(BaseUrlError::NotPlain { url: s.to_owned() });
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
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

    #[test]
    fn accepts_https_and_loopback_http_only() {
        for ok in [
            "https://bankaccountdata.gocardless.com/api/v2",
            "http://127.0.0.1:9/api/v2/",
            "http://localhost:8080",
            "http://[::1]:8080/x",
        ] {
            assert!(base_url(ok).is_ok(), "{ok}");
        }
        for (bad, kind) in [
            ("http://example.com/api", "plain http"),
            ("ftp://example.com/", "scheme"),
            ("https://example.com/?a=1", "without query"),
            ("not a url", "not a URL"),
            ("http://user:pass@127.0.0.1:9/", "user name or password"),
            ("https://token@example.com/", "user name or password"),
        ] {
            let e = base_url(bad).unwrap_err().to_string();
            assert!(e.contains(kind), "{bad}: {e}");
            assert!(!e.contains("pass@") && !e.contains("token@"), "{e}");
        }
    }
}
