//! What the store keeps: tokens, responses with their windows, the budget,
//! and the status summary built from them.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use gocardless::store::{Budget, NewResponse, Scope, Store, Window};
use gocardless::{ManualClock, Secret, TokenState, Tokens};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn d(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

fn store_at(now: &str) -> (tempfile::TempDir, Store, ManualClock) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t(now));
    let store =
        Store::open_with_clock(dir.path().join("store.sqlite"), Arc::new(clock.clone())).unwrap();
    (dir, store, clock)
}

fn tx_response<'a>(body: &'a str, window: Window, at: &str) -> NewResponse<'a> {
    NewResponse {
        subject: "acc",
        scope: Scope::Transactions,
        window,
        body,
        fetched_at: t(at),
        rate_limit: Some(r#"{"account_success_remaining":"3"}"#),
    }
}

#[test]
fn tokens_round_trip_and_clear() {
    let (_dir, store, clock) = store_at("2024-05-01T00:00:00Z");
    assert_eq!(store.load_tokens("sid").unwrap(), None);
    assert_eq!(store.token_state("sid").unwrap(), TokenState::Missing);
    let tokens = Tokens {
        access: Secret::new("acc-tok"),
        access_expires: t("2024-05-02T00:00:00Z"),
        refresh: Secret::new("ref-tok"),
        refresh_expires: t("2024-05-31T00:00:00Z"),
    };
    store.save_tokens("sid", &tokens).unwrap();
    assert_eq!(store.load_tokens("sid").unwrap(), Some(tokens.clone()));
    assert_eq!(store.load_tokens("other").unwrap(), None);
    assert!(!format!("{tokens:?}").contains("acc-tok"));

    assert!(matches!(
        store.token_state("sid").unwrap(),
        TokenState::AccessValid { .. }
    ));
    clock.advance(Duration::days(2));
    assert_eq!(
        store.token_state("sid").unwrap(),
        TokenState::RefreshValid {
            refresh_until: tokens.refresh_expires
        }
    );
    clock.advance(Duration::days(30));
    assert_eq!(store.token_state("sid").unwrap(), TokenState::Missing);

    let newer = Tokens {
        access: Secret::new("acc-2"),
        ..tokens
    };
    store.save_tokens("sid", &newer).unwrap();
    assert_eq!(store.load_tokens("sid").unwrap(), Some(newer));
    assert!(store.clear_tokens("sid").unwrap());
    assert!(!store.clear_tokens("sid").unwrap());
    assert_eq!(store.load_tokens("sid").unwrap(), None);
}

#[test]
fn newest_covering_window_is_found() {
    let (_dir, store, _clock) = store_at("2024-05-10T00:00:00Z");
    let wide = Window::new(d("2024-01-01"), d("2024-05-09"));
    let narrow = Window::new(d("2024-04-01"), d("2024-04-30"));
    store
        .record_response(&tx_response("wide-old", wide, "2024-05-08T00:00:00Z"), None)
        .unwrap();
    store
        .record_response(
            &tx_response("narrow-new", narrow, "2024-05-09T00:00:00Z"),
            None,
        )
        .unwrap();
    store
        .record_response(
            &tx_response("open", Window::ALL, "2024-05-07T00:00:00Z"),
            None,
        )
        .unwrap();

    let inside_narrow = Window::new(d("2024-04-05"), d("2024-04-06"));
    let hit = store
        .latest_covering("acc", Scope::Transactions, &inside_narrow, None)
        .unwrap()
        .unwrap();
    assert_eq!(hit.body, "narrow-new");
    assert_eq!(hit.window, narrow);
    assert_eq!(
        hit.rate_limit.as_deref(),
        Some(r#"{"account_success_remaining":"3"}"#)
    );

    let feb = Window::new(d("2024-02-01"), d("2024-02-28"));
    let hit = store
        .latest_covering("acc", Scope::Transactions, &feb, None)
        .unwrap()
        .unwrap();
    assert_eq!(hit.body, "wide-old");

    // Only responses fetched since the given instant count.
    let none = store
        .latest_covering(
            "acc",
            Scope::Transactions,
            &feb,
            Some(t("2024-05-08T12:00:00Z")),
        )
        .unwrap();
    assert_eq!(none, None);

    // An open end is covered only by an open end.
    let open_end = Window::new(d("2024-02-01"), None);
    let hit = store
        .latest_covering("acc", Scope::Transactions, &open_end, None)
        .unwrap()
        .unwrap();
    assert_eq!(hit.body, "open");

    assert_eq!(
        store
            .latest_response("acc", Scope::Transactions)
            .unwrap()
            .unwrap()
            .body,
        "narrow-new"
    );
    assert_eq!(store.responses("acc").unwrap().len(), 3);
    assert_eq!(store.latest_response("acc", Scope::Balances).unwrap(), None);
}

#[test]
fn other_scopes_keep_only_the_newest_and_bodies_are_shared() {
    let (_dir, store, _clock) = store_at("2024-05-10T00:00:00Z");
    for (i, body) in ["b1", "b2", "b2"].iter().enumerate() {
        store
            .record_response(
                &NewResponse {
                    subject: "acc",
                    scope: Scope::Balances,
                    window: Window::ALL,
                    body,
                    fetched_at: t("2024-05-01T00:00:00Z") + Duration::hours(i as i64),
                    rate_limit: None,
                },
                None,
            )
            .unwrap();
        store
            .record_response(
                &tx_response(body, Window::ALL, "2024-05-01T00:00:00Z"),
                None,
            )
            .unwrap();
    }
    let infos = store.responses("acc").unwrap();
    assert_eq!(
        infos.iter().filter(|i| i.scope == Scope::Balances).count(),
        1
    );
    assert_eq!(
        infos
            .iter()
            .filter(|i| i.scope == Scope::Transactions)
            .count(),
        3
    );
    let latest = store
        .latest_response("acc", Scope::Balances)
        .unwrap()
        .unwrap();
    assert_eq!(latest.body, "b2");
    assert_eq!(latest.fetched_at, t("2024-05-01T02:00:00Z"));
    let back = store.response(infos[0].id).unwrap().unwrap();
    assert_eq!(back.id, infos[0].id);

    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let bodies: i64 = conn
        .query_row("SELECT count(*) FROM bodies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bodies, 2, "b1 and b2, each stored once");
}

#[test]
fn budget_keeps_the_newest_report() {
    let (_dir, store, _clock) = store_at("2024-05-10T00:00:00Z");
    let newer = Budget {
        remaining: Some(0),
        limit: Some(4),
        reset_at: Some(t("2024-05-10T08:00:00Z")),
        updated_at: t("2024-05-10T00:00:00Z"),
    };
    let older = Budget {
        remaining: Some(2),
        updated_at: t("2024-05-09T23:00:00Z"),
        ..newer
    };
    store
        .record_budget("acc", Scope::Transactions, &newer)
        .unwrap();
    store
        .record_budget("acc", Scope::Transactions, &older)
        .unwrap();
    let b = store.budget("acc", Scope::Transactions).unwrap().unwrap();
    assert_eq!(b, newer);
    assert!(b.is_spent_at(t("2024-05-10T07:59:59Z")));
    assert!(!b.is_spent_at(t("2024-05-10T08:00:00Z")));
    assert_eq!(store.budget("acc", Scope::Balances).unwrap(), None);

    // Recorded with a response, in the same transaction.
    let with_response = Budget {
        remaining: Some(3),
        updated_at: t("2024-05-10T09:00:00Z"),
        ..newer
    };
    store
        .record_response(
            &tx_response("{}", Window::ALL, "2024-05-10T09:00:00Z"),
            Some(&with_response),
        )
        .unwrap();
    assert_eq!(
        store.budget("acc", Scope::Transactions).unwrap(),
        Some(with_response)
    );
}

#[test]
fn status_summarises_an_account() {
    let (_dir, store, _clock) = store_at("2024-05-10T00:00:00Z");
    store
        .record_response(
            &tx_response("one", Window::ALL, "2024-05-08T00:00:00Z"),
            None,
        )
        .unwrap();
    let budget = Budget {
        remaining: Some(1),
        limit: Some(4),
        reset_at: None,
        updated_at: t("2024-05-09T00:00:00Z"),
    };
    store
        .record_response(
            &tx_response("two", Window::ALL, "2024-05-09T00:00:00Z"),
            Some(&budget),
        )
        .unwrap();
    let status = store.status("acc").unwrap();
    assert_eq!(status.account_id, "acc");
    assert_eq!(
        status.scopes.iter().map(|s| s.scope).collect::<Vec<_>>(),
        Scope::ACCOUNT.to_vec()
    );
    let tx = &status.scopes[3];
    assert_eq!(tx.last_fetch, Some(t("2024-05-09T00:00:00Z")));
    assert_eq!(tx.stored, 2);
    assert_eq!(tx.budget, Some(budget));
    assert_eq!(status.scopes[0].last_fetch, None);
    assert_eq!(store.subjects().unwrap(), vec!["acc".to_owned()]);
}

/// A transactions body as the bank sends it, with the given records.
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

fn count(store: &Store, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn transaction_records_are_stored_once_and_pruned_with_their_responses() {
    let (_dir, store, clock) = store_at("2024-05-10T00:00:00Z");
    let bodies = [
        tx_body(&["a", "b", "c"]),
        tx_body(&["b", "c", "d"]),
        tx_body(&["c", "d", "e"]),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let at = t("2024-05-01T00:00:00Z") + Duration::days(i as i64);
        store
            .record_response(
                &NewResponse {
                    fetched_at: at,
                    ..tx_response(body, Window::ALL, "2024-05-01T00:00:00Z")
                },
                None,
            )
            .unwrap();
    }
    assert_eq!(count(&store, "records"), 5, "a..e, once each");
    // Every response comes back byte for byte.
    for (info, body) in store.responses("acc").unwrap().iter().rev().zip(&bodies) {
        assert_eq!(&store.response(info.id).unwrap().unwrap().body, body);
    }

    // Past the retention only the newest response stays, with its records.
    clock.advance(Duration::days(400));
    assert_eq!(store.prune(Duration::days(365)).unwrap(), 2);
    assert_eq!(count(&store, "records"), 3, "c, d, e");
    assert_eq!(count(&store, "bodies"), 1);
    let kept = store
        .latest_response("acc", Scope::Transactions)
        .unwrap()
        .unwrap();
    assert_eq!(kept.body, bodies[2]);
}
