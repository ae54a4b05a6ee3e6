//! Daily imports: every bank transaction in the ledger exactly once, over
//! pending transactions that book under a new reference, and over a new
//! consent.

use std::collections::{HashMap, HashSet};

use enablebanking::TransactionStatus;
use fake_enablebanking::Options;
use importer::dedup::MatchKind;
use importer::entry::Entry;

use super::{NORDEA, Outcome, User, ids_in};

/// The fake with pending card purchases booking at the amount they were
/// pending with (amount changes are their own test).
fn steady() -> Options {
    Options {
        pending_amount_changes: false,
        ..Options::default()
    }
}

/// Every bank reference appears once per account in the ledger.
fn assert_no_id_twice(user: &User) {
    let ledger = user.read_ledger();
    for a in &NORDEA {
        let mut seen = HashSet::new();
        for (id, _) in ids_in(&ledger, a.beancount) {
            assert!(seen.insert(id.clone()), "{id} twice on {}", a.beancount);
        }
    }
}

fn new_entries(o: &Outcome) -> usize {
    o.imported.summaries.iter().map(|s| s.new).sum()
}

#[test]
fn daily_imports_hold_every_transaction_exactly_once() {
    let user = User::start(steady(), "ITBD");

    // Day 1: the bank's whole window (90 days; the 91st asked for is
    // refused and the client asks again from the day the bank names).
    let first = user.import();
    let text = &first.imported.text();
    assert!(first.imported.duplicates.is_empty());
    for (s, a) in first.imported.summaries.iter().zip(&NORDEA) {
        assert_eq!(s.account, a.beancount);
        assert!(s.new > 20, "{s}");
    }
    assert!(first.imported.summaries.iter().any(|s| s.pending > 0));
    assert!(first.left_out.iter().all(Vec::is_empty));
    assert!(text.contains("enablebanking_id: \""), "{text}");
    // A purchase abroad: its original amount, priced at what left the account.
    assert!(text.contains(" USD @@ "), "{text}");
    // Payees by direction: the merchant of a card purchase, the payer of a
    // transfer in; narration without SEPA prefixes.
    assert!(text.contains("\"K-Market Kamppi\"") || text.contains("\"Alepa Hakaniemi\""));
    assert!(
        text.contains("\"Kim Virtanen\" \"Gift for Alex\""),
        "{text}"
    );
    assert!(
        text.contains("\"Pohjola Vakuutus Oy\" \"Insurance premium\""),
        "{text}"
    );
    assert!(!text.contains("EREF+") && !text.contains("SVWZ+"), "{text}");
    // The balance is asserted where the entries are dated as the bank
    // books them (the card's are dated by their purchase).
    for a in NORDEA.iter().filter(|a| !a.extra.contains("transaction")) {
        assert!(
            text.contains(&format!(" balance {}", a.beancount)),
            "{text}"
        );
    }

    // Every record the bank lists is in the ledger under its reference.
    let ledger = user.read_ledger();
    for (i, a) in NORDEA.iter().enumerate() {
        let txs = user
            .client
            .transactions(&user.uid(i), user.today() - chrono::Days::new(89), None)
            .unwrap();
        let in_ledger: HashMap<String, char> = ids_in(&ledger, a.beancount).into_iter().collect();
        assert_eq!(in_ledger.len(), txs.records.len(), "{}", a.beancount);
        for r in &txs.records {
            let t = r.parse().unwrap();
            let flag = in_ledger[t.entry_reference.as_deref().unwrap()];
            assert_eq!(flag == '!', t.status == TransactionStatus::Pending);
        }
    }
    assert_no_id_twice(&user);

    // The same day again: nothing printed.
    let again = user.import();
    assert_eq!(again.imported.text(), "");
    assert_eq!(new_entries(&again), 0);

    // Day 2: yesterday's pending transactions are booked under new
    // references, and today's are new.
    user.next_day();
    let before = user.read_ledger();
    let pending_before: usize = NORDEA
        .iter()
        .map(|a| {
            ids_in(&before, a.beancount)
                .iter()
                .filter(|(_, f)| *f == '!')
                .count()
        })
        .sum();
    assert!(pending_before > 0);
    let second = user.import();
    let imported = &second.imported;
    assert!(new_entries(&second) > 0, "{:?}", imported.summaries);
    assert!(
        imported.stale_pending.is_empty(),
        "{:?}",
        imported.stale_pending
    );
    // Each pending entry of the ledger is claimed by the booked transaction
    // it became, matched by content (amount, date within the window), one
    // to one; everything else the bank lists is there by reference or new.
    let by_content: Vec<_> = imported
        .duplicates
        .iter()
        .filter(|d| d.by == MatchKind::Content)
        .collect();
    assert_eq!(by_content.len(), pending_before, "{by_content:#?}");
    let lines: HashSet<String> = by_content
        .iter()
        .map(|d| d.ledger.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(lines.len(), by_content.len());
    for d in &by_content {
        assert_eq!(d.entry.flag, '*');
        let line = d.ledger.as_ref().unwrap().line;
        let claimed = before
            .transactions()
            .find(|t| t.location().line == line)
            .unwrap();
        assert!(claimed.is_pending(), "{d}");
    }
    let ledger = user.read_ledger();
    for (i, a) in NORDEA.iter().enumerate() {
        let window_start = user.today() - chrono::Days::new(5);
        let txs = user
            .client
            .transactions(&user.uid(i), window_start, None)
            .unwrap();
        let in_ledger: HashSet<String> = ids_in(&ledger, a.beancount)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let claimed: HashSet<String> = by_content
            .iter()
            .filter(|d| d.account == a.beancount)
            .map(|d| d.id.clone().unwrap())
            .collect();
        for r in &txs.records {
            let id = r.parse().unwrap().entry_reference.unwrap();
            assert!(
                in_ledger.contains(&id) != claimed.contains(&id),
                "{id} must be in the ledger or matched to its pending entry, once"
            );
        }
    }
    assert_no_id_twice(&user);
    let third = user.import();
    assert_eq!(third.imported.text(), "");
}

#[test]
fn a_new_consent_brings_no_duplicates() {
    let mut user = User::start(steady(), "ITBD");
    let first = user.import();
    assert!(new_entries(&first) > 0);
    let old_uids: Vec<_> = (0..NORDEA.len()).map(|i| user.uid(i)).collect();

    // The consent is renewed: a new session whose accounts have new uids
    // and the same hashes, so the configuration stays as it is.
    let relinked = user.relink();
    for (i, a) in relinked.accounts.iter().enumerate() {
        assert_eq!(a.identification_hash.as_ref(), Some(&user.hashes[i]));
        assert_ne!(a.uid.as_ref(), Some(&old_uids[i]));
        assert_eq!(user.uid(i), a.uid.clone().unwrap());
    }
    let again = user.import();
    assert_eq!(again.imported.text(), "");
    for s in &again.imported.summaries {
        assert_eq!(s.new, 0, "{s}");
        assert!(s.dup_id > 0, "{s}");
    }

    user.next_day();
    let next = user.import();
    assert!(new_entries(&next) > 0);
    assert!(next.imported.stale_pending.is_empty());
    assert_no_id_twice(&user);
    assert_eq!(user.import().imported.text(), "");
}

#[test]
fn a_pending_purchase_that_books_at_another_amount_is_reported_stale() {
    let user = User::start(Options::default(), "ITBD");
    user.import();
    // Days until one of the pending purchases books at another amount (a
    // tip, a rate): the booked one is new, the pending entry is stale.
    for _ in 0..20 {
        let before = user.read_ledger();
        user.next_day();
        let o = user.import_unchecked();
        assert_eq!(o.imported.problems().count(), 0);
        let stale = &o.imported.stale_pending;
        if stale.is_empty() {
            test_support::bean_check::file(&user.ledger);
            continue;
        }
        for s in stale {
            assert!(s.to_string().contains("stale pending entry"), "{s}");
            assert_eq!(s.date, user.today() - chrono::Days::new(1));
            // The report points at the pending entry of the ledger.
            let entry = before
                .transactions()
                .find(|t| t.location().line == s.ledger.line)
                .unwrap();
            assert!(entry.is_pending());
            let (number, _) = s.amount.clone().unwrap();
            assert!(entry.postings().any(|p| p.number() == Some(number)));
            // The transaction it became is new, at its booked amount (a
            // tenth more), once.
            let booked: Vec<_> = o
                .imported
                .outputs
                .iter()
                .filter(|out| out.account.account == s.account)
                .flat_map(|out| &out.entries)
                .filter_map(|e| match e {
                    Entry::Transaction(t)
                        if t.flag == '*' && t.payee.as_deref() == Some(s.description.as_str()) =>
                    {
                        t.postings[0].units.as_ref().map(|u| u.number)
                    }
                    _ => None,
                })
                .collect();
            assert!(
                booked
                    .iter()
                    .any(|b| *b < number && *b > number * rust_decimal::Decimal::new(12, 1)),
                "{s}: {booked:?}"
            );
        }
        assert_no_id_twice(&user);
        return;
    }
    panic!("no pending amount changed in 20 days");
}
