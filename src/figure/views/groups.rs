//! The group tree an overview folds by, and each value's place in it. Two sources:
//!
//! - **scopes** ([`NodeInfo::scope`](crate::graph::NodeInfo::scope)), when the input recorded them: a value made in a
//!   module's call or constructor is in the group of that module object and of every object
//!   around it (`MLP0`, `MLP0.l0`, `MLP0.l0.n3`). A group is an object, not a call: the
//!   values the same neuron made for each of 100 examples are one group that stands for
//!   100 calls ([`Groups::calls`]). A value made outside every module is at top level.
//!   When every module value is made inside one outermost object (the model), that object
//!   is no group: the model's layers are the top groups, as its labels' `l0` is;
//! - **labels**, for a graph without scopes (another engine's JSON): a label `l0.n1.w0` puts
//!   its value in the groups `l0` and `l0.n1` (every proper prefix that ends before a `.`;
//!   empty prefixes are skipped). An unlabelled value has no label to go by, so it is placed
//!   by its neighbours, decided here so that micrograd's networks read right:
//!   - a computed value goes to the innermost group shared by those operands whose own labels
//!     name a group (the parameters: `w * x` sits in `w`'s neuron even when `x` comes from
//!     another layer); when no operand has such a label, to the innermost group shared by all
//!     operands' places, an unlabelled leaf counting as top level. So a neuron's products,
//!     sums and ReLU land in `l0.n1`, while `out - 1.0` (a neuron's output and a constant) is
//!     drawn outside the neuron, with the loss;
//!   - an unlabelled leaf (a constant such as the `x` of `w * x`) goes to the innermost group
//!     shared by the values that use it;
//!   - a labelled value without a group (`x1`, `loss`) is at top level.
//!
//! Only the first [`defaults::MAX_GROUP_DEPTH`] levels count, from either source. Every pass
//! is a loop over a topological order or over the values: no recursion, whatever the graph's
//! depth.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;
use petgraph::Direction;

use super::defaults;
use crate::graph::{self, ExportGraph, ScopeStep};

/// The group tree and each value's place in it.
pub(crate) struct Groups {
    /// By group: its name as a figure shows it (`l0.n1`, `MLP0.l0`).
    pub names: Vec<String>,
    /// By group: the group around it.
    pub parent: Vec<Option<usize>>,
    /// By group: how deep it is nested, from 1.
    pub depth: Vec<usize>,
    /// By group: how many calls of its module object made its values (`None` for label
    /// groups and for an object whose values all came from its constructor).
    pub calls: Vec<Option<usize>>,
    /// By export node index: the innermost group the value is drawn in (`None`: top level).
    pub place: Vec<Option<usize>>,
}

impl Groups {
    /// Builds the tree from the values' scopes when any value has one, else from the labels,
    /// and places every value (see the module comment).
    pub fn of(graph: &ExportGraph) -> Groups {
        if graph.node_weights().any(|info| info.scope.is_some()) {
            Groups::from_scopes(graph)
        } else {
            Groups::of_labels(graph)
        }
    }

    /// The tree of module objects and calls the scopes record.
    fn from_scopes(graph: &ExportGraph) -> Groups {
        let mut groups = Groups::empty(graph.node_count());
        // A group is one module object inside one object around it: its path of steps
        // without their calls.
        let mut by_path: BTreeMap<Vec<(&str, &str, u32)>, usize> = BTreeMap::new();
        let mut calls: BTreeSet<(usize, u32)> = BTreeSet::new();
        let skip = usize::from(one_outermost_object(graph));
        for (index, info) in graph.node_weights().enumerate() {
            let steps = info.scope.as_deref().unwrap_or_default();
            let steps = steps.get(skip..).unwrap_or_default();
            let mut path = Vec::new();
            let mut innermost = None;
            for step in steps.iter().take(defaults::MAX_GROUP_DEPTH) {
                path.push((step.kind.as_str(), step.name.as_str(), step.object));
                let g = match by_path.get(&path) {
                    Some(&g) => g,
                    None => {
                        let g = groups.add(scope_name(&groups, innermost, step), innermost);
                        by_path.insert(path.clone(), g);
                        g
                    }
                };
                if let Some(call) = step.call {
                    calls.insert((g, call));
                }
                innermost = Some(g);
            }
            groups.place[index] = innermost;
        }
        for (g, _) in calls {
            *groups.calls[g].get_or_insert(0) += 1;
        }
        groups
    }

    fn empty(values: usize) -> Groups {
        Groups {
            names: Vec::new(),
            parent: Vec::new(),
            depth: Vec::new(),
            calls: Vec::new(),
            place: vec![None; values],
        }
    }

    /// A new group named `name` inside `parent`.
    fn add(&mut self, name: String, parent: Option<usize>) -> usize {
        let g = self.names.len();
        self.names.push(name);
        self.parent.push(parent);
        self.depth.push(parent.map_or(1, |p| self.depth[p] + 1));
        self.calls.push(None);
        g
    }

    /// Builds the tree from the labels and places every value (see the module comment).
    pub fn of_labels(graph: &ExportGraph) -> Groups {
        let mut groups = Groups::empty(graph.node_count());
        let mut by_name = BTreeMap::new();
        let named: Vec<Option<usize>> = graph
            .node_weights()
            .map(|info| groups.intern(&info.label, &mut by_name))
            .collect();
        let mut constants = Vec::new();
        for index in super::topological_order(graph) {
            let operands = graph::operands(graph, index);
            groups.place[index.index()] = if !graph[index].label.is_empty() {
                named[index.index()]
            } else if operands.is_empty() {
                constants.push(index);
                None
            } else {
                groups.place_computed(&operands, &named)
            };
        }
        for index in constants {
            let users: Vec<Option<usize>> = graph
                .neighbors_directed(index, Direction::Outgoing)
                .map(|u| groups.place[u.index()])
                .collect();
            groups.place[index.index()] = groups.common_of(users.into_iter());
        }
        groups
    }

    /// The group of an unlabelled computed value: the innermost group shared by the operands
    /// whose labels name one, else by all operands' places.
    fn place_computed(&self, operands: &[NodeIndex], named: &[Option<usize>]) -> Option<usize> {
        let labelled: Vec<Option<usize>> = operands
            .iter()
            .filter_map(|o| named[o.index()].map(Some))
            .collect();
        if labelled.is_empty() {
            self.common_of(operands.iter().map(|o| self.place[o.index()]))
        } else {
            self.common_of(labelled.into_iter())
        }
    }

    /// The innermost group a label names, creating it and its ancestors.
    fn intern(&mut self, label: &str, by_name: &mut BTreeMap<String, usize>) -> Option<usize> {
        let mut innermost = None;
        for (end, _) in label.match_indices('.') {
            let name = &label[..end];
            if name.is_empty() {
                continue;
            }
            if innermost.is_some_and(|g| self.depth[g] >= defaults::MAX_GROUP_DEPTH) {
                break;
            }
            innermost = Some(match by_name.get(name) {
                Some(&g) => g,
                None => {
                    let g = self.add(name.to_string(), innermost);
                    by_name.insert(name.to_string(), g);
                    g
                }
            });
        }
        innermost
    }

    /// The innermost group containing all of `places` (`None` if any is top level).
    pub fn common_of(&self, mut places: impl Iterator<Item = Option<usize>>) -> Option<usize> {
        let first = places.next()?;
        places.fold(first, |a, b| self.common(a, b))
    }

    fn common(&self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        let (mut a, mut b) = (a?, b?);
        while a != b {
            if self.depth[a] >= self.depth[b] {
                a = self.parent[a]?;
            } else {
                b = self.parent[b]?;
            }
        }
        Some(a)
    }

    /// For every group, its ancestor (or itself) at `depth`, if it is that deep.
    pub fn ancestors_at(&self, depth: usize) -> Vec<Option<usize>> {
        let mut at: Vec<Option<usize>> = Vec::with_capacity(self.names.len());
        for g in 0..self.names.len() {
            at.push(match self.depth[g].cmp(&depth) {
                std::cmp::Ordering::Less => None,
                std::cmp::Ordering::Equal => Some(g),
                // A parent is interned before its children, so its entry is already there.
                std::cmp::Ordering::Greater => self.parent[g].and_then(|p| at[p]),
            });
        }
        at
    }

    /// The outermost group holding group `g` (bounded by [`defaults::MAX_GROUP_DEPTH`]).
    pub fn top(&self, mut g: usize) -> usize {
        while let Some(parent) = self.parent[g] {
            g = parent;
        }
        g
    }

    pub fn max_depth(&self) -> usize {
        self.depth.iter().copied().max().unwrap_or(0)
    }
}

/// A scope group's name: its step's name inside its parent's (`MLP0.l0.n3`).
fn scope_name(groups: &Groups, parent: Option<usize>, step: &ScopeStep) -> String {
    match parent {
        Some(p) => format!("{}.{}", groups.names[p], step.name),
        None => step.name.clone(),
    }
}

/// True when every value with a scope was made inside the same outermost module object.
fn one_outermost_object(graph: &ExportGraph) -> bool {
    let mut outermost = graph
        .node_weights()
        .filter_map(|info| info.scope.as_deref().and_then(<[ScopeStep]>::first))
        .map(|step| step.object);
    match outermost.next() {
        Some(first) => outermost.all(|object| object == first),
        None => false,
    }
}
