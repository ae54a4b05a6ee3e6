//! The bank's responses, as received, with when they came and the
//! rate-limit headers that came with them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};

use super::{Budget, Store, StoreError, archive, from_millis, to_millis};

/// How long stored transaction responses are kept by default: they are the
/// raw archive that lets conversions be re-run without the network.
pub const DEFAULT_RETENTION: chrono::Duration = chrono::Duration::days(365);

/// What a response is about. GoCardless counts the daily budget per account
/// and per scope (details, balances, transactions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `GET /accounts/{id}/`: status, IBAN, institution.
    Metadata,
    /// `GET /accounts/{id}/details/`.
    Details,
    /// `GET /accounts/{id}/balances/`.
    Balances,
    /// `GET /accounts/{id}/transactions/`, for a date window.
    Transactions,
    /// `GET /institutions/`; the subject is the query (e.g. the country).
    Institutions,
}

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 5] = [
        Scope::Metadata,
        Scope::Details,
        Scope::Balances,
        Scope::Transactions,
        Scope::Institutions,
    ];

    /// The scopes of an account (all but institutions).
    pub const ACCOUNT: [Scope; 4] = [
        Scope::Metadata,
        Scope::Details,
        Scope::Balances,
        Scope::Transactions,
    ];

    /// The lowercase name stored in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Metadata => "metadata",
            Scope::Details => "details",
            Scope::Balances => "balances",
            Scope::Transactions => "transactions",
            Scope::Institutions => "institutions",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Scope, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}"))
    }
}

/// A date window of a transactions request; `None` is open-ended (from the
/// start of what the bank gives, up to today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// `date_from`, inclusive.
    pub from: Option<NaiveDate>,
    /// `date_to`, inclusive.
    pub to: Option<NaiveDate>,
}

impl Window {
    /// No bounds: everything the bank gives. Responses other than
    /// transactions use it.
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
    /// use gocardless::store::Window;
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

/// A response to record.
#[derive(Debug, Clone, Copy)]
pub struct NewResponse<'a> {
    /// The account id, or for institutions the query (e.g. `GB`).
    pub subject: &'a str,
    /// What was asked.
    pub scope: Scope,
    /// The date window asked for; [`Window::ALL`] for all but transactions.
    pub window: Window,
    /// The body, exactly as received.
    pub body: &'a str,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// The rate-limit headers that came with it, as JSON.
    pub rate_limit: Option<&'a str>,
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Its row id, increasing with each record.
    pub id: i64,
    /// The account id, or the institutions query.
    pub subject: String,
    /// What was asked.
    pub scope: Scope,
    /// The date window asked for.
    pub window: Window,
    /// The body, exactly as received.
    pub body: String,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// The rate-limit headers that came with it, as JSON.
    pub rate_limit: Option<String>,
}

/// A stored response without its body, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInfo {
    /// Its row id; [`Store::response`] gives the whole response.
    pub id: i64,
    /// What was asked.
    pub scope: Scope,
    /// The date window asked for.
    pub window: Window,
    /// When it was received.
    pub fetched_at: DateTime<Utc>,
    /// Bytes its body takes in the store (for a transactions body: its
    /// skeleton, the records being shared).
    pub stored_bytes: u64,
}

const SELECT: &str = "SELECT r.id, r.subject, r.scope, r.date_from, r.date_to, b.body,
                             r.fetched_at, r.rate_limit, b.split
                      FROM responses r JOIN bodies b ON b.hash = r.body_hash";

impl Store {
    /// Records a response, and with it the budget it reported, in one
    /// transaction. Transaction responses accumulate (the archive, see
    /// [`Store::prune`]); for other scopes only the newest is kept. Bodies
    /// are stored once however often the bank repeats them.
    pub fn record_response(
        &self,
        response: &NewResponse<'_>,
        budget: Option<&Budget>,
    ) -> Result<i64, StoreError> {
        let hash = hex_sha256(response.body);
        self.write("record a response", |tx| {
            insert_body(tx, &hash, response.scope, response.body)?;
            if response.scope != Scope::Transactions {
                tx.execute(
                    "DELETE FROM responses WHERE subject = ?1 AND scope = ?2",
                    params![response.subject, response.scope.as_str()],
                )?;
            }
            tx.execute(
                "INSERT INTO responses
                     (subject, scope, date_from, date_to, body_hash, fetched_at, rate_limit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    response.subject,
                    response.scope.as_str(),
                    response.window.from.map(day),
                    response.window.to.map(day),
                    hash,
                    to_millis(response.fetched_at),
                    response.rate_limit,
                ],
            )?;
            let id = tx.last_insert_rowid();
            if let Some(budget) = budget {
                super::budget::upsert(tx, response.subject, response.scope, budget)?;
            }
            if response.scope != Scope::Transactions {
                delete_orphan_bodies(tx)?;
            }
            Ok(id)
        })
    }

    /// The newest response of `subject` for `scope`, whatever its window.
    pub fn latest_response(
        &self,
        subject: &str,
        scope: Scope,
    ) -> Result<Option<StoredResponse>, StoreError> {
        self.read("read a stored response", |c| {
            c.query_row(
                &format!(
                    "{SELECT} WHERE r.subject = ?1 AND r.scope = ?2
                     ORDER BY r.fetched_at DESC, r.id DESC LIMIT 1"
                ),
                params![subject, scope.as_str()],
                row_to_response,
            )
            .optional()?
            .map(|r| resolve(c, r))
            .transpose()
        })
    }

    /// The newest response of `subject` for `scope` whose window covers
    /// `window` (see [`Window::covers`]) and that was fetched at or after
    /// `fetched_since` when given.
    pub fn latest_covering(
        &self,
        subject: &str,
        scope: Scope,
        window: &Window,
        fetched_since: Option<DateTime<Utc>>,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let since = fetched_since.map_or(i64::MIN, to_millis);
        self.read("read a stored response", |c| {
            c.query_row(
                &format!(
                    "{SELECT} WHERE r.subject = ?1 AND r.scope = ?2 AND r.fetched_at >= ?3
                       AND (r.date_from IS NULL OR (?4 IS NOT NULL AND r.date_from <= ?4))
                       AND (r.date_to IS NULL OR (?5 IS NOT NULL AND r.date_to >= ?5))
                     ORDER BY r.fetched_at DESC, r.id DESC LIMIT 1"
                ),
                params![
                    subject,
                    scope.as_str(),
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

    /// A stored response by id.
    pub fn response(&self, id: i64) -> Result<Option<StoredResponse>, StoreError> {
        self.read("read a stored response", |c| {
            c.query_row(&format!("{SELECT} WHERE r.id = ?1"), [id], row_to_response)
                .optional()?
                .map(|r| resolve(c, r))
                .transpose()
        })
    }

    /// Every stored response of `subject` (all scopes), newest first,
    /// without bodies: the archive's table of contents.
    pub fn responses(&self, subject: &str) -> Result<Vec<ResponseInfo>, StoreError> {
        self.read("list stored responses", |c| {
            let mut stmt = c.prepare(
                "SELECT r.id, r.scope, r.date_from, r.date_to, r.fetched_at, length(CAST(b.body AS BLOB))
                 FROM responses r JOIN bodies b ON b.hash = r.body_hash
                 WHERE r.subject = ?1 ORDER BY r.fetched_at DESC, r.id DESC",
            )?;
            let rows = stmt.query_map([subject], |r| {
                Ok(ResponseInfo {
                    id: r.get(0)?,
                    scope: scope_column(r, 1)?,
                    window: Window::new(date_column(r, 2)?, date_column(r, 3)?),
                    fetched_at: from_millis(r.get(4)?)?,
                    stored_bytes: r.get::<_, i64>(5)?.max(0) as u64,
                })
            })?;
            rows.collect()
        })
    }

    /// The subjects (account ids and institution queries) with stored
    /// responses, sorted.
    pub fn subjects(&self) -> Result<Vec<String>, StoreError> {
        self.read("list stored accounts", |c| {
            let mut stmt = c.prepare("SELECT DISTINCT subject FROM responses ORDER BY subject")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Deletes transaction responses fetched more than `retention` ago,
    /// except the newest of each account (the answer of last resort when
    /// the budget is spent). Returns how many were deleted.
    pub fn prune(&self, retention: chrono::Duration) -> Result<usize, StoreError> {
        let cutoff = to_millis(self.now() - retention);
        self.write("prune old responses", |tx| {
            let n = tx.execute(
                "DELETE FROM responses
                 WHERE scope = 'transactions' AND fetched_at < ?1
                   AND id NOT IN (SELECT max(id) FROM responses
                                  WHERE scope = 'transactions' GROUP BY subject)",
                [cutoff],
            )?;
            if n > 0 {
                delete_orphan_bodies(tx)?;
                delete_orphan_records(tx)?;
            }
            Ok(n)
        })
    }
}

fn delete_orphan_bodies(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM bodies WHERE NOT EXISTS
             (SELECT 1 FROM responses WHERE responses.body_hash = bodies.hash)",
        [],
    )
}

/// Stores a body once: a transactions body split into skeleton and
/// records, any other whole.
fn insert_body(
    tx: &rusqlite::Transaction<'_>,
    hash: &str,
    scope: Scope,
    body: &str,
) -> rusqlite::Result<()> {
    let known: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM bodies WHERE hash = ?1)",
        [hash],
        |r| r.get(0),
    )?;
    if known {
        return Ok(());
    }
    let split = if scope == Scope::Transactions {
        archive::split(body)
    } else {
        None
    };
    let Some(split) = split else {
        tx.execute(
            "INSERT INTO bodies (hash, body, split) VALUES (?1, ?2, 0)",
            params![hash, body],
        )?;
        return Ok(());
    };
    tx.execute(
        "INSERT INTO bodies (hash, body, split) VALUES (?1, ?2, 1)",
        params![hash, split.skeleton],
    )?;
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO records (hash, json) VALUES (?1, ?2)")?;
    for (h, json) in &split.records {
        stmt.execute(params![h, json])?;
    }
    Ok(())
}

/// Puts a split body's records back.
fn resolve(
    c: &Connection,
    (mut resp, split): (StoredResponse, bool),
) -> rusqlite::Result<StoredResponse> {
    if !split {
        return Ok(resp);
    }
    let mut stmt = c.prepare_cached("SELECT json FROM records WHERE hash = ?1")?;
    let mut failure = None;
    let joined = archive::join(&resp.body, |h| {
        match stmt.query_row([h], |r| r.get::<_, String>(0)).optional() {
            Ok(json) => json,
            Err(e) => {
                failure = Some(e);
                None
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    resp.body = joined.map_err(|detail| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(format!("stored response {}: {detail}", resp.id)),
        )
    })?;
    Ok(resp)
}

/// Deletes records no stored skeleton refers to.
fn delete_orphan_records(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM records WHERE hash NOT IN (
             SELECT j.value FROM bodies b, json_each(b.body, '$.transactions.booked') j
             WHERE b.split = 1
             UNION
             SELECT j.value FROM bodies b, json_each(b.body, '$.transactions.pending') j
             WHERE b.split = 1)",
        [],
    )
}

fn row_to_response(r: &Row<'_>) -> rusqlite::Result<(StoredResponse, bool)> {
    let resp = StoredResponse {
        id: r.get(0)?,
        subject: r.get(1)?,
        scope: scope_column(r, 2)?,
        window: Window::new(date_column(r, 3)?, date_column(r, 4)?),
        body: r.get(5)?,
        fetched_at: from_millis(r.get(6)?)?,
        rate_limit: r.get(7)?,
    };
    Ok((resp, r.get::<_, i64>(8)? != 0))
}

pub(super) fn scope_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Scope> {
    let s: String = r.get(i)?;
    s.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
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

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
