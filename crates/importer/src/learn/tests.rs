use rust_decimal::Decimal;

use super::*;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn ex<'a>(
    counter: &'a str,
    payee: Option<&'a str>,
    narration: &'a str,
    amount: &str,
) -> Example<'a> {
    Example {
        account: "Assets:Bank",
        counter,
        payee,
        narration,
        amount: dec(amount),
    }
}

#[test]
fn exact_payee_needs_two_sightings_for_the_default_threshold() {
    let once = Model::train([ex("Expenses:Food", Some("TESCO STORES 1"), "", "-5")], &[]);
    let p = once
        .predict("Assets:Bank", Some("Tesco Stores 2"), "", dec("-3"))
        .unwrap();
    assert_eq!((p.account, p.method), ("Expenses:Food", Method::Payee));
    assert!((p.confidence - 2.0 / 3.0).abs() < 1e-9, "{p:?}");
    assert!(
        once.suggest("Assets:Bank", Some("Tesco Stores 2"), "", dec("-3"), 0.8)
            .is_none()
    );

    let twice = Model::train(
        [
            ex("Expenses:Food", Some("TESCO STORES 1"), "", "-5"),
            ex("Expenses:Food", Some("TESCO STORES 7"), "", "-9"),
        ],
        &[],
    );
    let p = twice
        .suggest("Assets:Bank", Some("TESCO STORES"), "", dec("-3"), 0.8)
        .unwrap();
    assert_eq!(p.account, "Expenses:Food");
    assert!((p.confidence - 0.8).abs() < 1e-9);
}

#[test]
fn disagreeing_history_lowers_confidence() {
    let model = Model::train(
        [
            ex("Expenses:Books", Some("AMAZON"), "", "-5"),
            ex("Expenses:Books", Some("AMAZON"), "", "-5"),
            ex("Expenses:Home", Some("AMAZON"), "", "-5"),
        ],
        &[],
    );
    let p = model
        .predict("Assets:Bank", Some("amazon"), "", dec("-1"))
        .unwrap();
    assert_eq!(p.account, "Expenses:Books");
    assert!(p.confidence < 0.8, "{p:?}");
}

#[test]
fn words_predict_when_the_payee_is_new_or_missing() {
    let mut examples = Vec::new();
    for i in 0..5 {
        let _ = i;
        examples.push(ex(
            "Expenses:Transport",
            Some("UBER TRIP"),
            "CARD PAYMENT UBER TRIP",
            "-12",
        ));
        examples.push(ex(
            "Expenses:Food",
            Some("TESCO STORES"),
            "CARD PAYMENT TESCO",
            "-30",
        ));
        examples.push(ex(
            "Income:Salary",
            Some("ACME LTD"),
            "SALARY MARCH",
            "2000",
        ));
    }
    let model = Model::train(examples, &[]);
    let p = model
        .predict(
            "Assets:Bank",
            None,
            "CONTACTLESS UBER *TRIP HELP.UBER.COM",
            dec("-8"),
        )
        .unwrap();
    assert_eq!((p.account, p.method), ("Expenses:Transport", Method::Words));
    assert!(p.confidence > 0.8, "{p:?}");
    let p = model
        .predict(
            "Assets:Bank",
            Some("NEW EMPLOYER"),
            "SALARY APRIL",
            dec("2100"),
        )
        .unwrap();
    assert_eq!(p.account, "Income:Salary");
    // Nothing known about the words: no prediction.
    assert!(
        model
            .predict("Assets:Bank", Some("ZZZ"), "QQQ", dec("-1"))
            .map(|p| p.method == Method::Words && p.confidence < 0.8)
            .unwrap_or(true)
    );
}

#[test]
fn generic_words_alone_are_not_enough() {
    let mut examples = Vec::new();
    for cat in ["Expenses:A", "Expenses:B", "Expenses:C", "Expenses:D"] {
        for _ in 0..5 {
            examples.push(ex(cat, None, "CARD PAYMENT", "-10"));
        }
    }
    let model = Model::train(examples, &[]);
    let p = model
        .predict("Assets:Bank", None, "CARD PAYMENT", dec("-10"))
        .unwrap();
    assert!(p.confidence < 0.5, "{p:?}");
}

#[test]
fn models_are_per_configured_account() {
    let model = Model::train([ex("Expenses:Food", Some("TESCO"), "", "-5")], &[]);
    assert_eq!(model.examples("Assets:Bank"), 1);
    assert!(
        model
            .predict("Liabilities:Card", Some("TESCO"), "", dec("-5"))
            .is_none()
    );
}

#[test]
fn fallback_accounts_teach_nothing() {
    let model = Model::train(
        [
            ex("Expenses:Uncategorized", Some("TESCO"), "", "-5"),
            ex("Expenses:Uncategorized", Some("TESCO"), "", "-5"),
        ],
        &["Expenses:Uncategorized"],
    );
    assert_eq!(model.examples("Assets:Bank"), 0);
    assert!(
        model
            .predict("Assets:Bank", Some("TESCO"), "", dec("-5"))
            .is_none()
    );
}

#[test]
fn learn_config_from_yaml() {
    let c: LearnConfig = serde_norway::from_str("{ min_confidence: 0.9, mark: false }").unwrap();
    assert_eq!(
        c,
        LearnConfig {
            enabled: true,
            min_confidence: 0.9,
            mark: false
        }
    );
    let c: LearnConfig = serde_norway::from_str("false").unwrap();
    assert!(!c.enabled);
    let c: LearnConfig = serde_norway::from_str("{}").unwrap();
    assert_eq!(c, LearnConfig::default());
    let e = serde_norway::from_str::<LearnConfig>("mark: true\nmin_confidence: 1.5\n").unwrap_err();
    assert!(e.to_string().contains("from 0 to 1"), "{e}");
    assert_eq!(e.location().unwrap().line(), 2);
    let e = serde_norway::from_str::<LearnConfig>("min_confidense: 0.5\n").unwrap_err();
    assert!(
        e.to_string().contains("did you mean `min_confidence`?"),
        "{e}"
    );
}
