//! The order of nodes within each rank: crossing reduction.
//!
//! The first order is depth-first from the sources, so neighbours start out near each
//! other. Then sweeps down and up the ranks sort each rank by the barycenter of its
//! neighbours in the rank just placed, later by its neighbours on both sides (a node without
//! such neighbours keeps its place), each followed by transposes that swap neighbours when
//! that removes crossings; the best order seen is kept. Every sort is by slot first, so
//! clusters stay together.
//!
//! - The first round is the cheap one every graph gets, however large: each rank transposed
//!   a few passes right after it is sorted (pairs whose degrees multiply past
//!   [`TRANSPOSE_DEGREE_LIMIT`] are not tried, so a hub cannot make it quadratic); then
//!   again from the best, undoing every sweep that made it worse.
//! - With what is left of a fixed budget of operations ([`WORK_BUDGET`], counted in nodes
//!   and edges visited, never in time, so the result is the same on every machine), rounds
//!   from the best order as in `dot`: each sweep followed by a transpose over all ranks
//!   until it gains nothing, swapping neighbours whose swap keeps the crossings too (which
//!   lets the order leave a plateau), each round stopping after [`MIN_QUIT`] sweeps without
//!   progress, the rounds after [`QUIT_ROUNDS`] in a row without. Small graphs get all of
//!   it; a large one spends its budget in the first round, so the time stays linear.

use super::graph::Layered;

/// First round: sweeps per pass, alternately down and up, for graphs up to
/// [`SWEEP_BUDGET`] / 24 nodes (dummies included); larger graphs get fewer, down to
/// [`MIN_SWEEPS`].
const SWEEPS: usize = 24;
const MIN_SWEEPS: usize = 4;
/// Nodes times sweeps per pass.
const SWEEP_BUDGET: usize = 24 * 150_000;
/// Sweeps after this many sort by the neighbours in both adjacent ranks.
const BOTH_SIDES_AFTER: usize = 4;
/// First round: transpose passes per rank and sweep.
const TRANSPOSE_PASSES: usize = 4;
/// First round: neighbour pairs whose degrees multiply past this are not transposed.
const TRANSPOSE_DEGREE_LIMIT: usize = 64;

/// Operations every graph may spend in all, the first round included. Measured on the
/// bench's MLP(2,[4,4,1]) loss graph of 3,078 values: 20 million lets the later rounds run
/// there (crossings 0.44x dot's instead of 0.69x) while its whole render stays over ten
/// times faster than dot's; 15 million leaves it nothing past the first round.
const WORK_BUDGET: u64 = 20_000_000;
/// Sweeps per later round, and later rounds at most (each starts from the best order).
/// Long rounds pay on random DAGs: with ties swapped, the order crosses plateaus that
/// shorter rounds (24 sweeps, quitting after 8 without progress) stopped on, 1.32x dot's
/// crossings instead of 1.18x on one of the bench's.
const ROUND_SWEEPS: usize = 128;
const ROUNDS: usize = 8;
/// The later rounds stop after this many in a row gain nothing.
const QUIT_ROUNDS: usize = 2;
/// A later round stops after this many sweeps without lowering the crossings by a factor of
/// [`CONVERGENCE`].
const MIN_QUIT: usize = 48;
const CONVERGENCE: f64 = 0.995;
/// Neighbour pairs whose degrees on one side multiply past this count their crossings by
/// sorting their neighbours' places instead of comparing every pair.
const PAIR_NESTED_LIMIT: usize = 64;

/// Operations left to spend.
struct Budget {
    left: u64,
}

impl Budget {
    fn spend(&mut self, work: u64) {
        self.left = self.left.saturating_sub(work);
    }

    fn allows(&self, work: u64) -> bool {
        self.left >= work
    }
}

/// An order and its crossings.
struct Best {
    layers: Vec<Vec<u32>>,
    crossings: u64,
}

impl Best {
    fn of(layered: &Layered) -> Self {
        Best {
            layers: layered.layers.clone(),
            crossings: total_crossings(layered),
        }
    }

    /// Takes `layered`'s order if it has fewer crossings (or as few, with `ties`).
    fn offer(&mut self, layered: &Layered, crossings: u64, ties: bool) -> bool {
        if crossings < self.crossings || (ties && crossings == self.crossings) {
            self.crossings = crossings;
            for (mine, theirs) in self.layers.iter_mut().zip(&layered.layers) {
                mine.clone_from(theirs);
            }
            true
        } else {
            false
        }
    }

    fn restore(&self, layered: &mut Layered) {
        for (theirs, mine) in layered.layers.iter_mut().zip(&self.layers) {
            theirs.clone_from(mine);
        }
        layered.renumber();
    }
}

/// Orders every rank of `layered` and returns the crossings left.
pub(super) fn order(layered: &mut Layered) -> u64 {
    let mut budget = Budget { left: WORK_BUDGET };
    let mut best = first_round(layered, &mut budget);
    let segments = layered.segments();
    // What one sweep with its transposes and count costs, about: a round starts only when
    // the budget has room for the sweeps it tries before it may quit.
    let sweep_cost = 4 * (layered.len() + segments) as u64;
    let mut failed = 0;
    for round in 0..ROUNDS {
        if best.crossings == 0 || !budget.allows(sweep_cost * MIN_QUIT as u64) {
            break;
        }
        let before = best.crossings;
        best.restore(layered);
        // Rounds alternate the direction of their first sweep, so a round after one that
        // gained nothing still takes another path from the same order.
        improve(layered, &mut best, &mut budget, sweep_cost, round % 2 == 0);
        if best.crossings < before {
            failed = 0;
        } else {
            failed += 1;
            if failed == QUIT_ROUNDS {
                break;
            }
        }
    }
    best.restore(layered);
    best.crossings
}

/// The first round, from the order [`Layered::build`] made. Two passes: the first lets the
/// order wander (keeping the best seen), the second starts from the best and undoes every
/// sweep that made it worse. Measured on MLP loss graphs, each pass wins on some graphs.
fn first_round(layered: &mut Layered, budget: &mut Budget) -> Best {
    let mut best = Best::of(layered);
    let sweeps = (SWEEP_BUDGET / layered.len().max(1)).clamp(MIN_SWEEPS, SWEEPS);
    let mut scratch = (Vec::new(), Vec::new());
    for refine in [false, true] {
        for sweep in 0..sweeps {
            if best.crossings == 0 {
                break;
            }
            let down = sweep % 2 == 0;
            classic_sweep(
                layered,
                down,
                sweep >= BOTH_SIDES_AFTER,
                budget,
                &mut scratch,
            );
            let crossings = total_crossings(layered);
            if !best.offer(layered, crossings, false) && refine && crossings > best.crossings {
                best.restore(layered);
            }
        }
        best.restore(layered);
    }
    best
}

fn classic_sweep(
    layered: &mut Layered,
    down: bool,
    both: bool,
    budget: &mut Budget,
    scratch: &mut (Vec<u32>, Vec<u32>),
) {
    let ranks = layered.layers.len();
    let mut keys: Vec<(u32, f64, u32)> = Vec::new();
    for step in 1..ranks {
        let r = if down { step } else { ranks - 1 - step };
        let mut layer = std::mem::take(&mut layered.layers[r]);
        keys.clear();
        let mut work = layer.len();
        keys.extend(layer.iter().map(|&v| {
            let v = v as usize;
            let (preds, succs) = (layered.preds(v), layered.succs(v));
            let neighbours: [&[u32]; 2] = match (both, down) {
                (true, _) => [preds, succs],
                (false, true) => [preds, &[]],
                (false, false) => [succs, &[]],
            };
            work += neighbours[0].len() + neighbours[1].len();
            let key = classic_barycenter(neighbours, &layered.pos).unwrap_or(layered.pos[v] as f64);
            (layered.slot[v], key, layered.pos[v])
        }));
        budget.spend(work as u64);
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
        classic_transpose(layered, r, budget, scratch);
    }
}

fn classic_barycenter(neighbours: [&[u32]; 2], pos: &[u32]) -> Option<f64> {
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
/// adjacent ranks, a few passes at most; pairs of hubs are not tried.
fn classic_transpose(
    layered: &mut Layered,
    r: usize,
    budget: &mut Budget,
    scratch: &mut (Vec<u32>, Vec<u32>),
) {
    let rule = Swaps {
        degree_limit: Some(TRANSPOSE_DEGREE_LIMIT),
        ties: false,
    };
    for _ in 0..TRANSPOSE_PASSES {
        if !transpose_rank(layered, r, rule, budget, scratch).1 {
            break;
        }
    }
}

/// A later round: sweeps from the current order, offering the round's best to `best`, until
/// [`ROUND_SWEEPS`] are done, [`MIN_QUIT`] in a row gain too little, or the budget runs
/// out. An order as good as the round's best replaces it, so the round can cross a plateau.
fn improve(
    layered: &mut Layered,
    best: &mut Best,
    budget: &mut Budget,
    sweep_cost: u64,
    down_first: bool,
) {
    let mut mine = Best::of(layered);
    let mut trying = 0;
    for sweep in 0..ROUND_SWEEPS {
        if mine.crossings == 0 || trying >= MIN_QUIT || !budget.allows(sweep_cost) {
            break;
        }
        trying += 1;
        let down = (sweep % 2 == 0) == down_first;
        sort_sweep(layered, down, sweep >= BOTH_SIDES_AFTER, budget);
        transpose_all(layered, budget);
        let crossings = total_crossings(layered);
        budget.spend(layered.len() as u64);
        if crossings <= mine.crossings {
            if (crossings as f64) < CONVERGENCE * mine.crossings as f64 {
                trying = 0;
            }
            mine.offer(layered, crossings, true);
        }
    }
    mine.restore(layered);
    best.offer(layered, mine.crossings, false);
}

/// One sweep: each rank after the first (in the sweep's direction) sorted by the barycenter
/// of its neighbours' places in the rank before it, or in both adjacent ranks.
fn sort_sweep(layered: &mut Layered, down: bool, both: bool, budget: &mut Budget) {
    let ranks = layered.layers.len();
    let mut keys: Vec<(u32, f64, u32, u32)> = Vec::new();
    let mut movable: Vec<usize> = Vec::new();
    for step in 1..ranks {
        let r = if down { step } else { ranks - 1 - step };
        keys.clear();
        movable.clear();
        let mut work = 0;
        for (i, &v) in layered.layers[r].iter().enumerate() {
            let v = v as usize;
            let (before, after) = if down {
                (layered.preds(v), layered.succs(v))
            } else {
                (layered.succs(v), layered.preds(v))
            };
            let after: &[u32] = if both { after } else { &[] };
            work += 1 + before.len() + after.len();
            if let Some(mean) = classic_barycenter([before, after], &layered.pos) {
                keys.push((layered.slot[v], mean, layered.pos[v], v as u32));
                movable.push(i);
            }
        }
        budget.spend(work as u64);
        keys.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        // The nodes without neighbours keep their places; the others take the rest in order
        // (within each slot, as the keys sort by slot first).
        let layer = &mut layered.layers[r];
        for (key, &i) in keys.iter().zip(&movable) {
            layer[i] = key.3;
        }
        for (i, &v) in layer.iter().enumerate() {
            layered.pos[v as usize] = i as u32;
        }
    }
}

/// Swaps neighbours (same slot) in every rank while that lowers the crossings with both
/// adjacent ranks, until a pass over the ranks that changed gains nothing or the budget
/// runs out. Neighbours whose swap neither adds nor removes crossings are swapped too (as
/// `dot` does every other pair of sweeps), which lets the order leave a plateau: measured
/// on the bench's graphs, this is what the later rounds gain by.
fn transpose_all(layered: &mut Layered, budget: &mut Budget) {
    let ranks = layered.layers.len();
    let mut candidate = vec![true; ranks];
    let mut scratch = (Vec::new(), Vec::new());
    loop {
        let mut gained = 0;
        for r in 0..ranks {
            if !candidate[r] {
                continue;
            }
            if !budget.allows(layered.layers[r].len() as u64) {
                return;
            }
            candidate[r] = false;
            let rule = Swaps {
                degree_limit: None,
                ties: true,
            };
            let (gain, changed) = transpose_rank(layered, r, rule, budget, &mut scratch);
            gained += gain;
            if changed {
                candidate[r] = true;
                if r > 0 {
                    candidate[r - 1] = true;
                }
                if r + 1 < ranks {
                    candidate[r + 1] = true;
                }
            }
        }
        if gained == 0 {
            return;
        }
    }
}

/// Which neighbour swaps a transpose pass takes.
#[derive(Clone, Copy)]
struct Swaps {
    /// Pairs whose degrees multiply past this are not tried (`None`: every pair).
    degree_limit: Option<usize>,
    /// Also swap when the crossings stay the same (and are not zero): a later round's way off
    /// a plateau, as `dot` does.
    ties: bool,
}

/// One pass over the neighbours of rank `r`, swapping those `rule` takes: the crossings
/// removed, and whether anything moved.
fn transpose_rank(
    layered: &mut Layered,
    r: usize,
    rule: Swaps,
    budget: &mut Budget,
    scratch: &mut (Vec<u32>, Vec<u32>),
) -> (u64, bool) {
    let mut gained = 0;
    let mut changed = false;
    for i in 1..layered.layers[r].len() {
        let (u, v) = (
            layered.layers[r][i - 1] as usize,
            layered.layers[r][i] as usize,
        );
        if layered.slot[u] != layered.slot[v] {
            continue;
        }
        let degree = |n: usize| layered.preds(n).len() + layered.succs(n).len();
        if rule
            .degree_limit
            .is_some_and(|limit| degree(u) * degree(v) > limit)
        {
            continue;
        }
        let (now, swapped) = both_sides_crossings(layered, u, v, budget, scratch);
        if swapped < now || (rule.ties && now > 0 && swapped == now) {
            layered.layers[r].swap(i - 1, i);
            layered.pos[u] = i as u32;
            layered.pos[v] = (i - 1) as u32;
            gained += now - swapped;
            changed = true;
        }
    }
    (gained, changed)
}

/// Crossings among the edges of `left` and `right` (both in one rank) with both adjacent
/// ranks, with `left` placed before `right`, and the other way round.
fn both_sides_crossings(
    layered: &Layered,
    left: usize,
    right: usize,
    budget: &mut Budget,
    scratch: &mut (Vec<u32>, Vec<u32>),
) -> (u64, u64) {
    let (before, swapped_before) = pair_crossings(
        layered,
        layered.preds(left),
        layered.preds(right),
        budget,
        scratch,
    );
    let (after, swapped_after) = pair_crossings(
        layered,
        layered.succs(left),
        layered.succs(right),
        budget,
        scratch,
    );
    (before + after, swapped_before + swapped_after)
}

/// Crossings among the edges from `left` and `right` to one adjacent rank, with `left`
/// placed just before `right`, and with them swapped.
fn pair_crossings(
    layered: &Layered,
    left: &[u32],
    right: &[u32],
    budget: &mut Budget,
    scratch: &mut (Vec<u32>, Vec<u32>),
) -> (u64, u64) {
    let pos = &layered.pos;
    let (mut now, mut swapped) = (0u64, 0u64);
    if left.len() * right.len() <= PAIR_NESTED_LIMIT {
        budget.spend(1 + (left.len() * right.len()) as u64);
        for &x in left {
            let px = pos[x as usize];
            for &y in right {
                let py = pos[y as usize];
                now += u64::from(px > py);
                swapped += u64::from(px < py);
            }
        }
        return (now, swapped);
    }
    budget.spend(4 * (left.len() + right.len()) as u64);
    let (a, b) = scratch;
    a.clear();
    a.extend(left.iter().map(|&x| pos[x as usize]));
    a.sort_unstable();
    b.clear();
    b.extend(right.iter().map(|&y| pos[y as usize]));
    b.sort_unstable();
    // For each place in `a`: how many of `b` are below it (crossings as placed) and above it
    // (crossings swapped).
    let (mut below, mut not_above) = (0usize, 0usize);
    for &p in a.iter() {
        while below < b.len() && b[below] < p {
            below += 1;
        }
        not_above = not_above.max(below);
        while not_above < b.len() && b[not_above] <= p {
            not_above += 1;
        }
        now += below as u64;
        swapped += (b.len() - not_above) as u64;
    }
    (now, swapped)
}

/// Crossings of straight segments between every pair of adjacent ranks.
pub(super) fn total_crossings(layered: &Layered) -> u64 {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut tree: Vec<u32> = Vec::new();
    let mut total = 0;
    for r in 0..layered.layers.len().saturating_sub(1) {
        pairs.clear();
        for &u in &layered.layers[r] {
            for &v in layered.succs(u as usize) {
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
