//! The server's state (clock, tokens, agreements, requisitions, accounts,
//! budgets, counters, faults), the routing of API requests, and the
//! rate-limit headers. The handlers live in the submodules, one per
//! resource.

mod accounts;
mod agreements;
mod institutions;
mod requisitions;
mod tokens;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Days, Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::Fault;
use crate::errors;
use crate::generate::{self, AccountProfile, Ledger};
use crate::options::{AccountSpec, FaultKind, HeaderStyle, Options, RequestLog, Scope};
use fake_http::{Req, Resp};

/// Requests per minute the general rate-limit headers report.
const API_LIMIT_PER_MINUTE: u32 = 100;
/// Page size of the list endpoints when no `limit` is given.
const DEFAULT_LIST_LIMIT: usize = 100;
/// Accounts a requisition gets from [`crate::FakeServer::link_requisition`].
pub const DEFAULT_LINKED_ACCOUNTS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Agreement {
    id: String,
    created: DateTime<Utc>,
    institution_id: String,
    max_historical_days: u32,
    access_valid_for_days: u32,
    access_scope: Vec<String>,
    accepted: Option<DateTime<Utc>>,
    reconfirmation: bool,
    reconfirm: Option<Value>,
}

#[derive(Debug, Clone)]
struct Requisition {
    id: String,
    created: DateTime<Utc>,
    redirect: Option<String>,
    status: String,
    institution_id: String,
    agreement: String,
    reference: String,
    accounts: Vec<String>,
    user_language: String,
    ssn: Option<String>,
    account_selection: bool,
    redirect_immediate: bool,
}

/// Whether an account's data can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Ok,
    /// The end-user agreement expired; answered with this status.
    EuaExpired(u16),
    /// The requisition was deleted or access revoked.
    Revoked,
    /// Suspended after repeated errors (409).
    Suspended,
}

#[derive(Debug, Clone)]
struct Account {
    id: String,
    created: DateTime<Utc>,
    institution_id: String,
    requisition: String,
    profile: AccountProfile,
    spec: Option<AccountSpec>,
    access: Access,
    last_accessed: Option<DateTime<Utc>>,
    cache: Option<(NaiveDate, Arc<Ledger>)>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    day: NaiveDate,
    remaining: u32,
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
    pub base_url: String,
    pub now: DateTime<Utc>,
    anchor: NaiveDate,
    pub secret_id: String,
    pub secret_key: String,
    rng: fastrand::Rng,
    tokens: HashMap<String, Token>,
    institutions: Vec<Value>,
    agreements: Vec<Agreement>,
    requisitions: Vec<Requisition>,
    accounts: Vec<Account>,
    by_id: HashMap<String, usize>,
    next_profile: u64,
    budgets: HashMap<(String, Scope), Budget>,
    pub log: Vec<RequestLog>,
    faults: Vec<Armed>,
    minute: (i64, u32),
    pub main_requisition: String,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl State {
    /// The state of a fresh server: credentials, institutions and `opts.accounts`
    /// accounts linked through one accepted agreement and one requisition.
    pub fn new(opts: Options, base_url: String) -> State {
        let mut rng = fastrand::Rng::with_seed(generate::mix(&[opts.seed, 1]));
        let secret_id = generate::uuid(&mut rng);
        let secret_key = (0..4).map(|_| format!("{:032x}", rng.u128(..))).collect();
        let now = opts.now;
        let anchor = now.date_naive() - Days::new(generate::WINDOW_DAYS - 1);
        let mut state = State {
            base_url,
            now,
            anchor,
            secret_id,
            secret_key,
            rng,
            tokens: HashMap::new(),
            institutions: generate::institutions(),
            agreements: Vec::new(),
            requisitions: Vec::new(),
            accounts: Vec::new(),
            by_id: HashMap::new(),
            next_profile: 0,
            budgets: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
            minute: (0, 0),
            main_requisition: String::new(),
            opts,
        };
        let institution = state.institution_id();
        // Accepted 30 days before the clock starts: access lasts 60 more days.
        let created = now - Duration::days(30);
        let agreement = state.new_agreement(&institution, 90, 90, None, false, created);
        state.agreements[agreement].accepted = Some(created);
        let agreement_id = state.agreements[agreement].id.clone();
        let req = state.new_requisition(
            &institution,
            agreement_id,
            Some("https://example.org/callback".into()),
            "gc-beancount-fake".into(),
            "EN".into(),
            created,
        );
        let id = state.requisitions[req].id.clone();
        state.main_requisition = id.clone();
        let n = state.opts.accounts;
        state.link_requisition(&id, n);
        state
    }

    /// The institution of the generated accounts.
    pub fn institution_id(&self) -> String {
        self.institutions[0]["id"].as_str().unwrap().to_string()
    }

    fn uuid(&mut self) -> String {
        generate::uuid(&mut self.rng)
    }

    /// The agreement behind account `i`, while it exists.
    fn agreement_of(&self, i: usize) -> Option<&Agreement> {
        let req = &self.accounts[i].requisition;
        let r = self.requisitions.iter().find(|r| &r.id == req)?;
        self.agreements.iter().find(|a| a.id == r.agreement)
    }

    /// Whether an agreement's access has run out on the fake clock.
    fn expired(&self, a: &Agreement) -> bool {
        a.accepted
            .is_some_and(|t| t + Duration::days(a.access_valid_for_days as i64) <= self.now)
    }

    /// Ids of the accounts linked at start (and any added later), in order.
    pub fn account_ids(&self) -> Vec<String> {
        self.requisitions
            .iter()
            .find(|r| r.id == self.main_requisition)
            .map(|r| r.accounts.clone())
            .unwrap_or_default()
    }

    fn new_agreement(
        &mut self,
        institution: &str,
        max_historical_days: u32,
        access_valid_for_days: u32,
        access_scope: Option<Vec<String>>,
        reconfirmation: bool,
        created: DateTime<Utc>,
    ) -> usize {
        let id = self.uuid();
        self.agreements.push(Agreement {
            id,
            created,
            institution_id: institution.to_string(),
            max_historical_days,
            access_valid_for_days,
            access_scope: access_scope.unwrap_or_else(|| {
                vec!["balances".into(), "details".into(), "transactions".into()]
            }),
            accepted: None,
            reconfirmation,
            reconfirm: None,
        });
        self.agreements.len() - 1
    }

    fn new_requisition(
        &mut self,
        institution: &str,
        agreement: String,
        redirect: Option<String>,
        reference: String,
        user_language: String,
        created: DateTime<Utc>,
    ) -> usize {
        let id = self.uuid();
        self.requisitions.push(Requisition {
            id,
            created,
            redirect,
            status: "CR".into(),
            institution_id: institution.to_string(),
            agreement,
            reference,
            accounts: Vec::new(),
            user_language,
            ssn: None,
            account_selection: false,
            redirect_immediate: false,
        });
        self.requisitions.len() - 1
    }

    /// Moves a requisition to `LN` with `n` new generated accounts; their ids.
    /// Unknown requisition: no accounts.
    pub fn link_requisition(&mut self, requisition_id: &str, n: usize) -> Vec<String> {
        self.link_requisition_specs(requisition_id, vec![None; n])
    }

    /// Moves a requisition to `LN` with one new account per spec (generated
    /// where the spec is `None`); their ids. Unknown requisition: no accounts.
    pub fn link_requisition_specs(
        &mut self,
        requisition_id: &str,
        specs: Vec<Option<AccountSpec>>,
    ) -> Vec<String> {
        let Some(r) = self
            .requisitions
            .iter()
            .position(|r| r.id == requisition_id)
        else {
            return Vec::new();
        };
        let ids: Vec<String> = specs
            .into_iter()
            .map(|spec| self.add_account_to(r, spec))
            .collect();
        let agreement = self.requisitions[r].agreement.clone();
        let now = self.now;
        if let Some(a) = self.agreements.iter_mut().find(|a| a.id == agreement)
            && a.accepted.is_none()
        {
            a.accepted = Some(now);
        }
        self.requisitions[r].status = "LN".into();
        ids
    }

    /// A new account on requisition number `r`, generated or from a spec.
    fn add_account_to(&mut self, r: usize, spec: Option<AccountSpec>) -> String {
        let index = self.next_profile;
        self.next_profile += 1;
        // Ids come from the seed and the index, not from the shared random
        // source, so they do not depend on the order of other calls.
        let mut rng = fastrand::Rng::with_seed(generate::mix(&[self.opts.seed, 7, index]));
        let id = generate::uuid(&mut rng);
        let mut profile = generate::profile(self.opts.seed, index);
        let mut institution_id = self.requisitions[r].institution_id.clone();
        if let Some(spec) = &spec {
            if let Some(iban) = &spec.iban {
                profile.iban = iban.clone();
            }
            let payload_currency = spec.transactions.as_ref().and_then(|p| {
                ["booked", "pending"].iter().find_map(|k| {
                    p["transactions"][*k].as_array()?.iter().find_map(|t| {
                        t["transactionAmount"]["currency"]
                            .as_str()
                            .map(str::to_string)
                    })
                })
            });
            if let Some(c) = spec.currency.as_ref().or(payload_currency.as_ref()) {
                profile.currency = c.clone();
            }
            if let Some(i) = &spec.institution_id {
                institution_id = i.clone();
            }
        }
        let created = self.now - Duration::days(30) + Duration::seconds(index as i64);
        self.by_id.insert(id.clone(), self.accounts.len());
        self.accounts.push(Account {
            id: id.clone(),
            created,
            institution_id,
            requisition: self.requisitions[r].id.clone(),
            profile,
            spec,
            access: Access::Ok,
            last_accessed: None,
            cache: None,
        });
        self.requisitions[r].accounts.push(id.clone());
        id
    }

    /// Serves given payloads as a new account of the main requisition.
    pub fn add_account(&mut self, spec: AccountSpec) -> String {
        let r = self
            .requisitions
            .iter()
            .position(|r| r.id == self.main_requisition)
            .unwrap_or(0);
        self.add_account_to(r, Some(spec))
    }

    /// Sets a requisition's status; `EX` also expires its accounts' access.
    pub fn set_requisition_status(&mut self, requisition_id: &str, status: &str) {
        let Some(r) = self
            .requisitions
            .iter_mut()
            .find(|r| r.id == requisition_id)
        else {
            return;
        };
        r.status = status.to_string();
        if status == "EX" {
            for id in r.accounts.clone() {
                if let Some(&i) = self.by_id.get(&id) {
                    self.accounts[i].access = Access::EuaExpired(401);
                }
            }
        }
    }

    /// The account's agreement has expired; its reads answer `status`.
    pub fn expire_access(&mut self, account_id: &str, status: u16) {
        if let Some(&i) = self.by_id.get(account_id) {
            self.accounts[i].access = Access::EuaExpired(status);
        }
    }

    /// The account can be read again.
    pub fn restore_access(&mut self, account_id: &str) {
        if let Some(&i) = self.by_id.get(account_id) {
            self.accounts[i].access = Access::Ok;
        }
    }

    /// The account is suspended: its reads answer 409.
    pub fn suspend(&mut self, account_id: &str) {
        if let Some(&i) = self.by_id.get(account_id) {
            self.accounts[i].access = Access::Suspended;
        }
    }

    /// Sets what is left of today's budget of one scope of an account.
    pub fn set_remaining(&mut self, account_id: &str, scope: Scope, remaining: u32) {
        let day = self.now.date_naive();
        self.budgets
            .insert((account_id.to_string(), scope), Budget { day, remaining });
    }

    /// Today's remaining successful reads of an account's scope.
    pub fn remaining(&mut self, account_id: &str, scope: Scope) -> u32 {
        let day = self.now.date_naive();
        let limit = self.opts.daily_limit;
        let b = self
            .budgets
            .entry((account_id.to_string(), scope))
            .or_insert(Budget {
                day,
                remaining: limit,
            });
        if b.day != day {
            *b = Budget {
                day,
                remaining: limit,
            };
        }
        b.remaining
    }

    /// The bookings of a generated account that differ from their pending
    /// transactions, and the cancelled ones (none for an unknown account or
    /// one served from given payloads).
    pub fn bookings(
        &mut self,
        account_id: &str,
    ) -> (Vec<generate::Booking>, Vec<generate::Booking>) {
        match self.by_id.get(account_id).copied() {
            Some(i) if self.accounts[i].spec.is_none() => {
                let l = self.ledger(i);
                (l.changed.clone(), l.vanished.clone())
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// Forgets every issued token.
    pub fn revoke_tokens(&mut self) {
        self.tokens.clear();
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
            status,
        });
    }

    // ----- rate-limit headers -------------------------------------------

    fn header_name(&self, suffix: &str) -> String {
        match self.opts.header_style {
            HeaderStyle::Underscore => format!("http_x_ratelimit_{suffix}"),
            HeaderStyle::Dashed => format!("x-ratelimit-{}", suffix.replace('_', "-")),
        }
    }

    /// The general trio, counting this request against the minute's limit.
    pub fn general_headers(&mut self, resp: Resp, exhausted_for: Option<u64>) -> Resp {
        let minute = self.now.timestamp().div_euclid(60);
        if self.minute.0 != minute {
            self.minute = (minute, 0);
        }
        self.minute.1 += 1;
        let (remaining, reset) = match exhausted_for {
            Some(s) => (0, s as i64),
            // The per-minute limit is not enforced (inject an ApiRateLimit
            // fault for that), and never reported as spent: a client that
            // waits for the reset when nothing is left would stall, as the
            // fake clock stands still between requests.
            None => (
                API_LIMIT_PER_MINUTE.saturating_sub(self.minute.1).max(1),
                60 - self.now.timestamp().rem_euclid(60),
            ),
        };
        let (l, r, s) = (
            self.header_name("limit"),
            self.header_name("remaining"),
            self.header_name("reset"),
        );
        resp.with_header(&l, API_LIMIT_PER_MINUTE)
            .with_header(&r, remaining)
            .with_header(&s, reset)
    }

    /// The `account_success` trio of an account's scope.
    pub fn account_headers(&mut self, resp: Resp, account_id: &str, scope: Scope) -> Resp {
        let remaining = self.remaining(account_id, scope);
        let reset = self.seconds_to_midnight();
        self.account_headers_with(resp, remaining, reset)
    }

    fn account_headers_with(&self, resp: Resp, remaining: u32, reset: i64) -> Resp {
        let (l, r, s) = (
            self.header_name("account_success_limit"),
            self.header_name("account_success_remaining"),
            self.header_name("account_success_reset"),
        );
        resp.with_header(&l, self.opts.daily_limit)
            .with_header(&r, remaining)
            .with_header(&s, reset)
    }

    fn seconds_to_midnight(&self) -> i64 {
        let tomorrow = self.now.date_naive() + Days::new(1);
        let midnight = tomorrow.and_hms_opt(0, 0, 0).unwrap().and_utc();
        (midnight - self.now).num_seconds()
    }

    // ----- faults that become responses --------------------------------

    /// The response of a fault that answers (everything but `Slow` and `Drop`).
    pub fn fault_response(&mut self, kind: &FaultKind, req: &Req) -> Resp {
        let scope = scope_of(&req.path);
        let scope_word = scope.map(Scope::as_str).unwrap_or("transactions");
        match kind {
            FaultKind::Status(s) => {
                let resp = Resp::json(*s, &errors::for_status(*s, scope_word));
                self.general_headers(resp, None)
            }
            FaultKind::ApiRateLimit { seconds } => {
                let body = match scope {
                    Some(_) => errors::api_rate_limit(self.opts.daily_limit, "day", *seconds),
                    None => errors::api_rate_limit(API_LIMIT_PER_MINUTE, "minute", *seconds),
                };
                let resp = self.general_headers(Resp::json(429, &body), Some(*seconds));
                match scope {
                    Some(_) => self.account_headers_with(resp, 0, *seconds as i64),
                    None => resp,
                }
            }
            FaultKind::BankDailyLimit => {
                let resp = Resp::json(429, &errors::bank_daily_limit(scope_word));
                let resp = self.general_headers(resp, None);
                let reset = self.seconds_to_midnight();
                self.account_headers_with(resp, 0, reset)
            }
            FaultKind::Malformed => {
                let mut resp = self.handle(req, false);
                let cut = (resp.body.len() / 2).max(1).min(resp.body.len());
                resp.body.truncate(cut);
                if resp.body.is_empty() || resp.body == b"{" {
                    resp.body = b"{\"transactions\": {\"booked\": [{\"transac".to_vec();
                }
                resp.status = 200;
                resp
            }
            FaultKind::Echo(status) => {
                let mut text = String::from("Request rejected\n");
                for (name, value) in &req.headers {
                    if name == "authorization" {
                        text.push_str(&format!("Authorization: {value}\n"));
                    }
                }
                text.push_str(&format!("body: {}\n", String::from_utf8_lossy(&req.body)));
                let resp = Resp::with_type(*status, "text/plain", text);
                self.general_headers(resp, None)
            }
            FaultKind::Body { status, body } => {
                let resp = Resp::json_text(*status, body.clone());
                self.general_headers(resp, None)
            }
            FaultKind::Slow(_) | FaultKind::Drop => self.handle(req, true),
        }
    }

    // ----- routing ------------------------------------------------------

    /// Answers an API request. `count` is false when the answer is not
    /// really delivered (a malformed-body fault), so budgets stay untouched.
    pub fn handle(&mut self, req: &Req, count: bool) -> Resp {
        let resp = self.route(req, count);
        if resp
            .headers
            .iter()
            .any(|(n, _)| n.contains("ratelimit_limit") || n.contains("ratelimit-limit"))
        {
            resp
        } else {
            self.general_headers(resp, None)
        }
    }

    fn route(&mut self, req: &Req, count: bool) -> Resp {
        let Some(rest) = req.path.strip_prefix("/api/v2/") else {
            return Resp::json(404, &errors::not_found());
        };
        let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let m = req.method.as_str();
        if let ["token", kind] = segs.as_slice() {
            return match (m, *kind) {
                ("POST", "new") => self.token_new(req),
                ("POST", "refresh") => self.token_refresh(req),
                (_, "new" | "refresh") => method_not_allowed(m),
                _ => Resp::json(404, &errors::not_found()),
            };
        }
        if let Err(resp) = self.authenticate(req) {
            return resp;
        }
        match (m, segs.as_slice()) {
            ("GET", ["institutions"]) => self.institutions_list(req),
            ("GET", ["institutions", id]) => self.institution_get(id),
            ("GET", ["agreements", "enduser"]) => self.agreements_list(req),
            ("POST", ["agreements", "enduser"]) => self.agreement_create(req),
            ("GET", ["agreements", "enduser", id]) => self.agreement_get(id),
            ("DELETE", ["agreements", "enduser", id]) => self.agreement_delete(id),
            ("PUT", ["agreements", "enduser", id, "accept"]) => self.agreement_accept(id, req),
            ("GET", ["agreements", "enduser", id, "reconfirm"]) => self.reconfirm_get(id),
            ("POST", ["agreements", "enduser", id, "reconfirm"]) => self.reconfirm_create(id, req),
            ("GET", ["requisitions"]) => self.requisitions_list(req),
            ("POST", ["requisitions"]) => self.requisition_create(req),
            ("GET", ["requisitions", id]) => self.requisition_get(id),
            ("DELETE", ["requisitions", id]) => self.requisition_delete(id),
            ("GET", ["accounts", id]) => self.account_metadata(id),
            ("GET", ["accounts", id, "details"]) => {
                self.account_read(id, Scope::Details, req, count)
            }
            ("GET", ["accounts", id, "balances"]) => {
                self.account_read(id, Scope::Balances, req, count)
            }
            ("GET", ["accounts", id, "transactions"]) => {
                self.account_read(id, Scope::Transactions, req, count)
            }
            (
                _,
                ["institutions", ..] | ["agreements", ..] | ["requisitions", ..] | ["accounts", ..],
            ) if known_shape(&segs) => method_not_allowed(m),
            _ => Resp::json(404, &errors::not_found()),
        }
    }
}

fn bad_json() -> Resp {
    Resp::json(
        400,
        &errors::summary_detail(400, "JSON parse error", "Invalid request body"),
    )
}

fn method_not_allowed(m: &str) -> Resp {
    Resp::json(
        405,
        &json!({"summary": "Method Not Allowed", "detail": format!("Method \"{m}\" not allowed."), "status_code": 405}),
    )
}

/// Whether a path names a real resource (so a wrong method is 405, not 404).
fn known_shape(segs: &[&str]) -> bool {
    matches!(
        segs,
        ["institutions"]
            | ["institutions", _]
            | ["agreements", "enduser"]
            | ["agreements", "enduser", _]
            | ["agreements", "enduser", _, "accept" | "reconfirm"]
            | ["requisitions"]
            | ["requisitions", _]
            | ["accounts", _]
            | ["accounts", _, "details" | "balances" | "transactions"]
    )
}

/// The budget scope of an account endpoint path, if it is one.
pub fn scope_of(path: &str) -> Option<Scope> {
    let p = path.trim_end_matches('/');
    if !p.contains("/accounts/") {
        return None;
    }
    if p.ends_with("/details") {
        Some(Scope::Details)
    } else if p.ends_with("/balances") {
        Some(Scope::Balances)
    } else if p.ends_with("/transactions") {
        Some(Scope::Transactions)
    } else {
        None
    }
}

/// The `{count, next, previous, results}` page `limit`/`offset` ask for.
fn paginate(req: &Req, items: Vec<Value>, url: &str) -> Resp {
    let num = |k: &str| req.param(k).map(|v| v.parse::<usize>());
    let limit = match num("limit") {
        None => DEFAULT_LIST_LIMIT,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            return Resp::json(
                400,
                &errors::fields(&[("limit", errors::field_list("A valid integer is required."))]),
            );
        }
    };
    let offset = match num("offset") {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Resp::json(
                400,
                &errors::fields(&[("offset", errors::field_list("A valid integer is required."))]),
            );
        }
    };
    let count = items.len();
    let next =
        (offset + limit < count).then(|| format!("{url}?limit={limit}&offset={}", offset + limit));
    let previous = (offset > 0).then(|| {
        let prev = offset.saturating_sub(limit);
        if prev == 0 {
            format!("{url}?limit={limit}")
        } else {
            format!("{url}?limit={limit}&offset={prev}")
        }
    });
    let results: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Resp::json(
        200,
        &json!({"count": count, "next": next, "previous": previous, "results": results}),
    )
}
