//! Backward, step by step: the list of grad changes `backward()` makes on an exported graph,
//! one op node's local backward per step, for the page that replays them ([`replay`]).
//!
//! Backward is `check`'s model ([`Backward`]), so the replay and the check cannot disagree:
//! every root in turn (grads accumulate across roots, as calling `backward()` on each does),
//! its grad set to 1, then the nodes reachable from it in reverse topological order, each
//! adding its local gradients into its operands' grads with the engine's own rule. So the
//! last step's grads are the engine's result bit for bit, and the page shows numbers
//! computed here: its JS does no arithmetic. Each change's text is the model's chain-rule
//! [`Ledger`], the same lines `gradviz check` explains a wrong grad with.
//!
//! [`Replay::mismatches`] compares the graph's stored grads with the replay's result, for the
//! marks on a graph whose backward has run (a JSON graph from another engine, say).

use petgraph::graph::NodeIndex;

use crate::check::backward::{Backward, Event, Ledger};
use crate::check::Tolerance;
use crate::figure::format_number;
use crate::graph::ExportGraph;
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
    /// The chain rule of the change, one line each (see [`Ledger::lines`]): the local
    /// derivative, its product with the result's grad, and the operand's running sum, e.g.
    /// `d(x1*w1)/d(w1) = x1.data = 2.0000`, `d(x1*w1)/d(w1) × (x1*w1).grad = 2.0000 ×
    /// 0.5000 = 1.0000`, `w1.grad += 1.0000 → 1.0000`; a seed's is `o.grad = 1`.
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
    if let Some(root) = roots.iter().find(|root| root.index() >= graph.node_count()) {
        return Err(Error::Render(format!(
            "root {} is not in the graph",
            root.index()
        )));
    }
    let model = Backward::new(graph);
    if model.is_cyclic() {
        return Err(Error::Render(
            "the graph has a cycle: backward cannot run".into(),
        ));
    }
    let number = |x: f64| format_number(x, precision);
    let mut ledger = Ledger::new(&model, &number);
    let mut steps = vec![Step {
        kind: StepKind::Start,
        changes: Vec::new(),
    }];
    let grads = model.run(roots, |event| {
        steps.push(match event {
            Event::Seed(root) => Step {
                kind: StepKind::Seed(NodeIndex::new(root)),
                changes: vec![Change {
                    node: NodeIndex::new(root),
                    grad: 1.0,
                    text: ledger.seed(root),
                }],
            },
            Event::Local(node, shares) => Step {
                kind: StepKind::Local(NodeIndex::new(node)),
                changes: shares
                    .iter()
                    .map(|share| Change {
                        node: NodeIndex::new(share.operand),
                        grad: share.grad,
                        text: ledger.lines(share).join("\n"),
                    })
                    .collect(),
            },
        });
    });
    Ok(Replay {
        steps,
        grads,
        unknown: model.unknown(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Graph;
    use crate::graph::to_petgraph;

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
            "d(b)/d(a) = a.data = 3.0000\n\
             d(b)/d(a) × b.grad = 3.0000 × 1.0000 = 3.0000\n\
             a.grad += 3.0000 → 3.0000 + 3.0000 = 6.0000"
        );
    }
}
