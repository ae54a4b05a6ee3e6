//! [`Statement`]: what a statement-like source hands the importer for one
//! account: its transaction records, still unread, and its balances.
//!
//! Records are read by [`convert`](crate::convert), which writes one that
//! cannot be read as a comment holding its text ([`Records::raw`]): that is
//! why a source gives them unread, through the [`Records`] trait, instead
//! of as finished [`BankTransaction`]s.

use chrono::{DateTime, NaiveDate, Utc};

use crate::balance::{Balance, BalanceChoice};
use crate::transaction::BankTransaction;

/// One account's data from a source, for one fetch window.
pub struct Statement<'a> {
    /// Who the data comes from, for the heading of the account's block
    /// (`GoCardless`).
    pub source: &'a str,
    /// The metadata key the source's transaction ids are written under, on
    /// the bank account's posting (`gocardless_id`): the key dedup finds
    /// them by on later runs. Pending entries also carry
    /// [`status_key`]`(id_key)` with the value [`PENDING`].
    pub id_key: &'a str,
    /// The transaction records, booked and pending.
    pub records: &'a dyn Records,
    /// The balances the bank reported; empty when it reported none.
    pub balances: &'a [Balance],
    /// When the transactions were fetched from the bank, when known. A
    /// balance fetched at another moment ([`Balance::fetched_at`]) is not
    /// asserted: what booked in between would be missing or counted twice.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A source's transaction records, read one at a time by index.
pub trait Records {
    /// How many records there are.
    fn len(&self) -> usize;

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads record `i` (`i < len()`).
    ///
    /// # Errors
    /// When the record cannot become a [`BankTransaction`]: it is then
    /// written as a comment holding [`Records::raw`], never dropped.
    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable>;

    /// Record `i` as received (its JSON), for the comment an unreadable
    /// record becomes.
    fn raw(&self, i: usize) -> &str;
}

/// Why a record could not be read, with what could still be found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// Why, for the user.
    pub reason: String,
    /// A date found in the record, to sort its comment by.
    pub date: Option<NaiveDate>,
    /// An id found in the record, to name it in the message.
    pub id: Option<String>,
}

/// A change made to each of an account's transactions after it is read
/// and before it is converted: a bank preset, which fixes how one bank
/// fills the fields. Chosen per account by the caller ([`crate::Input`]).
pub trait Adjust {
    /// Changes `tx` in place. On [`Adjusted::Failed`] it must leave `tx`
    /// as it was.
    fn adjust(&self, tx: &mut BankTransaction) -> Adjusted;

    /// Which reported balance is the account's, when the account leaves
    /// `balance:` to `auto`; `None` keeps the importer's own choice.
    fn balance(&self) -> Option<BalanceChoice> {
        None
    }
}

/// What [`Adjust::adjust`] did to a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjusted {
    /// Changed or not, it is converted.
    Kept,
    /// Left out, on purpose (a record the bank lists twice, say).
    Dropped,
    /// Could not be adjusted: converted as the bank sent it, with this
    /// warning for the user.
    Failed(String),
}

/// Transactions a source built itself (nothing left to read).
impl Records for Vec<BankTransaction> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        Ok(self[i].clone())
    }

    fn raw(&self, i: usize) -> &str {
        &self[i].raw
    }
}

/// The value of the status key on a pending entry's bank posting.
pub const PENDING: &str = "pending";

/// The metadata key that marks a pending entry, derived from the source's
/// id key: `gocardless_id` gives `gocardless_status`, any other key `K`
/// gives `K_status` (`nordref_status`).
///
/// The importer writes `STATUS_KEY: "pending"` on the bank posting of every
/// pending entry, next to its id, and nothing on booked ones. That, not the
/// `!` flag, is what makes an entry pending for balances, deduplication and
/// `reconcile`: a rule may flag any entry `!` for review.
///
/// ```
/// use importer::statement::status_key;
/// assert_eq!(status_key("gocardless_id"), "gocardless_status");
/// assert_eq!(status_key("nordref"), "nordref_status");
/// ```
pub fn status_key(id_key: &str) -> String {
    let stem = id_key.strip_suffix("_id").unwrap_or(id_key);
    format!("{stem}_status")
}
