//! What can go wrong with the store, each case saying what to do.

use std::io;
use std::path::PathBuf;

/// An error of the store. Every message names the file and says what the
/// user can do; the store never deletes or overwrites a file it cannot
/// read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The directory that should hold the store cannot be created.
    #[error(
        "cannot create the directory {} for the store: {source}. Make it writable, or set `store:` \
         in the config (or GC_BEANCOUNT_STORE) to a file in a writable directory",
        path.display()
    )]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },

    /// The store file, or the directory beside it where SQLite keeps its
    /// write-ahead log, cannot be written.
    #[error(
        "the store {} cannot be written ({detail}). SQLite needs to write the file and to create \
         `{}-wal` and `{}-shm` beside it: make the file and its directory writable, or set `store:` \
         in the config (or GC_BEANCOUNT_STORE) to a writable place. The file was left untouched",
        path.display(),
        path.display(),
        path.display()
    )]
    NotWritable {
        /// The store file.
        path: PathBuf,
        /// What refused.
        detail: String,
    },

    /// The store file exists but cannot be read.
    #[error("cannot read the store {}: {source}. Check its permissions", path.display())]
    Read {
        /// The store file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },

    /// The file is not a gc-beancount store: not SQLite at all, or the
    /// database of another program.
    #[error(
        "{} is not a gc-beancount store ({reason}). It was left untouched: if it is not needed, \
         move it away; otherwise set `store:` in the config (or GC_BEANCOUNT_STORE) to another file",
        path.display()
    )]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// What it looks like instead.
        reason: String,
    },

    /// The store is damaged (for example truncated).
    #[error(
        "the store {} is damaged ({detail}). It was left untouched: move it aside (for example to \
         `{}.broken`) and run again; a new store is created and the bank data is fetched again \
         (mind the bank's 4 requests a day per account)",
        path.display(),
        path.display()
    )]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What SQLite or the header check found.
        detail: String,
    },

    /// The store was written by a newer version of gc-beancount.
    #[error(
        "the store {} was written by a newer gc-beancount (schema version {found}; this version \
         reads up to {supported}). It was left untouched: upgrade gc-beancount, or set `store:` in \
         the config (or GC_BEANCOUNT_STORE) to another file",
        path.display()
    )]
    TooNew {
        /// The store file.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },

    /// Another process held the store locked for longer than the busy
    /// timeout.
    #[error(
        "the store {} stayed locked by another process for more than {seconds} seconds while \
         trying to {op}. Wait for the other gc-beancount to finish and run again",
        path.display()
    )]
    Busy {
        /// The store file.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The busy timeout.
        seconds: u64,
    },

    /// A source name the store cannot keep data under.
    #[error(
        "`{name}` cannot name a source in the store: {problem}. Name the source in the config's \
         `sources:` with letters, digits, `-`, `_` or `.` (at most 64)"
    )]
    SourceName {
        /// The name, escaped.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },

    /// Any other SQLite failure.
    #[error("the store {} failed to {op}: {source}", path.display())]
    Sqlite {
        /// The store file.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}
