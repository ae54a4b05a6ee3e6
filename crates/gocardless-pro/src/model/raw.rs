//! The JSON a record was read from, and the trait every resource shares.

use std::fmt;

use serde_json::value::RawValue;

/// A record's JSON object exactly as GoCardless sent it (not re-serialised:
/// numbers keep every digit).
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    pub(crate) fn new(raw: Box<RawValue>) -> RawJson {
        RawJson(raw)
    }
}

impl Default for RawJson {
    fn default() -> RawJson {
        RawJson(RawValue::from_string("null".to_owned()).expect("null is JSON"))
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource of the API: what it is called in a response's envelope
/// (`{"payouts": …}`), and how it is read from its JSON object.
pub trait Resource: Sized {
    /// The envelope key, e.g. `payouts` (the same for one record and a list).
    const KEY: &'static str;

    /// Reads one record from its JSON object, e.g. one archived with
    /// [`Resource::raw`]; the record keeps `json` as its raw JSON.
    ///
    /// # Errors
    /// When `json` is not an object of this resource (a required field
    /// missing or unreadable).
    ///
    /// # Example
    /// ```
    /// use gocardless_pro::model::{PayoutItem, PayoutItemType, Resource};
    /// let item = PayoutItem::from_json(r#"{"type": "gocardless_fee", "amount": "-24.5"}"#)?;
    /// assert_eq!(item.kind, PayoutItemType::GocardlessFee);
    /// assert_eq!(item.amount.to_string(), "-24.5");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn from_json(json: &str) -> Result<Self, serde_json::Error>;

    /// The JSON object the record was read from.
    fn raw(&self) -> &RawJson;
}

/// Implements [`Resource`] for a record type with a `raw` field.
macro_rules! resource {
    ($name:ident, $key:literal) => {
        impl $crate::model::Resource for $name {
            const KEY: &'static str = $key;

            fn from_json(json: &str) -> Result<Self, serde_json::Error> {
                let raw: Box<serde_json::value::RawValue> = serde_json::from_str(json)?;
                let mut record: $name = serde_json::from_str(raw.get())?;
                record.raw = $crate::model::RawJson::new(raw);
                Ok(record)
            }

            fn raw(&self) -> &$crate::model::RawJson {
                &self.raw
            }
        }
    };
}

pub(crate) use resource;
