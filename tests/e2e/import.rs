//! `import`, `fetch`, `status` against the fake server: the daily use.

use crate::common;

use common::{Env, bean_check_text, stderr, stdout};
use fake_gocardless::{AccountSpec, Scope};

#[test]
fn import_writes_beancount_that_passes_bean_check_and_only_that_on_stdout() {
    let env = Env::new(2);
    let assert = env.cmd().arg("import").assert().success();
    let out = stdout(&assert);
    let ids = env.server.account_ids();
    for (id, account) in ids
        .iter()
        .zip(["Assets:Bank:Current", "Assets:Bank:Account1"])
    {
        assert!(out.contains(&format!("id {id}")), "no block for {id}");
        assert!(out.contains(account), "{account} missing");
    }
    assert!(out.matches("gocardless_id:").count() > 100, "{out}");
    assert!(
        out.contains("\nbalance ") || out.contains(" balance Assets:Bank:"),
        "no balance assertion: {out}"
    );
    bean_check_text(env.dir.path(), &out);
}

#[test]
fn two_runs_in_a_row_log_in_once_and_ask_the_bank_once() {
    let env = Env::new(2);
    let first = stdout(&env.cmd().arg("import").assert().success());
    let second = stdout(&env.cmd().arg("import").assert().success());
    assert_eq!(
        first, second,
        "the second run, served from the store, differs"
    );
    assert_eq!(
        env.count("POST", "/api/v2/token/new/"),
        1,
        "the second process logged in again"
    );
    let tx = env
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/transactions/"))
        .count();
    assert_eq!(tx, 2, "one transactions request per account over both runs");

    // A day later the access token has expired: it is refreshed, not
    // replaced by a new login, and the bank is asked again.
    env.server.advance(chrono::Duration::days(1));
    env.cmd().arg("import").assert().success();
    assert_eq!(env.count("POST", "/api/v2/token/new/"), 1);
    assert_eq!(env.count("POST", "/api/v2/token/refresh/"), 1);
    let tx = env
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/transactions/"))
        .count();
    assert_eq!(tx, 4);
}

#[test]
fn the_bank_daily_limit_falls_back_to_stored_data_with_a_warning() {
    let env = Env::new(1);
    let id = env.server.account_ids()[0].clone();
    let first = stdout(&env.cmd().arg("import").assert().success());
    // Seven hours later the stored answer is past its TTL, and the bank has
    // no reads left today.
    env.server.advance(chrono::Duration::hours(7));
    env.server.set_remaining(&id, Scope::Transactions, 0);
    env.server.set_remaining(&id, Scope::Balances, 0);
    let assert = env.cmd().arg("import").assert().success();
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(
        err.contains("using the transactions stored 7 h 0 min ago"),
        "{err}"
    );
    assert!(err.contains("daily"), "{err}");
    assert!(
        err.contains("can be asked again at 2026-11-21 00:00 UTC"),
        "{err}"
    );
    assert_eq!(out, first, "the stored data is written");
    let refused = env
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/transactions/") && r.status == 429)
        .count();
    assert_eq!(refused, 1, "the bank was asked once and refused");

    // The budget is now known to be spent: the next run does not even ask.
    env.cmd().arg("import").assert().success();
    let asked = env
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/transactions/"))
        .count();
    assert_eq!(asked, 2);
    let assert = env.cmd().args(["status", "--json"]).assert().success();
    let status: serde_json::Value = serde_json::from_str(&stdout(&assert)).unwrap();
    let tx = status["accounts"][0]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "transactions")
        .unwrap()
        .clone();
    assert_eq!(tx["remaining_today"], 0, "{status}");
    assert_eq!(tx["fresh"], false, "{status}");
}

#[test]
fn an_expired_agreement_on_one_account_gives_exit_3_the_other_account_and_the_relink_hint() {
    let env = Env::new(2);
    let ids = env.server.account_ids();
    env.server.expire_access(&ids[1]);
    let assert = env.cmd().arg("import").assert().code(3);
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(
        out.contains("Assets:Bank:Current") && out.contains("gocardless_id"),
        "{out}"
    );
    assert!(!out.contains("Assets:Bank:Account1"), "{out}");
    assert!(err.contains(&ids[1]), "{err}");
    assert!(
        err.contains("gc-beancount link --bank FAKEBANK_FAKEDEB1"),
        "{err}"
    );
    assert!(err.contains("1 of 2 accounts failed"), "{err}");
    bean_check_text(env.dir.path(), &out);
}

#[test]
fn offline_works_with_the_server_stopped_and_fails_clearly_with_nothing_stored() {
    let env = Env::new(2);
    let online = stdout(&env.cmd().arg("import").assert().success());
    let runner = env.runner();
    let Env { server, dir, .. } = env;
    drop(server);
    let assert = runner
        .cmd()
        .args(["import", "--offline"])
        .assert()
        .success();
    assert_eq!(stdout(&assert), online);
    // An account never fetched: its error names it, the other is written.
    let mut config = std::fs::read_to_string(&runner.config).unwrap();
    config
        .push_str("  - id: 0b9e0c9e-1111-4c4c-9b9b-000000000001\n    account: Assets:Bank:Never\n");
    std::fs::write(&runner.config, config).unwrap();
    let assert = runner.cmd().args(["import", "--offline"]).assert().code(3);
    let err = stderr(assert);
    assert!(
        err.contains("0b9e0c9e-1111-4c4c-9b9b-000000000001") && err.contains("offline"),
        "{err}"
    );
    drop(dir);
}

#[test]
fn account_selection_window_and_output_file() {
    let env = Env::new(2);
    let out_file = env.dir.path().join("new.beancount");
    let assert = env
        .cmd()
        .args([
            "import",
            "--account",
            "current",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-10",
            "-o",
        ])
        .arg(&out_file)
        .assert()
        .success();
    assert_eq!(stdout(&assert), "", "with -o nothing goes to stdout");
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        text.contains("Assets:Bank:Current") && !text.contains("Assets:Bank:Account1"),
        "{text}"
    );
    for line in text.lines().filter(|l| l.starts_with("2026-")) {
        let date = &line[..10];
        assert!(("2026-11-01"..="2026-11-11").contains(&date), "{line}");
    }
    let tx: Vec<_> = env
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/transactions/"))
        .collect();
    assert_eq!(tx.len(), 1);
    assert!(
        tx[0].query.contains("date_from=2026-11-01") && tx[0].query.contains("date_to=2026-11-10"),
        "{:?}",
        tx[0]
    );

    let err = stderr(
        env.cmd()
            .args(["import", "--account", "nope"])
            .assert()
            .code(2),
    );
    assert!(err.contains("current ("), "{err}");
    let err = stderr(
        env.cmd()
            .args(["import", "--since", "2026-11-10", "--until", "2026-11-01"])
            .assert()
            .code(2),
    );
    assert!(err.contains("after"), "{err}");
}

#[test]
fn fetch_archives_responses_that_extract_converts_to_the_same_output() {
    let env = Env::new(2);
    let archive = env.dir.path().join("archive");
    let assert = env
        .cmd()
        .arg("fetch")
        .arg("--archive")
        .arg(&archive)
        .assert()
        .success();
    assert_eq!(stdout(&assert), "");
    let mut names: Vec<String> = std::fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    // Bank data, as private as the store.
    #[cfg(unix)]
    for name in &names {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(archive.join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let imported = stdout(&env.cmd().arg("import").assert().success());
    let extracted = stdout(&env.cmd().arg("extract").arg(&archive).assert().success());
    assert_eq!(imported, extracted);
    // import was answered from the store that fetch filled.
    let tx = env
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/transactions/"))
        .count();
    assert_eq!(tx, 2);
}

#[test]
fn a_transaction_that_cannot_be_converted_gives_exit_4_and_keeps_the_rest() {
    let env = Env::new(1);
    let bad = serde_json::json!({"transactions": {"booked": [
        {"transactionId": "good-1", "bookingDate": "2026-11-18",
         "transactionAmount": {"amount": "-5.00", "currency": "EUR"}, "creditorName": "Kiosk"},
        {"transactionId": "no-date-1",
         "transactionAmount": {"amount": "-7.00", "currency": "EUR"}}
    ], "pending": []}});
    let balances = serde_json::json!({"balances": []});
    let extra = env.server.add_account(AccountSpec::payloads(bad, balances));
    let mut ids = env.server.account_ids();
    if !ids.contains(&extra) {
        ids.push(extra.clone());
    }
    env.write_config(&ids);
    let assert = env.cmd().arg("import").assert().code(4);
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(out.contains("\"Kiosk\""), "{out}");
    assert!(out.contains("no-date-1"), "kept as a comment: {out}");
    assert!(err.contains("no-date-1"), "{err}");
    bean_check_text(env.dir.path(), &out);
}

#[test]
fn status_shows_budget_freshness_access_and_token() {
    let env = Env::new(1);
    let assert = env.cmd().arg("status").assert().success();
    let before = stdout(&assert);
    assert!(before.contains("never"), "{before}");
    env.cmd().arg("import").assert().success();
    let assert = env.cmd().arg("status").assert().success();
    let out = stdout(&assert);
    assert!(out.contains("fresh") && out.contains("3 of 4"), "{out}");
    assert!(out.contains("access: until"), "{out}");
    assert!(out.contains("token:  valid"), "{out}");
    let budgeted = env
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/transactions/"))
        .count();
    assert_eq!(budgeted, 1, "status spent bank budget");
}

#[test]
fn secrets_and_tokens_never_reach_stderr_even_at_trace_level() {
    let env = Env::new(1);
    let assert = env.cmd().args(["import", "-vvv"]).assert().success();
    let err = stderr(assert);
    assert!(
        err.contains("TRACE") || err.contains("DEBUG"),
        "no diagnostics at -vvv: {err}"
    );
    let store = gocardless::store::Store::open(env.store()).unwrap();
    let tokens = store
        .load_tokens(&env.server.secret_id())
        .unwrap()
        .expect("tokens stored");
    for secret in [
        env.server.secret_key(),
        tokens.access.expose().to_owned(),
        tokens.refresh.expose().to_owned(),
    ] {
        assert!(!err.contains(&secret), "a secret reached stderr");
    }
    // RUST_LOG overrides -q.
    let assert = env
        .cmd()
        .env("RUST_LOG", "debug")
        .args(["import", "-q", "--refresh"])
        .assert()
        .success();
    assert!(stderr(assert).contains("DEBUG"));
}

#[test]
fn the_preset_of_the_accounts_bank_is_chosen_by_its_institution() {
    let env = Env::new(1);
    // Actual's Commerzbank test inputs, dated within the fetched window.
    let text = std::fs::read_to_string(common::fixtures().join("banks/commerzbank_cobadeff.json"))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let day = (env.server.now() - chrono::Duration::days(3))
        .date_naive()
        .to_string();
    let booked: Vec<serde_json::Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "transaction" && i["value"]["transactionAmount"].is_object())
        .map(|i| {
            let mut t = i["value"].clone();
            t["bookingDate"] = day.clone().into();
            t["valueDate"] = day.clone().into();
            t
        })
        .collect();
    let cbk = env.server.add_account(AccountSpec {
        transactions: Some(serde_json::json!({"transactions": {"booked": booked, "pending": []}})),
        institution_id: Some("COMMERZBANK_COBADEFF".into()),
        ..AccountSpec::default()
    });
    env.write_config(&[cbk]);
    let assert = env.cmd().arg("import").assert().success();
    let out = stdout(&assert);
    assert!(
        out.contains("\"2024-12-19T15:34:31 KFN 1 AB 1234, Kartenzahlung\""),
        "{out}"
    );
    bean_check_text(env.dir.path(), &out);
    // Once the store knows the bank, `config check` says which preset applies.
    let check = env
        .cmd()
        .args(["config", "check", "--offline"])
        .assert()
        .success();
    let shown = stdout(&check);
    assert!(
        shown.contains("preset: commerzbank (for COMMERZBANK_COBADEFF)"),
        "{shown}"
    );
}

/// A bank answering a transactions request with a top-level JSON array
/// (valid JSON, but not the response) fails that account clearly; it is
/// never read as a response with nothing in it.
#[test]
fn a_transactions_answer_that_is_a_json_array_fails_the_account_clearly() {
    let env = Env::new(2);
    let ids = env.server.account_ids();
    env.server.inject(fake_gocardless::Fault::next(
        &format!("/accounts/{}/transactions/", ids[1]),
        1,
        fake_gocardless::FaultKind::Body {
            status: 200,
            body: "[]".into(),
        },
    ));
    let assert = env.cmd().arg("import").assert().code(3);
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(out.contains("Assets:Bank:Current"), "{out}");
    assert!(!out.contains("Assets:Bank:Account1"), "{out}");
    let line = err
        .lines()
        .find(|l| l.contains(&ids[1]))
        .unwrap_or_default();
    assert!(line.contains("expected a JSON object"), "{err}");
}

/// A `store:` naming a file that is not a store is refused, and left as
/// it was: its permissions too (the message says it was left untouched).
#[cfg(unix)]
#[test]
fn a_store_setting_naming_another_file_leaves_that_file_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new(1);
    let notes = env.dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    std::fs::set_permissions(&notes, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = std::fs::read_to_string(&env.config)
        .unwrap()
        .replace("store: store.sqlite", "store: notes.txt");
    std::fs::write(&env.config, config).unwrap();
    let err = stderr(env.cmd().arg("import").assert().failure());
    assert!(
        err.contains("notes.txt") && err.contains("left untouched"),
        "{err}"
    );
    let meta = std::fs::metadata(&notes).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o644);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    assert_eq!(env.count("POST", "/api/v2/token/new/"), 0);
}

/// The secrets of a run: the secret key and the stored tokens.
fn run_secrets(env: &Env) -> Vec<String> {
    let mut secrets = vec![env.server.secret_key()];
    if let Ok(store) = gocardless::store::Store::open(env.store())
        && let Ok(Some(t)) = store.load_tokens(&env.server.secret_id())
    {
        secrets.push(t.access.expose().to_owned());
        secrets.push(t.refresh.expose().to_owned());
    }
    secrets
}

/// Asserts that stderr shows an echo, masked, and no secret of the run.
fn assert_masked(env: &Env, err: &str, what: &str) {
    for secret in run_secrets(env) {
        assert!(
            !err.contains(&secret),
            "{what}: a secret reached stderr:\n{err}"
        );
        // Not even its first half (a cut quote of it).
        assert!(
            !err.contains(&secret[..secret.len() / 2]),
            "{what}: part of a secret reached stderr:\n{err}"
        );
    }
    assert!(err.contains("[redacted]"), "{what}: no echo shown:\n{err}");
}

/// A server that echoes the request in its answer (its `Authorization`
/// header, its body with the secret key or the refresh token) in an error
/// or in a malformed 200 gets none of it printed, at any verbosity.
#[test]
fn secrets_a_server_echoes_back_never_reach_stderr() {
    use fake_gocardless::{Fault, FaultKind};
    let env = Env::new(1);
    // The login's body carries the secret key.
    env.server
        .inject(Fault::next("/token/new/", 1, FaultKind::Echo(400)));
    let err = stderr(env.cmd().args(["import", "-vv"]).assert().failure());
    assert_masked(&env, &err, "token/new");

    // Logged in; the bearer token echoed by a 400, a 401 and a 200.
    env.cmd().arg("import").assert().success();
    for status in [400, 401, 200] {
        env.server
            .inject(Fault::next("/transactions/", 3, FaultKind::Echo(status)));
        let err = stderr(
            env.cmd()
                .args(["import", "--refresh", "-vvv"])
                .assert()
                .failure(),
        );
        assert_masked(&env, &err, &format!("transactions {status}"));
    }

    // A day on, the refresh's body carries the refresh token.
    env.server.advance(chrono::Duration::days(1));
    env.server
        .inject(Fault::next("/token/refresh/", 1, FaultKind::Echo(400)));
    let err = stderr(
        env.cmd()
            .env("GC_BEANCOUNT_NOW", env.server.now().to_rfc3339())
            .args(["import", "-vv"])
            .assert()
            .failure(),
    );
    assert_masked(&env, &err, "token/refresh");
}

/// A server's message carrying terminal escapes, bidi controls and a
/// newline followed by a forged `error:` line is shown on its own line with
/// all of them visible: it can neither drive the terminal nor pass for a
/// line of the tool's own, with or without colour.
#[test]
fn a_servers_message_can_neither_drive_the_terminal_nor_forge_a_line() {
    use fake_gocardless::{Fault, FaultKind};
    let env = Env::new(1);
    let body = serde_json::json!({
        "summary": "\u{1b}]0;pwned\u{7}Bad\u{1b}[2J\u{1b}[H",
        "detail": "x\nerror: forged line\r\u{202e}desrever\u{85}warning: forged too",
        "status_code": 400,
    });
    for color in ["never", "always"] {
        env.server.inject(Fault::next(
            "/transactions/",
            1,
            FaultKind::Body {
                status: 400,
                body: body.to_string(),
            },
        ));
        let err = stderr(
            env.cmd()
                .args(["import", "--refresh", "-v", "--color", color])
                .assert()
                .failure(),
        );
        for bad in [
            "\u{1b}]",
            "\u{1b}[2J",
            "\u{1b}[H",
            "\u{7}",
            "\r",
            "\u{202e}",
            "\u{85}",
        ] {
            assert!(
                !err.contains(bad),
                "{color}: {bad:?} reached stderr:\n{err:?}"
            );
        }
        for line in err.lines() {
            let line = line.trim_start();
            assert!(
                !line.starts_with("error: forged") && !line.starts_with("warning: forged"),
                "{color}: a forged line:\n{err}"
            );
        }
        assert!(err.contains(r"\u{1b}]0;pwned"), "{color}: {err}");
        if color == "always" {
            assert!(err.contains("\u{1b}[1;31merror"), "{color}: {err:?}");
        }
    }
}

/// Token requests are repeated after a dropped connection or a server
/// error, and the accounts fetched at once share one: counted at the
/// server. Wrong credentials cost one `token/new` per run.
#[test]
fn token_requests_are_retried_shared_and_never_repeated_for_wrong_credentials() {
    use fake_gocardless::{Fault, FaultKind};
    let env = Env::new(3);
    let tokens = |env: &Env| {
        (
            env.count("POST", "/api/v2/token/new/"),
            env.count("POST", "/api/v2/token/refresh/"),
        )
    };
    env.server
        .inject(Fault::next("/token/new/", 1, FaultKind::Drop));
    env.server
        .inject(Fault::next("/token/new/", 2, FaultKind::Status(500)));
    env.cmd().arg("import").assert().success();
    assert_eq!(tokens(&env), (3, 0));

    // A day on: the three accounts need a refresh at once; one is made,
    // and a 500 on it is retried.
    env.server.advance(chrono::Duration::days(1));
    env.server
        .inject(Fault::next("/token/refresh/", 1, FaultKind::Status(500)));
    env.cmd()
        .env("GC_BEANCOUNT_NOW", env.server.now().to_rfc3339())
        .arg("import")
        .assert()
        .success();
    assert_eq!(tokens(&env), (3, 2));

    // The next day the refresh fails for good: it is tried by one account's
    // thread, as often as the retry policy allows, not once per account.
    env.server.advance(chrono::Duration::days(1));
    env.server
        .inject(Fault::next("/token/refresh/", 1000, FaultKind::Status(500)));
    let err = stderr(
        env.cmd()
            .env("GC_BEANCOUNT_NOW", env.server.now().to_rfc3339())
            .arg("import")
            .assert()
            .failure(),
    );
    assert!(err.contains("POST token/refresh"), "{err}");
    let attempts = gocardless::RetryPolicy::default().max_attempts as usize;
    assert_eq!(tokens(&env), (3, 2 + attempts), "{err}");

    // Wrong credentials: one token/new for the run, whatever the accounts.
    let wrong = Env::new(3);
    let err = stderr(
        wrong
            .cmd()
            .env("TEST_SECRET_KEY", "not-the-secret-key")
            .arg("import")
            .assert()
            .failure(),
    );
    assert!(err.contains("secret_key"), "{err}");
    assert_eq!(tokens(&wrong), (1, 0), "{err}");
}

/// A source that cannot be opened (here Enable Banking's key file is
/// missing) loses its own accounts only: the others are written.
#[test]
fn a_source_that_cannot_be_opened_leaves_the_other_sources_written() {
    let env = Env::new(1);
    let id = &env.server.account_ids()[0];
    std::fs::write(
        &env.config,
        format!(
            "store: store.sqlite\nsources:\n  gocardless:\n    provider: gocardless\n    \
             secret_id: {}\n    secret_key: ${{TEST_SECRET_KEY}}\n    base_url: {}\n  eb:\n    \
             provider: enablebanking\n    application_id: 7f1c4a2e-0000-4000-8000-000000000001\n    \
             private_key: missing.pem\naccounts:\n  - {{ id: {id}, source: gocardless, account: \
             Assets:Bank:Current }}\n  - {{ id: hash-1, source: eb, account: Assets:EB:Checking }}\n",
            env.server.secret_id(),
            env.server.base_url()
        ),
    )
    .unwrap();
    let assert = env.cmd().arg("import").assert().code(3);
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(out.contains("gocardless_id"), "{out}");
    assert!(!out.contains("Assets:EB:Checking"), "{out}");
    assert!(
        err.contains("source eb:") && err.contains("missing.pem"),
        "{err}"
    );
    assert!(err.contains("1 of 2 accounts failed"), "{err}");
    bean_check_text(env.dir.path(), &out);
}
