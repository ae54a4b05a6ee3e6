//! Every error kind, classified from what the fake really answers, and
//! no secret in `Debug` or an error even when the server echoes the JWT.

use chrono::Duration;
use enablebanking::{AccountUid, Error, ErrorCode, SessionStatus};
use fake_enablebanking::{Fault, FaultKind, keys};
use serde_json::json;

use crate::common::{Fake, REDIRECT, follow};

#[test]
fn an_inactive_application_is_told_to_link_accounts() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server.set_active(false);
    let app = client.application().unwrap();
    assert!(!app.active);
    let e = client.aspsps(Some("FI")).unwrap_err();
    assert!(matches!(e, Error::ApplicationInactive { .. }), "{e:?}");
    assert!(e.to_string().contains("control panel"), "{e}");
    assert_eq!(e.status(), Some(403));
    assert_eq!(e.code(), None);
}

#[test]
fn an_expired_or_revoked_session_says_link_again() {
    let fake = Fake::default();
    let client = fake.client();
    let short = fake.link(&client, "Nordea", Duration::hours(1));
    let long = fake.link(&client, "Nordea", Duration::days(90));
    fake.advance(Duration::hours(2));
    let e = client
        .account_balances(short.accounts[0].uid.as_ref().unwrap())
        .unwrap_err();
    assert!(e.is_session_ended(), "{e}");
    assert_eq!(e.code(), Some(&ErrorCode::ExpiredSession));
    assert_eq!(
        client.session(&short.session_id).unwrap().status,
        SessionStatus::Expired
    );

    fake.server.revoke_session(long.session_id.as_str());
    let e = client
        .transactions(
            long.accounts[0].uid.as_ref().unwrap(),
            fake.earliest(),
            None,
        )
        .unwrap_err();
    assert!(e.is_session_ended(), "{e}");
    assert_eq!(e.code(), Some(&ErrorCode::RevokedSession));
    assert!(e.to_string().contains("link the bank again"), "{e}");
}

#[test]
fn link_flow_refusals() {
    let fake = Fake::default();
    let client = fake.client();
    let mut req = fake.auth_request("Nordea", "FI", Duration::days(1));
    req.redirect_url = "http://127.0.0.1:9999/not-registered".parse().unwrap();
    let e = client.start_authorization(&req).unwrap_err();
    assert!(matches!(e, Error::RedirectNotAllowed { .. }), "{e:?}");

    // Longer than the bank's longest consent.
    let req = fake.auth_request("S-Pankki", "FI", Duration::days(91));
    let e = client.start_authorization(&req).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");

    let req = fake.auth_request("No Such Bank", "FI", Duration::days(1));
    assert!(matches!(
        client.start_authorization(&req),
        Err(Error::Invalid { .. })
    ));

    // Refused before sending: already passed.
    let req = fake.auth_request("Nordea", "FI", Duration::days(-1));
    assert!(matches!(
        client.start_authorization(&req),
        Err(Error::InvalidArgument { .. })
    ));

    let e = client.create_session("not-a-code").unwrap_err();
    assert!(matches!(e, Error::CodeRejected { .. }), "{e:?}");

    let start = client
        .start_authorization(&fake.auth_request("Nordea", "FI", Duration::days(1)))
        .unwrap();
    let (code, _) = follow(start.url.as_str());
    let code = code.unwrap();
    client.create_session(&code).unwrap();
    let e = client.create_session(&code).unwrap_err();
    assert!(matches!(e, Error::CodeRejected { .. }), "{e:?}");
    assert!(!e.to_string().contains(&code), "{e}");

    let start = client
        .start_authorization(&fake.auth_request("Nordea", "FI", Duration::days(1)))
        .unwrap();
    let (code, _) = follow(start.url.as_str());
    fake.advance(Duration::minutes(11));
    let e = client.create_session(&code.unwrap()).unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::ExpiredAuthorizationCode));
    assert_eq!(REDIRECT, "http://127.0.0.1:8765/callback");
}

#[test]
fn data_refusals() {
    let fake = Fake::default();
    let client = fake.client();
    let e = client
        .account_balances(&AccountUid::new("0d5e0c38-0000-4000-8000-000000000000"))
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");

    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let cases = [
        (
            json!({"code": 422, "message": "Required PSU header is not provided",
                   "error": "PSU_HEADER_NOT_PROVIDED", "detail": "PSU header psuIpAddress is not provided"}),
            "PsuHeadersRequired",
        ),
        (
            json!({"code": 500, "message": "Error interacting with ASPSP", "error": "ASPSP_ERROR"}),
            "Server",
        ),
        (
            json!({"code": 403, "message": "Access denied", "error": "ACCESS_DENIED"}),
            "ApplicationInactive",
        ),
        (
            json!({"code": 403, "message": "Used IP address is not authorized", "error": "UNAUTHORIZED_IP"}),
            "Forbidden",
        ),
        (
            json!({"code": 401, "message": "Session is closed", "error": "CLOSED_SESSION"}),
            "SessionEnded",
        ),
        (json!({"code": 418, "message": "?"}), "Http"),
    ];
    for (body, kind) in cases {
        let status = body["code"].as_u64().unwrap() as u16;
        let retries = if status == 500 { 4 } else { 1 };
        fake.server.inject(Fault::next(
            "/details",
            retries,
            FaultKind::Body(status, body.clone()),
        ));
        let e = client.account_details(&uid).unwrap_err();
        let debug = format!("{e:?}");
        assert!(debug.starts_with(kind), "{body}: {debug}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.operation().unwrap().account_uid(), Some(uid.as_str()));
        assert!(e.to_string().contains(&uid.to_string()), "{e}");
    }
}

#[test]
fn a_jwt_signed_with_another_key_is_refused() {
    let fake = Fake::default();
    let other = enablebanking::PrivateKey::from_pem(keys::OTHER_PRIVATE_KEY.as_bytes()).unwrap();
    let client = fake.builder_with(other).build().unwrap();
    let e = client.application().unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("private_key"), "{e}");
    // Refused, signed anew once, refused again.
    assert_eq!(fake.count("GET", "/application"), 2);
    assert!(fake.server.requests().iter().all(|r| r.status == 401));

    let wrong_id = enablebanking::Client::builder(
        "00000000-0000-4000-8000-000000000000",
        enablebanking::PrivateKey::from_pem(keys::APPLICATION_PRIVATE_KEY.as_bytes()).unwrap(),
    )
    .base_url(&fake.server.base_url())
    .clock(std::sync::Arc::new(fake.clock.clone()))
    .build()
    .unwrap();
    assert!(matches!(
        wrong_id.application(),
        Err(Error::Unauthorized { .. })
    ));

    // A client clock a day behind signs tokens that have expired.
    let behind = enablebanking::ManualClock::new(fake.server.now() - Duration::days(1));
    let late = fake
        .builder()
        .clock(std::sync::Arc::new(behind))
        .build()
        .unwrap();
    assert!(matches!(
        late.application(),
        Err(Error::Unauthorized { .. })
    ));
}

#[test]
fn no_secret_in_debug_or_errors_even_when_echoed() {
    let fake = Fake::default();
    let client = fake.client();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let pem_body: String = keys::APPLICATION_PRIVATE_KEY
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();

    fake.server.inject(Fault::next(
        "/details",
        1,
        FaultKind::EchoAuthorization(400),
    ));
    let e = client.account_details(&uid).unwrap_err();
    let start = client
        .start_authorization(&fake.auth_request("Nordea", "FI", Duration::days(1)))
        .unwrap();
    let (code, _) = follow(start.url.as_str());
    let code = code.unwrap();
    fake.server.inject(Fault::next("/sessions", 1, FaultKind::Body(
        400,
        json!({"code": 400, "message": format!("bad code {code}"), "error": "WRONG_AUTHORIZATION_CODE",
               "detail": {"code": code}}),
    )));
    let e2 = client.create_session(&code).unwrap_err();
    fake.server.inject(Fault::next(
        "/application",
        4,
        FaultKind::EchoAuthorization(503),
    ));
    let e3 = client.application().unwrap_err();

    for text in [
        e.to_string(),
        format!("{e:?}"),
        e2.to_string(),
        format!("{e2:?}"),
        e3.to_string(),
        format!("{e3:?}"),
        format!("{client:?}"),
        format!("{:?}", fake.builder()),
        format!("{:?}", fake.key()),
    ] {
        assert!(!text.contains("eyJ"), "a JWT leaked: {text}");
        assert!(!text.contains(&code), "the code leaked: {text}");
        assert!(!text.contains(&pem_body), "the key leaked: {text}");
    }
    assert!(e.to_string().contains("[redacted]"), "{e}");
    assert!(e2.to_string().contains("[redacted]"), "{e2}");
}
