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
        // An agreement made without this scope (by another tool): a new
        // link asks for balances, details and transactions.
        Error::Forbidden { message, .. }
            if format!("{message}").to_lowercase().contains("scope") =>
        {
            Some(format!(
                "the agreement does not cover this data; {}",
                relink()
            ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use gocardless::{Operation, RateLimit, Subject};

    fn fixture(name: &str) -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/api/");
        std::fs::read_to_string(format!("{path}{name}")).unwrap()
    }

    fn on_account(status: u16, file: &str) -> Error {
        let op = Operation::on("GET transactions", Subject::Account("acc-1".into()));
        Error::from_response(op, status, &fixture(file), RateLimit::default())
    }

    #[test]
    fn an_expired_agreement_says_which_link_command_to_run() {
        for (status, file) in [
            (401, "error_401_eua_expired.json"),
            (401, "error_401_access_expired.json"),
            (403, "error_403_eua_scope.json"),
        ] {
            let err = on_account(status, file);
            let text = describe(&err, Some("REVOLUT_REVOGB21"));
            assert!(
                text.contains("gc-beancount link --bank REVOLUT_REVOGB21 --wait"),
                "{file}: {text}"
            );
            let text = describe(&err, None);
            assert!(text.contains("gc-beancount accounts"), "{file}: {text}");
        }
    }

    #[test]
    fn the_bank_limit_and_bad_credentials_have_advice_and_exit_codes() {
        let err = on_account(429, "error_429_institution_rate_limit.json");
        assert!(
            describe(&err, None).contains("4 reads a day"),
            "{}",
            describe(&err, None)
        );
        let op = Operation::new("POST token");
        let bad = Error::from_response(
            op,
            401,
            &fixture("error_401_authentication_failed.json"),
            RateLimit::default(),
        );
        assert!(describe(&bad, None).contains("secret_key"));
        assert_eq!(crate::exit::code_for(&with_advice(bad)), crate::exit::USAGE);
    }
}
