//! The shipped example: config.example.yaml on examples/nordlicht, appended
//! to examples/ledger.bean, must pass bean-check exactly as a user would
//! run it (no pads, real balance assertions).

mod common;

use chrono::NaiveDate;
use importer::config;
use importer::extract::extract;

#[test]
fn example_converts_cleanly_and_passes_bean_check() {
    let root = common::workspace();
    let config = config::load(&root.join("config.example.yaml")).expect("the example config loads");
    assert_eq!(config.accounts.len(), 3);
    assert!(config.notes.is_empty(), "{:?}", config.notes);
    let today = NaiveDate::from_ymd_opt(2026, 4, 15).unwrap();
    let out = extract(&config, &[root.join("examples/nordlicht")], today).unwrap();
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    insta::assert_snapshot!("example_nordlicht", out.text);

    let dir = tempfile::tempdir().unwrap();
    let ledger = std::fs::read_to_string(root.join("examples/ledger.bean")).unwrap();
    let path = dir.path().join("all.bean");
    std::fs::write(&path, format!("{ledger}\n{}", out.text)).unwrap();
    common::bean_check_file(&path);
}
