//! Marks laid over a view. `check` and `compare` decorate a figure (wrong values, changed
//! grads) and must still honour `--group`, `--fold` and `--color` as `render` does: the view
//! is prepared exactly as `render` prepares it, and each mark then goes to the node that
//! draws its value — the value's own record, or the summary of the group it was folded
//! into, where the mark's rows are prefixed with the value's name so they stay readable.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::views::{self, View, ViewOptions};
use super::{Decorations, DotOptions, Figure};
use crate::graph::{value_name, ExportGraph};
use crate::Result;

/// How unlabelled values are named in a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// As micrograd draws them: an empty label.
    Blank,
    /// Unlabelled leaves as `#id`, the name `check`'s table gives them.
    LeafIds,
}

/// `graph` through the view `view` asks for, with `marks` laid over it (their fills win over
/// the colour scale's; their legend follows the view's).
pub fn marked<'a>(
    graph: &'a ExportGraph,
    marks: &Decorations,
    naming: Naming,
    dot: &DotOptions,
    view: &ViewOptions,
) -> Result<Figure<'a>> {
    if view.is_plain() {
        let mut named = Cow::Borrowed(graph);
        name_values(&mut named, naming);
        return Ok(Figure::decorated(named, dot.clone(), marks.clone()));
    }
    let mut view = views::prepare(graph, view)?;
    lay_over(&mut view, graph, marks);
    // Named after grouping: a `#id` name must not move a constant out of its neuron.
    name_values(&mut view.graph, naming);
    Ok(view.into_figure(dot))
}

/// Adds `marks` (fills, outlines, rows, legend; not clusters) to the view's decorations.
pub fn lay_over(view: &mut View, graph: &ExportGraph, marks: &Decorations) {
    let labels: BTreeMap<u64, &str> = if view.folded_into.is_empty() {
        BTreeMap::new()
    } else {
        graph
            .node_weights()
            .map(|n| (n.id, n.label.as_str()))
            .collect()
    };
    for (id, mark) in &marks.nodes {
        let folded = view.folded_into.get(id).copied();
        let node = view
            .decorations
            .nodes
            .entry(folded.unwrap_or(*id))
            .or_default();
        if mark.fill.is_some() {
            node.fill.clone_from(&mark.fill);
        }
        if mark.outline.is_some() {
            node.outline.clone_from(&mark.outline);
        }
        for row in &mark.extra_rows {
            node.extra_rows.push(match folded {
                Some(_) => format!("{}: {row}", value_name(labels.get(id).copied(), *id)),
                None => row.clone(),
            });
        }
    }
    view.decorations.legend.extend(marks.legend.iter().cloned());
    if marks.caption.is_some() {
        view.decorations.caption.clone_from(&marks.caption);
    }
}

fn name_values(graph: &mut Cow<'_, ExportGraph>, naming: Naming) {
    if naming == Naming::Blank {
        return;
    }
    for node in graph.to_mut().node_weights_mut() {
        if node.label.is_empty() && node.op.is_leaf() {
            node.label = value_name(None, node.id).into();
        }
    }
}
