//! Bank presets: each bank's quirks in PSD2 data, fixed by a few
//! declarative steps written in YAML.
//!
//! Banks fill the same fields differently: the payee hidden in the
//! remittance text, a narration cut into 35-character pieces, card
//! accounts with the sign flipped, the value date as the real date,
//! `NOTPROVIDED` ids, pending records that never become right. A
//! [`Preset`] holds the fixes for one bank as data:
//!
//! ```yaml
//! name: alior
//! description: Card payments carry the merchant only in the remittance text.
//! institutions: [ALIOR_ALBPPLPW]
//! steps:
//!   - name: merchant of a card payment
//!     if:
//!       amount: "< 0"
//!       missing: creditor_name
//!       remittance: '(?is)^Transakcja kartą [^,]+,\s*(.+)$'
//!     set: { creditor_name: "$1" }
//! ```
//!
//! How the parts fit:
//!
//! - [`Presets`] is the catalogue: [`Presets::builtin`] holds one preset per
//!   bank handler of Actual Budget (the YAML files in `presets/`, compiled
//!   into the crate; each is read in full only when first asked for, as a
//!   run uses one or two), [`Presets::load_file`] adds or replaces presets
//!   from a user's file, and [`Presets::for_institution`] picks the one for
//!   an account's institution id.
//! - [`Preset::apply`] runs a preset's steps on one
//!   [`importer::BankTransaction`], before rules and categorisation. It
//!   never fails: a step that cannot do its work leaves the record as it
//!   was and returns a [`Warning`]; a `drop` step returns
//!   [`Applied::Dropped`].
//! - [`Preset::balance_preference`] says which reported balance is the
//!   account's balance ([`BalancePreference`]).
//!
//! Everything that can be checked is checked when a preset loads (field
//! names, regexes, capture references, date formats), with the file, line
//! and column of the mistake ([`PresetError`]). The language is described
//! in `docs/presets.md`.

mod balance;
mod catalogue;
mod condition;
mod de;
mod error;
mod field;
mod step;
mod template;

pub use balance::{BalanceDate, BalanceKind, BalancePreference};
pub use catalogue::{Applied, Preset, Presets, Source, Warning};
pub use error::PresetError;
