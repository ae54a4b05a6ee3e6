//! Retries, back-off, `Retry-After`, and pushes that survive lost answers.

use std::time::Duration;

use codat::{Client, Error, IdempotencyKey, PushStatus, RetryPolicy, Secret};
use fake_codat::{FakeServer, Fault, FaultKind, Options};

use crate::common::*;

fn push_posts(server: &FakeServer) -> Vec<fake_codat::RequestLog> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/bankTransactions"))
        .collect()
}

#[test]
fn a_503_after_the_push_was_stored_is_retried_under_the_same_key_and_stores_once() {
    for kind in [
        FaultKind::StatusAfterHandling(503),
        FaultKind::DropAfterHandling,
    ] {
        let server = connected_server();
        let client = client(&server);
        let feed = feed(&server);
        create_account(&client, &feed, "acc-1");
        server.inject(Fault::next("/bankTransactions", 1, kind.clone()));
        let b = batch("t", date(2026, 11, 1), 5, "3.33", "0");
        let key = IdempotencyKey::for_batch("acc-1", &b);
        let op = client.push_transactions(&feed, "acc-1", &b, &key).unwrap();
        let done = client
            .wait_for_push(&server.company_id(), &op.push_operation_key)
            .unwrap();
        assert_eq!(done.status, PushStatus::Success, "{kind:?}");

        let posts = push_posts(&server);
        assert_eq!(posts.len(), 2, "{kind:?}: one lost answer, one retry");
        assert!(
            posts
                .iter()
                .all(|p| p.idempotency_key.as_deref() == Some(key.as_str()))
        );
        assert_eq!(server.push_operation_count(), 1, "{kind:?}");
        assert_eq!(
            server.transactions("acc-1").len(),
            5,
            "{kind:?}: stored once"
        );
    }
}

#[test]
fn a_lost_answer_to_creating_an_account_is_retried_without_a_conflict() {
    let server = FakeServer::start(Options::default());
    let client = client(&server);
    server.inject(Fault::next(
        "/bankFeedAccounts",
        1,
        FaultKind::StatusAfterHandling(500),
    ));
    create_account(&client, &feed(&server), "acc-1");
    let posts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(posts[0].idempotency_key.is_some());
    assert_eq!(posts[0].idempotency_key, posts[1].idempotency_key);
    assert_eq!(posts[1].status, 200, "the first answer, replayed");
}

#[test]
fn declared_failures_are_retried_and_others_are_not() {
    let server = FakeServer::start(Options::default());
    let client = client_with(&server, quick_retry(3));
    let company = server.company_id();
    for status in [408, 429, 500, 502, 503] {
        server.reset_counters();
        server.inject(Fault::next("/companies/", 2, FaultKind::Status(status)));
        client.company(&company).unwrap();
        assert_eq!(server.count("GET", ""), 3, "{status}");
    }
    for status in [400, 402, 403, 404, 409] {
        server.reset_counters();
        server.inject(Fault::next("/companies/", 1, FaultKind::Status(status)));
        let e = client.company(&company).unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert_eq!(server.count("GET", ""), 1, "{status}");
    }
    // Out of attempts: the last error, saying what to do.
    server.reset_counters();
    server.inject(Fault::next("/companies/", 3, FaultKind::Status(503)));
    let e = client.company(&company).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    assert!(e.is_transient());
    assert!(
        e.to_string()
            .contains("temporarily offline for maintenance"),
        "{e}"
    );
    assert_eq!(server.count("GET", ""), 3);
}

#[test]
fn each_status_maps_to_its_error() {
    let server = FakeServer::start(Options::default());
    let client = client_with(&server, RetryPolicy::none());
    let company = server.company_id();
    for (status, check) in [
        (
            401,
            (|e: &Error| matches!(e, Error::Unauthorized { .. })) as fn(&Error) -> bool,
        ),
        (402, |e| matches!(e, Error::PaymentRequired { .. })),
        (403, |e| matches!(e, Error::Forbidden { .. })),
        (404, |e| matches!(e, Error::NotFound { .. })),
        (409, |e| matches!(e, Error::Conflict { .. })),
        (429, |e| matches!(e, Error::RateLimited { .. })),
        (500, |e| matches!(e, Error::Server { .. })),
        (418, |e| matches!(e, Error::Http { .. })),
    ] {
        server.inject(Fault::next("/companies/", 1, FaultKind::Status(status)));
        let e = client.company(&company).unwrap_err();
        assert!(check(&e), "{status}: {e:?}");
        let m = e.api_message().unwrap();
        assert_eq!(m.status, status);
        assert_eq!(m.service.as_deref(), Some("PublicApi"));
        assert!(m.correlation_id.is_some());
        assert!(e.to_string().starts_with("GET company for company "), "{e}");
    }
}

#[test]
fn a_push_conflict_means_in_progress_and_is_retried() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    server.inject(Fault::next("/bankTransactions", 1, FaultKind::Status(409)));
    let b = batch("t", date(2026, 11, 1), 1, "1", "0");
    client
        .push_transactions(&feed, "acc-1", &b, &IdempotencyKey::for_batch("acc-1", &b))
        .unwrap();
    assert_eq!(push_posts(&server).len(), 2);
}

#[test]
fn retry_after_decides_whether_a_429_is_waited_out() {
    let server = FakeServer::start(Options::default());
    let company = server.company_id();
    let policy = |max_api_wait| RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::ZERO,
        max_total: Duration::from_secs(30),
        max_api_wait,
    };
    // Within what the policy waits out: waited, then the retry succeeds.
    let client = client_with(&server, policy(Duration::from_secs(5)));
    server.inject(Fault::next(
        "/companies/",
        1,
        FaultKind::RateLimit {
            retry_after: Some(1),
        },
    ));
    client.company(&company).unwrap();
    assert_eq!(server.count("GET", ""), 2);

    // Longer than that: returned at once, with the wait asked for.
    server.reset_counters();
    server.inject(Fault::next(
        "/companies/",
        1,
        FaultKind::RateLimit {
            retry_after: Some(120),
        },
    ));
    let e = client.company(&company).unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert!(e.to_string().contains("retry in 120 s"), "{e}");
    assert_eq!(server.count("GET", ""), 1);

    // The same one-second wait is too long for a policy that waits none.
    server.reset_counters();
    let impatient = client_with(&server, policy(Duration::ZERO));
    server.inject(Fault::next(
        "/companies/",
        1,
        FaultKind::RateLimit {
            retry_after: Some(1),
        },
    ));
    assert!(matches!(
        impatient.company(&company).unwrap_err(),
        Error::RateLimited { .. }
    ));
    assert_eq!(server.count("GET", ""), 1);

    // No Retry-After: ordinary back-off.
    server.reset_counters();
    server.inject(Fault::next(
        "/companies/",
        1,
        FaultKind::RateLimit { retry_after: None },
    ));
    client.company(&company).unwrap();
    assert_eq!(server.count("GET", ""), 2);
}

#[test]
fn dropped_slow_and_malformed_answers() {
    let server = FakeServer::start(Options::default());
    let company = server.company_id();
    let client = client(&server);
    server.inject(Fault::next("/companies/", 2, FaultKind::Drop));
    client.company(&company).unwrap();
    assert_eq!(server.count("GET", ""), 3);

    server.inject(Fault::next("/companies/", 1, FaultKind::Malformed));
    let e = client.company(&company).unwrap_err();
    let Error::Malformed {
        status, body_start, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 200);
    assert!(body_start.starts_with('{'), "{body_start}");

    let hasty = Client::builder(Secret::new(server.api_key()))
        .base_url(&server.base_url())
        .retry(RetryPolicy::none())
        .timeouts(Duration::from_secs(2), Duration::from_millis(300))
        .build()
        .unwrap();
    server.inject(Fault::next(
        "/companies/",
        1,
        FaultKind::Slow(Duration::from_secs(2)),
    ));
    let e = hasty.company(&company).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");

    let gone = Client::builder(Secret::new("k"))
        .base_url("http://127.0.0.1:1")
        .retry(quick_retry(2))
        .build()
        .unwrap();
    let e = gone.company(&company).unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
}

#[test]
fn a_wrong_key_is_unauthorized_and_not_retried() {
    let server = FakeServer::start(Options::default());
    let client = Client::builder(Secret::new("not-the-key"))
        .base_url(&server.base_url())
        .retry(quick_retry(4))
        .build()
        .unwrap();
    let e = client.company(&server.company_id()).unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(
        e.to_string().contains("check the key in the Codat Portal"),
        "{e}"
    );
    assert_eq!(server.count("GET", ""), 1);
}

#[test]
fn configuration_is_checked() {
    for (url, says) in [
        ("http://api.codat.io", "plain http"),
        ("https://user:pw@api.codat.io", "user name or password"),
    ] {
        let e = Client::builder(Secret::new("k"))
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    let e = Client::builder(Secret::new("  ")).build().unwrap_err();
    assert!(e.to_string().contains("API key is empty"), "{e}");
    let c = Client::builder(Secret::new("k")).build().unwrap();
    assert_eq!(c.base_url(), "https://api.codat.io/");
}

/// A server that answers each request with the next of `answers` (then 200
/// `{}`), counting them.
fn scripted(
    answers: Vec<fake_http::Resp>,
) -> (
    fake_http::Server,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let server = fake_http::Server::start("127.0.0.1:0", "scripted", move |_: &fake_http::Req| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        Some(answers.get(n).cloned().unwrap_or_else(|| {
            fake_http::Resp::json(200, &serde_json::json!({"id": "c", "name": "n"}))
        }))
    })
    .unwrap();
    (server, seen)
}

#[test]
fn retry_after_as_an_http_date_and_an_explicit_refusal_to_retry() {
    use std::sync::atomic::Ordering;
    let err = |status: u16, retried: &str| {
        fake_http::Resp::json(
            status,
            &serde_json::json!({"statusCode": status, "error": "busy", "canBeRetried": retried}),
        )
    };
    let client = |port: u16| {
        Client::builder(Secret::new("k"))
            .base_url(&format!("http://127.0.0.1:{port}"))
            .retry(RetryPolicy {
                max_api_wait: Duration::ZERO,
                ..quick_retry(3)
            })
            .build()
            .unwrap()
    };
    // A date already past is no wait at all.
    let (server, seen) = scripted(vec![
        err(429, "Unknown").with_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
    ]);
    client(server.port()).company("c").unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 2);

    // A date far ahead is returned at once.
    let (server, seen) = scripted(vec![
        err(429, "Unknown").with_header("Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT"),
    ]);
    let e = client(server.port()).company("c").unwrap_err();
    assert!(e.retry_after().unwrap() > Duration::from_secs(365 * 24 * 3600));
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // `canBeRetried: False` is taken at its word.
    let (server, seen) = scripted(vec![err(503, "False")]);
    assert!(matches!(
        client(server.port()).company("c").unwrap_err(),
        Error::Server { .. }
    ));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    let (server, seen) = scripted(vec![err(503, "True")]);
    client(server.port()).company("c").unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}
