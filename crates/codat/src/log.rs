//! What was pushed: the memory an export needs between runs.
//!
//! A bank feed has no update or delete, so the exporter must know, per
//! source account, which transactions it pushed (to push nothing twice and
//! to tell edits made since) and which push is still in flight (to resume
//! it rather than push again). [`PushLog`] is that memory; the application
//! keeps it in its store, [`MemoryPushLog`] keeps it in memory.

use std::collections::BTreeMap;
use std::convert::Infallible;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::IdempotencyKey;
use crate::model::{BankTransaction, PushOperationKey};

/// A transaction pushed to a source account, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedRecord {
    /// Its id in the feed.
    pub id: String,
    /// The hash of its content when pushed (see
    /// [`FeedPosting::content_hash`](crate::FeedPosting::content_hash)).
    pub content_hash: String,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount.
    pub amount: Decimal,
    /// The balance pushed with it.
    pub balance: Decimal,
    /// Its description.
    pub description: String,
    /// Its counterparty.
    pub counterparty: Option<String>,
    /// Where it was in the ledger (`file:line`) when pushed.
    pub location: String,
}

/// A push whose outcome is not known yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    /// The push's idempotency key: sending `transactions` again under it
    /// within 90 minutes gets the first push's operation back.
    pub idempotency_key: IdempotencyKey,
    /// Codat's operation key, once Codat accepted the push.
    pub operation_key: Option<PushOperationKey>,
    /// The batch exactly as sent.
    pub transactions: Vec<BankTransaction>,
    /// What to keep of each of `transactions` once pushed (same order).
    pub records: Vec<PushedRecord>,
}

/// What the log holds for one source account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PushState {
    /// The transactions pushed, in the order pushed.
    pub pushed: Vec<PushedRecord>,
    /// The pushes in flight, oldest first.
    pub in_flight: Vec<InFlight>,
}

/// How a push ended, for [`PushLog::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Codat stored it: its records join the pushed ones.
    Stored,
    /// Codat refused it or it timed out, storing nothing: it is forgotten
    /// and its transactions may be pushed again.
    NotStored,
}

/// The memory of what was pushed, per source account.
///
/// The exporter calls [`PushLog::begin`] before sending a batch,
/// [`PushLog::accepted`] once Codat answered with its operation, and
/// [`PushLog::finish`] once the operation ended; a run that stops in
/// between leaves the batch in flight, and the next run resumes it. Each
/// call must be durable when it returns.
pub trait PushLog {
    /// Why the log cannot be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// What was pushed to `source_account_id` and what is in flight.
    ///
    /// # Errors
    /// When the log cannot be read.
    fn state(&self, source_account_id: &str) -> Result<PushState, Self::Error>;

    /// A batch is about to be sent (its `operation_key` is `None`).
    ///
    /// # Errors
    /// When the log cannot be written: then nothing is sent.
    fn begin(&mut self, source_account_id: &str, batch: &InFlight) -> Result<(), Self::Error>;

    /// Codat accepted the batch sent under `key` as `operation`.
    ///
    /// # Errors
    /// When the log cannot be written.
    fn accepted(
        &mut self,
        source_account_id: &str,
        key: &IdempotencyKey,
        operation: &PushOperationKey,
    ) -> Result<(), Self::Error>;

    /// The push sent under `key` ended.
    ///
    /// # Errors
    /// When the log cannot be written.
    fn finish(
        &mut self,
        source_account_id: &str,
        key: &IdempotencyKey,
        outcome: PushOutcome,
    ) -> Result<(), Self::Error>;
}

/// A [`PushLog`] in memory, for tests and dry runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryPushLog {
    accounts: BTreeMap<String, PushState>,
}

impl MemoryPushLog {
    /// An empty log.
    pub fn new() -> MemoryPushLog {
        MemoryPushLog::default()
    }
}

impl PushLog for MemoryPushLog {
    type Error = Infallible;

    fn state(&self, source_account_id: &str) -> Result<PushState, Infallible> {
        Ok(self
            .accounts
            .get(source_account_id)
            .cloned()
            .unwrap_or_default())
    }

    fn begin(&mut self, source_account_id: &str, batch: &InFlight) -> Result<(), Infallible> {
        self.accounts
            .entry(source_account_id.to_owned())
            .or_default()
            .in_flight
            .push(batch.clone());
        Ok(())
    }

    fn accepted(
        &mut self,
        source_account_id: &str,
        key: &IdempotencyKey,
        operation: &PushOperationKey,
    ) -> Result<(), Infallible> {
        if let Some(state) = self.accounts.get_mut(source_account_id)
            && let Some(batch) = state
                .in_flight
                .iter_mut()
                .find(|b| &b.idempotency_key == key)
        {
            batch.operation_key = Some(operation.clone());
        }
        Ok(())
    }

    fn finish(
        &mut self,
        source_account_id: &str,
        key: &IdempotencyKey,
        outcome: PushOutcome,
    ) -> Result<(), Infallible> {
        let Some(state) = self.accounts.get_mut(source_account_id) else {
            return Ok(());
        };
        if let Some(i) = state
            .in_flight
            .iter()
            .position(|b| &b.idempotency_key == key)
        {
            let batch = state.in_flight.remove(i);
            if outcome == PushOutcome::Stored {
                state.pushed.extend(batch.records);
            }
        }
        Ok(())
    }
}
