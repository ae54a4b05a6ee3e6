//! Deterministic bank data: ids, institutions and an account's transactions
//! and balances, all derived from the seed.
//!
//! Every transaction is a pure function of (seed, account index, day, number
//! within the day), so moving the clock never changes what was already there:
//! today's transactions are pending, and the next day they are booked under a
//! new `transactionId`.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde_json::{Map, Value, json};

/// Days of history at the start clock, today included.
pub const WINDOW_DAYS: u64 = 90;

/// Mixes several numbers into one seed (splitmix64 steps).
pub fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &p in parts {
        h ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15);
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

/// A version-4-shaped UUID from a random source.
pub fn uuid(rng: &mut fastrand::Rng) -> String {
    let a = rng.u64(..);
    let b = rng.u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0x0fff) as u16,
        ((b >> 48) as u16 & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// True when `s` is shaped like a UUID (the API answers 400 otherwise).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A random string of URL-safe base64 characters (for JWT-looking tokens).
pub fn b64(rng: &mut fastrand::Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..len)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

/// The fictional banks the server knows, as `IntegrationRetrieve` objects.
pub fn institutions() -> Vec<Value> {
    let all_features = [
        "access_scopes",
        "account_selection",
        "business_accounts",
        "card_accounts",
        "corporate_accounts",
        "pending_transactions",
        "private_accounts",
        "read_debtor_account",
        "read_refund_account",
        "separate_continuous_history_consent",
    ];
    let bank = |id: &str,
                name: &str,
                bic: &str,
                days: &str,
                access: &str,
                countries: &[&str],
                features: &[&str]| {
        json!({
            "id": id,
            "name": name,
            "bic": bic,
            "transaction_total_days": days,
            "max_access_valid_for_days": access,
            "countries": countries,
            "logo": format!("https://cdn-logos.gocardless.com/ais/{id}.png"),
            "supported_features": features,
            "identification_codes": [],
        })
    };
    let mut gb = bank(
        "GLASGOW_MUTUAL_GLMUGB2L",
        "Glasgow Mutual",
        "GLMUGB2L",
        "730",
        "90",
        &["GB"],
        &["card_accounts", "pending_transactions", "private_accounts"],
    );
    gb["max_access_valid_for_days_reconfirmation"] = json!("730");
    vec![
        bank(
            "FAKEBANK_FAKEDEB1",
            "Fake Bank",
            "FAKEDEB1",
            "730",
            "180",
            &["DE", "AT", "NL"],
            &all_features,
        ),
        bank(
            "SANDBOXFINANCE_SFIN0000",
            "Sandbox Finance",
            "SFIN0000",
            "90",
            "90",
            &["XX", "DE", "FR", "ES", "IT", "PL", "GB"],
            &[
                "account_selection",
                "private_accounts",
                "pending_transactions",
            ],
        ),
        bank(
            "NORDLICHT_NLBKDEFF",
            "Nordlicht Bank",
            "NLBKDEFF",
            "540",
            "90",
            &["DE"],
            &[
                "business_accounts",
                "private_accounts",
                "read_debtor_account",
            ],
        ),
        bank(
            "PIMENTA_PMNTPTPL",
            "Banco Pimenta",
            "PMNTPTPL",
            "90",
            "180",
            &["PT", "ES"],
            &["private_accounts", "card_accounts", "pending_transactions"],
        ),
        gb,
        bank(
            "KRONE_KRNESESS",
            "Krone Sparbank",
            "KRNESESS",
            "365",
            "180",
            &["SE", "FI", "DK"],
            &[
                "corporate_accounts",
                "private_accounts",
                "ssn_verification",
                "separate_continuous_history_consent",
            ],
        ),
    ]
}

/// The static facts of a generated account.
#[derive(Debug, Clone)]
pub struct AccountProfile {
    pub index: u64,
    pub currency: String,
    pub iban: String,
    pub owner_name: &'static str,
    pub name: &'static str,
    pub product: &'static str,
    /// Balance before the first generated day, in minor units.
    pub opening_cents: i64,
    /// Whether transactions carry `balanceAfterTransaction`.
    pub balance_after: bool,
    /// Whether the bank never sends a `transactionId` (as some French
    /// savings banks do): only `internalTransactionId` tells them apart.
    pub no_transaction_ids: bool,
}

const OWNERS: &[&str] = &[
    "Jürgen Müller",
    "Zoë O'Brien",
    "Ana Lúcia Gonçalves",
    "JOHN EXAMPLE",
    "Łukasz Wiśniewski",
    "Søren \"Sonny\" Kierkegaard",
];

/// The account with this index, derived from the seed.
pub fn profile(seed: u64, index: u64) -> AccountProfile {
    let mut rng = fastrand::Rng::with_seed(mix(&[seed, 11, index]));
    let currency = if index % 4 == 2 { "GBP" } else { "EUR" };
    let iban = if currency == "GBP" {
        format!(
            "GB{:02}FAKE{:06}{:08}",
            rng.u32(10..99),
            rng.u32(..1_000_000),
            rng.u32(..100_000_000)
        )
    } else {
        format!(
            "DE{:02}{:08}{:010}",
            rng.u32(10..99),
            rng.u32(10_000_000..100_000_000),
            rng.u64(..10_000_000_000)
        )
    };
    let (name, product) = match index % 3 {
        0 => ("Girokonto", "Current Account for Individuals (Retail)"),
        1 => ("Joint account", "Private Giro"),
        _ => ("Credit card", "Card Account"),
    };
    AccountProfile {
        index,
        currency: currency.to_string(),
        iban,
        owner_name: OWNERS[(index as usize) % OWNERS.len()],
        name,
        product,
        opening_cents: rng.i64(50_000..500_000),
        balance_after: index % 3 == 1,
        no_transaction_ids: index % 5 == 3,
    }
}

/// How many transactions happen on day `k` (0 = first day of the window).
///
/// Over the first [`WINDOW_DAYS`] days they add up to exactly `per_window`;
/// after that at least one a day, so daily runs always find something new.
pub fn per_day(per_window: usize, k: u64) -> usize {
    let m = per_window as u64;
    let n = ((k + 1) * m / WINDOW_DAYS - k * m / WINDOW_DAYS) as usize;
    if k >= WINDOW_DAYS { n.max(1) } else { n }
}

/// One generated transaction, in both of its renderings.
#[derive(Debug, Clone)]
pub struct GenTx {
    /// Amount in minor units.
    pub cents: i64,
    /// As shown while pending (the day it happens).
    pub pending: Value,
    /// As shown once booked (from the next day on).
    pub booked: Value,
}

/// One transaction served: its JSON text, and the dates `date_from` and
/// `date_to` match. Kept as text so that a response is a concatenation.
#[derive(Debug, Clone)]
pub struct Served {
    pub dates: Vec<NaiveDate>,
    pub raw: Arc<str>,
}

impl Served {
    /// A transaction as served.
    pub fn new(json: &Value) -> Served {
        Served {
            dates: dates_of(json),
            raw: serde_json::to_string(json)
                .expect("JSON values serialise")
                .into(),
        }
    }
}

/// All an account shows at some day.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Newest first.
    pub booked: Vec<Served>,
    /// Newest first.
    pub pending: Vec<Served>,
    /// Opening plus every booked amount.
    pub closing_cents: i64,
    /// The sum of pending amounts.
    pub pending_cents: i64,
    /// Transactions booked otherwise than they were shown while pending,
    /// in the order they happened.
    pub changed: Vec<Booking>,
    /// Pending transactions cancelled, in the order they happened.
    pub vanished: Vec<Booking>,
}

/// How a pending transaction books, when not as it was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Booked the next day, dated the day it happened, same amount.
    Same,
    /// Booked with another amount (a tip, a fuel or hotel
    /// pre-authorisation released, the final exchange rate), in cents.
    Amount(i64),
    /// Booked this many days later (the pending one stays listed until
    /// then) or, when negative, dated earlier than it was shown.
    Date(i64),
    /// Both.
    AmountAndDate(i64, i64),
    /// Never booked: the pending transaction is cancelled the next day.
    Vanish,
}

impl Fate {
    /// The booked amount for a pending amount.
    pub fn booked_cents(self, cents: i64) -> i64 {
        match self {
            Fate::Amount(c) | Fate::AmountAndDate(c, _) => c,
            _ => cents,
        }
    }

    /// Days between the day it happened and the booking date.
    pub fn shift(self) -> i64 {
        match self {
            Fate::Date(d) | Fate::AmountAndDate(_, d) => d,
            _ => 0,
        }
    }
}

/// How the transaction `(k, j)` of an account books: with `percent` in a
/// hundred, not as shown while pending. Amounts change for money out only.
pub fn fate(
    seed: u64,
    profile: &AccountProfile,
    k: u64,
    j: usize,
    cents: i64,
    percent: u32,
) -> Fate {
    let mut rng = fastrand::Rng::with_seed(mix(&[seed, 29, profile.index, k, j as u64]));
    if percent == 0 || rng.u32(..100) >= percent {
        return Fate::Same;
    }
    // A day earlier, or one or two days later.
    let shift = if rng.bool() {
        -1
    } else {
        1 + i64::from(rng.bool())
    };
    // 70% to 125% of the pending amount, never the same.
    let other = {
        let factor = [70, 85, 90, 110, 115, 125][rng.usize(..6)];
        let c = cents * factor / 100;
        if c == cents || c == 0 { cents - 100 } else { c }
    };
    match rng.u32(..4) {
        0 if cents < 0 => Fate::Amount(other),
        1 => Fate::Date(shift),
        2 if cents < 0 => Fate::AmountAndDate(other, shift),
        3 => Fate::Vanish,
        _ => Fate::Date(shift),
    }
}

/// One booking that differs from its pending transaction, for tests to
/// check against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// The day the transaction happened (and was first listed as pending).
    pub day: NaiveDate,
    /// Its amount while pending, in cents.
    pub pending_cents: i64,
    /// How it booked.
    pub fate: Fate,
}

/// The transactions and balances of an account when the clock shows
/// `today`, with `fates` percent of them booking differently from how they
/// were shown while pending.
pub fn ledger(
    seed: u64,
    profile: &AccountProfile,
    per_window: usize,
    anchor: NaiveDate,
    today: NaiveDate,
    fates: u32,
) -> Ledger {
    let mut out = Ledger {
        closing_cents: profile.opening_cents,
        ..Ledger::default()
    };
    if today < anchor {
        return out;
    }
    let last = (today - anchor).num_days() as u64;
    let mut pair_done_block = u64::MAX;
    // (booking date, k, j, cents, json) of what is booked by today.
    let mut booked: Vec<(NaiveDate, u64, usize, i64, Value)> = Vec::new();
    for k in 0..=last {
        let day = anchor + Days::new(k);
        let n = per_day(per_window, k);
        // The first day of each 30-day block with two or more transactions
        // gets two genuinely identical payments.
        let pair = n >= 2 && pair_done_block != k / 30;
        if pair {
            pair_done_block = k / 30;
        }
        for j in 0..n {
            let tx = transaction(seed, profile, day, k, j, pair && j < 2);
            let fate = if pair && j < 2 {
                Fate::Same
            } else {
                fate(seed, profile, k, j, tx.cents, fates)
            };
            let shift = fate.shift();
            // Listed as pending from the day it happens until it books (the
            // day after, or later when it books later).
            let pending_until = k + shift.max(0) as u64;
            if last <= pending_until {
                out.pending_cents += tx.cents;
                out.pending.push(Served::new(&tx.pending));
                continue;
            }
            if fate == Fate::Vanish {
                out.vanished.push(Booking {
                    day,
                    pending_cents: tx.cents,
                    fate,
                });
                continue;
            }
            let cents = fate.booked_cents(tx.cents);
            let on = day
                .checked_add_signed(chrono::Duration::days(shift))
                .unwrap_or(day);
            let mut json = tx.booked;
            if fate != Fate::Same {
                out.changed.push(Booking {
                    day,
                    pending_cents: tx.cents,
                    fate,
                });
                let o = json.as_object_mut().expect("an object");
                o.remove("bookingDateTime");
                o.remove("valueDateTime");
                o.insert("bookingDate".into(), json!(on.to_string()));
                if o.contains_key("valueDate") {
                    o.insert("valueDate".into(), json!(on.to_string()));
                }
                if cents != tx.cents {
                    let currency = o["transactionAmount"]["currency"].clone();
                    o.insert(
                        "transactionAmount".into(),
                        json!({"amount": amount_str(cents, 2), "currency": currency}),
                    );
                }
            }
            booked.push((on, k, j, cents, json));
        }
    }
    // In booking order, so the balance after each one is right.
    booked.sort_by_key(|(on, k, j, _, _)| (*on, *k, *j));
    for (_, _, _, cents, mut json) in booked {
        out.closing_cents += cents;
        if profile.balance_after {
            json["balanceAfterTransaction"] = json!({
                "balanceAmount": {
                    "amount": amount_str(out.closing_cents, 2),
                    "currency": profile.currency,
                },
                "balanceType": "interimBooked",
            });
        }
        out.booked.push(Served::new(&json));
    }
    out.booked.reverse();
    out.pending.reverse();
    out
}

/// The dates a transaction matches in a date filter: its booking and value
/// dates, or the date part of the date-times when the dates are missing.
pub fn dates_of(tx: &Value) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    for key in [
        "bookingDate",
        "valueDate",
        "bookingDateTime",
        "valueDateTime",
    ] {
        if let Some(s) = tx.get(key).and_then(Value::as_str)
            && let Some(d) = s.get(..10).and_then(|p| p.parse::<NaiveDate>().ok())
            && !dates.contains(&d)
        {
            dates.push(d);
        }
    }
    dates
}

/// Formats minor units at a scale of 0 to 4 decimals.
pub fn amount_str(cents: i64, scale: u32) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (units, frac) = (abs / 100, abs % 100);
    match scale {
        0 => format!("{sign}{units}"),
        1 => format!("{sign}{units}.{}", frac / 10),
        2 => format!("{sign}{units}.{frac:02}"),
        s => format!("{sign}{units}.{frac:02}{}", "0".repeat(s as usize - 2)),
    }
}

/// A scale that keeps the value exact, chosen at random among the ones seen.
fn random_scale(rng: &mut fastrand::Rng, cents: i64) -> u32 {
    match rng.u32(..10) {
        0 if cents % 100 == 0 => 0,
        1 if cents % 10 == 0 => 1,
        2 | 3 => 4,
        _ => 2,
    }
}

const MERCHANTS: &[&str] = &[
    "REWE Markt GmbH",
    "Café \"Zum Löwen\"",
    "O'Brien's Pub",
    "Back\\slash Bar",
    "Żabka Polska sp. z o.o.",
    "Müller Drogerie",
    "Łódź Kebab",
    "Tab\tSeparated Shop",
    "SPOTIFY AB",
    "Amazon EU S.à r.l.",
    "Bäckerei Schäfer",
    "東京ラーメン",
    "Ørsted A/S",
    "Multi\nLine GmbH",
    "  PADDED MERCHANT  ",
];
const FOREIGN: &[(&str, &str)] = &[
    ("APPLE.COM/BILL", "USD"),
    ("Uber *Trip", "USD"),
    ("ICA Nära", "SEK"),
    ("Starbucks Zürich", "CHF"),
    ("Tesco Stores", "GBP"),
];
const EMPLOYERS: &[&str] = &[
    "ACME Europe B.V.",
    "Université de Liège",
    "Nordlicht Versicherung AG",
];
const CREDITORS: &[&str] = &[
    "Stadtwerke München",
    "Vodafone GmbH",
    "Allianz Versicherungs-AG",
    "Netflix International B.V.",
];

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn hex(rng: &mut fastrand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rng.u32(..16), 16).unwrap())
        .collect()
}

/// Foreign currency per unit of account currency, as rate * 10_000.
fn rate_per_unit(foreign: &str, account: &str) -> i64 {
    // Approximate units of `account` currency for one unit of `foreign`.
    let eur_per = |c: &str| match c {
        "USD" => 9_214,
        "SEK" => 871,
        "CHF" => 10_652,
        "GBP" => 11_587,
        _ => 10_000,
    };
    eur_per(foreign) * 10_000 / eur_per(account)
}

/// One transaction of an account, from (seed, account, day, number).
fn transaction(
    seed: u64,
    profile: &AccountProfile,
    day: NaiveDate,
    k: u64,
    j: usize,
    identical_pair: bool,
) -> GenTx {
    let mut rng = fastrand::Rng::with_seed(mix(&[seed, 23, profile.index, k, j as u64]));
    let cur = profile.currency.as_str();
    let mut t = Map::new();
    let ymd = day.format("%Y%m%d").to_string();
    let base_id = format!("{ymd}{:05}{:03}-1", profile.index % 100_000, j);
    let internal = hex(&mut rng, 32);

    let cents: i64;
    if identical_pair {
        // Two payments alike in every field but the bank's internal id.
        cents = -350;
        t.insert(
            "transactionId".into(),
            json!(format!("{ymd}{:05}PAIR{j}", profile.index)),
        );
        if profile.index % 2 == 1 {
            t.remove("transactionId");
        }
        t.insert("bookingDate".into(), json!(day.to_string()));
        t.insert("valueDate".into(), json!(day.to_string()));
        t.insert(
            "transactionAmount".into(),
            json!({"amount": "-3.50", "currency": cur}),
        );
        t.insert("creditorName".into(), json!("Café Zentral"));
        t.insert(
            "remittanceInformationUnstructured".into(),
            json!("Kartenzahlung Café Zentral"),
        );
        t.insert("merchantCategoryCode".into(), json!("5814"));
    } else {
        // transactionId quirks.
        match rng.u32(..100) {
            0..=7 => {}
            8..=10 => {
                t.insert("transactionId".into(), json!(" "));
            }
            11..=12 => {
                t.insert("transactionId".into(), json!(""));
            }
            13..=16 => {
                t.insert("transactionId".into(), json!(format!("  {base_id}  ")));
            }
            17..=20 => {
                t.insert("transactionId".into(), json!("NOTPROVIDED"));
            }
            21..=25 if j > 0 => {
                // Shared with the transaction before it on the same day.
                let prev = format!("{ymd}{:05}{:03}-1", profile.index % 100_000, j - 1);
                t.insert("transactionId".into(), json!(prev));
            }
            _ => {
                t.insert("transactionId".into(), json!(base_id));
            }
        }
        if rng.u32(..4) == 0 {
            let r = match rng.u32(..3) {
                0 => format!("{}", rng.u32(100_000..999_999)),
                1 => day.to_string(),
                _ => "ONLINE BANKING".to_string(),
            };
            t.insert("entryReference".into(), json!(r));
        }
        cents = fill_kind(&mut rng, &mut t, cur, day);
    }
    dates(&mut rng, &mut t, day, identical_pair);

    let booked = {
        let mut b = t.clone();
        b.insert("internalTransactionId".into(), json!(internal));
        Value::Object(b)
    };
    let pending = {
        let mut p = t;
        match rng.u32(..10) {
            0..=2 => {
                p.remove("transactionId");
            }
            _ => {
                p.insert(
                    "transactionId".into(),
                    json!(format!("PND{}", hex(&mut rng, 12).to_uppercase())),
                );
            }
        }
        // Pending entries often lack the booking date; some have a value
        // date in the future. When it books the value date may be kept.
        if rng.bool() {
            p.remove("bookingDate");
            p.remove("bookingDateTime");
        }
        if rng.u32(..5) == 0 {
            let future = day + Days::new(rng.u64(1..=3));
            p.insert("valueDate".into(), json!(future.to_string()));
            p.remove("valueDateTime");
        } else if p
            .get("valueDate")
            .and_then(Value::as_str)
            .is_some_and(|v| v < day.to_string().as_str())
        {
            // A pending entry is never dated before the day it happens.
            p.insert("valueDate".into(), json!(day.to_string()));
        }
        if !["bookingDate", "valueDate"]
            .iter()
            .any(|k| p.contains_key(*k))
        {
            p.insert("valueDate".into(), json!(day.to_string()));
        }
        Value::Object(p)
    };
    let (mut booked, mut pending) = (booked, pending);
    if profile.no_transaction_ids {
        for t in [&mut booked, &mut pending] {
            t.as_object_mut().unwrap().remove("transactionId");
        }
    }
    if let (Some(v), true) = (pending.get("valueDate"), rng.bool())
        && booked.get("valueDate").is_some()
        && !identical_pair
    {
        booked["valueDate"] = v.clone();
    }
    GenTx {
        cents,
        pending,
        booked,
    }
}

/// Dates and date-times of a transaction, with the variations real banks have.
fn dates(rng: &mut fastrand::Rng, t: &mut Map<String, Value>, day: NaiveDate, fixed: bool) {
    if fixed {
        return;
    }
    let d = day.to_string();
    match rng.u32(..20) {
        0..=11 => {
            t.insert("bookingDate".into(), json!(d));
            t.insert("valueDate".into(), json!(d));
        }
        12..=14 => {
            // The two dates disagree.
            let other = if rng.bool() {
                day - Days::new(rng.u64(1..=2))
            } else {
                day + Days::new(1)
            };
            t.insert("bookingDate".into(), json!(d));
            t.insert("valueDate".into(), json!(other.to_string()));
        }
        15..=16 => {
            t.insert("bookingDate".into(), json!(d));
        }
        17 => {
            t.insert("valueDate".into(), json!(d));
        }
        _ => {
            t.insert("bookingDate".into(), json!(d));
            t.insert("valueDate".into(), json!(d));
        }
    }
    if rng.u32(..4) == 0 {
        let (h, m, s) = (rng.u32(6..22), rng.u32(..60), rng.u32(..60));
        let dt = match rng.u32(..4) {
            0 => format!("{d}T{h:02}:{m:02}:{s:02}Z"),
            1 => format!("{d}T{h:02}:{m:02}:{s:02}+01:00"),
            2 => format!("{d}T{h:02}:{m:02}:{s:02}.{:02}Z", rng.u32(..100)),
            _ => format!("{d}T00:00:00+00:00"),
        };
        t.insert("bookingDateTime".into(), json!(dt.clone()));
        if rng.bool() {
            t.insert("valueDateTime".into(), json!(dt));
        }
    }
}

/// Payee, amount and text of one transaction; returns the amount in minor units.
fn fill_kind(
    rng: &mut fastrand::Rng,
    t: &mut Map<String, Value>,
    cur: &str,
    day: NaiveDate,
) -> i64 {
    let amount = |t: &mut Map<String, Value>, rng: &mut fastrand::Rng, cents: i64| {
        let scale = random_scale(rng, cents);
        t.insert(
            "transactionAmount".into(),
            json!({"amount": amount_str(cents, scale), "currency": cur}),
        );
    };
    match rng.u32(..100) {
        // Card purchase at home.
        0..=34 => {
            let merchant = pick(rng, MERCHANTS);
            let cents = -rng.i64(150..15_000);
            amount(t, rng, cents);
            t.insert("creditorName".into(), json!(merchant));
            t.insert(
                "remittanceInformationUnstructured".into(),
                json!(format!("Kartenzahlung {merchant}")),
            );
            t.insert(
                "merchantCategoryCode".into(),
                json!(format!("{}", rng.u32(5000..5999))),
            );
            t.insert(
                "proprietaryBankTransactionCode".into(),
                json!("CARD_PAYMENT"),
            );
            if rng.u32(..3) == 0 {
                t.insert(
                    "additionalDataStructured".into(),
                    json!({"CardSchemeName": "VISA", "Name": merchant, "Identification": format!("{}", rng.u32(1000..9999))}),
                );
            }
            cents
        }
        // Card purchase abroad: currencyExchange as an object or an array.
        35..=44 => {
            let (merchant, foreign) = FOREIGN[rng.usize(..FOREIGN.len())];
            let foreign = if foreign == cur { "USD" } else { foreign };
            let instructed = -rng.i64(100..20_000);
            let rate = rate_per_unit(foreign, cur);
            // Account amount = instructed amount × rate (rate has 4 decimals).
            let cents = (instructed * rate - 5_000) / 10_000;
            amount(t, rng, cents);
            t.insert("creditorName".into(), json!(merchant));
            t.insert(
                "remittanceInformationUnstructured".into(),
                json!(format!(
                    "{merchant} {foreign} {}",
                    amount_str(-instructed, 2)
                )),
            );
            let mut ex = json!({
                "sourceCurrency": foreign,
                "exchangeRate": format!("{}.{:04}", rate / 10_000, rate % 10_000),
                "unitCurrency": foreign,
                "targetCurrency": cur,
                "quotationDate": day.to_string(),
            });
            let shape = rng.u32(..10);
            if shape < 6 {
                ex["instructedAmount"] =
                    json!({"amount": amount_str(instructed, 2), "currency": foreign});
            }
            if shape.is_multiple_of(2) {
                t.insert("currencyExchange".into(), ex);
            } else {
                t.insert("currencyExchange".into(), json!([ex]));
            }
            t.insert("merchantCategoryCode".into(), json!("5999"));
            cents
        }
        // Salary.
        45..=49 => {
            let employer = pick(rng, EMPLOYERS);
            let cents = rng.i64(150_000..350_000);
            amount(t, rng, cents);
            t.insert("debtorName".into(), json!(employer));
            t.insert(
                "debtorAccount".into(),
                json!({"iban": format!("NL{:02}ABNA{:010}", rng.u32(10..99), rng.u64(..10_000_000_000))}),
            );
            t.insert(
                "remittanceInformationUnstructured".into(),
                json!(format!("Gehalt/Salary {}", day.format("%m/%Y"))),
            );
            t.insert("bankTransactionCode".into(), json!("PMNT-RCDT-ESCT"));
            cents
        }
        // Transfer with a long reference, cut at 140 characters and split.
        50..=61 => {
            let cents = -rng.i64(2_000..120_000);
            amount(t, rng, cents);
            t.insert("creditorName".into(), json!("Hausverwaltung Weiß & Söhne"));
            t.insert(
                "creditorAccount".into(),
                json!({"iban": format!("DE{:02}{:018}", rng.u32(10..99), rng.u64(..1_000_000_000_000_000_000))}),
            );
            let text = format!(
                "Miete {} Wohnung 3. OG links, Objekt Lindenstraße 42, Mieternummer {} / Vertragskonto {} – bitte Verwendungszweck \"unverändert\" übernehmen; Rückfragen an C:\\Buchhaltung\\Mieten oder per Mail",
                day.format("%m/%Y"),
                rng.u32(10_000..99_999),
                rng.u64(1_000_000..9_999_999)
            );
            let chars: Vec<char> = text.chars().collect();
            let parts: Vec<String> = chars.chunks(140).map(|c| c.iter().collect()).collect();
            if rng.bool() {
                t.insert(
                    "remittanceInformationUnstructured".into(),
                    json!(parts[0].clone()),
                );
            }
            t.insert(
                "remittanceInformationUnstructuredArray".into(),
                json!(parts),
            );
            cents
        }
        // Direct debit with a key: value blob.
        62..=76 => {
            let creditor = pick(rng, CREDITORS);
            let cents = -rng.i64(500..25_000);
            amount(t, rng, cents);
            let mandate = format!("MNDT{}", rng.u32(100_000..999_999));
            let creditor_id = format!("DE98ZZZ0{}", rng.u64(1_000_000_000..9_999_999_999));
            t.insert("creditorName".into(), json!(creditor));
            t.insert("mandateId".into(), json!(mandate.clone()));
            t.insert("creditorId".into(), json!(creditor_id.clone()));
            t.insert(
                "endToEndId".into(),
                json!(format!("E2E{}", rng.u64(..1_000_000_000_000))),
            );
            t.insert(
                "remittanceInformationUnstructured".into(),
                json!(format!(
                    "EREF: {} MREF: {mandate} CRED: {creditor_id} SVWZ: Rechnung {}",
                    rng.u32(1000..9999),
                    day.format("%Y-%m")
                )),
            );
            t.insert("bankTransactionCode".into(), json!("PMNT-RDDT-ESDD"));
            cents
        }
        // Fees, sometimes zero; the text only in additionalInformation.
        77..=84 => {
            let cents = if rng.bool() { 0 } else { -rng.i64(100..1_000) };
            amount(t, rng, cents);
            t.insert(
                "additionalInformation".into(),
                json!(if cents == 0 {
                    "Kontoführung\tEntgelt erstattet"
                } else {
                    "Kontoführungsentgelt"
                }),
            );
            cents
        }
        // Refund from a merchant.
        85..=91 => {
            let merchant = pick(rng, MERCHANTS);
            let cents = rng.i64(100..8_000);
            amount(t, rng, cents);
            t.insert("debtorName".into(), json!(merchant));
            t.insert(
                "remittanceInformationStructured".into(),
                json!(format!("Refund {}", rng.u32(100_000..999_999))),
            );
            cents
        }
        // Transfer to a friend; name and text with hostile characters.
        _ => {
            let cents = -rng.i64(500..10_000);
            amount(t, rng, cents);
            t.insert("creditorName".into(), json!("Renée \"RJ\" D'Arcy\\Smith"));
            t.insert(
                "remittanceInformationUnstructured".into(),
                json!("Pizza 🍕 & Kino\nDanke!"),
            );
            t.insert("ultimateCreditor".into(), json!("R. D'Arcy"));
            cents
        }
    }
}

/// Units of 10^-8 per unit: enough for every amount scale banks use.
const SCALE: i128 = 100_000_000;

/// The sum of the `transactionAmount`s of a list of transactions, in
/// 10^-8 units, and the largest scale seen. Unreadable amounts count as 0:
/// these payloads are test input, not bank data to account for.
pub fn sum_amounts(list: &[Value]) -> (i128, usize) {
    let mut sum = 0;
    let mut scale = 2;
    for t in list {
        let a = &t["transactionAmount"]["amount"];
        let text = match a {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if let Some((v, s)) = parse_scaled(&text) {
            sum += v;
            scale = scale.max(s);
        }
    }
    (sum, scale.min(8))
}

/// `"-10.5000"` into (-10_5000_0000, 4).
fn parse_scaled(s: &str) -> Option<(i128, usize)> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f = frac.chars().take(8).collect::<String>();
    let scale = f.len();
    while f.len() < 8 {
        f.push('0');
    }
    let v = int * SCALE + f.parse::<i128>().ok()?;
    Some((if neg { -v } else { v }, scale))
}

/// Formats 10^-8 units at `scale` decimals (truncating).
pub fn format_scaled(v: i128, scale: usize) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let abs = v.unsigned_abs();
    let int = abs / SCALE as u128;
    let frac = format!("{:08}", abs % SCALE as u128);
    if scale == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{}", &frac[..scale])
    }
}

/// Minor units (cents) in 10^-8 units.
pub fn cents_to_scaled(cents: i64) -> i128 {
    cents as i128 * (SCALE / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_day_adds_up_over_the_window() {
        for m in [0, 1, 5, 89, 90, 91, 120, 1000] {
            let total: usize = (0..WINDOW_DAYS).map(|k| per_day(m, k)).sum();
            assert_eq!(total, m, "m = {m}");
        }
        assert!(per_day(1, WINDOW_DAYS + 5) >= 1);
    }

    #[test]
    fn amounts_keep_their_value_at_every_scale() {
        assert_eq!(amount_str(-900, 0), "-9");
        assert_eq!(amount_str(-1200, 1), "-12.0");
        assert_eq!(amount_str(-1050, 4), "-10.5000");
        assert_eq!(amount_str(5, 2), "0.05");
        assert_eq!(amount_str(0, 2), "0.00");
    }

    #[test]
    fn sums_amounts_of_any_scale() {
        let list = vec![
            json!({"transactionAmount": {"amount": "-10.5000"}}),
            json!({"transactionAmount": {"amount": "-9"}}),
            json!({"transactionAmount": {"amount": 2.25}}),
            json!({"transactionAmount": {"amount": "oops"}}),
        ];
        let (sum, scale) = sum_amounts(&list);
        assert_eq!(scale, 4);
        assert_eq!(format_scaled(sum, scale), "-17.2500");
        assert_eq!(format_scaled(cents_to_scaled(-5), 2), "-0.05");
    }

    #[test]
    fn uuids_look_like_uuids() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..100 {
            assert!(is_uuid(&uuid(&mut rng)));
        }
        assert!(!is_uuid("abcdefg"));
    }
}
