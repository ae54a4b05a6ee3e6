//! The preset language: every step kind, every condition, failures that
//! become warnings, and load errors with their position.

use importer::{BankTransaction, Status};
use presets::{Applied, Preset, PresetError, Presets};

use crate::tx;

/// Loads `yaml` from a real file, as a user's preset file is loaded.
fn load(yaml: &str) -> Result<Presets, PresetError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("user.yaml");
    std::fs::write(&path, yaml).expect("write");
    let mut p = crate::builtin().clone();
    p.load_file(&path).map(|()| p)
}

/// The one preset `t` of `yaml`.
fn preset(yaml: &str) -> Preset {
    let all = load(yaml).unwrap_or_else(|e| panic!("{e}"));
    all.get("t").expect("preset t").clone()
}

/// The error `yaml` gives, with the temp file's path cut to `user.yaml`.
fn error(yaml: &str) -> String {
    let e = load(yaml).expect_err("an invalid preset");
    let s = e.to_string();
    match s.find("user.yaml") {
        Some(i) => s[i..].to_owned(),
        None => s,
    }
}

const CARD: &str = r#"{"transactionId": "T-1", "internalTransactionId": "I-1",
    "bookingDate": "2024-03-04", "valueDate": "2024-03-02",
    "transactionAmount": {"amount": "-12.50", "currency": "EUR"},
    "debtorName": "ME", "debtorAccount": {"iban": "DE00 1111"},
    "creditorAccount": {"iban": "de89 3704 0044 0532 0130 00"},
    "remittanceInformationUnstructured": "CARTE 02/03 SHOP NAME PARIS",
    "remittanceInformationUnstructuredArray": ["first line", "CARTE 02/03 SHOP", "last line"],
    "remittanceInformationStructured": "REF 42",
    "additionalInformation": "extra",
    "proprietaryBankTransactionCode": "crd",
    "merchantCategoryCode": "5411",
    "extra": {"card": {"last4": "1234"}}}"#;

fn card() -> BankTransaction {
    tx(CARD, Status::Booked)
}

fn run(p: &Preset, t: &mut BankTransaction) {
    let applied = p.apply(t);
    assert_eq!(applied, Applied::Kept, "{:?}", applied.warning());
}

mod steps {
    use super::*;

    #[test]
    fn set_reads_fields_captures_and_json() {
        let p = preset(
            r#"
name: t
steps:
  - if: { remittance: '^CARTE (?P<day>\d\d)/(\d\d) (.+)$' }
    set:
      payee: "$3"
      narration: "{{${day}.$2}} {json:extra.card.last4} {remittance_structured|additional_information} {ultimate_debtor|creditor_name?}$$"
      additional_information: ["{creditor_name}", "{ultimate_creditor}", "fallback"]
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.payee.as_deref(), Some("SHOP NAME PARIS"));
        assert_eq!(t.narration.as_deref(), Some("{02.03} 1234 REF 42 $"));
        assert_eq!(t.additional_information.as_deref(), Some("fallback"));
    }

    #[test]
    fn a_missing_value_leaves_the_field_alone() {
        let p = preset(
            r#"
name: t
steps:
  - set:
      payee: "{creditor_name}"
      narration: "{ultimate_debtor} text"
      creditor_name: "{json:nowhere.at.all}"
"#,
        );
        let mut t = card();
        let before = t.clone();
        run(&p, &mut t);
        assert_eq!(t, before);
    }

    #[test]
    fn set_reads_every_value_before_writing() {
        let p = preset(
            r#"
name: t
steps:
  - set:
      creditor_name: "{debtor_name}"
      debtor_name: "{creditor_name|remittance_structured}"
      remittance_array: "{remittance_array}"
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.creditor_name.as_deref(), Some("ME"));
        assert_eq!(t.debtor_name.as_deref(), Some("REF 42"));
        assert_eq!(
            t.remittance_array,
            ["first line CARTE 02/03 SHOP last line"]
        );
    }

    #[test]
    fn set_amount_currency_and_ids() {
        let p = preset(
            r#"
name: t
steps:
  - set: { amount: "-1234,5", currency: "sek", transaction_id: "{internal_transaction_id}" }
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.amount.to_string(), "-1234.5");
        assert_eq!(t.currency, "SEK");
        assert_eq!(t.ids.transaction_id.as_deref(), Some("I-1"));
    }

    #[test]
    fn append_adds_lines() {
        let p = preset(
            r#"
name: t
steps:
  - if: { additional_information: '(.+)' }
    append: { remittance_array: "more: $1", remittance_structured_array: "{remittance_structured}" }
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(
            t.remittance_array.last().map(String::as_str),
            Some("more: extra")
        );
        assert_eq!(t.remittance_structured_array, ["REF 42"]);
    }

    #[test]
    fn clear_empties_bank_fields() {
        let p = preset(
            r#"
name: t
steps:
  - clear: [transaction_id, remittance_array, mcc]
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.ids.transaction_id, None);
        assert!(t.remittance_array.is_empty());
        assert_eq!(t.mcc, None);
        assert_eq!(t.ids.internal_transaction_id.as_deref(), Some("I-1"));
    }

    #[test]
    fn replace_edits_text_lines_and_the_payee() {
        let p = preset(
            r#"
name: t
steps:
  - in: [remittance, remittance_array]
    replace:
      '^CARTE (\d\d)/(\d\d) ': 'Card ${2}-${1}: '
      '(?i)line': ''
      'PARIS$': 'Paris'
  - in: payee
    replace: { 'ME': 'Myself' }
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.remittance.as_deref(), Some("Card 03-02: SHOP NAME Paris"));
        // "first line" became "first" (trimmed); a line that becomes empty goes.
        assert_eq!(t.remittance_array, ["first", "Card 03-02: SHOP", "last"]);
        // Money out without a creditor: no payee to edit.
        assert_eq!(t.payee, None);

        let mut incoming = tx(
            r#"{"transactionAmount": {"amount": "5", "currency": "EUR"}, "debtorName": "ME",
                "remittanceInformationUnstructuredArray": ["line"]}"#,
            Status::Booked,
        );
        run(&p, &mut incoming);
        assert_eq!(incoming.payee.as_deref(), Some("Myself"));
        assert!(incoming.remittance_array.is_empty());
    }

    #[test]
    fn remove_cuts_a_name_written_with_slashes() {
        let p = preset(
            r#"
name: t
steps:
  - set: { creditor_name: "Shop Name (Paris" }
  - in: [remittance, remittance_array]
    remove: "{creditor_name}"
"#,
        );
        let mut t = tx(
            r#"{"transactionAmount": {"amount": "-1", "currency": "EUR"},
                "remittanceInformationUnstructured": "SHOP//NAME/(PARIS 2024-01-01",
                "remittanceInformationUnstructuredArray": ["shop name (paris"]}"#,
            Status::Booked,
        );
        run(&p, &mut t);
        assert_eq!(t.remittance.as_deref(), Some("2024-01-01"));
        assert!(t.remittance_array.is_empty());
    }

    #[test]
    fn unescape_turns_escapes_into_characters() {
        let p = preset(
            r#"
name: t
steps:
  - in: remittance
    unescape: true
"#,
        );
        let mut t = tx(
            r#"{"transactionAmount": {"amount": "-1", "currency": "EUR"},
                "remittanceInformationUnstructured": "caff\\U00E8 \\UD83C\\UDF55 C:\\Users"}"#,
            Status::Booked,
        );
        run(&p, &mut t);
        assert_eq!(t.remittance.as_deref(), Some("caffè 🍕 C:\\Users"));
    }

    #[test]
    fn flip_sign_only_where_the_condition_holds() {
        let p = preset(
            r#"
name: t
steps:
  - if: { status: pending, amount: "> 0" }
    flip_sign: true
"#,
        );
        let json = r#"{"transactionAmount": {"amount": "7.5", "currency": "EUR"}}"#;
        let mut pending = tx(json, Status::Pending);
        let mut booked = tx(json, Status::Booked);
        run(&p, &mut pending);
        run(&p, &mut booked);
        assert_eq!(pending.amount.to_string(), "-7.5");
        assert_eq!(booked.amount.to_string(), "7.5");
    }

    #[test]
    fn date_from_fields_or_text() {
        let p = preset(
            r#"
name: t
steps:
  - date: [value_date_time, value_date, booking_date]
  - if: { remittance: 'on (\d\d\.\d\d\.\d{4})' }
    date: { from: "$1", format: "%d.%m.%Y" }
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(
            t.booking_date.map(|d| d.to_string()).as_deref(),
            Some("2024-03-02")
        );
        assert_eq!(
            t.value_date.map(|d| d.to_string()).as_deref(),
            Some("2024-03-02")
        );

        let mut t = tx(
            r#"{"bookingDate": "2024-03-09", "transactionAmount": {"amount": "-1", "currency": "EUR"},
                "remittanceInformationUnstructured": "paid on 07.03.2024"}"#,
            Status::Booked,
        );
        run(&p, &mut t);
        assert_eq!(
            t.booking_date.map(|d| d.to_string()).as_deref(),
            Some("2024-03-07")
        );
    }

    #[test]
    fn drop_stop_and_unless() {
        let p = preset(
            r#"
name: t
steps:
  - if: { remittance: '^SKIP' }
    drop: true
  - name: first wins
    if: { remittance: 'A' }
    unless: { remittance: 'NOT' }
    set: { payee: "first" }
    stop: true
  - set: { payee: "second", narration: "reached" }
"#,
        );
        let rec = |text: &str| {
            tx(
                &format!(
                    r#"{{"transactionAmount": {{"amount": "-1", "currency": "EUR"}},
                        "remittanceInformationUnstructured": "{text}"}}"#
                ),
                Status::Booked,
            )
        };
        assert_eq!(p.apply(&mut rec("SKIP me")), Applied::Dropped);
        let mut a = rec("A");
        run(&p, &mut a);
        assert_eq!(
            (a.payee.as_deref(), a.narration.as_deref()),
            (Some("first"), None)
        );
        let mut not = rec("A NOT");
        run(&p, &mut not);
        assert_eq!(not.payee.as_deref(), Some("second"));
        assert_eq!(not.narration.as_deref(), Some("reached"));
    }

    #[test]
    fn stop_only_after_a_step_that_did_something() {
        let p = preset(
            r#"
name: t
steps:
  - date: value_date
    stop: true
  - set: { narration: "reached" }
"#,
        );
        let mut no_value_date = tx(
            r#"{"bookingDate": "2024-01-02", "transactionAmount": {"amount": "-1", "currency": "EUR"}}"#,
            Status::Booked,
        );
        run(&p, &mut no_value_date);
        assert_eq!(no_value_date.narration.as_deref(), Some("reached"));
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.narration, None);
    }

    #[test]
    fn other_lines_and_join_with() {
        let p = preset(
            r#"
name: t
steps:
  - if: { remittance_array: '^CARTE \d\d/\d\d (.+)$' }
    set: { payee: "$1", narration: "{other_lines}" }
    join_with: " / "
"#,
        );
        let mut t = card();
        run(&p, &mut t);
        assert_eq!(t.payee.as_deref(), Some("SHOP"));
        assert_eq!(t.narration.as_deref(), Some("first line / last line"));
    }
}

mod conditions {
    use super::*;

    /// Whether the condition map `cond` holds for the card transaction.
    fn holds(cond: &str) -> bool {
        let p = preset(&format!(
            "name: t\nsteps:\n  - if: {cond}\n    set: {{ narration: hit }}\n"
        ));
        let mut t = card();
        run(&p, &mut t);
        t.narration.as_deref() == Some("hit")
    }

    #[test]
    fn each_condition() {
        for (cond, want) in [
            ("{ payee: '^$' }", true), // money out, no creditor: the empty payee
            ("{ narration: 'SHOP NAME' }", true),
            ("{ text: '^extra$' }", true),
            ("{ text: 'nowhere' }", false),
            ("{ iban: 'DE89370400440532013000' }", true),
            ("{ iban: 'DE00 1111' }", false),
            ("{ amount: '< 0' }", true),
            ("{ amount: '-20..-13' }", false),
            ("{ currency: eur }", true),
            ("{ code: '^crd$' }", true),
            ("{ mcc: 5411 }", true),
            ("{ field: { extra.card.last4: '^1234$' } }", true),
            ("{ field: { extra.card.missing: '.*' } }", false),
            ("{ status: booked }", true),
            ("{ status: pending }", false),
            ("{ missing: [creditor_name, ultimate_debtor] }", true),
            ("{ missing: debtor_name }", false),
            ("{ present: [debtor_name, transaction_id] }", true),
            ("{ present: creditor_name }", false),
            ("{ remittance_array: '^last' }", true),
            ("{ remittance_structured: '^REF \\d+$' }", true),
            ("{ internal_transaction_id: '^I-' }", true),
            ("{ creditor_iban: 'DE89' }", false), // as sent: lower case, spaces
            ("{ amount: '< 0', status: pending }", false),
        ] {
            assert_eq!(holds(cond), want, "{cond}");
        }
    }
}

mod failures {
    use super::*;

    #[test]
    fn a_failing_step_leaves_the_record_as_it_was() {
        let p = preset(
            r#"
name: t
steps:
  - set: { payee: "changed first" }
  - flip_sign: true
  - name: date from the text
    if: { remittance: '(\d\d)/(\d\d)' }
    date: { from: "$1.$2.2024", format: "%d.%m.%Y" }
"#,
        );
        let mut t = tx(
            r#"{"transactionId": "X-9", "transactionAmount": {"amount": "-3", "currency": "EUR"},
                "remittanceInformationUnstructured": "CARTE 31/02"}"#,
            Status::Booked,
        );
        let before = t.clone();
        let applied = p.apply(&mut t);
        assert_eq!(t, before, "restored");
        assert!(applied.is_kept());
        let w = applied.warning().expect("a warning");
        assert_eq!((w.preset.as_str(), w.step), ("t", 3));
        assert_eq!(w.step_name.as_deref(), Some("date from the text"));
        assert_eq!(w.record, "`X-9`");
        let text = w.to_string();
        assert!(
            text.starts_with("preset `t` step 3 (date from the text), transaction `X-9`: cannot read `31.02.2024` as a date"),
            "{text}"
        );

        // The next record goes through normally.
        let mut ok = tx(
            r#"{"transactionAmount": {"amount": "-3", "currency": "EUR"},
                "remittanceInformationUnstructured": "CARTE 28/02"}"#,
            Status::Booked,
        );
        run(&p, &mut ok);
        assert_eq!(ok.payee.as_deref(), Some("changed first"));
        assert_eq!(ok.amount.to_string(), "3");
    }

    #[test]
    fn every_kind_of_failure_is_a_warning() {
        for (step, want) in [
            ("set: { amount: '{remittance}' }", "is not an amount"),
            (
                "set: { currency: 'not a currency' }",
                "cannot set `currency`",
            ),
            ("in: remittance\n    unescape: true", "half of a character"),
            (
                "date: { from: '{remittance}', format: '%Y-%m-%d' }",
                "as a date",
            ),
        ] {
            let p = preset(&format!("name: t\nsteps:\n  - {step}\n"));
            let mut t = tx(
                r#"{"bookingDate": "2024-01-05", "transactionAmount": {"amount": "-3", "currency": "EUR"},
                    "remittanceInformationUnstructured": "x \\UD800 y"}"#,
                Status::Booked,
            );
            let before = t.clone();
            let applied = p.apply(&mut t);
            assert_eq!(t, before, "{step}");
            let w = applied
                .warning()
                .unwrap_or_else(|| panic!("{step}: no warning"));
            assert!(w.message.contains(want), "{step}: {}", w.message);
            // No id: the record is named by date, amount and currency.
            assert_eq!(w.record, "of 2024-01-05 for -3 EUR");
        }
    }
}

mod load_errors {
    use super::*;

    #[test]
    fn errors_point_at_the_line_and_column() {
        for (yaml, want) in [
            (
                "name: t\nsteps:\n  - if: { remittance: '(unclosed' }\n    set: { payee: x }\n",
                "user.yaml:3:23: steps[0].if.remittance: invalid regex `(unclosed`",
            ),
            (
                "name: t\nsteps:\n  - sett: { payee: x }\n",
                "user.yaml:3:5: steps[0]: unknown step key `sett`: did you mean `set`?",
            ),
            (
                "name: t\nsteps:\n  - if: { remitance: x }\n    set: { payee: x }\n",
                "user.yaml:3:11: steps[0].if: unknown condition `remitance`: did you mean `remittance`?",
            ),
            (
                "name: t\nsteps:\n  - set: { payee: '{creditor}' }\n",
                "user.yaml:3:19: steps[0].set.payee: in `{creditor}`: unknown field `creditor`: did you mean `creditor_name`?",
            ),
            (
                "name: t\nsteps:\n  - set: { payee: x }\n    clear: mcc\n",
                "user.yaml:3:5: steps[0]: a step does one thing: `set` and `clear` are two actions",
            ),
            (
                "name: t\nsteps:\n  - date: { from: x, format: '%Q' }\n",
                "user.yaml:3:30: steps[0].date.format: invalid date format `%Q`",
            ),
            (
                "name: t\nsteps:\n  - in: remittance\n    replace: { '(a)': '$2' }\n",
                "user.yaml:4:23: steps[0].replace.(a): the replacement `$2` uses `$2`, which `(a)` does not capture",
            ),
            (
                "name: t\nsteps:\n  - clear: payee\n",
                "user.yaml:3:12: steps[0].clear: `clear: payee`: only bank fields can be cleared",
            ),
            (
                "name: t\nsteps:\n  - drop: false\n",
                "user.yaml:3:11: steps[0].drop: `false` does nothing here",
            ),
            (
                "name: None\nsteps: []\n",
                "user.yaml:1:7: name: invalid preset name `None`",
            ),
            (
                "name: none\nbalance: { use: closingBooked }\n",
                "user.yaml:1:7: name: `none` is reserved",
            ),
            (
                "name: t\nbalance: { use: [closingbooked, interimBoked] }\n",
                "user.yaml:2:33: balance.use[1]: unknown balance type `interimBoked`: did you mean `interimBooked`?",
            ),
            (
                "name: t\nbalance: { use: expected, plus: [any] }\n",
                "`plus: any`: only balance types the bank reports can be added",
            ),
            ("name: t\nsteps:\n  - set: { payee: x\n", "user.yaml:4:1: "),
        ] {
            let got = error(yaml);
            assert!(
                got.starts_with(want) || got.contains(want),
                "{yaml}\n got: {got}\nwant: {want}"
            );
        }
    }

    #[test]
    fn step_level_mistakes_name_the_step() {
        for (yaml, want) in [
            (
                "name: t\nsteps:\n  - if: { remittance: '(a)' }\n    set: { payee: '$2' }\n",
                "`$2` in `$2`, but `(a)` has 1 capture group(s)",
            ),
            (
                "name: t\nsteps:\n  - set: { payee: '${shop}' }\n",
                "no regex of the step's `if:` has a group `(?P<shop>…)`",
            ),
            (
                "name: t\nsteps:\n  - set: { payee: '{other_lines}' }\n",
                "`{other_lines}` in `{other_lines}` needs an `if:` on `remittance_array`",
            ),
            ("name: t\nsteps:\n  - name: x\n", "this step does nothing"),
            (
                "name: t\nsteps:\n  - replace: { a: b }\n",
                "`replace:` needs `in:` naming the field(s) to change",
            ),
            (
                "name: t\n",
                "preset `t` does nothing: give `steps:` or `balance:`",
            ),
            ("steps: []\n", "a preset needs a `name:`"),
        ] {
            let got = error(yaml);
            assert!(got.starts_with("user.yaml:"), "{got}");
            assert!(got.contains(want), "{yaml}\n got: {got}\nwant: {want}");
        }
    }
}
