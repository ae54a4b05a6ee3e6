//! The arithmetic of every payout: items sum (with GoCardless' rounding) to
//! the payout, fees carry their VAT, the FX payout its rate; and payout
//! items are gone after six months.

use std::collections::BTreeSet;

use chrono::Months;
use gocardless_pro::model::{Currency, PayoutItemType, PayoutStatus};
use gocardless_pro::{Error, PayoutFilter};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::common::{client, server};

#[test]
fn every_payout_is_the_rounded_sum_of_its_items() {
    let server = server();
    let client = client(&server);
    let creditors: Vec<_> = client.creditors().map(Result::unwrap).collect();
    let six_months_ago = server.now().checked_sub_months(Months::new(6)).unwrap();
    let payouts: Vec<_> = client
        .payouts(&PayoutFilter::created_since(six_months_ago))
        .map(Result::unwrap)
        .collect();
    assert!(payouts.len() > 200, "{}", payouts.len());
    let half = Decimal::new(5, 1);
    let mut kinds = BTreeSet::new();
    let (mut rounded, mut taxed, mut fx_paid, mut fx_pending) = (0, 0, 0, 0);
    for payout in &payouts {
        let items: Vec<_> = client
            .payout_items(&payout.id)
            .map(Result::unwrap)
            .collect();
        let sum: Decimal = items.iter().map(|i| i.amount).sum();
        let rounding = payout.rounding(&items);
        assert!(
            rounding.abs() <= half,
            "{}: {} vs {sum}",
            payout.id,
            payout.amount
        );
        assert_eq!(
            sum.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
            Decimal::from(payout.amount),
            "{}",
            payout.id
        );
        if !rounding.is_zero() {
            rounded += 1;
        }
        let fees: Decimal = items
            .iter()
            .filter(|i| i.kind.is_fee())
            .map(|i| i.amount)
            .sum();
        assert_eq!(
            Decimal::from(-payout.deducted_fees.unwrap()),
            fees.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
            "{}",
            payout.id
        );
        let creditor = creditors
            .iter()
            .find(|c| Some(&c.id) == payout.links.creditor.as_ref())
            .unwrap();
        let vat = match creditor.country_code.as_deref() {
            Some("GB") => Some(("GB_VAT_1", Currency::Gbp)),
            Some("FR") => Some(("FR_VAT_1", Currency::Eur)),
            _ => None,
        };
        assert_eq!(payout.tax_currency, vat.clone().map(|v| v.1));
        for item in &items {
            kinds.insert(item.kind.as_str().to_owned());
            let taxable = matches!(
                item.kind,
                PayoutItemType::GocardlessFee | PayoutItemType::SurchargeFee
            );
            match &vat {
                Some((rate, due_in)) if taxable => {
                    let [tax] = item.taxes.as_slice() else {
                        panic!("{item:?}")
                    };
                    assert_eq!(tax.tax_rate_id.as_deref(), Some(*rate));
                    assert_eq!(tax.currency.as_ref(), Some(&payout.currency));
                    assert_eq!(tax.destination_currency, Some(due_in.clone()));
                    // 20% of the net fee is a sixth of the fee, to a tenth.
                    assert!(
                        (item.amount / Decimal::from(6) - tax.amount).abs() <= Decimal::new(1, 1),
                        "{item:?}"
                    );
                    assert_eq!(item.tax(), tax.amount);
                    if payout.currency == *due_in {
                        assert_eq!(tax.destination_amount, Some(tax.amount));
                        assert_eq!(tax.exchange_rate, None);
                    } else if payout.is_paid() {
                        let rate = tax.exchange_rate.unwrap();
                        assert_eq!(
                            tax.destination_amount,
                            Some((tax.amount * rate).round_dp(1))
                        );
                    } else {
                        assert_eq!((tax.destination_amount, tax.exchange_rate), (None, None));
                    }
                    taxed += 1;
                }
                _ => assert!(item.taxes.is_empty(), "{item:?}"),
            }
        }
        let fx = payout.fx.as_ref().unwrap();
        if let Some(to) = &fx.fx_currency {
            assert_eq!((&payout.currency, to), (&Currency::Eur, &Currency::Gbp));
            if payout.status == Some(PayoutStatus::Paid) {
                let rate = fx.exchange_rate.unwrap();
                let expected = (Decimal::from(payout.amount) * rate)
                    .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                assert_eq!(Decimal::from(fx.fx_amount.unwrap()), expected);
                assert_eq!(fx.estimated_exchange_rate, None);
                fx_paid += 1;
            } else {
                assert!(fx.estimated_exchange_rate.is_some() && fx.fx_amount.is_none());
                fx_pending += 1;
            }
        } else {
            assert_eq!(fx, &Default::default());
        }
        let major = payout
            .currency
            .to_major(Decimal::from(payout.amount))
            .unwrap();
        assert_eq!(major * Decimal::ONE_HUNDRED, Decimal::from(payout.amount));
    }
    assert!(rounded > 20, "{rounded} payouts with a rounding");
    assert!(taxed > 100 && fx_paid > 5, "{taxed} {fx_paid} {fx_pending}");
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "app_fee",
            "gocardless_fee",
            "payment_charged_back",
            "payment_failed",
            "payment_paid_out",
            "payment_refunded",
            "refund",
            "refund_funds_returned",
            "surcharge_fee"
        ]
    );
    let statuses: BTreeSet<_> = payouts
        .iter()
        .map(|p| p.status.clone().unwrap().to_string())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["bounced", "paid", "pending"]
    );
}

#[test]
fn items_of_payouts_older_than_six_months_are_gone() {
    let server = server();
    let client = client(&server);
    let six_months_ago = server.now().checked_sub_months(Months::new(6)).unwrap();
    let old: Vec<_> = client
        .payouts(&PayoutFilter {
            created_at_lt: Some(six_months_ago),
            ..PayoutFilter::default()
        })
        .map(Result::unwrap)
        .collect();
    assert!(old.len() > 20, "{}", old.len());
    // The payout itself is still there; its items are not.
    let payout = client.payout(&old[0].id).unwrap();
    server.reset_counters();
    let e = client.payout_items(&payout.id).next().unwrap().unwrap_err();
    assert!(e.is_gone(), "{e:?}");
    assert!(matches!(e, Error::Gone { .. }));
    assert_eq!(e.status(), Some(410));
    assert!(!e.is_transient());
    assert_eq!(e.operation().unwrap().id(), Some(payout.id.as_str()));
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("list items of payout {}", payout.id)),
        "{msg}"
    );
    assert!(
        msg.contains("six months") && msg.contains("archived"),
        "{msg}"
    );
    assert_eq!(
        server.count("GET", "/payout_items"),
        1,
        "a 410 is not retried"
    );

    // Still there the day before they go; gone once the clock moves on.
    let oldest_kept = client
        .payouts(&PayoutFilter::created_since(six_months_ago))
        .map(Result::unwrap)
        .last()
        .unwrap();
    assert!(client.payout_items(&oldest_kept.id).all(|i| i.is_ok()));
    server.advance(chrono::Duration::days(3));
    assert!(
        client
            .payout_items(&oldest_kept.id)
            .next()
            .unwrap()
            .unwrap_err()
            .is_gone()
    );
}
