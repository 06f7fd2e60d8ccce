//! The commands: `render`, `compare` and `check`, each a short function over the library's
//! layers (input → figure → render → output), and the requests the command line makes.
//! Everything they print goes through [`Console`]: the notes, once per run, and the check's
//! report.

mod check;
mod compare;
mod render;
mod terms;
mod watch;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use gradviz::output::Output;
use gradviz::render::{Drawn, Format, Note, NoteKind};
use gradviz::{input, Result};

pub use terms::CommandLine;

use crate::progress;

/// Everything that shapes a command's output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// The output format; `None` takes it from the output's extension, else SVG.
    pub format: Option<Format>,
    /// How inputs are read.
    pub input: input::Options,
    /// How figures are drawn.
    pub draw: gradviz::render::Options,
}

/// `gradviz render`.
#[derive(Debug)]
pub struct RenderRequest {
    /// Scripts or JSON graphs (`-` for stdin).
    pub inputs: Vec<PathBuf>,
    /// Where the figures go.
    pub output: Output,
    /// Backward animated, instead of still figures.
    pub animate: bool,
    /// Draw again whenever an input changes, until stopped.
    pub watch: bool,
    /// How they are drawn.
    pub options: Options,
}

/// `gradviz compare`.
#[derive(Debug)]
pub struct CompareRequest {
    /// A script or JSON graph.
    pub input: PathBuf,
    /// Where the figure or page goes.
    pub output: Output,
    /// How it is drawn.
    pub options: Options,
}

/// `gradviz check`.
#[derive(Debug)]
pub struct CheckRequest {
    /// A script or JSON graph.
    pub input: PathBuf,
    /// Where the marked figure goes, if wanted.
    pub output: Option<Output>,
    /// Relative tolerance; `None` takes the default for the input's kind.
    pub rtol: Option<f64>,
    /// Absolute tolerance; `None` takes the default for the input's kind.
    pub atol: Option<f64>,
    /// List every finite difference on a terminal too (a file or pipe always gets all).
    pub all: bool,
    /// How the figure is drawn.
    pub options: Options,
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Request {
    /// Draw inputs.
    Render(RenderRequest),
    /// Draw before and after backward.
    Compare(CompareRequest),
    /// Verify gradients.
    Check(CheckRequest),
    /// Print a completion script for the command line described by `command`.
    Completions {
        /// The shell the script is for.
        shell: clap_complete::Shell,
        /// The command line, as clap describes it.
        command: Box<clap::Command>,
    },
}

/// Runs a request. `Ok` carries the exit code of a run that completed (1 when a check
/// found mismatches); `Err` is a failure whose exit code applies.
pub fn run(request: Request) -> Result<ExitCode> {
    let mut console = Console::default();
    match request {
        Request::Render(r) if r.watch => watch::watch(&r).map(|()| ExitCode::SUCCESS),
        Request::Render(r) => render::render(&r, &mut console).map(|()| ExitCode::SUCCESS),
        Request::Compare(r) => compare::compare(&r, &mut console).map(|()| ExitCode::SUCCESS),
        Request::Check(r) => check::check(&r, &mut console),
        Request::Completions { shell, mut command } => {
            clap_complete::generate(shell, &mut command, "gradviz", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The run's stderr: each kind of note said once, however many figures a run draws.
#[derive(Default)]
pub struct Console {
    noted: BTreeSet<NoteKind>,
    format_noted: bool,
}

impl Console {
    /// Draws with a spinner on a terminal, says the drawing's notes that are new, and hands
    /// back the bytes.
    fn drawn(&mut self, draw: impl FnOnce() -> Result<Drawn>) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.drawn_into(|| {
            draw().map(|drawn| {
                bytes = drawn.bytes;
                drawn.notes
            })
        })?;
        Ok(bytes)
    }

    /// [`Console::drawn`] for a drawing written as it is made: only its notes come back.
    fn drawn_into(&mut self, draw: impl FnOnce() -> Result<Vec<Note>>) -> Result<()> {
        let notes = progress::with_spinner("rendering", draw)?;
        for note in notes {
            if self.noted.insert(note.kind) {
                self.note(&note.message.worded(&CommandLine));
            }
        }
        Ok(())
    }

    /// Says a note about the run.
    fn note(&mut self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "note: {text}");
    }

    /// Says, once, that a script's `draw_dot(…, format=…)` asked for another format than
    /// the one written: the command line decides what is written.
    fn asked_format(&mut self, asked: Option<&str>, written: Format) {
        let Some(asked) = asked else { return };
        if self.format_noted || asked.eq_ignore_ascii_case(written.extension()) {
            return;
        }
        self.format_noted = true;
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: draw_dot(format={asked:?}) is ignored: the output's extension or --format \
             decides, and this run writes {}",
            written.extension()
        );
    }
}
