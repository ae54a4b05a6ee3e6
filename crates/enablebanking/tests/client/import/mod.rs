//! End to end into a Beancount ledger: the configuration's Enable Banking
//! source → the client (its JWTs checked by the fake) → the link flow →
//! transactions and balances over HTTP → the mapping
//! (`enablebanking::statement`) → `importer::Run` → the output appended to
//! the user's ledger → `bean-check` on that ledger.

mod balances;
mod daily;
mod statuses;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use enablebanking::{
    AccountUid, AspspId, AuthRequest, AuthorizedSession, Client, EnableBankingRecords, ID_KEY,
    IdentificationHash, LeftOut, SessionId, Settings,
};
use fake_enablebanking::{Options, keys};
use importer::dedup::fetch_window;
use importer::ledger::{Ledger, LedgerOptions};
use importer::{Config, Imported, Input};

use crate::common::{Fake, fast_retry, follow};

/// The user's ledger before the first import: nothing yet. The first
/// import opens the accounts and writes their exact opening balances.
fn ledger_start() -> String {
    String::from("option \"title\" \"Enable Banking\"\n")
}

/// One account of the configuration: what the user writes after linking.
pub struct Account {
    pub beancount: &'static str,
    pub name: &'static str,
    /// Extra per-account keys (`date: transaction`).
    pub extra: &'static str,
}

/// The two accounts of the user at Nordea in the fake: a current account
/// and a card account, dated by its purchases.
pub const NORDEA: [Account; 2] = [
    Account {
        beancount: "Assets:Nordea:Checking",
        name: "checking",
        extra: "",
    },
    Account {
        beancount: "Liabilities:Nordea:Card",
        name: "card",
        extra: "date: transaction\n",
    },
];

/// A user of gc-beancount with an Enable Banking source, a linked bank and
/// a ledger.
pub struct User {
    pub fake: Fake,
    pub client: Client,
    pub settings: Settings,
    pub session: SessionId,
    /// The accounts' stable hashes, as configured.
    pub hashes: Vec<IdentificationHash>,
    pub config: Config,
    pub ledger: PathBuf,
}

/// What one import did.
pub struct Outcome {
    pub imported: Imported,
    /// Per account, the records left out as neither booked nor pending.
    pub left_out: Vec<Vec<LeftOut>>,
}

impl User {
    /// Starts the fake with `opts`, links Nordea and configures its two
    /// accounts with `balance` (per account, `extra` added).
    pub fn start(opts: Options, balance: &str) -> User {
        let fake = Fake::start(opts);
        let key = fake.key_file("eb.pem", keys::APPLICATION_PRIVATE_KEY, 0o600);
        let source = format!(
            "sources:\n  eb:\n    provider: enablebanking\n    application_id: {}\n    \
             private_key: {}\n    base_url: {}\n",
            fake.server.application_id(),
            key.display(),
            fake.server.base_url()
        );
        let config = importer::config::from_str(&source, "config.yaml").unwrap();
        let settings = Settings::from_source(config.source("eb").unwrap()).unwrap();
        let client = client(&fake, &settings);
        let linked = link(&fake, &client, &settings);
        // The user configures the accounts by their stable hashes.
        let hashes: Vec<IdentificationHash> = linked
            .accounts
            .iter()
            .map(|a| a.identification_hash.clone().unwrap())
            .collect();
        assert_eq!(hashes.len(), NORDEA.len());
        let mut yaml = source;
        yaml.push_str("accounts:\n");
        for (a, hash) in NORDEA.iter().zip(&hashes) {
            yaml.push_str(&format!(
                "  - id: \"{hash}\"\n    name: {}\n    source: eb\n    account: {}\n    \
                 currency: EUR\n    balance: {balance}\n",
                a.name, a.beancount
            ));
            for line in a.extra.lines() {
                yaml.push_str(&format!("    {line}\n"));
            }
        }
        let config = importer::config::from_str(&yaml, "config.yaml").unwrap();
        let ledger = fake.dir.path().join("ledger.bean");
        std::fs::write(&ledger, ledger_start()).unwrap();
        User {
            fake,
            client,
            settings,
            session: linked.session_id,
            hashes,
            config,
            ledger,
        }
    }

    /// Links the bank again (a new consent): a new session, new uids.
    pub fn relink(&mut self) -> AuthorizedSession {
        let linked = link(&self.fake, &self.client, &self.settings);
        self.session = linked.session_id.clone();
        linked
    }

    /// The account's uid in the current session, found by its configured
    /// hash, as the import wiring finds it.
    pub fn uid(&self, i: usize) -> AccountUid {
        let info = self.client.session(&self.session).unwrap();
        assert!(info.status.is_authorized());
        info.uid_for(&self.hashes[i]).unwrap().clone()
    }

    pub fn today(&self) -> NaiveDate {
        self.fake.today()
    }

    /// The ledger as gc-beancount reads it: with Enable Banking's id key.
    pub fn read_ledger(&self) -> Ledger {
        load(&self.config, &self.ledger)
    }

    /// `import -e ledger.bean >> ledger.bean`: each account's default
    /// window fetched, mapped, converted, deduplicated, appended. Not
    /// checked: see [`User::import`].
    pub fn import_unchecked(&self) -> Outcome {
        let ledger = self.read_ledger();
        assert_eq!(ledger.skipped_lines(), 0);
        let today = self.today();
        let mut run = importer::Run::new(&self.config, Some(&ledger), today);
        let mut fetched = Vec::new();
        for (i, account) in self.config.accounts.iter().enumerate() {
            let window = fetch_window(account, Some(&ledger), today, None, &run.dedup);
            let uid = self.uid(i);
            let txs = self.client.transactions(&uid, window.from, None).unwrap();
            assert!(txs.is_complete());
            let balances = self.client.account_balances(&uid).unwrap();
            run.dedup
                .fetched
                .insert(account.account.clone(), (txs.date_from, today));
            // Fetched just now, on the fake's clock: the same moment.
            let now = enablebanking::Clock::now(&self.fake.clock);
            let mut balances = enablebanking::statement::balances(&balances);
            for b in &mut balances {
                b.fetched_at = Some(now);
            }
            fetched.push((txs, balances));
        }
        let records: Vec<EnableBankingRecords<'_>> = fetched
            .iter()
            .map(|(txs, _)| EnableBankingRecords::new(&txs.records))
            .collect();
        let inputs: Vec<Input<'_>> = self
            .config
            .accounts
            .iter()
            .zip(&records)
            .zip(&fetched)
            .map(|((account, records), (_, balances))| {
                let mut statement = enablebanking::statement::statement(records, balances);
                statement.fetched_at = Some(enablebanking::Clock::now(&self.fake.clock));
                Input {
                    account,
                    statement,
                    adjust: None,
                }
            })
            .collect();
        let imported = run.import(&inputs);
        append(&self.ledger, &imported.text());
        Outcome {
            left_out: records.iter().map(|r| r.left_out().to_vec()).collect(),
            imported,
        }
    }

    /// An import whose ledger must then pass bean-check, with no record
    /// that could not be converted.
    pub fn import(&self) -> Outcome {
        let outcome = self.import_unchecked();
        let problems: Vec<String> = outcome.imported.problems().map(|p| p.to_string()).collect();
        assert!(problems.is_empty(), "{problems:#?}");
        test_support::bean_check::file(&self.ledger);
        outcome
    }

    /// Moves the bank's clock and the client's a day on.
    pub fn next_day(&self) {
        self.fake.advance(chrono::Duration::days(1));
    }
}

/// A client from the source's settings, on the fake's clock.
pub fn client(fake: &Fake, settings: &Settings) -> Client {
    settings
        .client_builder()
        .unwrap()
        .clock(Arc::new(fake.clock.clone()))
        .retry(fast_retry())
        .timeouts(Duration::from_secs(5), Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The link flow at Nordea with the configured redirect URL: `POST /auth`,
/// the user's browser at the bank and back, `POST /sessions`.
pub fn link(fake: &Fake, client: &Client, settings: &Settings) -> AuthorizedSession {
    let state = format!("state-{}", fake.server.now().timestamp());
    let start = client
        .start_authorization(&AuthRequest::new(
            AspspId::new("Nordea", "FI"),
            fake.server.now() + chrono::Duration::days(90),
            settings.redirect_url.clone(),
            state.clone(),
        ))
        .unwrap();
    let (code, back) = follow(start.url.as_str());
    assert_eq!(back, state);
    client.create_session(&code.unwrap()).unwrap()
}

/// Reads a ledger with the configuration's id keys and Enable Banking's.
pub fn load(config: &Config, path: &Path) -> Ledger {
    let mut id_keys = config.dedup.id_keys.clone();
    id_keys.push(ID_KEY.to_owned());
    Ledger::load_with(&[path], &LedgerOptions { id_keys }).unwrap()
}

/// Appends an import's output to the ledger file, as `>>` does.
pub fn append(path: &Path, text: &str) {
    if text.is_empty() {
        return;
    }
    let mut all = std::fs::read_to_string(path).unwrap();
    all.push('\n');
    all.push_str(text);
    std::fs::write(path, all).unwrap();
}

/// The `enablebanking_id`s on `account`'s postings in the ledger, with
/// each entry's flag.
pub fn ids_in(ledger: &Ledger, account: &str) -> Vec<(String, char)> {
    ledger
        .transactions()
        .flat_map(|t| {
            t.postings()
                .filter(|p| p.account() == account)
                .flat_map(|p| p.ids().map(str::to_owned).collect::<Vec<_>>())
                .map(move |id| (id, t.flag()))
                .collect::<Vec<_>>()
        })
        .collect()
}
