//! Ranks: which layer each node sits in.
//!
//! Longest-path ranking over a topological order puts every node as early as its inputs
//! allow, which leaves inputs used late (a constant, a batch row joining a running sum) far
//! from their use, with a long edge each. The improvement pass walks the order backwards and
//! moves a node to just before its earliest successor when its out-edges outnumber the
//! in-edges that would grow: in-edges from a node with a single successor do not count, since
//! that node follows in turn. A pass that makes the total edge length worse is undone.
//!
//! Running sums are the case pulling cannot fix: `sum(...)` over a batch is a left fold, so
//! the k-th term joins the chain 2k ranks after it is computed, and the terms cannot move
//! towards their use without dragging the shared weights' edges along (B² dummies for B
//! rows either way). Such chains are folded instead: where a node joins a chain (two inputs,
//! one of them the chain's previous node, used nowhere else) and its other input arrives at
//! least [`FOLD_MIN_SPAN`] ranks earlier, the chain edge is laid out reversed. Ranked again,
//! every step of the sum then sits one rank after its term, and the chain zig-zags between
//! two ranks as a ladder. The fold is kept only when it shortens the edges in total.

use std::collections::VecDeque;

/// The rank of each node.
pub(super) struct Ranking {
    /// The rank of each node, from 0; the ends of an edge never share a rank.
    pub(super) rank: Vec<u32>,
}

impl Ranking {
    /// True when the edge (a, b) is laid out from b to a: reversed to break a cycle, or a
    /// folded chain's step back.
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

/// A chain's side input at least this many ranks before the join is folded: long
/// running sums fold, the short sums inside a neuron (whose ladders cost crossings) do not.
const FOLD_MIN_SPAN: u32 = 10;

/// Ranks `n` nodes joined by `edges` (no self-loops, indices in range).
pub(super) fn rank(n: usize, edges: &[(usize, usize)], improve: bool) -> Ranking {
    let as_given = vec![false; edges.len()];
    let first = rank_with(n, edges, &as_given, improve);
    if !improve {
        return first;
    }
    // Chains are found on plain longest-path ranks: pulling moves a term's long edge up
    // into its row, where it no longer shows as a late join.
    let plain = rank_with(n, edges, &as_given, false);
    let folded = chain_folds(n, edges, &plain.rank);
    if !folded.contains(&true) {
        return first;
    }
    let second = rank_with(n, edges, &folded, improve);
    if total_length(&second.rank, edges) < total_length(&first.rank, edges) {
        second
    } else {
        first
    }
}

/// Ranks with inputs pulled towards their use, as [`rank`] does, but no chain folded.
pub(super) fn rank_unfolded(n: usize, edges: &[(usize, usize)]) -> Ranking {
    rank_with(n, edges, &vec![false; edges.len()], true)
}

/// Ranks with the edges marked in `flip` laid out reversed.
fn rank_with(n: usize, edges: &[(usize, usize)], flip: &[bool], improve: bool) -> Ranking {
    let directed: Vec<(usize, usize)> = edges
        .iter()
        .zip(flip)
        .map(|(&(a, b), &f)| if f { (b, a) } else { (a, b) })
        .collect();
    let order = topological_order(n, &directed);
    let mut topo = vec![0u32; n];
    for (place, &v) in order.iter().enumerate() {
        topo[v as usize] = place as u32;
    }
    let forward: Vec<(usize, usize)> = directed
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

/// The chain edges to lay out reversed: into a node with exactly two inputs, from the input
/// that has no other use and arrives last, when the other input is far earlier, and only in
/// runs of two or more steps of the same chain (a single late join is left as it is).
fn chain_folds(n: usize, edges: &[(usize, usize)], rank: &[u32]) -> Vec<bool> {
    let adjacency = Adjacency::new(n, edges);
    let mut candidate = vec![false; edges.len()];
    // The candidate edge leaving each node, to find the next step of a chain.
    let mut candidate_from: Vec<Option<usize>> = vec![None; n];
    for (e, &(p, q)) in edges.iter().enumerate() {
        let preds = adjacency.preds(q);
        if preds.len() != 2 || adjacency.succs(p).len() != 1 || rank[p] >= rank[q] {
            continue;
        }
        let Some(u) = preds.iter().map(|&u| u as usize).find(|&u| u != p) else {
            continue;
        };
        if rank[u] < rank[p] && rank[q].saturating_sub(rank[u]) >= FOLD_MIN_SPAN {
            candidate[e] = true;
            candidate_from[p] = Some(e);
        }
    }
    // The next step: the join's single successor (the chain's next value) folds too.
    let next_step = |q: usize| match adjacency.succs(q) {
        [s] => candidate_from[*s as usize],
        _ => None,
    };
    let mut fold = vec![false; edges.len()];
    for (e, &(_, q)) in edges.iter().enumerate() {
        if candidate[e] {
            if let Some(next) = next_step(q) {
                fold[e] = true;
                fold[next] = true;
            }
        }
    }
    fold
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
