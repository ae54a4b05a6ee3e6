//! `extract`: stored responses in, Beancount out, no network.

mod common;

use common::{bean_check_text, bin, fixtures, stderr, stdout};

fn config(dir: &std::path::Path, ids: &[&str]) -> std::path::PathBuf {
    let mut yaml = String::from("accounts:\n");
    for (i, id) in ids.iter().enumerate() {
        yaml.push_str(&format!("  - id: {id}\n    account: Assets:Bank:Acc{i}\n"));
    }
    let path = dir.join("config.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn fixture_statements_convert_and_pass_bean_check() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let statements = fixtures().join("statements");
    let mut ids = Vec::new();
    for (i, entry) in std::fs::read_dir(&statements).unwrap().enumerate() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let id = format!("acc{i}");
            std::fs::copy(&path, data.join(format!("{id}.transactions.json"))).unwrap();
            ids.push(id);
        }
    }
    assert!(
        ids.len() >= 3,
        "fixtures missing in {}",
        statements.display()
    );
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let cfg = config(dir.path(), &ids);
    let assert = bin()
        .args(["extract", "--config"])
        .arg(&cfg)
        .arg(&data)
        .assert();
    let out = stdout(&assert);
    let code = assert.get_output().status.code();
    assert!(
        matches!(code, Some(0) | Some(4)),
        "exit {code:?}: {}",
        stderr(assert)
    );
    assert!(out.contains("gocardless_id"), "{out}");
    bean_check_text(dir.path(), &out);
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixtures().join("statements/sample-statement.json");
    std::fs::copy(&src, dir.path().join("a1.transactions.json")).unwrap();
    let cfg = config(dir.path(), &["a1"]);
    let out_file = dir.path().join("out.beancount");
    let assert = bin()
        .args(["extract", "-c"])
        .arg(&cfg)
        .arg(dir.path().join("a1.transactions.json"))
        .arg("-o")
        .arg(&out_file)
        .assert()
        .success();
    assert_eq!(stdout(&assert), "");
    let written = std::fs::read_to_string(&out_file).unwrap();
    assert!(written.contains("Assets:Bank:Acc0"), "{written}");
}

#[test]
fn a_record_that_cannot_be_converted_gives_exit_4_and_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"{"transactions": {"booked": [
        {"transactionId": "ok-1", "bookingDate": "2024-03-01",
         "transactionAmount": {"amount": "-12.50", "currency": "EUR"},
         "creditorName": "Bakery"},
        {"transactionId": "bad-1",
         "transactionAmount": {"amount": "-3.00", "currency": "EUR"}}
    ], "pending": []}}"#;
    std::fs::write(dir.path().join("a1.transactions.json"), body).unwrap();
    let cfg = config(dir.path(), &["a1"]);
    let assert = bin()
        .args(["extract", "-c"])
        .arg(&cfg)
        .arg(dir.path())
        .assert()
        .code(4);
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(out.contains("\"Bakery\""), "{out}");
    assert!(
        out.contains("bad-1"),
        "the bad record is kept as a comment: {out}"
    );
    assert!(err.contains("bad-1"), "{err}");
    bean_check_text(dir.path(), &out);
}

#[test]
fn a_bad_configuration_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, "accounts:\n  - id: a\n    acount: Assets:A\n").unwrap();
    std::fs::write(
        dir.path().join("a.transactions.json"),
        r#"{"transactions":{"booked":[],"pending":[]}}"#,
    )
    .unwrap();
    let err = stderr(
        bin()
            .args(["extract", "-c"])
            .arg(&cfg)
            .arg(dir.path())
            .assert()
            .code(2),
    );
    assert!(err.contains("did you mean `account`"), "{err}");
}

/// The README's main command, exactly: its output is a ledger that passes
/// bean-check on its own; with `-e examples/ledger.bean` only what that
/// ledger lacks is written, and the two together pass too.
#[test]
fn the_readme_command_works_and_passes_bean_check() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- extract"))
        .expect("README has the extract command near the top");
    let command: Vec<&str> = line.split('#').next().unwrap().split_whitespace().collect();
    let args = &command[4..];
    assert_eq!(args[0], "extract", "{line}");
    let assert = bin()
        .current_dir(common::root())
        .args(args)
        .assert()
        .success();
    let out = stdout(&assert);
    assert!(
        out.lines().filter(|l| l.contains("gocardless_id")).count() > 20,
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    bean_check_text(dir.path(), &out);

    let assert = bin()
        .current_dir(common::root())
        .args(args)
        .args(["-e", "examples/ledger.bean"])
        .assert()
        .success();
    let out = stdout(&assert);
    assert!(!out.contains(" open ") && !out.contains("Opening"), "{out}");
    let ledger = std::fs::read_to_string(common::root().join("examples/ledger.bean")).unwrap();
    let file = dir.path().join("all.beancount");
    std::fs::write(&file, format!("{ledger}\n{out}")).unwrap();
    common::bean_check(&file);
}
