//! Who pays and who is paid: mandates, customers, creditors.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::raw::resource;
use super::{CreditorId, CustomerBankAccountId, CustomerId, MandateId, RawJson, wire};
use source::open_enum;

open_enum! {
    /// Where a mandate is in its life.
    pub enum MandateStatus {
        /// Waiting for the customer's approval.
        PendingCustomerApproval = "pending_customer_approval",
        /// Not yet submitted to the banks.
        PendingSubmission = "pending_submission",
        /// Submitted.
        Submitted = "submitted",
        /// Usable.
        Active = "active",
        /// Suspended by the payer.
        SuspendedByPayer = "suspended_by_payer",
        /// Could not be set up.
        Failed = "failed",
        /// Cancelled.
        Cancelled = "cancelled",
        /// Expired after long disuse.
        Expired = "expired",
        /// Used up (one-off mandates).
        Consumed = "consumed",
        /// Blocked.
        Blocked = "blocked",
    }
}

/// What a mandate belongs to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MandateLinks {
    /// The merchant.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub creditor: Option<CreditorId>,
    /// The customer who signed it.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub customer: Option<CustomerId>,
    /// The customer's bank account.
    #[serde(default, deserialize_with = "wire::opt_id")]
    pub customer_bank_account: Option<CustomerBankAccountId>,
}

/// A customer's authority to collect payments from their bank account.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Mandate {
    /// `MD…`.
    pub id: MandateId,
    /// The mandate's reference.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub reference: Option<String>,
    /// The Direct Debit scheme (`bacs`, `sepa_core`, `ach`, …).
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub scheme: Option<String>,
    /// Where it is in its life.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub status: Option<MandateStatus>,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    /// Creditor, customer, customer bank account.
    #[serde(default, deserialize_with = "wire::or_default")]
    pub links: MandateLinks,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(Mandate, "mandates");

/// A customer (the payer).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Customer {
    /// `CU…`.
    pub id: CustomerId,
    /// Given name.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub family_name: Option<String>,
    /// Company name, for a business customer.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub company_name: Option<String>,
    /// E-mail address.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub email: Option<String>,
    /// ISO 3166-1 country code.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub country_code: Option<String>,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(Customer, "customers");

impl Customer {
    /// The name to show as a payee: the company name, else the given and
    /// family names, else the e-mail address.
    ///
    /// ```
    /// use gocardless_pro::model::{Customer, Resource};
    /// let c = Customer::from_json(r#"{"id": "CU1", "given_name": "Frank", "family_name": "Osborne"}"#)?;
    /// assert_eq!(c.name().as_deref(), Some("Frank Osborne"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn name(&self) -> Option<String> {
        if let Some(company) = &self.company_name {
            return Some(company.clone());
        }
        let person: Vec<&str> = [&self.given_name, &self.family_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !person.is_empty() {
            return Some(person.join(" "));
        }
        self.email.clone()
    }
}

/// A creditor: the merchant (an account may hold several).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Creditor {
    /// `CR…`.
    pub id: CreditorId,
    /// The merchant's name.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub name: Option<String>,
    /// ISO 3166-1 country code; `GB` and `FR` merchants pay VAT on fees.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub country_code: Option<String>,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    /// The JSON object as received.
    #[serde(skip)]
    pub raw: RawJson,
}

resource!(Creditor, "creditors");
