//! The figure as graphviz-rust's DOT model, for Rust users who combine or edit figures.
//!
//! The model is read back from the one writer's text rather than built a second way, so it
//! cannot disagree with what gradviz draws. It costs a parse (about a second for 100k
//! values); the command line and the renderers never build it.

use graphviz_rust::dot_structures::Graph;

use super::{Decorations, DotOptions, Scene};
use crate::graph::ExportGraph;
use crate::{Error, Result};

/// The figure [`super::to_dot`] writes, as graphviz-rust's model (print it with
/// [`super::print_dot_model`] for the same text).
pub fn to_dot_model(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
) -> Result<Graph> {
    Scene::of(graph, options, decorations).to_dot_model()
}

impl Scene<'_> {
    /// The text [`Scene::to_dot`] writes, as graphviz-rust's model.
    pub fn to_dot_model(&self) -> Result<Graph> {
        graphviz_rust::parse(&self.to_dot())
            .map_err(|e| Error::Render(format!("graphviz-rust cannot read the figure's DOT: {e}")))
    }
}
