//! Token issue and refresh, and the bearer check of every other endpoint.

use chrono::Duration;
use serde_json::{Value, json};

use super::{State, Token, TokenKind};
use crate::errors;
use crate::generate;
use fake_http::{Req, Resp};

impl State {
    pub(super) fn issue(&mut self, kind: TokenKind, ttl: Duration) -> String {
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

    pub(super) fn token_new(&mut self, req: &Req) -> Resp {
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

    pub(super) fn token_refresh(&mut self, req: &Req) -> Resp {
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

    pub(super) fn authenticate(&self, req: &Req) -> Result<(), Resp> {
        let Some(auth) = req.header("authorization") else {
            return Err(Resp::json(401, &errors::credentials_missing()));
        };
        let token = auth.strip_prefix("Bearer ").unwrap_or("").trim();
        match self.tokens.get(token) {
            Some(t) if t.kind == TokenKind::Access && t.expires > self.now => Ok(()),
            _ => Err(Resp::json(401, &errors::invalid_token())),
        }
    }
}
