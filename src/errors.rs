//! Turning library errors into messages that say what to do.

use gocardless::Error;

/// Whether a library error is a configuration error (exit status 2).
pub fn is_config_error(err: &(dyn std::error::Error + 'static)) -> bool {
    err.is::<importer::ConfigError>()
        || matches!(
            err.downcast_ref::<Error>(),
            Some(Error::InvalidConfig { .. } | Error::BadCredentials { .. })
        )
}

/// What the user should do about a GoCardless error, when there is
/// something specific to do. `institution` is the account's bank, when
/// known, so the re-link command can be given in full.
pub fn advice(err: &Error, institution: Option<&str>) -> Option<String> {
    let relink = || match institution {
        Some(bank) => format!(
            "connect it again with `gc-beancount link --bank {bank} --wait` and put the new \
             account id in the configuration"
        ),
        None => "connect it again with `gc-beancount link --bank INSTITUTION_ID --wait` (the \
                 institution is shown by `gc-beancount accounts`) and put the new account id in \
                 the configuration"
            .to_owned(),
    };
    match err {
        Error::AccessExpired { .. } => Some(relink()),
        Error::AccountState { status, .. }
            if status.as_deref().is_some_and(|s| {
                s.eq_ignore_ascii_case("expired") || s.eq_ignore_ascii_case("suspended")
            }) =>
        {
            Some(relink())
        }
        Error::DailyLimit { .. } => Some(
            "the bank allows 4 reads a day per account; nothing is stored for it yet, so try \
             again after the reset"
                .to_owned(),
        ),
        Error::RateLimited { .. } => Some("wait a minute and run it again".to_owned()),
        Error::BadCredentials { .. } => Some(format!(
            "check `secret_id` and `secret_key` in the configuration (user secrets at {})",
            crate::connect::SECRETS_URL
        )),
        Error::Connection { .. } | Error::Timeout { .. } => {
            Some("check the network (or use --offline to work from the stored data)".to_owned())
        }
        Error::NotFound { op, .. } if op.account_id().is_some() => Some(
            "the account id is unknown to GoCardless: check it against `gc-beancount accounts`"
                .to_owned(),
        ),
        _ => None,
    }
}

/// The error as one message with its advice appended.
pub fn describe(err: &Error, institution: Option<&str>) -> String {
    match advice(err, institution) {
        Some(a) => format!("{err}\n  what to do: {a}"),
        None => err.to_string(),
    }
}

/// A GoCardless error as an `anyhow` error carrying its advice.
pub fn with_advice(err: Error) -> anyhow::Error {
    match advice(&err, None) {
        Some(advice) => anyhow::Error::new(Advised { err, advice }),
        None => anyhow::Error::new(err),
    }
}

/// A cached client's error as an `anyhow` error, with advice for API errors.
pub fn cache_error(err: gocardless::store::CacheError) -> anyhow::Error {
    match err {
        gocardless::store::CacheError::Api(e) => with_advice(e),
        other => anyhow::Error::new(other),
    }
}

/// An error and what to do about it; the error stays reachable as the
/// source, so the exit status is still decided by its kind.
#[derive(Debug)]
struct Advised {
    err: Error,
    advice: String,
}

impl std::fmt::Display for Advised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  what to do: {}", self.err, self.advice)
    }
}

impl std::error::Error for Advised {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.err)
    }
}
