//! The command line's grammar: every command, option and global flag.
//!
//! Only the shape lives here (clap derive); what each command does is in
//! [`crate::cmd`].

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Import bank transactions from GoCardless Bank Account Data into a
/// Beancount ledger.
///
/// Beancount goes to stdout and nothing else does: messages, warnings and
/// progress go to stderr.
#[derive(Debug, Parser)]
#[command(name = "gc-beancount", version, about, max_term_width = 100)]
#[command(after_help = EXIT_STATUSES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The exit statuses, shown at the end of `--help`.
pub const EXIT_STATUSES: &str = "\
Exit status:
  0  success
  1  error
  2  usage or configuration error
  3  partial failure: some accounts failed, the others were written
  4  some transactions could not be converted (written as comments)";

/// Options that every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The configuration file. Else $GC_BEANCOUNT_CONFIG, else
    /// ./gc-beancount.yaml, else $XDG_CONFIG_HOME/gc-beancount/config.yaml.
    #[arg(short, long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Say more on stderr (-v: info, -vv: debug, -vvv: trace). RUST_LOG
    /// overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to colour stderr and tables.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every configured account, convert to Beancount, leave out what the
    /// ledger already has, and write it to stdout (or -o).
    Import(ImportArgs),
    /// Push the ledger's bank and card accounts to accounting software
    /// (Xero, QuickBooks Online, Sage…) as bank feeds through Codat, as the
    /// configuration's `exports:` say.
    Export(ExportArgs),
    /// Bring the pending entries of your ledger in line with what the bank
    /// says now: booked ones rewritten, cancelled ones commented out, in
    /// place.
    Reconcile(ReconcileArgs),
    /// Fetch into the store only (and optionally archive the raw responses).
    Fetch(FetchArgs),
    /// Convert raw GoCardless response files to Beancount, with no network.
    Extract(ExtractArgs),
    /// List the banks (institutions) GoCardless can connect to.
    Banks(BanksArgs),
    /// Connect a bank: create an agreement and a requisition and print the
    /// link to open.
    Link(LinkArgs),
    /// List every requisition and its accounts, with access expiry.
    Accounts(AccountsArgs),
    /// Delete a requisition (the bank connection and its accounts).
    Unlink(UnlinkArgs),
    /// Per configured account: last fetch, freshness, requests left today,
    /// access expiry; and the token's state.
    Status(StatusArgs),
    /// Configuration commands.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Categorisation rules commands.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// List the bank presets (shipped and your own): per-bank fixes of how
    /// a bank fills its fields, chosen by the account's bank.
    Presets(PresetsArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// Which accounts and dates to fetch.
#[derive(Debug, Args, Clone, Default)]
pub struct FetchSelection {
    /// Only this account (its `name` or GoCardless id). Repeatable.
    #[arg(long = "account", value_name = "NAME_OR_ID")]
    pub accounts: Vec<String>,

    /// Fetch transactions booked on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,

    /// Fetch transactions booked on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub until: Option<NaiveDate>,

    /// Never touch the network: answer from the store only.
    #[arg(long, conflicts_with = "refresh")]
    pub offline: bool,

    /// Ask the bank even when the store holds a fresh answer (the bank's
    /// daily limit is still respected).
    #[arg(long)]
    pub refresh: bool,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub selection: FetchSelection,

    /// An existing ledger: what it already holds is not written again.
    /// Repeatable; `include`s are followed.
    #[arg(short = 'e', long = "existing", value_name = "LEDGER")]
    pub existing: Vec<PathBuf>,

    /// Print duplicates commented out under `; duplicate of FILE:LINE`
    /// instead of leaving them out.
    #[arg(long)]
    pub mark_duplicates: bool,

    /// Do not write `open` directives for accounts the ledger lacks.
    #[arg(long)]
    pub no_open: bool,

    /// Write to this file (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The ledger to export from. Repeatable; `include`s are followed.
    #[arg(short = 'e', long = "existing", value_name = "LEDGER", required = true)]
    pub ledger: Vec<PathBuf>,

    /// Show what would be pushed, and what not and why, without asking
    /// Codat anything.
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: print the plan as JSON instead of tables.
    #[arg(long, requires = "dry_run")]
    pub json: bool,

    /// Push nothing dated before this date (YYYY-MM-DD): earlier
    /// transactions make up a new source account's opening balance.
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,

    /// Only this export (its key under `exports:`).
    #[arg(long = "export", value_name = "NAME")]
    pub export: Option<String>,
}

/// `reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The ledger to bring in line, edited in place (with the files it
    /// includes). Repeatable.
    #[arg(short = 'e', long = "existing", value_name = "LEDGER", required = true)]
    pub existing: Vec<PathBuf>,

    /// Print what would change as a unified diff, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Only this account (its `name` or GoCardless id). Repeatable.
    #[arg(long = "account", value_name = "NAME_OR_ID")]
    pub accounts: Vec<String>,

    /// Never touch the network: use the store only.
    #[arg(long, conflicts_with = "refresh")]
    pub offline: bool,

    /// Ask the bank even when the store holds a fresh answer (the bank's
    /// daily limit is still respected).
    #[arg(long)]
    pub refresh: bool,

    /// Response files (`<account-id>.transactions.json`) or folders of them
    /// to read instead of asking the bank or the store.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub selection: FetchSelection,

    /// Also write the raw responses to DIR as
    /// `<account-id>.transactions.json` and `<account-id>.balances.json`,
    /// the files `extract` reads.
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
}

/// `extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Response files (`<account-id>.transactions.json`,
    /// `<account-id>.balances.json`) or folders of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// An existing ledger: what it already holds is not written again.
    #[arg(short = 'e', long = "existing", value_name = "LEDGER")]
    pub existing: Vec<PathBuf>,

    /// Print duplicates commented out instead of leaving them out.
    #[arg(long)]
    pub mark_duplicates: bool,

    /// Do not write `open` directives for accounts the ledger lacks.
    #[arg(long)]
    pub no_open: bool,

    /// Write to this file (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `banks`.
#[derive(Debug, Args)]
pub struct BanksArgs {
    /// Only banks in this country (ISO 3166 code, e.g. GB, DE).
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,

    /// Case-insensitive part of the name, id or BIC.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `presets`.
#[derive(Debug, Args)]
pub struct PresetsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The source to link (its key under `sources:`); needed when the
    /// configuration has more than one.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,

    /// The bank: for GoCardless its institution id, as `banks` shows it
    /// (e.g. REVOLUT_REVOGB21).
    #[arg(long = "bank", value_name = "INSTITUTION_ID")]
    pub bank: Option<String>,

    /// Your own reference for the requisition (unique; default: generated).
    #[arg(long, value_name = "REF")]
    pub reference: Option<String>,

    /// Days of history to ask for (default: the most the bank allows).
    #[arg(long, value_name = "N")]
    pub history_days: Option<u32>,

    /// Days of access to ask for (default: the most the bank allows).
    #[arg(long, value_name = "N")]
    pub access_days: Option<u32>,

    /// Where the bank sends the browser back after consent.
    #[arg(long, value_name = "URL", default_value = "https://gocardless.com")]
    pub redirect: String,

    /// Wait until the link is used, then print a ready-to-paste `accounts:`
    /// block.
    #[arg(long)]
    pub wait: bool,

    /// Milliseconds between polls with --wait (tests shorten it).
    #[arg(long, value_name = "MS", default_value_t = 5000, hide = true)]
    pub poll_ms: u64,

    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    pub timeout: u64,

    /// Plaid: exchange this public token (from Hosted Link or the
    /// sandbox's /sandbox/public_token/create) instead of opening Link in
    /// a browser.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "GC_BEANCOUNT_PLAID_PUBLIC_TOKEN",
        hide_env_values = true
    )]
    pub public_token: Option<String>,

    /// Plaid: repair this Item (update mode, after ITEM_LOGIN_REQUIRED);
    /// its accounts keep their ids.
    #[arg(long, value_name = "ITEM_ID")]
    pub item: Option<String>,
    /// SimpleFIN: the setup token made at SimpleFIN Bridge, claimed once;
    /// its access URL is kept in the store, never printed.
    #[arg(long, value_name = "TOKEN")]
    pub setup_token: Option<source::Secret>,
    /// Enable Banking: the bank's country (two letters, e.g. FI). Without
    /// --bank, lists its banks; with it, --bank is the bank's name as listed.
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,

    /// Enable Banking: the address the bank sent the browser back to, when
    /// the redirect URL is not on this machine; finishes the link started
    /// before.
    #[arg(long, value_name = "URL")]
    pub callback: Option<String>,
}

/// `accounts`.
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `unlink`.
#[derive(Debug, Args)]
pub struct UnlinkArgs {
    /// The requisition to delete, as `accounts` shows it.
    #[arg(value_name = "REQUISITION_ID")]
    pub requisition: String,

    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

/// `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration, show the resolved values
    /// (secrets masked) and check every configured account exists.
    Check(ConfigCheckArgs),
}

/// `config check`.
#[derive(Debug, Args)]
pub struct ConfigCheckArgs {
    /// Validate the file only; do not ask GoCardless about the accounts.
    #[arg(long)]
    pub offline: bool,
}

/// `rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Show which rule matches each transaction of the given response files
    /// (or of the stored data when no path is given), and the result.
    Test(RulesTestArgs),
}

/// `rules test`.
#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// Response files or folders of them (default: the store).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A ledger to learn categories from.
    #[arg(short = 'e', long = "existing", value_name = "LEDGER")]
    pub existing: Vec<PathBuf>,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn offline_and_refresh_conflict() {
        let err =
            Cli::try_parse_from(["gc-beancount", "import", "--offline", "--refresh"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn global_options_after_the_command() {
        let cli = Cli::try_parse_from(["gc-beancount", "status", "-c", "x.yaml", "-vv", "--json"])
            .unwrap();
        assert_eq!(
            cli.global.config.as_deref(),
            Some(std::path::Path::new("x.yaml"))
        );
        assert_eq!(cli.global.verbose, 2);
    }
}
