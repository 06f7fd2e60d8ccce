//! Backward, step by step: the list of grad changes `backward()` makes on an exported graph,
//! one op node's local backward per step, for the page that replays them ([`replay`]).
//!
//! The order is the engine's: every root in turn (grads accumulate across roots, as calling
//! `backward()` on each does), its grad set to 1, then the nodes reachable from it in reverse
//! topological order, each adding its local gradients into its operands' grads with the
//! engine's own rule ([`Op::backward`]). So the last step's grads are the engine's result bit
//! for bit, and the page shows numbers computed here: its JS does no arithmetic.
//!
//! [`Replay::mismatches`] compares the graph's stored grads with the replay's result, for the
//! marks on a graph whose backward has run (a JSON graph from another engine, say).
//!
//! Nothing recurses: reachability is an explicit stack, the order comes from Kahn's algorithm.

use std::cmp::Reverse;

use petgraph::graph::NodeIndex;

use crate::check::Tolerance;
use crate::engine::{Exponent, Op};
use crate::figure::format_number;
use crate::graph::topological_order;
use crate::graph::{self, ExportGraph};
use crate::{Error, Result};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Step 0: every grad is 0.
    Start,
    /// `root.grad = 1`, the start of `root.backward()`.
    Seed(NodeIndex),
    /// The local backward of one op node: its operands' grads gain their contributions.
    Local(NodeIndex),
}

/// One grad assignment within a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The value whose grad changes.
    pub node: NodeIndex,
    /// Its grad after the change.
    pub grad: f64,
    /// The arithmetic, e.g. `w1.grad += x1.data × (x1*w1).grad = 2.0000 × 0.5000`.
    pub text: String,
}

/// One step of the replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// The grad changes in the order they happen; a value used twice by the node (`a * a`)
    /// appears twice, the second one collecting its second contribution.
    pub changes: Vec<Change>,
}

/// The whole replay of backward from some roots.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// Step 0 ([`StepKind::Start`]), then per root its seed and its local steps.
    pub steps: Vec<Step>,
    /// Every value's grad after the last step, by node index: backward's result.
    pub grads: Vec<f64>,
    /// Op nodes whose op text gradviz does not know (or whose operand count does not match
    /// it), by node index: their local backward is skipped, so grads upstream are incomplete.
    pub unknown: Vec<NodeIndex>,
}

impl Replay {
    /// The values whose stored grad differs from the replay's result (beyond `tolerance`),
    /// when the graph's backward has run — some root's stored grad is not 0; none otherwise,
    /// since a snapshot taken before backward is not wrong.
    pub fn mismatches(
        &self,
        graph: &ExportGraph,
        roots: &[NodeIndex],
        tolerance: &Tolerance,
    ) -> Vec<NodeIndex> {
        if roots.iter().all(|&root| graph[root].grad == 0.0) {
            return Vec::new();
        }
        graph
            .node_indices()
            .filter(|&node| !tolerance.agrees(graph[node].grad, self.grads[node.index()]))
            .collect()
    }
}

/// Replays `roots`' backward on `graph`, with numbers in the step texts written with
/// `precision` digits (as the figure writes them).
///
/// # Errors
/// [`Error::Render`] when the graph has a cycle (no graph read or exported by gradviz has),
/// or a root is not in the graph.
pub fn replay(graph: &ExportGraph, roots: &[NodeIndex], precision: usize) -> Result<Replay> {
    let n = graph.node_count();
    if let Some(root) = roots.iter().find(|root| root.index() >= n) {
        return Err(Error::Render(format!(
            "root {} is not in the graph",
            root.index()
        )));
    }
    let order = topological_order(graph)
        .map_err(|_| Error::Render("the graph has a cycle: backward cannot run".into()))?;
    let mut rank = vec![0; n];
    for (position, node) in order.iter().enumerate() {
        rank[node.index()] = position;
    }
    let model = Model::new(graph, precision);
    let mut grads = vec![0.0; n];
    let mut steps = vec![Step {
        kind: StepKind::Start,
        changes: Vec::new(),
    }];
    let mut reached_by = vec![usize::MAX; n];
    for (turn, &root) in roots.iter().enumerate() {
        grads[root.index()] = 1.0;
        steps.push(Step {
            kind: StepKind::Seed(root),
            changes: vec![Change {
                node: root,
                grad: 1.0,
                text: format!("{}.grad = 1", model.names[root.index()]),
            }],
        });
        let mut reached = reachable(&model, root.index(), turn, &mut reached_by);
        reached.sort_unstable_by_key(|&i| Reverse(rank[i]));
        for i in reached {
            if let Some(step) = model.local_step(i, &mut grads) {
                steps.push(step);
            }
        }
    }
    Ok(Replay {
        steps,
        grads,
        unknown: model.unknown(),
    })
}

/// The nodes reachable from `root` through operands, each once (marked with `turn`).
fn reachable(model: &Model, root: usize, turn: usize, reached_by: &mut [usize]) -> Vec<usize> {
    let mut reached = Vec::new();
    let mut stack = vec![root];
    reached_by[root] = turn;
    while let Some(i) = stack.pop() {
        reached.push(i);
        for &o in &model.operands[i] {
            if reached_by[o] != turn {
                reached_by[o] = turn;
                stack.push(o);
            }
        }
    }
    reached
}

/// What the replay needs of each node, by node index.
struct Model<'g> {
    graph: &'g ExportGraph,
    /// `None` for a leaf, and for an op gradviz cannot replay.
    ops: Vec<Option<Op>>,
    operands: Vec<Vec<usize>>,
    /// How the step texts name each value.
    names: Vec<String>,
    precision: usize,
}

impl<'g> Model<'g> {
    fn new(graph: &'g ExportGraph, precision: usize) -> Self {
        let operands: Vec<Vec<usize>> = graph
            .node_indices()
            .map(|node| {
                graph::operands(graph, node)
                    .into_iter()
                    .map(NodeIndex::index)
                    .collect()
            })
            .collect();
        let ops = graph
            .node_indices()
            .map(|node| {
                graph[node]
                    .op
                    .known()
                    .filter(|op| *op != Op::Leaf && op.arity() == operands[node.index()].len())
            })
            .collect();
        let names = graph
            .node_weights()
            .map(|info| name(&info.label, info.id))
            .collect();
        Model {
            graph,
            ops,
            operands,
            names,
            precision,
        }
    }

    fn unknown(&self) -> Vec<NodeIndex> {
        self.graph
            .node_indices()
            .filter(|node| self.ops[node.index()].is_none() && !self.graph[*node].op.is_leaf())
            .collect()
    }

    fn data(&self, i: usize) -> f64 {
        self.graph[NodeIndex::new(i)].data
    }

    fn number(&self, x: f64) -> String {
        format_number(x, self.precision)
    }

    /// Node `i`'s local backward applied to `grads`, as a step; `None` for a leaf or an op
    /// that cannot be replayed.
    fn local_step(&self, i: usize, grads: &mut [f64]) -> Option<Step> {
        let op = self.ops[i]?;
        let operands = &self.operands[i];
        let a = self.data(operands[0]);
        let b = operands.get(1).map_or(0.0, |&o| self.data(o));
        let (da, db) = op.backward(a, b, self.data(i), grads[i]);
        let mut changes = Vec::with_capacity(operands.len());
        for (position, (&operand, contribution)) in operands.iter().zip([da, db]).enumerate() {
            grads[operand] += contribution;
            changes.push(Change {
                node: NodeIndex::new(operand),
                grad: grads[operand],
                text: self.arithmetic(op, i, position, grads[i]),
            });
        }
        Some(Step {
            kind: StepKind::Local(NodeIndex::new(i)),
            changes,
        })
    }

    /// The text of operand `position`'s `+=` in node `i`'s local backward, with the formula
    /// in names and then in numbers.
    fn arithmetic(&self, op: Op, i: usize, position: usize, out_grad: f64) -> String {
        let operands = &self.operands[i];
        let target = &self.names[operands[position]];
        let out = &self.names[i];
        let g = self.number(out_grad);
        let (formula, numbers) = match op {
            Op::Add => (format!("{out}.grad"), g),
            Op::Mul => {
                let other = operands[1 - position];
                let name = &self.names[other];
                let data = self.number(self.data(other));
                (format!("{name}.data × {out}.grad"), format!("{data} × {g}"))
            }
            Op::Pow(k) => {
                let k1 = Exponent {
                    value: k.value - 1.0,
                    integer: k.integer,
                };
                let a = self.number(self.data(operands[0]));
                (
                    format!("{k} × {target}.data**{k1} × {out}.grad"),
                    format!("{k} × {a}**{k1} × {g}"),
                )
            }
            Op::Relu => {
                let positive = u8::from(self.data(i) > 0.0);
                (
                    format!("({out}.data > 0) × {out}.grad"),
                    format!("{positive} × {g}"),
                )
            }
            Op::Tanh => {
                let t = self.number(self.data(i));
                (
                    format!("(1 − {out}.data²) × {out}.grad"),
                    format!("(1 − {t}²) × {g}"),
                )
            }
            Op::Exp => {
                let e = self.number(self.data(i));
                (format!("{out}.data × {out}.grad"), format!("{e} × {g}"))
            }
            Op::Log => {
                let a = self.number(self.data(operands[0]));
                (
                    format!("(1 / {target}.data) × {out}.grad"),
                    format!("(1 / {a}) × {g}"),
                )
            }
            Op::Sigmoid => {
                let s = self.number(self.data(i));
                (
                    format!("{out}.data × (1 − {out}.data) × {out}.grad"),
                    format!("{s} × (1 − {s}) × {g}"),
                )
            }
            Op::Leaf => unreachable!("leaves have no local backward"),
        };
        format!("{target}.grad += {formula} = {numbers}")
    }
}

/// How a step text names a value: its label, in parentheses when the label is not a plain
/// name (`(x1*w1)`), or `#id` when it has none.
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
    fn a_value_used_twice_collects_two_contributions_in_one_step() {
        let g = Graph::new();
        let a = g.leaf(3.0).with_label("a");
        let b = (a * a).with_label("b");
        let exported = to_petgraph(&g, &[b.id()]);
        let replay = replay(&exported, &[NodeIndex::new(1)], 4).unwrap();
        assert_eq!(replay.steps.len(), 3);
        let changes = &replay.steps[2].changes;
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].grad, 3.0);
        assert_eq!(changes[1].grad, 6.0);
        assert_eq!(
            changes[1].text,
            "a.grad += a.data × b.grad = 3.0000 × 1.0000"
        );
    }
}
