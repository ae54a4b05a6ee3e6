//! Requisitions: list, create, get, delete.

use serde_json::{Value, json};

use super::{Access, Requisition, State, bad_json, paginate, ts};
use crate::errors;
use crate::generate;
use fake_http::{Req, Resp};

impl State {
    pub(super) fn requisition_json(&self, r: &Requisition) -> Value {
        json!({
            "id": r.id,
            "created": ts(r.created),
            "redirect": r.redirect,
            "status": self.requisition_status(r),
            "institution_id": r.institution_id,
            "agreement": r.agreement,
            "reference": r.reference,
            "accounts": r.accounts,
            "user_language": r.user_language,
            "link": format!("https://ob.gocardless.com/psd2/start/{}/{}", r.id, r.institution_id),
            "ssn": r.ssn,
            "account_selection": r.account_selection,
            "redirect_immediate": r.redirect_immediate,
        })
    }

    /// A linked requisition whose agreement ran out on the clock is expired.
    pub(super) fn requisition_status<'a>(&self, r: &'a Requisition) -> &'a str {
        let expired = self
            .agreements
            .iter()
            .find(|a| a.id == r.agreement)
            .is_some_and(|a| self.expired(a));
        if r.status == "LN" && expired {
            "EX"
        } else {
            &r.status
        }
    }

    pub(super) fn requisitions_list(&self, req: &Req) -> Resp {
        let items: Vec<Value> = self
            .requisitions
            .iter()
            .map(|r| self.requisition_json(r))
            .collect();
        paginate(req, items, &format!("{}/requisitions/", self.base_url))
    }

    pub(super) fn requisition_create(&mut self, req: &Req) -> Resp {
        let Some(body) = req.body_object() else {
            return bad_json();
        };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let mut errs = Vec::new();
        for k in ["redirect", "institution_id"] {
            match text(k) {
                None => errs.push((k, errors::field_list("This field is required."))),
                Some(s) if s.is_empty() => {
                    errs.push((k, errors::field_list("This field may not be blank.")))
                }
                _ => {}
            }
        }
        if let Some(r) = text("reference")
            && r.is_empty()
        {
            errs.push((
                "reference",
                errors::field_list("This field may not be blank."),
            ));
        }
        let lang = text("user_language").unwrap_or_else(|| "EN".into());
        if lang.len() != 2
            || !lang.chars().all(|c| c.is_ascii_alphabetic())
            || lang.eq_ignore_ascii_case("AB")
        {
            errs.push((
                "user_language",
                errors::field(
                    "Provided user_language is invalid or not supported",
                    &format!("'{lang}' is an invalid or unsupported language"),
                ),
            ));
        }
        let institution = text("institution_id").unwrap_or_default();
        if !institution.is_empty() && self.institution(&institution).is_none() {
            errs.push((
                "institution_id",
                errors::field(
                    &format!("Unknown Institution ID {institution}"),
                    "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
                ),
            ));
        }
        let agreement = text("agreement");
        if let Some(a) = &agreement {
            match self.agreements.iter().find(|x| &x.id == a) {
                None => errs.push((
                    "agreement",
                    errors::field_list(&format!("Invalid pk \"{a}\" - object does not exist.")),
                )),
                Some(x) if x.institution_id != institution => errs.push((
                    "agreement",
                    errors::field(
                        "Incorrect Institution ID ",
                        &format!(
                            "Provided Institution ID: '{institution}' for requisition does not match EUA institution ID '{}'. Please provide correct institution ID: '{}'",
                            x.institution_id, x.institution_id
                        ),
                    ),
                )),
                _ => {}
            }
        }
        if !errs.is_empty() {
            return Resp::json(400, &errors::fields(&errs));
        }
        let now = self.now;
        let agreement = match agreement {
            Some(a) => a,
            None => {
                let i = self.new_agreement(
                    &institution,
                    90.min(inst_days(self.institution(&institution).unwrap())),
                    90,
                    None,
                    false,
                    now,
                );
                self.agreements[i].id.clone()
            }
        };
        let reference = text("reference").unwrap_or_else(|| self.uuid());
        let i = self.new_requisition(
            &institution,
            agreement,
            text("redirect"),
            reference,
            lang.to_uppercase(),
            now,
        );
        let r = &mut self.requisitions[i];
        r.ssn = text("ssn");
        r.account_selection = body
            .get("account_selection")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        r.redirect_immediate = body
            .get("redirect_immediate")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Resp::json(201, &self.requisition_json(&self.requisitions[i]))
    }

    pub(super) fn find_requisition(&self, id: &str) -> Result<usize, Resp> {
        if !generate::is_uuid(id) {
            return Err(Resp::json(400, &errors::invalid_uuid("Requisition", id)));
        }
        self.requisitions
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| Resp::json(404, &errors::not_found()))
    }

    pub(super) fn requisition_get(&self, id: &str) -> Resp {
        match self.find_requisition(id) {
            Ok(i) => Resp::json(200, &self.requisition_json(&self.requisitions[i])),
            Err(r) => r,
        }
    }

    pub(super) fn requisition_delete(&mut self, id: &str) -> Resp {
        let i = match self.find_requisition(id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let r = self.requisitions.remove(i);
        self.agreements.retain(|a| a.id != r.agreement);
        for acc in &r.accounts {
            if let Some(&j) = self.by_id.get(acc) {
                self.accounts[j].access = Access::Revoked;
            }
        }
        Resp::json(
            200,
            &json!({"summary": "Requisition deleted", "detail": format!("Requisition {id} deleted with all its End User Agreements")}),
        )
    }
}

fn inst_days(inst: &Value) -> u32 {
    inst["transaction_total_days"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90)
}
