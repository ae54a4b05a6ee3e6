//! Where the store lives when nothing says otherwise.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that names the store file when the config does
/// not.
pub const STORE_ENV: &str = "GC_BEANCOUNT_STORE";

/// The store file to use: `config_value` (the config key `store`) when
/// given, else `$GC_BEANCOUNT_STORE`, else
/// `$XDG_CACHE_HOME/gc-beancount/store.sqlite`, else
/// `~/.cache/gc-beancount/store.sqlite`. Empty values count as unset, and
/// a leading `~/` in the config value is the home directory.
///
/// ```
/// use std::path::Path;
/// let p = store::default_path(Some(Path::new("/tmp/my.sqlite")));
/// assert_eq!(p, Path::new("/tmp/my.sqlite"));
/// ```
pub fn default_path(config_value: Option<&Path>) -> PathBuf {
    resolve(
        config_value,
        env::var_os(STORE_ENV),
        env::var_os("XDG_CACHE_HOME"),
        env::var_os("HOME"),
    )
}

/// [`default_path`] with the environment passed in, so it can be tested
/// without touching the process environment.
fn resolve(
    config_value: Option<&Path>,
    store_env: Option<OsString>,
    xdg_cache_home: Option<OsString>,
    home: Option<OsString>,
) -> PathBuf {
    let home = home.filter(|h| !h.is_empty()).map(PathBuf::from);
    if let Some(p) = config_value.filter(|p| !p.as_os_str().is_empty()) {
        return expand_tilde(p, home.as_deref());
    }
    if let Some(p) = store_env.filter(|p| !p.is_empty()) {
        return expand_tilde(Path::new(&p), home.as_deref());
    }
    // The XDG spec says a relative XDG_CACHE_HOME is invalid and ignored.
    let cache = match xdg_cache_home.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => match home {
            Some(home) => home.join(".cache"),
            None => PathBuf::from(".cache"),
        },
    };
    cache.join("gc-beancount").join("store.sqlite")
}

fn expand_tilde(p: &Path, home: Option<&Path>) -> PathBuf {
    match (p.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn config_wins_over_everything() {
        let p = resolve(
            Some(Path::new("/c/store.db")),
            os("/env.db"),
            os("/xdg"),
            os("/home/u"),
        );
        assert_eq!(p, Path::new("/c/store.db"));
    }

    #[test]
    fn config_tilde_is_home() {
        let p = resolve(Some(Path::new("~/s.db")), None, None, os("/home/u"));
        assert_eq!(p, Path::new("/home/u/s.db"));
    }

    #[test]
    fn env_when_no_config() {
        let p = resolve(None, os("/env.db"), os("/xdg"), os("/home/u"));
        assert_eq!(p, Path::new("/env.db"));
        let p = resolve(Some(Path::new("")), os("/env.db"), None, None);
        assert_eq!(p, Path::new("/env.db"));
    }

    #[test]
    fn xdg_cache_then_home_cache() {
        let p = resolve(None, os(""), os("/xdg"), os("/home/u"));
        assert_eq!(p, Path::new("/xdg/gc-beancount/store.sqlite"));
        let p = resolve(None, None, os("relative"), os("/home/u"));
        assert_eq!(p, Path::new("/home/u/.cache/gc-beancount/store.sqlite"));
        let p = resolve(None, None, None, os("/home/u"));
        assert_eq!(p, Path::new("/home/u/.cache/gc-beancount/store.sqlite"));
    }
}
