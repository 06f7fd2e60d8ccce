//! The JSON graph interchange of SPEC §6 (format `"gradviz"`, version 1): [`read`] validates
//! a document completely before anything can be drawn, [`write`] produces its canonical,
//! diff-friendly text, from an exported graph or ([`write_tape_to`]) straight from an
//! engine's tape. `docs/json.md` is the format's user documentation.
//!
//! Reading streams the text through serde straight into compact nodes rather than a
//! `serde_json::Value` tree, which would cost about a kilobyte per node. Every value is first
//! accepted whatever its JSON type and checked by hand afterwards, so that a wrong one is
//! reported with its JSON path (`nodes[3].data`); only malformed JSON is reported by
//! `line:column`. Nothing here recurses over the graph: the cycle check is Kahn's algorithm.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc;
use std::thread;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::engine::{python_float_repr, Graph, NodeId, Op, TapeView};
use crate::graph::{
    cycle_walk, sinks, topological_order, EngineScopes, ExportGraph, NodeInfo, NodeOp, Scope,
    ScopePaths, ScopeStep,
};
use crate::{Error, Result};

/// The value of a document's `"format"` field.
pub const FORMAT: &str = "gradviz";

/// The format version this build reads and writes.
pub const VERSION: u64 = 1;

/// A validated graph from a file: drawable, with its roots.
#[derive(Debug, Clone)]
pub struct Document {
    /// The nodes in file order, with edges operand → result weighted by operand position.
    pub graph: ExportGraph,
    /// The values `backward()` ran from, in order: the file's `"roots"`, or the sinks (nodes
    /// no other node uses) when the file lists none.
    pub roots: Vec<NodeIndex>,
}

/// Parses and validates a JSON graph document. `file_name` only names the file in errors.
///
/// # Errors
/// [`Error::Json`] for the first problem found: `path` is `line:column` for malformed JSON,
/// otherwise the JSON path of the offending value (`nodes[3].children[1]`).
pub fn read(text: &str, file_name: &str) -> Result<Document> {
    parse(text).map_err(|invalid| {
        let hint = python_number_hint(text, &invalid);
        Error::Json {
            file: file_name.to_string(),
            path: invalid.path,
            message: invalid.message + hint,
        }
    })
}

/// A hint for the bare `NaN`, `Infinity` and `-Infinity` that Python's `json.dumps` writes
/// and JSON does not allow, when the syntax error is at one.
fn python_number_hint(text: &str, invalid: &Invalid) -> &'static str {
    const HINT: &str = "\n  = help: Python's json writes NaN and Infinity, which are not JSON; \
                        write them as the strings \"nan\", \"inf\", \"-inf\" (docs/json.md)";
    if !invalid.message.starts_with("malformed JSON") {
        return "";
    }
    let Some((line, column)) = invalid.path.split_once(':') else {
        return "";
    };
    let (Ok(line), Ok(column)) = (line.parse::<usize>(), column.parse::<usize>()) else {
        return "";
    };
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return "";
    };
    // serde_json points at the first character it could not take, or just past it.
    let at = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    let from = line_text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphabetic() || c == '-'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = line_text[from..]
        .split(|c: char| !(c.is_ascii_alphabetic() || c == '-'))
        .next()
        .unwrap_or("");
    match word {
        "NaN" | "Infinity" | "-Infinity" => HINT,
        _ => "",
    }
}

/// Writes `graph` as a document: one node per line in graph order, numbers in the shortest
/// form that reads back to the same `f64` (`-0.0` included), non-finite numbers as the
/// strings `"nan"`, `"inf"`, `"-inf"`. Pass the sinks (see [`sinks`]) as `roots` when
/// unknown. The output depends on nothing but the arguments.
///
/// `read` accepts the result as long as the graph's ids are distinct, as they are for every
/// graph from [`crate::graph::to_petgraph`] or [`read`].
///
/// # Panics
/// If a root is not a node of `graph`.
pub fn write(graph: &ExportGraph, roots: &[NodeIndex]) -> String {
    let mut bytes = Vec::with_capacity(64 + graph.node_count() * 120);
    write_to(graph, roots, &mut bytes).expect("writing into memory cannot fail");
    String::from_utf8(bytes).expect("the writer writes UTF-8")
}

/// [`write`] streamed into `out`, a chunk of about a megabyte at a time: a million-node
/// graph's text (over a hundred megabytes) is never held whole, and each chunk is one
/// write call. A graph of [`TWO_THREADS_NODES`] nodes or more is written by two threads,
/// which share out blocks of [`BLOCK_NODES`] nodes; the text is the same.
///
/// # Errors
/// The first error `out` returns.
///
/// # Panics
/// If a root is not a node of `graph`.
pub fn write_to(graph: &ExportGraph, roots: &[NodeIndex], out: &mut dyn Write) -> io::Result<()> {
    let mut scopes = ScopeIds::default();
    for (position, info) in graph.node_weights().enumerate() {
        scopes.add(position, info.scope.as_ref());
    }
    let roots: Vec<u64> = roots.iter().map(|&root| graph[root].id).collect();
    write_nodes(&Exported(graph), &scopes, &roots, out)
}

/// What [`write_to`] writes of `to_petgraph(graph, &[root])` (see
/// [`crate::graph::to_petgraph`]), whose one root is `root`, read in place from the tape:
/// the same text, without the exported copy, which on a 100k-line script was a tenth of the
/// run and half its memory.
///
/// # Errors
/// The first error `out` returns.
pub fn write_tape_to(graph: &Graph, root: NodeId, out: &mut dyn Write) -> io::Result<()> {
    let ids = graph.reachable(&[root]);
    let mut scopes = ScopeIds::default();
    let mut engine_scopes = EngineScopes::new(graph);
    for (position, &id) in ids.iter().enumerate() {
        scopes.add(position, engine_scopes.of(id).as_ref());
    }
    let roots = [root.index() as u64];
    graph.read(|tape| write_nodes(&OnTape { tape, ids: &ids }, &scopes, &roots, out))
}

/// The document of `nodes`, their scopes numbered in `scopes`, with the root ids `roots`.
fn write_nodes(
    nodes: &impl NodeTable,
    scopes: &ScopeIds,
    roots: &[u64],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut chunk = Chunk::new();
    chunk.push(b"{\n  \"format\": \"");
    chunk.push(FORMAT.as_bytes());
    chunk.push(b"\",\n  \"version\": ");
    chunk.push_u64(VERSION);
    chunk.push(b",\n  \"nodes\": [");
    let lines = NodeLines {
        nodes,
        scopes: &scopes.of_nodes,
    };
    if nodes.len() >= TWO_THREADS_NODES {
        lines.write_on_two_threads(&mut chunk, out)?;
    } else {
        lines.write(&mut chunk, 0..nodes.len(), Some(out))?;
    }
    if nodes.len() > 0 {
        chunk.push(b"\n  ");
    }
    chunk.push(b"],\n  \"roots\": [");
    push_ids(&mut chunk, roots.iter().copied());
    chunk.push(b"]");
    if !scopes.table.is_empty() {
        write_scopes(&mut chunk, &scopes.table);
    }
    chunk.push(b"\n}\n");
    out.write_all(&chunk.bytes)
}

/// The nodes a document lists, by position: an exported graph's ([`Exported`]) or a tape's,
/// read in place ([`OnTape`]).
trait NodeTable: Sync {
    fn len(&self) -> usize;

    /// The node at `position`; its operands go into `operands` (emptied first) as their
    /// positions among the node's operands and their ids, in order.
    fn row(&self, position: usize, operands: &mut Vec<(usize, u64)>) -> Row<'_>;
}

/// One node's fields, as its line shows them.
struct Row<'a> {
    id: u64,
    label: &'a str,
    data: f64,
    grad: f64,
    op: Cow<'a, NodeOp>,
}

/// An exported graph's nodes, in its order.
struct Exported<'g>(&'g ExportGraph);

impl NodeTable for Exported<'_> {
    fn len(&self) -> usize {
        self.0.node_count()
    }

    fn row(&self, position: usize, operands: &mut Vec<(usize, u64)>) -> Row<'_> {
        let graph = self.0;
        let node = NodeIndex::new(position);
        // The operands in order, as `graph::operands` reads them from the position weights.
        operands.clear();
        operands.extend(
            graph
                .edges_directed(node, Direction::Incoming)
                .map(|edge| (*edge.weight(), graph[edge.source()].id)),
        );
        operands.sort_unstable();
        let info = &graph[node];
        Row {
            id: info.id,
            label: &info.label,
            data: info.data,
            grad: info.grad,
            op: Cow::Borrowed(&info.op),
        }
    }
}

/// The nodes `ids` of a tape, in that order: what `to_petgraph` would export of them.
struct OnTape<'g> {
    tape: TapeView<'g>,
    ids: &'g [NodeId],
}

impl NodeTable for OnTape<'_> {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn row(&self, position: usize, operands: &mut Vec<(usize, u64)>) -> Row<'_> {
        let id = self.ids[position];
        let (op, slots) = self.tape.op_and_operands(id);
        operands.clear();
        operands.extend(
            slots[..op.arity()]
                .iter()
                .map(|operand| operand.index() as u64)
                .enumerate(),
        );
        Row {
            id: id.index() as u64,
            label: self.tape.label(id),
            data: self.tape.data(id),
            grad: self.tape.grad(id),
            op: Cow::Owned(NodeOp::Known(op)),
        }
    }
}

/// Graphs with at least this many nodes are written on two threads; on a smaller one the
/// second thread would take longer to start than it saves.
const TWO_THREADS_NODES: usize = 4 * BLOCK_NODES;

/// Nodes per block when two threads write them (about a megabyte of text).
const BLOCK_NODES: usize = 2048;

/// When two threads write the nodes, this one formats every `WRITER_TURN`-th block and the
/// second thread the others: this one also hands every block to the writer, which takes
/// about as long as formatting half of them.
const WRITER_TURN: usize = 3;

/// The lines of a document's nodes, each node's scope numbered beforehand.
struct NodeLines<'g, T> {
    nodes: &'g T,
    /// Each node's scope id, by position; empty when no node has a scope.
    scopes: &'g [Option<u64>],
}

// Copied by hand: a derive would ask `T: Copy` of the table it only borrows.
impl<T> Clone for NodeLines<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for NodeLines<'_, T> {}

impl<T: NodeTable> NodeLines<'_, T> {
    /// The lines of the nodes at `positions` pushed onto `chunk`, which goes to `out` (if
    /// any) whenever it fills.
    fn write(
        self,
        chunk: &mut Chunk,
        positions: Range<usize>,
        mut out: Option<&mut dyn Write>,
    ) -> io::Result<()> {
        let mut operands = Vec::with_capacity(2);
        for position in positions {
            chunk.push(if position == 0 { b"\n    " } else { b",\n    " });
            let scope = self.scopes.get(position).copied().flatten();
            let row = self.nodes.row(position, &mut operands);
            write_node(chunk, &row, &operands, scope);
            if let Some(out) = out.as_deref_mut() {
                chunk.flush_if_full(out)?;
            }
        }
        Ok(())
    }

    /// [`NodeLines::write`] of every node, a block in [`WRITER_TURN`] on this thread and the
    /// others on a second, written to `out` in order. The second thread is at most two
    /// blocks ahead, so the text is never held whole.
    fn write_on_two_threads(self, chunk: &mut Chunk, out: &mut dyn Write) -> io::Result<()> {
        let count = self.nodes.len();
        let block = |index: usize| index * BLOCK_NODES..((index + 1) * BLOCK_NODES).min(count);
        let blocks = count.div_ceil(BLOCK_NODES);
        let here = |index: &usize| index.is_multiple_of(WRITER_TURN);
        thread::scope(|scope| {
            let (to_writer, written) = mpsc::sync_channel::<Chunk>(1);
            let (to_helper, emptied) = mpsc::channel::<Chunk>();
            scope.spawn(move || {
                for index in (0..blocks).filter(|index| !here(index)) {
                    let mut text = emptied.try_recv().unwrap_or_else(|_| Chunk::new());
                    self.write(&mut text, block(index), None)
                        .expect("a chunk without a writer cannot fail");
                    // The writer stops taking blocks only when `out` failed.
                    if to_writer.send(text).is_err() {
                        return;
                    }
                }
            });
            for index in 0..blocks {
                if here(&index) {
                    self.write(chunk, block(index), None)
                        .expect("a chunk without a writer cannot fail");
                    chunk.flush(out)?;
                } else {
                    let mut text = written
                        .recv()
                        .expect("the second thread formats the blocks this one does not");
                    text.flush(out)?;
                    // The second thread may be done: the chunk is then dropped here.
                    let _ = to_helper.send(text);
                }
            }
            Ok(())
        })
    }
}

/// The scope table, numbered in node order before the nodes are written: each path (and
/// each of its prefixes, its parents) gets the next id when it first appears, so the table
/// is in first-appearance order with every parent before its children.
#[derive(Default)]
struct ScopeIds {
    /// Each path's id; paths of one call share an `Arc`, so most look-ups hit `last`.
    ids: HashMap<Vec<ScopeStep>, u64>,
    last: Option<(Scope, u64)>,
    /// The entries in id order: the step and its parent's id.
    table: Vec<(ScopeStep, Option<u64>)>,
    /// Each node's scope id, by position, up to the last node that has a scope.
    of_nodes: Vec<Option<u64>>,
}

impl ScopeIds {
    /// Numbers the scope of the node at `position`, the next after those numbered so far.
    fn add(&mut self, position: usize, scope: Option<&Scope>) {
        if let Some(scope) = scope {
            let id = self.id(scope);
            self.of_nodes.resize(position, None);
            self.of_nodes.push(Some(id));
        }
    }

    fn id(&mut self, scope: &Scope) -> u64 {
        if let Some((last, id)) = &self.last {
            if std::sync::Arc::ptr_eq(last, scope) || last == scope {
                return *id;
            }
        }
        let mut parent = None;
        for depth in 1..=scope.len() {
            let prefix = &scope[..depth];
            let id = match self.ids.get(prefix) {
                Some(&id) => id,
                None => {
                    let id = self.table.len() as u64;
                    self.ids.insert(prefix.to_vec(), id);
                    self.table.push((prefix[depth - 1].clone(), parent));
                    id
                }
            };
            parent = Some(id);
        }
        let id = parent.expect("a scope has at least one step");
        self.last = Some((scope.clone(), id));
        id
    }
}

/// The `"scopes"` table, one entry a line.
fn write_scopes(chunk: &mut Chunk, table: &[(ScopeStep, Option<u64>)]) {
    chunk.push(b",\n  \"scopes\": [");
    for (id, (step, parent)) in table.iter().enumerate() {
        chunk.push(if id == 0 { b"\n    " } else { b",\n    " });
        chunk.push(b"{\"id\": ");
        chunk.push_u64(id as u64);
        chunk.push(b", \"kind\": ");
        chunk.push_string(&step.kind);
        chunk.push(b", \"name\": ");
        chunk.push_string(&step.name);
        chunk.push(b", \"object\": ");
        chunk.push_u64(u64::from(step.object));
        chunk.push(b", \"call\": ");
        match step.call {
            Some(call) => chunk.push_u64(u64::from(call)),
            None => chunk.push(b"null"),
        }
        chunk.push(b", \"parent\": ");
        match parent {
            Some(parent) => chunk.push_u64(*parent),
            None => chunk.push(b"null"),
        }
        chunk.push(b"}");
    }
    chunk.push(b"\n  ]");
}

/// One node's line: `row`, its operands' ids from `operands` (in order), its scope's id.
fn write_node(chunk: &mut Chunk, row: &Row<'_>, operands: &[(usize, u64)], scope: Option<u64>) {
    chunk.push(b"{\"id\": ");
    chunk.push_u64(row.id);
    // Text with nothing to escape (every label but a rare one) goes out with the fixed
    // text around it: three pushes rather than five.
    if needs_no_escape(row.label) {
        chunk.push(b", \"label\": \"");
        chunk.push(row.label.as_bytes());
        chunk.push(b"\", \"data\": ");
    } else {
        chunk.push(b", \"label\": ");
        chunk.push_string(row.label);
        chunk.push(b", \"data\": ");
    }
    chunk.push_number(row.data);
    chunk.push(b", \"grad\": ");
    chunk.push_number(row.grad);
    match engine_op_and_children(&row.op) {
        Some(text) => chunk.push(text),
        None => {
            chunk.push(b", \"op\": ");
            chunk.push_string(&row.op.text());
            chunk.push(b", \"children\": [");
        }
    }
    push_ids(chunk, operands.iter().map(|&(_, id)| id));
    chunk.push(b"]");
    if let Some(scope) = scope {
        chunk.push(b", \"scope\": ");
        chunk.push_u64(scope);
    }
    chunk.push(b"}");
}

/// The text from an engine op's field to the opening of the children's list, in one piece
/// (the op names need no escaping); `None` for `Pow`, whose text has its exponent, and for
/// an op text from a file.
fn engine_op_and_children(op: &NodeOp) -> Option<&'static [u8]> {
    let NodeOp::Known(op) = op else {
        return None;
    };
    Some(match op {
        Op::Leaf => b", \"op\": \"\", \"children\": [",
        Op::Add => b", \"op\": \"+\", \"children\": [",
        Op::Mul => b", \"op\": \"*\", \"children\": [",
        Op::Pow(_) => return None,
        Op::Relu => b", \"op\": \"ReLU\", \"children\": [",
        Op::Tanh => b", \"op\": \"tanh\", \"children\": [",
        Op::Exp => b", \"op\": \"exp\", \"children\": [",
        Op::Log => b", \"op\": \"log\", \"children\": [",
        Op::Sigmoid => b", \"op\": \"sigmoid\", \"children\": [",
    })
}

/// Whether serde_json writes `text` as it is between quotes: no `"`, `\\` or control
/// character in it.
fn needs_no_escape(text: &str) -> bool {
    text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
}

fn push_ids(chunk: &mut Chunk, ids: impl Iterator<Item = u64>) {
    for (position, id) in ids.enumerate() {
        if position > 0 {
            chunk.push(b", ");
        }
        chunk.push_u64(id);
    }
}

/// The text being written, handed to the writer whenever it passes [`Chunk::SIZE`].
struct Chunk {
    bytes: Vec<u8>,
}

impl Chunk {
    const SIZE: usize = 1 << 20;

    fn new() -> Self {
        Chunk {
            bytes: Vec::with_capacity(Self::SIZE + 4096),
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    fn push_u64(&mut self, n: u64) {
        self.push(itoa::Buffer::new().format(n).as_bytes());
    }

    /// A JSON string exactly as serde_json writes it: only `"`, `\\` and control characters
    /// are escaped, so text without them is copied as it is.
    fn push_string(&mut self, text: &str) {
        if needs_no_escape(text) {
            self.push(b"\"");
            self.push(text.as_bytes());
            self.push(b"\"");
        } else {
            serde_json::to_writer(&mut self.bytes, text).expect("a string always serializes");
        }
    }

    /// A finite number in the shortest form that parses back to the same bits, always with
    /// a `.0` or an exponent and `-0.0` with its sign (serde_json's form: the same `zmij`
    /// formatter); a non-finite one as a string.
    fn push_number(&mut self, x: f64) {
        if x.is_finite() {
            self.push(zmij::Buffer::new().format_finite(x).as_bytes());
        } else {
            self.push(b"\"");
            self.push(python_float_repr(x).as_bytes());
            self.push(b"\"");
        }
    }

    fn flush_if_full(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.bytes.len() >= Self::SIZE {
            self.flush(out)?;
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.bytes)?;
        self.bytes.clear();
        Ok(())
    }
}

/// A validation failure before it is tied to a file.
#[derive(Debug)]
struct Invalid {
    path: String,
    message: String,
}

impl Invalid {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The path of the document itself, for problems with the whole of it.
const TOP: &str = "document";

fn parse(text: &str) -> Result<Document, Invalid> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let top = Read(DocumentReader)
        .deserialize(&mut deserializer)
        .and_then(|top| deserializer.end().map(|()| top))
        .map_err(|error| syntax_error(text, error))?;
    let fields =
        top.map_err(|found| Invalid::new(TOP, format!("expected a JSON object, found {}", found)))?;
    fields.validate()
}

fn syntax_error(text: &str, error: serde_json::Error) -> Invalid {
    let (line, column) = editor_position(text, error.line(), error.column());
    let position = format!("{line}:{column}");
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = error.to_string();
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    Invalid::new(position, format!("malformed JSON: {message}"))
}

/// serde_json's line and column as an editor numbers them. serde_json says column 0 for
/// an error found at a newline (a file cut off inside a string ends there); an editor has
/// no column 0, so that place is the column just past the end of the line before.
fn editor_position(text: &str, line: usize, column: usize) -> (usize, usize) {
    match (line, column) {
        (2.., 0) => {
            // In bytes, as serde_json counts its columns everywhere else.
            let before = text.split('\n').nth(line - 2).unwrap_or("");
            (line - 1, before.len() + 1)
        }
        _ => (line, column),
    }
}

/// One JSON value, kept only as far as validation needs it: arrays and objects are skipped
/// and only named.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Unsigned(u64),
    Negative(i64),
    Float(f64),
    Text(String),
    Array,
    Object,
}

impl fmt::Display for Raw {
    /// How an error message names a value it did not expect.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Null => f.write_str("null"),
            Raw::Bool(b) => write!(f, "{b}"),
            Raw::Unsigned(n) => write!(f, "the number {n}"),
            Raw::Negative(n) => write!(f, "the number {n}"),
            Raw::Float(x) => write!(f, "the number {}", python_float_repr(*x)),
            Raw::Text(text) => write!(f, "the string {}", shorten(text)),
            Raw::Array => f.write_str("an array"),
            Raw::Object => f.write_str("an object"),
        }
    }
}

/// A string quoted as JSON, cut short so a huge value cannot flood an error message.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!(
            "{}…",
            serde_json::to_string(&text[..cut]).unwrap_or_default()
        ),
        None => serde_json::to_string(text).unwrap_or_default(),
    }
}

impl Raw {
    fn id(&self) -> Result<u64, String> {
        match self {
            Raw::Unsigned(id) => Ok(*id),
            other => Err(format!(
                "expected an id (a non-negative integer), found {other}"
            )),
        }
    }

    fn number(&self) -> Result<f64, String> {
        match self {
            Raw::Unsigned(n) => Ok(*n as f64),
            Raw::Negative(n) => Ok(*n as f64),
            Raw::Float(x) => Ok(*x),
            Raw::Text(text) if text == "nan" => Ok(f64::NAN),
            Raw::Text(text) if text == "inf" => Ok(f64::INFINITY),
            Raw::Text(text) if text == "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(format!(
                "expected a number or one of \"nan\", \"inf\", \"-inf\", found {other}"
            )),
        }
    }

    fn text(self) -> Result<String, String> {
        match self {
            Raw::Text(text) => Ok(text),
            other => Err(format!("expected a string, found {other}")),
        }
    }
}

/// What to make of a JSON array or object where the caller wants one; anything else comes
/// back as `Err(Raw)` for the caller to report.
trait Reader<'de>: Sized {
    type Output;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Result<Self::Output, Raw>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(Raw::Array))
    }

    fn object<M: MapAccess<'de>>(self, mut map: M) -> Result<Result<Self::Output, Raw>, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(Raw::Object))
    }
}

/// Deserializes any JSON value through a [`Reader`]: serde only fails on malformed JSON.
struct Read<R>(R);

impl<'de, R: Reader<'de>> DeserializeSeed<'de> for Read<R> {
    type Value = Result<R::Output, Raw>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Reader<'de>> Visitor<'de> for Read<R> {
    type Value = Result<R::Output, Raw>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(Raw::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Err(Raw::Bool(b)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Err(Raw::Unsigned(n)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Err(u64::try_from(n).map_or(Raw::Negative(n), Raw::Unsigned)))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Self::Value, E> {
        Ok(Err(Raw::Float(x)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Err(Raw::Text(text.to_string())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Err(Raw::Text(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.array(seq)
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        self.0.object(map)
    }
}

/// Any value at all, arrays and objects skipped.
struct AnyValue;

impl Reader<'_> for AnyValue {
    type Output = Raw;
}

fn any<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Raw, D::Error> {
    Ok(Read(AnyValue)
        .deserialize(deserializer)?
        .unwrap_or_else(|raw| raw))
}

/// An array of plain values (`children`, `roots`).
struct ValueArray;

impl<'de> Reader<'de> for ValueArray {
    type Output = Vec<Raw>;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Result<Vec<Raw>, Raw>, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(2));
        while let Some(value) = seq.next_element_seed(AnySeed)? {
            values.push(value);
        }
        Ok(Ok(values))
    }
}

struct AnySeed;

impl<'de> DeserializeSeed<'de> for AnySeed {
    type Value = Raw;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        any(deserializer)
    }
}

/// Reads an object key as its position in `names`, `None` for a key not in the list; keys
/// are matched without allocating, which matters at a million nodes.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|&name| name == key))
    }
}

const NODE_KEYS: &[&str] = &["id", "label", "data", "grad", "op", "children", "scope"];
const ID: usize = 0;
const LABEL: usize = 1;
const DATA: usize = 2;
const GRAD: usize = 3;
const OP: usize = 4;
const CHILDREN: usize = 5;
const SCOPE: usize = 6;

/// One node object's fields as found, before validation.
#[derive(Default)]
struct NodeFields {
    scalars: [Option<Raw>; 5],
    children: Option<Result<Vec<Raw>, Raw>>,
    scope: Option<Raw>,
    repeated_key: Option<&'static str>,
}

struct NodeReader;

impl<'de> Reader<'de> for NodeReader {
    type Output = NodeFields;

    fn object<M: MapAccess<'de>>(self, mut map: M) -> Result<Result<NodeFields, Raw>, M::Error> {
        let mut fields = NodeFields::default();
        while let Some(key) = map.next_key_seed(KeySeed(NODE_KEYS))? {
            let Some(key) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let present = if key == CHILDREN {
                fields
                    .children
                    .replace(map.next_value_seed(Read(ValueArray))?)
                    .is_some()
            } else if key == SCOPE {
                fields
                    .scope
                    .replace(map.next_value_seed(AnySeed)?)
                    .is_some()
            } else {
                fields.scalars[key]
                    .replace(map.next_value_seed(AnySeed)?)
                    .is_some()
            };
            if present {
                fields.repeated_key.get_or_insert(NODE_KEYS[key]);
            }
        }
        Ok(Ok(fields))
    }
}

/// A node that passed the checks that need nothing but the node itself, and the id of its
/// entry in the document's `"scopes"`, resolved once the whole document is read.
struct ParsedNode {
    listed: ListedNode,
    scope: Option<u64>,
}

impl ParsedNode {
    /// The listed node with its scope, `nodes[position].scope` naming one of `scopes`.
    fn resolve(self, position: usize, scopes: &ScopeTable) -> Result<ListedNode, Invalid> {
        let mut listed = self.listed;
        if let Some(scope) = self.scope {
            listed.info.scope = Some(scopes.get(scope).ok_or_else(|| {
                Invalid::new(
                    format!("nodes[{position}].scope"),
                    format!("no scope with id {scope}"),
                )
            })?);
        }
        Ok(listed)
    }
}

impl NodeFields {
    fn validate(self, index: usize) -> Result<ParsedNode, Invalid> {
        // The node's path is written out only for an error: a million nodes read without
        // one would otherwise format a million of them.
        let here = || format!("nodes[{index}]");
        if let Some(key) = self.repeated_key {
            return Err(Invalid::new(
                here(),
                format!("the key \"{key}\" appears twice"),
            ));
        }
        let field = |raw: Option<Raw>, key: usize| {
            raw.ok_or_else(|| Invalid::new(here(), format!("missing field \"{}\"", NODE_KEYS[key])))
        };
        let at = |key: usize| {
            move |message| Invalid::new(format!("{}.{}", here(), NODE_KEYS[key]), message)
        };
        let [id, label, data, grad, op] = self.scalars;
        let id = field(id, ID)?.id().map_err(at(ID))?;
        let label = match label {
            None => String::new(),
            Some(raw) => raw.text().map_err(at(LABEL))?,
        };
        let data = field(data, DATA)?.number().map_err(at(DATA))?;
        let grad = field(grad, GRAD)?.number().map_err(at(GRAD))?;
        let op = NodeOp::from_string(field(op, OP)?.text().map_err(at(OP))?);
        let children = self
            .children
            .ok_or_else(|| Invalid::new(here(), "missing field \"children\""))?
            .map_err(|found| at(CHILDREN)(format!("expected an array of ids, found {found}")))?;
        let children = children
            .iter()
            .enumerate()
            .map(|(j, raw)| {
                raw.id()
                    .map_err(|m| Invalid::new(format!("{}.children[{j}]", here()), m))
            })
            .collect::<Result<Vec<u64>, Invalid>>()?;
        let children = operands_as_listed(&op, children).map_err(at(CHILDREN))?;
        let scope = match self.scope {
            None | Some(Raw::Null) => None,
            Some(raw) => Some(raw.id().map_err(at(SCOPE))?),
        };
        let listed = ListedNode {
            info: NodeInfo {
                id,
                label: label.into(),
                data,
                grad,
                op,
                scope: None,
            },
            children,
        };
        Ok(ParsedNode { listed, scope })
    }
}

/// A known op must have exactly its operands; an unknown op text may have any number. A `+`
/// or `*` with one child is that child twice: micrograd keeps its operands in the set
/// `_prev`, so an exporter that reads it lists the operand of `a + a` once. The Python
/// package reads a walked graph's operands with this rule too, so both read a value alike.
///
/// # Errors
/// What is wrong with the count, for the caller to place (`nodes[3].children`, a value).
pub fn operands_as_listed(op: &NodeOp, mut children: Vec<u64>) -> Result<Vec<u64>, String> {
    let Some(known) = op.known() else {
        return Ok(children);
    };
    let arity = known.arity();
    let count = children.len();
    if count == 1 && matches!(known, Op::Add | Op::Mul) {
        children.push(children[0]);
        return Ok(children);
    }
    if count == arity {
        return Ok(children);
    }
    Err(match arity {
        0 => format!("a leaf (op \"\") has no children, found {count}"),
        1 => format!("op \"{op}\" takes 1 operand, found {count}"),
        _ => format!("op \"{op}\" takes {arity} operands (a repeated operand is listed twice), found {count}"),
    })
}

/// The `nodes` array, validated node by node as it streams past; after the first invalid
/// node the rest is only skipped, since that error is the one reported.
struct NodesReader;

impl<'de> Reader<'de> for NodesReader {
    type Output = Result<Vec<ParsedNode>, Invalid>;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Result<Self::Output, Raw>, A::Error> {
        let mut nodes = Vec::new();
        loop {
            let index = nodes.len();
            let Some(node) = seq.next_element_seed(Read(NodeReader))? else {
                return Ok(Ok(Ok(nodes)));
            };
            let invalid = match node {
                Ok(fields) => match fields.validate(index) {
                    Ok(parsed) => {
                        nodes.push(parsed);
                        continue;
                    }
                    Err(invalid) => invalid,
                },
                Err(found) => Invalid::new(
                    format!("nodes[{index}]"),
                    format!("expected a node object, found {found}"),
                ),
            };
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Ok(Err(invalid)));
        }
    }
}

const DOCUMENT_KEYS: &[&str] = &["format", "version", "nodes", "roots", "scopes"];

const SCOPE_KEYS: &[&str] = &["id", "kind", "name", "object", "call", "parent"];

/// One object of plain values, keyed by `keys` (`"scopes"` entries).
struct FlatObject(&'static [&'static str]);

/// A flat object's values by key position, and the first key that appeared twice.
struct FlatFields {
    values: Vec<Option<Raw>>,
    repeated_key: Option<&'static str>,
}

impl<'de> Reader<'de> for FlatObject {
    type Output = FlatFields;

    fn object<M: MapAccess<'de>>(self, mut map: M) -> Result<Result<FlatFields, Raw>, M::Error> {
        let mut fields = FlatFields {
            values: self.0.iter().map(|_| None).collect(),
            repeated_key: None,
        };
        while let Some(key) = map.next_key_seed(KeySeed(self.0))? {
            let Some(key) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if fields.values[key]
                .replace(map.next_value_seed(AnySeed)?)
                .is_some()
            {
                fields.repeated_key.get_or_insert(self.0[key]);
            }
        }
        Ok(Ok(fields))
    }
}

/// The `"scopes"` array: each entry as found, checked in [`ScopeTable::read`].
struct ScopesReader;

impl<'de> Reader<'de> for ScopesReader {
    type Output = Vec<Result<FlatFields, Raw>>;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Result<Self::Output, Raw>, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = seq.next_element_seed(Read(FlatObject(SCOPE_KEYS)))? {
            entries.push(entry);
        }
        Ok(Ok(entries))
    }
}

/// A document's scopes, each entry's whole path made once and shared by its nodes.
struct ScopeTable {
    /// The path of each entry, by position in the file.
    paths: Vec<Scope>,
    /// Entry id → position.
    position_of: HashMap<u64, usize>,
}

/// One entry after its own fields are checked.
struct ScopeEntry {
    id: u64,
    step: ScopeStep,
    parent: Option<u64>,
}

impl ScopeTable {
    /// Checks the entries (fields, unique ids, known parents, no cycle of parents) and
    /// makes their paths, without recursion: parents are followed in loops.
    fn read(found: Option<Result<Vec<Result<FlatFields, Raw>>, Raw>>) -> Result<Self, Invalid> {
        let raw = match found {
            None => Vec::new(),
            Some(Ok(entries)) => entries,
            Some(Err(found)) => {
                return Err(Invalid::new(
                    "scopes",
                    format!("expected an array of scopes, found {found}"),
                ))
            }
        };
        let mut entries = Vec::with_capacity(raw.len());
        let mut position_of = HashMap::with_capacity(raw.len());
        for (position, entry) in raw.into_iter().enumerate() {
            let entry = scope_entry(position, entry)?;
            if let Some(first) = position_of.insert(entry.id, position) {
                return Err(Invalid::new(
                    format!("scopes[{position}].id"),
                    format!("duplicate id {}: scopes[{first}] has it too", entry.id),
                ));
            }
            entries.push(entry);
        }
        let mut parents = Vec::with_capacity(entries.len());
        for (position, entry) in entries.iter().enumerate() {
            let parent = match entry.parent {
                None => None,
                Some(id) => Some(*position_of.get(&id).ok_or_else(|| {
                    Invalid::new(
                        format!("scopes[{position}].parent"),
                        format!("no scope with id {id}"),
                    )
                })?),
            };
            parents.push(parent);
        }
        let paths = scope_paths(&entries, &parents)?;
        Ok(ScopeTable { paths, position_of })
    }

    fn get(&self, id: u64) -> Option<Scope> {
        self.position_of.get(&id).map(|&p| self.paths[p].clone())
    }
}

/// One `"scopes"` entry's fields, checked.
fn scope_entry(position: usize, entry: Result<FlatFields, Raw>) -> Result<ScopeEntry, Invalid> {
    let here = format!("scopes[{position}]");
    let fields = entry
        .map_err(|found| Invalid::new(&here, format!("expected a scope object, found {found}")))?;
    if let Some(key) = fields.repeated_key {
        return Err(Invalid::new(
            here,
            format!("the key \"{key}\" appears twice"),
        ));
    }
    let at = |key: usize| {
        let here = &here;
        move |message| Invalid::new(format!("{here}.{}", SCOPE_KEYS[key]), message)
    };
    let mut values = fields.values.into_iter();
    let mut required = |key: usize| {
        values
            .next()
            .flatten()
            .ok_or_else(|| Invalid::new(&here, format!("missing field \"{}\"", SCOPE_KEYS[key])))
    };
    let id = required(0)?.id().map_err(at(0))?;
    let kind = required(1)?.text().map_err(at(1))?;
    let name = required(2)?.text().map_err(at(2))?;
    let object = required(3).and_then(|raw| small_number(&raw).map_err(at(3)))?;
    let call = match values.next().flatten() {
        None | Some(Raw::Null) => None,
        Some(raw) => Some(small_number(&raw).map_err(at(4))?),
    };
    let parent = match values.next().flatten() {
        None | Some(Raw::Null) => None,
        Some(raw) => Some(raw.id().map_err(at(5))?),
    };
    Ok(ScopeEntry {
        id,
        step: ScopeStep {
            kind,
            name,
            object,
            call,
        },
        parent,
    })
}

/// An object or call number: a non-negative integer below 2^32.
fn small_number(raw: &Raw) -> Result<u32, String> {
    match raw {
        Raw::Unsigned(n) => u32::try_from(*n)
            .map_err(|_| format!("expected a number below 2^32, found the number {n}")),
        other => Err(format!("expected a non-negative integer, found {other}")),
    }
}

/// Each entry's path, outermost first; an error where parents form a cycle.
fn scope_paths(entries: &[ScopeEntry], parents: &[Option<usize>]) -> Result<Vec<Scope>, Invalid> {
    let mut made = ScopePaths::new(entries.len());
    (0..entries.len())
        .map(|start| {
            made.path(start, |i| parents[i], |i| entries[i].step.clone())
                .map_err(|cycle| {
                    let ids: Vec<String> =
                        cycle.iter().map(|&p| entries[p].id.to_string()).collect();
                    let repeated = cycle.last().copied().unwrap_or(start);
                    Invalid::new(
                        format!("scopes[{repeated}].parent"),
                        format!("the parents form a cycle: {}", ids.join(" → ")),
                    )
                })
        })
        .collect()
}

/// The top-level object's fields as found, before validation.
#[derive(Default)]
struct DocumentFields {
    format: Option<Raw>,
    version: Option<Raw>,
    nodes: Option<Result<Result<Vec<ParsedNode>, Invalid>, Raw>>,
    roots: Option<Result<Vec<Raw>, Raw>>,
    scopes: Option<Result<Vec<Result<FlatFields, Raw>>, Raw>>,
    repeated_key: Option<&'static str>,
}

struct DocumentReader;

impl<'de> Reader<'de> for DocumentReader {
    type Output = DocumentFields;

    fn object<M: MapAccess<'de>>(
        self,
        mut map: M,
    ) -> Result<Result<DocumentFields, Raw>, M::Error> {
        let mut fields = DocumentFields::default();
        while let Some(key) = map.next_key_seed(KeySeed(DOCUMENT_KEYS))? {
            let present = match key {
                Some(0) => fields
                    .format
                    .replace(map.next_value_seed(AnySeed)?)
                    .is_some(),
                Some(1) => fields
                    .version
                    .replace(map.next_value_seed(AnySeed)?)
                    .is_some(),
                Some(2) => fields
                    .nodes
                    .replace(map.next_value_seed(Read(NodesReader))?)
                    .is_some(),
                Some(3) => fields
                    .roots
                    .replace(map.next_value_seed(Read(ValueArray))?)
                    .is_some(),
                Some(_) => fields
                    .scopes
                    .replace(map.next_value_seed(Read(ScopesReader))?)
                    .is_some(),
                None => {
                    map.next_value::<IgnoredAny>()?;
                    false
                }
            };
            if present {
                let name = DOCUMENT_KEYS[key.expect("only known keys are kept")];
                fields.repeated_key.get_or_insert(name);
            }
        }
        Ok(Ok(fields))
    }
}

impl DocumentFields {
    fn validate(self) -> Result<Document, Invalid> {
        if let Some(key) = self.repeated_key {
            return Err(Invalid::new(
                TOP,
                format!("the key \"{key}\" appears twice"),
            ));
        }
        let missing = |key: &str| Invalid::new(TOP, format!("missing field \"{key}\""));
        match self.format.ok_or_else(|| missing("format"))? {
            Raw::Text(text) if text == FORMAT => {}
            other => {
                return Err(Invalid::new(
                    "format",
                    format!("expected \"{FORMAT}\", found {other}"),
                ))
            }
        }
        match self.version.ok_or_else(|| missing("version"))? {
            Raw::Unsigned(VERSION) => {}
            Raw::Unsigned(newer) if newer > VERSION => {
                return Err(Invalid::new(
                    "version",
                    format!("version {newer} is newer than this gradviz reads (version {VERSION})"),
                ))
            }
            other => {
                return Err(Invalid::new(
                    "version",
                    format!("expected {VERSION}, found {other}"),
                ))
            }
        }
        let nodes = self
            .nodes
            .ok_or_else(|| missing("nodes"))?
            .map_err(|found| {
                Invalid::new(
                    "nodes",
                    format!("expected an array of nodes, found {found}"),
                )
            })??;
        let roots = root_ids(self.roots)?;
        let scopes = ScopeTable::read(self.scopes)?;
        let listed = nodes
            .into_iter()
            .enumerate()
            .map(|(position, node)| node.resolve(position, &scopes))
            .collect::<Result<Vec<ListedNode>, Invalid>>()?;
        build(listed, &roots).map_err(json_fault)
    }
}

/// A value as a reader found it: what it holds, and its operands' ids in order (a known
/// op's already counted by [`operands_as_listed`]).
#[derive(Debug, Clone)]
pub struct ListedNode {
    /// The value; its `id` is what other values' `children` and the roots name it by.
    pub info: NodeInfo,
    /// The operands' ids, in operand order.
    pub children: Vec<u64>,
}

/// What makes listed values no graph, found by [`build`]. Places are positions in the list
/// of values and in the roots, for each reader to word as its user knows them (a JSON path,
/// a value of the Python package's walk).
#[derive(Debug)]
pub enum GraphFault {
    /// Value `node` has the id value `first` has.
    DuplicateId {
        /// The later value.
        node: usize,
        /// The earlier value with that id.
        first: usize,
        /// The id.
        id: u64,
    },
    /// Operand `operand` of value `node` is an id no value has.
    UnknownChild {
        /// The value.
        node: usize,
        /// The operand's position.
        operand: usize,
        /// The id it names.
        id: u64,
    },
    /// Root `root` is an id no value has.
    UnknownRoot {
        /// The root's position.
        root: usize,
        /// The id it names.
        id: u64,
    },
    /// Root `root` names a value an earlier root names.
    RepeatedRoot {
        /// The root's position.
        root: usize,
        /// The id it names.
        id: u64,
    },
    /// The operands form a cycle (`cycle`, as [`topological_order`] found it, in `graph`).
    Cycle {
        /// The graph built, for naming the cycle's values.
        graph: Box<ExportGraph>,
        /// The values of the cycle.
        cycle: Vec<NodeIndex>,
    },
}

/// Resolves ids to values, builds the graph and checks what needs the whole graph: unique
/// ids, known operands and roots, no cycle. No roots listed: the sinks are the roots. The
/// JSON reader and the Python package both build their graphs here.
///
/// # Errors
/// The first [`GraphFault`], in the order of the values, then of the roots.
pub fn build(nodes: Vec<ListedNode>, roots: &[u64]) -> Result<Document, GraphFault> {
    let mut index_of = IdIndex::for_ids(nodes.iter().map(|node| node.info.id), nodes.len());
    let mut graph = ExportGraph::with_capacity(nodes.len(), nodes.len() * 2);
    let mut children = Vec::with_capacity(nodes.len());
    for (position, node) in nodes.into_iter().enumerate() {
        let id = node.info.id;
        let index = graph.add_node(node.info);
        if let Some(first) = index_of.insert(id, index) {
            return Err(GraphFault::DuplicateId {
                node: position,
                first: first.index(),
                id,
            });
        }
        children.push(node.children);
    }
    // Operands listed before their users (as exporters list them) cannot form a cycle.
    let mut operands_first = true;
    for (position, ids) in children.into_iter().enumerate() {
        for (operand, id) in ids.into_iter().enumerate() {
            let child = index_of.get(id).ok_or(GraphFault::UnknownChild {
                node: position,
                operand,
                id,
            })?;
            operands_first &= child.index() < position;
            graph.add_edge(child, NodeIndex::new(position), operand);
        }
    }
    let roots = resolve_roots(roots, &index_of, &graph)?;
    if !operands_first {
        if let Err(cycle) = topological_order(&graph) {
            let graph = Box::new(graph);
            return Err(GraphFault::Cycle { graph, cycle });
        }
    }
    Ok(Document { graph, roots })
}

/// The JSON reader's words for a [`GraphFault`]: its place as a JSON path.
fn json_fault(fault: GraphFault) -> Invalid {
    match fault {
        GraphFault::DuplicateId { node, first, id } => Invalid::new(
            format!("nodes[{node}].id"),
            format!("duplicate id {id}: nodes[{first}] has it too"),
        ),
        GraphFault::UnknownChild { node, operand, id } => Invalid::new(
            format!("nodes[{node}].children[{operand}]"),
            format!("no node with id {id}"),
        ),
        GraphFault::UnknownRoot { root, id } => {
            Invalid::new(format!("roots[{root}]"), format!("no node with id {id}"))
        }
        GraphFault::RepeatedRoot { root, id } => Invalid::new(
            format!("roots[{root}]"),
            format!("root {id} is listed twice"),
        ),
        GraphFault::Cycle { graph, cycle } => cycle_error(&graph, &cycle),
    }
}

/// The document's roots as ids, each checked to be one.
fn root_ids(roots: Option<Result<Vec<Raw>, Raw>>) -> Result<Vec<u64>, Invalid> {
    match roots {
        None => Ok(Vec::new()),
        Some(Ok(listed)) => listed
            .iter()
            .enumerate()
            .map(|(position, raw)| {
                raw.id()
                    .map_err(|m| Invalid::new(format!("roots[{position}]"), m))
            })
            .collect(),
        Some(Err(found)) => Err(Invalid::new(
            "roots",
            format!("expected an array of ids, found {found}"),
        )),
    }
}

/// File id → node. Exporters number their nodes 0, 1, 2, …, so when the ids are small a
/// vector does the job of a hash map at a fraction of the cost on a million nodes.
enum IdIndex {
    Dense(Vec<Option<NodeIndex>>),
    Sparse(HashMap<u64, NodeIndex>),
}

impl IdIndex {
    fn for_ids(ids: impl Iterator<Item = u64>, count: usize) -> Self {
        let dense_limit = count.saturating_mul(4).saturating_add(1024);
        match ids.max() {
            Some(max) if max < dense_limit as u64 => IdIndex::Dense(vec![None; max as usize + 1]),
            _ => IdIndex::Sparse(HashMap::with_capacity(count)),
        }
    }

    /// Records `id`'s node, returning the node that already had it.
    fn insert(&mut self, id: u64, node: NodeIndex) -> Option<NodeIndex> {
        match self {
            IdIndex::Dense(slots) => slots[id as usize].replace(node),
            IdIndex::Sparse(map) => map.insert(id, node),
        }
    }

    fn get(&self, id: u64) -> Option<NodeIndex> {
        match self {
            IdIndex::Dense(slots) => usize::try_from(id)
                .ok()
                .and_then(|i| slots.get(i)?.as_ref().copied()),
            IdIndex::Sparse(map) => map.get(&id).copied(),
        }
    }
}

fn resolve_roots(
    listed: &[u64],
    index_of: &IdIndex,
    graph: &ExportGraph,
) -> Result<Vec<NodeIndex>, GraphFault> {
    if listed.is_empty() {
        return Ok(sinks(graph));
    }
    let mut resolved: Vec<NodeIndex> = Vec::with_capacity(listed.len());
    for (root, &id) in listed.iter().enumerate() {
        let node = index_of
            .get(id)
            .ok_or(GraphFault::UnknownRoot { root, id })?;
        if resolved.contains(&node) {
            return Err(GraphFault::RepeatedRoot { root, id });
        }
        resolved.push(node);
    }
    Ok(resolved)
}

fn cycle_error(graph: &ExportGraph, cycle: &[NodeIndex]) -> Invalid {
    let walk = cycle_walk(graph, cycle, |node| node.id.to_string());
    Invalid::new(
        format!("nodes[{}]", cycle[0].index()),
        format!(
            "the children form a cycle of {} node(s): {walk} (each node lists the next among its children)",
            cycle.len()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_or_product_with_one_child_uses_it_twice() {
        assert_eq!(operands_as_listed(&"+".into(), vec![7]).unwrap(), [7, 7]);
        assert_eq!(operands_as_listed(&"*".into(), vec![7]).unwrap(), [7, 7]);
        assert_eq!(operands_as_listed(&"+".into(), vec![1, 2]).unwrap(), [1, 2]);
        let error = operands_as_listed(&"tanh".into(), vec![1, 2]).unwrap_err();
        assert_eq!(error, "op \"tanh\" takes 1 operand, found 2");
        let error = operands_as_listed(&"".into(), vec![1]).unwrap_err();
        assert!(error.starts_with("a leaf"), "{error}");
        assert_eq!(
            operands_as_listed(&"clip".into(), vec![1, 2, 3]).unwrap(),
            [1, 2, 3]
        );
    }

    /// What a chunk holds after `push` fills it (written to memory, never flushed).
    fn pushed(push: impl FnOnce(&mut Chunk)) -> String {
        let mut chunk = Chunk::new();
        push(&mut chunk);
        String::from_utf8(chunk.bytes).unwrap()
    }

    #[test]
    fn numbers_are_written_shortest_and_non_finite_as_strings() {
        let out = pushed(|chunk| {
            for x in [
                0.1,
                -0.0,
                1e300,
                3.538527688343134e-44,
                f64::NAN,
                f64::NEG_INFINITY,
            ] {
                chunk.push_number(x);
                chunk.push(b" ");
            }
        });
        assert_eq!(
            out,
            "0.1 -0.0 1e+300 3.538527688343134e-44 \"nan\" \"-inf\" "
        );
        for x in [0.1, -0.0, 1e300, 5e-324, 123456789.0, -2.5e-7] {
            let serde = serde_json::to_string(&x).unwrap();
            assert_eq!(pushed(|chunk| chunk.push_number(x)), serde, "{x}");
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "w7",
            "l0.n1.w0",
            "a\"b",
            "back\\slash",
            "tab\tnew\nline\u{1}",
            "é ∑ /",
        ] {
            let serde = serde_json::to_string(text).unwrap();
            assert_eq!(pushed(|chunk| chunk.push_string(text)), serde, "{text:?}");
        }
    }

    /// A chain of `count` nodes, every third in one of a few module scopes, a few with
    /// labels that need escaping.
    fn scoped_chain(count: usize) -> ExportGraph {
        let step = |object: u32| ScopeStep {
            kind: "Neuron".into(),
            name: format!("n{object}"),
            object,
            call: Some(0),
        };
        let scopes: Vec<Scope> = (0..5)
            .map(|i| Scope::from(vec![step(0), step(i + 1)]))
            .collect();
        let mut graph = ExportGraph::new();
        for i in 0..count {
            let node = graph.add_node(NodeInfo {
                id: i as u64,
                label: if i % 1000 == 7 {
                    "a\"b".into()
                } else {
                    format!("v{i}").into()
                },
                data: i as f64 * 0.1,
                grad: -(i as f64),
                op: if i == 0 {
                    NodeOp::Known(Op::Leaf)
                } else {
                    NodeOp::Known(Op::Tanh)
                },
                scope: (i % 3 == 0).then(|| scopes[(i / 3) % 5].clone()),
            });
            if i > 0 {
                graph.add_edge(NodeIndex::new(i - 1), node, 0);
            }
        }
        graph
    }

    #[test]
    fn two_threads_write_the_text_one_writes() {
        for count in [TWO_THREADS_NODES, 5 * BLOCK_NODES + 3] {
            let graph = scoped_chain(count);
            let roots = [NodeIndex::new(count - 1)];
            let mut two = Vec::new();
            write_to(&graph, &roots, &mut two).unwrap();
            let mut scopes = ScopeIds::default();
            for (position, info) in graph.node_weights().enumerate() {
                scopes.add(position, info.scope.as_ref());
            }
            let mut one = Chunk::new();
            let lines = NodeLines {
                nodes: &Exported(&graph),
                scopes: &scopes.of_nodes,
            };
            lines.write(&mut one, 0..count, None).unwrap();
            let nodes = String::from_utf8(one.bytes).unwrap();
            let two = String::from_utf8(two).unwrap();
            assert!(two.contains(&nodes), "the node lines differ");
            assert_eq!(two.matches("\"scope\": ").count(), count.div_ceil(3));
            assert_eq!(read(&two, "t.json").unwrap().graph.node_count(), count);
        }
    }

    /// What `gradviz render` wrote before the tape was read in place: the export's JSON.
    fn exported_json(graph: &Graph, root: NodeId) -> String {
        let exported = crate::graph::to_petgraph(graph, &[root]);
        write(&exported, &sinks(&exported))
    }

    #[test]
    fn a_tape_read_in_place_writes_the_text_of_its_export() {
        use crate::input::script::{evaluate, ScriptOptions};
        let chain: String = (0..3_000)
            .map(|i| format!("x = x * Value(0.999, label='w{i}') + 0.5\n"))
            .collect();
        // Each script, and whether its graph has values the root is not computed from.
        let scripts = [
            (include_str!("../../fixtures/mlp.py").to_string(), false),
            (
                concat!(
                    "a = Value(2.0, label='a \"quoted\" \\\\ and\\nnewline')\n",
                    "b = Value(-3.0, label='é ☃')\n",
                    "unused = a * 7\n",
                    "c = (a * b + a ** 2 - b / a).tanh()\n",
                    "d = c.relu() + c.exp() + a ** -1.5 * 0\n",
                    "d.backward()\n",
                )
                .to_string(),
                true,
            ),
            (
                format!("x = Value(1.0, label='x')\n{chain}x.backward()\n"),
                false,
            ),
        ];
        for (script, leaves_some_out) in scripts {
            let evaluated = evaluate(&script, "t.py", &ScriptOptions::default()).unwrap();
            let root = evaluated.root().unwrap();
            let mut in_place = Vec::new();
            write_tape_to(&evaluated.graph, root, &mut in_place).unwrap();
            let in_place = String::from_utf8(in_place).unwrap();
            assert_eq!(in_place, exported_json(&evaluated.graph, root));
            let written = read(&in_place, "t.json").unwrap().graph.node_count();
            assert_eq!(written < evaluated.graph.len(), leaves_some_out);
        }
    }

    #[test]
    fn long_texts_in_messages_are_cut() {
        assert_eq!(shorten("x"), "\"x\"");
        let cut = shorten(&"é".repeat(100));
        assert_eq!(cut, format!("\"{}\"…", "é".repeat(40)));
    }

    #[test]
    fn a_file_cut_off_at_a_newline_is_placed_past_the_line_before() {
        let text = "{\"nodes\": [\n";
        let error = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        assert_eq!((error.line(), error.column()), (2, 0));
        assert_eq!(syntax_error(text, error).path, "1:12");
        let cut_in_string = "{\"label\": \"x1\n";
        let error = serde_json::from_str::<serde_json::Value>(cut_in_string).unwrap_err();
        assert_eq!(syntax_error(cut_in_string, error).path, "1:14");
    }

    #[test]
    fn python_nan_gets_a_hint_other_syntax_errors_do_not() {
        let text = "{\"data\": NaN}";
        let invalid = Invalid::new("1:10", "malformed JSON: expected value");
        assert!(python_number_hint(text, &invalid).contains("\"nan\""));
        let other = "{\"data\": nope}";
        assert_eq!(python_number_hint(other, &invalid), "");
    }
}
