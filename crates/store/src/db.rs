//! The file and its connections: one writer, shared by the threads of the
//! process behind a mutex, and a few readers beside it.
//!
//! SQLite lets one connection write at a time. When several connections of
//! one process race for that lock, the losers sleep in SQLite's busy
//! handler, in steps of up to 100 ms, however soon the lock is free again.
//! Here the threads of a process queue on a mutex instead (woken the moment
//! it is released), and only other processes are left to the busy handler.
//! Readers never wait for the writer: in WAL mode they read the last
//! commit while it writes. After a large commit, a thread of its own
//! copies the log into the file while the process goes on.
//!
//! A response can also be handed to the recorder, a thread that records
//! it while the caller goes on (a run converts what it fetched while the
//! store writes it). A read of that subject and scope waits until it is
//! recorded, every write waits for all of them, and closing the store
//! records what is left first: to its callers the store behaves as if it
//! had been recorded at once.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::schema::{self, SchemaProblem};
use crate::{SCHEMA_VERSION, SourceName, StoreError, file};

/// How long a statement waits for another process to release the file
/// before giving up with [`StoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle reader connections kept for reuse; more are opened when threads
/// need them.
const READERS: usize = 4;

/// Pages a reader connection caches (see [`connect`]).
const READER_CACHE_PAGES: i64 = 64;

/// WAL frames (pages) after which a commit copies the log back into the
/// file. Each such checkpoint costs two fsyncs; SQLite's default of 1,000
/// would run one after every large response of a cold import, while the
/// last connection to close checkpoints anyway. The log stays under about
/// 32 MB.
const WAL_AUTOCHECKPOINT: i64 = 8192;

/// The store: one SQLite file. Cloning is cheap and clones share the
/// connections; a `Store` can be used from several threads at once, and
/// several processes may open the same file.
///
/// Each source keeps its data in its own part of the file: see
/// [`Store::source`].
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// The one connection that writes. Holding its lock is what serialises
    /// the process's writes (the recorder's too).
    writer: Arc<Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
    recorder: Recorder,
    checkpointer: Checkpointer,
}

/// The responses handed over to be recorded on the recorder's thread
/// (started on first use), and which subjects and scopes they are about.
#[derive(Default)]
struct Recorder {
    queue: Arc<Queue>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct Queue {
    state: Mutex<Waiting>,
    /// Wakes the recorder: a job, or the store closing.
    work: Condvar,
    /// Wakes those waiting for a job to be recorded.
    done: Condvar,
}

/// What a recording is about: source, subject, scope.
pub(crate) type RecordingKey = (String, String, String);

/// A job of the recorder: it writes through the connection it is given,
/// and says whether it wrote enough for the log to be copied into the
/// file soon.
pub(crate) type Job = Box<dyn FnOnce(&Mutex<Connection>, &Path) -> bool + Send>;

#[derive(Default)]
struct Waiting {
    jobs: VecDeque<(RecordingKey, Job)>,
    /// Jobs queued or being recorded, by key.
    pending: HashMap<RecordingKey, usize>,
    stop: bool,
}

/// Copies the log into the file on a thread of its own after a large
/// commit, while the process goes on with its work: otherwise the last
/// connection to close does all of it (two fsyncs of every page a run
/// wrote) while the user waits, about a fifth of a cold import's time.
#[derive(Default)]
struct Checkpointer {
    ask: Arc<CheckpointAsk>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

type CheckpointAsk = (Mutex<Ask>, Condvar);

#[derive(Default)]
struct Ask {
    pending: bool,
    stop: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // What was handed over is recorded before the store closes.
        {
            let queue = &self.recorder.queue;
            lock(&queue.state).stop = true;
            queue.work.notify_one();
        }
        if let Some(thread) = lock(&self.recorder.thread).take() {
            let _ = thread.join();
        }
        // Before the connections close: the last one to close checkpoints
        // what is left, which it cannot do while another connection is in
        // the middle of a checkpoint.
        {
            let (ask, wake) = &*self.checkpointer.ask;
            lock(ask).stop = true;
            wake.notify_one();
        }
        if let Some(thread) = lock(&self.checkpointer.thread).take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600, parent
    /// directories 0700) and its tables when missing, and migrating an
    /// older schema (the data of a store written before sources existed
    /// becomes the data of the source [`SourceName::GOCARDLESS`]). A file
    /// that is not a store, is damaged, or comes from a newer version is
    /// refused and left untouched.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAStore`], [`StoreError::Corrupt`] and
    /// [`StoreError::TooNew`] for a file it will not use;
    /// [`StoreError::CreateDir`], [`StoreError::NotWritable`] and
    /// [`StoreError::Read`] when the file system refuses;
    /// [`StoreError::Busy`] when another process holds the file locked
    /// for longer than [`BUSY_TIMEOUT`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
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
        // Ours (or empty): only now may its permissions change, and before
        // WAL mode creates the files beside it with the same permissions.
        file::make_private(&path);
        // The journal mode is stored in the file; WAL lets readers and one
        // writer, from any process, work at once.
        let mode =
            switch_to_wal(&conn).map_err(|e| map_error(&path, "switch it to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "the store could not use WAL mode");
        }
        schema::migrate(&mut conn).map_err(|p| schema_error(&path, p))?;
        // Only the writer commits, so only it checkpoints.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)
            .map_err(|e| map_error(&path, "open it", e))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                writer: Arc::new(Mutex::new(conn)),
                readers: Mutex::new(Vec::new()),
                recorder: Recorder::default(),
                checkpointer: Checkpointer::default(),
            }),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The part of the store that belongs to the source `name`.
    pub fn source(&self, name: &SourceName) -> SourceStore {
        SourceStore {
            store: self.clone(),
            name: name.clone(),
        }
    }

    /// Runs SQLite's full integrity check. Slow on a large store: for a
    /// `doctor`-style command, not for every run.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] with what SQLite found, or the error that
    /// stopped the check.
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

    /// Runs `f` on a reader connection.
    pub(crate) fn read<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let pooled = lock(&self.inner.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.inner.path).map_err(|e| self.error(op, e))?,
        };
        let out = f(&conn).map_err(|e| self.error(op, e));
        let mut pool = lock(&self.inner.readers);
        if pool.len() < READERS {
            pool.push(conn);
        }
        out
    }

    /// Runs `f` in a write transaction on the writer (see [`write_on`]),
    /// after every response handed to the recorder: writes happen in the
    /// order they were asked for.
    pub(crate) fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        self.settle(|_| true);
        write_on(&self.inner.writer, f).map_err(|e| self.error(op, e))
    }

    /// Hands `job` to the recorder's thread; reads that [`Store::settle`]
    /// for `key` wait until it is done.
    pub(crate) fn record_soon(&self, key: RecordingKey, job: Job) {
        let queue = &self.inner.recorder.queue;
        {
            let mut state = lock(&queue.state);
            *state.pending.entry(key.clone()).or_default() += 1;
            state.jobs.push_back((key, job));
        }
        queue.work.notify_one();
        let mut thread = lock(&self.inner.recorder.thread);
        if thread.is_none() {
            self.start_checkpointer();
            let queue = Arc::clone(queue);
            let writer = Arc::clone(&self.inner.writer);
            let ask = Arc::clone(&self.inner.checkpointer.ask);
            let path = self.inner.path.clone();
            let spawned = std::thread::Builder::new()
                .name("store-recorder".to_owned())
                .spawn(move || record_loop(&queue, &writer, &path, &ask));
            match spawned {
                Ok(handle) => *thread = Some(handle),
                // No thread to be had: record here and now.
                Err(e) => {
                    tracing::debug!(error = %e, "no recorder thread; recording at once");
                    drop(thread);
                    let inner = &self.inner;
                    run_queued(
                        &inner.recorder.queue,
                        &inner.writer,
                        &inner.path,
                        &inner.checkpointer.ask,
                    );
                }
            }
        }
    }

    /// Waits until no response handed to the recorder under a key that
    /// `about` accepts is still to be recorded.
    pub(crate) fn settle(&self, about: impl Fn(&RecordingKey) -> bool) {
        let queue = &self.inner.recorder.queue;
        let mut state = lock(&queue.state);
        while state.pending.keys().any(&about) {
            state = queue.done.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Asks for the log to be copied into the file soon, on the
    /// checkpointer's thread (started on first use). A checkpoint that
    /// fails or finds readers in the way is left to a later one, or to the
    /// last connection to close: the log is consistent either way.
    pub(crate) fn checkpoint_soon(&self) {
        self.start_checkpointer();
        ask_checkpoint(&self.inner.checkpointer.ask);
    }

    /// Starts the checkpointer's thread, idle until asked, unless it runs.
    fn start_checkpointer(&self) {
        let checkpointer = &self.inner.checkpointer;
        let mut thread = lock(&checkpointer.thread);
        if thread.is_none() {
            let path = self.inner.path.clone();
            let ask = Arc::clone(&checkpointer.ask);
            let spawned = std::thread::Builder::new()
                .name("store-checkpoint".to_owned())
                .spawn(move || checkpoint_loop(&path, &ask));
            match spawned {
                Ok(handle) => *thread = Some(handle),
                Err(e) => tracing::debug!(error = %e, "no checkpoint thread"),
            }
        }
    }

    pub(crate) fn error(&self, op: &'static str, e: rusqlite::Error) -> StoreError {
        map_error(&self.inner.path, op, e)
    }
}

/// One source's part of the [`Store`]: its responses, budgets, tokens,
/// cursors and credentials, invisible to every other source. Cloning is
/// cheap; clones share the file's connections.
///
/// Its methods are documented where they are defined, by what they keep.
#[derive(Clone)]
pub struct SourceStore {
    store: Store,
    name: SourceName,
}

impl fmt::Debug for SourceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceStore")
            .field("source", &self.name)
            .field("path", &self.store.inner.path)
            .finish()
    }
}

impl SourceStore {
    /// The source's name.
    pub fn name(&self) -> &SourceName {
        &self.name
    }

    /// The store file this part belongs to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The source's key in every table.
    pub(crate) fn key(&self) -> &str {
        self.name.as_str()
    }

    /// Waits until what was handed to the recorder for this source, and
    /// `subject` and `scope` when given, is recorded: what it reads next
    /// is as if it had been recorded at once.
    pub(crate) fn settle(&self, subject: Option<&str>, scope: Option<&str>) {
        let source = self.key();
        self.store.settle(|(so, su, sc)| {
            so == source && subject.is_none_or(|s| s == su) && scope.is_none_or(|s| s == sc)
        });
    }
}

/// A write transaction on the writer, committed when `f` succeeds.
/// IMMEDIATE takes the file's write lock up front, so that another process
/// is waited for (the busy timeout) rather than met in a deadlock of two
/// readers that both want to write.
pub(crate) fn write_on<T>(
    writer: &Mutex<Connection>,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let mut conn = lock(writer);
    let result = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    })();
    let _ = conn.release_memory();
    result
}

/// The recorder's thread: records what is handed over, in order, until
/// the store closes and nothing is left.
fn record_loop(queue: &Queue, writer: &Mutex<Connection>, path: &Path, ask: &CheckpointAsk) {
    loop {
        {
            let mut state = lock(&queue.state);
            while state.jobs.is_empty() && !state.stop {
                state = queue.work.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            if state.jobs.is_empty() {
                return;
            }
        }
        run_queued(queue, writer, path, ask);
    }
}

/// Records every queued job, each marked done even when it panics, so that
/// no reader waits for it forever.
fn run_queued(queue: &Queue, writer: &Mutex<Connection>, path: &Path, ask: &CheckpointAsk) {
    loop {
        let Some((key, job)) = lock(&queue.state).jobs.pop_front() else {
            return;
        };
        let run = std::panic::AssertUnwindSafe(|| job(writer, path));
        match std::panic::catch_unwind(run) {
            Ok(true) => ask_checkpoint(ask),
            Ok(false) => {}
            Err(_) => tracing::warn!(path = %path.display(), "recording a response failed"),
        }
        let mut state = lock(&queue.state);
        if let Some(n) = state.pending.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                state.pending.remove(&key);
            }
        }
        queue.done.notify_all();
    }
}

/// Asks the checkpointer's thread for a checkpoint, unless the store is
/// closing.
fn ask_checkpoint((ask, wake): &CheckpointAsk) {
    {
        let mut ask = lock(ask);
        if ask.stop {
            return;
        }
        ask.pending = true;
    }
    wake.notify_one();
}

/// The checkpointer's thread: a PASSIVE checkpoint (it never waits for
/// readers or the writer) each time one is asked for, until the store
/// closes.
fn checkpoint_loop(path: &Path, ask: &CheckpointAsk) {
    let conn = match connect(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "no checkpoint connection");
            return;
        }
    };
    let (ask, wake) = ask;
    loop {
        {
            let mut a = lock(ask);
            while !a.pending && !a.stop {
                a = wake.wait(a).unwrap_or_else(|e| e.into_inner());
            }
            // Closing: what is left is the closing connection's to copy.
            if a.stop {
                return;
            }
            a.pending = false;
        }
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(path = %path.display(), error = %e, "checkpoint left for later");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A thread that panicked while holding a connection left no open
    // transaction behind (it rolls back when dropped): the connection is
    // still good.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = open_connection(path)?;
    configure(&conn)?;
    // A reader scans a response's records once, front to back: a page
    // kept cached is never asked for again, and SQLite's default cache
    // (2 MB) would take fresh memory for every page read. A small one
    // recycles its pages (8 MB less peak memory for a warm import of
    // 20,000 transactions).
    conn.pragma_update(None, "cache_size", READER_CACHE_PAGES)?;
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
    // the file, and a commit costs no fsync (only checkpoints do).
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)
}

pub(crate) fn map_error(path: &Path, op: &'static str, e: rusqlite::Error) -> StoreError {
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
pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> rusqlite::Result<DateTime<Utc>> {
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
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5 + fastrand::u64(..20)));
            }
            other => return other,
        }
    }
}
