//! The learner measured on a synthetic history.

use test_support::synthetic::{self, evaluate};

#[test]
fn precision_on_held_back_synthetic_history() {
    let history = synthetic::history(7, 20_000);
    let e = evaluate(&history, 0.2, 0.8);
    assert_eq!(e.total, 4000);
    // About 9% of the synthetic history cannot be predicted (misfiled or
    // marketplace purchases); the model must stay precise and still cover
    // most of the rest.
    assert!(e.precision() > 0.95, "{e:?}");
    assert!(e.coverage() > 0.6, "{e:?}");
    // A higher threshold trades coverage for precision.
    let strict = evaluate(&history, 0.2, 0.95);
    assert!(strict.coverage() < e.coverage());
    let loose = evaluate(&history, 0.2, 0.0);
    eprintln!("{e:?} {strict:?} {loose:?}");
    assert!(loose.coverage() > 0.98, "{loose:?}");
    assert!(loose.precision() < e.precision());
}

#[test]
fn synthetic_history_is_deterministic_and_reads_as_beancount() {
    let a = synthetic::history(3, 200);
    assert_eq!(a, synthetic::history(3, 200));
    assert_ne!(a, synthetic::history(4, 200));
    let text = synthetic::to_beancount(&a);
    assert!(text.contains("2020-01-01 open Assets:Bank:Current"));
    assert_eq!(text.matches(" * ").count(), 200);
}
