//! Account data: details, balances and paged transactions, behind the
//! session's state and the bank's daily budget.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::State;
use crate::errors;
use crate::generate::{self, Profile};
use crate::options::{PagingQuirk, Scope};
use fake_http::{Req, Resp};

/// Days of history generated before the start, for balances.
const HISTORY_BEFORE_START: u64 = 400;

/// What a continuation key stands for.
#[derive(Debug, PartialEq, Eq)]
struct Cursor {
    uid: String,
    from: String,
    to: Option<String>,
    offset: usize,
}

impl State {
    pub(super) fn account_read(&mut self, uid: &str, scope: Scope, req: &Req, count: bool) -> Resp {
        let Some(&(session, profile)) = self.uids.get(uid) else {
            return Resp::json(
                404,
                &errors::not_found(
                    "ACCOUNT_DOES_NOT_EXIST",
                    "No account found matching provided id",
                ),
            );
        };
        let status = self.status(&self.sessions[session]);
        match status {
            "AUTHORIZED" => {}
            "EXPIRED" => return Resp::json(401, &errors::session_ended("EXPIRED_SESSION")),
            "REVOKED" => return Resp::json(401, &errors::session_ended("REVOKED_SESSION")),
            _ => return Resp::json(401, &errors::session_ended("CLOSED_SESSION")),
        }
        let p = self.profiles[profile].clone();
        // A follow-up page belongs to the read that asked for the first.
        let first = scope != Scope::Transactions || req.param("continuation_key").is_none();
        let present = req.header("psu-ip-address").is_some();
        let budgeted = first && !present;
        if budgeted && self.remaining(&p.identification_hash, scope) == 0 {
            let number = p.iban.clone().or(p.card.clone()).unwrap_or_default();
            return Resp::json(429, &errors::bank_daily_limit(&number));
        }
        let resp = match scope {
            Scope::Details => Resp::json(200, &generate::account_json(&p, uid)),
            Scope::Balances => self.balances(&p),
            Scope::Transactions => self.transactions(&p, uid, req),
        };
        if resp.status == 200 && budgeted && count {
            self.spend(&p.identification_hash, scope);
        }
        resp
    }

    /// Booked balance at the end of `day`: what was made before it.
    fn booked_through(&mut self, p: &Profile, day: NaiveDate) -> i64 {
        let start = self.opts.now.date_naive() - Days::new(HISTORY_BEFORE_START);
        let opening = if p.kind == "CARD" { 0 } else { p.opening };
        let mut total = opening;
        let mut d = start;
        while d < day {
            let key = (p.identification_hash.clone(), d);
            let sum = match self.day_sums.get(&key) {
                Some(s) => *s,
                None => {
                    let s = generate::made_on(
                        p,
                        d,
                        self.opts.transactions_per_day,
                        self.opts.pending_amount_changes,
                    )
                    .iter()
                    .map(|m| m.booked_cents)
                    .sum::<i64>();
                    self.day_sums.insert(key, s);
                    s
                }
            };
            total += sum;
            d = d + Days::new(1);
        }
        total
    }

    fn balances(&mut self, p: &Profile) -> Resp {
        let today = self.now.date_naive();
        let yesterday = today - Days::new(1);
        let closing = self.booked_through(p, yesterday);
        let interim = self.booked_through(p, today);
        let pending: i64 = generate::made_on(
            p,
            today,
            self.opts.transactions_per_day,
            self.opts.pending_amount_changes,
        )
        .iter()
        .map(|m| m.cents)
        .sum();
        let amount = |c: i64| json!({"currency": p.currency, "amount": signed(c)});
        Resp::json(
            200,
            &json!({"balances": [
                {"name": "Booked balance", "balance_amount": amount(closing), "balance_type": "CLBD",
                 "last_change_date_time": null, "reference_date": yesterday.to_string(), "last_committed_transaction": null},
                {"name": "Gross balance", "balance_amount": amount(interim), "balance_type": "ITBD",
                 "last_change_date_time": null, "reference_date": today.to_string(), "last_committed_transaction": null},
                {"name": "Net balance", "balance_amount": amount(interim + pending), "balance_type": "ITAV",
                 "last_change_date_time": null, "reference_date": null, "last_committed_transaction": null},
            ]}),
        )
    }

    fn transactions(&self, p: &Profile, uid: &str, req: &Req) -> Resp {
        let today = self.now.date_naive();
        let days = self.opts.history_days.max(1);
        let earliest = today - Days::new(u64::from(days) - 1);
        let from_text = req.param("date_from");
        let to_text = req.param("date_to");
        let (from, to, offset, given_key) = if let Some(key) = req.param("continuation_key") {
            let Some(c) = self.open_key(&key) else {
                return wrong_key();
            };
            if c.uid != uid || from_text.as_deref().is_some_and(|f| f != c.from) || to_text != c.to
            {
                return wrong_key();
            }
            let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            let (Some(from), to) = (parse(&c.from), c.to.as_deref().and_then(parse)) else {
                return wrong_key();
            };
            (from, to, c.offset, Some(key))
        } else {
            let parse = |s: &Option<String>| -> Result<Option<NaiveDate>, Resp> {
                match s {
                    None => Ok(None),
                    Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map(Some)
                        .map_err(|_| {
                            Resp::json(
                                422,
                                &errors::wrong_parameters(&format!("{t:?} is not a date")),
                            )
                        }),
                }
            };
            let (from, to) = match (parse(&from_text), parse(&to_text)) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(r), _) | (_, Err(r)) => return r,
            };
            if from.is_none() && to.is_some() {
                return Resp::json(
                    422,
                    &errors::body(
                        422,
                        "DATE_TO_WITHOUT_DATE_FROM",
                        "date_from must be provided if date_to provided",
                        None,
                    ),
                );
            }
            let from = from.unwrap_or(earliest);
            if from > today {
                return Resp::json(
                    422,
                    &errors::body(
                        422,
                        "DATE_FROM_IN_FUTURE",
                        "date_from can not be in the future",
                        None,
                    ),
                );
            }
            if to.is_some_and(|t| t < from) {
                return Resp::json(
                    422,
                    &errors::body(
                        422,
                        "WRONG_DATE_INTERVAL",
                        "date_from should be less than or equal date_to",
                        None,
                    ),
                );
            }
            if from < earliest {
                return Resp::json(422, &errors::wrong_period(days, &earliest.to_string()));
            }
            (from, to, 0, None)
        };
        let list = self.listing(p, from, to.unwrap_or(today).min(today));
        let page: Vec<Value> = list
            .iter()
            .skip(offset)
            .take(self.opts.page_size)
            .cloned()
            .collect();
        let next_offset = offset + self.opts.page_size;
        let cursor = |offset| Cursor {
            uid: uid.to_owned(),
            from: from.to_string(),
            to: to.map(|t| t.to_string()),
            offset,
        };
        let more = next_offset < list.len();
        let key = match (self.opts.paging, given_key) {
            (PagingQuirk::RepeatKey, Some(k)) => Some(k),
            (PagingQuirk::Endless, _) => Some(self.make_key(&cursor(next_offset))),
            _ if more => Some(self.make_key(&cursor(next_offset))),
            _ => None,
        };
        Resp::json(200, &json!({"transactions": page, "continuation_key": key}))
    }

    /// The transactions shown for `from ..= to`, newest first: booked ones
    /// by booking day, pending ones by the day they were made.
    fn listing(&self, p: &Profile, from: NaiveDate, to: NaiveDate) -> Vec<Value> {
        let today = self.now.date_naive();
        let mut out: Vec<(NaiveDate, Value)> = Vec::new();
        let mut d = from - Days::new(1);
        while d <= to {
            for m in generate::made_on(
                p,
                d,
                self.opts.transactions_per_day,
                self.opts.pending_amount_changes,
            ) {
                let booked = d < today;
                let shown_on = if booked { d + Days::new(1) } else { d };
                if shown_on >= from && shown_on <= to {
                    out.push((shown_on, generate::shown(p, &m, today)));
                }
            }
            d = d + Days::new(1);
        }
        // Newest first, as banks list them; stable within a day.
        out.sort_by_key(|e| std::cmp::Reverse(e.0));
        out.into_iter().map(|(_, v)| v).collect()
    }

    fn sign(&self, payload: &str) -> String {
        let digest = Sha256::digest(format!("{}|{payload}", self.key_secret).as_bytes());
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// A continuation key: its parameters in base64 JSON and a signature,
    /// as the real keys look.
    fn make_key(&self, c: &Cursor) -> String {
        let payload = json!({
            "params": {"accountId": c.uid, "dateFrom": c.from, "dateTo": c.to},
            "offset": c.offset,
        })
        .to_string();
        format!("{}.{}", STANDARD.encode(&payload), self.sign(&payload))
    }

    fn open_key(&self, key: &str) -> Option<Cursor> {
        let (data, sig) = key.rsplit_once('.')?;
        let payload = String::from_utf8(STANDARD.decode(data).ok()?).ok()?;
        if self.sign(&payload) != sig {
            return None;
        }
        let v: Value = serde_json::from_str(&payload).ok()?;
        Some(Cursor {
            uid: v["params"]["accountId"].as_str()?.to_owned(),
            from: v["params"]["dateFrom"].as_str()?.to_owned(),
            to: v["params"]["dateTo"].as_str().map(str::to_owned),
            offset: usize::try_from(v["offset"].as_u64()?).ok()?,
        })
    }
}

fn wrong_key() -> Resp {
    Resp::json(
        422,
        &errors::body(
            422,
            "WRONG_CONTINUATION_KEY",
            "Wrong continuation key provided",
            None,
        ),
    )
}

fn signed(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}
