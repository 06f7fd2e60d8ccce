//! The last resort of an overview: a graph in which too little repeats for its overview to
//! fit a figure (a random DAG, another engine's graph of unlike values) is drawn as the
//! values made last before its output, where backward starts and a reader looks first,
//! with every earlier value the output depends on as one node, and every value it does not
//! depend on (other outputs' work) as another. The output is the value made last that
//! nothing uses (the loss, in a script).
//!
//! The kept values are a tail of a topological order, so every value using one is kept
//! too or depends on nothing the output does: the figure stays acyclic (earlier → kept →
//! other). Loops over that order and one walk back from the output: no recursion,
//! whatever the graph's depth.

use petgraph::graph::NodeIndex;
use petgraph::Direction;

use super::defaults;
use super::repeats::{Repeats, Shape};
use crate::graph::{self, ExportGraph};

/// Where a value is drawn.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// Among the last values made before the output, or the output: its own node.
    Kept,
    /// Before those, and the output depends on it.
    Earlier,
    /// The output does not depend on it.
    Other,
}

/// `graph` partitioned into the values made last before its output, each a class of its
/// own, one class of the earlier values the output depends on, whose results are those the
/// kept values use, and one class of the others, whose results are those nothing uses.
/// `values_of(node)` is how many values a node stands for (a summary's, or 1).
pub(crate) fn partition(graph: &ExportGraph, values_of: impl Fn(NodeIndex) -> usize) -> Repeats {
    let order = super::topological_order(graph);
    let place = places(graph, &order);
    // Every kept value its own class; the earlier and the other values one each.
    let key = |n: NodeIndex| match place[n.index()] {
        Place::Kept => (Place::Kept, n),
        rest => (rest, NodeIndex::end()),
    };
    let (mut repeats, keys) = Repeats::by_key(graph.node_count(), &order, key);
    for (class, (place_of, _)) in repeats.classes.iter_mut().zip(keys) {
        let is_result = |&m: &NodeIndex| {
            let mut users = graph.neighbors_directed(m, Direction::Outgoing);
            match place_of {
                Place::Kept => true,
                Place::Earlier => users.any(|user| place[user.index()] == Place::Kept),
                Place::Other => users.next().is_none(),
            }
        };
        class.results = class.members.iter().copied().filter(is_result).collect();
        if place_of != Place::Kept {
            let values = class.members.iter().map(|&m| values_of(m)).sum();
            let earlier = place_of == Place::Earlier;
            class.shape = Shape::Rest { values, earlier };
        }
    }
    repeats
}

/// By node index, where each value is drawn.
fn places(graph: &ExportGraph, order: &[NodeIndex]) -> Vec<Place> {
    let mut place = vec![Place::Other; graph.node_count()];
    let output = order.iter().rev().find(|&&n| {
        graph
            .neighbors_directed(n, Direction::Outgoing)
            .next()
            .is_none()
    });
    let mut waiting: Vec<NodeIndex> = output.into_iter().copied().collect();
    while let Some(node) = waiting.pop() {
        if place[node.index()] == Place::Other {
            place[node.index()] = Place::Earlier;
            waiting.extend(graph::operands(graph, node));
        }
    }
    let tail = order
        .iter()
        .rev()
        .filter(|n| place[n.index()] == Place::Earlier)
        .take(defaults::OVERVIEW_NODES);
    for node in tail.copied().collect::<Vec<_>>() {
        place[node.index()] = Place::Kept;
    }
    place
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeInfo;

    fn add(graph: &mut ExportGraph, operands: &[NodeIndex]) -> NodeIndex {
        let id = graph.node_count() as u64;
        let op = if operands.is_empty() { "" } else { "+" };
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

    #[test]
    fn the_last_values_before_the_output_are_kept_and_the_rest_fold_in_two() {
        let mut graph = ExportGraph::new();
        let mut values = vec![add(&mut graph, &[]), add(&mut graph, &[])];
        for i in 2..500 {
            let v = add(&mut graph, &[values[i - 1], values[i * 7 % i]]);
            values.push(v);
        }
        let unused = add(&mut graph, &[values[10]]);
        let output = add(&mut graph, &[values[499], values[3]]);
        let repeats = partition(&graph, |_| 1);
        let class = |n: NodeIndex| &repeats.classes[repeats.class_of[n.index()]];
        assert_eq!(class(output).members, vec![output]);
        let kept = repeats
            .classes
            .iter()
            .filter(|c| c.shape == Shape::Value)
            .count();
        assert_eq!(kept, defaults::OVERVIEW_NODES);
        assert_eq!(
            class(values[0]).shape,
            Shape::Rest {
                values: 461,
                earlier: true
            }
        );
        assert_eq!(
            class(unused).shape,
            Shape::Rest {
                values: 1,
                earlier: false
            }
        );
        // Kept values use earlier ones, never the other way: the figure has no cycle.
        for value in graph.node_indices() {
            if class(value).shape == Shape::Value {
                for user in graph.neighbors_directed(value, Direction::Outgoing) {
                    assert_ne!(
                        class(user).shape,
                        Shape::Rest {
                            values: 461,
                            earlier: true
                        }
                    );
                }
            }
        }
    }
}
