//! The YAML configuration: which bank account goes to which Beancount
//! account and how, and the sources the data comes from.
//!
//! The importer reads the whole file, so that every key is checked in one
//! place, but interprets only the mapping. A source's settings
//! (credentials, base URL) are carried as checked-for-nothing text in a
//! [`SourceConfig`] for that source's crate to read, an export's settings
//! (`exports:`) likewise in an [`ExportConfig`], and the application's
//! own settings (where the store is, how long answers are fresh) in
//! [`Config::application`].
//!
//! Everything is checked when the file is loaded: unknown keys (with the
//! nearest valid key suggested), Beancount account names, currencies and
//! metadata keys. Every error names the file, line, column and key path.
//!
//! String values may use environment variables: `${VAR}`, `${VAR:-default}`
//! or `$VAR` (`$$` for a literal `$`). Comments and keys are never
//! interpolated.
//!
//! A configuration written for the Python `beancount-gocardless` importer
//! loads unchanged: its keys are mapped to ours (see [`Config::notes`] for
//! what is ignored).
//!
//! ```
//! let yaml = "
//! accounts:
//!   - id: 0b9e0c9e-1111-4c4c-9b9b-000000000001
//!     account: Assets:Bank:Checking
//!     currency: EUR
//! ";
//! let config = importer::config::from_str(yaml, "config.yaml").unwrap();
//! assert_eq!(config.accounts[0].account, "Assets:Bank:Checking");
//! ```

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::balance::BalanceKind;
use crate::beancount;
use crate::learn::LearnConfig;
use crate::rules::Rule;

/// The whole configuration, defaults applied to every account.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from (or the name given to [`from_str`]).
    pub origin: String,
    /// The sources, in file order: those under `sources:`, or the one
    /// implicit GoCardless source of a file without that key.
    pub sources: Vec<SourceConfig>,
    /// The user's own bank preset files (`presets:`), as written: relative
    /// paths are relative to the configuration file's folder.
    pub preset_files: Vec<String>,
    /// The application's own top-level settings (`store`, `cache_ttl`),
    /// with variables expanded, for the application to read.
    pub application: Settings,
    /// The exports (`exports:`), in name order.
    pub exports: Vec<ExportConfig>,
    /// The bank accounts to import, in file order.
    pub accounts: Vec<AccountConfig>,
    /// Categorisation rules tried for every account, after its own.
    pub rules: Vec<Rule>,
    /// Settings for categories learned from the ledger.
    pub learn: LearnConfig,
    /// Settings for recognising entries already in the ledger.
    pub dedup: DedupConfig,
    /// How a bank account's opening balance is written (`opening:`,
    /// `opening_balance_account:`).
    pub opening: OpeningConfig,
    /// How `reconcile` brings pending entries in line (`reconcile:`).
    pub reconcile: ReconcileConfig,
    /// Remarks for the user about keys accepted but ignored (keys of the
    /// Python importer that have no meaning here), one per key.
    pub notes: Vec<String>,
}

/// The name of the source a configuration without `sources:` has: its
/// top-level `secret_id`, `secret_key` and `base_url` (the layout of
/// earlier versions and of the Python `beancount-gocardless`) are this
/// source's settings.
pub const IMPLICIT_SOURCE: &str = "gocardless";

/// One source of bank data (`sources: { NAME: { provider: …, … } }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// The source's name, as accounts' `source:` and `--source` give it.
    pub name: String,
    /// Which provider's API it is (`gocardless`, `enablebanking`, …).
    pub provider: String,
    /// Its other keys, variables expanded, for the provider's crate to
    /// check and read.
    pub settings: Settings,
    /// Whether it was written as top-level keys rather than under
    /// `sources:`.
    pub implicit: bool,
}

/// One export of ledger accounts to another system
/// (`exports: { NAME: { provider?: …, key: value…, accounts: [ {…} ] } }`).
///
/// Like a source's, its settings are text the importer does not
/// interpret: the exporting crate checks them (unknown keys, required
/// keys, values).
///
/// ```
/// let yaml = "
/// exports:
///   codat:
///     api_key: k
///     accounts:
///       - { account: Assets:Bank:Business, source_account_id: acc-1 }
/// ";
/// let config = importer::config::from_str(yaml, "c.yaml").unwrap();
/// let export = config.export("codat").unwrap();
/// assert_eq!(export.provider, "codat");
/// assert_eq!(export.accounts[0].get("source_account_id"), Some("acc-1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportConfig {
    /// The export's name, the key under `exports:`.
    pub name: String,
    /// Which system it goes to: `provider:`, or the name when that is
    /// left out (so `exports: { codat: {…} }` is a Codat export).
    pub provider: String,
    /// Its keys other than `provider` and `accounts`, variables expanded.
    pub settings: Settings,
    /// Its `accounts:` list, each entry's keys and text values, in file
    /// order.
    pub accounts: Vec<Settings>,
}

/// Keys and their text values. `Debug` shows the keys only, because
/// values may be credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Settings(BTreeMap<String, String>);

impl Settings {
    /// The value of `key`, when given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every key given, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Whether nothing is given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl FromIterator<(String, String)> for Settings {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Settings {
        Settings(iter.into_iter().collect())
    }
}

impl Config {
    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// The export named `name`.
    pub fn export(&self, name: &str) -> Option<&ExportConfig> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// The account whose id or `name` is `key`.
    pub fn account(&self, key: &str) -> Option<&AccountConfig> {
        self.accounts
            .iter()
            .find(|a| a.id == key || a.name.as_deref() == Some(key))
    }
}

/// One bank account and how it is imported. Every setting left out in the
/// account comes from `defaults`, then from the built-in default.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountConfig {
    /// The account's id at its source (for GoCardless, a UUID).
    pub id: String,
    /// The name of the source it comes from ([`SourceConfig::name`]).
    pub source: String,
    /// A short handle for the command line.
    pub name: Option<String>,
    /// The Beancount account the bank account is booked to.
    pub account: String,
    /// The expected currency; a transaction in another one is an error.
    pub currency: Option<String>,
    /// What to do with pending transactions.
    pub pending: PendingMode,
    /// Which date of the bank to use.
    pub date: DateMode,
    /// Which balance to assert.
    pub balance: BalanceMode,
    /// The counter posting when nothing else decides it.
    pub fallback_account: FallbackAccount,
    /// Static metadata put on every transaction, in file order.
    pub metadata: Vec<(String, String)>,
    /// Metadata taken from the transaction JSON: key → dotted path (with
    /// list indexes, like `additionalDataStructured.items.0.name`).
    pub metadata_fields: Vec<(String, String)>,
    /// Tags put on every transaction (without `#`).
    pub tags: Vec<String>,
    /// Categorisation rules of this account, tried before the global ones.
    pub rules: Vec<Rule>,
    /// How many days of history to ask for when the ledger has none.
    pub days: Option<u32>,
    /// Which bank preset fixes how the bank fills its fields.
    pub preset: PresetChoice,
}

/// Which bank preset applies to an account (`preset:`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PresetChoice {
    /// The preset made for the account's bank, found by its institution id
    /// (the default).
    #[default]
    ByInstitution,
    /// None (`preset: none`).
    None,
    /// The preset of this name.
    Named(String),
}

impl AccountConfig {
    /// A configuration with every setting at its default, for `account`.
    pub fn new(id: impl Into<String>, account: impl Into<String>) -> AccountConfig {
        AccountConfig {
            id: id.into(),
            source: IMPLICIT_SOURCE.to_owned(),
            name: None,
            account: account.into(),
            currency: None,
            pending: PendingMode::Flag,
            date: DateMode::Booking,
            balance: BalanceMode::Auto,
            fallback_account: FallbackAccount::Uncategorized,
            metadata: Vec::new(),
            metadata_fields: Vec::new(),
            tags: Vec::new(),
            rules: Vec::new(),
            days: None,
            preset: PresetChoice::ByInstitution,
        }
    }

    /// `name` if set, else the id: how to refer to the account
    /// in messages.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// What to do with pending transactions (`pending:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PendingMode {
    /// Import them with flag `!` (the default).
    #[default]
    Flag,
    /// Leave them out.
    Skip,
}

/// Which date of the bank dates the entry (`date:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateMode {
    /// `bookingDate`, else `valueDate` (the default).
    #[default]
    Booking,
    /// `valueDate`, else `bookingDate`.
    Value,
    /// The day the transaction was made (a card purchase's day), where the
    /// source gives it; else as [`DateMode::Booking`].
    Transaction,
}

/// Which balance to assert (`balance:`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BalanceMode {
    /// The booked balance of the last completed day (the default).
    #[default]
    Auto,
    /// No balance assertion.
    None,
    /// This kind of balance, as the bank reports it.
    Type(BalanceKind),
}

/// The counter posting when no rule, prediction or transfer decides it
/// (`fallback_account:`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FallbackAccount {
    /// `Expenses:Uncategorized` for money out, `Income:Uncategorized` for
    /// money in (the default).
    #[default]
    Uncategorized,
    /// This account, both ways.
    Account(String),
    /// No counter posting: single-posting entries, completed by another tool.
    None,
}

/// Settings for recognising entries already in the ledger (`dedup:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupConfig {
    /// How many days apart two entries with the same amount may be and
    /// still be the same transaction.
    pub window_days: u32,
    /// The metadata keys that hold a bank id, in the ledger.
    pub id_keys: Vec<String>,
}

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            window_days: 3,
            id_keys: vec!["gocardless_id".into(), "nordref".into()],
        }
    }
}

/// How the balance a bank account held before its first imported entry is
/// written, when the output's balance assertion needs one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningConfig {
    /// As an exact transaction (the default) or a `pad` (`opening:`).
    pub mode: OpeningMode,
    /// The account the opening balance comes from
    /// (`opening_balance_account:`, default `Equity:Opening-Balances`).
    pub account: String,
}

impl Default for OpeningConfig {
    fn default() -> OpeningConfig {
        OpeningConfig {
            mode: OpeningMode::Exact,
            account: "Equity:Opening-Balances".to_owned(),
        }
    }
}

/// How an opening balance is written (`opening:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpeningMode {
    /// One transaction with the computed amount, and metadata saying how
    /// it was computed (`exact`, the default).
    #[default]
    Exact,
    /// A `pad` directive: Beancount computes the amount (`pad`).
    Pad,
}

/// How `reconcile` matches and rewrites pending entries (`reconcile:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// How many days apart a pending entry and the booked transaction that
    /// replaced it (under a new id) may be (default 7).
    pub window_days: u32,
    /// How much the booked amount may differ from the pending one when the
    /// payee agrees: card pre-authorisations (fuel, hotels, tips, a final
    /// exchange rate). Default 30%.
    pub tolerance: Tolerance,
    /// What happens to a pending entry the bank no longer lists and nothing
    /// replaced (default: commented out).
    pub cancelled: CancelledMode,
}

impl Default for ReconcileConfig {
    fn default() -> ReconcileConfig {
        ReconcileConfig {
            window_days: 7,
            tolerance: Tolerance::Percent(rust_decimal::Decimal::from(30)),
            cancelled: CancelledMode::Comment,
        }
    }
}

/// How far a booked amount may be from the pending one (`tolerance:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// A share of the pending amount, in percent (`30%`).
    Percent(rust_decimal::Decimal),
    /// An amount in the account's currency (`5.00`); `0` asks for equal
    /// amounts.
    Amount(rust_decimal::Decimal),
}

impl Tolerance {
    /// Whether `booked` is close enough to `pending`: the same sign, and
    /// within the tolerance of it.
    ///
    /// ```
    /// use importer::config::Tolerance;
    /// let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    /// let t = Tolerance::Percent(d("30"));
    /// assert!(t.allows(d("-23.50"), d("-27.00")));
    /// assert!(t.allows(d("-60.00"), d("-43.21")));
    /// assert!(!t.allows(d("-60.00"), d("-30.00")));
    /// assert!(!t.allows(d("-5"), d("5")));
    /// ```
    pub fn allows(&self, pending: rust_decimal::Decimal, booked: rust_decimal::Decimal) -> bool {
        if pending == booked {
            return true;
        }
        if pending.is_sign_negative() != booked.is_sign_negative() || booked.is_zero() {
            return false;
        }
        let diff = (pending - booked).abs();
        match self {
            Tolerance::Percent(p) => {
                diff * rust_decimal::Decimal::ONE_HUNDRED <= pending.abs() * *p
            }
            Tolerance::Amount(a) => diff <= *a,
        }
    }
}

/// What `reconcile` does with a cancelled pending entry (`cancelled:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CancelledMode {
    /// Comment it out, under a line saying why (the default: nothing is
    /// lost).
    #[default]
    Comment,
    /// Delete it.
    Remove,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read the configuration: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid, at a known position.
    #[error("{origin}:{line}:{column}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Invalid {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The key path, like `accounts[0].account` (empty at the top).
        path: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file is not valid, at no particular position.
    #[error("{origin}: {message}")]
    Other {
        /// The file.
        origin: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    from_str(&text, &path.display().to_string())
}

/// Reads and checks configuration text; `origin` names it in errors.
/// Variables are read from the process environment.
pub fn from_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
    from_str_with_env(text, origin, |name| std::env::var(name).ok())
}

/// Like [`from_str`], with variables looked up by `env` (for tests).
pub fn from_str_with_env(
    text: &str,
    origin: &str,
    env: impl Fn(&str) -> Option<String> + 'static,
) -> Result<Config, ConfigError> {
    // The environment is reached from inside serde through a thread-local,
    // because `Deserialize` has no way to carry context.
    ENV.with(|e| *e.borrow_mut() = Some(Rc::new(env)));
    let raw = if text.trim().is_empty() {
        Ok(RawConfig::default())
    } else {
        serde_norway::from_str::<RawConfig>(text)
    };
    ENV.with(|e| *e.borrow_mut() = None);
    let raw = raw.map_err(|e| yaml_error(&e, origin))?;
    resolve(raw, text, origin)
}

/// Looks up an environment variable.
type EnvLookup = Rc<dyn Fn(&str) -> Option<String>>;

thread_local! {
    static ENV: RefCell<Option<EnvLookup>> = const { RefCell::new(None) };
}

fn lookup_env(name: &str) -> Option<String> {
    let f = ENV.with(|e| e.borrow().clone());
    match f {
        Some(f) => f(name),
        None => std::env::var(name).ok(),
    }
}

fn yaml_error(e: &serde_norway::Error, origin: &str) -> ConfigError {
    let full = e.to_string();
    let Some(loc) = e.location() else {
        return ConfigError::Other {
            origin: origin.to_owned(),
            message: full,
        };
    };
    // The message is "path: message at line L column C"; the position is
    // reported separately.
    let mut msg = full.as_str();
    if let Some(i) = msg.rfind(" at line ") {
        msg = &msg[..i];
    }
    let (path, message) = split_path(msg);
    ConfigError::Invalid {
        origin: origin.to_owned(),
        line: loc.line(),
        column: loc.column(),
        path: path.to_owned(),
        message: suggest(message),
    }
}

/// Splits serde_norway's `"accounts[0].x: message"` into path and message.
fn split_path(msg: &str) -> (&str, &str) {
    if let Some(i) = msg.find(": ") {
        let p = &msg[..i];
        let looks_like_path = !p.is_empty()
            && p.chars()
                .all(|c| c.is_alphanumeric() || "._[]?-".contains(c));
        if looks_like_path {
            return (p, &msg[i + 2..]);
        }
    }
    ("", msg)
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" to name
/// the nearest valid key.
fn suggest(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_owned();
    };
    let Some(end) = rest.find('`') else {
        return message.to_owned();
    };
    let unknown = &rest[..end];
    let valid: Vec<&str> = rest[end..].split('`').skip(2).step_by(2).collect();
    let best = valid
        .iter()
        .map(|v| (strsim::jaro_winkler(unknown, v), *v))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let listed = valid.join(", ");
    match best {
        Some((score, v)) if score > 0.7 => {
            format!("unknown key `{unknown}`: did you mean `{v}`? (valid keys here: {listed})")
        }
        _ => format!("unknown key `{unknown}` (valid keys here: {listed})"),
    }
}

/// Finds the position of the first line holding both `key:` and `value`,
/// for errors found after parsing.
fn locate(text: &str, key: &str, value: &str) -> (usize, usize) {
    for (n, line) in text.lines().enumerate() {
        if let Some(k) = line.find(&format!("{key}:"))
            && line[k..].contains(value)
        {
            return (n + 1, k + 1);
        }
    }
    (1, 1)
}

// ---------------------------------------------------------------------------
// The file as written. Private: the public types above are the resolved view.

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    secret_id: Option<Text>,
    #[serde(default)]
    secret_key: Option<Text>,
    #[serde(default)]
    base_url: Option<Text>,
    #[serde(default)]
    store: Option<Text>,
    #[serde(default)]
    cache_ttl: Option<Text>,
    #[serde(default)]
    sources: Option<BTreeMap<String, RawSource>>,
    #[serde(default)]
    presets: Vec<Text>,
    #[serde(default)]
    exports: BTreeMap<String, RawExport>,
    /// Python importer: requests-cache settings; ignored.
    #[serde(default)]
    cache_options: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    defaults: Option<RawDefaults>,
    #[serde(default)]
    accounts: Vec<RawAccount>,
    #[serde(default)]
    rules: Vec<Rule>,
    #[serde(default)]
    learn: Option<LearnConfig>,
    #[serde(default)]
    dedup: Option<RawDedup>,
    #[serde(default)]
    opening: Option<OpeningKey>,
    #[serde(default)]
    opening_balance_account: Option<AccountName>,
    #[serde(default)]
    reconcile: Option<RawReconcile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReconcile {
    #[serde(default)]
    window_days: Option<u32>,
    #[serde(default)]
    tolerance: Option<ToleranceKey>,
    #[serde(default)]
    cancelled: Option<CancelledKey>,
}

#[derive(Deserialize)]
struct RawSource {
    provider: Text,
    /// Checked by the provider's crate, which knows its keys.
    #[serde(flatten)]
    settings: BTreeMap<String, Text>,
}

#[derive(Deserialize)]
struct RawExport {
    #[serde(default)]
    provider: Option<Text>,
    #[serde(default)]
    accounts: Vec<BTreeMap<String, Text>>,
    /// Checked by the exporting crate, which knows its keys.
    #[serde(flatten)]
    settings: BTreeMap<String, Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDedup {
    #[serde(default)]
    window_days: Option<Bounded<0, 31>>,
    #[serde(default)]
    id_keys: Option<Vec<MetaKey>>,
}

/// Declares a struct with every per-account setting, plus `$extra` fields.
/// Used twice so that `defaults` takes exactly the settings and an account
/// takes the settings plus its identity, both with `deny_unknown_fields`.
macro_rules! settings_struct {
    ($name:ident { $($extra:tt)* }) => {
        #[derive(Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            $($extra)*
            #[serde(default)]
            currency: Option<Currency>,
            #[serde(default)]
            pending: Option<Pending>,
            #[serde(default)]
            date: Option<DateKey>,
            #[serde(default)]
            balance: Option<BalanceKey>,
            #[serde(default)]
            fallback_account: Option<Fallback>,
            #[serde(default)]
            metadata: Option<MetaMap>,
            #[serde(default)]
            metadata_fields: Option<MetaMap>,
            #[serde(default)]
            tags: Option<Vec<Tag>>,
            #[serde(default)]
            days: Option<Bounded<1, 3650>>,
            #[serde(default)]
            preset: Option<Text>,
            /// Python importer: `[booked, pending]`.
            #[serde(default)]
            transaction_types: Option<Vec<TxType>>,
            /// Python importer (newer name of `transaction_types`).
            #[serde(default)]
            booking_statuses: Option<Vec<TxType>>,
            /// Python importer: the balance type to assert.
            #[serde(default)]
            preferred_balance_type: Option<Text>,
            /// Python importer: its default metadata to leave out; ignored.
            #[serde(default)]
            exclude_default_metadata: Option<serde::de::IgnoredAny>,
            /// Python importer: an account for its hooks; ignored.
            #[serde(default)]
            filing_account: Option<serde::de::IgnoredAny>,
            /// Python importer: the name of `days`.
            #[serde(default)]
            days_back: Option<Bounded<1, 3650>>,
        }
    };
}

settings_struct!(RawDefaults {});

settings_struct!(RawAccount {
    id: Text,
    #[serde(default)]
    source: Option<Text>,
    #[serde(default)]
    name: Option<Text>,
    #[serde(default)]
    account: Option<AccountName>,
    /// Python importer: the name of `account`.
    #[serde(default)]
    asset_account: Option<AccountName>,
    #[serde(default)]
    rules: Vec<Rule>,
});

fn resolve(raw: RawConfig, text: &str, origin: &str) -> Result<Config, ConfigError> {
    let at = |key: &str, value: &str, message: String| {
        let (line, column) = locate(text, key, value);
        ConfigError::Invalid {
            origin: origin.to_owned(),
            line,
            column,
            path: String::new(),
            message,
        }
    };
    let mut notes = Vec::new();
    if raw.cache_options.is_some() {
        notes.push(
            "`cache_options` (Python importer) is ignored: responses are kept in the store; \
             set `cache_ttl` instead"
                .to_owned(),
        );
    }
    let sources = resolve_sources(&raw, &at, origin)?;
    let defaults = raw.defaults.unwrap_or_default();
    let mut accounts: Vec<AccountConfig> = Vec::new();
    // Indexes, so that checking many accounts stays linear.
    let mut by_id: std::collections::HashMap<String, Vec<usize>> = Default::default();
    let mut names: std::collections::HashSet<String> = Default::default();
    for (i, a) in raw.accounts.into_iter().enumerate() {
        let account = match (a.account, a.asset_account) {
            (Some(x), _) | (None, Some(x)) => x.0,
            (None, None) => {
                return Err(at(
                    "id",
                    &a.id.0,
                    format!(
                        "accounts[{i}] (id {}): missing key `account`: the Beancount account \
                         of this bank account, like Assets:Bank:Checking",
                        a.id.0
                    ),
                ));
            }
        };
        if a.id.0.trim().is_empty() {
            return Err(at("id", "", format!("accounts[{i}]: `id` is empty")));
        }
        if let Some(prev) = by_id
            .get(a.id.0.as_str())
            .into_iter()
            .flatten()
            .map(|&j| &accounts[j])
            .find(|p: &&AccountConfig| a.source.as_ref().is_none_or(|s| s.0 == p.source))
        {
            return Err(at(
                "id",
                &a.id.0,
                format!(
                    "accounts[{i}]: the id {} is configured twice (also for {})",
                    a.id.0, prev.account
                ),
            ));
        }
        let name = a.name.map(|n| n.0);
        if let Some(n) = &name
            && (names.contains(n.as_str()) || by_id.contains_key(n.as_str()))
        {
            return Err(at(
                "name",
                n,
                format!("accounts[{i}]: the name {n:?} is used twice"),
            ));
        }
        let label = name.clone().unwrap_or_else(|| a.id.0.clone());
        let source = match (a.source, sources.as_slice()) {
            (Some(s), _) if sources.iter().any(|c| c.name == s.0) => s.0,
            (Some(s), _) => {
                let names: Vec<&str> = sources.iter().map(|c| c.name.as_str()).collect();
                return Err(at(
                    "source",
                    &s.0,
                    format!(
                        "accounts[{i}] ({label}): no source is named {:?} (sources: {})",
                        s.0,
                        names.join(", ")
                    ),
                ));
            }
            (None, [only]) => only.name.clone(),
            (None, _) => {
                let names: Vec<&str> = sources.iter().map(|c| c.name.as_str()).collect();
                return Err(at(
                    "id",
                    &a.id.0,
                    format!(
                        "accounts[{i}] ({label}): several sources are configured ({}): say which \
                         one this account comes from with `source:`",
                        names.join(", ")
                    ),
                ));
            }
        };
        let mut acc = AccountConfig::new(a.id.0, account);
        acc.source = source;
        acc.name = name;
        acc.rules = a.rules;
        apply(&mut acc, &defaults, &label, &mut notes);
        apply(
            &mut acc,
            &RawDefaults {
                currency: a.currency,
                pending: a.pending,
                date: a.date,
                balance: a.balance,
                fallback_account: a.fallback_account,
                metadata: a.metadata,
                metadata_fields: a.metadata_fields,
                tags: a.tags,
                days: a.days,
                preset: a.preset,
                transaction_types: a.transaction_types,
                booking_statuses: a.booking_statuses,
                preferred_balance_type: a.preferred_balance_type,
                exclude_default_metadata: a.exclude_default_metadata,
                filing_account: a.filing_account,
                days_back: a.days_back,
            },
            &label,
            &mut notes,
        );
        by_id
            .entry(acc.id.clone())
            .or_default()
            .push(accounts.len());
        if let Some(n) = &acc.name {
            names.insert(n.clone());
        }
        accounts.push(acc);
    }
    // Categorisation: an `account:` condition must name a configured account.
    for rules in std::iter::once(&raw.rules).chain(accounts.iter().map(|a| &a.rules)) {
        crate::rules::check_account_conditions(rules, &accounts)
            .map_err(|(value, message)| at("account", &value, message))?;
    }
    let dedup = match raw.dedup {
        None => DedupConfig::default(),
        Some(d) => {
            let def = DedupConfig::default();
            DedupConfig {
                window_days: d.window_days.map_or(def.window_days, |b| b.0),
                id_keys: d
                    .id_keys
                    .map(|k| k.into_iter().map(|k| k.0).collect())
                    .unwrap_or(def.id_keys),
            }
        }
    };
    let opening = OpeningConfig {
        mode: raw.opening.map_or(OpeningMode::Exact, |o| o.0),
        account: raw
            .opening_balance_account
            .map_or_else(|| OpeningConfig::default().account, |a| a.0),
    };
    let reconcile = match raw.reconcile {
        None => ReconcileConfig::default(),
        Some(r) => {
            let def = ReconcileConfig::default();
            ReconcileConfig {
                window_days: r.window_days.unwrap_or(def.window_days),
                tolerance: r.tolerance.map_or(def.tolerance, |t| t.0),
                cancelled: r.cancelled.map_or(def.cancelled, |c| c.0),
            }
        }
    };
    let application = [("store", raw.store), ("cache_ttl", raw.cache_ttl)]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.0)))
        .collect();
    let exports = raw
        .exports
        .into_iter()
        .map(|(name, e)| {
            let settings =
                |m: BTreeMap<String, Text>| m.into_iter().map(|(k, v)| (k, v.0)).collect();
            ExportConfig {
                provider: e
                    .provider
                    .map(|p| p.0.trim().to_owned())
                    .unwrap_or_else(|| name.clone()),
                name,
                settings: settings(e.settings),
                accounts: e.accounts.into_iter().map(settings).collect(),
            }
        })
        .collect();
    Ok(Config {
        origin: origin.to_owned(),
        sources,
        preset_files: raw.presets.into_iter().map(|t| t.0).collect(),
        application,
        exports,
        accounts,
        rules: raw.rules,
        learn: raw.learn.unwrap_or_default(),
        dedup,
        opening,
        reconcile,
        notes,
    })
}

/// The sources: those under `sources:`, else one implicit GoCardless
/// source holding the top-level credentials.
fn resolve_sources(
    raw: &RawConfig,
    at: &impl Fn(&str, &str, String) -> ConfigError,
    origin: &str,
) -> Result<Vec<SourceConfig>, ConfigError> {
    let top_level = [
        ("secret_id", &raw.secret_id),
        ("secret_key", &raw.secret_key),
        ("base_url", &raw.base_url),
    ];
    let Some(named) = &raw.sources else {
        let settings = top_level
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.as_ref()?.0.clone())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        return Ok(vec![SourceConfig {
            name: IMPLICIT_SOURCE.to_owned(),
            provider: IMPLICIT_SOURCE.to_owned(),
            settings,
            implicit: true,
        }]);
    };
    if let Some((key, _)) = top_level.iter().find(|(_, v)| v.is_some()) {
        return Err(at(
            key,
            "",
            format!(
                "`{key}` at the top level and `sources:` together: move `{key}` under the \
                 GoCardless source in `sources:`"
            ),
        ));
    }
    if named.is_empty() {
        return Err(ConfigError::Other {
            origin: origin.to_owned(),
            message: "`sources:` is empty: name at least one source, like \
                      `sources: { gocardless: { provider: gocardless, secret_id: …, secret_key: … } }`"
                .to_owned(),
        });
    }
    Ok(named
        .iter()
        .map(|(name, s)| SourceConfig {
            name: name.clone(),
            provider: s.provider.0.trim().to_owned(),
            settings: s
                .settings
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect(),
            implicit: false,
        })
        .collect())
}

/// Applies the settings present in `s` over `acc`.
fn apply(acc: &mut AccountConfig, s: &RawDefaults, label: &str, notes: &mut Vec<String>) {
    if let Some(c) = &s.currency {
        acc.currency = Some(c.0.clone());
    }
    if let Some(types) = s.transaction_types.as_ref().or(s.booking_statuses.as_ref()) {
        acc.pending = if types.iter().any(|t| matches!(t, TxType::Pending)) {
            PendingMode::Flag
        } else {
            PendingMode::Skip
        };
        if !types.iter().any(|t| matches!(t, TxType::Booked)) {
            notes.push(format!(
                "account {label}: booked transactions are always imported; \
                 `transaction_types` without `booked` only decides about pending ones"
            ));
        }
    }
    if let Some(p) = s.pending {
        acc.pending = p.0;
    }
    if let Some(d) = s.date {
        acc.date = d.0;
    }
    if let Some(t) = &s.preferred_balance_type {
        acc.balance = match t.0.trim() {
            // The Python importer's shorthands.
            "booked" => BalanceMode::Type(BalanceKind::ClosingBooked),
            "available" => BalanceMode::Type(BalanceKind::InterimAvailable),
            other => BalanceMode::Type(BalanceKind::parse(other)),
        };
    }
    if let Some(b) = &s.balance {
        acc.balance = b.0.clone();
    }
    if let Some(f) = &s.fallback_account {
        acc.fallback_account = f.0.clone();
    }
    if let Some(m) = &s.metadata {
        acc.metadata = m.0.clone();
    }
    if let Some(m) = &s.metadata_fields {
        acc.metadata_fields = m.0.clone();
    }
    if let Some(t) = &s.tags {
        acc.tags = t.iter().map(|t| t.0.clone()).collect();
    }
    if let Some(p) = &s.preset {
        acc.preset = match p.0.trim() {
            "none" => PresetChoice::None,
            "" | "auto" => PresetChoice::ByInstitution,
            name => PresetChoice::Named(name.to_owned()),
        };
    }
    if let Some(d) = s.days.or(s.days_back) {
        acc.days = Some(d.0);
    }
    if s.exclude_default_metadata.is_some() {
        notes.push(format!(
            "account {label}: `exclude_default_metadata` (Python importer) is ignored: only \
             `gocardless_id` and what `metadata`/`metadata_fields` ask for is written"
        ));
    }
    if s.filing_account.is_some() {
        notes.push(format!(
            "account {label}: `filing_account` (Python importer) is ignored"
        ));
    }
}

// ---------------------------------------------------------------------------
// Checked scalar values. Each fails inside serde, so the error carries the
// value's position and key path.

/// A string with environment variables replaced. Numbers and booleans are
/// taken as their text.
#[derive(Default)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        checked(d, |t| Ok(Text(t)))
    }
}

/// Reads a scalar as text, interpolates variables, then applies `check`.
///
/// Everything happens inside the visitor, so serde_norway attaches the
/// scalar's own position and key path to any error.
fn checked<'de, D, T, F>(d: D, check: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(String) -> Result<T, String>,
{
    struct V<F>(F);
    impl<F> V<F> {
        fn finish<T, E: de::Error>(self, raw: &str) -> Result<T, E>
        where
            F: FnOnce(String) -> Result<T, String>,
        {
            let text = crate::env::interpolate(raw, &lookup_env).map_err(E::custom)?;
            (self.0)(text).map_err(E::custom)
        }
    }
    impl<T, F: FnOnce(String) -> Result<T, String>> Visitor<'_> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a text value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            self.finish(v)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
            self.finish(&v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            self.finish(&v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            self.finish(&v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            self.finish(&v.to_string())
        }
    }
    d.deserialize_any(V(check))
}

/// Declares a newtype over text checked by `$check`.
macro_rules! checked_text {
    ($name:ident, $check:expr) => {
        struct $name(String);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let check: fn(&str) -> Result<(), String> = $check;
                checked(d, |t| check(&t).map(|()| $name(t)))
            }
        }
    };
}

checked_text!(AccountName, beancount::check_account);
checked_text!(Currency, beancount::check_currency);
checked_text!(MetaKey, beancount::check_meta_key);
checked_text!(Tag, |t| beancount::check_tag(
    t.strip_prefix('#').unwrap_or(t)
));

#[derive(Clone, Copy)]
struct Pending(PendingMode);

impl<'de> Deserialize<'de> for Pending {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pending, D::Error> {
        checked(d, |t| match t.as_str() {
            "flag" => Ok(Pending(PendingMode::Flag)),
            "skip" => Ok(Pending(PendingMode::Skip)),
            other => Err(format!(
                "invalid value {other:?}: expected `flag` (import with flag !) or `skip`"
            )),
        })
    }
}

#[derive(Clone, Copy)]
struct DateKey(DateMode);

impl<'de> Deserialize<'de> for DateKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DateKey, D::Error> {
        checked(d, |t| match t.as_str() {
            "booking" => Ok(DateKey(DateMode::Booking)),
            "value" => Ok(DateKey(DateMode::Value)),
            "transaction" => Ok(DateKey(DateMode::Transaction)),
            other => Err(format!(
                "invalid value {other:?}: expected `booking`, `value` or `transaction`"
            )),
        })
    }
}

struct BalanceKey(BalanceMode);

impl<'de> Deserialize<'de> for BalanceKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BalanceKey, D::Error> {
        checked(d, |t| {
            let mode = match t.as_str() {
                "auto" => BalanceMode::Auto,
                "none" => BalanceMode::None,
                other => match BalanceKind::parse(other) {
                    BalanceKind::Other(_) | BalanceKind::Unknown => {
                        return Err(format!(
                            "invalid balance {other:?}: expected `auto`, `none` or a GoCardless \
                             balance type (closingBooked, interimBooked, interimAvailable, \
                             expected, openingBooked, ...)"
                        ));
                    }
                    ty => BalanceMode::Type(ty),
                },
            };
            Ok(BalanceKey(mode))
        })
    }
}

struct OpeningKey(OpeningMode);

impl<'de> Deserialize<'de> for OpeningKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OpeningKey, D::Error> {
        checked(d, |t| match t.as_str() {
            "exact" => Ok(OpeningKey(OpeningMode::Exact)),
            "pad" => Ok(OpeningKey(OpeningMode::Pad)),
            other => Err(format!(
                "invalid value {other:?}: expected `exact` (an opening transaction with the \
                 computed amount) or `pad` (a pad directive)"
            )),
        })
    }
}

struct ToleranceKey(Tolerance);

impl<'de> Deserialize<'de> for ToleranceKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ToleranceKey, D::Error> {
        checked(d, |t| {
            let t = t.trim();
            let bad = || {
                format!(
                    "invalid tolerance {t:?}: expected a percentage of the pending amount \
                     (30%) or an amount (5.00); 0 asks for equal amounts"
                )
            };
            let (number, percent) = match t.strip_suffix('%') {
                Some(n) => (n.trim(), true),
                None => (t, false),
            };
            let n: rust_decimal::Decimal = number.parse().map_err(|_| bad())?;
            if n.is_sign_negative() {
                return Err(bad());
            }
            Ok(ToleranceKey(if percent {
                Tolerance::Percent(n)
            } else {
                Tolerance::Amount(n)
            }))
        })
    }
}

struct CancelledKey(CancelledMode);

impl<'de> Deserialize<'de> for CancelledKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CancelledKey, D::Error> {
        checked(d, |t| match t.as_str() {
            "comment" => Ok(CancelledKey(CancelledMode::Comment)),
            "remove" => Ok(CancelledKey(CancelledMode::Remove)),
            other => Err(format!(
                "invalid value {other:?}: expected `comment` (commented out, with the reason) \
                 or `remove`"
            )),
        })
    }
}

struct Fallback(FallbackAccount);

impl<'de> Deserialize<'de> for Fallback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fallback, D::Error> {
        checked(d, |t| {
            if t == "none" {
                return Ok(Fallback(FallbackAccount::None));
            }
            beancount::check_account(&t)
                .map_err(|e| format!("{e} (or `none` for no counter posting)"))?;
            Ok(Fallback(FallbackAccount::Account(t)))
        })
    }
}

enum TxType {
    Booked,
    Pending,
}

impl<'de> Deserialize<'de> for TxType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TxType, D::Error> {
        checked(d, |t| match t.to_ascii_lowercase().as_str() {
            "booked" => Ok(TxType::Booked),
            "pending" => Ok(TxType::Pending),
            other => Err(format!(
                "invalid transaction type {other:?}: expected `booked` or `pending`"
            )),
        })
    }
}

/// A whole number from `MIN` to `MAX`: a day count that a typo cannot
/// turn into a request for the year -8925.
#[derive(Clone, Copy)]
struct Bounded<const MIN: u32, const MAX: u32>(u32);

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |t| {
            t.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (MIN..=MAX).contains(n))
                .map(Bounded)
                .ok_or_else(|| format!("expected a whole number from {MIN} to {MAX}, got {t:?}"))
        })
    }
}

/// A mapping of metadata key → text, in file order; keys checked.
struct MetaMap(Vec<(String, String)>);

impl<'de> Deserialize<'de> for MetaMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MetaMap, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MetaMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of metadata keys to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<MetaMap, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                let mut seen = BTreeMap::new();
                while let Some(k) = m.next_key::<MetaKey>()? {
                    let v: Text = m.next_value()?;
                    if seen.insert(k.0.clone(), ()).is_some() {
                        return Err(de::Error::custom(format!("key {:?} given twice", k.0)));
                    }
                    if k.0 == "gocardless_id" {
                        return Err(de::Error::custom(
                            "`gocardless_id` is written by the importer and cannot be set",
                        ));
                    }
                    out.push((k.0, v.0));
                }
                Ok(MetaMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "GC_ID").then(|| "my-id".to_owned())
    }

    fn err(yaml: &str) -> String {
        from_str_with_env(yaml, "c.yaml", env)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unknown_key_suggests_and_locates() {
        let e = err("accounts:\n  - id: a\n    acount: Assets:Bank\n");
        assert!(
            e.starts_with("c.yaml:3:5: accounts[0]: unknown key `acount`: did you mean `account`?"),
            "{e}"
        );
    }

    #[test]
    fn bad_account_name_has_position() {
        let e = err("accounts:\n  - id: a\n    account: assets:bank\n");
        assert!(
            e.starts_with("c.yaml:3:14: accounts[0].account: invalid account name"),
            "{e}"
        );
    }

    #[test]
    fn bad_currency_and_meta_key() {
        let e = err("accounts:\n  - id: a\n    account: Assets:B\n    currency: eur\n");
        assert!(
            e.contains("c.yaml:4:15") && e.contains("invalid currency"),
            "{e}"
        );
        let e = err("accounts:\n  - id: a\n    account: Assets:B\n    metadata: {Bad: x}\n");
        assert!(
            e.contains("c.yaml:4:") && e.contains("invalid metadata key"),
            "{e}"
        );
    }

    #[test]
    fn env_in_values_not_comments() {
        let c = from_str_with_env(
            "# $UNSET in a comment\nsecret_id: ${GC_ID}\nsecret_key: ${GC_KEY:-fallback}\nstore: $GC_ID.db\n",
            "c.yaml",
            env,
        )
        .unwrap();
        let source = c.source(IMPLICIT_SOURCE).unwrap();
        assert!(source.implicit);
        assert_eq!(source.settings.get("secret_id"), Some("my-id"));
        assert_eq!(source.settings.get("secret_key"), Some("fallback"));
        assert_eq!(
            format!("{:?}", source.settings),
            r#"{"secret_id", "secret_key"}"#
        );
        assert_eq!(c.application.get("store"), Some("my-id.db"));
        let e = err("secret_id: ${UNSET_X}\n");
        assert!(
            e.contains("c.yaml:1:12") && e.contains("UNSET_X is not set"),
            "{e}"
        );
    }

    #[test]
    fn python_config_is_mapped() {
        let yaml = "
secret_id: $GC_ID
secret_key: ${GC_KEY:-k}
cache_options:
  cache_name: gocardless
  backend: sqlite
  expire_after: 3600
accounts:
  - id: abc
    asset_account: Assets:Banks:Revolut:Checking
    transaction_types: [booked]
    preferred_balance_type: interimBooked
    exclude_default_metadata: [bookingDate]
    metadata_fields:
      cardScheme: additionalDataStructured.cardInstrument.cardSchemeName
";
        let c = from_str_with_env(yaml, "c.yaml", env).unwrap();
        let a = &c.accounts[0];
        assert_eq!(a.account, "Assets:Banks:Revolut:Checking");
        assert_eq!(a.pending, PendingMode::Skip);
        assert_eq!(a.balance, BalanceMode::Type(BalanceKind::InterimBooked));
        assert_eq!(
            a.metadata_fields,
            vec![(
                "cardScheme".to_owned(),
                "additionalDataStructured.cardInstrument.cardSchemeName".to_owned()
            )]
        );
        assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
    }

    #[test]
    fn defaults_apply_and_account_wins() {
        let yaml = "
defaults:
  currency: EUR
  pending: skip
  tags: [bank]
accounts:
  - id: a
    account: Assets:A
  - id: b
    account: Assets:B
    pending: flag
    fallback_account: none
";
        let c = from_str_with_env(yaml, "c.yaml", env).unwrap();
        assert_eq!(c.accounts[0].pending, PendingMode::Skip);
        assert_eq!(c.accounts[0].currency.as_deref(), Some("EUR"));
        assert_eq!(c.accounts[1].pending, PendingMode::Flag);
        assert_eq!(c.accounts[1].fallback_account, FallbackAccount::None);
        assert_eq!(c.accounts[1].tags, vec!["bank"]);
    }

    #[test]
    fn missing_account_and_duplicates() {
        let e = err("accounts:\n  - id: a\n    currency: EUR\n");
        assert!(
            e.starts_with("c.yaml:2:5:") && e.contains("missing key `account`"),
            "{e}"
        );
        let e =
            err("accounts:\n  - id: a\n    account: Assets:A\n  - id: a\n    account: Assets:B\n");
        assert!(e.contains("configured twice"), "{e}");
        let e = err("defaults:\n  id: x\n");
        assert!(
            e.starts_with("c.yaml:2:3: defaults: unknown key `id`"),
            "{e}"
        );
    }

    #[test]
    fn day_counts_are_bounded() {
        let e = err("accounts:\n  - { id: a, account: Assets:A, days: 4000000 }\n");
        assert!(
            e.contains("c.yaml:2:") && e.contains("from 1 to 3650"),
            "{e}"
        );
        let e = err("dedup: { window_days: 400 }\n");
        assert!(e.contains("from 0 to 31"), "{e}");
        let c = from_str("dedup: { window_days: 5 }\naccounts:\n  - { id: a, account: Assets:A, days_back: 30 }\n", "c.yaml").unwrap();
        assert_eq!((c.dedup.window_days, c.accounts[0].days), (5, Some(30)));
    }

    #[test]
    fn opening_and_reconcile_keys() {
        let c = from_str_with_env("", "c.yaml", env).unwrap();
        assert_eq!(c.opening, OpeningConfig::default());
        assert_eq!(c.reconcile, ReconcileConfig::default());
        let c = from_str_with_env(
            "opening: pad\nopening_balance_account: Equity:Start\nreconcile:\n  window_days: 10\n  tolerance: 5.00\n  cancelled: remove\n",
            "c.yaml",
            env,
        )
        .unwrap();
        assert_eq!(c.opening.mode, OpeningMode::Pad);
        assert_eq!(c.opening.account, "Equity:Start");
        assert_eq!(c.reconcile.window_days, 10);
        assert_eq!(
            c.reconcile.tolerance,
            Tolerance::Amount("5.00".parse().unwrap())
        );
        assert_eq!(c.reconcile.cancelled, CancelledMode::Remove);
        let e = err("opening: zero\n");
        assert!(e.contains("c.yaml:1:10") && e.contains("`exact`"), "{e}");
        let e = err("reconcile:\n  tolerance: lots\n");
        assert!(e.contains("c.yaml:2:14") && e.contains("30%"), "{e}");
        let e = err("opening_balance_account: equity\n");
        assert!(e.contains("invalid account name"), "{e}");
    }

    #[test]
    fn sources_are_named_and_accounts_choose_theirs() {
        let yaml = "
sources:
  gc: { provider: gocardless, secret_id: $GC_ID, secret_key: k }
  eb: { provider: enablebanking, application_id: app }
accounts:
  - { id: a, source: gc, account: Assets:A }
  - { id: a, source: eb, account: Assets:B }
";
        let c = from_str_with_env(yaml, "c.yaml", env).unwrap();
        assert_eq!(c.sources.len(), 2);
        assert_eq!(
            c.source("gc").unwrap().settings.get("secret_id"),
            Some("my-id")
        );
        assert_eq!(c.source("eb").unwrap().provider, "enablebanking");
        assert_eq!(c.accounts[1].source, "eb");
        let e = err(
            "sources:\n  gc: { provider: gocardless }\n  eb: { provider: enablebanking }\naccounts:\n  - { id: a, account: Assets:A }\n",
        );
        assert!(
            e.contains("c.yaml:5:") && e.contains("say which one"),
            "{e}"
        );
        let e = err(
            "sources:\n  gc: { provider: gocardless }\naccounts:\n  - { id: a, source: x, account: Assets:A }\n",
        );
        assert!(e.contains("no source is named \"x\" (sources: gc)"), "{e}");
        let e = err("secret_id: x\nsources:\n  gc: { provider: gocardless }\n");
        assert!(e.contains("move `secret_id` under"), "{e}");
        let e = err("sources:\n  gc: { secret_id: x }\n");
        assert!(e.contains("provider"), "{e}");
    }

    #[test]
    fn exports_are_carried_for_their_crate() {
        let yaml = "
exports:
  codat:
    api_key: ${GC_ID}
    company_id: c-1
    accounts:
      - account: Assets:Bank:Business
        source_account_id: acc-1
        account_type: checking
      - { account: Liabilities:Card, source_account_id: 42, whatever: x }
  books:
    provider: codat
    api_key: k2
";
        let c = from_str_with_env(yaml, "c.yaml", env).unwrap();
        assert_eq!(c.exports.len(), 2);
        let codat = c.export("codat").unwrap();
        assert_eq!(codat.provider, "codat");
        assert_eq!(codat.settings.get("api_key"), Some("my-id"));
        assert_eq!(
            format!("{:?}", codat.settings),
            r#"{"api_key", "company_id"}"#
        );
        assert_eq!(codat.accounts.len(), 2);
        assert_eq!(
            codat.accounts[0].get("account"),
            Some("Assets:Bank:Business")
        );
        // Numbers are text; unknown keys are the exporting crate's to refuse.
        assert_eq!(codat.accounts[1].get("source_account_id"), Some("42"));
        assert_eq!(codat.accounts[1].get("whatever"), Some("x"));
        let books = c.export("books").unwrap();
        assert_eq!(
            (books.provider.as_str(), books.accounts.len()),
            ("codat", 0)
        );
        assert!(
            from_str_with_env("accounts: []\n", "c.yaml", env)
                .unwrap()
                .exports
                .is_empty()
        );
        let e = err("exports:\n  codat:\n    accounts:\n      - account: ${NOPE}\n");
        assert!(
            e.contains("c.yaml:4:") && e.contains("NOPE is not set"),
            "{e}"
        );
        let e = err("exports:\n  codat:\n    accounts: { account: x }\n");
        assert!(e.contains("exports"), "{e}");
    }
}
