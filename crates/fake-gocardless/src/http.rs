//! Plain request and response values, independent of the HTTP library,
//! and the small parsing helpers they need.

use serde_json::Value;

/// A request as the handlers see it.
#[derive(Debug, Clone, Default)]
pub struct Req {
    pub method: String,
    /// Path without the query, e.g. `/api/v2/token/new/`.
    pub path: String,
    /// The raw query (without `?`).
    pub query: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    /// The first value of a header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        parse_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The body as a JSON object: a JSON body as is, a form body as strings.
    /// `None` when the body is neither.
    pub fn body_object(&self) -> Option<serde_json::Map<String, Value>> {
        let text = std::str::from_utf8(&self.body).ok()?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Some(serde_json::Map::new());
        }
        if trimmed.starts_with('{') {
            return match serde_json::from_str(trimmed) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            };
        }
        Some(
            parse_pairs(trimmed)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    }
}

/// A response as the handlers produce it.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// A JSON response.
    pub fn json(status: u16, body: &Value) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(body).expect("JSON values serialise"),
        }
    }

    /// A response whose body is already JSON text.
    pub fn json_text(status: u16, body: String) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into_bytes(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl ToString) -> Resp {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// `a=1&b=x%20y` into decoded pairs.
pub fn parse_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Percent-decoding with `+` as space (form encoding).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding of a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        assert_eq!(decode("a%20b+c"), "a b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(
            parse_pairs("secret_id=x&secret_key=y%3D"),
            vec![
                ("secret_id".into(), "x".into()),
                ("secret_key".into(), "y=".into())
            ]
        );
        assert_eq!(decode(&encode("2026-11-20 ä&")), "2026-11-20 ä&");
    }
}
