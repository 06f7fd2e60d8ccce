//! A figure's quality, read from its SVG (ours or Graphviz's): edge crossings (pairs of
//! routed edges that cross without sharing a node), edges that pass through a node box that
//! is not one of their ends, the picture's size, the edges' mean drawn length, and the edges
//! drawn against the rank direction (head before tail, ranks running left to right). The
//! bench and the layout-quality corpus test (tests/suite/layout_quality.rs) share it.
//!
//! Nodes are the `<g class="node">` groups (a polygon's bounding box, or an ellipse), edges
//! the `<g class="edge">` groups titled `tail->head` with a path of cubic Bézier pieces
//! (`M x,y C x,y x,y x,y …`), sampled at 8 points a piece. Segments and nodes are bucketed in
//! a grid so that large figures are counted in seconds.

use std::collections::{HashMap, HashSet};

const CELL: f64 = 64.0;
const SAMPLES: usize = 8;
/// A route may touch a box's border (where it ends, or passing close): only a point this far
/// inside counts.
const INSIDE_BY: f64 = 1.0;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quality {
    pub crossings: usize,
    pub through_nodes: usize,
    pub edges: usize,
    /// The picture's size (the SVG's view box).
    pub width: f64,
    pub height: f64,
    /// The edges' drawn length (along their curves), summed.
    pub edge_length: f64,
    /// Edges whose head's centre lies left of their tail's by more than a point.
    pub against: usize,
}

impl Quality {
    pub fn area(&self) -> f64 {
        self.width * self.height
    }

    /// The longer side over the shorter.
    pub fn aspect(&self) -> f64 {
        self.width.max(self.height) / self.width.min(self.height).max(1.0)
    }

    pub fn mean_edge_length(&self) -> f64 {
        self.edge_length / self.edges.max(1) as f64
    }
}

enum Shape {
    Box(f64, f64, f64, f64),
    Ellipse(f64, f64, f64, f64),
}

impl Shape {
    fn holds(&self, x: f64, y: f64) -> bool {
        match *self {
            Shape::Box(x0, y0, x1, y1) => {
                x > x0 + INSIDE_BY && x < x1 - INSIDE_BY && y > y0 + INSIDE_BY && y < y1 - INSIDE_BY
            }
            Shape::Ellipse(cx, cy, rx, ry) => {
                let (rx, ry) = (rx - INSIDE_BY, ry - INSIDE_BY);
                rx > 0.0 && ry > 0.0 && ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2) < 1.0
            }
        }
    }

    fn bounds(&self) -> (f64, f64, f64, f64) {
        match *self {
            Shape::Box(x0, y0, x1, y1) => (x0, y0, x1, y1),
            Shape::Ellipse(cx, cy, rx, ry) => (cx - rx, cy - ry, cx + rx, cy + ry),
        }
    }
}

struct Edge {
    tail: String,
    head: String,
    points: Vec<(f64, f64)>,
}

/// The quality of the figure `svg`; crossings only when asked (they take longest).
pub fn measure(svg: &str, with_crossings: bool) -> Quality {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(svg, options).expect("well-formed SVG");
    let mut nodes: Vec<(String, Shape)> = Vec::new();
    let mut edges: Vec<Edge> = Vec::new();
    for g in doc.descendants().filter(|n| n.has_tag_name("g")) {
        let title = g
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or_default()
            .to_string();
        match g.attribute("class") {
            Some("node") => {
                if let Some(shape) = node_shape(g) {
                    nodes.push((title, shape));
                }
            }
            Some("edge") => {
                let Some((tail, head)) = title.split_once("->") else {
                    continue;
                };
                let Some(d) = g
                    .descendants()
                    .find(|c| c.has_tag_name("path"))
                    .and_then(|p| p.attribute("d"))
                else {
                    continue;
                };
                edges.push(Edge {
                    tail: tail.to_string(),
                    head: head.to_string(),
                    points: sample(d),
                });
            }
            _ => {}
        }
    }
    let view_box = numbers(doc.root_element().attribute("viewBox").unwrap_or_default());
    let (width, height) = match view_box[..] {
        [_, _, w, h] => (w, h),
        _ => (0.0, 0.0),
    };
    Quality {
        crossings: if with_crossings { crossings(&edges) } else { 0 },
        through_nodes: through_nodes(&nodes, &edges),
        edges: edges.len(),
        width,
        height,
        edge_length: edges.iter().map(|e| polyline_length(&e.points)).sum(),
        against: against(&nodes, &edges),
    }
}

fn polyline_length(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|p| (p[1].0 - p[0].0).hypot(p[1].1 - p[0].1))
        .sum()
}

/// Edges whose head's centre is left of their tail's (ranks run left to right).
fn against(nodes: &[(String, Shape)], edges: &[Edge]) -> usize {
    let centre_x: HashMap<&str, f64> = nodes
        .iter()
        .map(|(name, shape)| {
            let (x0, _, x1, _) = shape.bounds();
            (name.as_str(), (x0 + x1) / 2.0)
        })
        .collect();
    edges
        .iter()
        .filter(|e| {
            let tail = centre_x.get(e.tail.as_str());
            let head = centre_x.get(e.head.as_str());
            matches!((tail, head), (Some(t), Some(h)) if *h < *t - 1.0)
        })
        .count()
}

fn node_shape(g: roxmltree::Node) -> Option<Shape> {
    let number =
        |n: roxmltree::Node, name: &str| -> Option<f64> { n.attribute(name)?.parse().ok() };
    if let Some(e) = g.descendants().find(|c| c.has_tag_name("ellipse")) {
        return Some(Shape::Ellipse(
            number(e, "cx")?,
            number(e, "cy")?,
            number(e, "rx")?,
            number(e, "ry")?,
        ));
    }
    let polygon = g.descendants().find(|c| c.has_tag_name("polygon"))?;
    let values = numbers(polygon.attribute("points")?);
    let xs = values.iter().step_by(2);
    let ys = values.iter().skip(1).step_by(2);
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
        (a.min(x), b.max(x))
    });
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
        (a.min(y), b.max(y))
    });
    Some(Shape::Box(x0, y0, x1, y1))
}

fn numbers(text: &str) -> Vec<f64> {
    text.split(|c: char| c == ',' || c == ' ' || c == 'M' || c == 'C' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// The path's Bézier pieces as a polyline.
fn sample(d: &str) -> Vec<(f64, f64)> {
    let values = numbers(d);
    let points: Vec<(f64, f64)> = values.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    let Some(&first) = points.first() else {
        return Vec::new();
    };
    let mut out = vec![first];
    for piece in points.windows(4).step_by(3) {
        for i in 1..=SAMPLES {
            let t = i as f64 / SAMPLES as f64;
            let u = 1.0 - t;
            let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
            let x = (0..4).map(|k| w[k] * piece[k].0).sum();
            let y = (0..4).map(|k| w[k] * piece[k].1).sum();
            out.push((x, y));
        }
    }
    out
}

/// A piece of an edge's polyline: the edge and the two ends.
type Segment = (u32, (f64, f64), (f64, f64));

fn cell(x: f64, y: f64) -> (i64, i64) {
    ((x / CELL).floor() as i64, (y / CELL).floor() as i64)
}

/// Distinct pairs of edges with no end in common whose polylines properly cross.
fn crossings(edges: &[Edge]) -> usize {
    let mut grid: HashMap<(i64, i64), Vec<Segment>> = HashMap::new();
    for (e, edge) in edges.iter().enumerate() {
        for pair in edge.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (c0, c1) = (
                cell(a.0.min(b.0), a.1.min(b.1)),
                cell(a.0.max(b.0), a.1.max(b.1)),
            );
            for cx in c0.0..=c1.0 {
                for cy in c0.1..=c1.1 {
                    grid.entry((cx, cy)).or_default().push((e as u32, a, b));
                }
            }
        }
    }
    let mut pairs: HashSet<(u32, u32)> = HashSet::new();
    for segments in grid.values() {
        for (i, &(e, a, b)) in segments.iter().enumerate() {
            for &(f, c, d) in &segments[i + 1..] {
                if e == f || share_an_end(&edges[e as usize], &edges[f as usize]) {
                    continue;
                }
                let key = (e.min(f), e.max(f));
                if !pairs.contains(&key) && cross(a, b, c, d) {
                    pairs.insert(key);
                }
            }
        }
    }
    pairs.len()
}

fn share_an_end(a: &Edge, b: &Edge) -> bool {
    a.tail == b.tail || a.tail == b.head || a.head == b.tail || a.head == b.head
}

fn cross(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
    let orient = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
        (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0)
    };
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// (edge, node) pairs where the edge passes inside a node that is not one of its ends.
fn through_nodes(nodes: &[(String, Shape)], edges: &[Edge]) -> usize {
    let mut grid: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
    for (n, (_, shape)) in nodes.iter().enumerate() {
        let (x0, y0, x1, y1) = shape.bounds();
        let (c0, c1) = (cell(x0, y0), cell(x1, y1));
        for cx in c0.0..=c1.0 {
            for cy in c0.1..=c1.1 {
                grid.entry((cx, cy)).or_default().push(n as u32);
            }
        }
    }
    let mut hits: HashSet<(u32, u32)> = HashSet::new();
    for (e, edge) in edges.iter().enumerate() {
        // Points between the samples too: a segment could skip over a small node.
        for pair in edge.points.windows(2) {
            for k in 0..4 {
                let t = k as f64 / 4.0;
                let x = pair[0].0 + (pair[1].0 - pair[0].0) * t;
                let y = pair[0].1 + (pair[1].1 - pair[0].1) * t;
                for &n in grid.get(&cell(x, y)).into_iter().flatten() {
                    let (name, shape) = &nodes[n as usize];
                    if *name != edge.tail && *name != edge.head && shape.holds(x, y) {
                        hits.insert((e as u32, n));
                    }
                }
            }
        }
    }
    hits.len()
}
