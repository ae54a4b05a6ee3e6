//! The server's state (clock, grants, accounts, troubles, quotas, counters,
//! faults) and the answers to the protocol's requests.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use fake_http::{Req, Resp};
use serde_json::{Map, Value, json};

use crate::generate::{self, Connection, Profile, Seen};
use crate::options::{Fault, FaultKind, Options, QuotaMode, RequestLog, Trouble, Versions};

/// The path every endpoint is under, as on the Bridge.
pub const ROOT: &str = "/simplefin";

/// The longest window answered in full.
const MAX_WINDOW: TimeDelta = TimeDelta::days(90);

/// One setup token and the access it grants once claimed.
#[derive(Debug, Clone)]
struct Grant {
    claim_token: String,
    user: String,
    password: String,
    claimed: bool,
    /// Revoked by the user or disabled for abuse of the quota.
    disabled: bool,
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
    pub port: u16,
    conns: Vec<Connection>,
    profiles: Vec<Profile>,
    grants: Vec<Grant>,
    /// By account index: what is wrong and since when.
    troubles: HashMap<usize, (Trouble, DateTime<Utc>)>,
    payment_required: bool,
    /// By (grant, account filter): the day and the requests made that day.
    quota: HashMap<(usize, String), (NaiveDate, u32)>,
    pub log: Vec<RequestLog>,
    faults: Vec<Armed>,
}

/// The version of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V {
    One,
    Two,
}

impl State {
    pub fn new(opts: Options) -> State {
        let (conns, profiles) = generate::accounts(&opts);
        let mut state = State {
            now: opts.now,
            port: 0,
            conns,
            profiles,
            grants: Vec::new(),
            troubles: HashMap::new(),
            payment_required: false,
            quota: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
            opts,
        };
        state.new_grant();
        state
    }

    /// A new unclaimed setup token; its index.
    pub fn new_grant(&mut self) -> usize {
        let n = self.grants.len() as u64;
        let mut rng = fastrand::Rng::with_seed(generate::mix(&[self.opts.seed, 11, n]));
        self.grants.push(Grant {
            claim_token: generate::hex(&mut rng, 48),
            user: generate::hex(&mut rng, 32),
            password: generate::hex(&mut rng, 64),
            claimed: false,
            disabled: false,
        });
        self.grants.len() - 1
    }

    fn root_url(&self) -> String {
        format!("http://127.0.0.1:{}{ROOT}", self.port)
    }

    fn claim_url(&self, g: usize) -> String {
        format!("{}/claim/{}", self.root_url(), self.grants[g].claim_token)
    }

    /// The setup token of grant `g`: base64 of its claim URL.
    pub fn setup_token(&self, g: usize) -> String {
        STANDARD.encode(self.claim_url(g))
    }

    /// The access URL of grant `g`.
    pub fn access_url(&self, g: usize) -> String {
        let gr = &self.grants[g];
        format!(
            "http://{}:{}@127.0.0.1:{}{ROOT}",
            gr.user, gr.password, self.port
        )
    }

    /// Marks grant `g` claimed.
    pub fn mark_claimed(&mut self, g: usize) {
        self.grants[g].claimed = true;
    }

    pub fn last_grant(&self) -> usize {
        self.grants.len() - 1
    }

    pub fn account_ids(&self) -> Vec<String> {
        self.profiles.iter().map(|p| p.id.clone()).collect()
    }

    /// Revokes every grant, as the user can in the Bridge.
    pub fn revoke_all(&mut self) {
        for g in &mut self.grants {
            g.disabled = true;
        }
    }

    pub fn set_payment_required(&mut self, on: bool) {
        self.payment_required = on;
    }

    /// Sets or clears an account's trouble; unknown ids are ignored.
    pub fn set_trouble(&mut self, account_id: &str, trouble: Option<Trouble>) {
        let Some(i) = self.profiles.iter().position(|p| p.id == account_id) else {
            return;
        };
        match trouble {
            Some(t) => {
                self.troubles.insert(i, (t, self.now));
            }
            None => {
                self.troubles.remove(&i);
            }
        }
    }

    /// The requests counted today against the quota of `GET /accounts` for
    /// all accounts, by the first grant.
    pub fn quota_used(&self) -> u32 {
        let today = self.now.date_naive();
        match self.quota.get(&(0, String::new())) {
            Some((day, n)) if *day == today => *n,
            _ => 0,
        }
    }

    // ----- faults and the log -------------------------------------------

    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(Armed { fault, seen: 0 });
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
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
        self.faults
            .retain(|a| a.fault.times > 0 && a.seen < a.fault.nth.max(1) + a.fault.times - 1);
        hit
    }

    pub fn record(&mut self, req: &Req, status: u16) {
        self.log.push(RequestLog {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            status,
        });
    }

    /// The answer of a fault that answers (not `Slow`, not `Drop`).
    pub fn fault_response(&mut self, kind: &FaultKind, req: &Req) -> Resp {
        match kind {
            FaultKind::Status(s) => self.error(*s, req, "Injected failure."),
            FaultKind::TooManyRequests { retry_after } => {
                let resp = self.error(429, req, "Too many requests.");
                match retry_after {
                    Some(s) => resp.with_header("Retry-After", s),
                    None => resp,
                }
            }
            FaultKind::Malformed => {
                let mut resp = self.handle(req);
                let cut = (resp.body.len() / 2).max(1).min(resp.body.len());
                resp.body.truncate(cut);
                resp.status = 200;
                resp
            }
            FaultKind::Slow(_) | FaultKind::Drop => self.handle(req),
        }
    }

    // ----- error answers --------------------------------------------------

    /// What a careless server would echo of the request's secrets.
    fn echo(&self, req: &Req) -> String {
        if !self.opts.echo_secrets {
            return String::new();
        }
        let auth = req.header("authorization").unwrap_or("none");
        let decoded = auth
            .strip_prefix("Basic ")
            .and_then(|b| STANDARD.decode(b.trim()).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        // The access URL whose user the request names, as a server that
        // logs "who asked" would print it.
        let user = decoded.split(':').next().unwrap_or("");
        let access = (0..self.grants.len())
            .find(|&g| !user.is_empty() && self.grants[g].user == user)
            .map(|g| self.access_url(g))
            .unwrap_or_default();
        format!(
            " (request {} {} with Authorization: {auth} = {decoded:?}; access URL {access})",
            req.method, req.path
        )
    }

    /// An error answer shaped like the Bridge's for `status`: an HTML page
    /// for 403 and 5xx, the Account Set with `errors` otherwise. A server
    /// echoing secrets answers in plain text, where they would be quoted.
    fn error(&self, status: u16, req: &Req, message: &str) -> Resp {
        let echo = self.echo(req);
        let page = |title: &str, text: &str| {
            if echo.is_empty() {
                Resp::with_type(status, "text/html; charset=utf-8", html_page(title, text))
            } else {
                Resp::with_type(status, "text/plain", format!("{title}: {text}{echo}"))
            }
        };
        match status {
            403 => page("Forbidden", "Access denied"),
            500..=599 => page("Server Error", message),
            402 => Resp::json(
                402,
                &json!({"errors": [format!("Payment required.{echo}")], "accounts": []}),
            ),
            _ => Resp::json(
                status,
                &json!({"errors": [format!("{message}{echo}")], "accounts": []}),
            ),
        }
    }

    // ----- routing ---------------------------------------------------------

    pub fn handle(&mut self, req: &Req) -> Resp {
        let Some(rest) = req.path.strip_prefix(ROOT) else {
            return self.error(404, req, "Not found.");
        };
        let m = req.method.as_str();
        match (m, rest) {
            ("GET", "/info") => self.info(),
            ("GET", "/accounts") => self.accounts(req),
            ("POST", p) if p.starts_with("/claim/") => {
                let token = p["/claim/".len()..].trim_end_matches('/').to_owned();
                self.claim(&token, req)
            }
            (_, "/info" | "/accounts") => self.error(405, req, "Method not allowed."),
            (_, p) if p.starts_with("/claim/") => self.error(405, req, "Method not allowed."),
            _ => self.error(404, req, "Not found."),
        }
    }

    fn info(&self) -> Resp {
        let versions = match self.opts.versions {
            Versions::OneAndTwo => json!(["1", "2"]),
            Versions::OneOnly => json!(["1.0"]),
        };
        Resp::json(200, &json!({ "versions": versions }))
    }

    fn claim(&mut self, token: &str, req: &Req) -> Resp {
        let found = self
            .grants
            .iter()
            .position(|g| g.claim_token == token && !g.claimed && !g.disabled);
        let Some(g) = found else {
            if self.opts.echo_secrets {
                let text = format!(
                    "Forbidden: the token {token} at {} does not exist or has already been claimed{}",
                    req.path,
                    self.echo(req)
                );
                return Resp::with_type(403, "text/plain", text);
            }
            return Resp::with_type(
                403,
                "text/html; charset=utf-8",
                html_page(
                    "Forbidden",
                    "The token does not exist or has already been claimed.",
                ),
            );
        };
        self.grants[g].claimed = true;
        Resp::with_type(200, "text/plain", self.access_url(g))
    }

    /// The grant whose credentials the request carries, if valid.
    fn authenticate(&self, req: &Req) -> Option<usize> {
        let b64 = req.header("authorization")?.strip_prefix("Basic ")?;
        let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        self.grants
            .iter()
            .position(|g| g.claimed && !g.disabled && g.user == user && g.password == password)
    }

    fn accounts(&mut self, req: &Req) -> Resp {
        let Some(grant) = self.authenticate(req) else {
            return self.error(403, req, "Access denied.");
        };
        if self.payment_required {
            return self.error(402, req, "Payment required.");
        }
        let params = req.params();
        let all = |name: &str| -> Vec<String> {
            params
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect()
        };
        let mut filter = all("account");
        filter.sort();
        filter.dedup();

        // The quota, per grant and account filter.
        let today = self.now.date_naive();
        let entry = self
            .quota
            .entry((grant, filter.join(",")))
            .or_insert((today, 0));
        if entry.0 != today {
            *entry = (today, 0);
        }
        entry.1 += 1;
        let used = entry.1;
        let quota = self.opts.daily_quota;
        let mut warnings: Vec<(String, String)> = Vec::new();
        if used > quota {
            match self.opts.quota_mode {
                QuotaMode::TooManyRequests => {
                    let tomorrow = (today + Days::new(1))
                        .and_hms_opt(0, 0, 0)
                        .expect("midnight exists")
                        .and_utc();
                    let wait = (tomorrow - self.now).num_seconds().max(1);
                    let msg = format!(
                        "Daily request quota exceeded ({used} of {quota} requests today); try again tomorrow."
                    );
                    return self.error(429, req, &msg).with_header("Retry-After", wait);
                }
                QuotaMode::WarnThenDisable { disable_after } if used > disable_after => {
                    self.grants[grant].disabled = true;
                    return self.error(403, req, "Access disabled.");
                }
                QuotaMode::WarnThenDisable { .. } => {
                    let echo = self.echo(req);
                    warnings.push((
                        "gen.api".to_owned(),
                        format!(
                            "You have made {used} requests today, over the daily quota of {quota}; \
                             continued use may disable this access token.{echo}"
                        ),
                    ));
                }
            }
        }

        let epoch = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
            match params.iter().find(|(k, _)| k == name) {
                None => Ok(None),
                Some((_, v)) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(|s| DateTime::from_timestamp(s, 0))
                    .map(Some)
                    .ok_or_else(|| format!("Invalid {name}: {v:?}")),
            }
        };
        let (start, end) = match (epoch("start-date"), epoch("end-date")) {
            (Ok(s), Ok(e)) => (s, e),
            (Err(m), _) | (_, Err(m)) => return self.error(400, req, &m),
        };
        let flag = |name: &str| params.iter().any(|(k, v)| k == name && v == "1");
        let pending = flag("pending");
        let balances_only = flag("balances-only");
        let v = match self.opts.versions {
            Versions::OneAndTwo if all("version").iter().any(|v| v == "2") => V::Two,
            _ => V::One,
        };
        let end = end.unwrap_or(self.now);
        let mut start = start.unwrap_or(end - MAX_WINDOW);
        if !balances_only && end - start > MAX_WINDOW {
            start = end - MAX_WINDOW;
            warnings.push((
                "gen.api".to_owned(),
                "Requested date range exceeds limit of 90 days and was capped.".to_owned(),
            ));
        }

        let chosen: Vec<usize> = (0..self.profiles.len())
            .filter(|&i| filter.is_empty() || filter.contains(&self.profiles[i].id))
            .collect();
        let accounts: Vec<Value> = chosen
            .iter()
            .map(|&i| self.account_json(i, v, start, end, pending, balances_only))
            .collect();

        let mut errors: Vec<String> = warnings.iter().map(|(_, m)| m.clone()).collect();
        let mut errlist: Vec<Value> = warnings
            .iter()
            .map(|(c, m)| json!({"code": c, "msg": m}))
            .collect();
        self.trouble_messages(&chosen, &mut errors, &mut errlist);

        let body = match v {
            V::One => json!({ "errors": errors, "accounts": accounts }),
            V::Two => {
                let mut conns: Vec<usize> = chosen.iter().map(|&i| self.profiles[i].conn).collect();
                conns.sort();
                conns.dedup();
                let connections: Vec<Value> = conns
                    .iter()
                    .map(|&c| {
                        let c = &self.conns[c];
                        json!({
                            "conn_id": c.id, "name": c.name, "org_id": c.org_id,
                            "org_name": c.org_name, "org_url": c.org_url(),
                            "sfin_url": self.root_url(),
                        })
                    })
                    .collect();
                // The deprecated `errors` goes along during the migration.
                json!({ "errors": errors, "errlist": errlist, "connections": connections, "accounts": accounts })
            }
        };
        Resp::json(200, &body)
    }

    /// The time an account's data stands at: now, or when its trouble (or
    /// its connection's) started.
    fn as_of(&self, i: usize) -> DateTime<Utc> {
        let conn = self.profiles[i].conn;
        self.troubles
            .iter()
            .filter(|(j, (t, _))| {
                **j == i || (*t == Trouble::Connection && self.profiles[**j].conn == conn)
            })
            .map(|(_, (_, since))| *since)
            .fold(self.now, |a, b| a.min(b))
    }

    fn account_json(
        &self,
        i: usize,
        v: V,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        pending: bool,
        balances_only: bool,
    ) -> Value {
        let p = &self.profiles[i];
        let as_of = self.as_of(i);
        let mut balance = p.opening;
        let mut on_hold = 0;
        let mut posted: Vec<(DateTime<Utc>, Value)> = Vec::new();
        let mut waiting: Vec<(DateTime<Utc>, Value)> = Vec::new();
        for tx in generate::between(&self.opts, p, p.opened, as_of.date_naive()) {
            match tx.seen_at(as_of) {
                None => {}
                Some(Seen::Posted(t)) => {
                    balance += t.amount;
                    if !balances_only && start <= t.posted_at && t.posted_at < end {
                        posted.push((t.posted_at, self.tx_json(p, t, false)));
                    }
                }
                Some(Seen::Pending(t)) => {
                    on_hold += t.pending_amount;
                    let inside = start <= t.transacted_at && t.transacted_at < end;
                    if pending && !balances_only && inside {
                        waiting.push((t.transacted_at, self.tx_json(p, t, true)));
                    }
                }
            }
        }
        posted.sort_by_key(|(t, _)| *t);
        waiting.sort_by_key(|(t, _)| *t);
        let mut a = Map::new();
        let c = &self.conns[p.conn];
        if v == V::One {
            a.insert(
                "org".into(),
                json!({
                    "domain": c.domain, "name": c.org_name, "sfin-url": self.root_url(),
                    "url": c.org_url(), "id": c.org_id,
                }),
            );
        }
        a.insert("id".into(), json!(p.id));
        a.insert("name".into(), json!(p.name));
        if v == V::Two {
            a.insert("conn_id".into(), json!(c.id));
        }
        a.insert("currency".into(), json!(p.currency()));
        a.insert("balance".into(), json!(p.amount(balance)));
        a.insert(
            "available-balance".into(),
            json!(p.amount(balance + on_hold)),
        );
        a.insert("balance-date".into(), json!(as_of.timestamp()));
        if !balances_only {
            let txs: Vec<Value> = posted.into_iter().chain(waiting).map(|(_, t)| t).collect();
            a.insert("transactions".into(), Value::Array(txs));
        }
        a.insert("holdings".into(), json!([]));
        let opened = p
            .opened
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        a.insert(
            "extra".into(),
            json!({ "account-open-date": opened.timestamp() }),
        );
        Value::Object(a)
    }

    fn tx_json(&self, p: &Profile, t: &generate::Tx, pending: bool) -> Value {
        let mut o = Map::new();
        if pending {
            o.insert("id".into(), json!(t.pending_id));
            o.insert("posted".into(), json!(0));
            o.insert("amount".into(), json!(p.amount(t.pending_amount)));
        } else {
            o.insert("id".into(), json!(t.posted_id));
            o.insert("posted".into(), json!(t.posted_at.timestamp()));
            o.insert("amount".into(), json!(p.amount(t.amount)));
        }
        o.insert("description".into(), json!(t.description));
        o.insert("payee".into(), json!(t.payee));
        o.insert("memo".into(), json!(t.memo));
        o.insert("transacted_at".into(), json!(t.transacted_at.timestamp()));
        if pending {
            o.insert("pending".into(), json!(true));
        }
        if let Some(extra) = &t.extra {
            o.insert("extra".into(), extra.clone());
        }
        Value::Object(o)
    }

    /// The messages of the troubles of the chosen accounts, in both forms.
    fn trouble_messages(
        &self,
        chosen: &[usize],
        errors: &mut Vec<String>,
        errlist: &mut Vec<Value>,
    ) {
        let mut troubles: Vec<(&usize, &(Trouble, DateTime<Utc>))> = self.troubles.iter().collect();
        troubles.sort_by_key(|(i, _)| **i);
        let mut conns_done: Vec<usize> = Vec::new();
        for (&i, (trouble, _)) in troubles {
            let p = &self.profiles[i];
            let c = &self.conns[p.conn];
            match trouble {
                Trouble::Connection => {
                    let shown = chosen.iter().any(|&j| self.profiles[j].conn == p.conn);
                    if !shown || conns_done.contains(&p.conn) {
                        continue;
                    }
                    conns_done.push(p.conn);
                    errors.push(format!("Connection to {} may need attention", c.org_name));
                    errlist.push(json!({
                        "code": "con.auth",
                        "msg": format!("Authentication required for {}", c.name),
                        "conn_id": c.id,
                    }));
                }
                Trouble::Account => {
                    if !chosen.contains(&i) {
                        continue;
                    }
                    errors.push(format!(
                        "Failed to get all transactions for account {} ({}). Try again later.",
                        p.id, p.name
                    ));
                    errlist.push(json!({
                        "code": "act.failed",
                        "msg": "Failed to get all transactions. Try again later.",
                        "account_id": p.id,
                    }));
                }
            }
        }
    }
}

/// A page in the Bridge's manner (its words, not its markup).
fn html_page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"UTF-8\"><title>{title} - SimpleFIN Bridge (fake)</title></head>\n\
         <body><header>SimpleFIN Bridge</header><section class=\"main\"><h1>{title}</h1><p>{text}</p></section></body>\n</html>\n"
    )
}
