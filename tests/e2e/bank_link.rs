//! `banks`, `link`, `accounts`, `unlink`, `config check` against the fake
//! server.

use crate::common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::{Env, stderr, stdout};

#[test]
fn banks_filters_by_country_and_query_and_prints_json() {
    let env = Env::new(1);
    let assert = env
        .cmd()
        .args(["banks", "--country", "de"])
        .assert()
        .success();
    let out = stdout(&assert);
    assert!(out.starts_with("ID "), "{out}");
    assert!(
        out.contains("FAKEBANK_FAKEDEB1") && out.contains("730"),
        "{out}"
    );
    assert!(!out.contains("PIMENTA"), "PT/ES bank listed for DE: {out}");

    let assert = env
        .cmd()
        .args(["banks", "nordlicht", "--json"])
        .assert()
        .success();
    let list: serde_json::Value = serde_json::from_str(&stdout(&assert)).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], "NORDLICHT_NLBKDEFF");
    assert_eq!(list[0]["transaction_total_days"], 540);
    // By BIC, case-insensitively.
    let assert = env.cmd().args(["banks", "glmugb"]).assert().success();
    assert!(stdout(&assert).contains("Glasgow Mutual"));
}

#[test]
fn an_unknown_bank_is_a_usage_error_pointing_at_banks() {
    let env = Env::new(1);
    let err = stderr(
        env.cmd()
            .args(["link", "--bank", "NO_SUCH_BANK"])
            .assert()
            .code(2),
    );
    assert!(err.contains("gc-beancount banks"), "{err}");
}

#[test]
fn link_prints_only_the_link_on_stdout() {
    let env = Env::new(1);
    let assert = env
        .cmd()
        .args(["link", "--bank", "FAKEBANK_FAKEDEB1", "--reference", "r1"])
        .assert()
        .success();
    let out = stdout(&assert);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("https://") && out.contains("FAKEBANK_FAKEDEB1"),
        "{out}"
    );
    assert_eq!(env.count("POST", "/api/v2/agreements/enduser/"), 1);
    assert_eq!(env.count("POST", "/api/v2/requisitions/"), 1);
}

/// The whole first-time flow: link → wait → accounts → config check.
#[test]
fn link_wait_then_accounts_shows_the_new_accounts() {
    let env = Env::new(1);
    let mut child = env
        .process()
        .args([
            "link",
            "--bank",
            "GLASGOW_MUTUAL_GLMUGB2L",
            "--reference",
            "e2e-wait",
            "--wait",
            "--poll-ms",
            "100",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The requisition appears at the server; then the user "gives consent".
    let requisition = common::find_requisition(&env, "e2e-wait");
    let linked = env.server.link_requisition_with(&requisition, 2);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "link --wait did not finish");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(
        err.contains("https://"),
        "the link goes to stderr with --wait: {err}"
    );
    // stdout is a ready-to-paste accounts: block.
    assert!(out.starts_with("accounts:\n"), "{out}");
    let yaml_ids: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- id: "))
        .map(|id| id.trim_matches('"'))
        .collect();
    assert_eq!(
        yaml_ids,
        linked.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(out.contains("account: Assets:GlasgowMutual:"), "{out}");

    // Pasted into the configuration, it loads and validates.
    let mut config = std::fs::read_to_string(&env.config).unwrap();
    let block = out.strip_prefix("accounts:\n").unwrap();
    config.push_str(block);
    std::fs::write(&env.config, &config).unwrap();
    let assert = env.cmd().args(["config", "check"]).assert().success();
    let shown = stdout(&assert);
    assert!(
        shown.contains(&linked[0]) && shown.contains("Assets:GlasgowMutual"),
        "{shown}"
    );
    assert!(
        !shown.contains(&env.server.secret_key()),
        "the secret key is printed: {shown}"
    );

    // accounts lists both requisitions, the new accounts configured, without
    // touching any bank budget.
    let before_budgeted = budgeted_calls(&env);
    let assert = env.cmd().arg("accounts").assert().success();
    let listing = stdout(&assert);
    assert!(
        listing.contains(&requisition) && listing.contains("e2e-wait"),
        "{listing}"
    );
    assert!(listing.contains(&linked[1]), "{listing}");
    assert!(listing.contains("Glasgow Mutual"), "{listing}");
    assert!(!listing.contains("(not configured)"), "{listing}");
    assert_eq!(
        budgeted_calls(&env),
        before_budgeted,
        "accounts spent the bank's budget"
    );

    let assert = env.cmd().args(["accounts", "--json"]).assert().success();
    let json: serde_json::Value = serde_json::from_str(&stdout(&assert)).unwrap();
    let req = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requisition_id"] == requisition.as_str())
        .unwrap();
    assert_eq!(req["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(
        req["accounts"][0]["currency"],
        serde_json::Value::String(
            out.lines()
                .find_map(|l| l.trim().strip_prefix("currency: "))
                .unwrap()
                .trim_matches('"')
                .to_owned()
        ),
        "details fetched by link come from the store: {req}"
    );
}

/// Runs `link --wait` for a new requisition, gives consent at the fake
/// bank with accounts served from `specs`, and returns the command's output.
fn link_wait_with(
    env: &Env,
    reference: &str,
    specs: Vec<fake_gocardless::AccountSpec>,
    stdout: std::process::Stdio,
) -> (std::process::ExitStatus, Vec<String>, String) {
    let mut child = env
        .process()
        .args([
            "link",
            "--bank",
            "GLASGOW_MUTUAL_GLMUGB2L",
            "--reference",
            reference,
            "--wait",
            "--poll-ms",
            "100",
        ])
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let requisition = common::find_requisition(env, reference);
    let linked = env.server.link_requisition_specs(&requisition, specs);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "link --wait did not finish");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, linked, err)
}

/// A hostile bank names an account so that, in YAML 1.1, its comment
/// line breaks (U+2028) and a `base_url` key follows, which would send
/// the secret key elsewhere on the next run. Appended as the README says
/// (`link --wait >> gc-beancount.yaml`), the block must leave the
/// configuration's keys as they were.
#[test]
fn a_bank_account_name_cannot_add_a_key_to_the_configuration() {
    let env = Env::new(1);
    let base_url = env.server.base_url();
    std::fs::write(
        &env.config,
        format!(
            "secret_id: {}\nsecret_key: ${{TEST_SECRET_KEY}}\nbase_url: {base_url}\nstore: store.sqlite\n",
            env.server.secret_id()
        ),
    )
    .unwrap();
    let hostile = |name: &str, iban: &str| fake_gocardless::AccountSpec {
        details: Some(serde_json::json!({"account": {
            "currency": "EUR",
            "name": name,
            "iban": iban,
        }})),
        ..Default::default()
    };
    let specs = vec![
        hostile(
            "Main\u{2028}base_url: http://127.0.0.1:9/steal #",
            "GB00\u{2029}secret_key: stolen",
        ),
        hostile(
            "Savings\u{85}store: /tmp/elsewhere.sqlite",
            "GB01\nstore: x",
        ),
    ];
    let append = std::fs::OpenOptions::new()
        .append(true)
        .open(&env.config)
        .unwrap();
    let (status, linked, err) = link_wait_with(&env, "hostile-name", specs, append.into());
    assert!(status.success(), "{err}");

    let config = std::fs::read_to_string(&env.config).unwrap();
    assert!(config.contains("Main\\u{2028}base_url"), "{config}");
    let assert = env
        .cmd()
        .args(["config", "check", "--offline"])
        .assert()
        .success();
    let shown = stdout(&assert);
    let value = |key: &str| {
        shown
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(value("base_url:"), base_url, "{shown}\n{config}");
    assert!(value("store:").ends_with("/store.sqlite"), "{shown}");
    assert_eq!(value("accounts:"), "2", "{shown}");
    for id in &linked {
        assert!(shown.contains(&format!("- id: {id}")), "{shown}");
    }
}

#[test]
fn accounts_highlights_access_ending_soon_with_the_renew_command() {
    let env = Env::new(1);
    // The fake's requisition was created 30 days ago with 90 days of access:
    // 60 days from now it ends; 50 days on, 10 days are left.
    env.server.advance(chrono::Duration::days(50));
    let assert = env.cmd().arg("accounts").assert().success();
    let out = stdout(&assert);
    assert!(out.contains("ends in"), "{out}");
    assert!(
        out.contains("gc-beancount link --bank FAKEBANK_FAKEDEB1"),
        "{out}"
    );
    let assert = env.cmd().args(["accounts", "--json"]).assert().success();
    let json: serde_json::Value = serde_json::from_str(&stdout(&assert)).unwrap();
    assert_eq!(
        json[0]["renew"],
        "gc-beancount link --bank FAKEBANK_FAKEDEB1 --wait"
    );
}

#[test]
fn unlink_needs_yes_off_a_terminal_then_deletes() {
    let env = Env::new(1);
    let req = env.server.requisition_id();
    let err = stderr(env.cmd().args(["unlink", &req]).assert().code(2));
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(env.count("DELETE", "/api/v2/requisitions/"), 0);
    env.cmd().args(["unlink", &req, "--yes"]).assert().success();
    assert_eq!(env.count("DELETE", "/api/v2/requisitions/"), 1);
    let assert = env.cmd().args(["accounts", "--json"]).assert().success();
    assert!(!stdout(&assert).contains(&req));
}

#[test]
fn config_check_masks_secrets_and_finds_unknown_accounts() {
    let env = Env::new(2);
    let assert = env.cmd().args(["config", "check"]).assert().success();
    let out = stdout(&assert);
    assert!(
        out.contains("secret_key:") && out.contains("characters"),
        "{out}"
    );
    assert!(!out.contains(&env.server.secret_key()));
    assert_eq!(
        env.count("GET", "/api/v2/accounts/"),
        2,
        "one metadata request per account"
    );
    assert_eq!(budgeted_calls(&env), 0);

    let mut ids = env.server.account_ids();
    ids.push("0b9e0c9e-1111-4c4c-9b9b-000000000001".to_owned());
    env.write_config(&ids);
    let err = stderr(env.cmd().args(["config", "check"]).assert().code(2));
    assert!(
        err.contains("0b9e0c9e-1111-4c4c-9b9b-000000000001"),
        "{err}"
    );
    assert!(err.contains("do not exist"), "{err}");
}

#[test]
fn wrong_credentials_say_what_to_check() {
    let env = Env::new(1);
    let err = stderr(
        env.cmd()
            .env("TEST_SECRET_KEY", "wrong")
            .arg("banks")
            .assert()
            .code(2),
    );
    assert!(err.contains("secret_key"), "{err}");
    assert!(!err.contains(&env.server.secret_key()));
}

/// Reads of the bank's budgeted scopes.
fn budgeted_calls(env: &Env) -> usize {
    env.server
        .requests()
        .iter()
        .filter(|r| {
            ["/details/", "/balances/", "/transactions/"]
                .iter()
                .any(|s| r.path.ends_with(s))
        })
        .count()
}

#[test]
fn link_retries_with_90_days_when_the_bank_refuses_longer_terms() {
    let env = Env::new(1);
    let assert = env
        .cmd()
        .args([
            "link",
            "--bank",
            "NORDLICHT_NLBKDEFF",
            "--history-days",
            "900",
            "--access-days",
            "400",
        ])
        .assert()
        .success();
    let err = stderr(assert);
    assert!(
        err.contains("the bank refused 900 days of history"),
        "{err}"
    );
    assert!(
        err.contains("90 days of history, access for 90 days"),
        "{err}"
    );
    assert_eq!(env.count("POST", "/api/v2/agreements/enduser/"), 2);
    assert_eq!(env.count("POST", "/api/v2/requisitions/"), 1);
}

/// A configuration without accounts is not called valid by `config check`
/// when `import` would refuse it: both say what to do.
#[test]
fn config_check_and_import_agree_that_no_accounts_is_not_ready() {
    let env = Env::new(1);
    env.write_config(&[]);
    for args in [
        &["config", "check", "--offline"][..],
        &["config", "check"],
        &["import"],
    ] {
        let err = stderr(env.cmd().args(args).assert().code(2));
        assert!(
            err.contains("no accounts configured") && err.contains("gc-beancount link --bank"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("is valid"), "{args:?}: {err}");
    }
}
