//! The HTTP client: configuration, the headers every request carries,
//! retries and back-off. The operations are in `operations.rs`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::blocking::Client as Http;

use crate::error::{Operation, body_start, redact};
use crate::{Error, RateLimit, RetryPolicy, Secret};

/// The API version this client speaks (the `GoCardless-Version` header).
pub const API_VERSION: &str = "2015-07-06";

/// The most items a list page may hold (the API's limit).
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which GoCardless the access token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `https://api-sandbox.gocardless.com`, for test accounts.
    Sandbox,
    /// `https://api.gocardless.com`, for real money.
    Live,
}

impl Environment {
    /// The API root of this environment.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Sandbox => "https://api-sandbox.gocardless.com",
            Environment::Live => "https://api.gocardless.com",
        }
    }

    /// `sandbox` or `live`, as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Live => "live",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = Error;

    /// `sandbox` or `live`, case-insensitively.
    fn from_str(s: &str) -> Result<Environment, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Environment::Sandbox),
            "live" => Ok(Environment::Live),
            _ => Err(Error::InvalidConfig {
                message: format!("environment {s:?} is neither \"sandbox\" nor \"live\""),
            }),
        }
    }
}

/// A client of the GoCardless Pro API.
///
/// Cheap to clone (clones share the connection pool) and usable from
/// several threads at once. Every operation is a `GET`, retried on
/// connection failures, timeouts, unreadable answers and 5xx with the
/// [`RetryPolicy`]'s back-off, and on a 429 after waiting until
/// `ratelimit-reset` when that is at most the policy's `max_api_wait`.
///
/// ```no_run
/// use gocardless_pro::{Client, Environment, PayoutFilter, Secret};
/// let client = Client::builder(Secret::new("live_…"), Environment::Live).build()?;
/// let since = "2026-11-01T00:00:00Z".parse().unwrap();
/// for payout in client.payouts(&PayoutFilter::created_since(since)) {
///     let payout = payout?;
///     let items = client.payout_items(&payout.id).collect::<Result<Vec<_>, _>>()?;
///     println!("{} {} {}: {} items", payout.id, payout.amount, payout.currency, items.len());
/// }
/// # Ok::<(), gocardless_pro::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: Http,
    base: Url,
    environment: Environment,
    token: Secret,
    retry: RetryPolicy,
    pub(crate) page_size: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("environment", &self.inner.environment)
            .field("access_token", &self.inner.token)
            .field("retry", &self.inner.retry)
            .field("page_size", &self.inner.page_size)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]. See [`Client::builder`].
pub struct ClientBuilder {
    token: Secret,
    environment: Environment,
    base_url: Option<String>,
    connect_timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    page_size: u32,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("access_token", &self.token)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client with an access token of `environment`
    /// (dashboard → Developers → Create → Access token; read-only is enough).
    pub fn builder(access_token: Secret, environment: Environment) -> ClientBuilder {
        ClientBuilder {
            token: Secret::new(access_token.expose().trim()),
            environment,
            base_url: None,
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The environment the client was configured for.
    pub fn environment(&self) -> Environment {
        self.inner.environment
    }
}

impl ClientBuilder {
    /// Another API root than the environment's (a proxy, a fake server).
    /// Checked by [`source::base_url`]: https, or plain http to loopback.
    pub fn base_url(mut self, url: &str) -> ClientBuilder {
        self.base_url = Some(url.trim().to_owned());
        self
    }

    /// The connect timeout and the timeout of a whole request (default 10 s
    /// and 60 s).
    pub fn timeouts(mut self, connect: Duration, total: Duration) -> ClientBuilder {
        self.connect_timeout = connect;
        self.total_timeout = total;
        self
    }

    /// How failed requests are retried (see [`RetryPolicy`]).
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header (default `gc-beancount/<version>`).
    pub fn user_agent(mut self, user_agent: &str) -> ClientBuilder {
        self.user_agent = user_agent.to_owned();
        self
    }

    /// Records per list page, 1 to [`MAX_PAGE_SIZE`] (the default: the
    /// fewest requests).
    pub fn page_size(mut self, size: u32) -> ClientBuilder {
        self.page_size = size;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an unusable base URL, an empty access
    /// token, or a page size out of range.
    pub fn build(self) -> Result<Client, Error> {
        let url = self
            .base_url
            .as_deref()
            .unwrap_or(self.environment.base_url());
        let base = source::base_url(url).map_err(|e| Error::InvalidConfig {
            message: e.to_string(),
        })?;
        if self.token.is_empty() {
            return Err(Error::InvalidConfig {
                message: "the access token is empty; create one in the GoCardless dashboard \
                          under Developers → Create → Access token"
                    .to_owned(),
            });
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::InvalidConfig {
                message: format!(
                    "page size {} is out of range: 1 to {MAX_PAGE_SIZE}",
                    self.page_size
                ),
            });
        }
        let http = Http::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.total_timeout)
            .user_agent(self.user_agent)
            .https_only(base.scheme() == "https")
            .build()
            .map_err(|e| Error::InvalidConfig {
                message: format!("cannot create the HTTP client: {e}"),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                environment: self.environment,
                token: self.token,
                retry: self.retry,
                page_size: self.page_size,
            }),
        })
    }
}

/// What one attempt gave.
enum Attempt<T> {
    Done(T),
    Failed(Error),
}

impl Client {
    /// The base URL joined with path segments (each percent-encoded).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("the base URL was checked to be a base")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// GETs `url` and reads a successful answer with `read`, retrying
    /// what the official clients retry (and 5xx, and short 429s).
    pub(crate) fn get<T>(
        &self,
        op: &Operation,
        url: &Url,
        read: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, Error> {
        let policy = self.inner.retry;
        let start = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let error = match self.attempt(op, url, &read) {
                Attempt::Done(value) => return Ok(value),
                Attempt::Failed(error) => error,
            };
            if attempt >= policy.max_attempts {
                return Err(error);
            }
            let wait = match &error {
                Error::RateLimited {
                    retry_after: Some(wait),
                    ..
                } if *wait <= policy.max_api_wait => {
                    tracing::info!(op = %op, wait_s = wait.as_secs(), "GoCardless rate limit; waiting");
                    *wait
                }
                e if e.is_transient() && !matches!(e, Error::RateLimited { .. }) => {
                    let delay = policy.backoff(attempt);
                    if start.elapsed() + delay > policy.max_total {
                        return Err(error);
                    }
                    tracing::debug!(op = %op, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
                    delay
                }
                _ => return Err(error),
            };
            std::thread::sleep(wait);
        }
    }

    fn attempt<T>(
        &self,
        op: &Operation,
        url: &Url,
        read: &impl Fn(&str) -> Result<T, String>,
    ) -> Attempt<T> {
        let token = &self.inner.token;
        let started = Instant::now();
        let sent = self
            .inner
            .http
            .get(url.clone())
            .bearer_auth(token.expose())
            .header("GoCardless-Version", API_VERSION)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .send();
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(transport_error(op, &e, token)),
        };
        let status = response.status().as_u16();
        let rate_limit = RateLimit::from_headers(
            response
                .headers()
                .iter()
                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))),
        );
        // The URL holds ids, filters and cursors, never the token.
        tracing::debug!(
            op = %op,
            path = url.path(),
            query = url.query().unwrap_or(""),
            status,
            remaining = rate_limit.remaining,
            ms = started.elapsed().as_millis() as u64,
            "GoCardless answered"
        );
        let body = match response.text() {
            Ok(body) => body,
            Err(e) => return Attempt::Failed(transport_error(op, &e, token)),
        };
        if !(200..300).contains(&status) {
            return Attempt::Failed(Error::from_response(
                op.clone(),
                status,
                &body,
                rate_limit,
                token,
            ));
        }
        match read(&body) {
            Ok(value) => Attempt::Done(value),
            Err(reason) => Attempt::Failed(Error::Malformed {
                op: op.clone(),
                status,
                reason: redact(&reason, token),
                body_start: body_start(&body, token),
            }),
        }
    }
}

fn transport_error(op: &Operation, e: &reqwest::Error, token: &Secret) -> Error {
    // reqwest's message names the URL, which carries no secret; the source
    // chain says what actually failed.
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    let reason = redact(&reason, token);
    if e.is_timeout() {
        Error::Timeout {
            op: op.clone(),
            reason,
        }
    } else {
        Error::Connection {
            op: op.clone(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_shareable_between_threads() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<Client>();
    }

    #[test]
    fn configuration_is_checked_and_the_token_never_shown() {
        let token = Secret::new("live_SECRETTOKEN");
        let client = Client::builder(token.clone(), Environment::Live)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://api.gocardless.com/");
        let sandbox = Client::builder(token.clone(), Environment::Sandbox)
            .build()
            .unwrap();
        assert_eq!(sandbox.base_url(), "https://api-sandbox.gocardless.com/");
        let shown = format!(
            "{client:?} {:?}",
            Client::builder(token.clone(), Environment::Live)
        );
        assert!(!shown.contains("SECRETTOKEN"), "{shown}");
        for bad in [
            Client::builder(token.clone(), Environment::Live).base_url("http://api.example.com"),
            Client::builder(Secret::new("  "), Environment::Live),
            Client::builder(token.clone(), Environment::Live).page_size(501),
            Client::builder(token.clone(), Environment::Live).page_size(0),
        ] {
            let e = bad.build().unwrap_err();
            assert!(matches!(e, Error::InvalidConfig { .. }), "{e}");
        }
        assert_eq!(
            "Sandbox".parse::<Environment>().unwrap(),
            Environment::Sandbox
        );
        assert!("prod".parse::<Environment>().is_err());
    }
}
