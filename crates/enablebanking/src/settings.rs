//! An Enable Banking source's settings, read from its
//! [`importer::SourceConfig`].

use std::path::PathBuf;

use importer::SourceConfig;
use url::{Host, Url};

use crate::{ClientBuilder, Error, PrivateKey};

/// The provider name an Enable Banking source gives in `provider:`.
pub const PROVIDER: &str = "enablebanking";

/// Where the bank sends the user back by default: a listener of
/// gc-beancount on this machine. Register it with the application.
pub const DEFAULT_REDIRECT_URL: &str = "http://127.0.0.1:8765/callback";

/// What an Enable Banking source is configured with:
///
/// ```yaml
/// sources:
///   eb:
///     provider: enablebanking
///     application_id: aa9a3c7b-0b5e-4f0c-9d8e-1f2a3b4c5d6e
///     private_key: /home/me/.config/gc-beancount/aa9a3c7b.pem
///     redirect_url: http://127.0.0.1:8765/callback   # the default
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source's name.
    pub name: String,
    /// The application's id in the Enable Banking control panel (the JWT's
    /// `kid`; not a secret).
    pub application_id: String,
    /// The application's private key file (`<application id>.pem`), which
    /// only its owner may read. The path, not the key: the key is read by
    /// [`Settings::client_builder`].
    pub private_key: PathBuf,
    /// Where the bank sends the user back after consenting; it must be
    /// registered with the application. Default [`DEFAULT_REDIRECT_URL`].
    pub redirect_url: Url,
    /// The API's base URL, to reach another server (tests, a proxy).
    pub base_url: Option<String>,
}

/// An Enable Banking source whose settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {source_name}: {message}")]
pub struct SettingsError {
    /// The source's name.
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

const KEYS: [&str; 4] = ["application_id", "private_key", "redirect_url", "base_url"];

impl Settings {
    /// Reads a source's settings.
    ///
    /// # Errors
    /// When the source is of another provider, has a key Enable Banking
    /// does not take, lacks `application_id` or `private_key`, or has a
    /// redirect or base URL that cannot be used (plain http is accepted to
    /// this machine only: the redirect carries the authorisation code).
    ///
    /// ```
    /// let config = importer::config::from_str(
    ///     "sources:\n  eb: { provider: enablebanking, application_id: a1, private_key: eb.pem }\n",
    ///     "c.yaml",
    /// ).unwrap();
    /// let s = enablebanking::Settings::from_source(&config.sources[0]).unwrap();
    /// assert_eq!(s.application_id, "a1");
    /// assert_eq!(s.redirect_url.as_str(), enablebanking::DEFAULT_REDIRECT_URL);
    /// ```
    pub fn from_source(source: &SourceConfig) -> Result<Settings, SettingsError> {
        let fail = |message: String| SettingsError {
            source_name: source.name.clone(),
            message,
        };
        if source.provider != PROVIDER {
            return Err(fail(format!(
                "provider {:?} is not {PROVIDER:?}",
                source.provider
            )));
        }
        if let Some(unknown) = source.settings.keys().find(|k| !KEYS.contains(k)) {
            return Err(fail(format!(
                "unknown key `{unknown}` (an Enable Banking source takes: provider, {})",
                KEYS.join(", ")
            )));
        }
        let get = |k: &str| {
            source
                .settings
                .get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let application_id = get("application_id").ok_or_else(|| {
            fail(
                "no `application_id`: give the id of your application in the Enable Banking \
                 control panel (https://enablebanking.com/cp/applications)"
                    .to_owned(),
            )
        })?;
        let private_key = get("private_key").ok_or_else(|| {
            fail(
                "no `private_key`: give the path of the .pem file downloaded when the \
                 application was registered"
                    .to_owned(),
            )
        })?;
        let redirect_url = redirect_url(get("redirect_url").unwrap_or(DEFAULT_REDIRECT_URL))
            .map_err(|why| fail(format!("redirect_url: {why}")))?;
        let base_url = get("base_url").map(str::to_owned);
        if let Some(b) = &base_url {
            source::base_url(b).map_err(|e| fail(e.to_string()))?;
        }
        Ok(Settings {
            name: source.name.clone(),
            application_id: application_id.to_owned(),
            private_key: PathBuf::from(private_key),
            redirect_url,
            base_url,
        })
    }

    /// Reads the private key and starts a client for the application, at
    /// the configured base URL; the caller adds what depends on the run
    /// (PSU headers when a person runs it, retries, a clock).
    ///
    /// # Errors
    /// As [`PrivateKey::from_file`]: [`Error::KeyPermissions`] when others
    /// may read the key file, [`Error::Key`] when it is not readable or
    /// not an RSA private key.
    pub fn client_builder(&self) -> Result<ClientBuilder, Error> {
        let key = PrivateKey::from_file(&self.private_key)?;
        let builder = crate::Client::builder(&self.application_id, key);
        Ok(match &self.base_url {
            Some(b) => builder.base_url(b),
            None => builder,
        })
    }
}

/// Checks a redirect URL: http or https, and plain http only to this
/// machine, because the redirect carries the authorisation code.
fn redirect_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("{s:?} is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!(
            "{s:?} uses plain http to another machine, which would carry the authorisation code \
             unencrypted; use https, or http://127.0.0.1:PORT/… on this machine"
        )),
        other => Err(format!(
            "{s:?} has scheme {other:?}; use https or http to 127.0.0.1"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> Result<Settings, SettingsError> {
        let config = importer::config::from_str(yaml, "c.yaml").unwrap();
        Settings::from_source(&config.sources[0])
    }

    #[test]
    fn every_key() {
        let s = source(
            "sources:\n  eb:\n    provider: enablebanking\n    application_id: ' a1 '\n    \
             private_key: /k/eb.pem\n    redirect_url: https://example.org/cb\n    \
             base_url: http://127.0.0.1:9/\n",
        )
        .unwrap();
        assert_eq!(s.name, "eb");
        assert_eq!(s.application_id, "a1");
        assert_eq!(s.private_key, PathBuf::from("/k/eb.pem"));
        assert_eq!(s.redirect_url.as_str(), "https://example.org/cb");
        assert_eq!(s.base_url.as_deref(), Some("http://127.0.0.1:9/"));
    }

    #[test]
    fn refusals_say_what_to_do() {
        let base = "sources:\n  eb: { provider: enablebanking, ";
        let err = |rest: &str| {
            source(&format!("{base}{rest} }}\n"))
                .unwrap_err()
                .to_string()
        };
        let e = err("application_id: a, private_key: k, secret_id: x");
        assert!(e.starts_with("source eb: unknown key `secret_id`"), "{e}");
        assert!(
            e.contains("application_id, private_key, redirect_url, base_url"),
            "{e}"
        );
        assert!(err("private_key: k").contains("no `application_id`"));
        assert!(err("application_id: a").contains("no `private_key`"));
        let e = err("application_id: a, private_key: k, redirect_url: 'http://example.org/cb'");
        assert!(e.contains("plain http to another machine"), "{e}");
        let e = err("application_id: a, private_key: k, redirect_url: 'ftp://127.0.0.1/cb'");
        assert!(e.contains("scheme \"ftp\""), "{e}");
        let e = err("application_id: a, private_key: k, base_url: 'http://api.example.org'");
        assert!(e.contains("plain http"), "{e}");
        for ok in ["http://localhost:8765/cb", "http://[::1]:8765/cb"] {
            let s = source(&format!(
                "{base}application_id: a, private_key: k, redirect_url: '{ok}' }}\n"
            ));
            assert!(s.is_ok(), "{ok}: {s:?}");
        }
        let gc = importer::config::from_str("sources:\n  gc: { provider: gocardless }\n", "c.yaml")
            .unwrap();
        let e = Settings::from_source(&gc.sources[0]).unwrap_err();
        assert!(e.to_string().contains("is not \"enablebanking\""), "{e}");
    }
}
