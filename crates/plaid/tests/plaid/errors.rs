//! Every error kind, and the retry rules: reads are retried after any
//! transient failure, creations only when they cannot have been
//! processed. Calls are counted on the server.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Duration as Days;
use fake_http::Resp;
use fake_plaid::{Fault, FaultKind};
use plaid::{Error, ItemAccess, LinkTokenRequest, RetryPolicy, Secret, SyncOptions};

use crate::common::{Fake, fast_retry, serve, some_item};

fn attempts() -> usize {
    fast_retry().max_attempts as usize
}

#[test]
fn wrong_keys_say_which_keys_to_check() {
    let fake = Fake::default();
    let client = plaid::Client::builder(
        Secret::new(fake.server.client_id()),
        Secret::new("not-the-secret"),
    )
    .base_url(&fake.server.base_url())
    .retry(fast_retry())
    .build()
    .unwrap();
    let e = client
        .create_link_token(&LinkTokenRequest::new("app", "u"))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidApiKeys { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.starts_with("POST /link/token/create: "), "{msg}");
    assert!(
        msg.contains("INVALID_API_KEYS") && msg.contains("`client_id` and `secret`"),
        "{msg}"
    );
    assert!(e.request_id().is_some());
    assert_eq!(e.status(), Some(400));
    assert!(!e.is_transient());
    assert_eq!(fake.count("/link/token/create"), 1);
}

#[test]
fn an_unknown_access_token_says_to_link_again() {
    let fake = Fake::default();
    let client = fake.client();
    let item = ItemAccess::new(Secret::new("access-sandbox-unknown")).with_item_id("item-9");
    let e = client.accounts(&item).unwrap_err();
    assert!(matches!(e, Error::InvalidAccessToken { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("/accounts/get for item item-9"), "{msg}");
    assert!(msg.contains("`gc-beancount link --source bank`"), "{msg}");
    assert_eq!(fake.count("/accounts/get"), 1);
}

#[test]
fn login_required_names_the_update_mode_command_for_the_item() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    let id = item.item_id.clone().unwrap();
    fake.server.require_login(&id);
    fake.server.reset_counters();
    for e in [
        client
            .sync(&item, None, &SyncOptions::default())
            .unwrap_err(),
        client.accounts(&item).unwrap_err(),
        client.balances(&item, &[]).unwrap_err(),
    ] {
        assert!(e.is_login_required(), "{e:?}");
        assert_eq!(e.item_id(), Some(id.as_str()));
        assert_eq!(e.error_code(), Some("ITEM_LOGIN_REQUIRED"));
        let want = format!("`gc-beancount link --source bank --item {id}`");
        assert!(e.to_string().contains(&want), "{e}");
    }
    assert_eq!(fake.server.requests().len(), 3, "never retried");
    // Without the Item's id the command has a placeholder.
    let anonymous = ItemAccess::new(item.access_token.clone());
    let e = client.accounts(&anonymous).unwrap_err();
    assert!(e.to_string().contains("--item ITEM_ID`"), "{e}");
    fake.server.reauthenticate(&id);
    client.accounts(&item).unwrap();
}

#[test]
fn the_balance_limit_backs_off_then_gives_up_until_the_minute_passes() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    for _ in 0..5 {
        client.balances(&item, &[]).unwrap();
    }
    let e = client.balances(&item, &[]).unwrap_err();
    assert!(e.is_rate_limited() && e.is_transient(), "{e:?}");
    assert_eq!(e.error_code(), Some("ACCOUNTS_BALANCE_GET_LIMIT"));
    assert_eq!(e.status(), Some(429));
    assert!(e.to_string().contains("wait a minute"), "{e}");
    assert_eq!(fake.count("/accounts/balance/get"), 5 + attempts());
    // The cached balances are still there.
    client.accounts(&item).unwrap();
    fake.server.advance(Days::seconds(61));
    client.balances(&item, &[]).unwrap();
}

#[test]
fn rate_limits_are_retried_for_every_operation() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    fake.server
        .inject(Fault::next("/transactions/sync", 2, FaultKind::RateLimit));
    client.sync(&item, None, &SyncOptions::default()).unwrap();
    assert_eq!(fake.count("/transactions/sync"), 3);
    // A 429 was refused, not processed: even a creation is sent again.
    fake.server
        .inject(Fault::next("/link/token/create", 1, FaultKind::RateLimit));
    client
        .create_link_token(&LinkTokenRequest::new("app", "u"))
        .unwrap();
    assert_eq!(fake.count("/link/token/create"), 2);
}

#[test]
fn a_wait_plaid_names_is_waited_out_or_returned_when_too_long() {
    let rate_limited = |retry_after: &str| {
        Resp::json_text(
            429,
            r#"{"error_type": "RATE_LIMIT_EXCEEDED", "error_code": "TRANSACTIONS_SYNC_LIMIT",
                "error_message": "rate limit exceeded", "display_message": null}"#
                .into(),
        )
        .with_header("Retry-After", retry_after)
    };
    let (_server, client, seen) = serve(fast_retry(), move |n| {
        if n == 0 {
            rate_limited("0")
        } else {
            Resp::json_text(200, r#"{"next_cursor": "c1", "has_more": false}"#.into())
        }
    });
    client
        .sync(&some_item(), None, &SyncOptions::default())
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 2);

    let (_server, client, seen) = serve(fast_retry(), move |_| rate_limited("3600"));
    let e = client
        .sync(&some_item(), None, &SyncOptions::default())
        .unwrap_err();
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{e:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "an hour is not waited out");
}

#[test]
fn server_errors_are_retried_for_reads_until_they_pass_or_the_attempts_end() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    fake.server
        .inject(Fault::next("/accounts/get", 2, FaultKind::Status(500)));
    client.accounts(&item).unwrap();
    assert_eq!(fake.count("/accounts/get"), 3);

    fake.server
        .inject(Fault::next("/item/get", 100, FaultKind::Status(500)));
    let e = client.item(&item).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    assert_eq!(e.error_code(), Some("INTERNAL_SERVER_ERROR"));
    assert!(e.is_transient());
    assert!(e.to_string().contains("try again later"), "{e}");
    assert_eq!(fake.count("/item/get"), attempts());

    // A proxy's page instead of Plaid's error.
    fake.server.inject(Fault::next(
        "/transactions/sync",
        100,
        FaultKind::Status(502),
    ));
    let e = client
        .sync(&item, None, &SyncOptions::default())
        .unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    assert!(e.to_string().contains("502 Gateway error"), "{e}");
    assert_eq!(fake.count("/transactions/sync"), attempts());

    fake.server.inject(Fault::next(
        "/accounts/balance/get",
        1,
        FaultKind::Status(503),
    ));
    client.balances(&item, &[]).unwrap();
    assert_eq!(fake.count("/accounts/balance/get"), 2);
}

#[test]
fn creations_are_not_sent_twice_after_a_server_error_or_a_lost_answer() {
    let fake = Fake::default();
    let client = fake.client();
    let public = Secret::new(fake.server.new_public_token());
    fake.server.inject(Fault::next(
        "/item/public_token/exchange",
        1,
        FaultKind::Status(500),
    ));
    let e = client.exchange_public_token(&public).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    assert_eq!(fake.count("/item/public_token/exchange"), 1);

    fake.server.inject(Fault::next(
        "/item/public_token/exchange",
        1,
        FaultKind::Drop,
    ));
    let e = client.exchange_public_token(&public).unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert_eq!(fake.count("/item/public_token/exchange"), 2);
    // Neither failure used the token up.
    client.exchange_public_token(&public).unwrap();

    fake.server
        .inject(Fault::next("/link/token/create", 1, FaultKind::Status(503)));
    let e = client
        .create_link_token(&LinkTokenRequest::new("app", "u"))
        .unwrap_err();
    assert_eq!(e.error_code(), Some("PLANNED_MAINTENANCE"), "{e:?}");
    assert_eq!(fake.count("/link/token/create"), 1);
}

#[test]
fn a_dropped_connection_is_retried_for_reads() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    fake.server
        .inject(Fault::next("/transactions/sync", 1, FaultKind::Drop));
    client.sync(&item, None, &SyncOptions::default()).unwrap();
    assert_eq!(fake.count("/transactions/sync"), 2);
}

#[test]
fn nothing_listening_is_a_connection_error_even_for_creations() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = plaid::Client::builder(Secret::new("id"), Secret::new("secret"))
        .base_url(&format!("http://127.0.0.1:{port}"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = client
        .exchange_public_token(&Secret::new("public-sandbox-x"))
        .unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("POST /item/public_token/exchange: could not reach Plaid"),
        "{e}"
    );
    assert!(e.is_transient());
}

#[test]
fn a_slow_answer_times_out_and_the_retry_passes() {
    let fake = Fake::default();
    let item = fake.item(&fake.client());
    let client = fake
        .builder()
        .timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .build()
        .unwrap();
    fake.server.inject(Fault::next(
        "/accounts/get",
        1,
        FaultKind::Slow(Duration::from_secs(2)),
    ));
    client.accounts(&item).unwrap();

    let once = fake
        .builder()
        .timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    fake.server.inject(Fault::next(
        "/item/get",
        1,
        FaultKind::Slow(Duration::from_secs(2)),
    ));
    let e = once.item(&item).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("did not answer in time"), "{e}");
}

#[test]
fn a_malformed_answer_is_reported_with_its_start_and_not_retried() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    fake.server
        .inject(Fault::next("/accounts/get", 1, FaultKind::Malformed));
    let e = client.accounts(&item).unwrap_err();
    let Error::Malformed {
        status, body_start, ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(*status, 200);
    assert!(body_start.starts_with("{\"accounts\""), "{body_start}");
    assert_eq!(fake.count("/accounts/get"), 1);
}

#[test]
fn institution_and_item_errors_are_told_apart() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    fake.server
        .inject(Fault::next("/accounts/get", 1, FaultKind::Status(400)));
    let e = client.accounts(&item).unwrap_err();
    assert!(matches!(e, Error::Institution { .. }), "{e:?}");
    assert_eq!(e.error_code(), Some("INSTITUTION_DOWN"));
    assert!(e.is_transient());
    assert_eq!(fake.count("/accounts/get"), 1, "a 400 is not retried");

    fake.server.inject(Fault::next(
        "/accounts/get",
        1,
        FaultKind::Error {
            status: 400,
            error_type: "ITEM_ERROR".into(),
            error_code: "USER_PERMISSION_REVOKED".into(),
        },
    ));
    let e = client.accounts(&item).unwrap_err();
    assert!(matches!(e, Error::Item { .. }), "{e:?}");
    assert!(!e.is_transient());
    assert!(e.to_string().contains("the Item needs attention"), "{e}");
}

#[test]
fn an_expired_public_token_is_refused() {
    let fake = Fake::default();
    let client = fake.client();
    let public = Secret::new(fake.server.new_public_token());
    fake.server.advance(Days::minutes(31));
    let e = client.exchange_public_token(&public).unwrap_err();
    assert!(matches!(e, Error::Rejected { .. }), "{e:?}");
    assert_eq!(e.error_code(), Some("INVALID_PUBLIC_TOKEN"));
    assert!(e.to_string().contains("expired"), "{e}");
}

#[test]
fn pages_that_never_end_are_malformed() {
    let (_server, client, seen) = serve(RetryPolicy::none(), |_| {
        Resp::json_text(200, r#"{"next_cursor": "same", "has_more": true}"#.into())
    });
    let start = plaid::Cursor::new("same").unwrap();
    let e = client
        .sync(&some_item(), Some(&start), &SyncOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("did not move"), "{e}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    let (_server, client, _) = serve(RetryPolicy::none(), |_| {
        Resp::json_text(200, r#"{"next_cursor": "", "has_more": true}"#.into())
    });
    let e = client
        .sync(&some_item(), None, &SyncOptions::default())
        .unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }), "{e:?}");

    let (_server, client, _) = serve(RetryPolicy::none(), |_| {
        Resp::json_text(200, r#"{"added": [], "has_more": false}"#.into())
    });
    let e = client
        .sync(&some_item(), None, &SyncOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("next_cursor"), "{e}");
}

#[test]
fn one_bad_transaction_does_not_spoil_its_page() {
    let (_server, client, _) = serve(RetryPolicy::none(), |_| {
        Resp::json_text(
            200,
            r#"{"added": [
                {"transaction_id": "good", "account_id": "a", "amount": 12.5, "date": "2026-11-19"},
                {"transaction_id": "bad", "account_id": "a", "amount": "twelve", "date": "2026-11-19"}
            ], "next_cursor": "c", "has_more": false}"#
                .into(),
        )
    });
    let r = client
        .sync(&some_item(), None, &SyncOptions::default())
        .unwrap();
    assert_eq!(r.added.len(), 2);
    assert_eq!(r.added[0].parse().unwrap().amount.to_string(), "12.5");
    assert!(r.added[1].parse().is_err());
    assert_eq!(r.added[1].transaction_id().as_deref(), Some("bad"));
    assert!(r.added[1].json().contains("twelve"));
}
