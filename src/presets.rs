//! Bank presets for this run: the shipped ones and the user's files, and
//! the one each account uses.

use std::path::{Path, PathBuf};

use gocardless::store::CachedClient;
use importer::config::PresetChoice;
use importer::{AccountConfig, Config};
use presets::{Preset, Presets};

use crate::config_path::Located;
use crate::exit::usage;

/// The shipped presets and the user's (`presets:` files, relative to the
/// configuration's folder), the user's replacing shipped ones of the same
/// name.
pub fn load(located: &Located, config: &Config) -> anyhow::Result<Presets> {
    let mut all = Presets::builtin();
    let folder = located.path.parent().unwrap_or(Path::new("."));
    for file in &config.preset_files {
        let path = PathBuf::from(file);
        let path = if path.is_relative() {
            folder.join(path)
        } else {
            path
        };
        all.load_file(&path).map_err(|e| usage(e.to_string()))?;
    }
    Ok(all)
}

/// Why an account uses the preset it uses, for `config check`.
pub enum Chosen<'p> {
    /// `preset: NAME`.
    Named(&'p Preset),
    /// Made for the account's bank.
    ByInstitution(&'p Preset, String),
    /// None applies.
    None(&'static str),
}

impl<'p> Chosen<'p> {
    /// The preset, when one applies.
    pub fn preset(&self) -> Option<&'p Preset> {
        match self {
            Chosen::Named(p) | Chosen::ByInstitution(p, _) => Some(p),
            Chosen::None(_) => None,
        }
    }

    /// One line saying which and why.
    pub fn describe(&self) -> String {
        match self {
            Chosen::Named(p) => format!("{} (configured)", p.name()),
            Chosen::ByInstitution(p, id) => format!("{} (for {id})", p.name()),
            Chosen::None(why) => format!("none ({why})"),
        }
    }
}

/// The preset of `account`: the one it names, else the one made for its
/// bank (`institution`, from GoCardless' account metadata), else none.
///
/// # Errors
/// When the account names a preset that does not exist.
pub fn choose<'p>(
    presets: &'p Presets,
    account: &AccountConfig,
    institution: Option<&str>,
) -> anyhow::Result<Chosen<'p>> {
    match &account.preset {
        PresetChoice::None => Ok(Chosen::None("preset: none")),
        PresetChoice::Named(name) => match presets.get(name) {
            Some(p) => Ok(Chosen::Named(p)),
            None => {
                let names: Vec<&str> = presets.names().collect();
                Err(usage(format!(
                    "account {}: no bank preset is named {name:?} (`gc-beancount presets` lists \
                     them: {})",
                    account.label(),
                    names.join(", ")
                )))
            }
        },
        PresetChoice::ByInstitution => Ok(match institution {
            None => Chosen::None("the account's bank is not known yet"),
            Some(id) => match presets.for_institution(id) {
                Some(p) => Chosen::ByInstitution(p, id.to_owned()),
                None => Chosen::None("no preset for this bank"),
            },
        }),
    }
}

/// The institution of each configured account, from GoCardless' account
/// metadata (stored, or asked for: it costs none of the bank's budget);
/// `None` where it cannot be had.
pub fn institutions(config: &Config, client: &CachedClient) -> Vec<Option<String>> {
    config
        .accounts
        .iter()
        .map(|a| {
            client
                .metadata(&a.id)
                .ok()
                .and_then(|m| m.value.institution_id)
        })
        .collect()
}
