//! The benchmark workloads, by issue: the engine (issue 2), scripts (3), figures (4) and
//! the JSON interchange (6), real Python (10). Input and output files go to Cargo's temporary directory for
//! benchmarks (`target/tmp`); whole-process workloads run the release `gradviz` binary
//! that `cargo bench` builds.

pub mod engine;
pub mod figure;
pub mod json;
pub mod python;
pub mod script;

use std::path::{Path, PathBuf};

use crate::common::Workload;

/// Every workload, in table order.
pub fn all() -> Vec<Workload> {
    let mut list = engine::workloads();
    list.extend(script::workloads());
    list.extend(figure::workloads());
    list.extend(json::workloads());
    list.extend(python::workloads());
    list
}

/// A file in the benchmarks' data directory, which is created if missing.
pub fn data_file(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&dir).expect("cannot create the benchmark data directory");
    dir.join(name)
}

/// The `gradviz` binary of this build (the release profile under `cargo bench`).
pub fn gradviz_binary() -> &'static str {
    env!("CARGO_BIN_EXE_gradviz")
}

/// The record nodes (values) in a DOT file: one `shape=record` per value, on both sides.
pub fn records_in_dot(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("cannot read the DOT output");
    text.matches("shape=record").count()
}
