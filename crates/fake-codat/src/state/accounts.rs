//! Source accounts: create, list, update.

use chrono::{DateTime, NaiveDate, Utc};
use fake_http::{Req, Resp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{State, num, resp_of, ts};
use crate::options::{FakeSourceAccount, PushedTransaction};

/// The account types of the v2 body.
const ACCOUNT_TYPES: [&str; 5] = ["checking", "savings", "loan", "creditCard", "prepaidCard"];

#[derive(Debug, Clone)]
pub struct Account {
    pub connection: String,
    pub id: String,
    pub name: String,
    pub account_type: String,
    pub number: String,
    pub sort_code: Option<String>,
    pub currency: String,
    pub balance: Decimal,
    pub status: String,
    pub feed_start: Option<NaiveDate>,
    pub modified: DateTime<Utc>,
    routing_info: Option<Box<RawValue>>,
    account_info: Option<Box<RawValue>>,
    pub transactions: Vec<PushedTransaction>,
}

impl Account {
    pub fn view(&self) -> FakeSourceAccount {
        FakeSourceAccount {
            id: self.id.clone(),
            account_name: self.name.clone(),
            account_type: self.account_type.clone(),
            account_number: self.number.clone(),
            currency: self.currency.clone(),
            balance: self.balance,
            status: self.status.clone(),
            feed_start_date: self.feed_start,
        }
    }

    fn out(&self) -> AccountOut<'_> {
        AccountOut {
            id: &self.id,
            account_name: &self.name,
            account_type: &self.account_type,
            account_number: &self.number,
            sort_code: self.sort_code.as_deref(),
            routing_info: self.routing_info.as_deref(),
            currency: &self.currency,
            balance: num(&self.balance),
            account_info: self.account_info.as_deref(),
            modified_date: ts(self.modified),
            status: &self.status,
            feed_start_date: self.feed_start.map(|d| d.format("%Y-%m-%d").to_string()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountOut<'a> {
    id: &'a str,
    account_name: &'a str,
    account_type: &'a str,
    account_number: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    routing_info: Option<&'a RawValue>,
    currency: &'a str,
    balance: Box<RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_info: Option<&'a RawValue>,
    modified_date: String,
    status: &'a str,
    feed_start_date: Option<String>,
}

/// Every field raw, so each is checked on its own and numbers keep their
/// digits.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountIn {
    id: Option<Box<RawValue>>,
    account_name: Option<Box<RawValue>>,
    account_type: Option<Box<RawValue>>,
    account_number: Option<Box<RawValue>>,
    sort_code: Option<Box<RawValue>>,
    routing_info: Option<Box<RawValue>>,
    currency: Option<Box<RawValue>>,
    balance: Option<Box<RawValue>>,
    account_info: Option<Box<RawValue>>,
    status: Option<Box<RawValue>>,
}

/// A non-blank string field.
fn text(v: &Option<Box<RawValue>>) -> Option<String> {
    let s: String = serde_json::from_str(v.as_ref()?.get()).ok()?;
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A number field (a number, not a string: the schema's type).
pub(crate) fn decimal(v: &Option<Box<RawValue>>) -> Option<Decimal> {
    let t = v.as_ref()?.get().trim();
    if t.starts_with('"') || t == "null" {
        return None;
    }
    t.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

fn object(v: &Option<Box<RawValue>>) -> Option<Box<RawValue>> {
    v.as_ref()
        .filter(|r| r.get().trim_start().starts_with('{'))
        .cloned()
}

impl State {
    pub(crate) fn account_index(&self, connection: &str, id: &str) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.connection == connection && a.id == id)
    }

    pub(crate) fn accounts_list(&mut self, connection: &str) -> Resp {
        let out: Vec<AccountOut<'_>> = self
            .accounts
            .iter()
            .filter(|a| a.connection == connection)
            .map(Account::out)
            .collect();
        resp_of(200, &out)
    }

    pub(crate) fn account_create(&mut self, connection: &str, req: &Req) -> Resp {
        let Ok(body) = serde_json::from_slice::<AccountIn>(&req.body) else {
            return self.error(400);
        };
        let mut problems = Vec::new();
        let mut need = |field: &str, v: Option<String>| {
            if v.is_none() {
                problems.push((field.to_owned(), format!("{field} is required")));
            }
            v.unwrap_or_default()
        };
        let id = need("id", text(&body.id));
        let name = need("accountName", text(&body.account_name));
        let account_type = need("accountType", text(&body.account_type));
        let number = need("accountNumber", text(&body.account_number));
        let currency = need("currency", text(&body.currency));
        let balance = decimal(&body.balance);
        if balance.is_none() {
            problems.push((
                "balance".into(),
                "balance is required and must be a number".into(),
            ));
        }
        if !account_type.is_empty() && !ACCOUNT_TYPES.contains(&account_type.as_str()) {
            problems.push((
                "accountType".into(),
                format!("accountType must be one of {}", ACCOUNT_TYPES.join(", ")),
            ));
        }
        if !currency.is_empty()
            && (currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()))
        {
            problems.push((
                "currency".into(),
                "currency must be an ISO 4217 code".into(),
            ));
        }
        if !problems.is_empty() {
            return self.invalid("Error processing request - not valid.", &problems);
        }
        if self.account_index(connection, &id).is_some() {
            return self.error_text(
                409,
                "PublicApi",
                "A bank account already exists with the same Id",
            );
        }
        let connected = self.opts.connect_new_accounts;
        let account = Account {
            connection: connection.to_owned(),
            id,
            name,
            account_type,
            number,
            sort_code: text(&body.sort_code),
            currency,
            balance: balance.unwrap_or_default(),
            status: if connected { "connected" } else { "pending" }.to_owned(),
            feed_start: if connected {
                self.opts.feed_start_date
            } else {
                None
            },
            modified: self.now,
            routing_info: object(&body.routing_info),
            account_info: object(&body.account_info),
            transactions: Vec::new(),
        };
        let resp = resp_of(200, &account.out());
        self.accounts.push(account);
        resp
    }

    pub(crate) fn account_update(&mut self, connection: &str, id: &str, req: &Req) -> Resp {
        let Some(i) = self.account_index(connection, id) else {
            return self.error_text(404, "PublicApi", &format!("Source account {id} not found"));
        };
        let Ok(body) = serde_json::from_slice::<AccountIn>(&req.body) else {
            return self.error(400);
        };
        let status = text(&body.status);
        if let Some(s) = &status
            && s != "disconnected"
        {
            return self.invalid(
                "Error processing request - not valid.",
                &[(
                    "status".into(),
                    "status can only be updated to disconnected".into(),
                )],
            );
        }
        let balance = match &body.balance {
            None => None,
            Some(_) => match decimal(&body.balance) {
                Some(b) => Some(b),
                None => {
                    return self.invalid(
                        "Error processing request - not valid.",
                        &[("balance".into(), "balance must be a number".into())],
                    );
                }
            },
        };
        if balance.is_some() && self.accounts[i].status == "connected" {
            return self.invalid(
                "Error processing request - not valid.",
                &[(
                    "balance".into(),
                    "The balance can only be updated on accounts that are not connected".into(),
                )],
            );
        }
        let now = self.now;
        let a = &mut self.accounts[i];
        if let Some(name) = text(&body.account_name) {
            a.name = name;
        }
        if let Some(b) = balance {
            a.balance = b;
        }
        if let Some(s) = status {
            a.status = s;
        }
        a.modified = now;
        resp_of(200, &a.out())
    }
}
