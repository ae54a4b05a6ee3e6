//! `rules test` and categorisation through the binary.

mod common;

use common::{Env, bean_check_text, bin, root, stdout};

const RULES: &str = "rules:
  - if: { payee: \"(?i)rewe|edeka|lidl\" }
    account: Expenses:Food:Groceries
  - if: { text: \"(?i)miete\" }
    account: Expenses:Housing:Rent
    name: rent
defaults:
  currency: EUR
accounts:
  - id: 3f1c2a9e-6d1b-4d7a-9c0e-5b8f2e7a1c01
    name: checking
    account: Assets:Nordlicht:Checking
";

#[test]
fn rules_test_shows_the_rule_that_decides_each_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, RULES).unwrap();
    let data =
        root().join("examples/nordlicht/3f1c2a9e-6d1b-4d7a-9c0e-5b8f2e7a1c01.transactions.json");
    let assert = bin()
        .args(["rules", "test", "-c"])
        .arg(&cfg)
        .arg(&data)
        .assert()
        .success();
    let out = stdout(&assert);
    let rent = out
        .lines()
        .find(|l| l.contains("Miete Januar"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        rent.contains("Expenses:Housing:Rent") && rent.contains("global rule 2 \"rent\""),
        "{rent}"
    );
    let rewe = out.lines().find(|l| l.contains("REWE")).unwrap();
    assert!(
        rewe.contains("Expenses:Food:Groceries") && rewe.contains("global rule 1"),
        "{rewe}"
    );
    let salary = out.lines().find(|l| l.contains("Gehalt Januar")).unwrap();
    assert!(
        salary.contains("Income:Uncategorized") && salary.contains("fallback"),
        "{salary}"
    );

    // extract applies the same decisions.
    let assert = bin()
        .args(["extract", "-c"])
        .arg(&cfg)
        .arg(&data)
        .assert()
        .success();
    let text = stdout(&assert);
    assert!(text.contains("  Expenses:Housing:Rent"), "{text}");
    bean_check_text(dir.path(), &text);
}

#[test]
fn rules_test_without_paths_uses_the_stored_data() {
    let env = Env::new(1);
    let err = common::stderr(env.cmd().args(["rules", "test"]).assert().code(2));
    assert!(err.contains("gc-beancount fetch"), "{err}");
    env.cmd().arg("fetch").assert().success();
    let before = env.server.requests().len();
    let assert = env.cmd().args(["rules", "test"]).assert().success();
    let out = stdout(&assert);
    assert!(
        out.contains("Assets:Bank:Current") && out.contains("fallback"),
        "{out}"
    );
    assert_eq!(
        env.server.requests().len(),
        before,
        "rules test used the network"
    );
}
