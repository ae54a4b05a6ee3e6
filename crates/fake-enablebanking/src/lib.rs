//! placeholder
pub mod keys;
