//! The store file itself: created private before SQLite touches it, and
//! checked before SQLite is trusted with it.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::StoreError;

/// The 16 bytes every SQLite 3 database starts with.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Makes sure `path` exists, creating it as a private file (mode 0600,
/// parent directories 0700) when missing. An existing file is not touched:
/// whether it is a store is not known yet (see [`make_private`]).
pub(crate) fn ensure_file(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    let created = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::NotWritable {
            path: path.to_path_buf(),
            detail: format!("cannot create the file: {e}"),
        }),
    }
}

/// Tokens are secrets: a store readable by others is made private, with a
/// warning. Called only once the file is known to be a store of ours (or
/// empty), so no other file is ever changed; and never through a symbolic
/// link, whose target is the user's to decide (a warning says so).
pub(crate) fn make_private(path: &Path) {
    let Ok(link) = fs::symlink_metadata(path) else {
        return;
    };
    if link.file_type().is_symlink() {
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format_args!("{:o}", meta.permissions().mode() & 0o777),
                "the store holds access tokens and is a link to a file readable by others; \
                 make that file private (chmod 600): a link's target is left as it is"
            );
        }
        return;
    }
    let mode = link.permissions().mode();
    if !link.is_file() || mode & 0o077 == 0 {
        return;
    }
    // Changed through a descriptor of the very file inspected, so that a
    // link put in its place meanwhile is not followed.
    let Ok(file) = File::open(path) else { return };
    let same = file
        .metadata()
        .is_ok_and(|m| (m.dev(), m.ino()) == (link.dev(), link.ino()));
    if !same {
        return;
    }
    let result = file.set_permissions(fs::Permissions::from_mode(mode & 0o700));
    tracing::warn!(
        path = %path.display(),
        mode = format_args!("{:o}", mode & 0o777),
        changed = result.is_ok(),
        "the store holds access tokens but was readable by others; made it private (0600)"
    );
}

/// Refuses a file that is not an SQLite database or that is shorter than
/// its own header says (truncated), before SQLite opens it. An empty file
/// is fine: it is a store not set up yet.
pub(crate) fn check_header(path: &Path) -> Result<(), StoreError> {
    let read_err = |source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Before opening: opening a FIFO would wait for a writer.
    let kind = fs::metadata(path).map_err(read_err)?.file_type();
    if !kind.is_file() {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            reason: "not a regular file".to_owned(),
        });
    }
    let mut file = File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    if len == 0 {
        return Ok(());
    }
    let mut header = [0u8; 100];
    let n = read_up_to(&mut file, &mut header).map_err(read_err)?;
    let header = &header[..n];
    let prefix = &MAGIC[..header.len().min(MAGIC.len())];
    if !header.starts_with(prefix) {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            reason: format!("{len} bytes that do not start with the SQLite header"),
        });
    }
    if header.len() < 100 {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("truncated: {len} bytes, shorter than the 100-byte SQLite header"),
        });
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("its header gives an impossible page size {page_size}"),
        });
    }
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    // The page count is valid only when the change counter matches the
    // version-valid-for number (SQLite file format, section 1.3.7).
    let pages = u64::from(be32(28));
    if pages > 0 && be32(24) == be32(92) && len < pages * page_size {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "truncated: {len} bytes, but its header says {pages} pages of {page_size} bytes"
            ),
        });
    }
    Ok(())
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
