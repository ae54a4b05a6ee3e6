//! Typed models of the GoCardless Bank Account Data API.
//!
//! They follow the OpenAPI spec but are tolerant where banks are not
//! consistent: see [`lenient`] for what is accepted beyond the spec. Every
//! struct keeps the fields the spec does not name (in `extra`, or, for
//! transactions, in the raw JSON of [`TransactionRecord`]), and every enum
//! keeps values it does not know (`Other(String)`), so a new field or value
//! at GoCardless never breaks a run.

pub mod lenient;

/// Makes a response type deserialise from a JSON object only.
///
/// serde's derive reads a struct from an array too (its fields in order),
/// so `[]` would be a response with every list empty: a server or a file
/// that sends one would silently lose everything. The type derives with
/// `#[serde(remote = "Self")]`, which keeps the derived code as inherent
/// functions; the trait impls this writes call them, insisting on a map.
macro_rules! object_only {
    ($ty:ident, $expected:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Object;
                impl<'de> serde::de::Visitor<'de> for Object {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expected)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$ty, A::Error> {
                        $ty::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                d.deserialize_map(Object)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, s)
            }
        }
    };
}
pub(crate) use object_only;

mod account;
mod agreement;
mod balance;
mod error_body;
mod institution;
mod page;
mod requisition;
mod token;
mod transaction;

pub use account::{
    AccountDetails, AccountDetailsResponse, AccountMetadata, AccountStatus, AdditionalAccountData,
    OwnerAddress,
};
pub use agreement::{
    AcceptanceRequest, EndUserAgreement, EndUserAgreementRequest, Reconfirmation,
    ReconfirmationRequest,
};
pub use balance::{Balance, BalancesResponse};
pub use error_body::{ErrorBody, FieldError};
pub use institution::{Institution, InstitutionFilter};
pub use page::{Deleted, Page};
pub use requisition::{Requisition, RequisitionRequest, RequisitionStatus};
pub use token::{AccessToken, TokenPair};
pub use transaction::{
    AccountReference, AccountTransactions, Amount, BalanceAfterTransaction, CurrencyExchange,
    Transaction, TransactionRecord, TransactionsResponse,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_read_from_objects_only() {
        for bad in [
            "[]",
            "[[], null]",
            "\"x\"",
            "3",
            "null",
            r#"{"transactions": []}"#,
        ] {
            let e = serde_json::from_str::<TransactionsResponse>(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected a JSON object"),
                "{bad}: {e}"
            );
        }
        for bad in ["[]", r#"[[{"balanceAmount": {}}]]"#] {
            let e = serde_json::from_str::<BalancesResponse>(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected a JSON object"),
                "{bad}: {e}"
            );
        }
        let empty: TransactionsResponse = serde_json::from_str("{}").unwrap();
        assert!(empty.transactions.booked.is_empty());
        let round = serde_json::to_string(
            &serde_json::from_str::<TransactionsResponse>(
                r#"{"transactions": {"booked": [{"transactionId": "a"}], "pending": []}}"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            round,
            r#"{"transactions":{"booked":[{"transactionId": "a"}],"pending":[]}}"#
        );
    }
}
