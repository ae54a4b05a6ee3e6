//! Deserialisers that accept what Enable Banking relays from real banks.
//!
//! Each widens what is accepted (a string or a number, a date or a
//! date-time, `null` for a list) and never narrows it: whatever the API
//! reference allows still parses.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A decimal sent as a string (`"-10.50"`, the API's form) or a number.
///
/// Numbers go through their shortest decimal text: serde_json has already
/// made them floats, and that text is the closest to what was sent.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// Like [`decimal`] for an optional field; blank is absent.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match with_text(d, |s| (!s.trim().is_empty()).then(|| parse_decimal(s)))? {
        None => Ok(None),
        Some(r) => r.map(Some).map_err(de::Error::custom),
    }
}

/// Parses a decimal as banks write them: surrounding spaces and a leading
/// `+` are tolerated, a comma is not (it is ambiguous).
pub(crate) fn parse_decimal(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| format!("invalid amount {s:?}: expected a decimal number"))
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number as a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // `{}` prints the shortest text that reads back as the same float,
        // so 10.1 stays 10.1.
        parse_decimal(
            &serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        )
        .map_err(E::custom)
    }
}

/// An optional text: a number or a boolean is taken as its text; blank is
/// absent. Padding is kept (remittance lines may be aligned on purpose).
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_text(d, |s| (!s.trim().is_empty()).then(|| s.to_owned()))
}

/// An optional identifier, trimmed; blank is absent.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_text(d, |s| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    })
}

/// A required text that may be missing or `null` in real data: empty then.
pub(crate) fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_text(d).map(Option::unwrap_or_default)
}

/// A calendar date: `YYYY-MM-DD`, or the date of any date-time form. An
/// unreadable date is absent rather than an error: the raw JSON of a
/// transaction keeps it, and one odd date must not spoil a page.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    with_text(d, parse_date)
}

/// A date-time with its offset (`Z`, `+00:00`, `+0000`, fractions, or no
/// zone, taken as UTC). Unreadable is absent, as for [`opt_date`].
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    with_text(d, parse_datetime)
}

/// Parses a date or the date part of a date-time.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    t.parse::<NaiveDate>()
        .ok()
        .or_else(|| parse_datetime(t).map(|dt| dt.date_naive()))
        .or_else(|| t.get(..10).and_then(|p| p.parse::<NaiveDate>().ok()))
}

/// Parses a date-time in the forms seen from Enable Banking and banks.
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    let t = s.trim();
    DateTime::parse_from_rfc3339(t)
        .ok()
        .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
        .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%:z").ok())
        .or_else(|| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f"))
                .ok()
                .map(|n| n.and_utc().fixed_offset())
        })
}

/// A list that may be `null` or missing (empty then), or a single item
/// where a list belongs.
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::Many(v)) => v,
        Some(OneOrMany::One(t)) => vec![t],
    })
}

/// A list of texts: `null` items and blank ones are dropped, numbers are
/// taken as their text, a single string is a list of one.
pub(crate) fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items: Vec<serde_json::Value> = list(d)?;
    Ok(items
        .into_iter()
        .filter_map(|v| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
        .collect())
}

/// A flag that may be `null`, a string (`"true"`) or missing: `false` then.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(with_text(d, |s| Some(s.trim().eq_ignore_ascii_case("true")))?.unwrap_or(false))
}

/// A whole number sent as a number or a string; unreadable is absent.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    with_text(d, |s| {
        let t = s.trim();
        t.parse::<u64>().ok().or_else(|| {
            t.parse::<f64>()
                .ok()
                .filter(|f| *f >= 0.0)
                .map(|f| f as u64)
        })
    })
}

/// An optional nested object that is absent, rather than an error, when it
/// has the wrong shape (a string where an object belongs): the raw JSON
/// keeps it, and the rest of the record stays readable.
pub(crate) fn lax<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| serde_json::from_value(v).ok()))
}

/// Reads an optional scalar as text and hands it to `f`.
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

        // An object or a list where a scalar belongs: absent, not an error,
        // so that one odd field does not spoil its record.
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    d.deserialize_option(TextVisitor(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_seen_form() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        for s in [
            "2024-03-05",
            " 2024-03-05 ",
            "2024-03-05T10:11:12Z",
            "2024-03-05T10:11:12.123456+00:00",
            "2024-03-05T10:11:12+0100",
            "2024-03-05T10:11:12",
            "2024-03-05 10:11:12",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(parse_decimal("-10.5000").unwrap().to_string(), "-10.5000");
        assert_eq!(parse_decimal(" +1.20 ").unwrap().to_string(), "1.20");
        assert!(parse_decimal("1,20").is_err());
        let v: Decimal = decimal(&mut serde_json::Deserializer::from_str("10.1")).unwrap();
        assert_eq!(v.to_string(), "10.1");
    }
}
