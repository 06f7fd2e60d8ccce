//! `gradviz check`: the report on stdout (exit 1 on a mismatch), and with `-o` the graph
//! with the wrong values marked, as a figure or a page.

use std::io::IsTerminal;
use std::process::ExitCode;

use gradviz::check::{self, FiniteDifferences, Report};
use gradviz::figure::marks;
use gradviz::figure::overlay::Naming;
use gradviz::input::json::Document;
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
    let (document, from_script) = match input::checked(&source, &options.input)? {
        Checked::Document(document) => (document, false),
        Checked::Script(document) => (document, true),
    };
    let report = check::check_document(&document, tolerance)?;
    let every_row = request.all || !std::io::stdout().is_terminal();
    let found = from_script
        .then(|| check::finite_differences(&document, tolerance, every_row))
        .transpose()?;
    let figure = match &target {
        Some(target) => Some(console.drawn(|| {
            figure(
                &source.name,
                document,
                &report,
                found.as_ref(),
                target,
                request,
            )
        })?),
        None => None,
    };
    let mut table = report.table() + &report.explanation();
    if let Some(found) = &found {
        table = table + "\n" + &found.table;
    }
    let clean = report.is_clean() && found.as_ref().is_none_or(FiniteDifferences::is_clean);
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

/// The checked graph marked: with what recomputation found, or with the finite differences
/// when they alone disagree (a ReLU at exactly 0). A script's unlabelled values are named
/// `#id`, as its finite differences' table names them.
fn figure(
    name: &str,
    document: Document,
    report: &Report,
    found: Option<&FiniteDifferences>,
    target: &Target,
    request: &CheckRequest,
) -> Result<render::Drawn> {
    match found {
        Some(found) if report.is_clean() && !found.is_clean() => {
            differences(name, document, found, target, request)
        }
        Some(_) => recomputed(name, document, report, target, request, Naming::LeafIds),
        None => recomputed(name, document, report, target, request, Naming::Blank),
    }
}

/// A recomputed graph with its wrong numbers marked, unlabelled values named by `naming`.
fn recomputed(
    name: &str,
    document: Document,
    report: &Report,
    target: &Target,
    request: &CheckRequest,
    naming: Naming,
) -> Result<render::Drawn> {
    let draw = &request.options.draw;
    let for_page = target.format() == Format::Html;
    let marks = marks::recomputed(report, for_page, draw.dot.precision);
    if for_page {
        return page::recompute_page(name, document, report, marks, draw);
    }
    render::draw_marked(&document.graph, &marks, naming, target.format(), draw)
}

/// A script's graph with the leaves whose grad disagrees with its finite difference marked.
fn differences(
    name: &str,
    document: Document,
    found: &FiniteDifferences,
    target: &Target,
    request: &CheckRequest,
) -> Result<render::Drawn> {
    let draw = &request.options.draw;
    let marks = marks::differences(found, draw.dot.precision);
    if target.format() == Format::Html {
        return page::differences_page(name, document, found, marks, draw);
    }
    render::draw_marked(
        &document.graph,
        &marks,
        Naming::LeafIds,
        target.format(),
        draw,
    )
}
