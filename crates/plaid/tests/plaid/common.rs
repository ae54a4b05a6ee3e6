//! Shared set-up: a fake server and a client pointed at it.

use std::time::Duration;

use fake_plaid::{FakeServer, Options};
use plaid::{Client, ClientBuilder, ItemAccess, RetryPolicy, Secret};

/// Retries fast enough for tests; the counts, not the times, are checked.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_total: Duration::from_secs(20),
        max_api_wait: Duration::from_secs(2),
    }
}

pub struct Fake {
    pub server: FakeServer,
}

impl Fake {
    pub fn start(opts: Options) -> Fake {
        Fake {
            server: FakeServer::start(opts),
        }
    }

    pub fn default() -> Fake {
        Fake::start(Options::default())
    }

    /// A client builder pointed at the server, with fast retries.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder(
            Secret::new(self.server.client_id()),
            Secret::new(self.server.secret()),
        )
        .base_url(&self.server.base_url())
        .retry(fast_retry())
        .timeouts(Duration::from_secs(5), Duration::from_secs(20))
        .source_name("bank")
    }

    pub fn client(&self) -> Client {
        self.builder()
            .build()
            .expect("a client for the fake server")
    }

    /// A new Item, linked the way the CLI's `--public-token` does it.
    pub fn item(&self, client: &Client) -> ItemAccess {
        let public = Secret::new(self.server.new_public_token());
        client.exchange_public_token(&public).expect("exchange")
    }

    pub fn count(&self, path: &str) -> usize {
        self.server.count("POST", path)
    }
}

/// A one-off server answering every request with `answer(n)` for the
/// n-th request (from 0), for answers the fake does not give; and a
/// client of it without retries unless `retry` says.
pub fn serve(
    retry: RetryPolicy,
    answer: impl Fn(usize) -> fake_http::Resp + Send + Sync + 'static,
) -> (
    fake_http::Server,
    Client,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let server =
        fake_http::Server::start("127.0.0.1:0", "plaid-test", move |_: &fake_http::Req| {
            Some(answer(counter.fetch_add(1, Ordering::SeqCst)))
        })
        .unwrap();
    let client = Client::builder(Secret::new("client-id-0001"), Secret::new("secret-0002"))
        .base_url(&format!("http://127.0.0.1:{}", server.port()))
        .retry(retry)
        .timeouts(Duration::from_secs(5), Duration::from_secs(20))
        .source_name("bank")
        .build()
        .unwrap();
    (server, client, seen)
}

/// An Item access for [`serve`]'s client.
pub fn some_item() -> ItemAccess {
    ItemAccess::new(Secret::new("access-sandbox-0003")).with_item_id("item-0004")
}
