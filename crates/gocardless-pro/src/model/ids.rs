//! Identifiers, one type per resource so that a payment id is never passed
//! where a payout id is expected.

use std::fmt;

use serde::{Deserialize, Deserializer, de};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id, trimmed. It is checked when it is sent: an id
            /// that is not plain letters, digits, `_` and `-` is refused
            /// before any request.
            pub fn new(id: impl Into<String>) -> $name {
                let id = id.into();
                let trimmed = id.trim();
                if trimmed.len() == id.len() {
                    $name(id)
                } else {
                    $name(trimmed.to_owned())
                }
            }

            /// The id as GoCardless writes it.
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

        impl From<String> for $name {
            fn from(s: String) -> $name {
                $name::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// A blank id is an error: a record without its id cannot be
        /// referred to. (Optional links use `wire::opt_id`, where blank is
        /// absent.)
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                let id = $name::new(s);
                if id.0.is_empty() {
                    return Err(de::Error::custom("blank id"));
                }
                Ok(id)
            }
        }
    };
}

id_type!(
    /// A payout, `PO…`.
    PayoutId
);
id_type!(
    /// A payment, `PM…`.
    PaymentId
);
id_type!(
    /// A refund, `RF…`.
    RefundId
);
id_type!(
    /// A mandate, `MD…` (older ones may lack the prefix).
    MandateId
);
id_type!(
    /// A customer, `CU…`.
    CustomerId
);
id_type!(
    /// A creditor (the merchant), `CR…`.
    CreditorId
);
id_type!(
    /// The creditor's bank account a payout is sent to, `BA…`.
    CreditorBankAccountId
);
id_type!(
    /// The customer's bank account a mandate debits, `BA…`.
    CustomerBankAccountId
);
