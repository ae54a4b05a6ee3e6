//! Access and refresh tokens, by secret id, so that a run need not log in.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_millis, to_millis};
use crate::Secret;

/// A pair of tokens with the instants they expire. `Debug` never shows the
/// tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTokens {
    /// The access token, sent as `Authorization: Bearer`.
    pub access: Secret,
    /// When the access token expires.
    pub access_expires: DateTime<Utc>,
    /// The refresh token, traded for a new access token.
    pub refresh: Secret,
    /// When the refresh token expires.
    pub refresh_expires: DateTime<Utc>,
}

impl Store {
    /// The tokens saved for `secret_id`, if any (expired ones included:
    /// the caller decides what is still usable).
    pub fn load_tokens(&self, secret_id: &str) -> Result<Option<StoredTokens>, StoreError> {
        self.read("read the tokens", |c| {
            c.query_row(
                "SELECT access, access_expires, refresh, refresh_expires
                 FROM tokens WHERE secret_id = ?1",
                [secret_id],
                |r| {
                    Ok(StoredTokens {
                        access: Secret::new(r.get::<_, String>(0)?),
                        access_expires: from_millis(r.get(1)?)?,
                        refresh: Secret::new(r.get::<_, String>(2)?),
                        refresh_expires: from_millis(r.get(3)?)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Saves the tokens of `secret_id`, replacing any saved before.
    pub fn save_tokens(&self, secret_id: &str, tokens: &StoredTokens) -> Result<(), StoreError> {
        let now = to_millis(self.now());
        self.write("save the tokens", |tx| {
            tx.execute(
                "INSERT INTO tokens
                     (secret_id, access, access_expires, refresh, refresh_expires, saved_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (secret_id) DO UPDATE SET
                     access = excluded.access,
                     access_expires = excluded.access_expires,
                     refresh = excluded.refresh,
                     refresh_expires = excluded.refresh_expires,
                     saved_at = excluded.saved_at",
                params![
                    secret_id,
                    tokens.access.expose(),
                    to_millis(tokens.access_expires),
                    tokens.refresh.expose(),
                    to_millis(tokens.refresh_expires),
                    now,
                ],
            )
            .map(drop)
        })
    }

    /// Forgets the tokens of `secret_id` (the server rejected them).
    /// Returns whether there were any.
    pub fn clear_tokens(&self, secret_id: &str) -> Result<bool, StoreError> {
        self.write("drop the tokens", |tx| {
            tx.execute("DELETE FROM tokens WHERE secret_id = ?1", [secret_id])
                .map(|n| n > 0)
        })
    }
}
