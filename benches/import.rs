//! Benchmark of the whole `import` command as a user runs it: the release
//! binary, as a process, against the fake GoCardless server with 4 accounts
//! of 5,000 transactions each (issue 13).
//!
//! `cargo bench --bench import` prints, per case, the median over several
//! runs of the wall time, the CPU time (user + system) and the peak RSS of
//! the child process:
//! - `cold`: a fresh store each run (log in, fetch details, balances and
//!   transactions, record them, convert);
//! - `warm`: the same store again, answered from it without asking the bank;
//! - `cold -e`: a fresh store and `-e` with a synthetic 100,000-transaction
//!   (about 25 MB) ledger to deduplicate against;
//! - `warm -e`: the same with the store of the previous runs;
//! - `warm -e learning`: the same, with the first accounts imported into
//!   the ledger's own bank accounts, as a daily run does: the import also
//!   learns their categories from the ledger.
//!
//! After the cases it gives their floor: the same bodies, already in
//! memory, through the importer's libraries in this process (records split,
//! converted an account per core as the binary does, joined, deduplicated,
//! printed), without the store, the network or a process to start; and the
//! same with the `-e` ledger read first. What a case adds to its floor is
//! the store, the fetch and the process; the floor itself is what parsing
//! and converting every record costs on this machine that day.
//!
//! CPU time and peak RSS come from GNU time (`/usr/bin/time`), which reads
//! the child's `rusage` when it is reaped (10 ms resolution for CPU time);
//! without it only wall times are given. The fake server runs in this
//! process, so its own work is not in the child's CPU time but is in the
//! wall time, as it would be for a real server's latency.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use chrono::NaiveDate;
use gocardless::TransactionsResponse;
use gocardless::statement::{GoCardlessRecords, statement};
use importer::ledger::Ledger;
use importer::{AccountOutput, Config, Input, Run};

use fake_gocardless::{FakeServer, Options};
use test_support::ledger_gen::BANK_ACCOUNTS;

// The binary's bounded map, so that the floor converts on as many threads,
// the calling one among them, as `import` does. Its fetch width and its
// unit tests (whose imports a benchmark build keeps) are not used here.
#[allow(dead_code, unused_imports)]
#[path = "../src/parallel.rs"]
mod parallel;

const ACCOUNTS: usize = 4;
const TRANSACTIONS_PER_ACCOUNT: usize = 5_000;
const RUNS: usize = 7;
const LEDGER_RUNS: usize = 5;
const LEDGER_TRANSACTIONS: usize = 100_000;
const GNU_TIME: &str = "/usr/bin/time";
const SECRET_ENV: &str = "GC_BEANCOUNT_BENCH_SECRET_KEY";
const FLOOR_RUNS: usize = 9;

// The binary's allocator, so that the floor is measured as the command
// allocates.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let server = FakeServer::start(Options {
        seed: 1,
        accounts: ACCOUNTS,
        transactions_per_account: TRANSACTIONS_PER_ACCOUNT,
        // Every cold run reads every account afresh: the real API's 4
        // reads a day would turn the later runs into 429s.
        daily_limit: u32::MAX,
        ..Options::default()
    });
    let received = received_bytes(&server);
    println!(
        "import: fake server with {ACCOUNTS} accounts x {TRANSACTIONS_PER_ACCOUNT} transactions: \
         {} transactions, {:.2} MB of transactions JSON",
        received.transactions,
        received.bytes as f64 / 1e6
    );

    let timer = Timer::find();
    if timer.is_none() {
        println!(
            "import: {GNU_TIME} not found: only wall times are measured (no CPU time, no peak RSS)"
        );
    }
    let work = tempfile::tempdir().expect("a temporary folder");
    let ledger = work.path().join("ledger.beancount");
    std::fs::write(
        &ledger,
        test_support::ledger_gen::synthetic_ledger(LEDGER_TRANSACTIONS, 42),
    )
    .expect("write the ledger");
    let ledger_size = std::fs::metadata(&ledger).expect("the ledger").len();
    println!(
        "import: -e ledger of {LEDGER_TRANSACTIONS} transactions, {:.1} MB",
        ledger_size as f64 / 1e6
    );

    let bench = Bench {
        server: &server,
        timer,
        work: work.path().to_path_buf(),
    };

    let cold = bench.case("cold", RUNS, &[], Store::Fresh, Names::New);
    let warm = bench.case("warm", RUNS, &[], Store::Kept, Names::New);
    let ledger_arg = ledger.to_str().expect("a UTF-8 temporary path");
    let e = ["-e", ledger_arg];
    let cold_e = bench.case("cold -e", LEDGER_RUNS, &e, Store::Fresh, Names::New);
    let warm_e = bench.case("warm -e", LEDGER_RUNS, &e, Store::Kept, Names::New);
    let learn_e = bench.case(
        "warm -e learning",
        LEDGER_RUNS,
        &e,
        Store::Kept,
        Names::Ledger,
    );

    println!();
    println!(
        "import: medians (targets of issue 13: cold <= 100 ms, warm <= 50 ms, -e 25 MB <= 150 ms,"
    );
    println!(
        "        peak RSS <= 3x the received JSON = {:.1} MB)",
        3.0 * received.bytes as f64 / 1e6
    );
    for m in [&cold, &warm, &cold_e, &warm_e, &learn_e] {
        println!("{}", m.summary(received.bytes));
    }

    let today = server.now().date_naive();
    let config = bench.config(Names::New);
    let floor = Floor::measure(&config, &received.bodies, None, today);
    let floor_e = Floor::measure(&config, &received.bodies, Some(ledger.as_path()), today);
    println!();
    println!(
        "import: the floor, the received bodies through the importer in this process (no store, no fetch, no process)"
    );
    println!("{}", floor.summary("floor"));
    println!("{}", floor_e.summary("floor -e"));
}

/// Medians of [`FLOOR_RUNS`] runs of the importer alone over the bodies.
struct Floor {
    /// Reading the `-e` ledger, when there is one.
    ledger: Option<Duration>,
    /// The whole run: the ledger, the conversion and the printing.
    total: Duration,
    output_bytes: usize,
}

impl Floor {
    /// Runs what `import` runs after fetching, over `bodies` (one an
    /// account): with `ledger`, it is read first and the import learns
    /// from and deduplicates against it.
    fn measure(
        config: &Config,
        bodies: &[ByteString],
        ledger: Option<&Path>,
        today: NaiveDate,
    ) -> Floor {
        let mut reads = Vec::with_capacity(FLOOR_RUNS);
        let mut totals = Vec::with_capacity(FLOOR_RUNS);
        let mut output_bytes = 0;
        for _ in 0..FLOOR_RUNS {
            let start = Instant::now();
            let read = ledger.map(|path| Ledger::load(&[path]).expect("the -e ledger"));
            reads.push(start.elapsed());
            let run = Run::new(config, read.as_ref(), today);
            let outputs = convert_on_cores(&run, config, bodies);
            let mut out = Vec::new();
            run.import_outputs(outputs)
                .write(&mut out)
                .expect("print into memory");
            totals.push(start.elapsed());
            output_bytes = out.len();
        }
        Floor {
            ledger: ledger.map(|_| median(reads)),
            total: median(totals),
            output_bytes,
        }
    }

    fn summary(&self, name: &str) -> String {
        let mut s = format!(
            "import/{name:<8} median wall {:6.1} ms ({FLOOR_RUNS} runs, {} bytes of Beancount)",
            ms(self.total),
            self.output_bytes
        );
        if let Some(read) = self.ledger {
            s.push_str(&format!(", of which reading the ledger {:.1} ms", ms(read)));
        }
        s
    }
}

/// Splits and converts each body as the binary does
/// (`pipeline::convert`): an account at a time on each core, through the
/// binary's own bounded map, the outputs in the bodies' order.
fn convert_on_cores(run: &Run<'_>, config: &Config, bodies: &[ByteString]) -> Vec<AccountOutput> {
    parallel::map(bodies.iter().enumerate(), parallel::cores(), |(i, body)| {
        let response = TransactionsResponse::from_shared(body).expect("the server's JSON");
        let records = GoCardlessRecords::new(&response);
        let input = Input {
            account: &config.accounts[i],
            statement: statement(&records, &[]),
            adjust: None,
        };
        run.convert(std::slice::from_ref(&input))
    })
    .into_iter()
    .flatten()
    .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// What the server's transactions answers hold.
struct Received {
    bytes: usize,
    transactions: usize,
    /// The answers themselves, one an account, for the floor.
    bodies: Vec<ByteString>,
}

/// Reads every account's transactions as the import does, to say how much
/// JSON a run receives (and that the server really serves that much).
fn received_bytes(server: &FakeServer) -> Received {
    let client = reqwest::blocking::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/token/new/", server.base_url()))
        .json(&serde_json::json!({
            "secret_id": server.secret_id(),
            "secret_key": server.secret_key(),
        }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("a token from the fake server");
    let access = token["access"].as_str().expect("an access token");
    let mut received = Received {
        bytes: 0,
        transactions: 0,
        bodies: Vec::new(),
    };
    for id in server.account_ids() {
        let body = client
            .get(format!("{}/accounts/{id}/transactions/", server.base_url()))
            .bearer_auth(access)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.bytes())
            .expect("the transactions of an account");
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON transactions");
        let count = |list: &str| {
            value["transactions"][list]
                .as_array()
                .map_or(0, |a| a.len())
        };
        received.bytes += body.len();
        received.transactions += count("booked") + count("pending");
        received
            .bodies
            .push(ByteString::try_from(body).expect("UTF-8 JSON"));
    }
    server.reset_counters();
    received
}

/// Whether a run starts from a fresh store or the one of the previous run.
#[derive(Clone, Copy, PartialEq)]
enum Store {
    Fresh,
    Kept,
}

/// Which Beancount accounts the bank's accounts are imported into.
#[derive(Clone, Copy, PartialEq)]
enum Names {
    /// `Assets:Bank:Account0`…: accounts the `-e` ledger does not hold.
    New,
    /// The ledger's own bank accounts first, then new ones.
    Ledger,
}

struct Bench<'a> {
    server: &'a FakeServer,
    timer: Option<Timer>,
    work: PathBuf,
}

impl Bench<'_> {
    /// Runs `import ARGS` `runs` times and prints each run.
    fn case(&self, name: &str, runs: usize, args: &[&str], store: Store, names: Names) -> Case {
        let dir = self.work.join(name.replace([' ', '-'], ""));
        let mut samples = Vec::with_capacity(runs);
        for run in 0..runs {
            if store == Store::Fresh || run == 0 {
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("a run folder");
                self.write_config(&dir, names);
            }
            if store == Store::Kept && run == 0 {
                // Fill the store first: the kept-store runs measure answers from it.
                self.run(&dir, args);
            }
            self.server.reset_counters();
            let sample = self.run(&dir, args);
            let asked = self
                .server
                .requests()
                .iter()
                .filter(|r| r.path.ends_with("/transactions/"))
                .count();
            let expected = if store == Store::Fresh { ACCOUNTS } else { 0 };
            assert_eq!(
                asked, expected,
                "{name}: {asked} transactions requests, expected {expected}"
            );
            println!(
                "import/{name}: run {}: {} ({} bytes of Beancount)",
                run + 1,
                sample.describe(),
                sample.output_bytes
            );
            samples.push(sample);
        }
        Case {
            name: name.to_string(),
            samples,
        }
    }

    fn write_config(&self, dir: &Path, names: Names) {
        std::fs::write(dir.join("gc-beancount.yaml"), self.config_yaml(dir, names))
            .expect("write the configuration");
    }

    /// The configuration of a case run in `dir`.
    fn config_yaml(&self, dir: &Path, names: Names) -> String {
        let mut yaml = format!(
            "secret_id: {}\nsecret_key: ${{{SECRET_ENV}}}\nbase_url: {}\nstore: {}\naccounts:\n",
            self.server.secret_id(),
            self.server.base_url(),
            dir.join("store.sqlite").display(),
        );
        for (i, id) in self.server.account_ids().iter().enumerate() {
            let account = match BANK_ACCOUNTS.get(i) {
                Some(own) if names == Names::Ledger => own.to_string(),
                _ => format!("Assets:Bank:Account{i}"),
            };
            yaml.push_str(&format!("  - id: {id}\n    account: {account}\n"));
        }
        yaml
    }

    /// The configuration the import reads, as the importer sees it.
    fn config(&self, names: Names) -> Config {
        let secret = self.server.secret_key().to_string();
        importer::config::from_str_with_env(
            &self.config_yaml(&self.work, names),
            "the benchmark's configuration",
            move |name| (name == SECRET_ENV).then(|| secret.clone()),
        )
        .expect("the benchmark's configuration")
    }

    /// One `import`, its output to a file.
    fn run(&self, dir: &Path, args: &[&str]) -> Sample {
        let binary = env!("CARGO_BIN_EXE_gc-beancount");
        let times = dir.join("time.txt");
        let mut cmd = match &self.timer {
            Some(timer) => {
                let mut cmd = Command::new(&timer.0);
                cmd.arg("-f")
                    .arg("%U %S %M")
                    .arg("-o")
                    .arg(&times)
                    .arg(binary);
                cmd
            }
            None => Command::new(binary),
        };
        for var in [
            "GC_BEANCOUNT_CONFIG",
            "GC_BEANCOUNT_STORE",
            "RUST_LOG",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        let out_path = dir.join("out.beancount");
        let out = File::create(&out_path).expect("the output file");
        cmd.current_dir(dir)
            .arg("--config")
            .arg(dir.join("gc-beancount.yaml"))
            .arg("import")
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-gc-beancount-bench")
            .env("XDG_CACHE_HOME", "/nonexistent-gc-beancount-bench")
            .env(SECRET_ENV, self.server.secret_key())
            .env("GC_BEANCOUNT_NOW", self.server.now().to_rfc3339())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::piped());
        let start = Instant::now();
        let output = cmd.output().expect("run gc-beancount");
        let wall = start.elapsed();
        assert!(
            output.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let output_bytes = std::fs::metadata(&out_path).expect("the output").len();
        assert!(output_bytes > 0, "import wrote nothing");
        let (cpu, peak_rss) = match &self.timer {
            Some(_) => {
                let text = std::fs::read_to_string(&times).expect("GNU time's report");
                parse_time(&text)
            }
            None => (None, None),
        };
        Sample {
            wall,
            cpu,
            peak_rss,
            output_bytes,
        }
    }
}

/// GNU time, when installed.
struct Timer(PathBuf);

impl Timer {
    fn find() -> Option<Timer> {
        let ok = Command::new(GNU_TIME)
            .args(["-f", "%M", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Timer(PathBuf::from(GNU_TIME)))
    }
}

/// `"USER SYSTEM MAXRSS_KB"` as written by `time -f "%U %S %M"` (the last
/// line: earlier ones say when the command was signalled).
fn parse_time(text: &str) -> (Option<Duration>, Option<u64>) {
    let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) else {
        return (None, None);
    };
    let fields: Vec<&str> = line.split_whitespace().collect();
    let secs = |s: &str| s.parse::<f64>().ok();
    let cpu = match fields.as_slice() {
        [u, s, _] => secs(u)
            .zip(secs(s))
            .map(|(u, s)| Duration::from_secs_f64(u + s)),
        _ => None,
    };
    let rss = fields
        .get(2)
        .and_then(|k| k.parse::<u64>().ok())
        .map(|k| k * 1024);
    (cpu, rss)
}

struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
    peak_rss: Option<u64>,
    output_bytes: u64,
}

impl Sample {
    fn describe(&self) -> String {
        let mut s = format!("wall {:.1} ms", ms(self.wall));
        if let Some(cpu) = self.cpu {
            s.push_str(&format!(", CPU {:.0} ms", ms(cpu)));
        }
        if let Some(rss) = self.peak_rss {
            s.push_str(&format!(", peak RSS {:.1} MB", rss as f64 / 1e6));
        }
        s
    }
}

struct Case {
    name: String,
    samples: Vec<Sample>,
}

impl Case {
    fn summary(&self, received: usize) -> String {
        let n = self.samples.len();
        let mut walls: Vec<Duration> = self.samples.iter().map(|s| s.wall).collect();
        walls.sort();
        let mut s = format!(
            "import/{:<8} median wall {:6.1} ms (min {:.1}, max {:.1}, {n} runs)",
            self.name,
            ms(walls[n / 2]),
            ms(walls[0]),
            ms(walls[n - 1]),
        );
        let mut cpus: Vec<Duration> = self.samples.iter().filter_map(|s| s.cpu).collect();
        if cpus.len() == n {
            cpus.sort();
            s.push_str(&format!(", CPU {:.0} ms", ms(cpus[n / 2])));
        }
        let mut rss: Vec<u64> = self.samples.iter().filter_map(|s| s.peak_rss).collect();
        if rss.len() == n {
            rss.sort();
            let peak = rss[n / 2];
            s.push_str(&format!(
                ", peak RSS {:.1} MB ({:.2}x the received JSON)",
                peak as f64 / 1e6,
                peak as f64 / received as f64
            ));
        }
        s
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
