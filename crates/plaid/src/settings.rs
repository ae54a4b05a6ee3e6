//! A Plaid source's settings, read from its [`importer::SourceConfig`].

use importer::SourceConfig;

use crate::{Client, ClientBuilder, Environment, Secret, SyncOptions};

/// The provider name a Plaid source gives in `provider:`.
pub const PROVIDER: &str = "plaid";

/// What a Plaid source is configured with:
/// `sources: { NAME: { provider: plaid, client_id, secret, environment,
/// base_url?, narration? } }`. The access tokens and cursors of its Items
/// are not here: they live in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source's name (its key under `sources:`).
    pub name: String,
    /// The client id (dashboard.plaid.com → Developers → Keys). Never
    /// printed.
    pub client_id: Secret,
    /// The secret of the environment. Never printed.
    pub secret: Secret,
    /// Sandbox or production.
    pub environment: Environment,
    /// Another API root than the environment's (a proxy, a fake server),
    /// checked when the client is built.
    pub base_url: Option<String>,
    /// Which text becomes the narration.
    pub narration: Narration,
}

/// Which of Plaid's texts becomes an entry's narration (`narration:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Narration {
    /// `name`, Plaid's cleaned description (the default).
    #[default]
    Name,
    /// `original_description`, the institution's own text, which Plaid
    /// sends only when asked ([`Settings::sync_options`] asks); `name`
    /// when it is missing.
    OriginalDescription,
}

/// A Plaid source whose settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {source_name}: {message}")]
pub struct SettingsError {
    /// The source's name.
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

const KEYS: [&str; 5] = [
    "client_id",
    "secret",
    "environment",
    "base_url",
    "narration",
];

impl Settings {
    /// Reads a source's settings.
    ///
    /// # Errors
    /// When the source is of another provider, has a key Plaid does not
    /// take, lacks `client_id`, `secret` or `environment`, or has a value
    /// that is not one of its key's.
    ///
    /// ```
    /// let config = importer::config::from_str(
    ///     "sources:\n  bank: { provider: plaid, client_id: c, secret: s, environment: sandbox }\n",
    ///     "c.yaml").unwrap();
    /// let s = plaid::Settings::from_source(&config.sources[0]).unwrap();
    /// assert_eq!(s.environment, plaid::Environment::Sandbox);
    /// assert_eq!(format!("{:?}", s.secret), "[redacted]");
    /// assert!(!s.sync_options().include_original_description);
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
                "unknown key `{unknown}` (a Plaid source takes: provider, {})",
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
        let required = |k: &str| {
            get(k).ok_or_else(|| {
                fail(format!(
                    "`{k}` is missing; a Plaid source needs `client_id`, `secret` (from \
                     dashboard.plaid.com, Developers → Keys) and `environment` (sandbox or \
                     production)"
                ))
            })
        };
        let client_id = Secret::new(required("client_id")?);
        let secret = Secret::new(required("secret")?);
        let environment = required("environment")?
            .parse::<Environment>()
            .map_err(|e| match e {
                crate::Error::InvalidConfig { message } => {
                    fail(format!("`environment`: {message}"))
                }
                other => fail(format!("`environment`: {other}")),
            })?;
        let base_url = match get("base_url") {
            Some(url) => Some(
                source::base_url(url)
                    .map(|_| url.to_owned())
                    .map_err(|e| fail(format!("`base_url`: {e}")))?,
            ),
            None => None,
        };
        let narration = match get("narration") {
            None | Some("name") => Narration::Name,
            Some("original_description") => Narration::OriginalDescription,
            Some(other) => {
                return Err(fail(format!(
                    "`narration: {other}` is not one of `name` (the default) or \
                     `original_description`"
                )));
            }
        };
        Ok(Settings {
            name: source.name.clone(),
            client_id,
            secret,
            environment,
            base_url,
            narration,
        })
    }

    /// A client builder with the keys, the environment (or base URL) and
    /// the source's name, for the advice of errors. Build it with
    /// [`ClientBuilder::build`].
    pub fn client(&self) -> ClientBuilder {
        let builder = Client::builder(self.client_id.clone(), self.secret.clone())
            .environment(self.environment)
            .source_name(&self.name);
        match &self.base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        }
    }

    /// How to sync for this source: the defaults, asking for
    /// `original_description` when the narration is made of it.
    pub fn sync_options(&self) -> SyncOptions {
        SyncOptions {
            include_original_description: self.narration == Narration::OriginalDescription,
            ..SyncOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> SourceConfig {
        let text = format!("sources:\n  bank: {yaml}\n");
        importer::config::from_str(&text, "c.yaml")
            .unwrap()
            .sources
            .remove(0)
    }

    fn err(yaml: &str) -> String {
        Settings::from_source(&source(yaml))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn reads_every_key() {
        let s = Settings::from_source(&source(
            "{ provider: plaid, client_id: ' c1 ', secret: s1, environment: Production, \
             base_url: 'http://127.0.0.1:9/', narration: original_description }",
        ))
        .unwrap();
        assert_eq!(s.name, "bank");
        assert_eq!(s.client_id.expose(), "c1");
        assert_eq!(s.environment, Environment::Production);
        assert_eq!(s.base_url.as_deref(), Some("http://127.0.0.1:9/"));
        assert_eq!(s.narration, Narration::OriginalDescription);
        assert!(s.sync_options().include_original_description);
        let client = s.client().build().unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/");
        let debug = format!("{s:?}");
        assert!(!debug.contains("s1") && !debug.contains("c1"), "{debug}");
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        let e = err("{ provider: plaid, client_id: c, secret: s, environment: sandbox, token: t }");
        assert!(
            e.contains("unknown key `token`") && e.contains("client_id, secret, environment"),
            "{e}"
        );
        let e = err("{ provider: plaid, client_id: c, environment: sandbox }");
        assert!(e.starts_with("source bank: `secret` is missing"), "{e}");
        let e = err("{ provider: plaid, client_id: c, secret: '', environment: sandbox }");
        assert!(e.contains("`secret` is missing"), "{e}");
        let e = err("{ provider: plaid, client_id: c, secret: s }");
        assert!(e.contains("`environment` is missing"), "{e}");
        let e = err("{ provider: plaid, client_id: c, secret: s, environment: development }");
        assert!(e.contains("retired"), "{e}");
        let e = err(
            "{ provider: plaid, client_id: c, secret: s, environment: sandbox, base_url: 'http://plaid.example' }",
        );
        assert!(e.contains("`base_url`") && e.contains("plain http"), "{e}");
        let e = err(
            "{ provider: plaid, client_id: c, secret: s, environment: sandbox, narration: memo }",
        );
        assert!(e.contains("`narration: memo`"), "{e}");
        let e = err("{ provider: gocardless }");
        assert!(e.contains("is not \"plaid\""), "{e}");
    }
}
