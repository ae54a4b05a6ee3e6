//! SimpleFIN data in the importer's neutral terms: one [`AccountSet`] (all
//! accounts, one answer) becomes one [`AccountStatement`] per configured
//! account: its transactions as [`importer::Records`]
//! ([`SimpleFinRecords`]), its balances as [`importer::Balance`]s, and the
//! server's messages about it. An account that cannot be imported (not
//! listed, unreadable, a currency without a commodity) is a
//! [`StatementError`] for that account alone.
//!
//! Days are UTC days of SimpleFIN's timestamps: the Bridge stamps a day's
//! transactions at noon UTC, which is that day in every timezone of the
//! Americas and Europe.

use chrono::{DateTime, Days, NaiveDate, Utc};
use importer::{
    AccountConfig, Balance, BalanceKind, BankTransaction, Records, Statement, Status, Unreadable,
};
use rust_decimal::Decimal;

use crate::{Account, AccountSet, AccountsQuery, Currency, ServerMessage, TransactionRecord};

/// The metadata key SimpleFIN transaction ids are written under, on the
/// bank account's posting. Ids are unique within an account.
pub const ID_KEY: &str = "simplefin_id";

/// How the source is named in the output's headings.
pub const SOURCE_LABEL: &str = "SimpleFIN";

/// Why one account of an answer cannot be imported. The other accounts
/// are not concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// The server did not list the account.
    #[error(
        "SimpleFIN account {account}: not in the server's answer{}; check its `id:` against \
         the accounts `gc-beancount link --source {source_name}` lists",
        messages_suffix(.messages)
    )]
    NotListed {
        /// The configured account id.
        account: String,
        /// The source's name.
        source_name: String,
        /// The server's messages about it (or about nothing in particular).
        messages: Vec<String>,
    },
    /// The server sent the account in a form that cannot be read.
    #[error("SimpleFIN account {account}: its data cannot be read ({reason}); report it")]
    Unreadable {
        /// The configured account id.
        account: String,
        /// What is wrong.
        reason: String,
    },
    /// The account is in a custom currency and the configuration names no
    /// commodity for it.
    #[error(
        "SimpleFIN account {account} is in the custom currency {url}: name its Beancount \
         commodity with `currency:` on the account (for example `currency: MILES`)"
    )]
    CustomCurrency {
        /// The configured account id.
        account: String,
        /// The currency's URL.
        url: String,
    },
    /// The server gave no currency and the configuration names none.
    #[error(
        "SimpleFIN account {account} has no currency: set `currency:` on the account (for \
         example `currency: USD`)"
    )]
    NoCurrency {
        /// The configured account id.
        account: String,
    },
    /// The server's currency is not a Beancount currency.
    #[error(
        "SimpleFIN account {account}: currency {currency:?} is not a Beancount currency \
         ({reason}); set `currency:` on the account"
    )]
    InvalidCurrency {
        /// The configured account id.
        account: String,
        /// The currency as sent.
        currency: String,
        /// Why Beancount refuses it.
        reason: String,
    },
}

fn messages_suffix(messages: &[String]) -> String {
    if messages.is_empty() {
        String::new()
    } else {
        format!(" (the server says: {})", messages.join("; "))
    }
}

/// One account of an [`AccountSet`], ready for the importer.
#[derive(Debug, Clone)]
pub struct AccountStatement<'a> {
    account: &'a Account,
    records: SimpleFinRecords<'a>,
    balances: Vec<Balance>,
    messages: Vec<&'a ServerMessage>,
}

impl<'a> AccountStatement<'a> {
    /// The data of the configured `account` (found by its `id:`) in `set`,
    /// the answer to `query`.
    ///
    /// The currency is the server's ISO code; the account's `currency:`
    /// when the server gives none, and for a custom currency (a URL), the
    /// commodity to write it as. A configured currency that differs from
    /// the server's ISO code is left to the importer, which refuses each
    /// transaction with both named.
    ///
    /// The balances: `balance` at `balance-date` as
    /// [`BalanceKind::InterimBooked`] of that day (SimpleFIN's balance
    /// leaves pending transactions out; the importer asserts it on the day
    /// after); and, when `query` covers all of that day, the
    /// [`BalanceKind::ClosingBooked`] balance of the day before: `balance`
    /// less what posted on the balance's day. That one is of a completed
    /// day, so the importer's `balance: auto` asserts it.
    ///
    /// # Errors
    /// When the account is not listed or cannot be read, or its currency
    /// cannot be written (see [`StatementError`]).
    pub fn new(
        set: &'a AccountSet,
        account: &AccountConfig,
        query: &AccountsQuery,
    ) -> Result<AccountStatement<'a>, StatementError> {
        let id = account.id.as_str();
        let Some(found) = set.account(id) else {
            if let Some(u) = set.unreadable.iter().find(|u| u.id.as_deref() == Some(id)) {
                return Err(StatementError::Unreadable {
                    account: id.to_owned(),
                    reason: u.reason.clone(),
                });
            }
            return Err(StatementError::NotListed {
                account: id.to_owned(),
                source_name: account.source.clone(),
                messages: set
                    .messages
                    .iter()
                    .filter(|m| m.accounts.is_empty() || m.concerns(id))
                    .map(ToString::to_string)
                    .collect(),
            });
        };
        let currency = currency(found, account)?;
        let records = SimpleFinRecords {
            records: &found.transactions,
            currency,
        };
        let balances = balances(found, &records, query);
        Ok(AccountStatement {
            account: found,
            records,
            balances,
            messages: set.messages.iter().filter(|m| m.concerns(id)).collect(),
        })
    }

    /// The statement to hand the importer.
    pub fn statement(&self) -> Statement<'_> {
        Statement {
            source: SOURCE_LABEL,
            id_key: ID_KEY,
            records: &self.records,
            balances: &self.balances,
            fetched_at: None,
        }
    }

    /// The account as the server sent it.
    pub fn account(&self) -> &'a Account {
        self.account
    }

    /// Its transaction records.
    pub fn records(&self) -> &SimpleFinRecords<'a> {
        &self.records
    }

    /// Its balances (see [`AccountStatement::new`]).
    pub fn balances(&self) -> &[Balance] {
        &self.balances
    }

    /// The server's messages about this account (its connection's
    /// trouble, a failed update), to show with it: its data may be stale.
    pub fn messages(&self) -> &[&'a ServerMessage] {
        &self.messages
    }
}

/// The currency to write: the server's code, else the configured one; a
/// custom currency needs the configured one.
fn currency(found: &Account, account: &AccountConfig) -> Result<String, StatementError> {
    let id = || account.id.clone();
    let configured = account.currency.clone();
    let code = match (&found.currency, configured) {
        (Some(Currency::Code(c)), _) => c.clone(),
        (Some(Currency::Custom(_)) | None, Some(c)) => return Ok(c),
        (Some(Currency::Custom(url)), None) => {
            return Err(StatementError::CustomCurrency {
                account: id(),
                url: url.to_string(),
            });
        }
        (None, None) => return Err(StatementError::NoCurrency { account: id() }),
    };
    importer::beancount::check_currency(&code).map_err(|reason| {
        StatementError::InvalidCurrency {
            account: id(),
            currency: code.clone(),
            reason,
        }
    })?;
    Ok(code)
}

/// The interim balance of the balance's day and, when the answer holds all
/// of that day's postings, the closing balance of the day before.
fn balances(
    found: &Account,
    records: &SimpleFinRecords<'_>,
    query: &AccountsQuery,
) -> Vec<Balance> {
    let (Some(balance), Some(at)) = (found.balance, found.balance_date) else {
        return Vec::new();
    };
    let day = at.date_naive();
    let mut out = vec![Balance {
        kind: BalanceKind::InterimBooked,
        amount: balance,
        currency: records.currency.clone(),
        reference_date: Some(day),
        last_change: None,
        fetched_at: None,
    }];
    if let Some(posted_that_day) = posted_on(records, day, at, query)
        && let Some(before) = day.checked_sub_days(Days::new(1))
    {
        out.push(Balance {
            kind: BalanceKind::ClosingBooked,
            amount: balance - posted_that_day,
            currency: records.currency.clone(),
            reference_date: Some(before),
            last_change: None,
            fetched_at: None,
        });
    }
    out
}

/// The sum of what posted on `day`, when the answer is known to hold every
/// posting of that day up to the balance's time `at`: the window starts by
/// the day's start and ends at `at` or later, every record is readable, and
/// none posted after `day` (which would mean the balance is older than the
/// transactions).
fn posted_on(
    records: &SimpleFinRecords<'_>,
    day: NaiveDate,
    at: DateTime<Utc>,
    query: &AccountsQuery,
) -> Option<Decimal> {
    let day_start = day.and_hms_opt(0, 0, 0)?.and_utc();
    if query.balances_only || query.start.is_none_or(|s| s > day_start) {
        return None;
    }
    if query.end.is_some_and(|e| e < at) {
        return None;
    }
    let mut sum = Decimal::ZERO;
    for r in records.records {
        let t = r.parse().ok()?;
        if t.is_pending() {
            continue;
        }
        let posted = t.posted?.date_naive();
        if posted > day {
            return None;
        }
        if posted == day {
            sum = sum.checked_add(t.amount)?;
        }
    }
    Some(sum)
}

/// One account's transaction records, as the importer reads them, in the
/// account's currency.
#[derive(Debug, Clone)]
pub struct SimpleFinRecords<'a> {
    records: &'a [TransactionRecord],
    currency: String,
}

impl SimpleFinRecords<'_> {
    /// The currency the records are written in.
    pub fn currency(&self) -> &str {
        &self.currency
    }
}

impl Records for SimpleFinRecords<'_> {
    fn len(&self) -> usize {
        self.records.len()
    }

    fn read(&self, i: usize) -> Result<BankTransaction, Unreadable> {
        bank_transaction(&self.records[i], &self.currency)
    }

    fn raw(&self, i: usize) -> &str {
        self.records[i].json()
    }
}

/// Reads one SimpleFIN record in `currency`: the amount as sent (positive
/// is money in), booked on `posted`'s day or pending (`posted` 0 or the
/// `pending` flag), transaction date `transacted_at`'s day, payee `payee`
/// else one derived from `description` ([`payee_from_description`]),
/// narration `description` else `memo`, id `id`.
///
/// # Errors
/// When the record cannot be read; the error carries its id when that
/// much can be read.
///
/// ```
/// let r = simplefin::TransactionRecord::from_json(r#"{"id": "TRN-1", "posted": 1770638400,
///   "amount": "-22.11", "description": "CURSOR, AI POWERED IDE   CURSOR.COM   NY",
///   "payee": "", "memo": "", "transacted_at": 1770552000}"#).unwrap();
/// let t = simplefin::statement::bank_transaction(&r, "USD").unwrap();
/// assert_eq!(t.booking_date, "2026-02-09".parse().ok());
/// assert_eq!(t.transaction_date, "2026-02-08".parse().ok());
/// assert_eq!(t.payee.as_deref(), Some("CURSOR, AI POWERED IDE"));
/// assert_eq!(t.amount.to_string(), "-22.11");
/// ```
pub fn bank_transaction(
    record: &TransactionRecord,
    currency: &str,
) -> Result<BankTransaction, Unreadable> {
    let t = record.parse().map_err(|e| Unreadable {
        reason: format!("unreadable transaction: {e}"),
        date: None,
        id: record.id(),
    })?;
    let status = if t.is_pending() {
        Status::Pending
    } else {
        Status::Booked
    };
    let mut b = BankTransaction::new(status, t.amount, currency);
    if status == Status::Booked {
        b.booking_date = t.posted.map(|p| p.date_naive());
    }
    b.transaction_date = t.transacted_at.map(|d| d.date_naive());
    b.payee = t
        .payee
        .clone()
        .or_else(|| payee_from_description(&t.description));
    b.narration = Some(t.description).filter(|d| !d.is_empty()).or(t.memo);
    b.ids.transaction_id = Some(t.id);
    b.raw = record.json().into();
    Ok(b)
}

/// Payment processors' prefixes, which name no merchant.
const PROCESSOR_PREFIXES: [&str; 6] = ["SQ *", "SQ*", "TST* ", "TST*", "PAYPAL *", "PP*"];

/// A payee from a bank's description, for transactions without SimpleFIN's
/// `payee`: the text before the first run of two or more spaces (banks
/// pad their fields), without a payment processor's prefix (`SQ *`,
/// `TST*`, `PAYPAL *`, `PP*`), up to the first word holding a digit or
/// `#` (store numbers, references) or starting with `*` (a processor's
/// detail), trailing punctuation trimmed. `None` when nothing is left.
///
/// ```
/// use simplefin::statement::payee_from_description as payee;
/// assert_eq!(payee("SQ *BLUE BOTTLE COFFEE SAN FRANCISCO CA").as_deref(), Some("BLUE BOTTLE COFFEE SAN FRANCISCO CA"));
/// assert_eq!(payee("TRADER JOE'S #123 QPS OAKLAND CA").as_deref(), Some("TRADER JOE'S"));
/// assert_eq!(payee("UBER *TRIP HELP.UBER.COM").as_deref(), Some("UBER"));
/// assert_eq!(payee("AMZN Mktp US*2K4LM1X03").as_deref(), Some("AMZN Mktp"));
/// assert_eq!(payee("12345").as_deref(), None);
/// ```
pub fn payee_from_description(description: &str) -> Option<String> {
    let text = description.trim();
    let first_field = match text.find("  ") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut rest = first_field;
    for prefix in PROCESSOR_PREFIXES {
        if rest.len() >= prefix.len()
            && rest.is_char_boundary(prefix.len())
            && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            rest = rest[prefix.len()..].trim_start();
            break;
        }
    }
    let words: Vec<&str> = rest
        .split_whitespace()
        .take_while(|w| {
            !w.contains(|c: char| c.is_ascii_digit() || c == '#') && !w.starts_with('*')
        })
        .collect();
    let payee = words
        .join(" ")
        .trim_end_matches(|c: char| c.is_ascii_punctuation() && c != ')' && c != '\'')
        .to_owned();
    (!payee.is_empty()).then_some(payee)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: &str) -> AccountSet {
        AccountSet::from_json(json).unwrap()
    }

    fn config(id: &str, currency: Option<&str>) -> AccountConfig {
        let mut a = AccountConfig::new(id, "Assets:Bank");
        a.source = "sfin".into();
        a.currency = currency.map(str::to_owned);
        a
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Balance 100.00 at 2026-11-20 20:00 UTC; 30.00 posted that day, 5.00
    /// the day before, 7.00 pending.
    const ONE: &str = r#"{"errors": [], "accounts": [{"id": "A", "name": "Checking",
        "currency": "USD", "balance": "100.00", "balance-date": 1795204800, "transactions": [
          {"id": "t0", "posted": 1795089600, "amount": "-5.00", "description": "SHELL OIL 57444 BERKELEY CA",
           "transacted_at": 1795089600},
          {"id": "t1", "posted": 1795176000, "amount": "30.00", "description": "ACME  PAYROLL", "payee": "Acme"},
          {"id": "p1", "posted": 0, "amount": "-7.00", "description": "", "memo": "POS PURCHASE",
           "transacted_at": 1795190000, "pending": true}]}]}"#;

    #[test]
    fn an_account_is_read_with_its_balances() {
        let s = set(ONE);
        let window = AccountsQuery::window(at("2026-11-01T00:00:00Z"), at("2026-11-20T20:00:00Z"));
        let a = AccountStatement::new(&s, &config("A", None), &window).unwrap();
        assert_eq!(a.account().name, "Checking");
        assert_eq!(a.records().currency(), "USD");
        let st = a.statement();
        assert_eq!((st.source, st.id_key), ("SimpleFIN", "simplefin_id"));
        let r = a.records();
        let t0 = r.read(0).unwrap();
        assert_eq!(t0.status, Status::Booked);
        assert_eq!(t0.booking_date, "2026-11-19".parse().ok());
        assert_eq!(t0.payee.as_deref(), Some("SHELL OIL"));
        let t1 = r.read(1).unwrap();
        assert_eq!(t1.payee.as_deref(), Some("Acme"));
        assert_eq!(t1.narration.as_deref(), Some("ACME  PAYROLL"));
        assert_eq!(t1.transaction_date, None);
        let p1 = r.read(2).unwrap();
        assert_eq!(p1.status, Status::Pending);
        assert_eq!(p1.booking_date, None);
        assert_eq!(p1.transaction_date, "2026-11-20".parse().ok());
        assert_eq!(p1.narration.as_deref(), Some("POS PURCHASE"));
        assert_eq!(p1.payee, None);
        assert_eq!(p1.ids.transaction_id.as_deref(), Some("p1"));

        let b = a.balances();
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!(b[0].kind, BalanceKind::InterimBooked);
        assert_eq!(b[0].reference_date, "2026-11-20".parse().ok());
        assert_eq!(b[0].amount.to_string(), "100.00");
        assert_eq!(b[1].kind, BalanceKind::ClosingBooked);
        assert_eq!(b[1].reference_date, "2026-11-19".parse().ok());
        assert_eq!(b[1].amount.to_string(), "70.00");
    }

    #[test]
    fn the_closing_balance_needs_the_whole_day() {
        let s = set(ONE);
        let cfg = config("A", None);
        let kinds = |q: &AccountsQuery| -> Vec<BalanceKind> {
            AccountStatement::new(&s, &cfg, q)
                .unwrap()
                .balances()
                .iter()
                .map(|b| b.kind.clone())
                .collect()
        };
        let late_start =
            AccountsQuery::window(at("2026-11-20T01:00:00Z"), at("2026-11-21T00:00:00Z"));
        assert_eq!(kinds(&late_start), [BalanceKind::InterimBooked]);
        let early_end =
            AccountsQuery::window(at("2026-11-01T00:00:00Z"), at("2026-11-20T12:00:00Z"));
        assert_eq!(kinds(&early_end), [BalanceKind::InterimBooked]);
        assert_eq!(
            kinds(&AccountsQuery::default()),
            [BalanceKind::InterimBooked]
        );
        let open_end = AccountsQuery {
            start: Some(at("2026-11-20T00:00:00Z")),
            ..AccountsQuery::default()
        };
        assert_eq!(kinds(&open_end).len(), 2);
        // A posting after the balance's day: the balance is older.
        let later = ONE.replace("1795176000", "1795300000");
        let s2 = set(&later);
        let q = AccountsQuery::window(at("2026-11-01T00:00:00Z"), at("2026-11-25T00:00:00Z"));
        assert_eq!(
            AccountStatement::new(&s2, &cfg, &q)
                .unwrap()
                .balances()
                .len(),
            1
        );
        // An unreadable record: its amount is unknown.
        let bad = ONE.replace(r#""amount": "-5.00""#, r#""amount": "five""#);
        let s3 = set(&bad);
        let a = AccountStatement::new(&s3, &cfg, &q).unwrap();
        assert_eq!(a.balances().len(), 1);
        let e = a.records().read(0).unwrap_err();
        assert_eq!(e.id.as_deref(), Some("t0"));
        assert!(e.reason.contains("five"), "{e:?}");
    }

    #[test]
    fn currencies_come_from_the_server_or_the_account() {
        let s = set(
            r#"{"errlist": [{"code": "act.failed", "msg": "Try again later.", "account_id": "M"},
                            {"code": "gen.api", "msg": "capped"}],
                "accounts": [
              {"id": "M", "currency": "https://rewards.example/miles", "balance": "1200", "balance-date": 1795204800},
              {"id": "N", "balance": "1", "balance-date": 1795204800},
              {"id": "L", "currency": "usd", "balance": "1", "balance-date": 1795204800},
              {"id": "U", "currency": "lots", "balance": "x"}]}"#,
        );
        let q = AccountsQuery::default();
        let e = AccountStatement::new(&s, &config("M", None), &q).unwrap_err();
        assert_eq!(
            e,
            StatementError::CustomCurrency {
                account: "M".into(),
                url: "https://rewards.example/miles".into()
            }
        );
        assert!(e.to_string().contains("`currency:` on the account"), "{e}");
        let m = AccountStatement::new(&s, &config("M", Some("MILES")), &q).unwrap();
        assert_eq!(m.records().currency(), "MILES");
        assert_eq!(m.balances()[0].currency, "MILES");
        assert_eq!(m.messages().len(), 1);
        assert_eq!(m.messages()[0].text, "Try again later.");
        assert!(matches!(
            AccountStatement::new(&s, &config("N", None), &q),
            Err(StatementError::NoCurrency { .. })
        ));
        let n = AccountStatement::new(&s, &config("N", Some("CAD")), &q).unwrap();
        assert_eq!(n.records().currency(), "CAD");
        assert!(matches!(
            AccountStatement::new(&s, &config("L", None), &q),
            Err(StatementError::InvalidCurrency { .. })
        ));
        let e = AccountStatement::new(&s, &config("U", None), &q).unwrap_err();
        assert!(matches!(e, StatementError::Unreadable { .. }), "{e:?}");
        let e = AccountStatement::new(&s, &config("Z", None), &q).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(
                "account Z: not in the server's answer (the server says: [gen.api] capped"
            ) && text.contains("link --source sfin"),
            "{text}"
        );
    }

    #[test]
    fn payees_are_derived_conservatively() {
        for (description, payee) in [
            (
                "CURSOR, AI POWERED IDE   CURSOR.COM   NY",
                Some("CURSOR, AI POWERED IDE"),
            ),
            (
                "TST* HOPSCOTCH DINER OAKLAND",
                Some("HOPSCOTCH DINER OAKLAND"),
            ),
            ("PAYPAL *STEAM GAMES", Some("STEAM GAMES")),
            ("CHIPOTLE 0842 EMERYVILLE CA", Some("CHIPOTLE")),
            (
                "ACME CORP PAYROLL PPD ID: 9876543210",
                Some("ACME CORP PAYROLL PPD ID"),
            ),
            (
                "ZELLE TO OAK PROPERTIES LLC",
                Some("ZELLE TO OAK PROPERTIES LLC"),
            ),
            ("PG&E WEB ONLINE", Some("PG&E WEB ONLINE")),
            ("Émile's Café", Some("Émile's Café")),
            ("", None),
            ("  #42  ", None),
            ("sq*", None),
        ] {
            assert_eq!(
                payee_from_description(description).as_deref(),
                payee,
                "{description:?}"
            );
        }
    }
}
