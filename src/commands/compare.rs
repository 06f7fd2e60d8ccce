//! `gradviz compare`: one figure of the graph before and after backward, or the page with
//! both states and a table of the grads that changed.

use gradviz::output::{self, Output, Shows, Target};
use gradviz::render::Format;
use gradviz::{input, page, render, Result};

use super::{CompareRequest, Console};

/// Compares the input's states and writes the figure or page.
pub fn compare(request: &CompareRequest, console: &mut Console) -> Result<()> {
    let options = &request.options;
    let source = input::read(&request.input, options.input.format)?;
    let target = match &request.output {
        // An `.html` file is the page, whatever --format says of its figures.
        Output::File(path)
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html")) =>
        {
            output::refuse_input_as_output(&source, path)?;
            Target::File(path.clone(), Format::Html)
        }
        output => output::single(&source, output, Shows::Comparison, options.format)?,
    };
    let states = input::states(&source, &options.input)?;
    let bytes = console.drawn(|| match target.format() {
        Format::Html => page::compare_page(&source.name, states, &options.draw),
        format => render::draw_comparison(&states, format, &options.draw),
    })?;
    output::write(&target, &bytes)
}
