//! `gradviz check`: is every gradient right?
//!
//! A JSON graph from another engine is checked by recomputation ([`crate::check`]). A
//! script's graph was built by our own engine, so recomputing would only agree with itself;
//! instead every leaf's grad is compared with a central finite difference of the function
//! the tape computes, an independent witness.

use std::fmt::Write as _;

use crate::app::{InputFormat, Options, Source, Target};
use crate::check::{self, Tolerance};
use crate::engine::{Graph, NodeId, Op};
use crate::{interchange, script, Error, Result};

/// What a check found.
pub struct Outcome {
    /// The report printed on stdout.
    pub table: String,
    /// True when nothing disagreed.
    pub clean: bool,
    /// The marked figure, when one was asked for.
    pub figure: Option<Vec<u8>>,
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

/// Checks `source`; `tolerance` overrides the defaults for its kind.
pub fn check(
    source: &Source,
    tolerance: (Option<f64>, Option<f64>),
    target: Option<&Target>,
    options: &Options,
) -> Result<Outcome> {
    match source.format {
        InputFormat::Json => check_json(source, tolerance, target, options),
        InputFormat::Py => check_script(source, tolerance, target, options),
    }
}

fn check_json(
    source: &Source,
    (rtol, atol): (Option<f64>, Option<f64>),
    target: Option<&Target>,
    options: &Options,
) -> Result<Outcome> {
    let document = interchange::read(&source.text, &source.name)?;
    let defaults = Tolerance::default();
    let tolerance = Tolerance::new(rtol.unwrap_or(defaults.rtol), atol.unwrap_or(defaults.atol))?;
    let report = check::check(&document, &tolerance);
    let figure = match target {
        Some(target) => Some(crate::marks::draw_check(
            &document.graph,
            &document.roots,
            &report,
            target.format(),
            options,
        )?),
        None => None,
    };
    Ok(Outcome {
        table: report.table(),
        clean: report.is_clean(),
        figure,
    })
}

/// One leaf's analytic grad next to its finite difference.
struct Comparison {
    leaf: NodeId,
    analytic: f64,
    numeric: f64,
    excess: f64,
}

fn check_script(
    source: &Source,
    (rtol, atol): (Option<f64>, Option<f64>),
    target: Option<&Target>,
    options: &Options,
) -> Result<Outcome> {
    let evaluated = script::evaluate(&source.text, &source.name, &options.script)?;
    let root = evaluated
        .backward_root
        .or(evaluated.last_value)
        .ok_or_else(|| {
            Error::Script(format!(
                "{}: nothing to check: the script computes no value",
                source.name
            ))
        })?;
    let graph = &evaluated.graph;
    graph.zero_grad();
    graph.backward(root);
    let tolerance = Tolerance::new(rtol.unwrap_or(FD_RTOL), atol.unwrap_or(FD_ATOL))?;
    let (rtol, atol) = (tolerance.rtol, tolerance.atol);
    let replay = Replay::new(graph, root);
    let mut comparisons: Vec<Comparison> = replay
        .sampled_leaves()
        .into_iter()
        .map(|position| {
            let leaf = replay.nodes[position];
            let analytic = graph.grad(leaf);
            let numeric = replay.central_difference(position);
            let excess = (analytic - numeric).abs() / (atol + rtol * analytic.abs());
            Comparison {
                leaf,
                analytic,
                numeric,
                excess,
            }
        })
        .collect();
    comparisons.sort_by(|a, b| b.excess.total_cmp(&a.excess).then(a.leaf.cmp(&b.leaf)));
    let failing: Vec<&Comparison> = comparisons
        .iter()
        .filter(|c| c.excess > 1.0 || c.excess.is_nan())
        .collect();
    let table = fd_table(graph, &comparisons, failing.len(), replay.leaf_count());
    let figure = match target {
        Some(target) => {
            let wrong = failing
                .iter()
                .map(|c| (c.leaf, c.numeric))
                .collect::<Vec<_>>();
            Some(crate::marks::draw_fd(
                graph,
                root,
                &wrong,
                target.format(),
                options,
            )?)
        }
        None => None,
    };
    Ok(Outcome {
        table,
        clean: failing.is_empty(),
        figure,
    })
}

fn fd_table(graph: &Graph, comparisons: &[Comparison], failing: usize, leaves: usize) -> String {
    let mut out = String::new();
    let checked = comparisons.len();
    let sample = if checked < leaves {
        format!(" (a sample of {checked} of {leaves})")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{checked} leaf grads checked against central finite differences{sample}"
    );
    let _ = writeln!(
        out,
        "{:<24} {:>22} {:>22} {:>12}",
        "leaf", "grad (backward)", "finite difference", "|diff|"
    );
    for c in comparisons.iter().take(WORST_ROWS) {
        let label = graph
            .label(c.leaf)
            .map_or_else(|| format!("#{}", c.leaf.index()), |l| l.to_string());
        let diff = (c.analytic - c.numeric).abs();
        let _ = writeln!(
            out,
            "{label:<24} {:>22.12e} {:>22.12e} {diff:>12.3e}",
            c.analytic, c.numeric
        );
    }
    match failing {
        0 => out.push_str("ok: every grad agrees with its finite difference\n"),
        n => {
            let _ = writeln!(
                out,
                "MISMATCH: {n} grad(s) disagree (a ReLU at exactly 0 has no derivative)"
            );
        }
    }
    out
}

/// The reachable part of a tape, replayable from its leaves with one leaf nudged.
struct Replay {
    nodes: Vec<NodeId>,
    ops: Vec<Op>,
    /// Operand positions in `nodes`.
    operands: Vec<[usize; 2]>,
    data: Vec<f64>,
}

impl Replay {
    fn new(graph: &Graph, root: NodeId) -> Self {
        let nodes = graph.reachable(&[root]);
        let mut position = vec![usize::MAX; root.index() + 1];
        for (i, n) in nodes.iter().enumerate() {
            position[n.index()] = i;
        }
        let ops = nodes.iter().map(|&n| graph.op(n)).collect();
        let operands = nodes
            .iter()
            .map(|&n| {
                let list = graph.operands(n);
                let at = |k: usize| list.get(k).map_or(0, |o| position[o.index()]);
                [at(0), at(1)]
            })
            .collect();
        let data = nodes.iter().map(|&n| graph.data(n)).collect();
        Replay {
            nodes,
            ops,
            operands,
            data,
        }
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

    /// The root's value with leaf `nudged` moved by `delta`.
    fn output(&self, nudged: usize, delta: f64) -> f64 {
        let mut values = Vec::with_capacity(self.nodes.len());
        for i in 0..self.nodes.len() {
            let value = match self.ops[i] {
                Op::Leaf if i == nudged => self.data[i] + delta,
                Op::Leaf => self.data[i],
                op => {
                    let [a, b] = self.operands[i];
                    op.forward(values[a], if op.arity() == 2 { values[b] } else { 0.0 })
                }
            };
            values.push(value);
        }
        *values.last().expect("the root is reachable from itself")
    }

    fn central_difference(&self, leaf: usize) -> f64 {
        let h = 1e-6 * self.data[leaf].abs().max(1.0);
        (self.output(leaf, h) - self.output(leaf, -h)) / (2.0 * h)
    }
}
