//! The HTTP client: configuration, authentication, retries, redaction.
//! The operations themselves are in `operations.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use reqwest::blocking::{Client as Http, Response};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::error::{Operation, body_start};
use crate::{Error, IdempotencyKey, RetryPolicy, Secret};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.codat.io";

/// How [`Client::wait_for_push`] polls: the interval grows by half each
/// time up to `max_interval`, and polling stops after `max_polls` polls or
/// once `max_total` has passed, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// The wait before the second poll (the first is immediate).
    pub first_interval: Duration,
    /// The longest wait between polls.
    pub max_interval: Duration,
    /// Polls in all.
    pub max_polls: u32,
    /// No poll starts after this much time since the first.
    pub max_total: Duration,
}

impl Default for PollPolicy {
    /// 2 s, growing to 30 s, for at most 20 minutes (Xero may keep a push
    /// `Pending` for a while).
    fn default() -> PollPolicy {
        PollPolicy {
            first_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            max_polls: 100,
            max_total: Duration::from_secs(20 * 60),
        }
    }
}

impl PollPolicy {
    /// The wait after poll number `poll` (1-based).
    pub(crate) fn interval(&self, poll: u32) -> Duration {
        let factor = 1.5f64.powi(poll.saturating_sub(1).min(32) as i32);
        self.first_interval.mul_f64(factor).min(self.max_interval)
    }
}

/// A client of Codat's Bank Feeds API.
///
/// Cheap to clone (clones share the connection pool) and usable from
/// several threads at once.
///
/// ```no_run
/// use codat::{Client, Secret};
/// let client = Client::builder(Secret::new("my-api-key")).build()?;
/// let company = client.company("8a210b68-6988-11ed-a1eb-0242ac120002")?;
/// println!("{}", company.name);
/// # Ok::<(), codat::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: Http,
    pub(crate) base: Url,
    /// `Basic <base64 of the key>`, the header Codat documents.
    authorization: Secret,
    /// Every form in which the key could come back in server text.
    redact: Redactor,
    pub(crate) retry: RetryPolicy,
    pub(crate) poll: PollPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("api_key", &self.inner.authorization)
            .field("retry", &self.inner.retry)
            .field("poll", &self.inner.poll)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]. See [`Client::builder`].
pub struct ClientBuilder {
    api_key: Secret,
    base_url: String,
    connect_timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    poll: PollPolicy,
    user_agent: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client with an API key from the Codat Portal
    /// (Developers → API keys), as it is shown there (not base64-encoded:
    /// the client encodes it).
    pub fn builder(api_key: Secret) -> ClientBuilder {
        ClientBuilder {
            api_key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }
}

impl ClientBuilder {
    /// The API root, default [`DEFAULT_BASE_URL`]; checked by
    /// [`source::base_url`] (plain `http` only to loopback hosts).
    pub fn base_url(mut self, url: &str) -> ClientBuilder {
        self.base_url = url.trim().to_owned();
        self
    }

    /// The connect timeout and the timeout of a whole request (default
    /// 10 s and 60 s).
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

    /// How push operations are polled (see [`PollPolicy`]).
    pub fn poll(mut self, policy: PollPolicy) -> ClientBuilder {
        self.poll = policy;
        self
    }

    /// The `User-Agent` header (default `gc-beancount/<version>`).
    pub fn user_agent(mut self, user_agent: &str) -> ClientBuilder {
        self.user_agent = user_agent.to_owned();
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an unusable base URL or an empty key.
    pub fn build(self) -> Result<Client, Error> {
        let base = source::base_url(&self.base_url).map_err(|e| Error::InvalidConfig {
            message: e.to_string(),
        })?;
        let key = self.api_key.expose().trim();
        if key.is_empty() {
            return Err(Error::InvalidConfig {
                message: "the API key is empty; create one in the Codat Portal under \
                          Developers → API keys"
                    .to_owned(),
            });
        }
        let encoded = STANDARD.encode(key);
        let authorization = Secret::new(format!("Basic {encoded}"));
        let redact = Redactor::new(&[key.to_owned(), encoded, STANDARD_NO_PAD.encode(key)]);
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
                authorization,
                redact,
                retry: self.retry,
                poll: self.poll,
            }),
        })
    }
}

/// Replaces every form of the API key in server text by `[redacted]`.
struct Redactor {
    /// Longest first, so that a form containing another goes whole.
    needles: Vec<String>,
}

impl Redactor {
    fn new(forms: &[String]) -> Redactor {
        let mut needles: Vec<String> = forms.iter().filter(|s| !s.is_empty()).cloned().collect();
        needles.sort_by_key(|s| std::cmp::Reverse(s.len()));
        needles.dedup();
        Redactor { needles }
    }

    fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), "[redacted]");
            }
        }
        out
    }
}

/// A request to send.
pub(crate) struct Request<'a> {
    pub(crate) op: &'a Operation,
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// The JSON body, serialised once so every retry sends the same bytes
    /// (a different body under the same key would be refused).
    pub(crate) body: Option<String>,
    /// Makes a POST or PATCH safe to repeat.
    pub(crate) key: Option<&'a IdempotencyKey>,
}

/// What a single attempt gave.
enum Attempt {
    Answer {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
    Failed {
        error: Error,
        connect: bool,
    },
}

impl Client {
    /// The base URL joined with path segments, each percent-encoded, so an
    /// id cannot change the path.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .expect("the base URL was checked to be a base");
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    /// Sends a request with retries and back-off; the body of a successful
    /// answer.
    ///
    /// What is retried is what the API declares (408, 429, 5xx, connection
    /// errors), and only when repeating is safe: a GET, or a POST/PATCH
    /// carrying an Idempotency-Key, which every write of this client does.
    pub(crate) fn send(&self, req: &Request<'_>) -> Result<(u16, String), Error> {
        let policy = self.inner.retry;
        let start = Instant::now();
        let safe = req.method == Method::GET || req.key.is_some();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (error, delay) = match self.attempt(req) {
                Attempt::Answer { status, body, .. } if (200..300).contains(&status) => {
                    return Ok((status, body));
                }
                Attempt::Answer {
                    status,
                    body,
                    retry_after,
                } => {
                    let error = Error::from_response(
                        req.op.clone(),
                        status,
                        &body,
                        retry_after,
                        req.key.map(IdempotencyKey::as_str),
                        &|s| self.inner.redact.apply(s),
                    );
                    // A push's 409 means the same key is still in progress.
                    let in_progress = status == 409
                        && req.key.is_some()
                        && req.method == Method::POST
                        && req.op.name == crate::operations::PUSH;
                    let declared = matches!(status, 408 | 429 | 500..=599) || in_progress;
                    let refused = error.api_message().is_some_and(|m| m.retry_refused());
                    if !declared || !safe || refused {
                        return Err(error);
                    }
                    match retry_after.filter(|_| status == 429) {
                        // Longer than allowed: the caller decides, at once.
                        Some(wait) if wait > policy.max_api_wait => return Err(error),
                        Some(wait) => (error, Some(wait)),
                        None => (error, None),
                    }
                }
                Attempt::Failed { error, connect } => {
                    // A request that never left may always be sent again.
                    if !(safe || connect) {
                        return Err(error);
                    }
                    (error, None)
                }
            };
            if attempt >= policy.max_attempts {
                return Err(error);
            }
            let delay = match delay {
                // The server's wait is honoured as is (bounded above).
                Some(wait) => wait,
                None => {
                    let d = policy.backoff(attempt);
                    if start.elapsed() + d > policy.max_total {
                        return Err(error);
                    }
                    d
                }
            };
            tracing::debug!(op = %req.op, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            std::thread::sleep(delay);
        }
    }

    fn attempt(&self, req: &Request<'_>) -> Attempt {
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), req.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::AUTHORIZATION,
                self.inner.authorization.expose(),
            );
        if let Some(key) = req.key {
            builder = builder.header("Idempotency-Key", key.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        let response = match builder.send() {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed {
                    connect: e.is_connect(),
                    error: self.transport_error(req.op, &e),
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        // The path holds ids, never the key (which goes in a header).
        tracing::debug!(
            op = %req.op,
            method = %req.method,
            path = req.url.path(),
            status,
            ms = started.elapsed().as_millis() as u64,
            "Codat answered"
        );
        match response.text() {
            Ok(body) => Attempt::Answer {
                status,
                body,
                retry_after,
            },
            Err(e) => Attempt::Failed {
                connect: false,
                error: self.transport_error(req.op, &e),
            },
        }
    }

    /// Sends and parses the JSON answer.
    pub(crate) fn fetch<T: DeserializeOwned>(&self, req: &Request<'_>) -> Result<T, Error> {
        let (status, body) = self.send(req)?;
        serde_json::from_str(&body).map_err(|e| Error::Malformed {
            op: req.op.clone(),
            status,
            reason: self.inner.redact.apply(&e.to_string()),
            body_start: self.inner.redact.apply(&body_start(&body)),
        })
    }

    fn transport_error(&self, op: &Operation, e: &reqwest::Error) -> Error {
        // reqwest's message names the URL, which carries no secret; the
        // source chain says what actually failed.
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        let reason = self.inner.redact.apply(&reason);
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
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
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
    fn redacts_every_form_longest_first() {
        let r = Redactor::new(&["key1".into(), "a2V5MQ==".into(), "a2V5MQ".into()]);
        assert_eq!(
            r.apply("Basic a2V5MQ== or a2V5MQ or key1"),
            "Basic [redacted] or [redacted] or [redacted]"
        );
    }

    #[test]
    fn poll_intervals_grow_and_are_capped() {
        let p = PollPolicy {
            first_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(5),
            ..PollPolicy::default()
        };
        assert_eq!(p.interval(1), Duration::from_secs(2));
        assert_eq!(p.interval(2), Duration::from_secs(3));
        assert_eq!(p.interval(3), Duration::from_millis(4500));
        assert_eq!(p.interval(4), Duration::from_secs(5));
        assert_eq!(p.interval(400), Duration::from_secs(5));
    }
}
