//! Shared test support: finding fixtures and running Beancount's own
//! `bean-check` on output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared fixtures folder (`../shared/fixtures` beside the clone).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `bean-check`: env `BEAN_CHECK`, else on PATH, else the workspace's
/// `.venv`. Panics when missing: these tests never skip silently.
pub fn bean_check_program() -> PathBuf {
    if let Some(p) = std::env::var_os("BEAN_CHECK") {
        return PathBuf::from(p);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join("bean-check");
            if p.is_file() {
                return p;
            }
        }
    }
    let venv = workspace().join(".venv/bin/bean-check");
    if venv.is_file() {
        return venv;
    }
    panic!("bean-check not found (set BEAN_CHECK or run scripts/test, which installs it)");
}

/// Every account name used in `text` outside comments.
pub fn accounts_in(text: &str) -> Vec<String> {
    let re = regex::Regex::new(
        r"(?:^|\s)((?:Assets|Liabilities|Equity|Income|Expenses)(?::[\p{Lu}\p{Nd}][\p{L}\p{Nd}-]*)+)",
    )
    .unwrap();
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

/// `open` directives for every account `text` uses, plus a `pad` from
/// `Equity:Opening-Balances` for each account with a balance assertion, so
/// that the first assertion holds without history (later ones must hold
/// exactly).
pub fn opens_for(text: &str) -> String {
    opens(text, true)
}

fn opens(text: &str, pad: bool) -> String {
    let mut s = String::from("1970-01-01 open Equity:Opening-Balances\n");
    for a in accounts_in(text) {
        if a == "Equity:Opening-Balances" {
            continue;
        }
        s.push_str(&format!("1970-01-01 open {a}\n"));
        if pad && text.contains(&format!(" balance {a} ")) {
            s.push_str(&format!("1970-01-02 pad {a} Equity:Opening-Balances\n"));
        }
    }
    s
}

/// Runs `bean-check` on `text` preceded by the `open` directives it needs;
/// panics with bean-check's output when it complains.
pub fn bean_check(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.bean");
    std::fs::write(&path, format!("{}\n{text}", opens(text, true))).unwrap();
    // When the first balance already holds without history the pad is
    // unused, which bean-check reports: then check without it.
    if run_bean_check(&path).is_err_and(|e| e.contains("Unused Pad entry")) {
        std::fs::write(&path, format!("{}\n{text}", opens(text, false))).unwrap();
    }
    bean_check_file(&path);
}

/// Runs `bean-check` on a file; panics with its output when it complains.
pub fn bean_check_file(path: &Path) {
    if let Err(e) = run_bean_check(path) {
        panic!(
            "bean-check failed on {}:\n{e}\n--- file ---\n{}",
            path.display(),
            std::fs::read_to_string(path).unwrap_or_default()
        );
    }
}

/// Runs `bean-check`; its complaints as the error.
pub fn run_bean_check(path: &Path) -> Result<(), String> {
    let out = Command::new(bean_check_program())
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
