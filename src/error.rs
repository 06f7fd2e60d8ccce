//! The one error type of the crate, and how each kind maps to an exit code.
//!
//! Bad input (a script or JSON file that is wrong, a bad option) is exit code 2; a renderer
//! that fails or cannot be found is exit code 1, as SPEC §7 says.
//!
//! An error that names a setting (a tolerance out of range, a figure past the node guard and
//! what would draw it) carries the setting as data, not as a flag's text: each front end
//! words it in its own terms ([`Error::worded`] with the command line's [`Terms`] or the
//! Python package's), and `Display` words it in the library's (`ViewOptions::max_nodes`).
//! A note on how a figure was drawn is a [`Message`], worded the same way.

use std::fmt;
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

    /// A setting given a value it cannot take.
    #[error("{}", .0.worded(&LibraryTerms))]
    BadSetting(BadSetting),

    /// A graph larger than the node guard allows, and what would draw it.
    #[error("{}", .0.worded(&LibraryTerms))]
    TooLarge(Oversize),

    /// Something the settings ask for that cannot be done, and the settings that would do.
    #[error("{}", .0.worded(&LibraryTerms))]
    Refused(Refusal),

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The `dot` binary is not installed or not where we were told.
    #[error("{}", self.worded(&LibraryTerms))]
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
            | Error::BadSetting(_)
            | Error::TooLarge(_) => 2,
            Error::Refused(refusal) => refusal.exit_code(),
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

impl Error {
    /// The message in a front end's terms: its names for the settings the error names or
    /// suggests (a suggestion of a setting it does not have is left out).
    pub fn worded(&self, terms: &dyn Terms) -> String {
        match self {
            Error::BadSetting(bad) => bad.worded(terms),
            Error::TooLarge(oversize) => oversize.worded(terms),
            Error::Refused(refusal) => refusal.worded(terms),
            Error::DotMissing { binary, reason } => {
                let mut out = format!(
                    "cannot run `{binary}`: {reason}\n  install Graphviz (Debian/Ubuntu: \
                     `apt-get install graphviz`, macOS: `brew install graphviz`)"
                );
                if let Some(builtin) = terms.spell(Setting::BuiltinEngine, None) {
                    out.push_str(&format!(
                        "\n  or use the embedded renderer with `{builtin}`"
                    ));
                }
                out
            }
            other => other.to_string(),
        }
    }
}

/// A setting an error names or suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// The check's relative tolerance.
    Rtol,
    /// The check's absolute tolerance.
    Atol,
    /// The fold depth of a view (groups nested deeper drawn as one node each).
    Fold,
    /// The node guard: the most values a figure may have.
    MaxNodes,
    /// The engine: the layered layout, which draws any size.
    LayeredEngine,
    /// The DOT source instead of a drawing.
    DotSource,
    /// The engine: the embedded graphviz-pure.
    BuiltinEngine,
    /// The engine: Graphviz's `dot` binary.
    DotEngine,
    /// How long an engine may lay out.
    Timeout,
    /// Which of an input's figures to draw.
    Snapshot,
    /// Running scripts in the built-in subset only.
    BuiltinInterpreter,
    /// Every value drawn, never the overview.
    Full,
    /// How many levels of groups an overview keeps open.
    Depth,
    /// Groups drawn as clusters.
    Group,
}

/// How a front end spells the settings: the command line's flags (`--fold 1`), the Python
/// package's keyword arguments (`fold=1`), the library's fields.
pub trait Terms {
    /// `setting` as the user would write it, with `value` where given (`"1"`, `"DEPTH"`);
    /// `None` where this front end has no such setting.
    fn spell(&self, setting: Setting, value: Option<&str>) -> Option<String>;
}

/// The library's own terms, for `Display`: the Rust API's names.
pub struct LibraryTerms;

impl Terms for LibraryTerms {
    fn spell(&self, setting: Setting, value: Option<&str>) -> Option<String> {
        let field = match setting {
            Setting::Rtol => "Tolerance::rtol",
            Setting::Atol => "Tolerance::atol",
            Setting::Fold => "ViewOptions::fold",
            Setting::MaxNodes => "ViewOptions::max_nodes",
            Setting::Timeout => "EngineOptions::timeout",
            Setting::Snapshot => "Options::snapshot",
            Setting::LayeredEngine => return Some("EngineChoice::Layered".into()),
            Setting::BuiltinEngine => return Some("EngineChoice::Builtin".into()),
            Setting::DotEngine => return Some("EngineChoice::Dot".into()),
            Setting::DotSource => return Some("Format::Dot".into()),
            Setting::BuiltinInterpreter => return Some("Interpreter::Builtin".into()),
            Setting::Full => return Some("Detail::Full".into()),
            Setting::Depth => "Detail::Depth",
            Setting::Group => "ViewOptions::group",
        };
        Some(match value {
            Some(value) => format!("{field} = {value}"),
            None => field.to_string(),
        })
    }
}

/// A message that names settings (a note on how a figure was drawn), kept as text and
/// settings so that each front end words it in its own terms, as errors are: the command
/// line says `--full`, the Python package `full=True`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pieces: Vec<Piece>,
    hints: Vec<Hint>,
}

/// A part of a [`Message`]'s sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// A setting as the front end writes it, with a value where given.
    Setting(Setting, Option<String>),
    /// ` (setting)`, left out where the front end has no such setting.
    Aside(Setting),
}

/// What a setting would do, said after the sentence (`--full draws every value`), and left
/// out where the front end has no such setting.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hint {
    setting: Setting,
    value: Option<&'static str>,
    does: &'static str,
}

impl Message {
    /// A message starting with `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Message::default().text(text)
    }

    /// This message followed by `text`.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.pieces.push(Piece::Text(text.into()));
        self
    }

    /// This message followed by `setting` (with `value`) as the user writes it.
    pub fn setting(mut self, setting: Setting, value: Option<String>) -> Self {
        self.pieces.push(Piece::Setting(setting, value));
        self
    }

    /// This message followed by ` (setting)` where the front end has it.
    pub fn aside(mut self, setting: Setting) -> Self {
        self.pieces.push(Piece::Aside(setting));
        self
    }

    /// This message with a hint at its end: what `setting` (with `value`) `does`.
    pub fn hint(
        mut self,
        setting: Setting,
        value: Option<&'static str>,
        does: &'static str,
    ) -> Self {
        self.hints.push(Hint {
            setting,
            value,
            does,
        });
        self
    }

    /// The message in `terms`: its settings spelled, its hints joined after a semicolon.
    pub fn worded(&self, terms: &dyn Terms) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Setting(setting, value) => out.push_str(
                    &terms
                        .spell(*setting, value.as_deref())
                        .or_else(|| LibraryTerms.spell(*setting, value.as_deref()))
                        .unwrap_or_default(),
                ),
                Piece::Aside(setting) => {
                    if let Some(spelled) = terms.spell(*setting, None) {
                        out.push_str(&format!(" ({spelled})"));
                    }
                }
            }
        }
        let hints: Vec<String> = self
            .hints
            .iter()
            .filter_map(|hint| {
                let spelled = terms.spell(hint.setting, hint.value)?;
                Some(format!("{spelled} {}", hint.does))
            })
            .collect();
        if !hints.is_empty() {
            out.push_str("; ");
            out.push_str(&hints.join(", "));
        }
        out
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.worded(&LibraryTerms))
    }
}

/// A setting given a value it cannot take.
#[derive(Debug, Clone, PartialEq)]
pub struct BadSetting {
    /// The setting.
    pub setting: Setting,
    /// The value given, as the user would read it (`-1.0`).
    pub value: String,
    /// What it must be (`a non-negative number`).
    pub expected: &'static str,
}

impl BadSetting {
    /// The message in `terms`.
    pub fn worded(&self, terms: &dyn Terms) -> String {
        let name = terms
            .spell(self.setting, None)
            .unwrap_or_else(|| format!("{:?}", self.setting));
        format!("{name} must be {}, got {}", self.expected, self.value)
    }
}

/// A figure past the node guard, and the ways to draw it that the guard allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Oversize {
    /// The values the figure would draw.
    pub values: usize,
    /// The guard's limit.
    pub limit: usize,
    /// Which guard refused it.
    pub guard: Guard,
}

/// Which guard refused a figure, with what it knows of a smaller view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// The figure's own: `dot` would lay out `nodes` Graphviz nodes (values and op
    /// nodes). `fold` is the deepest fold that fits, with the values it draws (`None`:
    /// none is known to).
    Figure {
        /// Graphviz nodes, op nodes included.
        nodes: usize,
        /// The deepest fold that fits and its size.
        fold: Option<(usize, usize)>,
    },
    /// The engine's, before a layout that would not finish in seconds.
    Engine,
}

impl Oversize {
    /// The message in `terms`: the size, then what to do.
    pub fn worded(&self, terms: &dyn Terms) -> String {
        let (values, limit) = (thousands(self.values), thousands(self.limit));
        let source = terms.spell(Setting::DotSource, None);
        match self.guard {
            Guard::Figure { nodes, fold } => {
                let mut out = format!(
                    "the figure has {values} values ({} Graphviz nodes with the op nodes), \
                     more than the limit of {limit} that `dot` lays out in about 10 seconds",
                    thousands(nodes)
                );
                let overview = match fold {
                    Some((depth, folded)) => terms
                        .spell(Setting::Fold, Some(&depth.to_string()))
                        .map(|fold| {
                            format!(
                                "{fold} (groups nested deeper than {depth} as one node each: \
                                 {} values)",
                                thousands(folded)
                            )
                        }),
                    None => terms.spell(Setting::Fold, Some("DEPTH")).map(|fold| {
                        format!("{fold} (label groups such as `l0.n1` as one node each)")
                    }),
                };
                if let Some(overview) = overview {
                    out.push_str(&format!("\n  draw an overview with {overview}"));
                }
                let raise = terms.spell(Setting::MaxNodes, Some(&self.values.to_string()));
                let ways = [
                    raise.map(|raise| {
                        format!("draw it all with {raise} (Graphviz may take minutes)")
                    }),
                    source.map(|source| format!("write the source with {source}")),
                ];
                push_ways(&mut out, "\n  or ", ways);
                out
            }
            Guard::Engine => {
                let mut out = format!(
                    "this figure has {} values, more than the {} a layout finishes in seconds",
                    self.values, self.limit
                );
                let ways = [
                    terms
                        .spell(Setting::LayeredEngine, None)
                        .map(|engine| format!("draw it with {engine}")),
                    source.map(|source| format!("write the DOT source with {source}")),
                    terms
                        .spell(Setting::MaxNodes, Some("N"))
                        .map(|raise| format!("raise the limit with {raise}")),
                ];
                push_ways(&mut out, "; ", ways);
                out
            }
        }
    }
}

/// What the settings ask for that cannot be done; each front end words the settings that
/// would do it.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// PDF asked of an engine that draws svg and png only.
    PdfNeedsDot {
        /// The engine asked (`builtin`, `layered`).
        engine: &'static str,
        /// Whether a smaller figure would draw too (`auto` chose the engine by size).
        or_smaller: bool,
    },
    /// `dot` ran past the timeout and was stopped.
    DotTimedOut {
        /// The binary as run.
        binary: String,
        /// The format asked (`svg`, `pdf`).
        format: &'static str,
        /// The timeout, in seconds.
        seconds: f64,
    },
    /// The builtin engine ran past the timeout.
    BuiltinTimedOut {
        /// The timeout, in seconds.
        seconds: f64,
    },
    /// A figure asked for that the input does not have.
    NoSuchSnapshot {
        /// The input.
        input: String,
        /// The figure asked for, from 1.
        asked: usize,
        /// The figures the input has.
        figures: usize,
    },
    /// The built-in subset asked to run a notebook, which only CPython runs.
    NotebookNeedsCPython {
        /// The notebook.
        input: String,
    },
    /// The built-in subset asked to run a script that is not UTF-8; `why` says what it is.
    NotUtf8 {
        /// The script.
        input: String,
        /// What its bytes are (`is encoded in latin-1`).
        why: String,
    },
}

impl Refusal {
    /// 2 where the settings ask for what cannot be, 1 where a renderer gave up.
    pub fn exit_code(&self) -> u8 {
        match self {
            Refusal::DotTimedOut { .. } | Refusal::BuiltinTimedOut { .. } => 1,
            _ => 2,
        }
    }

    /// The message in `terms`.
    pub fn worded(&self, terms: &dyn Terms) -> String {
        let spell = |setting| terms.spell(setting, None);
        match self {
            Refusal::PdfNeedsDot { engine, or_smaller } => {
                let dot = spell(Setting::DotEngine).map_or(String::new(), |d| format!(" ({d})"));
                let smaller = if *or_smaller {
                    ", or a smaller figure"
                } else {
                    ""
                };
                format!("the {engine} engine draws svg and png; PDF needs Graphviz's `dot`{dot}{smaller}")
            }
            Refusal::DotTimedOut {
                binary,
                format,
                seconds,
            } => {
                let layered = spell(Setting::LayeredEngine).map(|layered| {
                    let lead = if *format == "pdf" {
                        "write svg or png with"
                    } else {
                        "draw it with"
                    };
                    format!("{lead} {layered} (gradviz's own layout, seconds at any size)")
                });
                let ways = [
                    layered,
                    Some(match spell(Setting::Fold) {
                        Some(fold) => format!("draw a smaller view ({fold})"),
                        None => "draw a smaller view".to_string(),
                    }),
                    spell(Setting::Timeout).map(|t| format!("raise the timeout with {t}")),
                    spell(Setting::DotSource).map(|s| format!("write {s} and lay it out yourself")),
                ];
                let mut out = format!(
                    "`{binary} -T{format}` ran past the {seconds} s timeout and was stopped"
                );
                push_ways(&mut out, "\n  ", ways);
                out
            }
            Refusal::BuiltinTimedOut { seconds } => {
                let raise = spell(Setting::Timeout)
                    .map_or(String::new(), |t| format!("raise it with {t} or "));
                format!("the builtin engine ran past the {seconds} s timeout\n  {raise}draw a smaller view")
            }
            Refusal::NoSuchSnapshot {
                input,
                asked,
                figures,
            } => {
                let asked = terms
                    .spell(Setting::Snapshot, Some(&asked.to_string()))
                    .unwrap_or_else(|| format!("figure {asked}"));
                format!("{input}: {asked} asked for, but the input has {figures} figure(s)")
            }
            Refusal::NotebookNeedsCPython { input } => {
                let drop = spell(Setting::BuiltinInterpreter)
                    .map_or(String::new(), |builtin| format!("; drop {builtin}"));
                format!("{input} is a notebook, which runs in CPython{drop}")
            }
            Refusal::NotUtf8 { input, why } => {
                let drop = spell(Setting::BuiltinInterpreter)
                    .map_or(String::new(), |builtin| format!(": drop {builtin}"));
                format!("{input} {why}; the built-in subset reads UTF-8 only{drop}")
            }
        }
    }
}

/// Appends the ways a front end has, after `lead`: `a, b, or c`.
fn push_ways<const N: usize>(out: &mut String, lead: &str, ways: [Option<String>; N]) {
    let ways: Vec<String> = ways.into_iter().flatten().collect();
    let Some((last, first)) = ways.split_last() else {
        return;
    };
    out.push_str(lead);
    if first.is_empty() {
        out.push_str(last);
    } else {
        out.push_str(&format!("{}, or {last}", first.join(", ")));
    }
}

/// `1234567` as `1,234,567`, for counts in messages.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&LibraryTerms.spell(*self, None).unwrap_or_default())
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_numbers_read_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    /// A front end with a depth but no node guard and no `full`.
    struct Shallow;

    impl Terms for Shallow {
        fn spell(&self, setting: Setting, value: Option<&str>) -> Option<String> {
            (setting == Setting::Depth).then(|| format!("depth={}", value.unwrap_or("?")))
        }
    }

    #[test]
    fn a_message_names_only_the_settings_a_front_end_has() {
        let message = Message::new("6,001 values")
            .aside(Setting::MaxNodes)
            .text(" drawn as an overview")
            .hint(Setting::Full, None, "draws every value")
            .hint(Setting::Depth, Some("N"), "keeps N levels open");
        assert_eq!(
            message.worded(&Shallow),
            "6,001 values drawn as an overview; depth=N keeps N levels open"
        );
        assert_eq!(
            message.to_string(),
            "6,001 values (ViewOptions::max_nodes) drawn as an overview; Detail::Full draws \
             every value, Detail::Depth = N keeps N levels open"
        );
        let inline = Message::new("asked ").setting(Setting::Fold, Some("2".into()));
        assert_eq!(inline.worded(&Shallow), "asked ViewOptions::fold = 2");
    }
}
