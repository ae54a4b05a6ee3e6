//! The client against the fake Codat server over real HTTP on 127.0.0.1,
//! the contract test over the shared fixtures, and the exporter end to end
//! (a ledger on disk to the fake). One test binary.

mod common;
mod contract;
mod export;
mod faults;
mod operations;
mod push;
mod secrets;
