//! `import`: fetch every configured account, convert, leave out what the
//! ledger already holds, write Beancount.

use gocardless::statement::{GoCardlessRecords, balances, statement};
use importer::dedup::fetch_window;
use importer::{Balance, Input, Run};

use crate::cli::ImportArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::fetching::{self, AccountData};
use crate::ui;

/// Runs the import.
pub fn run(ctx: &Context, args: &ImportArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    crate::output::guard_against_overwriting(args.output.as_deref(), &args.existing)?;
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
    let now = ctx.clock.now();

    let ledger = crate::pipeline::ledger(&args.existing, &config)?;
    let mut run = Run::new(&config, ledger.as_ref(), today);
    run.dedup.mark_duplicates = args.mark_duplicates;
    run.dedup.write_opens = !args.no_open;
    let plan: Vec<_> = accounts
        .iter()
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
    let results = fetching::fetch_all(&client, &plan, now);

    let mut data: Vec<AccountData> = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(d) => data.push(d),
            Err(f) => failures.push(f),
        }
    }
    if data.is_empty() {
        anyhow::bail!(
            "no account could be fetched ({} failed, see above); nothing written",
            failures.len()
        );
    }

    let institutions = crate::pipeline::account_metadata(&mut run, &config, &client);
    let all_presets = crate::presets::load(&located, &config)?;
    let chosen = crate::pipeline::presets(&all_presets, &config, &institutions)?;
    // Only what the bank said just now tells which pending entries it no
    // longer lists.
    run.dedup.fetched = plan
        .iter()
        .filter_map(|p| {
            let d = data.iter().find(|d| d.account.id == p.account.id)?;
            if d.transactions.source.is_stale() {
                return None;
            }
            let from = p.from.unwrap_or(today);
            let fetched_on = crate::fetching::local_day(d.transactions.fetched_at);
            let to = p.to.map_or(fetched_on, |t| t.min(fetched_on));
            Some((p.account.account.clone(), (from, to)))
        })
        .collect();
    let prepared: Vec<(GoCardlessRecords<'_>, Vec<Balance>)> = data
        .iter()
        .map(|d| {
            (
                GoCardlessRecords::new(&d.transactions.value),
                balances_for_window(d, args.selection.until, today),
            )
        })
        .collect();
    let inputs: Vec<Input<'_>> = data
        .iter()
        .zip(&prepared)
        .map(|(d, (records, balances))| {
            let mut statement = statement(records, balances);
            statement.fetched_at = Some(d.transactions.fetched_at);
            Input {
                account: &d.account,
                statement,
                adjust: crate::pipeline::adjust_of(&config, &chosen, &d.account),
            }
        })
        .collect();
    let imported = run.import(&inputs);
    crate::output::write(args.output.as_deref(), &imported.text)?;
    let outcome = crate::pipeline::report(&imported, args.mark_duplicates);
    if !failures.is_empty() {
        let names: Vec<&str> = failures.iter().map(|f| f.label.as_str()).collect();
        ui::error_line(format!(
            "{} of {} accounts failed ({}): the others were written; what to do is said above",
            failures.len(),
            failures.len() + data.len(),
            names.join(", ")
        ));
        return Ok(Outcome::Partial);
    }
    Ok(outcome)
}

/// The balances to assert, or none when `--until` ends the window before
/// the last completed day: the bank's current balance would not hold for a
/// ledger missing the days after `--until`.
fn balances_for_window(
    d: &AccountData,
    until: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Vec<Balance> {
    if until.is_some_and(|u| u < today - chrono::Duration::days(1)) {
        tracing::info!(
            "{}: no balance assertion: --until ends before yesterday",
            d.account.label()
        );
        return Vec::new();
    }
    d.balances
        .as_ref()
        .map(|b| {
            let mut all = balances(&b.value);
            for x in &mut all {
                x.fetched_at = Some(b.fetched_at);
            }
            all
        })
        .unwrap_or_default()
}
