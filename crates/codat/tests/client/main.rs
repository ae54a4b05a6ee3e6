//! The client against the fake Codat server over real HTTP on 127.0.0.1,
//! and the contract test over the shared fixtures. One test binary.

mod common;
mod contract;
mod faults;
mod operations;
mod push;
mod secrets;
