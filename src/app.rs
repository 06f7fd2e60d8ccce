//! The one entry point behind the command line: read inputs, build figures, write outputs.
//!
//! `main.rs` parses arguments with [`crate::cli`] and hands the [`Request`] to [`run`]; every
//! decision about where output goes and in which format lives here, so the binary stays a
//! few lines and library users can drive the same pipeline.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::export::ExportGraph;
use crate::render::{Decorations, DotOptions, EngineChoice, EngineOptions, Format};
use crate::script::python::{Purpose, PythonInput};
use crate::script::ScriptOptions;
use crate::views::ViewOptions;
use crate::{
    compare, gradcheck, interchange, output, page, progress, render, script, sniff, views, Error,
    Result,
};

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

/// Everything that shapes a figure, with the defaults the command line also uses.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// The output format; `None` takes it from the output's extension, else SVG.
    pub format: Option<Format>,
    /// How to read inputs; `None` takes it from their extension.
    pub input_format: Option<InputFormat>,
    /// How the DOT source is written.
    pub dot: DotOptions,
    /// Which renderer turns DOT into SVG, PNG or PDF.
    pub engine: EngineOptions,
    /// How scripts are evaluated.
    pub script: ScriptOptions,
    /// Draw only this snapshot of a script (from 1).
    pub snapshot: Option<usize>,
    /// Groups, folding, colour and the node guard.
    pub view: ViewOptions,
}

/// Where output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Beside each input, named after it.
    BesideInput,
    /// Into this directory, named after each input.
    Dir(PathBuf),
    /// This file.
    File(PathBuf),
    /// Standard output.
    Stdout,
}

/// `gradviz render`.
#[derive(Debug)]
pub struct RenderRequest {
    /// Scripts or JSON graphs (`-` for stdin).
    pub inputs: Vec<PathBuf>,
    /// Where the figures go.
    pub output: Output,
    /// How they are drawn.
    pub options: Options,
}

/// `gradviz compare`.
#[derive(Debug)]
pub struct CompareRequest {
    /// A script or JSON graph.
    pub input: PathBuf,
    /// Where the figure or page goes.
    pub output: Output,
    /// How it is drawn.
    pub options: Options,
}

/// `gradviz check`.
#[derive(Debug)]
pub struct CheckRequest {
    /// A script or JSON graph.
    pub input: PathBuf,
    /// Where the marked figure goes, if wanted.
    pub output: Option<Output>,
    /// Relative tolerance; `None` takes the default for the input's kind.
    pub rtol: Option<f64>,
    /// Absolute tolerance; `None` takes the default for the input's kind.
    pub atol: Option<f64>,
    /// List every finite difference on a terminal too (a file or pipe always gets all).
    pub all: bool,
    /// How the figure is drawn.
    pub options: Options,
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Request {
    /// Draw inputs.
    Render(RenderRequest),
    /// Draw before and after backward.
    Compare(CompareRequest),
    /// Verify gradients.
    Check(CheckRequest),
    /// Print a completion script.
    Completions(clap_complete::Shell),
}

/// Runs a request. `Ok` carries the exit code of a run that completed (1 when a check
/// found mismatches); `Err` is a failure whose [`Error::exit_code`] applies.
pub fn run(request: Request) -> Result<ExitCode> {
    match request {
        Request::Render(r) => render_all(&r).map(|()| ExitCode::SUCCESS),
        Request::Compare(r) => compare_one(&r).map(|()| ExitCode::SUCCESS),
        Request::Check(r) => check_one(&r),
        Request::Completions(shell) => {
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "gradviz", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints an error as `error: …` on stderr, in red only on a terminal without `NO_COLOR`.
pub fn report(error: &Error) {
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let prefix = if color {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    let _ = writeln!(stderr.lock(), "{prefix}: {error}");
}

/// An input read into memory, with the name used in messages.
pub(crate) struct Source {
    pub path: PathBuf,
    pub name: String,
    pub text: String,
    pub format: InputFormat,
}

impl Source {
    /// The input as a script or notebook to run.
    pub(crate) fn script(&self) -> PythonInput<'_> {
        PythonInput {
            path: &self.path,
            name: &self.name,
            text: &self.text,
            notebook: self.format == InputFormat::Ipynb,
        }
    }
}

pub(crate) fn read_input(path: &Path, forced: Option<InputFormat>) -> Result<Source> {
    let is_stdin = path.as_os_str() == "-";
    let name = if is_stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let by_name = match forced {
        Some(format) => Some(format),
        None => match path.extension().and_then(|e| e.to_str()) {
            Some("py") => Some(InputFormat::Py),
            Some("json") => Some(InputFormat::Json),
            Some("ipynb") => Some(InputFormat::Ipynb),
            // stdin has no extension: its content says what it is.
            _ if is_stdin => None,
            _ => {
                return Err(Error::Usage(format!(
                    "{name}: cannot tell the input's kind from its extension; \
                     name it .py, .ipynb or .json, or pass --input-format"
                )))
            }
        },
    };
    let mut text = String::new();
    let read = if is_stdin {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| Error::Usage(format!("cannot read {name}: {e}")))?;
    let format = match by_name {
        Some(format) => format,
        None => sniffed_format(&text, &name)?,
    };
    Ok(Source {
        path: path.to_path_buf(),
        name,
        text,
        format,
    })
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
pub(crate) fn figures(source: &Source, options: &Options) -> Result<Vec<ExportGraph>> {
    let all = match source.format {
        InputFormat::Py | InputFormat::Ipynb => {
            script::run_script(source.script(), Purpose::Render, &options.script)?
                .figures(&source.name)?
        }
        InputFormat::Json => vec![interchange::read(&source.text, &source.name)?.graph],
    };
    match options.snapshot {
        None => Ok(all),
        Some(n) if (1..=all.len()).contains(&n) => {
            Ok(vec![all.into_iter().nth(n - 1).expect("n is in range")])
        }
        Some(n) => Err(Error::Usage(format!(
            "{}: --snapshot {n} asked for, but the input has {} figure(s)",
            source.name,
            all.len()
        ))),
    }
}

/// The format for an output: `--format`, else the output file's extension, else SVG.
pub(crate) fn output_format(output: &Output, forced: Option<Format>) -> Result<Format> {
    if let Some(format) = forced {
        return Ok(format);
    }
    match output {
        Output::File(path) => Format::from_extension(path).ok_or_else(|| {
            Error::Usage(format!(
                "{}: cannot tell the output format from the extension; use --format",
                path.display()
            ))
        }),
        _ => Ok(Format::Svg),
    }
}

/// Turns a figure into the bytes of `format`, through the view the options ask for
/// (micrograd's plain look by default), as `gradviz render` draws it. DOT source skips the
/// node guard: no engine runs.
pub fn draw(graph: &ExportGraph, format: Format, options: &Options) -> Result<Vec<u8>> {
    if format == Format::Json {
        return Ok(interchange::write(graph, &interchange::sinks(graph)).into_bytes());
    }
    let view = &options.view;
    let plain = crate::overlay::is_plain(options);
    let limit = node_limit(options);
    let unguarded = format == Format::Dot || !guarded(format, options);
    if plain && (unguarded || graph.node_count() <= limit) {
        // micrograd's look needs no view: skip placing every value in its groups.
        return draw_decorated(graph, &Decorations::default(), format, options);
    }
    let mut view_options = view.clone();
    if unguarded {
        view_options.max_nodes = Some(usize::MAX);
    }
    let view = views::prepare(graph, &view_options)?;
    if format.needs_engine() && layered_engine(view.graph.node_count(), format, options) {
        let dot_options = view.dot_options(&options.dot);
        return draw_layered(
            &view.graph,
            &dot_options,
            &view.decorations,
            format,
            options,
        );
    }
    let dot = view.to_dot(&options.dot);
    match format {
        Format::Dot => Ok(dot.into_bytes()),
        _ => render_bytes(&dot, format, options),
    }
}

/// The figure of `before` and `after` backward in `format`, as `gradviz compare` draws it:
/// values matched by id, the grads that changed highlighted.
pub fn draw_comparison(
    before: ExportGraph,
    after: ExportGraph,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    compare::comparison(compare::States { before, after }, format, options)
}

/// Turns a figure into the bytes of `format` with `decorations` (JSON carries none), under
/// the node guard and with the fast layout settings on large figures.
pub(crate) fn draw_decorated(
    graph: &ExportGraph,
    decorations: &Decorations,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    let mut dot_options = options.dot.clone();
    dot_options
        .graph_attributes
        .extend(views::layout_for(graph.node_count()));
    match format {
        Format::Json => Ok(interchange::write(graph, &interchange::sinks(graph)).into_bytes()),
        Format::Dot => Ok(render::to_dot(graph, &dot_options, decorations).into_bytes()),
        _ if layered_engine(graph.node_count(), format, options) => {
            draw_layered(graph, &options.dot, decorations, format, options)
        }
        _ => {
            guard(graph, options)?;
            render_bytes(
                &render::to_dot(graph, &dot_options, decorations),
                format,
                options,
            )
        }
    }
}

/// True when the node guard may refuse: `dot` or the builtin engine was asked for by name,
/// or PDF (which only `dot` draws). Otherwise a figure over the guard goes to the layered
/// engine.
fn guarded(format: Format, options: &Options) -> bool {
    match options.engine.engine {
        EngineChoice::Dot | EngineChoice::Builtin => true,
        EngineChoice::Layered => false,
        _ => format == Format::Pdf,
    }
}

/// True when the layered engine draws a figure of `values` values: asked for by name, or
/// `auto` above [`render::LAYERED_ABOVE`] or above the node guard (not for PDF).
fn layered_engine(values: usize, format: Format, options: &Options) -> bool {
    match options.engine.engine {
        EngineChoice::Layered => true,
        EngineChoice::Dot | EngineChoice::Builtin => false,
        _ => format != Format::Pdf && values > layered_above(options),
    }
}

/// Draws with the layered engine, saying once per run why `auto` chose it.
fn draw_layered(
    graph: &ExportGraph,
    dot: &DotOptions,
    decorations: &Decorations,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>> {
    static NOTED: AtomicBool = AtomicBool::new(false);
    if options.engine.engine != EngineChoice::Layered && !NOTED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "note: {} values, above the {} that `dot` lays out in about 2 s{}: drawn with the \
             layered engine (--engine dot to use dot anyway)",
            graph.node_count(),
            layered_above(options),
            if graph.node_count() > node_limit(options) {
                " and the node guard (--max-nodes)"
            } else {
                ""
            }
        );
    }
    progress::with_spinner("rendering", || {
        render::render_layered(graph, dot, decorations, format)
    })
}

/// The node guard: `--max-nodes`, else the default.
fn node_limit(options: &Options) -> usize {
    options.view.max_nodes.unwrap_or(views::defaults::MAX_NODES)
}

/// Above this many values `auto` draws with the layered engine: past `dot`'s 2 s, or past
/// the node guard.
fn layered_above(options: &Options) -> usize {
    render::LAYERED_ABOVE.min(node_limit(options))
}

/// Refuses a figure larger than `--max-nodes` before `dot` runs for minutes on it.
fn guard(graph: &ExportGraph, options: &Options) -> Result<()> {
    let limit = node_limit(options);
    if graph.node_count() <= limit {
        return Ok(());
    }
    Err(Error::TooLarge(format!(
        "this figure has {} values, more than the {limit} a layout finishes in seconds; \
         draw it with --engine layered, write the DOT source with --format dot, or raise the \
         limit with --max-nodes N",
        graph.node_count()
    )))
}

/// Runs DOT through the chosen engine, printing the engine's one-line note if any.
pub(crate) fn render_bytes(dot: &str, format: Format, options: &Options) -> Result<Vec<u8>> {
    let rendered = progress::with_spinner("rendering", || {
        render::render_dot(dot, format, &options.engine)
    })?;
    // Said once per run: several snapshots fall back the same way.
    static NOTED: AtomicBool = AtomicBool::new(false);
    if let Some(note) = rendered.note {
        if !NOTED.swap(true, Ordering::Relaxed) {
            eprintln!("note: {note}");
        }
    }
    Ok(rendered.bytes)
}

fn render_all(request: &RenderRequest) -> Result<()> {
    if request.inputs.len() > 1 && matches!(request.output, Output::File(_) | Output::Stdout) {
        return Err(Error::Usage(
            "several inputs need --out-dir (or no -o, to write beside each input)".into(),
        ));
    }
    let mut files = Vec::new();
    for input in &request.inputs {
        let source = read_input(input, request.options.input_format)?;
        let format = output_format(&request.output, request.options.format)?;
        if format == Format::Html {
            let target = targets(&source, &request.output, format, 1, "")?.remove(0);
            files.push((target, page::render_page(&source, &request.options)?));
            continue;
        }
        let figures = figures(&source, &request.options)?;
        let targets = targets(&source, &request.output, format, figures.len(), "")?;
        for (figure, target) in figures.iter().zip(targets) {
            files.push((target, draw(figure, format, &request.options)?));
        }
    }
    files
        .iter()
        .try_for_each(|(target, bytes)| write(target, bytes))
}

fn compare_one(request: &CompareRequest) -> Result<()> {
    let source = read_input(&request.input, request.options.input_format)?;
    let target = match &request.output {
        // The page holds SVG figures; compare::compare writes the page for an .html path.
        Output::File(path)
            if request.options.format.is_none()
                && path.extension().is_some_and(|e| e == "html") =>
        {
            refuse_input_as_output(&source, path)?;
            Target::File(path.clone(), Format::Svg)
        }
        output => single_target(&source, output, "-compare", request.options.format)?,
    };
    let bytes = compare::compare(&source, &target, &request.options)?;
    write(&target, &bytes)
}

fn check_one(request: &CheckRequest) -> Result<ExitCode> {
    let source = read_input(&request.input, request.options.input_format)?;
    let target = match &request.output {
        Some(output) => Some(single_target(
            &source,
            output,
            "-check",
            request.options.format,
        )?),
        None => None,
    };
    let every_row = request.all || !std::io::stdout().is_terminal();
    let outcome = gradcheck::check(
        &source,
        (request.rtol, request.atol),
        every_row,
        target.as_ref(),
        &request.options,
    )?;
    write_stdout(outcome.table.as_bytes())?;
    if let (Some(target), Some(bytes)) = (&target, &outcome.figure) {
        write(target, bytes)?;
    }
    Ok(if outcome.clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Where an output goes, and in which format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Stdout(Format),
    File(PathBuf, Format),
}

impl Target {
    pub(crate) fn format(&self) -> Format {
        match self {
            Target::Stdout(f) | Target::File(_, f) => *f,
        }
    }
}

/// The one output of `compare` or `check`.
fn single_target(
    source: &Source,
    output: &Output,
    suffix: &str,
    forced: Option<Format>,
) -> Result<Target> {
    let format = output_format(output, forced)?;
    Ok(targets(source, output, format, 1, suffix)?.remove(0))
}

/// Output targets for `count` figures of `source`: OUT, or OUT-1 … OUT-k for several.
fn targets(
    source: &Source,
    output: &Output,
    format: Format,
    count: usize,
    suffix: &str,
) -> Result<Vec<Target>> {
    let base = match output {
        Output::Stdout => {
            return match count {
                1 => Ok(vec![Target::Stdout(format)]),
                _ => Err(Error::Usage(format!(
                    "{}: {count} figures cannot all go to stdout; pick one with --snapshot N",
                    source.name
                ))),
            }
        }
        Output::File(path) => path.clone(),
        Output::BesideInput | Output::Dir(_) if source.path.as_os_str() == "-" => {
            return targets(source, &Output::Stdout, format, count, suffix)
        }
        Output::BesideInput => named_after(&source.path, suffix, format),
        Output::Dir(dir) => dir.join(
            named_after(&source.path, suffix, format)
                .file_name()
                .expect("has a name"),
        ),
    };
    let paths: Vec<PathBuf> = match count {
        1 => vec![base],
        _ => (1..=count).map(|i| numbered(&base, i)).collect(),
    };
    for path in &paths {
        refuse_input_as_output(source, path)?;
    }
    Ok(paths.into_iter().map(|p| Target::File(p, format)).collect())
}

fn named_after(input: &Path, suffix: &str, format: Format) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    input.with_file_name(format!("{stem}{suffix}.{}", format.extension()))
}

fn numbered(path: &Path, i: usize) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{i}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{i}"),
    };
    path.with_file_name(name)
}

fn refuse_input_as_output(source: &Source, output: &Path) -> Result<()> {
    let same = match (
        std::fs::canonicalize(&source.path),
        std::fs::canonicalize(output),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => source.path == output,
    };
    if same {
        return Err(Error::Usage(format!(
            "{}: the output would overwrite the input; choose another -o",
            output.display()
        )));
    }
    Ok(())
}

pub(crate) fn write(target: &Target, bytes: &[u8]) -> Result<()> {
    match target {
        Target::Stdout(_) => write_stdout(bytes),
        Target::File(path, _) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            output::write_atomic(path, bytes)
        }
    }
}

/// Writes to stdout. A reader that closed the pipe (`gradviz … -o - | head`) has all it
/// wants: that ends the output quietly, as it does for `cat` and ripgrep.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}
