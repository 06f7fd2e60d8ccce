//! Expressions as postfix code, and the operator-precedence parser that writes it.
//!
//! An expression compiles to a flat list of [`Instr`] that the evaluator runs on a value
//! stack, in Python's evaluation order (left operand, right operand, operator; callee, then
//! arguments, then call). Parsing uses explicit stacks instead of recursion, and so does
//! evaluation: no nesting of parentheses, signs or operators can overflow the call stack.
//! (Brackets are still limited to CPython's 200 by the lexer, so scripts that Python
//! refuses are refused here too.)
//!
//! Precedence and associativity are Python's: `+ -` below `* /` below unary `- +` below
//! `**`, which is right-associative and takes a signed operand (`-x**2` is `-(x**2)`,
//! `2**-1` is `2**(-1)`); calls, indexing and attribute access bind tightest.
//!
//! A comprehension (`[f(x) for x in xs]`, or a generator expression as a call's only
//! argument, `sum(e for a, b in zip(p, q))`) compiles to a loop inside the expression's
//! code: the iterable, [`Instr::LoopStart`], the element's code, [`Instr::LoopNext`], which
//! jumps back to the element while items remain. The element is written before the
//! iterable in the source, so its code is moved after the iterable's when the bracket
//! closes. A generator expression that `sum` consumes adds each element as soon as it is
//! made, as Python's lazy generator does; that order decides the graph's node order.

use std::borrow::Cow;

use super::diagnostics::{Diag, Res, Span};

/// A compiled expression and the source it covers. Its calls' shapes and arguments are
/// kept beside its code, not in boxes of their own: a statement's expression is three
/// lists, which the parser takes back after it has run to write the next one into
/// ([`Builder::recycle`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr<'s> {
    pub code: Vec<Instr<'s>>,
    /// The calls of the code, in the order they close; [`Instr::Call`] holds an index.
    pub calls: Vec<Call<'s>>,
    /// The arguments of every call, each call's together (see [`Expr::arguments`]).
    pub arguments: Vec<Argument<'s>>,
    pub span: Span,
}

impl<'s> Expr<'s> {
    /// The arguments of `call`, one of this expression's: positional ones, then keywords.
    pub fn arguments(&self, call: &Call<'s>) -> &[Argument<'s>] {
        &self.arguments[call.first_argument..call.first_argument + call.len()]
    }
}

/// One step of an expression's postfix code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Instr<'s> {
    Int(i128),
    Float(f64),
    Str(Cow<'s, str>),
    /// Formats the top value as an f-string's field does, by its conversion (`r`, `s`)
    /// and spec, into a string.
    Format {
        conversion: Option<char>,
        spec: &'s str,
        span: Span,
    },
    /// Joins the top `n` strings into one: an f-string's parts.
    Concat(usize),
    /// Push a variable (or built-in) by name.
    Load(&'s str, Span),
    /// Apply a sign to the top value; the span covers the whole signed expression.
    Unary(UnaryOp, Span),
    /// Combine the two top values.
    Binary {
        op: BinOp,
        op_span: Span,
        rhs_span: Span,
    },
    /// Replace the top value by one of its attributes.
    GetAttr {
        name: &'s str,
        name_span: Span,
    },
    /// Call the callee (or the method of the object) below the arguments: the index of
    /// the call's shape in [`Expr::calls`].
    Call(usize),
    /// Replace the top `len` values by a list of them; the span covers the brackets.
    List {
        len: usize,
        span: Span,
    },
    /// Replace the object and the index on top by the indexed item.
    Index {
        span: Span,
        index_span: Span,
    },
    /// Take the iterable on top and start a comprehension's loop over it.
    LoopStart(Box<LoopStart<'s>>),
    /// Take the element on top; jump back `body_len` instructions while items remain,
    /// else push the comprehension's result.
    LoopNext {
        body_len: usize,
        span: Span,
    },
}

/// The head of a comprehension's loop.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoopStart<'s> {
    /// The loop's names: one, or several that unpack each item.
    pub targets: Vec<(&'s str, Span)>,
    pub kind: LoopKind,
    /// How many instructions the element's code takes.
    pub body_len: usize,
    pub iterable_span: Span,
    /// The whole comprehension.
    pub span: Span,
}

/// What a comprehension's loop makes of its elements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LoopKind {
    /// A list comprehension, or a generator that a call other than `sum` takes: a list.
    List,
    /// A generator expression that `sum` consumes: the running sum, from the int 0.
    Sum,
}

/// One argument of a call: its keyword's name and span for `name=value`, and where its
/// value is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Argument<'s> {
    pub keyword: Option<(&'s str, Span)>,
    pub span: Span,
}

impl<'s> Call<'s> {
    /// How many arguments it has.
    pub fn len(&self) -> usize {
        self.positional + self.keywords
    }
}

/// A call's shape; its callee or object and argument values are on the stack.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call<'s> {
    /// `Some((name, span))` for `object.name(…)`.
    pub method: Option<(&'s str, Span)>,
    /// Where its arguments start in [`Expr::arguments`].
    pub first_argument: usize,
    /// How many are positional (they come first) and how many keywords.
    pub positional: usize,
    pub keywords: usize,
    /// The callee's (or object's) span.
    pub callee_span: Span,
    /// The whole call.
    pub span: Span,
    /// The only argument is a generator expression that its loop has already summed
    /// ([`LoopKind::Sum`]); the callee must still be `sum`.
    pub summed_generator: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum UnaryOp {
    Neg,
    Pos,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "**",
        }
    }

    /// The binary operator a token spells, if gradviz has it.
    pub fn from_token(op: &str) -> Option<BinOp> {
        Some(match op {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "**" => BinOp::Pow,
            _ => return None,
        })
    }

    fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
            BinOp::Pow => 4,
        }
    }
}

/// How many emptied expressions a [`Builder`] keeps: a statement that has run gives back
/// at most two (an assignment's target and its value).
pub(crate) const SPARE_LISTS: usize = 2;

/// Unary signs sit between `* /` and `**`.
const UNARY_PRECEDENCE: u8 = 3;

/// An operator or bracket waiting for its operands.
enum Pending<'s> {
    Unary(UnaryOp, Span),
    Binary(BinOp, Span),
    /// `(` and the code length where its content starts.
    Paren(Span, usize),
    Call(CallFrame<'s>),
    List(ListFrame),
    /// `[` after an operand.
    Subscript(Span),
    /// `for … in` read inside a bracket; the iterable is being read.
    Comprehension(ComprehensionFrame<'s>),
}

/// A list display whose items are being read.
struct ListFrame {
    open: Span,
    items: usize,
    /// The code length when the item in progress began.
    item_start: usize,
}

/// A comprehension whose iterable is being read.
struct ComprehensionFrame<'s> {
    targets: Vec<(&'s str, Span)>,
    /// Where the element's code starts; the iterable's follows it until the bracket closes.
    element_start: usize,
    iterable_start: usize,
}

impl CallFrame<'_> {
    /// How many arguments were read.
    fn len(&self) -> usize {
        self.positional + self.keywords
    }
}

/// A call whose arguments are being read.
struct CallFrame<'s> {
    method: Option<(&'s str, Span)>,
    callee_span: Span,
    open: Span,
    /// Where its arguments start in [`Builder::waiting`], and how many of each kind were read.
    first_waiting: usize,
    positional: usize,
    keywords: usize,
    /// `name=` read for the argument in progress.
    keyword: Option<(&'s str, Span)>,
    /// The code length when the argument in progress began.
    arg_start: usize,
    /// The first argument is a generator expression (nothing may follow it), and whether
    /// `sum` consumes it as it runs.
    generator: Option<LoopKind>,
}

/// Builds one expression's code from operands and operators fed in source order. The
/// parser keeps one for every expression of a script: [`Builder::finish`] empties it, and
/// its stacks keep their room, so a long script allocates them once; the lists of a
/// finished expression come back through [`Builder::recycle`].
#[derive(Default)]
pub(crate) struct Builder<'s> {
    code: Vec<Instr<'s>>,
    calls: Vec<Call<'s>>,
    arguments: Vec<Argument<'s>>,
    /// The arguments of the calls still open, innermost last: an inner call closes before
    /// its outer one reads on, so each open call's arguments lie together at the top.
    waiting: Vec<Argument<'s>>,
    /// The emptied lists of expressions that have run, for the next ones: up to
    /// [`SPARE_LISTS`] and `extra_spares` more.
    spare: Vec<Expr<'s>>,
    extra_spares: usize,
    /// The span of each value the code leaves on the stack so far.
    spans: Vec<Span>,
    pending: Vec<Pending<'s>>,
    /// How many of `pending` are open brackets.
    open_brackets: usize,
}

impl<'s> Builder<'s> {
    /// Where the innermost open bracket is, if any.
    pub fn innermost_bracket(&self) -> Option<Span> {
        self.pending.iter().rev().find_map(|p| match p {
            Pending::Paren(open, _) | Pending::Subscript(open) => Some(*open),
            Pending::Call(frame) => Some(frame.open),
            Pending::List(frame) => Some(frame.open),
            _ => None,
        })
    }

    /// Inside an index, `xs[…]`, with no other bracket open within it.
    pub fn in_subscript(&self) -> bool {
        self.pending.iter().rev().find_map(|p| match p {
            Pending::Subscript(_) => Some(true),
            Pending::Paren(..) | Pending::Call(_) | Pending::List(_) => Some(false),
            _ => None,
        }) == Some(true)
    }

    /// Inside brackets, where `,` and `=` do not end the expression.
    pub fn in_brackets(&self) -> bool {
        self.open_brackets > 0
    }

    pub fn operand(&mut self, instr: Instr<'s>, span: Span) {
        self.code.push(instr);
        self.spans.push(span);
    }

    /// One step of an operand computed by several, such as an f-string's; the operand is
    /// complete at [`Builder::operand_done`].
    pub fn push_code(&mut self, instr: Instr<'s>) {
        self.code.push(instr);
    }

    /// The code of `expr` (an f-string field's, parsed on its own) as steps of the operand
    /// in progress, its calls renumbered into this expression's.
    pub fn push_expr(&mut self, expr: Expr<'s>) {
        let (first_call, first_argument) = (self.calls.len(), self.arguments.len());
        self.code
            .extend(expr.code.into_iter().map(|instr| match instr {
                Instr::Call(index) => Instr::Call(first_call + index),
                other => other,
            }));
        self.calls.extend(expr.calls.into_iter().map(|call| Call {
            first_argument: first_argument + call.first_argument,
            ..call
        }));
        self.arguments.extend(expr.arguments);
    }

    /// The end of an operand written by [`Builder::push_code`] and [`Builder::push_expr`].
    pub fn operand_done(&mut self, span: Span) {
        self.spans.push(span);
    }

    pub fn unary(&mut self, op: UnaryOp, span: Span) {
        self.pending.push(Pending::Unary(op, span));
    }

    pub fn open_paren(&mut self, span: Span) {
        self.open_brackets += 1;
        self.pending.push(Pending::Paren(span, self.code.len()));
    }

    /// `[` where an operand starts: a list display.
    pub fn open_list(&mut self, span: Span) {
        self.open_brackets += 1;
        self.pending.push(Pending::List(ListFrame {
            open: span,
            items: 0,
            item_start: self.code.len(),
        }));
    }

    /// `[` after an operand: an index.
    pub fn open_subscript(&mut self, span: Span) {
        self.open_brackets += 1;
        self.pending.push(Pending::Subscript(span));
    }

    /// `for targets in` after an element, inside `[…]`, `(…)` or a call's parentheses.
    /// The iterable's code follows.
    pub fn begin_comprehension(
        &mut self,
        targets: Vec<(&'s str, Span)>,
        for_span: Span,
    ) -> Res<()> {
        self.reduce_operators();
        let code_len = self.code.len();
        let element_start = match self.pending.last() {
            Some(Pending::List(frame)) if frame.items == 0 => Some(frame.item_start),
            Some(Pending::Paren(_, start)) => Some(*start),
            Some(Pending::Call(frame)) if frame.len() == 0 && frame.keyword.is_none() => {
                Some(frame.arg_start)
            }
            Some(Pending::Call(_)) => {
                return Err(Diag::new(
                    for_span,
                    "a generator expression must be the only argument of a call in gradviz scripts",
                ))
            }
            Some(Pending::Comprehension(_)) => {
                return Err(Diag::new(
                    for_span,
                    "comprehensions with more than one 'for' clause are not supported in gradviz scripts",
                ))
            }
            _ => None,
        };
        let Some(element_start) = element_start.filter(|&start| start < code_len) else {
            return Err(Diag::new(
                for_span,
                "'for' here is not supported: comprehensions are written [element for x in items]",
            ));
        };
        self.pending
            .push(Pending::Comprehension(ComprehensionFrame {
                targets,
                element_start,
                iterable_start: code_len,
            }));
        Ok(())
    }

    pub fn binary(&mut self, op: BinOp, span: Span) {
        let precedence = op.precedence();
        let right_associative = op == BinOp::Pow;
        loop {
            let top = match self.pending.last() {
                Some(Pending::Binary(top, _)) => top.precedence(),
                Some(Pending::Unary(..)) => UNARY_PRECEDENCE,
                _ => break,
            };
            if top > precedence || (top == precedence && !right_associative) {
                self.reduce_one();
            } else {
                break;
            }
        }
        self.pending.push(Pending::Binary(op, span));
    }

    /// `.name` after an operand, not followed by a call.
    pub fn attribute(&mut self, name: &'s str, name_span: Span) {
        let object = self.spans.pop().expect("an operand precedes '.'");
        self.spans.push(object.to(name_span));
        self.code.push(Instr::GetAttr { name, name_span });
    }

    /// `(` after an operand (a call of it), or `.name(` (a method call on it).
    pub fn open_call(&mut self, method: Option<(&'s str, Span)>, open: Span) {
        let callee_span = *self.spans.last().expect("an operand precedes a call");
        self.open_brackets += 1;
        self.pending.push(Pending::Call(CallFrame {
            method,
            callee_span,
            open,
            first_waiting: self.waiting.len(),
            positional: 0,
            keywords: 0,
            keyword: None,
            arg_start: self.code.len(),
            generator: None,
        }));
    }

    /// At an argument's or list item's start, where `)` or `]` may close the bracket
    /// (`f()`, `f(a,)`, `[]`, `[a,]`).
    pub fn at_argument_start(&mut self) -> bool {
        let code_len = self.code.len();
        match self.pending.last() {
            Some(Pending::Call(frame)) => frame.keyword.is_none() && frame.arg_start == code_len,
            Some(Pending::List(frame)) => frame.item_start == code_len,
            _ => false,
        }
    }

    /// `=` after an operand: turns a bare name just read as an argument into a keyword.
    pub fn keyword(&mut self, equals: Span) -> Res<()> {
        let code_len = self.code.len();
        let name = match (self.code.last(), &self.pending.last()) {
            (Some(Instr::Load(name, span)), Some(Pending::Call(frame)))
                if frame.arg_start + 1 == code_len && frame.keyword.is_none() =>
            {
                (*name, *span)
            }
            _ => return Err(Diag::new(equals, "'=' cannot appear inside an expression")),
        };
        let Some(Pending::Call(frame)) = self.pending.last_mut() else {
            unreachable!("matched above")
        };
        let read = &self.waiting[frame.first_waiting..];
        if read
            .iter()
            .any(|a| a.keyword.is_some_and(|k| k.0 == name.0))
        {
            return Err(Diag::new(
                name.1,
                format!("keyword argument '{}' repeated", name.0),
            ));
        }
        frame.keyword = Some(name);
        self.code.pop();
        self.spans.pop();
        Ok(())
    }

    /// `,` after an operand: the end of an argument or list item.
    pub fn comma(&mut self, span: Span) -> Res<()> {
        self.reduce_operators();
        let code_len = self.code.len();
        match self.pending.last_mut() {
            Some(Pending::Call(frame)) if frame.generator.is_some() => Err(Diag::new(
                span,
                "a generator expression must be the only argument of a call in gradviz scripts",
            )),
            Some(Pending::Call(_)) => self.finish_argument(),
            Some(Pending::List(frame)) => {
                frame.items += 1;
                frame.item_start = code_len;
                Ok(())
            }
            Some(Pending::Comprehension(_)) => {
                let in_call = self.pending.len() >= 2
                    && matches!(self.pending[self.pending.len() - 2], Pending::Call(_));
                Err(Diag::new(
                    span,
                    if in_call {
                        "a generator expression must be the only argument of a call in gradviz scripts"
                    } else {
                        "a comprehension ends at its closing bracket (one 'for' clause, no ',')"
                    },
                ))
            }
            Some(Pending::Subscript(_)) => Err(Diag::new(
                span,
                "an index is one integer in gradviz scripts",
            )),
            _ => Err(
                Diag::new(span, "tuples are not supported in gradviz scripts")
                    .with_help("assign one value per statement"),
            ),
        }
    }

    fn finish_argument(&mut self) -> Res<()> {
        let value = *self.spans.last().expect("an argument was read");
        let code_len = self.code.len();
        let Some(Pending::Call(frame)) = self.pending.last_mut() else {
            unreachable!("inside a call")
        };
        let keyword = frame.keyword.take();
        match keyword {
            Some(_) => frame.keywords += 1,
            None if frame.keywords > 0 => {
                return Err(Diag::new(
                    value,
                    "positional argument follows keyword argument",
                ))
            }
            None => frame.positional += 1,
        }
        frame.arg_start = code_len;
        self.waiting.push(Argument {
            keyword,
            span: value,
        });
        Ok(())
    }

    /// `)` or `]` after an operand, or at an argument's or item's start.
    pub fn close(&mut self, close: Span, after_operand: bool) -> Res<()> {
        self.reduce_operators();
        if matches!(self.pending.last(), Some(Pending::Comprehension(_))) {
            return self.close_comprehension(close);
        }
        self.open_brackets -= 1;
        match self.pending.pop() {
            Some(Pending::Paren(open, _)) => {
                self.spans.pop().expect("a parenthesized operand");
                self.spans.push(open.to(close));
                Ok(())
            }
            Some(Pending::Call(frame)) => {
                self.pending.push(Pending::Call(frame));
                if after_operand {
                    self.finish_argument()?;
                }
                let Some(Pending::Call(frame)) = self.pending.pop() else {
                    unreachable!("pushed back above")
                };
                self.end_call(frame, close);
                Ok(())
            }
            Some(Pending::List(frame)) => {
                let len = frame.items + usize::from(after_operand);
                self.spans.truncate(self.spans.len() - len);
                let span = frame.open.to(close);
                self.spans.push(span);
                self.code.push(Instr::List { len, span });
                Ok(())
            }
            Some(Pending::Subscript(_)) => {
                let index_span = self.spans.pop().expect("an index");
                let object = self.spans.pop().expect("an indexed object");
                let span = object.to(close);
                self.spans.push(span);
                self.code.push(Instr::Index { span, index_span });
                Ok(())
            }
            _ => unreachable!("the lexer matches every closing bracket with an opening one"),
        }
    }

    /// The bracket that ends a comprehension: its code becomes iterable, loop, element.
    fn close_comprehension(&mut self, close: Span) -> Res<()> {
        let Some(Pending::Comprehension(comprehension)) = self.pending.pop() else {
            unreachable!("checked by the caller")
        };
        let iterable_span = self.spans.pop().expect("an iterable");
        let element_span = self.spans.pop().expect("an element");
        let kind = self.comprehension_kind(comprehension.element_start, element_span)?;
        let ComprehensionFrame {
            targets,
            element_start,
            iterable_start,
        } = comprehension;
        let body_len = iterable_start - element_start;
        self.code[element_start..].rotate_left(body_len);
        let span = element_span.to(iterable_span);
        let start = LoopStart {
            targets,
            kind,
            body_len,
            iterable_span,
            span,
        };
        let loop_at = self.code.len() - body_len;
        self.code.insert(loop_at, Instr::LoopStart(Box::new(start)));
        self.code.push(Instr::LoopNext { body_len, span });
        self.spans.push(span);
        match self.pending.last() {
            // The list comprehension is the list: its brackets make no list of their own.
            Some(Pending::List(_)) | Some(Pending::Paren(..)) => {
                let (Some(Pending::List(ListFrame { open, .. })) | Some(Pending::Paren(open, _))) =
                    self.pending.pop()
                else {
                    unreachable!("matched above")
                };
                self.open_brackets -= 1;
                self.spans.pop();
                self.spans.push(open.to(close));
                Ok(())
            }
            _ => self.close(close, true),
        }
    }

    /// What the comprehension starting at `element_start` makes: a list, or for a
    /// generator expression that is a call's only argument (bare or in its own
    /// parentheses), the running sum when the callee is `sum`.
    fn comprehension_kind(&mut self, element_start: usize, span: Span) -> Res<LoopKind> {
        let depth = self.pending.len();
        let frame_index = match self.pending.last() {
            Some(Pending::List(_)) => return Ok(LoopKind::List),
            Some(Pending::Call(_)) => Some(depth - 1),
            Some(Pending::Paren(..)) if depth >= 2 => Some(depth - 2),
            _ => None,
        };
        let code = &self.code;
        let frame = frame_index.and_then(|i| match &mut self.pending[i] {
            Pending::Call(frame)
                if frame.arg_start == element_start
                    && frame.len() == 0
                    && frame.keyword.is_none() =>
            {
                Some(frame)
            }
            _ => None,
        });
        let Some(frame) = frame else {
            return Err(Diag::new(
                span,
                "generator expressions are supported only as a call's only argument, as in sum(x for x in xs)",
            )
            .with_help("for a list, write a list comprehension: [x for x in xs]"));
        };
        let sums = frame.method.is_none()
            && matches!(
                code.get(frame.arg_start.wrapping_sub(1)),
                Some(Instr::Load("sum", _))
            );
        let kind = if sums { LoopKind::Sum } else { LoopKind::List };
        frame.generator = Some(kind);
        Ok(kind)
    }

    fn end_call(&mut self, frame: CallFrame<'s>, close: Span) {
        self.spans.truncate(self.spans.len() - frame.len() - 1);
        let span = frame.callee_span.to(close);
        self.spans.push(span);
        let first_argument = self.arguments.len();
        self.arguments
            .extend(self.waiting.drain(frame.first_waiting..));
        self.code.push(Instr::Call(self.calls.len()));
        self.calls.push(Call {
            method: frame.method,
            first_argument,
            positional: frame.positional,
            keywords: frame.keywords,
            callee_span: frame.callee_span,
            span,
            summed_generator: frame.generator == Some(LoopKind::Sum),
        });
    }

    /// The finished expression, at a token that cannot continue it. The builder is left
    /// empty, writing on into the spare lists if it has some.
    pub fn finish(&mut self) -> Expr<'s> {
        self.reduce_operators();
        debug_assert!(self.pending.is_empty() && self.spans.len() == 1);
        let span = self.spans.pop().expect("one value");
        let spare = self.spare.pop().unwrap_or(Expr {
            code: Vec::new(),
            calls: Vec::new(),
            arguments: Vec::new(),
            span,
        });
        Expr {
            code: std::mem::replace(&mut self.code, spare.code),
            calls: std::mem::replace(&mut self.calls, spare.calls),
            arguments: std::mem::replace(&mut self.arguments, spare.arguments),
            span,
        }
    }

    /// Keeps `statements` more emptied expressions than the default.
    pub fn keep_spares(&mut self, statements: usize) {
        self.extra_spares = statements;
    }

    /// Takes back the lists of an expression that is done with, emptied, for a later one
    /// (up to [`SPARE_LISTS`] and the extra ones).
    pub fn recycle(&mut self, mut expr: Expr<'s>) {
        if self.spare.len() < SPARE_LISTS + self.extra_spares {
            expr.code.clear();
            expr.calls.clear();
            expr.arguments.clear();
            self.spare.push(expr);
        }
    }

    /// Empty, for the next expression, after one that failed to parse.
    pub fn clear(&mut self) {
        self.code.clear();
        self.calls.clear();
        self.arguments.clear();
        self.waiting.clear();
        self.spans.clear();
        self.pending.clear();
        self.open_brackets = 0;
    }

    /// Applies every waiting operator down to the innermost bracket.
    fn reduce_operators(&mut self) {
        while matches!(
            self.pending.last(),
            Some(Pending::Unary(..) | Pending::Binary(..))
        ) {
            self.reduce_one();
        }
    }

    fn reduce_one(&mut self) {
        match self.pending.pop() {
            Some(Pending::Unary(op, op_span)) => {
                let operand = self.spans.pop().expect("a unary operand");
                let span = op_span.to(operand);
                self.spans.push(span);
                self.code.push(Instr::Unary(op, span));
            }
            Some(Pending::Binary(op, op_span)) => {
                let rhs_span = self.spans.pop().expect("a right operand");
                let lhs = self.spans.pop().expect("a left operand");
                self.spans.push(lhs.to(rhs_span));
                self.code.push(Instr::Binary {
                    op,
                    op_span,
                    rhs_span,
                });
            }
            _ => unreachable!("only operators are reduced"),
        }
    }
}
