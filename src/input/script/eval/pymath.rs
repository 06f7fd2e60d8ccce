//! `float(…)` and the `math` module's constants and functions on plain numbers, as the
//! lecture uses them: `float('nan')`, `float('inf')`, `math.inf`, `math.pi`,
//! `math.exp(x)`. Like `random`, `math` is there imported or not. Where Python raises
//! (`math.exp(1000)`, `math.log(0)`), the script fails with Python's message.

use super::{Arg, Evaluator, Obj};
use crate::input::script::diagnostics::{Diag, Res, Span};
use crate::input::script::number::Num;

/// The `math` functions gradviz knows, for messages.
const FUNCTIONS: &str = "math.exp, math.log, math.sqrt, math.tanh";

impl Evaluator<'_> {
    /// `float(x)`: a number as a float, or a string Python's `float` reads.
    pub(super) fn call_float(
        &self,
        args: Vec<Arg>,
        named: Vec<(&str, Span, Arg)>,
        span: Span,
    ) -> Res<Obj> {
        if let Some((keyword, keyword_span, _)) = named.first() {
            return Err(Diag::new(
                *keyword_span,
                format!("float() takes no keyword arguments, got '{keyword}'"),
            ));
        }
        let [arg] = <[Arg; 1]>::try_from(args)
            .map_err(|_| Diag::new(span, "float() takes one argument here"))?;
        let value = match &arg.value {
            Obj::Num(n) => n.to_f64(),
            Obj::Value(_) => {
                return Err(Diag::new(arg.span, "float() of a Value: use v.data"));
            }
            Obj::Str(text) => parse_float(text).ok_or_else(|| {
                Diag::new(
                    arg.span,
                    format!("could not convert string to float: {:?}", text.as_ref()),
                )
            })?,
            other => {
                return Err(Diag::new(
                    arg.span,
                    format!("float() takes a number or a string, not {}", other.kind()),
                ))
            }
        };
        Ok(Obj::Num(Num::Float(value)))
    }

    /// `math.NAME(x)` on a number.
    pub(super) fn call_math(
        &self,
        name: &str,
        name_span: Span,
        args: Vec<Arg>,
        span: Span,
    ) -> Res<Obj> {
        let function: fn(f64) -> Option<f64> = match name {
            "exp" => |x| Some(x.exp()).filter(|y| y.is_finite() || !x.is_finite()),
            "log" => |x| (x > 0.0 || x.is_nan()).then(|| x.ln()),
            "sqrt" => |x| (x >= 0.0 || x.is_nan()).then(|| x.sqrt()),
            "tanh" => |x| Some(x.tanh()),
            _ => {
                return Err(Diag::new(
                    name_span,
                    format!("module 'math' has no function '{name}' in gradviz"),
                )
                .with_help(format!(
                    "gradviz knows {FUNCTIONS}, math.pi, math.e, math.inf, math.nan"
                )))
            }
        };
        let [arg] = <[Arg; 1]>::try_from(args)
            .map_err(|_| Diag::new(span, format!("math.{name}() takes one argument")))?;
        let x = match &arg.value {
            Obj::Num(n) => n.to_f64(),
            Obj::Value(_) => {
                return Err(Diag::new(
                    arg.span,
                    format!("math.{name}() takes a number, not a Value"),
                )
                .with_help(format!("for a Value, call its method: v.{name}()")))
            }
            other => {
                return Err(Diag::new(
                    arg.span,
                    format!("math.{name}() takes a number, not {}", other.kind()),
                ))
            }
        };
        match function(x) {
            Some(y) => Ok(Obj::Num(Num::Float(y))),
            None if name == "exp" => Err(Diag::new(
                span,
                "math range error (Python raises OverflowError)",
            )),
            None => Err(Diag::new(
                span,
                "math domain error (Python raises ValueError)",
            )),
        }
    }
}

/// Every name of `math` the subset has: what `--interpreter auto` lets a script use.
pub(crate) const MATH_NAMES: [&str; 9] =
    ["exp", "log", "sqrt", "tanh", "pi", "e", "tau", "inf", "nan"];

/// `math.pi`, `math.e`, `math.tau`, `math.inf`, `math.nan`.
pub(super) fn math_constant(name: &str, span: Span) -> Res<Obj> {
    let value = match name {
        "pi" => std::f64::consts::PI,
        "e" => std::f64::consts::E,
        "tau" => std::f64::consts::TAU,
        "inf" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            return Err(Diag::new(
                span,
                format!("module 'math' has no attribute '{name}' in gradviz"),
            )
            .with_help(format!(
                "gradviz knows math.pi, math.e, math.tau, math.inf, math.nan and {FUNCTIONS}"
            )))
        }
    };
    Ok(Obj::Num(Num::Float(value)))
}

/// What Python's `float(str)` accepts: a decimal or scientific number, `nan`, `inf`,
/// `infinity` (any case, optional sign, surrounding whitespace, `_` between digits).
fn parse_float(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let (sign, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    match body.to_ascii_lowercase().as_str() {
        "nan" => return Some(f64::NAN),
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        _ => {}
    }
    let digits_ok = body
        .bytes()
        .all(|b| b.is_ascii_digit() || b".eE+-_".contains(&b))
        && !body.starts_with('_')
        && !body.ends_with('_')
        && !body.contains("__");
    if !digits_ok {
        return None;
    }
    body.replace('_', "").parse::<f64>().ok().map(|x| sign * x)
}
