//! `extract PATH...`: convert stored GoCardless responses given as files,
//! with no network and no credentials.

use gocardless::files::{Prepared, load_files, problems};
use importer::Run;

use crate::cli::ExtractArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};

/// Converts the files and writes Beancount to stdout or `-o`.
pub fn run(ctx: &Context, args: &ExtractArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    crate::output::guard_against_overwriting(args.output.as_deref(), &args.existing)?;
    let ledger = crate::pipeline::ledger(&args.existing, &config)?;
    let data = load_files(&args.paths).map_err(|e| usage(e.to_string()))?;
    let mut run = Run::new(&config, ledger.as_ref(), ctx.today());
    run.dedup.mark_duplicates = args.mark_duplicates;
    run.dedup.write_opens = !args.no_open;
    let institutions = match crate::connect::existing_store_offline(ctx, &located, &config) {
        Some(client) => crate::pipeline::account_metadata(&mut run, &config, &client),
        None => Vec::new(),
    };
    let all_presets = crate::presets::load(&located, &config)?;
    let chosen = crate::pipeline::presets(&all_presets, &config, &institutions)?;
    let problems = problems(&config, &data);
    let prepared = Prepared::new(&config, &data);
    let imported =
        run.import(&prepared.inputs(|a| crate::pipeline::adjust_of(&config, &chosen, a)));
    crate::output::write_with(args.output.as_deref(), &mut |out| imported.write(out))?;
    for p in &problems {
        crate::ui::warn(p.to_string());
    }
    let outcome = crate::pipeline::report(&imported, args.mark_duplicates);
    Ok(if problems.is_empty() {
        outcome
    } else {
        Outcome::Unconverted
    })
}
