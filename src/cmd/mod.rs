//! One module per command. Each takes its parsed arguments and the run's
//! [`Context`] and returns how it ended.

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::exit::Outcome;

pub mod completions;
pub mod extract;

/// Runs the chosen command.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let ctx = Context::new(cli.global)?;
    match cli.command {
        Command::Completions(args) => completions::run(&args),
        Command::Extract(args) => extract::run(&ctx, &args),
        _ => {
            let _ = ctx.config()?;
            anyhow::bail!("this command is not wired yet in this build")
        }
    }
}
