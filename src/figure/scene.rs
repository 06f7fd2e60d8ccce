//! The scene: what a figure shows, decided once for every writer. The DOT writer
//! (`figure/write.rs`), the layered engine's SVG (`render/layered.rs`) and the page
//! (`page/`) all read a [`Scene`] rather than deciding again from the graph what a record
//! holds, which nodes and edges there are, and what they are called.
//!
//! A scene is a view over a [`Figure`], not a copy: a figure of 400k values is streamed to
//! DOT as it is read, so a [`SceneNode`] borrows its label, decoration and summary from the
//! figure, and numbers stay numbers ([`Field::Data`], [`Field::Grad`]) until a writer formats
//! them into its own buffer. What it holds of its own is where each value is drawn (its
//! cluster, with the clusters' nesting bounded by `MAX_CLUSTER_DEPTH`).
//!
//! - Nodes, in the export's order: a record per value ([`SceneNode::for_each_field`]:
//!   micrograd's `label | data … | grad …`, or a folded group's summary, then the
//!   decoration's extra rows) and, for a computed value, its op node ([`OpNode`]).
//! - Edges ([`Scene::for_each_edge_into`]): `operand -> op` once per distinct operand in
//!   operand order, then `op -> value`; a value with operands but no op text gets them
//!   directly.
//! - Clusters, legend, caption, from the decorations; and for the DOT writer only, what
//!   Graphviz needs to rank clusters together (gates, ranks shared across clusters) and its
//!   layout settings ([`LayoutHints`]).
//! - Names: every element's [`ElementId`].

mod hints;
mod id;

use std::borrow::Cow;
use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

pub use hints::{LayoutHints, FAST_LAYOUT_ABOVE};
pub use id::{ElementId, NodeId, NotAnElementId};

use super::number::push_number;
use super::{
    Cluster, Decorations, DotOptions, Figure, Gate, LegendEntry, NodeDecoration, Rankdir,
    MAX_CLUSTER_DEPTH,
};
use crate::graph::{ExportGraph, NodeInfo};

/// What a value's record shows when it is not micrograd's `label | data | grad`.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A folded group's summary: exactly these fields, each text.
    Summary(Vec<String>),
    /// micrograd's record with its grad field laid out as wide as `grad {room}`: the page's,
    /// whose grad changes as backward is replayed and must not move the record.
    GradRoom(String),
}

/// One field of a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'f> {
    /// The value's label.
    Label(&'f str),
    /// `data` and the value's data.
    Data(f64),
    /// `grad` and the value's grad; `room` is the number text its field is laid out for
    /// when that differs from the grad's own ([`Record::GradRoom`]).
    Grad {
        /// The grad shown.
        value: f64,
        /// The number the field is sized for, if not the grad's own.
        room: Option<&'f str>,
    },
    /// Any other text: a summary's field, a decoration's extra row.
    Text(&'f str),
}

impl Field<'_> {
    /// Appends what the field reads (`grad 0.5000`), numbers with `precision` digits.
    pub fn push_shown(&self, precision: usize, out: &mut String) {
        match *self {
            Field::Label(text) | Field::Text(text) => out.push_str(text),
            Field::Data(data) => {
                out.push_str("data ");
                push_number(out, data, precision);
            }
            Field::Grad { value, .. } => {
                out.push_str("grad ");
                push_number(out, value, precision);
            }
        }
    }

    /// Appends the text the field is laid out for: what it reads, except a grad with room.
    pub fn push_sized(&self, precision: usize, out: &mut String) {
        match *self {
            Field::Grad {
                room: Some(room), ..
            } => {
                out.push_str("grad ");
                out.push_str(room);
            }
            _ => self.push_shown(precision, out),
        }
    }
}

/// What a figure shows: read by every writer. See the module comment.
pub struct Scene<'f> {
    graph: &'f ExportGraph,
    options: &'f DotOptions,
    decorations: &'f Decorations,
    records: &'f BTreeMap<u64, Record>,
    hints: LayoutHints,
    clusters: ClusterLayout<'f>,
}

/// The records of a figure that has none but micrograd's.
static NO_RECORDS: BTreeMap<u64, Record> = BTreeMap::new();

impl<'f> Scene<'f> {
    /// The scene of `figure`.
    pub fn new(figure: &'f Figure<'_>) -> Scene<'f> {
        Scene::with_records(
            &figure.graph,
            &figure.options,
            &figure.decorations,
            &figure.records,
            figure.hints,
        )
    }

    /// The scene of `graph` in micrograd's records with `decorations`, no layout settings.
    pub fn of(
        graph: &'f ExportGraph,
        options: &'f DotOptions,
        decorations: &'f Decorations,
    ) -> Scene<'f> {
        Scene::with_records(
            graph,
            options,
            decorations,
            &NO_RECORDS,
            LayoutHints::default(),
        )
    }

    fn with_records(
        graph: &'f ExportGraph,
        options: &'f DotOptions,
        decorations: &'f Decorations,
        records: &'f BTreeMap<u64, Record>,
        hints: LayoutHints,
    ) -> Scene<'f> {
        Scene {
            graph,
            options,
            decorations,
            records,
            hints,
            clusters: ClusterLayout::new(graph, &decorations.clusters),
        }
    }

    /// The graph drawn.
    pub fn graph(&self) -> &'f ExportGraph {
        self.graph
    }

    /// The direction ranks run in.
    pub fn rankdir(&self) -> Rankdir {
        self.options.rankdir
    }

    /// Digits after the point of data and grad.
    pub fn precision(&self) -> usize {
        self.options.precision
    }

    /// The font of every label.
    pub fn fontname(&self) -> &'f str {
        &self.options.fontname
    }

    /// The title above the figure.
    pub fn caption(&self) -> Option<&'f str> {
        self.decorations.caption.as_deref()
    }

    /// The legend's swatches.
    pub fn legend(&self) -> &'f [LegendEntry] {
        &self.decorations.legend
    }

    /// The invisible ordering constraints between groups of values: Graphviz's, which ranks
    /// each cluster on its own (see `render::layered` for why that engine needs none).
    pub fn gates(&self) -> &'f [Gate] {
        &self.decorations.gates
    }

    /// Sets of values Graphviz draws in one rank (`compare`'s two copies of a value).
    pub fn same_rank(&self) -> &'f [Vec<u64>] {
        &self.decorations.same_rank
    }

    /// Graphviz's layout settings: for the DOT writer alone.
    pub fn hints(&self) -> LayoutHints {
        self.hints
    }

    /// The value at `index`: its record, and its op node if it is computed.
    #[inline]
    pub fn node(&self, index: NodeIndex) -> SceneNode<'f> {
        let info = &self.graph[index];
        SceneNode {
            index,
            info,
            cluster: self.clusters.cluster_of[index.index()],
            record: self.records.get(&info.id),
            decoration: self.decorations.nodes.get(&info.id),
        }
    }

    /// Every value, in the export's order.
    pub fn nodes(&self) -> impl Iterator<Item = SceneNode<'f>> + '_ {
        self.graph.node_indices().map(|index| self.node(index))
    }

    /// The clusters, by index; see [`Scene::cluster_parent`] for how they nest.
    pub fn clusters(&self) -> &'f [Cluster] {
        self.clusters.clusters
    }

    /// The cluster that cluster `c` is drawn in: its own parent, or an ancestor when it nests
    /// deeper than `MAX_CLUSTER_DEPTH`.
    pub fn cluster_parent(&self, c: usize) -> Option<usize> {
        self.clusters.parent[c]
    }

    /// Calls `visit` with each edge that ends at the value at `index` or its op node (see
    /// the module comment), using `scratch` for the operands.
    #[inline]
    pub fn for_each_edge_into(
        &self,
        index: NodeIndex,
        scratch: &mut EdgeScratch,
        visit: impl FnMut(SceneEdge),
    ) {
        for_each_edge_into(self.graph, index, scratch, visit);
    }
}

/// One value as the figure draws it.
#[derive(Clone, Copy)]
pub struct SceneNode<'f> {
    /// Its index in the export graph.
    pub index: NodeIndex,
    info: &'f NodeInfo,
    /// The cluster it is drawn in, by index; `None` at top level.
    pub cluster: Option<usize>,
    record: Option<&'f Record>,
    decoration: Option<&'f NodeDecoration>,
}

impl<'f> SceneNode<'f> {
    /// The value's id.
    pub fn id(&self) -> u64 {
        self.info.id
    }

    /// The record's name.
    pub fn element(&self) -> NodeId {
        NodeId::Value(self.info.id)
    }

    /// Calls `visit` with each of the record's fields, in order: micrograd's three (or a
    /// summary's), then the decoration's extra rows. A visit rather than an iterator: the DOT
    /// writer visits three fields per value of a 400k-value figure, and the chain of
    /// iterators this replaced was measurably slower in `make bench`'s `draw_dot` workloads.
    #[inline]
    pub fn for_each_field(&self, mut visit: impl FnMut(Field<'f>)) {
        let info = self.info;
        match self.record {
            Some(Record::Summary(fields)) => fields.iter().for_each(|f| visit(Field::Text(f))),
            record => {
                let room = match record {
                    Some(Record::GradRoom(room)) => Some(room.as_str()),
                    _ => None,
                };
                visit(Field::Label(&info.label));
                visit(Field::Data(info.data));
                visit(Field::Grad {
                    value: info.grad,
                    room,
                });
            }
        }
        if let Some(decoration) = self.decoration {
            for row in &decoration.extra_rows {
                visit(Field::Text(row));
            }
        }
    }

    /// The record's fill colour.
    pub fn fill(&self) -> Option<&'f str> {
        self.decoration.and_then(|d| d.fill.as_deref())
    }

    /// The record's outline colour (drawn thicker).
    pub fn outline(&self) -> Option<&'f str> {
        self.decoration.and_then(|d| d.outline.as_deref())
    }

    /// The op node of a computed value.
    pub fn op(&self) -> Option<OpNode<'f>> {
        (!self.info.op.is_leaf()).then(|| OpNode {
            id: NodeId::Op(self.info.id),
            text: self.info.op.text(),
        })
    }
}

/// The ellipse naming the op that computed a value.
pub struct OpNode<'f> {
    /// Its name.
    pub id: NodeId,
    /// The op's text: `+`, `**2`, `ReLU`, ….
    pub text: Cow<'f, str>,
}

/// One edge's end: the node and the value it draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeEnd {
    /// The value's index in the export graph.
    pub index: NodeIndex,
    /// The node: the value's record or its op node.
    pub node: NodeId,
}

/// An edge of the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SceneEdge {
    /// Where it starts.
    pub from: EdgeEnd,
    /// Where it ends (the arrow).
    pub to: EdgeEnd,
}

impl SceneEdge {
    /// The edge's name.
    pub fn element(&self) -> ElementId {
        ElementId::Edge(self.from.node, self.to.node)
    }
}

/// Reused buffers for one value's edges.
#[derive(Default)]
pub struct EdgeScratch {
    /// Incoming edges as (operand position, operand).
    operands: Vec<(usize, NodeIndex)>,
    /// Operand ids already drawn: an operand used twice (`a * a`) gets one edge.
    drawn: Vec<u64>,
}

/// The edges into the value at `index` of `graph` (see [`Scene::for_each_edge_into`]): the
/// one place that says which edges a figure draws, for the writers and for what a layout
/// costs. A visit rather than a list, and inlined: the DOT writer writes two edges per
/// value of a 400k-value figure as they come.
#[inline]
pub(crate) fn for_each_edge_into(
    graph: &ExportGraph,
    index: NodeIndex,
    scratch: &mut EdgeScratch,
    mut visit: impl FnMut(SceneEdge),
) {
    scratch.operands.clear();
    scratch.operands.extend(
        graph
            .edges_directed(index, petgraph::Direction::Incoming)
            .map(|e| (*e.weight(), e.source())),
    );
    let info = &graph[index];
    // A computed value without operands in the figure (a page part drawn without what
    // feeds it) still gets the edge from its op node, which is drawn.
    if scratch.operands.is_empty() && info.op.is_leaf() {
        return;
    }
    scratch.operands.sort_unstable();
    let value = EdgeEnd {
        index,
        node: NodeId::Value(info.id),
    };
    let head = if info.op.is_leaf() {
        value
    } else {
        EdgeEnd {
            index,
            node: NodeId::Op(info.id),
        }
    };
    scratch.drawn.clear();
    for &(_, operand) in &scratch.operands {
        let child = graph[operand].id;
        if scratch.drawn.contains(&child) {
            continue;
        }
        scratch.drawn.push(child);
        let from = EdgeEnd {
            index: operand,
            node: NodeId::Value(child),
        };
        visit(SceneEdge { from, to: head });
    }
    if head != value {
        visit(SceneEdge {
            from: head,
            to: value,
        });
    }
}

/// Where each value's record and op node stand in a list of the figure's nodes in the
/// writers' order: each value's record, then its op node if it is computed.
pub(crate) struct NodeSlots {
    record: Vec<usize>,
    op: Vec<Option<usize>>,
    count: usize,
}

impl NodeSlots {
    pub(crate) fn new(graph: &ExportGraph) -> NodeSlots {
        let mut slots = NodeSlots {
            record: Vec::with_capacity(graph.node_count()),
            op: Vec::with_capacity(graph.node_count()),
            count: 0,
        };
        for info in graph.node_weights() {
            slots.record.push(slots.count);
            slots.count += 1;
            let op = (!info.op.is_leaf()).then_some(slots.count);
            slots.count += usize::from(op.is_some());
            slots.op.push(op);
        }
        slots
    }

    /// How many nodes the figure has.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The slot of an edge's end.
    pub(crate) fn of(&self, end: EdgeEnd) -> usize {
        match end.node {
            NodeId::Value(_) => self.record[end.index.index()],
            NodeId::Op(_) => self.op[end.index.index()].expect("an op edge ends at an op node"),
        }
    }

    /// Each edge of `graph` as the slots of its two ends, in the writers' order.
    pub(crate) fn edges(&self, graph: &ExportGraph) -> Vec<(usize, usize)> {
        let mut edges = Vec::with_capacity(2 * graph.edge_count());
        let mut scratch = EdgeScratch::default();
        for index in graph.node_indices() {
            for_each_edge_into(graph, index, &mut scratch, |edge| {
                edges.push((self.of(edge.from), self.of(edge.to)));
            });
        }
        edges
    }
}

/// Which cluster each value is drawn in, and the clusters' effective nesting.
struct ClusterLayout<'a> {
    clusters: &'a [Cluster],
    /// By export node index.
    cluster_of: Vec<Option<usize>>,
    /// The effective parent of each cluster: one at most [`MAX_CLUSTER_DEPTH`] deep.
    parent: Vec<Option<usize>>,
}

impl<'a> ClusterLayout<'a> {
    fn new(graph: &ExportGraph, clusters: &'a [Cluster]) -> Self {
        let mut cluster_of = vec![None; graph.node_count()];
        // Most figures have no clusters: no id map for them.
        let index_of: BTreeMap<u64, usize> = if clusters.is_empty() {
            BTreeMap::new()
        } else {
            graph
                .node_indices()
                .map(|i| (graph[i].id, i.index()))
                .collect()
        };
        for (c, cluster) in clusters.iter().enumerate() {
            for id in &cluster.members {
                if let Some(&i) = index_of.get(id) {
                    cluster_of[i].get_or_insert(c);
                }
            }
        }
        let mut parent: Vec<Option<usize>> = Vec::with_capacity(clusters.len());
        let mut depth: Vec<usize> = Vec::with_capacity(clusters.len());
        for (c, cluster) in clusters.iter().enumerate() {
            let p = match cluster.parent.filter(|&p| p < c) {
                Some(p) if depth[p] >= MAX_CLUSTER_DEPTH => parent[p],
                other => other,
            };
            parent.push(p);
            depth.push(p.map_or(1, |p| depth[p] + 1));
        }
        ClusterLayout {
            clusters,
            cluster_of,
            parent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Graph;
    use crate::graph::to_petgraph;

    fn texts(scene: &Scene, index: NodeIndex) -> (Vec<String>, Vec<String>) {
        let (mut shown, mut sized) = (Vec::new(), Vec::new());
        scene.node(index).for_each_field(|field| {
            let (mut a, mut b) = (String::new(), String::new());
            field.push_shown(scene.precision(), &mut a);
            field.push_sized(scene.precision(), &mut b);
            shown.push(a);
            sized.push(b);
        });
        (shown, sized)
    }

    #[test]
    fn a_computed_value_drawn_without_its_operands_keeps_the_edge_from_its_op_node() {
        let mut graph = ExportGraph::new();
        let leaf = graph.add_node(NodeInfo::default());
        let sum = graph.add_node(NodeInfo {
            id: 1,
            op: "+".into(),
            ..NodeInfo::default()
        });
        let mut edges = Vec::new();
        let mut scratch = EdgeScratch::default();
        for index in [leaf, sum] {
            for_each_edge_into(&graph, index, &mut scratch, |edge| edges.push(edge));
        }
        let [edge] = edges[..] else {
            panic!("one edge: {edges:?}")
        };
        assert_eq!(
            (edge.from.node, edge.to.node),
            (NodeId::Op(1), NodeId::Value(1))
        );
    }

    #[test]
    fn records_show_micrograds_fields_a_summary_or_a_grad_with_room_then_extra_rows() {
        let g = Graph::new();
        let a = g.leaf(2.0).with_label("a");
        let b = (a * 3.0).with_label("b");
        b.backward();
        let graph = to_petgraph(&g, &[b.id()]);
        let [first, second] = [NodeIndex::new(0), NodeIndex::new(2)];
        let mut figure = Figure::plain(&graph, &DotOptions::default());
        figure.decorations.nodes.insert(
            graph[first].id,
            NodeDecoration {
                extra_rows: vec!["stored grad 9.0000".into()],
                ..NodeDecoration::default()
            },
        );
        figure
            .records
            .insert(graph[first].id, Record::GradRoom("-10.0000".into()));
        figure
            .records
            .insert(graph[second].id, Record::Summary(vec!["b and more".into()]));
        let scene = figure.scene();
        let (shown, sized) = texts(&scene, first);
        assert_eq!(
            shown,
            ["a", "data 2.0000", "grad 3.0000", "stored grad 9.0000"]
        );
        assert_eq!(
            sized,
            ["a", "data 2.0000", "grad -10.0000", "stored grad 9.0000"]
        );
        assert_eq!(texts(&scene, second).0, ["b and more"]);
        assert_eq!(
            scene.node(second).op().map(|op| op.text.into_owned()),
            Some("*".into())
        );
        assert!(scene.node(first).op().is_none());
    }

    #[test]
    fn an_operand_used_twice_gets_one_edge_then_the_op_feeds_the_value() {
        let g = Graph::new();
        let a = g.leaf(2.0);
        let square = a * a;
        let graph = to_petgraph(&g, &[square.id()]);
        let figure = Figure::plain(&graph, &DotOptions::default());
        let scene = figure.scene();
        let mut edges = Vec::new();
        for index in graph.node_indices() {
            scene.for_each_edge_into(index, &mut EdgeScratch::default(), |edge| {
                edges.push(edge.element().to_string());
            });
        }
        let (a, square) = (graph[NodeIndex::new(0)].id, graph[NodeIndex::new(1)].id);
        assert_eq!(
            edges,
            [
                format!("v{a}--v{square}_op"),
                format!("v{square}_op--v{square}")
            ]
        );
    }
}
