//! The bank's responses, as received, with when they came and the
//! rate-limit headers that came with them.

use std::borrow::Cow;

use bytestring::ByteString;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::{from_millis, to_millis};
use crate::{Budget, RecordPath, SourceStore, StoreError, archive};

/// How long history responses are kept by default: they are the raw
/// archive that lets conversions be re-run without the network.
pub const DEFAULT_RETENTION: chrono::Duration = chrono::Duration::days(365);

/// Which responses of a subject and scope are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Only the newest: each response replaces those recorded before it for
    /// the same subject and scope, whatever their window. For what is only
    /// ever wanted as it is now (an account's details, its balances).
    Latest,
    /// Every response, as the archive, until [`SourceStore::prune`]
    /// deletes the old ones (never the newest of a subject and scope). Its
    /// records ([`NewResponse::records`]) are stored once each across all
    /// responses.
    History,
}

/// A date window of a request; `None` is open-ended (from the start of
/// what the bank gives, or up to today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// The first day, inclusive.
    pub from: Option<NaiveDate>,
    /// The last day, inclusive.
    pub to: Option<NaiveDate>,
}

impl Window {
    /// No bounds: everything the bank gives. Responses without dates use
    /// it.
    pub const ALL: Window = Window {
        from: None,
        to: None,
    };

    /// A window from `from` to `to`, inclusive.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Window {
        Window { from, to }
    }

    /// Whether every day of `inner` is in this window.
    ///
    /// ```
    /// use store::Window;
    /// let d = |s: &str| Some(s.parse().unwrap());
    /// assert!(Window::new(d("2024-01-01"), None).covers(&Window::new(d("2024-02-01"), d("2024-03-01"))));
    /// assert!(!Window::new(d("2024-01-01"), d("2024-02-15")).covers(&Window::new(d("2024-02-01"), None)));
    /// ```
    pub fn covers(&self, inner: &Window) -> bool {
        let from_ok = match (self.from, inner.from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a <= b,
        };
        let to_ok = match (self.to, inner.to) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a >= b,
        };
        from_ok && to_ok
    }

    /// Whether `day` is in the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }
}

/// A response to record, with what came with it.
#[derive(Debug, Clone, Copy)]
pub struct NewResponse<'a> {
    /// What the request was about: an account id, an item, a query.
    pub subject: &'a str,
    /// What was asked, in the source's own words (`balances`,
    /// `transactions`, `sync`, ...).
    pub scope: &'a str,
    /// The date window asked for; [`Window::ALL`] when the request had
    /// none.
    pub window: Window,
    /// Whether earlier responses of the subject and scope stay.
    pub keep: Keep,
    /// Where the body lists its records (transactions), for a
    /// [`Keep::History`] response: each record is stored once however many
    /// responses hold it. Empty, or a [`Keep::Latest`] response: the body
    /// is stored whole.
    pub records: &'a [RecordPath],
    /// The body, exactly as received.
    pub body: &'a str,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// The rate-limit headers that came with it, as JSON.
    pub rate_limit: Option<&'a str>,
    /// The request budget it reported for the subject and scope, recorded
    /// with it (see [`SourceStore::record_budget`]).
    pub budget: Option<&'a Budget>,
    /// Where an incremental sync of the subject resumes after this
    /// response (Plaid's `next_cursor`), saved with it as the cursor keyed
    /// by the subject, so that the cursor never runs ahead of the data
    /// (see [`SourceStore::cursor`]).
    pub cursor: Option<&'a str>,
}

/// A response to record while the caller goes on
/// ([`SourceStore::record_soon`]): a [`NewResponse`] that owns its text.
/// It carries no cursor: a cursor is saved only with a response recorded
/// at once, so that it never runs ahead of what the store holds.
pub struct Recording {
    /// What the request was about.
    pub subject: String,
    /// What was asked.
    pub scope: &'static str,
    /// The date window asked for.
    pub window: Window,
    /// Whether earlier responses of the subject and scope stay.
    pub keep: Keep,
    /// Where the body lists its records (see [`NewResponse::records`]).
    pub records: &'static [RecordPath],
    /// The body, exactly as received: shared, so that what was read from
    /// it (its records) need not be copied out while it waits here.
    pub body: ByteString,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// The rate-limit headers that came with it, as JSON.
    pub rate_limit: Option<String>,
    /// The request budget it reported for the subject and scope.
    pub budget: Option<Budget>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bank data: its size, not its text.
        f.debug_struct("Recording")
            .field("subject", &self.subject)
            .field("scope", &self.scope)
            .field("window", &self.window)
            .field("body_bytes", &self.body.len())
            .field("fetched_at", &self.fetched_at)
            .finish_non_exhaustive()
    }
}

impl Recording {
    fn response(&self) -> NewResponse<'_> {
        NewResponse {
            subject: &self.subject,
            scope: self.scope,
            window: self.window,
            keep: self.keep,
            records: self.records,
            body: &self.body,
            fetched_at: self.fetched_at,
            rate_limit: self.rate_limit.as_deref(),
            budget: self.budget.as_ref(),
            cursor: None,
        }
    }
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Its row id, increasing with each record.
    pub id: i64,
    /// What the request was about.
    pub subject: String,
    /// What was asked.
    pub scope: String,
    /// The date window asked for.
    pub window: Window,
    /// The body as received (one stored as records may differ in the
    /// whitespace around its lists of records).
    pub body: String,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// The rate-limit headers that came with it, as JSON.
    pub rate_limit: Option<String>,
}

/// A stored response with the records of a body stored as records
/// ([`Keep::History`]) handed back apart from the rest of it
/// ([`SourceStore::latest_covering_records`]): for a reader that wants
/// each record's text, without a body put back together to parse again.
#[derive(Debug, Clone)]
pub struct StoredRecords {
    /// The response. Its body is the rest: each list of records left empty
    /// (`[]`); a body stored whole is whole.
    pub response: StoredResponse,
    /// Each list of records the body holds, in the order it holds them:
    /// the [`RecordPath`] it is at (as written) and its records, each
    /// exactly as received. Empty for a body stored whole.
    pub lists: Vec<(String, Vec<ByteString>)>,
}

/// A stored response without its body, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInfo {
    /// Its row id; [`SourceStore::response`] gives the whole response.
    pub id: i64,
    /// What was asked.
    pub scope: String,
    /// The date window asked for.
    pub window: Window,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// Bytes its body takes in the store (for a body stored as records:
    /// its skeleton, the records being shared).
    pub stored_bytes: u64,
}

/// Bodies at least this large have the log copied into the file in the
/// background after they are recorded (see `Store::checkpoint_soon`).
const CHECKPOINT_AFTER: usize = 256 * 1024;

const SELECT: &str = "SELECT r.id, r.subject, r.scope, r.date_from, r.date_to, b.body,
                             r.fetched_at, r.rate_limit, b.lists, b.ids
                      FROM responses r JOIN bodies b ON b.hash = r.body_hash";

impl SourceStore {
    /// Records a response, and with it the budget and cursor it reported,
    /// in one transaction: a process killed meanwhile leaves all of it or
    /// nothing. Bodies are stored once however often the bank repeats
    /// them, and the records of history responses once however many
    /// responses hold them. Returns the response's id.
    ///
    /// Threads of one process record one after the other (the hashing and
    /// splitting of a body is done before, in parallel).
    ///
    /// # Errors
    ///
    /// [`StoreError::Busy`] when another process holds the file for longer
    /// than the busy timeout; [`StoreError::Sqlite`] or
    /// [`StoreError::NotWritable`] when the write fails (the disk is full).
    pub fn record_response(&self, response: &NewResponse<'_>) -> Result<i64, StoreError> {
        let prepared = Prepared::of(response);
        let id = self.store().write("record a response", |tx| {
            insert(tx, self.key(), response, &prepared)
        })?;
        if response.body.len() >= CHECKPOINT_AFTER {
            self.store().checkpoint_soon();
        }
        Ok(id)
    }

    /// Records a response as [`SourceStore::record_response`] does, on the
    /// store's own thread, while the caller goes on: a run converts what it
    /// fetched meanwhile. Reading that subject and scope waits until it is
    /// recorded, any write waits for it first, and closing the store
    /// records it before the file closes. A failure to record is logged
    /// (the next run asks the bank again).
    pub fn record_soon(&self, recording: Recording) {
        let source = self.key().to_owned();
        let key = (
            source.clone(),
            recording.subject.clone(),
            recording.scope.to_owned(),
        );
        let job = move |writer: &std::sync::Mutex<Connection>, path: &std::path::Path| {
            let response = recording.response();
            let prepared = Prepared::of(&response);
            let recorded =
                crate::db::write_on(writer, |tx| insert(tx, &source, &response, &prepared));
            if let Err(e) = recorded {
                let e = crate::db::map_error(path, "record a response", e);
                tracing::warn!(subject = %recording.subject, scope = recording.scope, error = %e, "the answer could not be stored");
            }
            recording.body.len() >= CHECKPOINT_AFTER
        };
        self.store().record_soon(key, Box::new(job));
    }

    /// The newest response of `subject` for `scope`, whatever its window.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] when a stored body cannot be put back
    /// together; any other failure to read the file.
    pub fn latest_response(
        &self,
        subject: &str,
        scope: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        self.settle(Some(subject), Some(scope));
        let source = self.key();
        self.store().read("read a stored response", |c| {
            c.prepare_cached(&format!(
                "{SELECT} WHERE r.source = ?1 AND r.subject = ?2 AND r.scope = ?3
                 ORDER BY r.fetched_at DESC, r.id DESC LIMIT 1"
            ))?
            .query_row(params![source, subject, scope], row_to_response)
            .optional()?
            .map(|r| resolve(c, r))
            .transpose()
        })
    }

    /// The newest response of `subject` for `scope` whose window covers
    /// `window` (see [`Window::covers`]) and that was fetched at or after
    /// `fetched_since` when given.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::latest_response`].
    pub fn latest_covering(
        &self,
        subject: &str,
        scope: &str,
        window: &Window,
        fetched_since: Option<DateTime<Utc>>,
    ) -> Result<Option<StoredResponse>, StoreError> {
        self.covering(subject, scope, window, fetched_since, resolve)
    }

    /// [`SourceStore::latest_covering`], with the records of a body stored
    /// as records handed back apart from it.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::latest_response`].
    pub fn latest_covering_records(
        &self,
        subject: &str,
        scope: &str,
        window: &Window,
        fetched_since: Option<DateTime<Utc>>,
    ) -> Result<Option<StoredRecords>, StoreError> {
        self.covering(subject, scope, window, fetched_since, resolve_apart)
    }

    fn covering<T>(
        &self,
        subject: &str,
        scope: &str,
        window: &Window,
        fetched_since: Option<DateTime<Utc>>,
        resolve: impl FnOnce(&Connection, StoredRow) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        self.settle(Some(subject), Some(scope));
        let since = fetched_since.map_or(i64::MIN, to_millis);
        let source = self.key();
        self.store().read("read a stored response", |c| {
            c.prepare_cached(&format!(
                "{SELECT} WHERE r.source = ?1 AND r.subject = ?2 AND r.scope = ?3
                   AND r.fetched_at >= ?4
                   AND (r.date_from IS NULL OR (?5 IS NOT NULL AND r.date_from <= ?5))
                   AND (r.date_to IS NULL OR (?6 IS NOT NULL AND r.date_to >= ?6))
                 ORDER BY r.fetched_at DESC, r.id DESC LIMIT 1"
            ))?
            .query_row(
                params![
                    source,
                    subject,
                    scope,
                    since,
                    window.from.map(day),
                    window.to.map(day)
                ],
                row_to_response,
            )
            .optional()?
            .map(|r| resolve(c, r))
            .transpose()
        })
    }

    /// A stored response of this source by id.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::latest_response`].
    pub fn response(&self, id: i64) -> Result<Option<StoredResponse>, StoreError> {
        self.settle(None, None);
        let source = self.key();
        self.store().read("read a stored response", |c| {
            c.prepare_cached(&format!("{SELECT} WHERE r.id = ?1 AND r.source = ?2"))?
                .query_row(params![id, source], row_to_response)
                .optional()?
                .map(|r| resolve(c, r))
                .transpose()
        })
    }

    /// Every stored response of `subject` (all scopes), newest first,
    /// without bodies: the archive's table of contents.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn responses(&self, subject: &str) -> Result<Vec<ResponseInfo>, StoreError> {
        self.settle(Some(subject), None);
        let source = self.key();
        self.store().read("list stored responses", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.id, r.scope, r.date_from, r.date_to, r.fetched_at,
                        length(CAST(b.body AS BLOB))
                 FROM responses r JOIN bodies b ON b.hash = r.body_hash
                 WHERE r.source = ?1 AND r.subject = ?2
                 ORDER BY r.fetched_at DESC, r.id DESC",
            )?;
            let rows = stmt.query_map(params![source, subject], |r| {
                Ok(ResponseInfo {
                    id: r.get(0)?,
                    scope: r.get(1)?,
                    window: Window::new(date_column(r, 2)?, date_column(r, 3)?),
                    fetched_at: from_millis(r.get(4)?)?,
                    stored_bytes: r.get::<_, i64>(5)?.max(0).unsigned_abs(),
                })
            })?;
            rows.collect()
        })
    }

    /// The subjects with stored responses, sorted.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn subjects(&self) -> Result<Vec<String>, StoreError> {
        self.settle(None, None);
        let source = self.key();
        self.store().read("list stored accounts", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT DISTINCT subject FROM responses WHERE source = ?1 ORDER BY subject",
            )?;
            let rows = stmt.query_map([source], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Deletes the responses fetched before `fetched_before`, except the
    /// newest of each subject and scope (the answer of last resort when the
    /// budget is spent), with the bodies and records nothing refers to any
    /// more. Returns how many responses were deleted.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn prune(&self, fetched_before: DateTime<Utc>) -> Result<usize, StoreError> {
        let cutoff = to_millis(fetched_before);
        let source = self.key();
        self.store().write("prune old responses", |tx| {
            let n = tx.execute(
                "DELETE FROM responses
                 WHERE source = ?1 AND fetched_at < ?2
                   AND id NOT IN (SELECT max(id) FROM responses WHERE source = ?1
                                  GROUP BY subject, scope)",
                params![source, cutoff],
            )?;
            if n > 0 {
                delete_orphan_bodies(tx)?;
                delete_orphan_records(tx)?;
            }
            Ok(n)
        })
    }
}

/// A response made ready to record, before the write lock is taken: its
/// hash, and the body stored as a skeleton and its records when it has
/// some ([`Keep::History`] with record paths).
struct Prepared<'a> {
    hash: String,
    stored_body: Cow<'a, str>,
    lists: Option<String>,
    records: Vec<(archive::RecordHash, &'a str)>,
}

impl<'a> Prepared<'a> {
    fn of(response: &NewResponse<'a>) -> Prepared<'a> {
        let split = match response.keep {
            Keep::History if !response.records.is_empty() => {
                archive::split(response.body, response.records)
            }
            _ => None,
        };
        let (hash, stored_body, lists, mut records) = match split {
            Some(split) => {
                let paths: Vec<&str> = response.records.iter().map(|p| p.as_str()).collect();
                let lists = serde_json::to_string(&paths).expect("strings serialise");
                let hash = archive::skeleton_hash(&lists, &split.skeleton);
                (hash, Cow::Owned(split.skeleton), Some(lists), split.records)
            }
            None => (
                archive::body_hash(response.body),
                Cow::Borrowed(response.body),
                None,
                Vec::new(),
            ),
        };
        // In key order, each record lands next to the one before in the
        // index of record hashes: each of its pages is changed once.
        records.sort_unstable_by_key(|r| r.0);
        records.dedup_by_key(|r| r.0);
        Prepared {
            hash,
            stored_body,
            lists,
            records,
        }
    }
}

/// Records `response` of `source` in `tx`; its id.
fn insert(
    tx: &rusqlite::Transaction<'_>,
    source: &str,
    response: &NewResponse<'_>,
    prepared: &Prepared<'_>,
) -> rusqlite::Result<i64> {
    let Prepared {
        hash,
        stored_body,
        lists,
        records,
    } = prepared;
    let new_body = !tx
        .prepare_cached("SELECT 1 FROM bodies WHERE hash = ?1")?
        .exists([hash])?;
    if new_body {
        let ids = if records.is_empty() {
            None
        } else {
            Some(IdRuns::of(insert_records(tx, records)?).to_string())
        };
        tx.prepare_cached("INSERT INTO bodies (hash, body, lists, ids) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![hash, stored_body.as_ref(), lists, ids])?;
    }
    let replaced: Vec<String> = if response.keep == Keep::Latest {
        let mut delete = tx.prepare_cached(
            "DELETE FROM responses WHERE source = ?1 AND subject = ?2 AND scope = ?3
                 RETURNING body_hash",
        )?;
        let rows = delete.query_map(params![source, response.subject, response.scope], |r| {
            r.get(0)
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    tx.prepare_cached(
        "INSERT INTO responses
                 (source, subject, scope, date_from, date_to, body_hash, fetched_at, rate_limit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        source,
        response.subject,
        response.scope,
        response.window.from.map(day),
        response.window.to.map(day),
        hash,
        to_millis(response.fetched_at),
        response.rate_limit,
    ])?;
    let id = tx.last_insert_rowid();
    for old in replaced.iter().filter(|old| **old != *hash) {
        tx.prepare_cached(
            "DELETE FROM bodies WHERE hash = ?1
                   AND NOT EXISTS (SELECT 1 FROM responses WHERE body_hash = ?1)",
        )?
        .execute([old])?;
    }
    if let Some(budget) = response.budget {
        crate::budget::upsert(tx, source, response.subject, response.scope, budget)?;
    }
    if let Some(cursor) = response.cursor {
        crate::keyed::upsert_cursor(tx, source, response.subject, cursor, response.fetched_at)?;
    }
    Ok(id)
}

/// Stores each record unless it is there already; the ids of all of them.
///
/// A new response's records are all new, a day-later one's almost all
/// stored: each record is looked up or inserted first as most of those
/// before it were, so that either costs one index search a record.
fn insert_records(
    tx: &rusqlite::Transaction<'_>,
    records: &[(archive::RecordHash, &str)],
) -> rusqlite::Result<Vec<i64>> {
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO records (hash, json) VALUES (?1, ?2)")?;
    let mut find = tx.prepare_cached("SELECT id FROM records WHERE hash = ?1")?;
    let (mut stored, mut added) = (0usize, 0usize);
    let mut ids = Vec::with_capacity(records.len());
    for (h, json) in records {
        let found = if stored > added {
            find.query_row([&h[..]], |r| r.get(0)).optional()?
        } else {
            None
        };
        let id = if let Some(id) = found {
            stored += 1;
            id
        } else if insert.execute(params![&h[..], json])? == 1 {
            added += 1;
            tx.last_insert_rowid()
        } else {
            stored += 1;
            find.query_row([&h[..]], |r| r.get(0))?
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Where a skeleton's records are in the records table: ids in runs, read
/// back with one sequential scan each. A run may take in ids of records
/// the skeleton does not list (a gap of up to [`IdRuns::GAP`] is bridged,
/// a deleted id may be reused): the scan keeps only the records asked for.
#[derive(Debug, PartialEq)]
struct IdRuns(Vec<(i64, i64)>);

impl IdRuns {
    /// Ids further apart than this start a new run: reading a few unwanted
    /// rows costs less than another scan.
    const GAP: i64 = 32;

    fn of(mut ids: Vec<i64>) -> IdRuns {
        ids.sort_unstable();
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for id in ids {
            match runs.last_mut() {
                Some((_, last)) if id <= *last + Self::GAP => *last = id,
                _ => runs.push((id, id)),
            }
        }
        IdRuns(runs)
    }

    /// Reads `first-last,first-last`; `None` when the text is not that.
    fn parse(text: &str) -> Option<IdRuns> {
        text.split(',')
            .map(|run| {
                let (a, b) = run.split_once('-')?;
                let (a, b) = (a.parse().ok()?, b.parse().ok()?);
                (a <= b).then_some((a, b))
            })
            .collect::<Option<Vec<_>>>()
            .map(IdRuns)
    }
}

impl std::fmt::Display for IdRuns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}-{b}")?;
        }
        Ok(())
    }
}

fn delete_orphan_bodies(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM bodies WHERE NOT EXISTS
             (SELECT 1 FROM responses WHERE responses.body_hash = bodies.hash)",
        [],
    )
}

/// Deletes the records no stored skeleton refers to. Every string of every
/// skeleton counts as a reference: a superset of the record lists, and
/// never fewer, whatever their paths.
fn delete_orphan_records(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM records WHERE hash NOT IN (
             SELECT unhex(j.value) FROM bodies b, json_tree(b.body) j
             WHERE b.lists IS NOT NULL AND j.type = 'text' AND unhex(j.value) IS NOT NULL)",
        [],
    )
}

/// Puts the records of a body stored as records back.
fn resolve(c: &Connection, (mut resp, lists, ids): StoredRow) -> rusqlite::Result<StoredResponse> {
    let Some(lists) = lists else {
        return Ok(resp);
    };
    let id = resp.id;
    let paths = record_paths(id, &lists)?;
    let hashes = archive::hashes(&resp.body, paths.iter().map(String::as_str))
        .map_err(|e| corrupt(id, e))?;
    let found = find_records(c, &hashes, ids.as_deref())?;
    let size = resp.body.len() + found.values().flatten().map(|r| r.len() + 1).sum::<usize>();
    resp.body = archive::join(&resp.body, paths.iter().map(String::as_str), size, |h| {
        found.get(h)?.as_deref()
    })
    .map_err(|e| corrupt(id, e))?;
    Ok(resp)
}

/// Hands the records of a body stored as records back apart from it.
fn resolve_apart(
    c: &Connection,
    (mut resp, lists, ids): StoredRow,
) -> rusqlite::Result<StoredRecords> {
    let Some(lists) = lists else {
        return Ok(StoredRecords {
            response: resp,
            lists: Vec::new(),
        });
    };
    let id = resp.id;
    let paths = record_paths(id, &lists)?;
    // The skeleton is read once: its lists of hashes, then their records.
    let (rest, apart) =
        archive::join_apart(&resp.body, paths.iter().map(String::as_str), |h| Some(*h))
            .map_err(|e| corrupt(id, e))?;
    let found = find_records(
        c,
        apart.iter().flat_map(|(_, hashes)| hashes),
        ids.as_deref(),
    )?;
    let lists = apart
        .into_iter()
        .map(|(path, hashes)| {
            let records = hashes
                .iter()
                .map(|h| {
                    found.get(h).cloned().flatten().ok_or_else(|| {
                        corrupt(id, format!("record {} is missing", archive::hex(h)))
                    })
                })
                .collect::<rusqlite::Result<_>>()?;
            Ok((path.to_owned(), records))
        })
        .collect::<rusqlite::Result<_>>()?;
    resp.body = rest;
    Ok(StoredRecords {
        response: resp,
        lists,
    })
}

/// A stored body that cannot be put back together.
fn corrupt(id: i64, detail: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some(format!("stored response {id}: {detail}")),
    )
}

/// The record paths a body was split at, as stored.
fn record_paths(id: i64, lists: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(lists)
        .map_err(|e| corrupt(id, format!("its list of record paths is unreadable: {e}")))
}

/// The records a skeleton lists, by hash (`None`: not found). The keys are
/// SHA-256 digests, evenly spread already: a fast hash does.
type Found = foldhash::HashMap<archive::RecordHash, Option<ByteString>>;

/// Reads the records of `hashes` from the file, looking first where `ids`
/// (the body's runs of record ids) says they were written.
fn find_records<'h>(
    c: &Connection,
    hashes: impl IntoIterator<Item = &'h archive::RecordHash>,
    ids: Option<&str>,
) -> rusqlite::Result<Found> {
    let mut records: Found = hashes.into_iter().map(|h| (*h, None)).collect();
    // Where the records were written: a few scans in id order, the rows
    // side by side.
    if let Some(runs) = ids.and_then(IdRuns::parse) {
        let mut scan =
            c.prepare_cached("SELECT hash, json FROM records WHERE id BETWEEN ?1 AND ?2")?;
        for (first, last) in runs.0 {
            let mut rows = scan.query([first, last])?;
            while let Some(row) = rows.next()? {
                keep_record(row, &mut records)?;
            }
        }
    }
    // Any record not found there (a body stored before the runs were
    // kept), through the index of hashes: one statement for all of them.
    // Each `IN` sorts its list first: the hashes walk their index front to
    // back, and the ids found then walk the table in the order the records
    // were written.
    let missing: Vec<String> = records
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(h, _)| archive::hex(h))
        .collect();
    if !missing.is_empty() {
        let mut stmt = c.prepare_cached(
            "SELECT hash, json FROM records WHERE id IN
                 (SELECT id FROM records WHERE hash IN (SELECT unhex(value) FROM json_each(?1)))",
        )?;
        let hex_list = serde_json::to_string(&missing).expect("strings serialise");
        let mut rows = stmt.query([hex_list])?;
        while let Some(row) = rows.next()? {
            keep_record(row, &mut records)?;
        }
    }
    Ok(records)
}

/// Keeps the record of a `hash, json` row when it is one of `records` not
/// read yet.
fn keep_record(row: &Row<'_>, records: &mut Found) -> rusqlite::Result<()> {
    if let Ok(hash) = archive::RecordHash::try_from(row.get_ref(0)?.as_blob()?)
        && let Some(slot @ None) = records.get_mut(&hash)
    {
        *slot = Some(ByteString::from(row.get_ref(1)?.as_str()?));
    }
    Ok(())
}

/// A response as read, with its body's record paths and record id runs
/// (both `None` for a body stored whole).
type StoredRow = (StoredResponse, Option<String>, Option<String>);

fn row_to_response(r: &Row<'_>) -> rusqlite::Result<StoredRow> {
    let resp = StoredResponse {
        id: r.get(0)?,
        subject: r.get(1)?,
        scope: r.get(2)?,
        window: Window::new(date_column(r, 3)?, date_column(r, 4)?),
        body: r.get(5)?,
        fetched_at: from_millis(r.get(6)?)?,
        rate_limit: r.get(7)?,
    };
    Ok((resp, r.get(8)?, r.get(9)?))
}

fn date_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let Some(s) = r.get::<_, Option<String>>(i)? else {
        return Ok(None);
    };
    s.parse().map(Some).map_err(|e: chrono::ParseError| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::IdRuns;

    #[test]
    fn ids_become_runs_bridging_small_gaps_and_read_back() {
        let runs = IdRuns::of(vec![7, 3, 1, 2, 39, 3, 100, 132, 200]);
        assert_eq!(runs, IdRuns(vec![(1, 39), (100, 132), (200, 200)]));
        let text = runs.to_string();
        assert_eq!(text, "1-39,100-132,200-200");
        assert_eq!(IdRuns::parse(&text), Some(runs));
        for bad in ["", "1", "1-", "-1-2", "3-2", "1-2,", "a-b"] {
            assert_eq!(IdRuns::parse(bad), None, "{bad:?}");
        }
    }
}
