//! Codat's dates: local date-times for what is pushed, tolerant timestamps
//! for what is read.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::{self, Deserialize, Deserializer};
use serde::{Serialize, Serializer};

/// How a pushed date is written: a local date-time without offset, as the
/// spec recommends (an offset would be ignored by Codat anyway).
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Reads a local date-time: `2023-08-22`, `2023-08-22T10:21:00`, with or
/// without fraction; an offset (`Z`, `-05:00`) is dropped, not applied,
/// which is how Codat treats the dates of pushed transactions.
pub(crate) fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    if let Ok(d) = t.parse::<NaiveDate>() {
        return d.and_hms_opt(0, 0, 0);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.naive_local());
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// A timestamp Codat reports: with an offset it is converted to UTC,
/// without one it is taken as UTC, a bare date as its midnight.
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    parse_local(t).map(|n| n.and_utc())
}

pub(crate) mod local {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        d.format(LOCAL_FORMAT).to_string().serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let s = String::deserialize(d)?;
        parse_local(&s).ok_or_else(|| {
            de::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD[THH:MM:SS])"))
        })
    }
}

/// An informational timestamp: missing, null or unreadable is `None`, so a
/// field nobody acts on never fails a whole response.
pub(crate) mod lenient {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        d: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => d
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                .serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        Ok(s.as_deref().and_then(parse_timestamp))
    }
}

/// A date that may come as a date-time (`feedStartDate` is documented as a
/// date and seen as `2023-01-09T14:56:43.773Z`): its date part.
pub(crate) mod date_part {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => d.format("%Y-%m-%d").to_string().serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        Ok(s.as_deref().and_then(parse_local).map(|n| n.date()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_date_shape_codat_uses() {
        let want = NaiveDate::from_ymd_opt(2023, 8, 22).unwrap();
        for s in [
            "2023-08-22",
            "2023-08-22T10:21:00",
            "2023-08-22T10:21:00.000Z",
            "2023-08-22T10:21:00-05:00",
            "2023-08-22T10:21:00.1950523",
        ] {
            assert_eq!(parse_local(s).unwrap().date(), want, "{s}");
        }
        // The offset is dropped, not applied.
        assert_eq!(
            parse_local("2023-08-22T23:30:00-05:00")
                .unwrap()
                .to_string(),
            "2023-08-22 23:30:00"
        );
        assert_eq!(
            parse_timestamp("2022-11-10T10:45:18.1950523Z")
                .unwrap()
                .to_rfc3339(),
            "2022-11-10T10:45:18.195052300+00:00"
        );
        assert!(parse_local("22/08/2023").is_none());
    }
}
