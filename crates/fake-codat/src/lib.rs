//! A stateful fake of Codat's Bank Feeds API, over real HTTP on
//! 127.0.0.1, for the tests of the `codat` client and of the exporter.
//!
//! It keeps state like the real service: one company with its
//! connections, source accounts created through the API (`pending` until
//! the test connects them, as the company would in its accounting
//! software), and pushes of bank transactions that become push operations.
//! An operation answers `Pending` for a few polls, then `Success` or
//! `Failed` with validation errors naming the offending transaction: the
//! fake applies Xero's rules (in date order, nothing before the newest
//! transaction already on the account, in the future, more than a year
//! old or before the feed start date; a description and a balance on
//! each; ids never pushed before). The outcome is decided when the push
//! arrives; a successful push's transactions are on the account from then
//! on, and its last balance becomes the account's.
//!
//! The API key is checked (`Authorization: Basic <base64 of the key>`).
//! POST and PATCH honour `Idempotency-Key` as Codat does: the same key,
//! path and body within 90 minutes (of the fake clock) get the first
//! answer again and change nothing; the same key with another body gets
//! 422. Faults can be injected: a status before or *after* the work is
//! done (a 503 once the push is stored), a slow answer, a malformed body,
//! a dropped connection (before or after the work), a 429 with
//! `Retry-After`, an error body echoing the credentials, a push that times
//! out.
//!
//! How the parts fit: [`FakeServer`] starts the server and is the test's
//! handle on it; [`Options`] sets it up; [`Fault`]/[`FaultKind`] describe
//! failures; [`RequestLog`], [`PushedTransaction`] and
//! [`FakeSourceAccount`] are what a test reads back.
//!
//! # Example
//!
//! ```
//! use base64::Engine;
//! use fake_codat::{FakeServer, Options};
//!
//! let server = FakeServer::start(Options::default());
//! let auth = format!(
//!     "Basic {}",
//!     base64::engine::general_purpose::STANDARD.encode(server.api_key())
//! );
//! let resp = reqwest::blocking::Client::new()
//!     .get(format!("{}/companies/{}", server.base_url(), server.company_id()))
//!     .header("Authorization", auth)
//!     .send()
//!     .unwrap();
//! assert_eq!(resp.status(), 200);
//! assert_eq!(server.count("GET", "/companies/"), 1);
//! ```

mod errors;
mod options;
mod server;
mod state;

use std::io;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

pub use options::{FakeSourceAccount, Fault, FaultKind, Options, PushedTransaction, RequestLog};

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
    /// When no port can be bound, which a test cannot work around anyway.
    pub fn start(opts: Options) -> FakeServer {
        FakeServer::start_on("127.0.0.1:0", opts).expect("bind a port on 127.0.0.1")
    }

    /// Starts a server on the given address (`"127.0.0.1:8080"`).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn start_on(addr: &str, opts: Options) -> io::Result<FakeServer> {
        let shared = Arc::new(Shared::new(State::new(opts)));
        let server = fake_http::Server::start(addr, "fake-codat", Fake(shared.clone()))?;
        Ok(FakeServer { shared, server })
    }

    /// `http://127.0.0.1:PORT`, the API root, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The API key the server accepts (sent base64-encoded as Basic auth).
    pub fn api_key(&self) -> String {
        self.shared.lock().api_key.clone()
    }

    /// The company's id.
    pub fn company_id(&self) -> String {
        self.shared.lock().company_id()
    }

    /// The id of the company's first connection.
    pub fn connection_id(&self) -> String {
        self.connection_ids().remove(0)
    }

    /// The ids of all the company's connections.
    pub fn connection_ids(&self) -> Vec<String> {
        self.shared.lock().connection_ids()
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lock().now
    }

    /// Moves the fake clock forward (the date rules and the idempotency
    /// window follow it).
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.lock().now += by;
    }

    /// Sets the fake clock.
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.lock().now = t;
    }

    /// How many requests with this method have a path containing
    /// `path_contains`, e.g. `count("POST", "/bankTransactions")`.
    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.contains(path_contains))
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

    /// The transactions accepted onto a source account, in the order
    /// received (none for an unknown account).
    pub fn transactions(&self, account_id: &str) -> Vec<PushedTransaction> {
        self.shared
            .lock()
            .accounts
            .iter()
            .filter(|a| a.id == account_id)
            .flat_map(|a| a.transactions.clone())
            .collect()
    }

    /// A source account as the fake holds it.
    pub fn source_account(&self, account_id: &str) -> Option<FakeSourceAccount> {
        self.shared
            .lock()
            .accounts
            .iter()
            .find(|a| a.id == account_id)
            .map(|a| a.view())
    }

    /// Connects a source account as the company would in its accounting
    /// software, with the feed start date it chose; `false` for an unknown
    /// account.
    pub fn connect_source_account(&self, account_id: &str, feed_start: Option<NaiveDate>) -> bool {
        let mut state = self.shared.lock();
        let now = state.now;
        match state.accounts.iter_mut().find(|a| a.id == account_id) {
            Some(a) => {
                a.status = "connected".to_owned();
                a.feed_start = feed_start;
                a.modified = now;
                true
            }
            None => false,
        }
    }

    /// How many push operations were created (replays of an idempotent
    /// request create none).
    pub fn push_operation_count(&self) -> usize {
        self.shared.lock().operations.len()
    }
}
