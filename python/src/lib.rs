//! `gradviz._gradviz`: the Rust half of the `gradviz` Python package.
//!
//! The Python half (`gradviz/__init__.py`) walks the user's values with the same file the
//! command line's runner embeds (`python/gradviz_export.py`, handed over here as
//! [`walk_source`]) and passes the graph over once, as flat lists ([`Graph::new`]). DOT,
//! layout, SVG and the check run here, in the gradviz library, exactly as the command line
//! runs them. Every failure is a Python exception; nothing here panics on user input.

use petgraph::graph::NodeIndex;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use gradviz::check::{check, Tolerance};
use gradviz::engine::python_float_repr;
use gradviz::error::{Setting, Terms};
use gradviz::figure::views::{ColorBy, Detail};
use gradviz::figure::Rankdir;
use gradviz::graph::{cycle_walk, ExportGraph, NodeInfo, NodeOp};
use gradviz::input::json::{self, Document, GraphFault, ListedNode};
use gradviz::input::States;
use gradviz::page::Snapshot;
use gradviz::render::{draw, draw_comparison, EngineChoice, Format, Options};

/// A graph handed over from Python: values in topological order (operands first).
#[pyclass(frozen, module = "gradviz._gradviz")]
struct Graph {
    document: Document,
}

#[pymethods]
impl Graph {
    /// Labels, data, grads and op texts per value; `counts[i]` operand indices of value `i`
    /// follow one another in `children`; `roots` are value indices. The walk lists operands
    /// first where it can: an operand listed after its user sends the graph through a
    /// topological sort, which names the cycle if there is one.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        labels: Vec<String>,
        data: Vec<f64>,
        grads: Vec<f64>,
        ops: Vec<String>,
        counts: Vec<usize>,
        children: Vec<usize>,
        roots: Vec<usize>,
    ) -> PyResult<Self> {
        let n = labels.len();
        if [data.len(), grads.len(), ops.len(), counts.len()] != [n; 4] {
            return Err(PyValueError::new_err("the graph's lists differ in length"));
        }
        let values = labels.into_iter().zip(data).zip(grads).zip(ops);
        let mut listed = children.into_iter();
        let mut nodes = Vec::with_capacity(n);
        for (i, (((label, data), grad), op)) in values.enumerate() {
            let info = NodeInfo {
                id: i as u64,
                label: label.into(),
                data,
                grad,
                op: NodeOp::from_string(op),
                scope: None,
            };
            let operands: Vec<u64> = listed.by_ref().take(counts[i]).map(|c| c as u64).collect();
            if operands.len() < counts[i] {
                return Err(PyValueError::new_err(
                    "the operand counts add up to more operands than are listed",
                ));
            }
            let children = json::operands_as_listed(&info.op, operands).map_err(|message| {
                PyValueError::new_err(format!("{} (value {i}): {message}", describe(&info)))
            })?;
            nodes.push(ListedNode { info, children });
        }
        let roots: Vec<u64> = roots.into_iter().map(|r| r as u64).collect();
        let document = json::build(nodes, &roots).map_err(python_fault)?;
        Ok(Graph { document })
    }

    /// How many values the graph holds.
    fn __len__(&self) -> usize {
        self.document.graph.node_count()
    }
}

/// The graph builder's words for what makes the walked values no graph, each place a
/// value of the walk (its position and label) or a root.
fn python_fault(fault: GraphFault) -> PyErr {
    let message = match fault {
        GraphFault::DuplicateId { node, first, id } => {
            format!("value {node}: id {id} is value {first}'s too")
        }
        GraphFault::UnknownChild { node, operand, .. } => {
            format!("value {node}: operand {operand} is not a value of the graph")
        }
        GraphFault::UnknownRoot { root, id } => {
            format!("roots[{root}]: {id} is not a value of the graph")
        }
        GraphFault::RepeatedRoot { root, id } => {
            format!("roots[{root}]: value {id} is a root already")
        }
        GraphFault::Cycle { graph, cycle } => return cycle_error(&graph, &cycle),
    };
    PyValueError::new_err(message)
}

/// A cycle the way the user made it, each value holding the next in its `_prev`, worded
/// like the JSON reader's (the first values, then the one that closes it).
fn cycle_error(graph: &ExportGraph, cycle: &[NodeIndex]) -> PyErr {
    let walk = cycle_walk(graph, cycle, describe);
    PyValueError::new_err(format!(
        "the graph has a cycle of {} value(s): {walk} (each has the next in its _prev)",
        cycle.len()
    ))
}

/// A value in an error: its label, or its data where it has none.
fn describe(value: &NodeInfo) -> String {
    if value.label.is_empty() {
        format!("(unlabelled, data {})", python_float_repr(value.data))
    } else {
        format!("'{}'", value.label)
    }
}

/// The figure options of `draw_dot`, as the command line spells them (a dict).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct FigureOptions {
    rankdir: String,
    precision: usize,
    group: bool,
    fold: Option<usize>,
    color: Option<String>,
    engine: String,
    full: bool,
    depth: Option<usize>,
    keep_rankdir: bool,
}

impl FigureOptions {
    /// The library's options, each name read by the library's own parser (the names the
    /// command line's flags take too).
    fn into_options(self) -> PyResult<Options> {
        let rankdir = Rankdir::parse(&self.rankdir.to_ascii_uppercase())
            .ok_or_else(|| bad("rankdir", &self.rankdir, "'LR', 'TB', 'RL' or 'BT'"))?;
        let engine = EngineChoice::parse(&self.engine)
            .ok_or_else(|| bad("engine", &self.engine, &one_of(&EngineChoice::NAMED)))?;
        let color = match self.color.as_deref() {
            None => ColorBy::None,
            Some(name) => ColorBy::parse(name).ok_or_else(|| {
                bad(
                    "color",
                    name,
                    &format!("None or {}", one_of(&ColorBy::NAMED)),
                )
            })?,
        };
        if self.precision > gradviz::figure::defaults::MAX_PRECISION {
            return Err(PyValueError::new_err(format!(
                "precision={}: at most {} digits after the point",
                self.precision,
                gradviz::figure::defaults::MAX_PRECISION
            )));
        }
        let mut options = Options::default();
        options.dot = options
            .dot
            .with_rankdir(rankdir)
            .with_precision(self.precision);
        options.engine = options.engine.with_engine(engine);
        options.view = options
            .view
            .with_group(self.group)
            .with_fold(self.fold)
            .with_color(color)
            .with_keep_rankdir(self.keep_rankdir)
            .with_detail(Detail::asked(self.full, self.depth));
        Ok(options)
    }
}

/// The names of `named` as a Python user writes them: `'auto', 'dot' or 'layered'`.
fn one_of<T>(named: &[(&str, T)]) -> String {
    let names: Vec<String> = named
        .iter()
        .map(|(name, _)| format!("{name:?}").replace('"', "'"))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, first)) => format!("{} or {last}", first.join(", ")),
        None => String::new(),
    }
}

fn bad(option: &str, value: &str, expected: &str) -> PyErr {
    PyValueError::new_err(format!("{option}={value:?}: expected {expected}"))
}

fn format_named(name: &str) -> PyResult<Format> {
    Format::from_extension(std::path::Path::new(&format!("x.{name}")))
        .ok_or_else(|| bad("format", name, "'svg', 'png', 'pdf', 'dot' or 'json'"))
}

/// The notes on the drawing (what an overview folded, the engine `auto` fell back to, why
/// the layered engine drew) in this package's terms, on Python's `sys.stderr`: where a
/// notebook shows them under the cell (the process's own stderr goes to the kernel's log).
fn say(py: Python<'_>, notes: &[gradviz::render::Note]) -> PyResult<()> {
    let stderr = py.import("sys")?.getattr("stderr")?;
    for note in notes {
        stderr.call_method1(
            "write",
            (format!("note: {}\n", note.message.worded(&Keywords)),),
        )?;
    }
    Ok(())
}

/// gradviz's errors as Python's: bad input is a `ValueError`, a renderer that failed a
/// `RuntimeError`; the settings they name or suggest are this package's keyword arguments.
fn to_python(error: gradviz::Error) -> PyErr {
    let message = error.worded(&Keywords);
    match error.exit_code() {
        2 => PyValueError::new_err(message),
        _ => PyRuntimeError::new_err(message),
    }
}

/// The package's names for the settings a library error names or suggests: the keyword
/// arguments of `draw_dot` and `check`, and `Figure.source`. It has no node guard to raise.
struct Keywords;

impl Terms for Keywords {
    fn spell(&self, setting: Setting, value: Option<&str>) -> Option<String> {
        let keyword = match setting {
            Setting::Rtol => "rtol",
            Setting::Atol => "atol",
            Setting::Fold => "fold",
            Setting::LayeredEngine => return Some("engine='layered'".into()),
            Setting::BuiltinEngine => return Some("engine='builtin'".into()),
            Setting::DotEngine => return Some("engine='dot'".into()),
            Setting::DotSource => return Some("the figure's `.source`".into()),
            Setting::Full => return Some("full=True".into()),
            Setting::Depth => "depth",
            Setting::Group => return Some("group=True".into()),
            _ => return None,
        };
        Some(match value {
            Some(value) => format!("{keyword}={value}"),
            None => keyword.to_string(),
        })
    }
}

/// Checks figure options when they are given, before any figure is drawn.
#[pyfunction]
fn validate(options: FigureOptions) -> PyResult<()> {
    options.into_options().map(drop)
}

/// The figure of `graph` in `format`, drawn as `gradviz render` draws it.
#[pyfunction]
fn render<'py>(
    py: Python<'py>,
    graph: &Graph,
    format: &str,
    options: FigureOptions,
) -> PyResult<Bound<'py, PyBytes>> {
    let format = format_named(format)?;
    let options = options.into_options()?;
    let drawn = py
        .detach(|| draw(&graph.document.graph, format, &options))
        .map_err(to_python)?;
    say(py, &drawn.notes)?;
    Ok(PyBytes::new(py, &drawn.bytes))
}

/// The before/after figure of two graphs, drawn as `gradviz compare` draws it.
#[pyfunction]
fn compare<'py>(
    py: Python<'py>,
    before: &Graph,
    after: &Graph,
    format: &str,
    options: FigureOptions,
) -> PyResult<Bound<'py, PyBytes>> {
    let format = format_named(format)?;
    let options = options.into_options()?;
    let states = States::new(before.document.graph.clone(), after.document.graph.clone());
    let drawn = py
        .detach(|| draw_comparison(&states, format, &options))
        .map_err(to_python)?;
    say(py, &drawn.notes)?;
    Ok(PyBytes::new(py, &drawn.bytes))
}

/// The page of two graphs, as `gradviz compare -o page.html` writes it: the two states to
/// toggle between, the changed grads marked, and the table of changes.
#[pyfunction]
fn compare_page(
    py: Python<'_>,
    before: &Graph,
    after: &Graph,
    options: FigureOptions,
) -> PyResult<String> {
    let options = options.into_options()?;
    let states = States::new(before.document.graph.clone(), after.document.graph.clone());
    let drawn =
        gradviz::page::compare_page("gradviz compare", states, &options).map_err(to_python)?;
    say(py, &drawn.notes)?;
    String::from_utf8(drawn.bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// How many values' grads differ between two graphs, matched as `compare` matches them.
#[pyfunction]
fn changed(before: &Graph, after: &Graph) -> usize {
    gradviz::figure::compare::changed(&before.document.graph, &after.document.graph).len()
}

/// The interactive page of one or more graphs (`(title, graph)` pairs, a selector between
/// them), as `gradviz render -o page.html` writes it: pan, zoom, search, and backward
/// replayed step by step.
#[pyfunction]
fn page(
    py: Python<'_>,
    title: &str,
    graphs: Vec<(String, PyRef<'_, Graph>)>,
    options: FigureOptions,
) -> PyResult<String> {
    let options = options.into_options()?;
    let snapshots: Vec<Snapshot> = graphs
        .iter()
        .map(|(name, graph)| Snapshot {
            title: name.clone(),
            graph: graph.document.graph.clone(),
            roots: graph.document.roots.clone(),
            rankdir: None,
            decorations: None,
        })
        .collect();
    let drawn = gradviz::page::page(title, &snapshots, &[], &options).map_err(to_python)?;
    say(py, &drawn.notes)?;
    String::from_utf8(drawn.bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// One wrong number: (label, field, stored, expected, value index).
type Wrong = (String, String, f64, f64, usize);

/// Recomputes every data and grad of `graph` from its structure: the wrong numbers, the
/// indices of the values that could not be verified (unknown ops), and the report's text
/// with its explanations of wrong grads.
#[pyfunction]
fn verify(graph: &Graph, rtol: f64, atol: f64) -> PyResult<(Vec<Wrong>, Vec<u64>, String)> {
    let tolerance = Tolerance::new(rtol, atol).map_err(to_python)?;
    let report = check(&graph.document, &tolerance);
    let wrong = report
        .mismatches
        .iter()
        .map(|m| {
            let field = m.field.to_string();
            (m.label.clone(), field, m.stored, m.expected, m.node.index())
        })
        .collect();
    // The table, then each wrong grad explained with the chain rule, as `gradviz check` prints.
    let text = report.table() + &report.explanation();
    Ok((wrong, report.unverified.clone(), text))
}

/// The Python source of the graph walk: `python/gradviz_export.py`, the same file the
/// command line runs scripts with.
#[pyfunction]
fn walk_source() -> &'static str {
    gradviz::input::python::RUNNER
}

#[pymodule]
fn _gradviz(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Graph>()?;
    module.add_function(wrap_pyfunction!(validate, module)?)?;
    module.add_function(wrap_pyfunction!(render, module)?)?;
    module.add_function(wrap_pyfunction!(compare, module)?)?;
    module.add_function(wrap_pyfunction!(compare_page, module)?)?;
    module.add_function(wrap_pyfunction!(changed, module)?)?;
    module.add_function(wrap_pyfunction!(page, module)?)?;
    module.add_function(wrap_pyfunction!(verify, module)?)?;
    module.add_function(wrap_pyfunction!(walk_source, module)?)?;
    Ok(())
}
