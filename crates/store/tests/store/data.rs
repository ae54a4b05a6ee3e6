//! What the store keeps of a source: tokens, responses with their windows,
//! the budget, the summary built from them, and the archive's records.

use chrono::{Duration, NaiveDate};
use source::Secret;
use store::{
    Budget, Keep, NewResponse, Recording, ScopeSummary, SourceStore, Store, StoredTokens, Window,
};

use super::{count, gocardless, history, latest, t, tx_body};

fn d(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

fn open() -> (tempfile::TempDir, Store, SourceStore) {
    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(dir.path().join("store.sqlite")).unwrap();
    let source = gocardless(&file);
    (dir, file, source)
}

fn tx_response<'a>(body: &'a str, window: Window, at: &str) -> NewResponse<'a> {
    NewResponse {
        window,
        rate_limit: Some(r#"{"account_success_remaining":"3"}"#),
        ..history("acc", body, t(at))
    }
}

#[test]
fn tokens_round_trip_and_clear() {
    let (_dir, _file, store) = open();
    assert_eq!(store.tokens("sid").unwrap(), None);
    let tokens = StoredTokens {
        access: Secret::new("acc-tok"),
        access_expires: t("2024-05-02T00:00:00Z"),
        refresh: Secret::new("ref-tok"),
        refresh_expires: t("2024-05-31T00:00:00Z"),
    };
    let at = t("2024-05-01T00:00:00Z");
    store.save_tokens("sid", &tokens, at).unwrap();
    assert_eq!(store.tokens("sid").unwrap(), Some(tokens.clone()));
    assert_eq!(store.tokens("other").unwrap(), None);
    assert!(!format!("{tokens:?}").contains("acc-tok"));

    let newer = StoredTokens {
        access: Secret::new("acc-2"),
        ..tokens
    };
    store.save_tokens("sid", &newer, at).unwrap();
    assert_eq!(store.tokens("sid").unwrap(), Some(newer));
    assert!(store.clear_tokens("sid").unwrap());
    assert!(!store.clear_tokens("sid").unwrap());
    assert_eq!(store.tokens("sid").unwrap(), None);
}

#[test]
fn newest_covering_window_is_found() {
    let (_dir, _file, store) = open();
    let wide = Window::new(d("2024-01-01"), d("2024-05-09"));
    let narrow = Window::new(d("2024-04-01"), d("2024-04-30"));
    store
        .record_response(&tx_response("wide-old", wide, "2024-05-08T00:00:00Z"))
        .unwrap();
    store
        .record_response(&tx_response("narrow-new", narrow, "2024-05-09T00:00:00Z"))
        .unwrap();
    store
        .record_response(&tx_response("open", Window::ALL, "2024-05-07T00:00:00Z"))
        .unwrap();

    let inside_narrow = Window::new(d("2024-04-05"), d("2024-04-06"));
    let hit = store
        .latest_covering("acc", "transactions", &inside_narrow, None)
        .unwrap()
        .unwrap();
    assert_eq!(hit.body, "narrow-new");
    assert_eq!(hit.window, narrow);
    assert_eq!(hit.scope, "transactions");
    assert_eq!(
        hit.rate_limit.as_deref(),
        Some(r#"{"account_success_remaining":"3"}"#)
    );

    let feb = Window::new(d("2024-02-01"), d("2024-02-28"));
    let hit = store
        .latest_covering("acc", "transactions", &feb, None)
        .unwrap()
        .unwrap();
    assert_eq!(hit.body, "wide-old");

    // Only responses fetched since the given instant count.
    let none = store
        .latest_covering("acc", "transactions", &feb, Some(t("2024-05-08T12:00:00Z")))
        .unwrap();
    assert_eq!(none, None);

    // An open end is covered only by an open end.
    let open_end = Window::new(d("2024-02-01"), None);
    let hit = store
        .latest_covering("acc", "transactions", &open_end, None)
        .unwrap()
        .unwrap();
    assert_eq!(hit.body, "open");

    let newest = store.latest_response("acc", "transactions").unwrap();
    assert_eq!(newest.unwrap().body, "narrow-new");
    assert_eq!(store.responses("acc").unwrap().len(), 3);
    assert_eq!(store.latest_response("acc", "balances").unwrap(), None);
}

#[test]
fn latest_keeps_only_the_newest_and_bodies_are_shared() {
    let (_dir, file, store) = open();
    for (i, body) in ["b1", "b2", "b2"].iter().enumerate() {
        let at = t("2024-05-01T00:00:00Z") + Duration::hours(i as i64);
        store
            .record_response(&latest("acc", "balances", body, at))
            .unwrap();
        store
            .record_response(&tx_response(body, Window::ALL, "2024-05-01T00:00:00Z"))
            .unwrap();
    }
    let infos = store.responses("acc").unwrap();
    assert_eq!(infos.iter().filter(|i| i.scope == "balances").count(), 1);
    assert_eq!(
        infos.iter().filter(|i| i.scope == "transactions").count(),
        3
    );
    let newest = store.latest_response("acc", "balances").unwrap().unwrap();
    assert_eq!(newest.body, "b2");
    assert_eq!(newest.fetched_at, t("2024-05-01T02:00:00Z"));
    let back = store.response(infos[0].id).unwrap().unwrap();
    assert_eq!(back.id, infos[0].id);
    assert_eq!(count(&file, "bodies"), 2, "b1 and b2, each stored once");

    // A replaced body nothing else holds is deleted with its response.
    store
        .record_response(&latest("other", "details", "d1", t("2024-05-02T00:00:00Z")))
        .unwrap();
    store
        .record_response(&latest("other", "details", "d2", t("2024-05-03T00:00:00Z")))
        .unwrap();
    assert_eq!(count(&file, "bodies"), 3, "b1, b2 and d2");
}

#[test]
fn budget_keeps_the_newest_report() {
    let (_dir, _file, store) = open();
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
    store.record_budget("acc", "transactions", &newer).unwrap();
    store.record_budget("acc", "transactions", &older).unwrap();
    let b = store.budget("acc", "transactions").unwrap().unwrap();
    assert_eq!(b, newer);
    assert!(b.is_spent_at(t("2024-05-10T07:59:59Z")));
    assert!(!b.is_spent_at(t("2024-05-10T08:00:00Z")));
    assert_eq!(store.budget("acc", "balances").unwrap(), None);

    // Recorded with a response, in the same transaction.
    let with_response = Budget {
        remaining: Some(3),
        updated_at: t("2024-05-10T09:00:00Z"),
        ..newer
    };
    store
        .record_response(&NewResponse {
            budget: Some(&with_response),
            ..tx_response("{}", Window::ALL, "2024-05-10T09:00:00Z")
        })
        .unwrap();
    assert_eq!(
        store.budget("acc", "transactions").unwrap(),
        Some(with_response)
    );
    assert_eq!(
        store.budgets("acc").unwrap(),
        vec![("transactions".to_owned(), with_response)]
    );
}

#[test]
fn summary_of_a_subject() {
    let (_dir, _file, store) = open();
    store
        .record_response(&tx_response("one", Window::ALL, "2024-05-08T00:00:00Z"))
        .unwrap();
    store
        .record_response(&tx_response("two", Window::ALL, "2024-05-09T00:00:00Z"))
        .unwrap();
    store
        .record_response(&latest("acc", "balances", "b", t("2024-05-07T00:00:00Z")))
        .unwrap();
    assert_eq!(
        store.summary("acc").unwrap(),
        vec![
            ScopeSummary {
                scope: "balances".to_owned(),
                last_fetch: t("2024-05-07T00:00:00Z"),
                stored: 1,
            },
            ScopeSummary {
                scope: "transactions".to_owned(),
                last_fetch: t("2024-05-09T00:00:00Z"),
                stored: 2,
            },
        ]
    );
    assert_eq!(store.summary("nobody").unwrap(), vec![]);
    assert_eq!(store.subjects().unwrap(), vec!["acc".to_owned()]);
}

#[test]
fn transaction_records_are_stored_once_and_pruned_with_their_responses() {
    let (_dir, file, store) = open();
    let bodies = [
        tx_body(&["a", "b", "c"]),
        tx_body(&["b", "c", "d"]),
        tx_body(&["c", "d", "e"]),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let at = t("2024-05-01T00:00:00Z") + Duration::days(i as i64);
        store.record_response(&history("acc", body, at)).unwrap();
    }
    assert_eq!(count(&file, "records"), 5, "a..e, once each");
    // Every response comes back byte for byte.
    for (info, body) in store.responses("acc").unwrap().iter().rev().zip(&bodies) {
        assert_eq!(&store.response(info.id).unwrap().unwrap().body, body);
    }

    // Nothing is old enough yet.
    assert_eq!(store.prune(t("2024-05-01T00:00:00Z")).unwrap(), 0);
    // Past the cutoff only the newest response stays, with its records.
    assert_eq!(store.prune(t("2025-06-01T00:00:00Z")).unwrap(), 2);
    assert_eq!(count(&file, "records"), 3, "c, d, e");
    assert_eq!(count(&file, "bodies"), 1);
    let kept = store
        .latest_response("acc", "transactions")
        .unwrap()
        .unwrap();
    assert_eq!(kept.body, bodies[2]);
}

/// Records are read back where they were written (runs of ids, which may
/// take in another response's records) and, when that falls short, through
/// their hashes: each response comes back byte for byte either way.
#[test]
fn records_come_back_from_their_runs_of_ids_or_else_by_hash() {
    let (_dir, file, store) = open();
    // The third response's records are the first's and a new one: its run
    // of ids spans the second's record, which must not be taken in. The
    // last is mostly records stored before (looked up before inserting)
    // and a new one.
    let bodies = [
        tx_body(&["a", "c"]),
        tx_body(&["b"]),
        tx_body(&["a", "c", "d"]),
        tx_body(&["d", "a", "d"]),
        tx_body(&["a", "b", "c", "d", "e"]),
    ];
    let mut ids = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let at = t("2024-05-01T00:00:00Z") + Duration::days(i as i64);
        ids.push(store.record_response(&history("acc", body, at)).unwrap());
    }
    assert_eq!(count(&file, "records"), 5);
    let read_back = || -> Vec<String> {
        ids.iter()
            .map(|id| store.response(*id).unwrap().unwrap().body)
            .collect()
    };
    assert_eq!(read_back(), bodies);
    // Apart: the newest response's records as their own texts, and the
    // rest of its body with the lists left empty.
    let apart = store
        .latest_covering_records("acc", "transactions", &Window::ALL, None)
        .unwrap()
        .unwrap();
    let newest = &bodies[4];
    let (head, tail) = newest.split_once(r#""booked":["#).unwrap();
    let (booked, tail) = tail.split_once(r#"],"pending":[]"#).unwrap();
    assert_eq!(
        apart.response.body,
        format!(r#"{head}"booked":[],"pending":[]{tail}"#)
    );
    let lists: Vec<(&str, String)> = apart
        .lists
        .iter()
        .map(|(p, r)| {
            (
                p.as_str(),
                r.iter().map(|t| &**t).collect::<Vec<_>>().join(","),
            )
        })
        .collect();
    assert_eq!(
        lists,
        [
            ("transactions.booked", booked.to_owned()),
            ("transactions.pending", String::new())
        ]
    );

    // Runs that say nothing useful: missing (a store written before they
    // were kept), unreadable, or pointing elsewhere.
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    for runs in [None, Some("x-1,"), Some("1000-2000")] {
        conn.execute(
            "UPDATE bodies SET ids = ?1 WHERE ids IS NOT NULL OR lists IS NOT NULL",
            [runs],
        )
        .unwrap();
        assert_eq!(read_back(), bodies, "runs {runs:?}");
    }
}

#[test]
fn the_newest_of_each_subject_and_scope_survives_pruning() {
    let (_dir, _file, store) = open();
    let old = t("2023-01-01T00:00:00Z");
    store.record_response(&history("a", "1", old)).unwrap();
    store
        .record_response(&history("a", "2", old + Duration::hours(1)))
        .unwrap();
    store.record_response(&history("b", "3", old)).unwrap();
    store
        .record_response(&latest("a", "balances", "4", old))
        .unwrap();
    assert_eq!(store.prune(t("2024-01-01T00:00:00Z")).unwrap(), 1);
    let bodies = |s: &str| -> Vec<String> {
        store
            .responses(s)
            .unwrap()
            .iter()
            .map(|i| store.response(i.id).unwrap().unwrap().body)
            .collect()
    };
    assert_eq!(bodies("a"), ["2", "4"]);
    assert_eq!(bodies("b"), ["3"]);
}

/// A response handed to the recorder, as the GoCardless source hands its
/// answers over.
fn recording(subject: &str, body: String, at: &str, budget: Option<Budget>) -> Recording {
    Recording {
        subject: subject.to_owned(),
        scope: "transactions",
        window: Window::ALL,
        keep: Keep::History,
        records: &super::GOCARDLESS_LISTS,
        body: body.into(),
        fetched_at: t(at),
        rate_limit: None,
        budget,
    }
}

#[test]
fn what_is_recorded_soon_reads_back_at_once_and_outlives_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let file = Store::open(&path).unwrap();
    let store = gocardless(&file);
    let budget = Budget {
        remaining: Some(2),
        limit: Some(4),
        reset_at: None,
        updated_at: t("2024-05-10T09:00:00Z"),
    };
    let body = tx_body(&["a", "b"]);
    store.record_soon(recording(
        "acc",
        body.clone(),
        "2024-05-10T09:00:00Z",
        Some(budget),
    ));
    // Read at once, as if recorded at once: the response and its budget.
    let back = store
        .latest_response("acc", "transactions")
        .unwrap()
        .unwrap();
    assert_eq!(back.body, body);
    assert_eq!(store.budget("acc", "transactions").unwrap(), Some(budget));

    // Many handed over, then a write asked for at once: it comes after
    // them (the newest budget is the one written last).
    for i in 0..20 {
        store.record_soon(recording(
            &format!("acc{}", i % 3),
            tx_body(&[&format!("r{i}"), "shared"]),
            &format!("2024-05-11T00:00:{i:02}Z"),
            None,
        ));
    }
    let later = Budget {
        remaining: Some(0),
        updated_at: t("2024-05-12T00:00:00Z"),
        ..budget
    };
    store.record_budget("acc0", "transactions", &later).unwrap();
    assert_eq!(store.budget("acc0", "transactions").unwrap(), Some(later));

    // More handed over, and the store closed at once: all of it is there
    // when it opens again, each record once.
    for i in 20..40 {
        store.record_soon(recording(
            "acc",
            tx_body(&[&format!("r{i}"), "shared"]),
            &format!("2024-05-13T00:00:{i:02}Z"),
            None,
        ));
    }
    drop(store);
    drop(file);
    let file = Store::open(&path).unwrap();
    let store = gocardless(&file);
    assert_eq!(store.responses("acc").unwrap().len(), 21);
    assert_eq!(store.subjects().unwrap(), ["acc", "acc0", "acc1", "acc2"]);
    // a, b, shared, r0..r39.
    assert_eq!(count(&file, "records"), 43);
    let newest = store
        .latest_response("acc", "transactions")
        .unwrap()
        .unwrap();
    assert_eq!(newest.body, tx_body(&["r39", "shared"]));
}

#[test]
fn a_recording_not_of_the_records_shape_is_kept_whole_beside_the_rest() {
    let (_dir, file, store) = open();
    // Not the shape the record paths describe: stored whole.
    store.record_soon(recording(
        "acc",
        "[1, 2]".to_owned(),
        "2024-05-10T09:00:00Z",
        None,
    ));
    store.record_soon(recording(
        "acc",
        tx_body(&["x"]),
        "2024-05-10T10:00:00Z",
        None,
    ));
    assert_eq!(store.responses("acc").unwrap().len(), 2);
    assert_eq!(count(&file, "records"), 1);
}
