//! An Item's transactions as a log of updates (added, modified, removed),
//! grown day by day as the clock moves, and `/transactions/sync` over it.
//!
//! A cursor is a position in the log. A cursor handed out with
//! `has_more: true` also records the log's length then: when the log has
//! grown by the time it comes back, the data changed during pagination and
//! the answer is `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`, as at
//! Plaid. A final cursor stays valid.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::items::num;
use super::{Request, State};
use crate::errors::{self, PlaidErr};
use crate::generate::{self, AccountPlan, Planned};

/// Plaid's default and largest page.
const DEFAULT_COUNT: u64 = 100;
const MAX_COUNT: u64 = 500;

/// A transaction in one of its states.
#[derive(Debug, Clone, PartialEq)]
pub struct Txn {
    pub id: String,
    pub account_id: String,
    pub amount: Decimal,
    pub date: NaiveDate,
    pub authorized_date: NaiveDate,
    pub authorized_hour: Option<u32>,
    pub pending: bool,
    pub pending_transaction_id: Option<String>,
    pub name: String,
    pub merchant_name: Option<String>,
    pub original_description: String,
    pub primary: &'static str,
    pub detailed: &'static str,
    pub confidence: &'static str,
    pub channel: &'static str,
}

impl Txn {
    /// Its JSON, as `/transactions/sync` sends it.
    pub fn json(&self, original_description: bool) -> Value {
        let authorized_datetime = self
            .authorized_hour
            .map(|h| format!("{}T{h:02}:15:00Z", self.authorized_date.format("%Y-%m-%d")));
        json!({
            "account_id": self.account_id,
            "account_owner": null,
            "amount": num(self.amount),
            "iso_currency_code": "USD",
            "unofficial_currency_code": null,
            "check_number": null,
            "counterparties": [],
            "date": self.date.format("%Y-%m-%d").to_string(),
            "datetime": null,
            "authorized_date": self.authorized_date.format("%Y-%m-%d").to_string(),
            "authorized_datetime": authorized_datetime,
            "location": {
                "address": null, "city": null, "region": null, "postal_code": null,
                "country": null, "lat": null, "lon": null, "store_number": null,
            },
            "name": self.name,
            "merchant_name": self.merchant_name,
            "merchant_entity_id": null,
            "logo_url": null,
            "website": null,
            "original_description": original_description.then_some(&self.original_description),
            "payment_meta": {
                "by_order_of": null, "payee": null, "payer": null, "payment_method": null,
                "payment_processor": null, "ppd_id": null, "reason": null,
                "reference_number": null,
            },
            "payment_channel": self.channel,
            "pending": self.pending,
            "pending_transaction_id": self.pending_transaction_id,
            "personal_finance_category": {
                "primary": self.primary,
                "detailed": self.detailed,
                "confidence_level": self.confidence,
            },
            "transaction_id": self.id,
            "transaction_code": null,
            "transaction_type": if self.channel == "online" { "digital" } else { "place" },
        })
    }
}

/// One update of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Added(Txn),
    Modified(Txn),
    Removed { id: String, account_id: String },
}

impl Event {
    fn id(&self) -> &str {
        match self {
            Event::Added(t) | Event::Modified(t) => &t.id,
            Event::Removed { id, .. } => id,
        }
    }

    fn account_id(&self) -> &str {
        match self {
            Event::Added(t) | Event::Modified(t) => &t.account_id,
            Event::Removed { account_id, .. } => account_id,
        }
    }
}

/// An Item's transactions: the log of updates and the state it leads to.
pub struct Ledger {
    /// The day up to which the log is written.
    through: NaiveDate,
    pub log: Vec<Event>,
    /// Every transaction now, by id.
    pub current: BTreeMap<String, Txn>,
}

/// A transaction as it stands on day `as_of`.
fn version(p: &Planned, account_id: &str, as_of: NaiveDate) -> Txn {
    let pending = p.pending_first() && p.day >= as_of;
    let posted_on = p.posting_day();
    // Flagged ones get their merchant the day after they post.
    let enriched = !p.enriched_later || (!pending && posted_on < as_of);
    let (id, amount, date) = if pending {
        (p.pending_id.clone().unwrap_or_default(), p.amount, p.day)
    } else {
        (p.posted_id.clone(), p.posted_amount, posted_on)
    };
    Txn {
        id,
        account_id: account_id.to_owned(),
        amount,
        date,
        authorized_date: p.day,
        authorized_hour: (p.channel != "other").then(|| 9 + (p.n as u32 % 10)),
        pending,
        pending_transaction_id: if pending { None } else { p.pending_id.clone() },
        name: p.name.clone(),
        merchant_name: if enriched {
            p.merchant_name.map(str::to_owned)
        } else {
            None
        },
        original_description: p.original_description.clone(),
        primary: p.primary,
        detailed: p.detailed,
        confidence: match (p.enriched_later, enriched) {
            (true, false) => "LOW",
            (true, true) => "VERY_HIGH",
            (false, _) => "HIGH",
        },
        channel: p.channel,
    }
}

impl Ledger {
    /// The log of a new Item: its history from `first` to `today`, every
    /// transaction as it stands today.
    pub fn new(
        seed: u64,
        item: u64,
        accounts: &[AccountPlan],
        first: NaiveDate,
        today: NaiveDate,
    ) -> Ledger {
        let mut ledger = Ledger {
            through: today,
            log: Vec::new(),
            current: BTreeMap::new(),
        };
        let mut day = first;
        while day <= today {
            for (a, plan) in accounts.iter().enumerate() {
                for p in generate::day(seed, item, a as u64, plan, day) {
                    ledger.push(Event::Added(version(&p, &plan.id, today)));
                }
            }
            day = day + Days::new(1);
        }
        ledger
    }

    fn push(&mut self, event: Event) {
        match &event {
            Event::Added(t) | Event::Modified(t) => {
                self.current.insert(t.id.clone(), t.clone());
            }
            Event::Removed { id, .. } => {
                self.current.remove(id);
            }
        }
        self.log.push(event);
    }

    /// Writes the updates of every day after the last one written, up to
    /// `today`: yesterday's pending transactions post (removed under their
    /// pending id, added under a new one), the day before's postings get
    /// their merchant, today's transactions are added.
    pub fn catch_up(&mut self, seed: u64, item: u64, accounts: &[AccountPlan], today: NaiveDate) {
        while self.through < today {
            let day = self.through + Days::new(1);
            let plans = |d: NaiveDate| -> Vec<(usize, Planned)> {
                accounts
                    .iter()
                    .enumerate()
                    .flat_map(|(a, plan)| {
                        generate::day(seed, item, a as u64, plan, d)
                            .into_iter()
                            .map(move |p| (a, p))
                    })
                    .collect()
            };
            let yesterday = day - Days::new(1);
            for (a, p) in plans(yesterday) {
                if let Some(pending_id) = &p.pending_id
                    && self.current.contains_key(pending_id)
                {
                    self.push(Event::Removed {
                        id: pending_id.clone(),
                        account_id: accounts[a].id.clone(),
                    });
                    self.push(Event::Added(version(&p, &accounts[a].id, day)));
                }
            }
            let before = yesterday - Days::new(1);
            for (a, p) in plans(before).into_iter().chain(plans(yesterday)) {
                if !p.enriched_later || p.posting_day() != yesterday {
                    continue;
                }
                let enriched = version(&p, &accounts[a].id, day);
                if self
                    .current
                    .get(&enriched.id)
                    .is_some_and(|t| t.merchant_name.is_none())
                {
                    self.push(Event::Modified(enriched));
                }
            }
            for (a, p) in plans(day) {
                self.push(Event::Added(version(&p, &accounts[a].id, day)));
            }
            self.through = day;
        }
    }

    /// Changes a transaction with `f`; whether it exists.
    pub fn modify(&mut self, id: &str, f: impl FnOnce(&mut Txn)) -> bool {
        let Some(mut t) = self.current.get(id).cloned() else {
            return false;
        };
        f(&mut t);
        self.push(Event::Modified(t));
        true
    }

    /// The posted and the pending sums of an account's amounts.
    pub fn sums(&self, account_id: &str) -> (Decimal, Decimal) {
        let mut posted = Decimal::ZERO;
        let mut pending = Decimal::ZERO;
        for t in self.current.values().filter(|t| t.account_id == account_id) {
            if t.pending {
                pending += t.amount;
            } else {
                posted += t.amount;
            }
        }
        (posted, pending)
    }

    /// The latest posted transaction (by date, then id).
    fn latest_posted(&self) -> Option<String> {
        self.current
            .values()
            .filter(|t| !t.pending)
            .max_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)))
            .map(|t| t.id.clone())
    }
}

/// A decoded cursor: a position in the log and, for a cursor from the
/// middle of a pagination, the log's length when it was handed out.
struct Position {
    pos: usize,
    mid: Option<usize>,
}

fn mac(seed: u64, item: u64, pos: u64, mid: u64) -> u64 {
    generate::mix(&[seed, 17, item, pos, mid])
}

fn encode(seed: u64, item: u64, p: &Position) -> String {
    let pos = p.pos as u64;
    let mid = p.mid.map_or(0, |l| l as u64 + 1);
    format!(
        "{item:016x}{pos:016x}{mid:016x}{:016x}",
        mac(seed, item, pos, mid)
    )
}

fn decode(seed: u64, item: u64, cursor: &str) -> Option<Position> {
    if cursor.len() != 64 || !cursor.is_ascii() {
        return None;
    }
    let part = |i: usize| u64::from_str_radix(&cursor[i * 16..(i + 1) * 16], 16).ok();
    let (c_item, pos, mid, m) = (part(0)?, part(1)?, part(2)?, part(3)?);
    if c_item != item || m != mac(seed, item, pos, mid) {
        return None;
    }
    Some(Position {
        pos: usize::try_from(pos).ok()?,
        mid: (mid > 0).then(|| usize::try_from(mid - 1).ok()).flatten(),
    })
}

impl State {
    pub(super) fn transactions_sync(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let i = self.item_of(r)?;
        self.check_login(i)?;
        let count = match r.body.get("count") {
            None | Some(Value::Null) => DEFAULT_COUNT,
            Some(v) => match v.as_u64() {
                Some(n) if (1..=MAX_COUNT).contains(&n) => n,
                _ => {
                    return Err(errors::invalid_field(
                        "count must be an integer between 1 and 500",
                    ));
                }
            },
        } as usize;
        if self.items[i].not_ready_left > 0 {
            self.items[i].not_ready_left -= 1;
            return Ok(json!({
                "accounts": [], "added": [], "modified": [], "removed": [],
                "next_cursor": "", "has_more": false,
                "transactions_update_status": "NOT_READY",
            }));
        }
        self.catch_up_item(i);
        let seed = self.opts.seed;
        let number = self.items[i].number;
        let cursor = match r.body.get("cursor") {
            None | Some(Value::Null) => Position { pos: 0, mid: None },
            Some(Value::String(s)) if s.is_empty() => Position { pos: 0, mid: None },
            Some(Value::String(s)) if s == "now" => Position {
                pos: self.items[i].ledger.log.len(),
                mid: None,
            },
            Some(Value::String(s)) => decode(seed, number, s)
                .filter(|p| p.pos <= self.items[i].ledger.log.len())
                .ok_or_else(|| errors::invalid_field("cursor is not a valid cursor"))?,
            Some(_) => return Err(errors::invalid_field("cursor must be a string")),
        };
        if let Some(len) = cursor.mid {
            if self.mutation_armed {
                self.mutation_armed = false;
                let ledger = &mut self.items[i].ledger;
                if let Some(id) = ledger.latest_posted() {
                    ledger.modify(&id, |t| t.name = format!("{} (corrected)", t.name));
                }
            }
            if self.items[i].ledger.log.len() != len {
                return Err(errors::mutation_during_pagination());
            }
        }
        let include_original = r
            .option("include_original_description")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let item = &self.items[i];
        let len = item.ledger.log.len();
        let end = (cursor.pos + count).min(len);
        let page = &item.ledger.log[cursor.pos..end];
        let (added, modified, removed) = consolidate(page);
        let has_more = end < len;
        let next = Position {
            pos: end,
            mid: has_more.then_some(len),
        };
        let mut named: Vec<&str> = Vec::new();
        for e in page {
            if !named.contains(&e.account_id()) {
                named.push(e.account_id());
            }
        }
        let accounts: Vec<Value> = (0..item.accounts.len())
            .filter(|&a| named.contains(&item.accounts[a].id.as_str()))
            .map(|a| self.account_json(i, a))
            .collect();
        let answer = json!({
            "accounts": accounts,
            "added": added.iter().map(|t| t.json(include_original)).collect::<Vec<_>>(),
            "modified": modified.iter().map(|t| t.json(include_original)).collect::<Vec<_>>(),
            "removed": removed
                .iter()
                .map(|(id, account)| json!({"transaction_id": id, "account_id": account}))
                .collect::<Vec<_>>(),
            "next_cursor": encode(seed, number, &next),
            "has_more": has_more,
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        });
        self.items[i].last_update = Some(self.now);
        Ok(answer)
    }
}

/// The updates of one page, one per transaction: added then modified is
/// added (its last version), anything then removed is removed.
fn consolidate(page: &[Event]) -> (Vec<Txn>, Vec<Txn>, Vec<(String, String)>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Added,
        Modified,
        Removed,
    }
    let mut order: Vec<&str> = Vec::new();
    let mut last: HashMap<&str, (Kind, &Event)> = HashMap::new();
    for e in page {
        let kind = match e {
            Event::Added(_) => Kind::Added,
            Event::Modified(_) => Kind::Modified,
            Event::Removed { .. } => Kind::Removed,
        };
        match last.get_mut(e.id()) {
            None => {
                order.push(e.id());
                last.insert(e.id(), (kind, e));
            }
            Some(slot) => {
                let kind = if slot.0 == Kind::Added && kind == Kind::Modified {
                    Kind::Added
                } else {
                    kind
                };
                *slot = (kind, e);
            }
        }
    }
    let (mut added, mut modified, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for id in order {
        match last[id] {
            (Kind::Added, Event::Added(t) | Event::Modified(t)) => added.push(t.clone()),
            (Kind::Modified, Event::Added(t) | Event::Modified(t)) => modified.push(t.clone()),
            (_, e) => removed.push((e.id().to_owned(), e.account_id().to_owned())),
        }
    }
    (added, modified, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::AccountKind;

    fn setup() -> (Vec<AccountPlan>, NaiveDate) {
        let accounts = generate::accounts(1, 0, &[AccountKind::Checking, AccountKind::CreditCard]);
        (accounts, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
    }

    #[test]
    fn catching_up_day_by_day_ends_where_a_new_history_starts() {
        let (accounts, today) = setup();
        let first = today - Days::new(20);
        let mut grown = Ledger::new(1, 0, &accounts, first, today - Days::new(10));
        grown.catch_up(1, 0, &accounts, today);
        let fresh = Ledger::new(1, 0, &accounts, first, today);
        assert_eq!(grown.current, fresh.current);
        assert!(grown.log.len() > fresh.log.len());
        assert!(grown.log.iter().any(|e| matches!(e, Event::Removed { .. })));
        assert!(grown.log.iter().any(|e| matches!(e, Event::Modified(_))));
    }

    #[test]
    fn cursors_carry_their_item_and_cannot_be_forged() {
        let p = Position {
            pos: 42,
            mid: Some(50),
        };
        let c = encode(1, 3, &p);
        let back = decode(1, 3, &c).unwrap();
        assert_eq!((back.pos, back.mid), (42, Some(50)));
        assert!(decode(1, 4, &c).is_none());
        assert!(decode(2, 3, &c).is_none());
        let mut forged = c.clone();
        forged.replace_range(31..32, if &c[31..32] == "0" { "1" } else { "0" });
        assert!(decode(1, 3, &forged).is_none());
        assert!(decode(1, 3, "short").is_none());
        let fin = decode(1, 3, &encode(1, 3, &Position { pos: 0, mid: None })).unwrap();
        assert_eq!(fin.mid, None);
    }

    #[test]
    fn a_page_sends_each_transaction_once() {
        let (accounts, today) = setup();
        let l = Ledger::new(1, 0, &accounts, today, today);
        let t = l.current.values().next().unwrap().clone();
        let mut changed = t.clone();
        changed.name = "changed".into();
        let page = vec![
            Event::Added(t.clone()),
            Event::Modified(changed.clone()),
            Event::Removed {
                id: "gone".into(),
                account_id: "a".into(),
            },
        ];
        let (added, modified, removed) = consolidate(&page);
        assert_eq!(added, vec![changed]);
        assert!(modified.is_empty());
        assert_eq!(removed, vec![("gone".to_owned(), "a".to_owned())]);
        let (added, _, removed) = consolidate(&[
            Event::Added(t.clone()),
            Event::Removed {
                id: t.id.clone(),
                account_id: t.account_id.clone(),
            },
        ]);
        assert!(added.is_empty());
        assert_eq!(removed.len(), 1);
    }
}
