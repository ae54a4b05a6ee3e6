//! What is retried, counted on the server: reads on 5xx, Enable Banking's
//! 429, dropped connections and timeouts; never the bank's daily limit;
//! `POST`s only when the request never left.

use std::time::Duration;

use enablebanking::{Client, Error};
use fake_enablebanking::{Fault, FaultKind, Scope};

use crate::common::{Fake, fast_retry};

fn linked(fake: &Fake) -> (Client, enablebanking::AccountUid, String) {
    let client = fake.client();
    let session = fake.link(&client, "Nordea", chrono::Duration::days(90));
    let a = &session.accounts[0];
    (
        client,
        a.uid.clone().unwrap(),
        a.identification_hash.clone().unwrap().as_str().to_owned(),
    )
}

#[test]
fn reads_are_retried_on_server_errors_and_rate_limits() {
    // Every case ends in a successful read: more than the banks' 4 a day.
    let fake = Fake::start(fake_enablebanking::Options {
        daily_limit: 100,
        ..fake_enablebanking::Options::default()
    });
    let (client, uid, _) = linked(&fake);
    for (kind, times) in [
        (FaultKind::Status(503), 2),
        (FaultKind::Status(500), 1),
        (FaultKind::Status(429), 1),
        (FaultKind::Status(408), 1),
        (FaultKind::Drop, 2),
    ] {
        fake.server.reset_counters();
        fake.server
            .inject(Fault::next("/balances", times, kind.clone()));
        client
            .account_balances(&uid)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(
            fake.count("GET", "/accounts/"),
            times as usize + 1,
            "{kind:?}"
        );
    }
}

#[test]
fn retries_end_after_the_policy_s_attempts() {
    let fake = Fake::default();
    let (client, uid, _) = linked(&fake);
    fake.server.reset_counters();
    fake.server
        .inject(Fault::next("/balances", 10, FaultKind::Status(502)));
    let e = client.account_balances(&uid).unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e}");
    assert!(e.is_transient());
    assert_eq!(
        fake.count("GET", "/accounts/"),
        fast_retry().max_attempts as usize
    );
}

#[test]
fn enable_banking_s_own_rate_limit_is_retried_then_reported() {
    let fake = Fake::default();
    let (client, uid, _) = linked(&fake);
    fake.server.reset_counters();
    fake.server
        .inject(Fault::next("/details", 10, FaultKind::Status(429)));
    let e = client.account_details(&uid).unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert!(e.is_transient());
    assert_eq!(
        fake.count("GET", "/accounts/"),
        fast_retry().max_attempts as usize
    );
}

#[test]
fn the_bank_s_daily_limit_is_never_retried() {
    let fake = Fake::default();
    let (client, uid, hash) = linked(&fake);
    fake.server.reset_counters();
    for _ in 0..4 {
        client.account_balances(&uid).unwrap();
    }
    assert_eq!(fake.server.remaining(&hash, Scope::Balances), 0);
    let e = client.account_balances(&uid).unwrap_err();
    assert!(e.is_bank_daily_limit(), "{e}");
    assert!(!e.is_transient());
    assert!(e.to_string().contains("try again tomorrow"), "{e}");
    assert_eq!(fake.count("GET", "/accounts/"), 5);
    // Other kinds have their own budget; tomorrow this one is back.
    client.account_details(&uid).unwrap();
    fake.advance(chrono::Duration::days(1));
    client.account_balances(&uid).unwrap();
    // An injected one is the same to the client.
    fake.server.reset_counters();
    fake.server
        .inject(Fault::next("/transactions", 1, FaultKind::BankDailyLimit));
    let e = client.transactions(&uid, fake.today(), None).unwrap_err();
    assert!(e.is_bank_daily_limit(), "{e}");
    assert_eq!(fake.count("GET", "/accounts/"), 1);
}

#[test]
fn posts_are_not_sent_twice() {
    let fake = Fake::default();
    let client = fake.client();
    let req = fake.auth_request("Nordea", "FI", chrono::Duration::days(1));
    for kind in [FaultKind::Status(503), FaultKind::Drop] {
        fake.server.reset_counters();
        fake.server.inject(Fault::next("/auth", 1, kind.clone()));
        let e = client.start_authorization(&req).unwrap_err();
        assert!(e.is_transient(), "{kind:?}: {e}");
        assert_eq!(fake.count("POST", "/auth"), 1, "{kind:?}");
    }
    let start = client.start_authorization(&req).unwrap();
    let (code, _) = crate::common::follow(start.url.as_str());
    fake.server.reset_counters();
    fake.server
        .inject(Fault::next("/sessions", 1, FaultKind::Status(500)));
    assert!(client.create_session(code.as_deref().unwrap()).is_err());
    assert_eq!(fake.count("POST", "/sessions"), 1);
    // The code was not spent by the failed attempt.
    client.create_session(code.as_deref().unwrap()).unwrap();
}

#[test]
fn a_connection_that_never_opens_is_retried_even_for_a_post() {
    // A port that was just free and is closed again: connecting fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let fake = Fake::default();
    let client = fake
        .builder()
        .base_url(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let e = client
        .start_authorization(&fake.auth_request("Nordea", "FI", chrono::Duration::days(1)))
        .unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e}");
}

#[test]
fn a_slow_answer_times_out_and_the_read_is_retried() {
    let fake = Fake::default();
    let (_, uid, _) = linked(&fake);
    let client = fake
        .builder()
        .timeouts(Duration::from_secs(5), Duration::from_millis(800))
        .build()
        .unwrap();
    fake.server.reset_counters();
    fake.server.inject(Fault::next(
        "/balances",
        1,
        FaultKind::Slow(Duration::from_millis(2500)),
    ));
    client.account_balances(&uid).unwrap();
    // The slow answer is logged once its sleep is over.
    for _ in 0..200 {
        if fake.count("GET", "/accounts/") == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(fake.count("GET", "/accounts/"), 2);
}

#[test]
fn a_timeout_without_retries_left_is_reported() {
    let fake = Fake::default();
    let (_, uid, _) = linked(&fake);
    let client = fake
        .builder()
        .retry(enablebanking::RetryPolicy::none())
        .timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .build()
        .unwrap();
    fake.server.inject(Fault::next(
        "/details",
        1,
        FaultKind::Slow(Duration::from_millis(1500)),
    ));
    let e = client.account_details(&uid).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("did not answer in time"), "{e}");
}

#[test]
fn a_malformed_answer_is_reported_with_its_start() {
    let fake = Fake::default();
    let (client, uid, _) = linked(&fake);
    fake.server.reset_counters();
    fake.server
        .inject(Fault::next("/balances", 1, FaultKind::Malformed));
    let e = client.account_balances(&uid).unwrap_err();
    match &e {
        Error::Malformed {
            status, body_start, ..
        } => {
            assert_eq!(*status, 200);
            assert!(body_start.starts_with("{\"balances\""), "{body_start}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.count("GET", "/accounts/"), 1);
}
