//! The benchmark harness: runs workloads on gradviz and, with `--peer PYTHON`, the same
//! workloads in CPython micrograd (`benches/peer.py`, one fresh process per peer run), and
//! prints one table with both sides and their ratio. The peer's runs fall between ours, so
//! that a machine whose speed drifts slows both sides alike: on a shared 2-core VM, with
//! ours all first and the peer's all after, one binary measured 29× and then 41× in two
//! runs back to back.
//!
//! A workload is a name, a closure that runs it once on our side and reports its timed
//! phases, the `peer.py` arguments that run it in Python, and the targets it must meet.
//! Adding one is adding a [`Workload`] to a list in `benches/workloads/` (and, for a peer,
//! a function in `peer.py`'s `WORKLOADS`). Arguments: `--peer PYTHON` to run the peer,
//! `--peer-no-gc` to run it with Python's cyclic GC disabled, and any other word to run
//! only the workloads whose names contain it (all words must match). Workloads marked
//! [`Workload::on_request`] run only when words are given that select them.
//!
//! Times are wall clock, the median over runs (each phase's median separately; the total
//! row is the median of per-run totals). Our side does one untimed warm-up run first.
//! Memory per value: our heap peak from the counting allocator over the measured phases of
//! one run (see [`forward_backward`]), and for both
//! sides the growth of peak RSS (`VmHWM`) over one run in a fresh process; for a workload
//! that runs a whole process ([`run_process`]), that child's own peak RSS.

pub mod alloc;
mod peer;
mod table;

use std::fmt;
use std::io::{Read, Seek};
use std::process::{Command, Stdio};
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
    /// The peak RSS of the child process, for a workload that runs one ([`run_process`]):
    /// reported as the workload's peak RSS instead of this process's growth.
    pub child_peak_rss_bytes: Option<usize>,
}

/// How far a check may differ between the two sides, relative: grads summed over a batch
/// are accumulated in a different order by micrograd's set-ordered topological sort.
pub const CHECK_RTOL: f64 = 1e-9;

/// A benchmark workload. Build it with [`Workload::new`] and the methods after it.
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
    /// Writes the input files every run reads: untimed, outside the memory figures, and
    /// not repeated in the RSS probe.
    pub setup: Option<Box<dyn Fn()>>,
    /// What the workload must achieve; each is reported met or missed after the table.
    pub targets: Vec<Target>,
    /// Too slow for the default run: runs only when filter words select it.
    pub on_request: bool,
}

impl Workload {
    /// A workload with `runs` timed runs of `run` on our side, and no peer.
    pub fn new(name: impl Into<String>, runs: usize, run: impl Fn() -> Run + 'static) -> Self {
        Workload {
            name: name.into(),
            run: Box::new(run),
            runs,
            peer_args: None,
            peer_runs: 0,
            setup: None,
            targets: Vec::new(),
            on_request: false,
        }
    }

    /// Runs `peer.py ARGS` as the peer, `runs` times.
    pub fn peer(mut self, args: &[&str], runs: usize) -> Self {
        self.peer_args = Some(args.iter().map(|a| a.to_string()).collect());
        self.peer_runs = runs;
        self
    }

    /// Calls `setup`, which writes input files, once before the workload is measured.
    pub fn setup(mut self, setup: impl Fn() + 'static) -> Self {
        self.setup = Some(Box::new(setup));
        self
    }

    /// Adds a target.
    pub fn target(mut self, target: Target) -> Self {
        self.targets.push(target);
        self
    }

    /// Runs the workload only when filter words select it.
    pub fn on_request(mut self) -> Self {
        self.on_request = true;
        self
    }

    fn selected_by(&self, filters: &[String]) -> bool {
        if self.on_request && filters.is_empty() {
            return false;
        }
        filters.iter().all(|f| self.name.contains(f.as_str()))
    }

    fn prepare(&self) {
        if let Some(setup) = &self.setup {
            setup();
        }
    }
}

/// A goal a workload is checked against, from the issues.
#[derive(Debug, Clone)]
pub enum Target {
    /// micrograd's time over all phases at least this many times ours (median of per-run
    /// totals on both sides); checked when the peer ran.
    FasterThanPeer(f64),
    /// Our median time over these phases (per-run sums; every phase when empty) under this.
    TimeUnder(&'static [&'static str], Duration),
    /// Our heap peak at most this many bytes per value.
    HeapPerValue(f64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::FasterThanPeer(ratio) => write!(f, "≥ {ratio}× faster than micrograd"),
            Target::TimeUnder([], limit) => write!(f, "under {limit:?}"),
            Target::TimeUnder(phases, limit) => {
                write!(f, "{} under {limit:?}", phases.join("+"))
            }
            Target::HeapPerValue(bytes) => write!(f, "heap ≤ {bytes} B/value"),
        }
    }
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

/// What the harness concluded about one workload, for checking its targets.
pub struct Outcome {
    /// The workload's name.
    pub name: String,
    /// Values it built.
    pub values: usize,
    /// Our run times per phase.
    pub phases: Vec<(&'static str, Vec<Duration>)>,
    /// micrograd's total time over ours, when the peer ran.
    pub total_ratio: Option<f64>,
    /// Our heap peak per value, if measured.
    pub heap_bytes_per_value: Option<f64>,
    /// The workload's targets.
    pub targets: Vec<Target>,
    /// The sides disagree, or the peer could not be run at all.
    pub failed: bool,
}

impl Outcome {
    /// Our median time over `phases` (every phase when empty), per-run sums.
    fn time_over(&self, phases: &[&str]) -> Duration {
        let chosen = self
            .phases
            .iter()
            .filter(|(name, _)| phases.is_empty() || phases.contains(name))
            .map(|(_, samples)| samples.as_slice());
        median(&totals(chosen))
    }

    /// Whether `target` is met: `None` when it cannot be checked in this run.
    fn meets(&self, target: &Target) -> Option<(bool, String)> {
        match *target {
            Target::FasterThanPeer(ratio) => self
                .total_ratio
                .map(|got| (got >= ratio, format!("{got:.1}×"))),
            Target::TimeUnder(phases, limit) => {
                let got = self.time_over(phases);
                Some((got < limit, format!("{got:.2?}")))
            }
            Target::HeapPerValue(bytes) => self
                .heap_bytes_per_value
                .map(|got| (got <= bytes, format!("{got:.1} B/value"))),
        }
    }
}

/// Per-run totals over phases (run i's total is the sum of every phase's i-th sample).
pub fn totals<'s>(phases: impl Iterator<Item = &'s [Duration]>) -> Vec<Duration> {
    let mut sums: Vec<Duration> = Vec::new();
    for samples in phases {
        sums.resize(samples.len().max(sums.len()), Duration::ZERO);
        for (sum, sample) in sums.iter_mut().zip(samples) {
            *sum += *sample;
        }
    }
    sums
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

/// Named phases of one run, timed one after another.
#[derive(Default)]
pub struct Phases(Vec<(&'static str, Duration)>);

impl Phases {
    /// Runs `f` as the phase `name`, returning its result.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let (result, took) = timed(f);
        self.0.push((name, took));
        result
    }

    /// The phases timed so far, in order.
    pub fn into_vec(self) -> Vec<(&'static str, Duration)> {
        self.0
    }
}

/// A whole process, run once: its wall-clock time (spawn to exit) and its peak RSS.
pub struct ProcessRun {
    /// From spawning the process to reaping it.
    pub wall: Duration,
    /// The largest peak RSS of any child this process has reaped (`getrusage`'s
    /// `RUSAGE_CHILDREN`), which Linux starts at the parent's peak (the high-water mark is
    /// carried across exec). So it is the child's own only in the RSS probe: a fresh, small
    /// process that runs the workload once.
    pub peak_rss_bytes: usize,
}

/// Runs `command` to completion, its stdout discarded; panics with its stderr if it fails.
pub fn run_process(command: &mut Command) -> ProcessRun {
    let mut stderr = tempfile::tempfile().expect("a temporary file for stderr");
    let child_stderr = stderr
        .try_clone()
        .expect("a second handle on the temporary file");
    let start = Instant::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(child_stderr)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let wall = start.elapsed();
    if !status.success() {
        let mut text = String::new();
        stderr
            .rewind()
            .and_then(|()| stderr.read_to_string(&mut text))
            .ok();
        panic!("{command:?} failed ({status}): {text}");
    }
    ProcessRun {
        wall,
        peak_rss_bytes: children_peak_rss_bytes(),
    }
}

fn children_peak_rss_bytes() -> usize {
    // SAFETY: an all-zero rusage is a valid value of the plain C struct, and getrusage only
    // writes into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let kib = usize::try_from(usage.ru_maxrss).expect("ru_maxrss is not negative");
    kib * 1024
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
        if !workload.selected_by(&options.filters) {
            continue;
        }
        eprintln!("bench: {} …", workload.name);
        workload.prepare();
        let (ours, theirs) = match (&options.peer, &workload.peer_args) {
            (Some(python), Some(args)) => {
                let (ours, theirs) =
                    measure_beside_peer(workload, || peer::run(python, args, 1, options.peer_gc));
                (ours, Some(theirs))
            }
            _ => (measure(workload, |_| {}), None),
        };
        rows.push((workload, ours, theirs));
    }
    table::print(&rows, options.peer.is_some(), options.peer_gc)
}

/// Prints every target as met, missed or not checked, then exits non-zero when a workload
/// failed: the sides disagree on a node count or a checked result, or the peer could not be
/// run. A missed target is reported, not a failure.
pub fn finish(outcomes: &[Outcome]) {
    println!();
    for outcome in outcomes {
        for target in &outcome.targets {
            let verdict = match outcome.meets(target) {
                Some((true, got)) => format!("met ({got})"),
                Some((false, got)) => format!("TARGET MISSED ({got})"),
                None => "not checked (no peer run)".to_owned(),
            };
            println!("target: {}: {target}: {verdict}", outcome.name);
        }
    }
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

/// Our runs of `workload` with the peer's `peer_runs` runs spread evenly between them, each
/// from `peer_once` (a fresh process); the peer's reports merged into one, or its first
/// error.
fn measure_beside_peer(
    workload: &Workload,
    mut peer_once: impl FnMut() -> Result<peer::PeerReport, peer::PeerError>,
) -> (Measured, Result<peer::PeerReport, peer::PeerError>) {
    let (runs, peer_runs) = (workload.runs, workload.peer_runs);
    let mut theirs: Option<Result<peer::PeerReport, peer::PeerError>> = None;
    let mut run_peer = |count: usize| {
        for _ in 0..count {
            theirs = Some(match theirs.take() {
                None => peer_once(),
                Some(Ok(report)) => peer_once().map(|next| report.merged(next)),
                Some(Err(error)) => Err(error),
            });
            // The peer's files reach the disk now, untimed, not during our next write's
            // fsync: interleaved without this, our write phase took 122 ms, not 40.
            let _ = std::process::Command::new("sync").status();
        }
    };
    // After our `i`-th run, the peer's runs whose share of ours ends there.
    let ours = measure(workload, |i| {
        run_peer((i + 1) * peer_runs / runs.max(1) - i * peer_runs / runs.max(1));
    });
    if runs == 0 {
        run_peer(peer_runs);
    }
    let theirs = theirs.unwrap_or_else(|| {
        Err(peer::PeerError::Unavailable(
            "the workload asks for no peer runs".into(),
        ))
    });
    (ours, theirs)
}

/// One untimed warm-up run of `workload`, then its timed runs, `after(i)` called after the
/// `i`-th of them.
fn measure(workload: &Workload, mut after: impl FnMut(usize)) -> Measured {
    let first = (workload.run)();
    let mut phases: Vec<(&'static str, Vec<Duration>)> = first
        .phases
        .iter()
        .map(|&(name, _)| (name, Vec::new()))
        .collect();
    for i in 0..workload.runs {
        let run = (workload.run)();
        for ((_, samples), (_, took)) in phases.iter_mut().zip(&run.phases) {
            samples.push(*took);
        }
        after(i);
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

/// The workload's setup already ran in the process that started this probe: its input
/// files are on disk, and making them again here would raise the peak a child process
/// starts from (see [`ProcessRun::peak_rss_bytes`]).
fn rss_probe(workload: &Workload) {
    let before = peak_rss_bytes();
    let run = (workload.run)();
    let after = peak_rss_bytes();
    if let Some(child) = run.child_peak_rss_bytes {
        println!("{child}");
    } else if let (Some(before), Some(after)) = (before, after) {
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
