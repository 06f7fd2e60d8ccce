//! `print(…)`: what Python would print, on stderr, so a training loop shows its losses
//! while stdout stays the figure's. Each argument is shown as Python's `str()` shows it: a
//! Value as micrograd's repr `Value(data=…, grad=…)`, a float in Python's shortest
//! round-trip repr, a list with its items' reprs; `sep=` and `end=` work as in Python.
//! They are held until the whole script has parsed (Python compiles a file before it runs
//! any of it, so a syntax error further on means nothing printed), under `--interpreter
//! auto` until it is known to fit the subset, then written in order; a script handed to
//! CPython prints only from there.
//!
//! Not reproduced: `True`/`False` print as `1`/`0` (the subset holds them as ints). An
//! f-string never reaches here: the parser refuses it, and `--interpreter auto` hands the
//! script to CPython.

use std::fmt::Write as _;
use std::io::Write as _;

use super::nn::module_repr;
use super::{Arg, Builtin, Evaluator, Obj};
use crate::engine::python_float_repr;
use crate::input::script::diagnostics::{Diag, Res, Span};
use crate::input::script::fstring;
use crate::input::script::number::Num;

impl Evaluator<'_> {
    /// Keeps what `print` writes until [`Evaluator::release_prints`]: a run that may yet
    /// turn out to need CPython must not have printed anything.
    pub fn hold_prints(&mut self) {
        self.held_prints = Some(String::new());
    }

    /// What was held, given up: the caller decides whether it is ever written.
    pub fn take_held_prints(&mut self) -> String {
        self.held_prints.take().unwrap_or_default()
    }

    /// Writes what was held to stderr, and prints as they come from now on.
    pub fn release_prints(&mut self) {
        if let Some(held) = self.held_prints.take() {
            write_printed(&held);
        }
    }

    /// Prints `args` to stderr as Python's `print` would.
    pub(super) fn print(&mut self, args: Vec<Arg>, named: Vec<(&str, Span, Arg)>) -> Res<Obj> {
        let (mut sep, mut end) = (" ".to_string(), "\n".to_string());
        for (keyword, span, arg) in named {
            let slot = match keyword {
                "sep" => &mut sep,
                "end" => &mut end,
                "flush" => continue,
                _ => {
                    return Err(Diag::new(
                        span,
                        format!("'{keyword}' is an invalid keyword argument for print()"),
                    ))
                }
            };
            match arg.value {
                Obj::Str(text) => *slot = text.to_string(),
                Obj::None => {}
                other => {
                    return Err(Diag::new(
                        arg.span,
                        format!("{keyword} must be None or a string, not {}", other.kind()),
                    ))
                }
            }
        }
        let mut line = String::new();
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                line.push_str(&sep);
            }
            self.push_shown(&mut line, &arg.value, false);
        }
        line.push_str(&end);
        self.write(&line);
        Ok(Obj::None)
    }

    /// An f-string field: `format(value, spec)` after its `!r` / `!s` conversion, for
    /// numbers and strings; a Value, list or module takes no spec (as in Python, whose
    /// `object.__format__` refuses one).
    pub(super) fn format_field(
        &self,
        value: &Obj,
        conversion: Option<char>,
        spec: &str,
    ) -> Result<String, String> {
        let shown = |as_repr| {
            let mut text = String::new();
            self.push_shown(&mut text, value, as_repr);
            text
        };
        match (conversion, value) {
            (Some(kind), _) => fstring::text(&shown(kind == 'r'), spec),
            (None, Obj::Num(n)) => fstring::number(*n, spec),
            (None, Obj::Str(text)) => fstring::text(text, spec),
            (None, _) if spec.is_empty() => Ok(shown(false)),
            (None, other) => Err(format!(
                "unsupported format string passed to {}.__format__",
                other.type_name()
            )),
        }
    }

    fn write(&mut self, text: &str) {
        match &mut self.held_prints {
            Some(held) => held.push_str(text),
            None => write_printed(text),
        }
    }

    /// `str(obj)` (or `repr(obj)` inside a list) appended to `out`. Nested lists are walked
    /// with an explicit stack: a list nested a million deep prints without recursion.
    fn push_shown(&self, out: &mut String, obj: &Obj, as_repr: bool) {
        enum Step<'o> {
            Show(&'o Obj, bool),
            Text(&'static str),
        }
        let mut stack = vec![Step::Show(obj, as_repr)];
        while let Some(step) = stack.pop() {
            let (obj, as_repr) = match step {
                Step::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Step::Show(obj, as_repr) => (obj, as_repr),
            };
            match obj {
                Obj::List(items) => {
                    out.push('[');
                    stack.push(Step::Text("]"));
                    for (i, item) in items.iter().enumerate().rev() {
                        stack.push(Step::Show(item, true));
                        if i > 0 {
                            stack.push(Step::Text(", "));
                        }
                    }
                }
                Obj::Str(text) if as_repr => out.push_str(&string_repr(text)),
                Obj::Str(text) => out.push_str(text),
                other => self.push_scalar(out, other),
            }
        }
    }

    fn push_scalar(&self, out: &mut String, obj: &Obj) {
        let _ = match obj {
            Obj::Num(n) => write!(out, "{}", number(*n)),
            Obj::Value(id) => write!(
                out,
                "Value(data={}, grad={})",
                number(self.data_of(*id)),
                number(self.grad_of(*id))
            ),
            Obj::None => write!(out, "None"),
            Obj::Builtin(Builtin::Random) => write!(out, "<module 'random'>"),
            Obj::Builtin(builtin) => write!(out, "<built-in {builtin:?}>"),
            Obj::Neuron(_) | Obj::Layer(_) | Obj::Mlp(_) => write!(out, "{}", module_repr(obj)),
            Obj::List(_) | Obj::Str(_) => unreachable!("shown by push_shown"),
        };
    }
}

/// Writes what a script printed to stderr. As Python's print to a closed stderr, a failed
/// write is not the script's error.
pub(crate) fn write_printed(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn number(n: Num) -> String {
    match n {
        Num::Int(i) => i.to_string(),
        Num::Float(x) => python_float_repr(x),
    }
}

/// Python's repr of a string: single quotes unless the text has one and no double quote.
fn string_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
