//! Companies and their connections.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::date;
use source::open_enum;

/// A company: the business whose books receive the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Codat's id of the company (a UUID).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Free text kept with the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The platform of its first connection (deprecated by Codat; often
    /// empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The Link URL where the company starts connecting its software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
    /// When it was created.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<Utc>>,
    /// When its data was last synced.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_sync: Option<DateTime<Utc>>,
    /// Who created it in Codat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_user_name: Option<String>,
    /// The Codat products enabled for it.
    #[serde(default)]
    pub products: Vec<String>,
    /// User-defined tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Its connections to accounting software, banks and the like.
    #[serde(default)]
    pub data_connections: Vec<Connection>,
    /// The company that controls this one, in a multi-entity group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_parent_company: Option<CompanyReference>,
    /// The companies this one controls.
    #[serde(default)]
    pub reference_subsidiary_companies: Vec<CompanyReference>,
}

/// Another company named by a [`Company`] (parent or subsidiary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyReference {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Links about it (`portal`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, String>,
}

open_enum! {
    /// Whether a connection is authorised.
    pub enum ConnectionStatus {
        /// Created, not yet authorised by the company.
        PendingAuth = "PendingAuth",
        /// Authorised: data can be pushed.
        Linked = "Linked",
        /// The company unlinked it.
        Unlinked = "Unlinked",
        /// The platform revoked the authorisation.
        Deauthorized = "Deauthorized",
    }
}

open_enum! {
    /// The kind of platform a connection is to.
    pub enum SourceType {
        /// Accounting software.
        Accounting = "Accounting",
        /// A bank.
        Banking = "Banking",
        /// A bank feed target (e.g. Xero bank feeds).
        BankFeed = "BankFeed",
        /// A commerce platform.
        Commerce = "Commerce",
        /// An expense platform.
        Expense = "Expense",
        /// Codat's own "Other".
        OtherPlatform = "Other",
        /// Not known to Codat.
        Unknown = "Unknown",
    }
}

/// A company's connection to a platform: the accounting software the
/// feed goes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Codat's id of the connection (a UUID).
    pub id: String,
    /// Codat's id of the integration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<String>,
    /// The four-letter key of the platform (`gbol` is Xero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_key: Option<String>,
    /// A source-specific id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The kind of platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<SourceType>,
    /// The platform's name (`Xero`, `QuickBooks Online`).
    #[serde(default)]
    pub platform_name: String,
    /// Where the company authorises the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_url: Option<String>,
    /// Whether it is authorised.
    pub status: ConnectionStatus,
    /// When data was last synced.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_sync: Option<DateTime<Utc>>,
    /// When it was created.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<Utc>>,
    /// Errors the platform reported for it.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub data_connection_errors: Vec<ConnectionError>,
}

/// An error the platform reported for a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionError {
    /// The platform's HTTP status, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// The platform's status text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    /// Codat's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// When it happened.
    #[serde(
        default,
        with = "date::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub errored_on_utc: Option<DateTime<Utc>>,
}

pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
