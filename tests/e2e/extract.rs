//! `extract`: stored responses in, Beancount out, no network.

use crate::common;

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

/// A transactions response of the bank fixture's transactions (Actual's
/// test inputs for that bank).
fn bank_fixture_response(name: &str) -> String {
    let text = std::fs::read_to_string(fixtures().join("banks").join(name)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let booked: Vec<serde_json::Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "transaction" && i["value"]["transactionAmount"].is_object())
        .map(|i| i["value"].clone())
        .collect();
    assert!(!booked.is_empty(), "{name} has transactions");
    serde_json::json!({"transactions": {"booked": booked, "pending": []}}).to_string()
}

#[test]
fn a_bank_preset_named_in_the_configuration_fixes_the_bank_text() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cbk.transactions.json");
    std::fs::write(&data, bank_fixture_response("commerzbank_cobadeff.json")).unwrap();
    let run = |preset: &str| {
        let cfg = dir.path().join("config.yaml");
        std::fs::write(
            &cfg,
            format!(
                "accounts:\n  - id: cbk\n    account: Assets:Commerzbank\n    preset: {preset}\n"
            ),
        )
        .unwrap();
        let assert = bin()
            .args(["extract", "--config"])
            .arg(&cfg)
            .arg(&data)
            .assert()
            .success();
        stdout(&assert)
    };
    let fixed = run("commerzbank");
    let raw = run("none");
    let wanted = "\"2024-12-19T15:34:31 KFN 1 AB 1234, Kartenzahlung\"";
    assert!(fixed.contains(wanted), "{fixed}");
    assert!(!raw.contains(wanted), "{raw}");
    bean_check_text(dir.path(), &fixed);

    // An unknown name is a configuration error listing the presets.
    let cfg = dir.path().join("config.yaml");
    std::fs::write(
        &cfg,
        "accounts:\n  - id: cbk\n    account: Assets:Commerzbank\n    preset: commerzbnak\n",
    )
    .unwrap();
    let err = stderr(
        bin()
            .args(["extract", "--config"])
            .arg(&cfg)
            .arg(&data)
            .assert()
            .code(2),
    );
    assert!(
        err.contains("no bank preset is named \"commerzbnak\"") && err.contains("commerzbank"),
        "{err}"
    );
}

#[test]
fn presets_are_listed_with_their_banks() {
    let assert = bin().args(["presets", "--json"]).assert().success();
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&assert)).unwrap();
    assert_eq!(list.len(), 44);
    let cbk = list.iter().find(|p| p["name"] == "commerzbank").unwrap();
    assert_eq!(cbk["institutions"][0], "COMMERZBANK_COBADEFF");
    assert_eq!(cbk["source"], "builtin");
}

/// A folder with one statement and a configuration for it; the arguments
/// of `extract` for them.
fn one_statement(dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    let src = fixtures().join("statements/sample-statement.json");
    std::fs::copy(&src, dir.join("a1.transactions.json")).unwrap();
    let cfg = config(dir, &["a1"]);
    vec![
        "extract".into(),
        "-c".into(),
        cfg.into(),
        dir.join("a1.transactions.json").into(),
    ]
}

/// `-o` replaces a regular file atomically, but writes into what is not
/// one (a device, a FIFO, a process substitution) instead of replacing it,
/// writes a link's target and keeps the link, and refuses a folder.
#[cfg(unix)]
#[test]
fn output_to_devices_fifos_links_and_folders() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let args = one_statement(dir.path());
    let run = |out: &std::path::Path| bin().args(&args).arg("-o").arg(out).assert();

    run("/dev/null".as_ref()).success();
    let null = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(null.is_char_device());
    let err = stderr(run("/dev/full".as_ref()).code(1));
    assert!(err.contains("/dev/full"), "{err}");

    let real = dir.path().join("real.bean");
    let link = dir.path().join("link.bean");
    std::fs::write(&real, "old\n").unwrap();
    std::os::unix::fs::symlink("real.bean", &link).unwrap();
    run(&link).success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("Assets:Bank:Acc0")
    );

    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    run(&fifo).success();
    assert!(reader.join().unwrap().contains("Assets:Bank:Acc0"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

    // bash's `>(…)` is a pipe named /dev/fd/N.
    let bin_path = assert_cmd::cargo::cargo_bin("gc-beancount");
    let quoted: Vec<String> = std::iter::once(bin_path.into_os_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect();
    let script = format!(
        "{} -o >(cat > substituted.bean) && wait $!",
        quoted.join(" ")
    );
    let status = std::process::Command::new("bash")
        .current_dir(dir.path())
        .env_remove("GC_BEANCOUNT_CONFIG")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    let substituted = std::fs::read_to_string(dir.path().join("substituted.bean")).unwrap();
    assert!(substituted.contains("Assets:Bank:Acc0"), "{substituted}");

    let err = stderr(run(dir.path()).code(2));
    assert!(err.contains("is a folder"), "{err}");
}

/// A run killed between writing its temporary file and the rename leaves
/// `.NAME.gc-beancount-tmp-PID`; the next run removes it once that process
/// is gone.
#[test]
fn a_temporary_file_left_by_a_killed_run_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let args = one_statement(dir.path());
    let out = dir.path().join("out.bean");
    // Beyond any process id Linux gives (at most 2^22).
    let stale = dir.path().join(".out.bean.gc-beancount-tmp-4000000000");
    std::fs::write(&stale, "half a file").unwrap();
    bin().args(&args).arg("-o").arg(&out).assert().success();
    assert!(!stale.exists());
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    names.sort();
    assert!(names.is_empty(), "{names:?}");
}

/// `-o` naming a file the ledger includes (not only a `-e` file itself,
/// and through a link as well) is refused before anything is written.
#[test]
fn output_over_a_file_the_ledger_includes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let args = one_statement(dir.path());
    let top = dir.path().join("top.bean");
    let main = dir.path().join("main.bean");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(&top, "include \"sub/*.bean\"\ninclude \"main.bean\"\n").unwrap();
    let kept = "2020-01-01 open Assets:Bank:Acc0 EUR\n";
    std::fs::write(&main, kept).unwrap();
    std::fs::write(sub.join("2025.bean"), kept).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("main.bean", dir.path().join("alias.bean")).unwrap();
    let mut targets = vec![main.clone(), sub.join("2025.bean"), top.clone()];
    #[cfg(unix)]
    targets.push(dir.path().join("alias.bean"));
    for out in targets {
        let err = stderr(
            bin()
                .args(&args)
                .arg("-e")
                .arg(&top)
                .arg("-o")
                .arg(&out)
                .assert()
                .code(2),
        );
        assert!(err.contains("would replace it"), "{}: {err}", out.display());
    }
    assert_eq!(std::fs::read_to_string(&main).unwrap(), kept);
    assert_eq!(
        std::fs::read_to_string(sub.join("2025.bean")).unwrap(),
        kept
    );
    // A file outside the ledger is written.
    let new = dir.path().join("new.bean");
    bin()
        .args(&args)
        .arg("-e")
        .arg(&top)
        .arg("-o")
        .arg(&new)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&new)
            .unwrap()
            .contains("Assets:Bank:Acc0")
    );
}

/// A ledger that never ends or is not a file (`-e /dev/zero`, an include
/// of it, a FIFO, a huge sparse file) is refused with the file named,
/// quickly and without taking all memory.
#[cfg(unix)]
#[test]
fn a_ledger_that_is_not_a_readable_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let args = one_statement(dir.path());
    let includes = dir.path().join("includes.bean");
    std::fs::write(&includes, "; books\ninclude \"/dev/zero\"\n").unwrap();
    let fifo = dir.path().join("fifo.bean");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let sparse = dir.path().join("sparse.bean");
    let file = std::fs::File::create(&sparse).unwrap();
    file.set_len(2 << 30).unwrap();
    for (ledger, says) in [
        (
            "/dev/zero".into(),
            "/dev/zero: it is a character device, not a regular file",
        ),
        (includes.clone(), "includes.bean:2: included file /dev/zero"),
        (fifo, "fifo.bean: it is a FIFO"),
        (sparse, "sparse.bean: line 1 is longer than 4 MiB"),
    ] {
        let ledger: std::path::PathBuf = ledger;
        let err = stderr(bin().args(&args).arg("-e").arg(&ledger).assert().code(2));
        assert!(err.contains(says), "{}: {err}", ledger.display());
    }
}

/// A transactions file holding a top-level JSON array (or anything but an
/// object) is unreadable, named with the reason: never an empty response
/// that silently drops everything.
#[test]
fn a_transactions_file_that_is_not_a_json_object_is_named_not_taken_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &["a1", "a2"]);
    std::fs::write(dir.path().join("a1.transactions.json"), "[]").unwrap();
    std::fs::write(
        dir.path().join("a2.transactions.json"),
        r#"{"transactions": [{"transactionId": "x"}]}"#,
    )
    .unwrap();
    let assert = bin()
        .args(["extract", "-c"])
        .arg(&cfg)
        .arg(dir.path())
        .assert()
        .code(4);
    let err = stderr(assert);
    for file in ["a1.transactions.json", "a2.transactions.json"] {
        let line = err.lines().find(|l| l.contains(file)).unwrap_or_default();
        assert!(line.contains("expected a JSON object"), "{file}: {err}");
    }
}

/// Bank text in a warning (here an id with escapes and a newline, on a
/// record that cannot be converted) is shown with its escapes visible, and
/// cannot forge a line of its own.
#[test]
fn bank_text_in_a_warning_can_neither_drive_the_terminal_nor_forge_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let body = serde_json::json!({"transactions": {"booked": [
        {"transactionId": "t-1\u{1b}]0;pwned\u{7}\nerror: forged\u{2028}x",
         "transactionAmount": {"amount": "-3.00", "currency": "EUR"}}
    ], "pending": []}});
    std::fs::write(dir.path().join("a1.transactions.json"), body.to_string()).unwrap();
    let cfg = config(dir.path(), &["a1"]);
    let err = stderr(
        bin()
            .args(["extract", "-c"])
            .arg(&cfg)
            .arg(dir.path())
            .assert()
            .code(4),
    );
    assert!(err.contains("t-1"), "{err}");
    for bad in ['\u{1b}', '\u{7}', '\u{2028}'] {
        assert!(!err.contains(bad), "{bad:?} reached stderr: {err:?}");
    }
    assert!(
        !err.lines().any(|l| l.starts_with("error: forged")),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_utf8_spoils_only_itself_and_a_bom_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let tx = |id: &str| {
        format!(
            r#"{{"transactions": {{"booked": [{{"transactionId": "{id}", "bookingDate": "2026-03-01",
            "transactionAmount": {{"amount": "-1.00", "currency": "EUR"}}}}], "pending": []}}}}"#
        )
    };
    std::fs::write(dir.path().join("a.transactions.json"), tx("A1")).unwrap();
    std::fs::write(
        dir.path().join("b.transactions.json"),
        format!("\u{feff}{}", tx("B1")),
    )
    .unwrap();
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(tx("C1").encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.path().join("c.transactions.json"), utf16).unwrap();
    let cfg = config(dir.path(), &["a", "b", "c"]);
    let assert = bin()
        .args(["extract", "--config"])
        .arg(&cfg)
        .arg(dir.path())
        .assert()
        .code(4);
    let out = stdout(&assert);
    let err = stderr(assert);
    assert!(out.contains("\"A1\"") && out.contains("\"B1\""), "{out}");
    assert!(
        err.contains("c.transactions.json") && err.contains("UTF-16"),
        "{err}"
    );
}
