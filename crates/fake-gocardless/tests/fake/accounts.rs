//! Account metadata, details, balances and transactions: shapes, filters,
//! consistency of balances, the daily budget and its headers.

use crate::common;

use std::collections::HashSet;

use chrono::Duration;
use common::{Api, fixture, units};
use fake_gocardless::{AccountSpec, FakeServer, HeaderStyle, Options, Scope};
use serde_json::Value;

fn server(accounts: usize, txs: usize) -> FakeServer {
    FakeServer::start(Options {
        accounts,
        transactions_per_account: txs,
        daily_limit: 1000,
        ..Options::default()
    })
}

#[test]
fn metadata_and_details_describe_the_account() {
    let s = server(3, 50);
    let api = Api::login(&s);
    let ids = s.account_ids();
    assert_eq!(ids.len(), 3);
    for id in &ids {
        let m = api.get(&format!("/accounts/{id}/"));
        assert_eq!(m.status, 200);
        assert_eq!(m.json["id"], id.as_str());
        assert_eq!(m.json["status"], "READY");
        assert_eq!(m.json["institution_id"], s.institution_id());
        let d = api.get(&format!("/accounts/{id}/details/"));
        assert_eq!(d.status, 200);
        assert_eq!(d.json["account"]["iban"], m.json["iban"]);
        assert!(d.json["account"]["currency"].is_string());
    }
    // Metadata is not budgeted: no account-success headers.
    let m = api.get(&format!("/accounts/{}/", ids[0]));
    assert!(m.header("http_x_ratelimit_account_success_limit").is_none());
    assert!(m.header("http_x_ratelimit_limit").is_some());
}

#[test]
fn unknown_and_malformed_account_ids() {
    let s = server(1, 10);
    let api = Api::login(&s);
    let a = api.get("/accounts/f1d53c46-260d-4556-82df-4e5fed58e37c/transactions/");
    assert_eq!(a.status, 404);
    assert_eq!(a.json, fixture("api/error_404_account_not_found.json"));
    let a = api.get("/accounts/abcdefg/details/");
    assert_eq!(a.status, 400);
    assert_eq!(a.json, fixture("api/error_400_invalid_account_id.json"));
}

fn balance(b: &Value, kind: &str) -> (i64, String) {
    let x = b["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["balanceType"] == kind)
        .unwrap_or_else(|| panic!("no {kind} balance in {b}"));
    (
        units(x["balanceAmount"]["amount"].as_str().unwrap()),
        x["referenceDate"].as_str().unwrap().to_string(),
    )
}

#[test]
fn balances_agree_with_the_transactions() {
    let s = server(4, 200);
    let api = Api::login(&s);
    let today = s.now().date_naive();
    let yesterday = (today - chrono::Days::new(1)).to_string();
    for id in s.account_ids() {
        let t = api.get(&format!("/accounts/{id}/transactions/"));
        let b = api.get(&format!("/accounts/{id}/balances/"));
        let booked = t.json["transactions"]["booked"].as_array().unwrap();
        let pending = t.json["transactions"]["pending"].as_array().unwrap();
        assert_eq!(booked.len() + pending.len(), 200);
        assert!(!pending.is_empty());
        let sum = |l: &[Value]| -> i64 {
            l.iter()
                .map(|x| units(x["transactionAmount"]["amount"].as_str().unwrap()))
                .sum()
        };
        let (closing, closing_date) = balance(&b.json, "closingBooked");
        let (interim, interim_date) = balance(&b.json, "interimBooked");
        let (available, _) = balance(&b.json, "interimAvailable");
        let (expected, _) = balance(&b.json, "expected");
        assert_eq!(closing_date, yesterday);
        assert_eq!(interim_date, yesterday);
        assert_eq!(closing, interim);
        assert_eq!(available - closing, sum(pending));
        assert_eq!(expected, available);
        // With balanceAfterTransaction, the newest booked one equals the
        // closing balance, and each one follows from the one before.
        if booked[0].get("balanceAfterTransaction").is_some() {
            let after = |x: &Value| {
                units(
                    x["balanceAfterTransaction"]["balanceAmount"]["amount"]
                        .as_str()
                        .unwrap(),
                )
            };
            assert_eq!(after(&booked[0]), closing);
            for w in booked.windows(2) {
                let amount = units(w[0]["transactionAmount"]["amount"].as_str().unwrap());
                assert_eq!(after(&w[0]) - amount, after(&w[1]));
            }
        }
        // The opening balance is positive, so the booked sum is consistent.
        assert!(closing - sum(booked) > 0);
    }
}

#[test]
fn date_filters_match_either_date() {
    let s = server(2, 300);
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    let all = api.get(&format!("/accounts/{id}/transactions/"));
    let (from, to) = ("2026-10-01", "2026-10-15");
    let some = api.get(&format!(
        "/accounts/{id}/transactions/?date_from={from}&date_to={to}"
    ));
    assert_eq!(some.status, 200);
    let dates = |x: &Value| -> Vec<String> {
        [
            "bookingDate",
            "valueDate",
            "bookingDateTime",
            "valueDateTime",
        ]
        .iter()
        .filter_map(|k| {
            x.get(*k)
                .and_then(Value::as_str)
                .map(|s| s[..10].to_string())
        })
        .collect()
    };
    let in_range = |x: &Value| {
        dates(x)
            .iter()
            .any(|d| d.as_str() >= from && d.as_str() <= to)
    };
    let got: Vec<&Value> = some.json["transactions"]["booked"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(!got.is_empty());
    assert!(got.iter().all(|x| in_range(x)));
    let want = all.json["transactions"]["booked"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| in_range(x))
        .count();
    assert_eq!(got.len(), want);
    // A transaction whose dates disagree is found by either one.
    assert!(
        all.json["transactions"]["booked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.get("bookingDate").is_some()
                && x.get("valueDate").is_some()
                && x["bookingDate"] != x["valueDate"])
    );
}

#[test]
fn bad_date_ranges_are_400_keyed_by_field() {
    let s = server(1, 10);
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    let a = api.get(&format!("/accounts/{id}/transactions/?date_to=2026-11-21"));
    assert_eq!(a.status, 400);
    assert_eq!(a.json["date_to"]["summary"], "Date can't be in future");
    assert_eq!(
        a.json["date_to"]["detail"],
        "'2026-11-21' can't be greater than 2026-11-20. Specify correct date range"
    );
    let a = api.get(&format!(
        "/accounts/{id}/transactions/?date_from=2026-11-10&date_to=2026-11-01"
    ));
    assert_eq!(a.status, 400);
    assert!(a.json["date_from"]["summary"].is_string());
    let a = api.get(&format!("/accounts/{id}/transactions/?date_from=yesterday"));
    assert_eq!(a.status, 400);
    assert!(a.json["date_from"].is_object());
    // Failed reads do not spend the budget.
    assert_eq!(s.remaining(id, Scope::Transactions), 1000);
}

#[test]
fn four_successful_reads_a_day_then_the_banks_429() {
    let s = FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 20,
        ..Options::default()
    });
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    let path = format!("/accounts/{id}/transactions/");
    for left in (0..4).rev() {
        let a = api.get(&path);
        assert_eq!(a.status, 200);
        assert_eq!(a.header_i64("http_x_ratelimit_account_success_limit"), 4);
        assert_eq!(
            a.header_i64("http_x_ratelimit_account_success_remaining"),
            left
        );
        // 10:00 → midnight is 14 hours away.
        assert_eq!(
            a.header_i64("http_x_ratelimit_account_success_reset"),
            14 * 3600
        );
        assert_eq!(a.header_i64("http_x_ratelimit_limit"), 100);
    }
    let a = api.get(&path);
    assert_eq!(a.status, 429);
    let mut want = fixture("api/error_429_institution_rate_limit.json");
    want.as_object_mut().unwrap().remove("_source");
    assert_eq!(a.json, want);
    assert_eq!(
        a.header_i64("http_x_ratelimit_account_success_remaining"),
        0
    );
    // Other scopes have their own budget.
    assert_eq!(api.get(&format!("/accounts/{id}/balances/")).status, 200);
    assert_eq!(s.remaining(id, Scope::Balances), 3);
    // Midnight UTC of the fake clock resets it.
    s.advance(Duration::hours(14));
    let a = api.get(&path);
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header_i64("http_x_ratelimit_account_success_remaining"),
        3
    );
}

#[test]
fn set_remaining_and_dashed_headers() {
    let s = FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 5,
        header_style: HeaderStyle::Dashed,
        ..Options::default()
    });
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    s.set_remaining(id, Scope::Details, 1);
    let a = api.get(&format!("/accounts/{id}/details/"));
    assert_eq!(a.status, 200);
    assert_eq!(a.header_i64("x-ratelimit-account-success-remaining"), 0);
    assert!(a.header("x-ratelimit-limit").is_some());
    assert!(a.header("http_x_ratelimit_limit").is_none());
    assert_eq!(api.get(&format!("/accounts/{id}/details/")).status, 429);
}

#[test]
fn pagination_with_next_links() {
    let s = FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 95,
        page_size: Some(20),
        ..Options::default()
    });
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    let mut url = format!(
        "{}/accounts/{id}/transactions/?date_from=2026-09-01",
        s.base_url()
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let a = api.get(&url);
        assert_eq!(a.status, 200, "{}", a.text);
        pages += 1;
        for t in a.json["transactions"]["booked"].as_array().unwrap() {
            seen.push(t["internalTransactionId"].as_str().unwrap().to_string());
        }
        match a.json.get("next").and_then(Value::as_str) {
            Some(next) => {
                assert!(next.starts_with(&s.base_url()));
                assert!(next.contains("date_from=2026-09-01"));
                url = next.to_string();
            }
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len());
    assert!(pages >= 4);
    // One read of the budget, however many pages.
    assert_eq!(s.remaining(id, Scope::Transactions), 3);
}

#[test]
fn expired_access_answers_like_the_real_api() {
    let s = server(2, 10);
    let api = Api::login(&s);
    let ids = s.account_ids();
    s.expire_access(&ids[0]);
    let a = api.get(&format!("/accounts/{}/transactions/", ids[0]));
    assert_eq!(a.status, 401);
    let summary = a.json["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("End User Agreement (EUA) "),
        "{summary}"
    );
    assert!(summary.ends_with(" has expired"));
    assert!(
        a.json["detail"]
            .as_str()
            .unwrap()
            .contains("EUA was valid for 90 days")
    );
    assert_eq!(
        api.get(&format!("/accounts/{}/", ids[0])).json["status"],
        "EXPIRED"
    );
    // The other account is fine.
    assert_eq!(
        api.get(&format!("/accounts/{}/balances/", ids[1])).status,
        200
    );
    s.expire_access_with_status(&ids[1], 403);
    assert_eq!(
        api.get(&format!("/accounts/{}/balances/", ids[1])).status,
        403
    );
    // Renewed: readable again.
    s.restore_access(&ids[0]);
    assert_eq!(
        api.get(&format!("/accounts/{}/transactions/", ids[0]))
            .status,
        200
    );
}

#[test]
fn fixture_payloads_served_as_an_account() {
    let s = server(1, 10);
    let api = Api::login(&s);
    let txs = fixture("api/transactions_mixed.json");
    let bal = fixture("api/balances.json");
    let id = s.add_account(AccountSpec::payloads(txs.clone(), bal.clone()));
    assert!(s.account_ids().contains(&id));
    let t = api.get(&format!("/accounts/{id}/transactions/"));
    assert_eq!(
        t.json["transactions"]["booked"],
        txs["transactions"]["booked"]
    );
    let b = api.get(&format!("/accounts/{id}/balances/"));
    assert_eq!(b.json, bal);
    let some = api.get(&format!(
        "/accounts/{id}/transactions/?date_from=2025-01-01&date_to=2025-12-31"
    ));
    let n = some.json["transactions"]["booked"]
        .as_array()
        .unwrap()
        .len();
    assert!(n > 0 && n < txs["transactions"]["booked"].as_array().unwrap().len());
}

#[test]
fn fixture_transactions_without_balances_get_agreeing_balances() {
    let s = server(1, 10);
    let api = Api::login(&s);
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/statements/sample-statement.json");
    let spec = AccountSpec::from_files(&path, None).unwrap();
    let payload = spec.transactions.clone().unwrap();
    let id = s.add_account(spec);
    let b = api.get(&format!("/accounts/{id}/balances/")).json;
    let (closing, _) = balance(&b, "closingBooked");
    let (available, _) = balance(&b, "interimAvailable");
    let sum = |k: &str| -> i64 {
        payload["transactions"][k]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|t| units(t["transactionAmount"]["amount"].as_str().unwrap()))
                    .sum()
            })
            .unwrap_or(0)
    };
    assert_eq!(available - closing, sum("pending"));
    let d = api.get(&format!("/accounts/{id}/details/")).json;
    assert_eq!(d["account"]["currency"], "GBP", "the payload's currency");
    assert_eq!(b["balances"][0]["balanceAmount"]["currency"], "GBP");
    let missing = AccountSpec::from_files(std::path::Path::new("/nonexistent.json"), None);
    assert!(
        missing
            .unwrap_err()
            .to_string()
            .contains("/nonexistent.json")
    );
}

#[test]
fn suspended_accounts_answer_409() {
    let s = server(2, 10);
    let api = Api::login(&s);
    let id = s.account_ids()[0].clone();
    s.suspend_account(&id);
    let a = api.get(&format!("/accounts/{id}/transactions/"));
    assert_eq!(a.status, 409);
    assert_eq!(a.json, fixture("api/error_409_account_suspended.json"));
    assert_eq!(
        api.get(&format!("/accounts/{id}/")).json["status"],
        "SUSPENDED"
    );
    let other = &s.account_ids()[1];
    assert_eq!(api.get(&format!("/accounts/{other}/details/")).status, 200);
}
