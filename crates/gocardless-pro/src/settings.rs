//! A GoCardless Pro source's settings, read from its
//! [`importer::SourceConfig`].

use importer::SourceConfig;
use importer::beancount::check_account;
use importer::config::PendingMode;

use crate::model::CreditorId;
use crate::{Client, Environment, Error, Secret};

/// The provider name a GoCardless Pro source gives in `provider:`.
pub const PROVIDER: &str = "gocardless-pro";

/// What a GoCardless Pro source is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source's name.
    pub name: String,
    /// The access token (read-only is enough). Never printed.
    pub access_token: Secret,
    /// Sandbox or live.
    pub environment: Environment,
    /// The API's base URL, to reach another server (tests, a proxy);
    /// checked when the client is built.
    pub base_url: Option<String>,
    /// The Beancount accounts payouts are booked to.
    pub accounts: Accounts,
    /// Only this creditor's payouts; every payout the token sees when
    /// `None`.
    pub creditor: Option<CreditorId>,
    /// What to do with payouts not yet paid.
    pub pending: PendingMode,
}

/// The Beancount accounts a payout's postings go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    /// The net payout (default `Assets:Transfers:GoCardless`): a transfer
    /// account that the bank's line of the same payout books against.
    pub payout: String,
    /// Fees, net of tax (default `Expenses:Fees:GoCardless`).
    pub fee: String,
    /// The tax on fees (default `Expenses:Fees:GoCardless:VAT`).
    pub tax: String,
    /// Payments collected, and refunds (default `Income:GoCardless`).
    pub income: String,
    /// Late failures and charge-backs; the income account when `None`.
    pub chargeback: Option<String>,
    /// What GoCardless rounded away; the fee account when `None`.
    pub rounding: Option<String>,
}

impl Default for Accounts {
    fn default() -> Accounts {
        Accounts {
            payout: "Assets:Transfers:GoCardless".to_owned(),
            fee: "Expenses:Fees:GoCardless".to_owned(),
            tax: "Expenses:Fees:GoCardless:VAT".to_owned(),
            income: "Income:GoCardless".to_owned(),
            chargeback: None,
            rounding: None,
        }
    }
}

impl Accounts {
    /// Where late failures and charge-backs go.
    pub fn chargeback(&self) -> &str {
        self.chargeback.as_deref().unwrap_or(&self.income)
    }

    /// Where the rounding goes.
    pub fn rounding(&self) -> &str {
        self.rounding.as_deref().unwrap_or(&self.fee)
    }
}

/// A GoCardless Pro source whose settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {source_name}: {message}")]
pub struct SettingsError {
    /// The source's name.
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

const KEYS: [&str; 11] = [
    "access_token",
    "environment",
    "base_url",
    "payout_account",
    "fee_account",
    "tax_account",
    "income_account",
    "chargeback_account",
    "rounding_account",
    "creditor",
    "pending",
];

impl Settings {
    /// Reads a source's settings.
    ///
    /// `environment` may be left out when the token says which it is
    /// (GoCardless' tokens start with `sandbox_` or `live_`); a token of
    /// the other environment is refused before any request.
    ///
    /// # Errors
    /// When the source is of another provider, has a key GoCardless Pro
    /// does not take, lacks the access token, names an invalid Beancount
    /// account, or books the payout to an account that also takes
    /// something else (deduplication finds payouts by that account).
    ///
    /// ```
    /// let config = importer::config::from_str(
    ///     "sources:\n  gcpro: { provider: gocardless-pro, access_token: sandbox_x, pending: skip }\n",
    ///     "c.yaml",
    /// ).unwrap();
    /// let s = gocardless_pro::Settings::from_source(&config.sources[0]).unwrap();
    /// assert_eq!(s.environment, gocardless_pro::Environment::Sandbox);
    /// assert_eq!(s.accounts.payout, "Assets:Transfers:GoCardless");
    /// assert_eq!(s.accounts.rounding(), "Expenses:Fees:GoCardless");
    /// assert_eq!(format!("{:?}", s.access_token), "[redacted]");
    /// ```
    pub fn from_source(source: &SourceConfig) -> Result<Settings, SettingsError> {
        let fail = |message: String| SettingsError {
            source_name: source.name.clone(),
            message,
        };
        if source.provider != PROVIDER {
            return Err(fail(format!(
                "provider {:?} is not {PROVIDER:?}",
                source.provider
            )));
        }
        if let Some(unknown) = source.settings.keys().find(|k| !KEYS.contains(k)) {
            return Err(fail(format!(
                "unknown key `{unknown}` (a GoCardless Pro source takes: provider, {})",
                KEYS.join(", ")
            )));
        }
        let get = |k: &str| {
            source
                .settings
                .get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let access_token = get("access_token").map(Secret::new).ok_or_else(|| {
            fail(
                "no `access_token`: create a read-only access token in the GoCardless \
                 dashboard (Developers → Create → Access token) and give it, e.g. \
                 `access_token: ${GOCARDLESS_ACCESS_TOKEN}`"
                    .to_owned(),
            )
        })?;
        let by_token = if access_token.expose().starts_with("sandbox_") {
            Some(Environment::Sandbox)
        } else if access_token.expose().starts_with("live_") {
            Some(Environment::Live)
        } else {
            None
        };
        let environment = match (get("environment"), by_token) {
            (Some(e), by_token) => {
                let e: Environment = e.parse().map_err(|_| {
                    fail(format!(
                        "`environment: {e}` is neither `sandbox` nor `live`"
                    ))
                })?;
                if let Some(t) = by_token.filter(|t| *t != e) {
                    return Err(fail(format!(
                        "the access token is a {t} token but `environment` is {e}: use a {e} \
                         token or set `environment: {t}`"
                    )));
                }
                e
            }
            (None, Some(t)) => t,
            (None, None) => {
                return Err(fail(
                    "no `environment`: say `environment: live` or `environment: sandbox`"
                        .to_owned(),
                ));
            }
        };
        let account = |key: &str, default: Option<&str>| -> Result<Option<String>, SettingsError> {
            match get(key).or(default) {
                None => Ok(None),
                Some(a) => check_account(a)
                    .map(|()| Some(a.to_owned()))
                    .map_err(|e| fail(format!("`{key}`: {e}"))),
            }
        };
        let defaults = Accounts::default();
        let required = |key: &str, default: &str| -> Result<String, SettingsError> {
            Ok(account(key, Some(default))?.unwrap_or_else(|| default.to_owned()))
        };
        let accounts = Accounts {
            payout: required("payout_account", &defaults.payout)?,
            fee: required("fee_account", &defaults.fee)?,
            tax: required("tax_account", &defaults.tax)?,
            income: required("income_account", &defaults.income)?,
            chargeback: account("chargeback_account", None)?,
            rounding: account("rounding_account", None)?,
        };
        for (key, other) in [
            ("fee_account", accounts.fee.as_str()),
            ("tax_account", &accounts.tax),
            ("income_account", &accounts.income),
            ("chargeback_account", accounts.chargeback()),
            ("rounding_account", accounts.rounding()),
        ] {
            if other == accounts.payout {
                return Err(fail(format!(
                    "`payout_account` and `{key}` are both {other}: the payout account must \
                     hold the payouts alone, because imported payouts are recognised on it"
                )));
            }
        }
        let creditor = match get("creditor") {
            None => None,
            Some(c)
                if c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                Some(CreditorId::new(c))
            }
            Some(c) => {
                return Err(fail(format!(
                    "`creditor: {c}` is not a GoCardless creditor id (like CR000123ABC)"
                )));
            }
        };
        let pending = match get("pending") {
            None | Some("flag") => PendingMode::Flag,
            Some("skip") => PendingMode::Skip,
            Some(p) => {
                return Err(fail(format!(
                    "`pending: {p}` is neither `flag` (write pending payouts with `!`) nor \
                     `skip` (wait until they are paid)"
                )));
            }
        };
        Ok(Settings {
            name: source.name.clone(),
            access_token,
            environment,
            base_url: get("base_url").map(str::to_owned),
            accounts,
            creditor,
            pending,
        })
    }

    /// A client for this source: its token, environment and base URL,
    /// with the client's default timeouts and retries.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the base URL is not acceptable
    /// (https, or http to loopback only).
    pub fn client(&self) -> Result<Client, Error> {
        let mut builder = Client::builder(self.access_token.clone(), self.environment);
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> SourceConfig {
        let config = importer::config::from_str(&format!("sources:\n  gcpro: {yaml}\n"), "c.yaml")
            .expect("the configuration loads");
        config.sources[0].clone()
    }

    fn err(yaml: &str) -> String {
        Settings::from_source(&source(yaml))
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn every_key_is_read_and_checked() {
        let s = Settings::from_source(&source(
            "{ provider: gocardless-pro, access_token: tok, environment: live, \
             base_url: 'http://127.0.0.1:1', payout_account: Assets:Clearing:GC, \
             fee_account: Expenses:Bank:Fees, tax_account: Assets:VAT:Input, \
             income_account: Assets:Receivables, chargeback_account: Expenses:Chargebacks, \
             rounding_account: Expenses:Rounding, creditor: CR123, pending: skip }",
        ))
        .unwrap();
        assert_eq!(s.name, "gcpro");
        assert_eq!(s.access_token.expose(), "tok");
        assert_eq!(s.environment, Environment::Live);
        assert_eq!(s.base_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(s.accounts.payout, "Assets:Clearing:GC");
        assert_eq!(s.accounts.fee, "Expenses:Bank:Fees");
        assert_eq!(s.accounts.tax, "Assets:VAT:Input");
        assert_eq!(s.accounts.income, "Assets:Receivables");
        assert_eq!(s.accounts.chargeback(), "Expenses:Chargebacks");
        assert_eq!(s.accounts.rounding(), "Expenses:Rounding");
        assert_eq!(s.creditor, Some(CreditorId::new("CR123")));
        assert_eq!(s.pending, PendingMode::Skip);
        assert!(!format!("{s:?}").contains("tok\""), "{s:?}");
    }

    #[test]
    fn defaults_apply() {
        let s = Settings::from_source(&source(
            "{ provider: gocardless-pro, access_token: live_abc }",
        ))
        .unwrap();
        assert_eq!(s.environment, Environment::Live);
        assert_eq!(s.accounts, Accounts::default());
        assert_eq!(s.accounts.chargeback(), "Income:GoCardless");
        assert_eq!(s.accounts.rounding(), "Expenses:Fees:GoCardless");
        assert_eq!(s.creditor, None);
        assert_eq!(s.pending, PendingMode::Flag);
    }

    #[test]
    fn mistakes_are_refused_with_what_to_do() {
        let cases = [
            (
                "{ provider: gocardless, access_token: t }",
                "is not \"gocardless-pro\"",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: live, secret_id: x }",
                "unknown key `secret_id`",
            ),
            (
                "{ provider: gocardless-pro, environment: live }",
                "no `access_token`",
            ),
            (
                "{ provider: gocardless-pro, access_token: t }",
                "no `environment`",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: prod }",
                "neither `sandbox` nor `live`",
            ),
            (
                "{ provider: gocardless-pro, access_token: sandbox_t, environment: live }",
                "is a sandbox token but `environment` is live",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: live, fee_account: Fees }",
                "`fee_account`: invalid account name",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: live, \
                 income_account: Assets:Transfers:GoCardless }",
                "`payout_account` and `income_account`",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: live, \
                 rounding_account: Assets:Transfers:GoCardless }",
                "`payout_account` and `rounding_account`",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: live, creditor: 'CR 1' }",
                "not a GoCardless creditor id",
            ),
            (
                "{ provider: gocardless-pro, access_token: t, environment: live, pending: keep }",
                "neither `flag`",
            ),
        ];
        for (yaml, expected) in cases {
            let e = err(yaml);
            assert!(e.contains(expected), "{yaml}: {e}");
            assert!(e.starts_with("source gcpro: "), "{e}");
        }
    }

    #[test]
    fn the_client_uses_the_base_url() {
        let s = Settings::from_source(&source(
            "{ provider: gocardless-pro, access_token: sandbox_t, base_url: 'http://127.0.0.1:9' }",
        ))
        .unwrap();
        assert_eq!(s.client().unwrap().base_url(), "http://127.0.0.1:9/");
        let s = Settings::from_source(&source(
            "{ provider: gocardless-pro, access_token: sandbox_t, base_url: 'http://example.com' }",
        ))
        .unwrap();
        assert!(s.client().is_err());
    }
}
