//! Each source's part of the store is its own, and the shapes the coming
//! sources need: Plaid's cursor and access tokens per item, SimpleFIN's
//! access URL and one response for all accounts, Enable Banking's session.

use source::Secret;
use store::{Budget, Keep, NewResponse, RecordPath, Store, Window};

use super::{count, gocardless, history, latest, source, t, tokens, tx_body};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(dir.path().join("store.sqlite")).unwrap();
    (dir, file)
}

#[test]
fn sources_do_not_see_each_other() {
    let (_dir, file) = open();
    let gc = gocardless(&file);
    let eb = source(&file, "eb");
    let at = t("2024-05-01T00:00:00Z");
    let budget = Budget {
        remaining: Some(0),
        limit: Some(4),
        reset_at: None,
        updated_at: at,
    };
    // The same subject, scope and keys in two sources.
    let body = tx_body(&["a", "b"]);
    gc.record_response(&NewResponse {
        budget: Some(&budget),
        ..history("acc", &body, at)
    })
    .unwrap();
    gc.record_response(&latest("acc", "balances", "gc", at))
        .unwrap();
    eb.record_response(&latest("acc", "balances", "eb", at))
        .unwrap();
    gc.save_tokens("key", &tokens(), at).unwrap();
    gc.set_cursor("item", "gc-cursor", at).unwrap();
    gc.set_credential("item", &Secret::new("gc-secret"))
        .unwrap();

    // A latest response of one source replaces nothing of another.
    assert_eq!(
        gc.latest_response("acc", "balances").unwrap().unwrap().body,
        "gc"
    );
    assert_eq!(
        eb.latest_response("acc", "balances").unwrap().unwrap().body,
        "eb"
    );
    assert_eq!(eb.latest_response("acc", "transactions").unwrap(), None);
    assert_eq!(
        eb.latest_covering("acc", "transactions", &Window::ALL, None)
            .unwrap(),
        None
    );
    let gc_id = gc.responses("acc").unwrap()[0].id;
    assert_eq!(
        eb.response(gc_id).unwrap(),
        None,
        "ids do not cross sources"
    );
    assert_eq!(eb.responses("acc").unwrap().len(), 1);
    assert_eq!(eb.budget("acc", "transactions").unwrap(), None);
    assert_eq!(eb.budgets("acc").unwrap(), vec![]);
    assert_eq!(eb.summary("acc").unwrap().len(), 1);
    assert_eq!(eb.tokens("key").unwrap(), None);
    assert!(!eb.clear_tokens("key").unwrap());
    assert_eq!(eb.cursor("item").unwrap(), None);
    assert_eq!(eb.credential("item").unwrap(), None);
    assert_eq!(eb.credential_keys().unwrap(), Vec::<String>::new());

    // Pruning one source leaves the other's history alone.
    let later = at + chrono::Duration::days(1);
    let eb_body = tx_body(&["a", "c"]);
    eb.record_response(&history("acc", &eb_body, at)).unwrap();
    eb.record_response(&history("acc", &eb_body, later))
        .unwrap();
    gc.record_response(&history("acc", &body, later)).unwrap();
    assert_eq!(gc.prune(t("2030-01-01T00:00:00Z")).unwrap(), 1);
    assert_eq!(eb.responses("acc").unwrap().len(), 3);
    // Records are shared: `a` is stored once for both.
    assert_eq!(count(&file, "records"), 3, "a, b, c");
    assert_eq!(eb.prune(t("2030-01-01T00:00:00Z")).unwrap(), 1);
    assert_eq!(count(&file, "records"), 3, "each still held by a newest");
    assert_eq!(
        eb.latest_response("acc", "transactions")
            .unwrap()
            .unwrap()
            .body,
        eb_body
    );
    assert_eq!(
        gc.latest_response("acc", "transactions")
            .unwrap()
            .unwrap()
            .body,
        body
    );
}

const SYNC: [RecordPath; 3] = [
    RecordPath::new("added"),
    RecordPath::new("modified"),
    RecordPath::new("removed"),
];

/// A `/transactions/sync` response of `item` (its pages merged), with the
/// cursor after it.
fn sync<'a>(
    item: &'a str,
    body: &'a str,
    cursor: &'a str,
    fetched_at: chrono::DateTime<chrono::Utc>,
) -> NewResponse<'a> {
    NewResponse {
        subject: item,
        scope: "sync",
        window: Window::ALL,
        keep: Keep::History,
        records: &SYNC,
        body,
        fetched_at,
        rate_limit: None,
        budget: None,
        cursor: Some(cursor),
    }
}

/// Plaid: `/transactions/sync` per item; the access token is a
/// credential, and the cursor is saved with the data it came with.
#[test]
fn plaid_cursor_and_access_tokens_per_item() {
    let (_dir, file) = open();
    let plaid = source(&file, "plaid");
    plaid
        .set_credential("item-2", &Secret::new("access-sandbox-2"))
        .unwrap();
    plaid
        .set_credential("item-1", &Secret::new("access-sandbox-1"))
        .unwrap();
    assert_eq!(plaid.credential_keys().unwrap(), ["item-1", "item-2"]);
    let token = plaid.credential("item-1").unwrap().unwrap();
    assert_eq!(token.expose(), "access-sandbox-1");
    assert!(!format!("{token:?} {plaid:?}").contains("access-sandbox"));

    let page = |added: &str, cursor: &str| {
        format!(
            r#"{{"added":[{added}],"modified":[],"removed":[{{"transaction_id":"gone"}}],"next_cursor":"{cursor}","has_more":false}}"#
        )
    };
    assert_eq!(plaid.cursor("item-1").unwrap(), None);
    let first = page(r#"{"transaction_id":"t1","amount":1.5}"#, "c1");
    let at = t("2024-05-01T00:00:00Z");
    plaid
        .record_response(&sync("item-1", &first, "c1", at))
        .unwrap();
    let cursor = plaid.cursor("item-1").unwrap().unwrap();
    assert_eq!((cursor.value.as_str(), cursor.updated_at), ("c1", at));

    // A response that cannot be recorded leaves the cursor where it was.
    rusqlite::Connection::open(file.path())
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON responses
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let second = page(r#"{"transaction_id":"t2","amount":2}"#, "c2");
    let later = at + chrono::Duration::hours(1);
    let failed = plaid.record_response(&sync("item-1", &second, "c2", later));
    assert!(failed.is_err());
    assert_eq!(plaid.cursor("item-1").unwrap().unwrap().value, "c1");
    assert_eq!(count(&file, "records"), 2, "t1 and gone; t2 rolled back");

    plaid.set_cursor("item-1", "reset", at).unwrap();
    assert!(plaid.clear_cursor("item-1").unwrap());
    assert!(!plaid.clear_cursor("item-1").unwrap());
    assert!(plaid.remove_credential("item-1").unwrap());
    assert!(!plaid.remove_credential("item-1").unwrap());
    assert_eq!(plaid.credential_keys().unwrap(), ["item-2"]);
}

/// SimpleFIN: one access URL, one GET for all accounts; the transactions
/// of every account are records, kept once across responses.
#[test]
fn simplefin_one_response_for_all_accounts() {
    let (_dir, file) = open();
    let sfin = source(&file, "simplefin");
    let url = Secret::new("https://user:pass@bridge.example/simplefin");
    sfin.set_credential("access_url", &url).unwrap();
    assert_eq!(sfin.credential("access_url").unwrap(), Some(url));

    const EACH_ACCOUNT: [RecordPath; 1] = [RecordPath::new("accounts[].transactions")];
    let body = |days: &[u32]| {
        let tx: Vec<String> = days
            .iter()
            .map(|d| format!(r#"{{"id":"t{d}","posted":{d},"amount":"-1.00"}}"#))
            .collect();
        format!(
            r#"{{"errors":[],"accounts":[{{"id":"a1","balance":"10.00","transactions":[{}]}},{{"id":"a2","balance":"0","transactions":[]}}]}}"#,
            tx.join(",")
        )
    };
    let window = Window::new(Some("2024-04-01".parse().unwrap()), None);
    let bodies = [body(&[1, 2, 3]), body(&[2, 3, 4])];
    for (i, b) in bodies.iter().enumerate() {
        sfin.record_response(&NewResponse {
            subject: "all",
            scope: "accounts",
            window,
            keep: Keep::History,
            records: &EACH_ACCOUNT,
            body: b,
            fetched_at: t("2024-05-01T00:00:00Z") + chrono::Duration::days(i as i64),
            rate_limit: None,
            budget: None,
            cursor: None,
        })
        .unwrap();
    }
    assert_eq!(count(&file, "records"), 4, "t1..t4 once each");
    let newest = sfin.latest_response("all", "accounts").unwrap().unwrap();
    assert_eq!(newest.body, bodies[1]);
    let infos = sfin.responses("all").unwrap();
    assert_eq!(sfin.response(infos[1].id).unwrap().unwrap().body, bodies[0]);
}

/// Enable Banking: the session id is a credential; accounts are subjects.
#[test]
fn enable_banking_session() {
    let (_dir, file) = open();
    let eb = source(&file, "eb");
    eb.set_credential("session", &Secret::new("sess-1"))
        .unwrap();
    eb.set_credential("session", &Secret::new("sess-2"))
        .unwrap();
    assert_eq!(
        eb.credential("session").unwrap().unwrap().expose(),
        "sess-2"
    );
    const TRANSACTIONS: [RecordPath; 1] = [RecordPath::new("transactions")];
    let body = r#"{"transactions":[{"entry_reference":"x"}],"continuation_key":null}"#;
    eb.record_response(&NewResponse {
        records: &TRANSACTIONS,
        ..history("uid-1", body, t("2024-05-01T00:00:00Z"))
    })
    .unwrap();
    assert_eq!(
        eb.latest_response("uid-1", "transactions")
            .unwrap()
            .unwrap()
            .body,
        body
    );
    assert_eq!(count(&file, "records"), 1);
}
