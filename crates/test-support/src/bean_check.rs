//! Beancount's own `bean-check`, the judge of every ledger the tests write.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `bean-check`: `$BEAN_CHECK`, else on `PATH`, else the workspace's
/// `.venv` (which `scripts/test` installs).
///
/// # Panics
/// When there is none, with what to do: tests never skip silently.
pub fn program() -> PathBuf {
    if let Some(p) = std::env::var_os("BEAN_CHECK").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("bean-check");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    let venv = crate::paths::workspace().join(".venv/bin/bean-check");
    if venv.is_file() {
        return venv;
    }
    panic!(
        "bean-check not found: run scripts/test (it installs beancount into .venv), or set BEAN_CHECK"
    );
}

/// What Beancount itself computes for `account` in `currency` in the
/// ledger at `path` (includes followed, pads inserted): the balance at the
/// end of each day the account has a posting in that currency, in date
/// order. Runs Beancount's loader with the `python` beside
/// [`program`]`()`.
///
/// # Panics
/// When the loader reports an error, or python cannot be run.
pub fn daily_balances(
    path: &Path,
    account: &str,
    currency: &str,
) -> Vec<(chrono::NaiveDate, rust_decimal::Decimal)> {
    const SCRIPT: &str = r#"
import sys
from decimal import Decimal
from beancount import loader
from beancount.core import data
from beancount.parser import printer
entries, errors, options = loader.load_file(sys.argv[1])
if errors:
    printer.print_errors(errors, file=sys.stderr)
    sys.exit(2)
account, currency = sys.argv[2], sys.argv[3]
balance, out = Decimal(0), {}
for e in entries:
    if isinstance(e, data.Transaction):
        for p in e.postings:
            if p.account == account and p.units.currency == currency:
                balance += p.units.number
                out[e.date] = balance
for d, b in sorted(out.items()):
    print(d, b)
"#;
    let python = program()
        .parent()
        .map(|d| d.join("python"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("python3"));
    let out = Command::new(&python)
        .args(["-c", SCRIPT])
        .arg(path)
        .args([account, currency])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Beancount's loader failed on {}:\n{}{stdout}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| {
            let (d, b) = l.split_once(' ').expect("date and balance");
            (d.parse().expect("a date"), b.parse().expect("a number"))
        })
        .collect()
}

/// Runs `bean-check` on `path`; its complaints as the error.
pub fn run(path: &Path) -> Result<(), String> {
    let out = Command::new(program())
        .arg(path)
        .output()
        .expect("bean-check runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stderr.trim().is_empty() && stdout.trim().is_empty() {
        Ok(())
    } else {
        Err(format!("{stdout}\n{stderr}"))
    }
}

/// Runs `bean-check` on `path`.
///
/// # Panics
/// When it complains, with its output and the file.
pub fn file(path: &Path) {
    if let Err(e) = run(path) {
        panic!(
            "bean-check failed on {}:\n{e}\n--- file ---\n{}",
            path.display(),
            std::fs::read_to_string(path).unwrap_or_default()
        );
    }
}

/// The Beancount accounts `text` uses outside comments and strings,
/// sorted and unique.
pub fn accounts_in(text: &str) -> Vec<String> {
    let re = regex::Regex::new(
        r"(?:^|\s)((?:Assets|Liabilities|Equity|Income|Expenses)(?::[\p{Lu}\p{Nd}][\p{L}\p{Nd}-]*)+)",
    )
    .expect("the pattern compiles");
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with(';') {
            continue;
        }
        // Only the unquoted part of the line can hold an account.
        let unquoted: String = line.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        for c in re.captures_iter(&unquoted) {
            let a = c[1].to_owned();
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out.sort();
    out
}

/// Runs `bean-check` on `text` exactly as it is: the output of a run
/// without a ledger is a ledger of its own.
///
/// # Panics
/// When bean-check complains.
pub fn text(text: &str) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("check.bean");
    std::fs::write(&path, text).expect("write");
    file(&path);
}
