//! The layered engine's figures against the real `dot`'s on a corpus: the lecture's graphs,
//! seeded random DAGs and a running sum, each drawn by both engines through the CLI and
//! measured from the SVG (benches/layered/quality.rs). Targets: no edge drawn against the
//! rank direction on any graph; crossings and area at most `dot`'s on the lecture's graphs
//! and the random DAGs. Sizes stay small so `dot` takes seconds; the bench measures the
//! large graphs (aspect ratio and edge length at 3k values and above).

#[path = "../../benches/layered/corpus.rs"]
#[allow(dead_code)]
mod corpus;
#[path = "../../benches/layered/quality.rs"]
mod quality;

use std::path::{Path, PathBuf};

use crate::support::{fixture, gradviz};
use quality::Quality;

/// One graph of the corpus and which targets it is held to.
struct Case {
    name: String,
    input: PathBuf,
    /// Crossings and area at most `dot`'s (the lecture's graphs and random DAGs).
    as_small_as_dot: bool,
}

fn draw(input: &Path, engine: &str, out: &Path) -> Quality {
    // The lecture neuron draws before and after backward: the figure after it.
    let snapshot: &[&str] = if input.ends_with("neuron.py") {
        &["--snapshot", "2"]
    } else {
        &[]
    };
    let output = gradviz()
        .arg("render")
        .arg(input)
        .args(snapshot)
        .args(["--engine", engine, "--format", "svg", "-o"])
        .arg(out)
        .output()
        .expect("gradviz runs");
    assert!(
        output.status.success(),
        "{engine} on {}: {}",
        input.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = std::fs::read_to_string(out).expect("the SVG");
    quality::measure(&svg, true)
}

fn corpus(dir: &Path) -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "lecture neuron".into(),
            input: fixture("neuron.py"),
            as_small_as_dot: true,
        },
        Case {
            name: "lecture MLP(3,[4,4,1]) loss".into(),
            input: fixture("mlp.py"),
            as_small_as_dot: true,
        },
    ];
    let generated = [
        ("random DAG, seed 1", corpus::random_dag(300, 1), true),
        ("random DAG, seed 2", corpus::random_dag(300, 2), true),
        ("random DAG, seed 3", corpus::random_dag(400, 3), true),
        ("random DAG, seed 4", corpus::random_dag(400, 4), true),
        ("running sum, 45 terms", corpus::running_sum(45), false),
    ];
    for (i, (name, graph, as_small_as_dot)) in generated.into_iter().enumerate() {
        let input = dir.join(format!("graph{i}.json"));
        corpus::write_json(&graph, &input);
        cases.push(Case {
            name: format!("{name} ({} values)", graph.node_count()),
            input,
            as_small_as_dot,
        });
    }
    cases
}

#[test]
fn the_layered_layout_is_as_good_as_dots_on_the_corpus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut missed = Vec::new();
    println!(
        "{:<36} {:>15} {:>8} {:>8} {:>8} {:>13}",
        "graph", "crossings", "area", "length", "aspect", "against"
    );
    for (i, case) in corpus(dir.path()).iter().enumerate() {
        let ours = draw(&case.input, "layered", &dir.path().join(format!("l{i}.svg")));
        let theirs = draw(&case.input, "dot", &dir.path().join(format!("d{i}.svg")));
        println!(
            "{:<36} {:>6} vs {:>5} {:>7.2}x {:>7.2}x {:>3.1}:{:<3.1} {:>5} vs {:>3}",
            case.name,
            ours.crossings,
            theirs.crossings,
            ours.area() / theirs.area(),
            ours.mean_edge_length() / theirs.mean_edge_length(),
            ours.aspect(),
            theirs.aspect(),
            ours.against,
            theirs.against,
        );
        if ours.against > 0 {
            missed.push(format!(
                "{}: {} edges against the rank direction",
                case.name, ours.against
            ));
        }
        if case.as_small_as_dot && ours.crossings > theirs.crossings {
            missed.push(format!(
                "{}: {} crossings, dot {}",
                case.name, ours.crossings, theirs.crossings
            ));
        }
        if case.as_small_as_dot && ours.area() > theirs.area() {
            missed.push(format!(
                "{}: area {:.2}x dot's",
                case.name,
                ours.area() / theirs.area()
            ));
        }
    }
    assert!(missed.is_empty(), "targets missed:\n{}", missed.join("\n"));
}
