//! Each error class and the retry rules, against injected faults and a
//! real rate limit; requests are counted on the server, never timed.

use std::time::Duration;

use fake_gocardless_pro::{FakeServer, Fault, FaultKind, Options};
use gocardless_pro::model::{CreditorId, PaymentId, PayoutId};
use gocardless_pro::{Client, Environment, Error, PayoutFilter, RetryPolicy, Secret};

use crate::common::{builder, client, fast_retry, server};

fn creditor(server: &FakeServer) -> CreditorId {
    CreditorId::new(server.creditor_ids()[0].clone())
}

/// Neither the message nor the debug form of `e` shows the token.
fn assert_hidden(e: &Error, token: &str) {
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(token), "{shown}");
    assert!(!shown.contains(&token["sandbox_".len()..]), "{shown}");
}

#[test]
fn a_refused_token_is_an_authentication_error_and_not_retried() {
    let server = server();
    let wrong = "sandbox_not-the-right-token-0123456789";
    let client = Client::builder(Secret::new(wrong), Environment::Sandbox)
        .base_url(&server.base_url())
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = client.creditor(&creditor(&server)).unwrap_err();
    assert!(matches!(e, Error::Authentication { .. }), "{e:?}");
    assert_eq!(e.status(), Some(401));
    let msg = e.to_string();
    assert!(
        msg.contains("get creditor") && msg.contains("\"Unauthorized\""),
        "{msg}"
    );
    assert!(msg.contains("sandbox"), "says what to check: {msg}");
    assert_eq!(
        e.api().unwrap().errors[0].reason.as_deref(),
        Some("unauthorized")
    );
    assert!(e.api().unwrap().request_id.is_some());
    assert_eq!(server.count("GET", "/creditors"), 1);
    assert!(!format!("{client:?}").contains("right-token"));
}

#[test]
fn a_token_echoed_by_the_server_is_never_shown() {
    let server = server();
    let token = server.access_token();
    let client = client(&server);
    assert!(!format!("{client:?}").contains(&token));
    for (status, times) in [(401, 1), (400, 1), (500, 100), (200, 100)] {
        server.inject(Fault::next("/payouts", times, FaultKind::EchoToken(status)));
        let e = client
            .payouts(&PayoutFilter::default())
            .next()
            .unwrap()
            .unwrap_err();
        assert_hidden(&e, &token);
        assert!(format!("{e}").contains("[redacted]"), "{e}");
        server.reset_counters();
        server.clear_faults();
    }
}

#[test]
fn the_other_classes_follow_the_status_and_the_body_type() {
    let server = server();
    let client = client(&server);
    let id = creditor(&server);
    type Is = fn(&Error) -> bool;
    let cases: [(u16, Is); 6] = [
        (403, |e| matches!(e, Error::Permissions { .. })),
        (422, |e| matches!(e, Error::ValidationFailed { .. })),
        (400, |e| matches!(e, Error::InvalidApiUsage { .. })),
        (409, |e| matches!(e, Error::InvalidState { .. })),
        (404, |e| e.is_not_found()),
        (405, |e| matches!(e, Error::InvalidApiUsage { .. })),
    ];
    for (status, is) in cases {
        server.reset_counters();
        server.clear_faults();
        server.inject(Fault::next("/creditors/", 1, FaultKind::Status(status)));
        let e = client.creditor(&id).unwrap_err();
        assert!(is(&e), "{status}: {e:?}");
        assert_eq!(e.status(), Some(status));
        assert!(!e.is_transient());
        assert!(
            e.to_string().contains(&format!("get creditor {id}: ")),
            "{e}"
        );
        assert_eq!(
            server.count("GET", "/creditors/"),
            1,
            "{status} is not retried"
        );
    }
    server.inject(Fault::next("/creditors/", 1, FaultKind::Status(422)));
    let e = client.creditor(&id).unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(
        (api.kind.as_deref(), api.errors[0].field.as_deref()),
        (Some("validation_failed"), Some("limit"))
    );
    assert!(e.to_string().contains("limit must be a number"), "{e}");
}

#[test]
fn unknown_ids_are_not_found_and_bad_ids_never_sent() {
    let server = server();
    let client = client(&server);
    let e = client
        .payment(&PaymentId::new("PM00NOSUCHTHING"))
        .unwrap_err();
    assert!(
        e.is_not_found() && matches!(e, Error::InvalidApiUsage { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("\"Resource not found\""), "{e}");
    server.reset_counters();
    server.clear_faults();
    for bad in ["../creditors", "PM1?limit=1", ""] {
        let e = client.payment(&PaymentId::new(bad)).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        let e = client
            .payout_items(&PayoutId::new(bad))
            .next()
            .unwrap()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        let filter = PayoutFilter {
            creditor: Some(CreditorId::new(bad)),
            ..PayoutFilter::default()
        };
        assert!(client.payouts(&filter).next().unwrap().is_err());
    }
    assert!(server.requests().is_empty());
}

#[test]
fn server_errors_are_retried_until_they_pass_or_the_attempts_are_spent() {
    let server = server();
    let client = client(&server);
    let id = creditor(&server);
    let attempts = fast_retry().max_attempts as usize;

    server.inject(Fault::next("/creditors/", 2, FaultKind::Status(503)));
    client.creditor(&id).unwrap();
    assert_eq!(server.count("GET", "/creditors/"), 3);

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next("/creditors/", 1, FaultKind::Html(502)));
    client.creditor(&id).unwrap();
    assert_eq!(server.count("GET", "/creditors/"), 2);

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next("/creditors/", 100, FaultKind::Status(500)));
    let e = client.creditor(&id).unwrap_err();
    assert!(
        matches!(e, Error::Internal { .. }) && e.is_transient(),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("\"Uh-oh!\"") && e.to_string().contains("request id"),
        "{e}"
    );
    assert_eq!(server.count("GET", "/creditors/"), attempts);

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next("/creditors/", 100, FaultKind::Html(502)));
    let e = client.creditor(&id).unwrap_err();
    assert!(matches!(e, Error::Internal { .. }), "{e:?}");
    assert!(e.to_string().contains("nginx"), "{e}");
    assert_eq!(server.count("GET", "/creditors/"), attempts);
}

#[test]
fn unreadable_answers_are_retried_then_malformed() {
    let server = server();
    let client = client(&server);
    server.inject(Fault::next("/payouts", 2, FaultKind::Malformed));
    assert!(
        client
            .payouts(&PayoutFilter::default())
            .next()
            .unwrap()
            .is_ok()
    );
    assert_eq!(server.count("GET", "/payouts"), 3);

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next("/payouts", 100, FaultKind::Malformed));
    let e = client
        .payouts(&PayoutFilter::default())
        .next()
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, Error::Malformed { status: 200, .. }), "{e:?}");
    assert_eq!(
        server.count("GET", "/payouts"),
        fast_retry().max_attempts as usize
    );

    // A record whose amount is not whole pence is refused, not guessed.
    server.reset_counters();
    server.clear_faults();
    let body = r#"{"payouts": [{"id": "PO1", "amount": "12.5", "currency": "GBP"}],
        "meta": {"cursors": {"after": null}, "limit": 500}}"#;
    server.inject(Fault::next(
        "/payouts",
        100,
        FaultKind::Respond {
            status: 200,
            body: body.into(),
        },
    ));
    let e = client
        .payouts(&PayoutFilter::default())
        .next()
        .unwrap()
        .unwrap_err();
    assert!(e.to_string().contains("whole minor units"), "{e}");

    // A cursor that comes back would page for ever.
    server.reset_counters();
    server.clear_faults();
    let body = r#"{"payouts": [], "meta": {"cursors": {"after": "PO1"}, "limit": 500}}"#;
    server.inject(Fault::next(
        "/payouts",
        100,
        FaultKind::Respond {
            status: 200,
            body: body.into(),
        },
    ));
    let e = client
        .payouts(&PayoutFilter::default())
        .next()
        .unwrap()
        .unwrap_err();
    assert!(e.to_string().contains("came back again"), "{e}");
    assert_eq!(server.count("GET", "/payouts"), 2);
}

#[test]
fn dropped_connections_and_timeouts_are_retried() {
    let server = server();
    let id = creditor(&server);
    let client = builder(&server)
        .timeouts(Duration::from_secs(5), Duration::from_millis(500))
        .build()
        .unwrap();
    server.inject(Fault::next("/creditors/", 1, FaultKind::Drop));
    client.creditor(&id).unwrap();
    assert_eq!(server.count("GET", "/creditors/"), 2);

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next("/creditors/", 100, FaultKind::Drop));
    let e = client.creditor(&id).unwrap_err();
    assert!(
        matches!(e, Error::Connection { .. }) && e.is_transient(),
        "{e:?}"
    );
    assert_eq!(
        server.count("GET", "/creditors/"),
        fast_retry().max_attempts as usize
    );

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next(
        "/creditors/",
        1,
        FaultKind::Slow(Duration::from_secs(2)),
    ));
    client.creditor(&id).unwrap();
    assert_eq!(server.count("GET", "/creditors/"), 2);

    let once = builder(&server)
        .timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    server.inject(Fault::next(
        "/creditors/",
        1,
        FaultKind::Slow(Duration::from_secs(2)),
    ));
    let e = once.creditor(&id).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

#[test]
fn an_unreachable_server_is_a_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder(Secret::new("sandbox_x"), Environment::Sandbox)
        .base_url(&format!("http://127.0.0.1:{port}"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = client.creditors().next().unwrap().unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert!(e.to_string().contains("list creditors"), "{e}");
}

#[test]
fn a_short_rate_limit_is_waited_out_and_a_long_one_returned() {
    let server = server();
    let client = client(&server);
    let id = creditor(&server);
    server.inject(Fault::next(
        "/creditors/",
        1,
        FaultKind::RateLimited { seconds: 1 },
    ));
    client.creditor(&id).unwrap();
    assert_eq!(server.count("GET", "/creditors/"), 2);

    server.reset_counters();
    server.clear_faults();
    server.inject(Fault::next(
        "/creditors/",
        1,
        FaultKind::RateLimited { seconds: 3600 },
    ));
    let e = client.creditor(&id).unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    let Error::RateLimited { rate_limit, .. } = &e else {
        unreachable!()
    };
    assert_eq!(
        (rate_limit.limit, rate_limit.remaining),
        (Some(1000), Some(0))
    );
    assert!(e.to_string().contains("try again in 3600 s"), "{e}");
    assert!(e.to_string().contains("\"Rate limit exceeded\""), "{e}");
    assert_eq!(server.count("GET", "/creditors/"), 1);
}

#[test]
fn the_enforced_rate_limit_is_respected() {
    let server = FakeServer::start(Options {
        rate_limit: 3,
        rate_window: Duration::from_secs(2),
        ..Options::default()
    });
    let client = client(&server);
    let id = creditor(&server);
    for _ in 0..5 {
        client.creditor(&id).unwrap();
    }
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
}
