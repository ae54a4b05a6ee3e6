//! Continuation keys followed to the end, the repeated-key guard, the page
//! cap, and the period narrowed once after `WRONG_TRANSACTIONS_PERIOD`.

use chrono::{Days, Duration};
use enablebanking::{Error, ErrorCode, PagingStop};
use fake_enablebanking::{Options, PagingQuirk};

use crate::common::Fake;

fn fake_with(paging: PagingQuirk) -> Fake {
    Fake::start(Options {
        page_size: 5,
        paging,
        ..Options::default()
    })
}

#[test]
fn every_page_is_read_once() {
    let fake = fake_with(PagingQuirk::None);
    let client = fake.client();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let txs = client.transactions(&uid, fake.earliest(), None).unwrap();
    assert!(txs.is_complete());
    assert_eq!(txs.records.len().div_ceil(5), txs.pages as usize);
    // No record twice.
    let mut refs: Vec<_> = txs
        .records
        .iter()
        .map(|r| r.parse().unwrap().entry_reference.unwrap())
        .collect();
    let n = refs.len();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), n);
    // Follow-up pages carry the same period and the key.
    let log = fake.server.requests();
    let pages: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/transactions"))
        .collect();
    assert!(
        pages[1..]
            .iter()
            .all(|r| r.query.contains("continuation_key=")
                && r.query.contains(&format!("date_from={}", fake.earliest())))
    );
}

#[test]
fn a_repeated_key_stops_paging() {
    let fake = fake_with(PagingQuirk::RepeatKey);
    let client = fake.client();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let txs = client.transactions(&uid, fake.earliest(), None).unwrap();
    assert_eq!(txs.stopped, Some(PagingStop::RepeatedKey { page: 2 }));
    assert!(!txs.is_complete());
    assert_eq!(txs.records.len(), 10);
    assert_eq!(fake.count("GET", "/accounts/"), 2);
}

#[test]
fn endless_keys_stop_at_the_page_cap() {
    let fake = fake_with(PagingQuirk::Endless);
    let client = fake.builder().max_pages(30).build().unwrap();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let txs = client
        .transactions(&uid, fake.today() - Days::new(10), None)
        .unwrap();
    assert_eq!(txs.stopped, Some(PagingStop::PageCap { pages: 30 }));
    assert_eq!(fake.count("GET", "/accounts/"), 30);
}

#[test]
fn a_period_too_long_is_asked_again_from_the_day_the_bank_names() {
    let fake = Fake::default();
    let client = fake.client();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    // 91 days: one too many.
    let asked = fake.earliest() - Days::new(1);
    let txs = client.transactions(&uid, asked, None).unwrap();
    assert_eq!(txs.requested_from, asked);
    assert_eq!(txs.date_from, fake.earliest());
    let log = fake.server.requests();
    let first = log
        .iter()
        .find(|r| r.path.ends_with("/transactions"))
        .unwrap();
    assert_eq!(first.status, 422);
    assert_eq!(log.iter().filter(|r| r.status == 422).count(), 1);

    // A period wholly before the window cannot be narrowed: the error says
    // from when to ask.
    let e = client
        .transactions(&uid, asked - Days::new(30), Some(asked - Days::new(10)))
        .unwrap_err();
    match &e {
        Error::WrongPeriod { date_from, .. } => assert_eq!(*date_from, Some(fake.earliest())),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), Some(&ErrorCode::WrongTransactionsPeriod));
    assert!(e.to_string().contains(&fake.earliest().to_string()), "{e}");

    assert!(matches!(
        client.transactions(&uid, fake.today(), Some(fake.today() - Days::new(1))),
        Err(Error::InvalidArgument { .. })
    ));
}
