//! The figure in micrograd's `draw_dot` look, plus the decorations later views add (fills,
//! extra rows, a legend, a caption, clusters): its options, its escaping, and the figure as
//! graphviz-rust's DOT model ([`to_dot_model`]).
//!
//! The model is the reference: it says which statements the figure has, in which order,
//! and graphviz-rust's printer says how they are written. The streaming writer
//! (`super::write`) owns the fast path instead: [`to_dot`] and `write_dot` write the same
//! bytes straight from the export graph, since building the model costs several small
//! allocations per node and edge (about 450 MB for a 400k-value figure). A change to the
//! figure is made in both; `tests/dot_writer.rs` fails until they agree.
//!
//! # Escaping
//!
//! Every label reaches Graphviz through [`escape_record_field`]. What it does was measured on
//! Graphviz 2.43 `dot` and graphviz-pure 1.0 (the tests in `tests/render.rs` check it on both):
//!
//! - `{ } | < >` are backslash-escaped (record syntax), `\` and `"` too (`\N`, `\n`, `\G`, … are
//!   escString sequences; `"` ends the DOT string).
//! - A space stays a raw space only between two printable ASCII characters. Elsewhere (leading,
//!   trailing, in runs, next to a non-ASCII character) it is written `&#32;`: the record
//!   parser trims and collapses raw spaces, drops the hard spaces `\ ` that lead a field, and
//!   after one `\ ` keeps trailing spaces in every later field of the record; Graphviz 2.43
//!   also drops raw spaces next to some non-ASCII characters (`θ₁ → ∂L` showed as `θ₁→∂L`).
//! - A newline (`\n`, `\r\n` or a lone `\r`) becomes the line break `\n`; the record parser
//!   drops raw control characters.
//! - `&` is `&amp;`, since both engines decode entities in labels.
//! - Non-ASCII characters up to U+FFFF are numeric references (`θ` → `&#952;`), which keeps
//!   2.43's record parser away from raw UTF-8. Characters above U+FFFF (emoji) stay raw UTF-8:
//!   both engines turn a reference above U+FFFF into three bytes of garbage, and the raw
//!   characters render fine in both.
//! - Decided here: a tab is `&#9;` (the SVG holds a tab, drawn as a space); other control
//!   characters (U+0000–U+001F, U+007F) are drawn as their Unicode control pictures (`␀`…`␟`,
//!   `␡`), since XML cannot carry them; the noncharacters U+FFFE and U+FFFF (also not XML)
//!   are drawn as U+FFFD.
//!
//! # Font
//!
//! Records are sized from the engine's font metrics, and a viewer that draws the text with a
//! wider font overflows the boxes. The default `fontname` is `Arial`, measured:
//! - graphviz-pure has metric tables for single family names only (`"Helvetica,Arial,sans-serif"`
//!   gets Times metrics); its Arial table is Arial's widths (= Helvetica's).
//! - Both engines write `Times` as `font-family="Times,serif"` and `Helvetica` as
//!   `"Helvetica,sans-Serif"`. fontconfig resolves such a list to DejaVu Serif / DejaVu Sans
//!   (the Times → Liberation Serif alias is weak and loses to the generic family), which is
//!   much wider: text overflowed its boxes in rsvg-convert here. `Arial` is written as
//!   `font-family="Arial"`, and fontconfig maps Arial strongly to Liberation Sans or Arimo,
//!   metric-compatible; rsvg-convert then draws the boxes exactly fitted.
//! - Windows and macOS ship Arial; Chromium on Linux takes fontconfig's metric-compatible
//!   substitute; graphviz-pure-raster draws PNGs with Arimo. A viewer with no Arial-like font
//!   falls back to its default, usually a Times, which is narrower and so still fits.
//! - `dot` 2.43 sizes text with its own Arial width table, which runs about 3 % narrower
//!   than Liberation Sans draws it: an 80-character label measured 474 pt in `dot` and
//!   489 pt in rsvg-convert, past its box's 8 pt margins. A record field of
//!   [`PAD_EVERY`] characters or more therefore gets one hard space on each side per
//!   [`PAD_EVERY`] characters of its longest line ([`escape_field_into`]); shorter fields,
//!   whose 16 pt of margin absorb the difference, are written as they are.
//! - Courier fits everywhere (monospace fonts are all about 0.6 em wide) but reads like a
//!   terminal; its one gain, aligned digits, Arial's equal-width digits give too.

use std::collections::BTreeMap;

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use petgraph::graph::NodeIndex;

use super::number::push_number;
use super::write::write_dot_string;
use super::{defaults, Rankdir};
use crate::export::{self, ExportGraph, NodeInfo};

/// Clusters nest at most this deep; a deeper cluster is drawn beside its ancestor at this
/// depth, which keeps the printer's recursion bounded whatever the input.
pub const MAX_CLUSTER_DEPTH: usize = 16;

/// How the DOT text looks. Build it from [`DotOptions::default`] and set what differs.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct DotOptions {
    /// The direction ranks run in.
    pub rankdir: Rankdir,
    /// Digits after the decimal point for data and grad.
    pub precision: usize,
    /// The font of every label (one family name: see the module comment).
    pub fontname: String,
    /// Graph attributes written after the others, as name and value (e.g. the layout settings
    /// `views` adds for large figures, `nslimit` = `2`). Values are quoted and escaped.
    pub graph_attributes: Vec<(String, String)>,
    /// Values drawn as a record of exactly these fields (each escaped), in place of
    /// `label | data | grad`: the summary nodes of a folded view. Keyed by [`NodeInfo::id`]; a
    /// decoration's fill, outline and extra rows still apply.
    pub records: BTreeMap<u64, Vec<String>>,
}

impl Default for DotOptions {
    fn default() -> Self {
        DotOptions {
            rankdir: defaults::RANKDIR,
            precision: defaults::PRECISION,
            fontname: defaults::FONTNAME.to_string(),
            graph_attributes: Vec::new(),
            records: BTreeMap::new(),
        }
    }
}

impl DotOptions {
    /// These options with another rank direction.
    pub fn with_rankdir(mut self, rankdir: Rankdir) -> Self {
        self.rankdir = rankdir;
        self
    }

    /// These options with another number of digits.
    pub fn with_precision(mut self, precision: usize) -> Self {
        self.precision = precision;
        self
    }
}

/// What a view adds to micrograd's plain figure. `Decorations::default()` adds nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decorations {
    /// Per-value styling, keyed by [`NodeInfo::id`]. Ids not in the graph are ignored.
    pub nodes: BTreeMap<u64, NodeDecoration>,
    /// A title drawn above the figure.
    pub caption: Option<String>,
    /// Swatches explaining the colours, drawn in a cluster titled "legend".
    pub legend: Vec<LegendEntry>,
    /// Boxes around groups of values; see [`Cluster`].
    pub clusters: Vec<Cluster>,
    /// Invisible ordering constraints between groups of values; see [`Gate`].
    pub gates: Vec<Gate>,
}

/// An invisible point ranked after every value of `after` and before every value of
/// `before` (by [`NodeInfo::id`]): it makes Graphviz draw the one set entirely before the
/// other along the rank direction, as a network's layers read left to right. It needs the
/// graph attribute `newrank=true`, without which `dot` ranks each cluster on its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gate {
    /// Values ranked before the gate.
    pub after: Vec<u64>,
    /// Values ranked after the gate.
    pub before: Vec<u64>,
}

/// The styling of one value's record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeDecoration {
    /// A Graphviz colour (`"#ffcccc"`, `"lightblue"`) to fill the record with.
    pub fill: Option<String>,
    /// A Graphviz colour for a thicker outline.
    pub outline: Option<String>,
    /// Fields appended to the record after `grad` (e.g. `expected grad 1.0000`).
    pub extra_rows: Vec<String>,
}

/// One legend swatch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegendEntry {
    /// The swatch's fill colour.
    pub fill: Option<String>,
    /// The swatch's outline colour.
    pub outline: Option<String>,
    /// What the colour means.
    pub text: String,
}

/// A titled box (`subgraph cluster_N`) around some values and their op nodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    /// The title drawn in the box.
    pub title: String,
    /// The index (in [`Decorations::clusters`]) of the enclosing cluster. It must be smaller
    /// than this cluster's own index; otherwise the cluster is drawn at the top level.
    pub parent: Option<usize>,
    /// The values inside, by [`NodeInfo::id`]. List a value in its innermost cluster only:
    /// a value listed twice goes to the first cluster that lists it.
    pub members: Vec<u64>,
    /// A Graphviz colour to fill the box with.
    pub fill: Option<String>,
}

/// Escapes `text` so that it appears verbatim as one field of a record label (it is equally
/// safe in a plain label), and can never end the DOT string or change the record's structure.
/// See the module comment for each rule and why.
pub fn escape_record_field(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    escape_into(text, &mut out);
    out
}

/// [`escape_record_field`] appended to `out`.
pub(super) fn escape_into(text: &str, out: &mut String) {
    if text.bytes().all(needs_no_escape) {
        out.push_str(text);
        return;
    }
    let mut previous: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '{' | '}' | '|' | '<' | '>' | '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            ' ' => {
                let graphic = |c: Option<char>| c.is_some_and(|c| c.is_ascii_graphic());
                if graphic(previous) && graphic(next) {
                    out.push(' ');
                } else {
                    out.push_str("&#32;");
                }
            }
            '\n' => out.push_str("\\n"),
            '\r' if next == Some('\n') => {}
            '\r' => out.push_str("\\n"),
            '\t' => out.push_str("&#9;"),
            '&' => out.push_str("&amp;"),
            '\u{0}'..='\u{1f}' => push_reference(out, 0x2400 + c as u32),
            '\u{7f}' => push_reference(out, 0x2421),
            '\u{fffe}' | '\u{ffff}' => push_reference(out, 0xfffd),
            c if c.is_ascii() => out.push(c),
            c if (c as u32) <= 0xffff => push_reference(out, c as u32),
            c => out.push(c),
        }
        previous = Some(c);
    }
}

/// A record field gains a hard space on each side per this many characters of its longest
/// line (see the module comment, "Font").
pub const PAD_EVERY: usize = 25;

/// [`escape_into`] for a record field, padded as the module comment's "Font" says: each
/// line with something to show (not empty, not only spaces) gets the hard spaces.
pub(super) fn escape_field_into(text: &str, out: &mut String) {
    // Most fields (`data 2.0000`) are short: no line can reach PAD_EVERY characters when the
    // whole text has fewer bytes, so skip splitting it into lines.
    if text.len() < PAD_EVERY {
        escape_into(text, out);
        return;
    }
    let lines: Vec<&str> = text
        .split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .collect();
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let pad = longest / PAD_EVERY;
    if pad == 0 {
        escape_into(text, out);
        return;
    }
    let spaces = " ".repeat(pad);
    let padded: Vec<String> = lines
        .iter()
        .map(|line| match line.trim_matches(' ') {
            "" => line.to_string(),
            _ => format!("{spaces}{line}{spaces}"),
        })
        .collect();
    escape_into(&padded.join("\n"), out);
}

fn escape_field(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_field_into(text, &mut out);
    out
}

/// Printable ASCII that every rule leaves as it is (a space depends on its neighbours).
fn needs_no_escape(byte: u8) -> bool {
    byte.is_ascii_graphic()
        && !matches!(byte, b'{' | b'}' | b'|' | b'<' | b'>' | b'\\' | b'"' | b'&')
}

fn push_reference(out: &mut String, code: u32) {
    use std::fmt::Write;
    let _ = write!(out, "&#{code};");
}

/// The DOT text of `graph` in micrograd's look: a record `{ label | data … | grad … }` per
/// value, an op node per computed value, edges `child -> op -> value` (each drawn once), in
/// the export's order. The same input gives the same bytes.
///
/// The text is [`to_dot_model`] as graphviz-rust's printer writes it (with a final newline),
/// written without building the model by [`super::write_dot`], which streams the same
/// bytes into any `io::Write`.
pub fn to_dot(graph: &ExportGraph, options: &DotOptions, decorations: &Decorations) -> String {
    write_dot_string(graph, options, decorations)
}

/// The figure as graphviz-rust's DOT model, for callers that combine or extend figures
/// (print it with [`super::print_dot_model`]). [`to_dot`] and [`super::write_dot`] write
/// exactly this model's text.
pub fn to_dot_model(graph: &ExportGraph, options: &DotOptions, decorations: &Decorations) -> Graph {
    let mut stmts = graph_attributes(options, decorations);
    stmts.reserve(2 * graph.node_count() + graph.edge_count() + 2);
    let layout = ClusterLayout::new(graph, &decorations.clusters);
    for index in graph.node_indices() {
        if layout.cluster_of[index.index()].is_none() {
            push_value_nodes(&mut stmts, &graph[index], options, decorations);
        }
    }
    stmts.extend(layout.subgraphs(graph, options, decorations));
    if !decorations.legend.is_empty() {
        stmts.push(Stmt::Subgraph(legend(&decorations.legend, options.rankdir)));
    }
    for index in graph.node_indices() {
        push_value_edges(&mut stmts, graph, index);
    }
    for (k, gate) in decorations.gates.iter().enumerate() {
        push_gate(&mut stmts, k, gate);
    }
    Graph::DiGraph {
        id: Id::Plain("gradviz".to_string()),
        strict: false,
        stmts,
    }
}

fn graph_attributes(options: &DotOptions, decorations: &Decorations) -> Vec<Stmt> {
    let mut graph_attrs = vec![attr("rankdir", plain(options.rankdir.as_str()))];
    if let Some(caption) = &decorations.caption {
        graph_attrs.push(attr("label", quoted(caption)));
        graph_attrs.push(attr("labelloc", plain("t")));
    }
    graph_attrs.push(attr("fontname", quoted(&options.fontname)));
    for (name, value) in &options.graph_attributes {
        graph_attrs.push(attr(name, quoted(value)));
    }
    let font = vec![attr("fontname", quoted(&options.fontname))];
    vec![
        Stmt::GAttribute(GraphAttributes::Graph(graph_attrs)),
        Stmt::GAttribute(GraphAttributes::Node(font.clone())),
        Stmt::GAttribute(GraphAttributes::Edge(font)),
    ]
}

/// The record of one value and, for a computed value, its op node.
fn push_value_nodes(
    stmts: &mut Vec<Stmt>,
    info: &NodeInfo,
    options: &DotOptions,
    decorations: &Decorations,
) {
    let decoration = decorations.nodes.get(&info.id);
    let mut label = String::with_capacity(info.label.len() + 48);
    label.push_str("\"{ ");
    if let Some(fields) = options.records.get(&info.id) {
        let escaped: Vec<String> = fields.iter().map(|f| escape_field(f)).collect();
        label.push_str(&escaped.join(" | "));
    } else {
        label.push_str(&escape_field(&info.label));
        label.push_str(" | data ");
        push_number(&mut label, info.data, options.precision);
        label.push_str(" | grad ");
        push_number(&mut label, info.grad, options.precision);
    }
    for row in decoration.iter().flat_map(|d| &d.extra_rows) {
        label.push_str(" | ");
        label.push_str(&escape_field(row));
    }
    label.push_str(" }\"");
    let mut attributes = vec![
        attr("label", Id::Escaped(label)),
        attr("shape", plain("record")),
    ];
    if let Some(decoration) = decoration {
        attributes.extend(fill_and_outline(&decoration.fill, &decoration.outline));
    }
    stmts.push(node(value_id(info.id), attributes));
    if !info.op.is_empty() {
        let op_label = attr("label", quoted(&info.op));
        stmts.push(node(op_id(info.id), vec![op_label]));
    }
}

fn fill_and_outline(fill: &Option<String>, outline: &Option<String>) -> Vec<Attribute> {
    let mut attributes = Vec::new();
    if let Some(fill) = fill {
        attributes.push(attr("style", plain("filled")));
        attributes.push(attr("fillcolor", quoted(fill)));
    }
    if let Some(outline) = outline {
        attributes.push(attr("color", quoted(outline)));
        attributes.push(attr("penwidth", plain("2")));
    }
    attributes
}

/// `child -> op` for each distinct operand in operand order, then `op -> value`. A value
/// with operands but no op text gets its edges directly, as micrograd draws it.
fn push_value_edges(stmts: &mut Vec<Stmt>, graph: &ExportGraph, index: NodeIndex) {
    let info = &graph[index];
    let operands = export::operands(graph, index);
    if operands.is_empty() {
        return;
    }
    let target = if info.op.is_empty() {
        value_id(info.id)
    } else {
        op_id(info.id)
    };
    let mut drawn: Vec<u64> = Vec::with_capacity(operands.len());
    for operand in operands {
        let child = graph[operand].id;
        if !drawn.contains(&child) {
            drawn.push(child);
            stmts.push(edge(value_id(child), target.clone()));
        }
    }
    if !info.op.is_empty() {
        stmts.push(edge(op_id(info.id), value_id(info.id)));
    }
}

/// The legend as one row of small swatches, so that it adds one line to the figure's
/// height however many entries it has: in `LR`/`RL` the swatches sit in successive ranks
/// (tied by invisible edges), in `TB`/`BT` in one rank. An entry without a colour is a
/// caption in plain text.
fn legend(entries: &[LegendEntry], rankdir: Rankdir) -> Subgraph {
    let across = matches!(rankdir, Rankdir::TB | Rankdir::BT);
    let mut stmts = Vec::with_capacity(2 * entries.len() + 1);
    if across {
        stmts.push(Stmt::GAttribute(GraphAttributes::Graph(vec![attr(
            "rank",
            plain("same"),
        )])));
    }
    for (i, entry) in entries.iter().enumerate() {
        let mut attributes = vec![attr("label", quoted(&entry.text))];
        if entry.fill.is_none() && entry.outline.is_none() {
            attributes.push(attr("shape", plain("plaintext")));
        } else {
            attributes.push(attr("shape", plain("box")));
        }
        attributes.push(attr("height", plain(LEGEND_HEIGHT)));
        attributes.extend(fill_and_outline(&entry.fill, &entry.outline));
        stmts.push(node(legend_id(i), attributes));
    }
    if !across {
        for i in 1..entries.len() {
            let mut tie = edge(legend_id(i - 1), legend_id(i));
            if let Stmt::Edge(edge) = &mut tie {
                edge.attributes.push(attr("style", plain("invis")));
            }
            stmts.push(tie);
        }
    }
    Subgraph {
        id: Id::Plain("legend".to_string()),
        stmts,
    }
}

/// The legend swatches' height in inches: one line of text with a little room.
pub(super) const LEGEND_HEIGHT: &str = "0.3";

pub(super) fn legend_id(i: usize) -> String {
    format!("legend_{i}")
}

/// Gate `k`: an invisible point and invisible edges into and out of it.
fn push_gate(stmts: &mut Vec<Stmt>, k: usize, gate: &Gate) {
    let id = gate_id(k);
    stmts.push(node(
        id.clone(),
        vec![
            attr("shape", plain("point")),
            attr("style", plain("invis")),
            attr("width", plain("0")),
            attr("height", plain("0")),
        ],
    ));
    let edges = gate
        .after
        .iter()
        .map(|&a| (value_id(a), id.clone()))
        .chain(gate.before.iter().map(|&b| (id.clone(), value_id(b))));
    for (from, to) in edges {
        let mut tie = edge(from, to);
        if let Stmt::Edge(edge) = &mut tie {
            edge.attributes.push(attr("style", plain("invis")));
        }
        stmts.push(tie);
    }
}

pub(super) fn gate_id(k: usize) -> String {
    format!("gate_{k}")
}

/// Which cluster each value is drawn in, and the clusters' effective nesting.
pub(super) struct ClusterLayout<'a> {
    pub(super) clusters: &'a [Cluster],
    /// By export node index.
    pub(super) cluster_of: Vec<Option<usize>>,
    /// The effective parent of each cluster: one at most [`MAX_CLUSTER_DEPTH`] deep.
    pub(super) parent: Vec<Option<usize>>,
}

impl<'a> ClusterLayout<'a> {
    pub(super) fn new(graph: &ExportGraph, clusters: &'a [Cluster]) -> Self {
        let mut cluster_of = vec![None; graph.node_count()];
        // Most figures have no clusters: no id map for them.
        let index_of: BTreeMap<u64, usize> = if clusters.is_empty() {
            BTreeMap::new()
        } else {
            graph
                .node_indices()
                .map(|i| (graph[i].id, i.index()))
                .collect()
        };
        for (c, cluster) in clusters.iter().enumerate() {
            for id in &cluster.members {
                if let Some(&i) = index_of.get(id) {
                    cluster_of[i].get_or_insert(c);
                }
            }
        }
        let mut parent: Vec<Option<usize>> = Vec::with_capacity(clusters.len());
        let mut depth: Vec<usize> = Vec::with_capacity(clusters.len());
        for (c, cluster) in clusters.iter().enumerate() {
            let p = match cluster.parent.filter(|&p| p < c) {
                Some(p) if depth[p] >= MAX_CLUSTER_DEPTH => parent[p],
                other => other,
            };
            parent.push(p);
            depth.push(p.map_or(1, |p| depth[p] + 1));
        }
        ClusterLayout {
            clusters,
            cluster_of,
            parent,
        }
    }

    /// The top-level `subgraph cluster_N` statements, built innermost first so that no
    /// recursion is needed here.
    fn subgraphs(
        &self,
        graph: &ExportGraph,
        options: &DotOptions,
        decorations: &Decorations,
    ) -> Vec<Stmt> {
        let mut bodies: Vec<Vec<Stmt>> = self
            .clusters
            .iter()
            .map(|cluster| {
                let mut attrs = vec![attr("label", quoted(&cluster.title))];
                if let Some(fill) = &cluster.fill {
                    attrs.push(attr("style", plain("filled")));
                    attrs.push(attr("fillcolor", quoted(fill)));
                }
                vec![Stmt::GAttribute(GraphAttributes::Graph(attrs))]
            })
            .collect();
        for index in graph.node_indices() {
            if let Some(c) = self.cluster_of[index.index()] {
                push_value_nodes(&mut bodies[c], &graph[index], options, decorations);
            }
        }
        let mut nested: Vec<Vec<Stmt>> = vec![Vec::new(); self.clusters.len()];
        let mut top = Vec::new();
        for c in (0..self.clusters.len()).rev() {
            let mut stmts = std::mem::take(&mut bodies[c]);
            stmts.extend(std::mem::take(&mut nested[c]).into_iter().rev());
            let subgraph = Stmt::Subgraph(Subgraph {
                id: Id::Plain(format!("cluster_{c}")),
                stmts,
            });
            match self.parent[c] {
                Some(p) => nested[p].push(subgraph),
                None => top.push(subgraph),
            }
        }
        top.reverse();
        top
    }
}

fn value_id(id: u64) -> String {
    format!("v{id}")
}

fn op_id(id: u64) -> String {
    format!("v{id}_op")
}

fn plain(text: &str) -> Id {
    Id::Plain(text.to_string())
}

fn quoted(text: &str) -> Id {
    Id::Escaped(format!("\"{}\"", escape_record_field(text)))
}

fn attr(name: &str, value: Id) -> Attribute {
    Attribute(plain(name), value)
}

fn node(id: String, attributes: Vec<Attribute>) -> Stmt {
    Stmt::Node(Node::new(NodeId(Id::Plain(id), None), attributes))
}

fn edge(from: String, to: String) -> Stmt {
    let vertex = |id| Vertex::N(NodeId(Id::Plain(id), None));
    Stmt::Edge(Edge {
        ty: EdgeTy::Pair(vertex(from), vertex(to)),
        attributes: Vec::new(),
    })
}
