//! The order of nodes within each rank: crossing reduction.
//!
//! The first order is depth-first from the sources, so neighbours start out near each
//! other. Then sweeps down and up the ranks sort each rank by the barycenter of its
//! neighbours in the rank just placed, later by its neighbours on both sides (a node without
//! such neighbours keeps its place), each followed by a transpose pass that swaps neighbours
//! when that removes crossings. The transpose is bounded twice: a few passes per rank, and
//! pairs whose degrees multiply past [`TRANSPOSE_DEGREE_LIMIT`] are not tried, so a hub
//! cannot make it quadratic. The best order seen is kept. Every sort is by slot first, so
//! clusters stay together.

use super::graph::Layered;

/// Sweeps per round, alternately down and up, for graphs up to [`SWEEP_BUDGET`] / 24 nodes
/// (dummies included); larger graphs get fewer, down to [`MIN_SWEEPS`], so that the time
/// stays linear.
const SWEEPS: usize = 24;
const MIN_SWEEPS: usize = 4;
/// Nodes times sweeps per round.
const SWEEP_BUDGET: usize = 24 * 150_000;
/// Sweeps after this many sort by the neighbours in both adjacent ranks.
const BOTH_SIDES_AFTER: usize = 4;
/// Transpose passes per rank and sweep.
const TRANSPOSE_PASSES: usize = 4;
/// Neighbour pairs whose degrees multiply past this are not transposed.
const TRANSPOSE_DEGREE_LIMIT: usize = 64;

/// Orders every rank of `layered` and returns the crossings left. Two rounds: the first
/// lets the order wander (keeping the best seen), the second starts from the best and
/// undoes every sweep that made it worse; each round's later sweeps weigh both neighbouring
/// ranks. Measured on MLP loss graphs, each round wins on some graphs.
pub(super) fn order(layered: &mut Layered) -> u64 {
    let mut best = layered.layers.clone();
    let mut best_crossings = total_crossings(layered);
    let sweeps = (SWEEP_BUDGET / layered.len().max(1)).clamp(MIN_SWEEPS, SWEEPS);
    for refine in [false, true] {
        for sweep in 0..sweeps {
            if best_crossings == 0 {
                break;
            }
            let down = sweep % 2 == 0;
            sweep_once(layered, down, sweep >= BOTH_SIDES_AFTER);
            let crossings = total_crossings(layered);
            if crossings < best_crossings {
                best_crossings = crossings;
                best.clone_from(&layered.layers);
            } else if refine && crossings > best_crossings {
                layered.layers.clone_from(&best);
                layered.renumber();
            }
        }
        layered.layers.clone_from(&best);
        layered.renumber();
    }
    best_crossings
}

fn sweep_once(layered: &mut Layered, down: bool, both: bool) {
    let ranks = layered.layers.len();
    let mut keys: Vec<(u32, f64, u32)> = Vec::new();
    for step in 1..ranks {
        let r = if down { step } else { ranks - 1 - step };
        let mut layer = std::mem::take(&mut layered.layers[r]);
        keys.clear();
        keys.extend(layer.iter().map(|&v| {
            let v = v as usize;
            let (preds, succs) = (&layered.preds[v][..], &layered.succs[v][..]);
            let neighbours: [&[u32]; 2] = match (both, down) {
                (true, _) => [preds, succs],
                (false, true) => [preds, &[]],
                (false, false) => [succs, &[]],
            };
            let key = barycenter(neighbours, &layered.pos).unwrap_or(layered.pos[v] as f64);
            (layered.slot[v], key, layered.pos[v])
        }));
        let mut indices: Vec<usize> = (0..layer.len()).collect();
        indices.sort_by(|&a, &b| {
            let (ka, kb) = (keys[a], keys[b]);
            ka.0.cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then(ka.2.cmp(&kb.2))
        });
        layer = indices.iter().map(|&i| layer[i]).collect();
        for (i, &v) in layer.iter().enumerate() {
            layered.pos[v as usize] = i as u32;
        }
        layered.layers[r] = layer;
        transpose(layered, r);
    }
}

fn barycenter(neighbours: [&[u32]; 2], pos: &[u32]) -> Option<f64> {
    let count = neighbours[0].len() + neighbours[1].len();
    if count == 0 {
        return None;
    }
    let sum: f64 = neighbours
        .iter()
        .flat_map(|side| side.iter())
        .map(|&u| f64::from(pos[u as usize]))
        .sum();
    Some(sum / count as f64)
}

/// Swaps neighbours of rank `r` (same slot) while that lowers the crossings with both
/// adjacent ranks.
fn transpose(layered: &mut Layered, r: usize) {
    for _ in 0..TRANSPOSE_PASSES {
        let mut improved = false;
        for i in 1..layered.layers[r].len() {
            let (u, v) = (
                layered.layers[r][i - 1] as usize,
                layered.layers[r][i] as usize,
            );
            if layered.slot[u] != layered.slot[v] {
                continue;
            }
            let degrees = (layered.preds[u].len() + layered.succs[u].len())
                * (layered.preds[v].len() + layered.succs[v].len());
            if degrees > TRANSPOSE_DEGREE_LIMIT {
                continue;
            }
            let now = pair_crossings(layered, u, v);
            let swapped = pair_crossings(layered, v, u);
            if swapped < now {
                layered.layers[r].swap(i - 1, i);
                layered.pos[u] = i as u32;
                layered.pos[v] = (i - 1) as u32;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
}

/// Crossings among the edges of `left` and `right` were `left` placed just before `right`.
fn pair_crossings(layered: &Layered, left: usize, right: usize) -> usize {
    let count = |a: &[u32], b: &[u32]| {
        let mut crossings = 0;
        for &x in a {
            for &y in b {
                if layered.pos[x as usize] > layered.pos[y as usize] {
                    crossings += 1;
                }
            }
        }
        crossings
    };
    count(&layered.preds[left], &layered.preds[right])
        + count(&layered.succs[left], &layered.succs[right])
}

/// Crossings of straight segments between every pair of adjacent ranks.
pub(super) fn total_crossings(layered: &Layered) -> u64 {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut tree: Vec<u32> = Vec::new();
    let mut total = 0;
    for r in 0..layered.layers.len().saturating_sub(1) {
        pairs.clear();
        for &u in &layered.layers[r] {
            for &v in &layered.succs[u as usize] {
                pairs.push((layered.pos[u as usize], layered.pos[v as usize]));
            }
        }
        pairs.sort_unstable();
        total += inversions(&pairs, layered.layers[r + 1].len(), &mut tree);
    }
    total
}

/// Pairs (i, j) with i before j in `pairs` and a larger second coordinate: a Fenwick tree
/// over the lower rank's positions (Barth, Jünger, Mutzel's accumulator idea).
fn inversions(pairs: &[(u32, u32)], width: usize, tree: &mut Vec<u32>) -> u64 {
    tree.clear();
    tree.resize(width + 1, 0);
    let mut total = 0u64;
    for (seen, &(_, p)) in pairs.iter().enumerate() {
        let mut at_most = 0u64;
        let mut i = p as usize + 1;
        while i > 0 {
            at_most += u64::from(tree[i]);
            i &= i - 1;
        }
        total += seen as u64 - at_most;
        let mut i = p as usize + 1;
        while i <= width {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    total
}
