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
    // Each transaction: its bank line, then the rule and the account.
    let block = |needle: &str| -> String {
        let start = out
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing: {out}"));
        out[start..].split("\n\n").next().unwrap().to_owned()
    };
    let rent = block("Miete Januar");
    assert!(rent.contains("rule: global rule 2 \"rent\""), "{rent}");
    assert!(
        rent.contains("account: Expenses:Housing:Rent (rule)"),
        "{rent}"
    );
    let rewe = block("REWE");
    assert!(
        rewe.contains("rule: global rule 1") && rewe.contains("Expenses:Food:Groceries"),
        "{rewe}"
    );
    let salary = block("Gehalt Januar");
    assert!(
        salary.contains("rule: none") && salary.contains("Income:Uncategorized (fallback)"),
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
