//! The module structure of a network, found by the objects that made each value and
//! exported with the graph: the subset's `MLP`, micrograd's `nn` in CPython (the moons
//! notebook), the lecture's own classes, the JSON round trip, and malformed scope tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as Json;

use crate::support::python::python;
use crate::support::{fixture, gradviz, python_fixture};

/// One step of a value's scope as the JSON says it: kind, name, object, call.
type Step = (String, String, u64, Option<u64>);

/// The JSON document `gradviz render` writes for `input`, the script run by `command`.
fn json_of(mut command: Command, input: &Path, extra: &[&str]) -> Json {
    let assert = command
        .args(["render", "--format", "json", "-o", "-"])
        .args(extra)
        .arg(input)
        .assert()
        .success();
    serde_json::from_slice(&assert.get_output().stdout).expect("JSON on stdout")
}

/// `gradviz` running scripts in the Python with micrograd 0.1.0 installed.
fn gradviz_with_micrograd() -> Command {
    let mut command = gradviz();
    command.env("GRADVIZ_PYTHON", python());
    command
}

/// Each node's label and scope path (outermost first), read through the `"scopes"` table.
fn scoped_nodes(document: &Json) -> Vec<(String, Vec<Step>)> {
    let table: BTreeMap<u64, &Json> = document["scopes"]
        .as_array()
        .expect("a scopes table")
        .iter()
        .map(|entry| (entry["id"].as_u64().expect("an id"), entry))
        .collect();
    let path = |mut scope: Option<u64>| {
        let mut steps = Vec::new();
        while let Some(id) = scope {
            let entry = table[&id];
            steps.push((
                entry["kind"].as_str().unwrap().to_string(),
                entry["name"].as_str().unwrap().to_string(),
                entry["object"].as_u64().unwrap(),
                entry["call"].as_u64(),
            ));
            scope = entry["parent"].as_u64();
        }
        steps.reverse();
        steps
    };
    document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let label = node["label"].as_str().unwrap_or("").to_string();
            (label, path(node["scope"].as_u64()))
        })
        .collect()
}

/// Checks the structure of an `MLP` graph and returns how many distinct calls of the
/// network it holds: every parameter `l{i}.n{j}.w{k}` / `.b` was made in the constructors
/// of `MLP0`, its layer `l{i}` and that layer's neuron `n{j}`; every value made in a call
/// is in a neuron's call inside a layer's call inside the network's call, all of the same
/// objects the parameters name.
fn check_mlp_structure(document: &Json) -> usize {
    let nodes = scoped_nodes(document);
    let mut mlp_calls = BTreeSet::new();
    let mut parameters = 0;
    for (label, steps) in &nodes {
        let parts: Vec<&str> = label.split('.').collect();
        if parts.len() == 3 && parts[0].starts_with('l') && parts[1].starts_with('n') {
            parameters += 1;
            let names: Vec<(&str, &str, Option<u64>)> = steps
                .iter()
                .map(|(kind, name, _, call)| (kind.as_str(), name.as_str(), *call))
                .collect();
            assert_eq!(
                names,
                [
                    ("MLP", "MLP0", None),
                    ("Layer", parts[0], None),
                    ("Neuron", parts[1], None)
                ],
                "parameter {label}"
            );
            continue;
        }
        if steps.is_empty() {
            continue;
        }
        let kinds: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(kinds, ["MLP", "Layer", "Neuron"], "value {label:?}");
        assert!(steps.iter().all(|s| s.3.is_some()), "{label:?}: {steps:?}");
        assert_eq!((steps[0].1.as_str(), steps[0].2), ("MLP0", 0), "{steps:?}");
        mlp_calls.insert(steps[0].3);
    }
    assert!(parameters > 0, "no parameters found");
    mlp_calls.len()
}

#[test]
fn the_subsets_mlp_scopes_its_parameters_and_each_forward_pass() {
    let document = json_of(gradviz(), &fixture("mlp.py"), &[]);
    assert_eq!(check_mlp_structure(&document), 4, "one call per example");
}

#[test]
fn cpython_with_micrograds_nn_gives_the_subsets_scopes() {
    let subset = json_of(gradviz(), &fixture("mlp.py"), &[]);
    let cpython = json_of(
        gradviz_with_micrograd(),
        &fixture("mlp.py"),
        &["--interpreter", "python"],
    );
    // micrograd's backward sums in another order (the last bits of grads differ), so the
    // structure is compared: the same table, and each value in the same scope.
    let structure = |document: &Json| {
        let nodes: Vec<(Json, Json)> = document["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| (node["id"].clone(), node["scope"].clone()))
            .collect();
        (document["scopes"].clone(), nodes)
    };
    assert!(cpython["scopes"].is_array(), "{cpython}");
    assert_eq!(structure(&subset), structure(&cpython));
}

#[test]
fn the_moons_notebook_has_one_network_call_per_example() {
    let document = json_of(
        gradviz_with_micrograd(),
        &python_fixture("moons.ipynb"),
        &[],
    );
    assert_eq!(check_mlp_structure(&document), 100);
}

#[test]
fn the_lectures_own_classes_are_found_by_their_parameters_method() {
    let document = json_of(
        gradviz_with_micrograd(),
        &python_fixture("lecture_mlp.py"),
        &[],
    );
    // Its own classes label nothing: the runner names parameters as the subset does.
    assert_eq!(check_mlp_structure(&document), 4);
}

#[test]
fn a_json_round_trip_keeps_the_scopes_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");
    gradviz()
        .args(["render", "-o"])
        .arg(&first)
        .arg(fixture("mlp.py"))
        .assert()
        .success();
    gradviz()
        .args(["render", "-o"])
        .arg(&second)
        .arg(&first)
        .assert()
        .success();
    let text = std::fs::read_to_string(&first).unwrap();
    assert!(text.contains("\"scopes\": ["), "{text}");
    assert_eq!(text, std::fs::read_to_string(&second).unwrap());
}

/// A one-node document with `node_scope` as its node's scope and `scopes` as its table.
fn scoped_document(node_scope: &str, scopes: &str) -> String {
    format!(
        r#"{{"format": "gradviz", "version": 1, "nodes": [
  {{"id": 0, "label": "", "data": 1.0, "grad": 0.0, "op": "", "children": [], "scope": {node_scope}}}
], "roots": [0], "scopes": [{scopes}]}}"#
    )
}

#[test]
fn malformed_scopes_are_refused_with_their_json_path() {
    let mlp =
        r#"{"id": 0, "kind": "MLP", "name": "MLP0", "object": 0, "call": null, "parent": null}"#;
    let cases = [
        (
            scoped_document("7", mlp),
            "nodes[0].scope",
            "no scope with id 7",
        ),
        (
            scoped_document("\"a\"", mlp),
            "nodes[0].scope",
            "expected an id",
        ),
        (
            scoped_document(
                "0",
                r#"{"id": 0, "kind": "MLP", "name": "MLP0", "object": 0, "call": null, "parent": 3}"#,
            ),
            "scopes[0].parent",
            "no scope with id 3",
        ),
        (
            scoped_document(
                "0",
                r#"{"id": 0, "kind": "A", "name": "a", "object": 0, "parent": 1},
                   {"id": 1, "kind": "B", "name": "b", "object": 1, "parent": 0}"#,
            ),
            "scopes[0].parent",
            "the parents form a cycle",
        ),
        (
            scoped_document("0", r#"{"id": 0, "kind": 5, "name": "MLP0", "object": 0}"#),
            "scopes[0].kind",
            "expected a string",
        ),
        (
            scoped_document(
                "0",
                r#"{"id": 0, "kind": "MLP", "name": "MLP0", "object": 0, "call": -1}"#,
            ),
            "scopes[0].call",
            "expected a non-negative integer",
        ),
        (
            scoped_document("0", r#"{"id": 0, "kind": "MLP", "object": 0}"#),
            "scopes[0]",
            "missing field \"name\"",
        ),
        (
            scoped_document("0", "[]"),
            "scopes[0]",
            "expected a scope object",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (k, (text, path, message)) in cases.iter().enumerate() {
        let input = dir.path().join(format!("bad{k}.json"));
        let output = dir.path().join(format!("bad{k}.svg"));
        std::fs::write(&input, text).unwrap();
        let assert = gradviz()
            .args(["render", "-o"])
            .arg(&output)
            .arg(&input)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(
            stderr.contains(path) && stderr.contains(message),
            "case {k}: expected {path}: {message}, got {stderr}"
        );
        assert!(!output.exists(), "case {k} left an output behind");
    }
}

#[test]
fn a_graph_without_modules_writes_no_scopes() {
    let document = json_of(gradviz(), &fixture("neuron.py"), &["--snapshot", "1"]);
    assert!(document.get("scopes").is_none(), "{document}");
    assert!(document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|node| node.get("scope").is_none()));
}
