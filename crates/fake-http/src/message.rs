//! Plain request and response values, and what handlers need to read them.

use serde_json::Value;

/// A request as a handler sees it.
#[derive(Debug, Clone, Default)]
pub struct Req {
    /// The method, uppercased.
    pub method: String,
    /// The path without the query, e.g. `/api/v2/token/new/`.
    pub path: String,
    /// The raw query, without `?`.
    pub query: String,
    /// Headers, names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
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
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// Every query parameter, decoded, in order.
    pub fn params(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The body as a JSON object: a JSON body as is, a form body as
    /// strings, an empty body as an empty object. `None` when the body is
    /// neither.
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
            form_urlencoded::parse(trimmed.as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )
    }
}

/// A response as a handler produces it.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// Headers to send; `Content-Length` and `Connection` are the server's.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Resp {
    /// A JSON response.
    pub fn json(status: u16, body: &Value) -> Resp {
        Resp::json_text(
            status,
            serde_json::to_string(body).expect("JSON values serialise"),
        )
    }

    /// A response whose body is already JSON text (or meant to be, and is
    /// not: a malformed-body fault).
    pub fn json_text(status: u16, body: String) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into_bytes(),
        }
    }

    /// A response with a body of another type (`text/html`, `text/plain`).
    pub fn with_type(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl ToString) -> Resp {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Percent-encoding of a query value (`application/x-www-form-urlencoded`).
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_params_and_bodies() {
        let req = Req {
            query: "a=1&b=x%20y+z&a=2".into(),
            body: b"secret_id=x&secret_key=y%3D".to_vec(),
            ..Req::default()
        };
        assert_eq!(req.param("a").as_deref(), Some("1"));
        assert_eq!(req.param("b").as_deref(), Some("x y z"));
        assert_eq!(req.params().len(), 3);
        let body = req.body_object().unwrap();
        assert_eq!(body["secret_key"], "y=");
        let json = Req {
            body: br#" {"k": [1]} "#.to_vec(),
            ..Req::default()
        };
        assert_eq!(json.body_object().unwrap()["k"][0], 1);
        let broken = Req {
            body: b"{\"k\": ".to_vec(),
            ..Req::default()
        };
        assert!(broken.body_object().is_none());
    }

    #[test]
    fn encodes_what_it_decodes() {
        let value = "2026-11-20 ä&=+";
        let req = Req {
            query: format!("v={}", encode(value)),
            ..Req::default()
        };
        assert_eq!(req.param("v").as_deref(), Some(value));
    }
}
