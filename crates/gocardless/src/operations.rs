//! Every operation of the GoCardless Bank Account Data API, as methods of
//! [`Client`]. Account and institution reads return [`Fetched`], with the
//! raw body and the rate-limit headers, so a store can keep them.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, NaiveDate};
use reqwest::{Method, Url};
use serde::Serialize;

use crate::Error;
use crate::client::{Client, Fetched, Request};
use crate::error::{Operation, Subject};
use crate::model::{
    AcceptanceRequest, AccountDetailsResponse, AccountMetadata, BalancesResponse, Deleted,
    EndUserAgreement, EndUserAgreementRequest, Institution, InstitutionFilter, Page,
    Reconfirmation, ReconfirmationRequest, Requisition, RequisitionRequest, RequisitionStatus,
    TransactionsResponse,
};

/// The most pages of transactions followed through `next` links.
pub const MAX_TRANSACTION_PAGES: usize = 100;

/// The page size used to list every requisition.
pub const REQUISITION_PAGE_SIZE: u32 = 100;

/// The most requisition pages listed (100 000 requisitions).
const MAX_REQUISITION_PAGES: usize = 1000;

/// One account of one requisition, as [`Client::linked_accounts`] lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    /// The account id.
    pub account_id: String,
    /// The requisition that links it.
    pub requisition_id: String,
    /// The bank.
    pub institution_id: String,
    /// The requisition's state; only `Linked` gives access.
    pub requisition_status: Option<RequisitionStatus>,
    /// The requisition's reference.
    pub reference: Option<String>,
    /// The agreement id of the requisition.
    pub agreement: Option<String>,
    /// When the requisition was created.
    pub created: Option<DateTime<FixedOffset>>,
}

/// A trimmed, non-blank id, or an error naming the operation.
fn id<'a>(op: &Operation, id: &'a str) -> Result<&'a str, Error> {
    let t = id.trim();
    if t.is_empty() {
        return Err(Error::InvalidArgument {
            op: op.clone(),
            message: "the id is blank".to_owned(),
        });
    }
    Ok(t)
}

fn op_on(name: &'static str, subject: fn(String) -> Subject, raw_id: &str) -> Operation {
    Operation::on(name, subject(raw_id.trim().to_owned()))
}

fn json<T: Serialize>(op: &Operation, value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::InvalidArgument {
        op: op.clone(),
        message: format!("cannot encode the request: {e}"),
    })
}

impl Client {
    fn get_req<'a>(&self, op: &'a Operation, url: Url) -> Request<'a> {
        Request {
            op,
            method: Method::GET,
            url,
            body: None,
            auth: true,
            token: false,
        }
    }

    fn with_body<'a>(
        &self,
        op: &'a Operation,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
    ) -> Request<'a> {
        Request {
            op,
            method,
            url,
            body,
            auth: true,
            token: false,
        }
    }

    // ---- accounts -----------------------------------------------------

    /// `GET /accounts/{id}/`: what GoCardless knows of the account (status,
    /// IBAN, institution). Does not reach the bank.
    pub fn account_metadata(&self, account_id: &str) -> Result<Fetched<AccountMetadata>, Error> {
        let op = op_on("GET account", Subject::Account, account_id);
        let id = id(&op, account_id)?;
        self.fetch(&self.get_req(&op, self.url(&["accounts", id])))
    }

    /// `GET /accounts/{id}/details/`: the bank's details of the account.
    /// Counts against the bank's daily `details` budget.
    pub fn account_details(
        &self,
        account_id: &str,
    ) -> Result<Fetched<AccountDetailsResponse>, Error> {
        let op = op_on("GET details", Subject::Account, account_id);
        let id = id(&op, account_id)?;
        self.fetch(&self.get_req(&op, self.url(&["accounts", id, "details"])))
    }

    /// `GET /accounts/{id}/balances/`. Counts against the bank's daily
    /// `balances` budget.
    pub fn account_balances(&self, account_id: &str) -> Result<Fetched<BalancesResponse>, Error> {
        let op = op_on("GET balances", Subject::Account, account_id);
        let id = id(&op, account_id)?;
        self.fetch(&self.get_req(&op, self.url(&["accounts", id, "balances"])))
    }

    /// `GET /accounts/{id}/transactions/`, optionally limited to
    /// `date_from..=date_to` (GoCardless matches either date of a
    /// transaction). Follows `next` links (at most
    /// [`MAX_TRANSACTION_PAGES`], only on the API's own host) and merges the
    /// pages; then `body` is the merged response re-serialised. Counts
    /// against the bank's daily `transactions` budget.
    pub fn account_transactions(
        &self,
        account_id: &str,
        date_from: Option<NaiveDate>,
        date_to: Option<NaiveDate>,
    ) -> Result<Fetched<TransactionsResponse>, Error> {
        let op = op_on("GET transactions", Subject::Account, account_id);
        let id = id(&op, account_id)?;
        let mut url = self.url(&["accounts", id, "transactions"]);
        {
            let mut q = url.query_pairs_mut();
            if let Some(d) = date_from {
                q.append_pair("date_from", &d.format("%Y-%m-%d").to_string());
            }
            if let Some(d) = date_to {
                q.append_pair("date_to", &d.format("%Y-%m-%d").to_string());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        // The records keep sharing the body the store records.
        let mut merged = self.fetch_with(
            &self.get_req(&op, url.clone()),
            TransactionsResponse::from_shared,
        )?;
        let Some(mut next) = merged.value.take_next() else {
            return Ok(merged);
        };
        let mut seen: HashSet<String> = HashSet::from([url.to_string()]);
        let mut pages = 1;
        loop {
            let next_url = self.next_url(&op, &next)?;
            if !seen.insert(next_url.to_string()) {
                return Err(Error::Malformed {
                    op: op.clone(),
                    status: 200,
                    reason: format!("the `next` link {next_url} points to a page already read"),
                    body_start: String::new(),
                });
            }
            pages += 1;
            if pages > MAX_TRANSACTION_PAGES {
                return Err(Error::Malformed {
                    op: op.clone(),
                    status: 200,
                    reason: format!("more than {MAX_TRANSACTION_PAGES} pages of transactions"),
                    body_start: String::new(),
                });
            }
            let mut page = self.fetch_with(
                &self.get_req(&op, next_url),
                TransactionsResponse::from_shared,
            )?;
            let following = page.value.take_next();
            let t = &mut merged.value.transactions;
            t.booked.append(&mut page.value.transactions.booked);
            t.pending.append(&mut page.value.transactions.pending);
            if page.value.last_updated.is_some() {
                merged.value.last_updated = page.value.last_updated;
            }
            merged.rate_limit = page.rate_limit;
            merged.fetched_at = page.fetched_at;
            match following {
                Some(n) => next = n,
                None => break,
            }
        }
        merged.body = serde_json::to_string(&merged.value)
            .map_err(|e| Error::Malformed {
                op: op.clone(),
                status: 200,
                reason: format!("cannot merge the pages: {e}"),
                body_start: String::new(),
            })?
            .into();
        Ok(merged)
    }

    /// Resolves a `next` link; refuses one that leaves the API's host, which
    /// would receive the access token.
    fn next_url(&self, op: &Operation, next: &str) -> Result<Url, Error> {
        let base = &self.inner.base;
        let mut url = base.join(next.trim()).map_err(|e| Error::Malformed {
            op: op.clone(),
            status: 200,
            reason: format!("the `next` link {next:?} is not a URL: {e}"),
            body_start: String::new(),
        })?;
        // Compare host and port, then use the base's scheme: a link must
        // never downgrade https to http (the token would travel in clear).
        let same_host = url.host_str() == base.host_str()
            && (url.port_or_known_default() == base.port_or_known_default()
                || url.port().is_none());
        if !same_host {
            return Err(Error::Malformed {
                op: op.clone(),
                status: 200,
                reason: format!(
                    "the `next` link {next:?} leaves {}; not followed",
                    base.host_str().unwrap_or("")
                ),
                body_start: String::new(),
            });
        }
        if url.scheme() != base.scheme() {
            // http <-> https is always allowed by `set_scheme`.
            let _ = url.set_scheme(base.scheme());
            let _ = url.set_port(base.port());
        }
        Ok(url)
    }

    // ---- institutions -------------------------------------------------

    /// `GET /institutions/`: the banks, filtered by country and features.
    pub fn institutions(
        &self,
        filter: &InstitutionFilter,
    ) -> Result<Fetched<Vec<Institution>>, Error> {
        let op = Operation::new("GET institutions");
        let mut url = self.url(&["institutions"]);
        let query = filter.query();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.fetch(&self.get_req(&op, url))
    }

    /// `GET /institutions/{id}/`: one bank, with its supported features.
    pub fn institution(&self, institution_id: &str) -> Result<Fetched<Institution>, Error> {
        let op = op_on("GET institution", Subject::Institution, institution_id);
        let id = id(&op, institution_id)?;
        self.fetch(&self.get_req(&op, self.url(&["institutions", id])))
    }

    // ---- agreements ---------------------------------------------------

    /// `GET /agreements/enduser/?limit=&offset=`: one page of agreements.
    pub fn agreements(&self, limit: u32, offset: u32) -> Result<Page<EndUserAgreement>, Error> {
        let op = Operation::new("GET agreements");
        let mut url = self.url(&["agreements", "enduser"]);
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        self.fetch(&self.get_req(&op, url)).map(|f| f.value)
    }

    /// `POST /agreements/enduser/`: a new agreement.
    pub fn create_agreement(
        &self,
        request: &EndUserAgreementRequest,
    ) -> Result<EndUserAgreement, Error> {
        let op = op_on(
            "POST agreement",
            Subject::Institution,
            &request.institution_id,
        );
        id(&op, &request.institution_id)?;
        let body = json(&op, request)?;
        let url = self.url(&["agreements", "enduser"]);
        self.fetch(&self.with_body(&op, Method::POST, url, Some(body)))
            .map(|f| f.value)
    }

    /// `GET /agreements/enduser/{id}/`.
    pub fn agreement(&self, agreement_id: &str) -> Result<EndUserAgreement, Error> {
        let op = op_on("GET agreement", Subject::Agreement, agreement_id);
        let id = id(&op, agreement_id)?;
        self.fetch(&self.get_req(&op, self.url(&["agreements", "enduser", id])))
            .map(|f| f.value)
    }

    /// `DELETE /agreements/enduser/{id}/`.
    pub fn delete_agreement(&self, agreement_id: &str) -> Result<Deleted, Error> {
        let op = op_on("DELETE agreement", Subject::Agreement, agreement_id);
        let id = id(&op, agreement_id)?;
        let url = self.url(&["agreements", "enduser", id]);
        self.fetch(&self.with_body(&op, Method::DELETE, url, None))
            .map(|f| f.value)
    }

    /// `PUT /agreements/enduser/{id}/accept/`: records the end user's
    /// acceptance (for premium customers who show the agreement themselves).
    pub fn accept_agreement(
        &self,
        agreement_id: &str,
        user_agent: &str,
        ip_address: &str,
    ) -> Result<EndUserAgreement, Error> {
        let op = op_on("PUT agreement accept", Subject::Agreement, agreement_id);
        let id = id(&op, agreement_id)?;
        let body = json(
            &op,
            &AcceptanceRequest {
                user_agent: user_agent.to_owned(),
                ip_address: ip_address.to_owned(),
            },
        )?;
        let url = self.url(&["agreements", "enduser", id, "accept"]);
        self.fetch(&self.with_body(&op, Method::PUT, url, Some(body)))
            .map(|f| f.value)
    }

    /// `GET /agreements/enduser/{id}/reconfirm/`.
    pub fn reconfirmation(&self, agreement_id: &str) -> Result<Reconfirmation, Error> {
        let op = op_on("GET reconfirmation", Subject::Agreement, agreement_id);
        let id = id(&op, agreement_id)?;
        self.fetch(&self.get_req(&op, self.url(&["agreements", "enduser", id, "reconfirm"])))
            .map(|f| f.value)
    }

    /// `POST /agreements/enduser/{id}/reconfirm/`: a link for the user to
    /// extend the agreement, returning to `redirect` afterwards.
    pub fn create_reconfirmation(
        &self,
        agreement_id: &str,
        redirect: Option<&str>,
    ) -> Result<Reconfirmation, Error> {
        let op = op_on("POST reconfirmation", Subject::Agreement, agreement_id);
        let id = id(&op, agreement_id)?;
        let body = json(
            &op,
            &ReconfirmationRequest {
                redirect: redirect.map(str::to_owned),
            },
        )?;
        let url = self.url(&["agreements", "enduser", id, "reconfirm"]);
        self.fetch(&self.with_body(&op, Method::POST, url, Some(body)))
            .map(|f| f.value)
    }

    // ---- requisitions -------------------------------------------------

    /// `GET /requisitions/?limit=&offset=`: one page of requisitions.
    pub fn requisitions_page(&self, limit: u32, offset: u32) -> Result<Page<Requisition>, Error> {
        let op = Operation::new("GET requisitions");
        let mut url = self.url(&["requisitions"]);
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        self.fetch(&self.get_req(&op, url)).map(|f| f.value)
    }

    /// Every requisition, reading page after page to the end.
    pub fn requisitions(&self) -> Result<Vec<Requisition>, Error> {
        let mut all = Vec::new();
        for _ in 0..MAX_REQUISITION_PAGES {
            let offset = u32::try_from(all.len()).unwrap_or(u32::MAX);
            let page = self.requisitions_page(REQUISITION_PAGE_SIZE, offset)?;
            let got = page.results.len();
            all.extend(page.results);
            if got == 0 || page.next.is_none() || all.len() as u64 >= page.count {
                return Ok(all);
            }
        }
        Err(Error::Malformed {
            op: Operation::new("GET requisitions"),
            status: 200,
            reason: format!("more than {MAX_REQUISITION_PAGES} pages of requisitions"),
            body_start: String::new(),
        })
    }

    /// `POST /requisitions/`: a link for the user to connect a bank.
    pub fn create_requisition(&self, request: &RequisitionRequest) -> Result<Requisition, Error> {
        let op = op_on(
            "POST requisition",
            Subject::Institution,
            &request.institution_id,
        );
        let body = json(&op, request)?;
        let url = self.url(&["requisitions"]);
        self.fetch(&self.with_body(&op, Method::POST, url, Some(body)))
            .map(|f| f.value)
    }

    /// `GET /requisitions/{id}/`.
    pub fn requisition(&self, requisition_id: &str) -> Result<Requisition, Error> {
        let op = op_on("GET requisition", Subject::Requisition, requisition_id);
        let id = id(&op, requisition_id)?;
        self.fetch(&self.get_req(&op, self.url(&["requisitions", id])))
            .map(|f| f.value)
    }

    /// `DELETE /requisitions/{id}/` (with its agreement).
    pub fn delete_requisition(&self, requisition_id: &str) -> Result<Deleted, Error> {
        let op = op_on("DELETE requisition", Subject::Requisition, requisition_id);
        let id = id(&op, requisition_id)?;
        let url = self.url(&["requisitions", id]);
        self.fetch(&self.with_body(&op, Method::DELETE, url, None))
            .map(|f| f.value)
    }

    /// Every account of every requisition, with the requisition's bank and
    /// state, in the order GoCardless lists them. An account linked by two
    /// requisitions appears twice.
    pub fn linked_accounts(&self) -> Result<Vec<LinkedAccount>, Error> {
        let requisitions = self.requisitions()?;
        Ok(requisitions
            .iter()
            .flat_map(|r| {
                r.accounts.iter().map(move |a| LinkedAccount {
                    account_id: a.clone(),
                    requisition_id: r.id.clone(),
                    institution_id: r.institution_id.clone(),
                    requisition_status: r.status.clone(),
                    reference: r.reference.clone(),
                    agreement: r.agreement.clone(),
                    created: r.created,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    fn client(base: &str) -> Client {
        Client::builder("id", Secret::new("key"))
            .base_url(base)
            .build()
            .unwrap()
    }

    #[test]
    fn next_links_stay_on_the_api_host_and_scheme() {
        let c = client("https://bank.example/api/v2");
        let op = Operation::new("GET transactions");
        let ok = |l: &str| c.next_url(&op, l).map(|u| u.to_string());
        assert_eq!(
            ok("/api/v2/accounts/a/transactions/?page=2").unwrap(),
            "https://bank.example/api/v2/accounts/a/transactions/?page=2"
        );
        assert_eq!(
            ok("http://bank.example/api/v2/accounts/a/transactions/?page=2").unwrap(),
            "https://bank.example/api/v2/accounts/a/transactions/?page=2",
            "never downgraded to http"
        );
        assert!(ok("https://evil.example/api/v2/accounts/a/transactions/").is_err());
        assert!(ok("https://bank.example:8443/x").is_err());

        let local = client("http://127.0.0.1:8080/api/v2");
        let u = local
            .next_url(
                &op,
                "https://127.0.0.1/api/v2/accounts/a/transactions/?page=2",
            )
            .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/api/v2/accounts/a/transactions/?page=2"
        );
    }

    #[test]
    fn paths_are_escaped_segments() {
        let c = client("https://bank.example/api/v2");
        assert_eq!(
            c.url(&["accounts", "a/../b?c", "balances"]).as_str(),
            "https://bank.example/api/v2/accounts/a%2F..%2Fb%3Fc/balances/"
        );
    }
}
