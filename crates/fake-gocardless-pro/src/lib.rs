//! A stateful fake of the GoCardless Pro payments API, over real HTTP on
//! 127.0.0.1, for the tests of the `gocardless-pro` client and of the
//! importer built on it.
//!
//! It keeps state like the real service: creditors, customers, mandates,
//! payments, refunds, and payouts made of items of every kind a merchant
//! sees (payments paid out, GoCardless and app fees with the VAT of British
//! and French merchants, late failures and charge-backs with their fee
//! refunds and surcharges, refunds, returned refunds, a payout in euros
//! paid out in pounds), generated deterministically from a seed, day by
//! day on a clock the test moves: today's payouts are pending and become
//! paid, with an arrival date, when the clock reaches it; new payouts
//! appear every working day. Payout items carry tenths of a penny, so a
//! payout is its items' sum rounded. Items of payouts older than six
//! months answer 410 Gone. Lists are cursor-paginated (`after`, `before`,
//! `limit` up to 500, `meta.cursors`), every answer carries `Date` and the
//! `ratelimit-*` headers, the limit is enforced with the real 429, and
//! errors have the real bodies. Faults can be injected.
//!
//! How the parts fit:
//! - [`FakeServer`] starts the server and is the test's handle on it
//!   (dropping it stops the server).
//! - [`Options`] sets the seed, the clock, the history and the rate limit.
//! - [`Fault`]/[`FaultKind`] describe injected failures, [`RequestLog`]
//!   what was requested.
//!
//! # Example
//!
//! ```
//! use fake_gocardless_pro::{FakeServer, Options};
//!
//! let server = FakeServer::start(Options::default());
//! let resp = reqwest::blocking::Client::new()
//!     .get(format!("{}/payouts?limit=2", server.base_url()))
//!     .bearer_auth(server.access_token())
//!     .header("GoCardless-Version", "2015-07-06")
//!     .send()
//!     .unwrap();
//! assert_eq!(resp.status(), 200);
//! assert!(resp.headers().contains_key("ratelimit-remaining"));
//! let body: serde_json::Value = resp.json().unwrap();
//! assert_eq!(body["payouts"].as_array().unwrap().len(), 2);
//! assert_eq!(server.count("GET", "/payouts"), 1);
//!
//! // Over the weekend today's pending payouts are paid, and Monday's appear.
//! server.advance(chrono::Duration::days(3));
//! ```

mod data;
mod errors;
mod generate;
mod options;
mod server;
mod state;

use std::io;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use options::{Fault, FaultKind, Options, RequestLog};

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
        let server = fake_http::Server::start(addr, "fake-gocardless-pro", Fake(shared.clone()))?;
        Ok(FakeServer { shared, server })
    }

    /// `http://127.0.0.1:PORT`, the API root.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The access token the server accepts (`Authorization: Bearer …`).
    pub fn access_token(&self) -> String {
        self.shared.lock().token.clone()
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lock().now
    }

    /// Moves the fake clock forward: pending payouts whose arrival date is
    /// reached are paid, the new days' payouts appear.
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.lock().now += by;
    }

    /// Sets the fake clock (never before the days already generated: past
    /// payouts stay).
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.lock().now = t;
    }

    /// The creditors' ids.
    pub fn creditor_ids(&self) -> Vec<String> {
        self.shared.lock().creditor_ids()
    }

    /// The ids of the payouts created by now, newest first, as listed.
    pub fn payout_ids(&self) -> Vec<String> {
        self.shared.lock().payout_ids()
    }

    /// How many requests with this method have a path starting with
    /// `path_prefix`, e.g. `count("GET", "/payout_items")`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    /// Every request seen since start or the last [`FakeServer::reset_counters`],
    /// logged on arrival (status 0 until answered, and for a dropped one).
    pub fn requests(&self) -> Vec<RequestLog> {
        self.shared.lock().log.clone()
    }

    /// Forgets the requests seen so far.
    pub fn reset_counters(&self) {
        self.shared.lock().reset_log();
    }

    /// Arms a fault for the coming requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().inject(fault);
    }

    /// Disarms every fault not yet spent.
    pub fn clear_faults(&self) {
        self.shared.lock().clear_faults();
    }
}
