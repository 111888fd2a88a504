//! Static checks on a parsed expression, for the editor and `check`: what cel-go's checker
//! and Kubernetes' AST validators reject before evaluation, as far as they can be decided
//! without types: unknown names and functions, calls no overload accepts (by arity and by
//! the types of literal arguments), and invalid regex, duration and timestamp literals.
//! This is not a type checker; an expression that passes may still fail to compile in
//! Kyverno on a type error.

use super::Env;
use super::ast::{Expr, ExprKind};
use super::functions::{self, Ty};
use super::value::Value;
use crate::diag::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: Span,
    pub message: String,
}

/// The type names usable as values (`type(x) == int`).
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional_type",
    "google",
];

/// Checks `ast`. `declared` says whether a root variable name exists (`object`,
/// `variables`…); comprehension and `cel.bind` variables are known here.
pub fn check(ast: &Expr, declared: &dyn Fn(&str) -> bool, env: &Env) -> Vec<Finding> {
    let mut out = Vec::new();
    // An explicit stack, each node with the local variables in scope there.
    let mut stack: Vec<(&Expr, Vec<&str>)> = vec![(ast, Vec::new())];
    while let Some((e, scope)) = stack.pop() {
        match &e.kind {
            ExprKind::Ident { name, .. }
                if !scope.contains(&name.as_str())
                    && !declared(name)
                    && !TYPE_NAMES.contains(&name.as_str()) =>
            {
                out.push(Finding {
                    span: e.span.clone(),
                    message: format!("undeclared reference to '{name}' (in container '')"),
                });
            }
            ExprKind::Call {
                target,
                function,
                function_span,
                args,
            } => {
                let namespaced = target
                    .as_ref()
                    .and_then(|t| t.qualified_name())
                    .map(|q| format!("{}.{function}", q.trim_start_matches('.')))
                    .filter(|n| {
                        functions::exists(n, env)
                            && !scope.contains(&n.split('.').next().unwrap_or(""))
                    });
                let (name, receiver) = match &namespaced {
                    Some(n) => (n.as_str(), false),
                    None => (function.trim_start_matches('.'), target.is_some()),
                };
                check_call(
                    env,
                    name,
                    receiver,
                    target.as_deref().filter(|_| namespaced.is_none()),
                    args,
                    function_span,
                    &mut out,
                );
                for a in args.iter().rev() {
                    stack.push((a, scope.clone()));
                }
                if let (Some(t), None) = (target, &namespaced) {
                    stack.push((t, scope.clone()));
                }
                continue;
            }
            ExprKind::Comprehension(c) => {
                let mut inner = scope.clone();
                inner.push(&c.var);
                if let Some((v2, _)) = &c.var2 {
                    inner.push(v2);
                }
                for a in c.args.iter().rev() {
                    stack.push((a, inner.clone()));
                }
                stack.push((&c.range, scope.clone()));
                continue;
            }
            _ => {}
        }
        for child in e.children().into_iter().rev() {
            stack.push((child, scope.clone()));
        }
    }
    out
}

/// Kubernetes' homogeneous-literal validator (every Kyverno kind but gpol): the elements of
/// a list literal, and the keys and the values of a map literal, must share one type.
/// Only literals are compared here; wrap an element in `dyn()` to mix types on purpose.
pub fn check_homogeneous_literals(ast: &Expr) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut stack = vec![ast];
    while let Some(e) = stack.pop() {
        let groups: Vec<Vec<&Expr>> = match &e.kind {
            ExprKind::List(items) => vec![
                items
                    .iter()
                    .filter(|i| !i.optional)
                    .map(|i| &i.expr)
                    .collect(),
            ],
            ExprKind::Map(entries) => vec![
                entries.iter().map(|m| &m.key).collect(),
                entries
                    .iter()
                    .filter(|m| !m.optional)
                    .map(|m| &m.value)
                    .collect(),
            ],
            _ => vec![],
        };
        for group in groups {
            let mut first: Option<Ty> = None;
            for item in group {
                let Some(t) = literal_ty(item) else { continue };
                match first {
                    None => first = Some(t),
                    Some(f) if f != t => {
                        out.push(Finding {
                            span: item.span.clone(),
                            message: format!(
                                "expected type '{}' but found '{}'",
                                f.name(),
                                t.name()
                            ),
                        });
                        break;
                    }
                    Some(_) => {}
                }
            }
        }
        stack.extend(e.children());
    }
    out
}

fn literal_ty(e: &Expr) -> Option<Ty> {
    match &e.kind {
        ExprKind::Literal(v) => Some(match v {
            Value::Null => Ty::Null,
            Value::Bool(_) => Ty::Bool,
            Value::Int(_) => Ty::Int,
            Value::Uint(_) => Ty::Uint,
            Value::Double(_) => Ty::Double,
            Value::String(_) => Ty::String,
            Value::Bytes(_) => Ty::Bytes,
            _ => return None,
        }),
        ExprKind::List(_) => Some(Ty::List),
        ExprKind::Map(_) => Some(Ty::Map),
        _ => None,
    }
}

fn accepts(t: Ty, lit: Ty) -> bool {
    t == Ty::Dyn || t == lit
}

fn check_call(
    env: &Env,
    name: &str,
    receiver: bool,
    target: Option<&Expr>,
    args: &[Expr],
    span: &Span,
    out: &mut Vec<Finding>,
) {
    let specs: Vec<_> = functions::lookup_in(name, env.libraries).collect();
    if specs.is_empty() {
        // `has` and friends without macros, or a misspelt function.
        out.push(Finding {
            span: span.clone(),
            message: format!("undeclared reference to '{name}' (in container '')"),
        });
        return;
    }
    let all: Vec<&Expr> = target.into_iter().chain(args.iter()).collect();
    let arity: Vec<_> = specs
        .iter()
        .flat_map(|f| f.overloads.iter())
        .filter(|o| o.receiver == receiver)
        .filter(|o| {
            if o.variadic {
                all.len() >= o.params.len()
            } else {
                o.params.len() == all.len()
            }
        })
        .collect();
    if arity.is_empty() {
        let style = if receiver { "a method" } else { "a function" };
        out.push(Finding {
            span: span.clone(),
            message: format!(
                "'{name}' does not take {} argument{} as {style}",
                args.len(),
                if args.len() == 1 { "" } else { "s" }
            ),
        });
        return;
    }
    // Literal arguments must fit some overload of the right arity.
    let fits = arity.iter().any(|o| {
        all.iter().enumerate().all(|(i, a)| {
            let t = if o.variadic {
                o.params[i.min(o.params.len() - 1)]
            } else {
                o.params[i]
            };
            literal_ty(a).is_none_or(|lit| accepts(t, lit))
        })
    });
    if !fits {
        let shown: Vec<String> = all
            .iter()
            .map(|a| literal_ty(a).map_or("dyn", Ty::name).to_string())
            .collect();
        out.push(Finding {
            span: span.clone(),
            message: format!(
                "found no matching overload for '{name}' applied to '({})'",
                shown.join(", ")
            ),
        });
        return;
    }
    validate_literals(name, &all, out);
}

/// Kubernetes' AST validators: a literal regex, duration or timestamp must be valid.
fn validate_literals(name: &str, all: &[&Expr], out: &mut Vec<Finding>) {
    let lit = |i: usize| match all.get(i).map(|e| &e.kind) {
        Some(ExprKind::Literal(Value::String(s))) => Some((s.clone(), all[i].span.clone())),
        _ => None,
    };
    let (pos, what) = match name {
        "matches" | "find" | "findAll" | "regex.replace" | "regex.extract" | "regex.extractAll" => {
            (1, "matches")
        }
        "duration" => (0, "duration"),
        "timestamp" => (0, "timestamp"),
        _ => return,
    };
    let Some((s, span)) = lit(pos) else { return };
    let problem = match what {
        "matches" => functions::regex::compile(&s).err(),
        "duration" => super::time::parse_duration(&s).err(),
        _ => super::time::parse_timestamp(&s).err(),
    };
    if let Some(p) = problem {
        out.push(Finding {
            span,
            message: format!("invalid {what} argument: {p}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(src: &str) -> Vec<String> {
        let (ast, errs) = super::super::parse(src);
        let ast = ast.unwrap_or_else(|| panic!("{errs:?}"));
        check(&ast, &|n| n == "object" || n == "variables", &Env::fixed())
            .into_iter()
            .map(|f| format!("{}..{}: {}", f.span.start, f.span.end, f.message))
            .collect()
    }

    #[test]
    fn names_and_functions() {
        assert!(findings("object.spec.all(x, x > 0) && cel.bind(y, 1, y + 1) == 2").is_empty());
        assert!(
            findings("[1].exists(i, v, i == v) && type(1) == int && optional.of(1).hasValue()")
                .is_empty()
        );
        assert_eq!(
            findings("foo + 1"),
            vec!["0..3: undeclared reference to 'foo' (in container '')"]
        );
        assert_eq!(
            findings("[1].map(x, y)"),
            vec!["11..12: undeclared reference to 'y' (in container '')"]
        );
        assert_eq!(
            findings("sizee('a')"),
            vec!["0..5: undeclared reference to 'sizee' (in container '')"]
        );
        assert_eq!(
            findings("'a'.startsWith()"),
            vec!["4..14: 'startsWith' does not take 0 arguments as a method"]
        );
        assert_eq!(
            findings("'a'.contains(1)"),
            vec!["4..12: found no matching overload for 'contains' applied to '(string, int)'"]
        );
        assert!(findings("math.greatest(1, 2, 3)").is_empty());
    }

    #[test]
    fn homogeneous_literals() {
        let f = |src: &str| {
            let (ast, _) = super::super::parse(src);
            check_homogeneous_literals(&ast.unwrap_or_else(|| panic!("{src}")))
                .into_iter()
                .map(|f| format!("{}..{}: {}", f.span.start, f.span.end, f.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            f("[1, 'a']"),
            vec!["4..7: expected type 'int' but found 'string'"]
        );
        assert_eq!(
            f("{'a': 1, 'b': true}"),
            vec!["14..18: expected type 'int' but found 'bool'"]
        );
        assert!(f("[1, dyn('a'), 2] + [[1], [2]]").is_empty());
    }

    #[test]
    fn literal_validators() {
        assert_eq!(
            findings("object.name.matches('[')"),
            vec!["20..23: invalid matches argument: error parsing regexp: missing closing ]: `[`"]
        );
        assert_eq!(findings("duration('1d')").len(), 1);
        assert_eq!(findings("timestamp('2024')").len(), 1);
        assert!(findings("duration('1h') > duration('1m') && timestamp('2024-01-01T00:00:00Z') != timestamp(0)").is_empty());
    }
}
