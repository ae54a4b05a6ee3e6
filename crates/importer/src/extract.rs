//! Converting stored API responses given as files.
//!
//! Files are named `<account-id>.transactions.json` (a transactions
//! response) and, optionally, `<account-id>.balances.json` (a balances
//! response); a folder given instead of a file stands for the files of
//! those names in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use gocardless::{BalancesResponse, TransactionsResponse};

use crate::config::{AccountConfig, Config};
use crate::convert::{AccountOutput, Problem, convert_account_with};
use crate::render::render;
use crate::rules::Categorizer;

const TRANSACTIONS_SUFFIX: &str = ".transactions.json";
const BALANCES_SUFFIX: &str = ".balances.json";

/// One account's stored responses.
#[derive(Debug, Clone, Default)]
pub struct AccountData {
    /// The GoCardless account id, from the file name.
    pub account_id: String,
    /// The transactions response (empty when only balances were given).
    pub transactions: TransactionsResponse,
    /// The balances response, when given.
    pub balances: Option<BalancesResponse>,
    /// Files that could not be read as responses, with why: the account's
    /// other data is still used.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// What [`extract`] produced.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The Beancount text of every account with data, in configuration
    /// order.
    pub text: String,
    /// The per-account results the text was rendered from.
    pub outputs: Vec<AccountOutput>,
    /// Everything that could not be converted; empty on a clean run.
    pub problems: Vec<Problem>,
}

/// Files that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A path given does not exist or cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file given is not named like a stored response.
    #[error(
        "{}: not a stored response: name files <account-id>.transactions.json or \
         <account-id>.balances.json",
        path.display()
    )]
    BadName {
        /// The file.
        path: PathBuf,
    },
    /// A folder given holds no stored responses.
    #[error(
        "{}: no <account-id>.transactions.json or <account-id>.balances.json files in this folder",
        path.display()
    )]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },
}

/// Reads the stored responses at `paths` (files or folders), one
/// [`AccountData`] per account id, sorted by id. A file whose content is not
/// a response is recorded in [`AccountData::unreadable`], not an error.
pub fn load_files(paths: &[PathBuf]) -> Result<Vec<AccountData>, ExtractError> {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| ExtractError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|source| ExtractError::Io {
                path: p.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = Vec::new();
            for entry in rd {
                let entry = entry.map_err(|source| ExtractError::Io {
                    path: p.clone(),
                    source,
                })?;
                let path = entry.path();
                if split_name(&path).is_some() && path.is_file() {
                    found.push(path);
                }
            }
            if found.is_empty() {
                return Err(ExtractError::EmptyFolder { path: p.clone() });
            }
            found.sort();
            files.extend(found);
        } else {
            if split_name(p).is_none() {
                return Err(ExtractError::BadName { path: p.clone() });
            }
            files.push(p.clone());
        }
    }

    let mut by_id: BTreeMap<String, AccountData> = BTreeMap::new();
    for f in files {
        let (id, kind) = split_name(&f).expect("filtered above");
        let text = std::fs::read_to_string(&f).map_err(|source| ExtractError::Io {
            path: f.clone(),
            source,
        })?;
        let data = by_id.entry(id.clone()).or_insert_with(|| AccountData {
            account_id: id,
            ..AccountData::default()
        });
        match kind {
            Kind::Transactions => match serde_json::from_str::<TransactionsResponse>(&text) {
                Ok(t) => {
                    // The same account given twice: keep both lists.
                    data.transactions
                        .transactions
                        .booked
                        .extend(t.transactions.booked);
                    data.transactions
                        .transactions
                        .pending
                        .extend(t.transactions.pending);
                }
                Err(e) => data
                    .unreadable
                    .push((f, format!("not a transactions response: {e}"))),
            },
            Kind::Balances => match serde_json::from_str::<BalancesResponse>(&text) {
                Ok(b) => match &mut data.balances {
                    Some(have) => have.balances.extend(b.balances),
                    None => data.balances = Some(b),
                },
                Err(e) => data
                    .unreadable
                    .push((f, format!("not a balances response: {e}"))),
            },
        }
    }
    Ok(by_id.into_values().collect())
}

enum Kind {
    Transactions,
    Balances,
}

fn split_name(p: &Path) -> Option<(String, Kind)> {
    let name = p.file_name()?.to_str()?;
    if let Some(id) = name.strip_suffix(TRANSACTIONS_SUFFIX) {
        return (!id.is_empty()).then(|| (id.to_owned(), Kind::Transactions));
    }
    if let Some(id) = name.strip_suffix(BALANCES_SUFFIX) {
        return (!id.is_empty()).then(|| (id.to_owned(), Kind::Balances));
    }
    None
}

/// Converts the stored responses at `paths` for the accounts of `config`.
///
/// Data for an account the configuration does not list, and unreadable
/// files, are reported as problems; the other accounts are still converted.
pub fn extract(
    config: &Config,
    paths: &[PathBuf],
    today: NaiveDate,
) -> Result<Extracted, ExtractError> {
    let data = load_files(paths)?;
    Ok(convert_all(config, &data, today))
}

/// Converts loaded data for the accounts of `config` (see [`extract`]),
/// with the global rules of `config`.
pub fn convert_all(config: &Config, data: &[AccountData], today: NaiveDate) -> Extracted {
    convert_all_with(config, data, today, &Categorizer::new(config))
}

/// Like [`convert_all`], categorising with `categorizer` (rules, a model
/// learned from the ledger, own accounts by IBAN); the two sides of a
/// transfer between converted accounts become one entry
/// ([`crate::transfer::merge`]).
pub fn convert_all_with(
    config: &Config,
    data: &[AccountData],
    today: NaiveDate,
    categorizer: &Categorizer,
) -> Extracted {
    let mut problems = Vec::new();
    let mut outputs = Vec::new();
    for (account, d) in pair_with_config(config, data, &mut problems) {
        let out = convert_account_with(
            account,
            &d.transactions,
            d.balances.as_ref(),
            today,
            categorizer,
        );
        problems.extend(out.problems.iter().cloned());
        outputs.push(out);
    }
    crate::transfer::merge(&mut outputs);
    Extracted {
        text: render(&outputs),
        outputs,
        problems,
    }
}

/// The configured accounts that `data` has data for, in the order of the
/// configuration, each with its data. Data for an account the configuration
/// does not name, and files that could not be read, go to `problems`:
/// nothing given is passed over in silence.
pub fn pair_with_config<'c, 'd>(
    config: &'c Config,
    data: &'d [AccountData],
    problems: &mut Vec<Problem>,
) -> Vec<(&'c AccountConfig, &'d AccountData)> {
    for d in data {
        if config.account(&d.account_id).is_none() {
            let known: Vec<&str> = config.accounts.iter().map(|a| a.id.as_str()).collect();
            problems.push(Problem {
                account: d.account_id.clone(),
                transaction_id: None,
                reason: format!(
                    "the account is not in the configuration {} (configured ids: {}); add it \
                     under `accounts:` to import its data",
                    config.origin,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        }
    }
    let mut pairs = Vec::new();
    for account in &config.accounts {
        let Some(d) = data.iter().find(|d| {
            d.account_id == account.id || Some(d.account_id.as_str()) == account.name.as_deref()
        }) else {
            continue;
        };
        for (path, why) in &d.unreadable {
            problems.push(Problem {
                account: account.label().to_owned(),
                transaction_id: None,
                reason: format!("{}: {why}", path.display()),
            });
        }
        pairs.push((account, d));
    }
    pairs
}
