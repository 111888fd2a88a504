//! CEL parser: recursive descent over the grammar of the CEL language definition, with
//! cel-go's bounds (tree height 250, 100,000 code points, at most 100 errors). Recursion only
//! descends into a nested expression after checking the depth, so no input overflows the
//! stack. Macros are recognised here and become `Comprehension` / `Presence` nodes.

// Sub-trees travel boxed (see `PResult`) and become the tree's boxed children as they are.
#![allow(clippy::vec_box, clippy::boxed_local)]

use std::fmt;

use super::ast::*;
use super::lexer::{RESERVED, Tok, Token, tokenize};
use super::limits::{MAX_CODE_POINTS, MAX_DEPTH, MAX_ERRORS};
use super::value::Value;
use crate::diag::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl SyntaxError {
    /// The error as cel-go prints it (what `kubectl` and `kyverno test` show, cel.md §4.2):
    /// `ERROR: <input>:LINE:COL: Syntax error: MESSAGE`, then the source line and a caret
    /// under the column. Lines and columns are 1-based and count code points.
    pub fn cel_go_format(&self, src: &str) -> String {
        let start = self.span.start.min(src.len());
        let start = (0..=start)
            .rev()
            .find(|&i| src.is_char_boundary(i))
            .unwrap_or(0);
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_no = src[..start].matches('\n').count() + 1;
        let col = src[line_start..start].chars().count();
        let line_text = src[line_start..].split('\n').next().unwrap_or("");
        format!(
            "ERROR: <input>:{line_no}:{}: Syntax error: {}\n | {line_text}\n | {}^",
            col + 1,
            self.message,
            ".".repeat(col)
        )
    }
}

/// All errors in cel-go's format, one block each, as `issues.Err()` joins them.
pub fn format_errors(src: &str, errors: &[SyntaxError]) -> String {
    errors
        .iter()
        .map(|e| e.cel_go_format(src))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Expand macros (`has`, `all`, `map`…); off, they stay ordinary calls.
    pub macros: bool,
    /// `cel.bind(v, init, body)` (cel-go's bindings extension; validate.cel and VAP lack it).
    pub bindings: bool,
    /// The two-variable comprehensions: `all`/`exists`/`existsOne` with two variables,
    /// `transformList`, `transformMap`, `transformMapEntry` (gpol and dpol lack them).
    pub two_var_comprehensions: bool,
}

impl Default for ParseOptions {
    /// Everything on, as in Kyverno's validating policies.
    fn default() -> Self {
        ParseOptions {
            macros: true,
            bindings: true,
            two_var_comprehensions: true,
        }
    }
}

/// Parses a CEL expression with macros on. The tree is `None` when there are errors.
pub fn parse(src: &str) -> (Option<Expr>, Vec<SyntaxError>) {
    parse_with(src, ParseOptions::default())
}

pub fn parse_with(src: &str, options: ParseOptions) -> (Option<Expr>, Vec<SyntaxError>) {
    let code_points = src.chars().count();
    if code_points > MAX_CODE_POINTS {
        return (
            None,
            vec![SyntaxError {
                span: 0..src.len(),
                message: format!(
                    "expression code point size exceeds limit: size: {code_points}, limit {MAX_CODE_POINTS}"
                ),
            }],
        );
    }
    let (tokens, lex_errors) = tokenize(src);
    let mut p = Parser {
        tokens,
        pos: 0,
        errors: lex_errors
            .into_iter()
            .map(|(span, message)| SyntaxError { span, message })
            .collect(),
        depth: 0,
        options,
    };
    let result = p.expr().map(|e| *e);
    if let Ok(e) = &result {
        let _ = e;
        if p.peek() != &Tok::Eof {
            let t = p.tokens[p.pos].clone();
            p.error(
                t.span,
                format!(
                    "unexpected {} after the end of the expression",
                    t.tok.describe()
                ),
            );
        }
    }
    p.errors.truncate(MAX_ERRORS);
    match result {
        Ok(e) if p.errors.is_empty() => (Some(e), p.errors),
        _ => (None, p.errors),
    }
}

/// The binary operators handled by precedence climbing, with their precedence.
fn binary_op(tok: &Tok) -> Option<(BinaryOp, u8)> {
    Some(match tok {
        Tok::Lt => (BinaryOp::Lt, 1),
        Tok::Le => (BinaryOp::Le, 1),
        Tok::Gt => (BinaryOp::Gt, 1),
        Tok::Ge => (BinaryOp::Ge, 1),
        Tok::EqEq => (BinaryOp::Eq, 1),
        Tok::NotEq => (BinaryOp::Ne, 1),
        Tok::In => (BinaryOp::In, 1),
        Tok::Plus => (BinaryOp::Add, 2),
        Tok::Minus => (BinaryOp::Sub, 2),
        Tok::Star => (BinaryOp::Mul, 3),
        Tok::Slash => (BinaryOp::Div, 3),
        Tok::Percent => (BinaryOp::Rem, 3),
        _ => return None,
    })
}

/// An error was recorded; the caller unwinds to a place that can recover.
struct Stop;

// Boxed: a large `Expr` moved through every frame of the recursion costs stack.
type PResult = Result<Box<Expr>, Stop>;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    errors: Vec<SyntaxError>,
    depth: u32,
    options: ParseOptions,
}

fn depth_of(kind: &ExprKind) -> u32 {
    kind.children().iter().map(|c| c.depth).max().unwrap_or(0) + 1
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].tok
    }

    fn peek_at(&self, off: usize) -> &Tok {
        &self.tokens[(self.pos + off).min(self.tokens.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
            .span
            .clone()
    }

    fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.tokens[self.pos - 1].span.end
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == tok {
            self.bump();
            true
        } else {
            false
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(SyntaxError {
                span,
                message: message.into(),
            });
        }
    }

    fn fail<T>(&mut self, span: Span, message: impl Into<String>) -> Result<T, Stop> {
        self.error(span, message);
        Err(Stop)
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, Stop> {
        if self.peek() == &tok {
            Ok(self.bump())
        } else {
            let t = self.tokens[self.pos].clone();
            self.fail(
                t.span,
                format!("expected {what}, found {}", t.tok.describe()),
            )
        }
    }

    /// Builds a node, refusing trees taller than the limit.
    fn make(&mut self, kind: ExprKind, span: Span) -> PResult {
        let depth = match &kind {
            ExprKind::Literal(_) | ExprKind::Ident { .. } => 1,
            ExprKind::Select { operand, .. } | ExprKind::Presence { operand, .. } => {
                operand.depth + 1
            }
            ExprKind::Unary { operand, .. } => operand.depth + 1,
            ExprKind::Binary { lhs, rhs, .. } => lhs.depth.max(rhs.depth) + 1,
            ExprKind::Index { operand, index, .. } => operand.depth.max(index.depth) + 1,
            _ => depth_of(&kind),
        };
        if depth > MAX_DEPTH {
            return self.fail(
                span,
                format!("expression recursion limit exceeded: {MAX_DEPTH}"),
            );
        }
        Ok(Box::new(Expr { span, kind, depth }))
    }

    // The functions on the recursive path (expr → or_chain → arith → unary → member →
    // primary → a nested expr) are kept small, with the work done in helpers that are not on
    // that path: in unoptimised builds every local of a function takes stack space, and
    // 250 nested levels must fit in a 2 MiB thread stack.

    fn expr(&mut self) -> PResult {
        if self.depth >= MAX_DEPTH {
            return self.too_deep();
        }
        self.depth += 1;
        let r = self.conditional();
        self.depth -= 1;
        r
    }

    #[cold]
    #[inline(never)]
    fn too_deep<T>(&mut self) -> Result<T, Stop> {
        let span = self.span();
        self.fail(
            span,
            format!("expression recursion limit exceeded: {MAX_DEPTH}"),
        )
    }

    fn conditional(&mut self) -> PResult {
        let cond = self.or_chain()?;
        if self.peek() != &Tok::Question {
            return Ok(cond);
        }
        self.ternary_rest(cond)
    }

    #[inline(never)]
    fn ternary_rest(&mut self, cond: Box<Expr>) -> PResult {
        self.bump();
        let then = self.or_chain()?;
        self.expect(Tok::Colon, "':' of the conditional")?;
        let otherwise = self.expr()?;
        let span = cond.span.start..otherwise.span.end;
        self.make(
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            },
            span,
        )
    }

    /// `||` chains of `&&` chains, each built as a balanced tree as cel-go does, so a long
    /// chain stays shallow; the result is the same since both operators are associative.
    fn or_chain(&mut self) -> PResult {
        let mut ors: Vec<Box<Expr>> = Vec::new();
        let mut ands: Vec<Box<Expr>> = Vec::new();
        loop {
            let term = self.arith(0)?;
            ands.push(term);
            match self.peek() {
                Tok::AndAnd => {
                    self.bump();
                }
                Tok::OrOr => {
                    self.bump();
                    let and = self.balance(BinaryOp::And, std::mem::take(&mut ands))?;
                    ors.push(and);
                }
                _ => break,
            }
        }
        let and = self.balance(BinaryOp::And, ands)?;
        if ors.is_empty() {
            return Ok(and);
        }
        ors.push(and);
        self.balance(BinaryOp::Or, ors)
    }

    #[inline(never)]
    fn balance(&mut self, op: BinaryOp, mut terms: Vec<Box<Expr>>) -> PResult {
        while terms.len() > 1 {
            let mut next = Vec::with_capacity(terms.len().div_ceil(2));
            let mut it = terms.into_iter();
            while let Some(lhs) = it.next() {
                match it.next() {
                    Some(rhs) => next.push(self.binary(op, lhs, rhs)?),
                    None => next.push(lhs),
                }
            }
            terms = next;
        }
        terms.pop().ok_or(Stop)
    }

    /// Relations, additions and multiplications by precedence climbing (all
    /// left-associative): 1 for relations, 2 for `+ -`, 3 for `* / %`.
    fn arith(&mut self, min: u8) -> PResult {
        let mut lhs = self.unary()?;
        loop {
            let (op, prec) = match binary_op(self.peek()) {
                Some((op, prec)) if prec > min => (op, prec),
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.arith(prec)?;
            lhs = self.binary(op, lhs, rhs)?;
        }
    }

    #[inline(never)]
    fn binary(&mut self, op: BinaryOp, lhs: Box<Expr>, rhs: Box<Expr>) -> PResult {
        let span = lhs.span.start..rhs.span.end;
        self.make(ExprKind::Binary { op, lhs, rhs }, span)
    }

    fn unary(&mut self) -> PResult {
        let ops = self.unary_ops()?;
        let e = self.member()?;
        if ops.is_empty() {
            return Ok(e);
        }
        self.apply_unary(ops, e)
    }

    #[inline(never)]
    fn unary_ops(&mut self) -> Result<Vec<(UnaryOp, usize)>, Stop> {
        let mut ops = Vec::new();
        loop {
            match self.peek() {
                Tok::Not => ops.push((UnaryOp::Not, self.bump().span.start)),
                // `-` directly before a number is part of the literal (so that
                // -9223372036854775808 is an int), handled by `primary`; but not after
                // another `-`: cel-go's grammar takes the whole run as operators, so
                // `--9223372036854775808` is an out-of-range literal, not a double negation.
                Tok::Minus
                    if !matches!(self.peek_at(1), Tok::Int(_) | Tok::Double(_))
                        || matches!(ops.last(), Some((UnaryOp::Neg, _))) =>
                {
                    ops.push((UnaryOp::Neg, self.bump().span.start))
                }
                _ => return Ok(ops),
            }
            if ops.len() as u32 > MAX_DEPTH {
                return self.too_deep();
            }
        }
    }

    #[inline(never)]
    fn apply_unary(&mut self, ops: Vec<(UnaryOp, usize)>, mut e: Box<Expr>) -> PResult {
        // A run of one prefix operator cancels in pairs, as in cel-go's and cel-cpp's parsers:
        // `--x` and `!!x` are `x` itself, whatever its type (`!!1` is 1, `--1u` is 1u).
        let mut kept: Vec<(UnaryOp, usize)> = Vec::new();
        let mut i = 0;
        while i < ops.len() {
            let run = ops[i..]
                .iter()
                .take_while(|(op, _)| *op == ops[i].0)
                .count();
            if run % 2 == 1 {
                kept.push(ops[i]);
            }
            i += run;
        }
        while let Some((op, start)) = kept.pop() {
            let span = start..e.span.end;
            e = self.make(ExprKind::Unary { op, operand: e }, span)?;
        }
        Ok(e)
    }

    fn member(&mut self) -> PResult {
        let mut e = self.primary()?;
        loop {
            e = match self.peek() {
                Tok::Dot => self.select_or_call(e)?,
                Tok::LBracket => self.index(e)?,
                Tok::LBrace if e.qualified_name().is_some() => self.message(e)?,
                _ => return Ok(e),
            };
        }
    }

    #[inline(never)]
    fn select_or_call(&mut self, e: Box<Expr>) -> PResult {
        self.bump();
        let optional = self.eat(&Tok::Question);
        let t = self.bump();
        let quoted = matches!(t.tok, Tok::QuotedIdent(_));
        let field = match t.tok {
            Tok::Ident(s) | Tok::QuotedIdent(s) => s,
            Tok::True | Tok::False | Tok::Null | Tok::In => {
                return self.fail(
                    t.span,
                    format!("{} is a keyword, not a field name", t.tok.describe()),
                );
            }
            other => {
                return self.fail(
                    t.span,
                    format!(
                        "expected a field name after '.', found {}",
                        other.describe()
                    ),
                );
            }
        };
        if self.peek() == &Tok::LParen && !optional && !quoted {
            self.bump();
            let args = self.list_of(Tok::RParen, "')'", Self::arg)?;
            let end = self.prev_end();
            return self.call(Some(e), field, t.span, args, end);
        }
        let span = e.span.start..t.span.end;
        self.make(
            ExprKind::Select {
                operand: e,
                field,
                field_span: t.span,
                optional,
            },
            span,
        )
    }

    #[inline(never)]
    fn index(&mut self, e: Box<Expr>) -> PResult {
        self.bump();
        let optional = self.eat(&Tok::Question);
        let index = self.expr()?;
        self.expect(Tok::RBracket, "']'")?;
        let span = e.span.start..self.prev_end();
        self.make(
            ExprKind::Index {
                operand: e,
                index,
                optional,
            },
            span,
        )
    }

    #[inline(never)]
    fn message(&mut self, e: Box<Expr>) -> PResult {
        let name = e.qualified_name().unwrap_or_default();
        let start = e.span.start;
        self.bump();
        let fields = self.list_of(Tok::RBrace, "'}'", Self::field_init)?;
        let span = start..self.prev_end();
        self.make(ExprKind::Struct { name, fields }, span)
    }

    fn field_init(&mut self) -> Result<FieldInit, Stop> {
        let optional = self.eat(&Tok::Question);
        let t = self.bump();
        let name = match t.tok {
            Tok::Ident(s) | Tok::QuotedIdent(s) => s,
            other => {
                return self.fail(
                    t.span,
                    format!("expected a field name, found {}", other.describe()),
                );
            }
        };
        self.expect(Tok::Colon, "':' after the field name")?;
        let value = *self.expr()?;
        Ok(FieldInit {
            name,
            name_span: t.span,
            value,
            optional,
        })
    }

    /// Comma-separated items up to `close` (a trailing comma allowed). An item that fails to
    /// parse is skipped to the next comma, so one expression can report several errors.
    fn list_of<T>(
        &mut self,
        close: Tok,
        what: &str,
        mut item: impl FnMut(&mut Self) -> Result<T, Stop>,
    ) -> Result<Vec<T>, Stop> {
        let mut items = Vec::new();
        let mut failed = false;
        loop {
            if self.eat(&close) {
                break;
            }
            match item(self) {
                Ok(x) => items.push(x),
                Err(Stop) => {
                    failed = true;
                    if !self.skip_item(&close) {
                        return Err(Stop);
                    }
                }
            }
            if self.eat(&Tok::Comma) {
                continue;
            }
            if self.eat(&close) {
                break;
            }
            if failed {
                return Err(Stop);
            }
            let t = self.tokens[self.pos].clone();
            return self.fail(
                t.span,
                format!("expected ',' or {what}, found {}", t.tok.describe()),
            );
        }
        if failed { Err(Stop) } else { Ok(items) }
    }

    /// Skips to the next `,` or `close` at this nesting level; false at the end of input.
    fn skip_item(&mut self, close: &Tok) -> bool {
        let mut level = 0usize;
        loop {
            match self.peek() {
                Tok::Eof => return false,
                Tok::LParen | Tok::LBracket | Tok::LBrace => level += 1,
                Tok::RParen | Tok::RBracket | Tok::RBrace if level > 0 => level -= 1,
                t if level == 0 && (t == close || t == &Tok::Comma) => return true,
                Tok::RParen | Tok::RBracket | Tok::RBrace => return false,
                _ => {}
            }
            self.bump();
        }
    }

    fn primary(&mut self) -> PResult {
        match self.peek() {
            Tok::LParen => self.parens(),
            Tok::LBracket => self.list_literal(),
            Tok::LBrace => self.map_literal(),
            Tok::Dot | Tok::Ident(_) => self.name(),
            _ => self.literal(),
        }
    }

    #[inline(never)]
    fn parens(&mut self) -> PResult {
        self.bump();
        let e = self.expr()?;
        self.expect(Tok::RParen, "')'")?;
        Ok(e)
    }

    #[inline(never)]
    fn list_literal(&mut self) -> PResult {
        let start = self.bump().span.start;
        let items = self.list_of(Tok::RBracket, "']'", Self::list_element)?;
        let span = start..self.prev_end();
        self.make(ExprKind::List(items), span)
    }

    fn arg(&mut self) -> Result<Expr, Stop> {
        self.expr().map(|e| *e)
    }

    fn list_element(&mut self) -> Result<ListElement, Stop> {
        let optional = self.eat(&Tok::Question);
        Ok(ListElement {
            expr: *self.expr()?,
            optional,
        })
    }

    #[inline(never)]
    fn map_literal(&mut self) -> PResult {
        let start = self.bump().span.start;
        let entries = self.list_of(Tok::RBrace, "'}'", Self::map_entry)?;
        let span = start..self.prev_end();
        self.make(ExprKind::Map(entries), span)
    }

    fn map_entry(&mut self) -> Result<MapEntry, Stop> {
        let optional = self.eat(&Tok::Question);
        let key = *self.expr()?;
        self.expect(Tok::Colon, "':' after the map key")?;
        let value = *self.expr()?;
        Ok(MapEntry {
            key,
            value,
            optional,
        })
    }

    #[inline(never)]
    fn name(&mut self) -> PResult {
        let t = self.bump();
        let start = t.span.start;
        match t.tok {
            Tok::Dot => {
                let id = self.bump();
                match id.tok {
                    Tok::Ident(name) => self.ident_or_call(name, id.span, start, true),
                    other => self.fail(
                        id.span,
                        format!("expected a name after '.', found {}", other.describe()),
                    ),
                }
            }
            Tok::Ident(name) => self.ident_or_call(name, t.span, start, false),
            _ => Err(Stop),
        }
    }

    #[inline(never)]
    fn literal(&mut self) -> PResult {
        let t = self.bump();
        let start = t.span.start;
        let value = match t.tok {
            Tok::Int(n) if n > i64::MAX as u64 => {
                return self.fail(t.span, format!("invalid int literal: {n} is out of range"));
            }
            Tok::Int(n) => Value::Int(n as i64),
            Tok::Minus => {
                // Only reached before a number (see `unary_ops`).
                let n = self.bump();
                let span = start..n.span.end;
                let v = match n.tok {
                    Tok::Int(m) if m <= i64::MAX as u64 + 1 => {
                        Value::Int((m as i128).wrapping_neg() as i64)
                    }
                    Tok::Int(m) => {
                        return self
                            .fail(span, format!("invalid int literal: -{m} is out of range"));
                    }
                    Tok::Double(d) => Value::Double(-d),
                    _ => return self.fail(span, "expected a number after '-'"),
                };
                return self.make(ExprKind::Literal(v), span);
            }
            Tok::Uint(n) => Value::Uint(n),
            Tok::Double(d) => Value::Double(d),
            Tok::String(s) => Value::string(s),
            Tok::Bytes(b) => Value::Bytes(b.into()),
            Tok::True => Value::Bool(true),
            Tok::False => Value::Bool(false),
            Tok::Null => Value::Null,
            Tok::Eof => return self.fail(t.span, "unexpected end of expression"),
            other => {
                // Leave a separator or closer for the caller's recovery to find.
                if matches!(
                    other,
                    Tok::Comma | Tok::RParen | Tok::RBracket | Tok::RBrace
                ) {
                    self.pos -= 1;
                }
                return self.fail(t.span, format!("unexpected {}", other.describe()));
            }
        };
        self.make(ExprKind::Literal(value), t.span)
    }

    #[inline(never)]
    fn ident_or_call(&mut self, name: String, span: Span, start: usize, absolute: bool) -> PResult {
        if RESERVED.contains(&name.as_str()) {
            return self.fail(span, format!("reserved identifier: {name}"));
        }
        if self.peek() == &Tok::LParen {
            self.bump();
            let args = self.list_of(Tok::RParen, "')'", Self::arg)?;
            let end = self.prev_end();
            let function = if absolute { format!(".{name}") } else { name };
            let _ = start;
            return self.call(None, function, span, args, end);
        }
        let full = start..span.end;
        self.make(ExprKind::Ident { name, absolute }, full)
    }

    /// A call, or the macro it spells.
    fn call(
        &mut self,
        target: Option<Box<Expr>>,
        function: String,
        function_span: Span,
        mut args: Vec<Expr>,
        end: usize,
    ) -> PResult {
        let start = target
            .as_ref()
            .map_or(function_span.start, |t| t.span.start);
        let span = start..end;
        if self.options.macros {
            match (&target, function.as_str(), args.len()) {
                (None, "has", 1) => {
                    let arg = args.pop().ok_or(Stop)?;
                    return match arg.kind {
                        ExprKind::Select {
                            operand,
                            field,
                            field_span,
                            optional: false,
                        } => self.make(
                            ExprKind::Presence {
                                operand,
                                field,
                                field_span,
                            },
                            span,
                        ),
                        _ => self.fail(arg.span, "invalid argument to has() macro"),
                    };
                }
                (Some(t), "bind", 3)
                    if self.options.bindings
                        && matches!(&t.kind, ExprKind::Ident { name, absolute: false } if name == "cel") =>
                {
                    let mut it = args.into_iter();
                    let (var, init, body) = match (it.next(), it.next(), it.next()) {
                        (Some(a), Some(b), Some(c)) => (a, b, c),
                        _ => return Err(Stop),
                    };
                    let (name, var_span) = self.variable(&var, "cel.bind")?;
                    return self.comprehension(
                        MacroKind::Bind,
                        Box::new(init),
                        (name, var_span),
                        None,
                        vec![body],
                        span,
                    );
                }
                (Some(_), "sortBy", 2) => {
                    // `l.sortBy(e, key)` sorts `l` by `l.map(e, key)`, as cel-go expands it.
                    let target = target.ok_or(Stop)?;
                    let mut it = args.into_iter();
                    let (var, key) = match (it.next(), it.next()) {
                        (Some(a), Some(b)) => (a, b),
                        _ => return Err(Stop),
                    };
                    let v = self.variable(&var, "sortBy")?;
                    let keys = self.comprehension(
                        MacroKind::Map,
                        target.clone(),
                        v,
                        None,
                        vec![key],
                        span.clone(),
                    )?;
                    return self.make(
                        ExprKind::Call {
                            target: None,
                            function: "@sortByAssociatedKeys".into(),
                            function_span,
                            args: vec![*target, *keys],
                        },
                        span,
                    );
                }
                (Some(_), f, n) => {
                    let kind = match (f, n) {
                        ("all", 3)
                        | ("exists", 3)
                        | ("exists_one" | "existsOne", 3)
                        | ("transformList" | "transformMap" | "transformMapEntry", _)
                            if !self.options.two_var_comprehensions =>
                        {
                            None
                        }
                        ("all", 2 | 3) => Some(MacroKind::All),
                        ("exists", 2 | 3) => Some(MacroKind::Exists),
                        ("exists_one" | "existsOne", 2 | 3) => Some(MacroKind::ExistsOne),
                        ("map", 2 | 3) => Some(MacroKind::Map),
                        ("filter", 2) => Some(MacroKind::Filter),
                        ("transformList", 3 | 4) => Some(MacroKind::TransformList),
                        ("transformMap", 3 | 4) => Some(MacroKind::TransformMap),
                        ("transformMapEntry", 3 | 4) => Some(MacroKind::TransformMapEntry),
                        ("optMap", 2) => Some(MacroKind::OptMap),
                        ("optFlatMap", 2) => Some(MacroKind::OptFlatMap),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        let two_vars = match kind {
                            MacroKind::All | MacroKind::Exists | MacroKind::ExistsOne => n == 3,
                            MacroKind::TransformList
                            | MacroKind::TransformMap
                            | MacroKind::TransformMapEntry => true,
                            _ => false,
                        };
                        let target = target.ok_or(Stop)?;
                        let mut it = args.into_iter();
                        let first = it.next().ok_or(Stop)?;
                        let v1 = self.variable(&first, f)?;
                        let v2 = if two_vars {
                            let second = it.next().ok_or(Stop)?;
                            let v2 = self.variable(&second, f)?;
                            if v2.0 == v1.0 {
                                return self.fail(
                                    second.span,
                                    format!("duplicate variable name: {}", v2.0),
                                );
                            }
                            Some(v2)
                        } else {
                            None
                        };
                        return self.comprehension(kind, target, v1, v2, it.collect(), span);
                    }
                }
                _ => {}
            }
        }
        self.make(
            ExprKind::Call {
                target,
                function,
                function_span,
                args,
            },
            span,
        )
    }

    fn variable(&mut self, e: &Expr, mac: &str) -> Result<(String, Span), Stop> {
        match &e.kind {
            ExprKind::Ident {
                name,
                absolute: false,
            } => Ok((name.clone(), e.span.clone())),
            _ => self.fail(
                e.span.clone(),
                format!("{mac}() variable names must be simple identifiers"),
            ),
        }
    }

    fn comprehension(
        &mut self,
        kind: MacroKind,
        range: Box<Expr>,
        var: (String, Span),
        var2: Option<(String, Span)>,
        args: Vec<Expr>,
        span: Span,
    ) -> PResult {
        if var.0 == "__result__" || var2.as_ref().is_some_and(|v| v.0 == "__result__") {
            return self.fail(
                var.1,
                "the iteration variable overwrites the accumulator variable",
            );
        }
        self.make(
            ExprKind::Comprehension(Box::new(Comprehension {
                kind,
                range: *range,
                var: var.0,
                var_span: var.1,
                var2,
                args,
            })),
            span,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Expr {
        let (e, errs) = parse(src);
        assert!(errs.is_empty(), "{src}: {errs:?}");
        e.unwrap()
    }

    fn err(src: &str) -> Vec<SyntaxError> {
        let (e, errs) = parse(src);
        assert!(e.is_none(), "{src} parsed");
        errs
    }

    #[test]
    fn spans_cover_each_node() {
        let e = ok("a.b[1] + f(x, 'y')");
        assert_eq!(e.span, 0..18);
        let ExprKind::Binary { lhs, rhs, .. } = &e.kind else {
            panic!()
        };
        assert_eq!(lhs.span, 0..6);
        assert_eq!(rhs.span, 9..18);
        let ExprKind::Index { operand, index, .. } = &lhs.kind else {
            panic!()
        };
        assert_eq!(operand.span, 0..3);
        assert_eq!(index.span, 4..5);
        let ExprKind::Call {
            args,
            function_span,
            ..
        } = &rhs.kind
        else {
            panic!()
        };
        assert_eq!(*function_span, 9..10);
        assert_eq!(args[1].span, 14..17);
    }

    #[test]
    fn repeated_prefix_operators_cancel_in_pairs() {
        let e = ok("!!x");
        assert!(
            matches!(&e.kind, ExprKind::Ident { name, .. } if name == "x"),
            "{e:?}"
        );
        assert_eq!(e.span, 2..3);
        let e = ok("---x");
        let ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } = &e.kind
        else {
            panic!("{e:?}")
        };
        assert!(matches!(&operand.kind, ExprKind::Ident { .. }), "{e:?}");
        assert_eq!(e.span, 0..4);
        let e = ok("--1u");
        assert!(
            matches!(&e.kind, ExprKind::Literal(Value::Uint(1))),
            "{e:?}"
        );
    }

    #[test]
    fn precedence() {
        let e = ok("1 + 2 * 3 == 7 && !false || x in [1]");
        let ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            ..
        } = &e.kind
        else {
            panic!("{e:?}")
        };
        let ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            ..
        } = &lhs.kind
        else {
            panic!()
        };
        let ExprKind::Binary {
            op: BinaryOp::Eq,
            lhs,
            ..
        } = &lhs.kind
        else {
            panic!()
        };
        let ExprKind::Binary {
            op: BinaryOp::Add,
            rhs,
            ..
        } = &lhs.kind
        else {
            panic!()
        };
        assert!(matches!(
            rhs.kind,
            ExprKind::Binary {
                op: BinaryOp::Mul,
                ..
            }
        ));
    }

    #[test]
    fn macros_and_optional_syntax() {
        let e = ok("has(a.b) && l.all(x, x > 0) && m.exists(k, v, v == k) && cel.bind(y, 1, y)");
        assert_eq!(e.depth, 5);
        assert!(matches!(
            ok("a.?b[?0]").kind,
            ExprKind::Index { optional: true, .. }
        ));
        assert!(matches!(
            ok("Object{spec: Object.spec{a: 1}}").kind,
            ExprKind::Struct { .. }
        ));
        assert!(matches!(ok("x.orValue(1)").kind, ExprKind::Call { .. }));
        assert_eq!(err("has(a)")[0].message, "invalid argument to has() macro");
        assert_eq!(
            err("l.map(1, x)")[0].message,
            "map() variable names must be simple identifiers"
        );
        let no_macros = ParseOptions {
            macros: false,
            ..ParseOptions::default()
        };
        let (e, errs) = parse_with("has(a)", no_macros);
        assert!(errs.is_empty() && matches!(e.unwrap().kind, ExprKind::Call { .. }));
        let plain = ParseOptions {
            bindings: false,
            two_var_comprehensions: false,
            ..ParseOptions::default()
        };
        for src in [
            "cel.bind(x, 1, x)",
            "l.all(k, v, v)",
            "m.transformMap(k, v, v)",
        ] {
            let (e, _) = parse_with(src, plain);
            assert!(matches!(e.unwrap().kind, ExprKind::Call { .. }), "{src}");
        }
        let (e, _) = parse_with("l.all(x, x)", plain);
        assert!(matches!(e.unwrap().kind, ExprKind::Comprehension(_)));
    }

    #[test]
    fn errors_print_as_cel_go_does() {
        let src = "a &&\n  'é' +";
        let errs = err(src);
        assert_eq!(
            format_errors(src, &errs),
            "ERROR: <input>:2:8: Syntax error: unexpected end of expression\n |   'é' +\n | .......^"
        );
    }

    #[test]
    fn negative_literals() {
        assert!(matches!(
            ok("-9223372036854775808").kind,
            ExprKind::Literal(Value::Int(i64::MIN))
        ));
        assert_eq!(
            err("9223372036854775808")[0].message,
            "invalid int literal: 9223372036854775808 is out of range"
        );
        for src in ["--9223372036854775808", "---9223372036854775808"] {
            assert_eq!(
                err(src)[0].message,
                "invalid int literal: 9223372036854775808 is out of range",
                "{src}"
            );
        }
        let e = ok("---1");
        let ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } = &e.kind
        else {
            panic!("{e:?}")
        };
        assert!(
            matches!(operand.kind, ExprKind::Literal(Value::Int(1))),
            "{e:?}"
        );
    }

    #[test]
    fn errors_are_reported_with_spans() {
        assert_eq!(
            err("1 +"),
            vec![SyntaxError {
                span: 3..3,
                message: "unexpected end of expression".into()
            }]
        );
        let errs = err("f(1 +, 2 *, )");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(
            err("a b")[0].message,
            "unexpected 'b' after the end of the expression"
        );
        assert_eq!(err("if")[0].message, "reserved identifier: if");
        assert!(matches!(ok("{'if': 1}.if").kind, ExprKind::Select { .. }));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // 50,000 pairs exceed the size limit first, as in cel-go; just under it, the depth.
        let src = format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000));
        assert_eq!(
            err(&src)[0].message,
            "expression code point size exceeds limit: size: 100001, limit 100000"
        );
        let src = format!("{}1{}", "(".repeat(49_999), ")".repeat(49_999));
        assert_eq!(
            err(&src)[0].message,
            "expression recursion limit exceeded: 250"
        );
        let src = format!("{}1{}", "[".repeat(49_999), "]".repeat(49_999));
        assert_eq!(
            err(&src)[0].message,
            "expression recursion limit exceeded: 250"
        );
        let src = format!("{}true", "!".repeat(50_000));
        assert_eq!(
            err(&src)[0].message,
            "expression recursion limit exceeded: 250"
        );
        // Just under the limit, every kind of nesting parses on a test thread's stack.
        for (open, close) in [
            ("(", ")"),
            ("[", "]"),
            ("f(", ")"),
            ("{1: ", "}"),
            ("a[", "]"),
        ] {
            let src = format!("{}1{}", open.repeat(240), close.repeat(240));
            assert!(parse(&src).1.is_empty(), "{open}");
        }
        let src = vec!["1"; 10_000].join(" + ");
        assert_eq!(
            err(&src)[0].message,
            "expression recursion limit exceeded: 250"
        );
        let src = format!("a{}", ".b".repeat(10_000));
        assert_eq!(
            err(&src)[0].message,
            "expression recursion limit exceeded: 250"
        );
        // A long || chain is balanced, so it stays shallow.
        let src = vec!["x"; 10_000].join(" || ");
        assert!(ok(&src).depth < 20);
        let big = "1".repeat(100_001);
        assert_eq!(
            err(&big)[0].message,
            "expression code point size exceeds limit: size: 100001, limit 100000"
        );
    }
}
