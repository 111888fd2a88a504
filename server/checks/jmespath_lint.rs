//! Static checks of the JMESPath in a policy: syntax, functions (unknown, arity, literal
//! argument types), variables (unknown roots, `element` outside `foreach`, what background
//! scans forbid), `request.operation` compared with an operation that does not exist, and
//! `request.object` paths through fields none of the rule's matched kinds has.
//! Findings are placed on the exact characters, through the scalar's value-to-source map.

use super::resource_fields::Matched;
use super::{did_you_mean, or_list};
use crate::diag::{Diagnostic, Severity};
use crate::jmespath::ast::{Ast, AstKind, Span as ExprSpan};
use crate::jmespath::functions::{self, Types};
use crate::jmespath::parse::parse;
use crate::model::{JmesSite, Policy, Scope};
use crate::yaml::Node;

/// Variables Kyverno provides to every rule.
const BUILTIN_ROOTS: &[&str] = &[
    "request",
    "images",
    "serviceAccountName",
    "serviceAccountNamespace",
    "target",
];
/// Roots that only exist in background-less (admission) evaluation.
const USER_INFO_ROOTS: &[&str] = &["serviceAccountName", "serviceAccountNamespace"];
const USER_INFO_REQUEST_FIELDS: &[&str] = &["userInfo", "roles", "clusterRoles"];
const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT"];

/// One finding, in the expression's own byte offsets.
struct Finding {
    span: ExprSpan,
    code: &'static str,
    severity: Severity,
    message: String,
}

/// Checks every expression of a policy document.
pub fn check(
    catalog: &crate::k8s::Catalog,
    source: &str,
    root: &Node,
    policy: &Policy,
    extra_variables: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let mut maps: Vec<(*const Node, crate::yaml::ValueMap)> = Vec::new();
    let kinds: Vec<Option<Matched>> = policy
        .rules
        .iter()
        .map(|r| {
            r.match_kinds
                .as_deref()
                .and_then(|k| super::resource_fields::rule_kinds(catalog, k))
        })
        .collect();
    for site in &policy.jmespath {
        let Some(node) = site.node(root) else {
            continue;
        };
        let Some(text) = node.as_str() else {
            continue;
        };
        let expr = site.masked.as_deref().unwrap_or(&text[site.expr.clone()]);
        let kinds = kinds.get(site.rule).and_then(Option::as_ref);
        let findings = check_expression(expr, site, extra_variables, kinds.map(|k| (catalog, k)));
        if findings.is_empty() {
            continue;
        }
        let key = node as *const Node;
        let map = match maps.iter().find(|(k, _)| *k == key) {
            Some((_, m)) => m.clone(),
            None => {
                let Some(m) = crate::yaml::value_map(source, node) else {
                    continue;
                };
                maps.push((key, m.clone()));
                m
            }
        };
        for f in findings {
            let start = site.expr.start + f.span.start.min(expr.len());
            let end = site.expr.start + f.span.end.min(expr.len());
            out.push(Diagnostic::new(
                f.code,
                f.severity,
                map.span(start..end),
                f.message,
            ));
        }
    }
}

fn check_expression(
    expr: &str,
    site: &JmesSite,
    extra: &[String],
    kinds: Option<(&crate::k8s::Catalog, &Matched)>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let ast = match parse(expr) {
        Ok(ast) => ast,
        Err(e) => {
            let trimmed = expr.trim_end().len();
            let span = if e.end > e.offset {
                ExprSpan::new(e.offset, e.end)
            } else if e.offset >= trimmed && trimmed > 0 {
                // "Ends too early": point at the last thing written, not at empty space.
                let last = expr[..trimmed]
                    .chars()
                    .next_back()
                    .map_or(1, char::len_utf8);
                ExprSpan::new(trimmed - last, trimmed)
            } else {
                widen(expr, e.offset)
            };
            findings.push(Finding {
                span,
                code: "jmespath-syntax",
                severity: Severity::Error,
                message: format!(
                    "JMESPath syntax error: {}.",
                    e.message.trim_end_matches('.')
                ),
            });
            return findings;
        }
    };
    let mut roots = Vec::new();
    if !site.relative {
        collect_roots(&ast, true, &mut roots);
    }
    // Inside a `foreach` whose list is a path from `request.object`, `element` is one of the
    // list's items.
    let elements = kinds.and_then(|(catalog, matched)| {
        let roots: Vec<&crate::k8s::Shape> = matched.shapes.iter().collect();
        items_of(catalog, &site.scope.element_lists, &roots)
    });
    for chain in &roots {
        check_root(chain, &site.scope, extra, &mut findings);
        if let Some(kinds) = kinds {
            object_path(chain, &site.scope, kinds, &mut findings);
            if let Some(elements) = &elements {
                element_path(chain, &site.scope, kinds, elements, &mut findings);
            }
        }
    }
    visit_functions(&ast, &mut findings);
    visit_operation_comparisons(&ast, &mut findings);
    findings
}

/// A one-character span at `at` (an empty one at the end), so an error at the end of an
/// expression is still visible.
fn widen(expr: &str, at: usize) -> ExprSpan {
    let at = crate::text::clamp_to_char(expr, at);
    match expr[at..].chars().next() {
        Some(c) => ExprSpan::new(at, at + c.len_utf8()),
        None => ExprSpan::new(at, at),
    }
}

/// The fields a root variable is read through: `request.userInfo.username` gives
/// `[request, userInfo, username]`.
type Chain<'a> = Vec<(&'a str, ExprSpan)>;

/// Every chain of fields evaluated against the root context. The right side of a `.`, a
/// projection, a filter or a pipe, and `&expressions`, see other values, not the root.
fn collect_roots<'a>(ast: &'a Ast, at_root: bool, out: &mut Vec<Chain<'a>>) {
    match &ast.kind {
        AstKind::Field { name } if at_root => out.push(vec![(name.as_str(), ast.span)]),
        AstKind::Subexpression { lhs, rhs } if at_root => {
            let before = out.len();
            collect_roots(lhs, true, out);
            // Extend the chain that ends at the left side's last field.
            if out.len() == before + 1 && is_field_chain(lhs) {
                if let AstKind::Field { name } = &rhs.kind {
                    out[before].push((name.as_str(), rhs.span));
                }
            }
            collect_roots(rhs, false, out);
        }
        AstKind::Subexpression { lhs, rhs }
        | AstKind::ListProjection { lhs, rhs }
        | AstKind::ObjectProjection { lhs, rhs }
        | AstKind::Pipe { lhs, rhs } => {
            collect_roots(lhs, at_root, out);
            collect_roots(rhs, false, out);
        }
        AstKind::FilterProjection {
            lhs,
            condition,
            rhs,
        } => {
            collect_roots(lhs, at_root, out);
            collect_roots(condition, false, out);
            collect_roots(rhs, false, out);
        }
        AstKind::Expref { node } => collect_roots(node, false, out),
        _ => {
            for c in ast.children() {
                collect_roots(c, at_root, out);
            }
        }
    }
}

fn is_field_chain(ast: &Ast) -> bool {
    match &ast.kind {
        AstKind::Field { .. } => true,
        AstKind::Subexpression { lhs, rhs } => {
            is_field_chain(lhs) && matches!(rhs.kind, AstKind::Field { .. })
        }
        _ => false,
    }
}

fn is_element(name: &str) -> bool {
    ["element", "elementIndex"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
    })
}

fn check_root(chain: &Chain<'_>, scope: &Scope, extra: &[String], out: &mut Vec<Finding>) {
    let (name, span) = chain[0];
    if is_element(name) {
        if scope.foreach_depth == 0 {
            out.push(Finding {
                span,
                code: "element-outside-foreach",
                severity: Severity::Error,
                message: format!("`{name}` exists only inside a `foreach`; here it is undefined and Kyverno rejects the policy."),
            });
        }
        return;
    }
    let known = scope.any_root
        || BUILTIN_ROOTS.contains(&name)
        || scope.context.iter().any(|c| c == name)
        || extra.iter().any(|c| c == name);
    if !known && name.is_empty() {
        // `""` is a quoted field name, the empty one, which Kyverno looks up, finds missing
        // and (after `||`, in a comparison, ...) reads as null: accepted, but rarely meant.
        out.push(Finding {
            span,
            code: "undefined-variable",
            severity: Severity::Warning,
            message: "`\"\"` is JMESPath's quoted field name (the empty one), not an empty string: it reads a variable that does not exist, which is null. Write `''` for an empty string.".into(),
        });
        return;
    }
    if !known {
        let mut candidates: Vec<&str> = BUILTIN_ROOTS.to_vec();
        candidates.extend(["element", "elementIndex"]);
        candidates.extend(scope.context.iter().map(String::as_str));
        let mut message = format!(
            "Unknown variable `{name}`: it is neither a Kyverno variable nor a context entry defined before this point."
        );
        if let Some(best) = did_you_mean(name, candidates.iter().copied()) {
            message.push_str(&format!(" Did you mean `{best}`?"));
        } else {
            message
                .push_str(" Define it under the rule's `context`, or start from `request.object`.");
        }
        out.push(Finding {
            span,
            code: "undefined-variable",
            severity: Severity::Error,
            message,
        });
        return;
    }
    if !scope.background {
        return;
    }
    let forbidden = if USER_INFO_ROOTS.contains(&name) {
        Some((name.to_string(), span))
    } else if name == "request" {
        chain
            .get(1)
            .filter(|(f, _)| USER_INFO_REQUEST_FIELDS.contains(f))
            .map(|(f, s)| (format!("request.{f}"), span.to(*s)))
    } else {
        None
    };
    if let Some((what, span)) = forbidden {
        out.push(Finding {
            span,
            code: "background-variable",
            severity: Severity::Error,
            message: format!(
                "`{what}` is not available in background scans, and Kyverno rejects a policy with `background: true` (the default) that uses it. Set `spec.background: false`."
            ),
        });
    }
}

/// `request.object.…` and `request.oldObject.…` followed through the fields of the rule's
/// matched kinds: a field none of them has makes the expression null for every resource.
fn object_path(
    chain: &Chain<'_>,
    scope: &Scope,
    (catalog, matched): (&crate::k8s::Catalog, &Matched),
    out: &mut Vec<Finding>,
) {
    let [
        ("request", _),
        (side @ ("object" | "oldObject"), _),
        rest @ ..,
    ] = chain.as_slice()
    else {
        return;
    };
    // A context entry or values-file variable named `request` is not the request.
    if scope.context.iter().any(|c| c == "request") {
        return;
    }
    let current: Vec<&crate::k8s::Shape> = matched.shapes.iter().collect();
    follow(
        &format!("request.{side}"),
        rest,
        current,
        catalog,
        matched,
        out,
    );
}

/// The shapes of the items of the last of `lists` (the `list` of each enclosing `foreach`
/// entry, outermost first), when it is a path from `request.object` or, in a nested entry,
/// from the `element` of the entry around it.
fn items_of<'a>(
    catalog: &'a crate::k8s::Catalog,
    lists: &[Option<String>],
    roots: &[&'a crate::k8s::Shape],
) -> Option<Vec<&'a crate::k8s::Shape>> {
    use super::resource_fields::{element_shapes, list_items};
    let (last, outer) = lists.split_last()?;
    let list = last.as_deref()?.trim();
    match list.strip_prefix("element.") {
        Some(rest) => list_items(catalog, rest, &items_of(catalog, outer, roots)?),
        None => element_shapes(catalog, list, roots),
    }
}

/// `element.…` inside a `foreach` whose list is a known path from `request.object`, followed
/// through the fields of the list's items (`elements`).
fn element_path(
    chain: &Chain<'_>,
    scope: &Scope,
    (catalog, matched): (&crate::k8s::Catalog, &Matched),
    elements: &[&crate::k8s::Shape],
    out: &mut Vec<Finding>,
) {
    let [("element", _), rest @ ..] = chain.as_slice() else {
        return;
    };
    // A context entry named `element` hides the element.
    if scope.context.iter().any(|c| c == "element") {
        return;
    }
    follow("element", rest, elements.to_vec(), catalog, matched, out);
}

/// Follows `fields` from a value of the shapes `current` (named `base` in messages) and
/// reports the first field none of them has.
fn follow<'a>(
    base: &str,
    fields: &[(&str, ExprSpan)],
    mut current: Vec<&'a crate::k8s::Shape>,
    catalog: &'a crate::k8s::Catalog,
    matched: &Matched,
    out: &mut Vec<Finding>,
) {
    use super::resource_fields::{Below, field_shapes, owner_name};
    for (field, span) in fields {
        match field_shapes(catalog, &current, field) {
            (Below::Free, _) => return,
            (Below::Fields(found), candidates) if found.is_empty() => {
                let mut message = format!(
                    "`{field}` is not a field of {} in {} ({}), so `{base}` never has anything there (Kyverno reports an unknown key, or null where the expression tolerates one).",
                    owner_name(catalog, &current),
                    matched.names,
                    matched.source
                );
                if let Some(best) = did_you_mean(field, candidates.into_iter()) {
                    message.push_str(&format!(" Did you mean `{best}`?"));
                }
                out.push(Finding {
                    span: *span,
                    code: "jmespath-unknown-field",
                    severity: Severity::Warning,
                    message,
                });
                return;
            }
            (Below::Fields(found), _) => current = found,
        }
    }
}

fn visit_functions(ast: &Ast, out: &mut Vec<Finding>) {
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        if let AstKind::Function {
            name,
            name_span,
            args,
        } = &node.kind
        {
            check_call(name, *name_span, node.span, args, out);
        }
        stack.extend(node.children());
    }
}

fn check_call(
    name: &str,
    name_span: ExprSpan,
    call_span: ExprSpan,
    args: &[Ast],
    out: &mut Vec<Finding>,
) {
    let Some(spec) = functions::lookup(name) else {
        let all = functions::all();
        let mut message = format!("Unknown function `{name}`.");
        if let Some(best) = did_you_mean(name, all.iter().map(|f| f.name)) {
            message.push_str(&format!(" Did you mean `{best}`?"));
        } else {
            message.push_str(" `kyverno-ls functions` lists the functions Kyverno knows.");
        }
        out.push(Finding {
            span: name_span,
            code: "unknown-function",
            severity: Severity::Error,
            message,
        });
        return;
    };
    let n = spec.params.len();
    let ok = if spec.variadic {
        args.len() >= n
    } else {
        args.len() == n || n == 0 && spec.kyverno
    };
    if !ok {
        let expected = match (spec.variadic, n) {
            (true, _) => format!("at least {n} argument{}", if n == 1 { "" } else { "s" }),
            (false, 1) => "1 argument".to_string(),
            (false, _) => format!("{n} arguments"),
        };
        out.push(Finding {
            span: call_span,
            code: "function-arity",
            severity: Severity::Error,
            message: format!(
                "`{name}` takes {expected} (`{}`), but is given {}.",
                signature(spec),
                args.len()
            ),
        });
        return;
    }
    for (i, arg) in args.iter().enumerate() {
        let Some(param) = spec.params.get(i).or(if spec.variadic {
            spec.params.last()
        } else {
            None
        }) else {
            continue;
        };
        let literal = match &arg.kind {
            AstKind::Literal { value } => Some(Types::of(value)),
            AstKind::RawString { .. } => Some(Types::STRING),
            AstKind::Expref { .. } => Some(Types::EXPREF),
            _ => None,
        };
        if let Some(t) = literal {
            if !param.types.contains(t) {
                out.push(Finding {
                    span: arg.span,
                    code: "function-argument-type",
                    severity: Severity::Error,
                    message: format!(
                        "Argument {} of `{name}` (`{}`) must be {}, but this is {}.",
                        i + 1,
                        param.name,
                        with_article(&param.types.describe()),
                        with_article(&t.describe())
                    ),
                });
            }
        }
    }
}

/// `a string`, `an array`, `a string|number`.
fn with_article(types: &str) -> String {
    match types.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {types}"),
        _ => format!("a {types}"),
    }
}

/// `name(param: type, ...) -> type`.
pub fn signature(spec: &functions::FunctionSpec) -> String {
    let params: Vec<String> = spec
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let dots = if spec.variadic && i + 1 == spec.params.len() {
                "..."
            } else {
                ""
            };
            format!("{}{dots}: {}", p.name, p.types.describe())
        })
        .collect();
    format!(
        "{}({}) -> {}",
        spec.name,
        params.join(", "),
        spec.returns.describe()
    )
}

fn visit_operation_comparisons(ast: &Ast, out: &mut Vec<Finding>) {
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        if let AstKind::Comparison { lhs, rhs, .. } = &node.kind {
            for (a, b) in [(lhs, rhs), (rhs, lhs)] {
                if is_request_operation(a) {
                    let text = match &b.kind {
                        AstKind::RawString { value } => Some(value.to_string()),
                        AstKind::Literal { value } => value.as_str().map(str::to_string),
                        _ => None,
                    };
                    if let Some(t) = text.filter(|t| !OPERATIONS.contains(&t.as_str())) {
                        let mut message = format!(
                            "`request.operation` is one of {}, so comparing it with `{t}` is never true.",
                            or_list(OPERATIONS)
                        );
                        if let Some(best) = did_you_mean(&t, OPERATIONS.iter().copied()) {
                            message.push_str(&format!(" Did you mean `{best}`?"));
                        }
                        out.push(Finding {
                            span: b.span,
                            code: "invalid-operation",
                            severity: Severity::Warning,
                            message,
                        });
                    }
                }
            }
        }
        stack.extend(node.children());
    }
}

fn is_request_operation(ast: &Ast) -> bool {
    matches!(&ast.kind, AstKind::Subexpression { lhs, rhs }
        if matches!(&lhs.kind, AstKind::Field { name } if name == "request")
        && matches!(&rhs.kind, AstKind::Field { name } if name == "operation"))
}
