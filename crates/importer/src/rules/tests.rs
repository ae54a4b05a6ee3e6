use rust_decimal::Decimal;

use super::*;

fn rules(yaml: &str) -> Vec<Rule> {
    serde_norway::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn error(yaml: &str) -> serde_norway::Error {
    match serde_norway::from_str::<Vec<Rule>>(yaml) {
        Ok(r) => panic!("expected an error, got {r:?}"),
        Err(e) => e,
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn subject() -> Subject<'static> {
    Subject {
        payee: Some("TESCO STORES 2345"),
        narration: "Card payment 12/03 TESCO STORES",
        texts: vec!["TESCO STORES 2345", "Card payment 12/03 TESCO STORES"],
        iban: Some("GB33 BUKB 2020 1555 5555 55"),
        amount: dec("-23.40"),
        currency: "GBP",
        account_name: Some("current"),
        account: "Assets:Bank:Current",
        codes: vec!["PMNT-CCRD-POSD", "POS"],
        mcc: Some("5411"),
        raw: None,
    }
}

/// The account the first matching rule sets, with the rules as global.
fn account_of(yaml: &str, s: &Subject<'_>) -> Option<String> {
    let r = rules(yaml);
    first_match(&[], &r, s).and_then(|m| m.account.map(str::to_owned))
}

#[test]
fn payee_condition() {
    let yaml = r#"[{ if: { payee: "(?i)tesco|lidl" }, account: Expenses:Food }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Food")
    );
    let s = Subject {
        payee: Some("Amazon"),
        ..subject()
    };
    assert_eq!(account_of(yaml, &s), None);
    let s = Subject {
        payee: None,
        ..subject()
    };
    assert_eq!(
        account_of(yaml, &s),
        None,
        "no payee never matches a non-empty regex"
    );
}

#[test]
fn narration_condition() {
    let yaml = r#"[{ if: { narration: "^Card payment" }, account: Expenses:Card }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Card")
    );
    let yaml = r#"[{ if: { narration: "^TESCO" }, account: Expenses:Card }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
}

#[test]
fn text_condition_matches_any_bank_text() {
    let s = Subject {
        texts: vec!["ACME LTD", "Salary March"],
        ..subject()
    };
    let yaml = r#"[{ if: { text: "(?i)salary" }, account: Income:Salary }]"#;
    assert_eq!(account_of(yaml, &s).as_deref(), Some("Income:Salary"));
    let yaml = r#"[{ if: { text: "(?i)bonus" }, account: Income:Salary }]"#;
    assert_eq!(account_of(yaml, &s), None);
}

#[test]
fn iban_condition_ignores_spaces_and_case() {
    let yaml = r#"[{ if: { iban: "gb33bukb20201555555555" }, account: Assets:Savings }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Assets:Savings")
    );
    let yaml = r#"[{ if: { iban: "GB33BUKB20201555555556" }, account: Assets:Savings }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
    let s = Subject {
        iban: None,
        ..subject()
    };
    let yaml = r#"[{ if: { iban: "GB33BUKB20201555555555" }, account: Assets:Savings }]"#;
    assert_eq!(account_of(yaml, &s), None);
}

#[test]
fn amount_conditions() {
    let cases = [
        ("< 0", "-23.40", true),
        ("< 0", "0", false),
        ("<= -23.4", "-23.40", true),
        ("> 1000", "1000", false),
        (">1000", "1000.01", true),
        (">= 100", "100.00", true),
        ("10..20", "10", true),
        ("10..20", "20.00", true),
        ("10..20", "20.01", false),
        ("-20..-10", "-15", true),
        ("-23.4", "-23.40", true),
        ("= 5", "5.000", true),
        ("5", "-5", false),
    ];
    for (cond, amount, expected) in cases {
        let c: AmountCondition = cond.parse().unwrap();
        assert_eq!(c.holds(dec(amount)), expected, "{cond} on {amount}");
    }
    // As a YAML number, and in a rule.
    let yaml = r#"[{ if: { amount: -23.4 }, account: Expenses:Exact }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Exact")
    );
    let yaml = r#"[{ if: { amount: "> 0" }, account: Income:Any }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
}

#[test]
fn bad_amount_conditions_are_errors() {
    for bad in ["<", "abc", "20..10", "1..", "=> 5"] {
        assert!(bad.parse::<AmountCondition>().is_err(), "{bad}");
    }
    let e = error("- if: { amount: \"about 5\" }\n  account: Expenses:X\n");
    assert!(
        e.to_string().contains("invalid amount condition `about 5`"),
        "{e}"
    );
    let loc = e.location().unwrap();
    assert_eq!((loc.line(), loc.column()), (1, 17), "{e}");
}

#[test]
fn currency_condition() {
    let yaml = r#"[{ if: { currency: gbp }, account: Expenses:Uk }]"#;
    assert_eq!(account_of(yaml, &subject()).as_deref(), Some("Expenses:Uk"));
    let yaml = r#"[{ if: { currency: EUR }, account: Expenses:Uk }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
}

#[test]
fn account_condition_by_name_or_beancount_account() {
    for which in ["current", "Assets:Bank:Current"] {
        let yaml = format!("[{{ if: {{ account: \"{which}\" }}, account: Expenses:X }}]");
        assert_eq!(account_of(&yaml, &subject()).as_deref(), Some("Expenses:X"));
    }
    let yaml = r#"[{ if: { account: savings }, account: Expenses:X }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
    assert_eq!(rules(yaml)[0].account_condition(), Some("savings"));
}

#[test]
fn code_condition_matches_any_code() {
    let yaml = r#"[{ if: { code: "^PMNT-CCRD" }, account: Expenses:Card }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Card")
    );
    let yaml = r#"[{ if: { code: "^POS$" }, account: Expenses:Card }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Card")
    );
    let yaml = r#"[{ if: { code: "^ATM" }, account: Expenses:Card }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
}

#[test]
fn mcc_condition_accepts_numbers() {
    let yaml = r#"[{ if: { mcc: 5411 }, account: Expenses:Food }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Food")
    );
    let yaml = r#"[{ if: { mcc: "^58" }, account: Expenses:Restaurants }]"#;
    assert_eq!(account_of(yaml, &subject()), None);
    let s = Subject {
        mcc: None,
        ..subject()
    };
    let yaml = r#"[{ if: { mcc: 5411 }, account: Expenses:Food }]"#;
    assert_eq!(account_of(yaml, &s), None);
}

#[test]
fn field_condition_by_dotted_path() {
    let raw = serde_json::json!({
        "currencyExchange": [{"sourceCurrency": "USD", "exchangeRate": "1.08"}],
        "additionalDataStructured": {"cardNumber": "1234"},
    });
    let s = Subject {
        raw: Some(&raw),
        ..subject()
    };
    let yaml = r#"[{ if: { field: { currencyExchange.0.sourceCurrency: "^USD$", additionalDataStructured.cardNumber: "1234" } }, account: Expenses:Travel }]"#;
    let r = rules(yaml);
    assert!(r[0].needs_raw());
    assert_eq!(account_of(yaml, &s).as_deref(), Some("Expenses:Travel"));
    let yaml = r#"[{ if: { field: { currencyExchange.0.sourceCurrency: "^USD$", additionalDataStructured.cardNumber: "9999" } }, account: Expenses:Travel }]"#;
    assert_eq!(account_of(yaml, &s), None, "every path must match");
    let yaml = r#"[{ if: { field: { missing.path: "" } }, account: Expenses:Travel }]"#;
    assert_eq!(account_of(yaml, &s), None, "a missing field never matches");
}

#[test]
fn all_conditions_must_hold() {
    let yaml = r#"[{ if: { payee: "(?i)tesco", amount: "> 0" }, account: Income:Refund },
                  { if: { payee: "(?i)tesco", amount: "< 0" }, account: Expenses:Food }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Food")
    );
}

#[test]
fn first_matching_rule_wins() {
    let yaml = r#"[{ if: { payee: "(?i)tesco" }, account: Expenses:First },
                  { if: { payee: "(?i)tesco" }, account: Expenses:Second }]"#;
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:First")
    );
    let r = rules(yaml);
    let m = first_match(&[], &r, &subject()).unwrap();
    assert_eq!((m.scope, m.index), (Scope::Global, 0));
}

#[test]
fn account_rules_come_before_global_rules() {
    let global = rules(r#"[{ if: { payee: "(?i)tesco" }, account: Expenses:Global }]"#);
    let own = rules(
        r#"[{ if: { payee: "(?i)amazon" }, account: Expenses:Books },
            { if: { payee: "(?i)tesco" }, account: Expenses:Own, name: mine }]"#,
    );
    let m = first_match(&own, &global, &subject()).unwrap();
    assert_eq!(m.account, Some("Expenses:Own"));
    assert_eq!((m.scope, m.index), (Scope::Account, 1));
    assert_eq!(m.label(), "account rule 2 \"mine\"");
    let s = Subject {
        payee: Some("Lidl"),
        ..subject()
    };
    assert!(first_match(&own, &global, &s).is_none());
}

#[test]
fn empty_if_matches_everything() {
    let yaml = "- account: Expenses:Misc\n";
    assert_eq!(
        account_of(yaml, &subject()).as_deref(),
        Some("Expenses:Misc")
    );
}

#[test]
fn actions_are_applied_with_captures() {
    let yaml = r##"
- if: { payee: "(?i)^(tesco|lidl)\\b", narration: "(?P<date>\\d\\d/\\d\\d)" }
  account: Expenses:Food
  payee: "Groceries at $1"
  narration: "Shopping on ${date} ($$ paid)"
  tags: [food, "#weekly"]
  links: receipt-1
  metadata: { store: "${1}", category: groceries }
  flag: "!"
"##;
    let r = rules(yaml);
    let m = first_match(&[], &r, &subject()).unwrap();
    assert_eq!(m.account, Some("Expenses:Food"));
    assert_eq!(m.payee.as_deref(), Some("Groceries at TESCO"));
    assert_eq!(m.narration.as_deref(), Some("Shopping on 12/03 ($ paid)"));
    assert_eq!(m.tags, ["food", "weekly"]);
    assert_eq!(m.links, ["receipt-1"]);
    assert_eq!(
        m.metadata,
        [
            ("store", "TESCO".to_owned()),
            ("category", "groceries".to_owned())
        ]
    );
    assert_eq!(m.flag, Some('!'));
    assert!(!m.skip);
}

#[test]
fn captures_come_from_the_first_condition_with_groups() {
    let yaml = r#"
- if: { amount: "< 0", text: "(?i)invoice (\\d+)", payee: "(\\w+)" }
  narration: "Invoice $1, whole: $0"
"#;
    let r = rules(yaml);
    let m = first_match(
        &[],
        &r,
        &Subject {
            texts: vec!["nothing", "Invoice 4711 paid"],
            ..subject()
        },
    )
    .unwrap();
    assert_eq!(
        m.narration.as_deref(),
        Some("Invoice 4711, whole: Invoice 4711")
    );
    assert_eq!(m.account, None);
}

#[test]
fn skip_action() {
    let yaml = r#"[{ if: { payee: "(?i)tesco" }, skip: true }]"#;
    let r = rules(yaml);
    let m = first_match(&[], &r, &subject()).unwrap();
    assert!(m.skip);
}

#[test]
fn invalid_regex_is_an_error_with_its_position() {
    let yaml = "\
- if: { payee: \"(?i)tesco\" }
  account: Expenses:Food
- if:
    narration: \"unclosed (group\"
  account: Expenses:Other
";
    let e = error(yaml);
    let loc = e.location().expect("a location");
    assert_eq!((loc.line(), loc.column()), (4, 16), "{e}");
    let text = e.to_string();
    assert!(text.contains("invalid regex `unclosed (group`"), "{text}");
    assert!(text.contains("[1].if.narration"), "{text}");
    assert!(text.contains("line 4 column 16"), "{text}");
}

#[test]
fn invalid_regex_in_field_is_an_error() {
    let e = error("- if: { field: { a.b: \"[z-a]\" } }\n  account: Expenses:X\n");
    assert!(e.to_string().contains("invalid regex `[z-a]`"), "{e}");
    assert_eq!(e.location().unwrap().line(), 1);
}

#[test]
fn unknown_condition_suggests_the_nearest() {
    let e = error("- if: { payy: tesco }\n  account: Expenses:X\n");
    let text = e.to_string();
    assert!(
        text.contains("unknown condition `payy`: did you mean `payee`?"),
        "{text}"
    );
    let loc = e.location().unwrap();
    assert_eq!((loc.line(), loc.column()), (1, 9));
    let e = error("- if: { ammount: '< 0' }\n  account: Expenses:X\n");
    assert!(e.to_string().contains("did you mean `amount`?"), "{e}");
    let e = error("- if: { xyzzy: 1 }\n  account: Expenses:X\n");
    assert!(!e.to_string().contains("did you mean"), "{e}");
    assert!(e.to_string().contains("valid: payee, narration"), "{e}");
}

#[test]
fn unknown_action_suggests_the_nearest() {
    let e = error("- if: { payee: tesco }\n  acount: Expenses:X\n");
    let text = e.to_string();
    assert!(
        text.contains("unknown rule key `acount`: did you mean `account`?"),
        "{text}"
    );
    assert_eq!(e.location().unwrap().line(), 2);
    let e = error("- if: { payee: tesco }\n  tag: [x]\n");
    assert!(e.to_string().contains("did you mean `tags`?"), "{e}");
}

#[test]
fn invalid_actions_are_errors() {
    let cases = [
        ("account: Food", "invalid account name"),
        ("account: expenses:food", "invalid account name"),
        ("tags: [\"a b\"]", "invalid tag"),
        ("metadata: { Store: x }", "invalid metadata key"),
        ("flag: X", "not a Beancount flag"),
        ("payee: \"$2\"", "has only 0 capture group(s)"),
        (
            "payee: \"${shop}\"",
            "no condition of the rule has a capture group named `shop`",
        ),
        ("payee: \"cost $\"", "must be followed by a group number"),
        ("name: x", "this rule does nothing"),
    ];
    for (action, message) in cases {
        let yaml = format!("- if: {{ payee: tesco }}\n  {action}\n");
        let e = error(&yaml);
        assert!(e.to_string().contains(message), "{action}: {e}");
        assert!(e.location().is_some(), "{action}: {e}");
    }
    let e = error("- if: { amount: '< 0' }\n  payee: \"$1\"\n");
    assert!(e.to_string().contains("no regex condition"), "{e}");
}

#[test]
fn duplicate_keys_are_errors() {
    let e = error("- if: { payee: a, payee: b }\n  account: Expenses:X\n");
    assert!(
        e.to_string().contains("given twice") || e.to_string().contains("duplicate"),
        "{e}"
    );
}

#[test]
fn unmatched_optional_group_expands_to_nothing() {
    let yaml = r#"[{ if: { payee: "(?i)tesco( express)?" }, payee: "Tesco$1" }]"#;
    let r = rules(yaml);
    let m = first_match(&[], &r, &subject()).unwrap();
    assert_eq!(m.payee.as_deref(), Some("Tesco"));
}

mod never_panics {
    use proptest::prelude::*;

    use super::super::template::Template;
    use super::super::{AmountCondition, Rule};

    proptest! {
        #[test]
        fn amount_conditions(s in "\\PC{0,20}") {
            let _ = s.parse::<AmountCondition>();
        }

        #[test]
        fn templates(s in "[a-z${}0-9 ]{0,20}") {
            let re = regex::Regex::new("(a)(?P<n>b)?").unwrap();
            if let Ok(t) = Template::parse(&s, &[(0, &re)]) {
                let _ = t.expand(&[Some(vec![Some("ab".into()), None])]);
            }
        }

        #[test]
        fn rules_from_any_yaml_map(
            key in "payee|narration|text|iban|amount|currency|account|code|mcc|[a-z]{1,8}",
            value in "\\PC{0,12}",
        ) {
            let yaml = format!("- if: {{ {key}: {value:?} }}\n  account: Expenses:X\n");
            let _ = serde_norway::from_str::<Vec<Rule>>(&yaml);
        }
    }
}
