//! Deserialisers that accept what Plaid (and the banks behind it) really
//! send, used through `#[serde(deserialize_with = ...)]`.
//!
//! Amounts are JSON numbers (doubles in the spec). They are read through
//! their text, as a [`RawValue`], so `2307.21` is the decimal 2307.21 and a
//! long number keeps every digit: never through `f64`. This needs the JSON
//! text itself, so the models are read with `serde_json::from_str` (or
//! `from_slice`/`from_reader`), as the client does, not from a
//! `serde_json::Value`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};
use serde_json::value::RawValue;

/// A required decimal, from a JSON number (through its text) or a string.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    match decimal_of_json(raw.get()).map_err(de::Error::custom)? {
        Some(v) => Ok(v),
        None => Err(de::Error::custom("the amount is null")),
    }
}

/// An optional decimal: missing or `null` is `None`; anything present must
/// be a number (or a string holding one).
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw = Option::<Box<RawValue>>::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(raw) => decimal_of_json(raw.get()).map_err(de::Error::custom),
    }
}

/// The decimal a JSON text holds: a number, a string of a number (some
/// re-exports quote them), or `null`.
pub(crate) fn decimal_of_json(json: &str) -> Result<Option<Decimal>, String> {
    let t = json.trim();
    if t == "null" {
        return Ok(None);
    }
    if t.starts_with('"') {
        let s: String = serde_json::from_str(t).map_err(|e| e.to_string())?;
        if s.trim().is_empty() {
            return Ok(None);
        }
        return parse_decimal(&s).map(Some);
    }
    parse_decimal(t).map(Some)
}

/// Parses a decimal's text; a leading `+`, surrounding space and an
/// exponent (`1.5e3`, as JSON allows) are accepted.
pub(crate) fn parse_decimal(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| {
            let shown: String = s.chars().take(40).collect();
            format!("invalid amount {shown:?}: expected a decimal number")
        })
}

/// Writes a decimal as a JSON number with its exact digits.
pub(crate) fn ser_decimal<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    RawValue::from_string(d.to_string())
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// Like [`ser_decimal`] for an optional decimal (`null` when absent).
pub(crate) fn ser_opt_decimal<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ser_decimal(d, s),
        None => s.serialize_none(),
    }
}

/// A required identifier, trimmed; it must not be blank.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match opt_id(d)? {
        Some(id) => Ok(id),
        None => Err(de::Error::custom("the id is missing or blank")),
    }
}

/// An optional identifier, trimmed; blank is absent.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_text(d, |s| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    })
}

/// An identifier that may be missing (the empty string then).
pub(crate) fn id_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_id(d).map(Option::unwrap_or_default)
}

/// An optional free text: a number is taken as its text, blank is absent.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_text(d, |s| (!s.trim().is_empty()).then(|| s.to_owned()))
}

/// A free text that may be missing (the empty string then).
pub(crate) fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    with_text(d, |s| Some(s.to_owned())).map(Option::unwrap_or_default)
}

/// A required calendar date `YYYY-MM-DD` (a date-time is cut to its date).
pub(crate) fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = with_text(d, |s| Some(s.to_owned()))?.unwrap_or_default();
    parse_date(&text).ok_or_else(|| {
        let shown: String = text.chars().take(40).collect();
        de::Error::custom(format!("invalid date {shown:?}: expected YYYY-MM-DD"))
    })
}

/// An optional date; an unreadable one is absent rather than failing the
/// record (the raw JSON keeps it).
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    with_text(d, parse_date)
}

/// An optional date-time (ISO 8601; no zone is taken as UTC); an
/// unreadable one is absent.
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    with_text(d, parse_datetime)
}

/// A boolean that may be missing or `null` (false then).
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Option::<bool>::deserialize(d).map(Option::unwrap_or_default)
}

/// A value that may be `null` (its default then).
pub(crate) fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Ok(d) = t.parse::<NaiveDate>() {
        return Some(d);
    }
    parse_datetime(t).map(|dt| dt.date_naive())
}

pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt);
    }
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(dt);
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc().fixed_offset())
}

/// Reads an optional string (or a number or boolean, as its text) and hands
/// it to `f`.
fn with_text<'de, D, T, F>(d: D, f: F) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(&str) -> Option<T>,
{
    struct TextVisitor<F>(F);

    impl<'de, T, F: FnOnce(&str) -> Option<T>> Visitor<'de> for TextVisitor<F> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or a number")
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Option<T>, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
            Ok((self.0)(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
            Ok((self.0)(&v.to_string()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
            Ok((self.0)(&v.to_string()))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
            Ok((self.0)(&v.to_string()))
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
            Ok((self.0)(&v.to_string()))
        }
    }

    d.deserialize_option(TextVisitor(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Amount {
        #[serde(deserialize_with = "decimal")]
        amount: Decimal,
        #[serde(default, deserialize_with = "opt_decimal")]
        other: Option<Decimal>,
    }

    fn amount(json: &str) -> Result<Amount, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_keep_every_digit_of_their_text() {
        // 17 significant digits: an f64 would print 12345678901234.568.
        let a = amount(r#"{"amount": 12345678901234.5678}"#).unwrap();
        assert_eq!(a.amount.to_string(), "12345678901234.5678");
        assert_eq!(a.other, None);
        for (json, want) in [
            (r#"{"amount": 72.1}"#, "72.1"),
            (r#"{"amount": -2307.21}"#, "-2307.21"),
            (r#"{"amount": 0.1}"#, "0.1"),
            (r#"{"amount": 65262}"#, "65262"),
            (r#"{"amount": "28.340"}"#, "28.340"),
            (r#"{"amount": 1.5e3}"#, "1500"),
            (r#"{"amount": 1, "other": null}"#, "1"),
        ] {
            assert_eq!(amount(json).unwrap().amount.to_string(), want, "{json}");
        }
        assert_eq!(
            amount(r#"{"amount": 1, "other": 23631.9805}"#)
                .unwrap()
                .other
                .unwrap()
                .to_string(),
            "23631.9805"
        );
    }

    #[test]
    fn unreadable_amounts_are_errors() {
        for json in [
            r#"{"amount": null}"#,
            r#"{"amount": "12,30"}"#,
            r#"{"amount": true}"#,
            r#"{"amount": {}}"#,
            r#"{}"#,
            r#"{"amount": 1, "other": "x"}"#,
        ] {
            assert!(amount(json).is_err(), "{json}");
        }
    }

    #[test]
    fn dates_and_times_in_plaid_forms() {
        let d = NaiveDate::from_ymd_opt(2023, 9, 24).unwrap();
        assert_eq!(parse_date("2023-09-24"), Some(d));
        assert_eq!(parse_date("2023-09-24T11:01:01Z"), Some(d));
        assert_eq!(parse_date("24/09/2023"), None);
        let t = parse_datetime("2023-09-24T11:01:01Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2023-09-24T11:01:01+00:00");
        assert_eq!(
            parse_datetime("2020-01-15T13:25:17.766Z")
                .unwrap()
                .to_rfc3339(),
            "2020-01-15T13:25:17.766+00:00"
        );
        assert!(parse_datetime("2023-09-24T11:01:01").is_some());
        assert!(parse_datetime("soon").is_none());
    }

    #[test]
    fn decimals_serialise_as_exact_numbers() {
        #[derive(serde::Serialize)]
        struct Out {
            #[serde(serialize_with = "ser_decimal")]
            a: Decimal,
            #[serde(serialize_with = "ser_opt_decimal")]
            b: Option<Decimal>,
        }
        let out = Out {
            a: Decimal::from_str("12345678901234.5678").unwrap(),
            b: None,
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"a":12345678901234.5678,"b":null}"#
        );
    }
}
