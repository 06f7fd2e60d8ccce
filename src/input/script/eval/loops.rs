//! Iteration: comprehensions inside an expression and `for` statements, both run without
//! recursion (a comprehension by jumps in the expression's code, nested `for` loops on an
//! explicit stack) and both counted against [`MAX_ITERATIONS`].
//!
//! Scoping is Python 3's: a comprehension's names live only inside it, a `for` loop's
//! names stay bound after it. Loop names never label Values: a name that takes a new
//! item each turn names none of them.

use super::{Evaluator, List, Obj};
use crate::input::script::diagnostics::{Diag, Res, Span};
use crate::input::script::expr::{BinOp, LoopKind, LoopStart};
use crate::input::script::number::Num;
use crate::input::script::parser::{ForLoop, Stmt};

/// How many loop iterations (of `for` loops and comprehensions together) a script may
/// run. Python has no such limit; a figure that needs more would be unreadable anyway,
/// and the limit keeps a runaway `range` from running for minutes.
pub const MAX_ITERATIONS: usize = 10_000_000;

/// A comprehension that is running.
pub(crate) struct LoopFrame<'s> {
    targets: Vec<(&'s str, Span)>,
    /// What each name is bound to in this turn.
    current: Vec<Obj>,
    items: List,
    next: usize,
    result: Accumulated,
}

/// What a comprehension has made so far.
enum Accumulated {
    List(Vec<Obj>),
    Sum(Obj),
}

/// A `for` loop that is running.
struct RunningFor<'a, 's> {
    for_loop: &'a ForLoop<'s>,
    items: List,
    next: usize,
    /// The next statement of the body to run.
    pc: usize,
}

impl<'s> Evaluator<'s> {
    /// The value of `name` in the innermost running comprehension that binds it.
    pub(super) fn loop_variable(&self, name: &str) -> Option<Obj> {
        self.loops.iter().rev().find_map(|frame| {
            let i = frame.targets.iter().position(|t| t.0 == name)?;
            Some(frame.current[i].clone())
        })
    }

    /// Starts a comprehension over `iterable`; its result right away when there are no
    /// items.
    pub(super) fn start_loop(&mut self, start: &LoopStart<'s>, iterable: Obj) -> Res<Option<Obj>> {
        let items = iterate(iterable, start.iterable_span)?;
        let result = match start.kind {
            LoopKind::List => Accumulated::List(Vec::with_capacity(items.len())),
            LoopKind::Sum => Accumulated::Sum(Obj::Num(Num::Int(0))),
        };
        let Some(first) = items.first() else {
            return Ok(Some(finish(result)));
        };
        self.count_iteration(start.span)?;
        let current = unpack(&start.targets, first)?;
        self.loops.push(LoopFrame {
            targets: start.targets.clone(),
            current,
            items,
            next: 1,
            result,
        });
        Ok(None)
    }

    /// Takes one element of the innermost comprehension; `None` to run its body again,
    /// else the comprehension's result.
    pub(super) fn next_iteration(&mut self, element: Obj, span: Span) -> Res<Option<Obj>> {
        let frame = self.loops.last_mut().expect("a comprehension is running");
        match &mut frame.result {
            Accumulated::List(items) => items.push(element),
            Accumulated::Sum(total) => {
                // Python's sum is `total = total + item`, from the int 0: `0 + v` is
                // micrograd's __radd__, which makes a Value(0) leaf.
                let so_far = std::mem::replace(total, Obj::None);
                let sum = self.binary(BinOp::Add, span, so_far, element, span)?;
                let frame = self.loops.last_mut().expect("a comprehension is running");
                frame.result = Accumulated::Sum(sum);
            }
        }
        let frame = self.loops.last().expect("a comprehension is running");
        if let Some(item) = frame.items.get(frame.next).cloned() {
            self.count_iteration(span)?;
            let frame = self.loops.last_mut().expect("a comprehension is running");
            frame.current = unpack(&frame.targets, &item)?;
            frame.next += 1;
            return Ok(None);
        }
        let frame = self.loops.pop().expect("a comprehension is running");
        Ok(Some(finish(frame.result)))
    }

    fn count_iteration(&mut self, span: Span) -> Res<()> {
        self.iterations += 1;
        if self.iterations > MAX_ITERATIONS {
            return Err(Diag::new(
                span,
                format!("more than {MAX_ITERATIONS} loop iterations in one script"),
            )
            .with_help("gradviz scripts are for figures; build a smaller graph"));
        }
        Ok(())
    }

    /// Runs a `for` statement and every loop nested in it.
    pub(super) fn run_for(&mut self, outer: &ForLoop<'s>) -> Res<()> {
        let mut running = vec![self.start_for(outer)?];
        while let Some(top) = running.last_mut() {
            if let Some(statement) = top.for_loop.body.get(top.pc) {
                top.pc += 1;
                match statement {
                    Stmt::For(inner) => {
                        let inner = self.start_for(inner)?;
                        running.push(inner);
                    }
                    other => self.exec(other)?,
                }
                continue;
            }
            let Some(item) = top.items.get(top.next).cloned() else {
                running.pop();
                continue;
            };
            top.next += 1;
            top.pc = 0;
            let for_loop = top.for_loop;
            self.count_iteration(for_loop.span)?;
            let values = unpack(&for_loop.targets, &item)?;
            for (&(name, _), value) in for_loop.targets.iter().zip(values) {
                self.variables.insert(name, value);
            }
        }
        Ok(())
    }

    fn start_for<'a>(&mut self, for_loop: &'a ForLoop<'s>) -> Res<RunningFor<'a, 's>> {
        let iterable = self.eval(&for_loop.iterable)?;
        let items = iterate(iterable, for_loop.iterable.span)?;
        Ok(RunningFor {
            for_loop,
            items,
            next: 0,
            pc: for_loop.body.len(),
        })
    }
}

fn finish(result: Accumulated) -> Obj {
    match result {
        Accumulated::List(items) => Obj::List(List::new(items)),
        Accumulated::Sum(total) => total,
    }
}

/// The items of something a loop runs over: only lists are iterable in gradviz scripts.
pub(super) fn iterate(iterable: Obj, span: Span) -> Res<List> {
    match iterable {
        Obj::List(items) => Ok(items),
        other => Err(Diag::new(span, format!("{} is not iterable", other.kind()))
            .with_help("gradviz loops run over lists, zip(…), range(…) and model.parameters()")),
    }
}

/// Binds one item to a loop's names: the whole item to one name, or its parts to several.
fn unpack(targets: &[(&str, Span)], item: &Obj) -> Res<Vec<Obj>> {
    if let [_] = targets {
        return Ok(vec![item.clone()]);
    }
    let span = targets[0].1.to(targets[targets.len() - 1].1);
    let Obj::List(parts) = item else {
        return Err(Diag::new(
            span,
            format!("cannot unpack {} into {} names", item.kind(), targets.len()),
        ));
    };
    if parts.len() != targets.len() {
        let (many, expected) = if parts.len() > targets.len() {
            ("too many", targets.len())
        } else {
            ("not enough", targets.len())
        };
        return Err(Diag::new(
            span,
            format!(
                "{many} values to unpack (expected {expected}, got {})",
                parts.len()
            ),
        ));
    }
    Ok(parts.to_vec())
}
