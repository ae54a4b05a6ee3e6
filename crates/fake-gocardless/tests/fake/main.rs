//! The fake GoCardless server's tests, in one test binary: over real HTTP,
//! as the client and the binary's tests use it.

mod common;

mod accounts;
mod admin;
mod data;
mod faults;
mod lifecycle;
mod tokens;
