//! The server's state (clock, data, rate-limit window, log, faults), the
//! routing of API requests, pagination, and the headers of every answer.

use std::time::Instant;

use chrono::{DateTime, Duration, Months, Utc};
use fake_http::{Req, Resp};
use serde_json::{Value, json};

use crate::data::Data;
use crate::errors;
use crate::generate::{self, Generator};
use crate::options::{Fault, FaultKind, Options, RequestLog};

/// The version the fake speaks; any other `GoCardless-Version` is refused.
const VERSION: &str = "2015-07-06";
/// A list page's size when no `limit` is given, and the largest allowed.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

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
    pub token: String,
    data: Data,
    generator: Generator,
    rng: fastrand::Rng,
    window: (Instant, u32),
    pub log: Vec<RequestLog>,
    /// The number of each entry of `log`.
    log_seqs: Vec<u64>,
    seq: u64,
    faults: Vec<Armed>,
}

/// `Thu, 06 Feb 2020 17:58:00 GMT`.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

impl State {
    pub fn new(opts: Options) -> State {
        let start = opts.now.date_naive() - chrono::Days::new(u64::from(opts.history_days));
        let (generator, data) = Generator::new(opts.seed, start);
        let mut state = State {
            now: opts.now,
            token: generate::token(opts.seed),
            data,
            generator,
            rng: fastrand::Rng::with_seed(generate::mix(&[opts.seed, 5])),
            window: (Instant::now(), 0),
            log: Vec::new(),
            log_seqs: Vec::new(),
            seq: 0,
            faults: Vec::new(),
            opts,
        };
        state.catch_up();
        state
    }

    /// Generates the days the clock has reached.
    fn catch_up(&mut self) {
        let today = self.now.date_naive();
        self.generator.generate_until(&mut self.data, today);
    }

    /// Payouts created by now, newest first (the order of listings).
    fn visible_payouts(&self) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.data.payouts.len())
            .filter(|&i| self.data.payouts[i].created_at <= self.now)
            .collect();
        v.sort_by(|&a, &b| {
            let (a, b) = (&self.data.payouts[a], &self.data.payouts[b]);
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        v
    }

    pub fn payout_ids(&mut self) -> Vec<String> {
        self.catch_up();
        self.visible_payouts()
            .into_iter()
            .map(|i| self.data.payouts[i].id.clone())
            .collect()
    }

    pub fn creditor_ids(&self) -> Vec<String> {
        self.data.creditors.iter().map(|c| c.id.clone()).collect()
    }

    fn request_id(&mut self) -> String {
        let r = &mut self.rng;
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            r.u32(..),
            r.u16(..),
            r.u16(..0x1000),
            r.u16(..0x1000),
            r.u64(..1 << 48)
        )
    }

    // ----- faults --------------------------------------------------------

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
        // A fault whose last request has passed is done.
        self.faults
            .retain(|a| a.fault.times > 0 && a.seen < a.fault.nth.max(1) + a.fault.times - 1);
        hit
    }

    /// Logs a request on arrival (status 0 until answered); its number.
    pub fn record(&mut self, req: &Req) -> u64 {
        self.seq += 1;
        self.log.push(RequestLog {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            status: 0,
        });
        self.log_seqs.push(self.seq);
        self.seq
    }

    /// Sets the status of a logged request (unless the log was reset since).
    pub fn answered(&mut self, seq: u64, status: u16) {
        if let Some(i) = self.log_seqs.iter().rposition(|&s| s == seq) {
            self.log[i].status = status;
        }
    }

    pub fn reset_log(&mut self) {
        self.log.clear();
        self.log_seqs.clear();
    }

    /// The answer of a fault that answers (all but `Slow` and `Drop`).
    pub fn fault_response(&mut self, kind: &FaultKind, req: &Req) -> Resp {
        let resp = match kind {
            FaultKind::Status(s) => {
                let id = self.request_id();
                Resp::json(*s, &errors::for_status(*s, &id))
            }
            FaultKind::Html(s) => Resp::with_type(
                *s,
                "text/html",
                format!("<html><body><h1>{s} Bad Gateway</h1>nginx</body></html>"),
            ),
            FaultKind::RateLimited { seconds } => {
                let resp = Resp::json(429, &errors::rate_limited());
                return self.headers(resp, Some(*seconds));
            }
            FaultKind::EchoToken(s) => {
                let sent = req.header("authorization").unwrap_or("").to_owned();
                let token = sent.strip_prefix("Bearer ").unwrap_or(&sent).to_owned();
                if *s < 400 {
                    Resp::with_type(*s, "text/plain", format!("debug: {sent}"))
                } else {
                    Resp::json(
                        *s,
                        &errors::body(
                            *s,
                            if *s >= 500 {
                                "gocardless"
                            } else {
                                "invalid_api_usage"
                            },
                            &format!("Request with header Authorization: {sent} failed"),
                            "echo",
                            json!([{"field": "authorization", "message": format!("{token} is not valid here"), "reason": token}]),
                            &token,
                        ),
                    )
                }
            }
            FaultKind::Respond { status, body } => Resp::json_text(*status, body.clone()),
            FaultKind::Malformed => {
                let mut resp = self.handle(req);
                let cut = resp.body.len() / 2;
                resp.body.truncate(cut.max(1));
                resp.status = 200;
                return resp;
            }
            FaultKind::Slow(_) | FaultKind::Drop => return self.handle(req),
        };
        self.headers(resp, None)
    }

    // ----- headers and the rate limit ------------------------------------

    /// Counts a request against the window; whether it is over the limit.
    fn spend(&mut self) -> bool {
        if self.window.0.elapsed() >= self.opts.rate_window {
            self.window = (Instant::now(), 0);
        }
        self.window.1 += 1;
        self.window.1 > self.opts.rate_limit
    }

    /// `Date` and the rate-limit headers. `reset_in` forces a reset that
    /// many seconds ahead with nothing remaining (an injected 429).
    fn headers(&self, resp: Resp, reset_in: Option<u64>) -> Resp {
        let date = self.now - Duration::nanoseconds(i64::from(self.now.timestamp_subsec_nanos()));
        let (remaining, secs) = match reset_in {
            Some(s) => (0, s),
            None => {
                let left = self
                    .opts
                    .rate_window
                    .saturating_sub(self.window.0.elapsed());
                let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                (self.opts.rate_limit.saturating_sub(self.window.1), secs)
            }
        };
        let reset = date + Duration::seconds(secs as i64);
        resp.with_header("Date", http_date(date))
            .with_header("ratelimit-limit", self.opts.rate_limit)
            .with_header("ratelimit-remaining", remaining)
            .with_header("ratelimit-reset", http_date(reset))
    }

    // ----- routing ---------------------------------------------------------

    /// Answers an API request.
    pub fn handle(&mut self, req: &Req) -> Resp {
        self.catch_up();
        let resp = self.route(req);
        self.headers(resp, None)
    }

    fn route(&mut self, req: &Req) -> Resp {
        let bearer = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if bearer != Some(self.token.as_str()) {
            let id = self.request_id();
            return Resp::json(401, &errors::unauthorized(&id));
        }
        match req.header("gocardless-version") {
            Some(VERSION) => {}
            Some(_) => return self.reasoned(400, "version_not_found", "Version not found"),
            None => {
                return self.reasoned(
                    400,
                    "missing_version_header",
                    "GoCardless-Version header missing",
                );
            }
        }
        if self.spend() {
            return Resp::json(429, &errors::rate_limited());
        }
        let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        let known = matches!(
            segs.as_slice(),
            ["creditors" | "payouts" | "payout_items"]
                | [
                    "creditors" | "customers" | "mandates" | "payments" | "refunds" | "payouts",
                    _
                ]
        );
        if req.method != "GET" {
            return if known {
                self.reasoned(405, "method_not_allowed", "Method not allowed")
            } else {
                self.not_found()
            };
        }
        match segs.as_slice() {
            ["creditors"] => {
                let records = (0..self.data.creditors.len())
                    .map(|i| {
                        (
                            self.data.creditors[i].id.clone(),
                            self.data.creditor_json(i),
                        )
                    })
                    .collect();
                self.page(req, "creditors", records)
            }
            ["creditors", id] => {
                let i = self.data.creditors.iter().position(|c| c.id == *id);
                self.one("creditors", i.map(|i| self.data.creditor_json(i)))
            }
            ["customers", id] => {
                let i = self.data.customers.iter().position(|c| c.id == *id);
                self.one("customers", i.map(|i| self.data.customer_json(i)))
            }
            ["mandates", id] => {
                let i = self.data.mandates.iter().position(|c| c.id == *id);
                self.one("mandates", i.map(|i| self.data.mandate_json(i)))
            }
            ["payments", id] => {
                let now = self.now;
                // A payment shows once its payout does (it is made with it).
                let payouts = &self.data.payouts;
                let i = self.data.payments.iter().position(|p| {
                    p.id == *id && p.payout.is_none_or(|o| payouts[o].created_at <= now)
                });
                self.one("payments", i.map(|i| self.data.payment_json(i, now)))
            }
            ["refunds", id] => {
                let now = self.now;
                let i = self
                    .data
                    .refunds
                    .iter()
                    .position(|r| r.id == *id && r.created_at <= now);
                self.one("refunds", i.map(|i| self.data.refund_json(i)))
            }
            ["payouts", id] => {
                let now = self.now;
                let i = self
                    .data
                    .payouts
                    .iter()
                    .position(|o| o.id == *id && o.created_at <= now);
                self.one("payouts", i.map(|i| self.data.payout_json(i, now)))
            }
            ["payouts"] => self.payouts(req),
            ["payout_items"] => self.payout_items(req),
            _ => self.not_found(),
        }
    }

    fn reasoned(&mut self, status: u16, reason: &str, message: &str) -> Resp {
        let id = self.request_id();
        Resp::json(
            status,
            &errors::reasoned(status, "invalid_api_usage", reason, message, &id),
        )
    }

    fn not_found(&mut self) -> Resp {
        let id = self.request_id();
        Resp::json(404, &errors::not_found(&id))
    }

    fn validation(&mut self, field: &str, message: &str) -> Resp {
        let id = self.request_id();
        Resp::json(422, &errors::validation(field, message, &id))
    }

    fn one(&mut self, key: &str, record: Option<Value>) -> Resp {
        match record {
            Some(r) => Resp::json(200, &json!({ key: r })),
            None => self.not_found(),
        }
    }

    fn payouts(&mut self, req: &Req) -> Resp {
        let now = self.now;
        let mut bounds: Vec<(&str, DateTime<Utc>)> = Vec::new();
        for op in ["gt", "gte", "lt", "lte"] {
            let name = format!("created_at[{op}]");
            if let Some(v) = req.param(&name) {
                match DateTime::parse_from_rfc3339(v.trim()) {
                    Ok(t) => bounds.push((op, t.with_timezone(&Utc))),
                    Err(_) => return self.validation(&name, "is not a valid ISO 8601 timestamp"),
                }
            }
        }
        let eq = |name: &str| req.param(name).filter(|v| !v.is_empty());
        let (creditor, status, currency) = (eq("creditor"), eq("status"), eq("currency"));
        let records = self
            .visible_payouts()
            .into_iter()
            .filter(|&i| {
                let o = &self.data.payouts[i];
                bounds.iter().all(|(op, t)| match *op {
                    "gt" => o.created_at > *t,
                    "gte" => o.created_at >= *t,
                    "lt" => o.created_at < *t,
                    _ => o.created_at <= *t,
                }) && creditor
                    .as_ref()
                    .is_none_or(|c| *c == self.data.creditors[o.creditor].id)
                    && status.as_ref().is_none_or(|s| s == o.status(now))
                    && currency.as_ref().is_none_or(|c| c == o.currency)
            })
            .map(|i| {
                (
                    self.data.payouts[i].id.clone(),
                    self.data.payout_json(i, now),
                )
            })
            .collect();
        self.page(req, "payouts", records)
    }

    fn payout_items(&mut self, req: &Req) -> Resp {
        let now = self.now;
        let Some(id) = req.param("payout").filter(|p| !p.trim().is_empty()) else {
            return self.validation("payout", "can't be blank");
        };
        let Some(i) = self
            .data
            .payouts
            .iter()
            .position(|o| o.id == id && o.created_at <= now)
        else {
            return self.not_found();
        };
        let six_months_ago = now.checked_sub_months(Months::new(6)).unwrap_or(now);
        if self.data.payouts[i].created_at < six_months_ago {
            let rid = self.request_id();
            return Resp::json(410, &errors::gone(&rid));
        }
        let records = (0..self.data.payouts[i].items.len())
            .map(|n| (format!("{id}_{n}"), self.data.item_json(i, n, now)))
            .collect();
        self.page(req, "payout_items", records)
    }

    /// A cursor-paginated list: `limit` (default 50, at most 500), `after`
    /// or `before` a record's cursor; `meta.cursors` says where the
    /// neighbouring pages start.
    fn page(&mut self, req: &Req, key: &str, records: Vec<(String, Value)>) -> Resp {
        let limit = match req.param("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                Ok(_) => return self.validation("limit", "must be between 1 and 500"),
                Err(_) => return self.validation("limit", "must be a number"),
            },
        };
        let position = |cursor: &str| records.iter().position(|(c, _)| c == cursor);
        let (after, before) = (req.param("after"), req.param("before"));
        let (start, end) = match (after, before) {
            (Some(_), Some(_)) => {
                return self.reasoned(
                    400,
                    "invalid_cursors",
                    "Only one of after and before may be given",
                );
            }
            (Some(a), None) => match position(&a) {
                Some(p) => (p + 1, (p + 1 + limit).min(records.len())),
                None => return self.reasoned(400, "invalid_cursor", "The cursor is not valid"),
            },
            (None, Some(b)) => match position(&b) {
                Some(p) => (p.saturating_sub(limit), p),
                None => return self.reasoned(400, "invalid_cursor", "The cursor is not valid"),
            },
            (None, None) => (0, limit.min(records.len())),
        };
        let before = (start > 0 && start < records.len()).then(|| records[start].0.clone());
        let after = (end < records.len() && end > start).then(|| records[end - 1].0.clone());
        let list: Vec<Value> = records[start..end].iter().map(|(_, v)| v.clone()).collect();
        Resp::json(
            200,
            &json!({ key: list, "meta": {"cursors": {"before": before, "after": after}, "limit": limit} }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ts;

    #[test]
    fn timestamps_and_dates_as_the_api_writes_them() {
        let t = DateTime::parse_from_rfc3339("2020-02-06T17:58:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Thu, 06 Feb 2020 17:58:00 GMT");
        assert_eq!(ts(t), "2020-02-06T17:58:00.500Z");
    }
}
