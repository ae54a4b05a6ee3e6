//! GoCardless Pro (the Direct Debit payments API): one multi-posting entry
//! per payout, built by the source itself rather than from bank lines.
//!
//! The source has no `accounts:` entries: it lists the payouts created
//! since shortly before the ledger's last one (or between `--since` and
//! `--until`), leaves out those the ledger holds, and books the rest to the accounts of its settings. Its part of
//! the store keeps what an import was told (each payout as last listed,
//! the items of each, the payments, refunds, mandates and customers they
//! name): the items of a paid payout are archived when first seen and read
//! from there ever after, since GoCardless answers 410 Gone for them six
//! months on; `--offline` answers from the store alone.

use chrono::{DateTime, Days, NaiveDate, Utc};
use gocardless_pro::model::{
    Customer, CustomerId, Mandate, MandateId, Payment, PaymentId, Payout, PayoutId, PayoutItem,
    Refund, RefundId, Resource,
};
use gocardless_pro::{Client, Error, ItemSource, PartySource, PayoutFilter, Settings};
use importer::{AccountOutput, SourceConfig};
use serde_json::value::RawValue;
use store::{Keep, NewResponse, SourceStore, Window};

use super::{AccountFailure, Fetched, Opening, Source};
use crate::exit::usage;
use crate::fetching::Planned;

/// Payouts reach the bank within days of their creation: listing those
/// created from a fortnight before the last one the ledger holds covers
/// the slowest, and the ones already booked cost no request.
const LOOKBACK_DAYS: u64 = 14;

/// The store's scopes (subjects are GoCardless' ids).
const PAYOUT: &str = "payout";
/// A paid payout's items: final, kept for good.
const ITEMS: &str = "payout_items";
/// A pending payout's items: they may still change (the exchange rate of
/// their tax), so they serve `--offline` only.
const PENDING_ITEMS: &str = "pending_payout_items";

/// A `provider: gocardless-pro` source.
pub struct GoCardlessPro {
    settings: Settings,
    /// `None` offline.
    client: Option<Client>,
    store: SourceStore,
    now: DateTime<Utc>,
    /// `--since` and `--until`, when given.
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl GoCardlessPro {
    /// The source of `source`'s settings, with a client unless offline.
    ///
    /// # Errors
    /// A usage error when the settings are wrong, or an account names this
    /// source (it takes none).
    pub fn open(opening: &Opening<'_>, source: &SourceConfig) -> anyhow::Result<GoCardlessPro> {
        let origin = &opening.config.origin;
        let settings =
            Settings::from_source(source).map_err(|e| usage(format!("{origin}: {e}")))?;
        if let Some(a) = opening
            .config
            .accounts
            .iter()
            .find(|a| a.source == source.name)
        {
            return Err(usage(format!(
                "{origin}: account {} names source {}, a GoCardless Pro source, which takes no \
                 accounts: it books every payout to its `payout_account` ({}); remove the account \
                 or give it another source",
                a.label(),
                source.name,
                settings.accounts.payout
            )));
        }
        let client = if opening.reach.offline {
            None
        } else {
            Some(
                settings
                    .client()
                    .map_err(|e| usage(format!("{origin}: source {}: {e}", source.name)))?,
            )
        };
        let name = store::SourceName::new(source.name.as_str())
            .map_err(|e| usage(format!("{origin}: source {}: {e}", source.name)))?;
        Ok(GoCardlessPro {
            settings,
            client,
            store: opening.store.source(&name),
            now: opening.ctx.clock.now(),
            since: opening.reach.since,
            until: opening.reach.until,
        })
    }

    /// The first moment to list payouts from: `--since`, else a fortnight
    /// before the last payout the ledger holds, else the importer's
    /// default history.
    fn since(&self, run: &importer::Run<'_>) -> DateTime<Utc> {
        let last = run
            .ledger
            .and_then(|l| l.last_imported(&self.settings.accounts.payout));
        let day = match (self.since, last) {
            (Some(since), _) => Some(since),
            (None, Some(last)) => last.checked_sub_days(Days::new(LOOKBACK_DAYS)),
            (None, None) => run
                .today
                .checked_sub_days(Days::new(u64::from(run.dedup.default_days))),
        }
        .unwrap_or(run.today);
        start_of(day)
    }

    /// The moment payouts are listed until (not included): the end of
    /// `--until`'s day, if given.
    fn before(&self) -> Option<DateTime<Utc>> {
        self.until.and_then(|d| d.succ_opt()).map(start_of)
    }

    /// The payouts stored by earlier imports, created at or after `since`,
    /// whose items are stored too (the others could not be booked
    /// offline), newest first as GoCardless lists them.
    ///
    /// # Errors
    /// When the store cannot be read, or holds nothing of this source.
    fn stored_payouts(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<Payout>> {
        let subjects = self.store.subjects()?;
        if subjects.is_empty() {
            anyhow::bail!("nothing is stored for this source yet: import once without --offline");
        }
        let mut payouts = Vec::new();
        for subject in subjects {
            let Some(p) = self.stored::<Payout>(&subject, PAYOUT) else {
                continue;
            };
            let of_creditor = match &self.settings.creditor {
                Some(c) => p.links.creditor.as_ref() == Some(c),
                None => true,
            };
            if p.created_at
                .is_some_and(|t| t >= since && self.before().is_none_or(|before| t < before))
                && of_creditor
                && (self.stored_items(&p.id, ITEMS).is_some()
                    || self.stored_items(&p.id, PENDING_ITEMS).is_some())
            {
                payouts.push(p);
            }
        }
        payouts.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(payouts)
    }

    /// A record stored under `subject` and `scope`; `None` when there is
    /// none or it cannot be read (said at `-v`).
    fn stored<T: Resource>(&self, subject: &str, scope: &str) -> Option<T> {
        let body = self.body(subject, scope)?;
        T::from_json(&body)
            .map_err(|e| tracing::info!("{subject}: the stored {scope} is unreadable ({e})"))
            .ok()
    }

    fn body(&self, subject: &str, scope: &str) -> Option<String> {
        match self.store.latest_response(subject, scope) {
            Ok(r) => r.map(|r| r.body),
            Err(e) => {
                tracing::warn!("{subject}: cannot read the stored {scope}: {e}");
                None
            }
        }
    }

    /// The items stored for a payout under `scope`.
    fn stored_items(&self, payout: &PayoutId, scope: &str) -> Option<Vec<PayoutItem>> {
        let body = self.body(payout.as_str(), scope)?;
        let read = || -> Result<Vec<PayoutItem>, serde_json::Error> {
            let raw: Vec<Box<RawValue>> = serde_json::from_str(&body)?;
            raw.iter().map(|r| PayoutItem::from_json(r.get())).collect()
        };
        read()
            .map_err(|e| tracing::info!("{payout}: the stored items are unreadable ({e})"))
            .ok()
    }

    /// Keeps `body` as the newest `scope` of `subject`. A failure costs
    /// only the copy (said on stderr): the import goes on.
    fn keep(&self, subject: &str, scope: &str, body: &str) {
        let response = NewResponse {
            subject,
            scope,
            window: Window::ALL,
            keep: Keep::Latest,
            records: &[],
            body,
            fetched_at: self.now,
            rate_limit: None,
            budget: None,
            cursor: None,
        };
        if let Err(e) = self.store.record_response(&response) {
            tracing::warn!("{subject}: the {scope} could not be stored: {e}");
        }
    }

    /// A party from GoCardless (kept for offline use), or from the store
    /// offline.
    fn party<I: AsRef<str>, T: Resource>(
        &self,
        id: &I,
        scope: &str,
        get: impl FnOnce(&Client) -> Result<Option<T>, Error>,
    ) -> Result<Option<T>, Error> {
        match &self.client {
            Some(client) => {
                let found = get(client)?;
                if let Some(r) = &found {
                    self.keep(id.as_ref(), scope, r.raw().as_str());
                }
                Ok(found)
            }
            None => Ok(self.stored(id.as_ref(), scope)),
        }
    }
}

impl ItemSource for GoCardlessPro {
    /// A paid payout's items from the archive, else from GoCardless (and
    /// archived), else (gone) the copy kept while it was pending; offline,
    /// whatever the store holds (the listing offered only payouts with
    /// stored items).
    fn items(&self, payout: &Payout) -> Result<Vec<PayoutItem>, Error> {
        if let Some(items) = self.stored_items(&payout.id, ITEMS) {
            return Ok(items);
        }
        let Some(client) = &self.client else {
            return Ok(self
                .stored_items(&payout.id, PENDING_ITEMS)
                .unwrap_or_default());
        };
        let items = match client.items(payout) {
            Ok(items) => items,
            // Seen pending only, and gone since: the copy kept then is
            // better than nothing (the ledger's pending entry claims the
            // payout by id anyway).
            Err(e) if e.is_gone() => match self.stored_items(&payout.id, PENDING_ITEMS) {
                Some(items) => {
                    tracing::info!(
                        "{}: items no longer served, the copy kept while pending used",
                        payout.id
                    );
                    return Ok(items);
                }
                None => return Err(e),
            },
            Err(e) => return Err(e),
        };
        let body = format!(
            "[{}]",
            items
                .iter()
                .map(|i| i.raw().as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let scope = if payout.is_paid() {
            ITEMS
        } else {
            PENDING_ITEMS
        };
        self.keep(payout.id.as_str(), scope, &body);
        Ok(items)
    }
}

impl PartySource for GoCardlessPro {
    fn payment(&self, id: &PaymentId) -> Result<Option<Payment>, Error> {
        self.party(id, "payment", |c| PartySource::payment(c, id))
    }

    fn refund(&self, id: &RefundId) -> Result<Option<Refund>, Error> {
        self.party(id, "refund", |c| PartySource::refund(c, id))
    }

    fn mandate(&self, id: &MandateId) -> Result<Option<Mandate>, Error> {
        self.party(id, "mandate", |c| PartySource::mandate(c, id))
    }

    fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        self.party(id, "customer", |c| PartySource::customer(c, id))
    }
}

impl Source for GoCardlessPro {
    fn name(&self) -> &str {
        &self.settings.name
    }

    fn label(&self) -> &'static str {
        gocardless_pro::mapping::SOURCE_LABEL
    }

    fn id_key(&self) -> &'static str {
        gocardless_pro::mapping::PAYOUT_ID_KEY
    }

    /// Nothing: no account names this source ([`GoCardlessPro::open`]
    /// refuses one), its entries come from [`Source::outputs`].
    fn fetch(&self, plan: &[Planned], now: DateTime<Utc>) -> Vec<Result<Fetched, AccountFailure>> {
        let _ = (plan, now);
        Vec::new()
    }

    /// Online, the days of every payout created since the listing's start
    /// (a pending entry is dated on its payout's creation), from the match
    /// window before it.
    fn listed_days(&self, run: &importer::Run<'_>) -> Vec<(String, (NaiveDate, NaiveDate))> {
        if self.client.is_none() {
            return Vec::new();
        }
        let since = self.since(run).date_naive();
        let from = since
            .checked_sub_days(Days::new(u64::from(run.dedup.window_days)))
            .unwrap_or(since);
        let to = self.until.map_or(run.today, |u| u.min(run.today));
        vec![(self.settings.accounts.payout.clone(), (from, to))]
    }

    fn outputs(&self, run: &importer::Run<'_>) -> anyhow::Result<Vec<AccountOutput>> {
        let since = self.since(run);
        let nothing = |_: &PayoutId| false;
        let in_ledger;
        let known: &dyn Fn(&PayoutId) -> bool = match run.ledger {
            Some(l) => {
                in_ledger = gocardless_pro::known_in(l, &self.settings);
                &in_ledger
            }
            None => &nothing,
        };
        let fetched = match &self.client {
            Some(client) => {
                let filter = PayoutFilter {
                    created_at_gte: Some(since),
                    created_at_lt: self.before(),
                    creditor: self.settings.creditor.clone(),
                    ..PayoutFilter::default()
                };
                // Every payout listed is kept as it is now, so that
                // `--offline` sees what this import saw.
                let listed = client.payouts(&filter).inspect(|p| {
                    if let Ok(p) = p {
                        self.keep(p.id.as_str(), PAYOUT, p.raw().as_str());
                    }
                });
                gocardless_pro::fetch_listed(listed, self, self, &self.settings, known)?
            }
            None => {
                let stored = self.stored_payouts(since)?;
                gocardless_pro::fetch_listed(
                    stored.into_iter().map(Ok),
                    self,
                    self,
                    &self.settings,
                    known,
                )?
            }
        };
        tracing::info!(
            "{}: payouts created since {}: {} to book, {} left out ({} already in the ledger)",
            self.settings.name,
            since.format("%Y-%m-%d"),
            fetched.payouts.len(),
            fetched.skipped.len(),
            fetched
                .skipped
                .iter()
                .filter(|(_, why)| *why == gocardless_pro::Skipped::Known)
                .count()
        );
        Ok(vec![gocardless_pro::mapping::output(
            &self.settings,
            &fetched,
            run.today,
        )])
    }
}

/// The first moment of `day`, UTC (GoCardless' timestamps are UTC).
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}
