//! Deserialisers that accept what banks really send.
//!
//! Every function here is used through `#[serde(deserialize_with = ...)]`.
//! They widen what is accepted (strings or numbers, dates or date-times, one
//! object or an array) and never narrow it: anything the spec allows still
//! parses.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// An optional identifier, trimmed; blank means absent.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_text(d, |s| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    })
}

/// A required identifier, trimmed; missing or blank is the empty string.
pub fn id_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    id(d).map(Option::unwrap_or_default)
}

/// A list of identifiers (or a single one), each trimmed; blanks dropped.
pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Vec<Option<StringOrNumber>> = one_or_many(d)?;
    Ok(v.into_iter()
        .flatten()
        .map(|s| s.0.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

/// A decimal given as a string of any scale (`"-10.5000"`) or as a number.
///
/// Strings keep every digit. Numbers go through their shortest decimal
/// form, which is the best that can be done once JSON has made them floats.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// Like [`decimal`], for an optional field. A blank string is absent.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let v: Option<StringOrNumber> = Option::deserialize(d)?;
    match v {
        None => Ok(None),
        Some(s) if s.0.trim().is_empty() => Ok(None),
        Some(s) => parse_decimal(&s.0).map(Some).map_err(de::Error::custom),
    }
}

/// Parses a decimal the way banks write them: surrounding spaces and a
/// leading `+` are tolerated.
pub fn parse_decimal(s: &str) -> Result<Decimal, String> {
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
        // `{}` on f64 prints the shortest string that reads back the same,
        // so 10.1 stays 10.1 rather than 10.0999999999999996447.
        parse_decimal(&v.to_string()).map_err(E::custom)
    }
}

/// A whole number sent as a string (`"90"`) or a number.
pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v: Option<StringOrNumber> = Option::deserialize(d)?;
    match v {
        None => Ok(None),
        Some(s) if s.0.trim().is_empty() => Ok(None),
        Some(s) => {
            s.0.trim()
                .parse::<u32>()
                .map(Some)
                .map_err(|_| de::Error::custom(format!("invalid whole number {:?}", s.0)))
        }
    }
}

/// Any JSON value as text: a string as it is, a number or boolean as
/// written, an object or list as compact JSON; `null` is absent. It fails
/// only on text that is not JSON.
pub fn opt_any_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// A calendar date from `YYYY-MM-DD` or from any date-time form seen in the
/// wild (`Z`, offsets, fractions, no zone). Anything else is treated as
/// absent rather than failing the whole record: the raw JSON is kept, so the
/// value is not lost, and a record with no usable date is reported by the
/// importer.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    with_text(d, parse_date)
}

/// A date-time with its offset; a date-time without a zone is taken as UTC,
/// and a bare date as midnight UTC. Unparseable values are absent, as in
/// [`opt_date`].
pub fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    with_text(d, parse_datetime)
}

/// Parses a date or the date part of a date-time. See [`opt_date`].
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Ok(d) = t.parse::<NaiveDate>() {
        return Some(d);
    }
    if let Some(dt) = parse_datetime(t) {
        return Some(dt.date_naive());
    }
    // A date-time we cannot fully read still names its day in front.
    t.get(..10).and_then(|day| day.parse::<NaiveDate>().ok())
}

/// Parses a date-time. See [`opt_datetime`].
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt);
    }
    // Offsets without a colon (`+0100`) are common in bank data.
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(dt);
    }
    // `2025-10-31 07:58:23.836351+00:00`, as in 409 bodies.
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(dt);
    }
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%z") {
        return Some(dt);
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(naive.and_utc().fixed_offset());
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(naive.and_utc().fixed_offset());
    }
    t.parse::<NaiveDate>()
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc().fixed_offset())
}

/// A list that some banks send as a single object (or string) instead.
pub fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
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

/// An optional free-text field: a number is taken as its text, blank is
/// absent. Padding is kept; the importer decides how to collapse space.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    with_text(d, |s| (!s.trim().is_empty()).then(|| s.to_owned()))
}

/// Reads an optional string (or a number, as its text) and hands it to `f`
/// without copying it first: ids, dates and texts are most of a
/// transaction, and an allocation each adds up over a large response.
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

/// A string that some producers send as a number (ids, codes).
struct StringOrNumber(String);

impl<'de> Deserialize<'de> for StringOrNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StringOrNumber;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
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
            "2024-03-05T10:11:12.34Z",
            "2024-03-05T10:11:12+01:00",
            "2024-03-05T10:11:12.123456+0100",
            "2024-03-05T10:11:12",
            "2024-03-05 10:11:12",
            "2024-03-05 07:58:23.836351+00:00",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(parse_decimal("-10.5000").unwrap().to_string(), "-10.5000");
        assert_eq!(parse_decimal("-9").unwrap().to_string(), "-9");
        assert_eq!(parse_decimal(" +1.20 ").unwrap().to_string(), "1.20");
        assert!(parse_decimal("1,20").is_err());
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        n: u32,
    }

    #[derive(Debug, Deserialize)]
    struct Lists {
        #[serde(default, deserialize_with = "one_or_many")]
        items: Vec<Item>,
        #[serde(default, deserialize_with = "one_or_many")]
        texts: Vec<String>,
        #[serde(default, deserialize_with = "ids")]
        ids: Vec<String>,
    }

    fn lists(json: &str) -> Result<Lists, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn one_or_many_takes_a_list_one_item_or_null() {
        let l = lists(
            r#"{"items": [{"n": 1}, {"n": 2}], "texts": ["a", "b"], "ids": [" x ", 7, null, ""]}"#,
        )
        .unwrap();
        assert_eq!(l.items, [Item { n: 1 }, Item { n: 2 }]);
        assert_eq!(l.texts, ["a", "b"]);
        assert_eq!(l.ids, ["x", "7"]);
        let l = lists(r#"{"items": {"n": 3}, "texts": "c", "ids": 12}"#).unwrap();
        assert_eq!(l.items, [Item { n: 3 }]);
        assert_eq!(l.texts, ["c"]);
        assert_eq!(l.ids, ["12"]);
        let l = lists(r#"{"items": null, "texts": [], "ids": "  "}"#).unwrap();
        assert!(l.items.is_empty() && l.texts.is_empty() && l.ids.is_empty());
        // What is neither an item nor a list of them is an error.
        for bad in [
            r#"{"items": 5}"#,
            r#"{"items": [{"n": "x"}]}"#,
            r#"{"texts": {"a": 1}}"#,
        ] {
            assert!(lists(bad).is_err(), "{bad}");
        }
    }

    #[derive(Debug, Deserialize)]
    struct Code {
        #[serde(default, deserialize_with = "opt_any_text")]
        code: Option<String>,
    }

    #[test]
    fn any_value_is_read_as_text() {
        let code = |json: &str| serde_json::from_str::<Code>(json).unwrap().code;
        assert_eq!(code(r#"{"code": " 5411 "}"#).as_deref(), Some(" 5411 "));
        assert_eq!(code(r#"{"code": 5411}"#).as_deref(), Some("5411"));
        assert_eq!(code(r#"{"code": true}"#).as_deref(), Some("true"));
        assert_eq!(
            code(r#"{"code": {"a": [1, "b"]}}"#).as_deref(),
            Some(r#"{"a":[1,"b"]}"#)
        );
        assert_eq!(code(r#"{"code": null}"#), None);
        assert_eq!(code("{}"), None);
    }
}
