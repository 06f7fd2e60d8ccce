//! f-strings: `f'{k} {loss.data:.4f}'` split into literal text and replacement fields when
//! parsed, and each field's value formatted by its spec when run, as Python's `format()`
//! does for numbers and strings.
//!
//! The subset reads the f-strings lecture scripts write: fields holding an expression, an
//! optional `!r`/`!s` conversion and a spec of fill, align, sign, width, precision and one
//! of the types `d f F e E %` (or `s` for text). Anything else an f-string may hold — an
//! escape or a quote, a nested `{}` in a spec, `{x=}`, `g` and the other types, grouping —
//! is refused with an error at its place, which `--interpreter auto` answers by handing the
//! script to CPython: what the subset prints is always what Python prints.

use super::diagnostics::{Diag, Res, Span};
use super::number::Num;
use crate::engine::{python_exponent_format, python_float_repr};

/// A piece of an f-string.
#[derive(Debug, PartialEq)]
pub(super) enum Part<'s> {
    /// Text as it reads (`{{` already one brace).
    Text(String),
    /// A replacement field: its expression's place in the source, its conversion (`r`,
    /// `s`) and its spec.
    Field {
        expression: Span,
        conversion: Option<char>,
        spec: &'s str,
        span: Span,
    },
}

/// The parts of the f-string whose text between the quotes is `source[body]`.
pub(super) fn parts(source: &str, body: Span) -> Res<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = source[body.start..body.end].char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let at = body.start + offset;
        match c {
            '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '}' => {
                return Err(Diag::new(
                    Span::new(at, at + 1),
                    "f-string: single '}' is not allowed",
                ))
            }
            '{' => {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                let (field, close) = field(source, at, body.end)?;
                while chars.peek().is_some_and(|&(o, _)| body.start + o < close) {
                    chars.next();
                }
                parts.push(field);
            }
            '\\' => return Err(beyond(Span::new(at, at + 1), "an escape in an f-string")),
            c => text.push(c),
        }
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// The field that opens with the `{` at `open`, and where its `}` ends (before `end`).
fn field(source: &str, open: usize, end: usize) -> Res<(Part<'_>, usize)> {
    let start = open + 1;
    let mut depth = 0usize;
    let mut expression_end = None;
    let mut conversion = None;
    let mut spec_start = None;
    let mut chars = source[start..end].char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let at = start + offset;
        let here = Span::new(at, at + c.len_utf8());
        match c {
            '\'' | '"' | '\\' => {
                return Err(beyond(here, "a quote or escape in an f-string's field"))
            }
            '{' if spec_start.is_some() => return Err(beyond(here, "a field nested in a spec")),
            '(' | '[' | '{' if spec_start.is_none() => depth += 1,
            ')' | ']' | '}' if depth > 0 && spec_start.is_none() => depth -= 1,
            '}' => {
                let expression = Span::new(start, expression_end.unwrap_or(at));
                let text = &source[expression.start..expression.end];
                if text.trim().is_empty() {
                    return Err(Diag::new(here, "f-string: empty expression not allowed"));
                }
                if text.trim_end().ends_with('=') {
                    return Err(beyond(expression, "a self-documenting f-string field"));
                }
                let field = Part::Field {
                    expression,
                    conversion,
                    spec: spec_start.map_or("", |s| &source[s..at]),
                    span: Span::new(open, at + 1),
                };
                return Ok((field, at + 1));
            }
            '!' if depth == 0 && spec_start.is_none() && chars.peek().map(|p| p.1) != Some('=') => {
                expression_end.get_or_insert(at);
                let (_, kind) = chars.next().unwrap_or((0, '}'));
                if !matches!(kind, 'r' | 's' | 'a')
                    || !matches!(chars.peek().map(|p| p.1), Some(':' | '}'))
                {
                    return Err(Diag::new(
                        here,
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                    ));
                }
                if kind == 'a' {
                    return Err(beyond(here, "the conversion !a"));
                }
                conversion = Some(kind);
            }
            ':' if depth == 0 && spec_start.is_none() => {
                expression_end.get_or_insert(at);
                spec_start = Some(at + 1);
            }
            _ => {}
        }
    }
    Err(Diag::new(
        Span::new(open, open + 1),
        "f-string: expecting '}'",
    ))
}

fn beyond(span: Span, what: &str) -> Diag {
    Diag::new(span, format!("{what} is beyond the built-in subset"))
        .with_help("run the script with --interpreter auto or python, which hands it to CPython")
}

/// A format spec, as far as the subset reads one.
struct Spec {
    fill: char,
    align: Option<char>,
    sign: Option<char>,
    width: usize,
    precision: Option<usize>,
    kind: Option<char>,
}

impl Spec {
    fn parse(spec: &str) -> Result<Spec, String> {
        let beyond = || format!("the format spec '{spec}' is beyond the built-in subset");
        let chars: Vec<char> = spec.chars().collect();
        let mut i = 0;
        let (mut fill, mut align) = (' ', None);
        if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^') {
            (fill, align, i) = (chars[0], Some(chars[1]), 2);
        } else if chars.first().is_some_and(|c| matches!(c, '<' | '>' | '^')) {
            (align, i) = (Some(chars[0]), 1);
        }
        let sign = chars
            .get(i)
            .copied()
            .filter(|c| matches!(c, '+' | '-' | ' '));
        i += usize::from(sign.is_some());
        if chars.get(i) == Some(&'0') {
            return Err(beyond());
        }
        let digits = |i: &mut usize| -> Option<usize> {
            let from = *i;
            while chars.get(*i).is_some_and(char::is_ascii_digit) {
                *i += 1;
            }
            chars[from..*i].iter().collect::<String>().parse().ok()
        };
        let width = digits(&mut i).unwrap_or(0);
        let precision = if chars.get(i) == Some(&'.') {
            i += 1;
            Some(digits(&mut i).ok_or_else(|| "Format specifier missing precision".to_string())?)
        } else {
            None
        };
        let kind = chars.get(i).copied();
        if i + usize::from(kind.is_some()) != chars.len()
            || !matches!(kind, None | Some('d' | 'f' | 'F' | 'e' | 'E' | '%' | 's'))
        {
            return Err(beyond());
        }
        Ok(Spec {
            fill,
            align,
            sign,
            width,
            precision,
            kind,
        })
    }

    /// `body` padded to the width, numbers to the right and text to the left by default.
    fn pad(&self, body: String, number: bool) -> String {
        let length = body.chars().count();
        if length >= self.width {
            return body;
        }
        let room = self.width - length;
        let (before, after) = match self.align.unwrap_or(if number { '>' } else { '<' }) {
            '<' => (0, room),
            '^' => (room / 2, room - room / 2),
            _ => (room, 0),
        };
        let fill = |n: usize| std::iter::repeat_n(self.fill, n).collect::<String>();
        format!("{}{body}{}", fill(before), fill(after))
    }
}

/// `format(n, spec)` for an int or a float.
pub(super) fn number(n: Num, spec: &str) -> Result<String, String> {
    let spec = Spec::parse(spec)?;
    let body = match (n, spec.kind) {
        (Num::Int(i), None | Some('d')) if spec.precision.is_none() => i.to_string(),
        (Num::Int(_), None | Some('d')) => {
            return Err("Precision not allowed in integer format specifier".into())
        }
        (Num::Float(_), Some('d')) => {
            return Err("Unknown format code 'd' for object of type 'float'".into())
        }
        (_, Some('s')) => {
            return Err(format!(
                "Unknown format code 's' for object of type '{}'",
                if matches!(n, Num::Int(_)) {
                    "int"
                } else {
                    "float"
                }
            ))
        }
        (Num::Float(x), None) if spec.precision.is_none() => python_float_repr(x),
        (Num::Float(_), None) => {
            return Err("a float's precision without a type is beyond the built-in subset".into())
        }
        (n, Some(kind)) => float(n.to_f64(), kind, spec.precision.unwrap_or(6)),
    };
    let signed = match spec.sign {
        Some(sign @ ('+' | ' ')) if !body.starts_with('-') => format!("{sign}{body}"),
        _ => body,
    };
    Ok(spec.pad(signed, true))
}

/// A float in fixed (`f`, `%`) or exponent (`e`) notation, rounded as Python rounds.
fn float(x: f64, kind: char, precision: usize) -> String {
    let upper = kind.is_ascii_uppercase();
    let text = if !x.is_finite() {
        let word = if x.is_nan() {
            "nan"
        } else if x > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        format!("{word}{}", if kind == '%' { "%" } else { "" })
    } else {
        match kind {
            'e' | 'E' => python_exponent_format(x, precision),
            '%' => format!("{:.precision$}%", x * 100.0),
            _ => format!("{x:.precision$}"),
        }
    };
    if upper {
        text.to_ascii_uppercase()
    } else {
        text
    }
}

/// `format(text, spec)`: padding and precision (a cut) of a string.
pub(super) fn text(text: &str, spec: &str) -> Result<String, String> {
    let spec = Spec::parse(spec)?;
    if !matches!(spec.kind, None | Some('s')) {
        return Err(format!(
            "Unknown format code '{}' for object of type 'str'",
            spec.kind.unwrap_or('s')
        ));
    }
    if spec.sign.is_some() {
        return Err("Sign not allowed in string format specifier".into());
    }
    let cut: String = match spec.precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_string(),
    };
    Ok(spec.pad(cut, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected texts printed by CPython 3.11 for `format(x, spec)`.
    #[test]
    fn numbers_format_as_python_formats_them() {
        let cases: [(Num, &str, &str); 14] = [
            (Num::Float(24.70408163265306), ".4f", "24.7041"),
            (Num::Float(0.125), ".2f", "0.12"),
            (Num::Float(2.5), ".0f", "2"),
            (Num::Float(-0.0), ".2f", "-0.00"),
            (Num::Float(123.456), ".2e", "1.23e+02"),
            (Num::Float(1e-7), "E", "1.000000E-07"),
            (Num::Float(0.5), ".1%", "50.0%"),
            (Num::Float(f64::NAN), "+.3f", "+nan"),
            (Num::Float(1.5), "", "1.5"),
            (Num::Float(3.25), "*^9.1f", "***3.2***"),
            (Num::Int(7), "d", "7"),
            (Num::Int(7), ">4", "   7"),
            (Num::Int(3), ".2f", "3.00"),
            (Num::Int(-3), "+", "-3"),
        ];
        for (n, spec, expected) in cases {
            assert_eq!(number(n, spec).as_deref(), Ok(expected), "{n:?} {spec}");
        }
        assert!(number(Num::Float(1.0), ",").is_err());
        assert!(number(Num::Float(1.0), "g").is_err());
        assert!(number(Num::Float(1.0), "d").is_err());
        assert_eq!(text("ab", "<4").as_deref(), Ok("ab  "));
        assert_eq!(text("abc", ".2").as_deref(), Ok("ab"));
    }

    #[test]
    fn an_f_string_splits_into_text_and_fields() {
        let source = "f'{k} loss {{x}} {loss.data:.4f}{a!r}'";
        let body = Span::new(2, source.len() - 1);
        let parts = parts(source, body).expect("parses");
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[1], Part::Text(" loss {x} ".into()));
        let Part::Field {
            expression, spec, ..
        } = &parts[2]
        else {
            panic!("a field")
        };
        assert_eq!(&source[expression.start..expression.end], "loss.data");
        assert_eq!(*spec, ".4f");
        assert!(matches!(
            parts[3],
            Part::Field {
                conversion: Some('r'),
                ..
            }
        ));
        for bad in ["f'{x.data'", "f'{}'", "f'}'", "f'{x!z}'"] {
            assert!(
                super::parts(bad, Span::new(2, bad.len() - 1)).is_err(),
                "{bad}"
            );
        }
    }
}
