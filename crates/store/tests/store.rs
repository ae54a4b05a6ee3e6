//! The store crate's tests, one binary: the file (creation, refusal,
//! permissions, threads and processes at once, a killed writer), what it
//! keeps for each source, and the migration of stores written before
//! sources existed.

#[path = "store/crash.rs"]
mod crash;
#[path = "store/data.rs"]
mod data;
#[path = "store/file.rs"]
mod file;
#[path = "store/migrate.rs"]
mod migrate;
#[path = "store/sources.rs"]
mod sources;

use chrono::{DateTime, Utc};
use source::Secret;
use store::{Keep, NewResponse, RecordPath, SourceName, SourceStore, Store, StoredTokens, Window};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn tokens() -> StoredTokens {
    StoredTokens {
        access: Secret::new("access-token-value"),
        access_expires: t("2024-05-02T00:00:00Z"),
        refresh: Secret::new("refresh-token-value"),
        refresh_expires: t("2024-05-31T00:00:00Z"),
    }
}

/// The GoCardless source, as the binary uses it without `sources:`.
fn gocardless(store: &Store) -> SourceStore {
    store.source(&SourceName::GOCARDLESS)
}

fn source(store: &Store, name: &str) -> SourceStore {
    store.source(&SourceName::new(name).unwrap())
}

/// Where a GoCardless transactions body lists its records.
const GOCARDLESS_LISTS: [RecordPath; 2] = [
    RecordPath::new("transactions.booked"),
    RecordPath::new("transactions.pending"),
];

/// A history response (GoCardless transactions) of `subject`.
fn history<'a>(subject: &'a str, body: &'a str, fetched_at: DateTime<Utc>) -> NewResponse<'a> {
    NewResponse {
        subject,
        scope: "transactions",
        window: Window::ALL,
        keep: Keep::History,
        records: &GOCARDLESS_LISTS,
        body,
        fetched_at,
        rate_limit: None,
        budget: None,
        cursor: None,
    }
}

/// A latest-only response of `subject` for `scope`.
fn latest<'a>(
    subject: &'a str,
    scope: &'a str,
    body: &'a str,
    fetched_at: DateTime<Utc>,
) -> NewResponse<'a> {
    NewResponse {
        keep: Keep::Latest,
        records: &[],
        scope,
        ..history(subject, body, fetched_at)
    }
}

/// A transactions body as GoCardless sends it, with the given records.
fn tx_body(ids: &[&str]) -> String {
    let records: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"transactionId":"{id}","bookingDate":"2024-05-01","transactionAmount":{{"amount":"-1.50","currency":"EUR"}},"note":"ü \"q\" \\ {id}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"transactions":{{"booked":[{}],"pending":[]}},"last_updated":"2024-05-01T00:00:00Z"}}"#,
        records.join(",")
    )
}

/// Rows in `table`, read by a connection of its own.
fn count(store: &Store, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}
