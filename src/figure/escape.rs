//! Labels as Graphviz must read them, verbatim, whatever they hold; and text as SVG must
//! hold it ([`xml_escape`]), for the SVG gradviz writes itself.
//!
//! # Escaping
//!
//! Every label reaches Graphviz through [`escape_record_field`]. What it does was measured on
//! Graphviz 2.43 `dot` and graphviz-pure 1.0 (the tests in `tests/render.rs` check it on both):
//!
//! - `{ } | < >` are backslash-escaped (record syntax), `\` and `"` too (`\N`, `\n`, `\G`, … are
//!   escString sequences; `"` ends the DOT string).
//! - A space stays a raw space only between two printable ASCII characters. Elsewhere (leading,
//!   trailing, in runs, next to a non-ASCII character) it is written `&#32;`: the record
//!   parser trims and collapses raw spaces, drops the hard spaces `\ ` that lead a field, and
//!   after one `\ ` keeps trailing spaces in every later field of the record; Graphviz 2.43
//!   also drops raw spaces next to some non-ASCII characters (`θ₁ → ∂L` showed as `θ₁→∂L`).
//! - A newline (`\n`, `\r\n` or a lone `\r`) becomes the line break `\n`; the record parser
//!   drops raw control characters.
//! - `&` is `&amp;`, since both engines decode entities in labels.
//! - Non-ASCII characters up to U+FFFF are numeric references (`θ` → `&#952;`), which keeps
//!   2.43's record parser away from raw UTF-8. Characters above U+FFFF (emoji) stay raw UTF-8:
//!   both engines turn a reference above U+FFFF into three bytes of garbage, and the raw
//!   characters render fine in both.
//! - Decided here: a tab is `&#9;` (the SVG holds a tab, drawn as a space); other control
//!   characters (U+0000–U+001F, U+007F) are drawn as their Unicode control pictures (`␀`…`␟`,
//!   `␡`), since XML cannot carry them; the noncharacters U+FFFE and U+FFFF (also not XML)
//!   are drawn as U+FFFD.
//!
//! # Font
//!
//! Records are sized from the engine's font metrics, and a viewer that draws the text with a
//! wider font overflows the boxes. The default `fontname` is `Arial`, measured:
//! - graphviz-pure has metric tables for single family names only (`"Helvetica,Arial,sans-serif"`
//!   gets Times metrics); its Arial table is Arial's widths (= Helvetica's).
//! - Both engines write `Times` as `font-family="Times,serif"` and `Helvetica` as
//!   `"Helvetica,sans-Serif"`. fontconfig resolves such a list to DejaVu Serif / DejaVu Sans
//!   (the Times → Liberation Serif alias is weak and loses to the generic family), which is
//!   much wider: text overflowed its boxes in rsvg-convert here. `Arial` is written as
//!   `font-family="Arial"`, and fontconfig maps Arial strongly to Liberation Sans or Arimo,
//!   metric-compatible; rsvg-convert then draws the boxes exactly fitted.
//! - Windows and macOS ship Arial; Chromium on Linux takes fontconfig's metric-compatible
//!   substitute; graphviz-pure-raster draws PNGs with Arimo. A viewer with no Arial-like font
//!   falls back to its default, usually a Times, which is narrower and so still fits.
//! - `dot` 2.43 sizes text with its own Arial width table, which runs about 3 % narrower
//!   than Liberation Sans draws it: an 80-character label measured 474 pt in `dot` and
//!   489 pt in rsvg-convert, past its box's 8 pt margins. A record field of
//!   [`PAD_EVERY`] characters or more therefore gets one hard space on each side per
//!   [`PAD_EVERY`] characters of its longest line ([`escape_field_into`]); shorter fields,
//!   whose 16 pt of margin absorb the difference, are written as they are.
//! - Courier fits everywhere (monospace fonts are all about 0.6 em wide) but reads like a
//!   terminal; its one gain, aligned digits, Arial's equal-width digits give too.

use std::fmt::Write as _;

/// Escapes `text` so that it appears verbatim as one field of a record label (it is equally
/// safe in a plain label), and can never end the DOT string or change the record's structure.
/// See the module comment for each rule and why.
pub fn escape_record_field(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    escape_into(text, &mut out);
    out
}

/// [`escape_record_field`] appended to `out`.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    if text.bytes().all(needs_no_escape) {
        out.push_str(text);
        return;
    }
    let mut previous: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '{' | '}' | '|' | '<' | '>' | '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            ' ' => {
                let graphic = |c: Option<char>| c.is_some_and(|c| c.is_ascii_graphic());
                if graphic(previous) && graphic(next) {
                    out.push(' ');
                } else {
                    out.push_str("&#32;");
                }
            }
            '\n' => out.push_str("\\n"),
            '\r' if next == Some('\n') => {}
            '\r' => out.push_str("\\n"),
            '\t' => out.push_str("&#9;"),
            '&' => out.push_str("&amp;"),
            c => match stand_in(c) {
                Some(picture) => push_reference(out, picture as u32),
                None if c.is_ascii() => out.push(c),
                None if (c as u32) <= 0xffff => push_reference(out, c as u32),
                None => out.push(c),
            },
        }
        previous = Some(c);
    }
}

/// A record field gains a hard space on each side per this many characters of its longest
/// line (see the module comment, "Font").
pub const PAD_EVERY: usize = 25;

/// [`escape_into`] for a record field, padded as the module comment's "Font" says: each
/// line with something to show (not empty, not only spaces) gets the hard spaces.
pub(crate) fn escape_field_into(text: &str, out: &mut String) {
    // Most fields (`data 2.0000`) are short: no line can reach PAD_EVERY characters when the
    // whole text has fewer bytes, so skip splitting it into lines.
    if text.len() < PAD_EVERY {
        escape_into(text, out);
        return;
    }
    let lines: Vec<&str> = text
        .split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .collect();
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let pad = longest / PAD_EVERY;
    if pad == 0 {
        escape_into(text, out);
        return;
    }
    let spaces = " ".repeat(pad);
    let padded: Vec<String> = lines
        .iter()
        .map(|line| match line.trim_matches(' ') {
            "" => line.to_string(),
            _ => format!("{spaces}{line}{spaces}"),
        })
        .collect();
    escape_into(&padded.join("\n"), out);
}

/// Printable ASCII that every rule leaves as it is (a space depends on its neighbours).
fn needs_no_escape(byte: u8) -> bool {
    byte.is_ascii_graphic()
        && !matches!(byte, b'{' | b'}' | b'|' | b'<' | b'>' | b'\\' | b'"' | b'&')
}

/// What is drawn for a character XML cannot carry (a tab aside): a control character's
/// Unicode control picture (`␀`…`␟`, `␡`), U+FFFD for the noncharacters U+FFFE and U+FFFF.
fn stand_in(c: char) -> Option<char> {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        '\u{fffe}' | '\u{ffff}' => Some('\u{fffd}'),
        _ => None,
    }
}

fn push_reference(out: &mut String, code: u32) {
    let _ = write!(out, "&#{code};");
}

/// `text` escaped for XML character data and attribute values. Characters XML cannot carry
/// are drawn as the DOT escaping draws them (see "Escaping" above): a tab as a space, other
/// control characters as their Unicode control pictures, U+FFFE and U+FFFF as U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            c => out.push(stand_in(c).unwrap_or(c)),
        }
    }
    out
}
