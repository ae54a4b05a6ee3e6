//! `rules test [-e LEDGER] [PATH...]`: which rule (or learned category,
//! transfer, fallback) decides each transaction, without importing.

use gocardless::files::{Prepared, StoredResponses, load_files, problems};
use gocardless::store::{Scope, Store};
use gocardless::{BalancesResponse, TransactionsResponse};
use importer::Run;

use crate::cli::RulesTestArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::ui;

/// Shows the decision for every transaction of the files, or of the data
/// last fetched into the store when no file is given.
pub fn test(ctx: &Context, args: &RulesTestArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let ledger = crate::pipeline::ledger(&args.existing, &config)?;
    let (data, store) = if args.paths.is_empty() {
        let store = crate::connect::open_store(ctx, &located, &config)?;
        (stored_data(&store, &config)?, Some(store))
    } else {
        (
            load_files(&args.paths).map_err(|e| usage(e.to_string()))?,
            None,
        )
    };
    let mut run = Run::new(&config, ledger.as_ref(), ctx.today());
    let institutions = match &store {
        Some(s) => {
            let offline = crate::connect::cached(ctx, &located, &config, s, true, false)?;
            crate::pipeline::account_metadata(&mut run, &config, &offline)
        }
        None => Vec::new(),
    };
    let all_presets = crate::presets::load(&located, &config)?;
    let chosen = crate::pipeline::presets(&all_presets, &config, &institutions)?;
    let prepared = Prepared::new(&config, &data);
    let inputs = prepared.inputs(|a| crate::pipeline::adjust_of(&config, &chosen, a));
    run.decisions = importer::Decisions::All;
    let report = importer::rules::report::test(&run.convert(&inputs));
    for p in problems(&config, &data).iter().chain(&report.problems) {
        ui::warn(p.to_string());
    }
    crate::output::write(None, &report.to_string())?;
    Ok(Outcome::Success)
}

/// The newest stored responses of every configured account.
fn stored_data(store: &Store, config: &importer::Config) -> anyhow::Result<Vec<StoredResponses>> {
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
        data.push(StoredResponses {
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
