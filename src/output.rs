//! Where Beancount goes: stdout, or a file replaced atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::exit::usage;

/// Writes `text` to `path` atomically (a temporary file in the same folder,
/// then a rename), so a reader never sees half a file and a failed run
/// leaves the old file intact; or to stdout when `path` is `None`.
pub fn write(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path {
        None => write_stdout(text),
        Some(path) => write_atomic(path, text),
    }
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `gc-beancount import | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}

fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".gc-beancount-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    // Keep the permissions of the file we replace (a ledger may be 0600).
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
        }
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Refuses `-o FILE` when FILE is one of the `-e` ledgers: replacing the
/// ledger with only the new entries would lose it.
pub fn guard_against_overwriting(output: Option<&Path>, ledgers: &[PathBuf]) -> anyhow::Result<()> {
    let Some(out) = output else { return Ok(()) };
    let Ok(out_real) = std::fs::canonicalize(out) else {
        return Ok(());
    };
    for ledger in ledgers {
        if std::fs::canonicalize(ledger).is_ok_and(|l| l == out_real) {
            return Err(usage(format!(
                "-o {} is also given with -e: that would replace the ledger with only the new \
                 entries. Append instead: `gc-beancount import -e {0} >> {0}`",
                out.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.beancount");
        std::fs::write(&path, "old").unwrap();
        write(Some(&path), "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn atomic_write_to_a_missing_folder_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/out.beancount");
        let err = write(Some(&path), "x").unwrap_err();
        assert!(format!("{err:#}").contains("nope"), "{err:#}");
    }

    #[test]
    fn output_equal_to_a_ledger_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("main.beancount");
        std::fs::write(&ledger, "").unwrap();
        let err =
            guard_against_overwriting(Some(&ledger), std::slice::from_ref(&ledger)).unwrap_err();
        assert!(err.to_string().contains(">>"), "{err}");
        let other = dir.path().join("new.beancount");
        guard_against_overwriting(Some(&other), &[ledger]).unwrap();
    }
}
