//! The client against the fake GoCardless Pro server, over real HTTP on
//! 127.0.0.1: every operation, pagination, the payouts' arithmetic, every
//! error class and the retry rules (counted on the server, never timed),
//! and every fixture of the official clients; and the whole source end to
//! end, through the importer into a ledger bean-check accepts.

mod common;
mod errors;
mod fixtures;
mod import;
mod operations;
mod payouts;
