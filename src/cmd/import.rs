//! `import`: fetch every configured account, convert, leave out what the
//! ledger already holds, write Beancount.

use importer::convert::convert_account_with;
use importer::{AccountOutput, Entry};

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

    let existing = crate::dedupe::Existing::load(&args.existing, &config)?;
    let plan: Vec<_> = accounts
        .iter()
        .map(|a| {
            let since = existing.as_ref().map(|e| e.since(a, &config, today));
            fetching::plan(a, &args.selection, since, today)
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

    let categorizer = crate::categorize::build(&config, existing.as_ref(), Some(&client));
    let mut outputs: Vec<AccountOutput> = data
        .iter()
        .map(|d| {
            let balances = balances_for_window(d, args.selection.until, today);
            convert_account_with(
                &d.account,
                &d.transactions.value,
                balances,
                today,
                &categorizer,
            )
        })
        .collect();
    for m in importer::transfer::merge(&mut outputs) {
        tracing::info!(
            "transfer {} -> {} on {}: one entry",
            m.from.0,
            m.to.0,
            m.date
        );
    }
    let fetched = plan
        .iter()
        .map(|p| {
            let from = p.from.unwrap_or(today);
            (p.account.account.clone(), (from, p.to.unwrap_or(today)))
        })
        .collect();
    let settings = crate::dedupe::Settings {
        mark_duplicates: args.mark_duplicates,
        no_open: args.no_open,
        fetched,
        config: &config,
    };
    let (text, outputs) = crate::dedupe::render(outputs, existing.as_ref(), settings);
    crate::output::write(args.output.as_deref(), &text)?;
    finish(&outputs, &failures)
}

/// The balances to assert, or none when `--until` ends the window before
/// the last completed day: the bank's current balance would not hold for a
/// ledger missing the days after `--until`.
fn balances_for_window(
    d: &AccountData,
    until: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Option<&gocardless::BalancesResponse> {
    if until.is_some_and(|u| u < today - chrono::Duration::days(1)) {
        tracing::info!(
            "{}: no balance assertion: --until ends before yesterday",
            d.account.label()
        );
        return None;
    }
    d.balances.as_ref().map(|b| &b.value)
}

/// Reports conversion problems and failures, and decides the exit status.
fn finish(
    outputs: &[AccountOutput],
    failures: &[fetching::AccountFailure],
) -> anyhow::Result<Outcome> {
    let mut invalid = 0;
    for o in outputs {
        for p in &o.problems {
            ui::warn(p.to_string());
        }
        invalid += o
            .entries
            .iter()
            .filter(|e| matches!(e, Entry::Invalid(_)))
            .count();
    }
    if invalid > 0 {
        ui::warn(format!(
            "{invalid} transaction{} could not be converted: written as comments holding the raw \
             JSON; see the reasons above",
            if invalid == 1 { "" } else { "s" }
        ));
    }
    if !failures.is_empty() {
        let names: Vec<&str> = failures.iter().map(|f| f.label.as_str()).collect();
        ui::error_line(format!(
            "{} of {} accounts failed ({}): the others were written; what to do is said above",
            failures.len(),
            failures.len() + outputs.len(),
            names.join(", ")
        ));
        return Ok(Outcome::Partial);
    }
    Ok(if invalid > 0 {
        Outcome::Unconverted
    } else {
        Outcome::Success
    })
}
