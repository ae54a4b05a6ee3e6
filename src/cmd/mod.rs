//! One module per command. Each takes its parsed arguments and the run's
//! [`Context`] and returns how it ended.

use crate::cli::{Cli, Command, ConfigCommand, RulesCommand};
use crate::context::Context;
use crate::exit::Outcome;

pub mod accounts;
pub mod banks;
pub mod completions;
pub mod config;
pub mod export;
pub mod extract;
pub mod fetch;
pub mod import;
pub mod link;
pub mod presets;
pub mod reconcile;
pub mod rules;
pub mod status;
pub mod unlink;

/// Runs the chosen command.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let ctx = Context::new(cli.global)?;
    match cli.command {
        Command::Completions(args) => completions::run(&args),
        Command::Extract(args) => extract::run(&ctx, &args),
        Command::Banks(args) => banks::run(&ctx, &args),
        Command::Link(args) => link::run(&ctx, &args),
        Command::Accounts(args) => accounts::run(&ctx, &args),
        Command::Unlink(args) => unlink::run(&ctx, &args),
        Command::Config(ConfigCommand::Check(args)) => config::check(&ctx, &args),
        Command::Import(args) => import::run(&ctx, &args),
        Command::Reconcile(args) => reconcile::run(&ctx, &args),
        Command::Fetch(args) => fetch::run(&ctx, &args),
        Command::Export(args) => export::run(&ctx, &args),
        Command::Status(args) => status::run(&ctx, &args),
        Command::Presets(args) => presets::run(&ctx, &args),
        Command::Rules(RulesCommand::Test(args)) => rules::test(&ctx, &args),
    }
}
