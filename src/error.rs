//! The one error type of the crate, and how each kind maps to an exit code.
//!
//! Bad input (a script or JSON file that is wrong, a bad option) is exit code 2; a renderer
//! that fails or cannot be found is exit code 1, as SPEC §7 says.

use std::path::PathBuf;

/// Everything that can go wrong in gradviz.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A script that does not lex, parse or evaluate. The message is complete: it names
    /// `file:line:col`, shows the source line and a caret under the column.
    #[error("{0}")]
    Script(String),

    /// A script run in CPython that failed: an exception in the user's code (the message
    /// names the place and shows the line), or no usable interpreter.
    #[error("{0}")]
    Python(String),

    /// A script that needs CPython, but the interpreter cannot be started.
    #[error("{name} needs CPython, but `{}` cannot be run: {reason}\n  install Python 3.8 or newer, or name one with --python PATH or GRADVIZ_PYTHON", python.display())]
    PythonMissing {
        /// The script.
        name: String,
        /// The interpreter tried.
        python: PathBuf,
        /// Why it could not be started.
        reason: String,
    },

    /// A JSON graph that is malformed or invalid; `path` is the JSON path (`nodes[3].children[1]`)
    /// or `line:col` for a syntax error.
    #[error("{file}: {path}: {message}")]
    Json {
        /// The file the JSON came from (`-` for stdin).
        file: String,
        /// Where in the document the problem is.
        path: String,
        /// What is wrong there.
        message: String,
    },

    /// A bad combination of options or arguments.
    #[error("{0}")]
    Usage(String),

    /// A graph larger than the node guard allows.
    #[error("{0}")]
    TooLarge(String),

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The `dot` binary is not installed or not where we were told.
    #[error("cannot run `{binary}`: {reason}\n  install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`)\n  or use the embedded renderer with `--engine builtin`")]
    DotMissing {
        /// The program we tried to run.
        binary: String,
        /// Why it could not be started.
        reason: String,
    },

    /// `dot` ran and failed, or ran past the timeout.
    #[error("{0}")]
    Render(String),

    /// A drawing could not be written into the writer it was streamed to; the caller, which
    /// knows where that writer leads, names it (`output::Pending::error`).
    #[error("the figure could not be written: {0}")]
    Write(std::io::Error),
}

impl Error {
    /// The process exit code for this error: 2 for bad input or usage, 1 for a renderer or
    /// output failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Script(_)
            | Error::Python(_)
            | Error::PythonMissing { .. }
            | Error::Json { .. }
            | Error::Usage(_)
            | Error::TooLarge(_) => 2,
            Error::Io { .. } | Error::DotMissing { .. } | Error::Render(_) | Error::Write(_) => 1,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
