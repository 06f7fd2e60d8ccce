//! Views of large graphs: what a figure draws once it is too big to read value by value.
//! [`prepare`] turns an exported graph into a [`View`]: groups by label prefix drawn as
//! clusters (`--group`), groups below a depth folded into one summary node each (`--fold`),
//! records filled by |grad| (`--color grad`), the Graphviz layout settings a view's figure
//! asks for ([`LayoutHints`]: the fast ones on large figures, `newrank` for gates), and a node
//! guard that refuses a figure `dot` would spend minutes on.
//!
//! # The overview
//!
//! A graph of more than [`defaults::OVERVIEW_ABOVE`] values cannot be read value by value,
//! so unless asked for everything ([`Detail::Full`]) it is drawn as its overview: its groups
//! folded as `--fold` folds them, at the deepest depth that leaves at most
//! [`defaults::OVERVIEW_NODES`] nodes, and what is left drawn once per repeated computation
//! (`repeats`: the same loss term for every example is one `100 × ReLU` node, a `sum(…)`
//! one `Σ of 100 terms` node), then each long run of values used once each as one node
//! (`runs`: a loop's `x = x * w + b` is one `x (20,000 steps of * then +)` node), each with
//! its data and grad, or their ranges and the gradient's norm where one node stands for
//! many values. Where that still leaves more than a figure can show (a random DAG), the
//! values made last before the output are drawn and the rest summed up (`earlier`). A
//! note says what was folded and how to see everything.
//!
//! # Groups
//!
//! Values are grouped by the module objects that made them, or by their labels' dotted
//! prefixes when the graph records no modules (`groups`).
//!
//! Every pass is a loop over a topological order: no recursion, whatever the graph's depth.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;
use petgraph::Direction;

use super::{
    format_number, Cluster, Decorations, DotOptions, Figure, Gate, LayoutHints, LegendEntry,
    Rankdir, Record,
};
use crate::engine::Op;
use crate::error::{thousands, Guard, Message, Oversize, Setting};
use crate::graph::{self, ExportGraph, NodeInfo, NodeOp};
use crate::{Error, Result};

mod earlier;
mod groups;
mod repeats;
mod runs;

use groups::Groups;
use repeats::{Repeats, Shape};

/// The settings views use unless told otherwise, with how they were chosen.
pub mod defaults {
    /// The largest figure drawn without `--max-nodes`, in values (records, summary nodes
    /// included). Measured with `cargo bench --bench views -- --guard` (Graphviz 2.43 `dot
    /// -Tsvg`, the fast layout, a loaded 2-core machine): MLP(2, [4, 4, 1]) loss graphs of
    /// 3,382 values took 2.6 s, 5,054 values 10.3 s, 6,726 values 23.6 s, 8,398 values 43.7 s.
    pub const MAX_NODES: usize = 5_000;
    /// Figures whose layout costs more than this get Graphviz's fast layout settings;
    /// measured and chosen with the settings themselves ([`crate::figure::LayoutHints`]).
    pub use crate::figure::scene::FAST_LAYOUT_ABOVE;
    /// Group nesting that counts: `a.b.c…` deeper than this belongs to its ancestor at this
    /// depth, which bounds every walk up the group tree (and matches the clusters the
    /// renderer nests).
    pub const MAX_GROUP_DEPTH: usize = crate::figure::MAX_CLUSTER_DEPTH;
    /// Graphs of more values than this are drawn as their overview unless asked for every
    /// value. Measured with `cargo bench --bench views -- --readable` (whole figures of
    /// MLP(2, [4, 4, 1]) batch losses from `dot`; text is Graphviz's 14 pt, scaled with the
    /// figure to 1920 px wide): 114 values 6,918 × 952 pt, text 2.9 pt; 342 values 8,306 ×
    /// 2,410 pt, 2.4 pt; 646 values 2.0 pt; 1,254 values 1.5 pt; 1,558 values 14,709 × 12,065
    /// pt, 1.4 pt; 2,546 values 19,864 × 20,962 pt, 1.0 pt. No whole figure of a network
    /// reaches 8 pt at 1920 px: learners read the lecture's graphs by zooming to 8 pt and
    /// panning, which takes about 6 screens of 1920 × 1080 for 342 values, 14 for 646, 37 for
    /// 1,254, 50 for 1,558 and 118 for 2,546 (the square of the zoom times the figure's
    /// height over a screen's). Past about 1,500 values (50 screens, text under 1.5 pt when
    /// the figure fits the width) nobody reads value by value, and the overview is drawn.
    pub const OVERVIEW_ABOVE: usize = 1_500;
    /// The most nodes an overview chooses to keep open groups for: the deepest fold whose
    /// overview has at most this many nodes is drawn, else the shallowest. About what fits
    /// a screen as a left-to-right figure with every record readable.
    pub const OVERVIEW_NODES: usize = 40;
}

/// How much of a large graph a figure shows.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Every value of a graph up to [`defaults::OVERVIEW_ABOVE`] values, the overview of a
    /// larger one (unless groups or folds are asked for, which choose for themselves).
    #[default]
    Auto,
    /// Every value, whatever the size (the node guard still applies).
    Full,
    /// The overview with this many levels of groups kept open.
    Depth(usize),
}

impl Detail {
    /// What the front ends' two settings ask: every value (`--full`, `full=True`), the
    /// overview at a depth (`--depth N`, `depth=N`), or neither.
    pub fn asked(full: bool, depth: Option<usize>) -> Detail {
        match (full, depth) {
            (true, _) => Detail::Full,
            (false, Some(depth)) => Detail::Depth(depth),
            (false, None) => Detail::Auto,
        }
    }
}

/// What the nodes are filled by.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorBy {
    /// No fill: micrograd's look.
    #[default]
    None,
    /// |grad| on a light-to-dark scale, logarithmic when the range is wide, with a legend.
    Grad,
}

impl ColorBy {
    /// Every fill by the name the front ends give it (`--color grad`, `color="grad"`).
    pub const NAMED: [(&'static str, ColorBy); 2] =
        [("none", ColorBy::None), ("grad", ColorBy::Grad)];

    /// The fill `name` names, one of [`ColorBy::NAMED`].
    pub fn parse(name: &str) -> Option<ColorBy> {
        Self::NAMED
            .into_iter()
            .find_map(|(named, fill)| (named == name).then_some(fill))
    }
}

/// Which view to draw. `ViewOptions::default()` is micrograd's plain figure with the guard.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewOptions {
    /// Draw each group (label prefix) as a titled cluster.
    pub group: bool,
    /// Keep this many levels of groups open and draw each group nested deeper as one summary
    /// node: `Some(1)` draws each neuron `l0.n1` as one node, `Some(0)` each layer `l0`.
    pub fold: Option<usize>,
    /// What fills the records.
    pub color: ColorBy,
    /// The node guard: the most values the view may have; `None` is
    /// [`defaults::MAX_NODES`]. Pass `Some(usize::MAX)` for output no engine lays out
    /// (`--format dot` or `json`).
    pub max_nodes: Option<usize>,
    /// Every value, or the overview of a large graph.
    pub detail: Detail,
    /// Draw an overview in the figure's own direction; by default an overview runs top to
    /// bottom, since its chain of summaries drawn left to right is many times wider than
    /// a screen.
    pub keep_rankdir: bool,
}

impl ViewOptions {
    /// True when these options ask for no view: micrograd's plain figure.
    pub fn is_plain(&self) -> bool {
        !self.group
            && self.fold.is_none()
            && self.color == ColorBy::None
            && !matches!(self.detail, Detail::Depth(_))
    }

    /// These options drawing an overview in the figure's own direction or top to bottom.
    pub fn with_keep_rankdir(mut self, keep: bool) -> Self {
        self.keep_rankdir = keep;
        self
    }

    /// These options showing `detail`.
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    /// Whether a figure of a graph of `values` values is drawn as its overview.
    pub(crate) fn draws_overview(&self, values: usize) -> bool {
        self.overview(values).is_some()
    }

    /// The depth of the overview these options ask of a graph of `values` values, if any;
    /// `Some(None)` asks for the depth to be chosen.
    fn overview(&self, values: usize) -> Option<Option<usize>> {
        match self.detail {
            Detail::Depth(depth) => Some(Some(depth)),
            Detail::Auto
                if !self.group && self.fold.is_none() && values > defaults::OVERVIEW_ABOVE =>
            {
                Some(None)
            }
            Detail::Auto | Detail::Full => None,
        }
    }

    /// These options with clusters on or off.
    pub fn with_group(mut self, group: bool) -> Self {
        self.group = group;
        self
    }

    /// These options folding groups nested deeper than `depth`.
    pub fn with_fold(mut self, depth: Option<usize>) -> Self {
        self.fold = depth;
        self
    }

    /// These options with another fill.
    pub fn with_color(mut self, color: ColorBy) -> Self {
        self.color = color;
        self
    }

    /// These options with another node guard.
    pub fn with_max_nodes(mut self, max_nodes: Option<usize>) -> Self {
        self.max_nodes = max_nodes;
        self
    }
}

/// A prepared view: the (possibly folded) graph, its decorations and layout settings, and
/// where each folded value went. [`View::into_figure`] makes it the figure to draw.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// The values to draw; a folded group is one node whose id is its first member's. An
    /// unfolded view borrows the graph it was made from.
    pub(crate) graph: Cow<'a, ExportGraph>,
    /// Clusters, fills and legend.
    pub(crate) decorations: Decorations,
    /// The folded groups' summary nodes, keyed by node id.
    pub(crate) summaries: BTreeMap<u64, Summary>,
    /// Each folded value's id, mapped to the id of the summary node it is drawn in: where a
    /// mark on a value that is no longer drawn goes.
    pub(crate) folded_into: BTreeMap<u64, u64>,
    /// What each node standing for many values holds, and the groups nested in a folded
    /// group: what a page expands.
    pub(crate) folds: Vec<Fold>,
    /// Graphviz's layout settings (the fast ones on large figures).
    hints: LayoutHints,
    /// How deep the labels' groups nest: 0 when no value has a dotted label (or the view
    /// did not look, being micrograd's plain figure).
    pub(crate) depth: usize,
    /// Why the view asked for changes nothing, when it does not ([`idle_note`]), or what
    /// an overview folded.
    pub(crate) note: Option<Message>,
    /// The direction the view is drawn in, when it chooses one (an overview's).
    rankdir: Option<Rankdir>,
}

/// A node of a view that stands for many values (a folded group, a repeated computation),
/// or a group nested inside such a node, not drawn itself. What a page reads to expand a
/// node: its members, and the folds one level in ([`View::folds`] lists parents first).
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    /// The id of the node drawn for it (a key of [`View::summaries`]); `None` for a group
    /// nested inside a folded node.
    pub node: Option<u64>,
    /// The group's name (`l0.n1`, `MLP0.l0`), or a repeated computation's title
    /// (`100 × ReLU`, `Σ of 101 terms`).
    pub name: String,
    /// Every value inside, by id, in the graph's order.
    pub members: Vec<u64>,
    /// How many times it stands for the same computation: a module's calls, a repeated
    /// computation's units; 1 when it is one.
    pub repeats: usize,
    /// The fold it is nested in, as an index into [`View::folds`].
    pub parent: Option<usize>,
    /// How deep its group is nested, from 1 (what `--depth` opens to draw its parts); 0 for
    /// a repeated computation, which holds no groups.
    pub depth: usize,
}

/// What a folded group's node says about the values inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// `l0.n1: ReLU(w·x+b)`: the group and, when recognised, what it computes.
    pub title: String,
    /// The group's values used outside it (or by nothing: the graph's roots), as
    /// `(label, data, grad)`, in creation order.
    pub outputs: Vec<(String, f64, f64)>,
    /// The largest |grad| inside and the label of its value (`""` if unlabelled).
    pub max_grad: (f64, String),
    /// How many values the group holds.
    pub values: usize,
    /// The norm of its outputs' grads, shown where many values stand as one (an overview's
    /// repeated computation).
    pub grad_norm: Option<f64>,
    /// How many calls of its module made its values, when the graph records modules and
    /// there were several (a neuron applied to each of 100 examples: 100).
    pub calls: Option<usize>,
}

/// A folded group with at most this many outputs lists each one's data and grad; more are
/// summed up as ranges.
pub const LISTED_OUTPUTS: usize = 4;

impl Summary {
    /// The summary titled `title` of `members`, whose values used outside are `outputs`:
    /// their data and grads, the largest |grad| inside (the first such value on a tie), and
    /// no norm or calls.
    pub(crate) fn of(
        graph: &ExportGraph,
        title: String,
        members: &[NodeIndex],
        outputs: &[NodeIndex],
    ) -> Summary {
        let largest = members
            .iter()
            .copied()
            .max_by(|&a, &b| {
                let magnitude = |i: NodeIndex| graph[i].grad.abs();
                magnitude(a).total_cmp(&magnitude(b)).then(b.cmp(&a))
            })
            .expect("a summary stands for at least one value");
        Summary {
            title,
            outputs: outputs
                .iter()
                .map(|&o| (graph[o].label.to_string(), graph[o].data, graph[o].grad))
                .collect(),
            max_grad: (graph[largest].grad.abs(), graph[largest].label.to_string()),
            values: members.len(),
            grad_norm: None,
            calls: None,
        }
    }

    /// Adds the norm of its outputs' grads, where it has several.
    pub(crate) fn add_grad_norm(&mut self) {
        if self.outputs.len() > 1 {
            self.grad_norm = Some(grad_norm(self.outputs.iter().map(|o| o.2)));
        }
    }

    /// The summary record's three fields, numbers with `precision` digits: the title (what
    /// the group computes); its output's `data` and `grad` (several outputs — a neuron
    /// called on a batch, a layer — one line each up to [`LISTED_OUTPUTS`], else as ranges);
    /// how many values it holds and the largest |grad| among them:
    /// `{ l0.n1: ReLU(w·x+b) | data 0.5000\ngrad -1.0000 | 9 values inside\nlargest \|grad\| 2.0000 (l0.n1.w0) }`.
    pub fn fields(&self, precision: usize) -> Vec<String> {
        let number = |x: f64| format_number(x, precision);
        let outputs = match self.outputs.as_slice() {
            [(_, data, grad)] => format!("data {}\ngrad {}", number(*data), number(*grad)),
            outputs if outputs.len() <= LISTED_OUTPUTS => {
                let mut lines = vec![format!("{} outputs", outputs.len())];
                lines.extend(outputs.iter().map(|(_, data, grad)| {
                    format!("data {}, grad {}", number(*data), number(*grad))
                }));
                lines.join("\n")
            }
            outputs => {
                let range = |pick: fn(&(String, f64, f64)) -> f64| {
                    let (low, high) = min_max(outputs.iter().map(pick));
                    format!("{} to {}", number(low), number(high))
                };
                format!(
                    "{} outputs\ndata {}\ngrad {}",
                    thousands(outputs.len()),
                    range(|o| o.1),
                    range(|o| o.2)
                )
            }
        };
        let outputs = match self.grad_norm {
            Some(norm) => format!("{outputs}\n\u{2016}grad\u{2016} {}", number(norm)),
            None => outputs,
        };
        let outputs = match self.calls {
            Some(calls) => format!("\u{d7} {} calls\n{outputs}", thousands(calls)),
            None => outputs,
        };
        let (max_grad, label) = &self.max_grad;
        let mut inside = format!(
            "{} values inside\nlargest |grad| {}",
            thousands(self.values),
            number(*max_grad)
        );
        if !label.is_empty() {
            inside.push_str(&format!(" ({label})"));
        }
        vec![self.title.clone(), outputs, inside]
    }
}

impl View<'static> {
    /// `graph` drawn as it is, its nodes with a summary (keyed by id) drawn as summary
    /// records: a view a page's part assembles from pieces of other views.
    pub(crate) fn assembled(graph: ExportGraph, summaries: BTreeMap<u64, Summary>) -> Self {
        View {
            hints: LayoutHints::for_graph(&graph),
            graph: Cow::Owned(graph),
            decorations: Decorations::default(),
            summaries,
            folded_into: BTreeMap::new(),
            folds: Vec::new(),
            depth: 0,
            note: None,
            rankdir: None,
        }
    }
}

impl<'a> View<'a> {
    /// The values to draw; a folded group is one node whose id is its first member's.
    pub fn graph(&self) -> &ExportGraph {
        &self.graph
    }

    /// Clusters, fills and legend.
    pub fn decorations(&self) -> &Decorations {
        &self.decorations
    }

    /// The folded groups' summary nodes, keyed by node id.
    pub fn summaries(&self) -> &BTreeMap<u64, Summary> {
        &self.summaries
    }

    /// The nodes that stand for many values, with what they hold, and the groups nested in
    /// them; parents come before their children.
    pub fn folds(&self) -> &[Fold] {
        &self.folds
    }

    /// The direction the view is drawn in, when it chooses one (an overview runs top to
    /// bottom).
    pub fn rankdir(&self) -> Option<Rankdir> {
        self.rankdir
    }

    /// The id of the node each value that is not drawn itself is drawn in.
    pub fn folded_into(&self) -> &BTreeMap<u64, u64> {
        &self.folded_into
    }

    /// The figure of this view: drawn with `base`, the view's layout settings and its
    /// summary records.
    pub fn into_figure(self, base: &DotOptions) -> Figure<'a> {
        let records = self
            .summaries
            .iter()
            .map(|(&id, summary)| (id, Record::Summary(summary.fields(base.precision))))
            .collect();
        let mut options = base.clone();
        if let Some(rankdir) = self.rankdir {
            options.rankdir = rankdir;
        }
        Figure {
            graph: self.graph,
            options,
            decorations: self.decorations,
            records,
            hints: self.hints,
            note: self.note,
        }
    }
}

/// The view of `graph` that `options` ask for. Fails with [`Error::TooLarge`] when the view
/// has more values than the node guard allows; the message gives the size and what to do.
pub fn prepare<'a>(graph: &'a ExportGraph, options: &ViewOptions) -> Result<View<'a>> {
    let mut view = view_of(Cow::Borrowed(graph), options)?;
    view.note = view.note.or_else(|| idle_note(options, view.depth));
    Ok(view)
}

/// [`prepare`] for a graph borrowed or owned: an unfolded view keeps it as it came, without
/// a copy.
pub(crate) fn view_of<'a>(graph: Cow<'a, ExportGraph>, options: &ViewOptions) -> Result<View<'a>> {
    let limit = options.max_nodes.unwrap_or(defaults::MAX_NODES);
    if let Some(depth) = options.overview(graph.node_count()) {
        let (view, groups) = overview_of(&graph, depth, options);
        if view.graph.node_count() > limit {
            return Err(too_large(&view.graph, limit, options, &groups));
        }
        return Ok(view);
    }
    if options.is_plain() && graph.node_count() <= limit {
        // micrograd's look needs no groups: skip placing every value in one.
        return Ok(View {
            hints: LayoutHints::for_graph(&graph),
            graph,
            decorations: Decorations::default(),
            summaries: BTreeMap::new(),
            folded_into: BTreeMap::new(),
            folds: Vec::new(),
            depth: 0,
            note: None,
            rankdir: None,
        });
    }
    // --group and --fold keep to the labels' groups, which their figures have always
    // shown; scopes are the overview's.
    let groups = Groups::of_labels(&graph);
    let (graph, places, summaries, folded_into, folds) = match options.fold {
        Some(depth) => {
            let folded = fold(&graph, &groups, depth);
            (
                Cow::Owned(folded.graph),
                folded.places,
                folded.summaries,
                folded.folded_into,
                folded.folds,
            )
        }
        None => (
            graph,
            groups.place.clone(),
            BTreeMap::new(),
            BTreeMap::new(),
            Vec::new(),
        ),
    };
    if graph.node_count() > limit {
        return Err(too_large(&graph, limit, options, &groups));
    }
    let mut decorations = Decorations::default();
    if options.group {
        decorations.clusters = clusters(&graph, &groups, &places);
        decorations.gates = layer_gates(&graph, &groups, &places);
    }
    if options.color == ColorBy::Grad {
        color_by_grad(&graph, &summaries, &mut decorations);
    }
    let mut hints = LayoutHints::for_graph(&graph);
    if !decorations.gates.is_empty() {
        hints = hints.with_newrank();
    }
    Ok(View {
        graph,
        decorations,
        summaries,
        folded_into,
        folds,
        hints,
        depth: groups.max_depth(),
        note: None,
        rankdir: None,
    })
}

/// The overview of `graph` (see the module comment) at `depth`, or at the deepest depth
/// whose overview has at most [`defaults::OVERVIEW_NODES`] nodes when `depth` is `None`.
fn overview_of(
    graph: &ExportGraph,
    depth: Option<usize>,
    options: &ViewOptions,
) -> (View<'static>, Groups) {
    let groups = Groups::of(graph);
    let (depth, folded, earlier) = match depth {
        Some(depth) => (depth, overview(graph, &groups, depth), None),
        None => {
            let (depth, folded) = deepest_readable(graph, &groups);
            let (folded, earlier) = last_before_the_output(folded);
            (depth, folded, earlier)
        }
    };
    let Folded {
        graph: overview,
        places,
        summaries,
        folded_into,
        folds,
        examples,
    } = folded;
    let earlier = earlier.map_or(String::new(), |values| {
        format!(
            "; the values made last before the output, {} more in summary nodes",
            thousands(values)
        )
    });
    let mut decorations = Decorations {
        caption: Some(format!(
            "overview of {} values in {} nodes: repeated computations drawn once{earlier}",
            thousands(graph.node_count()),
            thousands(overview.node_count())
        )),
        ..Decorations::default()
    };
    if options.group {
        decorations.clusters = clusters(&overview, &groups, &places);
    }
    if options.color == ColorBy::Grad {
        color_by_grad(&overview, &summaries, &mut decorations);
    }
    let examples = if examples.is_empty() {
        String::new()
    } else {
        format!(" (`{}`)", examples.join("`, `"))
    };
    let note = Message::new(format!(
        "{} values drawn as an overview of {} nodes: {}repeated computations drawn \
         once{examples}{earlier}",
        thousands(graph.node_count()),
        thousands(overview.node_count()),
        match (groups.max_depth(), depth) {
            (0, _) => String::new(),
            (_, 0) => "each outermost group drawn as one node, ".to_string(),
            (_, 1) => "1 level of groups kept open, ".to_string(),
            (_, depth) => format!("{depth} levels of groups kept open, "),
        }
    ))
    .hint(Setting::Full, None, "draws every value")
    .hint(Setting::Depth, Some("N"), "keeps N levels of groups open");
    let view = View {
        hints: LayoutHints::for_graph(&overview),
        graph: Cow::Owned(overview),
        decorations,
        summaries,
        folded_into,
        folds,
        depth: groups.max_depth(),
        note: Some(note),
        rankdir: (!options.keep_rankdir).then_some(Rankdir::TB),
    };
    (view, groups)
}

/// `folded` as it is when it fits a figure ([`defaults::OVERVIEW_ABOVE`] nodes), else the
/// values made last before its output, with the rest in summary nodes ([`earlier`]), and how
/// many values those hold.
fn last_before_the_output(folded: Folded) -> (Folded, Option<usize>) {
    if folded.graph.node_count() <= defaults::OVERVIEW_ABOVE {
        return (folded, None);
    }
    let values_of = |n: NodeIndex| {
        let summary = folded.summaries.get(&folded.graph[n].id);
        summary.map_or(1, |s| s.values)
    };
    let partition = earlier::partition(&folded.graph, values_of);
    let left_out = partition
        .classes
        .iter()
        .filter_map(|class| match class.shape {
            Shape::Rest { values, .. } => Some(values),
            _ => None,
        })
        .sum();
    (merge_further(folded, &partition), Some(left_out))
}

/// The overview at the deepest depth that leaves at most [`defaults::OVERVIEW_NODES`]
/// nodes, else at depth 0, with its depth.
fn deepest_readable(graph: &ExportGraph, groups: &Groups) -> (usize, Folded) {
    let mut chosen = None;
    for depth in (0..=groups.max_depth()).rev() {
        let candidate = overview(graph, groups, depth);
        let fits = candidate.graph.node_count() <= defaults::OVERVIEW_NODES;
        chosen = Some((depth, candidate));
        if fits {
            break;
        }
    }
    chosen.expect("depth 0 is always tried")
}

/// `graph` with its groups nested deeper than `depth` folded, then each chain and each
/// repeated computation among the rest drawn as one node.
fn overview(graph: &ExportGraph, groups: &Groups, depth: usize) -> Folded {
    let mut folded = fold(graph, groups, depth);
    for summary in folded.summaries.values_mut() {
        summary.add_grad_norm();
    }
    let repeats = repeats::find(
        &folded.graph,
        |n| folded.summaries.contains_key(&folded.graph[n].id),
        |n| folded.places[n.index()],
    );
    let merged = merge_further(folded, &repeats);
    // Runs are found among what repeats left: a loop's steps, which no class draws once.
    let runs = runs::find(
        &merged.graph,
        |n| merged.summaries.contains_key(&merged.graph[n].id),
        |n| merged.places[n.index()],
    );
    match runs {
        Some(runs) => merge_further(merged, &runs),
        None => merged,
    }
}

/// `folded` with each class of `classes` drawn as one node, as [`merge`] draws it. Each
/// value maps straight to the node drawing it: a value folded before (into a group's
/// summary, which is never merged, or a class's node) to the node that now draws that one.
/// Merging keeps the ids of what it does not merge, so the two maps meet only there.
fn merge_further(folded: Folded, classes: &Repeats) -> Folded {
    let mut again = merge(&folded, classes);
    let Folded {
        mut folded_into,
        mut folds,
        mut examples,
        ..
    } = folded;
    for drawn in folded_into.values_mut() {
        if let Some(&class) = again.folded_into.get(drawn) {
            *drawn = class;
        }
    }
    folded_into.append(&mut again.folded_into);
    folds.append(&mut again.folds);
    examples.append(&mut again.examples);
    again.folded_into = folded_into;
    again.folds = folds;
    again.examples = examples;
    again
}

/// `folded` with each class of `repeats` holding more than one value drawn as one summary
/// node; a class of one value keeps it as it was (a folded group's summary too).
fn merge(folded: &Folded, repeats: &Repeats) -> Folded {
    let (places, summaries) = (&folded.places, &folded.summaries);
    let folded = &folded.graph;
    let mut folds = Vec::new();
    let mut out = ExportGraph::with_capacity(repeats.classes.len(), repeats.classes.len());
    let mut out_places = Vec::with_capacity(repeats.classes.len());
    let mut out_summaries = BTreeMap::new();
    let mut merged_into = BTreeMap::new();
    let mut node_of = Vec::with_capacity(repeats.classes.len());
    let mut largest: Option<(usize, String)> = None;
    let mut longest: Option<(usize, String)> = None;
    for class in &repeats.classes {
        let first = class.members[0];
        let id = folded[first].id;
        if let [only] = class.members[..] {
            if let Some(summary) = summaries.get(&id) {
                out_summaries.insert(id, summary.clone());
            }
            out_places.push(places[only.index()]);
            node_of.push(out.add_node(folded[only].clone()));
            continue;
        }
        let summary = summarize_class(folded, class);
        // Inputs repeat too (`200 × leaf`), but a computation makes the better example.
        let example = match class.shape {
            Shape::Chain { terms, .. } => Some((terms, &mut longest)),
            Shape::Steps { .. } | Shape::Run { .. } => Some((class.members.len(), &mut longest)),
            Shape::Rest { .. } => None,
            Shape::Value if folded[first].op.is_leaf() => None,
            Shape::Value => Some((class.results.len(), &mut largest)),
        };
        if let Some((size, example)) = example {
            if example.as_ref().is_none_or(|(most, _)| size > *most) {
                *example = Some((size, summary.title.clone()));
            }
        }
        let (_, data, grad) = summary.outputs[0].clone();
        merged_into.extend(class.members.iter().map(|&m| (folded[m].id, id)));
        folds.push(Fold {
            node: Some(id),
            name: summary.title.clone(),
            members: class.members.iter().map(|&m| folded[m].id).collect(),
            repeats: class.results.len(),
            parent: None,
            depth: 0,
        });
        out_places.push(places[first.index()]);
        node_of.push(out.add_node(NodeInfo {
            id,
            label: summary.title.as_str().into(),
            data,
            grad,
            ..NodeInfo::default()
        }));
        out_summaries.insert(id, summary);
    }
    let mut seen: BTreeSet<(NodeIndex, NodeIndex)> = BTreeSet::new();
    let mut inputs: BTreeMap<NodeIndex, usize> = BTreeMap::new();
    for value in folded.node_indices() {
        let class = repeats.class_of[value.index()];
        let target = node_of[class];
        // A value drawn as it was keeps its operands' places; a summary takes one edge from
        // each node feeding it.
        let as_it_was =
            repeats.classes[class].members.len() == 1 && !summaries.contains_key(&folded[value].id);
        for (position, operand) in graph::operands(folded, value).into_iter().enumerate() {
            let source = node_of[repeats.class_of[operand.index()]];
            if source == target {
                continue;
            }
            if as_it_was {
                out.add_edge(source, target, position);
            } else if seen.insert((source, target)) {
                let next = inputs.entry(target).or_default();
                out.add_edge(source, target, *next);
                *next += 1;
            }
        }
    }
    Folded {
        graph: out,
        places: out_places,
        summaries: out_summaries,
        folded_into: merged_into,
        folds,
        examples: [largest, longest]
            .into_iter()
            .flatten()
            .map(|(_, title)| title)
            .collect(),
    }
}

/// What one node of an overview says about the values of `class`: `100 × ReLU`,
/// `Σ of 100 terms`; its results' data and grads, and their norm where there are several.
fn summarize_class(graph: &ExportGraph, class: &repeats::Class) -> Summary {
    let mut summary = Summary::of(
        graph,
        class_title(graph, class),
        &class.members,
        &class.results,
    );
    if let Shape::Rest { values, .. } = class.shape {
        summary.values = values; // its members may be nodes standing for many values
    }
    summary.add_grad_norm();
    summary
}

/// A class's node title: what one unit computes, after the name of its results, and how
/// many units there are (`l0.n1.w (100 × *)`, `1,000 earlier values`).
fn class_title(graph: &ExportGraph, class: &repeats::Class) -> String {
    let results = &class.results;
    let name = repeats::name(&graph[results[0]].label);
    let what = match class.shape {
        Shape::Chain { op: Op::Mul, terms } => format!("\u{3a0} of {} factors", thousands(terms)),
        Shape::Chain { terms, .. } => format!("\u{3a3} of {} terms", thousands(terms)),
        Shape::Steps { count, ref body } => {
            format!("{} steps of {}", thousands(count), body.join(" then "))
        }
        Shape::Run { values, ref ops } => {
            format!("run of {} values: {}", thousands(values), ops.join(", "))
        }
        // Many unlike values: no one's name or op says what they are.
        Shape::Rest { values, earlier } => {
            let which = if earlier { "earlier" } else { "other" };
            return format!("{} {which} values", thousands(values));
        }
        Shape::Value if graph[results[0]].op.is_leaf() => match name {
            "" => "leaf".to_string(),
            name => name.to_string(),
        },
        Shape::Value => graph[results[0]].op.to_string(),
    };
    let what = match name {
        "" => what,
        name if name == what => what,
        name => format!("{name} ({what})"),
    };
    match results.len() {
        1 => what,
        n => format!("{} \u{d7} {what}", thousands(n)),
    }
}

/// Why the grouping or folding `options` ask for changes nothing in a figure whose labels'
/// groups nest `depth` deep, and what to do; `None` when it changes something. A view that
/// silently draws the whole graph looks like a bug: micrograd's `nn` labels nothing, so a
/// network from a JSON file or a class of another shape has no groups to draw.
pub(crate) fn idle_note(options: &ViewOptions, depth: usize) -> Option<Message> {
    let fold = |fold: usize| Some(fold.to_string());
    let asked = match (options.group, options.fold) {
        (true, Some(depth)) => Message::default()
            .setting(Setting::Group, None)
            .text(" and ")
            .setting(Setting::Fold, fold(depth)),
        (true, None) => Message::default().setting(Setting::Group, None),
        (false, Some(depth)) => Message::default().setting(Setting::Fold, fold(depth)),
        (false, None) => return None,
    };
    match options.fold {
        _ if depth == 0 => Some(asked.text(
            " changed nothing: no value has a dotted label (`l0.n1.w0` is in the groups `l0` \
             and `l0.n1`), so the whole graph is drawn; give values dotted labels, or build \
             the network in the script, from micrograd's nn or classes of its shape (an MLP's \
             `layers` of `neurons` with `w` and `b`), whose parameters gradviz names `l0.n1.w0`",
        )),
        Some(asked_fold) if asked_fold >= depth => Some(
            Message::default()
                .setting(Setting::Fold, fold(asked_fold))
                .text(format!(
                    " folds nothing: the labels' groups nest {depth} deep, so "
                ))
                .setting(Setting::Fold, fold(depth - 1))
                .text(format!(
                    " is the deepest fold (each group {depth} levels down as one node)"
                )),
        ),
        _ => None,
    }
}

fn too_large(graph: &ExportGraph, limit: usize, options: &ViewOptions, groups: &Groups) -> Error {
    let values = graph.node_count();
    let op_nodes = graph.node_weights().filter(|n| !n.op.is_leaf()).count();
    let current_fold = options.fold.unwrap_or(usize::MAX);
    let fold = (0..groups.max_depth().min(current_fold))
        .rev()
        .find_map(|depth| {
            let folded = folded_size(groups, depth);
            (folded <= limit).then_some((depth, folded))
        });
    Error::TooLarge(Oversize {
        values,
        limit,
        guard: Guard::Figure {
            nodes: values + op_nodes,
            fold,
        },
    })
}

/// The graph's topological order; a graph with a cycle (which no valid graph has) in
/// index order. Shared by the group placement and the repeat finder.
fn topological_order(graph: &ExportGraph) -> Vec<NodeIndex> {
    graph::topological_order(graph).unwrap_or_else(|_| graph.node_indices().collect())
}

/// For each value, the group at `depth + 1` it is folded into, if any.
fn fold_targets(groups: &Groups, depth: usize) -> Vec<Option<usize>> {
    // A depth past any label's nesting folds nothing; saturating keeps usize::MAX there.
    let at = groups.ancestors_at(depth.saturating_add(1));
    groups.place.iter().map(|p| p.and_then(|g| at[g])).collect()
}

/// How many values a fold at `depth` leaves, without building it (for the guard's advice).
fn folded_size(groups: &Groups, depth: usize) -> usize {
    let targets = fold_targets(groups, depth);
    let kept = targets.iter().filter(|t| t.is_none()).count();
    let folded: BTreeSet<usize> = targets.iter().flatten().copied().collect();
    kept + folded.len()
}

/// What [`fold`] gives: the folded graph, each remaining value's group, the summaries by
/// node id, and each folded value's summary id.
struct Folded {
    graph: ExportGraph,
    places: Vec<Option<usize>>,
    summaries: BTreeMap<u64, Summary>,
    folded_into: BTreeMap<u64, u64>,
    /// The folded groups and the groups nested in them, parents first.
    folds: Vec<Fold>,
    /// The titles of the largest repeated computation and the longest chain drawn once:
    /// the examples the overview's note gives.
    examples: Vec<String>,
}

/// The graph with every group nested deeper than `depth` drawn as one node; each remaining
/// value's group (a summary sits in its group's parent); the summaries by node id.
fn fold(graph: &ExportGraph, groups: &Groups, depth: usize) -> Folded {
    let folding = Folding {
        graph,
        groups,
        targets: fold_targets(groups, depth),
        children: groups.ancestors_at(depth.saturating_add(2)),
    };
    let mut members: BTreeMap<usize, Vec<NodeIndex>> = BTreeMap::new();
    for index in graph.node_indices() {
        if let Some(g) = folding.targets[index.index()] {
            members.entry(g).or_default().push(index);
        }
    }
    let mut out = ExportGraph::with_capacity(graph.node_count(), graph.edge_count());
    let mut places = Vec::new();
    let mut summaries = BTreeMap::new();
    let mut new_index = vec![NodeIndex::end(); graph.node_count()];
    let mut summary_node: BTreeMap<usize, NodeIndex> = BTreeMap::new();
    let mut folded_into = BTreeMap::new();
    for index in graph.node_indices() {
        let Some(g) = folding.targets[index.index()] else {
            new_index[index.index()] = out.add_node(graph[index].clone());
            places.push(groups.place[index.index()]);
            continue;
        };
        if let Some(&node) = summary_node.get(&g) {
            new_index[index.index()] = node;
            folded_into.insert(graph[index].id, out[node].id);
            continue;
        }
        let summary = folding.summarize(g, &members[&g]);
        let (_, data, grad) = summary.outputs[0];
        let info = NodeInfo {
            id: graph[index].id,
            label: summary.title.as_str().into(),
            data,
            grad,
            op: NodeOp::default(),
            scope: None,
        };
        let node = out.add_node(info);
        summaries.insert(graph[index].id, summary);
        summary_node.insert(g, node);
        new_index[index.index()] = node;
        folded_into.insert(graph[index].id, graph[index].id);
        places.push(groups.parent[g]);
    }
    folding.add_edges(&new_index, &mut out);
    let folds = folding.folds();
    Folded {
        graph: out,
        places,
        summaries,
        folded_into,
        folds,
        examples: Vec::new(),
    }
}

/// A fold in progress: which group each value folds into, and each value's subgroup one
/// level further in (to describe layers of neurons).
struct Folding<'a> {
    graph: &'a ExportGraph,
    groups: &'a Groups,
    /// By export node index: the folded group the value disappears into.
    targets: Vec<Option<usize>>,
    /// By group: its ancestor one level below the folded groups.
    children: Vec<Option<usize>>,
}

impl Folding<'_> {
    /// Each folded group (with the id of its node in `summaries`, the id of its first
    /// value) and each group nested in one, parents first, with their values.
    fn folds(&self) -> Vec<Fold> {
        let groups = self.groups;
        let mut members: Vec<Vec<u64>> = vec![Vec::new(); groups.names.len()];
        let mut drawn = vec![false; groups.names.len()];
        for (index, info) in self.graph.node_weights().enumerate() {
            let Some(target) = self.targets[index] else {
                continue;
            };
            drawn[target] = true;
            // Up from the value's own group to the folded one: at most MAX_GROUP_DEPTH steps.
            let mut g = groups.place[index];
            while let Some(current) = g {
                members[current].push(info.id);
                if current == target {
                    break;
                }
                g = groups.parent[current];
            }
        }
        let mut fold_of: Vec<Option<usize>> = vec![None; groups.names.len()];
        let mut folds = Vec::new();
        // A parent group is made before its children, so it is listed first.
        for (g, members) in members.into_iter().enumerate() {
            let Some(&first) = members.first() else {
                continue;
            };
            fold_of[g] = Some(folds.len());
            folds.push(Fold {
                node: drawn[g].then_some(first),
                name: groups.names[g].clone(),
                members,
                repeats: groups.calls[g].unwrap_or(1),
                parent: groups.parent[g].and_then(|p| fold_of[p]),
                depth: groups.depth[g],
            });
        }
        folds
    }

    /// Edges between the remaining nodes: a kept value keeps its operand positions; a
    /// summary gets one edge per distinct node feeding it; edges inside a group are dropped.
    fn add_edges(&self, new_index: &[NodeIndex], out: &mut ExportGraph) {
        let mut seen: BTreeSet<(NodeIndex, NodeIndex)> = BTreeSet::new();
        let mut inputs: BTreeMap<NodeIndex, usize> = BTreeMap::new();
        for index in self.graph.node_indices() {
            let target = new_index[index.index()];
            let operands = graph::operands(self.graph, index);
            for (position, operand) in operands.into_iter().enumerate() {
                let source = new_index[operand.index()];
                if source == target {
                    continue;
                }
                if self.targets[index.index()].is_none() {
                    out.add_edge(source, target, position);
                } else if seen.insert((source, target)) {
                    let next = inputs.entry(target).or_default();
                    out.add_edge(source, target, *next);
                    *next += 1;
                }
            }
        }
    }

    /// The summary of folded group `g`, whose values are `members` (in creation order).
    fn summarize(&self, g: usize, members: &[NodeIndex]) -> Summary {
        let graph = self.graph;
        let outputs = self.outputs(members, |i| self.targets[i.index()] == Some(g));
        let title = format!(
            "{}: {}",
            self.groups.names[g],
            self.describe(g, members, &outputs)
        );
        Summary {
            calls: self.groups.calls[g].filter(|&calls| calls > 1),
            ..Summary::of(graph, title, members, &outputs)
        }
    }

    /// The members used outside the set `inside`, or by nothing (the graph's roots).
    fn outputs(&self, members: &[NodeIndex], inside: impl Fn(NodeIndex) -> bool) -> Vec<NodeIndex> {
        let is_output = |m: NodeIndex| {
            let mut users = self
                .graph
                .neighbors_directed(m, Direction::Outgoing)
                .peekable();
            users.peek().is_none() || users.any(|u| !inside(u))
        };
        members.iter().copied().filter(|&m| is_output(m)).collect()
    }

    /// What folded group `g` computes: `ReLU(w·x+b)` for a micrograd neuron,
    /// `4 × ReLU(w·x+b)` for a layer of them, else its number of subgroups or its ops.
    fn describe(&self, g: usize, members: &[NodeIndex], outputs: &[NodeIndex]) -> String {
        let child_of = |i: NodeIndex| self.groups.place[i.index()].and_then(|p| self.children[p]);
        let mut children: BTreeMap<usize, Vec<NodeIndex>> = BTreeMap::new();
        let mut loose = false;
        for &m in members {
            match child_of(m) {
                Some(child) => children.entry(child).or_default().push(m),
                // A constant (a network's input placed with its layer) is no neuron's.
                None => loose |= !self.graph[m].op.is_leaf(),
            }
        }
        if children.is_empty() {
            return neuron_formula(self.graph, members, outputs)
                .unwrap_or_else(|| ops_used(self.graph, members));
        }
        let formulas: BTreeSet<Option<String>> = children
            .iter()
            .map(|(&child, values)| {
                let inside =
                    |i: NodeIndex| self.targets[i.index()] == Some(g) && child_of(i) == Some(child);
                neuron_formula(self.graph, values, &self.outputs(values, inside))
            })
            .collect();
        match formulas.iter().collect::<Vec<_>>().as_slice() {
            [Some(formula)] if !loose => format!("{} × {formula}", children.len()),
            _ => format!("{} groups", children.len()),
        }
    }
}

/// `ReLU(w·x+b)` or `w·x+b` when `members` are micrograd's neuron: leaves labelled `…w<k>`
/// and `…b` (plus unlabelled constants), products and sums, and outputs that are all the
/// last sum or all one unary op of it.
fn neuron_formula(
    graph: &ExportGraph,
    members: &[NodeIndex],
    outputs: &[NodeIndex],
) -> Option<String> {
    let mut has_weight = false;
    for &m in members {
        let info = &graph[m];
        let last = info.label.rsplit('.').next().unwrap_or("");
        let is_weight = last.len() > 1
            && last.starts_with('w')
            && last[1..].bytes().all(|b| b.is_ascii_digit());
        has_weight |= is_weight;
        let fits = match info.op {
            NodeOp::Known(Op::Leaf) => is_weight || last == "b" || info.label.is_empty(),
            NodeOp::Known(Op::Mul | Op::Add) => true,
            _ => outputs.contains(&m),
        };
        if !fits {
            return None;
        }
    }
    // A weight used outside its neuron is a product (`w * w` for an L2 term, placed in the
    // neuron by its label) or the leaf itself (scopes place `w * w` with the loss); what
    // the neuron computes is its other output.
    let mut computed = outputs
        .iter()
        .filter(|&&o| graph[o].op != NodeOp::Known(Op::Mul) && !graph[o].op.is_leaf());
    let op = &graph[*computed.next()?].op;
    if !has_weight || computed.any(|&o| &graph[o].op != op) {
        return None;
    }
    match op {
        NodeOp::Known(Op::Add) => Some("w·x+b".to_string()),
        NodeOp::Known(Op::Leaf | Op::Mul) => None,
        unary => Some(format!("{unary}(w·x+b)")),
    }
}

/// `ops *, +, ReLU`: the distinct ops inside, in order of first use.
fn ops_used(graph: &ExportGraph, members: &[NodeIndex]) -> String {
    let mut ops: Vec<&NodeOp> = Vec::new();
    for &m in members {
        let op = &graph[m].op;
        if !op.is_leaf() && !ops.contains(&op) {
            ops.push(op);
        }
    }
    if ops.is_empty() {
        "leaves".to_string()
    } else {
        let texts: Vec<String> = ops.iter().map(|op| op.to_string()).collect();
        format!("ops {}", texts.join(", "))
    }
}

/// One titled cluster per group that still holds a value, nested as the groups are.
fn clusters(graph: &ExportGraph, groups: &Groups, places: &[Option<usize>]) -> Vec<Cluster> {
    let mut used = vec![false; groups.names.len()];
    for place in places.iter().flatten() {
        let mut g = Some(*place);
        while let Some(current) = g.filter(|&c| !used[c]) {
            used[current] = true;
            g = groups.parent[current];
        }
    }
    let mut cluster_of = vec![None; groups.names.len()];
    let mut clusters = Vec::new();
    for g in (0..groups.names.len()).filter(|&g| used[g]) {
        cluster_of[g] = Some(clusters.len());
        clusters.push(Cluster {
            title: groups.names[g].clone(),
            parent: groups.parent[g].and_then(|p| cluster_of[p]),
            members: Vec::new(),
            fill: None,
        });
    }
    for (index, place) in graph.node_indices().zip(places) {
        if let Some(c) = place.and_then(|g| cluster_of[g]) {
            clusters[c].members.push(graph[index].id);
        }
    }
    clusters
}

/// Gates (see [`Gate`]) that draw each top-level group (a network's layer) entirely after
/// the one before it that feeds it, so that a grouped network reads as layers from left to
/// right instead of a staircase of boxes sharing ranks. Groups are taken in creation order;
/// each gate follows the values of one group that are used outside it and precedes the
/// values of the next that take no operand from inside their own group (its parameters,
/// and the values computed only from the layer before).
fn layer_gates(graph: &ExportGraph, groups: &Groups, places: &[Option<usize>]) -> Vec<Gate> {
    let top: Vec<Option<usize>> = places.iter().map(|p| p.map(|g| groups.top(g))).collect();
    let mut order = Vec::new();
    let mut seen = vec![false; groups.names.len()];
    for &g in top.iter().flatten() {
        if !std::mem::replace(&mut seen[g], true) {
            order.push(g);
        }
    }
    let mut used_outside = vec![false; graph.node_count()];
    let mut fed_inside = vec![false; graph.node_count()];
    let mut feeds: BTreeSet<(usize, usize)> = BTreeSet::new();
    for edge in graph.raw_edges() {
        let (s, t) = (edge.source().index(), edge.target().index());
        if top[s].is_some() && top[s] == top[t] {
            fed_inside[t] = true;
        } else {
            used_outside[s] |= top[s].is_some();
            if let (Some(a), Some(b)) = (top[s], top[t]) {
                feeds.insert((a, b));
            }
        }
    }
    let ids_where = |group: usize, keep: &dyn Fn(usize) -> bool| -> Vec<u64> {
        graph
            .node_indices()
            .filter(|i| top[i.index()] == Some(group) && keep(i.index()))
            .map(|i| graph[i].id)
            .collect()
    };
    order
        .windows(2)
        .filter(|pair| feeds.contains(&(pair[0], pair[1])))
        .map(|pair| Gate {
            after: ids_where(pair[0], &|i| used_outside[i]),
            before: ids_where(pair[1], &|i| !fed_inside[i]),
        })
        .collect()
}

/// ColorBrewer's YlOrRd, light to dark, stopped where black text still reads well
/// (contrast with black above 4:1).
pub const GRAD_PALETTE: [&str; 7] = [
    "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
];
/// The fill of a value whose |grad| is zero on a logarithmic scale.
pub const ZERO_FILL: &str = "#ffffff";
/// The fill of a value whose grad is NaN or infinite: off the scale, a neutral grey.
pub const NON_FINITE_FILL: &str = "#c8c8c8";
/// A range of |grad| wider than this ratio is drawn on a logarithmic scale.
pub const LOG_SCALE_RATIO: f64 = 100.0;

/// How |grad| maps to the palette: a few steps with round bounds, each drawn in one
/// palette colour (spread over the palette when there are fewer steps than colours).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    /// `steps` steps of `step` from 0: step i holds |grad| in [i·step, (i+1)·step).
    Linear { step: f64, steps: usize },
    /// `steps` steps of `decades` decades from 10^`first`.
    Log {
        first: i32,
        decades: i32,
        steps: usize,
    },
}

impl Scale {
    fn over(magnitudes: impl Iterator<Item = f64>) -> Scale {
        let (mut low, mut high) = (f64::INFINITY, 0.0_f64);
        for m in magnitudes.filter(|m| m.is_finite() && *m > 0.0) {
            low = low.min(m);
            high = high.max(m);
        }
        let most = GRAD_PALETTE.len();
        if high > 0.0 && high / low > LOG_SCALE_RATIO {
            let first = low.log10().floor() as i32;
            let last = (high.log10().ceil() as i32).max(first + 1);
            let span = last - first;
            let decades = (span + most as i32 - 1) / most as i32;
            let steps = ((span + decades - 1) / decades) as usize;
            return Scale::Log {
                first,
                decades,
                steps,
            };
        }
        if high == 0.0 {
            return Scale::Linear {
                step: 1.0,
                steps: 1,
            };
        }
        let step = round_step(high / most as f64);
        let steps = ((high / step).ceil() as usize).clamp(1, most);
        Scale::Linear { step, steps }
    }

    /// The palette colour of `magnitude`, or the off-scale fill.
    fn fill(self, magnitude: f64) -> &'static str {
        if !magnitude.is_finite() {
            return NON_FINITE_FILL;
        }
        let (position, steps) = match self {
            Scale::Linear { step, steps } => (magnitude / step, steps),
            Scale::Log { .. } if magnitude == 0.0 => return ZERO_FILL,
            Scale::Log {
                first,
                decades,
                steps,
            } => (
                (magnitude.log10() - f64::from(first)) / f64::from(decades),
                steps,
            ),
        };
        let index = (position.max(0.0) as usize).min(steps - 1);
        step_color(index, steps)
    }

    /// The |grad| where step `i` begins.
    fn bound(self, i: usize) -> f64 {
        match self {
            Scale::Linear { step, .. } => i as f64 * step,
            Scale::Log { first, decades, .. } => 10f64.powi(first + decades * i as i32),
        }
    }

    fn steps(self) -> usize {
        match self {
            Scale::Linear { steps, .. } | Scale::Log { steps, .. } => steps,
        }
    }

    /// A title, then one swatch per step labelled with its round bounds (`0.5–1`), drawn as
    /// one row.
    fn legend(self, non_finite: bool) -> Vec<LegendEntry> {
        let name = match self {
            Scale::Linear { .. } => "fill: |grad|, linear scale",
            Scale::Log { .. } => "fill: |grad|, logarithmic scale",
        };
        let mut entries = vec![LegendEntry {
            text: name.to_string(),
            ..LegendEntry::default()
        }];
        if let Scale::Log { .. } = self {
            entries.push(swatch(ZERO_FILL, "0".to_string()));
        }
        for i in 0..self.steps() {
            let text = format!(
                "{}–{}",
                round_number(self.bound(i)),
                round_number(self.bound(i + 1))
            );
            entries.push(swatch(step_color(i, self.steps()), text));
        }
        if non_finite {
            entries.push(swatch(NON_FINITE_FILL, "nan or inf".to_string()));
        }
        entries
    }
}

/// The palette colour of step `i` of `steps`, spread from lightest to darkest.
fn step_color(i: usize, steps: usize) -> &'static str {
    let last = GRAD_PALETTE.len() - 1;
    if steps <= 1 {
        return GRAD_PALETTE[0];
    }
    GRAD_PALETTE[((i * last + (steps - 1) / 2) / (steps - 1)).min(last)]
}

/// The smallest round step (1, 2, 2.5 or 5 times a power of ten) at least `x`.
fn round_step(x: f64) -> f64 {
    let power = 10f64.powi(x.log10().floor() as i32);
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= x)
        .unwrap_or(10.0 * power)
}

fn swatch(fill: &str, text: String) -> LegendEntry {
    LegendEntry {
        fill: Some(fill.to_string()),
        outline: None,
        text,
    }
}

/// A round bound as short as it reads: `0`, `0.25`, `1000`, `1e-6`, `2.5e5` (six significant
/// digits at most, which also hides the last-bit noise of `3 * 0.1`).
fn round_number(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let rounded: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    if (1e-3..1e5).contains(&rounded.abs()) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
}

/// Fills every record by its |grad| (a summary by the largest |grad| inside) and adds the
/// legend.
fn color_by_grad(
    graph: &ExportGraph,
    summaries: &BTreeMap<u64, Summary>,
    decorations: &mut Decorations,
) {
    let magnitude = |info: &NodeInfo| match summaries.get(&info.id) {
        Some(summary) => summary.max_grad.0,
        None => info.grad.abs(),
    };
    let scale = Scale::over(graph.node_weights().map(magnitude));
    let mut non_finite = false;
    for info in graph.node_weights() {
        let m = magnitude(info);
        non_finite |= !m.is_finite();
        decorations.nodes.entry(info.id).or_default().fill = Some(scale.fill(m).to_string());
    }
    decorations.legend = scale.legend(non_finite);
}

/// The Euclidean norm of `grads`.
fn grad_norm(grads: impl Iterator<Item = f64>) -> f64 {
    grads.map(|g| g * g).sum::<f64>().sqrt()
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), x| {
        (
            if x.total_cmp(&low).is_lt() { x } else { low },
            if x.total_cmp(&high).is_gt() { x } else { high },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values with these labels, each used by the next (a chain).
    fn chain(labels: &[&str]) -> ExportGraph {
        let mut graph = ExportGraph::new();
        let mut previous = None;
        for (id, label) in labels.iter().enumerate() {
            let op = if previous.is_some() { "tanh" } else { "" };
            let node = graph.add_node(NodeInfo {
                id: id as u64,
                label: (*label).into(),
                data: 0.5,
                grad: id as f64,
                op: op.into(),
                scope: None,
            });
            if let Some(previous) = previous {
                graph.add_edge(previous, node, 0);
            }
            previous = Some(node);
        }
        graph
    }

    #[test]
    fn labels_nest_into_groups_by_their_dotted_prefixes() {
        let graph = chain(&["l0.n0.w0", "l0.n0.out", "l0.n1.out", "l1.out", "loss"]);
        let groups = Groups::of(&graph);
        let placed: Vec<Option<&str>> = groups
            .place
            .iter()
            .map(|g| g.map(|g| groups.names[g].as_str()))
            .collect();
        assert_eq!(
            placed,
            [
                Some("l0.n0"),
                Some("l0.n0"),
                Some("l0.n1"),
                Some("l1"),
                None
            ]
        );
        assert_eq!(groups.max_depth(), 2);
    }

    #[test]
    fn legend_bounds_are_round() {
        assert_eq!(round_step(0.3), 0.5);
        assert_eq!(round_step(2.0), 2.0);
        assert_eq!(round_step(2.1), 2.5);
        assert_eq!(round_step(7.0), 10.0);
        assert_eq!(round_number(0.1 + 0.2), "0.3");
        assert_eq!(round_number(2.5e5), "2.5e5");
        assert_eq!(round_number(1e-6), "1e-6");
    }

    #[test]
    fn the_palette_runs_from_its_first_to_its_last_colour() {
        assert_eq!(step_color(0, 5), GRAD_PALETTE[0]);
        assert_eq!(step_color(4, 5), GRAD_PALETTE[GRAD_PALETTE.len() - 1]);
        assert_eq!(step_color(0, 1), GRAD_PALETTE[0]);
    }

    #[test]
    fn the_guard_names_the_fold_that_fits() {
        let labels: Vec<String> = (0..30).map(|i| format!("l0.n{}.v{i}", i % 3)).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let graph = chain(&labels);
        let error = prepare(&graph, &ViewOptions::default().with_max_nodes(Some(10)));
        let Err(Error::TooLarge(oversize)) = error else {
            panic!("refused")
        };
        assert_eq!(oversize.values, 30);
        assert!(
            matches!(
                oversize.guard,
                Guard::Figure {
                    fold: Some((1, 3)),
                    ..
                }
            ),
            "{oversize:?}"
        );
        let folded = prepare(&graph, &ViewOptions::default().with_fold(Some(1))).unwrap();
        assert_eq!(folded.graph().node_count(), 3, "one node per neuron");
    }

    /// A value made by `op` from `operands`, in `scope`.
    fn made(
        graph: &mut ExportGraph,
        op: &str,
        label: &str,
        scope: Option<&crate::graph::Scope>,
        operands: &[NodeIndex],
    ) -> NodeIndex {
        let node = graph.add_node(NodeInfo {
            id: graph.node_count() as u64,
            label: label.into(),
            data: 1.0,
            grad: 0.5,
            op: op.into(),
            scope: scope.cloned(),
        });
        for (position, &operand) in operands.iter().enumerate() {
            graph.add_edge(operand, node, position);
        }
        node
    }

    /// The scope of neuron `neuron` of layer `layer` of `MLP0` (objects numbered as made),
    /// in its constructor (`call: None`) or its `call`-th call.
    fn neuron_scope(layer: u32, neuron: u32, call: Option<u32>) -> crate::graph::Scope {
        let step = |kind: &str, name: String, object: u32| crate::graph::ScopeStep {
            kind: kind.to_string(),
            name,
            object,
            call,
        };
        vec![
            step("MLP", "MLP0".to_string(), 0),
            step("Layer", format!("l{layer}"), 1 + layer * 3),
            step("Neuron", format!("n{neuron}"), 2 + layer * 3 + neuron),
        ]
        .into()
    }

    /// MLP(2, [2, 1]) applied to `examples` inputs, its outputs summed, with the scopes the
    /// runner records: parameters in constructors, each example's work in a call.
    fn scoped_network(examples: u32) -> ExportGraph {
        let mut graph = ExportGraph::new();
        let sizes = [2u32, 1];
        let mut params = Vec::new();
        for (layer, &size) in sizes.iter().enumerate() {
            for neuron in 0..size {
                let scope = neuron_scope(layer as u32, neuron, None);
                let mut ps: Vec<NodeIndex> = (0..2)
                    .map(|i| {
                        let label = format!("l{layer}.n{neuron}.w{i}");
                        made(&mut graph, "", &label, Some(&scope), &[])
                    })
                    .collect();
                ps.push(made(
                    &mut graph,
                    "",
                    &format!("l{layer}.n{neuron}.b"),
                    Some(&scope),
                    &[],
                ));
                params.push(ps);
            }
        }
        let mut total = None;
        for call in 0..examples {
            let mut inputs: Vec<NodeIndex> = (0..2)
                .map(|_| made(&mut graph, "", "", None, &[]))
                .collect();
            let mut p = params.iter();
            for (layer, &size) in sizes.iter().enumerate() {
                let mut outputs = Vec::new();
                for neuron in 0..size {
                    let scope = neuron_scope(layer as u32, neuron, Some(call));
                    let ws = p.next().unwrap();
                    let mut act = ws[2];
                    for (w, &x) in ws.iter().zip(&inputs) {
                        let product = made(&mut graph, "*", "", Some(&scope), &[*w, x]);
                        act = made(&mut graph, "+", "", Some(&scope), &[act, product]);
                    }
                    outputs.push(made(&mut graph, "ReLU", "", Some(&scope), &[act]));
                }
                inputs = outputs;
            }
            total = Some(match total {
                None => inputs[0],
                Some(t) => made(&mut graph, "+", "", None, &[t, inputs[0]]),
            });
        }
        graph[total.unwrap()].label = "loss".into();
        graph
    }

    /// The titles of a view's summary nodes.
    fn titles<'v>(view: &'v View) -> Vec<&'v str> {
        view.summaries()
            .values()
            .map(|s| s.title.as_str())
            .collect()
    }

    #[test]
    fn scopes_fold_each_module_object_once_for_all_its_calls() {
        let graph = scoped_network(5);
        let view = prepare(
            &graph,
            &ViewOptions::default().with_detail(Detail::Depth(0)),
        )
        .unwrap();
        let titles = titles(&view);
        assert!(titles.contains(&"l0: 2 × ReLU(w·x+b)"), "{titles:?}");
        assert!(titles.contains(&"l1: 1 × ReLU(w·x+b)"), "{titles:?}");
        let layer = view
            .summaries()
            .values()
            .find(|s| s.title.starts_with("l0"))
            .unwrap();
        assert_eq!(layer.calls, Some(5), "one call per example");
        assert!(layer.fields(4)[1].starts_with("× 5 calls\n10 outputs"));
        assert!(layer.grad_norm.is_some(), "many outputs: their grads' norm");
        // The page's view of it: the layer's node, its neurons inside it.
        let folds = view.folds();
        let l0 = folds.iter().position(|f| f.name == "l0").unwrap();
        assert_eq!(folds[l0].repeats, 5);
        assert_eq!(folds[l0].node, Some(folds[l0].members[0]));
        let neurons: Vec<&Fold> = folds.iter().filter(|f| f.parent == Some(l0)).collect();
        assert_eq!(neurons.len(), 2);
        assert!(neurons.iter().all(|n| n.node.is_none() && n.repeats == 5));
        // 3 parameters and 5 × (2 products, 2 sums, 1 ReLU) per neuron.
        assert_eq!(neurons[0].members.len(), 3 + 5 * 5);
        assert_eq!(folds[l0].members.len(), 2 * 28);
        // The inputs, made outside every module, are one repeated leaf per position.
        assert!(folds
            .iter()
            .any(|f| f.node.is_some() && f.repeats == 5 && f.parent.is_none()));
    }

    #[test]
    fn a_neuron_called_for_each_example_is_drawn_once() {
        let graph = scoped_network(4);
        let view = prepare(
            &graph,
            &ViewOptions::default().with_detail(Detail::Depth(2)),
        )
        .unwrap();
        let titles = titles(&view);
        // Every group open: the 4 calls' products of one neuron merge, the neurons do not.
        assert_eq!(
            titles.iter().filter(|t| **t == "4 × *").count(),
            6,
            "{titles:?}"
        );
        // 9 parameters, 2 inputs, 3 neurons × (2 products, their sum, ReLU), and `loss`, the
        // sum of the outputs (its unlabelled links run into it): whatever the number of
        // examples.
        assert_eq!(view.graph().node_count(), 9 + 2 + 3 * 4 + 1);
    }
}
