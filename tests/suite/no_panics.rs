//! Inputs at the edges of what an option can hold give an answer or a clear error, never a
//! panic: through the library as well as the command line.

use crate::support::fixture;

use assert_cmd::Command;
use gradviz::error::Refusal;
use gradviz::{input, Error};

#[test]
fn snapshot_zero_through_the_library_is_a_usage_error() {
    let mut options = input::Options::default();
    options.snapshot = Some(0);
    let source = input::read(&fixture("neuron.py"), None).unwrap();
    match input::figures(&source, &options) {
        Err(error @ Error::Refused(Refusal::NoSuchSnapshot { asked: 0, .. })) => {
            assert_eq!(error.exit_code(), 2);
            assert!(
                error.to_string().contains("Options::snapshot = 0"),
                "{error}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_largest_fold_depth_folds_nothing() {
    let folded = Command::cargo_bin("gradviz")
        .unwrap()
        .args(["render", "--group", "--fold", &usize::MAX.to_string()])
        .args(["--format", "dot", "-o", "-"])
        .arg(fixture("mlp.py"))
        .assert()
        .success();
    let grouped = Command::cargo_bin("gradviz")
        .unwrap()
        .args(["render", "--group", "--format", "dot", "-o", "-"])
        .arg(fixture("mlp.py"))
        .assert()
        .success();
    assert_eq!(folded.get_output().stdout, grouped.get_output().stdout);
}

#[test]
fn a_precision_past_what_a_float_holds_is_refused() {
    Command::cargo_bin("gradviz")
        .unwrap()
        .args(["render", "--precision", "100000000000", "-o", "-"])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("at most 60 digits"));
}

#[test]
fn the_longest_timeout_never_expires_on_either_engine() {
    for engine in ["dot", "builtin"] {
        Command::cargo_bin("gradviz")
            .unwrap()
            .args(["render", "--snapshot", "2", "--engine", engine, "-o", "-"])
            .args(["--timeout", &u64::MAX.to_string()])
            .arg(fixture("neuron.py"))
            .assert()
            .success()
            .stdout(predicates::str::contains("<svg"));
    }
}
