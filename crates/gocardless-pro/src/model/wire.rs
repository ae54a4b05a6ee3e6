//! Deserialisers for what the API really sends, used through
//! `#[serde(deserialize_with = …)]`. They widen what is accepted (numbers
//! as strings, `null` for an empty object) and never narrow it; where a
//! value matters (amounts, dates) an unreadable one is an error rather than
//! a guess.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A number kept as the text it was written as (JSON numbers arrive as
/// `i64`, `u64` or `f64`; the `f64` goes through its shortest decimal form,
/// the best that can be done once JSON has made it a float).
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_owned()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Text(n.to_string()))
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
}

fn parse_decimal(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| format!("invalid amount {s:?}: expected a decimal number"))
}

fn parse_minor(s: &str) -> Result<i64, String> {
    let d = parse_decimal(s)?;
    if !d.fract().is_zero() {
        return Err(format!(
            "invalid amount {s:?}: expected whole minor units (pence, cents)"
        ));
    }
    i64::try_from(d.trunc()).map_err(|_| format!("amount {s:?} is out of range"))
}

/// A decimal, as a string (`"-24.5"`) or a number.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let t = Text::deserialize(d)?;
    parse_decimal(&t.0).map_err(de::Error::custom)
}

/// An optional decimal; `null` and a blank string are absent.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<Text>::deserialize(d)? {
        Some(t) if !t.0.trim().is_empty() => {
            parse_decimal(&t.0).map(Some).map_err(de::Error::custom)
        }
        _ => Ok(None),
    }
}

/// Whole minor units, as a number (`1000`) or a string (`"1000"`,
/// `"1000.0"`); a fraction is an error.
pub fn minor<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let t = Text::deserialize(d)?;
    parse_minor(&t.0).map_err(de::Error::custom)
}

/// Optional whole minor units; `null` and a blank string are absent.
pub fn opt_minor<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Text>::deserialize(d)? {
        Some(t) if !t.0.trim().is_empty() => parse_minor(&t.0).map(Some).map_err(de::Error::custom),
        _ => Ok(None),
    }
}

/// An optional `YYYY-MM-DD` date; `null` and blank are absent.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => s
            .trim()
            .parse::<NaiveDate>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("invalid date {s:?}: expected YYYY-MM-DD"))),
        _ => Ok(None),
    }
}

/// An optional RFC 3339 timestamp (`2014-01-01T12:00:00.000Z`), in UTC;
/// `null` and blank are absent.
pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| de::Error::custom(format!("invalid timestamp {s:?}: expected RFC 3339"))),
        _ => Ok(None),
    }
}

/// Optional text, trimmed; `null` and blank are absent.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty()))
}

/// An optional id of any id type; `null` and blank are absent.
pub fn opt_id<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    opt_text(d).map(|s| s.map(T::from))
}

/// A value whose `null` means its default (an empty `links` object, an
/// empty `taxes` list).
pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An optional value whose `null`, and any value that does not read as
/// `T`, are absent: for descriptive enums that must never fail a record.
pub fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Amounts {
        #[serde(deserialize_with = "minor")]
        m: i64,
        #[serde(default, deserialize_with = "opt_minor")]
        om: Option<i64>,
        #[serde(deserialize_with = "decimal")]
        d: Decimal,
        #[serde(default, deserialize_with = "opt_decimal")]
        od: Option<Decimal>,
    }

    fn read(json: &str) -> Result<Amounts, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn amounts_from_numbers_and_strings_never_through_floats_when_text() {
        let a =
            read(r#"{"m": "1000", "om": 20, "d": "-0.1", "od": "12345678901234567.1"}"#).unwrap();
        assert_eq!(a.m, 1000);
        assert_eq!(a.om, Some(20));
        assert_eq!(a.d.to_string(), "-0.1");
        assert_eq!(a.od.unwrap().to_string(), "12345678901234567.1");
        let a = read(r#"{"m": "1000.0", "om": null, "d": 45.5, "od": ""}"#).unwrap();
        assert_eq!(
            (a.m, a.om, a.d.to_string(), a.od),
            (1000, None, "45.5".into(), None)
        );
        let a = read(r#"{"m": 7, "d": "+1e2"}"#).unwrap();
        assert_eq!(a.d, Decimal::from(100));
    }

    #[test]
    fn unreadable_amounts_are_errors() {
        for bad in [
            r#"{"m": "10.5", "d": "1"}"#,
            r#"{"m": 10.5, "d": "1"}"#,
            r#"{"m": "ten", "d": "1"}"#,
            r#"{"m": 1, "d": "abc"}"#,
            r#"{"m": 1, "d": true}"#,
            r#"{"m": 1e30, "d": "1"}"#,
            r#"{"d": "1"}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
