//! `link --bank INSTITUTION_ID` for GoCardless: an end-user agreement and
//! a requisition, and the link the user opens to give consent at the bank.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use gocardless::Client;
use gocardless::model::{
    EndUserAgreement, EndUserAgreementRequest, Requisition, RequisitionRequest, RequisitionStatus,
};

use source::terminal::line;
use source::yaml;

use importer::Config;

use crate::cli::LinkArgs;
use crate::config_path::Located;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::ui;

/// What GoCardless grants when a bank refuses longer terms.
const FALLBACK_DAYS: u32 = 90;

/// Creates the agreement and requisition, prints the link, and with
/// `--wait` the `accounts:` block once the user has given consent.
pub fn run(
    ctx: &Context,
    located: &Located,
    config: &Config,
    args: &LinkArgs,
) -> anyhow::Result<Outcome> {
    let Some(bank) = args.bank.as_deref() else {
        return Err(usage(
            "link: --bank INSTITUTION_ID is needed for GoCardless; find the id with \
             `gc-beancount banks --country CC NAME`",
        ));
    };
    let store = crate::connect::open_store(ctx, located, config)?;
    let client = crate::connect::client(ctx, located, config, &store)?;

    let bank = bank.trim();
    let institution = client.institution(bank).map_err(|e| match e {
        gocardless::Error::NotFound { .. } => usage(format!(
            "no bank with id {bank:?}; find its id with `gc-beancount banks --country CC NAME`"
        )),
        e => crate::errors::with_advice(e),
    })?;
    let institution = institution.value;
    let agreement = create_agreement(&client, bank, args, &institution)?;
    ui::info(format!(
        "agreement {}: {} days of history, access for {} days",
        line(&agreement.id),
        agreement
            .max_historical_days
            .map_or("?".into(), |d| d.to_string()),
        agreement
            .access_valid_for_days
            .map_or("?".into(), |d| d.to_string()),
    ));

    let reference = args.reference.clone().unwrap_or_else(|| {
        format!(
            "gc-beancount-{}",
            ctx.clock.now().format("%Y%m%dT%H%M%S%.3f")
        )
    });
    let mut request = RequisitionRequest::new(bank, args.redirect.clone());
    request.agreement = Some(agreement.id.clone());
    request.reference = Some(reference);
    let requisition = client
        .create_requisition(&request)
        .map_err(crate::errors::with_advice)?;
    // The server's text, shown on a terminal: one line, no escapes.
    let link = requisition
        .link
        .as_deref()
        .map(|l| line(l).into_owned())
        .context("GoCardless created the requisition without a link")?;
    let bank_name = line(&institution.name);

    if !args.wait {
        ui::info(format!(
            "requisition {} for {}. Open this link in a browser and give consent at the bank; \
             then `gc-beancount accounts` lists the new accounts:",
            line(&requisition.id),
            bank_name
        ));
        crate::output::write(None, &format!("{link}\n"))?;
        return Ok(Outcome::Success);
    }

    ui::info(format!(
        "requisition {} for {}. Open this link in a browser and give consent at the bank:\n\n  {link}\n\n\
         waiting for the consent (Ctrl-C to stop; `gc-beancount accounts` shows it later too) ...",
        line(&requisition.id),
        bank_name
    ));
    let done = wait(
        &client,
        &requisition.id,
        Duration::from_millis(args.poll_ms),
        Duration::from_secs(args.timeout),
    )?;
    let status = done
        .status
        .clone()
        .unwrap_or(RequisitionStatus::Other("unknown".into()));
    if !status.is_linked() {
        anyhow::bail!(
            "requisition {} ended {} ({}): nothing was linked; run `gc-beancount link --bank {bank}` again",
            line(&done.id),
            line(status.describe()),
            line(&status_code(&status))
        );
    }
    let cached =
        gocardless::store::CachedClient::new(client.clone(), store.clone(), Default::default())?;
    let block = accounts_block(&client, &cached, &done, &institution.name)?;
    ui::info(format!(
        "linked {} account{}. Paste this into {}:",
        done.accounts.len(),
        if done.accounts.len() == 1 { "" } else { "s" },
        located.path.display()
    ));
    crate::output::write(None, &block)?;
    Ok(Outcome::Success)
}

/// The agreement with the longest history and access the bank allows (or
/// what was asked); if the bank refuses, again with 90 days.
fn create_agreement(
    client: &Client,
    bank: &str,
    args: &LinkArgs,
    institution: &gocardless::model::Institution,
) -> anyhow::Result<EndUserAgreement> {
    let history = args
        .history_days
        .or(institution.transaction_total_days)
        .unwrap_or(FALLBACK_DAYS);
    let access = args
        .access_days
        .or(institution.max_access_valid_for_days)
        .unwrap_or(FALLBACK_DAYS);
    let request = |history: u32, access: u32| {
        let mut r = EndUserAgreementRequest::new(bank);
        r.max_historical_days = Some(history);
        r.access_valid_for_days = Some(access);
        r.access_scope = vec!["balances".into(), "details".into(), "transactions".into()];
        r
    };
    match client.create_agreement(&request(history, access)) {
        Ok(a) => Ok(a),
        Err(e @ gocardless::Error::Validation { .. })
            if history > FALLBACK_DAYS || access > FALLBACK_DAYS =>
        {
            let (h, a) = (history.min(FALLBACK_DAYS), access.min(FALLBACK_DAYS));
            ui::warn(format!(
                "the bank refused {history} days of history and {access} of access ({e}); asking for {h} and {a}"
            ));
            client
                .create_agreement(&request(h, a))
                .map_err(crate::errors::with_advice)
        }
        Err(e) => Err(crate::errors::with_advice(e)),
    }
}

/// Polls the requisition until it is linked or can no longer be.
fn wait(
    client: &Client,
    id: &str,
    every: Duration,
    timeout: Duration,
) -> anyhow::Result<Requisition> {
    let start = Instant::now();
    let mut last: Option<RequisitionStatus> = None;
    loop {
        let r = client.requisition(id).map_err(crate::errors::with_advice)?;
        if r.status != last {
            if let Some(s) = &r.status {
                tracing::info!("requisition {}: {}", line(id), line(s.describe()));
            }
            last = r.status.clone();
        }
        match &r.status {
            Some(RequisitionStatus::Linked) => return Ok(r),
            Some(
                RequisitionStatus::Rejected
                | RequisitionStatus::Expired
                | RequisitionStatus::Suspended
                | RequisitionStatus::Error,
            ) => return Ok(r),
            _ => {}
        }
        if start.elapsed() >= timeout {
            anyhow::bail!(
                "requisition {} is still {} after {} s; open the link, or check later with \
                 `gc-beancount accounts`",
                line(id),
                line(r.status.as_ref().map_or("waiting", |s| s.describe())),
                timeout.as_secs()
            );
        }
        std::thread::sleep(every);
    }
}

fn status_code(s: &RequisitionStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The ready-to-paste `accounts:` YAML block for a linked requisition.
///
/// One details request per account (the bank's `details` budget): it is the
/// only place the currency and name are given.
fn accounts_block(
    client: &Client,
    cached: &gocardless::store::CachedClient,
    req: &Requisition,
    bank_name: &str,
) -> anyhow::Result<String> {
    struct Row {
        id: String,
        currency: Option<String>,
        name: Option<String>,
        iban: Option<String>,
        kind: Option<String>,
    }
    let mut rows = Vec::new();
    for id in &req.accounts {
        let meta = client.account_metadata(id).ok().map(|m| m.value);
        // Through the store, so `accounts` can show them without a bank call.
        let details = match cached.details(id) {
            Ok(d) => Some(d.value.account),
            Err(e) => {
                ui::warn(format!("{e}: the block below lacks its currency and name"));
                None
            }
        };
        let d = details.unwrap_or_default();
        rows.push(Row {
            id: id.clone(),
            currency: d.currency.clone(),
            name: d
                .name
                .clone()
                .or(d.display_name.clone())
                .or(d.product.clone())
                .or(meta.as_ref().and_then(|m| m.name.clone())),
            iban: d.iban.clone().or(meta.and_then(|m| m.iban)),
            kind: d.cash_account_type.clone(),
        });
    }
    let mut names: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                crate::suggest::account_name(bank_name, r.currency.as_deref(), r.kind.as_deref()),
                r.name.clone(),
            )
        })
        .collect();
    crate::suggest::disambiguate(&mut names);
    // Bank text and server ids reach the YAML only through `source::yaml`:
    // a line break of YAML 1.1 in a name would start a key of its own.
    let mut out = String::from("accounts:\n");
    for (row, (account, _)) in rows.iter().zip(names) {
        out.push_str(&format!("  - id: {}\n", yaml::scalar(&row.id)));
        out.push_str(&format!("    name: {}\n", crate::suggest::handle(&account)));
        out.push_str(&format!("    account: {account}\n"));
        if let Some(c) = &row.currency {
            out.push_str(&format!("    currency: {}\n", yaml::scalar(c)));
        }
        let about: Vec<&str> = [row.name.as_deref(), row.iban.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !about.is_empty() {
            out.push_str(&format!("    # {}\n", yaml::comment(&about.join(", "))));
        }
    }
    Ok(out)
}
