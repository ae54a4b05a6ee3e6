//! A generator of realistic synthetic ledgers, for benchmarks and tests.
//!
//! Not part of the stable API. The ledger looks like several years of a
//! household's bank data: payees map consistently to expense or income
//! accounts (so rule learning has something to learn), narrations vary
//! around a template, and the bank postings carry importer ids the way
//! real ledgers do after a switch of importer: the oldest fifth typed by
//! hand (no id), the next fifth from the Python importer (`nordref` on the
//! transaction), the rest from gc-beancount (`gocardless_id` on the
//! posting). Balance assertions at the start of each month hold, so a
//! generated ledger passes `bean-check`.

use std::fmt::Write;

/// A counterparty of the synthetic ledger and the account it books to.
#[derive(Clone, Copy, Debug)]
pub struct SyntheticPayee {
    /// The payee as the bank writes it.
    pub payee: &'static str,
    /// Narration templates; `{n}` becomes a varying reference number.
    pub narrations: &'static [&'static str],
    /// The counter account every transaction with this payee uses.
    pub account: &'static str,
    /// Typical amount range in cents (negative: money out).
    pub cents: (i64, i64),
}

/// The payees of [`synthetic_ledger`], each always booked to its account.
pub const PAYEES: &[SyntheticPayee] = &[
    SyntheticPayee {
        payee: "REWE Markt GmbH",
        narrations: &[
            "Kartenzahlung REWE SAGT DANKE {n} Berlin",
            "REWE {n} Lebensmittel",
        ],
        account: "Expenses:Food:Groceries",
        cents: (-12000, -800),
    },
    SyntheticPayee {
        payee: "Lidl Dienstleistung GmbH & Co. KG",
        narrations: &["LIDL DANKT {n} Kartenzahlung girocard", "Lidl Filiale {n}"],
        account: "Expenses:Food:Groceries",
        cents: (-8000, -500),
    },
    SyntheticPayee {
        payee: "EDEKA Center",
        narrations: &["EDEKA SAGT DANKE {n}", "Kartenzahlung EDEKA {n} Muenchen"],
        account: "Expenses:Food:Groceries",
        cents: (-9000, -600),
    },
    SyntheticPayee {
        payee: "Bäckerei Müller",
        narrations: &["Brötchen und Kaffee {n}", "Bäckerei Müller Filiale {n}"],
        account: "Expenses:Food:Bakery",
        cents: (-1500, -180),
    },
    SyntheticPayee {
        payee: "Restaurant Da Luigi",
        narrations: &["Abendessen Rechnung {n}", "Da Luigi Tisch {n}"],
        account: "Expenses:Food:Restaurants",
        cents: (-12000, -1800),
    },
    SyntheticPayee {
        payee: "Deutsche Bahn Fernverkehr",
        narrations: &[
            "DB Ticket Auftrag {n}",
            "BahnCard Fahrkarte {n} Online-Ticket",
        ],
        account: "Expenses:Transport:Train",
        cents: (-15000, -1990),
    },
    SyntheticPayee {
        payee: "BVG Berliner Verkehrsbetriebe",
        narrations: &["BVG Monatskarte {n}", "Einzelfahrschein AB {n}"],
        account: "Expenses:Transport:Public",
        cents: (-8640, -320),
    },
    SyntheticPayee {
        payee: "Shell Deutschland Oil GmbH",
        narrations: &["SHELL Tankstelle {n} Kraftstoff", "Shell {n} Super E10"],
        account: "Expenses:Transport:Fuel",
        cents: (-9500, -2500),
    },
    SyntheticPayee {
        payee: "Vattenfall Europe Sales GmbH",
        narrations: &[
            "Abschlag Strom Vertragskonto {n}",
            "Stromabschlag Kundennummer {n}",
        ],
        account: "Expenses:Home:Electricity",
        cents: (-9800, -4500),
    },
    SyntheticPayee {
        payee: "Hausverwaltung Schmidt & Partner",
        narrations: &[
            "Miete Wohnung 3.OG links Mietvertrag {n}",
            "Mietzahlung Objekt {n}",
        ],
        account: "Expenses:Home:Rent",
        cents: (-125000, -95000),
    },
    SyntheticPayee {
        payee: "Telekom Deutschland GmbH",
        narrations: &[
            "Telekom Mobilfunk Rechnung {n}",
            "Festnetz und Internet Kundenkonto {n}",
        ],
        account: "Expenses:Home:Telecom",
        cents: (-6999, -2999),
    },
    SyntheticPayee {
        payee: "Spotify AB",
        narrations: &["Spotify P{n} Premium", "Spotify Family {n}"],
        account: "Expenses:Leisure:Subscriptions",
        cents: (-1799, -999),
    },
    SyntheticPayee {
        payee: "Netflix International B.V.",
        narrations: &["NETFLIX.COM {n}", "Netflix Abo {n}"],
        account: "Expenses:Leisure:Subscriptions",
        cents: (-1799, -799),
    },
    SyntheticPayee {
        payee: "Amazon EU S.a.r.l.",
        narrations: &["AMZN Mktp DE {n}", "Amazon.de Bestellung 302-{n}"],
        account: "Expenses:Shopping:Online",
        cents: (-25000, -599),
    },
    SyntheticPayee {
        payee: "dm-drogerie markt",
        narrations: &["dm Filiale {n} Drogerie", "DM-Drogerie {n} Kartenzahlung"],
        account: "Expenses:Shopping:Drugstore",
        cents: (-4500, -250),
    },
    SyntheticPayee {
        payee: "Apotheke am Markt",
        narrations: &["Apotheke Rezept {n}", "Zuzahlung Medikamente {n}"],
        account: "Expenses:Health:Pharmacy",
        cents: (-3500, -500),
    },
    SyntheticPayee {
        payee: "Allianz Versicherungs-AG",
        narrations: &["Beitrag Hausrat Vertrag {n}", "Haftpflicht Police {n}"],
        account: "Expenses:Insurance",
        cents: (-8000, -1200),
    },
    SyntheticPayee {
        payee: "Fitnessstudio Kraftwerk",
        narrations: &["Mitgliedsbeitrag {n}", "Kraftwerk Beitrag Mitglied {n}"],
        account: "Expenses:Leisure:Sport",
        cents: (-4990, -2990),
    },
    SyntheticPayee {
        payee: "Cinestar Kino",
        narrations: &["Kinokarten Vorstellung {n}", "CineStar {n} Tickets"],
        account: "Expenses:Leisure:Culture",
        cents: (-3600, -900),
    },
    SyntheticPayee {
        payee: "ACME Software GmbH",
        narrations: &["Gehalt {n} Lohn/Gehalt", "LOHN GEHALT Personalnummer {n}"],
        account: "Income:Salary",
        cents: (310000, 360000),
    },
    SyntheticPayee {
        payee: "Finanzamt Berlin",
        narrations: &[
            "Steuererstattung Steuernummer {n}",
            "Erstattung Einkommensteuer {n}",
        ],
        account: "Income:Tax:Refund",
        cents: (5000, 90000),
    },
    SyntheticPayee {
        payee: "Anna Schmidt",
        narrations: &["Anteil Urlaub {n}", "Danke fürs Auslegen {n}"],
        account: "Income:Reimbursements",
        cents: (1000, 15000),
    },
];

/// The bank accounts of the synthetic ledger.
pub const BANK_ACCOUNTS: &[&str] = &["Assets:Bank:Checking", "Liabilities:CreditCard"];

/// A small deterministic PRNG (xorshift64*), so that a seed always gives
/// the same ledger without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, (low, high): (i64, i64)) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }
}

fn cents(out: &mut String, cents: i64) {
    let sign = if cents < 0 { "-" } else { "" };
    let _ = write!(out, "{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100);
}

fn pad_to(out: &mut String, line_start: usize, column: usize) {
    let width = out[line_start..].chars().count();
    for _ in width..column.max(width + 2) {
        out.push(' ');
    }
}

/// A synthetic ledger of `transactions` transactions (about 250 bytes
/// each), deterministic for a `seed`.
///
/// ```
/// let text = test_support::ledger_gen::synthetic_ledger(10, 1);
/// assert_eq!(text.matches(" * \"").count(), 10);
/// ```
pub fn synthetic_ledger(transactions: usize, seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut out = String::with_capacity(transactions * 260 + 4096);
    out.push_str("; Synthetic ledger generated by importer::ledger::testgen\n");
    out.push_str(
        "option \"title\" \"Synthetic household\"\noption \"operating_currency\" \"EUR\"\n\n",
    );
    let start = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
    let mut accounts: Vec<&str> = BANK_ACCOUNTS.to_vec();
    for p in PAYEES {
        if !accounts.contains(&p.account) {
            accounts.push(p.account);
        }
    }
    accounts.push("Equity:Opening-Balances");
    for a in &accounts {
        let _ = writeln!(out, "{start} open {a} EUR");
    }
    out.push('\n');
    let per_day = 25;
    let mut balances = [0i64; 2];
    let mut month = start.format("%Y-%m").to_string();
    for i in 0..transactions {
        let date = start + chrono::Days::new((i / per_day) as u64);
        let this_month = date.format("%Y-%m").to_string();
        if this_month != month {
            month = this_month;
            for (a, b) in BANK_ACCOUNTS.iter().zip(balances) {
                let line_start = out.len();
                let _ = write!(out, "{date} balance {a}");
                pad_to(&mut out, line_start, 60);
                cents(&mut out, b);
                out.push_str(" EUR\n");
            }
            out.push('\n');
        }
        let payee = &PAYEES[rng.below(PAYEES.len() as u64) as usize];
        let bank = if payee.cents.0 < 0 && rng.below(3) == 0 {
            1
        } else {
            0
        };
        let amount = rng.range(payee.cents);
        balances[bank] += amount;
        let template = payee.narrations[rng.below(payee.narrations.len() as u64) as usize];
        let narration = template.replace("{n}", &format!("{:08}", rng.below(100_000_000)));
        let flag = if i + 50 > transactions && rng.below(4) == 0 {
            '!'
        } else {
            '*'
        };
        let _ = write!(out, "{date} {flag} \"{}\" \"{narration}\"", payee.payee);
        if rng.below(20) == 0 {
            out.push_str(" #vacation");
        }
        out.push('\n');
        let era = i * 5 / transactions.max(1);
        let id = format!(
            "{:08x}-{:04x}-{:04x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.next() as u16,
            rng.next() & 0xffff_ffff_ffff
        );
        if era == 1 {
            let _ = writeln!(out, "  nordref: \"{id}\"");
        }
        let line_start = out.len();
        let _ = write!(out, "  {}", BANK_ACCOUNTS[bank]);
        pad_to(&mut out, line_start, 60);
        cents(&mut out, amount);
        out.push_str(" EUR\n");
        if era >= 2 {
            let _ = writeln!(out, "    gocardless_id: \"{id}\"");
        }
        let line_start = out.len();
        let _ = write!(out, "  {}", payee.account);
        pad_to(&mut out, line_start, 60);
        cents(&mut out, -amount);
        out.push_str(" EUR\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = synthetic_ledger(1000, 7);
        assert_eq!(a, synthetic_ledger(1000, 7));
        assert_ne!(a, synthetic_ledger(1000, 8));
        let per_txn = a.len() / 1000;
        assert!(
            (200..300).contains(&per_txn),
            "{per_txn} bytes per transaction"
        );
    }
}
