//! The API key never shows: not in `Debug`, not in errors, not even when
//! the server echoes it back.

use base64::Engine;
use codat::{Client, Error, RetryPolicy, Secret};
use fake_codat::{FakeServer, Fault, FaultKind, Options};

use crate::common::*;

fn forms(key: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(key);
    vec![
        key.to_owned(),
        b64.trim_end_matches('=').to_owned(),
        format!("Basic {b64}"),
    ]
}

fn assert_clean(text: &str, key: &str) {
    for f in forms(key) {
        assert!(!text.contains(&f), "{f:?} leaked in {text}");
    }
}

#[test]
fn debug_never_shows_the_key() {
    let server = FakeServer::start(Options::default());
    let key = server.api_key();
    let builder = Client::builder(Secret::new(key.clone())).base_url(&server.base_url());
    assert_clean(&format!("{builder:?}"), &key);
    let client = builder.build().unwrap();
    let text = format!("{client:?}");
    assert_clean(&text, &key);
    assert!(text.contains("[redacted]"), "{text}");
}

#[test]
fn an_echoed_key_is_redacted_from_every_error() {
    let server = FakeServer::start(Options::default());
    let key = server.api_key();
    for (status, retry) in [
        (400, RetryPolicy::none()),
        (401, RetryPolicy::none()),
        (500, quick_retry(2)),
    ] {
        let client = client_with(&server, retry);
        let attempts = retry.max_attempts;
        server.inject(Fault::next(
            "/companies/",
            attempts,
            FaultKind::EchoCredentials(status),
        ));
        let e = client.company(&server.company_id()).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert_clean(&shown, &key);
        assert!(
            shown.contains("[redacted]"),
            "the echo is there, redacted: {shown}"
        );
        if let Error::Validation { message, .. } = &e {
            let item = &message.validation.errors[0];
            assert_eq!(item.item_id.as_deref(), Some("[redacted]"));
        }
    }
}

#[test]
fn the_authorization_header_is_basic_with_the_key_in_base64() {
    let server = FakeServer::start(Options::default());
    // The fake accepts only `Basic base64(key)`: the raw key is refused.
    let raw = reqwest::blocking::Client::new()
        .get(format!(
            "{}/companies/{}",
            server.base_url(),
            server.company_id()
        ))
        .header("Authorization", format!("Basic {}", server.api_key()))
        .send()
        .unwrap();
    assert_eq!(raw.status(), 401);
    client(&server).company(&server.company_id()).unwrap();
}
