//! Python's built-in functions that network scripts use — `sum`, `len`, `zip`, `range`,
//! `list` — and the `random` module's `seed`, `random` and `uniform`.
//!
//! `random` is always there, imported or not (imports are ignored). Without a
//! `random.seed(n)` call a script draws as if it began with `random.seed(0)`
//! ([`DEFAULT_SEED`]): Python would draw fresh weights every run, but a figure must come
//! out the same every time.

use super::loops::{iterate, MAX_ITERATIONS};
use super::{Arg, Builtin, Evaluator, List, Obj};
use crate::engine::PyRandom;
use crate::input::script::diagnostics::{Diag, Res, Span};
use crate::input::script::expr::BinOp;
use crate::input::script::number::Num;

/// The seed of a script's `random` stream until it calls `random.seed(n)`.
pub const DEFAULT_SEED: i64 = 0;

impl Evaluator<'_> {
    /// `sum`, `len`, `zip`, `range` and `list`.
    pub(super) fn call_builtin(
        &mut self,
        builtin: Builtin,
        args: Vec<Arg>,
        named: Vec<(&str, Span, Arg)>,
        span: Span,
    ) -> Res<Obj> {
        let name = builtin_name(builtin);
        let mut start = None;
        for (keyword, keyword_span, arg) in named {
            if builtin == Builtin::Sum && keyword == "start" && start.is_none() {
                start = Some(arg);
            } else {
                return Err(Diag::new(
                    keyword_span,
                    format!("{name}() got an unexpected keyword argument '{keyword}'"),
                ));
            }
        }
        match builtin {
            Builtin::Sum => self.sum(args, start, span),
            Builtin::Len => {
                let [x] = exactly(name, args, span)?;
                len(x)
            }
            Builtin::Zip => zip(args),
            Builtin::Range => range(args, span),
            Builtin::List => match args.len() {
                0 => Ok(Obj::List(List::new(Vec::new()))),
                _ => {
                    let [x] = exactly(name, args, span)?;
                    let items = iterate(x.value, x.span)?;
                    Ok(Obj::List(List::new(items.to_vec())))
                }
            },
            _ => unreachable!("the other built-ins are dispatched by the caller"),
        }
    }

    /// `sum(items, start=0)`: `total = total + item` for each item, as Python runs it.
    fn sum(&mut self, args: Vec<Arg>, start: Option<Arg>, span: Span) -> Res<Obj> {
        let mut args = args.into_iter();
        let (Some(items), start, None) = (args.next(), start.or_else(|| args.next()), args.next())
        else {
            return Err(Diag::new(span, "sum() takes a list and an optional start"));
        };
        let mut total = start.map_or(Obj::Num(Num::Int(0)), |s| s.value);
        if matches!(total, Obj::Str(_)) {
            return Err(Diag::new(span, "sum() can't sum strings"));
        }
        for item in iterate(items.value, items.span)?.iter() {
            total = self.binary(BinOp::Add, span, total, item.clone(), items.span)?;
        }
        Ok(total)
    }

    /// `random.seed(n)`, `random.random()`, `random.uniform(a, b)`.
    pub(super) fn call_random(
        &mut self,
        name: &str,
        name_span: Span,
        args: Vec<Arg>,
        span: Span,
    ) -> Res<Obj> {
        match name {
            "seed" => {
                let [seed] = exactly("random.seed", args, span).map_err(|diag| {
                    diag.with_help("gradviz needs a fixed seed, as in random.seed(1337)")
                })?;
                let Obj::Num(Num::Int(n)) = seed.value else {
                    return Err(Diag::new(
                        seed.span,
                        format!(
                            "random.seed() takes an integer here, found {}",
                            seed.value.kind()
                        ),
                    ));
                };
                let n = i64::try_from(n).map_err(|_| {
                    Diag::new(
                        seed.span,
                        "random.seed() takes a 64-bit integer in gradviz scripts",
                    )
                })?;
                self.rng = PyRandom::new(n);
                Ok(Obj::None)
            }
            "random" => {
                let [] = exactly("random.random", args, span)?;
                Ok(Obj::Num(Num::Float(self.rng.random())))
            }
            "uniform" => {
                let [a, b] = exactly("random.uniform", args, span)?;
                let (a, b) = (number(&a)?, number(&b)?);
                Ok(Obj::Num(Num::Float(self.rng.uniform(a, b))))
            }
            _ => Err(Diag::new(
                name_span,
                format!("random.{name} is beyond the built-in subset"),
            )
            .with_help(
                "the subset has seed(n), random() and uniform(a, b); --interpreter auto \
                 runs the rest in CPython",
            )),
        }
    }
}

fn builtin_name(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::Sum => "sum",
        Builtin::Len => "len",
        Builtin::Zip => "zip",
        Builtin::Range => "range",
        _ => "list",
    }
}

/// Exactly `N` positional arguments.
fn exactly<const N: usize>(name: &str, args: Vec<Arg>, span: Span) -> Res<[Arg; N]> {
    let given = args.len();
    <[Arg; N]>::try_from(args).map_err(|args| {
        let span = args.get(N).map_or(span, |a| a.span);
        let expected = match N {
            0 => "no arguments".to_string(),
            1 => "one argument".to_string(),
            n => format!("{n} arguments"),
        };
        Diag::new(span, format!("{name}() takes {expected}, {given} given"))
    })
}

fn number(arg: &Arg) -> Res<f64> {
    match arg.value {
        Obj::Num(n) => Ok(n.to_f64()),
        ref other => Err(Diag::new(
            arg.span,
            format!("expected a number, found {}", other.kind()),
        )),
    }
}

fn len(x: Arg) -> Res<Obj> {
    let n = match &x.value {
        Obj::List(items) => items.len(),
        Obj::Str(text) => text.chars().count(),
        other => return Err(Diag::new(x.span, format!("{} has no len()", other.kind()))),
    };
    Ok(Obj::Num(Num::Int(n as i128)))
}

/// `zip(a, b, …)`: lists of one item from each, as long as the shortest.
fn zip(args: Vec<Arg>) -> Res<Obj> {
    let lists = args
        .into_iter()
        .map(|arg| iterate(arg.value, arg.span))
        .collect::<Res<Vec<_>>>()?;
    let len = lists.iter().map(|l| l.len()).min().unwrap_or(0);
    let rows = (0..len)
        .map(|i| Obj::List(List::new(lists.iter().map(|l| l[i].clone()).collect())))
        .collect();
    Ok(Obj::List(List::new(rows)))
}

/// `range(stop)`, `range(start, stop[, step])`, as a list of ints.
fn range(args: Vec<Arg>, span: Span) -> Res<Obj> {
    let ints = args
        .iter()
        .map(|arg| match arg.value {
            Obj::Num(Num::Int(n)) => Ok(n),
            ref other => Err(Diag::new(
                arg.span,
                format!("range() takes integers, found {}", other.kind()),
            )),
        })
        .collect::<Res<Vec<i128>>>()?;
    let (start, stop, step) = match ints[..] {
        [stop] => (0, stop, 1),
        [start, stop] => (start, stop, 1),
        [start, stop, step] => (start, stop, step),
        _ => return Err(Diag::new(span, "range() takes 1 to 3 integers")),
    };
    if step == 0 {
        return Err(Diag::new(span, "range() arg 3 must not be zero"));
    }
    let distance = if step > 0 {
        stop.checked_sub(start)
    } else {
        start.checked_sub(stop)
    };
    let len = match distance {
        Some(d) if d <= 0 => 0,
        Some(d) => (d - 1).unsigned_abs() / step.unsigned_abs() + 1,
        None => u128::MAX,
    };
    if len > MAX_ITERATIONS as u128 {
        return Err(Diag::new(
            span,
            format!("range() of {len} items is longer than gradviz loops run ({MAX_ITERATIONS})"),
        ));
    }
    let len = len as i128;
    let items = (0..len)
        .map(|i| Obj::Num(Num::Int(start + i * step)))
        .collect();
    Ok(Obj::List(List::new(items)))
}
