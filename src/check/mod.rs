//! `gradviz check`: is every gradient right? Each check returns a report value; drawing the
//! wrong values marked is `figure::marks`, printing the report the binary's.
//!
//! - Backward on a stored graph is modelled once, in `backward.rs` ([`Backward`]), with the
//!   chain-rule text of each contribution ([`Ledger`]); the page's replay runs the same model.
//! - A JSON graph, which another engine may have computed, is recomputed from its structure
//!   ([`check`], in `recompute.rs`).
//! - A script, whichever interpreter ran it, is checked as the graph it left just after its
//!   last `backward()`: recomputed as above, which also names a misuse of backward (never
//!   run, or run twice without zeroing) as [`Misuse`]; then every leaf's grad is compared
//!   with a central finite difference of the function the graph computes
//!   ([`finite_differences`], in `finite.rs`), a witness independent of any op's backward
//!   rule.

pub mod backward;
mod finite;
mod recompute;

pub use backward::{Backward, Ledger};

pub use finite::{finite_differences, FiniteDifferences};
pub use recompute::{
    check, stale_data, Cause, Explanation, Field, Mismatch, Misuse, Report, Tolerance,
};

use crate::input::json::Document;
use crate::Result;

/// Recomputes `document` with the default tolerance, `rtol`/`atol` overriding its parts.
pub fn check_document(
    document: &Document,
    overrides: (Option<f64>, Option<f64>),
) -> Result<Report> {
    let tolerance = Tolerance::default().overridden(overrides)?;
    Ok(check(document, &tolerance))
}
