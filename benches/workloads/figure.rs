//! Figure workloads (issue 4): DOT text for a big graph, and a small script to SVG.
//!
//! - `draw_dot mlp 100k`: the 100k-value mlp graph of the engine workloads after backward,
//!   then its DOT text: `to_petgraph` and `to_dot` on our side, the lecture's
//!   `draw_dot(loss).source` (graphviz's `Digraph`) in micrograd. Building the graph and
//!   backward are not timed; the heap peak is the export's and the text's. Target: 10×.
//! - `neuron svg process`: the whole `gradviz render fixtures/neuron.py --engine builtin -o
//!   OUT.svg` process (release build; the script draws two snapshots, so two SVG files).
//!   Target: under 50 ms. No peer: micrograd has no renderer of its own.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use gradviz::engine::Graph;
use gradviz::figure::{to_dot, Decorations, DotOptions};
use gradviz::graph::to_petgraph;
use gradviz::input::script::{evaluate, ScriptOptions};

use crate::common::{alloc, run_process, Phases, Run, Target, Workload};
use crate::workloads::engine::{mlp_batch, mlp_graph, mlp_inputs};
use crate::workloads::{data_file, gradviz_binary};

const DOT_TARGET: f64 = 10.0;
const NEURON_SVG_TARGET: Duration = Duration::from_millis(50);
const NEURON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/neuron.py");

fn mlp_dot(batch: usize) -> Run {
    let xs = mlp_inputs(batch);
    let g = Graph::new();
    let (model, loss) = mlp_graph(&g, &xs);
    loss.backward();
    let mut phases = Phases::default();
    let (values, heap_peak_bytes) = alloc::heap_peak_of(|| {
        phases.time("draw_dot", || {
            let figure = to_petgraph(&g, &[loss.id()]);
            let dot = to_dot(&figure, &DotOptions::default(), &Decorations::default());
            assert!(
                dot.len() > figure.node_count(),
                "a DOT line per value at least"
            );
            figure.node_count()
        })
    });
    Run {
        values,
        phases: phases.into_vec(),
        checks: vec![
            ("result", loss.data()),
            ("grad", model.parameters()[0].grad()),
        ],
        heap_peak_bytes: Some(heap_peak_bytes),
        child_peak_rss_bytes: None,
    }
}

/// Values in the neuron's last snapshot, the one the second SVG draws.
fn neuron_values() -> usize {
    let text = std::fs::read_to_string(NEURON).expect("cannot read the neuron fixture");
    let run = evaluate(&text, NEURON, &ScriptOptions::default()).expect("the neuron runs");
    let figures = run.figures().expect("the neuron draws");
    figures.last().expect("two snapshots").graph.node_count()
}

fn neuron_svg(out: &PathBuf) -> Run {
    let process = run_process(
        Command::new(gradviz_binary())
            .args(["render", NEURON, "--engine", "builtin", "-o"])
            .arg(out),
    );
    Run {
        values: neuron_values(),
        phases: vec![("process", process.wall)],
        checks: Vec::new(),
        heap_peak_bytes: None,
        child_peak_rss_bytes: Some(process.peak_rss_bytes),
    }
}

/// The figure workloads.
pub fn workloads() -> Vec<Workload> {
    let batch = mlp_batch(100_000);
    let out = data_file("neuron.svg");
    vec![
        Workload::new("draw_dot mlp 100k", 11, move || mlp_dot(batch))
            .peer(&["mlp-dot", &batch.to_string()], 3)
            .target(Target::FasterThanPeer(DOT_TARGET)),
        Workload::new("neuron svg process", 21, move || neuron_svg(&out))
            .target(Target::TimeUnder(&[], NEURON_SVG_TARGET)),
    ]
}
