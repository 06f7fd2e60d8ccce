//! Repeated structure in a graph: what an overview draws once. Two kinds are found, both
//! from the graph alone (no labels needed, so another engine's JSON folds as well):
//!
//! - **chains**: a run of one associative op (`+` or `*`) whose intermediate results each
//!   feed only the next, as Python's `sum(...)` and a neuron's `w·x + b` build them; a chain
//!   is one unit whose operands are everything its links take from outside it;
//! - **repeats**: units that compute the same thing from the same kinds of operands, as the
//!   same neuron does for every example of a batch or the same loss term for every example.
//!   Units are compared by a signature built bottom-up (their op and their operands'
//!   classes: in order for an op, as a set for a chain), so equal signatures mean equal
//!   computations up to the numbers. Unlabelled leaves are told apart by what uses them.
//!
//! Values the caller keeps whole (a folded group's node) and values with a name of their
//! own (`loss`) are never merged; values sharing a name merge only with values of that name,
//! and values merge only with values of the same group (the same module object, whichever
//! call made them: so a neuron's work for each example is one class, drawn once).
//! Signatures are interned as they are made, so each is a few numbers, whatever the size of
//! the subgraph it describes.
//! A label's name is the label without gradviz's rebinding count ([`name`]: `x#7` is `x`
//! bound the 7th time, as in `for …: x = x * w`).
//! Every pass is a loop over a topological order: no recursion, whatever the graph's depth.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;
use petgraph::Direction;
use rustc_hash::FxHashMap;

use crate::engine::Op;
use crate::graph::{self, ExportGraph, NodeOp};

/// A partition of a graph's values into the nodes an overview draws.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Repeats {
    /// By node index: the class the value belongs to.
    pub class_of: Vec<usize>,
    /// The classes, numbered by their first value in topological order.
    pub classes: Vec<Class>,
}

impl Repeats {
    /// The values of `order` (a graph of `count` values) in classes by `key`, numbered as
    /// their first value comes, each with its members in graph order, no results and the
    /// shape of a value; and each class's key.
    pub(crate) fn by_key<K: Ord + Copy>(
        count: usize,
        order: &[NodeIndex],
        key: impl Fn(NodeIndex) -> K,
    ) -> (Repeats, Vec<K>) {
        let mut number: BTreeMap<K, usize> = BTreeMap::new();
        let mut keys = Vec::new();
        let mut class_of = vec![0; count];
        let mut classes: Vec<Class> = Vec::new();
        for &node in order {
            let key = key(node);
            let next = number.len();
            let class = *number.entry(key).or_insert(next);
            if class == classes.len() {
                keys.push(key);
                classes.push(Class {
                    results: Vec::new(),
                    members: Vec::new(),
                    shape: Shape::Value,
                });
            }
            class_of[node.index()] = class;
            classes[class].members.push(node);
        }
        for class in &mut classes {
            class.members.sort_unstable();
        }
        (Repeats { class_of, classes }, keys)
    }
}

/// Values drawn as one node: one unit, or many units computing the same thing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Class {
    /// Each unit's result (a chain's last link), in graph order.
    pub results: Vec<NodeIndex>,
    /// Every value of every unit, in graph order.
    pub members: Vec<NodeIndex>,
    /// What each unit is.
    pub shape: Shape,
}

/// What one unit of a class computes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// A single value.
    Value,
    /// A chain of `op` over this many operands (the most among the class's units).
    Chain { op: Op, terms: usize },
    /// A loop's steps ([`super::runs`]): `count` times the ops of `body`, in order.
    Steps { count: usize, body: Vec<String> },
    /// A run of this many values whose ops do not repeat as a loop's would ([`super::runs`]).
    Run { values: usize, ops: Vec<String> },
    /// What an overview too large for a figure leaves out ([`super::earlier`]): the
    /// `values` made before those it draws, or the ones its output does not depend on.
    Rest { values: usize, earlier: bool },
}

/// How a value's class is known, before classes are numbered. Every key but `Own` holds
/// the value's label (`""` when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// A value kept whole, or with a label no other value has: its own class.
    Own(NodeIndex),
    /// A leaf, before it is told apart by its users.
    Leaf(String),
    /// A leaf, by its users' classes and its positions among their operands.
    UsedBy(String, BTreeSet<(usize, usize)>),
    /// A value computed by `op` from operands of these classes, in order, and for each
    /// operand the place it first appears in (`w * w` is not `w * x`).
    Op(String, String, Vec<usize>, Vec<usize>),
    /// A chain of `op` over this many operands of these classes (a neuron's `w·x + b` is
    /// not a `sum` over all the weights squared).
    Chain(String, String, usize, BTreeSet<usize>),
}

/// The chains and repeats of `graph`. `keep(node)` names the values never merged with
/// another (besides those with a label of their own); `group(node)` the group a value is
/// drawn in, which only values of the same group share.
pub(crate) fn find(
    graph: &ExportGraph,
    keep: impl Fn(NodeIndex) -> bool,
    group: impl Fn(NodeIndex) -> Option<usize>,
) -> Repeats {
    let order = super::topological_order(graph);
    let mut label_uses: BTreeMap<&str, usize> = BTreeMap::new();
    for info in graph.node_weights().filter(|info| !info.label.is_empty()) {
        *label_uses.entry(name(&info.label)).or_default() += 1;
    }
    let kept = |n: NodeIndex| keep(n) || label_uses.get(name(&graph[n].label)) == Some(&1);
    let head = chain_heads(graph, &order, &kept, &group);
    let mut finder = Finder::default();
    let mut key_of: Vec<Option<Key>> = vec![None; graph.node_count()];
    let mut unit_class = vec![usize::MAX; graph.node_count()];
    // By chain head: how many operands its links take from outside it, and their classes.
    let mut outside: BTreeMap<NodeIndex, (usize, BTreeSet<usize>)> = BTreeMap::new();
    // By node index: how many operands the chain ending there takes; 0 for no chain.
    let mut terms = vec![0; graph.node_count()];
    for &node in &order {
        let class = |n: NodeIndex| unit_class[head[n.index()].index()];
        if head[node.index()] != node {
            // A link inside a chain: its operands from outside count for the chain's head.
            let (count, classes) = outside.entry(head[node.index()]).or_default();
            for operand in graph::operands(graph, node) {
                if head[operand.index()] != head[node.index()] {
                    *count += 1;
                    classes.insert(class(operand));
                }
            }
            continue;
        }
        let operands = graph::operands(graph, node);
        let label = name(&graph[node].label).to_string();
        // A chain's result (a kept one too: `total = sum(…)`) counts its terms.
        let chain = outside.remove(&node).map(|(links_take, mut classes)| {
            let own: Vec<NodeIndex> = operands
                .iter()
                .copied()
                .filter(|o| head[o.index()] != node)
                .collect();
            classes.extend(own.iter().map(|&o| class(o)));
            terms[node.index()] = links_take + own.len();
            classes
        });
        let key = if kept(node) {
            Key::Own(node)
        } else if operands.is_empty() {
            Key::Leaf(label)
        } else if let Some(classes) = chain {
            Key::Chain(
                graph[node].op.to_string(),
                label,
                terms[node.index()],
                classes,
            )
        } else {
            let first_place = operands
                .iter()
                .map(|o| operands.iter().position(|p| p == o).unwrap_or(0))
                .collect();
            Key::Op(
                graph[node].op.to_string(),
                label,
                operands.iter().map(|&o| class(o)).collect(),
                first_place,
            )
        };
        unit_class[node.index()] = finder.class(group(node), &key);
        key_of[node.index()] = Some(key);
    }
    let leaves = Units {
        head: &head,
        key_of: &key_of,
    };
    leaves.tell_apart(graph, &order, &group, &mut unit_class, &mut finder);
    finder.partition(graph, &order, &head, &unit_class, &terms)
}

/// The name a label gives a value: the label without the count gradviz adds when a name is
/// bound again (`x#7` is `x`; see [`crate::input::script::rebound_label`]).
pub(crate) fn name(label: &str) -> &str {
    match label.rsplit_once('#') {
        Some((name, count)) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => label,
    }
}

/// By node index, the last link of the chain a value is a link of, or the value itself.
fn chain_heads(
    graph: &ExportGraph,
    order: &[NodeIndex],
    kept: &impl Fn(NodeIndex) -> bool,
    group: &impl Fn(NodeIndex) -> Option<usize>,
) -> Vec<NodeIndex> {
    let mut head: Vec<NodeIndex> = graph.node_indices().collect();
    let associative = |n: NodeIndex| matches!(graph[n].op, NodeOp::Known(Op::Add | Op::Mul));
    // Users come before their operands in this walk, so a user's head is known.
    for &node in order.iter().rev() {
        if kept(node) || !associative(node) {
            continue;
        }
        let mut uses = graph.edges_directed(node, Direction::Outgoing);
        let (Some(only), None) = (uses.next(), uses.next()) else {
            continue;
        };
        let user = petgraph::visit::EdgeRef::target(&only);
        // Unlabelled links run into a named result (`total = sum(…)`), but a link with a
        // name of its own is no other name's; a chain stays inside one group.
        let own_name = name(&graph[node].label);
        if graph[user].op == graph[node].op
            && (own_name.is_empty() || own_name == name(&graph[user].label))
            && group(user) == group(node)
        {
            head[node.index()] = head[user.index()];
        }
    }
    head
}

/// The units found: each value's chain head and key.
struct Units<'a> {
    head: &'a [NodeIndex],
    key_of: &'a [Option<Key>],
}

impl Units<'_> {
    /// Gives each leaf the class of the leaves of its label and group used by the same
    /// classes in the same places (a network's inputs, each layer's weights, the `1` of every
    /// loss term).
    fn tell_apart(
        &self,
        graph: &ExportGraph,
        order: &[NodeIndex],
        group: &impl Fn(NodeIndex) -> Option<usize>,
        unit_class: &mut [usize],
        finder: &mut Finder,
    ) {
        let (head, key_of) = (self.head, self.key_of);
        for &node in order {
            let Some(Key::Leaf(label)) = &key_of[node.index()] else {
                continue;
            };
            let used_by = graph
                .edges_directed(node, Direction::Outgoing)
                .map(|e| {
                    let user = head[petgraph::visit::EdgeRef::target(&e).index()];
                    // A value kept whole (a folded group) numbers its inputs as they come, so
                    // the place among its operands says nothing about the leaf.
                    let place = match key_of[user.index()] {
                        Some(Key::Own(_)) => 0,
                        _ => *e.weight(),
                    };
                    (unit_class[user.index()], place)
                })
                .collect();
            unit_class[node.index()] =
                finder.class(group(node), &Key::UsedBy(label.clone(), used_by));
        }
    }
}

/// Numbers keys as they first come. Keys are only looked up, never listed, so a hash map
/// keeps the numbering deterministic; a B-tree's comparisons of labels and operand lists
/// were most of an overview's time on a graph of a million values.
#[derive(Default)]
struct Finder {
    known: FxHashMap<(Option<usize>, Key), usize>,
}

impl Finder {
    /// The class of `key` in `group`.
    fn class(&mut self, group: Option<usize>, key: &Key) -> usize {
        let next = self.known.len();
        *self.known.entry((group, key.clone())).or_insert(next)
    }

    /// The classes that hold a value, renumbered by their first value in `order`.
    fn partition(
        self,
        graph: &ExportGraph,
        order: &[NodeIndex],
        head: &[NodeIndex],
        unit_class: &[usize],
        terms: &[usize],
    ) -> Repeats {
        let (mut repeats, _) = Repeats::by_key(graph.node_count(), order, |n| {
            unit_class[head[n.index()].index()]
        });
        for class in &mut repeats.classes {
            class.results = class
                .members
                .iter()
                .copied()
                .filter(|&m| head[m.index()] == m)
                .collect();
            let terms = class
                .results
                .iter()
                .map(|&r| terms[r.index()])
                .max()
                .unwrap_or(0);
            if terms > 0 {
                if let NodeOp::Known(op) = graph[class.results[0]].op {
                    class.shape = Shape::Chain { op, terms };
                }
            }
        }
        repeats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeInfo;

    /// Adds a value computed by `op` from `operands`.
    fn add(graph: &mut ExportGraph, op: &str, operands: &[NodeIndex]) -> NodeIndex {
        let id = graph.node_count() as u64;
        let node = graph.add_node(NodeInfo {
            id,
            op: op.into(),
            ..NodeInfo::default()
        });
        for (position, &o) in operands.iter().enumerate() {
            graph.add_edge(o, node, position);
        }
        node
    }

    /// `sum((1 + -y * s).relu() for each example)`, over `examples` scores from one source.
    fn loss_terms(examples: usize) -> (ExportGraph, NodeIndex) {
        let mut graph = ExportGraph::new();
        let mut total = add(&mut graph, "", &[]);
        for _ in 0..examples {
            let score = add(&mut graph, "", &[]);
            let y = add(&mut graph, "", &[]);
            let product = add(&mut graph, "*", &[y, score]);
            let one = add(&mut graph, "", &[]);
            let margin = add(&mut graph, "+", &[one, product]);
            let term = add(&mut graph, "ReLU", &[margin]);
            total = add(&mut graph, "+", &[total, term]);
        }
        (graph, total)
    }

    #[test]
    fn the_same_loss_term_per_example_is_one_class_and_their_sum_one_chain() {
        let (graph, total) = loss_terms(100);
        let repeats = find(&graph, |_| false, |_| None);
        let relu = graph
            .node_indices()
            .find(|&n| graph[n].op == "ReLU")
            .unwrap();
        let terms = &repeats.classes[repeats.class_of[relu.index()]];
        assert_eq!(terms.results.len(), 100);
        let sum = &repeats.classes[repeats.class_of[total.index()]];
        assert_eq!(sum.results, vec![total]);
        assert_eq!(
            sum.shape,
            Shape::Chain {
                op: Op::Add,
                terms: 101
            }
        );
        // scores, ys, products, ones, margins, terms, the sum (with its starting 0 and links).
        assert_eq!(repeats.classes.len(), 8);
    }

    #[test]
    fn kept_values_and_labelled_ones_stay_whole() {
        let (mut graph, _) = loss_terms(3);
        let relus: Vec<NodeIndex> = graph
            .node_indices()
            .filter(|&n| graph[n].op == "ReLU")
            .collect();
        graph[relus[0]].label = "first".into();
        let repeats = find(&graph, |n| n == relus[1], |_| None);
        let class = |n: NodeIndex| repeats.class_of[n.index()];
        assert_ne!(class(relus[0]), class(relus[2]));
        assert_ne!(class(relus[1]), class(relus[2]));
        assert_eq!(repeats.classes[class(relus[2])].results, vec![relus[2]]);
    }

    #[test]
    fn operands_in_another_order_are_another_computation() {
        let mut graph = ExportGraph::new();
        let a = add(&mut graph, "", &[]);
        let b = add(&mut graph, "x", &[]);
        let ab = add(&mut graph, "ReLU", &[a]);
        let first = add(&mut graph, "**2", &[ab]);
        let second = add(&mut graph, "tanh", &[b]);
        let left = add(&mut graph, "-", &[first, second]);
        let right = add(&mut graph, "-", &[second, first]);
        let repeats = find(&graph, |_| false, |_| None);
        assert_ne!(
            repeats.class_of[left.index()],
            repeats.class_of[right.index()]
        );
    }

    #[test]
    fn a_million_deep_chain_is_one_unit() {
        let mut graph = ExportGraph::new();
        let mut x = add(&mut graph, "", &[]);
        for _ in 0..1_000_000 {
            let w = add(&mut graph, "", &[]);
            x = add(&mut graph, "*", &[x, w]);
        }
        let repeats = find(&graph, |_| false, |_| None);
        let chain = &repeats.classes[repeats.class_of[x.index()]];
        assert_eq!(chain.results, vec![x]);
        assert_eq!(
            chain.shape,
            Shape::Chain {
                op: Op::Mul,
                terms: 1_000_001
            }
        );
    }
}
