//! Helpers for tests that run CPython with micrograd: the harness that runs scripts with the
//! real micrograd and dumps what `draw_dot` would draw (the interpreter: `python.rs`).

use std::io::Write;
use std::process::{Command, Stdio};

use super::python::python;

/// The order micrograd's `backward()` visits nodes in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backward {
    /// micrograd's own: a DFS over Python sets, whose order follows object addresses.
    Micrograd,
    /// Reverse creation order, as gradviz sweeps its tape.
    CreationOrder,
}

/// Runs each script with micrograd (plus the lecture's `tanh`/`exp` and gradviz's
/// `log`/`sigmoid` formulas, gradviz's labels on `nn` parameters, and a recording
/// `draw_dot`), returning one JSON result per script: `{"snapshots": [...]}` or
/// `{"error": "..."}`.
pub fn run_with_micrograd(scripts: &[String], backward: Backward) -> Vec<serde_json::Value> {
    let harness = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/suite/support/micrograd_harness.py"
    );
    let mut command = Command::new(python());
    command.arg(harness);
    if backward == Backward::CreationOrder {
        command.arg("--creation-order");
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
    let input = serde_json::to_vec(scripts).expect("scripts serialize");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("python runs");
    writer
        .join()
        .expect("writer thread")
        .expect("python reads its input");
    assert!(
        output.status.success(),
        "the micrograd harness failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the harness prints JSON")
}
