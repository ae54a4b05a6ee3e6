//! The Plaid client against the fake Plaid server, over real HTTP on
//! 127.0.0.1: every operation, `/transactions/sync` paging, every error
//! kind and the retry rules (calls are counted on the server, never
//! timed), secrets, every shared Plaid payload, and imports through the
//! importer into a ledger that bean-check accepts.

mod common;
mod errors;
mod fixtures;
mod import;
mod operations;
mod secrets;
mod sync;
