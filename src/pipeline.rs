//! The binary's side of the importer's pipeline: reading the ledgers
//! given with `-e`, adding what the store knows (the IBANs of the user's
//! accounts, for transfers), and telling the user on stderr what the run
//! left out and why.

use std::path::PathBuf;

use gocardless::store::CachedClient;
use importer::dedup::MatchKind;
use importer::ledger::{Ledger, LedgerOptions};
use importer::{AccountConfig, AccountOutput, Adjust, Config, Imported, Run};
use presets::{Preset, Presets};

use crate::exit::{Outcome, usage};
use crate::sources::{Fetched, Source};
use crate::ui;

/// Reads the ledgers (and what they include); `None` when none is given.
pub fn ledger(paths: &[PathBuf], config: &Config) -> anyhow::Result<Option<Ledger>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let options = LedgerOptions {
        id_keys: crate::sources::id_keys(config),
    };
    let ledger = Ledger::load_with(paths, &options).map_err(|e| usage(e.to_string()))?;
    tracing::info!(
        "ledger: {} transactions in {} files ({} lines skipped)",
        ledger.transactions().len(),
        ledger.files().len(),
        ledger.skipped_lines()
    );
    Ok(Some(ledger))
}

/// What GoCardless' account metadata (stored, or asked for: it costs none
/// of the bank's budget) tells the run: the IBANs of the configured
/// accounts go to the run's own accounts, so transfers between them are
/// recognised; each account's institution is returned, in configuration
/// order, to choose its bank preset.
pub fn account_metadata(
    run: &mut Run<'_>,
    config: &Config,
    client: &CachedClient,
) -> Vec<Option<String>> {
    let mut institutions = Vec::with_capacity(config.accounts.len());
    for a in &config.accounts {
        match client.metadata(&a.id) {
            Ok(m) => {
                if let Some(iban) = m.value.iban.as_deref() {
                    run.categorizer.own.insert(iban, &a.account);
                }
                institutions.push(m.value.institution_id);
            }
            // Only transfers and the preset go unrecognised; the import
            // goes on.
            Err(e) => {
                tracing::info!(
                    "{}: IBAN and bank unknown ({e}); transfers to it are not recognised",
                    a.label()
                );
                institutions.push(None);
            }
        }
    }
    institutions
}

/// Each configured account's bank preset (in configuration order), from
/// its `preset:` or its institution; `institutions` are
/// [`account_metadata`]'s (empty when no store is at hand).
pub fn presets<'p>(
    presets: &'p Presets,
    config: &Config,
    institutions: &[Option<String>],
) -> anyhow::Result<Vec<Option<&'p Preset>>> {
    config
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let institution = institutions.get(i).and_then(Option::as_deref);
            let chosen = crate::presets::choose(presets, a, institution)?;
            tracing::info!("{}: bank preset {}", a.label(), chosen.describe());
            Ok(chosen.preset())
        })
        .collect()
}

/// The preset of `account` among `chosen` (see [`presets`]), as the
/// pipeline takes it.
pub fn adjust_of<'p>(
    config: &Config,
    chosen: &[Option<&'p Preset>],
    account: &AccountConfig,
) -> Option<&'p dyn Adjust> {
    let i = config.accounts.iter().position(|a| a == account)?;
    chosen[i].map(|p| p as &dyn Adjust)
}

/// Converts each fetched account with its bank preset (`chosen`, see
/// [`presets`]), one account per core: an account's records are freed as
/// soon as it is converted. The outputs are in `fetched`'s order.
pub fn convert(
    run: &Run<'_>,
    config: &Config,
    chosen: &[Option<&Preset>],
    fetched: Vec<(&dyn Source, Fetched)>,
) -> Vec<AccountOutput> {
    let converted = crate::parallel::map(fetched, crate::parallel::cores(), |(source, f)| {
        let records = f.data.records();
        let adjust = adjust_of(config, chosen, &f.account);
        let input = f.input(source, records.as_ref(), adjust);
        run.convert(std::slice::from_ref(&input))
    });
    converted.into_iter().flatten().collect()
}

/// Reports on stderr what the run did: transfers joined, content matches
/// (with file and line), stale pending entries, records that could not be
/// converted, and one summary line per account. The outcome is
/// [`Outcome::Unconverted`] when some record was written as a comment.
pub fn report(imported: &Imported, mark_duplicates: bool) -> Outcome {
    for m in &imported.merged {
        tracing::info!(
            "transfer {} -> {} on {}: one entry",
            m.from.0,
            m.to.0,
            m.date
        );
    }
    for d in &imported.duplicates {
        // A content match is news once: when the bank's transaction is first
        // seen; the days after, while it is still fetched, it is not.
        match d.by {
            MatchKind::Content if d.first_seen => ui::note(format!(
                "{d}: left out{}",
                if mark_duplicates { " (commented)" } else { "" }
            )),
            _ => tracing::info!("{d}"),
        }
    }
    for n in &imported.notes {
        tracing::info!("{n}");
    }
    for s in &imported.stale_pending {
        ui::warn(s.to_string());
    }
    for l in &imported.left_out {
        if l.needs_attention() {
            ui::warn(l.to_string());
        } else {
            tracing::info!("{l}");
        }
    }
    // A day with nothing new says nothing at the default verbosity.
    for s in &imported.summaries {
        if s.new > 0 {
            ui::info(s.to_string());
        } else {
            tracing::info!("{s}");
        }
    }
    for p in imported.problems() {
        ui::warn(p.to_string());
    }
    let invalid = imported.invalid();
    if invalid == 0 {
        return Outcome::Success;
    }
    ui::warn(format!(
        "{invalid} transaction{} could not be converted: written as comments holding the raw \
         JSON; see the reasons above",
        if invalid == 1 { "" } else { "s" }
    ));
    Outcome::Unconverted
}
