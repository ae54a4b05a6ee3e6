//! The SQLite store: tokens that last across runs, a cache and archive of
//! the bank's responses, and the per-account request budget.
//!
//! Banks let GoCardless read an account only 4 times a day per scope, and
//! `token/new` is capped at 100 an hour. The store makes every run after
//! the first cheap and lets the tool work offline.
//!
//! - [`Store`]: one SQLite file ([`default_path`] says where), shared by
//!   threads (a small pool of connections, every write in a transaction)
//!   and by processes (WAL and a busy timeout).
//! - tokens: the client's [`Tokens`](crate::Tokens) by secret id; the store
//!   is a [`TokenStore`](crate::TokenStore).
//! - [`StoredResponse`]: the body of each response with when it was fetched
//!   and its rate-limit headers; transaction responses are kept for
//!   [`DEFAULT_RETENTION`] as the raw archive.
//! - [`Budget`]: the last known `account_success_remaining` and its reset.
//! - [`CachedClient`]: the client the binary uses, answering from the store
//!   when it can ([`Cached`], [`Source`]).
//! - [`AccountStatus`], [`Store::token_state`]: what `status` shows.
//!
//! ```
//! use gocardless::store::{NewResponse, Scope, Store, Window};
//! let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path().join("store.sqlite")).unwrap();
//! store.record_response(&NewResponse {
//!     subject: "acc-1",
//!     scope: Scope::Balances,
//!     window: Window::ALL,
//!     body: r#"{"balances": []}"#,
//!     fetched_at: "2024-05-01T10:00:00Z".parse().unwrap(),
//!     rate_limit: None,
//! }, None).unwrap();
//! let back = store.latest_response("acc-1", Scope::Balances).unwrap().unwrap();
//! assert_eq!(back.body, r#"{"balances": []}"#);
//! ```

mod archive;
mod budget;
mod cached;
mod error;
mod file;
mod path;
mod responses;
mod schema;
mod status;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::{Clock, SystemClock};

pub use budget::{Budget, UNKNOWN_RESET};
pub use cached::{
    CacheError, CacheOptions, Cached, CachedClient, DEFAULT_CACHE_TTL, Mode, Source, StaleReason,
    filter_transactions,
};
pub use error::StoreError;
pub use path::{STORE_ENV, default_path};
pub use responses::{DEFAULT_RETENTION, NewResponse, ResponseInfo, Scope, StoredResponse, Window};
pub use schema::SCHEMA_VERSION;
pub use status::{AccountStatus, ScopeStatus};

use schema::SchemaProblem;

/// How long a statement waits for another connection or process to
/// release the file before giving up with [`StoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle connections kept for reuse; more are opened when threads need them.
const POOL_SIZE: usize = 4;

/// The store: one SQLite file. Cloning is cheap and clones share the
/// connections; a `Store` can be used from several threads at once, and
/// several processes may open the same file.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600, parent
    /// directories 0700) and its tables when missing, and migrating an
    /// older schema. A file that is not a store, is damaged, or comes from
    /// a newer version is refused and left untouched.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with_clock(path, Arc::new(SystemClock))
    }

    /// [`Store::open`] with the clock that stamps saved tokens and decides
    /// what retention prunes.
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        file::ensure_file(&path)?;
        file::check_header(&path)?;
        let mut conn = open_connection(&path).map_err(|e| map_error(&path, "open it", e))?;
        // Before anything reads the file: a read-only connection to a WAL
        // store would leave `-wal` and `-shm` files behind.
        if conn
            .is_readonly("main")
            .map_err(|e| map_error(&path, "open it", e))?
        {
            return Err(StoreError::NotWritable {
                path,
                detail: "the file is read-only".to_owned(),
            });
        }
        configure(&conn).map_err(|e| map_error(&path, "open it", e))?;
        schema::check(&conn).map_err(|p| schema_error(&path, p))?;
        // The journal mode is stored in the file; WAL lets readers and one
        // writer, from any process, work at once.
        let mode =
            switch_to_wal(&conn).map_err(|e| map_error(&path, "switch it to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "the store could not use WAL mode");
        }
        schema::migrate(&mut conn).map_err(|p| schema_error(&path, p))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                pool: Mutex::new(vec![conn]),
                clock,
            }),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The store's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Runs SQLite's full integrity check. Slow on a large store: for a
    /// `doctor`-style command, not for every run.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let problems: Vec<String> = self.read("check its integrity", |c| {
            let mut stmt = c.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        if problems.len() == 1 && problems[0] == "ok" {
            return Ok(());
        }
        Err(StoreError::Corrupt {
            path: self.inner.path.clone(),
            detail: problems.join("; "),
        })
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Runs `f` on a pooled connection.
    fn read<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        self.with_conn(op, |c| f(c))
    }

    /// Runs `f` in a write transaction, committed when `f` succeeds.
    /// IMMEDIATE takes the write lock up front, so the busy timeout applies
    /// instead of a deadlock between two readers that both want to write.
    fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        self.with_conn(op, |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn with_conn<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let pooled = lock(&self.inner.pool).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => connect(&self.inner.path).map_err(|e| map_error(&self.inner.path, op, e))?,
        };
        let out = f(&mut conn).map_err(|e| map_error(&self.inner.path, op, e));
        let mut pool = lock(&self.inner.pool);
        if pool.len() < POOL_SIZE {
            pool.push(conn);
        }
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = open_connection(path)?;
    configure(&conn)?;
    Ok(conn)
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    // No CREATE: the file was made (with its permissions) before, and a
    // store that vanished meanwhile should fail rather than reappear empty.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // NORMAL is safe with WAL: a power cut may lose the last commit, never
    // the file.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)
}

fn map_error(path: &Path, op: &'static str, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt {
            path,
            detail: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            path,
            op,
            seconds: BUSY_TIMEOUT.as_secs(),
        },
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::NotWritable {
                path,
                detail: e.to_string(),
            }
        }
        _ => StoreError::Sqlite {
            path,
            op,
            source: e,
        },
    }
}

fn schema_error(path: &Path, p: SchemaProblem) -> StoreError {
    match p {
        SchemaProblem::TooNew(found) => StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        },
        SchemaProblem::Foreign(reason) => StoreError::NotAStore {
            path: path.to_path_buf(),
            reason,
        },
        SchemaProblem::Sqlite(op, e) => map_error(path, op, e),
    }
}

/// Instants are stored as Unix milliseconds.
fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            format!("instant out of range: {ms} ms").into(),
        )
    })
}

/// Switches the file to WAL and returns the journal mode now in force.
///
/// Changing the journal mode takes an exclusive lock, and SQLite answers
/// `SQLITE_BUSY` at once instead of calling the busy handler; two processes
/// opening a new store together would then fail. So wait and try again, for
/// as long as any other statement would wait.
fn switch_to_wal(conn: &rusqlite::Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5 + fastrand::u64(..20)));
            }
            other => return other,
        }
    }
}
