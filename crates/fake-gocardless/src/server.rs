//! The HTTP side: the accept loop on `tiny_http`, one thread per request,
//! faults that act on the connection (slow, dropped), and the admin routes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use crate::admin;
use crate::http::{Req, Resp};
use crate::options::FaultKind;
use crate::state::State;

/// What the request threads share.
pub struct Shared {
    state: Mutex<State>,
    pub port: u16,
}

impl Shared {
    pub fn new(state: State, port: u16) -> Shared {
        Shared {
            state: Mutex::new(state),
            port,
        }
    }

    /// The state; a panic in another request thread does not poison it for the rest.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Accepts requests until `stop` is set and the server unblocked.
pub fn serve(server: Arc<tiny_http::Server>, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    loop {
        match server.recv() {
            Ok(rq) => {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let shared = shared.clone();
                thread::spawn(move || handle(rq, &shared));
            }
            Err(_) => {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
    }
}

fn handle(mut rq: tiny_http::Request, shared: &Shared) {
    let url = rq.url().to_string();
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (url, String::new()),
    };
    let headers = rq
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let mut body = Vec::new();
    if rq.as_reader().read_to_end(&mut body).is_err() {
        return;
    }
    let req = Req {
        method: rq.method().as_str().to_ascii_uppercase(),
        path,
        query,
        headers,
        body,
    };
    if req.path.starts_with("/_fake/") || req.path == "/_fake" {
        let resp = admin::handle(shared, &req);
        respond(rq, resp);
        return;
    }
    let fault = shared.lock().take_fault(&req.path);
    let resp = match fault {
        Some(FaultKind::Drop) => {
            shared.lock().record(&req, 0);
            drop_connection(rq, shared.port);
            return;
        }
        Some(FaultKind::Slow(d)) => {
            // Sleep without the lock, so other requests go on meanwhile.
            thread::sleep(d);
            shared.lock().handle(&req, true)
        }
        Some(kind) => shared.lock().fault_response(&kind, &req),
        None => shared.lock().handle(&req, true),
    };
    shared.lock().record(&req, resp.status);
    respond(rq, resp);
}

fn respond(rq: tiny_http::Request, resp: Resp) {
    let mut out = tiny_http::Response::from_data(resp.body).with_status_code(resp.status);
    for (name, value) in resp.headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            out.add_header(h);
        }
    }
    // The client may be gone (timeouts in tests); nothing to do then.
    let _ = rq.respond(out);
}

/// Closes the connection without a byte of answer.
///
/// `tiny_http` keeps the socket of a keep-alive connection open after a
/// request is dropped, so the client would hang instead of seeing the
/// connection close. On Linux the socket is found among the process's
/// descriptors by its addresses and shut down; elsewhere the client waits
/// for its timeout.
fn drop_connection(rq: tiny_http::Request, port: u16) {
    let peer = rq.remote_addr().copied();
    let writer = rq.into_writer();
    if let Some(peer) = peer {
        shutdown_sockets(Some(peer), port);
    }
    drop(writer);
}

/// Closes every connection still open to the server, so that a client
/// holding a kept-alive connection sees it close instead of waiting for
/// an answer that nobody will give.
pub fn close_all_connections(port: u16) {
    shutdown_sockets(None, port);
}

/// Shuts down the server's sockets on `port` connected to `peer` (to any
/// peer when `None`); whether one was found.
#[cfg(target_os = "linux")]
fn shutdown_sockets(peer: Option<std::net::SocketAddr>, port: u16) -> bool {
    use std::net::{Shutdown, TcpStream};
    use std::os::fd::BorrowedFd;

    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return false;
    };
    let mut found = false;
    for entry in dir.flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .map(|l| l.to_string_lossy().starts_with("socket:"))
            .unwrap_or(false);
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor is only borrowed for `dup` (try_clone_to_owned).
        // Had it been closed meanwhile, dup fails; had its number been
        // reused, the duplicate is some other file whose addresses do not
        // match, and dropping the duplicate closes only the duplicate.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let Ok(owned) = borrowed.try_clone_to_owned() else {
            continue;
        };
        let stream = TcpStream::from(owned);
        let Ok(their) = stream.peer_addr() else {
            continue; // the listener, or not a connected socket
        };
        let same_peer = peer.is_none_or(|p| p == their);
        let same_local = stream.local_addr().map(|a| a.port()).ok() == Some(port);
        if same_peer && same_local {
            let _ = stream.shutdown(Shutdown::Both);
            found = true;
            if peer.is_some() {
                break;
            }
        }
    }
    found
}

#[cfg(not(target_os = "linux"))]
fn shutdown_sockets(_peer: Option<std::net::SocketAddr>, _port: u16) -> bool {
    false
}
