//! `GET /info` and the protocol version chosen from it.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// The answer of `GET /info`: the protocol versions the server supports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Info {
    /// As sent: `"1.0"`, `"1.0-draft"`, `"1"`, `"2"`, …
    #[serde(default, deserialize_with = "versions")]
    pub versions: Vec<String>,
}

impl Info {
    /// The version to speak: 2 when the server lists it, else 1.
    ///
    /// ```
    /// use simplefin::{Info, Version};
    /// let info: Info = serde_json::from_str(r#"{"versions": ["1", "2"]}"#).unwrap();
    /// assert_eq!(info.best_version(), Version::V2);
    /// let info: Info = serde_json::from_str(r#"{"versions": ["1.0-draft"]}"#).unwrap();
    /// assert_eq!(info.best_version(), Version::V1);
    /// ```
    pub fn best_version(&self) -> Version {
        let major = |v: &str| {
            v.trim()
                .split(['.', '-'])
                .next()
                .map(str::to_owned)
                .unwrap_or_default()
        };
        if self.versions.iter().any(|v| major(v) == "2") {
            Version::V2
        } else {
            Version::V1
        }
    }
}

fn versions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Value::deserialize(d)?;
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Ok(match &v {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    })
}

/// A version of the SimpleFIN protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Version 1: `errors` as strings, an `org` per account.
    V1,
    /// Version 2 (draft): `errlist` with codes, `connections`, a `conn_id`
    /// per account. Asked for with `version=2`.
    V2,
}

impl Version {
    /// The `version` query parameter: `Some("2")` for version 2; none for
    /// version 1, which servers that know only version 1 do not expect.
    pub fn query_value(self) -> Option<&'static str> {
        match self {
            Version::V1 => None,
            Version::V2 => Some("2"),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::V1 => f.write_str("1"),
            Version::V2 => f.write_str("2"),
        }
    }
}
