//! Every balance type Enable Banking names, through the mapping and, for
//! each one a configuration can ask for, into an assertion bean-check
//! accepts.

use chrono::{Days, NaiveDate};
use fake_enablebanking::{Fault, FaultKind, Options};
use importer::BalanceKind;
use importer::entry::Entry;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{NORDEA, User};

/// Each type with its amount and reference date (days from today).
const TYPES: [(&str, &str, Option<i64>); 12] = [
    ("CLAV", "101.01", Some(-1)),
    ("CLBD", "102.02", Some(-1)),
    ("FWAV", "103.03", Some(2)),
    ("INFO", "104.04", Some(-1)),
    ("ITAV", "105.05", None),
    ("ITBD", "106.06", Some(0)),
    ("OPAV", "107.07", Some(0)),
    ("OPBD", "108.08", Some(0)),
    ("PRCD", "109.09", Some(-30)),
    ("OTHR", "110.10", Some(-1)),
    ("VALU", "111.11", Some(-1)),
    ("XPCD", "112.12", None),
];

fn body(today: NaiveDate) -> Value {
    let balances: Vec<Value> = TYPES
        .iter()
        .map(|(ty, amount, days)| {
            json!({
                "name": format!("{ty} balance"),
                "balance_amount": {"amount": amount, "currency": "EUR"},
                "balance_type": ty,
                "reference_date": days.map(|d| (today + chrono::Duration::days(d)).to_string()),
                "last_change_date_time": if days.is_none() { json!("2026-11-20T08:15:00+02:00") } else { Value::Null },
            })
        })
        .collect();
    json!({ "balances": balances })
}

/// A user whose accounts configure `balance` and whose bank serves no
/// transactions and every balance type.
fn user_with(balance: &str) -> User {
    let user = User::start(
        Options {
            daily_limit: 100,
            ..Options::default()
        },
        balance,
    );
    let empty = json!({"transactions": [], "continuation_key": null});
    let server = &user.fake.server;
    server.inject(Fault::next("/transactions", 2, FaultKind::Body(200, empty)));
    server.inject(Fault::next(
        "/balances",
        2,
        FaultKind::Body(200, body(user.today())),
    ));
    user
}

#[test]
fn every_balance_type_maps_to_its_kind() {
    let user = user_with("none");
    let today = user.today();
    let fetched = user.client.account_balances(&user.uid(0)).unwrap();
    let mapped = enablebanking::statement::balances(&fetched);
    let kinds: Vec<BalanceKind> = mapped.iter().map(|b| b.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            BalanceKind::ClosingAvailable,
            BalanceKind::ClosingBooked,
            BalanceKind::ForwardAvailable,
            BalanceKind::Information,
            BalanceKind::InterimAvailable,
            BalanceKind::InterimBooked,
            BalanceKind::OpeningAvailable,
            BalanceKind::OpeningBooked,
            BalanceKind::PreviouslyClosedBooked,
            BalanceKind::Other("OTHR".into()),
            BalanceKind::Other("VALU".into()),
            BalanceKind::Expected,
        ]
    );
    for (b, (_, amount, days)) in mapped.iter().zip(TYPES) {
        assert_eq!(b.amount, amount.parse::<Decimal>().unwrap());
        assert_eq!(b.currency, "EUR");
        assert_eq!(
            b.reference_date,
            days.map(|d| today + chrono::Duration::days(d))
        );
        assert_eq!(b.last_change.is_some(), days.is_none());
    }
    // A kind the importer does not know cannot be configured.
    for code in ["VALU", "OTHR"] {
        let yaml = format!("accounts:\n  - {{ id: a, account: Assets:A, balance: {code} }}\n");
        assert!(
            importer::config::from_str(&yaml, "c.yaml").is_err(),
            "{code}"
        );
    }
}

#[test]
fn each_configurable_balance_type_is_asserted() {
    let mut cases: Vec<(&str, &str, Option<i64>)> = TYPES
        .iter()
        .filter(|(ty, _, _)| !matches!(*ty, "OTHR" | "VALU"))
        .copied()
        .collect();
    // `auto`: the booked balance of the last completed day.
    cases.push(("auto", "102.02", Some(-1)));
    for (config, amount, days) in cases {
        let user = user_with(config);
        let today = user.today();
        let outcome = user.import();
        // The day the bank gives, else the day of the last change, else
        // today; asserted at the start of the next day.
        let reference = days.map_or(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), |d| {
            today + chrono::Duration::days(d)
        });
        for (output, a) in outcome.imported.outputs.iter().zip(&NORDEA) {
            // Kinds that count pending or future money cannot be told
            // from the transactions: the importer says so instead.
            if matches!(config, "CLAV" | "OPAV" | "FWAV" | "NINV") {
                assert!(
                    output.entries.iter().any(|e| matches!(
                        e,
                        Entry::Comment(c) if c.contains("cannot be told from the transactions")
                    )),
                    "{config}: {:?}",
                    output.entries
                );
                continue;
            }
            let balances: Vec<_> = output
                .entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Balance(b) => Some(b),
                    _ => None,
                })
                .collect();
            assert_eq!(balances.len(), 1, "{config}: {:?}", output.entries);
            let b = balances[0];
            assert_eq!(b.account, a.beancount);
            // A closing figure holds at the start of the next day; an
            // interim or opening one at the start of its own day, with
            // that day's bookings taken off (the ledger's bean-check, in
            // `import`, proves each holds).
            if matches!(config, "CLBD" | "auto") {
                assert_eq!(
                    b.amount.number,
                    amount.parse::<Decimal>().unwrap(),
                    "{config}"
                );
                assert_eq!(b.date, reference + Days::new(1), "{config}");
            } else {
                assert!(b.date <= reference + Days::new(1), "{config}: {b:?}");
            }
        }
    }
}
