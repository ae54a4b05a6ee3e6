//! Shared set-up: a fake server, a clock moved with it, the test key in a
//! file only its owner may read, and the link flow.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use enablebanking::{
    AspspId, AuthRequest, AuthorizedSession, Client, ClientBuilder, ManualClock, PrivateKey,
    RetryPolicy,
};
use fake_enablebanking::{FakeServer, Options, keys};

/// The redirect URL registered with the fake's application.
pub const REDIRECT: &str = "http://127.0.0.1:8765/callback";

/// Retries fast enough for tests; counts, not times, are checked.
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
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
}

impl Fake {
    pub fn start(opts: Options) -> Fake {
        let server = FakeServer::start(opts);
        let clock = ManualClock::new(server.now());
        Fake {
            server,
            clock,
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub fn default() -> Fake {
        Fake::start(Options::default())
    }

    /// Writes `pem` to a file of mode `mode`.
    pub fn key_file(&self, name: &str, pem: &str, mode: u32) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, pem).expect("write the key");
        set_mode(&path, mode);
        path
    }

    pub fn key(&self) -> PrivateKey {
        let path = self.key_file("app.pem", keys::APPLICATION_PRIVATE_KEY, 0o600);
        PrivateKey::from_file(&path).expect("the test key loads")
    }

    /// A builder pointed at the server with the shared clock, fast retries
    /// and short timeouts.
    pub fn builder_with(&self, key: PrivateKey) -> ClientBuilder {
        Client::builder(self.server.application_id(), key)
            .base_url(&self.server.base_url())
            .clock(Arc::new(self.clock.clone()))
            .retry(fast_retry())
            .timeouts(Duration::from_secs(5), Duration::from_secs(20))
    }

    pub fn builder(&self) -> ClientBuilder {
        self.builder_with(self.key())
    }

    pub fn client(&self) -> Client {
        self.builder().build().expect("a client for the fake")
    }

    /// Moves the server's clock and the client's together.
    pub fn advance(&self, by: chrono::Duration) {
        self.server.advance(by);
        self.clock.advance(by);
    }

    pub fn today(&self) -> NaiveDate {
        self.server.now().date_naive()
    }

    /// The first day of the bank's 90-day window.
    pub fn earliest(&self) -> NaiveDate {
        self.today() - Days::new(89)
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.server.count(method, path)
    }

    /// Starts an authorisation at `bank` valid for `days`.
    pub fn auth_request(
        &self,
        bank: &str,
        country: &str,
        valid_for: chrono::Duration,
    ) -> AuthRequest {
        AuthRequest::new(
            AspspId::new(bank, country),
            self.server.now() + valid_for,
            REDIRECT.parse().unwrap(),
            "state-1234",
        )
    }

    /// The whole link flow at `bank`: `POST /auth`, the bank's redirect,
    /// `POST /sessions`.
    pub fn link(
        &self,
        client: &Client,
        bank: &str,
        valid_for: chrono::Duration,
    ) -> AuthorizedSession {
        let start = client
            .start_authorization(&self.auth_request(bank, "FI", valid_for))
            .expect("POST /auth");
        let (code, state) = follow(start.url.as_str());
        assert_eq!(state, "state-1234");
        client
            .create_session(&code.expect("a code"))
            .expect("POST /sessions")
    }
}

/// Follows the authorisation URL as the user's browser would, up to the
/// redirect back: the `code` (or `None` when denied) and `state`.
pub fn follow(url: &str) -> (Option<String>, String) {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().expect("the bank's page");
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let back = url::Url::parse(&location).unwrap();
    let param = |k: &str| {
        back.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    (param("code"), param("state").unwrap_or_default())
}

#[cfg(unix)]
pub fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
pub fn set_mode(_: &std::path::Path, _: u32) {}
