//! The configuration's sources behind one seam: each provider's module
//! fetches its accounts (through the store) and hands back owned data that
//! the importer's pipeline reads; `import` and `reconcile` know no
//! provider.
//!
//! Data flows one way: [`Source::fetch`] → [`Fetched`] →
//! [`importer::Statement`] → the pipeline → the output written →
//! [`Source::commit`] (what a source may only remember once the user has
//! the entries, such as Plaid's sync cursor).

use chrono::{DateTime, NaiveDate, Utc};
use importer::{AccountConfig, AccountOutput, Balance, Config, Records, SourceConfig};

use crate::config_path::Located;
use crate::context::Context;
use crate::exit::usage;
pub use crate::fetching::AccountFailure;
use crate::fetching::Planned;

pub(crate) mod enablebanking;
mod gocardless;
mod gocardless_pro;
pub(crate) mod plaid;
pub mod simplefin;

/// How far a command lets a source reach: the network, and the days.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reach {
    /// Never touch the network: answer from the store only.
    pub offline: bool,
    /// Ask the bank even when the store holds a fresh answer.
    pub refresh: bool,
    /// The first and last day asked for (`--since`, `--until`), for a
    /// source whose entries no configured account plans (GoCardless Pro's
    /// payouts); accounts get theirs through [`Planned`].
    pub since: Option<NaiveDate>,
    /// See `since`.
    pub until: Option<NaiveDate>,
}

/// What a command needs to open a source.
pub struct Opening<'a> {
    /// The run's context (clock, global options).
    pub ctx: &'a Context,
    /// Where the configuration was found.
    pub located: &'a Located,
    /// The configuration.
    pub config: &'a Config,
    /// The store shared by every source.
    pub store: &'a store::Store,
    /// How far the source may reach.
    pub reach: Reach,
}

/// One account's data as a source fetched it.
pub struct Fetched {
    /// The account.
    pub account: AccountConfig,
    /// Its transaction records.
    pub data: Box<dyn AccountData>,
    /// The balances the bank reported, with when they were fetched.
    pub balances: Vec<Balance>,
    /// When the transactions were fetched from the bank.
    pub fetched_at: Option<DateTime<Utc>>,
    /// The days the bank listed in full just now; `None` when the data was
    /// served from the store although out of date. Pending entries in
    /// these days that the bank no longer lists are gone.
    pub listed: Option<(NaiveDate, NaiveDate)>,
}

impl Fetched {
    /// The importer's input for this account: `records` (read from
    /// [`Fetched::data`]) as `source` names them, with the balances, and
    /// the account's bank preset.
    pub fn input<'a>(
        &'a self,
        source: &'a dyn Source,
        records: &'a dyn Records,
        adjust: Option<&'a dyn importer::Adjust>,
    ) -> importer::Input<'a> {
        importer::Input {
            account: &self.account,
            statement: importer::Statement {
                source: source.label(),
                id_key: source.id_key(),
                records,
                balances: &self.balances,
                fetched_at: self.fetched_at,
            },
            adjust,
        }
    }
}

/// A fetched account's owned data, read as the importer's records.
pub trait AccountData: Send + Sync {
    /// The records, borrowing the data.
    fn records(&self) -> Box<dyn Records + '_>;
}

/// Facts a source knows about a configured account without asking the
/// bank: its IBAN (for own transfers) and its bank (for presets).
#[derive(Debug, Clone, Default)]
pub struct AccountFacts {
    /// The account's IBAN.
    pub iban: Option<String>,
    /// The bank's institution id, as presets name it.
    pub institution: Option<String>,
}

/// A configured source. `Sync`: the accounts it fetched are converted on
/// several threads at once, each naming its source.
pub trait Source: Sync {
    /// Its key under `sources:`.
    fn name(&self) -> &str;

    /// Who the data comes from, for headings (`GoCardless`).
    fn label(&self) -> &'static str;

    /// The metadata key its ids are written under.
    fn id_key(&self) -> &'static str;

    /// Fetches every planned account (all of this source), each on its
    /// own: a failure is said on stderr with what to do, and the others go
    /// on.
    fn fetch(&self, plan: &[Planned], now: DateTime<Utc>) -> Vec<Result<Fetched, AccountFailure>>;

    /// What is known of `account` without the bank's budget.
    fn facts(&self, account: &AccountConfig) -> AccountFacts {
        let _ = account;
        AccountFacts::default()
    }

    /// Entries the source builds itself rather than from bank lines (a
    /// GoCardless Pro payout is several postings), for the window each
    /// account of it was planned with.
    ///
    /// # Errors
    /// When nothing could be fetched; the error says what to do.
    fn outputs(&self, run: &importer::Run<'_>) -> anyhow::Result<Vec<AccountOutput>> {
        let _ = run;
        Ok(Vec::new())
    }

    /// The days [`Source::outputs`] lists in full, per Beancount account,
    /// when it asks the provider now: a pending entry there that nothing
    /// it outputs claims is gone. Said before `outputs` is called; an
    /// output that then fails is not judged at all.
    fn listed_days(&self, run: &importer::Run<'_>) -> Vec<(String, (NaiveDate, NaiveDate))> {
        let _ = run;
        Vec::new()
    }

    /// Remembers what may only be remembered once the output is written.
    ///
    /// # Errors
    /// When the store cannot be written.
    fn commit(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The providers this version reads.
pub const PROVIDERS: &[&str] = &[
    ::enablebanking::PROVIDER,
    ::gocardless::PROVIDER,
    ::gocardless_pro::PROVIDER,
    ::plaid::PROVIDER,
    ::simplefin::PROVIDER,
];

/// The metadata keys every provider writes its ids under: the ledger is
/// read for all of them, and the configuration's own.
pub fn id_keys(config: &Config) -> Vec<String> {
    let mut keys = config.dedup.id_keys.clone();
    let keys_of_providers = [
        ::enablebanking::ID_KEY,
        ::gocardless::statement::ID_KEY,
        ::plaid::statement::ID_KEY,
        ::simplefin::statement::ID_KEY,
    ]
    .into_iter()
    .chain(::gocardless_pro::mapping::ID_KEYS);
    for key in keys_of_providers {
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }
    keys
}

/// Checks that every source of the configuration is one this version
/// reads, so that an account of another provider is refused at once.
///
/// # Errors
/// A usage error naming the source and the providers read.
pub fn check_providers(config: &Config) -> anyhow::Result<()> {
    for s in &config.sources {
        if !PROVIDERS.contains(&s.provider.as_str()) {
            return Err(usage(format!(
                "{}: source {}: provider {:?} is not supported by this version (supported: {})",
                config.origin,
                s.name,
                s.provider,
                PROVIDERS.join(", ")
            )));
        }
    }
    Ok(())
}

/// Whether a configured source imports without `accounts:` entries
/// (GoCardless Pro books every payout the token sees).
pub fn imports_without_accounts(config: &Config) -> bool {
    config
        .sources
        .iter()
        .any(|s| s.provider == ::gocardless_pro::PROVIDER)
}

/// Opens one source.
///
/// # Errors
/// When its settings are wrong or its credentials missing.
pub fn open(opening: &Opening<'_>, source: &SourceConfig) -> anyhow::Result<Box<dyn Source>> {
    match source.provider.as_str() {
        ::gocardless::PROVIDER => Ok(Box::new(gocardless::GoCardless::open(opening, source)?)),
        ::plaid::PROVIDER => Ok(Box::new(plaid::Plaid::open(opening, source)?)),
        ::simplefin::PROVIDER => Ok(Box::new(simplefin::SimpleFin::open(opening, source)?)),
        ::gocardless_pro::PROVIDER => Ok(Box::new(gocardless_pro::GoCardlessPro::open(
            opening, source,
        )?)),
        ::enablebanking::PROVIDER => Ok(Box::new(enablebanking::EnableBanking::open(
            opening, source,
        )?)),
        other => Err(usage(format!(
            "{}: source {}: provider {other:?} is not supported by this version (supported: {})",
            opening.config.origin,
            source.name,
            PROVIDERS.join(", ")
        ))),
    }
}

/// Opens the sources a command reads: those of the selected accounts, in
/// configuration order, and with no `--account` given every configured
/// source (a source may import without configured accounts).
///
/// A source that cannot be opened (its settings, its key file, its
/// credentials) is said on stderr with what to do, and its accounts are
/// returned as failures: the other sources go on.
pub fn open_for(
    opening: &Opening<'_>,
    accounts: &[AccountConfig],
    selection: &crate::cli::FetchSelection,
) -> (Vec<Box<dyn Source>>, Vec<AccountFailure>) {
    let mut opened = Vec::new();
    let mut failures = Vec::new();
    for s in
        opening.config.sources.iter().filter(|s| {
            selection.accounts.is_empty() || accounts.iter().any(|a| a.source == s.name)
        })
    {
        match open(opening, s) {
            Ok(source) => opened.push(source),
            Err(e) => {
                let its: Vec<&AccountConfig> =
                    accounts.iter().filter(|a| a.source == s.name).collect();
                crate::ui::error_line(format!(
                    "source {}: {e:#}; {} left out",
                    s.name,
                    match its.len() {
                        0 => "it is".to_owned(),
                        1 => "its account is".to_owned(),
                        n => format!("its {n} accounts are"),
                    }
                ));
                if its.is_empty() {
                    failures.push(AccountFailure {
                        label: s.name.clone(),
                    });
                }
                failures.extend(its.into_iter().map(|a| AccountFailure {
                    label: a.label().to_owned(),
                }));
            }
        }
    }
    (opened, failures)
}

/// Asks each configured account's source what it knows of it: the IBANs
/// go to the run's own accounts, so transfers between them are recognised;
/// each account's institution is returned, in configuration order, to
/// choose its bank preset.
pub fn facts(
    run: &mut importer::Run<'_>,
    config: &Config,
    opened: &[Box<dyn Source>],
) -> Vec<Option<String>> {
    config
        .accounts
        .iter()
        .map(|a| {
            let source = opened.iter().find(|s| s.name() == a.source)?;
            let facts = source.facts(a);
            if let Some(iban) = facts.iban.as_deref() {
                run.categorizer.own.insert(iban, &a.account);
            }
            facts.institution
        })
        .collect()
}

/// The source an account reads from.
pub fn of<'c>(config: &'c Config, account: &AccountConfig) -> Option<&'c SourceConfig> {
    config.sources.iter().find(|s| s.name == account.source)
}

/// Says on stderr which sources `command` (whose view covers GoCardless
/// and Enable Banking connections) leaves out, and where to look instead.
pub fn note_left_out(config: &Config, command: &str) {
    for s in config
        .sources
        .iter()
        .filter(|s| s.provider != ::gocardless::PROVIDER && s.provider != ::enablebanking::PROVIDER)
    {
        crate::ui::note(format!(
            "source {} (provider {}): `{command}` does not show it; `gc-beancount fetch -v \
             --offline` says what the store holds of its accounts",
            s.name, s.provider
        ));
    }
}
