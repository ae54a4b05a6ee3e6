//! A new user's whole journey against the fake server: credentials only,
//! then link → wait → accounts → import → import again (nothing new) → a
//! day later, only the new transactions; the ledger passes bean-check with
//! every bank transaction exactly once.

use crate::common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::process::Stdio;

use common::{Env, bean_check, stderr, stdout};

#[test]
fn from_credentials_to_an_updated_ledger() {
    let env = Env::new(1);
    // Only credentials: the user has not linked a bank yet.
    env.write_config(&[]);
    let config = std::fs::read_to_string(&env.config)
        .unwrap()
        .replace("accounts:\n", "");
    std::fs::write(&env.config, &config).unwrap();
    let err = stderr(env.cmd().arg("import").assert().code(2));
    assert!(
        err.contains("no accounts configured") && err.contains("gc-beancount link"),
        "{err}"
    );

    // link --wait, while the user gives consent at the bank.
    let mut child = env
        .process()
        .args([
            "link",
            "--bank",
            "FAKEBANK_FAKEDEB1",
            "--reference",
            "flow",
            "--wait",
            "--poll-ms",
            "100",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let requisition = common::find_requisition(&env, "flow");
    let linked = env.server.link_requisition_with(&requisition, 2);
    let status = child.wait().unwrap();
    let mut block = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut block)
        .unwrap();
    assert!(status.success());
    assert!(block.starts_with("accounts:\n"), "{block}");

    // Pasted into the configuration.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&env.config)
        .unwrap()
        .write_all(block.as_bytes())
        .unwrap();
    let listing = stdout(&env.cmd().arg("accounts").assert().success());
    for id in &linked {
        assert!(listing.contains(id.as_str()), "{listing}");
    }
    assert!(
        !listing.contains("(not configured)") || listing.contains("gc-beancount-fake"),
        "{listing}"
    );

    // A ledger the user starts: options and opening balances.
    let ledger = env.dir.path().join("main.beancount");
    let accounts: Vec<String> = block
        .lines()
        .filter_map(|l| l.trim().strip_prefix("account: ").map(str::to_owned))
        .collect();
    let mut start = String::from(
        "option \"operating_currency\" \"EUR\"\n2020-01-01 open Equity:Opening-Balances\n",
    );
    for a in &accounts {
        start.push_str(&format!(
            "2020-01-01 open {a}\n2020-01-02 pad {a} Equity:Opening-Balances\n"
        ));
    }
    std::fs::write(&ledger, &start).unwrap();

    let append = |env: &Env| -> String {
        let assert = env
            .cmd()
            .arg("import")
            .arg("-e")
            .arg(&ledger)
            .assert()
            .success();
        let out = stdout(&assert);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&ledger)
            .unwrap()
            .write_all(out.as_bytes())
            .unwrap();
        out
    };
    let first = append(&env);
    assert!(first.matches("gocardless_id:").count() > 100, "{first}");
    assert!(
        first.contains(" open Expenses:Uncategorized"),
        "opens written for what the ledger lacks: {first}"
    );
    bean_check(&ledger);

    // Again the same day: nothing new, not even a comment.
    let again = append(&env);
    assert_eq!(again, "", "the second import printed something");

    // The next day: yesterday's pending transactions booked (under new ids)
    // and new ones arrived. Only those come out.
    env.server.advance(chrono::Duration::days(1));
    let next = append(&env);
    assert!(
        next.contains("gocardless_id"),
        "nothing new a day later: {next}"
    );
    assert!(
        next.matches("gocardless_id:").count() < 40,
        "old transactions came again: {next}"
    );
    bean_check(&ledger);

    // Every bank id exactly once in the whole ledger.
    let text = std::fs::read_to_string(&ledger).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("gocardless_id: "))
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "a transaction was imported twice");

    // And once more that day: nothing.
    assert_eq!(append(&env), "");

    // --mark-duplicates shows what was left out, commented, with where.
    let assert = env
        .cmd()
        .arg("import")
        .arg("-e")
        .arg(&ledger)
        .arg("--mark-duplicates")
        .assert()
        .success();
    let marked = stdout(&assert);
    assert!(
        marked.contains("; duplicate of ") && marked.contains("main.beancount:"),
        "{marked}"
    );
    assert!(
        marked
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| l.starts_with(';')),
        "a duplicate was written uncommented: {marked}"
    );
}
