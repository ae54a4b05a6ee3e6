//! The HTTP side: a small HTTP/1.1 server on std's `TcpListener`, one
//! thread per connection with keep-alive, faults that act on the
//! connection (slow, dropped), and the admin routes.
//!
//! Written by hand rather than on an HTTP server crate because a fake must
//! control its connections: close one without a byte of answer, close them
//! all when the server stops, and never leave a connection unserved while
//! others are kept alive (tiny_http's worker pool could do all three wrong).
//! Only what GoCardless clients send is understood: a request line,
//! headers, and a body by `Content-Length` or chunked.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use crate::admin;
use crate::http::{Req, Resp};
use crate::options::FaultKind;
use crate::state::State;

/// What the connection threads share.
pub struct Shared {
    state: Mutex<State>,
    /// Open connections, so that stopping the server can close them.
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

impl Shared {
    pub fn new(state: State) -> Shared {
        Shared {
            state: Mutex::new(state),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        }
    }

    /// The state; a panic in another request thread does not poison it for the rest.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn connections(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes every open connection, so that a client holding a kept-alive
    /// one sees it close instead of waiting for an answer nobody will give.
    pub fn close_all_connections(&self) {
        for (_, stream) in self.connections().drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Accepts connections until `stop` is set (and the accept woken by a
/// connection), each served on its own thread.
pub fn serve(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            shared.connections().insert(id, clone);
        }
        let shared = shared.clone();
        thread::spawn(move || {
            serve_connection(stream, &shared);
            shared.connections().remove(&id);
        });
    }
}

/// Answers the requests of one connection until the client closes it,
/// asks to close it, or a fault drops it.
fn serve_connection(stream: TcpStream, shared: &Shared) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let req = match read_request(&mut reader) {
            Ok(Some(req)) => req,
            Ok(None) => return,
            Err(_) => {
                let _ = write_response(&mut writer, &Resp::json_text(400, "{}".into()));
                return;
            }
        };
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        match handle(&req, shared) {
            Some(resp) => {
                if write_response(&mut writer, &resp).is_err() {
                    return;
                }
            }
            None => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        }
        if close {
            return;
        }
    }
}

/// The answer to a request; `None` to drop the connection unanswered.
fn handle(req: &Req, shared: &Shared) -> Option<Resp> {
    if req.path.starts_with("/_fake/") || req.path == "/_fake" {
        return Some(admin::handle(shared, req));
    }
    let fault = shared.lock().take_fault(&req.path);
    let resp = match fault {
        Some(FaultKind::Drop) => {
            shared.lock().record(req, 0);
            return None;
        }
        Some(FaultKind::Slow(d)) => {
            // Sleep without the lock, so other requests go on meanwhile.
            thread::sleep(d);
            shared.lock().handle(req, true)
        }
        Some(kind) => shared.lock().fault_response(&kind, req),
        None => shared.lock().handle(req, true),
    };
    shared.lock().record(req, resp.status);
    Some(resp)
}

/// The longest request line, header line or body accepted.
const MAX_LINE: u64 = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Reads one request; `None` when the client closed the connection first.
fn read_request(r: &mut impl BufRead) -> io::Result<Option<Req>> {
    let mut line = String::new();
    // Blank lines before a request are allowed (RFC 9112, 2.2).
    loop {
        line.clear();
        if r.by_ref().take(MAX_LINE).read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.to_owned(), String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.by_ref().take(MAX_LINE).read_line(&mut h)? == 0 {
            return Err(bad("connection closed in the headers"));
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').ok_or_else(|| bad("malformed header"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut req = Req {
        method: method.to_ascii_uppercase(),
        path,
        query,
        headers,
        body: Vec::new(),
    };
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        req.body = read_chunked(r)?;
    } else if let Some(len) = req.header("content-length") {
        let len: usize = len.parse().map_err(|_| bad("bad Content-Length"))?;
        if len > MAX_BODY {
            return Err(bad("body too large"));
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        req.body = body;
    }
    Ok(Some(req))
}

fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.by_ref().take(MAX_LINE).read_line(&mut size)?;
        let size = size.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let mut t = String::new();
                if r.by_ref().take(MAX_LINE).read_line(&mut t)? == 0 || t.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        r.read_exact(&mut crlf)?;
    }
}

fn write_response(w: &mut TcpStream, resp: &Resp) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("connection") {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", resp.body.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(&resp.body);
    w.write_all(&out)?;
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requests_with_every_body_kind() {
        let raw =
            b"\r\nPOST /api/v2/token/new/?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd\
GET /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n2;ext=1\r\n12\r\n0\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let a = read_request(&mut r).unwrap().unwrap();
        assert_eq!(
            (a.method.as_str(), a.path.as_str(), a.query.as_str()),
            ("POST", "/api/v2/token/new/", "a=1")
        );
        assert_eq!(a.header("host"), Some("x"));
        assert_eq!(a.body, b"abcd");
        let b = read_request(&mut r).unwrap().unwrap();
        assert_eq!(b.body, b"xyz12");
        assert!(read_request(&mut r).unwrap().is_none());
    }

    #[test]
    fn refuses_malformed_requests() {
        let mut r = BufReader::new(&b"NONSENSE\r\n\r\n"[..]);
        assert!(read_request(&mut r).is_err());
        let mut r = BufReader::new(&b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"[..]);
        assert!(read_request(&mut r).is_err());
    }
}
