//! No key or token in `Debug`, in errors or in logs, even when the server
//! echoes them back.

use std::io::Write;
use std::sync::{Arc, Mutex};

use fake_http::Resp;
use fake_plaid::Options;
use plaid::{Error, ItemAccess, LinkTokenRequest, RetryPolicy, Secret, SyncOptions};

use crate::common::{Fake, serve, some_item};

/// Fails when `text` holds any of `secrets`.
fn assert_clean(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{s:?} leaked in: {text}");
    }
}

fn echoing() -> Fake {
    Fake::start(Options {
        echo_secrets: true,
        ..Options::default()
    })
}

#[test]
fn echoed_secrets_never_reach_an_error() {
    let fake = echoing();
    let keys = [fake.server.client_id(), fake.server.secret()];
    let client = fake.client();

    // The access token of an Item the server does not know.
    let unknown = ItemAccess::new(Secret::new("access-sandbox-0f0e0d0c-secret-token"));
    let e = client.accounts(&unknown).unwrap_err();
    assert!(matches!(e, Error::InvalidAccessToken { .. }), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains("[redacted]"),
        "the echo is there, cut: {shown}"
    );
    assert_clean(&shown, &[&keys[0], &keys[1], "0f0e0d0c-secret-token"]);

    // A public token that cannot be exchanged.
    let e = client
        .exchange_public_token(&Secret::new("public-sandbox-feedbeef-secret"))
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert_clean(&shown, &[&keys[0], &keys[1], "feedbeef-secret"]);

    // A known Item whose user must log in again.
    let item = fake.item(&client);
    fake.server.require_login(item.item_id.as_deref().unwrap());
    let e = client
        .sync(&item, None, &SyncOptions::default())
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(e.is_login_required(), "{e:?}");
    assert_clean(&shown, &[&keys[0], &keys[1], item.access_token.expose()]);

    // Wrong keys, echoed back.
    let wrong = plaid::Client::builder(
        Secret::new("my-client-id-123"),
        Secret::new("my-wrong-secret-456"),
    )
    .base_url(&fake.server.base_url())
    .retry(RetryPolicy::none())
    .build()
    .unwrap();
    let e = wrong
        .create_link_token(&LinkTokenRequest::new("app", "u"))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidApiKeys { .. }), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert_clean(&shown, &["my-client-id-123", "my-wrong-secret-456"]);
}

#[test]
fn a_malformed_answer_quotes_no_secret() {
    let item = some_item();
    let token = item.access_token.expose().to_owned();
    let (_server, client, _) = serve(RetryPolicy::none(), move |_| {
        Resp::json_text(
            200,
            format!(r#"{{"echo": "client-id-0001 secret-0002 {token}", "accounts": [{{"acc"#),
        )
    });
    let e = client.accounts(&item).unwrap_err();
    let Error::Malformed { body_start, .. } = &e else {
        panic!("{e:?}");
    };
    assert!(
        body_start.contains("[redacted] [redacted] [redacted]"),
        "{body_start}"
    );
    assert_clean(
        &format!("{e} {e:?}"),
        &["client-id-0001", "secret-0002", item.access_token.expose()],
    );
}

#[test]
fn answers_that_carry_tokens_are_never_quoted() {
    let (_server, client, _) = serve(RetryPolicy::none(), |_| {
        Resp::json_text(
            200,
            r#"{"access_token": "access-sandbox-brand-new-token", "item_id": 7, "oops"#.into(),
        )
    });
    let e = client
        .exchange_public_token(&Secret::new("public-sandbox-x"))
        .unwrap_err();
    let Error::Malformed {
        body_start, reason, ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert!(body_start.is_empty());
    assert!(reason.contains("line 1"), "{reason}");
    assert_clean(&format!("{e} {e:?}"), &["brand-new-token"]);
}

#[test]
fn debug_output_holds_no_secret() {
    let fake = Fake::default();
    let client = fake.client();
    let link = client
        .create_link_token(&LinkTokenRequest::new("app", "u"))
        .unwrap();
    let public = Secret::new(fake.server.complete_link(link.link_token.expose()).unwrap());
    let item = client.exchange_public_token(&public).unwrap();
    let sync = client.sync(&item, None, &SyncOptions::default()).unwrap();
    let shown = format!(
        "{client:?} {:?} {link:?} {public:?} {item:?} {sync:?}",
        fake.builder()
    );
    assert_clean(
        &shown,
        &[
            &fake.server.client_id(),
            &fake.server.secret(),
            link.link_token.expose(),
            public.expose(),
            item.access_token.expose(),
        ],
    );
    assert!(
        shown.contains(item.item_id.as_deref().unwrap()),
        "ids are not secret"
    );
}

/// A writer that keeps what is logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_at_trace_level_hold_no_secret() {
    let fake = echoing();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let client = fake.client();
    let item = tracing::subscriber::with_default(subscriber, || {
        let item = fake.item(&client);
        fake.server.inject(fake_plaid::Fault::next(
            "/accounts/get",
            2,
            fake_plaid::FaultKind::Status(500),
        ));
        client.accounts(&item).unwrap();
        fake.server.mutate_during_pagination();
        client
            .sync(
                &item,
                None,
                &SyncOptions {
                    count: 20,
                    ..SyncOptions::default()
                },
            )
            .unwrap();
        let _ = client.accounts(&ItemAccess::new(Secret::new("access-sandbox-unknown-1")));
        item
    });
    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("retrying"), "{logged}");
    assert!(logged.contains("starting again"), "{logged}");
    assert_clean(
        &logged,
        &[
            &fake.server.client_id(),
            &fake.server.secret(),
            item.access_token.expose(),
            "access-sandbox-unknown-1",
        ],
    );
}
