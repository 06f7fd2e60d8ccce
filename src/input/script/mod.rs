//! Script input (SPEC §4): the micrograd lecture's Python, run as written, into an engine
//! [`Graph`] plus the `draw_dot` snapshots to draw.
//!
//! The language is the part of Python the lecture's graph-building code uses:
//!
//! - statements end at a newline or `;`; `#` comments and blank lines; brackets and a
//!   trailing `\` join lines; `import …` / `from … import …` and `pass` are ignored;
//! - `name = expr` (also `a = b = expr`), `+=`, `-=`, `*=`, `/=`, `**=` (Python runs
//!   `a = a + b` for a micrograd value), `v.label = '…'`, `v.data = n`, `v.grad = n`, and
//!   reads of `v.data`, `v.grad`, `v.label` (`v.grad` reads back as a float);
//! - ints and floats with Python's arithmetic (ints are 128-bit here, an overflow is an
//!   error), strings in either quote with Python's escapes, `+ - * / **` with Python's
//!   precedence, unary `-`, parentheses;
//! - `Value(number, label='…')`, the methods `tanh() exp() relu() log() sigmoid()
//!   backward()` and the lecture's `_backward()`, `draw_dot(v)` (a snapshot; micrograd's
//!   `format=` and `rankdir=` ride along in [`crate::input::Drawing`]), and `print(…)`,
//!   which writes to stderr as Python prints; f-strings with the format specs lecture
//!   scripts write (`f'{loss.data:.4f}'`, see `fstring`); `float(…)` and the `math` module's constants
//!   and functions on numbers;
//! - networks as in the lecture's training cells: micrograd's `MLP(nin, nouts)`,
//!   `Layer(nin, nout)`, `Neuron(nin)` (parameters labelled `l{i}.n{j}.w{k}` / `.b`,
//!   weights from Python's `random` stream: `random.seed(n)`, or [`DEFAULT_SEED`] when the
//!   script sets none, where Python would differ every run), calling them, `.parameters()`,
//!   `.zero_grad()`; `True`, `False`;
//! - lists: `[a, b]`, `xs[i]` (negative too), `len`, `sum` (from the int 0, as Python's:
//!   `sum([v])` adds a `Value(0)` leaf), `zip`, `range`, `list`; list comprehensions
//!   `[f(x) for x in xs]` and a generator expression as a call's only argument,
//!   `sum((y - t)**2 for t, y in zip(ys, preds))`, which `sum` adds up as it goes, as
//!   Python's lazy generator does (one `for` clause, no `if`);
//! - `for names in list:` with a body on the same line or an indented block, which may
//!   hold further `for` loops (no `while`, `break`, `else`, `def`, `if`). At most
//!   [`MAX_ITERATIONS`] iterations run per script.
//!
//! Brackets nest at most [`MAX_BRACKETS`] deep and blocks [`MAX_INDENTS`], CPython's own
//! limits; nothing else is limited, because neither the parser nor the evaluator
//! recurses: a 100,000-term sum, 100,000 stacked signs or a comprehension inside a
//! comprehension inside a loop cannot overflow the stack. Where Python raises (`1/0`,
//! `0.0 ** -1`, `math.exp(1000)`, a one-neuron hidden layer's bare Value fed to the next
//! layer) or would make a complex number, the script fails with an error at that place.
//! Names Python would need an import for (`MLP`, `random`) are there without one.
//!
//! Statements are parsed and run one at a time, so a million-statement script never exists
//! as a syntax tree; a long script is parsed on a second thread while the first runs it
//! (see `pipeline`). When one fails at run time, the rest is still parsed: Python compiles
//! a file before running it, so a syntax error anywhere is the error it reports, and
//! nothing the script printed before it shows: prints are held until the whole script has
//! parsed.

mod autolabel;
pub(super) mod diagnostics;
mod eval;
mod expr;
mod fstring;
mod lexer;
mod number;
mod parser;
mod pipeline;
mod subset;

use std::path::PathBuf;

use crate::engine::{Graph, NodeId};
use crate::input::{Drawable, Drawing};
use crate::{Error, Result};

pub use autolabel::{rebound_label, AutoLabels};
pub use eval::{DEFAULT_SEED, MAX_ITERATIONS, MAX_PARAMETERS};
pub use lexer::{MAX_BRACKETS, MAX_INDENTS};

/// How a script is turned into a graph.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptOptions {
    /// Label each value with the first variable it is bound to, unless it has an explicit
    /// label (SPEC §4); the k-th value named after one variable is `name#k` (see
    /// [`AutoLabels`]). On by default; `--no-auto-label` turns it off.
    pub auto_label: bool,
    /// Where a script runs: the subset, CPython, or whichever fits (the default).
    pub interpreter: Interpreter,
    /// The Python to run scripts in; `None` takes `$GRADVIZ_PYTHON`, else `python3`.
    pub python: Option<PathBuf>,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            auto_label: true,
            interpreter: Interpreter::Auto,
            python: None,
        }
    }
}

impl ScriptOptions {
    /// These options with auto-labels on or off.
    pub fn with_auto_label(mut self, auto_label: bool) -> Self {
        self.auto_label = auto_label;
        self
    }

    /// These options running scripts where `interpreter` says.
    pub fn with_interpreter(mut self, interpreter: Interpreter) -> Self {
        self.interpreter = interpreter;
        self
    }

    /// These options running CPython scripts in `python` (`None`: the default).
    pub fn with_python(mut self, python: Option<PathBuf>) -> Self {
        self.python = python;
        self
    }
}

/// Where a script runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interpreter {
    /// The subset when the script fits it (decided before anything runs), else CPython.
    #[default]
    Auto,
    /// Always the built-in subset: fast, no Python needed.
    Builtin,
    /// Always CPython.
    Python,
}

/// A script after it ran: the whole graph it built and what it asked to draw.
#[derive(Debug)]
pub struct Evaluated {
    /// Every value the script created, in creation order.
    pub graph: Graph,
    /// One snapshot per `draw_dot(v)` call, in order.
    pub snapshots: Vec<Drawing>,
    /// The value of the last `backward()` call, if any.
    pub backward_root: Option<NodeId>,
    /// The last Value assigned to a variable, if any.
    pub last_value: Option<NodeId>,
    /// The graph just before and just after the last `backward()`, when the run was asked
    /// to keep them (for `compare`).
    pub(crate) backward_states: Option<Box<eval::BackwardStates>>,
    file_name: String,
    statements: usize,
}

impl Evaluated {
    /// The figures to draw (SPEC §4 "which graph is drawn"): the snapshots if there are
    /// any; else the graph reachable from the root of the last `backward()`; else from the
    /// last assigned value. An error naming the file when there is nothing to draw.
    pub fn figures(self) -> Result<Vec<Drawing>> {
        let figures = self.into_drawables()?;
        Ok(figures.into_iter().map(Drawable::into_drawing).collect())
    }

    /// [`Evaluated::figures`], the final graph left on the tape until it is drawn.
    pub fn into_drawables(self) -> Result<Vec<Drawable>> {
        if !self.snapshots.is_empty() {
            return Ok(self.snapshots.into_iter().map(Drawable::Drawing).collect());
        }
        if let Some(root) = self.root() {
            return Ok(vec![Drawable::Tape {
                graph: self.graph,
                root,
            }]);
        }
        if self.statements == 0 {
            return Err(empty(&self.file_name));
        }
        Err(super::nothing_to("draw", &self.file_name))
    }

    /// The value a figure or check starts from when no snapshot says (SPEC §4 "which graph
    /// is drawn"): the root of the last `backward()`, else the last value assigned.
    pub fn root(&self) -> Option<NodeId> {
        self.backward_root.or(self.last_value)
    }
}

/// The error for a script with no statement.
pub(crate) fn empty(file_name: &str) -> Error {
    Error::Script(format!(
        "{file_name}: the script is empty\n  = help: for example `a = Value(2.0); \
         b = a.tanh(); draw_dot(b)`"
    ))
}

/// Whether `source` has no statement: blank lines and comments only.
pub(crate) fn is_blank(source: &str) -> bool {
    source.lines().all(|line| {
        let line = line.trim_start_matches(['\u{feff}', ' ', '\t', '\x0c']);
        line.trim_end().is_empty() || line.starts_with('#')
    })
}

/// Runs a script. `file_name` is only used in error messages.
///
/// ```
/// use gradviz::input::script::{evaluate, ScriptOptions};
///
/// let source = "x = Value(2.0)\ny = x * x + 1\ny.backward()\n";
/// let run = evaluate(source, "example.py", &ScriptOptions::default()).unwrap();
/// let root = run.backward_root.unwrap();
/// assert_eq!(run.graph.data(root), 5.0);
/// assert_eq!(run.graph.label(root).as_deref(), Some("y"));
/// assert_eq!(run.figures().unwrap()[0].graph.node_count(), 4);
/// ```
pub fn evaluate(source: &str, file_name: &str, options: &ScriptOptions) -> Result<Evaluated> {
    evaluate_keeping(source, file_name, options, false)
}

/// [`evaluate`], keeping the graph just before and just after the last `backward()` too
/// when `keep_backward_states` (for `compare`).
pub(crate) fn evaluate_keeping(
    source: &str,
    file_name: &str,
    options: &ScriptOptions,
    keep_backward_states: bool,
) -> Result<Evaluated> {
    let mut evaluator = eval::Evaluator::new(options, source.len());
    evaluator.hold_prints();
    if keep_backward_states {
        evaluator.keep_backward_states();
    }
    run_statements(evaluator, source, |_| {})
        .and_then(|mut ran| {
            ran.evaluator.release_prints();
            ran.into_evaluated(file_name)
        })
        .map_err(|diag| diag.into_error(source, file_name))
}

/// How `--interpreter auto` ran a script.
pub(crate) enum Fitted {
    /// The script fits the subset, which ran it to its end.
    Ran(Evaluated),
    /// The script needs CPython, for this reason (a phrase after the file's name).
    NeedsPython(String),
    /// The subset stopped at a runtime error: Python's own answer (its error, or a run
    /// that goes on where the subset lacks a feature) comes from CPython.
    Stopped(Stopped),
}

/// A subset run that stopped at a runtime error, held until CPython answers instead.
pub(crate) struct Stopped {
    /// Where and why, as a phrase after the file's name ("stops at 3:5: …").
    pub why: String,
    /// The subset's own error, for when no CPython can be run.
    pub error: Error,
    prints: String,
}

impl Stopped {
    /// Writes what the script printed before it stopped, and gives the subset's error.
    pub fn into_error(self) -> Error {
        eval::write_printed(&self.prints);
        self.error
    }
}

/// `--interpreter auto`: runs `source` in the subset while finding out whether it fits
/// (see `subset`), so the script is parsed once. Its prints are held until it is known to
/// fit and has run to its end; a script that needs CPython has printed nothing.
/// `micrograd_installed` is asked only of a script that imports micrograd.
pub(crate) fn run_if_fits(
    source: &str,
    file_name: &str,
    options: &ScriptOptions,
    keep_backward_states: bool,
    micrograd_installed: impl FnOnce() -> bool,
) -> Fitted {
    let mut evaluator = eval::Evaluator::new(options, source.len());
    evaluator.hold_prints();
    if keep_backward_states {
        evaluator.keep_backward_states();
    }
    let mut fit = subset::Fit::new(source);
    let mut ran = match run_statements(evaluator, source, |statement| fit.visit(statement)) {
        Ok(ran) => ran,
        Err(diag) => return Fitted::NeedsPython(subset::unsupported(source, &diag)),
    };
    if let Err(why) = fit.verdict(ran.parser.imports(), micrograd_installed) {
        return Fitted::NeedsPython(why);
    }
    if let Some(diag) = ran.runtime_error.take() {
        let (line, column) = diagnostics::line_and_column(source, diag.span);
        return Fitted::Stopped(Stopped {
            why: format!(
                "stops the built-in subset at {line}:{column} ({})",
                diag.message
            ),
            prints: ran.evaluator.take_held_prints(),
            error: diag.into_error(source, file_name),
        });
    }
    ran.evaluator.release_prints();
    Fitted::Ran(ran.finished(file_name))
}

/// A script parsed to its end and run up to its first runtime error.
struct Statements<'s> {
    parser: parser::Parser<'s>,
    evaluator: eval::Evaluator<'s>,
    runtime_error: Option<diagnostics::Diag>,
}

/// Scripts at least this long are parsed on a second thread while this one runs them
/// (`pipeline`); a shorter one is parsed in less time than a thread takes to start.
const PIPELINE_BYTES: usize = 64 * 1024;

/// Parses `source` one statement at a time, showing each to `visit` and running it until
/// one fails. A syntax error anywhere is the error, even after a runtime error: Python
/// compiles the whole file before running it, so the caller holds the prints.
fn run_statements<'s>(
    evaluator: eval::Evaluator<'s>,
    source: &'s str,
    visit: impl FnMut(&parser::Stmt<'s>),
) -> diagnostics::Res<Statements<'s>> {
    if source.len() >= PIPELINE_BYTES {
        pipeline::run_statements(evaluator, source, visit)
    } else {
        run_statements_here(evaluator, source, visit)
    }
}

/// [`run_statements`] on this thread alone. Each statement goes back to the parser once it
/// has run, which writes the next one into its lists.
fn run_statements_here<'s>(
    mut evaluator: eval::Evaluator<'s>,
    source: &'s str,
    mut visit: impl FnMut(&parser::Stmt<'s>),
) -> diagnostics::Res<Statements<'s>> {
    let mut parser = parser::Parser::new(source)?;
    let mut runtime_error = None;
    while let Some(statement) = parser.next_statement()? {
        visit(&statement);
        if runtime_error.is_none() {
            runtime_error = evaluator.exec(&statement).err();
        }
        parser.recycle(statement);
    }
    Ok(Statements {
        parser,
        evaluator,
        runtime_error,
    })
}

impl Statements<'_> {
    fn into_evaluated(mut self, file_name: &str) -> diagnostics::Res<Evaluated> {
        match self.runtime_error.take() {
            Some(error) => Err(error),
            None => Ok(self.finished(file_name)),
        }
    }

    /// The run of a script that reached its end.
    fn finished(self, file_name: &str) -> Evaluated {
        let evaluator = self.evaluator;
        Evaluated {
            graph: evaluator.graph,
            snapshots: evaluator.snapshots,
            backward_root: evaluator.backward_root,
            last_value: evaluator.last_value,
            backward_states: evaluator.backward_states,
            file_name: file_name.to_string(),
            statements: self.parser.statements_read(),
        }
    }
}
