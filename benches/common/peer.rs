//! Runs one workload in `benches/peer.py` (CPython + micrograd) and reads its JSON report.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use serde_json::Value as Json;

/// `peer.py`'s exit status when the workload itself died in Python.
const PEER_CRASHED: i32 = 3;

const PEER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peer.py");

/// What the peer measured for one workload.
pub struct PeerReport {
    /// Values reachable from the workload's root.
    pub values: usize,
    /// Each phase's run times, by phase name.
    pub phases: Vec<(String, Vec<Duration>)>,
    /// The results to compare with ours, by name.
    pub checks: Vec<(String, f64)>,
    /// Peak RSS growth over the first run.
    pub peak_rss_bytes: usize,
}

impl PeerReport {
    /// This report with `later`'s run times added: the values, checks and peak RSS stay
    /// those of this (the first) run.
    pub fn merged(mut self, later: PeerReport) -> PeerReport {
        for ((_, samples), (_, more)) in self.phases.iter_mut().zip(later.phases) {
            samples.extend(more);
        }
        self
    }
}

/// Why the peer gave no report.
#[derive(Debug)]
pub enum PeerError {
    /// Python could not be started or printed no usable report: a broken set-up.
    Unavailable(String),
    /// Python ran the workload and died (an exception, or killed by a signal): a result.
    Crashed(String),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::Unavailable(why) | PeerError::Crashed(why) => f.write_str(why),
        }
    }
}

/// Runs `peer.py ARGS --runs RUNS` with `python`.
pub fn run(python: &str, args: &[String], runs: usize, gc: bool) -> Result<PeerReport, PeerError> {
    let mut command = Command::new(python);
    command
        .arg(PEER_SCRIPT)
        .args(args)
        .args(["--runs", &runs.to_string()]);
    if !gc {
        command.arg("--no-gc");
    }
    let output = command
        .output()
        .map_err(|e| PeerError::Unavailable(format!("cannot run {python}: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("").to_owned();
        return Err(match (output.status.code(), output.status.signal()) {
            (Some(PEER_CRASHED), _) => PeerError::Crashed(last),
            (_, Some(signal)) => PeerError::Crashed(format!("killed by signal {signal} {last}")),
            _ => PeerError::Unavailable(format!("peer failed: {last}")),
        });
    }
    let json: Json = serde_json::from_slice(&output.stdout)
        .map_err(|e| PeerError::Unavailable(format!("peer printed no JSON report: {e}")))?;
    parse(&json).ok_or_else(|| {
        PeerError::Unavailable(format!("peer report has an unexpected shape: {json}"))
    })
}

fn parse(json: &Json) -> Option<PeerReport> {
    let phases = json["phases"]
        .as_object()?
        .iter()
        .map(|(name, samples)| {
            let samples = samples.as_array()?.iter().map(|s| s.as_f64());
            let samples = samples.map(|s| s.map(Duration::from_secs_f64));
            Some((name.clone(), samples.collect::<Option<Vec<_>>>()?))
        })
        .collect::<Option<Vec<_>>>()?;
    let checks = json["checks"]
        .as_object()?
        .iter()
        .map(|(name, value)| Some((name.clone(), value.as_f64()?)))
        .collect::<Option<Vec<_>>>()?;
    Some(PeerReport {
        values: usize::try_from(json["values"].as_u64()?).ok()?,
        phases,
        checks,
        peak_rss_bytes: usize::try_from(json["peak_rss_bytes"].as_u64()?).ok()?,
    })
}
