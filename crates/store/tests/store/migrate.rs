//! A store written before sources existed (schema 2, the release before
//! this one) is migrated forward: everything it held becomes the source
//! `gocardless`'s, and nothing is lost.

use std::path::Path;

use rusqlite::Connection;
use store::{Budget, SCHEMA_VERSION, ScopeSummary, Store, Window};

use super::{count, gocardless, history, source, t, tokens};

/// The tables of schema 2, as that release created them.
const SCHEMA_2: &str = "
    CREATE TABLE tokens (
        secret_id        TEXT PRIMARY KEY,
        access           TEXT NOT NULL,
        access_expires   INTEGER NOT NULL,
        refresh          TEXT NOT NULL,
        refresh_expires  INTEGER NOT NULL,
        saved_at         INTEGER NOT NULL
    );
    CREATE TABLE bodies (
        hash  TEXT PRIMARY KEY,
        body  TEXT NOT NULL
    );
    CREATE TABLE responses (
        id          INTEGER PRIMARY KEY,
        subject     TEXT NOT NULL,
        scope       TEXT NOT NULL,
        date_from   TEXT,
        date_to     TEXT,
        body_hash   TEXT NOT NULL REFERENCES bodies(hash),
        fetched_at  INTEGER NOT NULL,
        rate_limit  TEXT
    );
    CREATE INDEX responses_by_subject ON responses (subject, scope, fetched_at);
    CREATE INDEX responses_by_body ON responses (body_hash);
    CREATE TABLE budget (
        account_id  TEXT NOT NULL,
        scope       TEXT NOT NULL,
        remaining   INTEGER,
        day_limit   INTEGER,
        reset_at    INTEGER,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (account_id, scope)
    );
    ALTER TABLE bodies ADD COLUMN split INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE records (
        hash  TEXT PRIMARY KEY,
        json  TEXT NOT NULL
    ) WITHOUT ROWID;
    PRAGMA application_id = 1195590211;
    PRAGMA user_version = 2;
";

const R1: &str = r#"{"transactionId":"t1","bookingDate":"2024-04-01","transactionAmount":{"amount":"-1.00","currency":"EUR"}}"#;
const R2: &str = r#"{"transactionId":"t2","bookingDate":"2024-04-02","transactionAmount":{"amount":"2.50","currency":"EUR"}}"#;
const R3: &str = r#"{"transactionId":"t3","valueDate":"2024-04-03","transactionAmount":{"amount":"-3.00","currency":"EUR"}}"#;
/// The first 128 bits of the SHA-256 of each, as schema 2 keyed them.
const H1: &str = "777c885192c2a401e91a236c26a79528";
const H2: &str = "fea1e036ce85f370206cf65ffd3eb200";
const H3: &str = "8bc5e9ba36c6a34e5c63a3420b9cbf0f";

fn body_1() -> String {
    format!(
        r#"{{"transactions":{{"booked":[{R1},{R2}],"pending":[]}},"last_updated":"2024-04-02T00:00:00Z"}}"#
    )
}

fn body_2() -> String {
    format!(
        r#"{{"transactions":{{"booked":[{R2}],"pending":[{R3}]}},"last_updated":"2024-04-03T00:00:00Z"}}"#
    )
}

/// A transactions response stored whole, as schema 1 stored them all.
const WHOLE: &str = r#"{"transactions": {"booked": [{"transactionId": "old"}], "pending": []}}"#;
const BALANCES: &str = r#"{"balances":[{"balanceAmount":{"amount":"10.00","currency":"EUR"},"balanceType":"expected"}]}"#;

/// Writes what a run of the schema-2 release left: tokens, two split
/// transactions responses sharing a record, one whole, a balances
/// response, a budget.
fn write_schema_2(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(SCHEMA_2).unwrap();
    conn.execute(
        "INSERT INTO tokens VALUES ('sid', 'access-token-value', 1714608000000,
                                    'refresh-token-value', 1717113600000, 1714521600000)",
        [],
    )
    .unwrap();
    let bodies = [
        (
            "88dc57900062b25cc16b30675d39fd0e935a2a98941a0eb6b0cf0a09c611ddb4",
            format!(
                r#"{{"transactions":{{"booked":["{H1}","{H2}"],"pending":[]}},"last_updated":"2024-04-02T00:00:00Z"}}"#
            ),
            1,
        ),
        (
            "36e9de68ba29aaaddb585c08aa83ebd4bfa97e1e32234d7057f7401fa6534669",
            format!(
                r#"{{"transactions":{{"booked":["{H2}"],"pending":["{H3}"]}},"last_updated":"2024-04-03T00:00:00Z"}}"#
            ),
            1,
        ),
        ("whole", WHOLE.to_owned(), 0),
        (
            "1568dd1b0b7e9d304bd516276268846cf27c148e707b16fd0a45b7b0525ea0ce",
            BALANCES.to_owned(),
            0,
        ),
    ];
    for (hash, body, split) in &bodies {
        conn.execute(
            "INSERT INTO bodies (hash, body, split) VALUES (?1, ?2, ?3)",
            rusqlite::params![hash, body, split],
        )
        .unwrap();
    }
    for (hash, json) in [(H1, R1), (H2, R2), (H3, R3)] {
        conn.execute("INSERT INTO records VALUES (?1, ?2)", [hash, json])
            .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO responses (id, subject, scope, date_from, date_to, body_hash, fetched_at, rate_limit) VALUES
            (1, 'acc', 'transactions', NULL, NULL, 'whole', 1711929600000, NULL),
            (2, 'acc', 'transactions', '2024-01-01', '2024-04-02',
             '88dc57900062b25cc16b30675d39fd0e935a2a98941a0eb6b0cf0a09c611ddb4', 1712016000000,
             '{\"account_success_remaining\":\"3\"}'),
            (3, 'acc', 'transactions', '2024-01-01', NULL,
             '36e9de68ba29aaaddb585c08aa83ebd4bfa97e1e32234d7057f7401fa6534669', 1712102400000, NULL),
            (4, 'acc', 'balances', NULL, NULL,
             '1568dd1b0b7e9d304bd516276268846cf27c148e707b16fd0a45b7b0525ea0ce', 1712102400000, NULL);
         INSERT INTO budget VALUES ('acc', 'transactions', 2, 4, 1712188800000, 1712102400000);",
    )
    .unwrap();
}

#[test]
fn a_schema_2_store_becomes_the_gocardless_sources() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    write_schema_2(&path);

    let file = Store::open(&path).unwrap();
    let gc = gocardless(&file);
    assert_eq!(gc.tokens("sid").unwrap(), Some(tokens()));

    let infos = gc.responses("acc").unwrap();
    let ids: Vec<i64> = infos.iter().map(|i| i.id).collect();
    assert_eq!(ids, [4, 3, 2, 1], "newest first, ids kept");
    let body = |id| gc.response(id).unwrap().unwrap();
    assert_eq!(body(1).body, WHOLE);
    assert_eq!(body(2).body, body_1());
    assert_eq!(body(3).body, body_2());
    assert_eq!(body(4).body, BALANCES);
    let two = body(2);
    assert_eq!(two.scope, "transactions");
    assert_eq!(two.fetched_at, t("2024-04-02T00:00:00Z"));
    assert_eq!(
        two.window,
        Window::new(
            Some("2024-01-01".parse().unwrap()),
            Some("2024-04-02".parse().unwrap())
        )
    );
    assert_eq!(
        two.rate_limit.as_deref(),
        Some(r#"{"account_success_remaining":"3"}"#)
    );
    let covering = gc
        .latest_covering(
            "acc",
            "transactions",
            &Window::new(Some("2024-02-01".parse().unwrap()), None),
            None,
        )
        .unwrap()
        .unwrap();
    assert_eq!(covering.id, 3);
    assert_eq!(
        gc.latest_response("acc", "balances").unwrap().unwrap().body,
        BALANCES
    );
    assert_eq!(
        gc.budget("acc", "transactions").unwrap(),
        Some(Budget {
            remaining: Some(2),
            limit: Some(4),
            reset_at: Some(t("2024-04-04T00:00:00Z")),
            updated_at: t("2024-04-03T00:00:00Z"),
        })
    );
    assert_eq!(
        gc.summary("acc").unwrap(),
        vec![
            ScopeSummary {
                scope: "balances".to_owned(),
                last_fetch: t("2024-04-03T00:00:00Z"),
                stored: 1,
            },
            ScopeSummary {
                scope: "transactions".to_owned(),
                last_fetch: t("2024-04-03T00:00:00Z"),
                stored: 3,
            },
        ]
    );
    assert_eq!(gc.subjects().unwrap(), ["acc"]);

    // Nothing of it belongs to any other source.
    let other = source(&file, "eb");
    assert_eq!(other.subjects().unwrap(), Vec::<String>::new());
    assert_eq!(other.tokens("sid").unwrap(), None);
    assert_eq!(other.budget("acc", "transactions").unwrap(), None);

    // The migrated records are the new ones: a response repeating t1 adds
    // only t4.
    let t4 = r#"{"transactionId":"t4"}"#;
    let again = format!(r#"{{"transactions":{{"booked":[{R1},{t4}],"pending":[]}}}}"#);
    gc.record_response(&history("acc", &again, t("2024-04-05T00:00:00Z")))
        .unwrap();
    assert_eq!(count(&file, "records"), 4);
    // Pruning reads the migrated skeletons: of the old responses only the
    // newest of each scope stays, with the records it and the new one hold.
    assert_eq!(gc.prune(t("2024-04-04T00:00:00Z")).unwrap(), 3);
    assert_eq!(count(&file, "records"), 2, "t1 and t4");
    assert_eq!(
        gc.latest_response("acc", "transactions")
            .unwrap()
            .unwrap()
            .body,
        again
    );

    file.check_integrity().unwrap();
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let fk_problems: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk_problems, 0);
}

#[test]
fn a_migrated_store_opens_again_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    write_schema_2(&path);
    drop(Store::open(&path).unwrap());
    let file = Store::open(&path).unwrap();
    let gc = gocardless(&file);
    assert_eq!(gc.responses("acc").unwrap().len(), 4);
    assert_eq!(gc.response(3).unwrap().unwrap().body, body_2());
}
