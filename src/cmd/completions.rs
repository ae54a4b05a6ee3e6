//! `completions SHELL`: a shell completion script on stdout.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::Outcome;

/// Prints the completion script for the shell.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "gc-beancount", &mut buf);
    crate::output::write(None, &String::from_utf8_lossy(&buf))?;
    Ok(Outcome::Success)
}
