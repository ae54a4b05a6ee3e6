//! The server: accepts on a `TcpListener`, one thread per connection.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use crate::message::{Req, Resp};

/// What a fake does with each request.
pub trait Handler: Send + Sync + 'static {
    /// The answer to `req`; `None` drops the connection without a byte of
    /// answer. Called on the connection's thread: a handler that sleeps to
    /// play a slow server delays only that connection.
    fn handle(&self, req: &Req) -> Option<Resp>;
}

impl<F> Handler for F
where
    F: Fn(&Req) -> Option<Resp> + Send + Sync + 'static,
{
    fn handle(&self, req: &Req) -> Option<Resp> {
        self(req)
    }
}

/// A running server. Dropping it stops accepting and closes every open
/// connection, so a client holding a kept-alive one sees it close instead
/// of waiting for an answer nobody will give.
pub struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    connections: Arc<Connections>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("port", &self.port).finish()
    }
}

#[derive(Default)]
struct Connections {
    open: Mutex<HashMap<u64, TcpStream>>,
    next: AtomicU64,
}

impl Connections {
    fn open(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        // A panic in one connection's thread does not poison the rest.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Server {
    /// Serves `handler` on `addr` (`"127.0.0.1:0"` for a free port);
    /// `name` names the accept thread.
    ///
    /// # Errors
    /// When the address cannot be bound or the thread not started.
    pub fn start(addr: &str, name: &str, handler: impl Handler) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let handler: Arc<dyn Handler> = Arc::new(handler);
        let thread = {
            let (stop, connections) = (stop.clone(), connections.clone());
            thread::Builder::new()
                .name(format!("{name}-{port}"))
                .spawn(move || accept(listener, handler, connections, stop))?
        };
        Ok(Server {
            port,
            stop,
            connections,
            thread: Some(thread),
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every open connection now (the server goes on accepting).
    pub fn close_all_connections(&self) {
        for (_, stream) in self.connections.open().drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees `stop` and drops the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.close_all_connections();
    }
}

fn accept(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    connections: Arc<Connections>,
    stop: Arc<AtomicBool>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = connections.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            connections.open().insert(id, clone);
        }
        let (handler, connections) = (handler.clone(), connections.clone());
        thread::spawn(move || {
            serve_connection(stream, handler.as_ref());
            connections.open().remove(&id);
        });
    }
}

/// Answers the requests of one connection until the client closes it,
/// asks to close it, or the handler drops it.
fn serve_connection(mut stream: TcpStream, handler: &dyn Handler) {
    let mut reader = Reader {
        buf: Vec::new(),
        start: 0,
    };
    loop {
        let req = match reader.request(&mut stream) {
            Ok(Some(req)) => req,
            Ok(None) => return,
            Err(_) => {
                let _ = write_response(&mut stream, &Resp::json_text(400, "{}".into()));
                return;
            }
        };
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let Some(resp) = handler.handle(&req) else {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        };
        if write_response(&mut stream, &resp).is_err() || close {
            return;
        }
    }
}

/// The largest request head and body accepted.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_HEADERS: usize = 64;

/// Bytes read from a connection and not yet consumed (a keep-alive client
/// may send the next request before this one is answered).
struct Reader {
    buf: Vec<u8>,
    start: usize,
}

impl Reader {
    fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads more bytes; `false` at the end of the stream.
    fn fill(&mut self, r: &mut impl Read) -> io::Result<bool> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let mut chunk = [0; 16 * 1024];
        let n = r.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Reads one request; `None` when the client closed the connection
    /// before starting one.
    fn request(&mut self, r: &mut impl Read) -> io::Result<Option<Req>> {
        let (mut req, head_len) = loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Request::new(&mut headers);
            match parsed.parse(self.pending()) {
                Ok(httparse::Status::Complete(len)) => break (to_req(&parsed)?, len),
                Ok(httparse::Status::Partial) => {}
                Err(e) => return Err(bad(&e.to_string())),
            }
            if self.pending().len() > MAX_HEAD {
                return Err(bad("request head too large"));
            }
            let was_empty = self.pending().iter().all(|b| b.is_ascii_whitespace());
            if !self.fill(r)? {
                return if was_empty {
                    Ok(None)
                } else {
                    Err(bad("connection closed in the request head"))
                };
            }
        };
        self.start += head_len;
        let chunked = req
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        req.body = if chunked {
            self.chunked_body(r)?
        } else if let Some(len) = req.header("content-length") {
            let len: usize = len.parse().map_err(|_| bad("bad Content-Length"))?;
            if len > MAX_BODY {
                return Err(bad("body too large"));
            }
            self.take(r, len)?
        } else {
            Vec::new()
        };
        Ok(Some(req))
    }

    /// The next `len` bytes.
    fn take(&mut self, r: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
        while self.pending().len() < len {
            if !self.fill(r)? {
                return Err(bad("connection closed in the body"));
            }
        }
        let out = self.pending()[..len].to_vec();
        self.start += len;
        Ok(out)
    }

    fn chunked_body(&mut self, r: &mut impl Read) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let (used, size) = loop {
                match httparse::parse_chunk_size(self.pending()) {
                    Ok(httparse::Status::Complete(c)) => break c,
                    Ok(httparse::Status::Partial) => {
                        if !self.fill(r)? {
                            return Err(bad("connection closed in a chunk size"));
                        }
                    }
                    Err(_) => return Err(bad("bad chunk size")),
                }
            };
            self.start += used;
            let size = usize::try_from(size).map_err(|_| bad("chunk too large"))?;
            if body.len() + size > MAX_BODY {
                return Err(bad("body too large"));
            }
            if size == 0 {
                self.skip_trailers(r)?;
                return Ok(body);
            }
            body.extend(self.take(r, size)?);
            self.take(r, 2)?;
        }
    }

    /// Trailer lines after the last chunk, up to the blank line.
    fn skip_trailers(&mut self, r: &mut impl Read) -> io::Result<()> {
        loop {
            let Some(end) = self.pending().windows(2).position(|w| w == b"\r\n") else {
                if self.pending().len() > MAX_HEAD || !self.fill(r)? {
                    return Err(bad("connection closed in the trailers"));
                }
                continue;
            };
            self.start += end + 2;
            if end == 0 {
                return Ok(());
            }
        }
    }
}

fn to_req(parsed: &httparse::Request<'_, '_>) -> io::Result<Req> {
    let method = parsed.method.ok_or_else(|| bad("no method"))?;
    let target = parsed.path.ok_or_else(|| bad("no path"))?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = parsed
        .headers
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value).map_err(|_| bad("header not UTF-8"))?;
            Ok((h.name.to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect::<io::Result<_>>()?;
    Ok(Req {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
    })
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
        202 => "Accepted",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
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

    fn read_all(raw: &[u8]) -> Vec<io::Result<Option<Req>>> {
        // One byte at a time, so every partial state is exercised.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut src = Trickle(raw);
        let mut reader = Reader {
            buf: Vec::new(),
            start: 0,
        };
        let mut out = Vec::new();
        loop {
            let r = reader.request(&mut src);
            let last = !matches!(r, Ok(Some(_)));
            out.push(r);
            if last {
                return out;
            }
        }
    }

    #[test]
    fn reads_requests_with_every_body_kind() {
        let raw =
            b"\r\nPOST /api/v2/token/new/?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd\
GET /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n2;ext=1\r\n12\r\n0\r\nX-T: 1\r\n\r\n";
        let mut reqs = read_all(raw).into_iter();
        let a = reqs.next().unwrap().unwrap().unwrap();
        assert_eq!(
            (a.method.as_str(), a.path.as_str(), a.query.as_str()),
            ("POST", "/api/v2/token/new/", "a=1")
        );
        assert_eq!(a.header("host"), Some("x"));
        assert_eq!(a.body, b"abcd");
        let b = reqs.next().unwrap().unwrap().unwrap();
        assert_eq!(b.body, b"xyz12");
        assert!(reqs.next().unwrap().unwrap().is_none());
    }

    #[test]
    fn refuses_malformed_requests() {
        for raw in [
            &b"NONSENSE\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
            b"GET / HTTP/1.1\r\nHost",
        ] {
            let results = read_all(raw);
            assert!(results.last().unwrap().is_err(), "{raw:?}");
        }
    }
}
