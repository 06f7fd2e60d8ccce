//! The layered engine through the real CLI: the SVG contract (a group per value found by its
//! id, one `grad …` text per record), micrograd's look, the same bytes on every run, PNG
//! through resvg, PDF refused with a clear message, clusters for compare and `--group`,
//! and `auto` choosing it for a figure over the node guard.

use crate::support::{fixture, gradviz};

use crate::support::svg;
use crate::support::xml;

use predicates::prelude::*;
use xml::parse_xml;

fn layered_svg(args: &[&str], input: &str) -> String {
    let output = gradviz()
        .args(args)
        .args(["--engine", "layered", "--format", "svg", "-o", "-"])
        .arg(fixture(input))
        .output()
        .expect("gradviz runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_neuron_keeps_the_svg_contract() {
    let text = layered_svg(&["render", "--snapshot", "2"], "neuron.py");
    let doc = parse_xml(&text);
    let nodes = svg::groups(&doc, "node");
    let records: Vec<&(String, Vec<String>)> = nodes
        .iter()
        .filter(|(title, _)| !title.ends_with("_op"))
        .collect();
    assert_eq!(records.len(), 10, "{nodes:?}");
    let x2 = doc
        .descendants()
        .find(|n| n.has_tag_name("g") && n.attribute("id") == Some("v1"))
        .expect("x2's group found by its id");
    let grads: Vec<&str> = x2
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .filter(|t| t.starts_with("grad"))
        .collect();
    assert_eq!(grads, ["grad 0.5000"]);
    let (_, texts) = records.iter().find(|(title, _)| title == "v1").expect("x2");
    assert_eq!(texts, &["x2", "data 0.0000", "grad 0.5000"]);
    let ops: Vec<&str> = nodes
        .iter()
        .filter(|(title, _)| title.ends_with("_op"))
        .map(|(_, texts)| texts[0].as_str())
        .collect();
    assert_eq!(ops, ["*", "*", "+", "+", "tanh"]);
    let edges = svg::groups(&doc, "edge");
    assert_eq!(edges.len(), 14);
    assert!(edges.iter().any(|(title, _)| title == "v0->v5_op"));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let first = layered_svg(&["render"], "mlp.py");
    let second = layered_svg(&["render"], "mlp.py");
    assert_eq!(first, second);
}

#[test]
fn records_fit_their_text_and_ranks_run_left_to_right() {
    let text = layered_svg(&["render", "--snapshot", "2"], "neuron.py");
    let doc = parse_xml(&text);
    let centre_x = |id: &str| -> f64 {
        let g = doc
            .descendants()
            .find(|n| n.has_tag_name("g") && n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("{id}"));
        let ellipse = g.descendants().find(|n| n.has_tag_name("ellipse"));
        match ellipse {
            Some(e) => e.attribute("cx").unwrap().parse().unwrap(),
            None => {
                let t = g.descendants().find(|n| n.has_tag_name("text")).unwrap();
                t.attribute("x").unwrap().parse().unwrap()
            }
        }
    };
    // x1 -> * -> x1*w1 -> + -> ... -> tanh -> o
    assert!(centre_x("v0") < centre_x("v5_op"));
    assert!(centre_x("v5_op") < centre_x("v5"));
    assert!(centre_x("v9_op") < centre_x("v9"));
}

#[test]
fn png_is_drawn_and_pdf_is_refused_without_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let png = dir.path().join("n.png");
    gradviz()
        .args(["render", "--snapshot", "2", "--engine", "layered", "-o"])
        .arg(&png)
        .arg(fixture("neuron.py"))
        .assert()
        .success();
    let bytes = std::fs::read(&png).expect("the PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let pdf = dir.path().join("n.pdf");
    gradviz()
        .args(["render", "--snapshot", "2", "--engine", "layered", "-o"])
        .arg(&pdf)
        .arg(fixture("neuron.py"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PDF needs Graphviz's `dot`"));
    assert!(!pdf.exists());
}

#[test]
fn compare_and_groups_draw_their_clusters() {
    let compare = layered_svg(&["compare"], "neuron.py");
    let doc = parse_xml(&compare);
    let clusters = svg::groups(&doc, "cluster");
    let titles: Vec<&str> = clusters.iter().map(|(_, t)| t[0].as_str()).collect();
    assert!(titles.contains(&"before backward"), "{titles:?}");
    assert!(titles.contains(&"after backward"), "{titles:?}");
    let grouped = layered_svg(&["render", "--group"], "mlp.py");
    let doc = parse_xml(&grouped);
    assert!(svg::groups(&doc, "cluster").len() > 10);
}

#[test]
fn every_rank_direction_draws() {
    for rankdir in ["LR", "TB", "RL", "BT"] {
        let text = layered_svg(
            &["render", "--snapshot", "2", "--rankdir", rankdir],
            "neuron.py",
        );
        let doc = parse_xml(&text);
        assert_eq!(svg::groups(&doc, "node").len(), 15, "{rankdir}");
    }
}

#[test]
fn auto_draws_a_figure_over_the_guard_with_the_layered_engine() {
    gradviz()
        .args(["render", "--snapshot", "2", "--max-nodes", "5", "-o", "-"])
        .arg(fixture("neuron.py"))
        .assert()
        .success()
        .stdout(predicate::str::contains("grad 0.5000"))
        .stderr(predicate::str::contains("layered engine"));
}

/// The width of each record (a `<g class="node">` with a polygon), by title.
fn record_widths(svg: &str) -> Vec<(String, f64)> {
    let doc = parse_xml(svg);
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
        .filter_map(|g| {
            let title = g
                .children()
                .find(|c| c.has_tag_name("title"))?
                .text()?
                .to_string();
            let points = g
                .descendants()
                .find(|c| c.has_tag_name("polygon"))?
                .attribute("points")?;
            let xs: Vec<f64> = points
                .split_whitespace()
                .filter_map(|p| p.split(',').next()?.parse().ok())
                .collect();
            let width = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - xs.iter().cloned().fold(f64::INFINITY, f64::min);
            Some((title, width))
        })
        .collect()
}

#[cfg(feature = "builtin")]
#[test]
fn records_are_as_wide_as_the_builtin_engine_draws_them() {
    let ours = record_widths(&layered_svg(&["render", "--snapshot", "2"], "neuron.py"));
    let output = gradviz()
        .args([
            "render",
            "--snapshot",
            "2",
            "--engine",
            "builtin",
            "-o",
            "-",
        ])
        .arg(fixture("neuron.py"))
        .output()
        .expect("gradviz runs");
    assert!(output.status.success());
    let theirs = record_widths(&String::from_utf8(output.stdout).expect("UTF-8"));
    assert_eq!(ours.len(), 10);
    for (title, width) in &ours {
        let (_, expected) = theirs
            .iter()
            .find(|(t, _)| t == title)
            .unwrap_or_else(|| panic!("{title} in the builtin SVG"));
        assert!(
            (width - expected).abs() < 0.02,
            "{title}: {width} vs {expected}"
        );
    }
}

#[test]
fn the_compare_page_holds_both_states_drawn_by_the_layered_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("n.html");
    gradviz()
        .args(["compare", "--engine", "layered", "-o"])
        .arg(&page)
        .arg(fixture("neuron.py"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&page).expect("the page");
    let doc = parse_xml(&text);
    // The page's snapshots are "before backward" (s0) and "after backward" (s1), their
    // values' groups renamed `s0-v1`, `s1-v1` (see src/page/svg.rs).
    for (state, prefix) in [("before", "s0"), ("after", "s1")] {
        let id = format!("{prefix}-v1");
        let x2 = doc
            .descendants()
            .find(|n| n.has_tag_name("g") && n.attribute("id") == Some(id.as_str()))
            .unwrap_or_else(|| panic!("x2 in {state}"));
        let grad: Vec<&str> = x2
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .filter(|t| t.starts_with("grad"))
            .collect();
        let expected = if state == "before" {
            "grad 0.0000"
        } else {
            "grad 0.5000"
        };
        assert_eq!(grad, [expected], "{state}");
    }
}
