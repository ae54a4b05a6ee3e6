//! Every operation against the fake: linking (new and update mode), the
//! sandbox shortcut, the Item, accounts and balances; what goes on the
//! wire.

use std::path::PathBuf;

use plaid::{AccountType, Error, LinkTokenRequest, SandboxItemRequest, Secret, SyncOptions};
use serde_json::Value;

use crate::common::Fake;

fn request() -> LinkTokenRequest {
    LinkTokenRequest::new("gc-beancount", "user-1")
}

#[test]
fn link_token_then_link_then_exchange_gives_the_items_accounts() {
    let fake = Fake::default();
    let client = fake.client();
    let token = client.create_link_token(&request()).unwrap();
    let expires = token.expiration.unwrap();
    assert_eq!(
        (expires.to_utc() - fake.server.now()).num_hours(),
        4,
        "a new Item's Link token lasts 4 hours"
    );
    let public = fake
        .server
        .complete_link(token.link_token.expose())
        .unwrap();
    let item = client.exchange_public_token(&Secret::new(public)).unwrap();
    let item_id = item.item_id.clone().unwrap();
    assert_eq!(fake.server.item_ids(), vec![item_id.clone()]);
    assert_eq!(
        Some(item.access_token.expose().to_owned()),
        fake.server.access_token(&item_id)
    );

    let accounts = client.accounts(&item).unwrap();
    assert_eq!(accounts.item.item_id, item_id);
    assert_eq!(accounts.item.institution_id.as_deref(), Some("ins_109508"));
    let ids: Vec<String> = accounts
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    assert_eq!(ids, fake.server.account_ids(&item_id));
    let kinds: Vec<(AccountType, Option<&str>)> = accounts
        .accounts
        .iter()
        .map(|a| (a.kind.clone(), a.subtype.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (AccountType::Depository, Some("checking")),
            (AccountType::Depository, Some("savings")),
            (AccountType::Credit, Some("credit card")),
            (AccountType::Loan, Some("student")),
        ]
    );
    for a in &accounts.accounts {
        assert_eq!(a.balances.currency(), Some("USD"));
        assert!(a.balances.current.is_some(), "{a:?}");
        assert_eq!(a.mask.as_ref().map(String::len), Some(4));
        assert!(!a.name.is_empty());
    }
    let card = &accounts.accounts[2];
    assert!(card.kind.is_liability());
    assert_eq!(card.balances.limit.unwrap().to_string(), "5000");

    // A public token is good for one exchange only.
    let again = client
        .exchange_public_token(&Secret::new(
            fake.server
                .requests()
                .iter()
                .find(|r| r.path == "/item/public_token/exchange")
                .and_then(|r| r.body["public_token"].as_str().map(str::to_owned))
                .unwrap(),
        ))
        .unwrap_err();
    assert!(matches!(again, Error::Rejected { .. }), "{again:?}");
    assert_eq!(again.error_code(), Some("INVALID_PUBLIC_TOKEN"));
}

#[test]
fn update_mode_repairs_a_login_required_item_with_the_same_token() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    let item_id = item.item_id.clone().unwrap();
    fake.server.require_login(&item_id);
    let e = client.accounts(&item).unwrap_err();
    assert!(e.is_login_required(), "{e:?}");
    // `/item/get` reports it instead of failing.
    assert!(client.item(&item).unwrap().item.login_required());

    let token = client.create_update_link_token(&request(), &item).unwrap();
    let expires = token.expiration.unwrap();
    assert_eq!((expires.to_utc() - fake.server.now()).num_minutes(), 30);
    let sent = fake
        .server
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/link/token/create")
        .unwrap()
        .body;
    assert_eq!(sent["access_token"], item.access_token.expose());
    assert!(
        sent.get("products").is_none(),
        "update mode sends no products"
    );
    assert_eq!(sent["user"]["client_user_id"], "user-1");

    fake.server
        .complete_link(token.link_token.expose())
        .unwrap();
    assert_eq!(fake.server.item_ids().len(), 1, "no new Item");
    let accounts = client.accounts(&item).unwrap();
    assert_eq!(accounts.accounts.len(), 4);
    assert!(!client.item(&item).unwrap().item.login_required());
}

#[test]
fn the_sandbox_shortcut_makes_an_item_with_the_history_asked_for() {
    let fake = Fake::default();
    let client = fake.client();
    let mut request = SandboxItemRequest::new("ins_3");
    request.days_requested = Some(10);
    let public = client.create_sandbox_public_token(&request).unwrap();
    assert!(public.expose().starts_with("public-sandbox-"));
    let item = client.exchange_public_token(&public).unwrap();
    let got = client.item(&item).unwrap();
    assert_eq!(got.item.institution_id.as_deref(), Some("ins_3"));
    assert_eq!(got.item.institution_name.as_deref(), Some("Chase"));
    assert_eq!(got.item.error, None);
    let sync = client.sync(&item, None, &SyncOptions::default()).unwrap();
    let earliest = sync
        .added
        .iter()
        .map(|r| r.parse().unwrap().authorized_date.unwrap())
        .min()
        .unwrap();
    let today = fake.server.now().date_naive();
    assert!((today - earliest).num_days() <= 10, "{earliest}");

    let e = client
        .create_sandbox_public_token(&SandboxItemRequest::new("bank_3"))
        .unwrap_err();
    assert_eq!(e.error_code(), Some("INVALID_INSTITUTION"), "{e:?}");
}

#[test]
fn balances_of_all_or_some_accounts() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    let ids = fake.server.account_ids(item.item_id.as_deref().unwrap());
    let all = client.balances(&item, &[]).unwrap();
    assert_eq!(all.accounts.len(), 4);
    let one = client.balances(&item, &[&ids[2]]).unwrap();
    assert_eq!(one.accounts.len(), 1);
    assert_eq!(one.accounts[0].account_id, ids[2]);
    assert_eq!(one.accounts[0].balances, all.accounts[2].balances);
    // Cached and live balances agree on the fake.
    let cached = client.accounts(&item).unwrap();
    assert_eq!(cached.accounts, all.accounts);
    let e = client.balances(&item, &["no-such-account"]).unwrap_err();
    assert!(matches!(e, Error::Rejected { .. }), "{e:?}");
    assert_eq!(e.error_code(), Some("INVALID_ACCOUNT_ID"));
}

#[test]
fn every_request_has_the_version_and_the_keys_in_headers_only() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    client.create_link_token(&request()).unwrap();
    client.item(&item).unwrap();
    client.accounts(&item).unwrap();
    client.balances(&item, &[]).unwrap();
    client.sync(&item, None, &SyncOptions::default()).unwrap();
    let requests = fake.server.requests();
    assert_eq!(requests.len(), 6);
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.plaid_version.as_deref(), Some("2020-09-14"), "{}", r.path);
        assert_eq!(r.status, 200, "{}", r.path);
        for key in ["client_id", "secret"] {
            assert!(
                r.body.get(key).is_none(),
                "{} sent {key} in the body",
                r.path
            );
        }
    }
}

fn spec_example(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/providers/plaid/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["body"].clone()
}

/// Every key of `sent` (recursively) is one the spec's example names.
fn keys_within(sent: &Value, example: &Value, at: &str) {
    let (Value::Object(sent), Value::Object(example)) = (sent, example) else {
        return;
    };
    for (k, v) in sent {
        let e = example
            .get(k)
            .unwrap_or_else(|| panic!("{at}{k} is not in the spec's example"));
        keys_within(v, e, &format!("{at}{k}."));
    }
}

#[test]
fn account_requests_have_the_specs_shape() {
    let fake = Fake::default();
    let client = fake.client();
    let item = fake.item(&client);
    let id = fake.server.account_ids(item.item_id.as_deref().unwrap())[0].clone();
    fake.server.reset_counters();
    client.accounts(&item).unwrap();
    client.balances(&item, &[&id]).unwrap();
    let sent = fake.server.requests();
    keys_within(
        &sent[0].body,
        &spec_example("accounts_get.request.example-1.json"),
        "",
    );
    keys_within(
        &sent[1].body,
        &spec_example("accounts_balance_get.request.example-1.json"),
        "",
    );
    assert_eq!(sent[1].body["options"]["account_ids"][0], id.as_str());
}

#[test]
fn unusable_arguments_are_refused_before_sending() {
    let fake = Fake::default();
    let client = fake.client();
    let mut blank_user = request();
    blank_user.client_user_id = " ".into();
    let mut no_product = request();
    no_product.products.clear();
    let mut no_country = request();
    no_country.country_codes = vec![" ".into()];
    let mut too_many_days = request();
    too_many_days.days_requested = Some(731);
    for (r, want) in [
        (blank_user, "user id"),
        (no_product, "product"),
        (no_country, "country"),
        (too_many_days, "days_requested"),
    ] {
        let e = client.create_link_token(&r).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        assert!(e.to_string().contains(want), "{e}");
    }
    let e = client.exchange_public_token(&Secret::new("")).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    let item = plaid::ItemAccess::new(Secret::new("access-sandbox-x"));
    let e = client
        .sync(
            &item,
            None,
            &SyncOptions {
                count: 501,
                ..SyncOptions::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("count must be 1 to 500"), "{e}");
    assert!(fake.server.requests().is_empty());
}
