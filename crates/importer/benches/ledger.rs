//! Benchmark of the ledger reader: a synthetic 100,000-transaction ledger
//! (about 25 MB) is read and indexed.
//!
//! `cargo bench -p importer --bench ledger` prints the median time of
//! several runs, and the peak memory of one load measured in a fresh child
//! process (VmHWM from /proc/self/status), compared with the file size.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use importer::ledger::Ledger;
use test_support::ledger_gen as testgen;

const TRANSACTIONS: usize = 100_000;
const RUNS: usize = 21;
const CHILD_ENV: &str = "LEDGER_BENCH_CHILD";

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(Path::new(&path));
        return;
    }
    let path = ledger_file();
    let size = std::fs::metadata(&path).unwrap().len();

    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut transactions = 0;
    let cpu_before = cpu_ticks();
    for _ in 0..RUNS {
        let start = Instant::now();
        let ledger = Ledger::load(&[&path]).unwrap();
        times.push(start.elapsed());
        transactions = ledger.transactions().len();
        assert_eq!(ledger.skipped_lines(), 0);
        drop(ledger);
    }
    let cpu = (cpu_ticks() - cpu_before) as f64 / TICKS_PER_SECOND / RUNS as f64;
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "ledger/load: {transactions} transactions, {:.1} MB: median {:.1} ms (min {:.1} ms, max {:.1} ms, {RUNS} runs)",
        size as f64 / 1e6,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
    // On a shared machine the wall time includes waiting for a core; the
    // CPU time is what the work costs.
    println!(
        "ledger/load: mean CPU time {:.1} ms per load (user + system)",
        cpu * 1e3
    );

    let output = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, &path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().unwrap());
    let (before, peak) = (fields.next().unwrap() * 1024, fields.next().unwrap() * 1024);
    println!(
        "ledger/load: peak memory {:.1} MB ({:.2}x the file; {:.1} MB before loading)",
        peak as f64 / 1e6,
        peak as f64 / size as f64,
        before as f64 / 1e6,
    );
}

/// Generates the ledger once into the target directory.
fn ledger_file() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("synthetic-{TRANSACTIONS}.bean"));
    let text = testgen::synthetic_ledger(TRANSACTIONS, 42);
    if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
        std::fs::write(&path, &text).unwrap();
    }
    path
}

/// Loads the ledger once and prints VmHWM before and after, in kB.
fn child(path: &Path) {
    let before = vm_hwm();
    let ledger = Ledger::load(&[path]).unwrap();
    let peak = vm_hwm();
    assert!(ledger.transactions().len() > 0);
    println!("{before} {peak}");
}

/// The kernel's clock ticks per second for /proc times (USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU time of this process so far, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which is in parentheses): state is
    // field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}
