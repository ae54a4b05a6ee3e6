//! Items and their accounts: `/item/get`, `/accounts/get`,
//! `/accounts/balance/get`, and the Item states a test switches
//! (`ITEM_LOGIN_REQUIRED`, not ready).

use std::collections::VecDeque;

use chrono::{DateTime, Days, Duration, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::sync::Ledger;
use super::{Request, State, ts};
use crate::errors::{self, PlaidErr};
use crate::generate::{self, AccountPlan};
use crate::options::AccountKind;

/// The institution of Items made without naming one.
pub const DEFAULT_INSTITUTION: &str = "ins_109508";

/// One login at one institution.
pub struct Item {
    pub id: String,
    pub access_token: String,
    /// Its number among the server's Items: part of its data's seed.
    pub number: u64,
    pub institution_id: String,
    pub created: DateTime<Utc>,
    pub accounts: Vec<AccountPlan>,
    pub login_required: bool,
    /// `/transactions/sync` calls still to answer `NOT_READY`.
    pub not_ready_left: u32,
    /// Times of the `/accounts/balance/get` calls of the last minute.
    balance_calls: VecDeque<DateTime<Utc>>,
    pub ledger: Ledger,
    /// When a sync last answered with data.
    pub last_update: Option<DateTime<Utc>>,
}

/// A JSON number with the decimal's value, as Plaid writes amounts:
/// `110` when whole, else the shortest decimal form (`72.1`).
pub fn num(d: Decimal) -> Value {
    if d.fract().is_zero()
        && let Some(i) = d.to_i64()
    {
        return Value::from(i);
    }
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

impl State {
    /// A new Item at `institution_id` with `history_days` of history; its
    /// index.
    pub fn create_item(&mut self, institution_id: &str, history_days: u32) -> usize {
        let number = self.items.len() as u64;
        let mut rng = fastrand::Rng::with_seed(generate::mix(&[self.opts.seed, 3, number]));
        let id = generate::plaid_id(&mut rng);
        let access_token = format!("access-sandbox-{}", generate::uuid(&mut rng));
        let accounts = generate::accounts(self.opts.seed, number, &self.opts.accounts);
        let today = self.now.date_naive();
        let first = today
            .checked_sub_days(Days::new(u64::from(history_days)))
            .unwrap_or(today);
        let ledger = Ledger::new(self.opts.seed, number, &accounts, first, today);
        let index = self.items.len();
        self.by_token.insert(access_token.clone(), index);
        self.by_id.insert(id.clone(), index);
        self.items.push(Item {
            id,
            access_token,
            number,
            institution_id: institution_id.to_owned(),
            created: self.now,
            accounts,
            login_required: false,
            not_ready_left: self.opts.not_ready_calls,
            balance_calls: VecDeque::new(),
            ledger,
            last_update: None,
        });
        index
    }

    /// Refuses reads of an Item whose user must log in again.
    pub(super) fn check_login(&self, i: usize) -> Result<(), PlaidErr> {
        if self.items[i].login_required {
            Err(errors::item_login_required())
        } else {
            Ok(())
        }
    }

    /// Brings an Item's transactions up to the clock's day.
    pub fn catch_up_item(&mut self, i: usize) {
        let today = self.now.date_naive();
        let item = &mut self.items[i];
        item.ledger
            .catch_up(self.opts.seed, item.number, &item.accounts, today);
    }

    /// The Item object.
    fn item_json(&self, i: usize) -> Value {
        let item = &self.items[i];
        let error = item
            .login_required
            .then(|| errors::item_login_required().json(None));
        json!({
            "item_id": item.id,
            "institution_id": item.institution_id,
            "institution_name": institution_name(&item.institution_id),
            "webhook": null,
            "error": error,
            "available_products": ["balance", "identity"],
            "billed_products": ["transactions"],
            "products": ["transactions"],
            "consented_products": ["transactions"],
            "consent_expiration_time": null,
            "update_type": "background",
            "auth_method": null,
            "created_at": ts(item.created),
        })
    }

    /// The account object with balances as of now.
    pub(super) fn account_json(&self, i: usize, a: usize) -> Value {
        let item = &self.items[i];
        let plan = &item.accounts[a];
        let (posted, pending) = item.ledger.sums(&plan.id);
        let (current, available) = match plan.kind {
            AccountKind::Checking | AccountKind::Savings => {
                let current = plan.opening - posted;
                (current, Some(current - pending))
            }
            AccountKind::CreditCard => {
                let current = plan.opening + posted;
                let limit = plan.limit.unwrap_or_default();
                (current, Some(limit - current - pending))
            }
            AccountKind::StudentLoan => (plan.opening + posted, None),
        };
        json!({
            "account_id": plan.id,
            "balances": {
                "available": available.map(num),
                "current": num(current),
                "limit": plan.limit.map(num),
                "iso_currency_code": "USD",
                "unofficial_currency_code": null,
            },
            "mask": plan.mask,
            "name": plan.name,
            "official_name": plan.official_name,
            "type": plan.kind.plaid_type(),
            "subtype": plan.kind.subtype(),
        })
    }

    pub(super) fn item_get(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let i = self.item_of(r)?;
        let last = self.items[i].last_update.map(ts);
        Ok(json!({
            "item": self.item_json(i),
            "status": {
                "transactions": {"last_successful_update": last, "last_failed_update": null},
                "last_webhook": null,
            },
        }))
    }

    pub(super) fn accounts_get(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let i = self.item_of(r)?;
        self.check_login(i)?;
        self.accounts_answer(i, r)
    }

    pub(super) fn balance_get(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let i = self.item_of(r)?;
        self.check_login(i)?;
        let now = self.now;
        let limit = self.opts.balance_limit_per_minute as usize;
        let calls = &mut self.items[i].balance_calls;
        while calls
            .front()
            .is_some_and(|t| *t + Duration::minutes(1) <= now)
        {
            calls.pop_front();
        }
        if calls.len() >= limit {
            return Err(errors::rate_limit("ACCOUNTS_BALANCE_GET_LIMIT"));
        }
        let answer = self.accounts_answer(i, r)?;
        self.items[i].balance_calls.push_back(now);
        Ok(answer)
    }

    /// The accounts (all, or `options.account_ids`) with the Item.
    fn accounts_answer(&mut self, i: usize, r: &Request) -> Result<Value, PlaidErr> {
        self.catch_up_item(i);
        let wanted: Option<Vec<&str>> = match r.option("account_ids") {
            None | Some(Value::Null) => None,
            Some(Value::Array(ids)) => Some(
                ids.iter()
                    .map(|v| v.as_str().ok_or_else(errors::invalid_account_id))
                    .collect::<Result<_, _>>()?,
            ),
            Some(_) => return Err(errors::invalid_field("account_ids must be an array")),
        };
        let item = &self.items[i];
        if let Some(ids) = &wanted
            && ids
                .iter()
                .any(|id| !item.accounts.iter().any(|a| a.id == *id))
        {
            return Err(errors::invalid_account_id());
        }
        let accounts: Vec<Value> = (0..item.accounts.len())
            .filter(|&a| {
                wanted
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&item.accounts[a].id.as_str()))
            })
            .map(|a| self.account_json(i, a))
            .collect();
        Ok(json!({"accounts": accounts, "item": self.item_json(i)}))
    }
}

/// The name of a sandbox institution.
fn institution_name(id: &str) -> String {
    match id {
        DEFAULT_INSTITUTION => "First Platypus Bank".to_owned(),
        "ins_3" => "Chase".to_owned(),
        other => format!("Sandbox Institution {other}"),
    }
}
