//! `fetch`: fetch into the store only, and optionally archive the raw
//! responses as the files `extract` reads.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::FetchArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::fetching;
use crate::ui;

/// Fetches the selected accounts.
pub fn run(ctx: &Context, args: &FetchArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let accounts = fetching::select(&config, &args.selection)?;
    let store = crate::connect::open_store(ctx, &located, &config)?;
    let client = crate::connect::cached(
        ctx,
        &located,
        &config,
        &store,
        args.selection.offline,
        args.selection.refresh,
    )?;
    let today = ctx.today();
    if let Some(dir) = &args.archive {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let options = importer::dedup::DedupOptions::from_config(&config.dedup);
    let plan: Vec<_> = accounts
        .iter()
        .map(|a| {
            let window = importer::dedup::fetch_window(a, None, today, None, &options);
            fetching::plan(a, &args.selection, window.from)
        })
        .collect();
    let results = fetching::fetch_all(&client, &plan, ctx.clock.now());
    let mut failed = 0;
    let total = results.len();
    for r in &results {
        let Ok(d) = r else {
            failed += 1;
            continue;
        };
        let t = &d.transactions.value.transactions;
        ui::info(format!(
            "{}: {} booked, {} pending transactions{}",
            d.account.label(),
            t.booked.len(),
            t.pending.len(),
            match &d.transactions.source {
                gocardless::store::Source::Network => "",
                gocardless::store::Source::Fresh => " (stored, still fresh)",
                gocardless::store::Source::Stale { .. } => " (stored, stale)",
            }
        ));
        if let Some(dir) = &args.archive {
            archive(dir, &d.account.id, "transactions", &d.transactions.body)?;
            if let Some(b) = &d.balances {
                archive(dir, &d.account.id, "balances", &b.body)?;
            }
        }
    }
    if failed == total {
        anyhow::bail!("no account could be fetched (see above)");
    }
    Ok(if failed > 0 {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}

fn archive(dir: &Path, id: &str, what: &str, body: &str) -> anyhow::Result<()> {
    // The id names a file: keep it from naming another folder.
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{safe}.{what}.json"));
    // Bank data, as private as the store it comes from.
    crate::output::write_private(&path, body)?;
    tracing::info!("wrote {}", path.display());
    Ok(())
}
