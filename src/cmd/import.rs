//! `import`: fetch every configured account from its source, convert,
//! leave out what the ledger already holds, write Beancount.

use importer::Run;
use importer::dedup::fetch_window;

use crate::cli::ImportArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::fetching::{self, Planned};
use crate::sources::{self, Fetched, Opening, Reach};
use crate::ui;

/// Runs the import.
pub fn run(ctx: &Context, args: &ImportArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    crate::output::guard_against_overwriting(args.output.as_deref(), &args.existing)?;
    let accounts = fetching::select(&config, &args.selection)?;
    let store = crate::connect::open_store_file(&located, &config)?;
    let today = ctx.today();
    let now = ctx.clock.now();

    let ledger = crate::pipeline::ledger(&args.existing, &config)?;
    let mut run = Run::new(&config, ledger.as_ref(), today);
    run.dedup.mark_duplicates = args.mark_duplicates;
    run.dedup.write_opens = !args.no_open;

    let opening = Opening {
        ctx,
        located: &located,
        config: &config,
        store: &store,
        reach: Reach {
            offline: args.selection.offline,
            refresh: args.selection.refresh,
            since: args.selection.since,
            until: args.selection.until,
        },
    };
    let (opened, mut failures) = sources::open_for(&opening, &accounts, &args.selection);

    let mut fetched: Vec<(usize, Fetched)> = Vec::new();
    for (i, source) in opened.iter().enumerate() {
        let plan: Vec<Planned> = accounts
            .iter()
            .filter(|a| a.source == source.name())
            .map(|a| {
                let window = fetch_window(a, ledger.as_ref(), today, None, &run.dedup);
                match window.last_imported {
                    Some(last) => tracing::info!(
                        "{}: last imported {last}, fetching from {}",
                        a.label(),
                        window.from
                    ),
                    None => tracing::info!(
                        "{}: nothing imported yet, fetching from {}",
                        a.label(),
                        window.from
                    ),
                }
                fetching::plan(a, &args.selection, window.from)
            })
            .collect();
        if plan.is_empty() {
            continue;
        }
        for r in source.fetch(&plan, now) {
            match r {
                Ok(f) => fetched.push((i, f)),
                Err(f) => failures.push(f),
            }
        }
    }
    if fetched.is_empty() && !failures.is_empty() {
        anyhow::bail!(
            "no account could be fetched ({} failed, see above); nothing written",
            failures.len()
        );
    }
    // The bank's current balance would not hold for a ledger missing the
    // days after `--until`.
    if args
        .selection
        .until
        .is_some_and(|u| u < today - chrono::Duration::days(1))
    {
        for (_, f) in &mut fetched {
            if !f.balances.is_empty() {
                tracing::info!(
                    "{}: no balance assertion: --until ends before yesterday",
                    f.account.label()
                );
                f.balances.clear();
            }
        }
    }

    let institutions = sources::facts(&mut run, &config, &opened);
    let all_presets = crate::presets::load(&located, &config)?;
    let chosen = crate::pipeline::presets(&all_presets, &config, &institutions)?;
    // Only what the bank said just now tells which pending entries it no
    // longer lists.
    run.dedup.fetched = fetched
        .iter()
        .filter_map(|(_, f)| Some((f.account.account.clone(), f.listed?)))
        .collect();
    let listed: Vec<_> = opened.iter().flat_map(|s| s.listed_days(&run)).collect();
    run.dedup.fetched.extend(listed);

    let mut built = Vec::new();
    for source in &opened {
        match source.outputs(&run) {
            Ok(o) => built.extend(o),
            Err(e) => {
                ui::error_line(format!("source {}: {e:#}", source.name()));
                failures.push(fetching::AccountFailure {
                    label: source.name().to_owned(),
                });
            }
        }
    }

    let accounts_fetched = fetched.len();
    let fetched = fetched
        .into_iter()
        .map(|(i, f)| (opened[i].as_ref(), f))
        .collect();
    let mut outputs = crate::pipeline::convert(&run, &config, &chosen, fetched);
    outputs.extend(built);
    let imported = run.import_outputs(outputs);
    crate::output::write_with(args.output.as_deref(), &mut |out| imported.write(out))?;
    for source in &opened {
        if let Err(e) = source.commit() {
            ui::warn(format!(
                "source {}: {e:#}; the next import fetches the same again and leaves out what \
                 is already written",
                source.name()
            ));
        }
    }
    let outcome = crate::pipeline::report(&imported, args.mark_duplicates);
    if !failures.is_empty() {
        let names: Vec<&str> = failures.iter().map(|f| f.label.as_str()).collect();
        ui::error_line(format!(
            "{} of {} accounts failed ({}): the others were written; what to do is said above",
            failures.len(),
            failures.len() + accounts_fetched,
            names.join(", ")
        ));
        return Ok(Outcome::Partial);
    }
    Ok(outcome)
}
