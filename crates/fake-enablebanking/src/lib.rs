//! A stateful fake of the Enable Banking API (account information), over
//! real HTTP on 127.0.0.1, for the tests of the other crates.
//!
//! It keeps state like the real service and checks what the real one
//! checks:
//!
//! - every request's JWT: RS256, signed by the application's key (the
//!   public key is given in [`Options::public_key_pem`]), `kid` the
//!   application id, issuer `enablebanking.com`, audience
//!   `api.enablebanking.com`, not expired on the fake clock, at most a day
//!   long; otherwise 401 with the real error body;
//! - the link flow: `GET /aspsps` lists a few banks with their longest
//!   consent; `POST /auth` checks bank, redirect URL (registered ones
//!   only), `valid_until` (at most the bank's longest consent) and returns
//!   a URL on the fake itself; a `GET` on that URL, the user's browser at
//!   the bank, answers 302 to the redirect URL with `?code=…&state=…`;
//!   `POST /sessions` turns the code into a session whose accounts get new
//!   uids every session and the same `identification_hash` always;
//!   sessions expire on the fake clock, can be revoked, and closed with
//!   `DELETE`;
//! - account data generated from the seed: details, balances (`CLBD`,
//!   `ITBD`, `ITAV`), transactions paged with signed continuation keys,
//!   pending on the day they are made and booked the next day under a new
//!   `entry_reference` (some at another amount), refused with
//!   `WRONG_TRANSACTIONS_PERIOD` before the bank's window (90 days);
//! - the bank's daily budget: 4 reads per account and kind a day without
//!   PSU headers, then the real 429 `ASPSP_RATE_LIMIT_EXCEEDED`;
//! - an inactive application (403 "Application is not active"), paging
//!   bugs ([`PagingQuirk`]) and injected faults ([`Fault`]).
//!
//! How the parts fit: [`FakeServer`] starts the server and is the test's
//! handle on it (dropping it stops the server); [`Options`] sets it up;
//! [`keys`] holds test key pairs.
//!
//! # Example
//!
//! ```
//! use fake_enablebanking::{FakeServer, Options};
//!
//! let server = FakeServer::start(Options::default());
//! let resp = reqwest::blocking::get(format!("{}/aspsps", server.base_url())).unwrap();
//! // No JWT: refused, and counted.
//! assert_eq!(resp.status(), 401);
//! assert_eq!(server.count("GET", "/aspsps"), 1);
//! // Tomorrow today's pending transactions are booked under new references.
//! server.advance(chrono::Duration::days(1));
//! ```

mod errors;
mod generate;
pub mod keys;
mod options;
mod server;
mod state;

use std::io;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use options::{Fault, FaultKind, Options, PagingQuirk, RequestLog, Scope};

use server::{Fake, Shared};
use state::State;

/// A running fake server. Dropping it stops the server.
pub struct FakeServer {
    shared: Arc<Shared>,
    server: fake_http::Server,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("port", &self.server.port())
            .finish()
    }
}

impl FakeServer {
    /// Starts a server on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound or `opts.public_key_pem` is not an RSA
    /// public key, which a test cannot work around anyway.
    pub fn start(opts: Options) -> FakeServer {
        FakeServer::start_on("127.0.0.1:0", opts).expect("bind a port on 127.0.0.1")
    }

    /// Starts a server on the given address (`"127.0.0.1:8080"`).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn start_on(addr: &str, opts: Options) -> io::Result<FakeServer> {
        let shared = Arc::new(Shared::new(State::new(opts)));
        let server = fake_http::Server::start(addr, "fake-enablebanking", Fake(shared.clone()))?;
        // The URLs the fake hands out name the port, known only once bound.
        shared.lock().base_url = format!("http://127.0.0.1:{}", server.port());
        Ok(FakeServer { shared, server })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.lock().base_url.clone()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The application id every JWT's `kid` must be.
    pub fn application_id(&self) -> String {
        self.shared.lock().application_id.clone()
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lock().now
    }

    /// Moves the fake clock (JWTs and sessions expire, budgets reset at
    /// midnight UTC, pending transactions book, new ones are made).
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.lock().now += by;
    }

    /// Sets the fake clock.
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.lock().now = t;
    }

    /// How many requests with this method have a path starting with
    /// `path_prefix`, e.g. `count("GET", "/accounts/")`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    /// Every request seen since start or the last [`FakeServer::reset_counters`].
    pub fn requests(&self) -> Vec<RequestLog> {
        self.shared.lock().log.clone()
    }

    /// Forgets the requests seen so far.
    pub fn reset_counters(&self) {
        self.shared.lock().log.clear();
    }

    /// Arms a fault for the coming requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().inject(fault);
    }

    /// Makes the application active or not. An inactive one (a production
    /// application with no linked accounts) gets 403 "Application is not
    /// active" everywhere but `GET /application`.
    pub fn set_active(&self, active: bool) {
        self.shared.lock().active = active;
    }

    /// Makes the bank's page deny authorisations (redirect with
    /// `error=access_denied`) or approve them (the default).
    pub fn deny_authorizations(&self, deny: bool) {
        self.shared.lock().deny = deny;
    }

    /// Revokes a session, as a user withdrawing consent at the bank does.
    pub fn revoke_session(&self, session_id: &str) {
        self.shared.lock().revoke_session(session_id);
    }

    /// Today's remaining reads without PSU headers of an account (by its
    /// identification hash) and kind.
    pub fn remaining(&self, identification_hash: &str, scope: Scope) -> u32 {
        self.shared.lock().remaining(identification_hash, scope)
    }

    /// Sets today's remaining reads of an account and kind.
    pub fn set_remaining(&self, identification_hash: &str, scope: Scope, remaining: u32) {
        self.shared
            .lock()
            .set_remaining(identification_hash, scope, remaining);
    }
}
