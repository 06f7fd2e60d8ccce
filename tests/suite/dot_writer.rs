//! The one DOT writer (`figure::write_dot`, behind `to_dot`) against graphviz-rust: the
//! model Rust users get (`figure::to_dot_model`, parsed from the writer's text) must print
//! back to the same bytes with our printer and with graphviz-rust's, so the text is
//! canonical DOT that round-trips. On the golden figures and on random graphs with random labels
//! and decorations.

use std::borrow::Cow;
use std::collections::BTreeMap;

use graphviz_rust::printer::{DotPrinter, PrinterContext};
use proptest::prelude::*;

use gradviz::engine::Graph;
use gradviz::figure::views::{self, ColorBy, ViewOptions};
use gradviz::figure::{
    format_number, print_dot_model, to_dot, to_dot_model, write_dot, Cluster, Decorations,
    DotOptions, Figure, Gate, LayoutHints, LegendEntry, NodeDecoration, Rankdir, Record, Scene,
};
use gradviz::graph::{to_petgraph, ExportGraph};
use gradviz::input::script::{evaluate, ScriptOptions};

/// Every way of writing the figure gives the model's text, which parses back to the model.
fn assert_writer_matches_model(
    graph: &ExportGraph,
    options: &DotOptions,
    decorations: &Decorations,
) {
    let model = to_dot_model(graph, options, decorations).expect("the text parses");
    let ours = print_dot_model(&model) + "\n";
    let mut streamed = Vec::new();
    write_dot(graph, options, decorations, &mut streamed).unwrap();
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        ours,
        "write_dot differs"
    );
    assert_eq!(to_dot(graph, options, decorations), ours, "to_dot differs");
    assert_scene_matches_model(&Scene::of(graph, options, decorations));
}

/// [`assert_writer_matches_model`] for a whole figure: its records and layout settings too.
fn assert_figure_matches_model(figure: &Figure) {
    let mut streamed = Vec::new();
    figure.write_dot(&mut streamed).unwrap();
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        figure.to_dot(),
        "the figure's write_dot differs from its to_dot"
    );
    assert_scene_matches_model(&figure.scene());
}

fn assert_scene_matches_model(scene: &Scene) {
    let model = scene.to_dot_model().expect("the text parses");
    let ours = print_dot_model(&model) + "\n";
    let theirs = model.print(&mut PrinterContext::default()) + "\n";
    assert_eq!(ours, theirs, "our printer differs from graphviz-rust's");

    let mut streamed = Vec::new();
    scene.write_dot(&mut streamed).unwrap();
    let streamed = String::from_utf8(streamed).expect("the DOT text is UTF-8");
    assert_eq!(streamed, ours, "write_dot differs from the printed model");
    assert_eq!(scene.to_dot(), ours, "to_dot differs");

    let parsed = graphviz_rust::parse(&streamed)
        .unwrap_or_else(|e| panic!("graphviz-rust cannot parse the text: {e}\n{streamed}"));
    assert_eq!(parsed, model, "the text does not parse back to the model");
}

/// A writer that takes at most `limit` bytes per call, to exercise partial writes.
struct Trickle {
    bytes: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.limit);
        self.bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A writer that fails after `room` bytes.
struct Full {
    room: usize,
}

impl std::io::Write for Full {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.room {
            return Err(std::io::Error::other("disk full"));
        }
        self.room -= buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn script_figure(fixture: &str, snapshot: usize) -> ExportGraph {
    let path = format!("{}/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let evaluated = evaluate(&text, &path, &ScriptOptions::default()).unwrap();
    evaluated.figures().unwrap().swap_remove(snapshot).graph
}

fn hostile() -> ExportGraph {
    let g = Graph::new();
    let a = g.leaf(1.5).with_label("\"]; evil [label=\"x");
    let b = g.leaf(-2.0).with_label("{ } | < > \" \\ &");
    let c = (a * b).with_label("  θ₁ → ∂L\nline 2\r\ntab\t😀\r \u{0}\u{7f}\u{fffe} ");
    let d = (c + a).with_label("");
    let e = (d * d).pow(2.5).with_label(" ");
    e.backward();
    to_petgraph(&g, &[e.id()])
}

/// Fills, outlines, extra rows, a caption, a legend and nested clusters (one parent given
/// after its child, which puts the child at the top level).
fn decorations_for(graph: &ExportGraph) -> Decorations {
    let ids: Vec<u64> = graph.node_weights().map(|n| n.id).collect();
    let mut nodes = BTreeMap::new();
    nodes.insert(
        ids[0],
        NodeDecoration {
            fill: Some("#ffcccc".to_string()),
            outline: Some("#cc0000".to_string()),
            extra_rows: vec!["expected grad 1.0000".to_string(), "a | b".to_string()],
        },
    );
    nodes.insert(
        ids[2],
        NodeDecoration {
            outline: Some("blue".to_string()),
            ..NodeDecoration::default()
        },
    );
    let cluster = |title: &str, parent, members: Vec<u64>, fill: Option<&str>| Cluster {
        title: title.to_string(),
        parent,
        members,
        fill: fill.map(str::to_string),
    };
    Decorations {
        nodes,
        caption: Some("after \"backward\"".to_string()),
        legend: vec![
            LegendEntry {
                fill: Some("#ffcccc".to_string()),
                outline: Some("#cc0000".to_string()),
                text: "wrong grad (stored | expected)".to_string(),
            },
            LegendEntry {
                fill: None,
                outline: None,
                text: "plain".to_string(),
            },
        ],
        clusters: vec![
            cluster("inputs", None, vec![ids[0], ids[2]], None),
            cluster(
                "inputs.weights",
                Some(0),
                vec![ids[1], ids[3]],
                Some("#f4f4f4"),
            ),
            cluster("deeper", Some(1), vec![ids[4], 999_999], None),
            cluster("sibling", Some(0), vec![], Some("grey")),
            cluster("bad parent", Some(7), vec![ids[5], ids[0]], None),
        ],
        gates: vec![Gate {
            after: vec![ids[0], ids[1]],
            before: vec![ids[4]],
        }],
        same_rank: vec![vec![ids[0], ids[2]], vec![ids[1], ids[3], 999_999]],
    }
}

#[test]
fn golden_figures_match_the_model() {
    let neuron_before = script_figure("neuron.py", 0);
    let neuron = script_figure("neuron.py", 1);
    let readme = script_figure("micrograd_readme.py", 0);
    let hostile = hostile();
    let plain = Decorations::default();
    let options = DotOptions::default();
    for graph in [&neuron_before, &neuron, &readme, &hostile] {
        assert_writer_matches_model(graph, &options, &plain);
    }
    assert_writer_matches_model(&neuron, &options, &decorations_for(&neuron));
    assert_writer_matches_model(&hostile, &options, &decorations_for(&hostile));
    let other = DotOptions::default()
        .with_rankdir(Rankdir::BT)
        .with_precision(0);
    assert_writer_matches_model(&readme, &other, &decorations_for(&readme));
}

/// The views' figures: clusters by label prefix, colours, folded summary records and the
/// layout's graph attributes.
#[test]
fn view_figures_match_the_model() {
    let mlp = script_figure("mlp.py", 0);
    let unguarded = ViewOptions::default().with_max_nodes(Some(usize::MAX));
    let base = DotOptions::default();
    let views = [
        unguarded.clone().with_group(true),
        unguarded.clone().with_group(true).with_color(ColorBy::Grad),
        unguarded.clone().with_group(true).with_fold(Some(1)),
        unguarded.with_fold(Some(0)).with_color(ColorBy::Grad),
    ];
    for view_options in views {
        let mut figure = views::prepare(&mlp, &view_options)
            .unwrap()
            .into_figure(&base);
        figure.hints.quick_placement = true;
        assert_figure_matches_model(&figure);
    }
    let folded = views::prepare(&mlp, &ViewOptions::default().with_fold(Some(0))).unwrap();
    assert!(
        !folded.summaries().is_empty(),
        "the fold has summary records"
    );
}

/// Ids as JSON graphs may give them: any `u64`, in any order.
#[test]
fn any_ids_are_written_as_the_model_writes_them() {
    use gradviz::graph::NodeInfo;
    let mut graph = ExportGraph::new();
    let ids = [u64::MAX, 0, 9, 10, 99, 100, 1_000_000_007, u64::MAX / 10];
    let nodes: Vec<_> = ids
        .iter()
        .map(|&id| {
            graph.add_node(NodeInfo {
                id,
                label: format!("n{id}").into(),
                data: id as f64,
                grad: -1.0,
                op: if id % 2 == 1 { "+" } else { "" }.into(),
                scope: None,
            })
        })
        .collect();
    for pair in nodes.windows(2) {
        graph.add_edge(pair[0], pair[1], 0);
        graph.add_edge(pair[0], pair[1], 1);
    }
    assert_writer_matches_model(&graph, &DotOptions::default(), &Decorations::default());
}

#[test]
fn partial_writes_and_a_large_figure_give_the_same_bytes() {
    let g = Graph::new();
    let mut x = g.leaf(1.0).with_label("x");
    for _ in 0..3000 {
        x = (x * g.leaf(0.999).with_label("w7") + g.leaf(0.001).with_label("b7")).with_label("x");
    }
    x.backward();
    let graph = to_petgraph(&g, &[x.id()]);
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    assert!(dot.len() > 256 * 1024, "several flushes happen");
    let mut trickle = Trickle {
        bytes: Vec::new(),
        limit: 1000,
    };
    write_dot(
        &graph,
        &DotOptions::default(),
        &Decorations::default(),
        &mut trickle,
    )
    .unwrap();
    assert_eq!(String::from_utf8(trickle.bytes).unwrap(), dot);
    assert_writer_matches_model(&graph, &DotOptions::default(), &Decorations::default());
}

#[test]
fn a_failing_output_is_an_error() {
    let graph = script_figure("neuron.py", 1);
    let error = write_dot(
        &graph,
        &DotOptions::default(),
        &Decorations::default(),
        Full { room: 10 },
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "disk full");
}

/// One step of a random engine graph: a leaf, or an op on earlier values (picked by index
/// modulo their count).
#[derive(Debug, Clone)]
enum Step {
    Leaf(f64),
    Binary(u8, usize, usize),
    Unary(u8, usize),
    Pow(usize, f64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<f64>().prop_map(Step::Leaf),
        (-3.0..3.0f64).prop_map(Step::Leaf),
        (0..4u8, any::<usize>(), any::<usize>()).prop_map(|(op, a, b)| Step::Binary(op, a, b)),
        (0..5u8, any::<usize>()).prop_map(|(op, a)| Step::Unary(op, a)),
        (
            any::<usize>(),
            prop_oneof![Just(2.0), Just(-1.0), Just(0.5)]
        )
            .prop_map(|(a, k)| Step::Pow(a, k)),
    ]
}

/// A graph from `steps` with `labels` (cycled; `None` leaves a value unlabelled), exported
/// from its last value (or its last two), after a backward pass when `backward`.
fn engine_graph(
    steps: &[Step],
    labels: &[Option<String>],
    backward: bool,
    two_roots: bool,
) -> ExportGraph {
    let g = Graph::new();
    let mut values = vec![g.leaf(1.0)];
    for step in steps {
        let pick = |i: usize| values[i % values.len()];
        let value = match *step {
            Step::Leaf(x) => g.leaf(x),
            Step::Binary(op, a, b) => match op {
                0 => pick(a) + pick(b),
                1 => pick(a) * pick(b),
                2 => pick(a) - pick(b),
                _ => pick(a) / pick(b),
            },
            Step::Unary(op, a) => match op {
                0 => pick(a).tanh(),
                1 => pick(a).exp(),
                2 => pick(a).relu(),
                3 => pick(a).log(),
                _ => pick(a).sigmoid(),
            },
            Step::Pow(a, k) => pick(a).pow(k),
        };
        values.push(value);
    }
    for (value, label) in values.iter().zip(labels.iter().cycle()) {
        if let Some(label) = label {
            value.with_label(label);
        }
    }
    let root = *values.last().unwrap();
    if backward {
        root.backward();
    }
    let mut roots = vec![root.id()];
    if two_roots && values.len() > 2 {
        roots.push(values[values.len() / 2].id());
    }
    to_petgraph(&g, &roots)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-z{}|<>\"\\\\&\n\r\t]{0,8}",
        Just(String::new()),
    ]
}

fn decorations(ids: Vec<u64>) -> impl Strategy<Value = Decorations> {
    let id = prop_oneof![4 => prop::sample::select(ids), 1 => any::<u64>()];
    let node = (
        id.clone(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(|(id, fill, outline, extra_rows)| {
            (
                id,
                NodeDecoration {
                    fill,
                    outline,
                    extra_rows,
                },
            )
        });
    let legend = (prop::option::of(text()), prop::option::of(text()), text()).prop_map(
        |(fill, outline, text)| LegendEntry {
            fill,
            outline,
            text,
        },
    );
    let cluster = (
        text(),
        prop::option::of(0..8usize),
        prop::collection::vec(id, 0..6),
        prop::option::of(text()),
    )
        .prop_map(|(title, parent, members, fill)| Cluster {
            title,
            parent,
            members,
            fill,
        });
    (
        prop::collection::vec(node, 0..6),
        prop::option::of(text()),
        prop::collection::vec(legend, 0..3),
        prop::collection::vec(cluster, 0..8),
    )
        .prop_map(|(nodes, caption, legend, clusters)| Decorations {
            nodes: nodes.into_iter().collect(),
            caption,
            legend,
            clusters,
            gates: Vec::new(),
            same_rank: Vec::new(),
        })
}

/// Options, the records that are not micrograd's (summaries and grads with room) and
/// layout settings.
type FigureParts = (DotOptions, BTreeMap<u64, Record>, LayoutHints);

fn options(ids: Vec<u64>) -> impl Strategy<Value = FigureParts> {
    let rankdir = prop::sample::select(vec![Rankdir::LR, Rankdir::TB, Rankdir::RL, Rankdir::BT]);
    let record = prop_oneof![
        prop::collection::vec(text(), 0..4).prop_map(Record::Summary),
        "-?[0-9]{1,30}\\.[0-9]{0,6}".prop_map(Record::GradRoom),
    ];
    (
        rankdir,
        0..8usize,
        text(),
        any::<(bool, bool, bool)>(),
        prop::collection::btree_map(prop::sample::select(ids), record, 0..3),
    )
        .prop_map(|(rankdir, precision, fontname, hints, records)| {
            let mut options = DotOptions::default()
                .with_rankdir(rankdir)
                .with_precision(precision);
            options.fontname = fontname;
            let (newrank, quick_placement, keep_crossings) = hints;
            let hints = LayoutHints {
                newrank,
                quick_placement,
                keep_crossings,
            };
            (options, records, hints)
        })
}

/// A random figure: graph, options and decorations over its ids, and op texts replaced
/// (an empty one draws a value's edges without an op node, as JSON graphs may).
fn figure() -> impl Strategy<Value = (ExportGraph, FigureParts, Decorations)> {
    (
        prop::collection::vec(step(), 0..24),
        prop::collection::vec(prop::option::of(text()), 1..6),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((any::<usize>(), prop::option::of(text())), 0..3),
    )
        .prop_flat_map(|(steps, labels, backward, two_roots, ops)| {
            let mut graph = engine_graph(&steps, &labels, backward, two_roots);
            let count = graph.node_count();
            for (index, op) in ops {
                let index = petgraph::graph::NodeIndex::new(index % count);
                graph[index].op = op.as_deref().unwrap_or_default().into();
            }
            let ids: Vec<u64> = graph.node_weights().map(|n| n.id).collect();
            (Just(graph), options(ids.clone()), decorations(ids))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_figures_match_the_model((graph, parts, decorations) in figure()) {
        assert_writer_matches_model(&graph, &parts.0, &decorations);
        let (options, records, hints) = parts;
        let figure = Figure {
            graph: Cow::Borrowed(&graph),
            options,
            decorations,
            records,
            hints,
            note: None,
        };
        assert_figure_matches_model(&figure);
    }
}

/// `format_number` computes common numbers in integers; std's `{:.p$}` (checked against
/// Python in `tests/suite/render.rs`) is the reference. Ties, subnormals, the limits of the
/// integer path and negative numbers that round to zero.
#[test]
fn numbers_match_std_formatting() {
    let mut values = vec![
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -2.5,
        0.125,
        0.375,
        5e-5,
        -5e-5,
        1.5e-4,
        0.00015,
        -1e-300,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        0.1,
        0.7,
        6.881_373_587_019_543,
        138.833_8,
        9_007_199_254_740_991.0,
        9_007_199_254_740_992.0,
        -9_007_199_254_740_993.0,
        1e300,
        f64::MAX,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    values.extend((0..2000).map(|i| f64::from(i) / 16.0 - 60.0));
    for x in values {
        for precision in 0..=20 {
            assert_eq!(
                format_number(x, precision),
                std_number(x, precision),
                "{x:e} with {precision} digits"
            );
        }
    }
}

fn std_number(x: f64, precision: usize) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        (if x > 0.0 { "inf" } else { "-inf" }).to_string()
    } else {
        format!("{x:.precision$}")
    }
}

proptest! {
    #[test]
    fn any_number_matches_std_formatting(bits in any::<u64>(), precision in 0..20usize) {
        let x = f64::from_bits(bits);
        prop_assert_eq!(format_number(x, precision), std_number(x, precision));
    }

    #[test]
    fn moderate_numbers_match_std_formatting(x in -1e6..1e6f64, precision in 0..9usize) {
        prop_assert_eq!(format_number(x, precision), std_number(x, precision));
    }
}
