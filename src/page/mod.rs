//! The interactive page (`gradviz render X -o page.html`): one self-contained HTML file with
//! every snapshot's figure, pan and zoom, search, selection with gradient paths, and backward
//! replayed step by step.
//!
//! Rust computes everything the page shows: the figure through the ordinary render path
//! (either engine), the replay ([`crate::page::replay`]) with each step's grads already written as
//! text, the full-precision numbers (the shortest text that reads back to the same `f64`).
//! The script (`templates/page.js`, hand-written, inline) only swaps texts and classes, so
//! no number in the page can differ from the engine's by an ulp.
//!
//! The figure is the view `render` would draw (`--group`, `--fold`, `--color`, and the
//! overview of a graph past [`crate::figure::views::defaults::OVERVIEW_ABOVE`] values);
//! search, selection and the replay still run over every value, and [`folds`] says how they
//! meet values folded into a summary node. Each node that stands for many values carries the
//! drawing it opens to ([`parts`]), laid out here; the script places an opened drawing in
//! its node's stead, draws the edges from outside to the nodes inside it, steps backward
//! through an opened group one run of local backwards at a time (with the chain rule of
//! each value drawn in a part), and keeps which parts are open in the fragment (`open=`).
//!
//! Each value's record is laid out once with its grad field as wide as the widest grad the
//! replay shows it with, so nothing moves while stepping. The figures rely on the SVG
//! contract stated in [`svg`].

pub mod animate;
mod folds;
mod parts;
pub mod replay;
pub mod svg;

pub use parts::{MOST_PIECES, SCREEN};

use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;
use serde::Serialize;

use crate::check::{stale_data, Field, FiniteDifferences, Misuse, Report, Tolerance};
use crate::engine::python_float_repr;
use crate::error::{thousands, Message};
use crate::figure::compare::{self, Change};
use crate::figure::{format_number, marks, Decorations, ElementId, NodeDecoration};
use crate::figure::{overlay, views};
use crate::graph::{self, ExportGraph, Rankdir};
use crate::input::json::{self, Document};
use crate::input::States;
use crate::input::{self, InputFormat, Source};
use crate::render::{self, Drawn, Format, Options};
use crate::{Error, Result};
use folds::Folds;
use replay::{replay, Replay, StepKind};

const PAGE: &str = include_str!("../../templates/page.html");
const SCRIPT: &str = include_str!("../../templates/page.js");
const STYLE: &str = include_str!("../../templates/page.css");

/// One figure of the page: a graph and the roots its backward runs from.
pub struct Snapshot {
    /// What the selector calls it.
    pub title: String,
    /// The graph as drawn.
    pub graph: ExportGraph,
    /// The roots backward is replayed from, in order.
    pub roots: Vec<NodeIndex>,
    /// The direction its ranks run in, over the options' (a script's `rankdir=`).
    pub rankdir: Option<Rankdir>,
    /// The figure's marks; `None` marks the values whose stored grad differs from the
    /// replay's result (see [`Replay::mismatches`]).
    pub decorations: Option<Decorations>,
}

/// A table in the page's side panel whose rows link to values (compare's changed grads,
/// check's wrong numbers).
#[derive(Serialize)]
pub struct Table {
    /// The `<table>` element's id.
    pub id: String,
    /// The heading above it.
    pub title: String,
    /// Column names; the first column is the value's id, as a link.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<TableRow>,
}

/// One row of a [`Table`].
#[derive(Serialize)]
pub struct TableRow {
    /// The value's id (its `#node=` link).
    pub node: u64,
    /// The cells after the id.
    pub cells: Vec<Cell>,
}

/// One cell of a [`TableRow`].
#[derive(Serialize)]
pub struct Cell {
    /// What it reads.
    pub text: String,
    /// A CSS class, `""` for none.
    pub class: &'static str,
}

impl Cell {
    /// A cell with no class.
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "",
        }
    }
}

/// The page for `source`: one figure per snapshot of a script (or the JSON graph, from its
/// roots).
pub fn script_page(source: &Source, input: &input::Options, options: &Options) -> Result<Drawn> {
    let snapshots = snapshots(source, input)?;
    page(&source.name, &snapshots, &[], options)
}

fn snapshots(source: &Source, options: &input::Options) -> Result<Vec<Snapshot>> {
    if source.format == InputFormat::Json && options.snapshot.is_none_or(|n| n == 1) {
        let document = json::read(&source.text, &source.name)?;
        return Ok(vec![Snapshot {
            title: "graph".into(),
            graph: document.graph,
            roots: document.roots,
            rankdir: None,
            decorations: None,
        }]);
    }
    let graphs = input::figures(source, options)?;
    let count = graphs.len();
    Ok(graphs
        .into_iter()
        .enumerate()
        .map(|(i, drawing)| Snapshot {
            title: match (count, options.snapshot) {
                (_, Some(n)) => format!("snapshot {n}"),
                (1, None) => "graph".into(),
                (_, None) => format!("snapshot {} of {count}", i + 1),
            },
            roots: graph::sinks(&drawing.graph),
            rankdir: drawing.rankdir,
            graph: drawing.graph,
            decorations: None,
        })
        .collect())
}

/// The page holding `snapshots` and `tables`, titled `title`.
pub fn page(
    title: &str,
    snapshots: &[Snapshot],
    tables: &[Table],
    options: &Options,
) -> Result<Drawn> {
    let mut figures = Vec::with_capacity(snapshots.len());
    let mut data = Vec::with_capacity(snapshots.len());
    let mut notes: Vec<render::Note> = Vec::new();
    for (k, snapshot) in snapshots.iter().enumerate() {
        let prefix = format!("s{k}");
        let prepared = prepare(snapshot, &prefix, options)?;
        for note in prepared.notes {
            if !notes.iter().any(|said| said.kind == note.kind) {
                notes.push(note);
            }
        }
        figures.push(PageFigure {
            prefix,
            svg: prepared.svg,
        });
        data.push(prepared.data);
    }
    let data = PageData {
        names: NAMES,
        snapshots: &data,
    };
    let data = serde_json::to_string(&data)
        .map_err(|e| Error::Render(format!("the page's data could not be written: {e}")))?
        // Inside <script>, `</script>` or `<!--` in a label must not end or alter it; with
        // `&` and `>` escaped too, the page also reads as XML (tests parse it).
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let mut env = minijinja::Environment::new();
    env.add_template("page.html", PAGE)
        .map_err(|e| Error::Render(format!("the page template is broken: {e}")))?;
    let html = env
        .get_template("page.html")
        .and_then(|t| {
            t.render(minijinja::context! {
                title => title,
                figures => figures,
                snapshots => snapshots.iter().map(|s| s.title.clone()).collect::<Vec<_>>(),
                tables => tables,
                style => STYLE,
                script => SCRIPT,
                data => data,
            })
        })
        .map_err(|e| Error::Render(format!("the page could not be written: {e}")))?;
    Ok(Drawn {
        bytes: html.into_bytes(),
        notes,
    })
}

/// The page: the viewer of `render -o page.html` with the two states as its snapshots (the
/// toggle between them), each with its changed grads marked, and the table of changes.
pub fn compare_page(title: &str, states: States, options: &Options) -> Result<Drawn> {
    let changed = compare::changed(&states.before, &states.after);
    let table = Table {
        id: "changed".into(),
        title: format!(
            "Grads that changed ({} of {} values)",
            changed.len(),
            states.after.node_count()
        ),
        header: ["id", "label", "data", "grad before", "grad after"]
            .map(String::from)
            .to_vec(),
        rows: change_rows(&states.after, &changed, options.dot.precision),
    };
    let mut before_marks = Decorations::default();
    let mut after_marks = Decorations::default();
    // Both states outlined alike: a thicker outline changes a record's size in the builtin
    // engine, and the toggle must not move anything.
    for change in &changed {
        let id = states.after[change.index].id;
        before_marks.nodes.insert(id, compare::outline());
        let filled = NodeDecoration {
            fill: Some(compare::CHANGED_FILL.into()),
            ..compare::outline()
        };
        after_marks.nodes.insert(id, filled);
    }
    let snapshot = |title: &str, graph: ExportGraph, marks: Decorations| Snapshot {
        title: title.into(),
        roots: graph::sinks(&graph),
        graph,
        rankdir: states.rankdir,
        decorations: Some(marks),
    };
    let snapshots = [
        snapshot("before backward", states.before, before_marks),
        snapshot("after backward", states.after, after_marks),
    ];
    page(title, &snapshots, &[table], options)
}

fn change_rows(after: &ExportGraph, changed: &[Change], precision: usize) -> Vec<TableRow> {
    changed
        .iter()
        .map(|change| {
            let node = &after[change.index];
            let before = change.before.unwrap_or(0.0);
            TableRow {
                node: node.id,
                cells: vec![
                    Cell::plain(node.label.clone()),
                    Cell::plain(format_number(node.data, precision)),
                    Cell::plain(format_number(before, precision)),
                    Cell {
                        text: format_number(node.grad, precision),
                        class: if node.grad > before { "up" } else { "down" },
                    },
                ],
            }
        })
        .collect()
}

/// `check`'s page for a recomputed graph, titled `title`: the graph with `marks` in the
/// viewer (backward replayed from its roots, whose panel already lists the stored grads
/// backward would not give), and a table of what only the check knows: where backward goes
/// wrong, and wrong data.
pub fn recompute_page(
    title: &str,
    document: Document,
    report: &Report,
    marks: Decorations,
    options: &Options,
) -> Result<Drawn> {
    let causes = report.causes.iter().map(|c| TableRow {
        node: c.id,
        cells: vec![
            Cell::plain(c.label.clone()),
            Cell::plain(format!("local backward of '{}'", c.op)),
            Cell::plain(format!("wrong grad to {}", c.operands.join(", "))),
        ],
    });
    let data = report
        .mismatches
        .iter()
        .filter(|m| m.field == Field::Data)
        .map(|m| TableRow {
            node: m.id,
            cells: vec![
                Cell::plain(m.label.clone()),
                Cell::plain(format!("data {}", python_float_repr(m.stored))),
                Cell::plain(format!("expected {}", python_float_repr(m.expected))),
            ],
        });
    let misuse = misuse_rows(report, &document);
    let table = Table {
        id: "wrong".into(),
        title: "Where the check finds the cause".into(),
        header: ["id", "label", "what", "so"].map(String::from).to_vec(),
        rows: misuse.into_iter().chain(causes).chain(data).collect(),
    };
    check_page(
        title,
        (document.graph, document.roots),
        marks,
        vec![table, explanation_table(report)],
        options,
    )
}

/// The misuse of backward the check names, if any, as a row per root.
fn misuse_rows(report: &Report, document: &Document) -> Vec<TableRow> {
    let Some(misuse) = report.misuse else {
        return Vec::new();
    };
    let so = match misuse {
        Misuse::NoBackward => "every grad is 0",
        Misuse::Repeated(_) => "each call added to the grads the last left",
    };
    let graph = &document.graph;
    document
        .roots
        .iter()
        .map(|&root| TableRow {
            node: graph[root].id,
            cells: vec![
                Cell::plain(graph[root].label.to_string()),
                Cell::plain(misuse.summary()),
                Cell::plain(so.to_string()),
            ],
        })
        .collect()
}

/// The check's explanations of wrong grads: the chain-rule ledger of each, the lines the
/// replay shows at the steps that add to it.
fn explanation_table(report: &Report) -> Table {
    Table {
        id: "why".into(),
        title: "Why these grads are wrong, contribution by contribution".into(),
        header: ["id", "label", "grad", "backward adds"]
            .map(String::from)
            .to_vec(),
        rows: report
            .explanations
            .iter()
            .map(|e| TableRow {
                node: e.id,
                cells: vec![
                    Cell::plain(e.label.clone()),
                    Cell::plain(format!(
                        "{} stored, {} expected",
                        python_float_repr(e.stored),
                        python_float_repr(e.expected)
                    )),
                    Cell {
                        text: e.lines.join("\n"),
                        class: "gv-ledger",
                    },
                ],
            })
            .collect(),
    }
}

/// `check`'s page for a script whose stored numbers recompute cleanly, titled `title`: its
/// graph with `marks` in the viewer, and a table of the leaves whose grad disagrees with its
/// finite difference.
pub fn differences_page(
    title: &str,
    document: Document,
    found: &FiniteDifferences,
    marks: Decorations,
    options: &Options,
) -> Result<Drawn> {
    let graph = &document.graph;
    let rows = found
        .wrong
        .iter()
        .map(|wrong| TableRow {
            node: wrong.id,
            cells: vec![
                Cell::plain(graph[wrong.node].label.to_string()),
                Cell::plain(python_float_repr(graph[wrong.node].grad)),
                Cell::plain(python_float_repr(wrong.numeric)),
            ],
        })
        .collect();
    let table = Table {
        id: "wrong".into(),
        title: format!(
            "Grads that disagree with finite differences ({})",
            found.wrong.len()
        ),
        header: ["id", "label", "grad", "finite difference"]
            .map(String::from)
            .to_vec(),
        rows,
    };
    check_page(
        title,
        (document.graph, document.roots),
        marks,
        vec![table],
        options,
    )
}

/// The check's page: the marked graph (with the roots backward is replayed from) in the
/// viewer, and the tables of what is wrong that have rows.
fn check_page(
    title: &str,
    (graph, roots): (ExportGraph, Vec<NodeIndex>),
    marks: Decorations,
    mut tables: Vec<Table>,
    options: &Options,
) -> Result<Drawn> {
    tables.retain(|table| !table.rows.is_empty());
    let snapshot = Snapshot {
        title: "checked".into(),
        graph,
        roots,
        rankdir: None,
        decorations: Some(marks),
    };
    page(
        &format!("{title} — gradviz check"),
        &[snapshot],
        &tables,
        options,
    )
}

#[derive(Serialize)]
struct PageFigure {
    prefix: String,
    svg: String,
}

/// One snapshot as the script reads it. Node fields are parallel arrays by node index.
#[derive(Serialize)]
struct SnapshotData {
    prefix: String,
    ids: Vec<u64>,
    labels: Vec<String>,
    ops: Vec<String>,
    /// Data, shortest round-trip text.
    data: Vec<String>,
    /// Stored grad, shortest round-trip text.
    stored: Vec<String>,
    operands: Vec<Vec<usize>>,
    roots: Vec<usize>,
    /// The grad of step 0 as the figure writes it (`0.0000`).
    zero: String,
    /// The step the page opens at: the last when the graph's backward has run, else 0.
    start: usize,
    /// Each step of backward's replay.
    steps: Vec<StepData>,
    /// The values whose stored grad differs from the replayed one.
    marks: Vec<MarkData>,
    /// How many values' data their operands no longer give (changed after the forward
    /// pass); the marks are then left out.
    stale: usize,
    /// Op nodes whose local backward could not be replayed.
    unknown: Vec<usize>,
    /// The folded groups, each drawn as one summary node.
    groups: Vec<GroupData>,
    /// Every node standing for many values, with the drawing the page opens it to.
    parts: Vec<parts::Part>,
    /// The direction the figure's ranks run in (`TB`), along which opening a part makes room.
    rankdir: &'static str,
}

/// A folded group as the script reads it.
#[derive(Serialize)]
struct GroupData {
    /// The value whose id names the summary node.
    holder: usize,
    /// The summary's title.
    title: String,
    /// The values drawn in it.
    members: Vec<usize>,
}

/// One step of the replay.
#[derive(Serialize)]
struct StepData {
    kind: StepName,
    /// The root (seed), the value whose local backward runs (local), or the holder of the
    /// group (group); 0 at the start.
    node: usize,
    /// A group step's folded group and how many local backwards it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<(usize, usize)>,
    changes: Vec<ChangeData>,
    /// A group step's local backwards one by one, which the page steps through where the
    /// group is opened.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inner: Vec<InnerStep>,
}

/// One local backward inside a group step: the value whose local backward runs, and each
/// grad it changes.
#[derive(Serialize)]
struct InnerStep(usize, Vec<InnerChange>);

/// A grad one local backward inside a group step changes, as the script reads it:
/// `[value, drawn, full]`, and the chain rule that gave it where the page explains it.
struct InnerChange {
    node: usize,
    drawn: String,
    full: String,
    text: Option<String>,
}

impl Serialize for InnerChange {
    fn serialize<S: serde::Serializer>(&self, out: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = out.serialize_seq(Some(3 + usize::from(self.text.is_some())))?;
        seq.serialize_element(&self.node)?;
        seq.serialize_element(&self.drawn)?;
        seq.serialize_element(&self.full)?;
        if let Some(text) = &self.text {
            seq.serialize_element(text)?;
        }
        seq.end()
    }
}

/// What a step does.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum StepName {
    /// Every grad is 0.
    Start,
    /// backward() sets a root's grad to 1.
    Seed,
    /// A value's local backward adds to its operands' grads.
    Local,
    /// The local backwards of a run of values folded into one group.
    Group,
}

/// One grad a step changes.
#[derive(Serialize)]
struct ChangeData {
    node: usize,
    /// The grad as the figure writes it (`0.5000`).
    drawn: String,
    /// The grad in full (shortest round-trip text).
    full: String,
    /// The arithmetic that gave it.
    text: String,
}

/// A value whose stored grad differs from the replayed one; both grads in full.
#[derive(Serialize)]
struct MarkData {
    node: usize,
    stored: String,
    replayed: String,
}

/// The names the script builds element ids from: [`ElementId`]'s forms, so that the page
/// and the figure spell them from one grammar.
#[derive(Serialize)]
struct NameData {
    value: &'static str,
    op: &'static str,
    grad: &'static str,
    edge: &'static str,
    part: &'static str,
}

const NAMES: NameData = NameData {
    value: ElementId::VALUE,
    op: ElementId::OP,
    grad: ElementId::GRAD,
    edge: ElementId::EDGE,
    part: ElementId::PART,
};

/// Everything the script reads: the names, then each snapshot.
#[derive(Serialize)]
struct PageData<'a> {
    names: NameData,
    snapshots: &'a [SnapshotData],
}

struct Prepared {
    svg: String,
    data: SnapshotData,
    notes: Vec<render::Note>,
}

fn prepare(snapshot: &Snapshot, prefix: &str, options: &Options) -> Result<Prepared> {
    let graph = &snapshot.graph;
    let options = options.directed(snapshot.rankdir);
    let precision = options.dot.precision;
    let replayed = replay(graph, &snapshot.roots, precision)?;
    // Backward replayed on data changed since (an optimizer step) gives other grads than
    // the ones backward stored: marking them would call every value wrong.
    let stale = stale_data(graph, &Tolerance::default());
    let marks = match stale {
        0 => replayed.mismatches(graph, &snapshot.roots, &Tolerance::default()),
        _ => Vec::new(),
    };
    let decorations = match &snapshot.decorations {
        Some(decorations) => decorations.clone(),
        None => marks::replayed(
            marks.iter().map(|&m| (graph[m].id, graph[m].grad)),
            precision,
        ),
    };
    let mut view = views::prepare(graph, &options.view_for(Format::Svg))?;
    let folds = Folds::of(graph, &view);
    overlay::lay_over(
        &mut view,
        graph,
        &folds.without_folded_rows(graph, decorations),
    );
    let widest = widest_grads(graph, &replayed, precision);
    let drawer = parts::Drawer {
        graph,
        widest: &widest,
        options: &options,
        rankdir: view.rankdir().unwrap_or(options.dot.rankdir),
        prefix,
    };
    let parts = drawer.parts(&view)?;
    let rankdir = drawer.rankdir.as_str();
    // The values gradviz draws a record for inside a part: stepping into an opened part
    // explains their local backwards with the chain rule, as the figure's own steps do.
    let mut explained = vec![false; graph.node_count()];
    for &i in parts
        .iter()
        .filter_map(|p| p.drawing.as_ref())
        .flat_map(|d| &d.own)
    {
        explained[i] = true;
    }
    // The values drawn with a record of their own, whose grad field the replay updates.
    let own = (0..graph.node_count()).filter(|&i| folds.group_of[i].is_none());
    let mut figure = view.into_figure(&options.dot);
    let values = svg::room_for_grads(&mut figure, graph, &widest, own, precision);
    let Drawn { bytes, notes } = render::draw_figure(&figure, Format::Svg, &options)?;
    let svg = svg::prepare(&String::from_utf8_lossy(&bytes), prefix, &values)?;
    let mut data = snapshot_data(
        snapshot,
        prefix,
        &replayed,
        &marks,
        (&folds, &explained),
        precision,
    );
    data.parts = parts;
    data.rankdir = rankdir;
    data.stale = stale;
    let mut notes = notes;
    if stale > 0 {
        notes.push(stale_note(stale));
    }
    Ok(Prepared { svg, data, notes })
}

/// What a page says of a graph whose data changed after its forward pass.
fn stale_note(values: usize) -> render::Note {
    render::Note {
        kind: render::NoteKind::DataChanged,
        message: Message::new(format!(
            "the data of {} values no longer follow from their operands: they changed after \
             the forward pass (as an optimizer step after backward() does), so the page's \
             replay of backward, which runs on the data as they are now, is not compared \
             with the stored grads",
            thousands(values)
        )),
    }
}

/// Each value's widest grad text over the replay and its stored grad, so its record is laid
/// out once for all of them.
fn widest_grads(graph: &ExportGraph, replayed: &Replay, precision: usize) -> Vec<String> {
    let mut widest: Vec<String> = graph
        .node_weights()
        .map(|n| format_number(n.grad, precision))
        .collect();
    let width = |text: &str| render::text_width(text, 1.0);
    let mut consider = |i: usize, grad: f64| {
        let text = format_number(grad, precision);
        if width(&text) > width(&widest[i]) {
            widest[i] = text;
        }
    };
    for i in 0..graph.node_count() {
        consider(i, 0.0);
    }
    for change in replayed.steps.iter().flat_map(|s| &s.changes) {
        consider(change.node.index(), change.grad);
    }
    widest
}

fn snapshot_data(
    snapshot: &Snapshot,
    prefix: &str,
    replayed: &Replay,
    marks: &[NodeIndex],
    (folds, explained): (&Folds, &[bool]),
    precision: usize,
) -> SnapshotData {
    let graph = &snapshot.graph;
    let backward_ran = snapshot.roots.iter().any(|&r| graph[r].grad != 0.0);
    let steps = steps_data(replayed, folds, explained, precision);
    SnapshotData {
        prefix: prefix.to_string(),
        ids: graph.node_weights().map(|n| n.id).collect(),
        labels: graph.node_weights().map(|n| n.label.to_string()).collect(),
        ops: graph.node_weights().map(|n| n.op.to_string()).collect(),
        data: graph
            .node_weights()
            .map(|n| python_float_repr(n.data))
            .collect(),
        stored: graph
            .node_weights()
            .map(|n| python_float_repr(n.grad))
            .collect(),
        operands: graph
            .node_indices()
            .map(|n| {
                graph::operands(graph, n)
                    .into_iter()
                    .map(NodeIndex::index)
                    .collect()
            })
            .collect(),
        roots: snapshot.roots.iter().map(|r| r.index()).collect(),
        zero: format_number(0.0, precision),
        start: if backward_ran { steps.len() - 1 } else { 0 },
        steps,
        marks: marks
            .iter()
            .map(|&m| MarkData {
                node: m.index(),
                stored: python_float_repr(graph[m].grad),
                replayed: python_float_repr(replayed.grads[m.index()]),
            })
            .collect(),
        unknown: replayed.unknown.iter().map(|n| n.index()).collect(),
        groups: folds
            .groups
            .iter()
            .map(|g| GroupData {
                holder: g.holder,
                title: g.title.clone(),
                members: g.members.clone(),
            })
            .collect(),
        parts: Vec::new(),
        stale: 0,
        rankdir: "LR",
    }
}

/// The replay's steps as the script reads them: a run of local backwards inside one folded
/// group is one step. Its changes to values drawn with a record of their own keep their
/// chain rule; a folded value's changes (drawn by no record; the panel counts them) keep
/// only its last grad in the step. Each local backward inside the step keeps its chain
/// rule where its value is `explained` (drawn with a record inside a part).
fn steps_data(
    replayed: &Replay,
    folds: &Folds,
    explained: &[bool],
    precision: usize,
) -> Vec<StepData> {
    let change = |c: &replay::Change| {
        let own = folds.group_of[c.node.index()].is_none();
        ChangeData {
            node: c.node.index(),
            drawn: format_number(c.grad, precision),
            full: python_float_repr(c.grad),
            text: if own { c.text.clone() } else { String::new() },
        }
    };
    let mut steps: Vec<StepData> = Vec::with_capacity(replayed.steps.len());
    // Where the open group step holds each folded value's change.
    let mut held: BTreeMap<usize, usize> = BTreeMap::new();
    for step in &replayed.steps {
        let (kind, node, group) = match step.kind {
            StepKind::Start => (StepName::Start, 0, None),
            StepKind::Seed(root) => (StepName::Seed, root.index(), None),
            StepKind::Local(node) => (StepName::Local, node.index(), folds.group_of[node.index()]),
        };
        let Some(g) = group else {
            steps.push(StepData {
                kind,
                node,
                group: None,
                changes: step.changes.iter().map(change).collect(),
                inner: Vec::new(),
            });
            continue;
        };
        let open = steps
            .last()
            .is_some_and(|last| last.group.is_some_and(|(open, _)| open == g));
        if !open {
            held.clear();
            steps.push(StepData {
                kind: StepName::Group,
                node: folds.groups[g].holder,
                group: Some((g, 0)),
                changes: Vec::new(),
                inner: Vec::new(),
            });
        }
        let last = steps.last_mut().expect("a group step is open");
        let inner = step
            .changes
            .iter()
            .map(|c| InnerChange {
                node: c.node.index(),
                drawn: format_number(c.grad, precision),
                full: python_float_repr(c.grad),
                text: explained[node].then(|| c.text.clone()),
            })
            .collect();
        last.inner.push(InnerStep(node, inner));
        if let Some((_, count)) = last.group.as_mut() {
            *count += 1;
        }
        for new in step.changes.iter().map(change) {
            if !new.text.is_empty() {
                last.changes.push(new);
                continue;
            }
            match held.get(&new.node) {
                Some(&at) => last.changes[at] = new,
                None => {
                    held.insert(new.node, last.changes.len());
                    last.changes.push(new);
                }
            }
        }
    }
    steps
}
