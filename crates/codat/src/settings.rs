//! A Codat export's settings, read from its [`importer::ExportConfig`].

use std::time::Duration;

use importer::ExportConfig;
use importer::config::Settings;

use crate::{AccountType, Client, ClientBuilder, ConnectionRef, Error, Secret};

/// The provider name of a Codat export (`exports: { codat: {…} }`, or
/// `provider: codat` under another name).
pub const PROVIDER: &str = "codat";

/// What a Codat export is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSettings {
    /// The export's name (the key under `exports:`).
    pub name: String,
    /// The API key, as the Codat Portal shows it. Never printed.
    pub api_key: Secret,
    /// The company whose books receive the feed.
    pub company_id: String,
    /// The company's connection to its accounting software.
    pub connection_id: String,
    /// Another API root (tests, a proxy).
    pub base_url: Option<String>,
    /// The ledger accounts exported, in file order.
    pub accounts: Vec<ExportAccount>,
}

/// One ledger account exported as a Codat source account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportAccount {
    /// The Beancount account (`account:`), e.g. `Assets:Bank:Business`.
    pub account: String,
    /// The id of its source account in Codat (`source_account_id:`): ours,
    /// chosen once and never changed, since everything pushed is kept
    /// under it.
    pub source_account_id: String,
    /// The kind of account (`account_type:`).
    pub account_type: AccountType,
    /// Its name as the company sees it (`name:`).
    pub name: String,
    /// The account number shown in the accounting software
    /// (`account_number:`, may be masked like `****1234`); the source
    /// account id when not given, since Codat requires one.
    pub account_number: String,
    /// Its currency (`currency:`, ISO 4217); when not given, the one
    /// currency of the account's postings and balance assertions.
    pub currency: Option<String>,
}

/// A Codat export whose settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("export {export_name}: {message}")]
pub struct SettingsError {
    /// The export's name.
    pub export_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

const KEYS: [&str; 4] = ["api_key", "company_id", "connection_id", "base_url"];
const ACCOUNT_KEYS: [&str; 6] = [
    "account",
    "source_account_id",
    "account_type",
    "name",
    "account_number",
    "currency",
];
const ACCOUNT_TYPES: &str = "checking, savings, creditCard, loan or prepaidCard";

impl ExportSettings {
    /// Reads and checks an export's settings: its keys, the required ones
    /// present, each account's Beancount name, type and currency, no
    /// account or source account id twice.
    ///
    /// # Errors
    /// When the export is of another provider, has a key Codat does not
    /// take (the message lists those it does), lacks a required key, or
    /// has a value that cannot be used.
    ///
    /// ```
    /// let yaml = "
    /// exports:
    ///   codat:
    ///     api_key: k
    ///     company_id: c
    ///     connection_id: d
    ///     accounts:
    ///       - { account: Assets:Bank:Business, source_account_id: biz, account_type: checking, name: Business }
    /// ";
    /// let config = importer::config::from_str(yaml, "c.yaml").unwrap();
    /// let s = codat::ExportSettings::from_export(config.export("codat").unwrap()).unwrap();
    /// assert_eq!(s.accounts[0].account_type, codat::AccountType::Checking);
    /// assert_eq!(format!("{:?}", s.api_key), "[redacted]");
    /// ```
    pub fn from_export(export: &ExportConfig) -> Result<ExportSettings, SettingsError> {
        let fail = |message: String| SettingsError {
            export_name: export.name.clone(),
            message,
        };
        if export.provider != PROVIDER {
            return Err(fail(format!(
                "provider {:?} is not {PROVIDER:?}",
                export.provider
            )));
        }
        check_keys(
            &export.settings,
            &KEYS,
            "a Codat export takes: provider, accounts, ",
        )
        .map_err(fail)?;
        let required = |key: &str, what: &str| {
            value(&export.settings, key)
                .map(str::to_owned)
                .ok_or_else(|| fail(format!("`{key}` is missing: {what}")))
        };
        let api_key = required(
            "api_key",
            "the API key from the Codat Portal (Developers → API keys), best as ${CODAT_API_KEY}",
        )?;
        let company_id = required(
            "company_id",
            "the id of the company in Codat whose books receive the feed",
        )?;
        let connection_id = required(
            "connection_id",
            "the id of the company's connection to its accounting software",
        )?;
        if export.accounts.is_empty() {
            return Err(fail(
                "`accounts` is empty: list the ledger accounts to export, like \
                 `- { account: Assets:Bank:Business, source_account_id: business, \
                 account_type: checking, name: Business account }`"
                    .to_owned(),
            ));
        }
        let mut accounts: Vec<ExportAccount> = Vec::new();
        for (i, a) in export.accounts.iter().enumerate() {
            let account = read_account(a).map_err(|m| fail(format!("accounts[{i}]: {m}")))?;
            if let Some(p) = accounts.iter().find(|p| p.account == account.account) {
                return Err(fail(format!(
                    "accounts[{i}]: {} is exported twice (also as source account {:?})",
                    account.account, p.source_account_id
                )));
            }
            if accounts
                .iter()
                .any(|p| p.source_account_id == account.source_account_id)
            {
                return Err(fail(format!(
                    "accounts[{i}]: the source account id {:?} is used twice: each ledger \
                     account needs its own",
                    account.source_account_id
                )));
            }
            accounts.push(account);
        }
        Ok(ExportSettings {
            name: export.name.clone(),
            api_key: Secret::new(api_key),
            company_id,
            connection_id,
            base_url: value(&export.settings, "base_url").map(str::to_owned),
            accounts,
        })
    }

    /// The company's connection the feed goes to.
    pub fn connection(&self) -> ConnectionRef {
        ConnectionRef::new(&self.company_id, &self.connection_id)
    }

    /// A client builder with the API key and base URL, and the default
    /// timeouts, retries and polling.
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = Client::builder(self.api_key.clone())
            .timeouts(Duration::from_secs(10), Duration::from_secs(60));
        match &self.base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        }
    }

    /// The client these settings describe.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an unusable base URL or an empty key.
    pub fn client(&self) -> Result<Client, Error> {
        self.client_builder().build()
    }
}

/// A value given and not blank.
fn value<'a>(settings: &'a Settings, key: &str) -> Option<&'a str> {
    settings.get(key).map(str::trim).filter(|v| !v.is_empty())
}

fn check_keys(settings: &Settings, keys: &[&str], listed: &str) -> Result<(), String> {
    match settings.keys().find(|k| !keys.contains(k)) {
        Some(unknown) => Err(format!(
            "unknown key `{unknown}` ({listed}{})",
            keys.join(", ")
        )),
        None => Ok(()),
    }
}

fn read_account(a: &Settings) -> Result<ExportAccount, String> {
    check_keys(a, &ACCOUNT_KEYS, "an exported account takes: ")?;
    let required = |key: &str, what: &str| {
        value(a, key)
            .map(str::to_owned)
            .ok_or_else(|| format!("`{key}` is missing: {what}"))
    };
    let account = required(
        "account",
        "the Beancount account to export, like Assets:Bank:Business",
    )?;
    importer::beancount::check_account(&account)?;
    let source_account_id = required(
        "source_account_id",
        "the id to give its source account in Codat, chosen once and never changed",
    )?;
    let kind = required("account_type", ACCOUNT_TYPES)?;
    let account_type = match kind.as_str() {
        "checking" => AccountType::Checking,
        "savings" => AccountType::Savings,
        "creditCard" => AccountType::CreditCard,
        "loan" => AccountType::Loan,
        "prepaidCard" => AccountType::PrepaidCard,
        other => {
            return Err(format!(
                "account_type {other:?} is not one Codat takes: {ACCOUNT_TYPES}"
            ));
        }
    };
    let name = required("name", "the account's name as the company will see it")?;
    let currency = value(a, "currency").map(str::to_owned);
    if let Some(c) = &currency
        && (c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(format!(
            "currency {c:?} is not an ISO 4217 code (three capital letters, like EUR), which \
             Codat requires"
        ));
    }
    let account_number =
        value(a, "account_number").map_or_else(|| source_account_id.clone(), str::to_owned);
    Ok(ExportAccount {
        account,
        source_account_id,
        account_type,
        name,
        account_number,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> Result<ExportSettings, String> {
        let config = importer::config::from_str(yaml, "c.yaml").map_err(|e| e.to_string())?;
        ExportSettings::from_export(&config.exports[0]).map_err(|e| e.to_string())
    }

    const GOOD: &str = "
exports:
  codat:
    api_key: the-key
    company_id: ' c-1 '
    connection_id: d-1
    base_url: http://127.0.0.1:9
    accounts:
      - account: Assets:Bank:Business
        source_account_id: biz
        account_type: checking
        name: Business current
      - account: Liabilities:Card:Corporate
        source_account_id: card
        account_type: creditCard
        name: Corporate card
        account_number: '****4321'
        currency: GBP
";

    #[test]
    fn reads_a_complete_export() {
        let s = settings(GOOD).unwrap();
        assert_eq!(s.name, "codat");
        assert_eq!(s.api_key.expose(), "the-key");
        assert_eq!(s.connection(), ConnectionRef::new("c-1", "d-1"));
        assert_eq!(s.base_url.as_deref(), Some("http://127.0.0.1:9"));
        let [biz, card] = &s.accounts[..] else {
            panic!("{:?}", s.accounts)
        };
        assert_eq!(
            (
                biz.account_type.clone(),
                biz.account_number.as_str(),
                &biz.currency
            ),
            (AccountType::Checking, "biz", &None)
        );
        assert_eq!(card.account_type, AccountType::CreditCard);
        assert_eq!(card.account_number, "****4321");
        assert_eq!(card.currency.as_deref(), Some("GBP"));
        assert!(!format!("{s:?}").contains("the-key"));
        assert_eq!(s.client().unwrap().base_url(), "http://127.0.0.1:9/");
    }

    #[test]
    fn refuses_what_cannot_be_used() {
        let cases = [
            (
                "company_id: ' c-1 '",
                "company_id: ''",
                "`company_id` is missing",
            ),
            (
                "    api_key: the-key",
                "    api_key: k\n    api_secret: s",
                "unknown key `api_secret` (a Codat export takes: provider, accounts, api_key, company_id, connection_id, base_url)",
            ),
            (
                "account_type: checking",
                "account_type: current",
                "account_type \"current\" is not one Codat takes",
            ),
            (
                "account_type: creditCard",
                "account_type: credit",
                "not one Codat takes",
            ),
            ("currency: GBP", "currency: gbp", "not an ISO 4217 code"),
            (
                "name: Business current",
                "nme: Business current",
                "accounts[0]: unknown key `nme`",
            ),
            (
                "account: Assets:Bank:Business",
                "account: assets:bank",
                "accounts[0]: invalid account name",
            ),
            (
                "source_account_id: card",
                "source_account_id: biz",
                "accounts[1]: the source account id \"biz\" is used twice",
            ),
            (
                "account: Liabilities:Card:Corporate",
                "account: Assets:Bank:Business",
                "accounts[1]: Assets:Bank:Business is exported twice",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(GOOD.contains(from), "{from}");
            let e = settings(&GOOD.replacen(from, to, 1)).unwrap_err();
            assert!(e.starts_with("export codat: "), "{e}");
            assert!(e.contains(expected), "{to}: {e}");
        }
        let e = settings("exports:\n  books:\n    provider: xero\n").unwrap_err();
        assert!(e.contains("provider \"xero\" is not \"codat\""), "{e}");
        let e = settings(
            "exports:\n  codat:\n    api_key: k\n    company_id: c\n    connection_id: d\n",
        )
        .unwrap_err();
        assert!(e.contains("`accounts` is empty"), "{e}");
    }
}
