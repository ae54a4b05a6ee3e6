//! `config check`: load and validate the configuration, show what was
//! resolved (secrets masked), open every source (its settings and
//! credentials checked), and check every GoCardless account with
//! GoCardless.

use gocardless::Secret;
use importer::config::{BalanceMode, DateMode, FallbackAccount, PendingMode};

use crate::cli::ConfigCheckArgs;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::ui::{self, Style};

/// Validates the configuration and prints what it resolved to.
pub fn check(ctx: &Context, args: &ConfigCheckArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let store = crate::connect::store_path(&located, &config)?;
    let app = crate::settings::app(&config)?;
    let has_gocardless = config
        .sources
        .iter()
        .any(|s| s.provider == gocardless::PROVIDER);
    let settings = if has_gocardless {
        Some(crate::settings::gocardless(&config)?)
    } else {
        None
    };
    let mut out = String::new();
    let line = |out: &mut String, k: &str, v: &str| out.push_str(&format!("{k:<12}{v}\n"));
    line(
        &mut out,
        "file:",
        &format!("{} (from {})", located.path.display(), located.how),
    );
    for s in &config.sources {
        line(
            &mut out,
            "source:",
            &format!(
                "{} (provider {}{})",
                s.name,
                s.provider,
                if s.implicit {
                    ", from the top-level secret_id/secret_key"
                } else {
                    ""
                }
            ),
        );
    }
    if let Some(settings) = &settings {
        line(
            &mut out,
            "secret_id:",
            &settings
                .secret_id
                .as_deref()
                .map_or("(not set)".to_owned(), |s| Secret::new(s).masked()),
        );
        line(
            &mut out,
            "secret_key:",
            &settings
                .secret_key
                .as_ref()
                .map_or("(not set)".to_owned(), Secret::masked),
        );
        line(
            &mut out,
            "base_url:",
            settings
                .base_url
                .as_deref()
                .unwrap_or(gocardless::DEFAULT_BASE_URL),
        );
        // A base URL is shown only once it is known to carry no credentials.
        if let Some(url) = &settings.base_url
            && let Err(e) = source::base_url(url)
        {
            return Err(usage(format!("{}: {e}", located.path.display())));
        }
    }
    line(&mut out, "store:", &store.display().to_string());
    line(
        &mut out,
        "cache_ttl:",
        &app.cache_ttl
            .map_or("6h (default)".to_owned(), |d| format!("{}s", d.as_secs())),
    );
    line(
        &mut out,
        "rules:",
        &format!("{} global", config.rules.len()),
    );
    line(
        &mut out,
        "dedup:",
        &format!(
            "±{} days, ids in {}",
            config.dedup.window_days,
            config.dedup.id_keys.join(", ")
        ),
    );
    line(
        &mut out,
        "opening:",
        &format!(
            "{} from {}",
            match config.opening.mode {
                importer::config::OpeningMode::Exact => "exact",
                importer::config::OpeningMode::Pad => "pad",
            },
            config.opening.account
        ),
    );
    line(
        &mut out,
        "reconcile:",
        &format!(
            "±{} days, tolerance {}, cancelled: {}",
            config.reconcile.window_days,
            match config.reconcile.tolerance {
                importer::config::Tolerance::Percent(p) => format!("{p}%"),
                importer::config::Tolerance::Amount(a) => a.to_string(),
            },
            match config.reconcile.cancelled {
                importer::config::CancelledMode::Comment => "comment",
                importer::config::CancelledMode::Remove => "remove",
            }
        ),
    );
    line(&mut out, "accounts:", &config.accounts.len().to_string());
    // The bank of each account, as far as the store already knows it.
    let institutions = crate::connect::existing_store_offline(ctx, &located, &config)
        .map(|client| crate::presets::institutions(&config, &client))
        .unwrap_or_default();
    let all_presets = crate::presets::load(&located, &config)?;
    for (i, a) in config.accounts.iter().enumerate() {
        out.push_str(&format!("  - id: {}\n", a.id));
        if let Some(n) = &a.name {
            out.push_str(&format!("    name: {n}\n"));
        }
        out.push_str(&format!("    account: {}\n", a.account));
        if let Some(c) = &a.currency {
            out.push_str(&format!("    currency: {c}\n"));
        }
        out.push_str(&format!(
            "    pending: {}, date: {}, balance: {}, fallback_account: {}\n",
            match a.pending {
                PendingMode::Flag => "flag",
                PendingMode::Skip => "skip",
            },
            match a.date {
                DateMode::Booking => "booking",
                DateMode::Value => "value",
                DateMode::Transaction => "transaction",
            },
            match &a.balance {
                BalanceMode::Auto => "auto".to_owned(),
                BalanceMode::None => "none".to_owned(),
                BalanceMode::Type(t) => serde_json::to_value(t)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("{t:?}")),
            },
            match &a.fallback_account {
                FallbackAccount::Uncategorized =>
                    "Expenses:Uncategorized / Income:Uncategorized".to_owned(),
                FallbackAccount::Account(acc) => acc.clone(),
                FallbackAccount::None => "none".to_owned(),
            },
        ));
        if !a.rules.is_empty() {
            out.push_str(&format!("    rules: {}\n", a.rules.len()));
        }
        if let Some(d) = a.days {
            out.push_str(&format!("    days: {d}\n"));
        }
        let institution = institutions.get(i).and_then(Option::as_deref);
        let chosen = crate::presets::choose(&all_presets, a, institution)?;
        out.push_str(&format!("    preset: {}\n", chosen.describe()));
    }
    crate::output::write(None, &out)?;

    // What `import` would refuse is not called valid.
    if config.accounts.is_empty() && !crate::sources::imports_without_accounts(&config) {
        return Err(usage(format!(
            "{}: no accounts configured, so `import` has nothing to do; \
             `gc-beancount link --bank INSTITUTION_ID --wait` prints the `accounts:` block to add",
            located.path.display()
        )));
    }
    // Every other source opened as `import` opens it: its settings, key
    // files and stored credentials checked; nothing is asked before a
    // fetch.
    let file = crate::connect::open_store_file(&located, &config)?;
    let opening = crate::sources::Opening {
        ctx,
        located: &located,
        config: &config,
        store: &file,
        reach: crate::sources::Reach::default(),
    };
    for s in config
        .sources
        .iter()
        .filter(|s| s.provider != gocardless::PROVIDER)
    {
        crate::sources::open(&opening, s).map_err(|e| {
            usage(format!(
                "{}: source {}: {e:#}",
                located.path.display(),
                s.name
            ))
        })?;
        ui::info(format!("source {}: settings read", s.name));
    }
    if !has_gocardless {
        ui::info("the configuration is valid");
        return Ok(Outcome::Success);
    }
    if args.offline {
        ui::info("the configuration is valid (accounts not checked with GoCardless: --offline)");
        return Ok(Outcome::Success);
    }
    let store = crate::connect::gocardless_part(ctx, &file);
    let client = crate::connect::client(ctx, &located, &config, &store)?;
    let mut missing = 0;
    let mut failed = 0;
    let color = ui::color_stderr();
    let gocardless_accounts: Vec<_> = config
        .accounts
        .iter()
        .filter(|a| {
            crate::sources::of(&config, a).is_some_and(|s| s.provider == gocardless::PROVIDER)
        })
        .collect();
    for a in &gocardless_accounts {
        // Metadata is GoCardless' own record: it costs none of the bank's budget.
        match client.account_metadata(&a.id) {
            Ok(m) => {
                let status = m
                    .value
                    .status
                    .as_ref()
                    .and_then(|s| serde_json::to_value(s).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "?".into());
                let bank = source::terminal::line(m.value.institution_id.as_deref().unwrap_or("?"));
                let status = source::terminal::line(&status);
                ui::info(format!(
                    "{} {}: {bank}, {status}",
                    ui::paint("ok", Style::Green, color),
                    a.label()
                ));
            }
            Err(e) => {
                if matches!(e, gocardless::Error::NotFound { .. }) {
                    missing += 1;
                } else {
                    failed += 1;
                }
                ui::info(format!(
                    "{} {}: {}",
                    ui::paint("FAILED", Style::Red, color),
                    a.label(),
                    crate::errors::describe(&e, None)
                ));
            }
        }
    }
    if missing > 0 {
        return Err(usage(format!(
            "{}: {missing} configured account(s) do not exist at GoCardless",
            located.path.display()
        )));
    }
    if failed > 0 {
        anyhow::bail!("{failed} account(s) could not be checked");
    }
    ui::info(format!(
        "the configuration is valid and its {} GoCardless account(s) exist",
        gocardless_accounts.len()
    ));
    Ok(Outcome::Success)
}
