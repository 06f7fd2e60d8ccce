//! The overview: a graph too large to read value by value is drawn folded, each repeated
//! computation once, on a figure that fits a screen; `--full` and `--depth` ask otherwise.

use std::path::Path;

use crate::support::xml::parse_xml;
use crate::support::{gradviz, python_fixture, svg};

/// micrograd's `demo.ipynb` in miniature: MLP(2, [16, 16, 1]) on 100 two-moons points.
const MOONS: &str = "moons.ipynb";
/// The values of the last graph the notebook builds.
const MOONS_VALUES: usize = 65_818;

/// The moons notebook's last graph as gradviz's JSON, written in `dir`.
fn moons_json(dir: &Path) -> String {
    let json = dir.join("moons.json");
    gradviz()
        .arg("render")
        .arg(python_fixture(MOONS))
        .arg("-o")
        .arg(&json)
        .assert()
        .success();
    json.to_string_lossy().into_owned()
}

/// What `gradviz render <input> <args…> -o -` writes, and its notes.
fn rendered(input: &str, args: &[&str]) -> (String, String) {
    let out = gradviz()
        .args(["render", input, "-o", "-"])
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every text of every node of an SVG figure.
fn node_texts(doc: &roxmltree::Document) -> Vec<String> {
    svg::groups(doc, "node")
        .into_iter()
        .flat_map(|(_, texts)| texts)
        .collect()
}

/// The figure's size in points, from the root's `width="…pt"` and `height="…pt"`.
fn size_pt(doc: &roxmltree::Document) -> (f64, f64) {
    let points = |name: &str| -> f64 {
        let text = doc.root_element().attribute(name).expect("a size");
        text.trim_end_matches("pt").parse().expect("a number")
    };
    (points("width"), points("height"))
}

#[test]
fn the_moons_notebook_is_drawn_as_an_overview_that_fits_a_screen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let figure = dir.path().join("moons.svg");
    let out = gradviz()
        .arg("render")
        .arg(python_fixture(MOONS))
        .arg("-o")
        .arg(&figure)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("65,818 values drawn as an overview") && stderr.contains("--full"),
        "the note says what was folded and how to see everything: {stderr}"
    );
    let text = std::fs::read_to_string(&figure).expect("written");
    let doc = parse_xml(&text);
    let nodes = svg::groups(&doc, "node").len();
    assert!(nodes <= 40, "{nodes} nodes");
    let (width, height) = size_pt(&doc);
    let aspect = width.max(height) / width.min(height);
    assert!(aspect <= 4.0, "{width} × {height} pt");
    // Fitted to 1920 px wide (a point is 4/3 px), the smallest label stays 8 pt or more.
    let smallest_font = doc
        .descendants()
        .filter_map(|n| n.attribute("font-size"))
        .map(|size| size.parse::<f64>().expect("a size"))
        .fold(f64::INFINITY, f64::min);
    let on_screen = smallest_font * 1920.0 / (width * 4.0 / 3.0);
    assert!(on_screen >= 8.0, "labels at {on_screen:.1} pt");
    let texts = node_texts(&doc);
    for expected in [
        "l0: 16 × ReLU(w·x+b)",
        "l1: 16 × ReLU(w·x+b)",
        "100 × ReLU",
        "Σ of 101 terms",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} in {texts:?}"
        );
    }
    assert!(
        texts.iter().any(|t| t.starts_with("‖grad‖")),
        "a node standing for many values gives their gradient's norm: {texts:?}"
    );
    assert!(text.contains("overview of 65,818 values"), "the caption");
}

#[test]
fn full_draws_every_value_and_depth_opens_the_neurons() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = moons_json(dir.path());
    let (dot, notes) = rendered(&json, &["--full", "--format", "dot"]);
    let records = dot.lines().filter(|l| l.contains("shape=record")).count();
    assert_eq!(records, MOONS_VALUES);
    assert_eq!(notes, "");

    let (neurons, _) = rendered(&json, &["--depth", "1", "--format", "svg"]);
    let doc = parse_xml(&neurons);
    let titles: Vec<String> = node_texts(&doc)
        .into_iter()
        .filter(|t| t.starts_with('l') && t.contains(".n") && t.contains("w·x+b"))
        .collect();
    assert_eq!(titles.len(), 16 + 16 + 1, "one node per neuron: {titles:?}");

    let (again, _) = rendered(&json, &["--depth", "1", "--format", "svg"]);
    assert_eq!(neurons, again, "the same graph gives the same overview");
}

#[test]
fn a_graph_without_labels_still_shows_its_layers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = moons_json(dir.path());
    let mut graph: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    for node in graph["nodes"].as_array_mut().expect("nodes") {
        node["label"] = "".into();
    }
    let bare = dir.path().join("bare.json");
    std::fs::write(&bare, graph.to_string()).expect("write");
    let (figure, _) = rendered(&bare.to_string_lossy(), &["--format", "svg"]);
    let texts = node_texts(&parse_xml(&figure));
    // Layer 0: 16 neurons × 2 weights times 100 examples, each neuron w·x + b; layer 1's 16
    // weights per neuron; the output neuron's; one loss term per example.
    for expected in [
        "3200 × *",
        "1600 × Σ of 3 terms",
        "25600 × *",
        "1600 × Σ of 17 terms",
        "100 × Σ of 17 terms",
        "100 × ReLU",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} in {texts:?}"
        );
    }
}

#[test]
fn a_long_loop_is_one_chain_and_a_lecture_graph_stays_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("loop.py");
    std::fs::write(
        &script,
        "x = Value(1.0)\nfor i in range(20000): x = x * Value(0.9999, label='w')\nx.backward()\n",
    )
    .expect("write");
    let (figure, notes) = rendered(&script.to_string_lossy(), &["--format", "svg"]);
    assert!(
        notes.contains("40,001 values drawn as an overview of 3 nodes"),
        "{notes}"
    );
    let texts = node_texts(&parse_xml(&figure));
    assert!(
        texts.iter().any(|t| t == "x (Π of 20001 factors)"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "20000 × w"), "{texts:?}");

    let (lecture, notes) = rendered(
        &crate::support::fixture("mlp.py").to_string_lossy(),
        &["--format", "dot"],
    );
    assert_eq!(notes, "");
    assert!(!lecture.contains("overview"));
}
