//! The step-by-step replay of backward (`gradviz::page::replay`): its steps on the lecture neuron,
//! its final state against the engine's `backward()` bit for bit, several roots, and the
//! marks on a graph whose stored grads are wrong.

use crate::support::graphs;

use gradviz::check::Tolerance;
use gradviz::engine::{Graph, Input, PyRandom, MLP};
use gradviz::graph::{to_petgraph, ExportGraph};
use gradviz::input::json;
use gradviz::page::replay::{replay, StepKind};
use graphs::lecture_neuron;
use petgraph::graph::NodeIndex;

fn index_of(graph: &ExportGraph, label: &str) -> NodeIndex {
    graph
        .node_indices()
        .find(|&i| graph[i].label == label)
        .unwrap_or_else(|| panic!("no value labelled {label}"))
}

fn neuron() -> ExportGraph {
    let g = Graph::new();
    let [.., o] = lecture_neuron(&g, ["x1", "x2", "w1", "w2", "b"]);
    to_petgraph(&g, &[o.id()])
}

#[test]
fn the_neuron_replays_from_the_root_down_in_reverse_topological_order() {
    let graph = neuron();
    let o = index_of(&graph, "o");
    let r = replay(&graph, &[o], 4).unwrap();
    // start, seed, then o (tanh), n (+), x1*w1 + x2*w2 (+), x2*w2 (*), x1*w1 (*).
    let kinds: Vec<String> = r
        .steps
        .iter()
        .map(|s| match s.kind {
            StepKind::Start => "start".to_string(),
            StepKind::Seed(root) => format!("seed {}", graph[root].label),
            StepKind::Local(node) => graph[node].label.to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "start",
            "seed o",
            "o",
            "n",
            "x1*w1 + x2*w2",
            "x2*w2",
            "x1*w1"
        ]
    );
    assert!(r.steps[0].changes.is_empty());
    assert_eq!(r.steps[1].changes[0].text, "o.grad = 1");
    let tanh = &r.steps[2].changes;
    assert_eq!(tanh.len(), 1);
    assert_eq!(graph[tanh[0].node].label, "n");
    // The chain rule in numbers: local derivative, times the upstream grad, into the sum.
    assert_eq!(
        tanh[0].text,
        "d(o)/d(n) = 1 − o.data² = 1 − 0.7071² = 0.5000\n\
         d(o)/d(n) × o.grad = 0.5000 × 1.0000 = 0.5000\n\
         n.grad += 0.5000 → 0.5000"
    );
    let sum = &r.steps[3].changes;
    assert_eq!(
        sum[1].text,
        "d(n)/d(b) = 1\nd(n)/d(b) × n.grad = 1.0000 × 0.5000 = 0.5000\nb.grad += 0.5000 → 0.5000"
    );
    assert!((tanh[0].grad - 0.5).abs() < 1e-15);
    let last = &r.steps[6].changes;
    let texts: Vec<&str> = last.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "d(x1*w1)/d(x1) = w1.data = -3.0000\n\
             d(x1*w1)/d(x1) × (x1*w1).grad = -3.0000 × 0.5000 = -1.5000\n\
             x1.grad += -1.5000 → -1.5000",
            "d(x1*w1)/d(w1) = x1.data = 2.0000\n\
             d(x1*w1)/d(w1) × (x1*w1).grad = 2.0000 × 0.5000 = 1.0000\n\
             w1.grad += 1.0000 → 1.0000",
        ]
    );
}

#[test]
fn the_last_step_is_the_engines_backward_bit_for_bit() {
    let g = Graph::new();
    let mut rng = PyRandom::new(1337);
    let model = MLP::new(&g, 3, &[4, 4, 1], &mut rng);
    let rows = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0]];
    let mut loss = g.leaf(0.0);
    for (row, target) in rows.iter().zip([1.0, -1.0, -1.0]) {
        let x: Vec<Input> = row.iter().map(|&v| Input::Number(v)).collect();
        let out = model.call(&x)[0];
        loss = loss + (out - target).pow(2);
    }
    // A value used twice, and a tanh and exp in the mix, so every rule is exercised.
    let loss = loss * loss.tanh() + loss.exp().log() + loss.sigmoid();
    loss.backward();
    let exported = to_petgraph(&g, &[loss.id()]);
    let root = NodeIndex::new(exported.node_count() - 1);
    let r = replay(&exported, &[root], 4).unwrap();
    assert!(r.unknown.is_empty());
    for node in exported.node_indices() {
        assert_eq!(
            r.grads[node.index()].to_bits(),
            exported[node].grad.to_bits(),
            "value {} ({})",
            exported[node].id,
            exported[node].label
        );
    }
    // Each step's changes, applied in order from zero, reach the same state.
    let mut grads = vec![0.0; exported.node_count()];
    for step in &r.steps {
        for change in &step.changes {
            grads[change.node.index()] = change.grad;
        }
    }
    assert_eq!(grads, r.grads);
    assert!(r
        .mismatches(&exported, &[root], &Tolerance::default())
        .is_empty());
}

#[test]
fn several_roots_accumulate_as_backward_on_each_does() {
    let g = Graph::new();
    let a = g.leaf(2.0).with_label("a");
    let b = g.leaf(-1.5).with_label("b");
    let first = (a * b).with_label("first");
    let second = (a + first).with_label("second");
    first.backward();
    second.backward();
    let exported = to_petgraph(&g, &[first.id(), second.id()]);
    let roots = [index_of(&exported, "first"), index_of(&exported, "second")];
    let r = replay(&exported, &roots, 4).unwrap();
    let seeds: Vec<NodeIndex> = r
        .steps
        .iter()
        .filter_map(|s| match s.kind {
            StepKind::Seed(root) => Some(root),
            _ => None,
        })
        .collect();
    assert_eq!(seeds, roots);
    for node in exported.node_indices() {
        assert_eq!(r.grads[node.index()], exported[node].grad);
    }
    // `first` was seeded to 1 by its own backward, then set to 1 again by the second seed.
    assert_eq!(r.grads[roots[0].index()], 2.0);
}

#[test]
fn stored_grads_that_backward_would_not_give_are_marked_only_after_backward() {
    let text = include_str!("../../fixtures/buggy_reuse.json");
    let document = json::read(text, "buggy_reuse.json").unwrap();
    let r = replay(&document.graph, &document.roots, 4).unwrap();
    let marked: Vec<&str> = r
        .mismatches(&document.graph, &document.roots, &Tolerance::default())
        .into_iter()
        .map(|i| document.graph[i].label.as_str())
        .collect();
    assert_eq!(marked, ["a", "b"]);
    let mut before = document.graph.clone();
    for node in before.node_weights_mut() {
        node.grad = if node.label == "a" { 5.0 } else { 0.0 };
    }
    assert!(r
        .mismatches(&before, &document.roots, &Tolerance::default())
        .is_empty());
}

#[test]
fn a_million_deep_chain_replays_without_recursion() {
    let g = Graph::new();
    let mut v = g.leaf(0.5);
    for _ in 0..1_000_000 {
        v = v * 1.0;
    }
    v.backward();
    let exported = to_petgraph(&g, &[v.id()]);
    let root = NodeIndex::new(exported.node_count() - 1);
    let r = replay(&exported, &[root], 4).unwrap();
    assert_eq!(r.steps.len(), 2 + 1_000_000);
    assert_eq!(r.grads[0], g.grad(gradviz::engine::NodeId::from_index(0)));
}
