//! The lecture's neuron, `o = tanh(x1*w1 + x2*w2 + b)`, built with the engine API and
//! labelled as in the lecture, for the tests that compute, draw, export or check it.

use gradviz::engine::{Graph, Value};

/// The leaves and their values in the lecture; `b` makes `n` = atanh(1/√2), so `o` = 1/√2.
const LEAVES: [(&str, f64); 5] = [
    ("x1", 2.0),
    ("x2", 0.0),
    ("w1", -3.0),
    ("w2", 1.0),
    ("b", 6.881_373_587_019_543),
];

/// Builds the neuron in `g` and runs `o.backward()`, returning `[x1, x2, w1, w2, b, n, o]`.
///
/// The leaves are made in `leaf_order` (each of x1, x2, w1, w2, b once): ids follow the order
/// of creation, so the order is part of what a golden file of the graph records.
pub fn lecture_neuron<'g>(g: &'g Graph, leaf_order: [&str; 5]) -> [Value<'g>; 7] {
    let mut leaves = [None; 5];
    for name in leaf_order {
        let slot = LEAVES
            .iter()
            .position(|(leaf, _)| *leaf == name)
            .unwrap_or_else(|| panic!("the neuron has no leaf {name}"));
        assert!(leaves[slot].is_none(), "{name} named twice");
        leaves[slot] = Some(g.leaf(LEAVES[slot].1).with_label(name));
    }
    let [x1, x2, w1, w2, b] = leaves.map(|leaf| leaf.expect("all five leaves are named"));
    let x1w1 = (x1 * w1).with_label("x1*w1");
    let x2w2 = (x2 * w2).with_label("x2*w2");
    let sum = (x1w1 + x2w2).with_label("x1*w1 + x2*w2");
    let n = (sum + b).with_label("n");
    let o = n.tanh().with_label("o");
    o.backward();
    [x1, x2, w1, w2, b, n, o]
}
