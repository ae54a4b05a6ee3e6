//! The `gc-beancount` command line: thin glue between the GoCardless client,
//! its store and the Beancount importer.
//!
//! - [`cli`]: the grammar (clap derive).
//! - [`cmd`]: one module per command; each gets a [`context::Context`]
//!   (global options, clock) and returns an [`exit::Outcome`].
//! - [`config_path`]: where the configuration file is found.
//! - [`connect`]: the client and the store from the configuration;
//!   [`clock`]: the system's clock, or `GC_BEANCOUNT_NOW` in tests.
//! - [`fetching`]: fetching accounts through the store, a few at once
//!   ([`parallel`], [`progress`]), each failure kept to its account.
//! - [`pipeline`]: the importer's pipeline ([`importer::Run`]) fed from
//!   the command line (`-e` ledgers) and the store (own IBANs), the
//!   fetched accounts converted one per core ([`parallel`]), and its
//!   report on stderr; [`settings`]: the application's and the sources'
//!   settings of the configuration.
//! - [`presets`]: the bank presets of the run and the one each account
//!   uses.
//! - [`push_log`]: what the exports pushed, kept in the store.
//! - [`access`], [`suggest`], [`table`]: when access ends, suggested
//!   account names, plain-text tables.
//! - [`output`]: stdout, or a file replaced atomically (a device, FIFO or
//!   link written as what it is), never one of the ledger's files.
//! - [`ui`], [`logging`]: stderr messages, colour, tracing.
//! - [`errors`], [`exit`]: helpful messages and exit statuses.

use std::process::ExitCode;

// Converting a large response allocates and frees many small strings;
// mimalloc does that about a quarter faster than the system allocator
// (`cargo bench -p importer --bench convert`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

mod access;
mod cli;
mod clock;
mod cmd;
mod config_path;
mod connect;
mod context;
mod errors;
mod exit;
mod fetching;
mod logging;
mod output;
mod parallel;
mod pipeline;
mod presets;
mod progress;
mod push_log;
mod settings;
mod sources;
mod suggest;
mod table;
mod ui;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    ui::init(cli.global.color, cli.global.quiet);
    logging::init(cli.global.verbose, cli.global.quiet, ui::color_stderr());
    match cmd::run(cli) {
        Ok(outcome) => outcome.code(),
        Err(err) => {
            ui::error(&err);
            ExitCode::from(exit::code_for(&err))
        }
    }
}
