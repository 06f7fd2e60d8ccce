//! The marks of wrong values, in one place for every figure that shows them: `gradviz
//! check`'s (wrong values filled, with the expected number or the finite difference as an
//! extra row) and the page's (a stored grad that backward's replay does not give), each with
//! a legend saying what the marks mean. They are laid over whatever view is drawn
//! (`overlay`), or over the page's figure.

use super::{format_number, Decorations, LegendEntry};
use crate::check::{Field, FiniteDifferences, Report};

/// Fill of a value whose stored data or grad is wrong.
pub const WRONG_FILL: &str = "#ffc9c9";
/// Outline of a value whose local backward gives its operands wrong grads.
pub const CAUSE_OUTLINE: &str = "#d9480f";
/// Fill of a value that could not be verified (an op gradviz does not know).
pub const UNVERIFIED_FILL: &str = "#e6e6e6";

/// The marks of a recomputation's `report`, numbers with `precision` digits. On a page
/// (`for_page`) the grad field shows the replayed grad, which is the expected one, so a wrong
/// grad's row holds the stored number instead and both stay in view.
pub fn recomputed(report: &Report, for_page: bool, precision: usize) -> Decorations {
    let mut decorations = Decorations::default();
    for mismatch in &report.mismatches {
        let row = if for_page && mismatch.field == Field::Grad {
            stored_grad(mismatch.stored, precision)
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
    for cause in &report.causes {
        decorations.nodes.entry(cause.id).or_default().outline = Some(CAUSE_OUTLINE.into());
    }
    let wrong = if for_page {
        "stored number disagrees: the record shows backward's grad and adds the stored one"
    } else {
        "stored number disagrees with gradviz's: the record adds the expected one"
    };
    decorations.legend = legend(wrong, !report.unverified.is_empty());
    if let Some(misuse) = report.misuse {
        decorations.legend.push(LegendEntry {
            text: format!(
                "cause: {} from {}",
                misuse.summary(),
                report.roots.join(", ")
            ),
            ..LegendEntry::default()
        });
    }
    if !report.causes.is_empty() {
        decorations.legend.push(LegendEntry {
            outline: Some(CAUSE_OUTLINE.into()),
            text: "cause: its local backward gives its operands wrong grads".into(),
            ..LegendEntry::default()
        });
    }
    decorations
}

/// The marks of finite differences: each leaf whose grad disagrees, with its difference.
pub fn differences(found: &FiniteDifferences, precision: usize) -> Decorations {
    let mut decorations = Decorations::default();
    for wrong in &found.wrong {
        let row = format!(
            "finite difference {}",
            format_number(wrong.numeric, precision)
        );
        mark(&mut decorations, wrong.id, WRONG_FILL, row);
    }
    decorations.legend = legend(
        "grad disagrees with its finite difference, shown below it",
        false,
    );
    decorations
}

/// The page's marks of values (id and stored grad) whose stored grad differs from the grad
/// backward's replay gives them: filled, with the stored grad as an extra row (the grad
/// field shows the replay's).
pub fn replayed(mismatched: impl IntoIterator<Item = (u64, f64)>, precision: usize) -> Decorations {
    let mut decorations = Decorations::default();
    for (id, stored) in mismatched {
        mark(
            &mut decorations,
            id,
            WRONG_FILL,
            stored_grad(stored, precision),
        );
    }
    if !decorations.nodes.is_empty() {
        decorations.legend = legend("stored grad differs from backward's, replayed here", false);
    }
    decorations
}

/// The row of a stored grad shown beside the one backward gives.
fn stored_grad(stored: f64, precision: usize) -> String {
    format!("stored grad {}", format_number(stored, precision))
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
