//! Error bodies, in every shape GoCardless has been seen to send.
//!
//! The spec says `{summary, detail, status_code}` (`ErrorResponse`), but
//! real bodies also come keyed by field (`{"institution_id": {"summary",
//! "detail"}}` or `{"institution_id": ["This field is required."]}`), with
//! `summary`/`detail` as arrays, or as a bare list of strings.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A parsed error body. Never fails to parse: anything unrecognised goes to
/// [`ErrorBody::extra`].
///
/// ```
/// let b = gocardless::model::ErrorBody::from_json(
///     r#"{"country": {"summary": "Invalid country choice.", "detail": "US is not a valid choice."}, "status_code": 400}"#,
/// ).unwrap();
/// assert_eq!(b.fields[0].field, "country");
/// assert_eq!(b.fields[0].detail.as_deref(), Some("US is not a valid choice."));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorBody {
    /// The short message; array forms are joined with `"; "`.
    pub summary: Option<String>,
    /// The long message; array forms are joined with `"; "`.
    pub detail: Option<String>,
    /// The error's `type` (`RateLimitError`, `AccessExpiredError`, …).
    pub kind: Option<String>,
    /// The `status_code` in the body, when sent.
    pub status_code: Option<u16>,
    /// Errors keyed by request field, in the order sent.
    pub fields: Vec<FieldError>,
    /// Other keys, kept as sent.
    pub extra: Map<String, Value>,
}

/// The error of one request field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldError {
    /// The field name, e.g. `institution_id`.
    pub field: String,
    /// Its summary, in the `{summary, detail}` shape.
    pub summary: Option<String>,
    /// Its detail, in the `{summary, detail}` shape.
    pub detail: Option<String>,
    /// Its messages, in the list shape (`["This field is required."]`).
    pub messages: Vec<String>,
}

impl FieldError {
    /// One line: `field: summary: detail` or `field: message; message`.
    pub fn message(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(self.summary.as_deref().map(str::trim));
        parts.extend(self.detail.as_deref().map(str::trim));
        parts.extend(self.messages.iter().map(|m| m.trim()));
        parts.retain(|p| !p.is_empty());
        format!("{}: {}", self.field, parts.join(": "))
    }
}

impl ErrorBody {
    /// Parses a body; `None` when it is not JSON at all.
    pub fn from_json(text: &str) -> Option<ErrorBody> {
        serde_json::from_str::<Value>(text)
            .ok()
            .map(|v| ErrorBody::from_value(&v))
    }

    /// Reads a parsed body of any shape.
    pub fn from_value(v: &Value) -> ErrorBody {
        let mut body = ErrorBody::default();
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    match key.as_str() {
                        "summary" => body.summary = text_of(value),
                        "detail" => body.detail = text_of(value),
                        "type" => body.kind = text_of(value),
                        "status_code" => {
                            body.status_code = match value {
                                Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                                Value::String(s) => s.trim().parse().ok(),
                                _ => None,
                            }
                        }
                        _ => match field_errors(key, value) {
                            Some(f) => body.fields.extend(f),
                            None => {
                                body.extra.insert(key.clone(), value.clone());
                            }
                        },
                    }
                }
            }
            Value::Array(items) => {
                let texts: Vec<String> = items.iter().filter_map(text_of).collect();
                if !texts.is_empty() {
                    body.summary = Some(texts.join("; "));
                }
            }
            Value::String(s) if !s.trim().is_empty() => body.summary = Some(s.clone()),
            _ => {}
        }
        body
    }

    /// `summary: detail`, or whichever of them there is, or the field errors.
    pub fn message(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.summary.iter().map(|s| s.trim().to_owned()));
        if let Some(d) = &self.detail
            && Some(d.trim()) != self.summary.as_deref().map(str::trim)
        {
            parts.push(d.trim().to_owned());
        }
        parts.extend(self.fields.iter().map(FieldError::message));
        parts.retain(|p| !p.is_empty());
        parts.join(": ")
    }

    /// The summary, detail and type, lower-cased, for recognising errors
    /// by their text.
    pub(crate) fn text_lower(&self) -> String {
        let mut t = String::new();
        for s in [&self.summary, &self.detail, &self.kind]
            .into_iter()
            .flatten()
        {
            t.push_str(&s.to_lowercase());
            t.push('\n');
        }
        t
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(text_of).collect();
            (!texts.is_empty()).then(|| texts.join("; "))
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The errors of one field: `{summary, detail}`, a list of strings, or a
/// list of `{summary, detail}` (one error each). `None` for anything else.
fn field_errors(key: &str, v: &Value) -> Option<Vec<FieldError>> {
    let object = |m: &Map<String, Value>| {
        (m.contains_key("summary") || m.contains_key("detail")).then(|| FieldError {
            field: key.to_owned(),
            summary: m.get("summary").and_then(text_of),
            detail: m.get("detail").and_then(text_of),
            messages: Vec::new(),
        })
    };
    match v {
        Value::Object(m) => object(m).map(|f| vec![f]),
        Value::Array(items) if !items.is_empty() => {
            let mut out = Vec::new();
            let mut messages = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => messages.push(s.clone()),
                    Value::Object(m) => out.push(object(m)?),
                    _ => return None,
                }
            }
            if !messages.is_empty() {
                out.insert(
                    0,
                    FieldError {
                        field: key.to_owned(),
                        summary: None,
                        detail: None,
                        messages,
                    },
                );
            }
            Some(out)
        }
        _ => None,
    }
}

impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| ErrorBody::from_value(&v))
    }
}

/// Writes the spec's shape, with field errors keyed by field.
impl Serialize for ErrorBody {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(v) = &self.summary {
            m.serialize_entry("summary", v)?;
        }
        if let Some(v) = &self.detail {
            m.serialize_entry("detail", v)?;
        }
        if let Some(v) = &self.kind {
            m.serialize_entry("type", v)?;
        }
        if let Some(v) = &self.status_code {
            m.serialize_entry("status_code", v)?;
        }
        // Fields with several errors go back to the list shape.
        let mut names: Vec<&str> = Vec::new();
        for f in &self.fields {
            if !names.contains(&f.field.as_str()) {
                names.push(&f.field);
            }
        }
        for name in names {
            let errors: Vec<&FieldError> = self.fields.iter().filter(|f| f.field == name).collect();
            let object = |f: &FieldError| {
                let mut o = Map::new();
                if let Some(v) = &f.summary {
                    o.insert("summary".into(), Value::String(v.clone()));
                }
                if let Some(v) = &f.detail {
                    o.insert("detail".into(), Value::String(v.clone()));
                }
                Value::Object(o)
            };
            match errors.as_slice() {
                [one] if one.messages.is_empty() => m.serialize_entry(name, &object(one))?,
                many => {
                    let mut items: Vec<Value> = Vec::new();
                    for f in many {
                        if f.messages.is_empty() {
                            items.push(object(f));
                        } else {
                            items.extend(f.messages.iter().cloned().map(Value::String));
                        }
                    }
                    m.serialize_entry(name, &items)?;
                }
            }
        }
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
