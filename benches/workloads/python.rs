//! Real Python workloads (issue 10): users' own scripts run in CPython by gradviz's runner.
//!
//! - `python lecture notebook process`: the whole `gradviz render
//!   fixtures/python/lecture.ipynb --engine builtin` process: CPython runs the notebook
//!   (its own `Value`, `trace`, `draw_dot`), four snapshots come back as JSON and are drawn
//!   as SVG. Target: under 0.5 s.
//! - `python 100k`: a script with its own `Value` class builds a 100,001-value graph
//!   (`x = x * Value(0.999) + Value(0.001)` 25,000 times) and calls `backward()`. Timed as
//!   `python3 FILE` alone (`script`), and as the whole `gradviz render FILE --format json`
//!   process; `export` is the difference: walking the graph, writing it as JSON and reading
//!   and validating it in gradviz. Target: export under 1 s.
//! - `subset 100k process`: the same graph from the same loop in the built-in subset, for
//!   comparison.
//!
//! The interpreter is `$GRADVIZ_PYTHON`, else `python3`, as for the command line.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::{run_process, Run, Target, Workload};
use crate::workloads::{data_file, gradviz_binary};

const NOTEBOOK_TARGET: Duration = Duration::from_millis(500);
const EXPORT_TARGET: Duration = Duration::from_secs(1);

/// A learner's own `Value`, pasted above the loop.
const VALUE_CLASS: &str = include_str!("../../fixtures/python/learner_value.py");

const LOOP: &str = "\
x = Value(1.0)
for i in range(25000):
    x = x * Value(0.999) + Value(0.001)
x.backward()
";

fn python() -> String {
    std::env::var("GRADVIZ_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn render(input: &Path, out: &Path, args: &[&str]) -> Duration {
    run_process(
        Command::new(gradviz_binary())
            .arg("render")
            .arg(input)
            .args(args)
            .arg("-o")
            .arg(out),
    )
    .wall
}

fn values_in_json(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("cannot read the JSON output");
    text.matches("\"id\"").count()
}

fn notebook() -> Workload {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python/lecture.ipynb");
    let out = data_file("lecture-notebook.svg");
    Workload::new("python lecture notebook process", 5, move || {
        let wall = render(&input, &out, &["--engine", "builtin"]);
        Run {
            values: 4,
            phases: vec![("process", wall)],
            checks: Vec::new(),
            heap_peak_bytes: None,
            child_peak_rss_bytes: None,
        }
    })
    .target(Target::TimeUnder(&[], NOTEBOOK_TARGET))
}

fn export_100k() -> Workload {
    let script = data_file("python-100k.py");
    let out = data_file("python-100k.json");
    let setup_path = script.clone();
    Workload::new("python 100k", 3, move || {
        let alone = run_process(Command::new(python()).arg(&script)).wall;
        let whole = render(&script, &out, &["--format", "json"]);
        Run {
            values: values_in_json(&out),
            phases: vec![("script", alone), ("export", whole.saturating_sub(alone))],
            checks: Vec::new(),
            heap_peak_bytes: None,
            child_peak_rss_bytes: None,
        }
    })
    .setup(move || {
        std::fs::write(&setup_path, format!("{VALUE_CLASS}{LOOP}")).expect("write the script")
    })
    .target(Target::TimeUnder(&["export"], EXPORT_TARGET))
}

fn subset_100k() -> Workload {
    let script = data_file("subset-100k.py");
    let out = data_file("subset-100k.json");
    let setup_path = script.clone();
    Workload::new("subset 100k process", 3, move || {
        let wall = render(&script, &out, &["--format", "json"]);
        Run {
            values: values_in_json(&out),
            phases: vec![("process", wall)],
            checks: Vec::new(),
            heap_peak_bytes: None,
            child_peak_rss_bytes: None,
        }
    })
    .setup(move || std::fs::write(&setup_path, LOOP).expect("write the script"))
}

/// The real-Python workloads.
pub fn workloads() -> Vec<Workload> {
    vec![notebook(), export_100k(), subset_100k()]
}
