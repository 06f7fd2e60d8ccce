//! DOT → SVG, PNG or PDF: our own runner for Graphviz's `dot` binary (DOT on stdin, a timeout
//! that kills it, its stderr in the error) and the embedded graphviz-pure engine.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::{defaults, EngineChoice, Format};
use crate::error::Refusal;
use crate::{Error, Result};

/// Which engine draws, how long it may take, and which `dot` to run.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// `auto`, `dot` or `builtin`.
    pub engine: EngineChoice,
    /// How long an engine may run before it is stopped.
    pub timeout: Duration,
    /// The `dot` binary to run. `None`: the `GRADVIZ_DOT` environment variable, else `dot` on
    /// `PATH`. A binary named here or in `GRADVIZ_DOT` is always used, even by `auto`.
    pub dot_binary: Option<PathBuf>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            engine: EngineChoice::Auto,
            timeout: Duration::from_secs(defaults::TIMEOUT_SECS),
            dot_binary: None,
        }
    }
}

impl EngineOptions {
    /// These options with another engine.
    pub fn with_engine(mut self, engine: EngineChoice) -> Self {
        self.engine = engine;
        self
    }

    /// These options with another timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// These options running the `dot` at `binary`.
    pub fn with_dot_binary(mut self, binary: impl Into<PathBuf>) -> Self {
        self.dot_binary = Some(binary.into());
        self
    }
}

/// A drawn figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Which engine drew it: [`EngineChoice::Dot`] or [`EngineChoice::Builtin`].
    pub engine: EngineChoice,
    /// A one-line note for stderr when `auto` fell back to the builtin engine.
    pub note: Option<String>,
}

/// Draws `dot_source` as `format` (SVG, PNG or PDF) with the engine `options` choose.
pub fn render_dot(dot_source: &str, format: Format, options: &EngineOptions) -> Result<Rendered> {
    render_dot_text(Arc::new(dot_source.to_string()), format, options)
}

/// [`render_dot`] of text the caller hands over: the engine's thread shares it, and the text
/// of a large figure is never copied on its way to the engine.
pub(crate) fn render_dot_text(
    dot_source: Arc<String>,
    format: Format,
    options: &EngineOptions,
) -> Result<Rendered> {
    if !format.needs_engine() {
        return Err(Error::Usage(format!(
            "{} output is written directly, not drawn by an engine",
            format.extension()
        )));
    }
    match options.engine {
        EngineChoice::Dot => run_dot(&dot_binary(options), dot_source, format, options.timeout),
        EngineChoice::Builtin => builtin(dot_source, format, options.timeout, None),
        EngineChoice::Layered => Err(Error::Usage(
            "the layered engine draws a figure's scene, not DOT source: use \
             gradviz::render::write_layered_svg"
                .to_string(),
        )),
        EngineChoice::Auto => match explicit_dot_binary(options).or_else(find_dot) {
            Some(binary) => run_dot(&binary, dot_source, format, options.timeout),
            None if format == Format::Pdf => Err(pdf_needs_dot()),
            None => {
                let note = "Graphviz `dot` not found on PATH; drawn with the builtin engine \
                            (graphviz-pure)";
                builtin(dot_source, format, options.timeout, Some(note.to_string()))
            }
        },
    }
}

/// Whether `auto` has a `dot` to run: one named in the options or in `GRADVIZ_DOT`, else
/// one on `PATH`. Without it, a figure is drawn by the layered engine (see
/// `render::Options::layered`), and DOT source by the builtin engine.
pub(crate) fn dot_found(options: &EngineOptions) -> bool {
    explicit_dot_binary(options).is_some() || find_dot().is_some()
}

/// The binary `--engine dot` runs: the one named in the options, else `GRADVIZ_DOT`, else
/// `dot` (looked up on `PATH` by the OS).
fn dot_binary(options: &EngineOptions) -> PathBuf {
    explicit_dot_binary(options).unwrap_or_else(|| PathBuf::from("dot"))
}

fn explicit_dot_binary(options: &EngineOptions) -> Option<PathBuf> {
    options.dot_binary.clone().or_else(|| {
        std::env::var_os(defaults::DOT_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The `dot` executable on `PATH`, if there is one.
fn find_dot() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names: &[&str] = if cfg!(windows) {
        &["dot.exe", "dot"]
    } else {
        &["dot"]
    };
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn pdf_needs_dot() -> Error {
    Error::Render(
        "PDF output needs Graphviz's `dot`, which was not found\n  install Graphviz \
         (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`), or write \
         svg or png, which the builtin engine draws"
            .to_string(),
    )
}

/// Runs `binary -T<format>` with `dot_source` on stdin and returns its stdout.
fn run_dot(
    binary: &Path,
    dot_source: Arc<String>,
    format: Format,
    timeout: Duration,
) -> Result<Rendered> {
    let shown = binary.display().to_string();
    let mut child = Command::new(binary)
        .arg(format!("-T{}", format.extension()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::DotMissing {
            binary: shown.clone(),
            reason: e.to_string(),
        })?;
    // The source is written from its own thread and both outputs are drained from theirs, so
    // a large graph cannot fill a pipe and deadlock us against the child.
    let stdin = child.stdin.take().expect("stdin is piped");
    let writer =
        thread::spawn(move || write_all_ignoring_broken_pipe(stdin, dot_source.as_bytes()));
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let status = wait_with_timeout(&mut child, timeout)
        .map_err(|e| Error::Render(format!("waiting for `{shown}` failed: {e}")))?;
    // After a kill the pipe threads are left to finish on their own: a process the child
    // started may still hold the pipes open, and joining would wait for it.
    let Some(status) = status else {
        return Err(timed_out(&shown, format, timeout));
    };
    let write_result = writer.join().expect("the stdin writer does not panic");
    let stdout = stdout.join().expect("the stdout reader does not panic");
    let stderr = stderr.join().expect("the stderr reader does not panic");
    check_exit(&shown, format, status, &stderr)?;
    write_result.map_err(|e| Error::Render(format!("writing to `{shown}` failed: {e}")))?;
    Ok(Rendered {
        bytes: stdout.map_err(|e| Error::Render(format!("reading from `{shown}` failed: {e}")))?,
        engine: EngineChoice::Dot,
        note: None,
    })
}

/// `dot` ran past the timeout: what to do instead, the layered engine first, which lays
/// out in seconds what `dot` spends minutes on (it draws SVG and PNG, not PDF).
fn timed_out(shown: &str, format: Format, timeout: Duration) -> Error {
    Error::Refused(Refusal::DotTimedOut {
        binary: shown.to_string(),
        format: format.extension(),
        seconds: timeout.as_secs_f64(),
    })
}

fn check_exit(
    shown: &str,
    format: Format,
    status: ExitStatus,
    stderr: &std::io::Result<Vec<u8>>,
) -> Result<()> {
    if status.success() {
        return Ok(());
    }
    let stderr = stderr
        .as_ref()
        .map(|bytes| String::from_utf8_lossy(bytes).trim_end().to_string())
        .unwrap_or_default();
    let detail = if stderr.is_empty() {
        String::new()
    } else {
        format!(":\n{stderr}")
    };
    Err(Error::Render(format!(
        "`{shown} -T{}` failed ({status}){detail}",
        format.extension()
    )))
}

fn write_all_ignoring_broken_pipe(mut stdin: impl Write, bytes: &[u8]) -> std::io::Result<()> {
    // A child that exits early (bad input, killed on timeout) closes the pipe; its exit
    // status and stderr say why, so the broken pipe itself is not the error to report.
    match stdin.write_all(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<std::io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).map(|_| bytes)
    })
}

/// The child's exit status, or `None` after killing it when it outlived `timeout`. A
/// timeout past what the clock can hold (`--timeout 18446744073709551615`) never expires.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now().checked_add(timeout);
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if deadline.is_some_and(|deadline| now >= deadline) {
            child.kill()?;
            child.wait()?;
            return Ok(None);
        }
        let left = deadline.map_or(pause, |deadline| deadline - now);
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Draws with graphviz-pure on a worker thread, so the timeout holds here too. On expiry the
/// worker cannot be stopped: it finishes in the background and its result is dropped.
#[cfg(feature = "builtin")]
fn builtin(
    dot_source: Arc<String>,
    format: Format,
    timeout: Duration,
    note: Option<String>,
) -> Result<Rendered> {
    if format == Format::Pdf {
        return Err(Error::Refused(Refusal::PdfNeedsDot {
            engine: "builtin",
            or_smaller: false,
        }));
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    thread::Builder::new()
        .name("graphviz-pure".to_string())
        // Layout recurses inside graphviz-pure; a large stack keeps big graphs off the guard page.
        .stack_size(256 << 20)
        .spawn(move || {
            let _ = sender.send(draw_builtin(&dot_source, format));
        })
        .map_err(|e| Error::Render(format!("cannot start the builtin engine: {e}")))?;
    let bytes = receiver.recv_timeout(timeout).map_err(|_| {
        Error::Refused(Refusal::BuiltinTimedOut {
            seconds: timeout.as_secs_f64(),
        })
    })??;
    Ok(Rendered {
        bytes,
        engine: EngineChoice::Builtin,
        note,
    })
}

#[cfg(feature = "builtin")]
fn draw_builtin(dot_source: &str, format: Format) -> Result<Vec<u8>> {
    let failed = |e: graphviz_pure::GraphvizError| {
        Error::Render(format!(
            "the builtin engine failed: {}",
            e.message().trim_end()
        ))
    };
    let svg = graphviz_pure::render_dot(dot_source, "dot", "svg")
        .map_err(failed)?
        .into_output();
    match format {
        Format::Png => Ok(graphviz_pure_raster::rasterize(
            &svg,
            graphviz_pure_raster::RasterFormat::Png,
            false,
        )
        .map_err(failed)?
        .into_output()),
        _ => Ok(svg.into_bytes()),
    }
}

#[cfg(not(feature = "builtin"))]
fn builtin(_: Arc<String>, format: Format, _: Duration, _: Option<String>) -> Result<Rendered> {
    Err(match format {
        Format::Pdf => pdf_needs_dot(),
        _ => Error::Usage(
            "this gradviz was built without the builtin engine (Cargo feature `builtin`); \
             install Graphviz and use --engine dot"
                .to_string(),
        ),
    })
}
