//! `gradviz render`: each input's figures (or its page) into files or stdout.

use gradviz::output::{self, Batch, Output, Shows};
use gradviz::page::animate;
use gradviz::render::Format;
use gradviz::{input, page, render, Error, Result};

use super::{Console, RenderRequest};

/// Reads every input and draws it, each figure streamed into a file beside its target;
/// nothing takes a target's name until every figure is drawn, so a bad input leaves no
/// output behind.
pub fn render(request: &RenderRequest, console: &mut Console) -> Result<()> {
    if request.inputs.len() > 1 && matches!(request.output, Output::File(_) | Output::Stdout) {
        return Err(Error::Usage(
            "several inputs need --out-dir (or no -o, to write beside each input)".into(),
        ));
    }
    let options = &request.options;
    let mut files = Batch::default();
    for path in &request.inputs {
        let source = input::read(path, options.input.format)?;
        let format = output::format(&source, &request.output, options.format)?;
        if request.animate {
            animate_into(&source, format, request, console, &mut files)?;
            continue;
        }
        if format == Format::Html {
            let target = output::single(&source, &request.output, Shows::Figures, Some(format))?;
            let page =
                console.drawn(|| page::script_page(&source, &options.input, &options.draw))?;
            files.push(output::written(&target, &page)?);
            continue;
        }
        let drawables = input::drawables(&source, &options.input)?;
        let targets = output::targets(
            &source,
            &request.output,
            format,
            drawables.len(),
            Shows::Figures,
        )?;
        for (drawable, target) in drawables.into_iter().zip(targets) {
            console.asked_format(drawable.asked_format(), format);
            let mut file = output::open(&target)?;
            console.drawn_into(|| {
                render::draw_drawable_to(drawable, format, &options.draw, &mut file)
                    .map_err(|error| file.named(error))
            })?;
            file.close()?;
            files.push(file);
        }
    }
    files.finish()
}

/// `--animate`: backward's animation of each distinct graph `source` draws.
fn animate_into(
    source: &input::Source,
    format: Format,
    request: &RenderRequest,
    console: &mut Console,
    files: &mut Batch,
) -> Result<()> {
    let options = &request.options;
    let figures = animate::distinct(input::figures(source, &options.input)?);
    let targets = output::targets(
        source,
        &request.output,
        format,
        figures.len(),
        Shows::Figures,
    )?;
    for (drawing, target) in figures.iter().zip(targets) {
        let bytes = console.drawn(|| animate::animation(drawing, format, &options.draw))?;
        files.push(output::written(&target, &bytes)?);
    }
    Ok(())
}
