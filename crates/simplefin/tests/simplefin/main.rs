//! The SimpleFIN client against the fake Bridge over real HTTP on
//! 127.0.0.1 and against every shared payload (`client`), and imports
//! through `simplefin::statement` and the importer into a ledger that
//! bean-check accepts (`import`).

mod client;
mod import;
