//! Stored responses given as files (`gc-beancount extract`, and what
//! `fetch --archive` writes).
//!
//! Files are named `<account-id>.transactions.json` (a transactions
//! response) and, optionally, `<account-id>.balances.json` (a balances
//! response); a folder given instead of a file stands for the files of
//! those names in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use importer::{AccountConfig, Adjust, Balance, Config, Input, Problem};

use crate::statement::{GoCardlessRecords, balances, statement};
use crate::{BalancesResponse, TransactionsResponse};

const TRANSACTIONS_SUFFIX: &str = ".transactions.json";
const BALANCES_SUFFIX: &str = ".balances.json";

/// One account's stored responses.
#[derive(Debug, Clone, Default)]
pub struct StoredResponses {
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

/// Files that cannot be used at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilesError {
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
/// [`StoredResponses`] per account id, sorted by id. A file whose content is not
/// a response is recorded in [`StoredResponses::unreadable`], not an error.
pub fn load_files(paths: &[PathBuf]) -> Result<Vec<StoredResponses>, FilesError> {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| FilesError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|source| FilesError::Io {
                path: p.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = Vec::new();
            for entry in rd {
                let entry = entry.map_err(|source| FilesError::Io {
                    path: p.clone(),
                    source,
                })?;
                let path = entry.path();
                if split_name(&path).is_some() && path.is_file() {
                    found.push(path);
                }
            }
            if found.is_empty() {
                return Err(FilesError::EmptyFolder { path: p.clone() });
            }
            found.sort();
            files.extend(found);
        } else {
            if split_name(p).is_none() {
                return Err(FilesError::BadName { path: p.clone() });
            }
            files.push(p.clone());
        }
    }

    let mut by_id: BTreeMap<String, StoredResponses> = BTreeMap::new();
    for f in files {
        let (id, kind) = split_name(&f).expect("filtered above");
        let bytes = std::fs::read(&f).map_err(|source| FilesError::Io {
            path: f.clone(),
            source,
        })?;
        let data = by_id.entry(id.clone()).or_insert_with(|| StoredResponses {
            account_id: id,
            ..StoredResponses::default()
        });
        // One file that is not UTF-8 JSON spoils only itself; a UTF-8 byte
        // order mark is allowed.
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
            Err(e) => {
                let hint = if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
                    "it is UTF-16: save it as UTF-8"
                } else {
                    "save it as UTF-8"
                };
                data.unreadable.push((
                    f,
                    format!("not UTF-8 text (byte {}): {hint}", e.valid_up_to()),
                ));
                continue;
            }
        };
        match kind {
            Kind::Transactions => match serde_json::from_str::<TransactionsResponse>(text) {
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
            Kind::Balances => match serde_json::from_str::<BalancesResponse>(text) {
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

impl StoredResponses {
    /// The configured account these responses are for (by id or name);
    /// `None` when the configuration does not list it.
    pub fn account<'c>(&self, config: &'c Config) -> Option<&'c AccountConfig> {
        config.account(&self.account_id)
    }
}

/// The configured accounts that have stored responses, in configuration
/// order, each read for the importer.
pub struct Prepared<'a> {
    accounts: Vec<(&'a AccountConfig, GoCardlessRecords<'a>, Vec<Balance>)>,
}

impl<'a> Prepared<'a> {
    /// Pairs each configured account with its responses.
    pub fn new(config: &'a Config, data: &'a [StoredResponses]) -> Prepared<'a> {
        let accounts = config
            .accounts
            .iter()
            .filter_map(|a| {
                let d = data.iter().find(|d| d.account(config) == Some(a))?;
                Some((
                    a,
                    GoCardlessRecords::new(&d.transactions),
                    d.balances.as_ref().map(balances).unwrap_or_default(),
                ))
            })
            .collect();
        Prepared { accounts }
    }

    /// The importer's inputs, each account with the preset `adjust` gives
    /// it.
    pub fn inputs<'s>(
        &'s self,
        adjust: impl Fn(&AccountConfig) -> Option<&'s dyn Adjust>,
    ) -> Vec<Input<'s>> {
        self.accounts
            .iter()
            .map(|(a, records, balances)| Input {
                account: a,
                statement: statement(records, balances),
                adjust: adjust(a),
            })
            .collect()
    }
}

/// What nothing can be done with, said rather than passed over: responses
/// of an account the configuration does not list, and files that could
/// not be read.
pub fn problems(config: &Config, data: &[StoredResponses]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for d in data {
        let Some(account) = d.account(config) else {
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
            continue;
        };
        for (path, why) in &d.unreadable {
            problems.push(Problem {
                account: account.label().to_owned(),
                transaction_id: None,
                reason: format!("{}: {why}", path.display()),
            });
        }
    }
    problems
}
