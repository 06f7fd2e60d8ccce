//! Coordinates across the ranks: a start, then sweeps that pull every node towards the
//! weighted mean of its neighbours, within its rank's order and separations (as `dot`'s
//! own placement minimises weighted edge lengths).
//!
//! Where the sweeps' budget allows enough of them to straighten long edges, the start is
//! every rank packed, centred on one line. Otherwise (a graph of millions of dummies) it is
//! Brandes–Köpf ("Fast and Simple Horizontal Coordinate Assignment", 2001): four alignments
//! (upper/lower neighbours × left/right first) each line nodes up in blocks with a median
//! neighbour, never across an inner segment (dummy to dummy) that another edge crosses, so
//! long edges come out straight. Each alignment is compacted by a longest path over the
//! block graph (a block sits at least the separation right of the block before it in any
//! rank), in linear time and without recursion. The four results are aligned to the
//! narrowest and each node takes the mean of its two median coordinates, which removes the
//! drift one alignment alone has. A last pass per rank restores the separation the mean can
//! break. Then each slot (the nodes a cluster owns directly) is moved as a whole so that the
//! slots sit side by side, in slot order, with room for the cluster boxes between them.

use std::collections::VecDeque;

use super::graph::Layered;
use super::Options;

/// The coordinate across the ranks of every node (dummies included).
pub(super) fn position(layered: &Layered, options: &Options) -> Vec<f64> {
    let sweeps = relax_sweeps(layered);
    let mut x = if sweeps >= OVER_RELAX_FROM {
        packed_ranks(layered, options)
    } else {
        brandes_koepf(layered, options)
    };
    relax(layered, options, &mut x, sweeps);
    pack_slots(layered, options, &mut x);
    share_cross_space(layered, options, &mut x);
    x
}

/// Brandes–Köpf's coordinates: four alignments, balanced, separations restored.
fn brandes_koepf(layered: &Layered, options: &Options) -> Vec<f64> {
    let conflicts = inner_conflicts(layered);
    let mut runs: Vec<(Vec<f64>, bool)> = Vec::with_capacity(4);
    for upward in [false, true] {
        for rightward in [false, true] {
            let x = align_and_compact(layered, options, &conflicts, upward, rightward);
            runs.push((x, rightward));
        }
    }
    let mut x = balance(layered, &runs);
    restore_separation(layered, options, &mut x);
    x
}

/// Every rank's nodes side by side at their separations, each rank centred on one line:
/// the start [`relax`] is given when it has the sweeps to straighten long edges itself.
/// Brandes–Köpf's compaction places blocks by longest paths through the block graph, which
/// can spread them far wider than any rank needs: on the 9,918-value MLP loss 235k pt
/// across for a widest rank of 112k, and relaxed from there 184k (3.7:1); relaxed from
/// the packed ranks, 112k (2.3:1), mean edge length 6,096 -> 6,026 pt (`dot` 5,395).
/// Where the budget allows few sweeps (millions of dummies), the long edges Brandes–Köpf
/// draws straight would stay bent from this start: the 98,838-value SVG doubled in size.
fn packed_ranks(layered: &Layered, options: &Options) -> Vec<f64> {
    let mut x = vec![0.0; layered.len()];
    for layer in &layered.layers {
        let mut at = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                at += separation(layered, options, layer[i - 1] as usize, v as usize);
            }
            x[v as usize] = at;
        }
        for &v in layer {
            x[v as usize] -= at / 2.0;
        }
    }
    x
}

/// The minimum distance between the centres of two neighbours of a rank.
pub(super) fn separation(layered: &Layered, options: &Options, a: usize, b: usize) -> f64 {
    let gap = if layered.is_dummy(a) || layered.is_dummy(b) {
        options.edge_sep
    } else {
        options.node_sep
    };
    (layered.cross_size[a] + layered.cross_size[b]) / 2.0 + gap
}

/// Segments (u, v) that cross an inner segment (both ends dummies), between ranks r and r+1,
/// keyed by the lower node `v`'s upper neighbour `u`, sorted (a flat array, searched: a
/// large graph's long edges cross millions of segments). Such segments are never aligned.
fn inner_conflicts(layered: &Layered) -> Vec<(u32, u32)> {
    let mut marked = Vec::new();
    for r in 0..layered.layers.len().saturating_sub(1) {
        let upper_len = layered.layers[r].len();
        let lower = &layered.layers[r + 1];
        let mut k0 = 0usize;
        let mut scan = 0usize;
        for (l1, &v) in lower.iter().enumerate() {
            let inner = inner_upper(layered, v as usize);
            if l1 + 1 != lower.len() && inner.is_none() {
                continue;
            }
            let k1 = inner.map_or(upper_len.saturating_sub(1), |u| layered.pos[u] as usize);
            while scan <= l1 {
                let w = lower[scan];
                for &u in layered.preds(w as usize) {
                    let k = layered.pos[u as usize] as usize;
                    if (k < k0 || k > k1) && inner_upper(layered, w as usize) != Some(u as usize) {
                        marked.push((u, w));
                    }
                }
                scan += 1;
            }
            k0 = k1;
        }
    }
    marked.sort_unstable();
    marked.dedup();
    marked
}

/// The upper end of `v`'s inner segment, if `v` is a dummy whose predecessor is one too.
fn inner_upper(layered: &Layered, v: usize) -> Option<usize> {
    if !layered.is_dummy(v) {
        return None;
    }
    let u = *layered.preds(v).first()? as usize;
    layered.is_dummy(u).then_some(u)
}

/// One of the four alignments, compacted. `upward` aligns with lower neighbours, walking
/// the ranks from the bottom; `rightward` walks each rank from the right, and its result is
/// mirrored back.
fn align_and_compact(
    layered: &Layered,
    options: &Options,
    conflicts: &[(u32, u32)],
    upward: bool,
    rightward: bool,
) -> Vec<f64> {
    let ranks: Vec<&Vec<u32>> = if upward {
        layered.layers.iter().rev().collect()
    } else {
        layered.layers.iter().collect()
    };
    let width_of = |v: usize| layered.layers[layered.rank[v] as usize].len() as u32;
    // The place of a node in the walking order of its rank.
    let place = |v: usize| {
        if rightward {
            width_of(v) - 1 - layered.pos[v]
        } else {
            layered.pos[v]
        }
    };
    let in_walk_order = |layer: &Vec<u32>| -> Vec<u32> {
        if rightward {
            layer.iter().rev().copied().collect()
        } else {
            layer.clone()
        }
    };
    let n = layered.len();
    let mut root: Vec<u32> = (0..n as u32).collect();
    let mut align: Vec<u32> = (0..n as u32).collect();
    let mut neighbours: Vec<u32> = Vec::new();
    for layer in ranks.iter().skip(1) {
        let mut last: i64 = -1;
        for v in in_walk_order(layer) {
            let v = v as usize;
            neighbours.clear();
            neighbours.extend(if upward {
                layered.succs(v)
            } else {
                layered.preds(v)
            });
            if neighbours.is_empty() {
                continue;
            }
            neighbours.sort_by_key(|&u| place(u as usize));
            let d = neighbours.len();
            for m in [(d - 1) / 2, d / 2] {
                if align[v] != v as u32 {
                    break;
                }
                let u = neighbours[m] as usize;
                let segment = if upward {
                    (v as u32, u as u32)
                } else {
                    (u as u32, v as u32)
                };
                if last < place(u) as i64 && conflicts.binary_search(&segment).is_err() {
                    align[u] = v as u32;
                    root[v] = root[u];
                    align[v] = root[v];
                    last = place(u) as i64;
                }
            }
        }
    }
    let walk: Vec<Vec<u32>> = ranks.iter().map(|layer| in_walk_order(layer)).collect();
    let mut x = compact(layered, options, &root, &walk);
    if rightward {
        for value in &mut x {
            *value = -*value;
        }
    }
    x
}

/// Longest path over the block graph: each block's root is placed at least the separation
/// after the block of the node before each of its members. The block graph's edges are kept
/// in one flat array by block (two passes over the ranks), not a list per node: a large
/// graph has millions of dummies, and this runs four times.
fn compact(layered: &Layered, options: &Options, root: &[u32], walk: &[Vec<u32>]) -> Vec<f64> {
    let n = layered.len();
    let pairs = || {
        walk.iter().flat_map(|layer| {
            layer
                .windows(2)
                .map(|pair| (pair[0] as usize, pair[1] as usize))
        })
    };
    let mut start = vec![0u32; n + 1];
    let mut indegree = vec![0u32; n];
    for (a, b) in pairs() {
        start[root[a] as usize + 1] += 1;
        indegree[root[b] as usize] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut out: Vec<(u32, f64)> = vec![(0, 0.0); start[n] as usize];
    for (a, b) in pairs() {
        let ra = root[a] as usize;
        out[fill[ra] as usize] = (root[b], separation(layered, options, a, b));
        fill[ra] += 1;
    }
    drop(fill);
    let mut block_x = vec![0.0f64; n];
    let mut queue: VecDeque<u32> = (0..n as u32)
        .filter(|&v| root[v as usize] == v && indegree[v as usize] == 0)
        .collect();
    while let Some(b) = queue.pop_front() {
        let b = b as usize;
        for &(next, gap) in &out[start[b] as usize..start[b + 1] as usize] {
            let next = next as usize;
            block_x[next] = block_x[next].max(block_x[b] + gap);
            indegree[next] -= 1;
            if indegree[next] == 0 {
                queue.push_back(next as u32);
            }
        }
    }
    (0..n).map(|v| block_x[root[v] as usize]).collect()
}

/// Aligns the four runs to the narrowest and takes each node's mean of the two medians.
fn balance(layered: &Layered, runs: &[(Vec<f64>, bool)]) -> Vec<f64> {
    let extent = |x: &[f64]| {
        let mut low = f64::INFINITY;
        let mut high = f64::NEG_INFINITY;
        for (v, &value) in x.iter().enumerate() {
            low = low.min(value - layered.cross_size[v] / 2.0);
            high = high.max(value + layered.cross_size[v] / 2.0);
        }
        (low, high)
    };
    let extents: Vec<(f64, f64)> = runs.iter().map(|(x, _)| extent(x)).collect();
    let narrowest = (0..runs.len())
        .min_by(|&a, &b| {
            let width = |i: usize| extents[i].1 - extents[i].0;
            width(a).total_cmp(&width(b))
        })
        .unwrap_or(0);
    let shifts: Vec<f64> = runs
        .iter()
        .zip(&extents)
        .map(|((_, rightward), &(low, high))| {
            if *rightward {
                extents[narrowest].1 - high
            } else {
                extents[narrowest].0 - low
            }
        })
        .collect();
    (0..layered.len())
        .map(|v| {
            let mut values = [0.0; 4];
            for (i, (x, _)) in runs.iter().enumerate() {
                values[i] = x[v] + shifts[i];
            }
            values.sort_by(f64::total_cmp);
            (values[1] + values[2]) / 2.0
        })
        .collect()
}

/// Pushes nodes right, rank by rank, wherever the mean left them closer than the separation.
fn restore_separation(layered: &Layered, options: &Options, x: &mut [f64]) {
    for layer in &layered.layers {
        for pair in layer.windows(2) {
            let (a, b) = (pair[0] as usize, pair[1] as usize);
            let least = x[a] + separation(layered, options, a, b);
            if x[b] < least {
                x[b] = least;
            }
        }
    }
}

/// `sweeps` sweeps over the ranks from the start `x`: each rank in turn moves every node as
/// close to the weighted mean of its neighbours as the rank's order and separations allow
/// (a least squares fit, solved exactly per rank by pooling adjacent violators). From
/// Brandes–Köpf, they close the wide empty bands its blocks leave (2.2 times `dot`'s area
/// on the lecture's MLP); from packed ranks, they spread nodes towards their neighbours, as
/// `dot`'s own placement does by minimising weighted edge lengths. Edges between dummies
/// weigh most, so long edges come out nearly straight.
fn relax(layered: &Layered, options: &Options, x: &mut [f64], sweeps: usize) {
    let mut fit = RankFit {
        over: if sweeps >= OVER_RELAX_FROM {
            OVER_RELAX
        } else {
            1.0
        },
        ..RankFit::default()
    };
    let ranks = layered.layers.len();
    for sweep in 0..sweeps {
        let mut moved: f64 = 0.0;
        for step in 0..ranks {
            let r = if sweep % 2 == 0 {
                step
            } else {
                ranks - 1 - step
            };
            moved = moved.max(fit.rank(layered, options, &layered.layers[r], x));
        }
        if moved < SETTLED {
            break;
        }
    }
}

/// Sweeps of [`relax`], down and up alternately, until no node moves by [`SETTLED`] or
/// more: at most as many as [`RELAX_WORK`] nodes and segments visited allow, within these
/// bounds. Each sweep only averages neighbours, so a long edge straightens slowly, over
/// about as many sweeps as the square of its length in ranks: measured on random DAGs of
/// 200 values, 200 sweeps leave 1.3 to 2.5 times `dot`'s area, 2,000 half of it.
const MIN_RELAX_SWEEPS: usize = 8;

/// The sweeps [`relax`] may make on `layered`.
fn relax_sweeps(layered: &Layered) -> usize {
    let sweep_work = (layered.len() + 2 * layered.segments()).max(1);
    (RELAX_WORK / sweep_work).clamp(MIN_RELAX_SWEEPS, MAX_RELAX_SWEEPS)
}

const MAX_RELAX_SWEEPS: usize = 2_000;
const RELAX_WORK: usize = 20_000_000;
const SETTLED: f64 = 0.01;

/// Each node of [`relax`] is moved past the mean of its neighbours by this factor of the
/// way there (successive over-relaxation), which straightens long chains in about as many
/// sweeps as their length rather than its square: the 3,078-value MLP loss, whose running
/// sum had not settled in its 409 sweeps (the curve of its later terms set the height, 51k
/// pt), is 34k pt high with it. Only where the budget allows [`OVER_RELAX_FROM`] sweeps or
/// more: a graph of millions of dummies gets few, and over-relaxed by those few its long
/// edges stay bent (the 98,838-value SVG grew by 30%).
const OVER_RELAX: f64 = 1.8;
const OVER_RELAX_FROM: usize = 64;

/// The weight of a segment in [`relax`], as `dot` weighs them: 1 between real nodes, 2 with
/// one dummy, 8 between dummies.
fn segment_weight(layered: &Layered, a: usize, b: usize) -> f64 {
    match (layered.is_dummy(a), layered.is_dummy(b)) {
        (true, true) => 8.0,
        (false, false) => 1.0,
        _ => 2.0,
    }
}

/// Scratch space for fitting one rank.
#[derive(Default)]
struct RankFit {
    /// The over-relaxation factor (1: none).
    over: f64,
    /// Per node of the rank: its offset (the separations before it, summed), target and
    /// weight.
    offset: Vec<f64>,
    /// Pooled blocks: (weight, weighted sum of targets, nodes).
    blocks: Vec<(f64, f64, usize)>,
}

impl RankFit {
    /// Fits the rank `layer` and returns how far its nodes moved at most.
    fn rank(&mut self, layered: &Layered, options: &Options, layer: &[u32], x: &mut [f64]) -> f64 {
        self.offset.clear();
        self.blocks.clear();
        let mut offset = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            let v = v as usize;
            if i > 0 {
                offset += separation(layered, options, layer[i - 1] as usize, v);
            }
            self.offset.push(offset);
            let (mut weight, mut sum) = (0.0, 0.0);
            for &u in layered.preds(v).iter().chain(layered.succs(v)) {
                let w = segment_weight(layered, u as usize, v);
                weight += w;
                sum += w * x[u as usize];
            }
            // A node without neighbours stays where it is, lightly held.
            let (weight, target) = if weight > 0.0 {
                (weight, x[v] + self.over * (sum / weight - x[v]))
            } else {
                (1e-3, x[v])
            };
            self.push(weight, target - offset);
        }
        let mut i = 0;
        let mut moved: f64 = 0.0;
        for &(weight, sum, count) in &self.blocks {
            let y = sum / weight;
            for _ in 0..count {
                let v = layer[i] as usize;
                let new = y + self.offset[i];
                moved = moved.max((new - x[v]).abs());
                x[v] = new;
                i += 1;
            }
        }
        moved
    }

    /// Adds a node to the pool, merging blocks while a block's mean is below the one before.
    fn push(&mut self, weight: f64, target: f64) {
        let mut block = (weight, weight * target, 1);
        while let Some(&(w, s, c)) = self.blocks.last() {
            if s / w < block.1 / block.0 {
                break;
            }
            self.blocks.pop();
            block = (block.0 + w, block.1 + s, block.2 + c);
        }
        self.blocks.push(block);
    }
}

/// Moves each slot as a whole so that the slots follow one another across the ranks, with
/// the cluster boxes' padding (and the title's room) between them.
fn pack_slots(layered: &Layered, options: &Options, x: &mut [f64]) {
    let tree = &layered.clusters;
    if tree.slots() <= 1 {
        return;
    }
    let mut low = vec![f64::INFINITY; tree.slots()];
    let mut high = vec![f64::NEG_INFINITY; tree.slots()];
    for (v, &centre) in x.iter().enumerate() {
        let s = layered.slot[v] as usize;
        low[s] = low[s].min(centre - layered.cross_size[v] / 2.0);
        high[s] = high[s].max(centre + layered.cross_size[v] / 2.0);
    }
    let (leading, trailing) = cross_padding(options);
    let mut shift = vec![0.0; tree.slots()];
    let mut previous: Option<usize> = None;
    for s in 0..tree.slots() {
        if low[s] > high[s] {
            continue;
        }
        if let Some(p) = previous {
            let (left, entered) = tree.boundaries(p as u32, s as u32);
            let gap = options.node_sep + f64::from(left) * trailing + f64::from(entered) * leading;
            shift[s] = high[p] + shift[p] + gap - low[s];
        }
        previous = Some(s);
    }
    for v in 0..layered.len() {
        x[v] += shift[layered.slot[v] as usize];
    }
}

/// One top-level cluster with everything nested in it, or the nodes outside clusters.
struct Block {
    low: f64,
    high: f64,
    first_rank: u32,
    last_rank: u32,
}

/// Lets top-level blocks that share no rank sit beside each other along the ranks instead of
/// each in a band of its own (`--group`'s layers, one after another): each block, in slot
/// order, moves to the top, or just past the blocks already placed that share a rank with
/// it. A block's extent counts the padding of its deepest cluster, so boxes stay apart.
fn share_cross_space(layered: &Layered, options: &Options, x: &mut [f64]) {
    let tree = &layered.clusters;
    if tree.slots() <= 2 {
        return;
    }
    let (leading, trailing) = cross_padding(options);
    // The block of each slot (the slot of its top-level cluster) and the depth it reaches.
    let mut block_of = vec![0usize; tree.slots()];
    let mut depth = vec![0u32; tree.slots()];
    for (s, owner) in tree.slot_owner.iter().enumerate() {
        let mut top = *owner;
        while let Some(parent) = top.and_then(|c| tree.parent[c]) {
            top = Some(parent);
        }
        block_of[s] = top.map_or(tree.root_slot as usize, |c| tree.slot[c] as usize);
        let d = owner.map_or(0, |c| tree.depth[c]);
        depth[block_of[s]] = depth[block_of[s]].max(d);
    }
    let mut blocks: Vec<Option<Block>> = (0..tree.slots()).map(|_| None).collect();
    for v in 0..layered.len() {
        let b = block_of[layered.slot[v] as usize];
        let (lo, hi) = (
            x[v] - layered.cross_size[v] / 2.0,
            x[v] + layered.cross_size[v] / 2.0,
        );
        let r = layered.rank[v];
        let block = blocks[b].get_or_insert(Block {
            low: lo,
            high: hi,
            first_rank: r,
            last_rank: r,
        });
        block.low = block.low.min(lo);
        block.high = block.high.max(hi);
        block.first_rank = block.first_rank.min(r);
        block.last_rank = block.last_rank.max(r);
    }
    for (b, block) in blocks.iter_mut().enumerate() {
        if let Some(block) = block {
            block.low -= f64::from(depth[b]) * leading;
            block.high += f64::from(depth[b]) * trailing;
        }
    }
    // A title on the side facing the ranks reaches into the gap: neighbouring ranks clash.
    let reach = u32::from(matches!(
        options.direction,
        super::Direction::TopToBottom | super::Direction::BottomToTop
    ));
    let clash = |a: &Block, b: &Block| {
        a.first_rank <= b.last_rank + reach && b.first_rank <= a.last_rank + reach
    };
    let mut shift = vec![0.0; tree.slots()];
    let mut placed: Vec<usize> = Vec::new();
    let mut top = f64::INFINITY;
    for b in 0..tree.slots() {
        let Some(block) = &blocks[b] else { continue };
        let past = placed
            .iter()
            .filter_map(|&p| {
                let other = blocks[p].as_ref()?;
                clash(block, other).then_some(other.high + shift[p] + options.node_sep)
            })
            .fold(f64::NEG_INFINITY, f64::max);
        let start = if past.is_finite() {
            past
        } else if top.is_finite() {
            top
        } else {
            block.low
        };
        shift[b] = start - block.low;
        top = top.min(start);
        placed.push(b);
    }
    for v in 0..layered.len() {
        x[v] += shift[block_of[layered.slot[v] as usize]];
    }
}

/// The padding of a cluster box before and after its contents across the ranks: the
/// title's room is on the leading side when ranks run left or right (the title is on top).
pub(super) fn cross_padding(options: &Options) -> (f64, f64) {
    use super::Direction::{LeftToRight, RightToLeft};
    let pad = options.cluster_pad;
    match options.direction {
        LeftToRight | RightToLeft => (pad + options.cluster_label, pad),
        _ => (pad, pad),
    }
}
