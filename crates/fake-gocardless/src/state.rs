//! The server's state (clock, tokens, agreements, requisitions, accounts,
//! budgets, counters, faults) and the handlers of the API's endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Days, Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::Fault;
use crate::errors;
use crate::generate::{self, AccountProfile, Ledger, Served};
use crate::http::{Req, Resp, encode};
use crate::options::{AccountSpec, FaultKind, HeaderStyle, Options, RequestLog, Scope};

/// Requests per minute the general rate-limit headers report.
const API_LIMIT_PER_MINUTE: u32 = 100;
/// Page size of the list endpoints when no `limit` is given.
const DEFAULT_LIST_LIMIT: usize = 100;
/// Accounts a requisition gets from [`State::link_requisition`] by default.
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
        let Some(r) = self
            .requisitions
            .iter()
            .position(|r| r.id == requisition_id)
        else {
            return Vec::new();
        };
        let ids: Vec<String> = (0..n).map(|_| self.add_account_to(r, None)).collect();
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
                profile.currency = leak_currency(c);
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

    // ----- tokens ------------------------------------------------------

    fn issue(&mut self, kind: TokenKind, ttl: Duration) -> String {
        let claim = match kind {
            TokenKind::Access => "eyJ0b2tlbl90eXBlIjoiYWNjZXNzIi",
            TokenKind::Refresh => "eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIs",
        };
        let token = format!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{claim}{}.{}",
            generate::b64(&mut self.rng, 96),
            generate::b64(&mut self.rng, 43)
        );
        self.tokens.insert(
            token.clone(),
            Token {
                kind,
                expires: self.now + ttl,
            },
        );
        token
    }

    fn token_new(&mut self, req: &Req) -> Resp {
        let Some(body) = req.body_object() else {
            return Resp::json(
                400,
                &errors::summary_detail(400, "JSON parse error", "Invalid request body"),
            );
        };
        let get = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let (id, key) = (get("secret_id"), get("secret_key"));
        let mut missing = Vec::new();
        for (name, v) in [("secret_id", &id), ("secret_key", &key)] {
            match v {
                None => missing.push((name, errors::field_list("This field is required."))),
                Some(s) if s.is_empty() => {
                    missing.push((name, errors::field_list("This field may not be blank.")))
                }
                _ => {}
            }
        }
        if !missing.is_empty() {
            return Resp::json(400, &errors::fields(&missing));
        }
        if id.as_deref() != Some(&self.secret_id) || key.as_deref() != Some(&self.secret_key) {
            return Resp::json(401, &errors::authentication_failed());
        }
        let (att, rtt) = (self.opts.access_token_ttl, self.opts.refresh_token_ttl);
        let access = self.issue(TokenKind::Access, att);
        let refresh = self.issue(TokenKind::Refresh, rtt);
        Resp::json(
            200,
            &json!({
                "access": access,
                "access_expires": att.num_seconds(),
                "refresh": refresh,
                "refresh_expires": rtt.num_seconds(),
            }),
        )
    }

    fn token_refresh(&mut self, req: &Req) -> Resp {
        let body = req.body_object().unwrap_or_default();
        let Some(refresh) = body.get("refresh").and_then(Value::as_str) else {
            return Resp::json(
                400,
                &errors::fields(&[("refresh", errors::field_list("This field is required."))]),
            );
        };
        let valid = matches!(
            self.tokens.get(refresh),
            Some(t) if t.kind == TokenKind::Refresh && t.expires > self.now
        );
        if !valid {
            return Resp::json(401, &errors::invalid_token());
        }
        let ttl = self.opts.access_token_ttl;
        let access = self.issue(TokenKind::Access, ttl);
        Resp::json(
            200,
            &json!({"access": access, "access_expires": ttl.num_seconds()}),
        )
    }

    fn authenticate(&self, req: &Req) -> Result<(), Resp> {
        let Some(auth) = req.header("authorization") else {
            return Err(Resp::json(401, &errors::credentials_missing()));
        };
        let token = auth.strip_prefix("Bearer ").unwrap_or("").trim();
        match self.tokens.get(token) {
            Some(t) if t.kind == TokenKind::Access && t.expires > self.now => Ok(()),
            _ => Err(Resp::json(401, &errors::invalid_token())),
        }
    }

    // ----- institutions ------------------------------------------------

    fn institutions_list(&self, req: &Req) -> Resp {
        let country = req.param("country");
        if let Some(c) = &country {
            let c = c.to_uppercase();
            if !COUNTRIES.contains(&c.as_str()) {
                return Resp::json(
                    400,
                    &errors::fields(&[(
                        "country",
                        errors::field(
                            "Invalid country choice.",
                            &format!("{c} is not a valid choice."),
                        ),
                    )]),
                );
            }
        }
        let filters: Vec<(&str, bool)> = FEATURE_FILTERS
            .iter()
            .filter_map(|(param, feature)| {
                req.param(param)
                    .map(|v| (*feature, v.eq_ignore_ascii_case("true") || v == "1"))
            })
            .collect();
        let list: Vec<Value> = self
            .institutions
            .iter()
            .filter(|i| match &country {
                Some(c) => i["countries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x.as_str().unwrap().eq_ignore_ascii_case(c)),
                None => true,
            })
            .filter(|i| {
                let features = i["supported_features"].as_array().unwrap();
                filters
                    .iter()
                    .all(|(f, want)| features.iter().any(|x| x.as_str() == Some(f)) == *want)
            })
            .cloned()
            .collect();
        Resp::json(200, &Value::Array(list))
    }

    fn institution_get(&self, id: &str) -> Resp {
        match self.institutions.iter().find(|i| i["id"] == id) {
            Some(i) => Resp::json(200, i),
            None => Resp::json(404, &errors::not_found()),
        }
    }

    fn institution(&self, id: &str) -> Option<&Value> {
        self.institutions.iter().find(|i| i["id"] == id)
    }

    // ----- agreements --------------------------------------------------

    fn agreement_json(&self, a: &Agreement) -> Value {
        let mut v = json!({
            "id": a.id,
            "created": ts(a.created),
            "institution_id": a.institution_id,
            "max_historical_days": a.max_historical_days,
            "access_valid_for_days": a.access_valid_for_days,
            "access_scope": a.access_scope,
            "accepted": a.accepted.map(ts),
        });
        if a.reconfirmation {
            v["reconfirmation"] = json!(true);
        }
        v
    }

    fn agreements_list(&self, req: &Req) -> Resp {
        let items: Vec<Value> = self
            .agreements
            .iter()
            .rev()
            .map(|a| self.agreement_json(a))
            .collect();
        paginate(
            req,
            items,
            &format!("{}/agreements/enduser/", self.base_url),
        )
    }

    fn agreement_create(&mut self, req: &Req) -> Resp {
        let Some(body) = req.body_object() else {
            return bad_json();
        };
        let institution = body
            .get("institution_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        if institution.is_empty() {
            let msg = if body.contains_key("institution_id") {
                "This field may not be blank."
            } else {
                "This field is required."
            };
            return Resp::json(
                400,
                &errors::fields(&[("institution_id", errors::field_list(msg))]),
            );
        }
        let Some(inst) = self.institution(institution).cloned() else {
            return Resp::json(
                400,
                &errors::fields(&[(
                    "institution_id",
                    errors::field(
                        &format!("Unknown Institution ID {institution}"),
                        "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
                    ),
                )]),
            );
        };
        let total: u32 = inst["transaction_total_days"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let max_access: u32 = inst["max_access_valid_for_days"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let mut errs = Vec::new();
        let int = |k: &str| {
            body.get(k).map(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
        };
        let mhd = int("max_historical_days");
        let avd = int("access_valid_for_days");
        let mhd = match mhd {
            None => 90.min(total as i64),
            Some(Some(n)) => n,
            Some(None) => -1,
        };
        let avd = match avd {
            None => 90.min(max_access as i64),
            Some(Some(n)) => n,
            Some(None) => -1,
        };
        if mhd <= 0 || mhd > total as i64 {
            errs.push((
                "max_historical_days",
                errors::field(
                    "Incorrect max_historical_days",
                    &format!("max_historical_days must be > 0 and <= {institution} transaction_total_days ({total})"),
                ),
            ));
        }
        if avd <= 0 || avd > max_access as i64 {
            errs.push((
                "access_valid_for_days",
                errors::field(
                    "Incorrect access_valid_for_days",
                    &format!("access_valid_for_days must be > 0 and <= {max_access}"),
                ),
            ));
        }
        let scope = match body.get("access_scope") {
            None => None,
            Some(Value::Array(items)) => {
                let words: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                let ok = !words.is_empty()
                    && words.len() == items.len()
                    && words
                        .iter()
                        .all(|w| ["balances", "details", "transactions"].contains(&w.as_str()));
                if !ok {
                    errs.push((
                        "access_scope",
                        errors::field(
                            "Unknown value in access_scope",
                            "Choose one or several of ['balances', 'details', 'transactions']",
                        ),
                    ));
                }
                Some(words)
            }
            Some(_) => {
                errs.push((
                    "access_scope",
                    errors::field_list("Expected a list of items."),
                ));
                None
            }
        };
        if !errs.is_empty() {
            return Resp::json(400, &errors::fields(&errs));
        }
        let reconfirmation = body
            .get("reconfirmation")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let now = self.now;
        let i = self.new_agreement(
            institution,
            mhd as u32,
            avd as u32,
            scope,
            reconfirmation,
            now,
        );
        Resp::json(201, &self.agreement_json(&self.agreements[i]))
    }

    fn find_agreement(&self, id: &str) -> Result<usize, Resp> {
        if !generate::is_uuid(id) {
            return Err(Resp::json(
                400,
                &errors::invalid_uuid("EndUserAgreement", id),
            ));
        }
        self.agreements
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| Resp::json(404, &errors::not_found()))
    }

    fn agreement_get(&self, id: &str) -> Resp {
        match self.find_agreement(id) {
            Ok(i) => Resp::json(200, &self.agreement_json(&self.agreements[i])),
            Err(r) => r,
        }
    }

    fn agreement_delete(&mut self, id: &str) -> Resp {
        match self.find_agreement(id) {
            Ok(i) => {
                self.agreements.remove(i);
                Resp::json(
                    200,
                    &json!({"summary": "End User Agreement deleted", "detail": format!("End User Agreement {id} deleted")}),
                )
            }
            Err(r) => r,
        }
    }

    fn agreement_accept(&mut self, id: &str, req: &Req) -> Resp {
        let i = match self.find_agreement(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let Some(body) = req.body_object() else {
            return bad_json();
        };
        let mut errs = Vec::new();
        for k in ["user_agent", "ip_address"] {
            match body.get(k).and_then(Value::as_str) {
                None => errs.push((k, errors::field_list("This field is required."))),
                Some("") => errs.push((k, errors::field_list("This field may not be blank."))),
                Some(_) => {}
            }
        }
        if !errs.is_empty() {
            return Resp::json(400, &errors::fields(&errs));
        }
        if self.agreements[i].accepted.is_some() {
            return Resp::json(
                405,
                &errors::summary_detail(
                    405,
                    "EUA cannot be accepted more than once",
                    &format!("End User Agreement {id} has already been accepted"),
                ),
            );
        }
        self.agreements[i].accepted = Some(self.now);
        Resp::json(200, &self.agreement_json(&self.agreements[i]))
    }

    fn reconfirm_get(&self, id: &str) -> Resp {
        match self.find_agreement(id) {
            Ok(i) => match &self.agreements[i].reconfirm {
                Some(r) => Resp::json(200, r),
                None => Resp::json(404, &errors::not_found()),
            },
            Err(r) => r,
        }
    }

    fn reconfirm_create(&mut self, id: &str, req: &Req) -> Resp {
        let i = match self.find_agreement(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let body = req.body_object().unwrap_or_default();
        let a = &self.agreements[i];
        if !a.reconfirmation || a.accepted.is_none() {
            return Resp::json(
                400,
                &errors::summary_detail(
                    400,
                    "Reconfirmation not possible",
                    &format!(
                        "End User Agreement {id} was not created with reconfirmation or is not accepted"
                    ),
                ),
            );
        }
        let accounts: serde_json::Map<String, Value> = self
            .requisitions
            .iter()
            .filter(|r| r.agreement == id)
            .flat_map(|r| r.accounts.iter())
            .map(|acc| (acc.clone(), json!({"reconfirmed": "", "rejected": ""})))
            .collect();
        let r = json!({
            "reconfirmation_url": format!("https://ob.gocardless.com/psd2/reconfirm/{id}"),
            "created": ts(self.now),
            "url_valid_from": ts(self.now),
            "url_valid_to": ts(self.now + Duration::days(7)),
            "redirect": body.get("redirect").cloned().unwrap_or(Value::Null),
            "last_accessed": null,
            "last_submitted": null,
            "accounts": accounts,
        });
        self.agreements[i].reconfirm = Some(r.clone());
        Resp::json(201, &r)
    }

    // ----- requisitions ------------------------------------------------

    fn requisition_json(&self, r: &Requisition) -> Value {
        json!({
            "id": r.id,
            "created": ts(r.created),
            "redirect": r.redirect,
            "status": r.status,
            "institution_id": r.institution_id,
            "agreement": r.agreement,
            "reference": r.reference,
            "accounts": r.accounts,
            "user_language": r.user_language,
            "link": format!("https://ob.gocardless.com/psd2/start/{}/{}", r.id, r.institution_id),
            "ssn": r.ssn,
            "account_selection": r.account_selection,
            "redirect_immediate": r.redirect_immediate,
        })
    }

    fn requisitions_list(&self, req: &Req) -> Resp {
        let items: Vec<Value> = self
            .requisitions
            .iter()
            .map(|r| self.requisition_json(r))
            .collect();
        paginate(req, items, &format!("{}/requisitions/", self.base_url))
    }

    fn requisition_create(&mut self, req: &Req) -> Resp {
        let Some(body) = req.body_object() else {
            return bad_json();
        };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let mut errs = Vec::new();
        for k in ["redirect", "institution_id"] {
            match text(k) {
                None => errs.push((k, errors::field_list("This field is required."))),
                Some(s) if s.is_empty() => {
                    errs.push((k, errors::field_list("This field may not be blank.")))
                }
                _ => {}
            }
        }
        if let Some(r) = text("reference")
            && r.is_empty()
        {
            errs.push((
                "reference",
                errors::field_list("This field may not be blank."),
            ));
        }
        let lang = text("user_language").unwrap_or_else(|| "EN".into());
        if lang.len() != 2
            || !lang.chars().all(|c| c.is_ascii_alphabetic())
            || lang.eq_ignore_ascii_case("AB")
        {
            errs.push((
                "user_language",
                errors::field(
                    "Provided user_language is invalid or not supported",
                    &format!("'{lang}' is an invalid or unsupported language"),
                ),
            ));
        }
        let institution = text("institution_id").unwrap_or_default();
        if !institution.is_empty() && self.institution(&institution).is_none() {
            errs.push((
                "institution_id",
                errors::field(
                    &format!("Unknown Institution ID {institution}"),
                    "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
                ),
            ));
        }
        let agreement = text("agreement");
        if let Some(a) = &agreement {
            match self.agreements.iter().find(|x| &x.id == a) {
                None => errs.push((
                    "agreement",
                    errors::field_list(&format!("Invalid pk \"{a}\" - object does not exist.")),
                )),
                Some(x) if x.institution_id != institution => errs.push((
                    "agreement",
                    errors::field(
                        "Incorrect Institution ID ",
                        &format!(
                            "Provided Institution ID: '{institution}' for requisition does not match EUA institution ID '{}'. Please provide correct institution ID: '{}'",
                            x.institution_id, x.institution_id
                        ),
                    ),
                )),
                _ => {}
            }
        }
        if !errs.is_empty() {
            return Resp::json(400, &errors::fields(&errs));
        }
        let now = self.now;
        let agreement = match agreement {
            Some(a) => a,
            None => {
                let i = self.new_agreement(
                    &institution,
                    90.min(inst_days(self.institution(&institution).unwrap())),
                    90,
                    None,
                    false,
                    now,
                );
                self.agreements[i].id.clone()
            }
        };
        let reference = text("reference").unwrap_or_else(|| self.uuid());
        let i = self.new_requisition(
            &institution,
            agreement,
            text("redirect"),
            reference,
            lang.to_uppercase(),
            now,
        );
        let r = &mut self.requisitions[i];
        r.ssn = text("ssn");
        r.account_selection = body
            .get("account_selection")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        r.redirect_immediate = body
            .get("redirect_immediate")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Resp::json(201, &self.requisition_json(&self.requisitions[i]))
    }

    fn find_requisition(&self, id: &str) -> Result<usize, Resp> {
        if !generate::is_uuid(id) {
            return Err(Resp::json(400, &errors::invalid_uuid("Requisition", id)));
        }
        self.requisitions
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| Resp::json(404, &errors::not_found()))
    }

    fn requisition_get(&self, id: &str) -> Resp {
        match self.find_requisition(id) {
            Ok(i) => Resp::json(200, &self.requisition_json(&self.requisitions[i])),
            Err(r) => r,
        }
    }

    fn requisition_delete(&mut self, id: &str) -> Resp {
        let i = match self.find_requisition(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let r = self.requisitions.remove(i);
        self.agreements.retain(|a| a.id != r.agreement);
        for acc in &r.accounts {
            if let Some(&j) = self.by_id.get(acc) {
                self.accounts[j].access = Access::Revoked;
            }
        }
        Resp::json(
            200,
            &json!({"summary": "Requisition deleted", "detail": format!("Requisition {id} deleted with all its End User Agreements")}),
        )
    }

    // ----- accounts ----------------------------------------------------

    fn find_account(&self, id: &str) -> Result<usize, Resp> {
        if !generate::is_uuid(id) {
            return Err(Resp::json(400, &errors::invalid_uuid("Account", id)));
        }
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| Resp::json(404, &errors::account_not_found(id)))
    }

    fn account_metadata(&mut self, id: &str) -> Resp {
        let i = match self.find_account(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let a = &self.accounts[i];
        let status = match a.access {
            Access::Ok => "READY",
            Access::EuaExpired(_) | Access::Revoked => "EXPIRED",
        };
        let owner = a
            .spec
            .as_ref()
            .and_then(|s| s.owner_name.clone())
            .unwrap_or_else(|| a.profile.owner_name.to_string());
        let body = json!({
            "id": a.id,
            "created": ts(a.created),
            "last_accessed": ts(a.last_accessed.unwrap_or(a.created)),
            "iban": a.profile.iban,
            "institution_id": a.institution_id,
            "status": status,
            "owner_name": owner,
            "name": a.profile.name,
        });
        Resp::json(200, &body)
    }

    fn account_read(&mut self, id: &str, scope: Scope, req: &Req, count: bool) -> Resp {
        let i = match self.find_account(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let scope_word = scope.as_str();
        match self.accounts[i].access {
            Access::Ok => {}
            Access::EuaExpired(status) => {
                let req_id = self.accounts[i].requisition.clone();
                let (agreement, days) = self
                    .requisitions
                    .iter()
                    .find(|r| r.id == req_id)
                    .and_then(|r| self.agreements.iter().find(|a| a.id == r.agreement))
                    .map(|a| (a.id.clone(), a.access_valid_for_days))
                    .unwrap_or_else(|| (req_id.clone(), 90));
                let day = (self.now - Duration::days(1)).date_naive().to_string();
                let resp = Resp::json(status, &errors::eua_expired(status, &agreement, days, &day));
                return self.account_headers(resp, id, scope);
            }
            Access::Revoked => {
                let resp = Resp::json(401, &errors::access_expired(scope_word));
                return self.account_headers(resp, id, scope);
            }
        }
        // A continuation page belongs to the read that started it.
        let page: usize = req
            .param("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1);
        let budgeted = page == 1;
        if budgeted && self.remaining(id, scope) == 0 {
            let resp = Resp::json(429, &errors::bank_daily_limit(scope_word));
            return self.account_headers(resp, id, scope);
        }
        let body = match scope {
            Scope::Details => Ok(self.details(i).to_string()),
            Scope::Balances => Ok(self.balances(i).to_string()),
            Scope::Transactions => self.transactions(i, req, page),
        };
        let resp = match body {
            Ok(b) => {
                if count && budgeted {
                    let r = self.remaining(id, scope);
                    self.set_remaining(id, scope, r.saturating_sub(1));
                }
                self.accounts[i].last_accessed = Some(self.now);
                Resp::json_text(200, b)
            }
            Err(resp) => resp,
        };
        self.account_headers(resp, id, scope)
    }

    fn details(&self, i: usize) -> Value {
        let a = &self.accounts[i];
        if let Some(d) = a.spec.as_ref().and_then(|s| s.details.clone()) {
            return d;
        }
        let bic = self
            .institution(&a.institution_id)
            .and_then(|x| x["bic"].as_str())
            .unwrap_or("FAKEDEB1");
        let owner = a
            .spec
            .as_ref()
            .and_then(|s| s.owner_name.clone())
            .unwrap_or_else(|| a.profile.owner_name.to_string());
        json!({"account": {
            "resourceId": format!("{:016x}", generate::mix(&[self.opts.seed, 13, a.profile.index])),
            "iban": a.profile.iban,
            "currency": a.profile.currency,
            "ownerName": owner,
            "name": a.profile.name,
            "product": a.profile.product,
            "cashAccountType": if a.profile.name == "Credit card" { "CARD" } else { "CACC" },
            "bic": bic,
            "status": "enabled",
        }})
    }

    /// The generated ledger of account `i` as of today, cached per day.
    fn ledger(&mut self, i: usize) -> Arc<Ledger> {
        let today = self.now.date_naive();
        if let Some((day, l)) = &self.accounts[i].cache
            && *day == today
        {
            return l.clone();
        }
        let a = &self.accounts[i];
        let l = Arc::new(generate::ledger(
            self.opts.seed,
            &a.profile,
            self.opts.transactions_per_account,
            self.anchor,
            today,
        ));
        self.accounts[i].cache = Some((today, l.clone()));
        l
    }

    fn balances(&mut self, i: usize) -> Value {
        if let Some(b) = self.accounts[i]
            .spec
            .as_ref()
            .and_then(|s| s.balances.clone())
        {
            return b;
        }
        if let Some(payload) = self.accounts[i]
            .spec
            .as_ref()
            .and_then(|s| s.transactions.as_ref())
        {
            return self.balances_of_payload(i, payload);
        }
        let l = self.ledger(i);
        let cur = self.accounts[i].profile.currency;
        let today = self.now.date_naive();
        let yesterday = (today - Days::new(1)).to_string();
        let amount = |c: i64| json!({"amount": generate::amount_str(c, 2), "currency": cur});
        let available = l.closing_cents + l.pending_cents;
        json!({"balances": [
            {"balanceAmount": amount(l.closing_cents), "balanceType": "closingBooked", "referenceDate": yesterday},
            {"balanceAmount": amount(l.closing_cents), "balanceType": "interimBooked", "referenceDate": yesterday},
            {"balanceAmount": amount(available), "balanceType": "interimAvailable", "referenceDate": today.to_string()},
            {"balanceAmount": amount(available), "balanceType": "expected", "referenceDate": today.to_string(),
             "lastChangeDateTime": ts(self.now)},
        ]})
    }

    /// Balances that agree with a given transactions payload: the account's
    /// opening balance plus its booked amounts, and plus pending ones.
    fn balances_of_payload(&self, i: usize, payload: &Value) -> Value {
        let list = |k: &str| {
            payload["transactions"][k]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        let (booked, bscale) = generate::sum_amounts(&list("booked"));
        let (pending, pscale) = generate::sum_amounts(&list("pending"));
        let scale = bscale.max(pscale);
        let a = &self.accounts[i];
        let closing = generate::cents_to_scaled(a.profile.opening_cents) + booked;
        let cur = a.profile.currency;
        let amount =
            |v: i128| json!({"amount": generate::format_scaled(v, scale), "currency": cur});
        let today = self.now.date_naive();
        let yesterday = (today - Days::new(1)).to_string();
        json!({"balances": [
            {"balanceAmount": amount(closing), "balanceType": "closingBooked", "referenceDate": yesterday},
            {"balanceAmount": amount(closing + pending), "balanceType": "interimAvailable", "referenceDate": today.to_string()},
        ]})
    }

    fn transactions(&mut self, i: usize, req: &Req, page: usize) -> Result<String, Resp> {
        let today = self.now.date_naive();
        let parse = |k: &str| -> Result<Option<NaiveDate>, Resp> {
            match req.param(k) {
                None => Ok(None),
                Some(s) if s.is_empty() => Ok(None),
                Some(s) => s.parse::<NaiveDate>().map(Some).map_err(|_| {
                    Resp::json(
                        400,
                        &errors::fields(&[(
                            k,
                            errors::field(
                                &format!("Invalid {k}"),
                                &format!("{s} is not a valid date. Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
                            ),
                        )]),
                    )
                }),
            }
        };
        let from = parse("date_from")?;
        let to = parse("date_to")?;
        for (k, d) in [("date_from", from), ("date_to", to)] {
            if let Some(d) = d
                && d > today
            {
                return Err(Resp::json(
                    400,
                    &errors::fields(&[(
                        k,
                        errors::field(
                            "Date can't be in future",
                            &format!(
                                "'{d}' can't be greater than {today}. Specify correct date range"
                            ),
                        ),
                    )]),
                ));
            }
        }
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(Resp::json(
                400,
                &errors::fields(&[(
                    "date_from",
                    errors::field(
                        "Incorrect date range",
                        &format!(
                            "Starting date '{f}' is greater than end date '{t}'. When specifying date range, starting date must precede the end date."
                        ),
                    ),
                )]),
            ));
        }
        let keep = |s: &Served| match (from, to) {
            (None, None) => true,
            _ => s
                .dates
                .iter()
                .any(|d| from.is_none_or(|f| *d >= f) && to.is_none_or(|t| *d <= t)),
        };
        // The lists to serve, and the other members of the response (a
        // given payload may carry more than the generated one does).
        let (booked, pending, outer): (Vec<Served>, Vec<Served>, Value) = match self.accounts[i]
            .spec
            .as_ref()
            .and_then(|s| s.transactions.clone())
        {
            Some(payload) => {
                let list = |key: &str| -> Vec<Served> {
                    payload["transactions"][key]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(Served::new)
                                .filter(|s| s.dates.is_empty() || keep(s))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let (b, p) = (list("booked"), list("pending"));
                (b, p, payload)
            }
            None => {
                let l = self.ledger(i);
                let b = l.booked.iter().filter(|s| keep(s)).cloned().collect();
                let p = l.pending.iter().filter(|s| keep(s)).cloned().collect();
                (b, p, json!({"last_updated": ts(self.now)}))
            }
        };
        let (mut booked, mut pending) = (&booked[..], &pending[..]);
        let mut next = None;
        if let Some(size) = self.opts.page_size {
            let size = size.max(1);
            let start = ((page - 1) * size).min(booked.len());
            let end = (start + size).min(booked.len());
            if end < booked.len() {
                let mut q: Vec<String> = Vec::new();
                for k in ["date_from", "date_to"] {
                    if let Some(v) = req.param(k) {
                        q.push(format!("{k}={}", encode(&v)));
                    }
                }
                q.push(format!("page={}", page + 1));
                let id = &self.accounts[i].id;
                next = Some(format!(
                    "{}/accounts/{id}/transactions/?{}",
                    self.base_url,
                    q.join("&")
                ));
            }
            booked = &booked[start..end];
            if page > 1 {
                pending = &[];
            }
        }
        Ok(assemble(booked, pending, &outer, next.as_deref()))
    }
}

/// The transactions response as text: `{"transactions": {"booked": [...],
/// "pending": [...], ...}, ..., "next": ...}`, the lists joined from the
/// stored texts (much faster than building and serialising a tree).
fn assemble(booked: &[Served], pending: &[Served], outer: &Value, next: Option<&str>) -> String {
    let size: usize = booked.iter().chain(pending).map(|s| s.raw.len() + 1).sum();
    let mut body = String::with_capacity(size + 256);
    let list = |body: &mut String, items: &[Served]| {
        body.push('[');
        for (n, s) in items.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(&s.raw);
        }
        body.push(']');
    };
    let member = |body: &mut String, k: &str, v: &Value| {
        body.push(',');
        body.push_str(&serde_json::to_string(k).expect("strings serialise"));
        body.push(':');
        body.push_str(&serde_json::to_string(v).expect("JSON values serialise"));
    };
    body.push_str("{\"transactions\":{\"booked\":");
    list(&mut body, booked);
    body.push_str(",\"pending\":");
    list(&mut body, pending);
    if let Some(inner) = outer["transactions"].as_object() {
        for (k, v) in inner
            .iter()
            .filter(|(k, _)| *k != "booked" && *k != "pending")
        {
            member(&mut body, k, v);
        }
    }
    body.push('}');
    if let Some(o) = outer.as_object() {
        for (k, v) in o
            .iter()
            .filter(|(k, _)| *k != "transactions" && *k != "next")
        {
            member(&mut body, k, v);
        }
    }
    if let Some(next) = next {
        member(&mut body, "next", &Value::String(next.to_string()));
    }
    body.push('}');
    body
}

/// A `&'static str` for a currency code given at run time. Only a handful
/// of distinct codes ever come through here, so leaking them is fine.
fn leak_currency(c: &str) -> &'static str {
    match c {
        "EUR" => "EUR",
        "GBP" => "GBP",
        "USD" => "USD",
        "SEK" => "SEK",
        "PLN" => "PLN",
        other => Box::leak(other.to_string().into_boxed_str()),
    }
}

fn inst_days(inst: &Value) -> u32 {
    inst["transaction_total_days"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90)
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

const FEATURE_FILTERS: &[(&str, &str)] = &[
    ("access_scopes_supported", "access_scopes"),
    ("account_selection_supported", "account_selection"),
    ("business_accounts_supported", "business_accounts"),
    ("card_accounts_supported", "card_accounts"),
    ("corporate_accounts_supported", "corporate_accounts"),
    ("pending_transactions_supported", "pending_transactions"),
    ("private_accounts_supported", "private_accounts"),
    ("read_debtor_account_supported", "read_debtor_account"),
    ("read_refund_account_supported", "read_refund_account"),
    (
        "separate_continuous_history_consent_supported",
        "separate_continuous_history_consent",
    ),
    ("ssn_verification_supported", "ssn_verification"),
];

const COUNTRIES: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE", "IT",
    "LV", "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "XX",
];
