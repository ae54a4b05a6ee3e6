//! Each error kind and the retry rules, against injected faults; calls are
//! counted on the server, never timed.

use std::time::Duration;

use crate::common::{Fake, fast_retry};
use fake_gocardless::{Fault, FaultKind};
use gocardless::model::{InstitutionFilter, RequisitionRequest};
use gocardless::{Error, RetryPolicy};

fn balances_path(fake: &Fake) -> String {
    format!("/api/v2/accounts/{}/balances/", fake.account(0))
}

#[test]
fn a_503_is_retried_with_back_off_until_it_passes() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/balances/", 2, FaultKind::Status(503)));
    client.account_balances(&fake.account(0)).unwrap();
    assert_eq!(fake.count("GET", &balances_path(&fake)), 3);
}

#[test]
fn retries_stop_at_max_attempts_with_the_server_error() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/balances/", 100, FaultKind::Status(503)));
    let e = client.account_balances(&fake.account(0)).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    assert_eq!(e.status(), Some(503));
    assert!(e.is_transient());
    let msg = e.to_string();
    assert!(msg.contains("GET balances for account"), "{msg}");
    assert_eq!(
        fake.count("GET", &balances_path(&fake)),
        fast_retry().max_attempts as usize
    );
}

#[test]
fn retries_stop_when_the_total_time_is_spent() {
    let fake = Fake::default();
    let client = fake
        .builder()
        .retry(RetryPolicy {
            max_attempts: 1000,
            base_delay: Duration::from_millis(5),
            max_total: Duration::from_millis(300),
            ..fast_retry()
        })
        .build()
        .unwrap();
    fake.server
        .inject(Fault::next("/balances/", 100, FaultKind::Status(500)));
    let e = client.account_balances(&fake.account(0)).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    let n = fake.count("GET", &balances_path(&fake));
    // Doubling delays from 5 ms fill 300 ms after about eight retries.
    assert!((2..30).contains(&n), "bounded by time, not by count: {n}");
}

#[test]
fn a_dropped_connection_is_retried() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/balances/", 1, FaultKind::Drop));
    client.account_balances(&fake.account(0)).unwrap();
    assert_eq!(fake.count("GET", &balances_path(&fake)), 2);

    fake.server
        .inject(Fault::next("/balances/", 100, FaultKind::Drop));
    let e = client.account_balances(&fake.account(0)).unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert_eq!(e.account_id(), Some(fake.account(0).as_str()));
}

#[test]
fn nothing_listening_is_a_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = gocardless::Client::builder("id", gocardless::Secret::new("key"))
        .base_url(&format!("http://127.0.0.1:{port}/api/v2"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = client.account_balances("acc").unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert!(
        e.to_string().contains("POST token/new for account acc"),
        "{e}"
    );
}

#[test]
fn a_post_is_not_repeated_after_an_ambiguous_failure() {
    let fake = Fake::default();
    let client = fake.client();
    let req = RequisitionRequest::new(fake.server.institution_id(), "http://localhost/cb");
    fake.server
        .inject(Fault::next("/requisitions/", 1, FaultKind::Status(500)));
    let e = client.create_requisition(&req).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    assert_eq!(fake.count("POST", "/api/v2/requisitions/"), 1);
    // A 503 means "not processed": safe to send again.
    fake.server
        .inject(Fault::next("/requisitions/", 1, FaultKind::Status(503)));
    client.create_requisition(&req).unwrap();
    assert_eq!(fake.count("POST", "/api/v2/requisitions/"), 3);
}

#[test]
fn a_short_api_rate_limit_is_waited_out() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server.inject(Fault::next(
        "/institutions/",
        1,
        FaultKind::ApiRateLimit { seconds: 0 },
    ));
    client.institutions(&InstitutionFilter::default()).unwrap();
    assert_eq!(fake.count("GET", "/api/v2/institutions/"), 2);
}

#[test]
fn a_long_api_rate_limit_is_returned_at_once() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server.inject(Fault::next(
        "/institutions/",
        1,
        FaultKind::ApiRateLimit { seconds: 3600 },
    ));
    let e = client
        .institutions(&InstitutionFilter::default())
        .unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert!(!e.is_daily_limit());
    assert_eq!(fake.count("GET", "/api/v2/institutions/"), 1);
}

#[test]
fn the_bank_daily_limit_is_never_retried() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/transactions/", 1, FaultKind::BankDailyLimit));
    let e = client
        .account_transactions(&fake.account(0), None, None)
        .unwrap_err();
    assert!(e.is_daily_limit(), "{e:?}");
    assert!(e.retry_after().is_some());
    assert_eq!(e.rate_limit().unwrap().account_success_remaining, Some(0));
    assert_eq!(fake.count("GET", "/api/v2/accounts/"), 1);
    // The per-day API limit on an account endpoint counts as the daily limit too.
    fake.server.inject(Fault::next(
        "/transactions/",
        1,
        FaultKind::ApiRateLimit { seconds: 0 },
    ));
    let e = client
        .account_transactions(&fake.account(0), None, None)
        .unwrap_err();
    assert!(e.is_daily_limit(), "{e:?}");
    assert_eq!(fake.count("GET", "/api/v2/accounts/"), 2);
}

#[test]
fn a_slow_answer_is_a_timeout() {
    let fake = Fake::default();
    let client = fake
        .builder()
        .timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.account_metadata(&fake.account(0)).unwrap(); // the token first
    fake.server.inject(Fault::next(
        "/balances/",
        1,
        FaultKind::Slow(Duration::from_secs(3)),
    ));
    let e = client.account_balances(&fake.account(0)).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.is_transient());
}

#[test]
fn a_malformed_body_is_reported_with_its_start() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/balances/", 1, FaultKind::Malformed));
    let e = client.account_balances(&fake.account(0)).unwrap_err();
    let Error::Malformed {
        status, body_start, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 200);
    assert!(!body_start.is_empty());
    assert!(e.to_string().contains("GET balances for account"), "{e}");
}

#[test]
fn a_malformed_token_answer_quotes_nothing() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/token/new/", 1, FaultKind::Malformed));
    let e = client.account_balances(&fake.account(0)).unwrap_err();
    let Error::Malformed { body_start, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(body_start.is_empty(), "a token body may hold secrets");
}

#[test]
fn each_status_gives_its_error_kind() {
    let fake = Fake::default();
    let client = fake.client();
    let id = fake.account(0);
    type Check = fn(&Error) -> bool;
    let cases: &[(u16, Check)] = &[
        (400, |e| matches!(e, Error::Validation { .. })),
        (402, |e| matches!(e, Error::Forbidden { .. })),
        (403, |e| matches!(e, Error::Forbidden { .. })),
        (404, |e| matches!(e, Error::NotFound { .. })),
        (409, |e| matches!(e, Error::AccountState { .. })),
        (405, |e| matches!(e, Error::Http { .. })),
    ];
    for (status, ok) in cases {
        fake.server
            .inject(Fault::next("/details/", 1, FaultKind::Status(*status)));
        let e = client.account_details(&id).unwrap_err();
        assert!(ok(&e), "{status}: {e:?}");
        assert_eq!(e.status(), Some(*status));
        assert_eq!(e.account_id(), Some(id.as_str()));
    }
    // Not retried: one call each.
    assert_eq!(
        fake.count("GET", &format!("/api/v2/accounts/{id}/details/")),
        cases.len()
    );
}

#[test]
fn an_expired_agreement_is_recognised_at_every_status() {
    let fake = Fake::default();
    let client = fake.client();
    for (i, status) in [400, 401, 403].into_iter().enumerate() {
        let id = fake.account(i % 2);
        fake.server.expire_access_with_status(&id, status);
        let e = client.account_transactions(&id, None, None).unwrap_err();
        assert!(e.is_access_expired(), "{status}: {e:?}");
        assert!(e.to_string().contains("connect the account again"), "{e}");
    }
    assert_eq!(
        fake.token_refresh(),
        0,
        "an expired agreement is not a token problem"
    );
}

#[test]
fn validation_errors_carry_the_fields() {
    let fake = Fake::default();
    let client = fake.client();
    let e = client
        .create_requisition(&RequisitionRequest::new("", ""))
        .unwrap_err();
    let Error::Validation { fields, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(!fields.is_empty(), "{e}");
    let future = fake.server.now().date_naive() + chrono::Duration::days(5);
    let e = client
        .account_transactions(&fake.account(0), Some(future), None)
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
}
