//! Transactions: the response of `GET /accounts/{id}/transactions/`.

use bytestring::ByteString;
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::lenient;

/// The whole transactions response: `{"transactions": {"booked": [...],
/// "pending": [...]}}`, plus the pagination link some banks add.
///
/// ```
/// let json = r#"{"transactions": {"booked": [
///     {"transactionId": " T1 ", "bookingDate": "2024-01-02",
///      "transactionAmount": {"amount": "-10.5000", "currency": "EUR"}}
/// ], "pending": []}}"#;
/// let resp: gocardless::TransactionsResponse = serde_json::from_str(json).unwrap();
/// let t = resp.transactions.booked[0].parse().unwrap();
/// assert_eq!(t.transaction_id.as_deref(), Some("T1"));
/// assert_eq!(t.transaction_amount.amount.to_string(), "-10.5000");
/// ```
///
/// It must be a JSON object: anything else (a top-level array, say) is an
/// error, not an empty response that would silently drop everything.
///
/// ```
/// let err = serde_json::from_str::<gocardless::TransactionsResponse>("[]").unwrap_err();
/// assert!(err.to_string().contains("expected a JSON object"), "{err}");
/// ```
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct TransactionsResponse {
    /// Booked and pending transactions.
    #[serde(default)]
    pub transactions: AccountTransactions,
    /// Last time the bank data was refreshed, when GoCardless says.
    #[serde(
        default,
        rename = "last_updated",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated: Option<String>,
    /// A link to the next page, when sent beside `transactions` rather than
    /// inside it (both places have been seen). The client follows either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl TransactionsResponse {
    /// Reads a response whose records share `body`'s text instead of each
    /// being copied out of it: a large answer is held once. Accepts and
    /// refuses what reading it with serde does.
    ///
    /// # Errors
    /// When `body` is not such a response: serde's error for it.
    ///
    /// ```
    /// let body = bytestring::ByteString::from(r#"{"transactions": {"booked": [
    ///     {"transactionId": "T1", "transactionAmount": {"amount": "-1", "currency": "EUR"}}
    /// ]}}"#);
    /// let resp = gocardless::TransactionsResponse::from_shared(&body).unwrap();
    /// let record = resp.transactions.booked[0].shared_json();
    /// // A piece of the body, not a copy of it.
    /// assert!(body.as_bytes().as_ptr_range().contains(&record.as_ptr()));
    /// assert!(record.starts_with(r#"{"transactionId""#));
    /// ```
    pub fn from_shared(body: &ByteString) -> Result<TransactionsResponse, serde_json::Error> {
        let lent = Lent::read(body)
            // In the words reading it with serde has.
            .map_err(|e| {
                serde_json::from_str::<TransactionsResponse>(body)
                    .err()
                    .unwrap_or(e)
            })?;
        let share = |records: Vec<&RawValue>| {
            records
                .into_iter()
                .map(|r| TransactionRecord(body.slice_ref(r.get())))
                .collect()
        };
        Ok(TransactionsResponse {
            transactions: AccountTransactions {
                booked: share(lent.transactions.booked),
                pending: share(lent.transactions.pending),
                next: lent.transactions.next,
            },
            last_updated: lent.last_updated,
            next: lent.next,
        })
    }

    /// Takes the link to the next page, wherever the response put it.
    pub fn take_next(&mut self) -> Option<String> {
        let inner = self.transactions.next.take();
        let outer = self.next.take();
        inner.or(outer).filter(|n| !n.trim().is_empty())
    }
}

super::object_only!(
    TransactionsResponse,
    "a JSON object {\"transactions\": {\"booked\": […], \"pending\": […]}}"
);

/// The two lists of a transactions response (a JSON object, like the
/// response itself).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct AccountTransactions {
    /// Transactions the bank has booked.
    #[serde(default)]
    pub booked: Vec<TransactionRecord>,
    /// Transactions not booked yet. Their ids often change when they book.
    #[serde(default)]
    pub pending: Vec<TransactionRecord>,
    /// A link to the next page, sent by a few banks. The client follows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

super::object_only!(
    AccountTransactions,
    "a JSON object {\"booked\": […], \"pending\": […]}"
);

/// A [`TransactionsResponse`] as read from its body, its records lent by
/// it ([`TransactionsResponse::from_shared`]); the fields and what each
/// accepts are the response's own.
#[derive(Deserialize)]
struct Lent<'a> {
    #[serde(default, borrow, deserialize_with = "object")]
    transactions: LentLists<'a>,
    #[serde(default, rename = "last_updated")]
    last_updated: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

impl<'a> Lent<'a> {
    fn read(body: &'a str) -> Result<Lent<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(body);
        let lent = object(&mut de)?;
        de.end()?;
        Ok(lent)
    }
}

/// [`AccountTransactions`], lent.
#[derive(Default, Deserialize)]
struct LentLists<'a> {
    #[serde(default, borrow)]
    booked: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    pending: Vec<&'a RawValue>,
    #[serde(default)]
    next: Option<String>,
}

/// Reads a `T` from a JSON object only, as `object_only!` has the
/// response's types do: serde would take an array for a struct.
fn object<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct Object<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(Object(std::marker::PhantomData))
}

/// One transaction exactly as the bank sent it.
///
/// The raw JSON is kept so that nothing is lost: fields the spec does not
/// name (`merchantCategoryCode`, `additionalDataStructured`, …) stay
/// reachable, and a record that cannot be read can still be shown to the
/// user. [`TransactionRecord::parse`] gives the typed view; it fails only
/// when `transactionAmount` is missing or unreadable, so one bad record
/// never spoils a whole response.
///
/// The text is shared, not copied: with the response it was read from
/// ([`TransactionsResponse::from_shared`]) and with the importer's view of
/// the transaction.
#[derive(Debug, Clone)]
pub struct TransactionRecord(ByteString);

impl TransactionRecord {
    /// Wraps raw JSON text. Fails when the text is not JSON.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str::<&RawValue>(json).map(|raw| Self(ByteString::from(raw.get())))
    }

    /// A record the store kept: it was JSON when it was recorded, so it is
    /// not read again.
    pub(crate) fn stored(json: ByteString) -> Self {
        Self(json)
    }

    /// The JSON text as received.
    pub fn json(&self) -> &str {
        &self.0
    }

    /// The JSON text as received, shared.
    pub fn shared_json(&self) -> ByteString {
        self.0.clone()
    }

    /// The JSON as a tree, for reaching fields by path.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }

    /// The typed view of the record.
    pub fn parse(&self) -> Result<Transaction, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TransactionRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Ok(Self(ByteString::from(raw.get())))
    }
}

impl Serialize for TransactionRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The text was JSON when it was wrapped.
        let raw: &RawValue = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl From<&Transaction> for TransactionRecord {
    fn from(t: &Transaction) -> Self {
        let json = serde_json::to_string(t).expect("a transaction always serialises");
        Self::from_json(&json).expect("serde_json writes valid JSON")
    }
}

/// The typed view of a transaction. Every field but the amount is optional,
/// because every one of them has been seen missing. Field names are read in
/// camelCase, as GoCardless sends them, and in snake_case, as some tools
/// re-export them.
///
/// Ids are trimmed and a blank id is `None`. Dates accept `YYYY-MM-DD` and
/// any date-time form; an unreadable date is `None` (the raw JSON still has
/// it).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// The bank's id. Missing, blank, `NOTPROVIDED`, shared or changed on
    /// booking at some banks: see the importer for how it is trusted.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "transaction_id")]
    pub transaction_id: Option<String>,
    /// GoCardless' own id, unique within an account; booked only.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "internal_transaction_id")]
    pub internal_transaction_id: Option<String>,
    /// Sometimes an id, sometimes a date or a name.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "entry_reference")]
    pub entry_reference: Option<String>,
    /// The end-to-end id of a SEPA payment.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "end_to_end_id")]
    pub end_to_end_id: Option<String>,
    /// The direct-debit mandate id.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "mandate_id")]
    pub mandate_id: Option<String>,
    /// A cheque number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "check_id")]
    pub check_id: Option<String>,
    /// The creditor id of a direct debit.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "creditor_id")]
    pub creditor_id: Option<String>,
    /// The day the bank booked it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "booking_date")]
    pub booking_date: Option<NaiveDate>,
    /// The day the money moved. A pending one may be in the future.
    #[serde(
        default,
        deserialize_with = "lenient::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "value_date")]
    pub value_date: Option<NaiveDate>,
    /// Booking instant, when the bank gives one.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "booking_date_time")]
    pub booking_date_time: Option<DateTime<FixedOffset>>,
    /// Value instant, when the bank gives one.
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "value_date_time")]
    pub value_date_time: Option<DateTime<FixedOffset>>,
    /// The signed amount in the account's currency. The one required field.
    #[serde(alias = "transaction_amount")]
    pub transaction_amount: Amount,
    /// Currency conversions; an array in the spec, often a single object.
    #[serde(
        default,
        deserialize_with = "lenient::one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[serde(alias = "currency_exchange")]
    pub currency_exchange: Vec<CurrencyExchange>,
    /// Who was paid (money out).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "creditor_name")]
    pub creditor_name: Option<String>,
    /// The creditor's account. Some banks send a bare IBAN string instead of
    /// an object; it is read as the IBAN.
    #[serde(
        default,
        deserialize_with = "account_reference",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "creditor_account")]
    pub creditor_account: Option<AccountReference>,
    /// The party finally paid, when not the creditor.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "ultimate_creditor")]
    pub ultimate_creditor: Option<String>,
    /// Who paid (money in).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "debtor_name")]
    pub debtor_name: Option<String>,
    /// The debtor's account. Some banks send a bare IBAN string instead of
    /// an object; it is read as the IBAN.
    #[serde(
        default,
        deserialize_with = "account_reference",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "debtor_account")]
    pub debtor_account: Option<AccountReference>,
    /// The party that finally paid, when not the debtor.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "ultimate_debtor")]
    pub ultimate_debtor: Option<String>,
    /// Free-text remittance information.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "remittance_information_unstructured")]
    pub remittance_information_unstructured: Option<String>,
    /// Free-text remittance split into pieces (often of 140 characters).
    #[serde(
        default,
        deserialize_with = "lenient::one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[serde(alias = "remittance_information_unstructured_array")]
    pub remittance_information_unstructured_array: Vec<String>,
    /// Structured remittance (a creditor reference, say).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "remittance_information_structured")]
    pub remittance_information_structured: Option<String>,
    /// Structured remittance in pieces.
    #[serde(
        default,
        deserialize_with = "lenient::one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[serde(alias = "remittance_information_structured_array")]
    pub remittance_information_structured_array: Vec<String>,
    /// More text from the bank; sometimes the only text there is.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "additional_information")]
    pub additional_information: Option<String>,
    /// The ISO 20022 purpose code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "purpose_code")]
    pub purpose_code: Option<String>,
    /// The ISO 20022 bank transaction code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "bank_transaction_code")]
    pub bank_transaction_code: Option<String>,
    /// The bank's own transaction code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "proprietary_bank_transaction_code")]
    pub proprietary_bank_transaction_code: Option<String>,
    /// The account balance after this transaction, at some banks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "balance_after_transaction")]
    pub balance_after_transaction: Option<BalanceAfterTransaction>,
    /// The merchant category code (ISO 18245) of a card payment: not in
    /// the spec, sent by many banks. Any JSON value is accepted, as text
    /// (a number as written): a bank that sends it oddly must not make the
    /// record unreadable. Read in the one parse of the record: looking it
    /// up in the JSON afterwards parsed each record a second time.
    #[serde(
        default,
        deserialize_with = "lenient::opt_any_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_category_code: Option<String>,
}

/// An amount with its currency.
///
/// ```
/// let a: gocardless::Amount =
///     serde_json::from_str(r#"{"amount": -9, "currency": "EUR"}"#).unwrap();
/// assert_eq!(a.amount.to_string(), "-9");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Amount {
    /// Signed, with every digit the bank sent.
    #[serde(deserialize_with = "lenient::decimal", serialize_with = "ser_decimal")]
    pub amount: Decimal,
    /// An ISO 4217 code, as sent (not checked here).
    #[serde(default)]
    pub currency: String,
}

fn ser_decimal<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn ser_opt_decimal<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

/// A currency conversion applied to a transaction.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyExchange {
    /// The currency converted from.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "source_currency")]
    pub source_currency: Option<String>,
    /// Units of target currency per unit of `unit_currency`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_decimal",
        serialize_with = "ser_opt_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "exchange_rate")]
    pub exchange_rate: Option<Decimal>,
    /// The currency the rate is quoted per unit of.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "unit_currency")]
    pub unit_currency: Option<String>,
    /// The currency converted to.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "target_currency")]
    pub target_currency: Option<String>,
    /// The day of the quote.
    #[serde(
        default,
        deserialize_with = "lenient::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "quotation_date")]
    pub quotation_date: Option<NaiveDate>,
    /// The contract of the conversion.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "contract_identification")]
    pub contract_identification: Option<String>,
    /// The amount as instructed, at some banks (not in the spec). Banks
    /// disagree on whether it is in the source or the target currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "instructed_amount")]
    pub instructed_amount: Option<Amount>,
}

/// A reference to an account: the counterparty's, on a transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountReference {
    /// IBAN.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub iban: Option<String>,
    /// Basic bank account number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub bban: Option<String>,
    /// Card number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub pan: Option<String>,
    /// Masked card number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "masked_pan")]
    pub masked_pan: Option<String>,
    /// Phone number.
    #[serde(
        default,
        deserialize_with = "lenient::id",
        skip_serializing_if = "Option::is_none"
    )]
    pub msisdn: Option<String>,
    /// The account's currency.
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<String>,
}

/// An account reference given as an object or as a bare IBAN string.
fn account_reference<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<AccountReference>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Object(AccountReference),
        Text(String),
    }
    Ok(match Option::<Form>::deserialize(d)? {
        None => None,
        Some(Form::Object(r)) => Some(r),
        Some(Form::Text(s)) if s.trim().is_empty() => None,
        Some(Form::Text(s)) => Some(AccountReference {
            iban: Some(s.trim().to_owned()),
            ..AccountReference::default()
        }),
    })
}

/// The balance after a transaction, as some banks report it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceAfterTransaction {
    /// The balance.
    #[serde(alias = "balance_amount")]
    pub balance_amount: Amount,
    /// Which balance it is (`closingBooked`, `interimBooked`, …).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "balance_type")]
    pub balance_type: Option<String>,
}
