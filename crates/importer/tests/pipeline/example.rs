//! The shipped example: config.example.yaml on examples/nordlicht must
//! pass bean-check exactly as a user would run it (no pads, real balance
//! assertions): on its own (`extract … > x.bean && bean-check x.bean`),
//! and appended to examples/ledger.bean (`extract -e examples/ledger.bean`).

use chrono::NaiveDate;
use importer::config;
use importer::ledger::Ledger;
use test_support::gocardless_data::{extract, extract_into};

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
    test_support::bean_check::text(&out.text);

    let ledger_path = root.join("examples/ledger.bean");
    let ledger = Ledger::load(&[&ledger_path]).unwrap();
    let out = extract_into(&config, &[root.join("examples/nordlicht")], &ledger, today).unwrap();
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert!(
        !out.text.contains(" open ") && !out.text.contains("Opening"),
        "{}",
        out.text
    );
    let dir = tempfile::tempdir().unwrap();
    let ledger = std::fs::read_to_string(&ledger_path).unwrap();
    let path = dir.path().join("all.bean");
    std::fs::write(&path, format!("{ledger}\n{}", out.text)).unwrap();
    test_support::bean_check::file(&path);
}

/// A rule that flags entries `!` for review changes nothing but the flag:
/// the balance assertions are those of the run without it, and the output
/// appended to the example ledger passes bean-check (issue 10, part 3).
#[test]
fn a_review_flag_from_a_rule_is_not_pending() {
    let root = test_support::paths::workspace();
    let yaml = std::fs::read_to_string(root.join("config.example.yaml")).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 4, 15).unwrap();
    let balance_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains(" balance "))
            .map(str::to_owned)
            .collect()
    };
    for balance in ["auto", "closingBooked", "expected", "interimAvailable"] {
        let yaml = yaml.replace("balance: auto", &format!("balance: {balance}"));
        let plain = config::from_str(&yaml, "plain.yaml").unwrap();
        let flagged = config::from_str(
            &format!(
                "{yaml}\nrules:\n  - {{ if: {{ payee: \"(?i)rewe|stadtwerke|miete|.\" }}, flag: \"!\" }}\n"
            ),
            "flagged.yaml",
        )
        .unwrap();
        let paths = [root.join("examples/nordlicht")];
        let ledger_path = root.join("examples/ledger.bean");
        let ledger = Ledger::load(&[&ledger_path]).unwrap();
        let plain = extract_into(&plain, &paths, &ledger, today).unwrap().text;
        let flagged = extract_into(&flagged, &paths, &ledger, today).unwrap().text;
        assert!(
            flagged.matches(" ! ").count() > plain.matches(" ! ").count(),
            "{flagged}"
        );
        assert_eq!(balance_lines(&plain), balance_lines(&flagged), "{balance}");
        assert!(!balance_lines(&flagged).is_empty(), "{flagged}");

        let dir = tempfile::tempdir().unwrap();
        let ledger = std::fs::read_to_string(root.join("examples/ledger.bean")).unwrap();
        let path = dir.path().join("all.bean");
        std::fs::write(&path, format!("{ledger}\n{flagged}")).unwrap();
        test_support::bean_check::file(&path);
    }
}
