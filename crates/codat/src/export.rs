//! The export: each account's plan pushed to Codat, batch by batch,
//! resuming what an earlier run left in flight.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::feed::{AccountFeed, Feed};
use crate::log::{InFlight, PushLog, PushOutcome};
use crate::model::{
    ConnectionStatus, NewSourceAccount, PushOperation, PushOperationKey, PushStatus, SourceAccount,
    SourceAccountStatus, SourceAccountUpdate,
};
use crate::plan::{AccountPlan, Rules};
use crate::settings::ExportSettings;
use crate::{Client, ConnectionRef, Error, IdempotencyKey};

/// What an export did, account by account.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// One per exported account, in the order of the settings.
    pub accounts: Vec<AccountReport>,
}

impl ExportReport {
    /// Whether nothing needs the user: every account up to date or
    /// waiting for nothing but time, with a clean plan (see
    /// [`AccountPlan::is_clean`]).
    pub fn is_clean(&self) -> bool {
        self.accounts
            .iter()
            .all(|a| a.plan.is_clean() && a.outcome == AccountOutcome::UpToDate)
    }
}

/// What an export did for one account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReport {
    /// The plan, as built after resuming the pushes in flight.
    pub plan: AccountPlan,
    /// Whether the source account was created by this run.
    pub created: bool,
    /// Where the account stands.
    pub outcome: AccountOutcome,
    /// The pushes made or resumed, in order.
    pub pushes: Vec<PushReport>,
}

/// Where an exported account stands after an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AccountOutcome {
    /// Everything the plan had was pushed (perhaps nothing).
    UpToDate,
    /// The account cannot be exported (see [`AccountPlan::problem`]).
    NotExported,
    /// The source account waits for the company to connect it to an
    /// account in its accounting software: nothing is pushed until then.
    AwaitingConnection {
        /// The latest feed start date to choose so that nothing planned is
        /// refused (the date of the first transaction to push).
        feed_start_by: Option<NaiveDate>,
    },
    /// The source account is disconnected (or in a state this crate does
    /// not know): nothing is pushed.
    Disconnected {
        /// Its status.
        status: String,
    },
    /// A push was refused or timed out; later batches were not sent.
    PushFailed,
    /// A push has not ended yet; the next run resumes it (later batches
    /// were not sent).
    InFlight,
}

impl fmt::Display for AccountOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountOutcome::UpToDate => f.write_str("up to date"),
            AccountOutcome::NotExported => f.write_str("not exported"),
            AccountOutcome::AwaitingConnection { feed_start_by } => {
                f.write_str(
                    "the source account waits to be connected: in the accounting software, \
                     connect the bank feed to the bank account it belongs to",
                )?;
                if let Some(d) = feed_start_by {
                    write!(f, ", with a feed start date on or before {d}")?;
                }
                f.write_str("; then export again")
            }
            AccountOutcome::Disconnected { status } => write!(
                f,
                "the source account is {status}: nothing is pushed; connect the bank feed again \
                 in the accounting software"
            ),
            AccountOutcome::PushFailed => f.write_str(
                "a push was refused or timed out, and nothing after it was sent: see its errors",
            ),
            AccountOutcome::InFlight => f.write_str(
                "a push is still being processed by Codat: the next export waits for it to end \
                 and goes on",
            ),
        }
    }
}

/// One push and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    /// Its idempotency key.
    pub idempotency_key: IdempotencyKey,
    /// Codat's operation, once accepted.
    pub operation_key: Option<PushOperationKey>,
    /// Whether it was left in flight by an earlier run.
    pub resumed: bool,
    /// How many transactions it carried.
    pub transactions: usize,
    /// The date of its first transaction.
    pub from: Option<NaiveDate>,
    /// The date of its last transaction.
    pub through: Option<NaiveDate>,
    /// Its last known status (`Pending` when not finished).
    pub status: PushStatus,
    /// Codat's message, for a push that did not succeed.
    pub error_message: Option<String>,
    /// The validation errors, each with the ledger transaction at fault.
    pub rejections: Vec<RejectedTransaction>,
    /// Codat's validation warnings, as written.
    pub warnings: Vec<String>,
}

impl PushReport {
    fn new(batch: &InFlight, resumed: bool) -> PushReport {
        PushReport {
            idempotency_key: batch.idempotency_key.clone(),
            operation_key: batch.operation_key.clone(),
            resumed,
            transactions: batch.transactions.len(),
            from: batch.transactions.first().map(|t| t.date.date()),
            through: batch.transactions.last().map(|t| t.date.date()),
            status: PushStatus::Pending,
            error_message: None,
            rejections: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// A validation error of a push, tied to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedTransaction {
    /// The id of the transaction at fault; `None` for an error about the
    /// push as a whole.
    pub id: Option<String>,
    /// Where that transaction is in the ledger (`file:line` when pushed).
    pub location: Option<String>,
    /// Codat's message.
    pub message: String,
}

impl fmt::Display for RejectedTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, &self.id) {
            (Some(l), Some(id)) => write!(f, "{l}: transaction {id}: {}", self.message),
            (None, Some(id)) => write!(f, "transaction {id}: {}", self.message),
            _ => write!(f, "the push as a whole: {}", self.message),
        }
    }
}

/// Exports `feed` through `client` as `settings` say, with `log` as the
/// memory of what was pushed, under `rules`.
///
/// For each account: the pushes an earlier run left in flight are
/// resumed (waited for, or sent again under their own idempotency key when
/// Codat's answer never came); then the plan is built; the source account
/// is created when missing (with the balance before the first transaction
/// to push) and, while it waits to be connected, its balance kept at that;
/// once connected, the plan's batches are pushed oldest first, each
/// recorded in `log` before it is sent and finished once its operation
/// ends. A refused or timed-out push stops that account's pushes; its
/// errors name the ledger lines at fault.
///
/// # Errors
/// [`Error::ConnectionNotLinked`] when the connection is not authorised;
/// [`Error::Store`] when `log` fails; any failure of a request, after its
/// retries. A push whose answer was lost stays in flight in `log`, and the
/// next run resumes it.
pub fn export<L: PushLog>(
    client: &Client,
    settings: &ExportSettings,
    feed: &Feed,
    log: &mut L,
    rules: Rules,
) -> Result<ExportReport, Error> {
    let connection_ref = settings.connection();
    let connection = client.connection(&connection_ref)?;
    if connection.status != ConnectionStatus::Linked {
        return Err(Error::ConnectionNotLinked {
            connection_id: connection_ref.connection_id.clone(),
            status: connection.status,
        });
    }
    let mut run = Run {
        client,
        connection: connection_ref,
        targets: client.source_accounts(&settings.connection())?,
        log,
        rules,
    };
    let mut accounts = Vec::new();
    for account in &feed.accounts {
        accounts.push(run.account(account)?);
    }
    Ok(ExportReport { accounts })
}

struct Run<'a, L> {
    client: &'a Client,
    connection: ConnectionRef,
    targets: Vec<SourceAccount>,
    log: &'a mut L,
    rules: Rules,
}

impl<L: PushLog> Run<'_, L> {
    fn account(&mut self, feed: &AccountFeed) -> Result<AccountReport, Error> {
        let id = feed.settings.source_account_id.as_str();
        let mut pushes = Vec::new();
        let state = self.log.state(id).map_err(|e| Error::store(id, e))?;
        let mut stopped = None;
        for batch in state.in_flight {
            let report = self.push(id, batch, true)?;
            let outcome = stop_outcome(&report);
            pushes.push(report);
            if outcome.is_some() {
                stopped = outcome;
                break;
            }
        }
        let state = self.log.state(id).map_err(|e| Error::store(id, e))?;
        let target = self.targets.iter().find(|t| t.id == id).cloned();
        let mut plan = AccountPlan::build(feed, &state, self.rules, target.as_ref());
        let mut report = AccountReport {
            created: false,
            outcome: AccountOutcome::UpToDate,
            pushes,
            plan: plan.clone(),
        };
        if let Some(outcome) = stopped {
            report.outcome = outcome;
            return Ok(report);
        }
        let Some(currency) = feed.currency.clone().filter(|_| feed.problem.is_none()) else {
            report.outcome = AccountOutcome::NotExported;
            return Ok(report);
        };
        let opening = plan.opening_balance.unwrap_or(plan.balance);
        let target = match target {
            Some(t) => t,
            None => {
                let s = &feed.settings;
                let new = NewSourceAccount::new(
                    id,
                    &s.name,
                    s.account_type.clone(),
                    &s.account_number,
                    currency,
                    opening,
                );
                let created = match self.client.create_source_account(&self.connection, &new) {
                    Ok(t) => {
                        report.created = true;
                        t
                    }
                    // Created by a run whose answer was lost.
                    Err(Error::Conflict { .. }) => {
                        self.targets = self.client.source_accounts(&self.connection)?;
                        match self.targets.iter().find(|t| t.id == id) {
                            Some(t) => t.clone(),
                            None => {
                                return Err(Error::InvalidArgument {
                                    op: crate::Operation::new("POST bankFeedAccounts"),
                                    message: format!(
                                        "Codat says source account {id} exists but does not \
                                         list it: choose another source_account_id"
                                    ),
                                });
                            }
                        }
                    }
                    Err(e) => return Err(e),
                };
                self.targets.retain(|t| t.id != id);
                self.targets.push(created.clone());
                // Connected at once (some platforms): its feed start applies.
                plan = AccountPlan::build(feed, &state, self.rules, Some(&created));
                report.plan = plan.clone();
                created
            }
        };
        match &target.status {
            Some(SourceAccountStatus::Connected) => {}
            Some(SourceAccountStatus::Pending | SourceAccountStatus::Connecting) | None => {
                // Codat takes a balance only until the account is connected:
                // keep it at the balance the first push continues from.
                if !report.created && target.balance != Some(opening) {
                    let update = SourceAccountUpdate {
                        balance: Some(opening),
                        ..SourceAccountUpdate::default()
                    };
                    self.client
                        .update_source_account(&self.connection, id, &update)?;
                }
                report.outcome = AccountOutcome::AwaitingConnection {
                    feed_start_by: plan.push.first().map(|t| t.date),
                };
                return Ok(report);
            }
            Some(other) => {
                report.outcome = AccountOutcome::Disconnected {
                    status: other.to_string(),
                };
                return Ok(report);
            }
        }
        for batch in plan.batches() {
            let transactions: Vec<_> = batch.iter().map(|t| t.bank_transaction()).collect();
            let in_flight = InFlight {
                idempotency_key: IdempotencyKey::for_batch(id, &transactions),
                operation_key: None,
                transactions,
                records: batch.iter().map(|t| t.record()).collect(),
            };
            self.log
                .begin(id, &in_flight)
                .map_err(|e| Error::store(id, e))?;
            let pushed = self.push(id, in_flight, false)?;
            let stop = stop_outcome(&pushed);
            report.pushes.push(pushed);
            if let Some(outcome) = stop {
                report.outcome = outcome;
                break;
            }
        }
        Ok(report)
    }

    /// Sends a batch recorded in the log (unless Codat already accepted
    /// it) and waits for its operation to end.
    fn push(&mut self, id: &str, batch: InFlight, resumed: bool) -> Result<PushReport, Error> {
        let mut report = PushReport::new(&batch, resumed);
        let key = &batch.idempotency_key;
        let operation_key = match &batch.operation_key {
            Some(k) => k.clone(),
            None => {
                let sent =
                    self.client
                        .push_transactions(&self.connection, id, &batch.transactions, key);
                let operation = match sent {
                    Ok(op) => op,
                    // The push may have been stored: it stays in flight and
                    // the next run sends it again under the same key.
                    Err(e) if e.is_transient() => return Err(e),
                    Err(e) => {
                        self.log
                            .finish(id, key, PushOutcome::NotStored)
                            .map_err(|e| Error::store(id, e))?;
                        return Err(e);
                    }
                };
                self.log
                    .accepted(id, key, &operation.push_operation_key)
                    .map_err(|e| Error::store(id, e))?;
                operation.push_operation_key
            }
        };
        report.operation_key = Some(operation_key.clone());
        let operation = match self
            .client
            .wait_for_push(&self.connection.company_id, &operation_key)
        {
            Ok(op) => op,
            Err(Error::PushNotFinished { status, .. }) => {
                report.status = status;
                return Ok(report);
            }
            Err(e) => return Err(e),
        };
        let outcome = if operation.status == PushStatus::Success {
            PushOutcome::Stored
        } else {
            PushOutcome::NotStored
        };
        self.log
            .finish(id, key, outcome)
            .map_err(|e| Error::store(id, e))?;
        describe_outcome(&mut report, &operation, &batch);
        Ok(report)
    }
}

/// Fills in what Codat said about an ended push.
fn describe_outcome(report: &mut PushReport, operation: &PushOperation, batch: &InFlight) {
    report.status = operation.status.clone();
    if operation.status != PushStatus::Success {
        report.error_message = operation.error_message.clone();
        if operation.status == PushStatus::TimedOut && report.error_message.is_none() {
            report.error_message = Some(
                "the push timed out and Codat did not store it: it is sent again by the next \
                 export"
                    .to_owned(),
            );
        }
    }
    report.rejections = operation
        .rejections(&batch.transactions)
        .into_iter()
        .map(|r| RejectedTransaction {
            location: r.transaction_id.as_ref().and_then(|id| {
                batch
                    .records
                    .iter()
                    .find(|rec| &rec.id == id)
                    .map(|rec| rec.location.clone())
            }),
            id: r.transaction_id,
            message: r.item.message.unwrap_or_else(|| "(no message)".to_owned()),
        })
        .collect();
    report.warnings = operation
        .validation
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
}

/// The outcome that stops an account's pushes after this one, if any.
fn stop_outcome(report: &PushReport) -> Option<AccountOutcome> {
    match report.status {
        PushStatus::Success => None,
        PushStatus::Failed | PushStatus::TimedOut => Some(AccountOutcome::PushFailed),
        _ => Some(AccountOutcome::InFlight),
    }
}
