//! The HTTP/1.1 layer shared by the workspace's fake provider servers
//! (`fake-gocardless`, and one fake per other provider).
//!
//! A fake must control its connections in ways an ordinary server crate
//! does not offer: close one without a byte of answer (a "dropped
//! connection" fault), close them all when the test's server handle is
//! dropped, and never leave a connection unserved while others are kept
//! alive. So this is a small server on std's `TcpListener`, one thread per
//! connection with keep-alive, requests parsed by `httparse`.
//!
//! How the parts fit:
//! - a fake implements [`Handler`]: a [`Req`] in, a [`Resp`] out, or
//!   `None` to drop the connection unanswered (a closure works too);
//! - [`Server::start`] serves it on an address until the [`Server`] is
//!   dropped.
//!
//! # Example
//!
//! ```
//! use fake_http::{Req, Resp, Server};
//!
//! let server = Server::start("127.0.0.1:0", "echo", |req: &Req| {
//!     Some(Resp::json(200, &serde_json::json!({ "q": req.param("q") })))
//! })
//! .unwrap();
//! let body = reqwest::blocking::get(format!("http://127.0.0.1:{}/x?q=a%20b", server.port()))
//!     .unwrap()
//!     .text()
//!     .unwrap();
//! assert_eq!(body, r#"{"q":"a b"}"#);
//! ```

mod message;
mod server;

pub use message::{Req, Resp, encode};
pub use server::{Handler, Server};
