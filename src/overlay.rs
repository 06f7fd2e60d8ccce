//! Marks laid over a view. `check` and `compare` decorate a figure (wrong values, changed
//! grads) and must still honour `--group`, `--fold` and `--color` as `render` does: the view
//! is prepared exactly as `render` prepares it, and each mark then goes to the node that
//! draws its value — the value's own record, or the summary of the group it was folded
//! into, where the mark's rows are prefixed with the value's name so they stay readable.

use std::collections::BTreeMap;

use crate::app::{draw_decorated, render_bytes, Options};
use crate::export::ExportGraph;
use crate::render::{Decorations, Format};
use crate::views::{self, ColorBy, View};
use crate::Result;

/// True when the options ask for no view: micrograd's plain figure.
pub(crate) fn is_plain(options: &Options) -> bool {
    let view = &options.view;
    !view.group && view.fold.is_none() && view.color == ColorBy::None
}

/// How unlabelled values are named in a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// As micrograd draws them: an empty label.
    Blank,
    /// Unlabelled leaves as `#id`, the name `check`'s table gives them.
    LeafIds,
}

/// `graph` in `format`, through the view the options ask for, with `marks` laid over it
/// (their fills win over `--color`'s; their legend follows the view's).
pub(crate) fn draw_marked(
    graph: &ExportGraph,
    marks: &Decorations,
    naming: Naming,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    if format == Format::Json {
        return draw_decorated(graph, marks, format, options);
    }
    if is_plain(options) {
        let mut named = graph.clone();
        name_values(&mut named, naming);
        return draw_decorated(&named, marks, format, options);
    }
    let mut view = marked_view(graph, marks, options, format == Format::Dot)?;
    // Named after grouping: a `#id` name must not move a constant out of its neuron.
    name_values(&mut view.graph, naming);
    let dot = view.to_dot(&options.dot);
    match format {
        Format::Dot => Ok(dot.into_bytes()),
        _ => render_bytes(&dot, format, options),
    }
}

/// The view of `graph` with `marks` laid over it. `unguarded` lifts the node guard, for DOT
/// source that no engine lays out.
pub(crate) fn marked_view(
    graph: &ExportGraph,
    marks: &Decorations,
    options: &Options,
    unguarded: bool,
) -> Result<View> {
    let mut view_options = options.view.clone();
    if unguarded {
        view_options.max_nodes = Some(usize::MAX);
    }
    let mut view = views::prepare(graph, &view_options)?;
    lay_over(&mut view, graph, marks);
    Ok(view)
}

/// Adds `marks` (fills, outlines, rows, legend; not clusters) to the view's decorations.
fn lay_over(view: &mut View, graph: &ExportGraph, marks: &Decorations) {
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

fn name_values(graph: &mut ExportGraph, naming: Naming) {
    if naming == Naming::Blank {
        return;
    }
    for node in graph.node_weights_mut() {
        if node.label.is_empty() && node.op.is_empty() {
            node.label = format!("#{}", node.id);
        }
    }
}

/// How a value is named where its own record is not drawn: its label, else `#id`.
pub(crate) fn value_name(label: Option<&str>, id: u64) -> String {
    match label {
        Some(label) if !label.is_empty() => label.to_string(),
        _ => format!("#{id}"),
    }
}
