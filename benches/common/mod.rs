//! The benchmark harness: runs workloads on gradviz and, with `--peer PYTHON`, the same
//! workloads in CPython micrograd (`benches/peer.py`, one fresh process per workload), and
//! prints one table with both sides and their ratio.
//!
//! A workload is a name, a closure that runs it once on our side and reports its timed
//! phases, and the `peer.py` arguments that run it in Python. Adding one is adding a
//! [`Workload`] to the list in the bench's `main` (and, for a peer, a function in
//! `peer.py`'s `WORKLOADS`). Arguments: `--peer PYTHON` to run the peer, `--peer-no-gc` to
//! run it with Python's cyclic GC disabled, and any other word to run only the workloads
//! whose names contain it.
//!
//! Times are wall clock, the median over runs (each phase's median separately; the total
//! row is the median of per-run totals). Our side does one untimed warm-up run first.
//! Memory per value: our heap peak from the counting allocator over the measured phases of
//! one run (see [`forward_backward`]), and for both
//! sides the growth of peak RSS (`VmHWM`) over one run in a fresh process.

pub mod alloc;
mod peer;
mod table;

use std::time::{Duration, Instant};

pub use peer::{PeerError, PeerReport};

/// One run of a workload on our side.
pub struct Run {
    /// Values (nodes) the workload built; must equal the peer's count.
    pub values: usize,
    /// Timed phases in order, e.g. `forward`, `backward`.
    pub phases: Vec<(&'static str, Duration)>,
    /// Results both sides must agree on (relative tolerance [`CHECK_RTOL`]).
    pub checks: Vec<(&'static str, f64)>,
    /// Peak live heap bytes the measured region added, if the workload measures it.
    pub heap_peak_bytes: Option<usize>,
}

/// How far a check may differ between the two sides, relative: grads summed over a batch
/// are accumulated in a different order by micrograd's set-ordered topological sort.
pub const CHECK_RTOL: f64 = 1e-9;

/// A benchmark workload.
pub struct Workload {
    /// Shown in the table and matched by filters, e.g. `chain 100k`.
    pub name: String,
    /// Runs the workload once on our side.
    pub run: Box<dyn Fn() -> Run>,
    /// Timed runs on our side (after one warm-up).
    pub runs: usize,
    /// `peer.py` arguments for the same workload, if it has a Python peer.
    pub peer_args: Option<Vec<String>>,
    /// Timed runs in Python.
    pub peer_runs: usize,
}

/// Our side's measurements of one workload.
pub struct Measured {
    /// Values the workload built.
    pub values: usize,
    /// The results the peer must agree with.
    pub checks: Vec<(&'static str, f64)>,
    /// Each phase's run times, in phase order.
    pub phases: Vec<(&'static str, Vec<Duration>)>,
    /// Peak live heap bytes over one run (the counting allocator), if measured.
    pub heap_peak_bytes: Option<usize>,
    /// Peak RSS growth over one run in a fresh process, where the OS reports it.
    pub rss_peak_bytes: Option<usize>,
}

/// What the harness concluded about one workload, for the bench to check its targets.
pub struct Outcome {
    /// The workload's name.
    pub name: String,
    /// Values it built.
    pub values: usize,
    /// micrograd's total time over ours, when the peer ran.
    pub total_ratio: Option<f64>,
    /// Our heap peak per value, if measured.
    pub heap_bytes_per_value: Option<f64>,
    /// The sides disagree, or the peer could not be run at all.
    pub failed: bool,
}

/// A forward and a backward phase, timed, with the heap they used.
pub struct ForwardBackward<T> {
    /// What the forward phase returned.
    pub result: T,
    /// Wall-clock time of the forward phase.
    pub forward: Duration,
    /// Wall-clock time of the backward phase.
    pub backward: Duration,
    /// Peak live heap bytes over both phases, above what was live before them.
    pub heap_peak_bytes: usize,
}

impl<T> ForwardBackward<T> {
    /// The two timed phases, named for the table.
    pub fn phases(&self) -> Vec<(&'static str, Duration)> {
        vec![("forward", self.forward), ("backward", self.backward)]
    }
}

/// Runs `forward`, then `backward` on its result, timing each and measuring their heap
/// peak (only theirs: nothing the harness allocates around them is counted).
pub fn forward_backward<T>(
    forward: impl FnOnce() -> T,
    backward: impl FnOnce(&T),
) -> ForwardBackward<T> {
    let ((result, forward, backward), heap_peak_bytes) = alloc::heap_peak_of(|| {
        let (result, forward) = timed(forward);
        let ((), backward) = timed(|| backward(&result));
        (result, forward, backward)
    });
    ForwardBackward {
        result,
        forward,
        backward,
        heap_peak_bytes,
    }
}

/// Times `f`, returning its result and the wall-clock time it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let result = f();
    (result, start.elapsed())
}

/// The median of `samples` (the lower middle one for an even count).
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[(sorted.len() - 1) / 2]
}

struct Options {
    peer: Option<String>,
    peer_gc: bool,
    rss_probe: Option<String>,
    filters: Vec<String>,
}

fn parse_args() -> Options {
    let mut options = Options {
        peer: None,
        peer_gc: true,
        rss_probe: None,
        filters: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--peer" => options.peer = Some(args.next().expect("--peer needs a Python path")),
            "--peer-no-gc" => options.peer_gc = false,
            "--rss-probe" => options.rss_probe = args.next(),
            // cargo bench passes --bench to a harness-less bench.
            "--bench" => {}
            word => options.filters.push(word.to_owned()),
        }
    }
    options
}

/// Runs the selected workloads (or, as `--rss-probe NAME`, one run of one workload) and
/// prints the table.
pub fn run(workloads: &[Workload]) -> Vec<Outcome> {
    let options = parse_args();
    if let Some(name) = &options.rss_probe {
        let workload = workloads.iter().find(|w| &w.name == name);
        rss_probe(workload.expect("--rss-probe names a workload"));
        std::process::exit(0);
    }
    let mut rows = Vec::new();
    for workload in workloads {
        if !options
            .filters
            .iter()
            .all(|f| workload.name.contains(f.as_str()))
        {
            continue;
        }
        eprintln!("bench: {} …", workload.name);
        let ours = measure(workload);
        let theirs = match (&options.peer, &workload.peer_args) {
            (Some(python), Some(args)) => {
                Some(peer::run(python, args, workload.peer_runs, options.peer_gc))
            }
            _ => None,
        };
        rows.push((workload, ours, theirs));
    }
    table::print(&rows, options.peer.is_some(), options.peer_gc)
}

/// Exits non-zero when a workload failed: the sides disagree on a node count or a checked
/// result, or the peer could not be run.
pub fn finish(outcomes: &[Outcome]) {
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.failed)
        .map(|o| o.name.as_str())
        .collect();
    if !failed.is_empty() {
        eprintln!("bench: failed: {}", failed.join(", "));
        std::process::exit(1);
    }
}

fn measure(workload: &Workload) -> Measured {
    let first = (workload.run)();
    let mut phases: Vec<(&'static str, Vec<Duration>)> = first
        .phases
        .iter()
        .map(|&(name, _)| (name, Vec::new()))
        .collect();
    for _ in 0..workload.runs {
        let run = (workload.run)();
        for ((_, samples), (_, took)) in phases.iter_mut().zip(&run.phases) {
            samples.push(*took);
        }
    }
    Measured {
        values: first.values,
        checks: first.checks,
        phases,
        heap_peak_bytes: first.heap_peak_bytes,
        rss_peak_bytes: rss_in_fresh_process(&workload.name),
    }
}

/// Peak RSS growth of one run, measured by this binary re-run as `--rss-probe NAME`, so
/// that no earlier workload has already raised the high-water mark.
fn rss_in_fresh_process(name: &str) -> Option<usize> {
    let exe = std::env::current_exe().ok()?;
    let output = std::process::Command::new(exe)
        .args(["--rss-probe", name])
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

fn rss_probe(workload: &Workload) {
    let before = peak_rss_bytes();
    let run = (workload.run)();
    let after = peak_rss_bytes();
    drop(run);
    if let (Some(before), Some(after)) = (before, after) {
        println!("{}", after - before);
    }
}

/// The process's peak resident set so far (`VmHWM`), on Linux.
fn peak_rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
