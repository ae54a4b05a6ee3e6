//! The cached client against the fake server, counting requests on the
//! server's side. Each "run" opens a new `Store` on the same file and builds
//! a new `Client`, as a new process of the binary would.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fake_gocardless::{FakeServer, Options, Scope as FakeScope};
use gocardless::model::InstitutionFilter;
use gocardless::store::{
    CacheError, CacheOptions, Cached, CachedClient, Mode, Scope, Source, StaleReason, Store,
};
use gocardless::{
    BalancesResponse, Client, ManualClock, RetryPolicy, Secret, TokenState, TransactionsResponse,
};

struct Fake {
    server: FakeServer,
    /// The server's first day: runs read from 60 days before it, so that
    /// every run asks for the same window, as an importer keeping its start
    /// date would.
    start: NaiveDate,
    clock: ManualClock,
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Fake {
    fn start(opts: Options) -> Fake {
        let server = FakeServer::start(opts);
        let clock = ManualClock::new(server.now());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        Fake {
            start: server.now().date_naive(),
            server,
            clock,
            _dir: dir,
            path,
        }
    }

    fn default() -> Fake {
        Fake::start(Options {
            accounts: 3,
            transactions_per_account: 60,
            ..Options::default()
        })
    }

    /// Moves the server's clock and ours together.
    fn advance(&self, by: Duration) {
        self.server.advance(by);
        self.clock.advance(by);
    }

    fn open_store(&self) -> Store {
        open_store(&self.path, &self.clock)
    }

    /// What a new process of the binary builds: a store on the file, a
    /// client keeping its tokens there, and the cached client over both.
    fn run(&self, options: CacheOptions) -> CachedClient {
        let store = self.open_store();
        let client = Client::builder(
            self.server.secret_id(),
            Secret::new(self.server.secret_key()),
        )
        .base_url(&self.server.base_url())
        .clock(Arc::new(self.clock.clone()))
        .token_store(Arc::new(store.clone()))
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: StdDuration::from_millis(1),
            max_total: StdDuration::from_secs(5),
            max_api_wait: StdDuration::from_secs(1),
        })
        .build()
        .unwrap();
        // The tests compare the text of answers too.
        CachedClient::new(client, store, options)
            .unwrap()
            .keeping_bodies()
    }

    /// API requests the server has seen (all methods and paths).
    fn requests(&self) -> usize {
        self.server.count("GET", "/api/v2/") + self.server.count("POST", "/api/v2/")
    }

    fn transactions_requests(&self) -> usize {
        self.server
            .account_ids()
            .iter()
            .map(|id| {
                self.server
                    .count("GET", &format!("/api/v2/accounts/{id}/transactions/"))
            })
            .sum()
    }

    fn token_new(&self) -> usize {
        self.server.count("POST", "/api/v2/token/new/")
    }

    fn token_refresh(&self) -> usize {
        self.server.count("POST", "/api/v2/token/refresh/")
    }

    fn today(&self) -> NaiveDate {
        self.server.now().date_naive()
    }
}

fn open_store(path: &Path, clock: &ManualClock) -> Store {
    Store::open_with_clock(path, Arc::new(clock.clone())).unwrap()
}

/// What one run of the importer reads of each account.
struct Read {
    balances: Cached<BalancesResponse>,
    transactions: Cached<TransactionsResponse>,
}

fn read_all(fake: &Fake, cached: &CachedClient) -> Vec<Read> {
    let from = fake.start - Duration::days(60);
    fake.server
        .account_ids()
        .iter()
        .map(|id| {
            cached.metadata(id).unwrap();
            Read {
                balances: cached.balances(id).unwrap(),
                transactions: cached.transactions(id, Some(from), None).unwrap(),
            }
        })
        .collect()
}

fn ids(resp: &TransactionsResponse) -> BTreeSet<String> {
    resp.transactions
        .booked
        .iter()
        .chain(&resp.transactions.pending)
        .map(|r| r.json().to_owned())
        .collect()
}

#[test]
fn second_run_within_the_ttl_makes_no_request() {
    let fake = Fake::default();
    let first = read_all(&fake, &fake.run(CacheOptions::default()));
    assert!(
        first
            .iter()
            .all(|r| r.transactions.source == Source::Network)
    );
    assert!(
        first
            .iter()
            .all(|r| !r.transactions.value.transactions.booked.is_empty())
    );
    let seen = fake.requests();
    assert_eq!(fake.token_new(), 1);
    assert_eq!(fake.transactions_requests(), 3);

    fake.advance(Duration::hours(5));
    let second = read_all(&fake, &fake.run(CacheOptions::default()));
    assert_eq!(fake.requests(), seen, "the second run asked the server");
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(b.transactions.source, Source::Fresh);
        assert_eq!(b.balances.source, Source::Fresh);
        assert_eq!(b.transactions.body, a.transactions.body);
        assert_eq!(b.transactions.fetched_at, a.transactions.fetched_at);
        assert_eq!(ids(&b.transactions.value), ids(&a.transactions.value));
        // Every record exactly as the bank sent it, in its list and place.
        let texts = |t: &TransactionsResponse| {
            let list = |l: &[gocardless::TransactionRecord]| {
                l.iter().map(|r| r.json().to_owned()).collect::<Vec<_>>()
            };
            (list(&t.transactions.booked), list(&t.transactions.pending))
        };
        assert_eq!(texts(&b.transactions.value), texts(&a.transactions.value));
        assert_eq!(
            b.transactions.value.last_updated,
            a.transactions.value.last_updated
        );
        assert_eq!(b.balances.value, a.balances.value);
    }
}

#[test]
fn a_day_later_one_transactions_request_per_account_and_a_refresh() {
    let fake = Fake::default();
    read_all(&fake, &fake.run(CacheOptions::default()));
    assert_eq!((fake.token_new(), fake.token_refresh()), (1, 0));
    assert_eq!(fake.transactions_requests(), 3);

    // The access token (24 h) has expired; the refresh token (30 days) has not.
    fake.advance(Duration::days(1));
    let cached = fake.run(CacheOptions::default());
    let reads = read_all(&fake, &cached);
    assert!(
        reads
            .iter()
            .all(|r| r.transactions.source == Source::Network)
    );
    assert_eq!(fake.transactions_requests(), 6, "one more per account");
    assert_eq!(fake.token_new(), 1, "no new login");
    assert_eq!(fake.token_refresh(), 1, "refreshed instead");
    assert!(matches!(
        cached
            .store()
            .token_state(&fake.server.secret_id())
            .unwrap(),
        TokenState::AccessValid { .. }
    ));

    // The refreshed token was saved: a third run the same day needs none.
    fake.advance(Duration::hours(7));
    read_all(&fake, &fake.run(CacheOptions::default()));
    assert_eq!((fake.token_new(), fake.token_refresh()), (1, 1));
    assert_eq!(fake.transactions_requests(), 9);
}

#[test]
fn both_tokens_expired_means_one_login() {
    let fake = Fake::default();
    read_all(&fake, &fake.run(CacheOptions::default()));
    fake.advance(Duration::days(31));
    read_all(&fake, &fake.run(CacheOptions::default()));
    assert_eq!((fake.token_new(), fake.token_refresh()), (2, 0));
}

#[test]
fn tokens_rejected_by_the_server_are_replaced_in_the_store() {
    let fake = Fake::default();
    let cached = fake.run(CacheOptions::default());
    read_all(&fake, &cached);
    let secret_id = fake.server.secret_id();
    let before = cached.store().load_tokens(&secret_id).unwrap().unwrap();

    fake.server.revoke_tokens();
    fake.advance(Duration::hours(7));
    let cached = fake.run(CacheOptions::default());
    read_all(&fake, &cached);
    assert_eq!(
        fake.token_new(),
        2,
        "the rejected tokens were replaced by a login"
    );
    let after = cached.store().load_tokens(&secret_id).unwrap().unwrap();
    assert_ne!(after.access, before.access);
    assert_ne!(after.refresh, before.refresh);

    // And the new ones are what the next run uses.
    fake.advance(Duration::hours(7));
    read_all(&fake, &fake.run(CacheOptions::default()));
    assert_eq!(fake.token_new(), 2);
}

#[test]
fn a_window_inside_a_fresher_stored_window_is_answered_from_it() {
    let fake = Fake::default();
    let cached = fake.run(CacheOptions::default());
    read_all(&fake, &cached);
    let seen = fake.requests();
    let id = &fake.server.account_ids()[0];
    let (from, to) = (
        fake.today() - Duration::days(40),
        fake.today() - Duration::days(20),
    );

    let inner = cached.transactions(id, Some(from), Some(to)).unwrap();
    assert_eq!(fake.requests(), seen);
    assert_eq!(inner.source, Source::Fresh);
    assert!(!inner.value.transactions.booked.is_empty());

    // The same transactions as the bank gives for that window.
    let direct = cached
        .client()
        .unwrap()
        .account_transactions(id, Some(from), Some(to))
        .unwrap();
    assert_eq!(ids(&inner.value), ids(&direct.value));
    assert!(ids(&inner.value).len() < ids(&read_all_one(&cached, id, &fake).value).len());

    // A window reaching before the stored one is not covered.
    let wider = cached
        .transactions(id, Some(fake.today() - Duration::days(80)), None)
        .unwrap();
    assert_eq!(wider.source, Source::Network);
}

fn read_all_one(cached: &CachedClient, id: &str, fake: &Fake) -> Cached<TransactionsResponse> {
    cached
        .transactions(id, Some(fake.start - Duration::days(60)), None)
        .unwrap()
}

#[test]
fn spent_budget_answers_from_the_store_flagged_stale_without_a_call() {
    // One read a day: the first run spends it, and the headers say so.
    let fake = Fake::start(Options {
        accounts: 2,
        transactions_per_account: 40,
        daily_limit: 1,
        ..Options::default()
    });
    let first = read_all(&fake, &fake.run(CacheOptions::default()));
    let store = fake.open_store();
    let id = &fake.server.account_ids()[0];
    let budget = store
        .source()
        .budget(id, Scope::Transactions.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(budget.remaining, Some(0));
    let midnight = (fake.today() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(budget.reset_at, Some(midnight));

    // Past the TTL, before the reset; even --force does not ask.
    fake.advance(Duration::hours(7));
    let seen = fake.requests();
    let forced = CacheOptions {
        force: true,
        ..CacheOptions::default()
    };
    let second = read_all(&fake, &fake.run(forced));
    let data_requests = fake.requests() - seen;
    assert_eq!(
        data_requests,
        fake.server.account_ids().len(),
        "only the unbudgeted metadata was asked"
    );
    assert_eq!(fake.transactions_requests(), 2);
    for (a, b) in first.iter().zip(&second) {
        match &b.transactions.source {
            Source::Stale {
                age,
                reset_at,
                reason,
            } => {
                assert_eq!(*age, Duration::hours(7));
                assert_eq!(*reset_at, Some(midnight));
                assert_eq!(*reason, StaleReason::BudgetSpent);
            }
            other => panic!("expected stale, got {other:?}"),
        }
        assert!(b.balances.source.is_stale());
        assert_eq!(b.transactions.body, a.transactions.body);
    }

    // After the reset the bank is asked again.
    fake.advance(Duration::hours(8));
    let third = read_all(&fake, &fake.run(CacheOptions::default()));
    assert!(
        third
            .iter()
            .all(|r| r.transactions.source == Source::Network)
    );
    assert_eq!(fake.transactions_requests(), 4);
}

#[test]
fn the_banks_daily_limit_429_falls_back_to_the_store() {
    let fake = Fake::default();
    let first = read_all(&fake, &fake.run(CacheOptions::default()));
    let id = fake.server.account_ids()[0].clone();
    // Spent elsewhere (another tool, the bank's own count): the store still
    // believes 3 remain, so the bank is asked once and says no.
    fake.server.set_remaining(&id, FakeScope::Transactions, 0);
    fake.advance(Duration::hours(7));
    let cached = fake.run(CacheOptions::default());
    let before = fake.transactions_requests();
    let got = cached
        .transactions(&id, Some(fake.start - Duration::days(60)), None)
        .unwrap();
    assert_eq!(fake.transactions_requests(), before + 1);
    match &got.source {
        Source::Stale {
            reason, reset_at, ..
        } => {
            assert_eq!(*reason, StaleReason::DailyLimit);
            assert!(
                reset_at.is_some_and(|r| r > fake.server.now()),
                "{reset_at:?}"
            );
        }
        other => panic!("expected stale, got {other:?}"),
    }
    assert_eq!(got.body, first[0].transactions.body);
    let budget = cached
        .store()
        .source()
        .budget(&id, Scope::Transactions.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(budget.remaining, Some(0));

    // Now the spent budget is known: no more asking.
    let again = cached
        .transactions(&id, Some(fake.start - Duration::days(60)), None)
        .unwrap();
    assert_eq!(fake.transactions_requests(), before + 1);
    assert!(matches!(
        again.source,
        Source::Stale {
            reason: StaleReason::BudgetSpent,
            ..
        }
    ));

    // Only an explicit choice asks anyway.
    let bold = fake.run(CacheOptions {
        ignore_budget: true,
        ..CacheOptions::default()
    });
    let bolder = bold
        .transactions(&id, Some(fake.start - Duration::days(60)), None)
        .unwrap();
    assert_eq!(fake.transactions_requests(), before + 2);
    assert!(matches!(
        bolder.source,
        Source::Stale {
            reason: StaleReason::DailyLimit,
            ..
        }
    ));

    // With nothing stored to fall back on, the bank's refusal is the error.
    let other = fake.server.account_ids()[1].clone();
    fake.server.set_remaining(&other, FakeScope::Details, 0);
    match cached.details(&other).unwrap_err() {
        CacheError::Api(e) => {
            assert!(e.is_daily_limit(), "{e}");
            assert!(e.to_string().contains(&other), "{e}");
        }
        err => panic!("{err:?}"),
    }
}

#[test]
fn offline_mode_never_asks_the_server() {
    let fake = Fake::default();
    let first = read_all(&fake, &fake.run(CacheOptions::default()));
    let seen = fake.requests();

    fake.advance(Duration::hours(30));
    let offline = CachedClient::offline(fake.open_store(), CacheOptions::default()).unwrap();
    // Unless asked for, the text is not handed back: only the value.
    let id = &fake.server.account_ids()[0];
    let bare = offline.transactions(id, None, None).unwrap();
    assert_eq!(bare.body, None);
    assert!(!bare.value.transactions.booked.is_empty());
    let offline = offline.keeping_bodies();
    let reads = read_all(&fake, &offline);
    // Even with a client at hand, Mode::Offline leaves it alone.
    let with_client = fake.run(CacheOptions {
        mode: Mode::Offline,
        ..CacheOptions::default()
    });
    read_all(&fake, &with_client);
    assert_eq!(fake.requests(), seen, "offline mode made a request");
    for (a, b) in first.iter().zip(&reads) {
        assert_eq!(
            b.transactions.source,
            Source::Stale {
                age: Duration::hours(30),
                reset_at: None,
                reason: StaleReason::Offline
            }
        );
        assert_eq!(b.transactions.body, a.transactions.body);
    }

    // Nothing stored: a clear error naming the account and the scope.
    let err = offline.details(&fake.server.account_ids()[1]).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            CacheError::NotStored {
                scope: Scope::Details,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(msg.contains(&fake.server.account_ids()[1]), "{msg}");
    assert!(msg.contains("details"), "{msg}");
    assert!(msg.contains("offline"), "{msg}");
    assert_eq!(fake.requests(), seen);
}

#[test]
fn offline_with_an_empty_store_errors_for_each_account() {
    let fake = Fake::default();
    let offline = CachedClient::offline(fake.open_store(), CacheOptions::default()).unwrap();
    for id in fake.server.account_ids() {
        let err = offline.transactions(&id, None, None).unwrap_err();
        assert!(err.to_string().contains(&id));
        assert!(err.to_string().contains("transactions"));
    }
    assert_eq!(fake.requests(), 0);
}

#[test]
fn force_bypasses_the_ttl() {
    let fake = Fake::default();
    read_all(&fake, &fake.run(CacheOptions::default()));
    let forced = fake.run(CacheOptions {
        force: true,
        ..CacheOptions::default()
    });
    let reads = read_all(&fake, &forced);
    assert!(
        reads
            .iter()
            .all(|r| r.transactions.source == Source::Network)
    );
    assert_eq!(fake.transactions_requests(), 6);
    assert_eq!(fake.token_new(), 1);
}

#[test]
fn threads_fetch_accounts_at_once() {
    // More accounts than the binary fetches at once, so connections are
    // opened and kept alive side by side.
    let fake = Fake::start(Options {
        accounts: 8,
        transactions_per_account: 30,
        ..Options::default()
    });
    let cached = fake.run(CacheOptions::default());
    let from = fake.today() - Duration::days(30);
    std::thread::scope(|s| {
        for id in fake.server.account_ids() {
            let cached = &cached;
            s.spawn(move || {
                cached.balances(&id).unwrap();
                cached.transactions(&id, Some(from), None).unwrap();
            });
        }
    });
    assert_eq!(fake.transactions_requests(), 8);
    assert_eq!(fake.token_new(), 1);
    let seen = fake.requests();
    // The next run: this one's store closes first, recording what it was
    // handed (another store of the same file cannot wait for that).
    drop(cached);
    let again = fake.run(CacheOptions::default());
    std::thread::scope(|s| {
        for id in fake.server.account_ids() {
            let again = &again;
            s.spawn(move || {
                let t = again.transactions(&id, Some(from), None).unwrap();
                assert_eq!(t.source, Source::Fresh);
            });
        }
    });
    assert_eq!(fake.requests(), seen);
    again.store().source().store().check_integrity().unwrap();
}

#[test]
fn institutions_are_cached_by_query() {
    let fake = Fake::default();
    let cached = fake.run(CacheOptions::default());
    let filter = InstitutionFilter {
        country: Some("GB".to_owned()),
        ..InstitutionFilter::default()
    };
    let first = cached.institutions(&filter).unwrap();
    assert_eq!(first.source, Source::Network);
    let n = fake.server.count("GET", "/api/v2/institutions/");
    let again = fake
        .run(CacheOptions::default())
        .institutions(&filter)
        .unwrap();
    assert_eq!(again.source, Source::Fresh);
    assert_eq!(again.value, first.value);
    assert_eq!(fake.server.count("GET", "/api/v2/institutions/"), n);
    // Another query is another answer.
    let all = cached.institutions(&InstitutionFilter::default()).unwrap();
    assert_eq!(all.source, Source::Network);
}

#[test]
fn status_shows_fetches_budget_and_tokens() {
    let fake = Fake::default();
    let cached = fake.run(CacheOptions::default());
    read_all(&fake, &cached);
    let id = &fake.server.account_ids()[0];
    let status = cached.store().status(id).unwrap();
    let now: DateTime<Utc> = fake.server.now();
    for s in &status.scopes {
        match s.scope {
            Scope::Details => assert_eq!(s.last_fetch, None),
            _ => assert_eq!(s.last_fetch, Some(now), "{:?}", s.scope),
        }
    }
    let tx = status
        .scopes
        .iter()
        .find(|s| s.scope == Scope::Transactions)
        .unwrap();
    let budget = tx.budget.unwrap();
    assert_eq!((budget.remaining, budget.limit), (Some(3), Some(4)));
    assert!(budget.reset_at.unwrap() > now);
    assert!(status.scopes[0].budget.is_none(), "metadata has no budget");
}

#[test]
fn an_answer_the_store_cannot_record_is_still_returned() {
    let fake = Fake::default();
    let cached = fake.run(CacheOptions::default());
    // Make every write of a response fail, as a full disk would.
    rusqlite::Connection::open(&fake.path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON responses
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let id = &fake.server.account_ids()[0];
    let got = cached.balances(id).unwrap();
    assert_eq!(got.source, Source::Network);
    assert!(!got.value.balances.is_empty());
    assert_eq!(
        cached.store().latest_response(id, Scope::Balances).unwrap(),
        None
    );
}
