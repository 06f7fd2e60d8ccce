//! Script workloads (issue 3): a long lecture-style script, run and written out as DOT.
//!
//! - `script 100k`: `x = Value(1.0, label='x')`, then 100,000 lines
//!   `x = x * Value(0.999, label='w7') + Value(0.001, label='b7')`, then `x.backward()`:
//!   400,001 values, 200,000 deep. In process, three phases as `gradviz render` runs them:
//!   evaluate (read the file, parse and run it, backward included), draw_dot (the figure of
//!   the backward root and its DOT text) and write (atomically with an fsync, as the command
//!   line does; the peer writes without one).
//!   The peer (`peer.py script`) runs the same file as the lecture's notebook would, then
//!   writes the lecture's `draw_dot(x).source`: the same phases.
//! - `script 100k process`: the whole `gradviz render FILE --format dot -o OUT` process
//!   (release build) against the whole `python benches/lecture.py FILE OUT` process.
//! - `script 100k json process` (issue 26): the whole `gradviz render FILE --format json -o
//!   OUT.json` process on the same script with every label its own (`w0`, `b0`, `w1`, …:
//!   200,000 distinct labels), against the whole `python benches/lecture.py FILE OUT.json`
//!   process, which runs it in micrograd and writes the graph with a plain exporter
//!   (`lecture.to_json`). The target for its peak RSS is at most twice the JSON's size
//!   (46.5 MB), about 93 MB.
//! - `script 1M x+1` (and `… process`): a million `x = x + 1` lines from `x = Value(1.0)`,
//!   2,000,001 values a million deep. micrograd can do it too, in about two minutes and
//!   3 GB, so these run only when selected by name.
//!
//! gradviz labels values after their variables (SPEC §4, on by default, as the command
//! line has it); the lecture's labels stay empty where the script sets none. The checks are
//! the root's data and the grad of the first `x`. Targets: evaluate well under a second, and
//! end to end 50× faster than micrograd (in process and as whole processes).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gradviz::engine::NodeId;
use gradviz::figure::{to_dot, Decorations, DotOptions};
use gradviz::input::script::{evaluate, ScriptOptions};
use gradviz::output::write_atomic;

use crate::common::{alloc, run_process, Phases, Run, Target, Workload};
use crate::workloads::{data_file, gradviz_binary, records_in_dot};

const END_TO_END_TARGET: f64 = 50.0;
const EVALUATE_TARGET: Duration = Duration::from_millis(500);

/// A benchmark script: its file name under the data directory and its text.
struct Script {
    file: &'static str,
    first: &'static str,
    /// Each line, `{i}` replaced by the line's number from 0 when `numbered`.
    line: &'static str,
    lines: usize,
    numbered: bool,
}

const MUL_ADD_100K: Script = Script {
    file: "script-100k.py",
    first: "x = Value(1.0, label='x')\n",
    line: "x = x * Value(0.999, label='w7') + Value(0.001, label='b7')\n",
    lines: 100_000,
    numbered: false,
};

const MUL_ADD_100K_NUMBERED: Script = Script {
    file: "script-100k-numbered.py",
    first: "x = Value(1.0, label='x')\n",
    line: "x = x * Value(0.999, label='w{i}') + Value(0.001, label='b{i}')\n",
    lines: 100_000,
    numbered: true,
};

const PLUS_ONE_1M: Script = Script {
    file: "script-1M-x+1.py",
    first: "x = Value(1.0, label='x')\n",
    line: "x = x + 1\n",
    lines: 1_000_000,
    numbered: false,
};

impl Script {
    fn path(&self) -> PathBuf {
        data_file(self.file)
    }

    fn write(&self) {
        let mut text = String::with_capacity(self.first.len() + self.lines * self.line.len() + 16);
        text.push_str(self.first);
        for i in 0..self.lines {
            if self.numbered {
                text.push_str(&self.line.replace("{i}", &i.to_string()));
            } else {
                text.push_str(self.line);
            }
        }
        text.push_str("x.backward()\n");
        std::fs::write(self.path(), text).expect("cannot write the benchmark script");
    }
}

/// One `gradviz render SCRIPT --format dot -o OUT`, in process and phase by phase.
fn render_in_process(script: &Path, out: &Path) -> Run {
    let (run, heap_peak_bytes) = alloc::heap_peak_of(|| {
        let mut phases = Phases::default();
        let evaluated = phases.time("evaluate", || {
            let text = std::fs::read_to_string(script).expect("cannot read the script");
            evaluate(
                &text,
                &script.display().to_string(),
                &ScriptOptions::default(),
            )
            .expect("the benchmark script runs")
        });
        let root = evaluated
            .backward_root
            .expect("the script calls backward()");
        let checks = vec![
            ("result", evaluated.graph.data(root)),
            ("grad", evaluated.graph.grad(NodeId::from_index(0))),
        ];
        let (dot, values) = phases.time("draw_dot", || {
            let figures = evaluated.figures().expect("the script has a figure");
            let dot = to_dot(
                &figures[0].graph,
                &DotOptions::default(),
                &Decorations::default(),
            );
            (dot, figures[0].graph.node_count())
        });
        phases.time("write", || {
            write_atomic(out, dot.as_bytes()).expect("cannot write")
        });
        Run {
            values,
            phases: phases.into_vec(),
            checks,
            heap_peak_bytes: None,
            child_peak_rss_bytes: None,
        }
    });
    Run {
        heap_peak_bytes: Some(heap_peak_bytes),
        ..run
    }
}

/// The whole `gradviz render SCRIPT --format dot -o OUT` process; the values are the
/// records in the DOT file it wrote.
fn render_process(script: &Path, out: &Path) -> Run {
    let process = run_process(
        Command::new(gradviz_binary())
            .arg("render")
            .arg(script)
            .args(["--format", "dot", "-o"])
            .arg(out),
    );
    Run {
        values: records_in_dot(out),
        phases: vec![("process", process.wall)],
        checks: Vec::new(),
        heap_peak_bytes: None,
        child_peak_rss_bytes: Some(process.peak_rss_bytes),
    }
}

/// The whole `gradviz render SCRIPT --format json -o OUT` process; the values are the
/// nodes in the JSON it wrote.
fn render_json_process(script: &Path, out: &Path) -> Run {
    let process = run_process(
        Command::new(gradviz_binary())
            .arg("render")
            .arg(script)
            .args(["--format", "json", "-o"])
            .arg(out),
    );
    let text = std::fs::read_to_string(out).expect("cannot read the JSON output");
    Run {
        values: text.matches("\"id\": ").count(),
        phases: vec![("process", process.wall)],
        checks: Vec::new(),
        heap_peak_bytes: None,
        child_peak_rss_bytes: Some(process.peak_rss_bytes),
    }
}

/// `script 100k json process` and its peer.
fn json_process(name: &str, script: &'static Script, runs: usize, peer_runs: usize) -> Workload {
    let path = script.path();
    let peer_path = path.display().to_string();
    let out = data_file(&format!("{}.gradviz.json", script.file));
    Workload::new(name, runs, move || render_json_process(&path, &out))
        .setup(|| script.write())
        .peer(&["script-json-process", &peer_path], peer_runs)
}

/// The in-process and whole-process workloads of one script, each with its peer.
fn pair(name: &str, script: &'static Script, runs: usize, peer_runs: usize) -> [Workload; 2] {
    let path = script.path();
    let peer_path = path.display().to_string();
    let out = data_file(&format!("{}.gradviz.dot", script.file));
    let (script_in, out_in) = (path.clone(), out.clone());
    let in_process = Workload::new(name, runs, move || render_in_process(&script_in, &out_in))
        .setup(|| script.write())
        .peer(&["script", &peer_path], peer_runs);
    let process = Workload::new(format!("{name} process"), runs, move || {
        render_process(&path, &out)
    })
    .setup(|| script.write())
    .peer(&["script-process", &peer_path], peer_runs);
    [in_process, process]
}

/// The script workloads.
pub fn workloads() -> Vec<Workload> {
    let [in_process, process] = pair("script 100k", &MUL_ADD_100K, 5, 3);
    let mut list = vec![
        in_process
            .target(Target::TimeUnder(&["evaluate"], EVALUATE_TARGET))
            .target(Target::FasterThanPeer(END_TO_END_TARGET)),
        process.target(Target::FasterThanPeer(END_TO_END_TARGET)),
        json_process("script 100k json process", &MUL_ADD_100K_NUMBERED, 5, 3)
            .target(Target::FasterThanPeer(END_TO_END_TARGET)),
    ];
    list.extend(pair("script 1M x+1", &PLUS_ONE_1M, 3, 1).map(Workload::on_request));
    list
}
