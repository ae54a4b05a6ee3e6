//! Push logs: what an export pushed to each account of its target, the
//! exporter's only memory of it (a bank feed has no update or delete).
//!
//! The store keeps the state as the exporter serialised it and knows
//! nothing of its shape; what it guarantees is that an update reads and
//! writes it in one transaction, durable when it returns, so that two
//! processes exporting at once cannot lose each other's pushes.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};

impl Store {
    /// The push log of `account` in export `export`, if anything was
    /// logged.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn push_log(&self, export: &str, account: &str) -> Result<Option<String>, StoreError> {
        self.read("read a push log", |c| {
            c.prepare_cached("SELECT state FROM push_logs WHERE export = ?1 AND account = ?2")?
                .query_row(params![export, account], |r| r.get(0))
                .optional()
        })
    }

    /// Replaces the push log of `account` in export `export` by what `f`
    /// makes of it (`None` when nothing was logged), in one write
    /// transaction: no other writer, in this process or another, comes in
    /// between the read and the write. When `f` fails nothing is written
    /// and its error is returned.
    ///
    /// # Errors
    ///
    /// `f`'s error, or a [`StoreError`] when the file cannot be read or
    /// written.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = store::Store::open(dir.path().join("store.sqlite")).unwrap();
    /// let append = |old: Option<String>| -> Result<String, store::StoreError> {
    ///     Ok(old.unwrap_or_default() + "x")
    /// };
    /// file.update_push_log("codat", "acc-1", append).unwrap();
    /// file.update_push_log("codat", "acc-1", append).unwrap();
    /// assert_eq!(file.push_log("codat", "acc-1").unwrap().as_deref(), Some("xx"));
    /// assert_eq!(file.push_log("other", "acc-1").unwrap(), None);
    /// ```
    pub fn update_push_log<E: From<StoreError>>(
        &self,
        export: &str,
        account: &str,
        f: impl FnOnce(Option<String>) -> Result<String, E>,
    ) -> Result<(), E> {
        // The transaction can only fail with an SQLite error: `f`'s own is
        // kept aside, and a stand-in error rolls the transaction back.
        let mut failed = None;
        let written = self.write("write a push log", |tx| {
            let old = tx
                .prepare_cached("SELECT state FROM push_logs WHERE export = ?1 AND account = ?2")?
                .query_row(params![export, account], |r| r.get(0))
                .optional()?;
            match f(old) {
                Ok(state) => tx
                    .prepare_cached(
                        "INSERT INTO push_logs (export, account, state) VALUES (?1, ?2, ?3)
                         ON CONFLICT (export, account) DO UPDATE SET state = excluded.state",
                    )?
                    .execute(params![export, account, state])
                    .map(drop),
                Err(e) => {
                    failed = Some(e);
                    Err(rusqlite::Error::InvalidQuery)
                }
            }
        });
        match (failed, written) {
            (Some(e), _) => Err(e),
            (None, result) => result.map_err(E::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_update_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = Store::open(dir.path().join("s.sqlite")).unwrap();
        file.update_push_log("codat", "a", |_| Ok::<_, StoreError>("one".into()))
            .unwrap();
        #[derive(Debug)]
        enum E {
            Mine,
            Store,
        }
        impl From<StoreError> for E {
            fn from(_: StoreError) -> E {
                E::Store
            }
        }
        let err = file
            .update_push_log("codat", "a", |old| {
                assert_eq!(old.as_deref(), Some("one"));
                Err::<String, _>(E::Mine)
            })
            .unwrap_err();
        assert!(matches!(err, E::Mine), "{err:?}");
        assert_eq!(file.push_log("codat", "a").unwrap().as_deref(), Some("one"));
    }

    #[test]
    fn logs_survive_reopening_and_are_seen_by_another_opener() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let first = Store::open(&path).unwrap();
        let second = Store::open(&path).unwrap();
        first
            .update_push_log("codat", "a", |_| Ok::<_, StoreError>("{}".into()))
            .unwrap();
        assert_eq!(
            second.push_log("codat", "a").unwrap().as_deref(),
            Some("{}")
        );
        drop((first, second));
        let again = Store::open(&path).unwrap();
        assert_eq!(again.push_log("codat", "a").unwrap().as_deref(), Some("{}"));
        assert_eq!(again.push_log("codat", "b").unwrap(), None);
    }
}
