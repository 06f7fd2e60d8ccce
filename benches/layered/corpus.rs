//! The graphs the layered engine is measured on, built with the engine API from fixed
//! seeds (the same graph on every run): MLP batch losses, random expression DAGs and
//! running sums. The bench and the layout-quality corpus test (tests/suite/layout_quality.rs)
//! share them.

use std::path::Path;

use gradviz::engine::{Graph, Input, PyRandom, Value, MLP};
use gradviz::graph::{self, to_petgraph, ExportGraph};
use gradviz::input::json;

const SEED: i64 = 1337;
/// Values per row of the MLP(2, [4, 4, 1]) loss graph: 3,382 values at 44 rows.
const MLP_SIZES: &[usize] = &[4, 4, 1];

/// `sum((model(x) - y)**2 for each row)` of MLP(2, [4, 4, 1]) over `rows` rows.
pub fn mlp_loss(rows: usize) -> ExportGraph {
    network_loss(MLP_SIZES, rows, false)
}

/// The same loss of MLP(2, `sizes`), plus with `l2` micrograd's demo's regularisation
/// `1e-4 * sum(p*p for p in model.parameters())`: a running sum over every parameter,
/// whose terms join it far from the neurons they come from.
pub fn network_loss(sizes: &[usize], rows: usize, l2: bool) -> ExportGraph {
    let g = Graph::new();
    let mut rng = PyRandom::new(SEED);
    let model = MLP::new(&g, 2, sizes, &mut rng);
    let mut loss: Option<Value> = None;
    for r in 0..rows {
        let x: Vec<Input> = (0..2)
            .map(|k| (((r * (2 * k + 3) + k) % 11) as f64 / 5.0 - 1.0).into())
            .collect();
        let out = model.call(&x)[0];
        let target = if r % 2 == 0 { 1.0 } else { -1.0 };
        let error = (out - target).pow(2);
        loss = Some(match loss {
            None => 0.0 + error,
            Some(sum) => sum + error,
        });
    }
    let mut loss = loss.expect("rows");
    if l2 {
        let squares = model.parameters().into_iter().map(|p| p * p);
        loss = loss + 1e-4 * squares.fold(g.leaf(0.0), |sum, square| sum + square);
    }
    loss.backward();
    to_petgraph(&g, &[loss.id()])
}

/// A random expression DAG: each value an op over one or two earlier values, most of them
/// recent (a deterministic generator from `seed`, so every run draws the same graph).
pub fn random_dag(values: usize, seed: u64) -> ExportGraph {
    let g = Graph::new();
    let mut state: u64 = seed;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut all: Vec<Value> = (0..8).map(|i| g.leaf(i as f64 * 0.25)).collect();
    while all.len() < values {
        let a = all[all.len() - 1 - next(all.len().min(20))];
        let b = all[next(all.len())];
        let v = match next(4) {
            0 => a + b,
            1 => a * b,
            2 => a.tanh(),
            _ => a - b,
        };
        all.push(v);
    }
    let root = *all.last().expect("values");
    root.backward();
    to_petgraph(&g, &[root.id()])
}

/// `s = 0; for each term: s = s + x_k * w_k`: the running sum over independent terms.
pub fn running_sum(terms: usize) -> ExportGraph {
    let g = Graph::new();
    let mut sum = g.leaf(0.0);
    for k in 0..terms {
        let x = g.leaf(k as f64);
        let w = g.leaf(0.5);
        sum = sum + x * w;
    }
    sum.backward();
    to_petgraph(&g, &[sum.id()])
}

pub fn write_json(graph: &ExportGraph, path: &Path) {
    let text = json::write(graph, &graph::sinks(graph));
    std::fs::write(path, text).expect("write JSON");
}
