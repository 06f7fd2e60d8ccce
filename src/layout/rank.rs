//! Ranks: which layer each node sits in.
//!
//! Longest-path ranking over a topological order puts every node as early as its inputs
//! allow, which leaves inputs used late (a constant, a batch row joining a running sum) far
//! from their use, with a long edge each. The improvement pass walks the order backwards and
//! moves a node to just before its earliest successor when its out-edges outnumber the
//! in-edges that would grow: in-edges from a node with a single successor do not count, since
//! that node follows in turn. A pass that makes the total edge length worse is undone.
//!
//! Edges are never laid out against the rank direction except to break a cycle: a running
//! sum (a left fold over a batch) keeps its long edges, as in `dot`, rather than being
//! folded into a ladder whose steps point back.

use std::collections::VecDeque;

/// The rank of each node.
pub(super) struct Ranking {
    /// The rank of each node, from 0; the ends of an edge never share a rank.
    pub(super) rank: Vec<u32>,
}

impl Ranking {
    /// True when the edge (a, b) is laid out from b to a: reversed to break a cycle.
    pub(super) fn reversed(&self, (a, b): (usize, usize)) -> bool {
        self.rank[a] > self.rank[b]
    }

    /// The edge's span in ranks (at least 1).
    pub(super) fn span(&self, (a, b): (usize, usize)) -> usize {
        self.rank[a].abs_diff(self.rank[b]) as usize
    }

    pub(super) fn longest_span(&self, edges: &[(usize, usize)]) -> usize {
        edges.iter().map(|&e| self.span(e)).max().unwrap_or(0)
    }

    pub(super) fn reversed_count(&self, edges: &[(usize, usize)]) -> usize {
        edges.iter().filter(|&&e| self.reversed(e)).count()
    }
}

/// Ranks `n` nodes joined by `edges` (no self-loops, indices in range).
pub(super) fn rank(n: usize, edges: &[(usize, usize)], improve: bool) -> Ranking {
    let order = topological_order(n, edges);
    let mut topo = vec![0u32; n];
    for (place, &v) in order.iter().enumerate() {
        topo[v as usize] = place as u32;
    }
    let forward: Vec<(usize, usize)> = edges
        .iter()
        .map(|&(a, b)| if topo[a] > topo[b] { (b, a) } else { (a, b) })
        .collect();
    let adjacency = Adjacency::new(n, &forward);
    let mut rank = longest_path(&order, &adjacency);
    if improve {
        let before = total_length(&rank, &forward);
        let saved = rank.clone();
        pull_towards_use(&order, &adjacency, &mut rank);
        if total_length(&rank, &forward) > before {
            rank = saved;
        }
    }
    Ranking { rank }
}

/// Kahn's algorithm; when only cycles are left, the earliest remaining node is taken as if
/// its remaining in-edges were reversed.
fn topological_order(n: usize, edges: &[(usize, usize)]) -> Vec<u32> {
    let adjacency = Adjacency::new(n, edges);
    let mut indegree: Vec<u32> = (0..n).map(|v| adjacency.preds(v).len() as u32).collect();
    let mut done = vec![false; n];
    let mut queue: VecDeque<u32> = (0..n as u32)
        .filter(|&v| indegree[v as usize] == 0)
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut next_forced = 0usize;
    while order.len() < n {
        let v = match queue.pop_front() {
            Some(v) => v as usize,
            None => {
                while done[next_forced] {
                    next_forced += 1;
                }
                next_forced
            }
        };
        if done[v] {
            continue;
        }
        done[v] = true;
        order.push(v as u32);
        for &s in adjacency.succs(v) {
            let s = s as usize;
            indegree[s] = indegree[s].saturating_sub(1);
            if indegree[s] == 0 && !done[s] {
                queue.push_back(s as u32);
            }
        }
    }
    order
}

fn longest_path(order: &[u32], adjacency: &Adjacency) -> Vec<u32> {
    let mut rank = vec![0u32; order.len()];
    for &v in order {
        let v = v as usize;
        for &s in adjacency.succs(v) {
            rank[s as usize] = rank[s as usize].max(rank[v] + 1);
        }
    }
    rank
}

fn pull_towards_use(order: &[u32], adjacency: &Adjacency, rank: &mut [u32]) {
    for &v in order.iter().rev() {
        let v = v as usize;
        let succs = adjacency.succs(v);
        let Some(earliest) = succs.iter().map(|&s| rank[s as usize]).min() else {
            continue;
        };
        if earliest <= rank[v] + 1 {
            continue;
        }
        let anchored = adjacency
            .preds(v)
            .iter()
            .filter(|&&p| adjacency.succs(p as usize).len() > 1)
            .count();
        if succs.len() > anchored {
            rank[v] = earliest - 1;
        }
    }
}

fn total_length(rank: &[u32], edges: &[(usize, usize)]) -> u64 {
    edges
        .iter()
        .map(|&(a, b)| u64::from(rank[a].abs_diff(rank[b])))
        .sum()
}

/// Predecessor and successor lists in two flat arrays (compressed rows).
pub(super) struct Adjacency {
    succ_start: Vec<u32>,
    succ: Vec<u32>,
    pred_start: Vec<u32>,
    pred: Vec<u32>,
}

impl Adjacency {
    pub(super) fn new(n: usize, edges: &[(usize, usize)]) -> Self {
        let (succ_start, succ) = rows(n, edges.iter().map(|&(a, b)| (a, b)));
        let (pred_start, pred) = rows(n, edges.iter().map(|&(a, b)| (b, a)));
        Adjacency {
            succ_start,
            succ,
            pred_start,
            pred,
        }
    }

    pub(super) fn succs(&self, v: usize) -> &[u32] {
        &self.succ[self.succ_start[v] as usize..self.succ_start[v + 1] as usize]
    }

    pub(super) fn preds(&self, v: usize) -> &[u32] {
        &self.pred[self.pred_start[v] as usize..self.pred_start[v + 1] as usize]
    }
}

/// Rows of a compressed adjacency, each row's entries in edge order.
fn rows(n: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for (from, _) in pairs.clone() {
        start[from + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut entries = vec![0u32; start[n] as usize];
    for (from, to) in pairs {
        entries[fill[from] as usize] = to as u32;
        fill[from] += 1;
    }
    (start, entries)
}
