//! Access and refresh tokens, by key (GoCardless: the secret id), so that a
//! run need not log in.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use source::Secret;

use crate::db::{from_millis, to_millis};
use crate::{SourceStore, StoreError};

/// An access token and the refresh token that renews it, with the instants
/// they expire. Both are [`Secret`]s: they never reach `Debug` or a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTokens {
    /// The access token.
    pub access: Secret,
    /// When the access token expires.
    pub access_expires: DateTime<Utc>,
    /// The refresh token.
    pub refresh: Secret,
    /// When the refresh token expires.
    pub refresh_expires: DateTime<Utc>,
}

impl SourceStore {
    /// The tokens saved under `key`, if any (expired ones included: the
    /// caller decides what is still usable).
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn tokens(&self, key: &str) -> Result<Option<StoredTokens>, StoreError> {
        let source = self.key();
        self.store().read("read the tokens", |c| {
            c.prepare_cached(
                "SELECT access, access_expires, refresh, refresh_expires
                 FROM tokens WHERE source = ?1 AND key = ?2",
            )?
            .query_row(params![source, key], |r| {
                Ok(StoredTokens {
                    access: Secret::new(r.get::<_, String>(0)?),
                    access_expires: from_millis(r.get(1)?)?,
                    refresh: Secret::new(r.get::<_, String>(2)?),
                    refresh_expires: from_millis(r.get(3)?)?,
                })
            })
            .optional()
        })
    }

    /// Saves `tokens` under `key`, replacing any saved before; `saved_at`
    /// is when they were obtained.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn save_tokens(
        &self,
        key: &str,
        tokens: &StoredTokens,
        saved_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let source = self.key();
        self.store().write("save the tokens", |tx| {
            tx.prepare_cached(
                "INSERT INTO tokens
                     (source, key, access, access_expires, refresh, refresh_expires, saved_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (source, key) DO UPDATE SET
                     access = excluded.access,
                     access_expires = excluded.access_expires,
                     refresh = excluded.refresh,
                     refresh_expires = excluded.refresh_expires,
                     saved_at = excluded.saved_at",
            )?
            .execute(params![
                source,
                key,
                tokens.access.expose(),
                to_millis(tokens.access_expires),
                tokens.refresh.expose(),
                to_millis(tokens.refresh_expires),
                to_millis(saved_at),
            ])
            .map(drop)
        })
    }

    /// Forgets the tokens saved under `key` (the server rejected them).
    /// Returns whether there were any.
    ///
    /// # Errors
    ///
    /// As [`SourceStore::record_response`].
    pub fn clear_tokens(&self, key: &str) -> Result<bool, StoreError> {
        let source = self.key();
        self.store().write("drop the tokens", |tx| {
            tx.prepare_cached("DELETE FROM tokens WHERE source = ?1 AND key = ?2")?
                .execute(params![source, key])
                .map(|n| n > 0)
        })
    }
}
