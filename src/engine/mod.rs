//! The autograd engine: an append-only tape of scalar values and a `Copy` handle to them.
//!
//! A [`Graph`] owns every node in creation order. Because an operation can only use values
//! that already exist, creation order is a topological order, so [`Graph::backward`] is one
//! reverse sweep over the tape: no recursion, no sort, no hash set — graphs a million nodes
//! deep are as easy as shallow ones. [`Value`] borrows the graph, which is what lets
//! `a * b + 1.0` read like micrograd.

mod nn;
mod op;
mod random;
mod value;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

pub use nn::{Input, Layer, Module, Neuron, MLP};
pub use op::{python_exponent_format, python_float_repr, Exponent, Op};
pub use random::PyRandom;
pub use value::Value;

/// The index of a node on the tape, in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The node's position on the tape (0 for the first value created).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the node at `index` on the tape.
    pub fn from_index(index: usize) -> Self {
        NodeId(u32::try_from(index).expect("a graph holds at most 2^32 - 1 nodes"))
    }
}

/// The compact stored form of [`Op`]: the tag alone, so a node stays 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OpCode {
    Leaf,
    Add,
    Mul,
    Pow,
    Relu,
    Tanh,
    Exp,
    Log,
    Sigmoid,
}

const NONE: u32 = u32::MAX;

/// One value on the tape. For a `Pow` node the second operand slot holds the exponent's
/// index in [`Tape::exponents`]: a pow has one operand, and this keeps nodes at 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Node {
    data: f64,
    grad: f64,
    operands: [u32; 2],
    label: u32,
    code: OpCode,
    /// Set during [`Graph::backward`] when the node is reachable from the root, and cleared
    /// by the same sweep. It lives in what would be padding, so backward allocates nothing.
    reached: bool,
}

#[derive(Debug, Default)]
struct Tape {
    nodes: Vec<Node>,
    exponents: Vec<Exponent>,
    labels: Labels,
    /// Boxed: a graph without modules (most scripts) keeps its handle small.
    modules: Box<Modules>,
}

/// Which module object made each value, kept beside the tape rather than in its nodes:
/// scopes change once per module call, a handful of values apart, so a run of the tape
/// (its first node, its scope) costs 8 bytes per call where a field would cost every node.
#[derive(Debug, Default)]
struct Modules {
    /// Every scope entered, in the order they were entered; a parent precedes its children.
    scopes: Vec<ScopeEntry>,
    /// The tape in runs made in one scope: where each run starts and its scope, in tape
    /// order. Before the first run, and in a run without a scope, values have none.
    runs: Vec<(u32, Option<u32>)>,
    /// The scope open now.
    current: Option<u32>,
    /// How many calls each module object has begun, by object number.
    calls: Vec<u32>,
    /// How many objects of each kind (its name's label) were made outside every module.
    top_level: Vec<(u32, u32)>,
}

/// One scope: a module object at work, inside its parent's scope.
#[derive(Debug, Clone, Copy)]
struct ScopeEntry {
    parent: Option<u32>,
    /// The module's kind and name, kept with the labels.
    kind: u32,
    name: u32,
    object: u32,
    call: Option<u32>,
}

/// One scope entered on a graph (see [`Graph::enter_module`]): which object was at work,
/// doing what, inside which other scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleScope {
    /// The enclosing scope, an index into [`Graph::module_scopes`]; `None` at top level.
    pub parent: Option<usize>,
    /// The module's class: `MLP`, `Layer`, `Neuron`.
    pub kind: String,
    /// Its name in its parent (`l0`, `n3`), or for a top-level object its kind and number.
    pub name: String,
    /// The object's number, in the order objects were made.
    pub object: u32,
    /// Which call of the object, from 0; `None` for its constructor.
    pub call: Option<u32>,
}

impl Modules {
    /// Values made from tape index `start` on belong to `scope`.
    fn switch(&mut self, start: usize, scope: Option<u32>) {
        let start = u32::try_from(start).expect("a graph holds at most 2^32 - 1 nodes");
        self.current = scope;
        // A scope left before it made a value leaves no run behind.
        if let Some(last) = self.runs.last_mut() {
            if last.0 == start {
                last.1 = scope;
                let len = self.runs.len();
                if len >= 2 && self.runs[len - 2].1 == scope {
                    self.runs.pop();
                }
                return;
            }
            if last.1 == scope {
                return;
            }
        } else if scope.is_none() {
            return;
        }
        self.runs.push((start, scope));
    }
}

impl Tape {
    fn op(&self, node: &Node) -> Op {
        op_of(node, &self.exponents)
    }
}

/// Labels end to end in one string, numbered in the order they were added; number 0 is "no
/// label". A label used twice is stored twice: finding it again through a hash table cost a
/// cache miss per new label, a fifth of the evaluator's time on a 100k-line script (300k
/// labels, nearly all distinct), while a repeated label costs only its bytes, which the
/// JSON holds anyway. A label takes 8 bytes besides its text, where a map from `Rc<str>`
/// took over a hundred (the allocation, the map's slot, the list's pointer).
#[derive(Default)]
struct Labels {
    /// The texts of labels 1, 2, … end to end.
    text: String,
    /// Where label `i` ends in `text` is `ends[i]`; `ends[0]` is 0, the empty "no label".
    ends: Vec<usize>,
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Labels")
            .field("count", &self.ends.len().saturating_sub(1))
            .finish()
    }
}

impl Labels {
    /// The text of label `index` (`""` for 0).
    fn get(&self, index: u32) -> &str {
        match index as usize {
            0 => "",
            i => &self.text[self.ends[i - 1]..self.ends[i]],
        }
    }

    /// The number of a new label holding `label`.
    fn add(&mut self, label: &str) -> u32 {
        if self.ends.is_empty() {
            self.ends.push(0);
        }
        let index = u32::try_from(self.ends.len()).expect("at most 2^32 labels");
        self.text.push_str(label);
        self.ends.push(self.text.len());
        index
    }
}

/// An arena of scalar values in creation order. Values are made through [`Graph::leaf`] and
/// the operators on [`Value`].
///
/// ```
/// use gradviz::engine::Graph;
/// let g = Graph::new();
/// let a = g.leaf(2.0);
/// let b = a * a + 1.0;
/// b.backward();
/// assert_eq!(a.grad(), 4.0);
/// ```
#[derive(Debug, Default)]
pub struct Graph {
    tape: RefCell<Tape>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty graph with room for `nodes` values before it reallocates, and for three
    /// quarters as many labels: a lecture script labels its leaves, and auto-labels name
    /// the values it binds (`x`, `x#2`, …) besides.
    pub fn with_capacity(nodes: usize) -> Self {
        let labels = Labels {
            ends: Vec::with_capacity(nodes / 4 * 3 + 1),
            ..Labels::default()
        };
        let tape = Tape {
            nodes: Vec::with_capacity(nodes),
            labels,
            ..Tape::default()
        };
        Graph {
            tape: RefCell::new(tape),
        }
    }

    /// The number of values on the tape.
    pub fn len(&self) -> usize {
        self.tape.borrow().nodes.len()
    }

    /// True when no value has been created.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A new leaf value holding `data`.
    pub fn leaf(&self, data: f64) -> Value<'_> {
        self.push(data, OpCode::Leaf, [NONE, NONE])
    }

    /// The handle of an existing node.
    ///
    /// # Panics
    /// If `id` is not on this graph's tape.
    pub fn value(&self, id: NodeId) -> Value<'_> {
        assert!(
            id.index() < self.len(),
            "node {} is not on this graph",
            id.index()
        );
        Value::new(self, id)
    }

    /// Applies `op` to `operands` (as many as [`Op::arity`]), computing the data forward.
    ///
    /// # Panics
    /// If the operand count does not match the op's arity or an operand is not on the tape.
    pub fn apply(&self, op: Op, operands: &[NodeId]) -> Value<'_> {
        assert_eq!(
            operands.len(),
            op.arity(),
            "{op:?} takes {} operands",
            op.arity()
        );
        let len = self.len();
        assert!(
            operands.iter().all(|o| o.index() < len),
            "operand is not on this graph"
        );
        let data = |i: usize| operands.get(i).map_or(0.0, |&o| self.data(o));
        let result = op.forward(data(0), data(1));
        let slot = |i: usize| operands.get(i).map_or(NONE, |o| o.0);
        let (code, operands) = match op {
            Op::Leaf => return self.leaf(result),
            Op::Add => (OpCode::Add, [slot(0), slot(1)]),
            Op::Mul => (OpCode::Mul, [slot(0), slot(1)]),
            Op::Pow(k) => {
                let mut tape = self.tape.borrow_mut();
                let index = u32::try_from(tape.exponents.len()).expect("at most 2^32 pows");
                tape.exponents.push(k);
                (OpCode::Pow, [slot(0), index])
            }
            Op::Relu => (OpCode::Relu, [slot(0), NONE]),
            Op::Tanh => (OpCode::Tanh, [slot(0), NONE]),
            Op::Exp => (OpCode::Exp, [slot(0), NONE]),
            Op::Log => (OpCode::Log, [slot(0), NONE]),
            Op::Sigmoid => (OpCode::Sigmoid, [slot(0), NONE]),
        };
        self.push(result, code, operands)
    }

    fn push(&self, data: f64, code: OpCode, operands: [u32; 2]) -> Value<'_> {
        let mut tape = self.tape.borrow_mut();
        let id = NodeId::from_index(tape.nodes.len());
        tape.nodes.push(Node {
            data,
            grad: 0.0,
            operands,
            label: 0,
            code,
            reached: false,
        });
        Value::new(self, id)
    }

    /// The node's data.
    pub fn data(&self, id: NodeId) -> f64 {
        self.tape.borrow().nodes[id.index()].data
    }

    /// The node's grad.
    pub fn grad(&self, id: NodeId) -> f64 {
        self.tape.borrow().nodes[id.index()].grad
    }

    /// Replaces the node's data. Like assigning `v.data` in Python, nothing is recomputed.
    pub fn set_data(&self, id: NodeId, data: f64) {
        self.tape.borrow_mut().nodes[id.index()].data = data;
    }

    /// Replaces the node's grad.
    pub fn set_grad(&self, id: NodeId, grad: f64) {
        self.tape.borrow_mut().nodes[id.index()].grad = grad;
    }

    /// The op that made the node.
    pub fn op(&self, id: NodeId) -> Op {
        let tape = self.tape.borrow();
        tape.op(&tape.nodes[id.index()])
    }

    /// The op that made the node and its operands, the first `op.arity()` of the two: what a
    /// sweep over many nodes reads without allocating.
    pub fn op_and_operands(&self, id: NodeId) -> (Op, [NodeId; 2]) {
        self.read(|tape| tape.op_and_operands(id))
    }

    /// Runs `read` over the tape as it is now, read in place and shareable between threads
    /// (the JSON writer formats on two). The graph cannot change while `read` runs.
    pub fn read<T>(&self, read: impl FnOnce(TapeView<'_>) -> T) -> T {
        read(TapeView(&self.tape.borrow()))
    }

    /// The node's operands in order; `a * a` lists `a` twice.
    pub fn operands(&self, id: NodeId) -> Vec<NodeId> {
        let tape = self.tape.borrow();
        let node = tape.nodes[id.index()];
        let arity = tape.op(&node).arity();
        node.operands[..arity].iter().map(|&o| NodeId(o)).collect()
    }

    /// The node's label, if it has one.
    pub fn label(&self, id: NodeId) -> Option<Rc<str>> {
        let tape = self.tape.borrow();
        match tape.nodes[id.index()].label {
            0 => None,
            index => Some(Rc::from(tape.labels.get(index))),
        }
    }

    /// The node's label as an owned string, `""` when it has none.
    pub fn label_string(&self, id: NodeId) -> String {
        self.with_label(id, str::to_string)
    }

    /// What `read` makes of the node's label (`""` when it has none), read in place: an
    /// export copies each label this way.
    pub fn with_label<T>(&self, id: NodeId, read: impl FnOnce(&str) -> T) -> T {
        let tape = self.tape.borrow();
        read(tape.labels.get(tape.nodes[id.index()].label))
    }

    /// Sets the node's label; `None` or `""` clears it.
    pub fn set_label(&self, id: NodeId, label: Option<&str>) {
        let mut tape = self.tape.borrow_mut();
        let index = match label {
            None | Some("") => 0,
            Some(text) => tape.labels.add(text),
        };
        tape.nodes[id.index()].label = index;
    }

    /// Runs backpropagation from `root`: sets its grad to 1 and adds each node's
    /// contribution into its operands' grads (`+=`, as micrograd), for every node reachable
    /// from `root`. Grads already present are not cleared; see [`Graph::zero_grad`].
    pub fn backward(&self, root: NodeId) {
        let mut tape = self.tape.borrow_mut();
        let Tape {
            nodes, exponents, ..
        } = &mut *tape;
        nodes[root.index()].reached = true;
        nodes[root.index()].grad = 1.0;
        // Operands precede their results, so every mark lands on a node the sweep has yet
        // to visit, and the sweep clears each mark it finds: none outlives the call.
        for i in (0..=root.index()).rev() {
            if !nodes[i].reached {
                continue;
            }
            nodes[i].reached = false;
            let node = nodes[i];
            let op = op_of(&node, exponents);
            let arity = op.arity();
            if arity == 0 {
                continue;
            }
            let [a, b] = node.operands;
            let b_data = if arity == 2 {
                nodes[b as usize].data
            } else {
                0.0
            };
            let (da, db) = op.backward(nodes[a as usize].data, b_data, node.data, node.grad);
            nodes[a as usize].grad += da;
            nodes[a as usize].reached = true;
            if arity == 2 {
                nodes[b as usize].grad += db;
                nodes[b as usize].reached = true;
            }
        }
    }

    /// Sets every grad on the tape to zero.
    pub fn zero_grad(&self) {
        for node in &mut self.tape.borrow_mut().nodes {
            node.grad = 0.0;
        }
    }

    /// Numbers a new module object (a `Neuron`, `Layer`, `MLP`): 0, 1, 2, … in the order
    /// they are made, which is also the number its scopes carry.
    pub fn new_module(&self) -> u32 {
        let mut tape = self.tape.borrow_mut();
        let object = u32::try_from(tape.modules.calls.len()).expect("at most 2^32 modules");
        tape.modules.calls.push(0);
        object
    }

    /// True while some module's constructor or call is at work.
    pub fn in_module(&self) -> bool {
        self.tape.borrow().modules.current.is_some()
    }

    /// The name of a new object of `kind` made outside every module: the kind and how many
    /// of that kind were named so before it (`MLP0`, `MLP1`).
    pub fn top_level_name(&self, kind: &str) -> String {
        let mut tape = self.tape.borrow_mut();
        let Tape {
            labels, modules, ..
        } = &mut *tape;
        let top_level = &mut modules.top_level;
        let count = match top_level.iter_mut().find(|(k, _)| labels.get(*k) == kind) {
            Some((_, count)) => {
                *count += 1;
                *count - 1
            }
            None => {
                top_level.push((labels.add(kind), 1));
                0
            }
        };
        format!("{kind}{count}")
    }

    /// From now until [`Graph::exit_module`], new values are made by module `object` (from
    /// [`Graph::new_module`]), named `name` and of kind `kind`, inside the scope open now:
    /// in its constructor, or when `call` is true in its next call (counted per object).
    ///
    /// # Panics
    /// If `object` was not numbered by [`Graph::new_module`] on this graph.
    pub fn enter_module(&self, kind: &str, name: &str, object: u32, call: bool) {
        let mut tape = self.tape.borrow_mut();
        let call = call.then(|| {
            let count = &mut tape.modules.calls[object as usize];
            *count += 1;
            *count - 1
        });
        let entry = ScopeEntry {
            parent: tape.modules.current,
            kind: tape.labels.add(kind),
            name: tape.labels.add(name),
            object,
            call,
        };
        let index = u32::try_from(tape.modules.scopes.len()).expect("at most 2^32 scopes");
        tape.modules.scopes.push(entry);
        let start = tape.nodes.len();
        tape.modules.switch(start, Some(index));
    }

    /// Closes the scope [`Graph::enter_module`] opened last; new values belong to its parent.
    pub fn exit_module(&self) {
        let mut tape = self.tape.borrow_mut();
        let Some(current) = tape.modules.current else {
            return;
        };
        let parent = tape.modules.scopes[current as usize].parent;
        let start = tape.nodes.len();
        tape.modules.switch(start, parent);
    }

    /// Every scope entered, in order; [`Graph::module_runs`] says which values each made.
    pub fn module_scopes(&self) -> Vec<ModuleScope> {
        let tape = self.tape.borrow();
        tape.modules
            .scopes
            .iter()
            .map(|entry| ModuleScope {
                parent: entry.parent.map(|p| p as usize),
                kind: tape.labels.get(entry.kind).to_string(),
                name: tape.labels.get(entry.name).to_string(),
                object: entry.object,
                call: entry.call,
            })
            .collect()
    }

    /// The tape in runs: from each run's first node until the next run's, values were made
    /// in the given scope (an index into [`Graph::module_scopes`]), or outside every module.
    /// Values before the first run were made outside every module.
    pub fn module_runs(&self) -> Vec<(NodeId, Option<usize>)> {
        let tape = self.tape.borrow();
        tape.modules
            .runs
            .iter()
            .map(|&(start, scope)| (NodeId(start), scope.map(|s| s as usize)))
            .collect()
    }

    /// The nodes reachable from any of `roots` (roots included), in creation order — a
    /// topological order, operands before results.
    pub fn reachable(&self, roots: &[NodeId]) -> Vec<NodeId> {
        self.reached(roots)
            .iter()
            .enumerate()
            .filter(|&(_, &reached)| reached)
            .map(|(i, _)| NodeId::from_index(i))
            .collect()
    }

    /// Per node up to the last root, whether it is reachable from any of `roots`: what
    /// [`Graph::reachable`] lists, a byte a node rather than four.
    pub fn reached(&self, roots: &[NodeId]) -> Vec<bool> {
        let tape = self.tape.borrow();
        let Some(top) = roots.iter().map(|r| r.index()).max() else {
            return Vec::new();
        };
        let mut reached = vec![false; top + 1];
        for root in roots {
            reached[root.index()] = true;
        }
        for i in (0..=top).rev() {
            if reached[i] {
                let node = &tape.nodes[i];
                for &o in &node.operands[..tape.op(node).arity()] {
                    reached[o as usize] = true;
                }
            }
        }
        reached
    }

    /// The nodes reachable from `root` in a topological order (operands first).
    pub fn topo_order(&self, root: NodeId) -> Vec<NodeId> {
        self.reachable(&[root])
    }
}

/// A graph's tape read in place ([`Graph::read`]): the nodes' fields by id, without a
/// borrow per look-up, and `Sync`, so that several threads can read it at once.
#[derive(Clone, Copy)]
pub struct TapeView<'g>(&'g Tape);

impl<'g> TapeView<'g> {
    /// The node's data.
    pub fn data(self, id: NodeId) -> f64 {
        self.0.nodes[id.index()].data
    }

    /// The node's grad.
    pub fn grad(self, id: NodeId) -> f64 {
        self.0.nodes[id.index()].grad
    }

    /// The node's label, `""` when it has none.
    pub fn label(self, id: NodeId) -> &'g str {
        self.0.labels.get(self.0.nodes[id.index()].label)
    }

    /// The node's op and operand slots, as [`Graph::op_and_operands`].
    pub fn op_and_operands(self, id: NodeId) -> (Op, [NodeId; 2]) {
        let node = &self.0.nodes[id.index()];
        (self.0.op(node), node.operands.map(NodeId))
    }
}

/// The full op of a stored node, its exponent looked up for a pow.
fn op_of(node: &Node, exponents: &[Exponent]) -> Op {
    match node.code {
        OpCode::Leaf => Op::Leaf,
        OpCode::Add => Op::Add,
        OpCode::Mul => Op::Mul,
        OpCode::Pow => Op::Pow(exponents[node.operands[1] as usize]),
        OpCode::Relu => Op::Relu,
        OpCode::Tanh => Op::Tanh,
        OpCode::Exp => Op::Exp,
        OpCode::Log => Op::Log,
        OpCode::Sigmoid => Op::Sigmoid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    #[test]
    fn a_label_is_read_back_as_written() {
        let g = Graph::new();
        let a = g.leaf(1.0).with_label("w7").id();
        let b = g.leaf(2.0).with_label("b7").id();
        let c = g.leaf(3.0).with_label("w7").id();
        let d = g.leaf(4.0).with_label("").id();
        assert_eq!(g.label(a).as_deref(), Some("w7"));
        assert_eq!(g.label(b).as_deref(), Some("b7"));
        assert_eq!(g.label(c).as_deref(), Some("w7"));
        assert_eq!((g.label(d), g.label_string(d)), (None, String::new()));
        assert_eq!(g.label_string(b), "b7");
        assert_eq!(g.tape.borrow().labels.text, "w7b7w7");
    }

    #[test]
    fn backward_leaves_no_node_marked_reached() {
        let g = Graph::new();
        let x = g.leaf(3.0);
        let y = x * x;
        y.backward();
        assert!(g.tape.borrow().nodes.iter().all(|n| !n.reached));
        assert_eq!(x.grad(), 6.0);
        // A stale mark on `y` would send its grad into `x` again from an unrelated root.
        let w = g.leaf(1.0) * 2.0;
        w.backward();
        assert_eq!(x.grad(), 6.0);
    }
}
