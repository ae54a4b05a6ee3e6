//! The server's state (clock, application, authorisations, sessions,
//! budgets, counters, faults), the JWT check, and the routing. The
//! handlers live in the submodules: `link` (banks, authorisation,
//! sessions) and `accounts` (details, balances, transactions).

mod accounts;
mod link;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;

use crate::errors;
use crate::generate::{self, Profile};
use crate::options::{Fault, FaultKind, Options, RequestLog, Scope};
use fake_http::{Req, Resp};

/// A started authorisation (`POST /auth`).
#[derive(Debug, Clone)]
struct Authorization {
    id: String,
    bank: usize,
    valid_until: DateTime<Utc>,
    redirect_url: String,
    state: String,
    psu_type: String,
    /// The code handed out by the redirect, and when.
    code: Option<(String, DateTime<Utc>)>,
    /// The session made from the code.
    session: Option<usize>,
}

/// A session (`POST /sessions`).
#[derive(Debug, Clone)]
struct Session {
    id: String,
    bank: usize,
    psu_type: String,
    psu_id_hash: String,
    valid_until: DateTime<Utc>,
    created: DateTime<Utc>,
    /// (uid, profile index) of each account.
    accounts: Vec<(String, usize)>,
    closed: Option<DateTime<Utc>>,
    revoked: bool,
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
    pub application_id: String,
    pub active: bool,
    pub deny: bool,
    decoding: DecodingKey,
    rng: fastrand::Rng,
    key_secret: String,
    profiles: Vec<Profile>,
    authorizations: Vec<Authorization>,
    sessions: Vec<Session>,
    uids: HashMap<String, (usize, usize)>,
    budgets: HashMap<(String, Scope), (NaiveDate, u32)>,
    /// Booked cents made per account and day, for balances (the data of a
    /// day never changes).
    day_sums: HashMap<(String, NaiveDate), i64>,
    pub log: Vec<RequestLog>,
    faults: Vec<Armed>,
}

/// A timestamp as Enable Banking writes them.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

#[derive(Deserialize)]
struct Claims {
    iat: i64,
    exp: i64,
}

impl State {
    /// A fresh server's state.
    ///
    /// # Panics
    /// When `opts.public_key_pem` is not an RSA public key: a test set-up
    /// error.
    pub fn new(opts: Options) -> State {
        let decoding = DecodingKey::from_rsa_pem(opts.public_key_pem.as_bytes())
            .expect("Options::public_key_pem must be an RSA public key in PEM form");
        let mut rng = fastrand::Rng::with_seed(generate::mix(&[opts.seed, 1]));
        let application_id = generate::uuid(&mut rng);
        let key_secret = format!("{:032x}", rng.u128(..));
        let profiles = (0..generate::BANKS.len())
            .flat_map(|b| (0..opts.accounts_per_bank).map(move |i| (b, i)))
            .map(|(b, i)| generate::profile(opts.seed, b, i))
            .collect();
        State {
            base_url: String::new(),
            now: opts.now,
            application_id,
            active: true,
            deny: false,
            decoding,
            rng,
            key_secret,
            profiles,
            authorizations: Vec::new(),
            sessions: Vec::new(),
            uids: HashMap::new(),
            budgets: HashMap::new(),
            day_sums: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
            opts,
        }
    }

    fn uuid(&mut self) -> String {
        generate::uuid(&mut self.rng)
    }

    /// The session's status on the fake clock.
    fn status(&self, s: &Session) -> &'static str {
        if s.closed.is_some() {
            "CLOSED"
        } else if s.revoked {
            "REVOKED"
        } else if self.now >= s.valid_until {
            "EXPIRED"
        } else {
            "AUTHORIZED"
        }
    }

    /// Revokes a session, as a user or bank withdrawing consent does.
    pub fn revoke_session(&mut self, id: &str) {
        if let Some(s) = self.sessions.iter_mut().find(|s| s.id == id) {
            s.revoked = true;
        }
    }

    /// Today's remaining reads of an account (by identification hash).
    pub fn remaining(&self, hash: &str, scope: Scope) -> u32 {
        let today = self.now.date_naive();
        let used = match self.budgets.get(&(hash.to_owned(), scope)) {
            Some((day, used)) if *day == today => *used,
            _ => 0,
        };
        self.opts.daily_limit.saturating_sub(used)
    }

    /// Sets today's remaining reads of an account.
    pub fn set_remaining(&mut self, hash: &str, scope: Scope, remaining: u32) {
        let used = self.opts.daily_limit.saturating_sub(remaining);
        self.budgets
            .insert((hash.to_owned(), scope), (self.now.date_naive(), used));
    }

    fn spend(&mut self, hash: &str, scope: Scope) {
        let today = self.now.date_naive();
        let e = self
            .budgets
            .entry((hash.to_owned(), scope))
            .or_insert((today, 0));
        if e.0 != today {
            *e = (today, 0);
        }
        e.1 += 1;
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
            psu_headers: req.header("psu-ip-address").is_some()
                || req.header("psu-user-agent").is_some(),
        });
    }

    /// The answer of a fault that answers (all but `Slow` and `Drop`).
    pub fn fault_response(&mut self, kind: &FaultKind, req: &Req) -> Resp {
        match kind {
            FaultKind::Status(s) => Resp::json(*s, &errors::for_status(*s)),
            FaultKind::Body(s, body) => Resp::json(*s, body),
            FaultKind::BankDailyLimit => {
                Resp::json(429, &errors::bank_daily_limit("FI2439390058811110"))
            }
            FaultKind::EchoAuthorization(s) => {
                let auth = req.header("authorization").unwrap_or("");
                Resp::json(
                    *s,
                    &errors::body(
                        *s,
                        "WRONG_REQUEST_PARAMETERS",
                        &format!("Request rejected: Authorization: {auth}"),
                        Some(json!({"authorization": auth})),
                    ),
                )
            }
            FaultKind::Malformed => {
                let mut resp = self.handle(req, false);
                let cut = (resp.body.len() / 2).max(1).min(resp.body.len());
                resp.body.truncate(cut);
                resp.status = 200;
                resp
            }
            FaultKind::Slow(_) | FaultKind::Drop => self.handle(req, true),
        }
    }

    /// Checks the request's JWT: signed by the application's key, `kid`
    /// the application id, issuer and audience Enable Banking's, not
    /// expired on the fake clock, at most a day long.
    fn authenticate(&self, req: &Req) -> Result<(), Resp> {
        let refuse = |reason: &str| Err(Resp::json(401, &errors::unauthorized(reason)));
        let Some(header) = req.header("authorization") else {
            return Err(Resp::json(401, &errors::no_authorization()));
        };
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
        else {
            return refuse("Authorization is not a Bearer token");
        };
        let token = token.trim();
        let Ok(head) = jsonwebtoken::decode_header(token) else {
            return refuse("JWT header cannot be decoded");
        };
        if head.alg != Algorithm::RS256 {
            return refuse("only RS256 is supported");
        }
        if head.kid.as_deref() != Some(self.application_id.as_str()) {
            return refuse("kid is not the id of a known application");
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&["api.enablebanking.com"]);
        validation.set_issuer(&["enablebanking.com"]);
        // Expiry is judged on the fake clock, below.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = match jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation) {
            Ok(data) => data.claims,
            Err(e) => return refuse(&format!("JWT is not valid: {e}")),
        };
        let now = self.now.timestamp();
        if claims.exp <= now {
            return refuse("JWT has expired");
        }
        if claims.iat > now + 60 {
            return refuse("JWT is issued in the future");
        }
        if claims.exp - claims.iat > 86_400 {
            return refuse("JWT lifetime exceeds 86400 seconds");
        }
        Ok(())
    }

    /// Answers an API request. `count` is false when the answer is not
    /// really delivered (a malformed-body fault), so budgets stay untouched.
    pub fn handle(&mut self, req: &Req, count: bool) -> Resp {
        let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        let m = req.method.as_str();
        // The user's browser, not the application: no JWT.
        if m == "GET" && segs.as_slice() == ["ais", "start"] {
            return self.start_page(req);
        }
        if let Err(resp) = self.authenticate(req) {
            return resp;
        }
        if !self.active && segs.as_slice() != ["application"] {
            return Resp::json(403, &errors::application_inactive());
        }
        match (m, segs.as_slice()) {
            ("GET", ["application"]) => self.application(),
            ("GET", ["aspsps"]) => self.aspsps(req),
            ("POST", ["auth"]) => self.start_auth(req),
            ("POST", ["sessions"]) => self.create_session(req),
            ("GET", ["sessions", id]) => self.session_get(id),
            ("DELETE", ["sessions", id]) => self.session_delete(id),
            ("GET", ["accounts", uid, "details"]) => {
                self.account_read(uid, Scope::Details, req, count)
            }
            ("GET", ["accounts", uid, "balances"]) => {
                self.account_read(uid, Scope::Balances, req, count)
            }
            ("GET", ["accounts", uid, "transactions"]) => {
                self.account_read(uid, Scope::Transactions, req, count)
            }
            (
                _,
                ["application"]
                | ["aspsps"]
                | ["auth"]
                | ["sessions"]
                | ["sessions", _]
                | ["accounts", _, "details" | "balances" | "transactions"],
            ) => Resp::json(405, &json!({"code": 405, "message": "Method Not Allowed"})),
            _ => Resp::json(404, &json!({"code": 404, "message": "Not Found"})),
        }
    }
}
