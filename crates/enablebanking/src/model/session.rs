//! Sessions: `POST /sessions` (the code from the redirect becomes a
//! session) and `GET /sessions/{id}`.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use super::account::Account;
use super::common::{AccountUid, AspspId, IdentificationHash, PsuType, SessionId};
use super::lenient;
use source::open_enum;

/// The scope and end of a consent (`Access`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Access {
    /// When the session ends (exactly what `POST /auth` asked).
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub valid_until: Option<DateTime<FixedOffset>>,
    /// Whether balances may be read (`None` when not said).
    #[serde(default)]
    pub balances: Option<bool>,
    /// Whether transactions may be read (`None` when not said).
    #[serde(default)]
    pub transactions: Option<bool>,
}

/// A new session (`AuthorizeSessionResponse`): the accounts the user
/// consented to, each with its session-scoped `uid` and its stable
/// `identification_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthorizedSession {
    /// The session's id: keep it to read the accounts later.
    pub session_id: SessionId,
    /// The accounts.
    #[serde(default, deserialize_with = "lenient::list")]
    pub accounts: Vec<Account>,
    /// The bank.
    #[serde(default)]
    pub aspsp: AspspId,
    /// Personal or business.
    #[serde(default)]
    pub psu_type: Option<PsuType>,
    /// What was consented to, and until when.
    #[serde(default)]
    pub access: Access,
}

/// A session as `GET /sessions/{id}` describes it (`GetSessionResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionInfo {
    /// Where it stands; only [`SessionStatus::Authorized`] reads data.
    pub status: SessionStatus,
    /// The uids of its accounts.
    #[serde(default, deserialize_with = "lenient::list")]
    pub accounts: Vec<AccountUid>,
    /// Its accounts' uids with their identification hashes.
    #[serde(default, deserialize_with = "lenient::list")]
    pub accounts_data: Vec<SessionAccount>,
    /// The bank.
    #[serde(default)]
    pub aspsp: AspspId,
    /// Personal or business.
    #[serde(default)]
    pub psu_type: Option<PsuType>,
    /// What was consented to, and until when.
    #[serde(default)]
    pub access: Access,
    /// When it was created.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created: Option<DateTime<FixedOffset>>,
    /// When the user authorised it.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub authorized: Option<DateTime<FixedOffset>>,
    /// When it was closed.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub closed: Option<DateTime<FixedOffset>>,
}

impl SessionInfo {
    /// The uid this session gives the account configured by `hash`: the
    /// account whose primary hash it is, else one that lists it among its
    /// hashes. `None` when the account is not in the session (the user did
    /// not consent to it, or it is at another bank).
    pub fn uid_for(&self, hash: &IdentificationHash) -> Option<&AccountUid> {
        let data = &self.accounts_data;
        data.iter()
            .find(|a| a.identification_hash.as_ref() == Some(hash))
            .or_else(|| data.iter().find(|a| a.identification_hashes.contains(hash)))
            .map(|a| &a.uid)
    }
}

/// An account of a session, by uid and hash (`SessionAccount`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionAccount {
    /// The session-scoped uid.
    pub uid: AccountUid,
    /// The stable hash.
    #[serde(default)]
    pub identification_hash: Option<IdentificationHash>,
    /// Every hash of the account (IBAN-based, BBAN-based, …).
    #[serde(default, deserialize_with = "lenient::list")]
    pub identification_hashes: Vec<IdentificationHash>,
}

open_enum! {
    /// Where a session stands (`SessionStatus`).
    pub enum SessionStatus {
        /// Not usable.
        Invalid = "INVALID",
        /// The user has not finished at the bank yet.
        PendingAuthorization = "PENDING_AUTHORIZATION",
        /// Back from the bank, not yet authorised.
        ReturnedFromBank = "RETURNED_FROM_BANK",
        /// Data can be read.
        Authorized = "AUTHORIZED",
        /// Its `valid_until` has passed: link again.
        Expired = "EXPIRED",
        /// Closed by the application (`DELETE /sessions/{id}`).
        Closed = "CLOSED",
        /// Revoked by the user or the bank: link again.
        Revoked = "REVOKED",
        /// Abandoned by the user.
        Cancelled = "CANCELLED",
    }
}

impl SessionStatus {
    /// Whether data can be read through the session.
    pub fn is_authorized(&self) -> bool {
        *self == SessionStatus::Authorized
    }
}
