//! `gradviz compare`'s figure: the graph before and after backward.
//!
//! The figure holds two copies of the graph in clusters, "before backward" above "after
//! backward". Both copies sit in the same ranks, so a value is in the same column in both
//! and its neighbours in the same order: the eye moves straight down to find it. `dot`
//! would not keep that on its own (its last crossing reduction, over the whole graph,
//! treats the two states differently, and a value free to sit in several ranks may land in
//! different ones): `align_states` pins it, for `dot` and graphviz-pure (the layered
//! engine reads no rank constraints, and orders each column over both copies at once).
//! Grads that backward changed are filled in the "after" copy and outlined in the "before"
//! copy. With
//! `--group`, `--fold` or `--color` the two states go through one view together
//! ([`view`]).

mod view;

use std::borrow::Cow;

use petgraph::graph::NodeIndex;

use super::views::{self, ViewOptions};
use super::{Cluster, Decorations, DotOptions, Figure, LegendEntry, NodeDecoration, Record};
use crate::graph::{ExportGraph, Rankdir};
use crate::input::States;
use crate::Result;

/// Fill of a value whose grad backward changed.
pub const CHANGED_FILL: &str = "#ffe08a";
/// Outline of the same value in the "before" state.
pub const CHANGED_OUTLINE: &str = "#c99a00";

/// The comparison figure of two states, through the view `view` asks for.
pub fn figure(states: &States, dot: &DotOptions, view: &ViewOptions) -> Result<Figure<'static>> {
    if view.draws_overview(states.after.node_count()) {
        return overviews(states, dot, view);
    }
    if !view.is_plain() {
        let mut figure = view::figure(states, dot, view)?;
        align_states(&mut figure, id_offset(states));
        return Ok(figure);
    }
    Ok(plain(states, dot))
}

/// Each state drawn as its overview, side by side as [`plain`] draws two graphs. The
/// overview is found in each graph alone, from its shape and labels, which backward does
/// not change: both states fold alike, into nodes of the same ids.
fn overviews(states: &States, dot: &DotOptions, view: &ViewOptions) -> Result<Figure<'static>> {
    let before = views::view_of(Cow::Borrowed(&states.before), view)?;
    let after = views::view_of(Cow::Borrowed(&states.after), view)?;
    let folded = States {
        before: before.graph.clone().into_owned(),
        after: after.graph.clone().into_owned(),
        rankdir: states.rankdir,
        ran_backward: states.ran_backward,
        auto_labelled: states.auto_labelled.clone(),
    };
    let offset = id_offset(&folded);
    let mut dot = dot.clone();
    if let Some(rankdir) = after.rankdir() {
        dot.rankdir = rankdir;
    }
    let mut figure = plain(&folded, &dot);
    let records = [(before.summaries, 0), (after.summaries, offset)]
        .into_iter()
        .flat_map(|(summaries, shift)| summaries.into_iter().map(move |(id, s)| (id + shift, s)));
    for (id, summary) in records {
        figure
            .records
            .insert(id, Record::Summary(summary.fields(dot.precision)));
    }
    figure.decorations.caption = after.decorations.caption;
    figure.note = after.note;
    Ok(figure)
}

/// Both states whole, in clusters, changed grads marked.
fn plain(states: &States, dot: &DotOptions) -> Figure<'static> {
    let offset = id_offset(states);
    let both = combined(states);
    let mut decorations = Decorations::default();
    let after_ids = states.after.node_weights().map(|n| n.id + offset).collect();
    let before_ids = states.before.node_weights().map(|n| n.id).collect();
    let (before, after) = (
        cluster("before backward", before_ids),
        cluster("after backward", after_ids),
    );
    // Graphviz stacks the cluster written last on top across ranks that run sideways, and
    // puts it right of the other across ranks that run down: "before" comes first either way.
    decorations.clusters = match dot.rankdir {
        Rankdir::LR | Rankdir::RL => vec![after, before],
        Rankdir::TB | Rankdir::BT => vec![before, after],
    };
    for change in changed(&states.before, &states.after) {
        let id = states.after[change.index].id;
        decorations.nodes.insert(id, outline());
        decorations.nodes.insert(id + offset, fill());
    }
    decorations.legend = vec![LegendEntry {
        fill: Some(CHANGED_FILL.into()),
        outline: Some(CHANGED_OUTLINE.into()),
        text: "grad changed by backward".into(),
    }];
    let mut figure = Figure::decorated(Cow::Owned(both), dot.clone(), decorations);
    align_states(&mut figure, offset);
    figure
}

/// Puts each value's two copies in one rank, and keeps Graphviz's last crossing
/// reduction, which runs over the whole graph and does not treat the states alike, from
/// moving one state's values: each state's cluster is ordered on its own, and the two are
/// the same graph, so every column lists its values in the same order in both. A value's
/// "after" copy has its "before" id plus `offset`; a folded group keeps its first value's.
fn align_states(figure: &mut Figure<'_>, offset: u64) {
    let ids: std::collections::BTreeSet<u64> = figure.graph.node_weights().map(|n| n.id).collect();
    figure.decorations.same_rank = ids
        .range(..offset)
        .filter(|&&id| ids.contains(&(id + offset)))
        .map(|&id| vec![id, id + offset])
        .collect();
    figure.hints = figure.hints.keeping_crossings();
}

/// The first id past the "before" state's: what the "after" copy's ids are shifted by.
fn id_offset(states: &States) -> u64 {
    states
        .before
        .node_weights()
        .map(|n| n.id + 1)
        .max()
        .unwrap_or(0)
}

/// Both states as one graph: "before", then "after" with its ids shifted past "before"'s.
pub fn combined(states: &States) -> ExportGraph {
    let offset = id_offset(states);
    let mut both = states.before.clone();
    let first_after = both.node_count();
    for node in states.after.node_weights() {
        let mut node = node.clone();
        node.id += offset;
        both.add_node(node);
    }
    for edge in states.after.raw_edges() {
        let shift = |i: NodeIndex| NodeIndex::new(i.index() + first_after);
        both.add_edge(shift(edge.source()), shift(edge.target()), edge.weight);
    }
    both
}

/// A value whose grad backward changed: its index in "after", and its grad before (`None`
/// when "before" has no value with its id).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// The value's index in `States::after`.
    pub index: NodeIndex,
    /// Its grad in "before".
    pub before: Option<f64>,
}

/// The values whose grad differs from `before` to `after`, in `after`'s order. Values are
/// matched by id; NaN is equal to NaN here, so only real changes are highlighted.
pub fn changed(before: &ExportGraph, after: &ExportGraph) -> Vec<Change> {
    let grads_before: std::collections::BTreeMap<u64, f64> =
        before.node_weights().map(|n| (n.id, n.grad)).collect();
    after
        .node_indices()
        .map(|index| Change {
            index,
            before: grads_before.get(&after[index].id).copied(),
        })
        .filter(|change| {
            let grad = after[change.index].grad;
            change.before.is_none_or(|b| !same_number(b, grad))
        })
        .collect()
}

pub(crate) fn same_number(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn cluster(title: &str, members: Vec<u64>) -> Cluster {
    Cluster {
        title: title.into(),
        members,
        ..Cluster::default()
    }
}

/// The mark of a changed grad in the "after" state.
fn fill() -> NodeDecoration {
    NodeDecoration {
        fill: Some(CHANGED_FILL.into()),
        ..NodeDecoration::default()
    }
}

/// The mark of a changed grad in the "before" state.
pub fn outline() -> NodeDecoration {
    NodeDecoration {
        outline: Some(CHANGED_OUTLINE.into()),
        ..NodeDecoration::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeInfo;

    /// `c = a + b` with these grads, ids 0, 1, 2 (or shifted).
    fn sum(grads: [f64; 3]) -> ExportGraph {
        let mut graph = ExportGraph::new();
        let node = |id: u64, label: &str, op: &str, grad: f64| NodeInfo {
            id,
            label: label.into(),
            data: 1.0,
            grad,
            op: op.into(),
            scope: None,
        };
        let a = graph.add_node(node(0, "a", "", grads[0]));
        let b = graph.add_node(node(1, "b", "", grads[1]));
        let c = graph.add_node(node(2, "c", "+", grads[2]));
        graph.add_edge(a, c, 0);
        graph.add_edge(b, c, 1);
        graph
    }

    fn states(before: [f64; 3], after: [f64; 3]) -> States {
        States::new(sum(before), sum(after))
    }

    #[test]
    fn both_states_are_one_graph_with_the_after_ids_shifted() {
        let both = combined(&states([0.0; 3], [1.0; 3]));
        let ids: Vec<u64> = both.node_weights().map(|n| n.id).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
        let edges: Vec<(usize, usize)> = both
            .raw_edges()
            .iter()
            .map(|e| (e.source().index(), e.target().index()))
            .collect();
        assert_eq!(edges, [(0, 2), (1, 2), (3, 5), (4, 5)]);
    }

    #[test]
    fn only_grads_that_moved_are_changed_and_nan_stays_nan() {
        let moved = states([0.0, 0.0, f64::NAN], [0.0, 2.0, f64::NAN]);
        let moved = changed(&moved.before, &moved.after);
        let index = NodeIndex::new(1);
        assert_eq!(
            moved,
            [Change {
                index,
                before: Some(0.0)
            }]
        );
        let same = states([1.0; 3], [1.0; 3]);
        assert!(changed(&same.before, &same.after).is_empty());
    }

    #[test]
    fn a_changed_grad_is_outlined_before_and_filled_after() {
        let figure = figure(
            &states([0.0; 3], [0.0, 0.0, 1.0]),
            &DotOptions::default(),
            &ViewOptions::default(),
        )
        .unwrap();
        let titles: Vec<&str> = figure
            .decorations
            .clusters
            .iter()
            .map(|c| c.title.as_str())
            .collect();
        assert_eq!(titles, ["after backward", "before backward"]);
        assert_eq!(figure.decorations.clusters[0].members, [3, 4, 5]);
        let marked: Vec<(u64, NodeDecoration)> = figure
            .decorations
            .nodes
            .iter()
            .map(|(&id, mark)| (id, mark.clone()))
            .collect();
        assert_eq!(marked, [(2, outline()), (5, fill())]);
        assert_eq!(figure.decorations.legend.len(), 1);
    }
}
