//! When access to each linked account ends: GoCardless' own records
//! (requisitions and agreements), which cost none of the bank's budget.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use gocardless::Client;
use gocardless::model::EndUserAgreement;

/// How one account is linked.
#[derive(Debug, Clone)]
pub struct Access {
    /// The requisition that links it.
    pub requisition_id: String,
    /// The bank.
    pub institution_id: String,
    /// When access ends, when known.
    pub until: Option<DateTime<Utc>>,
}

/// When an agreement's access ends: from its acceptance (else creation),
/// plus its days of access.
pub fn agreement_end(a: &EndUserAgreement) -> Option<DateTime<Utc>> {
    let start = a.accepted.or(a.created)?;
    Some(start.with_timezone(&Utc) + Duration::days(i64::from(a.access_valid_for_days?)))
}

/// The access of every account of every requisition. When an account is
/// linked twice, the link that lasts longest wins.
pub fn by_account(client: &Client) -> Result<HashMap<String, Access>, gocardless::Error> {
    let mut ends: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
    let mut out: HashMap<String, Access> = HashMap::new();
    for req in client.requisitions()? {
        let until = match &req.agreement {
            Some(id) => *ends
                .entry(id.clone())
                .or_insert_with(|| match client.agreement(id) {
                    Ok(a) => agreement_end(&a),
                    Err(e) => {
                        tracing::warn!("{e}");
                        None
                    }
                }),
            None => None,
        };
        for account in &req.accounts {
            let better = out.get(account).is_none_or(|have| until > have.until);
            if better {
                out.insert(
                    account.clone(),
                    Access {
                        requisition_id: req.id.clone(),
                        institution_id: req.institution_id.clone(),
                        until,
                    },
                );
            }
        }
    }
    Ok(out)
}
