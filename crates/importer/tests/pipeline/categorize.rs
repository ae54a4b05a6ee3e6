//! Categorisation end to end: rules, learned accounts, transfers and the
//! fallback through the real conversion, each output checked by bean-check.

use std::path::Path;

use chrono::NaiveDate;
use gocardless::files::StoredResponses as AccountData;
use importer::config::{self, Config};
use importer::dedup::{DedupOptions, DedupResult, dedup};
use importer::entry::{Entry, MetaValue, TransactionEntry};
use importer::learn::Model;
use importer::ledger::{Ledger, LedgerOptions};
use importer::rules::{By, Categorizer, Scope};
use importer::transfer::OwnAccounts;
use test_support::gocardless_data::{Extracted, convert_all_with};

const CHECKING_IBAN: &str = "DE89 3704 0044 0532 0130 00";
const SAVINGS_IBAN: &str = "DE02 1203 0000 0000 2020 51";

fn today() -> NaiveDate {
    "2024-03-20".parse().unwrap()
}

fn config(extra: &str) -> Config {
    let yaml = format!(
        "accounts:
  - id: checking-id
    name: checking
    account: Assets:Bank:Checking
    currency: EUR
    balance: none
  - id: savings-id
    name: savings
    account: Assets:Bank:Savings
    currency: EUR
    balance: none
{extra}"
    );
    config::from_str(&yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

/// A booked transaction's JSON. `who` is the creditor for money out and the
/// debtor for money in.
fn tx(id: &str, date: &str, amount: &str, who: &str, iban: Option<&str>, text: &str) -> String {
    let side = if amount.starts_with('-') {
        "creditor"
    } else {
        "debtor"
    };
    let account = iban
        .map(|i| format!(r#", "{side}Account": {{"iban": "{i}"}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"transactionId": "{id}", "bookingDate": "{date}", "valueDate": "{date}",
            "transactionAmount": {{"amount": "{amount}", "currency": "EUR"}},
            "{side}Name": "{who}"{account},
            "remittanceInformationUnstructured": "{text}",
            "proprietaryBankTransactionCode": "CARD", "merchantCategoryCode": "5411"}}"#
    )
}

fn data(account_id: &str, booked: &[String]) -> AccountData {
    let json = format!(
        r#"{{"transactions": {{"booked": [{}], "pending": []}}}}"#,
        booked.join(",")
    );
    AccountData {
        account_id: account_id.to_owned(),
        transactions: serde_json::from_str(&json).unwrap(),
        balances: None,
        unreadable: Vec::new(),
    }
}

fn run(config: &Config, data: &[AccountData], categorizer: &Categorizer) -> Extracted {
    let out = convert_all_with(config, data, today(), categorizer);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    test_support::bean_check::text(&out.text);
    out
}

fn transactions(out: &Extracted) -> Vec<&TransactionEntry> {
    out.outputs
        .iter()
        .flat_map(|o| &o.entries)
        .filter_map(|e| match e {
            Entry::Transaction(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn ids(t: &TransactionEntry) -> Vec<String> {
    t.postings
        .iter()
        .flat_map(|p| &p.meta)
        .filter(|(k, _)| k == "gocardless_id")
        .map(|(_, v)| v.as_text())
        .collect()
}

fn own_accounts() -> OwnAccounts {
    [
        (CHECKING_IBAN, "Assets:Bank:Checking"),
        (SAVINGS_IBAN, "Assets:Bank:Savings"),
    ]
    .into_iter()
    .collect()
}

const RULES: &str = r#"
rules:
  - name: groceries
    if: { payee: "(?i)^(tesco|lidl)\\b", amount: "< 0" }
    account: Expenses:Food:Groceries
    payee: "Groceries ($1)"
    tags: [food]
    links: [weekly-shop]
    metadata: { category: groceries, store: "$1" }
  - if: { text: "(?i)salary (\\w+)", amount: "> 1000" }
    account: Income:Salary
    narration: "Salary for $1"
    flag: "!"
  - if: { payee: "(?i)spam" }
    skip: true
  - if: { code: "^CARD$", mcc: "^5812$" }
    account: Expenses:Food:Restaurants
"#;

#[test]
fn rules_set_account_texts_and_skip() {
    let config = config(RULES);
    let out = run(
        &config,
        &[data(
            "checking-id",
            &[
                tx(
                    "t1",
                    "2024-03-01",
                    "-23.40",
                    "TESCO STORES 2345",
                    None,
                    "card 1234",
                ),
                tx(
                    "t2",
                    "2024-03-02",
                    "2500.00",
                    "ACME LTD",
                    None,
                    "SALARY MARCH 2024",
                ),
                tx("t3", "2024-03-03", "-1.00", "SPAM INC", None, "junk"),
                tx("t4", "2024-03-04", "-9.99", "UNKNOWN SHOP", None, "misc"),
            ],
        )],
        &Categorizer::new(&config),
    );
    let t = transactions(&out);
    assert_eq!(
        t.len(),
        3,
        "the skipped transaction is left out:\n{}",
        out.text
    );

    assert_eq!(t[0].payee.as_deref(), Some("Groceries (TESCO)"));
    assert_eq!(t[0].postings[1].account, "Expenses:Food:Groceries");
    assert_eq!(t[0].tags, ["food"]);
    assert_eq!(t[0].links, ["weekly-shop"]);
    assert!(
        t[0].meta
            .contains(&("store".to_owned(), MetaValue::String("TESCO".to_owned())))
    );
    assert_eq!(t[1].postings[1].account, "Income:Salary");
    assert_eq!(t[1].narration, "Salary for MARCH");
    assert_eq!(t[1].flag, '!');
    assert_eq!(t[2].postings[1].account, "Expenses:Uncategorized");

    let c = &out.outputs[0].categorized;
    assert_eq!(c.len(), 4);
    assert_eq!(c[0].decision.by, By::Rule);
    assert_eq!(
        c[0].decision.rule.as_ref().unwrap().name.as_deref(),
        Some("groceries")
    );
    assert!(c[2].decision.skip);
    assert_eq!(c[3].decision.by, By::Fallback);
    assert_eq!(c[3].decision.rule, None);
}

#[test]
fn account_rules_come_before_global_rules() {
    let mut config = config(RULES);
    let own: Vec<importer::rules::Rule> = serde_norway::from_str(
        r#"[{ if: { payee: "(?i)tesco" }, account: Expenses:Food:Work-Lunch }]"#,
    )
    .unwrap();
    config.accounts[0].rules = own;
    let out = run(
        &config,
        &[
            data(
                "checking-id",
                &[tx("t1", "2024-03-01", "-5.00", "TESCO", None, "x")],
            ),
            data(
                "savings-id",
                &[tx("s1", "2024-03-01", "-5.00", "TESCO", None, "x")],
            ),
        ],
        &Categorizer::new(&config),
    );
    let t = transactions(&out);
    assert_eq!(t[0].postings[1].account, "Expenses:Food:Work-Lunch");
    assert_eq!(t[1].postings[1].account, "Expenses:Food:Groceries");
    let scope = |i: usize| {
        out.outputs[i].categorized[0]
            .decision
            .rule
            .as_ref()
            .unwrap()
            .scope
    };
    assert_eq!((scope(0), scope(1)), (Scope::Account, Scope::Global));
}

/// A ledger whose history files Tesco under groceries three times, and a
/// fallback entry that must teach nothing.
const HISTORY: &str = r#"
2024-01-01 open Assets:Bank:Checking
2024-01-01 open Expenses:Food:Groceries
2024-01-01 open Expenses:Uncategorized
2024-01-03 * "TESCO STORES 1111" "card payment"
  Assets:Bank:Checking  -10.00 EUR
  Expenses:Food:Groceries
2024-01-10 * "Tesco Stores 2222" "card payment"
  Assets:Bank:Checking  -12.00 EUR
  Expenses:Food:Groceries
2024-01-17 * "TESCO STORES 3333" "card payment"
  Assets:Bank:Checking  -14.00 EUR
  Expenses:Food:Groceries
2024-01-20 * "UNKNOWN SHOP" "misc"
  Assets:Bank:Checking  -1.00 EUR
  Expenses:Uncategorized
2024-01-21 * "UNKNOWN SHOP" "misc"
  Assets:Bank:Checking  -1.00 EUR
  Expenses:Uncategorized
"#;

fn learned(config: &Config) -> Categorizer {
    let ledger = Ledger::from_source(
        Path::new("history.bean"),
        HISTORY,
        &LedgerOptions::default(),
    )
    .unwrap();
    Categorizer::new(config).with_model(Model::from_ledger(&ledger, config))
}

fn shopping() -> Vec<AccountData> {
    vec![data(
        "checking-id",
        &[
            tx(
                "t1",
                "2024-03-01",
                "-8.00",
                "TESCO STORES 9999",
                None,
                "card payment",
            ),
            tx("t2", "2024-03-02", "-3.00", "UNKNOWN SHOP", None, "misc"),
        ],
    )]
}

#[test]
fn learned_accounts_are_marked_for_review() {
    let config = config("");
    let out = run(&config, &shopping(), &learned(&config));
    let t = transactions(&out);
    assert_eq!(t[0].postings[1].account, "Expenses:Food:Groceries");
    assert_eq!(t[0].postings[1].flag, Some('!'));
    assert!(
        out.text.contains("  ! Expenses:Food:Groceries"),
        "{}",
        out.text
    );
    match out.outputs[0].categorized[0].decision.by {
        By::Learned { confidence, .. } => assert!(confidence >= 0.8),
        other => panic!("{other:?}"),
    }
    // The fallback account taught nothing.
    assert_eq!(t[1].postings[1].account, "Expenses:Uncategorized");
    assert_eq!(t[1].postings[1].flag, None);
    assert_eq!(out.outputs[0].categorized[1].decision.by, By::Fallback);
}

#[test]
fn learned_accounts_unmarked_with_mark_false() {
    let config = config("learn: { mark: false }\n");
    let out = run(&config, &shopping(), &learned(&config));
    let t = transactions(&out);
    assert_eq!(t[0].postings[1].account, "Expenses:Food:Groceries");
    assert_eq!(t[0].postings[1].flag, None);
}

#[test]
fn predictions_below_the_threshold_fall_back() {
    // Three unanimous sightings give 3 / 3.5 = 0.857.
    for (setting, expected) in [
        (
            "learn: { min_confidence: 0.85 }\n",
            "Expenses:Food:Groceries",
        ),
        ("learn: { min_confidence: 0.9 }\n", "Expenses:Uncategorized"),
        ("learn: false\n", "Expenses:Uncategorized"),
    ] {
        let config = config(setting);
        let out = run(&config, &shopping(), &learned(&config));
        assert_eq!(
            transactions(&out)[0].postings[1].account,
            expected,
            "{setting}"
        );
    }
}

#[test]
fn rules_beat_transfers_beat_learning_beats_the_fallback() {
    let config = config(
        r#"rules:
  - if: { payee: "(?i)tesco", amount: "< -100" }
    account: Expenses:Food:Bulk
"#,
    );
    let categorizer = learned(&config).with_own_accounts(own_accounts());
    let out = run(
        &config,
        &[data(
            "checking-id",
            &[
                tx(
                    "a",
                    "2024-03-01",
                    "-150.00",
                    "TESCO STORES 1",
                    None,
                    "card payment",
                ),
                tx(
                    "b",
                    "2024-03-02",
                    "-8.00",
                    "TESCO STORES 2",
                    None,
                    "card payment",
                ),
                // Learning would say groceries, but the money went to the
                // user's own savings: the IBAN is a fact, the guess is not.
                tx(
                    "e",
                    "2024-03-02",
                    "-9.00",
                    "TESCO STORES 3",
                    Some(SAVINGS_IBAN),
                    "card payment",
                ),
                tx(
                    "c",
                    "2024-03-03",
                    "-50.00",
                    "ME",
                    Some(SAVINGS_IBAN),
                    "to savings",
                ),
                tx(
                    "d",
                    "2024-03-04",
                    "-50.00",
                    "SOMEONE",
                    Some("GB33BUKB20201555555555"),
                    "gift",
                ),
            ],
        )],
        &categorizer,
    );
    let by: Vec<By> = out.outputs[0]
        .categorized
        .iter()
        .map(|c| c.decision.by)
        .collect();
    assert_eq!(by[0], By::Rule);
    assert!(matches!(by[1], By::Learned { .. }), "{by:?}");
    assert_eq!(by[2], By::Transfer);
    assert_eq!(by[3], By::Transfer);
    assert_eq!(by[4], By::Fallback);
    let t = transactions(&out);
    assert_eq!(t[2].postings[1].account, "Assets:Bank:Savings");
    assert_eq!(t[3].postings[1].account, "Assets:Bank:Savings");
    // The transfer's other side is written out, for matching it later.
    assert_eq!(
        t[3].postings[1]
            .units
            .as_ref()
            .map(|u| u.number.to_string()),
        Some("50.00".to_owned())
    );
}

fn transfer_out(id: &str, date: &str) -> String {
    tx(
        id,
        date,
        "-100.00",
        "Me",
        Some(SAVINGS_IBAN),
        "Monthly saving",
    )
}

fn transfer_in(id: &str, date: &str) -> String {
    tx(
        id,
        date,
        "100.00",
        "Me",
        Some(CHECKING_IBAN),
        "Monthly saving",
    )
}

#[test]
fn a_transfer_imported_in_one_run_is_one_entry_with_both_ids() {
    let config = config("");
    let categorizer = Categorizer::new(&config).with_own_accounts(own_accounts());
    let out = run(
        &config,
        &[
            data(
                "checking-id",
                &[
                    transfer_out("c-1", "2024-03-05"),
                    tx("c-2", "2024-03-05", "-4.00", "BAKERY", None, "bread"),
                ],
            ),
            data(
                "savings-id",
                &[
                    tx("s-0", "2024-03-04", "1.00", "BANK", None, "interest"),
                    transfer_in("s-1", "2024-03-05"),
                ],
            ),
        ],
        &categorizer,
    );
    let t = transactions(&out);
    assert_eq!(t.len(), 3, "{}", out.text);
    let transfer = t
        .iter()
        .find(|t| t.postings.len() == 2 && t.postings[1].account == "Assets:Bank:Savings")
        .unwrap();
    assert_eq!(ids(transfer), ["c-1", "s-1"]);
    let amounts: Vec<String> = transfer
        .postings
        .iter()
        .map(|p| p.units.as_ref().unwrap().number.to_string())
        .collect();
    assert_eq!(amounts, ["-100.00", "100.00"]);
    assert_eq!(
        out.text.matches("Monthly saving").count(),
        1,
        "{}",
        out.text
    );
}

#[test]
fn identical_transfers_pair_one_to_one() {
    let config = config("");
    let categorizer = Categorizer::new(&config).with_own_accounts(own_accounts());
    let out = run(
        &config,
        &[
            data(
                "checking-id",
                &[
                    transfer_out("c-1", "2024-03-05"),
                    transfer_out("c-2", "2024-03-05"),
                ],
            ),
            data("savings-id", &[transfer_in("s-1", "2024-03-05")]),
        ],
        &categorizer,
    );
    let t = transactions(&out);
    assert_eq!(t.len(), 2, "{}", out.text);
    assert_eq!(ids(t[0]), ["c-1", "s-1"]);
    assert_eq!(ids(t[1]), ["c-2"]);
}

#[test]
fn a_rule_on_the_other_side_prevents_the_merge() {
    let config = config(
        r#"rules:
  - if: { account: savings, amount: "> 0" }
    account: Income:Gifts
"#,
    );
    let categorizer = Categorizer::new(&config).with_own_accounts(own_accounts());
    let out = run(
        &config,
        &[
            data("checking-id", &[transfer_out("c-1", "2024-03-05")]),
            data("savings-id", &[transfer_in("s-1", "2024-03-05")]),
        ],
        &categorizer,
    );
    assert_eq!(transactions(&out).len(), 2);
}

#[test]
fn sides_booked_on_different_days_merge_and_drop_the_assertion_between() {
    let mut config = config("");
    config.accounts[1].balance = importer::config::BalanceMode::Auto;
    let categorizer = Categorizer::new(&config).with_own_accounts(own_accounts());
    let mut savings = data("savings-id", &[transfer_in("s-1", "2024-03-07")]);
    savings.balances = Some(
        serde_json::from_str(
            r#"{"balances": [{"balanceAmount": {"amount": "0.00", "currency": "EUR"},
                "balanceType": "closingBooked", "referenceDate": "2024-03-05"}]}"#,
        )
        .unwrap(),
    );
    let out = run(
        &config,
        &[
            data("checking-id", &[transfer_out("c-1", "2024-03-04")]),
            savings,
        ],
        &categorizer,
    );
    let t = transactions(&out);
    assert_eq!(t.len(), 1, "{}", out.text);
    assert_eq!(t[0].date.to_string(), "2024-03-04");
    assert!(
        !out.text.contains(" balance Assets:Bank:Savings"),
        "{}",
        out.text
    );
    assert!(out.text.contains("left out"), "{}", out.text);
}

/// Imports `data` into `ledger_text` the way `import -e ledger >> ledger`
/// does: convert, merge transfers, leave out what the ledger holds, append.
fn import_into(ledger_text: &mut String, config: &Config, data: &[AccountData]) -> DedupResult {
    let categorizer = Categorizer::new(config).with_own_accounts(own_accounts());
    let out = run(config, data, &categorizer);
    let ledger = Ledger::from_source(
        Path::new("ledger.bean"),
        ledger_text,
        &LedgerOptions::default(),
    )
    .unwrap();
    let result = dedup(out.outputs, &ledger, &DedupOptions::default());
    ledger_text.push('\n');
    ledger_text.push_str(&result.render());
    result
}

fn check_ledger(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.bean");
    std::fs::write(&path, text).unwrap();
    test_support::bean_check::file(&path);
}

#[test]
fn a_transfer_imported_on_two_days_is_still_one_entry() {
    let config = config("");
    let mut ledger =
        String::from("2024-01-01 open Assets:Bank:Checking\n2024-01-01 open Assets:Bank:Savings\n");
    // Day one: only the checking side has booked.
    let day1 = import_into(
        &mut ledger,
        &config,
        &[
            data("checking-id", &[transfer_out("c-1", "2024-03-05")]),
            data("savings-id", &[]),
        ],
    );
    assert_eq!(day1.summaries[0].new, 1);
    check_ledger(&ledger);
    // Day two: both sides are fetched; they merge, and the ledger already
    // holds the entry (by the checking side's id).
    let day2 = import_into(
        &mut ledger,
        &config,
        &[
            data("checking-id", &[transfer_out("c-1", "2024-03-05")]),
            data("savings-id", &[transfer_in("s-1", "2024-03-06")]),
        ],
    );
    assert!(
        day2.summaries.iter().all(|s| s.new == 0),
        "{:?}",
        day2.summaries
    );
    assert_eq!(day2.summaries[0].dup_id, 1);
    // Day three: the savings side alone (checking's fetch window has moved
    // on) is found by content, against the transfer's written-out posting.
    let day3 = import_into(
        &mut ledger,
        &config,
        &[data("savings-id", &[transfer_in("s-1", "2024-03-06")])],
    );
    assert_eq!(day3.summaries[0].new, 0, "{:?}", day3.summaries);
    assert_eq!(day3.summaries[0].dup_content, 1);
    assert_eq!(ledger.matches("Monthly saving").count(), 1, "{ledger}");
    check_ledger(&ledger);
}

#[test]
fn a_transfer_whose_savings_side_came_first_is_still_one_entry() {
    let config = config("");
    let mut ledger =
        String::from("2024-01-01 open Assets:Bank:Checking\n2024-01-01 open Assets:Bank:Savings\n");
    import_into(
        &mut ledger,
        &config,
        &[data("savings-id", &[transfer_in("s-1", "2024-03-05")])],
    );
    let day2 = import_into(
        &mut ledger,
        &config,
        &[
            data("checking-id", &[transfer_out("c-1", "2024-03-05")]),
            data("savings-id", &[transfer_in("s-1", "2024-03-05")]),
        ],
    );
    assert!(
        day2.summaries.iter().all(|s| s.new == 0),
        "{:?}\n{ledger}",
        day2.summaries
    );
    assert_eq!(ledger.matches("Monthly saving").count(), 1, "{ledger}");
    check_ledger(&ledger);
}

#[test]
fn skip_rules_leave_out_the_balance_assertion() {
    let balances = r#"{"balances": [{"balanceAmount": {"amount": "100.00", "currency": "EUR"},
        "balanceType": "closingBooked", "referenceDate": "2024-03-10"}]}"#;
    let with_balance = |d: AccountData| AccountData {
        balances: Some(serde_json::from_str(balances).unwrap()),
        ..d
    };
    let txs = [
        tx("t1", "2024-03-01", "-1.00", "SPAM INC", None, "junk"),
        tx("t2", "2024-03-02", "-2.00", "SHOP", None, "misc"),
    ];
    // A rule that may skip money moved means the ledger cannot match the
    // bank's balance, whether it matched this time or not (it may have
    // skipped earlier ones): the assertion becomes a comment. A rule that
    // skips only zero amounts moves no money.
    for (rules, asserted) in [
        ("", true),
        ("rules: [{ if: { payee: spam }, skip: true }]\n", false),
        ("rules: [{ if: { payee: SPAM }, skip: true }]\n", false),
        (
            "rules: [{ if: { payee: SPAM, amount: 0 }, skip: true }]\n",
            true,
        ),
    ] {
        let mut config = config(rules);
        config.accounts[0].balance = importer::config::BalanceMode::Auto;
        let out = run(
            &config,
            &[with_balance(data("checking-id", &txs))],
            &Categorizer::new(&config),
        );
        let has = out.text.contains(" balance Assets:Bank:Checking");
        assert_eq!(has, asserted, "{rules}\n{}", out.text);
        assert_eq!(
            has,
            !out.text.contains("rules with `skip: true`"),
            "{}",
            out.text
        );
    }
}

#[test]
fn unreviewed_predictions_teach_nothing() {
    let config = config("");
    let history = r#"
2024-01-03 * "TESCO STORES 1" "card payment"
  Assets:Bank:Checking  -10.00 EUR
  ! Expenses:Food:Wrong
2024-01-04 * "TESCO STORES 2" "card payment"
  Assets:Bank:Checking  -10.00 EUR
  ! Expenses:Food:Wrong
2024-01-05 * "SPLIT" "two categories"
  Assets:Bank:Checking  -10.00 EUR
  Expenses:Food:Groceries  5.00 EUR
  Expenses:Household
"#;
    let ledger =
        Ledger::from_source(Path::new("h.bean"), history, &LedgerOptions::default()).unwrap();
    let model = Model::from_ledger(&ledger, &config);
    assert_eq!(model.examples("Assets:Bank:Checking"), 0);
}

#[test]
fn transfers_in_the_ledger_teach_both_accounts() {
    let config = config("");
    let history = r#"
2024-01-03 * "Me" "savings"
  Assets:Bank:Checking  -10.00 EUR
  Assets:Bank:Savings    10.00 EUR
"#;
    let ledger =
        Ledger::from_source(Path::new("h.bean"), history, &LedgerOptions::default()).unwrap();
    let model = Model::from_ledger(&ledger, &config);
    assert_eq!(model.examples("Assets:Bank:Checking"), 1);
    assert_eq!(model.examples("Assets:Bank:Savings"), 1);
}

#[test]
fn an_account_condition_must_name_a_configured_account() {
    let yaml = "accounts:
  - id: checking-id
    name: checking
    account: Assets:Bank:Checking
rules:
  - if: { account: checkin }
    account: Expenses:X
";
    let e = config::from_str(yaml, "test.yaml").unwrap_err().to_string();
    assert!(e.starts_with("test.yaml:6:"), "{e}");
    assert!(
        e.contains("`account: checkin` names no configured account: did you mean `checking`?"),
        "{e}"
    );
    // By Beancount account, and in an account's own rules, it is fine.
    let ok = "accounts:
  - id: checking-id
    account: Assets:Bank:Checking
    rules:
      - if: { account: Assets:Bank:Checking }
        account: Expenses:X
";
    config::from_str(ok, "test.yaml").unwrap();
}

#[test]
fn a_transfer_between_currencies_merges_at_the_bank_rate() {
    let config = config::from_str(
        "accounts:
  - id: checking-id
    account: Assets:Bank:Checking
    currency: EUR
    balance: none
  - id: dollars-id
    account: Assets:Wise:Usd
    currency: USD
    balance: none
",
        "test.yaml",
    )
    .unwrap();
    let own: OwnAccounts = [
        (CHECKING_IBAN, "Assets:Bank:Checking"),
        ("BE71 0961 2345 6769", "Assets:Wise:Usd"),
    ]
    .into_iter()
    .collect();
    let out_eur = r#"{"transactionId": "c-1", "bookingDate": "2024-03-05",
        "transactionAmount": {"amount": "-100.00", "currency": "EUR"},
        "creditorName": "Me", "creditorAccount": {"iban": "BE71096123456769"},
        "remittanceInformationUnstructured": "To dollars",
        "currencyExchange": {"sourceCurrency": "EUR", "targetCurrency": "USD",
            "exchangeRate": "1.08", "instructedAmount": {"amount": "108.00", "currency": "USD"}}}"#;
    let in_usd = r#"{"transactionId": "u-1", "bookingDate": "2024-03-06",
        "transactionAmount": {"amount": "108.00", "currency": "USD"},
        "debtorName": "Me", "remittanceInformationUnstructured": "To dollars"}"#;
    let categorizer = Categorizer::new(&config).with_own_accounts(own);
    let out = run(
        &config,
        &[
            data("checking-id", &[out_eur.to_owned()]),
            data("dollars-id", &[in_usd.to_owned()]),
        ],
        &categorizer,
    );
    let t = transactions(&out);
    assert_eq!(t.len(), 1, "{}", out.text);
    assert_eq!(ids(t[0]), ["c-1", "u-1"]);
    assert!(
        out.text.contains("108.00 USD @@ 100.00 EUR"),
        "{}",
        out.text
    );
}

#[test]
fn hostile_captures_stay_inside_their_strings() {
    let config = config(
        r#"rules:
  - if: { narration: "(?s)^ref (.*)$" }
    payee: "Payee $1"
    narration: "Note: $1"
    metadata: { note: "$1" }
    account: Expenses:Misc
"#,
    );
    let hostile = r#"x\" \n2024-01-01 open Assets:Evil\n  Assets:Evil  1 EUR \\ \u0000 end"#;
    let out = run(
        &config,
        &[data(
            "checking-id",
            &[tx(
                "t1",
                "2024-03-01",
                "-1.00",
                "A",
                None,
                &format!("ref {hostile}"),
            )],
        )],
        &Categorizer::new(&config),
    );
    // No bank text starts a line: no directive, no posting came out of it.
    assert!(
        out.text
            .lines()
            .all(|l| !l.starts_with("2024-01-01") && !l.trim_start().starts_with("Assets:Evil")),
        "{}",
        out.text
    );
    let t = transactions(&out);
    assert!(t[0].payee.as_deref().unwrap().starts_with("Payee x\""));
}
