//! End to end through the library: fetch from the fake GoCardless server
//! over HTTP, convert, deduplicate against the ledger, append; move the
//! server's clock a day (yesterday's pending transactions book under new
//! ids, new ones appear) and run again. The ledger must pass bean-check
//! after each run and hold every bank transaction exactly once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fake_gocardless::{FakeServer, Options};
use gocardless::{Client, ManualClock, RetryPolicy, Secret};
use importer::config::AccountConfig;
use importer::convert::AccountOutput;
use importer::dedup::{DedupOptions, DedupResult, dedup, fetch_window};
use importer::entry::Entry;
use importer::ledger::Ledger;
use test_support::gocardless_data::convert_account;

struct Run {
    server: FakeServer,
    clock: ManualClock,
    client: Client,
    accounts: Vec<AccountConfig>,
}

impl Run {
    fn start() -> Run {
        let server = FakeServer::start(Options {
            accounts: 3,
            transactions_per_account: 150,
            ..Options::default()
        });
        let clock = ManualClock::new(server.now());
        let client = Client::builder(server.secret_id(), Secret::new(server.secret_key()))
            .base_url(&server.base_url())
            .clock(Arc::new(clock.clone()))
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let accounts = server
            .account_ids()
            .iter()
            .enumerate()
            .map(|(i, id)| AccountConfig::new(id.clone(), format!("Assets:Fake:Account{i}")))
            .collect();
        Run {
            server,
            clock,
            client,
            accounts,
        }
    }

    fn advance_a_day(&self) {
        self.server.advance(chrono::Duration::days(1));
        self.clock.advance(chrono::Duration::days(1));
    }

    /// One `import -e ledger >> ledger`: fetch each account's default window,
    /// convert, dedup, append.
    fn import(&self, path: &Path) -> DedupResult {
        let ledger = Ledger::load(&[path]).unwrap();
        assert_eq!(ledger.skipped_lines(), 0);
        let today = self.server.now().date_naive();
        let mut opts = DedupOptions::default();
        let mut outputs = Vec::new();
        for account in &self.accounts {
            let window = fetch_window(account, Some(&ledger), today, Some(90), &opts);
            let transactions = self
                .client
                .account_transactions(&account.id, Some(window.from), Some(window.to))
                .unwrap()
                .value;
            let balances = self.client.account_balances(&account.id).unwrap().value;
            opts.fetched
                .insert(account.account.clone(), (window.from, window.to));
            outputs.push(convert_account(
                account,
                &transactions,
                Some(&balances),
                today,
            ));
        }
        let problems: Vec<String> = outputs
            .iter()
            .flat_map(|o: &AccountOutput| &o.problems)
            .map(|p| p.to_string())
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
        let result = dedup(outputs, &ledger, &opts);
        let mut text = std::fs::read_to_string(path).unwrap();
        text.push('\n');
        text.push_str(&result.render());
        std::fs::write(path, text).unwrap();
        test_support::bean_check::file(path);
        result
    }

    /// Every bank transaction of the last 90 days as converted today, per
    /// account: `(bank id, flag)`.
    fn everything(&self) -> Vec<AccountOutput> {
        let today = self.server.now().date_naive();
        self.accounts
            .iter()
            .map(|account| {
                let transactions = self
                    .client
                    .account_transactions(&account.id, None, None)
                    .unwrap()
                    .value;
                convert_account(account, &transactions, None, today)
            })
            .collect()
    }
}

fn transaction_count(outputs: &[AccountOutput]) -> usize {
    outputs
        .iter()
        .flat_map(|o| &o.entries)
        .filter(|e| matches!(e, Entry::Transaction(_)))
        .count()
}

#[test]
fn daily_imports_hold_every_transaction_exactly_once() {
    let run = Run::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.bean");
    // The user's ledger: the bank accounts opened long ago with an opening
    // balance (the bank's history before the fetched 90 days), as a `pad`
    // that the first imported balance assertion settles.
    let mut start = String::from(
        "option \"title\" \"Daily imports\"\n2026-01-01 open Equity:Opening-Balances\n",
    );
    for a in &run.accounts {
        start.push_str(&format!(
            "2026-01-01 open {0}\n2026-01-01 pad {0} Equity:Opening-Balances\n",
            a.account
        ));
    }
    std::fs::write(&path, start).unwrap();

    let first = run.import(&path);
    assert!(first.duplicates.is_empty());
    assert!(first.summaries.iter().all(|s| s.new > 0));
    assert!(
        first.summaries.iter().any(|s| s.pending > 0),
        "{:?}",
        first.summaries
    );
    assert!(!first.opens.is_empty());

    run.advance_a_day();
    let second = run.import(&path);
    for s in &second.summaries {
        assert!(s.dup_id > 0, "{s}");
        assert!(s.new > 0, "new transactions appear every day: {s}");
    }
    // Yesterday's pending entries booked under new ids: caught by content.
    let by_content: usize = second.summaries.iter().map(|s| s.dup_content).sum();
    assert!(by_content > 0, "{:?}", second.summaries);
    assert!(second.opens.is_empty(), "{:?}", second.opens);

    for s in &second.summaries {
        eprintln!("second run: {s}");
    }
    for s in &second.stale_pending {
        eprintln!("{s}");
    }
    // The same day again: nothing new.
    let third = run.import(&path);
    assert_eq!(
        third.summaries.iter().map(|s| s.new).sum::<usize>(),
        0,
        "{:?}",
        third.summaries
    );

    // Exactly once: the ledger has one entry per bank transaction the bank
    // lists today (a pending one that booked is one entry, kept as `!`),
    // and no bank id twice on an account.
    let ledger = Ledger::load(&[&path]).unwrap();
    let everything = run.everything();
    let in_ledger: usize = run
        .accounts
        .iter()
        .map(|a| {
            ledger
                .transactions()
                .filter(|t| t.postings().any(|p| p.account() == a.account))
                .count()
        })
        .sum();
    let stale: usize = second.stale_pending.len();
    assert_eq!(in_ledger, transaction_count(&everything) + stale);
    let mut ids: HashMap<(&str, &str), usize> = HashMap::new();
    for t in ledger.transactions() {
        for p in t.postings() {
            for id in p.ids() {
                *ids.entry((p.account(), id)).or_default() += 1;
            }
        }
    }
    let repeated: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "{repeated:?}");
    // And what the bank lists today is all known to the ledger.
    let check = dedup(everything, &ledger, &DedupOptions::default());
    assert_eq!(
        check.summaries.iter().map(|s| s.new).sum::<usize>(),
        0,
        "{:#?}",
        check.outputs
    );
}
