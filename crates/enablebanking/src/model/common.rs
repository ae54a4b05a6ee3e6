//! Shapes shared by several responses: amounts, account identifications,
//! parties, banks, identifiers.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lenient;
use source::open_enum;

/// An amount with its currency (`AmountType`).
///
/// ```
/// let a: enablebanking::Amount =
///     serde_json::from_str(r#"{"amount": "-25.990", "currency": "EUR"}"#).unwrap();
/// assert_eq!(a.amount.to_string(), "-25.990");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Amount {
    /// The value with every digit sent. The API does not say whether a
    /// transaction amount is signed: see [`crate::Transaction::signed_amount`].
    #[serde(deserialize_with = "lenient::decimal", serialize_with = "ser_decimal")]
    pub amount: Decimal,
    /// An ISO 4217 code, as sent (empty when missing).
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub currency: String,
}

fn ser_decimal<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// An account number: an IBAN, or another scheme (`AccountIdentification`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct AccountIdentification {
    /// The IBAN, when the bank gives one.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub iban: Option<String>,
    /// Another identification (BBAN, card number, …) when there is no IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<GenericIdentification>,
}

impl AccountIdentification {
    /// The IBAN, else the other identification's number.
    pub fn number(&self) -> Option<&str> {
        self.iban
            .as_deref()
            .or_else(|| self.other.as_ref()?.identification.as_deref())
    }
}

/// An identifier in a named scheme (`GenericIdentification`): `BBAN`,
/// `IBAN`, `CPAN` (card number), …
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct GenericIdentification {
    /// The identifier.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub identification: Option<String>,
    /// Its scheme.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheme_name: Option<String>,
    /// Who issued it (a country code, an organisation).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub issuer: Option<String>,
}

/// A bank or other financial institution (`FinancialInstitutionIdentification`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct FinancialInstitution {
    /// Its BIC.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub bic_fi: Option<String>,
    /// Its name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
}

/// A party to a payment (`PartyIdentification`). The postal address and
/// contact details stay in the raw JSON of the transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Party {
    /// The name the party is known by.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// An organisation's identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<GenericIdentification>,
    /// A person's identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_id: Option<GenericIdentification>,
}

/// A bank as named in requests and sessions (`ASPSP`): its name and
/// country, exactly as `GET /aspsps` lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct AspspId {
    /// The bank's name (`"Nordea"`).
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub name: String,
    /// Its ISO 3166 country code (`"FI"`).
    #[serde(default, deserialize_with = "lenient::text_or_empty")]
    pub country: String,
}

impl AspspId {
    /// A bank by name and country.
    pub fn new(name: impl Into<String>, country: impl Into<String>) -> AspspId {
        AspspId {
            name: name.into(),
            country: country.into(),
        }
    }
}

impl fmt::Display for AspspId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.country)
    }
}

/// Declares a string newtype for an identifier.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier (trimmed).
            pub fn new(id: impl AsRef<str>) -> $name {
                $name(id.as_ref().trim().to_owned())
            }

            /// The identifier.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name::new(s)
            }
        }
    };
}

id_type!(
    /// A session's id: the consent of one user at one bank, until it
    /// expires, is revoked or closed.
    SessionId
);
id_type!(
    /// An account's `uid`: what data requests name. Valid only while its
    /// session is authorised: a new session gives the same account a new
    /// uid. Never configure accounts by it; use [`IdentificationHash`].
    AccountUid
);
id_type!(
    /// An account's `identification_hash`: derived from its number, the
    /// same across sessions (and users), so the key under which an account
    /// is configured and recognised after a new consent.
    IdentificationHash
);

open_enum! {
    /// Whom a consent is for (`PSUType`).
    pub enum PsuType {
        /// A private person.
        Personal = "personal",
        /// A company.
        Business = "business",
    }
}
