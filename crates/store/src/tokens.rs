//! Access and refresh tokens, by secret id, so that a run need not log in.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_millis, to_millis};
use crate::{Secret, TokenState, TokenStore, Tokens};

impl Store {
    /// The tokens saved for `secret_id`, if any (expired ones included:
    /// the caller decides what is still usable).
    pub fn load_tokens(&self, secret_id: &str) -> Result<Option<Tokens>, StoreError> {
        self.read("read the tokens", |c| {
            c.query_row(
                "SELECT access, access_expires, refresh, refresh_expires
                 FROM tokens WHERE secret_id = ?1",
                [secret_id],
                |r| {
                    Ok(Tokens {
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
    pub fn save_tokens(&self, secret_id: &str, tokens: &Tokens) -> Result<(), StoreError> {
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

/// The client keeps its tokens here, so they last across runs. A failure
/// of the store is logged and otherwise ignored: it costs at most one more
/// `token/new`, while the run itself can go on.
impl TokenStore for Store {
    fn load(&self, secret_id: &str) -> Option<Tokens> {
        self.load_tokens(secret_id).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the saved tokens; logging in again");
            None
        })
    }

    fn save(&self, secret_id: &str, tokens: &Tokens) {
        if let Err(e) = self.save_tokens(secret_id, tokens) {
            tracing::warn!(error = %e, "cannot save the tokens; the next run logs in again");
        }
    }

    fn clear(&self, secret_id: &str) {
        if let Err(e) = self.clear_tokens(secret_id) {
            tracing::warn!(error = %e, "cannot drop the rejected tokens");
        }
    }
}

impl Store {
    /// What the tokens saved for `secret_id` allow at the store's clock
    /// (no safety margin: this is for display).
    pub fn token_state(&self, secret_id: &str) -> Result<TokenState, StoreError> {
        Ok(match self.load_tokens(secret_id)? {
            Some(t) => t.state(self.now(), chrono::Duration::zero()),
            None => TokenState::Missing,
        })
    }
}
