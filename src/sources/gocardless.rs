//! GoCardless Bank Account Data through the store's cached client.

use chrono::{DateTime, Utc};
use gocardless::TransactionsResponse;
use gocardless::statement::{GoCardlessRecords, balances};
use gocardless::store::{Cached, CachedClient};
use importer::{AccountConfig, Records, SourceConfig};

use super::{AccountData, AccountFacts, AccountFailure, Fetched, Opening, Source};
use crate::fetching::{self, Planned};

/// The GoCardless source.
pub struct GoCardless {
    name: String,
    client: CachedClient,
}

impl GoCardless {
    /// The cached client for the configuration's credentials (none needed
    /// offline).
    pub fn open(opening: &Opening<'_>, source: &SourceConfig) -> anyhow::Result<GoCardless> {
        let client = crate::connect::cached(
            opening.ctx,
            opening.located,
            opening.config,
            &crate::connect::gocardless_part(opening.ctx, opening.store),
            opening.reach.offline,
            opening.reach.refresh,
        )?;
        Ok(GoCardless {
            name: source.name.clone(),
            client,
        })
    }
}

struct Transactions(Cached<TransactionsResponse>);

impl AccountData for Transactions {
    fn records(&self) -> Box<dyn Records + '_> {
        Box::new(GoCardlessRecords::new(&self.0.value))
    }
}

impl Source for GoCardless {
    fn name(&self) -> &str {
        &self.name
    }

    fn label(&self) -> &'static str {
        gocardless::statement::SOURCE_LABEL
    }

    fn id_key(&self) -> &'static str {
        gocardless::statement::ID_KEY
    }

    fn fetch(&self, plan: &[Planned], now: DateTime<Utc>) -> Vec<Result<Fetched, AccountFailure>> {
        let today = fetching::local_day(now);
        fetching::fetch_all(&self.client, plan, now)
            .into_iter()
            .zip(plan)
            .map(|(r, p)| {
                let d = r?;
                let fetched_at = d.transactions.fetched_at;
                let listed = (!d.transactions.source.is_stale()).then(|| {
                    let fetched_on = fetching::local_day(fetched_at);
                    let from = p.from.unwrap_or(today);
                    (from, p.to.map_or(fetched_on, |t| t.min(fetched_on)))
                });
                let balances = d
                    .balances
                    .map(|b| {
                        let mut all = balances(&b.value);
                        for x in &mut all {
                            x.fetched_at = Some(b.fetched_at);
                        }
                        all
                    })
                    .unwrap_or_default();
                Ok(Fetched {
                    account: d.account,
                    data: Box::new(Transactions(d.transactions)),
                    balances,
                    fetched_at: Some(fetched_at),
                    listed,
                })
            })
            .collect()
    }

    fn facts(&self, account: &AccountConfig) -> AccountFacts {
        match self.client.metadata(&account.id) {
            Ok(m) => AccountFacts {
                iban: m.value.iban,
                institution: m.value.institution_id,
            },
            Err(e) => {
                tracing::info!(
                    "{}: IBAN and bank unknown ({e}); transfers to it are not recognised",
                    account.label()
                );
                AccountFacts::default()
            }
        }
    }
}
