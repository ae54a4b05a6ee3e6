//! Payouts to Beancount entries: one multi-posting transaction per payout,
//! as an [`importer::AccountOutput`] for [`importer::Run::import_outputs`].
//!
//! A payout of 980.00 GBP made of two payments, their fees and the VAT on
//! them, rounded by GoCardless:
//!
//! ```beancount
//! 2026-11-23 * "GoCardless" "Payout ACMELT-8K2M4Q1Z" ^gocardless-PO00ABC
//!   gocardless_payout_id: "PO00ABC"
//!   payout_reference: "ACMELT-8K2M4Q1Z"
//!   Assets:Transfers:GoCardless      980.00 GBP
//!   Income:GoCardless               -600.00 GBP
//!     gocardless_payment_id: "PM001"
//!     customer: "Frank Osborne"
//!     description: "Rent — flat 2"
//!   Income:GoCardless               -400.00 GBP
//!     gocardless_payment_id: "PM002"
//!   Expenses:Fees:GoCardless          16.671 GBP
//!     item_type: "gocardless_fee"
//!   Expenses:Fees:GoCardless:VAT       3.334 GBP
//!     tax_rate_id: "GB_VAT_1"
//!   Expenses:Fees:GoCardless          -0.005 GBP
//!     item_type: "rounding"
//! ```
//!
//! Every entry balances exactly: the items are converted to major units
//! without loss (tenths of a penny stay), and the rounding posting takes
//! what GoCardless rounded away. An FX payout's posting is in the currency
//! that reached the bank, priced at the payout's amount (`@@`), so the
//! weights stay in the currency of the items.

use chrono::{DateTime, NaiveDate, Utc};
use importer::beancount::{check_currency, check_tag};
use importer::config::FallbackAccount;
use importer::entry::{
    Amount, Entry, InvalidEntry, Meta, MetaValue, Posting, Price, TransactionEntry,
};
use importer::{AccountConfig, AccountOutput, Problem};
use rust_decimal::Decimal;
use rust_decimal::prelude::Signed;

use crate::Settings;
use crate::fetch::{Fetched, Parties, PayoutRecord, Skipped, Stage};
use crate::model::{Currency, PayoutItem, PayoutItemType, Resource};

/// The entry metadata key of a payout's id: the key deduplication finds
/// imported payouts by ([`AccountOutput::id_key`]).
pub const PAYOUT_ID_KEY: &str = "gocardless_payout_id";

/// The posting metadata key of a payment's id.
pub const PAYMENT_ID_KEY: &str = "gocardless_payment_id";

/// The posting metadata key of a refund's id.
pub const REFUND_ID_KEY: &str = "gocardless_refund_id";

/// The metadata keys the ledger must read as importer ids
/// ([`importer::ledger::LedgerOptions::id_keys`], in addition to the
/// configured ones) for payouts to be recognised.
pub const ID_KEYS: [&str; 2] = [PAYOUT_ID_KEY, PAYMENT_ID_KEY];

/// Who the data comes from, in the heading of the output's block.
pub const SOURCE_LABEL: &str = "GoCardless Pro";

/// The entries of the payouts fetched, for the importer's pipeline.
///
/// One entry per payout, dated on its arrival, sorted by date; a pending
/// payout (under `pending: flag`) is flagged `!` and dated on the day it
/// was created (`today` when it does not say). A payout that cannot be
/// booked (its items gone, an unknown currency, items that do not add up
/// to it) becomes a comment holding its JSON and a [`Problem`].
///
/// The output's account is the payout account, its id key
/// [`PAYOUT_ID_KEY`]. Its [`AccountConfig`] is built here (a GoCardless
/// Pro source has no `accounts:` entry): named after the source, with the
/// creditor (when configured) as its id.
pub fn output(settings: &Settings, fetched: &Fetched, today: NaiveDate) -> AccountOutput {
    let account = account_config(settings);
    let mut dated: Vec<(NaiveDate, Option<DateTime<Utc>>, Entry)> = Vec::new();
    let mut problems = Vec::new();
    for record in &fetched.payouts {
        let payout = &record.payout;
        match payout_entry(settings, record, &fetched.parties, today) {
            Ok(Some(entry)) => {
                dated.push((entry.date, payout.created_at, Entry::Transaction(entry)))
            }
            Ok(None) => {}
            Err(reason) => {
                let date = match Skipped::stage(payout, settings.pending) {
                    Ok(Stage::Paid(day)) => day,
                    _ => payout.created_at.map_or(today, |t| t.date_naive()),
                };
                problems.push(Problem {
                    account: account.label().to_owned(),
                    transaction_id: Some(payout.id.to_string()),
                    reason: reason.clone(),
                });
                dated.push((
                    date,
                    payout.created_at,
                    Entry::Invalid(InvalidEntry {
                        date: Some(date),
                        reason,
                        raw_json: payout.raw().as_str().to_owned(),
                    }),
                ));
            }
        }
    }
    dated.sort_by_key(|(date, created, _)| (*date, *created));
    AccountOutput {
        account,
        source: SOURCE_LABEL.to_owned(),
        id_key: PAYOUT_ID_KEY.to_owned(),
        entries: dated.into_iter().map(|(_, _, e)| e).collect(),
        problems,
        categorized: Vec::new(),
        notes: Vec::new(),
        aliases: Default::default(),
    }
}

fn account_config(settings: &Settings) -> AccountConfig {
    let (id, name) = match &settings.creditor {
        Some(c) => (c.to_string(), Some(settings.name.clone())),
        None => (settings.name.clone(), None),
    };
    let mut account = AccountConfig::new(id, settings.accounts.payout.clone());
    account.source = settings.name.clone();
    account.name = name;
    account.pending = settings.pending;
    account.fallback_account = FallbackAccount::None;
    account
}

/// A posting of `number` `currency` on `account`.
fn posting(account: &str, number: Decimal, currency: &str, meta: Meta) -> Posting {
    Posting {
        units: Some(Amount::new(number, currency)),
        meta,
        ..Posting::new(account)
    }
}

fn text(key: &str, value: impl Into<String>) -> (String, MetaValue) {
    (key.to_owned(), MetaValue::String(value.into()))
}

/// The tax of one rate, summed over a payout's fees.
#[derive(Default)]
struct TaxSum {
    /// In the payout's currency, minor units, as deducted.
    amount: Decimal,
    /// In the currency the tax is due in, when that differs and every
    /// item of the rate says how much it is there.
    destination: Option<(Currency, Decimal)>,
    /// Whether some item of the rate did not say.
    incomplete: bool,
}

/// The entry of one payout; `None` when it is not booked (bounced, or
/// pending under `pending: skip`).
fn payout_entry(
    settings: &Settings,
    record: &PayoutRecord,
    parties: &Parties,
    today: NaiveDate,
) -> Result<Option<TransactionEntry>, String> {
    let payout = &record.payout;
    let Ok(stage) = Skipped::stage(payout, settings.pending) else {
        return Ok(None);
    };
    let items = record.items.as_deref().ok_or(
        "its items are gone: GoCardless serves payout items for six months only and no copy was \
         archived; book this payout by hand",
    )?;
    let currency = &payout.currency;
    check_currency(currency.as_str())?;
    let major = |c: &Currency, minor: Decimal| {
        c.to_major(minor)
            .ok_or_else(|| format!("its currency {c} is unknown: its minor unit is not known"))
    };
    let rounding = payout.rounding(items);
    if rounding.abs() > Decimal::new(5, 1) {
        return Err(format!(
            "its items add up to {} {currency} but the payout is {} {currency}: items are \
             missing; book this payout by hand",
            major(currency, Decimal::from(payout.amount) - rounding)?,
            major(currency, payout.amount.into())?,
        ));
    }
    let accounts = &settings.accounts;
    let mut meta: Meta = vec![text(PAYOUT_ID_KEY, payout.id.as_str())];
    if let Some(r) = &payout.reference {
        meta.push(text("payout_reference", r.as_str()));
    }
    if let Some(c) = &payout.links.creditor {
        meta.push(text("gocardless_creditor_id", c.as_str()));
    }

    // The payout's own posting: the bank's currency, priced for an FX one.
    let amount = major(currency, payout.amount.into())?;
    let fx = payout
        .fx
        .as_ref()
        .filter(|fx| fx.fx_currency.as_ref().is_some_and(|c| c != currency));
    let mut own = posting(&accounts.payout, amount, currency.as_str(), Vec::new());
    if let Some(fx) = fx {
        let fx_currency = fx.fx_currency.as_ref().expect("filtered on");
        match (stage, fx.fx_amount) {
            (Stage::Paid(_), Some(fx_amount)) => {
                check_currency(fx_currency.as_str())?;
                let fx_major = major(fx_currency, fx_amount.into())?;
                if fx_major.signum() != amount.signum() {
                    return Err(format!(
                        "it pays {amount} {currency} out as {fx_major} {fx_currency}: the signs \
                         differ"
                    ));
                }
                own.units = Some(Amount::new(fx_major, fx_currency.as_str()));
                if !amount.is_zero() {
                    own.price = Some(Box::new(Price::Total(Amount::new(
                        amount.abs(),
                        currency.as_str(),
                    ))));
                }
                if let Some(rate) = fx.exchange_rate {
                    meta.push(("exchange_rate".to_owned(), MetaValue::Number(rate)));
                }
            }
            (Stage::Paid(_), None) => {
                return Err(format!(
                    "it is paid out in {fx_currency} but GoCardless does not say how much                      (no fx_amount); book this payout by hand"
                ));
            }
            // Not exchanged yet: the amount GoCardless holds, and what it
            // expects to pay out.
            (Stage::Pending, _) => {
                meta.push(text("fx_currency", fx_currency.as_str()));
                if let Some(rate) = fx.estimated_exchange_rate {
                    meta.push((
                        "estimated_exchange_rate".to_owned(),
                        MetaValue::Number(rate),
                    ));
                }
            }
        }
    }
    let mut postings = vec![own];

    // Customers' money, one posting per item; fees and taxes summed.
    let mut fees: Vec<(PayoutItemType, Decimal)> = Vec::new();
    let mut taxes: Vec<(Option<String>, TaxSum)> = Vec::new();
    for item in items {
        if item.kind.is_fee() {
            let tax = item_tax(item, currency, &mut taxes)?;
            match fees.iter_mut().find(|(k, _)| *k == item.kind) {
                Some((_, sum)) => *sum += item.amount - tax,
                None => fees.push((item.kind.clone(), item.amount - tax)),
            }
            continue;
        }
        postings.push(item_posting(settings, item, parties, currency)?);
    }
    for (kind, net) in fees {
        if !net.is_zero() {
            postings.push(posting(
                &accounts.fee,
                -major(currency, net)?,
                currency.as_str(),
                vec![text("item_type", kind.as_str())],
            ));
        }
    }
    for (rate, sum) in taxes {
        let meta = rate.map(|r| text("tax_rate_id", r)).into_iter().collect();
        let in_payout_currency = -major(currency, sum.amount)?;
        let mut p = posting(&accounts.tax, in_payout_currency, currency.as_str(), meta);
        // VAT is declared in the currency it is due in: say it there when
        // GoCardless did, priced at what was deducted.
        if let (Some((due, destination)), false) = (&sum.destination, sum.incomplete) {
            let destination = -major(due, *destination)?;
            if destination.signum() == in_payout_currency.signum() && !destination.is_zero() {
                check_currency(due.as_str())?;
                p.units = Some(Amount::new(destination, due.as_str()));
                p.price = Some(Box::new(Price::Total(Amount::new(
                    in_payout_currency.abs(),
                    currency.as_str(),
                ))));
            }
        }
        if !in_payout_currency.is_zero() {
            postings.push(p);
        }
    }
    if !rounding.is_zero() {
        postings.push(posting(
            accounts.rounding(),
            -major(currency, rounding)?,
            currency.as_str(),
            vec![text("item_type", "rounding")],
        ));
    }
    check_balance(&postings, currency)?;

    let (date, flag) = match stage {
        Stage::Paid(day) => (day, '*'),
        Stage::Pending => {
            meta.push(text(
                "payout_status",
                payout.status.as_ref().map_or("pending", |s| s.as_str()),
            ));
            // What the importer reads as "pending" (not the `!` flag).
            postings[0].meta.push(text(
                &importer::statement::status_key(PAYOUT_ID_KEY),
                importer::statement::PENDING,
            ));
            (payout.created_at.map_or(today, |t| t.date_naive()), '!')
        }
    };
    let link = format!("gocardless-{}", payout.id);
    let narration = match &payout.reference {
        Some(r) => format!("Payout {r}"),
        None => format!("Payout {}", payout.id),
    };
    Ok(Some(TransactionEntry {
        date,
        flag,
        payee: Some("GoCardless".to_owned()),
        narration,
        tags: Vec::new(),
        links: check_tag(&link).map(|()| vec![link]).unwrap_or_default(),
        meta,
        postings,
    }))
}

/// The tax included in a fee item, added to its rate's sum; in minor
/// units of the payout's currency, with the fee's sign (whichever sign
/// GoCardless gives it: a tax is part of its fee).
fn item_tax(
    item: &PayoutItem,
    currency: &Currency,
    sums: &mut Vec<(Option<String>, TaxSum)>,
) -> Result<Decimal, String> {
    let signed = |d: Decimal| {
        if item.amount.is_sign_negative() {
            -d.abs()
        } else {
            d.abs()
        }
    };
    let mut total = Decimal::ZERO;
    for tax in &item.taxes {
        if let Some(c) = tax.currency.as_ref().filter(|c| *c != currency) {
            return Err(format!(
                "a {} item's tax is in {c}, not in the payout's {currency}",
                item.kind
            ));
        }
        let amount = signed(tax.amount);
        total += amount;
        let i = match sums.iter().position(|(r, _)| *r == tax.tax_rate_id) {
            Some(i) => i,
            None => {
                sums.push((tax.tax_rate_id.clone(), TaxSum::default()));
                sums.len() - 1
            }
        };
        let sum = &mut sums[i].1;
        sum.amount += amount;
        match (&tax.destination_currency, tax.destination_amount) {
            (Some(due), _) if due == currency => {}
            (None, _) => {}
            (Some(due), Some(d)) => match &mut sum.destination {
                None => sum.destination = Some((due.clone(), signed(d))),
                Some((c, total)) if c == due => *total += signed(d),
                Some(_) => sum.incomplete = true,
            },
            (Some(_), None) => sum.incomplete = true,
        }
    }
    if total.abs() > item.amount.abs() {
        return Err(format!(
            "a {} item of {} includes more tax ({}) than its amount",
            item.kind, item.amount, total
        ));
    }
    Ok(total)
}

/// The posting of an item of customers' money: a payment collected, its
/// late failure or charge-back, a refund and its return.
fn item_posting(
    settings: &Settings,
    item: &PayoutItem,
    parties: &Parties,
    currency: &Currency,
) -> Result<Posting, String> {
    let accounts = &settings.accounts;
    let mut meta: Meta = Vec::new();
    let (account, flag) = match &item.kind {
        PayoutItemType::PaymentPaidOut
        | PayoutItemType::PaymentRefunded
        | PayoutItemType::Refund
        | PayoutItemType::RefundFundsReturned
        | PayoutItemType::RevenueShare => (accounts.income.as_str(), None),
        PayoutItemType::PaymentFailed | PayoutItemType::PaymentChargedBack => {
            (accounts.chargeback(), None)
        }
        // Money whose nature is unknown: income until the user says
        // otherwise, flagged for review.
        _ => (accounts.income.as_str(), Some('!')),
    };
    if item.kind != PayoutItemType::PaymentPaidOut {
        meta.push(text("item_type", item.kind.as_str()));
    }
    if let Some(id) = &item.links.payment {
        meta.push(text(PAYMENT_ID_KEY, id.as_str()));
    }
    if let Some(id) = &item.links.refund {
        meta.push(text(REFUND_ID_KEY, id.as_str()));
    }
    if let Some(name) = parties.customer(item).and_then(|c| c.name()) {
        meta.push(text("customer", name));
    }
    let payment = item
        .links
        .payment
        .as_ref()
        .and_then(|id| parties.payment(id));
    if let Some(d) = payment.and_then(|p| p.description.as_deref()) {
        meta.push(text("description", d));
    }
    let refund = item.links.refund.as_ref().and_then(|id| parties.refund(id));
    if let Some(r) = refund.and_then(|r| r.reference.as_deref()) {
        meta.push(text("refund_reference", r));
    }
    let number = currency
        .to_major(-item.amount)
        .ok_or_else(|| format!("its currency {currency} is unknown"))?;
    let mut p = posting(account, number, currency.as_str(), meta);
    p.flag = flag;
    Ok(p)
}

/// Checks that the postings' weights add up to zero, exactly, in the
/// payout's currency.
fn check_balance(postings: &[Posting], currency: &Currency) -> Result<(), String> {
    let mut sum = Decimal::ZERO;
    for p in postings {
        let weight = match (&p.units, p.price.as_deref()) {
            (Some(units), Some(Price::Total(total))) if total.currency == currency.as_str() => {
                total.number * units.number.signum()
            }
            (Some(units), None) if units.currency == currency.as_str() => units.number,
            _ => {
                return Err(format!(
                    "a posting on {} has no weight in {currency}",
                    p.account
                ));
            }
        };
        sum += weight;
    }
    if sum.is_zero() {
        Ok(())
    } else {
        Err(format!(
            "its postings do not balance ({sum} {currency} left over); report this as a bug"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Accounts;
    use crate::model::Payout;
    use importer::config::PendingMode;

    fn settings(pending: PendingMode) -> Settings {
        Settings {
            name: "gcpro".to_owned(),
            access_token: crate::Secret::new("t"),
            environment: crate::Environment::Sandbox,
            base_url: None,
            accounts: Accounts::default(),
            creditor: None,
            pending,
        }
    }

    fn record(payout: &str, items: Option<&[&str]>) -> PayoutRecord {
        PayoutRecord {
            payout: Payout::from_json(payout).unwrap(),
            items: items.map(|items| {
                items
                    .iter()
                    .map(|i| PayoutItem::from_json(i).unwrap())
                    .collect()
            }),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn map(settings: &Settings, records: Vec<PayoutRecord>) -> AccountOutput {
        let fetched = Fetched {
            payouts: records,
            ..Fetched::default()
        };
        output(settings, &fetched, today())
    }

    /// The output as printed, runs of spaces (the alignment) squashed.
    fn text_of(out: &AccountOutput) -> String {
        let text = importer::print_outputs(std::slice::from_ref(out));
        let mut squashed = String::new();
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            squashed.push_str(&line[..indent]);
            squashed.push_str(&line.split_whitespace().collect::<Vec<_>>().join(" "));
            squashed.push('\n');
        }
        squashed
    }

    const PAID: &str = r#"{"id": "PO1", "amount": 1230, "currency": "GBP", "status": "paid",
        "arrival_date": "2026-11-23", "created_at": "2026-11-20T07:00:00.000Z",
        "reference": "ACME-1", "links": {"creditor": "CR1"}, "fx": {"fx_currency": null}}"#;

    #[test]
    fn a_payout_is_split_into_income_fees_tax_and_rounding() {
        let out = map(
            &settings(PendingMode::Flag),
            vec![record(
                PAID,
                Some(&[
                    r#"{"type": "payment_paid_out", "amount": "1000.0", "links": {"payment": "PM1"}}"#,
                    r#"{"type": "gocardless_fee", "amount": "-36.1", "links": {"payment": "PM1"},
                        "taxes": [{"amount": "-6.0", "currency": "GBP", "destination_amount": "-6.0",
                                   "destination_currency": "GBP", "tax_rate_id": "GB_VAT_1"}]}"#,
                    r#"{"type": "payment_paid_out", "amount": "300.0", "links": {"payment": "PM2"}}"#,
                    r#"{"type": "app_fee", "amount": "-15.0", "links": {"payment": "PM2"}}"#,
                    r#"{"type": "gocardless_fee", "amount": "-18.5", "links": {"payment": "PM2"},
                        "taxes": [{"amount": "3.1", "currency": "GBP", "tax_rate_id": "GB_VAT_1"}]}"#,
                ]),
            )],
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.id_key, PAYOUT_ID_KEY);
        assert_eq!(out.account.account, "Assets:Transfers:GoCardless");
        let text = text_of(&out);
        let expected = r#"
2026-11-23 * "GoCardless" "Payout ACME-1" ^gocardless-PO1
  gocardless_payout_id: "PO1"
  payout_reference: "ACME-1"
  gocardless_creditor_id: "CR1"
  Assets:Transfers:GoCardless 12.30 GBP
  Income:GoCardless -10.00 GBP
    gocardless_payment_id: "PM1"
  Income:GoCardless -3.00 GBP
    gocardless_payment_id: "PM2"
  Expenses:Fees:GoCardless 0.455 GBP
    item_type: "gocardless_fee"
  Expenses:Fees:GoCardless 0.15 GBP
    item_type: "app_fee"
  Expenses:Fees:GoCardless:VAT 0.091 GBP
    tax_rate_id: "GB_VAT_1"
  Expenses:Fees:GoCardless 0.004 GBP
    item_type: "rounding"
"#;
        assert!(text.ends_with(expected), "{text}");
    }

    #[test]
    fn an_fx_payout_is_priced_and_its_tax_said_where_it_is_due() {
        let payout = r#"{"id": "PO2", "amount": 10000, "currency": "EUR", "status": "paid",
            "arrival_date": "2026-11-23", "reference": "ACME-2", "tax_currency": "GBP",
            "fx": {"fx_currency": "GBP", "fx_amount": 8612, "exchange_rate": "0.8612345678",
                   "estimated_exchange_rate": null}}"#;
        let items: &[&str] = &[
            r#"{"type": "payment_paid_out", "amount": "10030.0"}"#,
            r#"{"type": "gocardless_fee", "amount": "-30.2",
                "taxes": [{"amount": "-5.0", "currency": "EUR", "destination_amount": "-4.3",
                           "destination_currency": "GBP", "exchange_rate": "0.8612345678",
                           "tax_rate_id": "GB_VAT_1"}]}"#,
        ];
        let out = map(
            &settings(PendingMode::Flag),
            vec![record(payout, Some(items))],
        );
        let text = text_of(&out);
        assert!(
            text.contains("  Assets:Transfers:GoCardless 86.12 GBP @@ 100.00 EUR\n"),
            "{text}"
        );
        assert!(text.contains("  exchange_rate: 0.8612345678\n"), "{text}");
        assert!(
            text.contains("  Expenses:Fees:GoCardless:VAT 0.043 GBP @@ 0.05 EUR\n"),
            "{text}"
        );
        assert!(
            text.contains("  Expenses:Fees:GoCardless 0.252 EUR\n"),
            "{text}"
        );
        assert!(
            text.contains("  Expenses:Fees:GoCardless -0.002 EUR\n"),
            "{text}"
        );

        // Pending: not exchanged yet, so in euros, with the estimate.
        let pending = payout
            .replace(r#""status": "paid""#, r#""status": "pending""#)
            .replace(
                r#""arrival_date": "2026-11-23""#,
                r#""created_at": "2026-11-20T07:00:00Z""#,
            )
            .replace(r#""fx_amount": 8612"#, r#""fx_amount": null"#)
            .replace(
                r#""estimated_exchange_rate": null"#,
                r#""estimated_exchange_rate": "0.86""#,
            )
            .replace(
                r#""exchange_rate": "0.8612345678","#,
                r#""exchange_rate": null,"#,
            );
        let items: Vec<String> = items
            .iter()
            .map(|i| {
                i.replace(
                    r#""destination_amount": "-4.3""#,
                    r#""destination_amount": null"#,
                )
            })
            .collect();
        let items: Vec<&str> = items.iter().map(String::as_str).collect();
        let out = map(
            &settings(PendingMode::Flag),
            vec![record(&pending, Some(&items))],
        );
        let text = text_of(&out);
        assert!(
            text.contains("2026-11-20 ! \"GoCardless\" \"Payout ACME-2\""),
            "{text}"
        );
        assert!(
            text.contains("  Assets:Transfers:GoCardless 100.00 EUR\n"),
            "{text}"
        );
        assert!(
            text.contains("  fx_currency: \"GBP\"\n  estimated_exchange_rate: 0.86\n"),
            "{text}"
        );
        assert!(text.contains("  payout_status: \"pending\"\n"), "{text}");
        assert!(
            text.contains("  Expenses:Fees:GoCardless:VAT 0.05 EUR\n"),
            "{text}"
        );
        assert!(
            map(
                &settings(PendingMode::Skip),
                vec![record(&pending, Some(&items))]
            )
            .entries
            .is_empty()
        );
    }

    #[test]
    fn reversals_go_to_the_chargeback_account_and_unknown_items_are_flagged() {
        let mut s = settings(PendingMode::Flag);
        s.accounts.chargeback = Some("Expenses:Chargebacks".to_owned());
        s.accounts.rounding = Some("Expenses:Rounding".to_owned());
        let payout = PAID.replace("1230", "502");
        let out = map(
            &s,
            vec![record(
                &payout,
                Some(&[
                    r#"{"type": "payment_paid_out", "amount": "2000.0", "links": {"payment": "PM1"}}"#,
                    r#"{"type": "payment_charged_back", "amount": "-1000.0", "links": {"payment": "PM0"}}"#,
                    r#"{"type": "payment_failed", "amount": "-300.0", "links": {"payment": "PM9"}}"#,
                    r#"{"type": "payment_refunded", "amount": "-100.0", "links": {"payment": "PM8", "refund": "RF1"}}"#,
                    r#"{"type": "refund", "amount": "-50.0", "links": {"mandate": "MD1", "refund": "RF2"}}"#,
                    r#"{"type": "refund_funds_returned", "amount": "20.0", "links": {"mandate": "MD1", "refund": "RF3"}}"#,
                    r#"{"type": "surcharge_fee", "amount": "-18.0", "links": {"payment": "PM0"}}"#,
                    r#"{"type": "gocardless_fee", "amount": "9.6", "links": {"payment": "PM0"}}"#,
                    r#"{"type": "mystery_credit", "amount": "-60.0"}"#,
                ]),
            )],
        );
        let text = text_of(&out);
        for line in [
            "  Expenses:Chargebacks 10.00 GBP\n    item_type: \"payment_charged_back\"\n    gocardless_payment_id: \"PM0\"\n",
            "  Expenses:Chargebacks 3.00 GBP\n    item_type: \"payment_failed\"\n",
            "  Income:GoCardless 1.00 GBP\n    item_type: \"payment_refunded\"\n    gocardless_payment_id: \"PM8\"\n    gocardless_refund_id: \"RF1\"\n",
            "  Income:GoCardless 0.50 GBP\n    item_type: \"refund\"\n    gocardless_refund_id: \"RF2\"\n",
            "  Income:GoCardless -0.20 GBP\n    item_type: \"refund_funds_returned\"\n",
            "  ! Income:GoCardless 0.60 GBP\n    item_type: \"mystery_credit\"\n",
            "  Expenses:Fees:GoCardless 0.18 GBP\n    item_type: \"surcharge_fee\"\n",
            "  Expenses:Fees:GoCardless -0.096 GBP\n    item_type: \"gocardless_fee\"\n",
            "  Expenses:Rounding -0.004 GBP\n",
        ] {
            assert!(text.contains(line), "{line}\n---\n{text}");
        }
    }

    #[test]
    fn payouts_that_cannot_be_booked_are_kept_as_comments_with_a_problem() {
        let s = settings(PendingMode::Flag);
        let item = r#"{"type": "payment_paid_out", "amount": "1230.0"}"#;
        let cases = [
            (record(PAID, None), "items are gone"),
            (
                record(
                    PAID,
                    Some(&[r#"{"type": "payment_paid_out", "amount": "1200.0"}"#]),
                ),
                "its items add up to 12.000 GBP but the payout is 12.30 GBP",
            ),
            (
                record(&PAID.replace("\"GBP\"", "\"XTS\""), Some(&[item])),
                "its currency XTS is unknown",
            ),
            (
                record(&PAID.replace("\"GBP\"", "\"1GB\""), Some(&[item])),
                "invalid currency \"1GB\"",
            ),
            (
                record(
                    PAID,
                    Some(&[
                        r#"{"type": "payment_paid_out", "amount": "1240.0"}"#,
                        r#"{"type": "gocardless_fee", "amount": "-10.0",
                            "taxes": [{"amount": "-11.0", "currency": "GBP"}]}"#,
                    ]),
                ),
                "includes more tax",
            ),
            (
                record(
                    PAID,
                    Some(&[
                        r#"{"type": "payment_paid_out", "amount": "1240.0"}"#,
                        r#"{"type": "gocardless_fee", "amount": "-10.0",
                            "taxes": [{"amount": "-1.0", "currency": "EUR"}]}"#,
                    ]),
                ),
                "tax is in EUR",
            ),
            (
                record(
                    &PAID.replace(
                        r#""fx": {"fx_currency": null}"#,
                        r#""fx": {"fx_currency": "EUR", "fx_amount": -1400}"#,
                    ),
                    Some(&[item]),
                ),
                "the signs differ",
            ),
            (
                record(
                    &PAID.replace(
                        r#""fx": {"fx_currency": null}"#,
                        r#""fx": {"fx_currency": "EUR", "fx_amount": null}"#,
                    ),
                    Some(&[item]),
                ),
                "no fx_amount",
            ),
        ];
        for (record, expected) in cases {
            let raw = record.payout.raw().as_str().to_owned();
            let out = map(&s, vec![record]);
            assert_eq!(out.problems.len(), 1, "{expected}");
            let problem = &out.problems[0];
            assert!(
                problem.reason.contains(expected),
                "{expected}: {}",
                problem.reason
            );
            assert_eq!(problem.transaction_id.as_deref(), Some("PO1"));
            match &out.entries[..] {
                [Entry::Invalid(i)] => {
                    assert_eq!(i.raw_json, raw);
                    assert_eq!(i.date, NaiveDate::from_ymd_opt(2026, 11, 23));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn bounced_and_unknown_payouts_are_not_booked() {
        let s = settings(PendingMode::Flag);
        for status in ["bounced", "sent_by_owl"] {
            let payout = PAID.replace("\"paid\"", &format!("{status:?}"));
            let out = map(&s, vec![record(&payout, Some(&[]))]);
            assert!(
                out.entries.is_empty() && out.problems.is_empty(),
                "{status}"
            );
        }
    }

    #[test]
    fn entries_come_out_by_date() {
        let s = settings(PendingMode::Flag);
        let later = PAID
            .replace("PO1", "PO0")
            .replace("2026-11-23", "2026-11-24");
        let item = r#"{"type": "payment_paid_out", "amount": "1230.0"}"#;
        let out = map(
            &s,
            vec![record(&later, Some(&[item])), record(PAID, Some(&[item]))],
        );
        let dates: Vec<_> = out.entries.iter().filter_map(Entry::date).collect();
        assert_eq!(
            dates,
            [NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), today()]
        );
    }
}
