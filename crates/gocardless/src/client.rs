//! The HTTP client: configuration, authentication, retries and the
//! rate-limit headers. The operations themselves are in `operations.rs`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use chrono::{DateTime, Utc};
use reqwest::blocking::{Client as Http, Response};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::error::{Operation, body_start};
use crate::tokens::{Tokens, acquisition_lock};
use crate::{
    Clock, Error, MemoryTokenStore, RateLimit, RetryPolicy, Secret, SystemClock, TokenState,
    TokenStore,
};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://bankaccountdata.gocardless.com/api/v2";

/// A response body with what came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched<T> {
    /// The typed value.
    pub value: T,
    /// The JSON text as received (for transactions followed across pages:
    /// the merged response, re-serialised). Shared: what was read from it
    /// may keep pieces of it.
    pub body: ByteString,
    /// The rate-limit headers of the (last) response.
    pub rate_limit: RateLimit,
    /// When it was received, by the client's clock.
    pub fetched_at: DateTime<Utc>,
}

impl<T> Fetched<T> {
    /// The same response with its value transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fetched<U> {
        Fetched {
            value: f(self.value),
            body: self.body,
            rate_limit: self.rate_limit,
            fetched_at: self.fetched_at,
        }
    }
}

/// A client of the GoCardless Bank Account Data API.
///
/// Cheap to clone (clones share the connection pool and tokens) and usable
/// from several threads at once.
///
/// ```no_run
/// use gocardless::{Client, Secret};
/// let client = Client::builder("my-secret-id", Secret::new("my-secret-key")).build()?;
/// let balances = client.account_balances("7e9e…")?;
/// println!("{:?}", balances.value.balances);
/// # Ok::<(), gocardless::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: Http,
    pub(crate) base: Url,
    /// Half of the user secret: masked in messages like the key (it is a
    /// `Secret` for that), though it is sent as plain text.
    secret_id: Secret,
    secret_key: Secret,
    store: Arc<dyn TokenStore>,
    pub(crate) clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    token_retry: RetryPolicy,
    token_margin: chrono::Duration,
    /// The tokens last used, so that most requests need no store lookup.
    tokens: Mutex<Option<Tokens>>,
    /// How the token requests went, so that threads that waited for one
    /// share its result instead of each repeating it.
    acquired: Mutex<Acquired>,
}

/// The outcome of the token requests made so far.
#[derive(Default)]
struct Acquired {
    /// How many times a thread has got or failed to get a token.
    round: u64,
    /// How the last round failed, if it did, and when.
    failure: Option<(Error, Instant)>,
    /// GoCardless rejected the secret id and key: final for this client,
    /// as asking again cannot succeed and `token/new` is rate-limited.
    refused: Option<Error>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("secret_id", &self.inner.secret_id.masked())
            .field("secret_key", &self.inner.secret_key)
            .field("retry", &self.inner.retry)
            .field("token_retry", &self.inner.token_retry)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]. See [`Client::builder`].
pub struct ClientBuilder {
    secret_id: Secret,
    secret_key: Secret,
    base_url: String,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    connect_timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    token_retry: RetryPolicy,
    user_agent: String,
    token_margin: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("secret_key", &self.secret_key)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client for the user secret `secret_id` /
    /// `secret_key` (from bankaccountdata.gocardless.com → User secrets).
    pub fn builder(secret_id: impl Into<String>, secret_key: Secret) -> ClientBuilder {
        ClientBuilder {
            secret_id: Secret::new(secret_id.into().trim()),
            secret_key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            store: Arc::new(MemoryTokenStore::new()),
            clock: Arc::new(SystemClock),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            token_retry: RetryPolicy::default(),
            user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
            token_margin: Duration::from_secs(60),
        }
    }
}

impl ClientBuilder {
    /// The API root, default [`DEFAULT_BASE_URL`]. Plain `http` is accepted
    /// only for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`).
    pub fn base_url(mut self, url: &str) -> ClientBuilder {
        self.base_url = url.trim().to_owned();
        self
    }

    /// Where tokens are kept (default: in memory, for this process only).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> ClientBuilder {
        self.store = store;
        self
    }

    /// The clock that decides token expiry (default: the system's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> ClientBuilder {
        self.clock = clock;
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

    /// How failed token requests (`token/new`, `token/refresh`) are retried
    /// (default: [`RetryPolicy::default`]). Unlike other POSTs they are
    /// repeated after any server error or broken connection: a second
    /// login or refresh only replaces the first one's token.
    pub fn token_retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.token_retry = policy;
        self
    }

    /// The `User-Agent` header (default `gc-beancount/<version>`).
    pub fn user_agent(mut self, user_agent: &str) -> ClientBuilder {
        self.user_agent = user_agent.to_owned();
        self
    }

    /// How long before its expiry a token is treated as expired (default
    /// 60 s), so that it does not expire in flight.
    pub fn token_margin(mut self, margin: Duration) -> ClientBuilder {
        self.token_margin = margin;
        self
    }

    /// Builds the client. Fails on an unusable base URL or empty secrets.
    pub fn build(self) -> Result<Client, Error> {
        let base = parse_base_url(&self.base_url)?;
        if self.secret_id.is_empty() || self.secret_key.is_empty() {
            return Err(Error::InvalidConfig {
                message: "the secret id and secret key must not be empty; create them at \
                          bankaccountdata.gocardless.com under User secrets"
                    .to_owned(),
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
        let margin =
            chrono::Duration::from_std(self.token_margin).map_err(|_| Error::InvalidConfig {
                message: "the token margin is too long".to_owned(),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                secret_id: self.secret_id,
                secret_key: self.secret_key,
                store: self.store,
                clock: self.clock,
                retry: self.retry,
                token_retry: self.token_retry,
                token_margin: margin,
                tokens: Mutex::new(None),
                acquired: Mutex::new(Acquired::default()),
            }),
        })
    }
}

/// Parses and checks the base URL (see [`source::base_url`]).
fn parse_base_url(s: &str) -> Result<Url, Error> {
    source::base_url(s).map_err(|e| Error::InvalidConfig {
        message: e.to_string(),
    })
}

/// A successful answer, before it is parsed.
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) rate_limit: RateLimit,
    pub(crate) fetched_at: DateTime<Utc>,
}

/// A request to send: everything but the token.
pub(crate) struct Request<'a> {
    pub(crate) op: &'a Operation,
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<serde_json::Value>,
    /// Whether it needs an access token (all but the token endpoints).
    pub(crate) auth: bool,
    /// Whether it is a token request: its answer carries secrets (no part
    /// of it is quoted in errors), and it is safe to repeat, so it is
    /// retried after any server error or broken connection, with the
    /// client's token retry policy.
    pub(crate) token: bool,
}

/// What a single attempt gave.
enum Attempt {
    Answer { status: u16, raw: Raw },
    Failed { error: Error, connect: bool },
}

impl Client {
    /// The base URL joined with path segments (each percent-encoded), ending
    /// with `/` as GoCardless' paths do.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .expect("the base URL was checked to be a base");
            path.pop_if_empty();
            path.extend(segments);
            path.push("");
        }
        url
    }

    /// Sends a request with authentication, retries and back-off; returns
    /// the body of a successful answer.
    pub(crate) fn send(&self, req: &Request<'_>) -> Result<Raw, Error> {
        let policy = if req.token {
            self.inner.token_retry
        } else {
            self.inner.retry
        };
        let start = Instant::now();
        let idempotent = req.method != Method::POST || req.token;
        let mut attempt: u32 = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            let token = if req.auth {
                Some(self.access_token(req.op)?)
            } else {
                None
            };
            let (error, retryable) = match self.attempt(req, token.as_ref()) {
                Attempt::Answer { status, raw } if (200..300).contains(&status) => return Ok(raw),
                Attempt::Answer { status, raw } => {
                    let error =
                        Error::from_response(req.op.clone(), status, &raw.body, raw.rate_limit);
                    match &error {
                        Error::TokenRejected { .. } if req.auth && !renewed => {
                            renewed = true;
                            let rejected = token.expect("auth requests carry a token");
                            self.renew_rejected(req.op, &rejected)?;
                            // The retry after a renewal is not a failure retry.
                            attempt -= 1;
                            continue;
                        }
                        Error::RateLimited {
                            retry_after: Some(wait),
                            ..
                        } if *wait <= policy.max_api_wait && attempt < policy.max_attempts => {
                            tracing::info!(op = %req.op, wait_s = wait.as_secs(), "API rate limit; waiting");
                            std::thread::sleep(*wait);
                            continue;
                        }
                        // 503 means the request was not processed, so even a
                        // POST may be sent again; other 5xx only if idempotent.
                        Error::Server { .. } => {
                            let retryable = idempotent || status == 503;
                            (error, retryable)
                        }
                        _ => return Err(error),
                    }
                }
                Attempt::Failed { error, connect } => {
                    // A POST whose connection failed after sending may have
                    // been processed: retry it only if it never left.
                    let retryable = idempotent || connect;
                    (error, retryable)
                }
            };
            if !retryable || attempt >= policy.max_attempts {
                return Err(error);
            }
            let delay = policy.backoff(attempt);
            if start.elapsed() + delay > policy.max_total {
                return Err(error);
            }
            tracing::debug!(op = %req.op, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            std::thread::sleep(delay);
        }
    }

    fn attempt(&self, req: &Request<'_>, token: Option<&Secret>) -> Attempt {
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), req.url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = token {
            builder = builder.bearer_auth(token.expose());
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let started = Instant::now();
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
        let rate_limit = rate_limit_of(&response);
        // The URL path holds ids but never a secret (tokens go in headers).
        tracing::debug!(
            op = %req.op,
            method = %req.method,
            path = req.url.path(),
            status,
            ms = started.elapsed().as_millis() as u64,
            "GoCardless answered"
        );
        // The body becomes the String without a copy when it is UTF-8 (as
        // JSON must be); anything else is repaired as `text()` would.
        match response.bytes() {
            Ok(bytes) => Attempt::Answer {
                status,
                raw: Raw {
                    status,
                    body: String::from_utf8(Vec::from(bytes))
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                    rate_limit,
                    fetched_at: self.inner.clock.now(),
                },
            },
            Err(e) => Attempt::Failed {
                connect: false,
                error: transport_error(req.op, &e),
            },
        }
    }

    /// Sends and parses the JSON answer.
    pub(crate) fn fetch<T: DeserializeOwned>(
        &self,
        req: &Request<'_>,
    ) -> Result<Fetched<T>, Error> {
        self.fetch_with(req, |body| serde_json::from_str(body))
    }

    /// Like [`Client::fetch`], the value read from the body by `read`,
    /// which may keep pieces of it.
    pub(crate) fn fetch_with<T>(
        &self,
        req: &Request<'_>,
        read: impl FnOnce(&ByteString) -> serde_json::Result<T>,
    ) -> Result<Fetched<T>, Error> {
        let raw = self.send(req)?;
        let body = ByteString::from(raw.body);
        let value = read(&body).map_err(|e| malformed(req, raw.status, &body, &e))?;
        Ok(Fetched {
            value,
            body,
            rate_limit: raw.rate_limit,
            fetched_at: raw.fetched_at,
        })
    }

    // ---- tokens -------------------------------------------------------

    /// A valid access token: the one in hand, else the store's, else a
    /// refreshed one, else a new one, in that order of cost.
    fn access_token(&self, op: &Operation) -> Result<Secret, Error> {
        let now = self.inner.clock.now();
        let margin = self.inner.token_margin;
        if let Some(t) = self.cached()
            && t.access_valid(now, margin)
        {
            return Ok(t.access);
        }
        self.acquire(op, None)
    }

    /// After a 401 "invalid token": gets another access token unless someone
    /// already has, refreshing first and logging in again only if the
    /// refresh token is rejected too.
    fn renew_rejected(&self, op: &Operation, rejected: &Secret) -> Result<(), Error> {
        tracing::info!(op = %op, "access token rejected; renewing it");
        self.acquire(op, Some(rejected)).map(|_| ())
    }

    /// Gets a token with one token request in flight at a time: threads
    /// that find one in flight wait for it and share its result, the token
    /// it got (found in the store) or the way it failed; so a failing
    /// refresh is retried by one thread, not by every account's thread.
    /// A failure, already retried for up to the token policy's `max_total`,
    /// also stands for that long for threads that come after it; rejected
    /// credentials stand for good.
    fn acquire(&self, op: &Operation, rejected: Option<&Secret>) -> Result<Secret, Error> {
        let shared = |e: &Error| Err(e.clone().about(op.subject.clone()));
        let round = {
            let acquired = self.acquired();
            if let Some(e) = &acquired.refused {
                return shared(e);
            }
            if let Some((e, at)) = &acquired.failure
                && at.elapsed() < self.inner.token_retry.max_total
            {
                return shared(e);
            }
            acquired.round
        };
        let lock = acquisition_lock(self.inner.secret_id.expose());
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        {
            let acquired = self.acquired();
            if let Some(e) = &acquired.refused {
                return shared(e);
            }
            // Another thread tried while this one waited, and failed.
            if acquired.round != round
                && let Some((e, _)) = &acquired.failure
            {
                return shared(e);
            }
        }
        // Another thread or client may have got one while this one waited.
        let current = self
            .inner
            .store
            .load(self.inner.secret_id.expose())
            .or_else(|| self.cached());
        let result = self.obtain(op, current, rejected);
        let mut acquired = self.acquired();
        acquired.round += 1;
        acquired.failure = result.as_ref().err().map(|e| (e.clone(), Instant::now()));
        if let Err(e @ Error::BadCredentials { .. }) = &result {
            acquired.refused = Some(e.clone());
        }
        result
    }

    fn acquired(&self) -> std::sync::MutexGuard<'_, Acquired> {
        self.inner
            .acquired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The token decision, under the acquisition lock.
    fn obtain(
        &self,
        op: &Operation,
        current: Option<Tokens>,
        rejected: Option<&Secret>,
    ) -> Result<Secret, Error> {
        let now = self.inner.clock.now();
        let margin = self.inner.token_margin;
        if let Some(t) = &current {
            let usable = rejected.is_none_or(|r| r != &t.access);
            if usable && t.access_valid(now, margin) {
                self.remember(t.clone());
                return Ok(t.access.clone());
            }
            if t.refresh_valid(now, margin) {
                match self.refresh(op, t) {
                    Ok(fresh) => return Ok(fresh.access),
                    Err(Error::TokenRejected { .. } | Error::BadCredentials { .. }) => {
                        tracing::info!("refresh token rejected; forgetting stored tokens");
                        self.forget();
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        self.new_token(op).map(|t| t.access)
    }

    fn refresh(&self, op: &Operation, current: &Tokens) -> Result<Tokens, Error> {
        // Named after the caller's subject, so the error says which account
        // was being read when the token call failed.
        let token_op = Operation {
            name: "POST token/refresh",
            subject: op.subject.clone(),
        };
        let req = Request {
            op: &token_op,
            method: Method::POST,
            url: self.url(&["token", "refresh"]),
            body: Some(serde_json::json!({ "refresh": current.refresh.expose() })),
            auth: false,
            token: true,
        };
        let fetched: Fetched<crate::model::AccessToken> = self.fetch(&req)?;
        let now = fetched.fetched_at;
        let tokens = Tokens {
            access: fetched.value.access,
            access_expires: now + chrono::Duration::seconds(fetched.value.access_expires),
            refresh: current.refresh.clone(),
            refresh_expires: current.refresh_expires,
        };
        self.keep(&tokens);
        Ok(tokens)
    }

    fn new_token(&self, op: &Operation) -> Result<Tokens, Error> {
        let token_op = Operation {
            name: "POST token/new",
            subject: op.subject.clone(),
        };
        let req = Request {
            op: &token_op,
            method: Method::POST,
            url: self.url(&["token", "new"]),
            body: Some(serde_json::json!({
                "secret_id": self.inner.secret_id.expose(),
                "secret_key": self.inner.secret_key.expose(),
            })),
            auth: false,
            token: true,
        };
        let fetched: Fetched<crate::model::TokenPair> = self.fetch(&req).map_err(|e| {
            // A 401 on token/new can only be the credentials.
            match e {
                Error::TokenRejected { op, message } => Error::BadCredentials { op, message },
                e => e,
            }
        })?;
        let now = fetched.fetched_at;
        let tokens = Tokens {
            access: fetched.value.access,
            access_expires: now + chrono::Duration::seconds(fetched.value.access_expires),
            refresh: fetched.value.refresh,
            refresh_expires: now + chrono::Duration::seconds(fetched.value.refresh_expires),
        };
        self.keep(&tokens);
        Ok(tokens)
    }

    fn cached(&self) -> Option<Tokens> {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn remember(&self, tokens: Tokens) {
        *self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens);
    }

    fn keep(&self, tokens: &Tokens) {
        self.inner.store.save(self.inner.secret_id.expose(), tokens);
        self.remember(tokens.clone());
    }

    fn forget(&self) {
        self.inner.store.clear(self.inner.secret_id.expose());
        *self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// What tokens the client holds (asking the store), for a `status`
    /// command. Makes no request.
    pub fn token_state(&self) -> TokenState {
        let now = self.inner.clock.now();
        let stored = self
            .inner
            .store
            .load(self.inner.secret_id.expose())
            .or_else(|| self.cached());
        stored.map_or(TokenState::Missing, |t| {
            t.state(now, self.inner.token_margin)
        })
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }
}

/// Why `body` is not the JSON `req` expects.
fn malformed(req: &Request<'_>, status: u16, body: &str, e: &serde_json::Error) -> Error {
    Error::Malformed {
        op: req.op.clone(),
        status,
        reason: if req.token {
            // serde's message may quote the offending value: a token.
            format!(
                "not the expected JSON at line {} column {}",
                e.line(),
                e.column()
            )
        } else {
            source::redact::text(&e.to_string()).into_owned()
        },
        // Masked before it is cut, so no part of a secret is left.
        body_start: if req.token {
            String::new()
        } else {
            body_start(&source::redact::text(body))
        },
    }
}

fn rate_limit_of(response: &Response) -> RateLimit {
    let mut rl = RateLimit::default();
    for (name, value) in response.headers() {
        if let Ok(v) = value.to_str() {
            rl.set(name.as_str(), v);
        }
    }
    rl
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
