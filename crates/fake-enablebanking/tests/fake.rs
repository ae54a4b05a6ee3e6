//! The fake's own promises, through raw HTTP: what it refuses in a JWT,
//! the link flow, determinism, paging keys, periods and budgets.

use chrono::{Days, Duration};
use fake_enablebanking::{FakeServer, Options, Scope, keys};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

struct Token {
    kid: String,
    iss: &'static str,
    aud: &'static str,
    iat: i64,
    exp: i64,
    key: &'static str,
    alg: Algorithm,
}

fn token(server: &FakeServer) -> Token {
    let now = server.now().timestamp();
    Token {
        kid: server.application_id(),
        iss: "enablebanking.com",
        aud: "api.enablebanking.com",
        iat: now,
        exp: now + 3600,
        key: keys::APPLICATION_PRIVATE_KEY,
        alg: Algorithm::RS256,
    }
}

impl Token {
    fn sign(&self) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        let claims = json!({"iss": self.iss, "aud": self.aud, "iat": self.iat, "exp": self.exp});
        let key = match self.alg {
            Algorithm::HS256 => EncodingKey::from_secret(b"a shared secret"),
            _ => EncodingKey::from_rsa_pem(self.key.as_bytes()).unwrap(),
        };
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }
}

fn get(server: &FakeServer, path: &str, jwt: Option<&str>) -> Response {
    let mut req = http().get(format!("{}{path}", server.base_url()));
    if let Some(jwt) = jwt {
        req = req.bearer_auth(jwt);
    }
    req.send().unwrap()
}

fn post(server: &FakeServer, path: &str, body: &Value) -> Response {
    http()
        .post(format!("{}{path}", server.base_url()))
        .bearer_auth(token(server).sign())
        .json(body)
        .send()
        .unwrap()
}

fn http() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn error_of(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().unwrap())
}

#[test]
fn every_jwt_flaw_is_refused() {
    let server = FakeServer::start(Options::default());
    let good = token(&server);
    assert_eq!(
        get(&server, "/application", Some(&good.sign())).status(),
        200
    );

    let (status, body) = error_of(get(&server, "/application", None));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("AUTHORIZATION_NOT_PROVIDED"))
    );

    let now = server.now().timestamp();
    let flawed = [
        Token {
            key: keys::OTHER_PRIVATE_KEY,
            ..token(&server)
        },
        Token {
            kid: "another-application".into(),
            ..token(&server)
        },
        Token {
            iss: "example.com",
            ..token(&server)
        },
        Token {
            aud: "api.tilisy.com",
            ..token(&server)
        },
        Token {
            iat: now - 7200,
            exp: now - 1,
            ..token(&server)
        },
        Token {
            exp: now + 86_401,
            ..token(&server)
        },
        Token {
            iat: now + 3600,
            exp: now + 7200,
            ..token(&server)
        },
        Token {
            alg: Algorithm::HS256,
            ..token(&server)
        },
    ];
    for (i, t) in flawed.iter().enumerate() {
        let (status, body) = error_of(get(&server, "/application", Some(&t.sign())));
        assert_eq!(status, 401, "{i}: {body}");
        assert_eq!(body["error"], "UNAUTHORIZED_ACCESS", "{i}");
        assert_eq!(body["code"], 401, "{i}");
    }
    let (status, _) = error_of(get(&server, "/application", Some("not.a.jwt")));
    assert_eq!(status, 401);

    // Valid on the client's clock, expired on the fake's.
    server.advance(Duration::hours(2));
    assert_eq!(
        get(&server, "/application", Some(&good.sign())).status(),
        401
    );
}

#[test]
fn the_official_sample_s_link_flow() {
    let server = FakeServer::start(Options::default());
    let banks: Value = get(&server, "/aspsps?country=FI", Some(&token(&server).sign()))
        .json()
        .unwrap();
    let names: Vec<_> = banks["aspsps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].clone())
        .collect();
    assert!(names.contains(&json!("Nordea")), "{names:?}");

    // The body of the official Postman sample, with a date still to come.
    let valid_until = (server.now() + Duration::days(10)).to_rfc3339();
    let auth: Value = post(
        &server,
        "/auth",
        &json!({
            "access": {"valid_until": valid_until},
            "aspsp": {"name": "Nordea", "country": "FI"},
            "state": "7226b0c8-e5bf-463c-acdc-a562e18224d1",
            "redirect_url": "https://example.org/callback",
            "psu_type": "personal",
        }),
    )
    .json()
    .unwrap();
    let url = auth["url"].as_str().unwrap();
    assert!(url.starts_with(&server.base_url()));
    // The user's browser needs no JWT.
    let resp = http().get(url).send().unwrap();
    assert_eq!(resp.status(), 302);
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "7226b0c8-e5bf-463c-acdc-a562e18224d1");
    let session: Value = post(&server, "/sessions", &json!({"code": q["code"]}))
        .json()
        .unwrap();
    assert_eq!(session["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(session["access"]["valid_until"].as_str().unwrap().len(), 32);

    let (status, body) = error_of(post(&server, "/sessions", &json!({"code": q["code"]})));
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("ALREADY_AUTHORIZED"))
    );
    let (status, body) = error_of(post(
        &server,
        "/auth",
        &json!({
            "access": {"valid_until": (server.now() + Duration::days(181)).to_rfc3339()},
            "aspsp": {"name": "Nordea", "country": "FI"},
            "state": "s", "redirect_url": "https://example.org/callback",
        }),
    ));
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("WRONG_REQUEST_PARAMETERS"))
    );
    assert_eq!(
        http()
            .get(format!("{}/ais/start?sessionid=nope", server.base_url()))
            .send()
            .unwrap()
            .status(),
        404
    );
}

fn session(server: &FakeServer, bank: &str) -> Value {
    let auth: Value = post(
        server,
        "/auth",
        &json!({
            "access": {"valid_until": (server.now() + Duration::days(10)).to_rfc3339()},
            "aspsp": {"name": bank, "country": "FI"},
            "state": "s", "redirect_url": "http://127.0.0.1:8765/callback",
        }),
    )
    .json()
    .unwrap();
    let resp = http().get(auth["url"].as_str().unwrap()).send().unwrap();
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    post(server, "/sessions", &json!({"code": code}))
        .json()
        .unwrap()
}

fn transactions(server: &FakeServer, uid: &str, query: &str) -> (u16, Value) {
    error_of(get(
        server,
        &format!("/accounts/{uid}/transactions?{query}"),
        Some(&token(server).sign()),
    ))
}

#[test]
fn the_same_seed_gives_the_same_data() {
    let data = |seed| {
        let server = FakeServer::start(Options {
            seed,
            ..Options::default()
        });
        let s = session(&server, "Nordea");
        let uid = s["accounts"][0]["uid"].as_str().unwrap().to_owned();
        let hash = s["accounts"][0]["identification_hash"].clone();
        let from = server.now().date_naive() - Days::new(30);
        let (_, page) = transactions(&server, &uid, &format!("date_from={from}"));
        (server.application_id(), hash, page["transactions"].clone())
    };
    assert_eq!(data(7), data(7));
    let (a, b) = (data(7), data(8));
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_ne!(a.2, b.2);
}

#[test]
fn periods_and_continuation_keys_are_checked() {
    let server = FakeServer::start(Options {
        page_size: 3,
        ..Options::default()
    });
    let s = session(&server, "Nordea");
    let uid = s["accounts"][0]["uid"].as_str().unwrap();
    let other = s["accounts"][1]["uid"].as_str().unwrap();
    let today = server.now().date_naive();
    let earliest = today - Days::new(89);
    let (status, body) = transactions(
        &server,
        uid,
        &format!("date_from={}", earliest - Days::new(1)),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("WRONG_TRANSACTIONS_PERIOD"))
    );
    assert_eq!(body["detail"]["date_from"], earliest.to_string());
    for (query, error) in [
        (
            format!("date_from={}", today + Days::new(1)),
            "DATE_FROM_IN_FUTURE",
        ),
        (
            format!("date_from={today}&date_to={}", today - Days::new(1)),
            "WRONG_DATE_INTERVAL",
        ),
        (format!("date_to={today}"), "DATE_TO_WITHOUT_DATE_FROM"),
        ("date_from=yesterday".to_owned(), "WRONG_REQUEST_PARAMETERS"),
    ] {
        let (status, body) = transactions(&server, uid, &query);
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some(error)),
            "{query}"
        );
    }
    let (status, page) = transactions(&server, uid, &format!("date_from={earliest}"));
    assert_eq!(status, 200);
    assert_eq!(page["transactions"].as_array().unwrap().len(), 3);
    let key = page["continuation_key"].as_str().unwrap().to_owned();
    let enc = |k: &str| url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>();
    let (status, _) = transactions(
        &server,
        uid,
        &format!("date_from={earliest}&continuation_key={}", enc(&key)),
    );
    assert_eq!(status, 200);
    let tampered = format!("{}0", key);
    for (account, k, from) in [
        (uid, &tampered, earliest),
        (other, &key, earliest),
        (uid, &key, earliest + Days::new(1)),
    ] {
        let (status, body) = transactions(
            &server,
            account,
            &format!("date_from={from}&continuation_key={}", enc(k)),
        );
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("WRONG_CONTINUATION_KEY"))
        );
    }
}

#[test]
fn the_daily_budget_is_per_account_and_kind_and_resets_at_midnight() {
    let server = FakeServer::start(Options::default());
    let s = session(&server, "Nordea");
    let uid = s["accounts"][0]["uid"].as_str().unwrap();
    let hash = s["accounts"][0]["identification_hash"].as_str().unwrap();
    let jwt = token(&server).sign();
    for left in (0..4).rev() {
        assert_eq!(
            get(&server, &format!("/accounts/{uid}/balances"), Some(&jwt)).status(),
            200
        );
        assert_eq!(server.remaining(hash, Scope::Balances), left);
    }
    let (status, body) = error_of(get(
        &server,
        &format!("/accounts/{uid}/balances"),
        Some(&jwt),
    ));
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("ASPSP_RATE_LIMIT_EXCEEDED"))
    );
    assert_eq!(server.remaining(hash, Scope::Details), 4);
    // A person present is not counted.
    let resp = http()
        .get(format!("{}/accounts/{uid}/balances", server.base_url()))
        .bearer_auth(&jwt)
        .header("Psu-Ip-Address", "192.0.2.1")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(server.requests().last().unwrap().psu_headers);
    let midnight = (server.now().date_naive() + Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    server.set_now(midnight);
    assert_eq!(server.remaining(hash, Scope::Balances), 4);
    server.set_remaining(hash, Scope::Balances, 0);
    let jwt = token(&server).sign();
    assert_eq!(
        get(&server, &format!("/accounts/{uid}/balances"), Some(&jwt)).status(),
        429
    );
}

#[test]
fn unknown_routes_and_methods() {
    let server = FakeServer::start(Options::default());
    let jwt = token(&server).sign();
    assert_eq!(get(&server, "/nothing", Some(&jwt)).status(), 404);
    let resp = http()
        .delete(format!("{}/aspsps", server.base_url()))
        .bearer_auth(&jwt)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 405);
    let (status, body) = error_of(get(&server, "/sessions/unknown", Some(&jwt)));
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("SESSION_DOES_NOT_EXIST"))
    );
}
