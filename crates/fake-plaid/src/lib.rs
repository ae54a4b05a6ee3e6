//! A stateful fake of Plaid's API (version 2020-09-14), over real HTTP on
//! 127.0.0.1, for the tests of the Plaid client and of the importer.
//!
//! It keeps state like the real service: keys every request must carry
//! (`PLAID-CLIENT-ID`/`PLAID-SECRET` headers or `client_id`/`secret` in the
//! body), Link tokens, public tokens exchanged once within 30 minutes for
//! an access token, Items with accounts (checking, savings, credit card,
//! student loan) whose transactions come from the seed, and a clock the
//! test moves. `/transactions/sync` serves a log of updates with cursors
//! and pages: as the clock passes midnight yesterday's pending purchases
//! post (`removed` under the pending id, `added` under a new id with
//! `pending_transaction_id`, restaurants and rides with a tip added), and a
//! day later some posted purchases get their merchant (`modified`).
//!
//! Switches a test needs: `ITEM_LOGIN_REQUIRED` per Item
//! ([`FakeServer::require_login`], cleared by [`FakeServer::reauthenticate`]
//! or by finishing Link in update mode, [`FakeServer::complete_link`]);
//! `NOT_READY` for a new Item's first syncs ([`Options::not_ready_calls`]);
//! data changing between pages, answered once with
//! `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`
//! ([`Options::mutate_during_pagination`]); the balance limit of 5 calls a
//! minute per Item on the fake clock; secrets echoed in errors
//! ([`Options::echo_secrets`]); and injected faults ([`Fault`]: a status,
//! a Plaid error, a 429, a slow answer, a malformed body, a dropped
//! connection). Every request is logged ([`FakeServer::count`],
//! [`FakeServer::requests`]).
//!
//! # Example
//!
//! ```
//! use fake_plaid::{FakeServer, Options};
//!
//! let server = FakeServer::start(Options::default());
//! let public_token = server.new_public_token();
//! let http = reqwest::blocking::Client::new();
//! let exchanged: serde_json::Value = http
//!     .post(format!("{}/item/public_token/exchange", server.base_url()))
//!     .header("PLAID-CLIENT-ID", server.client_id())
//!     .header("PLAID-SECRET", server.secret())
//!     .json(&serde_json::json!({ "public_token": public_token }))
//!     .send().unwrap()
//!     .json().unwrap();
//! assert!(exchanged["access_token"].as_str().unwrap().starts_with("access-sandbox-"));
//! assert_eq!(server.count("POST", "/item/public_token/exchange"), 1);
//!
//! // Tomorrow today's pending purchases post under new ids.
//! server.advance(chrono::Duration::days(1));
//! ```

mod errors;
mod generate;
mod options;
mod server;
mod state;

use std::io;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use options::{AccountKind, Fault, FaultKind, Options, RequestLog};

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
        let server = fake_http::Server::start(addr, "fake-plaid", Fake(shared.clone()))?;
        Ok(FakeServer { shared, server })
    }

    /// `http://127.0.0.1:PORT`, the API root (Plaid's paths hang from the
    /// root, like `https://sandbox.plaid.com/transactions/sync`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The client id every request must carry.
    pub fn client_id(&self) -> String {
        self.shared.lock().client_id.clone()
    }

    /// The secret every request must carry.
    pub fn secret(&self) -> String {
        self.shared.lock().secret.clone()
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lock().now
    }

    /// Moves the fake clock forward: past midnight, pending purchases post
    /// and new transactions appear; the balance limit's minute passes.
    pub fn advance(&self, by: chrono::Duration) {
        self.shared.lock().now += by;
    }

    /// Sets the fake clock.
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.lock().now = t;
    }

    /// How many requests with this method have a path starting with
    /// `path_prefix`, e.g. `count("POST", "/transactions/sync")`.
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

    /// Forgets the requests seen so far.
    pub fn reset_counters(&self) {
        self.shared.lock().log.clear();
    }

    /// Arms a fault for the coming requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().inject(fault);
    }

    /// The next request for a page after the first changes the Item's data
    /// first, so that it is answered
    /// `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` (once).
    pub fn mutate_during_pagination(&self) {
        self.shared.lock().arm_mutation();
    }

    /// A new Item, as `/sandbox/public_token/create` makes one, and its
    /// public token (exchangeable once, within 30 minutes of the clock).
    pub fn new_public_token(&self) -> String {
        let mut state = self.shared.lock();
        let days = state.opts.history_days;
        let item = state.create_item("ins_109508", days);
        state.public_token_for(item)
    }

    /// What the user finishing Plaid Link opened with `link_token` does: a
    /// new Item, or in update mode the Item logged in again; returns the
    /// public token Link gives. `None` for an unknown or expired token.
    pub fn complete_link(&self, link_token: &str) -> Option<String> {
        self.shared.lock().complete_link(link_token)
    }

    /// Every Item's id, oldest first.
    pub fn item_ids(&self) -> Vec<String> {
        self.shared.lock().item_ids()
    }

    /// An Item's access token.
    pub fn access_token(&self, item_id: &str) -> Option<String> {
        self.shared
            .lock()
            .item_mut(item_id)
            .map(|i| i.access_token.clone())
    }

    /// An Item's account ids, in the order of [`Options::accounts`].
    pub fn account_ids(&self, item_id: &str) -> Vec<String> {
        self.shared
            .lock()
            .item_mut(item_id)
            .map(|i| i.accounts.iter().map(|a| a.id.clone()).collect())
            .unwrap_or_default()
    }

    /// The Item's user must log in again: its reads (but `/item/get`, which
    /// reports it) answer `ITEM_LOGIN_REQUIRED`.
    pub fn require_login(&self, item_id: &str) {
        if let Some(i) = self.shared.lock().item_mut(item_id) {
            i.login_required = true;
        }
    }

    /// The Item's user logged in again (in Link's update mode): the error
    /// is gone; the access token is unchanged.
    pub fn reauthenticate(&self, item_id: &str) {
        if let Some(i) = self.shared.lock().item_mut(item_id) {
            i.login_required = false;
        }
    }

    /// Renames a transaction (a `modified` update); whether it exists.
    pub fn modify_transaction(&self, item_id: &str, transaction_id: &str, name: &str) -> bool {
        let mut state = self.shared.lock();
        let Some(i) = state.item_index(item_id) else {
            return false;
        };
        state.catch_up_item(i);
        state.item_mut(item_id).is_some_and(|item| {
            item.ledger
                .modify(transaction_id, |t| t.name = name.to_owned())
        })
    }

    /// An Item's transactions as they stand now, as `/transactions/sync`
    /// sends them, by date then id.
    pub fn transactions(&self, item_id: &str) -> Vec<serde_json::Value> {
        let mut state = self.shared.lock();
        let Some(i) = state.item_index(item_id) else {
            return Vec::new();
        };
        state.catch_up_item(i);
        let mut all: Vec<_> = state
            .item_mut(item_id)
            .map(|item| item.ledger.current.values().cloned().collect())
            .unwrap_or_default();
        all.sort_by(|a: &state::Txn, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        all.iter().map(|t| t.json(false)).collect()
    }
}
