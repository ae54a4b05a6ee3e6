//! Dotted paths into a transaction's JSON, for `field:` conditions.

use serde_json::Value;

/// The text at `path` in `value`: `a.b.0.c` walks objects by key and arrays
/// by index; an index into a single object (the `currencyExchange` quirk)
/// reaches the object itself at 0. Strings come as they are, numbers and
/// booleans as written, arrays of scalars joined with spaces, objects as
/// JSON; `null` and missing paths give `None`.
///
/// ```
/// let v = serde_json::json!({"currencyExchange": {"sourceCurrency": "USD"}, "n": 3});
/// assert_eq!(importer::rules::lookup_path(&v, "currencyExchange.0.sourceCurrency").as_deref(), Some("USD"));
/// assert_eq!(importer::rules::lookup_path(&v, "n").as_deref(), Some("3"));
/// assert_eq!(importer::rules::lookup_path(&v, "missing"), None);
/// ```
pub fn lookup(value: &Value, path: &str) -> Option<String> {
    let mut v = value;
    for seg in path.split('.') {
        v = match v {
            Value::Object(map) => match map.get(seg) {
                Some(next) => next,
                None if seg == "0" => v,
                None => return None,
            },
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    render(v)
}

fn render(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(render)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Value::Object(_) => Some(v.to_string()),
    }
}
