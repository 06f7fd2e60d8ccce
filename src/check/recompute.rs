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
//! Backward itself is [`super::backward`]'s, the model the page replays too; a wrong grad the
//! report blames on a cause is explained with that model's chain-rule ledger
//! ([`Report::explanations`]).

use std::cmp::Reverse;
use std::fmt::{self, Write as _};

use petgraph::graph::NodeIndex;

use super::backward::{Backward, Event, Ledger};
use crate::engine::{python_float_repr, Op};
use crate::error::{thousands, BadSetting, Setting};
use crate::graph::ExportGraph;
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
    /// [`Error::BadSetting`] if either bound is negative or NaN.
    pub fn new(rtol: f64, atol: f64) -> Result<Self> {
        for (setting, value) in [(Setting::Rtol, rtol), (Setting::Atol, atol)] {
            if value.is_nan() || value < 0.0 {
                return Err(Error::BadSetting(BadSetting {
                    setting,
                    value: python_float_repr(value),
                    expected: "a non-negative number",
                }));
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
    /// Those operands in the document's graph.
    pub operand_nodes: Vec<NodeIndex>,
}

/// A mistake in how backward was called, which accounts for every wrong grad at once: no
/// one node's local backward is to blame then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misuse {
    /// Every grad is 0: backward has not run on this graph.
    NoBackward,
    /// The grads are what this many `backward()` calls from the roots leave when nothing
    /// zeroes them in between (a notebook cell run twice): each call adds to the last's.
    Repeated(usize),
}

impl Misuse {
    /// The misuse in a few words, for a legend or a table cell.
    pub fn summary(self) -> String {
        match self {
            Misuse::NoBackward => "backward() not run".into(),
            Misuse::Repeated(calls) => format!("backward() called {calls} times"),
        }
    }
}

/// A wrong grad explained: every contribution backward gives the value, with the chain rule
/// of each in numbers (see [`super::backward::Ledger`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The value's id in the file.
    pub id: u64,
    /// The value in the document's graph.
    pub node: NodeIndex,
    /// Its label.
    pub label: String,
    /// The grad in the file.
    pub stored: f64,
    /// The grad backward gives.
    pub expected: f64,
    /// The ledger: per contribution a line naming the result it comes from, then its
    /// local derivative, product and running sum; last, a hint where the stored grad is one
    /// term of several alone.
    pub lines: Vec<String>,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every differing number, in graph order, data before grad.
    pub mismatches: Vec<Mismatch>,
    /// Ids of the nodes not fully verified, in graph order: nodes with an unknown op text and
    /// the nodes they depend on (whose grads flow through them).
    pub unverified: Vec<u64>,
    /// How backward was misused, when that explains every wrong grad; then there are no
    /// causes.
    pub misuse: Option<Misuse>,
    /// Where backward goes wrong: in backward order, each computed node whose own grad
    /// agrees while an operand's does not — its local backward gives that operand a wrong
    /// grad. An operand shared by several such nodes is blamed on the first only, though
    /// it may owe its error to any of them.
    pub causes: Vec<Cause>,
    /// The wrong grads of the causes' operands (the first few), explained contribution by
    /// contribution.
    pub explanations: Vec<Explanation>,
    /// How many nodes the document has.
    pub nodes: usize,
    /// The roots backward ran from, as messages name them.
    pub roots: Vec<String>,
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
        if let Some(misuse) = self.misuse {
            let _ = writeln!(out, "cause: {}", self.misuse_text(misuse));
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
                thousands(self.unverified.len()),
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
                thousands(self.nodes)
            ),
            n => writeln!(
                out,
                "{} mismatch(es) in {} node(s) ({tolerance})",
                thousands(n),
                thousands(self.nodes)
            ),
        };
        out
    }

    /// The explanations of the wrong grads, as `gradviz check` prints them after the table:
    /// per value a heading, then its ledger. Empty when there is nothing to explain.
    pub fn explanation(&self) -> String {
        let mut out = String::new();
        for e in &self.explanations {
            let _ = writeln!(
                out,
                "\nwhy {}.grad should be {}, not {}:",
                named(&e.label, e.id),
                python_float_repr(e.expected),
                python_float_repr(e.stored)
            );
            for line in &e.lines {
                let _ = writeln!(out, "  {line}");
            }
        }
        out
    }

    fn misuse_text(&self, misuse: Misuse) -> String {
        let roots = self.roots.join(", ");
        match misuse {
            Misuse::NoBackward => {
                format!("every grad is 0: backward() has not run from {roots}")
            }
            Misuse::Repeated(calls) => format!(
                "these grads are what {calls} backward() calls from {roots} leave: each adds to \
                 the grads the last left (set them to 0 before calling it again)"
            ),
        }
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
    let graph = &document.graph;
    let model = Backward::new(graph);
    let grad_unverified = grad_unverified(&model);
    let mut mismatches = Vec::new();
    let grads = model.run(&document.roots, |_| {});
    for node in graph.node_indices() {
        let i = node.index();
        let info = &graph[node];
        let mut compare = |field: Field, stored: f64, expected: f64| {
            if !tolerance.agrees(stored, expected) {
                mismatches.push(Mismatch {
                    id: info.id,
                    node,
                    label: info.label.to_string(),
                    field,
                    stored,
                    expected,
                });
            }
        };
        if let Some(expected) = expected_data(&model, i) {
            compare(Field::Data, info.data, expected);
        }
        if !grad_unverified[i] {
            compare(Field::Grad, info.grad, grads[i]);
        }
    }
    let unverified = graph
        .node_indices()
        .filter(|node| model.op(node.index()).is_none() || grad_unverified[node.index()])
        .map(|node| graph[node].id)
        .collect();
    let wrong_grads = mismatches.iter().any(|m| m.field == Field::Grad);
    let misuse = wrong_grads
        .then(|| misuse(&model, &document.roots, &grad_unverified, tolerance))
        .flatten();
    let causes = match misuse {
        Some(_) => Vec::new(),
        None => causes(&model, &grad_unverified, &mismatches),
    };
    let explanations = explain(&model, &document.roots, &causes, &mismatches, tolerance);
    Report {
        mismatches,
        misuse,
        causes,
        explanations,
        unverified,
        nodes: graph.node_count(),
        roots: document
            .roots
            .iter()
            .map(|&root| named(&graph[root].label, graph[root].id))
            .collect(),
        tolerance: *tolerance,
    }
}

/// Backward calls from the roots that [`misuse`] tries repeating, at the most.
const MOST_REPEATS: usize = 5;

/// How backward was misused, if that accounts for every stored grad that can be verified:
/// all of them 0 with backward never run, or all of them what 2 to [`MOST_REPEATS`]
/// `backward()` calls without zeroing leave (found by running the model that many times).
fn misuse(
    model: &Backward,
    roots: &[NodeIndex],
    grad_unverified: &[bool],
    tolerance: &Tolerance,
) -> Option<Misuse> {
    let verified: Vec<usize> = (0..model.len()).filter(|&i| !grad_unverified[i]).collect();
    let stored = |i: usize| model.graph()[NodeIndex::new(i)].grad;
    if verified.iter().all(|&i| stored(i) == 0.0) {
        return Some(Misuse::NoBackward);
    }
    let mut calls = roots.to_vec();
    (2..=MOST_REPEATS).find_map(|times| {
        calls.extend_from_slice(roots);
        let grads = model.run(&calls, |_| {});
        let agree = verified
            .iter()
            .all(|&i| tolerance.agrees(stored(i), grads[i]));
        agree.then_some(Misuse::Repeated(times))
    })
}

/// How many computed values of `graph` hold data that their operands' stored data no
/// longer give: values changed after the forward pass, as a training step's
/// `p.data -= lr * p.grad` after `backward()` changes its parameters.
pub fn stale_data(graph: &ExportGraph, tolerance: &Tolerance) -> usize {
    let model = Backward::new(graph);
    (0..graph.node_count())
        .filter(|&i| expected_data(&model, i).is_some_and(|x| !tolerance.agrees(model.data(i), x)))
        .count()
}

/// The data node `i` should have, from its operands' stored data; `None` for a leaf
/// (nothing to check) or a node that cannot be recomputed.
fn expected_data(model: &Backward, i: usize) -> Option<f64> {
    let op = model.op(i).filter(|op| *op != Op::Leaf)?;
    let operand = |k: usize| model.operands(i).get(k).map_or(0.0, |&o| model.data(o));
    Some(op.forward(operand(0), operand(1)))
}

/// A grad flows into a node through every result computed from it; through an op that
/// cannot be recomputed it is unknown, and so is everything upstream of that op.
fn grad_unverified(model: &Backward) -> Vec<bool> {
    let mut unverified = vec![false; model.len()];
    let mut stack: Vec<usize> = (0..model.len())
        .filter(|&i| model.op(i).is_none())
        .flat_map(|i| model.operands(i).to_vec())
        .collect();
    while let Some(i) = stack.pop() {
        if !unverified[i] {
            unverified[i] = true;
            stack.extend_from_slice(model.operands(i));
        }
    }
    unverified
}

/// The nodes where backward first goes wrong (see [`Report::causes`]), in backward
/// order: a known computed node whose grad agrees, with an operand whose grad does not.
fn causes(model: &Backward, grad_unverified: &[bool], mismatches: &[Mismatch]) -> Vec<Cause> {
    let graph = model.graph();
    let mut wrong = vec![false; model.len()];
    for m in mismatches.iter().filter(|m| m.field == Field::Grad) {
        wrong[m.node.index()] = true;
    }
    let mut order: Vec<usize> = (0..model.len())
        .filter(|&i| model.rank(i) != usize::MAX)
        .collect();
    order.sort_unstable_by_key(|&i| Reverse(model.rank(i)));
    let mut blamed = vec![false; model.len()];
    order
        .into_iter()
        .filter(|&i| !wrong[i] && !grad_unverified[i])
        .filter(|&i| model.op(i).is_some_and(|op| op != Op::Leaf))
        .filter_map(|i| {
            let mut operands: Vec<usize> = model.operands(i).to_vec();
            operands.dedup();
            // An operand shared with a node found before is blamed on that one.
            let operands: Vec<NodeIndex> = operands
                .into_iter()
                .filter(|&o| wrong[o] && !std::mem::replace(&mut blamed[o], true))
                .map(NodeIndex::new)
                .collect();
            let info = &graph[NodeIndex::new(i)];
            (!operands.is_empty()).then(|| Cause {
                id: info.id,
                node: NodeIndex::new(i),
                label: info.label.to_string(),
                op: info.op.text().to_string(),
                operands: operands
                    .iter()
                    .map(|&o| named(&graph[o].label, graph[o].id))
                    .collect(),
                operand_nodes: operands,
            })
        })
        .collect()
}

/// Values whose wrong grads [`Report::explanations`] explains at the most.
const EXPLAINED: usize = 5;

/// The chain rule of the wrong grads the causes point at: backward run again with a
/// [`Ledger`], keeping the lines of the contributions those values receive.
fn explain(
    model: &Backward,
    roots: &[NodeIndex],
    causes: &[Cause],
    mismatches: &[Mismatch],
    tolerance: &Tolerance,
) -> Vec<Explanation> {
    let explained: Vec<NodeIndex> = causes
        .iter()
        .flat_map(|c| c.operand_nodes.iter().copied())
        .take(EXPLAINED)
        .collect();
    if explained.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<Vec<String>> = vec![Vec::new(); explained.len()];
    let number = |x: f64| python_float_repr(x);
    let mut ledger = Ledger::new(model, &number);
    let mut terms: Vec<Vec<f64>> = vec![Vec::new(); explained.len()];
    model.run(roots, |event| match event {
        Event::Seed(root) => {
            let text = ledger.seed(root);
            if let Some(k) = explained.iter().position(|n| n.index() == root) {
                lines[k].push(text);
            }
        }
        Event::Local(node, shares) => {
            for share in shares {
                let text = ledger.lines(share);
                if let Some(k) = explained.iter().position(|n| n.index() == share.operand) {
                    let graph = model.graph();
                    let result = &graph[NodeIndex::new(node)];
                    lines[k].push(format!(
                        "from {} ({}), operand {}:",
                        named(&result.label, result.id),
                        result.op.text(),
                        share.position + 1
                    ));
                    lines[k].extend(text.into_iter().map(|line| format!("  {line}")));
                    terms[k] = ledger.terms(share.operand).to_vec();
                }
            }
        }
    });
    explained
        .iter()
        .zip(lines)
        .zip(terms)
        .filter_map(|((&node, mut lines), terms)| {
            let mismatch = mismatches
                .iter()
                .find(|m| m.node == node && m.field == Field::Grad)?;
            if let Some(hint) = lone_term(mismatch.stored, &terms, tolerance) {
                lines.push(hint);
            }
            Some(Explanation {
                id: mismatch.id,
                node,
                label: mismatch.label.clone(),
                stored: mismatch.stored,
                expected: mismatch.expected,
                lines,
            })
        })
        .collect()
}

/// Where a grad that sums several terms was stored as one of them alone: the mark of a
/// `=` where `+=` belongs, which keeps only the last contribution assigned.
fn lone_term(stored: f64, terms: &[f64], tolerance: &Tolerance) -> Option<String> {
    if terms.len() < 2 {
        return None;
    }
    let k = terms.iter().rposition(|&t| tolerance.agrees(stored, t))?;
    let which = if k + 1 == terms.len() {
        "the last term".to_string()
    } else {
        format!("term {} of {}", k + 1, terms.len())
    };
    Some(format!(
        "the stored grad {} is {which} alone: `grad = …` where `grad += …` belongs keeps \
         one contribution and drops the others",
        python_float_repr(stored)
    ))
}
