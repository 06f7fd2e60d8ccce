//! Output: where each figure goes and under which name ([`targets`]), in which format
//! ([`format`]), and writing it there ([`write`], or streamed through [`open`]): atomically
//! for a file ([`Staged`]), quietly ending on a closed pipe for stdout.

mod atomic;

pub use atomic::{write_atomic, Staged};

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::input::Source;
use crate::render::Format;
use crate::{Error, Result};

/// Where output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Beside each input, named after it.
    BesideInput,
    /// Into this directory, named after each input.
    Dir(PathBuf),
    /// This file.
    File(PathBuf),
    /// Standard output.
    Stdout,
}

/// The format of `source`'s output: `--format`, else the output file's extension, else SVG.
/// An output file that is the input itself is refused first, whatever its extension says.
pub fn format(source: &Source, output: &Output, forced: Option<Format>) -> Result<Format> {
    if let Output::File(path) = output {
        refuse_input_as_output(source, path)?;
    }
    if let Some(format) = forced {
        return Ok(format);
    }
    match output {
        Output::File(path) => Format::from_extension(path).ok_or_else(|| {
            Error::Usage(format!(
                "{}: cannot tell the output format from the extension; use --format",
                path.display()
            ))
        }),
        _ => Ok(Format::Svg),
    }
}

/// Where an output goes, and in which format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout(Format),
    /// This file.
    File(PathBuf, Format),
}

impl Target {
    /// The format written there.
    pub fn format(&self) -> Format {
        match self {
            Target::Stdout(f) | Target::File(_, f) => *f,
        }
    }
}

/// What an output shows, which names it when no file is given: `neuron.svg`,
/// `neuron-compare.svg`, `neuron-check.svg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shows {
    /// The input's figures (`render`).
    Figures,
    /// Before and after backward (`compare`).
    Comparison,
    /// The wrong values marked (`check`).
    CheckMarks,
}

impl Shows {
    fn suffix(self) -> &'static str {
        match self {
            Shows::Figures => "",
            Shows::Comparison => "-compare",
            Shows::CheckMarks => "-check",
        }
    }
}

/// The one output of a page, `compare` or `check`, named after `source` and what it `shows` when
/// no file is given.
pub fn single(
    source: &Source,
    output: &Output,
    shows: Shows,
    forced: Option<Format>,
) -> Result<Target> {
    let format = format(source, output, forced)?;
    Ok(targets(source, output, format, 1, shows)?.remove(0))
}

/// Output targets for `count` figures of `source`: OUT, or OUT-1 … OUT-k for several.
pub fn targets(
    source: &Source,
    output: &Output,
    format: Format,
    count: usize,
    shows: Shows,
) -> Result<Vec<Target>> {
    let base = match output {
        Output::Stdout => {
            return match count {
                1 => Ok(vec![Target::Stdout(format)]),
                _ => Err(Error::Usage(format!(
                    "{}: {count} figures cannot all go to stdout; pick one with --snapshot N",
                    source.name
                ))),
            }
        }
        Output::File(path) => path.clone(),
        Output::BesideInput | Output::Dir(_) if source.path.as_os_str() == "-" => {
            return targets(source, &Output::Stdout, format, count, shows)
        }
        Output::BesideInput => named_after(&source.path, shows, format),
        Output::Dir(dir) => dir.join(
            named_after(&source.path, shows, format)
                .file_name()
                .expect("has a name"),
        ),
    };
    let paths: Vec<PathBuf> = match count {
        1 => vec![base],
        _ => (1..=count).map(|i| numbered(&base, i)).collect(),
    };
    for path in &paths {
        refuse_input_as_output(source, path)?;
    }
    Ok(paths.into_iter().map(|p| Target::File(p, format)).collect())
}

fn named_after(input: &Path, shows: Shows, format: Format) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let suffix = shows.suffix();
    input.with_file_name(format!("{stem}{suffix}.{}", format.extension()))
}

fn numbered(path: &Path, i: usize) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{i}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{i}"),
    };
    path.with_file_name(name)
}

/// Refuses an output that is the input itself.
fn refuse_input_as_output(source: &Source, output: &Path) -> Result<()> {
    let same = match (
        std::fs::canonicalize(&source.path),
        std::fs::canonicalize(output),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => source.path == output,
    };
    if same {
        return Err(Error::Usage(format!(
            "{}: the output would overwrite the input; choose another -o",
            output.display()
        )));
    }
    Ok(())
}

/// Writes `bytes` to `target`: a file atomically (its folders created), or stdout.
pub fn write(target: &Target, bytes: &[u8]) -> Result<()> {
    written(target, bytes)?.finish()
}

/// `bytes` written for `target` and closed, to be put in place by [`Pending::finish`].
pub fn written(target: &Target, bytes: &[u8]) -> Result<Pending> {
    let mut pending = open(target)?;
    pending.write_all(bytes).map_err(|e| pending.error(e))?;
    pending.close()?;
    Ok(pending)
}

/// An output being written: a [`Staged`] file, or stdout's bytes, held until
/// [`Pending::finish`] so that a run that fails later has written nothing.
pub enum Pending {
    /// A file, written beside its target as it streams in.
    File(Staged),
    /// Standard output's bytes.
    Stdout(Vec<u8>),
}

/// Starts writing `target` (see [`Pending`]).
pub fn open(target: &Target) -> Result<Pending> {
    Ok(match target {
        Target::Stdout(_) => Pending::Stdout(Vec::new()),
        Target::File(path, _) => Pending::File(Staged::making_folders(path)?),
    })
}

impl Pending {
    /// `error`, met while writing, as the error of writing this output; any other error as
    /// it is.
    pub fn named(&self, error: Error) -> Error {
        match error {
            Error::Write(error) => self.error(error),
            other => other,
        }
    }

    /// `error`, met while writing, as the error of writing this output.
    pub fn error(&self, error: std::io::Error) -> Error {
        match self {
            Pending::File(staged) => staged.error(error),
            Pending::Stdout(_) => Error::io("<stdout>", error),
        }
    }

    /// Ends the writing: a file is flushed to disk and closed, to wait for
    /// [`Pending::finish`] without holding a file descriptor.
    pub fn close(&mut self) -> Result<()> {
        match self {
            Pending::File(staged) => staged.close(),
            Pending::Stdout(_) => Ok(()),
        }
    }

    /// Puts the output in place: the file renamed over its target, or the bytes on stdout.
    pub fn finish(self) -> Result<()> {
        match self {
            Pending::File(staged) => staged.commit(),
            Pending::Stdout(bytes) => write_stdout(&bytes),
        }
    }
}

/// Outputs written one after another and put in place together ([`Batch::finish`]). A
/// batch dropped unfinished removes them newest first, so that a folder made for the first
/// is empty again when its turn comes.
#[derive(Default)]
pub struct Batch {
    pending: Vec<Pending>,
}

impl Batch {
    /// Adds a written output.
    pub fn push(&mut self, pending: Pending) {
        self.pending.push(pending);
    }

    /// Puts every output in place, in order.
    pub fn finish(mut self) -> Result<()> {
        std::mem::take(&mut self.pending)
            .into_iter()
            .try_for_each(Pending::finish)
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        while let Some(pending) = self.pending.pop() {
            drop(pending);
        }
    }
}

impl Write for Pending {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Pending::File(staged) => staged.write(bytes),
            Pending::Stdout(held) => held.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Pending::File(staged) => staged.flush(),
            Pending::Stdout(_) => Ok(()),
        }
    }
}

/// Writes to stdout. A reader that closed the pipe (`gradviz … -o - | head`) has all it
/// wants: that ends the output quietly, as it does for `cat` and ripgrep.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::InputFormat;

    fn source(path: &str) -> Source {
        Source {
            path: PathBuf::from(path),
            name: path.to_string(),
            text: String::new(),
            utf8: true,
            format: InputFormat::Py,
        }
    }

    fn files(targets: Vec<Target>) -> Vec<String> {
        targets
            .into_iter()
            .map(|target| match target {
                Target::File(path, _) => path.display().to_string(),
                Target::Stdout(_) => "-".to_string(),
            })
            .collect()
    }

    #[test]
    fn a_figure_is_named_after_its_input_beside_it_or_in_a_folder() {
        let mlp = source("work/mlp.py");
        let beside = targets(&mlp, &Output::BesideInput, Format::Svg, 1, Shows::Figures);
        assert_eq!(files(beside.unwrap()), ["work/mlp.svg"]);
        let marked = targets(
            &mlp,
            &Output::BesideInput,
            Format::Png,
            1,
            Shows::CheckMarks,
        );
        assert_eq!(files(marked.unwrap()), ["work/mlp-check.png"]);
        let into = targets(
            &mlp,
            &Output::Dir("out".into()),
            Format::Dot,
            1,
            Shows::Figures,
        );
        assert_eq!(files(into.unwrap()), ["out/mlp.dot"]);
    }

    #[test]
    fn several_figures_are_numbered_from_one() {
        let neuron = source("neuron.py");
        let named = targets(
            &neuron,
            &Output::File("fig.svg".into()),
            Format::Svg,
            3,
            Shows::Figures,
        );
        assert_eq!(
            files(named.unwrap()),
            ["fig-1.svg", "fig-2.svg", "fig-3.svg"]
        );
        let bare = targets(
            &neuron,
            &Output::File("fig".into()),
            Format::Svg,
            2,
            Shows::Figures,
        );
        assert_eq!(files(bare.unwrap()), ["fig-1", "fig-2"]);
    }

    #[test]
    fn stdin_and_stdout_take_one_figure() {
        let stdin = source("-");
        let one = targets(&stdin, &Output::BesideInput, Format::Svg, 1, Shows::Figures);
        assert_eq!(one.unwrap(), [Target::Stdout(Format::Svg)]);
        let error = targets(&stdin, &Output::Stdout, Format::Svg, 2, Shows::Figures).unwrap_err();
        assert!(error.to_string().contains("--snapshot N"), "{error}");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn the_input_is_never_the_output() {
        let script = source("neuron.py");
        let error = targets(
            &script,
            &Output::File("neuron.py".into()),
            Format::Svg,
            1,
            Shows::Figures,
        );
        assert!(error
            .unwrap_err()
            .to_string()
            .contains("overwrite the input"));
    }

    #[test]
    fn the_format_comes_from_the_flag_then_the_extension() {
        let script = source("neuron.py");
        let file = Output::File("x.png".into());
        assert_eq!(format(&script, &file, None).unwrap(), Format::Png);
        assert_eq!(
            format(&script, &file, Some(Format::Dot)).unwrap(),
            Format::Dot
        );
        assert_eq!(format(&script, &Output::Stdout, None).unwrap(), Format::Svg);
        assert!(format(&script, &Output::File("x.txt".into()), None).is_err());
    }

    #[test]
    fn the_input_as_output_is_refused_before_its_extension_is_read() {
        let script = source("neuron.py");
        let error = format(&script, &Output::File("neuron.py".into()), None).unwrap_err();
        assert!(error.to_string().contains("overwrite the input"), "{error}");
    }
}
