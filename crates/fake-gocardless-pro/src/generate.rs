//! Deterministic data from a seed: three creditors (a British one with VAT
//! on fees that also collects euros paid out in pounds, a French one with
//! VAT, an American one without), their customers and mandates, and one
//! payout per collection currency per working day, made of payments paid
//! out, fees (with tax), app fees, and now and then a late failure, a
//! charge-back (each with its fee refunded and a surcharge), a refund of a
//! payment, a refund on a mandate and, days later, its funds returned.

use std::collections::VecDeque;

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;

use crate::data::{
    Collection, Creditor, Customer, Data, Item, Mandate, Payment, Payout, Refund, TaxRate,
    round_tenths,
};

/// Mixes numbers into one seed (SplitMix64 finaliser).
pub fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &p in parts {
        h ^= p
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(h << 6)
            .wrapping_add(h >> 2);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn code(rng: &mut fastrand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

/// The access token of a seed: `sandbox_` and 40 characters.
pub fn token(seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(mix(&[seed, 99]));
    let body: String = (0..40)
        .map(|_| {
            let c = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
            c[rng.usize(..c.len())] as char
        })
        .collect();
    format!("sandbox_{body}")
}

const GIVEN: &[&str] = &[
    "Frank", "Zoë", "Amara", "Seán", "Li", "Margaux", "Tom", "Priya", "Jürgen", "Ana",
];
const FAMILY: &[&str] = &[
    "Osborne", "O'Brien", "Okafor", "Dupont", "Nguyen", "Smith", "García", "Kowalski",
];
const COMPANIES: &[&str] = &[
    "Hamilton Trading Ltd.",
    "Café \"Le Zinc\" SARL",
    "Blue Door Studio",
];
const DESCRIPTIONS: &[&str] = &[
    "Monthly membership",
    "Rent — flat 2",
    "Cotisation annuelle",
    "Invoice INV-1042",
    "Coffee beans subscription",
    "Service charge Q4",
];

/// Who collects what.
struct CreditorSpec {
    name: &'static str,
    country: &'static str,
    /// The start of their references.
    prefix: &'static str,
    tax: Option<TaxRate>,
    collections: &'static [CollectionSpec],
}

/// One currency collected: in it, paid out in, scheme, % of working days
/// with a payout, whether an app takes a fee.
struct CollectionSpec(&'static str, Option<&'static str>, &'static str, u8, bool);

const CREDITORS: &[CreditorSpec] = &[
    CreditorSpec {
        name: "Acme Lettings Ltd",
        country: "GB",
        prefix: "ACMELT",
        tax: Some(TaxRate {
            id: "GB_VAT_1",
            currency: "GBP",
        }),
        collections: &[
            CollectionSpec("GBP", None, "bacs", 100, true),
            CollectionSpec("EUR", Some("GBP"), "sepa_core", 40, false),
        ],
    },
    CreditorSpec {
        name: "Association Les Amis du Vélo",
        country: "FR",
        prefix: "AMIVEL",
        tax: Some(TaxRate {
            id: "FR_VAT_1",
            currency: "EUR",
        }),
        collections: &[CollectionSpec("EUR", None, "sepa_core", 100, false)],
    },
    CreditorSpec {
        name: "Northwind Supplies Inc",
        country: "US",
        prefix: "NWIND",
        tax: None,
        collections: &[CollectionSpec("USD", None, "ach", 60, false)],
    },
];

/// Mandates per collection currency.
const MANDATES_PER_COLLECTION: usize = 6;

/// The generator's own state: ids handed out, the payments each collection
/// may still see fail, refunds whose funds come back later.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    start: NaiveDate,
    /// The next day to generate.
    next_day: NaiveDate,
    counters: [u64; 8],
    /// Per (creditor, collection): payments paid out and not yet failed,
    /// charged back or refunded, oldest first.
    pools: Vec<VecDeque<usize>>,
    /// (due day, creditor, collection, refund) of refunds to be returned.
    returns: Vec<(NaiveDate, usize, usize, usize)>,
}

impl Generator {
    /// Creditors, customers and mandates; payouts from `start` on come with
    /// [`Generator::generate_until`].
    pub fn new(seed: u64, start: NaiveDate) -> (Generator, Data) {
        let mut g = Generator {
            seed,
            start,
            next_day: start,
            counters: [0; 8],
            pools: Vec::new(),
            returns: Vec::new(),
        };
        let mut data = Data::default();
        let set_up = start.and_hms_opt(9, 0, 0).unwrap().and_utc() - Duration::days(60);
        for (ci, spec) in CREDITORS.iter().enumerate() {
            let (country, prefix) = (spec.country, spec.prefix);
            let id = g.id("CR", 0);
            let bank_account = g.id("BA", 1);
            let mut cols = Vec::new();
            for (ki, &CollectionSpec(currency, fx_to, scheme, frequency, app_fee)) in
                spec.collections.iter().enumerate()
            {
                let mut mandates = Vec::new();
                for m in 0..MANDATES_PER_COLLECTION {
                    let mut rng =
                        fastrand::Rng::with_seed(mix(&[seed, 2, ci as u64, ki as u64, m as u64]));
                    let given = GIVEN[rng.usize(..GIVEN.len())];
                    let family = FAMILY[rng.usize(..FAMILY.len())];
                    let company = (m % 4 == 3).then(|| COMPANIES[rng.usize(..COMPANIES.len())]);
                    let created_at = set_up + Duration::hours(m as i64);
                    data.customers.push(Customer {
                        id: g.id("CU", 2),
                        given,
                        family,
                        company,
                        email: format!("{}.{}@example.com", ascii(given), ascii(family)),
                        country,
                        created_at,
                    });
                    data.mandates.push(Mandate {
                        id: g.id("MD", 3),
                        customer: data.customers.len() - 1,
                        creditor: ci,
                        scheme,
                        reference: format!("{prefix}-{}", code(&mut rng, 8)),
                        bank_account: g.id("BA", 1),
                        created_at,
                    });
                    mandates.push(data.mandates.len() - 1);
                }
                cols.push(Collection {
                    currency,
                    fx_to,
                    frequency,
                    app_fee,
                    mandates,
                });
                g.pools.push(VecDeque::new());
            }
            data.creditors.push(Creditor {
                id,
                name: spec.name,
                country,
                prefix,
                tax: spec.tax,
                created_at: set_up - Duration::days(30),
                bank_account,
                collections: cols,
            });
        }
        (g, data)
    }

    /// A new id: the prefix, `00`, and ten characters from the seed, the
    /// kind and a counter (so ids do not depend on the order of requests).
    fn id(&mut self, prefix: &str, kind: usize) -> String {
        let n = self.counters[kind];
        self.counters[kind] += 1;
        let mut rng = fastrand::Rng::with_seed(mix(&[self.seed, 1000 + kind as u64, n]));
        format!("{prefix}00{}", code(&mut rng, 10))
    }

    /// Generates every working day up to `today`, inclusive.
    pub fn generate_until(&mut self, data: &mut Data, today: NaiveDate) {
        while self.next_day <= today {
            let day = self.next_day;
            if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                self.generate_day(data, day);
            }
            self.next_day = day + Days::new(1);
        }
    }

    fn generate_day(&mut self, data: &mut Data, day: NaiveDate) {
        let n = (day - self.start).num_days();
        let mut pool_index = 0;
        for ci in 0..data.creditors.len() {
            for ki in 0..data.creditors[ci].collections.len() {
                let mut rng =
                    fastrand::Rng::with_seed(mix(&[self.seed, 3, ci as u64, ki as u64, n as u64]));
                let frequency = data.creditors[ci].collections[ki].frequency;
                if rng.u8(..100) < frequency {
                    // Offsets so that every collection has its own events.
                    self.payout(
                        data,
                        day,
                        n + (pool_index as i64) * 3,
                        ci,
                        ki,
                        pool_index,
                        &mut rng,
                    );
                }
                pool_index += 1;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn payout(
        &mut self,
        data: &mut Data,
        day: NaiveDate,
        n: i64,
        ci: usize,
        ki: usize,
        pi: usize,
        rng: &mut fastrand::Rng,
    ) {
        let payout_index = data.payouts.len();
        let col = data.creditors[ci].collections[ki].clone();
        let tax = data.creditors[ci].tax;
        let created_at =
            day.and_hms_opt(7, 0, 0).unwrap().and_utc() + Duration::minutes(10 * pi as i64);
        let mut items: Vec<Item> = Vec::new();
        let mut new_payments = Vec::new();

        // Earlier payments that go wrong now.
        let mut pool = std::mem::take(&mut self.pools[pi]);
        if n % 5 == 1
            && let Some(p) = pool.pop_front()
        {
            data.payments[p].status = "failed";
            reverse(data, &mut items, p, "payment_failed", tax.is_some());
        }
        if n % 7 == 3
            && let Some(p) = pool.pop_front()
        {
            data.payments[p].status = "charged_back";
            reverse(data, &mut items, p, "payment_charged_back", tax.is_some());
        }
        if n % 4 == 2
            && let Some(p) = pool.pop_front()
        {
            let amount = (data.payments[p].amount / 2).max(1);
            let mandate = data.payments[p].mandate;
            let refund = self.refund(
                data,
                Some(p),
                mandate,
                amount,
                col.currency,
                created_at,
                "paid",
            );
            data.payments[p].amount_refunded += amount;
            items.push(Item {
                kind: "payment_refunded",
                tenths: -amount * 10,
                payment: Some(p),
                mandate: Some(data.payments[p].mandate),
                refund: Some(refund),
                tax_tenths: None,
            });
        }
        if n % 11 == 6 {
            let mandate = col.mandates[rng.usize(..col.mandates.len())];
            let amount = rng.i64(300..=2000);
            let refund = self.refund(
                data,
                None,
                mandate,
                amount,
                col.currency,
                created_at,
                "submitted",
            );
            items.push(Item {
                kind: "refund",
                tenths: -amount * 10,
                payment: None,
                mandate: Some(mandate),
                refund: Some(refund),
                tax_tenths: None,
            });
            self.returns.push((day + Days::new(3), ci, ki, refund));
        }
        let due: Vec<usize> = self
            .returns
            .iter()
            .filter(|(d, c, k, _)| *d <= day && *c == ci && *k == ki)
            .map(|r| r.3)
            .collect();
        self.returns
            .retain(|(d, c, k, _)| !(*d <= day && *c == ci && *k == ki));
        for r in due {
            data.refunds[r].status = "funds_returned";
            items.push(Item {
                kind: "refund_funds_returned",
                tenths: data.refunds[r].amount * 10,
                payment: None,
                mandate: Some(data.refunds[r].mandate),
                refund: Some(r),
                tax_tenths: None,
            });
        }

        // Today's collections; more until the payout is worth sending.
        let mut count = 1 + rng.usize(..5);
        while count > 0 || items.iter().map(|i| i.tenths).sum::<i64>() <= 0 {
            count = count.saturating_sub(1);
            let mandate = col.mandates[rng.usize(..col.mandates.len())];
            let amount = rng.i64(500..=30_000);
            let p = data.payments.len();
            let reference = format!("{}{}", data.creditors[ci].prefix, code(rng, 6));
            data.payments.push(Payment {
                id: self.id("PM", 4),
                mandate,
                creditor: ci,
                amount,
                currency: col.currency,
                charge_date: day - Days::new(1),
                created_at: created_at - Duration::days(6) + Duration::minutes(rng.i64(0..600)),
                description: DESCRIPTIONS[rng.usize(..DESCRIPTIONS.len())],
                reference,
                status: "paid_out",
                amount_refunded: 0,
                payout: Some(payout_index),
            });
            items.push(Item {
                kind: "payment_paid_out",
                tenths: amount * 10,
                payment: Some(p),
                mandate: None,
                refund: None,
                tax_tenths: None,
            });
            let (fee, fee_tax) = fee(amount, tax.is_some());
            items.push(Item {
                kind: "gocardless_fee",
                tenths: -fee,
                payment: Some(p),
                mandate: None,
                refund: None,
                tax_tenths: fee_tax.map(|t| -t),
            });
            if col.app_fee && n % 3 == 0 {
                items.push(Item {
                    kind: "app_fee",
                    tenths: -(amount / 20),
                    payment: Some(p),
                    mandate: None,
                    refund: None,
                    tax_tenths: None,
                });
            }
            new_payments.push(p);
        }
        pool.extend(new_payments);
        self.pools[pi] = pool;

        let total: i64 = items.iter().map(|i| i.tenths).sum();
        let fees: i64 = items
            .iter()
            .filter(|i| matches!(i.kind, "gocardless_fee" | "app_fee" | "surcharge_fee"))
            .map(|i| i.tenths)
            .sum();
        let rate = col
            .fx_to
            .map(|_| Decimal::new(8_400_000_000 + rng.i64(0..400_000_000), 10));
        let id = self.id("PO", 5);
        let reference = format!("{}-{}", data.creditors[ci].prefix, code(rng, 8));
        data.payouts.push(Payout {
            id,
            creditor: ci,
            currency: col.currency,
            fx_to: col.fx_to,
            rate,
            amount: round_tenths(total),
            deducted_fees: -round_tenths(fees),
            created_at,
            arrival: next_working_day(day),
            bounced: data.creditors[ci].tax.is_none() && n % 37 == 20,
            reference,
            items,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn refund(
        &mut self,
        data: &mut Data,
        payment: Option<usize>,
        mandate: usize,
        amount: i64,
        currency: &'static str,
        at: DateTime<Utc>,
        status: &'static str,
    ) -> usize {
        let id = self.id("RF", 6);
        let reference = format!("REFUND-{}", &id[4..10]);
        data.refunds.push(Refund {
            id,
            payment,
            mandate,
            amount,
            currency,
            created_at: at - Duration::hours(20),
            reference,
            status,
        });
        data.refunds.len() - 1
    }
}

/// A payment paid out earlier failed late or was charged back: its amount
/// is taken back, its fee refunded, a surcharge charged.
fn reverse(data: &Data, items: &mut Vec<Item>, p: usize, kind: &'static str, taxed: bool) {
    let payment = &data.payments[p];
    items.push(Item {
        kind,
        tenths: -payment.amount * 10,
        payment: Some(p),
        mandate: None,
        refund: None,
        tax_tenths: None,
    });
    let (refunded, refunded_tax) = fee(payment.amount, taxed);
    items.push(Item {
        kind: "gocardless_fee",
        tenths: refunded,
        payment: Some(p),
        mandate: None,
        refund: None,
        tax_tenths: refunded_tax,
    });
    let net = 1500;
    let surcharge_tax = taxed.then(|| vat(net));
    items.push(Item {
        kind: "surcharge_fee",
        tenths: -(net + surcharge_tax.unwrap_or(0)),
        payment: Some(p),
        mandate: None,
        refund: None,
        tax_tenths: surcharge_tax.map(|t| -t),
    });
}

/// GoCardless' fee on a payment of `amount` minor units, in tenths of a
/// minor unit: 1% + 20, at most 400, plus 20% tax when `taxed`; and the
/// tax included.
fn fee(amount: i64, taxed: bool) -> (i64, Option<i64>) {
    let net = (amount / 10 + 200).min(4000);
    let tax = taxed.then(|| vat(net));
    (net + tax.unwrap_or(0), tax)
}

/// 20% of `net` tenths, to the nearest tenth.
fn vat(net: i64) -> i64 {
    (net * 2 + 5) / 10
}

fn next_working_day(day: NaiveDate) -> NaiveDate {
    let mut d = day + Days::new(1);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d + Days::new(1);
    }
    d
}

fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ë' => Some('e'),
            'á' => Some('a'),
            'í' => Some('i'),
            'ü' => Some('u'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn midnight(d: NaiveDate) -> DateTime<Utc> {
        d.and_hms_opt(0, 0, 0).unwrap().and_utc()
    }

    #[test]
    fn every_payout_is_its_items_rounded_and_every_kind_appears() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let (mut g, mut data) = Generator::new(7, start);
        g.generate_until(&mut data, start + Days::new(120));
        assert!(data.payouts.len() > 150, "{}", data.payouts.len());
        let mut kinds = std::collections::BTreeSet::new();
        let mut rounded = 0;
        for o in &data.payouts {
            let total: i64 = o.items.iter().map(|i| i.tenths).sum();
            assert!(total > 0 && o.amount > 0);
            assert!((o.amount * 10 - total).abs() <= 5, "{} {total}", o.amount);
            rounded += usize::from(o.amount * 10 != total);
            kinds.extend(o.items.iter().map(|i| i.kind));
            assert!(o.created_at > midnight(start));
        }
        assert!(rounded > 10, "{rounded}");
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
        let again = {
            let (mut g, mut d) = Generator::new(7, start);
            g.generate_until(&mut d, start + Days::new(120));
            d.payouts
                .iter()
                .map(|o| (o.id.clone(), o.amount))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            again,
            data.payouts
                .iter()
                .map(|o| (o.id.clone(), o.amount))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn fees_carry_a_fifth_of_their_net_as_vat() {
        assert_eq!(fee(12_345, true), (1434 + 287, Some(287)));
        assert_eq!(fee(12_345, false), (1434, None));
        assert_eq!(fee(1_000_000, true).0, 4000 + 800);
    }
}
