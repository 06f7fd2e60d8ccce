//! Recomputation: the data and grads of a [`Document`] recomputed with the engine's own op
//! rules ([`Op::forward`], [`Op::backward`]); every stored number that differs is reported.
//!
//! What "expected" means, chosen so that the report points at the cause:
//! - **data**: each computed node's data is recomputed from its operands' *stored* data.
//!   A forward bug in one node is reported at that node only; the nodes computed from it
//!   agree with the wrong number they were given. Leaves are not checked.
//! - **grads**: all grads start at 0 and backward runs from each root in turn, exactly like
//!   calling `r.backward()` on each root in order in micrograd (the root's grad is *set* to 1,
//!   every node reachable from it gains `+=` its local gradient times its result's grad).
//!   The local gradients use the stored data, and the results' *expected* grads, so the
//!   numbers are the true gradients of the stored forward pass: a node whose gradient a
//!   buggy engine got wrong is reported, with everything upstream that inherited the error.
//! - An op text gradviz does not know cannot be recomputed: that node's data, and the grads
//!   of every node it was computed from (directly or not), are left unverified and listed.
//!
//! Nothing recurses: a topological order comes from Kahn's algorithm, reachability from an
//! explicit stack.

use std::cmp::Reverse;
use std::fmt::{self, Write as _};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::engine::{python_float_repr, Op};
use crate::graph::topological_order;
use crate::input::json::Document;
use crate::{Error, Result};

/// How far a stored number may be from the expected one:
/// `|stored - expected| <= atol + rtol * |expected|`, as NumPy's `isclose`. NaN matches NaN,
/// an infinity matches the same infinity.
///
/// The default, rtol 1e-9 and atol 1e-12, accepts the last-bit differences that come from an
/// engine summing a node's gradient contributions in another order (micrograd's order
/// depends on set iteration), and catches any real bug.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Tolerance {
    /// Relative tolerance, a fraction of |expected|.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            rtol: 1e-9,
            atol: 1e-12,
        }
    }
}

impl Tolerance {
    /// A tolerance from user input.
    ///
    /// # Errors
    /// [`Error::Usage`] if either bound is negative or NaN.
    pub fn new(rtol: f64, atol: f64) -> Result<Self> {
        for (name, value) in [("--rtol", rtol), ("--atol", atol)] {
            if value.is_nan() || value < 0.0 {
                return Err(Error::Usage(format!(
                    "{name} must be a non-negative number, got {}",
                    python_float_repr(value)
                )));
            }
        }
        Ok(Tolerance { rtol, atol })
    }

    /// These tolerances with `rtol` and `atol` overriding them where given.
    pub fn overridden(self, (rtol, atol): (Option<f64>, Option<f64>)) -> Result<Self> {
        Tolerance::new(rtol.unwrap_or(self.rtol), atol.unwrap_or(self.atol))
    }

    /// Whether `stored` is close enough to `expected`.
    pub fn agrees(&self, stored: f64, expected: f64) -> bool {
        if stored.is_nan() || expected.is_nan() {
            return stored.is_nan() && expected.is_nan();
        }
        if stored == expected {
            return true;
        }
        stored.is_finite()
            && expected.is_finite()
            && (stored - expected).abs() <= self.atol + self.rtol * expected.abs()
    }
}

/// Which number of a node differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The value itself.
    Data,
    /// Its gradient.
    Grad,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Data => "data",
            Field::Grad => "grad",
        })
    }
}

/// One stored number that differs from its recomputed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The node's id in the file.
    pub id: u64,
    /// The node in the document's graph.
    pub node: NodeIndex,
    /// The node's label.
    pub label: String,
    /// Which number differs.
    pub field: Field,
    /// The number in the file.
    pub stored: f64,
    /// The number gradviz computed.
    pub expected: f64,
}

/// A node whose local backward gives its operands wrong grads.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// The node's id in the file.
    pub id: u64,
    /// The node in the document's graph.
    pub node: NodeIndex,
    /// The node's label.
    pub label: String,
    /// Its op text.
    pub op: String,
    /// The labels (or `#id`) of its operands whose grads disagree.
    pub operands: Vec<String>,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every differing number, in graph order, data before grad.
    pub mismatches: Vec<Mismatch>,
    /// Ids of the nodes not fully verified, in graph order: nodes with an unknown op text and
    /// the nodes they depend on (whose grads flow through them).
    pub unverified: Vec<u64>,
    /// Where backward goes wrong: in backward order, each computed node whose own grad
    /// agrees while an operand's does not — its local backward gives that operand a wrong
    /// grad. An operand shared by several such nodes is blamed on the first only, though
    /// it may owe its error to any of them.
    pub causes: Vec<Cause>,
    /// How many nodes the document has.
    pub nodes: usize,
    /// The tolerance used.
    pub tolerance: Tolerance,
}

impl Report {
    /// True when no stored number differs.
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// What `gradviz check` prints: a table of the mismatches (id, label, field, stored,
    /// expected; numbers printed exactly, as Python's `repr`) when there are any, a line on
    /// unverified nodes when there are any, and a one-line summary.
    pub fn table(&self) -> String {
        let mut out = String::new();
        if !self.mismatches.is_empty() {
            self.push_rows(&mut out);
        }
        for cause in &self.causes {
            let _ = writeln!(
                out,
                "cause: the local backward of '{}' at {} gives a wrong grad to {} (its own \
                 grad agrees)",
                cause.op,
                named(&cause.label, cause.id),
                cause.operands.join(", ")
            );
        }
        if !self.unverified.is_empty() {
            let _ = writeln!(
                out,
                "not verified (unknown op, or computed before one): {} node(s), ids {}",
                self.unverified.len(),
                list_ids(&self.unverified)
            );
        }
        let tolerance = format!(
            "rtol {}, atol {}",
            python_float_repr(self.tolerance.rtol),
            python_float_repr(self.tolerance.atol)
        );
        let _ = match self.mismatches.len() {
            0 => writeln!(
                out,
                "ok: no mismatches in {} node(s) ({tolerance})",
                self.nodes
            ),
            n => writeln!(
                out,
                "{n} mismatch(es) in {} node(s) ({tolerance})",
                self.nodes
            ),
        };
        out
    }

    fn push_rows(&self, out: &mut String) {
        let header = ["id", "label", "field", "stored", "expected"].map(String::from);
        let rows: Vec<[String; 5]> = self
            .mismatches
            .iter()
            .map(|m| {
                [
                    m.id.to_string(),
                    m.label.escape_debug().to_string(),
                    m.field.to_string(),
                    python_float_repr(m.stored),
                    python_float_repr(m.expected),
                ]
            })
            .collect();
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            let line: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
    }
}

/// A value as a message names it: its label, else `#id`.
fn named(label: &str, id: u64) -> String {
    if label.is_empty() {
        format!("#{id}")
    } else {
        label.escape_debug().to_string()
    }
}

/// A list of ids for a message, cut after the first few.
fn list_ids(ids: &[u64]) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<String> = ids.iter().take(SHOWN).map(u64::to_string).collect();
    match ids.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!("{}, … ({more} more)", shown.join(", ")),
        _ => shown.join(", "),
    }
}

/// Recomputes `document`'s data and grads and reports what differs (see the module docs for
/// what is expected of each number). Never panics, even on a hand-built [`Document`] with a
/// cycle or odd edges: what cannot be recomputed is reported as unverified.
pub fn check(document: &Document, tolerance: &Tolerance) -> Report {
    let model = Model::new(document);
    let mut mismatches = Vec::new();
    let grads = model.expected_grads(&document.roots);
    let graph = &document.graph;
    for node in graph.node_indices() {
        let i = node.index();
        let info = &graph[node];
        let mut compare = |field: Field, stored: f64, expected: f64| {
            if !tolerance.agrees(stored, expected) {
                mismatches.push(Mismatch {
                    id: info.id,
                    node,
                    label: info.label.clone(),
                    field,
                    stored,
                    expected,
                });
            }
        };
        if let Some(expected) = model.expected_data(i) {
            compare(Field::Data, info.data, expected);
        }
        if !model.grad_unverified[i] {
            compare(Field::Grad, info.grad, grads[i]);
        }
    }
    let unverified = graph
        .node_indices()
        .filter(|node| model.data_unverified(node.index()) || model.grad_unverified[node.index()])
        .map(|node| graph[node].id)
        .collect();
    let causes = model.causes(document, &mismatches);
    Report {
        mismatches,
        causes,
        unverified,
        nodes: graph.node_count(),
        tolerance: *tolerance,
    }
}

/// The document reduced to what recomputation needs, indexed by node.
struct Model {
    data: Vec<f64>,
    /// The op of each node gradviz can recompute: a known op text with the right number of
    /// operands, on no cycle. `None` for the rest.
    ops: Vec<Option<Op>>,
    /// Operand lists, all in one vector: node `i`'s are `operands[starts[i]..starts[i + 1]]`.
    operands: Vec<usize>,
    starts: Vec<usize>,
    /// Each node's position in a topological order (`usize::MAX` for nodes on a cycle).
    rank: Vec<usize>,
    grad_unverified: Vec<bool>,
}

impl Model {
    fn new(document: &Document) -> Self {
        let graph = &document.graph;
        let n = graph.node_count();
        let (operands, starts) = operand_lists(document);
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
        let mut model = Model {
            data: graph.node_weights().map(|info| info.data).collect(),
            ops,
            operands,
            starts,
            rank,
            grad_unverified: vec![false; n],
        };
        model.mark_grad_unverified();
        model
    }

    fn operands_of(&self, i: usize) -> &[usize] {
        &self.operands[self.starts[i]..self.starts[i + 1]]
    }

    fn data_unverified(&self, i: usize) -> bool {
        self.ops[i].is_none()
    }

    /// The data node `i` should have, from its operands' stored data; `None` for a leaf
    /// (nothing to check) or a node that cannot be recomputed.
    fn expected_data(&self, i: usize) -> Option<f64> {
        let op = self.ops[i].filter(|op| *op != Op::Leaf)?;
        let (a, b) = self.operand_data(i);
        Some(op.forward(a, b))
    }

    fn operand_data(&self, i: usize) -> (f64, f64) {
        let operand = |k: usize| self.operands_of(i).get(k).map_or(0.0, |&o| self.data[o]);
        (operand(0), operand(1))
    }

    /// A grad flows into a node through every result computed from it; through an op that
    /// cannot be recomputed it is unknown, and so is everything upstream of that op.
    fn mark_grad_unverified(&mut self) {
        let mut stack: Vec<usize> = (0..self.ops.len())
            .filter(|&i| self.ops[i].is_none())
            .flat_map(|i| self.operands_of(i).to_vec())
            .collect();
        while let Some(i) = stack.pop() {
            if !self.grad_unverified[i] {
                self.grad_unverified[i] = true;
                stack.extend_from_slice(self.operands_of(i));
            }
        }
    }

    /// The nodes where backward first goes wrong (see [`Report::causes`]), in backward
    /// order: a known computed node whose grad agrees, with an operand whose grad does not.
    fn causes(&self, document: &Document, mismatches: &[Mismatch]) -> Vec<Cause> {
        let graph = &document.graph;
        let mut wrong = vec![false; self.data.len()];
        for m in mismatches.iter().filter(|m| m.field == Field::Grad) {
            wrong[m.node.index()] = true;
        }
        let mut order: Vec<usize> = (0..self.data.len())
            .filter(|&i| self.rank[i] != usize::MAX)
            .collect();
        order.sort_unstable_by_key(|&i| Reverse(self.rank[i]));
        let mut blamed = vec![false; self.data.len()];
        order
            .into_iter()
            .filter(|&i| !wrong[i] && !self.grad_unverified[i])
            .filter(|&i| self.ops[i].is_some_and(|op| op != Op::Leaf))
            .filter_map(|i| {
                let mut operands: Vec<usize> = self.operands_of(i).to_vec();
                operands.dedup();
                // An operand shared with a node found before is blamed on that one.
                let operands: Vec<String> = operands
                    .into_iter()
                    .filter(|&o| wrong[o] && !std::mem::replace(&mut blamed[o], true))
                    .map(|o| {
                        let info = &graph[NodeIndex::new(o)];
                        named(&info.label, info.id)
                    })
                    .collect();
                let info = &graph[NodeIndex::new(i)];
                (!operands.is_empty()).then(|| Cause {
                    id: info.id,
                    node: NodeIndex::new(i),
                    label: info.label.clone(),
                    op: info.op.text().to_string(),
                    operands,
                })
            })
            .collect()
    }

    /// Every node's grad after `root.backward()` for each root in turn, from zero grads.
    fn expected_grads(&self, roots: &[NodeIndex]) -> Vec<f64> {
        let n = self.data.len();
        let mut grads = vec![0.0; n];
        let mut reached_by = vec![usize::MAX; n];
        for (turn, root) in roots.iter().enumerate() {
            let root = root.index();
            if root >= n {
                continue;
            }
            let mut reached = self.reachable(root, turn, &mut reached_by);
            reached.sort_unstable_by_key(|&i| Reverse(self.rank[i]));
            grads[root] = 1.0;
            for i in reached {
                self.backward_step(i, &mut grads);
            }
        }
        grads
    }

    /// The nodes reachable from `root` through operands, marked with `turn` so no node is
    /// listed twice.
    fn reachable(&self, root: usize, turn: usize, reached_by: &mut [usize]) -> Vec<usize> {
        let mut reached = Vec::new();
        let mut stack = vec![root];
        reached_by[root] = turn;
        while let Some(i) = stack.pop() {
            reached.push(i);
            for &o in self.operands_of(i) {
                if reached_by[o] != turn {
                    reached_by[o] = turn;
                    stack.push(o);
                }
            }
        }
        reached
    }

    /// micrograd's `_backward` of node `i`: its operands' grads gain their local gradients
    /// times `i`'s grad. Nodes off the topological order are skipped: their operands are
    /// unverified anyway.
    fn backward_step(&self, i: usize, grads: &mut [f64]) {
        let Some(op) = self.ops[i].filter(|op| *op != Op::Leaf) else {
            return;
        };
        let (a, b) = self.operand_data(i);
        let (da, db) = op.backward(a, b, self.data[i], grads[i]);
        let operands = self.operands_of(i);
        grads[operands[0]] += da;
        if let Some(&second) = operands.get(1) {
            grads[second] += db;
        }
    }
}

/// Each node's operands in position order, as flat lists. Built from the edges directly
/// (one pass and one sort) rather than by asking each node, which allocates per node.
fn operand_lists(document: &Document) -> (Vec<usize>, Vec<usize>) {
    let graph = &document.graph;
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
