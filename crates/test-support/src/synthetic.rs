//! A synthetic but realistic transaction history, for measuring how well
//! and how fast [`Model`] learns (benchmarks and tests).
//!
//! Merchants belong to categories; bank texts vary the way real ones do
//! (store numbers, dates, references, missing payees, card-payment
//! boilerplate shared by every category); some merchants are ambiguous
//! (a marketplace selling books, electronics and household goods); new
//! merchants keep appearing; and a few entries are filed wrongly, as users
//! do. Deterministic for a given seed.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use importer::learn::{Example, Model};

/// One generated transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Days since 2020-01-01; entries come in date order.
    pub day: u32,
    /// The configured account (`Assets:Bank:Current` or
    /// `Liabilities:CreditCard`).
    pub account: &'static str,
    /// The category it was filed under (the answer).
    pub counter: String,
    /// The bank's payee, when it gave one.
    pub payee: Option<String>,
    /// The bank's text.
    pub narration: String,
    /// Signed amount on `account`.
    pub amount: Decimal,
}

impl Entry {
    /// The entry as a learning example.
    pub fn example(&self) -> Example<'_> {
        Example {
            account: self.account,
            counter: &self.counter,
            payee: self.payee.as_deref(),
            narration: &self.narration,
            amount: self.amount,
        }
    }
}

/// A tiny xorshift generator, so the library needs no RNG dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// (category, money in?, merchants, typical amount).
const CATEGORIES: &[(&str, bool, &[&str], i64)] = &[
    (
        "Expenses:Food:Groceries",
        false,
        &[
            "TESCO STORES",
            "SAINSBURYS S/MKTS",
            "LIDL GB",
            "ALDI STORES",
            "WAITROSE",
            "CO-OP GROUP FOOD",
            "ASDA STORES",
            "MORRISONS",
            "M&S SIMPLY FOOD",
            "ICELAND FOODS",
        ],
        45,
    ),
    (
        "Expenses:Food:Restaurants",
        false,
        &[
            "PRET A MANGER",
            "NANDOS",
            "PIZZA EXPRESS",
            "WAGAMAMA",
            "DISHOOM",
            "LEON RESTAURANTS",
            "FIVE GUYS",
            "HONEST BURGERS",
            "FRANCO MANCA",
            "ZIZZI",
        ],
        30,
    ),
    (
        "Expenses:Food:Coffee",
        false,
        &[
            "COSTA COFFEE",
            "STARBUCKS",
            "CAFFE NERO",
            "GREGGS",
            "BLACK SHEEP COFFEE",
        ],
        4,
    ),
    (
        "Expenses:Transport:Public",
        false,
        &[
            "TFL TRAVEL CH",
            "TRAINLINE",
            "NATIONAL RAIL",
            "GWR TICKETS",
            "STAGECOACH",
        ],
        12,
    ),
    (
        "Expenses:Transport:Taxi",
        false,
        &["UBER TRIP", "BOLT RIDE", "ADDISON LEE", "FREENOW"],
        18,
    ),
    (
        "Expenses:Transport:Fuel",
        false,
        &["SHELL", "BP FUEL", "ESSO", "TEXACO"],
        60,
    ),
    (
        "Expenses:Home:Utilities",
        false,
        &[
            "BRITISH GAS",
            "THAMES WATER",
            "OCTOPUS ENERGY",
            "EDF ENERGY",
            "COUNCIL TAX LAMBETH",
        ],
        90,
    ),
    (
        "Expenses:Home:Internet",
        false,
        &[
            "VODAFONE",
            "BT GROUP",
            "EE LIMITED",
            "SKY DIGITAL",
            "VIRGIN MEDIA",
        ],
        40,
    ),
    (
        "Expenses:Subscriptions",
        false,
        &[
            "NETFLIX.COM",
            "SPOTIFY",
            "DISNEY PLUS",
            "APPLE.COM/BILL",
            "GUARDIAN MEDIA",
            "NYTIMES DIGITAL",
        ],
        11,
    ),
    (
        "Expenses:Shopping:Clothes",
        false,
        &[
            "H&M",
            "ZARA",
            "UNIQLO",
            "PRIMARK",
            "NEXT RETAIL",
            "TK MAXX",
            "ASOS.COM",
        ],
        55,
    ),
    (
        "Expenses:Shopping:Home",
        false,
        &[
            "IKEA",
            "JOHN LEWIS",
            "ARGOS",
            "B&Q",
            "WILKO",
            "DUNELM",
            "HABITAT",
        ],
        70,
    ),
    (
        "Expenses:Health",
        false,
        &[
            "BOOTS",
            "SUPERDRUG",
            "LLOYDS PHARMACY",
            "BUPA DENTAL",
            "SPECSAVERS",
        ],
        25,
    ),
    (
        "Expenses:Sport",
        false,
        &["PUREGYM", "DECATHLON", "SPORTS DIRECT", "BETTER LEISURE"],
        35,
    ),
    (
        "Expenses:Insurance",
        false,
        &["AVIVA INSURANCE", "DIRECT LINE", "ADMIRAL", "LV= INSURANCE"],
        48,
    ),
    (
        "Expenses:Travel",
        false,
        &[
            "EASYJET",
            "RYANAIR",
            "BOOKING.COM",
            "AIRBNB",
            "PREMIER INN",
            "EUROSTAR",
        ],
        180,
    ),
    (
        "Expenses:Books",
        false,
        &["WATERSTONES", "FOYLES", "BLACKWELLS", "WORLD OF BOOKS"],
        16,
    ),
    (
        "Expenses:Electronics",
        false,
        &["CURRYS", "APPLE STORE", "SCAN COMPUTERS", "RICHER SOUNDS"],
        150,
    ),
    (
        "Expenses:Charity",
        false,
        &[
            "OXFAM",
            "BRITISH RED CROSS",
            "SHELTER",
            "CANCER RESEARCH UK",
        ],
        10,
    ),
    (
        "Assets:Cash",
        false,
        &[
            "CASH WITHDRAWAL LLOYDS",
            "CASH WITHDRAWAL HSBC",
            "CASH WITHDRAWAL BARCLAYS",
            "NOTEMACHINE",
        ],
        50,
    ),
    (
        "Income:Salary",
        true,
        &["ACME WIDGETS LTD", "GLOBEX CORPORATION"],
        2800,
    ),
    (
        "Income:Interest",
        true,
        &["INTEREST PAID", "GROSS INTEREST"],
        3,
    ),
    (
        "Income:Refunds",
        true,
        &["HMRC TAX REFUND", "DVLA REFUND"],
        60,
    ),
];

/// Sold by a marketplace: filed under one of these.
const AMBIGUOUS: &[&str] = &["AMAZON MKTPLACE", "AMZN MKTP UK", "EBAY O*"];
const AMBIGUOUS_CATEGORIES: &[&str] = &[
    "Expenses:Books",
    "Expenses:Electronics",
    "Expenses:Shopping:Home",
];

const CITIES: &[&str] = &[
    "LONDON",
    "BRISTOL",
    "LEEDS",
    "MANCHESTER",
    "BRIGHTON",
    "OXFORD",
    "",
    "",
];
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// `n` entries in date order from `seed`.
pub fn history(seed: u64, n: usize) -> Vec<Entry> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Merchants open over time: each gets a start day spread over the span.
    let span = (n as u32 / 8).max(60);
    let mut merchants: Vec<(String, usize, u32)> = Vec::new();
    for (ci, (_, _, names, _)) in CATEGORIES.iter().enumerate() {
        for (i, name) in names.iter().enumerate() {
            // The first two merchants of a category exist from the start.
            let start = if i < 2 {
                0
            } else {
                rng.below(span as usize) as u32
            };
            merchants.push(((*name).to_owned(), ci, start));
        }
    }
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let day = (k as u64 * u64::from(span) / n.max(1) as u64) as u32;
        let ambiguous = rng.chance(6);
        let (name, category, inflow, typical) = if ambiguous {
            let name = (*rng.pick(AMBIGUOUS)).to_owned();
            let cat = *rng.pick(AMBIGUOUS_CATEGORIES);
            (name, cat.to_owned(), false, 30)
        } else {
            let open: Vec<&(String, usize, u32)> =
                merchants.iter().filter(|m| m.2 <= day).collect();
            let m = *rng.pick(&open);
            let (cat, inflow, _, typical) = CATEGORIES[m.1];
            (m.0.clone(), cat.to_owned(), inflow, typical)
        };
        // Users misfile about 3% of entries.
        let counter = if rng.chance(3) {
            CATEGORIES[rng.below(CATEGORIES.len())].0.to_owned()
        } else {
            category
        };
        let cents = typical * 100 / 2 + rng.below((typical * 100) as usize) as i64;
        let amount = Decimal::new(if inflow { cents } else { -cents }, 2);
        let account = if !inflow && rng.chance(35) {
            "Liabilities:CreditCard"
        } else {
            "Assets:Bank:Current"
        };
        let city = *rng.pick(CITIES);
        let store = 1000 + rng.below(9000);
        let payee = (!rng.chance(25)).then(|| {
            if rng.chance(50) {
                format!("{name} {store}")
            } else {
                format!("{name} {city}").trim_end().to_owned()
            }
        });
        let date = format!("{:02}{}", 1 + day % 28, MONTHS[(day / 30 % 12) as usize]);
        let narration = match (inflow, rng.below(4)) {
            (true, 0) => format!("BANK GIRO CREDIT REF {name} {}", rng.below(99999)),
            (true, _) => format!("FASTER PAYMENT RECEIVED {name} REF {}", rng.below(999999)),
            (false, 0) => format!("CARD PAYMENT TO {name} ON {date}"),
            (false, 1) => format!("CONTACTLESS {name} {city} GB"),
            (false, 2) => format!("DIRECT DEBIT {name} REF {:08}", rng.below(99_999_999)),
            _ => format!("{name} {store} {city} {date}"),
        };
        out.push(Entry {
            day,
            account,
            counter,
            payee,
            narration,
            amount,
        });
    }
    out
}

/// The entries as a Beancount ledger (with `open` directives), for
/// benchmarks that read the ledger first.
pub fn to_beancount(entries: &[Entry]) -> String {
    let mut out = String::with_capacity(entries.len() * 160);
    let mut accounts: Vec<&str> = entries
        .iter()
        .flat_map(|e| [e.account, e.counter.as_str()])
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    for a in accounts {
        let _ = writeln!(out, "2020-01-01 open {a}");
    }
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date");
    for e in entries {
        let date = start + chrono::Days::new(u64::from(e.day));
        let payee = e
            .payee
            .as_deref()
            .map(|p| format!("\"{}\" ", p.replace('"', "'")))
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n{date} * {payee}\"{}\"\n  {}  {} GBP\n  {}\n",
            e.narration.replace('"', "'"),
            e.account,
            e.amount,
            e.counter
        );
    }
    out
}

/// How a model trained on the first part of a history did on the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Held-back entries.
    pub total: usize,
    /// Entries with a prediction at or above the threshold.
    pub predicted: usize,
    /// Predictions equal to the account the entry was filed under.
    pub correct: usize,
}

impl Evaluation {
    /// Correct predictions / predictions made.
    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.predicted.max(1) as f64
    }

    /// Predictions made / entries held back.
    pub fn coverage(&self) -> f64 {
        self.predicted as f64 / self.total.max(1) as f64
    }
}

/// Trains on the first `1 - held_back` of `entries` (in date order) and
/// predicts the rest with `min_confidence`.
pub fn evaluate(entries: &[Entry], held_back: f64, min_confidence: f64) -> Evaluation {
    let split = ((entries.len() as f64) * (1.0 - held_back)) as usize;
    let (train, test) = entries.split_at(split);
    let model = Model::train(train.iter().map(Entry::example), &[]);
    let mut eval = Evaluation {
        total: test.len(),
        predicted: 0,
        correct: 0,
    };
    for e in test {
        let guess = model.suggest(
            e.account,
            e.payee.as_deref(),
            &e.narration,
            e.amount,
            min_confidence,
        );
        if let Some(p) = guess {
            eval.predicted += 1;
            eval.correct += usize::from(p.account == e.counter);
        }
    }
    eval
}
