//! The API's operations, one method each.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::Method;

use crate::client::Request;
use crate::error::{Operation, Subject};
use crate::model::{AspspsResponse, BalancesResponse, TransactionsPage};
use crate::{
    Account, AccountUid, Application, Aspsp, AuthRequest, AuthStart, AuthorizedSession, Balance,
    Client, Error, SessionId, SessionInfo, TransactionRecord,
};

/// Every transaction of an account in a period, all pages followed.
#[derive(Debug, Clone)]
pub struct Transactions {
    /// The records, in the order the bank sent them, pages concatenated.
    pub records: Vec<TransactionRecord>,
    /// The first day asked for in the end: later than
    /// [`Transactions::requested_from`] when the bank refused the period
    /// and named the earliest day it allows.
    pub date_from: NaiveDate,
    /// The first day the caller asked for.
    pub requested_from: NaiveDate,
    /// The last day asked for (`None`: up to today).
    pub date_to: Option<NaiveDate>,
    /// How many pages were read.
    pub pages: u32,
    /// Why paging stopped before the bank said the end, if it did.
    pub stopped: Option<PagingStop>,
    /// When the last page was received, by the client's clock.
    pub fetched_at: DateTime<Utc>,
}

impl Transactions {
    /// Whether every page up to the bank's last was read.
    pub fn is_complete(&self) -> bool {
        self.stopped.is_none()
    }
}

/// Why the client stopped following continuation keys before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingStop {
    /// The bank handed out a key it had handed out before (a known bank
    /// bug that would loop for ever); the records up to there are kept.
    RepeatedKey {
        /// The page whose answer repeated a key.
        page: u32,
    },
    /// The page cap was reached with a key still pending.
    PageCap {
        /// The cap.
        pages: u32,
    },
}

impl Client {
    /// `GET /application`: the application the key signs for; a cheap
    /// check of the credentials, and whether the application is active.
    ///
    /// # Errors
    /// As every call: see [`Error`].
    pub fn application(&self) -> Result<Application, Error> {
        let op = Operation::new("GET /application");
        self.fetch(&self.get(&op, &["application"]))
    }

    /// `GET /aspsps`: the banks, of one country (`"FI"`) or all.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `country` is not two letters; else
    /// as every call.
    pub fn aspsps(&self, country: Option<&str>) -> Result<Vec<Aspsp>, Error> {
        let op = match country {
            Some(c) => Operation::on("GET /aspsps", Subject::Country(c.to_owned())),
            None => Operation::new("GET /aspsps"),
        };
        let mut req = self.get(&op, &["aspsps"]);
        if let Some(c) = country {
            let c = c.trim();
            if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(Error::InvalidArgument {
                    op,
                    message: format!("{c:?} is not a country code; give two letters such as FI"),
                });
            }
            req.url
                .query_pairs_mut()
                .append_pair("country", &c.to_ascii_uppercase());
        }
        self.fetch::<AspspsResponse>(&req).map(|r| r.aspsps)
    }

    /// `POST /auth`: starts the user's authorisation at a bank. Send the
    /// user to [`AuthStart::url`]; the bank sends them back to the
    /// redirect URL with `?code=…&state=…` (check `state`), and
    /// [`Client::create_session`] turns the code into a session.
    ///
    /// Not retried once sent: a second authorisation would be a second
    /// consent.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `valid_until` has passed or `state`
    /// is empty; [`Error::RedirectNotAllowed`] when the redirect URL is
    /// not registered; else as every call.
    pub fn start_authorization(&self, request: &AuthRequest) -> Result<AuthStart, Error> {
        let op = Operation::on("POST /auth", Subject::Aspsp(request.aspsp.to_string()));
        if request.valid_until <= self.now() {
            return Err(Error::InvalidArgument {
                op,
                message: format!("valid_until {} has already passed", request.valid_until),
            });
        }
        if request.state.trim().is_empty() {
            return Err(Error::InvalidArgument {
                op,
                message: "the state must not be empty: it is what proves the redirect is ours"
                    .to_owned(),
            });
        }
        let req = Request {
            op: &op,
            method: Method::POST,
            url: self.url(&["auth"]),
            body: Some(request.body()),
            psu: false,
            secrets: &[],
        };
        self.fetch(&req)
    }

    /// `POST /sessions`: turns the `code` of the redirect into a session,
    /// with its accounts.
    ///
    /// # Errors
    /// [`Error::CodeRejected`] for an unknown, expired or used code; else
    /// as every call. The code is never quoted in an error.
    pub fn create_session(&self, code: &str) -> Result<AuthorizedSession, Error> {
        let op = Operation::new("POST /sessions");
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::InvalidArgument {
                op,
                message: "the authorisation code is empty; it is the `code` parameter of the URL \
                          the bank redirected to"
                    .to_owned(),
            });
        }
        let secrets = [code];
        let req = Request {
            op: &op,
            method: Method::POST,
            url: self.url(&["sessions"]),
            body: Some(serde_json::json!({ "code": code })),
            psu: false,
            secrets: &secrets,
        };
        self.fetch(&req)
    }

    /// `GET /sessions/{id}`: where a session stands, and its accounts.
    ///
    /// # Errors
    /// As every call: see [`Error`].
    pub fn session(&self, id: &SessionId) -> Result<SessionInfo, Error> {
        let op = Operation::on("GET /sessions", Subject::Session(id.to_string()));
        let req = self.get(&op, &["sessions", id.as_str()]);
        self.fetch(&req)
    }

    /// `DELETE /sessions/{id}`: ends a session (and, where the bank can,
    /// its consent). Not retried once sent.
    ///
    /// # Errors
    /// As every call: see [`Error`].
    pub fn delete_session(&self, id: &SessionId) -> Result<(), Error> {
        let op = Operation::on("DELETE /sessions", Subject::Session(id.to_string()));
        let req = Request {
            op: &op,
            method: Method::DELETE,
            url: self.url(&["sessions", id.as_str()]),
            body: None,
            psu: true,
            secrets: &[],
        };
        self.send(&req).map(|_| ())
    }

    /// `GET /accounts/{uid}/details`.
    ///
    /// # Errors
    /// As every call: see [`Error`].
    pub fn account_details(&self, uid: &AccountUid) -> Result<Account, Error> {
        let op = Operation::on("GET details", Subject::Account(uid.to_string()));
        let mut req = self.get(&op, &["accounts", uid.as_str(), "details"]);
        req.psu = true;
        self.fetch(&req)
    }

    /// `GET /accounts/{uid}/balances`.
    ///
    /// # Errors
    /// As every call: see [`Error`].
    pub fn account_balances(&self, uid: &AccountUid) -> Result<Vec<Balance>, Error> {
        let op = Operation::on("GET balances", Subject::Account(uid.to_string()));
        let mut req = self.get(&op, &["accounts", uid.as_str(), "balances"]);
        req.psu = true;
        self.fetch::<BalancesResponse>(&req).map(|r| r.balances)
    }

    /// `GET /accounts/{uid}/transactions` from `date_from` to `date_to`
    /// (inclusive; `None`: today), every page followed.
    ///
    /// When the bank refuses the period (`WRONG_TRANSACTIONS_PERIOD`) and
    /// names the earliest day it allows, the period is asked once more from
    /// that day ([`Transactions::date_from`] says so). Paging stops at a
    /// repeated continuation key or at the page cap, keeping what was read
    /// ([`Transactions::stopped`] says so).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `date_to` is before `date_from`;
    /// [`Error::WrongPeriod`] when the retried period is refused too;
    /// [`Error::BankDailyLimit`] (never retried), [`Error::SessionEnded`];
    /// else as every call.
    pub fn transactions(
        &self,
        uid: &AccountUid,
        date_from: NaiveDate,
        date_to: Option<NaiveDate>,
    ) -> Result<Transactions, Error> {
        let op = Operation::on("GET transactions", Subject::Account(uid.to_string()));
        if let Some(to) = date_to
            && to < date_from
        {
            return Err(Error::InvalidArgument {
                op,
                message: format!("date_to {to} is before date_from {date_from}"),
            });
        }
        let mut from = date_from;
        let first = match self.transactions_page(&op, uid, from, date_to, None) {
            Err(Error::WrongPeriod {
                date_from: Some(allowed),
                ..
            }) if allowed > from && date_to.is_none_or(|to| allowed <= to) => {
                tracing::info!(op = %op, requested = %from, allowed = %allowed, "the bank allows a shorter period; asking again");
                from = allowed;
                self.transactions_page(&op, uid, from, date_to, None)?
            }
            other => other?,
        };
        let mut records = first.transactions;
        let mut key = first.continuation_key;
        let mut seen = HashSet::new();
        let mut pages = 1;
        let mut stopped = None;
        while let Some(k) = key.take() {
            if !seen.insert(k.clone()) {
                tracing::warn!(op = %op, page = pages, "the bank repeated a continuation key; stopping");
                stopped = Some(PagingStop::RepeatedKey { page: pages });
                break;
            }
            if pages >= self.inner.max_pages {
                tracing::warn!(op = %op, pages, "page cap reached; stopping");
                stopped = Some(PagingStop::PageCap { pages });
                break;
            }
            let page = self.transactions_page(&op, uid, from, date_to, Some(&k))?;
            pages += 1;
            records.extend(page.transactions);
            key = page.continuation_key;
        }
        Ok(Transactions {
            records,
            date_from: from,
            requested_from: date_from,
            date_to,
            pages,
            stopped,
            fetched_at: self.now(),
        })
    }

    fn transactions_page(
        &self,
        op: &Operation,
        uid: &AccountUid,
        from: NaiveDate,
        to: Option<NaiveDate>,
        continuation_key: Option<&str>,
    ) -> Result<TransactionsPage, Error> {
        let mut req = self.get(op, &["accounts", uid.as_str(), "transactions"]);
        req.psu = true;
        {
            let mut q = req.url.query_pairs_mut();
            q.append_pair("date_from", &from.to_string());
            if let Some(to) = to {
                q.append_pair("date_to", &to.to_string());
            }
            if let Some(k) = continuation_key {
                q.append_pair("continuation_key", k);
            }
        }
        self.fetch(&req)
    }

    fn get<'a>(&self, op: &'a Operation, segments: &[&str]) -> Request<'a> {
        Request {
            op,
            method: Method::GET,
            url: self.url(segments),
            body: None,
            psu: false,
            secrets: &[],
        }
    }
}
