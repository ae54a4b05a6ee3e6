//! Building the categoriser: the configuration's rules, what the ledger
//! teaches, and the IBANs of the user's own accounts (for transfers).

use gocardless::store::CachedClient;
use importer::Config;
use importer::learn::Model;
use importer::rules::Categorizer;

use crate::dedupe::Existing;

/// The categoriser for this run. `client` (when online or with a store)
/// gives the IBANs of the configured accounts from GoCardless' account
/// metadata, which costs none of the bank's budget.
pub fn build(
    config: &Config,
    existing: Option<&Existing>,
    client: Option<&CachedClient>,
) -> Categorizer {
    let mut categorizer = Categorizer::new(config);
    if let Some(e) = existing {
        let model = Model::from_ledger(e.ledger(), config);
        for a in &config.accounts {
            tracing::info!(
                "{}: learned from {} ledger entries",
                a.label(),
                model.examples(&a.account)
            );
        }
        categorizer = categorizer.with_model(model);
    }
    if let Some(client) = client {
        // Added to the configured accounts the categoriser already knows.
        for a in &config.accounts {
            match client.metadata(&a.id) {
                Ok(m) => {
                    if let Some(iban) = m.value.iban.as_deref() {
                        categorizer.own.insert(iban, &a.account);
                    }
                }
                // Only transfers go unrecognised; the import goes on.
                Err(e) => tracing::info!(
                    "{}: IBAN unknown ({e}); transfers to it are not recognised",
                    a.label()
                ),
            }
        }
    }
    categorizer
}
