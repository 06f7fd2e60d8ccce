//! The script lexer: Python's tokens with byte spans, produced one at a time so a
//! million-line script never sits in memory as a token list.
//!
//! It follows Python's line rules: a newline ends a statement except inside brackets or
//! after a backslash; blank and comment-only lines vanish; a line indented deeper than the
//! one before opens a block ([`Tok::Indent`]) and a shallower one closes blocks
//! ([`Tok::Dedent`]), with Python's checks for dedents that match no open block and for
//! tabs and spaces mixed inconsistently. Only a `for` loop's body may be a block; the
//! parser refuses an indent anywhere else.

use std::borrow::Cow;

use super::diagnostics::{Diag, Res, Span};

/// How deep brackets may nest: CPython's tokenizer stops at the same 200.
pub const MAX_BRACKETS: usize = 200;

/// How deep blocks may nest: CPython's tokenizer stops at the same 100.
pub const MAX_INDENTS: usize = 100;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'s> {
    Name(&'s str),
    Int(i128),
    Float(f64),
    Str(Cow<'s, str>),
    /// An f-string: where its text between the quotes lies in the source, which the
    /// parser reads for literal parts and replacement fields.
    FStr(Span),
    /// An operator or delimiter, spelled as in the source (`+`, `**=`, `(`, `;`).
    Op(&'static str),
    /// The end of a logical line.
    Newline,
    /// A line indented deeper than the block it is in.
    Indent,
    /// The end of a block, before the first token of the shallower line after it.
    Dedent,
    /// The end of the source.
    End,
}

impl Tok<'_> {
    /// How the token reads in a message: `'+'`, `name 'b'`, `the end of the line`.
    pub fn describe(&self) -> String {
        match self {
            Tok::Name(name) => format!("name '{name}'"),
            Tok::Int(_) | Tok::Float(_) => "a number".into(),
            Tok::Str(_) | Tok::FStr(_) => "a string".into(),
            Tok::Op(op) => format!("'{op}'"),
            Tok::Newline => "the end of the line".into(),
            Tok::Indent => "an indented line".into(),
            Tok::Dedent => "the end of an indented block".into(),
            Tok::End => "the end of the script".into(),
        }
    }
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'s> {
    pub tok: Tok<'s>,
    pub span: Span,
}

/// The Python operator or delimiter at the start of `rest`, the longest that matches (`**=`
/// over `**` and `*`), read byte by byte.
fn operator_at(rest: &[u8]) -> Option<&'static str> {
    let second = rest.get(1).copied();
    let third = rest.get(2).copied();
    // `**`, `//`, `>>`, `<<` and each of them followed by `=`.
    let doubled = |one: &'static str, two: &'static str, two_eq: &'static str, one_eq| match (
        second, third,
    ) {
        (Some(b), Some(b'=')) if b == rest[0] => two_eq,
        (Some(b), _) if b == rest[0] => two,
        (Some(b'='), _) => one_eq,
        _ => one,
    };
    let with_eq = |one: &'static str, one_eq: &'static str| match second {
        Some(b'=') => one_eq,
        _ => one,
    };
    Some(match rest.first()? {
        b'(' => "(",
        b')' => ")",
        b'[' => "[",
        b']' => "]",
        b'{' => "{",
        b'}' => "}",
        b',' => ",",
        b';' => ";",
        b'~' => "~",
        b'*' => doubled("*", "**", "**=", "*="),
        b'/' => doubled("/", "//", "//=", "/="),
        b'>' => doubled(">", ">>", ">>=", ">="),
        b'<' => doubled("<", "<<", "<<=", "<="),
        b'.' if second == Some(b'.') && third == Some(b'.') => "...",
        b'.' => ".",
        b'-' if second == Some(b'>') => "->",
        b'-' => with_eq("-", "-="),
        b':' => with_eq(":", ":="),
        b'+' => with_eq("+", "+="),
        b'%' => with_eq("%", "%="),
        b'@' => with_eq("@", "@="),
        b'&' => with_eq("&", "&="),
        b'|' => with_eq("|", "|="),
        b'^' => with_eq("^", "^="),
        b'=' => with_eq("=", "=="),
        b'!' => with_eq("!", "!="),
        _ => return None,
    })
}

/// Produces the tokens of a script on demand.
pub(crate) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    /// Open brackets and where they opened, innermost last.
    brackets: Vec<(char, Span)>,
    at_line_start: bool,
    line_has_tokens: bool,
    /// The open blocks' indentation, innermost last: the width with tabs to the next
    /// multiple of 8, and with tabs as 1, which must order lines the same way.
    indents: Vec<(usize, usize)>,
    /// Blocks closed by the current line whose Dedent tokens are still to come.
    pending_dedents: usize,
}

impl<'s> Lexer<'s> {
    pub fn new(src: &'s str) -> Self {
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            src,
            pos,
            brackets: Vec::new(),
            at_line_start: true,
            line_has_tokens: false,
            indents: Vec::new(),
            pending_dedents: 0,
        }
    }

    /// A lexer for the expression of an f-string's replacement field, `source[start..end]`:
    /// its tokens carry spans into the whole source.
    pub fn within(source: &'s str, start: usize, end: usize) -> Self {
        Lexer {
            src: &source[..end],
            pos: start,
            at_line_start: false,
            ..Lexer::new("")
        }
    }

    /// The whole source being lexed.
    pub fn source(&self) -> &'s str {
        self.src
    }

    /// The next token; after [`Tok::End`] it keeps returning `End`.
    pub fn next_token(&mut self) -> Res<Token<'s>> {
        if self.pending_dedents > 0 {
            self.pending_dedents -= 1;
            return Ok(self.token(Tok::Dedent, self.pos));
        }
        loop {
            if self.at_line_start && self.brackets.is_empty() {
                if let Some(token) = self.indentation()? {
                    return Ok(token);
                }
            }
            self.skip_spaces_and_comment();
            let start = self.pos;
            let Some(&byte) = self.src.as_bytes().get(start) else {
                return self.end_of_source();
            };
            match byte {
                b'\n' | b'\r' => {
                    self.eat_line_break();
                    if self.brackets.is_empty() {
                        self.at_line_start = true;
                        if std::mem::take(&mut self.line_has_tokens) {
                            return Ok(self.token(Tok::Newline, start));
                        }
                    }
                }
                b'\\' => self.line_continuation()?,
                _ => {
                    self.line_has_tokens = true;
                    return self.lex_token(byte);
                }
            }
        }
    }

    fn peek(&self) -> Option<char> {
        match self.src.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            Some(_) => self.src[self.pos..].chars().next(),
            None => None,
        }
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(ahead)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn token(&self, tok: Tok<'s>, start: usize) -> Token<'s> {
        Token {
            tok,
            span: Span::new(start, self.pos.max(start + 1)),
        }
    }

    fn here(&self) -> Span {
        Span::new(self.pos, self.pos + self.peek().map_or(1, char::len_utf8))
    }

    fn eat_line_break(&mut self) {
        if self.src[self.pos..].starts_with("\r\n") {
            self.pos += 2;
        } else {
            self.pos += 1;
        }
    }

    fn end_of_source(&mut self) -> Res<Token<'s>> {
        if let Some(&(open, span)) = self.brackets.last() {
            return Err(Diag::new(span, format!("'{open}' was never closed")));
        }
        let tok = if std::mem::take(&mut self.line_has_tokens) {
            Tok::Newline
        } else if self.indents.pop().is_some() {
            Tok::Dedent
        } else {
            Tok::End
        };
        Ok(Token {
            tok,
            span: Span::new(self.src.len(), self.src.len() + 1),
        })
    }

    /// At the start of a line outside brackets: blank and comment lines may be indented
    /// anyhow; a statement's indentation opens or closes blocks.
    fn indentation(&mut self) -> Res<Option<Token<'s>>> {
        let indent_start = self.pos;
        let (mut width, mut tabs_as_one) = (0usize, 0usize);
        while let Some(c @ (' ' | '\t' | '\x0c')) = self.peek() {
            match c {
                ' ' => (width, tabs_as_one) = (width + 1, tabs_as_one + 1),
                '\t' => (width, tabs_as_one) = ((width / 8 + 1) * 8, tabs_as_one + 1),
                // A form feed resets the count, as in CPython.
                _ => (width, tabs_as_one) = (0, 0),
            }
            self.pos += 1;
        }
        if matches!(self.peek(), None | Some('\n' | '\r' | '#')) {
            return Ok(None);
        }
        self.at_line_start = false;
        let span = Span::new(indent_start, self.pos.max(indent_start + 1));
        let (block, block_tabs_as_one) = self.indents.last().copied().unwrap_or((0, 0));
        let inconsistent = || {
            Diag::new(span, "inconsistent use of tabs and spaces in indentation")
                .with_help("indent with spaces only, as PEP 8 asks")
        };
        if width > block {
            if tabs_as_one <= block_tabs_as_one {
                return Err(inconsistent());
            }
            if self.indents.len() >= MAX_INDENTS {
                return Err(Diag::new(
                    span,
                    format!(
                        "too many levels of indentation (the limit is {MAX_INDENTS}, as in Python)"
                    ),
                ));
            }
            self.indents.push((width, tabs_as_one));
            return Ok(Some(Token {
                tok: Tok::Indent,
                span,
            }));
        }
        let open = self.indents.len();
        while self.indents.last().is_some_and(|&(w, _)| w > width) {
            self.indents.pop();
        }
        let (now, now_tabs_as_one) = self.indents.last().copied().unwrap_or((0, 0));
        if now != width {
            return Err(Diag::new(
                span,
                "unindent does not match any outer indentation level",
            ));
        }
        if now_tabs_as_one != tabs_as_one {
            return Err(inconsistent());
        }
        let closed = open - self.indents.len();
        if closed == 0 {
            return Ok(None);
        }
        self.pending_dedents = closed - 1;
        Ok(Some(self.token(Tok::Dedent, self.pos)))
    }

    fn skip_spaces_and_comment(&mut self) {
        let bytes = self.src.as_bytes();
        while matches!(bytes.get(self.pos), Some(b' ' | b'\t' | b'\x0c')) {
            self.pos += 1;
        }
        if bytes.get(self.pos) == Some(&b'#') {
            let rest = &self.src[self.pos..];
            self.pos += rest.find(['\n', '\r']).unwrap_or(rest.len());
        }
    }

    fn line_continuation(&mut self) -> Res<()> {
        let backslash = self.here();
        self.pos += 1;
        match self.peek() {
            Some('\n' | '\r') => {
                self.eat_line_break();
                Ok(())
            }
            None => Err(Diag::new(
                backslash,
                "unexpected end of the script after a line continuation '\\'",
            )),
            Some(_) => Err(Diag::new(
                backslash,
                "unexpected character after line continuation character",
            )),
        }
    }

    /// The token that starts with `byte` (a character's first byte).
    fn lex_token(&mut self, byte: u8) -> Res<Token<'s>> {
        let next_is_digit = || {
            self.src
                .as_bytes()
                .get(self.pos + 1)
                .is_some_and(u8::is_ascii_digit)
        };
        match byte {
            b'0'..=b'9' => self.number(),
            b'.' if next_is_digit() => self.number(),
            b'\'' | b'"' => self.string(self.pos, false),
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => self.name_or_prefixed_string(),
            _ if byte.is_ascii() => self.operator(char::from(byte)),
            _ => {
                let c = self.peek().expect("a character starts here");
                if is_name_start(c) {
                    self.name_or_prefixed_string()
                } else {
                    self.operator(c)
                }
            }
        }
    }

    fn name_or_prefixed_string(&mut self) -> Res<Token<'s>> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        // Scanned with a local index and a table: every name in the script comes here.
        let ascii_len = bytes[start..]
            .iter()
            .position(|&b| !ASCII_NAME_BYTES[usize::from(b)])
            .unwrap_or(bytes.len() - start);
        self.pos = start + ascii_len;
        // A name with letters beyond ASCII goes on a character at a time.
        if bytes.get(self.pos).is_some_and(|b| !b.is_ascii()) {
            while self.peek().is_some_and(is_name_continue) {
                self.bump();
            }
        }
        let name = &self.src[start..self.pos];
        if matches!(bytes.get(self.pos), Some(b'\'' | b'"')) {
            let prefix = name.to_ascii_lowercase();
            match prefix.as_str() {
                "r" => return self.string(start, true),
                "u" => return self.string(start, false),
                "f" | "rf" | "fr" => {
                    let quotes = if self.closes_triple_at(self.pos) {
                        3
                    } else {
                        1
                    };
                    let mut token = self.string(start, true)?;
                    token.tok = Tok::FStr(Span::new(
                        start + name.len() + quotes,
                        token.span.end - quotes,
                    ));
                    return Ok(token);
                }
                "b" | "rb" | "br" => {
                    return Err(Diag::new(
                        Span::new(start, self.pos + 1),
                        "bytes literals are not supported in gradviz scripts",
                    ))
                }
                _ => {}
            }
        }
        Ok(self.token(Tok::Name(name), start))
    }

    fn operator(&mut self, c: char) -> Res<Token<'s>> {
        let start = self.pos;
        let Some(op) = operator_at(&self.src.as_bytes()[start..]) else {
            return Err(Diag::new(
                self.here(),
                format!("invalid character '{c}' (U+{:04X})", u32::from(c)),
            ));
        };
        self.pos += op.len();
        let span = Span::new(start, self.pos);
        if op.len() == 1 {
            match op.as_bytes()[0] {
                b'(' | b'[' | b'{' => self.open_bracket(c, span)?,
                b')' | b']' | b'}' => self.close_bracket(c, span)?,
                b'!' => return Err(Diag::new(span, "invalid syntax: '!' on its own")),
                _ => {}
            }
        }
        Ok(Token {
            tok: Tok::Op(op),
            span,
        })
    }

    fn open_bracket(&mut self, open: char, span: Span) -> Res<()> {
        if self.brackets.len() >= MAX_BRACKETS {
            return Err(Diag::new(
                span,
                format!("too many nested parentheses (the limit is {MAX_BRACKETS}, as in Python)"),
            ));
        }
        self.brackets.push((open, span));
        Ok(())
    }

    fn close_bracket(&mut self, close: char, span: Span) -> Res<()> {
        let Some((open, _)) = self.brackets.pop() else {
            return Err(Diag::new(span, format!("unmatched '{close}'")));
        };
        let expected = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        if close != expected {
            return Err(Diag::new(
                span,
                format!("closing '{close}' does not match opening '{open}'"),
            ));
        }
        Ok(())
    }

    fn number(&mut self) -> Res<Token<'s>> {
        if let Some(token) = self.plain_number() {
            return Ok(token);
        }
        let start = self.pos;
        let radix = match self.src[start..].get(..2) {
            Some("0x" | "0X") => 16,
            Some("0o" | "0O") => 8,
            Some("0b" | "0B") => 2,
            _ => 10,
        };
        let tok = if radix == 10 {
            self.decimal_number(start)?
        } else {
            self.pos += 2;
            self.digits(radix, start)?;
            let digits = without_underscores(&self.src[start + 2..self.pos]);
            Tok::Int(parse_int(&digits, radix, Span::new(start, self.pos))?)
        };
        if let Some(c) = self.peek() {
            if c == 'j' || c == 'J' {
                return Err(Diag::new(
                    Span::new(start, self.pos + 1),
                    "complex numbers are not supported in gradviz scripts",
                ));
            }
            if is_name_continue(c) {
                return Err(Diag::new(
                    Span::new(start, self.pos + c.len_utf8()),
                    "invalid number literal",
                ));
            }
        }
        Ok(self.token(tok, start))
    }

    /// A number of plain decimal digits, with at most one point, that nothing a name or a
    /// longer literal could be made of follows (`0.999`, `12`, `3.`): read from its bytes
    /// at once, as the general path would read it. `None`, with nothing consumed, for any
    /// other literal (underscores, exponents, other bases, leading zeros, numbers too long
    /// for the fast ways), which the general path reads.
    fn plain_number(&mut self) -> Option<Token<'s>> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let digits_from = |at: usize| {
            at + bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let whole_end = digits_from(start);
        let (end, is_float) = match bytes.get(whole_end) {
            Some(b'.') => (digits_from(whole_end + 1), true),
            _ => (whole_end, false),
        };
        if end == start + usize::from(is_float) {
            return None;
        }
        // What may follow: not a name's character (nor a non-ASCII one), a point or an
        // underscore, which would make another literal or an error for the general path.
        if bytes
            .get(end)
            .is_some_and(|&b| b == b'_' || b == b'.' || !b.is_ascii() || b.is_ascii_alphanumeric())
        {
            return None;
        }
        let text = &self.src[start..end];
        let tok = if is_float {
            Tok::Float(exact_decimal(text)?)
        } else {
            if text.len() > 18 || (text.len() > 1 && text.starts_with('0')) {
                return None;
            }
            Tok::Int(i128::from(text.parse::<u64>().ok()?))
        };
        self.pos = end;
        Some(self.token(tok, start))
    }

    fn decimal_number(&mut self, start: usize) -> Res<Tok<'s>> {
        let mut is_float = false;
        if self.peek() != Some('.') {
            self.digits(10, start)?;
        }
        if self.peek() == Some('.') {
            is_float = true;
            self.pos += 1;
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.digits(10, start)?;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek_at(1), Some('+' | '-')));
            if self.peek_at(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                self.pos += 1 + sign;
                self.digits(10, start)?;
            }
        }
        let text = without_underscores(&self.src[start..self.pos]);
        let span = Span::new(start, self.pos);
        if is_float {
            if let Some(x) = exact_decimal(&text) {
                return Ok(Tok::Float(x));
            }
            return text
                .parse()
                .map(Tok::Float)
                .map_err(|_| Diag::new(span, "invalid number literal"));
        }
        if text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
            return Err(Diag::new(
                span,
                "leading zeros in decimal integer literals are not permitted",
            )
            .with_help("write 7 rather than 07 (Python reads 0o7 as octal)"));
        }
        parse_int(&text, 10, span).map(Tok::Int)
    }

    /// Digits of `radix`, with single underscores between them as Python allows.
    fn digits(&mut self, radix: u32, start: usize) -> Res<()> {
        let bytes = self.src.as_bytes();
        let is_digit = |at: usize| {
            bytes
                .get(at)
                .is_some_and(|&b| char::from(b).is_digit(radix))
        };
        let mut count = 0;
        loop {
            if is_digit(self.pos) {
                self.pos += 1;
                count += 1;
            } else if count > 0 && bytes.get(self.pos) == Some(&b'_') && is_digit(self.pos + 1) {
                self.pos += 1;
            } else {
                break;
            }
        }
        if count == 0 {
            return Err(Diag::new(
                Span::new(start, self.pos + 1),
                "invalid number literal",
            ));
        }
        Ok(())
    }

    /// A string literal whose prefix starts at `start` and whose quote is at `self.pos`.
    fn string(&mut self, start: usize, raw: bool) -> Res<Token<'s>> {
        let quote = char::from(self.src.as_bytes()[self.pos]);
        self.pos += 1;
        let triple = self.closes_triple(quote);
        if triple {
            self.pos += 2;
        }
        let body_start = self.pos;
        if !triple {
            if let Some(token) = self.plain_string(start, quote) {
                return Ok(token);
            }
        }
        let mut cooked: Option<String> = None;
        loop {
            let here = self.pos;
            let Some(c) = self.bump() else {
                return Err(unterminated(start, self.pos, triple));
            };
            if c == quote && (!triple || self.closes_triple(quote)) {
                let body = &self.src[body_start..here];
                if triple {
                    self.pos += 2;
                }
                let text = cooked.map_or(Cow::Borrowed(body), Cow::Owned);
                return Ok(self.token(Tok::Str(text), start));
            }
            match c {
                '\n' | '\r' if !triple => return Err(unterminated(start, here, false)),
                '\\' if raw => {
                    if let Some(text) = cooked.as_mut() {
                        text.push('\\');
                    }
                    if self.peek().is_some_and(|n| n == quote || n == '\\') {
                        let escaped = self.bump().expect("peeked");
                        if let Some(text) = cooked.as_mut() {
                            text.push(escaped);
                        }
                    }
                }
                '\\' => {
                    let text = cooked.get_or_insert_with(|| self.src[body_start..here].to_string());
                    self.escape(here, text)?;
                }
                _ => {
                    if let Some(text) = cooked.as_mut() {
                        text.push(c);
                    }
                }
            }
        }
    }

    /// A one-line string without escapes, whose body starts at `self.pos`: found byte by
    /// byte up to its closing `quote`, and borrowed from the source. `None`, with nothing
    /// consumed, at a backslash or the end of the line, which the general loop reads.
    fn plain_string(&mut self, start: usize, quote: char) -> Option<Token<'s>> {
        let body_start = self.pos;
        let quote = u8::try_from(quote).expect("quotes are ASCII");
        let body = self.src.as_bytes()[body_start..]
            .iter()
            .position(|&b| matches!(b, b'\\' | b'\n' | b'\r') || b == quote)?;
        let end = body_start + body;
        if self.src.as_bytes()[end] != quote {
            return None;
        }
        self.pos = end + 1;
        Some(self.token(Tok::Str(Cow::Borrowed(&self.src[body_start..end])), start))
    }

    /// Whether three quotes of a kind open at `pos`.
    fn closes_triple_at(&self, pos: usize) -> bool {
        let mut rest = self.src[pos..].chars();
        let quote = rest.next();
        quote.is_some() && rest.next() == quote && rest.next() == quote
    }

    /// Whether two more of `quote` (ASCII) follow, making a triple quote.
    fn closes_triple(&self, quote: char) -> bool {
        let quote = quote as u8;
        self.src.as_bytes()[self.pos..].starts_with(&[quote, quote])
    }

    /// One escape sequence after the backslash at `backslash`, appended to `text`.
    fn escape(&mut self, backslash: usize, text: &mut String) -> Res<()> {
        let Some(c) = self.bump() else {
            return Err(unterminated(backslash, self.pos, false));
        };
        let simple = match c {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(s) = simple {
            text.push(s);
            return Ok(());
        }
        match c {
            '\n' => Ok(()),
            '\r' => {
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                Ok(())
            }
            '0'..='7' => {
                let mut value = c.to_digit(8).expect("octal digit");
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                self.push_code_point(value, backslash, text)
            }
            'x' => self.hex_escape(2, backslash, text),
            'u' => self.hex_escape(4, backslash, text),
            'U' => self.hex_escape(8, backslash, text),
            'N' => Err(Diag::new(
                Span::new(backslash, self.pos),
                "\\N{...} escapes are not supported in gradviz scripts",
            )),
            other => {
                text.push('\\');
                text.push(other);
                Ok(())
            }
        }
    }

    fn hex_escape(&mut self, digits: usize, backslash: usize, text: &mut String) -> Res<()> {
        let mut value = 0u32;
        for _ in 0..digits {
            match self.peek().and_then(|d| d.to_digit(16)) {
                Some(d) => {
                    value = value * 16 + d;
                    self.pos += 1;
                }
                None => {
                    return Err(Diag::new(
                        Span::new(backslash, self.pos),
                        format!("truncated escape: it needs {digits} hex digits"),
                    ))
                }
            }
        }
        self.push_code_point(value, backslash, text)
    }

    fn push_code_point(&self, value: u32, backslash: usize, text: &mut String) -> Res<()> {
        let c = char::from_u32(value).ok_or_else(|| {
            Diag::new(
                Span::new(backslash, self.pos),
                format!(
                    "the escape names U+{value:04X}, which is not a character gradviz can hold"
                ),
            )
        })?;
        text.push(c);
        Ok(())
    }
}

fn unterminated(start: usize, end: usize, triple: bool) -> Diag {
    let what = if triple {
        "unterminated triple-quoted string literal"
    } else {
        "unterminated string literal"
    };
    Diag::new(Span::new(start, end.max(start + 1)), what)
        .with_help("close the string with the quote it opens with")
}

/// 10^k for k ≤ 22: the powers of ten an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a float literal of digits and one point (`0.999`, `2.`, `.5`) when Clinger's
/// fast path gives it: its digits as an integer below 2^53 and at most 22 decimals, both
/// exact in an `f64`, so one correctly rounded division is the correctly rounded value,
/// the same bits as `str::parse`. `None` for any other literal.
fn exact_decimal(text: &str) -> Option<f64> {
    let mut mantissa = 0u64;
    let mut decimals: Option<usize> = None;
    for &b in text.as_bytes() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                decimals = decimals.map(|d| d + 1);
            }
            b'.' if decimals.is_none() => decimals = Some(0),
            _ => return None,
        }
    }
    let power = EXACT_POWERS_OF_TEN.get(decimals?)?;
    (mantissa < 1 << 53).then(|| mantissa as f64 / power)
}

fn without_underscores(digits: &str) -> Cow<'_, str> {
    if digits.contains('_') {
        Cow::Owned(digits.replace('_', ""))
    } else {
        Cow::Borrowed(digits)
    }
}

fn parse_int(digits: &str, radix: u32, span: Span) -> Res<i128> {
    i128::from_str_radix(digits, radix).map_err(|_| {
        Diag::new(
            span,
            "integer literal too large (gradviz integers are 128-bit)",
        )
    })
}

/// The ASCII bytes a name may hold past its first: letters, digits and `_`.
const ASCII_NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

fn is_name_continue(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok<'_>> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token().expect("lexes");
            if token.tok == Tok::End {
                return out;
            }
            out.push(token.tok);
        }
    }

    #[test]
    fn numbers_keep_int_and_float_apart() {
        assert_eq!(
            toks("2 2.0 1e-3 .5 1_000 0x1F 0 00 1."),
            vec![
                Tok::Int(2),
                Tok::Float(2.0),
                Tok::Float(1e-3),
                Tok::Float(0.5),
                Tok::Int(1000),
                Tok::Int(31),
                Tok::Int(0),
                Tok::Int(0),
                Tok::Float(1.0),
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn float_literals_read_as_str_parse_reads_them() {
        let literals = [
            "0.999",
            "0.001",
            "1.",
            ".5",
            "0.1",
            "123456789.123456789",
            "9007199254740991.0",
            "9007199254740993.0",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "3.141592653589793",
            "2.2250738585072014",
            "1.7976931348623157",
        ];
        for literal in literals {
            assert_eq!(
                toks(literal)[0],
                Tok::Float(literal.parse().unwrap()),
                "{literal}"
            );
        }
    }

    #[test]
    fn numbers_at_the_edges_of_the_plain_path_read_as_the_general_path_reads_them() {
        assert_eq!(
            toks("999999999999999999 1000000000000000000000 9007199254740993.0 00 7. 1_0.5"),
            vec![
                Tok::Int(999_999_999_999_999_999),
                Tok::Int(1_000_000_000_000_000_000_000),
                Tok::Float(9_007_199_254_740_992.0),
                Tok::Int(0),
                Tok::Float(7.0),
                Tok::Float(10.5),
                Tok::Newline,
            ]
        );
        for bad in ["07", "1a", "1.e", "2_"] {
            assert!(Lexer::new(bad).next_token().is_err(), "{bad}");
        }
    }

    #[test]
    fn strings_follow_python_escapes() {
        assert_eq!(
            toks(r#"'a\\b' "\n" 'it\'s' r'\n' '\x41\u00e9' """x"y""""#),
            vec![
                Tok::Str("a\\b".into()),
                Tok::Str("\n".into()),
                Tok::Str("it's".into()),
                Tok::Str("\\n".into()),
                Tok::Str("Aé".into()),
                Tok::Str("x\"y".into()),
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn brackets_join_lines_and_blank_lines_vanish() {
        assert_eq!(
            toks("a = (1 +\n  2)\n\n   # note\nb\\\n = 3"),
            vec![
                Tok::Name("a"),
                Tok::Op("="),
                Tok::Op("("),
                Tok::Int(1),
                Tok::Op("+"),
                Tok::Int(2),
                Tok::Op(")"),
                Tok::Newline,
                Tok::Name("b"),
                Tok::Op("="),
                Tok::Int(3),
                Tok::Newline,
            ]
        );
    }
}
