//! The GoCardless client's tests, one binary: the contract with the spec
//! and the shared fixtures, errors, faults, operations, the store-backed
//! cached client and tokens, against the fake server over real HTTP.

mod common;

mod contract;
mod errors;
mod faults;
mod operations;
mod store_cached;
mod tokens;
