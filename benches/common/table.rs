//! The results table: one block of rows per workload, our figure, the peer's, and the ratio
//! (peer ÷ ours, so above 1 means gradviz is faster or smaller).

use std::time::Duration;

use super::{median, totals, Measured, Outcome, PeerError, PeerReport, Workload, CHECK_RTOL};

const HEADER: [&str; 6] = [
    "workload",
    "values",
    "measure",
    "gradviz",
    "micrograd",
    "ratio",
];
const WIDTHS: [usize; 6] = [26, 11, 24, 14, 14, 8];

/// One workload's results, ours and (if run) the peer's.
pub type Row<'a> = (
    &'a Workload,
    Measured,
    Option<Result<PeerReport, PeerError>>,
);

/// Prints the table and returns each workload's outcome.
pub fn print(rows: &[Row], with_peer: bool, peer_gc: bool) -> Vec<Outcome> {
    println!();
    println!(
        "times: wall clock, median of runs; memory: bytes per value; ratio = micrograd ÷ gradviz"
    );
    if with_peer {
        let gc = if peer_gc { "on (default)" } else { "OFF" };
        println!("peer: CPython micrograd 0.1.0, one fresh process per run, between ours, gc {gc}");
        println!(
            "checked: equal node counts on both sides, and the result and a leaf's grad \
             within {CHECK_RTOL:e} relative"
        );
    }
    line(&HEADER.map(String::from));
    println!(
        "{}",
        "-".repeat(WIDTHS.iter().sum::<usize>() + 2 * (WIDTHS.len() - 1))
    );
    rows.iter().map(print_workload).collect()
}

fn print_workload((workload, ours, theirs): &Row) -> Outcome {
    let mut outcome = Outcome {
        name: workload.name.clone(),
        values: ours.values,
        phases: ours.phases.clone(),
        total_ratio: None,
        heap_bytes_per_value: ours.heap_peak_bytes.map(|b| b as f64 / ours.values as f64),
        targets: workload.targets.clone(),
        failed: false,
    };
    let report = match theirs {
        Some(Ok(report)) => Some(report),
        Some(Err(error)) => {
            outcome.failed = matches!(error, PeerError::Unavailable(_));
            None
        }
        None => None,
    };
    let mut first = true;
    let mut emit = |measure: &str, ours: String, theirs: String, ratio: String| {
        let (name, values) = if first {
            (workload.name.clone(), group_thousands(outcome.values))
        } else {
            (String::new(), String::new())
        };
        first = false;
        line(&[name, values, measure.to_owned(), ours, theirs, ratio]);
    };
    for (phase, samples) in &ours.phases {
        let ours_time = median(samples);
        let theirs_time = report.and_then(|r| peer_phase(r, phase).map(median));
        emit(
            phase,
            time_cell(ours_time),
            opt(theirs_time.map(time_cell)),
            ratio_cell(theirs_time, ours_time),
        );
    }
    let ours_total = median(&totals(ours.phases.iter().map(|(_, s)| s.as_slice())));
    let theirs_total = report.map(|r| median(&totals(r.phases.iter().map(|(_, s)| s.as_slice()))));
    outcome.total_ratio = theirs_total.map(|t| t.as_secs_f64() / ours_total.as_secs_f64());
    if ours.phases.len() > 1 {
        let name = ours
            .phases
            .iter()
            .map(|(p, _)| *p)
            .collect::<Vec<_>>()
            .join("+");
        emit(
            &name,
            time_cell(ours_total),
            opt(theirs_total.map(time_cell)),
            ratio_cell(theirs_total, ours_total),
        );
    }
    let per_value = |bytes: usize| bytes as f64 / ours.values as f64;
    emit(
        "heap peak",
        opt(ours.heap_peak_bytes.map(per_value).map(bytes_cell)),
        String::new(),
        String::new(),
    );
    let ours_rss = ours.rss_peak_bytes.map(per_value);
    let theirs_rss = report.map(|r| r.peak_rss_bytes as f64 / r.values as f64);
    let rss_ratio = match (theirs_rss, ours_rss) {
        (Some(t), Some(o)) if o > 0.0 && t > 0.0 => ratio_text(t / o),
        _ => String::new(),
    };
    emit(
        "peak RSS",
        opt(ours_rss.map(bytes_cell)),
        opt(theirs_rss.map(bytes_cell)),
        rss_ratio,
    );
    emit(
        "peak RSS total",
        opt(ours.rss_peak_bytes.map(megabytes_cell)),
        opt(report.map(|r| megabytes_cell(r.peak_rss_bytes))),
        String::new(),
    );
    match theirs {
        Some(Err(error)) => emit("peer", String::new(), error.to_string(), String::new()),
        Some(Ok(report)) => {
            for problem in disagreements(ours, report) {
                outcome.failed = true;
                emit("MISMATCH", String::new(), problem, String::new());
            }
        }
        None => {}
    }
    outcome
}

/// Where the two sides built or computed different things.
fn disagreements(ours: &Measured, theirs: &PeerReport) -> Vec<String> {
    let mut problems = Vec::new();
    if ours.values != theirs.values {
        problems.push(format!(
            "values: gradviz {} micrograd {}",
            ours.values, theirs.values
        ));
    }
    for (name, value) in &ours.checks {
        let peer = theirs
            .checks
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v);
        match peer {
            Some(peer) if (peer - value).abs() <= CHECK_RTOL * value.abs().max(peer.abs()) => {}
            _ => problems.push(format!("{name}: gradviz {value:e} micrograd {peer:?}")),
        }
    }
    problems
}

fn peer_phase<'r>(report: &'r PeerReport, phase: &str) -> Option<&'r [Duration]> {
    report
        .phases
        .iter()
        .find(|(name, _)| name == phase)
        .map(|(_, s)| s.as_slice())
}

fn line(cells: &[String; 6]) {
    let text: Vec<String> = cells
        .iter()
        .zip(WIDTHS)
        .enumerate()
        .map(|(i, (cell, width))| match i {
            0 | 2 => format!("{cell:<width$}"),
            _ => format!("{cell:>width$}"),
        })
        .collect();
    println!("{}", text.join("  ").trim_end());
}

fn opt(cell: Option<String>) -> String {
    cell.unwrap_or_default()
}

fn time_cell(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    let (value, unit) = match seconds {
        s if s < 1e-3 => (s * 1e6, "µs"),
        s if s < 1.0 => (s * 1e3, "ms"),
        s => (s, "s"),
    };
    format!("{} {unit}", three_digits(value))
}

fn bytes_cell(bytes_per_value: f64) -> String {
    format!("{} B/value", three_digits(bytes_per_value))
}

fn megabytes_cell(bytes: usize) -> String {
    format!("{} MB", three_digits(bytes as f64 / 1e6))
}

fn ratio_cell(theirs: Option<Duration>, ours: Duration) -> String {
    theirs.map_or_else(String::new, |t| {
        ratio_text(t.as_secs_f64() / ours.as_secs_f64())
    })
}

fn ratio_text(ratio: f64) -> String {
    format!("{}×", three_digits(ratio))
}

/// Three significant digits, no exponent.
fn three_digits(x: f64) -> String {
    match x.abs() {
        a if a >= 100.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        _ => format!("{x:.2}"),
    }
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
