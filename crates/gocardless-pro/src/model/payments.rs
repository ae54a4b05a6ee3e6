//! Payments collected from customers, and refunds of them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::raw::resource;
use super::{CreditorId, Currency, Fx, MandateId, PaymentId, PayoutId, RawJson, RefundId, wire};
use source::open_enum;

open_enum! {
    /// Where a payment is in its life.
    pub enum PaymentStatus {
        /// Waiting for the customer's approval.
        PendingCustomerApproval = "pending_customer_approval",
        /// Created, not yet submitted to the banks.
        PendingSubmission = "pending_submission",
        /// Submitted to the banks.
        Submitted = "submitted",
        /// Collected, not yet paid out.
        Confirmed = "confirmed",
        /// Part of a payout.
        PaidOut = "paid_out",
        /// Cancelled before submission.
        Cancelled = "cancelled",
        /// The customer refused it.
        CustomerApprovalDenied = "customer_approval_denied",
        /// Failed (may be late, after a payout).
        Failed = "failed",
        /// Charged back by the customer.
        ChargedBack = "charged_back",
    }
}

/// What a payment belongs to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PaymentLinks {
    /// The mandate it was collected under (which names the customer).
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub mandate: Option<MandateId>,
    /// The merchant.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub creditor: Option<CreditorId>,
    /// The payout it was paid out in, once paid out.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub payout: Option<PayoutId>,
    /// The subscription that created it, if any (`SB…`).
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub subscription: Option<String>,
    /// The instalment schedule that created it, if any (`IS…`).
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub instalment_schedule: Option<String>,
}

/// A payment collected (or to be collected) from a customer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Payment {
    /// `PM…`.
    pub id: PaymentId,
    /// The amount, in minor units of `currency`.
    #[serde(deserialize_with = "wire::minor")]
    pub amount: i64,
    /// The amount refunded so far, minor units.
    #[serde(default, deserialize_with = "wire::opt_minor")]
    pub amount_refunded: Option<i64>,
    /// The currency.
    pub currency: Currency,
    /// When it is (or was) collected from the customer's bank.
    #[serde(default, deserialize_with = "wire::opt_date")]
    pub charge_date: Option<NaiveDate>,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    /// What it is for, as the merchant wrote it.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub description: Option<String>,
    /// The reference on the customer's bank statement.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub reference: Option<String>,
    /// Where it is in its life.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub status: Option<PaymentStatus>,
    /// The exchange, when collected in another currency than paid out.
    #[serde(default)]
    pub fx: Option<Fx>,
    /// Mandate, creditor, payout.
    #[serde(default, deserialize_with = "wire::or_default")]
    pub links: PaymentLinks,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(Payment, "payments");

open_enum! {
    /// Where a refund is in its life.
    pub enum RefundStatus {
        /// Created.
        Created = "created",
        /// Not yet submitted.
        PendingSubmission = "pending_submission",
        /// Submitted to the banks.
        Submitted = "submitted",
        /// Paid to the customer.
        Paid = "paid",
        /// Cancelled.
        Cancelled = "cancelled",
        /// The customer's bank returned it.
        Bounced = "bounced",
        /// It could not be sent and the money came back.
        FundsReturned = "funds_returned",
    }
}

/// What a refund belongs to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RefundLinks {
    /// The payment refunded, if any.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub payment: Option<PaymentId>,
    /// The mandate.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub mandate: Option<MandateId>,
}

/// Money sent back to a customer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Refund {
    /// `RF…`.
    pub id: RefundId,
    /// The amount, in minor units of `currency`.
    #[serde(deserialize_with = "wire::minor")]
    pub amount: i64,
    /// The currency.
    pub currency: Currency,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    /// The reference on the customer's bank statement.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub reference: Option<String>,
    /// Where it is in its life.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub status: Option<RefundStatus>,
    /// The exchange, if any.
    #[serde(default)]
    pub fx: Option<Fx>,
    /// Payment and mandate.
    #[serde(default, deserialize_with = "wire::or_default")]
    pub links: RefundLinks,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(Refund, "refunds");
