//! Generated data: determinism, the quirks of real banks, and what the
//! clock does to it (pending transactions booking under new ids, new days).

use crate::common;

use std::collections::{HashMap, HashSet};

use chrono::{Days, Duration};
use common::{Api, units};
use fake_gocardless::{FakeServer, Options};
use serde_json::Value;

fn opts(seed: u64) -> Options {
    Options {
        seed,
        accounts: 4,
        transactions_per_account: 300,
        daily_limit: 1000,
        ..Options::default()
    }
}

fn fetch_all(s: &FakeServer) -> Vec<(Value, Value, Value, Value)> {
    let api = Api::login(s);
    s.account_ids()
        .iter()
        .map(|id| {
            (
                api.get(&format!("/accounts/{id}/")).json,
                api.get(&format!("/accounts/{id}/details/")).json,
                api.get(&format!("/accounts/{id}/balances/")).json,
                api.get(&format!("/accounts/{id}/transactions/")).json,
            )
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_data() {
    let a = FakeServer::start(opts(7));
    let b = FakeServer::start(opts(7));
    let c = FakeServer::start(opts(8));
    assert_eq!(a.account_ids(), b.account_ids());
    assert_eq!(a.secret_key(), b.secret_key());
    assert_eq!(a.requisition_id(), b.requisition_id());
    assert_ne!(a.account_ids(), c.account_ids());
    let (da, db, dc) = (fetch_all(&a), fetch_all(&b), fetch_all(&c));
    let strip = |d: &[(Value, Value, Value, Value)]| -> Vec<Value> {
        d.iter()
            .map(|(m, det, bal, tx)| {
                let mut m = m.clone();
                m.as_object_mut().unwrap().remove("last_accessed");
                Value::Array(vec![m, det.clone(), bal.clone(), tx.clone()])
            })
            .collect()
    };
    assert_eq!(strip(&da), strip(&db));
    assert_ne!(strip(&da)[0][3], strip(&dc)[0][3]);
}

fn booked(tx: &Value) -> &Vec<Value> {
    tx["transactions"]["booked"].as_array().unwrap()
}

fn pending(tx: &Value) -> &Vec<Value> {
    tx["transactions"]["pending"].as_array().unwrap()
}

#[test]
fn the_quirks_of_real_banks_are_there() {
    let s = FakeServer::start(opts(1));
    let data = fetch_all(&s);
    let all: Vec<&Value> = data.iter().flat_map(|d| booked(&d.3).iter()).collect();
    let has = |f: &dyn Fn(&Value) -> bool| all.iter().any(|t| f(t));
    let id = |t: &Value| {
        t.get("transactionId")
            .and_then(Value::as_str)
            .map(str::to_string)
    };

    assert!(has(&|t| t.get("transactionId").is_none()), "missing id");
    assert!(has(&|t| id(t).as_deref() == Some(" ")), "blank id");
    assert!(
        has(&|t| id(t).is_some_and(|i| i.len() > 2 && i != i.trim())),
        "padded id"
    );
    assert!(
        has(&|t| id(t).as_deref() == Some("NOTPROVIDED")),
        "NOTPROVIDED"
    );
    // An id shared by two different transactions of one account.
    let shared = data.iter().any(|d| {
        let mut seen = HashMap::new();
        booked(&d.3).iter().any(|t| match id(t) {
            Some(i) if i.trim().len() > 11 => {
                seen.insert(i, t.clone()).is_some_and(|other| other != *t)
            }
            _ => false,
        })
    });
    assert!(shared, "duplicated transactionId");
    // A bank that never sends transactionId at all.
    assert!(data.iter().any(|d| {
        booked(&d.3)
            .iter()
            .chain(pending(&d.3))
            .all(|t| t.get("transactionId").is_none())
    }));
    // internalTransactionId is unique within each account.
    for d in &data {
        let ids: Vec<&str> = booked(&d.3)
            .iter()
            .map(|t| t["internalTransactionId"].as_str().unwrap())
            .collect();
        let unique: HashSet<&&str> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(
            pending(&d.3)
                .iter()
                .all(|t| t.get("internalTransactionId").is_none())
        );
    }

    assert!(
        has(&|t| t["currencyExchange"].is_object()),
        "exchange object"
    );
    assert!(has(&|t| t["currencyExchange"].is_array()), "exchange array");
    assert!(
        has(&|t| t["currencyExchange"].get("instructedAmount").is_some()),
        "instructedAmount"
    );
    // The rate is coherent: instructed × rate ≈ the account amount.
    for t in all.iter().filter(|t| t["currencyExchange"].is_object()) {
        let ex = &t["currencyExchange"];
        if let Some(instructed) = ex.get("instructedAmount") {
            let i = units(instructed["amount"].as_str().unwrap()) as f64;
            let rate: f64 = ex["exchangeRate"].as_str().unwrap().parse().unwrap();
            let a = units(t["transactionAmount"]["amount"].as_str().unwrap()) as f64;
            assert!((i * rate - a).abs() <= 100.0, "{t}");
            assert_eq!(ex["targetCurrency"], t["transactionAmount"]["currency"]);
        }
    }
    let amount = |t: &Value| {
        t["transactionAmount"]["amount"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        has(&|t| !amount(t).contains('.')),
        "amount without decimals"
    );
    assert!(
        has(&|t| amount(t).split('.').nth(1).is_some_and(|f| f.len() == 1)),
        "one decimal"
    );
    assert!(
        has(&|t| amount(t).split('.').nth(1).is_some_and(|f| f.len() == 4)),
        "four decimals"
    );
    assert!(has(&|t| units(&amount(t)) == 0), "zero amount");
    assert!(has(&|t| t["remittanceInformationUnstructuredArray"]
        .as_array()
        .is_some_and(|a| a.len() > 1)));
    assert!(has(&|t| t["remittanceInformationUnstructuredArray"]
        .as_array()
        .is_some_and(|a| a[0].as_str().unwrap().chars().count() == 140)));
    let names = |t: &Value| format!("{}{}", t["creditorName"], t["debtorName"]);
    assert!(has(&|t| names(t).contains("\\\"")), "quotes");
    assert!(has(&|t| names(t).contains("\\\\")), "backslash");
    assert!(has(&|t| names(t).contains("\\n")), "newline");
    assert!(has(&|t| names(t).contains("\\t")), "tab");
    assert!(has(&|t| !names(t).is_ascii()), "non-ASCII");
    assert!(
        has(&|t| t.get("additionalInformation").is_some()
            && t.get("remittanceInformationUnstructured").is_none()
            && t.get("creditorName").is_none()),
        "text only in additionalInformation"
    );
    assert!(has(
        &|t| t.get("bookingDate").is_some() && t.get("valueDate").is_none()
    ));
    assert!(has(
        &|t| t.get("bookingDate").is_none() && t.get("valueDate").is_some()
    ));
    let dt = |t: &Value| t["bookingDateTime"].as_str().unwrap_or("").to_string();
    assert!(has(&|t| dt(t).ends_with('Z') && !dt(t).contains('.')));
    assert!(has(&|t| dt(t).ends_with("+01:00")));
    assert!(has(&|t| dt(t).contains('.')));
    assert!(has(&|t| t.get("merchantCategoryCode").is_some()));
    assert!(has(&|t| t.get("additionalDataStructured").is_some()));
    assert!(has(&|t| t.get("balanceAfterTransaction").is_some()));

    // Two genuinely identical payments on one day: equal but for the
    // bank's internal id (and the transactionId, when there is one).
    let pairs = data.iter().any(|d| {
        let b = booked(&d.3);
        b.iter().enumerate().any(|(i, x)| {
            b[i + 1..].iter().any(|y| {
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    let o = v.as_object_mut().unwrap();
                    o.remove("internalTransactionId");
                    o.remove("transactionId");
                    o.remove("balanceAfterTransaction");
                    v
                };
                strip(x) == strip(y) && x.get("transactionId").is_none()
            })
        })
    });
    assert!(pairs, "identical payments without a transactionId");

    // Pending ones are dated today or later.
    let today = s.now().date_naive();
    for d in &data {
        assert!(!pending(&d.3).is_empty());
        for p in pending(&d.3) {
            let date = p
                .get("valueDate")
                .or(p.get("bookingDate"))
                .and_then(Value::as_str)
                .unwrap();
            assert!(date >= today.to_string().as_str(), "{p}");
        }
    }
    assert!(data.iter().any(|d| {
        pending(&d.3)
            .iter()
            .any(|p| p["valueDate"].as_str() > Some(&today.to_string()))
    }));
}

#[test]
fn history_spans_about_ninety_days() {
    let s = FakeServer::start(opts(3));
    let data = fetch_all(&s);
    let today = s.now().date_naive();
    for d in &data {
        let b = booked(&d.3);
        assert_eq!(b.len() + pending(&d.3).len(), 300);
        let oldest = b
            .iter()
            .filter_map(|t| t["bookingDate"].as_str())
            .min()
            .unwrap();
        assert!(oldest >= (today - Days::new(91)).to_string().as_str());
        assert!(oldest <= (today - Days::new(80)).to_string().as_str());
    }
}

#[test]
fn pending_transactions_book_under_new_ids_the_next_day() {
    let s = FakeServer::start(opts(5));
    let api = Api::login(&s);
    let id = &s.account_ids()[0];
    let before = api.get(&format!("/accounts/{id}/transactions/")).json;
    let pending_before = pending(&before).clone();
    let booked_before = booked(&before).len();
    assert!(!pending_before.is_empty());

    s.advance(Duration::days(1));
    let api = Api::login(&s);
    let after = api.get(&format!("/accounts/{id}/transactions/")).json;
    let booked_after = booked(&after);
    assert!(
        !pending(&after).is_empty(),
        "new pending transactions each day"
    );
    assert_eq!(booked_after.len(), booked_before + pending_before.len());
    // Each formerly pending one is now booked: same amount and payee, a new id.
    let yesterday = (s.now().date_naive() - Days::new(1)).to_string();
    let newly: Vec<&Value> = booked_after
        .iter()
        .filter(|t| t["bookingDate"].as_str() == Some(yesterday.as_str()))
        .collect();
    assert_eq!(newly.len(), pending_before.len());
    for p in &pending_before {
        let twin = newly
            .iter()
            .find(|b| {
                b["transactionAmount"] == p["transactionAmount"]
                    && b["creditorName"] == p["creditorName"]
                    && b["debtorName"] == p["debtorName"]
                    && b["remittanceInformationUnstructured"]
                        == p["remittanceInformationUnstructured"]
            })
            .unwrap_or_else(|| panic!("{p} did not book"));
        if p.get("transactionId").is_some() {
            assert_ne!(twin.get("transactionId"), p.get("transactionId"));
        }
        assert!(twin.get("internalTransactionId").is_some());
    }
    // Older booked ones are unchanged.
    let old: Vec<&Value> = booked_after.iter().skip(newly.len()).collect();
    let old_before: Vec<&Value> = booked(&before).iter().collect();
    assert_eq!(old, old_before);

    // Balances moved with the booking.
    let bal = api.get(&format!("/accounts/{id}/balances/")).json;
    let closing = bal["balances"][0]["balanceAmount"]["amount"]
        .as_str()
        .unwrap();
    assert_eq!(bal["balances"][0]["referenceDate"], yesterday.as_str());
    let sum: i64 = newly
        .iter()
        .map(|t| units(t["transactionAmount"]["amount"].as_str().unwrap()))
        .sum();
    let before_bal = {
        let s2 = FakeServer::start(opts(5));
        let api2 = Api::login(&s2);
        api2.get(&format!("/accounts/{id}/balances/")).json
    };
    let closing_before = before_bal["balances"][0]["balanceAmount"]["amount"]
        .as_str()
        .unwrap();
    assert_eq!(units(closing) - units(closing_before), sum);
}

#[test]
fn new_transactions_keep_coming_day_after_day() {
    let s = FakeServer::start(Options {
        accounts: 1,
        transactions_per_account: 10,
        daily_limit: 1000,
        ..Options::default()
    });
    let id = &s.account_ids()[0];
    let mut last = 0;
    for _ in 0..5 {
        s.advance(Duration::days(1));
        let api = Api::login(&s);
        let tx = api.get(&format!("/accounts/{id}/transactions/")).json;
        let n = booked(&tx).len();
        assert!(n > last, "{n} booked after {last}");
        last = n;
        assert!(!pending(&tx).is_empty());
    }
}

#[test]
fn set_now_moves_the_clock_both_ways() {
    let s = FakeServer::start(opts(1));
    let t0 = s.now();
    s.set_now(t0 + Duration::days(3));
    assert_eq!(s.now(), t0 + Duration::days(3));
    s.set_now(t0);
    assert_eq!(s.now(), t0);
}

#[test]
fn pending_transactions_book_otherwise_or_vanish_with_pending_fates() {
    let s = FakeServer::start(Options {
        accounts: 2,
        transactions_per_account: 400,
        daily_limit: 1000,
        pending_fates: 60,
        ..Options::default()
    });
    let id = s.account_ids()[0].clone();
    let amount_of = |t: &Value| units(t["transactionAmount"]["amount"].as_str().unwrap());
    let fetch = |s: &FakeServer| {
        let api = Api::login(s);
        let tx = api.get(&format!("/accounts/{id}/transactions/")).json;
        let bal = api.get(&format!("/accounts/{id}/balances/")).json;
        let amount = |i: usize| {
            units(
                bal["balances"][i]["balanceAmount"]["amount"]
                    .as_str()
                    .unwrap(),
            )
        };
        // The available balance is the booked one plus pending.
        let pending_sum: i64 = pending(&tx).iter().map(amount_of).sum();
        assert_eq!(amount(2) - amount(0), pending_sum);
        (amount(0), tx)
    };
    let (mut closing, mut yesterday) = fetch(&s);
    let mut kinds = HashSet::new();
    let mut listed_twice = 0;
    for _ in 0..12 {
        s.advance(Duration::days(1));
        let (now_closing, today) = fetch(&s);
        // The closing balance moves by what booked since, whatever its
        // date (a booking dated earlier changes the past).
        let before: HashSet<String> = booked(&yesterday).iter().map(|t| t.to_string()).collect();
        let new: i64 = booked(&today)
            .iter()
            .filter(|t| !before.contains(&t.to_string()))
            .map(amount_of)
            .sum();
        assert_eq!(now_closing - closing, new);
        let (changed, vanished) = s.bookings(&id);
        for b in changed.iter().chain(&vanished) {
            kinds.insert(match b.fate {
                fake_gocardless::Fate::Amount(_) => "amount",
                fake_gocardless::Fate::Date(d) if d < 0 => "earlier",
                fake_gocardless::Fate::Date(_) => "later",
                fake_gocardless::Fate::AmountAndDate(..) => "both",
                fake_gocardless::Fate::Vanish => "vanish",
                fake_gocardless::Fate::Same => "same",
            });
        }
        // A transaction booking later is still listed as pending the day
        // after it happened.
        let listed: HashSet<String> = pending(&today).iter().map(|t| t.to_string()).collect();
        let still = pending(&yesterday)
            .iter()
            .filter(|t| listed.contains(&t.to_string()))
            .count();
        listed_twice += still;
        (closing, yesterday) = (now_closing, today);
    }
    for kind in ["amount", "earlier", "later", "both", "vanish"] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    assert!(!kinds.contains("same"));
    assert!(listed_twice > 0, "none stayed pending for a second day");
    // Without fates, every pending transaction books as shown.
    let plain = FakeServer::start(opts(5));
    plain.advance(Duration::days(3));
    let (changed, vanished) = plain.bookings(&plain.account_ids()[0]);
    assert!(changed.is_empty() && vanished.is_empty());
}

#[test]
fn one_scope_out_of_budget_while_another_answers() {
    let s = FakeServer::start(opts(3));
    let id = s.account_ids()[0].clone();
    s.set_remaining(&id, fake_gocardless::Scope::Transactions, 0);
    let api = Api::login(&s);
    let tx = api.get(&format!("/accounts/{id}/transactions/"));
    assert_eq!(tx.status, 429, "{}", tx.text);
    assert!(
        tx.text.contains("RateLimitError") || tx.text.contains("limit"),
        "{}",
        tx.text
    );
    let bal = api.get(&format!("/accounts/{id}/balances/"));
    assert_eq!(bal.status, 200, "{}", bal.text);
    assert!(bal.json["balances"].is_array());
    // Tomorrow the budget is back.
    s.advance(Duration::days(1));
    let api = Api::login(&s);
    assert_eq!(
        api.get(&format!("/accounts/{id}/transactions/")).status,
        200
    );
}
