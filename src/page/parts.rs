//! Drill-down: the inner drawing of every node of a folded figure that stands for many
//! values, so the page can open it in place.
//!
//! A part is one such node: a folded group (a layer, a neuron) or a repeated computation
//! (`100 × ReLU`, `Σ of 101 terms`). Its drawing is laid out here, once, when the page is
//! written: the group's values one level further in (a layer as its neurons, a neuron as
//! its values with its calls' repeated computations still drawn once), or a repeated
//! computation as every value it stands for. What is still folded in a drawing is a part
//! of its own, nested in the first. Every drawing comes from the layered engine (hundreds
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
use crate::figure::{ElementId, Record};
use crate::graph::{ExportGraph, Rankdir};
use crate::render::{self, EngineChoice, Format, Options};
use crate::{Error, Result};

/// The most values a part draws one by one (a repeated computation opened): past it, a
/// node stays folded in the page. The moons notebook's largest is a sum of 338 terms.
pub const DRAWN_VALUES: usize = 2_000;

/// One node of a figure that stands for many values, and its drawing.
#[derive(Debug, Serialize)]
pub(crate) struct Part {
    /// The part whose drawing draws this part's node; `None`: the page's figure does.
    pub parent: Option<usize>,
    /// The value whose id names the node (`v3` in its parent's drawing).
    pub holder: usize,
    /// The node's title (`l0.n1: ReLU(w·x+b)`, `100 × ReLU`).
    pub title: String,
    /// Its drawing; `None` when it has none (the other units of a repeated computation, or
    /// more than [`DRAWN_VALUES`] values).
    pub drawing: Option<Drawing>,
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

/// A part waiting to be drawn.
struct Pending {
    parent: Option<usize>,
    holder: usize,
    title: String,
    members: Vec<usize>,
    /// The fold's group depth (0: a repeated computation).
    depth: usize,
    /// Whether it gets a drawing: the other units of a repeated computation do not.
    opens: bool,
}

/// What a part's drawing shows: a view, and for a repeated computation the units after the
/// first, drawn as one node.
struct Inner {
    view: View<'static>,
    rest: Option<(usize, Vec<usize>, Summary)>,
}

impl Drawer<'_> {
    /// Every part of `view`, the page's figure of [`Drawer::graph`], parents first.
    pub fn parts(&self, view: &View) -> Result<Vec<Part>> {
        let index_of = self.index_of();
        let mut queue: VecDeque<Pending> = self.pending(view, None, &index_of, None).into();
        let mut parts = Vec::new();
        while let Some(part) = queue.pop_front() {
            let k = parts.len();
            let inner = if part.opens {
                self.inner_view(&part.members, part.depth)?
            } else {
                None
            };
            let drawing = match inner {
                Some(Inner { view, rest }) => {
                    let within = Some(part.members.len());
                    queue.extend(self.pending(&view, Some(k), &index_of, within));
                    if let Some((holder, members, summary)) = &rest {
                        queue.push_back(Pending {
                            parent: Some(k),
                            holder: *holder,
                            title: summary.title.clone(),
                            members: members.clone(),
                            depth: 0,
                            opens: false,
                        });
                    }
                    Some(self.draw(view, rest.map(|r| (r.0, r.2)), k, &index_of)?)
                }
                None => None,
            };
            parts.push(Part {
                parent: part.parent,
                holder: part.holder,
                title: part.title,
                members: match drawing {
                    Some(_) => Vec::new(),
                    None => part.members,
                },
                drawing,
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

    /// The folded nodes of `view` (the figure, or the drawing of part `parent`), each with
    /// the values it stands for; a node standing for all of `within` values is no part.
    fn pending(
        &self,
        view: &View,
        parent: Option<usize>,
        index_of: &BTreeMap<u64, usize>,
        within: Option<usize>,
    ) -> Vec<Pending> {
        let mut members: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (value, drawn) in view.folded_into() {
            if let Some(&i) = index_of.get(value) {
                members.entry(*drawn).or_default().push(i);
            }
        }
        let mut pending = Vec::new();
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
            pending.push(Pending {
                parent,
                holder,
                title: summary.title.clone(),
                members,
                depth,
                opens: true,
            });
        }
        pending
    }

    /// What is drawn inside a part of `members`: a group one level open (its subgroups
    /// folded, its calls' repeated computations drawn once), or a repeated computation's
    /// first unit value by value and the other units as one node; `None` when that draws
    /// more than [`DRAWN_VALUES`] values.
    fn inner_view(&self, members: &[usize], depth: usize) -> Result<Option<Inner>> {
        let open = |members: &[usize], detail: Detail| {
            let options = ViewOptions::default()
                .with_detail(detail)
                .with_max_nodes(Some(usize::MAX));
            views::view_of(Cow::Owned(induced(self.graph, members)), &options)
        };
        if depth > 0 {
            // The group's own depth opens it; a graph whose outermost module differs from
            // the whole graph's counts its groups from another level, so look deeper.
            for depth in depth..=defaults::MAX_GROUP_DEPTH {
                let view = open(members, Detail::Depth(depth))?;
                if view.graph().node_count() > 1 {
                    return Ok(Some(Inner { view, rest: None }));
                }
            }
        }
        let units = units(self.graph, members);
        let (first, rest) = match units.as_slice() {
            [first, rest @ ..] if !rest.is_empty() => (first.clone(), rest.concat()),
            _ => (members.to_vec(), Vec::new()),
        };
        if first.len() > DRAWN_VALUES {
            return Ok(None);
        }
        if rest.is_empty() {
            let view = open(&first, Detail::Full)?;
            return Ok(Some(Inner { view, rest: None }));
        }
        let mut rest = rest;
        rest.sort_unstable();
        let holder = rest[0];
        let summary = self.summarize_rest(&rest, units.len() - 1);
        let mut drawn = first;
        drawn.push(holder);
        drawn.sort_unstable();
        let view = open(&drawn, Detail::Full)?;
        Ok(Some(Inner {
            view,
            rest: Some((holder, rest, summary)),
        }))
    }

    /// The node standing for the `count` units of a repeated computation after its first.
    fn summarize_rest(&self, rest: &[usize], count: usize) -> Summary {
        let inside: BTreeSet<usize> = rest.iter().copied().collect();
        let members: Vec<NodeIndex> = rest.iter().map(|&i| NodeIndex::new(i)).collect();
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
        let title = format!("{count} more {}", if count == 1 { "unit" } else { "units" });
        let mut summary = Summary::of(self.graph, title, &members, &outputs);
        summary.add_grad_norm();
        summary
    }

    /// Part `k`'s drawing of `view`, by the layered engine; `rest` is the value whose node
    /// stands for a repeated computation's other units, and what that node says.
    fn draw(
        &self,
        mut view: View,
        rest: Option<(usize, Summary)>,
        k: usize,
        index_of: &BTreeMap<u64, usize>,
    ) -> Result<Drawing> {
        view.decorations.caption = None;
        let precision = self.options.dot.precision;
        let mut options = self.options.clone();
        options.engine.engine = EngineChoice::Layered;
        let rest_id = rest
            .as_ref()
            .map(|(holder, _)| self.graph[NodeIndex::new(*holder)].id);
        let own: Vec<usize> = view
            .graph()
            .node_weights()
            .filter(|n| !view.summaries().contains_key(&n.id) && Some(n.id) != rest_id)
            .filter_map(|n| index_of.get(&n.id).copied())
            .collect();
        let mut figure = view.into_figure(&options.dot);
        figure.options.rankdir = self.rankdir;
        if let (Some(id), Some((_, summary))) = (rest_id, &rest) {
            figure
                .records
                .insert(id, Record::Summary(summary.fields(precision)));
        }
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
        inner_elements(&prepared, own)
    }
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

/// The elements of a page-prepared layered SVG, without the `<svg>` around them, its title
/// and its background, with the figure's size.
fn inner_elements(svg: &str, own: Vec<usize>) -> Result<Drawing> {
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
    for child in graph.children().filter(|c| c.is_element()) {
        if child.has_tag_name("title") {
            continue;
        }
        if background && child.has_tag_name("polygon") {
            background = false;
            continue;
        }
        inner.push_str(&svg[child.range()]);
    }
    inner.push_str("</g>");
    Ok(Drawing {
        svg: inner,
        width,
        height,
        own,
    })
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
        let mut drawn = vec![0; graph.node_count()];
        for part in &parts {
            let own = part.drawing.as_ref().map_or(&part.members, |d| &d.own);
            for &i in own {
                drawn[i] += 1;
            }
        }
        let view = views::prepare(
            &graph,
            &ViewOptions::default().with_detail(Detail::Depth(0)),
        )
        .expect("the overview");
        for (i, info) in graph.node_weights().enumerate() {
            let expected = usize::from(view.folded_into().contains_key(&info.id));
            assert_eq!(drawn[i], expected, "value {} ({})", info.id, info.label);
        }
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
