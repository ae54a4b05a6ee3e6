//! Cursors and credentials: a source's values by key, each the only copy
//! of something the provider handed out (where an incremental sync
//! resumes; an access token, access URL or session id).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use source::Secret;

use crate::db::{from_millis, to_millis};
use crate::{SourceStore, StoreError};

/// Where an incremental sync resumes (Plaid's `/transactions/sync`
/// cursor of an item), and when it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The cursor, as the provider gave it.
    pub value: String,
    /// When it was saved (the `fetched_at` of the response it came with).
    pub updated_at: DateTime<Utc>,
}

impl SourceStore {
    /// The cursor saved under `key`, if any.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn cursor(&self, key: &str) -> Result<Option<Cursor>, StoreError> {
        let source = self.key();
        self.store().read("read a sync cursor", |c| {
            c.prepare_cached(
                "SELECT cursor, updated_at FROM cursors WHERE source = ?1 AND key = ?2",
            )?
            .query_row(params![source, key], |r| {
                Ok(Cursor {
                    value: r.get(0)?,
                    updated_at: from_millis(r.get(1)?)?,
                })
            })
            .optional()
        })
    }

    /// Saves `value` as the cursor under `key`, replacing the one before.
    /// A cursor that comes with data is better saved with it, in one
    /// transaction: [`NewResponse::cursor`](crate::NewResponse::cursor).
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn set_cursor(
        &self,
        key: &str,
        value: &str,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let source = self.key();
        self.store().write("save a sync cursor", |tx| {
            upsert_cursor(tx, source, key, value, updated_at)
        })
    }

    /// Forgets the cursor under `key` (the next sync starts over). Returns
    /// whether there was one.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn clear_cursor(&self, key: &str) -> Result<bool, StoreError> {
        let source = self.key();
        self.store().write("drop a sync cursor", |tx| {
            tx.prepare_cached("DELETE FROM cursors WHERE source = ?1 AND key = ?2")?
                .execute(params![source, key])
                .map(|n| n > 0)
        })
    }

    /// The credential saved under `key`, if any, as a [`Secret`].
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn credential(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        let source = self.key();
        self.store().read("read a credential", |c| {
            c.prepare_cached("SELECT secret FROM credentials WHERE source = ?1 AND key = ?2")?
                .query_row(params![source, key], |r| {
                    Ok(Secret::new(r.get::<_, String>(0)?))
                })
                .optional()
        })
    }

    /// The keys under which credentials are saved, sorted: the items or
    /// sessions the source holds access to.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn credential_keys(&self) -> Result<Vec<String>, StoreError> {
        let source = self.key();
        self.store().read("list the credentials", |c| {
            let mut stmt =
                c.prepare_cached("SELECT key FROM credentials WHERE source = ?1 ORDER BY key")?;
            let rows = stmt.query_map([source], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Saves `secret` as the credential under `key`, replacing the one
    /// before. The store file is private (0600); the value is never logged.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn set_credential(&self, key: &str, secret: &Secret) -> Result<(), StoreError> {
        let source = self.key();
        self.store().write("save a credential", |tx| {
            tx.prepare_cached(
                "INSERT INTO credentials (source, key, secret) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source, key) DO UPDATE SET secret = excluded.secret",
            )?
            .execute(params![source, key, secret.expose()])
            .map(drop)
        })
    }

    /// Forgets the credential under `key` (access revoked, item removed).
    /// Returns whether there was one.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn remove_credential(&self, key: &str) -> Result<bool, StoreError> {
        let source = self.key();
        self.store().write("drop a credential", |tx| {
            tx.prepare_cached("DELETE FROM credentials WHERE source = ?1 AND key = ?2")?
                .execute(params![source, key])
                .map(|n| n > 0)
        })
    }
}

pub(crate) fn upsert_cursor(
    tx: &rusqlite::Transaction<'_>,
    source: &str,
    key: &str,
    value: &str,
    updated_at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO cursors (source, key, cursor, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (source, key) DO UPDATE SET
             cursor = excluded.cursor,
             updated_at = excluded.updated_at",
    )?
    .execute(params![source, key, value, to_millis(updated_at)])
    .map(drop)
}
