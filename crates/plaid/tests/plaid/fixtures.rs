//! Every payload under `shared/providers/plaid/` (Plaid's spec examples
//! and documented error answers) is read by the models, and answers are
//! served over HTTP to the client where there is an operation for them.

use std::path::{Path, PathBuf};

use fake_http::Resp;
use plaid::{
    AccountType, AccountsResponse, ConfidenceLevel, Error, ErrorType, ItemResponse, PlaidError,
    RemovedTransaction, RetryPolicy, Secret, SyncOptions, SyncPage, TransactionRecord,
    UpdateStatus,
};
use serde_json::Value;

use crate::common::{serve, some_item};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/providers/plaid/fixtures")
}

/// A fixture: its HTTP status (200 unless it says) and its body as text.
struct Fixture {
    name: String,
    status: u16,
    body: String,
}

fn load(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    Fixture {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        status: v["http_status"].as_u64().map_or(200, |s| s as u16),
        body: raw_body(&text),
    }
}

/// The text of the fixture's `body`, cut from the file as written (so
/// numbers keep exactly their digits).
fn raw_body(text: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Wrapper<'a> {
        #[serde(borrow)]
        body: &'a serde_json::value::RawValue,
    }
    let w: Wrapper<'_> = serde_json::from_str(text).unwrap();
    w.body.get().to_owned()
}

fn answer(f: &Fixture) -> Resp {
    Resp::json_text(f.status, f.body.clone())
}

#[test]
fn every_shared_payload_is_read() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 29, "{} fixtures", names.len());
    for path in names {
        let f = load(&path);
        let n = f.name.as_str();
        match () {
            _ if n.starts_with("accounts_balance_get.response")
                || n.starts_with("accounts_get.response") =>
            {
                accounts_response(&f)
            }
            _ if n.ends_with(".request.example-1.json") => request_example(&f),
            _ if n.starts_with("docs.transactions_sync.pending_to_posted") => pending_to_posted(&f),
            _ if n.starts_with("error.") => error_answer(&f),
            _ if n.starts_with("item_get.response") => item_get(&f),
            _ if n.starts_with("item_public_token_exchange.response") => exchange(&f),
            _ if n.starts_with("sandbox_public_token_create.response") => sandbox_create(&f),
            _ if n.starts_with("transactions_get.response") => transactions_get(&f),
            _ if n.starts_with("transactions_refresh.response") => {
                // No operation: `/transactions/refresh` is not used.
                let v: Value = serde_json::from_str(&f.body).unwrap();
                assert!(v["request_id"].is_string());
            }
            _ if n.starts_with("transactions_sync.response") => transactions_sync(&f),
            _ if n.starts_with("webhook.") => webhook(&f),
            _ => panic!("{n}: a shared payload no test reads"),
        }
    }
}

fn accounts_response(f: &Fixture) {
    let parsed: AccountsResponse = serde_json::from_str(&f.body).unwrap();
    assert!(!parsed.accounts.is_empty(), "{}", f.name);
    for a in &parsed.accounts {
        assert!(!a.account_id.is_empty());
        assert!(
            !matches!(a.kind, AccountType::Other(_)),
            "{}: {:?}",
            f.name,
            a.kind
        );
        assert_eq!(a.balances.currency(), Some("USD"));
    }
    // The same through the client.
    let (_server, client, _) = serve(RetryPolicy::none(), {
        let r = answer(f);
        move |_| r.clone()
    });
    let got = if f.name.starts_with("accounts_balance_get") {
        client.balances(&some_item(), &[]).unwrap()
    } else {
        client.accounts(&some_item()).unwrap()
    };
    assert_eq!(got, parsed);
    if let Some(k) = got
        .accounts
        .iter()
        .find(|a| a.subtype.as_deref() == Some("401k"))
    {
        assert_eq!(k.balances.current.unwrap().to_string(), "23631.9805");
    }
    if let Some(card) = got.accounts.iter().find(|a| a.kind == AccountType::Credit) {
        assert!(card.kind.is_liability());
        assert_eq!(card.balances.limit.unwrap().to_string(), "2000");
    }
}

fn request_example(f: &Fixture) {
    let v: Value = serde_json::from_str(&f.body).unwrap();
    assert!(v["access_token"].is_string(), "{}", f.name);
}

fn pending_to_posted(f: &Fixture) {
    #[derive(serde::Deserialize)]
    struct Abridged {
        added: Vec<TransactionRecord>,
        removed: Vec<RemovedTransaction>,
    }
    let a: Abridged = serde_json::from_str(&f.body).unwrap();
    let posted = &a.added[0];
    // Abridged in the docs (no date): the typed view refuses it, the raw
    // record and its ids remain.
    assert!(posted.parse().unwrap_err().to_string().contains("date"));
    assert_eq!(
        posted.transaction_id().as_deref(),
        Some("lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje")
    );
    assert_eq!(
        posted.value()["pending_transaction_id"].as_str(),
        Some(a.removed[0].transaction_id.as_str())
    );
}

fn error_answer(f: &Fixture) {
    let parsed = PlaidError::from_json(&f.body).unwrap();
    assert_eq!(parsed.request_id.as_deref(), Some("HNTDNrA8F1shFEW"));
    let (_server, client, _) = serve(RetryPolicy::none(), {
        let r = answer(f);
        move |_| r.clone()
    });
    let e = client
        .sync(
            &some_item(),
            None,
            &SyncOptions {
                max_restarts: 0,
                ..SyncOptions::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        e.error_code(),
        Some(parsed.error_code.as_str()),
        "{}",
        f.name
    );
    assert_eq!(e.status(), Some(f.status));
    let ok = match parsed.error_code.as_str() {
        "ITEM_LOGIN_REQUIRED" => matches!(e, Error::ItemLoginRequired { .. }),
        "PRODUCT_NOT_READY" => matches!(e, Error::NotReady { .. }),
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION" => {
            matches!(e, Error::SyncMutation { .. })
        }
        _ => {
            parsed.error_type == ErrorType::RateLimitExceeded
                && matches!(e, Error::RateLimited { .. })
        }
    };
    assert!(ok, "{}: {e:?}", f.name);
}

fn item_get(f: &Fixture) {
    let (_server, client, _) = serve(RetryPolicy::none(), {
        let r = answer(f);
        move |_| r.clone()
    });
    let got: ItemResponse = client.item(&some_item()).unwrap();
    assert_eq!(got.item.item_id, "Ed6bjNrDLJfGvZWwnkQlfxwoNz54B5C97ejBr");
    assert_eq!(
        got.item.institution_name.as_deref(),
        Some("First Platypus Bank")
    );
    assert!(!got.item.login_required());
    assert_eq!(
        got.item.consent_expiration_time.unwrap().to_rfc3339(),
        "2024-03-16T15:53:00+00:00"
    );
    let pull = got.status.unwrap().transactions.unwrap();
    assert_eq!(
        pull.last_successful_update.unwrap().to_rfc3339(),
        "2019-02-15T15:52:39+00:00"
    );
    assert!(
        got.item
            .billed_products
            .contains(&"transactions".to_owned())
    );
}

fn exchange(f: &Fixture) {
    let (_server, client, _) = serve(RetryPolicy::none(), {
        let r = answer(f);
        move |_| r.clone()
    });
    let item = client
        .exchange_public_token(&Secret::new("public-sandbox-x"))
        .unwrap();
    assert_eq!(
        item.access_token.expose(),
        "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
    );
    assert_eq!(
        item.item_id.as_deref(),
        Some("M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op")
    );
}

fn sandbox_create(f: &Fixture) {
    let (_server, client, _) = serve(RetryPolicy::none(), {
        let r = answer(f);
        move |_| r.clone()
    });
    let public = client
        .create_sandbox_public_token(&plaid::SandboxItemRequest::new("ins_109508"))
        .unwrap();
    assert_eq!(
        public.expose(),
        "public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d"
    );
}

fn transactions_get(f: &Fixture) {
    #[derive(serde::Deserialize)]
    struct Get {
        accounts: Vec<plaid::Account>,
        transactions: Vec<TransactionRecord>,
    }
    let g: Get = serde_json::from_str(&f.body).unwrap();
    assert_eq!(
        g.accounts[0].balances.current.unwrap().to_string(),
        "110.94"
    );
    let amounts: Vec<String> = g
        .transactions
        .iter()
        .map(|t| t.parse().unwrap().amount.to_string())
        .collect();
    assert_eq!(amounts[..2], ["28.34", "72.1"]);
}

fn transactions_sync(f: &Fixture) {
    let page: SyncPage = serde_json::from_str(&f.body).unwrap();
    assert_eq!(
        page.transactions_update_status,
        UpdateStatus::HistoricalUpdateComplete
    );
    let (_server, client, _) = serve(RetryPolicy::none(), {
        let r = answer(f);
        move |_| r.clone()
    });
    let r = client
        .sync(&some_item(), None, &SyncOptions::default())
        .unwrap();
    assert_eq!(r.next_cursor, page.next_cursor.unwrap());
    assert_eq!(r.pages, 1);
    let added = r.added[0].parse().unwrap();
    assert_eq!(added.amount.to_string(), "72.1");
    assert!(!added.pending);
    assert_eq!(
        added.pending_transaction_id.as_deref(),
        Some("no86Eox18VHMvaOVL7gPUM9ap3aR1LsAVZ5nc")
    );
    assert_eq!(added.payee(), Some("Walmart"));
    assert_eq!(added.name.as_deref(), Some("PURCHASE WM SUPERCENTER #1700"));
    assert_eq!(added.date.to_string(), "2023-09-24");
    assert_eq!(added.authorized_date.unwrap().to_string(), "2023-09-22");
    assert_eq!(
        added.datetime.unwrap().to_rfc3339(),
        "2023-09-24T11:01:01+00:00"
    );
    let pfc = added.personal_finance_category.unwrap();
    assert_eq!(pfc.detailed, "GENERAL_MERCHANDISE_SUPERSTORES");
    assert_eq!(pfc.confidence_level, Some(ConfidenceLevel::VeryHigh));
    assert_eq!(added.payment_channel, Some(plaid::PaymentChannel::InStore));
    let modified = r.modified[0].parse().unwrap();
    assert!(modified.pending);
    assert_eq!(modified.amount.to_string(), "28.34");
    assert_eq!(
        r.removed[0].transaction_id,
        "CmdQTNgems8BT1B7ibkoUXVPyAeehT3Tmzk0l"
    );
    assert_eq!(
        r.accounts[0].balances.available.unwrap().to_string(),
        "110.94"
    );
}

fn webhook(f: &Fixture) {
    let v: Value = serde_json::from_str(&f.body).unwrap();
    assert!(v["webhook_type"].is_string() && v["webhook_code"].is_string());
    assert!(v["item_id"].is_string(), "{}", f.name);
    if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
        let e = PlaidError::from_json(&error.to_string()).unwrap();
        assert_eq!(e.error_type, ErrorType::ItemError, "{}", f.name);
        assert_eq!(e.status, Some(400));
        if e.error_code == "ITEM_LOGIN_REQUIRED" {
            assert_eq!(e.error_code_reason.as_deref(), Some("OAUTH_INVALID_TOKEN"));
            assert!(e.display_message.is_some());
        }
    }
}
