//! A stateful fake of the GoCardless Bank Account Data API v2, over real
//! HTTP on 127.0.0.1, for the tests and benchmarks of the other crates.
//!
//! It keeps state like the real service: tokens with lifetimes judged by a
//! clock the test controls, institutions, end-user agreements, requisitions
//! and their accounts, a per-account and per-scope daily success budget with
//! the real 429 bodies and rate-limit headers, and request counters. Bank
//! data is generated deterministically from a seed, with the quirks of real
//! banks (see `shared/fixtures/README.md`); given payloads (fixtures) can be
//! served as accounts too. Faults (a status, a slow answer, a malformed
//! body, a dropped connection, either kind of 429) can be injected.
//!
//! How the parts fit:
//! - [`FakeServer`] starts the server and is the test's handle on it
//!   (dropping it stops the server).
//! - [`Options`] sets seed, sizes, token lifetimes, limits, clock and paging.
//! - [`Fate`]/[`Booking`] say how a pending transaction books when not as
//!   it was shown ([`Options::pending_fates`]).
//! - [`Fault`]/[`FaultKind`] describe injected failures, [`AccountSpec`]
//!   accounts served from given payloads, [`RequestLog`] what was requested.
//! - Admin routes under `/_fake/` drive a server started as a separate
//!   process (`cargo run -p fake-gocardless -- --port 8080`); see
//!   `docs/fake-server.md`.
//!
//! # Example
//!
//! ```
//! use fake_gocardless::{FakeServer, Options};
//!
//! let server = FakeServer::start(Options { accounts: 1, ..Options::default() });
//! let client = reqwest::blocking::Client::new();
//! let token: serde_json::Value = client
//!     .post(format!("{}/token/new/", server.base_url()))
//!     .json(&serde_json::json!({
//!         "secret_id": server.secret_id(),
//!         "secret_key": server.secret_key(),
//!     }))
//!     .send().unwrap()
//!     .json().unwrap();
//! let account = &server.account_ids()[0];
//! let resp = client
//!     .get(format!("{}/accounts/{account}/transactions/", server.base_url()))
//!     .bearer_auth(token["access"].as_str().unwrap())
//!     .send().unwrap();
//! assert_eq!(resp.status(), 200);
//! assert_eq!(server.count("GET", "/api/v2/accounts/"), 1);
//!
//! // Tomorrow today's pending transactions are booked under new ids.
//! server.advance(chrono::Duration::days(1));
//! ```

mod admin;
mod errors;
mod generate;
mod options;
mod server;
mod state;

use std::io;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use generate::{Booking, Fate};
pub use options::{AccountSpec, Fault, FaultKind, HeaderStyle, Options, RequestLog, Scope};
pub use state::DEFAULT_LINKED_ACCOUNTS;

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
    pub fn start_on(addr: &str, opts: Options) -> io::Result<FakeServer> {
        // The base URL names the port, which is known only once bound.
        let shared = Arc::new(Shared::new(State::new(opts, String::new())));
        let server = fake_http::Server::start(addr, "fake-gocardless", Fake(shared.clone()))?;
        shared.lock().base_url = format!("http://127.0.0.1:{}/api/v2", server.port());
        Ok(FakeServer { shared, server })
    }

    /// `http://127.0.0.1:PORT/api/v2`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.lock().base_url.clone()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The secret id `POST /token/new/` accepts.
    pub fn secret_id(&self) -> String {
        self.shared.lock().secret_id.clone()
    }

    /// The secret key `POST /token/new/` accepts.
    pub fn secret_key(&self) -> String {
        self.shared.lock().secret_key.clone()
    }

    /// The accounts of the requisition made at start (status `LN`), plus any
    /// added with [`FakeServer::add_account`].
    pub fn account_ids(&self) -> Vec<String> {
        self.shared.lock().account_ids()
    }

    /// The id of the requisition made at start.
    pub fn requisition_id(&self) -> String {
        self.shared.lock().main_requisition.clone()
    }

    /// The institution of the generated accounts.
    pub fn institution_id(&self) -> String {
        self.shared.lock().institution_id()
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lock().now
    }

    /// Moves the fake clock forward (tokens expire, budgets reset at
    /// midnight UTC, pending transactions book, new ones appear).
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.lock().now += by;
    }

    /// Sets the fake clock.
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.lock().now = t;
    }

    /// How many requests with this method have a path starting with
    /// `path_prefix`, e.g. `count("POST", "/api/v2/token/new/")`.
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

    /// Moves a requisition to `LN` with [`DEFAULT_LINKED_ACCOUNTS`] new
    /// generated accounts; returns their ids (none for an unknown requisition).
    pub fn link_requisition(&self, requisition_id: &str) -> Vec<String> {
        self.link_requisition_with(requisition_id, DEFAULT_LINKED_ACCOUNTS)
    }

    /// Like [`FakeServer::link_requisition`] with `accounts` new accounts.
    pub fn link_requisition_with(&self, requisition_id: &str, accounts: usize) -> Vec<String> {
        self.shared
            .lock()
            .link_requisition(requisition_id, accounts)
    }

    /// Moves a requisition to `LN` with one new account per spec, served
    /// from its payloads (a bank whose account name is hostile, say);
    /// returns their ids (none for an unknown requisition).
    pub fn link_requisition_specs(
        &self,
        requisition_id: &str,
        specs: Vec<AccountSpec>,
    ) -> Vec<String> {
        self.shared
            .lock()
            .link_requisition_specs(requisition_id, specs.into_iter().map(Some).collect())
    }

    /// Sets a requisition's status (`"RJ"`, `"EX"`, …). `"EX"` also expires
    /// the access to its accounts, as [`FakeServer::expire_access`] does.
    pub fn set_requisition_status(&self, requisition_id: &str, status: &str) {
        self.shared
            .lock()
            .set_requisition_status(requisition_id, status);
    }

    /// The account's end-user agreement has expired: its details, balances
    /// and transactions answer 401 with the real "EUA … has expired" body.
    pub fn expire_access(&self, account_id: &str) {
        self.expire_access_with_status(account_id, 401);
    }

    /// Like [`FakeServer::expire_access`], answering `status` (it has been
    /// seen as 400, 401 and 403).
    pub fn expire_access_with_status(&self, account_id: &str, status: u16) {
        self.shared.lock().expire_access(account_id, status);
    }

    /// The account can be read again, as after the user renewed its
    /// agreement (undoes [`FakeServer::expire_access`] and
    /// [`FakeServer::suspend_account`]).
    pub fn restore_access(&self, account_id: &str) {
        self.shared.lock().restore_access(account_id);
    }

    /// The account is suspended (as GoCardless does after ten consecutive
    /// errors): its details, balances and transactions answer the real 409
    /// "Account suspended", its metadata status is `SUSPENDED`.
    pub fn suspend_account(&self, account_id: &str) {
        self.shared.lock().suspend(account_id);
    }

    /// The generated transactions of an account, as of the clock, that
    /// booked otherwise than they were shown while pending (another amount
    /// or date, [`Options::pending_fates`]), and those cancelled: what a
    /// test checks the ledger against.
    pub fn bookings(&self, account_id: &str) -> (Vec<Booking>, Vec<Booking>) {
        self.shared.lock().bookings(account_id)
    }

    /// Sets what is left of today's budget of an account's scope.
    pub fn set_remaining(&self, account_id: &str, scope: Scope, remaining: u32) {
        self.shared
            .lock()
            .set_remaining(account_id, scope, remaining);
    }

    /// What is left of today's budget of an account's scope.
    pub fn remaining(&self, account_id: &str, scope: Scope) -> u32 {
        self.shared.lock().remaining(account_id, scope)
    }

    /// Serves the given payloads as a new account of the start requisition;
    /// returns its id.
    pub fn add_account(&self, spec: AccountSpec) -> String {
        self.shared.lock().add_account(spec)
    }

    /// Every issued token becomes unknown (401 "Invalid token").
    pub fn revoke_tokens(&self) {
        self.shared.lock().revoke_tokens();
    }
}
