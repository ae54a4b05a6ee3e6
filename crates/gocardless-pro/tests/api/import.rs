//! The whole source, end to end: the fake → the client → the mapping →
//! the importer's pipeline (deduplication against the ledger) → the
//! output appended to a ledger that opens what a user opens → bean-check.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fake_gocardless_pro::{FakeServer, Options};
use gocardless_pro::mapping::{self, ID_KEYS, PAYMENT_ID_KEY, PAYOUT_ID_KEY};
use gocardless_pro::model::{PayoutId, PayoutItem, PayoutItemType};
use gocardless_pro::{Client, Fetched, ItemSource, Settings, Skipped, fetch, known_in};
use importer::entry::{Entry, Price, TransactionEntry};
use importer::ledger::{Ledger, LedgerOptions};
use importer::{AccountOutput, BankTransaction, Config, Imported, Input, Run, Statement, Status};
use rust_decimal::Decimal;
use rust_decimal::prelude::Signed;

/// What a user opens before the first import: the bank account, and the
/// GoCardless Pro source's accounts at their defaults.
const OPENS: &str = "\
option \"title\" \"Acme's books\"
option \"operating_currency\" \"GBP\"

2020-01-01 open Assets:Bank:Checking
2020-01-01 open Assets:Transfers:GoCardless
2020-01-01 open Income:GoCardless
2020-01-01 open Expenses:Fees:GoCardless
2020-01-01 open Expenses:Fees:GoCardless:VAT
";

/// A user's books, a fake GoCardless and the configuration between them.
struct Books {
    server: FakeServer,
    _dir: tempfile::TempDir,
    path: PathBuf,
    config: Config,
    settings: Settings,
    /// The window asked for: a month before the first run.
    since: DateTime<Utc>,
}

impl Books {
    fn new(options: Options, pending: &str) -> Books {
        let server = FakeServer::start(Options {
            // Whole histories are fetched: the per-minute limit is not
            // what these tests are about.
            rate_limit: 1_000_000,
            ..options
        });
        let yaml = format!(
            "\
sources:
  gcpro:
    provider: gocardless-pro
    access_token: {token}
    base_url: {base}
    pending: {pending}
  bank: {{ provider: gocardless }}
accounts:
  - id: bank-checking
    source: bank
    account: Assets:Bank:Checking
    rules:
      - if: {{ narration: \"((?:ACMELT|AMIVEL|NWIND)-[0-9A-Z]{{8}})\" }}
        account: Assets:Transfers:GoCardless
        metadata: {{ payout_reference: \"$1\" }}
",
            token = server.access_token(),
            base = server.base_url(),
        );
        let config = importer::config::from_str(&yaml, "config.yaml").expect("the config loads");
        let settings = Settings::from_source(config.source("gcpro").expect("the source"))
            .expect("the settings");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("books.bean");
        std::fs::write(&path, OPENS).expect("write the ledger");
        let since = server.now() - Duration::days(30);
        Books {
            server,
            _dir: dir,
            path,
            config,
            settings,
            since,
        }
    }

    fn client(&self) -> Client {
        self.settings.client().expect("a client")
    }

    fn today(&self) -> NaiveDate {
        self.server.now().date_naive()
    }

    /// The ledger, read as the binary reads it: the configured id keys and
    /// the source's.
    fn ledger(&self) -> Ledger {
        let mut id_keys = self.config.dedup.id_keys.clone();
        id_keys.extend(ID_KEYS.map(String::from));
        Ledger::load_with(&[&self.path], &LedgerOptions { id_keys }).expect("the ledger reads")
    }

    /// Fetches (leaving out what the ledger has, when `skip_known`) and
    /// maps the payouts.
    fn fetch(&self, ledger: &Ledger, skip_known: bool) -> (Fetched, AccountOutput) {
        let client = self.client();
        let known = known_in(ledger, &self.settings);
        let nothing = |_: &PayoutId| false;
        let fetched = fetch(
            &client,
            &client,
            &self.settings,
            Some(self.since),
            if skip_known { &known } else { &nothing },
        )
        .expect("the fetch succeeds");
        let output = mapping::output(&self.settings, &fetched, self.today());
        (fetched, output)
    }

    /// A run of the pipeline against `ledger`, told which days of payouts
    /// were fetched (for the pending entries nothing claims).
    fn run<'a>(&'a self, ledger: &'a Ledger) -> Run<'a> {
        let mut run = Run::new(&self.config, Some(ledger), self.today());
        // Payouts are listed by creation from `since`; a pending one keeps
        // its id until paid, so the listing covers every day it could have
        // been paid on from the match window before `since`.
        let from = self.since.date_naive() - chrono::Days::new(u64::from(run.dedup.window_days));
        run.dedup
            .fetched
            .insert(self.settings.accounts.payout.clone(), (from, self.today()));
        run
    }

    /// One import of the payouts, as `gc-beancount import -e books.bean
    /// >> books.bean` will do it; the text is appended and checked.
    fn import(&self, skip_known: bool) -> (Fetched, Imported) {
        let ledger = self.ledger();
        let (fetched, output) = self.fetch(&ledger, skip_known);
        assert!(output.problems.is_empty(), "{:?}", output.problems);
        let imported = self.run(&ledger).import_outputs(vec![output]);
        assert!(
            imported.stale_pending.is_empty(),
            "{:?}",
            imported.stale_pending
        );
        self.append(&imported.text());
        (fetched, imported)
    }

    fn append(&self, text: &str) {
        // Only the configured accounts are used, and the ledger opens them.
        assert!(!text.contains(" open "), "{text}");
        let mut books = std::fs::read_to_string(&self.path).expect("read the ledger");
        if !text.is_empty() {
            books.push('\n');
            books.push_str(text);
        }
        std::fs::write(&self.path, books).expect("write the ledger");
        test_support::bean_check::file(&self.path);
    }

    /// How many ledger entries carry each payout id.
    fn payout_ids(&self) -> BTreeMap<String, (usize, char)> {
        let ledger = self.ledger();
        let mut ids = BTreeMap::new();
        for t in ledger.transactions() {
            if let Some(id) = t.meta_value(PAYOUT_ID_KEY) {
                let e = ids.entry(id.as_str().to_owned()).or_insert((0, t.flag()));
                e.0 += 1;
            }
        }
        ids
    }

    /// The payouts GoCardless lists in the window, with their status.
    fn listed(&self) -> BTreeMap<String, String> {
        let filter = gocardless_pro::PayoutFilter::created_since(self.since);
        self.client()
            .payouts(&filter)
            .map(|p| {
                let p = p.expect("a payout");
                let status = p.status.map(|s| s.as_str().to_owned()).unwrap_or_default();
                (p.id.to_string(), status)
            })
            .collect()
    }
}

fn transactions(output: &AccountOutput) -> Vec<&TransactionEntry> {
    output
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Transaction(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The entry's weights by currency: every one must be exactly zero
/// (bean-check alone would let a tenth of a penny pass as tolerance).
fn weights(t: &TransactionEntry) -> BTreeMap<String, Decimal> {
    let mut sums = BTreeMap::new();
    for p in &t.postings {
        let units = p.units.as_ref().expect("every posting has an amount");
        let (number, currency) = match p.price.as_deref() {
            Some(Price::Total(total)) => {
                assert!(total.number > Decimal::ZERO, "{t:?}");
                (total.number * units.number.signum(), &total.currency)
            }
            None => (units.number, &units.currency),
        };
        *sums.entry(currency.clone()).or_insert(Decimal::ZERO) += number;
    }
    sums
}

fn meta<'a>(meta: &'a importer::entry::Meta, key: &str) -> Option<&'a str> {
    meta.iter().find(|(k, _)| k == key).map(|(_, v)| match v {
        importer::entry::MetaValue::String(s) => s.as_str(),
        _ => panic!("{key} is not a string"),
    })
}

/// Items of paid payouts kept when first seen, as the store will: what
/// GoCardless stops serving after six months is answered from here.
struct Archive {
    client: Client,
    kept: RefCell<HashMap<PayoutId, Vec<PayoutItem>>>,
    live: RefCell<usize>,
}

impl ItemSource for Archive {
    fn items(
        &self,
        payout: &gocardless_pro::model::Payout,
    ) -> Result<Vec<PayoutItem>, gocardless_pro::Error> {
        if let Some(items) = self.kept.borrow().get(&payout.id) {
            return Ok(items.clone());
        }
        *self.live.borrow_mut() += 1;
        let items = self.client.items(payout)?;
        if payout.is_paid() {
            self.kept
                .borrow_mut()
                .insert(payout.id.clone(), items.clone());
        }
        Ok(items)
    }
}

#[test]
fn every_payout_of_240_days_balances_exactly_and_passes_bean_check() {
    // The default history (240 days before Friday 2026-11-20), first seen
    // 180 days earlier, then again today: by then the oldest payouts'
    // items are gone from GoCardless and come from the archive.
    let end = Options::default().now;
    let books = Books::new(
        Options {
            now: end - Duration::days(180),
            history_days: 60,
            ..Options::default()
        },
        "skip",
    );
    let client = books.client();
    let archive = Archive {
        client: client.clone(),
        kept: RefCell::default(),
        live: RefCell::default(),
    };
    let nothing = |_: &PayoutId| false;
    let first = fetch(&client, &archive, &books.settings, None, &nothing).expect("first fetch");
    assert!(first.payouts.len() > 100, "{}", first.payouts.len());
    books.server.set_now(end);
    let all = fetch(&client, &archive, &books.settings, None, &nothing).expect("second fetch");
    let oldest = &all.payouts[0].payout;
    assert!(
        client
            .payout_items(&oldest.id)
            .collect::<Result<Vec<_>, _>>()
            .is_err_and(|e| e.is_gone()),
        "the oldest payout's items are gone from GoCardless"
    );
    // Each payout's items were asked for once: later from the archive.
    assert_eq!(*archive.live.borrow(), all.payouts.len());

    // Without the archive, the oldest payouts cannot be booked: each is
    // written as a comment holding its JSON, with a problem saying why.
    let old: Vec<String> = all
        .payouts
        .iter()
        .filter(|r| {
            r.payout
                .created_at
                .is_some_and(|t| t < end - Duration::days(200))
        })
        .map(|r| r.payout.id.to_string())
        .collect();
    assert!(old.len() > 10, "{}", old.len());
    let not_old = |id: &PayoutId| !old.iter().any(|o| o == id.as_str());
    let gone = fetch(&client, &client, &books.settings, None, &not_old).expect("a fetch");
    assert_eq!(gone.payouts.len(), old.len());
    assert!(gone.payouts.iter().all(|r| r.items.is_none()));
    let output = mapping::output(&books.settings, &gone, books.today());
    assert_eq!(output.problems.len(), old.len());
    assert!(
        output
            .problems
            .iter()
            .all(|p| p.reason.contains("items are gone"))
    );
    assert!(
        output
            .entries
            .iter()
            .all(|e| matches!(e, Entry::Invalid(_)))
    );

    // Every payout listed is booked, but the bounced ones and today's.
    let listed: Vec<_> = books
        .server
        .payout_ids()
        .into_iter()
        .filter(|id| !all.skipped.iter().any(|(s, _)| s.as_str() == id))
        .collect();
    assert_eq!(listed.len(), all.payouts.len());
    assert!(all.skipped.iter().any(|(_, why)| *why == Skipped::Bounced));
    assert!(all.skipped.iter().any(|(_, why)| *why == Skipped::Pending));

    let output = mapping::output(&books.settings, &all, books.today());
    assert!(output.problems.is_empty(), "{:?}", output.problems);
    let entries = transactions(&output);
    assert_eq!(entries.len(), all.payouts.len());
    let (mut rounded, mut fx, mut vat_due_elsewhere) = (0, 0, 0);
    for (t, record) in entries.iter().zip(&all.payouts) {
        let payout = &record.payout;
        assert_eq!(meta(&t.meta, PAYOUT_ID_KEY), Some(payout.id.as_str()));
        assert_eq!(t.date, payout.arrival_date.expect("paid"));
        assert_eq!(t.flag, '*');
        for (currency, sum) in weights(t) {
            assert!(
                sum.is_zero(),
                "{} leaves {sum} {currency}: {t:?}",
                payout.id
            );
        }
        // The payout posting is what reached the bank.
        let own = &t.postings[0];
        assert_eq!(own.account, "Assets:Transfers:GoCardless");
        let units = own.units.as_ref().expect("units");
        match payout.fx.as_ref().and_then(|f| f.fx_amount) {
            Some(fx_amount) => {
                fx += 1;
                assert_eq!(units.number * Decimal::from(100), Decimal::from(fx_amount));
                assert_eq!(
                    Some(units.currency.as_str()),
                    payout
                        .fx
                        .as_ref()
                        .and_then(|f| f.fx_currency.as_ref())
                        .map(|c| c.as_str())
                );
            }
            None => {
                assert_eq!(
                    units.number * Decimal::from(100),
                    Decimal::from(payout.amount)
                );
                assert_eq!(units.currency, payout.currency.as_str());
            }
        }
        // One income posting per payment paid out, named.
        let items = record.items.as_ref().expect("items");
        let paid_out = items
            .iter()
            .filter(|i| i.kind == PayoutItemType::PaymentPaidOut)
            .count();
        let payments: Vec<_> = t
            .postings
            .iter()
            .filter(|p| {
                meta(&p.meta, PAYMENT_ID_KEY).is_some() && meta(&p.meta, "item_type").is_none()
            })
            .collect();
        assert_eq!(payments.len(), paid_out);
        for p in payments {
            assert_eq!(p.account, "Income:GoCardless");
            assert!(
                meta(&p.meta, "customer").is_some_and(|c| !c.is_empty()),
                "{p:?}"
            );
            assert!(meta(&p.meta, "description").is_some(), "{p:?}");
        }
        rounded += usize::from(!payout.rounding(items).is_zero());
        vat_due_elsewhere += t
            .postings
            .iter()
            .filter(|p| p.account == "Expenses:Fees:GoCardless:VAT" && p.price.is_some())
            .count();
    }
    assert!(rounded > 50, "{rounded}");
    assert!(fx > 20, "{fx}");
    assert!(vat_due_elsewhere > 20, "{vat_due_elsewhere}");

    // Through the pipeline into the books, which bean-check accepts.
    let ledger = books.ledger();
    let count = entries.len();
    let imported =
        Run::new(&books.config, Some(&ledger), books.today()).import_outputs(vec![output]);
    assert_eq!(imported.summaries[0].new, count);
    books.append(&imported.text());
}

#[test]
fn imports_are_idempotent_and_new_payouts_come_once() {
    let books = Books::new(Options::default(), "flag");
    let (fetched, imported) = books.import(true);
    let listed = books.listed();
    let ids = books.payout_ids();
    // Every payout of the window but the bounced ones, today's flagged.
    let expected: Vec<_> = listed.iter().filter(|(_, s)| *s != "bounced").collect();
    assert_eq!(ids.len(), expected.len(), "{ids:?}");
    assert_eq!(fetched.payouts.len(), expected.len());
    for (id, status) in expected {
        let (count, flag) = ids[id];
        assert_eq!(count, 1, "{id}");
        assert_eq!(flag, if status == "pending" { '!' } else { '*' }, "{id}");
    }
    let pending = ids.values().filter(|(_, f)| *f == '!').count();
    assert!(pending >= 2, "{pending}");
    assert_eq!(imported.summaries[0].pending, pending);
    let text = std::fs::read_to_string(&books.path).unwrap();
    assert!(text.contains("  payout_status: \"pending\"\n"), "{text}");

    // Again: everything is recognised by its id, nothing printed.
    let (_, again) = books.import(false);
    assert_eq!(again.text(), "");
    assert_eq!(again.summaries[0].new, 0);
    assert_eq!(again.summaries[0].dup_id, ids.len());
    // And with the ledger consulted first, no item is even asked for.
    books.server.reset_counters();
    let (fetched, again) = books.import(true);
    assert_eq!(again.text(), "");
    // (but the pending ones, whose entries dedup claims by id).
    assert_eq!(fetched.payouts.len(), pending);
    assert!(fetched.payouts.iter().all(|r| !r.payout.is_paid()));
    assert_eq!(books.server.count("GET", "/payout_items"), pending);

    // Monday: Friday's payouts are paid, Monday's are new (pending).
    books.server.advance(Duration::days(3));
    let (fetched, monday) = books.import(true);
    let after = books.payout_ids();
    let new: Vec<_> = after.keys().filter(|id| !ids.contains_key(*id)).collect();
    assert!(!new.is_empty());
    assert_eq!(monday.summaries[0].new, new.len());
    // Friday's, paid now, are fetched again and recognised by their id.
    assert_eq!(fetched.payouts.len(), new.len() + pending);
    assert_eq!(monday.summaries[0].dup_id, pending);
    for id in &new {
        assert_eq!(after[*id], (1, '!'), "{id}");
    }
    assert!(after.values().all(|(count, _)| *count == 1), "{after:?}");
    let (_, again) = books.import(false);
    assert_eq!(again.text(), "");

    // Friday's pending entries stay as written (recognised by their id)
    // until the user deletes them: then the paid payouts come, once.
    let books_text = std::fs::read_to_string(&books.path).unwrap();
    let friday: Vec<_> = after
        .iter()
        .filter(|(id, (_, f))| *f == '!' && !new.contains(id))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(friday.len(), pending);
    let kept: Vec<&str> = books_text
        .split("\n\n")
        .filter(|block| {
            !friday
                .iter()
                .any(|id| block.contains(&format!("{PAYOUT_ID_KEY}: \"{id}\"")))
        })
        .collect();
    std::fs::write(&books.path, kept.join("\n\n")).unwrap();
    test_support::bean_check::file(&books.path);
    let (_, paid) = books.import(true);
    assert_eq!(paid.summaries[0].new, friday.len());
    assert_eq!(paid.summaries[0].pending, 0);
    let last = books.payout_ids();
    for id in &friday {
        assert_eq!(last[id], (1, '*'), "{id}");
    }
}

#[test]
fn pending_payouts_are_skipped_until_paid_when_so_configured() {
    let books = Books::new(Options::default(), "skip");
    let (fetched, first) = books.import(true);
    assert!(!first.text().contains(" ! "), "{}", first.text());
    let pending: Vec<_> = fetched
        .skipped
        .iter()
        .filter(|(_, why)| *why == Skipped::Pending)
        .map(|(id, _)| id.to_string())
        .collect();
    assert!(pending.len() >= 2);
    let before = books.payout_ids();
    assert!(pending.iter().all(|id| !before.contains_key(id)));

    books.server.advance(Duration::days(3));
    let (_, monday) = books.import(true);
    let after = books.payout_ids();
    assert_eq!(after.len(), before.len() + pending.len());
    assert_eq!(monday.summaries[0].new, pending.len());
    let monday_date = books.today();
    for id in &pending {
        assert_eq!(after[id], (1, '*'), "{id}");
    }
    let ledger = books.ledger();
    for t in ledger.transactions() {
        if let Some(id) = t.meta_value(PAYOUT_ID_KEY)
            && pending.iter().any(|p| p == id.as_str())
        {
            assert_eq!(t.date(), monday_date, "paid on arrival");
        }
    }
    let (_, again) = books.import(false);
    assert_eq!(again.text(), "");
}

/// The bank's line of a payout: what reached the account (after the
/// exchange, for an FX payout), with the payout's reference.
fn bank_line(payout: &gocardless_pro::model::Payout) -> BankTransaction {
    let (minor, currency) = match payout
        .fx
        .as_ref()
        .and_then(|f| Some((f.fx_amount?, f.fx_currency.clone()?)))
    {
        Some((amount, currency)) if currency != payout.currency => (amount, currency),
        _ => (payout.amount, payout.currency.clone()),
    };
    let amount = currency.to_major(minor.into()).expect("a known currency");
    let mut t = BankTransaction::new(Status::Booked, amount, currency.as_str());
    t.booking_date = payout.arrival_date;
    t.debtor_name = Some("GoCardless Ltd".to_owned());
    t.remittance = Some(format!(
        "GOCARDLESS LTD {}",
        payout.reference.as_deref().expect("a reference")
    ));
    t.ids.transaction_id = Some(format!("bank-{}", payout.id));
    t.raw = format!("{{\"transactionId\": \"bank-{}\"}}", payout.id).into();
    t
}

#[test]
fn the_transfer_account_nets_to_zero_with_the_bank_lines() {
    let books = Books::new(Options::default(), "skip");
    let (fetched, imported) = books.import(true);
    assert!(imported.summaries[0].new > 20);

    // The bank-data source imports the same payouts' lines; a rule books
    // them against the transfer account.
    let lines: Vec<BankTransaction> = fetched
        .payouts
        .iter()
        .map(|r| bank_line(&r.payout))
        .collect();
    let ledger = books.ledger();
    let run = books.run(&ledger);
    let input = Input {
        account: &books.config.accounts[0],
        statement: Statement {
            source: "GoCardless",
            id_key: "gocardless_id",
            records: &lines,
            balances: &[],
            fetched_at: None,
        },
        adjust: None,
    };
    let bank = run.import(&[input]);
    assert_eq!(bank.summaries[0].new, lines.len());
    assert!(bank.problems().next().is_none());
    books.append(&bank.text());

    let ledger = books.ledger();
    let mut transfer: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut bank_side = 0;
    for t in ledger.transactions() {
        let postings: Vec<_> = t.postings().collect();
        if postings
            .iter()
            .any(|p| p.account() == "Assets:Bank:Checking")
        {
            bank_side += 1;
            assert!(
                postings
                    .iter()
                    .any(|p| p.account() == "Assets:Transfers:GoCardless"),
                "the rule booked {} against the transfer account",
                t.location()
            );
        }
        for p in &postings {
            if p.account() != "Assets:Transfers:GoCardless" {
                continue;
            }
            let (number, currency) = match (p.number(), p.currency()) {
                (Some(n), Some(c)) => (n, c),
                // Left for Beancount to fill in: what the others leave.
                _ => {
                    let others: Vec<_> =
                        postings.iter().filter(|o| o.index() != p.index()).collect();
                    let currency = others[0].currency().expect("a currency");
                    assert!(
                        others
                            .iter()
                            .all(|o| o.currency() == Some(currency) && o.number().is_some())
                    );
                    (
                        -others.iter().filter_map(|o| o.number()).sum::<Decimal>(),
                        currency,
                    )
                }
            };
            *transfer.entry(currency).or_default() += number;
        }
    }
    assert_eq!(bank_side, lines.len());
    // The rule gave each bank line its payout's reference.
    let references = |bank: bool| {
        let mut refs: Vec<String> = ledger
            .transactions()
            .filter(|t| t.postings().any(|p| p.account() == "Assets:Bank:Checking") == bank)
            .filter_map(|t| Some(t.meta_value("payout_reference")?.as_str().to_owned()))
            .collect();
        refs.sort();
        refs
    };
    assert_eq!(references(true).len(), lines.len());
    assert_eq!(references(true), references(false));
    assert_eq!(
        transfer.keys().copied().collect::<Vec<_>>(),
        ["EUR", "GBP", "USD"]
    );
    for (currency, sum) in &transfer {
        assert!(
            sum.is_zero(),
            "{sum} {currency} left on the transfer account"
        );
    }

    // Both sources in one run, against these books: nothing is new, and
    // no bank line is mistaken for a side of a payout.
    let ledger = books.ledger();
    let (_, payouts) = books.fetch(&ledger, false);
    let run = books.run(&ledger);
    let input = Input {
        account: &books.config.accounts[0],
        statement: Statement {
            source: "GoCardless",
            id_key: "gocardless_id",
            records: &lines,
            balances: &[],
            fetched_at: None,
        },
        adjust: None,
    };
    let mut outputs = run.convert(&[input]);
    outputs.push(payouts);
    let both = run.import_outputs(outputs);
    assert!(both.merged.is_empty());
    assert_eq!(both.text(), "");
    assert_eq!(
        both.summaries.iter().map(|s| s.dup_id).sum::<usize>(),
        2 * lines.len()
    );
}

#[test]
fn a_payout_is_never_taken_for_another_one_of_the_same_amount() {
    use gocardless_pro::PayoutRecord;
    use gocardless_pro::model::{Payout, Resource};
    // Friday's payout, still pending in the books (flagged, as written),
    // and Monday's, of the very same amount, paid.
    let books = Books::new(Options::default(), "flag");
    let friday = "
2026-11-20 ! \"GoCardless\" \"Payout AMIVEL-1\" ^gocardless-PO001
  gocardless_payout_id: \"PO001\"
  payout_status: \"pending\"
  Assets:Transfers:GoCardless   9.80 EUR
    gocardless_payout_status: \"pending\"
  Income:GoCardless           -10.00 EUR
    gocardless_payment_id: \"PM001\"
  Expenses:Fees:GoCardless      0.20 EUR
";
    books.append(friday);
    let monday = PayoutRecord {
        payout: Payout::from_json(
            r#"{"id": "PO002", "amount": 980, "currency": "EUR", "status": "paid",
                "arrival_date": "2026-11-23", "reference": "AMIVEL-2"}"#,
        )
        .unwrap(),
        items: Some(vec![
            PayoutItem::from_json(
                r#"{"type": "payment_paid_out", "amount": "1000.0", "links": {"payment": "PM002"}}"#,
            )
            .unwrap(),
            PayoutItem::from_json(r#"{"type": "gocardless_fee", "amount": "-20.0"}"#).unwrap(),
        ]),
    };
    let fetched = Fetched {
        payouts: vec![monday],
        ..Fetched::default()
    };
    let ledger = books.ledger();
    let output = mapping::output(&books.settings, &fetched, books.today());
    let imported = books.run(&ledger).import_outputs(vec![output]);
    assert_eq!(imported.summaries[0].new, 1, "{:?}", imported.duplicates);
    // Friday's entry, which GoCardless no longer lists pending (here: at
    // all), is for the user to correct.
    assert_eq!(imported.stale_pending.len(), 1);
    assert_eq!(imported.stale_pending[0].ledger.line, 11);
    books.append(&imported.text());
}
