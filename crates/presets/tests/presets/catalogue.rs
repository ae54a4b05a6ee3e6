//! The catalogue: the shipped presets cover every handler of Actual
//! Budget, and a user's file adds to or replaces them.

use std::collections::HashSet;

use importer::Status;
use presets::{PresetError, Source};

use crate::{builtin, tx};

const QUIRKS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/providers/bank-quirks.json"
);

#[test]
fn one_preset_per_actual_handler_and_every_institution_covered() {
    let text = std::fs::read_to_string(QUIRKS).expect("bank-quirks.json");
    let quirks: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut reached = HashSet::new();
    let mut handlers = 0;
    for h in quirks["handlers"].as_array().expect("handlers") {
        let ids: Vec<&str> = h["institution_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|i| i.as_str().expect("id"))
            .collect();
        // The fallback handler is the importer's ordinary behaviour.
        if ids == ["IntegrationBank"] {
            assert!(builtin().for_institution("IntegrationBank").is_none());
            continue;
        }
        handlers += 1;
        let first = builtin()
            .for_institution(ids[0])
            .unwrap_or_else(|| panic!("no preset for {} ({})", ids[0], h["file"]));
        for id in &ids {
            let p = builtin().for_institution(id).expect("covered");
            assert_eq!(p.name(), first.name(), "{id}: one handler, one preset");
        }
        assert_eq!(first.institutions().len(), ids.len(), "{}", first.name());
        reached.insert(first.name().to_owned());
    }
    assert_eq!(handlers, 44);
    assert_eq!(reached.len(), 44);
    assert_eq!(builtin().iter().count(), 44);
}

#[test]
fn shipped_presets_are_all_embedded_and_well_formed() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/presets");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("presets dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let names: Vec<String> = builtin()
        .iter()
        .map(|p| format!("{}.yaml", p.name()))
        .collect();
    assert_eq!(
        names, files,
        "one file per preset, named after it, all embedded, in order"
    );
    let mut ids = HashSet::new();
    for p in builtin() {
        assert_eq!(p.source(), &Source::Builtin);
        assert!(!p.description().is_empty(), "{}", p.name());
        assert!(!p.institutions().is_empty(), "{}", p.name());
        for id in p.institutions() {
            assert!(ids.insert(id.clone()), "{id} claimed twice");
        }
    }
}

fn write(dir: &tempfile::TempDir, name: &str, yaml: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, yaml).expect("write");
    path
}

#[test]
fn a_user_file_overrides_a_shipped_preset_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "mine.yaml",
        "name: belfius\ndescription: keep the bank's ids\ninstitutions: [BELFIUS_GKCCBEBB]\nsteps:\n  - set: { narration: mine }\n",
    );
    let mut all = builtin().clone();
    all.load_file(&path).unwrap();
    assert_eq!(all.iter().count(), 44, "replaced, not added");
    let p = all.get("belfius").unwrap();
    assert_eq!(p.source(), &Source::File(path.clone()));
    assert_eq!(p.source().to_string(), path.display().to_string());
    assert_eq!(p.description(), "keep the bank's ids");
    assert_eq!(
        all.for_institution("BELFIUS_GKCCBEBB").unwrap().source(),
        p.source()
    );
    let mut t = tx(
        r#"{"transactionId": "dup", "internalTransactionId": "D1",
            "transactionAmount": {"amount": "1", "currency": "EUR"}}"#,
        Status::Booked,
    );
    assert!(p.apply(&mut t).is_kept());
    assert_eq!(t.ids.transaction_id.as_deref(), Some("dup"));
    assert_eq!(t.narration.as_deref(), Some("mine"));
}

#[test]
fn a_user_preset_wins_for_an_institution_and_a_file_may_hold_several() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        &dir,
        "first.yaml",
        "- name: my-commerzbank\n  institutions: COMMERZBANK_COBADEFF\n  steps:\n    - flip_sign: true\n\
         - name: by-name-only\n  balance: { use: closingBooked }\n",
    );
    let second = write(
        &dir,
        "second.yaml",
        "name: later\ninstitutions: [COMMERZBANK_COBADEFF]\nbalance: { use: expected }\n",
    );
    let mut all = builtin().clone();
    all.load_file(&first).unwrap();
    assert_eq!(
        all.for_institution("COMMERZBANK_COBADEFF").unwrap().name(),
        "my-commerzbank"
    );
    assert!(
        all.get("commerzbank").is_some(),
        "the shipped one stays, by name"
    );
    assert!(all.get("by-name-only").unwrap().institutions().is_empty());
    all.load_file(&second).unwrap();
    assert_eq!(
        all.for_institution("COMMERZBANK_COBADEFF").unwrap().name(),
        "later"
    );
    let names: Vec<&str> = all.iter().skip(44).map(|p| p.name()).collect();
    assert_eq!(names, ["my-commerzbank", "by-name-only", "later"]);
}

#[test]
fn a_bad_file_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "bad.yaml",
        "- name: fine\n  balance: { use: expected }\n- name: broken\n  steps:\n    - if: { amount: lots }\n      drop: true\n",
    );
    let mut all = builtin().clone();
    let err = all.load_file(&path).unwrap_err();
    assert!(matches!(err, PresetError::Invalid { line: 5, .. }), "{err}");
    assert!(
        err.to_string().contains("invalid amount condition `lots`"),
        "{err}"
    );
    assert!(all.get("fine").is_none());

    let twice = write(
        &dir,
        "twice.yaml",
        "- name: same\n  balance: { use: expected }\n- name: same\n  balance: { use: closingBooked }\n",
    );
    let err = all.load_file(&twice).unwrap_err().to_string();
    assert!(
        err.ends_with("twice.yaml:3:3: preset `same` is defined twice in this file"),
        "{err}"
    );
    assert!(all.get("same").is_none());

    let missing = dir.path().join("missing.yaml");
    let err = all.load_file(&missing).unwrap_err();
    assert!(matches!(err, PresetError::Read { .. }));
    assert!(
        err.to_string()
            .contains("missing.yaml: cannot read the preset file"),
        "{err}"
    );
}

#[test]
fn presets_can_be_shared_across_threads() {
    // Conversion runs in parallel chunks; they all read one catalogue.
    fn shared<T: Send + Sync>(_: &T) {}
    shared(builtin());
    let p = builtin().get("commerzbank").unwrap();
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            let mut t = tx(
                r#"{"transactionAmount": {"amount": "-1", "currency": "EUR"}, "creditorName": "X",
                    "remittanceInformationUnstructuredArray": ["X", "Kartenzahl", "ung"]}"#,
                Status::Booked,
            );
            assert!(p.apply(&mut t).is_kept());
            t.narration
        });
        assert_eq!(h.join().unwrap().as_deref(), Some("Kartenzahlung"));
    });
}
