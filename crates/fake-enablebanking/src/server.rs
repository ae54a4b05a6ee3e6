//! The fake's side of HTTP: the state behind a lock, and the faults that
//! act on the connection (slow, dropped). The HTTP/1.1 layer is
//! `fake-http`'s.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use fake_http::{Handler, Req, Resp};

use crate::options::FaultKind;
use crate::state::State;

/// What the connection threads share.
pub struct Shared {
    state: Mutex<State>,
}

impl Shared {
    pub fn new(state: State) -> Shared {
        Shared {
            state: Mutex::new(state),
        }
    }

    /// The state; a panic in another request thread does not poison it.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The handler given to the HTTP layer.
pub struct Fake(pub Arc<Shared>);

impl Handler for Fake {
    fn handle(&self, req: &Req) -> Option<Resp> {
        let shared = &self.0;
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
}
