//! Records the bank sends that are not plain booked or pending ones:
//! cancelled, rejected, scheduled, unknown statuses, unreadable records,
//! and records without a reference.

use chrono::Days;
use fake_enablebanking::{Fault, FaultKind, Options};
use importer::entry::Entry;
use serde_json::{Value, json};

use super::User;
use enablebanking::TransactionStatus;

/// The next transactions page of account `i` is `records`.
fn serve(user: &User, i: usize, records: Value) {
    let uid = user.uid(i);
    user.fake.server.inject(Fault::next(
        &format!("/accounts/{uid}/transactions"),
        1,
        FaultKind::Body(
            200,
            json!({"transactions": records, "continuation_key": null}),
        ),
    ));
}

fn record(reference: Option<&str>, status: Option<&str>, day: chrono::NaiveDate) -> Value {
    let mut r = json!({
        "transaction_id": null,
        "transaction_amount": {"amount": "12.30", "currency": "EUR"},
        "credit_debit_indicator": "DBIT",
        "creditor": {"name": "Cafe Regatta"},
        "value_date": day.to_string(),
        "remittance_information": ["Coffee"],
    });
    if let Some(s) = status {
        r["status"] = json!(s);
        if s == "BOOK" {
            r["booking_date"] = json!(day.to_string());
        }
    }
    if let Some(e) = reference {
        r["entry_reference"] = json!(e);
    }
    r
}

#[test]
fn records_neither_booked_nor_pending_are_left_out_and_reported() {
    let user = User::start(Options::default(), "none");
    let today = user.today();
    let yesterday = today - Days::new(1);
    let mut unreadable = record(Some("U1"), Some("BOOK"), yesterday);
    unreadable
        .as_object_mut()
        .unwrap()
        .remove("transaction_amount");
    let mut no_date = record(Some("N1"), Some("BOOK"), yesterday);
    for k in ["booking_date", "value_date"] {
        no_date.as_object_mut().unwrap().remove(k);
    }
    serve(
        &user,
        0,
        json!([
            record(Some("B1"), Some("BOOK"), yesterday),
            record(Some("P1"), Some("PDNG"), today),
            record(Some("H1"), Some("HOLD"), today),
            record(Some("C1"), Some("CNCL"), yesterday),
            record(Some("R1"), Some("RJCT"), yesterday),
            record(Some("S1"), Some("SCHD"), today + Days::new(3)),
            record(Some("O1"), Some("OTHR"), yesterday),
            record(Some("W1"), Some("WAIT"), yesterday),
            record(Some("M1"), None, yesterday),
            unreadable,
            no_date,
        ]),
    );
    let outcome = user.import_unchecked();
    test_support::bean_check::file(&user.ledger);

    // Left out, each with what it is and why, for the caller to report.
    let left_out = &outcome.left_out[0];
    let statuses: Vec<&TransactionStatus> = left_out.iter().map(|l| &l.status).collect();
    assert_eq!(
        statuses,
        [
            &TransactionStatus::Cancelled,
            &TransactionStatus::Rejected,
            &TransactionStatus::Scheduled,
            &TransactionStatus::OtherStatus,
            &TransactionStatus::Other("WAIT".into()),
            &TransactionStatus::Other(String::new()),
        ]
    );
    let lines: Vec<String> = left_out.iter().map(|l| l.to_string()).collect();
    assert_eq!(
        lines[0],
        format!("{yesterday} -12.30 EUR, entry reference C1: cancelled (CNCL): it never booked")
    );
    assert!(
        lines[1].ends_with("R1: rejected (RJCT): it never booked"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("scheduled (SCHD)"), "{}", lines[2]);
    assert!(
        lines[3].ends_with("O1: status OTHR: neither booked nor pending"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].ends_with("W1: status WAIT: neither booked nor pending"),
        "{}",
        lines[4]
    );
    assert!(
        lines[5].ends_with("M1: no status: neither booked nor pending"),
        "{}",
        lines[5]
    );
    assert!(
        left_out
            .iter()
            .all(|l| l.raw.contains(l.entry_reference.as_deref().unwrap()))
    );
    // The card account's own data had none.
    assert!(outcome.left_out[1].is_empty());

    // Booked and pending are entries; unreadable records are comments
    // holding their JSON, and problems naming them.
    let output = &outcome.imported.outputs[0];
    let flags: Vec<(char, String)> = output
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Transaction(t) => Some((t.flag, t.postings[0].meta[0].1.as_text())),
            _ => None,
        })
        .collect();
    assert_eq!(
        flags,
        [
            ('*', "B1".to_owned()),
            ('!', "P1".to_owned()),
            ('!', "H1".to_owned())
        ]
    );
    let problems: Vec<String> = outcome.imported.problems().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("transaction U1: unreadable transaction"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].contains("transaction_amount"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("transaction N1: no date: none of booking_date"),
        "{}",
        problems[1]
    );
    let text = &outcome.imported.text();
    assert!(text.contains("\"entry_reference\":\"U1\""), "{text}");
    for left in ["C1", "R1", "S1", "O1", "W1", "M1"] {
        assert!(!text.contains(&format!("\"{left}\"")), "{left}: {text}");
    }
}

#[test]
fn ids_without_a_reference_survive_a_new_session() {
    // No entry_reference: the id is a hash of the content, which must not
    // take in what changes with the session (here the transaction_id).
    let mut user = User::start(Options::default(), "none");
    let today = user.today();
    let yesterday = today - Days::new(1);
    let page = |session: &str| {
        let mut coffee = record(None, Some("BOOK"), yesterday);
        coffee["transaction_id"] = json!(format!("{session}-1"));
        let mut twin = coffee.clone();
        twin["transaction_id"] = json!(format!("{session}-2"));
        let mut pending = record(None, Some("PDNG"), today);
        pending["transaction_id"] = json!(format!("{session}-3"));
        json!([coffee, twin, pending])
    };
    serve(&user, 0, page("first-session"));
    let first = user.import();
    let ids: Vec<String> = first.imported.outputs[0]
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Transaction(t) => Some(t.postings[0].meta[0].1.as_text()),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("sha256:")), "{ids:?}");
    // Two genuine identical payments stay two.
    assert_eq!(ids[1], format!("{}-2", ids[0]));

    user.relink();
    serve(&user, 0, page("second-session"));
    let again = user.import();
    let s = &again.imported.summaries[0];
    assert_eq!((s.new, s.dup_id), (0, 3), "{s}");
    assert!(!again.imported.text().contains("Cafe Regatta"));
}
