//! `accounts`: every requisition and its accounts, with when access ends.
//!
//! It spends none of the bank's daily budget: requisitions, agreements and
//! account metadata are GoCardless' own records, and the account details
//! (name, currency) come from the store when a previous run fetched them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use gocardless::Client;
use gocardless::model::{AccountDetailsResponse, AccountMetadata, Requisition};
use gocardless::store::{Scope, Store};
use importer::Config;
use serde_json::json;

use crate::cli::AccountsArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::sources::enablebanking as eb;
use crate::table::{Cell, Table};
use crate::ui::{self, Style};

/// Access ending within this many days is highlighted.
const WARN_DAYS: i64 = 14;

/// One requisition as shown.
struct Shown {
    req: Requisition,
    bank_name: Option<String>,
    access_until: Option<DateTime<Utc>>,
    accounts: Vec<AccountShown>,
}

struct AccountShown {
    id: String,
    meta: Option<AccountMetadata>,
    details: Option<AccountDetailsResponse>,
    configured_as: Option<String>,
}

/// Lists requisitions and accounts.
pub fn run(ctx: &Context, args: &AccountsArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let now = ctx.clock.now();
    crate::sources::note_left_out(&config, "accounts");
    let eb = enablebanking_sessions(&located, &config)?;
    if !config
        .sources
        .iter()
        .any(|s| s.provider == gocardless::PROVIDER)
    {
        return print_enablebanking(&eb, &config, now, args.json, String::new(), Vec::new());
    }
    let store = crate::connect::open_store(ctx, &located, &config)?;
    let client = crate::connect::client(ctx, &located, &config, &store)?;
    let shown = gather(&client, &store, &config)?;

    if args.json {
        let list: Vec<_> = shown.iter().map(|s| to_json(s, now)).collect();
        if !eb.is_empty() {
            return print_enablebanking(&eb, &config, now, true, String::new(), list);
        }
        crate::output::write(None, &format!("{}\n", serde_json::to_string_pretty(&list)?))?;
        return Ok(Outcome::Success);
    }
    if shown.is_empty() && eb.is_empty() {
        ui::info(
            "no requisitions yet: connect a bank with `gc-beancount link --bank INSTITUTION_ID`",
        );
        return Ok(Outcome::Success);
    }
    let color = ui::color_stdout();
    let mut out = String::new();
    for (i, s) in shown.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&render(s, now, color));
    }
    if !eb.is_empty() {
        return print_enablebanking(&eb, &config, now, false, out, Vec::new());
    }
    crate::output::write(None, &out)?;
    Ok(Outcome::Success)
}

/// Each Enable Banking source with the sessions `link` saved for it (the
/// store alone: no request).
fn enablebanking_sessions(
    located: &crate::config_path::Located,
    config: &Config,
) -> anyhow::Result<Vec<(String, Vec<eb::Linked>)>> {
    let sources = eb::sources(config);
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let file = crate::connect::open_store_file(located, config)?;
    sources
        .iter()
        .map(|s| {
            let part = eb::part(config, &file, &s.name)?;
            Ok((s.name.clone(), eb::linked_sessions(&part)?))
        })
        .collect()
}

/// Prints the Enable Banking sessions after what `out` (text) or `list`
/// (JSON) already holds: each bank's consent, when it ends, the command
/// that renews it, and its accounts by the id they are configured by.
fn print_enablebanking(
    sources: &[(String, Vec<eb::Linked>)],
    config: &Config,
    now: DateTime<Utc>,
    json: bool,
    mut out: String,
    mut list: Vec<serde_json::Value>,
) -> anyhow::Result<Outcome> {
    let configured_as = |hash: &str| {
        config
            .accounts
            .iter()
            .find(|c| c.id.trim() == hash)
            .map(|c| c.account.clone())
    };
    if json {
        for (source, sessions) in sources {
            for s in sessions {
                list.push(json!({
                    "provider": enablebanking::PROVIDER,
                    "source": source,
                    "bank": s.aspsp.name,
                    "country": s.aspsp.country,
                    "linked": s.linked_at.to_rfc3339(),
                    "access_until": s.valid_until.map(|u| u.to_rfc3339()),
                    "access_days_left": s.valid_until.map(|u| days_left(u, now)),
                    "relink": eb::relink_command(source, &s.aspsp),
                    "accounts": s.accounts.iter().map(|a| json!({
                        "id": a.hash,
                        "iban": a.iban,
                        "name": a.name,
                        "currency": a.currency,
                        "type": a.kind,
                        "configured_as": configured_as(&a.hash),
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        crate::output::write(None, &format!("{}\n", serde_json::to_string_pretty(&list)?))?;
        return Ok(Outcome::Success);
    }
    let color = ui::color_stdout();
    for (source, sessions) in sources {
        if sessions.is_empty() {
            ui::info(format!(
                "source {source}: no bank linked yet; `gc-beancount link --source {source} \
                 --country CC` lists the banks"
            ));
        }
        for s in sessions {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!(
                "{} {} ({}), source {}\n",
                ui::paint("session", Style::Bold, color),
                line(&s.aspsp.name),
                line(&s.aspsp.country),
                line(source)
            ));
            out.push_str(&format!(
                "  linked:       {}\n",
                s.linked_at.format("%Y-%m-%d")
            ));
            let access = match s.valid_until {
                None => "-".to_owned(),
                Some(u) => match eb::access_text(u, now) {
                    (text, None) => ui::paint(&text, Style::Red, color),
                    (text, Some(true)) => ui::paint(&text, Style::Yellow, color),
                    (text, Some(false)) => text,
                },
            };
            out.push_str(&format!("  access until: {access}\n"));
            out.push_str(&format!(
                "  re-link with: {}\n",
                ui::command(&line(&eb::relink_command(source, &s.aspsp)), color)
            ));
            let mut table = Table::new(&["ID", "IBAN", "NAME", "CURRENCY", "CONFIGURED AS"]);
            for a in &s.accounts {
                let text = |v: &Option<String>| line(v.as_deref().unwrap_or("-")).into_owned();
                table.row(vec![
                    line(&a.hash).into_owned().into(),
                    text(&a.iban).into(),
                    text(&a.name).into(),
                    text(&a.currency).into(),
                    configured_as(&a.hash)
                        .map_or_else(|| Cell::styled("(not configured)", Style::Dim), Cell::from),
                ]);
            }
            out.push('\n');
            out.push_str(&table.render(2, color));
        }
    }
    crate::output::write(None, &out)?;
    Ok(Outcome::Success)
}

fn gather(client: &Client, store: &Store, config: &Config) -> anyhow::Result<Vec<Shown>> {
    let requisitions = client.requisitions().map_err(crate::errors::with_advice)?;
    let mut bank_names: HashMap<String, Option<String>> = HashMap::new();
    let mut shown = Vec::new();
    for req in requisitions {
        let bank_name = bank_names
            .entry(req.institution_id.clone())
            .or_insert_with(|| {
                client
                    .institution(&req.institution_id)
                    .ok()
                    .map(|i| i.value.name)
            })
            .clone();
        let access_until = req
            .agreement
            .as_deref()
            .and_then(|id| match client.agreement(id) {
                Ok(a) => {
                    let start = a.accepted.or(a.created)?;
                    Some(
                        start.with_timezone(&Utc)
                            + Duration::days(i64::from(a.access_valid_for_days?)),
                    )
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    None
                }
            });
        let accounts = req
            .accounts
            .iter()
            .map(|id| AccountShown {
                id: id.clone(),
                meta: client
                    .account_metadata(id)
                    .map(|m| m.value)
                    .map_err(|e| tracing::warn!("{e}"))
                    .ok(),
                details: stored_details(store, id),
                configured_as: config.account(id).map(|a| a.account.clone()),
            })
            .collect();
        shown.push(Shown {
            req,
            bank_name,
            access_until,
            accounts,
        });
    }
    Ok(shown)
}

/// The account's details as last fetched, if ever: never a budgeted call.
fn stored_details(store: &Store, id: &str) -> Option<AccountDetailsResponse> {
    let stored = store
        .latest_response(id, Scope::Details)
        .map_err(|e| tracing::warn!("{e}"))
        .ok()??;
    serde_json::from_str(&stored.body).ok()
}

fn days_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_days()
}

/// The server's text, on a terminal: one line, escapes shown.
fn line(text: &str) -> std::borrow::Cow<'_, str> {
    source::terminal::line(text)
}

fn render(s: &Shown, now: DateTime<Utc>, color: bool) -> String {
    let req = &s.req;
    let status = line(req.status.as_ref().map_or("unknown", |st| st.describe()));
    let institution = line(&req.institution_id);
    let bank = match &s.bank_name {
        Some(n) => format!("{} ({institution})", line(n)),
        None => institution.to_string(),
    };
    let mut out = format!(
        "{} {}\n",
        ui::paint("requisition", Style::Bold, color),
        line(&req.id)
    );
    out.push_str(&format!("  bank:         {bank}\n"));
    let status_style = if req.status.as_ref().is_some_and(|st| st.is_linked()) {
        Style::Green
    } else {
        Style::Yellow
    };
    out.push_str(&format!(
        "  status:       {}\n",
        ui::paint(&status, status_style, color)
    ));
    out.push_str(&format!(
        "  reference:    {}\n",
        line(req.reference.as_deref().unwrap_or("-"))
    ));
    out.push_str(&format!(
        "  created:      {}\n",
        req.created
            .map_or("-".to_owned(), |c| c.format("%Y-%m-%d").to_string())
    ));
    match s.access_until {
        Some(until) => {
            let left = days_left(until, now);
            let line = if left < 0 {
                ui::paint(
                    &format!("{} (ended {} days ago)", until.format("%Y-%m-%d"), -left),
                    Style::Red,
                    color,
                )
            } else if left <= WARN_DAYS {
                ui::paint(
                    &format!("{} (ends in {left} days)", until.format("%Y-%m-%d")),
                    Style::Yellow,
                    color,
                )
            } else {
                format!("{} ({left} days left)", until.format("%Y-%m-%d"))
            };
            out.push_str(&format!("  access until: {line}\n"));
            if left <= WARN_DAYS {
                out.push_str(&format!(
                    "  renew with:   {}\n",
                    ui::command(
                        &format!("gc-beancount link --bank {institution} --wait"),
                        color
                    )
                ));
            }
        }
        None => out.push_str("  access until: -\n"),
    }
    if s.accounts.is_empty() {
        out.push_str("  no accounts (the link has not been used yet)\n");
        return out;
    }
    let mut table = Table::new(&[
        "ACCOUNT",
        "IBAN",
        "NAME",
        "CURRENCY",
        "STATUS",
        "CONFIGURED AS",
    ]);
    for a in &s.accounts {
        let d = a.details.as_ref().map(|d| &d.account);
        let iban = a
            .meta
            .as_ref()
            .and_then(|m| m.iban.clone())
            .or_else(|| d.and_then(|d| d.iban.clone()));
        let name = d
            .and_then(|d| {
                d.name
                    .clone()
                    .or(d.display_name.clone())
                    .or(d.product.clone())
            })
            .or_else(|| a.meta.as_ref().and_then(|m| m.name.clone()));
        let status = a
            .meta
            .as_ref()
            .and_then(|m| m.status.as_ref())
            .and_then(|st| serde_json::to_value(st).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "?".to_owned());
        let status_cell = if status == "READY" {
            Cell::from(status)
        } else {
            Cell::styled(status, Style::Yellow)
        };
        table.row(vec![
            a.id.as_str().into(),
            iban.unwrap_or_else(|| "-".into()).into(),
            name.unwrap_or_else(|| "-".into()).into(),
            d.and_then(|d| d.currency.clone())
                .unwrap_or_else(|| "-".into())
                .into(),
            status_cell,
            a.configured_as
                .clone()
                .map_or_else(|| Cell::styled("(not configured)", Style::Dim), Cell::from),
        ]);
    }
    out.push('\n');
    out.push_str(&table.render(2, color));
    out
}

fn to_json(s: &Shown, now: DateTime<Utc>) -> serde_json::Value {
    let req = &s.req;
    let left = s.access_until.map(|u| days_left(u, now));
    json!({
        "requisition_id": req.id,
        "institution_id": req.institution_id,
        "institution_name": s.bank_name,
        "status": req.status,
        "reference": req.reference,
        "created": req.created.map(|c| c.to_rfc3339()),
        "access_until": s.access_until.map(|u| u.to_rfc3339()),
        "access_days_left": left,
        "renew": left.filter(|l| *l <= WARN_DAYS).map(|_| format!("gc-beancount link --bank {} --wait", req.institution_id)),
        "accounts": s.accounts.iter().map(|a| {
            let d = a.details.as_ref().map(|d| &d.account);
            json!({
                "id": a.id,
                "iban": a.meta.as_ref().and_then(|m| m.iban.clone()).or_else(|| d.and_then(|d| d.iban.clone())),
                "name": d.and_then(|d| d.name.clone()).or_else(|| a.meta.as_ref().and_then(|m| m.name.clone())),
                "currency": d.and_then(|d| d.currency.clone()),
                "status": a.meta.as_ref().and_then(|m| m.status.clone()),
                "configured_as": a.configured_as,
            })
        }).collect::<Vec<_>>(),
    })
}
