//! Engine → petgraph: the part of a [`Graph`] reachable from some roots, as a
//! `petgraph::Graph` that the renderer and the JSON writer read.
//!
//! Node indices follow creation order and each weight keeps the node's tape id, so the same
//! graph always exports to the same petgraph, whatever the run.

use petgraph::graph::{DiGraph, NodeIndex};

use crate::engine::{Graph, NodeId};

/// What a figure shows of one value.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    /// A stable id: the tape index for engine graphs, the file's id for JSON graphs.
    pub id: u64,
    /// The label, `""` when there is none.
    pub label: String,
    /// The value's data.
    pub data: f64,
    /// The value's grad.
    pub grad: f64,
    /// The op text (`+`, `**2`, `ReLU`, …), `""` for a leaf.
    pub op: String,
}

/// The exported graph. An edge runs from an operand to the value computed from it; its
/// weight is the operand's position, so `a * a` has two parallel edges, 0 and 1.
pub type ExportGraph = DiGraph<NodeInfo, usize>;

/// Exports the nodes reachable from `roots` (and the edges among them) in creation order.
pub fn to_petgraph(graph: &Graph, roots: &[NodeId]) -> ExportGraph {
    let nodes = graph.reachable(roots);
    let mut out = ExportGraph::with_capacity(nodes.len(), nodes.len() * 2);
    let mut index_of = vec![NodeIndex::end(); nodes.last().map_or(0, |n| n.index() + 1)];
    for &id in &nodes {
        let info = NodeInfo {
            id: id.index() as u64,
            label: graph.label(id).map(|l| l.to_string()).unwrap_or_default(),
            data: graph.data(id),
            grad: graph.grad(id),
            op: graph.op(id).to_string(),
        };
        index_of[id.index()] = out.add_node(info);
        for (position, operand) in graph.operands(id).into_iter().enumerate() {
            out.add_edge(index_of[operand.index()], index_of[id.index()], position);
        }
    }
    out
}

/// The operands of `node` in order, read back from the position-weighted edges.
pub fn operands(graph: &ExportGraph, node: NodeIndex) -> Vec<NodeIndex> {
    let mut edges: Vec<(usize, NodeIndex)> = graph
        .edges_directed(node, petgraph::Direction::Incoming)
        .map(|e| (*e.weight(), petgraph::visit::EdgeRef::source(&e)))
        .collect();
    edges.sort_unstable();
    edges.into_iter().map(|(_, source)| source).collect()
}
