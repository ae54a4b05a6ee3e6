//! The token flow, counted on the server: `token/new` only when nothing
//! valid is held, refresh when only the access token expired, one renewal
//! and one retry on a 401.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use chrono::Duration;
use common::Fake;
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
    .retry(common::fast_retry())
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
