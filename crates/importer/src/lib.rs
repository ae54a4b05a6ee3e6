//! placeholder

pub mod learn;
pub mod rules;
