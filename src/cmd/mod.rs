//! One module per command. Each takes its parsed arguments and the global
//! options and returns how it ended.

use crate::cli::{Cli, Command};
use crate::exit::Outcome;

pub mod completions;

/// Runs the chosen command.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Completions(args) => completions::run(&args),
        _ => {
            let located = crate::config_path::locate(cli.global.config.as_deref())?;
            anyhow::bail!(
                "{}: this command is not wired yet in this build",
                located.path.display()
            )
        }
    }
}
