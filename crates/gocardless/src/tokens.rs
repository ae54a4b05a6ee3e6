//! Access and refresh tokens, and where they are kept between requests and
//! runs.
//!
//! `POST /token/new/` is limited to 100 calls an hour per company, so the
//! client asks a [`TokenStore`] before it asks GoCardless. The default
//! [`MemoryTokenStore`] lives as long as the process; the SQLite store of
//! this crate keeps tokens across runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::Secret;

/// An access token and a refresh token with the instants they expire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token (sent as `Authorization: Bearer …`).
    pub access: Secret,
    /// When the access token expires.
    pub access_expires: DateTime<Utc>,
    /// The refresh token, which gets new access tokens.
    pub refresh: Secret,
    /// When the refresh token expires.
    pub refresh_expires: DateTime<Utc>,
}

impl Tokens {
    /// Whether the access token is still good at `now`, keeping `margin`
    /// before its expiry.
    pub fn access_valid(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        !self.access.is_empty() && now + margin < self.access_expires
    }

    /// Whether the refresh token is still good at `now`, keeping `margin`.
    pub fn refresh_valid(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        !self.refresh.is_empty() && now + margin < self.refresh_expires
    }

    /// What these tokens allow at `now`.
    pub fn state(&self, now: DateTime<Utc>, margin: Duration) -> TokenState {
        if self.access_valid(now, margin) {
            TokenState::AccessValid {
                access_until: self.access_expires,
                refresh_until: self.refresh_expires,
            }
        } else if self.refresh_valid(now, margin) {
            TokenState::RefreshValid {
                refresh_until: self.refresh_expires,
            }
        } else {
            TokenState::Missing
        }
    }
}

/// What the client holds, for a `status` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// No usable token: the next request calls `POST /token/new/`.
    Missing,
    /// A valid access token: requests need no token call.
    AccessValid {
        /// The access token's expiry.
        access_until: DateTime<Utc>,
        /// The refresh token's expiry.
        refresh_until: DateTime<Utc>,
    },
    /// Only the refresh token is valid: the next request refreshes.
    RefreshValid {
        /// The refresh token's expiry.
        refresh_until: DateTime<Utc>,
    },
}

/// Where tokens are kept, keyed by secret id. Implementations must be safe
/// to share between threads; failures to save are theirs to log, since a
/// lost token only costs one more `token/new`.
pub trait TokenStore: Send + Sync {
    /// The tokens kept for `secret_id`, if any (expired ones included: the
    /// client decides what is still valid).
    fn load(&self, secret_id: &str) -> Option<Tokens>;
    /// Keeps `tokens` for `secret_id`, replacing what was there.
    fn save(&self, secret_id: &str, tokens: &Tokens);
    /// Forgets the tokens of `secret_id`; called when the server rejects
    /// them.
    fn clear(&self, secret_id: &str);
}

/// A [`TokenStore`] in memory, shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct MemoryTokenStore(Arc<Mutex<HashMap<String, Tokens>>>);

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> MemoryTokenStore {
        MemoryTokenStore::default()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, secret_id: &str) -> Option<Tokens> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(secret_id).cloned()
    }

    fn save(&self, secret_id: &str, tokens: &Tokens) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(secret_id.to_owned(), tokens.clone());
    }

    fn clear(&self, secret_id: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(secret_id);
    }
}

/// One lock per secret id for the whole process, so that two clients
/// sharing a store never both call `token/new` at once.
pub(crate) fn acquisition_lock(secret_id: &str) -> Arc<Mutex<()>> {
    static LOCKS: Mutex<Option<HashMap<String, Arc<Mutex<()>>>>> = Mutex::new(None);
    let mut locks = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    locks
        .get_or_insert_with(HashMap::new)
        .entry(secret_id.to_owned())
        .or_default()
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        let t0: DateTime<Utc> = "2024-05-01T00:00:00Z".parse().unwrap();
        Tokens {
            access: Secret::new("access-token-value"),
            access_expires: t0 + Duration::hours(24),
            refresh: Secret::new("refresh-token-value"),
            refresh_expires: t0 + Duration::days(30),
        }
    }

    #[test]
    fn debug_hides_tokens() {
        let d = format!("{:?}", tokens());
        assert!(!d.contains("access-token-value"), "{d}");
        assert!(!d.contains("refresh-token-value"), "{d}");
    }

    #[test]
    fn state_follows_expiry_with_margin() {
        let t = tokens();
        let t0: DateTime<Utc> = "2024-05-01T00:00:00Z".parse().unwrap();
        let m = Duration::minutes(1);
        assert!(matches!(t.state(t0, m), TokenState::AccessValid { .. }));
        let late = t0 + Duration::hours(24) - Duration::seconds(30);
        assert!(matches!(t.state(late, m), TokenState::RefreshValid { .. }));
        assert_eq!(t.state(t0 + Duration::days(31), m), TokenState::Missing);
    }

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryTokenStore::new();
        assert!(s.load("id").is_none());
        s.save("id", &tokens());
        assert_eq!(s.clone().load("id"), Some(tokens()));
        s.clear("id");
        assert!(s.load("id").is_none());
    }
}
