//! The layered graph: the input's nodes plus one dummy node per rank an edge skips, each
//! edge a chain of unit-length segments; the layers (ranks) as ordered lists; and the
//! bands clusters are drawn in.
//!
//! A band ("slot") holds the nodes a cluster owns directly (not through a nested cluster).
//! Slots are numbered in pre-order of the cluster tree (a cluster's own nodes, then its
//! nested clusters, the last one first, as Graphviz stacks them; the top level is the root), and every rank is kept
//! sorted by slot, so each cluster's members stay together in every rank and in the same
//! order across ranks. A dummy node belongs to the slot of the innermost cluster holding both
//! ends of its edge.

use super::rank::Ranking;
use super::{Direction, Graph, Options};

pub(super) struct Layered {
    /// Input nodes come first, dummies after them.
    pub(super) real: usize,
    pub(super) rank: Vec<u32>,
    /// Each node's size across the ranks and along them.
    pub(super) cross_size: Vec<f64>,
    pub(super) rank_size: Vec<f64>,
    pub(super) slot: Vec<u32>,
    /// Neighbours of the input nodes in the previous and the next rank.
    real_preds: Vec<Vec<u32>>,
    real_succs: Vec<Vec<u32>>,
    /// The one neighbour of each dummy in the previous and the next rank: a dummy costs two
    /// numbers here, not two lists (a large graph's long edges have millions of dummies).
    dummy_pred: Vec<u32>,
    dummy_succ: Vec<u32>,
    /// Each rank's nodes in order, and each node's place in its rank.
    pub(super) layers: Vec<Vec<u32>>,
    pub(super) pos: Vec<u32>,
    /// Each input edge (after filtering) as its chain of nodes.
    pub(super) chains: Vec<Chain>,
    pub(super) clusters: ClusterTree,
}

impl Layered {
    pub(super) fn build(
        graph: &Graph,
        edges: &[(usize, usize)],
        ranking: &Ranking,
        options: &Options,
    ) -> Self {
        let real = graph.nodes.len();
        let clusters = ClusterTree::new(graph, options.direction);
        let (cross_size, rank_size) = super::node_sizes(graph, options.direction);
        let slot: Vec<u32> = graph
            .nodes
            .iter()
            .map(|n| clusters.slot_of(n.cluster))
            .collect();
        let mut layered = Layered {
            real,
            rank: ranking.rank.clone(),
            cross_size,
            rank_size,
            slot,
            real_preds: vec![Vec::new(); real],
            real_succs: vec![Vec::new(); real],
            dummy_pred: Vec::new(),
            dummy_succ: Vec::new(),
            layers: Vec::new(),
            pos: Vec::new(),
            chains: Vec::with_capacity(edges.len()),
            clusters,
        };
        for &(a, b) in edges {
            let (tail, head) = if ranking.reversed((a, b)) {
                (b, a)
            } else {
                (a, b)
            };
            let shared = layered
                .clusters
                .common_slot(graph.nodes[tail].cluster, graph.nodes[head].cluster);
            layered.add_chain(tail, head, shared, options.edge_sep);
            if let Some(chain) = layered.chains.last_mut() {
                chain.reversed = (tail, head) != (a, b);
            }
        }
        layered.fill_layers();
        layered
    }

    fn add_chain(&mut self, tail: usize, head: usize, slot: u32, thickness: f64) {
        let first = self.rank.len() as u32;
        let (low, high) = (self.rank[tail], self.rank[head]);
        let mut previous = tail as u32;
        for r in low + 1..high {
            let dummy = self.rank.len() as u32;
            self.rank.push(r);
            self.cross_size.push(thickness / 2.0);
            self.rank_size.push(0.0);
            self.slot.push(slot);
            self.dummy_pred.push(previous);
            self.dummy_succ.push(u32::MAX);
            self.link_forward(previous, dummy);
            previous = dummy;
        }
        self.link_forward(previous, head as u32);
        self.real_preds[head].push(previous);
        self.chains.push(Chain {
            tail: tail as u32,
            head: head as u32,
            first_dummy: first,
            dummies: high - low - 1,
            reversed: false,
        });
    }

    /// Records `next` as the successor of `v` (an input node or a dummy).
    fn link_forward(&mut self, v: u32, next: u32) {
        let v = v as usize;
        if self.is_dummy(v) {
            self.dummy_succ[v - self.real] = next;
        } else {
            self.real_succs[v].push(next);
        }
    }

    /// The neighbours of `v` in the previous rank.
    pub(super) fn preds(&self, v: usize) -> &[u32] {
        if self.is_dummy(v) {
            std::slice::from_ref(&self.dummy_pred[v - self.real])
        } else {
            &self.real_preds[v]
        }
    }

    /// The neighbours of `v` in the next rank.
    pub(super) fn succs(&self, v: usize) -> &[u32] {
        if self.is_dummy(v) {
            std::slice::from_ref(&self.dummy_succ[v - self.real])
        } else {
            &self.real_succs[v]
        }
    }

    /// Segments between adjacent ranks: every chain's links.
    pub(super) fn segments(&self) -> usize {
        self.real_succs.iter().map(Vec::len).sum::<usize>() + self.dummy_succ.len()
    }

    /// Layers in depth-first order from the sources (neighbours start out near each other,
    /// as in `dot`'s initial order), each sorted by slot.
    fn fill_layers(&mut self) {
        let ranks = self.rank.iter().max().map_or(0, |&r| r as usize + 1);
        self.layers = vec![Vec::new(); ranks];
        let n = self.rank.len();
        let mut seen = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let sources: Vec<usize> = (0..n).filter(|&v| self.preds(v).is_empty()).collect();
        for start in sources.into_iter().chain(0..n) {
            if seen[start] {
                continue;
            }
            seen[start] = true;
            stack.push(start as u32);
            while let Some(v) = stack.pop() {
                let v = v as usize;
                self.layers[self.rank[v] as usize].push(v as u32);
                for &s in self.succs(v).iter().rev() {
                    if !seen[s as usize] {
                        seen[s as usize] = true;
                        stack.push(s);
                    }
                }
            }
        }
        let slot = &self.slot;
        for layer in &mut self.layers {
            layer.sort_by_key(|&v| slot[v as usize]);
        }
        self.pos = vec![0; self.rank.len()];
        self.renumber();
    }

    /// Recomputes `pos` from `layers`.
    pub(super) fn renumber(&mut self) {
        for layer in &self.layers {
            for (i, &v) in layer.iter().enumerate() {
                self.pos[v as usize] = i as u32;
            }
        }
    }

    pub(super) fn is_dummy(&self, v: usize) -> bool {
        v >= self.real
    }

    pub(super) fn dummy_count(&self) -> usize {
        self.rank.len() - self.real
    }

    pub(super) fn len(&self) -> usize {
        self.rank.len()
    }
}

/// An edge as laid out: from its end in the lower rank through its dummies to the other.
pub(super) struct Chain {
    pub(super) tail: u32,
    pub(super) head: u32,
    pub(super) first_dummy: u32,
    pub(super) dummies: u32,
    /// The edge runs from `head` to `tail` in the input (reversed to break a cycle).
    pub(super) reversed: bool,
}

impl Chain {
    /// The chain's nodes from `tail` to `head`.
    pub(super) fn nodes(&self) -> impl Iterator<Item = usize> + '_ {
        let dummies = self.first_dummy as usize..(self.first_dummy + self.dummies) as usize;
        std::iter::once(self.tail as usize)
            .chain(dummies)
            .chain(std::iter::once(self.head as usize))
    }
}

/// The clusters' nesting, with the slot of each cluster's own nodes.
pub(super) struct ClusterTree {
    /// The effective parent of each cluster (a parent must have a smaller index).
    pub(super) parent: Vec<Option<usize>>,
    pub(super) depth: Vec<u32>,
    /// The slot of each cluster's own nodes; the root's slot is `root_slot`.
    pub(super) slot: Vec<u32>,
    pub(super) root_slot: u32,
    /// The cluster (`None`: the root) that owns each slot.
    pub(super) slot_owner: Vec<Option<usize>>,
}

impl ClusterTree {
    fn new(graph: &Graph, direction: Direction) -> Self {
        let count = graph.clusters.len();
        let mut parent = Vec::with_capacity(count);
        let mut depth: Vec<u32> = Vec::with_capacity(count);
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut top = Vec::new();
        for (c, cluster) in graph.clusters.iter().enumerate() {
            let p = cluster.parent.filter(|&p| p < c);
            parent.push(p);
            depth.push(p.map_or(1, |p| depth[p] + 1));
            match p {
                Some(p) => children[p].push(c),
                None => top.push(c),
            }
        }
        let mut slot = vec![0u32; count];
        let mut slot_owner = vec![None];
        // Siblings go where Graphviz puts them: across ranks that run sideways, the cluster
        // written last on top, so first; across ranks that run down, left to right as
        // written. A stack pops them last first.
        let last_first = matches!(direction, Direction::LeftToRight | Direction::RightToLeft);
        let stacked = |mut siblings: Vec<usize>| {
            if !last_first {
                siblings.reverse();
            }
            siblings
        };
        let mut stack: Vec<usize> = stacked(top);
        while let Some(c) = stack.pop() {
            slot[c] = slot_owner.len() as u32;
            slot_owner.push(Some(c));
            stack.extend(stacked(children[c].clone()));
        }
        ClusterTree {
            parent,
            depth,
            slot,
            root_slot: 0,
            slot_owner,
        }
    }

    fn slot_of(&self, cluster: Option<usize>) -> u32 {
        match cluster {
            Some(c) if c < self.slot.len() => self.slot[c],
            _ => self.root_slot,
        }
    }

    fn depth_of(&self, cluster: Option<usize>) -> u32 {
        cluster.map_or(0, |c| self.depth[c])
    }

    /// The innermost cluster holding both (`None`: the root).
    pub(super) fn common(&self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        let valid = |c: Option<usize>| c.filter(|&c| c < self.parent.len());
        let (mut a, mut b) = (valid(a), valid(b));
        while self.depth_of(a) > self.depth_of(b) {
            a = a.and_then(|c| self.parent[c]);
        }
        while self.depth_of(b) > self.depth_of(a) {
            b = b.and_then(|c| self.parent[c]);
        }
        while a != b {
            a = a.and_then(|c| self.parent[c]);
            b = b.and_then(|c| self.parent[c]);
        }
        a
    }

    fn common_slot(&self, a: Option<usize>, b: Option<usize>) -> u32 {
        self.slot_of(self.common(a, b))
    }

    /// (clusters left, clusters entered) going from the slot `from` to the slot `to`.
    pub(super) fn boundaries(&self, from: u32, to: u32) -> (u32, u32) {
        let a = self.slot_owner[from as usize];
        let b = self.slot_owner[to as usize];
        let shared = self.depth_of(self.common(a, b));
        (self.depth_of(a) - shared, self.depth_of(b) - shared)
    }

    pub(super) fn slots(&self) -> usize {
        self.slot_owner.len()
    }
}
