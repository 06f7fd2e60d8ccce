//! The script parser: Python's statements as gradviz runs them, one at a time, with a clear
//! error for the Python it does not run (`while`, `def`, `if`, comparisons, dicts, …).
//! Expressions are read by the operator-precedence [`Builder`] into postfix code.
//!
//! A `for` loop is read whole, body included, before it runs. Its body is simple
//! statements after the `:` on the same line, or an indented block that may hold further
//! `for` loops; open loops are kept on an explicit stack, so nesting costs no call stack
//! (the lexer limits blocks to [`MAX_INDENTS`](super::lexer::MAX_INDENTS) deep, as CPython does).

use std::borrow::Cow;

use super::diagnostics::{Diag, Res, Span};
use super::expr::{BinOp, Builder, Expr, Instr, UnaryOp, SPARE_LISTS};
use super::fstring::{self, Part};
use super::lexer::{Lexer, Tok, Token};

/// A statement that does something. `import`, `from … import` and `pass` are consumed by
/// the parser and never reach the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stmt<'s> {
    /// `a = b = value`, targets left to right.
    Assign {
        targets: Vec<Target<'s>>,
        value: Expr<'s>,
    },
    /// `target op= value`.
    AugAssign {
        target: Target<'s>,
        op: BinOp,
        op_span: Span,
        value: Expr<'s>,
    },
    /// An expression evaluated for its effect (`o.backward()`, `draw_dot(o)`).
    Expr(Expr<'s>),
    /// `for targets in iterable:` and its body.
    For(Box<ForLoop<'s>>),
}

/// A `for` loop.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ForLoop<'s> {
    /// The loop's names: one, or several that unpack each item.
    pub targets: Vec<(&'s str, Span)>,
    pub iterable: Expr<'s>,
    pub body: Vec<Stmt<'s>>,
    /// The `for` keyword.
    pub span: Span,
}

/// A `for` loop whose body is being read.
struct OpenFor<'s> {
    for_loop: ForLoop<'s>,
    /// The body follows the `:` on the same line, rather than as an indented block.
    inline: bool,
}

/// What an assignment can bind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target<'s> {
    Name(&'s str, Span),
    Attribute {
        object: Expr<'s>,
        name: &'s str,
        name_span: Span,
    },
}

/// Python's binary operators that gradviz scripts do not have.
const UNSUPPORTED_OPERATORS: [&str; 14] = [
    "//", "%", "@", "<", ">", "<=", ">=", "==", "!=", "&", "|", "^", "<<", ">>",
];

/// Parses statements from a script, one at a time.
pub(crate) struct Parser<'s> {
    lexer: Lexer<'s>,
    current: Token<'s>,
    /// The operator just consumed, for "expected an expression after '+'".
    after_op: Option<&'static str>,
    statements: usize,
    /// The top-level module of each `import` and `from … import` read so far.
    imports: Vec<(&'s str, Span)>,
    /// The expression builder, kept between expressions for its room; out of its place
    /// (`None`) while an expression is being read with it.
    builder: Option<Builder<'s>>,
    /// The emptied target lists of assignments that have run, for the next ones.
    spare_targets: Vec<Vec<Target<'s>>>,
    /// How many of them are kept (see [`Parser::keep_spares`]).
    spares: usize,
}

impl<'s> Parser<'s> {
    pub fn new(src: &'s str) -> Res<Self> {
        let mut lexer = Lexer::new(src);
        let current = lexer.next_token()?;
        Ok(Parser {
            lexer,
            current,
            after_op: None,
            statements: 0,
            imports: Vec::new(),
            builder: Some(Builder::default()),
            spare_targets: Vec::new(),
            spares: SPARE_LISTS,
        })
    }

    /// How many statements have been read so far, the ignored ones included.
    pub fn statements_read(&self) -> usize {
        self.statements
    }

    /// The modules imported so far (`import a.b, c` gives `a` and `c`), which the subset
    /// ignores but which decide whether a script needs CPython.
    pub fn imports(&self) -> &[(&'s str, Span)] {
        &self.imports
    }

    /// Keeps the lists of `statements` more statements that have run than the default
    /// two: statements parsed ahead in blocks come back in blocks.
    pub fn keep_spares(&mut self, statements: usize) {
        self.spares = SPARE_LISTS + statements;
        self.builder().keep_spares(statements);
    }

    /// Takes back a statement that has run, so that the next one is written into its
    /// lists: a script of simple statements allocates none per statement.
    pub fn recycle(&mut self, statement: Stmt<'s>) {
        match statement {
            Stmt::Assign { mut targets, value } => {
                if self.spare_targets.len() < self.spares {
                    targets.clear();
                    self.spare_targets.push(targets);
                }
                self.builder().recycle(value);
            }
            Stmt::AugAssign { value, .. } | Stmt::Expr(value) => self.builder().recycle(value),
            Stmt::For(_) => {}
        }
    }

    /// The next statement to run, or `None` at the end of the script.
    pub fn next_statement(&mut self) -> Res<Option<Stmt<'s>>> {
        loop {
            match &self.current.tok {
                Tok::End => return Ok(None),
                Tok::Newline | Tok::Dedent => self.advance()?,
                Tok::Indent => return Err(self.unexpected_indent()),
                Tok::Name("for") => {
                    self.statements += 1;
                    return self.for_statement().map(Some);
                }
                _ => {
                    let statement = self.simple_statement()?;
                    self.end_statement()?;
                    if statement.is_some() {
                        return Ok(statement);
                    }
                }
            }
        }
    }

    /// One statement other than `for`; `None` for the ones that do nothing (`import`,
    /// `pass`).
    fn simple_statement(&mut self) -> Res<Option<Stmt<'s>>> {
        self.statements += 1;
        match self.current.tok {
            Tok::Name("import" | "from") => {
                self.skip_import()?;
                Ok(None)
            }
            Tok::Name("pass") => {
                self.advance()?;
                Ok(None)
            }
            _ => self.statement().map(Some),
        }
    }

    /// A `for` loop and everything in its body, nested loops included.
    fn for_statement(&mut self) -> Res<Stmt<'s>> {
        let mut open = vec![self.for_header()?];
        loop {
            let inline = open.last().expect("a loop is open").inline;
            let body_ends = match self.current.tok {
                Tok::End => true,
                Tok::Newline => inline,
                Tok::Dedent => !inline,
                _ => false,
            };
            if body_ends {
                if self.current.tok != Tok::End {
                    self.advance()?;
                }
                if !inline && self.current.tok == Tok::Name("else") {
                    return Err(Diag::new(
                        self.current.span,
                        "'for … else' is not supported in gradviz scripts",
                    )
                    .with_help(
                        "gradviz loops have no 'break', so write the 'else' body after the loop",
                    ));
                }
                let done = Stmt::For(Box::new(open.pop().expect("a loop is open").for_loop));
                match open.last_mut() {
                    Some(parent) => parent.for_loop.body.push(done),
                    None => return Ok(done),
                }
                continue;
            }
            match self.current.tok {
                Tok::Indent => return Err(self.unexpected_indent()),
                Tok::Name("for") if inline => {
                    return Err(Diag::new(
                        self.current.span,
                        "a 'for' loop cannot follow ':' on the same line",
                    )
                    .with_help("start the inner loop on its own, indented line"))
                }
                Tok::Name("for") => {
                    self.statements += 1;
                    open.push(self.for_header()?);
                }
                _ => {
                    let statement = self.simple_statement()?;
                    if inline {
                        self.end_inline_statement()?;
                    } else {
                        self.end_statement()?;
                    }
                    if let Some(statement) = statement {
                        let top = open.last_mut().expect("a loop is open");
                        top.for_loop.body.push(statement);
                    }
                }
            }
        }
    }

    /// `for targets in iterable:`, up to the first statement of the body.
    fn for_header(&mut self) -> Res<OpenFor<'s>> {
        let span = self.current.span;
        self.advance()?;
        let targets = self.loop_targets()?;
        let iterable = self.expression()?;
        if self.current.tok != Tok::Op(":") {
            return Err(Diag::new(
                self.current.span,
                format!(
                    "expected ':' after the 'for' line, found {}",
                    self.current.tok.describe()
                ),
            ));
        }
        self.advance()?;
        let inline = self.current.tok != Tok::Newline;
        if !inline {
            self.advance()?;
            if self.current.tok != Tok::Indent {
                return Err(Diag::new(
                    self.current.span,
                    "expected an indented block after the 'for' line",
                ));
            }
            self.advance()?;
        }
        let for_loop = ForLoop {
            targets,
            iterable,
            body: Vec::new(),
            span,
        };
        Ok(OpenFor { for_loop, inline })
    }

    /// `a` or `a, b` after `for`, and the `in` after them.
    fn loop_targets(&mut self) -> Res<Vec<(&'s str, Span)>> {
        let mut targets = Vec::new();
        loop {
            match self.current.tok {
                Tok::Name(name) if !is_keyword(name) => targets.push((name, self.current.span)),
                ref other => {
                    return Err(Diag::new(
                        self.current.span,
                        format!("expected a name to loop with, found {}", other.describe()),
                    )
                    .with_help("gradviz loops bind names: for x in xs, for a, b in zip(p, q)"))
                }
            }
            self.advance()?;
            match self.current.tok {
                Tok::Op(",") => self.advance()?,
                Tok::Name("in") => return self.advance().map(|()| targets),
                ref other => {
                    return Err(Diag::new(
                        self.current.span,
                        format!("expected 'in', found {}", other.describe()),
                    ))
                }
            }
        }
    }

    fn unexpected_indent(&self) -> Diag {
        Diag::new(self.current.span, "unexpected indent")
            .with_help("only the body of a 'for' loop is indented in gradviz scripts")
    }

    fn advance(&mut self) -> Res<()> {
        self.after_op = match self.current.tok {
            Tok::Op(op) => Some(op),
            _ => None,
        };
        self.current = self.lexer.next_token()?;
        Ok(())
    }

    /// Imports are accepted and ignored, so notebook cells paste cleanly; the modules they
    /// name are kept (see [`Parser::imports`]).
    fn skip_import(&mut self) -> Res<()> {
        let from = matches!(self.current.tok, Tok::Name("from"));
        let mut module_next = true;
        while !matches!(self.current.tok, Tok::Newline | Tok::End | Tok::Op(";")) {
            self.advance()?;
            match self.current.tok {
                Tok::Name(name) if module_next && name != "import" => {
                    self.imports.push((name, self.current.span));
                    module_next = false;
                }
                Tok::Op(".") if module_next => {
                    self.imports.push((".", self.current.span));
                    module_next = false;
                }
                Tok::Name("import") if from => break,
                Tok::Op(",") => module_next = true,
                _ => {}
            }
        }
        while !matches!(self.current.tok, Tok::Newline | Tok::End | Tok::Op(";")) {
            self.advance()?;
        }
        Ok(())
    }

    /// After a statement in a loop body on the `for` line: `;` and another statement, or
    /// the end of the line, which ends the body.
    fn end_inline_statement(&mut self) -> Res<()> {
        match self.current.tok {
            Tok::Op(";") => self.advance(),
            Tok::Newline | Tok::End => Ok(()),
            _ => self.end_statement(),
        }
    }

    fn end_statement(&mut self) -> Res<()> {
        match &self.current.tok {
            Tok::Newline | Tok::Op(";") => self.advance(),
            Tok::End => Ok(()),
            Tok::Name(word) if is_keyword(word) => Err(self.keyword_error(word)),
            other => Err(Diag::new(
                self.current.span,
                format!(
                    "expected an operator or the end of the statement, found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn statement(&mut self) -> Res<Stmt<'s>> {
        let first = self.expression()?;
        match self.current.tok {
            Tok::Op("=") => self.assignment(first),
            Tok::Op(op @ ("+=" | "-=" | "*=" | "/=" | "**=")) => {
                let op_span = self.current.span;
                let target = to_target(first, self.builder())?;
                self.advance()?;
                let value = self.expression()?;
                let op = BinOp::from_token(op.trim_end_matches('=')).expect("an arithmetic op");
                Ok(Stmt::AugAssign {
                    target,
                    op,
                    op_span,
                    value,
                })
            }
            Tok::Op(op @ ("//=" | "%=" | "@=" | "&=" | "|=" | "^=" | "<<=" | ">>=")) => {
                Err(Diag::new(
                    self.current.span,
                    format!("'{op}' is not supported in gradviz scripts"),
                ))
            }
            Tok::Op(",") => Err(Diag::new(
                self.current.span,
                "tuples are not supported in gradviz scripts",
            )
            .with_help("assign one value per statement")),
            Tok::Op(":") => Err(Diag::new(
                self.current.span,
                "type annotations are not supported in gradviz scripts",
            )),
            _ => Ok(Stmt::Expr(first)),
        }
    }

    fn assignment(&mut self, first: Expr<'s>) -> Res<Stmt<'s>> {
        let mut targets = self.spare_targets.pop().unwrap_or_default();
        targets.push(to_target(first, self.builder())?);
        loop {
            self.advance()?;
            let value = self.expression()?;
            if self.current.tok == Tok::Op("=") {
                targets.push(to_target(value, self.builder())?);
            } else {
                return Ok(Stmt::Assign { targets, value });
            }
        }
    }

    /// The expression builder, when no expression is being read.
    fn builder(&mut self) -> &mut Builder<'s> {
        self.builder.get_or_insert_with(Builder::default)
    }

    /// One expression, up to the first token that cannot continue it.
    fn expression(&mut self) -> Res<Expr<'s>> {
        // Taken out (not swapped for a new one), so that nothing is made or dropped per
        // expression.
        let mut builder = self.builder.take().unwrap_or_default();
        builder.clear();
        let expr = self.build(&mut builder)?;
        self.builder = Some(builder);
        Ok(expr)
    }

    fn build(&mut self, builder: &mut Builder<'s>) -> Res<Expr<'s>> {
        loop {
            self.operand(builder)?;
            while self.trailer(builder)? {}
            if !self.operator(builder)? {
                return Ok(builder.finish());
            }
        }
    }

    /// Signs and opening parentheses, then one atom.
    fn operand(&mut self, builder: &mut Builder<'s>) -> Res<()> {
        loop {
            let span = self.current.span;
            match &self.current.tok {
                Tok::Op("-") => builder.unary(UnaryOp::Neg, span),
                Tok::Op("+") => builder.unary(UnaryOp::Pos, span),
                Tok::Op("(") => builder.open_paren(span),
                Tok::Op("[") => builder.open_list(span),
                _ => return self.atom(builder),
            }
            self.advance()?;
        }
    }

    fn atom(&mut self, builder: &mut Builder<'s>) -> Res<()> {
        let span = self.current.span;
        let instr = match &self.current.tok {
            Tok::Int(n) => Instr::Int(*n),
            Tok::Float(x) => Instr::Float(*x),
            Tok::FStr(body) => return self.fstring(builder, *body, span),
            Tok::Str(_) => return self.strings(builder),
            Tok::Name("True") => Instr::Int(1),
            Tok::Name("False") => Instr::Int(0),
            Tok::Name(word) if is_keyword(word) => return Err(self.keyword_error(word)),
            Tok::Name(name) => Instr::Load(name, span),
            Tok::Op(")" | "]") if builder.at_argument_start() => {
                builder.close(span, false)?;
                return self.advance();
            }
            Tok::Op("*" | "**") if builder.at_argument_start() => {
                return Err(Diag::new(
                    span,
                    "argument unpacking is not supported in gradviz scripts",
                ))
            }
            Tok::Op("~") => {
                return Err(Diag::new(
                    span,
                    "the '~' operator is not supported in gradviz scripts",
                ))
            }
            Tok::Op("{") => {
                return Err(Diag::new(
                    span,
                    "dicts and sets are not supported in gradviz scripts",
                ))
            }
            other => return Err(self.expected_expression(other)),
        };
        builder.operand(instr, span);
        self.advance()
    }

    /// An f-string: each literal part a string, each field its expression's code and a
    /// `Format`, then one `Concat` of them all.
    fn fstring(&mut self, builder: &mut Builder<'s>, body: Span, span: Span) -> Res<()> {
        let source = self.lexer.source();
        let parts = fstring::parts(source, body)?;
        let count = parts.len();
        for part in parts {
            match part {
                Part::Text(text) => builder.push_code(Instr::Str(Cow::Owned(text))),
                Part::Field {
                    expression,
                    conversion,
                    spec,
                    span,
                } => {
                    builder.push_expr(Parser::field(source, expression)?);
                    builder.push_code(Instr::Format {
                        conversion,
                        spec,
                        span,
                    });
                }
            }
        }
        builder.push_code(Instr::Concat(count));
        builder.operand_done(span);
        self.advance()
    }

    /// The expression of an f-string's field, `source[expression]`.
    fn field(source: &'s str, expression: Span) -> Res<Expr<'s>> {
        let mut lexer = Lexer::within(source, expression.start, expression.end);
        let current = lexer.next_token()?;
        let mut parser = Parser {
            lexer,
            current,
            after_op: None,
            statements: 0,
            imports: Vec::new(),
            builder: Some(Builder::default()),
            spare_targets: Vec::new(),
            spares: SPARE_LISTS,
        };
        let expr = parser.expression()?;
        match &parser.current.tok {
            Tok::Newline | Tok::End => Ok(expr),
            other => Err(Diag::new(
                parser.current.span,
                format!("f-string: expected '}}', found {}", other.describe()),
            )),
        }
    }

    /// Adjacent string literals join, as in Python: `'x1' '*w1'`.
    fn strings(&mut self, builder: &mut Builder<'s>) -> Res<()> {
        let start = self.current.span;
        let mut end = start;
        let mut text = None;
        while let Tok::Str(part) = &mut self.current.tok {
            let part = std::mem::take(part);
            text = Some(match text {
                None => part,
                Some(joined) => joined + part,
            });
            end = self.current.span;
            self.advance()?;
        }
        builder.operand(Instr::Str(text.expect("called at a string")), start.to(end));
        Ok(())
    }

    /// Calls, attribute accesses and closing parentheses after an operand; false when
    /// there are none left.
    fn trailer(&mut self, builder: &mut Builder<'s>) -> Res<bool> {
        let span = self.current.span;
        match self.current.tok {
            Tok::Op(".") => {
                self.advance()?;
                let Tok::Name(name) = self.current.tok else {
                    return Err(Diag::new(
                        self.current.span,
                        format!(
                            "expected an attribute name after '.', found {}",
                            self.current.tok.describe()
                        ),
                    ));
                };
                let name_span = self.current.span;
                self.advance()?;
                if self.current.tok == Tok::Op("(") {
                    builder.open_call(Some((name, name_span)), self.current.span);
                    self.advance()?;
                    self.operand(builder)?;
                } else {
                    builder.attribute(name, name_span);
                }
            }
            Tok::Op("(") => {
                builder.open_call(None, span);
                self.advance()?;
                self.operand(builder)?;
            }
            Tok::Op(")" | "]") => {
                builder.close(span, true)?;
                self.advance()?;
            }
            Tok::Op("[") => {
                builder.open_subscript(span);
                self.advance()?;
                self.operand(builder)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A binary operator, `,` or keyword `=` after an operand: true if the expression
    /// goes on, false at a token that ends it.
    fn operator(&mut self, builder: &mut Builder<'s>) -> Res<bool> {
        let span = self.current.span;
        match &self.current.tok {
            Tok::Op(op) if BinOp::from_token(op).is_some() => {
                builder.binary(BinOp::from_token(op).expect("checked"), span);
            }
            Tok::Op(",") if builder.in_brackets() => builder.comma(span)?,
            Tok::Op("=") if builder.in_brackets() => builder.keyword(span)?,
            Tok::Name("for") if builder.in_brackets() => {
                self.advance()?;
                let targets = self.loop_targets()?;
                return builder.begin_comprehension(targets, span).map(|()| true);
            }
            Tok::Op(":") if builder.in_subscript() => {
                return Err(Diag::new(
                    span,
                    "slices are not supported in gradviz scripts",
                ))
            }
            Tok::Op(op) if UNSUPPORTED_OPERATORS.contains(op) => {
                return Err(Diag::new(
                    span,
                    format!("the '{op}' operator is not supported in gradviz scripts"),
                )
                .with_help("gradviz scripts have + - * / ** on numbers and Values"))
            }
            Tok::Name(word) if is_keyword(word) => return Err(self.keyword_error(word)),
            other if builder.in_brackets() => return Err(self.unclosed(builder, other)),
            _ => return Ok(false),
        }
        self.advance()?;
        Ok(true)
    }

    /// A token that cannot continue the expression inside brackets. On a later line than
    /// the bracket, the bracket was most likely never closed, as Python guesses too.
    fn unclosed(&self, builder: &Builder<'s>, found: &Tok<'_>) -> Diag {
        let open = builder.innermost_bracket().expect("inside brackets");
        let between = &self.lexer.source()[open.start..self.current.span.start];
        if between.contains(['\n', '\r']) {
            let bracket = &self.lexer.source()[open.start..open.end];
            return Diag::new(open, format!("'{bracket}' was never closed")).with_help(format!(
                "found {} on a later line, which cannot continue what the bracket opened",
                found.describe()
            ));
        }
        let close = match self.lexer.source().as_bytes()[open.start] {
            b'[' => ']',
            _ => ')',
        };
        Diag::new(
            self.current.span,
            format!("expected ',' or '{close}', found {}", found.describe()),
        )
    }

    fn expected_expression(&self, found: &Tok<'_>) -> Diag {
        let message = match self.after_op {
            Some(op) if op != ";" => format!("expected an expression after '{op}'"),
            _ => format!("expected an expression, found {}", found.describe()),
        };
        Diag::new(self.current.span, message)
    }

    fn keyword_error(&self, word: &str) -> Diag {
        let (message, help) = keyword_message(word);
        let diag = Diag::new(self.current.span, message);
        match help {
            Some(help) => diag.with_help(help),
            None => diag,
        }
    }
}

/// What `expr`, written before `=` or `op=`, assigns to. `builder` takes back the lists of
/// a bare name's expression.
fn to_target<'s>(mut expr: Expr<'s>, builder: &mut Builder<'s>) -> Res<Target<'s>> {
    match expr.code.last() {
        Some(&Instr::Load(name, span)) if expr.code.len() == 1 => {
            builder.recycle(expr);
            Ok(Target::Name(name, span))
        }
        Some(&Instr::GetAttr { name, name_span }) => {
            expr.code.pop();
            Ok(Target::Attribute {
                object: expr,
                name,
                name_span,
            })
        }
        Some(Instr::Call(_)) => Err(Diag::new(expr.span, "cannot assign to a function call")),
        Some(Instr::Int(_) | Instr::Float(_) | Instr::Str(_)) if expr.code.len() == 1 => {
            Err(Diag::new(expr.span, "cannot assign to a literal"))
        }
        _ => Err(Diag::new(expr.span, "cannot assign to an expression")),
    }
}

/// Whether `word` is one of Python's keywords.
fn is_keyword(word: &str) -> bool {
    // This runs for every name in the script, and most names fail the cheap test: whether
    // some keyword has the name's first letter and its length (a bit per length 0..=8 for
    // each letter from 'A'), which rejects `label`, `x` and `Value` without comparing texts.
    const KEYWORDS: [&str; 35] = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    const SHAPES: [u16; 64] = {
        let mut shapes = [0u16; 64];
        let mut i = 0;
        while i < KEYWORDS.len() {
            let keyword = KEYWORDS[i].as_bytes();
            shapes[(keyword[0] - b'A') as usize] |= 1 << keyword.len();
            i += 1;
        }
        shapes
    };
    let first = word.as_bytes().first().map_or(0, |b| b.wrapping_sub(b'A'));
    word.len() <= 8
        && first < 64
        && SHAPES[usize::from(first)] & (1 << word.len()) != 0
        && KEYWORDS.contains(&word)
}

/// The message (and help) for a Python keyword used where gradviz has no such construct.
fn keyword_message(word: &str) -> (String, Option<&'static str>) {
    let unrolled = Some("write each step out, or loop over a list with 'for'");
    match word {
        "while" => (
            "'while' loops are not supported in gradviz scripts".into(),
            unrolled,
        ),
        "if" | "elif" | "else" => (
            format!("'{word}' is not supported in gradviz scripts (there are no conditionals)"),
            None,
        ),
        "def" | "lambda" => (
            format!("'{word}': function definitions are not supported in gradviz scripts"),
            None,
        ),
        "class" => (
            "class definitions are not supported in gradviz scripts".into(),
            Some(
                "Value and draw_dot are built in; delete the class and keep the code that uses it",
            ),
        ),
        "None" => (
            format!("'{word}' is not supported in gradviz scripts"),
            Some("use numbers and Values"),
        ),
        _ => (
            format!("'{word}' is not supported in gradviz scripts"),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression's code read back as a fully parenthesized infix string; a
    /// comprehension's body is read once.
    fn shape(expr: &Expr<'_>) -> String {
        let mut stack: Vec<String> = Vec::new();
        let mut loops: Vec<String> = Vec::new();
        for instr in &expr.code {
            let text = match instr {
                Instr::Int(n) => n.to_string(),
                Instr::Float(x) => format!("{x:?}"),
                Instr::Str(s) => format!("{s:?}"),
                Instr::Load(name, _) => name.to_string(),
                Instr::Unary(op, _) => format!("({op:?} {})", stack.pop().unwrap()),
                Instr::Binary { op, .. } => {
                    let rhs = stack.pop().unwrap();
                    let lhs = stack.pop().unwrap();
                    format!("({lhs} {} {rhs})", op.symbol())
                }
                Instr::GetAttr { name, .. } => format!("{}.{name}", stack.pop().unwrap()),
                Instr::List { len, .. } => {
                    format!("[{}]", stack.split_off(stack.len() - len).join(","))
                }
                Instr::Index { .. } => {
                    let index = stack.pop().unwrap();
                    format!("{}[{index}]", stack.pop().unwrap())
                }
                Instr::LoopStart(start) => {
                    let names: Vec<&str> = start.targets.iter().map(|t| t.0).collect();
                    let head = format!(
                        "{:?} {} in {}",
                        start.kind,
                        names.join(","),
                        stack.pop().unwrap()
                    );
                    loops.push(head);
                    continue;
                }
                Instr::LoopNext { .. } => {
                    format!("<{} for {}>", stack.pop().unwrap(), loops.pop().unwrap())
                }
                Instr::Format { spec, .. } => format!("{{{}:{spec}}}", stack.pop().unwrap()),
                Instr::Concat(n) => format!("f[{}]", stack.split_off(stack.len() - n).join(",")),
                Instr::Call(index) => {
                    let call = &expr.calls[*index];
                    let n = call.len();
                    let args = stack.split_off(stack.len() - n).join(",");
                    let callee = stack.pop().unwrap();
                    match call.method {
                        Some((name, _)) => format!("{callee}.{name}[{args}]"),
                        None => format!("{callee}[{args}]"),
                    }
                }
            };
            stack.push(text);
        }
        assert_eq!(stack.len(), 1, "{:?}", expr.code);
        stack.pop().unwrap()
    }

    fn parse_one(src: &str) -> Stmt<'_> {
        let mut parser = Parser::new(src).expect("lexes");
        parser
            .next_statement()
            .expect("parses")
            .expect("a statement")
    }

    fn expr_shape(src: &str) -> String {
        match parse_one(src) {
            Stmt::Expr(e) => shape(&e),
            other => panic!("not an expression: {other:?}"),
        }
    }

    #[test]
    fn precedence_and_associativity_are_pythons() {
        assert_eq!(expr_shape("-x**2"), "(Neg (x ** 2))");
        assert_eq!(expr_shape("2**-1"), "(2 ** (Neg 1))");
        assert_eq!(expr_shape("a**b**c"), "(a ** (b ** c))");
        assert_eq!(expr_shape("a**-b**c"), "(a ** (Neg (b ** c)))");
        assert_eq!(expr_shape("2**-1*3"), "((2 ** (Neg 1)) * 3)");
        assert_eq!(expr_shape("a - b - c"), "((a - b) - c)");
        assert_eq!(expr_shape("a + b * c / d"), "(a + ((b * c) / d))");
        assert_eq!(expr_shape("-a * b"), "((Neg a) * b)");
        assert_eq!(expr_shape("- -a"), "(Neg (Neg a))");
        assert_eq!(expr_shape("-x.tanh()"), "(Neg x.tanh[])");
        assert_eq!(expr_shape("(a + b).relu()"), "(a + b).relu[]");
        assert_eq!(expr_shape("x1*w1 + x2*w2"), "((x1 * w1) + (x2 * w2))");
        assert_eq!(expr_shape("(a)*((b))"), "(a * b)");
    }

    #[test]
    fn calls_take_positional_and_keyword_arguments() {
        assert_eq!(expr_shape("Value(2.0, label='x' 'y')"), "Value[2.0,\"xy\"]");
        assert_eq!(expr_shape("f()"), "f[]");
        assert_eq!(expr_shape("f(a,)"), "f[a]");
        assert_eq!(expr_shape("f(g(a), -b)(c)"), "f[g[a],(Neg b)][c]");
        assert_eq!(expr_shape("a.b.c(d).e"), "a.b.c[d].e");
        let Stmt::Expr(e) = parse_one("Value(1, label='x')") else {
            panic!()
        };
        let Some(&Instr::Call(index)) = e.code.last() else {
            panic!()
        };
        let call = &e.calls[index];
        assert_eq!((call.positional, call.keywords), (1, 1));
        assert_eq!(e.arguments(call)[1].keyword.map(|k| k.0), Some("label"));
    }

    #[test]
    fn lists_indexing_and_comprehensions() {
        assert_eq!(expr_shape("[1, [a, b[0]], []]"), "[1,[a,b[0]],[]]");
        assert_eq!(expr_shape("[a,]"), "[a]");
        assert_eq!(expr_shape("xs[-1][i + 1]"), "xs[(Neg 1)][(i + 1)]");
        assert_eq!(expr_shape("[n(x) for x in xs]"), "<n[x] for List x in xs>");
        assert_eq!(
            expr_shape("sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))"),
            "sum[<((yout - ygt) ** 2) for Sum ygt,yout in zip[ys,ypred]>]"
        );
        assert_eq!(
            expr_shape("sum((x for x in xs))"),
            "sum[<x for Sum x in xs>]"
        );
        assert_eq!(
            expr_shape("len(x for x in xs)"),
            "len[<x for List x in xs>]"
        );
        assert_eq!(
            expr_shape("[[w * x for w in ws] for x in xs]"),
            "<<(w * x) for List w in ws> for List x in xs>"
        );
    }

    #[test]
    fn for_loops_nest_in_blocks_and_inline() {
        let source = "for a in xs:\n    for b in a: c = b; d = c\n    e = a\nf = 1\n";
        let mut parser = Parser::new(source).unwrap();
        let Some(Stmt::For(outer)) = parser.next_statement().unwrap() else {
            panic!("a for loop")
        };
        assert_eq!(outer.body.len(), 2);
        let Stmt::For(inner) = &outer.body[0] else {
            panic!("a nested loop")
        };
        assert_eq!(inner.body.len(), 2);
        assert!(matches!(
            parser.next_statement().unwrap(),
            Some(Stmt::Assign { .. })
        ));
        assert_eq!(parser.next_statement().unwrap(), None);
    }

    #[test]
    fn chained_and_augmented_assignments() {
        let Stmt::Assign { targets, .. } = parse_one("a = b.label = 1") else {
            panic!()
        };
        assert_eq!(targets.len(), 2);
        assert!(matches!(
            targets[1],
            Target::Attribute { name: "label", .. }
        ));
        assert!(matches!(
            parse_one("c += c + 1"),
            Stmt::AugAssign { op: BinOp::Add, .. }
        ));
    }

    #[test]
    fn keywords_are_pythons_and_nothing_else() {
        let keywords = "False None True and as assert async await break class continue def \
                        del elif else except finally for from global if import in is lambda \
                        nonlocal not or pass raise return try while with yield";
        for word in keywords.split_whitespace() {
            assert!(is_keyword(word), "{word}");
        }
        for word in [
            "x", "Value", "label", "data", "f", "iff", "Fals", "yielded", "_if",
        ] {
            assert!(!is_keyword(word), "{word}");
        }
    }

    #[test]
    fn very_long_and_deep_expressions_parse_without_recursion() {
        let sum = format!("x = {}", vec!["1"; 100_000].join(" + "));
        assert!(Parser::new(&sum).unwrap().next_statement().is_ok());
        let signs = format!("x = {}1", "-".repeat(100_000));
        assert!(Parser::new(&signs).unwrap().next_statement().is_ok());
        let powers = format!("x = 1{}", " ** 1".repeat(100_000));
        assert!(Parser::new(&powers).unwrap().next_statement().is_ok());
    }
}
