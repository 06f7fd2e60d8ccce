//! `gradviz compare`: the graph before and after backward.
//!
//! The figure holds two copies of the graph in clusters, "before backward" above "after
//! backward". Both copies sit in the same ranks, so a value is in the same column in both
//! and its neighbours in the same order: the eye moves straight down to find it. Grads that
//! backward changed are filled in the "after" copy and outlined in the "before" copy. An
//! `.html` output is the interactive page ([`crate::page`]) with each state as a snapshot
//! and a table of the grads that changed.

use std::path::Path;

use crate::app::{draw_decorated, InputFormat, Options, Source, Target};
use crate::engine::NodeId;
use crate::export::{to_petgraph, ExportGraph};
use crate::page::{Cell, Snapshot, Table, TableRow};
use crate::render::{format_number, Cluster, Decorations, Format, LegendEntry, NodeDecoration};
use crate::script::python::Purpose;
use crate::script::{first_and_last, Evaluated, Ran};
use crate::{interchange, script, Error, Result};
use petgraph::graph::NodeIndex;

/// Fill of a value whose grad backward changed.
pub const CHANGED_FILL: &str = "#ffe08a";
/// Outline of the same value in the "before" state.
pub const CHANGED_OUTLINE: &str = "#c99a00";

/// The two states compared.
pub struct States {
    /// The graph before backward (the first snapshot, or all grads zero).
    pub before: ExportGraph,
    /// The graph after backward (the last snapshot, or after `backward()` from the root).
    pub after: ExportGraph,
}

/// The bytes of the comparison for `target`: a figure, or a page for an `.html` path.
pub fn compare(source: &Source, target: &Target, options: &Options) -> Result<Vec<u8>> {
    let states = states(source, options)?;
    let is_page = match target {
        Target::File(path, _) => is_html(path),
        Target::Stdout(_) => false,
    } || target.format() == Format::Html;
    if is_page {
        let changed = changed(&states);
        return page(source, &states, &changed, options);
    }
    comparison(states, target.format(), options)
}

/// The comparison figure of two states (no page), through the view the options ask for.
pub fn comparison(states: States, format: Format, options: &Options) -> Result<Vec<u8>> {
    // JSON carries no view.
    if format != Format::Json && !crate::overlay::is_plain(options) {
        return crate::compare_view::figure(&states, format, options);
    }
    let changed = changed(&states);
    figure(&states, &changed, format, options)
}

fn is_html(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
}

/// SPEC: the first and last snapshot; with fewer than two, the graph with zero grads and
/// after `backward()` from the root. A JSON graph's "after" is its stored grads.
pub fn states(source: &Source, options: &Options) -> Result<States> {
    match source.format {
        InputFormat::Json => {
            let after = interchange::read(&source.text, &source.name)?.graph;
            Ok(States {
                before: zeroed(&after),
                after,
            })
        }
        InputFormat::Py | InputFormat::Ipynb => {
            match script::run_script(source.script(), Purpose::Compare, &options.script)? {
                Ran::Subset(evaluated) => subset_states(evaluated, &source.name),
                Ran::Python(run) => {
                    let (before, after) = run.compared(&source.name)?;
                    Ok(States { before, after })
                }
            }
        }
    }
}

fn subset_states(evaluated: Evaluated, name: &str) -> Result<States> {
    let snapshot_root = evaluated.snapshots.first().and_then(|s| {
        let sinks = interchange::sinks(s);
        sinks.last().map(|&n| NodeId::from_index(s[n].id as usize))
    });
    let root = evaluated
        .backward_root
        .or(snapshot_root)
        .or(evaluated.last_value)
        .ok_or_else(|| Error::Script(format!("{name}: nothing to compare: no value computed")))?;
    if let Some((before, after)) = first_and_last(evaluated.snapshots) {
        return Ok(States { before, after });
    }
    let graph = &evaluated.graph;
    graph.zero_grad();
    let before = to_petgraph(graph, &[root]);
    graph.backward(root);
    Ok(States {
        before,
        after: to_petgraph(graph, &[root]),
    })
}

fn zeroed(graph: &ExportGraph) -> ExportGraph {
    let mut zeroed = graph.clone();
    for node in zeroed.node_weights_mut() {
        node.grad = 0.0;
    }
    zeroed
}

/// The values whose grad differs between the states, by index in `after`. Values are
/// matched by id; NaN is equal to NaN here, so only real changes are highlighted.
fn changed(states: &States) -> Vec<NodeIndex> {
    let before: std::collections::BTreeMap<u64, f64> = states
        .before
        .node_weights()
        .map(|n| (n.id, n.grad))
        .collect();
    states
        .after
        .node_indices()
        .filter(|&i| {
            let node = &states.after[i];
            before
                .get(&node.id)
                .is_none_or(|&b| !same_number(b, node.grad))
        })
        .collect()
}

pub(crate) fn same_number(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// One figure: both states as clusters, the "after" copy's ids shifted past the "before" ones.
fn figure(
    states: &States,
    changed: &[NodeIndex],
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    let offset = states
        .before
        .node_weights()
        .map(|n| n.id + 1)
        .max()
        .unwrap_or(0);
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
    let mut decorations = Decorations::default();
    // Graphviz stacks the cluster written last on top, so "after" is written first.
    let after_ids = states.after.node_weights().map(|n| n.id + offset).collect();
    let before_ids = states.before.node_weights().map(|n| n.id).collect();
    decorations.clusters = vec![
        cluster("after backward", after_ids),
        cluster("before backward", before_ids),
    ];
    for &i in changed {
        let id = states.after[i].id;
        decorations.nodes.insert(id, outline());
        decorations.nodes.insert(id + offset, fill());
    }
    decorations.legend = vec![LegendEntry {
        fill: Some(CHANGED_FILL.into()),
        outline: Some(CHANGED_OUTLINE.into()),
        text: "grad changed by backward".into(),
    }];
    draw_decorated(&both, &decorations, format, options)
}

fn cluster(title: &str, members: Vec<u64>) -> Cluster {
    Cluster {
        title: title.into(),
        members,
        ..Cluster::default()
    }
}

fn fill() -> NodeDecoration {
    NodeDecoration {
        fill: Some(CHANGED_FILL.into()),
        ..NodeDecoration::default()
    }
}

fn outline() -> NodeDecoration {
    NodeDecoration {
        outline: Some(CHANGED_OUTLINE.into()),
        ..NodeDecoration::default()
    }
}

/// The page: the viewer of `render -o page.html` with the two states as its snapshots (the
/// toggle between them), each with its changed grads marked, and the table of changes.
fn page(
    source: &Source,
    states: &States,
    changed: &[NodeIndex],
    options: &Options,
) -> Result<Vec<u8>> {
    let ids: Vec<u64> = changed.iter().map(|&i| states.after[i].id).collect();
    let mut before_marks = Decorations::default();
    let mut after_marks = Decorations::default();
    // Both states outlined alike: a thicker outline changes a record's size in the builtin
    // engine, and the toggle must not move anything.
    for &id in &ids {
        before_marks.nodes.insert(id, outline());
        let filled = NodeDecoration {
            fill: Some(CHANGED_FILL.into()),
            ..outline()
        };
        after_marks.nodes.insert(id, filled);
    }
    let snapshot = |title: &str, graph: &ExportGraph, marks: Decorations| Snapshot {
        title: title.into(),
        roots: interchange::sinks(graph),
        graph: graph.clone(),
        decorations: Some(marks),
    };
    let snapshots = [
        snapshot("before backward", &states.before, before_marks),
        snapshot("after backward", &states.after, after_marks),
    ];
    let table = Table {
        id: "changed".into(),
        title: format!(
            "Grads that changed ({} of {} values)",
            changed.len(),
            states.after.node_count()
        ),
        header: ["id", "label", "data", "grad before", "grad after"]
            .map(String::from)
            .to_vec(),
        rows: change_rows(states, changed, options.dot.precision),
    };
    crate::page::page(&source.name, &snapshots, &[table], options)
}

fn change_rows(states: &States, changed: &[NodeIndex], precision: usize) -> Vec<TableRow> {
    let before_grads: std::collections::BTreeMap<u64, f64> = states
        .before
        .node_weights()
        .map(|n| (n.id, n.grad))
        .collect();
    changed
        .iter()
        .map(|&i| {
            let node = &states.after[i];
            let before = before_grads.get(&node.id).copied().unwrap_or(0.0);
            TableRow {
                node: node.id,
                cells: vec![
                    Cell::plain(node.label.clone()),
                    Cell::plain(format_number(node.data, precision)),
                    Cell::plain(format_number(before, precision)),
                    Cell {
                        text: format_number(node.grad, precision),
                        class: if node.grad > before { "up" } else { "down" },
                    },
                ],
            }
        })
        .collect()
}
