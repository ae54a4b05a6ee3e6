//! `fetch`: fetch into the store only, and optionally archive GoCardless'
//! raw responses as the files `extract` reads.

use std::path::Path;

use anyhow::Context as _;

use importer::{AccountConfig, SourceConfig};

use crate::cli::FetchArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::fetching;
use crate::sources::{Opening, Reach};
use crate::ui;

/// Fetches the selected accounts of every source.
pub fn run(ctx: &Context, args: &FetchArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let accounts = fetching::select(&config, &args.selection)?;
    let today = ctx.today();
    let now = ctx.clock.now();
    if let Some(dir) = &args.archive {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let options = importer::dedup::DedupOptions::from_config(&config.dedup);
    let plan_of = |a: &AccountConfig| {
        let window = importer::dedup::fetch_window(a, None, today, None, &options);
        fetching::plan(a, &args.selection, window.from)
    };
    let (mut fetched, mut failed) = (0, 0);

    // GoCardless through its cached client: its raw responses are what
    // `--archive` keeps.
    let of_gocardless = |a: &&AccountConfig| {
        crate::sources::of(&config, a).is_some_and(|s| s.provider == gocardless::PROVIDER)
    };
    let plan: Vec<_> = accounts.iter().filter(of_gocardless).map(plan_of).collect();
    if !plan.is_empty() {
        let store = crate::connect::open_store(ctx, &located, &config)?;
        let client = crate::connect::cached(
            ctx,
            &located,
            &config,
            &store,
            args.selection.offline,
            args.selection.refresh,
        )?;
        let client = if args.archive.is_some() {
            client.keeping_bodies()
        } else {
            client
        };
        for r in &fetching::fetch_all(&client, &plan, now) {
            let Ok(d) = r else {
                failed += 1;
                continue;
            };
            fetched += 1;
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
    }

    // Every other source through the seam: each keeps what it fetched in
    // its part of the store, as `import` does.
    let others: Vec<&SourceConfig> = config
        .sources
        .iter()
        .filter(|s| s.provider != gocardless::PROVIDER)
        .filter(|s| accounts.iter().any(|a| a.source == s.name))
        .collect();
    if !others.is_empty() {
        if args.archive.is_some() {
            ui::note(format!(
                "--archive keeps GoCardless responses only; source{} {} not archived",
                if others.len() == 1 { "" } else { "s" },
                others
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let file = crate::connect::open_store_file(&located, &config)?;
        let opening = Opening {
            ctx,
            located: &located,
            config: &config,
            store: &file,
            reach: Reach {
                offline: args.selection.offline,
                refresh: args.selection.refresh,
                since: args.selection.since,
                until: args.selection.until,
            },
        };
        for s in others {
            let source = match crate::sources::open(&opening, s) {
                Ok(source) => source,
                Err(e) => {
                    ui::error_line(format!(
                        "source {}: {e:#}; its accounts are left out",
                        s.name
                    ));
                    failed += accounts.iter().filter(|a| a.source == s.name).count();
                    continue;
                }
            };
            let plan: Vec<_> = accounts
                .iter()
                .filter(|a| a.source == s.name)
                .map(plan_of)
                .collect();
            for r in source.fetch(&plan, now) {
                let Ok(f) = r else {
                    failed += 1;
                    continue;
                };
                fetched += 1;
                ui::info(format!(
                    "{}: {} transactions{}",
                    f.account.label(),
                    f.data.records().len(),
                    if f.listed.is_some() {
                        ""
                    } else {
                        " (stored, stale)"
                    }
                ));
            }
            // What the source remembers once its data is kept (Plaid's
            // cursor, with the transactions it moved past).
            source.commit()?;
        }
    }
    if fetched == 0 && failed > 0 {
        anyhow::bail!("no account could be fetched (see above)");
    }
    Ok(if failed > 0 {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}

fn archive(dir: &Path, id: &str, what: &str, body: &Option<String>) -> anyhow::Result<()> {
    let body = body.as_deref().with_context(|| {
        format!(
            "{id}: the {what} answer came without its text, so it cannot be archived; this \
                 is a bug of gc-beancount, please report it"
        )
    })?;
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
