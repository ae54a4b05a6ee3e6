//! A stateful fake SimpleFIN Bridge, over real HTTP on 127.0.0.1, for the
//! tests of the `simplefin` client and of what is built on it.
//!
//! It keeps state like the Bridge: setup tokens that can be claimed once
//! (a second claim is 403), access URLs checked as HTTP Basic credentials,
//! `/info` listing versions 1 and 2 (or 1 only), `GET /accounts` answering
//! version 1 (`errors`, `org`) or, with `version=2`, version 2 (`errlist`,
//! `connections`, `conn_id`), a window of at most 90 days (a longer one is
//! capped, with the Bridge's `gen.api` message), pending transactions
//! (`posted: 0`) that post the next fake day under a new id and, for
//! restaurants, another amount, accounts in trouble whose data stands
//! still while the answer says so, the daily request quota, payment
//! required, revoked access, and a custom-currency account. Bank data is
//! generated deterministically from a seed; a clock the test moves decides
//! what exists. Faults (a status, a 429, a slow answer, a malformed body, a
//! dropped connection) can be injected.
//!
//! How the parts fit:
//! - [`FakeServer`] starts the server and is the test's handle on it
//!   (dropping it stops the server);
//! - [`Options`] sets seed, sizes, clock, versions and quota;
//! - [`Fault`]/[`FaultKind`] describe injected failures, [`Trouble`] a
//!   bank's problem, [`RequestLog`] what was requested.
//!
//! # Example
//!
//! ```
//! use base64::Engine;
//! use fake_simplefin::{FakeServer, Options};
//!
//! let server = FakeServer::start(Options::default());
//! let claim_url = base64::engine::general_purpose::STANDARD.decode(server.setup_token()).unwrap();
//! let http = reqwest::blocking::Client::new();
//! let access = http.post(String::from_utf8(claim_url).unwrap()).send().unwrap().text().unwrap();
//! let url = reqwest::Url::parse(&access).unwrap();
//! let resp = http
//!     .get(format!("{}/accounts?pending=1", server.base_url()))
//!     .basic_auth(url.username(), url.password())
//!     .send()
//!     .unwrap();
//! assert_eq!(resp.status(), 200);
//! assert_eq!(server.count("GET", "/simplefin/accounts"), 1);
//!
//! // Tomorrow today's pending transactions have posted under new ids.
//! server.advance(chrono::Duration::days(1));
//! ```

mod generate;
mod options;
mod server;
mod state;

use std::io;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use generate::MILES_URL;
pub use options::{Fault, FaultKind, Options, QuotaMode, RequestLog, Trouble, Versions};

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
        let server = fake_http::Server::start(addr, "fake-simplefin", Fake(shared.clone()))?;
        // URLs name the port, which is known only once bound.
        shared.lock().port = server.port();
        Ok(FakeServer { shared, server })
    }

    /// The server's root, `http://127.0.0.1:PORT/simplefin`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.server.port(), state::ROOT)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The setup token made at start: base64 of its claim URL. It can be
    /// claimed once.
    pub fn setup_token(&self) -> String {
        self.shared.lock().setup_token(0)
    }

    /// A new setup token (as the user makes one after revoking access);
    /// claiming it gives new credentials.
    pub fn new_setup_token(&self) -> String {
        let mut s = self.shared.lock();
        let g = s.new_grant();
        s.setup_token(g)
    }

    /// The access URL of the setup token made at start, claiming it if
    /// nobody has (a later claim is then refused): for tests that start
    /// after the claim.
    pub fn access_url(&self) -> String {
        let mut s = self.shared.lock();
        s.mark_claimed(0);
        s.access_url(0)
    }

    /// The access URL of the newest setup token, whether claimed or not.
    pub fn latest_access_url(&self) -> String {
        let s = self.shared.lock();
        s.access_url(s.last_grant())
    }

    /// The ids of the accounts, ordinary ones first, then custom-currency
    /// ones.
    pub fn account_ids(&self) -> Vec<String> {
        self.shared.lock().account_ids()
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lock().now
    }

    /// Moves the fake clock forward: transactions appear, pending ones
    /// post, the quota resets at midnight UTC.
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.lock().now += by;
    }

    /// Sets the fake clock.
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.lock().now = t;
    }

    /// How many requests with this method have a path starting with
    /// `path_prefix`, e.g. `count("GET", "/simplefin/accounts")`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    /// Every request seen since start or the last
    /// [`FakeServer::reset_counters`].
    pub fn requests(&self) -> Vec<RequestLog> {
        self.shared.lock().log.clone()
    }

    /// Forgets the requests seen so far (the quota is not reset).
    pub fn reset_counters(&self) {
        self.shared.lock().log.clear();
    }

    /// Today's requests against the quota of `GET /accounts` for all
    /// accounts with the first setup token's access.
    pub fn quota_used(&self) -> u32 {
        self.shared.lock().quota_used()
    }

    /// Arms a fault for the coming requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().inject(fault);
    }

    /// Disarms every fault not yet spent.
    pub fn clear_faults(&self) {
        self.shared.lock().clear_faults();
    }

    /// Puts an account in trouble (or out of it with `None`): from now on
    /// its data stands still and answers carry the messages of
    /// [`Trouble`].
    pub fn set_trouble(&self, account_id: &str, trouble: Option<Trouble>) {
        self.shared.lock().set_trouble(account_id, trouble);
    }

    /// The user revokes every access in the Bridge: `/accounts` answers 403.
    pub fn revoke_access(&self) {
        self.shared.lock().revoke_all();
    }

    /// The subscription lapses (`true`): `/accounts` answers 402.
    pub fn set_payment_required(&self, on: bool) {
        self.shared.lock().set_payment_required(on);
    }
}
