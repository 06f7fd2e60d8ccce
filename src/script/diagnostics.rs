//! Script errors: a message tied to a byte span of the source, rendered the way rustc does,
//! `file:line:col: message` (the command line puts `error: ` in front), then the source line and a caret under the span.

use std::ops::Range;

use crate::Error;

/// A byte range of the script source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The span from the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start, other.end.max(self.start))
    }
}

/// A problem found at one place in the script; rendered into [`Error::Script`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Diag {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Diag {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diag {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The complete, user-facing error.
    pub fn into_error(self, source: &str, file_name: &str) -> Error {
        Error::Script(render(&self, source, file_name))
    }
}

/// Shorthand for results inside the script module.
pub(crate) type Res<T> = std::result::Result<T, Diag>;

fn render(diag: &Diag, source: &str, file_name: &str) -> String {
    let start = floor_char_boundary(source, diag.span.start.min(source.len()));
    let line_range = line_around(source, start);
    let line_text = &source[line_range.clone()];
    let line_number = source[..line_range.start].matches('\n').count() + 1;
    let column = source[line_range.start..start].chars().count() + 1;
    let end = floor_char_boundary(source, diag.span.end.clamp(start, line_range.end));
    let width = source[start..end].chars().count().max(1);
    let place = format!("{file_name}:{line_number}:{column}");
    snippet(
        &place,
        &diag.message,
        line_number,
        line_text,
        column,
        width,
        diag.help.as_deref(),
    )
}

/// `place: message`, then line `line_number` of the source and a caret of `width`
/// characters under `column` (from 1), then the help if any. Tabs before the column stay
/// tabs, so the caret lines up however the terminal expands them.
pub(crate) fn snippet(
    place: &str,
    message: &str,
    line_number: usize,
    line_text: &str,
    column: usize,
    width: usize,
    help: Option<&str>,
) -> String {
    let gutter = " ".repeat(line_number.to_string().len());
    let indent: String = line_text
        .chars()
        .chain(std::iter::repeat(' '))
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let mut out = format!(
        "{place}: {message}\n{gutter} |\n{line_number} | {line_text}\n{gutter} | {indent}{}",
        "^".repeat(width.max(1))
    );
    if let Some(help) = help {
        out.push_str(&format!("\n{gutter} = help: {help}"));
    }
    out
}

/// The byte range of the line holding `offset`, without its line break.
fn line_around(source: &str, offset: usize) -> Range<usize> {
    let start = source[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = source[offset..]
        .find(['\n', '\r'])
        .map_or(source.len(), |i| offset + i);
    start..end
}

fn floor_char_boundary(source: &str, mut offset: usize) -> usize {
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_and_caret() {
        let source = "a = 1\nb = a + c\n";
        let diag = Diag::new(Span::new(14, 15), "unknown name 'c'");
        let Error::Script(text) = diag.into_error(source, "t.py") else {
            unreachable!()
        };
        assert_eq!(
            text,
            "t.py:2:9: unknown name 'c'\n  |\n2 | b = a + c\n  |         ^"
        );
    }

    #[test]
    fn a_span_at_a_line_break_points_just_past_the_line() {
        let source = "x = a +\n";
        let diag = Diag::new(Span::new(7, 8), "expected an expression after '+'");
        let Error::Script(text) = diag.into_error(source, "t.py") else {
            unreachable!()
        };
        assert!(text.starts_with("t.py:1:8: "), "{text}");
        assert!(text.ends_with("\n  |        ^"), "{text}");
    }
}
