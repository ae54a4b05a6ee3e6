//! Shared set-up of the tests against the fake server.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use fake_gocardless::{FakeServer, Options};
use gocardless::{Client, ClientBuilder, ManualClock, RetryPolicy, Secret};

/// Retries fast enough for tests; the counts, not the times, are checked.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_total: Duration::from_secs(20),
        max_api_wait: Duration::from_secs(2),
    }
}

/// A fake server and a clock that starts at the server's time; move both
/// with [`Fake::advance`].
pub struct Fake {
    pub server: FakeServer,
    pub clock: ManualClock,
}

impl Fake {
    pub fn start(opts: Options) -> Fake {
        let server = FakeServer::start(opts);
        let clock = ManualClock::new(server.now());
        Fake { server, clock }
    }

    pub fn default() -> Fake {
        Fake::start(Options::default())
    }

    /// A client builder pointed at the server, with the shared clock and
    /// fast retries.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder(
            self.server.secret_id(),
            Secret::new(self.server.secret_key()),
        )
        .base_url(&self.server.base_url())
        .clock(Arc::new(self.clock.clone()))
        .retry(fast_retry())
        .token_retry(fast_retry())
        .timeouts(Duration::from_secs(5), Duration::from_secs(20))
    }

    pub fn client(&self) -> Client {
        self.builder()
            .build()
            .expect("a client for the fake server")
    }

    /// Moves the server's clock and the client's together.
    pub fn advance(&self, by: chrono::Duration) {
        self.server.advance(by);
        self.clock.advance(by);
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.server.count(method, path)
    }

    pub fn token_new(&self) -> usize {
        self.count("POST", "/api/v2/token/new/")
    }

    pub fn token_refresh(&self) -> usize {
        self.count("POST", "/api/v2/token/refresh/")
    }

    pub fn account(&self, i: usize) -> String {
        self.server.account_ids()[i].clone()
    }
}
