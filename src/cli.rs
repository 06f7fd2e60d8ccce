//! The command line: clap's derive types, and their conversion into library options.
//!
//! Every default comes from the library's `defaults` modules, and [`Cli::into_parts`] turns
//! the parsed arguments into the same options a library user would build, so the two
//! cannot drift apart (a test checks that no flags give the default options). The value
//! enums here mirror the library's, which know nothing of clap.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use gradviz::figure::views::{self, Detail, ViewOptions};
use gradviz::figure::{self as figure, DotOptions};
use gradviz::input::script::{self, ScriptOptions};
use gradviz::input::{self, InputFormat};
use gradviz::output::Output;
use gradviz::render::{self, EngineChoice, EngineOptions};

use crate::commands::{CheckRequest, CompareRequest, Options, RenderRequest, Request};

const EXAMPLES: &str = "\
Examples:
  gradviz render neuron.py                 # neuron-1.svg, neuron-2.svg beside the script
  gradviz render neuron.py --snapshot 2 -o after.svg
  gradviz render graph.json -o graph.png --engine builtin
  gradviz render neuron.py --animate -o neuron.svg  # backward step by step, for a README
  gradviz render docs/*.py --out-dir docs/figures --watch  # redraw on every save
  gradviz compare neuron.py -o neuron.html # before/after backward, with a table of grads
  gradviz check graph.json                 # exit 1 if any stored data or grad is wrong";

/// Draw micrograd-style autograd graphs and check their gradients.
#[derive(Debug, Parser)]
#[command(name = "gradviz", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Draw scripts (.py), notebooks (.ipynb) or JSON graphs (.json) as SVG, PNG, PDF, DOT
    /// or JSON.
    #[command(after_help = "\
Examples:
  gradviz render neuron.py                      # one file per draw_dot() snapshot
  gradviz render lecture.ipynb                  # your notebook, run as written in python3
  gradviz render neuron.py --snapshot 2 -o o.svg
  gradviz render a.py b.py --out-dir figures/ --engine builtin
  gradviz render graph.json --format dot -o -   # DOT source on stdout
  gradviz render mlp.py --group --fold 1 --color grad   # a network, one node per neuron
  cat n.py | gradviz render - -o n.svg          # stdin: a script or a JSON graph")]
    Render(RenderArgs),
    /// One figure of the graph before and after backward, changed grads highlighted
    /// (an .html output gives a page with both figures and a table of the changes).
    #[command(after_help = "\
Examples:
  gradviz compare neuron.py                     # neuron-compare.svg
  gradviz compare neuron.py -o neuron.html      # page with both figures and a table")]
    Compare(CompareArgs),
    /// Verify gradients: stored data and grads against recomputation, and a script's leaf
    /// grads against central finite differences too. Exit 1 on a mismatch.
    #[command(after_help = "\
Examples:
  gradviz check neuron.py
  gradviz check from_my_engine.json --rtol 1e-6 -o marked.svg")]
    Check(CheckArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// `gradviz render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Input files: `.py` scripts, `.ipynb` notebooks or `.json` graphs; `-` reads stdin.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output file (`-` for stdout); a script with several snapshots writes OUT-1, OUT-2, ….
    #[arg(short, long, conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Directory for the outputs, named after the inputs.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Draw only the Nth draw_dot() snapshot (from 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub snapshot: Option<u32>,
    /// Animate backward: the grads fill in step by step, looping, with a step counter
    /// (svg: plays in a README's <img>; png: an APNG). A snapshot of the graph before its
    /// backward is left out: the animation starts there.
    #[arg(long)]
    pub animate: bool,
    /// Draw again whenever an input changes (debounced), until stopped: a failed draw is
    /// printed and the last good output kept.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub figure: FigureArgs,
}

/// `gradviz compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A `.py` script, `.ipynb` notebook or `.json` graph; `-` reads stdin.
    pub input: PathBuf,
    /// Output file: .svg, .png, .pdf, .dot or .html (`-` for stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub figure: FigureArgs,
}

/// `gradviz check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A `.py` script, `.ipynb` notebook or `.json` graph; `-` reads stdin.
    pub input: PathBuf,
    /// Also draw the graph with the wrong nodes marked.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Relative tolerance [default: 1e-9 for recomputation, 1e-5 for finite differences].
    #[arg(long)]
    pub rtol: Option<f64>,
    /// Absolute tolerance [default: 1e-12 for recomputation, 1e-6 for finite differences].
    #[arg(long)]
    pub atol: Option<f64>,
    /// List every finite difference on a terminal too (a file or pipe always gets all;
    /// a terminal gets the 10 worst and a count of the rest).
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub figure: FigureArgs,
}

/// Options shared by every command that reads an input and may draw it.
#[derive(Debug, Args)]
pub struct FigureArgs {
    /// Output format [default: from the output's extension, else svg].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// How to read the input [default: from its extension; stdin (`-`) by its content:
    /// a JSON graph, or a script].
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormatArg>,
    /// Renderer: the `dot` binary, the embedded graphviz-pure, gradviz's own layered layout
    /// (svg, png; any size), or auto: `dot` when installed (else layered), layered for a
    /// figure `dot` would take more than about 2 s over (nodes plus edge lengths in ranks)
    /// or above the node guard.
    #[arg(long, value_enum, default_value_t = Engine::Auto)]
    pub engine: Engine,
    /// Rank direction, for every figure [default: what the script's draw_dot(rankdir=…)
    /// asks for, else LR].
    #[arg(long, value_enum)]
    pub rankdir: Option<Rankdir>,
    /// Digits after the decimal point for data and grad.
    #[arg(long, default_value_t = figure::defaults::PRECISION, value_parser = precision)]
    pub precision: usize,
    /// Do not label values with the names of the variables they are bound to.
    #[arg(long)]
    pub no_auto_label: bool,
    /// Where scripts run: the built-in subset (fast, no Python needed), CPython, or
    /// `auto`: the subset when the script fits it, else CPython with a note saying why.
    #[arg(long, value_enum, default_value_t = Interpreter::Auto)]
    pub interpreter: Interpreter,
    /// The Python that runs scripts and notebooks [default: $GRADVIZ_PYTHON, else python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Seconds `dot` may run before it is killed.
    #[arg(long, default_value_t = render::defaults::TIMEOUT_SECS)]
    pub timeout: u64,
    /// The `dot` binary to run [default: $GRADVIZ_DOT, else `dot` on PATH].
    #[arg(long, value_name = "PATH")]
    pub dot: Option<PathBuf>,
    /// Draw groups of values (label prefixes: `l0`, `l0.n1`, …) as titled boxes.
    #[arg(long)]
    pub group: bool,
    /// Draw each group nested deeper than DEPTH as one summary node (1: one node per
    /// neuron, 0: one per layer): a readable overview of a network of any size.
    #[arg(long, value_name = "DEPTH")]
    pub fold: Option<usize>,
    /// Draw every value, however large the graph (above 1500 values gradviz draws an
    /// overview: groups folded, repeated computations drawn once).
    #[arg(long, conflicts_with_all = ["depth", "fold"])]
    pub full: bool,
    /// Draw the overview with DEPTH levels of groups kept open (0: one node per layer,
    /// 1: one per neuron), repeated computations drawn once, whatever the graph's size
    /// (--fold folds the same groups but draws every other value).
    #[arg(long, value_name = "DEPTH", conflicts_with = "fold")]
    pub depth: Option<usize>,
    /// Fill values by |grad| (with a legend), or not at all (micrograd's look).
    #[arg(long, value_enum, default_value_t = ColorBy::None)]
    pub color: ColorBy,
    /// The most values a figure may have before gradviz refuses to start `dot` or the
    /// builtin engine named by --engine; `auto` draws larger figures with the layered engine
    /// [default: 5000, where `dot` passes about 10 s].
    #[arg(long, value_name = "N")]
    pub max_nodes: Option<usize>,
}

impl FigureArgs {
    fn into_options(self, snapshot: Option<u32>) -> Options {
        let mut input = input::Options::default();
        input.format = self.input_format.map(InputFormat::from);
        input.script = ScriptOptions::default()
            .with_auto_label(!self.no_auto_label)
            .with_interpreter(self.interpreter.into())
            .with_python(self.python);
        input.snapshot = snapshot.map(|n| n as usize);
        input.script_rankdir = self.rankdir.is_none();
        let mut draw = render::Options::default();
        draw.dot = DotOptions::default()
            .with_rankdir(self.rankdir.map_or(figure::defaults::RANKDIR, Into::into))
            .with_precision(self.precision);
        draw.engine = EngineOptions::default()
            .with_engine(self.engine.into())
            .with_timeout(Duration::from_secs(self.timeout));
        draw.engine.dot_binary = self.dot;
        draw.view = ViewOptions::default()
            .with_group(self.group)
            .with_fold(self.fold)
            .with_color(self.color.into())
            .with_max_nodes(self.max_nodes)
            .with_keep_rankdir(self.rankdir.is_some())
            .with_detail(Detail::asked(self.full, self.depth));
        Options {
            format: self.format.map(render::Format::from),
            input,
            draw,
        }
    }
}

/// `--precision`: at most [`figure::defaults::MAX_PRECISION`] digits.
fn precision(text: &str) -> Result<usize, String> {
    let digits: usize = text.parse().map_err(|e| format!("{e}"))?;
    let most = figure::defaults::MAX_PRECISION;
    if digits > most {
        return Err(format!("at most {most} digits"));
    }
    Ok(digits)
}

fn output(path: Option<PathBuf>, out_dir: Option<PathBuf>) -> Output {
    match (path, out_dir) {
        (Some(path), _) if path.as_os_str() == "-" => Output::Stdout,
        (Some(path), _) => Output::File(path),
        (None, Some(dir)) => Output::Dir(dir),
        (None, None) => Output::BesideInput,
    }
}

impl Cli {
    /// The request the library runs, with its options.
    pub fn into_parts(self) -> Request {
        match self.command {
            Command::Render(args) => Request::Render(RenderRequest {
                inputs: args.inputs,
                output: output(args.output, args.out_dir),
                animate: args.animate,
                watch: args.watch,
                options: args.figure.into_options(args.snapshot),
            }),
            Command::Compare(args) => Request::Compare(CompareRequest {
                input: args.input,
                output: output(args.output, None),
                options: args.figure.into_options(None),
            }),
            Command::Check(args) => Request::Check(CheckRequest {
                input: args.input,
                output: args.output.map(|p| output(Some(p), None)),
                rtol: args.rtol,
                atol: args.atol,
                all: args.all,
                options: args.figure.into_options(None),
            }),
            Command::Completions { shell } => Request::Completions {
                shell,
                command: Box::new(Cli::command()),
            },
        }
    }
}

/// Declares a clap value enum mirroring a library enum, and the conversion into it.
macro_rules! value_enum {
    ($(#[$meta:meta])* $name:ident => $library:ty { $($(#[$vmeta:meta])* $variant:ident => $target:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $library {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$library>::$target),+
                }
            }
        }
    };
}

value_enum! {
    /// `--format`.
    Format => render::Format {
        /// Scalable vector graphics.
        Svg => Svg,
        /// A PNG image.
        Png => Png,
        /// PDF (the `dot` binary only).
        Pdf => Pdf,
        /// The DOT source.
        Dot => Dot,
        /// The graph as JSON (docs/json.md).
        Json => Json,
        /// The interactive page.
        Html => Html,
    }
}

value_enum! {
    /// `--input-format`.
    InputFormatArg => InputFormat {
        /// A Python script.
        Py => Py,
        /// A Jupyter notebook, run in CPython.
        Ipynb => Ipynb,
        /// A gradviz JSON graph.
        Json => Json,
    }
}

value_enum! {
    /// `--engine`.
    Engine => EngineChoice {
        /// `dot` when installed, else layered; layered where `dot` would be slow.
        Auto => Auto,
        /// Graphviz's `dot` binary.
        Dot => Dot,
        /// The embedded graphviz-pure.
        Builtin => Builtin,
        /// gradviz's own layered layout.
        Layered => Layered,
    }
}

value_enum! {
    /// `--rankdir`.
    Rankdir => figure::Rankdir {
        /// Left to right (micrograd's choice).
        #[value(name = "LR", alias = "lr")]
        LR => LR,
        /// Top to bottom.
        #[value(name = "TB", alias = "tb")]
        TB => TB,
        /// Right to left.
        #[value(name = "RL", alias = "rl")]
        RL => RL,
        /// Bottom to top.
        #[value(name = "BT", alias = "bt")]
        BT => BT,
    }
}

value_enum! {
    /// `--color`.
    ColorBy => views::ColorBy {
        /// No fill: micrograd's look.
        None => None,
        /// |grad| on a light-to-dark scale, with a legend.
        Grad => Grad,
    }
}

value_enum! {
    /// `--interpreter`.
    Interpreter => script::Interpreter {
        /// The subset when the script fits it, else CPython.
        Auto => Auto,
        /// Always the built-in subset.
        Builtin => Builtin,
        /// Always CPython.
        Python => Python,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::CommandLine;

    fn parts(args: &[&str]) -> Request {
        Cli::parse_from(args).into_parts()
    }

    #[test]
    fn no_flags_give_default_options() {
        for request in [
            parts(&["gradviz", "render", "n.py"]),
            parts(&["gradviz", "compare", "n.py"]),
            parts(&["gradviz", "check", "n.py"]),
        ] {
            let options = match request {
                Request::Render(r) => r.options,
                Request::Compare(r) => r.options,
                Request::Check(r) => {
                    assert_eq!((r.rtol, r.atol), (None, None));
                    r.options
                }
                Request::Completions { .. } => unreachable!(),
            };
            assert_eq!(options, Options::default());
        }
    }

    #[test]
    fn flags_reach_the_options() {
        let Request::Render(r) = parts(&[
            "gradviz",
            "render",
            "n.py",
            "--rankdir",
            "TB",
            "--precision",
            "2",
            "--no-auto-label",
            "--engine",
            "builtin",
            "--snapshot",
            "2",
            "-o",
            "-",
        ]) else {
            panic!("not a render request");
        };
        assert_eq!(r.options.draw.dot.rankdir, figure::Rankdir::TB);
        assert!(
            !r.options.input.script_rankdir,
            "--rankdir wins over draw_dot's"
        );
        assert_eq!(r.options.draw.dot.precision, 2);
        assert!(!r.options.input.script.auto_label);
        assert_eq!(r.options.draw.engine.engine, EngineChoice::Builtin);
        assert_eq!(r.options.input.snapshot, Some(2));
        assert_eq!(r.output, Output::Stdout);
    }

    #[test]
    fn library_errors_are_worded_with_the_flags() {
        use gradviz::error::{Guard, Oversize};
        let figure = gradviz::Error::TooLarge(Oversize {
            values: 12_000,
            limit: 5_000,
            guard: Guard::Figure {
                nodes: 20_000,
                fold: Some((1, 40)),
            },
        });
        assert_eq!(
            figure.worded(&CommandLine),
            "the figure has 12,000 values (20,000 Graphviz nodes with the op nodes), more \
             than the limit of 5,000 that `dot` lays out in about 10 seconds\n  draw an \
             overview with --fold 1 (groups nested deeper than 1 as one node each: 40 values)\
             \n  or draw it all with --max-nodes 12000 (Graphviz may take minutes), or write \
             the source with --format dot"
        );
        let engine = gradviz::Error::TooLarge(Oversize {
            values: 6001,
            limit: 5000,
            guard: Guard::Engine,
        });
        assert_eq!(
            engine.worded(&CommandLine),
            "this figure has 6001 values, more than the 5000 a layout finishes in seconds; draw \
             it with --engine layered, write the DOT source with --format dot, or raise the \
             limit with --max-nodes N"
        );
        let tolerance = gradviz::check::Tolerance::new(1e-9, f64::NAN).unwrap_err();
        assert_eq!(
            tolerance.worded(&CommandLine),
            "--atol must be a non-negative number, got nan"
        );
    }

    /// The refusals that suggest settings read as they always have on the command line,
    /// and in the library's own names from `Display`, no flag among them.
    #[test]
    fn refusals_are_worded_with_the_flags_and_displayed_without() {
        use gradviz::error::Refusal;
        let cases = [
            (
                gradviz::Error::DotMissing {
                    binary: "dot".into(),
                    reason: "not found".into(),
                },
                "cannot run `dot`: not found\n  install Graphviz (Debian/Ubuntu: `apt-get \
                 install graphviz`, macOS: `brew install graphviz`)\n  or use the embedded \
                 renderer with `--engine builtin`",
            ),
            (
                gradviz::Error::Refused(Refusal::PdfNeedsDot {
                    engine: "layered",
                    or_smaller: true,
                }),
                "the layered engine draws svg and png; PDF needs Graphviz's `dot` (--engine \
                 dot), or a smaller figure",
            ),
            (
                gradviz::Error::Refused(Refusal::DotTimedOut {
                    binary: "dot".into(),
                    format: "pdf",
                    seconds: 2.5,
                }),
                "`dot -Tpdf` ran past the 2.5 s timeout and was stopped\n  write svg or png \
                 with --engine layered (gradviz's own layout, seconds at any size), draw a \
                 smaller view (--fold), raise the timeout with --timeout, or write --format \
                 dot and lay it out yourself",
            ),
            (
                gradviz::Error::Refused(Refusal::BuiltinTimedOut { seconds: 10.0 }),
                "the builtin engine ran past the 10 s timeout\n  raise it with --timeout or \
                 draw a smaller view",
            ),
            (
                gradviz::Error::Refused(Refusal::NoSuchSnapshot {
                    input: "a.py".into(),
                    asked: 3,
                    figures: 2,
                }),
                "a.py: --snapshot 3 asked for, but the input has 2 figure(s)",
            ),
            (
                gradviz::Error::Refused(Refusal::NotebookNeedsCPython {
                    input: "a.ipynb".into(),
                }),
                "a.ipynb is a notebook, which runs in CPython; drop --interpreter builtin",
            ),
            (
                gradviz::Error::Refused(Refusal::NotUtf8 {
                    input: "a.py".into(),
                    why: "is not UTF-8".into(),
                }),
                "a.py is not UTF-8; the built-in subset reads UTF-8 only: drop --interpreter \
                 builtin",
            ),
        ];
        for (error, flags) in cases {
            assert_eq!(error.worded(&CommandLine), flags);
            let library = error.to_string();
            assert!(!library.contains("--"), "{library}");
        }
    }

    /// The flags take the names the library parses (and the Python package reads with it),
    /// for the same choices.
    #[test]
    fn value_names_are_the_librarys() {
        let names = |variants: &[Engine]| -> Vec<(String, EngineChoice)> {
            variants
                .iter()
                .map(|v| {
                    (
                        v.to_possible_value().unwrap().get_name().to_string(),
                        (*v).into(),
                    )
                })
                .collect()
        };
        let library: Vec<(String, EngineChoice)> = EngineChoice::NAMED
            .iter()
            .map(|(name, choice)| (name.to_string(), *choice))
            .collect();
        assert_eq!(names(Engine::value_variants()), library);
        let colors: Vec<(String, views::ColorBy)> = ColorBy::value_variants()
            .iter()
            .map(|v| {
                (
                    v.to_possible_value().unwrap().get_name().to_string(),
                    (*v).into(),
                )
            })
            .collect();
        let library: Vec<(String, views::ColorBy)> = views::ColorBy::NAMED
            .iter()
            .map(|(name, fill)| (name.to_string(), *fill))
            .collect();
        assert_eq!(colors, library);
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
