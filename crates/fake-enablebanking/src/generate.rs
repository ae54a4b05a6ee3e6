//! Deterministic bank data: the banks, the user's accounts at each, and
//! every account's transactions, day by day, from the seed alone.
//!
//! A transaction is *made* on a day. On that day it is pending (`PDNG`,
//! an entry reference starting with `P`, no booking date); from the next
//! day on it is booked (`BOOK`) under a new entry reference, with that
//! next day as booking date, and, for some card purchases, another amount
//! (a tip, a currency settled at another rate).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Datelike, Days, NaiveDate};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Mixes numbers into one seed (splitmix64 steps).
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

/// A random version-4 UUID from `rng`.
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

/// A bank the fake serves.
#[derive(Debug, Clone)]
pub struct Bank {
    pub name: &'static str,
    pub country: &'static str,
    pub bic: &'static str,
    /// Longest consent, in seconds.
    pub max_consent: u64,
    pub psu_types: &'static [&'static str],
    pub currency: &'static str,
    /// Whether it writes debits as negative amounts (as some banks do).
    pub signed_debits: bool,
}

/// The banks, as `GET /aspsps` lists them.
pub const BANKS: &[Bank] = &[
    Bank {
        name: "Nordea",
        country: "FI",
        bic: "NDEAFIHH",
        max_consent: 15_552_000,
        psu_types: &["personal", "business"],
        currency: "EUR",
        signed_debits: false,
    },
    Bank {
        name: "S-Pankki",
        country: "FI",
        bic: "SBANFIHH",
        max_consent: 7_776_000,
        psu_types: &["personal"],
        currency: "EUR",
        signed_debits: true,
    },
    Bank {
        name: "Aktia",
        country: "FI",
        bic: "HELSFIHH",
        max_consent: 3600,
        psu_types: &["business"],
        currency: "EUR",
        signed_debits: false,
    },
    Bank {
        name: "Svea Bank",
        country: "SE",
        bic: "SVEASES1",
        max_consent: 7_776_000,
        psu_types: &["personal"],
        currency: "SEK",
        signed_debits: false,
    },
];

/// The `ASPSPData` of a bank.
pub fn aspsp_json(b: &Bank) -> Value {
    json!({
        "name": b.name,
        "country": b.country,
        "logo": format!("https://enablebanking.com/brands/{}/{}/", b.country, b.name.replace(' ', "%20")),
        "psu_types": b.psu_types,
        "auth_methods": b.psu_types.iter().map(|t| json!({
            "psu_type": t, "approach": "REDIRECT", "hidden_method": false
        })).collect::<Vec<_>>(),
        "maximum_consent_validity": b.max_consent,
        "beta": false,
        "bic": b.bic,
    })
}

/// One of the user's accounts at a bank; the same in every session.
#[derive(Debug, Clone)]
pub struct Profile {
    pub bank: usize,
    pub iban: Option<String>,
    /// The masked card number of a card account.
    pub card: Option<String>,
    pub currency: String,
    pub holder: String,
    pub product: &'static str,
    pub kind: &'static str,
    pub identification_hash: String,
    pub opening: i64,
    pub seed: u64,
}

/// Account `index` of the user at bank `bank`. The second account of
/// every bank is a card account without IBAN.
pub fn profile(seed: u64, bank: usize, index: usize) -> Profile {
    let b = &BANKS[bank];
    let key = mix(&[seed, 11, bank as u64, index as u64]);
    let mut rng = fastrand::Rng::with_seed(key);
    let card = index % 2 == 1;
    let number: String = (0..14).map(|_| char::from(b'0' + rng.u8(0..10))).collect();
    let iban = (!card).then(|| iban(b.country, &number));
    let masked = card.then(|| format!("5299{}******{:04}", rng.u16(10..100), rng.u16(0..10_000)));
    let number_text = iban.clone().or(masked.clone()).unwrap_or_default();
    let digest = Sha256::digest(format!("{}|{}|{number_text}", b.name, b.country).as_bytes());
    // Shaped like the real ones: a base64 description of the fields, a
    // dot, a base64 digest (with `+`, `/` and `=`, which must survive
    // storage and URLs).
    let identification_hash = format!(
        "{}.{}",
        STANDARD.encode(b"[[\"account\",\"account_id\",\"iban\"]]"),
        STANDARD.encode(digest)
    );
    let holders = ["MAKKONEN MARJA-LIISA", "Alex Example", "Kim Virtanen"];
    Profile {
        bank,
        iban,
        card: masked,
        currency: b.currency.to_owned(),
        holder: holders[(key % holders.len() as u64) as usize].to_owned(),
        product: if card {
            "Credit card"
        } else {
            "Current account"
        },
        kind: if card { "CARD" } else { "CACC" },
        identification_hash,
        opening: 100_000 + rng.i64(0..400_000),
        seed: key,
    }
}

/// An IBAN with correct check digits for `country` and `bban` (digits).
pub fn iban(country: &str, bban: &str) -> String {
    let letters: String = country
        .chars()
        .map(|c| (c as u32 - 'A' as u32 + 10).to_string())
        .collect();
    let digits = format!("{bban}{letters}00");
    let rem = digits
        .chars()
        .fold(0u32, |acc, c| (acc * 10 + c.to_digit(10).unwrap_or(0)) % 97);
    format!("{country}{:02}{bban}", 98 - rem)
}

/// The `AccountResource` of a profile in a session, with that session's uid.
pub fn account_json(p: &Profile, uid: &str) -> Value {
    let b = &BANKS[p.bank];
    let account_id = match (&p.iban, &p.card) {
        (Some(iban), _) => json!({"iban": iban, "other": null}),
        (None, Some(card)) => {
            json!({"iban": null, "other": {"identification": card, "scheme_name": "CPAN", "issuer": null}})
        }
        (None, None) => json!({}),
    };
    let all_ids = match (&p.iban, &p.card) {
        (Some(iban), _) => json!([{"identification": iban, "scheme_name": "IBAN", "issuer": null}]),
        (None, Some(card)) => {
            json!([{"identification": card, "scheme_name": "CPAN", "issuer": null}])
        }
        (None, None) => json!([]),
    };
    json!({
        "account_id": account_id,
        "all_account_ids": all_ids,
        "account_servicer": {"bic_fi": b.bic, "clearing_system_member_id": null, "name": b.name},
        "name": p.holder,
        "details": null,
        "usage": "PRIV",
        "cash_account_type": p.kind,
        "product": p.product,
        "currency": p.currency,
        "psu_status": null,
        "credit_limit": if p.kind == "CARD" { json!({"currency": p.currency, "amount": "2000.00"}) } else { Value::Null },
        "uid": uid,
        "identification_hash": p.identification_hash,
        "identification_hashes": [p.identification_hash],
    })
}

/// A transaction made on a day, before it is shown as pending or booked.
#[derive(Debug, Clone)]
pub struct Made {
    pub day: NaiveDate,
    /// Cents; negative is money out.
    pub cents: i64,
    /// Cents once booked (differs for some card purchases).
    pub booked_cents: i64,
    pub id: u64,
    pub body: Value,
}

const MERCHANTS: &[&str] = &[
    "K-Market Kamppi",
    "GOOGLE*GSUITE ENALA CC GOOGLE.COM",
    "Alepa Hakaniemi",
    "HSL Mobiili",
    "Amazon Mktp DE",
    "Cafe Regatta",
];

/// The transactions made on `day` at an account, in a fixed order.
pub fn made_on(p: &Profile, day: NaiveDate, per_day: u32, amount_changes: bool) -> Vec<Made> {
    let mut rng = fastrand::Rng::with_seed(mix(&[p.seed, day.num_days_from_ce() as u64]));
    let mut out = Vec::new();
    let n = rng.u32(0..=per_day);
    let card = p.kind == "CARD";
    if !card && day.day() == 25 {
        out.push(salary(p, day, &mut rng));
    }
    for _ in 0..n {
        let roll = rng.u8(0..10);
        let m = match roll {
            0..=4 => purchase(p, day, &mut rng, amount_changes, false),
            5 => purchase(p, day, &mut rng, amount_changes, true),
            6 | 7 if !card => transfer_out(p, day, &mut rng),
            8 if !card => transfer_in(p, day, &mut rng),
            _ => fee(p, day, &mut rng),
        };
        out.push(m);
    }
    out
}

fn cents_text(c: i64) -> String {
    let a = c.abs();
    format!("{}.{:02}", a / 100, a % 100)
}

fn purchase(
    p: &Profile,
    day: NaiveDate,
    rng: &mut fastrand::Rng,
    changes: bool,
    foreign: bool,
) -> Made {
    let merchant = MERCHANTS[rng.usize(..MERCHANTS.len())];
    let cents = rng.i64(150..12_000);
    // Every fourth purchase settles at another amount (a tip, a rate).
    let booked = if changes && rng.u8(0..4) == 0 {
        cents + cents / 10 + 1
    } else {
        cents
    };
    let id = rng.u64(..);
    let mut body = json!({
        "merchant_category_code": "5411",
        "creditor": {"name": merchant, "postal_address": null},
        "creditor_account": null,
        "debtor": null,
        "debtor_account": null,
        "bank_transaction_code": {"description": "PKORTTIMAKSU", "code": null, "sub_code": null},
        "credit_debit_indicator": "DBIT",
        "remittance_information": [format!("{}    OSTOPVM  {}", p.card.clone().unwrap_or_else(|| "492025******5323".into()), day.format("%y%m%d"))],
        "reference_number": null,
    });
    if foreign {
        body["exchange_rate"] = json!({
            "unit_currency": "USD",
            "exchange_rate": "0.9200",
            "rate_type": "SPOT",
            "contract_identification": null,
            "instructed_amount": {"currency": "USD", "amount": cents_text(cents * 100 / 92)},
        });
    }
    Made {
        day,
        cents: -cents,
        booked_cents: -booked,
        id,
        body,
    }
}

fn transfer_out(p: &Profile, day: NaiveDate, rng: &mut fastrand::Rng) -> Made {
    let cents = rng.i64(2_000..90_000);
    let id = rng.u64(..);
    let number: String = (0..14).map(|_| char::from(b'0' + rng.u8(0..10))).collect();
    let to = iban(BANKS[p.bank].country, &number);
    let body = json!({
        "creditor": {"name": "Pohjola Vakuutus Oy"},
        "creditor_account": {"iban": to},
        "creditor_agent": {"bic_fi": "OKOYFIHH"},
        "debtor": {"name": p.holder},
        "debtor_account": p.iban.as_ref().map(|i| json!({"iban": i})),
        "bank_transaction_code": {"description": "MAKSUPALVELU", "code": "12", "sub_code": "32"},
        "credit_debit_indicator": "DBIT",
        "reference_number": format!("{}", 1_000_000 + id % 9_000_000),
        "reference_number_schema": "FIRF",
        "remittance_information": [format!("EREF+{:016x}", id), "SVWZ+Insurance premium"],
    });
    Made {
        day,
        cents: -cents,
        booked_cents: -cents,
        id,
        body,
    }
}

fn transfer_in(p: &Profile, day: NaiveDate, rng: &mut fastrand::Rng) -> Made {
    let cents = rng.i64(1_000..30_000);
    let id = rng.u64(..);
    let body = json!({
        "creditor": {"name": p.holder},
        "creditor_account": p.iban.as_ref().map(|i| json!({"iban": i})),
        "debtor": {"name": "Kim Virtanen"},
        "debtor_account": {"iban": "FI8638798819867751"},
        "credit_debit_indicator": "CRDT",
        "remittance_information": ["Gift for Alex"],
    });
    Made {
        day,
        cents,
        booked_cents: cents,
        id,
        body,
    }
}

fn salary(p: &Profile, day: NaiveDate, rng: &mut fastrand::Rng) -> Made {
    let cents = 320_000 + rng.i64(0..10_000);
    let id = rng.u64(..);
    let body = json!({
        "creditor": {"name": p.holder},
        "creditor_account": p.iban.as_ref().map(|i| json!({"iban": i})),
        "debtor": {"name": "Example Employer Oy", "organisation_id": {"identification": "1234567-8", "scheme_name": "COID"}},
        "debtor_account": {"iban": "FI1737631867613465"},
        "bank_transaction_code": {"description": "PALKKA", "code": null, "sub_code": null},
        "credit_debit_indicator": "CRDT",
        "remittance_information": [format!("Salary {}", day.format("%m/%Y"))],
    });
    Made {
        day,
        cents,
        booked_cents: cents,
        id,
        body,
    }
}

fn fee(p: &Profile, day: NaiveDate, rng: &mut fastrand::Rng) -> Made {
    let cents = rng.i64(100..900);
    let id = rng.u64(..);
    let _ = p;
    let body = json!({
        "bank_transaction_code": {"description": "PALVELUMAKSU", "code": null, "sub_code": null},
        "credit_debit_indicator": "DBIT",
        "remittance_information": null,
    });
    Made {
        day,
        cents: -cents,
        booked_cents: -cents,
        id,
        body,
    }
}

/// The transaction as shown on `today`: pending on the day it was made,
/// booked from the next day on.
pub fn shown(p: &Profile, m: &Made, today: NaiveDate) -> Value {
    let bank = &BANKS[p.bank];
    let booked = m.day < today;
    let cents = if booked { m.booked_cents } else { m.cents };
    let amount = if bank.signed_debits && cents < 0 {
        format!("-{}", cents_text(cents))
    } else {
        cents_text(cents)
    };
    let mut t = m.body.clone();
    let obj = t.as_object_mut().expect("generated bodies are objects");
    let next = m.day + Days::new(1);
    if booked {
        obj.insert(
            "entry_reference".into(),
            json!(format!(
                "{}{:012X}",
                next.format("%Y%m%d"),
                m.id & 0xFFFF_FFFF_FFFF
            )),
        );
        obj.insert("status".into(), json!("BOOK"));
        obj.insert("booking_date".into(), json!(next.to_string()));
    } else {
        obj.insert("entry_reference".into(), json!(format!("P{:016X}", m.id)));
        obj.insert("status".into(), json!("PDNG"));
        obj.insert("booking_date".into(), Value::Null);
    }
    obj.insert("value_date".into(), json!(m.day.to_string()));
    obj.insert("transaction_date".into(), json!(m.day.to_string()));
    obj.insert(
        "transaction_amount".into(),
        json!({"currency": p.currency, "amount": amount}),
    );
    obj.insert("transaction_id".into(), Value::Null);
    obj.insert("note".into(), Value::Null);
    t
}
