//! `link --source NAME --setup-token TOKEN` for SimpleFIN: the setup token
//! claimed once, its access URL kept in the store (never printed), and the
//! `accounts:` block of what it reaches. Without a token, the stored access
//! lists its accounts again.

use importer::{Config, SourceConfig};
use simplefin::{AccountSet, Client, Currency, Settings};
use source::yaml;

use crate::cli::LinkArgs;
use crate::config_path::Located;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::sources::simplefin::{list_accounts, not_linked, part, save_access, stored_access};
use crate::ui;

/// Claims the setup token (if given) and prints the `accounts:` block.
pub fn run(
    ctx: &Context,
    located: &Located,
    config: &Config,
    source: &SourceConfig,
    args: &LinkArgs,
) -> anyhow::Result<Outcome> {
    let settings = Settings::from_source(source).map_err(|e| usage(e.to_string()))?;
    let file = crate::connect::open_store_file(located, config)?;
    let part = part(&file, source)?;
    let stored = stored_access(&part)?;
    let access = match &args.setup_token {
        Some(token) => {
            let access = simplefin::claim(token, &settings.config()).map_err(|e| match e {
                simplefin::Error::SetupToken { .. } => usage(e.to_string()),
                e => e.into(),
            })?;
            // Refused before it is kept: a token from another server than
            // the configured one is not used.
            settings.check_access_url(&access).map_err(|e| {
                anyhow::anyhow!(
                    "{e}. The setup token was claimed: disable that access at SimpleFIN Bridge"
                )
            })?;
            if stored.as_ref().is_some_and(|s| s != &access) {
                ui::note(format!(
                    "source {}: the access URL stored before is replaced",
                    source.name
                ));
            }
            save_access(&part, &access)?;
            ui::info(format!(
                "claimed the setup token; its access URL ({access}) is kept in {} and never \
                 printed",
                part.path().display()
            ));
            access
        }
        None => {
            let Some(access) = stored else {
                return Err(usage(not_linked(&source.name)));
            };
            settings
                .check_access_url(&access)
                .map_err(|e| usage(e.to_string()))?;
            access
        }
    };
    let client = Client::new(access.clone(), settings.config())?;
    let set = list_accounts(&client, &part, &access, ctx.clock.now())?;
    for m in &set.messages {
        ui::warn(format!("SimpleFIN says: {m}"));
    }
    if set.accounts.is_empty() {
        ui::warn(
            "SimpleFIN lists no account for this access: connect your banks at SimpleFIN \
             Bridge, then run `link` again",
        );
        return Ok(Outcome::Success);
    }
    ui::info(format!(
        "{} account{}. Paste this into {}:",
        set.accounts.len(),
        if set.accounts.len() == 1 { "" } else { "s" },
        located.path.display()
    ));
    crate::output::write(None, &accounts_block(&set, &source.name))?;
    Ok(Outcome::Success)
}

/// The ready-to-paste `accounts:` block: each account's id, the source,
/// a short name, a suggested Beancount account and its currency, with the
/// account's name and bank as a comment. A custom currency (points, miles)
/// needs a commodity the user names: its line is left commented out.
fn accounts_block(set: &AccountSet, source_name: &str) -> String {
    let bank = |a: &simplefin::Account| -> Option<String> {
        a.org
            .as_ref()
            .and_then(|o| o.display_name())
            .map(str::to_owned)
            .or_else(|| {
                let c = set.connection_of(a)?;
                c.org_name.clone().or(c.name.clone())
            })
            .or(a.conn_name.clone())
    };
    let mut names: Vec<(String, Option<String>)> = set
        .accounts
        .iter()
        .map(|a| {
            let code = a.currency.as_ref().and_then(Currency::code);
            let kind = is_card(&a.name).then_some("CARD");
            let name =
                crate::suggest::account_name(bank(a).as_deref().unwrap_or("Bank"), code, kind);
            (name, Some(a.name.clone()).filter(|n| !n.is_empty()))
        })
        .collect();
    crate::suggest::disambiguate(&mut names);
    let handles = handles(names.iter().map(|(account, _)| account.as_str()));
    // Bank text and server ids reach the YAML only through `source::yaml`.
    let mut out = String::from("accounts:\n");
    for ((a, (account, _)), handle) in set.accounts.iter().zip(&names).zip(handles) {
        out.push_str(&format!("  - id: {}\n", yaml::scalar(&a.id)));
        out.push_str(&format!("    source: {}\n", yaml::scalar(source_name)));
        out.push_str(&format!("    name: {handle}\n"));
        out.push_str(&format!("    account: {account}\n"));
        match &a.currency {
            Some(Currency::Code(c)) => {
                out.push_str(&format!("    currency: {}\n", yaml::scalar(c)));
            }
            Some(Currency::Custom(url)) => out.push_str(&format!(
                "    # currency: COMMODITY   # the custom currency {}: name its Beancount \
                 commodity\n",
                yaml::comment(url.as_str())
            )),
            None => out.push_str("    # currency: USD   # SimpleFIN gives none: say which\n"),
        }
        let about: Vec<String> = [Some(a.name.clone()), bank(a)]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if !about.is_empty() {
            out.push_str(&format!("    # {}\n", yaml::comment(&about.join(", "))));
        }
    }
    out
}

/// Whether an account's name says it is a card (a liability): SimpleFIN
/// gives no account type.
fn is_card(name: &str) -> bool {
    let lower = name.to_lowercase();
    ["card", "credit", "visa", "mastercard", "amex"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Short command-line handles from the suggested accounts (ASCII letters
/// and digits): `Assets:FirstBank:USD` -> `firstbank-usd`; with the root
/// (`liabilities-firstbank-usd`) when a card and an account of one bank
/// would share one, and a counter if that is not enough.
fn handles<'a>(accounts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let accounts: Vec<&str> = accounts.collect();
    let short = crate::suggest::handle;
    let mut out: Vec<String> = Vec::new();
    for a in &accounts {
        let mut h = short(a);
        if accounts.iter().filter(|b| short(b) == h).count() > 1 {
            h = a.to_lowercase().replace(':', "-");
        }
        let base = h.clone();
        let mut n = 2;
        while out.contains(&h) {
            h = format!("{base}-{n}");
            n += 1;
        }
        out.push(h);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_yaml_that_reads_back_as_the_server_sent_it() {
        let set = AccountSet::from_json(
            r#"{"errlist": [], "connections": [{"conn_id": "C1", "org_name": "First\u2028base_url: http://evil/"}],
                "accounts": [
                  {"id": "ACT-1\"x", "name": "Everyday Checking", "conn_id": "C1", "currency": "USD", "balance": "1"},
                  {"id": "ACT-2", "name": "Visa Signature", "conn_id": "C1", "currency": "USD", "balance": "-1"},
                  {"id": "ACT-3", "name": "Miles", "currency": "https://rewards.example/miles", "balance": "5"}]}"#,
        )
        .unwrap();
        let block = accounts_block(&set, "sfin");
        assert!(!block.contains("\u{2028}"), "{block}");
        let config = importer::config::from_str(
            &format!("sources:\n  sfin: {{ provider: simplefin }}\n{block}"),
            "c.yaml",
        )
        .unwrap();
        let ids: Vec<&str> = config.accounts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["ACT-1\"x", "ACT-2", "ACT-3"]);
        assert!(config.accounts.iter().all(|a| a.source == "sfin"));
        assert!(config.accounts[0].account.starts_with("Assets:"));
        assert!(config.accounts[1].account.starts_with("Liabilities:"));
        assert_eq!(config.accounts[0].currency.as_deref(), Some("USD"));
        assert_eq!(config.accounts[2].currency, None);
        assert!(
            block.contains("custom currency https://rewards.example/miles"),
            "{block}"
        );
        // The bank's name, a line break of YAML 1.1 in it, sets no key.
        let sfin = config.source("sfin").unwrap();
        assert_eq!(sfin.settings.get("base_url"), None, "{block}");
    }
}
