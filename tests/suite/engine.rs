//! The engine against micrograd: the lecture neuron, micrograd's own tests and README
//! example, gradient accumulation, stack safety, and finite differences on random graphs.

// Numbers are written exactly as micrograd and the lecture print them.
#![allow(clippy::approx_constant, clippy::excessive_precision)]

use crate::support::graphs;

use gradviz::engine::{Exponent, Graph, Input, NodeId, Op, PyRandom, Value, MLP};
use gradviz::graph::{operands, to_petgraph};
use proptest::prelude::*;

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
}

#[test]
fn lecture_neuron() {
    let g = Graph::new();
    let [x1, x2, w1, w2, b, n, o] = graphs::lecture_neuron(&g, ["x1", "x2", "w1", "w2", "b"]);
    assert_eq!(o.data(), 0.7071067811865476);
    close(x1.grad(), -1.5);
    close(w1.grad(), 1.0);
    close(x2.grad(), 0.5);
    close(w2.grad(), 0.0);
    close(b.grad(), 0.5);
    close(n.grad(), 0.5);
    assert_eq!(g.len(), 10);
}

/// micrograd's `test_sanity_check`, its expected numbers from PyTorch.
#[test]
fn micrograd_sanity_check() {
    let g = Graph::new();
    let x = g.leaf(-4.0);
    let z = 2.0 * x + 2.0 + x;
    let q = z.relu() + z * x;
    let h = (z * z).relu();
    let y = h + q + q * x;
    y.backward();
    assert_eq!(y.data(), -20.0);
    assert_eq!(x.grad(), 46.0);
}

/// micrograd's README example (and `test_more_ops`).
#[test]
fn micrograd_readme_example() {
    let g = Graph::new();
    let a = g.leaf(-4.0);
    let b = g.leaf(2.0);
    let mut c = a + b;
    let mut d = a * b + b.pow(3);
    c = c + (c + 1.0);
    c = c + (1.0 + c + -a);
    d = d + (d * 2.0 + (b + a).relu());
    d = d + (3.0 * d + (b - a).relu());
    let e = c - d;
    let f = e.pow(2);
    let mut gg = f / 2.0;
    gg = gg + 10.0 / f;
    gg.backward();
    assert_eq!(gg.data(), 24.70408163265306);
    assert_eq!(a.grad(), 138.83381924198252);
    assert_eq!(b.grad(), 645.5772594752186);
}

#[test]
fn reused_value_accumulates() {
    let g = Graph::new();
    let a = g.leaf(3.0);
    let b = a + a;
    b.backward();
    assert_eq!(a.grad(), 2.0);
    let c = a * a;
    g.zero_grad();
    c.backward();
    assert_eq!(a.grad(), 6.0);
}

#[test]
fn backward_twice_accumulates_like_micrograd() {
    let g = Graph::new();
    let a = g.leaf(3.0);
    let b = a * 2.0;
    b.backward();
    b.backward();
    assert_eq!(a.grad(), 4.0);
    assert_eq!(b.grad(), 1.0);
}

#[test]
fn decomposition_matches_micrograd() {
    let g = Graph::new();
    let a = g.leaf(5.0);
    let b = g.leaf(2.0);
    let neg = -a;
    assert_eq!(neg.op(), Op::Mul);
    assert_eq!(g.data(NodeId::from_index(2)), -1.0);
    let before = g.len();
    let diff = a - b;
    assert_eq!(g.len() - before, 3, "leaf -1, b * -1, a + (-b)");
    assert_eq!(diff.data(), 3.0);
    let before = g.len();
    let minus_number = a - 3.0;
    assert_eq!(g.len() - before, 2);
    assert_eq!(g.data(g.operands(minus_number.id())[1]), -3.0);
    let quotient = a / b;
    assert_eq!(quotient.op(), Op::Mul);
    assert_eq!(g.op(g.operands(quotient.id())[1]).to_string(), "**-1");
    let over_number = a / 4.0;
    assert_eq!(g.data(g.operands(over_number.id())[1]), 0.25);
    let reciprocal = 2.0 / a;
    let parts = g.operands(reciprocal.id());
    assert_eq!(g.op(parts[0]).to_string(), "**-1");
    assert_eq!(g.data(parts[1]), 2.0);
    assert_eq!(a.pow(Exponent::float(2.0)).op().to_string(), "**2.0");
    assert_eq!(a.pow(0.5).op().to_string(), "**0.5");
    assert_eq!(a.relu().op().to_string(), "ReLU");
}

#[test]
fn non_finite_values_propagate() {
    let g = Graph::new();
    let a = g.leaf(f64::NAN);
    let b = g.leaf(f64::INFINITY);
    let c = (a * b + b).tanh() + b.exp() + g.leaf(0.0).log();
    c.backward();
    assert!(c.data().is_nan());
    assert!(a.grad().is_nan());
}

#[test]
fn million_deep_chain_is_stack_safe() {
    let g = Graph::with_capacity(2_000_001);
    let x0 = g.leaf(1.0);
    let mut x = x0;
    for _ in 0..1_000_000 {
        x = x + 1.0;
    }
    x.backward();
    assert_eq!(x.data(), 1_000_001.0);
    assert_eq!(x0.grad(), 1.0);
    let exported = to_petgraph(&g, &[x.id()]);
    assert_eq!(exported.node_count(), 2_000_001);
    assert_eq!(exported.edge_count(), 2_000_000);
    assert_eq!(g.topo_order(x.id()).len(), 2_000_001);
}

#[test]
fn export_keeps_order_operands_and_reachability() {
    let g = Graph::new();
    let a = g.leaf(1.0).with_label("a");
    let _unused = g.leaf(9.0);
    let b = (a * a).with_label("b");
    let exported = to_petgraph(&g, &[b.id()]);
    assert_eq!(exported.node_count(), 2);
    let ids: Vec<u64> = exported.node_weights().map(|n| n.id).collect();
    assert_eq!(ids, [0, 2]);
    let b_index = petgraph::graph::NodeIndex::new(1);
    assert_eq!(exported[b_index].op, "*");
    assert_eq!(exported[b_index].label, "b");
    assert_eq!(operands(&exported, b_index).len(), 2);
}

/// Numbers printed by micrograd 0.1.0 after `random.seed(1337); m = MLP(2, [4, 4, 1])`,
/// `out = m([2.0, -1.0]); out.backward()`.
#[test]
fn mlp_weights_match_micrograd_for_a_seed() {
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[4, 4, 1], &mut PyRandom::new(1337));
    let params = model.parameters();
    assert_eq!(params.len(), 37);
    assert_eq!(params[0].data(), 0.23550571390294128);
    assert_eq!(params[35].data(), 0.9151267732861252);
    assert_eq!(params[0].label().as_deref(), Some("l0.n0.w0"));
    assert_eq!(params[2].label().as_deref(), Some("l0.n0.b"));
    assert_eq!(params[36].label().as_deref(), Some("l2.n0.b"));
    let out = model.call(&[Input::Number(2.0), Input::Number(-1.0)]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].op(), Op::Add);
    assert_eq!(out[0].data(), 0.2507588537713559);
    out[0].backward();
    assert_eq!(params[0].grad(), 1.2399064468702288);
    assert_eq!(params[36].grad(), 1.0);
}

/// A random expression over a few leaves, as a list of instructions.
#[derive(Debug, Clone)]
enum Step {
    Binary(u8, usize, usize),
    Unary(u8, usize),
    Constant(u8, usize, f64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, any::<usize>(), any::<usize>()).prop_map(|(o, a, b)| Step::Binary(o, a, b)),
        (0u8..6, any::<usize>()).prop_map(|(o, a)| Step::Unary(o, a)),
        (0u8..4, any::<usize>(), -3.0f64..3.0).prop_map(|(o, a, c)| Step::Constant(o, a, c)),
    ]
}

/// Builds the expression; every unary op is applied to a squashed operand so the function
/// stays smooth and in-domain near the point (no kinks of ReLU, no log of negatives).
fn build<'g>(leaves: &[Value<'g>], steps: &[Step]) -> Value<'g> {
    let mut pool: Vec<Value<'g>> = leaves.to_vec();
    for s in steps {
        let pick = |i: usize| pool[i % pool.len()];
        let v = match *s {
            Step::Binary(0, a, b) => pick(a) + pick(b),
            Step::Binary(1, a, b) => pick(a) * pick(b),
            Step::Binary(2, a, b) => pick(a) - pick(b),
            Step::Binary(_, a, b) => pick(a) / (pick(b).pow(2) + 1.0),
            Step::Unary(0, a) => pick(a).tanh(),
            Step::Unary(1, a) => pick(a).tanh().exp(),
            Step::Unary(2, a) => (pick(a).tanh() + 2.0).log(),
            Step::Unary(3, a) => pick(a).sigmoid(),
            Step::Unary(4, a) => (pick(a).pow(2) + 1.0).pow(0.5),
            Step::Unary(_, a) => (pick(a).tanh() + 2.0).relu(),
            Step::Constant(0, a, c) => c + pick(a),
            Step::Constant(1, a, c) => c * pick(a),
            Step::Constant(2, a, c) => c - pick(a),
            Step::Constant(_, a, c) => pick(a) * c,
        };
        pool.push(v.tanh());
    }
    *pool.last().expect("leaves are never empty")
}

proptest! {
    #[test]
    fn gradients_match_central_differences(
        point in prop::collection::vec(-2.0f64..2.0, 1..5),
        steps in prop::collection::vec(step(), 1..12),
    ) {
        let g = Graph::new();
        let leaves: Vec<Value> = point.iter().map(|&x| g.leaf(x)).collect();
        let out = build(&leaves, &steps);
        out.backward();
        let h = 1e-6;
        for i in 0..point.len() {
            let at = |delta: f64| {
                let g = Graph::new();
                let mut shifted = point.clone();
                shifted[i] += delta;
                let leaves: Vec<Value> = shifted.iter().map(|&x| g.leaf(x)).collect();
                build(&leaves, &steps).data()
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let analytic = leaves[i].grad();
            prop_assert!(
                (numeric - analytic).abs() <= 1e-5 * (1.0 + analytic.abs()),
                "leaf {i}: analytic {analytic}, numeric {numeric}"
            );
        }
    }
}
