//! placeholder

pub mod rules;
