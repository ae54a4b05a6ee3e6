//! The admin routes under `/_fake/`, so a server running as a separate
//! process can be driven like the in-process [`crate::FakeServer`].
//! Documented in `docs/fake-server.md`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::options::{AccountSpec, Fault, FaultKind, Scope};
use crate::server::Shared;
use crate::state::DEFAULT_LINKED_ACCOUNTS;
use fake_http::{Req, Resp};

fn bad(msg: impl std::fmt::Display) -> Resp {
    Resp::json(400, &json!({"error": msg.to_string()}))
}

fn ok(v: Value) -> Resp {
    Resp::json(200, &v)
}

/// Answers one admin request.
pub fn handle(shared: &Shared, req: &Req) -> Resp {
    let rest = req.path.trim_start_matches("/_fake");
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let int = |k: &str| -> Result<i64, Resp> {
        match req.param(k) {
            None => Ok(0),
            Some(v) => v
                .parse()
                .map_err(|_| bad(format!("{k} must be an integer, got {v:?}"))),
        }
    };
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["state"]) => {
            let s = shared.lock();
            ok(json!({
                "base_url": s.base_url,
                "secret_id": s.secret_id,
                "secret_key": s.secret_key,
                "institution_id": s.institution_id(),
                "requisition_id": s.main_requisition,
                "account_ids": s.account_ids(),
                "now": s.now.to_rfc3339(),
            }))
        }
        ("POST", ["advance"]) => {
            let by = (|| -> Result<Duration, Resp> {
                Ok(Duration::days(int("days")?)
                    + Duration::hours(int("hours")?)
                    + Duration::minutes(int("minutes")?)
                    + Duration::seconds(int("seconds")?))
            })();
            match by {
                Ok(by) => {
                    let mut s = shared.lock();
                    s.now += by;
                    ok(json!({"now": s.now.to_rfc3339()}))
                }
                Err(r) => r,
            }
        }
        ("POST", ["now"]) => match req.param("t").map(|t| t.parse::<DateTime<Utc>>()) {
            Some(Ok(t)) => {
                let mut s = shared.lock();
                s.now = t;
                ok(json!({"now": s.now.to_rfc3339()}))
            }
            _ => bad("give the time as ?t=2026-11-21T10:00:00Z"),
        },
        ("GET", ["counters"]) => {
            let s = shared.lock();
            let method = req.param("method");
            let prefix = req.param("prefix").unwrap_or_default();
            let matching = s
                .log
                .iter()
                .filter(|r| {
                    method
                        .as_deref()
                        .is_none_or(|m| r.method.eq_ignore_ascii_case(m))
                })
                .filter(|r| r.path.starts_with(&prefix))
                .count();
            let requests: Vec<Value> = s
                .log
                .iter()
                .map(|r| json!({"method": r.method, "path": r.path, "query": r.query, "status": r.status}))
                .collect();
            ok(json!({"count": matching, "total": s.log.len(), "requests": requests}))
        }
        ("POST", ["reset-counters"]) => {
            shared.lock().log.clear();
            ok(json!({"ok": true}))
        }
        ("POST", ["revoke-tokens"]) => {
            shared.lock().revoke_tokens();
            ok(json!({"ok": true}))
        }
        ("POST", ["requisitions", id, "link"]) => {
            let n = match req.param("accounts").map(|v| v.parse::<usize>()) {
                None => DEFAULT_LINKED_ACCOUNTS,
                Some(Ok(n)) => n,
                Some(Err(_)) => return bad("accounts must be a number"),
            };
            let ids = shared.lock().link_requisition(id, n);
            ok(json!({"accounts": ids}))
        }
        ("POST", ["requisitions", id, "status"]) => match req.param("status") {
            Some(st) => {
                shared.lock().set_requisition_status(id, &st);
                ok(json!({"ok": true}))
            }
            None => bad("give ?status=EX (or CR, LN, RJ, …)"),
        },
        ("POST", ["accounts", id, "expire"]) => {
            let status = match req.param("status").map(|v| v.parse::<u16>()) {
                None => 401,
                Some(Ok(s)) => s,
                Some(Err(_)) => return bad("status must be a number"),
            };
            shared.lock().expire_access(id, status);
            ok(json!({"ok": true}))
        }
        ("POST", ["accounts", id, "suspend"]) => {
            shared.lock().suspend(id);
            ok(json!({"ok": true}))
        }
        ("POST", ["accounts", id, "remaining"]) => {
            let scope = match req.param("scope").as_deref() {
                Some("details") => Scope::Details,
                Some("balances") => Scope::Balances,
                Some("transactions") => Scope::Transactions,
                _ => return bad("give ?scope=details|balances|transactions&remaining=N"),
            };
            match req.param("remaining").map(|v| v.parse::<u32>()) {
                Some(Ok(n)) => {
                    shared.lock().set_remaining(id, scope, n);
                    ok(json!({"ok": true}))
                }
                _ => bad("give ?remaining=N"),
            }
        }
        ("POST", ["accounts"]) => match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => {
                let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                let spec = AccountSpec {
                    transactions: m.get("transactions").cloned(),
                    balances: m.get("balances").cloned(),
                    details: m.get("details").cloned(),
                    iban: text("iban"),
                    currency: text("currency"),
                    owner_name: text("owner_name"),
                    institution_id: text("institution_id"),
                };
                let id = shared.lock().add_account(spec);
                ok(json!({"id": id}))
            }
            _ => bad(
                "the body must be a JSON object: {\"transactions\": {...}, \"balances\": {...}}",
            ),
        },
        ("POST", ["faults"]) => match parse_fault(&req.body) {
            Ok(f) => {
                shared.lock().inject(f);
                ok(json!({"ok": true}))
            }
            Err(e) => bad(e),
        },
        _ => Resp::json(
            404,
            &json!({"error": format!("no admin route {} {}", req.method, req.path)}),
        ),
    }
}

/// `{"path_contains": "...", "nth": 1, "times": 1, "kind": "status", "status": 503}`;
/// kinds: status (status), slow (ms), malformed, drop, api_rate_limit (seconds), bank_daily_limit,
/// echo (status), body (status, body).
fn parse_fault(body: &[u8]) -> Result<Fault, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let num = |k: &str, default: u64| v.get(k).and_then(Value::as_u64).unwrap_or(default);
    let kind = match v.get("kind").and_then(Value::as_str) {
        Some("status") => FaultKind::Status(num("status", 503) as u16),
        Some("slow") => FaultKind::Slow(std::time::Duration::from_millis(num("ms", 1000))),
        Some("malformed") => FaultKind::Malformed,
        Some("drop") => FaultKind::Drop,
        Some("api_rate_limit") => FaultKind::ApiRateLimit {
            seconds: num("seconds", 60),
        },
        Some("bank_daily_limit") => FaultKind::BankDailyLimit,
        Some("echo") => FaultKind::Echo(num("status", 400) as u16),
        Some("body") => FaultKind::Body {
            status: num("status", 200) as u16,
            body: v
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        },
        other => {
            return Err(format!(
                "unknown fault kind {other:?}: use status, slow, malformed, drop, api_rate_limit, \
                 bank_daily_limit, echo or body"
            ));
        }
    };
    Ok(Fault {
        path_contains: v
            .get("path_contains")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        nth: num("nth", 1) as u32,
        times: num("times", 1) as u32,
        kind,
    })
}
