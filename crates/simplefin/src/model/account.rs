//! The Account Set: accounts with their balances and transactions, the
//! connections (version 2) and the server's messages.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use url::Url;

use super::lenient;
use super::message::ServerMessage;
use super::transaction::TransactionRecord;
use crate::text::{Redactor, clean};

/// The answer of `GET /accounts`, or several merged (see
/// [`crate::Client::accounts`]).
///
/// Reading is tolerant where it can be and says so where it cannot: an
/// account that cannot be read lands in [`AccountSet::unreadable`] and the
/// others are kept; a transaction that cannot be read still has its raw
/// record (see [`TransactionRecord`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountSet {
    /// The server's messages for the user: version 2's `errlist` when
    /// present, else version 1's `errors`. Each names the accounts it
    /// concerns when it can be told.
    pub messages: Vec<ServerMessage>,
    /// The connections (logins at a bank; version 2).
    pub connections: Vec<Connection>,
    /// The accounts, in the server's order.
    pub accounts: Vec<Account>,
    /// Accounts that could not be read.
    pub unreadable: Vec<UnreadableAccount>,
    /// How many requests it took, retries included: each counts against the
    /// Bridge's daily quota. 0 for a set read from text.
    pub requests: u32,
}

/// One account with its balance and, unless only balances were asked
/// for, the transactions of the window.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Account {
    /// Unique within the organisation (the Bridge: `ACT-…`). The id to put
    /// in the configuration.
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// A name telling the user's accounts apart.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: String,
    /// An ISO 4217 code or a custom currency's URL; `None` when missing or
    /// blank.
    #[serde(default, deserialize_with = "currency")]
    pub currency: Option<Currency>,
    /// The balance as of [`Account::balance_date`]; `None` when missing.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub balance: Option<Decimal>,
    /// The available balance, when it differs from the balance.
    #[serde(
        default,
        rename = "available-balance",
        deserialize_with = "lenient::opt_decimal"
    )]
    pub available_balance: Option<Decimal>,
    /// When the balance became what it is.
    #[serde(default, rename = "balance-date", deserialize_with = "lenient::epoch")]
    pub balance_date: Option<DateTime<Utc>>,
    /// The organisation (version 1; version 2 has [`Account::conn_id`]).
    #[serde(default, deserialize_with = "org")]
    pub org: Option<Org>,
    /// The connection it belongs to (version 2).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub conn_id: Option<String>,
    /// The connection's name, when the server repeats it on the account.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub conn_name: Option<String>,
    /// The transactions, ordered by `posted` as the server sent them.
    #[serde(default, deserialize_with = "records")]
    pub transactions: Vec<TransactionRecord>,
    /// Server-specific data (`account-open-date`, …).
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub extra: Option<Map<String, Value>>,
}

/// An account's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Currency {
    /// An ISO 4217 code as sent (`USD`).
    Code(String),
    /// A custom currency (air miles, points): a URL that describes it.
    Custom(Url),
}

impl Currency {
    /// Reads the protocol's `currency`: a URL is a custom currency,
    /// anything else a code. Blank is `None`.
    pub fn parse(s: &str) -> Option<Currency> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        if t.contains("://")
            && let Ok(url) = Url::parse(t)
        {
            return Some(Currency::Custom(url));
        }
        Some(Currency::Code(t.to_owned()))
    }

    /// The ISO code, when it is not a custom currency.
    pub fn code(&self) -> Option<&str> {
        match self {
            Currency::Code(c) => Some(c),
            Currency::Custom(_) => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Currency::Code(c) => f.write_str(c),
            Currency::Custom(u) => write!(f, "custom currency {u}"),
        }
    }
}

/// The institution an account comes from (version 1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Org {
    /// Its domain (`mybank.com`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub domain: Option<String>,
    /// Its name (`My Bank`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// The root URL of its SimpleFIN server.
    #[serde(default, rename = "sfin-url", deserialize_with = "lenient::opt_text")]
    pub sfin_url: Option<String>,
    /// Its web site.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub url: Option<String>,
    /// Its id on this server.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub id: Option<String>,
}

impl Org {
    /// The name, else the domain, else the id.
    pub fn display_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or(self.domain.as_deref())
            .or(self.id.as_deref())
    }
}

/// A login at one institution (version 2): two logins at one bank are two
/// connections.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Connection {
    /// Its id, which accounts name in [`Account::conn_id`].
    #[serde(deserialize_with = "lenient::id")]
    pub conn_id: String,
    /// A name for it (`My Bank - Jill`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// The institution's id.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub org_id: Option<String>,
    /// The institution's name.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub org_name: Option<String>,
    /// The institution's web site.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub org_url: Option<String>,
    /// The root URL of the SimpleFIN server.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub sfin_url: Option<String>,
}

/// An account the server sent that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableAccount {
    /// Its id, when that much could be read.
    pub id: Option<String>,
    /// What is wrong.
    pub reason: String,
    /// The account's JSON as received.
    pub json: String,
}

fn currency<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Currency>, D::Error> {
    Ok(lenient::opt_text(d)?.as_deref().and_then(Currency::parse))
}

fn org<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Org>, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(m) => serde_json::from_value(Value::Object(m))
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

fn records<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TransactionRecord>, D::Error> {
    Ok(Option::<Vec<TransactionRecord>>::deserialize(d)?.unwrap_or_default())
}

/// The top level as sent; each account is kept raw until read on its own.
#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    errors: Value,
    #[serde(default)]
    errlist: Value,
    #[serde(default)]
    connections: Value,
    #[serde(default)]
    accounts: Option<Vec<Box<RawValue>>>,
}

fn list(v: Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        one => vec![one],
    }
}

impl AccountSet {
    /// Reads an Account Set of either protocol version.
    ///
    /// # Errors
    /// When the text is not a JSON object, or `accounts` is not a list.
    /// A single account that cannot be read is not an error: it is put in
    /// [`AccountSet::unreadable`].
    ///
    /// ```
    /// let set = simplefin::AccountSet::from_json(r#"{"errors": ["Connection to My Bank may need attention"],
    ///   "accounts": [{"org": {"name": "My Bank", "sfin-url": "https://x"}, "id": "A1", "name": "Savings",
    ///   "currency": "USD", "balance": "100.23", "balance-date": 978366153, "transactions": []}]}"#).unwrap();
    /// assert_eq!(set.accounts[0].balance.unwrap().to_string(), "100.23");
    /// assert!(set.messages[0].concerns("A1"));
    /// ```
    pub fn from_json(text: &str) -> Result<AccountSet, serde_json::Error> {
        AccountSet::parse(text, &Redactor::default())
    }

    /// Reads an Account Set, blanking the redactor's secrets out of the
    /// messages and reasons before they are cut to size.
    pub(crate) fn parse(text: &str, redactor: &Redactor) -> Result<AccountSet, serde_json::Error> {
        // serde would read a list as the struct's fields in order.
        if !text.trim_start().starts_with('{') {
            return Err(serde::de::Error::custom(
                "expected an Account Set, a JSON object",
            ));
        }
        let wire: Wire = serde_json::from_str(text)?;
        let mut set = AccountSet::default();
        for raw in wire.accounts.unwrap_or_default() {
            match serde_json::from_str::<Account>(raw.get()) {
                Ok(a) => set.accounts.push(a),
                Err(e) => set.unreadable.push(UnreadableAccount {
                    id: TransactionRecord::from_json(raw.get())
                        .ok()
                        .and_then(|r| r.id()),
                    reason: clean(&redactor.redact(&e.to_string())),
                    json: raw.get().to_owned(),
                }),
            }
        }
        set.connections = list(wire.connections)
            .into_iter()
            .filter_map(|c| serde_json::from_value(c).ok())
            .collect();
        // Version 2 servers may send the deprecated `errors` alongside
        // `errlist`: the same messages twice, the coded ones preferred.
        let errlist = list(wire.errlist);
        let messages = if errlist.is_empty() {
            list(wire.errors)
        } else {
            errlist
        };
        set.messages = messages
            .into_iter()
            .filter_map(|m| serde_json::from_value::<ServerMessage>(m).ok())
            .map(|mut m| {
                m.sanitize(redactor);
                m
            })
            .filter(|m| !m.text.is_empty() || m.code.is_some())
            .collect();
        set.resolve_messages();
        Ok(set)
    }

    /// The set as an Account Set (version 2's shape: `errlist`,
    /// `connections`, `accounts`) that [`AccountSet::from_json`] reads back
    /// as it is (but for [`AccountSet::requests`]): what a cache stores of a
    /// merged answer. Transactions and unreadable accounts are written as
    /// received, byte for byte; messages as already made display-safe and
    /// redacted, so no secret the server echoed is written.
    ///
    /// ```
    /// let set = simplefin::AccountSet::from_json(r#"{"errors": ["Connection to My Bank may need attention"],
    ///   "accounts": [{"org": {"name": "My Bank", "sfin-url": "https://x"}, "id": "A1", "currency": "USD",
    ///   "balance": "100.23", "balance-date": 978366153,
    ///   "transactions": [{"id": "t1", "posted": 978366153, "amount": 1.10, "description": "x"}]}]}"#).unwrap();
    /// let again = simplefin::AccountSet::from_json(&set.to_json()).unwrap();
    /// assert_eq!(again, set);
    /// // The record as received: a number stays as it was written.
    /// assert!(set.to_json().contains(r#""amount": 1.10"#));
    /// ```
    pub fn to_json(&self) -> String {
        let out = WireOut {
            errlist: self.messages.iter().map(message_json).collect(),
            connections: &self.connections,
            accounts: self
                .accounts
                .iter()
                .map(AccountOut::Read)
                .chain(
                    self.unreadable
                        .iter()
                        .filter_map(|u| RawValue::from_string(u.json.clone()).ok())
                        .map(AccountOut::Raw),
                )
                .collect(),
        };
        serde_json::to_string(&out).expect("an Account Set serialises")
    }

    /// The account with this id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The connection an account belongs to (version 2).
    pub fn connection_of(&self, account: &Account) -> Option<&Connection> {
        let id = account.conn_id.as_deref()?;
        self.connections.iter().find(|c| c.conn_id == id)
    }

    /// The messages concerning an account.
    pub fn messages_for<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a ServerMessage> {
        self.messages.iter().filter(move |m| m.concerns(id))
    }

    /// The messages concerning no account in particular.
    pub fn general_messages(&self) -> impl Iterator<Item = &ServerMessage> {
        self.messages.iter().filter(|m| m.accounts.is_empty())
    }

    /// Fills each message's `accounts` from what it names.
    fn resolve_messages(&mut self) {
        for i in 0..self.messages.len() {
            let accounts = self.accounts_named(&self.messages[i]);
            self.messages[i].accounts = accounts;
        }
    }

    fn accounts_named(&self, m: &ServerMessage) -> Vec<String> {
        if let Some(id) = &m.account_id {
            return vec![id.clone()];
        }
        if let Some(conn) = &m.conn_id {
            return self
                .accounts
                .iter()
                .filter(|a| a.conn_id.as_ref() == Some(conn))
                .map(|a| a.id.clone())
                .collect();
        }
        // Version 1 names nothing: recognise the Bridge's one message about
        // a bank, and account ids quoted in the text.
        let bank = attention_subject(&m.text);
        self.accounts
            .iter()
            .filter(|a| {
                let by_bank = bank.is_some_and(|b| {
                    let org = a.org.as_ref();
                    [
                        org.and_then(|o| o.name.as_deref()),
                        org.and_then(|o| o.domain.as_deref()),
                        a.conn_name.as_deref(),
                        self.connection_of(a).and_then(|c| c.name.as_deref()),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|n| n.eq_ignore_ascii_case(b))
                });
                // Short ids ("1") would match any number in the text.
                let by_id = a.id.chars().count() >= 4 && m.text.contains(a.id.as_str());
                by_bank || by_id
            })
            .map(|a| a.id.clone())
            .collect()
    }

    /// Adds the answer to a later request of the same run: accounts not seen
    /// yet are added; for an account seen already, the balance is the later
    /// one and transactions whose id was seen are dropped.
    pub(crate) fn merge(&mut self, later: AccountSet) {
        for account in later.accounts {
            let Some(mine) = self.accounts.iter_mut().find(|a| a.id == account.id) else {
                self.accounts.push(account);
                continue;
            };
            let mut seen: HashSet<String> = mine.transactions.iter().map(dedup_key).collect();
            for t in account.transactions {
                if seen.insert(dedup_key(&t)) {
                    mine.transactions.push(t);
                }
            }
            mine.transactions.shrink_to_fit();
            let transactions = std::mem::take(&mut mine.transactions);
            *mine = Account {
                transactions,
                ..account
            };
        }
        for c in later.connections {
            if !self.connections.iter().any(|m| m.conn_id == c.conn_id) {
                self.connections.push(c);
            }
        }
        for u in later.unreadable {
            if !self.unreadable.contains(&u) {
                self.unreadable.push(u);
            }
        }
        for m in later.messages {
            if !self.messages.contains(&m) {
                self.messages.push(m);
            }
        }
        self.requests += later.requests;
    }
}

/// A transaction's identity across requests: its id, else its JSON.
fn dedup_key(t: &TransactionRecord) -> String {
    match t.id() {
        Some(id) => format!("id:{id}"),
        None => format!("json:{}", t.json()),
    }
}

/// What [`AccountSet::to_json`] writes.
#[derive(Serialize)]
struct WireOut<'a> {
    errlist: Vec<Value>,
    connections: &'a [Connection],
    accounts: Vec<AccountOut<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum AccountOut<'a> {
    Read(&'a Account),
    Raw(Box<RawValue>),
}

/// A message as `errlist` holds it; one without code or names (version 1)
/// as the plain text `errors` held.
fn message_json(m: &ServerMessage) -> Value {
    if m.code.is_none() && m.conn_id.is_none() && m.account_id.is_none() {
        return Value::String(m.text.clone());
    }
    let mut o = Map::new();
    if let Some(c) = &m.code {
        o.insert("code".into(), Value::String(c.as_str().to_owned()));
    }
    o.insert("msg".into(), Value::String(m.text.clone()));
    if let Some(c) = &m.conn_id {
        o.insert("conn_id".into(), Value::String(c.clone()));
    }
    if let Some(a) = &m.account_id {
        o.insert("account_id".into(), Value::String(a.clone()));
    }
    Value::Object(o)
}

impl Serialize for Account {
    /// The protocol's form, which the lenient reader takes back: amounts as
    /// numeric strings, times as epoch seconds, a custom currency as its URL.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("name", &self.name)?;
        if let Some(c) = &self.currency {
            let text = match c {
                Currency::Code(c) => c.as_str(),
                Currency::Custom(u) => u.as_str(),
            };
            m.serialize_entry("currency", text)?;
        }
        if let Some(b) = &self.balance {
            m.serialize_entry("balance", &b.to_string())?;
        }
        if let Some(b) = &self.available_balance {
            m.serialize_entry("available-balance", &b.to_string())?;
        }
        if let Some(d) = &self.balance_date {
            m.serialize_entry("balance-date", &d.timestamp())?;
        }
        if let Some(o) = &self.org {
            m.serialize_entry("org", o)?;
        }
        if let Some(c) = &self.conn_id {
            m.serialize_entry("conn_id", c)?;
        }
        if let Some(c) = &self.conn_name {
            m.serialize_entry("conn_name", c)?;
        }
        m.serialize_entry("transactions", &self.transactions)?;
        if let Some(e) = &self.extra {
            m.serialize_entry("extra", e)?;
        }
        m.end()
    }
}

/// `BANK` in "Connection to BANK may need attention".
fn attention_subject(text: &str) -> Option<&str> {
    const HEAD: &str = "connection to ";
    const TAIL: &str = " may need attention";
    let lower = text.to_ascii_lowercase();
    let start = lower.find(HEAD)? + HEAD.len();
    let end = lower[start..].find(TAIL)? + start;
    // ASCII lowercasing keeps byte offsets.
    Some(text[start..end].trim()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: &str) -> AccountSet {
        AccountSet::from_json(json).unwrap()
    }

    #[test]
    fn an_unreadable_account_does_not_spoil_the_others() {
        let s = set(r#"{"errors":[],"accounts":[
            {"id":"A","name":"ok","currency":"USD","balance":"1.00","balance-date":1},
            {"id":"B","name":"bad","currency":"USD","balance":"lots","balance-date":1},
            {"name":"no id"}]}"#);
        assert_eq!(s.accounts.len(), 1);
        assert_eq!(s.unreadable.len(), 2);
        assert_eq!(s.unreadable[0].id.as_deref(), Some("B"));
        assert!(s.unreadable[0].reason.contains("lots"));
        assert!(s.unreadable[1].id.is_none());
        assert!(AccountSet::from_json("[]").is_err());
        assert!(AccountSet::from_json(r#"{"accounts": 3}"#).is_err());
        assert_eq!(set("{}"), AccountSet::default());
    }

    #[test]
    fn version_2_messages_name_accounts_and_connections() {
        let s = set(r#"{"errors":["dup"],"errlist":[
              {"code":"con.auth","msg":"Authentication required","conn_id":"C1"},
              {"code":"act.failed","message":"Try again later.","account_id":"A2"},
              {"code":"gen.api","msg":"Requested date range exceeds limit of 90 days and was capped."}],
            "connections":[{"conn_id":"C1","name":"My Bank - Jill","org_id":"O"},{"name":"no id"}],
            "accounts":[
              {"id":"A1","conn_id":"C1","currency":"USD","balance":"1","balance-date":5},
              {"id":"A2","conn_id":"C2","currency":"https://example.com/miles","balance":"2","balance-date":5}]}"#);
        assert_eq!(
            s.messages.len(),
            3,
            "errors is ignored when errlist is present"
        );
        assert_eq!(s.messages[0].accounts, ["A1"]);
        assert_eq!(s.messages[1].accounts, ["A2"]);
        assert_eq!(s.messages[1].text, "Try again later.");
        assert!(s.messages[2].accounts.is_empty());
        assert_eq!(s.general_messages().count(), 1);
        assert_eq!(s.connections.len(), 1);
        let a1 = s.account("A1").unwrap();
        assert_eq!(
            s.connection_of(a1).unwrap().name.as_deref(),
            Some("My Bank - Jill")
        );
        assert!(matches!(
            s.account("A2").unwrap().currency,
            Some(Currency::Custom(_))
        ));
        assert_eq!(s.messages_for("A2").count(), 1);
        let shown = s.messages[0].to_string();
        assert!(
            shown.starts_with("[con.auth] Authentication required (account A1); sign in"),
            "{shown}"
        );
    }

    #[test]
    fn secrets_are_blanked_out_of_messages_before_they_are_cut() {
        let secret = "0123456789abcdef0123456789abcdef";
        let mut r = Redactor::default();
        r.add(secret);
        let long = format!("{}{secret} and more", "x ".repeat(145));
        let json =
            serde_json::json!({"errors": [long], "accounts": [{"id": secret, "balance": "x"}]});
        let s = AccountSet::parse(&json.to_string(), &r).unwrap();
        let text = &s.messages[0].text;
        assert!(text.ends_with('…') && text.contains("[redacted]"), "{text}");
        assert!(!text.contains("0123"), "{text}");
        assert!(!s.unreadable[0].reason.contains("0123"));
    }

    #[test]
    fn version_1_messages_are_matched_by_bank_name_and_account_id() {
        let s = set(r#"{"errors":["Connection to My Bank may need attention",
                                   "Account ACT-22 failed",
                                   "You must reauthenticate."],
            "accounts":[
              {"org":{"name":"My Bank","sfin-url":"x"},"id":"ACT-11","balance":"1"},
              {"org":{"domain":"other.com","sfin-url":"x"},"id":"ACT-22","balance":"1"},
              {"org":{"name":"my bank","sfin-url":"x"},"id":"ACT-33","balance":"1"}]}"#);
        assert_eq!(s.messages[0].accounts, ["ACT-11", "ACT-33"]);
        assert_eq!(s.messages[1].accounts, ["ACT-22"]);
        assert!(s.messages[2].accounts.is_empty());
    }

    #[test]
    fn a_set_written_out_reads_back_as_it_was() {
        let s = set(r#"{"errors":["dup"],"errlist":[
              {"code":"con.auth","msg":"Authentication required","conn_id":"C1"},
              {"code":"act.failed","message":"Try again later.","account_id":"A2"},
              "Connection to Other Bank may need attention",
              {"code":"gen.api","msg":"capped"}],
            "connections":[{"conn_id":"C1","name":"My Bank - Jill","org_id":"O"}],
            "accounts":[
              {"id":"A1","name":"Checking","conn_id":"C1","currency":"USD","balance":"1.50",
               "available-balance": 2, "balance-date":5, "extra": {"k": [1, "x"]},
               "transactions": [{"id": "t", "amount": 1.10, "posted": 5}, {"amount": "x"}]},
              {"id":"A2","org":{"name":"Other Bank","sfin-url":"x"},
               "currency":"https://example.com/miles","balance":"2","balance-date":5},
              {"id":"A3","balance":"lots"}]}"#);
        let text = s.to_json();
        let back = set(&text);
        assert_eq!(back, s);
        assert_eq!(back.messages[2].accounts, ["A2"]);
        assert!(text.contains(r#"{"amount": "x"}"#), "{text}");
        assert!(text.contains(r#""balance":"lots""#), "{text}");
        assert_eq!(set(&AccountSet::default().to_json()), AccountSet::default());
    }

    #[test]
    fn merging_drops_transactions_seen_and_keeps_the_later_balance() {
        let mut a = set(
            r#"{"errors":["w"],"accounts":[{"id":"A","balance":"1","transactions":[
            {"id":"t1","posted":1,"amount":"1"},{"id":"t2","posted":2,"amount":"2"}]}]}"#,
        );
        a.requests = 1;
        let mut b = set(r#"{"errors":["w"],"accounts":[
            {"id":"A","balance":"5","transactions":[{"id":"t2","posted":2,"amount":"2"},{"id":"t3","posted":3,"amount":"3"},{"posted":3,"amount":"9"}]},
            {"id":"B","balance":"7"}]}"#);
        b.requests = 2;
        a.merge(b);
        let ids: Vec<_> = a.accounts[0].transactions.iter().map(|t| t.id()).collect();
        assert_eq!(
            ids,
            [
                Some("t1".into()),
                Some("t2".into()),
                Some("t3".into()),
                None
            ]
        );
        assert_eq!(a.accounts[0].balance.unwrap().to_string(), "5");
        assert_eq!(a.accounts.len(), 2);
        assert_eq!(a.messages.len(), 1);
        assert_eq!(a.requests, 3);
    }
}
