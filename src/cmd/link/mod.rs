//! `link [--source NAME]`: connects the user's bank accounts through the
//! chosen source, each provider its own way, and prints the `accounts:`
//! block to paste into the configuration.

use importer::{Config, SourceConfig};

use crate::cli::LinkArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};

mod enablebanking;
mod gocardless;
mod gocardless_pro;
mod plaid;
mod simplefin;

/// Links through the source `--source` names, or the only one.
pub fn run(ctx: &Context, args: &LinkArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let source = chosen(&config, args.source.as_deref())?;
    match source.provider.as_str() {
        ::gocardless::PROVIDER => gocardless::run(ctx, &located, &config, args),
        ::plaid::PROVIDER => plaid::run(ctx, &located, &config, source, args),
        ::simplefin::PROVIDER => simplefin::run(ctx, &located, &config, source, args),
        ::gocardless_pro::PROVIDER => gocardless_pro::run(&config, source, args),
        ::enablebanking::PROVIDER => enablebanking::run(ctx, &located, &config, source, args),
        other => Err(usage(format!(
            "{}: source {}: `link` does not support provider {other:?}",
            config.origin, source.name
        ))),
    }
}

/// The source named `name`, or the configuration's only source.
fn chosen<'c>(config: &'c Config, name: Option<&str>) -> anyhow::Result<&'c SourceConfig> {
    let names = || {
        config
            .sources
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(n) => config.source(n).ok_or_else(|| {
            usage(format!(
                "--source {n}: {} has no such source (configured: {})",
                config.origin,
                names()
            ))
        }),
        None => match config.sources.as_slice() {
            [only] => Ok(only),
            [] => Err(usage(format!("{}: no source is configured", config.origin))),
            _ => Err(usage(format!(
                "{} configures several sources ({}): say which with --source NAME",
                config.origin,
                names()
            ))),
        },
    }
}
