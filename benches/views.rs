//! Benchmarks of the large-graph views on micrograd networks: a batch loss of
//! `MLP(2, [4, 4, 1])` (micrograd's demo network) and of a wider net, drawn whole, grouped and
//! folded, through Graphviz `dot` and the builtin engine.
//!
//! `cargo bench --bench views` prints the targets table. Modes (after `--`):
//! - `--peer PYTHON`: also runs micrograd 0.1.0's lecture `draw_dot` + `dot -Tsvg` on the same
//!   3k-value graph (PYTHON needs micrograd and the `graphviz` package) and prints the ratio;
//! - `--layout`: `dot` seconds for each candidate set of layout attributes;
//! - `--guard`: `dot` seconds by figure size, with the fast layout (where 10 s falls);
//! - `--emit DIR`: writes the DOT and SVG of the figures to DIR, to look at;
//! - `--overview JSON`: seconds from a graph's JSON (the moons notebook's, written by
//!   `gradviz render moons.ipynb -o moons.json`) to its overview SVG through `dot`: what
//!   `render` adds after the script ran; and the SVG's size, aspect and text size at 1920 px;
//! - `--readable`: whole figures by size (`dot`): their size in pt, aspect ratio and text
//!   size scaled to 1920 px wide, which is where the overview threshold comes from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gradviz::engine::{Graph, Input, PyRandom, MLP};
use gradviz::figure::views::{self, ColorBy, Detail, View, ViewOptions};
use gradviz::figure::{DotOptions, LayoutHints};
use gradviz::graph::{to_petgraph, ExportGraph};
use gradviz::render::{render_dot, EngineChoice, EngineOptions, Format};

/// The network, batch and seed of a benchmark graph.
#[derive(Debug, Clone, Copy)]
struct Network {
    nin: usize,
    sizes: &'static [usize],
    rows: usize,
}

const SEED: i64 = 1337;
/// micrograd's demo network over 44 rows: about 3.4k values.
const MLP_3K: Network = Network {
    nin: 2,
    sizes: &[4, 4, 1],
    rows: 44,
};
/// A wider network: about 10k values.
const MLP_10K: Network = Network {
    nin: 2,
    sizes: &[16, 16, 1],
    rows: 15,
};

/// Input `k` of row `r`: exact binary fractions in [-1, 1], the same in Python.
fn input(r: usize, k: usize) -> f64 {
    ((r * (2 * k + 3) + k) % 11) as f64 / 5.0 - 1.0
}

fn target(r: usize) -> f64 {
    if r.is_multiple_of(2) {
        1.0
    } else {
        -1.0
    }
}

/// `sum((model(x) - y)**2 for each row)` after backward, exported.
fn network_graph(network: Network) -> ExportGraph {
    let g = Graph::new();
    let mut rng = PyRandom::new(SEED);
    let model = MLP::new(&g, network.nin, network.sizes, &mut rng);
    let mut loss = None;
    for r in 0..network.rows {
        let x: Vec<Input> = (0..network.nin).map(|k| input(r, k).into()).collect();
        let out = model.call(&x)[0];
        let error = (out - target(r)).pow(2);
        loss = Some(match loss {
            None => 0.0 + error,
            Some(sum) => sum + error,
        });
    }
    let loss = loss.expect("at least one row");
    loss.backward();
    to_petgraph(&g, &[loss.id()])
}

/// The same graph built and drawn by micrograd 0.1.0 with the lecture's `draw_dot`.
const PEER_SCRIPT: &str = r#"
import sys, time
t0 = time.perf_counter()
import random
from graphviz import Digraph
from micrograd.engine import Value
from micrograd.nn import MLP

def trace(root):
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root):
    dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (getattr(n, 'label', ''), n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot

nin, sizes, rows, seed = int(sys.argv[1]), [int(s) for s in sys.argv[2].split(',')], int(sys.argv[3]), int(sys.argv[4])
t1 = time.perf_counter()
random.seed(seed)
model = MLP(nin, sizes)
loss = sum((model([((r * (2 * k + 3) + k) % 11) / 5 - 1 for k in range(nin)]) - (1.0 if r % 2 == 0 else -1.0))**2 for r in range(rows))
loss.backward()
t2 = time.perf_counter()
dot = draw_dot(loss)
t3 = time.perf_counter()
svg = dot.pipe(format='svg')
t4 = time.perf_counter()
print(len(trace(loss)[0]), len(svg), t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t1)
"#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value_after = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(dir) = value_after("--emit") {
        emit(Path::new(&dir));
    } else if args.iter().any(|a| a == "--layout") {
        layout_table();
    } else if args.iter().any(|a| a == "--guard") {
        guard_table();
    } else if let Some(json) = value_after("--overview") {
        overview_seconds(Path::new(&json));
    } else if args.iter().any(|a| a == "--readable") {
        readable_table();
    } else {
        targets(value_after("--peer").map(PathBuf::from));
    }
}

fn engine(choice: EngineChoice) -> EngineOptions {
    EngineOptions::default()
        .with_engine(choice)
        .with_timeout(Duration::from_secs(600))
}

/// Seconds for `f`, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let result = f();
    (start.elapsed().as_secs_f64(), result)
}

/// Build, backward, export, prepare, DOT and draw: everything between a network and its SVG.
fn figure_seconds(network: Network, options: &ViewOptions, choice: EngineChoice) -> (f64, usize) {
    let (seconds, size) = timed(|| {
        let graph = network_graph(network);
        let view = views::prepare(&graph, options).expect("within the guard");
        let values = view.graph().node_count();
        let dot = view.into_figure(&DotOptions::default()).to_dot();
        let svg = render_dot(&dot, Format::Svg, &engine(choice)).expect("drawn");
        assert!(svg.bytes.starts_with(b"<?xml") || svg.bytes.starts_with(b"<svg"));
        values
    });
    (seconds, size)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs of each measurement; the median is reported.
const RUNS: usize = 3;

fn targets(peer: Option<PathBuf>) {
    let all = ViewOptions::default()
        .with_max_nodes(Some(usize::MAX))
        .with_detail(Detail::Full);
    let fold = |depth| all.clone().with_fold(Some(depth)).with_group(true);
    let rows: Vec<(&str, Network, ViewOptions)> = vec![
        ("3k whole (fast layout)", MLP_3K, all.clone()),
        ("3k --fold 1 --group", MLP_3K, fold(1)),
        (
            "3k --fold 1 --group --color grad",
            MLP_3K,
            fold(1).with_color(ColorBy::Grad),
        ),
        ("3k --fold 0 --group", MLP_3K, fold(0)),
        ("10k --fold 1 --group", MLP_10K, fold(1)),
        ("10k --fold 0 --group", MLP_10K, fold(0)),
    ];
    println!(
        "network to SVG: build, backward, export, prepare, DOT, draw; median of {RUNS} (wall s)"
    );
    println!(
        "{:<36} {:>7} {:>7} {:>9} {:>9}",
        "figure", "values", "drawn", "dot", "builtin"
    );
    let mut whole_3k = None;
    for (name, network, options) in rows {
        let mut drawn = 0;
        let mut measure = |choice| {
            median(
                (0..RUNS)
                    .map(|_| {
                        let (seconds, size) = figure_seconds(network, &options, choice);
                        drawn = size;
                        seconds
                    })
                    .collect(),
            )
        };
        let dot = measure(EngineChoice::Dot);
        let builtin = measure(EngineChoice::Builtin);
        whole_3k.get_or_insert(dot);
        let values = network_graph(network).node_count();
        println!("{name:<36} {values:>7} {drawn:>7} {dot:>9.3} {builtin:>9.3}");
    }
    if let Some(python) = peer {
        let peer: Vec<(usize, f64)> = (0..RUNS).map(|_| run_peer(&python, MLP_3K)).collect();
        let total = median(peer.iter().map(|p| p.1).collect());
        let ours = whole_3k.expect("measured");
        println!(
            "peer: micrograd 0.1.0 + lecture draw_dot + dot -Tsvg, {} values: {total:.3} s \
             (median of {RUNS}); gradviz 3k whole: {ours:.3} s; speed-up {:.1}x",
            peer[0].0,
            total / ours
        );
    }
}

/// Runs the peer script; returns its value count and seconds from building to SVG.
fn run_peer(python: &Path, network: Network) -> (usize, f64) {
    let sizes: Vec<String> = network.sizes.iter().map(|s| s.to_string()).collect();
    let output = Command::new(python)
        .args(["-c", PEER_SCRIPT])
        .arg(network.nin.to_string())
        .arg(sizes.join(","))
        .arg(network.rows.to_string())
        .arg(SEED.to_string())
        .output()
        .expect("the peer python runs");
    assert!(
        output.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    println!(
        "peer detail: import {} s, build+backward {} s, draw_dot {} s, dot -Tsvg {} s",
        fields[2], fields[3], fields[4], fields[5]
    );
    (
        fields[0].parse().expect("count"),
        fields[6].parse().expect("seconds"),
    )
}

/// The candidate layout attribute sets: each alone, then combined with the winners.
fn layout_sets() -> Vec<Vec<(&'static str, &'static str)>> {
    // The two winners together: what views use on large figures.
    let fast = vec![("newrank", "true"), ("nslimit", "0.2")];
    let with_fast = |extra: (&'static str, &'static str)| {
        let mut set = fast.clone();
        set.push(extra);
        set
    };
    vec![
        vec![],
        vec![("nslimit", "0.2")],
        vec![("nslimit1", "0.2")],
        vec![("newrank", "true")],
        vec![("mclimit", "0.2")],
        vec![("remincross", "false")],
        vec![("searchsize", "5")],
        vec![("ordering", "out")],
        vec![("splines", "polyline")],
        vec![("splines", "line")],
        vec![("splines", "false")],
        fast.clone(),
        with_fast(("mclimit", "0.5")),
        with_fast(("splines", "line")),
    ]
}

/// CPU seconds used so far by this process and its waited-for children (Linux `/proc`,
/// 100 ticks a second), so that a loaded machine inflates the numbers less than wall time.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<f64> = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    Some(fields.iter().sum::<f64>() / 100.0)
}

/// Wall and CPU seconds of drawing `dot` as SVG with `choice`.
fn draw_seconds(dot: &str, choice: EngineChoice) -> (f64, f64) {
    let cpu_before = cpu_seconds().unwrap_or(0.0);
    let (wall, svg) = timed(|| render_dot(dot, Format::Svg, &engine(choice)));
    svg.expect("drawn");
    (wall, cpu_seconds().unwrap_or(0.0) - cpu_before)
}

fn with_layout(graph: &ExportGraph, layout: &[(&str, &str)]) -> String {
    let options = ViewOptions::default()
        .with_max_nodes(Some(usize::MAX))
        .with_detail(Detail::Full);
    let view: View = views::prepare(graph, &options).expect("no guard");
    let mut figure = view.into_figure(&DotOptions::default());
    // Any attributes, not only the settings gradviz chooses (`LayoutHints`): written into the
    // text after the graph's own.
    figure.hints = LayoutHints::default();
    let attributes: String = layout
        .iter()
        .map(|(name, value)| format!(" {name}=\"{value}\""))
        .collect();
    let dot = figure.to_dot();
    let (head, rest) = dot.split_once("]\n").expect("the graph's attributes");
    format!("{head}{attributes}]\n{rest}")
}

fn layout_table() {
    println!(
        "{:<18} {:>6} {:>6} {:<40} {:>9} {:>9} {:>9} {:>9}",
        "graph", "values", "edges", "attributes", "dot wall", "dot cpu", "pure wall", "pure cpu"
    );
    for rows in [22, 44] {
        let network = Network { rows, ..MLP_3K };
        let graph = network_graph(network);
        for layout in layout_sets() {
            let dot = with_layout(&graph, &layout);
            let (wall, cpu) = draw_seconds(&dot, EngineChoice::Dot);
            let (pure_wall, pure_cpu) = draw_seconds(&dot, EngineChoice::Builtin);
            let name: Vec<String> = layout.iter().map(|(n, v)| format!("{n}={v}")).collect();
            let name = if name.is_empty() {
                "(defaults)".to_string()
            } else {
                name.join(" ")
            };
            println!(
                "{:<18} {:>6} {:>6} {name:<40} {wall:>9.2} {cpu:>9.2} {pure_wall:>9.2} {pure_cpu:>9.2}",
                format!("MLP x{rows}"),
                graph.node_count(),
                graph.edge_count(),
            );
        }
    }
}

fn guard_table() {
    println!(
        "{:<28} {:>7} {:>7} {:>9} {:>9}",
        "graph (fast layout)", "values", "edges", "dot wall", "dot cpu"
    );
    for rows in [22, 44, 66, 88, 110] {
        let graph = network_graph(Network { rows, ..MLP_3K });
        let options = ViewOptions::default()
            .with_max_nodes(Some(usize::MAX))
            .with_detail(Detail::Full);
        let view = views::prepare(&graph, &options).expect("no guard");
        let (wall, cpu) = draw_seconds(
            &view.into_figure(&DotOptions::default()).to_dot(),
            EngineChoice::Dot,
        );
        println!(
            "{:<28} {:>7} {:>7} {wall:>9.2} {cpu:>9.2}",
            format!("MLP(2, [4, 4, 1]) x {rows}"),
            graph.node_count(),
            graph.edge_count()
        );
    }
}

fn emit(dir: &Path) {
    std::fs::create_dir_all(dir).expect("output directory");
    let all = ViewOptions::default()
        .with_max_nodes(Some(usize::MAX))
        .with_detail(Detail::Full);
    let figures: Vec<(String, Network, ViewOptions)> = vec![
        ("3k-whole".into(), MLP_3K, all.clone()),
        ("mid".into(), Network { rows: 8, ..MLP_3K }, all.clone()),
        (
            "3k-fold1".into(),
            MLP_3K,
            all.clone().with_fold(Some(1)).with_group(true),
        ),
        (
            "3k-fold1-color".into(),
            MLP_3K,
            all.clone()
                .with_fold(Some(1))
                .with_group(true)
                .with_color(ColorBy::Grad),
        ),
        (
            "3k-fold0".into(),
            MLP_3K,
            all.clone().with_fold(Some(0)).with_group(true),
        ),
        (
            "small-group".into(),
            Network { rows: 1, ..MLP_3K },
            all.clone().with_group(true),
        ),
        (
            "small-color".into(),
            Network { rows: 1, ..MLP_3K },
            all.clone().with_group(true).with_color(ColorBy::Grad),
        ),
        (
            "10k-fold1".into(),
            MLP_10K,
            all.clone().with_fold(Some(1)).with_group(true),
        ),
    ];
    for (name, network, options) in figures {
        let graph = network_graph(network);
        let view = views::prepare(&graph, &options).expect("no guard");
        let values = view.graph().node_count();
        let dot = view.into_figure(&DotOptions::default()).to_dot();
        std::fs::write(dir.join(format!("{name}.dot")), &dot).expect("write dot");
        let (seconds, svg) = timed(|| render_dot(&dot, Format::Svg, &engine(EngineChoice::Dot)));
        std::fs::write(dir.join(format!("{name}.svg")), svg.expect("drawn").bytes).expect("svg");
        println!("{name}: {values} values, dot {seconds:.2} s");
    }
}

/// Graphviz's default font size, in pt: every record's text.
const FONT_PT: f64 = 14.0;

/// An SVG's width and height in pt, its aspect ratio (long side over short) and its text's
/// size in pt once the figure is scaled to 1920 px wide (96 px per 72 pt).
fn svg_measures(svg: &[u8]) -> (f64, f64, f64, f64) {
    let text = String::from_utf8_lossy(svg);
    let pt = |name: &str| -> f64 {
        let start = text.find(&format!("{name}=\"")).expect("a size") + name.len() + 2;
        let end = start + text[start..].find("pt\"").expect("in pt");
        text[start..end].parse().expect("a number")
    };
    let (width, height) = (pt("width"), pt("height"));
    let aspect = width.max(height) / width.min(height);
    (
        width,
        height,
        aspect,
        FONT_PT * 1920.0 / (width * 96.0 / 72.0),
    )
}

fn overview_seconds(json: &Path) {
    let text = std::fs::read_to_string(json).expect("the JSON graph");
    let mut samples = Vec::new();
    let mut measures = None;
    let mut nodes = 0;
    for _ in 0..RUNS {
        let (seconds, svg) = timed(|| {
            let document = gradviz::input::json::read(&text, "moons.json").expect("valid");
            let view = views::prepare(&document.graph, &ViewOptions::default()).expect("fits");
            nodes = view.graph().node_count();
            let dot = view.into_figure(&DotOptions::default()).to_dot();
            render_dot(&dot, Format::Svg, &engine(EngineChoice::Dot)).expect("drawn")
        });
        samples.push(seconds);
        measures = Some(svg_measures(&svg.bytes));
    }
    let (width, height, aspect, text_pt) = measures.expect("measured");
    println!(
        "overview of {}: {nodes} nodes, JSON to SVG {:.2} s (median of {RUNS}), \
         {width:.0} × {height:.0} pt, aspect {aspect:.2}:1, text {text_pt:.1} pt at 1920 px",
        json.display(),
        median(samples)
    );
}

fn readable_table() {
    println!(
        "{:<24} {:>7} {:>9} {:>9} {:>7} {:>12}",
        "whole figure (dot)", "values", "width pt", "height pt", "aspect", "text @1920px"
    );
    for rows in [1, 4, 8, 16, 20, 33] {
        let graph = network_graph(Network { rows, ..MLP_3K });
        let options = ViewOptions::default()
            .with_max_nodes(Some(usize::MAX))
            .with_detail(Detail::Full);
        let view = views::prepare(&graph, &options).expect("no guard");
        let dot = view.into_figure(&DotOptions::default()).to_dot();
        let svg = render_dot(&dot, Format::Svg, &engine(EngineChoice::Dot)).expect("drawn");
        let (width, height, aspect, text_pt) = svg_measures(&svg.bytes);
        println!(
            "{:<24} {:>7} {width:>9.0} {height:>9.0} {aspect:>7.1} {text_pt:>12.2}",
            format!("MLP(2, [4, 4, 1]) x {rows}"),
            graph.node_count()
        );
    }
}
