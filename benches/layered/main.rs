//! The layered engine against Graphviz `dot`, in one run: whole-process time of `gradviz
//! render` to SVG by size, gradviz's own `dot` path (tuned attributes) on the sizes it
//! finishes, edge crossings and edges through nodes for both, and what the rank improvement
//! does to long running sums.
//!
//! `cargo bench --bench layered` prints the tables. After `--`: `--count FILE.svg…` prints the
//! crossings, through-node edges, size, mean edge length and edges against the rank direction
//! of any SVG (ours or Graphviz's); `--threshold` times
//! `dot` by layout cost (where `auto` should switch); `--keep DIR` leaves the graphs (JSON) and
//! both engines' SVGs in DIR, to look at; `--graphs DIR` only writes the bench's graphs
//! there (JSON, named by size), to time one engine by hand.

mod corpus;
mod quality;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gradviz::figure::views::{self, Detail, ViewOptions};
use gradviz::figure::{layout_cost, Decorations, DotOptions, Scene};
use gradviz::graph::ExportGraph;
use gradviz::layout;
use gradviz::render::layered_input;

use corpus::{mlp_loss, network_loss, random_dag, running_sum, write_json};

const BINARY: &str = env!("CARGO_BIN_EXE_gradviz");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--count") {
        // Cargo adds `--bench` after the bench's own arguments.
        for file in args[at + 1..].iter().filter(|a| !a.starts_with("--")) {
            let svg = std::fs::read_to_string(file).expect("readable SVG");
            let q = quality::measure(&svg, true);
            println!(
                "{file}: {} edges, {} crossings, {} edges through nodes, {:.0} x {:.0} pt \
                 (area {:.3e}, aspect {:.1}:1), mean edge length {:.1}, {} against the rank \
                 direction",
                q.edges,
                q.crossings,
                q.through_nodes,
                q.width,
                q.height,
                q.area(),
                q.aspect(),
                q.mean_edge_length(),
                q.against
            );
        }
        return;
    }
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--graphs")
        .and_then(|at| args.get(at + 1))
    {
        write_graphs(Path::new(dir));
        return;
    }
    let temporary = tempfile::tempdir().expect("temp dir");
    let kept = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|at| args.get(at + 1))
        .map(PathBuf::from);
    let dir = kept.as_deref().unwrap_or(temporary.path());
    if args.iter().any(|a| a == "--threshold") {
        threshold(dir);
        return;
    }
    speed_and_quality(dir);
    running_sums();
}

/// The MLP losses and the running sum of the speed table, as `mlp-VALUES.json` and
/// `sum-VALUES.json` in `dir`, and a wider network's loss with micrograd's L2 term (a
/// running sum over every parameter) as `mlp-l2-VALUES.json`, over 24 rows and over the 6
/// of the layout-quality test.
fn write_graphs(dir: &Path) {
    std::fs::create_dir_all(dir).expect("the graphs' directory");
    let graphs = [
        ("mlp", mlp_loss(40)),
        ("mlp", mlp_loss(130)),
        ("mlp", mlp_loss(1_300)),
        ("sum", running_sum(3_333)),
        ("mlp-l2", network_loss(&[8, 8, 1], 24, true)),
        ("mlp-l2", network_loss(&[8, 8, 1], 6, true)),
    ];
    for (kind, graph) in graphs {
        let path = dir.join(format!("{kind}-{}.json", graph.node_count()));
        write_json(&graph, &path);
        println!("{}", path.display());
    }
}

/// A finished `gradviz` run: wall time and the process's peak resident memory (as last
/// sampled).
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    peak_rss_kb: i64,
}

/// Runs `gradviz render INPUT --engine ENGINE VIEW… -o OUT`, or `None` when it failed (a
/// timeout).
fn render(input: &Path, engine: &str, view: &[&str], out: &Path, timeout_secs: u64) -> Option<Run> {
    // The lecture neuron draws before and after backward: the figure after it.
    let snapshot: &[&str] = if input.ends_with("neuron.py") {
        &["--snapshot", "2"]
    } else {
        &[]
    };
    let start = Instant::now();
    let mut child = Command::new(BINARY)
        .arg("render")
        .arg(input)
        .args(snapshot)
        // Every value drawn (no overview) unless the view folds groups itself.
        .args(view.is_empty().then_some("--full"))
        .args(["--engine", engine, "--max-nodes", "100000000", "--timeout"])
        .arg(timeout_secs.to_string())
        .args(view)
        .arg("-o")
        .arg(out)
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("gradviz runs");
    // The peak RSS is read from /proc while the child runs: the rusage of a child started
    // by this (large) process counts this process's memory as the child's before its exec.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kb = 0;
    let status = loop {
        if let Some(kb) = high_water_kb(&status_file) {
            peak_rss_kb = peak_rss_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("waiting for gradviz") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = start.elapsed();
    status.success().then_some(Run { wall, peak_rss_kb })
}

/// `VmHWM` (peak resident set) of a running process, in kB.
fn high_water_kb(status_file: &str) -> Option<i64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn best_of(runs: usize, mut f: impl FnMut() -> Option<Run>) -> Option<Run> {
    (0..runs)
        .map(|_| f())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .min_by_key(|run| run.wall)
}

struct Case {
    name: String,
    input: PathBuf,
    values: usize,
    dot: bool,
}

fn speed_and_quality(dir: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = vec![
        Case {
            name: "lecture neuron".into(),
            input: fixtures.join("neuron.py"),
            values: 10,
            dot: true,
        },
        Case {
            name: "lecture MLP(3,[4,4,1])".into(),
            input: fixtures.join("mlp.py"),
            values: 0,
            dot: true,
        },
    ];
    let generated: Vec<(String, ExportGraph, bool)> = vec![
        (
            "random DAG".into(),
            random_dag(400, 0x9e37_79b9_7f4a_7c15),
            true,
        ),
        // More shapes, so the crossings are not judged on one draw.
        ("random DAG, seed 2".into(), random_dag(400, 2), true),
        ("random DAG, seed 3".into(), random_dag(400, 3), true),
        ("random DAG, seed 4".into(), random_dag(1_000, 4), true),
        ("MLP(2,[4,4,1]) loss".into(), mlp_loss(13), true),
        ("MLP(2,[4,4,1]) loss".into(), mlp_loss(40), true),
        // `dot` takes about two minutes here: the row that holds the layered engine to
        // dot's aspect and edge length at 10k values.
        ("MLP(2,[4,4,1]) loss".into(), mlp_loss(130), true),
        // micrograd's L2 term: a running sum over every parameter (its mean edge length
        // was 2.6 times dot's, then 1.45 times, and is 0.73 times since products move
        // with their inputs).
        (
            "MLP(2,[8,8,1]) + L2 loss".into(),
            network_loss(&[8, 8, 1], 24, true),
            true,
        ),
        ("running-sum chain".into(), running_sum(3_333), false),
        ("MLP(2,[4,4,1]) loss".into(), mlp_loss(1_300), false),
    ];
    for (i, (name, graph, dot)) in generated.into_iter().enumerate() {
        let input = dir.join(format!("graph{i}.json"));
        write_json(&graph, &input);
        cases.push(Case {
            name,
            input,
            values: graph.node_count(),
            dot,
        });
    }
    let mut peaks: Vec<(usize, i64)> = Vec::new();
    println!(
        "Whole-process `gradviz render … -o out.svg` (best of 3; dot once), and figure quality"
    );
    println!(
        "{:<26} {:>8} {:>10} {:>10} {:>7} {:>11} {:>11} {:>9} {:>9}",
        "graph",
        "values",
        "layered s",
        "dot s",
        "ratio",
        "cross lay",
        "cross dot",
        "thru lay",
        "thru dot"
    );
    for (i, case) in cases.iter().enumerate() {
        let ours = dir.join(format!("layered{i}.svg"));
        let theirs = dir.join(format!("dot{i}.svg"));
        let runs = if case.values > 50_000 { 1 } else { 3 };
        let layered = best_of(runs, || render(&case.input, "layered", &[], &ours, 600));
        let dot = if case.dot {
            render(&case.input, "dot", &[], &theirs, 600)
        } else {
            None
        };
        // Crossings are counted where dot's picture is there to compare with; the largest
        // figures (hundreds of MB of SVG) are not parsed at all.
        let measure = |path: &Path, crossings: bool| {
            quality::measure(&std::fs::read_to_string(path).expect("the SVG"), crossings)
        };
        let ours_q = layered
            .filter(|_| case.values <= 20_000)
            .map(|_| measure(&ours, dot.is_some()));
        let theirs_q = dot.map(|_| measure(&theirs, true));
        let layered = layered.map(|run| {
            peaks.push((case.values, run.peak_rss_kb));
            run.wall
        });
        let dot = dot.map(|run| run.wall);
        let secs =
            |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()));
        let ratio = match (layered, dot) {
            (Some(l), Some(d)) => format!("{:.0}x", d.as_secs_f64() / l.as_secs_f64()),
            _ => "-".into(),
        };
        let count = |q: Option<quality::Quality>, f: fn(quality::Quality) -> usize| {
            q.map_or("-".to_string(), |q| f(q).to_string())
        };
        let values = if case.values == 0 {
            "lecture".to_string()
        } else {
            case.values.to_string()
        };
        println!(
            "{:<26} {:>8} {:>10} {:>10} {:>7} {:>11} {:>11} {:>9} {:>9}",
            case.name,
            values,
            secs(layered),
            secs(dot),
            ratio,
            count(ours_q.filter(|_| dot.is_some()), |q| q.crossings),
            count(theirs_q, |q| q.crossings),
            count(ours_q, |q| q.through_nodes),
            count(theirs_q, |q| q.through_nodes),
        );
        let target = match case.values {
            v if v >= 90_000 => Some(10.0),
            v if (9_000..20_000).contains(&v) => Some(1.0),
            _ => None,
        };
        if let (Some(limit), Some(l)) = (target, layered) {
            let met = if l.as_secs_f64() < limit {
                "met"
            } else {
                "MISSED"
            };
            println!("    target: under {limit} s whole process: {met}");
        }
        if (3_000..4_000).contains(&case.values) {
            if let (Some(l), Some(d)) = (layered, dot) {
                let met = if d.as_secs_f64() >= 10.0 * l.as_secs_f64() {
                    "met"
                } else {
                    "MISSED"
                };
                println!("    target: at least 10x faster than gradviz's dot path: {met}");
            }
        }
        if let (Some(o), Some(t)) = (ours_q, theirs_q) {
            println!(
                "    area {:.2}x dot's, mean edge length {:.2}x, aspect {:.1}:1 vs {:.1}:1, \
                 edges against the rank direction {} vs {}",
                o.area() / t.area(),
                o.mean_edge_length() / t.mean_edge_length(),
                o.aspect(),
                t.aspect(),
                o.against,
                t.against
            );
            if case.values >= 3_000 {
                let aspect = if o.aspect() <= 4.0 { "met" } else { "MISSED" };
                let ratio = o.mean_edge_length() / t.mean_edge_length();
                let length = if ratio <= 1.25 { "met" } else { "MISSED" };
                println!("    target: aspect <= 4:1: {aspect}; mean edge length <= 1.25x dot's: {length}");
            }
        } else if let Some(o) = ours_q {
            println!(
                "    aspect {:.1}:1, edges against the rank direction {}",
                o.aspect(),
                o.against
            );
        }
        if let (Some(o), Some(t)) = (ours_q, theirs_q) {
            if t.crossings > 0 {
                let r = o.crossings as f64 / t.crossings as f64;
                let met = if r <= 1.2 { "met" } else { "MISSED" };
                println!("    crossings {r:.2}x dot's (target <= 1.2x): {met}");
            }
        }
    }
    println!("Peak RSS of the layered runs (memory should grow linearly):");
    for (values, kb) in peaks.iter().filter(|(v, _)| *v >= 1_000) {
        println!(
            "    {values:>7} values: {:>7.1} MB, {:>6.0} bytes/value",
            *kb as f64 / 1024.0,
            *kb as f64 * 1024.0 / *values as f64
        );
    }
    println!();
}

/// Longest edge span and dummy count with and without the rank improvement.
fn running_sums() {
    println!("Long running sums: the layout's ranks with and without pulling inputs to their use");
    println!(
        "{:<34} {:>8} {:>14} {:>14} {:>14} {:>14}",
        "graph", "values", "longest before", "longest after", "dummies before", "dummies after"
    );
    let graphs = [
        ("running sum of x_k*w_k, 500 terms", running_sum(500)),
        ("MLP(2,[4,4,1]) loss, 44 rows", mlp_loss(44)),
        ("MLP(2,[4,4,1]) loss, 130 rows", mlp_loss(130)),
    ];
    for (name, graph) in graphs {
        let input = layered_input(&Scene::of(
            &graph,
            &DotOptions::default(),
            &Decorations::default(),
        ));
        let mut plain = layout::Options::default();
        plain.improve_ranks = false;
        let before = layout::layout(&input, &plain).stats;
        let after = layout::layout(&input, &layout::Options::default()).stats;
        println!(
            "{:<34} {:>8} {:>14} {:>14} {:>14} {:>14}",
            name,
            graph.node_count(),
            before.longest_span,
            after.longest_span,
            before.dummies,
            after.dummies
        );
    }
}

/// `gradviz render --engine dot` seconds by layout cost (`gradviz::figure::layout_cost` of
/// the figure as drawn: Graphviz nodes plus the edges' length in ranks): where `auto`
/// should switch. Plain networks, whose cost follows their size, and networks with an L2
/// term, whose running sum over every parameter makes long edges, folded or not.
fn threshold(dir: &Path) {
    println!(
        "{:<40} {:>8} {:>8} {:>9} {:>8}",
        "graph", "values", "ranks", "cost", "dot s"
    );
    let l2 = |sizes: &[usize], rows| network_loss(sizes, rows, true);
    let cases: Vec<(&str, ExportGraph, Option<usize>)> = vec![
        ("MLP(2,[4,4,1]) loss, 12 rows", mlp_loss(12), None),
        ("MLP(2,[4,4,1]) loss, 26 rows", mlp_loss(26), None),
        ("MLP(2,[4,4,1]) loss, 34 rows", mlp_loss(34), None),
        ("MLP(2,[4,4,1]) loss, 44 rows", mlp_loss(44), None),
        ("MLP(2,[4,4,1]) + L2, 4 rows", l2(&[4, 4, 1], 4), None),
        ("MLP(2,[8,8,1]) + L2, 4 rows", l2(&[8, 8, 1], 4), None),
        ("the same, --fold 1", l2(&[8, 8, 1], 4), Some(1)),
        (
            "MLP(2,[8,8,1]) + L2, 8 rows, --fold 1",
            l2(&[8, 8, 1], 8),
            Some(1),
        ),
        (
            "MLP(2,[16,16,1]) + L2, 4 rows, --fold 1",
            l2(&[16, 16, 1], 4),
            Some(1),
        ),
    ];
    for (i, (name, graph, fold)) in cases.into_iter().enumerate() {
        let input = dir.join(format!("threshold{i}.json"));
        write_json(&graph, &input);
        // Every value, as `render` draws it (`--full`): not the overview of a large graph.
        let options = ViewOptions::default()
            .with_fold(fold)
            .with_max_nodes(Some(usize::MAX))
            .with_detail(Detail::Full);
        let drawn = views::prepare(&graph, &options).expect("the view");
        let cost = layout_cost(drawn.graph(), usize::MAX);
        let ranks = cost.extent.map_or(0, |extent| extent.ranks);
        let out = dir.join("out.svg");
        let depth = fold.map(|depth| depth.to_string());
        let view: Vec<&str> = depth.iter().flat_map(|d| ["--fold", d.as_str()]).collect();
        let secs = render(&input, "dot", &view, &out, 120).map_or("> 120".to_string(), |run| {
            format!("{:.2}", run.wall.as_secs_f64())
        });
        println!(
            "{:<40} {:>8} {:>8} {:>9} {:>8}",
            name,
            drawn.graph().node_count(),
            ranks,
            cost.total(),
            secs
        );
    }
}
