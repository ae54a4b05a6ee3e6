//! Set-up shared by the tests.

use std::time::Duration;

use fake_gocardless_pro::{FakeServer, Options};
use gocardless_pro::{Client, ClientBuilder, Environment, RetryPolicy, Secret};

/// Retries fast enough for tests; the counts, not the times, are checked.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_total: Duration::from_secs(20),
        max_api_wait: Duration::from_secs(3),
    }
}

pub fn server() -> FakeServer {
    FakeServer::start(Options::default())
}

/// A client builder pointed at the server, with its token and fast retries.
pub fn builder(server: &FakeServer) -> ClientBuilder {
    Client::builder(Secret::new(server.access_token()), Environment::Sandbox)
        .base_url(&server.base_url())
        .retry(fast_retry())
        .timeouts(Duration::from_secs(5), Duration::from_secs(20))
}

pub fn client(server: &FakeServer) -> Client {
    builder(server)
        .build()
        .expect("a client for the fake server")
}
