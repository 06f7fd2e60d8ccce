//! The figure as graphviz-rust's DOT model, for Rust users who combine or edit figures.
//!
//! The model is read back from the one writer's text rather than built a second way, so it
//! cannot disagree with what gradviz draws. It costs a parse (about a second for 100k
//! values); the command line and the renderers never build it.

use graphviz_rust::dot_structures::Graph;

use super::{to_dot, Decorations, DotOptions};
use crate::graph::ExportGraph;
use crate::{Error, Result};

/// The figure [`to_dot`] writes, as graphviz-rust's model (print it with
/// [`super::print_dot_model`] for the same text).
pub fn to_dot_model(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
) -> Result<Graph> {
    let text = to_dot(graph, options, decorations);
    graphviz_rust::parse(&text)
        .map_err(|e| Error::Render(format!("graphviz-rust cannot read the figure's DOT: {e}")))
}
