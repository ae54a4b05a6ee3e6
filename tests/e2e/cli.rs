//! The command line's surface: help, usage errors, completions, config
//! discovery.

use crate::common;

use common::{bin, stderr};

#[test]
fn help_lists_every_command_and_the_exit_statuses() {
    let out = bin()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for cmd in [
        "import",
        "fetch",
        "export",
        "extract",
        "banks",
        "link",
        "accounts",
        "unlink",
        "status",
        "config",
        "rules",
        "completions",
    ] {
        assert!(text.contains(cmd), "--help lacks {cmd}:\n{text}");
    }
    assert!(text.contains("3  partial failure"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    bin()
        .arg("import")
        .arg("--offline")
        .arg("--refresh")
        .assert()
        .code(2);
    bin().arg("no-such-command").assert().code(2);
    let err = stderr(
        bin()
            .args(["import", "--since", "yesterday"])
            .assert()
            .code(2),
    );
    assert!(err.contains("--since"), "{err}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = bin()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("gc-beancount"), "{shell}");
        assert!(
            text.contains("mark-duplicates"),
            "{shell} completion lacks import's options"
        );
    }
}

#[test]
fn a_missing_configuration_is_a_usage_error_saying_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let err = stderr(bin().current_dir(dir.path()).arg("status").assert().code(2));
    assert!(
        err.contains("no configuration file found") && err.contains("config.example.yaml"),
        "{err}"
    );
    let err = stderr(
        bin()
            .current_dir(dir.path())
            .args(["status", "-c", "nope.yaml"])
            .assert()
            .code(2),
    );
    assert!(err.contains("nope.yaml"), "{err}");
    let err = stderr(
        bin()
            .current_dir(dir.path())
            .env("GC_BEANCOUNT_CONFIG", dir.path().join("env.yaml"))
            .arg("status")
            .assert()
            .code(2),
    );
    assert!(err.contains("GC_BEANCOUNT_CONFIG"), "{err}");
}

#[test]
fn a_bad_test_clock_is_a_usage_error() {
    let err = stderr(
        bin()
            .env("GC_BEANCOUNT_NOW", "yesterday")
            .arg("status")
            .assert()
            .code(2),
    );
    assert!(err.contains("GC_BEANCOUNT_NOW"), "{err}");
}

/// What cannot be a configuration is refused before it is read, naming
/// it: a device that never ends, a FIFO, a folder, a (sparse) huge file.
#[test]
fn a_configuration_that_is_not_a_small_regular_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.yaml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let fifo = dir.path().join("fifo.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (path, says) in [
        (std::path::PathBuf::from("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),
        (dir.path().to_path_buf(), "not a regular file"),
        (huge, "2048 MiB"),
    ] {
        let err = stderr(
            bin()
                .args(["config", "check", "--offline", "-c"])
                .arg(&path)
                .assert()
                .code(2),
        );
        assert!(
            err.contains(&*path.to_string_lossy()) && err.contains(says),
            "{}: {err}",
            path.display()
        );
    }
}

#[test]
fn a_base_url_with_credentials_is_refused_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(
        &cfg,
        "secret_id: id\nsecret_key: key\nbase_url: http://user:hunter2@127.0.0.1:9/api/v2\n\
         accounts:\n  - { id: a, account: Assets:Bank }\n",
    )
    .unwrap();
    let assert = bin()
        .args(["config", "check", "--offline", "--config"])
        .arg(&cfg)
        .assert()
        .code(2);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let err = stderr(assert);
    assert!(err.contains("user name or password"), "{err}");
    assert!(
        !err.contains("hunter2") && !out.contains("hunter2"),
        "{err}{out}"
    );
}
