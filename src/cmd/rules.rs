//! `rules test [-e LEDGER] [PATH...]`: which rule (or learned category,
//! transfer, fallback) decides each transaction, without importing.

use std::collections::HashMap;

use gocardless::store::{Scope, Store};
use gocardless::{BalancesResponse, TransactionsResponse};
use importer::entry::{Entry, MetaValue, TransactionEntry};
use importer::extract::{AccountData, convert_all_with, load_files};
use importer::rules::{By, Decision};

use crate::cli::RulesTestArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::table::{Cell, Table};
use crate::ui::{self, Style};

/// Shows the decision for every transaction of the files, or of the data
/// last fetched into the store when no file is given.
pub fn test(ctx: &Context, args: &RulesTestArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let existing = crate::dedupe::Existing::load(&args.existing, &config)?;
    let (data, store) = if args.paths.is_empty() {
        let store = crate::connect::open_store(ctx, &located, &config)?;
        (stored_data(&store, &config)?, Some(store))
    } else {
        (
            load_files(&args.paths).map_err(|e| usage(e.to_string()))?,
            None,
        )
    };
    let offline = match &store {
        Some(s) => Some(crate::connect::cached(
            ctx, &located, &config, s, true, false,
        )?),
        None => None,
    };
    let categorizer = crate::categorize::build(&config, existing.as_ref(), offline.as_ref());
    let extracted = convert_all_with(&config, &data, ctx.today(), &categorizer);
    let color = ui::color_stdout();
    let mut out = String::new();
    for o in &extracted.outputs {
        let decisions: HashMap<&str, &Decision> = o
            .categorized
            .iter()
            .map(|c| (c.id.as_str(), &c.decision))
            .collect();
        let mut table = Table::new(&[
            "DATE",
            "AMOUNT",
            "PAYEE / NARRATION",
            "ACCOUNT",
            "DECIDED BY",
        ]);
        let mut shown = std::collections::HashSet::new();
        for e in &o.entries {
            let Entry::Transaction(t) = e else { continue };
            let Some(id) = bank_id(t, &o.account.account) else {
                continue;
            };
            let Some(d) = decisions.get(id.as_str()) else {
                continue;
            };
            shown.insert(id.clone());
            let amount = t
                .postings
                .iter()
                .find(|p| p.account == o.account.account)
                .and_then(|p| p.units.as_ref())
                .map_or(String::new(), |u| format!("{} {}", u.number, u.currency));
            let text = match &t.payee {
                Some(p) => format!("{p} / {}", t.narration),
                None => t.narration.clone(),
            };
            table.row(vec![
                t.date.to_string().into(),
                amount.into(),
                truncate(&text, 50).into(),
                d.account.clone().unwrap_or_else(|| "(none)".into()).into(),
                by(d),
            ]);
        }
        for c in &o.categorized {
            if c.decision.skip && !shown.contains(&c.id) {
                table.row(vec![
                    "".into(),
                    "".into(),
                    format!("transaction {}", c.id).into(),
                    "".into(),
                    Cell::styled(
                        format!("skipped by {}", rule_name(&c.decision)),
                        Style::Yellow,
                    ),
                ]);
            }
        }
        out.push_str(&format!(
            "{} ({})\n",
            ui::paint(&o.account.account, Style::Bold, color),
            o.account.label()
        ));
        if table.is_empty() {
            out.push_str("  no transactions\n\n");
        } else {
            out.push_str(&table.render(2, color));
            out.push('\n');
        }
    }
    for p in &extracted.problems {
        ui::warn(p.to_string());
    }
    crate::output::write(None, &out)?;
    Ok(Outcome::Success)
}

fn by(d: &Decision) -> Cell {
    let rule = d.rule.as_ref().map(|r| r.to_string());
    let text = match (&d.by, &rule) {
        (By::Rule, Some(r)) => r.clone(),
        (By::Rule, None) => "rule".to_owned(),
        (By::Learned { confidence, method }, _) => {
            format!("learned ({method}, {:.0}%)", confidence * 100.0)
        }
        (By::Transfer, _) => "transfer (own account)".to_owned(),
        (By::Fallback, _) => "no rule: fallback".to_owned(),
    };
    let text = match (&d.by, &rule) {
        (By::Rule, _) | (_, None) => text,
        (_, Some(r)) => format!("{text}; texts by {r}"),
    };
    match d.by {
        By::Fallback => Cell::styled(text, Style::Dim),
        By::Learned { .. } => Cell::styled(text, Style::Yellow),
        _ => Cell::styled(text, Style::Green),
    }
}

fn rule_name(d: &Decision) -> String {
    d.rule
        .as_ref()
        .map_or("a rule".to_owned(), |r| r.to_string())
}

/// The `gocardless_id` of the entry's posting on `account`.
fn bank_id(t: &TransactionEntry, account: &str) -> Option<String> {
    t.postings
        .iter()
        .filter(|p| p.account == account)
        .find_map(|p| {
            p.meta
                .iter()
                .find(|(k, _)| k == importer::convert::ID_KEY)
                .map(|(_, v)| match v {
                    MetaValue::String(s) => s.clone(),
                    other => other.as_text(),
                })
        })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(n - 1).collect();
    t.push('…');
    t
}

/// The newest stored responses of every configured account.
fn stored_data(store: &Store, config: &importer::Config) -> anyhow::Result<Vec<AccountData>> {
    let mut data = Vec::new();
    for a in &config.accounts {
        let Some(t) = store.latest_response(&a.id, Scope::Transactions)? else {
            ui::warn(format!(
                "account {}: nothing stored yet (run `gc-beancount fetch`)",
                a.label()
            ));
            continue;
        };
        let transactions: TransactionsResponse = serde_json::from_str(&t.body)?;
        let balances = match store.latest_response(&a.id, Scope::Balances)? {
            Some(b) => serde_json::from_str::<BalancesResponse>(&b.body).ok(),
            None => None,
        };
        data.push(AccountData {
            account_id: a.id.clone(),
            transactions,
            balances,
            unreadable: Vec::new(),
        });
    }
    if data.is_empty() {
        return Err(usage(
            "nothing stored to test the rules on: give response files, or run `gc-beancount fetch` first",
        ));
    }
    Ok(data)
}
