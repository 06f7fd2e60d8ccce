//! The engine's reference workloads, built node for node as `benches/peer.py` builds them
//! in micrograd, at about 1k, 10k, 100k and 1M values.
//!
//! - chain: `x = x * Value(0.999) + Value(0.001)`, `steps` times from `x = Value(1.0)`:
//!   4·steps + 1 values, 2·steps deep.
//! - mlp: `random.seed(1337); MLP(2, [4, 4, 1])` over a batch of rows of plain numbers and
//!   `loss = sum(outputs)`: 37 parameters, 72 values per row, and the `Value(0)` leaf plus
//!   one add per row that Python's `sum` makes (`0 + out0` is `out0.__radd__(0)`).
//!
//! Forward (building the graph, the network included) and backward are timed separately;
//! the heap peak covers both (the MLP's input rows, made before, are not counted). Targets:
//! forward+backward at least 100× faster than micrograd at 100k and 1M values, and at most
//! 64 bytes per value.

use gradviz::engine::{Graph, PyRandom, Value, MLP};

use crate::common::{forward_backward, Run, Target, Workload};

/// The seed `random.seed` gets on both sides.
const MLP_SEED: i64 = 1337;
/// Values an `MLP(2, [4, 4, 1])` batch has besides its rows: 37 parameters and the leaf
/// Python's `sum` adds.
const MLP_FIXED_VALUES: usize = 38;
/// Values each batch row adds: 72 in the network and one add in the sum.
const MLP_VALUES_PER_ROW: usize = 73;

const SPEED_TARGET: f64 = 100.0;
const SPEED_TARGET_FROM_VALUES: usize = 100_000;
const BYTES_PER_VALUE_TARGET: f64 = 64.0;

/// The sizes every engine workload is built at.
pub const SIZES: [(&str, usize); 4] = [
    ("1k", 1_000),
    ("10k", 10_000),
    ("100k", 100_000),
    ("1M", 1_000_000),
];

fn chain(steps: usize) -> Run {
    let g = Graph::new();
    let measured = forward_backward(
        || {
            let x0 = g.leaf(1.0);
            let mut x = x0;
            for _ in 0..steps {
                x = x * g.leaf(0.999) + g.leaf(0.001);
            }
            (x0, x)
        },
        |&(_, x)| x.backward(),
    );
    let (x0, x) = measured.result;
    Run {
        values: g.len(),
        phases: measured.phases(),
        checks: vec![("result", x.data()), ("grad", x0.grad())],
        heap_peak_bytes: Some(measured.heap_peak_bytes),
        child_peak_rss_bytes: None,
    }
}

/// Row `i` is `[(i % 97) / 48.5 - 1, (i % 89) / 44.5 - 1]`, as `peer.py` writes it: exact
/// in both languages.
pub fn mlp_inputs(batch: usize) -> Vec<[f64; 2]> {
    (0..batch)
        .map(|i| [(i % 97) as f64 / 48.5 - 1.0, (i % 89) as f64 / 44.5 - 1.0])
        .collect()
}

/// The batch size that makes an mlp graph of about `values` values.
pub fn mlp_batch(values: usize) -> usize {
    (values - MLP_FIXED_VALUES + MLP_VALUES_PER_ROW / 2) / MLP_VALUES_PER_ROW
}

/// Python's `sum(values)`: it starts from the int 0, and `0 + v` is `v.__radd__(0)`, which
/// is `v + Value(0)`.
fn python_sum<'g>(values: &[Value<'g>]) -> Value<'g> {
    let (first, rest) = values.split_first().expect("a batch has at least one row");
    rest.iter().fold(*first + 0.0, |sum, &v| sum + v)
}

/// `random.seed(1337); model = MLP(2, [4, 4, 1])` and `loss = sum(model(x) for x in xs)`
/// in `g`: the model and the loss.
pub fn mlp_graph<'g>(g: &'g Graph, xs: &[[f64; 2]]) -> (MLP<'g>, Value<'g>) {
    let model = MLP::new(g, 2, &[4, 4, 1], &mut PyRandom::new(MLP_SEED));
    let outs: Vec<Value> = xs
        .iter()
        .map(|&[a, b]| model.call(&[a.into(), b.into()])[0])
        .collect();
    let loss = python_sum(&outs);
    (model, loss)
}

fn mlp(batch: usize) -> Run {
    let xs = mlp_inputs(batch);
    let g = Graph::new();
    let measured = forward_backward(|| mlp_graph(&g, &xs), |(_, loss)| loss.backward());
    let phases = measured.phases();
    let (model, loss) = measured.result;
    Run {
        values: g.len(),
        phases,
        checks: vec![
            ("result", loss.data()),
            ("grad", model.parameters()[0].grad()),
        ],
        heap_peak_bytes: Some(measured.heap_peak_bytes),
        child_peak_rss_bytes: None,
    }
}

/// Timed runs on our side: many for small graphs, where a run takes microseconds.
fn runs_for(values: usize) -> usize {
    (2_000_000 / values).clamp(5, 101) | 1
}

/// Python runs: enough for a stable median where its GC pauses are a large part of a run,
/// few where a run takes it 5–15 s.
fn peer_runs_for(values: usize) -> usize {
    match values {
        0..=2_000 => 21,
        2_001..=20_000 => 11,
        _ => 3,
    }
}

fn engine_workload(name: String, values: usize, run: impl Fn() -> Run + 'static) -> Workload {
    let workload = Workload::new(name, runs_for(values), run)
        .target(Target::HeapPerValue(BYTES_PER_VALUE_TARGET));
    if values >= SPEED_TARGET_FROM_VALUES {
        workload.target(Target::FasterThanPeer(SPEED_TARGET))
    } else {
        workload
    }
}

/// The chain and mlp workloads.
pub fn workloads() -> Vec<Workload> {
    let mut list = Vec::new();
    for (tag, values) in SIZES {
        let steps = values / 4;
        list.push(
            engine_workload(format!("chain {tag}"), values, move || chain(steps))
                .peer(&["chain", &steps.to_string()], peer_runs_for(values)),
        );
    }
    // 2^15 steps make 2^17 + 1 values: the tape's Vec has just doubled to twice that, the
    // worst case for bytes per value.
    let worst_steps = 1 << 15;
    let worst_values = 4 * worst_steps + 1;
    list.push(
        engine_workload("chain 2^17+1".into(), worst_values, move || {
            chain(worst_steps)
        })
        .peer(
            &["chain", &worst_steps.to_string()],
            peer_runs_for(worst_values),
        ),
    );
    for (tag, values) in SIZES {
        let batch = mlp_batch(values);
        list.push(
            engine_workload(format!("mlp {tag}"), values, move || mlp(batch))
                .peer(&["mlp", &batch.to_string()], peer_runs_for(values)),
        );
    }
    list
}
