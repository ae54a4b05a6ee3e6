//! Account metadata, details, balances and transactions, with the daily budget.

use std::sync::Arc;

use chrono::{Days, Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Access, State, ts};
use crate::errors;
use crate::generate::{self, Ledger, Served};
use crate::options::Scope;
use fake_http::{Req, Resp, encode};

impl State {
    pub(super) fn find_account(&self, id: &str) -> Result<usize, Resp> {
        if !generate::is_uuid(id) {
            return Err(Resp::json(400, &errors::invalid_uuid("Account", id)));
        }
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| Resp::json(404, &errors::account_not_found(id)))
    }

    pub(super) fn account_metadata(&mut self, id: &str) -> Resp {
        let i = match self.find_account(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let a = &self.accounts[i];
        let expired = self.agreement_of(i).is_some_and(|x| self.expired(x));
        let status = match a.access {
            Access::Ok if expired => "EXPIRED",
            Access::Ok => "READY",
            Access::EuaExpired(_) | Access::Revoked => "EXPIRED",
            Access::Suspended => "SUSPENDED",
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

    pub(super) fn account_read(&mut self, id: &str, scope: Scope, req: &Req, count: bool) -> Resp {
        let i = match self.find_account(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let scope_word = scope.as_str();
        let access = match self.accounts[i].access {
            Access::Ok if self.agreement_of(i).is_some_and(|a| self.expired(a)) => {
                Access::EuaExpired(401)
            }
            other => other,
        };
        match access {
            Access::Ok => {}
            Access::EuaExpired(status) => {
                let (agreement, days, ends) = match self.agreement_of(i) {
                    Some(a) => {
                        let days = a.access_valid_for_days;
                        let ends = a.accepted.map(|t| t + Duration::days(days as i64));
                        (a.id.clone(), days, ends)
                    }
                    None => (self.accounts[i].requisition.clone(), 90, None),
                };
                // Expired by the clock: that day; expired by the test: yesterday.
                let ends = ends
                    .filter(|e| *e <= self.now)
                    .unwrap_or(self.now - Duration::days(1));
                let day = ends.date_naive().to_string();
                let resp = Resp::json(status, &errors::eua_expired(status, &agreement, days, &day));
                return self.account_headers(resp, id, scope);
            }
            Access::Suspended => {
                let resp = Resp::json(409, &errors::for_status(409, scope_word));
                return self.account_headers(resp, id, scope);
            }
            Access::Revoked => {
                let resp = Resp::json(401, &errors::access_expired(scope_word));
                return self.account_headers(resp, id, scope);
            }
        }
        if let Some(agreement) = self.agreement_of(i)
            && !agreement.access_scope.iter().any(|s| s == scope_word)
        {
            let resp = Resp::json(403, &errors::eua_scope(scope_word));
            return self.account_headers(resp, id, scope);
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

    pub(super) fn details(&self, i: usize) -> Value {
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
    pub(super) fn ledger(&mut self, i: usize) -> Arc<Ledger> {
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
            self.opts.pending_fates,
        ));
        self.accounts[i].cache = Some((today, l.clone()));
        l
    }

    pub(super) fn balances(&mut self, i: usize) -> Value {
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
        let cur = self.accounts[i].profile.currency.clone();
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
    pub(super) fn balances_of_payload(&self, i: usize, payload: &Value) -> Value {
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
        let cur = &a.profile.currency;
        let amount =
            |v: i128| json!({"amount": generate::format_scaled(v, scale), "currency": cur});
        let today = self.now.date_naive();
        let yesterday = (today - Days::new(1)).to_string();
        json!({"balances": [
            {"balanceAmount": amount(closing), "balanceType": "closingBooked", "referenceDate": yesterday},
            {"balanceAmount": amount(closing + pending), "balanceType": "interimAvailable", "referenceDate": today.to_string()},
        ]})
    }

    pub(super) fn transactions(
        &mut self,
        i: usize,
        req: &Req,
        page: usize,
    ) -> Result<String, Resp> {
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
                // The bank gives no more history than the agreement allows.
                let days = self.agreement_of(i).map_or(90, |a| a.max_historical_days);
                let oldest = today - Days::new(days as u64);
                let l = self.ledger(i);
                let b = l
                    .booked
                    .iter()
                    .filter(|s| keep(s) && s.dates.iter().any(|d| *d >= oldest))
                    .cloned()
                    .collect();
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
