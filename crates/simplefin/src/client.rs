//! The HTTP side: configuration, the claim, retries, `/info` and
//! `/accounts`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::Client as Http;
use reqwest::{Method, StatusCode, Url};

use crate::access::{AccessUrl, decode_setup_token};
use crate::error::{Error, Operation};
use crate::model::{AccountSet, Info, Version};
use crate::query::AccountsQuery;
use crate::text::Redactor;
use source::{RetryPolicy, Secret};

/// How requests are made. `Config::default()` suits the real Bridge.
#[derive(Debug, Clone)]
pub struct Config {
    /// The connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// The timeout of a whole request (default 120 s: the Bridge can take
    /// long to gather many accounts).
    pub timeout: Duration,
    /// How failed requests are retried (connection errors, timeouts, 5xx,
    /// 429).
    pub retry: RetryPolicy,
    /// The `User-Agent` header (default `gc-beancount/<version>`).
    pub user_agent: String,
    /// The configured name of the source, for the commands errors suggest
    /// (default `simplefin`).
    pub source_name: String,
    /// The protocol version to speak; `None` (the default) asks `/info`
    /// once per client.
    pub version: Option<Version>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
            source_name: "simplefin".to_owned(),
            version: None,
        }
    }
}

impl Config {
    fn http(&self, https_only: bool) -> Result<Http, Error> {
        Http::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent.clone())
            .https_only(https_only)
            // A redirect could carry the request (and, to the same host,
            // its credentials) somewhere the user never chose.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidConfig {
                message: format!("cannot create the HTTP client: {e}"),
            })
    }
}

/// Claims a setup token: decodes it, `POST`s once to its claim URL and
/// returns the access URL to store.
///
/// The claim is retried only when the request never left (a connection
/// refused) or the server answered 503, so that a claim that succeeded is
/// never repeated into a 403.
///
/// # Errors
/// [`Error::SetupToken`] when the token is not base64 of an https URL
/// (nothing is sent); [`Error::TokenClaimed`] on 403 (claimed already:
/// the token may be compromised); [`Error::Malformed`] when the answer is
/// not an access URL; the transport errors of any request.
///
/// ```no_run
/// let token = source::Secret::new("aHR0cHM6Ly9icmlkZ2Uuc2ltcGxlZmluLm9yZy9zaW1wbGVmaW4vY2xhaW0vZGVtbw==");
/// let access = simplefin::claim(&token, &simplefin::Config::default())?;
/// let client = simplefin::Client::new(access, simplefin::Config::default())?;
/// # Ok::<(), simplefin::Error>(())
/// ```
pub fn claim(setup_token: &Secret, config: &Config) -> Result<AccessUrl, Error> {
    let claim = decode_setup_token(setup_token)?;
    let http = config.http(claim.url.scheme() == "https")?;
    let sender = Sender {
        http: &http,
        config,
        redactor: &claim.redactor,
    };
    let req = Request {
        op: Operation::Claim,
        method: Method::POST,
        url: claim.url.clone(),
        basic: None,
    };
    let (status, body) = sender.send(&req, &mut 0)?;
    AccessUrl::parse(&body).map_err(|_| {
        Error::malformed(
            Operation::Claim,
            status,
            "the answer is not an access URL",
            "",
            &claim.redactor,
        )
    })
}

/// A client of one access URL.
///
/// Cheap to clone (clones share the connection pool and the version
/// learnt from `/info`) and usable from several threads.
///
/// ```no_run
/// use chrono::{Duration, Utc};
/// use simplefin::{AccessUrl, AccountsQuery, Client, Config};
/// let client = Client::new(AccessUrl::parse("https://user:pass@bridge.simplefin.org/simplefin")?, Config::default())?;
/// let end = Utc::now();
/// let set = client.accounts(&AccountsQuery { pending: true, ..AccountsQuery::window(end - Duration::days(200), end) })?;
/// for a in &set.accounts {
///     println!("{} {:?} at {:?}: {} transactions", a.name, a.balance, a.balance_date, a.transactions.len());
/// }
/// for m in &set.messages {
///     eprintln!("SimpleFIN: {m}");
/// }
/// # Ok::<(), simplefin::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    access: AccessUrl,
    config: Config,
    redactor: Redactor,
    version: Mutex<Option<Version>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("access_url", &self.inner.access)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of `access` (from [`claim`], or from the store).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(access: AccessUrl, config: Config) -> Result<Client, Error> {
        let http = config.http(access.base().scheme() == "https")?;
        let mut redactor = Redactor::default();
        access.redact_into(&mut redactor);
        let version = Mutex::new(config.version);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                access,
                config,
                redactor,
                version,
            }),
        })
    }

    /// The access URL (its `Display` hides the credentials).
    pub fn access_url(&self) -> &AccessUrl {
        &self.inner.access
    }

    /// `GET /info`: the protocol versions the server supports. Sent
    /// without credentials, as the protocol has it.
    ///
    /// # Errors
    /// The transport and status errors of any request; [`Error::Malformed`]
    /// when the answer is not JSON.
    pub fn info(&self) -> Result<Info, Error> {
        let req = Request {
            op: Operation::Info,
            method: Method::GET,
            url: self.url("info"),
            basic: None,
        };
        let (status, body) = self.sender().send(&req, &mut 0)?;
        serde_json::from_str(&body).map_err(|e| {
            Error::malformed(
                Operation::Info,
                status,
                &e.to_string(),
                &body,
                &self.inner.redactor,
            )
        })
    }

    /// The protocol version this client speaks: the configured one, else
    /// 2 when `/info` lists it, else 1. `/info` is asked once per client.
    ///
    /// # Errors
    /// Those of [`Client::info`].
    pub fn version(&self) -> Result<Version, Error> {
        if let Some(v) = *self.lock_version() {
            return Ok(v);
        }
        let v = self.info()?.best_version();
        tracing::debug!(version = %v, "SimpleFIN protocol version chosen");
        *self.lock_version() = Some(v);
        Ok(v)
    }

    /// `GET /accounts`: every account (or those of `query.accounts`) with
    /// its balance and the transactions of the window, merged into one set.
    ///
    /// A window longer than [`crate::MAX_WINDOW`] (90 days) is asked in
    /// consecutive windows of at most 90 days ([`AccountsQuery::request_count`]
    /// says how many), and the answers merged: an account's transactions
    /// are deduplicated by id and its balance is the last answer's. If one
    /// of the requests fails, the whole call fails.
    ///
    /// The server's messages (`errors`, `errlist`) are in
    /// [`AccountSet::messages`], redacted: an account in error does not make
    /// the call fail.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a window that does not end after it
    /// starts; [`Error::AccessRevoked`] (403), [`Error::PaymentRequired`]
    /// (402), [`Error::RateLimited`] (429 after retries), [`Error::Server`]
    /// (5xx after retries), the transport errors, [`Error::Malformed`] for
    /// an answer that is not an Account Set; and those of [`Client::version`].
    pub fn accounts(&self, query: &AccountsQuery) -> Result<AccountSet, Error> {
        if let (Some(s), Some(e)) = (query.start, query.end)
            && e <= s
        {
            return Err(Error::InvalidArgument {
                op: Operation::Accounts {
                    start: query.start,
                    end: query.end,
                },
                message: format!("the window ends ({e}) before it starts ({s})"),
            });
        }
        let version = self.version()?;
        let mut merged: Option<AccountSet> = None;
        for chunk in query.chunks() {
            let set = self.accounts_once(&chunk, version)?;
            match &mut merged {
                Some(m) => m.merge(set),
                None => merged = Some(set),
            }
        }
        Ok(merged.unwrap_or_default())
    }

    /// One `GET /accounts`.
    fn accounts_once(&self, q: &AccountsQuery, version: Version) -> Result<AccountSet, Error> {
        let op = Operation::Accounts {
            start: q.start,
            end: q.end,
        };
        let mut url = self.url("accounts");
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(s) = q.start {
                pairs.append_pair("start-date", &s.timestamp().to_string());
            }
            if let Some(e) = q.end {
                pairs.append_pair("end-date", &e.timestamp().to_string());
            }
            if q.pending {
                pairs.append_pair("pending", "1");
            }
            if q.balances_only {
                pairs.append_pair("balances-only", "1");
            }
            for id in &q.accounts {
                pairs.append_pair("account", id);
            }
            if let Some(v) = version.query_value() {
                pairs.append_pair("version", v);
            }
        }
        let req = Request {
            op: op.clone(),
            method: Method::GET,
            url,
            basic: Some((self.inner.access.user(), self.inner.access.password())),
        };
        let mut requests = 0;
        let (status, body) = self.sender().send(&req, &mut requests)?;
        let mut set = AccountSet::parse(&body, &self.inner.redactor).map_err(|e| {
            Error::malformed(op, status, &e.to_string(), &body, &self.inner.redactor)
        })?;
        set.requests = requests;
        Ok(set)
    }

    fn url(&self, endpoint: &str) -> Url {
        let mut url = self.inner.access.base().clone();
        url.path_segments_mut()
            .expect("the access URL was checked to be a base")
            .pop_if_empty()
            .push(endpoint);
        url
    }

    fn sender(&self) -> Sender<'_> {
        Sender {
            http: &self.inner.http,
            config: &self.inner.config,
            redactor: &self.inner.redactor,
        }
    }

    fn lock_version(&self) -> std::sync::MutexGuard<'_, Option<Version>> {
        self.inner.version.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A request to send.
struct Request<'a> {
    op: Operation,
    method: Method,
    url: Url,
    /// HTTP Basic credentials, when the request needs them.
    basic: Option<(&'a str, &'a str)>,
}

/// What sends requests: shared by the claim and the client.
struct Sender<'a> {
    http: &'a Http,
    config: &'a Config,
    redactor: &'a Redactor,
}

/// What one attempt gave.
enum Attempt {
    Answer {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
    Failed {
        error: Error,
        /// The request never left (nothing can have been processed).
        connect: bool,
    },
}

impl Sender<'_> {
    /// Sends with retries and back-off; returns the status and body of a
    /// successful answer. `requests` counts the attempts made.
    fn send(&self, req: &Request<'_>, requests: &mut u32) -> Result<(u16, String), Error> {
        let policy = self.config.retry;
        let start = Instant::now();
        let idempotent = req.method != Method::POST;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            *requests += 1;
            let (error, retryable, wait) = match self.attempt(req) {
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
                        self.redactor,
                        &self.config.source_name,
                    );
                    match status {
                        // A wait longer than allowed is the caller's to decide.
                        429 => match retry_after {
                            Some(w) if w > policy.max_api_wait => return Err(error),
                            w => (error, true, w),
                        },
                        // 503 means the request was not processed, so even
                        // a claim may be sent again.
                        500..=599 => (error, idempotent || status == 503, None),
                        _ => return Err(error),
                    }
                }
                Attempt::Failed { error, connect } => (error, idempotent || connect, None),
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

    fn attempt(&self, req: &Request<'_>) -> Attempt {
        let mut builder = self
            .http
            .request(req.method.clone(), req.url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some((user, password)) = req.basic {
            builder = builder.basic_auth(user, Some(password));
        }
        if req.method == Method::POST {
            builder = builder.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let started = Instant::now();
        let response = match builder.send() {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed {
                    connect: e.is_connect(),
                    error: self.transport_error(&req.op, e),
                };
            }
        };
        let status = response.status();
        let retry_after = retry_after(&response);
        // The claim URL's path is the token: log only the operation.
        tracing::debug!(
            op = %req.op,
            status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "SimpleFIN answered"
        );
        match response.text() {
            Ok(body) => Attempt::Answer {
                status: status.as_u16(),
                body,
                retry_after,
            },
            Err(e) => Attempt::Failed {
                connect: false,
                error: self.transport_error(&req.op, e),
            },
        }
    }

    fn transport_error(&self, op: &Operation, e: reqwest::Error) -> Error {
        // Without the URL: a claim URL's path is the token.
        let e = e.without_url();
        let timeout = e.is_timeout();
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        let reason = self.redactor.redact(&reason);
        if timeout {
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

/// `Retry-After` in seconds (the date form is not used by the Bridge).
fn retry_after(response: &reqwest::blocking::Response) -> Option<Duration> {
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let v = response.headers().get(reqwest::header::RETRY_AFTER)?;
    v.to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
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
