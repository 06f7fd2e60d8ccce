//! The marked figure of `gradviz check`: wrong nodes filled, with the expected value beside
//! the stored one, and a legend saying what the marks mean.

use crate::app::Options;
use crate::check::Report;
use crate::engine::{Graph, NodeId};
use crate::export::{to_petgraph, ExportGraph};
use crate::overlay::{draw_marked, Naming};
use crate::render::{format_number, Decorations, Format, LegendEntry};
use crate::Result;

/// Fill of a value whose stored data or grad is wrong.
pub const WRONG_FILL: &str = "#ffc9c9";
/// Fill of a value that could not be verified (an op gradviz does not know).
pub const UNVERIFIED_FILL: &str = "#e6e6e6";

/// A JSON graph with the mismatches of `report` marked.
pub fn draw_check(
    graph: &ExportGraph,
    report: &Report,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    let mut decorations = Decorations::default();
    for mismatch in &report.mismatches {
        let row = format!(
            "expected {} {}",
            mismatch.field,
            format_number(mismatch.expected, options.dot.precision)
        );
        mark(&mut decorations, mismatch.id, WRONG_FILL, row);
    }
    for &id in &report.unverified {
        mark(&mut decorations, id, UNVERIFIED_FILL, "not verified".into());
    }
    decorations.legend = legend(!report.unverified.is_empty());
    draw_marked(graph, &decorations, Naming::Blank, format, options)
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
    decorations.legend = legend(false);
    draw_marked(&exported, &decorations, Naming::LeafIds, format, options)
}

fn mark(decorations: &mut Decorations, id: u64, fill: &str, row: String) {
    let node = decorations.nodes.entry(id).or_default();
    node.fill = Some(fill.to_string());
    node.extra_rows.push(row);
}

fn legend(with_unverified: bool) -> Vec<LegendEntry> {
    let mut entries = vec![LegendEntry {
        fill: Some(WRONG_FILL.into()),
        text: "stored value disagrees with gradviz's; the expected value is shown below it".into(),
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
