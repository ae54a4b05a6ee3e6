//! The server's state (clock, keys, tokens, Items, counters, faults) and
//! the routing of API requests. The endpoints live in the submodules: Link
//! and tokens, Items and accounts, and `/transactions/sync`.

mod items;
mod link;
mod sync;

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use fake_http::{Req, Resp};
use serde_json::{Map, Value, json};

use crate::errors::{self, PlaidErr};
use crate::generate;
use crate::options::{Fault, FaultKind, Options, RequestLog};

pub use items::Item;
use link::{LinkToken, PublicToken};
pub use sync::Txn;

/// A fault waiting for its requests.
#[derive(Debug, Clone)]
struct Armed {
    fault: Fault,
    seen: u32,
}

/// What a request sent that an error may echo.
#[derive(Debug, Default)]
struct Sent {
    client_id: Option<String>,
    secret: Option<String>,
    access_token: Option<String>,
}

/// A request's JSON body.
pub struct Request {
    pub body: Map<String, Value>,
}

impl Request {
    /// A string field of the body.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    /// A field of the `options` object.
    pub fn option(&self, key: &str) -> Option<&Value> {
        self.body
            .get("options")
            .and_then(Value::as_object)
            .and_then(|o| o.get(key))
    }
}

/// Everything the server knows. One mutex guards it.
pub struct State {
    pub opts: Options,
    pub now: DateTime<Utc>,
    pub client_id: String,
    pub secret: String,
    rng: fastrand::Rng,
    items: Vec<Item>,
    by_token: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    link_tokens: HashMap<String, LinkToken>,
    public_tokens: HashMap<String, PublicToken>,
    pub log: Vec<RequestLog>,
    faults: Vec<Armed>,
    mutation_armed: bool,
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl State {
    /// A fresh server: its keys, no Items yet.
    pub fn new(opts: Options) -> State {
        let mut rng = fastrand::Rng::with_seed(generate::mix(&[opts.seed, 1]));
        let client_id = format!("{:024x}", rng.u128(..) >> 32);
        let secret = format!("{:030x}", rng.u128(..) >> 8);
        State {
            now: opts.now,
            mutation_armed: opts.mutate_during_pagination,
            opts,
            client_id,
            secret,
            rng,
            items: Vec::new(),
            by_token: HashMap::new(),
            by_id: HashMap::new(),
            link_tokens: HashMap::new(),
            public_tokens: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
        }
    }

    fn request_id(&mut self) -> String {
        generate::base62(&mut self.rng, 15)
    }

    /// Arms a fault.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(Armed { fault, seen: 0 });
    }

    /// Arms the data change of the next page after the first.
    pub fn arm_mutation(&mut self) {
        self.mutation_armed = true;
    }

    /// The fault this request gets, if any; counts the request for every
    /// armed fault it matches.
    pub fn take_fault(&mut self, path: &str) -> Option<FaultKind> {
        let mut hit = None;
        for armed in &mut self.faults {
            if !path.contains(&armed.fault.path_contains) {
                continue;
            }
            armed.seen += 1;
            let first = armed.fault.nth.max(1);
            if hit.is_none() && armed.seen >= first && armed.seen < first + armed.fault.times {
                hit = Some(armed.fault.kind.clone());
            }
        }
        // A fault whose last request has passed is done.
        self.faults
            .retain(|a| a.fault.times > 0 && a.seen < a.fault.nth.max(1) + a.fault.times - 1);
        hit
    }

    /// Records a request in the log.
    pub fn record(&mut self, req: &Req, status: u16) {
        let body = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        self.log.push(RequestLog {
            method: req.method.clone(),
            path: req.path.clone(),
            status,
            plaid_version: req.header("plaid-version").map(str::to_owned),
            body,
        });
    }

    /// The answer of an injected fault (all but `Slow` and `Drop`).
    pub fn fault_response(&mut self, kind: &FaultKind, req: &Req) -> Resp {
        match kind {
            FaultKind::Status(s @ (502 | 504)) => Resp::with_type(
                *s,
                "text/html",
                format!("<html><body><h1>{s} Gateway error</h1></body></html>"),
            ),
            FaultKind::Status(s) => {
                let e = errors::for_status(*s, &req.path);
                self.error_response(&e, req)
            }
            FaultKind::Error {
                status,
                error_type,
                error_code,
            } => {
                let e = PlaidErr::new(*status, error_type, error_code, "an injected error");
                self.error_response(&e, req)
            }
            FaultKind::RateLimit => {
                let e = errors::rate_limit(errors::rate_limit_code(&req.path));
                self.error_response(&e, req)
            }
            FaultKind::Malformed => {
                let mut resp = self.handle(req);
                let cut = (resp.body.len() / 2).max(1).min(resp.body.len());
                resp.body.truncate(cut);
                if resp.body.len() < 2 {
                    resp.body = b"{\"accounts\": [{\"acco".to_vec();
                }
                resp.status = 200;
                resp
            }
            FaultKind::Slow(_) | FaultKind::Drop => self.handle(req),
        }
    }

    /// Answers an API request.
    pub fn handle(&mut self, req: &Req) -> Resp {
        match self.route(req) {
            Ok(mut v) => {
                v["request_id"] = json!(self.request_id());
                Resp::json(200, &v)
            }
            Err(e) => self.error_response(&e, req),
        }
    }

    /// An error answer; with `echo_secrets`, quoting what the request sent.
    fn error_response(&mut self, e: &PlaidErr, req: &Req) -> Resp {
        let mut e = e.clone();
        if self.opts.echo_secrets {
            let sent = sent(req);
            e.message = format!(
                "{} (client_id {:?}, secret {:?}, access_token {:?})",
                e.message,
                sent.client_id.unwrap_or_default(),
                sent.secret.unwrap_or_default(),
                sent.access_token.unwrap_or_default()
            );
        }
        let id = self.request_id();
        Resp::json(e.status, &e.json(Some(&id)))
    }

    fn route(&mut self, req: &Req) -> Result<Value, PlaidErr> {
        if req.method != "POST" {
            return Err(errors::not_found());
        }
        let body = match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(errors::invalid_body()),
        };
        let r = Request { body };
        self.authenticate(req, &r)?;
        match req.path.as_str() {
            "/link/token/create" => self.link_token_create(&r),
            "/sandbox/public_token/create" => self.sandbox_public_token_create(&r),
            "/item/public_token/exchange" => self.public_token_exchange(&r),
            "/item/get" => self.item_get(&r),
            "/accounts/get" => self.accounts_get(&r),
            "/accounts/balance/get" => self.balance_get(&r),
            "/transactions/sync" => self.transactions_sync(&r),
            _ => Err(errors::not_found()),
        }
    }

    /// The keys, from the headers or the body.
    fn authenticate(&self, req: &Req, r: &Request) -> Result<(), PlaidErr> {
        let sent = sent(req);
        let id = sent
            .client_id
            .or_else(|| r.str("client_id").map(str::to_owned));
        let secret = sent.secret.or_else(|| r.str("secret").map(str::to_owned));
        match (id, secret) {
            (Some(id), Some(secret)) => {
                if id == self.client_id && secret == self.secret {
                    Ok(())
                } else {
                    Err(errors::invalid_api_keys())
                }
            }
            (None, None) => Err(errors::missing_fields("client_id, secret")),
            (None, _) => Err(errors::missing_fields("client_id")),
            (_, None) => Err(errors::missing_fields("secret")),
        }
    }

    /// The Item of the request's access token.
    fn item_of(&mut self, r: &Request) -> Result<usize, PlaidErr> {
        let Some(token) = r.str("access_token") else {
            return Err(errors::missing_fields("access_token"));
        };
        self.by_token
            .get(token)
            .copied()
            .ok_or_else(errors::invalid_access_token)
    }

    /// The index of an Item by id.
    pub fn item_index(&self, item_id: &str) -> Option<usize> {
        self.by_id.get(item_id).copied()
    }

    /// Every Item's id, oldest first.
    pub fn item_ids(&self) -> Vec<String> {
        self.items.iter().map(|i| i.id.clone()).collect()
    }

    /// An Item, by id.
    pub fn item_mut(&mut self, item_id: &str) -> Option<&mut Item> {
        let i = self.item_index(item_id)?;
        self.items.get_mut(i)
    }
}

/// What the request sent in its headers and body that an error may echo.
fn sent(req: &Req) -> Sent {
    let body: Option<Map<String, Value>> = serde_json::from_slice(&req.body).ok();
    let field = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Sent {
        client_id: req.header("plaid-client-id").map(str::to_owned),
        secret: req.header("plaid-secret").map(str::to_owned),
        access_token: field("access_token").or_else(|| field("public_token")),
    }
}
