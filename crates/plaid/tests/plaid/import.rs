//! End to end, the way `import` will run a Plaid source: the fake Plaid
//! server → the client (`/transactions/sync`, `/accounts/balance/get`) →
//! `plaid::statement` → `importer::Run` against the user's ledger → the
//! output appended to it → bean-check. Then again (nothing new), then a
//! day later (pending purchases posted under new ids, some with a tip).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use importer::dedup::MatchKind;
use importer::entry::Entry;
use importer::ledger::{Ledger, LedgerOptions};
use importer::{Balance, Config, Imported, Input, Run};
use plaid::statement::{Changes, ID_KEY, PENDING_ID_KEY, PlaidRecords, balances, statement};
use plaid::{Client, Cursor, ItemAccess, Settings, SyncResult};
use rust_decimal::Decimal;

use crate::common::{Fake, fast_retry};

/// The configured accounts, in the fake's order (checking, savings,
/// credit card, student loan).
const ACCOUNTS: [&str; 4] = [
    "Assets:US:Plaid:Checking",
    "Assets:US:Plaid:Savings",
    "Liabilities:US:Plaid:Card",
    "Liabilities:US:Plaid:StudentLoan",
];

struct Setup {
    fake: Fake,
    config: Config,
    settings: Settings,
    client: Client,
    item: ItemAccess,
    _dir: tempfile::TempDir,
    ledger: PathBuf,
}

/// One import's results.
struct Run1 {
    sync: SyncResult,
    imported: Imported,
}

impl Setup {
    /// A linked Item, a configuration naming its accounts with `balance`,
    /// and the user's ledger: the accounts opened, with an opening balance
    /// left to a `pad` (the bank's history starts long before Plaid's 30
    /// days).
    fn new(balance: &str) -> Setup {
        // A seed whose first day has pending purchases on both cards, and
        // whose second day posts some of them with a tip and some without.
        let fake = Fake::start(fake_plaid::Options {
            seed: 3,
            ..fake_plaid::Options::default()
        });
        let boot = fake.client();
        let item = fake.item(&boot);
        let ids = fake.server.account_ids(item.item_id.as_deref().unwrap());
        let mut yaml = format!(
            "sources:\n  bank:\n    provider: plaid\n    client_id: {}\n    secret: {}\n    \
             environment: sandbox\n    base_url: {}\naccounts:\n",
            fake.server.client_id(),
            fake.server.secret(),
            fake.server.base_url()
        );
        for (id, account) in ids.iter().zip(ACCOUNTS) {
            yaml.push_str(&format!(
                "  - {{ id: {id}, source: bank, account: {account}, currency: USD, balance: {balance} }}\n"
            ));
        }
        // Plaid's category, reached in the record's JSON.
        yaml.push_str(
            "rules:\n  - { if: { field: { personal_finance_category.primary: '^FOOD_AND_DRINK$' } }, account: Expenses:Food }\n",
        );
        let config = importer::config::from_str(&yaml, "config.yaml").unwrap();
        let settings = Settings::from_source(config.source("bank").unwrap()).unwrap();
        let client = settings.client().retry(fast_retry()).build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("main.beancount");
        let mut text = String::from(
            "option \"operating_currency\" \"USD\"\n2020-01-01 open Equity:Opening-Balances\n",
        );
        for account in ACCOUNTS {
            text.push_str(&format!(
                "2020-01-01 open {account} USD\n2020-01-01 pad {account} Equity:Opening-Balances\n"
            ));
        }
        std::fs::write(&ledger, text).unwrap();
        Setup {
            fake,
            config,
            settings,
            client,
            item,
            _dir: dir,
            ledger,
        }
    }

    fn today(&self) -> NaiveDate {
        self.fake.server.now().date_naive()
    }

    fn load(&self) -> Ledger {
        let mut id_keys = self.config.dedup.id_keys.clone();
        id_keys.push(ID_KEY.to_owned());
        let ledger = Ledger::load_with(&[&self.ledger], &LedgerOptions { id_keys }).unwrap();
        assert_eq!(ledger.skipped_lines(), 0);
        ledger
    }

    /// `import -e main.beancount >> main.beancount` from `cursor`.
    fn import(&self, cursor: Option<&Cursor>) -> Run1 {
        let sync = self
            .client
            .sync(&self.item, cursor, &self.settings.sync_options())
            .unwrap();
        let imported = self.convert(&sync);
        if !imported.text().is_empty() {
            let mut text = std::fs::read_to_string(&self.ledger).unwrap();
            text.push('\n');
            text.push_str(&imported.text());
            std::fs::write(&self.ledger, text).unwrap();
        }
        Run1 { sync, imported }
    }

    fn convert(&self, sync: &SyncResult) -> Imported {
        let changes = Changes::new(sync);
        assert!(changes.unassigned().is_empty());
        let today = self.today();
        let live = self.client.balances(&self.item, &[]).unwrap();
        let records: Vec<PlaidRecords<'_>> = self
            .config
            .accounts
            .iter()
            .map(|a| changes.records(&a.id, self.settings.narration))
            .collect();
        let balances: Vec<Vec<Balance>> = self
            .config
            .accounts
            .iter()
            .map(|a| {
                let found = live.accounts.iter().find(|x| x.account_id == a.id);
                balances(found.unwrap(), today)
            })
            .collect();
        let inputs: Vec<Input<'_>> = self
            .config
            .accounts
            .iter()
            .enumerate()
            .map(|(i, account)| Input {
                account,
                statement: statement(&records[i], &balances[i]),
                adjust: None,
            })
            .collect();
        let ledger = self.load();
        let imported = Run::new(&self.config, Some(&ledger), today).import(&inputs);
        let problems: Vec<String> = imported.problems().map(|p| p.to_string()).collect();
        assert!(problems.is_empty(), "{problems:#?}");
        imported
    }
}

/// A posting of one of the configured accounts in the ledger.
#[derive(Debug, Clone, PartialEq)]
struct Booked {
    account: String,
    date: NaiveDate,
    pending: bool,
    number: Decimal,
    replaces: Option<String>,
}

/// The ledger's postings on the configured accounts, by Plaid id; panics
/// when an id is there twice.
fn by_id(ledger: &Ledger) -> HashMap<String, Booked> {
    let mut out = HashMap::new();
    for t in ledger.transactions() {
        for p in t.postings() {
            if !ACCOUNTS.contains(&p.account()) {
                continue;
            }
            let Some(id) = p.meta_value(ID_KEY) else {
                continue;
            };
            let booked = Booked {
                account: p.account().to_owned(),
                date: t.date(),
                pending: t.is_pending(),
                number: p.number().unwrap(),
                replaces: p.meta_value(PENDING_ID_KEY).map(|v| v.as_str().to_owned()),
            };
            let id = id.as_str().to_owned();
            assert!(out.insert(id.clone(), booked).is_none(), "{id} twice");
        }
    }
    out
}

/// bean-check's balance failures, by account: accumulated less expected.
/// Panics on any other complaint.
fn balance_failures(path: &Path) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    let Err(report) = test_support::bean_check::run(path) else {
        return out;
    };
    let re = regex::Regex::new(
        r"Balance failed for '([^']+)': expected [-0-9.]+ USD != accumulated [-0-9.]+ USD \(([0-9.]+) too (much|little)\)",
    )
    .unwrap();
    for line in report.lines().filter(|l| l.contains(".beancount:")) {
        let c = re
            .captures(line)
            .unwrap_or_else(|| panic!("not a balance failure: {line}\n{report}"));
        let mut diff: Decimal = c[2].parse().unwrap();
        if &c[3] == "little" {
            diff = -diff;
        }
        *out.entry(c[1].to_owned()).or_default() += diff;
    }
    out
}

#[test]
fn a_first_import_is_a_clean_ledger_and_a_second_adds_nothing() {
    let s = Setup::new("interimBooked");
    let first = s.import(None);
    test_support::bean_check::file(&s.ledger);

    let summaries = &first.imported.summaries;
    assert_eq!(summaries.len(), 4, "{summaries:?}");
    assert!(summaries.iter().all(|x| x.new > 0), "{summaries:?}");
    // Card purchases are pending on their day (checking and credit card).
    for i in [0, 2] {
        assert!(summaries[i].pending > 0, "{:?}", summaries[i]);
    }
    // Each account's current balance is asserted the next day, with the
    // ledger's sign: what the card and the loan owe is negative.
    let tomorrow = s.today().succ_opt().unwrap();
    for (i, output) in first.imported.outputs.iter().enumerate() {
        let b = output
            .entries
            .iter()
            .find_map(|e| match e {
                Entry::Balance(b) => Some(b),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no balance for {}", ACCOUNTS[i]));
        // `current` is the booked balance as of the fetch: it holds at
        // the start of today, today's bookings taken off.
        assert_eq!(b.date, s.today(), "{b:?}");
        assert!(b.date < tomorrow);
        assert_eq!(b.amount.number.is_sign_negative(), i >= 2, "{b:?}");
    }
    // Every transaction Plaid files under FOOD_AND_DRINK went to the rule's
    // account, and nothing else did.
    let changes = Changes::new(&first.sync);
    let mut food = 0;
    for a in &s.config.accounts {
        let records = changes.records(&a.id, s.settings.narration);
        for i in 0..importer::Records::len(&records) {
            let t = importer::Records::read(&records, i).unwrap();
            if t.field("personal_finance_category.primary").as_deref() == Some("FOOD_AND_DRINK") {
                food += 1;
            }
        }
    }
    let to_food = first
        .imported
        .outputs
        .iter()
        .flat_map(|o| &o.entries)
        .filter(|e| matches!(e, Entry::Transaction(t) if t.postings[1].account == "Expenses:Food"))
        .count();
    assert!(food > 0);
    assert_eq!(to_food, food);

    // Nothing changed since the stored cursor: nothing to write.
    let again = s.import(Some(&first.sync.next_cursor));
    assert!(again.sync.added.is_empty());
    assert_eq!(again.imported.text(), "");
    // A sync from scratch (a run that died before storing its cursor):
    // everything is in the ledger already, by id.
    let scratch = s.import(None);
    assert_eq!(scratch.imported.text(), "");
    let by_id_dups: usize = scratch.imported.summaries.iter().map(|x| x.dup_id).sum();
    let written: usize = first.imported.summaries.iter().map(|x| x.new).sum();
    assert_eq!(by_id_dups, written);
    test_support::bean_check::file(&s.ledger);
}

#[test]
fn a_day_later_posted_purchases_replace_nothing_yet_and_changes_are_reported() {
    let s = Setup::new("interimBooked");
    let first = s.import(None);
    test_support::bean_check::file(&s.ledger);
    let before = by_id(&s.load());
    let renamed = before
        .iter()
        .find(|(_, b)| !b.pending && b.account == ACCOUNTS[0])
        .map(|(id, _)| id.clone())
        .unwrap();
    assert!(s.fake.server.modify_transaction(
        s.item.item_id.as_deref().unwrap(),
        &renamed,
        "Renamed by the bank"
    ));

    s.fake.server.advance(Duration::days(1));
    let second = s.import(Some(&first.sync.next_cursor));
    let changes = Changes::new(&second.sync);
    let after = by_id(&s.load());

    // The bank's corrections of transactions already in the ledger are
    // handed back to report, not written again.
    let modified: Vec<_> = changes.modified_for(&s.config.accounts[0].id).collect();
    let m = modified
        .iter()
        .find(|r| r.transaction_id().as_deref() == Some(renamed.as_str()))
        .expect("the renamed transaction is reported");
    assert_eq!(
        m.parse().unwrap().name.as_deref(),
        Some("Renamed by the bank")
    );
    assert_eq!(after[&renamed], before[&renamed]);

    // Yesterday's pending purchases are removed under their ids, which
    // are pending entries of the ledger; each posted under a new id that
    // names its pending one.
    let removed: Vec<&str> = changes
        .removed()
        .iter()
        .map(|r| r.transaction_id.as_str())
        .collect();
    assert!(!removed.is_empty());
    let replaced: HashMap<&str, &Booked> = after
        .values()
        .filter_map(|b| Some((b.replaces.as_deref()?, b)))
        .collect();
    let mut tipped = 0;
    let mut same = 0;
    // What the ledger holds twice until `reconcile` (issue 10) rewrites
    // a pending entry into its posted one: per account, the pending
    // amounts whose posted transaction came in with another amount.
    let mut stale: BTreeMap<String, Decimal> = BTreeMap::new();
    for id in &removed {
        let pending = &before[*id];
        assert!(pending.pending, "{id}: {pending:?}");
        let posted_record = second
            .sync
            .added
            .iter()
            .map(|r| r.parse().unwrap())
            .find(|t| t.pending_transaction_id.as_deref() == Some(*id))
            .expect("a posted transaction names the removed pending one");
        match replaced.get(id) {
            // Another amount (a tip): imported once, under its own id,
            // next to the pending entry it replaces.
            Some(posted) => {
                assert_eq!(after[&posted_record.transaction_id], **posted);
                assert_ne!(posted.number, pending.number);
                assert!(!posted.pending);
                assert_eq!(posted.date, s.today());
                *stale.entry(pending.account.clone()).or_default() += pending.number;
                tipped += 1;
            }
            // The same amount: the pending entry is taken for it (a
            // duplicate by content), so it is not written twice; the
            // entry stays pending until `reconcile` books it.
            None => {
                assert!(!after.contains_key(&posted_record.transaction_id));
                let dup = second
                    .imported
                    .duplicates
                    .iter()
                    .find(|d| d.id.as_deref() == Some(posted_record.transaction_id.as_str()))
                    .expect("left out as a duplicate");
                assert_eq!(dup.by, MatchKind::Content);
                same += 1;
            }
        }
    }
    assert!(tipped > 0 && same > 0, "tipped {tipped}, same {same}");
    // Everything else Plaid added today is new and written once.
    for t in second.sync.added.iter().map(|r| r.parse().unwrap()) {
        if t.pending_transaction_id.is_none() {
            assert!(after.contains_key(&t.transaction_id), "{t:?}");
            assert!(!before.contains_key(&t.transaction_id));
        }
    }
    // The importer cannot see these pending entries as stale: Plaid's
    // sync has no date window, so it looks only at today's dates.
    assert!(second.imported.stale_pending.is_empty());
    // Today's balance would be off by exactly the stale pending entries
    // (until `reconcile` brings them in line): the importer leaves that
    // assertion out rather than write one that fails.
    assert!(stale.values().any(|v| !v.is_zero()), "{stale:?}");
    assert!(balance_failures(&s.ledger).is_empty());

    // The same day again: nothing new.
    let third = s.import(Some(&second.sync.next_cursor));
    assert_eq!(third.imported.text(), "");
}
