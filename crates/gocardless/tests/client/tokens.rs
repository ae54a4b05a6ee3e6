//! The token flow, counted on the server: `token/new` only when nothing
//! valid is held, refresh when only the access token expired, one renewal
//! and one retry on a 401.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use crate::common::Fake;
use chrono::Duration;
use fake_gocardless::{Fault, FaultKind};
use gocardless::{Error, MemoryTokenStore, TokenState, TokenStore, Tokens};

/// A store that counts what the client does with it.
#[derive(Default)]
struct CountingStore {
    inner: MemoryTokenStore,
    saves: AtomicUsize,
    clears: AtomicUsize,
}

impl TokenStore for CountingStore {
    fn load(&self, secret_id: &str) -> Option<Tokens> {
        self.inner.load(secret_id)
    }
    fn save(&self, secret_id: &str, tokens: &Tokens) {
        self.saves.fetch_add(1, Ordering::SeqCst);
        self.inner.save(secret_id, tokens)
    }
    fn clear(&self, secret_id: &str) {
        self.clears.fetch_add(1, Ordering::SeqCst);
        self.inner.clear(secret_id)
    }
}

#[test]
fn one_token_for_many_requests() {
    let fake = Fake::default();
    let client = fake.client();
    assert_eq!(client.token_state(), TokenState::Missing);
    for _ in 0..3 {
        client.account_metadata(&fake.account(0)).unwrap();
    }
    assert_eq!(fake.token_new(), 1);
    assert_eq!(fake.token_refresh(), 0);
    match client.token_state() {
        TokenState::AccessValid {
            access_until,
            refresh_until,
        } => {
            assert_eq!(access_until, fake.server.now() + Duration::hours(24));
            assert_eq!(refresh_until, fake.server.now() + Duration::days(30));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_clients_sharing_a_store_make_one_token_new() {
    let fake = Fake::default();
    let store = Arc::new(CountingStore::default());
    let a = fake.builder().token_store(store.clone()).build().unwrap();
    let b = fake.builder().token_store(store.clone()).build().unwrap();
    a.account_metadata(&fake.account(0)).unwrap();
    b.account_metadata(&fake.account(1)).unwrap();
    assert_eq!(fake.token_new(), 1);
    assert_eq!(store.saves.load(Ordering::SeqCst), 1);

    // At once, from several threads, with a fresh store: still one.
    let fake = Fake::default();
    let store = Arc::new(CountingStore::default());
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let client = fake.builder().token_store(store.clone()).build().unwrap();
            let account = fake.account(i % 2);
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                client.account_metadata(&account).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(fake.token_new(), 1);
}

#[test]
fn clones_share_tokens_across_threads() {
    let fake = Fake::default();
    let client = fake.client();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            let account = fake.account(i % 2);
            std::thread::spawn(move || client.account_metadata(&account).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(fake.token_new(), 1);
}

#[test]
fn expired_access_is_refreshed_not_renewed() {
    let fake = Fake::default();
    let store = Arc::new(CountingStore::default());
    let client = fake.builder().token_store(store.clone()).build().unwrap();
    client.account_metadata(&fake.account(0)).unwrap();
    fake.advance(Duration::hours(25));
    assert!(matches!(
        client.token_state(),
        TokenState::RefreshValid { .. }
    ));
    client.account_metadata(&fake.account(0)).unwrap();
    client.account_metadata(&fake.account(1)).unwrap();
    assert_eq!(fake.token_new(), 1);
    assert_eq!(fake.token_refresh(), 1);
    assert_eq!(
        store.saves.load(Ordering::SeqCst),
        2,
        "saved after new and refresh"
    );
    // A later client reading the same store needs no token call at all.
    let later = fake.builder().token_store(store.clone()).build().unwrap();
    later.account_metadata(&fake.account(0)).unwrap();
    assert_eq!((fake.token_new(), fake.token_refresh()), (1, 1));
}

#[test]
fn the_margin_refreshes_just_before_expiry() {
    let fake = Fake::default();
    let client = fake.client();
    client.account_metadata(&fake.account(0)).unwrap();
    // 30 s before expiry is inside the default 60 s margin.
    fake.advance(Duration::hours(24) - Duration::seconds(30));
    client.account_metadata(&fake.account(0)).unwrap();
    assert_eq!((fake.token_new(), fake.token_refresh()), (1, 1));
}

#[test]
fn expired_refresh_token_means_a_new_token() {
    let fake = Fake::default();
    let client = fake.client();
    client.account_metadata(&fake.account(0)).unwrap();
    fake.advance(Duration::days(31));
    assert_eq!(client.token_state(), TokenState::Missing);
    client.account_metadata(&fake.account(0)).unwrap();
    assert_eq!((fake.token_new(), fake.token_refresh()), (2, 0));
}

#[test]
fn a_401_refreshes_once_and_retries_once() {
    let fake = Fake::default();
    let client = fake.client();
    let id = fake.account(0);
    client.account_metadata(&id).unwrap();
    fake.server
        .inject(Fault::next("/accounts/", 1, FaultKind::Status(401)));
    client.account_metadata(&id).unwrap();
    assert_eq!((fake.token_new(), fake.token_refresh()), (1, 1));
    assert_eq!(fake.count("GET", "/api/v2/accounts/"), 3);

    // A 401 that persists: one renewal, one retry, then the error.
    fake.server.reset_counters();
    fake.server
        .inject(Fault::next("/accounts/", 10, FaultKind::Status(401)));
    let e = client.account_metadata(&id).unwrap_err();
    assert!(matches!(e, Error::TokenRejected { .. }), "{e:?}");
    assert_eq!(fake.count("GET", "/api/v2/accounts/"), 2);
    assert_eq!((fake.token_new(), fake.token_refresh()), (0, 1));
}

#[test]
fn rejected_refresh_clears_the_store_and_logs_in_once() {
    let fake = Fake::default();
    let store = Arc::new(CountingStore::default());
    let client = fake.builder().token_store(store.clone()).build().unwrap();
    let id = fake.account(0);
    client.account_metadata(&id).unwrap();
    fake.server.revoke_tokens();
    client.account_metadata(&id).unwrap();
    assert_eq!(fake.token_refresh(), 1, "refresh tried first");
    assert_eq!(fake.token_new(), 2, "then one new token");
    assert_eq!(store.clears.load(Ordering::SeqCst), 1);
    assert!(store.inner.load(&fake.server.secret_id()).is_some());
}

#[test]
fn stored_tokens_the_server_no_longer_knows() {
    // A store from an earlier run whose tokens the server has forgotten.
    let fake = Fake::default();
    let store = Arc::new(CountingStore::default());
    fake.builder()
        .token_store(store.clone())
        .build()
        .unwrap()
        .account_metadata(&fake.account(0))
        .unwrap();
    fake.server.revoke_tokens();
    let next_run = fake.builder().token_store(store.clone()).build().unwrap();
    next_run.account_metadata(&fake.account(0)).unwrap();
    assert_eq!((fake.token_new(), fake.token_refresh()), (2, 1));
}

#[test]
fn bad_credentials_are_reported_as_such() {
    let fake = Fake::default();
    let client = gocardless::Client::builder(
        fake.server.secret_id(),
        gocardless::Secret::new("not-the-key"),
    )
    .base_url(&fake.server.base_url())
    .retry(crate::common::fast_retry())
    .build()
    .unwrap();
    let e = client.account_metadata(&fake.account(0)).unwrap_err();
    assert!(matches!(e, Error::BadCredentials { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("POST token/new"), "{msg}");
    assert!(msg.contains(&fake.account(0)), "names the account: {msg}");
    assert!(!msg.contains("not-the-key") && !format!("{e:?}").contains("not-the-key"));
    assert_eq!(fake.token_new(), 1, "credentials are not retried");
    assert_eq!(fake.count("GET", "/api/v2/"), 0);
}

#[test]
fn tokens_never_reach_debug_output() {
    let fake = Fake::default();
    let store = Arc::new(MemoryTokenStore::new());
    let client = fake.builder().token_store(store.clone()).build().unwrap();
    client.account_metadata(&fake.account(0)).unwrap();
    let tokens = store.load(&fake.server.secret_id()).unwrap();
    let debug = format!("{client:?} {tokens:?} {store:?} {:?}", client.token_state());
    assert!(!debug.contains(tokens.access.expose()), "{debug}");
    assert!(!debug.contains(tokens.refresh.expose()), "{debug}");
    assert!(!debug.contains(&fake.server.secret_key()), "{debug}");
}

/// Token requests are safe to repeat, so unlike other POSTs they are
/// retried after a dropped connection or any server error.
#[test]
fn token_requests_are_retried_after_drops_and_server_errors() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server
        .inject(Fault::next("/token/new/", 1, FaultKind::Drop));
    fake.server
        .inject(Fault::next("/token/new/", 2, FaultKind::Status(500)));
    client.account_metadata(&fake.account(0)).unwrap();
    assert_eq!(fake.token_new(), 3);

    fake.advance(Duration::hours(25));
    fake.server
        .inject(Fault::next("/token/refresh/", 1, FaultKind::Status(502)));
    fake.server
        .inject(Fault::next("/token/refresh/", 2, FaultKind::Drop));
    client.account_metadata(&fake.account(0)).unwrap();
    assert_eq!((fake.token_new(), fake.token_refresh()), (3, 3));
}

/// Runs `f` on `n` threads started together, with clones of `client`.
fn together<T: Send + 'static>(
    n: usize,
    client: &gocardless::Client,
    fake: &Fake,
    f: fn(&gocardless::Client, &str) -> T,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let client = client.clone();
            let barrier = barrier.clone();
            let account = fake.account(i % 2);
            std::thread::spawn(move || {
                barrier.wait();
                f(&client, &account)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// Account threads needing a token at once share one token request: one
/// refresh in flight, the others wait for its result, a failure included.
#[test]
fn concurrent_threads_share_one_refresh_and_its_failure() {
    let fake = Fake::default();
    let client = fake.client();
    client.account_metadata(&fake.account(0)).unwrap();

    fake.advance(Duration::hours(25));
    let ok = together(8, &client, &fake, |c, a| c.account_metadata(a).is_ok());
    assert!(ok.iter().all(|ok| *ok));
    assert_eq!((fake.token_new(), fake.token_refresh()), (1, 1));

    // The refresh fails for good: one thread retries it, the others (and
    // those that come right after) get its failure, each for its account.
    fake.advance(Duration::hours(25));
    fake.server
        .inject(Fault::next("/token/refresh/", 1000, FaultKind::Status(500)));
    let errors = together(8, &client, &fake, |c, a| {
        c.account_metadata(a).map(|_| ()).unwrap_err().to_string()
    });
    assert_eq!(
        fake.token_refresh(),
        1 + crate::common::fast_retry().max_attempts as usize
    );
    for (i, e) in errors.iter().enumerate() {
        assert!(e.contains("POST token/refresh"), "{e}");
        assert!(
            e.contains(&fake.account(i % 2)),
            "named for its own account: {e}"
        );
    }
    assert!(client.account_metadata(&fake.account(0)).is_err());
    assert_eq!(
        fake.token_refresh(),
        1 + crate::common::fast_retry().max_attempts as usize
    );
    assert_eq!(fake.count("GET", "/api/v2/accounts/"), 9);
}

/// Rejected credentials are final for the client: one `token/new`,
/// however many threads and requests.
#[test]
fn rejected_credentials_make_one_token_new_for_every_thread() {
    let fake = Fake::default();
    let client = gocardless::Client::builder(
        fake.server.secret_id(),
        gocardless::Secret::new("not-the-key"),
    )
    .base_url(&fake.server.base_url())
    .retry(crate::common::fast_retry())
    .token_retry(crate::common::fast_retry())
    .build()
    .unwrap();
    let results = together(8, &client, &fake, |c, a| c.account_metadata(a).map(|_| ()));
    for r in &results {
        assert!(matches!(r, Err(Error::BadCredentials { .. })), "{r:?}");
    }
    assert!(client.institutions(&Default::default()).is_err());
    assert_eq!(fake.token_new(), 1);
}
