//! The client against the fake Bridge, over real HTTP on 127.0.0.1, and
//! against every payload of `shared/providers/simplefin/`.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use fake_simplefin::{FakeServer, Fault, FaultKind, Options, QuotaMode, Trouble, Versions};
use simplefin::{
    AccessUrl, AccountSet, AccountsQuery, Client, Config, Error, ErrorClass, RetryPolicy, Secret,
    Transaction, Version,
};

const ACCOUNTS: &str = "/simplefin/accounts";

/// Retries fast enough for tests; the counts, not the times, are checked.
fn config() -> Config {
    Config {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_total: Duration::from_secs(20),
            max_api_wait: Duration::from_secs(2),
        },
        source_name: "my-simplefin".to_owned(),
        ..Config::default()
    }
}

struct Env {
    server: FakeServer,
    client: Client,
}

/// A server, and a client of the access URL claimed from its setup token;
/// the counters start after the claim.
fn env(opts: Options) -> Env {
    env_with(opts, config())
}

fn env_with(opts: Options, config: Config) -> Env {
    let server = FakeServer::start(opts);
    let access = simplefin::claim(&Secret::new(server.setup_token()), &config).unwrap();
    let client = Client::new(access, config).unwrap();
    server.reset_counters();
    Env { server, client }
}

fn last_days(server: &FakeServer, days: i64) -> AccountsQuery {
    let end = server.now();
    AccountsQuery {
        pending: true,
        ..AccountsQuery::window(end - TimeDelta::days(days), end)
    }
}

fn parsed(set: &AccountSet, account: &str) -> Vec<Transaction> {
    set.account(account)
        .unwrap()
        .transactions
        .iter()
        .map(|r| r.parse().unwrap())
        .collect()
}

/// The secrets of an access URL `http://user:password@host/path`, in every
/// form a server could echo them.
fn secrets_of(access: &str) -> Vec<String> {
    use base64::Engine;
    let rest = access.split_once("://").unwrap().1;
    let (userinfo, _) = rest.split_once('@').unwrap();
    let (user, password) = userinfo.split_once(':').unwrap();
    vec![
        access.to_owned(),
        user.to_owned(),
        password.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(userinfo),
    ]
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "secret {s:?} in {text}");
    }
}

mod claim {
    use super::*;

    #[test]
    fn a_setup_token_is_claimed_once_then_refused_as_compromised() {
        let server = FakeServer::start(Options::default());
        let token = Secret::new(server.setup_token());
        let access = simplefin::claim(&token, &config()).unwrap();
        assert_eq!(access.expose(), server.latest_access_url());
        let shown = format!("{access} {access:?}");
        assert_no_secret(&shown, &secrets_of(access.expose()));
        assert!(shown.contains("[redacted]@127.0.0.1"), "{shown}");

        let again = simplefin::claim(&token, &config()).unwrap_err();
        assert!(matches!(again, Error::TokenClaimed { .. }), "{again:?}");
        assert!(again.needs_new_setup_token());
        let msg = again.to_string();
        assert!(
            msg.contains("HTTP 403")
                && msg.contains("may be compromised")
                && msg.contains("disable it"),
            "{msg}"
        );
        assert_eq!(server.count("POST", "/simplefin/claim/"), 2);

        // The access URL works, and a new setup token gives another one.
        let client = Client::new(access.clone(), config()).unwrap();
        assert!(
            !client
                .accounts(&AccountsQuery::balances())
                .unwrap()
                .accounts
                .is_empty()
        );
        let second = simplefin::claim(&Secret::new(server.new_setup_token()), &config()).unwrap();
        assert_ne!(second.expose(), access.expose());
    }

    #[test]
    fn unusable_setup_tokens_are_refused_before_any_request() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let server = FakeServer::start(Options::default());
        let claim_url = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(server.setup_token())
                .unwrap(),
        )
        .unwrap();
        let remote = claim_url.replace("127.0.0.1", "bridge.example.com");
        for (token, says) in [
            ("%%%not base64%%%".to_owned(), "not base64"),
            (b64("not a url at all"), "does not decode to a URL"),
            (b64(&remote), "plain http"),
            (b64("file:///etc/passwd"), "scheme"),
        ] {
            let e = simplefin::claim(&Secret::new(token.clone()), &config()).unwrap_err();
            assert!(matches!(e, Error::SetupToken { .. }), "{e:?}");
            let msg = format!("{e} {e:?}");
            assert!(msg.contains(says), "{says}: {msg}");
            assert!(!msg.contains(&token), "the token is quoted: {msg}");
        }
        assert!(server.requests().is_empty());
    }

    #[test]
    fn a_claim_is_retried_only_when_it_cannot_have_been_processed() {
        let server = FakeServer::start(Options::default());
        let token = Secret::new(server.setup_token());
        // 503: not processed, so sent again.
        server.inject(Fault::next("/claim/", 1, FaultKind::Status(503)));
        simplefin::claim(&token, &config()).unwrap();
        assert_eq!(server.count("POST", "/simplefin/claim/"), 2);

        // A dropped answer or a 500 may hide a claim that succeeded: one
        // attempt only, so that the user is not told their token leaked.
        let token = Secret::new(server.new_setup_token());
        server.reset_counters();
        server.inject(Fault::next("/claim/", 1, FaultKind::Drop));
        let e = simplefin::claim(&token, &config()).unwrap_err();
        assert!(matches!(e, Error::Connection { .. }), "{e:?}");
        server.inject(Fault::next("/claim/", 1, FaultKind::Status(500)));
        let e = simplefin::claim(&token, &config()).unwrap_err();
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
        assert_eq!(server.count("POST", "/simplefin/claim/"), 2);
        // Neither was processed by the fake: the token still claims.
        simplefin::claim(&token, &config()).unwrap();
    }

    #[test]
    fn a_claim_answer_that_is_no_access_url_is_malformed_and_not_quoted() {
        let server = FakeServer::start(Options::default());
        let token = Secret::new(server.setup_token());
        server.inject(Fault::next("/claim/", 1, FaultKind::Malformed));
        let e = simplefin::claim(&token, &config()).unwrap_err();
        let Error::Malformed { body_start, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(body_start.is_empty());
        assert_no_secret(
            &format!("{e} {e:?}"),
            &secrets_of(&server.latest_access_url()),
        );
    }

    #[test]
    fn the_claim_token_is_never_quoted_even_when_the_server_echoes_it() {
        use base64::Engine;
        let server = FakeServer::start(Options {
            echo_secrets: true,
            ..Options::default()
        });
        let token_text = server.setup_token();
        let claim_url = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(&token_text)
                .unwrap(),
        )
        .unwrap();
        let claim_token = claim_url.rsplit('/').next().unwrap().to_owned();
        let token = Secret::new(token_text.clone());
        let access = simplefin::claim(&token, &config()).unwrap();
        let e = simplefin::claim(&token, &config()).unwrap_err();
        let msg = format!("{e} {e:?}");
        assert!(msg.contains("[redacted]"), "the fake did echo: {msg}");
        let mut secrets = secrets_of(access.expose());
        secrets.extend([token_text, claim_url, claim_token]);
        assert_no_secret(&msg, &secrets);
    }
}

mod version {
    use super::*;

    #[test]
    fn version_2_is_used_when_listed_and_info_is_asked_once() {
        let Env { server, client } = env(Options::default());
        assert_eq!(client.version().unwrap(), Version::V2);
        let set = client.accounts(&AccountsQuery::balances()).unwrap();
        client.accounts(&AccountsQuery::balances()).unwrap();
        assert_eq!(server.count("GET", "/simplefin/info"), 1);
        let logs: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.path == ACCOUNTS)
            .collect();
        assert_eq!(logs.len(), 2);
        assert!(
            logs.iter()
                .all(|r| r.param("version").as_deref() == Some("2"))
        );
        let a = &set.accounts[0];
        assert!(a.org.is_none());
        let conn = set.connection_of(a).unwrap();
        assert_eq!(conn.org_name.as_deref(), Some("First Fake Bank"));
    }

    #[test]
    fn version_1_servers_get_no_version_parameter() {
        let Env { server, client } = env(Options {
            versions: Versions::OneOnly,
            ..Options::default()
        });
        assert_eq!(client.version().unwrap(), Version::V1);
        let set = client.accounts(&AccountsQuery::balances()).unwrap();
        let log = server
            .requests()
            .into_iter()
            .find(|r| r.path == ACCOUNTS)
            .unwrap();
        assert_eq!(log.param("version"), None);
        let a = &set.accounts[0];
        assert!(a.conn_id.is_none());
        assert_eq!(
            a.org.as_ref().unwrap().display_name(),
            Some("First Fake Bank")
        );
        assert!(set.connections.is_empty());
    }

    #[test]
    fn a_configured_version_skips_info() {
        let Env { server, client } = env_with(
            Options::default(),
            Config {
                version: Some(Version::V1),
                ..config()
            },
        );
        let set = client.accounts(&AccountsQuery::balances()).unwrap();
        assert_eq!(server.count("GET", "/simplefin/info"), 0);
        assert!(set.accounts[0].org.is_some());
    }
}

mod window {
    use super::*;

    #[test]
    fn a_200_day_window_is_three_requests_merged_without_duplicates() {
        let Env { server, client } = env(Options::default());
        let q = last_days(&server, 200);
        assert_eq!(q.request_count(), 3);
        let set = client.accounts(&q).unwrap();
        assert_eq!(server.count("GET", ACCOUNTS), 3);
        assert_eq!(set.requests, 3);
        let windows: Vec<(i64, i64)> = server
            .requests()
            .iter()
            .filter(|r| r.path == ACCOUNTS)
            .map(|r| {
                let p = |k| r.param(k).unwrap().parse::<i64>().unwrap();
                (p("start-date"), p("end-date"))
            })
            .collect();
        assert_eq!(windows[0].0, q.start.unwrap().timestamp());
        assert_eq!(windows[2].1, q.end.unwrap().timestamp());
        assert!(windows.windows(2).all(|w| w[0].1 == w[1].0));
        assert!(windows.iter().all(|(s, e)| e - s <= 90 * 86_400));
        assert!(
            set.messages.is_empty(),
            "nothing capped: {:?}",
            set.messages
        );

        // The same transactions as the three windows asked one by one.
        let (start, end) = (q.start.unwrap(), q.end.unwrap());
        let mut one_by_one: Vec<AccountSet> = Vec::new();
        let mut from = start;
        while from < end {
            let to = (from + TimeDelta::days(90)).min(end);
            let part = AccountsQuery {
                pending: true,
                ..AccountsQuery::window(from, to)
            };
            one_by_one.push(client.accounts(&part).unwrap());
            from = to;
        }
        for account in &set.accounts {
            let merged = parsed(&set, &account.id);
            let ids: HashSet<&str> = merged.iter().map(|t| t.id.as_str()).collect();
            assert_eq!(ids.len(), merged.len(), "duplicates in {}", account.id);
            let expected: usize = one_by_one
                .iter()
                .map(|s| s.account(&account.id).unwrap().transactions.len())
                .sum();
            assert_eq!(merged.len(), expected, "{}", account.id);
            for t in merged.iter().filter(|t| !t.is_pending()) {
                let posted = t.posted.unwrap();
                assert!(start <= posted && posted < end, "{t:?}");
            }
        }
        let checking = parsed(&set, &server.account_ids()[0]);
        assert!(checking.len() > 100, "200 days of a checking account");
        let oldest = checking.iter().filter_map(|t| t.posted).min().unwrap();
        assert!(
            oldest < start + TimeDelta::days(5),
            "the first window is kept: {oldest}"
        );
    }

    #[test]
    fn ninety_days_is_one_request_ninety_one_two() {
        let Env { server, client } = env(Options::default());
        client.accounts(&last_days(&server, 90)).unwrap();
        assert_eq!(server.count("GET", ACCOUNTS), 1);
        server.reset_counters();
        let set = client.accounts(&last_days(&server, 91)).unwrap();
        assert_eq!((server.count("GET", ACCOUNTS), set.requests), (2, 2));
    }

    #[test]
    fn a_window_ending_before_it_starts_sends_nothing() {
        let Env { server, client } = env(Options::default());
        let now = server.now();
        let e = client
            .accounts(&AccountsQuery::window(now, now - TimeDelta::days(1)))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        assert!(server.requests().is_empty());
    }
}

mod pending {
    use super::*;

    #[test]
    fn pending_transactions_post_the_next_day_under_a_new_id() {
        let Env { server, client } = env(Options::default());
        let card = server.account_ids()[1].clone();
        let without = client
            .accounts(&AccountsQuery {
                pending: false,
                ..last_days(&server, 10)
            })
            .unwrap();
        assert!(parsed(&without, &card).iter().all(|t| !t.is_pending()));

        // Walk day by day until a pending restaurant bill posts with a tip.
        let mut tipped = 0;
        let mut posted_seen = 0;
        for _ in 0..20 {
            let before = parsed(&client.accounts(&last_days(&server, 10)).unwrap(), &card);
            let pending: Vec<&Transaction> = before.iter().filter(|t| t.is_pending()).collect();
            for t in &pending {
                assert!(t.posted.is_none() && t.pending);
                assert_eq!(
                    t.transacted_at.unwrap().date_naive(),
                    server.now().date_naive()
                );
            }
            server.advance(TimeDelta::days(1));
            let after = parsed(&client.accounts(&last_days(&server, 10)).unwrap(), &card);
            for p in pending {
                assert!(after.iter().all(|t| t.id != p.id), "{} still there", p.id);
                let posted = after
                    .iter()
                    .find(|t| {
                        !t.is_pending()
                            && t.transacted_at == p.transacted_at
                            && t.description == p.description
                    })
                    .unwrap_or_else(|| panic!("{} never posted", p.id));
                posted_seen += 1;
                assert!(posted.posted.unwrap() > p.transacted_at.unwrap());
                if posted.amount != p.amount {
                    assert!(posted.amount < p.amount, "a tip makes it larger");
                    tipped += 1;
                }
            }
            if tipped > 0 {
                break;
            }
        }
        assert!(
            posted_seen > 0 && tipped > 0,
            "{posted_seen} posted, {tipped} tipped"
        );
    }

    #[test]
    fn balances_move_by_what_posted() {
        let Env { server, client } = env(Options::default());
        let checking = server.account_ids()[0].clone();
        let t0 = server.now();
        let before = client.accounts(&AccountsQuery::balances()).unwrap();
        server.advance(TimeDelta::days(3));
        let t1 = server.now();
        // What posted in (t0, t1]: the window is [start, end).
        let second = TimeDelta::seconds(1);
        let set = client
            .accounts(&AccountsQuery::window(t0 + second, t1 + second))
            .unwrap();
        let a = set.account(&checking).unwrap();
        assert_eq!(a.balance_date, Some(t1));
        let moved: rust_decimal::Decimal = parsed(&set, &checking).iter().map(|t| t.amount).sum();
        let b0 = before.account(&checking).unwrap().balance.unwrap();
        assert_eq!(a.balance.unwrap(), b0 + moved);
        assert!(a.available_balance.unwrap() <= a.balance.unwrap());
    }
}

mod messages {
    use super::*;

    fn trouble_env(versions: Versions) -> (Env, Vec<String>) {
        let env = env(Options {
            versions,
            ..Options::default()
        });
        let ids = env.server.account_ids();
        (env, ids)
    }

    #[test]
    fn a_connection_in_trouble_is_named_and_does_not_stop_the_others() {
        let (Env { server, client }, ids) = trouble_env(Versions::OneAndTwo);
        let since = server.now();
        server.set_trouble(&ids[0], Some(Trouble::Connection));
        server.advance(TimeDelta::days(2));
        let set = client.accounts(&last_days(&server, 5)).unwrap();
        assert_eq!(set.messages.len(), 1, "{:?}", set.messages);
        let m = &set.messages[0];
        assert_eq!(m.code.as_ref().unwrap().class(), ErrorClass::ConnectionAuth);
        // The checking account and the card share the login.
        assert_eq!(m.accounts, [ids[0].clone(), ids[1].clone()]);
        assert_eq!(set.messages_for(&ids[1]).count(), 1);
        assert_eq!(set.messages_for(&ids[2]).count(), 0);
        assert!(m.to_string().contains("sign in to SimpleFIN Bridge"), "{m}");
        // Its data stands still; the savings account's goes on.
        assert_eq!(set.account(&ids[0]).unwrap().balance_date, Some(since));
        assert_eq!(
            set.account(&ids[2]).unwrap().balance_date,
            Some(server.now())
        );

        server.set_trouble(&ids[0], None);
        let set = client.accounts(&last_days(&server, 5)).unwrap();
        assert!(set.messages.is_empty());
    }

    #[test]
    fn version_1_errors_are_matched_to_the_accounts_of_the_bank() {
        let (Env { server, client }, ids) = trouble_env(Versions::OneOnly);
        server.set_trouble(&ids[1], Some(Trouble::Connection));
        server.set_trouble(&ids[2], Some(Trouble::Account));
        let set = client.accounts(&last_days(&server, 5)).unwrap();
        assert_eq!(set.messages.len(), 2, "{:?}", set.messages);
        let conn = &set.messages[0];
        assert!(conn.code.is_none());
        assert_eq!(
            conn.text,
            "Connection to First Fake Bank may need attention"
        );
        assert_eq!(conn.accounts, [ids[0].clone(), ids[1].clone()]);
        assert_eq!(set.messages[1].accounts, [ids[2].clone()]);
    }

    #[test]
    fn version_2_errlist_names_the_failed_account() {
        let (Env { server, client }, ids) = trouble_env(Versions::OneAndTwo);
        server.set_trouble(&ids[2], Some(Trouble::Account));
        let set = client.accounts(&last_days(&server, 5)).unwrap();
        let m = &set.messages[0];
        assert_eq!(
            set.messages.len(),
            1,
            "errors sent alongside errlist is not repeated"
        );
        assert_eq!(m.code.as_ref().unwrap().as_str(), "act.failed");
        assert_eq!(m.account_id.as_deref(), Some(ids[2].as_str()));
        assert_eq!(m.accounts, [ids[2].clone()]);
    }
}

mod quota {
    use super::*;

    #[test]
    fn past_the_quota_the_bridge_warns_then_disables_the_access() {
        let Env { server, client } = env(Options {
            daily_quota: 2,
            quota_mode: QuotaMode::WarnThenDisable { disable_after: 4 },
            ..Options::default()
        });
        let q = AccountsQuery::balances();
        for _ in 0..2 {
            assert!(client.accounts(&q).unwrap().messages.is_empty());
        }
        for n in 3..=4 {
            let set = client.accounts(&q).unwrap();
            let warning: Vec<_> = set.general_messages().collect();
            assert_eq!(warning.len(), 1, "{:?}", set.messages);
            assert!(
                warning[0].text.contains(&format!("{n} requests today")),
                "{}",
                warning[0]
            );
            assert_eq!(
                warning[0].code.as_ref().unwrap().class(),
                ErrorClass::GeneralApi
            );
        }
        assert_eq!(server.quota_used(), 4);
        let e = client.accounts(&q).unwrap_err();
        assert!(matches!(e, Error::AccessRevoked { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("gc-beancount link --source my-simplefin --setup-token TOKEN"),
            "{msg}"
        );
        // Disabled for good, not for the day.
        server.advance(TimeDelta::days(1));
        assert!(client.accounts(&q).unwrap_err().needs_new_setup_token());
    }

    #[test]
    fn a_429_quota_is_not_waited_out_and_resets_the_next_day() {
        let Env { server, client } = env(Options {
            daily_quota: 2,
            quota_mode: QuotaMode::TooManyRequests,
            ..Options::default()
        });
        let q = AccountsQuery::balances();
        client.accounts(&q).unwrap();
        client.accounts(&q).unwrap();
        let e = client.accounts(&q).unwrap_err();
        let Error::RateLimited { retry_after, .. } = &e else {
            panic!("{e:?}")
        };
        // 20:00 on the fake clock: 4 hours to midnight.
        assert_eq!(*retry_after, Some(Duration::from_secs(4 * 3600)));
        assert!(e.is_transient());
        assert!(e.to_string().contains("about 24 requests a day"), "{e}");
        assert_eq!(server.count("GET", ACCOUNTS), 3, "not retried");
        // One account has its own quota.
        let one = AccountsQuery {
            accounts: vec![server.account_ids()[0].clone()],
            ..AccountsQuery::balances()
        };
        assert_eq!(client.accounts(&one).unwrap().accounts.len(), 1);
        server.advance(TimeDelta::days(1));
        client.accounts(&q).unwrap();
    }
}

mod faults {
    use super::*;

    fn balances(env: &Env) -> Result<AccountSet, Error> {
        env.client.accounts(&AccountsQuery::balances())
    }

    #[test]
    fn transient_failures_are_retried_and_counted() {
        let env = env(Options::default());
        for (kind, times) in [
            (FaultKind::Status(503), 2),
            (FaultKind::Status(502), 1),
            (FaultKind::TooManyRequests { retry_after: None }, 1),
            (
                FaultKind::TooManyRequests {
                    retry_after: Some(0),
                },
                1,
            ),
            (FaultKind::Drop, 1),
        ] {
            env.server.reset_counters();
            env.server
                .inject(Fault::next(ACCOUNTS, times, kind.clone()));
            let set = balances(&env).unwrap();
            assert_eq!(set.requests, times + 1, "{kind:?}");
            assert_eq!(
                env.server.count("GET", ACCOUNTS),
                times as usize + 1,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn retries_stop_at_the_policy() {
        let env = env(Options::default());
        env.server
            .inject(Fault::next(ACCOUNTS, 10, FaultKind::Status(500)));
        let e = balances(&env).unwrap_err();
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
        assert!(
            e.to_string().contains("Server Error - SimpleFIN Bridge"),
            "{e}"
        );
        assert_eq!(env.server.count("GET", ACCOUNTS), 4);
    }

    #[test]
    fn a_slow_answer_times_out_and_is_retried() {
        let env = env_with(
            Options::default(),
            Config {
                timeout: Duration::from_millis(300),
                ..config()
            },
        );
        env.client.version().unwrap();
        env.server.inject(Fault::next(
            ACCOUNTS,
            1,
            FaultKind::Slow(Duration::from_secs(2)),
        ));
        let set = balances(&env).unwrap();
        assert_eq!(set.requests, 2);

        let once = Client::new(
            env.client.access_url().clone(),
            Config {
                timeout: Duration::from_millis(300),
                retry: RetryPolicy::none(),
                version: Some(Version::V2),
                ..config()
            },
        )
        .unwrap();
        env.server.inject(Fault::next(
            ACCOUNTS,
            1,
            FaultKind::Slow(Duration::from_secs(2)),
        ));
        let e = once.accounts(&AccountsQuery::balances()).unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    }

    #[test]
    fn a_malformed_body_is_reported_not_retried() {
        let env = env(Options::default());
        env.client.version().unwrap();
        env.server
            .inject(Fault::next(ACCOUNTS, 1, FaultKind::Malformed));
        let e = balances(&env).unwrap_err();
        let Error::Malformed {
            body_start, status, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(*status, 200);
        assert!(body_start.starts_with('{'), "{body_start}");
        assert_eq!(env.server.count("GET", ACCOUNTS), 1);
    }

    #[test]
    fn payment_and_revocation_say_what_to_do() {
        let env = env(Options::default());
        env.server.set_payment_required(true);
        let e = balances(&env).unwrap_err();
        assert!(matches!(e, Error::PaymentRequired { .. }), "{e:?}");
        assert!(
            e.to_string().contains("HTTP 402: \"Payment required.\""),
            "{e}"
        );
        assert!(e.to_string().contains("subscription"), "{e}");
        env.server.set_payment_required(false);
        balances(&env).unwrap();

        env.server.revoke_access();
        let e = balances(&env).unwrap_err();
        assert!(matches!(e, Error::AccessRevoked { .. }), "{e:?}");
        assert_eq!(e.status(), Some(403));
        assert_eq!(env.server.count("GET", ACCOUNTS), 3, "a 403 is not retried");
    }

    #[test]
    fn wrong_credentials_are_refused() {
        let env = env(Options::default());
        let good = env.client.access_url().expose().to_owned();
        let at = good.find('@').unwrap();
        let bad = format!("{}x{}", &good[..at], &good[at..]);
        let client = Client::new(AccessUrl::parse(&bad).unwrap(), config()).unwrap();
        let e = client.accounts(&AccountsQuery::balances()).unwrap_err();
        assert!(matches!(e, Error::AccessRevoked { .. }), "{e:?}");
    }
}

mod secrets {
    use super::*;

    #[test]
    fn nothing_secret_reaches_errors_messages_or_debug_when_the_server_echoes() {
        let env = env(Options {
            echo_secrets: true,
            daily_quota: 1,
            ..Options::default()
        });
        let secrets = secrets_of(env.client.access_url().expose());
        let mut shown = vec![
            format!("{:?}", env.client),
            env.client.access_url().to_string(),
        ];

        let ok = env.client.accounts(&AccountsQuery::balances()).unwrap();
        let warned = env.client.accounts(&AccountsQuery::balances()).unwrap();
        assert!(!warned.messages.is_empty());
        shown.push(format!("{ok:?} {warned:?}"));
        shown.extend(warned.messages.iter().map(|m| m.to_string()));

        let mut errors = Vec::new();
        for kind in [
            FaultKind::Status(500),
            FaultKind::Status(404),
            FaultKind::TooManyRequests {
                retry_after: Some(3600),
            },
        ] {
            env.server.inject(Fault::next(ACCOUNTS, 10, kind));
            errors.push(env.client.accounts(&AccountsQuery::balances()).unwrap_err());
            env.server.clear_faults();
        }
        let statuses: Vec<Option<u16>> = errors.iter().map(Error::status).collect();
        assert_eq!(statuses, [Some(500), Some(404), Some(429)]);
        env.server.set_payment_required(true);
        errors.push(env.client.accounts(&AccountsQuery::balances()).unwrap_err());
        env.server.set_payment_required(false);
        env.server.revoke_access();
        errors.push(env.client.accounts(&AccountsQuery::balances()).unwrap_err());
        for e in &errors {
            shown.push(format!("{e} {e:?}"));
        }
        let all = shown.join("\n");
        // The fake did echo them, and they were blanked out.
        assert!(all.contains("[redacted]"), "{all}");
        assert!(all.contains("Authorization"), "{all}");
        assert_no_secret(&all, &secrets);
    }
}

mod data {
    use super::*;

    #[test]
    fn accounts_balances_currencies_and_filters() {
        let Env { server, client } = env(Options::default());
        let ids = server.account_ids();
        let set = client.accounts(&AccountsQuery::balances()).unwrap();
        assert_eq!(set.accounts.len(), 4);
        assert!(set.unreadable.is_empty());
        for a in &set.accounts {
            assert!(a.transactions.is_empty());
            assert_eq!(a.balance_date, Some(server.now()));
            assert!(a.balance.is_some());
        }
        let miles = set.account(&ids[3]).unwrap();
        match &miles.currency {
            Some(simplefin::Currency::Custom(url)) => {
                assert_eq!(url.as_str(), fake_simplefin::MILES_URL)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(miles.balance.unwrap().scale(), 0);
        let checking = set.account(&ids[0]).unwrap();
        assert_eq!(checking.currency.as_ref().unwrap().code(), Some("USD"));
        assert_eq!(checking.balance.unwrap().scale(), 2);

        let one = client
            .accounts(&AccountsQuery {
                accounts: vec![ids[2].clone()],
                ..last_days(&server, 30)
            })
            .unwrap();
        assert_eq!(one.accounts.len(), 1);
        assert_eq!(one.accounts[0].id, ids[2]);
        let log = server.requests().into_iter().last().unwrap();
        assert_eq!(log.param("account").as_deref(), Some(ids[2].as_str()));
        assert_eq!(log.param("pending").as_deref(), Some("1"));
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let a = env(Options::default());
        let b = env(Options::default());
        let q = last_days(&a.server, 30);
        let (sa, sb) = (
            a.client.accounts(&q).unwrap(),
            b.client.accounts(&q).unwrap(),
        );
        assert_eq!(sa.accounts, sb.accounts);
        let c = env(Options {
            seed: 2,
            ..Options::default()
        });
        assert_ne!(c.client.accounts(&q).unwrap().accounts, sa.accounts);
    }
}

/// Every payload of `shared/providers/simplefin/`, read as what it is.
mod shared_payloads {
    use std::path::{Path, PathBuf};

    use serde_json::Value;

    use super::*;

    const DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/providers/simplefin"
    );

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// Reads one JSON payload as the type its keys say; returns the type.
    fn read(json: &str, origin: &str) -> &'static str {
        let value: Value = serde_json::from_str(json).unwrap();
        let has = |k: &str| value.get(k).is_some();
        if has("accounts") || has("errlist") {
            let set = AccountSet::from_json(json).unwrap();
            assert!(set.unreadable.is_empty(), "{origin}: {:?}", set.unreadable);
            for a in &set.accounts {
                for t in &a.transactions {
                    t.parse().unwrap_or_else(|e| panic!("{origin}: {e}"));
                }
            }
            "account set"
        } else if has("versions") {
            let info: simplefin::Info = serde_json::from_str(json).unwrap();
            assert!(!info.versions.is_empty(), "{origin}");
            "info"
        } else if has("balance") {
            let set = AccountSet::from_json(&format!("{{\"accounts\": [{json}]}}")).unwrap();
            assert_eq!(set.accounts.len(), 1, "{origin}: {:?}", set.unreadable);
            "account"
        } else if has("amount") {
            let t: Transaction = serde_json::from_str(json).unwrap();
            assert!(!t.id.is_empty(), "{origin}");
            "transaction"
        } else if has("code") {
            let set = AccountSet::from_json(&format!("{{\"errlist\": [{json}]}}")).unwrap();
            assert!(set.messages[0].code.is_some(), "{origin}");
            "errlist entry"
        } else if has("conn_id") {
            let c: simplefin::Connection = serde_json::from_str(json).unwrap();
            assert!(!c.conn_id.is_empty(), "{origin}");
            "connection"
        } else if has("org") {
            let org: simplefin::Org = serde_json::from_value(value["org"].clone()).unwrap();
            assert!(org.display_name().is_some(), "{origin}");
            "org"
        } else if has("abbr") {
            // A custom currency's description: the client does not fetch
            // these (an account's `Currency::Custom` names the URL).
            assert!(value["name"].is_string(), "{origin}");
            "custom currency"
        } else {
            panic!("{origin}: unknown payload {json}")
        }
    }

    /// The fenced JSON blocks of a Markdown file.
    fn json_blocks(md: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut block: Option<String> = None;
        for line in md.lines() {
            match (&mut block, line.trim_start()) {
                (None, l) if l.starts_with("```json") => block = Some(String::new()),
                (Some(b), l) if l.starts_with("```") => {
                    out.push(std::mem::take(b));
                    block = None;
                }
                (Some(b), _) => {
                    b.push_str(line);
                    b.push('\n');
                }
                _ => {}
            }
        }
        out
    }

    /// The examples as published are not all JSON (trailing commas, `...`
    /// for elided fields, a bare `"org": {…}` member): made into JSON as a
    /// reader would.
    fn as_published(block: &str) -> String {
        let mut text: String = block
            .lines()
            .filter(|l| l.trim() != "...")
            .collect::<Vec<_>>()
            .join("\n");
        loop {
            let mut changed = false;
            for close in ['}', ']'] {
                let re: Vec<char> = text.chars().collect();
                let mut out = String::with_capacity(text.len());
                let mut i = 0;
                while i < re.len() {
                    if re[i] == ',' {
                        let mut j = i + 1;
                        while j < re.len() && re[j].is_whitespace() {
                            j += 1;
                        }
                        if j < re.len() && re[j] == close {
                            changed = true;
                            i += 1;
                            continue;
                        }
                    }
                    out.push(re[i]);
                    i += 1;
                }
                text = out;
            }
            if !changed {
                break;
            }
        }
        if text.trim_start().starts_with('"') {
            text = format!("{{{text}}}");
        }
        text
    }

    #[test]
    fn every_shared_payload_is_read() {
        let mut all = Vec::new();
        files(Path::new(DIR), &mut all);
        all.sort();
        let mut kinds: Vec<String> = Vec::new();
        let mut not_json = Vec::new();
        for path in &all {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(path).unwrap();
            match path.extension().and_then(|e| e.to_str()) {
                Some("json") => kinds.push(format!("{name}: {}", read(&text, &name))),
                Some("md") => {
                    for (i, block) in json_blocks(&text).iter().enumerate() {
                        let origin = format!("{name} block {}", i + 1);
                        if serde_json::from_str::<Value>(block).is_err() {
                            // What a server sending this would get: an
                            // error, never a panic.
                            assert!(AccountSet::from_json(block).is_err(), "{origin}");
                        }
                        let fixed = as_published(block);
                        if serde_json::from_str::<Value>(&fixed).is_ok() {
                            kinds.push(format!("{origin}: {}", read(&fixed, &origin)));
                        } else {
                            not_json.push(origin);
                        }
                    }
                    // Inline examples: `{"id":"TRN-…", …}` rows in the notes.
                    for span in text.split('`').skip(1).step_by(2) {
                        if span.starts_with('{') && serde_json::from_str::<Value>(span).is_ok() {
                            kinds.push(format!("{name} inline: {}", read(span, &name)));
                        }
                    }
                }
                // The 403 page and the 402 body are read as error answers
                // by the unit tests of `error.rs`; the licence is no payload.
                _ => {}
            }
        }
        // One example of the v2 draft has its connection's fields straight
        // in a list: not JSON by any reading.
        assert_eq!(not_json, ["spec-json-examples.md block 15"], "{kinds:#?}");
        let count = |k: &str| kinds.iter().filter(|s| s.ends_with(k)).count();
        // Three files, five spec examples, the 402 body quoted in the notes.
        assert_eq!(count(": account set"), 9, "{kinds:#?}");
        assert_eq!(count(": account"), 4, "{kinds:#?}");
        assert_eq!(count(": transaction"), 3, "{kinds:#?}");
        assert_eq!(count(": errlist entry"), 3, "{kinds:#?}");
        assert_eq!(count(": info"), 2, "{kinds:#?}");
        assert_eq!(count(": custom currency"), 2, "{kinds:#?}");
        assert_eq!(
            (count(": connection"), count(": org")),
            (1, 1),
            "{kinds:#?}"
        );
        assert_eq!(kinds.len(), 25, "{kinds:#?}");
    }

    #[test]
    fn the_bridge_response_with_errors_names_the_accounts_of_each_bank() {
        let text = std::fs::read_to_string(format!(
            "{DIR}/examples/simplefin4py-fixtures/200-with-errors.json"
        ))
        .unwrap();
        let set = AccountSet::from_json(&text).unwrap();
        assert_eq!(set.accounts.len(), 8);
        let investments = &set.messages[0];
        assert_eq!(
            investments.accounts,
            [
                "ACT-1k2l3m4n-5o6p-7q8r-9s0t",
                "ACT-4k5l6m7n-8o9p-1q2r-3s4t",
                "ACT-5k6l7m8n-9o0p-1q2r-3s4t"
            ]
        );
        assert_eq!(
            set.messages[1].accounts,
            ["ACT-1a2b3c4d-5e6f-7g8h-9i0j", "ACT-2a3b4c5d-6e7f-8g9h-0i1j"]
        );
        let bank = parsed(&set, "ACT-1a2b3c4d-5e6f-7g8h-9i0j");
        assert_eq!(bank[0].payee.as_deref(), Some("Uncle Frank"));
        assert_eq!(bank[0].amount.to_string(), "-1234.56");
        assert_eq!(
            bank[0].transacted_at.map(|d: DateTime<Utc>| d.timestamp()),
            Some(793080572)
        );
        let card = set.account("ACT-3a4b5c6d-7e8f-9g0h-1i2j").unwrap();
        assert_eq!(card.balance.unwrap().to_string(), "-532.69");
        assert_eq!(card.name, "Costco Anywhere Visa® Card");

        let payment =
            std::fs::read_to_string(format!("{DIR}/examples/simplefin4py-fixtures/402.json"))
                .unwrap();
        let set = AccountSet::from_json(&payment).unwrap();
        assert_eq!(set.messages[0].text, "Payment required.");
        assert!(set.accounts.is_empty());
    }
}
