//! JSON interchange workloads (issue 6): a 1,000,000-node graph written, read and checked.
//!
//! The graphs: `chain` is 1,000,000 nodes in one line (`x`
//! then alternating `tanh` and `exp`), the deepest graph there is; `wide` is 500,000 leaves
//! summed pairwise by a balanced tree of 499,999 `+` nodes under one root. Both are built
//! and run backward in the engine before the timed phases:
//!
//! - write: export (`to_petgraph`) and `json::write`, then the file written;
//! - read: the file read and `json::read` (parse and validate);
//! - check: `check::check` with the default tolerance (the graph must check clean).
//!
//! The heap peak covers the three phases. `json … check process` is the whole `gradviz
//! check FILE.json` process on the same file, which its setup writes. Target: read+check in a few
//! seconds, taken as 3 s. No peer: micrograd has no JSON format.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gradviz::check::{check, Tolerance};
use gradviz::engine::{Graph, Value};
use gradviz::graph::sinks;
use gradviz::graph::to_petgraph;
use gradviz::input::json::{read, write};

use crate::common::{alloc, run_process, Phases, Run, Target, Workload};
use crate::workloads::{data_file, gradviz_binary};

const NODES: usize = 1_000_000;
const LOAD_AND_CHECK_TARGET: Duration = Duration::from_secs(3);

fn chain(g: &Graph) -> Value<'_> {
    let mut v = g.leaf(0.5).with_label("x");
    for i in 1..NODES {
        v = if i % 2 == 0 { v.exp() } else { v.tanh() };
    }
    v
}

fn wide(g: &Graph) -> Value<'_> {
    let mut level: Vec<Value<'_>> = (0..NODES / 2)
        .map(|i| g.leaf(i as f64 * 1e-6).with_label(&format!("x{i}")))
        .collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => *a + *b,
                [a] => *a,
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect();
    }
    level[0]
}

type Shape = for<'g> fn(&'g Graph) -> Value<'g>;

fn write_read_check(shape: Shape, file: &Path) -> Run {
    let g = Graph::with_capacity(NODES);
    let root = shape(&g);
    root.backward();
    let mut phases = Phases::default();
    let (values, heap_peak_bytes) = alloc::heap_peak_of(|| {
        phases.time("write", || {
            let exported = to_petgraph(&g, &[root.id()]);
            let text = write(&exported, &sinks(&exported));
            std::fs::write(file, text).expect("cannot write the JSON graph");
        });
        let document = phases.time("read", || {
            let text = std::fs::read_to_string(file).expect("cannot read the JSON graph");
            read(&text, &file.display().to_string()).expect("the JSON graph is valid")
        });
        let report = phases.time("check", || check(&document, &Tolerance::default()));
        assert!(report.is_clean(), "{}", report.table());
        document.graph.node_count()
    });
    Run {
        values,
        phases: phases.into_vec(),
        checks: Vec::new(),
        heap_peak_bytes: Some(heap_peak_bytes),
        child_peak_rss_bytes: None,
    }
}

fn write_file(shape: Shape, file: &Path) {
    let g = Graph::with_capacity(NODES);
    let root = shape(&g);
    root.backward();
    let exported = to_petgraph(&g, &[root.id()]);
    std::fs::write(file, write(&exported, &sinks(&exported))).expect("cannot write the JSON");
}

/// The nodes in a JSON graph file as `write` lays it out: one `{"id": …` per node.
fn nodes_in_json(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).expect("cannot read the JSON graph");
    text.matches("{\"id\": ").count()
}

/// The whole `gradviz check FILE.json` process; the file must check clean.
fn check_process(file: &Path) -> Run {
    let process = run_process(Command::new(gradviz_binary()).arg("check").arg(file));
    Run {
        values: nodes_in_json(file),
        phases: vec![("process", process.wall)],
        checks: Vec::new(),
        heap_peak_bytes: None,
        child_peak_rss_bytes: Some(process.peak_rss_bytes),
    }
}

fn shape_workloads(name: &str, shape: Shape) -> [Workload; 2] {
    let file: PathBuf = data_file(&format!("json-{name}-1M.json"));
    let process_file = file.clone();
    let setup_file = file.clone();
    [
        Workload::new(format!("json {name} 1M"), 3, move || {
            write_read_check(shape, &file)
        })
        .target(Target::TimeUnder(&["read", "check"], LOAD_AND_CHECK_TARGET)),
        Workload::new(format!("json {name} 1M check process"), 3, move || {
            check_process(&process_file)
        })
        .setup(move || write_file(shape, &setup_file))
        .target(Target::TimeUnder(&[], LOAD_AND_CHECK_TARGET)),
    ]
}

/// The JSON workloads.
pub fn workloads() -> Vec<Workload> {
    let mut list = Vec::from(shape_workloads("chain", chain));
    list.extend(shape_workloads("wide", wide));
    list
}
