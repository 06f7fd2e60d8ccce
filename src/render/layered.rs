//! The layered engine: a figure's [`Scene`] laid out by [`crate::layout`] and written as SVG
//! by gradviz itself, in micrograd's look, for figures too large for `dot`.
//!
//! It draws what the DOT writer writes (records, op ellipses, edges, clusters, fills,
//! outlines, extra rows, legend, caption: the same scene), sized with the builtin engine's
//! Arial metrics ([`super::metrics`]) and drawn with Graphviz's SVG conventions, so the page
//! and the tests read it the same way: each node a `<g class="node">` titled with its name
//! (`v3`, `v3_op`), each record field one `<text>`, each edge a `<g class="edge">` titled
//! `tail->head`, each cluster a `<g class="cluster">` titled `cluster_N`. Unlike Graphviz it
//! writes the page's names itself ([`ElementId`]): every group's `id` is its element's, and a
//! record's grad text carries `v3-g`, so the page needs no text matching for its figures.
//! A grad field with room ([`crate::figure::Record::GradRoom`]) is sized for the room and
//! shows the grad. Numbers are written with two decimals: the same figure gives the same
//! bytes. Gates and shared ranks, like the layout hints, are Graphviz's and not read here:
//! they make `dot`, which ranks each cluster on its own, put a network's layers in order;
//! this layout ranks the whole graph at once, so a layer's values already come after the
//! values they are computed from. Laid out as hidden points, gates only pushed each layer's
//! cluster into a band of its own, a picture twice as tall with longer edges.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::metrics::text_width;
use super::Format;
use crate::error::Refusal;
use crate::figure::escape::xml_escape;
use crate::figure::scene::{Field, NodeSlots, Scene, SceneNode};
use crate::figure::stream::{self, pass_on};
use crate::figure::{ElementId, LegendEntry, NodeId, Rankdir};
use crate::layout::{self, ClusterSpec, Direction, NodeSpec, Point};
use crate::{Error, Result};

/// `auto` draws a figure whose layout costs more than this ([`crate::figure::layout_cost`]:
/// Graphviz nodes plus the edges' length in ranks) with the layered engine, `dot` below.
/// Measured with `cargo bench --bench layered -- --threshold` (whole `gradviz render
/// --engine dot` processes, Graphviz 2.43 with gradviz's layout settings, a loaded 2-core
/// machine), values / cost → seconds: MLP(2, [4, 4, 1]) losses 950 / 4,874 → 0.41 s,
/// 2,014 / 11,972 → 1.38 s, 2,622 / 16,732 → 2.34 s, 3,382 / 23,402 → 3.58 s; with an L2
/// term, MLP(2, [8, 8, 1]) 1,168 / 15,173 → 1.68 s, the same folded (`--fold 1`) 143 /
/// 11,727 → 1.28 s, on 8 rows 159 / 11,823 → 2.38 s, and MLP(2, [16, 16, 1]) folded 391 /
/// 115,663 → over 120 s (the layered engine: 0.04 s), a figure that counting values sent
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

/// One drawn node.
struct Shape<'f> {
    name: NodeId,
    kind: Kind,
    fill: Option<&'f str>,
    outline: Option<&'f str>,
}

enum Kind {
    /// A record's fields.
    Record(Vec<FieldText>),
    Ellipse(String),
}

/// One record field as drawn: its lines, the size it is laid out for, and whether it is
/// the grad, whose text the page looks up by name.
struct FieldText {
    lines: Vec<String>,
    size: (f64, f64),
    grad: bool,
}

/// Writes the scene as the layered engine's SVG to `out`.
pub fn write_layered_svg<W: Write>(scene: &Scene<'_>, mut out: W) -> io::Result<()> {
    let figure = Figure::build(scene);
    let laid = layout::layout(&figure.input, &layout_options(scene.rankdir()));
    let mut text = stream::buffer();
    // `write` flushes its last piece itself.
    figure.write(&laid, scene, &mut text, &mut out)?;
    out.flush()
}

/// The layered engine's SVG of the scene as bytes.
pub fn layered_svg(scene: &Scene<'_>) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_layered_svg(scene, &mut bytes).expect("writing to memory");
    bytes
}

/// The figure drawn by the layered engine as SVG or PNG (PNG through resvg, which the
/// `builtin` feature brings in); PDF is `dot`'s alone.
pub fn render_layered(scene: &Scene<'_>, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Svg => Ok(layered_svg(scene)),
        Format::Png => png(&layered_svg(scene)),
        Format::Pdf => Err(Error::Refused(Refusal::PdfNeedsDot {
            engine: "layered",
            or_smaller: true,
        })),
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

/// What the layered engine hands the layout for this scene (sizes, edges, clusters), for
/// benchmarks and tools that measure the layout itself.
pub fn layered_input(scene: &Scene<'_>) -> layout::Graph {
    Figure::build(scene).input
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
struct Figure<'f> {
    shapes: Vec<Shape<'f>>,
    input: layout::Graph,
    horizontal_fields: bool,
}

impl<'f> Figure<'f> {
    fn build(scene: &Scene<'f>) -> Self {
        let graph = scene.graph();
        let slots = NodeSlots::new(graph);
        let edges = slots.edges(graph);
        let mut figure = Figure {
            shapes: Vec::with_capacity(slots.count()),
            input: layout::Graph {
                nodes: Vec::with_capacity(slots.count()),
                clusters: (0..scene.clusters().len())
                    .map(|c| ClusterSpec {
                        parent: scene.cluster_parent(c),
                    })
                    .collect(),
                edges,
            },
            horizontal_fields: matches!(scene.rankdir(), Rankdir::LR | Rankdir::RL),
        };
        for node in scene.nodes() {
            let record = record_shape(scene, &node);
            figure.push(record, node.cluster);
            if let Some(op) = node.op() {
                let op = Shape {
                    name: op.id,
                    kind: Kind::Ellipse(op.text.into_owned()),
                    fill: None,
                    outline: None,
                };
                figure.push(op, node.cluster);
            }
        }
        figure
    }

    fn push(&mut self, shape: Shape<'f>, cluster: Option<usize>) {
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
        scene: &Scene<'_>,
        text: &mut String,
        out: &mut W,
    ) -> io::Result<()> {
        let font = xml_escape(scene.fontname());
        let caption_height = if scene.caption().is_some() {
            LINE_HEIGHT + 8.0
        } else {
            0.0
        };
        let legend = Legend::measure(scene.legend());
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
        if let Some(caption) = scene.caption() {
            let _ = writeln!(
                text,
                "<text text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
                num(width / 2.0),
                num(MARGIN + FONT_SIZE),
                xml_escape(caption)
            );
        }
        let origin = Point {
            x: MARGIN,
            y: MARGIN + caption_height,
        };
        write_clusters(scene, laid, origin, text);
        for (i, shape) in self.shapes.iter().enumerate() {
            let centre = offset(laid.nodes[i], origin);
            let spec = &self.input.nodes[i];
            write_shape(text, shape, centre, spec, self.horizontal_fields);
            pass_on(text, out, false)?;
        }
        for (&(a, b), route) in self.input.edges.iter().zip(&laid.edges) {
            write_edge(
                text,
                self.shapes[a].name,
                self.shapes[b].name,
                route,
                origin,
            );
            pass_on(text, out, false)?;
        }
        let legend_origin = Point {
            x: MARGIN,
            y: origin.y + laid.height + 8.0,
        };
        legend.write(text, scene.legend(), legend_origin);
        text.push_str("</g>\n</svg>\n");
        pass_on(text, out, true)
    }
}

fn write_clusters(scene: &Scene<'_>, laid: &layout::Layout, origin: Point, text: &mut String) {
    for (c, rect) in laid.clusters.iter().enumerate() {
        let Some(rect) = rect else { continue };
        let cluster = &scene.clusters()[c];
        let (x0, y0) = (rect.x + origin.x, rect.y + origin.y);
        let (x1, y1) = (x0 + rect.width, y0 + rect.height);
        let fill = cluster
            .fill
            .as_deref()
            .map_or("none".to_string(), xml_escape);
        let id = ElementId::Cluster(c);
        let _ = write!(
            text,
            "<g id=\"{id}\" class=\"cluster\">\n<title>{id}</title>\n\
             <polygon fill=\"{fill}\" stroke=\"black\" points=\"{a},{b} {c2},{b} {c2},{d} {a},{d} {a},{b}\"/>\n\
             <text text-anchor=\"middle\" x=\"{tx}\" y=\"{ty}\">{t}</text>\n</g>\n",
            a = num(x0),
            b = num(y0),
            c2 = num(x1),
            d = num(y1),
            tx = num((x0 + x1) / 2.0),
            ty = num(y0 + 4.0 + FONT_SIZE),
            t = xml_escape(&cluster.title),
        );
    }
}

/// A value's record: its scene fields as text, each sized for what it is laid out for.
fn record_shape<'f>(scene: &Scene<'f>, node: &SceneNode<'f>) -> Shape<'f> {
    let precision = scene.precision();
    let mut fields = Vec::new();
    node.for_each_field(|field| {
        let mut shown = String::new();
        field.push_shown(precision, &mut shown);
        let mut sized = String::new();
        field.push_sized(precision, &mut sized);
        fields.push(FieldText {
            size: field_size(&lines(&sized)),
            lines: lines(&shown),
            grad: matches!(field, Field::Grad { .. }),
        });
    });
    Shape {
        name: node.element(),
        kind: Kind::Record(fields),
        fill: node.fill(),
        outline: node.outline(),
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
            let (sum_w, max_w) = fields
                .iter()
                .fold((0.0, 0.0f64), |(s, m), f| (s + f.size.0, m.max(f.size.0)));
            let (sum_h, max_h) = fields
                .iter()
                .fold((0.0, 0.0f64), |(s, m), f| (s + f.size.1, m.max(f.size.1)));
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
    let name = shape.name;
    let fill = shape.fill.map_or("none".to_string(), xml_escape);
    let (stroke, width) = match shape.outline {
        Some(colour) => (xml_escape(colour), "2"),
        None => ("black".to_string(), "1"),
    };
    let _ = write!(
        text,
        "<g id=\"{name}\" class=\"node\">\n<title>{name}</title>\n"
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
            write_lines(text, std::slice::from_ref(label), centre, None);
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
            let value = name.value();
            write_fields(text, fields, value, (x0, y0, x1, y1), horizontal);
        }
    }
    text.push_str("</g>\n");
}

/// The fields side by side (or stacked), stretched to the record's size as Graphviz does:
/// each field gets its share of the slack. `value` is the record's, which names its grad.
fn write_fields(
    text: &mut String,
    fields: &[FieldText],
    value: u64,
    (x0, y0, x1, y1): (f64, f64, f64, f64),
    horizontal: bool,
) {
    let along = |field: &FieldText| {
        if horizontal {
            field.size.0
        } else {
            field.size.1
        }
    };
    let total: f64 = fields.iter().map(along).sum();
    let room = if horizontal { x1 - x0 } else { y1 - y0 };
    let slack = (room - total).max(0.0) / fields.len().max(1) as f64;
    let mut at = if horizontal { x0 } else { y0 };
    for (i, field) in fields.iter().enumerate() {
        let end = at + along(field) + slack;
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
        let id = field.grad.then_some(ElementId::Grad(value));
        write_lines(text, &field.lines, middle, id);
        at = end;
    }
}

/// One `<text>` per line, the block centred on `centre`; a one-line field the page looks
/// up carries its name.
fn write_lines(text: &mut String, lines: &[String], centre: Point, id: Option<ElementId>) {
    let first = centre.y - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0 + FONT_SIZE * 0.3;
    for (i, line) in lines.iter().enumerate() {
        text.push_str("<text");
        if let Some(id) = id {
            let _ = write!(text, " id=\"{id}\"");
        }
        let _ = writeln!(
            text,
            " text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
            num(centre.x),
            num(first + i as f64 * LINE_HEIGHT),
            xml_escape(line)
        );
    }
}

fn write_edge(text: &mut String, tail: NodeId, head: NodeId, route: &[Point], origin: Point) {
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
        "<g id=\"{id}\" class=\"edge\">\n<title>{tail}&#45;&gt;{head}</title>\n<path fill=\"none\" stroke=\"black\" d=\"M{},{}C",
        num(points[0].x),
        num(points[0].y),
        id = ElementId::Edge(tail, head),
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
            "<g id=\"{id}\" class=\"cluster\">\n<title>{id}</title>\n\
             <polygon fill=\"none\" stroke=\"black\" points=\"{a},{b} {c},{b} {c},{d} {a},{d} {a},{b}\"/>\n\
             <text x=\"{tx}\" y=\"{ty}\">legend</text>\n",
            a = num(x0),
            b = num(y0),
            c = num(x0 + self.width),
            d = num(y0 + self.height - 8.0),
            tx = num(x0 + 8.0),
            ty = num(y0 + 4.0 + FONT_SIZE),
            id = ElementId::LegendBox,
        );
        for (i, entry) in entries.iter().enumerate() {
            let y = y0 + (i as f64 + 1.0) * (LINE_HEIGHT + 4.0) + 8.0;
            let fill = entry.fill.as_deref().map_or("none".to_string(), xml_escape);
            let stroke = entry
                .outline
                .as_deref()
                .map_or("black".to_string(), xml_escape);
            let _ = write!(
                text,
                "<g id=\"{id}\" class=\"node\">\n<title>{id}</title>\n\
                 <polygon fill=\"{fill}\" stroke=\"{stroke}\" points=\"{a},{b} {c},{b} {c},{d} {a},{d} {a},{b}\"/>\n\
                 <text x=\"{tx}\" y=\"{ty}\">{t}</text>\n</g>\n",
                a = num(x0 + 8.0),
                b = num(y),
                c = num(x0 + 8.0 + Self::SWATCH),
                d = num(y + Self::SWATCH),
                tx = num(x0 + 16.0 + Self::SWATCH),
                ty = num(y + Self::SWATCH - 2.0),
                t = xml_escape(&entry.text),
                id = ElementId::Legend(i),
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

/// A coordinate with two decimals, `-0.00` written as `0.00`.
fn num(value: f64) -> String {
    let text = format!("{value:.2}");
    if text == "-0.00" {
        "0.00".to_string()
    } else {
        text
    }
}
