//! The exported graph: what every layer above the engine reads. [`to_petgraph`] takes the
//! part of a [`Graph`] reachable from some roots as a `petgraph::Graph` (JSON graphs and
//! CPython runs are read into the same type), and the rules every layer shares live here
//! once: a value's operands in order ([`operands`]), its name in reports ([`value_name`]),
//! the roots of a graph whose roots are unknown ([`sinks`]) and the one topological order
//! ([`topological_order`], or the cycle that prevents it).
//!
//! Node indices follow creation order and each weight keeps the node's tape id, so the same
//! graph always exports to the same petgraph, whatever the run.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::engine::{Graph, ModuleScope, NodeId, Op};

/// What a figure shows of one value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeInfo {
    /// A stable id: the tape index for engine graphs, the file's id for JSON graphs.
    pub id: u64,
    /// The label, `""` when there is none.
    pub label: Label,
    /// The value's data.
    pub data: f64,
    /// The value's grad.
    pub grad: f64,
    /// What computed it; [`Op::Leaf`] for a value created directly.
    pub op: NodeOp,
    /// The module call (or constructor) that made it, when the input knows: the structure
    /// an overview folds by. `None` for a value made outside every module.
    pub scope: Option<Scope>,
}

/// A value's label: text read as a `&str` (it derefs to one), held in place when short, as
/// nearly every label is (`w0`, `l1.n3.b`), on the heap otherwise. An export of a 100k-line
/// script makes 300k labels: as `String`s, their allocations and frees were a twentieth of
/// the whole run.
#[derive(Clone)]
pub struct Label(LabelText);

#[derive(Clone)]
enum LabelText {
    Short { len: u8, bytes: [u8; Label::SHORT] },
    Long(Box<str>),
}

impl Label {
    /// The longest label held in place.
    const SHORT: usize = 22;

    /// The label as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // SAFETY: `From<&str>` copied these bytes from a whole `&str`, and `Default` makes
            // none, so they are UTF-8 (read on every use, they are not checked again).
            LabelText::Short { len, bytes } => unsafe {
                std::str::from_utf8_unchecked(&bytes[..usize::from(*len)])
            },
            LabelText::Long(text) => text,
        }
    }

    /// Makes it `""`.
    pub fn clear(&mut self) {
        *self = Label::default();
    }
}

impl Default for Label {
    fn default() -> Self {
        Label(LabelText::Short {
            len: 0,
            bytes: [0; Label::SHORT],
        })
    }
}

impl From<&str> for Label {
    fn from(text: &str) -> Self {
        if text.len() > Label::SHORT {
            return Label(LabelText::Long(text.into()));
        }
        let mut bytes = [0; Label::SHORT];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        let len = u8::try_from(text.len()).expect("at most SHORT bytes");
        Label(LabelText::Short { len, bytes })
    }
}

impl From<String> for Label {
    fn from(text: String) -> Self {
        if text.len() > Label::SHORT {
            return Label(LabelText::Long(text.into_boxed_str()));
        }
        Label::from(text.as_str())
    }
}

impl From<&String> for Label {
    fn from(text: &String) -> Self {
        Label::from(text.as_str())
    }
}

impl From<Label> for String {
    fn from(label: Label) -> String {
        match label.0 {
            LabelText::Long(text) => text.into(),
            short => Label(short).as_str().to_string(),
        }
    }
}

impl std::ops::Deref for Label {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Label {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Label) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Label {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Label) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Label {
    fn cmp(&self, other: &Label) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Label {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// Where a value was made: the chain of module objects at work when it was created,
/// outermost first (an `MLP`'s call, inside it a `Layer`'s, inside that a `Neuron`'s).
/// Values made in the same call share one `Scope` (an `Arc`), so a graph of a million
/// values holds one path per call, not one per value.
pub type Scope = std::sync::Arc<[ScopeStep]>;

/// One module object in a [`Scope`], and what it was doing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeStep {
    /// The module's class: `MLP`, `Layer`, `Neuron`, or a user's own class name.
    pub kind: String,
    /// Its name among its parent's parts, as a figure shows it (`l0`, `n3`).
    pub name: String,
    /// Which object: objects are numbered in the order the program made them.
    pub object: u32,
    /// Which call of the object made the value, counting from 0 (the k-th example a model
    /// was applied to); `None` for what its constructor made: its parameters.
    pub call: Option<u32>,
}

/// What computed a value: one of the engine's ops, or the text of an op gradviz does not
/// know (another engine's `sin`, a learner's own `-`), kept as the input wrote it. Its text
/// (`+`, `**2`, `ReLU`, …; `""` for a leaf) is made only where it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeOp {
    /// An op of the engine.
    Known(Op),
    /// Any other op text, as written.
    Other(String),
}

impl Default for NodeOp {
    fn default() -> Self {
        NodeOp::Known(Op::Leaf)
    }
}

impl From<&str> for NodeOp {
    fn from(text: &str) -> Self {
        NodeOp::from_text(text)
    }
}

impl NodeOp {
    /// The op `text` names. It is [`NodeOp::Known`] only when the op's own text is `text`
    /// exactly, so that a figure shows every op as its input wrote it (`**+2` stays so).
    pub fn from_text(text: &str) -> NodeOp {
        NodeOp::from_string(text.to_string())
    }

    /// [`NodeOp::from_text`], keeping `text` itself for an op gradviz does not know.
    pub fn from_string(text: String) -> NodeOp {
        match Op::parse(&text) {
            // Every other op parses from its own text only; a power's exponent may be
            // written in more ways than one (`**2.50`).
            Some(Op::Pow(k)) if Op::Pow(k).to_string() != text => NodeOp::Other(text),
            Some(op) => NodeOp::Known(op),
            None => NodeOp::Other(text),
        }
    }

    /// True for a value created directly (no op node in a figure).
    pub fn is_leaf(&self) -> bool {
        match self {
            NodeOp::Known(op) => *op == Op::Leaf,
            NodeOp::Other(text) => text.is_empty(),
        }
    }

    /// The engine's op this computes, for recomputing it: an op written another way
    /// (`**+2`) still computes `**2`; `None` for an op the engine does not know.
    pub fn known(&self) -> Option<Op> {
        match self {
            NodeOp::Known(op) => Some(*op),
            NodeOp::Other(text) => Op::parse(text),
        }
    }

    /// The text a figure shows: `+`, `**2`, `ReLU`, …; `""` for a leaf.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            NodeOp::Known(Op::Pow(_)) => Cow::Owned(self.to_string()),
            NodeOp::Known(op) => Cow::Borrowed(op.name()),
            NodeOp::Other(text) => Cow::Borrowed(text),
        }
    }
}

impl fmt::Display for NodeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeOp::Known(op) => op.fmt(f),
            NodeOp::Other(text) => f.write_str(text),
        }
    }
}

/// An op and its text are equal when the text is the one a figure shows.
impl PartialEq<&str> for NodeOp {
    fn eq(&self, text: &&str) -> bool {
        self.text() == *text
    }
}

/// The direction a figure's ranks run in (Graphviz `rankdir`). It lives with the graph
/// because an input may ask for one with its graph (`draw_dot(root, rankdir='TB')`), and the
/// figure options hold one ([`crate::figure::Rankdir`] is this type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rankdir {
    /// Left to right (micrograd's choice).
    LR,
    /// Top to bottom.
    TB,
    /// Right to left.
    RL,
    /// Bottom to top.
    BT,
}

impl Rankdir {
    /// The Graphviz attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rankdir::LR => "LR",
            Rankdir::TB => "TB",
            Rankdir::RL => "RL",
            Rankdir::BT => "BT",
        }
    }

    /// The direction `text` names, read as Graphviz reads `rankdir`: exactly `LR`, `TB`,
    /// `RL` or `BT`.
    pub fn parse(text: &str) -> Option<Rankdir> {
        [Rankdir::LR, Rankdir::TB, Rankdir::RL, Rankdir::BT]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// The exported graph. An edge runs from an operand to the value computed from it; its
/// weight is the operand's position, so `a * a` has two parallel edges, 0 and 1.
pub type ExportGraph = DiGraph<NodeInfo, usize>;

/// Exports the nodes reachable from `roots` (and the edges among them) in creation order.
pub fn to_petgraph(graph: &Graph, roots: &[NodeId]) -> ExportGraph {
    // A mask rather than a list of ids: the export is the run's peak of memory.
    let reached = graph.reached(roots);
    let count = reached.iter().filter(|&&r| r).count();
    let mut out = ExportGraph::with_capacity(count, count * 2);
    // Each node's index in the export, needed only when some node is left out (when every
    // node up to the last root is reached, as after a script's backward, it is its id).
    let mut index_of = match count == reached.len() {
        true => Vec::new(),
        false => vec![NodeIndex::end(); reached.len()],
    };
    let mut scopes = EngineScopes::new(graph);
    let nodes = (0..reached.len())
        .filter(|&i| reached[i])
        .map(NodeId::from_index);
    for id in nodes {
        let (op, operands) = graph.op_and_operands(id);
        let info = NodeInfo {
            id: id.index() as u64,
            label: graph.with_label(id, |text| Label::from(text)),
            data: graph.data(id),
            grad: graph.grad(id),
            op: NodeOp::Known(op),
            scope: scopes.of(id),
        };
        let node = out.add_node(info);
        if let Some(slot) = index_of.get_mut(id.index()) {
            *slot = node;
        }
        for (position, operand) in operands[..op.arity()].iter().enumerate() {
            let source = index_of
                .get(operand.index())
                .map_or(NodeIndex::new(operand.index()), |&index| index);
            out.add_edge(source, node, position);
        }
    }
    out
}

/// The scopes of an engine graph's values, read in tape order: each scope's path is made
/// once, when a value of it is first exported, and shared by every value of that scope.
pub(crate) struct EngineScopes {
    entries: Vec<ModuleScope>,
    runs: Vec<(NodeId, Option<usize>)>,
    /// The runs that start at or before the last node asked about.
    passed: usize,
    paths: ScopePaths,
}

impl EngineScopes {
    pub(crate) fn new(graph: &Graph) -> Self {
        let entries = graph.module_scopes();
        EngineScopes {
            paths: ScopePaths::new(entries.len()),
            entries,
            runs: graph.module_runs(),
            passed: 0,
        }
    }

    /// The scope of `id`; ids must come in increasing order.
    pub(crate) fn of(&mut self, id: NodeId) -> Option<Scope> {
        while self.runs.get(self.passed).is_some_and(|run| run.0 <= id) {
            self.passed += 1;
        }
        let scope = self.runs[..self.passed].last()?.1?;
        let entries = &self.entries;
        let path = self.paths.path(
            scope,
            |i| entries[i].parent,
            |i| ScopeStep {
                kind: entries[i].kind.clone(),
                name: entries[i].name.clone(),
                object: entries[i].object,
                call: entries[i].call,
            },
        );
        // The engine opens a scope inside one already open, so parents come first.
        Some(path.expect("an engine's scopes nest without cycles"))
    }
}

/// The paths of scope entries that name their parent entry (the engine's, a JSON file's
/// `"scopes"`), each made once, outermost first, from its nearest made ancestor down: a loop,
/// not recursion, since modules may nest deeply.
pub(crate) struct ScopePaths {
    paths: Vec<Option<Scope>>,
    /// The entries on the walk in progress, to find parents that form a cycle.
    walking: Vec<bool>,
}

impl ScopePaths {
    /// Room for `entries` entries, numbered from 0.
    pub(crate) fn new(entries: usize) -> Self {
        ScopePaths {
            paths: vec![None; entries],
            walking: vec![false; entries],
        }
    }

    /// The path of entry `index`, where `parent(i)` is entry `i`'s parent and `step(i)` its
    /// own step. Fails with the entries of a cycle of parents, in walking order, the first
    /// repeated at the end.
    pub(crate) fn path(
        &mut self,
        index: usize,
        parent: impl Fn(usize) -> Option<usize>,
        step: impl Fn(usize) -> ScopeStep,
    ) -> Result<Scope, Vec<usize>> {
        let mut pending = Vec::new();
        let mut at = Some(index);
        while let Some(i) = at {
            if self.paths[i].is_some() {
                break;
            }
            if self.walking[i] {
                let from = pending.iter().position(|&p| p == i).unwrap_or(0);
                let mut cycle = pending[from..].to_vec();
                cycle.push(i);
                for p in pending {
                    self.walking[p] = false;
                }
                return Err(cycle);
            }
            self.walking[i] = true;
            pending.push(i);
            at = parent(i);
        }
        for &i in pending.iter().rev() {
            self.walking[i] = false;
            let outer = parent(i).and_then(|p| self.paths[p].clone());
            let steps: Vec<ScopeStep> = outer
                .iter()
                .flat_map(|p| p.iter().cloned())
                .chain([step(i)])
                .collect();
            self.paths[i] = Some(Scope::from(steps));
        }
        Ok(self.paths[index].clone().expect("made above"))
    }
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

/// How a value is named where its own record is not drawn: its label, else `#id`.
pub fn value_name(label: Option<&str>, id: u64) -> String {
    match label {
        Some(label) if !label.is_empty() => label.to_string(),
        _ => format!("#{id}"),
    }
}

/// The nodes no other node uses, in graph order: the roots of a graph whose roots are unknown.
pub fn sinks(graph: &ExportGraph) -> Vec<NodeIndex> {
    graph
        .node_indices()
        .filter(|&node| {
            graph
                .neighbors_directed(node, Direction::Outgoing)
                .next()
                .is_none()
        })
        .collect()
}

/// A topological order of `graph` (operands before results; among ready nodes the lowest
/// index first, so a graph already in topological order keeps its order), or, when the graph
/// has a cycle, the nodes of one cycle, each listing the next as an operand.
pub fn topological_order(graph: &ExportGraph) -> Result<Vec<NodeIndex>, Vec<NodeIndex>> {
    // Engine graphs, and the JSON files written from them, list operands before results:
    // then that order is the one below, found without a heap (a tenth of `gradviz check`
    // on a million-node file went to the heap).
    if graph
        .raw_edges()
        .iter()
        .all(|edge| edge.source() < edge.target())
    {
        return Ok(graph.node_indices().collect());
    }
    let mut waiting: Vec<usize> = graph
        .node_indices()
        .map(|node| graph.edges_directed(node, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = graph
        .node_indices()
        .filter(|node| waiting[node.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        for result in graph.neighbors_directed(node, Direction::Outgoing) {
            waiting[result.index()] -= 1;
            if waiting[result.index()] == 0 {
                ready.push(Reverse(result));
            }
        }
    }
    if order.len() == graph.node_count() {
        Ok(order)
    } else {
        Err(find_cycle(graph, &waiting))
    }
}

/// A cycle as an error shows it: each node described, the first again at the end, cut
/// after the first dozen (`a → b → … → a`).
pub fn cycle_walk(
    graph: &ExportGraph,
    cycle: &[NodeIndex],
    describe: impl Fn(&NodeInfo) -> String,
) -> String {
    const SHOWN: usize = 12;
    let names: Vec<String> = cycle
        .iter()
        .chain(cycle.first())
        .map(|&node| describe(&graph[node]))
        .collect();
    match names.split_last() {
        Some((last, _)) if names.len() > SHOWN + 1 => {
            format!("{} → … → {last}", names[..SHOWN].join(" → "))
        }
        _ => names.join(" → "),
    }
}

/// Walks from the lowest node Kahn's algorithm left over to a left-over operand, and on,
/// until a node repeats: every left-over node has a left-over operand, so the walk must
/// close a cycle. Returns that cycle starting at its lowest node.
fn find_cycle(graph: &ExportGraph, waiting: &[usize]) -> Vec<NodeIndex> {
    let stuck = |node: &NodeIndex| waiting[node.index()] > 0;
    let mut step_of = vec![usize::MAX; graph.node_count()];
    let mut walk = Vec::new();
    let mut node = graph
        .node_indices()
        .find(stuck)
        .expect("a failed sort leaves nodes");
    while step_of[node.index()] == usize::MAX {
        step_of[node.index()] = walk.len();
        walk.push(node);
        node = operands(graph, node)
            .into_iter()
            .find(stuck)
            .expect("a left-over node has a left-over operand");
    }
    let mut cycle = walk.split_off(step_of[node.index()]);
    let lowest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
    cycle.rotate_left(lowest);
    cycle
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Exponent, PyRandom, MLP};

    #[test]
    fn a_label_reads_back_as_the_text_it_was_made_from_short_or_long() {
        let short = "l0.n3.w2";
        let at_the_limit = "é".repeat(11);
        let long = "a label longer than twenty-two bytes, é";
        for text in ["", short, at_the_limit.as_str(), long] {
            let label = Label::from(text);
            assert_eq!(label.as_str(), text);
            assert_eq!(label, Label::from(text.to_string()));
            assert_eq!(label.to_string(), text);
            assert_eq!(String::from(label.clone()), text);
            assert_eq!(format!("{label:?}"), format!("{text:?}"));
        }
        let (first, second) = (Label::from(long), Label::from(short));
        assert!(first < second, "labels order as their texts");
        let mut label = Label::from(long);
        label.clear();
        assert!(label.is_empty());
    }

    #[test]
    fn an_engine_network_exports_its_scopes_one_arc_per_call() {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[2, 1], &mut PyRandom::new(1));
        let before = g.leaf(5.0);
        let first = model.call(&[1.0.into(), 2.0.into()])[0];
        let second = model.call(&[3.0.into(), before.into()])[0];
        let after = first + second;
        let graph = to_petgraph(&g, &[after.id()]);
        let scope_of = |id: NodeId| {
            let node = graph
                .node_indices()
                .find(|&n| graph[n].id == id.index() as u64);
            graph[node.expect("exported")].scope.clone()
        };
        let path = |id: NodeId| -> Vec<(String, String, u32, Option<u32>)> {
            scope_of(id)
                .map(|s| {
                    s.iter()
                        .map(|t| (t.kind.clone(), t.name.clone(), t.object, t.call))
                        .collect()
                })
                .unwrap_or_default()
        };
        let step = |kind: &str, name: &str, object: u32, call: Option<u32>| {
            (kind.to_string(), name.to_string(), object, call)
        };
        let w = model.layers[1].neurons[0].w[1].id();
        assert_eq!(
            path(w),
            [
                step("MLP", "MLP0", 0, None),
                step("Layer", "l1", 4, None),
                step("Neuron", "n0", 5, None)
            ]
        );
        assert_eq!(
            path(second.id()),
            [
                step("MLP", "MLP0", 0, Some(1)),
                step("Layer", "l1", 4, Some(1)),
                step("Neuron", "n0", 5, Some(1))
            ]
        );
        assert!(path(before.id()).is_empty() && path(after.id()).is_empty());
        // Every value of one neuron call shares its path.
        let (_, operands) = g.op_and_operands(second.id());
        let shared = scope_of(operands[0]).expect("in the call");
        assert!(std::sync::Arc::ptr_eq(
            &shared,
            &scope_of(second.id()).unwrap()
        ));
    }

    fn node(id: u64) -> NodeInfo {
        NodeInfo {
            id,
            label: Label::default(),
            data: 0.0,
            grad: 0.0,
            op: NodeOp::default(),
            scope: None,
        }
    }

    #[test]
    fn a_graph_in_order_keeps_it_and_one_out_of_order_is_sorted_lowest_first() {
        let mut in_order = ExportGraph::new();
        let n: Vec<NodeIndex> = (0..4).map(|i| in_order.add_node(node(i))).collect();
        in_order.add_edge(n[0], n[2], 0);
        in_order.add_edge(n[1], n[2], 1);
        in_order.add_edge(n[2], n[3], 0);
        assert_eq!(topological_order(&in_order), Ok(n.clone()));
        // Node 0 uses node 3, which uses node 1: 1, 2 (ready from the start), 3, 0.
        let mut shuffled = ExportGraph::new();
        let m: Vec<NodeIndex> = (0..4).map(|i| shuffled.add_node(node(i))).collect();
        shuffled.add_edge(m[3], m[0], 0);
        shuffled.add_edge(m[1], m[3], 0);
        assert_eq!(
            topological_order(&shuffled),
            Ok(vec![m[1], m[2], m[3], m[0]])
        );
        shuffled.add_edge(m[0], m[1], 0);
        assert_eq!(topological_order(&shuffled), Err(vec![m[0], m[3], m[1]]));
    }

    #[test]
    fn an_op_is_known_only_when_its_text_reads_back_the_same() {
        assert_eq!(NodeOp::from_text(""), NodeOp::Known(Op::Leaf));
        assert_eq!(NodeOp::from_text("ReLU"), NodeOp::Known(Op::Relu));
        let float_square = NodeOp::from_text("**2.0");
        assert_eq!(float_square, NodeOp::Known(Op::Pow(Exponent::float(2.0))));
        assert_eq!(float_square.text(), "**2.0");
        for written in ["**+2", "relu", "sin", "**2.50"] {
            let op = NodeOp::from_text(written);
            assert_eq!(op, NodeOp::Other(written.to_string()));
            assert_eq!(op.text(), written, "shown as written");
        }
        assert_eq!(NodeOp::from_text("**+2").known(), Op::parse("**2"));
        assert_eq!(NodeOp::from_text("sin").known(), None);
        assert!(NodeOp::default().is_leaf() && !NodeOp::from_text("+").is_leaf());
    }
}
