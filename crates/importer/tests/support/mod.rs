//! Helpers shared by the ledger and dedup tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `bean-check` to use: env `BEAN_CHECK`, else `bean-check` on PATH,
/// else `<workspace>/.venv/bin/bean-check`. Panics with instructions when
/// none exists: these tests must not pass silently without it.
pub fn bean_check_program() -> PathBuf {
    if let Some(p) = std::env::var_os("BEAN_CHECK") {
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
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/bean-check");
    if venv.is_file() {
        return venv;
    }
    panic!(
        "bean-check not found: run scripts/test (it installs beancount into .venv), or set BEAN_CHECK"
    );
}

/// Runs `bean-check` on `path` and panics with its output when it fails.
pub fn bean_check(path: &Path) {
    let output = Command::new(bean_check_program())
        .arg(path)
        .output()
        .expect("bean-check runs");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "bean-check {} failed:\n{}{}\n--- file ---\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        text
    );
}
