//! Companies, connections, source accounts, push operation listings.

use codat::{
    AccountType, ConnectionRef, Error, NewSourceAccount, SourceAccountStatus, SourceAccountUpdate,
    Subject,
};
use fake_codat::{FakeServer, Options};

use crate::common::*;

#[test]
fn reads_the_company_and_its_connections_across_pages() {
    let server = FakeServer::start(Options {
        connections: 3,
        max_page_size: 2,
        ..Options::default()
    });
    let client = client(&server);
    let company = client.company(&server.company_id()).unwrap();
    assert_eq!(company.id, server.company_id());
    assert_eq!(company.data_connections.len(), 3);

    let connections = client.connections(&server.company_id()).unwrap();
    let ids: Vec<String> = connections.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, server.connection_ids());
    assert_eq!(server.count("GET", "/connections"), 2, "two pages of two");

    let one = client.connection(&feed(&server)).unwrap();
    assert_eq!(one.id, server.connection_id());
    assert_eq!(one.status, codat::ConnectionStatus::Linked);
    assert_eq!(one.platform_name, "Xero");
}

#[test]
fn unknown_ids_are_not_found_with_codats_message() {
    let server = FakeServer::start(Options::default());
    let client = client(&server);
    let e = client
        .company("846ed55c-974b-4392-a1f1-87b6fdbf3c5e")
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert_eq!(
        e.operation().unwrap().subject,
        Some(Subject::Company(
            "846ed55c-974b-4392-a1f1-87b6fdbf3c5e".into()
        ))
    );
    let text = e.to_string();
    assert!(
        text.contains("No company was found with ID 846ed55c"),
        "{text}"
    );
    assert!(text.contains("correlation id"), "{text}");
    assert!(
        text.contains("check the company, connection and source account ids"),
        "{text}"
    );

    let e = client
        .source_accounts(&ConnectionRef::new(
            server.company_id(),
            "a22dd66b-564a-4832-9b37-7b3ce4aeb7de",
        ))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Data connection a22dd66b-564a-4832-9b37-7b3ce4aeb7de not found"),
        "{e}"
    );
    assert_eq!(server.count("GET", ""), 2, "a 404 is not retried");

    let e = client.company(" ").unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    assert_eq!(server.count("GET", ""), 2, "nothing sent for an empty id");
}

#[test]
fn creates_lists_and_updates_source_accounts() {
    let server = FakeServer::start(Options::default());
    let client = client(&server);
    let feed = feed(&server);
    assert!(client.source_accounts(&feed).unwrap().is_empty());

    let mut new = NewSourceAccount::new(
        "acc 1/x",
        "Business current",
        AccountType::CreditCard,
        "****1234",
        "GBP",
        dec("1234567.89"),
    );
    new.sort_code = Some("123456".into());
    let created = client.create_source_account(&feed, &new).unwrap();
    assert_eq!(created.id, "acc 1/x", "the id survives the path encoding");
    assert_eq!(created.status, Some(SourceAccountStatus::Pending));
    assert!(!created.is_connected());
    assert_eq!(created.balance.unwrap().to_string(), "1234567.89");
    assert_eq!(created.account_type, Some(AccountType::CreditCard));

    let listed = client.source_accounts(&feed).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].account_name.as_deref(), Some("Business current"));

    // Pending: the balance may change.
    let update = SourceAccountUpdate {
        balance: Some(dec("0.10")),
        account_name: Some("Renamed".into()),
        ..SourceAccountUpdate::default()
    };
    let updated = client
        .update_source_account(&feed, "acc 1/x", &update)
        .unwrap();
    assert_eq!(updated.balance.unwrap().to_string(), "0.10");
    let held = server.source_account("acc 1/x").unwrap();
    assert_eq!(
        held.balance.to_string(),
        "0.10",
        "sent as a number with its digits"
    );
    assert_eq!(held.account_name, "Renamed");

    // Connected: Codat refuses a new balance.
    assert!(server.connect_source_account("acc 1/x", Some(date(2026, 1, 1))));
    let listed = client.source_accounts(&feed).unwrap();
    assert!(listed[0].is_connected());
    assert_eq!(listed[0].feed_start_date, Some(date(2026, 1, 1)));
    let e = client
        .update_source_account(&feed, "acc 1/x", &update)
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("can only be updated on accounts that are not connected"),
        "{e}"
    );

    let update = SourceAccountUpdate {
        status: Some(SourceAccountStatus::Disconnected),
        ..SourceAccountUpdate::default()
    };
    let done = client
        .update_source_account(&feed, "acc 1/x", &update)
        .unwrap();
    assert_eq!(done.status, Some(SourceAccountStatus::Disconnected));

    let e = client
        .update_source_account(&feed, "nope", &update)
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
}

#[test]
fn a_second_account_with_the_same_id_is_a_conflict() {
    let server = FakeServer::start(Options::default());
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    let again = NewSourceAccount::new("acc-1", "x", AccountType::Savings, "1", "EUR", dec("0"));
    let e = client.create_source_account(&feed, &again).unwrap_err();
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("A bank account already exists with the same Id"),
        "{text}"
    );
    assert!(text.contains("update it instead"), "{text}");
    assert_eq!(
        server.count("POST", "/bankFeedAccounts"),
        2,
        "a conflict is not retried"
    );
}

#[test]
fn an_invalid_account_is_refused_with_its_field_errors() {
    let server = FakeServer::start(Options::default());
    let client = client(&server);
    let bad = NewSourceAccount::new(
        "acc-1",
        "x",
        AccountType::Other("Credit".into()),
        "1",
        "gbp",
        dec("1"),
    );
    let e = client
        .create_source_account(&feed(&server), &bad)
        .unwrap_err();
    let Error::Validation { message, .. } = &e else {
        panic!("{e:?}")
    };
    let fields: Vec<&str> = message
        .validation
        .errors
        .iter()
        .filter_map(|i| i.item_id.as_deref())
        .collect();
    assert_eq!(fields, ["accountType", "currency"]);
    assert!(
        e.to_string().contains("currency must be an ISO 4217 code"),
        "{e}"
    );
}

#[test]
fn lists_push_operations_by_page() {
    let server = connected_server();
    let client = client(&server);
    let feed = feed(&server);
    create_account(&client, &feed, "acc-1");
    for (i, day) in [2, 3].into_iter().enumerate() {
        let b = batch(&format!("b{i}"), date(2026, 11, day), 1, "5.00", "100.00");
        let key = codat::IdempotencyKey::for_batch("acc-1", &b);
        client.push_transactions(&feed, "acc-1", &b, &key).unwrap();
    }
    let page = client.push_operations(&server.company_id(), 1, 1).unwrap();
    assert_eq!(
        (page.results.len(), page.total_results, page.page_number),
        (1, 2, 1)
    );
    assert!(page.has_more());
    let page2 = client.push_operations(&server.company_id(), 2, 1).unwrap();
    assert!(!page2.has_more());
    assert_ne!(
        page.results[0].push_operation_key,
        page2.results[0].push_operation_key
    );
    let all = client
        .push_operations(&server.company_id(), 1, 100)
        .unwrap();
    assert_eq!(all.results.len(), 2);
    assert!(
        all.results
            .iter()
            .all(|o| o.data_type.as_deref() == Some("bankTransactions"))
    );

    let before = server.count("GET", "/push");
    for (p, s) in [(0, 10), (1, 0), (1, 5001)] {
        let e = client
            .push_operations(&server.company_id(), p, s)
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    }
    assert_eq!(server.count("GET", "/push"), before);
}
