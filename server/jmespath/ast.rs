//! The syntax tree of a Kyverno JMESPath expression. Its shape follows the go-jmespath fork
//! Kyverno runs (the evaluator's semantics hang on the node kinds: a flatten swallows errors
//! that a `[*]` projection passes on), and every node carries the byte range it was parsed
//! from, so that static checks can underline exactly the name, literal or call at fault.

use std::sync::Arc;

use super::value::Value;

/// A byte range `start..end` in the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// An empty span at `at`, for nodes the parser adds without text (implicit `@`).
    pub fn empty(at: usize) -> Span {
        Span { start: at, end: at }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ast {
    /// The text this node was parsed from. For a field or a literal it is the token itself
    /// (quotes and backticks included); for a call, `name(...)` up to the closing parenthesis.
    pub span: Span,
    pub kind: AstKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "==",
            Comparator::Ne => "!=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// One `key: value` entry of a multi-select hash `{key: value, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub key: String,
    /// The key token (with its quotes when quoted).
    pub key_span: Span,
    pub value: Ast,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AstKind {
    /// The current value, added by the parser where the text has nothing: the left side of a
    /// leading `[*]`/`*`/`[?...]`, the right side of a projection that stops. Empty span.
    Identity,
    /// `@`, written by the author.
    Current,
    /// A name, bare (`metadata`) or quoted (`"app.kubernetes.io/name"`).
    Field {
        name: String,
    },
    /// `[2]`, `[-1]`: always the right side of a [`AstKind::Subexpression`].
    Index {
        index: i64,
    },
    /// `[start:stop:step]`: the right side of a [`AstKind::Subexpression`] that a
    /// [`AstKind::ListProjection`] then projects.
    Slice {
        start: Option<i64>,
        stop: Option<i64>,
        step: Option<i64>,
    },
    /// `lhs.rhs` and `lhs[index]`: the right side is evaluated against the left's result.
    Subexpression {
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    /// `lhs[*]rhs`, and the projections of `[]` (lhs is a [`AstKind::Flatten`]) and of slices:
    /// `rhs` is evaluated against every element of the array `lhs`, nulls dropped.
    ListProjection {
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    /// `lhs.*rhs`, `*`: `rhs` against every value of the object `lhs`.
    ObjectProjection {
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    /// `lhs[?condition]rhs`: `rhs` against every element of `lhs` for which the condition holds.
    FilterProjection {
        lhs: Box<Ast>,
        condition: Box<Ast>,
        rhs: Box<Ast>,
    },
    /// `lhs[]` before projection: arrays inside the array `lhs` are spliced in.
    Flatten {
        node: Box<Ast>,
    },
    Comparison {
        op: Comparator,
        /// The operator token.
        op_span: Span,
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    Or {
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    And {
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    Not {
        node: Box<Ast>,
    },
    /// `[a, b]`.
    MultiSelectList {
        elements: Vec<Ast>,
    },
    /// `{a: x, b: y}`.
    MultiSelectHash {
        entries: Vec<KeyValue>,
    },
    /// `name(args...)`. `name_span` is the name alone.
    Function {
        name: String,
        name_span: Span,
        args: Vec<Ast>,
    },
    /// `&expression`, an argument of `sort_by`, `map`, `max_by`, `min_by`.
    Expref {
        node: Box<Ast>,
    },
    /// A backtick JSON literal: `` `"text"` ``, `` `1` ``, `` `{"a": true}` ``.
    Literal {
        value: Value,
    },
    /// A raw string `'text'` (only `\'` is an escape).
    RawString {
        value: Arc<str>,
    },
    /// `lhs | rhs`.
    Pipe {
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
}

impl Ast {
    pub fn new(kind: AstKind, span: Span) -> Ast {
        Ast { span, kind }
    }

    /// Where the node starts in the expression.
    pub fn offset(&self) -> usize {
        self.span.start
    }

    /// The direct sub-expressions, left to right in the text (for a filter: the array, then
    /// the condition, then what is projected).
    pub fn children(&self) -> Vec<&Ast> {
        match &self.kind {
            AstKind::Identity
            | AstKind::Current
            | AstKind::Field { .. }
            | AstKind::Index { .. }
            | AstKind::Slice { .. }
            | AstKind::Literal { .. }
            | AstKind::RawString { .. } => Vec::new(),
            AstKind::Subexpression { lhs, rhs }
            | AstKind::ListProjection { lhs, rhs }
            | AstKind::ObjectProjection { lhs, rhs }
            | AstKind::Comparison { lhs, rhs, .. }
            | AstKind::Or { lhs, rhs }
            | AstKind::And { lhs, rhs }
            | AstKind::Pipe { lhs, rhs } => vec![lhs, rhs],
            AstKind::FilterProjection {
                lhs,
                condition,
                rhs,
            } => vec![lhs, condition, rhs],
            AstKind::Flatten { node } | AstKind::Not { node } | AstKind::Expref { node } => {
                vec![node]
            }
            AstKind::MultiSelectList { elements } => elements.iter().collect(),
            AstKind::MultiSelectHash { entries } => entries.iter().map(|e| &e.value).collect(),
            AstKind::Function { args, .. } => args.iter().collect(),
        }
    }
}
