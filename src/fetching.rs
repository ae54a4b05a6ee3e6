//! Fetching every selected account through the store, several at once,
//! keeping each account's failure to itself.

use chrono::{DateTime, NaiveDate, Utc};
use gocardless::store::{CacheError, Cached, CachedClient, Source};
use gocardless::{BalancesResponse, TransactionsResponse};
use importer::{AccountConfig, Config};

use crate::cli::FetchSelection;
use crate::exit::usage;
use crate::progress::Progress;
use crate::ui;

/// What was fetched for one account.
pub struct AccountData {
    /// The account.
    pub account: AccountConfig,
    /// Its transactions for the window.
    pub transactions: Cached<TransactionsResponse>,
    /// Its balances; `None` when they could not be had (said on stderr).
    pub balances: Option<Cached<BalancesResponse>>,
}

/// An account that could not be fetched.
pub struct AccountFailure {
    /// The account's name or id (why, and what to do, went to stderr as it
    /// happened).
    pub label: String,
}

/// One account to fetch and its window.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The account.
    pub account: AccountConfig,
    /// The first day asked for.
    pub from: Option<NaiveDate>,
    /// The last day asked for (open when `None`).
    pub to: Option<NaiveDate>,
}

/// The accounts `--account` selects (all when none is given), in
/// configuration order; an unknown name or id is a usage error listing the
/// known ones.
pub fn select(config: &Config, selection: &FetchSelection) -> anyhow::Result<Vec<AccountConfig>> {
    if config.accounts.is_empty() && !crate::sources::imports_without_accounts(config) {
        return Err(usage(format!(
            "{}: no accounts configured; `gc-beancount link --bank INSTITUTION_ID --wait` prints the \
             `accounts:` block to add",
            config.origin
        )));
    }
    if let (Some(since), Some(until)) = (selection.since, selection.until)
        && since > until
    {
        return Err(usage(format!("--since {since} is after --until {until}")));
    }
    if selection.accounts.is_empty() {
        return Ok(config.accounts.clone());
    }
    let mut chosen: Vec<AccountConfig> = Vec::new();
    for key in &selection.accounts {
        let Some(a) = config.account(key.trim()) else {
            let known: Vec<String> = config
                .accounts
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{n} ({})", a.id),
                    None => a.id.clone(),
                })
                .collect();
            return Err(usage(format!(
                "--account {key}: no configured account has this name or id (configured: {})",
                known.join(", ")
            )));
        };
        if !chosen.iter().any(|c| c.id == a.id) {
            chosen.push(a.clone());
        }
    }
    // Configuration order, whatever the order on the command line.
    chosen.sort_by_key(|c| config.accounts.iter().position(|a| a.id == c.id));
    Ok(chosen)
}

/// The window to ask for: `--since` (else `default_since`, the start of
/// the importer's [`importer::dedup::fetch_window`]) to `--until` (open
/// when not given).
pub fn plan(
    account: &AccountConfig,
    selection: &FetchSelection,
    default_since: NaiveDate,
) -> Planned {
    Planned {
        account: account.clone(),
        from: Some(selection.since.unwrap_or(default_since)),
        to: selection.until,
    }
}

/// Fetches every account (at most [`crate::parallel::DEFAULT_THREADS`] at
/// once) with a progress bar, printing stale-data warnings and failures as
/// they come.
pub fn fetch_all(
    client: &CachedClient,
    accounts: &[Planned],
    now: DateTime<Utc>,
) -> Vec<Result<AccountData, AccountFailure>> {
    let progress = Progress::new(accounts.len(), "fetching");
    let results = crate::parallel::map(accounts, crate::parallel::DEFAULT_THREADS, |p| {
        let account = &p.account;
        progress.start(account.label());
        let result = fetch_one(client, account, p.from, p.to, now, &progress);
        let summary = match &result {
            Ok(d) => format!(
                "{} transactions{}",
                d.transactions.value.transactions.booked.len()
                    + d.transactions.value.transactions.pending.len(),
                if d.transactions.source == Source::Network {
                    ""
                } else {
                    " (stored)"
                }
            ),
            Err(_) => "failed".to_owned(),
        };
        progress.done(account.label(), &summary);
        result
    });
    progress.finish();
    results
}

fn fetch_one(
    client: &CachedClient,
    account: &AccountConfig,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
    progress: &Progress,
) -> Result<AccountData, AccountFailure> {
    let transactions = match client.transactions(&account.id, from, to) {
        Ok(t) => t,
        Err(e) => {
            let message = failure_message(client, account, &e);
            progress.suspend(|| ui::error_line(&message));
            return Err(AccountFailure {
                label: account.label().to_owned(),
            });
        }
    };
    if let Some(w) = stale_warning(
        account,
        "transactions",
        &transactions.source,
        transactions.fetched_at,
        now,
    ) {
        progress.suspend(|| ui::warn(w));
    }
    let balances = match client.balances(&account.id) {
        Ok(b) => {
            if let Some(w) = stale_warning(account, "balances", &b.source, b.fetched_at, now) {
                progress.suspend(|| ui::warn(w));
            }
            Some(b)
        }
        Err(e) => {
            let msg = format!(
                "account {}: no balances, so no balance assertion: {}",
                account.label(),
                describe_cache_error(&e, None)
            );
            progress.suspend(|| ui::warn(msg));
            None
        }
    };
    Ok(AccountData {
        account: account.clone(),
        transactions,
        balances,
    })
}

/// The failure of an account, with what to do. For an expired agreement
/// the bank is looked up (GoCardless' own record, no bank budget) so the
/// `link` command can be given in full.
fn failure_message(client: &CachedClient, account: &AccountConfig, err: &CacheError) -> String {
    let institution = match err {
        CacheError::Api(e) if crate::errors::advice(e, None).is_some() => client
            .metadata(&account.id)
            .ok()
            .and_then(|m| m.value.institution_id),
        _ => None,
    };
    format!(
        "account {} ({}): {}",
        account.label(),
        account.account,
        describe_cache_error(err, institution.as_deref())
    )
}

/// A cached client's error with its advice.
pub fn describe_cache_error(err: &CacheError, institution: Option<&str>) -> String {
    match err {
        CacheError::Api(e) => crate::errors::describe(e, institution),
        other => other.to_string(),
    }
}

/// The warning for data served from the store although it may be out of
/// date: its age, and when the bank can be asked again.
pub fn stale_warning(
    account: &AccountConfig,
    what: &str,
    source: &Source,
    fetched_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<String> {
    let Source::Stale {
        age,
        reset_at,
        reason,
    } = source
    else {
        return None;
    };
    let mut msg = format!(
        "account {}: using the {what} stored {} ago (fetched {}): {reason}",
        account.label(),
        human_duration(*age),
        fetched_at.format("%Y-%m-%d %H:%M UTC"),
    );
    if let Some(at) = reset_at {
        if *at > now {
            msg.push_str(&format!(
                "; the bank can be asked again at {} (in {})",
                at.format("%Y-%m-%d %H:%M UTC"),
                human_duration(*at - now)
            ));
        } else {
            msg.push_str("; the bank can be asked again now");
        }
    }
    Some(msg)
}

/// The day a moment falls on in the user's time zone, as
/// [`crate::context::Context::today`] counts days.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono::Local).date_naive()
}

/// `3 days 4 h`, `5 h 12 min`, `7 min`.
pub fn human_duration(d: chrono::Duration) -> String {
    let mins = d.num_minutes().max(0);
    let (days, hours, m) = (mins / 1440, (mins / 60) % 24, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{m} min"),
        (0, h) => format!("{h} h {m} min"),
        (d, h) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(chrono::Duration::minutes(7)), "7 min");
        assert_eq!(human_duration(chrono::Duration::minutes(312)), "5 h 12 min");
        assert_eq!(human_duration(chrono::Duration::hours(28)), "1 day 4 h");
    }

    #[test]
    fn accounts_are_chosen_by_name_or_id_in_config_order() {
        let config = importer::config::from_str(
            "accounts:\n  - id: a1\n    name: main\n    account: Assets:A\n  - id: b2\n    account: Assets:B\n",
            "c.yaml",
        )
        .unwrap();
        let sel = |keys: &[&str]| FetchSelection {
            accounts: keys.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let ids = |v: Vec<AccountConfig>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(ids(select(&config, &sel(&[])).unwrap()), ["a1", "b2"]);
        assert_eq!(
            ids(select(&config, &sel(&["b2", "main"])).unwrap()),
            ["a1", "b2"]
        );
        let err = select(&config, &sel(&["nope"])).unwrap_err();
        assert!(err.to_string().contains("main (a1)"), "{err}");
        assert_eq!(crate::exit::code_for(&err), crate::exit::USAGE);
    }
}
