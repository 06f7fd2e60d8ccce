//! Figure → bytes: [`draw`] turns an exported graph (or a prepared [`Figure`]) into SVG, PNG,
//! PDF, DOT or JSON, deciding once which engine draws and whether the node guard refuses.
//!
//! The engines: Graphviz's `dot` binary, run by our own runner (DOT streamed to its stdin, a
//! timeout that kills it), the embedded graphviz-pure ([`render_dot`]), and gradviz's own
//! layered layout ([`render_layered`]), which `auto` picks for a figure whose layout costs
//! more than [`LAYERED_ABOVE_COST`] (nodes plus the edges' length in ranks), above the
//! node guard, or at any size when no `dot` is found.
//! Nothing here prints: a note worth telling the user (the engine `auto` fell back to, why
//! the layered engine drew) comes back in [`Drawn`].

mod engine;
mod layered;
mod metrics;

pub use engine::{render_dot, EngineOptions, Rendered};
pub use layered::{
    layered_input, layered_svg, render_layered, write_layered_svg, LAYERED_ABOVE_COST,
};
pub use metrics::text_width;

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Guard, Message, Oversize, Setting};
use crate::figure::compare;
use crate::figure::overlay::{self, Naming};
use crate::figure::views::{self, Detail, ViewOptions};
use crate::figure::{layout_cost, thousands, Decorations, DotOptions, Figure, LayoutCost, Rankdir};
use crate::graph::ExportGraph;
use crate::input::json;
use crate::input::{Drawable, Drawing, States};
use crate::{Error, Result};

/// Settings of the engines, shared by the library and the command line.
pub mod defaults {
    /// Seconds an engine may run before it is stopped.
    pub const TIMEOUT_SECS: u64 = 60;
    /// The environment variable naming the `dot` binary to run.
    pub const DOT_ENV: &str = "GRADVIZ_DOT";
}

/// Everything that shapes a drawing, with the defaults the command line also uses.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// How the figure is written: direction, digits, font.
    pub dot: DotOptions,
    /// Groups, folding, colour and the node guard.
    pub view: ViewOptions,
    /// Which engine draws, and how long it may take.
    pub engine: EngineOptions,
}

impl Options {
    /// The node guard: `max_nodes`, else the default.
    fn node_limit(&self) -> usize {
        self.view.max_nodes.unwrap_or(views::defaults::MAX_NODES)
    }

    /// True when the node guard may refuse a figure in `format`: `dot` or the builtin engine
    /// was asked for by name, or PDF (which only `dot` draws). Otherwise a figure over the
    /// guard goes to the layered engine. DOT and JSON are never guarded: no engine runs.
    fn guarded(&self, format: Format) -> bool {
        format.needs_engine()
            && match self.engine.engine {
                EngineChoice::Dot | EngineChoice::Builtin => true,
                EngineChoice::Layered => false,
                EngineChoice::Auto => format == Format::Pdf,
            }
    }

    /// Whether the layered engine draws `graph` in `format`: asked for by name, or chosen
    /// by `auto` (not for PDF) for a figure past the node guard, one whose layout costs
    /// `dot` more than [`LAYERED_ABOVE_COST`], or any figure when no `dot` is found, with a
    /// note saying which. The layered engine is held to `dot`'s crossings, area, aspect and
    /// edge length (tests/suite/layout_quality.rs), so it, not the builtin graphviz-pure,
    /// stands in for a missing `dot`.
    fn layered(&self, graph: &ExportGraph, format: Format) -> Layered {
        let auto = match self.engine.engine {
            EngineChoice::Layered => return Layered::Asked,
            EngineChoice::Dot | EngineChoice::Builtin => false,
            EngineChoice::Auto => format != Format::Pdf,
        };
        if !auto || !format.needs_engine() {
            return Layered::No;
        }
        let values = graph.node_count();
        let limit = self.node_limit();
        if values > limit {
            return Layered::Chosen(
                Message::new(format!(
                    "{} values, above the node guard of {}",
                    thousands(values),
                    thousands(limit)
                ))
                .aside(Setting::MaxNodes)
                .text(": drawn with the layered engine")
                .hint(Setting::DotEngine, None, "draws with dot anyway"),
            );
        }
        let cost = layout_cost(graph, LAYERED_ABOVE_COST);
        if cost.total() > LAYERED_ABOVE_COST {
            return Layered::Chosen(costly_note(values, &cost));
        }
        if !engine::dot_found(&self.engine) {
            return Layered::InsteadOfDot;
        }
        Layered::No
    }

    /// These options, in the direction `rankdir` asks for when it asks (a script's
    /// `draw_dot(root, rankdir=…)`, see [`crate::input::Drawing`]).
    pub fn directed(&self, rankdir: Option<Rankdir>) -> Cow<'_, Options> {
        match rankdir {
            Some(rankdir) if rankdir != self.dot.rankdir => {
                let mut options = self.clone();
                options.dot.rankdir = rankdir;
                Cow::Owned(options)
            }
            _ => Cow::Borrowed(self),
        }
    }

    /// The view options for `format`: without the node guard where it cannot refuse, and
    /// every value in a DOT source unless an overview is asked for by depth: the overview
    /// is about what a screen can show, and DOT is the graph for other tools (and the fast
    /// path a script's whole graph takes).
    pub(crate) fn view_for(&self, format: Format) -> ViewOptions {
        let mut view = self.view.clone();
        if !self.guarded(format) {
            view.max_nodes = Some(usize::MAX);
        }
        if !format.needs_engine() && view.detail == Detail::Auto {
            view = view.with_detail(Detail::Full);
        }
        view
    }
}

/// A drawing, and what the user should be told about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// One-line notes for the user, each said at most once per run per [`NoteKind`] (a page
    /// of several figures may have one of each kind).
    pub notes: Vec<Note>,
}

impl Drawn {
    /// What `write` writes, kept in memory, with the notes it returns.
    fn written(write: impl FnOnce(&mut dyn Write) -> Result<Vec<Note>>) -> Result<Drawn> {
        let mut bytes = Vec::new();
        let notes = write(&mut bytes)?;
        Ok(Drawn { bytes, notes })
    }
}

/// A note about how a figure was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Which note: a run says each kind once, however many figures it draws.
    pub kind: NoteKind,
    /// What to say, worded by each front end in its own terms.
    pub message: Message,
}

/// The kinds of [`Note`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// `auto` found no `dot` and drew with the layered engine (DOT source: the builtin
    /// engine).
    Fallback,
    /// `auto` drew a large figure with the layered engine.
    Layered,
    /// The view asked for (`--group`, `--fold`) changed nothing, and why.
    View,
    /// A page's graph whose data changed after its forward pass: its stored grads are not
    /// compared with the replay's.
    DataChanged,
}

/// `graph` in `format`, through the view the options ask for (micrograd's plain look by
/// default), as `gradviz render` draws it.
pub fn draw(graph: &ExportGraph, format: Format, options: &Options) -> Result<Drawn> {
    Drawn::written(|out| draw_to(graph, format, options, out))
}

/// [`draw`] into `out`: DOT streams in as it is written, never held whole (a million-value
/// figure is hundreds of megabytes of text). A failed write is an [`Error::Write`].
pub fn draw_to(
    graph: &ExportGraph,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Vec<Note>> {
    if format == Format::Json {
        json::write_to(graph, &crate::graph::sinks(graph), out).map_err(write_failed)?;
        return Ok(Vec::new());
    }
    let view = views::prepare(graph, &options.view_for(format))?;
    figure_to(&view.into_figure(&options.dot), format, options, out)
}

/// [`draw_drawing_to`] of what an input yields; JSON of a script's final graph is written
/// straight from its tape.
pub fn draw_drawable_to(
    drawable: Drawable,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Vec<Note>> {
    match (format, drawable) {
        (Format::Json, Drawable::Tape { graph, root }) => {
            json::write_tape_to(&graph, root, out).map_err(write_failed)?;
            Ok(Vec::new())
        }
        (_, drawable) => draw_drawing_to(&drawable.into_drawing(), format, options, out),
    }
}

/// A script's or notebook's drawing into `out`, as `gradviz render` draws it: in the
/// direction its `draw_dot` asked for, and, in micrograd's plain look, labelled as the
/// script's own `draw_dot` would label it (without the auto-labels it would not show). A
/// view keeps them, being gradviz's own figure grouped by those names, and so does JSON.
pub fn draw_drawing_to(
    drawing: &Drawing,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Vec<Note>> {
    let options = options.directed(drawing.rankdir);
    let graph = if own_look(format, &options) {
        drawing.as_drawn()
    } else {
        Cow::Borrowed(&drawing.graph)
    };
    draw_to(&graph, format, &options, out)
}

/// True when a figure in `format` is micrograd's plain look, which a script's own
/// `draw_dot` drew too: labels as the script's figure had them.
fn own_look(format: Format, options: &Options) -> bool {
    format != Format::Json && options.view.is_plain()
}

/// `graph` with `marks` laid over the view the options ask for (their fills win over the
/// colour scale's), unlabelled values named as `naming` says.
pub fn draw_marked(
    graph: &ExportGraph,
    marks: &Decorations,
    naming: Naming,
    format: Format,
    options: &Options,
) -> Result<Drawn> {
    if format == Format::Json {
        return Ok(json_of(graph));
    }
    let figure = overlay::marked(
        graph,
        marks,
        naming,
        &options.dot,
        &options.view_for(format),
    )?;
    draw_figure(&figure, format, options)
}

/// The figure of `states` in `format`, as `gradviz compare` draws it: values matched by
/// id, the grads that backward changed highlighted, in the direction the states asked for.
pub fn draw_comparison(states: &States, format: Format, options: &Options) -> Result<Drawn> {
    if format == Format::Json {
        // JSON carries no view: the two states as one graph, "after" ids shifted.
        return Ok(json_of(&compare::combined(states)));
    }
    let options = options.directed(states.rankdir);
    let states = if own_look(format, &options) {
        states.as_drawn()
    } else {
        Cow::Borrowed(states)
    };
    let figure = compare::figure(&states, &options.dot, &options.view_for(format))?;
    draw_figure(&figure, format, &options)
}

/// A prepared figure in `format` (DOT, or an engine's drawing), under the node guard.
pub fn draw_figure(figure: &Figure<'_>, format: Format, options: &Options) -> Result<Drawn> {
    Drawn::written(|out| figure_to(figure, format, options, out))
}

/// [`draw_figure`] into `out`: DOT and the layered engine's SVG streamed as they are
/// written (a 100k-value figure's SVG is hundreds of megabytes), other drawings whole.
fn figure_to(
    figure: &Figure<'_>,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Vec<Note>> {
    let (bytes, notes) = match format {
        Format::Dot => {
            figure.write_dot(&mut *out).map_err(write_failed)?;
            return Ok(view_note(figure).into_iter().collect());
        }
        Format::Json => (json_of(&figure.graph).bytes, Vec::new()),
        Format::Html => {
            return Err(Error::Usage(
                "an HTML page is made by gradviz::page, not drawn by an engine".into(),
            ))
        }
        _ => match options.layered(&figure.graph, format) {
            Layered::No => graphviz(figure, format, options)?,
            layered if format == Format::Svg => {
                write_layered_svg(&figure.scene(), &mut *out).map_err(write_failed)?;
                let notes = view_note(figure).into_iter().chain(layered.note());
                return Ok(notes.collect());
            }
            layered => (
                render_layered(&figure.scene(), format)?,
                layered.note().into_iter().collect(),
            ),
        },
    };
    write_all(out, &bytes)?;
    Ok(view_note(figure).into_iter().chain(notes).collect())
}

/// The figure's note on its view, as a note of the run.
fn view_note(figure: &Figure<'_>) -> Option<Note> {
    figure.note.clone().map(|message| Note {
        kind: NoteKind::View,
        message,
    })
}

/// `figure` drawn by `dot` or the builtin engine, under the node guard, with the note of
/// `auto`'s fallback when it found no `dot`.
fn graphviz(
    figure: &Figure<'_>,
    format: Format,
    options: &Options,
) -> Result<(Vec<u8>, Vec<Note>)> {
    guard(figure.graph.node_count(), options)?;
    let text = Arc::new(figure.to_dot());
    let rendered = engine::render_dot_text(text, format, &options.engine)?;
    let fallback = rendered.note.map(|text| Note {
        kind: NoteKind::Fallback,
        message: Message::new(text),
    });
    Ok((rendered.bytes, fallback.into_iter().collect()))
}

fn write_all(out: &mut dyn Write, bytes: &[u8]) -> Result<()> {
    out.write_all(bytes).map_err(write_failed)
}

fn write_failed(error: std::io::Error) -> Error {
    Error::Write(error)
}

fn json_of(graph: &ExportGraph) -> Drawn {
    Drawn {
        bytes: json::write(graph, &crate::graph::sinks(graph)).into_bytes(),
        notes: Vec::new(),
    }
}

/// Whether the layered engine draws a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layered {
    /// `dot` or the builtin engine draws it.
    No,
    /// `--engine layered`.
    Asked,
    /// `auto` chose it, for the reason the note gives.
    Chosen(Message),
    /// `auto` found no `dot`.
    InsteadOfDot,
}

impl Layered {
    /// What to tell the user: why `auto` chose the layered engine.
    fn note(self) -> Option<Note> {
        match self {
            Layered::Chosen(message) => Some(Note {
                kind: NoteKind::Layered,
                message,
            }),
            Layered::InsteadOfDot => Some(Note {
                kind: NoteKind::Fallback,
                message: Message::new(
                    "Graphviz `dot` not found on PATH; drawn with the layered engine \
                     (gradviz's own layout)",
                )
                .hint(Setting::BuiltinEngine, None, "draws with graphviz-pure"),
            }),
            Layered::No | Layered::Asked => None,
        }
    }
}

/// Why a figure of `values` values costs `dot` too much: its size, and how far its edges
/// reach when that is what makes it costly.
fn costly_note(values: usize, cost: &LayoutCost) -> Message {
    let reach = match cost.extent {
        Some(extent) if extent.dummies > cost.nodes => format!(
            ", whose edges reach across {} ranks ({} nodes on long edges)",
            thousands(extent.ranks),
            thousands(extent.dummies)
        ),
        _ => String::new(),
    };
    let at_least = if cost.extent.is_none() {
        "at least "
    } else {
        ""
    };
    Message::new(format!(
        "{} values{reach}: a layout of {at_least}{} nodes, past the {} that `dot` lays out \
         in about 2 s: drawn with the layered engine",
        thousands(values),
        thousands(cost.total()),
        thousands(LAYERED_ABOVE_COST)
    ))
    .hint(Setting::DotEngine, None, "draws with dot anyway")
}

/// Refuses a figure larger than the node guard before `dot` runs for minutes on it.
fn guard(values: usize, options: &Options) -> Result<()> {
    let limit = options.node_limit();
    if values <= limit {
        return Ok(());
    }
    Err(Error::TooLarge(Oversize {
        values,
        limit,
        guard: Guard::Engine,
    }))
}

/// Which program draws the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// The `dot` binary when it can be found, else the layered engine (with a note; DOT
    /// source handed to [`render_dot`]: the builtin engine).
    #[default]
    Auto,
    /// Graphviz's `dot` binary.
    Dot,
    /// The embedded pure-Rust graphviz-pure: SVG and PNG, the same bytes on every machine.
    Builtin,
    /// gradviz's own layered layout and SVG writer (PNG through resvg; no PDF): seconds for
    /// figures `dot` spends minutes on. `auto` picks it above a layout cost of
    /// [`LAYERED_ABOVE_COST`], and at any size when no `dot` is found.
    Layered,
}

impl EngineChoice {
    /// Every choice by the name the front ends give it (`--engine dot`, `engine="dot"`).
    pub const NAMED: [(&'static str, EngineChoice); 4] = [
        ("auto", EngineChoice::Auto),
        ("dot", EngineChoice::Dot),
        ("builtin", EngineChoice::Builtin),
        ("layered", EngineChoice::Layered),
    ];

    /// The choice `name` names, one of [`EngineChoice::NAMED`].
    pub fn parse(name: &str) -> Option<EngineChoice> {
        Self::NAMED
            .into_iter()
            .find_map(|(named, choice)| (named == name).then_some(choice))
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics, through an engine.
    Svg,
    /// A raster image, through an engine.
    Png,
    /// PDF, through the `dot` binary only.
    Pdf,
    /// The DOT source itself.
    Dot,
    /// The graph as JSON, the format of docs/json.md.
    Json,
    /// The interactive page (`crate::page`): the SVG figure with backward replayed.
    Html,
}

impl Format {
    /// The format a file name's extension asks for (case-insensitive; `.gv` is DOT).
    pub fn from_extension(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            "pdf" => Some(Format::Pdf),
            "dot" | "gv" => Some(Format::Dot),
            "json" => Some(Format::Json),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }

    /// The file extension, without the dot; also the `-T` name Graphviz knows it by.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Pdf => "pdf",
            Format::Dot => "dot",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// True for the formats an engine draws (SVG, PNG, PDF).
    pub fn needs_engine(self) -> bool {
        matches!(self, Format::Svg | Format::Png | Format::Pdf)
    }
}
