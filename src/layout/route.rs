//! Rank coordinates, edge routes and cluster boxes, then the turn into the final direction.
//!
//! Each rank is a slab as thick as its thickest node. An edge leaves its tail at the middle
//! of the side facing the next rank, runs straight along the rank axis to the slab's edge,
//! crosses the gap to the next slab as a cubic S-curve (both tangents along the rank axis,
//! so the curve stays inside the gap's box between its two ends), runs straight through
//! each slab it passes at its dummy's place, and ends at the middle of the head's facing
//! side. Straight runs inside a slab keep to their own node's or dummy's place, which no
//! other node of the rank covers; curves stay in the gaps, where no node is: so no route
//! enters a node box.

use super::graph::Layered;
use super::position::cross_padding;
use super::{Direction, Graph, Layout, Options, Point, Rect};

/// Routes and boxes with ranks running down (x across, y along the ranks).
pub(super) struct Internal {
    centres: Vec<Point>,
    routes: Vec<Vec<Point>>,
    boxes: Vec<Option<Rect>>,
}

pub(super) fn route(layered: &Layered, cross: &[f64], options: &Options) -> Internal {
    let (middle, half) = rank_slabs(layered, options);
    let centre = |v: usize| Point {
        x: cross[v],
        y: middle[layered.rank[v] as usize],
    };
    let centres: Vec<Point> = (0..layered.real).map(centre).collect();
    let mut routes = Vec::with_capacity(layered.chains.len());
    for edge in &layered.chains {
        let chain: Vec<usize> = edge.nodes().collect();
        let mut route = Vec::with_capacity(4 + 6 * chain.len());
        let tail = chain[0];
        let start = centre(tail);
        route.push(Point {
            x: start.x,
            y: start.y + layered.rank_size[tail] / 2.0,
        });
        for (i, pair) in chain.windows(2).enumerate() {
            let (a, b) = (pair[0], pair[1]);
            let r = layered.rank[a] as usize;
            let leave = Point {
                x: cross[a],
                y: middle[r] + half[r],
            };
            if i > 0 || route[0].y < leave.y {
                straight(&mut route, leave);
            }
            let arrive_y = middle[r + 1] - half[r + 1];
            let arrive = Point {
                x: cross[b],
                y: arrive_y,
            };
            s_curve(&mut route, arrive);
            let end_y = middle[r + 1] - layered.rank_size[b] / 2.0;
            if !layered.is_dummy(b) && end_y > arrive_y {
                straight(
                    &mut route,
                    Point {
                        x: cross[b],
                        y: end_y,
                    },
                );
            }
        }
        let mut route = merge_straight_runs(&route);
        if edge.reversed {
            route.reverse();
        }
        routes.push(route);
    }
    let boxes = cluster_boxes(layered, &centres, options);
    Internal {
        centres,
        routes,
        boxes,
    }
}

/// The route with each run of pieces along one line of the rank axis (a long edge's dummies
/// in line: straight through a slab, then a gap crossed without moving across) as one
/// straight piece. A long edge of a large graph passes hundreds of dummies mostly in line:
/// this keeps its route, and the SVG path, to the bends.
fn merge_straight_runs(route: &[Point]) -> Vec<Point> {
    let mut merged: Vec<Point> = Vec::with_capacity(route.len());
    merged.push(route[0]);
    // Whether the last piece in `merged` lies along the rank axis.
    let mut last_straight = false;
    for piece in route[1..].chunks_exact(3) {
        let from = *merged.last().expect("a route starts with a point");
        let straight_piece = piece.iter().all(|p| p.x == from.x);
        if straight_piece && last_straight {
            merged.truncate(merged.len() - 3);
        }
        if straight_piece {
            straight(&mut merged, piece[2]);
        } else {
            merged.extend_from_slice(piece);
        }
        last_straight = straight_piece;
    }
    merged
}

/// Each rank's middle along the rank axis and half its thickness.
fn rank_slabs(layered: &Layered, options: &Options) -> (Vec<f64>, Vec<f64>) {
    let half: Vec<f64> = layered
        .layers
        .iter()
        .map(|layer| {
            layer
                .iter()
                .map(|&v| layered.rank_size[v as usize] / 2.0)
                .fold(0.0, f64::max)
        })
        .collect();
    let mut middle = Vec::with_capacity(half.len());
    let mut at = 0.0;
    for (r, &h) in half.iter().enumerate() {
        if r > 0 {
            at += half[r - 1] + options.rank_sep + h;
        } else {
            at = h;
        }
        middle.push(at);
    }
    (middle, half)
}

fn straight(route: &mut Vec<Point>, to: Point) {
    let from = *route.last().expect("a route starts with a point");
    let third = |t: f64| Point {
        x: from.x + (to.x - from.x) * t,
        y: from.y + (to.y - from.y) * t,
    };
    route.extend([third(1.0 / 3.0), third(2.0 / 3.0), to]);
}

fn s_curve(route: &mut Vec<Point>, to: Point) {
    let from = *route.last().expect("a route starts with a point");
    let mid = (from.y + to.y) / 2.0;
    route.extend([Point { x: from.x, y: mid }, Point { x: to.x, y: mid }, to]);
}

/// Each cluster's box: its own nodes and nested boxes, padded, the title's room on top.
fn cluster_boxes(layered: &Layered, centres: &[Point], options: &Options) -> Vec<Option<Rect>> {
    let tree = &layered.clusters;
    let count = tree.parent.len();
    let mut bounds: Vec<Option<(f64, f64, f64, f64)>> = vec![None; count];
    for (v, centre) in centres.iter().enumerate() {
        let owner = tree.slot_owner[layered.slot[v] as usize];
        if let Some(c) = owner {
            let (hx, hy) = (layered.cross_size[v] / 2.0, layered.rank_size[v] / 2.0);
            grow(
                &mut bounds[c],
                (centre.x - hx, centre.y - hy, centre.x + hx, centre.y + hy),
            );
        }
    }
    let (leading, trailing) = cross_padding(options);
    let (before, after) = rank_padding(options);
    // Children have larger indices than their parents: walking backwards finishes every
    // box before its parent takes it in.
    let mut boxes = vec![None; count];
    for c in (0..count).rev() {
        let Some((x0, y0, x1, y1)) = bounds[c] else {
            continue;
        };
        let padded = (x0 - leading, y0 - before, x1 + trailing, y1 + after);
        boxes[c] = Some(padded);
        if let Some(p) = tree.parent[c] {
            grow(&mut bounds[p], padded);
        }
    }
    boxes
        .into_iter()
        .map(|b| {
            b.map(|(x0, y0, x1, y1)| Rect {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
            })
        })
        .collect()
}

fn grow(bound: &mut Option<(f64, f64, f64, f64)>, (x0, y0, x1, y1): (f64, f64, f64, f64)) {
    *bound = Some(match *bound {
        None => (x0, y0, x1, y1),
        Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
    });
}

/// The padding of a cluster box before and after its contents along the ranks.
fn rank_padding(options: &Options) -> (f64, f64) {
    let pad = options.cluster_pad;
    match options.direction {
        Direction::TopToBottom => (pad + options.cluster_label, pad),
        Direction::BottomToTop => (pad, pad + options.cluster_label),
        _ => (pad, pad),
    }
}

impl Internal {
    /// Turns the picture into `direction` and moves it to start at (0, 0).
    pub(super) fn finish(
        self,
        graph: &Graph,
        edges: &[(usize, usize)],
        direction: Direction,
    ) -> Layout {
        let turn = |p: Point| match direction {
            Direction::TopToBottom => p,
            Direction::BottomToTop => Point { x: p.x, y: -p.y },
            Direction::LeftToRight => Point { x: p.y, y: p.x },
            Direction::RightToLeft => Point { x: -p.y, y: p.x },
        };
        let turn_box = |r: Rect| {
            let a = turn(Point { x: r.x, y: r.y });
            let b = turn(Point {
                x: r.x + r.width,
                y: r.y + r.height,
            });
            (a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y))
        };
        let mut nodes: Vec<Point> = self.centres.into_iter().map(turn).collect();
        let mut routes: Vec<Vec<Point>> = Vec::with_capacity(graph.edges.len());
        let mut kept = edges.iter().zip(self.routes);
        let mut next = kept.next();
        for &(a, b) in &graph.edges {
            match next {
                Some((&(ka, kb), _)) if (ka, kb) == (a, b) => {
                    let (_, route) = next.take().expect("matched");
                    routes.push(route.into_iter().map(turn).collect());
                    next = kept.next();
                }
                _ => routes.push(Vec::new()),
            }
        }
        let mut boxes: Vec<Option<(f64, f64, f64, f64)>> =
            self.boxes.into_iter().map(|b| b.map(turn_box)).collect();
        let (mut x0, mut y0, mut x1, mut y1) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let mut first = true;
        let mut take = |a: f64, b: f64, c: f64, d: f64| {
            if first {
                (x0, y0, x1, y1) = (a, b, c, d);
                first = false;
            } else {
                (x0, y0, x1, y1) = (x0.min(a), y0.min(b), x1.max(c), y1.max(d));
            }
        };
        for (node, spec) in nodes.iter().zip(&graph.nodes) {
            let (hw, hh) = (spec.width / 2.0, spec.height / 2.0);
            take(node.x - hw, node.y - hh, node.x + hw, node.y + hh);
        }
        for route in &routes {
            for p in route {
                take(p.x, p.y, p.x, p.y);
            }
        }
        for &(a, b, c, d) in boxes.iter().flatten() {
            take(a, b, c, d);
        }
        let shift = |p: &mut Point| {
            p.x -= x0;
            p.y -= y0;
        };
        nodes.iter_mut().for_each(shift);
        routes.iter_mut().flatten().for_each(shift);
        let clusters = boxes
            .iter_mut()
            .map(|b| {
                b.map(|(a, b, c, d)| Rect {
                    x: a - x0,
                    y: b - y0,
                    width: c - a,
                    height: d - b,
                })
            })
            .collect();
        Layout {
            nodes,
            edges: routes,
            clusters,
            width: x1 - x0,
            height: y1 - y0,
            stats: Default::default(),
        }
    }
}
