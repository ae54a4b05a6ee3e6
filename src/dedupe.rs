//! The step between conversion and output: leave out what the ledger (`-e`)
//! already holds, and tell the user what was left out and why.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use importer::dedup::{DedupOptions, MatchKind, dedup, fetch_window};
use importer::ledger::{Ledger, LedgerOptions};
use importer::{AccountConfig, AccountOutput, Config};

use crate::exit::usage;
use crate::ui;

/// The ledgers given with `-e`, read once.
pub struct Existing {
    ledger: Ledger,
}

impl Existing {
    /// Reads the ledgers (and what they include); `None` when none is given.
    pub fn load(paths: &[PathBuf], config: &Config) -> anyhow::Result<Option<Existing>> {
        if paths.is_empty() {
            return Ok(None);
        }
        let options = LedgerOptions {
            id_keys: config.dedup.id_keys.clone(),
        };
        let ledger = Ledger::load_with(paths, &options).map_err(|e| usage(e.to_string()))?;
        tracing::info!(
            "ledger: {} transactions in {} files ({} lines skipped)",
            ledger.transactions().len(),
            ledger.files().len(),
            ledger.skipped_lines()
        );
        Ok(Some(Existing { ledger }))
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The first day to ask the bank for: the last imported date in the
    /// ledger minus the match window, or the account's `days` of history.
    pub fn since(&self, account: &AccountConfig, config: &Config, today: NaiveDate) -> NaiveDate {
        let opts = DedupOptions::from_config(&config.dedup);
        let w = fetch_window(account, Some(&self.ledger), today, None, &opts);
        match w.last_imported {
            Some(last) => tracing::info!(
                "{}: last imported {last}, fetching from {}",
                account.label(),
                w.from
            ),
            None => tracing::info!(
                "{}: nothing imported yet, fetching from {}",
                account.label(),
                w.from
            ),
        }
        w.from
    }
}

/// How to deduplicate, from the command line.
pub struct Settings<'a> {
    /// `--mark-duplicates`.
    pub mark_duplicates: bool,
    /// `--no-open`.
    pub no_open: bool,
    /// The window fetched per Beancount account.
    pub fetched: HashMap<String, (NaiveDate, NaiveDate)>,
    /// The configuration.
    pub config: &'a Config,
}

/// Deduplicates against the ledger and renders; without a ledger, renders
/// the outputs as they are. Reports on stderr: content matches (with file
/// and line), stale pending entries, one summary line per account.
pub fn render(
    outputs: Vec<AccountOutput>,
    existing: Option<&Existing>,
    settings: Settings<'_>,
) -> (String, Vec<AccountOutput>) {
    let Some(existing) = existing else {
        let text = importer::render::render(&outputs);
        return (text, outputs);
    };
    let mut opts = DedupOptions::from_config(&settings.config.dedup);
    opts.mark_duplicates = settings.mark_duplicates;
    opts.write_opens = !settings.no_open;
    opts.fetched = settings.fetched;
    let mut result = dedup(outputs, &existing.ledger, &opts);
    for d in &result.duplicates {
        match d.by {
            MatchKind::Content => ui::note(format!(
                "{d}: left out{}",
                if opts.mark_duplicates {
                    " (commented)"
                } else {
                    ""
                }
            )),
            MatchKind::Id | MatchKind::Batch => tracing::info!("{d}"),
        }
    }
    for s in &result.stale_pending {
        ui::warn(s.to_string());
    }
    for s in &result.summaries {
        ui::info(s.to_string());
    }
    // Nothing new for an account: no block at all, so a run that finds
    // nothing new prints nothing and `>> ledger` appends nothing.
    result.outputs.retain(|o| !o.entries.is_empty());
    (result.render(), result.outputs)
}
