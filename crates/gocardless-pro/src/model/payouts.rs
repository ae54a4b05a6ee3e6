//! Payouts (one bank credit each) and the items they are made of.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::raw::resource;
use super::{
    CreditorBankAccountId, CreditorId, Currency, MandateId, PaymentId, PayoutId, RawJson, RefundId,
    wire,
};
use source::open_enum;

open_enum! {
    /// Where a payout is in its life.
    pub enum PayoutStatus {
        /// Created, not yet sent to the bank (or still being exchanged);
        /// no arrival date yet.
        Pending = "pending",
        /// Sent to the bank; `arrival_date` says when it arrives.
        Paid = "paid",
        /// The bank returned it; GoCardless may send it again.
        Bounced = "bounced",
    }
}

open_enum! {
    /// Whose money a payout carries.
    pub enum PayoutType {
        /// The merchant's collections.
        Merchant = "merchant",
        /// A partner's share of fees.
        Partner = "partner",
    }
}

/// The foreign exchange of a payout, payment or refund collected in one
/// currency and paid out in another.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Fx {
    /// The currency paid out after the exchange.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub fx_currency: Option<Currency>,
    /// The amount paid out in `fx_currency`, in its minor units; present
    /// once paid out.
    #[serde(default, deserialize_with = "wire::opt_minor")]
    pub fx_amount: Option<i64>,
    /// The rate used (up to 10 decimal places); present once paid out.
    #[serde(default, deserialize_with = "wire::opt_decimal")]
    pub exchange_rate: Option<Decimal>,
    /// The rate expected, before the exchange.
    #[serde(default, deserialize_with = "wire::opt_decimal")]
    pub estimated_exchange_rate: Option<Decimal>,
}

/// What a payout belongs to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PayoutLinks {
    /// The merchant receiving it.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub creditor: Option<CreditorId>,
    /// The bank account it is sent to.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub creditor_bank_account: Option<CreditorBankAccountId>,
}

/// A payout: one transfer to the merchant's bank account, the net of the
/// [`PayoutItem`]s it is made of.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Payout {
    /// `PO…`.
    pub id: PayoutId,
    /// The amount sent, in minor units of `currency` (pence, cents).
    #[serde(deserialize_with = "wire::minor")]
    pub amount: i64,
    /// The currency of `amount` and of the items.
    pub currency: Currency,
    /// Fees deducted, tax included, in minor units; negative when fees of
    /// failed or charged-back payments were refunded.
    #[serde(default, deserialize_with = "wire::opt_minor")]
    pub deducted_fees: Option<i64>,
    /// Pending, paid, bounced.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub status: Option<PayoutStatus>,
    /// When the money reaches the bank; `None` until paid.
    #[serde(default, deserialize_with = "wire::opt_date")]
    pub arrival_date: Option<NaiveDate>,
    /// When GoCardless created it.
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    /// The reference on the bank statement, which ties the bank's line to
    /// this payout.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub reference: Option<String>,
    /// Merchant or partner.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub payout_type: Option<PayoutType>,
    /// The exchange, when paid out in another currency.
    #[serde(default)]
    pub fx: Option<Fx>,
    /// The creditor and its bank account.
    #[serde(default, deserialize_with = "wire::or_default")]
    pub links: PayoutLinks,
    /// The currency tax on fees is due in (GBP for British, EUR for French
    /// merchants); `None` when no tax applies.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub tax_currency: Option<Currency>,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(Payout, "payouts");

impl Payout {
    /// The payout amount minus the sum of its items, in minor units: the
    /// rounding GoCardless applied, since items carry fractions of a minor
    /// unit and a bank transfer cannot (within ±0.5 when the items are
    /// complete).
    ///
    /// ```
    /// use gocardless_pro::model::{Payout, PayoutItem, Resource};
    /// let payout = Payout::from_json(r#"{"id": "PO1", "amount": 980, "currency": "GBP"}"#)?;
    /// let items = [
    ///     PayoutItem::from_json(r#"{"type": "payment_paid_out", "amount": "1000.0"}"#)?,
    ///     PayoutItem::from_json(r#"{"type": "gocardless_fee", "amount": "-20.4"}"#)?,
    /// ];
    /// assert_eq!(payout.rounding(&items).to_string(), "0.4");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn rounding(&self, items: &[PayoutItem]) -> Decimal {
        let sum: Decimal = items.iter().map(|i| i.amount).sum();
        Decimal::from(self.amount) - sum
    }

    /// Whether the payout is paid (sent to the bank).
    pub fn is_paid(&self) -> bool {
        self.status == Some(PayoutStatus::Paid)
    }
}

open_enum! {
    /// What a payout item is. Credits are positive, debits negative.
    pub enum PayoutItemType {
        /// A payment collected (credit).
        PaymentPaidOut = "payment_paid_out",
        /// A payment paid out before that failed late (debit).
        PaymentFailed = "payment_failed",
        /// A payment the customer charged back (debit).
        PaymentChargedBack = "payment_charged_back",
        /// A refund of a payment to the customer (debit).
        PaymentRefunded = "payment_refunded",
        /// A refund not linked to a payment (debit).
        Refund = "refund",
        /// A refund that could not be sent, returned (credit).
        RefundFundsReturned = "refund_funds_returned",
        /// GoCardless' fee, tax included (debit; a credit when refunded
        /// after a failure or charge-back).
        GocardlessFee = "gocardless_fee",
        /// A partner app's fee (debit, or credit when refunded).
        AppFee = "app_fee",
        /// A partner's share of GoCardless' fees (partner payouts only).
        RevenueShare = "revenue_share",
        /// GoCardless' surcharge on a failure or charge-back, tax included
        /// (debit, or credit when refunded).
        SurchargeFee = "surcharge_fee",
    }
}

impl PayoutItemType {
    /// Whether the item is a fee charged to the merchant (GoCardless',
    /// an app's, or a surcharge), as opposed to customers' money.
    pub fn is_fee(&self) -> bool {
        matches!(
            self,
            PayoutItemType::GocardlessFee | PayoutItemType::AppFee | PayoutItemType::SurchargeFee
        )
    }
}

/// What a payout item is about.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PayoutItemLinks {
    /// The payment.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub payment: Option<PaymentId>,
    /// The mandate (refund items).
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub mandate: Option<MandateId>,
    /// The refund (refund items).
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub refund: Option<RefundId>,
}

/// Tax included in a fee item (VAT for British and French merchants).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tax {
    /// The tax, in minor units of `currency`, to one decimal place.
    #[serde(deserialize_with = "wire::decimal")]
    pub amount: Decimal,
    /// The currency of `amount` (the payout's).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub currency: Option<Currency>,
    /// The tax in `destination_currency`, in its minor units; `None` until
    /// the exchange rate is final when the currencies differ.
    #[serde(default, deserialize_with = "wire::opt_decimal")]
    pub destination_amount: Option<Decimal>,
    /// The currency the tax is due in.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub destination_currency: Option<Currency>,
    /// The rate from `currency` to `destination_currency`, once final.
    #[serde(default, deserialize_with = "wire::opt_decimal")]
    pub exchange_rate: Option<Decimal>,
    /// The rate's id (jurisdiction, type, version), e.g. `GB_VAT_1`.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub tax_rate_id: Option<String>,
}

/// One credit or debit of a payout.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PayoutItem {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: PayoutItemType,
    /// The signed amount in minor units of the payout's currency, to one
    /// decimal place (GoCardless keeps fees to a tenth of a penny); a fee
    /// includes its `taxes`.
    #[serde(deserialize_with = "wire::decimal")]
    pub amount: Decimal,
    /// The payment, mandate or refund it is about.
    #[serde(default, deserialize_with = "wire::or_default")]
    pub links: PayoutItemLinks,
    /// The tax included in `amount` (fees of British and French merchants).
    #[serde(default, deserialize_with = "wire::or_default")]
    pub taxes: Vec<Tax>,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(PayoutItem, "payout_items");

impl PayoutItem {
    /// The sum of the item's taxes in the payout's currency, minor units.
    pub fn tax(&self) -> Decimal {
        self.taxes.iter().map(|t| t.amount).sum()
    }
}
