//! The JSON interchange and `check`: canonical output against golden files, every kind of
//! invalid input with its path, exact number round trips, and `check` catching the lecture
//! notes' bugs in committed exports (tests/suite/python_interop.rs makes them live from Python).

use crate::support::fixture_text;

use crate::support::golden;
use crate::support::graphs;

use golden::check_golden;
use gradviz::check::{check, Field, Report, Tolerance};
use gradviz::engine::{Graph, NodeId, PyRandom, MLP};
use gradviz::graph::sinks;
use gradviz::graph::{operands, to_petgraph, ExportGraph};
use gradviz::input::json::{read, write, Document};
use gradviz::Error;
use petgraph::visit::EdgeRef;
use proptest::prelude::*;

/// The lecture neuron after `o.backward()`, its leaves made in the lecture's order.
fn lecture_neuron(g: &Graph) -> NodeId {
    let [.., o] = graphs::lecture_neuron(g, ["x1", "x2", "w1", "w2", "b"]);
    o.id()
}

fn document_of(g: &Graph, roots: &[NodeId]) -> Document {
    let graph = to_petgraph(g, roots);
    let roots = roots
        .iter()
        .map(|r| {
            graph
                .node_indices()
                .find(|&n| graph[n].id == r.index() as u64)
                .unwrap()
        })
        .collect();
    Document { graph, roots }
}

fn read_ok(text: &str) -> Document {
    read(text, "test.json").unwrap_or_else(|e| panic!("{e}"))
}

/// The path and message of the error `read` gives for `text`.
fn read_error(text: &str) -> (String, String) {
    match read(text, "test.json") {
        Err(Error::Json {
            file,
            path,
            message,
        }) => {
            assert_eq!(file, "test.json");
            (path, message)
        }
        Err(other) => panic!("not a JSON error: {other}"),
        Ok(_) => panic!("accepted: {text}"),
    }
}

/// A document around the given node lines and roots.
fn doc(nodes: &[&str], roots: &str) -> String {
    format!(
        r#"{{"format": "gradviz", "version": 1, "nodes": [{}], "roots": {roots}}}"#,
        nodes.join(", ")
    )
}

fn node(id: u64, op: &str, children: &[u64]) -> String {
    format!(
        r#"{{"id": {id}, "label": "", "data": 1.0, "grad": 0.0, "op": "{op}", "children": {children:?}}}"#
    )
}

/// What `check` flagged, as (label, field) pairs.
fn flagged(report: &Report) -> Vec<(String, Field)> {
    report
        .mismatches
        .iter()
        .map(|m| (m.label.clone(), m.field))
        .collect()
}

fn same_number(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Node weights (numbers bit for bit), edges with positions, in order.
fn assert_same_graph(a: &ExportGraph, b: &ExportGraph) {
    assert_eq!(a.node_count(), b.node_count());
    for (x, y) in a.node_weights().zip(b.node_weights()) {
        assert_eq!((x.id, &x.label, &x.op), (y.id, &y.label, &y.op));
        assert!(same_number(x.data, y.data), "data {} vs {}", x.data, y.data);
        assert!(same_number(x.grad, y.grad), "grad {} vs {}", x.grad, y.grad);
    }
    let edges = |g: &ExportGraph| -> Vec<(usize, usize, usize)> {
        g.edge_references()
            .map(|e| (e.source().index(), e.target().index(), *e.weight()))
            .collect()
    };
    assert_eq!(edges(a), edges(b));
}

#[test]
fn neuron_writes_the_golden_document_and_reads_back() {
    let g = Graph::new();
    let o = lecture_neuron(&g);
    let document = document_of(&g, &[o]);
    let text = write(&document.graph, &document.roots);
    check_golden("neuron.json", &text);
    let back = read_ok(&text);
    assert_same_graph(&document.graph, &back.graph);
    assert_eq!(back.roots, document.roots);
    assert_eq!(write(&back.graph, &back.roots), text);
}

#[test]
fn the_spec_example_node_reads_as_written() {
    let text = doc(
        &[
            r#"{"id": 0, "label": "x1", "data": 2.0, "grad": -1.5, "op": "", "children": []}"#,
            r#"{"id": 1, "label": "w1", "data": -3.0, "grad": 1.0, "op": "", "children": []}"#,
            r#"{"id": 4, "label": "x1*w1", "data": -6.0, "grad": 0.5, "op": "*", "children": [0, 1]}"#,
        ],
        "[4]",
    );
    let document = read_ok(&text);
    let g = &document.graph;
    assert_eq!(g.node_count(), 3);
    let product = document.roots[0];
    assert_eq!(g[product].label, "x1*w1");
    assert_eq!(g[product].op, "*");
    let children: Vec<&str> = operands(g, product)
        .iter()
        .map(|&c| g[c].label.as_str())
        .collect();
    assert_eq!(children, ["x1", "w1"]);
    assert_eq!((g[product].data, g[product].grad), (-6.0, 0.5));
}

#[test]
fn numbers_round_trip_exactly() {
    let g = Graph::new();
    let values = [
        -0.0,
        0.0,
        2.0,
        1e16,
        1e-7,
        0.1 + 0.2,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let leaves: Vec<NodeId> = values.iter().map(|&x| g.leaf(x).id()).collect();
    let document = document_of(&g, &leaves);
    let text = write(&document.graph, &document.roots);
    assert!(text.contains(r#""data": -0.0,"#), "{text}");
    assert!(text.contains(r#""data": 2.0,"#), "{text}");
    assert!(text.contains(r#""data": "nan","#), "{text}");
    assert!(text.contains(r#""data": "-inf","#), "{text}");
    let back = read_ok(&text);
    assert_same_graph(&document.graph, &back.graph);
    assert!(back.graph[back.roots[0]].data.is_sign_negative());
}

#[test]
fn integers_and_nonfinite_strings_are_numbers() {
    let text = doc(
        &[
            r#"{"id": 0, "data": 2, "grad": -1, "op": "", "children": []}"#,
            r#"{"id": 1, "data": "inf", "grad": "nan", "op": "", "children": []}"#,
        ],
        "[]",
    );
    let document = read_ok(&text);
    let g = &document.graph;
    let nodes: Vec<_> = g.node_indices().collect();
    assert_eq!((g[nodes[0]].data, g[nodes[0]].grad), (2.0, -1.0));
    assert_eq!(g[nodes[0]].label, "", "label is optional");
    assert_eq!(g[nodes[1]].data, f64::INFINITY);
    assert!(g[nodes[1]].grad.is_nan());
}

#[test]
fn roots_default_to_the_sinks() {
    let nodes = [node(0, "", &[]), node(1, "", &[]), node(2, "tanh", &[0])];
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let ids = |document: &Document| -> Vec<u64> {
        document
            .roots
            .iter()
            .map(|&r| document.graph[r].id)
            .collect()
    };
    let listed = read_ok(&doc(&nodes, "[]"));
    assert_eq!(ids(&listed), [1, 2]);
    assert_eq!(listed.roots, sinks(&listed.graph));
    let absent = read_ok(&format!(
        r#"{{"format": "gradviz", "version": 1, "nodes": [{}]}}"#,
        nodes.join(",")
    ));
    assert_eq!(ids(&absent), [1, 2]);
    assert_eq!(ids(&read_ok(&doc(&nodes, "[0, 2]"))), [0, 2]);
}

#[test]
fn an_empty_graph_is_valid() {
    let document = read_ok(&doc(&[], "[]"));
    assert_eq!(document.graph.node_count(), 0);
    assert!(document.roots.is_empty());
    assert!(check(&document, &Tolerance::default()).is_clean());
    assert_eq!(
        write(&document.graph, &document.roots),
        "{\n  \"format\": \"gradviz\",\n  \"version\": 1,\n  \"nodes\": [],\n  \"roots\": []\n}\n"
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let (path, message) = read_error("{\n  \"format\": \"gradviz\",\n  \"version\" 1\n}");
    assert_eq!(path, "3:13");
    assert!(
        message.starts_with("malformed JSON: expected `:`"),
        "{message}"
    );
    let (path, message) = read_error(&doc(&[], "[]").replace("]}", "]"));
    assert!(path.starts_with("1:"), "{path}");
    assert!(message.contains("EOF"), "{message}");
    let (_, message) = read_error(&format!("{} x", doc(&[], "[]")));
    assert!(message.contains("trailing characters"), "{message}");
    // Deep nesting is skipped by serde_json without recursion and reported by path.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep = doc(
        &[&format!(
            r#"{{"id": 0, "data": 1, "grad": 0, "op": "", "children": {nested}}}"#
        )],
        "[]",
    );
    assert_eq!(
        read_error(&deep),
        (
            "nodes[0].children[0]".into(),
            "expected an id (a non-negative integer), found an array".into()
        )
    );
}

#[test]
fn the_document_must_be_a_gradviz_object() {
    let cases = [
        (
            "[1, 2]",
            "document",
            "expected a JSON object, found an array",
        ),
        (
            r#"{"version": 1, "nodes": []}"#,
            "document",
            r#"missing field "format""#,
        ),
        (
            r#"{"format": "dot", "version": 1, "nodes": []}"#,
            "format",
            r#"expected "gradviz", found the string "dot""#,
        ),
        (
            r#"{"format": "gradviz", "nodes": []}"#,
            "document",
            r#"missing field "version""#,
        ),
        (
            r#"{"format": "gradviz", "version": 2, "nodes": []}"#,
            "version",
            "version 2 is newer than this gradviz reads (version 1)",
        ),
        (
            r#"{"format": "gradviz", "version": "1", "nodes": []}"#,
            "version",
            r#"expected 1, found the string "1""#,
        ),
        (
            r#"{"format": "gradviz", "version": 1}"#,
            "document",
            r#"missing field "nodes""#,
        ),
        (
            r#"{"format": "gradviz", "version": 1, "nodes": {}}"#,
            "nodes",
            "expected an array of nodes, found an object",
        ),
        (
            r#"{"format": "gradviz", "version": 1, "version": 1, "nodes": []}"#,
            "document",
            r#"the key "version" appears twice"#,
        ),
        (
            r#"{"format": "gradviz", "version": 1, "nodes": [], "roots": 3}"#,
            "roots",
            "expected an array of ids, found the number 3",
        ),
    ];
    for (text, path, message) in cases {
        assert_eq!(read_error(text), (path.into(), message.into()), "{text}");
    }
}

#[test]
fn every_node_field_is_checked_with_its_path() {
    let leaf = node(0, "", &[]);
    let cases = [
        (
            "7",
            "nodes[1]",
            "expected a node object, found the number 7",
        ),
        (
            r#"{"label": "", "data": 1, "grad": 0, "op": "", "children": []}"#,
            "nodes[1]",
            r#"missing field "id""#,
        ),
        (
            r#"{"id": 1, "data": 1, "op": "", "children": []}"#,
            "nodes[1]",
            r#"missing field "grad""#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "children": []}"#,
            "nodes[1]",
            r#"missing field "op""#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": ""}"#,
            "nodes[1]",
            r#"missing field "children""#,
        ),
        (
            r#"{"id": -1, "data": 1, "grad": 0, "op": "", "children": []}"#,
            "nodes[1].id",
            "expected an id (a non-negative integer), found the number -1",
        ),
        (
            r#"{"id": 1.5, "data": 1, "grad": 0, "op": "", "children": []}"#,
            "nodes[1].id",
            "expected an id (a non-negative integer), found the number 1.5",
        ),
        (
            r#"{"id": "1", "data": 1, "grad": 0, "op": "", "children": []}"#,
            "nodes[1].id",
            r#"expected an id (a non-negative integer), found the string "1""#,
        ),
        (
            r#"{"id": 1, "label": 5, "data": 1, "grad": 0, "op": "", "children": []}"#,
            "nodes[1].label",
            "expected a string, found the number 5",
        ),
        (
            r#"{"id": 1, "data": "NaN", "grad": 0, "op": "", "children": []}"#,
            "nodes[1].data",
            r#"expected a number or one of "nan", "inf", "-inf", found the string "NaN""#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": null, "op": "", "children": []}"#,
            "nodes[1].grad",
            r#"expected a number or one of "nan", "inf", "-inf", found null"#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": 3, "children": []}"#,
            "nodes[1].op",
            "expected a string, found the number 3",
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": "tanh", "children": 0}"#,
            "nodes[1].children",
            "expected an array of ids, found the number 0",
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": "+", "children": [0, true]}"#,
            "nodes[1].children[1]",
            "expected an id (a non-negative integer), found true",
        ),
        (
            r#"{"id": 1, "id": 1, "data": 1, "grad": 0, "op": "", "children": []}"#,
            "nodes[1]",
            r#"the key "id" appears twice"#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": "*", "children": [0, 0, 0]}"#,
            "nodes[1].children",
            r#"op "*" takes 2 operands (a repeated operand is listed twice), found 3"#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": "**2", "children": [0, 0]}"#,
            "nodes[1].children",
            r#"op "**2" takes 1 operand, found 2"#,
        ),
        (
            r#"{"id": 1, "data": 1, "grad": 0, "op": "", "children": [0]}"#,
            "nodes[1].children",
            r#"a leaf (op "") has no children, found 1"#,
        ),
    ];
    for (bad, path, message) in cases {
        let text = doc(&[&leaf, bad], "[]");
        assert_eq!(read_error(&text), (path.into(), message.into()), "{bad}");
    }
}

#[test]
fn ids_children_and_roots_must_resolve() {
    let leaf = node(3, "", &[]);
    let cases = [
        (
            vec![leaf.clone(), node(3, "", &[])],
            "[]",
            "nodes[1].id",
            "duplicate id 3: nodes[0] has it too",
        ),
        (
            vec![leaf.clone(), node(4, "+", &[3, 7])],
            "[]",
            "nodes[1].children[1]",
            "no node with id 7",
        ),
        (vec![leaf.clone()], "[9]", "roots[0]", "no node with id 9"),
        (
            vec![leaf.clone()],
            "[3, 3]",
            "roots[1]",
            "root 3 is listed twice",
        ),
        (
            vec![leaf.clone()],
            r#"["3"]"#,
            "roots[0]",
            r#"expected an id (a non-negative integer), found the string "3""#,
        ),
    ];
    for (nodes, roots, path, message) in cases {
        let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
        let text = doc(&nodes, roots);
        assert_eq!(read_error(&text), (path.into(), message.into()), "{text}");
    }
}

#[test]
fn ids_may_be_any_u64() {
    let big = u64::MAX;
    let nodes = [node(big, "", &[]), node(7, "exp", &[big])];
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let document = read_ok(&doc(&nodes, &format!("[{big}]")));
    assert_eq!(document.graph[document.roots[0]].id, big);
    let text = write(&document.graph, &document.roots);
    assert!(text.contains(&format!(r#""children": [{big}]"#)), "{text}");
    let nodes = [node(big, "", &[]), node(7, "exp", &[big - 1])];
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    assert_eq!(
        read_error(&doc(&nodes, "[]")),
        (
            "nodes[1].children[0]".into(),
            format!("no node with id {}", big - 1)
        )
    );
    let nodes = [node(big, "", &[]), node(big, "", &[])];
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    assert_eq!(
        read_error(&doc(&nodes, "[]")),
        (
            "nodes[1].id".into(),
            format!("duplicate id {big}: nodes[0] has it too")
        )
    );
    let (path, message) = read_error(&doc(&[&node(1, "", &[])], "[18446744073709551616]"));
    assert_eq!(path, "roots[0]");
    assert!(
        message.starts_with("expected an id (a non-negative integer), found the number 1.8"),
        "{message}"
    );
}

#[test]
fn a_cycle_is_named_node_by_node() {
    let nodes = [
        node(10, "", &[]),
        node(3, "+", &[10, 5]),
        node(5, "tanh", &[7]),
        node(7, "*", &[10, 3]),
    ];
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let (path, message) = read_error(&doc(&nodes, "[]"));
    assert_eq!(path, "nodes[1]");
    assert_eq!(
        message,
        "the children form a cycle of 3 node(s): 3 → 5 → 7 → 3 (each node lists the next among its children)"
    );
    let own = node(1, "exp", &[1]);
    let (path, message) = read_error(&doc(&[&own], "[]"));
    assert_eq!(path, "nodes[0]");
    assert!(message.contains("cycle of 1 node(s): 1 → 1"), "{message}");
}

#[test]
fn a_long_cycle_is_cut_short_and_found_without_recursion() {
    let n = 200_000u64;
    let nodes: Vec<String> = (0..n).map(|i| node(i, "tanh", &[(i + 1) % n])).collect();
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let (path, message) = read_error(&doc(&nodes, "[]"));
    assert_eq!(path, "nodes[0]");
    assert!(
        message.starts_with(
            "the children form a cycle of 200000 node(s): 0 → 1 → 2 → 3 → 4 → 5 → 6 → 7 → 8 → 9 → 10 → 11 → … → 0"
        ),
        "{message}"
    );
}

#[test]
fn a_deep_chain_reads_and_checks_without_recursion() {
    let g = Graph::with_capacity(200_001);
    let mut v = g.leaf(0.3).with_label("x");
    for _ in 0..200_000 {
        v = v.tanh();
    }
    v.backward();
    let document = document_of(&g, &[v.id()]);
    let back = read_ok(&write(&document.graph, &document.roots));
    assert_eq!(back.graph.node_count(), 200_001);
    assert!(check(&back, &Tolerance::default()).is_clean());
}

#[test]
fn unknown_ops_are_drawn_and_left_unverified() {
    let text = doc(
        &[
            r#"{"id": 0, "label": "a", "data": 2.0, "grad": 0.0, "op": "", "children": []}"#,
            r#"{"id": 1, "label": "b", "data": 3.0, "grad": 99.0, "op": "", "children": []}"#,
            r#"{"id": 2, "label": "ab", "data": 6.0, "grad": 7.0, "op": "*", "children": [0, 1]}"#,
            r#"{"id": 3, "label": "s", "data": 0.5, "grad": 2.0, "op": "sin", "children": [2]}"#,
            r#"{"id": 4, "label": "out", "data": 2.5, "grad": 5.0, "op": "+", "children": [3, 0]}"#,
        ],
        "[4]",
    );
    let document = read_ok(&text);
    let report = check(&document, &Tolerance::default());
    // sin's data cannot be recomputed, nor can the grads of ab, a and b, which flow through
    // it. out's data (0.5 + 2.0) and grad (a root: 1) and s's grad (1) still can.
    assert_eq!(report.unverified, [0, 1, 2, 3]);
    assert_eq!(
        flagged(&report),
        [
            ("s".to_string(), Field::Grad),
            ("out".to_string(), Field::Grad)
        ]
    );
    assert!(
        report.table().contains("not verified"),
        "{}",
        report.table()
    );
}

#[test]
fn engine_graphs_check_clean() {
    let g = Graph::new();
    let o = lecture_neuron(&g);
    let report = check(&document_of(&g, &[o]), &Tolerance::default());
    assert!(report.is_clean(), "{}", report.table());
    assert!(report.unverified.is_empty());
    assert_eq!(
        report.table(),
        "ok: no mismatches in 10 node(s) (rtol 1e-09, atol 1e-12)\n"
    );

    // micrograd's test_sanity_check: reused values, ReLU, a value times itself.
    let g = Graph::new();
    let x = g.leaf(-4.0);
    let z = 2.0 * x + 2.0 + x;
    let q = z.relu() + z * x;
    let h = (z * z).relu();
    let y = h + q + q * x;
    y.backward();
    let report = check(&document_of(&g, &[y.id()]), &Tolerance::default());
    assert!(report.is_clean(), "{}", report.table());

    let g = Graph::new();
    let mut rng = PyRandom::new(1337);
    let model = MLP::new(&g, 3, &[4, 4, 1], &mut rng);
    let out = model.call(&[2.0.into(), 3.0.into(), (-1.0).into()])[0];
    let loss = (out - 1.0).pow(2) / 3.0 + out.exp().log() + out.sigmoid();
    loss.backward();
    let document = read_ok(&write(&to_petgraph(&g, &[loss.id()]), &[]));
    let report = check(&document, &Tolerance::default());
    assert!(report.is_clean(), "{}", report.table());
}

#[test]
fn a_forward_bug_is_reported_at_its_node_only() {
    let g = Graph::new();
    let a = g.leaf(2.0).with_label("a");
    let b = g.leaf(-3.0).with_label("b");
    let c = (a * b).with_label("c");
    // An engine that computes c wrong and carries on from the wrong number.
    c.set_data(-5.0);
    let d = (c + a).with_label("d");
    let e = d.tanh().with_label("e");
    e.backward();
    let report = check(&document_of(&g, &[e.id()]), &Tolerance::default());
    assert_eq!(flagged(&report), [("c".to_string(), Field::Data)]);
    assert_eq!(
        (report.mismatches[0].stored, report.mismatches[0].expected),
        (-5.0, -6.0)
    );
}

#[test]
fn a_wrong_grad_is_reported_with_the_true_gradient() {
    let g = Graph::new();
    let o = lecture_neuron(&g);
    let document = document_of(&g, &[o]);
    let mut text = write(&document.graph, &document.roots);
    // n's true grad is 1 - o² = 0.5 (to the last bit or two); store a wrong one.
    let n_line = text
        .lines()
        .find(|l| l.contains(r#""label": "n""#))
        .unwrap();
    let wrong = n_line.replace(r#""grad": 0.4999999999999999"#, r#""grad": 0.7"#);
    assert_ne!(n_line, wrong, "{n_line}");
    text = text.replace(n_line, &wrong);
    let report = check(&read_ok(&text), &Tolerance::default());
    assert_eq!(flagged(&report), [("n".to_string(), Field::Grad)]);
    assert_eq!(report.mismatches[0].stored, 0.7);
    assert!((report.mismatches[0].expected - 0.5).abs() < 1e-12);
}

/// Exported from tests/python/buggy_value.py (the lecture notes' `=` instead of `+=`) by
/// `tests/python/interop_graphs.py buggy lecture-reuse`: a = -2, b = 3, d = a*b, e = a+b,
/// f = d*e. df/da = b*e + d = 3 - 6 = -3 and df/db = a*e + d = -2 - 6 = -8, but each leaf
/// keeps only the gradient written last.
#[test]
fn the_assignment_bug_is_caught_at_the_reused_values() {
    let document = read_ok(&fixture_text("buggy_reuse.json"));
    let report = check(&document, &Tolerance::default());
    assert_eq!(
        flagged(&report),
        [
            ("a".to_string(), Field::Grad),
            ("b".to_string(), Field::Grad)
        ]
    );
    let expected: Vec<f64> = report.mismatches.iter().map(|m| m.expected).collect();
    assert_eq!(expected, [-3.0, -8.0]);
    check_golden("buggy_reuse.check.txt", &report.table());
}

/// Exported by `tests/python/interop_graphs.py buggy scaled-tanh`: y = 3 * tanh(x) at x = 0.5.
/// dy/dx = 3 (1 - t²), which the notes' `1 - t**2 * out.grad` gets wrong because
/// out.grad is 3.
#[test]
fn the_tanh_bug_is_caught_where_its_output_grad_is_not_one() {
    let document = read_ok(&fixture_text("buggy_tanh.json"));
    let report = check(&document, &Tolerance::default());
    assert_eq!(flagged(&report), [("x".to_string(), Field::Grad)]);
    let t = 0.5f64.tanh();
    let mismatch = &report.mismatches[0];
    assert!((mismatch.expected - 3.0 * (1.0 - t * t)).abs() < 1e-12);
    assert!((mismatch.stored - (1.0 - t * t * 3.0)).abs() < 1e-12);
    check_golden("buggy_tanh.check.txt", &report.table());
}

/// An engine's grads left by `backward()` called twice, or never, are wrong at every node:
/// `check` names that misuse instead of blaming one node's local backward. A chain of
/// depth 3 is used because a second call multiplies each grad by a different number there
/// (2, 3 and 4 down the chain), which only running backward again accounts for.
#[test]
fn backward_run_twice_or_never_is_named_as_the_cause() {
    let g = Graph::new();
    let x = g.leaf(0.5).with_label("x");
    let y = (x.tanh() * 3.0).with_label("y");
    let z = y.exp().with_label("z");
    let never = document_of(&g, &[z.id()]);
    let mut after_calls = Vec::new();
    for _ in 0..3 {
        z.backward();
        after_calls.push(document_of(&g, &[z.id()]));
    }
    let [once, twice, thrice] = <[Document; 3]>::try_from(after_calls).unwrap();
    assert!(check(&once, &Tolerance::default()).is_clean());
    let from_z =
        |calls: usize| format!("cause: these grads are what {calls} backward() calls from z leave");
    for (document, cause) in [
        (
            &never,
            "cause: every grad is 0: backward() has not run from z".to_string(),
        ),
        (&twice, from_z(2)),
        (&thrice, from_z(3)),
    ] {
        let report = check(document, &Tolerance::default());
        assert!(report.table().contains(&cause), "{}", report.table());
        assert!(report.causes.is_empty(), "{}", report.table());
        assert!(!report.is_clean());
    }
    // Grads of one call, doubled by hand as a buggy engine might: no number of calls
    // gives them, so no misuse is named.
    let doubled = once.graph.map(
        |_, node| {
            let mut node = node.clone();
            node.grad = if node.id == z.id().index() as u64 {
                1.0
            } else {
                2.0 * node.grad
            };
            node
        },
        |_, edge| *edge,
    );
    let report = check(
        &Document {
            graph: doubled,
            roots: once.roots.clone(),
        },
        &Tolerance::default(),
    );
    assert!(report.misuse.is_none(), "{}", report.table());
}

/// micrograd's `_prev` is a set, so an exporter reading it lists the operand of `a + a`
/// and `a * a` once: a `+` or `*` with one child is that child twice, for drawing and for
/// the check (d(a + a)/da = 2, d(a * a)/da = 2a).
#[test]
fn a_sum_or_product_with_one_child_uses_it_twice() {
    let text = r#"{"format": "gradviz", "version": 1, "nodes": [
        {"id": 0, "label": "a", "data": 3, "grad": 8, "op": "", "children": []},
        {"id": 1, "label": "s", "data": 6, "grad": 1, "op": "+", "children": [0]},
        {"id": 2, "label": "p", "data": 9, "grad": 1, "op": "*", "children": [0]}],
        "roots": [1, 2]}"#;
    let document = read_ok(text);
    let s = document.graph.node_indices().nth(1).unwrap();
    assert_eq!(operands(&document.graph, s).len(), 2);
    assert!(check(&document, &Tolerance::default()).is_clean());
    let wrong = text.replace(r#""grad": 8"#, r#""grad": 7"#);
    let report = check(&read_ok(&wrong), &Tolerance::default());
    assert_eq!(flagged(&report), [("a".to_string(), Field::Grad)]);
    assert_eq!(report.mismatches[0].expected, 8.0);
}

/// Several roots mean `backward()` was called on each in turn without zeroing grads, and a
/// later call re-propagates the grads the earlier left behind: with b = 2a, r1 = b + 1,
/// r2 = b + 3, r1.backward() leaves b.grad = 1, a.grad = 2; r2.backward() makes b.grad 2
/// and adds 2 * 2 to a.grad: 6. Without r2 the grads of a, b, r2 and of the constants 2
/// (`a * 2.0` makes it a leaf, its grad gains a.data * b.grad) and 3 are wrong.
#[test]
fn several_roots_run_backward_in_turn() {
    let g = Graph::new();
    let a = g.leaf(5.0).with_label("a");
    let b = (a * 2.0).with_label("b");
    let r1 = (b + 1.0).with_label("r1");
    let r2 = (b + 3.0).with_label("r2");
    r1.backward();
    r2.backward();
    assert_eq!((a.grad(), b.grad()), (6.0, 2.0));
    let document = document_of(&g, &[r1.id(), r2.id()]);
    let report = check(&document, &Tolerance::default());
    assert!(report.is_clean(), "{}", report.table());
    let reversed = Document {
        roots: document.roots.iter().rev().copied().collect(),
        ..document
    };
    assert!(check(&reversed, &Tolerance::default()).is_clean());
    let only_first = Document {
        roots: reversed.roots[1..].to_vec(),
        ..reversed
    };
    let report = check(&only_first, &Tolerance::default());
    assert_eq!(
        flagged(&report),
        ["a", "", "b", "", "r2"].map(|label| (label.to_string(), Field::Grad))
    );
}

#[test]
fn tolerance_compares_like_isclose() {
    let t = Tolerance::default();
    assert!(t.agrees(f64::NAN, f64::NAN));
    assert!(!t.agrees(f64::NAN, 1.0));
    assert!(!t.agrees(1.0, f64::NAN));
    assert!(t.agrees(f64::INFINITY, f64::INFINITY));
    assert!(!t.agrees(f64::INFINITY, f64::NEG_INFINITY));
    assert!(!t.agrees(f64::MAX, f64::INFINITY));
    assert!(t.agrees(-0.0, 0.0));
    assert!(t.agrees(1.0 + 1e-10, 1.0));
    assert!(!t.agrees(1.0 + 1e-8, 1.0));
    assert!(t.agrees(1e-13, 0.0));
    assert!(!t.agrees(1e-11, 0.0));
    let loose = Tolerance::new(0.1, 0.0).unwrap();
    assert!(loose.agrees(1.05, 1.0));
    assert!(Tolerance::new(-1.0, 0.0).is_err());
    assert!(Tolerance::new(0.0, f64::NAN).is_err());
}

#[test]
fn the_table_aligns_escapes_and_prints_exact_numbers() {
    let text = doc(
        &[
            r#"{"id": 0, "label": "a\tb\nc", "data": 0.1, "grad": 0.30000000000000004, "op": "", "children": []}"#,
            r#"{"id": 12, "label": "θ", "data": 0.2, "grad": 1.0, "op": "tanh", "children": [0]}"#,
        ],
        "[12]",
    );
    let report = check(&read_ok(&text), &Tolerance::default());
    // The lecture's tanh of 0.1 (not bit-equal to f64::tanh); the grad from the stored
    // data of the tanh node, 0.2: (1 - 0.2²) * 1.
    let tanh = (0.2f64.exp() - 1.0) / (0.2f64.exp() + 1.0);
    let expected_grad = 1.0 - 0.2 * 0.2;
    assert_eq!(
        report.table(),
        format!(
            "id  label    field  stored               expected\n\
             0   a\\tb\\nc  grad   0.30000000000000004  {expected_grad:?}\n\
             12  θ        data   0.2                  {tanh:?}\n\
             cause: the local backward of 'tanh' at θ gives a wrong grad to a\\tb\\nc \
             (its own grad agrees)\n\
             2 mismatch(es) in 2 node(s) (rtol 1e-09, atol 1e-12)\n"
        )
    );
}

/// Steps that build a random engine graph: each uses earlier nodes by index.
#[derive(Debug, Clone)]
enum Step {
    Leaf(f64, String),
    Binary(bool, usize, usize),
    Unary(u8, usize),
    Grad(usize, f64),
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(-0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-1000i32..1000).prop_map(f64::from),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (number(), "\\PC{0,6}|[{}|<>\"\\\\\n\t ]{0,4}").prop_map(|(x, l)| Step::Leaf(x, l)),
        (any::<bool>(), any::<usize>(), any::<usize>()).prop_map(|(m, a, b)| Step::Binary(m, a, b)),
        (0u8..7, any::<usize>()).prop_map(|(op, a)| Step::Unary(op, a)),
        (any::<usize>(), number()).prop_map(|(a, x)| Step::Grad(a, x)),
    ]
}

fn build(g: &Graph, steps: &[Step]) -> Vec<NodeId> {
    let mut made = vec![g.leaf(1.5).id()];
    for s in steps {
        let pick = |i: &usize| g.value(made[i % made.len()]);
        let value = match s {
            Step::Leaf(x, label) => g.leaf(*x).with_label(label),
            Step::Binary(true, a, b) => pick(a) * pick(b),
            Step::Binary(false, a, b) => pick(a) + pick(b),
            Step::Unary(0, a) => pick(a).tanh(),
            Step::Unary(1, a) => pick(a).exp(),
            Step::Unary(2, a) => pick(a).relu(),
            Step::Unary(3, a) => pick(a).pow(2),
            Step::Unary(4, a) => pick(a).pow(-0.5),
            Step::Unary(5, a) => pick(a).log(),
            Step::Unary(_, a) => pick(a).sigmoid(),
            Step::Grad(a, x) => {
                pick(a).set_grad(*x);
                continue;
            }
        };
        made.push(value.id());
    }
    made
}

proptest! {
    #[test]
    fn engine_graphs_round_trip_through_json(
        steps in proptest::collection::vec(step(), 0..40),
        root_picks in proptest::collection::vec(any::<usize>(), 1..4),
    ) {
        let g = Graph::new();
        let made = build(&g, &steps);
        let mut roots: Vec<NodeId> = root_picks.iter().map(|i| made[i % made.len()]).collect();
        roots.sort();
        roots.dedup();
        let document = document_of(&g, &roots);
        let text = write(&document.graph, &document.roots);
        let back = read_ok(&text);
        assert_same_graph(&document.graph, &back.graph);
        prop_assert_eq!(&back.roots, &document.roots);
        prop_assert_eq!(write(&back.graph, &back.roots), text);
    }

    #[test]
    fn backward_on_random_graphs_checks_clean(
        steps in proptest::collection::vec(step(), 0..40),
        root_picks in proptest::collection::vec(any::<usize>(), 1..3),
    ) {
        let g = Graph::new();
        let made = build(&g, &steps);
        g.zero_grad();
        let roots: Vec<NodeId> = root_picks.iter().map(|i| made[i % made.len()]).collect();
        let mut distinct = roots.clone();
        distinct.sort();
        distinct.dedup();
        prop_assume!(distinct.len() == roots.len());
        for &root in &roots {
            g.backward(root);
        }
        let report = check(&document_of(&g, &roots), &Tolerance::default());
        prop_assert!(report.is_clean(), "{}", report.table());
    }

    #[test]
    fn read_never_panics(text in "\\PC{0,200}") {
        let _ = read(&text, "fuzz.json");
    }
}
