//! Deterministic bank data: connections, accounts and their transactions,
//! all derived from the seed.
//!
//! Every transaction is a pure function of (seed, account, day, number in
//! the day), so moving the clock never changes what was there: a card
//! purchase is mostly pending (posted `0`) until the bank's overnight run
//! (02:00 to 06:00 UTC the next day), when it posts under a new id, a
//! restaurant bill with a tip added.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::Options;

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

/// `len` hex digits from a random source.
pub fn hex(rng: &mut fastrand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rng.u32(..16), 16).unwrap_or('0'))
        .collect()
}

/// The custom currency of reward accounts.
pub const MILES_URL: &str = "https://rewards.example.com/simplefin/currencies/miles";

/// What kind of account, which decides its transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Checking,
    CreditCard,
    Savings,
    Miles,
}

/// A login at one bank.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub domain: String,
}

impl Connection {
    pub fn org_url(&self) -> String {
        format!("https://www.{}", self.domain)
    }
}

/// An account and what its transactions are made of.
#[derive(Debug, Clone)]
pub struct Profile {
    pub index: u64,
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub conn: usize,
    pub opening: i64,
    pub opened: NaiveDate,
}

impl Profile {
    pub fn currency(&self) -> &str {
        match self.kind {
            Kind::Miles => MILES_URL,
            _ => "USD",
        }
    }

    /// An amount in the account's smallest unit, as the protocol writes it.
    pub fn amount(&self, units: i64) -> String {
        match self.kind {
            Kind::Miles => units.to_string(),
            _ => cents(units),
        }
    }
}

/// Cents of whole dollars.
const fn dollars(d: i64) -> i64 {
    d * 100
}

/// `-1234` → `"-12.34"`.
pub fn cents(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        c.unsigned_abs() / 100,
        c.unsigned_abs() % 100
    )
}

const BANKS: [(&str, &str); 3] = [
    ("First Fake Bank", "firstfake.example"),
    ("Second Street Credit Union", "secondstreet.example"),
    ("Third Trust", "thirdtrust.example"),
];
const HOLDERS: [&str; 3] = ["Jill", "Sam", "Ana"];

/// The connections and accounts of a fresh server.
pub fn accounts(opts: &Options) -> (Vec<Connection>, Vec<Profile>) {
    let mut conns: Vec<Connection> = Vec::new();
    let mut profiles = Vec::new();
    let opened = opts.now.date_naive() - Days::new(u64::from(opts.history_days));
    let new_conn = |conns: &mut Vec<Connection>, org_name: &str, domain: &str| {
        let n = conns.len() as u64;
        let mut rng = fastrand::Rng::with_seed(mix(&[opts.seed, 3, n]));
        conns.push(Connection {
            id: format!("CON-{}", hex(&mut rng, 24)),
            name: format!("{org_name} - {}", HOLDERS[n as usize % HOLDERS.len()]),
            org_id: domain.to_owned(),
            org_name: org_name.to_owned(),
            domain: domain.to_owned(),
        });
        conns.len() - 1
    };
    let total = opts.accounts + opts.custom_currency_accounts;
    for i in 0..total {
        let index = i as u64;
        let (kind, conn) = if i < opts.accounts {
            let kind = [Kind::Checking, Kind::CreditCard, Kind::Savings][i % 3];
            let c = i / 2;
            while conns.len() <= c {
                let (name, domain) = BANKS[conns.len() % BANKS.len()];
                new_conn(&mut conns, name, domain);
            }
            (kind, c)
        } else {
            (
                Kind::Miles,
                new_conn(&mut conns, "Fake Air Rewards", "fakeair.example"),
            )
        };
        let mut rng = fastrand::Rng::with_seed(mix(&[opts.seed, 7, index]));
        let id = format!(
            "ACT-{}-{}-{}-{}",
            hex(&mut rng, 8),
            hex(&mut rng, 4),
            hex(&mut rng, 4),
            hex(&mut rng, 12)
        );
        let (name, opening) = match kind {
            Kind::Checking => (format!("Everyday Checking {}", 1000 + i), dollars(3_000)),
            Kind::CreditCard => (format!("Cashback Visa® Card …{}", 4000 + i), dollars(-500)),
            Kind::Savings => (format!("High Yield Savings {}", 2000 + i), dollars(10_000)),
            Kind::Miles => (format!("SkyMiles Member {}", 5000 + i), 12_000),
        };
        profiles.push(Profile {
            index,
            id,
            name,
            kind,
            conn,
            opening,
            opened,
        });
    }
    (conns, profiles)
}

/// One transaction over its life.
#[derive(Debug, Clone)]
pub struct Tx {
    pub transacted_at: DateTime<Utc>,
    /// The id while pending, for those that start pending.
    pub pending_id: Option<String>,
    /// The amount while pending.
    pub pending_amount: i64,
    pub posted_id: String,
    pub posted_at: DateTime<Utc>,
    pub amount: i64,
    pub description: String,
    pub payee: String,
    pub memo: String,
    pub extra: Option<Value>,
}

/// What a transaction looks like at a moment.
pub enum Seen<'a> {
    Pending(&'a Tx),
    Posted(&'a Tx),
}

impl Tx {
    /// How the transaction is seen at `t`, if it exists yet.
    pub fn seen_at(&self, t: DateTime<Utc>) -> Option<Seen<'_>> {
        if t < self.transacted_at {
            None
        } else if t >= self.posted_at {
            Some(Seen::Posted(self))
        } else if self.pending_id.is_some() {
            Some(Seen::Pending(self))
        } else {
            None
        }
    }
}

const SHOPS: [(&str, &str, &str); 10] = [
    (
        "SQ *BLUE BOTTLE COFFEE SAN FRANCISCO CA",
        "Blue Bottle Coffee",
        "food",
    ),
    ("AMZN Mktp US*2K4LM1X03", "Amazon", "shopping"),
    (
        "TRADER JOE'S #123 QPS OAKLAND CA",
        "Trader Joe's",
        "groceries",
    ),
    ("SHELL OIL 57444 BERKELEY CA", "Shell", "fuel"),
    ("UBER *TRIP HELP.UBER.COM", "Uber", "transport"),
    ("NETFLIX.COM LOS GATOS CA", "Netflix", "entertainment"),
    ("CHIPOTLE 0842 EMERYVILLE CA", "Chipotle", "food"),
    ("WALGREENS #4411 ALAMEDA CA", "Walgreens", "health"),
    ("TST* HOPSCOTCH DINER OAKLAND", "Hopscotch Diner", "food"),
    ("PG&E WEB ONLINE", "PG&E", "utilities"),
];

fn at(day: NaiveDate, minutes: u32) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
        + TimeDelta::minutes(i64::from(minutes))
}

/// The transactions made on `day`, in the order made.
pub fn day_transactions(opts: &Options, p: &Profile, day: NaiveDate) -> Vec<Tx> {
    if day < p.opened {
        return Vec::new();
    }
    let day_num = day.num_days_from_ce() as u64;
    let mut rng = fastrand::Rng::with_seed(mix(&[opts.seed, 13, p.index, day_num]));
    let mut out = Vec::new();
    let id = |rng: &mut fastrand::Rng| format!("TRN-{}", hex(rng, 24));
    let fixed = |rng: &mut fastrand::Rng, minutes: u32, amount: i64, desc: &str, payee: &str| {
        let t = at(day, minutes);
        Tx {
            transacted_at: t,
            pending_id: None,
            pending_amount: amount,
            posted_id: id(rng),
            posted_at: t,
            amount,
            description: desc.to_owned(),
            payee: payee.to_owned(),
            memo: String::new(),
            extra: None,
        }
    };
    match p.kind {
        Kind::Checking => {
            if day.day() == 1 || day.day() == 15 {
                out.push(fixed(
                    &mut rng,
                    6 * 60,
                    dollars(2_150),
                    "ACME CORP PAYROLL PPD ID: 9876543210",
                    "Acme Corp",
                ));
            }
            if day.day() == 3 {
                out.push(fixed(
                    &mut rng,
                    9 * 60,
                    dollars(-1_450),
                    "ZELLE TO OAK PROPERTIES LLC",
                    "Oak Properties",
                ));
            }
        }
        Kind::CreditCard => {
            if day.day() == 20 {
                out.push(fixed(
                    &mut rng,
                    7 * 60,
                    dollars(2_500),
                    "PAYMENT THANK YOU",
                    "Payment",
                ));
            }
        }
        Kind::Savings => {
            if day.day() == 1 {
                let interest = dollars(20) + rng.i64(0..1_000);
                out.push(fixed(
                    &mut rng,
                    5 * 60,
                    interest,
                    "INTEREST PAYMENT",
                    "Interest",
                ));
            }
        }
        Kind::Miles => {
            if rng.u32(0..8) == 0 {
                let miles = 250 * rng.i64(1..10);
                out.push(fixed(
                    &mut rng,
                    12 * 60,
                    miles,
                    "MILES EARNED FLIGHT 0418",
                    "Fake Air",
                ));
            }
            if rng.u32(0..60) == 0 {
                out.push(fixed(
                    &mut rng,
                    13 * 60,
                    -5_000,
                    "AWARD REDEMPTION",
                    "Fake Air",
                ));
            }
        }
    }
    if matches!(p.kind, Kind::Checking | Kind::CreditCard) {
        let purchases = rng.u32(0..=opts.daily_transactions);
        for _ in 0..purchases {
            let (desc, payee, category) = SHOPS[rng.usize(..SHOPS.len())];
            let minutes = rng.u32(8 * 60..22 * 60);
            let amount = -rng.i64(dollars(3)..dollars(120));
            let t = at(day, minutes);
            let via_pending = rng.u32(0..3) != 0;
            let pending_id = via_pending.then(|| id(&mut rng));
            let posted_id = id(&mut rng);
            let tip = if via_pending && opts.pending_amount_changes && category == "food" {
                // A tip is added when the restaurant settles.
                (amount.abs() * 18 / 100).max(1)
            } else {
                0
            };
            let posted_at = if via_pending {
                at(day + Days::new(1), 2 * 60 + rng.u32(0..240))
            } else {
                t
            };
            let memo = if rng.bool() { "POS PURCHASE" } else { "" };
            let extra = (rng.u32(0..4) == 0).then(|| json!({ "category": category }));
            out.push(Tx {
                transacted_at: t,
                pending_id,
                pending_amount: amount,
                posted_id,
                posted_at,
                amount: amount - tip,
                description: desc.to_owned(),
                payee: payee.to_owned(),
                memo: memo.to_owned(),
                extra,
            });
        }
    }
    out
}

/// Every transaction made from `from` to `to` (days, inclusive).
pub fn between(opts: &Options, p: &Profile, from: NaiveDate, to: NaiveDate) -> Vec<Tx> {
    let mut out = Vec::new();
    let mut day = from.max(p.opened);
    while day <= to {
        out.extend(day_transactions(opts, p, day));
        day = day + Days::new(1);
    }
    out
}
