//! Every operation through the link flow, sessions and data.

use chrono::{Days, Duration};
use enablebanking::{
    BalanceType, CashAccountType, CreditDebit, Environment, PsuType, SessionStatus,
    TransactionStatus,
};

use crate::common::{Fake, REDIRECT, follow};

#[test]
fn application_and_banks() {
    let fake = Fake::default();
    let client = fake.client();
    let app = client.application().unwrap();
    assert_eq!(app.kid, fake.server.application_id());
    assert!(app.active);
    assert_eq!(app.environment, Some(Environment::Production));
    assert!(app.allows_redirect(REDIRECT));
    assert!(!app.allows_redirect("http://127.0.0.1:9/other"));

    let fi = client.aspsps(Some("fi")).unwrap();
    assert!(fi.iter().all(|b| b.country == "FI"));
    let nordea = fi.iter().find(|b| b.name == "Nordea").unwrap();
    assert_eq!(nordea.max_consent().unwrap().as_secs(), 15_552_000);
    assert!(nordea.serves(&PsuType::Personal));
    let aktia = fi.iter().find(|b| b.name == "Aktia").unwrap();
    assert!(!aktia.serves(&PsuType::Personal));
    assert!(client.aspsps(None).unwrap().len() > fi.len());
    assert!(client.aspsps(Some("Finland")).is_err());
    // The bad country was refused before sending.
    assert_eq!(fake.count("GET", "/aspsps"), 2);
}

#[test]
fn link_read_and_close_a_session() {
    let fake = Fake::default();
    let client = fake.client();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    assert_eq!(session.aspsp.name, "Nordea");
    assert_eq!(session.accounts.len(), 2);
    let valid_until = session.access.valid_until.unwrap();
    assert_eq!(
        valid_until.timestamp(),
        (fake.server.now() + Duration::days(90)).timestamp()
    );
    let current = &session.accounts[0];
    assert!(current.iban().unwrap().starts_with("FI"));
    assert_eq!(current.cash_account_type, Some(CashAccountType::Current));
    let card = &session.accounts[1];
    assert_eq!(card.cash_account_type, Some(CashAccountType::Card));
    assert!(card.iban().is_none());
    assert_eq!(
        card.account_id.as_ref().unwrap().number().unwrap().len(),
        16
    );

    let info = client.session(&session.session_id).unwrap();
    assert!(info.status.is_authorized());
    assert_eq!(info.accounts_data.len(), 2);
    for (a, d) in session.accounts.iter().zip(&info.accounts_data) {
        assert_eq!(a.uid.as_ref(), Some(&d.uid));
        assert_eq!(a.identification_hash, d.identification_hash);
    }

    let uid = current.uid.clone().unwrap();
    let details = client.account_details(&uid).unwrap();
    assert_eq!(details.identification_hash, current.identification_hash);

    let balances = client.account_balances(&uid).unwrap();
    let kinds: Vec<_> = balances.iter().map(|b| b.balance_type.clone()).collect();
    assert_eq!(
        kinds,
        [
            BalanceType::ClosingBooked,
            BalanceType::InterimBooked,
            BalanceType::InterimAvailable
        ]
    );
    assert_eq!(
        balances[0].reference_date,
        Some(fake.today() - Days::new(1))
    );
    assert!(balances[0].balance_type.is_booked());

    let txs = client.transactions(&uid, fake.earliest(), None).unwrap();
    assert!(txs.is_complete());
    assert_eq!(txs.date_from, fake.earliest());
    assert!(txs.pages > 1, "{} pages", txs.pages);
    assert_eq!(
        fake.count("GET", &format!("/accounts/{uid}/transactions")),
        txs.pages as usize
    );
    let parsed: Vec<_> = txs.records.iter().map(|r| r.parse().unwrap()).collect();
    assert!(parsed.iter().any(|t| t.status == TransactionStatus::Booked));
    for t in &parsed {
        let dbit = t.credit_debit_indicator == Some(CreditDebit::Debit);
        assert_eq!(t.signed_amount().is_sign_negative(), dbit, "{t:?}");
        let day = t.booking_date.or(t.transaction_date).unwrap();
        assert!(day >= fake.earliest() && day <= fake.today());
        assert!(t.entry_reference.is_some());
    }
    // The booked balance is what the booked transactions add up to.
    let itbd = balances[1].balance_amount.amount;
    let clbd = balances[0].balance_amount.amount;
    let booked_today: rust_decimal::Decimal = parsed
        .iter()
        .filter(|t| t.status.is_booked() && t.booking_date == Some(fake.today()))
        .map(|t| t.signed_amount())
        .sum();
    assert_eq!(clbd + booked_today, itbd);

    client.delete_session(&session.session_id).unwrap();
    assert_eq!(
        client.session(&session.session_id).unwrap().status,
        SessionStatus::Closed
    );
    let e = client.account_balances(&uid).unwrap_err();
    assert!(e.is_session_ended(), "{e}");
    assert!(e.to_string().contains("link the bank again"), "{e}");
}

#[test]
fn a_new_session_gives_new_uids_and_the_same_hashes() {
    let fake = Fake::default();
    let client = fake.client();
    let first = fake.link(&client, "S-Pankki", Duration::days(90));
    let second = fake.link(&client, "S-Pankki", Duration::days(90));
    assert_ne!(first.session_id, second.session_id);
    for (a, b) in first.accounts.iter().zip(&second.accounts) {
        assert_ne!(a.uid, b.uid);
        assert_eq!(a.identification_hash, b.identification_hash);
        assert!(
            a.identification_hash
                .as_ref()
                .unwrap()
                .as_str()
                .contains('=')
        );
    }
    // Both sessions read, each through its own uids.
    for s in [&first, &second] {
        client
            .account_balances(s.accounts[0].uid.as_ref().unwrap())
            .unwrap();
    }
}

#[test]
fn pending_transactions_book_the_next_day_under_new_references() {
    let fake = Fake::default();
    let client = fake.client();
    let session = fake.link(&client, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let today = fake.today();
    let parse = |txs: &enablebanking::Transactions| -> Vec<enablebanking::Transaction> {
        txs.records.iter().map(|r| r.parse().unwrap()).collect()
    };
    // Find a day with pending transactions.
    let mut pending = Vec::new();
    for _ in 0..10 {
        let txs = client
            .transactions(&uid, fake.today() - Days::new(3), None)
            .unwrap();
        pending = parse(&txs)
            .into_iter()
            .filter(|t| t.status.is_pending())
            .collect();
        if !pending.is_empty() {
            break;
        }
        fake.advance(Duration::days(1));
    }
    assert!(
        !pending.is_empty(),
        "no pending transaction in 10 days from {today}"
    );
    let day = fake.today();
    for t in &pending {
        assert_eq!(t.transaction_date, Some(day));
        assert!(t.booking_date.is_none());
    }
    fake.advance(Duration::days(1));
    let after = parse(&client.transactions(&uid, day, None).unwrap());
    let refs: Vec<_> = after
        .iter()
        .filter_map(|t| t.entry_reference.clone())
        .collect();
    for t in &pending {
        assert!(
            !refs.contains(t.entry_reference.as_ref().unwrap()),
            "still there: {t:?}"
        );
    }
    let booked: Vec<_> = after
        .iter()
        .filter(|t| t.status.is_booked() && t.transaction_date == Some(day))
        .collect();
    assert_eq!(booked.len(), pending.len());
    assert!(
        booked
            .iter()
            .all(|t| t.booking_date == Some(day + Days::new(1)))
    );
}

#[test]
fn psu_headers_only_when_a_person_is_present() {
    let fake = Fake::default();
    let unattended = fake.client();
    let session = fake.link(&unattended, "Nordea", Duration::days(90));
    let uid = session.accounts[0].uid.clone().unwrap();
    let hash = session.accounts[0].identification_hash.clone().unwrap();
    unattended.account_balances(&uid).unwrap();
    assert!(fake.server.requests().iter().all(|r| !r.psu_headers));
    assert_eq!(
        fake.server
            .remaining(hash.as_str(), fake_enablebanking::Scope::Balances),
        3
    );

    let present = fake
        .builder()
        .psu_present(enablebanking::PsuHeaders {
            ip_address: "192.0.2.10".into(),
            user_agent: "gc-beancount test".into(),
        })
        .build()
        .unwrap();
    fake.server.reset_counters();
    for _ in 0..6 {
        present.account_balances(&uid).unwrap();
    }
    present.application().unwrap();
    let log = fake.server.requests();
    assert!(
        log.iter()
            .filter(|r| r.path.contains("/accounts/"))
            .all(|r| r.psu_headers)
    );
    assert!(
        log.iter()
            .filter(|r| r.path == "/application")
            .all(|r| !r.psu_headers)
    );
    // Reads with the person present do not spend the unattended budget.
    assert_eq!(
        fake.server
            .remaining(hash.as_str(), fake_enablebanking::Scope::Balances),
        3
    );
}

#[test]
fn a_denied_authorisation_redirects_without_a_code() {
    let fake = Fake::default();
    let client = fake.client();
    fake.server.deny_authorizations(true);
    let start = client
        .start_authorization(&fake.auth_request("Nordea", "FI", Duration::days(1)))
        .unwrap();
    let (code, state) = follow(start.url.as_str());
    assert_eq!(code, None);
    assert_eq!(state, "state-1234");
}

#[test]
fn jwts_are_cached_and_renewed_before_they_expire() {
    let fake = Fake::default();
    let client = fake
        .builder()
        .jwt_lifetime(std::time::Duration::from_secs(600))
        .build()
        .unwrap();
    for _ in 0..5 {
        client.application().unwrap();
        fake.advance(Duration::minutes(4));
    }
    // Not one JWT was refused as expired: each was renewed in time.
    assert!(fake.server.requests().iter().all(|r| r.status == 200));
    assert_eq!(fake.count("GET", "/application"), 5);
}

#[test]
fn unusable_configurations_are_refused() {
    let fake = Fake::default();
    for (builder, words) in [
        (
            fake.builder()
                .jwt_lifetime(std::time::Duration::from_secs(86_401)),
            "JWT lifetime",
        ),
        (
            fake.builder().base_url("http://api.example.com"),
            "plain http",
        ),
        (
            fake.builder().base_url("https://u:p@api.example.com"),
            "user name or password",
        ),
        (
            enablebanking::Client::builder("  ", fake.key()).base_url(&fake.server.base_url()),
            "application id",
        ),
    ] {
        let e = builder.build().unwrap_err();
        assert!(
            matches!(e, enablebanking::Error::InvalidConfig { .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains(words), "{e}");
        assert!(!e.to_string().contains("u:p@"), "{e}");
    }
    assert_eq!(fake.server.requests().len(), 0);
}
