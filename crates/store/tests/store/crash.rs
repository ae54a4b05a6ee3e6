//! A writer killed (SIGKILL) in the middle of committing a large response:
//! the next open finds the store consistent, every response recorded
//! before it whole, and nothing of the one it was writing.
//!
//! Every other response goes through the store's recorder thread, as a
//! run hands its answers over.
//!
//! The test catches the writer in the act: it stops the child process
//! (SIGSTOP) again and again until the WAL shows frames of a transaction
//! that has not committed yet, and kills it there.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustix::process::{Pid, Signal, kill_process};
use store::{Recording, Store};

use super::{count, gocardless, history, t};

const CHILD_ENV: &str = "STORE_TEST_CRASH_PATH";
/// The child stops after this many responses if it was never killed.
const RESPONSES: usize = 40;
/// Transactions in each response, all new: a commit of some 1,000 pages.
const RECORDS: usize = 10_000;

fn body(i: usize) -> String {
    let records: Vec<String> = (0..RECORDS)
        .map(|k| {
            format!(
                r#"{{"transactionId":"{i}-{k}","bookingDate":"2024-05-01","transactionAmount":{{"amount":"-{k}.00","currency":"EUR"}},"remittanceInformationUnstructured":"payment {k} of response {i}, padded to look like a bank's"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"transactions":{{"booked":[{}],"pending":[]}}}}"#,
        records.join(",")
    )
}

fn fetched_at(i: usize) -> DateTime<Utc> {
    t("2024-05-01T00:00:00Z") + chrono::Duration::seconds(i as i64)
}

/// Run by `a_writer_killed_mid_commit_leaves_a_consistent_store` in a
/// child process: records responses, saying on stdout when each begins
/// and ends.
#[test]
#[ignore = "a child of a_writer_killed_mid_commit_leaves_a_consistent_store"]
fn child_recorder() {
    let path = std::env::var(CHILD_ENV).expect("run by the crash test");
    let store = gocardless(&Store::open(&path).unwrap());
    let mut out = std::io::stdout().lock();
    for i in 0..RESPONSES {
        let body = body(i);
        writeln!(out, "begin {i}").unwrap();
        out.flush().unwrap();
        if i % 2 == 0 {
            store
                .record_response(&history("acc", &body, fetched_at(i)))
                .unwrap();
        } else {
            // Handed to the store's recorder, as a run does, and read
            // back: which waits until it is recorded.
            store.record_soon(Recording {
                subject: "acc".to_owned(),
                scope: "transactions",
                window: store::Window::ALL,
                keep: store::Keep::History,
                records: &super::GOCARDLESS_LISTS,
                body: body.into(),
                fetched_at: fetched_at(i),
                rate_limit: None,
                budget: None,
            });
            store.budget("acc", "transactions").unwrap();
        }
        writeln!(out, "done {i}").unwrap();
        out.flush().unwrap();
    }
}

/// Whether the WAL holds frames written after its last commit frame: a
/// transaction is being committed (or spilled) and has not committed yet.
/// Frames of an older generation of the log (other salts) do not count.
fn uncommitted_frames(wal: &Path) -> usize {
    let Ok(bytes) = fs::read(wal) else { return 0 };
    if bytes.len() < 32 {
        return 0;
    }
    let be32 =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let page_size = be32(8) as usize;
    let salts = (be32(16), be32(20));
    let mut frames = 0;
    let mut committed = 0;
    let mut at = 32;
    while at + 24 + page_size <= bytes.len() && (be32(at + 8), be32(at + 12)) == salts {
        frames += 1;
        if be32(at + 4) != 0 {
            committed = frames;
        }
        at += 24 + page_size;
    }
    frames - committed
}

/// Waits until the process is stopped: a signal is delivered after
/// `kill` returns.
fn wait_stopped(pid: u32) {
    let stat = PathBuf::from(format!("/proc/{pid}/stat"));
    loop {
        let text = fs::read_to_string(&stat).unwrap_or_default();
        // The state follows the command name, which is in parentheses.
        let state = text
            .rsplit(')')
            .next()
            .and_then(|s| s.trim().chars().next());
        if matches!(state, Some('T' | 't' | 'Z') | None) {
            return;
        }
        std::thread::yield_now();
    }
}

#[derive(Default)]
struct Progress {
    begun: Option<usize>,
    done: Option<usize>,
}

impl Progress {
    fn read(&mut self, line: &str) {
        let mut words = line.split(' ');
        let (Some(what), Some(n)) = (words.next(), words.next().and_then(|n| n.parse().ok()))
        else {
            return;
        };
        match what {
            "begin" => self.begun = Some(n),
            "done" => self.done = Some(n),
            _ => {}
        }
    }
}

#[test]
fn a_writer_killed_mid_commit_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::child_recorder",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = Pid::from_child(&child);
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut progress = Progress::default();
    // The first response commits undisturbed.
    while progress.done.is_none() {
        let line = rx.recv().expect("the child writes its first response");
        progress.read(&line);
    }
    let mut tail = 0;
    for round in 0u64.. {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        kill_process(pid, Signal::STOP).unwrap();
        wait_stopped(child.id());
        tail = uncommitted_frames(&wal);
        if tail > 0 {
            kill_process(pid, Signal::KILL).unwrap();
            break;
        }
        kill_process(pid, Signal::CONT).unwrap();
        // Let it run a varying while, so the stops fall on every phase.
        std::thread::sleep(Duration::from_micros(100 * (round % 7)));
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    for line in rx.try_iter() {
        progress.read(&line);
    }
    assert!(
        tail > 0,
        "the child recorded all {RESPONSES} responses without ever being caught in the \
         middle of a commit ({status})"
    );
    let killed_in = progress.begun.unwrap();
    assert_eq!(
        progress.done,
        Some(killed_in - 1),
        "killed while recording response {killed_in}"
    );

    // The next open recovers: the responses before are there, whole, and
    // nothing of the one being written.
    let file = Store::open(&path).unwrap();
    file.check_integrity().unwrap();
    let store = gocardless(&file);
    let infos = store.responses("acc").unwrap();
    assert_eq!(infos.len(), killed_in, "{tail} frames were not committed");
    for info in &infos {
        let i = usize::try_from((info.fetched_at - fetched_at(0)).num_seconds()).unwrap();
        assert!(i < killed_in);
        assert!(store.response(info.id).unwrap().unwrap().body == body(i));
    }
    assert_eq!(count(&file, "records"), (killed_in * RECORDS) as i64);
    assert_eq!(count(&file, "bodies"), killed_in as i64);

    // And it takes the response again.
    let again = body(killed_in);
    store
        .record_response(&history("acc", &again, fetched_at(killed_in)))
        .unwrap();
    assert_eq!(
        store
            .latest_response("acc", "transactions")
            .unwrap()
            .unwrap()
            .body,
        again
    );
}
