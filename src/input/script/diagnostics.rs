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

/// A problem found at one place in the script; rendered into [`Error::Script`]. Boxed:
/// every step of the lexer, parser and evaluator returns a [`Res`], which stays as small
/// as its value this way, where the problem's three fields would make each one copy
/// about 64 bytes more.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Diag(Box<Problem>);

/// What a [`Diag`] says, and where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl std::ops::Deref for Diag {
    type Target = Problem;

    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl Diag {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diag(Box::new(Problem {
            span,
            message: message.into(),
            help: None,
        }))
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.0.help = Some(help.into());
        self
    }

    /// The complete, user-facing error.
    pub fn into_error(self, source: &str, file_name: &str) -> Error {
        Error::Script(render(&self, source, file_name))
    }
}

/// Shorthand for results inside the script module.
pub(crate) type Res<T> = std::result::Result<T, Diag>;

/// The most characters of a source line an error shows: a longer line (a minified or
/// generated file) is cut to a window around the column, marked with `…` where it is cut.
pub(crate) const LINE_WINDOW: usize = 100;

/// The 1-based line and column (in characters) where `span` starts.
pub(crate) fn line_and_column(source: &str, span: Span) -> (usize, usize) {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let line_range = line_around(source, start);
    let line_number = source[..line_range.start].matches('\n').count() + 1;
    (
        line_number,
        source[line_range.start..start].chars().count() + 1,
    )
}

fn render(diag: &Diag, source: &str, file_name: &str) -> String {
    let start = floor_char_boundary(source, diag.span.start.min(source.len()));
    let line_range = line_around(source, start);
    let (line_number, column) = line_and_column(source, diag.span);
    let end = floor_char_boundary(source, diag.span.end.clamp(start, line_range.end));
    let width = source[start..end].chars().count().max(1);
    let place = format!("{file_name}:{line_number}:{column}");
    snippet(
        &place,
        &diag.message,
        line_number,
        &source[line_range],
        column,
        width,
        diag.help.as_deref(),
    )
}

/// `place: message`, then line `line_number` of the source (a window of it, when long) and
/// a caret of `width` characters under `column` (from 1), then the help if any. Tabs before
/// the column stay tabs, so the caret lines up however the terminal expands them.
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
    let shown = Window::around(line_text, column.saturating_sub(1), width);
    let mut out = format!(
        "{place}: {message}\n{gutter} |\n{line_number} | {}\n{gutter} | {}{}",
        shown.text,
        shown.indent,
        "^".repeat(shown.width)
    );
    if let Some(help) = help {
        out.push_str(&format!("\n{gutter} = help: {help}"));
    }
    out
}

/// The part of a source line an error shows, and where its caret goes.
struct Window {
    text: String,
    /// What goes before the caret: a space per character (a tab stays a tab).
    indent: String,
    /// Carets under the span, cut where the window ends.
    width: usize,
}

impl Window {
    /// The line, or [`LINE_WINDOW`] characters of it around the span starting at character
    /// `column` and `width` characters wide.
    fn around(line: &str, column: usize, width: usize) -> Window {
        let length = line.chars().count();
        let (first, last) = if length <= LINE_WINDOW {
            (0, length)
        } else {
            let first = column.saturating_sub(LINE_WINDOW / 2);
            let last = (first + LINE_WINDOW).min(length);
            (last - LINE_WINDOW, last)
        };
        let byte = |char_index: usize| {
            line.char_indices()
                .nth(char_index)
                .map_or(line.len(), |(i, _)| i)
        };
        let (from, to) = (byte(first), byte(last));
        let cut_before = if first > 0 { "…" } else { "" };
        let cut_after = if last < length { "…" } else { "" };
        let caret_at = byte(column.min(last));
        let indent = cut_before
            .chars()
            .chain(line[from..caret_at.max(from)].chars())
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        Window {
            text: format!("{cut_before}{}{cut_after}", &line[from..to]),
            indent,
            width: width.min(last.saturating_sub(column)).max(1),
        }
    }
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

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_column() {
        let source = format!("x = {}1 +* 2{}\n", "(".repeat(100_000), ")".repeat(100_000));
        let start = source.find('*').unwrap();
        let diag = Diag::new(Span::new(start, start + 1), "expected an expression");
        let Error::Script(text) = diag.into_error(&source, "t.py") else {
            unreachable!()
        };
        let lines: Vec<&str> = text.lines().collect();
        assert!(text.len() < 400, "{text}");
        let shown = lines[2].strip_prefix("1 | ").unwrap();
        assert_eq!(shown.chars().count(), LINE_WINDOW + 2, "{shown}");
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        let caret = lines[3].strip_prefix("  | ").unwrap();
        let column = caret.find('^').unwrap();
        assert_eq!(shown.chars().nth(column), Some('*'), "{shown}\n{caret}");
    }
}
