//! Long runs: what a loop that carries one value through many steps (`for …: x = x * w +
//! b`) leaves in a graph. The classes of [`super::repeats`] cannot draw such steps once,
//! since each step takes the step before as an operand, so no two compute the same thing
//! from the same operands; drawn value by value, a loop of 20,000 steps is a figure
//! nobody opens.
//!
//! A run is an expression tree: computed values each used by one other value only, down to
//! the value they all feed (its result, used by many or by none), whose longest path (its
//! spine) holds at least [`MIN_SPINE`] values. It is drawn as one node together with the
//! leaves only it uses, except those of the spine's first value: a loop's starting values
//! stay in view. Values a caller keeps whole (a repeated computation's node) never join a
//! run, and a run stays inside one group.
//!
//! Every pass is a loop over a topological order: no recursion, whatever the graph's depth.

use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;
use petgraph::Direction;

use super::repeats::{Repeats, Shape};
use crate::graph::{self, ExportGraph};

/// The fewest values on a run's spine. Shorter trees are the formulas a script writes out
/// (a neuron's `w·x + b` is 2n + 1 values) and read well value by value.
pub(crate) const MIN_SPINE: usize = 32;

/// The longest step a run's spine is searched for: a loop body of up to this many values.
const MAX_PERIOD: usize = 8;

/// The values past the last whole step a periodic spine may end with (`loss = x * 2`
/// after the loop).
const MAX_TAIL: usize = 4;

/// `graph` partitioned into its runs, each one class, and every other value a class of its
/// own; `None` when it has no run. `keep(node)` names the values never put in a run,
/// `group(node)` the group a value is drawn in.
pub(crate) fn find(
    graph: &ExportGraph,
    keep: impl Fn(NodeIndex) -> bool,
    group: impl Fn(NodeIndex) -> Option<usize>,
) -> Option<Repeats> {
    let order = super::topological_order(graph);
    let computed = |n: NodeIndex| !graph[n].op.is_leaf() && !keep(n);
    let next: Vec<Option<NodeIndex>> = graph
        .node_indices()
        .map(|n| {
            only_user(graph, n).filter(|&u| computed(n) && computed(u) && group(u) == group(n))
        })
        .collect();
    let spine = Spine::of(graph, &order, &next);
    let root = roots(graph, &order, &next);
    let first_links: BTreeMap<NodeIndex, NodeIndex> = graph
        .node_indices()
        .filter(|&n| computed(n) && next[n.index()].is_none())
        .filter(|&n| spine.length[n.index()] >= MIN_SPINE)
        .map(|n| (n, spine.path(n)[0]))
        .collect();
    if first_links.is_empty() {
        return None;
    }
    let run_of = |n: NodeIndex| -> Option<NodeIndex> {
        if computed(n) {
            return root[n.index()].filter(|r| first_links.contains_key(r));
        }
        // A leaf joins the run of its only user, unless it starts the run.
        let user = only_user(graph, n).filter(|_| graph[n].op.is_leaf() && !keep(n))?;
        let run = root[user.index()].filter(|r| first_links.get(r) != Some(&user))?;
        (first_links.contains_key(&run) && group(user) == group(n)).then_some(run)
    };
    Some(partition(graph, &order, run_of, &spine, &first_links))
}

/// The one value `node` is an operand of (however many times), if it has exactly one user.
fn only_user(graph: &ExportGraph, node: NodeIndex) -> Option<NodeIndex> {
    let mut users = graph.neighbors_directed(node, Direction::Outgoing);
    let first = users.next()?;
    users.all(|u| u == first).then_some(first)
}

/// By node index, the result of the expression tree a computed value belongs to.
fn roots(
    graph: &ExportGraph,
    order: &[NodeIndex],
    next: &[Option<NodeIndex>],
) -> Vec<Option<NodeIndex>> {
    let mut root = vec![None; graph.node_count()];
    // Users come before their operands in this walk, so a user's root is known.
    for &node in order.iter().rev() {
        root[node.index()] = match next[node.index()] {
            Some(user) => root[user.index()],
            None => Some(node),
        };
    }
    root
}

/// The longest path into each value through values used only by the next.
struct Spine {
    /// By node index: how many values the longest such path ending there holds.
    length: Vec<usize>,
    /// By node index: the value before it on that path (the first operand on a tie).
    before: Vec<Option<NodeIndex>>,
}

impl Spine {
    fn of(graph: &ExportGraph, order: &[NodeIndex], next: &[Option<NodeIndex>]) -> Spine {
        let mut length = vec![1; graph.node_count()];
        let mut before = vec![None; graph.node_count()];
        for &node in order {
            for operand in graph::operands(graph, node) {
                let longer = length[operand.index()] + 1 > length[node.index()];
                if next[operand.index()] == Some(node) && longer {
                    length[node.index()] = length[operand.index()] + 1;
                    before[node.index()] = Some(operand);
                }
            }
        }
        Spine { length, before }
    }

    /// The values along the spine ending at `result`, first to last.
    fn path(&self, result: NodeIndex) -> Vec<NodeIndex> {
        let mut path = vec![result];
        while let Some(&link) = path.last() {
            match self.before[link.index()] {
                Some(previous) => path.push(previous),
                None => break,
            }
        }
        path.reverse();
        path
    }
}

/// The classes: each run one, numbered with every other value by its first value in
/// `order`.
fn partition(
    graph: &ExportGraph,
    order: &[NodeIndex],
    run_of: impl Fn(NodeIndex) -> Option<NodeIndex>,
    spine: &Spine,
    first_links: &BTreeMap<NodeIndex, NodeIndex>,
) -> Repeats {
    let (mut repeats, units) =
        Repeats::by_key(graph.node_count(), order, |n| run_of(n).unwrap_or(n));
    for (class, unit) in repeats.classes.iter_mut().zip(units) {
        class.results = vec![unit];
        if first_links.contains_key(&unit) {
            let ops: Vec<String> = spine
                .path(unit)
                .iter()
                .map(|&link| graph[link].op.to_string())
                .collect();
            class.shape = steps(&ops);
        }
    }
    repeats
}

/// What a spine with these ops does: so many steps of a loop body, when its ops repeat
/// with a period of at most [`MAX_PERIOD`], else a run of so many values.
fn steps(ops: &[String]) -> Shape {
    let body = (1..=MAX_PERIOD).find_map(|period| {
        let repeated = ops
            .iter()
            .enumerate()
            .take_while(|&(i, op)| *op == ops[i % period])
            .count();
        (repeated >= 2 * period && repeated + MAX_TAIL >= ops.len())
            .then(|| (period, repeated / period))
    });
    match body {
        Some((period, count)) => Shape::Steps {
            count,
            body: ops[..period].to_vec(),
        },
        None => {
            let mut used = ops.to_vec();
            used.sort();
            used.dedup();
            Shape::Run {
                values: ops.len(),
                ops: used,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeInfo;

    fn add(graph: &mut ExportGraph, op: &str, label: &str, operands: &[NodeIndex]) -> NodeIndex {
        let id = graph.node_count() as u64;
        let node = graph.add_node(NodeInfo {
            id,
            op: op.into(),
            label: label.into(),
            ..NodeInfo::default()
        });
        for (position, &o) in operands.iter().enumerate() {
            graph.add_edge(o, node, position);
        }
        node
    }

    /// `x = x * w{i} + b{i}` for `steps` steps, from a leaf `x`.
    fn carried(steps: usize) -> (ExportGraph, NodeIndex, NodeIndex) {
        let mut graph = ExportGraph::new();
        let start = add(&mut graph, "", "x", &[]);
        let mut x = start;
        for i in 0..steps {
            let w = add(&mut graph, "", &format!("w{i}"), &[]);
            let product = add(&mut graph, "*", "", &[x, w]);
            let b = add(&mut graph, "", &format!("b{i}"), &[]);
            x = add(&mut graph, "+", &format!("x#{}", i + 1), &[product, b]);
        }
        (graph, start, x)
    }

    #[test]
    fn a_loop_carrying_one_value_is_one_run_of_its_steps() {
        let (graph, start, result) = carried(1_000);
        let runs = find(&graph, |_| false, |_| None).expect("a run");
        let run = &runs.classes[runs.class_of[result.index()]];
        assert_eq!(run.results, vec![result]);
        let body = vec!["*".to_string(), "+".to_string()];
        assert_eq!(run.shape, Shape::Steps { count: 1_000, body });
        // Every value but the loop's start and the first step's weight.
        assert_eq!(run.members.len(), graph.node_count() - 2);
        assert_ne!(runs.class_of[start.index()], runs.class_of[result.index()]);
        assert_eq!(runs.classes.len(), 3);
    }

    #[test]
    fn a_short_formula_is_no_run() {
        let (graph, _, _) = carried(MIN_SPINE / 2 - 1);
        assert_eq!(find(&graph, |_| false, |_| None), None);
    }

    #[test]
    fn a_value_used_twice_ends_a_run_and_kept_values_never_join_one() {
        let (mut graph, _, result) = carried(100);
        let middle = graph
            .node_indices()
            .find(|&n| graph[n].label == "x#50")
            .unwrap();
        add(&mut graph, "tanh", "seen", &[middle]);
        let runs = find(&graph, |_| false, |_| None).expect("runs");
        let before = &runs.classes[runs.class_of[middle.index()]];
        assert_eq!(before.results, vec![middle]);
        assert!(matches!(before.shape, Shape::Steps { count: 50, .. }));
        assert_ne!(runs.class_of[middle.index()], runs.class_of[result.index()]);
        assert_eq!(find(&graph, |n| n.index() % 7 == 3, |_| None), None);
    }

    #[test]
    fn a_spine_whose_ops_do_not_repeat_is_a_run_of_values() {
        let ops: Vec<String> = (0..40).map(|i| ["tanh", "exp"][i / 20].into()).collect();
        let all = ["exp", "tanh"].map(String::from).to_vec();
        assert_eq!(
            steps(&ops),
            Shape::Run {
                values: 40,
                ops: all
            }
        );
        let body = vec!["*".to_string(), "+".to_string()];
        let mut tail: Vec<String> = body.iter().cycle().take(40).cloned().collect();
        tail.push("tanh".into());
        assert_eq!(steps(&tail), Shape::Steps { count: 20, body });
    }

    #[test]
    fn a_million_steps_need_no_recursion() {
        let (graph, _, result) = carried(1_000_000);
        let runs = find(&graph, |_| false, |_| None).expect("a run");
        let run = &runs.classes[runs.class_of[result.index()]];
        assert!(matches!(
            run.shape,
            Shape::Steps {
                count: 1_000_000,
                ..
            }
        ));
    }
}
