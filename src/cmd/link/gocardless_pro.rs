//! `link --source NAME` for GoCardless Pro: there is nothing to link, the
//! access token in the configuration is the connection. This checks the
//! token by listing the creditors it sees, and prints the `creditor:` line
//! that limits the source to one of them.

use anyhow::Context as _;
use gocardless_pro::Settings;
use importer::{Config, SourceConfig};
use source::yaml;

use crate::cli::LinkArgs;
use crate::exit::{Outcome, usage};
use crate::ui;

/// Checks the source's access token and lists its creditors.
pub fn run(config: &Config, source: &SourceConfig, args: &LinkArgs) -> anyhow::Result<Outcome> {
    if let Some(bank) = &args.bank {
        return Err(usage(format!(
            "--bank {bank}: source {} is GoCardless Pro (Direct Debit payouts), which links no \
             bank; banks are linked through a GoCardless Bank Account Data source \
             (`provider: gocardless`)",
            source.name
        )));
    }
    let settings =
        Settings::from_source(source).map_err(|e| usage(format!("{}: {e}", config.origin)))?;
    let client = settings
        .client()
        .map_err(|e| usage(format!("{}: source {}: {e}", config.origin, source.name)))?;
    let creditors = client
        .creditors()
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("source {}: checking the access token", source.name))?;
    ui::note(format!(
        "source {}: nothing to link: GoCardless Pro is read with the access token, which works \
         ({}, {} creditor{}); `gc-beancount import` books its payouts",
        source.name,
        settings.environment.as_str(),
        creditors.len(),
        if creditors.len() == 1 { "" } else { "s" }
    ));
    // Server text reaches the YAML only through `source::yaml`.
    let mut out = format!(
        "# The creditors the access token of source {} sees. To import one only, add its\n\
         # line under the source (default: every one):\n",
        source.name
    );
    for c in &creditors {
        let about: Vec<&str> = [c.name.as_deref(), c.country_code.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        out.push_str(&format!(
            "#   creditor: {}  # {}\n",
            yaml::comment(c.id.as_str()),
            yaml::comment(&about.join(", "))
        ));
    }
    crate::output::write(None, &out)?;
    Ok(Outcome::Success)
}
