//! `extract PATH...`: convert stored GoCardless responses given as files,
//! with no network and no credentials.

use importer::Entry;
use importer::extract::{convert_all_with, load_files};

use crate::cli::ExtractArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};

/// Converts the files and writes Beancount to stdout or `-o`.
pub fn run(ctx: &Context, args: &ExtractArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    crate::output::guard_against_overwriting(args.output.as_deref(), &args.existing)?;
    let existing = crate::dedupe::Existing::load(&args.existing, &config)?;
    let data = load_files(&args.paths).map_err(|e| usage(e.to_string()))?;
    let stored = crate::connect::existing_store_offline(ctx, &located, &config);
    let categorizer = crate::categorize::build(&config, existing.as_ref(), stored.as_ref());
    let extracted = convert_all_with(&config, &data, ctx.today(), &categorizer);
    let settings = crate::dedupe::Settings {
        mark_duplicates: args.mark_duplicates,
        no_open: args.no_open,
        // The files hold what the bank sent: their own dates are the window.
        fetched: Default::default(),
        config: &config,
    };
    let (text, outputs) = crate::dedupe::render(extracted.outputs, existing.as_ref(), settings);
    crate::output::write(args.output.as_deref(), &text)?;

    for problem in &extracted.problems {
        crate::ui::warn(problem.to_string());
    }
    let unconfigured = data.iter().any(|d| config.account(&d.account_id).is_none());
    let unreadable = data.iter().any(|d| !d.unreadable.is_empty());
    let invalid = outputs
        .iter()
        .flat_map(|o| &o.entries)
        .filter(|e| matches!(e, Entry::Invalid(_)))
        .count();
    if invalid > 0 {
        crate::ui::warn(format!(
            "{invalid} transaction{} could not be converted: written as comments holding the raw \
             JSON; see the reasons above",
            if invalid == 1 { "" } else { "s" }
        ));
    }
    Ok(if invalid > 0 || unconfigured || unreadable {
        Outcome::Unconverted
    } else {
        Outcome::Success
    })
}
