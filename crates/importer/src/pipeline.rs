//! The one path every source's data takes: statements → conversion
//! (categorised) → the two sides of own transfers joined → deduplication
//! against the ledger → completion (opening balances, `open` directives,
//! only balance assertions that hold) → Beancount text. `import`, `extract` and
//! `rules test` are thin callers of [`Run`].

use std::io;

use chrono::NaiveDate;

use crate::complete::{LeftOut, complete};
use crate::config::{AccountConfig, Config};
use crate::convert::{AccountOutput, Aliases, Decisions, Problem, convert_account};
use crate::dedup::{AccountSummary, DedupOptions, Duplicate, StalePending, dedup};
use crate::entry::Entry;
use crate::learn::Model;
use crate::ledger::Ledger;
use crate::render::{Block, print, write};
use crate::rules::Categorizer;
use crate::statement::{Adjust, Statement};
use crate::transfer::{Merged, merge};

/// One account's statement, paired with the account's configuration.
pub struct Input<'a> {
    /// The account.
    pub account: &'a AccountConfig,
    /// Its data.
    pub statement: Statement<'a>,
    /// The change made to each transaction before conversion (the
    /// account's bank preset), if any.
    pub adjust: Option<&'a dyn Adjust>,
}

/// One run of the pipeline: what it converts with and against.
pub struct Run<'a> {
    /// The configuration (rules, dedup settings).
    pub config: &'a Config,
    /// The user's ledger (`-e`), when given: learned from, deduplicated
    /// against.
    pub ledger: Option<&'a Ledger>,
    /// Today, for pending entries and which balances are of a past day.
    pub today: NaiveDate,
    /// Rules, the model learned from the ledger, and the user's own
    /// accounts by IBAN ([`Categorizer::own`]: a caller that knows more
    /// IBANs adds them).
    pub categorizer: Categorizer,
    /// How deduplication behaves.
    pub dedup: DedupOptions,
    /// Which categorisation decisions the outputs keep: only those a rule
    /// took unless set otherwise (`rules test` wants them all).
    pub decisions: Decisions,
}

/// What [`Run::import`] produced: the entries to write, and what to tell
/// the user about them.
///
/// Its Beancount text ([`Imported::write`], [`Imported::text`]): `open`
/// directives for the accounts it uses that the ledger (if any) does not
/// open, opening balances, then each account's block with something new.
/// Without a ledger it is a ledger of its own; with one, empty when nothing
/// is new.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The `open` directives written first.
    pub opens: Vec<Entry>,
    /// The opening balances written after them.
    pub openings: Vec<Entry>,
    /// Balance assertions left out because they would not hold.
    pub left_out: Vec<LeftOut>,
    /// What to say at `-v`, over all accounts ([`AccountOutput::notes`]).
    pub notes: Vec<String>,
    /// Each account's entries as written, after the opening balances.
    pub outputs: Vec<AccountOutput>,
    /// Transfers whose two sides became one entry.
    pub merged: Vec<Merged>,
    /// Duplicates left out (with a ledger).
    pub duplicates: Vec<Duplicate>,
    /// Pending ledger entries that nothing matched (with a ledger).
    pub stale_pending: Vec<StalePending>,
    /// One line per account (with a ledger).
    pub summaries: Vec<AccountSummary>,
}

impl Imported {
    /// Writes the Beancount text to `out`, in pieces: it is never held
    /// whole.
    ///
    /// # Errors
    /// The first error `out` gives.
    pub fn write(&self, out: &mut dyn io::Write) -> io::Result<()> {
        write(&self.blocks(), out)
    }

    /// The Beancount text, as one string.
    pub fn text(&self) -> String {
        print(&self.blocks())
    }

    fn blocks(&self) -> Vec<Block<'_>> {
        let mut blocks = Vec::with_capacity(self.outputs.len() + 2);
        if !self.opens.is_empty() {
            blocks.push(Block {
                heading: None,
                entries: &self.opens,
            });
        }
        if !self.openings.is_empty() {
            blocks.push(Block {
                heading: Some("Opening balances".to_owned()),
                entries: &self.openings,
            });
        }
        blocks.extend(self.outputs.iter().map(AccountOutput::block));
        blocks
    }

    /// Every record that could not be converted, over all accounts.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.outputs.iter().flat_map(|o| &o.problems)
    }

    /// How many records were written as comments holding their data.
    pub fn invalid(&self) -> usize {
        self.outputs
            .iter()
            .flat_map(|o| &o.entries)
            .filter(|e| matches!(e, Entry::Invalid(_)))
            .count()
    }
}

impl<'a> Run<'a> {
    /// A run with the configuration's rules, a model learned from `ledger`
    /// and dedup settings from the configuration.
    pub fn new(config: &'a Config, ledger: Option<&'a Ledger>, today: NaiveDate) -> Run<'a> {
        let mut categorizer = Categorizer::new(config);
        if let Some(l) = ledger {
            categorizer = categorizer.with_model(Model::from_ledger(l, config));
        }
        Run {
            config,
            ledger,
            today,
            categorizer,
            dedup: DedupOptions::from_config(&config.dedup),
            decisions: Decisions::ByRule,
        }
    }

    /// Converts each account on its own, in input order, transfers not
    /// joined: what `rules test` shows.
    pub fn convert(&self, inputs: &[Input<'_>]) -> Vec<AccountOutput> {
        // Only deduplication against the ledger reads a transaction's
        // other ids.
        let aliases = match self.ledger {
            Some(_) => Aliases::Keep,
            None => Aliases::Leave,
        };
        inputs
            .iter()
            .map(|i| convert_account(i, self.today, &self.categorizer, self.decisions, aliases))
            .collect()
    }

    /// Converts, joins the two sides of own transfers, leaves out what the
    /// ledger holds and completes: what is left to print
    /// ([`Imported::write`]).
    pub fn import(&self, inputs: &[Input<'_>]) -> Imported {
        self.import_outputs(self.convert(inputs))
    }

    /// Like [`Run::import`] for outputs already converted: a source whose
    /// records are not bank lines (a GoCardless Pro payout is several
    /// postings) builds its [`AccountOutput`] itself and joins the
    /// pipeline here.
    pub fn import_outputs(&self, mut outputs: Vec<AccountOutput>) -> Imported {
        let merged = merge(&mut outputs);
        let mut imported = Imported {
            outputs: Vec::new(),
            opens: Vec::new(),
            openings: Vec::new(),
            left_out: Vec::new(),
            notes: Vec::new(),
            merged,
            duplicates: Vec::new(),
            stale_pending: Vec::new(),
            summaries: Vec::new(),
        };
        if let Some(ledger) = self.ledger {
            // The `open` directives are completion's to write, with the
            // opening balances' accounts: dedup's own would be thrown away.
            let opts = DedupOptions {
                write_opens: false,
                ..self.dedup.clone()
            };
            let result = dedup(outputs, ledger, &opts);
            outputs = result.outputs;
            imported.duplicates = result.duplicates;
            imported.stale_pending = result.stale_pending;
            imported.summaries = result.summaries;
        }
        let completion = complete(
            &mut outputs,
            self.ledger,
            &self.config.opening,
            self.dedup.write_opens,
        );
        imported.notes = outputs.iter().flat_map(|o| o.notes.clone()).collect();
        if self.ledger.is_some() {
            // Nothing new for an account: no block at all, so a run that
            // finds nothing new prints nothing and `>> ledger` appends
            // nothing. A remark alone (why no balance is asserted) is not
            // news either: it would be appended again every day.
            // (With `--mark-duplicates` the comments are the point.)
            let marked = self.dedup.mark_duplicates;
            outputs.retain(|o| {
                o.entries
                    .iter()
                    .any(|e| marked || !matches!(e, Entry::Comment(_)))
            });
        }
        imported.opens = completion.opens;
        imported.openings = completion.openings;
        imported.left_out = completion.left_out;
        imported.outputs = outputs;
        imported
    }
}

/// Prints each account's block under a heading naming the account, its
/// source and how many entries follow.
pub fn print_outputs(outputs: &[AccountOutput]) -> String {
    print(&outputs.iter().map(AccountOutput::block).collect::<Vec<_>>())
}
