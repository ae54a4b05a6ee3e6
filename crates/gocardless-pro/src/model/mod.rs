//! The API's resources, tolerant of what a real account sends: unknown
//! enum values are kept (`Other(String)`), optional fields may be missing or
//! `null`, numbers may come as strings. Amounts are never floats: integer
//! minor units (`i64`) where the API promises whole pence or cents,
//! [`Decimal`](rust_decimal::Decimal) where it does not.
//!
//! Every record keeps the JSON object it was read from ([`RawJson`]), so
//! that a store can archive it as sent (payout items vanish from the API
//! after six months) and read it back with [`Resource::from_json`].

mod currency;
mod ids;
mod parties;
mod payments;
mod payouts;
mod raw;
mod wire;

pub use currency::Currency;
pub use ids::{
    CreditorBankAccountId, CreditorId, CustomerBankAccountId, CustomerId, MandateId, PaymentId,
    PayoutId, RefundId,
};
pub use parties::{Creditor, Customer, Mandate, MandateLinks, MandateStatus};
pub use payments::{Payment, PaymentLinks, PaymentStatus, Refund, RefundLinks, RefundStatus};
pub use payouts::{
    Fx, Payout, PayoutItem, PayoutItemLinks, PayoutItemType, PayoutLinks, PayoutStatus, PayoutType,
    Tax,
};
pub use raw::{RawJson, Resource};
