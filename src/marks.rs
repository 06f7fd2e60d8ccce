//! The marked figure of `gradviz check`: wrong nodes filled, with the expected value beside
//! the stored one, and a legend saying what the marks mean. For an `.html` output, the same
//! figure in the interactive page ([`crate::page`]), with the wrong numbers as a table whose
//! rows link to their values.

use petgraph::graph::NodeIndex;

use crate::app::Options;
use crate::check::{Field, Report};
use crate::engine::{python_float_repr, Graph, NodeId};
use crate::export::{to_petgraph, ExportGraph};
use crate::overlay::{draw_marked, Naming};
use crate::page::{Cell, Snapshot, Table, TableRow};
use crate::render::{format_number, Decorations, Format, LegendEntry};
use crate::Result;

/// Fill of a value whose stored data or grad is wrong.
pub const WRONG_FILL: &str = "#ffc9c9";
/// Fill of a value that could not be verified (an op gradviz does not know).
pub const UNVERIFIED_FILL: &str = "#e6e6e6";

/// A JSON graph with the mismatches of `report` marked; `roots` are where the page replays
/// backward from.
pub fn draw_check(
    graph: &ExportGraph,
    roots: &[NodeIndex],
    report: &Report,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    let mut decorations = Decorations::default();
    let precision = options.dot.precision;
    for mismatch in &report.mismatches {
        // The page's grad field shows the replayed grad, which is the expected one: the row
        // there holds the stored number instead, so both stay in view.
        let row = if format == Format::Html && mismatch.field == Field::Grad {
            format!("stored grad {}", format_number(mismatch.stored, precision))
        } else {
            format!(
                "expected {} {}",
                mismatch.field,
                format_number(mismatch.expected, precision)
            )
        };
        mark(&mut decorations, mismatch.id, WRONG_FILL, row);
    }
    for &id in &report.unverified {
        mark(&mut decorations, id, UNVERIFIED_FILL, "not verified".into());
    }
    decorations.legend = legend(
        "stored value disagrees with gradviz's; the expected value is shown below it",
        !report.unverified.is_empty(),
    );
    if format == Format::Html {
        let rows = report
            .mismatches
            .iter()
            .map(|m| TableRow {
                node: m.id,
                cells: vec![
                    Cell::plain(m.label.clone()),
                    Cell::plain(m.field.to_string()),
                    Cell::plain(python_float_repr(m.stored)),
                    Cell::plain(python_float_repr(m.expected)),
                ],
            })
            .collect();
        let header = ["id", "label", "field", "stored", "expected"];
        return check_page(graph, roots, decorations, &header, rows, options);
    }
    draw_marked(graph, &decorations, Naming::Blank, format, options)
}

/// The check's page: the marked graph in the viewer, and a table of what is wrong.
fn check_page(
    graph: &ExportGraph,
    roots: &[NodeIndex],
    decorations: Decorations,
    header: &[&str],
    rows: Vec<TableRow>,
    options: &Options,
) -> Result<Vec<u8>> {
    let snapshot = Snapshot {
        title: "checked".into(),
        graph: graph.clone(),
        roots: roots.to_vec(),
        decorations: Some(decorations),
    };
    let table = Table {
        id: "wrong".into(),
        title: format!("Wrong numbers ({})", rows.len()),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
    };
    crate::page::page("gradviz check", &[snapshot], &[table], options)
}

/// A script's graph with the leaves whose grad disagrees with its finite difference marked.
pub fn draw_fd(
    graph: &Graph,
    root: NodeId,
    wrong: &[(NodeId, f64)],
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    let exported = to_petgraph(graph, &[root]);
    let mut decorations = Decorations::default();
    for &(leaf, numeric) in wrong {
        let row = format!(
            "finite difference {}",
            format_number(numeric, options.dot.precision)
        );
        mark(&mut decorations, leaf.index() as u64, WRONG_FILL, row);
    }
    decorations.legend = legend(
        "grad disagrees with its finite difference, shown below it",
        false,
    );
    if format == Format::Html {
        let rows = wrong
            .iter()
            .map(|&(leaf, numeric)| TableRow {
                node: leaf.index() as u64,
                cells: vec![
                    Cell::plain(graph.label(leaf).map(|l| l.to_string()).unwrap_or_default()),
                    Cell::plain(python_float_repr(graph.grad(leaf))),
                    Cell::plain(python_float_repr(numeric)),
                ],
            })
            .collect();
        let header = ["id", "label", "grad", "finite difference"];
        let root = NodeIndex::new(exported.node_count() - 1);
        return check_page(&exported, &[root], decorations, &header, rows, options);
    }
    draw_marked(&exported, &decorations, Naming::LeafIds, format, options)
}

fn mark(decorations: &mut Decorations, id: u64, fill: &str, row: String) {
    let node = decorations.nodes.entry(id).or_default();
    node.fill = Some(fill.to_string());
    node.extra_rows.push(row);
}

/// What the marks mean: the JSON check's recomputation, or a script's finite differences.
fn legend(wrong: &str, with_unverified: bool) -> Vec<LegendEntry> {
    let mut entries = vec![LegendEntry {
        fill: Some(WRONG_FILL.into()),
        text: wrong.into(),
        ..LegendEntry::default()
    }];
    if with_unverified {
        entries.push(LegendEntry {
            fill: Some(UNVERIFIED_FILL.into()),
            text: "not verified: an op gradviz does not know, or depends on one".into(),
            ..LegendEntry::default()
        });
    }
    entries
}
