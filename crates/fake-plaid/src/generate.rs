//! Deterministic data: ids, tokens, the accounts of an Item and the
//! transactions each account has on each day, all derived from the seed.
//!
//! What an account does on a day is a pure function of (seed, Item number,
//! account number, day), so the clock can move back and forth over the
//! same days and always find the same transactions. Card purchases are
//! pending on their day and post the next day under a new id (restaurants
//! and rides with a tip added); some posted purchases are enriched by
//! Plaid a day after posting (a `modified` update).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::options::AccountKind;

/// Mixes several numbers into one seed (splitmix64 steps).
pub fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &p in parts {
        h ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15);
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

const BASE62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A Plaid-style id: 37 characters of base62.
pub fn plaid_id(rng: &mut fastrand::Rng) -> String {
    base62(rng, 37)
}

/// `len` characters of base62.
pub fn base62(rng: &mut fastrand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| BASE62[rng.usize(..BASE62.len())] as char)
        .collect()
}

/// A version-4-shaped UUID, as Plaid's tokens end with.
pub fn uuid(rng: &mut fastrand::Rng) -> String {
    let a = rng.u64(..);
    let b = rng.u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0x0fff) as u16,
        ((b >> 48) as u16 & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// An account as generated.
#[derive(Debug, Clone)]
pub struct AccountPlan {
    pub id: String,
    pub kind: AccountKind,
    pub name: &'static str,
    pub official_name: Option<&'static str>,
    pub mask: String,
    /// Depository: the balance before any generated transaction. Credit
    /// and loan: what was owed.
    pub opening: Decimal,
    pub limit: Option<Decimal>,
}

impl AccountKind {
    /// Plaid's `type`.
    pub fn plaid_type(self) -> &'static str {
        match self {
            AccountKind::Checking | AccountKind::Savings => "depository",
            AccountKind::CreditCard => "credit",
            AccountKind::StudentLoan => "loan",
        }
    }

    /// Plaid's `subtype`.
    pub fn subtype(self) -> &'static str {
        match self {
            AccountKind::Checking => "checking",
            AccountKind::Savings => "savings",
            AccountKind::CreditCard => "credit card",
            AccountKind::StudentLoan => "student",
        }
    }
}

/// The accounts of Item number `item`.
pub fn accounts(seed: u64, item: u64, kinds: &[AccountKind]) -> Vec<AccountPlan> {
    kinds
        .iter()
        .enumerate()
        .map(|(i, &kind)| {
            let mut rng = fastrand::Rng::with_seed(mix(&[seed, 11, item, i as u64]));
            let (name, official_name, opening, limit) = match kind {
                AccountKind::Checking => (
                    "Plaid Checking",
                    Some("Plaid Gold Standard 0% Interest Checking"),
                    cents(300_000),
                    None,
                ),
                AccountKind::Savings => (
                    "Plaid Saving",
                    Some("Plaid Silver Standard 0.1% Interest Saving"),
                    cents(1_000_000),
                    None,
                ),
                AccountKind::CreditCard => (
                    "Plaid Credit Card",
                    Some("Plaid Diamond 12.5% APR Interest Credit Card"),
                    cents(41_000),
                    Some(cents(500_000)),
                ),
                AccountKind::StudentLoan => ("Plaid Student Loan", None, cents(2_500_000), None),
            };
            AccountPlan {
                id: plaid_id(&mut rng),
                kind,
                name,
                official_name,
                mask: format!("{:04}", rng.u32(0..10_000)),
                opening,
                limit,
            }
        })
        .collect()
}

/// What a transaction is, before it is given its day's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The day it happened (posted that day, or pending that day and
    /// posted the next).
    pub day: NaiveDate,
    /// Its number within the day and account.
    pub n: u64,
    /// The id while pending (pending first only).
    pub pending_id: Option<String>,
    /// The id once posted.
    pub posted_id: String,
    /// While pending; and the posted amount.
    pub amount: Decimal,
    pub posted_amount: Decimal,
    /// The bank's text and Plaid's cleaned name.
    pub original_description: String,
    pub name: String,
    pub merchant_name: Option<&'static str>,
    pub primary: &'static str,
    pub detailed: &'static str,
    pub channel: &'static str,
    /// Plaid adds the merchant a day after posting (a `modified` update).
    pub enriched_later: bool,
}

impl Planned {
    /// Pending on its day, posted the next.
    pub fn pending_first(&self) -> bool {
        self.pending_id.is_some()
    }

    /// The day it posts.
    pub fn posting_day(&self) -> NaiveDate {
        if self.pending_first() {
            self.day.succ_opt().unwrap_or(self.day)
        } else {
            self.day
        }
    }
}

struct Merchant {
    merchant: &'static str,
    raw: &'static str,
    primary: &'static str,
    detailed: &'static str,
    channel: &'static str,
    cents: (u32, u32),
    tip: bool,
}

const MERCHANTS: &[Merchant] = &[
    Merchant {
        merchant: "Walmart",
        raw: "PURCHASE WM SUPERCENTER #1700",
        primary: "GENERAL_MERCHANDISE",
        detailed: "GENERAL_MERCHANDISE_SUPERSTORES",
        channel: "in store",
        cents: (500, 15_000),
        tip: false,
    },
    Merchant {
        merchant: "Starbucks",
        raw: "STARBUCKS STORE 12345 SEATTLE WA",
        primary: "FOOD_AND_DRINK",
        detailed: "FOOD_AND_DRINK_COFFEE",
        channel: "in store",
        cents: (350, 1_200),
        tip: true,
    },
    Merchant {
        merchant: "Uber",
        raw: "UBER 063015 SF**POOL**",
        primary: "TRANSPORTATION",
        detailed: "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        channel: "online",
        cents: (800, 4_500),
        tip: true,
    },
    Merchant {
        merchant: "Burger King",
        raw: "DD DOORDASH BURGERKIN 855-973-1040 CA",
        primary: "FOOD_AND_DRINK",
        detailed: "FOOD_AND_DRINK_FAST_FOOD",
        channel: "online",
        cents: (900, 3_500),
        tip: true,
    },
    Merchant {
        merchant: "Shell",
        raw: "SHELL OIL 57444212500 POWAY CA",
        primary: "TRANSPORTATION",
        detailed: "TRANSPORTATION_GAS",
        channel: "in store",
        cents: (2_000, 7_000),
        tip: false,
    },
    Merchant {
        merchant: "Amazon",
        raw: "AMZN Mktp US*2K1AB3CD4 Amzn.com/bill WA",
        primary: "GENERAL_MERCHANDISE",
        detailed: "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        channel: "online",
        cents: (700, 12_000),
        tip: false,
    },
    Merchant {
        merchant: "Trader Joe's",
        raw: "TRADER JOE S #552 QPS SAN DIEGO CA",
        primary: "FOOD_AND_DRINK",
        detailed: "FOOD_AND_DRINK_GROCERIES",
        channel: "in store",
        cents: (1_500, 9_000),
        tip: false,
    },
];

/// One recurring transaction: posted directly, never pending.
struct Recurring {
    raw: &'static str,
    name: &'static str,
    merchant: Option<&'static str>,
    primary: &'static str,
    detailed: &'static str,
    cents: i64,
}

/// The transactions an account has on `day`.
pub fn day(
    seed: u64,
    item: u64,
    account_no: u64,
    plan: &AccountPlan,
    day: NaiveDate,
) -> Vec<Planned> {
    let day_no = day.num_days_from_ce() as u64;
    let mut rng = fastrand::Rng::with_seed(mix(&[seed, 13, item, account_no, day_no]));
    let mut out = Vec::new();
    let recurring = |r: Recurring, rng: &mut fastrand::Rng, out: &mut Vec<Planned>| {
        let amount = Decimal::new(r.cents, 2);
        out.push(Planned {
            day,
            n: out.len() as u64,
            pending_id: None,
            posted_id: plaid_id(rng),
            amount,
            posted_amount: amount,
            original_description: r.raw.to_owned(),
            name: r.name.to_owned(),
            merchant_name: r.merchant,
            primary: r.primary,
            detailed: r.detailed,
            channel: "other",
            enriched_later: false,
        });
    };
    let last_of_month = day.succ_opt().is_none_or(|d| d.month() != day.month());
    match plan.kind {
        AccountKind::Checking => {
            if day.day() == 1 || day.day() == 15 {
                recurring(
                    Recurring {
                        raw: "ACME CORP PAYROLL PPD ID: 1234567890",
                        name: "ACME CORP PAYROLL",
                        merchant: Some("Acme Corp"),
                        primary: "INCOME",
                        detailed: "INCOME_WAGES",
                        cents: -250_000,
                    },
                    &mut rng,
                    &mut out,
                );
            }
            if day.day() == 1 {
                recurring(
                    Recurring {
                        raw: "ZELLE PAYMENT TO OAKWOOD PROPERTIES CONF# 9Q2X",
                        name: "Zelle payment to Oakwood Properties",
                        merchant: None,
                        primary: "RENT_AND_UTILITIES",
                        detailed: "RENT_AND_UTILITIES_RENT",
                        cents: 180_000,
                    },
                    &mut rng,
                    &mut out,
                );
            }
            if day.day() == 2 {
                recurring(
                    Recurring {
                        raw: "ONLINE TRANSFER TO SAV XXXXXX1234",
                        name: "Online transfer to savings",
                        merchant: None,
                        primary: "TRANSFER_OUT",
                        detailed: "TRANSFER_OUT_SAVINGS",
                        cents: 50_000,
                    },
                    &mut rng,
                    &mut out,
                );
            }
            purchases(&mut rng, day, 2, &mut out);
        }
        AccountKind::Savings => {
            if day.day() == 2 {
                recurring(
                    Recurring {
                        raw: "ONLINE TRANSFER FROM CHK XXXXXX0000",
                        name: "Online transfer from checking",
                        merchant: None,
                        primary: "TRANSFER_IN",
                        detailed: "TRANSFER_IN_SAVINGS",
                        cents: -50_000,
                    },
                    &mut rng,
                    &mut out,
                );
            }
            if last_of_month {
                recurring(
                    Recurring {
                        raw: "INTEREST PAYMENT",
                        name: "Interest payment",
                        merchant: None,
                        primary: "INCOME",
                        detailed: "INCOME_INTEREST_EARNED",
                        cents: -(rng.i64(50..200)),
                    },
                    &mut rng,
                    &mut out,
                );
            }
        }
        AccountKind::CreditCard => {
            if day.day() == 20 {
                recurring(
                    Recurring {
                        raw: "AUTOMATIC PAYMENT - THANK YOU",
                        name: "Automatic payment - thank you",
                        merchant: None,
                        primary: "LOAN_PAYMENTS",
                        detailed: "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
                        cents: -60_000,
                    },
                    &mut rng,
                    &mut out,
                );
            }
            purchases(&mut rng, day, 3, &mut out);
        }
        AccountKind::StudentLoan => {
            if day.day() == 5 {
                recurring(
                    Recurring {
                        raw: "PAYMENT - THANK YOU",
                        name: "Payment - thank you",
                        merchant: None,
                        primary: "LOAN_PAYMENTS",
                        detailed: "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
                        cents: -25_000,
                    },
                    &mut rng,
                    &mut out,
                );
            }
        }
    }
    out
}

/// Up to `most` card purchases: pending first, most of them.
fn purchases(rng: &mut fastrand::Rng, day: NaiveDate, most: usize, out: &mut Vec<Planned>) {
    for _ in 0..rng.usize(0..=most) {
        let m = &MERCHANTS[rng.usize(..MERCHANTS.len())];
        let amount = Decimal::new(rng.i64(m.cents.0 as i64..=m.cents.1 as i64), 2);
        let pending_first = rng.u8(0..10) < 7;
        let posted_amount = if pending_first && m.tip {
            // 15 to 25 % on top, to the cent.
            let pct = Decimal::new(rng.i64(115..=125), 2);
            (amount * pct).round_dp(2)
        } else {
            amount
        };
        let pending_id = pending_first.then(|| plaid_id(rng));
        let posted_id = plaid_id(rng);
        let enriched_later = rng.u8(0..4) == 0;
        out.push(Planned {
            day,
            n: out.len() as u64,
            pending_id,
            posted_id,
            amount,
            posted_amount,
            original_description: m.raw.to_owned(),
            name: title(m.raw),
            merchant_name: Some(m.merchant),
            primary: m.primary,
            detailed: m.detailed,
            channel: m.channel,
            enriched_later,
        });
    }
}

/// `PURCHASE WM SUPERCENTER #1700` → `Purchase Wm Supercenter #1700`.
fn title(raw: &str) -> String {
    raw.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(kind: AccountKind) -> AccountPlan {
        accounts(1, 0, &[kind]).remove(0)
    }

    #[test]
    fn the_same_inputs_give_the_same_days() {
        let p = plan(AccountKind::Checking);
        let d = NaiveDate::from_ymd_opt(2026, 11, 15).unwrap();
        assert_eq!(day(1, 0, 0, &p, d), day(1, 0, 0, &p, d));
        assert_ne!(day(1, 0, 0, &p, d), day(2, 0, 0, &p, d));
        assert_eq!(accounts(3, 1, &[AccountKind::Savings])[0].id.len(), 37);
    }

    #[test]
    fn pending_purchases_post_the_next_day_some_with_a_tip() {
        let p = plan(AccountKind::CreditCard);
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let all: Vec<Planned> = (0..365)
            .flat_map(|i| day(1, 0, 0, &p, start + chrono::Days::new(i)))
            .collect();
        assert!(
            all.iter()
                .any(|t| t.pending_first() && t.posted_amount != t.amount)
        );
        assert!(
            all.iter()
                .any(|t| t.pending_first() && t.posted_amount == t.amount)
        );
        assert!(all.iter().any(|t| !t.pending_first()));
        assert!(all.iter().any(|t| t.enriched_later));
        for t in &all {
            assert!(t.amount.scale() <= 2 && t.posted_amount.scale() <= 2);
            if t.pending_first() {
                assert_eq!(t.posting_day(), t.day.succ_opt().unwrap());
            }
        }
        assert_eq!(
            title("PURCHASE WM SUPERCENTER #1700"),
            "Purchase Wm Supercenter #1700"
        );
    }
}
