//! The figure: what is drawn, decided once. A [`Figure`] is an exported graph with its
//! [`DotOptions`] (direction, digits, font), its [`Decorations`] (fills, outlines, extra
//! rows, clusters, gates, legend, caption), the records that are not micrograd's (summaries,
//! the page's) and Graphviz's [`LayoutHints`]. Every writer reads it through one [`Scene`]
//! ([`scene`]): the one DOT writer ([`Scene::write_dot`]) streams it into any `io::Write`;
//! the layered engine (`render::layered`) lays the same scene out itself; the page reads its
//! names ([`ElementId`]); graphviz-rust's model ([`to_dot_model`]) is the writer's text read
//! back, for Rust users who edit figures.
//!
//! What shapes a figure is made here too: label escaping ([`escape`]), numbers as Python's
//! `%.4f` ([`format_number`]), the views of large graphs ([`views`]: group, fold, colour,
//! node guard), marks laid over a view ([`overlay`]), `compare`'s before/after figure
//! ([`compare`]), `check`'s marks ([`marks`]), and what a figure costs a layered layout such
//! as `dot` ([`layout_cost`]), which picks the layout settings and the engine.

pub mod compare;
mod cost;
pub mod escape;
pub mod marks;
mod model;
mod number;
pub mod overlay;
mod print;
pub mod scene;
pub(crate) mod stream;
pub mod views;
mod write;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;

pub use cost::{layout_cost, LayoutCost};
pub use escape::{escape_record_field, PAD_EVERY};
pub use model::to_dot_model;
pub use number::format_number;
pub use print::print_dot_model;
pub use scene::{ElementId, LayoutHints, NodeId, Record, Scene};
pub use write::{to_dot, write_dot};

pub(crate) use crate::error::thousands;

pub use crate::graph::Rankdir;

use crate::error::Message;
use crate::graph::ExportGraph;

/// A figure ready to draw: the values, how they are written, and what is laid over them.
/// The graph is borrowed when the figure draws it as it is (micrograd's plain look), owned
/// when a view made a new one: no figure copies the graph it was given.
#[derive(Debug, Clone)]
pub struct Figure<'a> {
    /// The values to draw (a folded group is one node).
    pub graph: Cow<'a, ExportGraph>,
    /// Direction, digits, font.
    pub options: DotOptions,
    /// Fills, rows, clusters, gates, legend, caption.
    pub decorations: Decorations,
    /// Values drawn as another record than micrograd's `label | data | grad`: the summary
    /// nodes of a folded view, the page's records. Keyed by [`NodeInfo::id`]; a decoration's
    /// fill, outline and extra rows still apply.
    pub records: BTreeMap<u64, Record>,
    /// Graphviz's layout settings, read by the DOT writer alone.
    pub hints: LayoutHints,
    /// What the user should hear about the figure: why the view asked for changed nothing.
    pub note: Option<Message>,
}

impl<'a> Figure<'a> {
    /// micrograd's plain look of `graph`, with the fast layout settings on a large graph.
    pub fn plain(graph: &'a ExportGraph, options: &DotOptions) -> Figure<'a> {
        Figure::decorated(
            Cow::Borrowed(graph),
            options.clone(),
            Decorations::default(),
        )
    }

    /// `graph` drawn without a view, with `decorations` laid over it and the fast layout
    /// settings on a large graph.
    pub fn decorated(
        graph: Cow<'a, ExportGraph>,
        options: DotOptions,
        decorations: Decorations,
    ) -> Figure<'a> {
        let hints = LayoutHints::for_graph(&graph);
        Figure {
            graph,
            options,
            decorations,
            records: BTreeMap::new(),
            hints,
            note: None,
        }
    }

    /// What the figure shows, as every writer reads it.
    pub fn scene(&self) -> Scene<'_> {
        Scene::new(self)
    }

    /// The figure's DOT text, streamed into `out`.
    pub fn write_dot<W: io::Write>(&self, out: W) -> io::Result<()> {
        self.scene().write_dot(out)
    }

    /// The figure's DOT text.
    pub fn to_dot(&self) -> String {
        self.scene().to_dot()
    }
}

/// How a figure looks unless told otherwise; the command line shares these defaults.
pub mod defaults {
    use super::Rankdir;

    /// Digits after the decimal point for data and grad, as micrograd's `%.4f`.
    pub const PRECISION: usize = 4;
    /// The most digits after the point a figure shows: past it, `%.Nf` only pads zeros
    /// (a huge N would pad until memory runs out).
    pub const MAX_PRECISION: usize = 60;
    /// Left to right, as micrograd's `draw_dot`.
    pub const RANKDIR: Rankdir = Rankdir::LR;
    /// The font of every label: one family name, Arial, for the reasons measured in the
    /// module comment of `figure::escape` (boxes that fit in every common viewer).
    pub const FONTNAME: &str = "Arial";
}

/// Clusters nest at most this deep; a deeper cluster is drawn beside its ancestor at this
/// depth, which keeps the printer's recursion bounded whatever the input.
pub const MAX_CLUSTER_DEPTH: usize = 16;

/// How the figure's text looks. Build it from [`DotOptions::default`] and set what differs.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct DotOptions {
    /// The direction ranks run in.
    pub rankdir: Rankdir,
    /// Digits after the decimal point for data and grad.
    pub precision: usize,
    /// The font of every label (one family name: see the module comment).
    pub fontname: String,
}

impl Default for DotOptions {
    fn default() -> Self {
        DotOptions {
            rankdir: defaults::RANKDIR,
            precision: defaults::PRECISION,
            fontname: defaults::FONTNAME.to_string(),
        }
    }
}

impl DotOptions {
    /// These options with another rank direction.
    pub fn with_rankdir(mut self, rankdir: Rankdir) -> Self {
        self.rankdir = rankdir;
        self
    }

    /// These options with another number of digits.
    pub fn with_precision(mut self, precision: usize) -> Self {
        self.precision = precision;
        self
    }
}

/// What a view adds to micrograd's plain figure. `Decorations::default()` adds nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decorations {
    /// Per-value styling, keyed by [`NodeInfo::id`]. Ids not in the graph are ignored.
    pub nodes: BTreeMap<u64, NodeDecoration>,
    /// A title drawn above the figure.
    pub caption: Option<String>,
    /// Swatches explaining the colours, drawn in a cluster titled "legend".
    pub legend: Vec<LegendEntry>,
    /// Boxes around groups of values; see [`Cluster`].
    pub clusters: Vec<Cluster>,
    /// Invisible ordering constraints between groups of values; see [`Gate`].
    pub gates: Vec<Gate>,
    /// Sets of values (by [`NodeInfo::id`]) Graphviz puts in one rank (`{rank=same; …}`):
    /// `compare`'s two copies of each value, so that it sits in the same column in both
    /// states. Across clusters this needs the graph attribute `newrank=true`.
    pub same_rank: Vec<Vec<u64>>,
}

/// An invisible point ranked after every value of `after` and before every value of
/// `before` (by [`NodeInfo::id`]): it makes Graphviz draw the one set entirely before the
/// other along the rank direction, as a network's layers read left to right. It needs the
/// graph attribute `newrank=true`, without which `dot` ranks each cluster on its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gate {
    /// Values ranked before the gate.
    pub after: Vec<u64>,
    /// Values ranked after the gate.
    pub before: Vec<u64>,
}

/// The styling of one value's record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeDecoration {
    /// A Graphviz colour (`"#ffcccc"`, `"lightblue"`) to fill the record with.
    pub fill: Option<String>,
    /// A Graphviz colour for a thicker outline.
    pub outline: Option<String>,
    /// Fields appended to the record after `grad` (e.g. `expected grad 1.0000`).
    pub extra_rows: Vec<String>,
}

/// One legend swatch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegendEntry {
    /// The swatch's fill colour.
    pub fill: Option<String>,
    /// The swatch's outline colour.
    pub outline: Option<String>,
    /// What the colour means.
    pub text: String,
}

/// A titled box (`subgraph cluster_N`) around some values and their op nodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    /// The title drawn in the box.
    pub title: String,
    /// The index (in [`Decorations::clusters`]) of the enclosing cluster. It must be smaller
    /// than this cluster's own index; otherwise the cluster is drawn at the top level.
    pub parent: Option<usize>,
    /// The values inside, by [`NodeInfo::id`]. List a value in its innermost cluster only:
    /// a value listed twice goes to the first cluster that lists it.
    pub members: Vec<u64>,
    /// A Graphviz colour to fill the box with.
    pub fill: Option<String>,
}
