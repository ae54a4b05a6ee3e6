//! The shipped example: config.example.yaml on examples/nordlicht, appended
//! to examples/ledger.bean, must pass bean-check exactly as a user would
//! run it (no pads, real balance assertions).

use chrono::NaiveDate;
use importer::config;
use test_support::gocardless_data::extract;

#[test]
fn example_converts_cleanly_and_passes_bean_check() {
    let root = test_support::paths::workspace();
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
    test_support::bean_check::file(&path);
}
