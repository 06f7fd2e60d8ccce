//! The figure: an exported graph as Graphviz DOT in micrograd's look ([`to_dot`]), and that DOT
//! drawn as SVG, PNG or PDF by the `dot` binary or the embedded graphviz-pure ([`render_dot`]).
//!
//! The figure exists in two forms with the same text. [`to_dot_model`] builds it as
//! graphviz-rust's DOT model (`dot_structures`), for callers that combine or extend figures;
//! [`print_dot_model`] prints a model as graphviz-rust's printer does, only faster. The
//! command line and [`to_dot`] use [`write_dot`], which streams that same text from the
//! export graph into any `io::Write` without building the model (a hundred times fewer
//! allocations on large figures); `tests/dot_writer.rs` holds the two to the same bytes.
//! Every label goes through [`escape_record_field`], so no label text can change the graph's
//! structure.

mod dot;
mod engine;
mod layered;
mod metrics;
mod number;
mod print;
mod write;

pub use dot::{
    escape_record_field, to_dot, to_dot_model, Cluster, Decorations, DotOptions, Gate, LegendEntry,
    NodeDecoration, MAX_CLUSTER_DEPTH, PAD_EVERY,
};
pub use engine::{find_dot, render_dot, EngineOptions, Rendered};
pub use layered::{layered_input, layered_svg, render_layered, write_layered_svg, LAYERED_ABOVE};
pub use metrics::text_width;
pub use number::format_number;
pub use print::print_dot_model;
pub use write::write_dot;

use std::path::Path;

/// Default settings shared by the library and the command line.
pub mod defaults {
    use super::Rankdir;

    /// Digits after the decimal point for data and grad, as micrograd's `%.4f`.
    pub const PRECISION: usize = 4;
    /// The most digits after the point a figure shows: past it, `%.Nf` only pads zeros
    /// (a huge N would pad until memory runs out).
    pub const MAX_PRECISION: usize = 60;
    /// Left to right, as micrograd's `draw_dot`.
    pub const RANKDIR: Rankdir = Rankdir::LR;
    /// Seconds an engine may run before it is stopped.
    pub const TIMEOUT_SECS: u64 = 60;
    /// The font of every label: one family name, Arial, for the reasons measured in the
    /// module comment of `render::dot` (boxes that fit in every common viewer).
    pub const FONTNAME: &str = "Arial";
    /// The environment variable naming the `dot` binary to run.
    pub const DOT_ENV: &str = "GRADVIZ_DOT";
}

/// The direction ranks run in (Graphviz `rankdir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rankdir {
    /// Left to right (micrograd's choice).
    #[value(name = "LR", alias = "lr")]
    LR,
    /// Top to bottom.
    #[value(name = "TB", alias = "tb")]
    TB,
    /// Right to left.
    #[value(name = "RL", alias = "rl")]
    RL,
    /// Bottom to top.
    #[value(name = "BT", alias = "bt")]
    BT,
}

impl Rankdir {
    /// The Graphviz attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rankdir::LR => "LR",
            Rankdir::TB => "TB",
            Rankdir::RL => "RL",
            Rankdir::BT => "BT",
        }
    }
}

/// Which program draws the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EngineChoice {
    /// The `dot` binary when it can be found, else the builtin engine (with a note).
    #[default]
    Auto,
    /// Graphviz's `dot` binary.
    Dot,
    /// The embedded pure-Rust graphviz-pure: SVG and PNG, the same bytes on every machine.
    Builtin,
    /// gradviz's own layered layout and SVG writer (PNG through resvg; no PDF): seconds for
    /// figures `dot` spends minutes on. `auto` picks it above [`LAYERED_ABOVE`] values.
    Layered,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Scalable vector graphics, through an engine.
    Svg,
    /// A raster image, through an engine.
    Png,
    /// PDF, through the `dot` binary only.
    Pdf,
    /// The DOT source itself.
    Dot,
    /// The graph as JSON, the format of docs/json.md.
    Json,
    /// The interactive page (`crate::page`): the SVG figure with backward replayed.
    Html,
}

impl Format {
    /// The format a file name's extension asks for (case-insensitive; `.gv` is DOT).
    pub fn from_extension(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            "pdf" => Some(Format::Pdf),
            "dot" | "gv" => Some(Format::Dot),
            "json" => Some(Format::Json),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }

    /// The file extension, without the dot; also the `-T` name Graphviz knows it by.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Pdf => "pdf",
            Format::Dot => "dot",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// True for the formats an engine draws (SVG, PNG, PDF).
    pub fn needs_engine(self) -> bool {
        matches!(self, Format::Svg | Format::Png | Format::Pdf)
    }
}
