//! `export`: the ledger's bank and card accounts pushed to accounting
//! software as bank feeds, through Codat (`docs/codat.md`).
//!
//! For each export of the configuration: its settings checked, the ledger
//! read into each account's feed, and either the plan shown (`--dry-run`,
//! no request) or the export run with the store as its memory of what was
//! pushed. Everything the server says reaches the terminal through
//! [`source::terminal::line`].

use std::fmt::{self, Write as _};

use anyhow::Context as _;
use codat::{AccountPlan, AccountReport, ExportSettings, Feed, Plan, PushStatus, Rules};
use importer::Config;
use importer::ledger::{Ledger, LedgerOptions};

use crate::cli::ExportArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::push_log::StorePushLog;
use crate::table::{Cell, Table};
use crate::ui;

/// Runs `export`.
pub fn run(ctx: &Context, args: &ExportArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let exports = settings(&config, args.export.as_deref())?;
    let ledger = Ledger::load_with(
        &args.ledger,
        &LedgerOptions {
            id_keys: crate::sources::id_keys(&config),
        },
    )
    .map_err(|e| usage(e.to_string()))?;
    let path = crate::connect::store_path(&located, &config)?;
    tracing::info!("store: {}", path.display());
    let store = store::Store::open(&path)?;
    let mut rules = Rules::new(ctx.today());
    if let Some(since) = args.since {
        rules = rules.since(since);
    }

    let mut outcome = Outcome::Success;
    let mut plans = Vec::new();
    for settings in &exports {
        let feed = Feed::read(&ledger, &settings.accounts);
        let mut log = StorePushLog::new(store.clone(), &settings.name);
        if args.dry_run {
            let plan = Plan::build(&feed, &log, rules, &[])
                .with_context(|| format!("export {}", settings.name))?;
            if !plan.is_clean() {
                outcome = Outcome::Partial;
            }
            plans.push((settings.name.as_str(), plan));
            continue;
        }
        let client = settings
            .client()
            .map_err(|e| usage(format!("export {}: {e}", settings.name)))?;
        match codat::export(&client, settings, &feed, &mut log, rules) {
            Ok(report) => {
                for account in &report.accounts {
                    print_report(&settings.name, account);
                }
                if !report.is_clean() {
                    outcome = Outcome::Partial;
                }
            }
            // With one export, its failure is the run's; with several, the
            // others still go.
            Err(e) if exports.len() == 1 => {
                return Err(anyhow::Error::new(e).context(format!("export {}", settings.name)));
            }
            Err(e) => {
                ui::error_line(format!("export {}: {e}", settings.name));
                outcome = Outcome::Partial;
            }
        }
    }
    if args.dry_run {
        print_plans(&plans, args.json)?;
    }
    Ok(outcome)
}

/// The exports to run: `only`, or every Codat export of the configuration.
fn settings(config: &Config, only: Option<&str>) -> anyhow::Result<Vec<ExportSettings>> {
    let chosen: Vec<_> = match only {
        Some(name) => match config.export(name) {
            Some(e) => vec![e],
            None => {
                let names: Vec<_> = config.exports.iter().map(|e| e.name.as_str()).collect();
                return Err(usage(format!(
                    "{}: no export is named {name:?} under `exports:` (there are: {})",
                    config.origin,
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                )));
            }
        },
        None => config.exports.iter().collect(),
    };
    if chosen.is_empty() {
        return Err(usage(format!(
            "{}: nothing to export: add an `exports:` section (see \"Export to accounting \
             software\" in the README)",
            config.origin
        )));
    }
    chosen
        .into_iter()
        .map(|e| {
            ExportSettings::from_export(e).map_err(|e| usage(format!("{}: {e}", config.origin)))
        })
        .collect()
}

/// The plans of a dry run on stdout: tables, or JSON.
fn print_plans(plans: &[(&str, Plan)], json: bool) -> anyhow::Result<()> {
    if json {
        let out: Vec<_> = plans
            .iter()
            .map(|(name, plan)| serde_json::json!({ "export": name, "plan": plan }))
            .collect();
        let text = serde_json::to_string_pretty(&out)? + "\n";
        return crate::output::write(None, &text);
    }
    let color = ui::color_stdout();
    let mut text = String::new();
    for (name, plan) in plans {
        for account in &plan.accounts {
            render_plan(&mut text, name, account, color)?;
        }
    }
    crate::output::write(None, &text)
}

/// One account's plan as text: what to push as a table, then what not
/// and why.
fn render_plan(out: &mut String, export: &str, plan: &AccountPlan, color: bool) -> fmt::Result {
    let shown = |s: &str| source::terminal::line(s).into_owned();
    writeln!(
        out,
        "{} → {export} source account {}{}",
        shown(&plan.account),
        shown(&plan.source_account_id),
        plan.currency
            .as_deref()
            .map(|c| format!(" ({})", shown(c)))
            .unwrap_or_default()
    )?;
    if let Some(p) = &plan.problem {
        writeln!(out, "  not exported: {}", shown(p))?;
    }
    writeln!(
        out,
        "  already pushed: {}; in flight: {}; balance today: {}",
        plan.already_pushed, plan.in_flight, plan.balance
    )?;
    if plan.push.is_empty() {
        writeln!(out, "  nothing to push")?;
    } else {
        if let Some(b) = plan.opening_balance {
            writeln!(out, "  balance before the first: {b}")?;
        }
        let mut table = Table::new(&[
            "DATE",
            "AMOUNT",
            "BALANCE",
            "DESCRIPTION",
            "COUNTERPARTY",
            "LEDGER",
        ]);
        for t in &plan.push {
            table.row(vec![
                Cell::from(t.date.to_string()),
                Cell::from(t.amount.to_string()),
                Cell::from(t.balance.to_string()),
                Cell::from(shown(&t.description)),
                Cell::from(shown(t.counterparty.as_deref().unwrap_or(""))),
                Cell::from(shown(&t.location.to_string())),
            ]);
        }
        out.push_str(&table.render(2, color));
        writeln!(out, "  {} to push", plan.push.len())?;
    }
    if let Some(h) = &plan.history {
        writeln!(out, "  {}", shown(&h.to_string()))?;
    }
    for e in &plan.excluded {
        writeln!(out, "  not pushed: {}", shown(&e.to_string()))?;
    }
    for c in &plan.changed {
        writeln!(out, "  changed: {}", shown(&c.to_string()))?;
    }
    for n in &plan.notices {
        writeln!(out, "  notice: {}", shown(&n.to_string()))?;
    }
    Ok(())
}

/// What an export did for one account, on stderr.
fn print_report(export: &str, report: &AccountReport) {
    let plan = &report.plan;
    let line = |s: String| source::terminal::line(&s).into_owned();
    let head = format!(
        "{} → {export} source account {}",
        plan.account, plan.source_account_id
    );
    if report.created {
        ui::info(line(format!("{head}: source account created")));
    }
    if let Some(p) = &plan.problem {
        ui::error_line(line(format!("{head}: not exported: {p}")));
    }
    for push in &report.pushes {
        let span = match (push.from, push.through) {
            (Some(f), Some(t)) if f != t => format!(" ({f} to {t})"),
            (Some(f), _) => format!(" ({f})"),
            _ => String::new(),
        };
        let what = format!(
            "{head}: {}push of {} transactions{span}: {}",
            if push.resumed { "resumed " } else { "" },
            push.transactions,
            push.status
        );
        if push.status == PushStatus::Success {
            ui::info(line(what));
        } else {
            let msg = push
                .error_message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            ui::error_line(line(format!("{what}{msg}")));
        }
        for r in &push.rejections {
            ui::error_line(line(format!("{head}: rejected: {r}")));
        }
        for w in &push.warnings {
            ui::warn(line(format!("{head}: Codat warns: {w}")));
        }
    }
    let outcome = line(format!("{head}: {}", report.outcome));
    if report.outcome == codat::AccountOutcome::UpToDate {
        ui::info(outcome);
    } else {
        ui::warn(outcome);
    }
    if let Some(h) = &plan.history {
        ui::info(line(format!("{head}: {h}")));
    }
    for e in &plan.excluded {
        let text = line(format!("{head}: not pushed: {e}"));
        match e.reason.kind() {
            codat::ExclusionKind::Problem => ui::error_line(text),
            _ => ui::note(text),
        }
    }
    for c in &plan.changed {
        ui::warn(line(format!("{head}: {c}")));
    }
    for n in &plan.notices {
        ui::note(line(format!("{head}: {n}")));
    }
}
