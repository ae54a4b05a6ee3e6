//! Helpers shared by the end-to-end tests of the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The binary under test, with an environment that cannot leak the
/// developer's own configuration, store or clock into the test.
pub fn bin() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("gc-beancount").unwrap();
    for var in [
        "GC_BEANCOUNT_CONFIG",
        "GC_BEANCOUNT_STORE",
        "GC_BEANCOUNT_NOW",
        "RUST_LOG",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent-gc-beancount-test");
    cmd.env("XDG_CACHE_HOME", "/nonexistent-gc-beancount-test");
    cmd
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs bean-check on `file` (see [`test_support::bean_check::file`]).
pub fn bean_check(file: &Path) {
    test_support::bean_check::file(file);
}

/// The stderr of a finished command, as text.
pub fn stderr(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// The stdout of a finished command, as text.
pub fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// Writes `text` to a file in `dir` and runs bean-check on it as it is:
/// the output of a run without a ledger is a ledger of its own.
pub fn bean_check_text(dir: &Path, text: &str) {
    let path = dir.join("checked.beancount");
    std::fs::write(&path, text).unwrap();
    bean_check(&path);
}

/// The shared fixtures (`../shared/fixtures` beside the repository).
pub fn fixtures() -> PathBuf {
    root().join("../shared/fixtures")
}

/// A fake GoCardless server, a temporary folder with a configuration that
/// points at it and a store of its own, and the binary set up to use them
/// with the server's clock.
pub struct Env {
    pub server: fake_gocardless::FakeServer,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Env {
    /// A server with `accounts` accounts, all configured (the first named
    /// `current`, booked to `Assets:Bank:Current`; the others
    /// `Assets:Bank:AccountN`).
    pub fn new(accounts: usize) -> Env {
        Env::with(fake_gocardless::Options {
            accounts,
            ..Default::default()
        })
    }

    /// Like [`Env::new`] with the server's options.
    pub fn with(opts: fake_gocardless::Options) -> Env {
        let server = fake_gocardless::FakeServer::start(opts);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gc-beancount.yaml");
        let env = Env {
            server,
            dir,
            config,
        };
        let ids = env.server.account_ids();
        env.write_config(&ids);
        env
    }

    /// Rewrites the configuration for these account ids.
    pub fn write_config(&self, ids: &[String]) {
        let mut yaml = format!(
            "secret_id: {}\nsecret_key: ${{TEST_SECRET_KEY}}\nbase_url: {}\nstore: store.sqlite\naccounts:\n",
            self.server.secret_id(),
            self.server.base_url()
        );
        for (i, id) in ids.iter().enumerate() {
            if i == 0 {
                yaml.push_str(&format!(
                    "  - id: {id}\n    name: current\n    account: Assets:Bank:Current\n"
                ));
            } else {
                yaml.push_str(&format!(
                    "  - id: {id}\n    account: Assets:Bank:Account{i}\n"
                ));
            }
        }
        std::fs::write(&self.config, yaml).unwrap();
    }

    /// The binary, run in the folder, with the configuration and the
    /// server's current time.
    pub fn cmd(&self) -> assert_cmd::Command {
        self.runner().cmd()
    }

    /// What it takes to run the binary for this environment, without the
    /// server (so a test can stop the server and still run it).
    pub fn runner(&self) -> Runner {
        Runner {
            dir: self.dir.path().to_path_buf(),
            config: self.config.clone(),
            secret_key: self.server.secret_key(),
            now: self.server.now(),
        }
    }

    /// The same as a plain `std::process::Command` (for processes that run
    /// while the test acts on the server).
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("gc-beancount"));
        for var in [
            "GC_BEANCOUNT_CONFIG",
            "GC_BEANCOUNT_STORE",
            "RUST_LOG",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .env("XDG_CACHE_HOME", "/nonexistent-gc-beancount-test")
            .env("TEST_SECRET_KEY", self.server.secret_key())
            .env("GC_BEANCOUNT_NOW", self.server.now().to_rfc3339());
        cmd
    }

    /// The store file the configuration names.
    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store.sqlite")
    }

    /// How many requests the server saw with this method and path prefix.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.server.count(method, prefix)
    }
}

/// Runs the binary in a folder with a configuration, a secret key and a
/// fixed clock.
pub struct Runner {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub secret_key: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Runner {
    /// The binary, ready for its arguments.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.current_dir(&self.dir)
            .arg("--config")
            .arg(&self.config)
            .env("TEST_SECRET_KEY", &self.secret_key)
            .env("GC_BEANCOUNT_NOW", self.now.to_rfc3339());
        cmd
    }
}

/// Waits for the requisition with this reference to exist at the server.
pub fn find_requisition(env: &Env, reference: &str) -> String {
    let client = gocardless::Client::builder(
        env.server.secret_id(),
        gocardless::Secret::new(env.server.secret_key()),
    )
    .base_url(&env.server.base_url())
    .build()
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let found = client
            .requisitions()
            .unwrap()
            .into_iter()
            .find(|r| r.reference.as_deref() == Some(reference));
        if let Some(r) = found {
            return r.id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no requisition {reference}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
