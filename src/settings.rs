//! The application's own settings in the configuration file (`store`,
//! `cache_ttl`), and the source settings this version reads.

use std::path::PathBuf;
use std::time::Duration;

use importer::Config;

use crate::exit::usage;

/// The longest `cache_ttl` accepted.
const MAX_CACHE_TTL: Duration = Duration::from_secs(30 * 86_400);

/// The application's settings.
pub struct App {
    /// Where tokens, responses and request budgets are kept (SQLite).
    pub store: Option<PathBuf>,
    /// How long a stored response is fresh enough to reuse.
    pub cache_ttl: Option<Duration>,
}

/// Reads the application's settings.
pub fn app(config: &Config) -> anyhow::Result<App> {
    let cache_ttl = match config.application.get("cache_ttl") {
        None => None,
        Some(t) => {
            let ttl = parse_duration(t)
                .map_err(|e| usage(format!("{}: cache_ttl: {e}", config.origin)))?;
            // Past a month a stored answer is no longer "fresh" in any sense.
            if ttl > MAX_CACHE_TTL {
                return Err(usage(format!(
                    "{}: cache_ttl: {t:?} is longer than 30 days; use --offline to work from the \
                     store alone",
                    config.origin
                )));
            }
            Some(ttl)
        }
    };
    Ok(App {
        store: config.application.get("store").map(PathBuf::from),
        cache_ttl,
    })
}

/// The GoCardless source's settings: the configuration's one source of
/// provider `gocardless`.
pub fn gocardless(config: &Config) -> anyhow::Result<gocardless::Settings> {
    let mut found = config
        .sources
        .iter()
        .filter(|s| s.provider == gocardless::PROVIDER);
    let Some(source) = found.next() else {
        return Err(usage(format!(
            "{}: no source has `provider: {}`, and this command works with GoCardless Bank \
             Account Data only (`link --source NAME` connects the other sources; `import`, \
             `fetch`, `reconcile` and `config check` read them all)",
            config.origin,
            gocardless::PROVIDER
        )));
    };
    if let Some(other) = found.next() {
        return Err(usage(format!(
            "{}: sources {} and {} are both GoCardless: this version reads one GoCardless source",
            config.origin, source.name, other.name
        )));
    }
    gocardless::Settings::from_source(source).map_err(|e| usage(format!("{}: {e}", config.origin)))
}

/// Reads `3600`, `90s`, `30m`, `12h` or `1d`.
pub fn parse_duration(t: &str) -> Result<Duration, String> {
    let t = t.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], t[i..].trim()),
        None => (t, "s"),
    };
    let n: u64 = num
        .parse()
        .ok()
        .filter(|n: &u64| *n <= 100 * 365 * 86_400)
        .ok_or(())
        .map_err(|_| format!("invalid duration {t:?}: expected like 3600, 90s, 30m, 12h or 1d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => {
            return Err(format!(
                "invalid duration {t:?}: the unit must be s, m, h or d"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("12h").unwrap(), Duration::from_secs(43200));
        assert_eq!(parse_duration("3600").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("1w").is_err());
    }
}
