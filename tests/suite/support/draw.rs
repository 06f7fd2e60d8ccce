//! Drawing DOT to SVG with the builtin engine, which needs no `dot` binary.

use gradviz::render::{render_dot, EngineChoice, EngineOptions, Format};

/// The builtin engine's SVG of `dot`.
pub fn builtin_svg(dot: &str) -> String {
    let options = EngineOptions::default().with_engine(EngineChoice::Builtin);
    let rendered = render_dot(dot, Format::Svg, &options).unwrap();
    String::from_utf8(rendered.bytes).unwrap()
}
