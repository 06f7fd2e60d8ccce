//! Input: a script, notebook or JSON graph read from a file or stdin ([`read`]) and turned
//! into exported graphs: the figures to draw ([`figures`]), the states before and after
//! backward ([`states`]), or what `check` verifies ([`checked`]).
//!
//! - [`script`]: the built-in Python subset, run in process;
//! - [`python`]: the user's own Python and notebooks, run as written in CPython;
//! - [`json`]: the interchange format (docs/json.md), read and written;
//! - `sniff`: what stdin holds when no name says.
//!
//! `--interpreter auto` picks the subset when a script fits it ([`run_script`]).

pub mod json;
pub mod python;
pub mod script;
mod sniff;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::engine::{Graph, NodeId};
use crate::error::Refusal;
use crate::graph::{self, to_petgraph, ExportGraph, Rankdir};
use crate::{Error, Result};
use json::Document;
use python::{Purpose, PythonInput, PythonRun};
use script::{Evaluated, Fitted, Interpreter, ScriptOptions};

/// How to read an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A micrograd-flavoured Python script.
    Py,
    /// A gradviz JSON graph.
    Json,
    /// A Jupyter notebook, run in CPython.
    Ipynb,
}

/// How inputs are read, with the defaults the command line also uses.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// How to read inputs; `None` takes it from their extension (or stdin's content).
    pub format: Option<InputFormat>,
    /// How scripts are run.
    pub script: ScriptOptions,
    /// Only this snapshot of a script (from 1).
    pub snapshot: Option<usize>,
    /// Keep the direction a script's `draw_dot(root, rankdir=…)` asks for, in
    /// [`Drawing::rankdir`]. On by default; the command line's `--rankdir` turns it off, so
    /// that its direction holds for every figure.
    pub script_rankdir: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            script: ScriptOptions::default(),
            snapshot: None,
            script_rankdir: true,
        }
    }
}

/// A graph to draw, with what its input asked of the figure: micrograd's
/// `draw_dot(root, format='svg', rankdir='LR')` keywords.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// The graph.
    pub graph: ExportGraph,
    /// `rankdir=`: the direction this figure's ranks run in, over the drawing options'.
    pub rankdir: Option<Rankdir>,
    /// `format=`, as written. The output format is the caller's (the command line's `-o` or
    /// `--format`), so it is only worth a note when it differs.
    pub format: Option<String>,
    /// The values whose label is gradviz's auto-label (`y#2`, `l0.n1.w0`) in a snapshot of
    /// the script's own `draw_dot`, whose figure would not show those names: a figure in
    /// micrograd's look leaves them blank ([`Drawing::as_drawn`]), pages and JSON keep them.
    /// Empty for the subset's `draw_dot` (and the prelude's, the same in CPython), which
    /// names values.
    pub auto_labelled: BTreeSet<u64>,
}

impl Drawing {
    /// A graph whose input asked nothing of its figure (a JSON graph, a script's final graph).
    pub fn plain(graph: ExportGraph) -> Drawing {
        Drawing {
            graph,
            rankdir: None,
            format: None,
            auto_labelled: BTreeSet::new(),
        }
    }

    /// The graph as the script's own `draw_dot` would label it: without the auto-labels
    /// it would not show (a copy only when there are some).
    pub fn as_drawn(&self) -> Cow<'_, ExportGraph> {
        without_labels(&self.graph, &self.auto_labelled)
    }
}

/// `graph` with the labels of the values `ids` names left blank.
fn without_labels<'a>(graph: &'a ExportGraph, ids: &BTreeSet<u64>) -> Cow<'a, ExportGraph> {
    if ids.is_empty() {
        return Cow::Borrowed(graph);
    }
    let mut blank = graph.clone();
    for node in blank.node_weights_mut() {
        if ids.contains(&node.id) {
            node.label.clear();
        }
    }
    Cow::Owned(blank)
}

/// An input read into memory, with the name used in messages.
pub struct Source {
    /// The file; `-` for stdin.
    pub path: PathBuf,
    /// The name used in messages (`<stdin>` for stdin).
    pub name: String,
    /// The whole text (bytes that are not UTF-8 as U+FFFD, for a `.py` file only).
    pub text: String,
    /// The bytes were UTF-8.
    pub utf8: bool,
    /// How it is read.
    pub format: InputFormat,
}

impl Source {
    /// The input as a script or notebook to run.
    pub fn script(&self) -> PythonInput<'_> {
        PythonInput {
            path: &self.path,
            name: &self.name,
            text: &self.text,
            notebook: self.format == InputFormat::Ipynb,
            utf8: self.utf8,
        }
    }
}

/// Reads `path` (`-` for stdin) as `forced` says, else as its extension says, else (stdin)
/// as its content looks.
pub fn read(path: &Path, forced: Option<InputFormat>) -> Result<Source> {
    let is_stdin = path.as_os_str() == "-";
    let name = if is_stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let by_name = format_by_name(path, &name, forced)?;
    let mut bytes = Vec::new();
    let read = if is_stdin {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    read.map_err(|e| Error::Usage(format!("cannot read {name}: {e}")))?;
    let (text, utf8) = match String::from_utf8(bytes) {
        Ok(text) => (text, true),
        // CPython decodes a script file itself (by its coding cookie, else a SyntaxError at
        // the first byte it cannot decode); this text is only the subset's, which hands
        // such a script over (`decoded_otherwise`).
        Err(e) if !is_stdin && by_name == Some(InputFormat::Py) => {
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), false)
        }
        Err(_) => {
            return Err(Error::Usage(format!(
                "cannot read {name}: stream did not contain valid UTF-8"
            )))
        }
    };
    let format = match by_name {
        Some(format) => format,
        None => sniffed_format(&text, &name)?,
    };
    Ok(Source {
        path: path.to_path_buf(),
        name,
        text,
        utf8,
        format,
    })
}

/// How `path` is read: as `forced` says, else as its extension says; `None` for stdin, whose
/// content says. A directory is refused here, before its missing extension is blamed.
fn format_by_name(
    path: &Path,
    name: &str,
    forced: Option<InputFormat>,
) -> Result<Option<InputFormat>> {
    let is_stdin = path.as_os_str() == "-";
    if !is_stdin && path.is_dir() {
        return Err(Error::Usage(format!(
            "{name} is a directory, not an input: name a .py script, an .ipynb notebook or a \
             .json graph"
        )));
    }
    if forced.is_some() {
        return Ok(forced);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("py") => Ok(Some(InputFormat::Py)),
        Some("json") => Ok(Some(InputFormat::Json)),
        Some("ipynb") => Ok(Some(InputFormat::Ipynb)),
        _ if is_stdin => Ok(None),
        _ => Err(Error::Usage(format!(
            "{name}: cannot tell the input's kind from its extension; name it .py, .ipynb or \
             .json, or pass --input-format"
        ))),
    }
}

/// The format of an input without a name to go by, from its content.
fn sniffed_format(text: &str, name: &str) -> Result<InputFormat> {
    match sniff::sniff(text) {
        sniff::Content::Script => Ok(InputFormat::Py),
        sniff::Content::Json => Ok(InputFormat::Json),
        sniff::Content::Empty => Err(Error::Usage(format!(
            "{name} is empty: pipe a script or a JSON graph (--input-format py|json says which)"
        ))),
        sniff::Content::Notebook => Ok(InputFormat::Ipynb),
    }
}

/// The figures an input yields: a script's snapshots (or its final graph), or the one
/// graph of a JSON file.
pub fn figures(source: &Source, options: &Options) -> Result<Vec<Drawing>> {
    let figures = drawables(source, options)?;
    Ok(figures.into_iter().map(Drawable::into_drawing).collect())
}

/// [`figures`], a script's final graph left on its tape until it is drawn.
pub fn drawables(source: &Source, options: &Options) -> Result<Vec<Drawable>> {
    let mut all = match source.format {
        InputFormat::Py | InputFormat::Ipynb => {
            run_script(source.script(), Purpose::Render, &options.script)?
                .into_drawables(source.script())?
        }
        InputFormat::Json => vec![Drawable::Drawing(Drawing::plain(
            json::read(&source.text, &source.name)?.graph,
        ))],
    };
    if !options.script_rankdir {
        for drawable in &mut all {
            if let Drawable::Drawing(drawing) = drawable {
                drawing.rankdir = None;
            }
        }
    }
    match options.snapshot {
        None => Ok(all),
        Some(n) if (1..=all.len()).contains(&n) => {
            Ok(all.into_iter().skip(n - 1).take(1).collect())
        }
        Some(asked) => Err(Error::Refused(Refusal::NoSuchSnapshot {
            input: source.name.to_string(),
            asked,
            figures: all.len(),
        })),
    }
}

/// A figure of an input before it is drawn: a drawing, or a script's final graph, still on
/// the tape of the run that made it. Only a drawing exports it ([`Drawable::into_drawing`]);
/// written as JSON it is read in place ([`json::write_tape_to`]).
pub enum Drawable {
    Drawing(Drawing),
    /// The values `root` is computed from, on `graph`'s tape.
    Tape {
        graph: Graph,
        root: NodeId,
    },
}

impl Drawable {
    /// The figure as a drawing: a tape's graph exported (micrograd's `trace` from its root).
    pub fn into_drawing(self) -> Drawing {
        match self {
            Drawable::Drawing(drawing) => drawing,
            Drawable::Tape { graph, root } => Drawing::plain(to_petgraph(&graph, &[root])),
        }
    }

    /// `format=`, as the script's `draw_dot` wrote it (see [`Drawing::format`]).
    pub fn asked_format(&self) -> Option<&str> {
        match self {
            Drawable::Drawing(drawing) => drawing.format.as_deref(),
            Drawable::Tape { .. } => None,
        }
    }
}

/// A graph before and after backward: what `compare` draws.
#[derive(Debug, Clone)]
pub struct States {
    /// The graph before backward (the first snapshot, or all grads zero).
    pub before: ExportGraph,
    /// The graph after backward (the last snapshot, or after `backward()` from the root).
    pub after: ExportGraph,
    /// The direction the compared snapshots asked for (the last one's, else the first's).
    pub rankdir: Option<Rankdir>,
    /// True when the script calls `backward()` on no value and draws fewer than two
    /// snapshots, so that `compare` ran backward itself to have an "after": worth telling.
    pub ran_backward: bool,
    /// The values auto-labelled in the compared snapshots of the script's own `draw_dot`
    /// (see [`Drawing::auto_labelled`]).
    pub auto_labelled: BTreeSet<u64>,
}

impl States {
    /// The states of two snapshots, in the direction they asked for.
    fn of(first: Drawing, mut last: Drawing) -> States {
        last.auto_labelled.extend(first.auto_labelled);
        States {
            rankdir: last.rankdir.or(first.rankdir),
            before: first.graph,
            after: last.graph,
            ran_backward: false,
            auto_labelled: last.auto_labelled,
        }
    }

    /// The states of two graphs whose input asked no direction.
    pub fn new(before: ExportGraph, after: ExportGraph) -> States {
        States {
            before,
            after,
            rankdir: None,
            ran_backward: false,
            auto_labelled: BTreeSet::new(),
        }
    }

    /// Both states as the script's own `draw_dot` would label them (see
    /// [`Drawing::as_drawn`]).
    pub fn as_drawn(&self) -> Cow<'_, States> {
        if self.auto_labelled.is_empty() {
            return Cow::Borrowed(self);
        }
        Cow::Owned(States {
            before: without_labels(&self.before, &self.auto_labelled).into_owned(),
            after: without_labels(&self.after, &self.auto_labelled).into_owned(),
            auto_labelled: BTreeSet::new(),
            rankdir: self.rankdir,
            ran_backward: self.ran_backward,
        })
    }
}

/// SPEC: the first and last snapshot; with fewer than two, the graph with zero grads and
/// after `backward()` from the root. A JSON graph's "after" is its stored grads.
pub fn states(source: &Source, options: &Options) -> Result<States> {
    let mut states = match source.format {
        InputFormat::Json => {
            let after = json::read(&source.text, &source.name)?.graph;
            States::new(zeroed(&after), after)
        }
        InputFormat::Py | InputFormat::Ipynb => {
            match run_script(source.script(), Purpose::Compare, &options.script)? {
                Ran::Subset(evaluated) => subset_states(evaluated, &source.name)?,
                Ran::Python(run) => run.compared(&source.name)?,
            }
        }
    };
    if !options.script_rankdir {
        states.rankdir = None;
    }
    Ok(states)
}

/// A script that leaves no value to draw or compare, worded alike whether the subset or
/// CPython ran it, so that where the subset ends does not show.
pub(crate) fn nothing_to(action: &str, name: &str) -> Error {
    Error::Script(format!(
        "{name}: nothing to {action}: the script binds no value at module level, and calls \
         neither backward() nor draw_dot() on one\n  = help: for example `a = Value(2.0); \
         b = a.tanh(); draw_dot(b)`"
    ))
}

fn subset_states(evaluated: Evaluated, name: &str) -> Result<States> {
    let snapshot_root = evaluated.snapshots.first().and_then(|s| {
        let sinks = graph::sinks(&s.graph);
        sinks
            .last()
            .map(|&n| NodeId::from_index(s.graph[n].id as usize))
    });
    let root = evaluated
        .backward_root
        .or(snapshot_root)
        .or(evaluated.last_value)
        .ok_or_else(|| nothing_to("compare", name))?;
    if let Some((first, last)) = first_and_last(evaluated.snapshots) {
        return Ok(States::of(first, last));
    }
    if let Some(states) = evaluated.backward_states {
        let (before, after) = *states;
        return Ok(States::new(before, after));
    }
    let graph = &evaluated.graph;
    graph.zero_grad();
    let before = to_petgraph(graph, &[root]);
    graph.backward(root);
    Ok(States {
        ran_backward: evaluated.backward_root.is_none(),
        ..States::new(before, to_petgraph(graph, &[root]))
    })
}

fn zeroed(graph: &ExportGraph) -> ExportGraph {
    let mut zeroed = graph.clone();
    for node in zeroed.node_weights_mut() {
        node.grad = 0.0;
    }
    zeroed
}

/// What `check` verifies.
#[derive(Debug)]
pub enum Checked {
    /// A graph from a JSON file: its stored numbers are recomputed from its structure.
    Document(Document),
    /// The graph a script left just after its last `backward()` (else its last snapshot,
    /// else its last value), whichever interpreter ran it: recomputed as a JSON graph is,
    /// and its leaf grads compared with finite differences too.
    Script(Document),
}

/// What `check` verifies in `source`.
pub fn checked(source: &Source, options: &Options) -> Result<Checked> {
    match source.format {
        InputFormat::Json => json::read(&source.text, &source.name).map(Checked::Document),
        InputFormat::Py | InputFormat::Ipynb => {
            match run_script(source.script(), Purpose::Check, &options.script)? {
                Ran::Subset(evaluated) => subset_checked(evaluated, &source.name),
                Ran::Python(run) => run.checked(&source.name),
            }
            .map(Checked::Script)
        }
    }
}

/// The graph `check` verifies in a script the subset ran, chosen as CPython's runner
/// chooses it ([`PythonRun::checked`]).
fn subset_checked(mut evaluated: Evaluated, name: &str) -> Result<Document> {
    let graph = match (evaluated.backward_states.take(), evaluated.snapshots.pop()) {
        (Some(states), _) => states.1,
        (None, Some(snapshot)) => snapshot.graph,
        (None, None) => match evaluated.root() {
            Some(root) => to_petgraph(&evaluated.graph, &[root]),
            None => return Err(nothing_to("check", name)),
        },
    };
    let roots = graph::sinks(&graph);
    Ok(Document { graph, roots })
}

/// A script that ran, in the subset or in CPython.
#[derive(Debug)]
pub enum Ran {
    /// Run by the built-in subset.
    Subset(Evaluated),
    /// Run by CPython.
    Python(PythonRun),
}

/// The first and last of two or more snapshots: what `compare` draws.
pub(crate) fn first_and_last<T>(mut snapshots: Vec<T>) -> Option<(T, T)> {
    if snapshots.len() < 2 {
        return None;
    }
    let last = snapshots.pop()?;
    Some((snapshots.swap_remove(0), last))
}

/// Runs a script or notebook where `options.interpreter` says, for `purpose`. With
/// `Auto`, a script the subset cannot run goes to CPython with a note saying why.
pub fn run_script(
    input: PythonInput<'_>,
    purpose: Purpose,
    options: &ScriptOptions,
) -> Result<Ran> {
    // `compare` draws the graph just before and just after the last `backward()`, and
    // `check` verifies the one just after, which CPython's runner keeps for them; the subset
    // keeps them too.
    let keep_backward_states = matches!(purpose, Purpose::Compare | Purpose::Check);
    let note = match (options.interpreter, input.notebook) {
        (Interpreter::Builtin, true) => {
            return Err(Error::Refused(Refusal::NotebookNeedsCPython {
                input: input.name.to_string(),
            }))
        }
        (Interpreter::Builtin, false) => match decoded_otherwise(input) {
            Some(why) => {
                return Err(Error::Refused(Refusal::NotUtf8 {
                    input: input.name.to_string(),
                    why,
                }))
            }
            None => None,
        },
        (Interpreter::Python, _) => Some(None),
        (Interpreter::Auto, true) => Some(Some(format!("{} is a notebook", input.name))),
        (Interpreter::Auto, false) => match decoded_otherwise(input) {
            Some(why) => Some(Some(format!("{} {why}", input.name))),
            None => {
                match script::run_if_fits(
                    input.text,
                    input.name,
                    options,
                    keep_backward_states,
                    || python::has_micrograd(input, options),
                ) {
                    Fitted::Ran(evaluated) => return Ok(Ran::Subset(evaluated)),
                    Fitted::NeedsPython(why) => Some(Some(format!("{} {why}", input.name))),
                    Fitted::Stopped(stopped) => {
                        let note = format!("{} {}", input.name, stopped.why);
                        // With no CPython to answer, the subset's own error stands.
                        return match python::run(input, purpose, options, Some(&note)) {
                            Err(Error::PythonMissing { .. }) => Err(stopped.into_error()),
                            ran => ran.map(Ran::Python),
                        };
                    }
                }
            }
        },
    };
    match note {
        None => script::evaluate_keeping(input.text, input.name, options, keep_backward_states)
            .map(Ran::Subset),
        Some(note) => python::run(input, purpose, options, note.as_deref()).map(Ran::Python),
    }
}

/// Why CPython would read a script otherwise than the subset, which reads UTF-8: its file
/// is not UTF-8 ([`read`] put U+FFFD for the bytes it could not decode), or it declares
/// another encoding (which CPython may not even know). Only CPython reads such a script as
/// written.
fn decoded_otherwise(input: PythonInput<'_>) -> Option<String> {
    if !input.utf8 {
        return Some("is not UTF-8".to_owned());
    }
    let encoding = declared_encoding(input.text)?;
    let normal = encoding.to_ascii_lowercase().replace('_', "-");
    let utf8 = ["utf-8", "utf8"]
        .iter()
        .any(|name| normal == *name || normal.starts_with(&format!("{name}-")));
    (!utf8).then(|| format!("declares the encoding {encoding}"))
}

/// The encoding a PEP 263 comment names (`# -*- coding: latin-1 -*-`), as CPython finds
/// it: on the first line, or on the second after a blank or comment line.
fn declared_encoding(text: &str) -> Option<&str> {
    for line in text.lines().take(2) {
        let Some(comment) = line
            .trim_start_matches([' ', '\t', '\x0c'])
            .strip_prefix('#')
        else {
            if line.trim().is_empty() {
                continue;
            }
            return None;
        };
        let named = comment.match_indices("coding").find_map(|(at, _)| {
            let name = comment[at + "coding".len()..].strip_prefix([':', '='])?;
            let name = name.trim_start_matches([' ', '\t']);
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                .unwrap_or(name.len());
            (end > 0).then(|| &name[..end])
        });
        if named.is_some() {
            return named;
        }
    }
    None
}

impl Ran {
    /// The figures to draw: the snapshots; else the graph of the last `backward()`; else
    /// of the last value assigned, the subset's left on its tape. `input` is the script
    /// that ran.
    pub fn into_drawables(self, input: PythonInput<'_>) -> Result<Vec<Drawable>> {
        // A script of comments alone is empty, whichever interpreter ran it.
        if !input.notebook && script::is_blank(input.text) {
            return Err(script::empty(input.name));
        }
        match self {
            Ran::Subset(evaluated) => evaluated.into_drawables(),
            Ran::Python(run) => Ok(run
                .figures(input.name)?
                .into_iter()
                .map(Drawable::Drawing)
                .collect()),
        }
    }
}
