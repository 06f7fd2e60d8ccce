//! Finite differences: the second witness of `gradviz check` on a script, in whichever
//! interpreter ran it.
//!
//! The first witness is recomputation ([`super::recompute`]), which applies the chain rule
//! to the stored numbers. This one asks calculus instead: every leaf's stored grad is
//! compared with a central finite difference of the function the graph computes, so a
//! wrong op rule (ours or the user's) cannot agree with itself here.

use std::fmt::Write as _;

use petgraph::graph::NodeIndex;

use super::backward::Backward;
use super::Tolerance;
use crate::engine::{python_exponent_format, python_float_repr, Op};
use crate::error::thousands;
use crate::graph::{value_name, ExportGraph};
use crate::input::json::Document;
use crate::Result;

/// What the finite differences found.
#[derive(Debug)]
pub struct FiniteDifferences {
    /// The report, as printed on stdout.
    pub table: String,
    /// The leaves whose grad disagrees, with their finite difference.
    pub wrong: Vec<Disagreement>,
}

/// A leaf whose stored grad disagrees with its finite difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disagreement {
    /// The leaf in the document's graph.
    pub node: NodeIndex,
    /// Its id.
    pub id: u64,
    /// Its finite difference.
    pub numeric: f64,
}

impl FiniteDifferences {
    /// True when every checked grad agrees.
    pub fn is_clean(&self) -> bool {
        self.wrong.is_empty()
    }

    fn not_run(why: &str) -> Self {
        FiniteDifferences {
            table: format!("finite differences: not run: {why}\n"),
            wrong: Vec::new(),
        }
    }
}

/// Finite differences are accurate to about 1e-8 relative at best, so their defaults are
/// looser than recomputation's.
const FD_RTOL: f64 = 1e-5;
const FD_ATOL: f64 = 1e-6;
/// Leaves × nodes beyond which only a spread-out sample of leaves is checked: each leaf
/// costs two forward passes over the whole graph.
const FD_WORK_LIMIT: usize = 200_000_000;
/// Rows of the table of worst disagreements.
const WORST_ROWS: usize = 10;

/// One leaf's stored grad next to its finite difference.
struct Comparison {
    leaf: NodeIndex,
    analytic: f64,
    numeric: f64,
    /// |diff| in units of the tolerance: above 1 disagrees. Sorts the table.
    excess: f64,
    agrees: bool,
    /// Why the difference cannot be trusted here, when it cannot.
    caveat: Option<Caveat>,
}

/// Where a finite difference says nothing about the grad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caveat {
    /// The leaf moves a ReLU's input that is exactly 0: no derivative there.
    ReluAtZero,
    /// The leaf moves the input of `log` or of a negative or fractional power that is
    /// exactly 0: the edge of its domain.
    DomainEdge,
    /// A number on the way is NaN or infinite.
    NonFinite,
}

impl Caveat {
    fn hint(self) -> &'static str {
        match self {
            Caveat::ReluAtZero => "a ReLU at exactly 0 has no derivative",
            Caveat::DomainEdge => "log or a power at exactly 0: the edge of its domain",
            Caveat::NonFinite => "a NaN or infinite value on the way",
        }
    }
}

/// Compares every leaf grad stored in `document` (a spread-out sample on a huge graph) with
/// a central finite difference of its one root; `rtol`/`atol` override the defaults;
/// `every_row` lists every comparison, not only the worst few. A graph with several roots,
/// or an op gradviz cannot run, gets a line saying why the differences were not taken.
pub fn finite_differences(
    document: &Document,
    overrides: (Option<f64>, Option<f64>),
    every_row: bool,
) -> Result<FiniteDifferences> {
    let defaults = Tolerance {
        rtol: FD_RTOL,
        atol: FD_ATOL,
    };
    let tolerance = defaults.overridden(overrides)?;
    let graph = &document.graph;
    let &[root] = document.roots.as_slice() else {
        return Ok(FiniteDifferences::not_run(&format!(
            "they need one root, and backward ran from {}",
            document.roots.len()
        )));
    };
    let replay = match Replay::new(&Backward::new(graph), root) {
        Ok(replay) => replay,
        Err(unknown) => {
            let node = &graph[unknown];
            return Ok(FiniteDifferences::not_run(&format!(
                "{} is computed by '{}', which gradviz cannot run",
                value_name(Some(&node.label), node.id),
                node.op
            )));
        }
    };
    let mut comparisons: Vec<Comparison> = replay
        .sampled_leaves()
        .into_iter()
        .map(|position| compare(graph, &replay, position, &tolerance))
        .collect();
    // Disagreements first (a NaN excess among them), the largest first.
    comparisons.sort_by(|a, b| {
        a.agrees
            .cmp(&b.agrees)
            .then(b.excess.total_cmp(&a.excess))
            .then(a.leaf.cmp(&b.leaf))
    });
    let rows = if every_row {
        comparisons.len()
    } else {
        WORST_ROWS
    };
    let table = fd_table(graph, &comparisons, rows, replay.leaf_count());
    let wrong = comparisons
        .iter()
        .filter(|c| !c.agrees)
        .map(|c| Disagreement {
            node: c.leaf,
            id: graph[c.leaf].id,
            numeric: c.numeric,
        })
        .collect();
    Ok(FiniteDifferences { table, wrong })
}

/// The leaf at `position` of the replay: its stored grad against its finite difference.
fn compare(
    graph: &ExportGraph,
    replay: &Replay,
    position: usize,
    tolerance: &Tolerance,
) -> Comparison {
    let leaf = replay.nodes[position];
    let analytic = graph[leaf].grad;
    let difference = replay.central_difference(position);
    let numeric = difference.value;
    // Within the tolerance, the same infinity, or both NaN: as the recomputation decides.
    let agrees = tolerance.agrees(numeric, analytic);
    let excess = if agrees {
        0.0
    } else {
        (analytic - numeric).abs() / (tolerance.atol + tolerance.rtol * analytic.abs())
    };
    let non_finite = !(analytic.is_finite() && numeric.is_finite());
    Comparison {
        leaf,
        analytic,
        numeric,
        excess,
        agrees,
        caveat: difference
            .caveat
            .or(non_finite.then_some(Caveat::NonFinite)),
    }
}

/// The report: a header, the first `rows` comparisons (disagreements first) with a line
/// saying how many more there are, and a verdict. A leaf is named as the figure names it:
/// its label, else `#id`.
fn fd_table(graph: &ExportGraph, comparisons: &[Comparison], rows: usize, leaves: usize) -> String {
    let mut out = String::new();
    let checked = comparisons.len();
    let sample = if checked < leaves {
        format!(
            " (a sample of {} of {})",
            thousands(checked),
            thousands(leaves)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} leaf grads checked against central finite differences{sample}",
        thousands(checked)
    );
    let _ = writeln!(
        out,
        "{:<24} {:>22} {:>22} {:>12}",
        "leaf", "grad (backward)", "finite difference", "|diff|"
    );
    for c in comparisons.iter().take(rows) {
        let node = &graph[c.leaf];
        let label = value_name(Some(&node.label), node.id);
        // The same infinity differs by nothing (inf - inf would print NaN).
        let diff = if c.analytic == c.numeric {
            0.0
        } else {
            (c.analytic - c.numeric).abs()
        };
        let mut line = format!(
            "{label:<24} {:>22} {:>22} {:>12}",
            python_float_repr(c.analytic),
            python_float_repr(c.numeric),
            python_exponent_format(diff, 1)
        );
        if let Some(caveat) = c.caveat.filter(|_| !c.agrees) {
            line.push_str(&format!("  ({})", caveat.hint()));
        }
        let _ = writeln!(out, "{line}");
    }
    if let Some(more) = checked.checked_sub(rows).filter(|&n| n > 0) {
        let _ = writeln!(out, "… and {} more (--all)", thousands(more));
    }
    let failing = comparisons.iter().filter(|c| !c.agrees).count();
    match failing {
        0 => out.push_str("ok: every grad agrees with its finite difference\n"),
        n => {
            let _ = writeln!(out, "MISMATCH: {} grad(s) disagree", thousands(n));
        }
    }
    out
}

/// A central difference and, when the graph keeps it from meaning anything, why.
struct Difference {
    value: f64,
    caveat: Option<Caveat>,
}

/// How a nudged run relates to the recorded one at the ops with an edge at 0 (`ReLU`'s
/// kink, `log`'s and a negative or fractional power's domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crossing {
    /// Every such op's input stayed on its side of 0.
    None,
    /// Some input crossed 0 or reached it: a smaller step may not.
    Crossed,
    /// An input that was exactly 0 moved: no step avoids it.
    AtEdge(Caveat),
}

/// The part of a graph its root is computed from, replayable from its leaves with one leaf
/// nudged, in topological order (the root last).
struct Replay {
    nodes: Vec<NodeIndex>,
    ops: Vec<Op>,
    /// Operand positions in `nodes`.
    operands: Vec<[usize; 2]>,
    data: Vec<f64>,
}

/// Steps shrink tenfold at most this many times to stay inside every op's domain: enough
/// to go from 1e-6 down past the smallest f64, whatever the distance to the edge.
const MAX_SHRINKS: usize = 330;
/// Once a step had to shrink, it is made this much smaller again: the edge it crossed is
/// then at least this many steps away, which keeps the difference's truncation error
/// (about (step / distance)² of the grad) far below the tolerance.
const EDGE_MARGIN: f64 = 1e3;

impl Replay {
    /// The replay of `root`, or the first node it is computed from whose op cannot run.
    fn new(model: &Backward<'_>, root: NodeIndex) -> std::result::Result<Self, NodeIndex> {
        let mut nodes = model.reached_from(root.index());
        nodes.sort_unstable_by_key(|&i| model.rank(i));
        let mut position = vec![usize::MAX; model.len()];
        for (at, &i) in nodes.iter().enumerate() {
            position[i] = at;
        }
        let mut ops = Vec::with_capacity(nodes.len());
        for &i in &nodes {
            ops.push(model.op(i).ok_or(NodeIndex::new(i))?);
        }
        let operands = nodes
            .iter()
            .map(|&i| {
                let list = model.operands(i);
                let at = |k: usize| list.get(k).map_or(0, |&o| position[o]);
                [at(0), at(1)]
            })
            .collect();
        Ok(Replay {
            data: nodes.iter().map(|&i| model.data(i)).collect(),
            nodes: nodes.into_iter().map(NodeIndex::new).collect(),
            ops,
            operands,
        })
    }

    fn leaf_count(&self) -> usize {
        self.ops.iter().filter(|op| **op == Op::Leaf).count()
    }

    fn sampled_leaves(&self) -> Vec<usize> {
        let leaves: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.ops[i] == Op::Leaf)
            .collect();
        let budget = (FD_WORK_LIMIT / self.nodes.len().max(1)).max(1);
        if leaves.len() <= budget {
            return leaves;
        }
        (0..budget)
            .map(|k| leaves[k * leaves.len() / budget])
            .collect()
    }

    /// The root's value with leaf `nudged` set to `x`, and whether an op with an edge at 0
    /// saw its input move across it.
    fn output(&self, nudged: usize, x: f64) -> (f64, Crossing) {
        let mut values = Vec::with_capacity(self.nodes.len());
        let mut crossing = Crossing::None;
        for i in 0..self.nodes.len() {
            let value = match self.ops[i] {
                Op::Leaf if i == nudged => x,
                Op::Leaf => self.data[i],
                op => {
                    let [a, b] = self.operands[i];
                    if let Some(caveat) = edge_at_zero(op) {
                        let (recorded, now) = (self.data[a], values[a]);
                        if recorded == 0.0 && now != 0.0 {
                            crossing = Crossing::AtEdge(caveat);
                        } else if crossing == Crossing::None && side(now) != side(recorded) {
                            crossing = Crossing::Crossed;
                        }
                    }
                    op.forward(values[a], if op.arity() == 2 { values[b] } else { 0.0 })
                }
            };
            values.push(value);
        }
        let root = *values.last().expect("the root is reachable from itself");
        (root, crossing)
    }

    /// The central difference of the root in leaf `leaf`. The step starts at 1e-6 of the
    /// leaf's magnitude (at least 1e-6); while it carries an input of `ReLU`, `log` or a
    /// negative or fractional power across 0, it shrinks, so the difference is taken where
    /// the function is smooth (`log` of 1e-9 is differenced around 1e-9, not across 0).
    /// The step is the one the floating-point numbers really took, `(x + h) - (x - h)`.
    fn central_difference(&self, leaf: usize) -> Difference {
        let x = self.data[leaf];
        let first = 1e-6 * x.abs().max(1.0);
        let mut h = first;
        let mut shrunk = false;
        for _ in 0..MAX_SHRINKS {
            let (value, crossing) = self.difference_with_step(leaf, h);
            match crossing {
                Crossing::AtEdge(caveat) => {
                    return Difference {
                        value,
                        caveat: Some(caveat),
                    }
                }
                Crossing::None if shrunk => {
                    let value = self.difference_with_step(leaf, h / EDGE_MARGIN).0;
                    return Difference {
                        value,
                        caveat: None,
                    };
                }
                Crossing::None => {
                    return Difference {
                        value,
                        caveat: None,
                    }
                }
                Crossing::Crossed => {
                    h /= 10.0;
                    shrunk = true;
                }
            }
        }
        Difference {
            value: self.difference_with_step(leaf, first).0,
            caveat: Some(Caveat::DomainEdge),
        }
    }

    /// The central difference with step `h`, and the worse crossing of its two runs.
    fn difference_with_step(&self, leaf: usize, h: f64) -> (f64, Crossing) {
        let x = self.data[leaf];
        let (up, down) = (x + h, x - h);
        let (high, above) = self.output(leaf, up);
        let (low, below) = self.output(leaf, down);
        let crossing = match (above, below) {
            (Crossing::AtEdge(caveat), _) | (_, Crossing::AtEdge(caveat)) => {
                Crossing::AtEdge(caveat)
            }
            (Crossing::None, Crossing::None) => Crossing::None,
            _ => Crossing::Crossed,
        };
        ((high - low) / (up - down), crossing)
    }
}

/// The caveat of an op whose input has an edge at 0, if it has one.
fn edge_at_zero(op: Op) -> Option<Caveat> {
    match op {
        Op::Relu => Some(Caveat::ReluAtZero),
        Op::Log => Some(Caveat::DomainEdge),
        Op::Pow(k) if k.value < 0.0 || k.value.fract() != 0.0 => Some(Caveat::DomainEdge),
        _ => None,
    }
}

fn side(x: f64) -> std::cmp::Ordering {
    x.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{sinks, to_petgraph};
    use crate::input::script;

    /// The graph `script` leaves (its root's), as `check` takes it.
    fn document(script: &str) -> Document {
        let evaluated = script::evaluate(script, "t.py", &Default::default()).unwrap();
        let graph = to_petgraph(&evaluated.graph, &[evaluated.root().unwrap()]);
        let roots = sinks(&graph);
        Document { graph, roots }
    }

    #[test]
    fn the_same_infinity_agrees_and_opposite_ones_do_not() {
        let tolerance = Tolerance::new(FD_RTOL, FD_ATOL).unwrap();
        assert!(tolerance.agrees(f64::INFINITY, f64::INFINITY));
        assert!(tolerance.agrees(f64::NEG_INFINITY, f64::NEG_INFINITY));
        assert!(!tolerance.agrees(f64::NEG_INFINITY, f64::INFINITY));
        assert!(!tolerance.agrees(1e300, f64::INFINITY));
        assert!(tolerance.agrees(1.0 + 1e-7, 1.0));
    }

    #[test]
    fn a_terminal_gets_the_worst_rows_and_a_count_of_the_rest() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mlp.py"))
            .unwrap();
        let document = document(&text);
        let short = finite_differences(&document, (None, None), false).unwrap();
        let rows = short.table.lines().count();
        assert_eq!(rows, 2 + WORST_ROWS + 2, "{}", short.table);
        assert!(
            short.table.contains("… and 84 more (--all)"),
            "{}",
            short.table
        );
        let all = finite_differences(&document, (None, None), true).unwrap();
        assert_eq!(all.table.lines().count(), 2 + 94 + 1, "{}", all.table);
    }

    #[test]
    fn steps_stay_inside_the_domain_of_log_and_powers() {
        for (script, grad) in [
            ("x = Value(1e-9)\ny = x.log()\n", 1e9),
            (
                "x = Value(5.000000001)\ny = (x - 5).log()\n",
                1.0 / (5.000000001 - 5.0),
            ),
            ("x = Value(1e-9)\ny = x**-1\n", -1e18),
            ("x = Value(-1e-9)\ny = x**-1\n", -1e18),
            ("x = Value(1e-12)\ny = x**0.5\n", 0.5e6),
        ] {
            let document = document(script);
            let replay = Replay::new(&Backward::new(&document.graph), document.roots[0]).unwrap();
            let difference = replay.central_difference(0);
            assert!(difference.caveat.is_none(), "{script}");
            let relative = (difference.value - grad).abs() / grad.abs();
            assert!(relative < 1e-6, "{script}: {} vs {grad}", difference.value);
        }
    }
}
