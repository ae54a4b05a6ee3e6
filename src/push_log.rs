//! The exports' memory of what they pushed: [`codat::PushLog`] kept in the
//! store, one JSON state per (export, source account), each change read and
//! written in one transaction so that it is durable when the call returns
//! and two processes exporting at once do not lose each other's pushes.

use codat::{IdempotencyKey, InFlight, PushLog, PushOperationKey, PushOutcome, PushState};
use store::{Store, StoreError};

/// The push log of one export in the store file.
#[derive(Debug, Clone)]
pub struct StorePushLog {
    store: Store,
    export: String,
}

/// Why the push log cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushLogError {
    /// The store file cannot be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What the store holds is not a push log this version reads.
    #[error(
        "export {export}, source account {account}: the push log in the store cannot be read \
         ({source}); it was written by another version of gc-beancount: use that version, or \
         move the store aside (the next export then pushes everything again)"
    )]
    Unreadable {
        /// The export.
        export: String,
        /// The source account.
        account: String,
        /// What is wrong with it.
        source: serde_json::Error,
    },
}

impl StorePushLog {
    /// The push log of export `export` (the key under `exports:`).
    pub fn new(store: Store, export: &str) -> StorePushLog {
        StorePushLog {
            store,
            export: export.to_owned(),
        }
    }

    fn parse(&self, account: &str, text: Option<String>) -> Result<PushState, PushLogError> {
        match text {
            None => Ok(PushState::default()),
            Some(t) => serde_json::from_str(&t).map_err(|source| PushLogError::Unreadable {
                export: self.export.clone(),
                account: account.to_owned(),
                source,
            }),
        }
    }

    fn update(
        &self,
        account: &str,
        change: impl FnOnce(&mut PushState),
    ) -> Result<(), PushLogError> {
        self.store.update_push_log(&self.export, account, |old| {
            let mut state = self.parse(account, old)?;
            change(&mut state);
            serde_json::to_string(&state).map_err(|source| PushLogError::Unreadable {
                export: self.export.clone(),
                account: account.to_owned(),
                source,
            })
        })
    }
}

impl PushLog for StorePushLog {
    type Error = PushLogError;

    fn state(&self, source_account_id: &str) -> Result<PushState, PushLogError> {
        let text = self.store.push_log(&self.export, source_account_id)?;
        self.parse(source_account_id, text)
    }

    fn begin(&mut self, source_account_id: &str, batch: &InFlight) -> Result<(), PushLogError> {
        self.update(source_account_id, |s| s.in_flight.push(batch.clone()))
    }

    fn accepted(
        &mut self,
        source_account_id: &str,
        key: &IdempotencyKey,
        operation: &PushOperationKey,
    ) -> Result<(), PushLogError> {
        self.update(source_account_id, |s| {
            if let Some(b) = s.in_flight.iter_mut().find(|b| &b.idempotency_key == key) {
                b.operation_key = Some(operation.clone());
            }
        })
    }

    fn finish(
        &mut self,
        source_account_id: &str,
        key: &IdempotencyKey,
        outcome: PushOutcome,
    ) -> Result<(), PushLogError> {
        self.update(source_account_id, |s| {
            if let Some(i) = s.in_flight.iter().position(|b| &b.idempotency_key == key) {
                let batch = s.in_flight.remove(i);
                if outcome == PushOutcome::Stored {
                    s.pushed.extend(batch.records);
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use codat::{BankTransaction, PushedRecord};
    use rust_decimal::Decimal;

    fn batch(id: &str) -> InFlight {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let amount: Decimal = "-12.30".parse().unwrap();
        let balance: Decimal = "1000.10".parse().unwrap();
        let transactions = vec![BankTransaction::new(id, date, amount, Some(balance))];
        InFlight {
            idempotency_key: IdempotencyKey::for_batch("biz", &transactions),
            operation_key: None,
            transactions,
            records: vec![PushedRecord {
                id: id.to_owned(),
                content_hash: "h".into(),
                date,
                amount,
                balance,
                description: "Coffee".into(),
                counterparty: None,
                location: "main.bean:3".into(),
            }],
        }
    }

    #[test]
    fn the_log_survives_reopening_and_is_shared_by_openers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let mut first = StorePushLog::new(Store::open(&path).unwrap(), "codat");
        let other = StorePushLog::new(Store::open(&path).unwrap(), "codat");
        let elsewhere = StorePushLog::new(Store::open(&path).unwrap(), "other");
        let b = batch("t1");
        first.begin("biz", &b).unwrap();
        assert_eq!(other.state("biz").unwrap().in_flight, vec![b.clone()]);
        let op = PushOperationKey::new("op-1");
        first.accepted("biz", &b.idempotency_key, &op).unwrap();
        assert_eq!(
            other.state("biz").unwrap().in_flight[0].operation_key,
            Some(op)
        );
        drop(first);
        let mut again = StorePushLog::new(Store::open(&path).unwrap(), "codat");
        again
            .finish("biz", &b.idempotency_key, PushOutcome::Stored)
            .unwrap();
        let state = other.state("biz").unwrap();
        assert!(state.in_flight.is_empty());
        assert_eq!(state.pushed, b.records);
        assert_eq!(state.pushed[0].amount.to_string(), "-12.30");
        assert_eq!(elsewhere.state("biz").unwrap(), PushState::default());
        assert_eq!(other.state("card").unwrap(), PushState::default());
    }

    #[test]
    fn a_refused_push_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = StorePushLog::new(Store::open(dir.path().join("s")).unwrap(), "codat");
        let b = batch("t1");
        log.begin("biz", &b).unwrap();
        log.finish("biz", &b.idempotency_key, PushOutcome::NotStored)
            .unwrap();
        assert_eq!(log.state("biz").unwrap(), PushState::default());
    }

    #[test]
    fn an_unreadable_log_is_an_error_not_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        store
            .update_push_log("codat", "biz", |_| Ok::<_, StoreError>("{not json".into()))
            .unwrap();
        let mut log = StorePushLog::new(store, "codat");
        let err = log.state("biz").unwrap_err();
        assert!(err.to_string().contains("source account biz"), "{err}");
        assert!(log.begin("biz", &batch("t1")).is_err());
    }
}
