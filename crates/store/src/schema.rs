//! The tables, their version and the forward migrations.
//!
//! The schema version lives in SQLite's `user_version`; the file is marked
//! as ours with `application_id`, so that a `store:` pointing at another
//! program's database is refused instead of altered.

use rusqlite::{Connection, TransactionBehavior};

/// `application_id` of a gc-beancount store: "GCBC".
pub(crate) const APPLICATION_ID: i64 = 0x4743_4243;

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only:
/// a released migration is never edited.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: tokens, responses (bodies shared by hash), budget.
    "
    CREATE TABLE tokens (
        secret_id        TEXT PRIMARY KEY,
        access           TEXT NOT NULL,
        access_expires   INTEGER NOT NULL,  -- Unix milliseconds, UTC
        refresh          TEXT NOT NULL,
        refresh_expires  INTEGER NOT NULL,
        saved_at         INTEGER NOT NULL
    );
    CREATE TABLE bodies (
        hash  TEXT PRIMARY KEY,  -- SHA-256 of body, hex
        body  TEXT NOT NULL
    );
    CREATE TABLE responses (
        id          INTEGER PRIMARY KEY,
        subject     TEXT NOT NULL,     -- account id, or the institutions query
        scope       TEXT NOT NULL,     -- metadata, details, balances, transactions, institutions
        date_from   TEXT,              -- YYYY-MM-DD; NULL = open
        date_to     TEXT,
        body_hash   TEXT NOT NULL REFERENCES bodies(hash),
        fetched_at  INTEGER NOT NULL,  -- Unix milliseconds, UTC
        rate_limit  TEXT               -- JSON, as the headers came
    );
    CREATE INDEX responses_by_subject ON responses (subject, scope, fetched_at);
    CREATE INDEX responses_by_body ON responses (body_hash);
    CREATE TABLE budget (
        account_id  TEXT NOT NULL,
        scope       TEXT NOT NULL,
        remaining   INTEGER,
        day_limit   INTEGER,
        reset_at    INTEGER,           -- Unix milliseconds, UTC
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (account_id, scope)
    );
    ",
    // 1 → 2: transaction bodies split into a skeleton and records stored
    // once each (see archive.rs); older bodies stay whole (split = 0).
    "
    ALTER TABLE bodies ADD COLUMN split INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE records (
        hash  TEXT PRIMARY KEY,  -- 128 bits of the SHA-256 of json, hex
        json  TEXT NOT NULL      -- one transaction, exactly as received
    ) WITHOUT ROWID;
    ",
    // 2 → 3: every row belongs to a source (the key of the config's
    // `sources:`); what was there belongs to `gocardless`, the implicit
    // source of a config without `sources:`. Cursors and credentials are
    // new. A split body names the lists it was split at. Bodies and records
    // stay shared: they are reached only through a source's responses.
    "
    CREATE TABLE tokens_v3 (
        source           TEXT NOT NULL,
        key              TEXT NOT NULL,     -- GoCardless: the secret id
        access           TEXT NOT NULL,
        access_expires   INTEGER NOT NULL,  -- Unix milliseconds, UTC
        refresh          TEXT NOT NULL,
        refresh_expires  INTEGER NOT NULL,
        saved_at         INTEGER NOT NULL,
        PRIMARY KEY (source, key)
    ) WITHOUT ROWID;
    INSERT INTO tokens_v3
        SELECT 'gocardless', secret_id, access, access_expires, refresh, refresh_expires, saved_at
        FROM tokens;
    DROP TABLE tokens;
    ALTER TABLE tokens_v3 RENAME TO tokens;

    CREATE TABLE responses_v3 (
        id          INTEGER PRIMARY KEY,
        source      TEXT NOT NULL,
        subject     TEXT NOT NULL,     -- account id, item, or query
        scope       TEXT NOT NULL,     -- what was asked, in the source's words
        date_from   TEXT,              -- YYYY-MM-DD; NULL = open
        date_to     TEXT,
        body_hash   TEXT NOT NULL REFERENCES bodies(hash),
        fetched_at  INTEGER NOT NULL,  -- Unix milliseconds, UTC
        rate_limit  TEXT               -- JSON, as the headers came
    );
    INSERT INTO responses_v3
        SELECT id, 'gocardless', subject, scope, date_from, date_to, body_hash, fetched_at,
               rate_limit
        FROM responses;
    DROP TABLE responses;
    ALTER TABLE responses_v3 RENAME TO responses;
    CREATE INDEX responses_by_subject ON responses (source, subject, scope, fetched_at);
    CREATE INDEX responses_by_body ON responses (body_hash);

    ALTER TABLE bodies ADD COLUMN lists TEXT;  -- JSON list of record paths; NULL = whole
    UPDATE bodies SET lists = '[\"transactions.booked\",\"transactions.pending\"]'
        WHERE split = 1;
    ALTER TABLE bodies DROP COLUMN split;

    CREATE TABLE budget_v3 (
        source      TEXT NOT NULL,
        subject     TEXT NOT NULL,     -- the account (or what the budget is of)
        scope       TEXT NOT NULL,
        remaining   INTEGER,
        day_limit   INTEGER,
        reset_at    INTEGER,           -- Unix milliseconds, UTC
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (source, subject, scope)
    ) WITHOUT ROWID;
    INSERT INTO budget_v3
        SELECT 'gocardless', account_id, scope, remaining, day_limit, reset_at, updated_at
        FROM budget;
    DROP TABLE budget;
    ALTER TABLE budget_v3 RENAME TO budget;

    CREATE TABLE cursors (
        source      TEXT NOT NULL,
        key         TEXT NOT NULL,
        cursor      TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,  -- Unix milliseconds, UTC
        PRIMARY KEY (source, key)
    ) WITHOUT ROWID;
    -- Records in the order they came, with an index of their hashes: a
    -- response's new records are written side by side, and only the small
    -- index entries land among those of other responses.
    CREATE TABLE records_v3 (
        id    INTEGER PRIMARY KEY,
        hash  BLOB NOT NULL UNIQUE,  -- the first 128 bits of the SHA-256 of json
        json  TEXT NOT NULL          -- one record, exactly as received
    );
    INSERT INTO records_v3 (hash, json) SELECT unhex(hash), json FROM records ORDER BY hash;
    DROP TABLE records;
    ALTER TABLE records_v3 RENAME TO records;

    CREATE TABLE credentials (
        source  TEXT NOT NULL,
        key     TEXT NOT NULL,
        secret  TEXT NOT NULL,
        PRIMARY KEY (source, key)
    ) WITHOUT ROWID;
    ",
    // 3 → 4: what each export pushed, per target account (see push_log.rs).
    "
    CREATE TABLE push_logs (
        export   TEXT NOT NULL,  -- the key of the config's `exports:`
        account  TEXT NOT NULL,  -- the target's account id
        state    TEXT NOT NULL,  -- as the exporter serialised it
        PRIMARY KEY (export, account)
    ) WITHOUT ROWID;
    ",
    // 4 → 5: where a skeleton's records are in the records table, as runs
    // of ids (`first-last,...`), so that they are read back in a few
    // sequential scans instead of one index lookup each. NULL (bodies
    // stored before) is read through the hash index as before.
    "
    ALTER TABLE bodies ADD COLUMN ids TEXT;
    ",
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// What [`check`] or [`migrate`] found wrong, before it is given a path.
pub(crate) enum SchemaProblem {
    TooNew(i64),
    Foreign(String),
    Sqlite(&'static str, rusqlite::Error),
}

impl From<rusqlite::Error> for SchemaProblem {
    fn from(e: rusqlite::Error) -> Self {
        SchemaProblem::Sqlite("read its schema version", e)
    }
}

/// Checks, without writing, that the database is ours (or empty) and not
/// newer than this build; gives its schema version.
pub(crate) fn check(conn: &Connection) -> Result<i64, SchemaProblem> {
    // One snapshot for the three reads: another process may create the
    // tables between two of them, and a file with tables but no
    // application id yet would look like another program's.
    let tx = conn.unchecked_transaction()?;
    let version = read_checked(&tx)?;
    tx.commit()?;
    Ok(version)
}

/// Brings the schema up to [`SCHEMA_VERSION`], checking again under the
/// write lock.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), SchemaProblem> {
    if check(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE takes the write lock at once, so two processes opening a
    // fresh store do not both migrate it.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| SchemaProblem::Sqlite("lock it to set up its tables", e))?;
    let version = read_checked(&tx)?;
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)
            .map_err(|e| SchemaProblem::Sqlite("migrate its schema", e))?;
        tracing::debug!(from, to = from + 1, "store schema migrated");
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .and_then(|()| tx.pragma_update(None, "user_version", SCHEMA_VERSION))
        .map_err(|e| SchemaProblem::Sqlite("record its schema version", e))?;
    tx.commit()
        .map_err(|e| SchemaProblem::Sqlite("commit its schema", e))
}

/// The schema version, after checking the file is ours (or empty) and not
/// newer than this build.
fn read_checked(conn: &Connection) -> Result<i64, SchemaProblem> {
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app != APPLICATION_ID {
        if app != 0 {
            return Err(SchemaProblem::Foreign(format!(
                "an SQLite database with application id {app:#x}"
            )));
        }
        let mut stmt =
            conn.prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 4")?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if !names.is_empty() {
            return Err(SchemaProblem::Foreign(format!(
                "an SQLite database of another program, with tables such as {}",
                names.join(", ")
            )));
        }
        if version != 0 {
            return Err(SchemaProblem::Foreign(format!(
                "an empty SQLite database with user version {version}"
            )));
        }
    }
    if version > SCHEMA_VERSION {
        return Err(SchemaProblem::TooNew(version));
    }
    if version < 0 {
        return Err(SchemaProblem::Foreign(format!(
            "a negative schema version {version}"
        )));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store left by the first release (schema 1) is brought forward and
    /// keeps what it held.
    #[test]
    fn version_1_store_is_migrated_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let body = r#"{"transactions":{"booked":[{"transactionId":"old"}],"pending":[]}}"#;
            conn.execute("INSERT INTO bodies (hash, body) VALUES ('h1', ?1)", [body])
                .unwrap();
            conn.execute(
                "INSERT INTO responses (subject, scope, body_hash, fetched_at)
                 VALUES ('acc', 'transactions', 'h1', 1700000000000)",
                [],
            )
            .unwrap();
        }
        let store = crate::Store::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let old = store
            .source(&crate::SourceName::GOCARDLESS)
            .latest_response("acc", "transactions")
            .unwrap()
            .unwrap();
        assert!(old.body.contains(r#""transactionId":"old""#));
    }
}
