//! Ranks: which layer each node sits in.
//!
//! Longest-path ranking over a topological order puts every node as early as its inputs
//! allow, which leaves inputs used late (a constant, a batch row joining a running sum) far
//! from their use, with a long edge each. The improvement pass walks the order backwards and
//! moves a node to just before its earliest successor when its out-edges outnumber the
//! in-edges that would grow: in-edges from a node with a single successor do not count, since
//! that node follows in turn. A pass that makes the total edge length worse is undone.
//! Then a second pass, exact where the first guesses, moves a node to just before its
//! earliest successor only when it has at least as many out-edges as in-edges, so that no
//! move lengthens the edges: it keeps what the first pass got right and, where that pass
//! was undone, still brings inputs (a batch row's target, weights shared by every row) next
//! to their uses. A third pass moves a node with the inputs that can follow it (each of
//! their other uses can go as late), which no single node's move finds: a layer's products
//! of shared weights and values go next to the sums that use them. It too is undone when it
//! does not shorten the edges.
//!
//! Edges are never laid out against the rank direction except to break a cycle: a running
//! sum (a left fold over a batch) keeps its long edges, as in `dot`, rather than being
//! folded into a ladder whose steps point back.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

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
        pull_strictly(&order, &adjacency, &mut rank);
        let before = total_length(&rank, &forward);
        let saved = rank.clone();
        pull_with_inputs(&order, &adjacency, &mut rank);
        if total_length(&rank, &forward) >= before {
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

/// The rank of `v`'s earliest use, when there is a rank between them for `v` to move into:
/// what each pull towards use starts from.
fn room_before_use(adjacency: &Adjacency, rank: &[u32], v: usize) -> Option<u32> {
    let earliest = adjacency.succs(v).iter().map(|&s| rank[s as usize]).min()?;
    (earliest > rank[v] + 1).then_some(earliest)
}

fn pull_towards_use(order: &[u32], adjacency: &Adjacency, rank: &mut [u32]) {
    for &v in order.iter().rev() {
        let v = v as usize;
        let Some(earliest) = room_before_use(adjacency, rank, v) else {
            continue;
        };
        let succs = adjacency.succs(v);
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

/// Moves a node to just before its earliest successor when it has at least as many
/// out-edges as in-edges (a source always), walking the order backwards so that a node sees
/// where its successors went. No move lengthens the edges in total, whatever the other
/// nodes do; one that changes nothing by itself (one edge in, one out) lets its input
/// follow.
///
/// The 9,918-value MLP loss: [`pull_towards_use`] would drag every row towards its term of
/// the running sum and lengthen more than it saves, so it is undone, and that left the
/// later layers' shared weights and the 130 targets in rank 0 with 3,900 long edges through
/// the first ranks (rank 0 held 1,208 nodes, the figure was 421,739 pt high); moved,
/// 184,170 pt. With micrograd's L2 term, each weight's square `p*p` is one such chain
/// (the product, then its term of the sum over every parameter): only once the chain moves
/// to its term can the weight move next to the rows that use it (an MLP(2, [8, 8, 1]) over
/// 24 rows, 5,408 values: mean edge length 6,322 -> 3,516 pt, `dot` 2,418).
fn pull_strictly(order: &[u32], adjacency: &Adjacency, rank: &mut [u32]) {
    for &v in order.iter().rev() {
        let v = v as usize;
        let Some(earliest) = room_before_use(adjacency, rank, v) else {
            continue;
        };
        if adjacency.succs(v).len() >= adjacency.preds(v).len() {
            rank[v] = earliest - 1;
        }
    }
}

/// Moves a node to just before its earliest successor when that shortens the edges, counting
/// the inputs that can follow it: an input follows when every other use it has can go as
/// late (a shared weight whose every product moves alike), and then costs its own in-edges'
/// growth, shared among its uses. One node at a time, a product of two shared inputs never
/// moves (each input is held by the other products); judged with its inputs following, the
/// products of a value that a whole layer uses go next to the sums that use them, and the
/// value and the weights after them.
///
/// MLP(2, [8, 8, 1]) with micrograd's L2 term over 24 rows, 5,408 values: the second layer's
/// 1,536 products sat in two ranks right after their inputs, each with a long edge to its
/// term of the neuron's sum (1,026 nodes in the fullest rank; mean edge length 3,516 pt,
/// `dot` 2,418).
fn pull_with_inputs(order: &[u32], adjacency: &Adjacency, rank: &mut [u32]) {
    let room = UseRoom::new(adjacency, rank);
    for &v in order.iter().rev() {
        let v = v as usize;
        let Some(earliest) = room_before_use(adjacency, rank, v) else {
            continue;
        };
        let to = earliest - 1;
        let mut change = -f64::from(to - rank[v]) * adjacency.succs(v).len() as f64;
        for &p in adjacency.preds(v) {
            change += follower_cost(adjacency, rank, &room, p as usize, v, to);
        }
        if change < 0.0 {
            rank[v] = to;
        }
    }
}

/// What the edge from `p` into `v` adds when `v` moves to rank `to`: its growth when `p`
/// stays, or when `p` can follow to just before `to`, the edge's shortening plus `p`'s
/// in-edges' growth shared among its uses.
fn follower_cost(
    adjacency: &Adjacency,
    rank: &[u32],
    room: &UseRoom,
    p: usize,
    v: usize,
    to: u32,
) -> f64 {
    if room.latest_but(p, v) < to {
        return f64::from(to - rank[v]);
    }
    let moved = f64::from((to - 1).saturating_sub(rank[p]));
    let edge = 1.0 - f64::from(rank[v] - rank[p]);
    let ins = adjacency.preds(p).len() as f64;
    edge + moved * ins / adjacency.succs(p).len() as f64
}

/// For each node, how late its uses can go (each to just before its own earliest use; a
/// sink stays), as the two latest bounds over its uses: whether an input can follow one use
/// is then known without walking all its others (a weight has one use per batch row).
/// Taken once before the pass: a use that moves during it only gains room, so the bounds
/// err towards keeping an input where it is.
struct UseRoom {
    /// The earliest bound over the node's uses, the use that sets it, and the earliest bound
    /// over the others.
    bounds: Vec<(u32, u32, u32)>,
}

impl UseRoom {
    fn new(adjacency: &Adjacency, rank: &[u32]) -> Self {
        let n = rank.len();
        let latest: Vec<u32> = (0..n)
            .map(|s| {
                let succs = adjacency.succs(s).iter();
                succs
                    .map(|&u| rank[u as usize] - 1)
                    .min()
                    .unwrap_or(rank[s])
            })
            .collect();
        let bounds = (0..n)
            .map(|p| {
                let mut bound = (u32::MAX, u32::MAX, u32::MAX);
                for &s in adjacency.succs(p) {
                    let l = latest[s as usize];
                    if l < bound.0 {
                        bound = (l, s, bound.0);
                    } else if l < bound.2 {
                        bound.2 = l;
                    }
                }
                bound
            })
            .collect();
        UseRoom { bounds }
    }

    /// The latest rank every use of `p` but `v` can take.
    fn latest_but(&self, p: usize, v: usize) -> u32 {
        let (first, at, second) = self.bounds[p];
        if at as usize == v {
            second
        } else {
            first
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

/// Levels the ranks across: while the rank that is widest across (its nodes' `cross_size`
/// plus `sep` each, and the long edges passing through it, summed) can hand a node to the
/// next rank or the one before, so that no rank it touches becomes as wide as it was, the
/// cheapest such move is made. A node whose one use sits in the next rank can move only
/// with that use (a constant and the product it feeds move on together). A move costs the
/// edge length it adds (a node with two inputs and one use, moved one rank later, lengthens
/// the edges by one); moves that add more than [`LEVEL_COST`] are not made.
///
/// Longest-path ranking stacks every node that can go early in one rank: the lecture's MLP
/// had the 64 products of a layer in one rank and their 48 constants in another (in `dot`,
/// whose network simplex balances ranks, they spread over several), and those ranks set the
/// figure's height.
pub(super) fn level(ranking: &mut Ranking, edges: &[(usize, usize)], size: NodeSizes) {
    let forward: Vec<(usize, usize)> = edges
        .iter()
        .map(|&(a, b)| {
            if ranking.reversed((a, b)) {
                (b, a)
            } else {
                (a, b)
            }
        })
        .collect();
    let mut thickened = ranking.rank.clone();
    let kept_area = level_with(&mut ranking.rank, &forward, size, false);
    if level_with(&mut thickened, &forward, size, true) < kept_area {
        ranking.rank = thickened;
    }
}

/// One run of [`level`], letting ranks grow thicker or not; returns the figure's area as
/// the ranks foretell it (the widest rank times the length along the ranks). Thickening is
/// judged one rank at a time, which pays where one layer stacks high (the lecture's MLP)
/// and not where every rank is as wide (a running sum): the whole runs decide.
fn level_with(rank: &mut [u32], forward: &[(usize, usize)], size: NodeSizes, thicken: bool) -> f64 {
    let mut leveler = Leveler::new(rank, forward, size);
    let ranks = leveler.load.len();
    let mut heap: BinaryHeap<(u64, Reverse<u32>)> = (0..ranks)
        .map(|r| (leveler.load[r].to_bits(), Reverse(r as u32)))
        .collect();
    let mut work = 0usize;
    while let Some((bits, Reverse(r))) = heap.pop() {
        let r = r as usize;
        if bits != leveler.load[r].to_bits() {
            continue;
        }
        work += leveler.members[r].len();
        if work > LEVEL_WORK {
            break;
        }
        let Some(step) = leveler.cheapest_move(r) else {
            if thicken && leveler.thicken_for(r) {
                heap.push((bits, Reverse(r as u32)));
                continue;
            }
            break;
        };
        for (v, to) in step.moves() {
            leveler.shift(v, to);
        }
        for touched in step.ranks(r) {
            heap.push((leveler.load[touched].to_bits(), Reverse(touched as u32)));
        }
    }
    leveler.load.iter().copied().fold(0.0, f64::max) * leveler.length
}

/// What [`level`] weighs: each node's size across the ranks and along them, the space
/// between neighbours of a rank, and what a long edge passing through a rank takes of it.
#[derive(Clone, Copy)]
pub(super) struct NodeSizes<'a> {
    pub(super) across: &'a [f64],
    pub(super) along: &'a [f64],
    pub(super) node_sep: f64,
    pub(super) rank_sep: f64,
    pub(super) dummy: f64,
}

/// The most edge length one move of [`level`] may add.
const LEVEL_COST: i64 = 1;
/// Nodes [`level`] looks at, at most, over all its moves: a large graph's widest rank holds
/// thousands.
const LEVEL_WORK: usize = 20_000_000;

/// A move of [`level`]: a node to the rank before or after, or a node with its one use,
/// both one rank later.
#[derive(Clone, Copy)]
enum Step {
    One(usize, usize),
    WithUse(usize, usize, usize),
}

impl Step {
    /// The node of the widest rank that moves.
    fn node(self) -> usize {
        match self {
            Step::One(v, _) | Step::WithUse(v, _, _) => v,
        }
    }

    /// The nodes moved and where, in an order that keeps every edge pointing forward.
    fn moves(self) -> impl Iterator<Item = (usize, usize)> {
        let (first, second) = match self {
            Step::One(v, to) => ((v, to), None),
            Step::WithUse(v, to, user) => ((user, to + 1), Some((v, to))),
        };
        std::iter::once(first).chain(second)
    }

    /// The ranks whose width the move changes, `r` being the moved node's.
    fn ranks(self, r: usize) -> impl Iterator<Item = usize> {
        let (to, further) = match self {
            Step::One(_, to) => (to, None),
            Step::WithUse(_, to, _) => (to, Some(to + 1)),
        };
        [r, to].into_iter().chain(further)
    }
}

/// The state of [`level`]: ranks, their widths and members, and each node's place there.
struct Leveler<'a> {
    rank: &'a mut [u32],
    adjacency: Adjacency,
    size: Vec<f64>,
    dummy_size: f64,
    along: &'a [f64],
    load: Vec<f64>,
    /// Each rank's thickness along the ranks (its thickest node's): a move never makes a
    /// rank thicker, since that lengthens the figure as much as the move narrows it.
    thickness: Vec<f64>,
    /// The figure's length along the ranks: thicknesses and the gaps between ranks.
    length: f64,
    /// Nodes already moved: each moves once, so the length added stays bounded.
    moved: Vec<bool>,
    members: Vec<Vec<u32>>,
    place: Vec<u32>,
}

impl<'a> Leveler<'a> {
    fn new(rank: &'a mut [u32], forward: &[(usize, usize)], sizes: NodeSizes<'a>) -> Self {
        let n = rank.len();
        let ranks = rank.iter().max().map_or(0, |&r| r as usize + 1);
        let size: Vec<f64> = sizes.across.iter().map(|s| s + sizes.node_sep).collect();
        let mut thickness = vec![0.0f64; ranks];
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); ranks];
        let mut place = vec![0u32; n];
        let mut load = vec![0.0f64; ranks];
        for v in 0..n {
            let r = rank[v] as usize;
            place[v] = members[r].len() as u32;
            members[r].push(v as u32);
            load[r] += size[v];
            thickness[r] = thickness[r].max(sizes.along[v]);
        }
        // The long edges' dummies, counted by a running sum over the ranks they pass.
        let mut passing = vec![0i64; ranks + 1];
        for &(a, b) in forward {
            let (low, high) = (rank[a] as usize, rank[b] as usize);
            if high > low + 1 {
                passing[low + 1] += 1;
                passing[high] -= 1;
            }
        }
        let mut through = 0i64;
        for r in 0..ranks {
            through += passing[r];
            load[r] += through as f64 * sizes.dummy;
        }
        Leveler {
            rank,
            adjacency: Adjacency::new(n, forward),
            size,
            dummy_size: sizes.dummy,
            along: sizes.along,
            load,
            length: thickness.iter().sum::<f64>() + ranks as f64 * sizes.rank_sep,
            thickness,
            moved: vec![false; n],
            members,
            place,
        }
    }

    /// The ranks `v` may take without turning an edge around.
    fn range(&self, v: usize) -> (usize, usize) {
        let low = self.adjacency.preds(v).iter();
        let low = low.map(|&p| self.rank[p as usize] as usize + 1).max();
        let high = self.adjacency.succs(v).iter();
        let high = high.map(|&s| self.rank[s as usize] as usize - 1).min();
        (low.unwrap_or(0), high.unwrap_or(self.load.len() - 1))
    }

    /// The edge length added by moving `v` one rank later (negative: earlier, less).
    fn growth(&self, v: usize) -> i64 {
        self.adjacency.preds(v).len() as i64 - self.adjacency.succs(v).len() as i64
    }

    /// How moving `v` one rank from its own changes the width of its rank and the other.
    fn width_change(&self, v: usize, later: bool) -> (f64, f64) {
        let (ins, outs) = (
            self.adjacency.preds(v).len() as f64,
            self.adjacency.succs(v).len() as f64,
        );
        // Moved later, its inputs pass through its old rank and its uses no longer pass
        // through the new one; earlier, the other way round.
        let (gained, lost) = if later { (ins, outs) } else { (outs, ins) };
        (
            gained * self.dummy_size - self.size[v],
            self.size[v] - lost * self.dummy_size,
        )
    }

    /// The cheapest move out of rank `r` that leaves every rank it touches narrower than `r`
    /// is now; ties go to the narrowest result, then the earlier member.
    fn cheapest_move(&self, r: usize) -> Option<Step> {
        let mut best: Option<(i64, f64, Step)> = None;
        self.moves_from(r, |cost, width, step| {
            if best.is_none_or(|(c, w, _)| (cost, width) < (c, w)) {
                best = Some((cost, width, step));
            }
        });
        best.map(|(_, _, step)| step)
    }

    /// When rank `r` is widest and no move narrows it, lets a neighbouring rank grow thicker
    /// if the nodes that could then move there narrow the figure by more, relatively, than
    /// the thicker rank lengthens it (a rank of small operations next to a rank of wide
    /// records takes records once it is as thick as they are). True when one grew.
    fn thicken_for(&mut self, r: usize) -> bool {
        let mut best: Option<(f64, usize, f64)> = None;
        for to in [r.wrapping_sub(1), r + 1] {
            if to >= self.load.len() {
                continue;
            }
            let kept = std::mem::replace(&mut self.thickness[to], f64::INFINITY);
            let (mut freed, mut thickest) = (0.0, kept);
            self.moves_from(r, |_, _, step| {
                let v = step.node();
                freed += self.size[v];
                thickest = f64::max(thickest, self.along[v]);
            });
            self.thickness[to] = kept;
            let narrower = freed.min((self.load[r] - self.load[to]) / 2.0) / self.load[r];
            let longer = (thickest - kept) / self.length;
            let gain = narrower - longer;
            if gain > 0.0 && best.is_none_or(|(g, _, _)| gain > g) {
                best = Some((gain, to, thickest));
            }
        }
        let Some((_, to, thickest)) = best else {
            return false;
        };
        self.length += thickest - self.thickness[to];
        self.thickness[to] = thickest;
        true
    }

    /// Every move out of rank `r` that leaves the ranks it touches narrower than `r` is now
    /// and adds at most [`LEVEL_COST`], with its cost and the widest rank it leaves.
    fn moves_from(&self, r: usize, mut visit: impl FnMut(i64, f64, Step)) {
        let widest = self.load[r];
        let mut consider = |cost: i64, widths: &[f64], step: Step| {
            let width = widths.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if cost <= LEVEL_COST && width < widest {
                visit(cost, width, step);
            }
        };
        for &v in &self.members[r] {
            let v = v as usize;
            if self.moved[v] {
                continue;
            }
            let fits = |v: usize, to: usize| self.along[v] <= self.thickness[to];
            let (low, high) = self.range(v);
            if r > low && fits(v, r - 1) {
                let (here, there) = self.width_change(v, false);
                let widths = [widest + here, self.load[r - 1] + there];
                consider(-self.growth(v), &widths, Step::One(v, r - 1));
            }
            if r + 1 == self.load.len() || !fits(v, r + 1) {
                continue;
            }
            if r < high {
                let (here, there) = self.width_change(v, true);
                let widths = [widest + here, self.load[r + 1] + there];
                consider(self.growth(v), &widths, Step::One(v, r + 1));
            } else if let Some(user) = self.lone_use_next(v, r) {
                let (user_here, user_there) = self.width_change(user, true);
                let (here, there) = self.width_change(v, true);
                // The use moves first: the edge between them passes through rank r + 1
                // until `v` follows, so the two changes add up.
                let widths = [
                    widest + here,
                    self.load[r + 1] + user_here + there,
                    self.load[r + 2] + user_there,
                ];
                let cost = self.growth(v) + self.growth(user);
                consider(cost, &widths, Step::WithUse(v, r + 1, user));
            }
        }
    }

    /// The one use of `v` when it sits in the next rank and can move one rank later.
    fn lone_use_next(&self, v: usize, r: usize) -> Option<usize> {
        let &[user] = self.adjacency.succs(v) else {
            return None;
        };
        let user = user as usize;
        let movable = self.rank[user] as usize == r + 1 && self.range(user).1 > r + 1;
        (movable && !self.moved[user] && self.along[user] <= self.thickness[r + 2]).then_some(user)
    }

    /// Moves `v` to the neighbouring rank `to`, keeping widths and members.
    fn shift(&mut self, v: usize, to: usize) {
        let from = self.rank[v] as usize;
        let (here, there) = self.width_change(v, to > from);
        self.load[from] += here;
        self.load[to] += there;
        let place = self.place[v] as usize;
        self.members[from].swap_remove(place);
        if let Some(&moved) = self.members[from].get(place) {
            self.place[moved as usize] = place as u32;
        }
        self.place[v] = self.members[to].len() as u32;
        self.members[to].push(v as u32);
        self.rank[v] = to as u32;
        self.moved[v] = true;
    }
}
