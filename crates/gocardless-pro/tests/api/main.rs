//! The client against the fake GoCardless Pro server, over real HTTP on
//! 127.0.0.1: every operation, pagination, the payouts' arithmetic, every
//! error class and the retry rules (counted on the server, never timed),
//! and every fixture of the official clients.

mod common;
mod errors;
mod fixtures;
mod operations;
mod payouts;
