//! Pushes, their operations polled to the end, and the rules they meet.

use codat::{
    BankTransaction, Error, IdempotencyKey, MAX_TRANSACTIONS_PER_PUSH, PushStatus, TransactionType,
};
use fake_codat::{FakeServer, Fault, FaultKind, Options};

use crate::common::*;

#[test]
fn a_push_goes_pending_then_success_with_every_digit_kept() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let batch = vec![
        BankTransaction::new(
            "t1",
            date(2026, 11, 2),
            dec("1234567.89"),
            Some(dec("1234667.89")),
        )
        .description("Invoice 17 paid")
        .counterparty("ACME Ltd")
        .reference("INV-17"),
        BankTransaction::new(
            "t2",
            date(2026, 11, 2),
            dec("-0.10"),
            Some(dec("1234667.79")),
        )
        .description("Bank fee"),
    ];
    let key = IdempotencyKey::for_batch("acc-1", &batch);
    let pending = client
        .push_transactions(&feed, "acc-1", &batch, &key)
        .unwrap();
    assert_eq!(pending.status, PushStatus::Pending);
    assert_eq!(pending.status_code, Some(202));
    let echoed = pending.bank_transactions().unwrap().unwrap();
    assert_eq!(
        echoed.transactions, batch,
        "Codat sends the push back, digits and all"
    );

    let done = client
        .wait_for_push(&server.company_id(), &pending.push_operation_key)
        .unwrap();
    assert_eq!(done.status, PushStatus::Success);
    assert!(done.validation.is_empty());
    assert!(done.completed_on_utc.is_some());
    assert_eq!(server.count("GET", "/push/"), 2, "Pending for two polls");

    let stored = server.transactions("acc-1");
    let amounts: Vec<String> = stored.iter().map(|t| t.amount.to_string()).collect();
    assert_eq!(amounts, ["1234567.89", "-0.10"]);
    assert_eq!(stored[0].counterparty.as_deref(), Some("ACME Ltd"));
    assert_eq!(stored[0].reference.as_deref(), Some("INV-17"));
    assert_eq!(stored[1].transaction_type.as_deref(), Some("Debit"));
    assert_eq!(
        stored[1].date,
        date(2026, 11, 2).and_hms_opt(0, 0, 0).unwrap()
    );
    // The last transaction's balance becomes the account's.
    assert_eq!(
        server.source_account("acc-1").unwrap().balance.to_string(),
        "1234667.79"
    );
    // The key went with the push.
    let posts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/bankTransactions"))
        .collect();
    assert_eq!(posts[0].idempotency_key.as_deref(), Some(key.as_str()));
}

#[test]
fn a_failed_push_names_each_offending_transaction_and_stores_nothing() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let first = batch("old", date(2026, 11, 10), 1, "10.00", "100.00");
    let op = client
        .push_transactions(
            &feed,
            "acc-1",
            &first,
            &IdempotencyKey::for_batch("acc-1", &first),
        )
        .unwrap();
    assert_eq!(
        client
            .wait_for_push(&server.company_id(), &op.push_operation_key)
            .unwrap()
            .status,
        PushStatus::Success
    );

    // Today is 2026-11-20 on the fake clock.
    let bad = vec![
        BankTransaction::new("old-0", date(2026, 11, 10), dec("1"), Some(dec("111")))
            .description("dup"),
        BankTransaction::new("backdated", date(2026, 11, 11), dec("1"), Some(dec("112")))
            .description("ok so far"),
        BankTransaction::new("no-text", date(2026, 11, 12), dec("1"), Some(dec("113"))),
        BankTransaction::new("no-balance", date(2026, 11, 13), dec("1"), None).description("x"),
        BankTransaction::new("future", date(2026, 11, 21), dec("1"), Some(dec("114")))
            .description("tomorrow"),
        BankTransaction::new("tx-1", date(2026, 11, 21), dec("1"), Some(dec("115")))
            .description("fine"),
        BankTransaction::new("tx-10", date(2026, 11, 21), dec("1"), Some(dec("116")))
            .description("tomorrow too"),
    ];
    let key = IdempotencyKey::for_batch("acc-1", &bad);
    let op = client
        .push_transactions(&feed, "acc-1", &bad, &key)
        .unwrap();
    let done = client
        .wait_for_push(&server.company_id(), &op.push_operation_key)
        .unwrap();
    assert_eq!(done.status, PushStatus::Failed);
    assert!(
        done.error_message
            .as_deref()
            .unwrap()
            .contains("see validation")
    );
    let rejected: Vec<(Option<String>, String)> = done
        .rejections(&bad)
        .into_iter()
        .map(|r| (r.transaction_id, r.item.message.unwrap_or_default()))
        .collect();
    let ids: Vec<&str> = rejected
        .iter()
        .map(|(id, _)| id.as_deref().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["old-0", "no-text", "no-balance", "future", "tx-1", "tx-10"]
    );
    assert!(
        rejected[0].1.contains("already been pushed"),
        "{rejected:?}"
    );
    assert!(rejected[1].1.contains("empty description"), "{rejected:?}");
    assert!(rejected[2].1.contains("no balance"), "{rejected:?}");
    assert!(rejected[3].1.contains("in the future"), "{rejected:?}");
    assert_eq!(
        server.transactions("acc-1").len(),
        1,
        "a failed push stores nothing"
    );
    assert_eq!(
        server.source_account("acc-1").unwrap().balance.to_string(),
        "110.00"
    );

    // Before the newest transaction on the account, or more than a year old.
    let late = vec![
        BankTransaction::new("y", date(2025, 11, 19), dec("1"), Some(dec("1")))
            .description("a year and a day"),
        BankTransaction::new("z", date(2026, 11, 9), dec("1"), Some(dec("2")))
            .description("before the newest"),
    ];
    let op = client
        .push_transactions(
            &feed,
            "acc-1",
            &late,
            &IdempotencyKey::for_batch("acc-1", &late),
        )
        .unwrap();
    let done = client
        .wait_for_push(&server.company_id(), &op.push_operation_key)
        .unwrap();
    let r = done.rejections(&late);
    assert_eq!(
        r.iter()
            .map(|r| r.transaction_id.clone().unwrap())
            .collect::<Vec<_>>(),
        ["y", "y", "z"]
    );
    assert!(
        r[0].item
            .message
            .as_deref()
            .unwrap()
            .contains("more than a year ago")
    );
    assert!(
        r[2].item
            .message
            .as_deref()
            .unwrap()
            .contains("before the most recent transaction")
    );
}

#[test]
fn rejections_fall_back_to_the_id_a_message_quotes() {
    let op: codat::PushOperation = serde_json::from_str(
        r#"{"pushOperationKey": "k", "companyId": "c", "status": "Failed", "validation": {"errors": [
            {"itemId": "BankTransactions", "message": "Transaction tx-10 is dated after today"},
            {"message": "tx-1 has no description"},
            {"itemId": "Account", "message": "The account is closed"}]}}"#,
    )
    .unwrap();
    let batch = batch("tx", date(2026, 1, 1), 11, "1", "0");
    let ids: Vec<Option<String>> = op
        .rejections(&batch)
        .into_iter()
        .map(|r| r.transaction_id)
        .collect();
    assert_eq!(ids, [Some("tx-10".into()), Some("tx-1".into()), None]);
}

#[test]
fn a_push_to_an_account_not_yet_connected_fails_as_a_whole() {
    let server = FakeServer::start(Options::default());
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let b = batch("t", date(2026, 11, 1), 2, "1.00", "100.00");
    let op = client
        .push_transactions(&feed, "acc-1", &b, &IdempotencyKey::for_batch("acc-1", &b))
        .unwrap();
    let done = client
        .wait_for_push(&server.company_id(), &op.push_operation_key)
        .unwrap();
    assert_eq!(done.status, PushStatus::Failed);
    let r = done.rejections(&b);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].transaction_id, None);
    assert!(
        r[0].item.to_string().contains("is pending"),
        "{}",
        r[0].item
    );
    assert!(server.transactions("acc-1").is_empty());
}

#[test]
fn warnings_do_not_fail_a_push() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let mut t = BankTransaction::new("t", date(2026, 11, 1), dec("-5"), Some(dec("95")))
        .description("refund?");
    t.transaction_type = Some(TransactionType::Credit);
    let b = [t];
    let op = client
        .push_transactions(&feed, "acc-1", &b, &IdempotencyKey::for_batch("acc-1", &b))
        .unwrap();
    let done = client
        .wait_for_push(&server.company_id(), &op.push_operation_key)
        .unwrap();
    assert_eq!(done.status, PushStatus::Success);
    assert_eq!(done.validation.warnings.len(), 1);
    assert!(done.rejections(&b).is_empty());
}

#[test]
fn the_client_refuses_a_batch_codat_would_refuse_before_sending_it() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let too_many = batch(
        "t",
        date(2026, 11, 1),
        MAX_TRANSACTIONS_PER_PUSH + 1,
        "0.01",
        "0",
    );
    let mut duplicate = batch("t", date(2026, 11, 1), 2, "1", "0");
    duplicate[1].id = duplicate[0].id.clone();
    let mut unordered = batch("t", date(2026, 11, 1), 2, "1", "0");
    unordered.reverse();
    let mut blank = batch("t", date(2026, 11, 1), 1, "1", "0");
    blank[0].id = " ".into();
    for (b, says) in [
        (&too_many[..], "at most 1000"),
        (&duplicate[..], "twice"),
        (&unordered[..], "push oldest first"),
        (&blank[..], "empty id"),
        (&[][..], "no transactions"),
    ] {
        let e = client
            .push_transactions(&feed, "acc-1", b, &IdempotencyKey::for_batch("acc-1", b))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        assert!(e.to_string().contains(says), "{e}");
    }
    assert_eq!(
        server.count("POST", "/bankTransactions"),
        0,
        "nothing was sent"
    );

    // Exactly the limit is fine, on one day.
    let mut full: Vec<BankTransaction> = batch(
        "t",
        date(2026, 11, 1),
        MAX_TRANSACTIONS_PER_PUSH,
        "0.01",
        "0",
    );
    for t in &mut full {
        t.date = date(2026, 11, 1).and_hms_opt(0, 0, 0).unwrap();
    }
    let op = client
        .push_transactions(
            &feed,
            "acc-1",
            &full,
            &IdempotencyKey::for_batch("acc-1", &full),
        )
        .unwrap();
    assert_eq!(
        client
            .wait_for_push(&server.company_id(), &op.push_operation_key)
            .unwrap()
            .status,
        PushStatus::Success
    );
    assert_eq!(
        server.transactions("acc-1").len(),
        MAX_TRANSACTIONS_PER_PUSH
    );
    assert_eq!(
        server.source_account("acc-1").unwrap().balance.to_string(),
        "10.00"
    );
}

#[test]
fn polling_is_bounded() {
    let server = FakeServer::start(Options {
        connect_new_accounts: true,
        polls_to_complete: 50,
        ..Options::default()
    });
    let client = codat::Client::builder(codat::Secret::new(server.api_key()))
        .base_url(&server.base_url())
        .poll(quick_poll(3))
        .build()
        .unwrap();
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let b = batch("t", date(2026, 11, 1), 1, "1", "0");
    let op = client
        .push_transactions(&feed, "acc-1", &b, &IdempotencyKey::for_batch("acc-1", &b))
        .unwrap();
    let e = client
        .wait_for_push(&server.company_id(), &op.push_operation_key)
        .unwrap_err();
    let Error::PushNotFinished {
        polls, status, key, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (*polls, status, key),
        (3, &PushStatus::Pending, &op.push_operation_key)
    );
    assert!(e.is_transient());
    assert!(e.to_string().contains("ask for push operation"), "{e}");
    assert_eq!(server.count("GET", "/push/"), 3);
}

#[test]
fn a_timed_out_push_is_reported_as_such() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    server.inject(Fault::next("/bankTransactions", 1, FaultKind::PushTimesOut));
    let b = batch("t", date(2026, 11, 1), 1, "1", "0");
    let op = client
        .push_transactions(&feed, "acc-1", &b, &IdempotencyKey::for_batch("acc-1", &b))
        .unwrap();
    let done = client
        .wait_for_push(&server.company_id(), &op.push_operation_key)
        .unwrap();
    assert_eq!(done.status, PushStatus::TimedOut);
    assert!(server.transactions("acc-1").is_empty());
}

#[test]
fn the_same_key_and_batch_push_once_and_another_batch_under_it_is_refused() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let b = batch("t", date(2026, 11, 1), 3, "2.50", "100");
    let key = IdempotencyKey::for_batch("acc-1", &b);
    let first = client.push_transactions(&feed, "acc-1", &b, &key).unwrap();
    let again = client.push_transactions(&feed, "acc-1", &b, &key).unwrap();
    assert_eq!(first.push_operation_key, again.push_operation_key);
    assert_eq!(server.push_operation_count(), 1);
    assert_eq!(server.transactions("acc-1").len(), 3);

    let other = batch("u", date(2026, 11, 5), 1, "1", "107.50");
    let e = client
        .push_transactions(&feed, "acc-1", &other, &key)
        .unwrap_err();
    assert!(matches!(e, Error::IdempotencyKeyReused { .. }), "{e:?}");
    assert!(e.to_string().contains(key.as_str()), "{e}");
    assert_eq!(
        server.count("POST", "/bankTransactions"),
        3,
        "a 422 is not retried"
    );

    // After Codat's 90 minutes the key is forgotten: the store must
    // remember what was pushed, not the key.
    server.advance(chrono::Duration::minutes(91));
    let late = client.push_transactions(&feed, "acc-1", &b, &key).unwrap();
    assert_ne!(late.push_operation_key, first.push_operation_key);
    let done = client
        .wait_for_push(&server.company_id(), &late.push_operation_key)
        .unwrap();
    assert_eq!(
        done.status,
        PushStatus::Failed,
        "the fake refuses the duplicate ids"
    );
}
