//! Runs the fake GoCardless server until killed.
//!
//! `cargo run -p fake-gocardless -- --port 8080 --accounts 3`

use clap::Parser;
use fake_gocardless::{AccountSpec, FakeServer, HeaderStyle, Options};

/// A stateful fake of the GoCardless Bank Account Data API on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Accounts to generate, linked through one requisition.
    #[arg(long, default_value_t = 2)]
    accounts: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Transactions per account over the 90 days before the clock's today.
    #[arg(long, default_value_t = 120)]
    transactions: usize,
    /// Successful reads per account, scope and day.
    #[arg(long, default_value_t = 4)]
    daily_limit: u32,
    /// Booked transactions per response, with a `next` link (default: no paging).
    #[arg(long)]
    page_size: Option<usize>,
    /// Start time of the fake clock (RFC 3339), default 2026-11-20T10:00:00Z.
    #[arg(long)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// Spell rate-limit headers `x-ratelimit-*` instead of `http_x_ratelimit_*`.
    #[arg(long)]
    dashed_headers: bool,
    /// Of a hundred transactions, how many book otherwise than shown while
    /// pending (another amount, another date, both, or cancelled).
    #[arg(long, default_value_t = 0)]
    pending_fates: u32,
    /// Also serve this whole transactions response (e.g. a file of
    /// `shared/fixtures/statements/`) as an account; repeatable.
    #[arg(long, value_name = "FILE")]
    serve_transactions: Vec<std::path::PathBuf>,
}

fn main() {
    let args = Args::parse();
    let defaults = Options::default();
    let opts = Options {
        seed: args.seed,
        accounts: args.accounts,
        transactions_per_account: args.transactions,
        daily_limit: args.daily_limit,
        page_size: args.page_size,
        now: args.now.unwrap_or(defaults.now),
        header_style: if args.dashed_headers {
            HeaderStyle::Dashed
        } else {
            HeaderStyle::Underscore
        },
        pending_fates: args.pending_fates,
        ..defaults
    };
    let server = match FakeServer::start_on(&format!("127.0.0.1:{}", args.port), opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "fake-gocardless: cannot listen on 127.0.0.1:{}: {e} (try another --port, or --port 0)",
                args.port
            );
            std::process::exit(1);
        }
    };
    let mut served = Vec::new();
    for file in &args.serve_transactions {
        match AccountSpec::from_files(file, None) {
            Ok(spec) => served.push((server.add_account(spec), file.display().to_string())),
            Err(e) => {
                eprintln!("fake-gocardless: --serve-transactions: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("base_url:       {}", server.base_url());
    println!("secret_id:      {}", server.secret_id());
    println!("secret_key:     {}", server.secret_key());
    println!("institution_id: {}", server.institution_id());
    println!("requisition_id: {}", server.requisition_id());
    for id in server.account_ids() {
        match served.iter().find(|(s, _)| *s == id) {
            Some((_, file)) => println!("account:        {id} (serving {file})"),
            None => println!("account:        {id}"),
        }
    }
    println!("clock:          {}", server.now().to_rfc3339());
    println!(
        "admin:          http://127.0.0.1:{}/_fake/state",
        server.port()
    );
    loop {
        std::thread::park();
    }
}
