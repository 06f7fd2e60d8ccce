//! Drill-down: the inner drawing of every node of a folded figure that stands for many
//! values, so the page can open it in place.
//!
//! A part is one such node: a folded group (a layer, a neuron) or a repeated computation
//! (`100 × ReLU`, `Σ of 101 terms`). Its drawing is laid out here, once, when the page is
//! written: the group's values one level further in (a layer as its neurons, a neuron as
//! its values with its calls' repeated computations still drawn once), or a repeated
//! computation as its first unit value by value and one node for the other units. What is
//! still folded in a drawing is a part of its own, nested in the first.
//!
//! One click never opens more than a screen ([`SCREEN`]): a larger drawing is cut into at
//! most [`MOST_PIECES`] pieces of neighbouring nodes (between units, never through one),
//! each a node that opens to its nodes as they were, so the overview's idea holds inside
//! a part. The other units of a repeated computation are not laid out again: the page
//! draws each as a copy of the first unit's drawing ([`Repeat`]), in rows that fit a screen
//! (runs of units first when they do not), which keeps the page's size near that of its
//! drawings of distinct computations. Every drawing comes from the layered engine (hundreds
//! of small figures: no `dot` run each), with its elements named `{prefix}-part_{k}-v3`
//! ([`ElementId::Part`]), so the page swaps a node for its drawing without a clash and
//! finds each value's record and grad text by the same names as in the figure.
//!
//! Parts are found breadth first from the figure's folded nodes: no recursion, and a part
//! always holds fewer values than the part it is drawn in, so the nesting ends.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::graph::NodeIndex;

use serde::Serialize;

use super::svg;
use crate::figure::escape::xml_escape;
use crate::figure::views::{self, defaults, Detail, Summary, View, ViewOptions};
use crate::figure::{format_number, ElementId};
use crate::graph::{ExportGraph, NodeInfo, Rankdir};
use crate::render::{self, EngineChoice, Format, Options};
use crate::{Error, Result};

/// The most values a part draws one by one (a repeated computation opened): past it, a
/// node stays folded in the page. The moons notebook's largest is a sum of 338 terms.
pub const DRAWN_VALUES: usize = 2_000;

/// The largest drawing one click opens, in points: a 1920 × 1080 window's figure pane (about
/// 1,500 × 1,000 px beside the panel) at the zoom where the page draws labels 12 px high
/// (`READABLE_PX` in page.js: Arial 14 pt at a scale of 0.64). A larger drawing is cut into
/// pieces, each one node that opens further ([`MOST_PIECES`] at most).
pub const SCREEN: (f64, f64) = (1_800.0, 1_200.0);

/// The most nodes a drawing larger than [`SCREEN`] is cut into: eight summary records fit a
/// screen side by side or one above the other, and a sum of 338 terms needs three clicks
/// to reach a single term.
pub const MOST_PIECES: usize = 8;

/// One node of a figure that stands for many values, and its drawing.
#[derive(Debug, Serialize)]
pub(crate) struct Part {
    /// The part whose drawing draws this part's node; `None`: the page's figure does.
    pub parent: Option<usize>,
    /// The value whose id names the node (`v3` in its parent's drawing).
    pub holder: usize,
    /// The node's title (`l0.n1: ReLU(w·x+b)`, `100 × ReLU`).
    pub title: String,
    /// Its drawing; `None` when the page draws it from another part's (the other units of
    /// a repeated computation, in [`Part::repeat`]) or it holds more than
    /// [`DRAWN_VALUES`] values. More other units than a screen holds are drawn as runs of
    /// them, each a part of its own.
    pub drawing: Option<Drawing>,
    /// The other units of a repeated computation, which the page draws as copies of the
    /// first (its drawing is `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    /// The values of a part without a drawing, by node index (the page's search and
    /// selection light its node for them); empty for a part with one, whose drawing says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<usize>,
}

/// A part's drawing: the SVG elements of a layered figure, in its own units (points, from
/// its top left corner), and the values it draws with a record of their own.
#[derive(Debug, Serialize)]
pub(crate) struct Drawing {
    /// The figure's elements, without its `<svg>` and its background.
    pub svg: String,
    /// Its width in points.
    pub width: f64,
    /// Its height in points.
    pub height: f64,
    /// The values drawn with a record of their own, by node index of the graph.
    pub own: Vec<usize>,
    /// Where each node is drawn (the box of its shape), by value id and whether it is the
    /// value's op node: where a drawing too large for a screen is cut, and what a unit of
    /// a repeated computation takes.
    #[serde(skip)]
    boxes: BTreeMap<(u64, bool), [f64; 4]>,
}

/// What drawing a part needs besides its values.
pub(crate) struct Drawer<'a> {
    /// The whole graph.
    pub graph: &'a ExportGraph,
    /// Each value's widest grad text over the replay, so its record never grows.
    pub widest: &'a [String],
    /// The page's options; the parts are drawn by the layered engine.
    pub options: &'a Options,
    /// The figure's direction, which every part's drawing takes.
    pub rankdir: Rankdir,
    /// The figure's prefix (`s0`).
    pub prefix: &'a str,
}

/// A node of a drawing that stands for many values: what opening it draws.
struct Opener {
    /// The value whose id names the node.
    holder: usize,
    title: String,
    /// The values it stands for, by node index, ascending.
    members: Vec<usize>,
    opening: Opening,
}

/// How a node opens.
enum Opening {
    /// A folded group at this depth: one level further in.
    Group(usize),
    /// A repeated computation: its first unit value by value, the others as one node.
    Repeated,
    /// The other units of a repeated computation: drawn by the page as copies of the first.
    Units(Box<Units>),
    /// A piece of a drawing cut to fit a screen: its nodes as they were drawn there.
    Piece(Box<Inner>),
}

/// The units of a repeated computation after its first, and where the first is drawn.
struct Units {
    /// The first unit's values, ascending.
    first: Vec<usize>,
    /// The other units' values, each ascending (the same computation, value for value).
    units: Vec<Vec<usize>>,
    /// The number of the first of `units` (2: the first unit is 1) and of all units.
    number: usize,
    total: usize,
    /// The part whose drawing draws the first unit alone, and the box it takes there
    /// (`[left, top, right, bottom]`); `None` when it is not drawn alone (it was cut).
    template: Option<(usize, [f64; 4])>,
}

/// A part drawn by the page as copies of a repeated computation's first unit: one per unit,
/// in rows of `columns`, each `cell` apart, a caption above each.
#[derive(Debug, Serialize)]
pub(crate) struct Repeat {
    /// The part whose drawing draws the first unit.
    pub template: usize,
    /// Where the first unit's box starts in that drawing.
    pub origin: (f64, f64),
    /// The first unit's values, in order.
    pub first: Vec<usize>,
    /// Each unit's values, in the first's order.
    pub units: Vec<Vec<usize>>,
    /// Each unit's values' data as its record writes it (`0.5000`).
    pub data: Vec<Vec<String>>,
    /// The number of the first unit drawn.
    pub number: usize,
    /// Units in a row.
    pub columns: usize,
    /// A unit's cell: its box, a caption and a gap.
    pub cell: (f64, f64),
    /// The room its caption takes above its box.
    pub caption: f64,
    /// The whole drawing's width and height in points.
    pub width: f64,
    pub height: f64,
}

/// The room a unit's caption takes above it, and the gap between units, in points.
const CAPTION: f64 = 18.0;
const GAP: f64 = 18.0;

/// What a part's drawing shows: a view, and the nodes in it that open.
struct Inner {
    view: View<'static>,
    openers: Vec<Opener>,
    /// For a piece of a cut drawing: the number of its first atom there and how many there
    /// were, so a piece of single values cut again counts on.
    numbering: Option<Numbering>,
}

/// Where a piece's atoms stand among those of the drawing it was cut from.
#[derive(Clone, Copy)]
struct Numbering {
    first: usize,
    total: usize,
}

impl Drawer<'_> {
    /// Every part of `view`, the page's figure of [`Drawer::graph`], parents first.
    pub fn parts(&self, view: &View) -> Result<Vec<Part>> {
        let index_of = self.index_of();
        let mut queue: VecDeque<(Option<usize>, Opener)> = self
            .openers(view, &index_of, None)
            .into_iter()
            .map(|opener| (None, opener))
            .collect();
        let mut parts = Vec::new();
        while let Some((parent, opener)) = queue.pop_front() {
            let k = parts.len();
            let Opener {
                holder,
                title,
                members,
                opening,
            } = opener;
            let (drawing, repeat, openers) = match opening {
                Opening::Units(units) => self.open_units(*units, k, &index_of)?,
                opening => match self.inner(&members, opening, &index_of)? {
                    Some(inner) => {
                        let (drawing, openers) = self.fit(inner, k, &index_of)?;
                        (Some(drawing), None, openers)
                    }
                    None => (None, None, Vec::new()),
                },
            };
            queue.extend(openers.into_iter().map(|opener| (Some(k), opener)));
            parts.push(Part {
                parent,
                holder,
                title,
                members: if drawing.is_some() || repeat.is_some() {
                    Vec::new()
                } else {
                    members
                },
                drawing,
                repeat,
            });
        }
        Ok(parts)
    }

    fn index_of(&self) -> BTreeMap<u64, usize> {
        self.graph
            .node_weights()
            .enumerate()
            .map(|(i, n)| (n.id, i))
            .collect()
    }

    /// The folded nodes of `view` (the figure, or a part's drawing), each with the values
    /// it stands for; a node standing for all of `within` values is no part.
    fn openers(
        &self,
        view: &View,
        index_of: &BTreeMap<u64, usize>,
        within: Option<usize>,
    ) -> Vec<Opener> {
        let mut members: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (value, drawn) in view.folded_into() {
            if let Some(&i) = index_of.get(value) {
                members.entry(*drawn).or_default().push(i);
            }
        }
        let mut openers = Vec::new();
        for (id, summary) in view.summaries() {
            let (Some(&holder), Some(mut members)) = (index_of.get(id), members.remove(id)) else {
                continue;
            };
            if within.is_some_and(|within| members.len() >= within) {
                continue;
            }
            members.sort_unstable();
            let depth = view
                .folds()
                .iter()
                .find(|f| f.node == Some(*id))
                .map_or(0, |f| f.depth);
            openers.push(Opener {
                holder,
                title: summary.title.clone(),
                members,
                opening: if depth > 0 {
                    Opening::Group(depth)
                } else {
                    Opening::Repeated
                },
            });
        }
        openers
    }

    /// What is drawn inside a node of `members` opened as `opening`: a group one level
    /// open (its subgroups folded, its calls' repeated computations drawn once), a
    /// repeated computation's first unit value by value and the other units as one node,
    /// or a piece's nodes; `None` when that draws more than [`DRAWN_VALUES`] values, or
    /// for the other units.
    fn inner(
        &self,
        members: &[usize],
        opening: Opening,
        index_of: &BTreeMap<u64, usize>,
    ) -> Result<Option<Inner>> {
        let open = |members: &[usize], detail: Detail| {
            let options = ViewOptions::default()
                .with_detail(detail)
                .with_max_nodes(Some(usize::MAX));
            views::view_of(Cow::Owned(induced(self.graph, members)), &options)
        };
        match opening {
            Opening::Piece(inner) => return Ok(Some(*inner)),
            Opening::Units(_) => return Ok(None),
            // The group's own depth opens it; a graph whose outermost module differs from
            // the whole graph's counts its groups from another level, so look deeper.
            Opening::Group(depth) => {
                for depth in depth..=defaults::MAX_GROUP_DEPTH {
                    let view = open(members, Detail::Depth(depth))?;
                    if view.graph().node_count() > 1 {
                        let openers = self.openers(&view, index_of, Some(members.len()));
                        return Ok(Some(Inner {
                            view,
                            openers,
                            numbering: None,
                        }));
                    }
                }
            }
            Opening::Repeated => {}
        }
        let units = units(self.graph, members);
        let (first, others) = match units.as_slice() {
            [first, others @ ..] if !others.is_empty() => (first.clone(), others.to_vec()),
            _ => (members.to_vec(), Vec::new()),
        };
        let rest = others.concat();
        if first.len() > DRAWN_VALUES {
            return Ok(None);
        }
        let view = open(&first, Detail::Full)?;
        if rest.is_empty() {
            return Ok(Some(Inner {
                view,
                openers: Vec::new(),
                numbering: None,
            }));
        }
        let mut rest = rest;
        rest.sort_unstable();
        let count = units.len() - 1;
        let title = format!("{count} more {}", if count == 1 { "unit" } else { "units" });
        let summary = self.summarize(title, &rest);
        let mut graph = view.graph().clone();
        let mut summaries = BTreeMap::new();
        let holder = rest[0];
        graph.add_node(summary_node(
            self.graph[NodeIndex::new(holder)].id,
            &summary,
        ));
        summaries.insert(self.graph[NodeIndex::new(holder)].id, summary.clone());
        Ok(Some(Inner {
            view: View::assembled(graph, summaries),
            openers: vec![Opener {
                holder,
                title: summary.title,
                members: rest,
                opening: Opening::Units(Box::new(Units {
                    first,
                    number: 2,
                    total: units.len(),
                    units: others,
                    template: None,
                })),
            }],
            numbering: None,
        }))
    }

    /// The summary titled `title` of `members` (node indices): their outputs are the
    /// values no other member uses.
    fn summarize(&self, title: String, members: &[usize]) -> Summary {
        let inside: BTreeSet<usize> = members.iter().copied().collect();
        let members: Vec<NodeIndex> = members.iter().map(|&i| NodeIndex::new(i)).collect();
        let outputs: Vec<NodeIndex> = members
            .iter()
            .copied()
            .filter(|&i| {
                let mut users = self
                    .graph
                    .neighbors_directed(i, petgraph::Direction::Outgoing);
                !users.any(|u| inside.contains(&u.index()))
            })
            .collect();
        let mut summary = Summary::of(self.graph, title, &members, &outputs);
        summary.add_grad_norm();
        summary
    }

    /// Part `k`, the other units of a repeated computation: copies of the first unit the
    /// page makes, when its drawing draws it alone and all the units fit a screen; else a
    /// drawing of at most [`MOST_PIECES`] nodes, each standing for a run of units that
    /// opens the same way. Nothing when the first unit is not drawn alone or a unit is not
    /// the first's computation value for value.
    fn open_units(
        &self,
        units: Units,
        k: usize,
        index_of: &BTreeMap<u64, usize>,
    ) -> Result<(Option<Drawing>, Option<Repeat>, Vec<Opener>)> {
        let nothing = Ok((None, None, Vec::new()));
        let Some((template, [left, top, right, bottom])) = units.template else {
            return nothing;
        };
        let op = |i: usize| &self.graph[NodeIndex::new(i)].op;
        let alike = |unit: &Vec<usize>| {
            unit.len() == units.first.len()
                && unit.iter().zip(&units.first).all(|(&a, &b)| op(a) == op(b))
        };
        if !units.units.iter().all(alike) {
            return nothing;
        }
        let cell = (right - left + GAP, bottom - top + CAPTION + GAP);
        let fit = |room: f64, cell: f64| (((room + GAP) / cell).floor() as usize).max(1);
        let (columns, rows) = (fit(SCREEN.0, cell.0), fit(SCREEN.1, cell.1));
        let count = units.units.len();
        if count <= columns * rows {
            let columns = columns.min(count);
            let precision = self.options.dot.precision;
            let repeat = Repeat {
                template,
                origin: (left, top),
                data: units
                    .units
                    .iter()
                    .map(|unit| {
                        unit.iter()
                            .map(|&i| format_number(self.graph[NodeIndex::new(i)].data, precision))
                            .collect()
                    })
                    .collect(),
                first: units.first,
                units: units.units,
                number: units.number,
                columns,
                cell,
                caption: CAPTION,
                width: columns as f64 * cell.0 - GAP,
                height: count.div_ceil(columns) as f64 * cell.1 - GAP,
            };
            return Ok((None, Some(repeat), Vec::new()));
        }
        // Runs of units, each a node that opens to its units (or to runs of them again).
        let pieces = count.div_ceil(columns * rows).min(MOST_PIECES);
        let per_piece = count.div_ceil(pieces);
        let mut graph = ExportGraph::default();
        let mut summaries = BTreeMap::new();
        let mut openers = Vec::new();
        let mut runs = units.units.into_iter().peekable();
        let mut number = units.number;
        while runs.peek().is_some() {
            let run: Vec<Vec<usize>> = runs.by_ref().take(per_piece).collect();
            let mut members = run.concat();
            members.sort_unstable();
            let last = number + run.len() - 1;
            let title = format!("units {number}\u{2013}{last} of {}", units.total);
            let summary = self.summarize(title, &members);
            let holder = members[0];
            let id = self.graph[NodeIndex::new(holder)].id;
            graph.add_node(summary_node(id, &summary));
            openers.push(Opener {
                holder,
                title: summary.title.clone(),
                members,
                opening: Opening::Units(Box::new(Units {
                    first: units.first.clone(),
                    units: run,
                    number,
                    total: units.total,
                    template: units.template,
                })),
            });
            summaries.insert(id, summary);
            number = last + 1;
        }
        let drawing = self.draw(&View::assembled(graph, summaries), k, index_of)?;
        Ok((Some(drawing), None, openers))
    }

    /// Part `k`'s drawing of `inner`, cut into pieces when it is larger than a screen,
    /// and the nodes in it that open.
    fn fit(
        &self,
        inner: Inner,
        k: usize,
        index_of: &BTreeMap<u64, usize>,
    ) -> Result<(Drawing, Vec<Opener>)> {
        let drawing = self.draw(&inner.view, k, index_of)?;
        if drawing.width <= SCREEN.0 && drawing.height <= SCREEN.1 {
            let mut openers = inner.openers;
            if let [only] = openers.as_mut_slice() {
                if let Opening::Units(units) = &mut only.opening {
                    let rest = self.graph[NodeIndex::new(only.holder)].id;
                    units.template = template_box(&drawing, rest).map(|b| (k, b));
                }
            }
            return Ok((drawing, openers));
        }
        match cut(&inner, &drawing) {
            Some(cut) => {
                let cut = self.contract(inner, &cut, index_of);
                Ok((self.draw(&cut.view, k, index_of)?, cut.openers))
            }
            None => Ok((drawing, inner.openers)),
        }
    }

    /// `inner` with each piece of `cut` of more than one node drawn as one node, titled by
    /// its range of atoms.
    fn contract(&self, inner: Inner, cut: &Cut, index_of: &BTreeMap<u64, usize>) -> Inner {
        let Cut {
            pieces,
            piece_of,
            ranges,
            numbering,
        } = cut;
        let numbering = *numbering;
        let Inner { view, openers, .. } = inner;
        let graph = view.graph();
        let summaries = view.summaries();
        let holder_piece = |opener: &Opener| {
            let id = self.graph[NodeIndex::new(opener.holder)].id;
            graph
                .node_indices()
                .position(|v| graph[v].id == id)
                .map(|v| piece_of[v])
        };
        let mut inside: Vec<Vec<Opener>> = pieces.iter().map(|_| Vec::new()).collect();
        let mut kept = Vec::new();
        for opener in openers {
            match holder_piece(&opener) {
                Some(p) if pieces[p].len() > 1 => inside[p].push(opener),
                _ => kept.push(opener),
            }
        }
        let mut out = ExportGraph::with_capacity(pieces.len(), graph.edge_count());
        let mut out_summaries = BTreeMap::new();
        let mut node_of = vec![NodeIndex::end(); graph.node_count()];
        let mut openers = kept;
        let mut inside = inside.into_iter().map(Some).collect::<Vec<_>>();
        for v in 0..graph.node_count() {
            if node_of[v] != NodeIndex::end() {
                continue;
            }
            let p = piece_of[v];
            let info = &graph[NodeIndex::new(v)];
            if pieces[p].len() == 1 {
                node_of[v] = out.add_node(info.clone());
                if let Some(summary) = summaries.get(&info.id) {
                    out_summaries.insert(info.id, summary.clone());
                }
                continue;
            }
            let piece_openers = inside[p].take().unwrap_or_default();
            let mut members: Vec<usize> = pieces[p]
                .iter()
                .map(|&w| graph[NodeIndex::new(w)].id)
                .filter(|id| !summaries.contains_key(id))
                .filter_map(|id| index_of.get(&id).copied())
                .collect();
            for opener in &piece_openers {
                members.extend(&opener.members);
            }
            members.sort_unstable();
            let title = piece_title(graph, summaries, &pieces[p], ranges[p], numbering);
            let summary = self.summarize(title, &members);
            let node = out.add_node(summary_node(info.id, &summary));
            for &w in &pieces[p] {
                node_of[w] = node;
            }
            let piece_graph = induced(graph, &pieces[p]);
            let piece_summaries = pieces[p]
                .iter()
                .filter_map(|&w| {
                    let id = graph[NodeIndex::new(w)].id;
                    summaries.get(&id).map(|s| (id, s.clone()))
                })
                .collect();
            openers.push(Opener {
                holder: index_of[&info.id],
                title: summary.title.clone(),
                members,
                opening: Opening::Piece(Box::new(Inner {
                    view: View::assembled(piece_graph, piece_summaries),
                    openers: piece_openers,
                    numbering: Some(Numbering {
                        first: ranges[p].0,
                        ..numbering
                    }),
                })),
            });
            out_summaries.insert(info.id, summary);
        }
        let mut seen: BTreeSet<(NodeIndex, NodeIndex)> = BTreeSet::new();
        let mut inputs: BTreeMap<NodeIndex, usize> = BTreeMap::new();
        for edge in graph.raw_edges() {
            let (source, target) = (
                node_of[edge.source().index()],
                node_of[edge.target().index()],
            );
            if source == target {
                continue;
            }
            if pieces[piece_of[edge.target().index()]].len() == 1 {
                out.add_edge(source, target, edge.weight);
            } else if seen.insert((source, target)) {
                let next = inputs.entry(target).or_default();
                out.add_edge(source, target, *next);
                *next += 1;
            }
        }
        Inner {
            view: View::assembled(out, out_summaries),
            openers,
            numbering: None,
        }
    }

    /// Part `k`'s drawing of `view`, by the layered engine.
    fn draw(&self, view: &View, k: usize, index_of: &BTreeMap<u64, usize>) -> Result<Drawing> {
        let mut view = view.clone();
        view.decorations.caption = None;
        let precision = self.options.dot.precision;
        let mut options = self.options.clone();
        options.engine.engine = EngineChoice::Layered;
        let own: Vec<usize> = view
            .graph()
            .node_weights()
            .filter(|n| !view.summaries().contains_key(&n.id))
            .filter_map(|n| index_of.get(&n.id).copied())
            .collect();
        let mut figure = view.into_figure(&options.dot);
        figure.options.rankdir = self.rankdir;
        let values = svg::room_for_grads(
            &mut figure,
            self.graph,
            self.widest,
            own.iter().copied(),
            precision,
        );
        let drawn = render::draw_figure(&figure, Format::Svg, &options)?;
        let prefix = format!("{}-{}", self.prefix, ElementId::Part(k));
        let prepared = svg::prepare(&String::from_utf8_lossy(&drawn.bytes), &prefix, &values)?;
        inner_elements(&prepared, &prefix, own)
    }
}

/// Where a drawing is cut: its pieces (node indices of its view, ascending), the piece of
/// each node, and each piece's range of atoms as `numbering` counts them.
struct Cut {
    pieces: Vec<Vec<usize>>,
    piece_of: Vec<usize>,
    ranges: Vec<(usize, usize)>,
    numbering: Numbering,
}

/// `inner` drawn as `drawing`, cut along its longer side (in screens) into at most
/// [`MOST_PIECES`] pieces of neighbouring nodes, each drawn as one node that opens to
/// its nodes as they were. A drawing of several unconnected pieces (the units of a
/// repeated computation) is cut between them, never through one. `None` when it
/// cannot be cut (one node).
fn cut(inner: &Inner, drawing: &Drawing) -> Option<Cut> {
    let graph = inner.view.graph();
    let atoms = {
        let pieces = components(graph);
        if pieces.len() > 1 {
            pieces
        } else {
            (0..graph.node_count()).map(|v| vec![v]).collect()
        }
    };
    let components = atoms.len() < graph.node_count();
    let across = (drawing.width / SCREEN.0).ceil();
    let along = (drawing.height / SCREEN.1).ceil();
    let count = ((across * along) as usize)
        .clamp(2, MOST_PIECES)
        .min(atoms.len());
    if count < 2 {
        return None;
    }
    // Atoms in reading order along the side that is more screens long.
    let tall = drawing.height / SCREEN.1 >= drawing.width / SCREEN.0;
    let centre = |atom: &[usize]| {
        let (mut x, mut y) = (0.0, 0.0);
        for &v in atom {
            let [x0, y0, x1, y1] = drawing
                .boxes
                .get(&(graph[NodeIndex::new(v)].id, false))
                .copied()
                .unwrap_or_default();
            x += (x0 + x1) / 2.0;
            y += (y0 + y1) / 2.0;
        }
        let n = atom.len() as f64;
        if tall {
            (y / n, x / n)
        } else {
            (x / n, y / n)
        }
    };
    let mut order: Vec<(f64, f64, usize)> = atoms
        .iter()
        .enumerate()
        .map(|(a, atom)| {
            let (first, second) = centre(atom);
            (first, second, a)
        })
        .collect();
    order.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    // Single values are counted on where a piece of them is cut again ("values 8–13 of
    // 337" inside "values 1–43 of 337"); components (neurons, units) are counted afresh.
    let numbering = match inner.numbering {
        Some(outer) if !components => outer,
        _ => Numbering {
            first: 1,
            total: atoms.len(),
        },
    };
    let total = atoms.len();
    let mut piece_of = vec![0; graph.node_count()];
    let mut pieces: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut ranges = vec![(usize::MAX, 0); count];
    for (position, &(_, _, a)) in order.iter().enumerate() {
        let piece = position * count / total;
        let number = numbering.first + position;
        ranges[piece].0 = ranges[piece].0.min(number);
        ranges[piece].1 = number;
        for &v in &atoms[a] {
            piece_of[v] = piece;
            pieces[piece].push(v);
        }
    }
    for piece in &mut pieces {
        piece.sort_unstable();
    }
    Some(Cut {
        pieces,
        piece_of,
        ranges,
        numbering,
    })
}

/// The box the nodes of `drawing` other than `rest`'s take (a repeated computation's first
/// unit, beside the node for its other units), `[left, top, right, bottom]`.
fn template_box(drawing: &Drawing, rest: u64) -> Option<[f64; 4]> {
    drawing
        .boxes
        .iter()
        .filter(|((id, _), _)| *id != rest)
        .map(|(_, b)| *b)
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

/// The node standing for many values, named by value `id`, that `summary` describes.
fn summary_node(id: u64, summary: &Summary) -> NodeInfo {
    let (data, grad) = summary
        .outputs
        .first()
        .map_or((0.0, 0.0), |(_, data, grad)| (*data, *grad));
    NodeInfo {
        id,
        label: summary.title.clone().into(),
        data,
        grad,
        ..NodeInfo::default()
    }
}

/// The title of a piece of `nodes` (node indices of `graph`) cut from a drawing: the
/// `range` of its atoms in reading order as `numbering` counts them (`units 2–13 of 99`,
/// `values 1–43 of 337`), with the names of its labelled values and folded groups
/// (`1–8 of 16: l0.n0, l0.n1, … l0.n7`).
fn piece_title(
    graph: &ExportGraph,
    summaries: &BTreeMap<u64, Summary>,
    nodes: &[usize],
    (first, last): (usize, usize),
    numbering: Numbering,
) -> String {
    let names: Vec<&str> = nodes
        .iter()
        .filter_map(|&v| {
            let info = &graph[NodeIndex::new(v)];
            match summaries.get(&info.id) {
                Some(summary) => summary.title.split_once(": ").map(|(group, _)| group),
                None => Some(info.label.as_str()),
            }
        })
        .filter(|name| !name.is_empty())
        .collect();
    let span = format!("{first}\u{2013}{last} of {}", numbering.total);
    let span = if names.is_empty() {
        format!("values {span}")
    } else {
        span
    };
    match names.as_slice() {
        [] => span,
        [a] => format!("{span}: {a}"),
        [a, b] => format!("{span}: {a}, {b}"),
        [a, b, c] => format!("{span}: {a}, {b}, {c}"),
        [a, b, .., z] => format!("{span}: {a}, {b}, \u{2026} {z}"),
    }
}

/// The weakly connected pieces of `graph`, each its node indices ascending, ordered by
/// their first node.
fn components(graph: &ExportGraph) -> Vec<Vec<usize>> {
    let all: Vec<usize> = (0..graph.node_count()).collect();
    units(graph, &all)
}

/// The units of a repeated computation of `members` (node indices, ascending): the pieces
/// its values fall into when only the edges between them count, each in order, ordered by
/// their first value.
fn units(graph: &ExportGraph, members: &[usize]) -> Vec<Vec<usize>> {
    let position: BTreeMap<usize, usize> =
        members.iter().enumerate().map(|(p, &m)| (m, p)).collect();
    let mut sets = petgraph::unionfind::UnionFind::<usize>::new(members.len());
    for &m in members {
        for operand in graph.neighbors_directed(NodeIndex::new(m), petgraph::Direction::Incoming) {
            if let Some(&p) = position.get(&operand.index()) {
                sets.union(position[&m], p);
            }
        }
    }
    let mut units: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut first_of: BTreeMap<usize, usize> = BTreeMap::new();
    for (p, &m) in members.iter().enumerate() {
        let root = sets.find(p);
        let first = *first_of.entry(root).or_insert(p);
        units.entry(first).or_default().push(m);
    }
    units.into_values().collect()
}

/// The subgraph of `graph` on `members` (node indices, ascending): the values in order, and
/// the edges between them with their operand positions.
fn induced(graph: &ExportGraph, members: &[usize]) -> ExportGraph {
    let mut inside = ExportGraph::with_capacity(members.len(), members.len() * 2);
    let mut new_index = BTreeMap::new();
    for &m in members {
        let node = NodeIndex::new(m);
        new_index.insert(m, inside.add_node(graph[node].clone()));
    }
    for edge in graph.raw_edges() {
        let (Some(&source), Some(&target)) = (
            new_index.get(&edge.source().index()),
            new_index.get(&edge.target().index()),
        ) else {
            continue;
        };
        inside.add_edge(source, target, edge.weight);
    }
    inside
}

/// The elements of a page-prepared layered SVG named with `prefix`, without the `<svg>`
/// around them, its title and its background, with the figure's size and where each value's
/// node is.
fn inner_elements(svg: &str, prefix: &str, own: Vec<usize>) -> Result<Drawing> {
    let broken = |what: &str| Error::Render(format!("a part's drawing {what}"));
    let doc =
        roxmltree::Document::parse(svg).map_err(|e| broken(&format!("does not parse: {e}")))?;
    let root = doc.root_element();
    let size = |name: &str| {
        root.attribute(name)
            .and_then(|v| v.trim_end_matches("pt").parse::<f64>().ok())
            .ok_or_else(|| broken(&format!("has no {name}")))
    };
    let (width, height) = (size("width")?, size("height")?);
    let graph = root
        .children()
        .find(|c| c.has_tag_name("g"))
        .ok_or_else(|| broken("has no graph"))?;
    // The graph's group sets the font its texts inherit; the wrapper keeps it.
    let mut inner = String::from("<g");
    for attribute in graph
        .attributes()
        .filter(|a| !matches!(a.name(), "id" | "class"))
    {
        inner.push_str(&format!(
            " {}=\"{}\"",
            attribute.name(),
            xml_escape(attribute.value())
        ));
    }
    inner.push('>');
    let mut background = true;
    let mut boxes = BTreeMap::new();
    let value = format!("{prefix}-{}", ElementId::VALUE);
    for child in graph.children().filter(|c| c.is_element()) {
        if child.has_tag_name("title") {
            continue;
        }
        if background && child.has_tag_name("polygon") {
            background = false;
            continue;
        }
        let name = child
            .attribute("id")
            .and_then(|id| id.strip_prefix(value.as_str()));
        let key = name.and_then(|name| match name.strip_suffix(ElementId::OP) {
            Some(op) => op.parse::<u64>().ok().map(|id| (id, true)),
            None => name.parse::<u64>().ok().map(|id| (id, false)),
        });
        if let (Some(key), Some(shape)) = (key, shape_box(child)) {
            boxes.insert(key, shape);
        }
        inner.push_str(&svg[child.range()]);
    }
    inner.push_str("</g>");
    Ok(Drawing {
        svg: inner,
        width,
        height,
        own,
        boxes,
    })
}

/// The box of a node's shape (its first polygon or ellipse), as `[left, top, right,
/// bottom]`.
fn shape_box(node: roxmltree::Node) -> Option<[f64; 4]> {
    let number = |name: &str, of: roxmltree::Node| of.attribute(name)?.parse::<f64>().ok();
    for shape in node.children() {
        if shape.has_tag_name("ellipse") {
            let (x, y) = (number("cx", shape)?, number("cy", shape)?);
            let (rx, ry) = (number("rx", shape)?, number("ry", shape)?);
            return Some([x - rx, y - ry, x + rx, y + ry]);
        }
        if shape.has_tag_name("polygon") {
            let points: Vec<f64> = shape
                .attribute("points")?
                .split([' ', ','])
                .filter_map(|n| n.parse().ok())
                .collect();
            let mut bounds = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for point in points.chunks_exact(2) {
                bounds = [
                    bounds[0].min(point[0]),
                    bounds[1].min(point[1]),
                    bounds[2].max(point[0]),
                    bounds[3].max(point[1]),
                ];
            }
            return (bounds[0] <= bounds[2]).then_some(bounds);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Graph, PyRandom, MLP};
    use crate::figure::format_number;
    use crate::graph::to_petgraph;

    /// micrograd's MLP(2, [3, 1]) over 6 examples, its summed outputs after backward.
    fn network() -> ExportGraph {
        let g = Graph::new();
        let mut rng = PyRandom::new(7);
        let model = MLP::new(&g, 2, &[3, 1], &mut rng);
        let mut total = g.leaf(0.0);
        for r in 0..6 {
            let x = [(r as f64 / 3.0).into(), (1.0 - r as f64 / 5.0).into()];
            total = total + model.call(&x)[0];
        }
        total.backward();
        to_petgraph(&g, &[total.id()])
    }

    fn parts_of(graph: &ExportGraph) -> Vec<Part> {
        let options = Options::default();
        let view = views::prepare(graph, &ViewOptions::default().with_detail(Detail::Depth(0)))
            .expect("the overview");
        let widest: Vec<String> = graph
            .node_weights()
            .map(|n| format_number(n.grad, 4))
            .collect();
        let drawer = Drawer {
            graph,
            widest: &widest,
            options: &options,
            rankdir: Rankdir::TB,
            prefix: "s0",
        };
        drawer.parts(&view).expect("the parts are drawn")
    }

    #[test]
    fn every_value_is_drawn_by_its_own_record_or_an_unopened_node() {
        let graph = network();
        let parts = parts_of(&graph);
        let titles: Vec<&str> = parts.iter().map(|p| p.title.as_str()).collect();
        // The layers open into their neurons, each neuron into its values, its calls'
        // repeated computations drawn once; a repeated computation into its first unit.
        assert!(
            titles.iter().any(|t| t.starts_with("l0: 3 ×")),
            "{titles:?}"
        );
        assert!(titles.iter().any(|t| t.starts_with("l0.n1:")), "{titles:?}");
        assert!(titles.iter().any(|t| t.starts_with("6 × ")), "{titles:?}");
        assert!(titles.contains(&"5 more units"), "{titles:?}");
        for (k, part) in parts.iter().enumerate() {
            assert!(part.parent.is_none_or(|p| p < k), "parents first: {k}");
        }
        assert_each_value_drawn_once(&graph, &parts);
    }

    /// Each value folded in the overview is drawn by exactly one part: its own record in
    /// a drawing, or a node that does not open.
    fn assert_each_value_drawn_once(graph: &ExportGraph, parts: &[Part]) {
        let mut drawn = vec![0; graph.node_count()];
        for part in parts {
            let own = part.drawing.as_ref().map_or(&part.members, |d| &d.own);
            for &i in own {
                drawn[i] += 1;
            }
            for &i in part.repeat.iter().flat_map(|r| r.units.iter().flatten()) {
                drawn[i] += 1;
            }
        }
        let view = views::prepare(graph, &ViewOptions::default().with_detail(Detail::Depth(0)))
            .expect("the overview");
        for (i, info) in graph.node_weights().enumerate() {
            let expected = usize::from(view.folded_into().contains_key(&info.id));
            assert_eq!(drawn[i], expected, "value {} ({})", info.id, info.label);
        }
    }

    /// A running sum of 300 products, after backward: the overview draws the sum as one
    /// `Σ of 301 terms` node, whose 300 `+` values drawn one under the other would be
    /// some 55,000 pt tall.
    fn long_sum() -> ExportGraph {
        let g = Graph::new();
        let weight = g.leaf(0.5);
        let mut total = g.leaf(0.0);
        for i in 0..300 {
            total = total + weight * g.leaf(f64::from(i) / 100.0);
        }
        total.backward();
        to_petgraph(&g, &[total.id()])
    }

    #[test]
    fn a_drawing_larger_than_a_screen_is_cut_into_pieces_that_open_further() {
        let graph = long_sum();
        let parts = parts_of(&graph);
        let sum = parts
            .iter()
            .position(|p| p.title.starts_with("\u{3a3} of"))
            .expect("the sum is a part");
        let pieces: Vec<&str> = parts
            .iter()
            .filter(|p| p.parent == Some(sum))
            .map(|p| p.title.as_str())
            .collect();
        assert!(
            (2..=MOST_PIECES).contains(&pieces.len()),
            "the sum opens to a few pieces: {pieces:?}"
        );
        assert!(pieces[0].starts_with("values 1\u{2013}"), "{pieces:?}");
        assert!(
            pieces.last().is_some_and(|p| p.ends_with(" of 300")),
            "{pieces:?}"
        );
        for (k, part) in parts.iter().enumerate() {
            let Some(drawing) = &part.drawing else {
                continue;
            };
            assert!(
                drawing.width <= SCREEN.0 && drawing.height <= SCREEN.1,
                "part {k} ({}) is {} × {} pt",
                part.title,
                drawing.width,
                drawing.height
            );
        }
        // Three levels down, single values: the pieces of the pieces draw records.
        let deepest = parts
            .iter()
            .filter(|p| p.parent.is_some_and(|q| parts[q].parent == Some(sum)))
            .count();
        assert!(deepest > 0, "the pieces open further");
        assert_each_value_drawn_once(&graph, &parts);
    }

    #[test]
    fn a_part_names_its_elements_after_itself_and_keeps_its_grad_texts() {
        let graph = network();
        let parts = parts_of(&graph);
        let (k, part) = parts
            .iter()
            .enumerate()
            .find(|(_, p)| p.title.starts_with("l0.n1:"))
            .expect("the neuron");
        let drawing = part.drawing.as_ref().expect("a neuron is drawn");
        let weight = graph
            .node_weights()
            .position(|n| n.label == "l0.n1.w0")
            .expect("a weight");
        assert!(drawing.own.contains(&weight));
        let id = graph[NodeIndex::new(weight)].id;
        let name = format!("s0-{}-{}", ElementId::Part(k), ElementId::Grad(id));
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">{}</svg>",
            drawing.svg
        );
        let doc = roxmltree::Document::parse(&svg).expect("the drawing parses");
        let text = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(name.as_str()))
            .unwrap_or_else(|| panic!("no {name}"));
        let grad = format_number(graph[NodeIndex::new(weight)].grad, 4);
        assert_eq!(text.text(), Some(format!("grad {grad}").as_str()));
        assert!(drawing.width > 0.0 && drawing.height > 0.0);
    }
}
