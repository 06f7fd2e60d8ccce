//! Golden files for graphs built with the engine API: the DOT text (`fixtures/engine-*.dot`)
//! and the builtin engine's SVG (`fixtures/engine-*.builtin.svg`), compared byte for byte.
//! `GRADVIZ_BLESS=1` rewrites them from the current output.

use std::collections::BTreeMap;

use crate::support::draw;
use crate::support::golden;
use crate::support::graphs;

use draw::builtin_svg;
use golden::check_golden;
use gradviz::engine::Graph;
use gradviz::figure::{to_dot, Cluster, Decorations, DotOptions, LegendEntry, NodeDecoration};
use gradviz::graph::{to_petgraph, ExportGraph};

/// The lecture's neuron with each input made beside its weight: the order the
/// `engine-neuron` and `engine-decorated` golden files were written with.
fn lecture_neuron() -> ExportGraph {
    let g = Graph::new();
    let [.., o] = graphs::lecture_neuron(&g, ["x1", "w1", "x2", "w2", "b"]);
    to_petgraph(&g, &[o.id()])
}

/// The example of micrograd's README, with its labels.
fn micrograd_readme() -> ExportGraph {
    let g = Graph::new();
    let a = g.leaf(-4.0).with_label("a");
    let b = g.leaf(2.0).with_label("b");
    let mut c = (a + b).with_label("c");
    let mut d = (a * b + b.pow(3)).with_label("d");
    c = c + (c + 1.0);
    c = c + (1.0 + c + (-a));
    d = d + (d * 2.0 + (b + a).relu());
    d = d + (3.0 * d + (b - a).relu());
    let e = (c - d).with_label("e");
    let f = e.pow(2).with_label("f");
    let mut out = f / 2.0;
    out = (out + 10.0 / f).with_label("g");
    out.backward();
    to_petgraph(&g, &[out.id()])
}

fn hostile() -> ExportGraph {
    let g = Graph::new();
    let a = g.leaf(1.5).with_label("\"]; evil [label=\"x");
    let b = g.leaf(-2.0).with_label("{ } | < > \" \\ &");
    let c = (a * b).with_label("  θ₁ → ∂L\nline 2\ttab 😀 ");
    let d = (c + a).with_label("");
    d.backward();
    to_petgraph(&g, &[d.id()])
}

fn decorations_for(graph: &ExportGraph) -> Decorations {
    let ids: Vec<u64> = graph.node_weights().map(|n| n.id).collect();
    let mut nodes = BTreeMap::new();
    nodes.insert(
        ids[0],
        NodeDecoration {
            fill: Some("#ffcccc".to_string()),
            outline: Some("#cc0000".to_string()),
            extra_rows: vec!["expected grad 1.0000".to_string()],
        },
    );
    nodes.insert(
        ids[2],
        NodeDecoration {
            fill: Some("#ccffcc".to_string()),
            ..NodeDecoration::default()
        },
    );
    Decorations {
        nodes,
        caption: Some("after backward".to_string()),
        legend: vec![
            LegendEntry {
                fill: Some("#ffcccc".to_string()),
                outline: Some("#cc0000".to_string()),
                text: "wrong grad (stored | expected)".to_string(),
            },
            LegendEntry {
                fill: Some("#ccffcc".to_string()),
                outline: None,
                text: "grad changed".to_string(),
            },
        ],
        clusters: vec![
            Cluster {
                title: "inputs".to_string(),
                parent: None,
                members: vec![ids[0], ids[2]],
                fill: None,
            },
            Cluster {
                title: "inputs.weights".to_string(),
                parent: Some(0),
                members: vec![ids[1], ids[3]],
                fill: Some("#f4f4f4".to_string()),
            },
        ],
        gates: Vec::new(),
        same_rank: Vec::new(),
    }
}

#[test]
fn lecture_neuron_golden() {
    let dot = to_dot(
        &lecture_neuron(),
        &DotOptions::default(),
        &Decorations::default(),
    );
    check_golden("engine-neuron.dot", &dot);
    check_golden("engine-neuron.builtin.svg", &builtin_svg(&dot));
}

#[test]
fn micrograd_readme_golden() {
    let graph = micrograd_readme();
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    // The numbers micrograd's README prints for this forward and backward pass.
    assert!(dot.contains("{ g | data 24.7041 |"), "{dot}");
    assert!(
        dot.contains("{ a | data -4.0000 | grad 138.8338 }"),
        "{dot}"
    );
    assert!(dot.contains("{ b | data 2.0000 | grad 645.5773 }"), "{dot}");
    check_golden("engine-readme.dot", &dot);
}

#[test]
fn hostile_labels_golden() {
    let dot = to_dot(&hostile(), &DotOptions::default(), &Decorations::default());
    check_golden("engine-hostile.dot", &dot);
    check_golden("engine-hostile.builtin.svg", &builtin_svg(&dot));
}

#[test]
fn decorated_neuron_golden() {
    let graph = lecture_neuron();
    let dot = to_dot(&graph, &DotOptions::default(), &decorations_for(&graph));
    check_golden("engine-decorated.dot", &dot);
    check_golden("engine-decorated.builtin.svg", &builtin_svg(&dot));
}

/// `to_dot` prints with a printer of our own for speed; it must give exactly the bytes of
/// graphviz-rust's printer.
#[test]
fn our_printer_matches_graphviz_rusts_printer() {
    use graphviz_rust::printer::{DotPrinter, PrinterContext};
    let neuron = lecture_neuron();
    let cases = [
        (lecture_neuron(), Decorations::default()),
        (micrograd_readme(), Decorations::default()),
        (hostile(), Decorations::default()),
        (lecture_neuron(), decorations_for(&neuron)),
    ];
    for (graph, decorations) in cases {
        let options = DotOptions::default();
        let model = gradviz::figure::to_dot_model(&graph, &options, &decorations).unwrap();
        let theirs = model.print(&mut PrinterContext::default()) + "\n";
        assert_eq!(to_dot(&graph, &options, &decorations), theirs);
    }
}
