//! Learning benchmark: `cargo bench -p importer --bench learn`.
//!
//! Times what learning adds to an import: training on the
//! 100,000-transaction benchmark ledger (`test_support::ledger_gen`) and predicting
//! 1,000 transactions (the ledger is read anyway for deduplication, so
//! reading it is not counted here); the same on the 100,000-transaction
//! synthetic history of `test_support::synthetic`, whose bank texts are messier.
//! Then reports the precision and coverage of predictions on a held-back
//! fifth of a synthetic history, per confidence threshold.

use std::hint::black_box;
use std::time::{Duration, Instant};

use std::path::Path;

use importer::config::{AccountConfig, Config};
use importer::learn::{Model, ledger_examples};
use importer::ledger::{Ledger, LedgerOptions};
use test_support::ledger_gen as testgen;
use test_support::synthetic::{self, Entry, evaluate};

/// CPU time of this thread so far, from Linux' scheduler statistics: on
/// a machine busy with other work, wall time measures the neighbours.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Median wall time and median CPU time (when known) of `runs` runs.
fn median(mut f: impl FnMut(), runs: usize) -> (Duration, Option<Duration>) {
    f();
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_time());
        f();
        wall.push(t.elapsed());
        if let (Some(before), Some(after)) = (c, cpu_time()) {
            cpu.push(after - before);
        }
    }
    wall.sort();
    cpu.sort();
    (wall[runs / 2], cpu.get(cpu.len() / 2).copied())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn report(what: &str, (wall, cpu): (Duration, Option<Duration>)) {
    match cpu {
        Some(cpu) => println!("learn: {what}: median {} wall, {} CPU", ms(wall), ms(cpu)),
        None => println!("learn: {what}: median {} wall", ms(wall)),
    }
}

fn train_and_predict(history: &[Entry], new: &[Entry]) -> usize {
    let model = Model::train(history.iter().map(Entry::example), &[]);
    new.iter()
        .filter(|e| {
            model
                .suggest(e.account, e.payee.as_deref(), &e.narration, e.amount, 0.8)
                .is_some()
        })
        .count()
}

fn main() {
    let text = testgen::synthetic_ledger(100_000, 42);
    let ledger = Ledger::from_source(Path::new("bench.bean"), &text, &LedgerOptions::default())
        .expect("the synthetic ledger reads");
    let config = Config {
        accounts: testgen::BANK_ACCOUNTS
            .iter()
            .enumerate()
            .map(|(i, a)| AccountConfig::new(format!("acc-{i}"), *a))
            .collect(),
        ..Config::default()
    };
    let configured: Vec<&str> = testgen::BANK_ACCOUNTS.to_vec();
    let queries: Vec<_> = ledger_examples(&ledger, &configured)
        .step_by(100)
        .take(1000)
        .collect();
    let t = median(
        || {
            let model = Model::from_ledger(&ledger, &config);
            let n = queries
                .iter()
                .filter(|q| {
                    model
                        .suggest(q.account, q.payee, q.narration, q.amount, 0.8)
                        .is_some()
                })
                .count();
            black_box(n);
        },
        15,
    );
    report(
        &format!(
            "benchmark ledger ({} transactions, {:.1} MB): train + predict {}",
            ledger.transactions().len(),
            text.len() as f64 / 1e6,
            queries.len()
        ),
        t,
    );

    let all = synthetic::history(42, 101_000);
    let (history, new) = all.split_at(100_000);
    let t = median(
        || {
            black_box(train_and_predict(history, new));
        },
        15,
    );
    report(
        &format!(
            "synthetic history: train on {} transactions + predict {}",
            history.len(),
            new.len()
        ),
        t,
    );
    let t = median(
        || {
            drop(black_box(Model::train(
                history.iter().map(Entry::example),
                &[],
            )))
        },
        15,
    );
    report("synthetic history: train only", t);

    let examples: Vec<_> = ledger_examples(&ledger, &configured).collect();
    let split = examples.len() * 4 / 5;
    let model = Model::train(examples[..split].iter().copied(), &[]);
    let (mut predicted, mut correct) = (0, 0);
    for e in &examples[split..] {
        if let Some(p) = model.suggest(e.account, e.payee, e.narration, e.amount, 0.8) {
            predicted += 1;
            correct += usize::from(p.account == e.counter);
        }
    }
    println!(
        "benchmark ledger, last 20% held back, min_confidence 0.8: precision {:.3}, coverage {:.3}",
        correct as f64 / predicted.max(1) as f64,
        predicted as f64 / (examples.len() - split).max(1) as f64
    );

    let eval_history = synthetic::history(7, 20_000);
    println!("precision on the last 20% of a 20,000-transaction synthetic history:");
    println!("  min_confidence  precision  coverage");
    for threshold in [0.0, 0.5, 0.7, 0.8, 0.9, 0.95] {
        let e = evaluate(&eval_history, 0.2, threshold);
        println!(
            "  {threshold:>14.2}  {:>9.3}  {:>8.3}",
            e.precision(),
            e.coverage()
        );
    }
}
