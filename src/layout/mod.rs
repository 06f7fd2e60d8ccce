//! A layered (Sugiyama-style) layout of directed graphs, written for autograd figures of any
//! size: nodes with sizes, directed edges and nested clusters in; node centres, cluster boxes
//! and edge routes out. It depends on nothing else in gradviz.
//!
//! The pipeline, each step its own module and each linear or near-linear in the nodes plus
//! the dummy nodes that long edges get:
//! - [`rank`]: longest-path ranks (cycles broken by reversing edges, and no edge reversed
//!   otherwise), then passes that pull nodes next to their first use, alone or with the
//!   inputs that can follow them, when that shortens the edges in total, then the ranks levelled by their nodes' sizes across (the widest rank
//!   hands nodes to its neighbours while that adds little edge length);
//! - [`order`]: dummy nodes for edges longer than one rank, then barycenter sweeps with a
//!   bounded transpose; every rank keeps each cluster's members together;
//! - [`position`]: Brandes–Köpf coordinates within ranks (four alignments, balanced),
//!   relaxed towards each node's neighbours rank by rank (a least-squares fit per rank), then
//!   each cluster moved into its own band across the ranks, so no box holds a stranger;
//! - [`route`]: edges through their dummy points as cubic Bézier curves, vertical within a
//!   rank and S-shaped across the gap between ranks, so no curve enters a node box.
//!
//! Coordinates are computed with ranks running down (the "rank axis" is y) and turned at the
//! end for [`Direction`]. Nothing recurses: every walk is a loop with its own stack or queue.

mod graph;
mod order;
mod position;
mod rank;
mod route;

#[cfg(test)]
mod tests;

use graph::Layered;

/// Which way ranks run: an edge's head is placed after its tail in this direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Left to right.
    #[default]
    LeftToRight,
    /// Top to bottom.
    TopToBottom,
    /// Right to left.
    RightToLeft,
    /// Bottom to top.
    BottomToTop,
}

/// One node: its size in the final picture and the innermost cluster it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NodeSpec {
    /// Width in the final picture.
    pub width: f64,
    /// Height in the final picture.
    pub height: f64,
    /// The innermost cluster (index into [`Graph::clusters`]), if any.
    pub cluster: Option<usize>,
}

/// One cluster: a box drawn around its members and nested clusters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClusterSpec {
    /// The enclosing cluster. It must have a smaller index; otherwise the cluster is at the
    /// top level.
    pub parent: Option<usize>,
}

/// What to lay out. Edges naming a node that does not exist, and self-loops, are not drawn.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// The nodes.
    pub nodes: Vec<NodeSpec>,
    /// Directed edges as (tail, head) node indices.
    pub edges: Vec<(usize, usize)>,
    /// The clusters.
    pub clusters: Vec<ClusterSpec>,
}

/// Spacing and direction. Build it from [`Options::default`] and set what differs.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Which way ranks run.
    pub direction: Direction,
    /// Space between neighbouring nodes of a rank.
    pub node_sep: f64,
    /// Space between neighbouring edges (dummy nodes) of a rank.
    pub edge_sep: f64,
    /// Space between ranks.
    pub rank_sep: f64,
    /// Space between a cluster's box and what it holds.
    pub cluster_pad: f64,
    /// Extra space at the top of a cluster's box, for its title.
    pub cluster_label: f64,
    /// Pull nodes towards their first use after longest-path ranking, when that shortens
    /// the edges in total.
    pub improve_ranks: bool,
}

impl Default for Options {
    /// Graphviz `dot`'s spacing: 0.25 in between nodes, 0.5 in between ranks.
    fn default() -> Self {
        Options {
            direction: Direction::LeftToRight,
            node_sep: 18.0,
            edge_sep: 10.0,
            rank_sep: 36.0,
            cluster_pad: 8.0,
            cluster_label: 22.0,
            improve_ranks: true,
        }
    }
}

impl Options {
    /// These options with another direction.
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }
}

/// A point in the final picture (y grows downwards, as in SVG).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal.
    pub x: f64,
    /// Vertical, downwards.
    pub y: f64,
}

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// Counts that say how the layering went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Ranks used.
    pub ranks: usize,
    /// Dummy nodes: the sum over edges of their span in ranks minus one.
    pub dummies: usize,
    /// The longest edge's span in ranks.
    pub longest_span: usize,
    /// Edges reversed to break cycles.
    pub reversed: usize,
    /// Crossings between adjacent ranks after ordering (straight segments between ranks).
    pub crossings: u64,
}

/// The layout: everything in the final picture's coordinates, from (0, 0) to
/// (`width`, `height`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// The centre of each node, by input index.
    pub nodes: Vec<Point>,
    /// Each edge's route, by input index, from tail to head: a start point, then three points
    /// (two controls and an end) per cubic Bézier piece. Empty for an edge that is not drawn.
    pub edges: Vec<Vec<Point>>,
    /// Each cluster's box, by input index; `None` for a cluster with nothing in it.
    pub clusters: Vec<Option<Rect>>,
    /// The picture's width.
    pub width: f64,
    /// The picture's height.
    pub height: f64,
    /// How the layering went.
    pub stats: Stats,
}

/// How far a graph's edges reach once it is ranked: what ordering and placing within ranks
/// will have to handle, known in linear time without laying anything out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extent {
    /// Ranks used.
    pub ranks: usize,
    /// Dummy nodes: the sum over edges of their span in ranks minus one.
    pub dummies: usize,
}

/// The [`Extent`] of `graph`, ranked as [`layout`] ranks it (`improve_ranks`) before the
/// ranks are levelled (which needs the direction, and moves few nodes): how much work
/// Graphviz's `dot` faces, whose time grows with its nodes plus these dummies.
pub fn extent(graph: &Graph) -> Extent {
    let edges = drawn_edges(graph);
    let ranking = rank::rank(graph.nodes.len(), &edges, true);
    Extent {
        ranks: ranking.rank.iter().max().map_or(0, |&r| r as usize + 1),
        dummies: edges.iter().map(|&e| ranking.span(e) - 1).sum(),
    }
}

/// The edges that are drawn: those between two existing nodes, self-loops left out.
fn drawn_edges(graph: &Graph) -> Vec<(usize, usize)> {
    graph
        .edges
        .iter()
        .copied()
        .filter(|&(a, b)| a != b && a < graph.nodes.len() && b < graph.nodes.len())
        .collect()
}

/// Each node's size across the ranks and along them (its height and width when ranks run
/// left or right).
fn node_sizes(graph: &Graph, direction: Direction) -> (Vec<f64>, Vec<f64>) {
    let across = matches!(direction, Direction::TopToBottom | Direction::BottomToTop);
    graph
        .nodes
        .iter()
        .map(|n| {
            if across {
                (n.width, n.height)
            } else {
                (n.height, n.width)
            }
        })
        .unzip()
}

/// Lays out `graph`.
pub fn layout(graph: &Graph, options: &Options) -> Layout {
    let edges = drawn_edges(graph);
    let mut ranking = rank::rank(graph.nodes.len(), &edges, options.improve_ranks);
    if options.improve_ranks {
        let (across, along) = node_sizes(graph, options.direction);
        let sizes = rank::NodeSizes {
            across: &across,
            along: &along,
            node_sep: options.node_sep,
            rank_sep: options.rank_sep,
            // A dummy is half an edge separation thick, with an edge separation beside it.
            dummy: options.edge_sep * 1.5,
        };
        rank::level(&mut ranking, &edges, sizes);
    }
    let mut layered = Layered::build(graph, &edges, &ranking, options);
    let crossings = order::order(&mut layered);
    let cross = position::position(&layered, options);
    let internal = route::route(&layered, &cross, options);
    let stats = Stats {
        ranks: layered.layers.len(),
        dummies: layered.dummy_count(),
        longest_span: ranking.longest_span(&edges),
        reversed: ranking.reversed_count(&edges),
        crossings,
    };
    // The layered graph (a large graph's millions of dummies) is freed before the routes
    // are turned, so the two never count together in the peak.
    drop((layered, cross));
    let mut layout = internal.finish(graph, &edges, options.direction);
    layout.stats = stats;
    layout
}
