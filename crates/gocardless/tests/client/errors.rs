//! Error classification from every error body seen in the wild, and the
//! promise that no secret reaches `Debug` or an error message.

use std::path::PathBuf;
use std::time::Duration;

use gocardless::{
    Client, Error, MemoryTokenStore, Operation, RateLimit, Secret, Subject, TokenStore, Tokens,
};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn read(rel: &str) -> String {
    let path = fixtures().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn op() -> Operation {
    Operation::on("GET transactions", Subject::Account("acc-1".into()))
}

fn classify(file: &str) -> Error {
    let status: u16 = file
        .strip_prefix("error_")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .expect("error_NNN_ file name");
    Error::from_response(
        op(),
        status,
        &read(&format!("api/{file}")),
        RateLimit::default(),
    )
}

/// What each fixture must be classified as, by variant name.
const EXPECTED: &[(&str, &str)] = &[
    ("error_400_date_range.json", "Validation"),
    ("error_400_field_errors_agreement_mixed.json", "Validation"),
    ("error_400_field_errors_agreement_object.json", "Validation"),
    ("error_400_field_errors_requisition.json", "Validation"),
    ("error_400_fields_required_spec.json", "Validation"),
    ("error_400_invalid_account_id.json", "Validation"),
    ("error_400_invalid_country.json", "Validation"),
    ("error_400_summary_detail_arrays.json", "Validation"),
    ("error_401_access_expired.json", "AccessExpired"),
    ("error_401_authentication_failed.json", "BadCredentials"),
    ("error_401_eua_expired.json", "AccessExpired"),
    ("error_401_invalid_token.json", "TokenRejected"),
    ("error_402_payment_required.json", "Forbidden"),
    ("error_403_eua_scope.json", "Forbidden"),
    ("error_403_ip_not_whitelisted.json", "Forbidden"),
    ("error_404_account_not_found.json", "NotFound"),
    ("error_404_not_found.json", "NotFound"),
    (
        "error_409_account_state_returns_account.json",
        "AccountState",
    ),
    ("error_409_account_suspended.json", "AccountState"),
    ("error_429_institution_rate_limit.json", "DailyLimit"),
    ("error_429_rate_limit_exceeded.json", "DailyLimit"),
    ("error_429_rate_limit_exceeded_template.json", "RateLimited"),
    ("error_500_unknown_request.json", "Server"),
    ("error_503_connection.json", "Server"),
];

fn variant(e: &Error) -> String {
    let d = format!("{e:?}");
    d.split([' ', '{', '(']).next().unwrap().to_owned()
}

#[test]
fn every_error_fixture_is_classified() {
    let mut files: Vec<String> = std::fs::read_dir(fixtures().join("api"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("error_") && n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        EXPECTED.len(),
        "a new error fixture appeared: add it to EXPECTED"
    );
    for file in &files {
        let want = EXPECTED
            .iter()
            .find(|(f, _)| f == file)
            .unwrap_or_else(|| panic!("{file} not in EXPECTED"))
            .1;
        let e = classify(file);
        assert_eq!(variant(&e), want, "{file}: {e}");
        // Every message names the operation and the account, and quotes
        // GoCardless' words.
        let msg = e.to_string();
        assert!(msg.contains("GET transactions for account acc-1"), "{msg}");
        assert_eq!(e.account_id(), Some("acc-1"));
        let m = e.api_message().expect("an answer");
        if let Some(s) = &m.summary {
            assert!(msg.contains(s.trim()), "{file}: {msg} lacks {s}");
        }
        if let Some(d) = &m.detail {
            assert!(msg.contains(d.trim()), "{file}: {msg} lacks {d}");
        }
    }
}

#[test]
fn validation_errors_keep_every_field_in_every_shape() {
    let Error::Validation { fields, .. } = classify("error_400_field_errors_requisition.json")
    else {
        panic!()
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        [
            "institution_id",
            "agreement",
            "reference",
            "user_language",
            "ssn",
            "account_selection"
        ]
    );
    assert_eq!(fields[0].messages, ["This field may not be blank."]);
    assert_eq!(
        fields[3].detail.as_deref(),
        Some("'AB' is an invalid or unsupported language")
    );

    let e = classify("error_400_field_errors_agreement_mixed.json");
    let msg = e.to_string();
    assert!(
        msg.contains("institution_id: This field is required."),
        "{msg}"
    );
    assert!(
        msg.contains("access_valid_for_days must be > 0 and <= 180"),
        "{msg}"
    );

    let e = classify("error_400_summary_detail_arrays.json");
    let m = e.api_message().unwrap();
    assert_eq!(
        m.summary.as_deref(),
        Some("Institution access scope dependencies error")
    );
    assert!(m.detail.as_deref().unwrap().contains("required together"));
}

#[test]
fn account_state_reads_the_account_in_the_body() {
    let Error::AccountState {
        status, account, ..
    } = classify("error_409_account_state_returns_account.json")
    else {
        panic!()
    };
    assert_eq!(status.as_deref(), Some("ERROR"));
    let account = account.expect("the body is an account");
    assert_eq!(account.id, "3fa85f64-5717-4562-b3fc-2c963f66afa6");
    assert!(account.created.is_some(), "space-separated date-time read");
    assert!(account.extra.contains_key("aspsp_identifier"));

    let Error::AccountState { status, .. } = classify("error_409_account_suspended.json") else {
        panic!()
    };
    assert_eq!(status.as_deref(), Some("SUSPENDED"));
}

#[test]
fn rate_limits_give_the_wait() {
    let e = classify("error_429_rate_limit_exceeded.json");
    assert!(e.is_daily_limit() && e.is_rate_limited());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(85092)));
    assert!(e.to_string().contains("retry in 85092 s"), "{e}");

    // The bank's limit, with the reset only in the headers.
    let headers = RateLimit::from_headers([
        ("http_x_ratelimit_account_success_remaining", "0"),
        ("http_x_ratelimit_account_success_reset", "3600"),
    ]);
    let e = Error::from_response(
        op(),
        429,
        &read("api/error_429_institution_rate_limit.json"),
        headers,
    );
    assert!(e.is_daily_limit());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(e.rate_limit().unwrap().account_success_remaining, Some(0));

    // The API's limit: the wait from the body, else from the headers.
    let body = r#"{"summary": "Rate limit exceeded", "detail": "The rate limit for this resource is 100/minute. Please try again in 12 seconds", "status_code": 429}"#;
    let e = Error::from_response(op(), 429, body, RateLimit::default());
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
    assert!(e.is_transient());
    let e = Error::from_response(
        op(),
        429,
        r#"{"summary": "Rate limit exceeded"}"#,
        RateLimit::from_headers([("x-ratelimit-reset", "7")]),
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    // A negative reset is no wait to honour.
    let e = Error::from_response(
        op(),
        429,
        r#"{"summary": "Rate limit exceeded"}"#,
        RateLimit::from_headers([("x-ratelimit-reset", "-7")]),
    );
    assert_eq!(e.retry_after(), None);
}

#[test]
fn bodies_quoted_in_issues() {
    let v: serde_json::Value =
        serde_json::from_str(&read("issues/errors_and_headers_from_issues.json")).unwrap();
    let mut checked = 0;
    for item in v["items"].as_array().unwrap() {
        let body = match (&item["body"], &item["body_excerpt"]) {
            (serde_json::Value::Null, serde_json::Value::String(s)) => s.clone(),
            (b, _) if !b.is_null() => b.to_string(),
            _ => continue,
        };
        let text = body.to_lowercase();
        let Some(status) = item["http_status"].as_u64().map(|s| s as u16).or_else(|| {
            // Actual's envelope of the bank's 429 has no status of its own.
            text.contains("daily request limit").then_some(429)
        }) else {
            continue;
        };
        let e = Error::from_response(op(), status, &body, RateLimit::default());
        let want = if text.contains("has expired") {
            "AccessExpired"
        } else if text.contains("daily request limit") {
            "DailyLimit"
        } else {
            "RateLimited"
        };
        assert_eq!(variant(&e), want, "{}: {e}", item["source"]);
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn expired_agreement_is_recognised_whatever_the_status() {
    let body = read("api/error_401_eua_expired.json");
    for status in [400, 401, 403] {
        let e = Error::from_response(op(), status, &body, RateLimit::default());
        assert!(e.is_access_expired(), "{status}: {e}");
    }
    // Truncated, not JSON any more.
    let e = Error::from_response(
        op(),
        400,
        r#"{"summary":"End User Agreement (EUA) 9bef has expired","detail":"EUA was valid for 90 da"#,
        RateLimit::default(),
    );
    assert!(e.is_access_expired(), "{e}");
}

#[test]
fn non_json_bodies_are_quoted() {
    let e = Error::from_response(op(), 502, "<html>Bad Gateway</html>", RateLimit::default());
    assert!(matches!(e, Error::Server { .. }));
    assert!(e.to_string().contains("Bad Gateway"), "{e}");
    let e = Error::from_response(op(), 405, "", RateLimit::default());
    assert!(matches!(e, Error::Http { .. }));
    assert_eq!(e.status(), Some(405));
}

#[test]
fn secrets_never_reach_debug_or_errors() {
    let key = "SUPERSECRETKEY-0123456789";
    let builder = Client::builder("my-secret-id-0001", Secret::new(key));
    assert!(!format!("{builder:?}").contains(key));
    let store = std::sync::Arc::new(MemoryTokenStore::new());
    let tokens = Tokens {
        access: Secret::new("ACCESS-TOKEN-abcdef"),
        access_expires: chrono::Utc::now(),
        refresh: Secret::new("REFRESH-TOKEN-abcdef"),
        refresh_expires: chrono::Utc::now(),
    };
    store.save("my-secret-id-0001", &tokens);
    let client = builder.token_store(store.clone()).build().unwrap();
    let debug = format!("{client:?} {tokens:?} {store:?}");
    for secret in [key, "ACCESS-TOKEN-abcdef", "REFRESH-TOKEN-abcdef"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    // Plain http to a remote host is refused, and the message holds no key.
    let e = Client::builder("id", Secret::new(key))
        .base_url("http://example.com/api/v2")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidConfig { .. }));
    assert!(!format!("{e} {e:?}").contains(key));
}

#[test]
fn base_url_rules() {
    let ok = |u: &str| {
        Client::builder("id", Secret::new("key"))
            .base_url(u)
            .build()
            .map(|c| c.base_url().to_owned())
    };
    assert_eq!(
        ok("https://bankaccountdata.gocardless.com/api/v2").unwrap(),
        "https://bankaccountdata.gocardless.com/api/v2/"
    );
    assert!(ok("http://127.0.0.1:8080/api/v2").is_ok());
    assert!(ok("http://localhost:8080").is_ok());
    assert!(ok("http://[::1]:8080/api/v2/").is_ok());
    assert!(ok("http://10.0.0.1/api/v2").is_err());
    assert!(ok("http://localhost.evil.com/api/v2").is_err());
    assert!(ok("ftp://localhost/").is_err());
    assert!(ok("not a url").is_err());
    assert!(Client::builder("id", Secret::new("")).build().is_err());
}
