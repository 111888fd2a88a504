//! Parsing Kyverno's JMESPath: the 2015 grammar exactly as the go-jmespath fork reads it
//! (its `lexer.go` and Pratt `parser.go`: same tokens, binding powers and node shapes), into
//! [`Ast`] nodes that keep their byte ranges.
//!
//! Not the `jmespath` crate's parser: that one recurses without bound (`!!!!…`, `[[[[…`,
//! `a[*][*]…` overflow the stack), keeps approximate offsets only, does not tell a pipe from a
//! dot (the fork swallows missing keys after a pipe, not after a dot) and accepts a few things
//! the fork rejects (`a.&b`). Its verdicts are compared with ours in the compliance test.
//!
//! Deliberate differences from the fork, all rejections of text the fork would accept by
//! accident: an unclosed raw string (`'abc`), a slice with a stray number (`[1:2 3]`), three
//! colons in a slice (`[:::]`), a call on something that is not a name (`@(x)`).

use std::fmt;
use std::sync::Arc;

use super::ast::{Ast, AstKind, Comparator, KeyValue, Span};
use super::value::Value;

/// Expressions longer than this many bytes are rejected.
pub const MAX_EXPRESSION_LEN: usize = crate::limits::MAX_EXPRESSION_BYTES;
/// Expressions nested deeper than this (parentheses, brackets, `!`, chained projections,
/// chained `.`/`|`/`||`: any path from the root of the tree to a leaf) are rejected.
pub const MAX_NESTING: u32 = crate::limits::MAX_EXPRESSION_NESTING;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte range in the expression of what is wrong (`offset == end` at the very end).
    pub offset: usize,
    pub end: usize,
    /// Plain words for a policy author: "unclosed `[`", "unexpected `]`".
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

fn error(span: Span, message: impl Into<String>) -> ParseError {
    ParseError {
        offset: span.start,
        end: span.end,
        message: message.into(),
    }
}

/// Parses one expression (the text inside `{{ }}`, or a `jmesPath:` value).
pub fn parse(expr: &str) -> Result<Ast, ParseError> {
    if expr.len() > MAX_EXPRESSION_LEN {
        return Err(error(
            Span::new(0, expr.len()),
            format!(
                "expression too long ({} bytes; at most {MAX_EXPRESSION_LEN} are accepted)",
                expr.len()
            ),
        ));
    }
    let tokens = Lexer { src: expr, pos: 0 }.tokenize()?;
    let mut parser = Parser {
        src: expr,
        tokens,
        pos: 0,
        depth: 0,
        open: Vec::new(),
    };
    let (ast, _) = parser.expression(0)?;
    let next = parser.peek();
    if next.tok != Tok::Eof {
        return Err(parser.trailing(next));
    }
    Ok(ast)
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Quoted(String),
    Number(i64),
    Json(Value),
    Raw(Arc<str>),
    Dot,
    Star,
    /// `[]`
    Flatten,
    /// `[?`
    Filter,
    Lbracket,
    Rbracket,
    Lbrace,
    Rbrace,
    Lparen,
    Rparen,
    Comma,
    Colon,
    Pipe,
    Or,
    And,
    Not,
    /// `&`
    Expref,
    /// `@`
    At,
    Cmp(Comparator),
    Eof,
}

impl Tok {
    /// Left binding power, as in the fork's `bindingPowers`.
    fn lbp(&self) -> u32 {
        match self {
            Tok::Pipe => 1,
            Tok::Or => 2,
            Tok::And => 3,
            Tok::Cmp(_) => 5,
            Tok::Flatten => 9,
            Tok::Star => 20,
            Tok::Filter => 21,
            Tok::Dot => 40,
            Tok::Not => 45,
            Tok::Lbrace => 50,
            Tok::Lbracket => 55,
            Tok::Lparen => 60,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Span,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn tokenize(mut self) -> Result<Vec<Token>, ParseError> {
        let mut tokens = Vec::new();
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() {
            let start = self.pos;
            let b = bytes[start];
            let single = |tok: Tok| Token {
                tok,
                span: Span::new(start, start + 1),
            };
            let two = |tok: Tok| Token {
                tok,
                span: Span::new(start, start + 2),
            };
            let next = bytes.get(start + 1).copied();
            let token = match b {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    self.pos += 1;
                    continue;
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    let end = start
                        + bytes[start..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                            .count();
                    Token {
                        tok: Tok::Ident(self.src[start..end].to_string()),
                        span: Span::new(start, end),
                    }
                }
                b'0'..=b'9' | b'-' => self.number(start)?,
                b'.' => single(Tok::Dot),
                b'*' => single(Tok::Star),
                b'@' => single(Tok::At),
                b']' => single(Tok::Rbracket),
                b'{' => single(Tok::Lbrace),
                b'}' => single(Tok::Rbrace),
                b'(' => single(Tok::Lparen),
                b')' => single(Tok::Rparen),
                b',' => single(Tok::Comma),
                b':' => single(Tok::Colon),
                b'[' => match next {
                    Some(b']') => two(Tok::Flatten),
                    Some(b'?') => two(Tok::Filter),
                    _ => single(Tok::Lbracket),
                },
                b'|' if next == Some(b'|') => two(Tok::Or),
                b'|' => single(Tok::Pipe),
                b'&' if next == Some(b'&') => two(Tok::And),
                b'&' => single(Tok::Expref),
                b'!' if next == Some(b'=') => two(Tok::Cmp(Comparator::Ne)),
                b'!' => single(Tok::Not),
                b'<' if next == Some(b'=') => two(Tok::Cmp(Comparator::Le)),
                b'<' => single(Tok::Cmp(Comparator::Lt)),
                b'>' if next == Some(b'=') => two(Tok::Cmp(Comparator::Ge)),
                b'>' => single(Tok::Cmp(Comparator::Gt)),
                b'=' if next == Some(b'=') => two(Tok::Cmp(Comparator::Eq)),
                b'=' => {
                    return Err(error(
                        Span::new(start, start + 1),
                        "`=` is not an operator: use `==` to compare",
                    ));
                }
                b'"' => self.quoted(start)?,
                b'\'' => self.raw(start)?,
                b'`' => self.literal(start)?,
                _ => return Err(self.unknown_char(start)),
            };
            self.pos = token.span.end;
            tokens.push(token);
        }
        tokens.push(Token {
            tok: Tok::Eof,
            span: Span::empty(self.src.len()),
        });
        Ok(tokens)
    }

    fn unknown_char(&self, start: usize) -> ParseError {
        let c = self.src[start..].chars().next().unwrap_or('?');
        let span = Span::new(start, start + c.len_utf8());
        let message = match c {
            '$' => "unexpected `$`: Kyverno's JMESPath has no `$` root and no `$variables` \
                    (no `let`); write the path from the top, e.g. `request.object.metadata`"
                .to_string(),
            '+' | '/' | '%' | '\u{2212}' | '\u{00d7}' | '\u{00f7}' => format!(
                "unexpected `{c}`: Kyverno's JMESPath has no arithmetic operators; use the \
                 functions add(), subtract(), multiply(), divide(), modulo(); a key that \
                 contains `{c}` must be quoted, e.g. \"app.kubernetes.io/name\""
            ),
            '?' => "unexpected `?`: a filter is written `[?condition]`, with no space \
                    between `[` and `?`"
                .to_string(),
            c if c.is_alphanumeric() => format!(
                "unexpected character `{c}`: a name with characters other than ASCII \
                 letters, digits and `_` must be quoted: \"{}\"",
                self.word_around(start, |c| c.is_alphanumeric() || c == '_')
            ),
            c if c.is_control() => format!("unexpected control character U+{:04X}", c as u32),
            c => format!("unexpected character `{c}`"),
        };
        error(span, message)
    }

    /// The run of characters around byte `at` (itself included) that `part` accepts, for
    /// suggesting a quoted key.
    fn word_around(&self, at: usize, part: impl Fn(char) -> bool) -> String {
        let before = self.src[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| part(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let after = self.src[at..]
            .char_indices()
            .skip(1)
            .find(|(_, c)| !part(*c))
            .map_or(self.src.len(), |(i, _)| at + i);
        self.src[before..after].to_string()
    }

    fn number(&self, start: usize) -> Result<Token, ParseError> {
        let bytes = self.src.as_bytes();
        let digits_from = if bytes[start] == b'-' {
            start + 1
        } else {
            start
        };
        let end = digits_from
            + bytes[digits_from..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
        let span = Span::new(start, end);
        if end == digits_from {
            let word = self.word_around(start, |c| c.is_ascii_alphanumeric() || "_-".contains(c));
            let example = if word.len() > 1 && !word.starts_with('-') && !word.ends_with('-') {
                word
            } else {
                "my-label".to_string()
            };
            return Err(error(
                Span::new(start, start + 1),
                format!(
                    "unexpected `-`: Kyverno's JMESPath has no arithmetic operators (use \
                     subtract()); a key that contains `-` must be quoted: \"{example}\""
                ),
            ));
        }
        match self.src[start..end].parse::<i64>() {
            Ok(n) => Ok(Token {
                tok: Tok::Number(n),
                span,
            }),
            Err(_) => Err(error(span, "number too large")),
        }
    }

    /// The end (exclusive) of a delimited token starting at `start` with `delim`, skipping the
    /// character after every backslash, as the fork's `consumeUntil` does.
    fn delimited_end(&self, start: usize, delim: u8, what: &str) -> Result<usize, ParseError> {
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                c if c == delim => return Ok(i + 1),
                _ => i += 1,
            }
        }
        Err(error(
            Span::new(start, self.src.len()),
            format!(
                "unclosed {what}: the closing `{}` is missing",
                delim as char
            ),
        ))
    }

    fn quoted(&self, start: usize) -> Result<Token, ParseError> {
        let end = self.delimited_end(start, b'"', "quoted name")?;
        let span = Span::new(start, end);
        match serde_json::from_str::<String>(&self.src[start..end]) {
            Ok(name) => Ok(Token {
                tok: Tok::Quoted(name),
                span,
            }),
            Err(e) => Err(error(
                span,
                format!(
                    "invalid quoted name: {} (quoted names follow JSON string rules)",
                    json_reason(&e)
                ),
            )),
        }
    }

    fn raw(&self, start: usize) -> Result<Token, ParseError> {
        let bytes = self.src.as_bytes();
        let mut value = String::new();
        let mut i = start + 1;
        let mut run = i;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if bytes.get(i + 1) == Some(&b'\'') => {
                    value.push_str(&self.src[run..i]);
                    value.push('\'');
                    i += 2;
                    run = i;
                }
                // `\\` stays two backslashes but is taken as a unit, so `'\\'` ends at the quote.
                b'\\' if bytes.get(i + 1) == Some(&b'\\') => i += 2,
                b'\'' => {
                    value.push_str(&self.src[run..i]);
                    return Ok(Token {
                        tok: Tok::Raw(value.into()),
                        span: Span::new(start, i + 1),
                    });
                }
                _ => i += 1,
            }
        }
        Err(error(
            Span::new(start, self.src.len()),
            "unclosed raw string: the closing `'` is missing",
        ))
    }

    fn literal(&self, start: usize) -> Result<Token, ParseError> {
        let end = self.delimited_end(start, b'`', "literal")?;
        let span = Span::new(start, end);
        let inner = self.src[start + 1..end - 1].replace("\\`", "`");
        match serde_json::from_str::<serde_json::Value>(&inner) {
            Ok(json) => Ok(Token {
                tok: Tok::Json(Value::from_json(&json)),
                span,
            }),
            Err(e) => {
                let trimmed = inner.trim();
                let legacy = !trimmed.is_empty()
                    && !trimmed.starts_with(['{', '[', '"'])
                    && serde_json::from_str::<String>(&format!("\"{trimmed}\"")).is_ok();
                let message = if legacy {
                    format!(
                        "`{trimmed}` is not JSON: backtick literals must be valid JSON in \
                         Kyverno; write '{trimmed}' (a raw string) or `\"{trimmed}\"` \
                         (a JSON string)"
                    )
                } else if trimmed.is_empty() {
                    "empty literal: backticks must enclose a JSON value, e.g. `true`, `1`, \
                     `\"text\"`"
                        .to_string()
                } else {
                    format!("invalid JSON in backtick literal: {}", json_reason(&e))
                };
                Err(error(span, message))
            }
        }
    }
}

/// serde_json's message without its " at line 1 column 5" suffix.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// A parsed node and the height of its tree (a leaf is 1).
type Parsed = Result<(Ast, u32), ParseError>;

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    /// Recursion depth of `expression`.
    depth: u32,
    /// Opening delimiters not closed yet, innermost last, for "unclosed `[`".
    open: Vec<(Span, &'static str)>,
}

impl Parser<'_> {
    fn peek(&self) -> Token {
        self.tokens[self.pos].clone()
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)].tok
    }

    fn current(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn advance(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    /// End of the last consumed token.
    fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.tokens[self.pos - 1].span.end
        }
    }

    fn text(&self, span: Span) -> String {
        let t = &self.src[span.start..span.end];
        if t.chars().count() > 40 {
            let cut: String = t.chars().take(37).collect();
            format!("{cut}...")
        } else {
            t.to_string()
        }
    }

    fn describe(&self, token: &Token) -> String {
        if token.tok == Tok::Eof {
            "the end of the expression".to_string()
        } else {
            format!("`{}`", self.text(token.span))
        }
    }

    /// An error at the current token: "unclosed `[`" at the end of the text when a delimiter
    /// is open, otherwise "expected {what}, found `x`".
    fn expected(&self, what: &str) -> ParseError {
        let token = self.peek();
        if token.tok == Tok::Eof && !self.open.is_empty() {
            return self.unexpected(&token);
        }
        error(
            token.span,
            format!("expected {what}, found {}", self.describe(&token)),
        )
    }

    /// A token that cannot start an expression.
    fn unexpected(&self, token: &Token) -> ParseError {
        if token.tok == Tok::Eof {
            if let Some((span, opener)) = self.open.last() {
                return error(*span, format!("unclosed `{opener}`"));
            }
            return error(token.span, "the expression ends too early");
        }
        let text = self.text(token.span);
        let message = match &token.tok {
            Tok::Rbracket | Tok::Rparen | Tok::Rbrace if self.open.is_empty() => {
                format!("unexpected `{text}`: nothing to close")
            }
            Tok::Number(_) => format!(
                "unexpected number `{text}`: numbers are written in backticks (`{text}`) \
                 or used as an index ([{text}])"
            ),
            _ => format!("unexpected `{text}`"),
        };
        error(token.span, message)
    }

    /// Something left over after a complete expression.
    fn trailing(&self, token: Token) -> ParseError {
        match token.tok {
            Tok::Rbracket | Tok::Rparen | Tok::Rbrace => self.unexpected(&token),
            Tok::Ident(_) | Tok::Quoted(_) | Tok::Json(_) | Tok::Raw(_) | Tok::Number(_) => error(
                token.span,
                format!(
                    "unexpected `{}` after a complete expression: is an operator such as \
                     `.`, `|`, `||`, `&&` or `==` missing?",
                    self.text(token.span)
                ),
            ),
            _ => error(
                token.span,
                format!("unexpected `{}`", self.text(token.span)),
            ),
        }
    }

    /// Consumes the closer of the innermost open delimiter.
    fn close(&mut self, closer: Tok, what: &str) -> Result<Span, ParseError> {
        if *self.current() == closer {
            self.open.pop();
            Ok(self.advance().span)
        } else {
            Err(self.expected(what))
        }
    }

    fn node(kind: AstKind, span: Span, child_height: u32) -> Parsed {
        let height = child_height + 1;
        if height > MAX_NESTING {
            return Err(error(
                span,
                format!("expression nested too deeply (more than {MAX_NESTING} levels)"),
            ));
        }
        Ok((Ast::new(kind, span), height))
    }

    fn leaf(kind: AstKind, span: Span) -> Parsed {
        Ok((Ast::new(kind, span), 1))
    }

    fn identity_at(at: usize) -> (Ast, u32) {
        (Ast::new(AstKind::Identity, Span::empty(at)), 1)
    }

    fn expression(&mut self, rbp: u32) -> Parsed {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let span = self.peek().span;
            return Err(error(
                span,
                format!("expression nested too deeply (more than {MAX_NESTING} levels)"),
            ));
        }
        let token = self.advance();
        let mut left = self.nud(token)?;
        while rbp < self.current().lbp() {
            let token = self.advance();
            left = self.led(token, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, token: Token) -> Parsed {
        let span = token.span;
        match token.tok {
            Tok::Json(value) => Self::leaf(AstKind::Literal { value }, span),
            Tok::Raw(value) => Self::leaf(AstKind::RawString { value }, span),
            Tok::Ident(name) => Self::leaf(AstKind::Field { name }, span),
            Tok::Quoted(name) => {
                if *self.current() == Tok::Lparen {
                    return Err(error(
                        span,
                        "a function name cannot be quoted: write name(...) without quotes",
                    ));
                }
                Self::leaf(AstKind::Field { name }, span)
            }
            Tok::At => Self::leaf(AstKind::Current, span),
            Tok::Star => {
                let lhs = Self::identity_at(span.start);
                let rhs = if *self.current() == Tok::Rbracket {
                    Self::identity_at(span.end)
                } else {
                    self.projection_rhs(Tok::Star.lbp())?
                };
                Self::binary(span, lhs, rhs, |lhs, rhs| AstKind::ObjectProjection {
                    lhs,
                    rhs,
                })
            }
            Tok::Filter => self.filter(Self::identity_at(span.start), span),
            Tok::Lbrace => self.multi_select_hash(span),
            Tok::Flatten => {
                let inner = Self::identity_at(span.start);
                let (flat, fh) = Self::node(
                    AstKind::Flatten {
                        node: Box::new(inner.0),
                    },
                    span,
                    inner.1,
                )?;
                let rhs = self.projection_rhs(Tok::Flatten.lbp())?;
                Self::binary(span, (flat, fh), rhs, |lhs, rhs| AstKind::ListProjection {
                    lhs,
                    rhs,
                })
            }
            Tok::Lbracket => match self.current() {
                Tok::Number(_) | Tok::Colon => {
                    let index = self.index_expression(span)?;
                    self.project_if_slice(Self::identity_at(span.start), index)
                }
                Tok::Star if *self.peek_at(1) == Tok::Rbracket => {
                    self.advance();
                    let close = self.advance().span;
                    let lhs = Self::identity_at(span.start);
                    let rhs = self.projection_rhs(Tok::Star.lbp())?;
                    Self::binary(span.to(close), lhs, rhs, |lhs, rhs| {
                        AstKind::ListProjection { lhs, rhs }
                    })
                }
                _ => self.multi_select_list(span),
            },
            Tok::Expref => {
                let inner = self.expression(Tok::Expref.lbp())?;
                let span = span.to(inner.0.span);
                Self::node(
                    AstKind::Expref {
                        node: Box::new(inner.0),
                    },
                    span,
                    inner.1,
                )
            }
            Tok::Not => {
                let inner = self.expression(Tok::Not.lbp())?;
                let span = span.to(inner.0.span);
                Self::node(
                    AstKind::Not {
                        node: Box::new(inner.0),
                    },
                    span,
                    inner.1,
                )
            }
            Tok::Lparen => {
                self.open.push((span, "("));
                let inner = self.expression(0)?;
                self.close(Tok::Rparen, "`)`")?;
                Ok(inner)
            }
            _ => Err(self.unexpected(&token)),
        }
    }

    fn led(&mut self, token: Token, left: (Ast, u32)) -> Parsed {
        let span = token.span;
        match token.tok {
            Tok::Dot => {
                if *self.current() == Tok::Star {
                    let star = self.advance().span;
                    let rhs = self.projection_rhs(Tok::Dot.lbp())?;
                    let whole = left.0.span.to(star);
                    Self::binary(whole, left, rhs, |lhs, rhs| AstKind::ObjectProjection {
                        lhs,
                        rhs,
                    })
                } else {
                    let rhs = self.dot_rhs(Tok::Dot.lbp())?;
                    let whole = left.0.span;
                    Self::binary(whole, left, rhs, |lhs, rhs| AstKind::Subexpression {
                        lhs,
                        rhs,
                    })
                }
            }
            Tok::Pipe => {
                let rhs = self.expression(Tok::Pipe.lbp())?;
                Self::binary(left.0.span, left, rhs, |lhs, rhs| AstKind::Pipe {
                    lhs,
                    rhs,
                })
            }
            Tok::Or => {
                let rhs = self.expression(Tok::Or.lbp())?;
                Self::binary(left.0.span, left, rhs, |lhs, rhs| AstKind::Or { lhs, rhs })
            }
            Tok::And => {
                let rhs = self.expression(Tok::And.lbp())?;
                Self::binary(left.0.span, left, rhs, |lhs, rhs| AstKind::And { lhs, rhs })
            }
            Tok::Cmp(op) => {
                let rhs = self.expression(token.tok.lbp())?;
                Self::binary(left.0.span, left, rhs, |lhs, rhs| AstKind::Comparison {
                    op,
                    op_span: span,
                    lhs,
                    rhs,
                })
            }
            Tok::Lparen => self.call(left, span),
            Tok::Filter => {
                let whole = left.0.span.to(span);
                self.filter(left, whole)
            }
            Tok::Flatten => {
                let whole = left.0.span.to(span);
                let height = left.1;
                let (flat, fh) = Self::node(
                    AstKind::Flatten {
                        node: Box::new(left.0),
                    },
                    whole,
                    height,
                )?;
                let rhs = self.projection_rhs(Tok::Flatten.lbp())?;
                Self::binary(whole, (flat, fh), rhs, |lhs, rhs| AstKind::ListProjection {
                    lhs,
                    rhs,
                })
            }
            Tok::Lbracket => match self.current() {
                Tok::Number(_) | Tok::Colon => {
                    let index = self.index_expression(span)?;
                    self.project_if_slice(left, index)
                }
                Tok::Star => {
                    self.advance();
                    self.open.push((span, "["));
                    let close = self.close(Tok::Rbracket, "`]` after `[*`")?;
                    let rhs = self.projection_rhs(Tok::Star.lbp())?;
                    let whole = left.0.span.to(close);
                    Self::binary(whole, left, rhs, |lhs, rhs| AstKind::ListProjection {
                        lhs,
                        rhs,
                    })
                }
                _ => {
                    self.open.push((span, "["));
                    Err(self.expected("an index, a slice or `*` inside `[...]` after an expression (to select several fields use `.[a, b]`)"))
                }
            },
            Tok::Star => Err(error(
                span,
                "unexpected `*`: Kyverno's JMESPath has no arithmetic operators; use \
                 multiply(a, b); to project the values of an object write `.*`",
            )),
            _ => Err(self.unexpected(&token)),
        }
    }

    /// A node with two children whose span runs from `start` to the end of `rhs`.
    fn binary(
        start: Span,
        lhs: (Ast, u32),
        rhs: (Ast, u32),
        make: impl FnOnce(Box<Ast>, Box<Ast>) -> AstKind,
    ) -> Parsed {
        let span = start.to(lhs.0.span).to(rhs.0.span);
        let height = lhs.1.max(rhs.1);
        Self::node(make(Box::new(lhs.0), Box::new(rhs.0)), span, height)
    }

    fn call(&mut self, left: (Ast, u32), lparen: Span) -> Parsed {
        let (name, name_span) = match left.0.kind {
            AstKind::Field { name } if !self.src[left.0.span.start..].starts_with('"') => {
                (name, left.0.span)
            }
            _ => {
                return Err(error(
                    lparen,
                    "unexpected `(`: only a function name can be followed by `(`",
                ));
            }
        };
        self.open.push((lparen, "("));
        let mut args = Vec::new();
        let mut height = 0;
        // As the fork: arguments up to `)`, a comma after each one optional.
        while *self.current() != Tok::Rparen {
            if *self.current() == Tok::Comma {
                return Err(self.expected("an argument"));
            }
            let (arg, h) = self.expression(0)?;
            height = height.max(h);
            args.push(arg);
            if *self.current() == Tok::Comma {
                self.advance();
            }
        }
        let close = self.close(Tok::Rparen, "`)`")?;
        Self::node(
            AstKind::Function {
                name,
                name_span,
                args,
            },
            name_span.to(close),
            height,
        )
    }

    /// `[0]` or a slice, after the `[` (already consumed, at `open`).
    fn index_expression(&mut self, open: Span) -> Parsed {
        self.open.push((open, "["));
        if *self.current() == Tok::Colon || *self.peek_at(1) == Tok::Colon {
            return self.slice(open);
        }
        let token = self.advance();
        let Tok::Number(index) = token.tok else {
            return Err(error(token.span, "expected an index"));
        };
        let close = self.close(Tok::Rbracket, "`]` after the index")?;
        Self::leaf(AstKind::Index { index }, open.to(close))
    }

    fn slice(&mut self, open: Span) -> Parsed {
        let mut parts: [Option<i64>; 3] = [None; 3];
        let mut colons = 0;
        let mut number_here = false;
        loop {
            let token = self.peek();
            match token.tok {
                Tok::Rbracket => break,
                Tok::Colon if colons == 2 => {
                    return Err(error(token.span, "too many `:` in a slice (at most two)"));
                }
                Tok::Colon => {
                    colons += 1;
                    number_here = false;
                    self.advance();
                }
                Tok::Number(n) if !number_here => {
                    parts[colons] = Some(n);
                    number_here = true;
                    self.advance();
                }
                _ => return Err(self.expected("a number, `:` or `]` in the slice")),
            }
        }
        let close = self.close(Tok::Rbracket, "`]`")?;
        let [start, stop, step] = parts;
        Self::leaf(AstKind::Slice { start, stop, step }, open.to(close))
    }

    /// `left[index]` is a subexpression; `left[slice]` also starts a projection.
    fn project_if_slice(&mut self, left: (Ast, u32), index: (Ast, u32)) -> Parsed {
        let is_slice = matches!(index.0.kind, AstKind::Slice { .. });
        let start = left.0.span;
        let indexed = Self::binary(start, left, index, |lhs, rhs| AstKind::Subexpression {
            lhs,
            rhs,
        })?;
        if !is_slice {
            return Ok(indexed);
        }
        let rhs = self.projection_rhs(Tok::Star.lbp())?;
        Self::binary(indexed.0.span, indexed, rhs, |lhs, rhs| {
            AstKind::ListProjection { lhs, rhs }
        })
    }

    /// After `[?` (consumed, at `open`): the condition, `]`, then what is projected.
    fn filter(&mut self, left: (Ast, u32), open: Span) -> Parsed {
        self.open
            .push((Span::new(open.end.saturating_sub(2), open.end), "[?"));
        let condition = self.expression(0)?;
        let close = self.close(Tok::Rbracket, "`]` to close `[?`")?;
        let rhs = if *self.current() == Tok::Flatten {
            Self::identity_at(close.end)
        } else {
            self.projection_rhs(Tok::Filter.lbp())?
        };
        let span = left.0.span.to(open).to(close).to(rhs.0.span);
        let height = left.1.max(condition.1).max(rhs.1);
        Self::node(
            AstKind::FilterProjection {
                lhs: Box::new(left.0),
                condition: Box::new(condition.0),
                rhs: Box::new(rhs.0),
            },
            span,
            height,
        )
    }

    fn dot_rhs(&mut self, rbp: u32) -> Parsed {
        match self.current() {
            Tok::Ident(_) | Tok::Quoted(_) | Tok::Star => self.expression(rbp),
            Tok::Lbracket => {
                let open = self.advance().span;
                self.multi_select_list(open)
            }
            Tok::Lbrace => {
                let open = self.advance().span;
                self.multi_select_hash(open)
            }
            Tok::Json(_) | Tok::Raw(_) => Err(error(
                self.peek().span,
                "a literal cannot follow `.`: after `.` comes a name, `*`, `[...]` or `{...}`",
            )),
            _ => Err(self.expected("a name, `*`, `[` or `{` after `.`")),
        }
    }

    /// What follows a projection: nothing (it ends at a lower-binding token), `[...]`, `[?...]`
    /// or `.rhs`.
    fn projection_rhs(&mut self, rbp: u32) -> Parsed {
        let current = self.current();
        if current.lbp() < 10 {
            return Ok(Self::identity_at(self.prev_end()));
        }
        match current {
            Tok::Lbracket | Tok::Filter => self.expression(rbp),
            Tok::Dot => {
                self.advance();
                self.dot_rhs(rbp)
            }
            _ => Err(self.expected("`.`, `[` or `[?` after a projection")),
        }
    }

    /// `[a, b]`, after the `[` (consumed, at `open`).
    fn multi_select_list(&mut self, open: Span) -> Parsed {
        self.open.push((open, "["));
        let mut elements = Vec::new();
        let mut height = 0;
        loop {
            let (element, h) = self.expression(0)?;
            height = height.max(h);
            elements.push(element);
            if *self.current() == Tok::Rbracket {
                break;
            }
            if *self.current() != Tok::Comma {
                return Err(self.expected("`,` or `]`"));
            }
            self.advance();
        }
        let close = self.close(Tok::Rbracket, "`]`")?;
        Self::node(
            AstKind::MultiSelectList { elements },
            open.to(close),
            height,
        )
    }

    /// `{key: value, ...}`, after the `{` (consumed, at `open`).
    fn multi_select_hash(&mut self, open: Span) -> Parsed {
        self.open.push((open, "{"));
        let mut entries = Vec::new();
        let mut height = 0;
        loop {
            let token = self.peek();
            let key = match token.tok {
                Tok::Ident(name) | Tok::Quoted(name) => name,
                _ => return Err(self.expected("a key name (as in `{name: metadata.name}`)")),
            };
            self.advance();
            if *self.current() != Tok::Colon {
                return Err(self.expected("`:` after the key"));
            }
            self.advance();
            let (value, h) = self.expression(0)?;
            height = height.max(h);
            entries.push(KeyValue {
                key,
                key_span: token.span,
                value,
            });
            match self.current() {
                Tok::Comma => {
                    self.advance();
                }
                Tok::Rbrace => break,
                // go-jmespath (and so Kyverno) reads the next key without a comma:
                // `{a: x b: y}` is `{a: x, b: y}`.
                _ => {}
            }
        }
        let close = self.close(Tok::Rbrace, "`}`")?;
        Self::node(AstKind::MultiSelectHash { entries }, open.to(close), height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(expr: &str) -> ParseError {
        parse(expr).expect_err(expr)
    }

    fn ok(expr: &str) -> Ast {
        parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    #[test]
    fn fields_and_calls_keep_exact_spans() {
        let expr = "request.object.metadata.\"app.kubernetes.io/name\"";
        let ast = ok(expr);
        let AstKind::Subexpression { rhs, .. } = &ast.kind else {
            panic!("{ast:?}")
        };
        assert_eq!(
            &expr[rhs.span.start..rhs.span.end],
            "\"app.kubernetes.io/name\""
        );
        assert_eq!(ast.span, Span::new(0, expr.len()));

        let expr = "x | to_upper( 'a' )";
        let ast = ok(expr);
        let AstKind::Pipe { rhs, .. } = &ast.kind else {
            panic!()
        };
        let AstKind::Function {
            name,
            name_span,
            args,
        } = &rhs.kind
        else {
            panic!()
        };
        assert_eq!(name, "to_upper");
        assert_eq!(&expr[name_span.start..name_span.end], "to_upper");
        assert_eq!(&expr[rhs.span.start..rhs.span.end], "to_upper( 'a' )");
        assert_eq!(&expr[args[0].span.start..args[0].span.end], "'a'");
    }

    #[test]
    fn offsets_are_bytes_after_non_ascii_text() {
        let expr = "'héllo wörld' | foo[";
        let e = err(expr);
        assert_eq!(e.message, "unclosed `[`");
        assert_eq!(&expr[e.offset..e.end], "[");
        let expr = "'ü' == `\"ä\"` && ]";
        let e = err(expr);
        assert_eq!(&expr[e.offset..e.end], "]");
    }

    #[test]
    fn messages_are_plain_words() {
        assert_eq!(err("foo[?a == 'b'").message, "unclosed `[?`");
        assert_eq!(err("f(a").message, "unclosed `(`");
        assert_eq!(err("{a: b").message, "unclosed `{`");
        assert_eq!(err("a]").message, "unexpected `]`: nothing to close");
        assert_eq!(err("a ||").message, "the expression ends too early");
        assert!(err("a b").message.contains("after a complete expression"));
        assert!(err("foo.").message.starts_with("expected a name"));
        assert!(err("a = b").message.contains("use `==`"));
        assert!(err("'abc").message.starts_with("unclosed raw string"));
        assert!(err("\"abc").message.starts_with("unclosed quoted name"));
        assert!(err("`abc").message.starts_with("unclosed literal"));
    }

    #[test]
    fn legacy_literals_are_rejected_with_a_suggestion() {
        let e = err("a == `foo`");
        assert_eq!((e.offset, e.end), (5, 10));
        assert!(e.message.contains("'foo'"), "{}", e.message);
        assert!(e.message.contains("`\"foo\"`"), "{}", e.message);
        assert!(err("`{a: 1}`").message.starts_with("invalid JSON"));
        assert!(err("``").message.starts_with("empty literal"));
        assert_eq!(
            ok("`\"foo\\`bar\"`").kind,
            AstKind::Literal {
                value: Value::from("foo`bar")
            }
        );
    }

    #[test]
    fn raw_strings_escape_only_the_quote() {
        let raw = |e: &str| match ok(e).kind {
            AstKind::RawString { value } => value.to_string(),
            k => panic!("{k:?}"),
        };
        assert_eq!(raw(r"'foo\'bar'"), "foo'bar");
        assert_eq!(raw(r"'\z'"), r"\z");
        assert_eq!(raw(r"'\\'"), r"\\");
        assert_eq!(raw("'ü'"), "ü");
    }

    #[test]
    fn arithmetic_dollar_and_let_are_syntax_errors() {
        for expr in [
            "a + b",
            "a - b",
            "a * b",
            "a / b",
            "a // b",
            "a % b",
            "$",
            "$.a",
            "let $x = a in $x",
            "a.$b",
            "labels.app.kubernetes.io/name",
            "labels.my-label",
        ] {
            let e = err(expr);
            assert!(e.offset < expr.len(), "{expr}: {e:?}");
        }
        assert!(err("a + b").message.contains("add()"));
        assert!(err("$.a").message.contains("`$`"));
        let e = err("labels.my-label");
        assert_eq!(e.offset, 9);
        assert!(e.message.contains("\"my-label\""), "{}", e.message);
        assert!(err("métadata.name").message.contains("\"métadata\""));
        assert!(err("a.b-c-d.e").message.contains("\"b-c-d\""));
        assert!(err("a - b").message.contains("\"my-label\""));
        // `let` alone is an ordinary name.
        ok("let");
    }

    #[test]
    fn fork_grammar_details() {
        // The fork accepts a call with a trailing comma or no commas at all.
        ok("f(a,)");
        ok("f(a b)");
        // ...but not `.&`, which the jmespath crate takes.
        err("a.&b");
        err("@(x)");
        err("\"f\"(x)");
        err("[:::]");
        err("[1:2 3]");
        err("foo[ ?a]");
        err("a[b]");
        ok("a.b(c)");
        ok("[?a]");
        ok("*");
        ok("[]");
        ok("&a | b");
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        for (open, close) in [("(", ")"), ("[", "]"), ("!", ""), ("& ", ""), ("{a:", "}")] {
            let deep = format!("{}a{}", open.repeat(5_000), close.repeat(5_000));
            let deep = &deep[..deep.len().min(MAX_EXPRESSION_LEN)];
            let e = err(deep);
            assert!(e.message.contains("nested too deeply"), "{open}: {e:?}");
        }
        for unit in [
            ".a", "|a", "||a", "&&a", "[*]", "[]", "[?b]", "==a", ".*", "[0]",
        ] {
            let n = MAX_EXPRESSION_LEN / unit.len() - 1;
            let deep = format!("a{}", unit.repeat(n));
            let e = err(&deep);
            assert!(e.message.contains("nested too deeply"), "{unit}: {e:?}");
        }
        // Just under the bound is fine.
        ok(&format!("{}a{}", "(".repeat(90), ")".repeat(90)));
        ok(&format!("{}a", "a.".repeat(90)));
        let long = format!("'{}'", "x".repeat(MAX_EXPRESSION_LEN));
        assert!(err(&long).message.starts_with("expression too long"));
    }
}
