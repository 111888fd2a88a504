//! `deny` conditions and `foreach` lists as CEL, for the JMESPath that has one exact CEL form:
//! paths of field names below `request.object` or a `foreach` element, a `[]` projection with
//! `to_upper(@)` or `to_lower(@)`, the multi-select list of a Pod's container lists, a
//! `|| default` whose default is the empty value of the field's type (so that JMESPath's
//! "falsy" and CEL's "absent" agree), and `contains` and `length` (also after a pipe) where the
//! field's type gives them one meaning. Anything else is refused.
//!
//! A path without a default reads fields as Kyverno's JMESPath does: a missing one is an
//! error, as a CEL select of a missing field is.

use serde_json::Value;

use super::pattern::{Expr, Refused, quote};
use crate::jmespath::ast::{Ast, AstKind};
use crate::k8s::{self, Shape};

/// An expression and the API's shape for its value, when known.
struct Typed {
    cel: String,
    shape: Option<Shape>,
}

/// Where translation happens: the CEL name of the current `foreach` element and its shape.
pub struct Scope<'a> {
    pub element: Option<(&'a str, Option<Shape>)>,
    /// The shape of `request.object` (the matched kind), when there is one.
    pub object: Option<Shape>,
}

fn refuse(at: &str, reason: impl Into<String>) -> Refused {
    Refused {
        pointer: at.to_string(),
        reason: reason.into(),
    }
}

/// The names of a chain of field selections (`a.b.c`), or None.
fn names(ast: &Ast) -> Option<Vec<&str>> {
    match &ast.kind {
        AstKind::Field { name } => Some(vec![name.as_str()]),
        AstKind::Subexpression { lhs, rhs } => {
            let mut l = names(lhs)?;
            l.extend(names(rhs)?);
            Some(l)
        }
        _ => None,
    }
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// A path of names from `request.object` or the element, with `?.` selects when `optional`
/// (under a `|| default`). `object.spec` stays a plain select: autogen rewrites that text.
fn path(names: &[&str], scope: &Scope, optional: bool, at: &str) -> Result<Typed, Refused> {
    let (mut cel, mut shape, rest) = match names {
        ["request", "object", rest @ ..] => ("object".to_string(), scope.object.clone(), rest),
        ["element", rest @ ..] => match &scope.element {
            Some((name, shape)) => (name.to_string(), shape.clone(), rest),
            None => return Err(refuse(at, "`element` outside a `foreach`")),
        },
        _ => {
            return Err(refuse(
                at,
                "only paths below `request.object` or `element` are translated yet",
            ));
        }
    };
    for (i, n) in rest.iter().enumerate() {
        let plain = !optional || (cel == "object" && i == 0);
        cel = match (is_name(n), plain) {
            (true, true) => format!("{cel}.{n}"),
            (true, false) => format!("{cel}.?{n}"),
            // A key that is no identifier (`app.kubernetes.io/name`) is an index.
            (false, true) => format!("{cel}[{}]", quote(n)),
            (false, false) => format!("{cel}[?{}]", quote(n)),
        };
        shape = super::pattern::field(&shape, n);
    }
    Ok(Typed { cel, shape })
}

/// The CEL of `expr` (a JMESPath expression, without braces).
fn translate(expr: &str, scope: &Scope, at: &str) -> Result<Typed, Refused> {
    let ast = crate::jmespath::parse(expr)
        .map_err(|e| refuse(at, format!("`{expr}` does not parse: {e}")))?;
    node(&ast, scope, false, at).map_err(|r| Refused {
        reason: format!("`{expr}`: {}", r.reason),
        ..r
    })
}

fn node(ast: &Ast, scope: &Scope, optional: bool, at: &str) -> Result<Typed, Refused> {
    if let Some(n) = names(ast) {
        return path(&n, scope, optional, at);
    }
    match &ast.kind {
        AstKind::Or { lhs, rhs } => {
            let default = match &rhs.kind {
                AstKind::Literal { value } => value.to_json(),
                AstKind::RawString { value } => Value::String(value.to_string()),
                _ => {
                    return Err(refuse(
                        at,
                        "only a literal default after `||` is translated",
                    ));
                }
            };
            let l = node(lhs, scope, true, at)?;
            let (zero, cel_default) = match (&l.shape, &default) {
                (Some(Shape::Array(_)), Value::Array(a)) if a.is_empty() => {
                    (true, "[]".to_string())
                }
                (Some(Shape::String), Value::String(s)) if s.is_empty() => (true, "''".to_string()),
                (Some(Shape::Boolean), Value::Bool(false)) => (true, "false".to_string()),
                _ => (false, String::new()),
            };
            if !zero {
                return Err(refuse(
                    at,
                    "a `||` default other than the empty value of the field's type is not translated",
                ));
            }
            // `a.?b.orValue(d)`, or for a projection of an optional list, the list's default
            // inside it.
            let cel = if l.cel.contains(".?") && !l.cel.contains(".map(") {
                format!("{}.orValue({cel_default})", l.cel)
            } else {
                l.cel
            };
            Ok(Typed {
                cel,
                shape: l.shape,
            })
        }
        AstKind::ListProjection { lhs, rhs } => {
            let AstKind::Flatten { node: inner } = &lhs.kind else {
                return Err(refuse(at, "only `[]` projections are translated"));
            };
            // The container lists of a Pod: `request.object.spec.[a, b, c][]`.
            if let AstKind::Subexpression {
                lhs: base,
                rhs: list,
            } = &inner.kind
            {
                if let (Some(base), AstKind::MultiSelectList { elements }) =
                    (names(base), &list.kind)
                {
                    let base = path(&base, scope, false, at)?;
                    let mut parts = Vec::new();
                    let mut shape = None;
                    for e in elements {
                        let found = names(e);
                        let n = match found.as_deref() {
                            Some([n]) => *n,
                            _ => {
                                return Err(refuse(
                                    at,
                                    "only fields in a multi-select list are translated",
                                ));
                            }
                        };
                        let s = super::pattern::field(&base.shape, n);
                        if !matches!(s, Some(Shape::Array(_))) {
                            return Err(refuse(at, format!("`{n}` is not a list the API knows")));
                        }
                        // A Pod's ephemeral containers have the fields of its containers
                        // (EphemeralContainerCommon is Container's field set): the last
                        // list's type stands for all.
                        shape = s;
                        parts.push(format!("{}.?{n}.orValue([])", base.cel));
                    }
                    if !matches!(rhs.kind, AstKind::Identity | AstKind::Current) {
                        return Err(refuse(at, "a projection of the lists is not translated"));
                    }
                    return Ok(Typed {
                        cel: parts.join(" + "),
                        shape,
                    });
                }
            }
            let list = node(inner, scope, optional, at)?;
            let Some(Shape::Array(item)) = &list.shape else {
                return Err(refuse(
                    at,
                    "`[]` over a value the API does not give as a list",
                ));
            };
            if matches!(**item, Shape::Array(_)) {
                return Err(refuse(at, "`[]` over a list of lists is not translated"));
            }
            let list_cel = if optional && list.cel.contains(".?") {
                format!("{}.orValue([])", list.cel)
            } else {
                list.cel
            };
            match &rhs.kind {
                AstKind::Identity | AstKind::Current => Ok(Typed {
                    cel: list_cel,
                    shape: list.shape.clone(),
                }),
                // A projection drops the elements whose field is absent or null.
                AstKind::Field { name }
                    if is_name(name) && matches!(**item, Shape::Object(_) | Shape::Map(_)) =>
                {
                    let field = super::pattern::field_of(item, name);
                    Ok(Typed {
                        cel: format!(
                            "{list_cel}.filter(x, has(x.{name}) && x.{name} != null).map(x, x.{name})"
                        ),
                        shape: field.map(|f| Shape::Array(Box::new(f))),
                    })
                }
                AstKind::Function { name, args, .. }
                    if (name == "to_upper" || name == "to_lower")
                        && args.len() == 1
                        && matches!(args[0].kind, AstKind::Current)
                        && **item == Shape::String =>
                {
                    let f = if name == "to_upper" {
                        "upperAscii"
                    } else {
                        "lowerAscii"
                    };
                    Ok(Typed {
                        cel: format!("{list_cel}.map(x, x.{f}())"),
                        shape: list.shape.clone(),
                    })
                }
                _ => Err(refuse(at, "this projection is not translated yet")),
            }
        }
        AstKind::Function { name, args, .. } => function(name, args, None, scope, at),
        // `x.f(@)`: the function with `x` for `@`, as after a pipe.
        AstKind::Subexpression { lhs, rhs } if matches!(rhs.kind, AstKind::Function { .. }) => {
            let AstKind::Function { name, args, .. } = &rhs.kind else {
                unreachable!("matched above")
            };
            let current = node(lhs, scope, optional, at)?;
            function(name, args, Some(current), scope, at)
        }
        // `x | f(@, ...)`: the function with `x` for `@`.
        AstKind::Pipe { lhs, rhs } => match &rhs.kind {
            AstKind::Function { name, args, .. } => {
                let current = node(lhs, scope, optional, at)?;
                function(name, args, Some(current), scope, at)
            }
            _ => Err(refuse(at, "this expression is not translated yet")),
        },
        _ => Err(refuse(at, "this expression is not translated yet")),
    }
}

/// A function argument: a text literal, or a value.
enum Arg {
    Text(String),
    Value(Typed),
}

/// The JMESPath functions with one exact CEL form for the argument types the API gives:
/// `contains` of a text in a text or a list of texts, `length` of a text, a list or a map
/// (both count what CEL counts: code points, elements, keys), and `keys` of an object. `current` is what `@` stands for
/// after a pipe.
fn function(
    name: &str,
    args: &[Ast],
    mut current: Option<Typed>,
    scope: &Scope,
    at: &str,
) -> Result<Typed, Refused> {
    let mut values = Vec::new();
    for a in args {
        values.push(match &a.kind {
            AstKind::RawString { value } => Arg::Text(value.to_string()),
            AstKind::Literal { value } => match value.to_json() {
                Value::String(s) => Arg::Text(s),
                _ => return Err(refuse(at, "this expression is not translated yet")),
            },
            AstKind::Current => Arg::Value(
                current
                    .take()
                    .ok_or_else(|| refuse(at, "this expression is not translated yet"))?,
            ),
            _ => Arg::Value(node(a, scope, false, at)?),
        });
    }
    match (name, values.as_slice()) {
        ("contains", [Arg::Value(subject), Arg::Text(t)]) => {
            let cel = match &subject.shape {
                Some(Shape::String) => format!("{}.contains({})", subject.cel, quote(t)),
                Some(Shape::Array(item)) if **item == Shape::String => {
                    format!("{} in {}", quote(t), subject.cel)
                }
                _ => {
                    return Err(refuse(
                        at,
                        "`contains` of a value the API does not give as a text or a list of texts is not translated",
                    ));
                }
            };
            Ok(Typed {
                cel,
                shape: Some(Shape::Boolean),
            })
        }
        // A map stands for its keys: CEL's `in`, `size` and comprehensions read a map's keys,
        // so every use translated here means the same of both.
        ("keys", [Arg::Value(subject)])
            if matches!(subject.shape, Some(Shape::Object(_) | Shape::Map(_))) =>
        {
            Ok(Typed {
                cel: subject.cel.clone(),
                shape: Some(Shape::Array(Box::new(Shape::String))),
            })
        }
        ("length", [Arg::Value(subject)])
            if matches!(
                subject.shape,
                Some(Shape::String | Shape::Array(_) | Shape::Map(_))
            ) =>
        {
            Ok(Typed {
                cel: format!("size({})", subject.cel),
                shape: Some(Shape::Integer),
            })
        }
        _ => Err(refuse(at, "this expression is not translated yet")),
    }
}

/// The value of a condition's `key` or `value`: a literal, or a whole `{{ expression }}`.
enum Operand {
    Literal(Value),
    Expr(Typed),
}

fn operand(v: &Value, scope: &Scope, at: &str) -> Result<Operand, Refused> {
    let Some(s) = v.as_str() else {
        if mentions(v) {
            return Err(refuse(
                at,
                "variables inside a list or map are not translated",
            ));
        }
        return Ok(Operand::Literal(v.clone()));
    };
    let t = s.trim();
    if !s.contains("{{") {
        return Ok(Operand::Literal(v.clone()));
    }
    let inner = t
        .strip_prefix("{{")
        .and_then(|r| r.strip_suffix("}}"))
        .filter(|r| !r.contains("{{") && !r.contains("}}"))
        .ok_or_else(|| refuse(at, "text around a `{{ }}` is not translated"))?;
    Ok(Operand::Expr(translate(inner.trim(), scope, at)?))
}

fn mentions(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(a) => a.iter().any(mentions),
        Value::Object(m) => m.values().any(mentions),
        _ => false,
    }
}

/// A plain text Kyverno compares as text: no wildcard, and nothing it would read as a number,
/// quantity or duration first.
fn plain_text(s: &str) -> bool {
    !s.is_empty()
        && !crate::wildcard::has_wildcard(s)
        && crate::engine::conditions::parse_quantity(s).is_none()
        && crate::engine::conditions::parse_duration(s).is_none()
        && s.parse::<f64>().is_err()
}

/// A wildcard pattern that only text can match: Kyverno compares a key that reads as a
/// duration or a quantity as one, never by the wildcard, so the pattern must hold a character
/// that no duration or quantity has.
fn wildcard_text(s: &str) -> bool {
    crate::wildcard::has_wildcard(s)
        && s.chars()
            .any(|c| c != '*' && c != '?' && !"0123456789.+-eEKMGTPimnukshµ ".contains(c))
}

/// One condition as CEL, and notes on what Kyverno compares otherwise.
fn condition(c: &Value, scope: &Scope, at: &str, notes: &mut Vec<String>) -> Result<Expr, Refused> {
    let op = c
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let key = operand(
        c.get("key").unwrap_or(&Value::Null),
        scope,
        &format!("{at}/key"),
    )?;
    let value = operand(
        c.get("value").unwrap_or(&Value::Null),
        scope,
        &format!("{at}/value"),
    )?;
    let text_list = |l: &Value| -> Option<Vec<String>> {
        l.as_array()?
            .iter()
            .map(|x| x.as_str().filter(|s| plain_text(s)).map(str::to_string))
            .collect()
    };
    match (op.as_str(), &key, &value) {
        ("equals" | "notequals", Operand::Expr(k), Operand::Literal(lit)) => {
            let eq = match (&k.shape, lit) {
                (Some(Shape::String), Value::String(s)) if plain_text(s) => {
                    format!("{} == {}", k.cel, quote(s))
                }
                (Some(Shape::String), Value::String(s)) if wildcard_text(s) => {
                    super::pattern::wildcard(s, &k.cel).text
                }
                (Some(Shape::Boolean), Value::Bool(b)) => format!("{} == {b}", k.cel),
                (Some(Shape::Integer), Value::Number(n)) if n.is_i64() => {
                    format!("{} == {n}", k.cel)
                }
                _ => {
                    return Err(refuse(
                        at,
                        "this comparison depends on how Kyverno reads the value's type; not translated yet",
                    ));
                }
            };
            Ok(if op == "equals" {
                Expr::atom(format!("({eq})"))
            } else {
                Expr::atom(format!("!({eq})"))
            })
        }
        (
            "greaterthan" | "greaterthanorequals" | "lessthan" | "lessthanorequals",
            Operand::Expr(k),
            Operand::Literal(Value::Number(n)),
        ) if k.shape == Some(Shape::Integer) && n.is_i64() => {
            // Kyverno compares two numbers as numbers; a count and an integer compare alike
            // in CEL.
            let cmp = match op.as_str() {
                "greaterthan" => ">",
                "greaterthanorequals" => ">=",
                "lessthan" => "<",
                _ => "<=",
            };
            Ok(Expr::atom(format!("({} {cmp} {n})", k.cel)))
        }
        (
            "anyin" | "allin" | "anynotin" | "allnotin",
            Operand::Literal(Value::String(k)),
            Operand::Expr(list),
        ) if plain_text(k)
            && matches!(&list.shape, Some(Shape::Array(item)) if **item == Shape::String) =>
        {
            notes.push(format!(
                "Kyverno also reads each entry of `{}` as a wildcard pattern (an entry `*` would count as `{k}`); the migrated policy compares them as text",
                list.cel
            ));
            let found = format!("{} in {}", quote(k), list.cel);
            Ok(if op.contains("not") {
                Expr::atom(format!("!({found})"))
            } else {
                Expr::atom(format!("({found})"))
            })
        }
        ("anyin" | "allin" | "anynotin" | "allnotin", Operand::Expr(k), Operand::Literal(l))
            if k.shape == Some(Shape::String) && text_list(l).is_some() =>
        {
            let items = text_list(l).unwrap_or_default();
            notes.push(format!(
                "Kyverno also reads `{}` as a wildcard pattern against the list; the migrated policy compares it as text",
                k.cel
            ));
            let list = items
                .iter()
                .map(|s| quote(s))
                .collect::<Vec<_>>()
                .join(", ");
            let found = format!("{} in [{list}]", k.cel);
            Ok(if op.contains("not") {
                Expr::atom(format!("!({found})"))
            } else {
                Expr::atom(format!("({found})"))
            })
        }
        _ => Err(refuse(
            at,
            format!("the operator `{op}` with these operands is not translated yet"),
        )),
    }
}

/// A condition block (`any`/`all`, or a bare list meaning all) as one CEL expression that holds
/// where Kyverno's block does.
pub fn block(
    conditions: &Value,
    scope: &Scope,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Expr, Refused> {
    let mut list = |key: &str| -> Result<Option<Vec<Expr>>, Refused> {
        let Some(l) = conditions.get(key) else {
            return Ok(None);
        };
        let items = l
            .as_array()
            .ok_or_else(|| refuse(&format!("{at}/{key}"), "conditions must be a list"))?;
        let mut out = Vec::new();
        for (i, c) in items.iter().enumerate() {
            out.push(condition(c, scope, &format!("{at}/{key}/{i}"), notes)?);
        }
        Ok(Some(out))
    };
    if let Some(items) = conditions.as_array() {
        let mut out = Vec::new();
        for (i, c) in items.iter().enumerate() {
            out.push(condition(c, scope, &format!("{at}/{i}"), notes)?);
        }
        return Ok(Expr::and(out));
    }
    let any = list("any")?;
    let all = list("all")?;
    let mut parts = Vec::new();
    if let Some(any) = any {
        // `any: []` is never true.
        parts.push(Expr::or(any));
    }
    if let Some(all) = all {
        parts.push(Expr::and(all));
    }
    Ok(Expr::and(parts))
}

/// A `foreach` entry's `list` as a CEL list, and the shape of its elements.
pub fn list(expr: &str, scope: &Scope, at: &str) -> Result<(String, Option<Shape>), Refused> {
    let t = translate(expr, scope, at)?;
    match t.shape {
        Some(Shape::Array(item)) => Ok((t.cel, Some(*item))),
        _ => Err(refuse(at, format!("`{expr}` is not a list the API knows"))),
    }
}

/// The API's shape of a kind's object.
pub fn object_shape(kinds: &[&k8s::Kind]) -> Option<Shape> {
    match kinds {
        [k] => Some(Shape::Object(k.ty)),
        _ => None,
    }
}
