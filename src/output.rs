//! Where output goes: stdout, or the file of `-o` (and `fetch --archive`).
//!
//! What `-o PATH` does depends on what PATH is, so that it never destroys
//! what it should not:
//!
//! - a regular file (or none yet) is replaced atomically: the text goes to
//!   a temporary file beside it, then a rename, so a reader never sees half
//!   a file and a failed run leaves the old file as it was;
//! - a symbolic link: its target is replaced so, and the link kept;
//! - anything else (a device such as `/dev/null`, a FIFO, a process
//!   substitution `>(…)`, `/dev/stdout`) is written in place: replacing it
//!   with a regular file would break it for everyone else;
//! - a folder is refused.
//!
//! A temporary file is named `.NAME.gc-beancount-tmp-PID`, so a run killed
//! before its rename leaves a file a later run recognises and removes once
//! that process is gone.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use importer::ledger::Ledger;

use crate::exit::usage;

/// What temporary files are named after: `.NAME` + this + the process id.
const TMP_MARK: &str = ".gc-beancount-tmp-";

/// Writes `text` to `path` as the module says (or to stdout when `path` is
/// `None`). A file created is readable by others as the umask allows; a
/// file replaced keeps its permissions.
pub fn write(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    write_with(path, &mut |out| out.write_all(text.as_bytes()))
}

/// Like [`write`], with the text written by `fill` as it is made: an
/// import's output is never held whole.
pub fn write_with(path: Option<&Path>, fill: Fill<'_>) -> anyhow::Result<()> {
    match path {
        None => write_stdout(fill),
        Some(path) => write_file(path, fill, false),
    }
}

/// Like [`write`] to a file, for bank data kept beside the store
/// (`fetch --archive`): the file is private (0600), like the store.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    write_file(path, &mut |out| out.write_all(text.as_bytes()), true)
}

/// Writes the text into what it is given.
pub type Fill<'a> = &'a mut dyn FnMut(&mut dyn Write) -> io::Result<()>;

fn write_stdout(fill: Fill<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match fill(&mut out).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `gc-beancount import | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}

fn write_file(path: &Path, fill: Fill<'_>, private: bool) -> anyhow::Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(usage(format!(
                "{} is a folder; give the name of a file to write",
                path.display()
            )));
        }
        Ok(meta) if !meta.is_file() => return write_in_place(path, fill),
        _ if is_descriptor_alias(path) => return write_in_place(path, fill),
        _ => {}
    }
    let target = resolve_links(path).with_context(|| format!("cannot write {}", path.display()))?;
    replace(&target, fill, private).with_context(|| {
        if target == path {
            format!("cannot write {}", path.display())
        } else {
            format!(
                "cannot write {} (the target of {})",
                target.display(),
                path.display()
            )
        }
    })
}

/// `/dev/stdout`, `/dev/fd/N`, `/proc/…/fd/N`: another name for a file the
/// shell already opened (`-o /dev/stdout >> ledger`), written through that
/// name; replacing the file behind it would cut it from the shell.
fn is_descriptor_alias(path: &Path) -> bool {
    ["/dev/fd/", "/dev/stdout", "/dev/stderr", "/proc/"]
        .iter()
        .any(|p| {
            path.as_os_str()
                .as_encoded_bytes()
                .starts_with(p.as_bytes())
        })
}

/// Writes into what is there (a device, a FIFO, an open descriptor),
/// appending so that a file behind a descriptor opened with `>>` is never
/// truncated.
fn write_in_place(path: &Path, fill: Fill<'_>) -> anyhow::Result<()> {
    let mut file = OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    fill(&mut file)
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The file a chain of symbolic links ends at (which may not exist yet).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Replaces the regular file `target` (or creates it) atomically.
fn replace(target: &Path, fill: Fill<'_>, private: bool) -> io::Result<()> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let prefix = format!(".{}{TMP_MARK}", name.to_string_lossy());
    remove_stale(&dir, &prefix);
    let tmp = Temporary(dir.join(format!("{prefix}{}", std::process::id())));
    // Ours if it exists: a run of this process id that did not finish.
    let _ = fs::remove_file(&tmp.0);
    let replaced = fs::metadata(target).ok();
    // Private until written when it replaces a file (a ledger may be
    // 0600); a new file gets what the umask allows.
    let mut file = create_new(&tmp.0, private || replaced.is_some())?;
    fill(&mut file)?;
    file.sync_all()?;
    if let Some(meta) = replaced.filter(|_| !private) {
        file.set_permissions(meta.permissions())?;
    }
    drop(file);
    fs::rename(&tmp.0, target)?;
    std::mem::forget(tmp);
    // The rename itself is durable once the folder is synced.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A temporary file, removed unless the write that made it succeeded.
struct Temporary(PathBuf);

impl Drop for Temporary {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Creates `path`, which must not exist, mode 0600 when `private`.
#[cfg(unix)]
fn create_new(path: &Path, private: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if private { 0o600 } else { 0o666 })
        .open(path)
}

#[cfg(not(unix))]
fn create_new(path: &Path, _private: bool) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Removes temporary files `PREFIX<pid>` in `dir` left by processes that
/// are gone (killed before their rename).
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid, &entry.path()) {
            tracing::info!(
                "removing {}, left by a run that was stopped",
                entry.path().display()
            );
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` may still be writing `file`: asked of `/proc`
/// where there is one; elsewhere, a file untouched for a day is stale.
fn process_alive(pid: u32, file: &Path) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(24 * 3600))
}

/// Refuses `-o FILE` when FILE is a file of the ledger given with `-e`
/// (one of the `-e` files, or a file they include): replacing it with only
/// the new entries would lose it. Compared by canonical path and by device
/// and inode, so neither a link nor a hard link gets past.
pub fn guard_against_overwriting(output: Option<&Path>, ledgers: &[PathBuf]) -> anyhow::Result<()> {
    let Some(out) = output else { return Ok(()) };
    let Some(out_id) = FileId::of(out) else {
        return Ok(());
    };
    // A file that cannot be read is the ledger reader's to report.
    let files = Ledger::files_of(ledgers).unwrap_or_else(|_| ledgers.to_vec());
    let Some(hit) = files
        .iter()
        .find(|f| FileId::of(f).is_some_and(|id| id.same(&out_id)))
    else {
        return Ok(());
    };
    let given = ledgers.iter().any(|l| l == hit);
    Err(usage(format!(
        "-o {} is {}: that would replace it with only the new entries. Append instead: \
         `gc-beancount import -e {} >> {}`",
        out.display(),
        if given {
            "also given with -e".to_owned()
        } else {
            format!(
                "a file of the ledger given with -e (included as {})",
                hit.display()
            )
        },
        ledgers[0].display(),
        out.display(),
    )))
}

/// What identifies a file: its canonical path, and on Unix its device and
/// inode.
struct FileId {
    path: PathBuf,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        let meta = fs::metadata(path).ok()?;
        Some(FileId {
            path: fs::canonicalize(path).ok()?,
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
        })
    }

    fn same(&self, other: &FileId) -> bool {
        #[cfg(unix)]
        if self.inode == other.inode {
            return true;
        }
        self.path == other.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.beancount");
        fs::write(&path, "old").unwrap();
        write(Some(&path), "new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["out.beancount"]);
    }

    #[test]
    fn atomic_write_to_a_missing_folder_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/out.beancount");
        let err = write(Some(&path), "x").unwrap_err();
        assert!(format!("{err:#}").contains("nope"), "{err:#}");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_or_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let kept = dir.path().join("ledger.bean");
        fs::write(&kept, "old").unwrap();
        fs::set_permissions(&kept, fs::Permissions::from_mode(0o640)).unwrap();
        write(Some(&kept), "new").unwrap();
        assert_eq!(mode(&kept), 0o640);
        let private = dir.path().join("a.transactions.json");
        fs::write(&private, "old").unwrap();
        fs::set_permissions(&private, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&private, "{}").unwrap();
        assert_eq!(mode(&private), 0o600);
        let fresh = dir.path().join("b.transactions.json");
        write_private(&fresh, "{}").unwrap();
        assert_eq!(mode(&fresh), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_gets_its_target_created() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.bean");
        std::os::unix::fs::symlink("sub/../real.bean", &link).unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        write(Some(&link), "x\n").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("real.bean")).unwrap(),
            "x\n"
        );
    }

    #[test]
    fn a_temporary_file_of_a_live_process_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bean");
        // Process 1 (init) is alive; a huge id is not.
        let live = dir.path().join(".out.bean.gc-beancount-tmp-1");
        let dead = dir.path().join(".out.bean.gc-beancount-tmp-4000000000");
        fs::write(&live, "").unwrap();
        fs::write(&dead, "").unwrap();
        write(Some(&path), "x").unwrap();
        assert!(live.exists());
        assert!(!dead.exists());
    }

    #[test]
    fn output_equal_to_a_ledger_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("main.beancount");
        fs::write(&ledger, "").unwrap();
        let err =
            guard_against_overwriting(Some(&ledger), std::slice::from_ref(&ledger)).unwrap_err();
        assert!(err.to_string().contains(">>"), "{err}");
        let other = dir.path().join("new.beancount");
        fs::write(&other, "").unwrap();
        guard_against_overwriting(Some(&other), std::slice::from_ref(&ledger)).unwrap();
        let missing = dir.path().join("missing.beancount");
        guard_against_overwriting(Some(&missing), &[ledger]).unwrap();
    }
}
