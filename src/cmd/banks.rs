//! `banks [--country CC] [QUERY]`: the institutions GoCardless connects to.

use gocardless::model::{Institution, InstitutionFilter};
use serde_json::json;

use crate::cli::BanksArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::table::Table;

/// Lists the banks matching the filters.
pub fn run(ctx: &Context, args: &BanksArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let store = crate::connect::open_store(ctx, &located, &config)?;
    // Through the store: the list changes rarely, so it is kept for the TTL.
    let client = crate::connect::cached(ctx, &located, &config, &store, false, false)?;
    let filter = InstitutionFilter {
        country: args.country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
        ..InstitutionFilter::default()
    };
    let banks = client
        .institutions(&filter)
        .map_err(crate::errors::cache_error)?
        .value;
    let query = args.query.as_deref().map(str::to_lowercase);
    let banks: Vec<&Institution> = banks
        .iter()
        .filter(|b| query.as_deref().is_none_or(|q| matches(b, q)))
        .collect();

    if args.json {
        let list: Vec<_> = banks
            .iter()
            .map(|b| {
                json!({
                    "id": b.id,
                    "name": b.name,
                    "bic": b.bic,
                    "countries": b.countries,
                    "transaction_total_days": b.transaction_total_days,
                    "max_access_valid_for_days": b.max_access_valid_for_days,
                })
            })
            .collect();
        crate::output::write(None, &format!("{}\n", serde_json::to_string_pretty(&list)?))?;
        return Ok(Outcome::Success);
    }
    if banks.is_empty() {
        crate::ui::warn("no bank matches; try a shorter QUERY or another --country");
        return Ok(Outcome::Success);
    }
    let mut table = Table::new(&[
        "ID",
        "NAME",
        "BIC",
        "COUNTRIES",
        "HISTORY DAYS",
        "ACCESS DAYS",
    ]);
    for b in &banks {
        table.row(vec![
            b.id.as_str().into(),
            b.name.as_str().into(),
            b.bic.clone().unwrap_or_default().into(),
            b.countries.join(",").into(),
            days(b.transaction_total_days).into(),
            days(b.max_access_valid_for_days).into(),
        ]);
    }
    crate::output::write(None, &table.render(0, crate::ui::color_stdout()))?;
    Ok(Outcome::Success)
}

fn days(d: Option<u32>) -> String {
    d.map_or_else(|| "?".to_owned(), |d| d.to_string())
}

/// A case-insensitive substring of the name, id or BIC.
fn matches(bank: &Institution, query: &str) -> bool {
    bank.name.to_lowercase().contains(query)
        || bank.id.to_lowercase().contains(query)
        || bank
            .bic
            .as_deref()
            .is_some_and(|b| b.to_lowercase().contains(query))
}
