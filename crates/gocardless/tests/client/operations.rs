//! Every operation of the client, through real HTTP against the fake server.

use crate::common::Fake;
use chrono::{Duration, NaiveDate};
use fake_gocardless::{HeaderStyle, Options, Scope};
use gocardless::model::{
    EndUserAgreementRequest, InstitutionFilter, RequisitionRequest, RequisitionStatus,
};
use gocardless::{Error, TransactionsResponse};

#[test]
fn account_reads_return_values_bodies_and_rate_limits() {
    let fake = Fake::default();
    let client = fake.client();
    let id = fake.account(0);

    let meta = client.account_metadata(&id).unwrap();
    assert_eq!(meta.value.id, id);
    assert!(meta.value.iban.is_some());
    assert_eq!(meta.fetched_at, fake.clock.now_utc());

    let details = client.account_details(&id).unwrap();
    assert!(details.value.account.currency.is_some());
    assert_eq!(details.rate_limit.account_success_limit, Some(4));
    assert_eq!(details.rate_limit.account_success_remaining, Some(3));
    assert!(details.rate_limit.account_success_reset.unwrap() > 0);
    assert!(details.rate_limit.limit.is_some());

    let balances = client.account_balances(&id).unwrap();
    assert!(!balances.value.balances.is_empty());
    // The body is the JSON as received.
    let reparsed: serde_json::Value = serde_json::from_str(&balances.body).unwrap();
    assert!(reparsed["balances"].is_array());

    let all = client.account_transactions(&id, None, None).unwrap();
    let booked = &all.value.transactions.booked;
    assert!(!booked.is_empty());
    assert_eq!(all.rate_limit.account_success_remaining, Some(3));
    let again: TransactionsResponse = serde_json::from_str(&all.body).unwrap();
    assert_eq!(again.transactions.booked.len(), booked.len());
}

trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc>;
}
impl NowUtc for gocardless::ManualClock {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        gocardless::Clock::now(self)
    }
}

#[test]
fn transactions_honour_the_date_window() {
    let fake = Fake::default();
    let client = fake.client();
    let id = fake.account(0);
    let today = fake.server.now().date_naive();
    let from = today - Duration::days(10);
    let window = client
        .account_transactions(&id, Some(from), Some(today))
        .unwrap();
    let q = fake.server.requests().last().unwrap().query.clone();
    assert!(q.contains(&format!("date_from={from}")), "{q}");
    assert!(q.contains(&format!("date_to={today}")), "{q}");
    for r in &window.value.transactions.booked {
        let t = r.parse().unwrap();
        let dates = [t.booking_date, t.value_date];
        assert!(
            dates.iter().flatten().any(|d| *d >= from && *d <= today),
            "{} outside the window",
            r.json()
        );
    }
    let all = client.account_transactions(&id, None, None).unwrap();
    assert!(window.value.transactions.booked.len() < all.value.transactions.booked.len());
}

#[test]
fn transactions_follow_next_links_to_the_end() {
    let whole = Fake::start(Options {
        accounts: 1,
        ..Options::default()
    });
    let expected = whole
        .client()
        .account_transactions(&whole.account(0), None, None)
        .unwrap();

    let paged = Fake::start(Options {
        accounts: 1,
        page_size: Some(10),
        ..Options::default()
    });
    let got = paged
        .client()
        .account_transactions(&paged.account(0), None, None)
        .unwrap();
    let n = expected.value.transactions.booked.len();
    assert!(n > 20, "enough transactions for several pages");
    assert_eq!(got.value.transactions.booked.len(), n);
    assert_eq!(
        got.value.transactions.pending.len(),
        expected.value.transactions.pending.len()
    );
    assert!(got.value.transactions.next.is_none());
    let pages = paged.count("GET", "/api/v2/accounts/");
    assert_eq!(pages, n.div_ceil(10), "one request per page");
    // The merged body is what the value says.
    let merged: TransactionsResponse = serde_json::from_str(&got.body).unwrap();
    assert_eq!(merged.transactions.booked.len(), n);
    let ids = |r: &TransactionsResponse| -> Vec<String> {
        r.transactions
            .booked
            .iter()
            .map(|t| t.json().to_owned())
            .collect()
    };
    assert_eq!(ids(&merged), ids(&expected.value));
}

#[test]
fn dashed_rate_limit_headers_are_read_too() {
    let fake = Fake::start(Options {
        header_style: HeaderStyle::Dashed,
        ..Options::default()
    });
    let b = fake.client().account_balances(&fake.account(0)).unwrap();
    assert_eq!(b.rate_limit.account_success_limit, Some(4));
    assert_eq!(b.rate_limit.account_success_remaining, Some(3));
    assert!(b.rate_limit.remaining.is_some());
}

#[test]
fn institutions_list_filter_and_get() {
    let fake = Fake::default();
    let client = fake.client();
    let all = client.institutions(&InstitutionFilter::default()).unwrap();
    assert!(!all.value.is_empty());
    let filter = InstitutionFilter {
        country: Some("GB".into()),
        card_accounts_supported: Some(true),
        ..Default::default()
    };
    let _ = client.institutions(&filter).unwrap();
    let q = fake.server.requests().last().unwrap().query.clone();
    assert!(
        q.contains("country=GB") && q.contains("card_accounts_supported=true"),
        "{q}"
    );
    let one = client.institution(&fake.server.institution_id()).unwrap();
    assert_eq!(one.value.id, fake.server.institution_id());
    let e = client.institution("NO_SUCH_BANK").unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
}

#[test]
fn agreement_lifecycle() {
    let fake = Fake::default();
    let client = fake.client();
    let inst = fake.server.institution_id();
    let req = EndUserAgreementRequest {
        max_historical_days: Some(30),
        access_valid_for_days: Some(60),
        ..EndUserAgreementRequest::new(inst.clone())
    };
    let created = client.create_agreement(&req).unwrap();
    assert!(!created.id.is_empty());
    assert_eq!(created.institution_id, inst);
    assert_eq!(created.max_historical_days, Some(30));
    assert!(created.accepted.is_none());

    let got = client.agreement(&created.id).unwrap();
    assert_eq!(got.id, created.id);
    let page = client.agreements(100, 0).unwrap();
    assert!(page.results.iter().any(|a| a.id == created.id));
    assert!(page.count >= 1);

    let accepted = client
        .accept_agreement(&created.id, "Mozilla/5.0", "127.0.0.1")
        .unwrap();
    assert!(accepted.accepted.is_some());

    // Accepting twice is refused (405).
    let e = client
        .accept_agreement(&created.id, "Mozilla/5.0", "127.0.0.1")
        .unwrap_err();
    assert!(matches!(e, Error::Http { .. }), "{e:?}");
    assert_eq!(e.status(), Some(405));
    // No reconfirmation for an agreement created without it.
    let e = client.create_reconfirmation(&created.id, None).unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");

    let with = client
        .create_agreement(&EndUserAgreementRequest {
            reconfirmation: Some(true),
            access_valid_for_days: Some(180),
            ..EndUserAgreementRequest::new(inst.clone())
        })
        .unwrap();
    client
        .accept_agreement(&with.id, "Mozilla/5.0", "127.0.0.1")
        .unwrap();
    let r = client
        .create_reconfirmation(&with.id, Some("http://localhost/back"))
        .unwrap();
    assert!(r.reconfirmation_url.is_some());
    assert!(r.url_valid_to.is_some());
    let again = client.reconfirmation(&with.id).unwrap();
    assert_eq!(again.reconfirmation_url, r.reconfirmation_url);

    let deleted = client.delete_agreement(&created.id).unwrap();
    assert!(deleted.summary.is_some());
    let e = client.agreement(&created.id).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert_eq!(fake.token_new(), 1, "one token for the whole session");
}

#[test]
fn requisition_lifecycle_and_linked_accounts() {
    let fake = Fake::default();
    let client = fake.client();
    let inst = fake.server.institution_id();
    let mut req = RequisitionRequest::new(inst.clone(), "http://localhost/callback");
    req.reference = Some("ref-1".into());
    let created = client.create_requisition(&req).unwrap();
    assert_eq!(created.status, Some(RequisitionStatus::Created));
    assert!(created.link.is_some());
    assert!(created.accounts.is_empty());

    let linked_ids = fake.server.link_requisition(&created.id);
    let got = client.requisition(&created.id).unwrap();
    assert!(got.status.as_ref().unwrap().is_linked());
    assert_eq!(got.accounts, linked_ids);

    let all = client.requisitions().unwrap();
    assert!(all.iter().any(|r| r.id == created.id));
    assert!(all.iter().any(|r| r.id == fake.server.requisition_id()));

    let accounts = client.linked_accounts().unwrap();
    let mut expected = fake.server.account_ids();
    expected.extend(linked_ids.iter().cloned());
    expected.sort();
    let mut ids: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
    ids.sort();
    assert_eq!(ids, expected);
    let one = accounts
        .iter()
        .find(|a| a.account_id == linked_ids[0])
        .unwrap();
    assert_eq!(one.requisition_id, created.id);
    assert_eq!(one.institution_id, inst);
    assert_eq!(one.reference.as_deref(), Some("ref-1"));
    assert_eq!(one.requisition_status, Some(RequisitionStatus::Linked));

    client.delete_requisition(&created.id).unwrap();
    let e = client.requisition(&created.id).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
}

#[test]
fn requisitions_are_read_across_pages() {
    let fake = Fake::default();
    let client = fake.client();
    let inst = fake.server.institution_id();
    for i in 0..(gocardless::REQUISITION_PAGE_SIZE as usize + 5) {
        let mut req = RequisitionRequest::new(inst.clone(), "http://localhost/cb");
        req.reference = Some(format!("r{i}"));
        client.create_requisition(&req).unwrap();
    }
    let before = fake.count("GET", "/api/v2/requisitions/");
    let all = client.requisitions().unwrap();
    assert_eq!(all.len(), gocardless::REQUISITION_PAGE_SIZE as usize + 6);
    assert_eq!(fake.count("GET", "/api/v2/requisitions/") - before, 2);
    let page = client.requisitions_page(2, 1).unwrap();
    assert_eq!(page.results.len(), 2);
    assert_eq!(page.results[0].id, all[1].id);
}

#[test]
fn blank_ids_are_refused_before_sending() {
    let fake = Fake::default();
    let e = fake.client().account_balances("  ").unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    assert_eq!(fake.server.requests().len(), 0);
    // Padded ids are trimmed; odd characters are escaped, not injected.
    let id = fake.account(0);
    fake.client().account_metadata(&format!(" {id} ")).unwrap();
    let e = fake
        .client()
        .account_metadata("../requisitions")
        .unwrap_err();
    assert!(!matches!(e, Error::InvalidArgument { .. }));
    let last = fake.server.requests().last().unwrap().path.clone();
    assert!(last.starts_with("/api/v2/accounts/"), "{last}");
}

#[test]
fn budget_exhausted_is_a_daily_limit_and_not_retried() {
    let fake = Fake::default();
    let client = fake.client();
    let id = fake.account(0);
    fake.server.set_remaining(&id, Scope::Balances, 0);
    let e = client.account_balances(&id).unwrap_err();
    assert!(e.is_daily_limit(), "{e:?}");
    assert_eq!(e.account_id(), Some(id.as_str()));
    assert!(e.retry_after().is_some());
    assert_eq!(e.rate_limit().unwrap().account_success_remaining, Some(0));
    assert_eq!(
        fake.count("GET", &format!("/api/v2/accounts/{id}/balances/")),
        1
    );
    // Other scopes have their own budget.
    client.account_details(&id).unwrap();
    // Tomorrow the budget is back.
    fake.advance(Duration::days(1));
    client.account_balances(&id).unwrap();
    let _ = NaiveDate::MIN;
}
