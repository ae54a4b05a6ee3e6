//! `reconcile -e LEDGER… [--dry-run] [PATH…]`: brings the pending entries
//! of the user's ledger in line with what the bank says now, in place.
//!
//! What changes is decided by [`importer::reconcile`]; here the data is
//! fetched (through the store, like `import`, only for accounts with
//! pending entries) or read from response files, and the files are
//! written: each only if it has not changed since it was read, atomically,
//! with the previous version kept next to it as `.NAME.bak`. `--dry-run`
//! prints a unified diff instead.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{Days, NaiveDate};
use gocardless::files::{Prepared, load_files};
use importer::reconcile::{ReconcileOptions, edit, plan};
use importer::{AccountConfig, AccountOutput, Run};

use crate::cli::{FetchSelection, ReconcileArgs};
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::fetching::Planned;
use crate::sources::{self, Opening, Reach};
use crate::ui;

/// Runs `reconcile`.
pub fn run(ctx: &Context, args: &ReconcileArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let selection = FetchSelection {
        accounts: args.accounts.clone(),
        offline: args.offline,
        refresh: args.refresh,
        ..FetchSelection::default()
    };
    let accounts = crate::fetching::select(&config, &selection)?;
    let ledger = crate::pipeline::ledger(&args.existing, &config)?
        .expect("-e is required by the command line");
    let today = ctx.today();
    let mut opts = ReconcileOptions::from_config(&config.reconcile);

    // Only accounts with pending entries need the bank's data: a day with
    // nothing pending asks nobody.
    let pending: Vec<(&AccountConfig, NaiveDate)> = accounts
        .iter()
        .filter_map(|a| {
            let first = ledger
                .pending_postings(&a.account)
                .map(|p| p.transaction().date())
                .min()?;
            Some((a, first))
        })
        .collect();
    if pending.is_empty() {
        tracing::info!("no pending entries in the ledger: nothing to reconcile");
        return Ok(Outcome::Success);
    }

    let mut run = Run::new(&config, Some(&ledger), today);
    let all_presets = crate::presets::load(&located, &config)?;
    let mut failed = 0;
    let outputs: Vec<AccountOutput> = if args.paths.is_empty() {
        let store = crate::connect::open_store_file(&located, &config)?;
        let opening = Opening {
            ctx,
            located: &located,
            config: &config,
            store: &store,
            reach: Reach {
                offline: args.offline,
                refresh: args.refresh,
                ..Reach::default()
            },
        };
        let with_pending: Vec<AccountConfig> = pending.iter().map(|(a, _)| (*a).clone()).collect();
        let (opened, unopened) = sources::open_for(&opening, &with_pending, &selection);
        failed += unopened.len();
        // The entries are converted as `import` converted them: with the
        // account's bank preset.
        let institutions = sources::facts(&mut run, &config, &opened);
        let chosen = crate::pipeline::presets(&all_presets, &config, &institutions)?;
        let now = ctx.clock.now();
        let mut fetched = Vec::new();
        for source in &opened {
            let plan: Vec<Planned> = pending
                .iter()
                .filter(|(a, _)| a.source == source.name())
                .map(|(account, first)| {
                    let from = first
                        .checked_sub_days(Days::new(u64::from(opts.window_days)))
                        .unwrap_or(*first)
                        .min(today);
                    tracing::info!(
                        "{}: pending entries from {first}, fetching from {from}",
                        account.label()
                    );
                    Planned {
                        account: (*account).clone(),
                        from: Some(from),
                        to: None,
                    }
                })
                .collect();
            if plan.is_empty() {
                continue;
            }
            for r in source.fetch(&plan, now) {
                let Ok(mut f) = r else {
                    failed += 1;
                    continue;
                };
                // What the bank said at the moment of the run: what it no
                // longer lists is gone.
                if let Some(listed) = f.listed {
                    opts.covered.insert(f.account.account.clone(), listed);
                }
                // No balance assertion: reconcile only rewrites pending
                // entries.
                f.balances.clear();
                fetched.push((source.as_ref(), f));
            }
        }
        let outputs = crate::pipeline::convert(&run, &config, &chosen, fetched);
        if failed > 0 {
            ui::warn(format!(
                "{failed} account{} could not be fetched: {} pending entries are left as they are",
                if failed == 1 { "" } else { "s" },
                if failed == 1 { "its" } else { "their" }
            ));
        }
        outputs
    } else {
        let data = load_files(&args.paths).map_err(|e| usage(e.to_string()))?;
        let institutions = match crate::connect::existing_store_offline(ctx, &located, &config) {
            Some(client) => crate::pipeline::account_metadata(&mut run, &config, &client),
            None => Vec::new(),
        };
        let chosen = crate::pipeline::presets(&all_presets, &config, &institutions)?;
        let prepared = Prepared::new(&config, &data);
        let outputs: Vec<AccountOutput> = run
            .convert(&prepared.inputs(|a| crate::pipeline::adjust_of(&config, &chosen, a)))
            .into_iter()
            .filter(|o| pending.iter().any(|(a, _)| a.id == o.account.id))
            .collect();
        // Files tell no moment: what they hold reaches back to their first
        // entry.
        for o in &outputs {
            if let Some(first) = o.entries.iter().filter_map(|e| e.date()).min() {
                opts.covered
                    .insert(o.account.account.clone(), (first, today));
            }
        }
        outputs
    };

    let plan = plan(&ledger, &outputs, &opts);
    for r in &plan.refused {
        ui::warn(r.to_string());
    }
    for u in &plan.unresolved {
        tracing::info!("{u}");
    }
    let outcome = if failed > 0 {
        Outcome::Partial
    } else {
        Outcome::Success
    };
    if plan.is_empty() {
        tracing::info!("the pending entries agree with the bank: nothing to change");
        return Ok(outcome);
    }

    // Every file edited in memory first: one that does not match what was
    // read stops the run before anything is written.
    let mut edited: Vec<(PathBuf, String, String)> = Vec::new();
    for file in plan.files() {
        let before = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let after = edit(&before, file, &plan, config.reconcile.cancelled, today)?;
        edited.push((file.to_path_buf(), before, after));
    }
    if args.dry_run {
        let mut out = String::new();
        for (path, before, after) in &edited {
            let name = path.display().to_string();
            out.push_str(
                &similar::TextDiff::from_lines(before, after)
                    .unified_diff()
                    .context_radius(3)
                    .header(&name, &name)
                    .to_string(),
            );
        }
        crate::output::write(None, &out)?;
        return Ok(outcome);
    }
    for (path, before, _) in &edited {
        unchanged_since_read(path, before)?;
    }
    for (path, before, after) in &edited {
        let backup = backup_path(path);
        std::fs::write(&backup, before)
            .with_context(|| format!("cannot write the backup {}", backup.display()))?;
        // Once more just before replacing it: an editor may have saved it
        // meanwhile.
        unchanged_since_read(path, before)?;
        crate::output::write(Some(path), after)?;
        tracing::info!(
            "{}: written (the previous version is {})",
            path.display(),
            backup.display()
        );
    }
    for c in &plan.changes {
        ui::note(format!("reconciled {c}"));
    }
    for b in &plan.balances {
        ui::note(format!("adjusted {b}"));
    }
    Ok(outcome)
}

/// Fails when `path` no longer holds `read`.
fn unchanged_since_read(path: &Path, read: &str) -> anyhow::Result<()> {
    let now = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if now != read.as_bytes() {
        anyhow::bail!(
            "{} changed while reconcile ran: nothing was written; run reconcile again",
            path.display()
        );
    }
    Ok(())
}

/// `.NAME.bak` in the same folder: hidden, so `include "*.beancount"`
/// globs never read it.
fn backup_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.bak"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_hidden_next_to_the_file() {
        assert_eq!(
            backup_path(Path::new("/l/main.beancount")),
            Path::new("/l/.main.beancount.bak")
        );
        assert_eq!(backup_path(Path::new("x.bean")), Path::new(".x.bean.bak"));
    }

    #[test]
    fn a_changed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.bean");
        std::fs::write(&path, "a\n").unwrap();
        unchanged_since_read(&path, "a\n").unwrap();
        let err = unchanged_since_read(&path, "b\n").unwrap_err();
        assert!(err.to_string().contains("run reconcile again"), "{err}");
    }
}
