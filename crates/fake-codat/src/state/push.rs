//! Pushes of bank transactions and their operations, with Xero's rules:
//! chronological, nothing before the newest transaction already on the
//! account, nothing in the future, nothing older than a year, nothing
//! before the feed start date, a balance with each, a description, ids
//! never seen on the account. A push that breaks any rule fails whole.

use std::collections::HashSet;

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, Utc};
use fake_http::{Req, Resp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::accounts::decimal;
use super::{State, resp_of, ts};
use crate::options::PushedTransaction;

/// The most transactions one push may carry.
const MAX_PER_PUSH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failed,
    TimedOut,
}

#[derive(Debug, Clone)]
pub struct PushOp {
    pub key: String,
    connection: String,
    requested: DateTime<Utc>,
    completed: Option<DateTime<Utc>>,
    outcome: Outcome,
    polls: u32,
    data: Box<RawValue>,
    errors: Vec<Value>,
    warnings: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushIn {
    account_id: Option<String>,
    transactions: Option<Vec<Box<RawValue>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TxIn {
    id: Option<String>,
    date: Option<String>,
    description: Option<String>,
    counterparty: Option<String>,
    reference: Option<String>,
    amount: Option<Box<RawValue>>,
    balance: Option<Box<RawValue>>,
    transaction_type: Option<String>,
}

/// A local date-time as Codat reads a pushed one: the offset is dropped.
fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.naive_local());
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

fn item(id: &str, message: String) -> Value {
    json!({"itemId": id, "message": message, "validatorName": "BankTransactions"})
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OpOut<'a> {
    changes: Vec<Value>,
    data: &'a RawValue,
    data_type: &'static str,
    company_id: &'a str,
    push_operation_key: &'a str,
    data_connection_key: &'a str,
    requested_on_utc: String,
    completed_on_utc: Option<String>,
    status: &'static str,
    error_message: Option<&'static str>,
    validation: Value,
    status_code: u16,
}

impl State {
    fn op_out<'a>(&'a self, op: &'a PushOp, company: &'a str) -> OpOut<'a> {
        let done = op.polls >= self.opts.polls_to_complete;
        let (status, code, message) = match (done, op.outcome) {
            (false, _) => ("Pending", 202, None),
            (true, Outcome::Success) => ("Success", 200, None),
            (true, Outcome::Failed) => (
                "Failed",
                400,
                Some("Push failed for bankTransactions: see validation for more information"),
            ),
            (true, Outcome::TimedOut) => ("TimedOut", 504, Some("The push operation timed out")),
        };
        let changes = if done && op.outcome == Outcome::Success {
            vec![json!({"type": "Created", "recordRef": {"dataType": "bankTransactions"}})]
        } else {
            Vec::new()
        };
        OpOut {
            changes,
            data: &op.data,
            data_type: "bankTransactions",
            company_id: company,
            push_operation_key: &op.key,
            data_connection_key: &op.connection,
            requested_on_utc: ts(op.requested),
            completed_on_utc: op.completed.filter(|_| done).map(ts),
            status,
            error_message: message,
            validation: json!({"errors": op.errors, "warnings": op.warnings}),
            status_code: code,
        }
    }

    pub(crate) fn push(
        &mut self,
        connection: &str,
        account_id: &str,
        req: &Req,
        timeout: bool,
    ) -> Resp {
        let Some(ai) = self.account_index(connection, account_id) else {
            return self.error_text(
                404,
                "PublicApi",
                &format!("Source account {account_id} not found"),
            );
        };
        let Ok(data) = serde_json::from_slice::<Box<RawValue>>(&req.body) else {
            return self.error(400);
        };
        let Ok(body) = serde_json::from_str::<PushIn>(data.get()) else {
            return self.error(400);
        };
        let Some(raw_txs) = body.transactions else {
            return self.invalid(
                "Error processing request - not valid.",
                &[("transactions".into(), "transactions is required".into())],
            );
        };
        if body.account_id.as_deref() != Some(account_id) {
            return self.invalid(
                "Error processing request - not valid.",
                &[(
                    "accountId".into(),
                    "accountId must be the account of the path".into(),
                )],
            );
        }
        if raw_txs.len() > MAX_PER_PUSH {
            return self.invalid(
                "Error processing request - not valid.",
                &[(
                    "transactions".into(),
                    format!(
                        "A maximum of {MAX_PER_PUSH} bank transactions can be pushed at a time"
                    ),
                )],
            );
        }
        let key = self.uuid();
        let today = self.now.date_naive();
        let (accepted, mut errors, warnings) = self.judge(ai, &raw_txs, &key, today);
        if self.accounts[ai].status != "connected" {
            errors.insert(
                0,
                item(
                    account_id,
                    format!(
                        "Source account {account_id} is {}: the company must connect it to a \
                         target account in its accounting software first",
                        self.accounts[ai].status
                    ),
                ),
            );
        }
        let outcome = if timeout {
            Outcome::TimedOut
        } else if errors.is_empty() {
            Outcome::Success
        } else {
            Outcome::Failed
        };
        if outcome == Outcome::Success {
            let a = &mut self.accounts[ai];
            if let Some(b) = accepted.last().and_then(|t| t.balance) {
                a.balance = b;
            }
            a.modified = self.now;
            a.transactions.extend(accepted);
        }
        let op = PushOp {
            key,
            connection: connection.to_owned(),
            requested: self.now,
            completed: Some(self.now),
            outcome,
            polls: 0,
            data,
            errors,
            warnings,
        };
        let company = self.company_id();
        let resp = resp_of(202, &self.op_out(&op, &company));
        self.operations.push(op);
        resp
    }

    /// The transactions a push would add, its errors and its warnings.
    fn judge(
        &self,
        ai: usize,
        raw: &[Box<RawValue>],
        key: &str,
        today: NaiveDate,
    ) -> (Vec<PushedTransaction>, Vec<Value>, Vec<Value>) {
        let account = &self.accounts[ai];
        let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
        let newest = account.transactions.iter().map(|t| t.date.date()).max();
        let mut seen: HashSet<String> = account.transactions.iter().map(|t| t.id.clone()).collect();
        let mut previous: Option<NaiveDate> = None;
        let (mut accepted, mut errors, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
        for (i, r) in raw.iter().enumerate() {
            let Ok(t) = serde_json::from_str::<TxIn>(r.get()) else {
                errors.push(item(
                    &format!("#{}", i + 1),
                    format!("Transaction {} is not a valid bank transaction", i + 1),
                ));
                continue;
            };
            let id = t.id.as_deref().map(str::trim).unwrap_or("").to_owned();
            let label = if id.is_empty() {
                format!("#{}", i + 1)
            } else {
                id.clone()
            };
            let mut bad = |m: String| errors.push(item(&label, m));
            if id.is_empty() {
                bad(format!("Transaction {} has no id", i + 1));
            } else if !seen.insert(id.clone()) {
                bad(format!(
                    "Transaction {id} has already been pushed to this account (duplicate id)"
                ));
            }
            let date = t.date.as_deref().and_then(parse_local);
            match date.map(|d| d.date()) {
                None => bad(format!("Transaction {label} has no valid date")),
                Some(d) => {
                    if d > today {
                        bad(format!("Transaction {label} is dated {d}, in the future"));
                    }
                    if d < year_ago {
                        bad(format!(
                            "Transaction {label} is dated {d}, more than a year ago"
                        ));
                    }
                    if let Some(start) = account.feed_start
                        && d < start
                    {
                        bad(format!(
                            "Transaction {label} is dated {d}, before the feed start date {start}"
                        ));
                    }
                    if let Some(n) = newest
                        && d < n
                    {
                        bad(format!(
                            "Transaction {label} is dated {d}, before the most recent transaction on the account ({n})"
                        ));
                    }
                    if let Some(p) = previous
                        && d < p
                    {
                        bad(format!(
                            "Transaction {label} is dated {d}, before the one pushed ahead of it ({p}): push in date order"
                        ));
                    }
                    previous = Some(d);
                }
            }
            if t.description.as_deref().is_none_or(|s| s.trim().is_empty()) {
                bad(format!("Transaction {label} has an empty description"));
            }
            let amount = decimal(&t.amount);
            if amount.is_none() {
                bad(format!("Transaction {label} has no amount"));
            }
            let balance = decimal(&t.balance);
            if balance.is_none() {
                bad(format!(
                    "Transaction {label} has no balance, which this platform requires"
                ));
            }
            if let (Some(a), Some(kind)) = (amount, t.transaction_type.as_deref()) {
                let credit = kind.eq_ignore_ascii_case("credit");
                let debit = kind.eq_ignore_ascii_case("debit");
                if (credit && a < Decimal::ZERO) || (debit && a > Decimal::ZERO) {
                    warnings.push(item(
                        &label,
                        format!("Transaction {label} is a {kind} with amount {a}"),
                    ));
                }
            }
            if let (Some(date), Some(amount)) = (date, amount) {
                accepted.push(PushedTransaction {
                    id,
                    date,
                    description: t.description,
                    counterparty: t.counterparty,
                    reference: t.reference,
                    amount,
                    balance,
                    transaction_type: t.transaction_type,
                    push_operation_key: key.to_owned(),
                });
            }
        }
        (accepted, errors, warnings)
    }

    pub(crate) fn operation_get(&mut self, key: &str) -> Resp {
        let company = self.company_id();
        let now = self.now;
        let Some(i) = self.operations.iter().position(|o| o.key == key) else {
            return self.error_text(404, "PublicApi", &format!("Push operation {key} not found"));
        };
        let op = &mut self.operations[i];
        op.polls = op.polls.saturating_add(1);
        if op.polls == self.opts.polls_to_complete {
            op.completed = Some(now);
        }
        let op = &self.operations[i];
        resp_of(200, &self.op_out(op, &company))
    }

    pub(crate) fn operations_list(&mut self, req: &Req) -> Resp {
        let company = self.company_id();
        let text: Vec<Box<RawValue>> = self
            .operations
            .iter()
            .map(|o| {
                let s = serde_json::to_string(&self.op_out(o, &company)).expect("serialises");
                RawValue::from_string(s).expect("valid JSON")
            })
            .collect();
        let path = format!("/companies/{company}/push");
        self.page(req, text, &path)
    }
}
