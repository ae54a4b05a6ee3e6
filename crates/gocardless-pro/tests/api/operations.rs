//! Every operation, pagination to the end, filters, and the clock.

use std::collections::HashSet;

use chrono::Duration;
use gocardless_pro::PayoutFilter;
use gocardless_pro::model::{
    CreditorId, Currency, PayoutItem, PayoutItemType, PayoutStatus, Resource,
};

use crate::common::{builder, client, server};

#[test]
fn every_operation_answers_and_the_records_link_up() {
    let server = server();
    let client = client(&server);

    let creditors = client.creditors().collect::<Result<Vec<_>, _>>().unwrap();
    let ids: Vec<String> = creditors.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(ids, server.creditor_ids());
    let countries: Vec<_> = creditors
        .iter()
        .map(|c| c.country_code.as_deref().unwrap())
        .collect();
    assert_eq!(countries, ["GB", "FR", "US"]);
    let one = client.creditor(&creditors[1].id).unwrap();
    assert_eq!(one.name.as_deref(), Some("Association Les Amis du Vélo"));
    assert_eq!(one, creditors[1]);

    let payouts = client
        .payouts(&PayoutFilter::default())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let ids: Vec<String> = payouts.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(ids, server.payout_ids());

    // A paid payout from last week with a refund among its items.
    let mut checked_refund = false;
    let mut checked_payment = false;
    for payout in payouts.iter().filter(|p| p.is_paid()).take(40) {
        let got = client.payout(&payout.id).unwrap();
        assert_eq!(&got, payout, "one payout reads as it lists");
        let items = client
            .payout_items(&payout.id)
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert!(!items.is_empty());
        for item in &items {
            match item.kind {
                PayoutItemType::PaymentPaidOut if !checked_payment => {
                    let id = item.links.payment.as_ref().unwrap();
                    let payment = client.payment(id).unwrap();
                    assert_eq!(payment.links.payout.as_ref(), Some(&payout.id));
                    assert_eq!(
                        rust_decimal::Decimal::from(payment.amount * 10),
                        item.amount * rust_decimal::Decimal::TEN
                    );
                    assert_eq!(payment.currency, payout.currency);
                    let mandate = client
                        .mandate(payment.links.mandate.as_ref().unwrap())
                        .unwrap();
                    assert_eq!(mandate.links.creditor, payout.links.creditor);
                    let customer = client
                        .customer(mandate.links.customer.as_ref().unwrap())
                        .unwrap();
                    assert!(
                        customer.name().is_some_and(|n| !n.is_empty()),
                        "{customer:?}"
                    );
                    checked_payment = true;
                }
                PayoutItemType::PaymentRefunded if !checked_refund => {
                    let refund = client.refund(item.links.refund.as_ref().unwrap()).unwrap();
                    assert_eq!(refund.links.payment, item.links.payment);
                    assert_eq!(rust_decimal::Decimal::from(-refund.amount), item.amount);
                    let payment = client
                        .payment(item.links.payment.as_ref().unwrap())
                        .unwrap();
                    assert!(payment.amount_refunded.unwrap() >= refund.amount);
                    checked_refund = true;
                }
                _ => {}
            }
        }
    }
    assert!(checked_payment && checked_refund);
}

#[test]
fn listings_follow_their_cursors_to_the_end() {
    let server = server();
    let client = builder(&server).page_size(7).build().unwrap();
    let all = server.payout_ids();
    assert!(all.len() > 300, "{}", all.len());
    let listed: Vec<String> = client
        .payouts(&PayoutFilter::default())
        .map(|p| p.unwrap().id.to_string())
        .collect();
    assert_eq!(listed, all);
    assert_eq!(listed.iter().collect::<HashSet<_>>().len(), listed.len());
    assert_eq!(server.count("GET", "/payouts"), all.len().div_ceil(7));
    let queries: Vec<String> = server.requests().into_iter().map(|r| r.query).collect();
    assert!(queries[0].contains("limit=7") && !queries[0].contains("after="));
    assert!(
        queries[1].contains(&format!("after={}", all[6])),
        "{}",
        queries[1]
    );

    // Items page too: find a payout with more than two.
    let client = builder(&server).page_size(2).build().unwrap();
    let payout = client
        .payouts(&PayoutFilter::default())
        .map(Result::unwrap)
        .take(20)
        .find(|p| client.payout_items(&p.id).count() > 4)
        .unwrap();
    server.reset_counters();
    let items: Vec<PayoutItem> = client
        .payout_items(&payout.id)
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        server.count("GET", "/payout_items"),
        items.len().div_ceil(2)
    );
    let default_size = crate::common::client(&server);
    let at_once: Vec<PayoutItem> = default_size
        .payout_items(&payout.id)
        .map(Result::unwrap)
        .collect();
    assert_eq!(items, at_once);
}

#[test]
fn a_listing_is_fetched_only_as_far_as_it_is_read() {
    let server = server();
    let client = builder(&server).page_size(5).build().unwrap();
    let first: Vec<_> = client.payouts(&PayoutFilter::default()).take(6).collect();
    assert_eq!(first.len(), 6);
    assert_eq!(server.count("GET", "/payouts"), 2);
}

#[test]
fn filters_select_by_date_creditor_status_and_currency() {
    let server = server();
    let client = client(&server);
    let since = server.now() - Duration::days(10);
    let recent: Vec<_> = client
        .payouts(&PayoutFilter::created_since(since))
        .map(Result::unwrap)
        .collect();
    assert!(!recent.is_empty());
    assert!(recent.iter().all(|p| p.created_at.unwrap() >= since));
    let all = server.payout_ids();
    let older = all.len() - recent.len();
    let before: Vec<_> = client
        .payouts(&PayoutFilter {
            created_at_lt: Some(since),
            ..PayoutFilter::default()
        })
        .map(Result::unwrap)
        .collect();
    assert_eq!(before.len(), older);
    assert!(
        server.requests()[0].query.contains("created_at%5Bgte%5D="),
        "{:?}",
        server.requests()[0]
    );

    let french = CreditorId::new(server.creditor_ids()[1].clone());
    let filter = PayoutFilter {
        creditor: Some(french.clone()),
        ..PayoutFilter::created_since(since)
    };
    let theirs: Vec<_> = client.payouts(&filter).map(Result::unwrap).collect();
    assert!(!theirs.is_empty());
    assert!(
        theirs
            .iter()
            .all(|p| p.links.creditor.as_ref() == Some(&french) && p.currency == Currency::Eur)
    );

    let pending: Vec<_> = client
        .payouts(&PayoutFilter {
            status: Some(PayoutStatus::Pending),
            ..PayoutFilter::default()
        })
        .map(Result::unwrap)
        .collect();
    assert!(!pending.is_empty());
    assert!(pending.iter().all(|p| p.arrival_date.is_none()));
    let dollars = PayoutFilter {
        currency: Some(Currency::Usd),
        ..PayoutFilter::created_since(since)
    };
    assert!(
        client
            .payouts(&dollars)
            .all(|p| p.unwrap().currency == Currency::Usd)
    );
}

#[test]
fn pending_payouts_are_paid_and_new_ones_appear_as_days_pass() {
    let server = server();
    let client = client(&server);
    let start = server.now();
    let pending: Vec<_> = client
        .payouts(&PayoutFilter::created_since(start - Duration::days(1)))
        .map(Result::unwrap)
        .filter(|p| p.status == Some(PayoutStatus::Pending))
        .collect();
    assert!(!pending.is_empty());
    for p in &pending {
        assert_eq!(p.arrival_date, None);
        assert!(
            p.raw().as_str().contains(r#""arrival_date":null"#),
            "{}",
            p.raw()
        );
    }
    let newest = pending.iter().map(|p| p.created_at.unwrap()).max().unwrap();

    // Friday morning to Tuesday morning: paid on Monday, and two new days.
    server.advance(Duration::days(4));
    for p in &pending {
        let now = client.payout(&p.id).unwrap();
        assert_eq!(now.status, Some(PayoutStatus::Paid));
        let arrival = now.arrival_date.unwrap();
        assert_eq!(arrival.to_string(), "2026-11-23", "the next working day");
        assert_eq!(now.amount, p.amount);
    }
    let since = newest + Duration::milliseconds(1);
    let new: Vec<_> = client
        .payouts(&PayoutFilter::created_since(since))
        .map(Result::unwrap)
        .collect();
    let days: HashSet<_> = new
        .iter()
        .map(|p| p.created_at.unwrap().date_naive().to_string())
        .collect();
    assert_eq!(
        days,
        HashSet::from(["2026-11-23".to_owned(), "2026-11-24".to_owned()])
    );
    assert!(new.iter().all(|p| !pending.iter().any(|q| q.id == p.id)));
    assert_eq!(
        server.payout_ids().len(),
        client.payouts(&PayoutFilter::default()).count()
    );
}
