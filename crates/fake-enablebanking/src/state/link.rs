//! The application, the banks, and linking: `POST /auth`, the bank's page
//! that redirects back with a code, `POST /sessions`, and sessions.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use super::{Authorization, Session, State, ts};
use crate::errors;
use crate::generate::{self, BANKS};
use fake_http::{Req, Resp};

impl State {
    pub(super) fn application(&self) -> Resp {
        Resp::json(
            200,
            &json!({
                "name": "gc-beancount test application",
                "description": "served by fake-enablebanking",
                "kid": self.application_id,
                "environment": "PRODUCTION",
                "redirect_urls": self.opts.redirect_urls,
                "active": self.active,
                "countries": ["FI", "SE"],
                "services": ["AIS"],
            }),
        )
    }

    pub(super) fn aspsps(&self, req: &Req) -> Resp {
        let country = req.param("country").map(|c| c.to_ascii_uppercase());
        let psu_type = req.param("psu_type");
        let list: Vec<Value> = BANKS
            .iter()
            .filter(|b| country.as_deref().is_none_or(|c| c == b.country))
            .filter(|b| psu_type.as_deref().is_none_or(|t| b.psu_types.contains(&t)))
            .map(generate::aspsp_json)
            .collect();
        Resp::json(200, &json!({ "aspsps": list }))
    }

    pub(super) fn start_auth(&mut self, req: &Req) -> Resp {
        let Some(body) = req.body_object() else {
            return Resp::json(422, &errors::wrong_parameters("body is not a JSON object"));
        };
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let (Some(name), Some(country)) = (
            text(&body.get("aspsp").cloned().unwrap_or_default()["name"]),
            text(&body.get("aspsp").cloned().unwrap_or_default()["country"]),
        ) else {
            return Resp::json(
                422,
                &errors::wrong_parameters("aspsp.name and aspsp.country are required"),
            );
        };
        let Some(bank) = BANKS
            .iter()
            .position(|b| b.name == name && b.country == country)
        else {
            return Resp::json(
                400,
                &errors::body(
                    400,
                    "WRONG_ASPSP_PROVIDED",
                    "Wrong ASPSP name provided",
                    None,
                ),
            );
        };
        let Some(redirect_url) = body.get("redirect_url").and_then(text) else {
            return Resp::json(422, &errors::wrong_parameters("redirect_url is required"));
        };
        if !self.opts.redirect_urls.contains(&redirect_url) {
            return Resp::json(
                400,
                &errors::body(
                    400,
                    "REDIRECT_URI_NOT_ALLOWED",
                    "Redirect URI not allowed",
                    None,
                ),
            );
        }
        let Some(state) = body.get("state").and_then(text).filter(|s| !s.is_empty()) else {
            return Resp::json(422, &errors::wrong_parameters("state is required"));
        };
        let Some(valid_until) = body
            .get("access")
            .and_then(|a| a.get("valid_until"))
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&Utc))
        else {
            return Resp::json(
                422,
                &errors::wrong_parameters(
                    "access.valid_until must be an RFC 3339 date-time with an offset",
                ),
            );
        };
        let max = self.now + chrono::Duration::seconds(BANKS[bank].max_consent as i64);
        if valid_until <= self.now || valid_until > max {
            return Resp::json(
                422,
                &errors::wrong_parameters(&format!(
                    "access.valid_until must be after now and at most {}",
                    ts(max)
                )),
            );
        }
        let psu_type = body
            .get("psu_type")
            .and_then(text)
            .unwrap_or_else(|| "personal".to_owned());
        if !BANKS[bank].psu_types.contains(&psu_type.as_str()) {
            return Resp::json(
                422,
                &errors::wrong_parameters(&format!("{name} does not serve psu_type {psu_type}")),
            );
        }
        let id = self.uuid();
        let url = format!("{}/ais/start?sessionid={id}&locale=EN", self.base_url);
        let psu_id_hash = hex(&Sha256::digest(id.as_bytes()));
        self.authorizations.push(Authorization {
            id: id.clone(),
            bank,
            valid_until,
            redirect_url,
            state,
            psu_type,
            code: None,
            session: None,
        });
        Resp::json(
            200,
            &json!({"url": url, "authorization_id": id, "psu_id_hash": psu_id_hash}),
        )
    }

    /// The bank's consent page, approved at once: a redirect to the
    /// application's redirect URL with `code` and `state` (or `error`
    /// when authorisations are set to be denied).
    pub(super) fn start_page(&mut self, req: &Req) -> Resp {
        let id = req.param("sessionid").unwrap_or_default();
        let Some(i) = self.authorizations.iter().position(|a| a.id == id) else {
            return Resp::with_type(
                404,
                "text/html",
                "<html><body>Unknown authorisation</body></html>",
            );
        };
        let now = self.now;
        // A denied authorisation hands out no code at all.
        let code = match &self.authorizations[i].code {
            _ if self.deny => String::new(),
            Some((code, _)) => code.clone(),
            None => {
                let code = format!("{:032x}", self.rng.u128(..));
                self.authorizations[i].code = Some((code.clone(), now));
                code
            }
        };
        let a = &self.authorizations[i];
        let Ok(mut url) = Url::parse(&a.redirect_url) else {
            return Resp::with_type(500, "text/html", "bad redirect URL");
        };
        {
            let mut q = url.query_pairs_mut();
            if self.deny {
                q.append_pair("error", "access_denied");
                q.append_pair("error_description", "The user cancelled the authorisation");
            } else {
                q.append_pair("code", &code);
            }
            q.append_pair("state", &a.state);
        }
        Resp::with_type(302, "text/html", "").with_header("Location", url.as_str())
    }

    pub(super) fn create_session(&mut self, req: &Req) -> Resp {
        let code = req
            .body_object()
            .and_then(|b| b.get("code").and_then(Value::as_str).map(str::to_owned));
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            return Resp::json(422, &errors::wrong_parameters("code is required"));
        };
        let found = self
            .authorizations
            .iter()
            .position(|a| a.code.as_ref().is_some_and(|(c, _)| *c == code));
        let Some(i) = found else {
            return Resp::json(
                400,
                &errors::body(
                    400,
                    "WRONG_AUTHORIZATION_CODE",
                    "Wrong authorization code provided",
                    None,
                ),
            );
        };
        if self.authorizations[i].session.is_some() {
            return Resp::json(
                422,
                &errors::body(
                    422,
                    "ALREADY_AUTHORIZED",
                    "Session is already authorized",
                    None,
                ),
            );
        }
        let issued = self.authorizations[i]
            .code
            .as_ref()
            .map(|(_, t)| *t)
            .unwrap_or(self.now);
        if self.now > issued + self.opts.code_lifetime {
            return Resp::json(
                400,
                &errors::body(
                    400,
                    "EXPIRED_AUTHORIZATION_CODE",
                    "Authorization code is expired",
                    None,
                ),
            );
        }
        let a = self.authorizations[i].clone();
        let id = self.uuid();
        let per_bank = self.opts.accounts_per_bank;
        let mut accounts = Vec::new();
        for k in 0..per_bank {
            // Every session gives the same accounts new uids.
            let uid = self.uuid();
            accounts.push((uid, a.bank * per_bank + k));
        }
        let index = self.sessions.len();
        for (uid, p) in &accounts {
            self.uids.insert(uid.clone(), (index, *p));
        }
        self.sessions.push(Session {
            id: id.clone(),
            bank: a.bank,
            psu_type: a.psu_type.clone(),
            psu_id_hash: hex(&Sha256::digest(a.id.as_bytes())),
            valid_until: a.valid_until,
            created: self.now,
            accounts,
            closed: None,
            revoked: false,
        });
        self.authorizations[i].session = Some(index);
        let s = &self.sessions[index];
        let accounts: Vec<Value> = s
            .accounts
            .iter()
            .map(|(uid, p)| generate::account_json(&self.profiles[*p], uid))
            .collect();
        Resp::json(
            200,
            &json!({
                "session_id": id,
                "accounts": accounts,
                "aspsp": {"name": BANKS[s.bank].name, "country": BANKS[s.bank].country},
                "psu_type": s.psu_type,
                "access": {
                    "accounts": null,
                    "balances": true,
                    "transactions": true,
                    "valid_until": ts(s.valid_until),
                },
            }),
        )
    }

    pub(super) fn session_get(&self, id: &str) -> Resp {
        let Some(s) = self.sessions.iter().find(|s| s.id == id) else {
            return Resp::json(
                404,
                &errors::not_found(
                    "SESSION_DOES_NOT_EXIST",
                    "No session found matching provided id",
                ),
            );
        };
        let data: Vec<Value> = s
            .accounts
            .iter()
            .map(|(uid, p)| {
                let h = &self.profiles[*p].identification_hash;
                json!({"uid": uid, "identification_hash": h, "identification_hashes": [h]})
            })
            .collect();
        Resp::json(
            200,
            &json!({
                "status": self.status(s),
                "accounts": s.accounts.iter().map(|(u, _)| u).collect::<Vec<_>>(),
                "accounts_data": data,
                "aspsp": {"name": BANKS[s.bank].name, "country": BANKS[s.bank].country},
                "psu_type": s.psu_type,
                "psu_id_hash": s.psu_id_hash,
                "access": {"valid_until": ts(s.valid_until), "balances": true, "transactions": true},
                "created": ts(s.created),
                "authorized": ts(s.created),
                "closed": s.closed.map(ts),
            }),
        )
    }

    pub(super) fn session_delete(&mut self, id: &str) -> Resp {
        let now = self.now;
        let Some(s) = self.sessions.iter_mut().find(|s| s.id == id) else {
            return Resp::json(
                404,
                &errors::not_found(
                    "SESSION_DOES_NOT_EXIST",
                    "No session found matching provided id",
                ),
            );
        };
        if s.closed.is_none() {
            s.closed = Some(now);
        }
        Resp::json(200, &json!({"message": "OK"}))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
