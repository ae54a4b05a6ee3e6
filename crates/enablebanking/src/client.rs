//! The HTTP client: configuration, the JWT, retries. The operations
//! themselves are in `operations.rs`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::blocking::Client as Http;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::error::{Operation, redact};
use crate::key::{Jwt, MAX_JWT_LIFETIME};
use source::Secret;

use crate::{Clock, Error, PrivateKey, RetryPolicy, SystemClock};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.enablebanking.com";

/// The JWT lifetime by default: an hour, as Enable Banking's samples use.
pub const DEFAULT_JWT_LIFETIME: Duration = Duration::from_secs(3600);

/// The most transaction pages followed by default (a bank that never stops
/// handing out continuation keys is cut off there).
pub const DEFAULT_MAX_PAGES: u32 = 100;

/// The headers that say a person is at the keyboard (`Psu-Ip-Address`,
/// `Psu-User-Agent`). Sent on data requests only when configured with
/// [`ClientBuilder::psu_present`]: a bank counts requests without them
/// against its daily limit of unattended access, and sending them from a
/// scheduler would misrepresent the user's presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsuHeaders {
    /// The user's IP address.
    pub ip_address: String,
    /// The user's user agent.
    pub user_agent: String,
}

/// A client of the Enable Banking API (account information).
///
/// Cheap to clone (clones share the connection pool and the JWT) and
/// usable from several threads at once.
///
/// ```no_run
/// use enablebanking::{Client, PrivateKey};
/// let key = PrivateKey::from_file("/home/me/.config/eb/app.pem".as_ref())?;
/// let client = Client::builder("aa9a3c7b-…", key).build()?;
/// for bank in client.aspsps(Some("FI"))? {
///     println!("{} ({} s)", bank.name, bank.maximum_consent_validity.unwrap_or(0));
/// }
/// # Ok::<(), enablebanking::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: Http,
    pub(crate) base: Url,
    application_id: String,
    key: PrivateKey,
    pub(crate) clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    jwt_lifetime: chrono::Duration,
    jwt_margin: chrono::Duration,
    jwt: Mutex<Option<Jwt>>,
    psu: Option<PsuHeaders>,
    pub(crate) max_pages: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("application_id", &self.inner.application_id)
            .field("key", &self.inner.key)
            .field("psu_present", &self.inner.psu.is_some())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]. See [`Client::builder`].
pub struct ClientBuilder {
    application_id: String,
    key: PrivateKey,
    base_url: String,
    clock: Arc<dyn Clock>,
    connect_timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    jwt_lifetime: Duration,
    psu: Option<PsuHeaders>,
    max_pages: u32,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("application_id", &self.application_id)
            .field("key", &self.key)
            .field("psu_present", &self.psu.is_some())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client for the application `application_id`
    /// (its id in the Enable Banking control panel, the JWT's `kid`)
    /// signing with its `key`.
    pub fn builder(application_id: impl Into<String>, key: PrivateKey) -> ClientBuilder {
        ClientBuilder {
            application_id: application_id.into().trim().to_owned(),
            key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            clock: Arc::new(SystemClock),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(90),
            retry: RetryPolicy::default(),
            user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
            jwt_lifetime: DEFAULT_JWT_LIFETIME,
            psu: None,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl ClientBuilder {
    /// The API root, default [`DEFAULT_BASE_URL`]. Plain `http` is accepted
    /// only for loopback hosts (tests, local fakes).
    pub fn base_url(mut self, url: &str) -> ClientBuilder {
        self.base_url = url.trim().to_owned();
        self
    }

    /// The clock that dates the JWTs (default: the system's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> ClientBuilder {
        self.clock = clock;
        self
    }

    /// The connect timeout and the timeout of a whole request (default 10 s
    /// and 90 s: the bank is asked while Enable Banking waits).
    pub fn timeouts(mut self, connect: Duration, total: Duration) -> ClientBuilder {
        self.connect_timeout = connect;
        self.total_timeout = total;
        self
    }

    /// How failed requests are retried (see [`RetryPolicy`]). Only reads
    /// (`GET`) are retried after an answer; `POST` and `DELETE` only when
    /// the connection failed before the request left.
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header (default `gc-beancount/<version>`).
    pub fn user_agent(mut self, user_agent: &str) -> ClientBuilder {
        self.user_agent = user_agent.to_owned();
        self
    }

    /// How long each JWT is valid (default an hour, at most a day); it is
    /// renewed a minute before it expires.
    pub fn jwt_lifetime(mut self, lifetime: Duration) -> ClientBuilder {
        self.jwt_lifetime = lifetime;
        self
    }

    /// A person runs this client: send these PSU headers on data requests.
    /// Never set it for unattended runs.
    pub fn psu_present(mut self, headers: PsuHeaders) -> ClientBuilder {
        self.psu = Some(headers);
        self
    }

    /// The most transaction pages followed (default [`DEFAULT_MAX_PAGES`]).
    pub fn max_pages(mut self, pages: u32) -> ClientBuilder {
        self.max_pages = pages.max(1);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] on an unusable base URL, an empty
    /// application id, or a JWT lifetime out of 2 minutes ..= 1 day.
    pub fn build(self) -> Result<Client, Error> {
        let config = |message: String| Error::InvalidConfig { message };
        let base = source::base_url(&self.base_url).map_err(|e| config(e.to_string()))?;
        if self.application_id.is_empty() {
            return Err(config(
                "the application id must not be empty; it is shown for the application in the \
                 Enable Banking control panel"
                    .to_owned(),
            ));
        }
        if self.jwt_lifetime > MAX_JWT_LIFETIME || self.jwt_lifetime < Duration::from_secs(120) {
            return Err(config(format!(
                "the JWT lifetime must be between 2 minutes and 1 day (Enable Banking refuses longer), not {} s",
                self.jwt_lifetime.as_secs()
            )));
        }
        let http = Http::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.total_timeout)
            .user_agent(self.user_agent)
            .https_only(base.scheme() == "https")
            // A redirect would carry the JWT elsewhere; the API never sends one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| config(format!("cannot create the HTTP client: {e}")))?;
        let lifetime = chrono::Duration::from_std(self.jwt_lifetime)
            .map_err(|_| config("the JWT lifetime is too long".to_owned()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                application_id: self.application_id,
                key: self.key,
                clock: self.clock,
                retry: self.retry,
                jwt_lifetime: lifetime,
                jwt_margin: chrono::Duration::seconds(60),
                jwt: Mutex::new(None),
                psu: self.psu,
                max_pages: self.max_pages,
            }),
        })
    }
}

/// A request to send: everything but the JWT.
pub(crate) struct Request<'a> {
    pub(crate) op: &'a Operation,
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<serde_json::Value>,
    /// Whether PSU headers apply (the data endpoints and session deletion).
    pub(crate) psu: bool,
    /// Secrets of this request (an authorisation code) to keep out of errors.
    pub(crate) secrets: &'a [&'a str],
}

/// A successful answer, before it is parsed.
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) body: String,
}

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
    /// The base URL joined with path segments, each percent-encoded.
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

    /// Sends a request with a JWT, retries and back-off; the body of a
    /// successful answer.
    pub(crate) fn send(&self, req: &Request<'_>) -> Result<Raw, Error> {
        let policy = self.inner.retry;
        let start = Instant::now();
        let read = req.method == Method::GET;
        let mut attempt: u32 = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            let jwt = self.jwt(req.op)?;
            let (error, retryable, wait) = match self.attempt(req, &jwt) {
                Attempt::Answer { status, body, .. } if (200..300).contains(&status) => {
                    return Ok(Raw { status, body });
                }
                Attempt::Answer {
                    status,
                    body,
                    retry_after,
                } => {
                    let mut secrets = req.secrets.to_vec();
                    secrets.push(jwt.expose());
                    let error = Error::from_response(req.op.clone(), status, &body, &secrets);
                    match error {
                        // A JWT judged expired by a clock ahead of ours: one
                        // fresh token, not counted as a failure.
                        Error::Unauthorized { .. } if !renewed => {
                            renewed = true;
                            self.forget_jwt();
                            attempt -= 1;
                            continue;
                        }
                        Error::RateLimited { .. } => {
                            let wait = retry_after.filter(|w| *w <= policy.max_api_wait);
                            (error, read, wait)
                        }
                        Error::Server { .. } => (error, read, None),
                        _ => return Err(error),
                    }
                }
                // A request whose connection failed after sending may have
                // been processed: only a read, or one that never left, is
                // sent again.
                Attempt::Failed { error, connect } => (error, read || connect, None),
            };
            if !retryable || attempt >= policy.max_attempts {
                return Err(error);
            }
            let delay = wait.unwrap_or_else(|| policy.backoff(attempt));
            if start.elapsed() + delay > policy.max_total {
                return Err(error);
            }
            tracing::debug!(op = %req.op, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            std::thread::sleep(delay);
        }
    }

    fn attempt(&self, req: &Request<'_>, jwt: &Secret) -> Attempt {
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), req.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .bearer_auth(jwt.expose());
        if req.psu
            && let Some(psu) = &self.inner.psu
        {
            builder = builder
                .header("Psu-Ip-Address", &psu.ip_address)
                .header("Psu-User-Agent", &psu.user_agent);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = match builder.send() {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed {
                    connect: e.is_connect(),
                    error: transport_error(req.op, &e),
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match response.text() {
            Ok(body) => Attempt::Answer {
                status,
                body,
                retry_after,
            },
            Err(e) => Attempt::Failed {
                connect: false,
                error: transport_error(req.op, &e),
            },
        }
    }

    /// The current JWT, signed anew when none is cached or it expires
    /// within a minute.
    fn jwt(&self, op: &Operation) -> Result<Secret, Error> {
        let now = self.inner.clock.now();
        let mut cached = self.inner.jwt.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(jwt) = cached.as_ref()
            && jwt.expires - self.inner.jwt_margin > now
        {
            return Ok(jwt.token.clone());
        }
        let token = self
            .inner
            .key
            .sign(&self.inner.application_id, now, self.inner.jwt_lifetime)
            .map_err(|e| Error::InvalidArgument {
                op: op.clone(),
                message: format!("cannot sign the request's JWT: {e}"),
            })?;
        *cached = Some(Jwt {
            token: token.clone(),
            expires: now + self.inner.jwt_lifetime,
        });
        Ok(token)
    }

    fn forget_jwt(&self) {
        *self.inner.jwt.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Sends a request and parses its answer.
    pub(crate) fn fetch<T: DeserializeOwned>(&self, req: &Request<'_>) -> Result<T, Error> {
        let raw = self.send(req)?;
        parse(req, raw.status, &raw.body)
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The current instant, by the client's clock.
    pub(crate) fn now(&self) -> chrono::DateTime<Utc> {
        self.inner.clock.now()
    }
}

pub(crate) fn parse<T: DeserializeOwned>(
    req: &Request<'_>,
    status: u16,
    body: &str,
) -> Result<T, Error> {
    serde_json::from_str(body).map_err(|e| Error::Malformed {
        op: req.op.clone(),
        status,
        reason: redact(&e.to_string(), req.secrets),
        body_start: redact(body, req.secrets),
    })
}

fn transport_error(op: &Operation, e: &reqwest::Error) -> Error {
    // reqwest's message names the URL, which carries no secret; the
    // source chain says what actually failed.
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
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
}
