//! The CEL syntax tree. Every node keeps the byte span of its text in the expression, so the
//! editor can point at any part of it; macros are expanded into `Comprehension` nodes whose
//! span is the whole macro call.

use super::value::Value;
use crate::diag::Span;

#[derive(Debug, Clone)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
    /// Height of the tree under this node (a leaf is 1). The parser refuses trees taller
    /// than its limit, which in turn bounds the evaluator's recursion.
    pub depth: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    /// cel-go's internal function name for the operator (`_+_`, `@in`…), as used in its
    /// error messages.
    pub fn function(self) -> &'static str {
        match self {
            BinaryOp::Or => "_||_",
            BinaryOp::And => "_&&_",
            BinaryOp::Eq => "_==_",
            BinaryOp::Ne => "_!=_",
            BinaryOp::Lt => "_<_",
            BinaryOp::Le => "_<=_",
            BinaryOp::Gt => "_>_",
            BinaryOp::Ge => "_>=_",
            BinaryOp::In => "@in",
            BinaryOp::Add => "_+_",
            BinaryOp::Sub => "_-_",
            BinaryOp::Mul => "_*_",
            BinaryOp::Div => "_/_",
            BinaryOp::Rem => "_%_",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListElement {
    pub expr: Expr,
    /// `[?x]`: included only when the optional `x` has a value.
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub struct MapEntry {
    pub key: Expr,
    pub value: Expr,
    /// `{?k: v}`: included only when the optional `v` has a value.
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub struct FieldInit {
    pub name: String,
    pub name_span: Span,
    pub value: Expr,
    pub optional: bool,
}

/// The macros, kept as their own node kinds rather than expanded into cel-go's generic
/// accumulator loops: evaluation is then linear (no list copied per step) and the editor can
/// still tell which macro it is looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroKind {
    /// `r.all(x, p)`, `r.all(k, v, p)`
    All,
    /// `r.exists(x, p)`, `r.exists(k, v, p)`
    Exists,
    /// `r.exists_one(x, p)`, `r.existsOne(x, p)`, and their two-variable forms
    ExistsOne,
    /// `r.map(x, t)` (args: `[t]`) and `r.map(x, f, t)` (args: `[f, t]`)
    Map,
    /// `r.filter(x, p)`
    Filter,
    /// `r.transformList(i, v, [f,] t)`
    TransformList,
    /// `r.transformMap(k, v, [f,] t)`
    TransformMap,
    /// `r.transformMapEntry(k, v, [f,] t)`
    TransformMapEntry,
    /// `cel.bind(var, init, body)`: `range` is `init`, args `[body]`
    Bind,
    /// `o.optMap(x, t)`
    OptMap,
    /// `o.optFlatMap(x, t)`
    OptFlatMap,
}

impl MacroKind {
    pub fn name(self) -> &'static str {
        match self {
            MacroKind::All => "all",
            MacroKind::Exists => "exists",
            MacroKind::ExistsOne => "exists_one",
            MacroKind::Map => "map",
            MacroKind::Filter => "filter",
            MacroKind::TransformList => "transformList",
            MacroKind::TransformMap => "transformMap",
            MacroKind::TransformMapEntry => "transformMapEntry",
            MacroKind::Bind => "cel.bind",
            MacroKind::OptMap => "optMap",
            MacroKind::OptFlatMap => "optFlatMap",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Comprehension {
    pub kind: MacroKind,
    pub range: Expr,
    pub var: String,
    pub var_span: Span,
    /// The second variable of the two-variable forms (the value; `var` is then the index or
    /// key).
    pub var2: Option<(String, Span)>,
    pub args: Vec<Expr>,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    /// null, bool, int, uint, double, string or bytes.
    Literal(Value),
    /// A name; `absolute` for a leading dot (`.a`), which skips the container.
    Ident {
        name: String,
        absolute: bool,
    },
    /// `a.b`, or `a.?b` when `optional`.
    Select {
        operand: Box<Expr>,
        field: String,
        field_span: Span,
        optional: bool,
    },
    /// `has(a.b)`.
    Presence {
        operand: Box<Expr>,
        field: String,
        field_span: Span,
    },
    /// `a[i]`, or `a[?i]` when `optional`.
    Index {
        operand: Box<Expr>,
        index: Box<Expr>,
        optional: bool,
    },
    /// `f(args)` or `target.f(args)`.
    Call {
        target: Option<Box<Expr>>,
        function: String,
        function_span: Span,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Conditional {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    List(Vec<ListElement>),
    Map(Vec<MapEntry>),
    /// `Name{field: value}`: a message construction such as Kyverno's `Object{…}`.
    Struct {
        name: String,
        fields: Vec<FieldInit>,
    },
    Comprehension(Box<Comprehension>),
}

impl Expr {
    /// The direct children, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        self.kind.children()
    }
}

impl ExprKind {
    /// The direct children, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            ExprKind::Literal(_) | ExprKind::Ident { .. } => vec![],
            ExprKind::Select { operand, .. } | ExprKind::Presence { operand, .. } => {
                vec![operand]
            }
            ExprKind::Index { operand, index, .. } => vec![operand, index],
            ExprKind::Call { target, args, .. } => {
                target.iter().map(|t| &**t).chain(args.iter()).collect()
            }
            ExprKind::Unary { operand, .. } => vec![operand],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => vec![cond, then, otherwise],
            ExprKind::List(items) => items.iter().map(|e| &e.expr).collect(),
            ExprKind::Map(entries) => entries.iter().flat_map(|e| [&e.key, &e.value]).collect(),
            ExprKind::Struct { fields, .. } => fields.iter().map(|f| &f.value).collect(),
            ExprKind::Comprehension(c) => std::iter::once(&c.range).chain(c.args.iter()).collect(),
        }
    }
}

impl Expr {
    /// The nodes whose span contains `offset`, outermost first (for hover and completion).
    /// Iterative, so it never recurses on the tree's height.
    pub fn path_at(&self, offset: usize) -> Vec<&Expr> {
        let mut path = Vec::new();
        let mut cur = Some(self);
        while let Some(e) = cur {
            if !(e.span.start <= offset && offset <= e.span.end) {
                break;
            }
            path.push(e);
            cur = e
                .children()
                .into_iter()
                .find(|c| c.span.start <= offset && offset <= c.span.end);
        }
        path
    }

    /// The dotted name this expression spells, if it is a chain of plain selects on an
    /// identifier (`a.b.c`), for qualified-name resolution.
    pub fn qualified_name(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Ident { name, absolute } => Some(if *absolute {
                format!(".{name}")
            } else {
                name.clone()
            }),
            ExprKind::Select {
                operand,
                field,
                optional: false,
                ..
            } => operand.qualified_name().map(|q| format!("{q}.{field}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_at_finds_the_innermost_node() {
        let (e, _) = super::super::parse("a.b + f(x, 'yz')");
        let e = e.unwrap();
        let spans: Vec<_> = e.path_at(12).iter().map(|n| n.span.clone()).collect();
        assert_eq!(spans, vec![0..16, 6..16, 11..15]);
        assert!(e.path_at(99).is_empty());
    }
}
