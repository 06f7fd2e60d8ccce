//! `gradviz render`: each input's figures (or its page) into files or stdout.

use gradviz::output::{self, Output, Target};
use gradviz::render::Format;
use gradviz::{input, page, render, Error, Result};

use super::{Console, RenderRequest};

/// Reads every input and draws it; nothing is written until every figure is drawn, so a bad
/// input leaves no output behind.
pub fn render(request: &RenderRequest, console: &mut Console) -> Result<()> {
    if request.inputs.len() > 1 && matches!(request.output, Output::File(_) | Output::Stdout) {
        return Err(Error::Usage(
            "several inputs need --out-dir (or no -o, to write beside each input)".into(),
        ));
    }
    let options = &request.options;
    let format = output::format(&request.output, options.format)?;
    let mut files: Vec<(Target, Vec<u8>)> = Vec::new();
    for path in &request.inputs {
        let source = input::read(path, options.input.format)?;
        if format == Format::Html {
            let target = output::targets(&source, &request.output, format, 1, "")?.remove(0);
            let page =
                console.drawn(|| page::script_page(&source, &options.input, &options.draw))?;
            files.push((target, page));
            continue;
        }
        let figures = input::figures(&source, &options.input)?;
        let targets = output::targets(&source, &request.output, format, figures.len(), "")?;
        for (drawing, target) in figures.iter().zip(targets) {
            console.asked_format(drawing.format.as_deref(), format);
            let draw = options.draw.directed(drawing.rankdir);
            let bytes = console.drawn(|| render::draw(&drawing.graph, format, &draw))?;
            files.push((target, bytes));
        }
    }
    files
        .iter()
        .try_for_each(|(target, bytes)| output::write(target, bytes))
}
