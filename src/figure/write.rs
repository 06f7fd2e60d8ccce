//! The one DOT writer: a figure's [`Scene`] written as DOT text into any [`Write`].
//! graphviz-rust's model of a figure ([`super::to_dot_model`]) is this text read back, so
//! there is no second copy of what the figure holds.
//!
//! Building graphviz-rust's model first costs a `Stmt` and several small `String`s per node
//! and edge: for the 400k-value graph of a 100k-statement script that was 1.2M statements,
//! about 7M allocations and 450 MB, most of the command's time and memory. This writer
//! appends each statement to one reused text buffer (labels escaped and numbers formatted
//! into it) and hands the buffer on as `figure::stream` says; with no output behind it
//! ([`Scene::to_dot`]) the buffer simply becomes the text. The scene is read as it is
//! written: nothing per value is built first.
//!
//! The statements come in this order, laid out as graphviz-rust's printer writes them:
//! graph, node and edge attributes (the scene's [`LayoutHints`] among the graph's); the
//! records and op nodes outside clusters; the clusters (members, then nested clusters); the
//! legend; the edges; the gates; the ranks shared across clusters. `tests/dot_writer.rs`
//! checks that the text parses back to a model that both printers print as the same bytes.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use petgraph::graph::NodeIndex;

use super::escape::{escape_field_into, escape_into};
use super::scene::{EdgeScratch, ElementId, Field, LayoutHints, NodeId, Scene, SceneNode};
use super::stream::{self, pass_on};
use super::{Decorations, DotOptions, Gate, Rankdir};
use crate::graph::ExportGraph;

/// Spaces per nesting level, as graphviz-rust's printer indents.
const INDENT_STEP: usize = 2;

/// Writes the DOT text of `graph` in micrograd's records with `decorations` (what
/// [`to_dot`] returns) to `out`; see [`Scene::write_dot`].
pub fn write_dot<W: Write>(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
    out: W,
) -> io::Result<()> {
    Scene::of(graph, options, decorations).write_dot(out)
}

/// The DOT text of `graph` in micrograd's look: a record `{ label | data … | grad … }` per
/// value, an op node per computed value, edges `child -> op -> value` (each drawn once), in
/// the export's order, with the decorations laid over it; see [`Scene::to_dot`].
pub fn to_dot(graph: &ExportGraph, options: &DotOptions, decorations: &Decorations) -> String {
    Scene::of(graph, options, decorations).to_dot()
}

impl Scene<'_> {
    /// Writes the scene's DOT text (what [`Scene::to_dot`] returns) to `out`. `out` gets
    /// large writes (about 64 KiB), so it needs no `BufWriter`.
    pub fn write_dot<W: Write>(&self, mut out: W) -> io::Result<()> {
        let mut text = stream::buffer();
        let mut sink = |text: &mut String, last: bool| pass_on(text, &mut out, last);
        self.write_statements(&mut text, &mut sink)?;
        sink(&mut text, true)?;
        out.flush()
    }

    /// The scene's DOT text. The same scene gives the same bytes. Written in place as one
    /// `String`, with no copy.
    pub fn to_dot(&self) -> String {
        let mut text = String::with_capacity(estimated_len(self.graph()));
        let mut keep = |_: &mut String, _: bool| Ok(());
        self.write_statements(&mut text, &mut keep)
            .expect("keeping text in memory cannot fail");
        text
    }

    fn write_statements(&self, text: &mut String, sink: &mut Sink<'_>) -> io::Result<()> {
        let graph = self.graph();
        text.push_str("digraph gradviz {\n");
        self.graph_attributes(text);
        for node in self.nodes() {
            if node.cluster.is_none() {
                self.value_nodes(text, &node, INDENT_STEP);
                sink(text, false)?;
            }
        }
        self.clusters_dot(text, sink)?;
        self.legend_dot(text);
        let mut edges = EdgeScratch::default();
        for index in graph.node_indices() {
            self.for_each_edge_into(index, &mut edges, |edge| {
                text.push_str("  ");
                edge.from.node.push_to(text);
                text.push_str(" -> ");
                edge.to.node.push_to(text);
                text.push('\n');
            });
            sink(text, false)?;
        }
        for (k, gate) in self.gates().iter().enumerate() {
            write_gate(text, k, gate);
            sink(text, false)?;
        }
        if !self.same_rank().is_empty() {
            // An id not in the graph would make Graphviz draw a stray node: it is left out.
            let known: BTreeSet<u64> = graph.node_weights().map(|n| n.id).collect();
            for (k, ids) in self.same_rank().iter().enumerate() {
                write_same_rank(text, k, ids.iter().filter(|id| known.contains(id)));
                sink(text, false)?;
            }
        }
        text.push_str("}\n");
        Ok(())
    }

    fn graph_attributes(&self, text: &mut String) {
        text.push_str("  graph[rankdir=");
        text.push_str(self.rankdir().as_str());
        if let Some(caption) = self.caption() {
            push_quoted_attribute(text, "label", caption);
            text.push_str(" labelloc=t");
        }
        push_quoted_attribute(text, "fontname", self.fontname());
        push_hints(text, self.hints());
        text.push_str("]\n");
        for kind in ["node", "edge"] {
            text.push_str("  ");
            text.push_str(kind);
            text.push_str("[fontname=\"");
            escape_into(self.fontname(), text);
            text.push_str("\"]\n");
        }
    }

    /// The record of one value and, for a computed value, its op node.
    fn value_nodes(&self, text: &mut String, node: &SceneNode<'_>, indent: usize) {
        push_indent(text, indent);
        node.element().push_to(text);
        text.push_str("[label=\"{ ");
        let precision = self.precision();
        let mut first = true;
        node.for_each_field(|field| {
            if !first {
                text.push_str(" | ");
            }
            first = false;
            match field {
                Field::Label(field) | Field::Text(field) => escape_field_into(field, text),
                // A number's text needs no escaping.
                number => number.push_sized(precision, text),
            }
        });
        text.push_str(" }\" shape=record");
        push_fill_and_outline(text, node.fill(), node.outline());
        text.push_str("]\n");
        if let Some(op) = node.op() {
            push_indent(text, indent);
            op.id.push_to(text);
            text.push_str("[label=\"");
            escape_into(&op.text, text);
            text.push_str("\"]\n");
        }
    }

    /// Each top-level cluster with its members and, nested inside, its child clusters in
    /// index order; an explicit stack instead of recursion.
    fn clusters_dot(&self, text: &mut String, sink: &mut Sink<'_>) -> io::Result<()> {
        let clusters = self.clusters();
        if clusters.is_empty() {
            return Ok(());
        }
        let mut members: Vec<Vec<NodeIndex>> = vec![Vec::new(); clusters.len()];
        for node in self.nodes() {
            if let Some(c) = node.cluster {
                members[c].push(node.index);
            }
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
        let mut top = Vec::new();
        for c in 0..clusters.len() {
            match self.cluster_parent(c) {
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
        let cluster = &self.clusters()[c];
        push_indent(text, indent);
        let _ = writeln!(text, "subgraph {} {{", ElementId::Cluster(c));
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
            self.value_nodes(text, &self.node(index), indent + INDENT_STEP);
        }
    }

    fn legend_dot(&self, text: &mut String) {
        let entries = self.legend();
        if entries.is_empty() {
            return;
        }
        let across = matches!(self.rankdir(), Rankdir::TB | Rankdir::BT);
        text.push_str("  subgraph legend {\n");
        if across {
            text.push_str("    graph[rank=same]\n");
        }
        for (i, entry) in entries.iter().enumerate() {
            let _ = write!(text, "    {}[label=\"", ElementId::Legend(i));
            escape_into(&entry.text, text);
            let shape = if entry.fill.is_none() && entry.outline.is_none() {
                "plaintext"
            } else {
                "box"
            };
            let _ = write!(text, "\" shape={shape} height={LEGEND_HEIGHT}");
            push_fill_and_outline(text, entry.fill.as_deref(), entry.outline.as_deref());
            text.push_str("]\n");
        }
        if !across {
            for i in 1..entries.len() {
                let (tail, head) = (ElementId::Legend(i - 1), ElementId::Legend(i));
                let _ = writeln!(text, "    {tail} -> {head} [style=invis]");
            }
        }
        text.push_str("  }\n");
    }
}

/// About the length of a plain figure's text: a record, an op node and two edges per value.
fn estimated_len(graph: &ExportGraph) -> usize {
    let labels: usize = graph.node_weights().map(|n| n.label.len()).sum();
    256 + labels + graph.node_count() * 120
}

/// Called after each statement with the text so far; `true` on the last call. It may take
/// the text away (the streaming case) or leave it to grow.
type Sink<'s> = dyn FnMut(&mut String, bool) -> io::Result<()> + 's;

/// The layout settings as graph attributes.
fn push_hints(text: &mut String, hints: LayoutHints) {
    for (name, value) in hints.attributes() {
        push_quoted_attribute(text, name, value);
    }
}

/// Gate `k` (see [`super::Gate`]): an invisible point and the invisible edges through it.
fn write_gate(text: &mut String, k: usize, gate: &Gate) {
    let point = ElementId::Gate(k);
    let _ = writeln!(text, "  {point}[shape=point style=invis width=0 height=0]");
    for &a in &gate.after {
        text.push_str("  ");
        NodeId::Value(a).push_to(text);
        let _ = writeln!(text, " -> {point} [style=invis]");
    }
    for &b in &gate.before {
        let _ = write!(text, "  {point} -> ");
        NodeId::Value(b).push_to(text);
        text.push_str(" [style=invis]\n");
    }
}

/// Set `k` of [`super::Decorations::same_rank`]: a subgraph holding the values `ids`, in one
/// rank.
fn write_same_rank<'a>(text: &mut String, k: usize, ids: impl Iterator<Item = &'a u64>) {
    let _ = writeln!(text, "  subgraph same_rank_{k} {{\n    graph[rank=same]");
    for &id in ids {
        text.push_str("    ");
        NodeId::Value(id).push_to(text);
        text.push('\n');
    }
    text.push_str("  }\n");
}

/// ` style=filled fillcolor="…"` and ` color="…" penwidth=2`, each when set.
fn push_fill_and_outline(text: &mut String, fill: Option<&str>, outline: Option<&str>) {
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

/// The legend swatches' height in inches: one line of text with a little room.
const LEGEND_HEIGHT: &str = "0.3";
