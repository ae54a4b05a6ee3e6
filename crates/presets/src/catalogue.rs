//! The catalogue of presets (shipped and the user's) and applying one.

use std::cell::OnceCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use importer::BankTransaction;

use crate::balance::BalancePreference;
use crate::de::{File, Header};
use crate::error::{PresetError, yaml_error};
use crate::step::{Outcome, Step};

/// `(file, text)` of each shipped preset, embedded at compile time.
macro_rules! builtin {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../presets/", $file)))),*]
    };
}

/// The shipped presets, one file each, in name order (a test checks that
/// every file of `presets/` is listed).
pub(crate) const BUILTIN: &[(&str, &str)] = builtin!(
    "1822direkt.yaml",
    "abanca.yaml",
    "abn-amro.yaml",
    "alior.yaml",
    "american-express.yaml",
    "banc-sabadell.yaml",
    "bank-of-ireland.yaml",
    "bankinter.yaml",
    "belfius.yaml",
    "berliner-sparkasse.yaml",
    "bnp-paribas-fortis.yaml",
    "boursobank.yaml",
    "bper.yaml",
    "cbc.yaml",
    "cetelem.yaml",
    "commerzbank.yaml",
    "danske-bank.yaml",
    "easybank.yaml",
    "entercard.yaml",
    "fortuneo.yaml",
    "hype.yaml",
    "ing-de.yaml",
    "ing-poland.yaml",
    "ing-romania.yaml",
    "isybank.yaml",
    "kbc.yaml",
    "lhv.yaml",
    "mbank.yaml",
    "nationwide.yaml",
    "nbg.yaml",
    "norwegian.yaml",
    "raiffeisen-at.yaml",
    "revolut.yaml",
    "sandbox-finance.yaml",
    "seb-kort.yaml",
    "seb-sweden.yaml",
    "spar-nord.yaml",
    "spk-karlsruhe.yaml",
    "spk-marburg.yaml",
    "spk-worms.yaml",
    "ssk-dusseldorf.yaml",
    "ssk-munchen.yaml",
    "swedbank-latvia.yaml",
    "virgin-money.yaml",
);

/// Presets by name, shipped ones first, then the user's.
///
/// A shipped preset is compiled (its steps read, its regexes built) when
/// it is first asked for: a run uses one or two of them, and building all
/// of them cost more than a tenth of a second's import.
///
/// ```
/// use presets::Presets;
/// let all = Presets::builtin();
/// let p = all.for_institution("COMMERZBANK_COBADEFF").unwrap();
/// assert_eq!(p.name(), "commerzbank");
/// assert!(all.get("commerzbank").is_some());
/// assert!(all.for_institution("SOME_OTHER_BANK").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Presets {
    list: Vec<Entry>,
}

/// A preset of the catalogue, by what finds it, compiled on first use
/// when shipped.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    institutions: Vec<String>,
    /// The shipped file and the preset's place in it; `None` for a user's
    /// preset (compiled when its file was loaded).
    shipped: Option<(&'static str, &'static str, usize)>,
    preset: OnceLock<Preset>,
}

impl Entry {
    fn preset(&self) -> &Preset {
        self.preset.get_or_init(|| {
            let (file, text, i) = self
                .shipped
                .expect("a user's preset is compiled when loaded");
            let mut all = parse_builtin::<File<Preset>>(file, text).0;
            all.swap_remove(i)
        })
    }

    fn is_users(&self) -> bool {
        self.shipped.is_none()
    }
}

/// A shipped file read as `T`. The shipped files are checked by this
/// crate's tests, so a failure is a bug of the build.
fn parse_builtin<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> T {
    serde_norway::from_str(text)
        .unwrap_or_else(|e| panic!("{}", yaml_error(&e, &format!("builtin:{file}"))))
}

impl Presets {
    /// The presets shipped with gc-beancount, one per bank handler of
    /// Actual Budget.
    pub fn builtin() -> Presets {
        let mut list = Vec::with_capacity(BUILTIN.len());
        for &(file, text) in BUILTIN {
            let File::<Header>(headers) = parse_builtin(file, text);
            list.extend(headers.into_iter().enumerate().map(|(i, h)| Entry {
                name: h.name,
                institutions: h.institutions,
                shipped: Some((file, text, i)),
                preset: OnceLock::new(),
            }));
        }
        Presets { list }
    }

    /// Adds the presets of a user file (one preset, or a list of them). A
    /// preset with the name of one already known replaces it; the user's
    /// presets also win over shipped ones for an institution both name.
    ///
    /// # Errors
    ///
    /// The file cannot be read, is not valid YAML, or a preset in it is not
    /// valid (with the file, line and column), or it names the same preset
    /// twice. Nothing is added then.
    pub fn load_file(&mut self, path: &Path) -> Result<(), PresetError> {
        let text = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
            path: path.to_owned(),
            source,
        })?;
        let origin = path.display().to_string();
        let File::<Preset>(mut presets) =
            serde_norway::from_str(&text).map_err(|e| yaml_error(&e, &origin))?;
        for (i, p) in presets.iter().enumerate() {
            if presets[..i].iter().any(|q| q.name == p.name) {
                let (line, column) = locate_name(&text, &p.name, 2);
                return Err(PresetError::Invalid {
                    origin,
                    line,
                    column,
                    message: format!("preset `{}` is defined twice in this file", p.name),
                });
            }
        }
        for mut p in presets.drain(..) {
            p.source = Source::File(path.to_owned());
            let entry = Entry {
                name: p.name.clone(),
                institutions: p.institutions.clone(),
                shipped: None,
                preset: OnceLock::from(p),
            };
            match self.list.iter_mut().find(|q| q.name == entry.name) {
                Some(q) => *q = entry,
                None => self.list.push(entry),
            }
        }
        Ok(())
    }

    /// The preset for a GoCardless institution id: the user's (the last
    /// loaded first), else the shipped one.
    pub fn for_institution(&self, institution_id: &str) -> Option<&Preset> {
        let claims = |e: &&Entry| e.institutions.iter().any(|i| i == institution_id);
        self.list
            .iter()
            .rev()
            .filter(|e| e.is_users())
            .find(claims)
            .or_else(|| self.list.iter().find(claims))
            .map(Entry::preset)
    }

    /// The preset called `name`.
    pub fn get(&self, name: &str) -> Option<&Preset> {
        self.list.iter().find(|e| e.name == name).map(Entry::preset)
    }

    /// The names of every preset, in the order of [`Presets::iter`],
    /// without compiling any.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|e| e.name.as_str())
    }

    /// Every preset, shipped ones first (in name order), then the user's.
    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.list.iter().map(Entry::preset)
    }
}

impl<'a> IntoIterator for &'a Presets {
    type Item = &'a Preset;
    type IntoIter = Box<dyn Iterator<Item = &'a Preset> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Where a preset comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Shipped with gc-beancount.
    Builtin,
    /// A user's preset file.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin => f.write_str("builtin"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One bank's preset: steps run on each of its transactions, and which
/// balance to assert.
#[derive(Debug, Clone)]
pub struct Preset {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) institutions: Vec<String>,
    pub(crate) steps: Vec<Step>,
    pub(crate) balance: Option<BalancePreference>,
    pub(crate) source: Source,
}

impl Preset {
    /// Its name, as `preset: NAME` in the configuration refers to it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it fixes, in a sentence or two (may be empty for a user's).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The GoCardless institution ids it is chosen for automatically.
    pub fn institutions(&self) -> &[String] {
        &self.institutions
    }

    /// Where it comes from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Which balance to assert, when the preset says; `None` leaves the
    /// choice to the account's configuration.
    pub fn balance_preference(&self) -> Option<&BalancePreference> {
        self.balance.as_ref()
    }

    /// Runs the steps on one transaction, in order. A step whose
    /// conditions do not hold, or that finds nothing to work on, changes
    /// nothing.
    ///
    /// Never fails: when a step cannot do its work on this record (a date
    /// or amount that does not read, say), the record is put back as it
    /// was before the preset, kept, and the result carries a
    /// [`Warning`].
    ///
    /// ```
    /// use gocardless::TransactionRecord;
    /// use importer::{BankTransaction, Status};
    /// let presets = presets::Presets::builtin();
    /// let belfius = presets.get("belfius").unwrap();
    /// let r = TransactionRecord::from_json(r#"{"transactionId": "dup",
    ///   "internalTransactionId": "D2023", "bookingDate": "2023-01-18",
    ///   "transactionAmount": {"amount": "100", "currency": "EUR"}}"#).unwrap();
    /// let mut t = gocardless::statement::bank_transaction(&r, Status::Booked).unwrap();
    /// assert!(belfius.apply(&mut t).is_kept());
    /// assert_eq!(t.ids.transaction_id.as_deref(), Some("D2023"));
    /// ```
    #[must_use = "a dropped transaction must be left out, and a warning shown"]
    pub fn apply(&self, tx: &mut BankTransaction) -> Applied {
        if self.steps.is_empty() {
            return Applied::Kept;
        }
        let before = tx.clone();
        let parsed: OnceCell<Option<serde_json::Value>> = OnceCell::new();
        let raw = || {
            parsed
                .get_or_init(|| serde_json::from_str(&before.raw).ok())
                .as_ref()
        };
        for (i, step) in self.steps.iter().enumerate() {
            match step.run(tx, &raw) {
                Ok(Outcome::Skipped) => {}
                Ok(Outcome::Applied) if step.stop => break,
                Ok(Outcome::Applied) => {}
                Ok(Outcome::Drop) => return Applied::Dropped,
                Err(message) => {
                    let warning = Warning {
                        preset: self.name.clone(),
                        step: i + 1,
                        step_name: step.name.clone(),
                        record: record_label(&before),
                        message,
                    };
                    *tx = before;
                    return Applied::Failed(warning);
                }
            }
        }
        Applied::Kept
    }
}

/// A preset is the importer's per-account [`importer::Adjust`]: the
/// pipeline applies it to each transaction before conversion.
impl importer::Adjust for Preset {
    fn adjust(&self, tx: &mut BankTransaction) -> importer::Adjusted {
        match self.apply(tx) {
            Applied::Kept => importer::Adjusted::Kept,
            Applied::Dropped => importer::Adjusted::Dropped,
            Applied::Failed(w) => importer::Adjusted::Failed(w.to_string()),
        }
    }

    fn balance(&self) -> Option<importer::BalanceChoice> {
        self.balance.as_ref().map(BalancePreference::choice)
    }
}

/// What [`Preset::apply`] did with a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Keep it (changed or not).
    Kept,
    /// Leave it out: a step dropped it.
    Dropped,
    /// A step could not do its work: the transaction is as the bank sent
    /// it and is kept; show the warning.
    Failed(Warning),
}

impl Applied {
    /// Whether the transaction stays (also after a failed step).
    pub fn is_kept(&self) -> bool {
        !matches!(self, Applied::Dropped)
    }

    /// The warning of a failed step.
    pub fn warning(&self) -> Option<&Warning> {
        match self {
            Applied::Failed(w) => Some(w),
            _ => None,
        }
    }
}

/// A step that could not do its work on one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The preset's name.
    pub preset: String,
    /// The step's number (1-based) in the preset's `steps:`.
    pub step: usize,
    /// The step's `name:`, when it has one.
    pub step_name: Option<String>,
    /// The transaction: its first id (transaction id, internal id, entry
    /// reference, end-to-end id), else its date, amount and currency.
    pub record: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "preset `{}` step {}", self.preset, self.step)?;
        if let Some(n) = &self.step_name {
            write!(f, " ({n})")?;
        }
        write!(
            f,
            ", transaction {}: {}; the transaction is imported as the bank sent it (fix the preset, or set `preset: none` for the account)",
            self.record, self.message
        )
    }
}

/// How a warning names a transaction.
fn record_label(t: &BankTransaction) -> String {
    let ids = &t.ids;
    if let Some(id) = [
        &ids.transaction_id,
        &ids.internal_transaction_id,
        &ids.entry_reference,
        &ids.end_to_end_id,
    ]
    .into_iter()
    .flatten()
    .next()
    {
        return format!("`{id}`");
    }
    let date = t
        .booking_date
        .or(t.value_date)
        .or(t.booking_date_time)
        .or(t.value_date_time)
        .map_or_else(|| "undated".to_owned(), |d| d.to_string());
    format!("of {date} for {} {}", t.amount, t.currency)
}

/// The position of the `n`-th `name: NAME` line (1-based), else of the
/// first, for errors found after parsing.
fn locate_name(text: &str, name: &str, n: usize) -> (usize, usize) {
    let mut hits = text.lines().enumerate().filter_map(|(i, line)| {
        let k = line.find("name:")?;
        let value = line[k + 5..].trim().trim_matches(|c| c == '"' || c == '\'');
        (value == name).then_some((i + 1, k + 1))
    });
    let first = hits.next();
    hits.nth(n.saturating_sub(2)).or(first).unwrap_or((1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What finds a shipped preset before it is compiled is what compiling
    /// it gives.
    #[test]
    fn headers_are_what_the_whole_preset_says() {
        for &(file, text) in BUILTIN {
            let File::<Header>(headers) = parse_builtin(file, text);
            let File::<Preset>(presets) = parse_builtin(file, text);
            assert_eq!(headers.len(), presets.len(), "{file}");
            for (h, p) in headers.iter().zip(&presets) {
                assert_eq!(h.name, p.name, "{file}");
                assert_eq!(h.institutions, p.institutions, "{file}");
            }
        }
        let all = Presets::builtin();
        assert!(all.list.iter().all(|e| e.preset.get().is_none()));
        let names: Vec<&str> = all.names().collect();
        assert_eq!(names, all.iter().map(Preset::name).collect::<Vec<_>>());
    }
}
