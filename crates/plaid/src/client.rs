//! The HTTP client: configuration, authentication headers, retries and
//! the classification of answers. The operations are in `operations.rs`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::blocking::Client as Http;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use crate::error::{Context, Operation, body_start};
use crate::redact::Redactor;
use crate::{Error, RetryPolicy, Secret};

/// The API version this crate speaks, sent as `Plaid-Version` on every
/// request.
pub const API_VERSION: &str = "2020-09-14";

/// The source name used in the advice of errors when none is configured.
const DEFAULT_SOURCE_NAME: &str = "plaid";

/// A Plaid environment: each has its own keys, Items and base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `https://sandbox.plaid.com`: test institutions and users, free.
    Sandbox,
    /// `https://production.plaid.com`: real institutions.
    Production,
}

impl Environment {
    /// The environment's API root.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Sandbox => "https://sandbox.plaid.com",
            Environment::Production => "https://production.plaid.com",
        }
    }

    /// The name used in configurations: `sandbox` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
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

    /// `sandbox` or `production`, case-insensitively.
    ///
    /// ```
    /// use plaid::Environment;
    /// assert_eq!("Sandbox".parse::<Environment>().unwrap(), Environment::Sandbox);
    /// assert!("development".parse::<Environment>().unwrap_err().to_string().contains("retired"));
    /// ```
    fn from_str(s: &str) -> Result<Environment, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Environment::Sandbox),
            "production" => Ok(Environment::Production),
            "development" => Err(Error::InvalidConfig {
                message: "Plaid retired the `development` environment; use `sandbox` for tests \
                          or `production` (its free limited tier replaces development)"
                    .to_owned(),
            }),
            other => Err(Error::InvalidConfig {
                message: format!(
                    "unknown Plaid environment {other:?}; use `sandbox` or `production`"
                ),
            }),
        }
    }
}

/// A client of Plaid's API.
///
/// Cheap to clone (clones share the connection pool) and usable from
/// several threads at once.
///
/// ```no_run
/// use plaid::{Client, Environment, ItemAccess, Secret, SyncOptions};
/// let client = Client::builder(Secret::new("client id"), Secret::new("secret"))
///     .environment(Environment::Sandbox)
///     .build()?;
/// let item = ItemAccess::new(Secret::new("access-sandbox-…")).with_item_id("M5eV…");
/// let sync = client.sync(&item, None, &SyncOptions::default())?;
/// println!("{} new; save cursor {}", sync.added.len(), sync.next_cursor);
/// # Ok::<(), plaid::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    base: Url,
    environment: Environment,
    client_id: Secret,
    secret: Secret,
    retry: RetryPolicy,
    source_name: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("environment", &self.inner.environment)
            .field("client_id", &self.inner.client_id)
            .field("secret", &self.inner.secret)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]. See [`Client::builder`].
pub struct ClientBuilder {
    client_id: Secret,
    secret: Secret,
    environment: Environment,
    base_url: Option<String>,
    connect_timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    source_name: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("secret", &self.secret)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client with the keys of a Plaid environment
    /// (dashboard.plaid.com → Developers → Keys). The environment defaults
    /// to the sandbox.
    pub fn builder(client_id: Secret, secret: Secret) -> ClientBuilder {
        ClientBuilder {
            client_id: Secret::new(client_id.expose().trim()),
            secret: Secret::new(secret.expose().trim()),
            environment: Environment::Sandbox,
            base_url: None,
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: concat!("gc-beancount/", env!("CARGO_PKG_VERSION")).to_owned(),
            source_name: DEFAULT_SOURCE_NAME.to_owned(),
        }
    }
}

impl ClientBuilder {
    /// The environment, and with it the base URL (unless
    /// [`ClientBuilder::base_url`] sets another).
    pub fn environment(mut self, environment: Environment) -> ClientBuilder {
        self.environment = environment;
        self
    }

    /// Another API root than the environment's (a proxy, a fake server).
    /// Must be https, or plain http to loopback only; checked by
    /// [`ClientBuilder::build`].
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

    /// The source's name in the configuration (its key under `sources:`),
    /// for the commands errors advise (`gc-beancount link --source NAME
    /// --item ITEM_ID`). Default `plaid`.
    pub fn source_name(mut self, name: &str) -> ClientBuilder {
        self.source_name = name.trim().to_owned();
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for empty keys or an unusable base URL
    /// (see [`source::base_url`]).
    pub fn build(self) -> Result<Client, Error> {
        if self.client_id.is_empty() || self.secret.is_empty() {
            return Err(Error::InvalidConfig {
                message: "`client_id` and `secret` must not be empty; find them at \
                          dashboard.plaid.com under Developers → Keys"
                    .to_owned(),
            });
        }
        let url = self
            .base_url
            .as_deref()
            .unwrap_or(self.environment.base_url());
        let base = source::base_url(url).map_err(|e| Error::InvalidConfig {
            message: e.to_string(),
        })?;
        let mut headers = HeaderMap::new();
        headers.insert("Plaid-Version", HeaderValue::from_static(API_VERSION));
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        for (name, secret) in [
            ("PLAID-CLIENT-ID", &self.client_id),
            ("PLAID-SECRET", &self.secret),
        ] {
            let mut value =
                HeaderValue::from_str(secret.expose()).map_err(|_| Error::InvalidConfig {
                    message: format!(
                        "the {} holds characters an HTTP header cannot carry; copy it again \
                         from Plaid's dashboard",
                        if name == "PLAID-SECRET" {
                            "`secret`"
                        } else {
                            "`client_id`"
                        }
                    ),
                })?;
            // Keeps it out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let http = Http::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.total_timeout)
            .user_agent(self.user_agent)
            .default_headers(headers)
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
                client_id: self.client_id,
                secret: self.secret,
                retry: self.retry,
                source_name: self.source_name,
            }),
        })
    }
}

/// Whether repeating a request is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// A read (`/transactions/sync`, `/accounts/get`, …): repeat it after
    /// any transient failure.
    Read,
    /// It creates something (a Link token, an access token): repeat it
    /// only when it cannot have been processed (the connection never
    /// opened, or Plaid refused it with a rate limit).
    Create,
}

/// One request: where, what, and how to treat its answer.
pub(crate) struct Call<'a> {
    pub(crate) op: Operation,
    /// The path under the base URL, e.g. `transactions/sync`.
    pub(crate) path: &'static str,
    /// The JSON body; the keys travel in headers.
    pub(crate) body: serde_json::Value,
    pub(crate) safety: Safety,
    /// Whether the answer carries a token: then no part of it is quoted in
    /// errors.
    pub(crate) secret_answer: bool,
    /// Secrets in the body (access or public token), to cut out of answers.
    pub(crate) secrets: Vec<&'a Secret>,
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
        /// The connection was never opened, so nothing was sent.
        connect: bool,
    },
}

impl Client {
    /// The environment the client was configured for.
    pub fn environment(&self) -> Environment {
        self.inner.environment
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    fn redactor<'a>(&'a self, call: &Call<'a>) -> Redactor<'a> {
        Redactor::new(
            [&self.inner.client_id, &self.inner.secret]
                .into_iter()
                .chain(call.secrets.iter().copied()),
        )
    }

    /// Sends a request with retries and back-off; parses a successful
    /// answer as `T`.
    pub(crate) fn fetch<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T, Error> {
        let body = self.send(call)?;
        serde_json::from_str(&body).map_err(|e| {
            let redactor = self.redactor(call);
            Error::Malformed {
                op: call.op.clone(),
                status: 200,
                reason: if call.secret_answer {
                    // serde's message may quote the offending value: a token.
                    format!(
                        "not the expected JSON at line {} column {}",
                        e.line(),
                        e.column()
                    )
                } else {
                    redactor.clean(&e.to_string())
                },
                body_start: if call.secret_answer {
                    String::new()
                } else {
                    body_start(&body, &redactor)
                },
            }
        })
    }

    /// Sends a request with retries and back-off; returns the body of a
    /// successful answer.
    fn send(&self, call: &Call<'_>) -> Result<String, Error> {
        let policy = self.inner.retry;
        let start = Instant::now();
        let redactor = self.redactor(call);
        let cx = Context {
            source_name: &self.inner.source_name,
            redactor: &redactor,
        };
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (error, retryable, wait) = match self.attempt(call) {
                Attempt::Answer { status, body, .. } if (200..300).contains(&status) => {
                    return Ok(body);
                }
                Attempt::Answer {
                    status,
                    body,
                    retry_after,
                } => {
                    let error =
                        Error::from_answer(call.op.clone(), status, &body, retry_after, &cx);
                    match &error {
                        // A rate limit refused the request: repeating it is
                        // harmless, and waiting is what Plaid asks.
                        Error::RateLimited { retry_after, .. } => match *retry_after {
                            Some(w) if w > policy.max_api_wait => return Err(error),
                            w => (error, true, w),
                        },
                        Error::Server { .. } => (error, call.safety == Safety::Read, None),
                        _ => return Err(error),
                    }
                }
                Attempt::Failed { error, connect } => {
                    let retryable = connect || call.safety == Safety::Read;
                    (error, retryable, None)
                }
            };
            if !retryable || attempt >= policy.max_attempts {
                return Err(error);
            }
            let delay = wait.unwrap_or_else(|| policy.backoff(attempt));
            if start.elapsed() + delay > policy.max_total {
                return Err(error);
            }
            tracing::debug!(
                op = %call.op,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "retrying"
            );
            std::thread::sleep(delay);
        }
    }

    fn attempt(&self, call: &Call<'_>) -> Attempt {
        let url = match self.inner.base.join(call.path) {
            Ok(url) => url,
            Err(e) => {
                return Attempt::Failed {
                    error: Error::InvalidArgument {
                        op: call.op.clone(),
                        message: format!("cannot form the URL: {e}"),
                    },
                    connect: false,
                };
            }
        };
        let started = Instant::now();
        let response = match self.inner.http.post(url).json(&call.body).send() {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed {
                    connect: e.is_connect(),
                    error: transport_error(&call.op, &e),
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
        // The path names the endpoint only; ids and tokens travel in bodies.
        tracing::debug!(
            op = %call.op,
            status,
            ms = started.elapsed().as_millis() as u64,
            "Plaid answered"
        );
        match response.text() {
            Ok(body) => Attempt::Answer {
                status,
                body,
                retry_after,
            },
            Err(e) => Attempt::Failed {
                connect: false,
                error: transport_error(&call.op, &e),
            },
        }
    }
}

fn transport_error(op: &Operation, e: &reqwest::Error) -> Error {
    // reqwest's message names the URL, which holds no secret (keys travel
    // in headers, tokens in bodies); the source chain says what failed.
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

    fn builder() -> ClientBuilder {
        Client::builder(Secret::new(" id-1234567 "), Secret::new("secret-12345"))
    }

    #[test]
    fn environments_choose_the_base_url_unless_one_is_given() {
        let c = builder().build().unwrap();
        assert_eq!(c.base_url(), "https://sandbox.plaid.com/");
        let c = builder()
            .environment(Environment::Production)
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://production.plaid.com/");
        let c = builder()
            .base_url("http://127.0.0.1:9/plaid")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/plaid/");
        for bad in ["http://plaid.example.com", "https://u:p@plaid.example.com"] {
            let e = builder().base_url(bad).build().unwrap_err();
            assert!(matches!(e, Error::InvalidConfig { .. }), "{bad}: {e:?}");
        }
    }

    #[test]
    fn empty_or_unsendable_keys_are_refused_without_quoting_them() {
        let e = Client::builder(Secret::new(" "), Secret::new("s"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("must not be empty"), "{e}");
        let e = Client::builder(Secret::new("id"), Secret::new("bad\nsecret-value"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("`secret`"), "{e}");
        assert!(!e.to_string().contains("secret-value"), "{e}");
    }

    #[test]
    fn debug_shows_no_key() {
        let c = builder().build().unwrap();
        let d = format!("{c:?} {:?}", builder());
        assert!(
            !d.contains("id-1234567") && !d.contains("secret-12345"),
            "{d}"
        );
    }

    #[test]
    fn client_is_shareable_between_threads() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<Client>();
    }
}
