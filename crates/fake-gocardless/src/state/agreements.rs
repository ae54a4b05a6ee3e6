//! End-user agreements: list, create (validated against the institution), get, delete, accept, reconfirmation.

use chrono::Duration;
use serde_json::{Value, json};

use super::{Agreement, State, bad_json, paginate, ts};
use crate::errors;
use crate::generate;
use fake_http::{Req, Resp};

impl State {
    pub(super) fn agreement_json(&self, a: &Agreement) -> Value {
        let mut v = json!({
            "id": a.id,
            "created": ts(a.created),
            "institution_id": a.institution_id,
            "max_historical_days": a.max_historical_days,
            "access_valid_for_days": a.access_valid_for_days,
            "access_scope": a.access_scope,
            "accepted": a.accepted.map(ts),
        });
        if a.reconfirmation {
            v["reconfirmation"] = json!(true);
        }
        v
    }

    pub(super) fn agreements_list(&self, req: &Req) -> Resp {
        let items: Vec<Value> = self
            .agreements
            .iter()
            .rev()
            .map(|a| self.agreement_json(a))
            .collect();
        paginate(
            req,
            items,
            &format!("{}/agreements/enduser/", self.base_url),
        )
    }

    pub(super) fn agreement_create(&mut self, req: &Req) -> Resp {
        let Some(body) = req.body_object() else {
            return bad_json();
        };
        let institution = body
            .get("institution_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        if institution.is_empty() {
            let msg = if body.contains_key("institution_id") {
                "This field may not be blank."
            } else {
                "This field is required."
            };
            return Resp::json(
                400,
                &errors::fields(&[("institution_id", errors::field_list(msg))]),
            );
        }
        let Some(inst) = self.institution(institution).cloned() else {
            return Resp::json(
                400,
                &errors::fields(&[(
                    "institution_id",
                    errors::field(
                        &format!("Unknown Institution ID {institution}"),
                        "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
                    ),
                )]),
            );
        };
        let total: u32 = inst["transaction_total_days"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let max_access: u32 = inst["max_access_valid_for_days"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let mut errs = Vec::new();
        let int = |k: &str| {
            body.get(k).map(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
        };
        let mhd = int("max_historical_days");
        let avd = int("access_valid_for_days");
        let mhd = match mhd {
            None => 90.min(total as i64),
            Some(Some(n)) => n,
            Some(None) => -1,
        };
        let avd = match avd {
            None => 90.min(max_access as i64),
            Some(Some(n)) => n,
            Some(None) => -1,
        };
        if mhd <= 0 || mhd > total as i64 {
            errs.push((
                "max_historical_days",
                errors::field(
                    "Incorrect max_historical_days",
                    &format!("max_historical_days must be > 0 and <= {institution} transaction_total_days ({total})"),
                ),
            ));
        }
        if avd <= 0 || avd > max_access as i64 {
            errs.push((
                "access_valid_for_days",
                errors::field(
                    "Incorrect access_valid_for_days",
                    &format!("access_valid_for_days must be > 0 and <= {max_access}"),
                ),
            ));
        }
        let scope = match body.get("access_scope") {
            None => None,
            Some(Value::Array(items)) => {
                let words: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                let ok = !words.is_empty()
                    && words.len() == items.len()
                    && words
                        .iter()
                        .all(|w| ["balances", "details", "transactions"].contains(&w.as_str()));
                if !ok {
                    errs.push((
                        "access_scope",
                        errors::field(
                            "Unknown value in access_scope",
                            "Choose one or several of ['balances', 'details', 'transactions']",
                        ),
                    ));
                }
                Some(words)
            }
            Some(_) => {
                errs.push((
                    "access_scope",
                    errors::field_list("Expected a list of items."),
                ));
                None
            }
        };
        if !errs.is_empty() {
            return Resp::json(400, &errors::fields(&errs));
        }
        let reconfirmation = body
            .get("reconfirmation")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let now = self.now;
        let i = self.new_agreement(
            institution,
            mhd as u32,
            avd as u32,
            scope,
            reconfirmation,
            now,
        );
        Resp::json(201, &self.agreement_json(&self.agreements[i]))
    }

    pub(super) fn find_agreement(&self, id: &str) -> Result<usize, Resp> {
        if !generate::is_uuid(id) {
            return Err(Resp::json(
                400,
                &errors::invalid_uuid("EndUserAgreement", id),
            ));
        }
        self.agreements
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| Resp::json(404, &errors::not_found()))
    }

    pub(super) fn agreement_get(&self, id: &str) -> Resp {
        match self.find_agreement(id) {
            Ok(i) => Resp::json(200, &self.agreement_json(&self.agreements[i])),
            Err(r) => r,
        }
    }

    pub(super) fn agreement_delete(&mut self, id: &str) -> Resp {
        match self.find_agreement(id) {
            Ok(i) => {
                self.agreements.remove(i);
                Resp::json(
                    200,
                    &json!({"summary": "End User Agreement deleted", "detail": format!("End User Agreement {id} deleted")}),
                )
            }
            Err(r) => r,
        }
    }

    pub(super) fn agreement_accept(&mut self, id: &str, req: &Req) -> Resp {
        let i = match self.find_agreement(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let Some(body) = req.body_object() else {
            return bad_json();
        };
        let mut errs = Vec::new();
        for k in ["user_agent", "ip_address"] {
            match body.get(k).and_then(Value::as_str) {
                None => errs.push((k, errors::field_list("This field is required."))),
                Some("") => errs.push((k, errors::field_list("This field may not be blank."))),
                Some(_) => {}
            }
        }
        if !errs.is_empty() {
            return Resp::json(400, &errors::fields(&errs));
        }
        if self.agreements[i].accepted.is_some() {
            return Resp::json(
                405,
                &errors::summary_detail(
                    405,
                    "EUA cannot be accepted more than once",
                    &format!("End User Agreement {id} has already been accepted"),
                ),
            );
        }
        self.agreements[i].accepted = Some(self.now);
        Resp::json(200, &self.agreement_json(&self.agreements[i]))
    }

    pub(super) fn reconfirm_get(&self, id: &str) -> Resp {
        match self.find_agreement(id) {
            Ok(i) => match &self.agreements[i].reconfirm {
                Some(r) => Resp::json(200, r),
                None => Resp::json(404, &errors::not_found()),
            },
            Err(r) => r,
        }
    }

    pub(super) fn reconfirm_create(&mut self, id: &str, req: &Req) -> Resp {
        let i = match self.find_agreement(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let body = req.body_object().unwrap_or_default();
        let a = &self.agreements[i];
        if !a.reconfirmation || a.accepted.is_none() {
            return Resp::json(
                400,
                &errors::summary_detail(
                    400,
                    "Reconfirmation not possible",
                    &format!(
                        "End User Agreement {id} was not created with reconfirmation or is not accepted"
                    ),
                ),
            );
        }
        let accounts: serde_json::Map<String, Value> = self
            .requisitions
            .iter()
            .filter(|r| r.agreement == id)
            .flat_map(|r| r.accounts.iter())
            .map(|acc| (acc.clone(), json!({"reconfirmed": "", "rejected": ""})))
            .collect();
        let r = json!({
            "reconfirmation_url": format!("https://ob.gocardless.com/psd2/reconfirm/{id}"),
            "created": ts(self.now),
            "url_valid_from": ts(self.now),
            "url_valid_to": ts(self.now + Duration::days(7)),
            "redirect": body.get("redirect").cloned().unwrap_or(Value::Null),
            "last_accessed": null,
            "last_submitted": null,
            "accounts": accounts,
        });
        self.agreements[i].reconfirm = Some(r.clone());
        Resp::json(201, &r)
    }
}
