//! `/transactions/sync`: paging with cursors, the cursor handed back only
//! at the end, restarts when the data move, pending → posted, modified
//! transactions, `NOT_READY`.

use std::collections::BTreeMap;

use chrono::Duration;
use fake_plaid::{Fault, FaultKind, Options};
use plaid::{
    Client, Cursor, Error, ItemAccess, SyncOptions, SyncResult, Transaction, TransactionRecord,
    UpdateStatus,
};
use serde_json::Value;

use crate::common::Fake;

fn paged(count: u16) -> SyncOptions {
    SyncOptions {
        count,
        ..SyncOptions::default()
    }
}

/// Transactions by id, as a store that applies sync results keeps them.
type Book = BTreeMap<String, Transaction>;

fn apply(book: &mut Book, r: &SyncResult) {
    for t in r.added.iter().chain(&r.modified) {
        let t = t.parse().unwrap();
        book.insert(t.transaction_id.clone(), t);
    }
    for t in &r.removed {
        book.remove(&t.transaction_id);
    }
}

/// The server's transactions now.
fn server_book(fake: &Fake, item: &ItemAccess) -> Book {
    fake.server
        .transactions(item.item_id.as_deref().unwrap())
        .iter()
        .map(|v: &Value| {
            let t = TransactionRecord::from_json(&v.to_string())
                .unwrap()
                .parse()
                .unwrap();
            (t.transaction_id.clone(), t)
        })
        .collect()
}

/// The `cursor` of every `/transactions/sync` request, in order.
fn cursors_sent(fake: &Fake) -> Vec<Option<String>> {
    fake.server
        .requests()
        .iter()
        .filter(|r| r.path == "/transactions/sync")
        .map(|r| {
            r.body
                .get("cursor")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

fn setup() -> (Fake, Client, ItemAccess) {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    fake.server.reset_counters();
    (fake, client, item)
}

#[test]
fn pages_are_read_to_the_end_and_only_the_last_cursor_is_handed_back() {
    let (fake, client, item) = setup();
    let first = client.sync(&item, None, &paged(7)).unwrap();
    assert!(first.pages > 3, "{} pages", first.pages);
    assert_eq!(first.restarts, 0);
    assert_eq!(first.update_status, UpdateStatus::HistoricalUpdateComplete);
    let sent = cursors_sent(&fake);
    assert_eq!(sent.len() as u32, first.pages);
    assert_eq!(sent[0], None, "the first page asks from the beginning");
    let middle: Vec<&String> = sent[1..].iter().map(|c| c.as_ref().unwrap()).collect();
    let mut distinct = middle.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), middle.len(), "each page moves the cursor");
    assert!(
        !middle.contains(&&first.next_cursor.as_str().to_owned()),
        "the cursor handed back is the last page's"
    );
    for body in fake.server.requests().iter().map(|r| &r.body) {
        assert_eq!(body["count"], 7);
    }

    let mut book = Book::new();
    apply(&mut book, &first);
    assert_eq!(book, server_book(&fake, &item));
    let mut ids: Vec<String> = first
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    let mut want = fake.server.account_ids(item.item_id.as_deref().unwrap());
    ids.sort();
    want.sort();
    assert_eq!(ids, want, "every account, once");

    // Nothing new since: one page, no change, a cursor to keep.
    let again = client
        .sync(&item, Some(&first.next_cursor), &paged(7))
        .unwrap();
    assert_eq!(again.pages, 1);
    assert!(again.added.is_empty() && again.modified.is_empty() && again.removed.is_empty());
    assert!(again.accounts.is_empty());
    assert_eq!(
        cursors_sent(&fake).last().unwrap().as_deref(),
        Some(first.next_cursor.as_str())
    );
}

#[test]
fn a_failure_between_pages_hands_back_no_cursor() {
    let (fake, client, item) = setup();
    fake.server.inject(Fault {
        path_contains: "/transactions/sync".into(),
        nth: 3,
        times: 1,
        kind: FaultKind::Error {
            status: 400,
            error_type: "ITEM_ERROR".into(),
            error_code: "ITEM_LOCKED".into(),
        },
    });
    let e = client.sync(&item, None, &paged(10)).unwrap_err();
    assert!(matches!(e, Error::Item { .. }), "{e:?}");
    assert_eq!(fake.count("/transactions/sync"), 3);
    // The stored cursor (none) is still right: everything comes again.
    let r = client.sync(&item, None, &paged(10)).unwrap();
    let mut book = Book::new();
    apply(&mut book, &r);
    assert_eq!(book, server_book(&fake, &item));
}

#[test]
fn data_changing_between_pages_restarts_from_the_first_cursor() {
    let fake = Fake::start(Options {
        mutate_during_pagination: true,
        ..Options::default()
    });
    let client = fake.client();
    let item = fake.item(&client);
    fake.server.reset_counters();
    let r = client.sync(&item, None, &paged(10)).unwrap();
    assert_eq!(r.restarts, 1);
    let statuses: Vec<u16> = fake.server.requests().iter().map(|r| r.status).collect();
    let error_at = statuses.iter().position(|&s| s == 400).unwrap();
    assert_eq!(error_at, 1, "the second page found the data changed");
    assert_eq!(statuses.iter().filter(|&&s| s == 400).count(), 1);
    let sent = cursors_sent(&fake);
    assert_eq!(sent[error_at + 1], None, "restarted from the first cursor");
    let mut book = Book::new();
    apply(&mut book, &r);
    assert_eq!(book, server_book(&fake, &item));
    assert!(
        book.values().any(|t| t
            .name
            .as_deref()
            .is_some_and(|n| n.ends_with("(corrected)"))),
        "the change is in the restarted sync"
    );

    // From a stored cursor, the restart goes back to that cursor.
    fake.server.advance(Duration::days(3));
    fake.server.mutate_during_pagination();
    fake.server.reset_counters();
    let next = client.sync(&item, Some(&r.next_cursor), &paged(3)).unwrap();
    assert_eq!(next.restarts, 1);
    let sent = cursors_sent(&fake);
    let error_at = fake
        .server
        .requests()
        .iter()
        .position(|r| r.status == 400)
        .unwrap();
    assert_eq!(sent[error_at + 1].as_deref(), Some(r.next_cursor.as_str()));
    apply(&mut book, &next);
    assert_eq!(book, server_book(&fake, &item));
}

#[test]
fn restarts_are_bounded() {
    let (fake, client, item) = setup();
    fake.server.inject(Fault::next(
        "/transactions/sync",
        100,
        FaultKind::Error {
            status: 400,
            error_type: "TRANSACTIONS_ERROR".into(),
            error_code: "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION".into(),
        },
    ));
    let options = SyncOptions {
        max_restarts: 2,
        ..SyncOptions::default()
    };
    let e = client.sync(&item, None, &options).unwrap_err();
    assert!(
        matches!(e, Error::SyncMutation { restarts: 2, .. }),
        "{e:?}"
    );
    assert!(e.is_transient());
    assert!(e.to_string().contains("restarted 2 times"), "{e}");
    assert_eq!(fake.count("/transactions/sync"), 3);
}

#[test]
fn pending_transactions_post_the_next_day_as_removed_plus_added() {
    let (fake, client, item) = setup();
    let first = client.sync(&item, None, &paged(50)).unwrap();
    let mut book = Book::new();
    apply(&mut book, &first);
    let mut cursor: Cursor = first.next_cursor;
    let (mut posted, mut tipped, mut enriched) = (0, 0, 0);
    for _ in 0..10 {
        let pending_before: Book = book
            .iter()
            .filter(|(_, t)| t.pending)
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect();
        fake.server.advance(Duration::days(1));
        let r = client.sync(&item, Some(&cursor), &paged(50)).unwrap();
        let removed: Vec<&str> = r
            .removed
            .iter()
            .map(|t| t.transaction_id.as_str())
            .collect();
        // Every pending transaction of yesterday is removed and posted
        // under a new id that names it.
        for (id, pending) in &pending_before {
            assert!(removed.contains(&id.as_str()), "{id} not removed");
            let now_posted: Vec<Transaction> = r
                .added
                .iter()
                .map(|t| t.parse().unwrap())
                .filter(|t| t.pending_transaction_id.as_deref() == Some(id.as_str()))
                .collect();
            assert_eq!(now_posted.len(), 1, "{id} posted once");
            let p = &now_posted[0];
            assert!(!p.pending);
            assert_ne!(&p.transaction_id, id);
            assert_eq!(p.account_id, pending.account_id);
            assert_eq!(p.authorized_date, Some(pending.date));
            assert_eq!(p.date, pending.date + Duration::days(1));
            posted += 1;
            if p.amount != pending.amount {
                assert!(p.amount > pending.amount, "a tip is added");
                tipped += 1;
            }
        }
        for m in &r.modified {
            let m = m.parse().unwrap();
            let before = book.get(&m.transaction_id).expect("modified a known one");
            assert_eq!(before.merchant_name, None);
            assert!(m.merchant_name.is_some());
            enriched += 1;
        }
        apply(&mut book, &r);
        assert_eq!(book, server_book(&fake, &item));
        cursor = r.next_cursor;
    }
    assert!(
        posted > 0 && tipped > 0 && enriched > 0,
        "{posted} {tipped} {enriched}"
    );
}

#[test]
fn a_changed_posted_transaction_comes_back_modified() {
    let (fake, client, item) = setup();
    let first = client.sync(&item, None, &SyncOptions::default()).unwrap();
    let target = first
        .added
        .iter()
        .map(|t| t.parse().unwrap())
        .find(|t| !t.pending)
        .unwrap();
    assert!(fake.server.modify_transaction(
        item.item_id.as_deref().unwrap(),
        &target.transaction_id,
        "Renamed by the bank"
    ));
    let r = client
        .sync(&item, Some(&first.next_cursor), &SyncOptions::default())
        .unwrap();
    assert!(r.added.is_empty() && r.removed.is_empty());
    assert_eq!(r.modified.len(), 1);
    let m = r.modified[0].parse().unwrap();
    assert_eq!(m.transaction_id, target.transaction_id);
    assert_eq!(m.name.as_deref(), Some("Renamed by the bank"));
    assert_eq!(m.amount, target.amount);
    assert_eq!(r.accounts.len(), 1);
    assert_eq!(r.accounts[0].account_id, target.account_id);
}

#[test]
fn a_new_item_is_not_ready_for_its_first_calls() {
    let fake = Fake::start(Options {
        not_ready_calls: 2,
        ..Options::default()
    });
    let client = fake.client();
    let item = fake.item(&client);
    for _ in 0..2 {
        let e = client
            .sync(&item, None, &SyncOptions::default())
            .unwrap_err();
        assert!(e.is_not_ready() && e.is_transient(), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("first pull") && msg.contains("try again"),
            "{msg}"
        );
        assert_eq!(e.item_id(), item.item_id.as_deref());
    }
    let r = client.sync(&item, None, &SyncOptions::default()).unwrap();
    assert!(!r.added.is_empty());
    assert_eq!(
        fake.count("/transactions/sync"),
        3,
        "NOT_READY is not retried"
    );
}

#[test]
fn product_not_ready_is_not_ready_too() {
    let (fake, client, item) = setup();
    fake.server.inject(Fault::next(
        "/transactions/sync",
        1,
        FaultKind::Error {
            status: 400,
            error_type: "ITEM_ERROR".into(),
            error_code: "PRODUCT_NOT_READY".into(),
        },
    ));
    let e = client
        .sync(&item, None, &SyncOptions::default())
        .unwrap_err();
    assert!(e.is_not_ready(), "{e:?}");
    assert_eq!(e.error_code(), Some("PRODUCT_NOT_READY"));
    assert_eq!(fake.count("/transactions/sync"), 1);
}

#[test]
fn original_descriptions_only_when_asked() {
    let (fake, client, item) = setup();
    let plain = client.sync(&item, None, &SyncOptions::default()).unwrap();
    assert!(
        plain
            .added
            .iter()
            .all(|t| t.parse().unwrap().original_description.is_none())
    );
    let with = client
        .sync(
            &item,
            None,
            &SyncOptions {
                include_original_description: true,
                days_requested: Some(30),
                ..SyncOptions::default()
            },
        )
        .unwrap();
    assert!(
        with.added
            .iter()
            .all(|t| t.parse().unwrap().original_description.is_some())
    );
    let body = &fake.server.requests()[1].body;
    assert_eq!(body["options"]["include_original_description"], true);
    assert_eq!(body["options"]["days_requested"], 30);
}

#[test]
fn typed_transactions_carry_what_the_mapping_needs() {
    let (_fake, client, item) = setup();
    let r = client.sync(&item, None, &SyncOptions::default()).unwrap();
    let all: Vec<Transaction> = r.added.iter().map(|t| t.parse().unwrap()).collect();
    let payroll = all
        .iter()
        .find(|t| t.name.as_deref() == Some("ACME CORP PAYROLL"))
        .unwrap();
    assert_eq!(payroll.amount.to_string(), "-2500", "money in is negative");
    let pfc = payroll.personal_finance_category.as_ref().unwrap();
    assert_eq!(
        (pfc.primary.as_str(), pfc.detailed.as_str()),
        ("INCOME", "INCOME_WAGES")
    );
    assert_eq!(payroll.currency(), Some("USD"));
    let purchase = all
        .iter()
        .find(|t| {
            t.merchant_name.is_some()
                && t.amount.is_sign_positive()
                && t.authorized_datetime.is_some()
        })
        .unwrap();
    assert_eq!(purchase.payee(), purchase.merchant_name.as_deref());
    assert!(purchase.payment_channel.is_some());
    assert!(all.iter().all(|t| t.amount.scale() <= 2));
}
