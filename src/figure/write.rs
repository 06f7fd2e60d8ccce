//! The one DOT writer: the figure's text written straight from the export graph into any
//! [`Write`]. graphviz-rust's model of a figure ([`super::to_dot_model`]) is this text read
//! back, so there is no second copy of what the figure holds.
//!
//! Building graphviz-rust's model first costs a `Stmt` and several small `String`s per node
//! and edge: for the 400k-value graph of a 100k-statement script that was 1.2M statements,
//! about 7M allocations and 450 MB, most of the command's time and memory. This writer
//! appends each statement to one reused text buffer (labels escaped and numbers formatted
//! into it) and hands the buffer to the output whenever it grows past [`FLUSH_AT`]; with no
//! output behind it ([`to_dot`]) the buffer simply becomes the text.
//!
//! The statements come in this order, laid out as graphviz-rust's printer writes them:
//! graph, node and edge attributes; the records and op nodes outside clusters; the clusters
//! (members, then nested clusters, depth bounded by `MAX_CLUSTER_DEPTH`); the legend; the
//! edges; the gates. `tests/dot_writer.rs` checks that the text parses back to a model that
//! both printers print as the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use std::collections::{BTreeMap, BTreeSet};

use super::escape::{escape_field_into, escape_into};
use super::number::push_number;
use super::{Cluster, Decorations, DotOptions, Rankdir, MAX_CLUSTER_DEPTH};
use crate::graph::{ExportGraph, NodeInfo};

/// Buffered bytes handed to the output at once.
const FLUSH_AT: usize = 64 * 1024;

/// Spaces per nesting level, as graphviz-rust's printer indents.
const INDENT_STEP: usize = 2;

/// Writes the DOT text of `graph` (what [`to_dot`] returns) to `out`. `out` gets
/// large writes (about 64 KiB), so it needs no `BufWriter`.
pub fn write_dot<W: Write>(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
    mut out: W,
) -> io::Result<()> {
    let mut text = String::with_capacity(FLUSH_AT + FLUSH_AT / 4);
    let mut sink = |text: &mut String, last: bool| -> io::Result<()> {
        if last || text.len() >= FLUSH_AT {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
        Ok(())
    };
    write_figure(graph, options, decorations, &mut text, &mut sink)?;
    sink(&mut text, true)?;
    out.flush()
}

/// The DOT text of `graph` in micrograd's look: a record `{ label | data … | grad … }` per
/// value, an op node per computed value, edges `child -> op -> value` (each drawn once), in
/// the export's order, with the decorations laid over it. The same input gives the same
/// bytes. Written in place as one `String`, with no copy.
pub fn to_dot(graph: &ExportGraph, options: &DotOptions, decorations: &Decorations) -> String {
    let mut text = String::with_capacity(estimated_len(graph));
    let mut keep = |_: &mut String, _: bool| Ok(());
    write_figure(graph, options, decorations, &mut text, &mut keep)
        .expect("keeping text in memory cannot fail");
    text
}

/// About the length of a plain figure's text: a record, an op node and two edges per value.
fn estimated_len(graph: &ExportGraph) -> usize {
    let labels: usize = graph.node_weights().map(|n| n.label.len()).sum();
    256 + labels + graph.node_count() * 120
}

/// Called after each statement with the text so far; `true` on the last call. It may take
/// the text away (the streaming case) or leave it to grow.
type Sink<'s> = dyn FnMut(&mut String, bool) -> io::Result<()> + 's;

fn write_figure(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
    text: &mut String,
    sink: &mut Sink<'_>,
) -> io::Result<()> {
    let figure = Figure {
        graph,
        options,
        decorations,
        layout: ClusterLayout::new(graph, &decorations.clusters),
    };
    text.push_str("digraph gradviz {\n");
    figure.graph_attributes(text);
    for index in graph.node_indices() {
        if figure.layout.cluster_of[index.index()].is_none() {
            figure.value_nodes(text, &graph[index], INDENT_STEP);
            sink(text, false)?;
        }
    }
    figure.clusters(text, sink)?;
    figure.legend(text);
    let mut edges = EdgeScratch::default();
    for index in graph.node_indices() {
        edges.write(text, graph, index);
        sink(text, false)?;
    }
    for (k, gate) in decorations.gates.iter().enumerate() {
        write_gate(text, k, gate);
        sink(text, false)?;
    }
    if !decorations.same_rank.is_empty() {
        // An id not in the graph would make Graphviz draw a stray node: it is left out.
        let known: BTreeSet<u64> = graph.node_weights().map(|n| n.id).collect();
        for (k, ids) in decorations.same_rank.iter().enumerate() {
            write_same_rank(text, k, ids.iter().filter(|id| known.contains(id)));
            sink(text, false)?;
        }
    }
    text.push_str("}\n");
    Ok(())
}

struct Figure<'a> {
    graph: &'a ExportGraph,
    options: &'a DotOptions,
    decorations: &'a Decorations,
    layout: ClusterLayout<'a>,
}

impl Figure<'_> {
    fn graph_attributes(&self, text: &mut String) {
        let options = self.options;
        text.push_str("  graph[rankdir=");
        text.push_str(options.rankdir.as_str());
        if let Some(caption) = &self.decorations.caption {
            push_quoted_attribute(text, "label", caption);
            text.push_str(" labelloc=t");
        }
        push_quoted_attribute(text, "fontname", &options.fontname);
        for (name, value) in &options.graph_attributes {
            push_quoted_attribute(text, name, value);
        }
        text.push_str("]\n");
        for kind in ["node", "edge"] {
            text.push_str("  ");
            text.push_str(kind);
            text.push_str("[fontname=\"");
            escape_into(&options.fontname, text);
            text.push_str("\"]\n");
        }
    }

    /// The record of one value and, for a computed value, its op node.
    fn value_nodes(&self, text: &mut String, info: &NodeInfo, indent: usize) {
        let decoration = self.decorations.nodes.get(&info.id);
        push_indent(text, indent);
        push_value_id(text, info.id);
        text.push_str("[label=\"{ ");
        if let Some(fields) = self.options.records.get(&info.id) {
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    text.push_str(" | ");
                }
                escape_field_into(field, text);
            }
        } else {
            escape_field_into(&info.label, text);
            text.push_str(" | data ");
            push_number(text, info.data, self.options.precision);
            text.push_str(" | grad ");
            push_number(text, info.grad, self.options.precision);
        }
        for row in decoration.iter().flat_map(|d| &d.extra_rows) {
            text.push_str(" | ");
            escape_field_into(row, text);
        }
        text.push_str(" }\" shape=record");
        if let Some(decoration) = decoration {
            push_fill_and_outline(text, &decoration.fill, &decoration.outline);
        }
        text.push_str("]\n");
        if !info.op.is_leaf() {
            push_indent(text, indent);
            push_op_id(text, info.id);
            text.push_str("[label=\"");
            escape_into(&info.op.text(), text);
            text.push_str("\"]\n");
        }
    }

    /// Each top-level cluster with its members and, nested inside, its child clusters in
    /// index order; an explicit stack instead of recursion.
    fn clusters(&self, text: &mut String, sink: &mut Sink<'_>) -> io::Result<()> {
        let clusters = self.layout.clusters;
        if clusters.is_empty() {
            return Ok(());
        }
        let mut members: Vec<Vec<NodeIndex>> = vec![Vec::new(); clusters.len()];
        for index in self.graph.node_indices() {
            if let Some(c) = self.layout.cluster_of[index.index()] {
                members[c].push(index);
            }
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
        let mut top = Vec::new();
        for c in 0..clusters.len() {
            match self.layout.parent[c] {
                Some(p) => children[p].push(c),
                None => top.push(c),
            }
        }
        for &root in &top {
            // (cluster, how many of its children are written), innermost last.
            let mut open: Vec<(usize, usize)> = Vec::new();
            self.open_cluster(text, root, &members[root], INDENT_STEP);
            open.push((root, 0));
            while let Some(&(c, written)) = open.last() {
                let indent = INDENT_STEP * open.len();
                if let Some(&child) = children[c].get(written) {
                    open.last_mut().expect("a cluster is open").1 += 1;
                    self.open_cluster(text, child, &members[child], indent + INDENT_STEP);
                    open.push((child, 0));
                } else {
                    push_indent(text, indent);
                    text.push_str("}\n");
                    open.pop();
                }
                sink(text, false)?;
            }
        }
        Ok(())
    }

    /// `subgraph cluster_N {`, its title and fill, and its member values.
    fn open_cluster(&self, text: &mut String, c: usize, members: &[NodeIndex], indent: usize) {
        let cluster = &self.layout.clusters[c];
        push_indent(text, indent);
        let _ = writeln!(text, "subgraph cluster_{c} {{");
        push_indent(text, indent + INDENT_STEP);
        text.push_str("graph[label=\"");
        escape_into(&cluster.title, text);
        text.push('"');
        if let Some(fill) = &cluster.fill {
            text.push_str(" style=filled");
            push_quoted_attribute(text, "fillcolor", fill);
        }
        text.push_str("]\n");
        for &index in members {
            self.value_nodes(text, &self.graph[index], indent + INDENT_STEP);
        }
    }

    fn legend(&self, text: &mut String) {
        let entries = &self.decorations.legend;
        if entries.is_empty() {
            return;
        }
        let across = matches!(self.options.rankdir, Rankdir::TB | Rankdir::BT);
        text.push_str("  subgraph legend {\n");
        if across {
            text.push_str("    graph[rank=same]\n");
        }
        for (i, entry) in entries.iter().enumerate() {
            let _ = write!(text, "    legend_{i}[label=\"");
            escape_into(&entry.text, text);
            let shape = if entry.fill.is_none() && entry.outline.is_none() {
                "plaintext"
            } else {
                "box"
            };
            let _ = write!(text, "\" shape={shape} height={LEGEND_HEIGHT}");
            push_fill_and_outline(text, &entry.fill, &entry.outline);
            text.push_str("]\n");
        }
        if !across {
            for i in 1..entries.len() {
                let _ = writeln!(text, "    legend_{} -> legend_{i} [style=invis]", i - 1);
            }
        }
        text.push_str("  }\n");
    }
}

/// Gate `k` (see [`super::Gate`]): an invisible point and the invisible edges through it.
fn write_gate(text: &mut String, k: usize, gate: &super::Gate) {
    let _ = writeln!(text, "  gate_{k}[shape=point style=invis width=0 height=0]");
    for &a in &gate.after {
        text.push_str("  ");
        push_value_id(text, a);
        let _ = writeln!(text, " -> gate_{k} [style=invis]");
    }
    for &b in &gate.before {
        let _ = write!(text, "  gate_{k} -> ");
        push_value_id(text, b);
        text.push_str(" [style=invis]\n");
    }
}

/// Set `k` of [`super::Decorations::same_rank`]: a subgraph holding the values `ids`, in one
/// rank.
fn write_same_rank<'a>(text: &mut String, k: usize, ids: impl Iterator<Item = &'a u64>) {
    let _ = writeln!(text, "  subgraph same_rank_{k} {{\n    graph[rank=same]");
    for &id in ids {
        text.push_str("    ");
        push_value_id(text, id);
        text.push('\n');
    }
    text.push_str("  }\n");
}

/// Reused buffers for one value's edges.
#[derive(Default)]
struct EdgeScratch {
    /// Incoming edges as (operand position, operand).
    operands: Vec<(usize, NodeIndex)>,
    /// Operand ids already drawn: an operand used twice (`a * a`) gets one edge.
    drawn: Vec<u64>,
}

impl EdgeScratch {
    /// `child -> op` for each distinct operand in operand order, then `op -> value`. A value
    /// with operands but no op text gets its edges directly, as micrograd draws it.
    fn write(&mut self, text: &mut String, graph: &ExportGraph, index: NodeIndex) {
        self.operands.clear();
        self.operands.extend(
            graph
                .edges_directed(index, petgraph::Direction::Incoming)
                .map(|e| (*e.weight(), e.source())),
        );
        if self.operands.is_empty() {
            return;
        }
        self.operands.sort_unstable();
        let info = &graph[index];
        let has_op = !info.op.is_leaf();
        self.drawn.clear();
        for &(_, operand) in &self.operands {
            let child = graph[operand].id;
            if self.drawn.contains(&child) {
                continue;
            }
            self.drawn.push(child);
            text.push_str("  ");
            push_value_id(text, child);
            text.push_str(" -> ");
            if has_op {
                push_op_id(text, info.id);
            } else {
                push_value_id(text, info.id);
            }
            text.push('\n');
        }
        if has_op {
            text.push_str("  ");
            push_op_id(text, info.id);
            text.push_str(" -> ");
            push_value_id(text, info.id);
            text.push('\n');
        }
    }
}

/// ` style=filled fillcolor="…"` and ` color="…" penwidth=2`, each when set.
fn push_fill_and_outline(text: &mut String, fill: &Option<String>, outline: &Option<String>) {
    if let Some(fill) = fill {
        text.push_str(" style=filled");
        push_quoted_attribute(text, "fillcolor", fill);
    }
    if let Some(outline) = outline {
        push_quoted_attribute(text, "color", outline);
        text.push_str(" penwidth=2");
    }
}

/// ` name="value"`, the value escaped.
fn push_quoted_attribute(text: &mut String, name: &str, value: &str) {
    text.push(' ');
    text.push_str(name);
    text.push_str("=\"");
    escape_into(value, text);
    text.push('"');
}

fn push_indent(text: &mut String, indent: usize) {
    text.extend(std::iter::repeat_n(' ', indent));
}

// Inlined: three ids per value, and whether a call crosses codegen units otherwise shifts a
// large figure's writing time by a tenth (measured in `make bench`'s script 100k).
#[inline]
fn push_value_id(text: &mut String, id: u64) {
    text.push('v');
    push_integer(text, id);
}

#[inline]
fn push_op_id(text: &mut String, id: u64) {
    push_value_id(text, id);
    text.push_str("_op");
}

/// `n` in decimal: three ids per value, and `write!` was a tenth of a large figure's time.
#[inline]
fn push_integer(text: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    text.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

/// The legend swatches' height in inches: one line of text with a little room.
const LEGEND_HEIGHT: &str = "0.3";

/// Which cluster each value is drawn in, and the clusters' effective nesting.
pub(crate) struct ClusterLayout<'a> {
    pub(crate) clusters: &'a [Cluster],
    /// By export node index.
    pub(crate) cluster_of: Vec<Option<usize>>,
    /// The effective parent of each cluster: one at most [`MAX_CLUSTER_DEPTH`] deep.
    pub(crate) parent: Vec<Option<usize>>,
}

impl<'a> ClusterLayout<'a> {
    pub(crate) fn new(graph: &ExportGraph, clusters: &'a [Cluster]) -> Self {
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
}
