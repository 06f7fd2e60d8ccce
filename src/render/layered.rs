//! The layered engine: the figure laid out by [`crate::layout`] and written as SVG by
//! gradviz itself, in micrograd's look, for figures too large for `dot`.
//!
//! The figure is the one the DOT writer describes (records `{ label | data … | grad … }`,
//! op ellipses, edges `child -> op -> value`, clusters, fills, outlines, extra rows, legend,
//! caption), sized with the builtin engine's Arial metrics ([`super::metrics`]) and drawn
//! with Graphviz's SVG conventions, so the page and the tests read it the same way: each node
//! a `<g class="node" id="v{id}">` (op nodes `v{id}_op`) titled with its DOT id, each record
//! field one `<text>` (the grad field reads `grad 0.5000`), each edge a `<g class="edge">`
//! titled `tail->head`, each cluster a `<g class="cluster">` titled `cluster_N`. Numbers are
//! written with two decimals: the same figure gives the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use petgraph::graph::NodeIndex;

use super::metrics::text_width;
use super::Format;
use crate::figure::{push_number, ClusterLayout, Decorations, DotOptions, LegendEntry, Rankdir};
use crate::graph::{self, ExportGraph};
use crate::layout::{self, ClusterSpec, Direction, NodeSpec, Point};
use crate::{Error, Result};

/// `auto` draws a figure whose layout costs more than this ([`crate::figure::layout_cost`]:
/// Graphviz nodes plus the edges' length in ranks) with the layered engine, `dot` below.
/// Measured with `cargo bench --bench layered -- --threshold` (whole `gradviz render
/// --engine dot` processes, Graphviz 2.43 with gradviz's layout settings, a loaded 2-core
/// machine), values / cost → seconds: MLP(2, [4, 4, 1]) losses 950 / 5,402 → 0.27 s,
/// 2,014 / 13,116 → 1.18 s, 2,622 / 18,228 → 2.09 s, 3,382 / 25,338 → 4.04 s; with an L2
/// term, MLP(2, [8, 8, 1]) 1,168 / 22,027 → 1.53 s, the same folded (`--fold 1`) 143 /
/// 11,951 → 0.92 s, on 8 rows 159 / 12,055 → 1.72 s, and MLP(2, [16, 16, 1]) folded 391 /
/// 116,351 → over 120 s (the layered engine: 0.04 s), a figure that counting values sent
/// to `dot`.
/// `dot` passes 2 s at a cost of about 15,000.
pub const LAYERED_ABOVE_COST: usize = 15_000;

const FONT_SIZE: f64 = 14.0;
const LINE_HEIGHT: f64 = FONT_SIZE * 1.2;
/// Padding around a field's text, across and along (Graphviz's record padding).
const FIELD_PAD: (f64, f64) = (16.0, 8.0);
/// Graphviz's default node size: 0.75 in × 0.5 in.
const MIN_NODE: (f64, f64) = (54.0, 36.0);
const ARROW_LENGTH: f64 = 10.0;
const ARROW_HALF_WIDTH: f64 = 3.5;
/// The picture's margin, as Graphviz's 4 pt.
const MARGIN: f64 = 4.0;
const FLUSH_AT: usize = 64 * 1024;

/// One drawn node.
struct Shape {
    /// The DOT id: `v{id}` or `v{id}_op`.
    name: String,
    kind: Kind,
    fill: Option<String>,
    outline: Option<String>,
}

enum Kind {
    /// A record's fields, each a list of lines.
    Record(Vec<Vec<String>>),
    Ellipse(String),
}

/// Writes `graph` as the layered engine's SVG to `out`.
pub fn write_layered_svg<W: Write>(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
    mut out: W,
) -> io::Result<()> {
    let figure = Figure::build(graph, options, decorations);
    let laid = layout::layout(&figure.input, &layout_options(options.rankdir));
    let mut text = String::with_capacity(FLUSH_AT + FLUSH_AT / 4);
    // `write` flushes its last piece itself.
    figure.write(&laid, options, decorations, &mut text, &mut out)?;
    out.flush()
}

/// The layered engine's SVG as bytes.
pub fn layered_svg(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_layered_svg(graph, options, decorations, &mut bytes).expect("writing to memory");
    bytes
}

/// The figure drawn by the layered engine as SVG or PNG (PNG through resvg, which the
/// `builtin` feature brings in); PDF is `dot`'s alone.
pub fn render_layered(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
    format: Format,
) -> Result<Vec<u8>> {
    match format {
        Format::Svg => Ok(layered_svg(graph, options, decorations)),
        Format::Png => png(&layered_svg(graph, options, decorations)),
        Format::Pdf => Err(Error::Usage(
            "the layered engine draws svg and png; PDF needs Graphviz's `dot` (--engine dot), \
             or a smaller figure"
                .to_string(),
        )),
        other => Err(Error::Usage(format!(
            "{} output is written directly, not drawn by an engine",
            other.extension()
        ))),
    }
}

#[cfg(feature = "builtin")]
fn png(svg: &[u8]) -> Result<Vec<u8>> {
    let svg = std::str::from_utf8(svg).expect("the SVG writer writes UTF-8");
    graphviz_pure_raster::rasterize(svg, graphviz_pure_raster::RasterFormat::Png, false)
        .map(|rendered| rendered.into_output())
        .map_err(|e| {
            Error::Render(format!(
                "drawing the PNG failed: {}",
                e.message().trim_end()
            ))
        })
}

#[cfg(not(feature = "builtin"))]
fn png(_: &[u8]) -> Result<Vec<u8>> {
    Err(Error::Usage(
        "this gradviz was built without the `builtin` feature, which brings the PNG \
         rasteriser; write svg, or use --engine dot"
            .to_string(),
    ))
}

/// What the layered engine hands the layout for this figure (sizes, edges, clusters), for
/// benchmarks and tools that measure the layout itself.
pub fn layered_input(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
) -> layout::Graph {
    Figure::build(graph, options, decorations).input
}

fn layout_options(rankdir: Rankdir) -> layout::Options {
    let direction = match rankdir {
        Rankdir::LR => Direction::LeftToRight,
        Rankdir::RL => Direction::RightToLeft,
        Rankdir::TB => Direction::TopToBottom,
        Rankdir::BT => Direction::BottomToTop,
    };
    layout::Options::default().with_direction(direction)
}

/// The figure's shapes and the layout's input, in the DOT writer's node order.
struct Figure {
    shapes: Vec<Shape>,
    input: layout::Graph,
    cluster_titles: Vec<(String, Option<String>)>,
    horizontal_fields: bool,
}

impl Figure {
    fn build(graph: &ExportGraph, options: &DotOptions, decorations: &Decorations) -> Self {
        let clusters = ClusterLayout::new(graph, &decorations.clusters);
        let horizontal_fields = matches!(options.rankdir, Rankdir::LR | Rankdir::RL);
        let mut figure = Figure {
            shapes: Vec::with_capacity(2 * graph.node_count()),
            input: layout::Graph {
                nodes: Vec::with_capacity(2 * graph.node_count()),
                edges: Vec::with_capacity(2 * graph.edge_count()),
                clusters: clusters
                    .parent
                    .iter()
                    .map(|&parent| ClusterSpec { parent })
                    .collect(),
            },
            cluster_titles: decorations
                .clusters
                .iter()
                .map(|c| (c.title.clone(), c.fill.clone()))
                .collect(),
            horizontal_fields,
        };
        // Record and op node of each value: record at 2i, op (if any) after it.
        let mut record_at = vec![0usize; graph.node_count()];
        let mut op_at = vec![None; graph.node_count()];
        for index in graph.node_indices() {
            let cluster = clusters.cluster_of[index.index()];
            record_at[index.index()] = figure.shapes.len();
            let record = record_shape(graph, index, options, decorations);
            figure.push(record, cluster);
            let info = &graph[index];
            if !info.op.is_leaf() {
                op_at[index.index()] = Some(figure.shapes.len());
                let op = Shape {
                    name: format!("v{}_op", info.id),
                    kind: Kind::Ellipse(info.op.to_string()),
                    fill: None,
                    outline: None,
                };
                figure.push(op, cluster);
            }
        }
        for index in graph.node_indices() {
            let operands = graph::operands(graph, index);
            if operands.is_empty() {
                continue;
            }
            let target = op_at[index.index()].unwrap_or(record_at[index.index()]);
            let mut drawn: Vec<NodeIndex> = Vec::with_capacity(operands.len());
            for operand in operands {
                if !drawn.contains(&operand) {
                    drawn.push(operand);
                    figure
                        .input
                        .edges
                        .push((record_at[operand.index()], target));
                }
            }
            if let Some(op) = op_at[index.index()] {
                figure.input.edges.push((op, record_at[index.index()]));
            }
        }
        figure
    }

    fn push(&mut self, shape: Shape, cluster: Option<usize>) {
        let (width, height) = shape_size(&shape.kind, self.horizontal_fields);
        self.input.nodes.push(NodeSpec {
            width,
            height,
            cluster,
        });
        self.shapes.push(shape);
    }

    fn write<W: Write>(
        &self,
        laid: &layout::Layout,
        options: &DotOptions,
        decorations: &Decorations,
        text: &mut String,
        out: &mut W,
    ) -> io::Result<()> {
        let font = xml(&options.fontname);
        let caption_height = if decorations.caption.is_some() {
            LINE_HEIGHT + 8.0
        } else {
            0.0
        };
        let legend = Legend::measure(&decorations.legend);
        let width = laid.width.max(legend.width) + 2.0 * MARGIN;
        let height = laid.height + caption_height + legend.height + 2.0 * MARGIN;
        let _ = write!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
             <svg width=\"{w}pt\" height=\"{h}pt\" viewBox=\"0.00 0.00 {w} {h}\" \
             xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n\
             <g id=\"graph0\" class=\"graph\" font-family=\"{font}\" font-size=\"14.00\">\n\
             <title>gradviz</title>\n\
             <polygon fill=\"white\" stroke=\"transparent\" points=\"0,0 {w},0 {w},{h} 0,{h} 0,0\"/>\n",
            w = num(width),
            h = num(height),
        );
        if let Some(caption) = &decorations.caption {
            let _ = writeln!(
                text,
                "<text text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
                num(width / 2.0),
                num(MARGIN + FONT_SIZE),
                xml(caption)
            );
        }
        let origin = Point {
            x: MARGIN,
            y: MARGIN + caption_height,
        };
        self.write_clusters(laid, origin, text);
        for (i, shape) in self.shapes.iter().enumerate() {
            let centre = offset(laid.nodes[i], origin);
            let spec = &self.input.nodes[i];
            write_shape(text, shape, centre, spec, self.horizontal_fields);
            flush(text, out, false)?;
        }
        for (e, (&(a, b), route)) in self.input.edges.iter().zip(&laid.edges).enumerate() {
            write_edge(
                text,
                e,
                &self.shapes[a].name,
                &self.shapes[b].name,
                route,
                origin,
            );
            flush(text, out, false)?;
        }
        let legend_origin = Point {
            x: MARGIN,
            y: origin.y + laid.height + 8.0,
        };
        legend.write(text, &decorations.legend, legend_origin);
        text.push_str("</g>\n</svg>\n");
        flush(text, out, true)
    }

    fn write_clusters(&self, laid: &layout::Layout, origin: Point, text: &mut String) {
        for (c, rect) in laid.clusters.iter().enumerate() {
            let Some(rect) = rect else { continue };
            let (title, fill) = &self.cluster_titles[c];
            let (x0, y0) = (rect.x + origin.x, rect.y + origin.y);
            let (x1, y1) = (x0 + rect.width, y0 + rect.height);
            let fill = fill.as_deref().map_or("none".to_string(), xml);
            let _ = write!(
                text,
                "<g id=\"cluster_{c}\" class=\"cluster\">\n<title>cluster_{c}</title>\n\
                 <polygon fill=\"{fill}\" stroke=\"black\" points=\"{a},{b} {c2},{b} {c2},{d} {a},{d} {a},{b}\"/>\n\
                 <text text-anchor=\"middle\" x=\"{tx}\" y=\"{ty}\">{t}</text>\n</g>\n",
                a = num(x0),
                b = num(y0),
                c2 = num(x1),
                d = num(y1),
                tx = num((x0 + x1) / 2.0),
                ty = num(y0 + 4.0 + FONT_SIZE),
                t = xml(title),
            );
        }
    }
}

fn record_shape(
    graph: &ExportGraph,
    index: NodeIndex,
    options: &DotOptions,
    decorations: &Decorations,
) -> Shape {
    let info = &graph[index];
    let decoration = decorations.nodes.get(&info.id);
    let mut fields: Vec<String> = match options.records.get(&info.id) {
        Some(fields) => fields.clone(),
        None => {
            let mut data = String::from("data ");
            push_number(&mut data, info.data, options.precision);
            let mut grad = String::from("grad ");
            push_number(&mut grad, info.grad, options.precision);
            vec![info.label.clone(), data, grad]
        }
    };
    fields.extend(decoration.iter().flat_map(|d| d.extra_rows.iter().cloned()));
    Shape {
        name: format!("v{}", info.id),
        kind: Kind::Record(fields.iter().map(|f| lines(f)).collect()),
        fill: decoration.and_then(|d| d.fill.clone()),
        outline: decoration.and_then(|d| d.outline.clone()),
    }
}

/// A field's lines, split at `\n`, `\r\n` or `\r`, as the DOT writer breaks them.
fn lines(field: &str) -> Vec<String> {
    field
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(str::to_string)
        .collect()
}

fn field_size(lines: &[String]) -> (f64, f64) {
    let widest = lines
        .iter()
        .map(|l| text_width(l, FONT_SIZE))
        .fold(0.0, f64::max);
    (
        widest + FIELD_PAD.0,
        lines.len() as f64 * LINE_HEIGHT + FIELD_PAD.1,
    )
}

fn shape_size(kind: &Kind, horizontal_fields: bool) -> (f64, f64) {
    match kind {
        Kind::Record(fields) => {
            let sizes: Vec<(f64, f64)> = fields.iter().map(|f| field_size(f)).collect();
            let (sum_w, max_w) = sizes
                .iter()
                .fold((0.0, 0.0f64), |(s, m), &(w, _)| (s + w, m.max(w)));
            let (sum_h, max_h) = sizes
                .iter()
                .fold((0.0, 0.0f64), |(s, m), &(_, h)| (s + h, m.max(h)));
            if horizontal_fields {
                (sum_w.max(MIN_NODE.0), max_h.max(MIN_NODE.1))
            } else {
                (max_w.max(MIN_NODE.0), sum_h.max(MIN_NODE.1))
            }
        }
        Kind::Ellipse(label) => {
            let width = text_width(label, FONT_SIZE) * std::f64::consts::SQRT_2 + FIELD_PAD.0;
            (width.max(MIN_NODE.0), MIN_NODE.1)
        }
    }
}

fn write_shape(text: &mut String, shape: &Shape, centre: Point, spec: &NodeSpec, horizontal: bool) {
    let fill = shape.fill.as_deref().map_or("none".to_string(), xml);
    let (stroke, width) = match &shape.outline {
        Some(colour) => (xml(colour), "2"),
        None => ("black".to_string(), "1"),
    };
    let _ = write!(
        text,
        "<g id=\"{name}\" class=\"node\">\n<title>{name}</title>\n",
        name = shape.name
    );
    let (hw, hh) = (spec.width / 2.0, spec.height / 2.0);
    match &shape.kind {
        Kind::Ellipse(label) => {
            let _ = writeln!(
                text,
                "<ellipse fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\" cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\"/>",
                num(centre.x),
                num(centre.y),
                num(hw),
                num(hh)
            );
            write_lines(text, std::slice::from_ref(label), centre);
        }
        Kind::Record(fields) => {
            let (x0, y0, x1, y1) = (centre.x - hw, centre.y - hh, centre.x + hw, centre.y + hh);
            let _ = writeln!(
                text,
                "<polygon fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\" points=\"{a},{b} {c},{b} {c},{d} {a},{d} {a},{b}\"/>",
                a = num(x0),
                b = num(y0),
                c = num(x1),
                d = num(y1)
            );
            write_fields(text, fields, (x0, y0, x1, y1), horizontal);
        }
    }
    text.push_str("</g>\n");
}

/// The fields side by side (or stacked), stretched to the record's size as Graphviz does:
/// each field gets its share of the slack.
fn write_fields(
    text: &mut String,
    fields: &[Vec<String>],
    (x0, y0, x1, y1): (f64, f64, f64, f64),
    horizontal: bool,
) {
    let sizes: Vec<f64> = fields
        .iter()
        .map(|f| {
            let (w, h) = field_size(f);
            if horizontal {
                w
            } else {
                h
            }
        })
        .collect();
    let total: f64 = sizes.iter().sum();
    let room = if horizontal { x1 - x0 } else { y1 - y0 };
    let slack = (room - total).max(0.0) / fields.len().max(1) as f64;
    let mut at = if horizontal { x0 } else { y0 };
    for (i, (field, size)) in fields.iter().zip(&sizes).enumerate() {
        let end = at + size + slack;
        if i > 0 {
            let (a, b, c, d) = if horizontal {
                (at, y0, at, y1)
            } else {
                (x0, at, x1, at)
            };
            let _ = writeln!(
                text,
                "<polyline fill=\"none\" stroke=\"black\" points=\"{},{} {},{}\"/>",
                num(a),
                num(b),
                num(c),
                num(d)
            );
        }
        let middle = if horizontal {
            Point {
                x: (at + end) / 2.0,
                y: (y0 + y1) / 2.0,
            }
        } else {
            Point {
                x: (x0 + x1) / 2.0,
                y: (at + end) / 2.0,
            }
        };
        write_lines(text, field, middle);
        at = end;
    }
}

/// One `<text>` per line, the block centred on `centre`.
fn write_lines(text: &mut String, lines: &[String], centre: Point) {
    let first = centre.y - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0 + FONT_SIZE * 0.3;
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(
            text,
            "<text text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
            num(centre.x),
            num(first + i as f64 * LINE_HEIGHT),
            xml(line)
        );
    }
}

fn write_edge(text: &mut String, e: usize, tail: &str, head: &str, route: &[Point], origin: Point) {
    if route.len() < 4 {
        return;
    }
    let mut points: Vec<Point> = route.iter().map(|&p| offset(p, origin)).collect();
    let tip = points[points.len() - 1];
    let control = points[points.len() - 2];
    let (dx, dy) = (tip.x - control.x, tip.y - control.y);
    let length = (dx * dx + dy * dy).sqrt();
    let (ux, uy) = if length > 1e-9 {
        (dx / length, dy / length)
    } else {
        (1.0, 0.0)
    };
    let base = Point {
        x: tip.x - ux * ARROW_LENGTH,
        y: tip.y - uy * ARROW_LENGTH,
    };
    let last = points.len() - 1;
    points[last] = base;
    let _ = write!(
        text,
        "<g id=\"edge{}\" class=\"edge\">\n<title>{tail}&#45;&gt;{head}</title>\n<path fill=\"none\" stroke=\"black\" d=\"M{},{}C",
        e + 1,
        num(points[0].x),
        num(points[0].y)
    );
    for (i, p) in points[1..].iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let _ = write!(text, "{},{}", num(p.x), num(p.y));
    }
    let (px, py) = (-uy * ARROW_HALF_WIDTH, ux * ARROW_HALF_WIDTH);
    let _ = write!(
        text,
        "\"/>\n<polygon fill=\"black\" stroke=\"black\" points=\"{},{} {},{} {},{} {},{}\"/>\n</g>\n",
        num(base.x + px),
        num(base.y + py),
        num(tip.x),
        num(tip.y),
        num(base.x - px),
        num(base.y - py),
        num(base.x + px),
        num(base.y + py)
    );
}

/// The legend: a titled box of swatches below the figure.
struct Legend {
    width: f64,
    height: f64,
}

impl Legend {
    const SWATCH: f64 = 14.0;

    fn measure(entries: &[LegendEntry]) -> Legend {
        if entries.is_empty() {
            return Legend {
                width: 0.0,
                height: 0.0,
            };
        }
        let widest = entries
            .iter()
            .map(|e| text_width(&e.text, FONT_SIZE))
            .fold(text_width("legend", FONT_SIZE), f64::max);
        Legend {
            width: widest + Self::SWATCH + 24.0,
            height: (entries.len() as f64 + 1.0) * (LINE_HEIGHT + 4.0) + 16.0,
        }
    }

    fn write(&self, text: &mut String, entries: &[LegendEntry], origin: Point) {
        if entries.is_empty() {
            return;
        }
        let (x0, y0) = (origin.x, origin.y + 8.0);
        let _ = write!(
            text,
            "<g id=\"cluster_legend\" class=\"cluster\">\n<title>cluster_legend</title>\n\
             <polygon fill=\"none\" stroke=\"black\" points=\"{a},{b} {c},{b} {c},{d} {a},{d} {a},{b}\"/>\n\
             <text x=\"{tx}\" y=\"{ty}\">legend</text>\n",
            a = num(x0),
            b = num(y0),
            c = num(x0 + self.width),
            d = num(y0 + self.height - 8.0),
            tx = num(x0 + 8.0),
            ty = num(y0 + 4.0 + FONT_SIZE),
        );
        for (i, entry) in entries.iter().enumerate() {
            let y = y0 + (i as f64 + 1.0) * (LINE_HEIGHT + 4.0) + 8.0;
            let fill = entry.fill.as_deref().map_or("none".to_string(), xml);
            let stroke = entry.outline.as_deref().map_or("black".to_string(), xml);
            let _ = write!(
                text,
                "<g id=\"legend_{i}\" class=\"node\">\n<title>legend_{i}</title>\n\
                 <polygon fill=\"{fill}\" stroke=\"{stroke}\" points=\"{a},{b} {c},{b} {c},{d} {a},{d} {a},{b}\"/>\n\
                 <text x=\"{tx}\" y=\"{ty}\">{t}</text>\n</g>\n",
                a = num(x0 + 8.0),
                b = num(y),
                c = num(x0 + 8.0 + Self::SWATCH),
                d = num(y + Self::SWATCH),
                tx = num(x0 + 16.0 + Self::SWATCH),
                ty = num(y + Self::SWATCH - 2.0),
                t = xml(&entry.text),
            );
        }
        text.push_str("</g>\n");
    }
}

fn offset(p: Point, origin: Point) -> Point {
    Point {
        x: p.x + origin.x,
        y: p.y + origin.y,
    }
}

fn flush<W: Write>(text: &mut String, out: &mut W, last: bool) -> io::Result<()> {
    if last || text.len() >= FLUSH_AT {
        out.write_all(text.as_bytes())?;
        text.clear();
    }
    Ok(())
}

/// A coordinate with two decimals, `-0.00` written as `0.00`.
fn num(value: f64) -> String {
    let text = format!("{value:.2}");
    if text == "-0.00" {
        "0.00".to_string()
    } else {
        text
    }
}

/// `text` escaped for XML text and attributes; characters XML cannot carry are drawn as
/// their Unicode control pictures, as the DOT writer does.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => out.push('\u{2421}'),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
