//! The client against the fake Enable Banking server, over real HTTP, and
//! against every example payload under `shared/providers/enablebanking/`;
//! then the whole way into a Beancount ledger (`import`).

mod common;
mod errors;
mod examples;
mod flow;
mod import;
mod keys;
mod paging;
mod retries;
