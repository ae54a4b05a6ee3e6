//! The store file: where and how it is created, what happens to files it
//! cannot use (they are refused with a clear error and left untouched), and
//! threads and processes writing at once.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use store::{Budget, NewResponse, SCHEMA_VERSION, Store, StoreError};

use super::{gocardless, history, t, tokens};

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A store with tokens and enough responses to span many pages, closed.
fn filled_store(path: &Path) {
    let store = gocardless(&Store::open(path).unwrap());
    store
        .save_tokens("sid", &tokens(), t("2024-05-01T00:00:00Z"))
        .unwrap();
    for i in 0..60 {
        let body = format!("{{\"n\": {i}, \"pad\": \"{}\"}}", "x".repeat(2000));
        let at = t("2024-05-01T00:00:00Z") + chrono::Duration::minutes(i);
        store.record_response(&history("acc", &body, at)).unwrap();
    }
}

/// Asserts the file is byte for byte what it was and SQLite left nothing
/// beside it.
fn assert_untouched(path: &Path, before: &[u8]) {
    assert!(
        fs::read(path).unwrap() == before,
        "{} was changed",
        path.display()
    );
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        assert!(!side.exists(), "{} was created", side.display());
    }
}

fn message(e: &StoreError) -> String {
    e.to_string()
}

#[test]
fn new_store_is_private_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/store.sqlite");
    let store = gocardless(&Store::open(&path).unwrap());
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    store
        .save_tokens("sid", &tokens(), t("2024-05-01T00:00:00Z"))
        .unwrap();
    // While open in WAL mode, SQLite keeps the log beside the file; it
    // holds the tokens too, so it must be as private as the file.
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    assert!(wal.exists(), "WAL mode keeps a -wal file");
    assert_eq!(mode(&wal), 0o600);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn existing_store_readable_by_others_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    drop(Store::open(&path).unwrap());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    Store::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    filled_store(&path);
    let file = Store::open(&path).unwrap();
    let store = gocardless(&file);
    assert_eq!(store.tokens("sid").unwrap(), Some(tokens()));
    assert_eq!(store.responses("acc").unwrap().len(), 60);
    file.check_integrity().unwrap();
}

/// Large responses have the log copied into the file in the background
/// while others are recorded and read; closing waits for that copy and
/// then leaves the file whole, with no log beside it.
#[test]
fn large_responses_checkpointed_in_the_background_close_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let body = |i: usize| {
        let records: Vec<String> = (0..2_000)
            .map(|k| {
                format!(
                    r#"{{"transactionId":"{i}-{k}","pad":"{}"}}"#,
                    "x".repeat(200)
                )
            })
            .collect();
        format!(
            r#"{{"transactions":{{"booked":[{}],"pending":[]}}}}"#,
            records.join(",")
        )
    };
    let bodies: Vec<String> = (0..6).map(body).collect();
    {
        let file = Store::open(&path).unwrap();
        let store = gocardless(&file);
        std::thread::scope(|s| {
            for (i, b) in bodies.iter().enumerate() {
                let store = store.clone();
                s.spawn(move || {
                    let at = t("2024-05-01T00:00:00Z") + chrono::Duration::minutes(i as i64);
                    let subject = format!("acc{i}");
                    store.record_response(&history(&subject, b, at)).unwrap();
                    let back = store.latest_response(&subject, "transactions").unwrap();
                    assert_eq!(back.unwrap().body, *b);
                });
            }
        });
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        assert!(!side.exists(), "{} left behind", side.display());
    }
    let file = Store::open(&path).unwrap();
    file.check_integrity().unwrap();
    let store = gocardless(&file);
    for (i, b) in bodies.iter().enumerate() {
        let back = store
            .latest_response(&format!("acc{i}"), "transactions")
            .unwrap();
        assert_eq!(back.unwrap().body, *b);
    }
}

#[test]
fn empty_file_becomes_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    fs::write(&path, b"").unwrap();
    let store = gocardless(&Store::open(&path).unwrap());
    store
        .save_tokens("sid", &tokens(), t("2024-05-01T00:00:00Z"))
        .unwrap();
    assert_eq!(store.tokens("sid").unwrap(), Some(tokens()));
}

#[test]
fn garbage_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 3) as u8).collect();
    fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
    let msg = message(&err);
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("left untouched"), "{msg}");
    assert_untouched(&path, &garbage);

    // A text file (say, the config by mistake) is refused the same way,
    // and its content is not quoted in the error.
    fs::write(&path, "secret_key: do-not-print-me\n").unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
    assert!(!message(&err).contains("do-not-print-me"));
}

/// Only a store of ours is made private: another file given as the store
/// keeps its permissions (the message says it was left untouched, and it
/// was), a link's target is never changed through the link, and a FIFO is
/// refused without waiting for a writer.
#[test]
fn only_a_store_of_ours_is_made_private_and_never_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    fs::write(&notes, "my notes\n").unwrap();
    fs::set_permissions(&notes, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Store::open(&notes).unwrap_err();
    assert!(
        message(&err).contains("left untouched"),
        "{}",
        message(&err)
    );
    assert_eq!(mode(&notes), 0o644);
    assert_untouched(&notes, b"my notes\n");

    let other = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE t (x);").unwrap();
    }
    fs::set_permissions(&other, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(Store::open(&other).is_err());
    assert_eq!(mode(&other), 0o644);

    let real = dir.path().join("real.sqlite");
    filled_store(&real);
    fs::set_permissions(&real, fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join("link.sqlite");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let file = Store::open(&link).unwrap();
    assert_eq!(gocardless(&file).tokens("sid").unwrap(), Some(tokens()));
    assert_eq!(mode(&real), 0o644, "chmod followed the link");

    let fifo = dir.path().join("fifo.sqlite");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let err = Store::open(&fifo).unwrap_err();
    assert!(
        message(&err).contains("not a regular file"),
        "{}",
        message(&err)
    );
}

#[test]
fn truncated_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    filled_store(&path);
    let full = fs::read(&path).unwrap();
    assert!(full.len() > 20 * 4096, "the store spans many pages");

    for keep in [full.len() / 2, 4096, 60] {
        let cut = &full[..keep];
        fs::write(&path, cut).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::Corrupt { .. }),
            "{keep} bytes: {err:?}"
        );
        let msg = message(&err);
        assert!(msg.contains("truncated"), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("move it aside"), "{msg}");
        assert_untouched(&path, cut);
    }
}

#[test]
fn store_of_a_newer_version_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    filled_store(&path);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let before = fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    match &err {
        StoreError::TooNew {
            found, supported, ..
        } => {
            assert_eq!(*found, SCHEMA_VERSION + 1);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    let msg = message(&err);
    assert!(msg.contains("newer gc-beancount"), "{msg}");
    assert!(msg.contains("upgrade gc-beancount"), "{msg}");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert_untouched(&path, &before);

    // Nothing else was lost: put the version back and everything is there.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .unwrap();
    }
    let store = gocardless(&Store::open(&path).unwrap());
    assert_eq!(store.tokens("sid").unwrap(), Some(tokens()));
    assert_eq!(store.responses("acc").unwrap().len(), 60);
}

#[test]
fn database_of_another_program_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE ledger (x TEXT); INSERT INTO ledger VALUES ('keep');")
            .unwrap();
    }
    let before = fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
    assert!(message(&err).contains("ledger"), "{}", message(&err));
    assert_untouched(&path, &before);
}

/// Root ignores file permissions, so a read-only directory is not
/// read-only to it. When the probe shows that, the test runs again in a
/// child process without the capabilities that bypass permissions.
/// Returns whether the caller should run the test body here.
fn permissions_apply_or_rerun(test_name: &str) -> bool {
    let probe = tempfile::tempdir().unwrap();
    fs::set_permissions(probe.path(), fs::Permissions::from_mode(0o500)).unwrap();
    let bypassed = fs::write(probe.path().join("probe"), b"").is_ok();
    fs::set_permissions(probe.path(), fs::Permissions::from_mode(0o700)).unwrap();
    if !bypassed {
        return true;
    }
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("setpriv")
        .arg("--bounding-set=-dac_override,-dac_read_search,-fowner")
        .arg("--inh-caps=-dac_override,-dac_read_search,-fowner")
        .arg(&exe)
        .args(["--exact", &format!("file::{test_name}"), "--test-threads=1"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "running as root, where permissions do not apply; the read-only tests re-run \
                 themselves under `setpriv` (util-linux), which failed to start: {e}"
            )
        });
    assert!(
        status.status.success(),
        "{test_name} failed without root's capabilities:\n{}{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    false
}

#[test]
fn read_only_directory_refuses_a_new_store() {
    if !permissions_apply_or_rerun("read_only_directory_refuses_a_new_store") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o500)).unwrap();

    let path = ro.join("store.sqlite");
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotWritable { .. }), "{err:?}");
    let msg = message(&err);
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("writable"), "{msg}");

    let nested = ro.join("sub/store.sqlite");
    let err = Store::open(&nested).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(message(&err).contains(&ro.join("sub").display().to_string()));

    fs::set_permissions(&ro, fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(fs::read_dir(&ro).unwrap().count(), 0, "nothing was created");
}

#[test]
fn read_only_directory_refuses_an_existing_store_and_loses_nothing() {
    if !permissions_apply_or_rerun(
        "read_only_directory_refuses_an_existing_store_and_loses_nothing",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    let path = ro.join("store.sqlite");
    filled_store(&path);
    let before = fs::read(&path).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o500)).unwrap();

    let err = Store::open(&path).unwrap_err();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(err, StoreError::NotWritable { .. }), "{err:?}");
    let msg = message(&err);
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("-wal"), "{msg}");
    assert_untouched(&path, &before);

    let store = gocardless(&Store::open(&path).unwrap());
    assert_eq!(store.tokens("sid").unwrap(), Some(tokens()));
    assert_eq!(store.responses("acc").unwrap().len(), 60);
}

#[test]
fn read_only_file_is_refused_and_untouched() {
    if !permissions_apply_or_rerun("read_only_file_is_refused_and_untouched") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    filled_store(&path);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    let before = fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotWritable { .. }), "{err:?}");
    assert!(message(&err).contains("read-only"), "{}", message(&err));
    assert_untouched(&path, &before);
}

/// Records a response with its budget, and tokens, as a run does.
fn record(store: &Store, subject: &str, i: usize) {
    let body = format!("{{\"subject\": \"{subject}\", \"i\": {i}}}");
    let at = t("2024-05-01T00:00:00Z") + chrono::Duration::seconds(i as i64);
    let budget = Budget {
        remaining: Some(3),
        limit: Some(4),
        reset_at: None,
        updated_at: at,
    };
    let store = gocardless(store);
    store
        .record_response(&NewResponse {
            budget: Some(&budget),
            ..history(subject, &body, at)
        })
        .unwrap();
    store
        .save_tokens(&format!("sid-{subject}"), &tokens(), at)
        .unwrap();
}

#[test]
fn threads_share_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store.sqlite")).unwrap();
    std::thread::scope(|s| {
        for th in 0..8 {
            let store = store.clone();
            s.spawn(move || {
                let subject = format!("acc-{th}");
                for i in 0..40 {
                    record(&store, &subject, i);
                    assert!(
                        gocardless(&store)
                            .latest_response(&subject, "transactions")
                            .unwrap()
                            .is_some()
                    );
                }
            });
        }
    });
    for th in 0..8 {
        let responses = gocardless(&store).responses(&format!("acc-{th}")).unwrap();
        assert_eq!(responses.len(), 40);
    }
    store.check_integrity().unwrap();
}

#[test]
fn two_stores_on_one_file_write_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    // Both open at once, as two processes starting together would.
    let stores: Vec<Store> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| Store::open(&path).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    std::thread::scope(|s| {
        for (n, store) in stores.iter().enumerate() {
            for th in 0..3 {
                s.spawn(move || {
                    for i in 0..30 {
                        record(store, &format!("s{n}-t{th}"), i);
                    }
                });
            }
        }
    });
    // Each sees what the other wrote.
    for store in &stores {
        for n in 0..2 {
            for th in 0..3 {
                let responses = gocardless(store).responses(&format!("s{n}-t{th}")).unwrap();
                assert_eq!(responses.len(), 30);
            }
        }
        store.check_integrity().unwrap();
    }
}

const CHILD_ENV: &str = "GC_STORE_TEST_CHILD_PATH";

/// Run by `two_processes_write_at_once` in child processes.
#[test]
#[ignore = "a child of two_processes_write_at_once"]
fn child_writer() {
    let path = std::env::var(CHILD_ENV).expect("run by two_processes_write_at_once");
    let me = std::process::id().to_string();
    let store = Store::open(&path).unwrap();
    for i in 0..50 {
        record(&store, &me, i);
    }
}

#[test]
fn two_processes_write_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "file::child_writer",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &path)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let pids: Vec<String> = children.iter().map(|c| c.id().to_string()).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a writer process failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let file = Store::open(&path).unwrap();
    let store = gocardless(&file);
    for pid in &pids {
        assert_eq!(store.responses(pid).unwrap().len(), 50, "writer {pid}");
        let budget = store.budget(pid, "transactions").unwrap().unwrap();
        assert_eq!(budget.remaining, Some(3));
        assert_eq!(store.tokens(&format!("sid-{pid}")).unwrap(), Some(tokens()));
    }
    file.check_integrity().unwrap();
}
