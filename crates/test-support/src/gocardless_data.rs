//! GoCardless payloads through the importer, the way `extract` and
//! `import` hand them over.

use std::path::PathBuf;

use chrono::NaiveDate;
use gocardless::files::{self, FilesError, Prepared, StoredResponses};
use gocardless::statement::{GoCardlessRecords, balances, statement};
use gocardless::{BalancesResponse, TransactionsResponse};
use importer::rules::Categorizer;
use importer::{AccountConfig, AccountOutput, Config, Input, Problem, Run};

/// Converts one account's responses with the default categoriser (no
/// rules but the account's own).
pub fn convert_account(
    account: &AccountConfig,
    transactions: &TransactionsResponse,
    balance_response: Option<&BalancesResponse>,
    today: NaiveDate,
) -> AccountOutput {
    convert_account_with(
        account,
        transactions,
        balance_response,
        today,
        &Categorizer::default(),
    )
}

/// Converts one account's responses with `categorizer`.
pub fn convert_account_with(
    account: &AccountConfig,
    transactions: &TransactionsResponse,
    balance_response: Option<&BalancesResponse>,
    today: NaiveDate,
    categorizer: &Categorizer,
) -> AccountOutput {
    let records = GoCardlessRecords::new(transactions);
    let balances = balance_response.map(balances).unwrap_or_default();
    let input = Input {
        account,
        statement: statement(&records, &balances),
        adjust: None,
    };
    importer::convert_account(
        &input,
        today,
        categorizer,
        importer::Decisions::All,
        importer::Aliases::Keep,
    )
}

/// The text a run without a ledger writes for these outputs: a complete
/// ledger (`open` directives, opening balances, the entries).
pub fn as_ledger(outputs: &[AccountOutput], today: NaiveDate) -> String {
    Run::new(&Config::default(), None, today)
        .import_outputs(outputs.to_vec())
        .text()
}

/// What [`extract`] and [`convert_all_with`] give: the text, the outputs
/// and every problem (records not converted, files not used).
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The Beancount text.
    pub text: String,
    /// Each account's entries.
    pub outputs: Vec<AccountOutput>,
    /// What could not be converted or used.
    pub problems: Vec<Problem>,
}

/// Converts stored responses for the accounts of `config` as `extract`
/// does without a ledger, categorising with `categorizer`.
pub fn convert_all_with(
    config: &Config,
    data: &[StoredResponses],
    today: NaiveDate,
    categorizer: &Categorizer,
) -> Extracted {
    let mut run = Run::new(config, None, today);
    run.categorizer = categorizer.clone();
    run.decisions = importer::Decisions::All;
    let imported = run.import(&Prepared::new(config, data).inputs(|_| None));
    let mut problems = files::problems(config, data);
    problems.extend(imported.problems().cloned());
    Extracted {
        text: imported.text(),
        outputs: imported.outputs,
        problems,
    }
}

/// `extract -e LEDGER PATH…`: what a run with the configuration's rules
/// writes to append to `ledger`.
///
/// # Errors
/// When the files cannot be loaded.
pub fn extract_into(
    config: &Config,
    paths: &[PathBuf],
    ledger: &importer::ledger::Ledger,
    today: NaiveDate,
) -> Result<Extracted, FilesError> {
    let data = files::load_files(paths)?;
    let run = Run::new(config, Some(ledger), today);
    let imported = run.import(&Prepared::new(config, &data).inputs(|_| None));
    let mut problems = files::problems(config, &data);
    problems.extend(imported.problems().cloned());
    Ok(Extracted {
        text: imported.text(),
        outputs: imported.outputs,
        problems,
    })
}

/// `extract PATH…` without a ledger, with the configuration's rules.
///
/// # Errors
/// When the files cannot be loaded.
pub fn extract(
    config: &Config,
    paths: &[PathBuf],
    today: NaiveDate,
) -> Result<Extracted, FilesError> {
    let data = files::load_files(paths)?;
    Ok(convert_all_with(
        config,
        &data,
        today,
        &Categorizer::new(config),
    ))
}
