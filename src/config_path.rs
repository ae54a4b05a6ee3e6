//! Finding the configuration file.
//!
//! In order: `-c/--config`, `$GC_BEANCOUNT_CONFIG`, `./gc-beancount.yaml`,
//! `$XDG_CONFIG_HOME/gc-beancount/config.yaml` (`~/.config/...` when
//! `XDG_CONFIG_HOME` is unset).

use std::path::{Path, PathBuf};

use crate::exit::usage;

/// The environment variable naming the configuration file.
pub const ENV: &str = "GC_BEANCOUNT_CONFIG";

/// Where the configuration was found, and how.
#[derive(Debug, Clone)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// How it was chosen, for messages ("-c", "$GC_BEANCOUNT_CONFIG", ...).
    pub how: &'static str,
}

/// The largest configuration file read. A real one is a few kilobytes (a
/// thousand accounts make about 100 KiB); anything near this is not a
/// configuration, and reading it whole would take all memory.
pub const MAX_SIZE: u64 = 16 << 20;

/// Finds the configuration file, or says where it looked and how to make one.
/// The file found must be a regular file of at most [`MAX_SIZE`] bytes.
pub fn locate(explicit: Option<&Path>) -> anyhow::Result<Located> {
    let located = locate_with(
        explicit,
        |k| std::env::var_os(k).filter(|v| !v.is_empty()),
        Path::exists,
    )?;
    check_file(&located)?;
    Ok(located)
}

/// Refuses what cannot be a configuration before it is read: a device
/// (`-c /dev/zero` never ends), a FIFO, a folder, a huge file.
fn check_file(located: &Located) -> anyhow::Result<()> {
    let path = &located.path;
    let meta = std::fs::metadata(path).map_err(|e| {
        usage(format!(
            "cannot read the configuration file {} (from {}): {e}",
            path.display(),
            located.how
        ))
    })?;
    if !meta.is_file() {
        return Err(usage(format!(
            "the configuration file {} (from {}) is not a regular file; give the file itself \
             (a device, a pipe or a folder is not read)",
            path.display(),
            located.how
        )));
    }
    if meta.len() > MAX_SIZE {
        return Err(usage(format!(
            "the configuration file {} (from {}) is {} MiB, more than the {} MiB a configuration \
             can be; is it the right file?",
            path.display(),
            located.how,
            meta.len() >> 20,
            MAX_SIZE >> 20
        )));
    }
    Ok(())
}

fn locate_with(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    exists: impl Fn(&Path) -> bool,
) -> anyhow::Result<Located> {
    if let Some(path) = explicit {
        if !exists(path) {
            return Err(usage(format!(
                "configuration file {} (given with -c) does not exist",
                path.display()
            )));
        }
        return Ok(Located {
            path: path.to_path_buf(),
            how: "-c",
        });
    }
    if let Some(path) = env(ENV).map(PathBuf::from) {
        if !exists(&path) {
            return Err(usage(format!(
                "configuration file {} (from ${ENV}) does not exist",
                path.display()
            )));
        }
        return Ok(Located {
            path,
            how: "$GC_BEANCOUNT_CONFIG",
        });
    }
    let mut tried = Vec::new();
    let local = PathBuf::from("gc-beancount.yaml");
    if exists(&local) {
        return Ok(Located {
            path: local,
            how: "the current folder",
        });
    }
    tried.push(local);
    let xdg = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = xdg {
        let path = dir.join("gc-beancount").join("config.yaml");
        if exists(&path) {
            return Ok(Located {
                path,
                how: "$XDG_CONFIG_HOME",
            });
        }
        tried.push(path);
    }
    let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    Err(usage(format!(
        "no configuration file found (looked for -c, ${ENV}, {}). Start from \
         config.example.yaml: copy it to gc-beancount.yaml and fill in your secret_id and secret_key",
        tried.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn order_of_precedence() {
        let all = |_: &Path| true;
        let e = env(&[(ENV, "/env.yaml"), ("XDG_CONFIG_HOME", "/xdg")]);
        assert_eq!(
            locate_with(Some(Path::new("/c.yaml")), &e, all)
                .unwrap()
                .path,
            Path::new("/c.yaml")
        );
        assert_eq!(
            locate_with(None, &e, all).unwrap().path,
            Path::new("/env.yaml")
        );
        let e = env(&[("XDG_CONFIG_HOME", "/xdg")]);
        assert_eq!(
            locate_with(None, &e, all).unwrap().path,
            Path::new("gc-beancount.yaml")
        );
        let only_xdg = |p: &Path| p.starts_with("/xdg");
        assert_eq!(
            locate_with(None, &e, only_xdg).unwrap().path,
            Path::new("/xdg/gc-beancount/config.yaml")
        );
        let e = env(&[("HOME", "/home/u")]);
        let only_home = |p: &Path| p.starts_with("/home");
        assert_eq!(
            locate_with(None, &e, only_home).unwrap().path,
            Path::new("/home/u/.config/gc-beancount/config.yaml")
        );
    }

    #[test]
    fn missing_files_are_usage_errors_naming_them() {
        let none = |_: &Path| false;
        let err = locate_with(Some(Path::new("/x.yaml")), env(&[]), none).unwrap_err();
        assert!(err.to_string().contains("/x.yaml"));
        assert_eq!(crate::exit::code_for(&err), crate::exit::USAGE);
        let err = locate_with(None, env(&[("XDG_CONFIG_HOME", "/xdg")]), none).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("gc-beancount.yaml") && msg.contains("/xdg/gc-beancount/config.yaml"),
            "{msg}"
        );
    }
}
