//! What a figure costs a layered layout such as Graphviz's `dot`: the nodes it draws (a
//! record per value, an op node per computed value) plus the length of its edges in ranks.
//!
//! Counting values alone misjudges figures whose edges reach far: a folded network with an
//! L2 term has a few hundred nodes, but each neuron's `p*p` joins a running sum hundreds of
//! ranks away, and `dot` routes every such edge through a dummy node in each rank it
//! crosses. Its mincross and placement passes run over those dummies, so its time follows
//! nodes + edges + dummies (measured in `render::LAYERED_ABOVE_COST`), which the ranking of
//! [`crate::layout::extent`] gives in linear time.

use super::scene::NodeSlots;
use crate::graph::ExportGraph;
use crate::layout::{self, Extent, NodeSpec};

/// What laying out a figure costs, in nodes a layered layout handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutCost {
    /// Graphviz nodes: a record per value and an op node per computed value.
    pub nodes: usize,
    /// Edges: `child -> op` per distinct operand, `op -> value` per computed value.
    pub edges: usize,
    /// Ranks and dummy nodes once ranked; `None` when nodes and edges alone were past the
    /// budget asked about, and the graph was not ranked.
    pub extent: Option<Extent>,
}

impl LayoutCost {
    /// Nodes plus the edges' length in ranks (each edge counts 1 plus its dummies): at
    /// least this much when the graph was not ranked.
    pub fn total(&self) -> usize {
        let dummies = self.extent.map_or(0, |extent| extent.dummies);
        self.nodes + self.edges + dummies
    }
}

/// The cost of laying out `graph` as the DOT writer draws it. Ranking is skipped once nodes
/// and edges alone pass `budget`: the caller only asks whether the cost is above it, and a
/// figure of a million values need not be ranked to know.
pub fn layout_cost(graph: &ExportGraph, budget: usize) -> LayoutCost {
    let (nodes, edges) = shape_of(graph);
    let mut cost = LayoutCost {
        nodes: nodes.len(),
        edges: edges.len(),
        extent: None,
    };
    if cost.total() <= budget {
        let input = layout::Graph {
            nodes,
            edges,
            clusters: Vec::new(),
        };
        cost.extent = Some(layout::extent(&input));
    }
    cost
}

/// The figure's nodes (sizes do not matter to ranks) and edges, as its scene draws them.
fn shape_of(graph: &ExportGraph) -> (Vec<NodeSpec>, Vec<(usize, usize)>) {
    let slots = NodeSlots::new(graph);
    (vec![NodeSpec::default(); slots.count()], slots.edges(graph))
}
