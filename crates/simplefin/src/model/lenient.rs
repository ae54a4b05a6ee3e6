//! Deserialisers that read what servers really send.
//!
//! The protocol says numeric strings and epoch integers; servers have been
//! seen sending numbers for amounts, strings for epochs, `null` for optional
//! fields. These widen what is read without ever going through `f64` for an
//! amount: a JSON number is read through its text.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};

/// The text of a scalar: a string as is, a number as written. `None` for
/// `null`; an error for arrays, objects and booleans.
fn scalar_text<E: de::Error>(v: Value, what: &str) -> Result<Option<String>, E> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(E::custom(format!(
            "expected {what}, found {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses an amount: surrounding spaces and a leading `+` are tolerated,
/// as is the exponent form.
pub(crate) fn parse_decimal(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| format!("invalid amount {s:?}: expected a decimal number"))
}

/// A required amount, from a numeric string or a number.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    match opt_decimal(d)? {
        Some(v) => Ok(v),
        None => Err(de::Error::custom("missing amount")),
    }
}

/// An optional amount; `null` and a blank string are absent.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let text = scalar_text::<D::Error>(Value::deserialize(d)?, "an amount")?;
    match text {
        Some(t) if !t.trim().is_empty() => parse_decimal(&t).map(Some).map_err(de::Error::custom),
        _ => Ok(None),
    }
}

/// Parses an epoch timestamp in seconds. A fraction is dropped.
pub(crate) fn parse_epoch(s: &str) -> Result<i64, String> {
    let bad = || format!("invalid timestamp {s:?}: expected seconds since 1970");
    let d = parse_decimal(s).map_err(|_| bad())?;
    i64::try_from(d.trunc()).map_err(|_| bad())
}

/// A Unix timestamp in seconds, from an integer or a numeric string. `0`,
/// `null` and a blank string are absent: the protocol sends `posted: 0` for
/// a pending transaction.
pub(crate) fn epoch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text = scalar_text::<D::Error>(Value::deserialize(d)?, "a timestamp")?;
    let Some(t) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let secs = parse_epoch(&t).map_err(de::Error::custom)?;
    if secs == 0 {
        return Ok(None);
    }
    DateTime::from_timestamp(secs, 0)
        .map(Some)
        .ok_or_else(|| de::Error::custom(format!("timestamp {secs} is out of range")))
}

/// Text, trimmed; a number becomes its text, `null` the empty string.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_text(d).map(Option::unwrap_or_default)
}

/// Optional text, trimmed; blank is absent.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = scalar_text::<D::Error>(Value::deserialize(d)?, "text")?;
    Ok(text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()))
}

/// A required identifier: text or a number, trimmed, not blank.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_text(d)?.ok_or_else(|| de::Error::custom("missing or blank id"))
}

/// A boolean that may come as `"true"`/`"false"`, `1`/`0`; `null` is false.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            _ => Err(de::Error::custom(format!("invalid boolean {s:?}"))),
        },
        other => Err(de::Error::custom(format!(
            "expected a boolean, found {}",
            kind_of(&other)
        ))),
    }
}

/// A free-form object; anything else (`null`, a string) is absent.
pub(crate) fn opt_object<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => Some(m),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "opt_decimal")]
        amount: Option<Decimal>,
        #[serde(default, deserialize_with = "epoch")]
        at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "flag")]
        pending: bool,
    }

    fn t(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn amounts_keep_every_digit() {
        let cases = [
            (r#"{"amount": "-33293.43"}"#, "-33293.43"),
            (r#"{"amount": " +10.50 "}"#, "10.50"),
            (r#"{"amount": 12.1}"#, "12.1"),
            (r#"{"amount": 100}"#, "100"),
            (r#"{"amount": "1e2"}"#, "100"),
        ];
        for (json, want) in cases {
            assert_eq!(t(json).unwrap().amount.unwrap().to_string(), want, "{json}");
        }
        assert!(t(r#"{"amount": ""}"#).unwrap().amount.is_none());
        assert!(t(r#"{"amount": null}"#).unwrap().amount.is_none());
        for bad in [
            r#"{"amount": "N/A"}"#,
            r#"{"amount": [1]}"#,
            r#"{"amount": true}"#,
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn epochs_accept_strings_and_treat_zero_as_absent() {
        let at = |json| t(json).unwrap().at.map(|d| d.timestamp());
        assert_eq!(at(r#"{"at": 793090572}"#), Some(793090572));
        assert_eq!(at(r#"{"at": "793090572"}"#), Some(793090572));
        assert_eq!(at(r#"{"at": 793090572.9}"#), Some(793090572));
        assert_eq!(at(r#"{"at": 0}"#), None);
        assert_eq!(at(r#"{"at": null}"#), None);
        assert!(t(r#"{"at": "yesterday"}"#).is_err());
        assert!(t(r#"{"at": 99999999999999999}"#).is_err());
    }

    #[test]
    fn flags_accept_the_usual_spellings() {
        for (json, want) in [
            (r#"{"pending": true}"#, true),
            (r#"{"pending": "true"}"#, true),
            (r#"{"pending": 1}"#, true),
            (r#"{"pending": 0}"#, false),
            (r#"{"pending": null}"#, false),
            ("{}", false),
        ] {
            assert_eq!(t(json).unwrap().pending, want, "{json}");
        }
        assert!(t(r#"{"pending": "maybe"}"#).is_err());
    }
}
