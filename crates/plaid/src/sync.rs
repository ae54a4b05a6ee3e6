//! `/transactions/sync`: one page, and every page to the end.
//!
//! Plaid's rules, which [`Client::sync`] keeps so its callers need not:
//! follow `next_cursor` while `has_more`; keep only the cursor of the last
//! page (a cursor from the middle is never to be stored); when Plaid says
//! the data changed between pages
//! (`TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`), throw the pages away
//! and start again from the first page's cursor; an empty cursor means the
//! Item's first pull has not finished.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::client::{Call, Safety};
use crate::error::Operation;
use crate::model::{
    Account, Cursor, ItemAccess, RemovedTransaction, SyncPage, TransactionRecord, UpdateStatus,
};
use crate::operations::check_days;
use crate::{Client, Error};

/// The most pages [`Client::sync`] reads in one sync (a million
/// transactions at 500 a page); more means the server is looping.
pub const MAX_SYNC_PAGES: u32 = 2000;

/// The largest page Plaid serves.
const MAX_COUNT: u16 = 500;

/// How [`Client::sync`] and [`Client::sync_page`] ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Transaction updates per page, 1 to 500 (default 500: fewest calls).
    pub count: u16,
    /// Ask for `original_description`, the institution's own text.
    pub include_original_description: bool,
    /// Days of history for an Item whose transactions were never pulled
    /// (1 to 730); ignored by Plaid otherwise.
    pub days_requested: Option<u32>,
    /// How many times a sync starts again after the data changed between
    /// its pages before giving up (default 3).
    pub max_restarts: u32,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            count: MAX_COUNT,
            include_original_description: false,
            days_requested: None,
            max_restarts: 3,
        }
    }
}

/// Everything that changed since a cursor, read to the last page.
///
/// Apply it in Plaid's order: `added`, then `modified`, then `removed`
/// (a pending transaction that posted is in `removed` under its pending id
/// and in `added` under a new id whose `pending_transaction_id` names the
/// pending one). Then store `next_cursor`, and only then.
#[derive(Debug, Clone)]
pub struct SyncResult {
    /// New transactions, oldest change first.
    pub added: Vec<TransactionRecord>,
    /// Changed transactions (whole new versions), oldest change first.
    pub modified: Vec<TransactionRecord>,
    /// Removed transactions, ids only. An id may be one never seen (a
    /// pending transaction added and removed since the cursor).
    pub removed: Vec<RemovedTransaction>,
    /// The accounts the pages named, each with the balances of the last
    /// page that named it, in the order first named.
    pub accounts: Vec<Account>,
    /// The cursor to store for the next sync.
    pub next_cursor: Cursor,
    /// How far Plaid's pulls are (`HISTORICAL_UPDATE_COMPLETE` once all
    /// history is in).
    pub update_status: UpdateStatus,
    /// Pages read in the sync that succeeded.
    pub pages: u32,
    /// Restarts after the data changed between pages.
    pub restarts: u32,
}

impl Client {
    /// `POST /transactions/sync`: one page of changes after `cursor` (all
    /// history when `None`). The `next_cursor` of a page with `has_more`
    /// must not be stored; [`Client::sync`] reads to the end.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `count` outside 1..=500;
    /// [`Error::SyncMutation`] when the data changed since the previous
    /// page; [`Error::NotReady`], [`Error::ItemLoginRequired`],
    /// [`Error::InvalidAccessToken`], [`Error::RateLimited`]; the transient
    /// failures after their retries.
    pub fn sync_page(
        &self,
        item: &ItemAccess,
        cursor: Option<&Cursor>,
        options: &SyncOptions,
    ) -> Result<SyncPage, Error> {
        let op = Operation::new("/transactions/sync", item.item_id.as_deref());
        if !(1..=MAX_COUNT).contains(&options.count) {
            return Err(Error::InvalidArgument {
                op,
                message: format!("count must be 1 to {MAX_COUNT}, not {}", options.count),
            });
        }
        if item.access_token.expose().trim().is_empty() {
            return Err(Error::InvalidArgument {
                op,
                message: "the access token is empty".to_owned(),
            });
        }
        if let Some(days) = options.days_requested {
            check_days(&op, days)?;
        }
        let mut body = Map::new();
        body.insert("access_token".into(), json!(item.access_token.expose()));
        if let Some(c) = cursor {
            body.insert("cursor".into(), json!(c.as_str()));
        }
        body.insert("count".into(), json!(options.count));
        let mut opts = Map::new();
        if options.include_original_description {
            opts.insert("include_original_description".into(), json!(true));
        }
        if let Some(days) = options.days_requested {
            opts.insert("days_requested".into(), json!(days));
        }
        if !opts.is_empty() {
            body.insert("options".into(), Value::Object(opts));
        }
        self.fetch(&Call {
            op,
            path: "transactions/sync",
            body: Value::Object(body),
            safety: Safety::Read,
            secret_answer: false,
            secrets: vec![&item.access_token],
        })
    }

    /// Every change after `cursor` (all history when `None`), reading page
    /// after page until `has_more` is false; the [`SyncResult`] carries the
    /// cursor to store. When the data change between pages, the pages read
    /// so far are dropped and the sync starts again from `cursor`, at most
    /// [`SyncOptions::max_restarts`] times.
    ///
    /// # Errors
    /// [`Error::NotReady`] when Plaid has no transactions for the Item yet
    /// (say so and try later: nothing is wrong); [`Error::SyncMutation`]
    /// when the restarts are used up; [`Error::Malformed`] when the pages
    /// do not end (no cursor, the same cursor again, more than
    /// [`MAX_SYNC_PAGES`]); and every error of [`Client::sync_page`]. On
    /// any error nothing is to be stored: the old cursor stays right.
    pub fn sync(
        &self,
        item: &ItemAccess,
        cursor: Option<&Cursor>,
        options: &SyncOptions,
    ) -> Result<SyncResult, Error> {
        let mut restarts = 0;
        loop {
            match self.sync_once(item, cursor, options) {
                Ok(mut result) => {
                    result.restarts = restarts;
                    return Ok(result);
                }
                Err(Error::SyncMutation { op, message, .. }) => {
                    if restarts >= options.max_restarts {
                        return Err(Error::SyncMutation {
                            op,
                            message,
                            restarts,
                        });
                    }
                    restarts += 1;
                    tracing::info!(op = %op, restarts, "transactions changed while paging; starting again from the first cursor");
                    // Plaid is updating the Item: give it a moment.
                    std::thread::sleep(self.retry_policy().backoff(restarts));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One pass from `start` to the last page.
    fn sync_once(
        &self,
        item: &ItemAccess,
        start: Option<&Cursor>,
        options: &SyncOptions,
    ) -> Result<SyncResult, Error> {
        let op = || Operation::new("/transactions/sync", item.item_id.as_deref());
        let mut added = Vec::new();
        let mut modified = Vec::new();
        let mut removed = Vec::new();
        let mut accounts: Vec<Account> = Vec::new();
        let mut account_index: HashMap<String, usize> = HashMap::new();
        let mut cursor = start.cloned();
        let mut pages = 0;
        loop {
            pages += 1;
            if pages > MAX_SYNC_PAGES {
                return Err(malformed(
                    op(),
                    format!("more than {MAX_SYNC_PAGES} pages of changes"),
                ));
            }
            let page = self.sync_page(item, cursor.as_ref(), options)?;
            for a in page.accounts {
                match account_index.get(&a.account_id) {
                    Some(&i) => accounts[i] = a,
                    None => {
                        account_index.insert(a.account_id.clone(), accounts.len());
                        accounts.push(a);
                    }
                }
            }
            added.extend(page.added);
            modified.extend(page.modified);
            removed.extend(page.removed);
            tracing::debug!(op = %op(), pages, has_more = page.has_more, "sync page");
            let Some(next) = page.next_cursor else {
                if page.has_more {
                    return Err(malformed(
                        op(),
                        "`has_more` is true but `next_cursor` is empty".to_owned(),
                    ));
                }
                // Plaid's sign that the first pull has not finished.
                return Err(Error::NotReady {
                    op: op(),
                    message: None,
                });
            };
            if !page.has_more {
                return Ok(SyncResult {
                    added,
                    modified,
                    removed,
                    accounts,
                    next_cursor: next,
                    update_status: page.transactions_update_status,
                    pages,
                    restarts: 0,
                });
            }
            if cursor.as_ref() == Some(&next) {
                return Err(malformed(
                    op(),
                    "`has_more` is true but `next_cursor` did not move".to_owned(),
                ));
            }
            cursor = Some(next);
        }
    }
}

fn malformed(op: Operation, reason: String) -> Error {
    Error::Malformed {
        op,
        status: 200,
        reason,
        body_start: String::new(),
    }
}
