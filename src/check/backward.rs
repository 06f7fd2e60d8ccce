//! Backward on a stored graph, modelled once: `check` recomputes the expected grads with it
//! ([`super::recompute`]) and the page replays it step by step (`page::replay`), so the two
//! cannot disagree on what backward does.
//!
//! [`Backward`] compiles the graph's structure (op per node, operand lists, a topological
//! rank) and [`Backward::run`] does what `r.backward()` on each root in turn does in
//! micrograd, from zero grads: the root's grad is *set* to 1, then every node reachable from
//! it, in reverse topological order, adds its local gradients times its own grad into its
//! operands' grads, with the engine's rule ([`Op::backward`]). Local gradients use the
//! stored data. Each seed and each contribution is handed to a visitor as it happens.
//!
//! [`Ledger`] writes the chain rule of each contribution as text, the one text the page's
//! replay and `check`'s explanation of a wrong grad both show: the local derivative, times
//! the result's grad, and the operand's running sum with every term it has received, so a
//! `=` where `+=` belongs shows as a sum the stored grad is only one term of.
//!
//! Nothing recurses: the order comes from Kahn's algorithm, reachability from an explicit
//! stack.

use std::cmp::Reverse;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::engine::{Exponent, Op};
use crate::graph::{topological_order, ExportGraph};

/// A graph's structure, compiled for running backward on it.
pub struct Backward<'g> {
    graph: &'g ExportGraph,
    /// The op of each node gradviz can run: a known op text with the right number of
    /// operands, on no cycle (a leaf's is [`Op::Leaf`]). `None` for the rest.
    ops: Vec<Option<Op>>,
    /// Operand lists, all in one vector: node `i`'s are `operands[starts[i]..starts[i + 1]]`.
    operands: Vec<usize>,
    starts: Vec<usize>,
    /// Each node's position in a topological order (`usize::MAX` for nodes on a cycle).
    rank: Vec<usize>,
    cyclic: bool,
}

/// One operand's share of a node's local backward: the chain rule with its numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// The node whose local backward this is (the result).
    pub node: usize,
    /// The operand's position among the node's operands.
    pub position: usize,
    /// The operand whose grad gains it.
    pub operand: usize,
    /// d(result)/d(operand) at the stored data.
    pub local: f64,
    /// The result's grad.
    pub upstream: f64,
    /// What the operand's grad gains: `local × upstream`, by the engine's rule.
    pub amount: f64,
    /// The operand's grad after the gain.
    pub grad: f64,
}

/// What [`Backward::run`] reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event<'a> {
    /// `root.grad = 1`: the start of `root.backward()`.
    Seed(usize),
    /// The local backward of one node: its operands' grads gain their contributions, in
    /// operand order (`a * a` gains twice).
    Local(usize, &'a [Contribution]),
}

impl<'g> Backward<'g> {
    /// Compiles `graph`. Never fails: a cycle leaves the nodes on it (and what depends on
    /// them) unrunnable, as an unknown op does.
    pub fn new(graph: &'g ExportGraph) -> Self {
        let n = graph.node_count();
        let (operands, starts) = operand_lists(graph);
        let order = topological_order(graph).unwrap_or_default();
        let mut rank = vec![usize::MAX; n];
        for (position, node) in order.iter().enumerate() {
            rank[node.index()] = position;
        }
        let ops = graph
            .node_indices()
            .map(|node| {
                let i = node.index();
                graph[node]
                    .op
                    .known()
                    .filter(|op| op.arity() == starts[i + 1] - starts[i] && rank[i] != usize::MAX)
            })
            .collect();
        Backward {
            graph,
            ops,
            operands,
            starts,
            rank,
            cyclic: order.len() != n,
        }
    }

    /// The graph compiled.
    pub fn graph(&self) -> &'g ExportGraph {
        self.graph
    }

    /// How many nodes the graph has.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Whether the graph has a cycle (then backward cannot run through it).
    pub fn is_cyclic(&self) -> bool {
        self.cyclic
    }

    /// Node `i`'s op, when gradviz can run it.
    pub fn op(&self, i: usize) -> Option<Op> {
        self.ops[i]
    }

    /// Node `i`'s operands, in position order.
    pub fn operands(&self, i: usize) -> &[usize] {
        &self.operands[self.starts[i]..self.starts[i + 1]]
    }

    /// Node `i`'s position in a topological order; `usize::MAX` on a cycle.
    pub fn rank(&self, i: usize) -> usize {
        self.rank[i]
    }

    /// Node `i`'s stored data.
    pub fn data(&self, i: usize) -> f64 {
        self.graph[NodeIndex::new(i)].data
    }

    /// The op nodes whose local backward cannot run: an op text gradviz does not know, the
    /// wrong number of operands for it, or on a cycle.
    pub fn unknown(&self) -> Vec<NodeIndex> {
        self.graph
            .node_indices()
            .filter(|node| self.ops[node.index()].is_none() && !self.graph[*node].op.is_leaf())
            .collect()
    }

    /// Runs `root.backward()` for each of `roots` in turn from zero grads, telling `visit`
    /// each seed and local step; returns every node's grad at the end. Roots outside the
    /// graph are skipped.
    pub fn run(&self, roots: &[NodeIndex], mut visit: impl FnMut(Event<'_>)) -> Vec<f64> {
        let n = self.len();
        let mut grads = vec![0.0; n];
        let mut reached_by = vec![usize::MAX; n];
        for (turn, root) in roots.iter().enumerate() {
            let root = root.index();
            if root >= n {
                continue;
            }
            grads[root] = 1.0;
            visit(Event::Seed(root));
            let mut reached = self.reachable(root, turn, &mut reached_by);
            reached.sort_unstable_by_key(|&i| Reverse(self.rank[i]));
            for i in reached {
                let mut shares = [Contribution::default(); 2];
                let count = self.local_step(i, &mut grads, &mut shares);
                if count > 0 {
                    visit(Event::Local(i, &shares[..count]));
                }
            }
        }
        grads
    }

    /// Every node `root` is computed from, itself included, in no particular order.
    pub(super) fn reached_from(&self, root: usize) -> Vec<usize> {
        self.reachable(root, 0, &mut vec![usize::MAX; self.len()])
    }

    /// The nodes reachable from `root` through operands, marked with `turn` so no node is
    /// listed twice.
    fn reachable(&self, root: usize, turn: usize, reached_by: &mut [usize]) -> Vec<usize> {
        let mut reached = Vec::new();
        let mut stack = vec![root];
        reached_by[root] = turn;
        while let Some(i) = stack.pop() {
            reached.push(i);
            for &o in self.operands(i) {
                if reached_by[o] != turn {
                    reached_by[o] = turn;
                    stack.push(o);
                }
            }
        }
        reached
    }

    /// micrograd's `_backward` of node `i` applied to `grads`, its contributions written to
    /// `shares`; how many there are (0 for a leaf or a node that cannot run).
    fn local_step(&self, i: usize, grads: &mut [f64], shares: &mut [Contribution; 2]) -> usize {
        let Some(op) = self.ops[i].filter(|op| *op != Op::Leaf) else {
            return 0;
        };
        let operands = self.operands(i);
        let a = self.data(operands[0]);
        let b = operands.get(1).map_or(0.0, |&o| self.data(o));
        let out = self.data(i);
        let upstream = grads[i];
        // The engine's rule is `local × upstream`; with an upstream of 1 it gives the local
        // derivative itself, so the ledger's numbers are the rule's, not a second copy of it.
        let (local_a, local_b) = op.backward(a, b, out, 1.0);
        let (da, db) = op.backward(a, b, out, upstream);
        for (position, (&operand, (local, amount))) in operands
            .iter()
            .zip([(local_a, da), (local_b, db)])
            .enumerate()
        {
            grads[operand] += amount;
            shares[position] = Contribution {
                node: i,
                position,
                operand,
                local,
                upstream,
                amount,
                grad: grads[operand],
            };
        }
        operands.len()
    }
}

impl Default for Contribution {
    fn default() -> Self {
        Contribution {
            node: 0,
            position: 0,
            operand: 0,
            local: 0.0,
            upstream: 0.0,
            amount: 0.0,
            grad: 0.0,
        }
    }
}

/// Each node's operands in position order, as flat lists. Built from the edges directly
/// (one pass and one sort) rather than by asking each node, which allocates per node.
fn operand_lists(graph: &ExportGraph) -> (Vec<usize>, Vec<usize>) {
    let mut edges: Vec<(usize, usize, usize)> = graph
        .edge_references()
        .map(|e| (e.target().index(), *e.weight(), e.source().index()))
        .collect();
    edges.sort_unstable();
    let mut starts = vec![0; graph.node_count() + 1];
    for &(target, _, _) in &edges {
        starts[target + 1] += 1;
    }
    for i in 0..graph.node_count() {
        starts[i + 1] += starts[i];
    }
    let operands = edges.into_iter().map(|(_, _, source)| source).collect();
    (operands, starts)
}

/// Terms of a running sum shown before it is cut to its first and last few.
const SHOWN_TERMS: usize = 6;

/// The chain rule of each contribution as text, numbers written by `number` (the page's
/// fixed digits, the check's exact repr). Fed every event of a run in order, it keeps each
/// value's terms since its grad was last set, for the running sums.
pub struct Ledger<'m, 'g> {
    model: &'m Backward<'g>,
    number: &'m dyn Fn(f64) -> String,
    /// The contributions each value's grad has summed since it was last set.
    terms: Vec<Vec<f64>>,
}

impl<'m, 'g> Ledger<'m, 'g> {
    /// A ledger over `model`'s values, all grads 0.
    pub fn new(model: &'m Backward<'g>, number: &'m dyn Fn(f64) -> String) -> Self {
        Ledger {
            model,
            number,
            terms: vec![Vec::new(); model.len()],
        }
    }

    /// The text of seeding `root`: `o.grad = 1`.
    pub fn seed(&mut self, root: usize) -> String {
        self.terms[root] = vec![1.0];
        format!("{}.grad = 1", self.wrapped(root))
    }

    /// The lines of `share`, recorded in its operand's running sum: the local derivative
    /// (`d(o)/d(n) = 1 − o.data² = 1 − 0.7071² = 0.5000`), the product with the result's
    /// grad (`d(o)/d(n) × o.grad = 0.5000 × 1.0000 = 0.5000`), and the sum
    /// (`n.grad += 0.5000 → 0.5000`; for a second term `a.grad += 3.0000 → 3.0000 + 3.0000
    /// = 6.0000`).
    pub fn lines(&mut self, share: &Contribution) -> [String; 3] {
        let derivative = format!(
            "d({})/d({})",
            self.plain(share.node),
            self.plain(share.operand)
        );
        let local = format!("{derivative} = {}", self.local(share));
        let product = format!(
            "{derivative} × {}.grad = {} × {} = {}",
            self.wrapped(share.node),
            self.number(share.local),
            self.number(share.upstream),
            self.number(share.amount)
        );
        let terms = &mut self.terms[share.operand];
        terms.push(share.amount);
        let sum = format!(
            "{}.grad += {} → {}",
            self.wrapped(share.operand),
            self.number(share.amount),
            self.running_sum(share.operand, share.grad)
        );
        [local, product, sum]
    }

    /// The terms `operand`'s grad has summed, and the sum (`grad`): `3.0000 + 3.0000 =
    /// 6.0000`, or the sum alone after its first term.
    fn running_sum(&self, operand: usize, grad: f64) -> String {
        let terms = &self.terms[operand];
        let total = self.number(grad);
        if terms.len() < 2 {
            return total;
        }
        let written: Vec<String> = if terms.len() <= SHOWN_TERMS {
            terms.iter().map(|&t| self.number(t)).collect()
        } else {
            let (first, last) = (&terms[..3], &terms[terms.len() - 2..]);
            first
                .iter()
                .map(|&t| self.number(t))
                .chain([format!("… ({} terms)", terms.len())])
                .chain(last.iter().map(|&t| self.number(t)))
                .collect()
        };
        // `-6.0 + (-2.0)`: a negative term after the first reads as a term, not a minus.
        let written: Vec<String> = written
            .into_iter()
            .enumerate()
            .map(|(k, term)| match term.starts_with('-') && k > 0 {
                true => format!("({term})"),
                false => term,
            })
            .collect();
        format!("{} = {total}", written.join(" + "))
    }

    /// The terms `value`'s grad summed since it was last set.
    pub fn terms(&self, value: usize) -> &[f64] {
        &self.terms[value]
    }

    /// The local derivative of `share`: its formula in names, then in numbers, then its
    /// value (the formula alone where it is a constant or a single number).
    fn local(&self, share: &Contribution) -> String {
        let model = self.model;
        let (node, operand) = (share.node, share.operand);
        let out = self.wrapped(node);
        let target = self.wrapped(operand);
        let op = model.op(node).unwrap_or(Op::Leaf);
        let value = self.number(share.local);
        let number = |i: usize| self.number(model.data(i));
        let (formula, numbers) = match op {
            Op::Add => return "1".to_string(),
            Op::Mul => {
                let other = model.operands(node)[1 - share.position];
                (format!("{}.data", self.wrapped(other)), None)
            }
            Op::Pow(k) => {
                let k1 = Exponent {
                    value: k.value - 1.0,
                    integer: k.integer,
                };
                (
                    format!("{k} × {target}.data**{k1}"),
                    Some(format!("{k} × {}**{k1}", number(operand))),
                )
            }
            Op::Relu => (format!("({out}.data > 0)"), None),
            Op::Tanh => (
                format!("1 − {out}.data²"),
                Some(format!("1 − {}²", number(node))),
            ),
            Op::Exp => (format!("{out}.data"), None),
            Op::Log => (
                format!("1 / {target}.data"),
                Some(format!("1 / {}", number(operand))),
            ),
            Op::Sigmoid => {
                let s = number(node);
                (
                    format!("{out}.data × (1 − {out}.data)"),
                    Some(format!("{s} × (1 − {s})")),
                )
            }
            Op::Leaf => return value,
        };
        match numbers {
            Some(numbers) => format!("{formula} = {numbers} = {value}"),
            None => format!("{formula} = {value}"),
        }
    }

    fn number(&self, x: f64) -> String {
        (self.number)(x)
    }

    /// How the ledger names a value inside `d(…)`: its label, else `#id`.
    fn plain(&self, i: usize) -> String {
        let info = &self.model.graph[NodeIndex::new(i)];
        if info.label.is_empty() {
            format!("#{}", info.id)
        } else {
            info.label.to_string()
        }
    }

    /// How the ledger names a value before `.data` or `.grad`: its label, in parentheses
    /// when the label is not a plain name (`(x1*w1)`), or `#id` when it has none.
    pub fn wrapped(&self, i: usize) -> String {
        let info = &self.model.graph[NodeIndex::new(i)];
        name(&info.label, info.id)
    }
}

/// A value before `.data` or `.grad`: its label, in parentheses when the label is not a
/// plain name (`(x1*w1)`), or `#id` when it has none.
fn name(label: &str, id: u64) -> String {
    if label.is_empty() {
        format!("#{id}")
    } else if label
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        label.to_string()
    } else {
        format!("({label})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Graph;
    use crate::graph::to_petgraph;

    #[test]
    fn names_wrap_expressions_and_number_the_unlabelled() {
        assert_eq!(name("w1", 3), "w1");
        assert_eq!(name("l0.n1.w0", 3), "l0.n1.w0");
        assert_eq!(name("x1*w1", 3), "(x1*w1)");
        assert_eq!(name("", 7), "#7");
    }

    #[test]
    fn the_local_derivative_times_the_upstream_grad_is_the_engines_contribution() {
        let g = Graph::new();
        let x = g.leaf(0.7).with_label("x");
        let y = g.leaf(-1.3).with_label("y");
        let z = (((x * y + x).tanh() * y.exp()).relu() + (x.pow(3) + y.sigmoid().log()) * 2.5)
            .with_label("z");
        let exported = to_petgraph(&g, &[z.id()]);
        let model = Backward::new(&exported);
        let root = NodeIndex::new(exported.node_count() - 1);
        let mut shares = Vec::new();
        model.run(&[root], |event| {
            if let Event::Local(_, these) = event {
                shares.extend_from_slice(these);
            }
        });
        assert!(shares.len() > 10);
        for share in shares {
            assert_eq!(share.local * share.upstream, share.amount, "{share:?}");
        }
    }

    #[test]
    fn a_reused_value_shows_its_running_sum() {
        let g = Graph::new();
        let a = g.leaf(3.0).with_label("a");
        let b = (a * a).with_label("b");
        let exported = to_petgraph(&g, &[b.id()]);
        let model = Backward::new(&exported);
        let number = |x: f64| format!("{x:.1}");
        let mut ledger = Ledger::new(&model, &number);
        let mut lines = Vec::new();
        model.run(&[NodeIndex::new(1)], |event| match event {
            Event::Seed(root) => lines.push(ledger.seed(root)),
            Event::Local(_, shares) => {
                for share in shares {
                    lines.extend(ledger.lines(share));
                }
            }
        });
        assert_eq!(
            lines,
            [
                "b.grad = 1",
                "d(b)/d(a) = a.data = 3.0",
                "d(b)/d(a) × b.grad = 3.0 × 1.0 = 3.0",
                "a.grad += 3.0 → 3.0",
                "d(b)/d(a) = a.data = 3.0",
                "d(b)/d(a) × b.grad = 3.0 × 1.0 = 3.0",
                "a.grad += 3.0 → 3.0 + 3.0 = 6.0",
            ]
        );
    }
}
