//! Graphs built in Python and exported with python/gradviz_export.py, read and checked here:
//! real micrograd 0.1.0 (with the lecture's tanh) must check clean, and the lecture notes'
//! buggy `Value` (tests/python/buggy_value.py) must be flagged at exactly the nodes its bugs hit.
//!
//! Needs `GRADVIZ_TEST_PYTHON`, a Python with micrograd==0.1.0 (`make test` sets it up).

use std::path::Path;
use std::process::Command;

use crate::support::python;

use gradviz::check::{check, Field, Report, Tolerance};
use gradviz::engine::{Graph, PyRandom, MLP};
use gradviz::graph::operands;
use gradviz::input::json::{read, Document};
use python::python;

/// Runs `tests/python/interop_graphs.py ENGINE GRAPH` and reads the JSON it exports.
fn export(engine: &str, graph: &str) -> Document {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("{engine}-{graph}.json"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop_graphs.py");
    let run = Command::new(python())
        .arg(&script)
        .args([engine, graph])
        .arg(&out)
        .output()
        .expect("cannot start GRADVIZ_TEST_PYTHON");
    assert!(
        run.status.success(),
        "{engine} {graph}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    read(&text, &out.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn flagged(report: &Report) -> Vec<(&str, Field)> {
    report
        .mismatches
        .iter()
        .map(|m| (m.label.as_str(), m.field))
        .collect()
}

fn labels_of_children(document: &Document, label: &str) -> Vec<String> {
    let g = &document.graph;
    let node = g.node_indices().find(|&n| g[n].label == label).unwrap();
    operands(g, node)
        .into_iter()
        .map(|c| g[c].label.to_string())
        .collect()
}

#[test]
fn micrograd_graphs_check_clean() {
    for graph in [
        "reuse",
        "lecture-reuse",
        "scaled-tanh",
        "neuron",
        "mlp",
        "deep-chain",
    ] {
        let document = export("micrograd", graph);
        let report = check(&document, &Tolerance::default());
        assert!(report.is_clean(), "{graph}:\n{}", report.table());
        assert!(report.unverified.is_empty(), "{graph}");
    }
}

#[test]
fn the_buggy_value_is_flagged_where_its_bugs_bite() {
    let tolerance = Tolerance::default();
    // b = a + a: `=` keeps one of the two 1s.
    let report = check(&export("buggy", "reuse"), &tolerance);
    assert_eq!(flagged(&report), [("a", Field::Grad)]);
    assert_eq!(
        (report.mismatches[0].stored, report.mismatches[0].expected),
        (1.0, 2.0)
    );
    // f = (a*b) * (a+b): a and b each keep one of their two contributions.
    let report = check(&export("buggy", "lecture-reuse"), &tolerance);
    assert_eq!(flagged(&report), [("a", Field::Grad), ("b", Field::Grad)]);
    // y = 3 * tanh(x): `1 - t**2 * out.grad` is wrong when out.grad is 3.
    let report = check(&export("buggy", "scaled-tanh"), &tolerance);
    assert_eq!(flagged(&report), [("x", Field::Grad)]);
    // The lecture neuron uses nothing twice and its tanh is the root (out.grad 1): neither
    // bug shows, and check must not cry wolf.
    let report = check(&export("buggy", "neuron"), &tolerance);
    assert!(report.is_clean(), "{}", report.table());
}

#[test]
fn the_exporter_keeps_operand_order_and_repeats() {
    let neuron = export("micrograd", "neuron");
    assert_eq!(labels_of_children(&neuron, "x1*w1"), ["x1", "w1"]);
    assert_eq!(labels_of_children(&neuron, "n"), ["x1*w1 + x2*w2", "b"]);
    assert_eq!(
        labels_of_children(&export("micrograd", "reuse"), "b"),
        ["a", "a"]
    );
    assert_eq!(
        labels_of_children(&export("buggy", "reuse"), "b"),
        ["a", "a"]
    );
    let chain = export("micrograd", "deep-chain");
    assert_eq!(chain.graph.node_count(), 5001);
}

/// micrograd's MLP and gradviz's, same seed and same loss, compute the same forward pass to
/// the bit: the same multiset of data values.
#[test]
fn the_micrograd_mlp_matches_the_gradviz_mlp() {
    let document = export("micrograd", "mlp");
    let g = Graph::new();
    let model = MLP::new(&g, 3, &[4, 4, 1], &mut PyRandom::new(1337));
    let y = model.call(&[2.0.into(), 3.0.into(), (-1.0).into()])[0];
    let loss = (y - 1.0).pow(2);
    loss.backward();
    let root = document.roots[0];
    assert_eq!(document.graph[root].label, "loss");
    assert_eq!(document.graph[root].data.to_bits(), loss.data().to_bits());
    let bits = |data: &mut dyn Iterator<Item = f64>| {
        let mut bits: Vec<u64> = data.map(f64::to_bits).collect();
        bits.sort_unstable();
        bits
    };
    let python = bits(&mut document.graph.node_weights().map(|n| n.data));
    let ours = bits(&mut (0..g.len()).map(|i| g.data(gradviz::engine::NodeId::from_index(i))));
    assert_eq!(python, ours);
}
