//! `gradviz check`: the report on stdout (exit 1 on a mismatch), and with `-o` the graph
//! with the wrong values marked, as a figure or a page.

use std::io::IsTerminal;
use std::process::ExitCode;

use gradviz::check::{self, FiniteDifferences, Report};
use gradviz::figure::marks;
use gradviz::figure::overlay::Naming;
use gradviz::graph::to_petgraph;
use gradviz::input::json::Document;
use gradviz::input::script::Evaluated;
use gradviz::input::{self, Checked};
use gradviz::output::{self, Shows, Target};
use gradviz::render::Format;
use gradviz::{page, render, Result};

use super::{CheckRequest, Console};

/// Checks the input, prints the report, writes the marked figure if asked for.
pub fn check(request: &CheckRequest, console: &mut Console) -> Result<ExitCode> {
    let options = &request.options;
    let source = input::read(&request.input, options.input.format)?;
    let target = match &request.output {
        Some(out) => Some(output::single(
            &source,
            out,
            Shows::CheckMarks,
            options.format,
        )?),
        None => None,
    };
    let tolerance = (request.rtol, request.atol);
    let (table, clean, figure) = match input::checked(&source, &options.input)? {
        Checked::Document(document) => {
            let report = check::check_document(&document, tolerance)?;
            let figure = match &target {
                Some(target) => Some(
                    console
                        .drawn(|| recomputed(&source.name, document, &report, target, request))?,
                ),
                None => None,
            };
            let text = report.table() + &report.explanation();
            (text, report.is_clean(), figure)
        }
        Checked::Script(evaluated) => {
            let every_row = request.all || !std::io::stdout().is_terminal();
            let found = check::finite_differences(&evaluated, &source.name, tolerance, every_row)?;
            let figure = match &target {
                Some(target) => Some(
                    console
                        .drawn(|| differences(&source.name, &evaluated, &found, target, request))?,
                ),
                None => None,
            };
            let clean = found.is_clean();
            (found.table, clean, figure)
        }
    };
    output::write_stdout(table.as_bytes())?;
    if let (Some(target), Some(bytes)) = (&target, &figure) {
        output::write(target, bytes)?;
    }
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A recomputed graph with its wrong numbers marked.
fn recomputed(
    name: &str,
    document: Document,
    report: &Report,
    target: &Target,
    request: &CheckRequest,
) -> Result<render::Drawn> {
    let draw = &request.options.draw;
    let for_page = target.format() == Format::Html;
    let marks = marks::recomputed(report, for_page, draw.dot.precision);
    if for_page {
        return page::recompute_page(name, document, report, marks, draw);
    }
    render::draw_marked(
        &document.graph,
        &marks,
        Naming::Blank,
        target.format(),
        draw,
    )
}

/// A script's graph with the leaves whose grad disagrees with its finite difference marked.
fn differences(
    name: &str,
    evaluated: &Evaluated,
    found: &FiniteDifferences,
    target: &Target,
    request: &CheckRequest,
) -> Result<render::Drawn> {
    let draw = &request.options.draw;
    let marks = marks::differences(found, draw.dot.precision);
    if target.format() == Format::Html {
        return page::differences_page(name, &evaluated.graph, found, marks, draw);
    }
    let graph = to_petgraph(&evaluated.graph, &[found.root]);
    render::draw_marked(&graph, &marks, Naming::LeafIds, target.format(), draw)
}
