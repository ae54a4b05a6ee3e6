//! A fast, lenient reader of existing Beancount ledgers, indexed for
//! deduplication.
//!
//! [`Ledger::load`] reads the files given with `-e/--existing`, follows
//! `include` directives (relative to the including file, globs allowed) and
//! keeps what matching needs, each with its file and line: transactions
//! (date, flag, payee, narration, tags, links, metadata, postings with
//! account, units, flag, metadata and whether they have a cost or price),
//! `open`, `close`, `balance` (with its tolerance) and `pad` directives.
//!
//! It is a focused byte scanner, not a full parser: anything valid in
//! Beancount (options, plugins, `pushtag`/`pushmeta`, org-mode headers,
//! prices, costs, number expressions, unicode accounts, custom directives)
//! is read without error, and a line it does not understand is counted and
//! skipped, never fatal. Files are read in chunks and the records are kept
//! in a few flat arrays, so memory stays below the size of the ledger.
//!
//! ```
//! use importer::ledger::{Ledger, LedgerOptions};
//! use std::path::Path;
//!
//! let text = r#"
//! 2026-01-01 open Assets:Bank EUR
//! 2026-01-05 * "Bakery" "Bread"
//!   Assets:Bank  -3.20 EUR
//!     gocardless_id: "tx-1"
//!   Expenses:Food
//! "#;
//! let ledger = Ledger::from_source(Path::new("main.bean"), text, &LedgerOptions::default()).unwrap();
//! let found: Vec<_> = ledger.postings_with_id("Assets:Bank", "tx-1").collect();
//! assert_eq!(found[0].transaction().location().to_string(), "main.bean:3");
//! ```

mod index;
mod number;
mod parse;
#[doc(hidden)]
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use index::{Index, Interner};
pub(crate) use number::parse_literal;

/// The metadata keys that carry an importer's transaction id by default:
/// ours (`gocardless_id`, on postings) and the Python `beancount-gocardless`
/// importer's (`nordref`, on transactions).
pub const DEFAULT_ID_KEYS: &[&str] = &["gocardless_id", "nordref"];

/// How a ledger is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerOptions {
    /// Metadata keys holding an importer's id, on postings or transactions.
    /// An id in a transaction's metadata stands for its first posting.
    pub id_keys: Vec<String>,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        LedgerOptions {
            id_keys: DEFAULT_ID_KEYS.iter().map(|k| k.to_string()).collect(),
        }
    }
}

/// Why a ledger could not be read. Lines the reader does not understand are
/// never an error; missing files are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A ledger file given by the user cannot be read.
    #[error("cannot read ledger file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An `include` names a file that cannot be read, or a glob that matches
    /// no file.
    #[error(
        "{from}:{line}: included file {path} cannot be read ({reason}); fix or remove the include"
    )]
    Include {
        /// The included path or pattern, resolved against the including file.
        path: PathBuf,
        /// The including file.
        from: PathBuf,
        /// The line of the `include` directive.
        line: u32,
        /// Why it failed.
        reason: String,
    },
}

/// Where a directive starts: a file and a 1-based line. Displays as
/// `file:line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location<'a> {
    /// The file, as given or as resolved from an `include`.
    pub path: &'a Path,
    /// The 1-based line of the directive's first line.
    pub line: u32,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// A metadata value: a string (unescaped) or any other value as written
/// (a number, date, account, amount, boolean...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaValue<'a> {
    /// A quoted string, unescaped the way Beancount does it.
    String(&'a str),
    /// Any other value, as written, without a trailing comment.
    Raw(&'a str),
}

impl<'a> MetaValue<'a> {
    /// The text of the value, whatever its kind.
    pub fn as_str(&self) -> &'a str {
        match *self {
            MetaValue::String(s) | MetaValue::Raw(s) => s,
        }
    }
}

/// A range in the ledger's text arena.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

impl Span {
    const NONE: Span = Span {
        start: u32::MAX,
        len: 0,
    };
}

/// Sentinel for "no currency" in a posting.
const NO_CURRENCY: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub(crate) struct TxnRec {
    date: NaiveDate,
    file: u32,
    line: u32,
    payee: Span,
    narration: Span,
    tags_start: u32,
    meta_start: u32,
    post_start: u32,
    tags_len: u16,
    meta_len: u16,
    post_len: u16,
    flag: u8,
}

#[derive(Clone, Debug)]
pub(crate) struct PostingRec {
    number: Decimal,
    txn: u32,
    account: u32,
    currency: u32,
    meta_start: u32,
    meta_len: u16,
    flag: u8,
    has_number: bool,
    /// A cost (`{…}`) or price (`@`, `@@`) follows the units.
    priced: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct MetaRec {
    key: u32,
    value: Span,
    is_string: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct TagRec {
    name: Span,
    is_link: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct OpenRec {
    date: NaiveDate,
    account: u32,
    file: u32,
    line: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct BalanceRec {
    number: Decimal,
    tolerance: Option<Decimal>,
    date: NaiveDate,
    account: u32,
    currency: u32,
    file: u32,
    line: u32,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct PadRec {
    date: NaiveDate,
    account: u32,
    source: u32,
    file: u32,
    line: u32,
}

/// An existing ledger, read and indexed for matching.
///
/// Records are stored in flat arrays and handed out as cheap borrowed views
/// ([`Transaction`], [`Posting`], [`Open`], [`Balance`]).
#[derive(Debug, Default)]
pub struct Ledger {
    files: Vec<PathBuf>,
    accounts: Interner,
    currencies: Interner,
    keys: Interner,
    /// Unescaped strings, one after the other.
    text: String,
    txns: Vec<TxnRec>,
    postings: Vec<PostingRec>,
    meta: Vec<MetaRec>,
    tags: Vec<TagRec>,
    opens: Vec<OpenRec>,
    closes: Vec<OpenRec>,
    balances: Vec<BalanceRec>,
    pads: Vec<PadRec>,
    skipped: Vec<(u32, u32)>,
    skipped_count: usize,
    id_keys: Vec<String>,
    id_key_ids: Vec<u32>,
    /// The status keys of the id keys ([`crate::statement::status_key`]).
    status_key_ids: Vec<u32>,
    index: Index,
}

/// How many skipped lines are remembered with their location.
const SKIPPED_KEPT: usize = 20;

impl Ledger {
    /// Reads the given ledger files and everything they include, with the
    /// default [`LedgerOptions`].
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Ledger, LedgerError> {
        Ledger::load_with(paths, &LedgerOptions::default())
    }

    /// Reads the given ledger files and everything they include.
    ///
    /// A file reached twice (given twice, or included from two places) is
    /// read once.
    pub fn load_with<P: AsRef<Path>>(
        paths: &[P],
        options: &LedgerOptions,
    ) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::empty(options);
        let mut seen = std::collections::HashSet::new();
        for path in paths {
            parse::load_file(
                &mut ledger,
                &mut seen,
                path.as_ref(),
                None,
                parse::Reading::Everything,
            )?;
        }
        ledger.build_index();
        Ok(ledger)
    }

    /// The files a ledger is made of: `paths` and every file they include,
    /// followed as [`Ledger::load`] follows them, in the order it reads
    /// them (what [`Ledger::files`] gives after loading). Reads nothing but
    /// `include` directives: for a check before the ledger is loaded, such
    /// as never writing output over one of its files.
    ///
    /// # Errors
    /// As [`Ledger::load`], when a file cannot be read.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("main.bean"), "include \"2026.bean\"\n").unwrap();
    /// std::fs::write(dir.path().join("2026.bean"), "2026-01-01 open Assets:Bank\n").unwrap();
    /// let files = importer::ledger::Ledger::files_of(&[dir.path().join("main.bean")]).unwrap();
    /// assert_eq!(files, [dir.path().join("main.bean"), dir.path().join("2026.bean")]);
    /// ```
    pub fn files_of<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<PathBuf>, LedgerError> {
        let mut ledger = Ledger::default();
        let mut seen = std::collections::HashSet::new();
        for path in paths {
            parse::load_file(
                &mut ledger,
                &mut seen,
                path.as_ref(),
                None,
                parse::Reading::IncludesOnly,
            )?;
        }
        Ok(ledger.files)
    }

    /// Reads a ledger from text; `name` labels locations and anchors
    /// relative `include`s.
    pub fn from_source(
        name: &Path,
        text: &str,
        options: &LedgerOptions,
    ) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::empty(options);
        let mut seen = std::collections::HashSet::new();
        parse::load_text(&mut ledger, &mut seen, name, text.as_bytes())?;
        ledger.build_index();
        Ok(ledger)
    }

    fn empty(options: &LedgerOptions) -> Ledger {
        let mut ledger = Ledger {
            id_keys: options.id_keys.clone(),
            ..Ledger::default()
        };
        ledger.id_key_ids = options
            .id_keys
            .iter()
            .map(|k| ledger.keys.intern(k))
            .collect();
        ledger.status_key_ids = options
            .id_keys
            .iter()
            .map(|k| ledger.keys.intern(&crate::statement::status_key(k)))
            .collect();
        ledger
    }

    /// An empty ledger read with the same options as `other`.
    fn empty_like(other: &Ledger) -> Ledger {
        Ledger {
            id_keys: other.id_keys.clone(),
            id_key_ids: other.id_key_ids.clone(),
            status_key_ids: other.status_key_ids.clone(),
            keys: other.keys.clone(),
            ..Ledger::default()
        }
    }

    fn build_index(&mut self) {
        self.index = Index::build(self);
    }

    /// The files read, in the order they were read.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The metadata keys read as importer ids.
    pub fn id_keys(&self) -> &[String] {
        &self.id_keys
    }

    /// All transactions, in file order.
    pub fn transactions(&self) -> impl ExactSizeIterator<Item = Transaction<'_>> + '_ {
        (0..self.txns.len()).map(move |i| Transaction {
            ledger: self,
            index: i as u32,
        })
    }

    /// All `open` directives, in file order.
    pub fn opens(&self) -> impl ExactSizeIterator<Item = Open<'_>> + '_ {
        self.opens.iter().map(move |r| self.open_view(r))
    }

    /// All `close` directives, in file order.
    pub fn closes(&self) -> impl ExactSizeIterator<Item = Open<'_>> + '_ {
        self.closes.iter().map(move |r| self.open_view(r))
    }

    /// All `balance` directives, in file order.
    pub fn balances(&self) -> impl ExactSizeIterator<Item = Balance<'_>> + '_ {
        self.balances.iter().map(move |r| Balance {
            date: r.date,
            account: self.accounts.name(r.account),
            number: r.number,
            tolerance: r.tolerance,
            currency: self.currencies.name(r.currency),
            location: self.location(r.file, r.line),
        })
    }

    /// All `pad` directives, in file order.
    pub fn pads(&self) -> impl ExactSizeIterator<Item = Pad<'_>> + '_ {
        self.pads.iter().map(move |r| Pad {
            date: r.date,
            account: self.accounts.name(r.account),
            source_account: self.accounts.name(r.source),
            location: self.location(r.file, r.line),
        })
    }

    /// How many non-blank lines were not understood and skipped.
    pub fn skipped_lines(&self) -> usize {
        self.skipped_count
    }

    /// Where the first few skipped lines are (at most 20).
    pub fn skipped_locations(&self) -> impl Iterator<Item = Location<'_>> + '_ {
        self.skipped.iter().map(|&(f, l)| self.location(f, l))
    }

    /// The date of the earliest `open` directive for `account`.
    pub fn open_date(&self, account: &str) -> Option<NaiveDate> {
        let id = self.accounts.get(account)?;
        self.index.open_date(id)
    }

    /// True when a `balance` directive for `account` on `date` exists.
    pub fn has_balance(&self, account: &str, date: NaiveDate) -> bool {
        self.accounts
            .get(account)
            .is_some_and(|id| self.index.has_balance(id, date))
    }

    /// The date of the latest transaction with an importer id on `account`.
    pub fn last_imported(&self, account: &str) -> Option<NaiveDate> {
        self.index.last_imported(self.accounts.get(account)?)
    }

    /// Postings on `account` carrying importer id `id`, on the posting or
    /// in their transaction's metadata.
    pub fn postings_with_id<'a>(
        &'a self,
        account: &str,
        id: &'a str,
    ) -> impl Iterator<Item = Posting<'a>> + 'a {
        let account = self.accounts.get(account);
        account
            .into_iter()
            .flat_map(move |a| self.index.by_id(a, id))
            .map(move |p| self.posting(p))
            .filter(move |p| {
                Some(p.rec().account) == account && p.ids().any(|candidate| candidate == id)
            })
    }

    /// Postings on `account` with exactly these units that content matching
    /// may use: those without an importer id, or pending ones
    /// ([`Posting::is_pending`]). Any date; the caller applies its window.
    pub fn content_candidates<'a>(
        &'a self,
        account: &str,
        number: Decimal,
        currency: &str,
    ) -> impl Iterator<Item = Posting<'a>> + 'a {
        let key = match (self.accounts.get(account), self.currencies.get(currency)) {
            (Some(a), Some(c)) => Some((a, c)),
            _ => None,
        };
        key.into_iter()
            .flat_map(move |(a, c)| self.index.by_content(a, c, number))
            .map(move |p| self.posting(p))
            .filter(move |p| {
                let r = p.rec();
                Some((r.account, r.currency)) == key && r.number == number
            })
    }

    /// Postings on `account` that are pending ([`Posting::is_pending`]).
    pub fn pending_postings<'a>(&'a self, account: &str) -> impl Iterator<Item = Posting<'a>> + 'a {
        let postings = match self.accounts.get(account) {
            Some(a) => self.index.pending(a),
            None => &[],
        };
        postings.iter().map(move |&(_, p)| self.posting(p))
    }

    fn posting(&self, index: u32) -> Posting<'_> {
        Posting {
            ledger: self,
            index,
        }
    }

    fn open_view(&self, r: &OpenRec) -> Open<'_> {
        Open {
            date: r.date,
            account: self.accounts.name(r.account),
            location: self.location(r.file, r.line),
        }
    }

    fn location(&self, file: u32, line: u32) -> Location<'_> {
        Location {
            path: &self.files[file as usize],
            line,
        }
    }

    fn str(&self, span: Span) -> &str {
        // Spans cover whole pushed strings, so they start and end on
        // character boundaries.
        &self.text[span.start as usize..(span.start + span.len) as usize]
    }

    fn meta_slice(&self, start: u32, len: u16) -> &[MetaRec] {
        &self.meta[start as usize..start as usize + len as usize]
    }

    fn meta_view<'a>(&'a self, m: &MetaRec) -> (&'a str, MetaValue<'a>) {
        let value = self.str(m.value);
        let value = if m.is_string {
            MetaValue::String(value)
        } else {
            MetaValue::Raw(value)
        };
        (self.keys.name(m.key), value)
    }

    /// Whether these metadata records hold an importer status of
    /// [`crate::statement::PENDING`].
    fn pending_in(&self, meta: &[MetaRec]) -> bool {
        meta.iter().any(|m| {
            m.is_string
                && self.status_key_ids.contains(&m.key)
                && self.str(m.value) == crate::statement::PENDING
        })
    }

    /// Importer ids among these metadata records.
    fn ids_in<'a>(&'a self, meta: &'a [MetaRec]) -> impl Iterator<Item = &'a str> + 'a {
        meta.iter()
            .filter(|m| self.id_key_ids.contains(&m.key))
            .map(|m| self.str(m.value))
    }
}

/// A transaction of the ledger.
#[derive(Clone, Copy)]
pub struct Transaction<'a> {
    ledger: &'a Ledger,
    index: u32,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("location", &self.location().to_string())
            .field("date", &self.date())
            .field("flag", &self.flag())
            .field("payee", &self.payee())
            .field("narration", &self.narration())
            .finish()
    }
}

impl<'a> Transaction<'a> {
    fn rec(&self) -> &'a TxnRec {
        &self.ledger.txns[self.index as usize]
    }

    /// The date.
    pub fn date(&self) -> NaiveDate {
        self.rec().date
    }

    /// The flag: `*`, `!`, or another Beancount flag letter (`txn` is `*`).
    pub fn flag(&self) -> char {
        self.rec().flag as char
    }

    /// True when one of its postings is pending ([`Posting::is_pending`]),
    /// whatever its flag: a `!` alone marks an entry for review.
    pub fn is_pending(&self) -> bool {
        self.postings().any(|p| p.is_pending())
    }

    /// The payee, when the transaction has two strings.
    pub fn payee(&self) -> Option<&'a str> {
        let span = self.rec().payee;
        (span.start != u32::MAX).then(|| self.ledger.str(span))
    }

    /// The narration (empty when the transaction has no string).
    pub fn narration(&self) -> &'a str {
        self.ledger.str(self.rec().narration)
    }

    fn tag_recs(&self) -> &'a [TagRec] {
        let r = self.rec();
        &self.ledger.tags[r.tags_start as usize..r.tags_start as usize + r.tags_len as usize]
    }

    /// The tags, without `#`, including those from `pushtag`.
    pub fn tags(&self) -> impl Iterator<Item = &'a str> + 'a {
        let ledger = self.ledger;
        self.tag_recs()
            .iter()
            .filter(|t| !t.is_link)
            .map(move |t| ledger.str(t.name))
    }

    /// The links, without `^`.
    pub fn links(&self) -> impl Iterator<Item = &'a str> + 'a {
        let ledger = self.ledger;
        self.tag_recs()
            .iter()
            .filter(|t| t.is_link)
            .map(move |t| ledger.str(t.name))
    }

    /// The transaction's own metadata (not its postings'), including
    /// `pushmeta` values, in file order.
    pub fn meta(&self) -> impl Iterator<Item = (&'a str, MetaValue<'a>)> + 'a {
        let ledger = self.ledger;
        let r = self.rec();
        ledger
            .meta_slice(r.meta_start, r.meta_len)
            .iter()
            .map(move |m| ledger.meta_view(m))
    }

    /// The value of metadata `key`, if present.
    pub fn meta_value(&self, key: &str) -> Option<MetaValue<'a>> {
        self.meta().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The postings, in file order.
    pub fn postings(&self) -> impl ExactSizeIterator<Item = Posting<'a>> + 'a {
        let ledger = self.ledger;
        let r = self.rec();
        (r.post_start..r.post_start + u32::from(r.post_len)).map(move |p| ledger.posting(p))
    }

    /// Importer ids in the transaction's own metadata.
    pub fn ids(&self) -> impl Iterator<Item = &'a str> + 'a {
        let r = self.rec();
        self.ledger
            .ids_in(self.ledger.meta_slice(r.meta_start, r.meta_len))
    }

    /// Where the transaction starts.
    pub fn location(&self) -> Location<'a> {
        let r = self.rec();
        self.ledger.location(r.file, r.line)
    }
}

/// A posting of a ledger transaction.
#[derive(Clone, Copy)]
pub struct Posting<'a> {
    ledger: &'a Ledger,
    index: u32,
}

impl fmt::Debug for Posting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Posting")
            .field("account", &self.account())
            .field("number", &self.number())
            .field("currency", &self.currency())
            .finish()
    }
}

impl<'a> Posting<'a> {
    fn rec(&self) -> &'a PostingRec {
        &self.ledger.postings[self.index as usize]
    }

    /// The posting's position among all postings of the ledger: a key that
    /// tells postings apart (for one-to-one matching).
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// The account.
    pub fn account(&self) -> &'a str {
        self.ledger.accounts.name(self.rec().account)
    }

    /// The posting's own flag, if it has one.
    pub fn flag(&self) -> Option<char> {
        let flag = self.rec().flag;
        (flag != 0).then_some(flag as char)
    }

    /// The number of the units, when written (an auto-balanced posting has
    /// none). Expressions are evaluated.
    pub fn number(&self) -> Option<Decimal> {
        let r = self.rec();
        r.has_number.then_some(r.number)
    }

    /// The currency of the units, when written.
    pub fn currency(&self) -> Option<&'a str> {
        let c = self.rec().currency;
        (c != NO_CURRENCY).then(|| self.ledger.currencies.name(c))
    }

    /// True when a cost (`{…}`) or a price (`@`, `@@`) follows the units:
    /// then the posting's weight in the transaction is not its units, and
    /// an elided posting of the same transaction cannot be computed from
    /// units alone.
    pub fn has_cost_or_price(&self) -> bool {
        self.rec().priced
    }

    /// The posting's metadata, in file order.
    pub fn meta(&self) -> impl Iterator<Item = (&'a str, MetaValue<'a>)> + 'a {
        let ledger = self.ledger;
        let r = self.rec();
        ledger
            .meta_slice(r.meta_start, r.meta_len)
            .iter()
            .map(move |m| ledger.meta_view(m))
    }

    /// The value of metadata `key` on the posting, if present.
    pub fn meta_value(&self, key: &str) -> Option<MetaValue<'a>> {
        self.meta().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The importer ids that stand for this posting: those in its own
    /// metadata, then those in its transaction's metadata.
    pub fn ids(&self) -> impl Iterator<Item = &'a str> + 'a {
        let r = self.rec();
        let own = self
            .ledger
            .ids_in(self.ledger.meta_slice(r.meta_start, r.meta_len));
        let t = self.transaction().rec();
        own.chain(
            self.ledger
                .ids_in(self.ledger.meta_slice(t.meta_start, t.meta_len)),
        )
    }

    /// True when an importer id is on this posting, or in the metadata of
    /// its transaction and this is the transaction's first posting (where
    /// importers put the bank account).
    pub fn has_own_id(&self) -> bool {
        let r = self.rec();
        if self
            .ledger
            .ids_in(self.ledger.meta_slice(r.meta_start, r.meta_len))
            .next()
            .is_some()
        {
            return true;
        }
        let t = self.transaction();
        t.rec().post_start == self.index && t.ids().next().is_some()
    }

    /// True when the bank had not booked it when it was imported: the
    /// posting carries the importer's status `"pending"` (e.g.
    /// `gocardless_status: "pending"`, the status key of one of the id
    /// keys), or its transaction does and this is its first posting.
    pub fn is_pending(&self) -> bool {
        let r = self.rec();
        if self
            .ledger
            .pending_in(self.ledger.meta_slice(r.meta_start, r.meta_len))
        {
            return true;
        }
        let t = self.transaction().rec();
        t.post_start == self.index
            && self
                .ledger
                .pending_in(self.ledger.meta_slice(t.meta_start, t.meta_len))
    }

    /// The transaction the posting belongs to.
    pub fn transaction(&self) -> Transaction<'a> {
        Transaction {
            ledger: self.ledger,
            index: self.rec().txn,
        }
    }
}

/// An `open` or `close` directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Open<'a> {
    /// The date.
    pub date: NaiveDate,
    /// The account.
    pub account: &'a str,
    /// Where it is.
    pub location: Location<'a>,
}

/// A `balance` directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance<'a> {
    /// The date (the balance holds at the start of that day).
    pub date: NaiveDate,
    /// The account.
    pub account: &'a str,
    /// The asserted number.
    pub number: Decimal,
    /// The tolerance written after `~`, if any (Beancount otherwise
    /// allows one unit of the number's last digit).
    pub tolerance: Option<Decimal>,
    /// The currency.
    pub currency: &'a str,
    /// Where it is.
    pub location: Location<'a>,
}

/// A `pad` directive: on its date, Beancount moves into `account` from
/// `source_account` whatever makes `account`'s next `balance` assertion
/// hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pad<'a> {
    /// The date.
    pub date: NaiveDate,
    /// The account padded.
    pub account: &'a str,
    /// The account the difference comes from.
    pub source_account: &'a str,
    /// Where it is.
    pub location: Location<'a>,
}
