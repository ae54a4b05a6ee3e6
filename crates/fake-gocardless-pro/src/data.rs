//! The fake's records, and how each is written as JSON. Amounts are kept in
//! minor units, and payout items in tenths of a minor unit, as integers; the
//! JSON says them as the API does (items as one-decimal strings).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Tenths of a minor unit as the API writes an item amount: `"-172.1"`.
pub fn tenths(t: i64) -> String {
    Decimal::new(t, 1).to_string()
}

/// Rounds tenths of a minor unit to whole minor units, halves away from zero.
pub fn round_tenths(t: i64) -> i64 {
    let (q, r) = (t / 10, t % 10);
    if r >= 5 {
        q + 1
    } else if r <= -5 {
        q - 1
    } else {
        q
    }
}

/// A tax rate on fees.
#[derive(Debug, Clone, Copy)]
pub struct TaxRate {
    pub id: &'static str,
    /// The currency the tax is due in.
    pub currency: &'static str,
}

/// One currency a creditor collects in.
#[derive(Debug, Clone)]
pub struct Collection {
    pub currency: &'static str,
    /// The currency paid out in, when it differs.
    pub fx_to: Option<&'static str>,
    /// Percent of working days with a payout.
    pub frequency: u8,
    /// Whether a partner app takes a fee on each payment.
    pub app_fee: bool,
    /// Indexes into `Data::mandates`.
    pub mandates: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Creditor {
    pub id: String,
    pub name: &'static str,
    pub country: &'static str,
    pub prefix: &'static str,
    pub tax: Option<TaxRate>,
    pub created_at: DateTime<Utc>,
    pub bank_account: String,
    pub collections: Vec<Collection>,
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub given: &'static str,
    pub family: &'static str,
    pub company: Option<&'static str>,
    pub email: String,
    pub country: &'static str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Mandate {
    pub id: String,
    pub customer: usize,
    pub creditor: usize,
    pub scheme: &'static str,
    pub reference: String,
    pub bank_account: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: String,
    pub mandate: usize,
    pub creditor: usize,
    pub amount: i64,
    pub currency: &'static str,
    pub charge_date: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub description: &'static str,
    pub reference: String,
    pub status: &'static str,
    pub amount_refunded: i64,
    pub payout: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub payment: Option<usize>,
    pub mandate: usize,
    pub amount: i64,
    pub currency: &'static str,
    pub created_at: DateTime<Utc>,
    pub reference: String,
    pub status: &'static str,
}

/// One payout item; `tenths` is signed, tax included.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: &'static str,
    pub tenths: i64,
    pub payment: Option<usize>,
    pub mandate: Option<usize>,
    pub refund: Option<usize>,
    /// The tax included in `tenths`, same sign.
    pub tax_tenths: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Payout {
    pub id: String,
    pub creditor: usize,
    pub currency: &'static str,
    pub fx_to: Option<&'static str>,
    /// The exchange rate of an FX payout (10 decimal places).
    pub rate: Option<Decimal>,
    pub amount: i64,
    pub deducted_fees: i64,
    pub created_at: DateTime<Utc>,
    /// The day it arrives: it is paid from midnight UTC of that day.
    pub arrival: NaiveDate,
    pub bounced: bool,
    pub reference: String,
    pub items: Vec<Item>,
}

impl Payout {
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.bounced {
            "bounced"
        } else if self.is_paid(now) {
            "paid"
        } else {
            "pending"
        }
    }

    pub fn is_paid(&self, now: DateTime<Utc>) -> bool {
        !self.bounced && now >= self.arrival.and_hms_opt(0, 0, 0).unwrap().and_utc()
    }
}

/// Everything generated so far.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub creditors: Vec<Creditor>,
    pub customers: Vec<Customer>,
    pub mandates: Vec<Mandate>,
    pub payments: Vec<Payment>,
    pub refunds: Vec<Refund>,
    pub payouts: Vec<Payout>,
}

fn fx_json(currency: Option<&str>, rate: Option<Decimal>, amount: i64, paid: bool) -> Value {
    match (currency, rate) {
        (Some(c), Some(rate)) if paid => json!({
            "fx_currency": c,
            "fx_amount": (Decimal::from(amount) * rate)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .to_string().parse::<i64>().unwrap_or(0),
            "exchange_rate": rate.to_string(),
            "estimated_exchange_rate": null,
        }),
        (Some(c), Some(rate)) => json!({
            "fx_currency": c,
            "fx_amount": null,
            "exchange_rate": null,
            "estimated_exchange_rate": rate.to_string(),
        }),
        _ => {
            json!({"fx_currency": null, "fx_amount": null, "exchange_rate": null, "estimated_exchange_rate": null})
        }
    }
}

impl Data {
    pub fn creditor_json(&self, i: usize) -> Value {
        let c = &self.creditors[i];
        json!({
            "id": c.id,
            "created_at": ts(c.created_at),
            "name": c.name,
            "address_line1": "1 High Street",
            "city": "London",
            "postal_code": "EC1V 7LQ",
            "country_code": c.country,
            "creditor_type": "company",
            "bank_reference_prefix": c.prefix,
            "can_create_refunds": true,
            "fx_payout_currency": c.collections.iter().find_map(|k| k.fx_to),
            "verification_status": "successful",
            "links": {format!("default_{}_payout_account", c.collections[0].currency.to_lowercase()): c.bank_account},
            "scheme_identifiers": [],
        })
    }

    pub fn customer_json(&self, i: usize) -> Value {
        let c = &self.customers[i];
        json!({
            "id": c.id,
            "created_at": ts(c.created_at),
            "email": c.email,
            "given_name": c.given,
            "family_name": c.family,
            "company_name": c.company,
            "country_code": c.country,
            "language": "en",
            "metadata": {},
        })
    }

    pub fn mandate_json(&self, i: usize) -> Value {
        let m = &self.mandates[i];
        json!({
            "id": m.id,
            "created_at": ts(m.created_at),
            "reference": m.reference,
            "scheme": m.scheme,
            "status": "active",
            "mandate_type": "bank_debit",
            "metadata": {},
            "next_possible_charge_date": null,
            "payments_require_approval": false,
            "links": {
                "creditor": self.creditors[m.creditor].id,
                "customer": self.customers[m.customer].id,
                "customer_bank_account": m.bank_account,
            },
        })
    }

    pub fn payment_json(&self, i: usize, now: DateTime<Utc>) -> Value {
        let p = &self.payments[i];
        let payout = p.payout.map(|o| &self.payouts[o]);
        let fx = payout.map_or(json!(null), |o| {
            fx_json(o.fx_to, o.rate, p.amount, o.is_paid(now))
        });
        json!({
            "id": p.id,
            "created_at": ts(p.created_at),
            "charge_date": p.charge_date.to_string(),
            "amount": p.amount,
            "amount_refunded": p.amount_refunded,
            "currency": p.currency,
            "description": p.description,
            "reference": p.reference,
            "status": p.status,
            "scheme": self.mandates[p.mandate].scheme,
            "retry_if_possible": false,
            "metadata": {},
            "fx": fx,
            "links": {
                "mandate": self.mandates[p.mandate].id,
                "creditor": self.creditors[p.creditor].id,
                "payout": payout.map(|o| o.id.clone()),
            },
        })
    }

    pub fn refund_json(&self, i: usize) -> Value {
        let r = &self.refunds[i];
        json!({
            "id": r.id,
            "created_at": ts(r.created_at),
            "amount": r.amount,
            "currency": r.currency,
            "reference": r.reference,
            "status": r.status,
            "metadata": {},
            "fx": {"fx_currency": null, "fx_amount": null, "exchange_rate": null, "estimated_exchange_rate": null},
            "links": {
                "payment": r.payment.map(|p| self.payments[p].id.clone()),
                "mandate": self.mandates[r.mandate].id,
            },
        })
    }

    pub fn payout_json(&self, i: usize, now: DateTime<Utc>) -> Value {
        let o = &self.payouts[i];
        let paid = o.is_paid(now);
        let c = &self.creditors[o.creditor];
        json!({
            "id": o.id,
            "amount": o.amount,
            "arrival_date": paid.then(|| o.arrival.to_string()),
            "created_at": ts(o.created_at),
            "currency": o.currency,
            "deducted_fees": o.deducted_fees,
            "fx": fx_json(o.fx_to, o.rate, o.amount, paid),
            "links": {"creditor": c.id, "creditor_bank_account": c.bank_account},
            "metadata": {},
            "payout_type": "merchant",
            "reference": o.reference,
            "status": o.status(now),
            "tax_currency": c.tax.map(|t| t.currency),
        })
    }

    pub fn item_json(&self, payout: usize, item: usize, now: DateTime<Utc>) -> Value {
        let o = &self.payouts[payout];
        let it = &o.items[item];
        let mut links = serde_json::Map::new();
        if let Some(p) = it.payment {
            links.insert("payment".into(), json!(self.payments[p].id));
        }
        if let Some(m) = it.mandate {
            links.insert("mandate".into(), json!(self.mandates[m].id));
        }
        if let Some(r) = it.refund {
            links.insert("refund".into(), json!(self.refunds[r].id));
        }
        let taxes = match (it.tax_tenths, self.creditors[o.creditor].tax) {
            (Some(tax), Some(rate)) => {
                let same = rate.currency == o.currency;
                // Across currencies the rate is final once the payout is paid.
                let (exchange_rate, destination) = match (same, o.rate) {
                    (true, _) => (None, Some(tenths(tax))),
                    (false, Some(r)) if o.is_paid(now) => (
                        Some(r.to_string()),
                        Some((Decimal::new(tax, 1) * r).round_dp(1).to_string()),
                    ),
                    _ => (None, None),
                };
                json!([{
                    "amount": tenths(tax),
                    "currency": o.currency,
                    "destination_amount": destination,
                    "destination_currency": rate.currency,
                    "exchange_rate": exchange_rate,
                    "tax_rate_id": rate.id,
                }])
            }
            _ => json!([]),
        };
        json!({
            "amount": tenths(it.tenths),
            "links": links,
            "taxes": taxes,
            "type": it.kind,
        })
    }
}
