//! Text widths for the layered engine's boxes: Arial (= Helvetica) character widths, the
//! table the builtin engine (graphviz-pure) and Graphviz itself size labels with, so a record
//! is as wide in our SVG as in theirs.
//!
//! The table is copied from graphviz-pure-core 1.0.0 `src/font_tables.rs`, generated there
//! from Graphviz's `lib/common/textspan_lut.c`, so that it is here when the `builtin` feature
//! (and with it graphviz-pure) is off. Graphviz and graphviz-pure are distributed under the
//! Eclipse Public License 2.0 (graphviz-pure: "EPL-2.0 AND MIT"); these 95 numbers are the
//! only part taken.

/// Advance widths of ASCII 32..=126 in units of 1/2048 em (Arial/Helvetica, regular).
const ARIAL_WIDTHS: [u16; 95] = [
    569, 569, 727, 1139, 1139, 1821, 1366, 391, 682, 682, 797, 1196, 569, 682, 569, 569, //
    1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 569, 569, 1196, 1196, 1196,
    1139, //
    2079, 1366, 1366, 1479, 1479, 1366, 1251, 1593, 1479, 569, 1024, 1366, 1139, 1706, 1479,
    1593, //
    1366, 1593, 1479, 1366, 1251, 1479, 1366, 1933, 1366, 1366, 1251, 569, 569, 569, 961, 1139,
    682, 1139, 1139, 1024, 1139, 1139, 569, 1139, 1139, 455, 455, 1024, 455, 1706, 1139, 1139,
    1139, 1139, 682, 1024, 569, 1139, 1024, 1479, 1024, 1024, 1024, 684, 532, 684, 1196,
];
const UNITS_PER_EM: f64 = 2048.0;
/// Decided here: a character outside printable ASCII counts as wide as `n` (the table has
/// no entry; Graphviz counts a space per UTF-8 byte, which is wider still).
const OTHER_WIDTH: u16 = 1139;

/// The width of one line of `text` at `font_size` points.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    let units: u32 = text
        .chars()
        .map(|c| match c as u32 {
            code @ 32..=126 => u32::from(ARIAL_WIDTHS[code as usize - 32]),
            _ => u32::from(OTHER_WIDTH),
        })
        .sum();
    f64::from(units) / UNITS_PER_EM * font_size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_the_records_the_builtin_engine_draws() {
        // graphviz-pure 1.0 drew the lecture's `x1` field 30.78 pt wide and `data 2.0000`
        // 89.96 pt (14 pt Arial, 16 pt of padding each). The system `dot` measures with the
        // installed fonts instead (31 and 88 pt here).
        assert!((text_width("x1", 14.0) + 16.0 - 30.78).abs() < 0.01);
        assert!((text_width("data 2.0000", 14.0) + 16.0 - 89.96).abs() < 0.01);
    }

    #[test]
    fn a_minus_sign_is_narrower_than_a_digit() {
        // The page sizes each grad field for the widest number the replay shows it with.
        assert!(text_width("-1.0000", 14.0) < text_width("10.0000", 14.0));
        assert!(text_width("-inf", 14.0) < text_width("nan", 14.0));
    }
}
