//! Scripts and notebooks beyond the subset, run as written in CPython.
//!
//! The Python side is `python/gradviz_export.py`, embedded here and written to a temporary
//! folder for each run: it runs the user's file as `__main__` (a notebook's code cells in
//! order), turns every `draw_dot(v)` call into a snapshot, observes `.backward()` calls and
//! names values after the module-level variables they are bound to. The graphs come back
//! as gradviz JSON documents in that folder, read and validated by [`crate::input::json`];
//! the user's prints go to our stderr as they happen, so `-o -` stays clean.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde::{Deserialize, Deserializer};

use super::script::diagnostics::snippet;
use super::script::ScriptOptions;
use super::{first_and_last, nothing_to, Drawing, States};
use crate::graph::Rankdir;
use crate::input::json::{self, Document};
use crate::{Error, Result};

/// The Python side, the same file users copy to export graphs themselves; the Python
/// package runs it as its graph walk.
pub const RUNNER: &str = include_str!("../../python/gradviz_export.py");

/// The subset's built-in names for CPython runs (`Value`, `MLP`, `random`, …), written
/// beside the runner, which puts them among Python's builtins.
pub const PRELUDE: &str = include_str!("../../python/gradviz_prelude.py");

/// The interpreter when neither `--python` nor `GRADVIZ_PYTHON` names one.
pub const DEFAULT_PYTHON: &str = "python3";

/// What a script is run for, which decides the graphs the runner exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The snapshots, else the graph of the last `backward()`, else the last value.
    Render,
    /// Also the graph just before and just after the last `backward()`.
    Compare,
    /// Also the graph just after the last `backward()`, before any update of `data`.
    Check,
}

/// A script or notebook to run.
#[derive(Debug, Clone, Copy)]
pub struct PythonInput<'a> {
    /// The file; `-` for stdin, whose text is in `text`.
    pub path: &'a Path,
    /// The name used in messages.
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// A Jupyter notebook (`.ipynb`) rather than a script.
    pub notebook: bool,
    /// The file's bytes were UTF-8, as the subset reads them (CPython decodes a script by
    /// its own rules).
    pub utf8: bool,
}

/// One `draw_dot(root, format=…, rankdir=…)` call in CPython.
#[derive(Debug)]
pub struct Snapshot {
    /// The graph reachable from `root` at the call.
    pub document: Document,
    /// `rankdir=`, checked by the runner.
    pub rankdir: Option<Rankdir>,
    /// `format=`, as written.
    pub format: Option<String>,
    /// The values named by gradviz alone, when the script's own `draw_dot` took the
    /// snapshot (see [`Drawing::auto_labelled`]).
    pub auto_labelled: BTreeSet<u64>,
}

impl Snapshot {
    fn into_drawing(self) -> Drawing {
        Drawing {
            graph: self.document.graph,
            rankdir: self.rankdir,
            format: self.format,
            auto_labelled: self.auto_labelled,
        }
    }
}

/// What a run in CPython produced.
#[derive(Debug)]
pub struct PythonRun {
    /// One per `draw_dot(root)` call, in order.
    pub snapshots: Vec<Snapshot>,
    /// With no snapshot: the graph of the last `backward()`, else of the last value bound
    /// at module level, as the script left it.
    pub last_graph: Option<Document>,
    /// `Purpose::Compare`: the graph just before the last `backward()` call.
    pub before_backward: Option<Document>,
    /// `Purpose::Compare` and `Purpose::Check`: the graph just after it.
    pub after_backward: Option<Document>,
    /// `Purpose::Compare` of a script that calls `backward()` on no value and draws fewer
    /// than two snapshots: the runner called it, as the subset does, from the first
    /// snapshot's value, else the last value bound.
    pub ran_backward: bool,
}

impl PythonRun {
    /// The figures to draw (the subset's rule): the snapshots; else the graph of the last
    /// `backward()`, else of the last value bound at module level.
    pub fn figures(self, name: &str) -> Result<Vec<Drawing>> {
        if !self.snapshots.is_empty() {
            return Ok(self
                .snapshots
                .into_iter()
                .map(Snapshot::into_drawing)
                .collect());
        }
        self.last_graph
            .map(|d| vec![Drawing::plain(d.graph)])
            .ok_or_else(|| nothing_to("draw", name))
    }

    /// Before and after backward: the first and last snapshots, else the graph just
    /// before and just after the last `backward()` call (it cannot be rerun here), which
    /// the runner made itself when the script has none.
    pub fn compared(self, name: &str) -> Result<States> {
        let ran_backward = self.ran_backward;
        let drawings = self.snapshots.into_iter().map(Snapshot::into_drawing);
        first_and_last(drawings.collect())
            .map(|(first, last)| States::of(first, last))
            .or(match (self.before_backward, self.after_backward) {
                (Some(before), Some(after)) => Some(States {
                    ran_backward,
                    ..States::new(before.graph, after.graph)
                }),
                _ => None,
            })
            .ok_or_else(|| nothing_to("compare", name))
    }

    /// The graph to check: just after the last `backward()` call (before a training step
    /// moves the data), else the last snapshot, else the last value.
    pub fn checked(self, name: &str) -> Result<Document> {
        self.after_backward
            .or(self.snapshots.into_iter().last().map(|s| s.document))
            .or(self.last_graph)
            .ok_or_else(|| nothing_to("check", name))
    }
}

/// The interpreter a script runs in: `--python`, else `$GRADVIZ_PYTHON`, else `python3`.
pub fn interpreter(options: &ScriptOptions) -> PathBuf {
    options
        .python
        .clone()
        .or_else(|| std::env::var_os("GRADVIZ_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PYTHON))
}

/// Whether micrograd is importable where `input` would run in CPython: its interpreter, with
/// the script's folder first on `sys.path`, as the runner puts it (stdin runs from a
/// folder of gradviz's own, which holds no micrograd). False when that interpreter cannot
/// be started: then the subset's run stands.
pub fn has_micrograd(input: PythonInput<'_>, options: &ScriptOptions) -> bool {
    let folder = match input.path.parent() {
        Some(parent) if input.path.as_os_str() != "-" => parent.to_path_buf(),
        _ => std::env::temp_dir().join("gradviz-stdin"),
    };
    Command::new(interpreter(options))
        .args(["-c", HAS_MICROGRAD])
        .arg(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Exits 0 when `micrograd` is found from the folder given first on `sys.path`.
const HAS_MICROGRAD: &str = "import importlib.util, os, sys\n\
    sys.path[0] = os.path.abspath(sys.argv[1])\n\
    sys.exit(importlib.util.find_spec('micrograd') is None)";

/// Runs `input` in CPython. `note`, when given, is printed (with the interpreter's version)
/// before the script starts: why it runs there.
pub fn run(
    input: PythonInput<'_>,
    purpose: Purpose,
    options: &ScriptOptions,
    note: Option<&str>,
) -> Result<PythonRun> {
    let folder = tempfile::Builder::new()
        .prefix("gradviz-python")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let python = interpreter(options);
    let status = command(input, purpose, options, note, &python, folder.path())?
        .status()
        .map_err(|e| no_interpreter(&python, input.name, &e))?;
    let summary = std::fs::read_to_string(folder.path().join("run.json"))
        .map_err(|_| stopped_early(input.name, &python, status, folder.path()))?;
    let summary: Summary = serde_json::from_str(&summary).map_err(|e| {
        Error::Python(format!(
            "{}: the runner's summary is unreadable: {e}",
            input.name
        ))
    })?;
    match &summary.error {
        Some(error) => Err(Error::Python(format!(
            "{}{}",
            error.render(input.name),
            summary.missing_module_hint()
        ))),
        None => summary.graphs(folder.path(), input.name),
    }
}

/// The error for a run that wrote no summary. The runner marks that it started: then the
/// script ended the interpreter itself; else the interpreter could not run the runner, as
/// a Python older than 3.8 cannot.
fn stopped_early(name: &str, python: &Path, status: ExitStatus, folder: &Path) -> Error {
    let python = python.display();
    Error::Python(if folder.join("started").exists() {
        format!(
            "{name}: the script ended {python} before it finished ({status}), as os._exit() \
             or a crash in an extension module does"
        )
    } else {
        format!(
            "{name}: {python} stopped before the script finished ({status}); gradviz needs \
             Python 3.8 or newer: name another with --python PATH or GRADVIZ_PYTHON"
        )
    })
}

/// The runner's command line: the embedded runner written into `folder`, which also
/// receives the graphs; the child's stdout goes to our stderr.
fn command(
    input: PythonInput<'_>,
    purpose: Purpose,
    options: &ScriptOptions,
    note: Option<&str>,
    python: &Path,
    folder: &Path,
) -> Result<Command> {
    let runner = folder.join("gradviz_export.py");
    std::fs::write(&runner, RUNNER).map_err(|e| Error::io(&runner, e))?;
    let prelude = folder.join("gradviz_prelude.py");
    std::fs::write(&prelude, PRELUDE).map_err(|e| Error::io(&prelude, e))?;
    let mut command = Command::new(python);
    command
        .arg("-u")
        .arg(&runner)
        .arg("--gradviz-run")
        .arg(script_file(input, folder)?)
        .args(["--name", input.name, "--want", purpose.word()])
        .arg("--out")
        .arg(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit());
    if input.notebook {
        command.arg("--notebook");
    }
    if !options.auto_label {
        command.arg("--no-auto-label");
    }
    if let Some(note) = note {
        let running = format!("{note}; running it in {}", python.display());
        command.arg("--note").arg(running);
    }
    if std::env::var_os("MPLBACKEND").is_none() {
        // A script's plt.show() must not open a window and wait for it to close.
        command.env("MPLBACKEND", "Agg");
    }
    Ok(command)
}

impl Purpose {
    fn word(self) -> &'static str {
        match self {
            Purpose::Render => "render",
            Purpose::Compare => "compare",
            Purpose::Check => "check",
        }
    }
}

/// The file to run: the input itself, or stdin's text saved in `folder`.
fn script_file(input: PythonInput<'_>, folder: &Path) -> Result<OsString> {
    if input.path.as_os_str() != "-" {
        return Ok(input.path.as_os_str().to_owned());
    }
    let name = if input.notebook {
        "stdin.ipynb"
    } else {
        "stdin.py"
    };
    let path = folder.join(name);
    std::fs::write(&path, input.text).map_err(|e| Error::io(&path, e))?;
    Ok(path.into_os_string())
}

fn no_interpreter(python: &Path, name: &str, error: &std::io::Error) -> Error {
    Error::PythonMissing {
        name: name.to_string(),
        python: python.to_path_buf(),
        reason: error.to_string(),
    }
}

/// `run.json`: what the runner wrote beside the graphs.
#[derive(Deserialize)]
struct Summary {
    error: Option<RunError>,
    /// The interpreter that ran the script (`sys.executable`) and its version.
    #[serde(default)]
    executable: String,
    #[serde(default)]
    python: String,
    #[serde(default)]
    snapshots: usize,
    /// What each `draw_dot` call asked of its figure, in order.
    #[serde(default)]
    asked: Vec<Asked>,
    #[serde(default, rename = "final")]
    last_graph: bool,
    #[serde(default)]
    before: bool,
    #[serde(default)]
    after: bool,
    #[serde(default)]
    ran_backward: bool,
}

impl Summary {
    /// For a script that imports a module this interpreter lacks: which interpreter ran it
    /// and how to pick another, since the module is often installed in a different one
    /// (a venv, conda, the notebook's kernel). Empty for any other error.
    fn missing_module_hint(&self) -> String {
        let Some(error) = &self.error else {
            return String::new();
        };
        if error.kind.as_deref() != Some("ModuleNotFoundError") {
            return String::new();
        }
        format!(
            "\n{} = help: the script ran in {} (Python {}); if the module is installed in \
             another Python, name that one with --python PATH or GRADVIZ_PYTHON",
            error.gutter(),
            self.executable,
            self.python
        )
    }

    /// The graphs the summary names, read from `folder` and validated.
    fn graphs(&self, folder: &Path, name: &str) -> Result<PythonRun> {
        let read = |file: &str, what: &str| -> Result<Document> {
            let path = folder.join(file);
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            json::read(&text, &format!("{name} ({what})"))
        };
        let optional = |present: bool, file: &str, what: &str| -> Result<Option<Document>> {
            present.then(|| read(file, what)).transpose()
        };
        let snapshot = |k: usize| -> Result<Snapshot> {
            let asked = self.asked.get(k - 1);
            let rankdir = asked.and_then(|a| a.rankdir.as_deref());
            Ok(Snapshot {
                document: read(&format!("snapshot-{k}.json"), &format!("snapshot {k}"))?,
                rankdir: rankdir
                    .map(|text| {
                        Rankdir::parse(text).ok_or_else(|| {
                            Error::Python(format!("{name}: the runner passed rankdir {text:?}"))
                        })
                    })
                    .transpose()?,
                format: asked.and_then(|a| a.format.clone()),
                auto_labelled: asked
                    .map(|a| a.auto_labelled.iter().copied().collect())
                    .unwrap_or_default(),
            })
        };
        Ok(PythonRun {
            snapshots: (1..=self.snapshots)
                .map(snapshot)
                .collect::<Result<Vec<_>>>()?,
            last_graph: optional(self.last_graph, "final.json", "its graph")?,
            before_backward: optional(self.before, "before.json", "before backward")?,
            after_backward: optional(self.after, "after.json", "after backward")?,
            ran_backward: self.ran_backward,
        })
    }
}

/// A `draw_dot` call's `format=` and `rankdir=`, as the runner read them.
#[derive(Deserialize)]
struct Asked {
    rankdir: Option<String>,
    format: Option<String>,
    #[serde(default)]
    auto_labelled: Vec<u64>,
}

/// An exception in the user's code, or a problem with the input. Read leniently: a place
/// the runner could not pin down costs the caret, never the error itself.
#[derive(Deserialize)]
struct RunError {
    #[serde(default)]
    message: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    location: Option<Location>,
    #[serde(default)]
    frames: Vec<Frame>,
}

/// A place in the user's file or notebook, as much of it as is known: CPython leaves a
/// line or column out or reports it as 0 or -1 (the `end_offset` of an IndentationError),
/// and each such field is read as unknown rather than refused.
#[derive(Deserialize)]
struct Location {
    file: String,
    #[serde(default, deserialize_with = "position")]
    cell: Option<usize>,
    #[serde(default, deserialize_with = "position")]
    line: Option<usize>,
    #[serde(default, deserialize_with = "position")]
    column: Option<usize>,
    #[serde(default, deserialize_with = "position")]
    end_column: Option<usize>,
    #[serde(default)]
    text: String,
}

/// A frame of the traceback in the user's own code (CPython 3.11 may not know its line).
#[derive(Deserialize)]
struct Frame {
    file: String,
    #[serde(default, deserialize_with = "position")]
    cell: Option<usize>,
    #[serde(default, deserialize_with = "position")]
    line: Option<usize>,
    function: String,
}

/// A cell, line or column number from the runner: a whole number from 1, else unknown,
/// whatever else the field holds (null, 0, -1, text).
fn position<'de, D>(deserializer: D) -> std::result::Result<Option<usize>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value
        .as_u64()
        .filter(|&n| n > 0)
        .and_then(|n| usize::try_from(n).ok()))
}

impl RunError {
    /// `FILE:LINE:COL: Type: message`, the line with a caret, and the user's frames; with
    /// less of the place where less is known, but always the file: an exception without a
    /// place is `NAME: Type: message`. A message of the runner's own (no type) names the
    /// file already.
    fn render(&self, name: &str) -> String {
        let message = match &self.kind {
            Some(kind) if self.message.is_empty() => kind.clone(),
            Some(kind) => format!("{kind}: {}", self.message),
            None => self.message.clone(),
        };
        let Some(at) = &self.location else {
            return match self.kind {
                Some(_) => format!("{name}: {message}"),
                None => message,
            };
        };
        let mut out = at.head(&message);
        if self.frames.len() > 1 {
            let gutter = self.gutter();
            out.push_str(&format!("\n{gutter} = traceback, most recent call last:"));
            for frame in &self.frames {
                let at = place(&frame.file, frame.cell, frame.line);
                out.push_str(&format!("\n{gutter}     {at} in {}", frame.function));
            }
        }
        out
    }

    /// The margin of the source snippet, as wide as its line number, which the lines
    /// under it (`= traceback`, `= help`) line up with.
    fn gutter(&self) -> String {
        let line = self.location.as_ref().and_then(|at| at.line);
        " ".repeat(line.map_or(0, |line| line.to_string().len()))
    }
}

impl Location {
    /// `place: message`, then the source line and a caret when the line and column are
    /// known.
    fn head(&self, message: &str) -> String {
        let here = place(&self.file, self.cell, self.line);
        let (Some(line), Some(column)) = (self.line, self.column) else {
            return format!("{here}: {message}");
        };
        let width = self
            .end_column
            .filter(|&end| end > column)
            .map_or(1, |end| end - column);
        // The caret stays just past the line at most, whatever column the runner sent.
        let caret = column.min(self.text.chars().count() + 1);
        let here = format!("{here}:{column}");
        snippet(&here, message, line, &self.text, caret, width, None)
    }
}

/// Where a line is, as the user knows it: `file:line`, or `notebook: cell k, line n`;
/// `file` or `notebook: cell k` when the line is not known.
fn place(file: &str, cell: Option<usize>, line: Option<usize>) -> String {
    match (cell, line) {
        (Some(cell), Some(line)) => format!("{file}: cell {cell}, line {line}"),
        (Some(cell), None) => format!("{file}: cell {cell}"),
        (None, Some(line)) => format!("{file}:{line}"),
        (None, None) => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error a summary holds, as the command line shows it for `s.py`.
    fn rendered(summary: serde_json::Value) -> String {
        let summary: Summary = serde_json::from_value(summary).expect("a readable summary");
        summary.error.expect("an error").render("s.py")
    }

    fn indentation_error(line: serde_json::Value, column: serde_json::Value) -> String {
        rendered(serde_json::json!({"error": {
            "type": "IndentationError", "message": "unexpected indent",
            "location": {"file": "s.py", "cell": null, "line": line, "column": column,
                         "end_column": -1, "text": "   b = a * 2"}}}))
    }

    #[test]
    fn an_end_column_of_minus_one_costs_only_the_width_of_the_caret() {
        assert_eq!(
            indentation_error(2.into(), 4.into()),
            "s.py:2:4: IndentationError: unexpected indent\n  |\n2 |    b = a * 2\n  |    ^"
        );
    }

    #[test]
    fn a_column_of_zero_or_minus_one_costs_the_caret() {
        for column in [0, -1] {
            assert_eq!(
                indentation_error(2.into(), column.into()),
                "s.py:2: IndentationError: unexpected indent"
            );
        }
    }

    #[test]
    fn an_unknown_line_leaves_the_file_and_the_cell() {
        for line in [serde_json::Value::Null, (-1).into(), "2".into(), 1.5.into()] {
            assert_eq!(
                indentation_error(line, 4.into()),
                "s.py: IndentationError: unexpected indent"
            );
        }
        let error = rendered(serde_json::json!({"error": {
            "type": "SyntaxError", "message": "source code string cannot contain null bytes",
            "location": {"file": "nb.ipynb", "cell": 3, "line": null, "column": null,
                         "end_column": null, "text": ""}}}));
        assert_eq!(
            error,
            "nb.ipynb: cell 3: SyntaxError: source code string cannot contain null bytes"
        );
    }

    #[test]
    fn an_exception_with_no_place_still_names_the_file() {
        let error = rendered(serde_json::json!({"error": {
            "type": "MemoryError", "message": "", "location": null, "frames": []}}));
        assert_eq!(error, "s.py: MemoryError");
    }

    #[test]
    fn a_column_far_past_the_line_puts_the_caret_just_past_it() {
        let error = rendered(serde_json::json!({"error": {
            "type": "SyntaxError", "message": "invalid syntax",
            "location": {"file": "s.py", "line": 1, "column": u64::MAX,
                         "end_column": u64::MAX, "text": "x".repeat(300)}}}));
        assert!(
            error.starts_with(&format!("s.py:1:{}: SyntaxError", u64::MAX)),
            "{error}"
        );
        assert!(
            error.ends_with(&format!("\n  | {}^", " ".repeat(101))),
            "{error}"
        );
    }

    #[test]
    fn a_frame_without_a_line_is_named_by_its_file() {
        let error = rendered(serde_json::json!({"error": {
            "type": "ValueError", "message": "bad",
            "location": {"file": "s.py", "line": 2, "column": 1, "text": "f()"},
            "frames": [{"file": "s.py", "line": null, "function": "<module>"},
                       {"file": "s.py", "line": 2, "function": "f"}]}}));
        assert!(
            error.ends_with("\n      s.py in <module>\n      s.py:2 in f"),
            "{error}"
        );
    }
}
