//! `rules test` and categorisation through the binary.

use crate::common;

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

/// A transfer between two configured accounts, both imported in one run:
/// one entry with both ids; imported again, nothing.
#[test]
fn a_transfer_between_own_accounts_is_one_entry_and_comes_once() {
    use fake_gocardless::AccountSpec;
    use std::io::Write;
    let env = Env::new(1);
    let side = |id: &str, amount: &str, other_iban: &str, creditor: bool| {
        let party = if creditor {
            serde_json::json!({"creditorName": "Erika Musterfrau", "creditorAccount": {"iban": other_iban}})
        } else {
            serde_json::json!({"debtorName": "Erika Musterfrau", "debtorAccount": {"iban": other_iban}})
        };
        let mut tx = serde_json::json!({
            "transactionId": id, "bookingDate": "2026-11-18", "valueDate": "2026-11-18",
            "transactionAmount": {"amount": amount, "currency": "EUR"},
            "remittanceInformationUnstructured": "Sparen November"
        });
        tx.as_object_mut()
            .unwrap()
            .extend(party.as_object().unwrap().clone());
        serde_json::json!({"transactions": {"booked": [tx], "pending": []}})
    };
    let checking_iban = "DE89370400440532013000";
    let savings_iban = "DE02120300000000202051";
    let checking = env.server.add_account(AccountSpec {
        transactions: Some(side("T-OUT", "-500.00", savings_iban, true)),
        iban: Some(checking_iban.into()),
        ..AccountSpec::default()
    });
    let savings = env.server.add_account(AccountSpec {
        transactions: Some(side("T-IN", "500.00", checking_iban, false)),
        iban: Some(savings_iban.into()),
        ..AccountSpec::default()
    });
    let yaml = format!(
        "secret_id: {}\nsecret_key: ${{TEST_SECRET_KEY}}\nbase_url: {}\nstore: store.sqlite\naccounts:\n  \
         - id: {checking}\n    account: Assets:Bank:Checking\n  - id: {savings}\n    account: Assets:Bank:Savings\n",
        env.server.secret_id(),
        env.server.base_url()
    );
    std::fs::write(&env.config, yaml).unwrap();
    let ledger = env.dir.path().join("main.beancount");
    let start = "option \"operating_currency\" \"EUR\"\n2020-01-01 open Equity:Opening-Balances\n\
                 2020-01-01 open Assets:Bank:Checking\n2020-01-01 open Assets:Bank:Savings\n\
                 2020-01-02 pad Assets:Bank:Checking Equity:Opening-Balances\n\
                 2020-01-02 pad Assets:Bank:Savings Equity:Opening-Balances\n";
    std::fs::write(&ledger, start).unwrap();
    let assert = env
        .cmd()
        .arg("import")
        .arg("-e")
        .arg(&ledger)
        .assert()
        .success();
    let out = stdout(&assert);
    let entries: Vec<&str> = out
        .split("\n\n")
        .filter(|b| b.contains("Sparen November"))
        .collect();
    assert_eq!(entries.len(), 1, "the two sides are one entry: {out}");
    let entry = entries[0];
    assert!(
        entry.contains("\"T-OUT\"") && entry.contains("\"T-IN\""),
        "{entry}"
    );
    assert!(
        entry.contains("Assets:Bank:Checking") && entry.contains("Assets:Bank:Savings"),
        "{entry}"
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(&ledger)
        .unwrap()
        .write_all(out.as_bytes())
        .unwrap();
    common::bean_check(&ledger);
    let again = stdout(
        &env.cmd()
            .arg("import")
            .arg("-e")
            .arg(&ledger)
            .assert()
            .success(),
    );
    assert!(!again.contains("Sparen November"), "{again}");
}
