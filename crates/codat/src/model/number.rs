//! Decimals as JSON numbers with every digit kept, both ways.
//!
//! serde_json here is built without `arbitrary_precision`, so a JSON number
//! read as `f64` or written from one loses digits (`0.10` becomes `0.1`,
//! large amounts round). Both directions therefore go through the number's
//! text: `RawValue` (serde_json's `raw_value` feature) hands over the exact
//! characters on the way in, and carries `Decimal`'s own text out as a
//! number, not a string. This works with serde_json's reader and writer,
//! which is all this crate uses; buffering wrappers (`#[serde(flatten)]`,
//! untagged enums) must not be put around these fields.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{self, Serialize, Serializer};
use serde_json::value::RawValue;

/// Parses a JSON value's text as a decimal: a number (`12.30`, `-1e3`) or
/// a string holding one. `None` for `null` or a blank string.
///
/// # Errors
/// When the text is neither, or the number does not fit a `Decimal`
/// (28 significant digits).
pub fn parse_json_decimal(text: &str) -> Result<Option<Decimal>, String> {
    let t = text.trim();
    if t == "null" {
        return Ok(None);
    }
    let owned;
    let digits = if t.starts_with('"') {
        owned = serde_json::from_str::<String>(t).map_err(|e| e.to_string())?;
        let s = owned.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s
    } else {
        t
    };
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    Decimal::from_str(digits)
        .or_else(|_| Decimal::from_scientific(digits))
        .map(Some)
        .map_err(|_| format!("{text:?} is not a decimal number"))
}

/// A `Decimal` written as the JSON number of its exact text.
pub(crate) fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let raw = RawValue::from_string(d.to_string()).map_err(ser::Error::custom)?;
    raw.serialize(s)
}

/// A required decimal, from a JSON number or string, every digit kept.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    parse_json_decimal(raw.get())
        .map_err(de::Error::custom)?
        .ok_or_else(|| de::Error::custom("a decimal number is required here, not null"))
}

/// Like [`serialize`] and [`deserialize`], for an optional field.
pub(crate) mod opt {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let raw = Option::<Box<RawValue>>::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(raw) => parse_json_decimal(raw.get()).map_err(de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(with = "super")]
        a: Decimal,
        #[serde(with = "opt", default, skip_serializing_if = "Option::is_none")]
        b: Option<Decimal>,
    }

    #[test]
    fn keeps_every_digit_both_ways() {
        for (text, want) in [
            ("1234567.89", "1234567.89"),
            ("0.10", "0.10"),
            ("-60", "-60"),
            ("100.0", "100.0"),
            ("12345678901234567.891", "12345678901234567.891"),
            ("1e3", "1000"),
        ] {
            let t: T = serde_json::from_str(&format!(r#"{{"a": {text}, "b": "{text}"}}"#)).unwrap();
            assert_eq!(t.a.to_string(), want, "{text}");
            assert_eq!(t.b.unwrap().to_string(), want, "{text}");
            let out = serde_json::to_string(&t).unwrap();
            assert_eq!(out, format!(r#"{{"a":{want},"b":{want}}}"#));
        }
        let t: T = serde_json::from_str(r#"{"a": 1, "b": null}"#).unwrap();
        assert_eq!(t.b, None);
        assert!(serde_json::from_str::<T>(r#"{"a": null}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a": "x"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a": true}"#).is_err());
    }
}
