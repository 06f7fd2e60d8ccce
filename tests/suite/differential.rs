//! gradviz against the real micrograd: random lecture-style scripts, run by gradviz and by
//! CPython with micrograd 0.1.0, must draw the same snapshots node for node — same
//! creation order, op text, labels, operands, and data and grads to the bit.
//!
//! Labels are compared with automatic labels off, since Python has none; a second run with
//! them on checks that every explicit label still wins.
//!
//! One exception to bit-equality, and why: micrograd orders its backward pass by a DFS
//! over Python `set`s of operands, whose order follows object addresses, while gradviz
//! sweeps the tape in reverse creation order. Both are topological orders, so every
//! contribution to a grad is the same number, but a grad that sums three or more
//! contributions (or two onto a grad that was already non-zero) may add them in a
//! different order and differ in the last bits, and so may everything its grad flows into.
//! Only those nodes, found from the graph's structure, are compared with a tolerance; all
//! other grads, and every data value, must be bit-identical.
//!
//! Network scripts (micrograd's `MLP` on lists of inputs, losses summed over predictions,
//! training steps) run twice in Python: with micrograd's own backward (the exception above
//! applies; scripts with a training step are left out, since an update from a grad off in
//! the last bit moves the data too), and with micrograd's backward visiting nodes in
//! reverse creation order, gradviz's order, where everything must be bit-identical.

use crate::support::micrograd;
use crate::support::user_python;

use micrograd::Backward;

use gradviz::engine::NodeId;
use gradviz::graph::{operands, ExportGraph};
use gradviz::input::script::{evaluate, Evaluated, ScriptOptions};
use petgraph::graph::NodeIndex;
use serde_json::Value as Json;

const SCRIPTS: usize = 400;
const SEED: u64 = 0x5eed_6a0d_0001;

/// SplitMix64: a tiny seeded generator, so every run tests the same scripts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NUMBERS: &[&str] = &[
    "2",
    "-3",
    "1",
    "0",
    "5",
    "2.0",
    "-1.5",
    "0.5",
    "0.1",
    "1e-3",
    "6.8813735870195432",
    "-0.0",
    "3.25",
    "0.999",
    "-4.0",
    "7",
    "1_0.5",
    "0.75",
    "-2",
    "1.25",
];
const EXPONENTS: &[&str] = &["2", "3", "-1", "2.0", "-2", "1", "0", "3.0", "2**-1 * 4"];
const FRACTIONAL_EXPONENTS: &[&str] = &["0.5", "1.5", "-0.5", "(1/3)", "2**-1"];
const LABELS: &[&str] = &[
    "'a'",
    "'x1*w1'",
    "\"n\"",
    "'o'",
    "'w\\\\1'",
    "\"q'x\"",
    "'tab\\there'",
    "'x1*w1 + x2*w2'",
    "'L'",
    "'\\u00e9t\\x41'",
    "'b' 'c'",
];

/// Writes one random script in the style of the lecture's notebook cells.
struct ScriptWriter {
    rng: Rng,
    source: String,
    /// Variables holding Values, and whether each is a leaf made by `Value(...)`.
    values: Vec<(String, bool)>,
    numbers: Vec<String>,
    backward_calls: usize,
    grads_set: bool,
}

impl ScriptWriter {
    fn new(seed: u64) -> Self {
        ScriptWriter {
            rng: Rng(seed),
            source: String::new(),
            values: Vec::new(),
            numbers: Vec::new(),
            backward_calls: 0,
            grads_set: false,
        }
    }

    fn write(mut self) -> Generated {
        if self.rng.chance(30) {
            self.source.push_str("from micrograd.engine import Value\n");
        }
        for _ in 0..2 + self.rng.below(3) {
            self.leaf_statement();
            self.source.push('\n');
        }
        for _ in 0..6 + self.rng.below(14) {
            self.statement();
            self.separator();
        }
        let last = self.values.last().expect("leaves exist").0.clone();
        self.source.push('\n');
        if self.rng.chance(50) {
            self.source.push_str(&format!("{last}.backward()\n"));
            self.backward_calls += 1;
        }
        self.source.push_str(&format!("draw_dot({last})\n"));
        Generated {
            source: self.source,
            grads_accumulate: self.backward_calls > 1 || self.grads_set,
        }
    }

    fn separator(&mut self) {
        match self.rng.below(10) {
            0 => self.source.push_str("; "),
            1 => self.source.push_str("\n\n# a comment\n"),
            _ => self.source.push('\n'),
        }
    }

    fn value_var(&mut self) -> String {
        let i = self.rng.below(self.values.len());
        self.values[i].0.clone()
    }

    fn fresh_name(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.values.len() + self.numbers.len())
    }

    fn leaf_statement(&mut self) {
        let name = self.fresh_name("v");
        let value = self.leaf();
        self.source.push_str(&format!("{name} = {value}"));
        self.values.push((name, true));
    }

    fn leaf(&mut self) -> String {
        let number = self.rng.pick(NUMBERS).to_string();
        if self.rng.chance(50) {
            let label = self.rng.pick(LABELS).to_string();
            format!("Value({number}, label={label})")
        } else {
            format!("Value({number})")
        }
    }

    fn statement(&mut self) {
        match self.rng.below(20) {
            0..=1 => self.leaf_statement(),
            2 => {
                let name = self.fresh_name("k");
                let number = self.number_expr(2);
                self.source.push_str(&format!("{name} = {number}"));
                self.numbers.push(name);
            }
            3..=8 => {
                let expr = self.value_expr(3);
                let name = if self.rng.chance(30) {
                    self.value_var()
                } else {
                    self.fresh_name("v")
                };
                self.source.push_str(&format!("{name} = {expr}"));
                self.values.retain(|(n, _)| *n != name);
                self.values.push((name, false));
            }
            9..=10 => {
                let target = self.value_var();
                let op = self.rng.pick(&["+=", "-=", "*=", "/="]);
                let expr = self.value_or_number(2);
                self.source.push_str(&format!("{target} {op} {expr}"));
                self.values.retain(|(n, _)| *n != target);
                self.values.push((target, false));
            }
            11..=12 => {
                let target = self.value_var();
                let label = self.rng.pick(LABELS);
                self.source.push_str(&format!("{target}.label = {label}"));
            }
            13 => self.set_leaf_data(),
            14 => {
                let target = self.value_var();
                let number = self.rng.pick(NUMBERS);
                self.source.push_str(&format!("{target}.grad = {number}"));
                self.grads_set = true;
            }
            15..=16 => {
                let target = self.value_var();
                self.source.push_str(&format!("{target}.backward()"));
                self.backward_calls += 1;
            }
            17 => {
                let target = self.value_var();
                self.source
                    .push_str(&format!("print({target}, f'{{{target}.data:.4f}}')"));
            }
            _ => {
                let expr = if self.rng.chance(50) {
                    self.value_var()
                } else {
                    self.value_expr(2)
                };
                self.source.push_str(&format!("draw_dot({expr})"));
            }
        }
    }

    /// `.data =` only on leaves: a new number under a fractional power could make Python's
    /// gradient complex, which gradviz refuses rather than represents.
    fn set_leaf_data(&mut self) {
        let leaves: Vec<String> = self
            .values
            .iter()
            .filter(|(_, leaf)| *leaf)
            .map(|(n, _)| n.clone())
            .collect();
        if let Some(target) = leaves.get(self.rng.below(leaves.len().max(1))) {
            let number = self.rng.pick(NUMBERS);
            self.source.push_str(&format!("{target}.data = {number}"));
        }
    }

    fn value_or_number(&mut self, depth: usize) -> String {
        if self.rng.chance(30) {
            self.number_expr(1)
        } else {
            self.value_expr(depth)
        }
    }

    /// An expression whose result is a Value.
    fn value_expr(&mut self, depth: usize) -> String {
        if depth == 0 {
            return if self.rng.chance(85) {
                self.value_var()
            } else {
                self.leaf()
            };
        }
        match self.rng.below(12) {
            0..=3 => {
                let op = self.rng.pick(&["+", "-", "*", "/"]);
                let (lhs, rhs) = match self.rng.below(3) {
                    0 => (self.value_expr(depth - 1), self.number_expr(1)),
                    1 => (self.number_expr(1), self.value_expr(depth - 1)),
                    _ => (self.value_expr(depth - 1), self.value_expr(depth - 1)),
                };
                format!("{lhs} {op} {rhs}")
            }
            4 => format!("({})", self.value_expr(depth - 1)),
            5 => format!("-{}", self.atom(depth - 1)),
            6 => {
                let exponent = self.exponent();
                format!("{} ** {exponent}", self.atom(depth - 1))
            }
            7 => {
                let positive = self.rng.pick(&["exp", "sigmoid"]);
                let exponent = self.rng.pick(FRACTIONAL_EXPONENTS);
                let method = self.rng.pick(&["", ".log()"]);
                let base = self.atom(depth - 1);
                match self.rng.below(2) {
                    0 => format!("{base}.{positive}() ** {exponent}"),
                    _ => format!("{base}.{positive}(){method}"),
                }
            }
            8..=9 => {
                let method = self.rng.pick(&["tanh", "exp", "relu", "sigmoid"]);
                format!("{}.{method}()", self.atom(depth - 1))
            }
            _ => self.value_expr(depth - 1),
        }
    }

    /// A Value expression that binds as tightly as a primary.
    fn atom(&mut self, depth: usize) -> String {
        let expr = self.value_expr(depth);
        if expr.chars().all(|c| c.is_alphanumeric() || c == '_') {
            expr
        } else {
            format!("({expr})")
        }
    }

    fn exponent(&mut self) -> String {
        if !self.numbers.is_empty() && self.rng.chance(15) {
            let i = self.rng.below(self.numbers.len());
            return format!("({})", self.numbers[i]);
        }
        let exponent = self.rng.pick(EXPONENTS);
        if exponent.contains(' ') || exponent.starts_with('-') {
            format!("({exponent})")
        } else {
            exponent.to_string()
        }
    }

    /// A plain-number expression: Python int and float arithmetic.
    fn number_expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.rng.chance(50) {
            if !self.numbers.is_empty() && self.rng.chance(30) {
                let i = self.rng.below(self.numbers.len());
                return self.numbers[i].clone();
            }
            let number = self.rng.pick(NUMBERS);
            return if number.starts_with('-') {
                format!("({number})")
            } else {
                number.to_string()
            };
        }
        let op = self.rng.pick(&["+", "-", "*", "/", "**"]);
        let lhs = self.number_expr(depth - 1);
        let rhs = if op == "**" {
            self.rng.pick(&["2", "-1", "3"]).to_string()
        } else {
            self.number_expr(depth - 1)
        };
        format!("({lhs} {op} {rhs})")
    }
}

struct Generated {
    source: String,
    grads_accumulate: bool,
}

/// Nodes whose grad may legitimately differ from micrograd's in the last bits (see the
/// module comment): three or more uses, or two with grads that accumulate across backward
/// calls, and everything whose grad they feed.
fn order_sensitive(run: &Evaluated, grads_accumulate: bool) -> Vec<bool> {
    let n = run.graph.len();
    let mut uses = vec![0usize; n];
    for i in 0..n {
        for operand in run.graph.operands(NodeId::from_index(i)) {
            uses[operand.index()] += 1;
        }
    }
    let threshold = if grads_accumulate { 2 } else { 3 };
    let mut sensitive: Vec<bool> = uses.iter().map(|&u| u >= threshold).collect();
    for i in (0..n).rev() {
        if sensitive[i] {
            for operand in run.graph.operands(NodeId::from_index(i)) {
                sensitive[operand.index()] = true;
            }
        }
    }
    sensitive
}

fn same_bits(ours: f64, theirs: u64) -> bool {
    let theirs = f64::from_bits(theirs);
    ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan())
}

/// Reordering a sum changes it by a few ulps of its *terms*, not of the result: terms that
/// cancel to 0 in one order leave `-2.2e-16` in another. The grads here are sums of terms of
/// order 1, so an absolute 1e-12 (far above those ulps, far below any real error) joins the
/// relative 1e-9.
fn close(ours: f64, theirs: u64) -> bool {
    let theirs = f64::from_bits(theirs);
    same_bits(ours, theirs.to_bits())
        || (ours - theirs).abs() <= 1e-12 + 1e-9 * ours.abs().max(theirs.abs())
}

#[derive(Default)]
struct Tally {
    compared: usize,
    both_failed: usize,
    nodes: usize,
    tolerant_grads: usize,
    differing_in_last_bits: usize,
}

/// Compares one snapshot; returns a description of the first difference.
fn compare_snapshot(
    ours: &ExportGraph,
    theirs: &[Json],
    sensitive: &[bool],
    tally: &mut Tally,
) -> Result<(), String> {
    if ours.node_count() != theirs.len() {
        return Err(format!(
            "{} nodes, micrograd has {}",
            ours.node_count(),
            theirs.len()
        ));
    }
    for (index, node) in theirs.iter().enumerate() {
        let ours_node = &ours[NodeIndex::new(index)];
        let [serial, data, grad, op, label, children] = node.as_array().unwrap().as_slice() else {
            return Err(format!("malformed harness node {node}"));
        };
        let children: Vec<u64> = children
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        let our_children: Vec<u64> = operands(ours, NodeIndex::new(index))
            .into_iter()
            .map(|i| ours[i].id)
            .collect();
        let (data, grad) = (data.as_u64().unwrap(), grad.as_u64().unwrap());
        let id = ours_node.id as usize;
        let describe = || format!("node {index} (tape {id}, micrograd {node})");
        if ours_node.id != serial.as_u64().unwrap() || our_children != children {
            return Err(format!(
                "{}: structure {ours_node:?} {our_children:?}",
                describe()
            ));
        }
        if ours_node.op != op.as_str().unwrap() || ours_node.label != label.as_str().unwrap() {
            return Err(format!("{}: op/label {ours_node:?}", describe()));
        }
        if !same_bits(ours_node.data, data) {
            return Err(format!("{}: data {:?}", describe(), ours_node.data));
        }
        if !same_bits(ours_node.grad, grad) {
            if !(sensitive[id] && close(ours_node.grad, grad)) {
                return Err(format!("{}: grad {:?}", describe(), ours_node.grad));
            }
            tally.differing_in_last_bits += 1;
        }
        tally.tolerant_grads += usize::from(sensitive[id]);
        tally.nodes += 1;
    }
    Ok(())
}

fn compare(
    index: usize,
    script: &Generated,
    python: &Json,
    backward: Backward,
    tally: &mut Tally,
) -> Result<(), String> {
    let mut options = ScriptOptions::default();
    options.auto_label = false;
    let ours = evaluate(&script.source, "random.py", &options);
    let (ours, theirs) = match (ours, python.get("snapshots")) {
        (Err(_), None) => {
            tally.both_failed += 1;
            return Ok(());
        }
        (Ok(ours), Some(theirs)) => (ours, theirs.as_array().unwrap()),
        (Ok(_), None) => return Err(format!("micrograd failed, gradviz did not: {python}")),
        (Err(e), Some(_)) => return Err(format!("gradviz failed, micrograd did not:\n{e}")),
    };
    if ours.snapshots.len() != theirs.len() {
        return Err(format!(
            "{} snapshots, micrograd has {}",
            ours.snapshots.len(),
            theirs.len()
        ));
    }
    let sensitive = match backward {
        Backward::Micrograd => order_sensitive(&ours, script.grads_accumulate),
        Backward::CreationOrder => vec![false; ours.graph.len()],
    };
    for (k, (mine, theirs)) in ours.snapshots.iter().zip(theirs).enumerate() {
        compare_snapshot(&mine.graph, theirs.as_array().unwrap(), &sensitive, tally)
            .map_err(|e| format!("script {index}, snapshot {k}: {e}"))?;
    }
    check_explicit_labels_win(&script.source, &ours)?;
    tally.compared += 1;
    Ok(())
}

/// With automatic labels on, every label the script set explicitly is unchanged.
fn check_explicit_labels_win(source: &str, without: &Evaluated) -> Result<(), String> {
    let with = evaluate(source, "random.py", &ScriptOptions::default())
        .map_err(|e| format!("fails with auto labels only: {e}"))?;
    for i in 0..without.graph.len() {
        let id = NodeId::from_index(i);
        if let Some(explicit) = without.graph.label(id) {
            if with.graph.label(id).as_deref() != Some(&*explicit) {
                return Err(format!(
                    "auto label replaced explicit label {explicit:?} on node {i}"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn random_lecture_scripts_draw_what_micrograd_draws() {
    let scripts: Vec<Generated> = (0..SCRIPTS as u64)
        .map(|i| ScriptWriter::new(SEED ^ (i * 0x1000_0001)).write())
        .collect();
    let tally = compare_all(&scripts, Backward::Micrograd, "lecture scripts");
    assert!(
        tally.compared * 10 >= SCRIPTS * 7,
        "only {} of {SCRIPTS} scripts ran in micrograd",
        tally.compared
    );
}

#[test]
fn the_fixtures_draw_what_micrograd_draws() {
    let mut tally = Tally::default();
    for name in ["neuron.py", "micrograd_readme.py", "mlp.py"] {
        let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let mut source = std::fs::read_to_string(&path).expect("fixture");
        source.push_str("\ndraw_dot(Value(0.0) + 0)\n");
        let results =
            micrograd::run_with_micrograd(std::slice::from_ref(&source), Backward::Micrograd);
        let script = Generated {
            source,
            grads_accumulate: false,
        };
        compare(0, &script, &results[0], Backward::Micrograd, &mut tally)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(tally.compared, 3);
}

const NETWORK_SCRIPTS: usize = 120;
const NETWORK_SEED: u64 = 0x5eed_6a0d_0002;
const INPUTS: &[&str] = &[
    "2.0", "3.0", "-1.0", "0.5", "1.0", "-0.5", "2", "-3", "0", "1.5", "0.1", "-2.25",
];
const TARGETS: &[&str] = &["1.0", "-1.0", "1", "-1", "0.5", "0.0"];
const SEEDS: &[&str] = &["1337", "0", "42", "7", "-7", "2**40 + 5", "123456789"];

/// Writes one random network script in the style of the lecture's training cells.
struct NetworkWriter {
    rng: Rng,
    source: String,
    last_size: usize,
    trains: bool,
}

impl NetworkWriter {
    fn write(seed: u64) -> (Generated, bool) {
        let mut writer = NetworkWriter {
            rng: Rng(seed),
            source: String::new(),
            last_size: 1,
            trains: false,
        };
        writer.network();
        let trains = writer.trains;
        let generated = Generated {
            source: writer.source,
            grads_accumulate: false,
        };
        (generated, trains)
    }

    fn line(&mut self, text: &str) {
        self.source.push_str(text);
        self.source.push('\n');
    }

    fn network(&mut self) {
        self.line("import random");
        self.line("from micrograd.nn import MLP");
        let seed = self.rng.pick(SEEDS).to_string();
        self.line(&format!("random.seed({seed})"));
        let nin = 1 + self.rng.below(4);
        let layers = 1 + self.rng.below(3);
        let sizes: Vec<String> = (0..layers)
            .map(|i| {
                let last = i + 1 == layers;
                let size = match (last, self.rng.below(20)) {
                    (true, 0..=13) => 1,
                    (_, 0) => 1,
                    _ => 2 + self.rng.below(4),
                };
                if last {
                    self.last_size = size;
                }
                size.to_string()
            })
            .collect();
        self.line(&format!("model = MLP({nin}, [{}])", sizes.join(", ")));
        let rows = 1 + self.rng.below(5);
        let xs: Vec<String> = (0..rows).map(|_| self.row(nin)).collect();
        self.line(&format!("xs = [{}]", xs.join(",\n      ")));
        let ys: Vec<&str> = (0..rows).map(|_| self.rng.pick(TARGETS)).collect();
        self.line(&format!("ys = [{}]", ys.join(", ")));
        self.loss();
        self.backward();
        self.line("draw_dot(loss)");
        if self.rng.chance(50) {
            self.trains = true;
            self.update();
            self.loss();
            self.zero_grad();
            self.backward();
            self.line("draw_dot(loss)");
        }
    }

    fn row(&mut self, nin: usize) -> String {
        let len = if self.rng.chance(5) { nin + 1 } else { nin };
        let items: Vec<String> = (0..len)
            .map(|_| {
                let x = self.rng.pick(INPUTS);
                if self.rng.chance(15) {
                    format!("Value({x})")
                } else {
                    x.to_string()
                }
            })
            .collect();
        format!("[{}]", items.join(", "))
    }

    fn loss(&mut self) {
        if self.last_size > 1 {
            let line = match self.rng.below(3) {
                0 => "loss = sum(o * o for o in model(xs[0]))",
                1 => "loss = sum([sum(model(x)) for x in xs])",
                _ => "outs = model(xs[-1])\nloss = (outs[0] - outs[1])**2",
            };
            self.line(line);
            return;
        }
        let line = match self.rng.below(7) {
            0 | 1 => {
                "ypred = [model(x) for x in xs]\nloss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))"
            }
            2 => "loss = sum([(model(x) - y)**2 for x, y in zip(xs, ys)])",
            3 => "out = model(xs[0])\nloss = (out - 1.0)**2",
            4 => "ypred = [model(x) for x in xs]\nloss = sum((1 + -yi*si).relu() for yi, si in zip(ys, ypred)) * (1.0 / len(ys))",
            5 => "ypred = list(model(x) for x in xs)\nloss = sum((ygt - yout)**2 for ygt, yout in zip(ys, ypred)) + 1e-4 * sum((p*p for p in model.parameters()))",
            _ => "ypred = [model(x) for x in xs]\nloss = sum(ypred, ypred[0] * 0.5) / len(ypred)",
        };
        self.line(line);
    }

    fn backward(&mut self) {
        self.line("loss.backward()");
    }

    fn update(&mut self) {
        let rate = self.rng.pick(&["0.05", "0.1", "0.01"]);
        if self.rng.chance(50) {
            self.line(&format!(
                "for p in model.parameters(): p.data += -{rate} * p.grad"
            ));
        } else {
            self.line("for p in model.parameters():");
            self.line(&format!("    p.data -= {rate} * p.grad"));
        }
    }

    fn zero_grad(&mut self) {
        if self.rng.chance(50) {
            self.line("model.zero_grad()");
        } else {
            self.line("for p in model.parameters():\n    p.grad = 0.0");
        }
    }
}

/// Runs `scripts` (described as `what` in messages) in gradviz and in micrograd, compares
/// every snapshot, and asserts that none differ.
fn compare_all(scripts: &[Generated], backward: Backward, what: &str) -> Tally {
    let sources: Vec<String> = scripts.iter().map(|s| s.source.clone()).collect();
    let results = micrograd::run_with_micrograd(&sources, backward);
    assert_eq!(results.len(), scripts.len());
    let mut tally = Tally::default();
    let failures: Vec<String> = scripts
        .iter()
        .zip(&results)
        .enumerate()
        .filter_map(|(i, (script, python))| {
            compare(i, script, python, backward, &mut tally)
                .err()
                .map(|e| format!("--- script {i}:\n{}\n{e}", script.source))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {what} differ ({backward:?} backward):\n{}",
        failures.len(),
        scripts.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{backward:?} backward: {} {what} compared ({} nodes, {} grads order-sensitive, {} of \
         those off in the last bits), {} failed in both",
        tally.compared,
        tally.nodes,
        tally.tolerant_grads,
        tally.differing_in_last_bits,
        tally.both_failed
    );
    tally
}

fn network_scripts() -> Vec<(Generated, bool)> {
    (0..NETWORK_SCRIPTS as u64)
        .map(|i| NetworkWriter::write(NETWORK_SEED ^ (i * 0x1000_0001)))
        .collect()
}

#[test]
fn random_network_scripts_match_micrograd_bit_for_bit_in_the_same_backward_order() {
    let scripts: Vec<Generated> = network_scripts().into_iter().map(|(s, _)| s).collect();
    let tally = compare_all(&scripts, Backward::CreationOrder, "network scripts");
    assert_eq!(tally.tolerant_grads, 0);
    assert!(
        tally.compared * 10 >= NETWORK_SCRIPTS * 8,
        "only {} of {NETWORK_SCRIPTS} network scripts ran in micrograd",
        tally.compared
    );
}

#[test]
fn random_network_scripts_match_micrograd_with_its_own_backward_order() {
    let scripts: Vec<Generated> = network_scripts()
        .into_iter()
        .filter(|(_, trains)| !trains)
        .map(|(s, _)| s)
        .collect();
    assert!(scripts.len() >= NETWORK_SCRIPTS / 4);
    let tally = compare_all(&scripts, Backward::Micrograd, "network scripts");
    assert!(tally.compared * 10 >= scripts.len() * 8);
}

/// How many random scripts also run through the CPython runner (two processes each).
const RUNNER_SCRIPTS: usize = 200;
const RUNNER_NETWORK_SCRIPTS: usize = 60;

/// Python constructs beyond the subset, each a statement that changes nothing a script
/// computes: added to a script the subset runs, it sends the script to CPython.
const BEYOND_THE_SUBSET: &[&str] = &[
    "while False:\n    pass",
    "if True:\n    pass\nelse:\n    raise SystemExit(3)",
    "identity = lambda v: v",
    "k_beyond = 1 if len([1]) else 2",
    "try:\n    pass\nexcept ZeroDivisionError:\n    raise",
    "def helper(v):\n    return v",
    "class Note:\n    pass",
    "assert True",
    "with open(__file__) as source:\n    pass",
    "squares = {k: k * k for k in range(3)}",
];

/// What one run of the real binary gave: its prints (stderr without gradviz's notes) and
/// each snapshot's JSON document, or its error.
#[derive(Debug)]
struct CliRun {
    prints: String,
    documents: Result<Vec<Json>, String>,
}

/// Runs `source` through the `gradviz` binary under `interpreter`, in the bare user Python.
fn run_cli(source: &str, interpreter: &str) -> CliRun {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("random.py");
    std::fs::write(&script, source).expect("write the script");
    let out = dir.path().join("out");
    let output = assert_cmd::Command::cargo_bin("gradviz")
        .expect("the binary is built")
        .env("NO_COLOR", "1")
        .env("GRADVIZ_PYTHON", user_python::user_python())
        .args([
            "render",
            "--format",
            "json",
            "--interpreter",
            interpreter,
            "--out-dir",
        ])
        .arg(&out)
        .arg(&script)
        .output()
        .expect("gradviz runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let prints = stderr
        .lines()
        .take_while(|line| !line.starts_with("error: "))
        .filter(|line| !line.starts_with("note: "))
        .map(|line| format!("{line}\n"))
        .collect();
    let documents = if output.status.success() {
        let mut files: Vec<_> = std::fs::read_dir(&out)
            .expect("the figures")
            .map(|entry| entry.expect("an entry").path())
            .collect();
        files.sort_by_key(|path| snapshot_number(path));
        Ok(files
            .iter()
            .map(|path| serde_json::from_str(&std::fs::read_to_string(path).expect("read")))
            .collect::<Result<_, _>>()
            .expect("gradviz writes JSON"))
    } else {
        Err(stderr)
    };
    CliRun { prints, documents }
}

/// `random-12.json` → 12 (a single figure, `random.json`, is 0).
fn snapshot_number(path: &std::path::Path) -> usize {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Each node as (label, data bits, grad bits, op, operands): what must agree to the bit.
fn nodes_of(document: &Json) -> Vec<(String, u64, u64, String, String)> {
    let bits = |x: &Json| match x {
        Json::String(word) => word.parse::<f64>().map_or(u64::MAX, f64::to_bits),
        number => number.as_f64().map_or(u64::MAX - 1, f64::to_bits),
    };
    document["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| {
            (
                node["label"].as_str().unwrap_or("").to_string(),
                bits(&node["data"]),
                bits(&node["grad"]),
                node["op"].as_str().unwrap_or("").to_string(),
                node["children"].to_string(),
            )
        })
        .collect()
}

/// The two runs print the same and draw the same snapshots, node for node, to the bit;
/// or both fail.
fn same_runs(subset: &CliRun, python: &CliRun) -> Result<bool, String> {
    match (&subset.documents, &python.documents) {
        (Err(_), Err(_)) => Ok(false),
        (Ok(_), Err(e)) => Err(format!("CPython failed, the subset did not:\n{e}")),
        (Err(e), Ok(_)) => Err(format!("the subset failed, CPython did not:\n{e}")),
        (Ok(ours), Ok(theirs)) => {
            if subset.prints != python.prints {
                return Err(format!(
                    "prints differ:\n--- subset\n{}--- CPython\n{}",
                    subset.prints, python.prints
                ));
            }
            if ours.len() != theirs.len() {
                return Err(format!("{} figures, CPython {}", ours.len(), theirs.len()));
            }
            for (k, (mine, python)) in ours.iter().zip(theirs).enumerate() {
                let (mine, python) = (nodes_of(mine), nodes_of(python));
                if let Some(i) =
                    (0..mine.len().max(python.len())).find(|&i| mine.get(i) != python.get(i))
                {
                    return Err(format!(
                        "figure {k}, node {i}: {:?} vs CPython {:?}",
                        mine.get(i),
                        python.get(i)
                    ));
                }
            }
            Ok(true)
        }
    }
}

/// `source` with prints of its values appended: the repr (whose grad is micrograd's int
/// until a float reaches it), `.grad` alone, and f-strings with format specs.
fn with_prints(source: &str, rng: &mut Rng) -> String {
    let names: Vec<&str> = source
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(name, _)| name))
        .filter(|name| name.starts_with('v') && name[1..].chars().all(|c| c.is_ascii_digit()))
        .collect();
    let mut out = source.to_string();
    for _ in 0..2 {
        if let Some(name) = names.get(rng.below(names.len().max(1))) {
            let spec = rng.pick(&[".4f", "+.2e", ">12.3f", ".1%", "", "^10"]);
            out.push_str(&format!(
                "print({name}, {name}.grad, f'{{{name}.data:{spec}}}|{{{name}.grad}}|{{{name}!r:.9}}', sep=' ; ')\n"
            ));
        }
    }
    if source.contains("model = MLP(") {
        out.push_str("print(model, loss, f'{loss.data:.6f}', model.parameters()[0].grad)\n");
    }
    out
}

/// `source` with one construct beyond the subset put before one of its top-level lines.
fn with_one_construct_beyond(source: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let starts: Vec<usize> = (0..=lines.len())
        .filter(|&i| {
            let top = |line: &&str| !line.starts_with([' ', '\t']) && !line.trim().is_empty();
            lines.get(i).is_none_or(top)
                && (i == 0
                    || !lines[i - 1]
                        .trim_end()
                        .ends_with([',', ':', '\\', '(', '[']))
        })
        .collect();
    let at = starts[rng.below(starts.len())];
    let construct = rng.pick(BEYOND_THE_SUBSET);
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(construct);
    out.extend(&lines[at..]);
    out.join("\n") + "\n"
}

/// The subset's semantics, checked against the prelude CPython runs get: a program that
/// the subset runs (`--interpreter builtin`) prints the same and draws the same graphs, to
/// the bit and label for label, in CPython (`--interpreter python`); and with one construct
/// beyond the subset added (`--interpreter auto` hands it to CPython), still the same. No
/// micrograd is installed in that Python: `from micrograd… import` gets the prelude too.
#[test]
fn adding_python_beyond_the_subset_changes_nothing_but_the_interpreter() {
    let mut scripts: Vec<String> = ["neuron.py", "micrograd_readme.py", "mlp.py"]
        .iter()
        .map(|name| {
            let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(&path).expect("fixture")
        })
        .collect();
    scripts.extend(
        (0..RUNNER_SCRIPTS as u64)
            .map(|i| ScriptWriter::new(SEED ^ (i * 0x1000_0001)).write().source),
    );
    scripts.extend(
        network_scripts()
            .into_iter()
            .take(RUNNER_NETWORK_SCRIPTS)
            .map(|(s, _)| s.source),
    );
    let mut rng = Rng(SEED ^ 0x00be_700d);
    let cases: Vec<(String, String)> = scripts
        .iter()
        .map(|source| {
            let printed = with_prints(source, &mut rng);
            let beyond = with_one_construct_beyond(&printed, &mut rng);
            (printed, beyond)
        })
        .collect();
    let compared = std::sync::atomic::AtomicUsize::new(0);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((printed, beyond)) = cases.get(i) else {
                    break;
                };
                let subset = run_cli(printed, "builtin");
                for (source, interpreter) in [(printed, "python"), (beyond, "auto")] {
                    match same_runs(&subset, &run_cli(source, interpreter)) {
                        Ok(ran) => {
                            compared
                                .fetch_add(usize::from(ran), std::sync::atomic::Ordering::Relaxed);
                        }
                        Err(e) => panic!("script {i} ({interpreter}):\n{source}\n{e}"),
                    }
                }
            });
        }
    });
    let compared = compared.into_inner();
    assert!(
        compared * 10 >= cases.len() * 2 * 8,
        "only {compared} of {} runs drew",
        cases.len() * 2
    );
}

/// Float literals printed by the subset read as CPython prints them, digit for digit:
/// random bit patterns, and values halfway between two shortest decimal strings
/// (`640845493178531.25`, whose `repr` Python takes the even way: `…531.2`).
#[test]
fn floats_print_as_cpython_prints_them() {
    let mut rng = Rng(26);
    let mut source = String::from("x = Value(1.0)\n");
    for _ in 0..400 {
        let x = f64::from_bits(rng.next());
        if x.is_finite() {
            source.push_str(&format!("print({x:e})\n"));
        }
        // An integer of 50 to 53 bits over 2, 4 or 8: its last decimal a 5 past the
        // shortest digits, a tie between two of them.
        let whole = (rng.next() >> (11 + rng.below(4))) | 1 << 49;
        let halves = 1u64 << (1 + rng.below(3));
        source.push_str(&format!("print({whole} / {halves})\n"));
    }
    source.push_str("x.backward()\n");
    let subset = run_cli(&source, "builtin");
    let python = run_cli(&source, "python");
    assert!(subset.documents.is_ok(), "{:?}", subset.documents);
    assert_eq!(subset.prints.lines().count(), python.prints.lines().count());
    for (ours, theirs) in subset.prints.lines().zip(python.prints.lines()) {
        assert_eq!(ours, theirs, "the subset prints {ours}, CPython {theirs}");
    }
}
