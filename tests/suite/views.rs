//! The large-graph views (`gradviz::figure::views`): clusters by label prefix and where unlabelled
//! values go, folded groups and their summary records, the |grad| colour scale and legend,
//! the node guard, determinism, a million-value chain, and golden DOT of kept figures
//! (`fixtures/views-*.dot`, rewritten by `GRADVIZ_BLESS=1`).

use std::collections::{BTreeMap, BTreeSet};

use crate::support::draw;
use crate::support::golden;
use crate::support::svg;
use crate::support::xml;

use draw::builtin_svg;
use golden::check_golden;
use gradviz::engine::{Graph, Input, PyRandom, MLP};
use gradviz::error::Guard;
use gradviz::figure::views::{
    self, defaults, ColorBy, Detail, View, ViewOptions, GRAD_PALETTE, NON_FINITE_FILL, ZERO_FILL,
};
use gradviz::figure::DotOptions;
use gradviz::graph::{to_petgraph, ExportGraph, NodeInfo};
use gradviz::Error;
use svg::groups;
use xml::parse_xml;

/// The view's figure as DOT text, with default options.
fn dot_of(view: &View) -> String {
    view.clone().into_figure(&DotOptions::default()).to_dot()
}

/// `MLP(2, [2, 1])` on one row, loss `(out - 1)**2` summed from 0 as Python's `sum` does,
/// with each value's expected group worked out from when it was created: the parameters
/// and everything a neuron's call creates belong to that neuron, the loss to the top level.
struct Tiny {
    graph: ExportGraph,
    /// Node id → the innermost group it must be drawn in (`None`: top level).
    expected: BTreeMap<u64, Option<String>>,
}

fn tiny_mlp() -> Tiny {
    let g = Graph::new();
    let mut rng = PyRandom::new(1);
    let model = MLP::new(&g, 2, &[2, 1], &mut rng);
    let mut expected = BTreeMap::new();
    for p in model.parameters() {
        let label = p.label().unwrap().to_string();
        let group = label.rsplit_once('.').unwrap().0.to_string();
        expected.insert(p.id().index() as u64, Some(group));
    }
    let mut inputs: Vec<Input> = vec![0.5.into(), (-1.0).into()];
    for (i, layer) in model.layers.iter().enumerate() {
        let mut outputs = Vec::new();
        for (j, neuron) in layer.neurons.iter().enumerate() {
            let before = g.len();
            outputs.push(neuron.call(&inputs));
            for id in before..g.len() {
                expected.insert(id as u64, Some(format!("l{i}.n{j}")));
            }
        }
        inputs = outputs.into_iter().map(Input::Value).collect();
    }
    let Input::Value(out) = inputs[0] else {
        unreachable!("the last layer gives values")
    };
    let before = g.len();
    let loss = 0.0 + (out - 1.0).pow(2);
    for id in before..g.len() {
        expected.insert(id as u64, None);
    }
    loss.backward();
    Tiny {
        graph: to_petgraph(&g, &[loss.id()]),
        expected,
    }
}

/// The benchmarks' network: `MLP(nin, sizes)` with seed 1337 over `rows` rows of exact
/// inputs, loss `sum((out - y)**2)`, after backward.
fn network(nin: usize, sizes: &[usize], rows: usize) -> ExportGraph {
    let g = Graph::new();
    let mut rng = PyRandom::new(1337);
    let model = MLP::new(&g, nin, sizes, &mut rng);
    let mut loss = None;
    for r in 0..rows {
        let x: Vec<Input> = (0..nin)
            .map(|k| (((r * (2 * k + 3) + k) % 11) as f64 / 5.0 - 1.0).into())
            .collect();
        let y = if r % 2 == 0 { 1.0 } else { -1.0 };
        let error = (model.call(&x)[0] - y).pow(2);
        loss = Some(match loss {
            None => 0.0 + error,
            Some(sum) => sum + error,
        });
    }
    let loss = loss.unwrap();
    loss.backward();
    to_petgraph(&g, &[loss.id()])
}

fn unguarded() -> ViewOptions {
    ViewOptions::default().with_max_nodes(Some(usize::MAX))
}

fn id_of(graph: &ExportGraph, label: &str) -> u64 {
    graph.node_weights().find(|n| n.label == label).unwrap().id
}

fn info(graph: &ExportGraph, id: u64) -> &NodeInfo {
    graph.node_weights().find(|n| n.id == id).unwrap()
}

fn edge_ids(graph: &ExportGraph) -> BTreeSet<(u64, u64)> {
    graph
        .raw_edges()
        .iter()
        .map(|e| (graph[e.source()].id, graph[e.target()].id))
        .collect()
}

#[test]
fn clusters_nest_by_label_prefix_and_hold_each_neurons_values() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &unguarded().with_group(true)).unwrap();
    let clusters = &view.decorations().clusters;
    let shape: Vec<(&str, Option<&str>)> = clusters
        .iter()
        .map(|c| {
            let parent = c.parent.map(|p| clusters[p].title.as_str());
            (c.title.as_str(), parent)
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("l0", None),
            ("l0.n0", Some("l0")),
            ("l0.n1", Some("l0")),
            ("l1", None),
            ("l1.n0", Some("l1")),
        ]
    );
    let mut drawn: BTreeMap<u64, Option<String>> =
        tiny.graph.node_weights().map(|n| (n.id, None)).collect();
    for cluster in clusters {
        for id in &cluster.members {
            assert_eq!(
                drawn.insert(*id, Some(cluster.title.clone())),
                Some(None),
                "{id} twice"
            );
        }
    }
    assert_eq!(drawn, tiny.expected);
    // 3 parameters, 2 constants (the inputs), 2 products, 2 sums and the ReLU.
    assert_eq!(clusters[1].members.len(), 10);
    // The output layer's neuron is linear and its inputs are values: no constants, no ReLU.
    assert_eq!(clusters[4].members.len(), 7);
}

#[test]
fn grouped_figure_draws_titled_clusters() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &unguarded().with_group(true)).unwrap();
    let svg = builtin_svg(&dot_of(&view));
    let titles = cluster_titles(&svg);
    assert_eq!(titles.len(), 5, "{titles:?}");
    for (name, texts) in titles {
        assert!(name.starts_with("cluster_"), "{name}");
        assert_eq!(texts.len(), 1, "{texts:?}");
    }
    let texts: BTreeSet<String> = cluster_titles(&svg)
        .into_iter()
        .flat_map(|(_, t)| t)
        .collect();
    let expected: BTreeSet<String> = ["l0", "l0.n0", "l0.n1", "l1", "l1.n0"]
        .map(String::from)
        .into();
    assert_eq!(texts, expected);
}

#[test]
fn labels_put_computed_values_in_the_parameters_group() {
    // `w * x` with a labelled input `x` (top level, from a script) stays in w's neuron; a
    // neuron output used with a constant outside it does not pull the result in.
    let g = Graph::new();
    let x = g.leaf(2.0).with_label("x");
    let w = g.leaf(3.0).with_label("net.n0.w0");
    let b = g.leaf(1.0).with_label("net.n0.b");
    let act = (w * x + b).relu();
    let other = g.leaf(-1.0).with_label("net.n1.w0");
    let mixed = act * other;
    let outside = act - 1.0;
    let root = mixed + outside;
    root.backward();
    let graph = to_petgraph(&g, &[root.id()]);
    let view = views::prepare(&graph, &unguarded().with_group(true)).unwrap();
    let group_of = |id: u64| {
        view.decorations()
            .clusters
            .iter()
            .find(|c| c.members.contains(&id))
            .map(|c| c.title.clone())
    };
    let id = |v: gradviz::engine::Value| v.id().index() as u64;
    assert_eq!(group_of(id(x)), None);
    assert_eq!(group_of(id(act)), Some("net.n0".to_string()));
    assert_eq!(group_of(id(mixed)), Some("net.n1".to_string()));
    assert_eq!(group_of(id(outside)), None);
    assert_eq!(group_of(id(root)), None);
}

#[test]
fn folding_neurons_keeps_the_loss_and_the_edges_between_groups() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &unguarded().with_fold(Some(1))).unwrap();
    let top = tiny.expected.values().filter(|g| g.is_none()).count();
    assert_eq!(top, 5, "constant -1, out - 1, **2, constant 0 and the sum");
    assert_eq!(view.graph().node_count(), 3 + top);
    let (n0, n1, out) = (
        id_of(&tiny.graph, "l0.n0.w0"),
        id_of(&tiny.graph, "l0.n1.w0"),
        id_of(&tiny.graph, "l1.n0.w0"),
    );
    assert_eq!(
        view.summaries().keys().copied().collect::<Vec<_>>(),
        vec![n0, n1, out]
    );
    let members = |group: &str| -> Vec<u64> {
        let wanted = Some(group.to_string());
        tiny.expected
            .iter()
            .filter(|(_, g)| **g == wanted)
            .map(|(id, _)| *id)
            .collect()
    };
    for (id, group, formula) in [
        (n0, "l0.n0", "ReLU(w·x+b)"),
        (n1, "l0.n1", "ReLU(w·x+b)"),
        (out, "l1.n0", "w·x+b"),
    ] {
        let summary = &view.summaries()[&id];
        assert_eq!(summary.title, format!("{group}: {formula}"));
        let inside = members(group);
        assert_eq!(summary.values, inside.len());
        let largest = inside
            .iter()
            .map(|&m| info(&tiny.graph, m).grad.abs())
            .fold(0.0, f64::max);
        assert_eq!(summary.max_grad.0, largest);
        // The neuron's output is the last value its call created.
        let last = info(&tiny.graph, *inside.last().unwrap());
        assert_eq!(summary.outputs, vec![(String::new(), last.data, last.grad)]);
    }
    let sub = tiny
        .expected
        .iter()
        .find(|(id, g)| g.is_none() && info(&tiny.graph, **id).op == "+")
        .map(|(id, _)| *id)
        .unwrap();
    let minus_one = tiny
        .expected
        .iter()
        .find(|(id, g)| g.is_none() && info(&tiny.graph, **id).data == -1.0)
        .map(|(id, _)| *id)
        .unwrap();
    let edges = edge_ids(view.graph());
    for edge in [(n0, out), (n1, out), (out, sub), (minus_one, sub)] {
        assert!(edges.contains(&edge), "{edge:?} missing from {edges:?}");
    }
    assert_eq!(edges.len(), 2 + 2 + 1 + 2, "{edges:?}");
}

#[test]
fn summary_record_text() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &unguarded().with_fold(Some(1))).unwrap();
    let n0 = id_of(&tiny.graph, "l0.n0.w0");
    let summary = &view.summaries()[&n0];
    let (_, data, grad) = summary.outputs[0];
    let (largest, label) = &summary.max_grad;
    assert_eq!(
        summary.fields(4),
        vec![
            "l0.n0: ReLU(w·x+b)".to_string(),
            format!("data {data:.4}\ngrad {grad:.4}"),
            format!(
                "10 values inside\nlargest |grad| {largest:.4}{}",
                parenthesized(label)
            ),
        ]
    );
    let svg = builtin_svg(&dot_of(&view));
    let texts = node_texts(&svg, &format!("v{n0}"));
    assert_eq!(texts[0], "l0.n0: ReLU(w·x+b)");
    assert_eq!(texts[1], format!("data {data:.4}"));
    assert_eq!(texts[3], "10 values inside");
}

fn parenthesized(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" ({label})")
    }
}

#[test]
fn folding_layers_counts_their_neurons_and_outputs() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &unguarded().with_fold(Some(0))).unwrap();
    assert_eq!(view.graph().node_count(), 2 + 5);
    let titles: Vec<&str> = view
        .summaries()
        .values()
        .map(|s| s.title.as_str())
        .collect();
    assert_eq!(titles, vec!["l0: 2 × ReLU(w·x+b)", "l1: 1 × w·x+b"]);
    let layer0 = view.summaries().values().next().unwrap();
    assert_eq!(layer0.outputs.len(), 2);
    assert_eq!(layer0.values, 20);
    let fields = layer0.fields(4);
    assert!(fields[1].starts_with("2 outputs\ndata "), "{fields:?}");
}

#[test]
fn grouped_fold_draws_summaries_inside_their_layer() {
    let graph = network(2, &[4, 4, 1], 3);
    let view = views::prepare(&graph, &unguarded().with_fold(Some(1)).with_group(true)).unwrap();
    let titles: Vec<&str> = view
        .decorations()
        .clusters
        .iter()
        .map(|c| c.title.as_str())
        .collect();
    assert_eq!(titles, vec!["l0", "l1", "l2"]);
    for cluster in &view.decorations().clusters {
        assert!(cluster.parent.is_none());
        let sizes = [4, 4, 1][titles.iter().position(|t| *t == cluster.title).unwrap()];
        assert_eq!(cluster.members.len(), sizes);
        for id in &cluster.members {
            assert!(view.summaries()[id]
                .title
                .starts_with(&format!("{}.n", cluster.title)));
            assert_eq!(view.summaries()[id].outputs.len(), 3, "one per row");
        }
    }
}

#[test]
fn fold_deeper_than_the_groups_changes_nothing() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &unguarded().with_fold(Some(5))).unwrap();
    assert!(view.summaries().is_empty());
    assert_eq!(view.graph().node_count(), tiny.graph.node_count());
    assert_eq!(edge_ids(view.graph()), edge_ids(&tiny.graph));
}

/// Relative luminance (WCAG) of `#rrggbb`.
fn luminance(color: &str) -> f64 {
    let channel = |i: usize| {
        let c = u8::from_str_radix(&color[i..i + 2], 16).unwrap() as f64 / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

#[test]
fn palette_darkens_monotonically_and_stays_readable_with_black_text() {
    let steps: Vec<f64> = std::iter::once(ZERO_FILL)
        .chain(GRAD_PALETTE)
        .map(luminance)
        .collect();
    assert!(steps.windows(2).all(|w| w[0] > w[1]), "{steps:?}");
    let darkest = *steps.last().unwrap();
    assert!(
        (darkest + 0.05) / 0.05 >= 4.0,
        "contrast with black {darkest}"
    );
}

fn leaves_with_grads(grads: &[f64]) -> ExportGraph {
    let mut graph = ExportGraph::new();
    for (i, &grad) in grads.iter().enumerate() {
        graph.add_node(NodeInfo {
            id: i as u64,
            label: format!("v{i}").into(),
            data: 0.0,
            grad,
            op: Default::default(),
            scope: None,
        });
    }
    graph
}

fn fills(grads: &[f64]) -> (Vec<String>, Vec<String>) {
    let graph = leaves_with_grads(grads);
    let view = views::prepare(&graph, &unguarded().with_color(ColorBy::Grad)).unwrap();
    let fills = (0..grads.len() as u64)
        .map(|id| view.decorations().nodes[&id].fill.clone().unwrap())
        .collect();
    let legend = view
        .decorations()
        .legend
        .iter()
        .map(|e| e.text.clone())
        .collect();
    (fills, legend)
}

#[test]
fn wide_grad_range_is_drawn_on_a_log_scale() {
    // 1e-6 … 1e3 is nine decades: five steps of two decades from 1e-6, spread over the
    // palette (steps 0, 1, 3, 4 are colours 0, 2, 5, 6); zero has its own swatch.
    let (fills, legend) = fills(&[1e-6, 1e-3, 1.0, -1e3, 0.0]);
    let expected = [
        GRAD_PALETTE[0],
        GRAD_PALETTE[2],
        GRAD_PALETTE[5],
        GRAD_PALETTE[6],
        ZERO_FILL,
    ];
    assert_eq!(fills, expected.map(String::from));
    assert_eq!(
        legend,
        [
            "fill: |grad|, logarithmic scale",
            "0",
            "1e-6–1e-4",
            "1e-4–0.01",
            "0.01–1",
            "1–100",
            "100–10000"
        ]
    );
}

#[test]
fn narrow_grad_range_is_linear_and_non_finite_is_off_scale() {
    // 0 … 2 in round steps of 0.5 (2/7 rounded up): four steps, colours 0, 2, 4, 6; 0.5
    // starts step 1, 1.0 step 2, 2.0 is the top.
    let (fills, legend) = fills(&[0.5, 1.0, -2.0, 0.0, f64::NAN]);
    let expected = [
        GRAD_PALETTE[2],
        GRAD_PALETTE[4],
        GRAD_PALETTE[6],
        GRAD_PALETTE[0],
        NON_FINITE_FILL,
    ];
    assert_eq!(fills, expected.map(String::from));
    assert_eq!(
        legend,
        [
            "fill: |grad|, linear scale",
            "0–0.5",
            "0.5–1",
            "1–1.5",
            "1.5–2",
            "nan or inf"
        ]
    );
}

#[test]
fn colour_follows_grad_order_and_the_legend_is_drawn() {
    let graph = network(2, &[4, 4, 1], 2);
    let view = views::prepare(&graph, &unguarded().with_color(ColorBy::Grad)).unwrap();
    let step = |fill: &str| {
        std::iter::once(ZERO_FILL)
            .chain(GRAD_PALETTE)
            .position(|c| c == fill)
            .unwrap()
    };
    let mut by_grad: Vec<(f64, usize)> = graph
        .node_weights()
        .map(|n| {
            (
                n.grad.abs(),
                step(view.decorations().nodes[&n.id].fill.as_deref().unwrap()),
            )
        })
        .collect();
    by_grad.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(by_grad.windows(2).all(|w| w[0].1 <= w[1].1));
    assert!(by_grad.first().unwrap().1 < by_grad.last().unwrap().1);
    let svg = builtin_svg(&dot_of(&view));
    assert!(
        cluster_titles(&svg).is_empty(),
        "the legend is no box of boxes"
    );
    let swatch = node_texts(&svg, "legend_0");
    assert!(swatch[0].starts_with("fill: |grad|"), "{swatch:?}");
    let doc = parse_xml(&svg);
    let rows: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
        .filter(|g| {
            g.children().any(|t| {
                t.has_tag_name("title") && t.text().is_some_and(|t| t.starts_with("legend_"))
            })
        })
        .filter_map(|g| g.descendants().find(|t| t.has_tag_name("text")))
        .filter_map(|t| t.attribute("y"))
        .collect();
    assert_eq!(rows.len(), 1, "the legend is one row: {rows:?}");
}

#[test]
fn default_view_is_micrographs_plain_figure() {
    let tiny = tiny_mlp();
    let view = views::prepare(&tiny.graph, &ViewOptions::default()).unwrap();
    assert_eq!(view.decorations(), &Default::default());
    assert_eq!(
        dot_of(&view),
        gradviz::figure::to_dot(&tiny.graph, &DotOptions::default(), &Default::default())
    );
}

#[test]
fn large_views_get_the_fast_layout() {
    let graph = network(2, &[4, 4, 1], 8);
    let budget = defaults::FAST_LAYOUT_ABOVE;
    assert!(gradviz::figure::layout_cost(&graph, budget).total() > budget);
    let view = views::prepare(&graph, &ViewOptions::default()).unwrap();
    let dot = dot_of(&view);
    for (name, value) in [("newrank", "true"), ("nslimit", "0.2")] {
        assert!(
            dot.contains(&format!("{name}=\"{value}\"")),
            "{name} in {dot:.300}"
        );
    }
}

#[test]
fn guard_refuses_with_the_size_and_what_to_do() {
    let tiny = tiny_mlp();
    let values = tiny.graph.node_count();
    let Err(error) = views::prepare(
        &tiny.graph,
        &ViewOptions::default().with_max_nodes(Some(10)),
    ) else {
        panic!("a graph over the limit is refused")
    };
    let folded = views::prepare(&tiny.graph, &unguarded().with_fold(Some(1))).unwrap();
    let folded = folded.graph().node_count();
    let ops = tiny
        .graph
        .node_weights()
        .filter(|n| !n.op.is_leaf())
        .count();
    let Error::TooLarge(oversize) = &error else {
        panic!("not the guard: {error}")
    };
    assert_eq!(
        (oversize.values, oversize.limit, oversize.guard),
        (
            values,
            10,
            Guard::Figure {
                nodes: values + ops,
                fold: Some((1, folded))
            }
        )
    );
    // The library's own wording names its own settings, not a front end's flags.
    assert_eq!(
        error.to_string(),
        format!(
            "the figure has {values} values ({} Graphviz nodes with the op nodes), more than \
             the limit of 10 that `dot` lays out in about 10 seconds\n  draw an overview with \
             ViewOptions::fold = 1 (groups nested deeper than 1 as one node each: {folded} \
             values)\n  or draw it all with ViewOptions::max_nodes = {values} (Graphviz may \
             take minutes), or write the source with Format::Dot",
            values + ops
        )
    );
    let Err(Error::TooLarge(oversize)) =
        views::prepare(&tiny.graph, &ViewOptions::default().with_max_nodes(Some(7)))
    else {
        panic!("refused")
    };
    assert!(matches!(
        oversize.guard,
        Guard::Figure {
            fold: Some((0, 7)),
            ..
        }
    ));
    assert!(views::prepare(
        &tiny.graph,
        &ViewOptions::default().with_max_nodes(Some(values))
    )
    .is_ok());
    assert!(views::prepare(
        &tiny.graph,
        &ViewOptions::default()
            .with_fold(Some(0))
            .with_max_nodes(Some(7))
    )
    .is_ok());
}

#[test]
fn default_guard_is_max_nodes() {
    // Every value drawn: an overview always fits under the guard.
    let every_value = ViewOptions::default().with_detail(Detail::Full);
    let at_limit = leaves_with_grads(&vec![1.0; defaults::MAX_NODES]);
    assert!(views::prepare(&at_limit, &every_value).is_ok());
    let over = leaves_with_grads(&vec![1.0; defaults::MAX_NODES + 1]);
    assert!(views::prepare(&over, &ViewOptions::default()).is_ok());
    let Err(error) = views::prepare(&over, &every_value) else {
        panic!("refused")
    };
    let message = error.to_string();
    assert!(message.contains("ViewOptions::fold = DEPTH"), "{message}");
    assert!(message.contains(&format!(
        "ViewOptions::max_nodes = {}",
        defaults::MAX_NODES + 1
    )));
    assert!(!message.contains("--"), "no command-line flag: {message}");
}

#[test]
fn views_are_deterministic() {
    let options = unguarded()
        .with_group(true)
        .with_fold(Some(1))
        .with_color(ColorBy::Grad);
    let (one, other) = (network(2, &[4, 4, 1], 4), network(2, &[4, 4, 1], 4));
    let first = views::prepare(&one, &options).unwrap();
    let second = views::prepare(&other, &options).unwrap();
    assert_eq!(dot_of(&first), dot_of(&second));
    assert_eq!(first.decorations(), second.decorations());
}

#[test]
fn a_million_value_chain_without_recursion() {
    const LENGTH: usize = 1_000_000;
    let g = Graph::with_capacity(LENGTH);
    let mut x = g.leaf(0.5).with_label("chain.x");
    for _ in 1..LENGTH {
        x = x.tanh();
    }
    x.backward();
    let graph = to_petgraph(&g, &[x.id()]);
    let grouped = views::prepare(
        &graph,
        &unguarded().with_group(true).with_color(ColorBy::Grad),
    )
    .unwrap();
    assert_eq!(grouped.decorations().clusters.len(), 1);
    assert_eq!(grouped.decorations().clusters[0].members.len(), LENGTH);
    assert_eq!(grouped.decorations().nodes.len(), LENGTH);
    let folded = views::prepare(&graph, &unguarded().with_fold(Some(0))).unwrap();
    assert_eq!(folded.graph().node_count(), 1);
    let summary = folded.summaries().values().next().unwrap();
    assert_eq!(summary.values, LENGTH);
    assert_eq!(summary.title, "chain: ops tanh");
    assert_eq!(summary.outputs.len(), 1);
}

fn cluster_titles(svg: &str) -> Vec<(String, Vec<String>)> {
    groups(&parse_xml(svg), "cluster")
}

fn node_texts(svg: &str, title: &str) -> Vec<String> {
    groups(&parse_xml(svg), "node")
        .into_iter()
        .find(|(t, _)| t == title)
        .unwrap_or_else(|| panic!("no node {title}"))
        .1
}

#[test]
fn golden_figures() {
    let one_row = network(2, &[4, 4, 1], 1);
    let batch = network(2, &[4, 4, 1], 44);
    let figures = [
        (
            "views-mlp-grouped.dot",
            &one_row,
            unguarded().with_group(true),
        ),
        (
            "views-mlp-color.dot",
            &one_row,
            unguarded().with_group(true).with_color(ColorBy::Grad),
        ),
        (
            "views-mlp-folded.dot",
            &batch,
            unguarded().with_group(true).with_fold(Some(1)),
        ),
        (
            "views-mlp-layers.dot",
            &batch,
            unguarded()
                .with_group(true)
                .with_fold(Some(0))
                .with_color(ColorBy::Grad),
        ),
    ];
    for (name, graph, options) in figures {
        check_golden(name, &dot_of(&views::prepare(graph, &options).unwrap()));
    }
}
