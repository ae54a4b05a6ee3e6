//! The server's state (clock, companies, connections, source accounts,
//! push operations, idempotency cache, counters, faults) and the routing
//! of API requests. The handlers live in the submodules.

mod accounts;
mod push;

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use fake_http::{Req, Resp};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::errors;
use crate::options::{Fault, FaultKind, Options, RequestLog};

pub use accounts::Account;
pub use push::PushOp;

/// How long Codat keeps an idempotency key's answer.
const IDEMPOTENCY_WINDOW_MINUTES: i64 = 90;

#[derive(Debug, Clone)]
struct Company {
    id: String,
    name: String,
    created: DateTime<Utc>,
    connections: Vec<Conn>,
}

#[derive(Debug, Clone)]
struct Conn {
    id: String,
    integration_id: String,
    source_id: String,
    status: String,
    created: DateTime<Utc>,
}

/// An answer kept under its idempotency key.
#[derive(Debug, Clone)]
struct Cached {
    method: String,
    path: String,
    body: Vec<u8>,
    resp: Resp,
    at: DateTime<Utc>,
}

/// A fault waiting for its requests.
#[derive(Debug, Clone)]
struct Armed {
    fault: Fault,
    seen: u32,
}

/// Everything the server knows. One mutex guards it.
pub struct State {
    pub opts: Options,
    pub now: DateTime<Utc>,
    pub api_key: String,
    rng: fastrand::Rng,
    company: Company,
    pub accounts: Vec<Account>,
    pub operations: Vec<PushOp>,
    idempotency: HashMap<String, Cached>,
    pub log: Vec<RequestLog>,
    faults: Vec<Armed>,
    correlations: u64,
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A decimal as the JSON number of its exact text.
pub(crate) fn num(d: &Decimal) -> Box<RawValue> {
    RawValue::from_string(d.to_string()).expect("a decimal's text is a JSON number")
}

/// A response whose body is serialised from a struct (which may carry
/// exact numbers as `RawValue`s).
pub(crate) fn resp_of<T: Serialize>(status: u16, body: &T) -> Resp {
    Resp::json_text(
        status,
        serde_json::to_string(body).expect("bodies serialise"),
    )
}

fn uuid(rng: &mut fastrand::Rng) -> String {
    let b = rng.u128(..).to_be_bytes();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

impl State {
    /// A fresh server: one company with `opts.connections` linked
    /// connections and no source accounts.
    pub fn new(opts: Options) -> State {
        let mut rng = fastrand::Rng::with_seed(opts.seed);
        let api_key: String = (0..40)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.usize(..36)]))
            .collect();
        let created = opts.now - Duration::days(30);
        let connections = (0..opts.connections.max(1))
            .map(|i| Conn {
                id: uuid(&mut rng),
                integration_id: uuid(&mut rng),
                source_id: uuid(&mut rng),
                status: "Linked".to_owned(),
                created: created + Duration::minutes(i as i64),
            })
            .collect();
        let company = Company {
            id: uuid(&mut rng),
            name: "Toft stores".to_owned(),
            created,
            connections,
        };
        State {
            now: opts.now,
            opts,
            api_key,
            rng,
            company,
            accounts: Vec::new(),
            operations: Vec::new(),
            idempotency: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
            correlations: 0,
        }
    }

    pub fn company_id(&self) -> String {
        self.company.id.clone()
    }

    pub fn connection_ids(&self) -> Vec<String> {
        self.company
            .connections
            .iter()
            .map(|c| c.id.clone())
            .collect()
    }

    pub(crate) fn uuid(&mut self) -> String {
        uuid(&mut self.rng)
    }

    /// A new correlation id, as Codat puts in every error.
    pub(crate) fn correlation(&mut self) -> String {
        self.correlations += 1;
        format!(
            "{:032x}",
            u128::from(self.correlations) * 0x9e37_79b9_7f4a_7c15
        )
    }

    pub(crate) fn error(&mut self, status: u16) -> Resp {
        let c = self.correlation();
        Resp::json(status, &errors::for_status(status, &c))
    }

    pub(crate) fn error_text(&mut self, status: u16, service: &str, text: &str) -> Resp {
        let c = self.correlation();
        Resp::json(status, &errors::body(status, service, text, &c))
    }

    pub(crate) fn invalid(&mut self, error: &str, items: &[(String, String)]) -> Resp {
        let c = self.correlation();
        Resp::json(400, &errors::validation(error, items, &c))
    }

    /// Arms a fault.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(Armed { fault, seen: 0 });
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
        self.log.push(RequestLog {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            idempotency_key: req.header("idempotency-key").map(str::to_owned),
            status,
        });
    }

    /// The response of a fault that answers without doing the request.
    pub fn fault_response(&mut self, kind: &FaultKind, req: &Req) -> Resp {
        match kind {
            FaultKind::Status(status) => self.error(*status),
            FaultKind::RateLimit { retry_after } => {
                let resp = self.error(429);
                let resp = resp
                    .with_header("X-Rate-Limit-Limit", 1000)
                    .with_header("X-Rate-Limit-Remaining", 0);
                match retry_after {
                    Some(s) => resp.with_header("Retry-After", s),
                    None => resp,
                }
            }
            FaultKind::EchoCredentials(status) => {
                let header = req.header("authorization").unwrap_or("").to_owned();
                let decoded = header
                    .split_once(' ')
                    .and_then(|(_, b)| base64::engine::general_purpose::STANDARD.decode(b).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let c = self.correlation();
                let mut body = errors::body(
                    *status,
                    "PublicApi",
                    &format!("Request with Authorization: {header} (API key {decoded}) failed"),
                    &format!("{c}-{decoded}"),
                );
                body["validation"] =
                    json!({"errors": [{"itemId": decoded, "message": format!("key {header}")}]});
                Resp::json(*status, &body)
            }
            // Answered after handling, or not at all: the server's part.
            _ => self.error(500),
        }
    }

    // ----- routing ------------------------------------------------------

    /// Answers an API request: authentication, then the idempotency
    /// cache, then the handler. `timeout` makes a push end `TimedOut`.
    pub fn handle(&mut self, req: &Req, timeout: bool) -> Resp {
        if !self.authorized(req) {
            return self.error(401);
        }
        let key = match req.method.as_str() {
            "POST" | "PATCH" => req.header("idempotency-key").map(str::to_owned),
            _ => None,
        };
        let Some(key) = key else {
            return self.route(req, timeout);
        };
        let window = Duration::minutes(IDEMPOTENCY_WINDOW_MINUTES);
        let now = self.now;
        self.idempotency.retain(|_, c| now - c.at < window);
        if let Some(c) = self.idempotency.get(&key) {
            if c.method == req.method && c.path == req.path && c.body == req.body {
                return c.resp.clone();
            }
            return self.error_text(
                422,
                "PublicApi",
                "The Idempotency-Key has already been used with a different request.",
            );
        }
        let resp = self.route(req, timeout);
        // Refusals for load or failures are not kept: a retry must be able to pass.
        if resp.status != 429 && resp.status < 500 {
            self.idempotency.insert(
                key,
                Cached {
                    method: req.method.clone(),
                    path: req.path.clone(),
                    body: req.body.clone(),
                    resp: resp.clone(),
                    at: now,
                },
            );
        }
        resp
    }

    fn authorized(&self, req: &Req) -> bool {
        let want = base64::engine::general_purpose::STANDARD.encode(&self.api_key);
        req.header("authorization")
            .and_then(|h| h.split_once(' '))
            .is_some_and(|(scheme, value)| {
                scheme.eq_ignore_ascii_case("basic") && value.trim() == want
            })
    }

    fn route(&mut self, req: &Req, timeout: bool) -> Resp {
        let segs: Vec<String> = req
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let m = req.method.as_str();
        let ["companies", company, rest @ ..] = segs.as_slice() else {
            return self.error(404);
        };
        if *company != self.company.id {
            return self.error_text(
                404,
                "ClientsApi",
                &format!("No company was found with ID {company}"),
            );
        }
        match (m, rest) {
            ("GET", []) => self.company_get(),
            ("GET", ["connections"]) => self.connections_list(req),
            ("GET", ["push"]) => self.operations_list(req),
            ("GET", ["push", key]) => self.operation_get(key),
            (_, ["connections", conn, more @ ..]) => {
                let Some(ci) = self.company.connections.iter().position(|c| c.id == *conn) else {
                    return self.error_text(
                        404,
                        "PublicApi",
                        &format!("Data connection {conn} not found"),
                    );
                };
                let conn = self.company.connections[ci].id.clone();
                match (m, more) {
                    ("GET", []) => {
                        let v = self.connection_json(ci);
                        Resp::json(200, &v)
                    }
                    ("GET", ["connectionInfo", "bankFeedAccounts"]) => self.accounts_list(&conn),
                    ("POST", ["connectionInfo", "bankFeedAccounts"]) => {
                        self.account_create(&conn, req)
                    }
                    ("PATCH", ["connectionInfo", "bankFeedAccounts", id]) => {
                        self.account_update(&conn, id, req)
                    }
                    ("POST", ["push", "bankAccounts", id, "bankTransactions"]) => {
                        self.push(&conn, id, req, timeout)
                    }
                    (
                        _,
                        []
                        | ["connectionInfo", "bankFeedAccounts"]
                        | ["connectionInfo", "bankFeedAccounts", _]
                        | ["push", "bankAccounts", _, "bankTransactions"],
                    ) => self.error(405),
                    _ => self.error(404),
                }
            }
            (_, [] | ["connections"] | ["push"] | ["push", _]) => self.error(405),
            _ => self.error(404),
        }
    }

    fn company_get(&mut self) -> Resp {
        let c = &self.company;
        let connections: Vec<Value> = (0..c.connections.len())
            .map(|i| self.connection_json(i))
            .collect();
        Resp::json(
            200,
            &json!({
                "id": c.id,
                "name": c.name,
                "description": "",
                "platform": "",
                "redirect": format!("https://link.codat.io/company/{}", c.id),
                "dataConnections": connections,
                "created": ts(c.created),
                "createdByUserName": "gc-beancount fake",
                "products": ["bank-feeds"],
                "referenceSubsidiaryCompanies": [],
            }),
        )
    }

    fn connection_json(&self, i: usize) -> Value {
        let c = &self.company.connections[i];
        json!({
            "id": c.id,
            "integrationId": c.integration_id,
            "integrationKey": self.opts.integration_key,
            "sourceId": c.source_id,
            "platformName": self.opts.platform_name,
            "linkUrl": format!("https://link-api.codat.io/companies/{}/connections/{}/start", self.company.id, c.id),
            "status": c.status,
            "lastSync": null,
            "created": ts(c.created),
            "sourceType": "BankFeed",
        })
    }

    fn connections_list(&mut self, req: &Req) -> Resp {
        let items: Vec<Value> = (0..self.company.connections.len())
            .map(|i| self.connection_json(i))
            .collect();
        let path = format!("/companies/{}/connections", self.company.id);
        self.page(req, items, &path)
    }

    /// The `{results, pageNumber, pageSize, totalResults, _links}` page
    /// `page`/`pageSize` ask for.
    pub(crate) fn page<T: Serialize>(&mut self, req: &Req, items: Vec<T>, path: &str) -> Resp {
        let num = |k: &str, default: u32| match req.param(k) {
            None => Some(default),
            Some(v) => v.parse::<u32>().ok().filter(|&n| n >= 1),
        };
        let (Some(page), Some(size)) = (num("page", 1), num("pageSize", 100)) else {
            return self.error_text(400, "ClientsApi", "Error parsing query - Malformed query.");
        };
        if size > 5000 {
            return self.error_text(400, "ClientsApi", "Error parsing query - Malformed query.");
        }
        let size = size.min(self.opts.max_page_size.max(1));
        let total = items.len();
        let start = (page as usize - 1).saturating_mul(size as usize);
        let results: Vec<T> = items.into_iter().skip(start).take(size as usize).collect();
        let link = |p: u32| json!({"href": format!("{path}?page={p}&pageSize={size}")});
        let mut links = json!({"self": {"href": path}, "current": link(page)});
        if start + (size as usize) < total {
            links["next"] = link(page + 1);
        }
        if page > 1 {
            links["previous"] = link(page - 1);
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct PageOut<T> {
            results: Vec<T>,
            page_number: u32,
            page_size: u32,
            total_results: usize,
            #[serde(rename = "_links")]
            links: Value,
        }
        resp_of(
            200,
            &PageOut {
                results,
                page_number: page,
                page_size: size,
                total_results: total,
                links,
            },
        )
    }
}

/// Decodes `%XX` escapes of a path segment (`+` stays a plus).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_path_segments() {
        assert_eq!(percent_decode("acc%201%2Fx+y"), "acc 1/x+y");
        assert_eq!(percent_decode("bad%2"), "bad%2");
        assert_eq!(percent_decode("%zzok"), "%zzok");
    }
}
