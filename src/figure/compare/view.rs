//! `compare`'s figure through a view (`--group`, `--fold`, `--color`).
//!
//! Both states go through one [`views::prepare`] so that they share one colour scale and
//! one legend and fold alike. Each state's labels are put under a top-level group named
//! after the state (`x1` in "before" is prepared as `before.x1`), so a state's groups never
//! merge with the other's and the state itself is the outermost cluster; the prefixes are
//! taken off again before drawing. Grads that backward changed are then compared node by
//! node on the prepared view (a folded group by its output), and marked as in the plain
//! figure: filled in "after", outlined in "before" — or, when `--color` fills the records,
//! outlined in both.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{same_number, States, CHANGED_FILL, CHANGED_OUTLINE};
use crate::figure::views::{self, ColorBy, View, ViewOptions};
use crate::figure::{Cluster, DotOptions, Figure, LegendEntry};
use crate::graph::ExportGraph;
use crate::Result;

const BEFORE: &str = "before";
const AFTER: &str = "after";

/// The comparison figure of `states` through the view `options` ask for.
pub(super) fn figure(
    states: &States,
    dot: &DotOptions,
    options: &ViewOptions,
) -> Result<Figure<'static>> {
    let offset = super::id_offset(states);
    let both = combined(states, offset);
    // A folded depth counts from the states, which are the outermost groups here.
    let view_options = options
        .clone()
        .with_group(true)
        .with_fold(options.fold.map(|depth| depth.saturating_add(1)));
    let mut view = views::view_of(Cow::Owned(both), &view_options)?;
    // The states are one level of groups the labels did not ask for.
    view.note = views::idle_note(options, view.depth.saturating_sub(1));
    unprefix(&mut view);
    state_clusters(&mut view, offset, options.group);
    mark_changed(&mut view, offset, options.color != ColorBy::None);
    Ok(view.into_figure(dot))
}

/// "after" first (Graphviz stacks the cluster written last on top, and the groups are
/// made in node order), then "before" with ids shifted by nothing; labels prefixed.
fn combined(states: &States, offset: u64) -> ExportGraph {
    let mut both = ExportGraph::with_capacity(
        states.before.node_count() + states.after.node_count(),
        states.before.edge_count() + states.after.edge_count(),
    );
    for (graph, state, shift) in [(&states.after, AFTER, offset), (&states.before, BEFORE, 0)] {
        let first = both.node_count();
        for node in graph.node_weights() {
            let mut node = node.clone();
            node.id += shift;
            if !node.label.is_empty() {
                node.label = format!("{state}.{}", node.label).into();
            }
            both.add_node(node);
        }
        for edge in graph.raw_edges() {
            let shifted =
                |i: petgraph::graph::NodeIndex| petgraph::graph::NodeIndex::new(i.index() + first);
            both.add_edge(shifted(edge.source()), shifted(edge.target()), edge.weight);
        }
    }
    both
}

/// Takes the state prefixes off every label, summary and cluster title.
fn unprefix(view: &mut View) {
    for node in view.graph.to_mut().node_weights_mut() {
        node.label = strip(&node.label).into();
    }
    for summary in view.summaries.values_mut() {
        summary.title = strip(&summary.title).to_string();
        summary.max_grad.1 = strip(&summary.max_grad.1).to_string();
        for output in &mut summary.outputs {
            output.0 = strip(&output.0).to_string();
        }
    }
    for cluster in &mut view.decorations.clusters {
        cluster.title = strip(&cluster.title).to_string();
    }
}

fn strip(label: &str) -> &str {
    label
        .strip_prefix("after.")
        .or_else(|| label.strip_prefix("before."))
        .unwrap_or(label)
}

/// One cluster per state holding every value of that state (an unlabelled value the
/// groups left at top level too), and the groups inside only when `--group` asked for them.
fn state_clusters(view: &mut View, offset: u64, keep_groups: bool) {
    let groups = std::mem::take(&mut view.decorations.clusters);
    let mut clusters = vec![
        state_cluster("after backward"),
        state_cluster("before backward"),
    ];
    let mut placed = std::collections::BTreeSet::new();
    if keep_groups {
        // The states become clusters 0 and 1; the other groups follow in their order, so
        // a parent still comes before its children.
        let mut new_index = Vec::with_capacity(groups.len());
        for group in &groups {
            let index = match (group.parent, group.title.as_str()) {
                (None, AFTER) => 0,
                (None, BEFORE) => 1,
                _ => {
                    placed.extend(group.members.iter().copied());
                    let mut group = group.clone();
                    group.parent = group.parent.map(|p| new_index[p]);
                    clusters.push(group);
                    clusters.len() - 1
                }
            };
            new_index.push(index);
        }
    }
    for node in view.graph.node_weights() {
        if !placed.contains(&node.id) {
            clusters[usize::from(node.id < offset)]
                .members
                .push(node.id);
        }
    }
    view.decorations.clusters = clusters;
}

fn state_cluster(title: &str) -> Cluster {
    Cluster {
        title: title.into(),
        ..Cluster::default()
    }
}

/// Marks each value whose grad differs between the states, matched by id (a folded
/// group's summary keeps its first value's id in both).
fn mark_changed(view: &mut View, offset: u64, colored: bool) {
    let grads: BTreeMap<u64, f64> = view.graph.node_weights().map(|n| (n.id, n.grad)).collect();
    let changed: Vec<u64> = grads
        .iter()
        .filter(|&(&id, &grad)| {
            id >= offset
                && grads
                    .get(&(id - offset))
                    .is_none_or(|&b| !same_number(b, grad))
        })
        .map(|(&id, _)| id - offset)
        .collect();
    let nodes = &mut view.decorations.nodes;
    for id in changed {
        nodes.entry(id).or_default().outline = Some(CHANGED_OUTLINE.into());
        let after = nodes.entry(id + offset).or_default();
        if colored {
            after.outline = Some(CHANGED_OUTLINE.into());
        } else {
            after.fill = Some(CHANGED_FILL.into());
        }
    }
    let (fill, text) = if colored {
        (None, "outlined: grad changed by backward")
    } else {
        (Some(CHANGED_FILL.into()), "grad changed by backward")
    };
    view.decorations.legend.push(LegendEntry {
        fill,
        outline: Some(CHANGED_OUTLINE.into()),
        text: text.into(),
    });
}
