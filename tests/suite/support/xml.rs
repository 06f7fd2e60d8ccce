//! Reading the XML gradviz writes (both engines' SVG, the compare page) with a real parser.

/// Parses `text`, allowing the DTD Graphviz's SVG declares; panics with the text when it is
/// not well-formed.
pub fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{text}"))
}
