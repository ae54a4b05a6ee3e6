//! Everything an import needs from GoCardless: the payouts to book, the
//! items of each, and the payments, refunds, mandates and customers the
//! items name (for who paid and what for).
//!
//! Items come through [`ItemSource`], because GoCardless serves them for
//! six months only: [`Client`] fetches them live, and a store that
//! archives them when first seen gives them back after that. The parties
//! come through [`PartySource`], and the payouts from any listing
//! ([`fetch_listed`]), so that a store can answer offline.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use importer::config::PendingMode;
use importer::ledger::Ledger;

use crate::model::{
    Customer, CustomerId, Mandate, MandateId, Payment, PaymentId, Payout, PayoutId, PayoutItem,
    PayoutStatus, Refund, RefundId,
};
use crate::{Client, Error, PayoutFilter, Settings};

/// Where the items of a payout come from.
///
/// [`Client`] asks GoCardless, which answers [`Error::Gone`] for payouts
/// created more than six months ago. A store implements this too: it
/// answers from its archive, else asks the client and archives what a
/// *paid* payout's items are (a pending payout's items still change: the
/// exchange rate of their tax is not final).
pub trait ItemSource {
    /// Every item of `payout`.
    ///
    /// # Errors
    /// Whatever getting them failed with; [`Error::Gone`] when they are
    /// no longer served and not archived.
    fn items(&self, payout: &Payout) -> Result<Vec<PayoutItem>, Error>;
}

impl ItemSource for Client {
    fn items(&self, payout: &Payout) -> Result<Vec<PayoutItem>, Error> {
        self.payout_items(&payout.id).collect()
    }
}

/// Where the payments, refunds, mandates and customers that payout items
/// name come from: [`Client`] asks GoCardless; a store may keep what it
/// was told and answer offline.
pub trait PartySource {
    /// The payment `id`; `None` when it is unknown (GoCardless answers
    /// 404, or a store has no copy).
    ///
    /// # Errors
    /// Whatever else getting it failed with.
    fn payment(&self, id: &PaymentId) -> Result<Option<Payment>, Error>;

    /// The refund `id`, as [`PartySource::payment`].
    ///
    /// # Errors
    /// As [`PartySource::payment`].
    fn refund(&self, id: &RefundId) -> Result<Option<Refund>, Error>;

    /// The mandate `id`, as [`PartySource::payment`].
    ///
    /// # Errors
    /// As [`PartySource::payment`].
    fn mandate(&self, id: &MandateId) -> Result<Option<Mandate>, Error>;

    /// The customer `id`, as [`PartySource::payment`].
    ///
    /// # Errors
    /// As [`PartySource::payment`].
    fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, Error>;
}

/// A record GoCardless does not know (404) as `None`.
fn known<T>(r: Result<T, Error>) -> Result<Option<T>, Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

impl PartySource for Client {
    fn payment(&self, id: &PaymentId) -> Result<Option<Payment>, Error> {
        known(Client::payment(self, id))
    }

    fn refund(&self, id: &RefundId) -> Result<Option<Refund>, Error> {
        known(Client::refund(self, id))
    }

    fn mandate(&self, id: &MandateId) -> Result<Option<Mandate>, Error> {
        known(Client::mandate(self, id))
    }

    fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        known(Client::customer(self, id))
    }
}

/// Where a payout is in its life, as far as booking it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Sent to the bank, arriving on this day.
    Paid(NaiveDate),
    /// Not yet sent (or sent without an arrival date).
    Pending,
}

/// Why a payout listed was not fetched further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// The caller already has it (in the ledger).
    Known,
    /// Not paid yet, and the source says `pending: skip`.
    Pending,
    /// The bank returned it; GoCardless pays its money out again later,
    /// in another payout.
    Bounced,
    /// A status this importer does not know, as GoCardless wrote it.
    Status(String),
}

impl Skipped {
    /// Whether a payout in this state is left out, or how it is booked.
    pub(crate) fn stage(payout: &Payout, pending: PendingMode) -> Result<Stage, Skipped> {
        match (&payout.status, payout.arrival_date) {
            (Some(PayoutStatus::Bounced), _) => Err(Skipped::Bounced),
            (Some(PayoutStatus::Other(s)), _) => Err(Skipped::Status(s.clone())),
            (Some(PayoutStatus::Paid) | None, Some(day)) => Ok(Stage::Paid(day)),
            _ if pending == PendingMode::Skip => Err(Skipped::Pending),
            _ => Ok(Stage::Pending),
        }
    }
}

/// A payout to book and its items.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutRecord {
    /// The payout.
    pub payout: Payout,
    /// Its items; `None` when GoCardless no longer serves them (older than
    /// six months) and the [`ItemSource`] had no copy.
    pub items: Option<Vec<PayoutItem>>,
}

/// The payments, refunds, mandates and customers payout items name, each
/// asked for once.
#[derive(Debug, Clone, Default)]
pub struct Parties {
    payments: HashMap<PaymentId, Payment>,
    refunds: HashMap<RefundId, Refund>,
    mandates: HashMap<MandateId, Mandate>,
    customers: HashMap<CustomerId, Customer>,
    /// Ids GoCardless does not know (404), not asked for again.
    unknown: HashSet<String>,
}

impl Parties {
    /// Asks `source` (a [`Client`], say) for what `items` name and is not
    /// known yet: each item's payment or refund, their mandate, its
    /// customer. An id the source does not know leaves that name out.
    ///
    /// # Errors
    /// The first other failure (after the client's retries).
    pub fn fetch(&mut self, source: &dyn PartySource, items: &[PayoutItem]) -> Result<(), Error> {
        for item in items {
            let mut mandate = item.links.mandate.clone();
            if let Some(id) = &item.links.payment
                && let Some(p) = lookup(&mut self.payments, &mut self.unknown, id, |id| {
                    source.payment(id)
                })?
            {
                mandate = mandate.or_else(|| p.links.mandate.clone());
            }
            if let Some(id) = &item.links.refund
                && let Some(r) = lookup(&mut self.refunds, &mut self.unknown, id, |id| {
                    source.refund(id)
                })?
            {
                mandate = mandate.or_else(|| r.links.mandate.clone());
            }
            if let Some(id) = &mandate
                && let Some(m) = lookup(&mut self.mandates, &mut self.unknown, id, |id| {
                    source.mandate(id)
                })?
                && let Some(customer) = m.links.customer.clone()
            {
                lookup(&mut self.customers, &mut self.unknown, &customer, |id| {
                    source.customer(id)
                })?;
            }
        }
        Ok(())
    }

    /// A payment asked for.
    pub fn payment(&self, id: &PaymentId) -> Option<&Payment> {
        self.payments.get(id)
    }

    /// A refund asked for.
    pub fn refund(&self, id: &RefundId) -> Option<&Refund> {
        self.refunds.get(id)
    }

    /// Who an item's money came from or went to: the customer of its
    /// mandate, of its payment's, or of its refund's.
    pub fn customer(&self, item: &PayoutItem) -> Option<&Customer> {
        let links = &item.links;
        let mandate = links
            .mandate
            .clone()
            .or_else(|| {
                let p = self.payments.get(links.payment.as_ref()?)?;
                p.links.mandate.clone()
            })
            .or_else(|| {
                let r = self.refunds.get(links.refund.as_ref()?)?;
                r.links.mandate.clone()
            })?;
        let customer = self.mandates.get(&mandate)?.links.customer.as_ref()?;
        self.customers.get(customer)
    }
}

/// The record of `id`, from the cache or asked for once; `None` when
/// the source does not know it.
fn lookup<'a, K, V>(
    cache: &'a mut HashMap<K, V>,
    unknown: &mut HashSet<String>,
    id: &K,
    get: impl FnOnce(&K) -> Result<Option<V>, Error>,
) -> Result<Option<&'a V>, Error>
where
    K: std::hash::Hash + Eq + Clone + AsRef<str>,
{
    if unknown.contains(id.as_ref()) {
        return Ok(None);
    }
    if !cache.contains_key(id) {
        match get(id)? {
            Some(v) => {
                cache.insert(id.clone(), v);
            }
            None => {
                tracing::info!("{}: unknown; its name is left out", id.as_ref());
                unknown.insert(id.as_ref().to_owned());
                return Ok(None);
            }
        }
    }
    Ok(cache.get(id))
}

/// Whether `ledger` holds the payout booked: a posting on the payout
/// account carrying its id (the ledger read with
/// [`crate::mapping::ID_KEYS`] among its id keys) in an entry not flagged
/// pending. For [`fetch`]'s `known`, so that a payout already booked costs
/// no request for its items (which may be gone by now). A payout written
/// pending is fetched again: deduplication then claims its entry by id
/// (while GoCardless still lists it, it is not reported stale).
pub fn known_in<'a>(ledger: &'a Ledger, settings: &'a Settings) -> impl Fn(&PayoutId) -> bool + 'a {
    move |id| {
        ledger
            .postings_with_id(&settings.accounts.payout, id.as_str())
            .any(|p| !p.transaction().is_pending())
    }
}

/// What [`fetch`] found.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The payouts to book, oldest first, with their items.
    pub payouts: Vec<PayoutRecord>,
    /// What the items name.
    pub parties: Parties,
    /// The payouts listed and left out, and why.
    pub skipped: Vec<(PayoutId, Skipped)>,
}

/// Lists the payouts of `settings`' creditor (every creditor's when none
/// is set) created at or after `since`, and for each one to book gets its
/// items from `items` and the parties they name from `client`: what
/// [`fetch_listed`] does with GoCardless' listing.
///
/// # Errors
/// As [`fetch_listed`].
pub fn fetch(
    client: &Client,
    items: &dyn ItemSource,
    settings: &Settings,
    since: Option<DateTime<Utc>>,
    known: &dyn Fn(&PayoutId) -> bool,
) -> Result<Fetched, Error> {
    let filter = PayoutFilter {
        created_at_gte: since,
        creditor: settings.creditor.clone(),
        ..PayoutFilter::default()
    };
    fetch_listed(client.payouts(&filter), items, client, settings, known)
}

/// For each payout of `listed` (newest first, as GoCardless lists them)
/// to book, gets its items from `items` and the parties they name from
/// `parties`.
///
/// A payout for which `known` is true (the ledger has it), a bounced one,
/// one in a status this importer does not know, and a pending one under
/// `pending: skip` are listed in [`Fetched::skipped`] and cost no further
/// request. Items no longer served ([`Error::Gone`]) leave
/// [`PayoutRecord::items`] empty, for the mapping to report.
///
/// # Errors
/// The first failure of the listing, or of `items` other than a 410, or
/// of `parties`.
pub fn fetch_listed(
    listed: impl IntoIterator<Item = Result<Payout, Error>>,
    items: &dyn ItemSource,
    parties: &dyn PartySource,
    settings: &Settings,
    known: &dyn Fn(&PayoutId) -> bool,
) -> Result<Fetched, Error> {
    let mut fetched = Fetched::default();
    for payout in listed {
        let payout = payout?;
        if known(&payout.id) {
            fetched.skipped.push((payout.id, Skipped::Known));
            continue;
        }
        if let Err(why) = Skipped::stage(&payout, settings.pending) {
            fetched.skipped.push((payout.id, why));
            continue;
        }
        let items = match items.items(&payout) {
            Ok(items) => {
                fetched.parties.fetch(parties, &items)?;
                Some(items)
            }
            Err(e) if e.is_gone() => {
                tracing::warn!("{e}");
                None
            }
            Err(e) => return Err(e),
        };
        fetched.payouts.push(PayoutRecord { payout, items });
    }
    // Listed newest first.
    fetched.payouts.reverse();
    fetched.skipped.reverse();
    Ok(fetched)
}
