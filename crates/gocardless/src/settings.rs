//! A GoCardless source's settings, read from its [`importer::SourceConfig`].

use importer::SourceConfig;

use crate::Secret;

/// The provider name a GoCardless source gives in `provider:`.
pub const PROVIDER: &str = "gocardless";

/// What a GoCardless source is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source's name.
    pub name: String,
    /// The secret id. Not needed to convert stored files.
    pub secret_id: Option<String>,
    /// The secret key. Never printed.
    pub secret_key: Option<Secret>,
    /// The API's base URL, to reach another server (tests, a proxy).
    pub base_url: Option<String>,
}

/// A GoCardless source whose settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {source_name}: {message}")]
pub struct SettingsError {
    /// The source's name.
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

const KEYS: [&str; 3] = ["secret_id", "secret_key", "base_url"];

impl Settings {
    /// Reads a source's settings.
    ///
    /// # Errors
    /// When the source is of another provider, or has a key GoCardless
    /// does not take.
    ///
    /// ```
    /// let config = importer::config::from_str(
    ///     "sources:\n  gc: { provider: gocardless, secret_id: i, secret_key: k }\n", "c.yaml").unwrap();
    /// let s = gocardless::Settings::from_source(&config.sources[0]).unwrap();
    /// assert_eq!(s.secret_id.as_deref(), Some("i"));
    /// assert_eq!(format!("{:?}", s.secret_key), "Some([redacted])");
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
                "unknown key `{unknown}` (a GoCardless source takes: provider, {})",
                KEYS.join(", ")
            )));
        }
        let get = |k: &str| source.settings.get(k).filter(|v| !v.is_empty());
        Ok(Settings {
            name: source.name.clone(),
            secret_id: get("secret_id").map(str::to_owned),
            secret_key: get("secret_key").map(Secret::new),
            base_url: get("base_url").map(str::to_owned),
        })
    }
}
