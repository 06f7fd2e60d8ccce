//! `gradviz compare`: one figure of the graph before and after backward, or the page with
//! both states and a table of the grads that changed.

use gradviz::output::{self, Output, Shows};
use gradviz::render::Format;
use gradviz::{input, page, render, Result};

use super::{CompareRequest, Console};

/// Compares the input's states and writes the figure or page.
pub fn compare(request: &CompareRequest, console: &mut Console) -> Result<()> {
    let options = &request.options;
    let source = input::read(&request.input, options.input.format)?;
    // An `.html` file is the page, whatever --format says of its figures.
    let page_file = matches!(&request.output,
        Output::File(path) if Format::from_extension(path) == Some(Format::Html));
    let format = if page_file {
        Some(Format::Html)
    } else {
        options.format
    };
    let target = output::single(&source, &request.output, Shows::Comparison, format)?;
    let states = input::states(&source, &options.input)?;
    if states.ran_backward {
        console.note(&format!(
            "{} calls backward() on no value: compare ran it from the value drawn, to show \
             the grads it gives",
            source.name
        ));
    }
    let bytes = console.drawn(|| match target.format() {
        Format::Html => page::compare_page(&source.name, states, &options.draw),
        format => render::draw_comparison(&states, format, &options.draw),
    })?;
    output::write(&target, &bytes)
}
