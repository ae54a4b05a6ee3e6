//! The operations an importer needs, as methods of [`Client`]: list
//! payouts and their items (every page, through [`Pages`]), and get the
//! payments, refunds, mandates, customers and creditors they refer to.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::Error;
use crate::client::Client;
use crate::error::Operation;
use crate::model::{
    Creditor, CreditorId, Currency, Customer, CustomerId, Mandate, MandateId, Payment, PaymentId,
    Payout, PayoutId, PayoutItem, PayoutStatus, Refund, RefundId, Resource,
};

/// The most pages one listing follows: a guard against a server whose
/// cursors never end (5 million payouts at 500 a page).
pub const MAX_PAGES: usize = 10_000;

/// Which payouts to list. The default lists every payout the token sees.
///
/// ```
/// use gocardless_pro::{PayoutFilter, model::PayoutStatus};
/// let since = "2026-11-01T00:00:00Z".parse().unwrap();
/// let filter = PayoutFilter { status: Some(PayoutStatus::Paid), ..PayoutFilter::created_since(since) };
/// assert_eq!(filter.created_at_gte, Some(since));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PayoutFilter {
    /// Created at or after (`created_at[gte]`).
    pub created_at_gte: Option<DateTime<Utc>>,
    /// Created after (`created_at[gt]`).
    pub created_at_gt: Option<DateTime<Utc>>,
    /// Created at or before (`created_at[lte]`).
    pub created_at_lte: Option<DateTime<Utc>>,
    /// Created before (`created_at[lt]`).
    pub created_at_lt: Option<DateTime<Utc>>,
    /// Of this creditor only.
    pub creditor: Option<CreditorId>,
    /// In this status only.
    pub status: Option<PayoutStatus>,
    /// In this currency only.
    pub currency: Option<Currency>,
}

impl PayoutFilter {
    /// Payouts created at or after `t`: the new ones since the last import.
    pub fn created_since(t: DateTime<Utc>) -> PayoutFilter {
        PayoutFilter {
            created_at_gte: Some(t),
            ..PayoutFilter::default()
        }
    }

    fn params(&self, op: &Operation) -> Result<Vec<(&'static str, String)>, Error> {
        let ts = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut params = Vec::new();
        for (name, t) in [
            ("created_at[gte]", &self.created_at_gte),
            ("created_at[gt]", &self.created_at_gt),
            ("created_at[lte]", &self.created_at_lte),
            ("created_at[lt]", &self.created_at_lt),
        ] {
            if let Some(t) = t {
                params.push((name, ts(t)));
            }
        }
        if let Some(c) = &self.creditor {
            params.push(("creditor", checked_id(op, c.as_str())?.to_owned()));
        }
        if let Some(s) = &self.status {
            params.push(("status", s.as_str().to_owned()));
        }
        if let Some(c) = &self.currency {
            params.push(("currency", c.as_str().to_owned()));
        }
        Ok(params)
    }
}

/// Every record of a listing, page after page (`after` cursors) until the
/// last; an iterator of `Result`s that ends after the first error.
///
/// A page is requested only when the records of the previous one have
/// been consumed. Collect it with `.collect::<Result<Vec<_>, _>>()`.
pub struct Pages<T> {
    client: Client,
    op: Operation,
    path: &'static str,
    params: Vec<(&'static str, String)>,
    after: Option<String>,
    seen: HashSet<String>,
    pages: usize,
    buffer: std::vec::IntoIter<T>,
    /// An error found before the first request (a bad id or filter).
    pending: Option<Error>,
    done: bool,
}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("op", &self.op)
            .field("pages", &self.pages)
            .field("after", &self.after)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Resource> Pages<T> {
    fn new(
        client: &Client,
        op: Operation,
        path: &'static str,
        params: Result<Vec<(&'static str, String)>, Error>,
    ) -> Pages<T> {
        let (params, pending) = match params {
            Ok(p) => (p, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        Pages {
            client: client.clone(),
            op,
            path,
            params,
            after: None,
            seen: HashSet::new(),
            pages: 0,
            buffer: Vec::new().into_iter(),
            pending,
            done: false,
        }
    }

    /// Fetches the next page into the buffer, and its cursor.
    fn fetch(&mut self) -> Result<(), Error> {
        let mut url = self.client.url(&[self.path]);
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.params {
                q.append_pair(k, v);
            }
            q.append_pair("limit", &self.client.inner.page_size.to_string());
            if let Some(after) = &self.after {
                q.append_pair("after", after);
            }
        }
        let (records, after) = self.client.get(&self.op, &url, read_page::<T>)?;
        self.pages += 1;
        self.buffer = records.into_iter();
        match after {
            None => self.done = true,
            Some(cursor) if self.seen.contains(&cursor) => {
                return Err(self.malformed(format!("the cursor {cursor:?} came back again")));
            }
            Some(_) if self.pages >= MAX_PAGES => {
                return Err(self.malformed(format!("more than {MAX_PAGES} pages")));
            }
            Some(cursor) => {
                self.seen.insert(cursor.clone());
                self.after = Some(cursor);
            }
        }
        Ok(())
    }

    fn malformed(&self, reason: String) -> Error {
        Error::Malformed {
            op: self.op.clone(),
            status: 200,
            reason: format!("the listing does not end: {reason}"),
            body_start: String::new(),
        }
    }
}

impl<T: Resource> Iterator for Pages<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Some(Err(e));
        }
        loop {
            if let Some(record) = self.buffer.next() {
                return Some(Ok(record));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    cursors: Option<Cursors>,
}

#[derive(Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

/// The records of a list page and the cursor of the next, if any.
fn read_page<T: Resource>(body: &str) -> Result<(Vec<T>, Option<String>), String> {
    let envelope: std::collections::HashMap<String, Box<RawValue>> =
        serde_json::from_str(body).map_err(|e| e.to_string())?;
    let list = envelope
        .get(T::KEY)
        .ok_or_else(|| format!("no {:?} list in the answer", T::KEY))?;
    let raws: Vec<Box<RawValue>> =
        serde_json::from_str(list.get()).map_err(|e| format!("{:?} is not a list: {e}", T::KEY))?;
    let records = raws
        .iter()
        .enumerate()
        .map(|(i, raw)| T::from_json(raw.get()).map_err(|e| format!("{} #{i}: {e}", T::KEY)))
        .collect::<Result<Vec<T>, String>>()?;
    let after = match envelope.get("meta") {
        Some(meta) => serde_json::from_str::<Meta>(meta.get())
            .map_err(|e| format!("unreadable meta: {e}"))?
            .cursors
            .and_then(|c| c.after)
            .filter(|a| !a.trim().is_empty()),
        None => None,
    };
    Ok((records, after))
}

/// One record in its envelope (`{"payouts": {…}}`).
fn read_one<T: Resource>(body: &str) -> Result<T, String> {
    let envelope: std::collections::HashMap<String, Box<RawValue>> =
        serde_json::from_str(body).map_err(|e| e.to_string())?;
    let raw = envelope
        .get(T::KEY)
        .ok_or_else(|| format!("no {:?} object in the answer", T::KEY))?;
    T::from_json(raw.get()).map_err(|e| format!("{}: {e}", T::KEY))
}

/// The id, if it can be a GoCardless id: letters, digits, `_` and `-`
/// only. Ids come from the server's own answers, and go into URL paths.
fn checked_id<'a>(op: &Operation, id: &'a str) -> Result<&'a str, Error> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(Error::InvalidArgument {
            op: op.clone(),
            message: format!(
                "{id:?} is not a GoCardless id (letters, digits, '_' and '-', at most 64)"
            ),
        })
    }
}

impl Client {
    fn get_one<T: Resource>(&self, name: &'static str, id: &str) -> Result<T, Error> {
        let op = Operation::on(name, id);
        let id = checked_id(&op, id)?;
        let url = self.url(&[T::KEY, id]);
        self.get(&op, &url, read_one::<T>)
    }

    /// Every payout matching `filter`, page after page.
    ///
    /// # Errors
    /// Each item is a `Result`; the iterator ends after the first error.
    pub fn payouts(&self, filter: &PayoutFilter) -> Pages<Payout> {
        let op = Operation::new("list payouts");
        let params = filter.params(&op);
        Pages::new(self, op, "payouts", params)
    }

    /// One payout.
    ///
    /// # Errors
    /// See [`Error`]; an unknown id is [`Error::is_not_found`].
    pub fn payout(&self, id: &PayoutId) -> Result<Payout, Error> {
        self.get_one("get payout", id.as_str())
    }

    /// Every item of a payout, page after page.
    ///
    /// # Errors
    /// Each item is a `Result`; the iterator ends after the first error.
    /// Items of payouts older than six months are [`Error::Gone`].
    pub fn payout_items(&self, payout: &PayoutId) -> Pages<PayoutItem> {
        let op = Operation::on("list items of payout", payout.as_str());
        let params = checked_id(&op, payout.as_str()).map(|id| vec![("payout", id.to_owned())]);
        Pages::new(self, op, "payout_items", params)
    }

    /// One payment.
    ///
    /// # Errors
    /// See [`Error`]; an unknown id is [`Error::is_not_found`].
    pub fn payment(&self, id: &PaymentId) -> Result<Payment, Error> {
        self.get_one("get payment", id.as_str())
    }

    /// One refund.
    ///
    /// # Errors
    /// See [`Error`]; an unknown id is [`Error::is_not_found`].
    pub fn refund(&self, id: &RefundId) -> Result<Refund, Error> {
        self.get_one("get refund", id.as_str())
    }

    /// One mandate.
    ///
    /// # Errors
    /// See [`Error`]; an unknown id is [`Error::is_not_found`].
    pub fn mandate(&self, id: &MandateId) -> Result<Mandate, Error> {
        self.get_one("get mandate", id.as_str())
    }

    /// One customer.
    ///
    /// # Errors
    /// See [`Error`]; an unknown id is [`Error::is_not_found`].
    pub fn customer(&self, id: &CustomerId) -> Result<Customer, Error> {
        self.get_one("get customer", id.as_str())
    }

    /// One creditor.
    ///
    /// # Errors
    /// See [`Error`]; an unknown id is [`Error::is_not_found`].
    pub fn creditor(&self, id: &CreditorId) -> Result<Creditor, Error> {
        self.get_one("get creditor", id.as_str())
    }

    /// Every creditor the token sees, page after page.
    ///
    /// # Errors
    /// Each item is a `Result`; the iterator ends after the first error.
    pub fn creditors(&self) -> Pages<Creditor> {
        Pages::new(
            self,
            Operation::new("list creditors"),
            "creditors",
            Ok(Vec::new()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read_with_their_cursor_and_raw_records() {
        let body = r#"{"payout_items": [{"type": "refund", "amount": "-1.5", "links": null},
            {"type": "new_kind", "amount": 3}], "meta": {"cursors": {"before": null, "after": "X1"}, "limit": 2}}"#;
        let (items, after) = read_page::<PayoutItem>(body).unwrap();
        assert_eq!(after.as_deref(), Some("X1"));
        assert_eq!(
            items[0].raw().as_str(),
            r#"{"type": "refund", "amount": "-1.5", "links": null}"#
        );
        assert_eq!(items[1].kind.as_str(), "new_kind");
        let (_, after) =
            read_page::<PayoutItem>(r#"{"payout_items": [], "meta": {"cursors": {"after": ""}}}"#)
                .unwrap();
        assert_eq!(after, None);
        for bad in [
            r#"{"payouts": []}"#,
            r#"{"payout_items": {}}"#,
            r#"{"payout_items": [{"type": "refund", "amount": "x"}]}"#,
            r#"{"payout_items": [], "meta": {"cursors": {"after": 5}}}"#,
            "<html>",
        ] {
            assert!(read_page::<PayoutItem>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_that_could_change_the_url_are_refused() {
        let op = Operation::new("t");
        for bad in ["", "../creditors", "PM1?x=1", "PM 1", "PM1/", "é"] {
            assert!(checked_id(&op, bad).is_err(), "{bad:?}");
        }
        assert!(checked_id(&op, "PM00AGFDJYSEEQ").is_ok());
    }
}
