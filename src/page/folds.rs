//! A folded view in the page: which of the view's summary nodes (a `--fold` group, an
//! overview's group or repeated computation) draws each value, and the replay's steps over
//! one group's values merged into one step.
//!
//! The page keeps every value (search, selection and the replay's grads run over the whole
//! graph); only the figure is folded. A value folded away has no record of its own, so its
//! marks go to the summary that draws it, and backward through a group is one step: the
//! page steps from group to group, listing the grads that leave the group and counting the
//! ones that stay inside.

use std::collections::BTreeMap;

use crate::figure::views::View;
use crate::figure::Decorations;
use crate::graph::ExportGraph;

/// One folded group: a summary node of the view and the values it draws.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    /// The node index of the value whose id names the summary node (its first member).
    pub holder: usize,
    /// What the summary's record says first (`l0.n1: ReLU(w·x+b)`, `100 × ReLU`).
    pub title: String,
    /// Node indices of the values drawn in it, in order.
    pub members: Vec<usize>,
}

/// The folded groups of a view over a graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Folds {
    /// By node index of the graph: the group drawing the value, if it is folded.
    pub group_of: Vec<Option<usize>>,
    /// The groups, by the id of their summary node.
    pub groups: Vec<Group>,
}

impl Folds {
    /// The groups of `view`, a view of `graph`.
    pub fn of(graph: &ExportGraph, view: &View) -> Folds {
        let mut folds = Folds {
            group_of: vec![None; graph.node_count()],
            groups: Vec::new(),
        };
        if view.folded_into.is_empty() {
            return folds;
        }
        let index_of: BTreeMap<u64, usize> = graph
            .node_weights()
            .enumerate()
            .map(|(i, n)| (n.id, i))
            .collect();
        let mut by_summary: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (i, node) in graph.node_weights().enumerate() {
            if let Some(&drawn) = view.folded_into.get(&node.id) {
                by_summary.entry(drawn).or_default().push(i);
            }
        }
        for (summary, members) in by_summary {
            let Some(&holder) = index_of.get(&summary) else {
                continue;
            };
            let g = folds.groups.len();
            for &m in &members {
                folds.group_of[m] = Some(g);
            }
            folds.groups.push(Group {
                holder,
                title: view
                    .summaries
                    .get(&summary)
                    .map(|s| s.title.clone())
                    .unwrap_or_default(),
                members,
            });
        }
        folds
    }

    /// `marks` without the rows of values folded away: a summary would list each of its
    /// values' rows (thousands, past what `dot` reads in a label), while the page's panel
    /// lists the marked values already.
    pub fn without_folded_rows(&self, graph: &ExportGraph, mut marks: Decorations) -> Decorations {
        for (i, node) in graph.node_weights().enumerate() {
            if self.group_of[i].is_some() {
                if let Some(mark) = marks.nodes.get_mut(&node.id) {
                    mark.extra_rows.clear();
                }
            }
        }
        marks
    }
}
