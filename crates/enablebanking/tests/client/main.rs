//! The client against the fake Enable Banking server, over real HTTP, and
//! against every example payload under `shared/providers/enablebanking/`.

mod common;
mod errors;
mod examples;
mod flow;
mod keys;
mod paging;
mod retries;
