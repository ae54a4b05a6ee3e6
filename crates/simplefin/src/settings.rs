//! A SimpleFIN source's settings, read from its [`importer::SourceConfig`].

use importer::SourceConfig;
use url::Url;

use crate::{AccessUrl, Config};

/// The provider name a SimpleFIN source gives in `provider:`.
pub const PROVIDER: &str = "simplefin";

/// What a SimpleFIN source is configured with:
/// `sources: { NAME: { provider: simplefin, base_url? } }`. Its one secret,
/// the access URL, is not here: `link` claims it and the store keeps it.
///
/// A custom currency (an account whose `currency` is a URL, like air
/// miles) is named by the account's own `currency:` (see
/// [`crate::statement::AccountStatement::new`]), not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source's name (its key under `sources:`).
    pub name: String,
    /// The SimpleFIN server the access URL must belong to (its root, like
    /// `https://beta-bridge.simplefin.org/simplefin/`), checked by
    /// [`Settings::check_access_url`]; any server when `None`.
    pub base_url: Option<Url>,
}

/// A SimpleFIN source whose settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {source_name}: {message}")]
pub struct SettingsError {
    /// The source's name.
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

const KEYS: [&str; 1] = ["base_url"];

impl Settings {
    /// Reads a source's settings.
    ///
    /// # Errors
    /// When the source is of another provider, has a key SimpleFIN does
    /// not take, or a `base_url` that is not https (plain http is allowed
    /// to loopback only).
    ///
    /// ```
    /// let config = importer::config::from_str(
    ///     "sources:\n  sfin: { provider: simplefin }\n", "c.yaml").unwrap();
    /// let s = simplefin::Settings::from_source(&config.sources[0]).unwrap();
    /// assert_eq!(s.base_url, None);
    /// assert_eq!(s.config().source_name, "sfin");
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
            let hint = if unknown.starts_with("currency") {
                "; a custom currency is named by the account's `currency:`"
            } else {
                ""
            };
            return Err(fail(format!(
                "unknown key `{unknown}` (a SimpleFIN source takes: provider, {}; the access \
                 URL is not configured but claimed by `gc-beancount link --source {} \
                 --setup-token TOKEN`){hint}",
                KEYS.join(", "),
                source.name,
            )));
        }
        let base_url = match source.settings.get("base_url").map(str::trim) {
            Some(url) if !url.is_empty() => {
                Some(source::base_url(url).map_err(|e| fail(format!("`base_url`: {e}")))?)
            }
            _ => None,
        };
        Ok(Settings {
            name: source.name.clone(),
            base_url,
        })
    }

    /// The client configuration for this source: the defaults, with the
    /// source's name for the commands errors advise.
    pub fn config(&self) -> Config {
        Config {
            source_name: self.name.clone(),
            ..Config::default()
        }
    }

    /// Checks that an access URL (one just claimed, or the stored one)
    /// belongs to the configured server.
    ///
    /// # Errors
    /// When `base_url` is set and the access URL is not under it; the
    /// message shows the access URL without its credentials.
    ///
    /// ```
    /// let config = importer::config::from_str(
    ///     "sources:\n  sfin: { provider: simplefin, base_url: 'https://bridge.example/simplefin' }\n",
    ///     "c.yaml").unwrap();
    /// let s = simplefin::Settings::from_source(&config.sources[0]).unwrap();
    /// let ok = simplefin::AccessUrl::parse("https://u:p@bridge.example/simplefin").unwrap();
    /// assert!(s.check_access_url(&ok).is_ok());
    /// let other = simplefin::AccessUrl::parse("https://u:p@elsewhere.example/simplefin").unwrap();
    /// assert!(!s.check_access_url(&other).unwrap_err().to_string().contains("u:p"));
    /// ```
    pub fn check_access_url(&self, access: &AccessUrl) -> Result<(), SettingsError> {
        let Some(want) = &self.base_url else {
            return Ok(());
        };
        let got = access.base();
        let same_server = got.scheme() == want.scheme()
            && got.host() == want.host()
            && got.port_or_known_default() == want.port_or_known_default();
        if same_server && got.path().starts_with(want.path()) {
            return Ok(());
        }
        Err(SettingsError {
            source_name: self.name.clone(),
            message: format!(
                "the access URL {access} is not on the configured server {want}; link the \
                 source again with a setup token from that server, or change `base_url`"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> SourceConfig {
        importer::config::from_str(&format!("sources:\n  sfin: {yaml}\n"), "c.yaml")
            .unwrap()
            .sources
            .remove(0)
    }

    #[test]
    fn reads_and_checks_its_keys() {
        let s = Settings::from_source(&source(
            "{ provider: simplefin, base_url: 'http://127.0.0.1:7/simplefin' }",
        ))
        .unwrap();
        assert_eq!(
            s.base_url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:7/simplefin/")
        );
        let mine = AccessUrl::parse("http://a:b@127.0.0.1:7/simplefin").unwrap();
        assert!(s.check_access_url(&mine).is_ok());
        for other in [
            "http://a:b@127.0.0.1:8/simplefin",
            "http://a:b@127.0.0.1:7/other",
            "https://a:b@bridge.example/simplefin",
        ] {
            let e = s
                .check_access_url(&AccessUrl::parse(other).unwrap())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("not on the configured server") && !e.contains("a:b"),
                "{e}"
            );
        }
        let any = Settings::from_source(&source("{ provider: simplefin, base_url: '' }")).unwrap();
        assert!(any.check_access_url(&mine).is_ok());

        let err = |yaml: &str| {
            Settings::from_source(&source(yaml))
                .unwrap_err()
                .to_string()
        };
        let e = err("{ provider: simplefin, access_url: 'https://u:p@x' }");
        assert!(
            e.contains("unknown key `access_url`") && e.contains("link --source sfin"),
            "{e}"
        );
        let e = err("{ provider: simplefin, 'currency.https://x/miles': MILES }");
        assert!(e.contains("account's `currency:`"), "{e}");
        let e = err("{ provider: simplefin, base_url: 'http://bridge.example' }");
        assert!(e.contains("`base_url`") && e.contains("plain http"), "{e}");
        let e = err("{ provider: plaid }");
        assert!(e.contains("is not \"simplefin\""), "{e}");
    }
}
