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
//! `2**-1` is `2**(-1)`); calls and attribute access bind tightest.

use std::borrow::Cow;

use super::diagnostics::{Diag, Res, Span};

/// A compiled expression and the source it covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr<'s> {
    pub code: Vec<Instr<'s>>,
    pub span: Span,
}

/// One step of an expression's postfix code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Instr<'s> {
    Int(i128),
    Float(f64),
    Str(Cow<'s, str>),
    /// An f-string: kept so `print(f'…')` lines paste cleanly, never interpolated.
    FString,
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
    /// Call the callee (or the method of the object) below the arguments.
    Call(Box<Call<'s>>),
}

/// A call's shape; its callee or object and argument values are on the stack.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call<'s> {
    /// `Some((name, span))` for `object.name(…)`.
    pub method: Option<(&'s str, Span)>,
    /// The span of each positional argument.
    pub args: Vec<Span>,
    /// Each keyword argument's name, the name's span and the value's span.
    pub keywords: Vec<(&'s str, Span, Span)>,
    /// The callee's (or object's) span.
    pub callee_span: Span,
    /// The whole call.
    pub span: Span,
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

/// Unary signs sit between `* /` and `**`.
const UNARY_PRECEDENCE: u8 = 3;

/// An operator or bracket waiting for its operands.
enum Pending<'s> {
    Unary(UnaryOp, Span),
    Binary(BinOp, Span),
    Paren(Span),
    Call(CallFrame<'s>),
}

/// A call whose arguments are being read.
struct CallFrame<'s> {
    method: Option<(&'s str, Span)>,
    callee_span: Span,
    open: Span,
    args: Vec<Span>,
    keywords: Vec<(&'s str, Span, Span)>,
    /// `name=` read for the argument in progress.
    keyword: Option<(&'s str, Span)>,
    /// The code length when the argument in progress began.
    arg_start: usize,
}

/// Builds one expression's code from operands and operators fed in source order.
pub(crate) struct Builder<'s> {
    code: Vec<Instr<'s>>,
    /// The span of each value the code leaves on the stack so far.
    spans: Vec<Span>,
    pending: Vec<Pending<'s>>,
    /// How many of `pending` are open brackets.
    open_brackets: usize,
}

impl<'s> Builder<'s> {
    pub fn new() -> Self {
        Builder {
            code: Vec::with_capacity(16),
            spans: Vec::with_capacity(8),
            pending: Vec::with_capacity(8),
            open_brackets: 0,
        }
    }

    /// Where the innermost open bracket is, if any.
    pub fn innermost_bracket(&self) -> Option<Span> {
        self.pending.iter().rev().find_map(|p| match p {
            Pending::Paren(open) => Some(*open),
            Pending::Call(frame) => Some(frame.open),
            _ => None,
        })
    }

    /// Inside brackets, where `,` and `=` do not end the expression.
    pub fn in_brackets(&self) -> bool {
        self.open_brackets > 0
    }

    pub fn operand(&mut self, instr: Instr<'s>, span: Span) {
        self.code.push(instr);
        self.spans.push(span);
    }

    pub fn unary(&mut self, op: UnaryOp, span: Span) {
        self.pending.push(Pending::Unary(op, span));
    }

    pub fn open_paren(&mut self, span: Span) {
        self.open_brackets += 1;
        self.pending.push(Pending::Paren(span));
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
            args: Vec::new(),
            keywords: Vec::new(),
            keyword: None,
            arg_start: self.code.len(),
        }));
    }

    /// The innermost call, when no operator is waiting above it.
    fn open_frame(&mut self) -> Option<&mut CallFrame<'s>> {
        match self.pending.last_mut() {
            Some(Pending::Call(frame)) => Some(frame),
            _ => None,
        }
    }

    /// At an argument's start, where `)` may close the call (`f()`, `f(a,)`).
    pub fn at_argument_start(&mut self) -> bool {
        let code_len = self.code.len();
        self.open_frame()
            .is_some_and(|frame| frame.keyword.is_none() && frame.arg_start == code_len)
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
        let frame = self.open_frame().expect("matched above");
        if frame.keywords.iter().any(|k| k.0 == name.0) {
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

    /// `,` after an operand: the end of an argument.
    pub fn comma(&mut self, span: Span) -> Res<()> {
        self.reduce_operators();
        if self.open_frame().is_none() {
            return Err(
                Diag::new(span, "tuples are not supported in gradviz scripts")
                    .with_help("assign one value per statement"),
            );
        }
        self.finish_argument()
    }

    fn finish_argument(&mut self) -> Res<()> {
        let value = *self.spans.last().expect("an argument was read");
        let code_len = self.code.len();
        let frame = self.open_frame().expect("inside a call");
        match frame.keyword.take() {
            Some((name, name_span)) => frame.keywords.push((name, name_span, value)),
            None if !frame.keywords.is_empty() => {
                return Err(Diag::new(
                    value,
                    "positional argument follows keyword argument",
                ))
            }
            None => frame.args.push(value),
        }
        frame.arg_start = code_len;
        Ok(())
    }

    /// `)` after an operand, or at an argument's start.
    pub fn close(&mut self, close: Span, after_operand: bool) -> Res<()> {
        self.reduce_operators();
        self.open_brackets -= 1;
        match self.pending.pop() {
            Some(Pending::Paren(open)) => {
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
            _ => unreachable!("the lexer matches every ')' with a '('"),
        }
    }

    fn end_call(&mut self, frame: CallFrame<'s>, close: Span) {
        let values = frame.args.len() + frame.keywords.len();
        self.spans.truncate(self.spans.len() - values - 1);
        let span = frame.callee_span.to(close);
        self.spans.push(span);
        self.code.push(Instr::Call(Box::new(Call {
            method: frame.method,
            args: frame.args,
            keywords: frame.keywords,
            callee_span: frame.callee_span,
            span,
        })));
    }

    /// The finished expression, at a token that cannot continue it.
    pub fn finish(mut self) -> Expr<'s> {
        self.reduce_operators();
        debug_assert!(self.pending.is_empty() && self.spans.len() == 1);
        let span = self.spans.pop().expect("one value");
        Expr {
            code: self.code,
            span,
        }
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
