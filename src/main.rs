//! The `gc-beancount` command line: thin glue between the GoCardless client,
//! its store and the Beancount importer.

use clap::Parser;

/// Import bank transactions from GoCardless Bank Account Data into a
/// Beancount ledger.
#[derive(Debug, Parser)]
#[command(name = "gc-beancount", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
