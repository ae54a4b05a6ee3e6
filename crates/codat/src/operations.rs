//! The operations of the API the exporter needs.

use std::collections::HashSet;
use std::time::Instant;

use reqwest::Method;
use serde::Serialize;

use crate::client::Request;
use crate::error::{Operation, Subject};
use crate::model::{
    BankTransaction, Company, Connection, MAX_TRANSACTIONS_PER_PUSH, NewSourceAccount, Page,
    PushOperation, PushOperationKey, SourceAccount, SourceAccountUpdate,
};
use crate::{Client, Error, IdempotencyKey};

/// The name of the push operation in errors (and what the retry logic
/// recognises it by).
pub(crate) const PUSH: &str = "POST bankTransactions";

/// The most pages of a list followed, against a server that never ends one.
const MAX_PAGES: u32 = 1000;
/// The page size asked for when following every page.
const LIST_PAGE_SIZE: u32 = 500;

/// A company's connection: where a feed's source accounts live.
///
/// ```
/// let feed = codat::ConnectionRef::new("8a210b68-6988-11ed-a1eb-0242ac120002", "2e9d2c44-f675-40ba-8049-353bfcb5e171");
/// assert_eq!(feed.company_id, "8a210b68-6988-11ed-a1eb-0242ac120002");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRef {
    /// The company's id.
    pub company_id: String,
    /// The connection's id.
    pub connection_id: String,
}

impl ConnectionRef {
    /// The connection `connection_id` of company `company_id`.
    pub fn new(company_id: impl Into<String>, connection_id: impl Into<String>) -> ConnectionRef {
        ConnectionRef {
            company_id: company_id.into().trim().to_owned(),
            connection_id: connection_id.into().trim().to_owned(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PushBody<'a> {
    account_id: &'a str,
    transactions: &'a [BankTransaction],
}

/// The PATCH body: Codat's schema for it requires the id besides the
/// changes. (Not `#[serde(flatten)]`, which would buffer the decimal.)
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_name: Option<&'a str>,
    #[serde(
        with = "crate::model::number::opt",
        skip_serializing_if = "Option::is_none"
    )]
    balance: Option<rust_decimal::Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a crate::SourceAccountStatus>,
}

fn require(op: &Operation, what: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidArgument {
            op: op.clone(),
            message: format!("the {what} is empty; set it in the configuration"),
        });
    }
    Ok(())
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("request bodies serialise")
}

impl Client {
    fn get<T: serde::de::DeserializeOwned>(
        &self,
        op: &Operation,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        let mut url = self.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.fetch(&Request {
            op,
            method: Method::GET,
            url,
            body: None,
            key: None,
        })
    }

    /// The company `company_id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown company; any failure of the request.
    pub fn company(&self, company_id: &str) -> Result<Company, Error> {
        let op = Operation::on("GET company", Subject::Company(company_id.to_owned()));
        require(&op, "company id", company_id)?;
        self.get(&op, &["companies", company_id], &[])
    }

    /// Every connection of the company (all pages).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown company; any failure of the requests.
    pub fn connections(&self, company_id: &str) -> Result<Vec<Connection>, Error> {
        let op = Operation::on("GET connections", Subject::Company(company_id.to_owned()));
        require(&op, "company id", company_id)?;
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let p: Page<Connection> = self.get(
                &op,
                &["companies", company_id, "connections"],
                &[
                    ("page", page.to_string()),
                    ("pageSize", LIST_PAGE_SIZE.to_string()),
                ],
            )?;
            let more = p.has_more();
            all.extend(p.results);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    /// One connection of a company.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown company or connection; any
    /// failure of the request.
    pub fn connection(&self, feed: &ConnectionRef) -> Result<Connection, Error> {
        let op = Operation::on(
            "GET connection",
            Subject::Connection(feed.connection_id.clone()),
        );
        require(&op, "company id", &feed.company_id)?;
        require(&op, "connection id", &feed.connection_id)?;
        self.get(
            &op,
            &[
                "companies",
                &feed.company_id,
                "connections",
                &feed.connection_id,
            ],
            &[],
        )
    }

    /// The source accounts of a connection.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown company or connection; any
    /// failure of the request.
    pub fn source_accounts(&self, feed: &ConnectionRef) -> Result<Vec<SourceAccount>, Error> {
        let op = Operation::on(
            "GET bankFeedAccounts",
            Subject::Connection(feed.connection_id.clone()),
        );
        require(&op, "company id", &feed.company_id)?;
        require(&op, "connection id", &feed.connection_id)?;
        self.get(&op, &source_accounts_path(feed), &[])
    }

    /// Creates a source account (the v2 body). The company then connects it
    /// to a target account in its accounting software; until then its
    /// status is `pending` and pushes to it fail.
    ///
    /// The request carries a fresh Idempotency-Key, so it is retried
    /// safely.
    ///
    /// # Errors
    /// [`Error::Conflict`] when a source account with this id exists;
    /// [`Error::Validation`] for a body Codat refuses; any failure of the
    /// request.
    pub fn create_source_account(
        &self,
        feed: &ConnectionRef,
        account: &NewSourceAccount,
    ) -> Result<SourceAccount, Error> {
        let op = Operation::on(
            "POST bankFeedAccounts",
            Subject::SourceAccount(account.id.clone()),
        );
        require(&op, "company id", &feed.company_id)?;
        require(&op, "connection id", &feed.connection_id)?;
        require(&op, "source account id", &account.id)?;
        let key = IdempotencyKey::random();
        self.fetch(&Request {
            op: &op,
            method: Method::POST,
            url: self.url(&source_accounts_path(feed)),
            body: Some(json(account)),
            key: Some(&key),
        })
    }

    /// Changes a source account's name, balance or status. Codat accepts a
    /// new balance only while the account is not `connected`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown account; [`Error::Validation`]
    /// for a change Codat refuses; any failure of the request.
    pub fn update_source_account(
        &self,
        feed: &ConnectionRef,
        account_id: &str,
        update: &SourceAccountUpdate,
    ) -> Result<SourceAccount, Error> {
        let op = Operation::on(
            "PATCH bankFeedAccounts",
            Subject::SourceAccount(account_id.to_owned()),
        );
        require(&op, "company id", &feed.company_id)?;
        require(&op, "connection id", &feed.connection_id)?;
        require(&op, "source account id", account_id)?;
        let mut path = source_accounts_path(feed);
        path.push(account_id);
        let key = IdempotencyKey::random();
        self.fetch(&Request {
            op: &op,
            method: Method::PATCH,
            url: self.url(&path),
            body: Some(json(&UpdateBody {
                id: account_id,
                account_name: update.account_name.as_deref(),
                balance: update.balance,
                status: update.status.as_ref(),
            })),
            key: Some(&key),
        })
    }

    /// Pushes bank transactions to a source account, under the caller's
    /// idempotency key (see [`IdempotencyKey::for_batch`]); the answer is
    /// a push operation, usually `Pending`: follow it with
    /// [`Client::wait_for_push`], and keep its key in case the run stops
    /// first.
    ///
    /// Retries (5xx, 408, 429, a lost answer, a 409 while the first
    /// attempt is in progress) resend the same bytes under the same key, so
    /// Codat answers with the first attempt's operation instead of pushing
    /// twice. Codat keeps keys for 90 minutes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending anything when the batch is
    /// empty, holds more than [`MAX_TRANSACTIONS_PER_PUSH`] transactions
    /// (splitting is the caller's job), repeats an id, has an empty id, or
    /// is not in date order; [`Error::IdempotencyKeyReused`] when the key
    /// was used for another batch; any failure of the request.
    pub fn push_transactions(
        &self,
        feed: &ConnectionRef,
        account_id: &str,
        transactions: &[BankTransaction],
        key: &IdempotencyKey,
    ) -> Result<PushOperation, Error> {
        let op = Operation::on(PUSH, Subject::SourceAccount(account_id.to_owned()));
        require(&op, "company id", &feed.company_id)?;
        require(&op, "connection id", &feed.connection_id)?;
        require(&op, "source account id", account_id)?;
        check_batch(&op, transactions)?;
        let path = [
            "companies",
            &feed.company_id,
            "connections",
            &feed.connection_id,
            "push",
            "bankAccounts",
            account_id,
            "bankTransactions",
        ];
        self.fetch(&Request {
            op: &op,
            method: Method::POST,
            url: self.url(&path),
            body: Some(json(&PushBody {
                account_id,
                transactions,
            })),
            key: Some(key),
        })
    }

    /// A push operation, as it stands now.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown key; any failure of the request.
    pub fn push_operation(
        &self,
        company_id: &str,
        key: &PushOperationKey,
    ) -> Result<PushOperation, Error> {
        let op = Operation::on(
            "GET push operation",
            Subject::PushOperation(key.to_string()),
        );
        require(&op, "company id", company_id)?;
        require(&op, "push operation key", key.as_str())?;
        self.get(&op, &["companies", company_id, "push", key.as_str()], &[])
    }

    /// One page of the company's push operations (`page` from 1,
    /// `page_size` 1 to 5000).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a page or size out of range; any
    /// failure of the request.
    pub fn push_operations(
        &self,
        company_id: &str,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PushOperation>, Error> {
        let op = Operation::on(
            "GET push operations",
            Subject::Company(company_id.to_owned()),
        );
        require(&op, "company id", company_id)?;
        if page == 0 || !(1..=5000).contains(&page_size) {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "page {page} of size {page_size}: pages start at 1 and hold 1 to 5000 items"
                ),
            });
        }
        self.get(
            &op,
            &["companies", company_id, "push"],
            &[
                ("page", page.to_string()),
                ("pageSize", page_size.to_string()),
            ],
        )
    }

    /// Polls a push operation until it ends (`Success`, `Failed` or
    /// `TimedOut`, all returned as `Ok`) within the client's
    /// [`PollPolicy`](crate::PollPolicy). The first poll is immediate.
    ///
    /// # Errors
    /// [`Error::PushNotFinished`] when the policy runs out first (the push
    /// may still complete); any failure of a request, after its retries.
    pub fn wait_for_push(
        &self,
        company_id: &str,
        key: &PushOperationKey,
    ) -> Result<PushOperation, Error> {
        let policy = self.inner.poll;
        let start = Instant::now();
        let mut polls = 0;
        loop {
            let current = self.push_operation(company_id, key)?;
            polls += 1;
            if current.status.is_final() {
                return Ok(current);
            }
            let wait = policy.interval(polls);
            if polls >= policy.max_polls || start.elapsed() + wait > policy.max_total {
                return Err(Error::PushNotFinished {
                    op: Operation::on(
                        "poll push operation",
                        Subject::PushOperation(key.to_string()),
                    ),
                    key: key.clone(),
                    status: current.status,
                    polls,
                });
            }
            std::thread::sleep(wait);
        }
    }
}

fn source_accounts_path(feed: &ConnectionRef) -> Vec<&str> {
    vec![
        "companies",
        &feed.company_id,
        "connections",
        &feed.connection_id,
        "connectionInfo",
        "bankFeedAccounts",
    ]
}

/// What Codat would refuse anyway, refused before sending.
fn check_batch(op: &Operation, transactions: &[BankTransaction]) -> Result<(), Error> {
    let refuse = |message: String| {
        Err(Error::InvalidArgument {
            op: op.clone(),
            message,
        })
    };
    if transactions.is_empty() {
        return refuse("no transactions to push".to_owned());
    }
    if transactions.len() > MAX_TRANSACTIONS_PER_PUSH {
        return refuse(format!(
            "{} transactions in one push; Codat takes at most {MAX_TRANSACTIONS_PER_PUSH}: \
             split them into batches, oldest first",
            transactions.len()
        ));
    }
    let mut seen = HashSet::new();
    for (i, t) in transactions.iter().enumerate() {
        if t.id.trim().is_empty() {
            return refuse(format!(
                "transaction {} of the batch has an empty id",
                i + 1
            ));
        }
        if !seen.insert(t.id.as_str()) {
            return refuse(format!("transaction id {:?} is in the batch twice", t.id));
        }
        if i > 0 && t.date < transactions[i - 1].date {
            return refuse(format!(
                "transaction {:?} ({}) comes after a later one ({}): push oldest first",
                t.id,
                t.date.date(),
                transactions[i - 1].date.date()
            ));
        }
    }
    Ok(())
}
